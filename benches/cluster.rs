//! Whole-cluster throughput with the `instant` profile: a Parallel StatefulSet brought to
//! all-Ready at 2,500, 5,000 and 10,000 replicas (cost should roughly double with the size),
//! and an OrderedReady one of 1,000 replicas.

// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::cluster::world::{self, WorldConfig};
use stsim::engine::SimDuration;
use stsim::sim::{Sim, TimingProfile};

fn set(replicas: i32, policy: &str) -> Object {
    Object::from_json(
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
    .expect("a valid StatefulSet")
}

/// A cluster big enough for `replicas` pods (110 pods per node by default).
fn cluster(replicas: i32) -> Sim {
    let workers = (replicas as usize).div_ceil(100).max(3);
    let mut profile = String::from(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n",
    );
    for _ in 0..workers {
        profile.push_str("- role: worker\n");
    }
    let cluster = stsim::cluster::ClusterProfile::parse("bench.yaml", &profile).expect("profile");
    world::build(WorldConfig {
        seed: 1,
        timing: TimingProfile::instant(),
        cluster,
    })
    .expect("the cluster comes up")
}

fn ready(sim: &Sim) -> i32 {
    let set = sim
        .api()
        .get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
        .expect("the set exists");
    match &*set {
        Object::StatefulSet(s) => s
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
        _ => 0,
    }
}

/// Creates the set and runs until every replica is Ready; returns the steps taken.
fn bring_up(mut sim: Sim, replicas: i32, policy: &str) -> u64 {
    let steps0 = sim.steps();
    sim.write(|api| api.create(set(replicas, policy)).expect("created"));
    while ready(&sim) < replicas {
        sim.run_for(SimDuration::from_secs(10), 100_000_000);
    }
    sim.steps() - steps0
}

fn parallel(c: &mut Criterion) {
    let mut g = c.benchmark_group("cluster_parallel_all_ready");
    g.sample_size(10);
    for replicas in [2_500, 5_000, 10_000] {
        g.throughput(Throughput::Elements(replicas as u64));
        g.bench_with_input(BenchmarkId::from_parameter(replicas), &replicas, |b, &n| {
            b.iter_batched(
                || cluster(n),
                |sim| black_box(bring_up(sim, n, "Parallel")),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn ordered(c: &mut Criterion) {
    let mut g = c.benchmark_group("cluster_ordered_all_ready");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("1000", |b| {
        b.iter_batched(
            || cluster(1_000),
            |sim| black_box(bring_up(sim, 1_000, "OrderedReady")),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, parallel, ordered);
criterion_main!(benches);
