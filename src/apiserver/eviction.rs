//! The Eviction API, `POST pods/<name>/eviction` (`pkg/registry/core/pod/storage/eviction.go`,
//! v1.35): a pod delete that a PodDisruptionBudget may refuse.
//!
//! - A pod that is Pending, Succeeded, Failed or already terminating is deleted without
//!   looking at budgets (guarded by its resourceVersion unless terminal or terminating).
//! - A pod matched by no budget is deleted; by two or more, the request fails with status 500
//!   `This pod has more than one PodDisruptionBudget, which the eviction subresource does not
//!   support.`
//! - With one budget: an unready pod is deleted without spending the budget when the budget
//!   is healthy (`currentHealthy >= desiredHealthy > 0`) or when its
//!   `unhealthyPodEvictionPolicy` is `AlwaysAllow` (the delete is then guarded by the pod's
//!   resourceVersion). Otherwise the budget must allow a disruption: a stale budget
//!   (`observedGeneration < generation`) or `disruptionsAllowed == 0` answers 429
//!   `Cannot evict pod as it would violate the pod's disruption budget.`; a granted eviction
//!   decrements `disruptionsAllowed` and records the pod in `status.disruptedPods` (so the
//!   disruption controller does not count it as healthy for two minutes) before deleting.
//! - The delete first adds `DisruptionTarget=True` (reason `EvictionByEvictionAPI`, message
//!   `Eviction API: evicting`) to the pod, then deletes it with the caller's options (grace
//!   period, preconditions, dry run).
//!
//! Only the public API of [`ApiServer`] is used, through the [`Client`] trait, so a recorded
//! controller context can evict too.
//!
//! The 429's `Retry-After` (0 s for a refusal, 10 s for a stale budget) is not carried:
//! [`ApiError`] has no field for it.

use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

use super::error::{StatusCause, StatusDetails};
use super::{ApiError, ApiServer, Client, DeleteOptions, Deleted, StatusReason};
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};

/// `MaxDisruptedPodSize`.
const MAX_DISRUPTED_POD_SIZE: usize = 2000;

/// The 429 message of a refused eviction.
pub const EVICTION_REFUSED: &str =
    "Cannot evict pod as it would violate the pod's disruption budget.";

/// `policy.DisruptionAllowedCondition`.
pub const DISRUPTION_ALLOWED: &str = "DisruptionAllowed";

/// `apimeta.SetStatusCondition` for the `DisruptionAllowed` condition: a new condition, or a
/// changed status, gets `now` as its transition time.
pub fn set_disruption_allowed(
    conditions: &mut Vec<Condition>,
    status: &str,
    reason: &str,
    message: &str,
    observed_generation: Option<i64>,
    now: &Time,
) {
    match conditions
        .iter_mut()
        .find(|c| c.type_ == DISRUPTION_ALLOWED)
    {
        None => conditions.push(Condition {
            type_: DISRUPTION_ALLOWED.into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
            observed_generation,
            last_transition_time: now.clone(),
        }),
        Some(c) => {
            if c.status != status {
                c.status = status.into();
                c.last_transition_time = now.clone();
            }
            c.reason = reason.into();
            c.message = message.into();
            c.observed_generation = observed_generation;
        }
    }
}

/// `UpdateDisruptionAllowedCondition`.
pub fn update_disruption_allowed_condition(status: &mut PodDisruptionBudgetStatus, now: &Time) {
    let (condition_status, reason) = if status.disruptions_allowed > 0 {
        ("True", "SufficientPods")
    } else {
        ("False", "InsufficientPods")
    };
    let observed_generation = status.observed_generation;
    set_disruption_allowed(
        status.conditions.get_or_insert_with(Vec::new),
        condition_status,
        reason,
        "",
        observed_generation,
        now,
    );
}

/// `errors.NewTooManyRequests` with a `DisruptionBudget` cause.
fn too_many_requests(cause: String) -> ApiError {
    ApiError {
        reason: StatusReason::TooManyRequests,
        message: EVICTION_REFUSED.to_string(),
        details: Some(Box::new(StatusDetails {
            causes: vec![StatusCause {
                reason: "DisruptionBudget".into(),
                message: cause,
                field: String::new(),
            }],
            ..Default::default()
        })),
    }
}

/// `createTooManyRequestsError`: the budget has not caught up with its spec yet.
fn still_processing(pdb: &str) -> ApiError {
    too_many_requests(format!(
        "The disruption budget {pdb} is still being processed by the server."
    ))
}

/// `errors.NewForbidden(policy.Resource("poddisruptionbudget"), ...)` (singular resource, as
/// upstream writes it).
fn pdb_forbidden(pdb: &str, why: &str) -> ApiError {
    ApiError {
        reason: StatusReason::Forbidden,
        message: format!("poddisruptionbudget.policy \"{pdb}\" is forbidden: {why}"),
        details: Some(Box::new(StatusDetails {
            name: pdb.to_string(),
            group: "policy".into(),
            kind: "poddisruptionbudget".into(),
            causes: vec![],
        })),
    }
}

/// The conflict of a precondition that no longer holds (upstream names the resource `Pod`).
fn precondition_conflict(name: &str, detail: String) -> ApiError {
    ApiError {
        reason: StatusReason::Conflict,
        message: format!("Operation cannot be fulfilled on Pod \"{name}\": {detail}"),
        details: Some(Box::new(StatusDetails {
            name: name.to_string(),
            group: String::new(),
            kind: "Pod".into(),
            causes: vec![],
        })),
    }
}

fn get_pod(api: &ApiServer, key: &ObjectKey) -> Result<Pod, ApiError> {
    match &*api.get(key)? {
        Object::Pod(p) => Ok(p.clone()),
        _ => Err(ApiError::not_found(Kind::Pod, &key.name)),
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// `canIgnorePDB`.
fn can_ignore_pdb(pod: &Pod) -> bool {
    matches!(phase(pod), "Succeeded" | "Failed" | "Pending")
        || pod.metadata.deletion_timestamp.is_some()
}

/// `shouldEnforceResourceVersion`.
fn should_enforce_resource_version(pod: &Pod) -> bool {
    !matches!(phase(pod), "Succeeded" | "Failed") && pod.metadata.deletion_timestamp.is_none()
}

/// `getPodDisruptionBudgets`: the budgets of the pod's namespace whose selector matches its
/// labels; a missing or empty selector matches nothing here.
fn pod_disruption_budgets(api: &ApiServer, pod: &Pod) -> Vec<PodDisruptionBudget> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or("");
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    api.iter_kind(Kind::PodDisruptionBudget, Some(ns))
        .filter_map(|o| match &**o {
            Object::PodDisruptionBudget(p) => Some(p.clone()),
            _ => None,
        })
        .filter(|pdb| {
            let Some(sel) = pdb.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
                return false;
            };
            match LabelSelector::from_k8s(sel) {
                Ok(s) => !s.is_empty() && s.matches(&labels),
                Err(_) => false,
            }
        })
        .collect()
}

/// `checkAndDecrement`: spends one disruption of `pdb` on `pod_name`, or refuses.
fn check_and_decrement<C: Client + ?Sized>(
    client: &mut C,
    pod_name: &str,
    mut pdb: PodDisruptionBudget,
    dry_run: bool,
) -> Result<(), ApiError> {
    let name = pdb.metadata.name.clone().unwrap_or_default();
    let mut status = pdb.status.clone().unwrap_or_default();
    if status.observed_generation.unwrap_or(0) < pdb.metadata.generation.unwrap_or(0) {
        return Err(still_processing(&name));
    }
    if status.disruptions_allowed < 0 {
        return Err(pdb_forbidden(&name, "pdb disruptions allowed is negative"));
    }
    if status.disrupted_pods.as_ref().map_or(0, |m| m.len()) > MAX_DISRUPTED_POD_SIZE {
        return Err(pdb_forbidden(
            &name,
            "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
        ));
    }
    if status.disruptions_allowed == 0 {
        return Err(too_many_requests(format!(
            "The disruption budget {name} needs {} healthy pods and has {} currently",
            status.desired_healthy, status.current_healthy
        )));
    }
    let now = client.read().now().to_k8s_time();
    status.disruptions_allowed -= 1;
    if status.disruptions_allowed == 0 {
        update_disruption_allowed_condition(&mut status, &now);
    }
    if dry_run {
        return Ok(());
    }
    status
        .disrupted_pods
        .get_or_insert_with(Default::default)
        .insert(pod_name.to_string(), now);
    pdb.status = Some(status);
    client
        .update_status(Object::PodDisruptionBudget(pdb))
        .map(|_| ())
}

/// `addConditionAndDeletePod`: marks the pod `DisruptionTarget=True` (unless a dry run), then
/// deletes it. The caller's preconditions are checked against the pod before the condition is
/// written, and a resourceVersion precondition follows that write.
fn add_condition_and_delete<C: Client + ?Sized>(
    client: &mut C,
    key: &ObjectKey,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    let mut opts = opts.clone();
    if !opts.dry_run {
        let latest = get_pod(client.read(), key)?;
        let uid = latest.metadata.uid.clone().unwrap_or_default();
        let rv = latest.metadata.resource_version.clone().unwrap_or_default();
        if let Some(want) = opts.preconditions.uid.as_deref().filter(|u| !u.is_empty())
            && want != uid
        {
            return Err(precondition_conflict(
                &key.name,
                format!(
                    "the UID in the precondition ({want}) does not match the UID in record ({uid}). The object might have been deleted and then recreated"
                ),
            ));
        }
        if let Some(want) = opts
            .preconditions
            .resource_version
            .as_deref()
            .filter(|r| !r.is_empty())
            && want != rv
        {
            return Err(precondition_conflict(
                &key.name,
                format!(
                    "the ResourceVersion in the precondition ({want}) does not match the ResourceVersion in record ({rv}). The object might have been modified"
                ),
            ));
        }
        let now = client.read().now().to_k8s_time();
        let mut pod = latest.clone();
        let status = pod.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let cond = PodCondition {
            type_: "DisruptionTarget".into(),
            status: "True".into(),
            reason: Some("EvictionByEvictionAPI".into()),
            message: Some("Eviction API: evicting".into()),
            last_transition_time: Some(now.clone()),
            ..Default::default()
        };
        match conditions.iter_mut().find(|c| c.type_ == cond.type_) {
            Some(c) => {
                let transition = if c.status == cond.status {
                    c.last_transition_time.clone()
                } else {
                    Some(now)
                };
                *c = PodCondition {
                    last_transition_time: transition,
                    ..cond
                };
            }
            None => conditions.push(cond),
        }
        let updated = client.update_status(Object::Pod(pod))?;
        if opts.preconditions.resource_version.is_some() {
            opts.preconditions.resource_version = Some(updated.resource_version().to_string());
        }
    }
    client.delete(key, &opts)
}

/// Evicts the pod at `key` (`EvictionREST.Create`): `opts` are the Eviction's
/// `deleteOptions`. Returns what the delete did; a refusal is the API server's error
/// (429 `TooManyRequests` when a budget forbids it).
pub fn evict<C: Client + ?Sized>(
    client: &mut C,
    key: &ObjectKey,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    if key.kind != Kind::Pod {
        return Err(ApiError::not_found(key.kind, &key.name));
    }
    let pod = get_pod(client.read(), key)?;
    let rv_unset = opts.preconditions.resource_version.is_none();
    if can_ignore_pdb(&pod) {
        let mut opts = opts.clone();
        if should_enforce_resource_version(&pod) && rv_unset {
            opts.preconditions.resource_version = pod.metadata.resource_version.clone();
        }
        return add_condition_and_delete(client, key, &opts);
    }
    let pdbs = pod_disruption_budgets(client.read(), &pod);
    if pdbs.len() > 1 {
        return Err(ApiError::status(
            StatusReason::Unknown(500),
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ));
    }
    let mut guard_with_rv = false;
    let mut pdb_name = String::new();
    if let Some(pdb) = pdbs.into_iter().next() {
        pdb_name = pdb.metadata.name.clone().unwrap_or_default();
        let status = pdb.status.clone().unwrap_or_default();
        let always_allow = pdb
            .spec
            .as_ref()
            .and_then(|s| s.unhealthy_pod_eviction_policy.as_deref())
            == Some("AlwaysAllow");
        if !is_ready(&pod)
            && (always_allow
                || (status.current_healthy >= status.desired_healthy && status.desired_healthy > 0))
        {
            guard_with_rv = true;
        } else {
            // RetryOnConflict: a conflict re-reads the budget and tries again.
            let mut attempt = check_and_decrement(client, &key.name, pdb, opts.dry_run);
            if attempt.as_ref().is_err_and(ApiError::is_conflict) {
                let fresh = match &*client.read().get(&ObjectKey::new(
                    Kind::PodDisruptionBudget,
                    &key.namespace,
                    &pdb_name,
                ))? {
                    Object::PodDisruptionBudget(p) => p.clone(),
                    _ => return Err(ApiError::not_found(Kind::PodDisruptionBudget, &pdb_name)),
                };
                attempt = check_and_decrement(client, &key.name, fresh, opts.dry_run);
            }
            attempt?;
        }
    }
    let mut delete_opts = opts.clone();
    if guard_with_rv {
        delete_opts.preconditions.resource_version = pod.metadata.resource_version.clone();
    }
    match add_condition_and_delete(client, key, &delete_opts) {
        Err(e) if e.is_conflict() && guard_with_rv && rv_unset => Err(still_processing(&pdb_name)),
        other => other,
    }
}

#[cfg(test)]
mod tests;
