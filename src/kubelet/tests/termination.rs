//! Graceful termination, SIGKILL after the grace period, preStop, force delete (spec
//! K16–K19).

use super::*;

/// `nginx` runs `script` (its image's stop signal is SIGQUIT).
fn nginx_registry(script: Script) -> AppRegistry {
    let mut r = registry(script.clone());
    r.register("nginx", move |_| Box::new(Scripted(script.clone())));
    r
}

fn running(d: &mut Driver, name: &str, patch: Value) -> SimTime {
    d.create_pod(name, patch);
    d.run_until_pod(name, secs(60), is_running_ready)
        .expect("runs");
    d.h.now
}

fn gone_at(d: &Driver, name: &str) -> SimTime {
    d.h.api
        .watch_events()
        .iter()
        .find(|e| {
            e.object.kind() == Kind::Pod
                && e.object.name() == name
                && e.event_type == crate::apiserver::WatchEventType::Deleted
        })
        .map(|e| e.at)
        .expect("deleted")
}

#[test]
fn a_graceful_delete_stops_the_container_and_removes_the_pod() {
    let script = Script::server();
    let signals = script.signals.clone();
    let mut d = Driver::new(nginx_registry(script));
    running(&mut d, "web-0", json!({}));
    let before = d.columns("web-0").len();
    let t0 = d.h.now;
    d.delete_pod("web-0", None);
    d.run_for(secs(10));
    assert!(d.try_pod("web-0").is_none());
    let took = gone_at(&d, "web-0") - t0;
    assert!(took <= dms(1_000), "gone after {took}");
    assert_eq!(
        signals.borrow().as_slice(),
        &[Signal::Quit],
        "nginx's STOPSIGNAL"
    );
    assert_eq!(
        d.events_with("web-0", "Killing"),
        vec!["Normal Killing: Stopping container nginx"]
    );
    // The second line is the kubelet writing the bumped observedGeneration of the deletion.
    assert_eq!(
        d.columns("web-0")[before..],
        [
            col("1/1", "Terminating"),
            col("1/1", "Terminating"),
            col("0/1", "Completed"),
            col("0/1", "Completed")
        ]
    );
    let (_, last) = d.watch("web-0").pop().unwrap();
    assert_eq!(phase(&last), "Succeeded");
    let t = cstatus(&last).state.unwrap().terminated.unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
    assert_eq!(
        condition(&last, "Ready").unwrap().reason.as_deref(),
        Some("PodCompleted")
    );
    let calls: Vec<String> =
        d.h.take_calls()
            .into_iter()
            .filter(|c| c.contains(" Pod "))
            .collect();
    assert_eq!(
        calls.last().map(String::as_str),
        Some("delete Pod default/web-0")
    );
}

#[test]
fn an_app_that_ignores_the_signal_is_killed_when_the_grace_period_ends() {
    let script = Script {
        on_signal: None,
        ..Script::server()
    };
    let mut d = Driver::new(nginx_registry(script));
    running(&mut d, "web-0", json!({}));
    let t0 = d.h.now;
    let before = d.columns("web-0").len();
    d.delete_pod("web-0", None);
    d.run_for(secs(29));
    assert_eq!(pod_status_column(&d.pod("web-0")), "Terminating");
    assert_eq!(
        pod_ready_column(&d.pod("web-0")),
        "1/1",
        "still running until SIGKILL"
    );
    d.run_for(secs(10));
    let took = gone_at(&d, "web-0") - t0;
    assert!(took >= secs(30) && took <= dms(31_000), "gone after {took}");
    assert_eq!(
        d.columns("web-0")[before..],
        [
            col("1/1", "Terminating"),
            col("1/1", "Terminating"),
            col("0/1", "Error"),
            col("0/1", "Error")
        ]
    );
    assert_eq!(
        d.watch("web-0")[before + 1]
            .1
            .status
            .as_ref()
            .unwrap()
            .observed_generation,
        Some(2)
    );
    let (_, last) = d.watch("web-0").pop().unwrap();
    assert_eq!(phase(&last), "Failed");
    let t = cstatus(&last).state.unwrap().terminated.unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (137, Some("Error")));
}

#[test]
fn a_slow_app_that_exits_within_the_grace_period_is_not_killed() {
    let script = Script {
        on_signal: Some(Exit::with_code(secs(5), 0)),
        ..Script::server()
    };
    let mut d = Driver::new(nginx_registry(script));
    running(&mut d, "web-0", json!({}));
    let t0 = d.h.now;
    d.delete_pod("web-0", None);
    d.run_for(secs(40));
    let took = gone_at(&d, "web-0") - t0;
    assert!(took >= secs(5) && took <= dms(6_000), "gone after {took}");
    let (_, last) = d.watch("web-0").pop().unwrap();
    assert_eq!(
        cstatus(&last).state.unwrap().terminated.unwrap().exit_code,
        0
    );
}

#[test]
fn pre_stop_time_counts_against_the_grace_period() {
    // A sleep hook shorter than the grace period; an exec hook that outlasts it (the
    // signal comes when the grace period ends, SIGKILL 2 s later).
    for (sleep, grace, want) in [(10, 15, 15), (20, 15, 17)] {
        let script = Script {
            on_signal: None,
            hook: secs(20),
            ..Script::server()
        };
        let hook = if sleep < grace {
            json!({"sleep": {"seconds": sleep}})
        } else {
            json!({"exec": {"command": ["sh", "-c", "sleep 20"]}})
        };
        let signals = script.signals.clone();
        let mut d = Driver::new(nginx_registry(script));
        running(
            &mut d,
            "web-0",
            json!({"spec": {"terminationGracePeriodSeconds": grace, "containers": [{"name": "nginx",
                "image": "nginx:1.25", "lifecycle": {"preStop": hook}}]}}),
        );
        let t0 = d.h.now;
        d.delete_pod("web-0", None);
        d.run_for(secs(u64::try_from(sleep.min(grace)).unwrap() - 1));
        assert!(signals.borrow().is_empty(), "no signal while preStop runs");
        d.run_for(secs(60));
        assert_eq!(signals.borrow().len(), 1);
        let took = gone_at(&d, "web-0") - t0;
        assert!(
            took >= secs(want) && took <= secs(want) + dms(1_000),
            "preStop {sleep}s, grace {grace}s: gone after {took}"
        );
    }
}

#[test]
fn a_second_delete_with_a_shorter_grace_period_kills_sooner() {
    let script = Script {
        on_signal: None,
        ..Script::server()
    };
    let mut d = Driver::new(nginx_registry(script));
    running(&mut d, "web-0", json!({}));
    let t0 = d.h.now;
    d.delete_pod("web-0", None);
    d.run_for(secs(5));
    d.delete_pod("web-0", Some(3));
    d.run_for(secs(40));
    let took = gone_at(&d, "web-0") - t0;
    assert!(took >= secs(8) && took <= dms(9_000), "gone after {took}");
}

#[test]
fn a_force_deleted_pod_is_still_stopped_and_its_replacement_gets_another_ip() {
    let script = Script {
        on_signal: Some(Exit::with_code(secs(1), 0)),
        ..Script::server()
    };
    let signals = script.signals.clone();
    let mut d = Driver::new(nginx_registry(script));
    running(&mut d, "web-0", json!({}));
    let old_ip = d.pod("web-0").status.unwrap().pod_ip.unwrap();
    d.delete_pod("web-0", Some(0));
    assert!(d.try_pod("web-0").is_none(), "gone from the API at once");
    d.create_pod("web-0", json!({}));
    d.run_for(secs(10));
    assert_eq!(signals.borrow().len(), 1, "the old container was stopped");
    let new_ip = d.pod("web-0").status.unwrap().pod_ip.unwrap();
    assert_ne!(old_ip, new_ip);
    assert!(is_running_ready(&d.pod("web-0")));
    assert_eq!(
        d.kubelets[0].ipam.in_use(),
        1,
        "the old address was given back"
    );
    assert!(
        d.events("web-0")
            .contains(&"Normal Killing: Stopping container nginx".to_string())
    );
}

#[test]
fn a_pod_deleted_while_its_image_is_pulling_just_goes() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(3));
    assert_eq!(pod_status_column(&d.pod("web-0")), "ContainerCreating");
    d.delete_pod("web-0", None);
    d.run_for(secs(2));
    assert!(d.try_pod("web-0").is_none());
    assert!(
        d.events_with("web-0", "Killing").is_empty(),
        "nothing was running"
    );
    assert_eq!(d.kubelets[0].ipam.in_use(), 0);
}

#[test]
fn a_pod_with_a_crash_looping_container_terminates_without_restarting_it() {
    let script = Script {
        on_signal: None,
        ..Script::server()
    };
    let mut d = Driver::new(nginx_registry(script));
    d.create_pod(
        "web-0",
        json!({"spec": {"containers": [
            {"name": "crash", "image": "job:1", "args": ["1"]},
            {"name": "nginx", "image": "nginx:1.25"}]}}),
    );
    // Delete while the crashing container waits out its back-off (a retry is pending).
    for _ in 0..20 {
        d.run_until_pod("web-0", secs(60), |p| {
            pod_status_column(p) == "CrashLoopBackOff"
        });
        d.run_for(secs(2));
        if pod_status_column(&d.pod("web-0")) == "CrashLoopBackOff" {
            break;
        }
    }
    assert_eq!(pod_status_column(&d.pod("web-0")), "CrashLoopBackOff");
    let starts = d.events_with("web-0", "Started");
    d.delete_pod("web-0", None);
    d.run_for(secs(29));
    assert_eq!(pod_status_column(&d.pod("web-0")), "Terminating");
    assert_eq!(
        d.events_with("web-0", "Started"),
        starts,
        "no restart while terminating"
    );
    d.run_for(secs(5));
    assert!(d.try_pod("web-0").is_none(), "gone when nginx is killed");
}
