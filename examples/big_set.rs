//! Brings a large StatefulSet to all-Ready on a simulated kind cluster with the `instant`
//! profile and reports the figures the benchmarks track: wall time, simulation steps and watch
//! events per second, and peak memory (Linux).
//!
//! Run: `cargo run --release --example big_set -- 10000 Parallel`

use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::cluster::ClusterProfile;
use stsim::cluster::world::{self, WorldConfig};
use stsim::engine::SimDuration;
use stsim::sim::TimingProfile;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let replicas: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let policy = args.get(2).cloned().unwrap_or_else(|| "Parallel".into());
    let workers = (replicas as usize).div_ceil(100).max(3);
    let mut profile = String::from(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n",
    );
    for _ in 0..workers {
        profile.push_str("- role: worker\n");
    }
    let cluster = ClusterProfile::parse("big.yaml", &profile).expect("profile");
    let mut sim = world::build(WorldConfig {
        seed: 1,
        timing: TimingProfile::instant(),
        cluster,
    })
    .expect("cluster");
    let set = Object::from_json(
        Kind::StatefulSet,
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "nginx", "replicas": replicas, "podManagementPolicy": policy,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx",
                                      "image": "registry.k8s.io/nginx-slim:0.24"}]}}}
        }),
    )
    .expect("valid");
    // Measuring the host's time is this example's purpose; the simulation never reads it.
    #[allow(clippy::disallowed_types, clippy::disallowed_methods)]
    let start = std::time::Instant::now();
    let steps0 = sim.steps();
    let events0 = sim.api().watch_events().len();
    let t0 = sim.now();
    sim.write(|api| api.create(set).expect("created"));
    let key = ObjectKey::new(Kind::StatefulSet, "default", "web");
    loop {
        let ready = match &*sim.api().get(&key).expect("set") {
            Object::StatefulSet(s) => s
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            _ => 0,
        };
        if ready >= replicas {
            break;
        }
        sim.run_for(SimDuration::from_secs(10), 1_000_000_000);
    }
    let wall = start.elapsed().as_secs_f64();
    let steps = sim.steps() - steps0;
    let events = sim.api().watch_events().len() - events0;
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into());
    println!(
        "{replicas} replicas ({policy}): all Ready at virtual {} after {wall:.2} s wall; \
         {steps} reconciles ({:.0}/s), {events} watch events ({:.0}/s); peak memory {peak}",
        (sim.now().saturating_since(t0)),
        steps as f64 / wall,
        events as f64 / wall
    );
    for (name, n) in sim.reconcile_counts() {
        if n > 0 {
            println!("  {name}: {n} reconciles");
        }
    }
}
