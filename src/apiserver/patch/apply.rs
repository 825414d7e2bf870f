//! `kubectl apply`'s three-way merge, computed as its result: what the live object becomes when
//! kubectl patches it with `CreateThreeWayMergePatch(original, modified, current)`.
//!
//! - `original` is the last applied configuration (the annotation), `modified` the new one,
//!   `current` the live object.
//! - A field in `modified` wins. A field the user removed (in `original`, not in `modified`)
//!   is removed. A field only the server or another client set (in `current`, in neither
//!   configuration) is kept: a Service's clusterIP, status, defaults.
//! - Lists follow their patch strategy: lists with a merge key merge element by element (the
//!   order of `modified` first, elements only others added after), lists of scalars with the
//!   `merge` strategy (finalizers) keep what others added, every other list is replaced.

use serde_json::{Map, Value};

use super::schema::{self, Schema, Strategy, UNTAGGED};
use crate::api::Kind;

/// The live object after applying `modified` over `current` with last-applied `original`.
pub fn three_way_apply(
    kind: Kind,
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
) -> Value {
    merge_value(
        schema::root(kind),
        Strategy::None,
        "",
        original,
        modified,
        current,
    )
}

fn merge_value(
    schema: &'static Schema,
    strategy: Strategy,
    merge_key: &str,
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
) -> Value {
    match (modified, current) {
        (Value::Object(m), Value::Object(c)) if strategy != Strategy::Replace => {
            Value::Object(merge_map(schema, original.and_then(Value::as_object), m, c))
        }
        (Value::Array(m), Value::Array(c)) if strategy == Strategy::Merge => {
            let o = original.and_then(Value::as_array);
            if merge_key.is_empty() {
                Value::Array(merge_scalar_list(o, m, c))
            } else {
                Value::Array(merge_keyed_list(schema, merge_key, o, m, c))
            }
        }
        _ => modified.clone(),
    }
}

fn merge_map(
    schema: &'static Schema,
    original: Option<&Map<String, Value>>,
    modified: &Map<String, Value>,
    current: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = current.clone();
    if let Some(o) = original {
        for k in o.keys() {
            if !modified.contains_key(k) {
                out.remove(k);
            }
        }
    }
    for (k, mv) in modified {
        if mv.is_null() {
            out.remove(k);
            continue;
        }
        let (child, strategy, key) = match schema.lookup(k) {
            Ok(l) => (l.schema, l.strategy, l.merge_key),
            Err(_) => (&UNTAGGED, Strategy::None, ""),
        };
        let merged = match current.get(k) {
            Some(cv) => merge_value(
                child,
                strategy,
                key,
                original.and_then(|o| o.get(k)),
                mv,
                cv,
            ),
            None => mv.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

fn key_of<'a>(v: &'a Value, merge_key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| o.get(merge_key))
}

fn merge_keyed_list(
    schema: &'static Schema,
    merge_key: &str,
    original: Option<&Vec<Value>>,
    modified: &[Value],
    current: &[Value],
) -> Vec<Value> {
    let mut out = Vec::new();
    for m in modified {
        let k = key_of(m, merge_key);
        let c = current
            .iter()
            .find(|c| k.is_some() && key_of(c, merge_key) == k);
        let o = original
            .into_iter()
            .flatten()
            .find(|o| k.is_some() && key_of(o, merge_key) == k);
        out.push(match c {
            Some(c) => merge_value(schema, Strategy::None, "", o, m, c),
            None => m.clone(),
        });
    }
    for c in current {
        let k = key_of(c, merge_key);
        let in_modified = modified.iter().any(|m| key_of(m, merge_key) == k);
        let in_original = original
            .into_iter()
            .flatten()
            .any(|o| key_of(o, merge_key) == k);
        if !in_modified && !in_original {
            out.push(c.clone());
        }
    }
    out
}

fn merge_scalar_list(
    original: Option<&Vec<Value>>,
    modified: &[Value],
    current: &[Value],
) -> Vec<Value> {
    let removed = |v: &Value| original.is_some_and(|o| o.contains(v)) && !modified.contains(v);
    let mut out: Vec<Value> = current.iter().filter(|v| !removed(v)).cloned().collect();
    for m in modified {
        if !out.contains(m) {
            out.push(m.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_fields_stay_user_removals_go() {
        let original = json!({"spec": {"replicas": 2, "minReadySeconds": 5}});
        let modified = json!({"spec": {"replicas": 3}});
        let current = json!({"spec": {"replicas": 2, "minReadySeconds": 5, "revisionHistoryLimit": 10}, "status": {"replicas": 2}});
        let out = three_way_apply(Kind::StatefulSet, Some(&original), &modified, &current);
        assert_eq!(
            out,
            json!({"spec": {"replicas": 3, "revisionHistoryLimit": 10}, "status": {"replicas": 2}})
        );
    }

    #[test]
    fn env_merges_by_name_and_a_removed_value_gives_way_to_value_from() {
        let original = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "pg", "image": "postgres:15", "env": [{"name": "PASSWORD", "value": "x"}]}]}}}});
        let modified = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "pg", "image": "postgres:15", "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "p"}}}]}]}}}});
        let current = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "pg", "image": "postgres:15", "imagePullPolicy": "IfNotPresent",
             "env": [{"name": "PASSWORD", "value": "x"}]}]}}}});
        let out = three_way_apply(Kind::StatefulSet, Some(&original), &modified, &current);
        let c = &out["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["env"][0],
            json!({"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "p"}}})
        );
        assert_eq!(c["imagePullPolicy"], json!("IfNotPresent"));
    }

    #[test]
    fn keyed_lists_keep_foreign_elements_and_drop_removed_ones() {
        let original =
            json!({"spec": {"template": {"spec": {"volumes": [{"name": "a"}, {"name": "b"}]}}}});
        let modified = json!({"spec": {"template": {"spec": {"volumes": [{"name": "a"}]}}}});
        let current = json!({"spec": {"template": {"spec": {"volumes": [{"name": "a"}, {"name": "b"}, {"name": "injected"}]}}}});
        let out = three_way_apply(Kind::Deployment, Some(&original), &modified, &current);
        assert_eq!(
            out["spec"]["template"]["spec"]["volumes"],
            json!([{"name": "a"}, {"name": "injected"}])
        );
    }

    #[test]
    fn untagged_lists_are_replaced_and_finalizers_keep_foreign_entries() {
        let current = json!({"metadata": {"finalizers": ["kubernetes.io/pvc-protection"]},
                             "spec": {"accessModes": ["ReadWriteOnce"]}});
        let modified = json!({"metadata": {"finalizers": ["example.com/x"]},
                              "spec": {"accessModes": ["ReadWriteMany"]}});
        let out = three_way_apply(Kind::PersistentVolumeClaim, None, &modified, &current);
        assert_eq!(out["spec"]["accessModes"], json!(["ReadWriteMany"]));
        assert_eq!(
            out["metadata"]["finalizers"],
            json!(["kubernetes.io/pvc-protection", "example.com/x"])
        );
    }
}
