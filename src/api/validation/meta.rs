//! `ObjectMeta` validation (`k8s.io/apimachinery/pkg/api/validation` `ValidateObjectMeta`,
//! `ValidateObjectMetaUpdate`, plus the finalizer-name check `pkg/apis/core/validation` adds):
//! names, namespaces, labels, annotations, owner references, finalizers, managed fields; and
//! `metav1.LabelSelector` validation (`.../apis/meta/v1/validation`).
//!
//! Since v1.34 the API server renders a composite bad value (a map, a slice, a struct, a named
//! string type such as `types.UID`) as Go's `json.Marshal` prints it, not as `%#v`: a label map
//! shows as `{"app":"nginx"}`. The `json_*` helpers here reproduce that rendering (struct fields
//! in Go declaration order, map keys sorted, `<`, `>` and `&` escaped) for every validator in
//! [`super`]. Plain Go `string` values keep the `%q` rendering of [`BadValue::Str`].

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ManagedFieldsEntry, ObjectMeta, OwnerReference,
};

use crate::api::field::{BadValue, ErrorType, FieldError, Path, go_quote};
use crate::api::names;

/// Validates a name (or, with `prefix`, a generateName prefix); returns upstream's messages.
pub type NameValidator = fn(name: &str, prefix: bool) -> Vec<String>;

/// Upstream's `IsNegativeErrorMsg`.
pub(crate) const IS_NEGATIVE_ERROR_MSG: &str = "must be greater than or equal to 0";

/// Upstream's `FieldImmutableErrorMsg`.
pub(crate) const FIELD_IMMUTABLE_ERROR_MSG: &str = "field is immutable";

/// Upstream's `TotalAnnotationSizeLimitB` (256 KiB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES: usize = 256 * 1024;

/// Upstream's `FieldManagerMaxLength`.
const FIELD_MANAGER_MAX_LENGTH: usize = 128;

/// Upstream's `MaxSubresourceNameLength`.
const MAX_SUBRESOURCE_NAME_LENGTH: usize = 256;

/// `metav1.FinalizerOrphanDependents`.
const FINALIZER_ORPHAN_DEPENDENTS: &str = "orphan";

/// `metav1.FinalizerDeleteDependents`.
const FINALIZER_DELETE_DEPENDENTS: &str = "foregroundDeletion";

/// Finalizer names that need no domain prefix (`helper.IsStandardFinalizerName`).
const STANDARD_FINALIZERS: [&str; 3] = [
    "kubernetes",
    FINALIZER_ORPHAN_DEPENDENTS,
    FINALIZER_DELETE_DEPENDENTS,
];

// ----- name validators -----

/// `maskTrailingDash`: a generateName prefix may end in `-`; upstream replaces the last *two*
/// bytes with `a` before validating (an upstream quirk kept as is). A lone `-` is left alone
/// (upstream would slice out of range there). If the cut splits a multi-byte character, the
/// leftover bytes become `_`, which keeps the length and fails every name rule, as Go's invalid
/// UTF-8 does.
fn mask_trailing_dash(name: &str) -> String {
    let bytes = name.as_bytes();
    if bytes.len() < 2 || !name.ends_with('-') {
        return name.to_string();
    }
    let cut = bytes.len() - 2;
    let mut boundary = cut;
    while !name.is_char_boundary(boundary) {
        boundary -= 1;
    }
    let mut out = String::with_capacity(bytes.len());
    out.push_str(&name[..boundary]);
    out.push_str(&"_".repeat(cut - boundary));
    out.push('a');
    out
}

/// `NameIsDNSSubdomain`.
pub fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        names::is_dns1123_subdomain(&mask_trailing_dash(name))
    } else {
        names::is_dns1123_subdomain(name)
    }
}

/// `NameIsDNSLabel`.
pub fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        names::is_dns1123_label(&mask_trailing_dash(name))
    } else {
        names::is_dns1123_label(name)
    }
}

/// `NameIsDNS1035Label`.
pub fn name_is_dns1035_label(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        names::is_dns1035_label(&mask_trailing_dash(name))
    } else {
        names::is_dns1035_label(name)
    }
}

// ----- shared small validators -----

/// `ValidateNonnegativeField`.
pub(crate) fn validate_nonnegative(value: i64, path: &Path) -> Vec<FieldError> {
    if value < 0 {
        vec![FieldError::invalid(path, value, IS_NEGATIVE_ERROR_MSG)]
    } else {
        vec![]
    }
}

/// `ValidateNonnegativeField` on each named `int32` field under `path` (status counters), in
/// order.
pub(crate) fn validate_nonnegative_counts(counts: &[(i32, &str)], path: &Path) -> Vec<FieldError> {
    counts
        .iter()
        .flat_map(|&(value, name)| validate_nonnegative(i64::from(value), &path.child(name)))
        .collect()
}

/// `ValidateNonnegativeField` on a pointer field: nothing to check when it is unset.
pub(crate) fn validate_nonnegative_if_set(value: Option<i64>, path: &Path) -> Vec<FieldError> {
    value.map_or_else(Vec::new, |v| validate_nonnegative(v, path))
}

/// `field.TooLong` as v1.34+ words it (`may not be more than N bytes`).
pub(crate) fn too_long(path: &Path, max_bytes: usize) -> FieldError {
    let unit = if max_bytes == 1 { "byte" } else { "bytes" };
    FieldError {
        error_type: ErrorType::TooLong,
        field: path.to_string(),
        bad_value: BadValue::Omit,
        detail: format!("may not be more than {max_bytes} {unit}"),
    }
}

/// `ValidateImmutableField` for a value already rendered (`rendered`) and compared by the
/// caller: `Invalid value: <new>: field is immutable` when `changed`.
pub(crate) fn immutable(changed: bool, path: &Path, rendered: BadValue) -> Vec<FieldError> {
    if changed {
        vec![FieldError::invalid(
            path,
            rendered,
            FIELD_IMMUTABLE_ERROR_MSG,
        )]
    } else {
        vec![]
    }
}

// ----- ObjectMeta -----

/// `ValidateObjectMeta` (the `pkg/apis/core/validation` wrapper): name (or generateName),
/// namespace presence, generation, labels, annotations, owner references, finalizers, managed
/// fields, then the check that short finalizer names are standard ones.
pub fn validate_object_meta(
    meta: &ObjectMeta,
    requires_namespace: bool,
    name_fn: NameValidator,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let generate_name = meta.generate_name.as_deref().unwrap_or("");
    if !generate_name.is_empty() {
        for msg in name_fn(generate_name, true) {
            errs.push(FieldError::invalid(
                &path.child("generateName"),
                generate_name,
                msg,
            ));
        }
    }
    let name = meta.name.as_deref().unwrap_or("");
    if name.is_empty() {
        errs.push(FieldError::required(
            &path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(name, false) {
            errs.push(FieldError::invalid(&path.child("name"), name, msg));
        }
    }
    let namespace = meta.namespace.as_deref().unwrap_or("");
    if requires_namespace {
        if namespace.is_empty() {
            errs.push(FieldError::required(&path.child("namespace"), ""));
        } else {
            for msg in name_is_dns_label(namespace, false) {
                errs.push(FieldError::invalid(
                    &path.child("namespace"),
                    namespace,
                    msg,
                ));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden(
            &path.child("namespace"),
            "not allowed on this type",
        ));
    }
    errs.extend(validate_nonnegative(
        meta.generation.unwrap_or(0),
        &path.child("generation"),
    ));
    errs.extend(validate_labels(
        meta.labels.as_ref().unwrap_or(&BTreeMap::new()),
        &path.child("labels"),
    ));
    errs.extend(validate_annotations(
        meta.annotations.as_ref().unwrap_or(&BTreeMap::new()),
        &path.child("annotations"),
    ));
    errs.extend(validate_owner_references(
        meta.owner_references.as_deref().unwrap_or(&[]),
        &path.child("ownerReferences"),
    ));
    errs.extend(validate_finalizers(
        meta.finalizers.as_deref().unwrap_or(&[]),
        &path.child("finalizers"),
    ));
    errs.extend(validate_managed_fields(
        meta.managed_fields.as_deref().unwrap_or(&[]),
        &path.child("managedFields"),
    ));
    errs.extend(validate_kube_finalizer_names(meta, path));
    errs
}

/// `ValidateObjectMetaUpdate` (the `pkg/apis/core/validation` wrapper): no new finalizers on a
/// terminating object, resourceVersion present, generation not decremented, immutable name,
/// namespace, uid, creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds, then
/// labels, annotations, owner references and managed fields of `new`, and the short finalizer
/// name check. Like upstream it does not re-run the create-time checks (name syntax, namespace
/// presence, finalizer conflicts).
pub fn validate_object_meta_update(
    new: &ObjectMeta,
    old: &ObjectMeta,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let new_finalizers = new.finalizers.as_deref().unwrap_or(&[]);
    if old.deletion_timestamp.is_some() {
        let old_finalizers: BTreeSet<&str> = old
            .finalizers
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let extra: BTreeSet<&str> = new_finalizers
            .iter()
            .map(String::as_str)
            .filter(|f| !old_finalizers.contains(f))
            .collect();
        if !extra.is_empty() {
            let quoted: Vec<String> = extra.iter().map(|f| go_quote(f)).collect();
            errs.push(FieldError::forbidden(
                &path.child("finalizers"),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    quoted.join(", ")
                ),
            ));
        }
    }
    let resource_version = new.resource_version.as_deref().unwrap_or("");
    if resource_version.is_empty() {
        errs.push(FieldError::invalid(
            &path.child("resourceVersion"),
            resource_version,
            "must be specified for an update",
        ));
    }
    let new_generation = new.generation.unwrap_or(0);
    if new_generation < old.generation.unwrap_or(0) {
        errs.push(FieldError::invalid(
            &path.child("generation"),
            new_generation,
            "must not be decremented",
        ));
    }
    let new_name = new.name.as_deref().unwrap_or("");
    errs.extend(immutable(
        new_name != old.name.as_deref().unwrap_or(""),
        &path.child("name"),
        BadValue::from(new_name),
    ));
    let new_namespace = new.namespace.as_deref().unwrap_or("");
    errs.extend(immutable(
        new_namespace != old.namespace.as_deref().unwrap_or(""),
        &path.child("namespace"),
        BadValue::from(new_namespace),
    ));
    let new_uid = new.uid.as_deref().unwrap_or("");
    errs.extend(immutable(
        new_uid != old.uid.as_deref().unwrap_or(""),
        &path.child("uid"),
        json_str(new_uid),
    ));
    errs.extend(immutable(
        new.creation_timestamp != old.creation_timestamp,
        &path.child("creationTimestamp"),
        BadValue::Go(json_time(new.creation_timestamp.as_ref())),
    ));
    errs.extend(immutable(
        new.deletion_timestamp != old.deletion_timestamp,
        &path.child("deletionTimestamp"),
        BadValue::Go(json_time(new.deletion_timestamp.as_ref())),
    ));
    errs.extend(immutable(
        new.deletion_grace_period_seconds != old.deletion_grace_period_seconds,
        &path.child("deletionGracePeriodSeconds"),
        new.deletion_grace_period_seconds
            .map_or(BadValue::Go("null".into()), BadValue::Int),
    ));
    errs.extend(validate_labels(
        new.labels.as_ref().unwrap_or(&BTreeMap::new()),
        &path.child("labels"),
    ));
    errs.extend(validate_annotations(
        new.annotations.as_ref().unwrap_or(&BTreeMap::new()),
        &path.child("annotations"),
    ));
    errs.extend(validate_owner_references(
        new.owner_references.as_deref().unwrap_or(&[]),
        &path.child("ownerReferences"),
    ));
    errs.extend(validate_managed_fields(
        new.managed_fields.as_deref().unwrap_or(&[]),
        &path.child("managedFields"),
    ));
    errs.extend(validate_kube_finalizer_names(new, path));
    errs
}

/// `validateKubeFinalizerName` for each finalizer: a name without `/` must be a standard one.
fn validate_kube_finalizer_names(meta: &ObjectMeta, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, finalizer) in meta.finalizers.iter().flatten().enumerate() {
        errs.extend(validate_kube_finalizer_name(
            finalizer,
            &path.child("finalizers").index(i),
        ));
    }
    errs
}

/// `validateKubeFinalizerName`'s text.
pub(crate) const KUBE_FINALIZER_MSG: &str =
    "name is neither a standard finalizer name nor is it fully qualified";

/// `validateKubeFinalizerName` (`pkg/apis/core/validation`): a name without `/` must be a
/// standard one.
pub(crate) fn validate_kube_finalizer_name(name: &str, path: &Path) -> Vec<FieldError> {
    if !name.contains('/') && !STANDARD_FINALIZERS.contains(&name) {
        vec![FieldError::invalid(path, name, KUBE_FINALIZER_MSG)]
    } else {
        vec![]
    }
}

/// `ValidateFinalizers`: each a qualified name; `orphan` and `foregroundDeletion` exclusive.
fn validate_finalizers(finalizers: &[String], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for finalizer in finalizers {
        for msg in names::is_qualified_name(finalizer) {
            errs.push(FieldError::invalid(path, finalizer, msg));
        }
    }
    let has = |name: &str| finalizers.iter().any(|f| f == name);
    if has(FINALIZER_ORPHAN_DEPENDENTS) && has(FINALIZER_DELETE_DEPENDENTS) {
        errs.push(FieldError::invalid(
            path,
            BadValue::Go(json_string_slice(Some(finalizers))),
            format!(
                "finalizer {FINALIZER_ORPHAN_DEPENDENTS} and {FINALIZER_DELETE_DEPENDENTS} cannot be both set"
            ),
        ));
    }
    errs
}

/// `schema.ParseGroupVersion` followed by `FromAPIVersionAndKind`: the (group, version) of an
/// apiVersion string; both empty when it does not parse.
fn parse_group_version(api_version: &str) -> (&str, &str) {
    if api_version.is_empty() || api_version == "/" {
        return ("", "");
    }
    match api_version.matches('/').count() {
        0 => ("", api_version),
        1 => api_version.split_once('/').unwrap_or(("", "")),
        _ => ("", ""),
    }
}

/// `ValidateOwnerReferences`. Field paths are not indexed, as upstream's are not.
fn validate_owner_references(refs: &[OwnerReference], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut first_controller: Option<String> = None;
    for r in refs {
        let (group, version) = parse_group_version(&r.api_version);
        if version.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("apiVersion"),
                &r.api_version,
                "version must not be empty",
            ));
        }
        if r.kind.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("kind"),
                &r.kind,
                "must not be empty",
            ));
        }
        if r.name.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("name"),
                &r.name,
                "must not be empty",
            ));
        }
        if r.uid.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("uid"),
                json_str(&r.uid),
                "must not be empty",
            ));
        }
        if group.is_empty() && version == "v1" && r.kind == "Event" {
            errs.push(FieldError::invalid(
                path,
                BadValue::Go(json_owner_reference(r)),
                format!(
                    "{group}/{version}, Kind={} is disallowed from being an owner",
                    r.kind
                ),
            ));
        }
        if r.controller == Some(true) {
            let current = format!("{}/{}", r.kind, r.name);
            match &first_controller {
                Some(first) => {
                    let list: Vec<String> = refs.iter().map(json_owner_reference).collect();
                    errs.push(FieldError::invalid(
                        path,
                        BadValue::Go(format!("[{}]", list.join(","))),
                        format!(
                            "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                        ),
                    ));
                }
                None => first_controller = Some(current),
            }
        }
    }
    errs
}

/// Go's `unicode.IsPrint`, approximated: control characters and spaces other than U+0020 are
/// not printable.
fn is_go_printable(c: char) -> bool {
    !(c.is_control() || (c.is_whitespace() && c != ' '))
}

/// `ValidateFieldManager`.
fn validate_field_manager(manager: &str, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if manager.len() > FIELD_MANAGER_MAX_LENGTH {
        errs.push(too_long(path, FIELD_MANAGER_MAX_LENGTH));
    }
    for (i, c) in manager.char_indices() {
        if !is_go_printable(c) {
            errs.push(FieldError::invalid(
                path,
                manager,
                format!("invalid character U+{:04X} (at position {i})", u32::from(c)),
            ));
        }
    }
    errs
}

/// `ValidateManagedFields`.
fn validate_managed_fields(entries: &[ManagedFieldsEntry], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, entry) in entries.iter().enumerate() {
        let p = path.index(i);
        let operation = entry.operation.as_deref().unwrap_or("");
        if operation != "Apply" && operation != "Update" {
            errs.push(FieldError::invalid(
                &p.child("operation"),
                json_str(operation),
                "must be `Apply` or `Update`",
            ));
        }
        let fields_type = entry.fields_type.as_deref().unwrap_or("");
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(FieldError::invalid(
                &p.child("fieldsType"),
                fields_type,
                "must be `FieldsV1`",
            ));
        }
        errs.extend(validate_field_manager(
            entry.manager.as_deref().unwrap_or(""),
            &p.child("manager"),
        ));
        if entry.subresource.as_deref().unwrap_or("").len() > MAX_SUBRESOURCE_NAME_LENGTH {
            errs.push(too_long(
                &p.child("subresource"),
                MAX_SUBRESOURCE_NAME_LENGTH,
            ));
        }
    }
    errs
}

// ----- labels, annotations, selectors -----

/// `ValidateLabelName`: a qualified name.
fn validate_label_name(name: &str, path: &Path) -> Vec<FieldError> {
    names::is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, name, msg))
        .collect()
}

/// `ValidateLabels`: each key a qualified name, each value a label value; errors name the map
/// (`metadata.labels`), not the key. Keys are visited in sorted order (Go's map order is random).
pub fn validate_labels(labels: &BTreeMap<String, String>, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (k, v) in labels {
        errs.extend(validate_label_name(k, path));
        for msg in names::is_label_value(v) {
            errs.push(FieldError::invalid(path, v, msg));
        }
    }
    errs
}

/// `ValidateAnnotations`: keys are qualified names once lowercased; all keys and values
/// together at most 256 KiB (`Too long: may not be more than 262144 bytes`).
pub fn validate_annotations(
    annotations: &BTreeMap<String, String>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for k in annotations.keys() {
        for msg in names::is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, k, msg));
        }
    }
    let total: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES {
        errs.push(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
    }
    errs
}

/// `ValidateLabelSelectorRequirement` (strict: values must be valid label values).
fn validate_label_selector_requirement(
    req: &LabelSelectorRequirement,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let values = req.values.as_deref().unwrap_or(&[]);
    match req.operator.as_str() {
        "In" | "NotIn" => {
            if values.is_empty() {
                errs.push(FieldError::required(
                    &path.child("values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                ));
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                errs.push(FieldError::forbidden(
                    &path.child("values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                ));
            }
        }
        other => errs.push(FieldError::invalid(
            &path.child("operator"),
            json_str(other),
            "not a valid selector operator",
        )),
    }
    errs.extend(validate_label_name(&req.key, &path.child("key")));
    for (i, value) in values.iter().enumerate() {
        for msg in names::is_label_value(value) {
            errs.push(FieldError::invalid(
                &path.child("values").index(i),
                value,
                msg,
            ));
        }
    }
    errs
}

/// `ValidateLabelSelector` (`metav1validation`, with `AllowInvalidLabelValueInSelector` off):
/// matchLabels as labels, then each matchExpression's operator, values and key.
pub fn validate_label_selector(selector: &LabelSelector, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_labels(
        selector.match_labels.as_ref().unwrap_or(&BTreeMap::new()),
        &path.child("matchLabels"),
    );
    for (i, req) in selector.match_expressions.iter().flatten().enumerate() {
        errs.extend(validate_label_selector_requirement(
            req,
            &path.child("matchExpressions").index(i),
        ));
    }
    errs
}

// ----- bad values rendered as Go's json.Marshal -----

/// Quotes `s` as Go's `encoding/json` does (HTML-safe: `<`, `>`, `&`, U+2028 and U+2029 are
/// escaped as `\u003c`...).
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Go named string type (`types.UID`, `core.RestartPolicy`...) as a bad value: JSON-quoted.
pub(crate) fn json_str(s: &str) -> BadValue {
    BadValue::Go(json_quote(s))
}

/// A Go `map[string]string` as JSON: keys sorted; `None` (a nil map) is `null`.
pub(crate) fn json_string_map(map: Option<&BTreeMap<String, String>>) -> String {
    match map {
        None => "null".to_string(),
        Some(m) => {
            let body: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}:{}", json_quote(k), json_quote(v)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
    }
}

/// A `*string` (of any string type) as JSON; `None` (a nil pointer) is `null`.
pub(crate) fn json_opt_quote(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), json_quote)
}

/// A Go `[]string` as JSON; `None` (a nil slice) is `null`.
pub(crate) fn json_string_slice(items: Option<&[String]>) -> String {
    match items {
        None => "null".to_string(),
        Some(items) => {
            let body: Vec<String> = items.iter().map(|s| json_quote(s)).collect();
            format!("[{}]", body.join(","))
        }
    }
}

/// A `metav1.Time` (or nil pointer) as JSON: RFC 3339 in UTC, or `null`.
pub(crate) fn json_time(
    t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
) -> String {
    match t.map(serde_json::to_value) {
        Some(Ok(serde_json::Value::String(s))) => json_quote(&s),
        _ => "null".to_string(),
    }
}

/// A `metav1.OwnerReference` as JSON, fields in Go order; `controller` and
/// `blockOwnerDeletion` omitted when unset.
fn json_owner_reference(r: &OwnerReference) -> String {
    let mut out = format!(
        "{{\"apiVersion\":{},\"kind\":{},\"name\":{},\"uid\":{}",
        json_quote(&r.api_version),
        json_quote(&r.kind),
        json_quote(&r.name),
        json_quote(&r.uid)
    );
    if let Some(c) = r.controller {
        out.push_str(&format!(",\"controller\":{c}"));
    }
    if let Some(b) = r.block_owner_deletion {
        out.push_str(&format!(",\"blockOwnerDeletion\":{b}"));
    }
    out.push('}');
    out
}

/// A `*metav1.LabelSelector` as JSON (`{"matchLabels":{...},"matchExpressions":[...]}`, empty
/// parts omitted); `None` is `null`.
pub(crate) fn json_label_selector(selector: Option<&LabelSelector>) -> String {
    let Some(s) = selector else {
        return "null".to_string();
    };
    let mut parts = vec![];
    if let Some(m) = s.match_labels.as_ref().filter(|m| !m.is_empty()) {
        parts.push(format!("\"matchLabels\":{}", json_string_map(Some(m))));
    }
    if let Some(exprs) = s.match_expressions.as_ref().filter(|e| !e.is_empty()) {
        let items: Vec<String> = exprs
            .iter()
            .map(|e| {
                let mut item = format!(
                    "{{\"key\":{},\"operator\":{}",
                    json_quote(&e.key),
                    json_quote(&e.operator)
                );
                if let Some(values) = e.values.as_ref().filter(|v| !v.is_empty()) {
                    item.push_str(&format!(",\"values\":{}", json_string_slice(Some(values))));
                }
                item.push('}');
                item
            })
            .collect();
        parts.push(format!("\"matchExpressions\":[{}]", items.join(",")));
    }
    format!("{{{}}}", parts.join(","))
}

/// Any JSON value, compact, as Go re-encodes raw JSON (HTML-safe string escaping).
pub(crate) fn json_value(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => json_quote(s),
        Value::Array(items) => {
            let body: Vec<String> = items.iter().map(json_value).collect();
            format!("[{}]", body.join(","))
        }
        Value::Object(map) => {
            let body: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", json_quote(k), json_value(v)))
                .collect();
            format!("{{{}}}", body.join(","))
        }
    }
}

/// Semantic equality of label selectors (`apiequality.Semantic.DeepEqual`): a nil map or
/// slice equals an empty one.
pub(crate) fn label_selectors_equal(a: &LabelSelector, b: &LabelSelector) -> bool {
    let labels = |s: &LabelSelector| s.match_labels.clone().unwrap_or_default();
    let exprs = |s: &LabelSelector| -> Vec<(String, String, Vec<String>)> {
        s.match_expressions
            .iter()
            .flatten()
            .map(|e| {
                (
                    e.key.clone(),
                    e.operator.clone(),
                    e.values.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    labels(a) == labels(b) && exprs(a) == exprs(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::field::aggregate_message;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

    fn md() -> Path {
        Path::new("metadata")
    }

    fn meta(name: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some("default".to_string()),
            ..ObjectMeta::default()
        }
    }

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn time(s: &str) -> Time {
        serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap()
    }

    #[test]
    fn valid_meta_has_no_errors() {
        assert!(validate_object_meta(&meta("web"), true, name_is_dns_label, &md()).is_empty());
    }

    #[test]
    fn name_or_generate_name_is_required() {
        let m = ObjectMeta {
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        };
        assert_eq!(
            msgs(&validate_object_meta(
                &m,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            ["metadata.name: Required value: name or generateName is required"]
        );
    }

    #[test]
    fn name_validator_messages_are_wrapped_as_invalid_name() {
        assert_eq!(
            msgs(&validate_object_meta(
                &meta("web.1"),
                true,
                name_is_dns_label,
                &md()
            )),
            ["metadata.name: Invalid value: \"web.1\": must not contain dots"]
        );
        let long = "a".repeat(254);
        assert_eq!(
            msgs(&validate_object_meta(
                &meta(&long),
                true,
                name_is_dns_subdomain,
                &md()
            )),
            [format!(
                "metadata.name: Invalid value: \"{long}\": must be no more than 253 characters"
            )]
        );
    }

    #[test]
    fn generate_name_prefix_may_end_with_a_dash() {
        assert!(name_is_dns_label("web-", true).is_empty());
        assert!(name_is_dns_subdomain("a.b-", true).is_empty());
        assert!(name_is_dns1035_label("web-", true).is_empty());
        assert!(!name_is_dns_label("web-", false).is_empty());
        // The two-byte mask means the char before the dash is never checked.
        assert!(name_is_dns_label("web_-", true).is_empty());
        assert!(name_is_dns_label("web.-", true).is_empty());
        assert_eq!(
            name_is_dns_label(&format!("{}-", "a".repeat(64)), true),
            ["must be no more than 63 characters"]
        );
        let mut m = meta("web.x");
        m.generate_name = Some("w.b-".into());
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            [
                "metadata.generateName: Invalid value: \"w.b-\": must not contain dots",
                "metadata.name: Invalid value: \"web.x\": must not contain dots"
            ]
        );
    }

    #[test]
    fn mask_trailing_dash_never_panics() {
        assert_eq!(mask_trailing_dash("-"), "-");
        assert_eq!(mask_trailing_dash("é-"), "_a");
        assert_eq!(mask_trailing_dash("ab-"), "aa");
        assert!(!name_is_dns_label("é-", true).is_empty());
    }

    #[test]
    fn dns1035_names_reject_leading_digits() {
        assert_eq!(name_is_dns1035_label("1web", false).len(), 1);
        assert!(name_is_dns_label("1web", false).is_empty());
    }

    #[test]
    fn namespace_required_for_namespaced_kinds() {
        let mut m = meta("web");
        m.namespace = None;
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            ["metadata.namespace: Required value"]
        );
    }

    #[test]
    fn namespace_forbidden_for_cluster_scoped_kinds() {
        assert_eq!(
            msgs(&validate_object_meta(
                &meta("pv1"),
                false,
                name_is_dns_subdomain,
                &md()
            )),
            ["metadata.namespace: Forbidden: not allowed on this type"]
        );
    }

    #[test]
    fn namespace_must_be_a_dns_label() {
        let mut m = meta("web");
        m.namespace = Some("a.b".into());
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            ["metadata.namespace: Invalid value: \"a.b\": must not contain dots"]
        );
    }

    #[test]
    fn generation_must_be_nonnegative() {
        let mut m = meta("web");
        m.generation = Some(-1);
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]
        );
    }

    #[test]
    fn labels_report_keys_and_values_on_the_map_path() {
        let p = md().child("labels");
        assert_eq!(
            msgs(&validate_labels(&labels(&[("/app", "x")]), &p)),
            ["metadata.labels: Invalid value: \"/app\": prefix part must be non-empty"]
        );
        let long = "v".repeat(64);
        assert_eq!(
            msgs(&validate_labels(&labels(&[("app", &long)]), &p)),
            [format!(
                "metadata.labels: Invalid value: \"{long}\": must be no more than 63 characters"
            )]
        );
    }

    #[test]
    fn annotation_keys_are_qualified_names_ignoring_case() {
        let p = md().child("annotations");
        assert!(validate_annotations(&labels(&[("Example.COM/Note", "x")]), &p).is_empty());
        // The same key is not a valid label key: case matters there.
        assert_eq!(
            validate_labels(&labels(&[("Example.COM/Note", "x")]), &p).len(),
            1
        );
        assert_eq!(
            msgs(&validate_annotations(&labels(&[("/note", "x")]), &p)),
            ["metadata.annotations: Invalid value: \"/note\": prefix part must be non-empty"]
        );
    }

    #[test]
    fn annotations_over_256_kib_are_too_long() {
        let p = md().child("annotations");
        let big = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES);
        assert!(validate_annotations(&labels(&[("a", &big[1..])]), &p).is_empty());
        assert_eq!(
            msgs(&validate_annotations(&labels(&[("a", &big)]), &p)),
            ["metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }

    fn owner(kind: &str, name: &str, controller: Option<bool>) -> OwnerReference {
        OwnerReference {
            api_version: "apps/v1".into(),
            kind: kind.into(),
            name: name.into(),
            uid: "u1".into(),
            controller,
            block_owner_deletion: None,
        }
    }

    #[test]
    fn owner_reference_fields_are_required() {
        let mut m = meta("web-0");
        m.owner_references = Some(vec![OwnerReference {
            api_version: "apps/".into(),
            ..OwnerReference::default()
        }]);
        assert_eq!(
            msgs(&validate_object_meta(
                &m,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            [
                "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty",
            ]
        );
    }

    #[test]
    fn events_cannot_be_owners() {
        let mut r = owner("Event", "e", None);
        r.api_version = "v1".into();
        assert_eq!(
            msgs(&validate_owner_references(
                &[r],
                &md().child("ownerReferences")
            )),
            [
                "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"u1\"}: /v1, Kind=Event is disallowed from being an owner"
            ]
        );
    }

    #[test]
    fn only_one_controller_reference() {
        let mut m = meta("web-0");
        m.owner_references = Some(vec![
            owner("StatefulSet", "web", Some(true)),
            owner("ReplicaSet", "rs", Some(true)),
        ]);
        assert_eq!(
            msgs(&validate_object_meta(
                &m,
                true,
                name_is_dns_subdomain,
                &md()
            )),
            [
                "metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"name\":\"web\",\"uid\":\"u1\",\"controller\":true},{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"u1\",\"controller\":true}]: Only one reference can have Controller set to true. Found \"true\" in references for StatefulSet/web and ReplicaSet/rs"
            ]
        );
    }

    #[test]
    fn finalizers_must_be_qualified_and_not_conflict() {
        let mut m = meta("web");
        m.finalizers = Some(vec!["orphan".into(), "foregroundDeletion".into()]);
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            [
                "metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\"]: finalizer orphan and foregroundDeletion cannot be both set"
            ]
        );
        m.finalizers = Some(vec!["/x".into()]);
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            ["metadata.finalizers: Invalid value: \"/x\": prefix part must be non-empty"]
        );
    }

    #[test]
    fn short_finalizer_names_must_be_standard() {
        let mut m = meta("web");
        m.finalizers = Some(vec![
            "kubernetes".into(),
            "cleanup".into(),
            "example.com/cleanup".into(),
        ]);
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            [
                "metadata.finalizers[1]: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"
            ]
        );
    }

    #[test]
    fn managed_fields_operation_must_be_apply_or_update() {
        let mut m = meta("web");
        m.managed_fields = Some(vec![ManagedFieldsEntry {
            operation: Some("Patch".into()),
            manager: Some("kubectl".into()),
            ..ManagedFieldsEntry::default()
        }]);
        assert_eq!(
            msgs(&validate_object_meta(&m, true, name_is_dns_label, &md())),
            [
                "metadata.managedFields[0].operation: Invalid value: \"Patch\": must be `Apply` or `Update`"
            ]
        );
    }

    fn stored(name: &str) -> ObjectMeta {
        let mut m = meta(name);
        m.uid = Some("uid-1".into());
        m.resource_version = Some("5".into());
        m.generation = Some(2);
        m.creation_timestamp = Some(time("2025-01-01T00:00:00Z"));
        m
    }

    #[test]
    fn update_of_identical_meta_is_valid() {
        assert!(validate_object_meta_update(&stored("web"), &stored("web"), &md()).is_empty());
    }

    #[test]
    fn update_immutable_fields() {
        let old = stored("web");
        let mut new = stored("web2");
        new.namespace = Some("other".into());
        new.uid = Some("uid-2".into());
        new.creation_timestamp = Some(time("2025-01-02T00:00:00Z"));
        new.deletion_timestamp = Some(time("2025-01-03T00:00:00Z"));
        new.deletion_grace_period_seconds = Some(30);
        assert_eq!(
            msgs(&validate_object_meta_update(&new, &old, &md())),
            [
                "metadata.name: Invalid value: \"web2\": field is immutable",
                "metadata.namespace: Invalid value: \"other\": field is immutable",
                "metadata.uid: Invalid value: \"uid-2\": field is immutable",
                "metadata.creationTimestamp: Invalid value: \"2025-01-02T00:00:00Z\": field is immutable",
                "metadata.deletionTimestamp: Invalid value: \"2025-01-03T00:00:00Z\": field is immutable",
                "metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable",
            ]
        );
        let mut cleared = stored("web");
        cleared.creation_timestamp = None;
        assert_eq!(
            msgs(&validate_object_meta_update(&cleared, &old, &md())),
            ["metadata.creationTimestamp: Invalid value: null: field is immutable"]
        );
    }

    #[test]
    fn update_needs_resource_version_and_keeps_generation() {
        let old = stored("web");
        let mut new = stored("web");
        new.resource_version = None;
        new.generation = Some(1);
        assert_eq!(
            msgs(&validate_object_meta_update(&new, &old, &md())),
            [
                "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
                "metadata.generation: Invalid value: 1: must not be decremented",
            ]
        );
    }

    #[test]
    fn no_new_finalizers_on_a_terminating_object() {
        let mut old = stored("web");
        old.deletion_timestamp = Some(time("2025-01-03T00:00:00Z"));
        old.finalizers = Some(vec!["a.io/x".into()]);
        let mut new = old.clone();
        new.finalizers = Some(vec!["c.io/z".into(), "a.io/x".into(), "b.io/y".into()]);
        assert_eq!(
            aggregate_message(&validate_object_meta_update(&new, &old, &md())),
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"b.io/y\", \"c.io/z\"}"
        );
        // Removing finalizers is fine.
        new.finalizers = None;
        assert!(validate_object_meta_update(&new, &old, &md()).is_empty());
    }

    #[test]
    fn update_checks_new_labels_and_finalizer_names() {
        let old = stored("web");
        let mut new = stored("web");
        new.labels = Some(labels(&[("app", "-x")]));
        new.finalizers = Some(vec!["cleanup".into()]);
        let got = msgs(&validate_object_meta_update(&new, &old, &md()));
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("metadata.labels: Invalid value: \"-x\": a valid label must"));
        assert_eq!(
            got[1],
            "metadata.finalizers[0]: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"
        );
    }

    fn req(key: &str, op: &str, values: Option<&[&str]>) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn label_selector_operators_and_values() {
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![
                req("a", "In", None),
                req("b", "Exists", Some(&["x"])),
                req("c", "Equals", Some(&["x"])),
                req("d", "NotIn", Some(&["ok", "-bad"])),
                req("e", "DoesNotExist", Some(&[])),
            ]),
        };
        let got = msgs(&validate_label_selector(
            &sel,
            &Path::new("spec").child("selector"),
        ));
        assert_eq!(
            got[..3],
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                "spec.selector.matchExpressions[2].operator: Invalid value: \"Equals\": not a valid selector operator",
            ]
        );
        assert_eq!(got.len(), 4);
        assert!(got[3].starts_with(
            "spec.selector.matchExpressions[3].values[1]: Invalid value: \"-bad\": a valid label must be"
        ));
    }

    #[test]
    fn label_selector_keys_are_validated() {
        let sel = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![req("/k", "Exists", None)]),
        };
        assert_eq!(
            msgs(&validate_label_selector(
                &sel,
                &Path::new("spec").child("selector")
            )),
            [
                "spec.selector.matchExpressions[0].key: Invalid value: \"/k\": prefix part must be non-empty"
            ]
        );
    }

    #[test]
    fn json_rendering_matches_go() {
        assert_eq!(
            json_quote("a<b>&\"\u{1}\u{2028}é"),
            "\"a\\u003cb\\u003e\\u0026\\\"\\u0001\\u2028é\""
        );
        assert_eq!(json_string_map(None), "null");
        assert_eq!(
            json_string_map(Some(&labels(&[("b", "2"), ("a", "1")]))),
            "{\"a\":\"1\",\"b\":\"2\"}"
        );
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![req("k", "In", Some(&["v"])), req("j", "Exists", None)]),
        };
        assert_eq!(
            json_label_selector(Some(&sel)),
            "{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"In\",\"values\":[\"v\"]},{\"key\":\"j\",\"operator\":\"Exists\"}]}"
        );
        assert_eq!(json_label_selector(Some(&LabelSelector::default())), "{}");
        assert_eq!(
            json_value(&serde_json::json!({"b": [1, null, true], "a": "x&y"})),
            "{\"a\":\"x\\u0026y\",\"b\":[1,null,true]}"
        );
    }
}
