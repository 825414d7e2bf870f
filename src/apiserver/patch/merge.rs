//! JSON merge patch (RFC 7386) as the API server applies it: `jsonpatch.MergePatch` from
//! `gopkg.in/evanphx/json-patch.v4`, after the handler's strict decode of the patch into a
//! `map[string]interface{}`.
//!
//! It differs from the RFC in one corner: a value stored where the target was absent, null or
//! not an object has its nulls pruned recursively, also inside objects nested in arrays (the RFC
//! keeps those). That is why this is not `json_patch::merge`.

use serde_json::{Map, Value};

use super::PatchError;
use super::gofmt::json_kind_word;

/// Applies a merge patch to `original`.
pub(super) fn apply(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    match patch {
        // The strict decode accepts `null` (a nil map); MergePatch then rejects it.
        Value::Null => Err(PatchError::bad_request("Invalid JSON Patch")),
        Value::Object(p) => {
            let mut doc = match original {
                Value::Object(m) => m.clone(),
                _ => Map::new(),
            };
            merge_docs(&mut doc, p);
            Ok(Value::Object(doc))
        }
        other => Err(PatchError::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type \
             map[string]interface {{}}",
            json_kind_word(other)
        ))),
    }
}

fn merge_docs(doc: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            doc.remove(k);
            continue;
        }
        match doc.get_mut(k) {
            Some(cur) if !cur.is_null() => merge_value(cur, v),
            _ => {
                let mut v = v.clone();
                prune_nulls(&mut v);
                doc.insert(k.clone(), v);
            }
        }
    }
}

fn merge_value(cur: &mut Value, patch: &Value) {
    match (cur, patch) {
        (Value::Object(c), Value::Object(p)) => merge_docs(c, p),
        // The target is an object but the patch is not: the patch value replaces it as is.
        (cur @ Value::Object(_), p) => *cur = p.clone(),
        (cur, p) => {
            let mut p = p.clone();
            prune_nulls(&mut p);
            *cur = p;
        }
    }
}

fn prune_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(prune_nulls);
        }
        // Null elements stay; objects inside the array are pruned.
        Value::Array(a) => a.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}
