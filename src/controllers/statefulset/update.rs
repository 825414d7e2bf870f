//! The rolling-update step (spec §4.4, §4.5), run at the end of a sync whose scaling work is
//! done (S27): the legacy one-pod-at-a-time walk when the `MaxUnavailableStatefulSet` gate is
//! off, and `updateStatefulSetAfterInvariantEstablished` when it is on (the v1.35 default).
//! `OnDelete` never gets here (U23).

use super::predicates::PodRef;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::Object;
use crate::sim::Cx;

use super::error::SyncError;
use super::pod_control::delete_stateful_pod;
use super::predicates::{
    get_pod_revision, is_terminating, is_unavailable, min_ready_seconds, partition, rolling_update,
};
use super::status::SetStatus;

/// The lowest index the update may touch: the partition with a `rollingUpdate` block, else 0.
fn update_min(set: &StatefulSet) -> i64 {
    partition(set).unwrap_or(0)
}

/// Deletes `pod` for the update; NotFound counts as done.
fn update_delete(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    pod: &Pod,
) -> Result<(), SyncError> {
    match delete_stateful_pod(cx, ev, set, pod) {
        Err(e) if e.api().is_some_and(|a| a.is_not_found()) => Ok(()),
        other => other,
    }
}

/// The legacy rolling update (U11–U13, gate off): from the highest index down to the
/// partition, delete the first outdated non-terminating pod (one per sync, decrementing
/// `currentReplicas`), or stop at the first unavailable pod.
pub(crate) fn rolling_update_legacy(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    replicas: &[PodRef],
    update_revision: &str,
    status: &mut SetStatus,
) -> Result<(), SyncError> {
    let min = update_min(set);
    let m = min_ready_seconds(set);
    for target in (0..replicas.len()).rev() {
        if (target as i64) < min {
            break;
        }
        let pod = &replicas[target];
        if get_pod_revision(pod) != update_revision && !is_terminating(pod) {
            update_delete(cx, ev, set, pod)?;
            status.current_replicas -= 1;
            return Ok(());
        }
        if is_unavailable(pod, m, cx.now) {
            return Ok(());
        }
    }
    Ok(())
}

/// `getStatefulSetMaxUnavailable` (U14): `maxUnavailable` (default 1) resolved against the
/// replica count, percentages rounded down, then at least 1.
pub fn get_statefulset_max_unavailable(
    max_unavailable: Option<&IntOrString>,
    replica_count: i64,
) -> Result<i64, SyncError> {
    let value = match max_unavailable {
        None => 1,
        Some(IntOrString::Int(v)) => i64::from(*v),
        Some(IntOrString::String(s)) => {
            let Some(number) = s.strip_suffix('%') else {
                return Err(SyncError::MaxUnavailable { value: s.clone() });
            };
            let pct: i64 = number
                .parse()
                .map_err(|_| SyncError::MaxUnavailable { value: s.clone() })?;
            (pct * replica_count).div_euclid(100)
        }
    };
    Ok(value.max(1))
}

/// `updateStatefulSetAfterInvariantEstablished` (U14–U18, gate on): counts the unavailable
/// in-range pods (placeholders and pods below the partition included); if they exceed
/// `maxUnavailable` nothing happens, otherwise the highest outdated non-terminating pods at or
/// above the partition are deleted until the budget is spent.
pub(crate) fn update_statefulset_after_invariant_established(
    cx: &mut Cx<'_>,
    ev: &Object,
    set: &StatefulSet,
    replicas: &[PodRef],
    update_revision: &str,
    status: &mut SetStatus,
) -> Result<(), SyncError> {
    let min = update_min(set);
    let m = min_ready_seconds(set);
    let max_unavailable = match rolling_update(set) {
        Some(r) => {
            get_statefulset_max_unavailable(r.max_unavailable.as_ref(), replicas.len() as i64)?
        }
        None => 1,
    };
    let unavailable = replicas
        .iter()
        .filter(|p| is_unavailable(p, m, cx.now))
        .count() as i64;
    if unavailable > max_unavailable {
        return Ok(());
    }
    let budget = max_unavailable - unavailable;
    let mut deleted = 0;
    for target in (0..replicas.len()).rev() {
        if (target as i64) < min || deleted >= budget {
            break;
        }
        let pod = &replicas[target];
        if get_pod_revision(pod) != update_revision && !is_terminating(pod) {
            update_delete(cx, ev, set, pod)?;
            deleted += 1;
            status.current_replicas -= 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_unavailable_rounds_down_and_is_at_least_one() {
        let pct = |s: &str| IntOrString::String(s.into());
        assert_eq!(get_statefulset_max_unavailable(None, 5), Ok(1));
        assert_eq!(
            get_statefulset_max_unavailable(Some(&IntOrString::Int(3)), 5),
            Ok(3)
        );
        assert_eq!(get_statefulset_max_unavailable(Some(&pct("50%")), 5), Ok(2));
        assert_eq!(get_statefulset_max_unavailable(Some(&pct("10%")), 5), Ok(1));
        assert_eq!(
            get_statefulset_max_unavailable(Some(&pct("100%")), 7),
            Ok(7)
        );
        assert!(get_statefulset_max_unavailable(Some(&pct("x")), 5).is_err());
    }
}
