//! Pod validation (`pkg/apis/core/validation` `ValidatePodSpec`, `ValidatePodTemplateSpec`,
//! `ValidatePodUpdate`): containers, volumes, ports, env, probes, resources, affinity,
//! tolerations, restart policy.
