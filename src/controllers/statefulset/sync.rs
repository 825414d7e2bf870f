//! One sync of one StatefulSet key (`stateful_set.go` `sync`/`syncStatefulSet`, spec §2.1,
//! §2.2): adopt orphan ControllerRevisions, claim pods (adopt/release as `ClaimPods` does),
//! run the core update (`UpdateStatefulSet`/`performUpdate`), write status, truncate history,
//! and decide the minReadySeconds requeue.

use super::predicates::PodRef;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::json;

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{Client, PatchType, Subresource};
use crate::engine::{SimDuration, SimTime};
use crate::sim::Cx;

use super::error::SyncError;
use super::identity::{
    is_member_of, new_controller_ref, pod_name, set_name, set_namespace, set_uid,
};
use super::predicates::{min_ready_seconds, replicas};
use super::replicas::{ControlOptions, PlaceholderCache, update_statefulset as reconcile_replicas};
use super::revision::{
    adopt_controller_revision, get_statefulset_revisions, list_revisions,
    sort_controller_revisions, truncate_history,
};
use super::status::{SetStatus, update_statefulset_status};

/// What a successful sync asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncResult {
    /// Nothing more.
    Done,
    /// Sync again after the delay (S8: minReadySeconds availability check).
    After(SimDuration),
}

/// `canAdoptFunc` + `RecheckDeletionTimestamp`: a live read of the set must return the same
/// uid and no deletionTimestamp. Evaluated at most once per manager, as `sync.Once` does.
struct CanAdopt {
    checked: Option<Result<(), String>>,
}

impl CanAdopt {
    fn new() -> Self {
        CanAdopt { checked: None }
    }

    fn check(&mut self, cx: &Cx<'_>, set: &StatefulSet) -> Result<(), String> {
        if let Some(r) = &self.checked {
            return r.clone();
        }
        let key = ObjectKey::new(Kind::StatefulSet, set_namespace(set), set_name(set));
        let r = match cx.read().get(&key) {
            Err(e) => Err(e.message),
            Ok(fresh) if fresh.uid() != set_uid(set) => Err(format!(
                "original StatefulSet {}/{} is gone: got uid {}, wanted {}",
                set_namespace(set),
                set_name(set),
                fresh.uid(),
                set_uid(set)
            )),
            Ok(fresh) => match &fresh.meta().deletion_timestamp {
                Some(ts) => Err(format!(
                    "{}/{} has just been deleted at {}",
                    set_namespace(set),
                    set_name(set),
                    go_time(ts)
                )),
                None => Ok(()),
            },
        };
        self.checked = Some(r.clone());
        r
    }
}

/// A timestamp as Go's `%v` prints a `*metav1.Time`: `2025-01-01 00:00:05 +0000 UTC`.
fn go_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> String {
    SimTime::from_k8s_time(t)
        .map(|s| s.rfc3339().replace('T', " ").replace('Z', " +0000 UTC"))
        .unwrap_or_default()
}

/// `adoptOrphanRevisions` (S4): revisions matching the selector without a controller get
/// this set as controller, after the set was re-read.
fn adopt_orphan_revisions(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    selector: &LabelSelector,
) -> Result<(), SyncError> {
    let orphans: Vec<_> = list_revisions(cx.read(), set, selector)
        .into_iter()
        .filter(|r| {
            !r.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.controller == Some(true))
        })
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    CanAdopt::new()
        .check(cx, set)
        .map_err(|reason| SyncError::RevisionsNotAdopted { reason })?;
    for rev in &orphans {
        adopt_controller_revision(cx, set, rev)?;
    }
    Ok(())
}

/// `ClaimPods` with `ClaimObject` semantics (S5, S6): keeps owned matching pods, releases
/// owned pods that no longer match (unless the set is being deleted), adopts matching orphans
/// (after one live re-read of the set). Returns the claimed pods, in listing order, and the
/// aggregated adoption/release errors.
fn get_pods_for_statefulset(
    cx: &mut Cx<'_>,
    set: &StatefulSet,
    selector: &LabelSelector,
) -> (Vec<PodRef>, Option<SyncError>) {
    let pods: Vec<PodRef> = cx
        .read()
        .iter_kind(Kind::Pod, Some(set_namespace(set)))
        .filter_map(PodRef::from_object)
        .collect();
    let set_deleting = set.metadata.deletion_timestamp.is_some();
    let mut can_adopt = CanAdopt::new();
    let mut claimed = Vec::new();
    let mut errors = Vec::new();
    for pod in pods {
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let matches = selector.matches(&labels) && is_member_of(set, &pod);
        let controller = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true))
            .cloned();
        let key = ObjectKey::new(Kind::Pod, set_namespace(set), pod_name(&pod));
        let pod_uid = pod.metadata.uid.clone().unwrap_or_default();
        match controller {
            Some(r) if r.uid != set_uid(set) => {}
            Some(_) if matches => claimed.push(pod),
            Some(_) => {
                if set_deleting {
                    continue;
                }
                // ReleasePod: NotFound and Invalid are ignored.
                let patch = json!({"metadata": {
                    "ownerReferences": [{"$patch": "delete", "uid": set_uid(set)}],
                    "uid": pod_uid,
                }});
                if let Err(e) = cx.patch(&key, PatchType::Strategic, &patch, Subresource::None)
                    && !e.is_not_found()
                    && !e.is_invalid()
                {
                    errors.push(SyncError::Api(e));
                }
            }
            None => {
                if set_deleting || !matches || pod.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                // AdoptPod.
                if let Err(reason) = can_adopt.check(cx, set) {
                    errors.push(SyncError::PodNotAdopted {
                        pod: format!("{}/{}", set_namespace(set), pod_name(&pod)),
                        uid: pod_uid,
                        reason,
                    });
                    continue;
                }
                let patch = json!({"metadata": {
                    "ownerReferences": [new_controller_ref(set)],
                    "uid": pod_uid,
                }});
                match cx.patch(&key, PatchType::Strategic, &patch, Subresource::None) {
                    Ok(adopted) => {
                        if let Some(p) = PodRef::from_object(&adopted) {
                            claimed.push(p);
                        }
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => errors.push(SyncError::Api(e)),
                }
            }
        }
    }
    (claimed, SyncError::aggregate(errors))
}

/// `UpdateStatefulSet` + `performUpdate` (S10–S14): revisions, reconcile, status write,
/// history truncation. Returns the status written (or computed) and the aggregated error.
fn update_statefulset(
    cx: &mut Cx<'_>,
    ev: &Object,
    opts: ControlOptions,
    set: &StatefulSet,
    pods: &[PodRef],
    selector: &LabelSelector,
    placeholders: &mut PlaceholderCache,
) -> (Option<SetStatus>, Option<SyncError>) {
    let mut revisions = list_revisions(cx.read(), set, selector);
    sort_controller_revisions(&mut revisions);
    let revs = match get_statefulset_revisions(cx, set, &revisions) {
        Ok(r) => r,
        Err(e) => {
            let truncated = truncate_history(cx, set, pods, &revisions, None, None).err();
            return (
                None,
                SyncError::aggregate(std::iter::once(e).chain(truncated).collect()),
            );
        }
    };
    let outcome = reconcile_replicas(
        cx,
        ev,
        opts,
        set,
        &revs.current,
        &revs.update,
        revs.collision_count,
        pods,
        placeholders,
    );
    let mut error = outcome.error;
    let mut status = outcome.status;
    if let Some(s) = status.as_mut() {
        // S13: the status is written even after an error; the reconcile's error wins.
        let status_err = update_statefulset_status(cx, set, s).err();
        if error.is_none() {
            error = status_err;
        }
    }
    if error.is_some() {
        status = None;
    }
    let truncated = truncate_history(
        cx,
        set,
        pods,
        &revisions,
        Some(&revs.current),
        Some(&revs.update),
    )
    .err();
    (
        status,
        SyncError::aggregate(error.into_iter().chain(truncated).collect()),
    )
}

/// `sync` + `syncStatefulSet` (S1–S9) for the set at `key`.
pub(crate) fn sync(
    cx: &mut Cx<'_>,
    opts: ControlOptions,
    key: &ObjectKey,
    placeholders: &mut PlaceholderCache,
) -> Result<SyncResult, SyncError> {
    // S2
    let Some(obj) = cx.read().try_get(key).cloned() else {
        return Ok(SyncResult::Done);
    };
    let Object::StatefulSet(set) = &*obj else {
        return Ok(SyncResult::Done);
    };
    let set: StatefulSet = set.clone();
    // S3: a bad selector is not retried.
    let Some(spec) = set.spec.as_ref() else {
        return Ok(SyncResult::Done);
    };
    let Ok(selector) = LabelSelector::from_k8s(&spec.selector) else {
        return Ok(SyncResult::Done);
    };
    // S4
    adopt_orphan_revisions(cx, &set, &selector)?;
    // S5, S6
    let (pods, claim_error) = get_pods_for_statefulset(cx, &set, &selector);
    if let Some(e) = claim_error {
        return Err(e);
    }
    sync_statefulset(cx, opts, &obj, &set, &pods, &selector, placeholders)
}

/// `syncStatefulSet` (S7, S8).
fn sync_statefulset(
    cx: &mut Cx<'_>,
    opts: ControlOptions,
    obj: &Arc<Object>,
    set: &StatefulSet,
    pods: &[PodRef],
    selector: &LabelSelector,
    placeholders: &mut PlaceholderCache,
) -> Result<SyncResult, SyncError> {
    let (status, error) = update_statefulset(cx, obj, opts, set, pods, selector, placeholders);
    if let Some(e) = error {
        return Err(e);
    }
    let m = min_ready_seconds(set);
    if m > 0
        && let Some(s) = status
        && s.available_replicas != replicas(set)
    {
        return Ok(SyncResult::After(SimDuration::from_secs(m as u64)));
    }
    Ok(SyncResult::Done)
}
