//! Scheduler tests: support for building a kind cluster in a harness or a simulation.
//!
//! - `filters`: every filter reason, exact text, and the aggregated fit error;
//! - `scoring`: placement, the `Scheduled` event, seeded tie-breaking;
//! - `volumes`: WaitForFirstConsumer, static binding, PreBind failures;
//! - `queue`: retries on events, back-off, flush, injected bind failures;
//! - `scale`: 10,000 pods, reconciles and calls per pod.

// Tests drive reconciles for their effects and check the returned `Requeue` only where it is
// the point of the test.
#![allow(unused_must_use)]

mod filters;
mod queue;
mod scale;
mod scoring;
mod volumes;

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, PodCondition};
use serde_json::{Value, json};

use super::{Scheduler, SchedulerConfig};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::engine::SimTime;
use crate::sim::Requeue;
use crate::sim::testing::Harness;

pub(super) fn obj(v: Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

pub(super) fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

pub(super) const WORKERS: [&str; 3] = ["kind-worker", "kind-worker2", "kind-worker3"];

/// The namespace and service account pods need.
pub(super) fn bootstrap(api: &mut ApiServer) {
    api.create(obj(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
    ))
    .unwrap();
    api.create(obj(json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "default", "namespace": "default"}})))
        .unwrap();
}

/// A ready node with 8 CPUs, 16Gi and 110 pods.
pub(super) fn node_json(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64"}},
        "spec": {},
        "status": {
            "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110",
                            "ephemeral-storage": "100Gi"},
            "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110",
                         "ephemeral-storage": "100Gi"},
            "conditions": [{"type": "Ready", "status": "True"}]
        }
    })
}

/// `kind-control-plane` (tainted) and three workers.
pub(super) fn kind_nodes() -> Vec<Value> {
    let mut cp = node_json("kind-control-plane");
    cp["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = json!("");
    cp["spec"]["taints"] = json!([{"key": "node-role.kubernetes.io/control-plane",
                                   "effect": "NoSchedule"}]);
    let mut out = vec![cp];
    out.extend(WORKERS.iter().map(|w| node_json(w)));
    out
}

/// A pod of one `nginx` container with the given requests (`{}` for none).
pub(super) fn pod_json(name: &str, requests: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "nginx"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                 "resources": {"requests": requests}}]}
    })
}

/// A pod already bound to `node`.
pub(super) fn bound_pod_json(name: &str, node: &str, requests: Value) -> Value {
    let mut p = pod_json(name, requests);
    p["spec"]["nodeName"] = json!(node);
    p
}

/// A harness with the kind cluster's nodes and a scheduler.
pub(super) struct Env {
    pub h: Harness,
    pub sched: Scheduler,
}

impl Env {
    pub fn new(seed: u64) -> Env {
        Env::with_nodes(seed, kind_nodes(), SchedulerConfig::default())
    }

    pub fn with_nodes(seed: u64, nodes: Vec<Value>, config: SchedulerConfig) -> Env {
        let mut h = Harness::new(seed);
        bootstrap(&mut h.api);
        for n in nodes {
            h.api.create(obj(n)).unwrap();
        }
        Env {
            h,
            sched: Scheduler::with_config(config),
        }
    }

    pub fn create(&mut self, v: Value) -> Arc<Object> {
        self.h.api.create(obj(v)).unwrap()
    }

    /// Creates a pod and runs one scheduling cycle for it.
    pub fn schedule(&mut self, v: Value) -> Requeue {
        let name = v["metadata"]["name"].as_str().unwrap().to_string();
        self.create(v);
        self.reconcile(&name)
    }

    pub fn reconcile(&mut self, name: &str) -> Requeue {
        self.h.reconcile(&mut self.sched, &pod_key(name))
    }

    pub fn at(&mut self, ms: u64) {
        self.h.set_now(SimTime::from_ms(ms));
    }

    pub fn pod(&self, name: &str) -> Arc<Object> {
        self.h.api.get(&pod_key(name)).unwrap()
    }

    pub fn node_of(&self, name: &str) -> Option<String> {
        node_of(&self.h.api, name)
    }

    /// The pod's `PodScheduled` condition.
    pub fn condition(&self, name: &str) -> Option<PodCondition> {
        let Object::Pod(p) = &*self.pod(name) else {
            unreachable!()
        };
        p.status
            .as_ref()?
            .conditions
            .as_ref()?
            .iter()
            .find(|c| c.type_ == "PodScheduled")
            .cloned()
    }

    /// `(type, reason, message, count)` of the events about a pod, oldest first.
    pub fn events(&self, name: &str) -> Vec<(String, String, String, i32)> {
        events_of(&self.h.api, name)
    }

    /// The message of the pod's last `FailedScheduling` event.
    pub fn failed_message(&self, name: &str) -> String {
        self.events(name)
            .into_iter()
            .rev()
            .find(|e| e.1 == "FailedScheduling")
            .map(|e| e.2)
            .unwrap_or_default()
    }
}

pub(super) fn node_of(api: &ApiServer, name: &str) -> Option<String> {
    let Object::Pod(p) = &*api.get(&pod_key(name)).unwrap() else {
        unreachable!()
    };
    p.spec.as_ref()?.node_name.clone()
}

pub(super) fn events_of(api: &ApiServer, name: &str) -> Vec<(String, String, String, i32)> {
    let mut out: Vec<(String, Event)> = api
        .iter_kind(Kind::Event, Some("default"))
        .filter_map(|o| match &**o {
            Object::Event(e) if e.involved_object.name.as_deref() == Some(name) => {
                Some((e.metadata.name.clone().unwrap_or_default(), e.clone()))
            }
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter()
        .map(|(_, e)| {
            (
                e.type_.unwrap_or_default(),
                e.reason.unwrap_or_default(),
                e.message.unwrap_or_default(),
                e.count.unwrap_or(1),
            )
        })
        .collect()
}

/// Sets fields of an object through `update` (spec/metadata) after `edit` changes its JSON.
pub(super) fn edit(api: &mut ApiServer, key: &ObjectKey, f: impl FnOnce(&mut Value)) {
    let mut v = api.get(key).unwrap().to_json();
    f(&mut v);
    api.update(Object::from_json(key.kind, v).unwrap()).unwrap();
}

/// Sets fields of an object's status through `update_status`.
pub(super) fn edit_status(api: &mut ApiServer, key: &ObjectKey, f: impl FnOnce(&mut Value)) {
    let mut v = api.get(key).unwrap().to_json();
    f(&mut v);
    api.update_status(Object::from_json(key.kind, v).unwrap())
        .unwrap();
}
