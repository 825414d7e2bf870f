//! The PersistentVolume controller of kube-controller-manager (the "persistentvolume-binder":
//! `pkg/controller/volume/persistentvolume/pv_controller.go`), one claim or one volume per
//! reconcile. See `spec/storage-scheduling-kubelet.md` §1.2–§1.9 (rules P4–P24).
//!
//! - `sync_claim` follows `syncClaim`: an unbound claim is
//!   matched to a volume (P11) and bound (P12), or given the default class, or left Pending
//!   with the event that says why (WaitForFirstConsumer, external provisioning, no class); a
//!   bound claim is checked against its volume (P13).
//! - `sync_volume` follows `syncVolume`: phases Available,
//!   Bound and Released, unbinding, and the reclaim policy (P14–P16).
//!
//! Writes follow upstream's order (PV spec, PV status, claim spec, claim status); a failed
//! write ends the sync and the periodic resync (every 15 s) picks the work up again, as
//! upstream's queues do not rate-limit retries. Waiting claims are resynced on the same
//! 15 s ticks, so their events repeat as `kubectl describe` shows them (`x4 over 45s`).

use std::sync::Arc;

use super::index::{PodsByClaim, VolumeIndex};
use super::util::{
    annotation, as_claim, as_pod, as_volume, attributes_classes, check_access_modes,
    claim_access_modes, claim_class, claim_class_unset, claim_phase, claim_ref, claim_ref_key,
    claim_reference, claim_request, claim_volume_name, has_annotation, is_delay_binding_mode,
    is_pod_terminated, is_volume_bound_to_claim, pod_node, reclaim_policy, remove_annotation,
    set_annotation, storage_class, until_next_resync, volume_access_modes, volume_capacity,
    volume_class, volume_mode_mismatch, volume_phase,
};
use super::{
    ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER,
    ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER,
    PV_CONTROLLER_COMPONENT,
};
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::admission::default_storage_class;
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, WatchEvent, WatchEventType};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// In-tree provisioners that CSI migration hands to a CSI driver (always on in v1.35).
const MIGRATED_PROVISIONERS: [(&str, &str); 7] = [
    ("kubernetes.io/aws-ebs", "ebs.csi.aws.com"),
    ("kubernetes.io/azure-disk", "disk.csi.azure.com"),
    ("kubernetes.io/azure-file", "file.csi.azure.com"),
    ("kubernetes.io/cinder", "cinder.csi.openstack.org"),
    ("kubernetes.io/gce-pd", "pd.csi.storage.gke.io"),
    ("kubernetes.io/portworx-volume", "pxd.portworx.com"),
    ("kubernetes.io/vsphere-volume", "csi.vsphere.vmware.com"),
];

/// The profile key of how late the controller's pod informer delivers pods. A StatefulSet
/// creates a claim and then its pod within milliseconds; the claim's first sync usually runs
/// before the pod reaches the informer, which is why kind shows `WaitForFirstConsumer`, not
/// `WaitForPodScheduled`, at creation.
pub const POD_INFORMER_LAG_KEY: &str = "persistentvolume-controller.pod-informer-lag";

/// What a sync leaves to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// Nothing until the object (or one it depends on) changes.
    Done,
    /// Look again at the next periodic resync: waiting, or a write failed.
    Resync,
}

fn next_of<T>(r: Result<T, ApiError>) -> Next {
    match r {
        Ok(_) => Next::Done,
        Err(_) => Next::Resync,
    }
}

/// The PersistentVolume controller, keyed by claim or volume.
#[derive(Debug)]
pub struct PersistentVolumeController {
    volumes: VolumeIndex,
    pods: PodsByClaim,
    source: EventSource,
}

impl Default for PersistentVolumeController {
    fn default() -> Self {
        Self::new()
    }
}

impl PersistentVolumeController {
    /// A controller with empty indexes (they fill from the watch stream on first use).
    pub fn new() -> Self {
        PersistentVolumeController {
            volumes: VolumeIndex::default(),
            pods: PodsByClaim::default(),
            source: EventSource::component(PV_CONTROLLER_COMPONENT),
        }
    }

    fn event(&self, cx: &mut Cx<'_>, obj: &Object, type_: &str, reason: &str, message: &str) {
        cx.record_event(&self.source, obj, type_, reason, message);
    }

    // ----- claims -----

    /// `syncClaim` for the claim at `key`.
    fn sync_claim(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Next {
        let Some(claim) = cx.read().try_get(key).cloned() else {
            return Next::Done;
        };
        if has_annotation(&claim, ANN_BIND_COMPLETED) {
            self.sync_bound_claim(claim, cx)
        } else {
            self.sync_unbound_claim(claim, cx)
        }
    }

    /// `syncUnboundClaim` (P9, P10).
    fn sync_unbound_claim(&mut self, claim: Arc<Object>, cx: &mut Cx<'_>) -> Next {
        let volume_name = claim_volume_name(&claim).to_string();
        if volume_name.is_empty() {
            return self.sync_unbound_claim_without_volume(claim, cx);
        }
        // The user asked for a specific volume.
        let volume_key = ObjectKey::cluster(Kind::PersistentVolume, &volume_name);
        let Some(volume) = cx.read().try_get(&volume_key).cloned() else {
            let _ = self.update_claim_status(cx, &claim, "Pending", None);
            return Next::Resync;
        };
        if claim_ref(&volume).is_none() {
            if let Err(why) = check_volume_satisfy_claim(&volume, &claim) {
                let msg = format!("Cannot bind to requested volume \"{volume_name}\": {why}");
                self.event(cx, &claim, "Warning", "VolumeMismatch", &msg);
                let _ = self.update_claim_status(cx, &claim, "Pending", None);
                return Next::Resync;
            }
            return next_of(self.bind(cx, volume, claim));
        }
        if is_volume_bound_to_claim(&volume, &claim) {
            // Pre-bound both ways, or a binding to finish.
            return next_of(self.bind(cx, volume, claim));
        }
        if !has_annotation(&claim, ANN_BOUND_BY_CONTROLLER) {
            let msg = format!("volume \"{volume_name}\" already bound to a different claim.");
            self.event(cx, &claim, "Warning", "FailedBinding", &msg);
            let _ = self.update_claim_status(cx, &claim, "Pending", None);
        }
        // With bound-by-controller this cannot happen without someone removing
        // bind-completed; upstream reports an error and retries.
        Next::Resync
    }

    /// P9: no volume requested.
    fn sync_unbound_claim_without_volume(&mut self, claim: Arc<Object>, cx: &mut Cx<'_>) -> Next {
        let delay_binding = is_delay_binding_mode(cx.read(), &claim);
        if let Some(volume) = self.find_best_match(cx.read(), &claim, delay_binding) {
            return next_of(self.bind(cx, volume, claim));
        }
        // Retroactive default StorageClass assignment; the update brings the claim back.
        if claim_class_unset(&claim)
            && let Some(default) = default_storage_class(cx.read())
        {
            let mut updated = (*claim).clone();
            if let Object::PersistentVolumeClaim(c) = &mut updated {
                c.spec
                    .get_or_insert_with(Default::default)
                    .storage_class_name = Some(default);
            }
            return match cx.update(updated) {
                Ok(_) => Next::Done,
                Err(_) => Next::Resync,
            };
        }
        let class = claim_class(&claim);
        if delay_binding && !has_annotation(&claim, ANN_SELECTED_NODE) {
            self.emit_event_for_unbound_delay_binding_claim(&claim, cx);
            return Next::Resync;
        }
        if !class.is_empty() {
            // Provisioning leaves the phase alone; the binding follows the new volume.
            self.provision_claim(claim, &class, cx);
            return Next::Resync;
        }
        self.event(
            cx,
            &claim,
            "Normal",
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
        );
        let _ = self.update_claim_status(cx, &claim, "Pending", None);
        Next::Resync
    }

    /// `emitEventForUnboundDelayBindingClaim`: `WaitForPodScheduled` naming the pods that
    /// use the claim and are not scheduled yet, else `WaitForFirstConsumer`.
    fn emit_event_for_unbound_delay_binding_claim(&self, claim: &Object, cx: &mut Cx<'_>) {
        let mut waiting: Vec<String> = self
            .pods
            .pods_for(&claim.key())
            .filter_map(|p| as_pod(p))
            .filter(|p| !is_pod_terminated(p) && pod_node(p).is_empty())
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        waiting.sort();
        let (reason, message) = match waiting.as_slice() {
            [] => (
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".to_string(),
            ),
            [one] => (
                "WaitForPodScheduled",
                format!("waiting for pod {one} to be scheduled"),
            ),
            many => (
                "WaitForPodScheduled",
                format!("waiting for pods {} to be scheduled", many.join(",")),
            ),
        };
        self.event(cx, claim, "Normal", reason, &message);
    }

    /// `provisionClaim` and `provisionClaimOperationExternal` (P17, P18 steps 1–2).
    fn provision_claim(&self, claim: Arc<Object>, class_name: &str, cx: &mut Cx<'_>) {
        let Some(class) = storage_class(cx.read(), class_name) else {
            let msg = format!("storageclass.storage.k8s.io \"{class_name}\" not found");
            self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
            return;
        };
        let mut provisioner = class.provisioner.clone();
        if provisioner.starts_with("kubernetes.io/") {
            match MIGRATED_PROVISIONERS
                .iter()
                .find(|(p, _)| *p == provisioner)
            {
                Some((_, csi)) => provisioner = (*csi).to_string(),
                None => {
                    // No in-tree provisioner is left in v1.35 (no-provisioner included).
                    let msg = format!("no volume plugin matched name: {provisioner}");
                    self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
                    return;
                }
            }
        }
        // `setClaimProvisioner`: tell external provisioners whose claim this is.
        let claim = if annotation(&claim, ANN_STORAGE_PROVISIONER) == Some(provisioner.as_str())
            && annotation(&claim, ANN_BETA_STORAGE_PROVISIONER) == Some(provisioner.as_str())
        {
            claim
        } else {
            let mut updated = (*claim).clone();
            set_annotation(&mut updated, ANN_STORAGE_PROVISIONER, &provisioner);
            set_annotation(&mut updated, ANN_BETA_STORAGE_PROVISIONER, &provisioner);
            match cx.update(updated) {
                Ok(stored) => stored,
                Err(e) => {
                    let msg = format!("Error saving claim: {}", e.message);
                    self.event(cx, &claim, "Warning", "ProvisioningFailed", &msg);
                    return;
                }
            }
        };
        let msg = format!(
            "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
        );
        self.event(cx, &claim, "Normal", "ExternalProvisioning", &msg);
    }

    /// `syncBoundClaim` (P13).
    fn sync_bound_claim(&mut self, claim: Arc<Object>, cx: &mut Cx<'_>) -> Next {
        let volume_name = claim_volume_name(&claim).to_string();
        if volume_name.is_empty() {
            return next_of(self.update_claim_status_with_event(
                cx,
                &claim,
                "Lost",
                "ClaimLost",
                "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            ));
        }
        let volume_key = ObjectKey::cluster(Kind::PersistentVolume, &volume_name);
        let Some(volume) = cx.read().try_get(&volume_key).cloned() else {
            return next_of(self.update_claim_status_with_event(
                cx,
                &claim,
                "Lost",
                "ClaimLost",
                "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
            ));
        };
        match claim_ref(&volume) {
            // Unbound volume (or a stale view): bind again.
            None => next_of(self.bind(cx, volume, claim)),
            Some(r) if r.uid.as_deref().unwrap_or("") == claim.uid() => {
                next_of(self.bind(cx, volume, claim))
            }
            Some(_) => next_of(self.update_claim_status_with_event(
                cx,
                &claim,
                "Lost",
                "ClaimMisbound",
                "Two claims are bound to the same volume, this one is bound incorrectly",
            )),
        }
    }

    // ----- matching -----

    /// `findBestMatchForClaim`: the access-mode groups that contain every requested mode,
    /// fewest modes first; the first group with a match wins (P11).
    fn find_best_match(
        &self,
        api: &ApiServer,
        claim: &Object,
        delay_binding: bool,
    ) -> Option<Arc<Object>> {
        let mut names: Vec<&String> = self.volumes.claimed_by(&claim.key()).collect();
        if !delay_binding {
            names.extend(self.volumes.unclaimed_of(&claim_class(claim)));
        }
        let requested = claim_access_modes(claim);
        let mut groups: std::collections::BTreeMap<(usize, Vec<String>), Vec<Arc<Object>>> =
            std::collections::BTreeMap::new();
        for name in names {
            let Some(v) = api.try_get(&ObjectKey::cluster(Kind::PersistentVolume, name)) else {
                continue;
            };
            let mut modes = volume_access_modes(v);
            modes.sort();
            modes.dedup();
            if !requested.iter().all(|m| modes.contains(m)) {
                continue;
            }
            groups
                .entry((modes.len(), modes))
                .or_default()
                .push(v.clone());
        }
        groups
            .into_values()
            .find_map(|vols| find_matching_volume(claim, &vols, delay_binding))
    }

    // ----- binding -----

    /// `bind` (P12): PV spec, PV status, claim spec, claim status; any failure stops.
    fn bind(
        &self,
        cx: &mut Cx<'_>,
        volume: Arc<Object>,
        claim: Arc<Object>,
    ) -> Result<(), ApiError> {
        let volume = self.bind_volume_to_claim(cx, volume, &claim)?;
        let volume = self.update_volume_phase(cx, &volume, "Bound", "")?;
        let claim = self.bind_claim_to_volume(cx, claim, &volume)?;
        self.update_claim_status(cx, &claim, "Bound", Some(&volume))?;
        Ok(())
    }

    /// `bindVolumeToClaim` / `GetBindVolumeToClaim`.
    fn bind_volume_to_claim(
        &self,
        cx: &mut Cx<'_>,
        volume: Arc<Object>,
        claim: &Object,
    ) -> Result<Arc<Object>, ApiError> {
        let already_ours = is_volume_bound_to_claim(&volume, claim);
        let mut updated = (*volume).clone();
        let mut dirty = false;
        let exact = claim_ref(&volume).is_some_and(|r| {
            r.name.as_deref() == Some(claim.name())
                && r.namespace.as_deref() == Some(claim.namespace())
                && r.uid.as_deref() == Some(claim.uid())
        });
        if !exact {
            if let Object::PersistentVolume(v) = &mut updated {
                v.spec.get_or_insert_with(Default::default).claim_ref =
                    Some(claim_reference(claim));
            }
            dirty = true;
        }
        if !already_ours && !has_annotation(&updated, ANN_BOUND_BY_CONTROLLER) {
            set_annotation(&mut updated, ANN_BOUND_BY_CONTROLLER, "yes");
            dirty = true;
        }
        if !dirty {
            return Ok(volume);
        }
        cx.update(updated)
    }

    /// `bindClaimToVolume`.
    fn bind_claim_to_volume(
        &self,
        cx: &mut Cx<'_>,
        claim: Arc<Object>,
        volume: &Object,
    ) -> Result<Arc<Object>, ApiError> {
        let mut updated = (*claim).clone();
        let mut dirty = false;
        let changed = claim_volume_name(&claim) != volume.name();
        if changed {
            if let Object::PersistentVolumeClaim(c) = &mut updated {
                c.spec.get_or_insert_with(Default::default).volume_name =
                    Some(volume.name().to_string());
            }
            dirty = true;
        }
        if changed && !has_annotation(&updated, ANN_BOUND_BY_CONTROLLER) {
            set_annotation(&mut updated, ANN_BOUND_BY_CONTROLLER, "yes");
            dirty = true;
        }
        if !has_annotation(&updated, ANN_BIND_COMPLETED) {
            set_annotation(&mut updated, ANN_BIND_COMPLETED, "yes");
            dirty = true;
        }
        if !dirty {
            return Ok(claim);
        }
        cx.update(updated)
    }

    /// `updateClaimStatus`: phase, and access modes and capacity from the volume (capacity
    /// only on the transition, so a resized claim keeps its own).
    fn update_claim_status(
        &self,
        cx: &mut Cx<'_>,
        claim: &Arc<Object>,
        phase: &str,
        volume: Option<&Object>,
    ) -> Result<Arc<Object>, ApiError> {
        let Object::PersistentVolumeClaim(c) = &**claim else {
            return Ok(claim.clone());
        };
        let mut updated = c.clone();
        let status = updated.status.get_or_insert_with(Default::default);
        let old_phase = claim_phase(claim).to_string();
        let mut dirty = false;
        if old_phase != phase {
            status.phase = Some(phase.to_string());
            dirty = true;
        }
        match volume.and_then(|v| as_volume(v)) {
            None => {
                if status.access_modes.is_some() {
                    status.access_modes = None;
                    dirty = true;
                }
                if status.capacity.is_some() {
                    status.capacity = None;
                    dirty = true;
                }
            }
            Some(v) => {
                let spec = v.spec.clone().unwrap_or_default();
                if status.access_modes != spec.access_modes {
                    status.access_modes = spec.access_modes.clone();
                    dirty = true;
                }
                if old_phase != phase
                    && let Some(volume_cap) = spec.capacity.as_ref().and_then(|m| m.get("storage"))
                {
                    let same = status
                        .capacity
                        .as_ref()
                        .and_then(|m| m.get("storage"))
                        .is_some_and(|c| quantities_equal(c, volume_cap));
                    if !same {
                        status.capacity = spec.capacity.clone();
                        dirty = true;
                    }
                }
            }
        }
        if !dirty {
            return Ok(claim.clone());
        }
        cx.update_status(Object::PersistentVolumeClaim(updated))
    }

    /// `updateClaimStatusWithEvent`: only a phase change writes and reports.
    fn update_claim_status_with_event(
        &self,
        cx: &mut Cx<'_>,
        claim: &Arc<Object>,
        phase: &str,
        reason: &str,
        message: &str,
    ) -> Result<Arc<Object>, ApiError> {
        if claim_phase(claim) == phase {
            return Ok(claim.clone());
        }
        let stored = self.update_claim_status(cx, claim, phase, None)?;
        self.event(cx, &stored, "Warning", reason, message);
        Ok(stored)
    }

    // ----- volumes -----

    /// `syncVolume` for the volume at `key` (P14).
    fn sync_volume(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Next {
        let Some(volume) = cx.read().try_get(key).cloned() else {
            return Next::Done;
        };
        let Some(reference) = claim_ref(&volume).cloned() else {
            return next_of(self.update_volume_phase(cx, &volume, "Available", ""));
        };
        let ref_uid = reference.uid.clone().unwrap_or_default();
        if ref_uid.is_empty() {
            // Reserved for a claim that has not bound yet; the claim's sync binds it.
            return next_of(self.update_volume_phase(cx, &volume, "Available", ""));
        }
        let claim_key = claim_ref_key(&volume).expect("claimRef checked above");
        // A claim of the same name but another uid was deleted and re-created: ours is gone.
        let claim = cx
            .read()
            .try_get(&claim_key)
            .filter(|c| c.uid() == ref_uid)
            .cloned();
        let Some(claim) = claim else {
            let mut volume = volume;
            if !matches!(volume_phase(&volume), "Released" | "Failed") {
                match self.update_volume_phase(cx, &volume, "Released", "") {
                    Ok(v) => volume = v,
                    Err(_) => return Next::Resync,
                }
            }
            return self.reclaim_volume(cx, volume);
        };
        let claim_volume = claim_volume_name(&claim).to_string();
        if claim_volume.is_empty() {
            if volume_mode_mismatch(&claim, &volume) {
                let volume_msg = format!(
                    "Cannot bind PersistentVolume to requested PersistentVolumeClaim \"{}\" due to incompatible volumeMode.",
                    claim.name()
                );
                self.event(cx, &volume, "Warning", "VolumeMismatch", &volume_msg);
                let claim_msg = format!(
                    "Cannot bind PersistentVolume \"{}\" to requested PersistentVolumeClaim due to incompatible volumeMode.",
                    volume.name()
                );
                self.event(cx, &claim, "Warning", "VolumeMismatch", &claim_msg);
                return Next::Done;
            }
            // The claim's sync finishes the binding (how a provisioned volume gets bound).
            cx.enqueue_after(claim_key, SimDuration::ZERO);
            return Next::Done;
        }
        if claim_volume == volume.name() {
            return next_of(self.update_volume_phase(cx, &volume, "Bound", ""));
        }
        // The claim is bound to another volume.
        if has_annotation(&volume, ANN_DYNAMICALLY_PROVISIONED)
            && reclaim_policy(&volume) == "Delete"
        {
            let mut volume = volume;
            if !matches!(volume_phase(&volume), "Released" | "Failed") {
                match self.update_volume_phase(cx, &volume, "Released", "") {
                    Ok(v) => volume = v,
                    Err(_) => return Next::Resync,
                }
            }
            return self.reclaim_volume(cx, volume);
        }
        next_of(self.unbind_volume(cx, &volume))
    }

    /// `unbindVolume`: a controller-made binding is undone; a user's reservation keeps its
    /// claimRef without the uid.
    fn unbind_volume(&self, cx: &mut Cx<'_>, volume: &Arc<Object>) -> Result<(), ApiError> {
        let mut updated = (**volume).clone();
        let by_controller = has_annotation(volume, ANN_BOUND_BY_CONTROLLER);
        if by_controller {
            remove_annotation(&mut updated, ANN_BOUND_BY_CONTROLLER);
        }
        if let Object::PersistentVolume(v) = &mut updated {
            let spec = v.spec.get_or_insert_with(Default::default);
            if by_controller {
                spec.claim_ref = None;
            } else if let Some(r) = spec.claim_ref.as_mut() {
                r.uid = None;
            }
        }
        let stored = cx.update(updated)?;
        self.update_volume_phase(cx, &stored, "Available", "")?;
        Ok(())
    }

    /// `reclaimVolume` (P15).
    fn reclaim_volume(&self, cx: &mut Cx<'_>, volume: Arc<Object>) -> Next {
        match reclaim_policy(&volume) {
            "Retain" => Next::Done,
            "Recycle" => {
                // No recycler plugin is left for the volume types the simulator models.
                let _ = self.update_volume_phase_with_event(
                    cx,
                    &volume,
                    "Failed",
                    "VolumeFailedRecycle",
                    "No recycler plugin found for the volume!",
                );
                Next::Resync
            }
            "Delete" => self.delete_volume_operation(cx, volume),
            _ => {
                let _ = self.update_volume_phase_with_event(
                    cx,
                    &volume,
                    "Failed",
                    "VolumeUnknownReclaimPolicy",
                    "Volume has unrecognized PersistentVolumeReclaimPolicy",
                );
                Next::Done
            }
        }
    }

    /// `deleteVolumeOperation` / `doDeleteVolume`: an external provisioner's volume (or a
    /// CSI volume) is left to that provisioner; otherwise the in-tree deleter runs, which in
    /// v1.35 exists only for hostPath volumes under `/tmp`.
    fn delete_volume_operation(&self, cx: &mut Cx<'_>, volume: Arc<Object>) -> Next {
        let external = match annotation(&volume, ANN_DYNAMICALLY_PROVISIONED) {
            Some(p) => !p.starts_with("kubernetes.io/"),
            None => false,
        };
        let spec = as_volume(&volume).and_then(|v| v.spec.clone());
        let is_csi = spec.as_ref().is_some_and(|s| s.csi.is_some());
        if external || is_csi {
            return Next::Done;
        }
        let host_path = spec
            .as_ref()
            .and_then(|s| s.host_path.as_ref())
            .map(|h| h.path.clone());
        let result = match host_path {
            Some(path) if path.len() > "/tmp/".len() && path.starts_with("/tmp/") => Ok(()),
            Some(path) => Err(format!(
                "host_path deleter only supports /tmp/.+ but received provided {path}"
            )),
            None => Err(format!(
                "error getting deleter volume plugin for volume \"{}\": no deletable volume plugin matched",
                volume.name()
            )),
        };
        match result {
            Ok(()) => next_of(cx.delete(&volume.key(), &DeleteOptions::default())),
            Err(msg) => {
                let _ = self.update_volume_phase_with_event(
                    cx,
                    &volume,
                    "Failed",
                    "VolumeFailedDelete",
                    &msg,
                );
                // Upstream retries the deletion on every sync of a Failed volume.
                Next::Resync
            }
        }
    }

    /// `updateVolumePhase`: writes `status.phase` (and message) only when it changes, with
    /// `lastPhaseTransitionTime`.
    fn update_volume_phase(
        &self,
        cx: &mut Cx<'_>,
        volume: &Arc<Object>,
        phase: &str,
        message: &str,
    ) -> Result<Arc<Object>, ApiError> {
        if volume_phase(volume) == phase {
            return Ok(volume.clone());
        }
        let mut updated = (**volume).clone();
        if let Object::PersistentVolume(v) = &mut updated {
            let status = v.status.get_or_insert_with(Default::default);
            status.phase = Some(phase.to_string());
            status.message = (!message.is_empty()).then(|| message.to_string());
            status.last_phase_transition_time = Some(cx.now.to_k8s_time());
        }
        cx.update_status(updated)
    }

    /// `updateVolumePhaseWithEvent`: a Warning event on the transition only.
    fn update_volume_phase_with_event(
        &self,
        cx: &mut Cx<'_>,
        volume: &Arc<Object>,
        phase: &str,
        reason: &str,
        message: &str,
    ) -> Result<Arc<Object>, ApiError> {
        if volume_phase(volume) == phase {
            return Ok(volume.clone());
        }
        let stored = self.update_volume_phase(cx, volume, phase, message)?;
        self.event(cx, &stored, "Warning", reason, message);
        Ok(stored)
    }
}

fn quantities_equal(
    a: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
    b: &k8s_openapi::apimachinery::pkg::api::resource::Quantity,
) -> bool {
    use crate::api::quantity::Quantity;
    match (Quantity::parse(&a.0), Quantity::parse(&b.0)) {
        (Ok(x), Ok(y)) => x.cmp_value(&y).is_eq(),
        _ => a.0 == b.0,
    }
}

/// `checkVolumeSatisfyClaim` for a claim that names the volume (P10).
fn check_volume_satisfy_claim(volume: &Object, claim: &Object) -> Result<(), String> {
    if volume.is_terminating() {
        return Err(format!(
            "the volume is marked for deletion \"{}\"",
            volume.name()
        ));
    }
    if volume_capacity(volume).value() < claim_request(claim).value() {
        return Err("requested PV is too small".into());
    }
    if volume_class(volume) != claim_class(claim) {
        return Err("storageClassName does not match".into());
    }
    if volume_mode_mismatch(claim, volume) {
        return Err("incompatible volumeMode".into());
    }
    if !check_access_modes(claim, volume) {
        return Err("incompatible accessMode".into());
    }
    Ok(())
}

/// `FindMatchingVolume` on the controller's path (no node): a volume pre-bound to the claim
/// wins at once; otherwise, unless binding waits for the first consumer, the smallest
/// Available volume of the claim's class whose labels match its selector. Ties go to the
/// first in name order (upstream: informer order).
fn find_matching_volume(
    claim: &Object,
    volumes: &[Arc<Object>],
    delay_binding: bool,
) -> Option<Arc<Object>> {
    let requested = claim_request(claim);
    let class = claim_class(claim);
    let selector = as_claim(claim)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.selector.as_ref())
        .map(|s| LabelSelector::from_k8s(s).unwrap_or_else(|_| LabelSelector::nothing()));
    let mut smallest: Option<&Arc<Object>> = None;
    for volume in volumes {
        if claim_ref(volume).is_some() && !is_volume_bound_to_claim(volume, claim) {
            continue;
        }
        let capacity = volume_capacity(volume);
        if capacity.cmp_value(&requested).is_lt() {
            continue;
        }
        if volume_mode_mismatch(claim, volume) {
            continue;
        }
        let (claim_vac, volume_vac) = attributes_classes(claim, volume);
        if claim_vac != volume_vac {
            continue;
        }
        if volume.is_terminating() {
            continue;
        }
        if is_volume_bound_to_claim(volume, claim) {
            return Some(volume.clone());
        }
        if delay_binding {
            // The scheduler binds these (VolumeBinding plugin).
            continue;
        }
        if volume_phase(volume) != "Available" {
            continue;
        }
        if let Some(sel) = &selector
            && !sel.matches(volume.labels())
        {
            continue;
        }
        if volume_class(volume) != class {
            continue;
        }
        let better = match smallest {
            None => true,
            Some(s) => {
                let c = volume_capacity(s).cmp_value(&capacity);
                c.is_gt() || (c.is_eq() && volume.name() < s.name())
            }
        };
        if better {
            smallest = Some(volume);
        }
    }
    smallest.cloned()
}

impl Controller for PersistentVolumeController {
    fn name(&self) -> &'static str {
        "persistentvolume-binder-controller"
    }

    /// Claims and volumes by key; a deleted claim also wakes its volume and a deleted
    /// volume its claim (`deleteClaim`, `deleteVolume`).
    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        let deleted = event.event_type == WatchEventType::Deleted;
        match obj.kind() {
            Kind::PersistentVolumeClaim => {
                let mut keys = vec![obj.key()];
                let volume = claim_volume_name(obj);
                if deleted && !volume.is_empty() {
                    keys.push(ObjectKey::cluster(Kind::PersistentVolume, volume));
                }
                keys
            }
            Kind::PersistentVolume => {
                let mut keys = vec![obj.key()];
                if deleted && let Some(c) = claim_ref_key(obj) {
                    keys.push(c);
                }
                keys
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let now = cx.now;
        let lag = cx.profile.get(POD_INFORMER_LAG_KEY);
        self.volumes.catch_up(cx.read(), now);
        self.pods.catch_up(cx.read(), now, lag);
        let next = match key.kind {
            Kind::PersistentVolumeClaim => self.sync_claim(key, cx),
            Kind::PersistentVolume => self.sync_volume(key, cx),
            _ => Next::Done,
        };
        match next {
            Next::Done => Requeue::No,
            Next::Resync => Requeue::After(until_next_resync(now)),
        }
    }
}
