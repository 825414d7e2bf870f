//! Node failure on a simulated kind cluster: a StatefulSet never runs two pods of one identity,
//! a force delete lets the identity come back, and a node-local volume keeps it Pending with
//! the scheduler's real message until the node returns.

use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::apiserver::DeleteOptions;
use stsim::cluster::world::{self, WorldConfig};
use stsim::engine::SimDuration;
use stsim::sim::Sim;

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn lab() -> Sim {
    let mut sim = world::build(WorldConfig::default()).unwrap();
    sim.write(|api| {
        api.create(object(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "nginx", "replicas": 3,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx",
                                      "image": "registry.k8s.io/nginx-slim:0.24",
                                      "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"},
                         "spec": {"accessModes": ["ReadWriteOnce"],
                                  "resources": {"requests": {"storage": "1Gi"}}}}]}
        })))
        .unwrap()
    });
    sim.run_for(SimDuration::from_secs(120), 2_000_000);
    sim
}

fn pod(sim: &Sim, name: &str) -> Option<k8s_openapi::api::core::v1::Pod> {
    match sim
        .api()
        .try_get(&ObjectKey::new(Kind::Pod, "default", name))
        .map(|o| (**o).clone())
    {
        Some(Object::Pod(p)) => Some(p),
        _ => None,
    }
}

fn node_of(sim: &Sim, name: &str) -> String {
    pod(sim, name)
        .and_then(|p| p.spec.and_then(|s| s.node_name))
        .expect("the pod is scheduled")
}

fn stop(sim: &mut Sim, node: &str) {
    sim.env_mut().nodes_down.insert(node.to_string());
    sim.poke(
        &format!("kubelet-{node}"),
        ObjectKey::cluster(Kind::Node, node),
    );
}

#[test]
fn a_lost_node_never_yields_two_pods_of_one_identity_and_force_delete_releases_it() {
    let mut sim = lab();
    let node = node_of(&sim, "web-1");
    let uid = pod(&sim, "web-1").unwrap().metadata.uid.unwrap();
    stop(&mut sim, &node);

    // The node goes Unknown after the grace period; its pods are marked not ready, then
    // evicted after their 300 s toleration, but stay Terminating: nobody confirms.
    sim.run_for(SimDuration::from_secs(400), 5_000_000);
    let Object::Node(n) = &*sim
        .api()
        .get(&ObjectKey::cluster(Kind::Node, &node))
        .unwrap()
    else {
        unreachable!()
    };
    let ready = n
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .unwrap();
    assert_eq!(ready.status, "Unknown");
    let stuck = pod(&sim, "web-1").unwrap();
    assert_eq!(
        stuck.metadata.uid.as_deref(),
        Some(uid.as_str()),
        "no second web-1"
    );
    assert!(
        stuck.metadata.deletion_timestamp.is_some(),
        "evicted, still Terminating"
    );
    let incarnations: std::collections::BTreeSet<String> = sim
        .api()
        .watch_events()
        .iter()
        .filter(|e| e.object.kind() == Kind::Pod && e.object.name() == "web-1")
        .map(|e| e.object.uid().to_string())
        .collect();
    assert_eq!(
        incarnations.len(),
        1,
        "the StatefulSet waits for the old web-1 to be gone"
    );

    // Force delete: the identity comes back, but its claim's volume lives on the dead node.
    sim.write(|api| {
        api.delete(
            &ObjectKey::new(Kind::Pod, "default", "web-1"),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap()
    });
    sim.run_for(SimDuration::from_secs(60), 5_000_000);
    let reborn = pod(&sim, "web-1").expect("web-1 is recreated");
    assert_ne!(reborn.metadata.uid.as_deref(), Some(uid.as_str()));
    assert_eq!(
        reborn.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Pending")
    );
    let cond = reborn
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"))
        .expect("the scheduler explains why");
    let message = cond.message.clone().unwrap_or_default();
    assert!(
        message.contains("volume node affinity conflict"),
        "unexpected scheduler message: {message}"
    );

    // The node comes back: web-1 lands on it again, with its data volume.
    sim.env_mut().nodes_down.remove(&node);
    sim.poke(
        &format!("kubelet-{node}"),
        ObjectKey::cluster(Kind::Node, &node),
    );
    sim.run_for(SimDuration::from_secs(600), 10_000_000);
    assert_eq!(node_of(&sim, "web-1"), node);
    let back = pod(&sim, "web-1").unwrap();
    assert_eq!(
        back.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Running")
    );
    assert_eq!(
        stsim::invariants::check(sim.api().watch_events()).violations(),
        &[]
    );
}
