//! The PVC and PV protection controllers (`pkg/controller/volume/pvcprotection`,
//! `pvprotection`; `spec/storage-scheduling-kubelet.md` P25–P28).
//!
//! - [`PvcProtectionController`]: a deleted claim keeps `kubernetes.io/pvc-protection` while
//!   a **scheduled** pod references it by name, whatever that pod's phase (`podUsesPVC`): the
//!   kubelet refuses to start a pod whose claim is being deleted, so unscheduled pods do not
//!   count. An ephemeral volume's claim stops counting once its pod is shut down (deleted with
//!   a zero grace period).
//! - [`PvProtectionController`]: a deleted volume keeps `kubernetes.io/pv-protection` while it
//!   is `Bound`.
//!
//! Both also add their finalizer to objects that lack it (admission normally does). Both are
//! keyed: a claim's users are found through an index of pods by claim fed from the watch
//! stream, never by listing pods; pod events only wake the claims that pod names.

use std::collections::BTreeMap;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::strategy::{FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::controllers::volume::index::PodsByClaim;
use crate::controllers::volume::util::{
    add_finalizer, as_pod, is_pod_terminated, pod_claim_names, pod_node, remove_finalizer,
    volume_phase,
};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, Requeue};

/// The work queue's rate limiter (`DefaultControllerRateLimiter`): 5 ms doubling to 1000 s.
const RETRY_BASE: SimDuration = SimDuration::from_ms(5);
const RETRY_MAX: SimDuration = SimDuration::from_secs(1000);

/// `IsDeletionCandidate`: deleted and still holding `finalizer`.
fn is_deletion_candidate(obj: &Object, finalizer: &str) -> bool {
    obj.is_terminating() && obj.has_finalizer(finalizer)
}

/// `NeedToAddFinalizer`: not deleted and without `finalizer`.
fn needs_finalizer(obj: &Object, finalizer: &str) -> bool {
    !obj.is_terminating() && !obj.has_finalizer(finalizer)
}

/// `podIsShutDown`: deleted with a zero grace period (the kubelet is done with it, or it was
/// force-deleted).
fn pod_is_shut_down(pod: &Object) -> bool {
    pod.is_terminating() && pod.meta().deletion_grace_period_seconds == Some(0)
}

/// `podUsesPVC`: a scheduled pod naming `claim` in a `persistentVolumeClaim` volume, or an
/// ephemeral volume whose claim (owned by the pod) it is.
pub fn pod_uses_claim(pod_obj: &Object, claim: &Object) -> bool {
    let Some(pod) = as_pod(pod_obj) else {
        return false;
    };
    if pod_node(pod).is_empty() || pod_obj.namespace() != claim.namespace() {
        return false;
    }
    let pod_name = pod_obj.name();
    pod.spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|vols| {
            vols.iter().any(|v| {
                if let Some(c) = &v.persistent_volume_claim {
                    return c.claim_name == claim.name();
                }
                v.ephemeral.is_some()
                    && !pod_is_shut_down(pod_obj)
                    && format!("{pod_name}-{}", v.name) == claim.name()
                    && claim
                        .controller_ref()
                        .is_some_and(|r| r.uid == pod_obj.uid())
            })
        })
}

/// True when a pod in the claim's namespace uses it. Lists the namespace's pods: for the
/// one-pass [`sync`], not for the controllers.
pub fn claim_in_use(api: &impl Client, claim: &Object) -> bool {
    api.read()
        .iter_kind(Kind::Pod, Some(claim.namespace()))
        .any(|p| pod_uses_claim(p, claim))
}

fn write_finalizer(api: &mut impl Client, obj: &Object, finalizer: &str, add: bool) -> usize {
    let mut updated = obj.clone();
    if add {
        add_finalizer(&mut updated, finalizer);
    } else {
        remove_finalizer(&mut updated, finalizer);
    }
    usize::from(api.update(updated).is_ok())
}

/// Per-key failure counts and the rate-limited retry delay they give.
#[derive(Debug, Default)]
struct Retries(BTreeMap<ObjectKey, u32>);

impl Retries {
    fn after(&mut self, key: &ObjectKey, ok: bool) -> Requeue {
        if ok {
            self.0.remove(key);
            return Requeue::No;
        }
        let n = self.0.entry(key.clone()).or_insert(0);
        *n += 1;
        Requeue::After(crate::controllers::volume::util::backoff(
            *n, RETRY_BASE, RETRY_MAX,
        ))
    }
}

/// The PVC protection controller, keyed by claim.
#[derive(Debug, Default)]
pub struct PvcProtectionController {
    pods: PodsByClaim,
    retries: Retries,
}

impl PvcProtectionController {
    /// A controller with an empty pod index (it fills from the watch stream).
    pub fn new() -> Self {
        Self::default()
    }

    /// `isBeingUsed`: the indexed users of the claim, read fresh.
    fn is_being_used(&self, api: &ApiServer, claim: &Object) -> bool {
        self.pods
            .pods_for(&claim.key())
            .filter_map(|p| api.try_get(&p.key()))
            .any(|p| pod_uses_claim(p, claim))
    }
}

impl Controller for PvcProtectionController {
    fn name(&self) -> &'static str {
        "pvc-protection-controller"
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        let deleted = event.event_type == WatchEventType::Deleted;
        match obj.kind() {
            Kind::PersistentVolumeClaim if !deleted => {
                let wanted = needs_finalizer(obj, FINALIZER_PVC_PROTECTION)
                    || is_deletion_candidate(obj, FINALIZER_PVC_PROTECTION);
                if wanted { vec![obj.key()] } else { vec![] }
            }
            Kind::Pod => {
                let Some(pod) = as_pod(obj) else {
                    return vec![];
                };
                // Only a pod that can no longer block a claim may release one.
                let releases = deleted
                    || is_pod_terminated(pod)
                    || pod_node(pod).is_empty()
                    || pod_is_shut_down(obj);
                if !releases {
                    return vec![];
                }
                pod_claim_names(pod)
                    .into_iter()
                    .map(|n| ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), n))
                    .filter(|k| {
                        api.try_get(k)
                            .is_some_and(|c| is_deletion_candidate(c, FINALIZER_PVC_PROTECTION))
                    })
                    .collect()
            }
            _ => vec![],
        }
    }

    /// `processPVC`.
    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        self.pods.catch_up(cx.read(), cx.now, SimDuration::ZERO);
        let Some(claim) = cx.read().try_get(key).cloned() else {
            return self.retries.after(key, true);
        };
        if is_deletion_candidate(&claim, FINALIZER_PVC_PROTECTION) {
            if self.is_being_used(cx.read(), &claim) {
                return self.retries.after(key, true);
            }
            let ok = write_finalizer(cx, &claim, FINALIZER_PVC_PROTECTION, false) == 1;
            return self.retries.after(key, ok);
        }
        if needs_finalizer(&claim, FINALIZER_PVC_PROTECTION) {
            let ok = write_finalizer(cx, &claim, FINALIZER_PVC_PROTECTION, true) == 1;
            return self.retries.after(key, ok);
        }
        self.retries.after(key, true)
    }
}

/// The PV protection controller, keyed by volume.
#[derive(Debug, Default)]
pub struct PvProtectionController {
    retries: Retries,
}

impl PvProtectionController {
    /// A controller with no retries pending.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Controller for PvProtectionController {
    fn name(&self) -> &'static str {
        "pv-protection-controller"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        let wanted = obj.kind() == Kind::PersistentVolume
            && event.event_type != WatchEventType::Deleted
            && (needs_finalizer(obj, FINALIZER_PV_PROTECTION)
                || is_deletion_candidate(obj, FINALIZER_PV_PROTECTION));
        if wanted { vec![obj.key()] } else { vec![] }
    }

    /// `processPV`: a deleted volume is released once it is no longer `Bound`.
    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some(volume) = cx.read().try_get(key).cloned() else {
            return self.retries.after(key, true);
        };
        if is_deletion_candidate(&volume, FINALIZER_PV_PROTECTION) {
            if volume_phase(&volume) == "Bound" {
                return self.retries.after(key, true);
            }
            let ok = write_finalizer(cx, &volume, FINALIZER_PV_PROTECTION, false) == 1;
            return self.retries.after(key, ok);
        }
        if needs_finalizer(&volume, FINALIZER_PV_PROTECTION) {
            let ok = write_finalizer(cx, &volume, FINALIZER_PV_PROTECTION, true) == 1;
            return self.retries.after(key, ok);
        }
        self.retries.after(key, true)
    }
}

/// One pass of both controllers over every deleted claim and volume, for callers without a
/// simulation (`controllers::settle`). Returns the number of writes.
pub fn sync(api: &mut impl Client) -> usize {
    let mut writes = 0;
    let claims: Vec<_> = api
        .read()
        .iter_kind(Kind::PersistentVolumeClaim, None)
        .filter(|c| is_deletion_candidate(c, FINALIZER_PVC_PROTECTION))
        .cloned()
        .collect();
    for c in claims {
        if !claim_in_use(api, &c) {
            writes += write_finalizer(api, &c, FINALIZER_PVC_PROTECTION, false);
        }
    }
    let volumes: Vec<_> = api
        .read()
        .iter_kind(Kind::PersistentVolume, None)
        .filter(|v| is_deletion_candidate(v, FINALIZER_PV_PROTECTION) && volume_phase(v) != "Bound")
        .cloned()
        .collect();
    for v in volumes {
        writes += write_finalizer(api, &v, FINALIZER_PV_PROTECTION, false);
    }
    writes
}
