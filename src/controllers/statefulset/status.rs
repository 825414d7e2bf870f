//! Status (spec §5): the counters computed over pods (`computeReplicaStatus`,
//! `updateStatus`), rollout completion (`completeRollingUpdate`), and the write
//! (`updateStatefulSetStatus` with `inconsistentStatus`, and the status updater's
//! retry-on-conflict).

use super::predicates::PodRef;
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetStatus};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::Client;
use crate::engine::SimTime;
use crate::sim::Cx;

use super::error::SyncError;
use super::identity::{set_name, set_namespace};
use super::predicates::{
    ROLLING_UPDATE, get_pod_revision, is_created, is_running_and_available, is_running_and_ready,
    is_terminating, replicas, update_strategy_type,
};

/// Attempts of `retry.DefaultRetry` (status writes retried on conflict).
const STATUS_WRITE_ATTEMPTS: usize = 5;

/// The status a sync computes, with Go's zero values (converted to the API's optional fields
/// only when written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetStatus {
    /// `observedGeneration`.
    pub observed_generation: i64,
    /// `replicas` (ST1).
    pub replicas: i32,
    /// `readyReplicas` (ST2).
    pub ready_replicas: i32,
    /// `availableReplicas` (ST3).
    pub available_replicas: i32,
    /// `currentReplicas` (ST4).
    pub current_replicas: i32,
    /// `updatedReplicas` (ST5).
    pub updated_replicas: i32,
    /// `currentRevision`.
    pub current_revision: String,
    /// `updateRevision`.
    pub update_revision: String,
    /// `collisionCount`.
    pub collision_count: i32,
}

impl SetStatus {
    /// The cached status of a set, absent fields as zero.
    pub fn of(set: &StatefulSet) -> SetStatus {
        let Some(s) = set.status.as_ref() else {
            return SetStatus::default();
        };
        SetStatus {
            observed_generation: s.observed_generation.unwrap_or(0),
            replicas: s.replicas,
            ready_replicas: s.ready_replicas.unwrap_or(0),
            available_replicas: s.available_replicas.unwrap_or(0),
            current_replicas: s.current_replicas.unwrap_or(0),
            updated_replicas: s.updated_replicas.unwrap_or(0),
            current_revision: s.current_revision.clone().unwrap_or_default(),
            update_revision: s.update_revision.clone().unwrap_or_default(),
            collision_count: s.collision_count.unwrap_or(0),
        }
    }

    /// The API form, with the JSON tags of `apps/v1.StatefulSetStatus`: zero counters with
    /// `omitempty` are absent, `replicas` and `availableReplicas` are always present,
    /// `collisionCount` (a pointer) is present, conditions are never carried (ST8).
    pub fn to_api(&self) -> StatefulSetStatus {
        let nz = |v: i32| (v != 0).then_some(v);
        StatefulSetStatus {
            observed_generation: (self.observed_generation != 0)
                .then_some(self.observed_generation),
            replicas: self.replicas,
            ready_replicas: nz(self.ready_replicas),
            available_replicas: Some(self.available_replicas),
            current_replicas: nz(self.current_replicas),
            updated_replicas: nz(self.updated_replicas),
            current_revision: (!self.current_revision.is_empty())
                .then(|| self.current_revision.clone()),
            update_revision: (!self.update_revision.is_empty())
                .then(|| self.update_revision.clone()),
            collision_count: Some(self.collision_count),
            conditions: None,
        }
    }
}

/// `computeReplicaStatus` + `updateStatus` (ST1–ST5): recounts `status` over the pod lists
/// (placeholders are not created and count nowhere).
pub fn update_status(
    status: &mut SetStatus,
    min_ready_seconds: i32,
    now: SimTime,
    current_revision: &str,
    update_revision: &str,
    lists: &[&[PodRef]],
) {
    status.replicas = 0;
    status.ready_replicas = 0;
    status.available_replicas = 0;
    status.current_replicas = 0;
    status.updated_replicas = 0;
    for pod in lists.iter().flat_map(|l| l.iter()) {
        if is_created(pod) {
            status.replicas += 1;
        }
        if is_running_and_ready(pod) {
            status.ready_replicas += 1;
            if is_running_and_available(pod, min_ready_seconds, now) {
                status.available_replicas += 1;
            }
        }
        if is_created(pod) && !is_terminating(pod) {
            let revision = get_pod_revision(pod);
            if revision == current_revision {
                status.current_replicas += 1;
            }
            if revision == update_revision {
                status.updated_replicas += 1;
            }
        }
    }
}

/// `completeRollingUpdate` (U19, U20): with RollingUpdate, when updated = ready = replicas =
/// `spec.replicas`, the update revision becomes current. Availability is not checked.
pub fn complete_rolling_update(set: &StatefulSet, status: &mut SetStatus) {
    let n = replicas(set);
    if update_strategy_type(set) == ROLLING_UPDATE
        && status.updated_replicas == n
        && status.ready_replicas == n
        && status.replicas == n
    {
        status.current_replicas = status.updated_replicas;
        status.current_revision = status.update_revision.clone();
    }
}

/// `inconsistentStatus` (ST9): a newer observedGeneration or any counter/revision differs; a
/// collisionCount change alone does not count.
pub fn inconsistent_status(set: &StatefulSet, status: &SetStatus) -> bool {
    let old = SetStatus::of(set);
    status.observed_generation > old.observed_generation
        || status.replicas != old.replicas
        || status.current_replicas != old.current_replicas
        || status.ready_replicas != old.ready_replicas
        || status.updated_replicas != old.updated_replicas
        || status.current_revision != old.current_revision
        || status.available_replicas != old.available_replicas
        || status.update_revision != old.update_revision
}

/// `updateStatefulSetStatus` (ST9, ST10): completes the rollout if due, then writes the whole
/// status through the status subresource unless nothing observable changed, retrying on
/// conflict with the cached copy.
pub fn update_statefulset_status(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    status: &mut SetStatus,
) -> Result<(), SyncError> {
    complete_rolling_update(set, status);
    if !inconsistent_status(set, status) {
        return Ok(());
    }
    let key = ObjectKey::new(Kind::StatefulSet, set_namespace(set), set_name(set));
    let mut target = set.clone();
    let mut last = Ok(());
    for _ in 0..STATUS_WRITE_ATTEMPTS {
        target.status = Some(status.to_api());
        match cx.update_status(Object::StatefulSet(target.clone())) {
            Ok(_) => return Ok(()),
            Err(e) => {
                let conflict = e.is_conflict();
                if let Some(Object::StatefulSet(fresh)) = cx.read().try_get(&key).map(|o| &**o) {
                    target = fresh.clone();
                }
                last = Err(SyncError::Api(e));
                if !conflict {
                    break;
                }
            }
        }
    }
    last
}
