//! Creates a namespace, a StatefulSet and two pods owned by it in a simulated API server,
//! deletes the StatefulSet with background propagation, lets the garbage collector act, and
//! prints the watch stream as trace lines (`design.md` §4).
//!
//! Run: `cargo run --example watch_stream`

use serde_json::json;
use stsim::api::{Kind, Object};
use stsim::apiserver::{ApiServer, ApiServerOptions, DeleteOptions};
use stsim::engine::{SimRng, SimTime};

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn main() {
    let mut api = ApiServer::new(
        SimRng::from_seed(42).fork("apiserver"),
        ApiServerOptions::default(),
    );
    stsim::cluster::bootstrap_kind(&mut api).expect("bootstrap");
    let start = api.watch_events().len();

    api.set_now(SimTime::from_ms(1_000));
    let sts = api
        .create(object(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "nginx", "replicas": 2,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx",
                                                           "image": "registry.k8s.io/nginx-slim:0.24"}]}}}
        })))
        .expect("valid StatefulSet");
    for i in 0..2 {
        api.set_now(SimTime::from_ms(2_000 + i * 1_000));
        api.create(object(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{i}"), "namespace": "default",
                         "labels": {"app": "nginx"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                              "name": "web", "uid": sts.uid(),
                                              "controller": true, "blockOwnerDeletion": true}]},
            "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"}]}
        })))
        .expect("valid pod");
    }
    api.set_now(SimTime::from_ms(10_000));
    let key = sts.key();
    api.delete(&key, &DeleteOptions::default()).expect("delete");
    stsim::controllers::settle(&mut api, 10).expect("controllers settle");

    for event in api.watch_since(start) {
        println!("{}", event.to_json_line());
    }
}
