//! Startup, readiness and liveness probes (spec K7–K12).

use super::*;

fn started_at(p: &Pod) -> SimTime {
    let s = cstatus(p)
        .state
        .unwrap()
        .running
        .unwrap()
        .started_at
        .unwrap();
    SimTime::from_k8s_time(&s).unwrap()
}

fn app_pod(probes: Value) -> Value {
    let mut c = json!({"name": "c", "image": "app:v1"});
    merge(&mut c, probes);
    json!({"spec": {"containers": [c]}})
}

fn http(port: i64, path: &str, extra: Value) -> Value {
    let mut p = json!({"httpGet": {"path": path, "port": port}, "periodSeconds": 5});
    merge(&mut p, extra);
    p
}

#[test]
fn readiness_gates_ready_until_the_app_answers() {
    let script = Script {
        ready_after: Some(secs(15)),
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(json!({"readinessProbe": http(8080, "/ready", json!({}))})),
    );
    d.run_for(secs(120));
    assert_eq!(
        dedup(d.columns("p")),
        vec![
            col("0/1", "Pending"),
            col("0/1", "ContainerCreating"),
            col("0/1", "Running"),
            col("1/1", "Running"),
        ]
    );
    let p = d.pod("p");
    let start = started_at(&p);
    let (ready_at, _) = d
        .watch("p")
        .into_iter()
        .find(|(_, p)| is_running_ready(p))
        .unwrap();
    let waited = ready_at - start;
    assert!(
        waited >= secs(15) && waited <= secs(21),
        "ready after {waited}"
    );
    let unready = d
        .watch("p")
        .into_iter()
        .find(|(_, p)| pod_status_column(p) == "Running" && !is_running_ready(p))
        .unwrap()
        .1;
    let ready = condition(&unready, "Ready").unwrap();
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_deref()),
        ("False", Some("ContainersNotReady"))
    );
    assert_eq!(phase(&unready), "Running");
    let ip = p.status.unwrap().pod_ip.unwrap();
    let unhealthy = d.events_with("p", "Unhealthy");
    assert_eq!(unhealthy.len(), 1, "{unhealthy:?}");
    assert!(unhealthy[0].starts_with(&format!(
        "Warning Unhealthy: Readiness probe failed: Get \"http://{ip}:8080/ready\": dial tcp {ip}:8080: connect: connection refused (x"
    )), "{}", unhealthy[0]);
}

#[test]
fn an_app_ready_at_start_is_ready_at_once_after_a_not_ready_line() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "p",
        app_pod(json!({"readinessProbe": http(80, "/", json!({"periodSeconds": 10}))})),
    );
    d.run_for(secs(60));
    let w = d.watch("p");
    let running: Vec<&(SimTime, Pod)> = w
        .iter()
        .filter(|(_, p)| pod_status_column(p) == "Running")
        .collect();
    assert_eq!(pod_ready_column(&running[0].1), "0/1");
    assert_eq!(pod_ready_column(&running[1].1), "1/1");
    assert_eq!(
        running[0].0, running[1].0,
        "the manual probe runs right after the start"
    );
    assert!(d.events_with("p", "Unhealthy").is_empty());
}

#[test]
fn initial_delay_and_success_threshold_defer_readiness() {
    let mut d = Driver::new(registry(Script::server()));
    d.create_pod(
        "a",
        app_pod(json!({"readinessProbe": http(80, "/", json!({"initialDelaySeconds": 20}))})),
    );
    d.create_pod(
        "b",
        app_pod(json!({"readinessProbe": http(80, "/", json!({"successThreshold": 3}))})),
    );
    d.run_for(secs(120));
    // startedAt is in whole seconds: allow one more.
    for (name, low, high) in [("a", 20, 26), ("b", 10, 16)] {
        let start = started_at(&d.pod(name));
        let (ready_at, _) = d
            .watch(name)
            .into_iter()
            .find(|(_, p)| is_running_ready(p))
            .unwrap();
        let waited = ready_at - start;
        assert!(
            waited >= secs(low) && waited <= secs(high),
            "{name} ready after {waited}"
        );
    }
}

#[test]
fn a_liveness_failure_restarts_the_container() {
    let script = Script {
        dies_after: Some(secs(30)),
        ..Script::server()
    };
    let signals = script.signals.clone();
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(json!({"livenessProbe": http(8080, "/healthz", json!({"periodSeconds": 10, "failureThreshold": 3}))})),
    );
    let start = d.run_until_pod("p", secs(60), is_running_ready).unwrap();
    d.run_for(secs(60));
    let killing = d.events_with("p", "Killing");
    assert_eq!(
        killing,
        vec!["Normal Killing: Container c failed liveness probe, will be restarted"]
    );
    let unhealthy = d.events_with("p", "Unhealthy");
    assert_eq!(
        unhealthy,
        vec![
            "Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500 (x3)"
        ]
    );
    assert_eq!(signals.borrow().as_slice(), &[Signal::Term]);
    let p = d.pod("p");
    let c = cstatus(&p);
    assert_eq!(c.restart_count, 1);
    let last = c.last_state.unwrap().terminated.unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (0, Some("Completed"))
    );
    let finished = SimTime::from_k8s_time(&last.finished_at.unwrap()).unwrap();
    let lived = finished - start;
    assert!(
        lived >= secs(50) && lived <= secs(62),
        "killed after {lived}"
    );
    assert!(is_running_ready(&p), "restarted at once (no back-off yet)");
    assert_eq!(
        pod_restarts_column(&p, d.h.now).split(' ').next(),
        Some("1")
    );
}

#[test]
fn the_startup_probe_holds_readiness_and_liveness_until_it_succeeds() {
    let script = Script {
        ready_after: Some(secs(12)),
        dies_after: Some(secs(300)),
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(json!({
            "startupProbe": http(80, "/", json!({"periodSeconds": 2, "failureThreshold": 30})),
            "readinessProbe": http(80, "/", json!({"periodSeconds": 10})),
            "livenessProbe": http(80, "/", json!({"periodSeconds": 10}))})),
    );
    d.run_for(secs(120));
    let w = d.watch("p");
    let first_running = w
        .iter()
        .find(|(_, p)| pod_status_column(p) == "Running")
        .unwrap();
    let c = cstatus(&first_running.1);
    assert_eq!(
        (c.started, c.ready),
        (Some(false), false),
        "not started before the startup probe"
    );
    let start = started_at(&first_running.1);
    let (started_time, _) = w
        .iter()
        .find(|(_, p)| cstatus(p).started == Some(true))
        .cloned()
        .unwrap();
    let waited = started_time - start;
    assert!(
        waited >= secs(12) && waited <= secs(15),
        "started after {waited}"
    );
    let (ready_time, _) = w
        .iter()
        .find(|(_, p)| is_running_ready(p))
        .cloned()
        .unwrap();
    assert_eq!(
        ready_time, started_time,
        "readiness runs as soon as startup succeeded"
    );
    let unhealthy = d.events_with("p", "Unhealthy");
    assert!(
        unhealthy.iter().all(|e| e.contains("Startup probe failed")),
        "{unhealthy:?}"
    );
    assert!(d.events_with("p", "Killing").is_empty());
}

#[test]
fn a_startup_probe_failure_restarts_the_container() {
    let script = Script {
        ready_after: None,
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(json!({"startupProbe": http(80, "/", json!({"periodSeconds": 1, "failureThreshold": 3}))})),
    );
    d.run_for(secs(60));
    let killing = d.events_with("p", "Killing");
    assert!(
        killing[0]
            .starts_with("Normal Killing: Container c failed startup probe, will be restarted"),
        "{killing:?}"
    );
    assert!(cstatus(&d.pod("p")).restart_count >= 1);
}

#[test]
fn a_probe_without_answer_times_out() {
    let script = Script {
        hang: true,
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(
            json!({"readinessProbe": {"httpGet": {"path": "/", "port": 80}, "timeoutSeconds": 1},
                       "livenessProbe": {"exec": {"command": ["pg_isready", "-h", "127.0.0.1"]},
                                         "failureThreshold": 100}}),
        ),
    );
    d.run_for(secs(60));
    let ip = d.pod("p").status.unwrap().pod_ip.unwrap();
    let unhealthy = d.events_with("p", "Unhealthy");
    assert!(unhealthy.iter().any(|e| e.starts_with(&format!(
        "Warning Unhealthy: Readiness probe failed: Get \"http://{ip}:80/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    ))), "{unhealthy:?}");
    assert!(
        unhealthy.iter().any(|e| {
            e.starts_with(
        "Warning Unhealthy: Liveness probe failed: command \"pg_isready -h 127.0.0.1\" timed out"
    )
        }),
        "{unhealthy:?}"
    );
    assert_eq!(pod_ready_column(&d.pod("p")), "0/1");
}

#[test]
fn a_readiness_failure_takes_a_running_pod_out_without_restarting_it() {
    let script = Script {
        unready_after: Some(secs(40)),
        ..Script::server()
    };
    let mut d = Driver::new(registry(script));
    d.create_pod(
        "p",
        app_pod(json!({"readinessProbe": http(80, "/", json!({}))})),
    );
    d.run_for(secs(120));
    let seen = dedup(d.columns("p"));
    assert_eq!(
        seen[seen.len() - 2..],
        [col("1/1", "Running"), col("0/1", "Running")]
    );
    let p = d.pod("p");
    assert_eq!(condition(&p, "Ready").unwrap().status, "False");
    assert_eq!(condition(&p, "ContainersReady").unwrap().status, "False");
    assert_eq!(cstatus(&p).restart_count, 0);
    assert!(cstatus(&p).state.unwrap().running.is_some());
    assert!(d.events_with("p", "Unhealthy")[0].starts_with(
        "Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503"
    ));
}
