//! `ObjectMeta` validation (`k8s.io/apimachinery/pkg/api/validation` `ValidateObjectMeta`,
//! `ValidateObjectMetaUpdate`): names, namespaces, labels, annotations, owner references,
//! finalizers; and `metav1.LabelSelector` validation.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::api::field::{FieldError, Path};

/// Validates a name (or, with `prefix`, a generateName prefix); returns upstream's messages.
pub type NameValidator = fn(name: &str, prefix: bool) -> Vec<String>;

/// `NameIsDNSSubdomain`.
pub fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    let _ = (name, prefix);
    vec![]
}

/// `NameIsDNSLabel`.
pub fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    let _ = (name, prefix);
    vec![]
}

/// `NameIsDNS1035Label`.
pub fn name_is_dns1035_label(name: &str, prefix: bool) -> Vec<String> {
    let _ = (name, prefix);
    vec![]
}

/// `ValidateObjectMeta`: name (or generateName), namespace presence, labels, annotations,
/// owner references, finalizers.
pub fn validate_object_meta(
    meta: &ObjectMeta,
    requires_namespace: bool,
    name_fn: NameValidator,
    path: &Path,
) -> Vec<FieldError> {
    let _ = (meta, requires_namespace, name_fn, path);
    vec![]
}

/// `ValidateObjectMetaUpdate`: immutable metadata (name, namespace, uid, creationTimestamp...)
/// and the rules on finalizers of terminating objects, plus `validate_object_meta` of `new`.
pub fn validate_object_meta_update(
    new: &ObjectMeta,
    old: &ObjectMeta,
    path: &Path,
) -> Vec<FieldError> {
    let _ = (new, old, path);
    vec![]
}

/// `ValidateLabels`.
pub fn validate_labels(labels: &BTreeMap<String, String>, path: &Path) -> Vec<FieldError> {
    let _ = (labels, path);
    vec![]
}

/// `ValidateAnnotations`.
pub fn validate_annotations(annotations: &BTreeMap<String, String>, path: &Path) -> Vec<FieldError> {
    let _ = (annotations, path);
    vec![]
}

/// `ValidateLabelSelector` (`metav1validation`).
pub fn validate_label_selector(selector: &LabelSelector, path: &Path) -> Vec<FieldError> {
    let _ = (selector, path);
    vec![]
}
