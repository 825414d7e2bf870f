//! Node failure end to end in a `Sim`: the four node controllers, the built-in ones, and a
//! stand-in kubelet that renews its Lease every 10 s unless its node is down (spec §4.3).

use super::testing::{
    TestKubelet, create_running_pod, event_lines, node_condition_of, pod_ready_status,
    taint_strings,
};
use super::util::{TAINT_OUT_OF_SERVICE, get_pod, pod_condition};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::DeleteOptions;
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Sim, SimConfig};

const STEPS: u64 = 1_000_000;

fn cluster() -> Sim {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    for c in super::controllers() {
        sim.add_controller(c);
    }
    sim.add_controller(Box::new(TestKubelet));
    sim.write(|api| crate::cluster::bootstrap_kind(api).unwrap());
    sim.run_until(SimTime::from_ms(1000), STEPS);
    sim.write(|api| {
        create_running_pod(api, "web-0", "kind-worker", &[("app", "web")]);
        create_running_pod(api, "web-1", "kind-worker2", &[("app", "web")]);
    });
    sim
}

fn at(secs: u64) -> SimTime {
    SimTime::from_ms(secs * 1000)
}

fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

fn is_terminating(sim: &Sim, name: &str) -> bool {
    get_pod(sim.api(), &pod_key(name)).is_some_and(|p| p.metadata.deletion_timestamp.is_some())
}

/// Stops kind-worker at 2 s and runs to `until` seconds.
fn fail_worker(until: u64) -> Sim {
    let mut sim = cluster();
    sim.run_until(at(2), STEPS);
    sim.env_mut().nodes_down.insert("kind-worker".into());
    sim.run_until(at(until), STEPS);
    sim
}

#[test]
fn a_stopped_node_goes_not_ready_after_the_grace_period_and_its_pods_stay_terminating() {
    let mut sim = fail_worker(50);
    // Last heartbeat at ~5 s: still Ready 45 s after the stop.
    assert_eq!(
        node_condition_of(sim.api(), "kind-worker", "Ready").0,
        "True"
    );
    assert_eq!(pod_ready_status(sim.api(), "web-0"), "True");
    sim.run_until(at(62), STEPS);
    assert_eq!(
        node_condition_of(sim.api(), "kind-worker", "Ready"),
        (
            "Unknown".into(),
            "NodeStatusUnknown".into(),
            "Kubelet stopped posting node status.".into()
        )
    );
    assert_eq!(
        node_condition_of(sim.api(), "kind-worker2", "Ready").0,
        "True"
    );
    assert_eq!(pod_ready_status(sim.api(), "web-0"), "False");
    assert_eq!(pod_ready_status(sim.api(), "web-1"), "True");
    sim.run_until(at(70), STEPS);
    assert_eq!(
        taint_strings(sim.api(), "kind-worker"),
        [
            "node.kubernetes.io/unreachable:NoSchedule",
            "node.kubernetes.io/unreachable:NoExecute"
        ]
    );
    // 300 s of toleration after the NoExecute taint (~65 s).
    sim.run_until(at(360), STEPS);
    assert!(!is_terminating(&sim, "web-0"));
    sim.run_until(at(370), STEPS);
    assert!(is_terminating(&sim, "web-0"));
    let pod = get_pod(sim.api(), &pod_key("web-0")).unwrap();
    let dt = pod_condition(&pod, "DisruptionTarget").unwrap();
    assert_eq!(dt.reason.as_deref(), Some("DeletionByTaintManager"));
    assert_eq!(pod.metadata.deletion_grace_period_seconds, Some(30));
    // No kubelet confirms the deletion: the pod stays Terminating.
    sim.run_until(at(2000), STEPS);
    assert!(is_terminating(&sim, "web-0"));
    assert!(!is_terminating(&sim, "web-1"));
    let events = event_lines(sim.api());
    for expected in [
        "Normal NodeNotReady Node kind-worker: Node kind-worker status is now: NodeNotReady",
        "Warning NodeNotReady Pod default/web-0: Node is not ready",
        "Normal TaintManagerEviction Pod default/web-0: Marking for deletion Pod default/web-0",
    ] {
        assert!(
            events.contains(&expected.to_string()),
            "{expected}\n{events:#?}"
        );
    }
    // A force delete releases the name at once.
    sim.write(|api| {
        api.delete(
            &pod_key("web-0"),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap()
    });
    assert!(get_pod(sim.api(), &pod_key("web-0")).is_none());
}

#[test]
fn deleting_the_node_lets_pod_gc_remove_its_pods() {
    let mut sim = fail_worker(400);
    assert!(is_terminating(&sim, "web-0"));
    let deleted_at = sim.now();
    sim.write(|api| {
        api.delete(
            &ObjectKey::cluster(Kind::Node, "kind-worker"),
            &DeleteOptions::default(),
        )
        .unwrap()
    });
    sim.run_until(deleted_at + SimDuration::from_secs(39), STEPS);
    assert!(
        get_pod(sim.api(), &pod_key("web-0")).is_some(),
        "quarantine first"
    );
    sim.run_until(deleted_at + SimDuration::from_secs(61), STEPS);
    assert!(get_pod(sim.api(), &pod_key("web-0")).is_none());
    assert!(get_pod(sim.api(), &pod_key("web-1")).is_some());
    let events = event_lines(sim.api());
    assert!(
        events.contains(
            &"Normal RemovingNode Node kind-worker: Node kind-worker event: Removing Node kind-worker from Controller"
                .to_string()
        ),
        "{events:#?}"
    );
}

#[test]
fn the_out_of_service_taint_lets_pod_gc_force_delete_terminating_pods() {
    let mut sim = fail_worker(400);
    assert!(is_terminating(&sim, "web-0"));
    sim.write(|api| {
        let Some(Object::Node(mut node)) = api
            .try_get(&ObjectKey::cluster(Kind::Node, "kind-worker"))
            .map(|o| (**o).clone())
        else {
            unreachable!()
        };
        node.spec
            .get_or_insert_with(Default::default)
            .taints
            .get_or_insert_with(Vec::new)
            .push(k8s_openapi::api::core::v1::Taint {
                key: TAINT_OUT_OF_SERVICE.into(),
                value: Some("nodeshutdown".into()),
                effect: "NoExecute".into(),
                time_added: None,
            });
        api.update(Object::Node(node)).unwrap();
    });
    let tainted_at = sim.now();
    sim.run_until(tainted_at + SimDuration::from_secs(21), STEPS);
    assert!(get_pod(sim.api(), &pod_key("web-0")).is_none());
}

#[test]
fn a_node_back_before_the_eviction_keeps_its_pods_and_loses_its_taints() {
    let mut sim = fail_worker(100);
    assert_eq!(
        node_condition_of(sim.api(), "kind-worker", "Ready").0,
        "Unknown"
    );
    assert_eq!(taint_strings(sim.api(), "kind-worker").len(), 2);
    sim.env_mut().nodes_down.remove("kind-worker");
    sim.run_until(at(130), STEPS);
    assert_eq!(
        node_condition_of(sim.api(), "kind-worker", "Ready").0,
        "True"
    );
    assert!(taint_strings(sim.api(), "kind-worker").is_empty());
    sim.run_until(at(600), STEPS);
    assert!(!is_terminating(&sim, "web-0"));
    let events = event_lines(sim.api());
    assert!(
        events.contains(
            &"Normal TaintManagerEviction Pod default/web-0: Cancelling deletion of Pod default/web-0"
                .to_string()
        ),
        "{events:#?}"
    );
}

#[test]
fn runs_are_reproducible() {
    let trace = |sim: &Sim| -> Vec<String> {
        sim.api()
            .watch_events()
            .iter()
            .map(|e| e.to_json_line())
            .collect()
    };
    let a = fail_worker(400);
    let b = fail_worker(400);
    assert_eq!(trace(&a), trace(&b));
}
