//! Small helpers shared by the validators of every kind: Go zero values, upstream's syntax
//! checks that [`crate::api::names`] does not carry (`IsValidPortNum`, `IsValidPortName`,
//! `IsConfigMapKey`), name messages as field errors, `validatePathNoBacksteps`, quantities,
//! and semantic equality.
//!
//! Like [`crate::api::names`], each `is_*` function returns upstream's message list, empty when
//! the value is valid.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use crate::api::field::{FieldError, Path};
use crate::api::names;
use crate::api::quantity::{Quantity, parse_k8s};
use crate::api::validation::meta::{IS_NEGATIVE_ERROR_MSG, json_str};

/// Upstream's `isNotPositiveErrorMsg`.
pub(super) const IS_NOT_POSITIVE_ERROR_MSG: &str = "must be greater than zero";

// ----- Go zero values -----

/// An optional Go `string` field: unset is `""`.
pub(super) fn s(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// An optional Go slice: unset is empty.
pub(super) fn sl<T>(value: &Option<Vec<T>>) -> &[T] {
    value.as_deref().unwrap_or(&[])
}

// ----- names -----

/// Messages of a name validator (`NameIsDNSSubdomain` and friends, a `ValidateNameFunc`) as
/// `Invalid` errors on `path`.
pub(super) fn name_errors(msgs: Vec<String>, path: &Path, value: &str) -> Vec<FieldError> {
    msgs.into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// `ValidateDNS1123Label`: one `Invalid` per message.
pub(super) fn validate_dns1123_label(value: &str, path: &Path) -> Vec<FieldError> {
    name_errors(names::is_dns1123_label(value), path, value)
}

/// `ValidateDNS1123Subdomain`: one `Invalid` per message.
pub(super) fn validate_dns1123_subdomain(value: &str, path: &Path) -> Vec<FieldError> {
    name_errors(names::is_dns1123_subdomain(value), path, value)
}

/// `ValidateQualifiedName` (also `unversionedvalidation.ValidateLabelName`).
pub(super) fn validate_qualified_name(value: &str, path: &Path) -> Vec<FieldError> {
    name_errors(names::is_qualified_name(value), path, value)
}

// ----- ports -----

/// `supportedPortProtocols`, sorted.
pub(super) const PORT_PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// The `protocol` of a container, service or endpoints port (a Go `Protocol` string):
/// required, and one of `supportedPortProtocols`.
pub(super) fn validate_port_protocol(protocol: &str, path: &Path) -> Vec<FieldError> {
    if protocol.is_empty() {
        vec![FieldError::required(path, "")]
    } else if !PORT_PROTOCOLS.contains(&protocol) {
        vec![FieldError::not_supported(
            path,
            json_str(protocol),
            &PORT_PROTOCOLS,
        )]
    } else {
        vec![]
    }
}

/// `IsValidPortNum`.
pub(super) fn is_valid_port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        vec![]
    } else {
        vec![names::inclusive_range_error(1, 65535)]
    }
}

/// `IsValidPortName` (IANA_SVC_NAME): at most 15 of `[-a-z0-9]`, at least one letter, no `--`,
/// no hyphen at either end.
pub(super) fn is_valid_port_name(port: &str) -> Vec<String> {
    let mut errs = vec![];
    if port.len() > 15 {
        errs.push(names::max_len_error(15));
    }
    let b = port.as_bytes();
    if b.is_empty()
        || !b
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if !b.is_empty() && (b[0] == b'-' || b[b.len() - 1] == b'-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// `ValidatePortNumOrName` (probe and hook ports, service target ports).
pub(super) fn validate_port_num_or_name(port: &IntOrString, path: &Path) -> Vec<FieldError> {
    match port {
        IntOrString::Int(n) => is_valid_port_num(i64::from(*n))
            .into_iter()
            .map(|msg| FieldError::invalid(path, *n, msg))
            .collect(),
        IntOrString::String(name) => is_valid_port_name(name)
            .into_iter()
            .map(|msg| FieldError::invalid(path, name.as_str(), msg))
            .collect(),
    }
}

// ----- keys and paths -----

/// `hasChDirPrefix`.
pub(super) fn has_chdir_prefix(value: &str) -> Vec<String> {
    if value == "." {
        vec!["must not be '.'".into()]
    } else if value == ".." {
        vec!["must not be '..'".into()]
    } else if value.starts_with("..") {
        vec!["must not start with '..'".into()]
    } else {
        vec![]
    }
}

/// `IsConfigMapKey` (ConfigMap and Secret keys, projected items): at most 253 of
/// `[-._a-zA-Z0-9]`, and not `.`, `..` or `..`-prefixed.
pub(super) fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = vec![];
    if value.len() > names::DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(names::max_len_error(names::DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    if !ok {
        errs.push(names::regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    errs.extend(has_chdir_prefix(value));
    errs
}

/// `validatePathNoBacksteps`: no `..` element.
pub(super) fn validate_path_no_backsteps(target: &str, path: &Path) -> Vec<FieldError> {
    if target.split('/').any(|part| part == "..") {
        vec![FieldError::invalid(path, target, "must not contain '..'")]
    } else {
        vec![]
    }
}

// ----- quantities -----

/// A quantity as the API server holds it after decoding, or `None` if it does not parse (the
/// decoder rejects such objects before validation, so validators skip them).
pub(super) fn quantity(q: &K8sQuantity) -> Option<Quantity> {
    parse_k8s(q).ok()
}

/// `ValidateNonnegativeQuantity`: `Invalid value: "-1": must be greater than or equal to 0`.
pub(super) fn validate_nonnegative_quantity(q: &Quantity, path: &Path) -> Vec<FieldError> {
    if q.sign() < 0 {
        vec![FieldError::invalid(
            path,
            q.to_string(),
            IS_NEGATIVE_ERROR_MSG,
        )]
    } else {
        vec![]
    }
}

// ----- semantic equality -----

/// `apiequality.Semantic.DeepEqual` on serialized values, where an unset field, a nil slice or
/// map and an empty one are all equal. Strings compare as they are: an unset `*string` is not
/// `""` (callers fold the Go `string` fields that k8s-openapi makes optional).
pub(super) fn semantically_equal<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serialized_equal(a, b, false)
}

/// [`semantically_equal`] where an empty string is Go's zero value too, as for a Go `string`
/// field that k8s-openapi makes optional (the pod spec rules compare whole specs this way).
pub(super) fn semantically_equal_empty_strings_unset<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serialized_equal(a, b, true)
}

fn serialized_equal<T: serde::Serialize>(a: &T, b: &T, empty_strings_unset: bool) -> bool {
    fn normalize(v: Value, empty_strings_unset: bool) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::String(s) if empty_strings_unset && s.is_empty() => None,
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(Value::Array(
                items
                    .into_iter()
                    .map(|i| normalize(i, empty_strings_unset).unwrap_or(Value::Null))
                    .collect(),
            )),
            Value::Object(map) => {
                let kept: serde_json::Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| normalize(v, empty_strings_unset).map(|v| (k, v)))
                    .collect();
                (!kept.is_empty()).then_some(Value::Object(kept))
            }
            other => Some(other),
        }
    }
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => normalize(a, empty_strings_unset) == normalize(b, empty_strings_unset),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_follow_iana_rules() {
        assert!(is_valid_port_name("http").is_empty());
        assert_eq!(
            is_valid_port_name("-8080-"),
            [
                "must contain at least one letter (a-z)",
                "must not begin or end with a hyphen"
            ]
        );
    }
}
