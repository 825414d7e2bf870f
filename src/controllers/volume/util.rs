//! Small readers and writers over claims, volumes, classes and pods, shared by the storage
//! controllers (`component-helpers/storage/volume` in upstream terms). Absent fields read as
//! Kubernetes reads them: a missing request is zero, a missing volumeMode is Filesystem.

use k8s_openapi::api::core::v1::{
    ObjectReference, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimCondition, Pod,
};
use k8s_openapi::api::storage::v1::StorageClass;

use super::ANN_BETA_STORAGE_CLASS;
use crate::api::quantity::Quantity;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::engine::{SimDuration, SimTime};

/// The PV controller's periodic resync (`PVClaimBinderSyncPeriod`, 15 s by default).
pub(crate) const RESYNC_PERIOD: SimDuration = SimDuration::from_secs(15);

/// The claim inside `obj`, if it is one.
pub(crate) fn as_claim(obj: &Object) -> Option<&PersistentVolumeClaim> {
    match obj {
        Object::PersistentVolumeClaim(c) => Some(c),
        _ => None,
    }
}

/// The volume inside `obj`, if it is one.
pub(crate) fn as_volume(obj: &Object) -> Option<&PersistentVolume> {
    match obj {
        Object::PersistentVolume(v) => Some(v),
        _ => None,
    }
}

/// The pod inside `obj`, if it is one.
pub(crate) fn as_pod(obj: &Object) -> Option<&Pod> {
    match obj {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

/// The value of annotation `key`.
pub(crate) fn annotation<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// True when annotation `key` is present (whatever its value, as `metav1.HasAnnotation`).
pub(crate) fn has_annotation(obj: &Object, key: &str) -> bool {
    annotation(obj, key).is_some()
}

/// Sets annotation `key` to `value`.
pub(crate) fn set_annotation(obj: &mut Object, key: &str, value: &str) {
    obj.meta_mut()
        .annotations
        .get_or_insert_with(Default::default)
        .insert(key.to_string(), value.to_string());
}

/// Removes annotation `key`; an emptied map becomes absent. Returns whether it was there.
pub(crate) fn remove_annotation(obj: &mut Object, key: &str) -> bool {
    let meta = obj.meta_mut();
    let Some(a) = meta.annotations.as_mut() else {
        return false;
    };
    let removed = a.remove(key).is_some();
    if a.is_empty() {
        meta.annotations = None;
    }
    removed
}

/// Removes `finalizer` from the object's finalizers; an emptied list becomes absent.
pub(crate) fn remove_finalizer(obj: &mut Object, finalizer: &str) {
    let meta = obj.meta_mut();
    if let Some(f) = meta.finalizers.as_mut() {
        f.retain(|x| x != finalizer);
        if f.is_empty() {
            meta.finalizers = None;
        }
    }
}

/// Appends `finalizer` unless present.
pub(crate) fn add_finalizer(obj: &mut Object, finalizer: &str) {
    let f = obj.meta_mut().finalizers.get_or_insert_with(Vec::new);
    if !f.iter().any(|x| x == finalizer) {
        f.push(finalizer.to_string());
    }
}

fn zero() -> Quantity {
    Quantity::parse("0").expect("0 is a quantity")
}

fn storage_of(
    list: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> Quantity {
    list.and_then(|m| m.get("storage"))
        .and_then(|q| Quantity::parse(&q.0).ok())
        .unwrap_or_else(zero)
}

/// `GetPersistentVolumeClaimClass`: the beta annotation first, then `spec.storageClassName`,
/// else "" (no class).
pub(crate) fn claim_class(obj: &Object) -> String {
    if let Some(c) = annotation(obj, ANN_BETA_STORAGE_CLASS) {
        return c.to_string();
    }
    as_claim(obj)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// True when the claim names no class at all (field absent, not `""`), so the retroactive
/// default class assignment applies.
pub(crate) fn claim_class_unset(obj: &Object) -> bool {
    !has_annotation(obj, ANN_BETA_STORAGE_CLASS)
        && as_claim(obj)
            .and_then(|c| c.spec.as_ref())
            .is_none_or(|s| s.storage_class_name.is_none())
}

/// `GetPersistentVolumeClass`: the beta annotation first, then `spec.storageClassName`.
pub(crate) fn volume_class(obj: &Object) -> String {
    if let Some(c) = annotation(obj, ANN_BETA_STORAGE_CLASS) {
        return c.to_string();
    }
    as_volume(obj)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// `spec.volumeName` of a claim, "" when unset.
pub(crate) fn claim_volume_name(obj: &Object) -> &str {
    as_claim(obj)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or("")
}

/// `status.phase` of a claim.
pub(crate) fn claim_phase(obj: &Object) -> &str {
    as_claim(obj)
        .and_then(|c| c.status.as_ref())
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// `status.phase` of a volume.
pub(crate) fn volume_phase(obj: &Object) -> &str {
    as_volume(obj)
        .and_then(|v| v.status.as_ref())
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// `spec.persistentVolumeReclaimPolicy` of a volume.
pub(crate) fn reclaim_policy(obj: &Object) -> &str {
    as_volume(obj)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        .unwrap_or("")
}

/// The claim's `spec.resources.requests.storage` (zero when absent).
pub(crate) fn claim_request(obj: &Object) -> Quantity {
    storage_of(
        as_claim(obj)
            .and_then(|c| c.spec.as_ref())
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref()),
    )
}

/// The claim's `status.capacity.storage` (zero when absent).
pub(crate) fn claim_status_capacity(obj: &Object) -> Quantity {
    storage_of(
        as_claim(obj)
            .and_then(|c| c.status.as_ref())
            .and_then(|s| s.capacity.as_ref()),
    )
}

/// The volume's `spec.capacity.storage` (zero when absent).
pub(crate) fn volume_capacity(obj: &Object) -> Quantity {
    storage_of(
        as_volume(obj)
            .and_then(|v| v.spec.as_ref())
            .and_then(|s| s.capacity.as_ref()),
    )
}

/// The claim's requested access modes.
pub(crate) fn claim_access_modes(obj: &Object) -> Vec<String> {
    as_claim(obj)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.access_modes.clone())
        .unwrap_or_default()
}

/// The volume's access modes.
pub(crate) fn volume_access_modes(obj: &Object) -> Vec<String> {
    as_volume(obj)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.access_modes.clone())
        .unwrap_or_default()
}

/// `CheckVolumeModeMismatches`: an unset mode is Filesystem on both sides.
pub(crate) fn volume_mode_mismatch(claim: &Object, volume: &Object) -> bool {
    let claim_mode = as_claim(claim)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem");
    let volume_mode = as_volume(volume)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem");
    claim_mode != volume_mode
}

/// `CheckAccessModes`: every mode the claim asks for is one the volume offers.
pub(crate) fn check_access_modes(claim: &Object, volume: &Object) -> bool {
    let offered = volume_access_modes(volume);
    claim_access_modes(claim)
        .iter()
        .all(|m| offered.iter().any(|o| o == m))
}

/// The VolumeAttributesClass names of a claim and a volume ("" when unset).
pub(crate) fn attributes_classes(claim: &Object, volume: &Object) -> (String, String) {
    let c = as_claim(claim)
        .and_then(|c| c.spec.as_ref())
        .and_then(|s| s.volume_attributes_class_name.clone())
        .unwrap_or_default();
    let v = as_volume(volume)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.volume_attributes_class_name.clone())
        .unwrap_or_default();
    (c, v)
}

/// The volume's `spec.claimRef`.
pub(crate) fn claim_ref(obj: &Object) -> Option<&ObjectReference> {
    as_volume(obj)
        .and_then(|v| v.spec.as_ref())
        .and_then(|s| s.claim_ref.as_ref())
}

/// The key of the claim a volume's claimRef names.
pub(crate) fn claim_ref_key(obj: &Object) -> Option<ObjectKey> {
    claim_ref(obj).map(|r| {
        ObjectKey::new(
            Kind::PersistentVolumeClaim,
            r.namespace.as_deref().unwrap_or(""),
            r.name.as_deref().unwrap_or(""),
        )
    })
}

/// `IsVolumeBoundToClaim`: the claimRef names the claim (namespace and name) and its uid is
/// empty or the claim's.
pub(crate) fn is_volume_bound_to_claim(volume: &Object, claim: &Object) -> bool {
    let Some(r) = claim_ref(volume) else {
        return false;
    };
    r.name.as_deref().unwrap_or("") == claim.name()
        && r.namespace.as_deref().unwrap_or("") == claim.namespace()
        && r.uid
            .as_deref()
            .is_none_or(|u| u.is_empty() || u == claim.uid())
}

/// `reference.GetReference` of a claim, as a claimRef stores it.
pub(crate) fn claim_reference(claim: &Object) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("PersistentVolumeClaim".into()),
        name: Some(claim.name().to_string()),
        namespace: Some(claim.namespace().to_string()),
        uid: Some(claim.uid().to_string()),
        resource_version: Some(claim.resource_version().to_string()),
        field_path: None,
    }
}

/// The StorageClass named `name`.
pub(crate) fn storage_class<'a>(api: &'a ApiServer, name: &str) -> Option<&'a StorageClass> {
    if name.is_empty() {
        return None;
    }
    match api
        .try_get(&ObjectKey::cluster(Kind::StorageClass, name))
        .map(|o| &**o)
    {
        Some(Object::StorageClass(sc)) => Some(sc),
        _ => None,
    }
}

/// True when the class binds WaitForFirstConsumer.
pub(crate) fn class_is_wait_for_first_consumer(sc: &StorageClass) -> bool {
    sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer")
}

/// `IsDelayBindingMode`: the claim's class exists and binds WaitForFirstConsumer. A class
/// that does not exist counts as Immediate.
pub(crate) fn is_delay_binding_mode(api: &ApiServer, claim: &Object) -> bool {
    storage_class(api, &claim_class(claim)).is_some_and(class_is_wait_for_first_consumer)
}

/// The names of the claims a pod uses: its `persistentVolumeClaim` volumes and the claims of
/// its ephemeral volumes (`<pod>-<volume>`).
pub(crate) fn pod_claim_names(pod: &Pod) -> Vec<String> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or("");
    pod.spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .map(|vols| {
            vols.iter()
                .filter_map(|v| {
                    if let Some(c) = &v.persistent_volume_claim {
                        Some(c.claim_name.clone())
                    } else {
                        v.ephemeral
                            .as_ref()
                            .map(|_| format!("{pod_name}-{}", v.name))
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `spec.nodeName` of a pod, "" when unscheduled.
pub(crate) fn pod_node(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

/// `IsPodTerminated`: phase Succeeded or Failed, or deleted with no container running.
pub(crate) fn is_pod_terminated(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    if matches!(
        status.and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    ) {
        return true;
    }
    pod.metadata.deletion_timestamp.is_some()
        && status
            .and_then(|s| s.container_statuses.as_ref())
            .is_none_or(|cs| {
                cs.iter().all(|c| {
                    c.state
                        .as_ref()
                        .is_none_or(|st| st.terminated.is_some() || st.waiting.is_some())
                })
            })
}

/// The delay until the next periodic resync tick (every [`RESYNC_PERIOD`] since time zero,
/// as one resync timer for the whole controller would fire).
pub(crate) fn until_next_resync(now: SimTime) -> SimDuration {
    let period = RESYNC_PERIOD.as_ms();
    let next = (now.as_ms() / period + 1) * period;
    SimDuration::from_ms(next - now.as_ms())
}

/// Replaces the resize conditions (`Resizing`, `FileSystemResizePending`) of a claim with
/// `new`, keeping the others and the transition time of a condition that did not change
/// (`MergeResizeConditionsOfPVC`).
pub(crate) fn merge_resize_conditions(
    old: Option<&Vec<PersistentVolumeClaimCondition>>,
    new: Vec<PersistentVolumeClaimCondition>,
) -> Option<Vec<PersistentVolumeClaimCondition>> {
    let is_resize = |t: &str| t == "Resizing" || t == "FileSystemResizePending";
    let mut out: Vec<PersistentVolumeClaimCondition> = Vec::new();
    for c in old.into_iter().flatten() {
        if !is_resize(&c.type_) {
            out.push(c.clone());
        }
    }
    for mut c in new {
        if let Some(prev) = old
            .into_iter()
            .flatten()
            .find(|p| p.type_ == c.type_ && p.status == c.status)
        {
            c.last_transition_time = prev.last_transition_time.clone();
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// Exponential back-off of a client-go rate-limited work queue: `base * 2^(failures-1)`,
/// capped at `max`.
pub(crate) fn backoff(failures: u32, base: SimDuration, max: SimDuration) -> SimDuration {
    let shift = failures.saturating_sub(1).min(40);
    let ms = base.as_ms().saturating_mul(1u64 << shift);
    SimDuration::from_ms(ms.min(max.as_ms()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resync_ticks_are_aligned_to_the_period() {
        assert_eq!(until_next_resync(SimTime::ZERO), SimDuration::from_secs(15));
        assert_eq!(
            until_next_resync(SimTime::from_ms(14_990)),
            SimDuration::from_ms(10)
        );
        assert_eq!(
            until_next_resync(SimTime::from_ms(15_000)),
            SimDuration::from_secs(15)
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let base = SimDuration::from_ms(5);
        let max = SimDuration::from_secs(1000);
        assert_eq!(backoff(1, base, max), SimDuration::from_ms(5));
        assert_eq!(backoff(3, base, max), SimDuration::from_ms(20));
        assert_eq!(backoff(64, base, max), max);
    }
}
