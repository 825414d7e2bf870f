//! The StatefulSet controller of kube-controller-manager v1.35 (`pkg/controller/statefulset`),
//! ported rule by rule from `/work/shared/spec/statefulset-controller.md`.
//!
//! Module map (upstream file → here):
//! - `stateful_set.go` (informer handlers, `sync`, `ClaimPods`, revision adoption) → this
//!   file ([`StatefulSetController`]) and [`sync`];
//! - `stateful_set_control.go` (`updateStatefulSet`, `processReplica`, `processCondemned`,
//!   `runForAll`, `slowStartBatch`) → [`replicas`]; the rolling-update step → [`update`];
//!   status computation and write → [`status`];
//! - `stateful_set_utils.go` → [`identity`] (names, pods, identity/storage), [`predicates`]
//!   (pod and spec predicates), [`storage`] (claim retention), [`revision`] (revisions, with
//!   `pkg/controller/history`);
//! - `stateful_pod_control.go` → [`pod_control`] (pod and claim writes, events).
//!
//! The controller reads the API server's state directly (a cache that never lags, spec M2)
//! and writes only through the reconcile context's recorded client. It never deletes claims
//! (INV21) and never touches the engine. Events removed upstream in v1.31
//! (`RecreatingFailedPod`, `RecreatingTerminatedPod`) are not emitted.

pub mod error;
pub mod identity;
pub mod pod_control;
pub mod predicates;
pub mod replicas;
pub mod revision;
pub mod status;
pub mod storage;
pub mod sync;
pub mod update;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEvent, WatchEventType};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, Requeue};

pub use error::SyncError;
pub use replicas::ControlOptions;

/// First delay of the per-key exponential backoff (`DefaultControllerRateLimiter`).
const BACKOFF_BASE_MS: u64 = 5;
/// Largest delay of the per-key backoff: 1000 s.
const BACKOFF_MAX_MS: u64 = 1_000_000;

/// The StatefulSet controller as a reconciler (spec §2, §6).
pub struct StatefulSetController {
    opts: ControlOptions,
    /// Consecutive failed syncs per key (the rate limiter's memory; `Forget` clears it).
    failures: BTreeMap<ObjectKey, u32>,
    last_error: Option<SyncError>,
    placeholders: replicas::PlaceholderCache,
}

impl Default for StatefulSetController {
    fn default() -> Self {
        StatefulSetController::new(true)
    }
}

impl StatefulSetController {
    /// A controller; `max_unavailable_gate` is the `MaxUnavailableStatefulSet` feature gate
    /// (on by default in v1.35), which selects the rolling-update algorithm (U11 vs U14).
    pub fn new(max_unavailable_gate: bool) -> Self {
        StatefulSetController {
            opts: ControlOptions {
                max_unavailable_gate,
                skip_ready_checks: false,
            },
            failures: BTreeMap::new(),
            last_error: None,
            placeholders: replicas::PlaceholderCache::default(),
        }
    }

    /// A deliberately broken controller that skips the monotonic readiness checks, for tests
    /// that prove the ordered-creation invariant catches it.
    #[cfg(test)]
    pub(crate) fn broken_skipping_ready_checks(mut self) -> Self {
        self.opts.skip_ready_checks = true;
        self
    }

    /// The error of the last reconcile, if it failed (what upstream logs as "error syncing
    /// StatefulSet ..., requeuing").
    pub fn last_error(&self) -> Option<&SyncError> {
        self.last_error.as_ref()
    }

    /// The options this controller reconciles with.
    pub fn options(&self) -> ControlOptions {
        self.opts
    }
}

/// `resolveControllerRef`: the StatefulSet a controller reference names, if it exists with
/// that uid.
fn resolve_controller_ref(
    api: &ApiServer,
    namespace: &str,
    r: &OwnerReference,
) -> Option<ObjectKey> {
    if r.kind != "StatefulSet" {
        return None;
    }
    let key = ObjectKey::new(Kind::StatefulSet, namespace, &r.name);
    api.try_get(&key).filter(|s| s.uid() == r.uid).map(|_| key)
}

/// `getStatefulSetsForPod` (`GetPodStatefulSets`): the sets of the pod's namespace whose
/// non-empty selector matches its labels; none for a pod without labels.
fn get_statefulsets_for_pod(api: &ApiServer, pod: &Object) -> Vec<ObjectKey> {
    if pod.labels().is_empty() {
        return vec![];
    }
    api.iter_kind(Kind::StatefulSet, Some(pod.namespace()))
        .filter(|s| {
            let Object::StatefulSet(set) = &***s else {
                return false;
            };
            set.spec
                .as_ref()
                .and_then(|spec| LabelSelector::from_k8s(&spec.selector).ok())
                .is_some_and(|sel| !sel.is_empty() && sel.matches(pod.labels()))
        })
        .map(|s| s.key())
        .collect()
}

fn controller_of(obj: &Object) -> Option<&OwnerReference> {
    obj.controller_ref()
}

/// `deletePod`: the pod's controller, if it resolves; orphan deletions concern nobody.
fn keys_for_deleted_pod(api: &ApiServer, pod: &Object) -> Vec<ObjectKey> {
    controller_of(pod)
        .and_then(|r| resolve_controller_ref(api, pod.namespace(), r))
        .into_iter()
        .collect()
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        pod_control::COMPONENT
    }

    /// The informer handlers (X1–X5): every set event; pod add/update/delete resolved to
    /// the controlling set or, for orphans, to the sets whose selector matches. Claims and
    /// ControllerRevisions trigger nothing (X5). The delayed requeue of X3 (a pod turning
    /// Ready with `minReadySeconds > 0`) is covered by the S8 requeue of the sync it
    /// triggers.
    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &*event.object;
        match obj.kind() {
            Kind::StatefulSet => vec![obj.key()],
            Kind::Pod => match event.event_type {
                WatchEventType::Deleted => keys_for_deleted_pod(api, obj),
                WatchEventType::Added => {
                    if obj.is_terminating() {
                        return keys_for_deleted_pod(api, obj);
                    }
                    match controller_of(obj) {
                        Some(r) => resolve_controller_ref(api, obj.namespace(), r)
                            .into_iter()
                            .collect(),
                        None => get_statefulsets_for_pod(api, obj),
                    }
                }
                WatchEventType::Modified => {
                    let Some(old) = event.old.as_deref() else {
                        return vec![];
                    };
                    if old.resource_version() == obj.resource_version() {
                        return vec![];
                    }
                    let mut keys = Vec::new();
                    let label_changed = old.labels() != obj.labels();
                    let cur_ref = controller_of(obj);
                    let old_ref = controller_of(old);
                    let ref_changed = cur_ref != old_ref;
                    if ref_changed && let Some(r) = old_ref {
                        keys.extend(resolve_controller_ref(api, old.namespace(), r));
                    }
                    match cur_ref {
                        Some(r) => keys.extend(resolve_controller_ref(api, obj.namespace(), r)),
                        None => {
                            if label_changed || ref_changed {
                                keys.extend(get_statefulsets_for_pod(api, obj));
                            }
                        }
                    }
                    keys.sort();
                    keys.dedup();
                    keys
                }
            },
            _ => vec![],
        }
    }

    /// One sync (spec S1–S9). Failures requeue the key with per-key exponential backoff
    /// (5 ms doubling to 1000 s, X7); success clears it and may requeue after
    /// `minReadySeconds` (S8).
    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if key.kind != Kind::StatefulSet {
            return Requeue::No;
        }
        match sync::sync(cx, self.opts, key, &mut self.placeholders) {
            Ok(result) => {
                self.failures.remove(key);
                self.last_error = None;
                match result {
                    sync::SyncResult::Done => Requeue::No,
                    sync::SyncResult::After(d) => Requeue::After(d),
                }
            }
            Err(e) => {
                let failures = self.failures.entry(key.clone()).or_insert(0);
                let exp = (*failures).min(40);
                *failures = failures.saturating_add(1);
                self.last_error = Some(e);
                let delay = BACKOFF_BASE_MS
                    .saturating_mul(1u64 << exp)
                    .min(BACKOFF_MAX_MS);
                Requeue::After(SimDuration::from_ms(delay))
            }
        }
    }
}
