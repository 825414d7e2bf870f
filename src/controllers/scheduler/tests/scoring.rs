//! Placement: the `Scheduled` event, scores, seeded tie-breaking.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;

#[test]
fn a_pod_is_bound_to_a_worker_with_the_scheduled_event() {
    let mut env = Env::new(0);
    let r = env.schedule(pod_json("web-0", json!({})));
    assert_eq!(r, Requeue::No);
    let node = env.node_of("web-0").expect("bound");
    assert!(WORKERS.contains(&node.as_str()), "{node}");
    assert_eq!(env.h.take_calls(), ["bind Pod default/web-0"]);
    let c = env.condition("web-0").unwrap();
    assert_eq!(c.status, "True");
    assert_eq!(
        env.events("web-0"),
        [(
            "Normal".to_string(),
            "Scheduled".to_string(),
            format!("Successfully assigned default/web-0 to {node}"),
            1
        )]
    );
    // A bound pod is not scheduled again.
    assert_eq!(env.reconcile("web-0"), Requeue::No);
    assert!(env.h.take_calls().is_empty());
}

fn first_choice(seed: u64) -> String {
    let mut env = Env::new(seed);
    env.schedule(pod_json("web-0", json!({})));
    env.node_of("web-0").unwrap()
}

#[test]
fn ties_are_broken_by_the_seed() {
    let chosen: Vec<String> = (0..24).map(first_choice).collect();
    for (seed, node) in chosen.iter().enumerate() {
        assert_eq!(
            &first_choice(seed as u64),
            node,
            "seed {seed} is reproducible"
        );
    }
    let distinct: BTreeSet<&String> = chosen.iter().collect();
    assert_eq!(
        distinct.len(),
        3,
        "all three workers win for some seed: {chosen:?}"
    );
}

#[test]
fn least_allocated_avoids_the_busy_worker() {
    for seed in 0..8 {
        let mut env = Env::new(seed);
        env.create(bound_pod_json(
            "busy",
            "kind-worker",
            json!({"cpu": "4", "memory": "8Gi"}),
        ));
        env.schedule(pod_json("web-0", json!({"cpu": "1", "memory": "1Gi"})));
        assert_ne!(
            env.node_of("web-0").as_deref(),
            Some("kind-worker"),
            "seed {seed}"
        );
    }
}

#[test]
fn preferred_node_affinity_and_prefer_no_schedule_taints() {
    let mut nodes = kind_nodes();
    nodes[3]["metadata"]["labels"]["disktype"] = json!("ssd");
    let mut env = Env::with_nodes(0, nodes, SchedulerConfig::default());
    let mut p = pod_json("web-0", json!({}));
    p["spec"]["affinity"] = json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [
            {"key": "disktype", "operator": "In", "values": ["ssd"]}]}}]}});
    env.schedule(p);
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker3"));

    let mut nodes = kind_nodes();
    for n in &mut nodes[1..3] {
        n["spec"]["taints"] = json!([{"key": "dedicated", "value": "batch",
                                      "effect": "PreferNoSchedule"}]);
    }
    for seed in 0..4 {
        let mut env = Env::with_nodes(seed, nodes.clone(), SchedulerConfig::default());
        env.schedule(pod_json("web-0", json!({})));
        assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker3"));
    }
}

/// Nodes big enough that a pod's default requests do not change least-allocated scores.
fn big_nodes() -> Vec<serde_json::Value> {
    let mut nodes = kind_nodes();
    for n in &mut nodes {
        n["status"]["allocatable"]["cpu"] = json!("64");
        n["status"]["allocatable"]["memory"] = json!("256Gi");
    }
    nodes
}

#[test]
fn stateful_set_pods_spread_over_workers_by_the_default_constraints() {
    for seed in 0..6 {
        let mut env = Env::with_nodes(seed, big_nodes(), SchedulerConfig::default());
        env.create(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                     "ports": [{"port": 80, "name": "web"}]}}));
        for i in 0..3 {
            env.schedule(pod_json(&format!("web-{i}"), json!({})));
        }
        let nodes: BTreeSet<String> = (0..3)
            .map(|i| env.node_of(&format!("web-{i}")).unwrap())
            .collect();
        assert_eq!(nodes.len(), 3, "seed {seed}: {nodes:?}");
    }
}

#[test]
fn image_locality_prefers_nodes_with_the_image() {
    let mut nodes = big_nodes();
    nodes[2]["status"]["images"] = json!([{"names": ["docker.io/library/postgres:16-alpine",
                                                     "postgres:16-alpine"],
                                           "sizeBytes": 800_000_000i64}]);
    for seed in 0..6 {
        let mut env = Env::with_nodes(seed, nodes.clone(), SchedulerConfig::default());
        let mut p = pod_json("db-0", json!({}));
        p["spec"]["containers"][0]["image"] = json!("postgres:16-alpine");
        env.schedule(p);
        assert_eq!(
            env.node_of("db-0").as_deref(),
            Some("kind-worker2"),
            "seed {seed}"
        );
    }
}
