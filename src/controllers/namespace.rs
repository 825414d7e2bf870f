//! The namespace controller (`pkg/controller/namespace`): empties a terminating namespace,
//! then removes the `kubernetes` finalizer so the namespace itself goes.

use crate::api::{Kind, Object};
use crate::apiserver::{ApiServer, DeleteOptions};

/// One pass over terminating namespaces. Returns the number of writes.
pub fn sync(api: &mut ApiServer) -> usize {
    let terminating: Vec<String> = api
        .iter_kind(Kind::Namespace, None)
        .filter(|n| n.is_terminating())
        .map(|n| n.name().to_string())
        .collect();
    let mut writes = 0;
    for ns in terminating {
        let contents: Vec<_> = Kind::ALL
            .iter()
            .filter(|k| k.is_namespaced())
            .flat_map(|k| api.iter_kind(*k, Some(&ns)).cloned().collect::<Vec<_>>())
            .collect();
        for obj in &contents {
            if !obj.is_terminating() && api.delete(&obj.key(), &DeleteOptions::default()).is_ok() {
                writes += 1;
            }
        }
        let empty = Kind::ALL
            .iter()
            .filter(|k| k.is_namespaced())
            .all(|k| api.iter_kind(*k, Some(&ns)).next().is_none());
        let has_finalizer = api
            .try_get(&crate::api::ObjectKey::cluster(Kind::Namespace, &ns))
            .is_some_and(|o| match &**o {
                Object::Namespace(n) => n
                    .spec
                    .as_ref()
                    .and_then(|s| s.finalizers.as_ref())
                    .is_some_and(|f| f.iter().any(|x| x == "kubernetes")),
                _ => false,
            });
        if empty && has_finalizer && api.finalize_namespace(&ns, "kubernetes").is_ok() {
            writes += 1;
        }
    }
    writes
}
