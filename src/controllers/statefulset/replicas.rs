//! The reconcile of one sync (`updateStatefulSet`, spec §2.3–§2.6): partition the claimed pods
//! into in-range replicas and condemned pods, fill empty slots with placeholders, then run
//! Phase A (`processReplica`), Phase B (condemned claims), Phase C (`processCondemned`) and
//! the rolling update, in monotonic (OrderedReady) or burst (Parallel) mode.

use std::collections::BTreeMap;

use super::predicates::PodRef;
use k8s_openapi::api::apps::v1::StatefulSet;

use crate::api::Object;
use crate::sim::Cx;

use super::error::SyncError;
use super::identity::{
    get_ordinal, identity_matches, new_versioned_statefulset_pod, pod_in_ordinal_range,
    storage_matches, uses_current_revision,
};
use super::pod_control::{
    claims_match_retention_policy, create_missing_persistent_volume_claims, create_stateful_pod,
    delete_stateful_pod, pod_claim_is_stale, update_pod_claim_for_retention_policy,
    update_stateful_pod,
};
use super::predicates::{
    ON_DELETE, allows_burst, get_end_ordinal, get_start_ordinal, is_created, is_failed, is_pending,
    is_running_and_available, is_running_and_ready, is_succeeded, is_terminating, is_unavailable,
    min_ready_seconds, update_strategy_type,
};
use super::revision::apply_revision;
use super::status::{SetStatus, update_status};
use super::update::{rolling_update_legacy, update_statefulset_after_invariant_established};
use k8s_openapi::api::apps::v1::ControllerRevision;

/// `MaxBatchSize`: the largest slow-start batch in burst mode.
pub const MAX_BATCH_SIZE: usize = 500;

/// Switches of the reconcile that are not part of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlOptions {
    /// `MaxUnavailableStatefulSet` (spec §0.2): selects the rolling-update algorithm.
    pub max_unavailable_gate: bool,
    /// Test-only sabotage: skip the monotonic Running/Ready/Available checks of Phase A
    /// (S32–S34), to show that the ordered-creation invariant catches it.
    pub skip_ready_checks: bool,
}

/// What `updateStatefulSet` hands back: the status to write (absent only when a revision
/// could not be applied) and the error, if any.
#[derive(Debug, Default)]
pub struct ReconcileOutcome {
    /// The computed status.
    pub status: Option<SetStatus>,
    /// The first error (or aggregate) of the reconcile.
    pub error: Option<SyncError>,
}

/// `slowStartBatch` (S41, S42): runs `f` over `0..count` in batches of 1, 2, 4, … (at most
/// [`MAX_BATCH_SIZE`]). Items of a batch run in ascending order and all of them run even if
/// one fails (upstream runs them concurrently); a failed batch stops the following ones.
/// Returns the number of successes, and the aggregated errors.
pub fn slow_start_batch(
    initial_batch_size: usize,
    count: usize,
    mut f: impl FnMut(usize) -> Result<bool, SyncError>,
) -> (usize, Option<SyncError>) {
    let mut remaining = count;
    let mut successes = 0;
    let mut next = 0;
    let mut batch = remaining.min(initial_batch_size);
    while batch > 0 {
        let mut errors = Vec::new();
        for _ in 0..batch {
            match f(next) {
                Ok(_) => successes += 1,
                Err(e) => errors.push(e),
            }
            next += 1;
        }
        if !errors.is_empty() {
            return (successes, SyncError::aggregate(errors));
        }
        remaining -= batch;
        batch = (2 * batch).min(remaining).min(MAX_BATCH_SIZE);
    }
    (successes, None)
}

/// `runForAll` (S40, S41): monotonic mode stops at the first item asking to stop or failing;
/// burst mode ignores the stop flags and runs slow-start batches. Returns whether the caller
/// must stop.
pub fn run_for_all(
    count: usize,
    monotonic: bool,
    mut f: impl FnMut(usize) -> Result<bool, SyncError>,
) -> Result<bool, SyncError> {
    if monotonic {
        for i in 0..count {
            if f(i)? {
                return Ok(true);
            }
        }
        Ok(false)
    } else {
        match slow_start_batch(1, count, f) {
            (_, Some(e)) => Err(e),
            (_, None) => Ok(false),
        }
    }
}

/// Everything `processReplica` and `processCondemned` read.
struct Phase<'a> {
    ev: &'a Object,
    set: &'a StatefulSet,
    update_set: &'a StatefulSet,
    monotonic: bool,
    opts: ControlOptions,
}

/// `processReplica` (S29–S35) for `replicas[i]`. `Ok(true)` asks a monotonic caller to stop.
fn process_replica(
    cx: &mut Cx<'_>,
    p: &Phase<'_>,
    replicas: &[PodRef],
    i: usize,
) -> Result<bool, SyncError> {
    let pod = &replicas[i];
    let m = min_ready_seconds(p.set);
    // S29: evicted or otherwise stopped pods end Failed or Succeeded; either way the pod is
    // deleted and recreated (in a later sync, once the old object is gone).
    if is_failed(pod) || is_succeeded(pod) {
        if !is_terminating(pod) {
            delete_stateful_pod(cx, p.ev, p.set, pod)?;
        }
        return Ok(true);
    }
    // S30: a placeholder is created (claims first), unless its claims are stale.
    if !is_created(pod) {
        if pod_claim_is_stale(cx, p.set, pod) {
            return Ok(true);
        }
        create_stateful_pod(cx, p.ev, p.set, pod)?;
        if p.monotonic {
            return Ok(true);
        }
    }
    // S31: a pending pod gets its missing claims back.
    if is_pending(pod) {
        create_missing_persistent_volume_claims(cx, p.ev, p.set, pod)?;
    }
    if p.monotonic && !p.opts.skip_ready_checks {
        // S32–S34: wait for graceful deletion, then Running and Ready, then Available.
        if is_terminating(pod)
            || !is_running_and_ready(pod)
            || !is_running_and_available(pod, m, cx.now)
        {
            return Ok(true);
        }
    }
    // S35: enforce identity, storage and retention (a failed check counts as a match).
    let retention_match = claims_match_retention_policy(cx, p.update_set, pod);
    if identity_matches(p.set, pod) && storage_matches(p.set, pod) && retention_match {
        return Ok(false);
    }
    update_stateful_pod(cx, p.ev, p.update_set, pod)?;
    Ok(false)
}

/// Which pod `updateStatefulSet` found to be the first unavailable one (S20).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FirstUnavailable {
    None,
    Replica(usize),
    Condemned(usize),
}

/// `processCondemned` (S36–S39) for `condemned[i]` (sorted by descending ordinal).
fn process_condemned(
    cx: &mut Cx<'_>,
    p: &Phase<'_>,
    first_unavailable: FirstUnavailable,
    condemned: &[PodRef],
    i: usize,
) -> Result<bool, SyncError> {
    let pod = &condemned[i];
    let m = min_ready_seconds(p.set);
    if is_terminating(pod) {
        return Ok(p.monotonic);
    }
    let is_first = first_unavailable == FirstUnavailable::Condemned(i);
    // S37, S38: monotonic scale-down waits on an unhealthy pod unless it is the first
    // unavailable one.
    if p.monotonic
        && !is_first
        && (!is_running_and_ready(pod) || !is_running_and_available(pod, m, cx.now))
    {
        return Ok(true);
    }
    delete_stateful_pod(cx, p.ev, p.set, pod)?;
    Ok(true)
}

/// Placeholders built by earlier syncs, by (set uid, revision name, ordinal). A placeholder
/// depends only on those (the revision fixes the template; name, service and claim templates
/// are immutable), so rebuilding it every sync, as upstream does, is wasted work that makes a
/// large OrderedReady set quadratic in allocations.
#[derive(Default)]
pub(crate) struct PlaceholderCache {
    by_key: BTreeMap<(String, String, i64), PodRef>,
}

impl PlaceholderCache {
    fn get_or_build(
        &mut self,
        set_uid: &str,
        revision: &str,
        ordinal: i64,
        build: impl FnOnce() -> k8s_openapi::api::core::v1::Pod,
    ) -> PodRef {
        self.by_key
            .entry((set_uid.to_string(), revision.to_string(), ordinal))
            .or_insert_with(|| PodRef::new(build()))
            .clone()
    }

    /// Drops the placeholders of `set_uid` built for revisions other than these two.
    fn retain_revisions(&mut self, set_uid: &str, current: &str, update: &str) {
        self.by_key
            .retain(|(uid, rev, _), _| uid != set_uid || rev == current || rev == update);
    }
}

/// `updateStatefulSet` (S15–S27): one reconcile of `set` (the cached set) with its claimed
/// `pods`, given the current and update revisions. Returns the status to write and the error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn update_statefulset(
    cx: &mut Cx<'_>,
    ev: &Object,
    opts: ControlOptions,
    set: &StatefulSet,
    current_revision: &ControllerRevision,
    update_revision: &ControllerRevision,
    collision_count: i32,
    pods: &[PodRef],
    placeholders: &mut PlaceholderCache,
) -> ReconcileOutcome {
    // S15
    let current_set = match apply_revision(set, current_revision) {
        Ok(s) => s,
        Err(e) => {
            return ReconcileOutcome {
                status: None,
                error: Some(e),
            };
        }
    };
    let update_set = match apply_revision(set, update_revision) {
        Ok(s) => s,
        Err(e) => {
            return ReconcileOutcome {
                status: None,
                error: Some(e),
            };
        }
    };
    let current_name = current_revision.metadata.name.clone().unwrap_or_default();
    let update_name = update_revision.metadata.name.clone().unwrap_or_default();
    let m = min_ready_seconds(set);
    let now = cx.now;

    // S16
    let mut status = SetStatus {
        observed_generation: set.metadata.generation.unwrap_or(0),
        current_revision: current_name.clone(),
        update_revision: update_name.clone(),
        collision_count,
        ..Default::default()
    };
    update_status(&mut status, m, now, &current_name, &update_name, &[pods]);

    // S17: in-range pods by index, condemned pods aside, unparseable ordinals ignored.
    let start = get_start_ordinal(set);
    let end = get_end_ordinal(set);
    let replica_count = usize::try_from(end - start + 1).unwrap_or(0);
    let mut slots: Vec<Option<PodRef>> = vec![None; replica_count];
    let mut condemned: Vec<PodRef> = Vec::new();
    for pod in pods {
        if pod_in_ordinal_range(pod, set) {
            slots[(get_ordinal(pod) - start) as usize] = Some(pod.clone());
        } else if get_ordinal(pod) >= 0 {
            condemned.push(pod.clone());
        }
    }
    // S18: placeholders at the revision U7 chooses (built once per set, revision and ordinal).
    let set_uid = set.metadata.uid.clone().unwrap_or_default();
    placeholders.retain_revisions(&set_uid, &current_name, &update_name);
    let replicas: Vec<PodRef> = slots
        .into_iter()
        .enumerate()
        .map(|(index, slot)| {
            slot.unwrap_or_else(|| {
                let ordinal = start + index as i64;
                let revision = if uses_current_revision(&current_set, ordinal) {
                    &current_name
                } else {
                    &update_name
                };
                placeholders.get_or_build(&set_uid, revision, ordinal, || {
                    new_versioned_statefulset_pod(
                        &current_set,
                        &update_set,
                        &current_name,
                        &update_name,
                        ordinal,
                    )
                })
            })
        })
        .collect();
    // S19
    condemned.sort_by_key(|p| std::cmp::Reverse(get_ordinal(p)));
    // S20: lowest unavailable replica, else lowest unavailable condemned pod.
    let mut first_unavailable = replicas
        .iter()
        .position(|p| is_unavailable(p, m, now))
        .map_or(FirstUnavailable::None, FirstUnavailable::Replica);
    if first_unavailable == FirstUnavailable::None
        && let Some(i) = (0..condemned.len())
            .rev()
            .find(|i| is_unavailable(&condemned[*i], m, now))
    {
        first_unavailable = FirstUnavailable::Condemned(i);
    }

    // S21: a set being deleted only gets its status refreshed.
    if set.metadata.deletion_timestamp.is_some() {
        return ReconcileOutcome {
            status: Some(status),
            error: None,
        };
    }

    let monotonic = !allows_burst(set);
    let phase = Phase {
        ev,
        set,
        update_set: &update_set,
        monotonic,
        opts,
    };
    let recount = |status: &mut SetStatus| {
        update_status(
            status,
            m,
            now,
            &current_name,
            &update_name,
            &[&replicas, &condemned],
        );
    };

    // S22: Phase A.
    let result = run_for_all(replicas.len(), monotonic, |i| {
        process_replica(cx, &phase, &replicas, i)
    });
    if !matches!(result, Ok(false)) {
        recount(&mut status);
        return ReconcileOutcome {
            status: Some(status),
            error: result.err(),
        };
    }

    // S23: Phase B, claims of condemned pods.
    let result = run_for_all(condemned.len(), monotonic, |i| {
        if !claims_match_retention_policy(cx, &update_set, &condemned[i]) {
            update_pod_claim_for_retention_policy(cx, ev, &update_set, &condemned[i])?;
        }
        Ok(false)
    });
    if !matches!(result, Ok(false)) {
        recount(&mut status);
        return ReconcileOutcome {
            status: Some(status),
            error: result.err(),
        };
    }

    // S24: Phase C.
    let result = run_for_all(condemned.len(), monotonic, |i| {
        process_condemned(cx, &phase, first_unavailable, &condemned, i)
    });
    if !matches!(result, Ok(false)) {
        recount(&mut status);
        return ReconcileOutcome {
            status: Some(status),
            error: result.err(),
        };
    }

    // S25
    recount(&mut status);

    // S26
    if update_strategy_type(set) == ON_DELETE {
        return ReconcileOutcome {
            status: Some(status),
            error: None,
        };
    }

    // S27
    let result = if opts.max_unavailable_gate {
        update_statefulset_after_invariant_established(
            cx,
            ev,
            set,
            &replicas,
            &update_name,
            &mut status,
        )
    } else {
        rolling_update_legacy(cx, ev, set, &replicas, &update_name, &mut status)
    };
    ReconcileOutcome {
        status: Some(status),
        error: result.err(),
    }
}
