//! Every filter reason with its exact text, and the aggregated fit error of a kind cluster.

use serde_json::json;

use super::*;
use crate::controllers::scheduler::TaintMessage;
use crate::engine::SimDuration;

const NOT_HELPFUL_4: &str =
    "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";

#[test]
fn kind_cluster_too_large_request_gives_the_aggregated_message() {
    let mut env = Env::new(0);
    let r = env.schedule(pod_json("web-0", json!({"cpu": "100"})));
    let msg = format!(
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. {NOT_HELPFUL_4}"
    );
    assert_eq!(env.failed_message("web-0"), msg);
    let c = env.condition("web-0").expect("PodScheduled condition");
    assert_eq!(c.status, "False");
    assert_eq!(c.reason.as_deref(), Some("Unschedulable"));
    assert_eq!(c.message.as_deref(), Some(msg.as_str()));
    assert_eq!(c.observed_generation, Some(1));
    assert_eq!(
        env.events("web-0"),
        [(
            "Warning".to_string(),
            "FailedScheduling".to_string(),
            msg,
            1
        )]
    );
    assert_eq!(env.h.take_calls(), ["patch-status Pod default/web-0"]);
    assert_eq!(env.node_of("web-0"), None);
    // Next look: the unschedulable-pool flush, more than 5 min later on a 30 s tick.
    assert_eq!(r, Requeue::After(SimDuration::from_secs(330)));
}

#[test]
fn the_older_taint_wording_names_the_taint() {
    let config = SchedulerConfig {
        taint_message: TaintMessage::WithTaint,
        ..SchedulerConfig::default()
    };
    let mut env = Env::with_nodes(0, kind_nodes(), config);
    env.schedule(pod_json("web-0", json!({"cpu": "100"})));
    assert_eq!(
        env.failed_message("web-0"),
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
    );
}

#[test]
fn resources_used_by_other_pods_leave_no_preemption_victims() {
    let mut env = Env::new(0);
    for (i, w) in WORKERS.iter().enumerate() {
        env.create(bound_pod_json(
            &format!("busy-{i}"),
            w,
            json!({"cpu": "7", "memory": "15Gi"}),
        ));
    }
    env.schedule(pod_json("web-0", json!({"cpu": "2", "memory": "2Gi"})));
    assert_eq!(
        env.failed_message("web-0"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn a_higher_priority_pod_that_could_preempt_gets_no_preemption_text() {
    let mut env = Env::with_nodes(0, vec![node_json("n1")], SchedulerConfig::default());
    env.create(bound_pod_json("low", "n1", json!({"cpu": "7"})));
    let mut p = pod_json("high", json!({"cpu": "2"}));
    p["spec"]["priorityClassName"] = json!("system-cluster-critical");
    env.schedule(p);
    assert_eq!(
        env.failed_message("high"),
        "0/1 nodes are available: 1 Insufficient cpu."
    );
}

#[test]
fn preemption_policy_never_is_not_eligible() {
    let mut env = Env::new(0);
    let mut p = pod_json("web-0", json!({"cpu": "100"}));
    p["spec"]["preemptionPolicy"] = json!("Never");
    env.schedule(p);
    assert_eq!(
        env.failed_message("web-0"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    );
}

#[test]
fn too_many_pods() {
    let mut n = node_json("n1");
    n["status"]["allocatable"]["pods"] = json!("1");
    let mut env = Env::with_nodes(0, vec![n], SchedulerConfig::default());
    env.create(bound_pod_json("first", "n1", json!({})));
    env.schedule(pod_json("second", json!({})));
    assert_eq!(
        env.failed_message("second"),
        "0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

#[test]
fn cordoned_node() {
    let mut n = node_json("n1");
    n["spec"]["unschedulable"] = json!(true);
    let mut env = Env::with_nodes(0, vec![n], SchedulerConfig::default());
    env.schedule(pod_json("web-0", json!({})));
    assert_eq!(
        env.failed_message("web-0"),
        "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    );
}

#[test]
fn not_ready_and_unreachable_nodes_are_kept_out_by_their_taints() {
    let mut nodes = kind_nodes();
    nodes[1]["spec"]["taints"] = json!([
        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]);
    for n in &mut nodes[2..] {
        n["spec"]["taints"] = json!([
            {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]);
    }
    let mut env = Env::with_nodes(0, nodes.clone(), SchedulerConfig::default());
    env.schedule(pod_json("web-0", json!({})));
    assert_eq!(
        env.failed_message("web-0"),
        format!("0/4 nodes are available: 4 node(s) had untolerated taint(s). {NOT_HELPFUL_4}")
    );
    let config = SchedulerConfig {
        taint_message: TaintMessage::WithTaint,
        ..SchedulerConfig::default()
    };
    let mut env = Env::with_nodes(0, nodes, config);
    env.schedule(pod_json("web-0", json!({})));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}, 1 node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}, 2 node(s) had untolerated taint {{node.kubernetes.io/not-ready: }}. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn a_toleration_lets_a_pod_onto_the_control_plane() {
    let mut nodes = kind_nodes();
    for n in &mut nodes[1..] {
        n["spec"]["unschedulable"] = json!(true);
    }
    let mut env = Env::with_nodes(0, nodes, SchedulerConfig::default());
    let mut p = pod_json("web-0", json!({}));
    p["spec"]["tolerations"] = json!([{"key": "node-role.kubernetes.io/control-plane",
                                       "operator": "Exists", "effect": "NoSchedule"}]);
    env.schedule(p);
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-control-plane"));
}

#[test]
fn node_selector_and_required_node_affinity() {
    let mut env = Env::new(0);
    let mut p = pod_json("web-0", json!({}));
    p["spec"]["nodeSelector"] = json!({"disktype": "ssd"});
    env.schedule(p);
    let msg = format!(
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match Pod's node affinity/selector. {NOT_HELPFUL_4}"
    );
    assert_eq!(env.failed_message("web-0"), msg);

    let mut p = pod_json("web-1", json!({}));
    p["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker2"]}]}]}}});
    env.schedule(p);
    assert_eq!(env.node_of("web-1").as_deref(), Some("kind-worker2"));

    let mut p = pod_json("web-2", json!({}));
    p["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "NotIn",
             "values": ["kind-worker", "kind-worker2", "kind-worker3"]}]}]}}});
    env.schedule(p);
    assert_eq!(env.failed_message("web-2"), msg.replace("web-0", "web-2"));
}

fn anti_affinity(mut p: serde_json::Value) -> serde_json::Value {
    p["spec"]["affinity"] = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "nginx"}}, "topologyKey": "kubernetes.io/hostname"}]}});
    p
}

#[test]
fn required_anti_affinity_spreads_then_blocks() {
    let mut env = Env::new(0);
    for i in 0..3 {
        env.schedule(anti_affinity(pod_json(&format!("web-{i}"), json!({}))));
    }
    let mut nodes: Vec<_> = (0..3)
        .map(|i| env.node_of(&format!("web-{i}")).unwrap())
        .collect();
    nodes.sort();
    assert_eq!(nodes, WORKERS);
    env.schedule(anti_affinity(pod_json("web-3", json!({}))));
    assert_eq!(
        env.failed_message("web-3"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn existing_pods_anti_affinity() {
    let mut env = Env::with_nodes(0, vec![node_json("n1")], SchedulerConfig::default());
    let mut guard = anti_affinity(bound_pod_json("guard", "n1", json!({})));
    guard["metadata"]["labels"] = json!({"app": "guard"});
    env.create(guard);
    env.schedule(pod_json("web-0", json!({})));
    assert_eq!(
        env.failed_message("web-0"),
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

#[test]
fn required_pod_affinity() {
    let mut env = Env::new(0);
    let affinity = json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}});
    let mut p = pod_json("web-0", json!({}));
    p["spec"]["affinity"] = affinity.clone();
    env.schedule(p);
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match pod affinity rules. {NOT_HELPFUL_4}"
        )
    );
    // Once a matching pod runs somewhere, the pod goes next to it.
    let mut db = bound_pod_json("db-0", "kind-worker3", json!({}));
    db["metadata"]["labels"] = json!({"app": "db"});
    env.create(db);
    env.reconcile("web-0");
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker3"));
    // The first pod of a group with affinity to itself may go anywhere.
    let mut p = pod_json("self-0", json!({}));
    p["metadata"]["labels"] = json!({"app": "self"});
    p["spec"]["affinity"] = json!({"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "self"}}, "topologyKey": "kubernetes.io/hostname"}]}});
    env.schedule(p);
    assert!(env.node_of("self-0").is_some());
}

#[test]
fn host_ports() {
    let mut env = Env::with_nodes(0, vec![node_json("n1")], SchedulerConfig::default());
    let with_port = |mut p: serde_json::Value| {
        p["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80, "hostPort": 8080}]);
        p
    };
    env.create(with_port(bound_pod_json("first", "n1", json!({}))));
    env.schedule(with_port(pod_json("second", json!({}))));
    assert_eq!(
        env.failed_message("second"),
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    );
}

#[test]
fn topology_spread_constraints() {
    let mut env = Env::new(0);
    let spread = |mut p: serde_json::Value, key: &str| {
        p["spec"]["topologySpreadConstraints"] = json!([{"maxSkew": 1, "topologyKey": key,
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "nginx"}}}]);
        p
    };
    env.create(bound_pod_json("a", "kind-worker", json!({})));
    env.create(bound_pod_json("b", "kind-worker2", json!({})));
    env.schedule(spread(
        pod_json("web-0", json!({})),
        "kubernetes.io/hostname",
    ));
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker3"));
    env.schedule(spread(
        pod_json("web-1", json!({})),
        "topology.kubernetes.io/zone",
    ));
    assert_eq!(
        env.failed_message("web-1"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't match pod topology spread constraints (missing required label). {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn no_nodes_at_all() {
    let mut env = Env::with_nodes(0, vec![], SchedulerConfig::default());
    let r = env.schedule(pod_json("web-0", json!({})));
    assert_eq!(
        env.failed_message("web-0"),
        "no nodes available to schedule pods"
    );
    let c = env.condition("web-0").unwrap();
    assert_eq!(c.reason.as_deref(), Some("Unschedulable"));
    // No rejecting plugin: the error back-off (1 s, flushed on the next whole second).
    assert_eq!(r, Requeue::After(SimDuration::from_secs(2)));
}

#[test]
fn long_messages_are_cut_in_events_not_in_the_condition() {
    let mut env = Env::new(0);
    let mut p = pod_json("web-0", json!({}));
    let claim = "c".repeat(1100);
    p["spec"]["volumes"] = json!([{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]);
    p["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "v", "mountPath": "/data"}]);
    env.schedule(p);
    let event = env.failed_message("web-0");
    let condition = env.condition("web-0").unwrap().message.unwrap();
    assert_eq!(event.len(), 1024);
    assert!(event.ends_with(" ..."), "{event}");
    assert!(condition.len() > 1100);
    assert!(condition.starts_with(&event[..1020]));
}
