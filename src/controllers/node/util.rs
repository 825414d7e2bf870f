//! Helpers the node controllers share: taint keys and matching (`pkg/util/taints`,
//! `Toleration.ToleratesTaint`), node and pod conditions (`pkg/controller/util/node`,
//! `pkg/api/v1/pod`), and the taint writes (`controller.AddOrUpdateTaintOnNode`,
//! `RemoveTaintOffNode`, `SwapNodeControllerTaint`).
//!
//! Writes go through [`Client`] only; reads come from `Client::read`.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    Node, NodeCondition, Pod, PodCondition, PodStatus, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde_json::json;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, PatchType, Subresource};
use crate::engine::SimTime;

/// The taint the node lifecycle controller puts on a node whose Ready condition is Unknown.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The taint for a node whose Ready condition is False.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// The taint for a cordoned node (`spec.unschedulable`).
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// The taint an administrator puts on a node that is shut down for good (non-graceful node
/// shutdown): pod GC then force-deletes its terminating pods.
pub const TAINT_OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";
/// The taint for `MemoryPressure=True`.
pub const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
/// The taint for `DiskPressure=True`.
pub const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
/// The taint for `PIDPressure=True`.
pub const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
/// The taint for `NetworkUnavailable=True`.
pub const TAINT_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// `NoExecute`.
pub const NO_EXECUTE: &str = "NoExecute";
/// `NoSchedule`.
pub const NO_SCHEDULE: &str = "NoSchedule";

/// The namespace of the kubelets' heartbeat Leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";

/// A taint with a key and an effect and nothing else (upstream's taint templates).
pub fn taint(key: &str, effect: &str) -> Taint {
    Taint {
        key: key.to_string(),
        effect: effect.to_string(),
        ..Default::default()
    }
}

/// `Taint.MatchTaint`: same key and effect.
pub fn taint_matches(a: &Taint, b: &Taint) -> bool {
    a.key == b.key && a.effect == b.effect
}

/// `TaintExists`: a taint with `t`'s key and effect is in `taints`.
pub fn taint_exists(taints: &[Taint], t: &Taint) -> bool {
    taints.iter().any(|x| taint_matches(x, t))
}

/// The node's taints (empty when unset).
pub fn node_taints(node: &Node) -> &[Taint] {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or(&[])
}

/// The node's `NoExecute` taints, in order.
pub fn no_execute_taints(node: &Node) -> Vec<Taint> {
    node_taints(node)
        .iter()
        .filter(|t| t.effect == NO_EXECUTE)
        .cloned()
        .collect()
}

/// `Toleration.ToleratesTaint`.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect = toleration.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = toleration.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    match toleration.operator.as_deref().unwrap_or("") {
        "Exists" => true,
        "" | "Equal" => {
            toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
        }
        _ => false,
    }
}

/// `GetMatchingTolerations`: whether every taint is tolerated, and the first toleration that
/// tolerates each taint.
pub fn matching_tolerations(
    taints: &[Taint],
    tolerations: &[Toleration],
) -> (bool, Vec<Toleration>) {
    if taints.is_empty() {
        return (true, vec![]);
    }
    let mut used = Vec::new();
    for t in taints {
        match tolerations.iter().find(|tol| tolerates(tol, t)) {
            Some(tol) => used.push(tol.clone()),
            None => return (false, vec![]),
        }
    }
    (true, used)
}

/// How long a set of matching tolerations lets a pod stay (`getMinTolerationTime`):
/// `None` for ever, `Some(0)` at once, else the smallest `tolerationSeconds`.
pub fn min_toleration_seconds(tolerations: &[Toleration]) -> Option<u64> {
    if tolerations.is_empty() {
        return Some(0);
    }
    let mut min: Option<u64> = None;
    for t in tolerations {
        if let Some(s) = t.toleration_seconds {
            if s <= 0 {
                return Some(0);
            }
            let s = s as u64;
            min = Some(min.map_or(s, |m| m.min(s)));
        }
    }
    min
}

/// The node condition of `type_`, if reported.
pub fn node_condition<'a>(node: &'a Node, type_: &str) -> Option<&'a NodeCondition> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// `IsNodeReady`: the Ready condition is True.
pub fn is_node_ready(node: &Node) -> bool {
    node_condition(node, "Ready").is_some_and(|c| c.status == "True")
}

/// The pod condition of `type_`, if present.
pub fn pod_condition<'a>(pod: &'a Pod, type_: &str) -> Option<&'a PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
}

/// `IsPodReady`: the Ready condition is True.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod_condition(pod, "Ready").is_some_and(|c| c.status == "True")
}

/// The pod's phase ("" when unset).
pub fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// The node a pod is bound to ("" when unscheduled).
pub fn pod_node_name(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

/// `UpdatePodCondition`: sets `cond` in `status`, keeping the old transition time when the
/// status did not change; the transition time is `now` otherwise. Returns true when anything
/// changed.
pub fn update_pod_condition(status: &mut PodStatus, mut cond: PodCondition, now: &Time) -> bool {
    cond.last_transition_time = Some(now.clone());
    let conditions = status.conditions.get_or_insert_with(Vec::new);
    match conditions.iter_mut().find(|c| c.type_ == cond.type_) {
        None => {
            conditions.push(cond);
            true
        }
        Some(old) => {
            if old.status == cond.status {
                cond.last_transition_time = old.last_transition_time.clone();
            }
            let equal = old.status == cond.status
                && old.reason == cond.reason
                && old.message == cond.message
                && old.last_probe_time == cond.last_probe_time
                && old.last_transition_time == cond.last_transition_time;
            *old = cond;
            !equal
        }
    }
}

/// A `True` pod condition with a reason and message (the DisruptionTarget conditions).
pub fn pod_condition_true(type_: &str, reason: &str, message: &str) -> PodCondition {
    PodCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        ..Default::default()
    }
}

/// The pods bound to `node`, in key order.
pub fn pods_on_node(api: &ApiServer, node: &str) -> Vec<Arc<Object>> {
    api.iter_kind(Kind::Pod, None)
        .filter(|o| match &***o {
            Object::Pod(p) => pod_node_name(p) == node,
            _ => false,
        })
        .cloned()
        .collect()
}

/// The Node named `name`, if it exists.
pub fn get_node(api: &ApiServer, name: &str) -> Option<Node> {
    match api
        .try_get(&ObjectKey::cluster(Kind::Node, name))
        .map(|o| &**o)
    {
        Some(Object::Node(n)) => Some(n.clone()),
        _ => None,
    }
}

/// The Pod at `key`, if it exists.
pub fn get_pod(api: &ApiServer, key: &ObjectKey) -> Option<Pod> {
    match api.try_get(key).map(|o| &**o) {
        Some(Object::Pod(p)) => Some(p.clone()),
        _ => None,
    }
}

/// A reference-only object for events about `kind`/`name` whose involvedObject carries no
/// resourceVersion (upstream builds an `ObjectReference` by hand for these).
pub fn event_ref(kind: Kind, namespace: &str, name: &str, uid: &str) -> Object {
    let meta = ObjectMeta {
        name: Some(name.to_string()),
        namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
        uid: (!uid.is_empty()).then(|| uid.to_string()),
        ..Default::default()
    };
    match kind {
        Kind::Node => Object::Node(Node {
            metadata: meta,
            ..Default::default()
        }),
        _ => Object::Pod(Pod {
            metadata: meta,
            ..Default::default()
        }),
    }
}

/// The API time of `now`.
pub fn k8s_now(now: SimTime) -> Time {
    now.to_k8s_time()
}

/// Writes `taints` as the node's taint list with a strategic merge patch carrying the
/// resourceVersion it was computed from (`PatchNodeTaints`).
fn patch_node_taints(
    client: &mut (impl Client + ?Sized),
    node: &Node,
    taints: &[Taint],
) -> Result<(), ApiError> {
    let name = node.metadata.name.clone().unwrap_or_default();
    let rv = node.metadata.resource_version.clone().unwrap_or_default();
    let taints = serde_json::to_value(taints).expect("taints serialize");
    let patch = json!({"metadata": {"resourceVersion": rv}, "spec": {"taints": taints}});
    client
        .patch(
            &ObjectKey::cluster(Kind::Node, &name),
            PatchType::Strategic,
            &patch,
            Subresource::None,
        )
        .map(|_| ())
}

/// `AddOrUpdateTaintOnNode`: adds each taint (replacing one with the same key and effect),
/// stamping `timeAdded` with `now` as `SwapNodeControllerTaint` does.
pub fn add_or_update_taints(
    client: &mut (impl Client + ?Sized),
    node_name: &str,
    add: &[Taint],
    now: SimTime,
) -> Result<(), ApiError> {
    if add.is_empty() {
        return Ok(());
    }
    let Some(node) = get_node(client.read(), node_name) else {
        return Err(ApiError::not_found(Kind::Node, node_name));
    };
    let mut taints: Vec<Taint> = node_taints(&node).to_vec();
    let mut updated = false;
    for t in add {
        let mut t = t.clone();
        t.time_added = Some(now.to_k8s_time());
        match taints.iter_mut().find(|x| taint_matches(x, &t)) {
            Some(existing) if *existing == t => {}
            Some(existing) => {
                *existing = t;
                updated = true;
            }
            None => {
                taints.push(t);
                updated = true;
            }
        }
    }
    if !updated {
        return Ok(());
    }
    patch_node_taints(client, &node, &taints)
}

/// `RemoveTaintOffNode`: removes the taints with these keys and effects, if present.
pub fn remove_taints(
    client: &mut (impl Client + ?Sized),
    node_name: &str,
    remove: &[Taint],
) -> Result<(), ApiError> {
    if remove.is_empty() {
        return Ok(());
    }
    let Some(node) = get_node(client.read(), node_name) else {
        return Err(ApiError::not_found(Kind::Node, node_name));
    };
    let current = node_taints(&node);
    if !remove.iter().any(|t| taint_exists(current, t)) {
        return Ok(());
    }
    let kept: Vec<Taint> = current
        .iter()
        .filter(|t| !taint_exists(remove, t))
        .cloned()
        .collect();
    patch_node_taints(client, &node, &kept)
}

/// `SwapNodeControllerTaint`: adds then removes; true when both writes succeeded.
pub fn swap_node_controller_taint(
    client: &mut (impl Client + ?Sized),
    node_name: &str,
    add: &[Taint],
    remove: &[Taint],
    now: SimTime,
) -> bool {
    add_or_update_taints(client, node_name, add, now).is_ok()
        && remove_taints(client, node_name, remove).is_ok()
}

/// Writes a pod's new status with a strategic merge patch guarded by the pod's uid
/// (`PatchPodStatus`): phase and conditions only, the fields the controllers change.
pub fn patch_pod_status(
    client: &mut (impl Client + ?Sized),
    pod: &Pod,
    status: &PodStatus,
) -> Result<(), ApiError> {
    let key = ObjectKey::new(
        Kind::Pod,
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    );
    let mut st = serde_json::Map::new();
    if let Some(phase) = &status.phase {
        st.insert("phase".into(), json!(phase));
    }
    if let Some(conditions) = &status.conditions {
        st.insert(
            "conditions".into(),
            serde_json::to_value(conditions).expect("conditions serialize"),
        );
    }
    let patch = json!({"metadata": {"uid": pod.metadata.uid.clone().unwrap_or_default()},
                       "status": st});
    client
        .patch(&key, PatchType::Strategic, &patch, Subresource::Status)
        .map(|_| ())
}

/// The key of a pod object.
pub fn pod_key(pod: &Pod) -> ObjectKey {
    ObjectKey::new(
        Kind::Pod,
        pod.metadata.namespace.clone().unwrap_or_default(),
        pod.metadata.name.clone().unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tol(key: &str, op: &str, effect: &str, secs: Option<i64>) -> Toleration {
        Toleration {
            key: (!key.is_empty()).then(|| key.to_string()),
            operator: Some(op.to_string()),
            effect: (!effect.is_empty()).then(|| effect.to_string()),
            toleration_seconds: secs,
            value: None,
        }
    }

    #[test]
    fn the_admission_default_tolerations_tolerate_unreachable_for_300_seconds() {
        let taints = [taint(TAINT_UNREACHABLE, NO_EXECUTE)];
        let tolerations = [
            tol(TAINT_NOT_READY, "Exists", NO_EXECUTE, Some(300)),
            tol(TAINT_UNREACHABLE, "Exists", NO_EXECUTE, Some(300)),
        ];
        let (all, used) = matching_tolerations(&taints, &tolerations);
        assert!(all);
        assert_eq!(used, vec![tolerations[1].clone()]);
        assert_eq!(min_toleration_seconds(&used), Some(300));
    }

    #[test]
    fn an_untolerated_taint_or_a_forever_toleration_is_told_apart() {
        let taints = [taint("dedicated", NO_EXECUTE)];
        assert_eq!(
            matching_tolerations(&taints, &[tol(TAINT_UNREACHABLE, "Exists", "", None)]),
            (false, vec![])
        );
        let forever = [tol("", "Exists", "", None)];
        let (all, used) = matching_tolerations(&taints, &forever);
        assert!(all);
        assert_eq!(min_toleration_seconds(&used), None);
        assert_eq!(
            min_toleration_seconds(&[tol("", "Exists", "", Some(-5))]),
            Some(0)
        );
    }

    #[test]
    fn equal_tolerations_compare_values() {
        let mut t = taint("dedicated", NO_SCHEDULE);
        t.value = Some("db".into());
        let mut ok = tol("dedicated", "Equal", NO_SCHEDULE, None);
        ok.value = Some("db".into());
        assert!(tolerates(&ok, &t));
        ok.value = Some("web".into());
        assert!(!tolerates(&ok, &t));
        assert!(!tolerates(
            &tol("dedicated", "Exists", NO_EXECUTE, None),
            &t
        ));
    }

    #[test]
    fn updating_a_pod_condition_keeps_the_transition_time_when_status_is_unchanged() {
        let t0 = SimTime::ZERO.to_k8s_time();
        let t1 = SimTime::from_ms(5000).to_k8s_time();
        let mut st = PodStatus::default();
        let ready = PodCondition {
            type_: "Ready".into(),
            status: "True".into(),
            ..Default::default()
        };
        assert!(update_pod_condition(&mut st, ready.clone(), &t0));
        assert!(!update_pod_condition(&mut st, ready.clone(), &t1));
        let mut not_ready = ready;
        not_ready.status = "False".into();
        assert!(update_pod_condition(&mut st, not_ready, &t1));
        let c = &st.conditions.unwrap()[0];
        assert_eq!(c.status, "False");
        assert_eq!(c.last_transition_time, Some(t1));
    }
}
