//! Drives a StatefulSet scale-up through the library on a simulated kind cluster and prints
//! each pod's state changes with their virtual times, the way `kubectl get pods -w -l app=nginx`
//! would show them (plus the time).
//!
//! Run: `cargo run --example scale_up`

use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::apiserver::WatchEventType;
use stsim::cluster::world::{self, WorldConfig};
use stsim::engine::SimDuration;
use stsim::kubelet::{pod_ready_column, pod_status_column};

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn main() {
    let mut sim = world::build(WorldConfig::default()).expect("the cluster comes up");
    let start = sim.api().watch_events().len();
    let t0 = sim.now();
    sim.write(|api| {
        api.create(object(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                     "ports": [{"port": 80, "name": "web"}]}
        })))
        .unwrap();
        api.create(object(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "nginx", "replicas": 2,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx",
                                      "image": "registry.k8s.io/nginx-slim:0.24",
                                      "ports": [{"containerPort": 80, "name": "web"}],
                                      "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"},
                         "spec": {"accessModes": ["ReadWriteOnce"],
                                  "resources": {"requests": {"storage": "1Gi"}}}}]}
        })))
        .unwrap();
    });
    sim.run_for(SimDuration::from_secs(60), 1_000_000);
    sim.write(|api| {
        api.update_scale(&ObjectKey::new(Kind::StatefulSet, "default", "web"), 5)
            .unwrap()
    });
    sim.run_for(SimDuration::from_secs(120), 1_000_000);

    println!("     TIME  NAME     READY  STATUS     EVENT");
    for ev in sim.api().watch_since(start) {
        let Object::Pod(pod) = &*ev.object else {
            continue;
        };
        if ev.object.labels().get("app").map(String::as_str) != Some("nginx") {
            continue;
        }
        let t = ev.at.as_ms() - t0.as_ms();
        let status = if ev.event_type == WatchEventType::Deleted {
            "(deleted)".to_string()
        } else {
            pod_status_column(pod)
        };
        println!(
            "{:>8.3}s  {:<8} {:<6} {:<10} {}",
            t as f64 / 1000.0,
            ev.object.name(),
            pod_ready_column(pod),
            status,
            ev.event_type.as_str()
        );
    }
}
