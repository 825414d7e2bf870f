//! The Deployment controller (`pkg/controller/deployment`): owns ReplicaSets named
//! `<deployment>-<pod-template-hash>`, rolls from old to new by `maxSurge`/`maxUnavailable`
//! (`rolling.go`) or by scaling everything old to zero first (`recreate.go`), scales
//! proportionally when `spec.replicas` changes mid-rollout (`sync.go` `scale`), keeps
//! `revisionHistoryLimit` old ReplicaSets for `kubectl rollout history/undo`, and reports
//! `status` with the `Available` and `Progressing` conditions (`progress.go`).
//!
//! The contrast learners are shown (`spec/statefulset-controller.md` §6.4, §7): pods get
//! random names and no stable identity; a rollout surges new pods before old ones go; a
//! deleted pod is replaced at once by the ReplicaSet, under a new name.
//!
//! One reconcile is one upstream `syncDeployment`. Differences from upstream, all deliberate:
//! the local copy of the Deployment is refreshed after each write (upstream reuses the stale
//! object and then retries on the Conflict), and the revision annotation is written with a
//! plain update before the status update, because the simulated API server's status
//! subresource keeps only `status` (upstream's Deployment status strategy also keeps
//! annotations).

pub mod util;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus, ReplicaSet, ReplicaSetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector as K8sSelector, ObjectMeta};

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, WatchEvent, WatchEventType};
use crate::controllers::replicaset::{
    claim, new_controller_ref, omit_zero, pod_of, pod_phase, resolve_controller_ref, retry_backoff,
    rs_available_replicas, rs_spec_replicas, rs_status_replicas,
};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, EventSource, Requeue, TimingProfile};

use util::*;

/// The controller's name, as events show it in `From`.
pub const COMPONENT: &str = "deployment-controller";

/// The Deployment controller.
#[derive(Default)]
pub struct DeploymentController {
    /// Consecutive failed (or rate-limited) syncs per Deployment, for the retry back-off.
    failures: BTreeMap<ObjectKey, u32>,
}

impl DeploymentController {
    /// A controller with no history.
    pub fn new() -> Self {
        Self::default()
    }
}

/// What a sync asks of the work queue.
enum After {
    /// Nothing.
    Done,
    /// `AddAfter(d)`.
    In(SimDuration),
    /// `AddRateLimited`.
    RateLimited,
}

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        let mut keys = Vec::new();
        match obj.kind() {
            Kind::Deployment => keys.push(obj.key()),
            Kind::ReplicaSet => {
                for state in std::iter::once(obj).chain(event.old.as_ref()) {
                    match state.controller_ref() {
                        Some(r) if r.kind == "Deployment" => keys.push(ObjectKey::new(
                            Kind::Deployment,
                            state.namespace(),
                            r.name.clone(),
                        )),
                        Some(_) => {}
                        None if event.event_type != WatchEventType::Deleted => {
                            keys.extend(deployments_matching(api, state));
                        }
                        None => {}
                    }
                }
            }
            // A Recreate rollout waits for the old pods to be gone (`deletePod`).
            Kind::Pod => {
                let gone = event.event_type == WatchEventType::Deleted
                    || pod_of(obj).is_some_and(crate::controllers::replicaset::is_pod_terminal);
                if gone
                    && let Some(rs_key) = resolve_controller_ref(api, obj, Kind::ReplicaSet)
                    && let Some(rs) = api.try_get(&rs_key)
                    && let Some(d_key) = resolve_controller_ref(api, rs, Kind::Deployment)
                    && let Some(Object::Deployment(d)) = api.try_get(&d_key).map(|o| &**o)
                    && !is_rolling_update(d)
                {
                    keys.push(d_key);
                }
            }
            _ => {}
        }
        keys.sort();
        keys.dedup();
        keys
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match sync_deployment(cx, key) {
            Ok(After::Done) => {
                self.failures.remove(key);
                Requeue::No
            }
            Ok(After::In(d)) => {
                self.failures.remove(key);
                Requeue::After(d)
            }
            Ok(After::RateLimited) | Err(_) => {
                let n = self.failures.entry(key.clone()).or_insert(0);
                let delay = retry_backoff(*n);
                *n += 1;
                Requeue::After(delay)
            }
        }
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile.get("deployment.reaction")
    }
}

/// `getDeploymentsForReplicaSet`: Deployments in the namespace selecting the orphan.
fn deployments_matching(api: &ApiServer, rs: &Object) -> Vec<ObjectKey> {
    api.iter_kind(Kind::Deployment, Some(rs.namespace()))
        .filter(|o| {
            let Object::Deployment(d) = &***o else {
                return false;
            };
            d.spec.as_ref().is_some_and(|s| {
                LabelSelector::from_k8s(&s.selector)
                    .is_ok_and(|sel| !sel.is_empty() && sel.matches(rs.labels()))
            })
        })
        .map(|o| o.key())
        .collect()
}

/// One sync's working state: the Deployment as last written, and the event source.
struct Sync<'c, 'a> {
    cx: &'c mut Cx<'a>,
    d: Deployment,
    /// The Deployment as an `Object`, for events and ownership.
    d_obj: Arc<Object>,
    source: EventSource,
}

/// `syncDeployment`.
fn sync_deployment(cx: &mut Cx<'_>, key: &ObjectKey) -> Result<After, ApiError> {
    let Some(d_obj) = cx.read().try_get(key).cloned() else {
        return Ok(After::Done);
    };
    let Object::Deployment(d) = &*d_obj else {
        return Ok(After::Done);
    };
    let d = d.clone();
    let mut s = Sync {
        cx,
        d,
        d_obj: d_obj.clone(),
        source: EventSource::component(COMPONENT),
    };
    let selector_k8s =
        s.d.spec
            .as_ref()
            .map(|sp| sp.selector.clone())
            .unwrap_or_default();
    if selector_k8s == K8sSelector::default() {
        let d_obj = s.d_obj.clone();
        s.cx.record_event(
            &s.source,
            &d_obj,
            "Warning",
            "SelectingAll",
            "This deployment is selecting all pods. A non-empty selector is required.",
        );
        let generation = s.d.metadata.generation.unwrap_or(0);
        let status = s.d.status.get_or_insert_with(Default::default);
        if status.observed_generation.unwrap_or(0) < generation {
            status.observed_generation = Some(generation);
            s.write(false, true)?;
        }
        return Ok(After::Done);
    }
    let Ok(selector) = LabelSelector::from_k8s(&selector_k8s) else {
        return Ok(After::Done);
    };
    let rs_list = s.replica_sets_for_deployment(&selector);
    if s.d.metadata.deletion_timestamp.is_some() {
        s.sync_status_only(&rs_list)?;
        return Ok(After::Done);
    }
    s.check_paused_conditions()?;
    let paused = s.d.spec.as_ref().and_then(|sp| sp.paused).unwrap_or(false);
    if paused || s.is_scaling_event(&rs_list)? {
        s.sync(&rs_list)?;
        return Ok(After::Done);
    }
    if is_rolling_update(&s.d) {
        s.rollout_rolling(&rs_list)
    } else {
        let pod_map = s.pod_map(&selector, &rs_list);
        s.rollout_recreate(&rs_list, &pod_map)
    }
}

impl Sync<'_, '_> {
    fn now(&self) -> crate::engine::SimTime {
        self.cx.now
    }

    /// Writes the Deployment: its annotations by update, then its status. Keeps the local copy
    /// current so later writes of the same sync do not conflict.
    fn write(&mut self, annotations: bool, status: bool) -> Result<(), ApiError> {
        if annotations {
            let stored = self.cx.update(Object::Deployment(self.d.clone()))?;
            self.d.metadata.resource_version = stored.meta().resource_version.clone();
            self.d_obj = stored;
        }
        if status {
            let stored = self.cx.update_status(Object::Deployment(self.d.clone()))?;
            self.d.metadata.resource_version = stored.meta().resource_version.clone();
            self.d_obj = stored;
        }
        Ok(())
    }

    /// `getReplicaSetsForDeployment`: the ReplicaSets this Deployment controls, after adoption
    /// and release.
    fn replica_sets_for_deployment(&mut self, selector: &LabelSelector) -> Vec<ReplicaSet> {
        let candidates: Vec<Arc<Object>> = self
            .cx
            .read()
            .iter_kind(Kind::ReplicaSet, Some(self.d_obj.namespace()))
            .cloned()
            .collect();
        let d_obj = self.d_obj.clone();
        claim(self.cx, &d_obj, selector, candidates)
            .into_iter()
            .filter_map(|o| match &*o {
                Object::ReplicaSet(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// `getPodMapForDeployment`: pods selected by the Deployment, by controlling ReplicaSet uid.
    fn pod_map(
        &self,
        selector: &LabelSelector,
        rs_list: &[ReplicaSet],
    ) -> BTreeMap<String, Vec<Arc<Object>>> {
        let mut map: BTreeMap<String, Vec<Arc<Object>>> = rs_list
            .iter()
            .map(|r| (r.metadata.uid.clone().unwrap_or_default(), Vec::new()))
            .collect();
        for pod in self
            .cx
            .read()
            .iter_kind(Kind::Pod, Some(self.d_obj.namespace()))
        {
            if !selector.matches(pod.labels()) {
                continue;
            }
            if let Some(r) = pod.controller_ref()
                && let Some(list) = map.get_mut(&r.uid)
            {
                list.push(pod.clone());
            }
        }
        map
    }

    /// `getAllReplicaSetsAndSyncRevision` / `getNewReplicaSet`: finds (or, when asked,
    /// creates) the ReplicaSet whose template is the Deployment's, brings its annotations up to
    /// date, and records the revision and `Progressing` condition on the Deployment.
    fn all_replica_sets_and_sync_revision(
        &mut self,
        rs_list: &[ReplicaSet],
        create_if_missing: bool,
    ) -> Result<(Option<ReplicaSet>, Vec<ReplicaSet>), ApiError> {
        let template = self
            .d
            .spec
            .as_ref()
            .map(|s| s.template.clone())
            .unwrap_or_default();
        let mut sorted: Vec<&ReplicaSet> = rs_list.iter().collect();
        sorted.sort_by(|a, b| by_creation(a, b));
        let existing = sorted
            .iter()
            .find(|r| {
                r.spec
                    .as_ref()
                    .and_then(|s| s.template.as_ref())
                    .is_some_and(|t| equal_ignore_hash(t, &template))
            })
            .map(|r| (*r).clone());
        let old: Vec<ReplicaSet> = rs_list
            .iter()
            .filter(|r| {
                existing
                    .as_ref()
                    .is_none_or(|n| n.metadata.uid != r.metadata.uid)
            })
            .cloned()
            .collect();
        let old_refs: Vec<&ReplicaSet> = old.iter().collect();
        let new_revision = max_revision(&old_refs) + 1;
        let now = self.now();

        if let Some(existing) = existing {
            let mut rs = existing.clone();
            let annotations_changed =
                set_new_replica_set_annotations(&self.d, &mut rs, new_revision, true);
            let min_ready = self.d.spec.as_ref().and_then(|s| s.min_ready_seconds);
            let rs_min_ready = rs.spec.as_ref().and_then(|s| s.min_ready_seconds);
            if annotations_changed || min_ready.unwrap_or(0) != rs_min_ready.unwrap_or(0) {
                if let Some(spec) = rs.spec.as_mut() {
                    spec.min_ready_seconds = min_ready;
                }
                let stored = self.cx.update(Object::ReplicaSet(rs))?;
                let Object::ReplicaSet(stored) = &*stored else {
                    return Ok((Some(existing), old));
                };
                return Ok((Some(stored.clone()), old));
            }
            let rs_revision = rs_annotation(&rs, REVISION_ANNOTATION).map(str::to_string);
            let annotations_need = self.set_deployment_revision(rs_revision.as_deref());
            let mut status_need = false;
            let has_progressing = self
                .d
                .status
                .as_ref()
                .is_some_and(|s| get_condition(s, "Progressing").is_some());
            if has_progress_deadline(&self.d) && !has_progressing {
                let msg = format!(
                    "Found new replica set \"{}\"",
                    rs.metadata.name.as_deref().unwrap_or("")
                );
                let cond = new_condition("Progressing", "True", reason::FOUND_NEW_RS, &msg, now);
                set_condition(self.d.status.get_or_insert_with(Default::default), cond);
                status_need = true;
            }
            if annotations_need || status_need {
                self.write(annotations_need, status_need)?;
            }
            return Ok((Some(rs), old));
        }
        if !create_if_missing {
            return Ok((None, old));
        }

        // A new ReplicaSet: `<deployment>-<hash>`, the hash label on template and selector.
        let collision_count = self.d.status.as_ref().and_then(|s| s.collision_count);
        let hash = compute_hash(&template, collision_count);
        let mut rs_template = template.clone();
        rs_template
            .metadata
            .get_or_insert_with(Default::default)
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut rs_selector = self
            .d
            .spec
            .as_ref()
            .map(|s| s.selector.clone())
            .unwrap_or_default();
        rs_selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let name = format!("{}-{}", self.d_obj.name(), hash);
        let mut new_rs = ReplicaSet {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(self.d_obj.namespace().to_string()),
                owner_references: Some(vec![new_controller_ref(&self.d_obj)]),
                labels: rs_template.metadata.as_ref().and_then(|m| m.labels.clone()),
                ..Default::default()
            },
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                min_ready_seconds: self.d.spec.as_ref().and_then(|s| s.min_ready_seconds),
                selector: rs_selector,
                template: Some(rs_template),
            }),
            status: None,
        };
        let mut all_refs: Vec<&ReplicaSet> = old.iter().collect();
        all_refs.push(&new_rs);
        let new_count = new_rs_new_replicas(&self.d, &all_refs, &new_rs);
        if let Some(spec) = new_rs.spec.as_mut() {
            spec.replicas = Some(new_count);
        }
        set_new_replica_set_annotations(&self.d, &mut new_rs, new_revision, false);
        let d_obj = self.d_obj.clone();
        let created = match self.cx.create(Object::ReplicaSet(new_rs.clone())) {
            Ok(created) => match &*created {
                Object::ReplicaSet(r) => (r.clone(), false),
                _ => return Ok((None, old)),
            },
            Err(e) if e.is_already_exists() => {
                let key = ObjectKey::new(Kind::ReplicaSet, d_obj.namespace(), name.clone());
                let Some(found) = self.cx.read().try_get(&key).cloned() else {
                    return Err(e);
                };
                let Object::ReplicaSet(found_rs) = &*found else {
                    return Err(e);
                };
                let ours = found.controller_ref().is_some_and(|r| r.uid == d_obj.uid());
                let same = found_rs
                    .spec
                    .as_ref()
                    .and_then(|s| s.template.as_ref())
                    .is_some_and(|t| equal_ignore_hash(t, &template));
                if ours && same {
                    (found_rs.clone(), true)
                } else {
                    // A hash collision: bump collisionCount and retry on the next sync.
                    let status = self.d.status.get_or_insert_with(Default::default);
                    status.collision_count = Some(status.collision_count.unwrap_or(0) + 1);
                    let _ = self.write(false, true);
                    return Err(e);
                }
            }
            Err(e) => {
                let msg = format!("Failed to create new replica set \"{name}\": {e}");
                if has_progress_deadline(&self.d) {
                    let cond =
                        new_condition("Progressing", "False", reason::FAILED_RS_CREATE, &msg, now);
                    set_condition(self.d.status.get_or_insert_with(Default::default), cond);
                    let _ = self.write(false, true);
                }
                self.cx.record_event(
                    &self.source,
                    &d_obj,
                    "Warning",
                    reason::FAILED_RS_CREATE,
                    &msg,
                );
                return Err(e);
            }
        };
        let (created, already_existed) = created;
        if !already_existed && new_count > 0 {
            self.cx.record_event(
                &self.source,
                &d_obj,
                "Normal",
                "ScalingReplicaSet",
                &format!("Scaled up replica set {name} from 0 to {new_count}"),
            );
        }
        let annotations_need = self.set_deployment_revision(Some(&new_revision.to_string()));
        let mut status_need = false;
        if !already_existed && has_progress_deadline(&self.d) {
            let msg = format!("Created new replica set \"{name}\"");
            let cond = new_condition("Progressing", "True", reason::NEW_REPLICA_SET, &msg, now);
            set_condition(self.d.status.get_or_insert_with(Default::default), cond);
            status_need = true;
        }
        if annotations_need || status_need {
            self.write(annotations_need, status_need)?;
        }
        Ok((Some(created), old))
    }

    /// `SetDeploymentRevision`: true when the Deployment's revision annotation changed.
    fn set_deployment_revision(&mut self, revision: Option<&str>) -> bool {
        let Some(revision) = revision else {
            return false;
        };
        let annotations = self
            .d
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new);
        if annotations.get(REVISION_ANNOTATION).map(String::as_str) == Some(revision) {
            return false;
        }
        annotations.insert(REVISION_ANNOTATION.into(), revision.to_string());
        true
    }

    /// `checkPausedConditions`.
    fn check_paused_conditions(&mut self) -> Result<(), ApiError> {
        if !has_progress_deadline(&self.d) {
            return Ok(());
        }
        let status = self.d.status.clone().unwrap_or_default();
        let cond = get_condition(&status, "Progressing");
        if cond.is_some_and(|c| c.reason.as_deref() == Some(reason::TIMED_OUT)) {
            return Ok(());
        }
        let paused_cond = cond.is_some_and(|c| c.reason.as_deref() == Some(reason::PAUSED));
        let paused = self.d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
        let now = self.now();
        let cond = if paused && !paused_cond {
            new_condition(
                "Progressing",
                "Unknown",
                reason::PAUSED,
                "Deployment is paused",
                now,
            )
        } else if !paused && paused_cond {
            new_condition(
                "Progressing",
                "Unknown",
                reason::RESUMED,
                "Deployment is resumed",
                now,
            )
        } else {
            return Ok(());
        };
        set_condition(self.d.status.get_or_insert_with(Default::default), cond);
        self.write(false, true)
    }

    /// `isScalingEvent`: an active ReplicaSet was annotated for a different `spec.replicas`.
    fn is_scaling_event(&mut self, rs_list: &[ReplicaSet]) -> Result<bool, ApiError> {
        let (new_rs, old) = self.all_replica_sets_and_sync_revision(rs_list, false)?;
        let want = d_replicas(&self.d);
        Ok(old
            .iter()
            .chain(new_rs.iter())
            .filter(|r| rs_spec_replicas(r) > 0)
            .any(|r| desired_replicas_annotation(r).is_some_and(|v| v != want)))
    }

    /// `sync`: scaling (and cleanup when paused), then the status.
    fn sync(&mut self, rs_list: &[ReplicaSet]) -> Result<(), ApiError> {
        let (new_rs, old) = self.all_replica_sets_and_sync_revision(rs_list, false)?;
        self.scale(new_rs.as_ref(), &old)?;
        let paused = self.d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
        if paused {
            self.cleanup_deployment(&old)?;
        }
        let all: Vec<&ReplicaSet> = old.iter().chain(new_rs.iter()).collect();
        self.sync_deployment_status(&all, new_rs.as_ref())
    }

    /// `syncStatusOnly`.
    fn sync_status_only(&mut self, rs_list: &[ReplicaSet]) -> Result<(), ApiError> {
        let (new_rs, old) = self.all_replica_sets_and_sync_revision(rs_list, false)?;
        let all: Vec<&ReplicaSet> = old.iter().chain(new_rs.iter()).collect();
        self.sync_deployment_status(&all, new_rs.as_ref())
    }

    /// `syncDeploymentStatus`: writes the calculated status if it differs.
    fn sync_deployment_status(
        &mut self,
        all: &[&ReplicaSet],
        new_rs: Option<&ReplicaSet>,
    ) -> Result<(), ApiError> {
        let status = calculate_status(&self.d, all, new_rs, self.now());
        if self.d.status.as_ref() == Some(&status) {
            return Ok(());
        }
        self.d.status = Some(status);
        self.write(false, true)
    }

    /// `scaleReplicaSetAndRecordEvent` / `scaleReplicaSet`: sets the size and the replica
    /// annotations; an event when the size changed. Returns (scaled, the stored ReplicaSet).
    fn scale_replica_set(
        &mut self,
        rs: &ReplicaSet,
        new_scale: i32,
    ) -> Result<(bool, ReplicaSet), ApiError> {
        let old_scale = rs_spec_replicas(rs);
        let desired = d_replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let size_needs_update = old_scale != new_scale;
        if !size_needs_update && !replicas_annotations_need_update(rs, desired, max) {
            return Ok((false, rs.clone()));
        }
        let mut copy = rs.clone();
        copy.spec.get_or_insert_with(Default::default).replicas = Some(new_scale);
        set_replicas_annotations(&mut copy, desired, max);
        let stored = self.cx.update(Object::ReplicaSet(copy))?;
        let Object::ReplicaSet(stored_rs) = &*stored else {
            return Ok((false, rs.clone()));
        };
        if size_needs_update {
            let direction = if old_scale < new_scale { "up" } else { "down" };
            let d_obj = self.d_obj.clone();
            self.cx.record_event(
                &self.source,
                &d_obj,
                "Normal",
                "ScalingReplicaSet",
                &format!(
                    "Scaled {direction} replica set {} from {old_scale} to {new_scale}",
                    stored.name()
                ),
            );
        }
        Ok((size_needs_update, stored_rs.clone()))
    }

    /// `scale`: the proportional scaling of `sync.go`.
    fn scale(&mut self, new_rs: Option<&ReplicaSet>, old: &[ReplicaSet]) -> Result<(), ApiError> {
        let want = d_replicas(&self.d);
        if let Some(target) = find_active_or_latest(new_rs, old) {
            if rs_spec_replicas(&target) == want {
                return Ok(());
            }
            self.scale_replica_set(&target, want)?;
            return Ok(());
        }
        if is_saturated(&self.d, new_rs) {
            for rs in old.iter().filter(|r| rs_spec_replicas(r) > 0) {
                self.scale_replica_set(rs, 0)?;
            }
            return Ok(());
        }
        if !is_rolling_update(&self.d) {
            return Ok(());
        }
        let mut active: Vec<&ReplicaSet> = old
            .iter()
            .chain(new_rs)
            .filter(|r| rs_spec_replicas(r) > 0)
            .collect();
        let current = replica_count(&active);
        let allowed = if want > 0 {
            want + max_surge(&self.d)
        } else {
            0
        };
        let to_add = allowed - current;
        match to_add.cmp(&0) {
            std::cmp::Ordering::Greater => active.sort_by(|a, b| by_size_newer(a, b)),
            std::cmp::Ordering::Less => active.sort_by(|a, b| by_size_older(a, b)),
            std::cmp::Ordering::Equal => {}
        }
        let mut added = 0;
        let mut sizes: Vec<i32> = Vec::with_capacity(active.len());
        for rs in &active {
            if to_add != 0 {
                let p = get_proportion(rs, &self.d, to_add, added);
                sizes.push(rs_spec_replicas(rs) + p);
                added += p;
            } else {
                sizes.push(rs_spec_replicas(rs));
            }
        }
        for (i, rs) in active.iter().enumerate() {
            if i == 0 && to_add != 0 {
                sizes[0] = (sizes[0] + to_add - added).max(0);
            }
            self.scale_replica_set(rs, sizes[i])?;
        }
        Ok(())
    }

    /// `cleanupDeployment`: deletes the oldest fully scaled-down ReplicaSets beyond
    /// `revisionHistoryLimit`.
    fn cleanup_deployment(&mut self, old: &[ReplicaSet]) -> Result<(), ApiError> {
        let Some(limit) = self.d.spec.as_ref().and_then(|s| s.revision_history_limit) else {
            return Ok(());
        };
        let mut cleanable: Vec<&ReplicaSet> = old
            .iter()
            .filter(|r| r.metadata.deletion_timestamp.is_none())
            .collect();
        let diff = cleanable.len() as i64 - i64::from(limit);
        if diff <= 0 {
            return Ok(());
        }
        cleanable.sort_by(|a, b| by_revision(a, b));
        for rs in cleanable.into_iter().take(diff as usize) {
            let observed = rs
                .status
                .as_ref()
                .and_then(|s| s.observed_generation)
                .unwrap_or(0);
            if rs_status_replicas(rs) != 0
                || rs_spec_replicas(rs) != 0
                || rs.metadata.generation.unwrap_or(0) > observed
            {
                continue;
            }
            let key = ObjectKey::new(
                Kind::ReplicaSet,
                self.d_obj.namespace(),
                rs.metadata.name.clone().unwrap_or_default(),
            );
            match self.cx.delete(&key, &DeleteOptions::default()) {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// `rolloutRolling`.
    fn rollout_rolling(&mut self, rs_list: &[ReplicaSet]) -> Result<After, ApiError> {
        let (new_rs, old) = self.all_replica_sets_and_sync_revision(rs_list, true)?;
        let Some(new_rs) = new_rs else {
            return Ok(After::Done);
        };
        let all: Vec<&ReplicaSet> = old.iter().chain(std::iter::once(&new_rs)).collect();
        if self.reconcile_new_replica_set(&all, &new_rs)? {
            return self.sync_rollout_status(&all, Some(&new_rs));
        }
        let mut active_old: Vec<ReplicaSet> = old
            .iter()
            .filter(|r| rs_spec_replicas(r) > 0)
            .cloned()
            .collect();
        if self.reconcile_old_replica_sets(&all, &mut active_old, &new_rs) {
            return self.sync_rollout_status(&all, Some(&new_rs));
        }
        let status = self.d.status.clone().unwrap_or_default();
        if deployment_complete(&self.d, &status) {
            self.cleanup_deployment(&old)?;
        }
        self.sync_rollout_status(&all, Some(&new_rs))
    }

    /// `reconcileNewReplicaSet`: scale the new ReplicaSet down to `spec.replicas`, or up as
    /// far as maxSurge allows.
    fn reconcile_new_replica_set(
        &mut self,
        all: &[&ReplicaSet],
        new_rs: &ReplicaSet,
    ) -> Result<bool, ApiError> {
        let want = d_replicas(&self.d);
        let have = rs_spec_replicas(new_rs);
        if have == want {
            return Ok(false);
        }
        let target = if have > want {
            want
        } else {
            new_rs_new_replicas(&self.d, all, new_rs)
        };
        Ok(self.scale_replica_set(new_rs, target)?.0)
    }

    /// `reconcileOldReplicaSets`: scale old ReplicaSets down as far as maxUnavailable allows,
    /// unhealthy replicas first. Errors end the step quietly, as upstream.
    fn reconcile_old_replica_sets(
        &mut self,
        all: &[&ReplicaSet],
        old: &mut [ReplicaSet],
        new_rs: &ReplicaSet,
    ) -> bool {
        let old_refs: Vec<&ReplicaSet> = old.iter().collect();
        if replica_count(&old_refs) == 0 {
            return false;
        }
        let all_count = replica_count(all);
        let min_available = d_replicas(&self.d) - max_unavailable(&self.d);
        let new_unavailable = rs_spec_replicas(new_rs) - rs_available_replicas(new_rs);
        let max_scaled_down = all_count - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        let Ok(cleaned) = self.cleanup_unhealthy_replicas(old, max_scaled_down) else {
            return false;
        };
        let mut all_now: Vec<&ReplicaSet> = old.iter().collect();
        all_now.push(new_rs);
        let Ok(scaled) = self.scale_down_old_replica_sets_for_rolling_update(&all_now, old) else {
            return false;
        };
        cleaned + scaled > 0
    }

    /// `cleanupUnhealthyReplicas`: scales old ReplicaSets down by their unavailable replicas,
    /// oldest first, at most `max_cleanup` in total.
    fn cleanup_unhealthy_replicas(
        &mut self,
        old: &mut [ReplicaSet],
        max_cleanup: i32,
    ) -> Result<i32, ApiError> {
        old.sort_by(by_creation);
        let mut total = 0;
        for rs in old.iter_mut() {
            if total >= max_cleanup {
                break;
            }
            let size = rs_spec_replicas(rs);
            if size == 0 || size == rs_available_replicas(rs) {
                continue;
            }
            let count = (max_cleanup - total).min(size - rs_available_replicas(rs));
            let (_, updated) = self.scale_replica_set(rs, size - count)?;
            total += count;
            *rs = updated;
        }
        Ok(total)
    }

    /// `scaleDownOldReplicaSetsForRollingUpdate`: scales old ReplicaSets down, oldest first,
    /// by as many as are available above `spec.replicas - maxUnavailable`.
    fn scale_down_old_replica_sets_for_rolling_update(
        &mut self,
        all: &[&ReplicaSet],
        old: &[ReplicaSet],
    ) -> Result<i32, ApiError> {
        let min_available = d_replicas(&self.d) - max_unavailable(&self.d);
        let available = available_replica_count(all);
        if available <= min_available {
            return Ok(0);
        }
        let mut sorted: Vec<&ReplicaSet> = old.iter().collect();
        sorted.sort_by(|a, b| by_creation(a, b));
        let to_scale_down = available - min_available;
        let mut total = 0;
        for rs in sorted {
            if total >= to_scale_down {
                break;
            }
            let size = rs_spec_replicas(rs);
            if size == 0 {
                continue;
            }
            let count = size.min(to_scale_down - total);
            self.scale_replica_set(rs, size - count)?;
            total += count;
        }
        Ok(total)
    }

    /// `rolloutRecreate`: old ReplicaSets to zero; wait until no old pod runs; then the new
    /// ReplicaSet (created only now) to full size.
    fn rollout_recreate(
        &mut self,
        rs_list: &[ReplicaSet],
        pod_map: &BTreeMap<String, Vec<Arc<Object>>>,
    ) -> Result<After, ApiError> {
        let (mut new_rs, mut old) = self.all_replica_sets_and_sync_revision(rs_list, false)?;
        let mut scaled_down = false;
        for rs in old.iter().filter(|r| rs_spec_replicas(r) > 0) {
            if self.scale_replica_set(rs, 0)?.0 {
                scaled_down = true;
            }
        }
        if scaled_down {
            let all: Vec<&ReplicaSet> = old.iter().chain(new_rs.iter()).collect();
            return self.sync_rollout_status(&all, new_rs.as_ref());
        }
        if old_pods_running(new_rs.as_ref(), &old, pod_map) {
            let all: Vec<&ReplicaSet> = old.iter().chain(new_rs.iter()).collect();
            return self.sync_rollout_status(&all, new_rs.as_ref());
        }
        if new_rs.is_none() {
            (new_rs, old) = self.all_replica_sets_and_sync_revision(rs_list, true)?;
        }
        if let Some(rs) = &new_rs {
            let want = d_replicas(&self.d);
            self.scale_replica_set(rs, want)?;
        }
        let status = self.d.status.clone().unwrap_or_default();
        if deployment_complete(&self.d, &status) {
            self.cleanup_deployment(&old)?;
        }
        let all: Vec<&ReplicaSet> = old.iter().chain(new_rs.iter()).collect();
        self.sync_rollout_status(&all, new_rs.as_ref())
    }

    /// `syncRolloutStatus`: the status with the `Progressing` condition updated for completion,
    /// progress or timeout, and the ReplicaSets' `ReplicaFailure` carried over. Asks for a
    /// progress re-check at the deadline (`requeueStuckDeployment`) when nothing changed.
    fn sync_rollout_status(
        &mut self,
        all: &[&ReplicaSet],
        new_rs: Option<&ReplicaSet>,
    ) -> Result<After, ApiError> {
        let now = self.now();
        let mut status = calculate_status(&self.d, all, new_rs, now);
        if !has_progress_deadline(&self.d) {
            remove_condition(&mut status, "Progressing");
        }
        let old_status = self.d.status.clone().unwrap_or_default();
        let current = get_condition(&old_status, "Progressing").cloned();
        let complete_before = status.replicas == status.updated_replicas
            && current
                .as_ref()
                .is_some_and(|c| c.reason.as_deref() == Some(reason::NEW_RS_AVAILABLE));
        let rs_name = new_rs.and_then(|r| r.metadata.name.clone());
        let d_name = self.d_obj.name().to_string();
        let subject = |what: &str| match &rs_name {
            Some(n) => format!("ReplicaSet \"{n}\" {what}"),
            None => format!("Deployment \"{d_name}\" {what}"),
        };
        if has_progress_deadline(&self.d) && !complete_before {
            if deployment_complete(&self.d, &status) {
                let msg = subject("has successfully progressed.");
                let cond =
                    new_condition("Progressing", "True", reason::NEW_RS_AVAILABLE, &msg, now);
                set_condition(&mut status, cond);
            } else if deployment_progressing(&self.d, &status) {
                let msg = subject("is progressing.");
                let mut cond = new_condition("Progressing", "True", reason::RS_UPDATED, &msg, now);
                if let Some(c) = &current {
                    if c.status == "True" {
                        cond.last_transition_time = c.last_transition_time.clone();
                    }
                    remove_condition(&mut status, "Progressing");
                }
                set_condition(&mut status, cond);
            } else if deployment_timed_out(&self.d, &status, now) {
                let msg = subject("has timed out progressing.");
                let cond = new_condition("Progressing", "False", reason::TIMED_OUT, &msg, now);
                set_condition(&mut status, cond);
            }
        }
        match replica_failure(all, new_rs) {
            Some(cond) => set_condition(&mut status, cond),
            None => remove_condition(&mut status, "ReplicaFailure"),
        }
        if self.d.status.as_ref() == Some(&status) {
            return Ok(self.requeue_stuck_deployment(&status));
        }
        self.d.status = Some(status);
        self.write(false, true)?;
        Ok(After::Done)
    }

    /// `requeueStuckDeployment`: a re-check one second after the deadline would pass.
    fn requeue_stuck_deployment(&self, status: &DeploymentStatus) -> After {
        let old_status = self.d.status.clone().unwrap_or_default();
        let Some(current) = get_condition(&old_status, "Progressing") else {
            return After::Done;
        };
        if !has_progress_deadline(&self.d)
            || deployment_complete(&self.d, status)
            || current.reason.as_deref() == Some(reason::TIMED_OUT)
        {
            return After::Done;
        }
        let Some(updated) = current
            .last_update_time
            .as_ref()
            .and_then(crate::engine::SimTime::from_k8s_time)
        else {
            return After::Done;
        };
        let deadline_s = self
            .d
            .spec
            .as_ref()
            .and_then(|s| s.progress_deadline_seconds)
            .unwrap_or(600)
            .max(0) as u64;
        let due = updated + SimDuration::from_secs(deadline_s);
        let after = due.saturating_since(self.now());
        if after < SimDuration::from_secs(1) {
            return After::RateLimited;
        }
        After::In(after + SimDuration::from_secs(1))
    }
}

/// `FindActiveOrLatest`: the only active ReplicaSet, or the newest when none is active.
fn find_active_or_latest(new_rs: Option<&ReplicaSet>, old: &[ReplicaSet]) -> Option<ReplicaSet> {
    if new_rs.is_none() && old.is_empty() {
        return None;
    }
    let mut old_sorted: Vec<&ReplicaSet> = old.iter().collect();
    old_sorted.sort_by(|a, b| by_creation(b, a));
    let active: Vec<&ReplicaSet> = old_sorted
        .iter()
        .copied()
        .chain(new_rs)
        .filter(|r| rs_spec_replicas(r) > 0)
        .collect();
    match active.len() {
        0 => new_rs.or(old_sorted.first().copied()).cloned(),
        1 => Some(active[0].clone()),
        _ => None,
    }
}

/// `oldPodsRunning`: an old ReplicaSet still reports pods, or a pod of an old ReplicaSet is
/// not in a terminal phase (a terminating pod still runs).
fn old_pods_running(
    new_rs: Option<&ReplicaSet>,
    old: &[ReplicaSet],
    pod_map: &BTreeMap<String, Vec<Arc<Object>>>,
) -> bool {
    let old_refs: Vec<&ReplicaSet> = old.iter().collect();
    if actual_replica_count(&old_refs) > 0 {
        return true;
    }
    let new_uid = new_rs.and_then(|r| r.metadata.uid.clone());
    pod_map.iter().any(|(uid, pods)| {
        Some(uid) != new_uid.as_ref()
            && pods
                .iter()
                .any(|p| pod_of(p).is_some_and(|p| !matches!(pod_phase(p), "Failed" | "Succeeded")))
    })
}

/// `getReplicaFailures`: the new ReplicaSet's (else any ReplicaSet's) `ReplicaFailure`
/// condition as a Deployment condition.
fn replica_failure(
    all: &[&ReplicaSet],
    new_rs: Option<&ReplicaSet>,
) -> Option<k8s_openapi::api::apps::v1::DeploymentCondition> {
    let candidates = new_rs.into_iter().chain(all.iter().copied());
    for rs in candidates {
        let found = rs
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "ReplicaFailure"));
        if let Some(c) = found {
            return Some(k8s_openapi::api::apps::v1::DeploymentCondition {
                type_: c.type_.clone(),
                status: c.status.clone(),
                reason: c.reason.clone(),
                message: c.message.clone(),
                last_update_time: c.last_transition_time.clone(),
                last_transition_time: c.last_transition_time.clone(),
            });
        }
    }
    None
}

/// `calculateStatus`: counts over the ReplicaSets, the existing conditions, and `Available`
/// by whether `spec.replicas - maxUnavailable` replicas are available.
fn calculate_status(
    d: &Deployment,
    all: &[&ReplicaSet],
    new_rs: Option<&ReplicaSet>,
    now: crate::engine::SimTime,
) -> DeploymentStatus {
    let available = available_replica_count(all);
    let total = replica_count(all);
    let unavailable = (total - available).max(0);
    let updated = new_rs.map_or(0, rs_status_replicas);
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        replicas: omit_zero(actual_replica_count(all)),
        updated_replicas: omit_zero(updated),
        ready_replicas: omit_zero(ready_replica_count(all)),
        available_replicas: omit_zero(available),
        unavailable_replicas: omit_zero(unavailable),
        collision_count: d.status.as_ref().and_then(|s| s.collision_count),
        conditions: d.status.as_ref().and_then(|s| s.conditions.clone()),
        terminating_replicas: None,
    };
    let cond = if available >= d_replicas(d) - max_unavailable(d) {
        new_condition(
            "Available",
            "True",
            reason::MIN_AVAILABLE,
            "Deployment has minimum availability.",
            now,
        )
    } else {
        new_condition(
            "Available",
            "False",
            reason::MIN_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    };
    set_condition(&mut status, cond);
    status
}
