//! 10,000 pods: each costs one reconcile and one API call, and unrelated changes cost nothing.
//! (Counts, not time: performance is measured by benchmarks.) That a relevant change retries
//! every waiting pod exactly once is shown at small scale in `queue`.

use serde_json::json;

use super::*;
use crate::engine::SimDuration;
use crate::sim::{Sim, SimConfig, TimingProfile, Verb};

const PODS: usize = 10_000;

fn big_node(name: &str) -> serde_json::Value {
    let mut n = node_json(name);
    n["status"]["allocatable"] = json!({"cpu": "10000", "memory": "100000Gi",
                                        "pods": "20000"});
    n
}

fn sim_with(nodes: Vec<serde_json::Value>) -> Sim {
    let mut sim = Sim::new(SimConfig {
        profile: TimingProfile::instant(),
        ..SimConfig::default()
    });
    sim.add_controller(Box::new(Scheduler::new()));
    sim.write(|api| {
        bootstrap(api);
        for n in nodes {
            api.create(obj(n)).unwrap();
        }
    });
    sim.record_calls();
    sim
}

fn calls_by_verb(sim: &Sim, verb: Verb) -> usize {
    sim.calls().iter().filter(|c| c.verb == verb).count()
}

#[test]
fn ten_thousand_pods_cost_one_reconcile_and_one_bind_each() {
    let nodes: Vec<_> = ["n1", "n2", "n3", "n4"]
        .iter()
        .map(|n| big_node(n))
        .collect();
    let mut sim = sim_with(nodes);
    for i in 0..PODS {
        sim.write(|api| {
            api.create(obj(pod_json(&format!("p-{i}"), json!({"cpu": "100m"}))))
                .unwrap()
        });
    }
    sim.run_for(SimDuration::from_secs(1), 10 * PODS as u64);
    assert_eq!(sim.steps(), PODS as u64, "one scheduling cycle per pod");
    assert_eq!(sim.calls().len(), PODS, "one API call per pod");
    assert_eq!(calls_by_verb(&sim, Verb::Bind), PODS);
    assert!(sim.calls().iter().all(|c| c.outcome.is_ok()));
    // Spread evenly by least-allocated scoring.
    let mut per_node = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..PODS {
        *per_node
            .entry(node_of(sim.api(), &format!("p-{i}")).unwrap())
            .or_default() += 1;
    }
    assert_eq!(per_node.len(), 4);
    assert!(
        per_node.values().all(|n| *n >= PODS / 4 - 50),
        "{per_node:?}"
    );
}

#[test]
fn ten_thousand_unschedulable_pods_wake_only_for_relevant_events() {
    let mut sim = sim_with(vec![big_node("n1")]);
    for i in 0..PODS {
        sim.write(|api| {
            api.create(obj(pod_json(&format!("p-{i}"), json!({"cpu": "20000"}))))
                .unwrap()
        });
    }
    sim.run_for(SimDuration::from_secs(1), 10 * PODS as u64);
    assert_eq!(sim.steps(), PODS as u64);
    assert_eq!(calls_by_verb(&sim, Verb::PatchStatus), PODS);
    assert_eq!(sim.calls().len(), PODS);

    // Irrelevant changes: a node heartbeat, a label, an unrelated pod bound elsewhere.
    let node = ObjectKey::cluster(Kind::Node, "n1");
    sim.write(|api| {
        edit_status(api, &node, |v| {
            v["status"]["conditions"][0]["lastHeartbeatTime"] = json!("2025-01-01T00:00:10Z");
        })
    });
    sim.write(|api| edit(api, &node, |v| v["metadata"]["labels"]["team"] = json!("a")));
    sim.write(|api| {
        api.create(obj(bound_pod_json("other", "n1", json!({"cpu": "1"}))))
            .unwrap()
    });
    sim.run_for(SimDuration::from_secs(1), 10 * PODS as u64);
    assert_eq!(sim.steps(), PODS as u64, "no pod was retried");
    assert_eq!(sim.calls().len(), PODS);
}
