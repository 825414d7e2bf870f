//! Small helpers of the pod validators: upstream's syntax checks that `names` does not carry
//! (`IsEnvVarName`, `IsHTTPHeaderName`, `IsValidIP`...), path rules
//! (`validateLocalDescendingPath` and friends) and quantities as bad values. The helpers that
//! other kinds share live in [`crate::api::validation::util`].
//!
//! Like [`crate::api::names`], each `is_*` function returns upstream's message list, empty when
//! the value is valid.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::quantity::Quantity;
use crate::api::validation::util::{has_chdir_prefix, validate_path_no_backsteps};

/// Upstream's `fileModeErrorMsg`.
pub(super) const FILE_MODE_ERROR_MSG: &str =
    "must be a number between 0 and 0777 (octal), both inclusive";

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

/// `runAsUser` and `runAsGroup` of a pod or container security context: each, when set, a valid
/// user or group ID.
pub(super) fn validate_run_as_ids(
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for (value, name) in [(run_as_user, "runAsUser"), (run_as_group, "runAsGroup")] {
        if let Some(id) = value {
            for msg in is_valid_id(id) {
                errs.push(FieldError::invalid(&path.child(name), id, msg));
            }
        }
    }
    errs
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
