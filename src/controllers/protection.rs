//! The PVC and PV protection controllers (`pkg/controller/volume/pvcprotection`,
//! `pvprotection`): a terminating claim keeps `kubernetes.io/pvc-protection` while a pod that
//! has not terminated uses it; a terminating volume keeps `kubernetes.io/pv-protection` while
//! it is bound.

use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;
use crate::apiserver::strategy::{FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION};

/// True when a pod in `namespace` that has not terminated mounts claim `claim`.
pub fn claim_in_use(api: &ApiServer, namespace: &str, claim: &str) -> bool {
    api.iter_kind(Kind::Pod, Some(namespace)).any(|p| {
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

/// One pass over terminating claims and volumes. Returns the number of writes.
pub fn sync(api: &mut ApiServer) -> usize {
    let mut writes = 0;
    let claims: Vec<_> = api
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

fn remove(api: &mut ApiServer, obj: &Object, finalizer: &str) -> usize {
    let mut updated = obj.clone();
    if let Some(f) = updated.meta_mut().finalizers.as_mut() {
        f.retain(|x| x != finalizer);
    }
    usize::from(api.update(updated).is_ok())
}
