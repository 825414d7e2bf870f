//! Strategic merge patch, as the API server applies it: `strategicpatch.StrategicMergeMapPatch`
//! (`k8s.io/apimachinery/pkg/util/strategicpatch/patch.go`, the apply half) with the server's
//! options (`MergeParallelList` and `IgnoreUnmatchedNulls` on), after the handler's strict
//! decode of the patch into a `map[string]interface{}`.
//!
//! Lists tagged `patchStrategy:"merge"` (see `schema`) merge element by element, by their
//! `patchMergeKey` for lists of objects; other lists are replaced; objects merge key by key; a
//! null deletes. The directives are `$patch: replace|delete` on objects and list elements,
//! `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>` and `$retainKeys`.
//!
//! Upstream iterates Go maps in random order; where that order matters (a list and its
//! `$deleteFromPrimitiveList/` twin touching the same item) this applies the patch's keys in
//! sorted order, so the deletion list comes first. Error texts and their status classes follow
//! `interpretStrategicMergePatchError` in the handler.

use serde_json::{Map, Value};

use super::PatchError;
use super::gofmt::{
    GoType, check_hashable, fmt_s, fmt_v, fmt_v_lists, go_eq, go_type, json_kind_word,
};
use super::schema::{Schema, Strategy};

type Result<T> = std::result::Result<T, PatchError>;
type Object = Map<String, Value>;

const DIRECTIVE_MARKER: &str = "$patch";
const DELETE_DIRECTIVE: &str = "delete";
const REPLACE_DIRECTIVE: &str = "replace";
const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

/// `mergepatch.ErrBadPatchFormatForPrimitiveList` (400).
const ERR_BAD_PRIMITIVE_LIST: &str = "invalid patch format of primitive list";
/// `mergepatch.ErrBadPatchFormatForRetainKeys` (400).
const ERR_BAD_RETAIN_KEYS: &str = "invalid patch format of retainKeys";
/// `mergepatch.ErrBadPatchFormatForSetElementOrderList` (400).
const ERR_BAD_SET_ELEMENT_ORDER: &str = "invalid patch format of setElementOrder list";
/// `mergepatch.ErrNoListOfLists` (422).
const ERR_NO_LIST_OF_LISTS: &str = "lists of lists are not supported";

static NIL: Value = Value::Null;

/// Applies a strategic merge patch to `original`, an object described by `schema`.
pub(super) fn apply(schema: &Schema, original: &Value, patch: &Value) -> Result<Value> {
    let patch = match patch {
        // Decoding `null` into a map leaves it nil: nothing to merge.
        Value::Null => return Ok(original.clone()),
        Value::Object(p) => p.clone(),
        other => {
            return Err(PatchError::bad_request(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                json_kind_word(other)
            )));
        }
    };
    let original = match original {
        Value::Object(m) => m.clone(),
        _ => Object::new(),
    };
    merge_map(original, patch, schema).map(Value::Object)
}

// ----- errors (mergepatch/errors.go) -----

fn err_no_merge_key(m: &Object, merge_key: &str) -> PatchError {
    PatchError::unknown(format!(
        "map: {} does not contain declared merge key: {merge_key}",
        fmt_v(&Value::Object(m.clone()))
    ))
}

fn err_bad_arg_type(expected: GoType, actual: &Value) -> PatchError {
    PatchError::unknown(format!(
        "expected a {}, but received a {}",
        expected.name(),
        go_type(actual).name()
    ))
}

fn err_bad_patch_type(directive: &Value, m: &Object) -> PatchError {
    PatchError::unknown(format!(
        "unknown patch type: {} in map: {}",
        fmt_s(directive),
        fmt_v(&Value::Object(m.clone()))
    ))
}

/// A Go type assertion that cannot fail after upstream's own checks; if it ever did, Go would
/// panic.
fn err_impossible(what: &str) -> PatchError {
    PatchError::panic(format!("interface conversion: {what}"))
}

// ----- maps -----

/// `mergeMap`.
fn merge_map(mut original: Object, mut patch: Object, schema: &Schema) -> Result<Object> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER).cloned() {
        return directive_in_map(&directive, patch);
    }
    apply_retain_keys(&mut original, &mut patch)?;
    merge_set_element_order(&mut original, &mut patch, schema)?;

    for (key, patch_v) in patch {
        let (k, is_delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            (extract_key(&key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?, true)
        } else {
            (key, false)
        };
        if patch_v.is_null() {
            original.remove(&k);
            continue;
        }
        let Some(original_v) = original.remove(&k) else {
            if !is_delete_list {
                store_patch_value(&mut original, k, patch_v);
            }
            continue;
        };
        if go_type(&original_v) != go_type(&patch_v) {
            if is_delete_list {
                original.insert(k, original_v);
            } else {
                store_patch_value(&mut original, k, patch_v);
            }
            continue;
        }
        match (original_v, patch_v) {
            (Value::Object(o), Value::Object(p)) => {
                let field = schema.lookup(&k)?;
                let merged = if field.strategy == Strategy::Replace {
                    p
                } else {
                    merge_map(o, p, field.schema)?
                };
                original.insert(k, Value::Object(merged));
            }
            (Value::Array(o), Value::Array(p)) => {
                let field = schema.lookup(&k)?;
                let merged = merge_slice_handler(
                    o,
                    p,
                    field.schema,
                    field.strategy,
                    field.merge_key,
                    is_delete_list,
                )?;
                original.insert(k, Value::Array(merged));
            }
            (_, p) => {
                if let Some(v) = remove_directives(p) {
                    original.insert(k, v);
                }
            }
        }
    }
    Ok(original)
}

/// Stores a patch value where the original has none (or one of another type): nulls are
/// dropped, and so is any object carrying `$patch`, even `$patch: replace`.
fn store_patch_value(original: &mut Object, key: String, mut value: Value) {
    discard_nulls(&mut value);
    if let Some(v) = remove_directives(value) {
        original.insert(key, v);
    }
}

/// `handleDirectiveInMergeMap`: `$patch` on an object.
fn directive_in_map(directive: &Value, mut patch: Object) -> Result<Object> {
    match directive.as_str() {
        Some(REPLACE_DIRECTIVE) => {
            patch.remove(DIRECTIVE_MARKER);
            Ok(patch)
        }
        Some(DELETE_DIRECTIVE) => Ok(Object::new()),
        _ => Err(err_bad_patch_type(directive, &patch)),
    }
}

/// `applyRetainKeysDirective`: clears the original's keys not named in `$retainKeys`, after
/// checking that the patch sets nothing outside it.
fn apply_retain_keys(original: &mut Object, patch: &mut Object) -> Result<()> {
    let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    let Value::Array(list) = retain else {
        return Err(PatchError::bad_request(ERR_BAD_RETAIN_KEYS));
    };
    for v in &list {
        check_hashable(v)?;
    }
    let retained = |k: &str| list.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !retained(k) {
            return Err(PatchError::bad_request(ERR_BAD_RETAIN_KEYS));
        }
    }
    original.retain(|k, _| retained(k));
    Ok(())
}

/// `extractKey`: the field name after `<prefix>/`.
fn extract_key(key: &str, prefix: &str) -> Result<String> {
    match key.split_once('/') {
        Some((head, rest)) if head == prefix => Ok(rest.to_string()),
        _ => Err(match prefix {
            DELETE_FROM_PRIMITIVE_LIST_PREFIX => PatchError::bad_request(ERR_BAD_PRIMITIVE_LIST),
            SET_ELEMENT_ORDER_PREFIX => PatchError::bad_request(ERR_BAD_SET_ELEMENT_ORDER),
            _ => PatchError::unknown(format!("fail to find unknown prefix {prefix:?} in {key}\n")),
        }),
    }
}

/// `mergePatchIntoOriginal`: merges each list that has a `$setElementOrder/<field>` directive
/// and orders it as the directive says (the directive, then the patch, then the live list).
fn merge_set_element_order(
    original: &mut Object,
    patch: &mut Object,
    schema: &Schema,
) -> Result<()> {
    let keys: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX))
        .cloned()
        .collect();
    for key in keys {
        let Some(order_v) = patch.remove(&key) else {
            continue;
        };
        let Value::Array(order) = order_v else {
            return Err(err_bad_arg_type(GoType::Slice, &order_v));
        };
        let field_key = extract_key(&key, SET_ELEMENT_ORDER_PREFIX)?;
        let original_items = list_field(original, &field_key)?;
        let patch_items = list_field(patch, &field_key)?;
        let field = schema.lookup(&field_key)?;
        let empty = Vec::new();
        validate_patch_with_set_order_list(
            patch_items.as_ref().unwrap_or(&empty),
            &order,
            field.merge_key,
        )?;
        let merged = match (&original_items, &patch_items) {
            (Some(o), None) => o.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p.clone())) {
                Some(Value::Array(a)) => a,
                _ => continue,
            },
            (Some(o), Some(p)) => merge_slice_handler(
                o.clone(),
                p.clone(),
                field.schema,
                field.strategy,
                field.merge_key,
                false,
            )?,
            (None, None) => continue,
        };
        let (patch_part, server_only) = if field.merge_key.is_empty() {
            partition_primitives(merged, &order)?
        } else {
            partition_maps(merged, &order, field.merge_key)?
        };
        let original_items = original_items.unwrap_or_default();
        let kind = slice_element_type(&[&original_items, patch_items.as_ref().unwrap_or(&empty)])?;
        let both = normalize_element_order(
            patch_part,
            server_only,
            &order,
            &original_items,
            field.merge_key,
            kind,
        )?;
        original.insert(field_key.clone(), Value::Array(both));
        patch.remove(&field_key);
    }
    Ok(())
}

/// The list under `key`, if present; anything else there is a type error.
fn list_field(m: &Object, key: &str) -> Result<Option<Vec<Value>>> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(other) => Err(err_bad_arg_type(GoType::Slice, other)),
    }
}

/// `validatePatchWithSetOrderList`: the patch's items must appear in `$setElementOrder`, in
/// the same relative order (deletions and other directives aside).
fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        extract_to_delete_items(patch_list.to_vec())?.0
    };
    let (mut patch_index, mut order_index) = (0, 0);
    while patch_index < non_delete.len() && order_index < order.len() {
        if contains_directive_marker(&non_delete[patch_index]) {
            patch_index += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[patch_index], &order[order_index], merge_key)? {
            patch_index += 1;
        }
        order_index += 1;
    }
    if patch_index < non_delete.len() && order_index >= order.len() {
        return Err(PatchError::unknown(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER_PREFIX} list:\n{}\n",
            fmt_v(&Value::Array(patch_list.to_vec())),
            fmt_v(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn contains_directive_marker(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.contains_key(DIRECTIVE_MARKER))
}

/// `mergeKeyValueEqual`.
fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return go_eq(left, right);
    }
    let Value::Object(l) = left else {
        return Err(err_bad_arg_type(GoType::Map, left));
    };
    let Value::Object(r) = right else {
        return Err(err_bad_arg_type(GoType::Map, right));
    };
    let lv = l
        .get(merge_key)
        .ok_or_else(|| err_no_merge_key(l, merge_key))?;
    let rv = r
        .get(merge_key)
        .ok_or_else(|| err_no_merge_key(r, merge_key))?;
    go_eq(lv, rv)
}

/// `removeDirectives`: drops every object carrying `$patch` (and the field or element holding
/// it); `None` when `v` itself is such an object.
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE_MARKER) {
                return None;
            }
            Some(Value::Object(
                m.into_iter()
                    .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(a) => Some(Value::Array(
            a.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

/// `discardNullValuesFromPatch`: removes null fields at any depth (null list elements stay).
fn discard_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(discard_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(discard_nulls),
        _ => {}
    }
}

// ----- lists -----

/// `mergeSliceHandler`: merge-tagged lists and deletion lists merge; others are replaced.
fn merge_slice_handler(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &Schema,
    strategy: Strategy,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if strategy == Strategy::Merge || is_delete_list {
        merge_slice(original, patch, schema, merge_key, is_delete_list)
    } else {
        Ok(patch)
    }
}

/// `mergeSlice`.
fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &Schema,
    merge_key: &str,
    is_delete_list: bool,
) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    let kind = slice_element_type(&[&original, &patch])?;
    let (original, patch, merged) = if kind != GoType::Map {
        if is_delete_list {
            return delete_from_slice(original, &patch);
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        let merged = deduplicate_scalars(both)?;
        (original, patch, merged)
    } else {
        if merge_key.is_empty() {
            return Err(PatchError::unknown(
                "cannot merge lists without merge key for struct",
            ));
        }
        let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key)?;
        let merged =
            merge_slice_without_special_elements(original.clone(), &patch, merge_key, schema)?;
        (original, patch, merged)
    };
    let (patch_part, server_only) = if merge_key.is_empty() {
        partition_primitives(merged, &patch)?
    } else {
        partition_maps(merged, &patch, merge_key)?
    };
    normalize_element_order(patch_part, server_only, &patch, &original, merge_key, kind)
}

/// `mergeSliceWithSpecialElements`: applies `$patch: delete` elements to the original and
/// `$patch: replace` to the whole list; returns the original and the remaining patch items.
fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut plain = Vec::new();
    let mut replace = false;
    for v in patch {
        let Value::Object(m) = &v else {
            return Err(err_impossible("list element is not a map"));
        };
        let Some(directive) = m.get(DIRECTIVE_MARKER) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let merge_value = m
                    .get(merge_key)
                    .ok_or_else(|| err_no_merge_key(m, merge_key))?;
                while let Some(i) = find_map_in_slice(&original, merge_key, merge_value)? {
                    original.remove(i);
                }
            }
            // Keep going: any later `$patch` element is still checked.
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => {
                return Err(PatchError::unknown(
                    "merging lists cannot yet be specified in the patch",
                ));
            }
            _ => return Err(err_bad_patch_type(directive, m)),
        }
    }
    if replace {
        Ok((plain, Vec::new()))
    } else {
        Ok((original, plain))
    }
}

/// `mergeSliceWithoutSpecialElements`: merges each patch item into the original item with the
/// same merge key value, or appends it.
fn merge_slice_without_special_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: &Schema,
) -> Result<Vec<Value>> {
    for v in patch {
        let Value::Object(m) = v else {
            return Err(err_impossible("list element is not a map"));
        };
        let merge_value = m
            .get(merge_key)
            .ok_or_else(|| err_no_merge_key(m, merge_key))?;
        match find_map_in_slice(&original, merge_key, merge_value)? {
            Some(i) => {
                let Value::Object(current) = std::mem::take(&mut original[i]) else {
                    return Err(err_impossible("list element is not a map"));
                };
                original[i] = Value::Object(merge_map(current, m.clone(), schema)?);
            }
            None => original.push(v.clone()),
        }
    }
    Ok(original)
}

/// `findMapInSliceBasedOnKeyValue`: the index of the first object whose `key` equals `value`.
fn find_map_in_slice(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(PatchError::unknown(format!(
                "value for key {i} is not a map."
            )));
        };
        if let Some(candidate) = m.get(key)
            && go_eq(candidate, value)?
        {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `deleteFromSlice`: the `$deleteFromPrimitiveList` of a list of scalars.
fn delete_from_slice(current: Vec<Value>, to_delete: &[Value]) -> Result<Vec<Value>> {
    for v in to_delete {
        check_hashable(v)?;
    }
    let mut kept = Vec::with_capacity(current.len());
    for v in current {
        check_hashable(&v)?;
        let mut deleted = false;
        for d in to_delete {
            if go_eq(d, &v)? {
                deleted = true;
                break;
            }
        }
        if !deleted {
            kept.push(v);
        }
    }
    Ok(kept)
}

/// `deduplicateScalars`, keeping first occurrences (the final order is set by
/// `normalize_element_order` anyway).
fn deduplicate_scalars(items: Vec<Value>) -> Result<Vec<Value>> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        let mut seen = false;
        for o in &out {
            if go_eq(o, &v)? {
                seen = true;
                break;
            }
        }
        if !seen {
            out.push(v);
        }
    }
    Ok(out)
}

/// `sliceElementType`: the one Go type of every element of `lists`.
fn slice_element_type(lists: &[&[Value]]) -> Result<GoType> {
    let mut prev: Option<GoType> = None;
    for list in lists {
        for v in *list {
            let t = go_type(v);
            match prev {
                None => {
                    if t == GoType::Nil {
                        // reflect.TypeOf(nil).Kind() dereferences nil.
                        return Err(PatchError::panic(
                            "invalid memory address or nil pointer dereference",
                        ));
                    }
                    if t == GoType::Slice {
                        return Err(PatchError::invalid(ERR_NO_LIST_OF_LISTS));
                    }
                    prev = Some(t);
                }
                Some(p) if p != t => {
                    return Err(PatchError::unknown(format!(
                        "list element types are not identical: {}",
                        fmt_v_lists(lists)
                    )));
                }
                Some(_) => {}
            }
        }
    }
    prev.ok_or_else(|| PatchError::unknown("no elements in any of the given slices"))
}

/// `partitionPrimitivesByPresentInList`: (items in `partition_by`, the others).
fn partition_primitives(
    merged: Vec<Value>,
    partition_by: &[Value],
) -> Result<(Vec<Value>, Vec<Value>)> {
    for v in partition_by {
        check_hashable(v)?;
    }
    let (mut present, mut absent) = (Vec::new(), Vec::new());
    for v in merged {
        check_hashable(&v)?;
        let mut found = false;
        for p in partition_by {
            if go_eq(p, &v)? {
                found = true;
                break;
            }
        }
        if found {
            present.push(v);
        } else {
            absent.push(v);
        }
    }
    Ok((present, absent))
}

/// `partitionMapsByPresentInList`: (objects whose merge key appears in `partition_by`, the
/// others).
fn partition_maps(
    merged: Vec<Value>,
    partition_by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (mut present, mut absent) = (Vec::new(), Vec::new());
    for v in merged {
        let Value::Object(m) = &v else {
            return Err(err_bad_arg_type(GoType::Map, &v));
        };
        let merge_value = m
            .get(merge_key)
            .ok_or_else(|| err_no_merge_key(m, merge_key))?;
        if find_map_in_slice(partition_by, merge_key, merge_value)?.is_some() {
            present.push(v);
        } else {
            absent.push(v);
        }
    }
    Ok((present, absent))
}

/// `normalizeElementOrder`: sorts the patch's items by `patch_order` and the server-only items
/// by `server_order`, then interleaves them keeping the live list's relative order.
fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    merge_sorted_slice(server_only, patch, server_order, merge_key, kind)
}

/// `normalizeSliceOrder`: a stable sort by position in `order`, with `$patch: delete` items
/// moved to the end.
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let (to_sort, to_delete) = if kind == GoType::Map {
        validate_merge_key_in_lists(merge_key, &[&to_sort, order])?;
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    let mut keyed = Vec::with_capacity(to_sort.len());
    for v in to_sort {
        // Every item is found in `order` by construction; an item that were not would sort
        // last.
        let position = index_of(order, &v, merge_key, kind)?.unwrap_or(usize::MAX);
        keyed.push((position, v));
    }
    keyed.sort_by_key(|(position, _)| *position);
    let mut sorted: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
    sorted.extend(to_delete);
    Ok(sorted)
}

/// `mergeSortedSlice`: walks both lists, taking the server-only item when the live list has it
/// before the patch item, the patch item otherwise.
fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
        let li = index_of(server_order, l, merge_key, kind)?;
        let ri = index_of(server_order, r, merge_key, kind)?;
        let take_left = matches!((li, ri), (Some(a), Some(b)) if a < b);
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out.extend(left);
    out.extend(right);
    Ok(out)
}

/// `index`: the position of `v` in `list`, comparing merge key values for objects (a missing
/// key compares as nil) and whole values otherwise.
fn index_of(list: &[Value], v: &Value, merge_key: &str, kind: GoType) -> Result<Option<usize>> {
    let key_of = |item: &'_ Value| -> Value {
        if kind == GoType::Map {
            item.as_object()
                .and_then(|m| m.get(merge_key))
                .unwrap_or(&NIL)
                .clone()
        } else {
            item.clone()
        }
    };
    let wanted = key_of(v);
    for (i, item) in list.iter().enumerate() {
        if go_eq(&wanted, &key_of(item))? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `extractToDeleteItems`: (items to keep, items carrying `$patch: delete`).
fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    let (mut keep, mut delete) = (Vec::new(), Vec::new());
    for v in list {
        let Value::Object(m) = &v else {
            return Err(err_bad_arg_type(GoType::Map, &v));
        };
        if m.get(DIRECTIVE_MARKER).and_then(Value::as_str) == Some(DELETE_DIRECTIVE) {
            delete.push(v);
        } else {
            keep.push(v);
        }
    }
    Ok((keep, delete))
}

/// `validateMergeKeyInLists`: every item is an object with the merge key.
fn validate_merge_key_in_lists(merge_key: &str, lists: &[&[Value]]) -> Result<()> {
    for list in lists {
        for item in *list {
            let Value::Object(m) = item else {
                return Err(err_bad_arg_type(GoType::Map, item));
            };
            if !m.contains_key(merge_key) {
                return Err(err_no_merge_key(m, merge_key));
            }
        }
    }
    Ok(())
}
