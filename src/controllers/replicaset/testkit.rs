//! Test support shared by the Deployment, ReplicaSet and endpoints tests: objects from JSON, a
//! bootstrapped kind API, a stand-in kubelet, and pod status helpers.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodCondition, PodStatus};
use serde_json::{Value, json};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, DeleteOptions, WatchEvent};
use crate::engine::{SimDuration, SimTime};
use crate::sim::testing::Harness;
use crate::sim::{Controller, Cx, Requeue, Sim, SimConfig};

/// An object from its JSON manifest.
pub fn obj(v: Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().expect("apiVersion"),
        v["kind"].as_str().expect("kind"),
    )
    .expect("a stored kind");
    Object::from_json(kind, v).expect("a decodable object")
}

/// The worker nodes tests schedule onto.
pub const NODES: [&str; 2] = ["kind-worker", "kind-worker2"];

/// Bootstraps a kind cluster's objects (its nodes included) and puts the two worker nodes
/// tests schedule onto in zones of their own.
pub fn bootstrap(api: &mut ApiServer) {
    crate::cluster::bootstrap_kind(api).expect("bootstrap");
    for (i, n) in NODES.iter().enumerate() {
        let key = crate::api::ObjectKey::cluster(Kind::Node, *n);
        let zone = json!({"metadata": {"labels": {"topology.kubernetes.io/zone": format!("zone-{}", i + 1)}}});
        api.patch(
            &key,
            crate::apiserver::PatchType::Merge,
            &zone,
            crate::apiserver::Subresource::None,
        )
        .expect("node");
    }
}

/// A harness over a bootstrapped cluster.
pub fn harness() -> Harness {
    let mut h = Harness::new(0);
    bootstrap(&mut h.api);
    h
}

/// A Deployment manifest: `app: <name>` labels, one nginx container.
pub fn deployment(name: &str, replicas: i32, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": image,
                    "ports": [{"name": "web", "containerPort": 80}]}]}}}})
}

/// A ReplicaSet manifest without owner: `app: <name>` labels.
pub fn replica_set(name: &str, replicas: i32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
}

/// A ready `Ready` condition (or not) as of `at`.
fn ready_condition(ready: bool, at: SimTime) -> PodCondition {
    PodCondition {
        type_: "Ready".into(),
        status: if ready { "True" } else { "False" }.into(),
        last_transition_time: Some(at.to_k8s_time()),
        ..Default::default()
    }
}

/// What a kubelet would have written for a running pod on `node` with `ip`.
pub fn run_pod(
    api: &mut impl Client,
    key: &ObjectKey,
    node: &str,
    ip: &str,
    ready: bool,
    at: SimTime,
) {
    let current = api.read().get(key).expect("pod exists");
    let scheduled = matches!(&*current, Object::Pod(p)
        if p.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_some_and(|n| !n.is_empty()));
    if !scheduled {
        api.bind_pod(key, node).expect("bind");
    }
    let Object::Pod(mut pod) = (*api.read().get(key).expect("pod")).clone() else {
        unreachable!("a pod key holds a pod")
    };
    let mut conditions = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    conditions.retain(|c| c.type_ != "Ready");
    conditions.push(ready_condition(ready, at));
    let status = pod.status.get_or_insert_with(PodStatus::default);
    status.phase = Some("Running".into());
    status.pod_ip = Some(ip.into());
    status.pod_ips = Some(vec![k8s_openapi::api::core::v1::PodIP { ip: ip.into() }]);
    status.host_ip = Some("172.18.0.2".into());
    status.conditions = Some(conditions);
    api.update_status(Object::Pod(pod)).expect("status");
}

/// Sets only the pod's Ready condition.
pub fn set_ready(api: &mut impl Client, key: &ObjectKey, ready: bool, at: SimTime) {
    let Object::Pod(mut pod) = (*api.read().get(key).expect("pod")).clone() else {
        unreachable!("a pod key holds a pod")
    };
    let status = pod.status.get_or_insert_with(Default::default);
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    conditions.retain(|c| c.type_ != "Ready");
    conditions.push(ready_condition(ready, at));
    api.update_status(Object::Pod(pod)).expect("status");
}

/// A pod manifest with labels, optionally hostname/subdomain.
pub fn pod(name: &str, labels: Value, hostname: Option<(&str, &str)>) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": labels},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
            "ports": [{"name": "web", "containerPort": 80}]}]}});
    if let Some((h, s)) = hostname {
        v["spec"]["hostname"] = json!(h);
        v["spec"]["subdomain"] = json!(s);
    }
    v
}

/// A stand-in kubelet for simulations: a pod bound to no node is scheduled round-robin, gets an
/// IP from 10.244.1.0/24 and runs; it turns Ready after `ready_after` unless `never_ready`.
/// A terminating pod is gone after `terminate_after`.
pub struct FakeKubelet {
    /// Delay from creation to Running (and from Running to Ready).
    pub ready_after: SimDuration,
    /// Pods never pass readiness.
    pub never_ready: bool,
    /// Delay from deletion to the object being gone.
    pub terminate_after: SimDuration,
    next_ip: u32,
    ips: BTreeMap<String, String>,
    deleting: BTreeMap<String, SimTime>,
}

impl FakeKubelet {
    /// A kubelet with the given readiness delay and 1 s termination.
    pub fn new(ready_after: SimDuration) -> Self {
        FakeKubelet {
            ready_after,
            never_ready: false,
            terminate_after: SimDuration::from_secs(1),
            next_ip: 10,
            ips: BTreeMap::new(),
            deleting: BTreeMap::new(),
        }
    }
}

impl Controller for FakeKubelet {
    fn name(&self) -> &'static str {
        "fake-kubelet"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        if event.object.kind() == Kind::Pod
            && event.event_type != crate::apiserver::WatchEventType::Deleted
        {
            vec![event.object.key()]
        } else {
            vec![]
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some(current) = cx.read().try_get(key).cloned() else {
            return Requeue::No;
        };
        let Object::Pod(pod) = &*current else {
            return Requeue::No;
        };
        let now = cx.now;
        if pod.metadata.deletion_timestamp.is_some() {
            let asked = *self.deleting.entry(key.name.clone()).or_insert(now);
            if asked + self.terminate_after <= now {
                let opts = DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                };
                let _ = cx.delete(key, &opts);
                return Requeue::No;
            }
            return Requeue::After(self.terminate_after);
        }
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        if phase != Some("Running") {
            let ip = self.ips.entry(key.name.clone()).or_insert_with(|| {
                self.next_ip += 1;
                format!("10.244.1.{}", self.next_ip)
            });
            let ip = ip.clone();
            let node = NODES[(self.next_ip as usize) % NODES.len()];
            run_pod(cx, key, node, &ip, false, now);
            if self.never_ready {
                return Requeue::No;
            }
            return Requeue::After(self.ready_after);
        }
        let ready = crate::controllers::replicaset::is_pod_ready(pod);
        if !ready && !self.never_ready {
            set_ready(cx, key, true, now);
        }
        Requeue::No
    }

    fn reaction(&self, _profile: &crate::sim::TimingProfile) -> SimDuration {
        SimDuration::from_ms(1)
    }
}

/// A simulation over a bootstrapped cluster with the workload and networking controllers,
/// the garbage collector, and a fake kubelet.
pub fn sim(kubelet: FakeKubelet) -> Sim {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    for c in crate::controllers::workloads_and_networking() {
        sim.add_controller(c);
    }
    sim.add_controller(Box::new(kubelet));
    sim.write(bootstrap);
    sim.run_for(SimDuration::from_secs(1), 10_000);
    sim
}

/// The `reason: message` of every Event about `kind/name`, oldest first.
pub fn events_for(api: &ApiServer, kind: &str, name: &str) -> Vec<String> {
    let mut evs: Vec<(SimTime, String, String)> = api
        .iter_kind(Kind::Event, None)
        .filter_map(|o| match &**o {
            Object::Event(e)
                if e.involved_object.kind.as_deref() == Some(kind)
                    && e.involved_object.name.as_deref() == Some(name) =>
            {
                Some((
                    e.first_timestamp
                        .as_ref()
                        .and_then(SimTime::from_k8s_time)
                        .unwrap_or_default(),
                    o.name().to_string(),
                    format!(
                        "{}: {}",
                        e.reason.clone().unwrap_or_default(),
                        e.message.clone().unwrap_or_default()
                    ),
                ))
            }
            _ => None,
        })
        .collect();
    evs.sort();
    evs.into_iter().map(|(_, _, m)| m).collect()
}

/// Pods in `default` whose name starts with `prefix`.
pub fn pods_named(api: &ApiServer, prefix: &str) -> Vec<String> {
    api.iter_kind(Kind::Pod, Some("default"))
        .filter(|o| o.name().starts_with(prefix))
        .map(|o| o.name().to_string())
        .collect()
}
