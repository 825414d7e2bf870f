//! From binding to Running: the first status, volumes, sandbox and IP, images, init
//! containers, and what the API and `kubectl get pods` show at each step (spec K2–K6, K20).

use super::*;

fn between<'a>(s: &'a str, a: &str, b: &str) -> &'a str {
    let start = s.find(a).map(|i| i + a.len()).unwrap_or(0);
    let end = s[start..].find(b).map(|i| start + i).unwrap_or(s.len());
    &s[start..end]
}

#[test]
fn first_status_is_pending_container_creating_with_every_condition() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(SimDuration::from_ms(150));
    let p = d.pod("web-0");
    let s = p.status.clone().unwrap();
    assert_eq!(s.phase.as_deref(), Some("Pending"));
    assert_eq!(s.host_ip.as_deref(), Some("172.18.0.3"));
    assert_eq!(s.host_ips.as_ref().unwrap()[0].ip, "172.18.0.3");
    assert_eq!(s.pod_ip, None, "no IP before the sandbox");
    assert_eq!(s.start_time, Some(SimTime::ZERO.to_k8s_time()));
    assert_eq!(s.qos_class.as_deref(), Some("BestEffort"));
    assert_eq!(s.observed_generation, Some(1));
    let conds: Vec<(String, String, Option<String>)> = s
        .conditions
        .unwrap()
        .into_iter()
        .map(|c| (c.type_, c.status, c.reason))
        .collect();
    assert_eq!(
        conds,
        vec![
            ("PodReadyToStartContainers".into(), "False".into(), None),
            ("Initialized".into(), "True".into(), None),
            (
                "Ready".into(),
                "False".into(),
                Some("ContainersNotReady".into())
            ),
            (
                "ContainersReady".into(),
                "False".into(),
                Some("ContainersNotReady".into())
            ),
            ("PodScheduled".into(), "True".into(), None),
        ]
    );
    assert_eq!(
        condition(&p, "Ready").unwrap().message.as_deref(),
        Some("containers with unready status: [nginx]")
    );
    assert_eq!(condition(&p, "Ready").unwrap().observed_generation, Some(1));
    let c = cstatus(&p);
    assert_eq!(
        c.state.unwrap().waiting.unwrap().reason.as_deref(),
        Some("ContainerCreating")
    );
    assert_eq!((c.image.as_str(), c.image_id.as_str()), ("nginx:1.25", ""));
    assert_eq!(
        (c.ready, c.started, c.restart_count),
        (false, Some(false), 0)
    );
    assert_eq!(c.container_id, None);
    assert_eq!(c.last_state, Some(Default::default()));
    let mounts = c.volume_mounts.unwrap();
    assert_eq!(
        mounts[0].mount_path,
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    assert_eq!(mounts[0].read_only, Some(true));
    assert_eq!(mounts[0].recursive_read_only.as_deref(), Some("Disabled"));
    assert_eq!(
        (pod_ready_column(&p), pod_status_column(&p)),
        col("0/1", "ContainerCreating")
    );
}

#[test]
fn nginx_pulls_starts_and_becomes_ready_with_the_real_events() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    let t = d
        .run_until_pod("web-0", secs(60), is_running_ready)
        .expect("web-0 runs");
    assert!(t >= ms(14_000) && t <= ms(22_000), "Running at {t}");
    let ev = d.events("web-0");
    assert_eq!(ev.len(), 4, "{ev:#?}");
    assert_eq!(ev[0], "Normal Pulling: Pulling image \"nginx:1.25\"");
    assert!(ev[1].starts_with("Normal Pulled: Successfully pulled image \"nginx:1.25\" in "));
    assert!(ev[1].ends_with(" including waiting). Image size: 72404038 bytes."));
    let pull = between(&ev[1], " in ", " (");
    let total = between(&ev[1], " (", " including");
    assert_eq!(pull, total, "nothing else was pulling");
    assert!(
        pull.ends_with('s') && pull.contains('.'),
        "Go duration: {pull}"
    );
    assert_eq!(ev[2], "Normal Created: Created container: nginx");
    assert_eq!(ev[3], "Normal Started: Started container nginx");

    let p = d.pod("web-0");
    let s = p.status.clone().unwrap();
    assert_eq!(s.phase.as_deref(), Some("Running"));
    let ip = s.pod_ip.clone().unwrap();
    assert!(ip.starts_with("10.244.1."), "{ip}");
    assert_eq!(s.pod_ips.unwrap()[0].ip, ip);
    for c in s.conditions.unwrap() {
        assert_eq!(c.status, "True", "{c:?}");
    }
    assert_eq!(
        condition(&p, "Ready").unwrap().last_transition_time,
        Some(t.to_k8s_time())
    );
    let c = cstatus(&p);
    assert_eq!(c.image, "docker.io/library/nginx:1.25");
    assert!(c.image_id.starts_with("docker.io/library/nginx@sha256:"));
    let id = c.container_id.clone().unwrap();
    assert!(
        id.starts_with("containerd://") && id.len() == 13 + 64,
        "{id}"
    );
    assert_eq!((c.ready, c.started, c.restart_count), (true, Some(true), 0));
    let started = c.state.unwrap().running.unwrap().started_at.unwrap();
    assert!(SimTime::from_k8s_time(&started).unwrap() <= t);
    assert!(d.kubelets[0].has_image("nginx:1.25"));
}

#[test]
fn watch_shows_pending_pending_container_creating_running() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    assert_eq!(
        d.columns("web-0"),
        vec![
            col("0/1", "Pending"),
            col("0/1", "Pending"),
            col("0/1", "ContainerCreating"),
            col("1/1", "Running"),
        ],
        "the StatefulSet Basics transcript's lines"
    );
}

#[test]
fn a_cached_image_is_already_present_and_the_pod_runs_in_about_two_seconds() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    let t0 = d.h.now;
    d.create_pod("web-1", json!({}));
    let t = d
        .run_until_pod("web-1", secs(30), is_running_ready)
        .unwrap();
    let took = t - t0;
    assert!(took <= dms(2_500), "took {took}");
    assert_eq!(
        d.events("web-1"),
        vec![
            "Normal Pulled: Container image \"nginx:1.25\" already present on machine",
            "Normal Created: Created container: nginx",
            "Normal Started: Started container nginx",
        ]
    );
}

#[test]
fn pull_policy_always_pulls_a_cached_image_again_quickly() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod(
        "a",
        json!({"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}),
    );
    d.run_for(secs(60));
    d.create_pod(
        "b",
        json!({"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}),
    );
    d.run_for(secs(30));
    let ev = d.events("b");
    assert_eq!(ev[0], "Normal Pulling: Pulling image \"nginx\"");
    let pull = between(&ev[1], " in ", " (");
    assert!(pull.ends_with('s') && !pull.contains('m'), "{pull}");
    let secs_f: f64 = pull.trim_end_matches('s').parse().unwrap();
    assert!((1.7..2.3).contains(&secs_f), "layers are cached: {pull}");
    assert!(is_running_ready(&d.pod("b")));
}

#[test]
fn pull_policy_never_without_the_image_waits_in_err_image_never_pull() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        json!({"spec": {"containers": [{"name": "c", "image": "app:v1", "imagePullPolicy": "Never"}]}}),
    );
    d.run_for(secs(5));
    let p = d.pod("p");
    assert_eq!(pod_status_column(&p), "ErrImageNeverPull");
    let w = cstatus(&p).state.unwrap().waiting.unwrap();
    assert_eq!(
        w.message.as_deref(),
        Some("Container image \"app:v1\" is not present with pull policy of Never")
    );
    assert!(p.status.unwrap().pod_ip.is_some(), "the sandbox exists");
    assert_eq!(
        d.events("p"),
        vec![
            "Warning ErrImageNeverPull: Container image \"app:v1\" is not present with pull policy of Never",
            "Warning Failed: Error: ErrImageNeverPull",
        ]
    );
    d.run_for(secs(21));
    assert!(
        d.events("p")[0].ends_with("(x3)"),
        "retried every 10 s: {:?}",
        d.events("p")
    );
}

#[test]
fn a_missing_image_goes_err_image_pull_then_image_pull_back_off() {
    let mut apps = registry(Script::server());
    apps.mark_missing("app");
    let mut d = Driver::new(apps);
    d.create_pod(
        "p",
        json!({"spec": {"containers": [{"name": "c", "image": "app:v1"}]}}),
    );
    d.run_for(secs(90));
    let seen = dedup(d.columns("p"));
    let statuses: Vec<&str> = seen.iter().map(|(_, s)| s.as_str()).collect();
    let first_err = statuses.iter().position(|s| *s == "ErrImagePull").unwrap();
    let backoff = statuses
        .iter()
        .position(|s| *s == "ImagePullBackOff")
        .unwrap();
    assert!(first_err < backoff, "{statuses:?}");
    let ev = d.events("p");
    assert!(ev.iter().any(|e| e.starts_with("Warning Failed: Failed to pull image \"app:v1\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/app:v1\": failed to resolve reference \"docker.io/library/app:v1\": docker.io/library/app:v1: not found")), "{ev:#?}");
    assert!(
        ev.iter()
            .any(|e| e.starts_with("Warning Failed: Error: ErrImagePull"))
    );
    assert!(
        ev.iter()
            .any(|e| e.starts_with("Normal BackOff: Back-off pulling image \"app:v1\""))
    );
    assert!(
        ev.iter()
            .any(|e| e.starts_with("Warning Failed: Error: ImagePullBackOff"))
    );
    let states: Vec<_> = d
        .watch("p")
        .iter()
        .filter_map(|(_, p)| cstatus(p).state.and_then(|s| s.waiting))
        .filter(|w| w.reason.as_deref() == Some("ImagePullBackOff"))
        .collect();
    assert!(states[0].message.as_deref().unwrap().starts_with(
        "Back-off pulling image \"app:v1\": ErrImagePull: rpc error: code = NotFound"
    ));
}

#[test]
fn pulls_on_one_node_are_serialized() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "a",
        json!({"spec": {"containers": [{"name": "c", "image": "app:v1"}]}}),
    );
    d.create_pod(
        "b",
        json!({"spec": {"containers": [{"name": "c", "image": "app:v2"}]}}),
    );
    d.run_for(secs(120));
    let pulled = d.events_with("b", "Pulled");
    let own = between(&pulled[0], " in ", " (").to_string();
    let total = between(&pulled[0], " (", " including").to_string();
    assert_ne!(own, total, "b waited for a's pull: {}", pulled[0]);
    assert!(is_running_ready(&d.pod("a")) && is_running_ready(&d.pod("b")));
}

#[test]
fn init_containers_run_in_order_before_the_app_container() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        json!({"spec": {"initContainers": [
            {"name": "init-a", "image": "job:1"}, {"name": "init-b", "image": "job:1"}]}}),
    );
    d.run_for(secs(120));
    let statuses: Vec<String> = dedup(d.columns("p")).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        statuses,
        [
            "Pending",
            "Init:0/2",
            "Init:1/2",
            "PodInitializing",
            "Running"
        ]
    );
    let ev = d.events("p");
    let want = [
        "Normal Pulling: Pulling image \"job:1\"",
        "Normal Pulled: Successfully pulled image \"job:1\" in ",
        "Normal Created: Created container: init-a",
        "Normal Started: Started container init-a",
        "Normal Pulled: Container image \"job:1\" already present on machine",
        "Normal Created: Created container: init-b",
        "Normal Started: Started container init-b",
        "Normal Pulling: Pulling image \"nginx:1.25\"",
        "Normal Pulled: Successfully pulled image \"nginx:1.25\" in ",
        "Normal Created: Created container: nginx",
        "Normal Started: Started container nginx",
    ];
    assert_eq!(ev.len(), want.len(), "{ev:#?}");
    for (e, w) in ev.iter().zip(want) {
        assert!(e.starts_with(w), "{e:?} should start with {w:?}");
    }
    // Initialized goes False (naming what is incomplete) → True.
    let inits: Vec<(String, Option<String>)> = d
        .watch("p")
        .iter()
        .filter_map(|(_, p)| condition(p, "Initialized"))
        .map(|c| (c.status, c.message))
        .collect();
    assert!(inits.contains(&(
        "False".into(),
        Some("containers with incomplete status: [init-a init-b]".into())
    )));
    assert!(inits.contains(&(
        "False".into(),
        Some("containers with incomplete status: [init-b]".into())
    )));
    assert_eq!(inits.last().unwrap().0, "True");
    // While an init container runs it is not ready, and the pod is not Initialized (a long
    // init container, the MySQL clone, used to show PodInitializing while it ran).
    let mut saw_running = false;
    for (_, p) in d.watch("p") {
        let st = p.status.clone().unwrap_or_default();
        let running = st
            .init_container_statuses
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.state.as_ref().is_some_and(|x| x.running.is_some()))
            .collect::<Vec<_>>();
        for s in &running {
            saw_running = true;
            assert!(!s.ready, "{} runs, yet is ready", s.name);
            assert_eq!(
                condition(&p, "Initialized").map(|c| c.status),
                Some("False".into())
            );
        }
    }
    assert!(saw_running);
    let p = d.pod("p");
    let inits = p.status.unwrap().init_container_statuses.unwrap();
    assert_eq!(inits.len(), 2);
    for s in inits {
        let t = s.state.unwrap().terminated.unwrap();
        assert_eq!((t.exit_code, t.reason.as_deref()), (0, Some("Completed")));
        assert!(s.ready);
    }
}

#[test]
fn a_failing_init_container_fails_a_never_restart_pod() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        json!({"spec": {"restartPolicy": "Never",
                        "initContainers": [{"name": "init", "image": "job:1", "args": ["3"]}]}}),
    );
    d.run_for(secs(120));
    let p = d.pod("p");
    assert_eq!(phase(&p), "Failed");
    assert_eq!(pod_status_column(&p), "Init:Error");
    let init = &p
        .status
        .as_ref()
        .unwrap()
        .init_container_statuses
        .as_ref()
        .unwrap()[0];
    assert_eq!(init.restart_count, 0);
    assert_eq!(
        init.state
            .as_ref()
            .unwrap()
            .terminated
            .as_ref()
            .unwrap()
            .exit_code,
        3
    );
    assert_eq!(d.events_with("p", "Started").len(), 1, "never restarted");
    assert_eq!(
        condition(&p, "Ready").unwrap().reason.as_deref(),
        Some("PodFailed")
    );
}

#[test]
fn a_failing_init_container_crash_loops_under_restart_always() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        json!({"spec": {"initContainers": [{"name": "init", "image": "job:1", "args": ["1"]}]}}),
    );
    d.run_for(secs(180));
    let statuses: Vec<String> = dedup(d.columns("p")).into_iter().map(|(_, s)| s).collect();
    assert!(statuses.contains(&"Init:Error".to_string()), "{statuses:?}");
    assert!(
        statuses.contains(&"Init:CrashLoopBackOff".to_string()),
        "{statuses:?}"
    );
    let p = d.pod("p");
    assert_eq!(phase(&p), "Pending");
    assert!(
        p.status.unwrap().init_container_statuses.unwrap()[0].restart_count >= 2,
        "restarted with back-off"
    );
    assert_eq!(
        cstatus(&d.pod("p"))
            .state
            .unwrap()
            .waiting
            .unwrap()
            .reason
            .as_deref(),
        Some("PodInitializing")
    );
}

#[test]
fn pod_ips_come_from_the_node_cidr_and_a_recreated_pod_gets_a_new_one() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    let first = d.pod("web-0").status.unwrap().pod_ip.unwrap();
    d.delete_pod("web-0", None);
    d.run_for(secs(10));
    assert!(d.try_pod("web-0").is_none(), "deleted");
    d.create_pod("web-0", json!({}));
    d.run_for(secs(10));
    let second = d.pod("web-0").status.unwrap().pod_ip.unwrap();
    assert!(second.starts_with("10.244.1."), "{second}");
    assert_ne!(first, second);
    let d2 = {
        let mut d2 = Driver::new(AppRegistry::new());
        d2.create_pod("web-0", json!({}));
        d2.run_for(secs(60));
        d2.pod("web-0").status.unwrap().pod_ip.unwrap()
    };
    assert_eq!(first, d2, "the same seed gives the same addresses");
}

#[test]
fn a_host_network_pod_has_the_node_ip() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("p", json!({"spec": {"hostNetwork": true}}));
    d.run_for(secs(60));
    let s = d.pod("p").status.unwrap();
    assert_eq!(s.pod_ip.as_deref(), Some("172.18.0.3"));
    assert_eq!(s.host_ip.as_deref(), Some("172.18.0.3"));
}

#[test]
fn pods_of_other_nodes_are_left_alone() {
    let mut d = Driver::new(AppRegistry::new());
    d.h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "elsewhere", "namespace": "default"},
            "spec": {"nodeName": "kind-worker2", "containers": [{"name": "c", "image": "nginx"}]}})))
        .unwrap();
    d.h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "unscheduled", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}})))
        .unwrap();
    d.run_for(secs(30));
    assert_eq!(d.columns("elsewhere").len(), 1);
    assert_eq!(d.columns("unscheduled").len(), 1);
    assert!(d.h.calls().iter().all(|c| c.key.kind != Kind::Pod));
}

#[test]
fn a_failed_status_write_is_retried() {
    let mut d = Driver::new(AppRegistry::new());
    let mut refused = 0;
    d.h.fail_when(move |call| {
        if call.verb == crate::sim::Verb::UpdateStatus && call.key.kind == Kind::Pod && refused < 2
        {
            refused += 1;
            return Some(crate::apiserver::ApiError::internal(String::from(
                "etcdserver: request timed out",
            )));
        }
        None
    });
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    assert!(is_running_ready(&d.pod("web-0")));
    let calls = d.h.take_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("update-status Pod default/web-0 -> ")),
        "{calls:?}"
    );
}

fn with_sidecar(main: Value) -> Value {
    json!({"spec": {
        "initContainers": [{"name": "proxy", "image": "app:v1", "restartPolicy": "Always"}],
        "containers": [main]}})
}

#[test]
fn a_sidecar_starts_first_counts_in_ready_and_stops_last() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        with_sidecar(json!({"name": "nginx", "image": "nginx:1.25"})),
    );
    d.run_for(secs(120));
    assert_eq!(
        dedup(d.columns("p")),
        vec![
            col("0/2", "Pending"),
            col("0/2", "Init:0/1"),
            col("1/2", "PodInitializing"),
            col("2/2", "Running"),
        ]
    );
    let p = d.pod("p");
    assert_eq!(condition(&p, "Initialized").unwrap().status, "True");
    assert_eq!(condition(&p, "Ready").unwrap().status, "True");
    d.delete_pod("p", None);
    d.run_for(secs(10));
    assert!(d.try_pod("p").is_none());
    assert_eq!(
        d.events_with("p", "Killing"),
        vec![
            "Normal Killing: Stopping container nginx",
            "Normal Killing: Stopping container proxy"
        ]
    );
}

#[test]
fn a_finished_job_stops_its_sidecar_and_succeeds() {
    let mut d = Driver::new(registry(Script::server()));
    let mut spec = with_sidecar(json!({"name": "main", "image": "job:1", "args": ["0"]}));
    spec["spec"]["restartPolicy"] = json!("Never");
    d.create_pod("p", spec);
    d.run_for(secs(120));
    let p = d.pod("p");
    assert_eq!(phase(&p), "Succeeded");
    assert_eq!(pod_status_column(&p), "Completed");
    assert_eq!(
        d.events_with("p", "Killing"),
        vec!["Normal Killing: Stopping container proxy"]
    );
}

#[test]
fn the_same_seed_gives_the_same_trace() {
    let run = || {
        let mut d = Driver::new(registry(Script {
            exit: Some(Exit::with_code(secs(3), 1)),
            ..Script::server()
        }));
        d.create_pod(
            "a",
            json!({"spec": {"containers": [{"name": "c", "image": "app:v1"}]}}),
        );
        d.create_pod("b", json!({}));
        d.run_for(secs(120));
        d.delete_pod("b", None);
        d.run_for(secs(30));
        d.h.api
            .watch_events()
            .iter()
            .map(|e| e.to_json_line())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn a_full_pod_range_leaves_the_sandbox_uncreated_until_an_address_frees_up() {
    let mut d = Driver::new(AppRegistry::new());
    d.kubelets[0].config.pod_cidr = "10.244.1.0/30".into();
    d.kubelets[0].ipam = super::super::ipam::Ipam::new("10.244.1.0/30");
    d.create_pod("a", json!({}));
    d.run_for(secs(60));
    d.create_pod("b", json!({}));
    d.run_for(secs(30));
    assert_eq!(pod_status_column(&d.pod("b")), "ContainerCreating");
    let failed = d.events_with("b", "FailedCreatePodSandBox");
    assert!(failed[0].starts_with("Warning FailedCreatePodSandBox: Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set: 10.244.1.0/30"), "{failed:?}");
    d.delete_pod("a", None);
    assert!(d.run_until_pod("b", secs(30), is_running_ready).is_some());
    assert_eq!(
        d.pod("b").status.unwrap().pod_ip.as_deref(),
        Some("10.244.1.2")
    );
}
