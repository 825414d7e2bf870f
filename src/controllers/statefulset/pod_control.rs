//! The writes of one pod and its claims (`stateful_pod_control.go`, spec §3.3–§3.5): create a
//! pod after its claims, enforce identity/storage/retention on an existing pod, delete a pod,
//! and the events each of these records on the StatefulSet.
//!
//! Reads come from the API server's state (a cache that never lags); every write goes through
//! the recorded, fault-injectable client of the reconcile context.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{Client, DeleteOptions};
use crate::sim::{Cx, EventSource};

use super::error::SyncError;
use super::identity::{
    get_ordinal, get_persistent_volume_claim_name, get_persistent_volume_claims, identity_matches,
    pod_name, set_namespace, storage_matches, update_identity, update_storage,
};
use super::predicates::{RETAIN, claim_templates, retention_policy};
use super::storage::{
    Owner, has_stale_owner_ref, has_unexpected_controller, is_claim_owner_up_to_date,
    update_claim_owner_ref_for_set_and_pod,
};

/// The component events are reported by.
pub const COMPONENT: &str = "statefulset-controller";

/// Attempts of `retry.DefaultBackoff` (pod updates retried on conflict).
const POD_UPDATE_ATTEMPTS: usize = 4;

/// Records an event on the StatefulSet `ev`.
fn record(cx: &mut Cx<'_>, ev: &Object, type_: &str, reason: &str, message: &str) {
    cx.record_event(
        &EventSource::component(COMPONENT),
        ev,
        type_,
        reason,
        message,
    );
}

/// `strings.Title(verb)`.
fn title(verb: &str) -> String {
    let mut c = verb.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `recordPodEvent`: `Successful<Verb>` / `Failed<Verb>` with upstream's texts.
fn record_pod_event(cx: &mut Cx<'_>, ev: &Object, verb: &str, pod: &Pod, err: Option<&SyncError>) {
    let set = ev.name().to_string();
    match err {
        None => record(
            cx,
            ev,
            "Normal",
            &format!("Successful{}", title(verb)),
            &format!(
                "{verb} Pod {} in StatefulSet {set} successful",
                pod_name(pod)
            ),
        ),
        Some(e) => record(
            cx,
            ev,
            "Warning",
            &format!("Failed{}", title(verb)),
            &format!(
                "{verb} Pod {} in StatefulSet {set} failed error: {e}",
                pod_name(pod)
            ),
        ),
    }
}

/// `recordClaimEvent`: note `success` (not `successful`) and `for Pod` only on failure.
fn record_claim_event(
    cx: &mut Cx<'_>,
    ev: &Object,
    verb: &str,
    pod: &Pod,
    claim: &str,
    err: Option<&SyncError>,
) {
    let set = ev.name().to_string();
    match err {
        None => record(
            cx,
            ev,
            "Normal",
            &format!("Successful{}", title(verb)),
            &format!(
                "{verb} Claim {claim} Pod {} in StatefulSet {set} success",
                pod_name(pod)
            ),
        ),
        Some(e) => record(
            cx,
            ev,
            "Warning",
            &format!("Failed{}", title(verb)),
            &format!(
                "{verb} Claim {claim} for Pod {} in StatefulSet {set} failed error: {e}",
                pod_name(pod)
            ),
        ),
    }
}

fn get_claim(cx: &Cx<'_>, namespace: &str, name: &str) -> Option<PersistentVolumeClaim> {
    let key = ObjectKey::new(Kind::PersistentVolumeClaim, namespace, name);
    match cx.read().try_get(&key).map(|o| &**o) {
        Some(Object::PersistentVolumeClaim(c)) => Some(c.clone()),
        _ => None,
    }
}

/// `createPersistentVolumeClaims` (I10, I11): creates every missing claim of the pod, reuses
/// live ones as they are, and fails (after trying all) when one could not be created or is
/// being deleted. AlreadyExists is an error but records no event.
pub(crate) fn create_persistent_volume_claims(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    let mut errors = Vec::new();
    for (_, claim) in get_persistent_volume_claims(set, pod) {
        let name = claim.metadata.name.clone().unwrap_or_default();
        let namespace = claim.metadata.namespace.clone().unwrap_or_default();
        match get_claim(cx, &namespace, &name) {
            None => match cx.create(Object::PersistentVolumeClaim(claim)) {
                Ok(_) => record_claim_event(cx, ev, "create", pod, &name, None),
                Err(e) => {
                    let already_exists = e.is_already_exists();
                    let err = SyncError::Api(e.clone());
                    if !already_exists {
                        record_claim_event(cx, ev, "create", pod, &name, Some(&err));
                    }
                    errors.push(SyncError::ClaimCreateFailed {
                        claim: name,
                        source: e,
                    });
                }
            },
            Some(existing) => {
                if existing.metadata.deletion_timestamp.is_some() {
                    errors.push(SyncError::ClaimTerminating { claim: name });
                }
            }
        }
    }
    match SyncError::aggregate(errors) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// `createMissingPersistentVolumeClaims` (S31): claims, then the retention refs.
pub(crate) fn create_missing_persistent_volume_claims(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    create_persistent_volume_claims(cx, ev, set, pod)?;
    if let Err(e) = update_pod_claim_for_retention_policy(cx, ev, set, pod) {
        record_pod_event(cx, ev, "update", pod, Some(&e));
        return Err(e);
    }
    Ok(())
}

/// `ClaimsMatchRetentionPolicy`: whether every existing claim of the pod has the owner refs
/// the policy asks for (missing claims are skipped).
pub(crate) fn claims_match_retention_policy(cx: &Cx<'_>, set: &StatefulSet, pod: &Pod) -> bool {
    let ordinal = get_ordinal(pod);
    claim_templates(set).iter().all(|t| {
        let name = get_persistent_volume_claim_name(set, t, ordinal);
        get_claim(cx, set_namespace(set), &name)
            .is_none_or(|claim| is_claim_owner_up_to_date(&claim, set, pod))
    })
}

/// `UpdatePodClaimForRetentionPolicy` (I18): rewrites the owner refs of each existing claim
/// that does not match the policy, warning with `ConflictingController` when another
/// controller owns a claim.
pub(crate) fn update_pod_claim_for_retention_policy(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    let ordinal = get_ordinal(pod);
    for t in claim_templates(set) {
        let name = get_persistent_volume_claim_name(set, t, ordinal);
        let Some(mut claim) = get_claim(cx, set_namespace(set), &name) else {
            continue;
        };
        if has_unexpected_controller(&claim, set, pod) {
            record(
                cx,
                ev,
                "Warning",
                "ConflictingController",
                &format!(
                    "PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim"
                ),
            );
        }
        if !is_claim_owner_up_to_date(&claim, set, pod) {
            update_claim_owner_ref_for_set_and_pod(&mut claim, set, pod);
            cx.update(Object::PersistentVolumeClaim(claim))
                .map_err(|e| SyncError::ClaimUpdateFailed {
                    claim: name.clone(),
                    source: e,
                })?;
        }
    }
    Ok(())
}

/// `PodClaimIsStale` (S30.1, I21): with `whenScaled: Delete`, a claim of the ordinal still
/// owned by a previous incarnation of the pod (a pod ref with another uid) blocks creation.
pub(crate) fn pod_claim_is_stale(cx: &Cx<'_>, set: &StatefulSet, pod: &Pod) -> bool {
    let (when_scaled, _) = retention_policy(set);
    if when_scaled == RETAIN {
        return false;
    }
    get_persistent_volume_claims(set, pod).iter().any(|(_, c)| {
        get_claim(
            cx,
            c.metadata.namespace.as_deref().unwrap_or(""),
            c.metadata.name.as_deref().unwrap_or(""),
        )
        .is_some_and(|existing| has_stale_owner_ref(&existing, Owner::Pod(pod)))
    })
}

/// `CreateStatefulPod` (I12): claims first, then the pod, then the retention refs. A failed
/// claim records `FailedCreate` for the pod; a pod AlreadyExists is returned without an event.
pub(crate) fn create_stateful_pod(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    if let Err(e) = create_persistent_volume_claims(cx, ev, set, pod) {
        record_pod_event(cx, ev, "create", pod, Some(&e));
        return Err(e);
    }
    let result = cx.create(Object::Pod(pod.clone()));
    if let Err(e) = &result
        && e.is_already_exists()
    {
        return Err(SyncError::Api(e.clone()));
    }
    if let Err(e) = update_pod_claim_for_retention_policy(cx, ev, set, pod) {
        record_pod_event(cx, ev, "update", pod, Some(&e));
        return Err(e);
    }
    let err = result.err().map(SyncError::Api);
    record_pod_event(cx, ev, "create", pod, err.as_ref());
    match err {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

/// `UpdateStatefulPod` (I9): repairs identity, storage (creating missing claims) and claim
/// retention on `pod`, and writes the pod with a full update when anything was off, retrying
/// on conflict with a fresh copy. Records `SuccessfulUpdate`/`FailedUpdate` only when an
/// update was attempted.
pub(crate) fn update_stateful_pod(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    let mut pod = pod.clone();
    let mut attempted = false;
    let mut result = Ok(());
    for _ in 0..POD_UPDATE_ATTEMPTS {
        let mut consistent = true;
        if !identity_matches(set, &pod) {
            update_identity(set, &mut pod);
            consistent = false;
        }
        if !storage_matches(set, &pod) {
            update_storage(set, &mut pod);
            consistent = false;
            if let Err(e) = create_persistent_volume_claims(cx, ev, set, &pod) {
                record_pod_event(cx, ev, "update", &pod, Some(&e));
                return Err(e);
            }
        }
        if !claims_match_retention_policy(cx, set, &pod) {
            if let Err(e) = update_pod_claim_for_retention_policy(cx, ev, set, &pod) {
                record_pod_event(cx, ev, "update", &pod, Some(&e));
                return Err(e);
            }
            consistent = false;
        }
        if consistent {
            result = Ok(());
            break;
        }
        attempted = true;
        match cx.update(Object::Pod(pod.clone())) {
            Ok(_) => {
                result = Ok(());
                break;
            }
            Err(e) => {
                let conflict = e.is_conflict();
                let key = ObjectKey::new(Kind::Pod, set_namespace(set), pod_name(&pod));
                if let Some(Object::Pod(fresh)) = cx.read().try_get(&key).map(|o| &**o) {
                    pod = fresh.clone();
                }
                result = Err(SyncError::Api(e));
                if !conflict {
                    break;
                }
            }
        }
    }
    if attempted {
        record_pod_event(cx, ev, "update", &pod, result.as_ref().err());
    }
    result
}

/// `DeleteStatefulPod`: a plain graceful delete; claims are left alone (I15).
pub(crate) fn delete_stateful_pod(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    let key = ObjectKey::new(Kind::Pod, set_namespace(set), pod_name(pod));
    let err = cx
        .delete(&key, &DeleteOptions::default())
        .err()
        .map(SyncError::Api);
    record_pod_event(cx, ev, "delete", pod, err.as_ref());
    match err {
        None => Ok(()),
        Some(e) => Err(e),
    }
}
