//! Small helpers shared by the pod validators: upstream's syntax checks that `names` does not
//! carry (`IsValidPortName`, `IsEnvVarName`, `IsConfigMapKey`, `IsValidIP`...), path rules
//! (`validateLocalDescendingPath` and friends), quantities, and semantic equality.
//!
//! Like [`crate::api::names`], each `is_*` function returns upstream's message list, empty when
//! the value is valid.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use serde_json::Value;

use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::quantity::{Quantity, parse_k8s};

/// Upstream's `isNotPositiveErrorMsg`.
pub(super) const IS_NOT_POSITIVE_ERROR_MSG: &str = "must be greater than zero";

/// Upstream's `fileModeErrorMsg`.
pub(super) const FILE_MODE_ERROR_MSG: &str =
    "must be a number between 0 and 0777 (octal), both inclusive";

/// An optional Go `string` field: unset is `""`.
pub(super) fn s(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// An optional Go slice: unset is empty.
pub(super) fn sl<T>(value: &Option<Vec<T>>) -> &[T] {
    value.as_deref().unwrap_or(&[])
}

/// `ValidateDNS1123Label`: one `Invalid` per message.
pub(super) fn validate_dns1123_label(value: &str, path: &Path) -> Vec<FieldError> {
    names::is_dns1123_label(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// `ValidateDNS1123Subdomain`: one `Invalid` per message.
pub(super) fn validate_dns1123_subdomain(value: &str, path: &Path) -> Vec<FieldError> {
    names::is_dns1123_subdomain(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// `ValidateQualifiedName` (also `unversionedvalidation.ValidateLabelName`).
pub(super) fn validate_qualified_name(value: &str, path: &Path) -> Vec<FieldError> {
    names::is_qualified_name(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// Messages of a name validator (`NameIsDNSSubdomain` and friends) as `Invalid` errors.
pub(super) fn name_errors(msgs: Vec<String>, path: &Path, value: &str) -> Vec<FieldError> {
    msgs.into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect()
}

/// `IsValidPortNum`.
pub(super) fn is_valid_port_num(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        vec![]
    } else {
        vec![names::inclusive_range_error(1, 65535)]
    }
}

/// `IsValidPortName`: at most 15 of `[-a-z0-9]`, at least one letter, no `--`, no hyphen at
/// either end.
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

/// `hasChDirPrefix`.
fn has_chdir_prefix(value: &str) -> Vec<String> {
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

/// `IsEnvVarName` (the strict rule, before `RelaxedEnvironmentVariableValidation`):
/// `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not `.`, `..` or `..`-prefixed.
pub(super) fn is_env_var_name(value: &str) -> Vec<String> {
    let mut errs = vec![];
    let b = value.as_bytes();
    let word = |c: &u8| c.is_ascii_alphabetic() || matches!(*c, b'-' | b'.' | b'_');
    let ok = !b.is_empty() && word(&b[0]) && b.iter().all(|c| word(c) || c.is_ascii_digit());
    if !ok {
        errs.push(names::regex_error(
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
            "[-._a-zA-Z][-._a-zA-Z0-9]*",
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    errs.extend(has_chdir_prefix(value));
    errs
}

/// `IsRelaxedEnvVarName` (v1.35's rule, `RelaxedEnvironmentVariableValidation` being GA):
/// non-empty printable ASCII other than `=`.
pub(super) fn is_relaxed_env_var_name(value: &str) -> Vec<String> {
    let mut errs = vec![];
    if value.is_empty() {
        errs.push(format!(
            "environment variable name {}",
            names::empty_error()
        ));
    }
    if value.chars().any(|c| !(' '..='~').contains(&c) || c == '=') {
        errs.push(
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
                .into(),
        );
    }
    errs
}

/// `IsConfigMapKey`: at most 253 of `[-._a-zA-Z0-9]`, and not `.`, `..` or `..`-prefixed.
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

/// `IsHTTPHeaderName`: `[-A-Za-z0-9]+`.
pub(super) fn is_http_header_name(value: &str) -> Vec<String> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-');
    if ok {
        vec![]
    } else {
        vec![names::regex_error(
            "a valid HTTP header must consist of alphanumeric characters or '-'",
            "[-A-Za-z0-9]+",
            &["X-Header-Name"],
        )]
    }
}

/// `IsValidUserID` / `IsValidGroupID`: 0 to 2^32-1.
pub(super) fn is_valid_id(id: i64) -> Vec<String> {
    if (0..=0xffff_ffff).contains(&id) {
        vec![]
    } else {
        vec![names::inclusive_range_error(0, 0xffff_ffff)]
    }
}

/// `netutils.ParseIPSloppy` accepts it: dotted IPv4 (leading zeros allowed, read as decimal)
/// or IPv6.
pub(super) fn parse_ip_sloppy(value: &str) -> bool {
    if value.contains(':') {
        return value.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()) && {
                p.parse::<u16>().is_ok_and(|n| n <= 255)
            }
        })
}

/// `IsValidIP`.
pub(super) fn validate_ip(path: &Path, value: &str) -> Vec<FieldError> {
    if parse_ip_sloppy(value) {
        vec![]
    } else {
        vec![FieldError::invalid(
            path,
            value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        )]
    }
}

// ----- paths -----

/// `validatePathNoBacksteps`: no `..` element.
pub(super) fn validate_path_no_backsteps(target: &str, path: &Path) -> Vec<FieldError> {
    if target.split('/').any(|part| part == "..") {
        vec![FieldError::invalid(path, target, "must not contain '..'")]
    } else {
        vec![]
    }
}

/// `validateLocalDescendingPath`: relative, without `..` elements.
pub(super) fn validate_local_descending_path(target: &str, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if target.starts_with('/') {
        errs.push(FieldError::invalid(path, target, "must be a relative path"));
    }
    errs.extend(validate_path_no_backsteps(target, path));
    errs
}

/// `ValidateLocalNonReservedPath`: a local descending path not starting with `..`.
pub(super) fn validate_local_non_reserved_path(target: &str, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_local_descending_path(target, path);
    if target.starts_with("..") && !target.starts_with("../") {
        errs.push(FieldError::invalid(
            path,
            target,
            "must not start with '..'",
        ));
    }
    errs
}

// ----- quantities -----

/// A quantity as the API server holds it after decoding, or `None` if it does not parse (the
/// decoder rejects such objects before validation, so validators skip them).
pub(super) fn quantity(q: &K8sQuantity) -> Option<Quantity> {
    parse_k8s(q).ok()
}

/// A `resource.Quantity` as a bad value: `*Quantity` is a `fmt.Stringer`, so `field.Error`
/// prints `String()` bare.
pub(super) fn quantity_value(q: &Quantity) -> BadValue {
    BadValue::Go(q.to_string())
}

/// The entries of an optional resource list.
pub(super) fn resource_list(
    list: &Option<BTreeMap<String, K8sQuantity>>,
) -> impl Iterator<Item = (&String, &K8sQuantity)> {
    list.iter().flatten()
}

// ----- semantic equality -----

/// `apiequality.Semantic.DeepEqual` on serialized values: an unset field, `null`, an empty
/// string, an empty list and an empty map are all Go's zero value.
pub(super) fn semantically_equal<T: serde::Serialize>(a: &T, b: &T) -> bool {
    fn normalize(v: Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(Value::Array(
                items
                    .into_iter()
                    .map(|i| normalize(i).unwrap_or(Value::Null))
                    .collect(),
            )),
            Value::Object(map) => {
                let kept: serde_json::Map<String, Value> = map
                    .into_iter()
                    .filter_map(|(k, v)| normalize(v).map(|v| (k, v)))
                    .collect();
                (!kept.is_empty()).then_some(Value::Object(kept))
            }
            other => Some(other),
        }
    }
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => normalize(a) == normalize(b),
        _ => false,
    }
}
