//! Validation, as the API server applies it after defaulting and admission: every error, with
//! upstream's text (`pkg/apis/*/validation`).
//!
//! Entry points take the *defaulted* object. Each returns all field errors (never just the
//! first), in upstream's order, so that `aggregate_message` reproduces the API server's message.

pub mod apps;
pub mod core;
pub mod meta;
pub mod pod;

use super::Object;
use super::field::FieldError;

/// Switches that change validation, as feature gates do upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidationOptions {
    /// `MaxUnavailableStatefulSet` (beta, on by default in v1.35).
    pub max_unavailable_gate: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            max_unavailable_gate: true,
        }
    }
}

/// Validates a new object (the registry strategy's `Validate`).
pub fn validate_create(obj: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (obj, opts);
    vec![]
}

/// Validates an update of `old` to `new` (the strategy's `ValidateUpdate`), including
/// immutable fields.
pub fn validate_update(new: &Object, old: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}

/// Validates a write to the status subresource (the status strategy's `ValidateUpdate`).
pub fn validate_status_update(
    new: &Object,
    old: &Object,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}
