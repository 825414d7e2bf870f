//! The PVC and PV protection controllers (`pkg/controller/volume/pvcprotection`,
//! `pvprotection`): a terminating claim keeps `kubernetes.io/pvc-protection` while a pod that
//! has not terminated uses it; a terminating volume keeps `kubernetes.io/pv-protection` while
//! it is bound.

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::strategy::{FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::sim::{Controller, Cx, Requeue};

/// True when a pod in `namespace` that has not terminated mounts claim `claim`.
pub fn claim_in_use(api: &impl Client, namespace: &str, claim: &str) -> bool {
    api.read().iter_kind(Kind::Pod, Some(namespace)).any(|p| {
        let Object::Pod(pod) = &**p else { return false };
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        if matches!(phase, Some("Succeeded") | Some("Failed")) {
            return false;
        }
        pod.spec
            .as_ref()
            .and_then(|s| s.volumes.as_ref())
            .is_some_and(|vols| {
                vols.iter().any(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|c| c.claim_name == claim)
                })
            })
    })
}

/// Removes the protection finalizer from `key` (a claim or a volume) if it is terminating and
/// no longer in use. Returns the number of writes.
pub fn sync_one(api: &mut impl Client, key: &ObjectKey) -> usize {
    let Some(obj) = api.read().try_get(key).cloned() else {
        return 0;
    };
    match key.kind {
        Kind::PersistentVolumeClaim
            if obj.is_terminating()
                && obj.has_finalizer(FINALIZER_PVC_PROTECTION)
                && !claim_in_use(api, obj.namespace(), obj.name()) =>
        {
            remove(api, &obj, FINALIZER_PVC_PROTECTION)
        }
        Kind::PersistentVolume
            if obj.is_terminating()
                && obj.has_finalizer(FINALIZER_PV_PROTECTION)
                && !volume_bound(&obj) =>
        {
            remove(api, &obj, FINALIZER_PV_PROTECTION)
        }
        _ => 0,
    }
}

fn volume_bound(obj: &Object) -> bool {
    match obj {
        Object::PersistentVolume(pv) => {
            pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
        }
        _ => false,
    }
}

/// The claims a pod mounts.
fn claims_of(obj: &Object) -> Vec<String> {
    let Object::Pod(pod) = obj else { return vec![] };
    pod.spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .map(|vols| {
            vols.iter()
                .filter_map(|v| v.persistent_volume_claim.as_ref())
                .map(|c| c.claim_name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The PVC and PV protection controllers as one reconciler keyed by claim or volume.
#[derive(Default)]
pub struct ProtectionController;

impl Controller for ProtectionController {
    fn name(&self) -> &'static str {
        "pvc-protection-controller"
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match obj.kind() {
            Kind::PersistentVolumeClaim | Kind::PersistentVolume
                if event.event_type != WatchEventType::Deleted && obj.is_terminating() =>
            {
                vec![obj.key()]
            }
            // A pod that stops or goes away may release the claims it used.
            Kind::Pod => {
                let released = match event.event_type {
                    WatchEventType::Deleted => true,
                    _ => match &**obj {
                        Object::Pod(p) => matches!(
                            p.status.as_ref().and_then(|s| s.phase.as_deref()),
                            Some("Succeeded") | Some("Failed")
                        ),
                        _ => false,
                    },
                };
                if !released {
                    return vec![];
                }
                claims_of(obj)
                    .into_iter()
                    .map(|c| ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), c))
                    .filter(|k| api.read().try_get(k).is_some_and(|c| c.is_terminating()))
                    .collect()
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        sync_one(cx, key);
        Requeue::No
    }
}

/// One pass over terminating claims and volumes. Returns the number of writes.
pub fn sync(api: &mut impl Client) -> usize {
    let mut writes = 0;
    let claims: Vec<_> = api
        .read()
        .iter_kind(Kind::PersistentVolumeClaim, None)
        .filter(|c| c.is_terminating() && c.has_finalizer(FINALIZER_PVC_PROTECTION))
        .cloned()
        .collect();
    for c in claims {
        if !claim_in_use(api, c.namespace(), c.name()) {
            writes += remove(api, &c, FINALIZER_PVC_PROTECTION);
        }
    }
    let volumes: Vec<_> = api
        .read()
        .iter_kind(Kind::PersistentVolume, None)
        .filter(|v| v.is_terminating() && v.has_finalizer(FINALIZER_PV_PROTECTION))
        .cloned()
        .collect();
    for v in volumes {
        let bound = match &*v {
            Object::PersistentVolume(pv) => {
                pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
            }
            _ => false,
        };
        if !bound {
            writes += remove(api, &v, FINALIZER_PV_PROTECTION);
        }
    }
    writes
}

fn remove(api: &mut impl Client, obj: &Object, finalizer: &str) -> usize {
    let mut updated = obj.clone();
    if let Some(f) = updated.meta_mut().finalizers.as_mut() {
        f.retain(|x| x != finalizer);
    }
    usize::from(api.update(updated).is_ok())
}
