//! The node lifecycle controller driven by hand: leases renewed (or not) by the test, monitor
//! passes every 5 s.

use super::*;
use crate::controllers::node::testing::{
    create_running_pod, event_lines, node_condition_of, pod_ready_status, renew_lease, set_up,
    taint_strings,
};
use crate::sim::testing::Harness;

const NODES: [&str; 4] = [
    "kind-control-plane",
    "kind-worker",
    "kind-worker2",
    "kind-worker3",
];

/// Runs the controller at `secs`: live nodes renew their lease every 10 s, the monitor pass
/// runs every 5 s, each node's watch-triggered pass runs, and the tainting pass runs when the
/// controller asked for it.
fn tick(h: &mut Harness, c: &mut NodeLifecycleController, secs: u64, down: &[&str]) {
    h.set_now(SimTime::from_ms(secs * 1000));
    if secs.is_multiple_of(10) {
        for n in NODES {
            if !down.contains(&n) {
                renew_lease(&mut h.api, n);
            }
        }
    }
    if secs.is_multiple_of(5) {
        let _ = h.reconcile(c, &monitor_key());
        let wants_taint_pass = h.wakeups.contains_key(&taint_pass_key());
        for n in NODES {
            let _ = h.reconcile(c, &ObjectKey::cluster(Kind::Node, n));
        }
        if wants_taint_pass {
            let _ = h.reconcile(c, &taint_pass_key());
        }
    }
}

fn run(h: &mut Harness, c: &mut NodeLifecycleController, from: u64, to: u64, down: &[&str]) {
    for s in from..=to {
        tick(h, c, s, down);
    }
}

#[test]
fn the_first_pass_registers_every_node() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    let _ = h.reconcile(&mut c, &monitor_key());
    let events = event_lines(&h.api);
    for n in NODES {
        assert!(
            events.contains(&format!(
                "Normal RegisteredNode Node {n}: Node {n} event: Registered Node {n} in Controller"
            )),
            "{events:?}"
        );
    }
    assert_eq!(
        h.wakeups.get(&monitor_key()),
        None,
        "requeued through the return value"
    );
}

#[test]
fn a_node_whose_lease_stops_goes_unknown_after_the_grace_period() {
    let mut h = Harness::default();
    set_up(&mut h);
    create_running_pod(&mut h.api, "web-0", "kind-worker", &[]);
    create_running_pod(&mut h.api, "web-1", "kind-worker2", &[]);
    let mut c = NodeLifecycleController::default();
    // The lease was last renewed at 0 s; 50 s later the node is still Ready.
    run(&mut h, &mut c, 0, 50, &["kind-worker"]);
    assert_eq!(node_condition_of(&h.api, "kind-worker", "Ready").0, "True");
    assert_eq!(pod_ready_status(&h.api, "web-0"), "True");
    h.take_calls();
    // 55 s: more than 50 s since the last sign of life.
    run(&mut h, &mut c, 51, 55, &["kind-worker"]);
    assert_eq!(
        h.take_calls(),
        [
            "update-status Node kind-worker",
            "update-status Pod default/web-0",
            "patch Node kind-worker"
        ],
        "status, the pod's readiness, then the NoSchedule taint"
    );
    for type_ in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
        assert_eq!(
            node_condition_of(&h.api, "kind-worker", type_),
            (
                "Unknown".to_string(),
                "NodeStatusUnknown".to_string(),
                "Kubelet stopped posting node status.".to_string()
            ),
            "{type_}"
        );
    }
    let node = get_node(&h.api, "kind-worker").unwrap();
    let ready = node_condition(&node, "Ready").unwrap();
    assert_eq!(ready.last_heartbeat_time, Some(SimTime::ZERO.to_k8s_time()));
    assert_eq!(
        ready.last_transition_time,
        Some(SimTime::from_ms(55_000).to_k8s_time())
    );
    assert_eq!(pod_ready_status(&h.api, "web-0"), "False");
    assert_eq!(pod_ready_status(&h.api, "web-1"), "True");
    assert_eq!(
        taint_strings(&h.api, "kind-worker"),
        ["node.kubernetes.io/unreachable:NoSchedule"]
    );
    let events = event_lines(&h.api);
    assert!(
        events.contains(
            &"Normal NodeNotReady Node kind-worker: Node kind-worker status is now: NodeNotReady"
                .to_string()
        )
    );
    assert!(
        events.contains(&"Warning NodeNotReady Pod default/web-0: Node is not ready".to_string())
    );
    // The NoExecute taint follows one pass later, through the tainting queue.
    run(&mut h, &mut c, 56, 60, &["kind-worker"]);
    assert_eq!(
        taint_strings(&h.api, "kind-worker"),
        [
            "node.kubernetes.io/unreachable:NoSchedule",
            "node.kubernetes.io/unreachable:NoExecute"
        ]
    );
    let node = get_node(&h.api, "kind-worker").unwrap();
    assert_eq!(
        node_taints(&node)[1].time_added,
        Some(SimTime::from_ms(60_000).to_k8s_time())
    );
    // Nothing else changes while the node stays away.
    h.take_calls();
    run(&mut h, &mut c, 61, 200, &["kind-worker"]);
    let writes: Vec<String> = h
        .take_calls()
        .into_iter()
        .filter(|c| !c.starts_with("update Lease"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    for other in ["kind-control-plane", "kind-worker2", "kind-worker3"] {
        assert_eq!(node_condition_of(&h.api, other, "Ready").0, "True");
    }
}

#[test]
fn a_recovered_node_loses_its_taints() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    run(&mut h, &mut c, 0, 60, &["kind-worker"]);
    assert_eq!(taint_strings(&h.api, "kind-worker").len(), 2);
    // The kubelet is back: it renews its lease and posts Ready.
    h.set_now(SimTime::from_ms(62_000));
    renew_lease(&mut h.api, "kind-worker");
    crate::controllers::node::testing::set_node_ready(&mut h.api, "kind-worker", "True");
    // The status change wakes the NoSchedule pass at once.
    let _ = h.reconcile(&mut c, &ObjectKey::cluster(Kind::Node, "kind-worker"));
    assert_eq!(
        taint_strings(&h.api, "kind-worker"),
        ["node.kubernetes.io/unreachable:NoExecute"]
    );
    // The next monitor pass sees Ready=True and lifts the NoExecute taint.
    run(&mut h, &mut c, 63, 65, &[]);
    assert!(taint_strings(&h.api, "kind-worker").is_empty());
}

#[test]
fn a_node_reporting_not_ready_gets_the_not_ready_taints() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    run(&mut h, &mut c, 0, 5, &[]);
    // The kubelet is alive (lease renewed) but reports Ready=False.
    crate::controllers::node::testing::set_node_ready(&mut h.api, "kind-worker3", "False");
    run(&mut h, &mut c, 6, 15, &[]);
    assert_eq!(
        taint_strings(&h.api, "kind-worker3"),
        [
            "node.kubernetes.io/not-ready:NoSchedule",
            "node.kubernetes.io/not-ready:NoExecute"
        ]
    );
    assert_eq!(
        node_condition_of(&h.api, "kind-worker3", "Ready").0,
        "False"
    );
}

#[test]
fn cordon_adds_the_unschedulable_taint_and_uncordon_removes_it() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    let key = ObjectKey::cluster(Kind::Node, "kind-worker");
    let cordon = |h: &mut Harness, on: bool| {
        let mut node = get_node(&h.api, "kind-worker").unwrap();
        node.spec.get_or_insert_with(Default::default).unschedulable = on.then_some(true);
        h.api.update(Object::Node(node)).unwrap();
    };
    cordon(&mut h, true);
    h.set_now(SimTime::from_ms(1000));
    let _ = h.reconcile(&mut c, &key);
    assert_eq!(
        taint_strings(&h.api, "kind-worker"),
        ["node.kubernetes.io/unschedulable:NoSchedule"]
    );
    let node = get_node(&h.api, "kind-worker").unwrap();
    assert_eq!(
        node_taints(&node)[0].time_added,
        Some(SimTime::from_ms(1000).to_k8s_time())
    );
    // Idempotent.
    h.take_calls();
    let _ = h.reconcile(&mut c, &key);
    assert_eq!(h.take_calls(), Vec::<String>::new());
    cordon(&mut h, false);
    let _ = h.reconcile(&mut c, &key);
    assert!(taint_strings(&h.api, "kind-worker").is_empty());
}

#[test]
fn every_node_down_is_master_disruption_mode_without_no_execute_taints() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    run(&mut h, &mut c, 0, 120, &NODES);
    for n in NODES {
        assert_eq!(node_condition_of(&h.api, n, "Ready").0, "Unknown");
        let taints = taint_strings(&h.api, n);
        assert!(
            !taints.iter().any(|t| t.ends_with(":NoExecute")),
            "{n}: {taints:?}"
        );
        assert!(taints.contains(&"node.kubernetes.io/unreachable:NoSchedule".to_string()));
    }
}

#[test]
fn three_of_four_nodes_down_is_a_partial_disruption_that_stops_tainting() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    let down = ["kind-worker", "kind-worker2", "kind-worker3"];
    run(&mut h, &mut c, 0, 120, &down);
    for n in down {
        assert_eq!(node_condition_of(&h.api, n, "Ready").0, "Unknown");
        assert_eq!(
            taint_strings(&h.api, n),
            ["node.kubernetes.io/unreachable:NoSchedule"],
            "{n}"
        );
    }
}

#[test]
fn two_nodes_down_are_tainted_ten_seconds_apart() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut c = NodeLifecycleController::default();
    let down = ["kind-worker", "kind-worker2"];
    run(&mut h, &mut c, 0, 60, &down);
    let tainted = |h: &Harness| {
        down.iter()
            .filter(|n| {
                taint_strings(&h.api, n)
                    .contains(&"node.kubernetes.io/unreachable:NoExecute".to_string())
            })
            .count()
    };
    assert_eq!(tainted(&h), 1, "one token per 10 s in a zone");
    // The second node waits for the next token (driven here by the monitor passes).
    run(&mut h, &mut c, 61, 70, &down);
    let _ = h.reconcile(&mut c, &taint_pass_key());
    assert_eq!(tainted(&h), 2);
}

#[test]
fn beta_os_and_arch_labels_follow_the_stable_ones() {
    let mut h = Harness::default();
    set_up(&mut h);
    let mut node = get_node(&h.api, "kind-worker").unwrap();
    let labels = node.metadata.labels.get_or_insert_with(Default::default);
    labels.remove("beta.kubernetes.io/os");
    labels.insert("beta.kubernetes.io/arch".into(), "arm64".into());
    h.api.update(Object::Node(node)).unwrap();
    let mut c = NodeLifecycleController::default();
    let _ = h.reconcile(&mut c, &ObjectKey::cluster(Kind::Node, "kind-worker"));
    let labels = get_node(&h.api, "kind-worker")
        .unwrap()
        .metadata
        .labels
        .unwrap();
    assert_eq!(labels["beta.kubernetes.io/os"], "linux");
    assert_eq!(labels["beta.kubernetes.io/arch"], "amd64");
}

#[test]
fn zone_keys_join_region_and_zone() {
    let mut node = Node::default();
    assert_eq!(zone_key(&node), "");
    node.metadata.labels = Some(
        [("topology.kubernetes.io/zone".to_string(), "a".to_string())]
            .into_iter()
            .collect(),
    );
    assert_eq!(zone_key(&node), ":\u{0}:a");
}
