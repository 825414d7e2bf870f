//! The garbage collector (`pkg/controller/garbagecollector`): deletes objects whose owners are
//! all gone, orphans dependents of owners deleted with `orphan`, and deletes dependents of
//! owners deleted with `foregroundDeletion` before letting the owner go.

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::strategy::{FINALIZER_FOREGROUND, FINALIZER_ORPHAN};
use crate::apiserver::{ApiServer, Client, DeleteOptions, Propagation, WatchEvent};
use crate::sim::{Controller, Cx, Requeue};

/// The garbage collector as a reconciler: any write that leaves work on the API server's GC
/// list wakes it, and one reconcile drains the list.
#[derive(Default)]
pub struct GarbageCollector;

/// The single key the garbage collector is woken with.
pub fn work_key() -> ObjectKey {
    ObjectKey::cluster(Kind::Namespace, "")
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector"
    }

    fn keys_for(&self, _event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        if api.gc_pending().is_empty() {
            vec![]
        } else {
            vec![work_key()]
        }
    }

    fn reconcile(&mut self, _key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        // The work list stands in for the garbage collector's own dependency graph, which
        // upstream builds from informers; taking it is not an API call.
        let pending = cx.api.take_gc_pending();
        for key in &pending {
            process(cx, key);
        }
        Requeue::No
    }
}

/// Processes the API server's GC work list once. Returns the number of writes.
pub fn sync(api: &mut ApiServer) -> usize {
    let pending = api.take_gc_pending();
    pending.iter().map(|key| process(api, key)).sum()
}

/// The state of one owner reference, as `classifyReferences` sees it.
enum OwnerState {
    /// The owner exists with the referenced uid and is not waiting for dependents.
    Solid,
    /// The owner is gone (or replaced by an object with another uid).
    Dangling,
    /// The owner is being deleted in the foreground.
    Waiting,
}

fn owner_state(
    api: &impl Client,
    dependent: &Object,
    r: &k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference,
) -> OwnerState {
    let Some(kind) = Kind::from_api_version_kind(&r.api_version, &r.kind) else {
        // An owner of a kind the simulator does not model: never collect on its account.
        return OwnerState::Solid;
    };
    let namespace = if kind.is_namespaced() {
        dependent.namespace()
    } else {
        ""
    };
    match api
        .read()
        .try_get(&ObjectKey::new(kind, namespace, &r.name))
    {
        Some(owner) if owner.uid() == r.uid => {
            if owner.is_terminating() && owner.has_finalizer(FINALIZER_FOREGROUND) {
                OwnerState::Waiting
            } else {
                OwnerState::Solid
            }
        }
        _ => OwnerState::Dangling,
    }
}

fn process(api: &mut impl Client, key: &ObjectKey) -> usize {
    let Some(obj) = api.read().try_get(key).cloned() else {
        return 0;
    };
    if key.kind == Kind::Namespace {
        return 0;
    }
    if obj.is_terminating() && obj.has_finalizer(FINALIZER_ORPHAN) {
        return orphan_dependents(api, &obj);
    }
    if obj.is_terminating() && obj.has_finalizer(FINALIZER_FOREGROUND) {
        return delete_dependents_in_foreground(api, &obj);
    }
    collect_if_ownerless(api, &obj)
}

/// `orphanDependents` then removal of the `orphan` finalizer.
fn orphan_dependents(api: &mut impl Client, owner: &Object) -> usize {
    let mut writes = 0;
    for dep_key in api.read().dependents_of(owner.uid()) {
        let Some(dep) = api.read().try_get(&dep_key).cloned() else {
            continue;
        };
        let mut dep = (*dep).clone();
        let meta = dep.meta_mut();
        if let Some(refs) = meta.owner_references.as_mut() {
            refs.retain(|r| r.uid != owner.uid());
            if refs.is_empty() {
                meta.owner_references = None;
            }
        }
        if api.update(dep).is_ok() {
            writes += 1;
        }
    }
    writes + remove_finalizer(api, owner, FINALIZER_ORPHAN)
}

/// Foreground deletion: delete every dependent, and release the owner once no dependent that
/// blocks owner deletion remains.
fn delete_dependents_in_foreground(api: &mut impl Client, owner: &Object) -> usize {
    let mut writes = 0;
    let mut blocking = 0;
    for dep_key in api.read().dependents_of(owner.uid()) {
        let Some(dep) = api.read().try_get(&dep_key).cloned() else {
            continue;
        };
        let blocks = dep
            .meta()
            .owner_references
            .iter()
            .flatten()
            .any(|r| r.uid == owner.uid() && r.block_owner_deletion == Some(true));
        if !dep.is_terminating() {
            let propagation = if blocks {
                Propagation::Foreground
            } else {
                Propagation::Background
            };
            let opts = DeleteOptions {
                propagation: Some(propagation),
                ..Default::default()
            };
            if api.delete(&dep_key, &opts).is_ok() {
                writes += 1;
            }
        }
        if blocks && api.read().try_get(&dep_key).is_some() {
            blocking += 1;
        }
    }
    if blocking == 0 {
        writes += remove_finalizer(api, owner, FINALIZER_FOREGROUND);
    }
    writes
}

/// `attemptToDeleteItem` for an ordinary object: delete it when no owner is solid; drop
/// references to vanished owners when some are.
fn collect_if_ownerless(api: &mut impl Client, obj: &Object) -> usize {
    let refs: Vec<_> = obj.meta().owner_references.clone().unwrap_or_default();
    if refs.is_empty() || obj.is_terminating() {
        return 0;
    }
    let states: Vec<OwnerState> = refs.iter().map(|r| owner_state(api, obj, r)).collect();
    let solid = states
        .iter()
        .filter(|s| matches!(s, OwnerState::Solid))
        .count();
    let waiting = states.iter().any(|s| matches!(s, OwnerState::Waiting));
    let dangling: Vec<&str> = refs
        .iter()
        .zip(&states)
        .filter(|(_, s)| matches!(s, OwnerState::Dangling))
        .map(|(r, _)| r.uid.as_str())
        .collect();
    if solid > 0 {
        if dangling.is_empty() {
            return 0;
        }
        let mut updated = obj.clone();
        if let Some(r) = updated.meta_mut().owner_references.as_mut() {
            r.retain(|x| !dangling.contains(&x.uid.as_str()));
        }
        return usize::from(api.update(updated).is_ok());
    }
    let has_dependents = !api.read().dependents_of(obj.uid()).is_empty();
    let propagation = if waiting && has_dependents {
        Propagation::Foreground
    } else if obj.has_finalizer(FINALIZER_ORPHAN) {
        Propagation::Orphan
    } else if obj.has_finalizer(FINALIZER_FOREGROUND) {
        Propagation::Foreground
    } else {
        Propagation::Background
    };
    let opts = DeleteOptions {
        propagation: Some(propagation),
        preconditions: crate::apiserver::Preconditions {
            uid: Some(obj.uid().to_string()),
            resource_version: None,
        },
        ..Default::default()
    };
    usize::from(api.delete(&obj.key(), &opts).is_ok())
}

fn remove_finalizer(api: &mut impl Client, obj: &Object, finalizer: &str) -> usize {
    let Some(current) = api.read().try_get(&obj.key()).cloned() else {
        return 0;
    };
    let mut updated = (*current).clone();
    if let Some(f) = updated.meta_mut().finalizers.as_mut() {
        f.retain(|x| x != finalizer);
    }
    usize::from(api.update(updated).is_ok())
}
