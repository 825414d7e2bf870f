//! The namespace controller (`pkg/controller/namespace`): empties a terminating namespace,
//! then removes the `kubernetes` finalizer so the namespace itself goes.

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, DeleteOptions, WatchEvent, WatchEventType};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, Requeue};

/// One pass over terminating namespaces. Returns the number of writes.
pub fn sync(api: &mut impl Client) -> usize {
    let terminating: Vec<String> = api
        .read()
        .iter_kind(Kind::Namespace, None)
        .filter(|n| n.is_terminating())
        .map(|n| n.name().to_string())
        .collect();
    terminating.iter().map(|ns| sync_namespace(api, ns)).sum()
}

/// True when nothing namespaced is left in `ns`.
fn is_empty(api: &impl Client, ns: &str) -> bool {
    Kind::ALL
        .iter()
        .filter(|k| k.is_namespaced())
        .all(|k| api.read().iter_kind(*k, Some(ns)).next().is_none())
}

/// `syncNamespaceFromKey` for one namespace: deletes its content, and finalizes it once empty.
/// Returns the number of writes.
pub fn sync_namespace(api: &mut impl Client, ns: &str) -> usize {
    let Some(namespace) = api
        .read()
        .try_get(&ObjectKey::cluster(Kind::Namespace, ns))
        .cloned()
    else {
        return 0;
    };
    if !namespace.is_terminating() {
        return 0;
    }
    let mut writes = 0;
    let contents: Vec<_> = Kind::ALL
        .iter()
        .filter(|k| k.is_namespaced())
        .flat_map(|k| {
            api.read()
                .iter_kind(*k, Some(ns))
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect();
    for obj in &contents {
        if !obj.is_terminating() && api.delete(&obj.key(), &DeleteOptions::default()).is_ok() {
            writes += 1;
        }
    }
    let has_finalizer = match &*namespace {
        Object::Namespace(n) => n
            .spec
            .as_ref()
            .and_then(|s| s.finalizers.as_ref())
            .is_some_and(|f| f.iter().any(|x| x == "kubernetes")),
        _ => false,
    };
    if is_empty(api, ns) && has_finalizer && api.finalize_namespace(ns, "kubernetes").is_ok() {
        writes += 1;
    }
    writes
}

/// The namespace controller as a reconciler keyed by namespace.
#[derive(Default)]
pub struct NamespaceController;

impl Controller for NamespaceController {
    fn name(&self) -> &'static str {
        "namespace-controller"
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        if obj.kind() == Kind::Namespace {
            return if obj.is_terminating() {
                vec![obj.key()]
            } else {
                vec![]
            };
        }
        // The last object of a terminating namespace going away lets it finish.
        if event.event_type == WatchEventType::Deleted && obj.kind().is_namespaced() {
            let ns = ObjectKey::cluster(Kind::Namespace, obj.namespace());
            if api.read().try_get(&ns).is_some_and(|n| n.is_terminating()) {
                return vec![ns];
            }
        }
        vec![]
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        sync_namespace(cx, &key.name);
        let still_terminating = cx.read().try_get(key).is_some_and(|n| n.is_terminating());
        if still_terminating {
            // Upstream requeues a namespace that still has content after a short wait.
            Requeue::After(SimDuration::from_secs(5))
        } else {
            Requeue::No
        }
    }
}
