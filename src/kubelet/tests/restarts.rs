//! Restart policies and CrashLoopBackOff (spec K13, K21).

use super::*;

fn crasher(after: SimDuration, code: i32) -> Script {
    Script {
        exit: Some(Exit::with_code(after, code)),
        ..Script::server()
    }
}

fn app(policy: &str) -> Value {
    json!({"spec": {"restartPolicy": policy, "containers": [{"name": "c", "image": "app:v1"}]}})
}

/// `(startedAt, finishedAt)` of every container instance seen in the watch, in order.
fn instances(d: &Driver, name: &str) -> Vec<(SimTime, Option<SimTime>)> {
    let mut out: Vec<(SimTime, Option<SimTime>)> = Vec::new();
    for (_, p) in d.watch(name) {
        let Some(c) = p
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|v| v.first())
            .cloned()
        else {
            continue;
        };
        let state = c.state.clone().unwrap_or_default();
        let (started, finished) = if let Some(r) = &state.running {
            (r.started_at.clone(), None)
        } else if let Some(t) = &state.terminated {
            (t.started_at.clone(), t.finished_at.clone())
        } else {
            continue;
        };
        let started = SimTime::from_k8s_time(&started.unwrap()).unwrap();
        let finished = finished.and_then(|f| SimTime::from_k8s_time(&f));
        match out.iter_mut().find(|(s, _)| *s == started) {
            Some(e) => {
                if finished.is_some() {
                    e.1 = finished;
                }
            }
            None => out.push((started, finished)),
        }
    }
    out
}

#[test]
fn crash_loop_back_off_waits_10_20_40_80_160_then_300_seconds() {
    let mut d = Driver::new(registry(crasher(secs(1), 1)));
    d.create_pod("p", app("Always"));
    d.run_for(secs(1_100));
    let runs = instances(&d, "p");
    assert!(runs.len() >= 9, "{runs:?}");
    let gaps: Vec<u64> = runs
        .windows(2)
        .map(|w| (w[1].0 - w[0].1.expect("finished")).as_secs())
        .collect();
    let want = [0u64, 10, 20, 40, 80, 160, 300, 300];
    for (i, (got, want)) in gaps.iter().zip(want).enumerate() {
        assert!(
            *got >= want && *got <= want + 2,
            "restart {i}: waited {got}s, want {want}s (gaps {gaps:?})"
        );
    }
    let p = d.pod("p");
    assert_eq!(
        phase(&p),
        "Running",
        "restartPolicy Always never ends the pod"
    );
}

#[test]
fn a_crashing_container_shows_error_then_crash_loop_back_off() {
    let mut d = Driver::new(registry(crasher(secs(1), 1)));
    d.create_pod("p", app("Always"));
    d.run_for(secs(60));
    let statuses: Vec<String> = dedup(d.columns("p")).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        statuses[..9],
        [
            "Pending",
            "ContainerCreating",
            "Running",
            "Error",
            "Running",
            "Error",
            "CrashLoopBackOff",
            "Running",
            "Error"
        ]
    );
    let uid = d.pod("p").metadata.uid.unwrap();
    let waiting = d
        .watch("p")
        .into_iter()
        .filter_map(|(_, p)| cstatus(&p).state.and_then(|s| s.waiting))
        .find(|w| w.reason.as_deref() == Some("CrashLoopBackOff"))
        .unwrap();
    assert_eq!(
        waiting.message.unwrap(),
        format!("back-off 10s restarting failed container=c pod=p_default({uid})")
    );
    let backoff = d.events_with("p", "BackOff");
    assert!(
        backoff[0].starts_with(&format!(
            "Warning BackOff: Back-off restarting failed container c in pod p_default({uid})"
        )),
        "{backoff:?}"
    );
    assert!(d.events("p").iter().any(|e| {
        e.starts_with("Normal Pulled: Container image \"app:v1\" already present on machine (x")
    }));
    let p = d.pod("p");
    let c = cstatus(&p);
    assert!(c.restart_count >= 2);
    let last = c.last_state.unwrap().terminated.unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    let restarts = pod_restarts_column(&p, d.h.now);
    assert!(
        restarts.starts_with(&format!("{} (", c.restart_count)) && restarts.ends_with(" ago)"),
        "{restarts}"
    );
    assert_eq!(
        pod_ready_column(&p),
        if pod_status_column(&p) == "Running" {
            "1/1"
        } else {
            "0/1"
        }
    );
}

#[test]
fn back_off_resets_after_ten_minutes_of_running() {
    let mut d = Driver::new(registry(crasher(secs(700), 1)));
    d.create_pod("p", app("Always"));
    d.run_for(secs(2_200));
    let runs = instances(&d, "p");
    assert!(runs.len() >= 3, "{runs:?}");
    for w in runs.windows(2) {
        let gap = w[1].0 - w[0].1.unwrap();
        assert!(
            gap <= secs(2),
            "a container that ran 10 min restarts at once: {gap}"
        );
    }
    let mut d = Driver::new(registry(crasher(secs(60), 1)));
    d.create_pod("p", app("Always"));
    d.run_for(secs(200));
    let runs = instances(&d, "p");
    let gap = runs[2].0 - runs[1].1.unwrap();
    assert!(gap >= secs(10), "a short run keeps the back-off: {gap}");
}

#[test]
fn restart_policy_never_ends_the_pod_succeeded_or_failed() {
    for (code, want_phase, want_status, reason) in [
        (0, "Succeeded", "Completed", "PodCompleted"),
        (2, "Failed", "Error", "PodFailed"),
    ] {
        let mut d = Driver::new(registry(crasher(secs(5), code)));
        d.create_pod("p", app("Never"));
        d.run_for(secs(120));
        let p = d.pod("p");
        assert_eq!(phase(&p), want_phase);
        assert_eq!(
            (pod_ready_column(&p), pod_status_column(&p)),
            col("0/1", want_status)
        );
        assert_eq!(
            condition(&p, "Ready").unwrap().reason.as_deref(),
            Some(reason)
        );
        assert_eq!(
            condition(&p, "ContainersReady").unwrap().reason.as_deref(),
            Some(reason)
        );
        assert_eq!(
            condition(&p, "PodReadyToStartContainers").unwrap().status,
            "False"
        );
        assert!(
            p.status.as_ref().unwrap().pod_ip.is_some(),
            "the IP stays in the status"
        );
        assert_eq!(cstatus(&p).restart_count, 0);
        assert_eq!(d.events_with("p", "Started").len(), 1);
        assert_eq!(
            d.kubelets[0].ipam.in_use(),
            0,
            "the address went back to the range"
        );
        let writes = d.h.api.watch_events().len();
        d.run_for(secs(300));
        assert_eq!(
            d.h.api
                .watch_events()
                .iter()
                .skip(writes)
                .filter(|e| e.object.kind() == Kind::Pod)
                .count(),
            0,
            "a terminal pod is left alone"
        );
    }
}

#[test]
fn restart_policy_on_failure_restarts_only_failures() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "ok",
        json!({"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "job:1", "args": ["0"]}]}}),
    );
    d.create_pod(
        "bad",
        json!({"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "job:1", "args": ["1"]}]}}),
    );
    d.run_for(secs(200));
    let ok = d.pod("ok");
    assert_eq!(
        (phase(&ok), pod_status_column(&ok)),
        ("Succeeded".into(), "Completed".into())
    );
    let bad = d.pod("bad");
    assert_eq!(phase(&bad), "Running");
    assert!(cstatus(&bad).restart_count >= 2);
    assert!(["Error", "CrashLoopBackOff", "Running"].contains(&pod_status_column(&bad).as_str()));
}

#[test]
fn an_oom_kill_is_reported_as_oom_killed() {
    let script = Script {
        exit: Some(Exit::oom(secs(5))),
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod("p", app("Never"));
    d.run_for(secs(120));
    let p = d.pod("p");
    let t = cstatus(&p).state.unwrap().terminated.unwrap();
    assert_eq!((t.exit_code, t.reason.as_deref()), (137, Some("OOMKilled")));
    assert_eq!(pod_status_column(&p), "OOMKilled");
    assert_eq!(phase(&p), "Failed");
}
