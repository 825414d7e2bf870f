//! Volume expansion (`spec/storage-scheduling-kubelet.md` P33–P35), in three parts as in a
//! real cluster:
//!
//! - [`ExpandController`], kube-controller-manager's expand controller (`volume_expand`):
//!   in v1.35 no in-tree plugin expands anything, so for a bound claim whose request grew it
//!   only reports `ExternalExpanding` "waiting for an external controller to expand this PVC";
//! - [`ResizeController`], a CSI driver's external-resizer: marks the claim `Resizing`
//!   (`allocatedResourceStatuses: ControllerResizeInProgress`), expands the disk (profile
//!   latency), raises the PV's capacity, then leaves the claim `FileSystemResizePending`
//!   (`NodeResizePending`) for the node;
//! - [`NodeExpander`], the kubelet's part: when a scheduled pod uses the claim, the file system
//!   is grown online and `status.capacity` finally shows the new size.
//!
//! Whether a claim may grow at all is admission's decision (the PersistentVolumeClaimResize
//! plugin: bound claims of classes with `allowVolumeExpansion: true`); the resizer also
//! refuses classes that do not allow it, so a claim that slipped past admission stays as it
//! is. local-path and hostPath volumes have no resizer: their claims only get the
//! `ExternalExpanding` event.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PersistentVolumeClaimCondition;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::index::PodsByClaim;
use super::provisioner::CsiDriver;
use super::util::{
    as_claim, as_pod, as_volume, backoff, claim_class, claim_phase, claim_ref, claim_request,
    claim_status_capacity, claim_volume_name, is_pod_terminated, merge_resize_conditions,
    pod_claim_names, pod_node, storage_class, volume_capacity,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// The profile key of a CSI driver's controller-side expansion.
pub const CONTROLLER_EXPAND_KEY: &str = "resizer.csi.controller-expand";
/// The profile key of the kubelet's file system expansion.
pub const NODE_EXPAND_KEY: &str = "volume.node-expand";

const RETRY_BASE: SimDuration = SimDuration::from_ms(5);
const RETRY_MAX: SimDuration = SimDuration::from_secs(1000);

/// `status.allocatedResourceStatuses.storage` of a claim.
fn resize_status(claim: &Object) -> Option<&str> {
    as_claim(claim)
        .and_then(|c| c.status.as_ref())
        .and_then(|s| s.allocated_resource_statuses.as_ref())
        .and_then(|m| m.get("storage"))
        .map(String::as_str)
}

fn has_condition(claim: &Object, type_: &str) -> bool {
    as_claim(claim)
        .and_then(|c| c.status.as_ref())
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == type_ && c.status == "True"))
}

/// A bound claim whose request exceeds its capacity, and the volume it is bound to (when
/// the volume's claimRef really points back at it).
fn claim_needing_resize(api: &ApiServer, key: &ObjectKey) -> Option<(Object, Object)> {
    let claim = api.try_get(key)?;
    if claim_phase(claim) != "Bound" || claim_volume_name(claim).is_empty() {
        return None;
    }
    if !claim_request(claim)
        .cmp_value(&claim_status_capacity(claim))
        .is_gt()
    {
        return None;
    }
    let volume = api.try_get(&ObjectKey::cluster(
        Kind::PersistentVolume,
        claim_volume_name(claim),
    ))?;
    let bound_here = claim_ref(volume).is_some_and(|r| {
        r.namespace.as_deref() == Some(claim.namespace()) && r.uid.as_deref() == Some(claim.uid())
    });
    bound_here.then(|| ((**claim).clone(), (**volume).clone()))
}

/// The storage request of a claim, as written.
fn request_quantity(claim: &Object) -> K8sQuantity {
    as_claim(claim)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.resources.as_ref())
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"))
        .cloned()
        .unwrap_or_else(|| K8sQuantity("0".into()))
}

fn condition(type_: &str, message: Option<&str>, now: SimTime) -> PersistentVolumeClaimCondition {
    PersistentVolumeClaimCondition {
        type_: type_.to_string(),
        status: "True".into(),
        last_transition_time: Some(now.to_k8s_time()),
        message: message.map(str::to_string),
        ..Default::default()
    }
}

/// kube-controller-manager's expand controller.
#[derive(Debug, Default)]
pub struct ExpandController;

impl Controller for ExpandController {
    fn name(&self) -> &'static str {
        "persistentvolume-expander-controller"
    }

    /// A bound claim when it appears, or when its request or capacity grows.
    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        if obj.kind() != Kind::PersistentVolumeClaim || claim_phase(obj) != "Bound" {
            return vec![];
        }
        let grew = match (&event.event_type, &event.old) {
            (WatchEventType::Added, _) => true,
            (WatchEventType::Modified, Some(old)) => {
                claim_request(obj).cmp_value(&claim_request(old)).is_gt()
                    || claim_status_capacity(obj)
                        .cmp_value(&claim_status_capacity(old))
                        .is_gt()
            }
            _ => false,
        };
        if grew { vec![obj.key()] } else { vec![] }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some((claim, _volume)) = claim_needing_resize(cx.read(), key) else {
            return Requeue::No;
        };
        // No in-tree plugin can expand a volume in v1.35: CSI drivers do it themselves.
        cx.record_event(
            &EventSource::component("volume_expand"),
            &claim,
            "Normal",
            "ExternalExpanding",
            "waiting for an external controller to expand this PVC",
        );
        Requeue::No
    }
}

/// The external-resizer of CSI drivers, keyed by claim.
#[derive(Debug)]
pub struct ResizeController {
    drivers: Vec<&'static CsiDriver>,
    ops: BTreeMap<ObjectKey, SimTime>,
    failures: BTreeMap<ObjectKey, u32>,
}

impl ResizeController {
    /// A resizer serving the volumes of `drivers`.
    pub fn new(drivers: Vec<&'static CsiDriver>) -> Self {
        ResizeController {
            drivers,
            ops: BTreeMap::new(),
            failures: BTreeMap::new(),
        }
    }

    fn retry(&mut self, key: &ObjectKey) -> Requeue {
        let n = self.failures.entry(key.clone()).or_insert(0);
        *n += 1;
        Requeue::After(backoff(*n, RETRY_BASE, RETRY_MAX))
    }

    /// Controller-side expansion done: the PV grows, the claim waits for the node.
    fn finish(
        &mut self,
        key: &ObjectKey,
        claim: Object,
        volume: Object,
        source: &EventSource,
        cx: &mut Cx<'_>,
    ) -> Requeue {
        let new_size = as_claim(&claim)
            .and_then(|c| c.status.as_ref())
            .and_then(|s| s.allocated_resources.as_ref())
            .and_then(|m| m.get("storage"))
            .cloned()
            .unwrap_or_else(|| request_quantity(&claim));
        let mut grown = volume.clone();
        if let Object::PersistentVolume(v) = &mut grown {
            v.spec
                .get_or_insert_with(Default::default)
                .capacity
                .get_or_insert_with(Default::default)
                .insert("storage".into(), new_size);
        }
        if volume_capacity(&grown)
            .cmp_value(&volume_capacity(&volume))
            .is_ne()
            && cx.update(grown).is_err()
        {
            return self.retry(key);
        }
        let mut updated = claim.clone();
        if let Object::PersistentVolumeClaim(c) = &mut updated {
            let status = c.status.get_or_insert_with(Default::default);
            status.conditions = merge_resize_conditions(
                status.conditions.as_ref(),
                vec![condition(
                    "FileSystemResizePending",
                    Some(
                        "Waiting for user to (re-)start a pod to finish file system resize of volume on node.",
                    ),
                    cx.now,
                )],
            );
            status
                .allocated_resource_statuses
                .get_or_insert_with(Default::default)
                .insert("storage".into(), "NodeResizePending".into());
        }
        match cx.update_status(updated) {
            Ok(stored) => {
                self.ops.remove(key);
                self.failures.remove(key);
                cx.record_event(
                    source,
                    &stored,
                    "Normal",
                    "FileSystemResizeRequired",
                    "Require file system resize of volume on node",
                );
                Requeue::No
            }
            Err(_) => self.retry(key),
        }
    }
}

impl Controller for ResizeController {
    fn name(&self) -> &'static str {
        "csi-resizer"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        if obj.kind() != Kind::PersistentVolumeClaim {
            return vec![];
        }
        let key = obj.key();
        let wanted = event.event_type != WatchEventType::Deleted
            && claim_phase(obj) == "Bound"
            && claim_request(obj)
                .cmp_value(&claim_status_capacity(obj))
                .is_gt();
        if wanted || self.ops.contains_key(&key) {
            vec![key]
        } else {
            vec![]
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some((claim, volume)) = claim_needing_resize(cx.read(), key) else {
            self.ops.remove(key);
            self.failures.remove(key);
            return Requeue::No;
        };
        let driver = as_volume(&volume)
            .and_then(|v| v.spec.as_ref())
            .and_then(|s| s.csi.as_ref())
            .and_then(|c| self.drivers.iter().find(|d| d.name == c.driver).copied());
        let Some(driver) = driver else {
            return Requeue::No;
        };
        let allowed = storage_class(cx.read(), &claim_class(&claim))
            .is_some_and(|sc| sc.allow_volume_expansion == Some(true));
        if !allowed {
            return Requeue::No;
        }
        let source = EventSource::component(&format!("external-resizer {}", driver.name));
        if let Some(due) = self.ops.get(key).copied() {
            if cx.now < due {
                return Requeue::After(due - cx.now);
            }
            return self.finish(key, claim, volume, &source, cx);
        }
        // The volume already grew and waits for the node: nothing for the controller.
        if volume_capacity(&volume)
            .cmp_value(&claim_request(&claim))
            .is_ge()
            && has_condition(&claim, "FileSystemResizePending")
        {
            return Requeue::No;
        }
        let mut updated = claim.clone();
        if let Object::PersistentVolumeClaim(c) = &mut updated {
            let request = request_quantity(&claim);
            let status = c.status.get_or_insert_with(Default::default);
            status.conditions = merge_resize_conditions(
                status.conditions.as_ref(),
                vec![condition("Resizing", None, cx.now)],
            );
            status
                .allocated_resource_statuses
                .get_or_insert_with(Default::default)
                .insert("storage".into(), "ControllerResizeInProgress".into());
            status
                .allocated_resources
                .get_or_insert_with(Default::default)
                .insert("storage".into(), request);
        }
        let stored = match cx.update_status(updated) {
            Ok(s) => s,
            Err(_) => return self.retry(key),
        };
        let msg = format!("External resizer is resizing volume {}", volume.name());
        cx.record_event(&source, &stored, "Normal", "Resizing", &msg);
        let latency = cx.profile.get(CONTROLLER_EXPAND_KEY);
        self.ops.insert(key.clone(), cx.now + latency);
        Requeue::After(latency)
    }
}

/// The kubelet's node-side expansion (`NodeExpandVolume` during mount or online), keyed by
/// claim.
#[derive(Debug, Default)]
pub struct NodeExpander {
    pods: PodsByClaim,
    ops: BTreeMap<ObjectKey, SimTime>,
    failures: BTreeMap<ObjectKey, u32>,
}

impl NodeExpander {
    /// An expander with nothing in progress.
    pub fn new() -> Self {
        Self::default()
    }

    fn retry(&mut self, key: &ObjectKey) -> Requeue {
        let n = self.failures.entry(key.clone()).or_insert(0);
        *n += 1;
        Requeue::After(backoff(*n, RETRY_BASE, RETRY_MAX))
    }
}

fn waits_for_node(claim: &Object) -> bool {
    matches!(
        resize_status(claim),
        Some("NodeResizePending") | Some("NodeResizeInProgress")
    )
}

impl Controller for NodeExpander {
    fn name(&self) -> &'static str {
        "kubelet-volume-expander"
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        if event.event_type == WatchEventType::Deleted {
            return vec![];
        }
        let obj = &event.object;
        match obj.kind() {
            Kind::PersistentVolumeClaim if waits_for_node(obj) => vec![obj.key()],
            Kind::Pod => {
                let Some(pod) = as_pod(obj) else {
                    return vec![];
                };
                if pod_node(pod).is_empty() {
                    return vec![];
                }
                pod_claim_names(pod)
                    .into_iter()
                    .map(|n| ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), n))
                    .filter(|k| api.try_get(k).is_some_and(|c| waits_for_node(c)))
                    .collect()
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        self.pods.catch_up(cx.read(), cx.now, SimDuration::ZERO);
        let Some(claim) = cx.read().try_get(key).cloned() else {
            self.ops.remove(key);
            return Requeue::No;
        };
        let volume_key = ObjectKey::cluster(Kind::PersistentVolume, claim_volume_name(&claim));
        let volume = cx.read().try_get(&volume_key).cloned();
        let (true, Some(volume)) = (waits_for_node(&claim), volume) else {
            self.ops.remove(key);
            return Requeue::No;
        };
        // A pod on a running node mounts the volume: its kubelet grows the file system.
        let mut users: Vec<Object> = self
            .pods
            .pods_for(key)
            .filter_map(|p| cx.read().try_get(&p.key()).map(|o| (**o).clone()))
            .filter(|o| {
                as_pod(o).is_some_and(|p| {
                    !pod_node(p).is_empty()
                        && !is_pod_terminated(p)
                        && cx.env().is_node_up(pod_node(p))
                })
            })
            .collect();
        users.sort_by(|a, b| a.name().cmp(b.name()));
        let Some(pod) = users.into_iter().next() else {
            self.ops.remove(key);
            return Requeue::No;
        };
        let node = as_pod(&pod).map(pod_node).unwrap_or("").to_string();
        if let Some(due) = self.ops.get(key).copied() {
            if cx.now < due {
                return Requeue::After(due - cx.now);
            }
            let new_size = as_volume(&volume)
                .and_then(|v| v.spec.as_ref())
                .and_then(|s| s.capacity.as_ref())
                .and_then(|m| m.get("storage"))
                .cloned();
            let mut updated = (*claim).clone();
            if let Object::PersistentVolumeClaim(c) = &mut updated {
                let status = c.status.get_or_insert_with(Default::default);
                if let Some(size) = new_size {
                    status
                        .capacity
                        .get_or_insert_with(Default::default)
                        .insert("storage".into(), size);
                }
                status.conditions = merge_resize_conditions(status.conditions.as_ref(), vec![]);
                if let Some(m) = status.allocated_resource_statuses.as_mut() {
                    m.remove("storage");
                    if m.is_empty() {
                        status.allocated_resource_statuses = None;
                    }
                }
            }
            let stored = match cx.update_status(updated) {
                Ok(s) => s,
                Err(_) => return self.retry(key),
            };
            self.ops.remove(key);
            self.failures.remove(key);
            let source = EventSource {
                component: "kubelet".into(),
                host: Some(node.clone()),
            };
            let msg = format!(
                "MountVolume.NodeExpandVolume succeeded for volume \"{}\" {node}",
                volume.name()
            );
            cx.record_event(&source, &pod, "Normal", "FileSystemResizeSuccessful", &msg);
            cx.record_event(
                &source,
                &stored,
                "Normal",
                "FileSystemResizeSuccessful",
                &msg,
            );
            return Requeue::No;
        }
        if resize_status(&claim) != Some("NodeResizeInProgress") {
            let mut updated = (*claim).clone();
            if let Object::PersistentVolumeClaim(c) = &mut updated {
                c.status
                    .get_or_insert_with(Default::default)
                    .allocated_resource_statuses
                    .get_or_insert_with(Default::default)
                    .insert("storage".into(), "NodeResizeInProgress".into());
            }
            if cx.update_status(updated).is_err() {
                return self.retry(key);
            }
        }
        let latency = cx.profile.get(NODE_EXPAND_KEY);
        self.ops.insert(key.clone(), cx.now + latency);
        Requeue::After(latency)
    }
}
