//! External provisioners, as `sig-storage-lib-external-provisioner` (and the CSI
//! external-provisioner built on it) runs them: a claim annotated for this provisioner is
//! provisioned (for WaitForFirstConsumer classes only once the scheduler has picked a node),
//! a Released volume with policy Delete is deleted. See `spec/storage-scheduling-kubelet.md`
//! P18–P20 and P29.
//!
//! One [`ExternalProvisioner`] stands for one provisioner deployment:
//! - `rancher.io/local-path` (kind's default class): `hostPath` volumes under
//!   `/var/local-path-provisioner/pvc-<uid>_<namespace>_<claim>` on the selected node, with a
//!   node affinity pinning the volume (and every later pod using it) to that node;
//! - `k8s.io/minikube-hostpath`: `hostPath` volumes under
//!   `/tmp/hostpath-provisioner/<namespace>/<claim>`, no node affinity;
//! - zonal CSI drivers ([`EBS_CSI`], [`GCE_PD_CSI`]): one disk in the selected node's zone,
//!   with the driver's topology in the node affinity and the external-provisioner finalizer.
//!
//! Provisioning takes the profile's latency (the local-path helper pod, a cloud API call);
//! the `Provisioning` event comes when the work starts and `ProvisioningSucceeded` when the
//! PersistentVolume is created. A provisioner that is not added to the simulation does not
//! exist, which is how a claim waits forever on a class whose provisioner is not running.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, HostPathVolumeSource, NodeSelector, NodeSelectorRequirement,
    NodeSelectorTerm, PersistentVolume, PersistentVolumeSpec, VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::util::{
    add_finalizer, annotation, as_claim, as_volume, backoff, claim_access_modes, claim_class,
    claim_reference, claim_request, claim_volume_name, class_is_wait_for_first_consumer,
    reclaim_policy, remove_annotation, remove_finalizer, storage_class, volume_phase,
};
use super::{
    ANN_BETA_STORAGE_PROVISIONER, ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE,
    ANN_STORAGE_PROVISIONER,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, DeleteOptions, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimRng, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// The finalizer the CSI external-provisioner puts on the volumes it provisions, so that a
/// volume deleted before its claim still has its disk deleted (HonorPVReclaimPolicy).
pub const FINALIZER_EXTERNAL_PROVISIONER: &str =
    "external-provisioner.volume.kubernetes.io/finalizer";
/// The annotation local-path puts on its volumes: the node holding the directory.
pub const ANN_LOCAL_PATH_SELECTED_NODE: &str = "local.path.provisioner/selected-node";
/// Where kind's local-path provisioner keeps volumes on a node.
pub const LOCAL_PATH_BASE: &str = "/var/local-path-provisioner";
/// The well-known zone label of nodes.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// Interval between attempts to store a provisioned volume (`createProvisionedPVInterval`).
const CREATE_RETRY_INTERVAL: SimDuration = SimDuration::from_secs(10);
/// The claim queue's rate limiter: 15 s doubling to 1000 s.
const FAILURE_BACKOFF_BASE: SimDuration = SimDuration::from_secs(15);
const FAILURE_BACKOFF_MAX: SimDuration = SimDuration::from_secs(1000);

/// A zonal CSI driver with a controller service (provisioning, deletion, expansion).
#[derive(Debug, PartialEq, Eq)]
pub struct CsiDriver {
    /// The driver (and provisioner) name: `ebs.csi.aws.com`.
    pub name: &'static str,
    /// The simulation's controller name for its provisioner.
    pub controller_name: &'static str,
    /// The controller Deployment whose pod name appears in event sources.
    pub controller_deployment: &'static str,
    /// The node label key its volumes' node affinity uses.
    pub topology_key: &'static str,
    /// True when the volume handle is `vol-<hex>` (EBS); else a GCE disk path.
    pub ebs_style_handle: bool,
}

/// The AWS EBS CSI driver.
pub const EBS_CSI: CsiDriver = CsiDriver {
    name: "ebs.csi.aws.com",
    controller_name: "ebs-csi-provisioner",
    controller_deployment: "ebs-csi-controller",
    topology_key: ZONE_LABEL,
    ebs_style_handle: true,
};

/// The GCE Persistent Disk CSI driver.
pub const GCE_PD_CSI: CsiDriver = CsiDriver {
    name: "pd.csi.storage.gke.io",
    controller_name: "gce-pd-csi-provisioner",
    controller_deployment: "csi-gce-pd-controller",
    topology_key: "topology.gke.io/zone",
    ebs_style_handle: false,
};

/// The zonal CSI drivers stsim models, by driver name.
pub fn csi_driver(name: &str) -> Option<&'static CsiDriver> {
    [&EBS_CSI, &GCE_PD_CSI].into_iter().find(|d| d.name == name)
}

/// Which provisioner a controller plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvisionerKind {
    /// `rancher.io/local-path`, kind's default.
    LocalPath,
    /// `k8s.io/minikube-hostpath`, minikube's default.
    MinikubeHostPath,
    /// A CSI driver's external-provisioner.
    Csi(&'static CsiDriver),
}

impl ProvisionerKind {
    /// The provisioner name classes use.
    pub fn provisioner_name(self) -> &'static str {
        match self {
            ProvisionerKind::LocalPath => "rancher.io/local-path",
            ProvisionerKind::MinikubeHostPath => "k8s.io/minikube-hostpath",
            ProvisionerKind::Csi(d) => d.name,
        }
    }

    fn controller_name(self) -> &'static str {
        match self {
            ProvisionerKind::LocalPath => "local-path-provisioner",
            ProvisionerKind::MinikubeHostPath => "minikube-hostpath-provisioner",
            ProvisionerKind::Csi(d) => d.controller_name,
        }
    }

    /// Profile keys of the provisioning and deletion latencies.
    fn latency_keys(self) -> (&'static str, &'static str) {
        match self {
            ProvisionerKind::LocalPath => (
                "provisioner.local-path.provision",
                "provisioner.local-path.delete",
            ),
            ProvisionerKind::MinikubeHostPath => (
                "provisioner.hostpath.provision",
                "provisioner.hostpath.delete",
            ),
            ProvisionerKind::Csi(_) => ("provisioner.csi.provision", "provisioner.csi.delete"),
        }
    }

    /// True when the provisioner keeps its own finalizer on its volumes.
    fn adds_finalizer(self) -> bool {
        matches!(self, ProvisionerKind::Csi(_))
    }

    fn supports_block(self) -> bool {
        matches!(self, ProvisionerKind::Csi(_))
    }

    /// The `source.component` of its events: `<provisioner>_<host>_<uuid>`.
    fn identity(self, rng: &mut SimRng) -> String {
        let host = match self {
            ProvisionerKind::LocalPath => format!(
                "local-path-provisioner-{}-{}",
                rng.name_suffix(10),
                rng.name_suffix(5)
            ),
            ProvisionerKind::MinikubeHostPath => "minikube".to_string(),
            ProvisionerKind::Csi(d) => format!(
                "{}-{}-{}",
                d.controller_deployment,
                rng.name_suffix(10),
                rng.name_suffix(5)
            ),
        };
        format!("{}_{}_{}", self.provisioner_name(), host, rng.uuid())
    }
}

/// A provisioning started and not finished.
#[derive(Debug)]
struct Provision {
    /// When the backing storage is ready (or the next attempt to store the volume is due).
    due: SimTime,
    /// The claim as it was when provisioning started.
    claim: Arc<Object>,
    /// The PersistentVolume to create.
    volume: Object,
}

/// One external provisioner, keyed by claim (provisioning) or volume (deletion).
#[derive(Debug)]
pub struct ExternalProvisioner {
    kind: ProvisionerKind,
    source: Option<EventSource>,
    /// `storage.kubernetes.io/csiProvisionerIdentity` of CSI volumes.
    csi_identity: String,
    provisions: BTreeMap<ObjectKey, Provision>,
    deletions: BTreeMap<String, SimTime>,
    failures: BTreeMap<ObjectKey, u32>,
}

impl ExternalProvisioner {
    /// A provisioner of `kind`, with nothing in progress.
    pub fn new(kind: ProvisionerKind) -> Self {
        ExternalProvisioner {
            kind,
            source: None,
            csi_identity: String::new(),
            provisions: BTreeMap::new(),
            deletions: BTreeMap::new(),
            failures: BTreeMap::new(),
        }
    }

    fn name(&self) -> &'static str {
        self.kind.provisioner_name()
    }

    fn source(&mut self, cx: &mut Cx<'_>) -> EventSource {
        if self.source.is_none() {
            self.source = Some(EventSource::component(&self.kind.identity(cx.rng)));
            let started_ms =
                u64::try_from(cx.now.unix_seconds()).unwrap_or(0) * 1000 + cx.now.as_ms() % 1000;
            self.csi_identity = format!(
                "{started_ms}-{}-{}",
                cx.rng.between(1000, 9999),
                self.name()
            );
        }
        self.source.clone().expect("set above")
    }

    fn event(&mut self, cx: &mut Cx<'_>, obj: &Object, type_: &str, reason: &str, msg: &str) {
        let source = self.source(cx);
        cx.record_event(&source, obj, type_, reason, msg);
    }

    /// True when the claim is annotated for this provisioner.
    fn is_annotated_for_us(&self, claim: &Object) -> bool {
        let named = annotation(claim, ANN_STORAGE_PROVISIONER)
            .or_else(|| annotation(claim, ANN_BETA_STORAGE_PROVISIONER));
        named == Some(self.name())
    }

    /// True when this provisioner owns the volume (`isProvisionerForVolume`).
    fn is_ours(&self, volume: &Object) -> bool {
        match annotation(volume, ANN_DYNAMICALLY_PROVISIONED) {
            Some(p) => p == self.name(),
            None => as_volume(volume)
                .and_then(|v| v.spec.as_ref())
                .and_then(|s| s.csi.as_ref())
                .is_some_and(|c| c.driver == self.name()),
        }
    }

    fn fail_backoff(&mut self, key: &ObjectKey) -> Requeue {
        let n = self.failures.entry(key.clone()).or_insert(0);
        *n += 1;
        Requeue::After(backoff(*n, FAILURE_BACKOFF_BASE, FAILURE_BACKOFF_MAX))
    }

    // ----- provisioning -----

    fn sync_claim(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if let Some(op) = self.provisions.get(key) {
            if cx.now < op.due {
                return Requeue::After(op.due - cx.now);
            }
            return self.finish_provision(key, cx);
        }
        let Some(claim) = cx.read().try_get(key).cloned() else {
            self.failures.remove(key);
            return Requeue::No;
        };
        // `shouldProvision`.
        if !claim_volume_name(&claim).is_empty() || !self.is_annotated_for_us(&claim) {
            return Requeue::No;
        }
        let class_name = claim_class(&claim);
        let Some(class) = storage_class(cx.read(), &class_name).cloned() else {
            // The class may come back; retried without an event.
            return self.fail_backoff(key);
        };
        let selected = annotation(&claim, ANN_SELECTED_NODE)
            .unwrap_or("")
            .to_string();
        if class_is_wait_for_first_consumer(&class) && selected.is_empty() {
            return Requeue::No;
        }
        let volume_name = format!("pvc-{}", claim.uid());
        if cx
            .read()
            .try_get(&ObjectKey::cluster(Kind::PersistentVolume, &volume_name))
            .is_some()
        {
            return Requeue::No;
        }
        if class.provisioner != self.name() {
            return Requeue::No;
        }
        // `canProvision`.
        let block = as_claim(&claim)
            .and_then(|c| c.spec.as_ref())
            .and_then(|s| s.volume_mode.as_deref())
            == Some("Block");
        if block && !self.kind.supports_block() {
            let msg = format!("{} does not support block volume provisioning", self.name());
            self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
            return Requeue::No;
        }
        let node = if selected.is_empty() {
            None
        } else {
            match cx
                .read()
                .try_get(&ObjectKey::cluster(Kind::Node, &selected))
                .cloned()
            {
                Some(n) => Some(n),
                None => {
                    // Reschedule: drop the scheduler's choice so it picks another node.
                    let msg = format!("nodes \"{selected}\" not found");
                    self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
                    let mut updated = (*claim).clone();
                    remove_annotation(&mut updated, ANN_SELECTED_NODE);
                    return match cx.update(updated) {
                        Ok(_) => Requeue::No,
                        Err(_) => self.fail_backoff(key),
                    };
                }
            }
        };
        let msg = format!(
            "External provisioner is provisioning volume for claim \"{}/{}\"",
            claim.namespace(),
            claim.name()
        );
        self.event(cx, &claim, "Normal", "Provisioning", &msg);
        match self.prepare_volume(cx, &claim, &class, node.as_deref(), &volume_name) {
            Ok(volume) => {
                let latency = cx.profile.get(self.kind.latency_keys().0);
                self.provisions.insert(
                    key.clone(),
                    Provision {
                        due: cx.now + latency,
                        claim,
                        volume,
                    },
                );
                Requeue::After(latency)
            }
            Err(why) => {
                let msg =
                    format!("failed to provision volume with StorageClass \"{class_name}\": {why}");
                self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
                // The CSI provisioner gives a node it cannot serve back to the scheduler.
                if matches!(self.kind, ProvisionerKind::Csi(_)) && !selected.is_empty() {
                    let mut updated = (*claim).clone();
                    remove_annotation(&mut updated, ANN_SELECTED_NODE);
                    if cx.update(updated).is_ok() {
                        return Requeue::No;
                    }
                }
                self.fail_backoff(key)
            }
        }
    }

    /// Stores the provisioned volume; a failed create is retried, not re-provisioned.
    fn finish_provision(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some(op) = self.provisions.get_mut(key) else {
            return Requeue::No;
        };
        let volume = op.volume.clone();
        let volume_name = volume.name().to_string();
        match cx.create(volume) {
            Err(e) if !e.is_already_exists() => {
                op.due = cx.now + CREATE_RETRY_INTERVAL;
                Requeue::After(CREATE_RETRY_INTERVAL)
            }
            _ => {
                let op = self.provisions.remove(key).expect("present above");
                self.failures.remove(key);
                let msg = format!("Successfully provisioned volume {volume_name}");
                self.event(cx, &op.claim, "Normal", "ProvisioningSucceeded", &msg);
                Requeue::No
            }
        }
    }

    /// The provisioner's `Provision`: the volume it would create, or why it cannot.
    fn prepare_volume(
        &mut self,
        cx: &mut Cx<'_>,
        claim: &Object,
        class: &StorageClass,
        node: Option<&Object>,
        volume_name: &str,
    ) -> Result<Object, String> {
        let spec = as_claim(claim)
            .and_then(|c| c.spec.clone())
            .unwrap_or_default();
        let has_selector = spec.selector.is_some();
        let modes = claim_access_modes(claim);
        let request = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .cloned()
            .unwrap_or_else(|| K8sQuantity("0".into()));
        let mut annotations = BTreeMap::new();
        let mut finalizers = None;
        let mut pv_spec = PersistentVolumeSpec {
            access_modes: Some(modes.clone()),
            capacity: Some(BTreeMap::from([("storage".to_string(), request)])),
            claim_ref: Some(claim_reference(claim)),
            mount_options: class.mount_options.clone(),
            persistent_volume_reclaim_policy: Some(
                class
                    .reclaim_policy
                    .clone()
                    .unwrap_or_else(|| "Delete".into()),
            ),
            storage_class_name: Some(claim_class(claim)),
            volume_mode: Some("Filesystem".into()),
            ..Default::default()
        };
        match self.kind {
            ProvisionerKind::LocalPath => {
                if has_selector {
                    return Err("claim.Spec.Selector is not supported".into());
                }
                if modes
                    .iter()
                    .any(|m| m != "ReadWriteOnce" && m != "ReadWriteOncePod")
                {
                    return Err("NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes".into());
                }
                let Some(node) = node else {
                    return Err("configuration error, no node was specified".into());
                };
                let hostname = node
                    .labels()
                    .get("kubernetes.io/hostname")
                    .cloned()
                    .unwrap_or_else(|| node.name().to_string());
                pv_spec.host_path = Some(HostPathVolumeSource {
                    path: format!(
                        "{LOCAL_PATH_BASE}/{volume_name}_{}_{}",
                        claim.namespace(),
                        claim.name()
                    ),
                    type_: Some("DirectoryOrCreate".into()),
                });
                pv_spec.node_affinity = Some(node_affinity("kubernetes.io/hostname", &hostname));
                annotations.insert(
                    ANN_LOCAL_PATH_SELECTED_NODE.to_string(),
                    node.name().to_string(),
                );
            }
            ProvisionerKind::MinikubeHostPath => {
                pv_spec.host_path = Some(HostPathVolumeSource {
                    path: format!(
                        "/tmp/hostpath-provisioner/{}/{}",
                        claim.namespace(),
                        claim.name()
                    ),
                    type_: None,
                });
                annotations.insert(
                    "hostPathProvisionerIdentity".to_string(),
                    "minikube".to_string(),
                );
            }
            ProvisionerKind::Csi(driver) => {
                if has_selector {
                    return Err("claim Selector is not supported".into());
                }
                let zone = csi_zone(cx, driver, class, node)?;
                let gib = gib_rounded_up(&claim_request(claim));
                pv_spec.capacity = Some(BTreeMap::from([(
                    "storage".to_string(),
                    K8sQuantity(format!("{gib}Gi")),
                )]));
                pv_spec.volume_mode = Some(spec.volume_mode.unwrap_or_else(|| "Filesystem".into()));
                let handle = if driver.ebs_style_handle {
                    let hex: String = (0..17)
                        .map(|_| char::from_digit(cx.rng.below(16) as u32, 16).expect("below 16"))
                        .collect();
                    format!("vol-{hex}")
                } else {
                    format!("projects/stsim/zones/{zone}/disks/{volume_name}")
                };
                let fs_type = class
                    .parameters
                    .as_ref()
                    .and_then(|p| p.get("csi.storage.k8s.io/fstype"))
                    .cloned()
                    .unwrap_or_else(|| "ext4".into());
                pv_spec.csi = Some(CSIPersistentVolumeSource {
                    driver: driver.name.to_string(),
                    fs_type: Some(fs_type),
                    volume_attributes: Some(BTreeMap::from([(
                        "storage.kubernetes.io/csiProvisionerIdentity".to_string(),
                        self.csi_identity.clone(),
                    )])),
                    volume_handle: handle,
                    ..Default::default()
                });
                pv_spec.node_affinity = Some(node_affinity(driver.topology_key, &zone));
                for a in [
                    "volume.kubernetes.io/provisioner-deletion-secret-name",
                    "volume.kubernetes.io/provisioner-deletion-secret-namespace",
                ] {
                    annotations.insert(a.to_string(), String::new());
                }
                finalizers = Some(vec![FINALIZER_EXTERNAL_PROVISIONER.to_string()]);
            }
        }
        annotations.insert(
            ANN_DYNAMICALLY_PROVISIONED.to_string(),
            self.name().to_string(),
        );
        Ok(Object::PersistentVolume(PersistentVolume {
            metadata: ObjectMeta {
                name: Some(volume_name.to_string()),
                annotations: Some(annotations),
                finalizers,
                ..Default::default()
            },
            spec: Some(pv_spec),
            status: None,
        }))
    }

    // ----- deletion -----

    /// `shouldDelete`: Released with policy Delete; a deleted volume only while this
    /// provisioner's finalizer still holds it.
    fn should_delete(&self, volume: &Object) -> bool {
        if self.kind.adds_finalizer() {
            if !volume.has_finalizer(FINALIZER_EXTERNAL_PROVISIONER) && volume.is_terminating() {
                return false;
            }
        } else if volume.is_terminating() {
            return false;
        }
        volume_phase(volume) == "Released" && reclaim_policy(volume) == "Delete"
    }

    fn sync_volume(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some(volume) = cx.read().try_get(key).cloned() else {
            self.deletions.remove(&key.name);
            self.failures.remove(key);
            return Requeue::No;
        };
        if !self.is_ours(&volume) {
            return Requeue::No;
        }
        if let Some(due) = self.deletions.get(&key.name).copied() {
            if cx.now < due {
                return Requeue::After(due - cx.now);
            }
            return self.finish_delete(key, volume, cx);
        }
        // `handleProtectionFinalizer`.
        if self.kind.adds_finalizer() {
            let policy = reclaim_policy(&volume);
            let has = volume.has_finalizer(FINALIZER_EXTERNAL_PROVISIONER);
            let mut updated = (*volume).clone();
            let changed = if policy == "Delete"
                && !has
                && !volume.is_terminating()
                && volume_phase(&volume) == "Bound"
            {
                add_finalizer(&mut updated, FINALIZER_EXTERNAL_PROVISIONER);
                true
            } else if (policy == "Retain" || policy == "Recycle") && has {
                remove_finalizer(&mut updated, FINALIZER_EXTERNAL_PROVISIONER);
                true
            } else {
                false
            };
            if changed {
                // The update comes back as an event; the deletion check runs then.
                return match cx.update(updated) {
                    Ok(_) => Requeue::No,
                    Err(_) => self.fail_backoff(key),
                };
            }
        }
        if !self.should_delete(&volume) {
            return Requeue::No;
        }
        let latency = cx.profile.get(self.kind.latency_keys().1);
        self.deletions.insert(key.name.clone(), cx.now + latency);
        Requeue::After(latency)
    }

    /// The storage is gone: delete the PersistentVolume, then drop this provisioner's
    /// finalizer.
    fn finish_delete(&mut self, key: &ObjectKey, volume: Arc<Object>, cx: &mut Cx<'_>) -> Requeue {
        if !self.should_delete(&volume) {
            self.deletions.remove(&key.name);
            return Requeue::No;
        }
        // The storage behind the volume is destroyed: its bytes are gone for good.
        drop_storage(&volume, cx);
        if !volume.is_terminating() && cx.delete(key, &DeleteOptions::default()).is_err() {
            return self.fail_backoff(key);
        }
        if self.kind.adds_finalizer()
            && let Some(current) = cx.read().try_get(key).cloned()
            && current.has_finalizer(FINALIZER_EXTERNAL_PROVISIONER)
        {
            let mut updated = (*current).clone();
            remove_finalizer(&mut updated, FINALIZER_EXTERNAL_PROVISIONER);
            if cx.update(updated).is_err() {
                return self.fail_backoff(key);
            }
        }
        self.deletions.remove(&key.name);
        self.failures.remove(key);
        Requeue::No
    }
}

/// A required node affinity `key In [value]`.
fn node_affinity(key: &str, value: &str) -> VolumeNodeAffinity {
    VolumeNodeAffinity {
        required: Some(NodeSelector {
            node_selector_terms: vec![NodeSelectorTerm {
                match_expressions: Some(vec![NodeSelectorRequirement {
                    key: key.to_string(),
                    operator: "In".into(),
                    values: Some(vec![value.to_string()]),
                }]),
                match_fields: None,
            }],
        }),
    }
}

/// The request in GiB, rounded up, at least 1 (cloud disks come in whole GiB).
fn gib_rounded_up(q: &crate::api::quantity::Quantity) -> i64 {
    const GIB: i64 = 1 << 30;
    let bytes = q.value().max(1);
    (bytes.saturating_add(GIB - 1) / GIB).max(1)
}

/// The zone of a CSI volume: the selected node's, else one the class allows, else one of the
/// nodes' zones, chosen at random (the external-provisioner's "preferred" topology).
fn csi_zone(
    cx: &mut Cx<'_>,
    driver: &CsiDriver,
    class: &StorageClass,
    node: Option<&Object>,
) -> Result<String, String> {
    if let Some(node) = node {
        let labels = node.labels();
        return labels
            .get(driver.topology_key)
            .or_else(|| labels.get(ZONE_LABEL))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "error generating accessibility requirements: no topology key found on CSINode {}",
                    node.name()
                )
            });
    }
    let allowed: Vec<String> = class
        .allowed_topologies
        .iter()
        .flatten()
        .flat_map(|t| t.match_label_expressions.iter().flatten())
        .filter(|e| e.key == driver.topology_key || e.key == ZONE_LABEL)
        .flat_map(|e| e.values.iter().cloned())
        .collect();
    let mut zones: Vec<String> = if allowed.is_empty() {
        cx.read()
            .iter_kind(Kind::Node, None)
            .filter_map(|n| {
                let l = n.labels();
                l.get(driver.topology_key)
                    .or_else(|| l.get(ZONE_LABEL))
                    .cloned()
            })
            .collect()
    } else {
        allowed
    };
    zones.sort();
    zones.dedup();
    if zones.is_empty() {
        return Err(
            "error generating accessibility requirements: no available topology found".into(),
        );
    }
    let i = cx.rng.below(zones.len() as u64) as usize;
    Ok(zones.swap_remove(i))
}

impl Controller for ExternalProvisioner {
    fn name(&self) -> &'static str {
        self.kind.controller_name()
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        let key = obj.key();
        match obj.kind() {
            Kind::PersistentVolumeClaim => {
                let wanted = event.event_type != WatchEventType::Deleted
                    && claim_volume_name(obj).is_empty()
                    && self.is_annotated_for_us(obj);
                if wanted || self.provisions.contains_key(&key) {
                    vec![key]
                } else {
                    vec![]
                }
            }
            Kind::PersistentVolume if self.is_ours(obj) => vec![key],
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        self.source(cx);
        match key.kind {
            Kind::PersistentVolumeClaim => self.sync_claim(key, cx),
            Kind::PersistentVolume => self.sync_volume(key, cx),
            _ => Requeue::No,
        }
    }
}

/// Destroys the bytes behind a PersistentVolume (its disk, or its directory on the node the
/// volume's node affinity names).
fn drop_storage(volume: &Object, cx: &mut Cx<'_>) {
    let Object::PersistentVolume(pv) = volume else {
        return;
    };
    let name = pv.metadata.name.clone().unwrap_or_default();
    let spec = pv.spec.as_ref();
    let dir = spec
        .and_then(|s| s.host_path.as_ref().map(|h| h.path.clone()))
        .or_else(|| spec.and_then(|s| s.local.as_ref().map(|l| l.path.clone())));
    let world = &mut cx.env_mut().world;
    match dir {
        Some(path) => world.drop_volumes_at_path(&path),
        None => world.drop_volume(&crate::store::VolumeId::Pv(name)),
    }
}
