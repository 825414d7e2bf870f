//! Test helpers for the node controllers: a bootstrapped cluster, running pods, taints, a
//! minimal kubelet (lease renewals and Ready status only), and events as one-line strings.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, PodCondition, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use serde_json::json;

use super::util::{NODE_LEASE_NAMESPACE, get_node, get_pod};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::testing::Harness;
use crate::sim::{Controller, Cx, Requeue};

/// Bootstraps the default kind cluster (four nodes) in the harness's API server.
pub fn set_up(h: &mut Harness) {
    crate::cluster::bootstrap_kind(&mut h.api).unwrap();
}

/// Creates pod `default/<name>` bound to `node` (unless empty), Running and Ready, with the
/// admission defaults (300 s tolerations for not-ready and unreachable).
pub fn create_running_pod(api: &mut ApiServer, name: &str, node: &str, labels: &[(&str, &str)]) {
    let labels: BTreeMap<&str, &str> = labels.iter().copied().collect();
    let mut spec = json!({"containers": [{"name": "app", "image": "nginx"}]});
    if !node.is_empty() {
        spec["nodeName"] = json!(node);
    }
    let obj = Object::from_json(
        Kind::Pod,
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default", "labels": labels},
               "spec": spec}),
    )
    .unwrap();
    api.create(obj).unwrap();
    if node.is_empty() {
        return;
    }
    set_pod_ready(api, name, true);
}

/// Sets pod `default/<name>` Running with `Ready` = `ready`.
pub fn set_pod_ready(api: &mut ApiServer, name: &str, ready: bool) {
    let mut pod = get_pod(api, &ObjectKey::new(Kind::Pod, "default", name)).unwrap();
    let now = api.now().to_k8s_time();
    let status = pod.status.get_or_insert_with(Default::default);
    status.phase = Some("Running".into());
    let value = if ready { "True" } else { "False" };
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    conditions.retain(|c| c.type_ != "Ready");
    conditions.push(PodCondition {
        type_: "Ready".into(),
        status: value.into(),
        last_transition_time: Some(now),
        ..Default::default()
    });
    api.update_status(Object::Pod(pod)).unwrap();
}

/// A taint with `timeAdded` at `secs`.
pub fn taint_at(key: &str, effect: &str, secs: u64) -> Taint {
    Taint {
        key: key.into(),
        effect: effect.into(),
        time_added: Some(SimTime::from_ms(secs * 1000).to_k8s_time()),
        value: None,
    }
}

/// The current node `name` with its taints replaced by `taints`.
pub fn node_with_taints(api: &ApiServer, name: &str, taints: &[Taint]) -> Object {
    let mut node = get_node(api, name).unwrap();
    node.spec.get_or_insert_with(Default::default).taints =
        (!taints.is_empty()).then(|| taints.to_vec());
    Object::Node(node)
}

/// Sets node `name`'s Ready condition status (as a kubelet or the controller would).
pub fn set_node_ready(api: &mut ApiServer, name: &str, status: &str) {
    let mut node = get_node(api, name).unwrap();
    let now = api.now().to_k8s_time();
    for c in node
        .status
        .get_or_insert_with(Default::default)
        .conditions
        .get_or_insert_with(Vec::new)
        .iter_mut()
        .filter(|c| c.type_ == "Ready")
    {
        c.status = status.into();
        c.last_transition_time = Some(now.clone());
        c.last_heartbeat_time = Some(now.clone());
    }
    api.update_status(Object::Node(node)).unwrap();
}

/// The node's taints as `key:effect` strings.
pub fn taint_strings(api: &ApiServer, name: &str) -> Vec<String> {
    get_node(api, name)
        .map(|n: Node| {
            super::util::node_taints(&n)
                .iter()
                .map(|t| format!("{}:{}", t.key, t.effect))
                .collect()
        })
        .unwrap_or_default()
}

/// Every Event as `Type Reason Kind ns/name: message` (`ns/` omitted for cluster objects).
pub fn event_lines(api: &ApiServer) -> Vec<String> {
    api.iter_kind(Kind::Event, None)
        .filter_map(|o| match &**o {
            Object::Event(e) => {
                let io = &e.involved_object;
                let who = match io.namespace.as_deref() {
                    Some(ns) if !ns.is_empty() => {
                        format!("{}/{}", ns, io.name.clone().unwrap_or_default())
                    }
                    _ => io.name.clone().unwrap_or_default(),
                };
                Some(format!(
                    "{} {} {} {}: {}",
                    e.type_.clone().unwrap_or_default(),
                    e.reason.clone().unwrap_or_default(),
                    io.kind.clone().unwrap_or_default(),
                    who,
                    e.message.clone().unwrap_or_default()
                ))
            }
            _ => None,
        })
        .collect()
}

/// A stand-in kubelet: every 10 s, unless its node is down, it renews the node's Lease and
/// posts `Ready=True` when the API shows anything else (as the real kubelet's status sync
/// does after an outage).
pub struct TestKubelet;

impl Controller for TestKubelet {
    fn name(&self) -> &'static str {
        "test-kubelet"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        match (&*event.object, event.event_type) {
            (Object::Node(_), WatchEventType::Added) => vec![event.object.key()],
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let name = key.name.clone();
        let Some(mut node) = get_node(cx.read(), &name) else {
            return Requeue::No;
        };
        if !cx.env().is_node_up(&name) {
            return Requeue::After(SimDuration::from_secs(10));
        }
        let lease_key = ObjectKey::new(Kind::Lease, NODE_LEASE_NAMESPACE, &name);
        if let Some(Object::Lease(l)) = cx.read().try_get(&lease_key).map(|o| (**o).clone()) {
            let mut l = l;
            let renew = k8s_openapi::jiff::Timestamp::from_millisecond(
                SimTime::ZERO.unix_seconds() * 1000 + cx.now.as_ms() as i64,
            )
            .unwrap();
            l.spec.get_or_insert_with(Default::default).renew_time = Some(MicroTime(renew));
            let _ = cx.update(Object::Lease(l));
        }
        let now = cx.now.to_k8s_time();
        let conditions = node
            .status
            .get_or_insert_with(Default::default)
            .conditions
            .get_or_insert_with(Vec::new);
        let mut changed = false;
        for c in conditions.iter_mut() {
            let (want, reason, message) = match c.type_.as_str() {
                "Ready" => ("True", "KubeletReady", "kubelet is posting ready status"),
                "MemoryPressure" => (
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                "DiskPressure" => (
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                "PIDPressure" => (
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                _ => continue,
            };
            if c.status != want {
                c.status = want.into();
                c.reason = Some(reason.into());
                c.message = Some(message.into());
                c.last_transition_time = Some(now.clone());
                c.last_heartbeat_time = Some(now.clone());
                changed = true;
            }
        }
        if changed {
            let _ = cx.update_status(Object::Node(node));
        }
        Requeue::After(SimDuration::from_secs(10))
    }
}

/// Renews node `name`'s Lease at the API server's current time (what a live kubelet does
/// every 10 s).
pub fn renew_lease(api: &mut ApiServer, name: &str) {
    let key = ObjectKey::new(Kind::Lease, NODE_LEASE_NAMESPACE, name);
    let Some(Object::Lease(mut l)) = api.try_get(&key).map(|o| (**o).clone()) else {
        panic!("node {name} has a lease");
    };
    let renew = k8s_openapi::jiff::Timestamp::from_millisecond(
        SimTime::ZERO.unix_seconds() * 1000 + api.now().as_ms() as i64,
    )
    .unwrap();
    l.spec.get_or_insert_with(Default::default).renew_time = Some(MicroTime(renew));
    api.update(Object::Lease(l)).unwrap();
}

/// The node's condition `type_` as `(status, reason, message)`.
pub fn node_condition_of(api: &ApiServer, name: &str, type_: &str) -> (String, String, String) {
    let node = get_node(api, name).unwrap();
    let c = super::util::node_condition(&node, type_).unwrap();
    (
        c.status.clone(),
        c.reason.clone().unwrap_or_default(),
        c.message.clone().unwrap_or_default(),
    )
}

/// The pod's Ready condition status.
pub fn pod_ready_status(api: &ApiServer, name: &str) -> String {
    let pod = get_pod(api, &ObjectKey::new(Kind::Pod, "default", name)).unwrap();
    super::util::pod_condition(&pod, "Ready")
        .map(|c| c.status.clone())
        .unwrap_or_default()
}

/// Creates StatefulSet `default/<name>` (selector `app=<name>`) with `replicas`.
pub fn create_sts(api: &mut ApiServer, name: &str, replicas: i32) {
    let obj = Object::from_json(
        Kind::StatefulSet,
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": name, "namespace": "default"},
               "spec": {"serviceName": name, "replicas": replicas,
                        "selector": {"matchLabels": {"app": name}},
                        "template": {"metadata": {"labels": {"app": name}},
                                     "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}),
    )
    .unwrap();
    api.create(obj).unwrap();
}

/// Creates pod `<sts>-<ordinal>` owned by StatefulSet `sts`, bound to `node`, Running with
/// Ready = `ready`.
pub fn create_sts_pod(api: &mut ApiServer, sts: &str, ordinal: u32, node: &str, ready: bool) {
    let owner = api
        .get(&ObjectKey::new(Kind::StatefulSet, "default", sts))
        .unwrap();
    let name = format!("{sts}-{ordinal}");
    let obj = Object::from_json(
        Kind::Pod,
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default", "labels": {"app": sts},
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                 "name": sts, "uid": owner.uid(),
                                                 "controller": true, "blockOwnerDeletion": true}]},
               "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx"}]}}),
    )
    .unwrap();
    api.create(obj).unwrap();
    set_pod_ready(api, &name, ready);
}

/// Creates PodDisruptionBudget `default/<name>` with `spec`.
pub fn create_pdb(api: &mut ApiServer, name: &str, spec: serde_json::Value) {
    let obj = Object::from_json(
        Kind::PodDisruptionBudget,
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": name, "namespace": "default"}, "spec": spec}),
    )
    .unwrap();
    api.create(obj).unwrap();
}

/// PodDisruptionBudget `default/<name>`.
pub fn get_pdb(api: &ApiServer, name: &str) -> k8s_openapi::api::policy::v1::PodDisruptionBudget {
    match &*api
        .get(&ObjectKey::new(Kind::PodDisruptionBudget, "default", name))
        .unwrap()
    {
        Object::PodDisruptionBudget(p) => p.clone(),
        _ => unreachable!(),
    }
}
