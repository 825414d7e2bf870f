//! Claim retention (spec §3.5, I16–I23): which owner references a pod's claims must carry
//! under `persistentVolumeClaimRetentionPolicy`, and how they are fixed. Ports of the pure
//! helpers of `stateful_set_utils.go`; the API writes that use them are in `pod_control`.
//!
//! "Set ref" and "pod ref" match by apiVersion, kind and name (`matchesRef`); a matching ref
//! with another uid is *stale* and makes the claim untouchable (it belongs to a previous
//! incarnation that the garbage collector will deal with).

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use super::identity::{new_controller_ref, pod_in_ordinal_range, pod_name, set_name, set_uid};
use super::predicates::{DELETE, RETAIN, retention_policy};

/// Which object an owner reference is compared against.
#[derive(Clone, Copy)]
pub(crate) enum Owner<'a> {
    /// The StatefulSet (`apps/v1`, `StatefulSet`).
    Set(&'a StatefulSet),
    /// The pod (`v1`, `Pod`).
    Pod(&'a Pod),
}

impl Owner<'_> {
    fn api_version_kind(&self) -> (&'static str, &'static str) {
        match self {
            Owner::Set(_) => ("apps/v1", "StatefulSet"),
            Owner::Pod(_) => ("v1", "Pod"),
        }
    }

    fn name(&self) -> &str {
        match self {
            Owner::Set(s) => set_name(s),
            Owner::Pod(p) => pod_name(p),
        }
    }

    fn uid(&self) -> &str {
        match self {
            Owner::Set(s) => set_uid(s),
            Owner::Pod(p) => p.metadata.uid.as_deref().unwrap_or(""),
        }
    }

    /// `metav1.NewControllerRef(owner, gvk)`.
    fn controller_ref(&self) -> OwnerReference {
        match self {
            Owner::Set(s) => new_controller_ref(s),
            Owner::Pod(_) => OwnerReference {
                api_version: "v1".into(),
                kind: "Pod".into(),
                name: self.name().to_string(),
                uid: self.uid().to_string(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            },
        }
    }
}

fn refs(claim: &PersistentVolumeClaim) -> &[OwnerReference] {
    claim.metadata.owner_references.as_deref().unwrap_or(&[])
}

/// `matchesRef`: same apiVersion, kind and name.
fn matches_ref(r: &OwnerReference, owner: Owner<'_>) -> bool {
    let (api_version, kind) = owner.api_version_kind();
    r.api_version == api_version && r.kind == kind && r.name == owner.name()
}

/// `hasStaleOwnerRef`: the first ref matching `owner` by name carries another uid.
pub(crate) fn has_stale_owner_ref(claim: &PersistentVolumeClaim, owner: Owner<'_>) -> bool {
    refs(claim)
        .iter()
        .find(|r| matches_ref(r, owner))
        .is_some_and(|r| r.uid != owner.uid())
}

/// `hasOwnerRef`: some ref carries the owner's uid (controller or not).
fn has_owner_ref(claim: &PersistentVolumeClaim, owner: Owner<'_>) -> bool {
    refs(claim).iter().any(|r| r.uid == owner.uid())
}

fn is_retain_retain(set: &StatefulSet) -> bool {
    let (scaled, deleted) = retention_policy(set);
    scaled == RETAIN && deleted == RETAIN
}

/// `hasUnexpectedController`: under a non-Retain/Retain policy, the claim has a controller
/// other than this set and pod, or a stale ref to either.
pub(crate) fn has_unexpected_controller(
    claim: &PersistentVolumeClaim,
    set: &StatefulSet,
    pod: &Pod,
) -> bool {
    if is_retain_retain(set) {
        return false;
    }
    for r in refs(claim) {
        if matches_ref(r, Owner::Set(set)) {
            if r.uid != set_uid(set) {
                return true;
            }
            continue;
        }
        if matches_ref(r, Owner::Pod(pod)) {
            if r.uid != Owner::Pod(pod).uid() {
                return true;
            }
            continue;
        }
        if r.controller == Some(true) {
            return true;
        }
    }
    false
}

/// `hasNonControllerOwner`: the set or pod owns the claim without being its controller.
fn has_non_controller_owner(claim: &PersistentVolumeClaim, set: &StatefulSet, pod: &Pod) -> bool {
    refs(claim).iter().any(|r| {
        (r.uid == set_uid(set) || r.uid == Owner::Pod(pod).uid()) && r.controller != Some(true)
    })
}

/// `isClaimOwnerUpToDate` (I17): whether the claim's refs already match the policy (I16) for
/// the pod's in-range or condemned state. Stale refs and foreign controllers count as up to
/// date (never touched), unless our own refs need scrubbing next to a foreign controller.
pub(crate) fn is_claim_owner_up_to_date(
    claim: &PersistentVolumeClaim,
    set: &StatefulSet,
    pod: &Pod,
) -> bool {
    if has_stale_owner_ref(claim, Owner::Set(set)) || has_stale_owner_ref(claim, Owner::Pod(pod)) {
        return true;
    }
    if has_unexpected_controller(claim, set, pod) {
        return !(has_owner_ref(claim, Owner::Set(set)) || has_owner_ref(claim, Owner::Pod(pod)));
    }
    if has_non_controller_owner(claim, set, pod) {
        return false;
    }
    let has_set = has_owner_ref(claim, Owner::Set(set));
    let has_pod = has_owner_ref(claim, Owner::Pod(pod));
    let scaled_down = !pod_in_ordinal_range(pod, set);
    let (scaled, deleted) = retention_policy(set);
    match (scaled.as_str(), deleted.as_str()) {
        (RETAIN, DELETE) => has_set && !has_pod,
        (DELETE, RETAIN) => !has_set && scaled_down == has_pod,
        (DELETE, DELETE) => scaled_down != has_set && scaled_down == has_pod,
        // Retain/Retain, and unknown policies treated as Retain.
        _ => !has_set && !has_pod,
    }
}

/// `updateClaimOwnerRefForSetAndPod` (I18): removes every ref to this set and pod (by name),
/// then, unless a foreign controller is present, adds the controller refs I16 asks for.
pub(crate) fn update_claim_owner_ref_for_set_and_pod(
    claim: &mut PersistentVolumeClaim,
    set: &StatefulSet,
    pod: &Pod,
) {
    let unexpected = has_unexpected_controller(claim, set, pod);
    let mut new_refs: Vec<OwnerReference> = refs(claim)
        .iter()
        .filter(|r| !matches_ref(r, Owner::Set(set)) && !matches_ref(r, Owner::Pod(pod)))
        .cloned()
        .collect();
    if !unexpected {
        let scaled_down = !pod_in_ordinal_range(pod, set);
        let mut add = |owner: Owner<'_>| {
            if !new_refs.iter().any(|r| r.uid == owner.uid()) {
                new_refs.push(owner.controller_ref());
            }
        };
        let (scaled, deleted) = retention_policy(set);
        match (scaled.as_str(), deleted.as_str(), scaled_down) {
            (RETAIN, DELETE, _) | (DELETE, DELETE, false) => add(Owner::Set(set)),
            (DELETE, RETAIN, true) | (DELETE, DELETE, true) => add(Owner::Pod(pod)),
            _ => {}
        }
    }
    // Go sets an empty (non-nil) slice, which JSON omits.
    claim.metadata.owner_references = (!new_refs.is_empty()).then_some(new_refs);
}
