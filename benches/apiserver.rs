//! API server throughput: writes with watch recording, and listing by label selector, for
//! 10,000 pods in one namespace. Per-write cost is measured at several store sizes to show it
//! does not grow with the number of objects (beyond the log factor of the ordered maps).

// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::apiserver::{ApiServer, ApiServerOptions, ListOptions};
use stsim::controllers;
use stsim::engine::SimRng;

fn pod(i: usize) -> Object {
    Object::from_json(
        Kind::Pod,
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": "default",
                         "labels": {"app": "web", "shard": format!("s{}", i % 100)}},
            "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24",
                                     "ports": [{"containerPort": 80, "name": "web"}]}]}
        }),
    )
    .expect("a valid pod")
}

fn server_with(pods: usize) -> ApiServer {
    let mut api = ApiServer::new(
        SimRng::from_seed(1).fork("apiserver"),
        ApiServerOptions::default(),
    );
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}});
    api.create(Object::from_json(Kind::Namespace, ns).unwrap())
        .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    for i in 0..pods {
        api.create(pod(i)).unwrap();
    }
    api
}

fn create_10k(c: &mut Criterion) {
    let mut g = c.benchmark_group("apiserver");
    g.sample_size(10);
    g.throughput(Throughput::Elements(10_000));
    let pods: Vec<Object> = (0..10_000).map(pod).collect();
    g.bench_function("create_10k_pods_with_watch", |b| {
        b.iter_batched(
            || (server_with(0), pods.clone()),
            |(mut api, pods)| {
                for p in pods {
                    api.create(p).unwrap();
                }
                black_box(api.watch_events().len())
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn write_cost_by_store_size(c: &mut Criterion) {
    let mut g = c.benchmark_group("apiserver_write_at_size");
    g.sample_size(20);
    for size in [100usize, 1_000, 10_000] {
        let base = server_with(size);
        let key = ObjectKey::new(Kind::Pod, "default", "web-0");
        let current = (*base.get(&key).unwrap()).clone();
        g.throughput(Throughput::Elements(100));
        g.bench_with_input(
            BenchmarkId::new("update_status_x100", size),
            &size,
            |b, _| {
                let mut api = server_with(size);
                let mut obj = current.clone();
                let mut n = 0u64;
                b.iter(|| {
                    for _ in 0..100 {
                        n += 1;
                        if let Object::Pod(p) = &mut obj {
                            p.status.get_or_insert_with(Default::default).message =
                                Some(format!("m{n}"));
                        }
                        obj.meta_mut().resource_version = None;
                        black_box(api.update_status(obj.clone()).unwrap());
                    }
                })
            },
        );
    }
    g.finish();
}

fn list_by_label(c: &mut Criterion) {
    let mut g = c.benchmark_group("apiserver_list");
    g.sample_size(20);
    let api = server_with(10_000);
    let opts = ListOptions {
        label_selector: Some("app=web,shard=s42".into()),
        ..Default::default()
    };
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("list_10k_pods_by_label_selector", |b| {
        b.iter(|| {
            let found = api.list(Kind::Pod, Some("default"), &opts).unwrap();
            assert_eq!(found.len(), 100);
            black_box(found)
        })
    });
    g.finish();
}

criterion_group!(benches, create_10k, write_cost_by_store_size, list_by_label);
criterion_main!(benches);
