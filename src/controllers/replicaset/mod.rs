//! The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`): keeps
//! `spec.replicas` pods that match the selector, creating them from the template in slow-start
//! batches and deleting the least valuable ones first (`getPodsToDelete`), adopting orphans
//! and releasing pods that stop matching, and writing `status`.
//!
//! It also holds the pod and ownership helpers of `pkg/controller/controller_utils.go` and
//! `pkg/api/v1/pod` that the Deployment and endpoints controllers share (`is_pod_ready`,
//! `is_pod_available`, `claim`...).
//!
//! Unlike a ReplicaSet, a StatefulSet never replaces a pod while the old object still exists
//! (`spec/storage-scheduling-kubelet.md` N13): here a terminating pod is no longer active, so
//! a replacement with a new random name is created at once.
//!
//! Reads come from the API server directly (a cache that never lags), so upstream's
//! create/delete expectations are not needed: a sync always sees its own earlier writes.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetCondition, ReplicaSetStatus};
use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use serde_json::json;

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, PatchType, Subresource};
use crate::apiserver::{WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue, TimingProfile};

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

/// The controller's name, as events show it in `From`.
pub const COMPONENT: &str = "replicaset-controller";

/// `BurstReplicas`: at most this many creations or deletions per sync.
pub const BURST_REPLICAS: usize = 500;

/// `controller.SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH_SIZE: usize = 1;

/// The annotation that orders pods for deletion (`PodDeletionCost`, on by default).
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

// ----- pod helpers (pkg/api/v1/pod, controller_utils.go) -----

/// The pod inside an object, if it is one.
pub fn pod_of(obj: &Object) -> Option<&Pod> {
    match obj {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

/// `status.phase`, or "" when unset.
pub fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// The pod's `Ready` condition, if it has one.
pub fn pod_ready_condition(pod: &Pod) -> Option<&PodCondition> {
    pod.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_pod_ready(pod: &Pod) -> bool {
    pod_ready_condition(pod).is_some_and(|c| c.status == "True")
}

/// When the pod last became Ready (its Ready condition's lastTransitionTime), if it is ready.
pub fn pod_ready_since(pod: &Pod) -> Option<SimTime> {
    let c = pod_ready_condition(pod).filter(|c| c.status == "True")?;
    c.last_transition_time
        .as_ref()
        .and_then(SimTime::from_k8s_time)
}

/// `podutil.IsPodAvailable`: ready, and ready for longer than `min_ready_seconds`
/// (`lastTransitionTime + minReadySeconds` strictly before `now`).
pub fn is_pod_available(pod: &Pod, min_ready_seconds: i32, now: SimTime) -> bool {
    if !is_pod_ready(pod) {
        return false;
    }
    if min_ready_seconds <= 0 {
        return true;
    }
    match pod_ready_since(pod) {
        Some(since) => since + SimDuration::from_secs(min_ready_seconds as u64) < now,
        None => false,
    }
}

/// `podutil.IsPodTerminal`: phase Succeeded or Failed.
pub fn is_pod_terminal(pod: &Pod) -> bool {
    matches!(pod_phase(pod), "Succeeded" | "Failed")
}

/// `controller.IsPodActive`: not terminal and not being deleted.
pub fn is_pod_active(pod: &Pod) -> bool {
    !is_pod_terminal(pod) && pod.metadata.deletion_timestamp.is_none()
}

/// `spec.nodeName`, or "".
pub fn pod_node(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}

// ----- ownership helpers (controller_ref_manager.go) -----

/// `metav1.NewControllerRef`: a controlling, deletion-blocking reference to `owner`.
pub fn new_controller_ref(owner: &Object) -> OwnerReference {
    let info = owner.kind().info();
    OwnerReference {
        api_version: info.api_version(),
        kind: info.kind.to_string(),
        name: owner.name().to_string(),
        uid: owner.uid().to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The key of the `kind` object `obj`'s controller reference points at, when that object
/// exists with the referenced uid (`resolveControllerRef`).
pub fn resolve_controller_ref(api: &ApiServer, obj: &Object, kind: Kind) -> Option<ObjectKey> {
    let r = obj.controller_ref()?;
    if r.kind != kind.info().kind {
        return None;
    }
    let key = ObjectKey::new(kind, obj.namespace(), r.name.clone());
    api.try_get(&key).filter(|o| o.uid() == r.uid).map(|_| key)
}

/// `ClaimObjects` (`BaseControllerRefManager.ClaimObject`): of `candidates`, the ones `owner`
/// controls after adopting matching orphans and releasing owned objects that no longer match.
/// Adoption and release are patches of `metadata.ownerReferences`, as upstream; a failed patch
/// leaves the object out (and is retried on the next sync).
pub fn claim(
    cx: &mut impl Client,
    owner: &Object,
    selector: &LabelSelector,
    candidates: Vec<Arc<Object>>,
) -> Vec<Arc<Object>> {
    let mut claimed = Vec::new();
    for obj in candidates {
        let matches = selector.matches(obj.labels());
        match obj.controller_ref() {
            Some(r) if r.uid == owner.uid() => {
                if matches {
                    claimed.push(obj);
                } else if !owner.is_terminating() && !obj.is_terminating() {
                    // Release: drop our reference; a released object is left alone.
                    let refs: Vec<OwnerReference> = obj
                        .meta()
                        .owner_references
                        .iter()
                        .flatten()
                        .filter(|x| x.uid != owner.uid())
                        .cloned()
                        .collect();
                    let _ = patch_owner_refs(cx, &obj, refs);
                }
            }
            Some(_) => {}
            None => {
                if !matches || owner.is_terminating() || obj.is_terminating() {
                    continue;
                }
                // RecheckDeletionTimestamp: adopt only if the owner still exists, unchanged.
                let fresh = cx.read().try_get(&owner.key()).cloned();
                if fresh.is_none_or(|f| f.uid() != owner.uid() || f.is_terminating()) {
                    continue;
                }
                let mut refs: Vec<OwnerReference> =
                    obj.meta().owner_references.clone().unwrap_or_default();
                refs.push(new_controller_ref(owner));
                if let Ok(adopted) = patch_owner_refs(cx, &obj, refs) {
                    claimed.push(adopted);
                }
            }
        }
    }
    claimed
}

fn patch_owner_refs(
    cx: &mut impl Client,
    obj: &Object,
    refs: Vec<OwnerReference>,
) -> Result<Arc<Object>, ApiError> {
    let patch = json!({"metadata": {"ownerReferences": refs, "uid": obj.uid()}});
    cx.patch(&obj.key(), PatchType::Merge, &patch, Subresource::None)
}

/// Exponential per-key retry back-off of the default controller rate limiter: 5 ms doubled
/// per consecutive failure, capped at 1000 s.
pub fn retry_backoff(failures: u32) -> SimDuration {
    let ms = 5u64.saturating_mul(1u64 << failures.min(30));
    SimDuration::from_ms(ms.min(1_000_000))
}

// ----- ReplicaSet accessors -----

/// `spec.replicas` (defaulted to 1).
pub fn rs_spec_replicas(rs: &ReplicaSet) -> i32 {
    rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

/// `status.replicas`.
pub fn rs_status_replicas(rs: &ReplicaSet) -> i32 {
    rs.status.as_ref().map_or(0, |s| s.replicas)
}

/// `status.readyReplicas`.
pub fn rs_ready_replicas(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0)
}

/// `status.availableReplicas`.
pub fn rs_available_replicas(rs: &ReplicaSet) -> i32 {
    rs.status
        .as_ref()
        .and_then(|s| s.available_replicas)
        .unwrap_or(0)
}

fn rs_min_ready_seconds(rs: &ReplicaSet) -> i32 {
    rs.spec
        .as_ref()
        .and_then(|s| s.min_ready_seconds)
        .unwrap_or(0)
}

/// Zero as `None`: the `omitempty` int32 status fields of apps/v1.
pub(crate) fn omit_zero(v: i32) -> Option<i32> {
    (v != 0).then_some(v)
}

// ----- the controller -----

/// The ReplicaSet controller.
#[derive(Default)]
pub struct ReplicaSetController {
    /// Consecutive failed syncs per ReplicaSet, for the retry back-off.
    failures: BTreeMap<ObjectKey, u32>,
}

impl ReplicaSetController {
    /// A controller with no history.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The ReplicaSets in `namespace` whose selector matches `labels` (`getPodReplicaSets`).
fn replicasets_matching(
    api: &ApiServer,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<ObjectKey> {
    api.iter_kind(Kind::ReplicaSet, Some(namespace))
        .filter(|o| {
            let Object::ReplicaSet(rs) = &***o else {
                return false;
            };
            let Some(spec) = &rs.spec else { return false };
            LabelSelector::from_k8s(&spec.selector)
                .is_ok_and(|s| !s.is_empty() && s.matches(labels))
        })
        .map(|o| o.key())
        .collect()
}

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match obj.kind() {
            Kind::ReplicaSet => vec![obj.key()],
            Kind::Pod => {
                let mut keys = Vec::new();
                let states = std::iter::once(obj).chain(event.old.as_ref());
                for state in states {
                    match state.controller_ref() {
                        Some(r) if r.kind == "ReplicaSet" => {
                            keys.push(ObjectKey::new(
                                Kind::ReplicaSet,
                                state.namespace(),
                                r.name.clone(),
                            ));
                        }
                        Some(_) => {}
                        None if event.event_type != WatchEventType::Deleted => {
                            keys.extend(replicasets_matching(
                                api,
                                state.namespace(),
                                state.labels(),
                            ));
                        }
                        None => {}
                    }
                }
                keys.sort();
                keys.dedup();
                keys
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match sync_replica_set(cx, key) {
            Ok(after) => {
                self.failures.remove(key);
                after.map_or(Requeue::No, Requeue::After)
            }
            Err(_) => {
                let n = self.failures.entry(key.clone()).or_insert(0);
                let delay = retry_backoff(*n);
                *n += 1;
                Requeue::After(delay)
            }
        }
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile.get("replicaset.reaction")
    }
}

/// `syncReplicaSet`: one pass over one ReplicaSet. Returns a requeue delay for the
/// minReadySeconds re-check, or the error that makes the work queue retry.
pub fn sync_replica_set(cx: &mut Cx<'_>, key: &ObjectKey) -> Result<Option<SimDuration>, ApiError> {
    let Some(rs_obj) = cx.read().try_get(key).cloned() else {
        return Ok(None);
    };
    let Object::ReplicaSet(rs) = &*rs_obj else {
        return Ok(None);
    };
    let Some(spec) = &rs.spec else {
        return Ok(None);
    };
    let Ok(selector) = LabelSelector::from_k8s(&spec.selector) else {
        // Validation rejects such selectors; nothing sensible to do.
        return Ok(None);
    };
    let all_pods: Vec<Arc<Object>> = cx
        .read()
        .iter_kind(Kind::Pod, Some(key.namespace.as_str()))
        .cloned()
        .collect();
    let active: Vec<Arc<Object>> = all_pods
        .into_iter()
        .filter(|o| pod_of(o).is_some_and(is_pod_active))
        .collect();
    let filtered = claim(cx, &rs_obj, &selector, active);
    let manage_err = if rs_obj.is_terminating() {
        None
    } else {
        manage_replicas(cx, &rs_obj, rs, &filtered).err()
    };
    let now = cx.now;
    let new_status = calculate_status(rs, &filtered, manage_err.as_ref(), now);
    let updated = update_replica_set_status(cx, rs, new_status)?;
    if let Some(e) = manage_err {
        return Err(e);
    }
    let min_ready = rs_min_ready_seconds(&updated);
    if min_ready > 0
        && rs_ready_replicas(&updated) == rs_spec_replicas(&updated)
        && rs_available_replicas(&updated) != rs_spec_replicas(&updated)
    {
        return Ok(Some(SimDuration::from_secs(min_ready as u64)));
    }
    Ok(None)
}

/// `manageReplicas`: creates or deletes pods to close the gap between the active pods and
/// `spec.replicas`, at most [`BURST_REPLICAS`] per sync.
fn manage_replicas(
    cx: &mut Cx<'_>,
    rs_obj: &Object,
    rs: &ReplicaSet,
    filtered: &[Arc<Object>],
) -> Result<(), ApiError> {
    let want = rs_spec_replicas(rs).max(0) as usize;
    let have = filtered.len();
    let source = EventSource::component(COMPONENT);
    if have < want {
        let count = (want - have).min(BURST_REPLICAS);
        let (_created, result) = slow_start_batch(count, SLOW_START_INITIAL_BATCH_SIZE, |_| {
            create_pod_from_template(cx, rs_obj, rs, &source)
        });
        return result;
    }
    if have > want {
        let count = (have - want).min(BURST_REPLICAS);
        let related = indirectly_related_pods(cx.read(), rs_obj);
        let to_delete = get_pods_to_delete(filtered, &related, count, cx.now);
        let mut first_err = None;
        for pod in to_delete {
            let result = cx.delete(&pod.key(), &DeleteOptions::default());
            match result {
                Ok(_) => cx.record_event(
                    &source,
                    rs_obj,
                    "Normal",
                    "SuccessfulDelete",
                    &format!("Deleted pod: {}", pod.name()),
                ),
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    cx.record_event(
                        &source,
                        rs_obj,
                        "Warning",
                        "FailedDelete",
                        &format!("Error deleting: {e}"),
                    );
                    first_err.get_or_insert(e);
                }
            }
        }
        return first_err.map_or(Ok(()), Err);
    }
    Ok(())
}

/// `slowStartBatch`: calls `f` `count` times in batches of 1, 2, 4... All calls of a batch
/// are made (upstream runs them in parallel); after a batch with a failure no further batch
/// starts. Returns the number of successes and the first error.
pub fn slow_start_batch(
    count: usize,
    initial_batch_size: usize,
    mut f: impl FnMut(usize) -> Result<(), ApiError>,
) -> (usize, Result<(), ApiError>) {
    let mut remaining = count;
    let mut successes = 0;
    let mut batch = remaining.min(initial_batch_size);
    let mut index = 0;
    while batch > 0 {
        let mut first_err = None;
        for _ in 0..batch {
            match f(index) {
                Ok(()) => successes += 1,
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
            index += 1;
        }
        if let Some(e) = first_err {
            return (successes, Err(e));
        }
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    (successes, Ok(()))
}

/// `RealPodControl.CreatePods` with `GetPodFromTemplate`: a pod named `<rs>-<5 random>`
/// (the suffix drawn from the controller's stream, as generateName would), labelled and
/// annotated from the template, controlled by the ReplicaSet; an event either way.
fn create_pod_from_template(
    cx: &mut Cx<'_>,
    rs_obj: &Object,
    rs: &ReplicaSet,
    source: &EventSource,
) -> Result<(), ApiError> {
    let template = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    let template_meta = template.metadata.unwrap_or_default();
    let labels = template_meta.labels.clone().unwrap_or_default();
    if labels.is_empty() {
        let e = ApiError::bad_request("unable to create pods, no labels");
        cx.record_event(
            source,
            rs_obj,
            "Warning",
            "FailedCreate",
            &format!("Error creating: {e}"),
        );
        return Err(e);
    }
    let prefix = format!("{}-", rs_obj.name());
    let name = format!("{prefix}{}", cx.rng.name_suffix(5));
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(name),
            generate_name: Some(prefix),
            namespace: Some(rs_obj.namespace().to_string()),
            labels: Some(labels),
            annotations: template_meta.annotations.clone(),
            finalizers: template_meta.finalizers.clone(),
            owner_references: Some(vec![new_controller_ref(rs_obj)]),
            ..Default::default()
        },
        spec: template.spec,
        status: None,
    };
    match cx.create(Object::Pod(pod)) {
        Ok(created) => {
            cx.record_event(
                source,
                rs_obj,
                "Normal",
                "SuccessfulCreate",
                &format!("Created pod: {}", created.name()),
            );
            Ok(())
        }
        Err(e) => {
            cx.record_event(
                source,
                rs_obj,
                "Warning",
                "FailedCreate",
                &format!("Error creating: {e}"),
            );
            Err(e)
        }
    }
}

/// `getIndirectlyRelatedPods`: every pod controlled by a ReplicaSet that has the same
/// controller as `rs_obj` (the ReplicaSets of one Deployment). A ReplicaSet without a
/// controller has no related pods (upstream reports an error and ranks every pod 0).
fn indirectly_related_pods(api: &ApiServer, rs_obj: &Object) -> Vec<Arc<Object>> {
    let Some(owner) = rs_obj.controller_ref() else {
        return Vec::new();
    };
    let siblings: Vec<String> = api
        .iter_kind(Kind::ReplicaSet, Some(rs_obj.namespace()))
        .filter(|o| o.controller_ref().is_some_and(|r| r.uid == owner.uid))
        .map(|o| o.uid().to_string())
        .collect();
    api.iter_kind(Kind::Pod, Some(rs_obj.namespace()))
        .filter(|p| {
            p.controller_ref()
                .is_some_and(|r| siblings.contains(&r.uid))
        })
        .cloned()
        .collect()
}

/// `getPodsToDelete`: the `count` pods of `filtered` to delete first, ranked by
/// [`compare_for_deletion`] with ranks from `related` (active related pods on the same node).
pub fn get_pods_to_delete(
    filtered: &[Arc<Object>],
    related: &[Arc<Object>],
    count: usize,
    now: SimTime,
) -> Vec<Arc<Object>> {
    if count >= filtered.len() {
        return filtered.to_vec();
    }
    let mut on_node: BTreeMap<String, usize> = BTreeMap::new();
    for p in related.iter().filter_map(|o| pod_of(o)) {
        if is_pod_active(p) {
            *on_node.entry(pod_node(p).to_string()).or_insert(0) += 1;
        }
    }
    let mut ranked: Vec<(usize, &Arc<Object>)> = filtered
        .iter()
        .map(|o| {
            let rank = pod_of(o)
                .and_then(|p| on_node.get(pod_node(p)).copied())
                .unwrap_or(0);
            (rank, o)
        })
        .collect();
    // A stable sort from name order: where upstream's unstable sort leaves ties to chance,
    // the simulation breaks them by name.
    ranked.sort_by(|(ra, a), (rb, b)| {
        let (Some(pa), Some(pb)) = (pod_of(a), pod_of(b)) else {
            return Ordering::Equal;
        };
        compare_for_deletion(pa, *ra, pb, *rb, now)
    });
    ranked
        .into_iter()
        .take(count)
        .map(|(_, o)| o.clone())
        .collect()
}

fn phase_ordinal(pod: &Pod) -> u8 {
    match pod_phase(pod) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        // podPhaseToOrdinal has no other entries: a missing key reads as 0.
        _ => 0,
    }
}

fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(POD_DELETION_COST))
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0)
}

fn max_container_restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).max().unwrap_or(0))
        .unwrap_or(0)
}

/// `logarithmicRankDiff`: compares how long ago two instants were on a log2 scale of
/// nanoseconds, so that pods of similar age count as equally old (LogarithmicScaleDown).
fn logarithmic_rank_diff(t1: SimTime, t2: SimTime, now: SimTime) -> i64 {
    let rank = |t: SimTime| -> i64 {
        let d_ns = u128::from(now.saturating_since(t).as_ms()) * 1_000_000;
        if d_ns == 0 {
            -1
        } else {
            i64::from(d_ns.ilog2())
        }
    };
    rank(t1) - rank(t2)
}

/// Compares two optional instants as `afterOrZero` does: a missing time sorts first, then
/// the later instant.
fn after_or_zero(a: Option<SimTime>, b: Option<SimTime>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => b.cmp(&a),
    }
}

fn compare_times(
    a: Option<SimTime>,
    b: Option<SimTime>,
    pa: &Pod,
    pb: &Pod,
    now: SimTime,
) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => match logarithmic_rank_diff(x, y, now).cmp(&0) {
            Ordering::Equal => pa.metadata.uid.cmp(&pb.metadata.uid),
            other => other,
        },
        _ => after_or_zero(a, b),
    }
}

/// `ActivePodsWithRanks.Less` (with PodDeletionCost and LogarithmicScaleDown on, the v1.35
/// defaults): `Less` means "delete first".
///
/// 1. unscheduled before scheduled;
/// 2. Pending < Unknown < Running;
/// 3. not ready before ready;
/// 4. lower `pod-deletion-cost` first;
/// 5. more active related pods on the same node first;
/// 6. both ready: more recently ready first (log scale, then uid);
/// 7. more container restarts first;
/// 8. newer first (log scale, then uid).
pub fn compare_for_deletion(
    a: &Pod,
    rank_a: usize,
    b: &Pod,
    rank_b: usize,
    now: SimTime,
) -> Ordering {
    let (na, nb) = (pod_node(a), pod_node(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let by_phase = phase_ordinal(a).cmp(&phase_ordinal(b));
    if by_phase != Ordering::Equal {
        return by_phase;
    }
    let (ra, rb) = (is_pod_ready(a), is_pod_ready(b));
    if ra != rb {
        return if ra {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    let by_cost = deletion_cost(a).cmp(&deletion_cost(b));
    if by_cost != Ordering::Equal {
        return by_cost;
    }
    if rank_a != rank_b {
        return rank_b.cmp(&rank_a);
    }
    if ra && rb {
        let (ta, tb) = (pod_ready_since(a), pod_ready_since(b));
        if ta != tb {
            let o = compare_times(ta, tb, a, b, now);
            if o != Ordering::Equal {
                return o;
            }
        }
    }
    let by_restarts = max_container_restarts(b).cmp(&max_container_restarts(a));
    if by_restarts != Ordering::Equal {
        return by_restarts;
    }
    let created = |p: &Pod| {
        p.metadata
            .creation_timestamp
            .as_ref()
            .and_then(SimTime::from_k8s_time)
    };
    let (ca, cb) = (created(a), created(b));
    if ca != cb {
        return compare_times(ca, cb, a, b, now);
    }
    Ordering::Equal
}

/// `calculateStatus`: counts over the pods claimed at the start of the sync (so pods created
/// by this sync show up in the next one), and the `ReplicaFailure` condition.
fn calculate_status(
    rs: &ReplicaSet,
    filtered: &[Arc<Object>],
    manage_err: Option<&ApiError>,
    now: SimTime,
) -> ReplicaSetStatus {
    let mut status = rs.status.clone().unwrap_or_default();
    let template_labels = rs
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let min_ready = rs_min_ready_seconds(rs);
    let (mut fully_labeled, mut ready, mut available) = (0, 0, 0);
    for pod in filtered.iter().filter_map(|o| pod_of(o)) {
        let labels = pod.metadata.labels.as_ref();
        if template_labels
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
        {
            fully_labeled += 1;
        }
        if is_pod_ready(pod) {
            ready += 1;
            if is_pod_available(pod, min_ready, now) {
                available += 1;
            }
        }
    }
    let has_failure = status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == "ReplicaFailure");
    match manage_err {
        Some(e) if !has_failure => {
            let diff = filtered.len() as i64 - i64::from(rs_spec_replicas(rs));
            let reason = match diff.cmp(&0) {
                Ordering::Less => "FailedCreate",
                Ordering::Greater => "FailedDelete",
                Ordering::Equal => "",
            };
            status
                .conditions
                .get_or_insert_with(Vec::new)
                .push(ReplicaSetCondition {
                    type_: "ReplicaFailure".into(),
                    status: "True".into(),
                    reason: Some(reason.into()),
                    message: Some(e.to_string()),
                    last_transition_time: Some(now.to_k8s_time()),
                });
        }
        None if has_failure => {
            if let Some(c) = status.conditions.as_mut() {
                c.retain(|c| c.type_ != "ReplicaFailure");
            }
            if status.conditions.as_ref().is_some_and(Vec::is_empty) {
                status.conditions = None;
            }
        }
        _ => {}
    }
    status.replicas = filtered.len() as i32;
    status.fully_labeled_replicas = omit_zero(fully_labeled);
    status.ready_replicas = omit_zero(ready);
    status.available_replicas = omit_zero(available);
    status
}

/// `updateReplicaSetStatus`: writes the status when it (or the observed generation) changed.
fn update_replica_set_status(
    cx: &mut Cx<'_>,
    rs: &ReplicaSet,
    mut status: ReplicaSetStatus,
) -> Result<ReplicaSet, ApiError> {
    let generation = rs.metadata.generation.unwrap_or(0);
    let current = rs.status.clone().unwrap_or_default();
    status.observed_generation = Some(generation);
    if current == status {
        return Ok(rs.clone());
    }
    let mut updated = rs.clone();
    updated.status = Some(status);
    let stored = cx.update_status(Object::ReplicaSet(updated))?;
    match &*stored {
        Object::ReplicaSet(r) => Ok(r.clone()),
        _ => Ok(rs.clone()),
    }
}
