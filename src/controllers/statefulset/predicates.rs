//! Pod predicates and StatefulSet spec accessors (spec §0.3), as `stateful_set_utils.go` and
//! `pkg/api/v1/pod` define them.
//!
//! Everything here is pure: it reads a pod or a set and the clock, and never writes. Stored
//! sets are always defaulted by the API server; where a field is nevertheless absent the
//! accessors fall back to the API default instead of failing (bad input must not panic).

use std::ops::Deref;
use std::sync::Arc;

use crate::api::Object;
use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy,
};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::engine::SimTime;
use crate::engine::time::EPOCH_UNIX_SECONDS;

/// `RollingUpdate`.
pub const ROLLING_UPDATE: &str = "RollingUpdate";
/// `OnDelete`.
pub const ON_DELETE: &str = "OnDelete";
/// `Parallel`.
pub const PARALLEL: &str = "Parallel";
/// `Retain`.
pub const RETAIN: &str = "Retain";
/// `Delete`.
pub const DELETE: &str = "Delete";

// ----- pods -----

/// A pod as the controller's cache holds it: shared with the API server's store, so listing a
/// set's pods copies nothing. Placeholders (pods not created yet) are wrapped the same way.
#[derive(Clone, Debug, PartialEq)]
pub struct PodRef(Arc<Object>);

impl PodRef {
    /// Wraps a stored object, if it is a pod.
    pub fn from_object(obj: &Arc<Object>) -> Option<PodRef> {
        matches!(**obj, Object::Pod(_)).then(|| PodRef(obj.clone()))
    }

    /// Wraps a pod built by the controller (a placeholder or a copy being changed).
    pub fn new(pod: Pod) -> PodRef {
        PodRef(Arc::new(Object::Pod(pod)))
    }

    /// A copy of the pod, to change and write.
    pub fn to_pod(&self) -> Pod {
        (**self).clone()
    }
}

impl Deref for PodRef {
    type Target = Pod;
    fn deref(&self) -> &Pod {
        match &*self.0 {
            Object::Pod(p) => p,
            _ => unreachable!("a PodRef always holds a pod"),
        }
    }
}

/// The pod's phase, or "" for an in-memory placeholder.
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// `isCreated`: the pod has a phase, i.e. the API server stores it (placeholders built by the
/// controller have none).
pub fn is_created(pod: &Pod) -> bool {
    !phase(pod).is_empty()
}

/// `isPending`.
pub fn is_pending(pod: &Pod) -> bool {
    phase(pod) == "Pending"
}

/// `isFailed`.
pub fn is_failed(pod: &Pod) -> bool {
    phase(pod) == "Failed"
}

/// `isSucceeded`.
pub fn is_succeeded(pod: &Pod) -> bool {
    phase(pod) == "Succeeded"
}

/// `isTerminating`: the pod has a deletionTimestamp.
pub fn is_terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// The pod's `Ready` condition, if any.
fn ready_condition(pod: &Pod) -> Option<&k8s_openapi::api::core::v1::PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
}

/// `podutil.IsPodReady`: the `Ready` condition is `True`.
pub fn is_pod_ready(pod: &Pod) -> bool {
    ready_condition(pod).is_some_and(|c| c.status == "True")
}

/// `isRunningAndReady`: phase `Running` and `Ready=True`.
pub fn is_running_and_ready(pod: &Pod) -> bool {
    phase(pod) == "Running" && is_pod_ready(pod)
}

/// `isRunningAndAvailable` (`podutil.IsPodAvailable`, spec §0.3 `Available`): `Ready=True` and
/// either `min_ready_seconds` is 0 or the Ready condition's lastTransitionTime plus
/// `min_ready_seconds` is not after `now` (the inclusive comparison of recent releases). The
/// phase is not looked at.
pub fn is_running_and_available(pod: &Pod, min_ready_seconds: i32, now: SimTime) -> bool {
    let Some(c) = ready_condition(pod).filter(|c| c.status == "True") else {
        return false;
    };
    if min_ready_seconds <= 0 {
        return true;
    }
    let Some(ltt) = &c.last_transition_time else {
        return false;
    };
    let ltt_ms = i128::from(ltt.0.as_second()) * 1000;
    let now_ms = i128::from(EPOCH_UNIX_SECONDS) * 1000 + i128::from(now.as_ms());
    ltt_ms + i128::from(min_ready_seconds) * 1000 <= now_ms
}

/// `isUnavailable` (spec §0.3, reconstructed, Q1): not (Running, Ready and Available), or
/// terminating. Placeholders are always unavailable.
pub fn is_unavailable(pod: &Pod, min_ready_seconds: i32, now: SimTime) -> bool {
    !(is_running_and_ready(pod) && is_running_and_available(pod, min_ready_seconds, now))
        || is_terminating(pod)
}

/// `getPodRevision`: the `controller-revision-hash` label, or "".
pub fn get_pod_revision(pod: &Pod) -> &str {
    pod.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(super::identity::REVISION_LABEL))
        .map_or("", String::as_str)
}

// ----- sets -----

/// `spec.replicas` (default 1).
pub fn replicas(set: &StatefulSet) -> i32 {
    set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

/// `spec.minReadySeconds` (default 0).
pub fn min_ready_seconds(set: &StatefulSet) -> i32 {
    set.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

/// `getStartOrdinal`: `spec.ordinals.start`, or 0.
pub fn get_start_ordinal(set: &StatefulSet) -> i64 {
    set.spec
        .as_ref()
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .map_or(0, i64::from)
}

/// `getEndOrdinal`: the last in-range ordinal (inclusive); start − 1 when replicas is 0.
pub fn get_end_ordinal(set: &StatefulSet) -> i64 {
    get_start_ordinal(set) + i64::from(replicas(set)) - 1
}

/// `allowsBurst`: `podManagementPolicy: Parallel`.
pub fn allows_burst(set: &StatefulSet) -> bool {
    set.spec
        .as_ref()
        .and_then(|s| s.pod_management_policy.as_deref())
        == Some(PARALLEL)
}

/// `spec.updateStrategy.type` (default `RollingUpdate`).
pub fn update_strategy_type(set: &StatefulSet) -> &str {
    set.spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        .unwrap_or(ROLLING_UPDATE)
}

/// `spec.updateStrategy.rollingUpdate`, which may be absent (spec D2).
pub fn rolling_update(set: &StatefulSet) -> Option<&RollingUpdateStatefulSetStrategy> {
    set.spec
        .as_ref()?
        .update_strategy
        .as_ref()?
        .rolling_update
        .as_ref()
}

/// `rollingUpdate.partition` when `rollingUpdate` is set (default 0).
pub fn partition(set: &StatefulSet) -> Option<i64> {
    rolling_update(set).map(|r| i64::from(r.partition.unwrap_or(0)))
}

/// `spec.revisionHistoryLimit` (default 10).
pub fn revision_history_limit(set: &StatefulSet) -> i32 {
    set.spec
        .as_ref()
        .and_then(|s| s.revision_history_limit)
        .unwrap_or(10)
}

/// `spec.serviceName`, or "".
pub fn service_name(set: &StatefulSet) -> &str {
    set.spec
        .as_ref()
        .and_then(|s| s.service_name.as_deref())
        .unwrap_or("")
}

/// `spec.volumeClaimTemplates`.
pub fn claim_templates(set: &StatefulSet) -> &[PersistentVolumeClaim] {
    set.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or(&[])
}

/// `getPersistentVolumeClaimRetentionPolicy`: the set's policy, or Retain/Retain when absent.
/// A missing sub-field counts as Retain (what defaulting would have filled).
pub fn retention_policy(set: &StatefulSet) -> (String, String) {
    let policy = set
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_claim_retention_policy.as_ref());
    let field = |f: fn(&StatefulSetPersistentVolumeClaimRetentionPolicy) -> Option<&String>| {
        policy
            .and_then(f)
            .filter(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| RETAIN.to_string())
    };
    (
        field(|p| p.when_scaled.as_ref()),
        field(|p| p.when_deleted.as_ref()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{PodCondition, PodStatus};

    fn pod(phase: &str, ready: Option<(&str, u64)>) -> Pod {
        Pod {
            status: Some(PodStatus {
                phase: Some(phase.into()),
                conditions: ready.map(|(s, at)| {
                    vec![PodCondition {
                        type_: "Ready".into(),
                        status: s.into(),
                        last_transition_time: Some(SimTime::from_ms(at).to_k8s_time()),
                        ..Default::default()
                    }]
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn availability_is_inclusive_and_needs_the_ready_time() {
        let p = pod("Running", Some(("True", 10_000)));
        assert!(is_running_and_available(&p, 0, SimTime::from_ms(10_000)));
        assert!(!is_running_and_available(&p, 5, SimTime::from_ms(14_999)));
        assert!(is_running_and_available(&p, 5, SimTime::from_ms(15_000)));
        assert!(!is_unavailable(&p, 5, SimTime::from_ms(15_000)));
        assert!(is_unavailable(&p, 5, SimTime::from_ms(14_000)));
        let not_ready = pod("Running", Some(("False", 0)));
        assert!(!is_running_and_available(&not_ready, 0, SimTime::ZERO));
        assert!(is_unavailable(&Pod::default(), 0, SimTime::ZERO));
        // Ready but not Running: available by IsPodAvailable, yet unavailable for the set.
        let pending_ready = pod("Pending", Some(("True", 0)));
        assert!(is_running_and_available(&pending_ready, 0, SimTime::ZERO));
        assert!(is_unavailable(&pending_ready, 0, SimTime::ZERO));
    }
}
