//! Validation, as the API server applies it after defaulting and admission: every error, with
//! upstream's text (`pkg/apis/*/validation`).
//!
//! Entry points take the *defaulted* object. Each returns all field errors (never just the
//! first), in upstream's order, so that `aggregate_message` reproduces the API server's message.
//! `Option` fields that are `None` are validated as Go's zero value.
//!
//! - [`meta`]: `ObjectMeta`, labels, annotations, label selectors (shared by every kind).
//! - [`apps`]: StatefulSet (spec rules V1–V15), Deployment, ReplicaSet, DaemonSet,
//!   ControllerRevision.
//! - [`pod`]: Pod and pod templates.
//! - [`core`]: every other kind.
//! - `util`: small helpers all of them share (Go zero values, name and port checks, semantic
//!   equality).

pub mod apps;
pub mod core;
pub mod meta;
pub mod pod;
mod util;

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
    match obj {
        Object::StatefulSet(s) => apps::validate_stateful_set(s, opts),
        Object::Deployment(d) => apps::validate_deployment(d, opts),
        Object::ReplicaSet(r) => apps::validate_replica_set(r, opts),
        Object::DaemonSet(d) => apps::validate_daemon_set(d, opts),
        Object::ControllerRevision(c) => apps::validate_controller_revision(c, opts),
        Object::Pod(p) => pod::validate_pod_create(p, opts),
        other => core::validate_create(other, opts),
    }
}

/// Validates an update of `old` to `new` (the strategy's `ValidateUpdate`), including
/// immutable fields. `new` already carries `old`'s status for kinds with a status subresource.
pub fn validate_update(new: &Object, old: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    match (new, old) {
        (Object::StatefulSet(n), Object::StatefulSet(o)) => {
            apps::validate_stateful_set_update(n, o, opts)
        }
        (Object::Deployment(n), Object::Deployment(o)) => {
            apps::validate_deployment_update(n, o, opts)
        }
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => {
            apps::validate_replica_set_update(n, o, opts)
        }
        (Object::DaemonSet(n), Object::DaemonSet(o)) => {
            apps::validate_daemon_set_update(n, o, opts)
        }
        (Object::ControllerRevision(n), Object::ControllerRevision(o)) => {
            apps::validate_controller_revision_update(n, o, opts)
        }
        (Object::Pod(n), Object::Pod(o)) => pod::validate_pod_update(n, o, opts),
        (n, o) => core::validate_update(n, o, opts),
    }
}

/// Validates a write to the status subresource (the status strategy's `ValidateUpdate`).
/// `new` is `old` with the status replaced.
pub fn validate_status_update(
    new: &Object,
    old: &Object,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    match (new, old) {
        (Object::StatefulSet(n), Object::StatefulSet(o)) => {
            apps::validate_stateful_set_status_update(n, o, opts)
        }
        (Object::Deployment(n), Object::Deployment(o)) => {
            apps::validate_deployment_status_update(n, o, opts)
        }
        (Object::ReplicaSet(n), Object::ReplicaSet(o)) => {
            apps::validate_replica_set_status_update(n, o, opts)
        }
        (Object::DaemonSet(n), Object::DaemonSet(o)) => {
            apps::validate_daemon_set_status_update(n, o, opts)
        }
        (Object::Pod(n), Object::Pod(o)) => pod::validate_pod_status_update(n, o, opts),
        (n, o) => core::validate_status_update(n, o, opts),
    }
}
