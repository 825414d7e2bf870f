//! JSON patch (RFC 6902) as the API server applies it: a strict decode into the handler's
//! `[]jsonPatchOp` (400 on a type error), the 10000-operation limit (413), then
//! `gopkg.in/evanphx/json-patch.v4`, whose failures the server reports as a bare 422.
//!
//! The library's behaviour is kept where it departs from the RFC, because that is what users
//! observe: `replace` of a missing object key adds it; `copy` from a missing object key copies
//! null; `add`/`replace` without a `value` store null; negative array indices count from the
//! end; the first segment of a path is never looked at (`a/b` means `/b`). That is why this is
//! not the `json_patch` crate, which follows the RFC.

use serde_json::{Map, Value};

use super::PatchError;
use super::gofmt::json_kind_word;

/// `maxJSONPatchOperations` in the handler.
const MAX_OPERATIONS: usize = 10000;

/// Applies a JSON patch to `original`.
pub(super) fn apply(original: &Value, patch: &Value) -> Result<Value, PatchError> {
    let ops: &[Value] = match patch {
        Value::Null => &[],
        Value::Array(ops) => ops,
        other => {
            return Err(decode_error(format!(
                "json: cannot unmarshal {} into Go value of type []handlers.jsonPatchOp",
                json_kind_word(other)
            )));
        }
    };
    strict_decode(ops)?;
    if ops.len() > MAX_OPERATIONS {
        return Err(PatchError::too_large(format!(
            "The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, got {}",
            ops.len()
        )));
    }
    let mut doc = original.clone();
    for op in ops {
        apply_op(&mut doc, op).map_err(|e| match e {
            OpError::Failed(text) => PatchError::invalid(text),
            OpError::Panic(text) => PatchError::panic(text),
        })?;
    }
    Ok(doc)
}

fn decode_error(text: String) -> PatchError {
    PatchError::bad_request(format!("error decoding patch: {text}"))
}

/// The handler's `kjson.UnmarshalStrict(patch, &[]jsonPatchOp)`: unknown and duplicate fields
/// are only warnings, but `op`, `path` and `from` must be strings (or null).
fn strict_decode(ops: &[Value]) -> Result<(), PatchError> {
    for op in ops {
        match op {
            Value::Null => {}
            Value::Object(fields) => {
                for (name, v) in fields {
                    let is_string_field = matches!(name.as_str(), "op" | "path" | "from");
                    if is_string_field && !matches!(v, Value::String(_) | Value::Null) {
                        return Err(decode_error(format!(
                            "json: cannot unmarshal {} into Go struct field jsonPatchOp.{name} \
                             of type string",
                            json_kind_word(v)
                        )));
                    }
                }
            }
            other => {
                return Err(decode_error(format!(
                    "json: cannot unmarshal {} into Go value of type handlers.jsonPatchOp",
                    json_kind_word(other)
                )));
            }
        }
    }
    Ok(())
}

enum OpError {
    /// The library returned an error: a 422.
    Failed(String),
    /// The library dereferences nil here.
    Panic(String),
}

fn failed(text: impl Into<String>) -> OpError {
    OpError::Failed(text.into())
}

/// An operation's `value` member, as the library sees it.
enum OpValue<'a> {
    /// No `value` member (a nil node).
    Absent,
    /// `"value": null` (a node with no raw bytes).
    Null,
    /// Any other value.
    Some(&'a Value),
}

impl OpValue<'_> {
    /// What gets stored: both nil forms marshal as null.
    fn to_value(&self) -> Value {
        match self {
            OpValue::Some(v) => (*v).clone(),
            OpValue::Absent | OpValue::Null => Value::Null,
        }
    }
}

struct Op<'a> {
    fields: Option<&'a Map<String, Value>>,
}

impl<'a> Op<'a> {
    fn kind(&self) -> &'a str {
        match self.fields.and_then(|f| f.get("op")) {
            Some(Value::String(s)) => s,
            _ => "unknown",
        }
    }

    fn string_field(&self, name: &str, what: &str) -> Result<&'a str, OpError> {
        match self.fields.and_then(|f| f.get(name)) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(failed(format!("{what}: missing value"))),
        }
    }

    fn path(&self, op: &str) -> Result<&'a str, OpError> {
        self.string_field("path", &format!("{op} operation failed to decode path"))
    }

    fn from(&self, op: &str) -> Result<&'a str, OpError> {
        self.string_field("from", &format!("{op} operation failed to decode from"))
    }

    fn value(&self) -> OpValue<'a> {
        match self.fields.and_then(|f| f.get("value")) {
            None => OpValue::Absent,
            Some(Value::Null) => OpValue::Null,
            Some(v) => OpValue::Some(v),
        }
    }
}

fn apply_op(doc: &mut Value, op: &Value) -> Result<(), OpError> {
    let op = Op {
        fields: op.as_object(),
    };
    match op.kind() {
        "add" => {
            let path = op.path("add")?;
            let (con, key) = find_object(doc, path).ok_or_else(|| {
                failed(format!(
                    "add operation does not apply: doc is missing path: \"{path}\": missing value"
                ))
            })?;
            container_add(con, &key, op.value().to_value())
                .map_err(|e| failed(format!("error in add for path: '{path}': {e}")))
        }
        "remove" => {
            let path = op.path("remove")?;
            let (con, key) = find_object(doc, path).ok_or_else(|| {
                failed(format!(
                    "remove operation does not apply: doc is missing path: \"{path}\": missing \
                     value"
                ))
            })?;
            container_remove(con, &key)
                .map(drop)
                .map_err(|e| failed(format!("error in remove for path: '{path}': {e}")))
        }
        "replace" => apply_replace(doc, &op),
        "move" => apply_move(doc, &op),
        "test" => apply_test(doc, &op),
        "copy" => apply_copy(doc, &op),
        other => Err(failed(format!("Unexpected kind: {other}"))),
    }
}

fn apply_replace(doc: &mut Value, op: &Op<'_>) -> Result<(), OpError> {
    let path = op.path("replace")?;
    if path.is_empty() {
        return match op.value() {
            OpValue::Absent => Err(OpError::Panic(
                "replace of the whole document without a value".into(),
            )),
            OpValue::Some(v @ (Value::Object(_) | Value::Array(_))) => {
                *doc = v.clone();
                Ok(())
            }
            _ => Err(failed("replace operation value must be object or array")),
        };
    }
    let value = op.value().to_value();
    let (con, key) = find_object(doc, path).ok_or_else(|| {
        failed(format!(
            "replace operation does not apply: doc is missing path: {path}: missing value"
        ))
    })?;
    // An object "get" never fails, so a missing key is simply set.
    container_get(con, &key).map_err(|_| {
        failed(format!(
            "replace operation does not apply: doc is missing key: {path}: missing value"
        ))
    })?;
    container_set(con, &key, value);
    Ok(())
}

fn apply_move(doc: &mut Value, op: &Op<'_>) -> Result<(), OpError> {
    let from = op.from("move")?;
    let (con, key) = find_object(doc, from).ok_or_else(|| {
        failed(format!(
            "move operation does not apply: doc is missing from path: {from}: missing value"
        ))
    })?;
    container_get(con, &key)
        .map_err(|e| failed(format!("error in move for path: '{key}': {e}")))?;
    let val = container_remove(con, &key)
        .map_err(|e| failed(format!("error in move for path: '{key}': {e}")))?;
    let path = op.path("move")?;
    let (con, key) = find_object(doc, path).ok_or_else(|| {
        failed(format!(
            "move operation does not apply: doc is missing destination path: {path}: missing \
             value"
        ))
    })?;
    container_add(con, &key, val)
        .map_err(|e| failed(format!("error in move for path: '{path}': {e}")))
}

fn apply_copy(doc: &mut Value, op: &Op<'_>) -> Result<(), OpError> {
    let from = op.from("copy")?;
    let (con, key) = find_object(doc, from).ok_or_else(|| {
        failed(format!(
            "copy operation does not apply: doc is missing from path: {from}: missing value"
        ))
    })?;
    let val = container_get(con, &key)
        .map_err(|e| failed(format!("error in copy for from: '{from}': {e}")))?
        .cloned()
        .unwrap_or(Value::Null);
    let path = op.path("copy")?;
    let (con, key) = find_object(doc, path).ok_or_else(|| {
        failed(format!(
            "copy operation does not apply: doc is missing destination path: {path}: missing \
             value"
        ))
    })?;
    container_add(con, &key, val)
        .map_err(|e| failed(format!("error while adding value during copy: {e}")))
}

fn apply_test(doc: &mut Value, op: &Op<'_>) -> Result<(), OpError> {
    let path = op.path("test")?;
    let test_failed = || failed(format!("testing value {path} failed: test failed"));
    if path.is_empty() {
        return match op.value() {
            OpValue::Absent => Err(OpError::Panic(
                "test of the whole document without a value".into(),
            )),
            OpValue::Some(v) if v == doc => Ok(()),
            _ => Err(test_failed()),
        };
    }
    let (con, key) = find_object(doc, path).ok_or_else(|| {
        failed(format!(
            "test operation does not apply: is missing path: {path}: missing value"
        ))
    })?;
    let current = container_get(con, &key)
        .map_err(|e| failed(format!("error in test for path: '{path}': {e}")))?;
    match (current, op.value()) {
        (None | Some(Value::Null), OpValue::Absent | OpValue::Null) => Ok(()),
        (Some(cur), OpValue::Some(v)) if !cur.is_null() && cur == v => Ok(()),
        _ => Err(test_failed()),
    }
}

/// RFC 6901 unescaping, as `strings.NewReplacer("~1", "/", "~0", "~")` does it.
fn decode_key(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// `findObject`: the container holding the last path segment, and that segment. Walks only
/// through objects and arrays; the first segment (before the first `/`) is ignored.
fn find_object<'d>(doc: &'d mut Value, path: &str) -> Option<(&'d mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let key = decode_key(split[split.len() - 1]);
    let mut cur = doc;
    for part in &split[1..split.len() - 1] {
        let part = decode_key(part);
        let next = match cur {
            Value::Object(m) => m.get_mut(&part),
            Value::Array(a) => match array_index(a.len(), &part, false) {
                Ok(i) => a.get_mut(i),
                Err(_) => None,
            },
            _ => None,
        }?;
        if !matches!(next, Value::Object(_) | Value::Array(_)) {
            return None;
        }
        cur = next;
    }
    if matches!(cur, Value::Object(_) | Value::Array(_)) {
        Some((cur, key))
    } else {
        None
    }
}

/// An index for get/set/remove (`for_add` false) or for add (`for_add` true, where the length
/// itself is allowed), with negative indices counting from the end.
fn array_index(len: usize, key: &str, for_add: bool) -> Result<usize, String> {
    let idx: i64 = key.parse().map_err(|_| {
        format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            super::gofmt::quote(key)
        )
    })?;
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let bound = if for_add { len.saturating_add(1) } else { len };
    let invalid = || format!("Unable to access invalid index: {idx}: invalid index referenced");
    let idx = if idx < 0 {
        if idx < -bound {
            return Err(invalid());
        }
        idx + bound
    } else {
        idx
    };
    if idx >= bound {
        return Err(invalid());
    }
    usize::try_from(idx).map_err(|_| invalid())
}

fn container_get<'c>(con: &'c Value, key: &str) -> Result<Option<&'c Value>, String> {
    match con {
        Value::Object(m) => Ok(m.get(key)),
        Value::Array(a) => {
            let i = array_index(a.len(), key, false)?;
            Ok(a.get(i))
        }
        _ => Err("not a container".into()),
    }
}

fn container_set(con: &mut Value, key: &str, val: Value) {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
        }
        Value::Array(a) => {
            if let Ok(i) = array_index(a.len(), key, false)
                && let Some(slot) = a.get_mut(i)
            {
                *slot = val;
            }
        }
        _ => {}
    }
}

fn container_add(con: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(val);
                return Ok(());
            }
            let i = array_index(a.len(), key, true)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            a.insert(i.min(a.len()), val);
            Ok(())
        }
        _ => Err("not a container".into()),
    }
}

fn container_remove(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(m) => m
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: missing value")),
        Value::Array(a) => {
            let i = array_index(a.len(), key, false)?;
            if i < a.len() {
                Ok(a.remove(i))
            } else {
                Err(format!(
                    "Unable to access invalid index: {i}: invalid index referenced"
                ))
            }
        }
        _ => Err("not a container".into()),
    }
}
