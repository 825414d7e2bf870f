//! Go type names for the API server's decoding errors (`... of type v1.PullPolicy`).
//!
//! The decoder learns most names from the k8s-openapi type being decoded:
//!
//! | k8s-openapi / Rust                  | Go, as `reflect.Type.String()` prints it |
//! |-------------------------------------|------------------------------------------|
//! | `bool`, `i32`, `i64`, `f64`         | `bool`, `int32`, `int64`, `float64`      |
//! | `String`                            | `string` (or a named type, see below)    |
//! | a struct such as `PodSpec`          | `v1.PodSpec` (every stored kind is v1)   |
//! | `Vec<T>`                            | `[]` + T's name (`[]v1.Container`)       |
//! | `BTreeMap<String, T>`               | `map[string]` + T's name                 |
//! | `ByteString`                        | `[]uint8`                                |
//! | `Quantity`, `IntOrString`, `Time`   | `resource.Quantity`, `intstr.IntOrString`, `v1.Time` |
//! | `Option<T>`                         | T's name (Go reports the pointee)        |
//!
//! k8s-openapi spells Go's named string, slice and map types as plain `String`, `Vec` and
//! `BTreeMap`; [`named_field_type`] restores the Go names of the common ones (a field not in
//! the table falls back to the structural name, e.g. `string` for `v1.PullPolicy`).

/// The Go package of a k8s-openapi struct name, as it prefixes the type in messages.
pub(crate) fn struct_type(name: &str) -> String {
    match name {
        "Quantity" => "resource.Quantity".to_string(),
        "IntOrString" => "intstr.IntOrString".to_string(),
        "RawExtension" => "runtime.RawExtension".to_string(),
        other => format!("v1.{other}"),
    }
}

/// The Go type of a field whose Go type is a named type k8s-openapi does not keep:
/// `(struct, json field)` to the type name.
pub(crate) fn named_field_type(go_struct: &str, field: &str) -> Option<&'static str> {
    NAMED_FIELDS
        .iter()
        .find(|(s, f, _)| *s == go_struct && *f == field)
        .map(|(_, _, t)| *t)
}

const NAMED_FIELDS: &[(&str, &str, &str)] = &[
    // meta/v1
    ("ObjectMeta", "uid", "types.UID"),
    ("OwnerReference", "uid", "types.UID"),
    (
        "LabelSelectorRequirement",
        "operator",
        "v1.LabelSelectorOperator",
    ),
    (
        "ManagedFieldsEntry",
        "operation",
        "v1.ManagedFieldsOperationType",
    ),
    // apps/v1
    (
        "StatefulSetSpec",
        "podManagementPolicy",
        "v1.PodManagementPolicyType",
    ),
    (
        "StatefulSetUpdateStrategy",
        "type",
        "v1.StatefulSetUpdateStrategyType",
    ),
    (
        "StatefulSetPersistentVolumeClaimRetentionPolicy",
        "whenDeleted",
        "v1.PersistentVolumeClaimRetentionPolicyType",
    ),
    (
        "StatefulSetPersistentVolumeClaimRetentionPolicy",
        "whenScaled",
        "v1.PersistentVolumeClaimRetentionPolicyType",
    ),
    (
        "StatefulSetCondition",
        "type",
        "v1.StatefulSetConditionType",
    ),
    ("StatefulSetCondition", "status", "v1.ConditionStatus"),
    ("DeploymentStrategy", "type", "v1.DeploymentStrategyType"),
    (
        "DaemonSetUpdateStrategy",
        "type",
        "v1.DaemonSetUpdateStrategyType",
    ),
    // core/v1: pods and containers
    ("PodSpec", "restartPolicy", "v1.RestartPolicy"),
    ("PodSpec", "dnsPolicy", "v1.DNSPolicy"),
    ("PodSpec", "preemptionPolicy", "v1.PreemptionPolicy"),
    ("PodSpec", "overhead", "v1.ResourceList"),
    ("Container", "imagePullPolicy", "v1.PullPolicy"),
    (
        "Container",
        "terminationMessagePolicy",
        "v1.TerminationMessagePolicy",
    ),
    ("Container", "restartPolicy", "v1.ContainerRestartPolicy"),
    ("ContainerPort", "protocol", "v1.Protocol"),
    ("ServicePort", "protocol", "v1.Protocol"),
    ("EndpointPort", "protocol", "v1.Protocol"),
    ("ResourceRequirements", "limits", "v1.ResourceList"),
    ("ResourceRequirements", "requests", "v1.ResourceList"),
    ("VolumeResourceRequirements", "limits", "v1.ResourceList"),
    ("VolumeResourceRequirements", "requests", "v1.ResourceList"),
    ("ContainerResizePolicy", "resourceName", "v1.ResourceName"),
    (
        "ContainerResizePolicy",
        "restartPolicy",
        "v1.ResourceResizeRestartPolicy",
    ),
    ("VolumeMount", "mountPropagation", "v1.MountPropagationMode"),
    (
        "VolumeMount",
        "recursiveReadOnly",
        "v1.RecursiveReadOnlyMode",
    ),
    ("HTTPGetAction", "scheme", "v1.URIScheme"),
    ("Capabilities", "add", "[]v1.Capability"),
    ("Capabilities", "drop", "[]v1.Capability"),
    (
        "PodSecurityContext",
        "fsGroupChangePolicy",
        "v1.PodFSGroupChangePolicy",
    ),
    ("Toleration", "operator", "v1.TolerationOperator"),
    ("Toleration", "effect", "v1.TaintEffect"),
    ("Taint", "effect", "v1.TaintEffect"),
    (
        "NodeSelectorRequirement",
        "operator",
        "v1.NodeSelectorOperator",
    ),
    (
        "TopologySpreadConstraint",
        "whenUnsatisfiable",
        "v1.UnsatisfiableConstraintAction",
    ),
    (
        "TopologySpreadConstraint",
        "nodeAffinityPolicy",
        "v1.NodeInclusionPolicy",
    ),
    (
        "TopologySpreadConstraint",
        "nodeTaintsPolicy",
        "v1.NodeInclusionPolicy",
    ),
    ("EmptyDirVolumeSource", "medium", "v1.StorageMedium"),
    ("HostPathVolumeSource", "type", "v1.HostPathType"),
    ("PodStatus", "phase", "v1.PodPhase"),
    ("PodStatus", "qosClass", "v1.PodQOSClass"),
    ("PodCondition", "type", "v1.PodConditionType"),
    ("PodCondition", "status", "v1.ConditionStatus"),
    // core/v1: services
    ("ServiceSpec", "type", "v1.ServiceType"),
    ("ServiceSpec", "sessionAffinity", "v1.ServiceAffinity"),
    (
        "ServiceSpec",
        "externalTrafficPolicy",
        "v1.ServiceExternalTrafficPolicy",
    ),
    (
        "ServiceSpec",
        "internalTrafficPolicy",
        "v1.ServiceInternalTrafficPolicy",
    ),
    ("ServiceSpec", "ipFamilies", "[]v1.IPFamily"),
    ("ServiceSpec", "ipFamilyPolicy", "v1.IPFamilyPolicy"),
    // core/v1: storage
    (
        "PersistentVolumeClaimSpec",
        "accessModes",
        "[]v1.PersistentVolumeAccessMode",
    ),
    (
        "PersistentVolumeClaimSpec",
        "volumeMode",
        "v1.PersistentVolumeMode",
    ),
    (
        "PersistentVolumeClaimStatus",
        "phase",
        "v1.PersistentVolumeClaimPhase",
    ),
    ("PersistentVolumeClaimStatus", "capacity", "v1.ResourceList"),
    (
        "PersistentVolumeClaimStatus",
        "accessModes",
        "[]v1.PersistentVolumeAccessMode",
    ),
    ("PersistentVolumeSpec", "capacity", "v1.ResourceList"),
    (
        "PersistentVolumeSpec",
        "accessModes",
        "[]v1.PersistentVolumeAccessMode",
    ),
    (
        "PersistentVolumeSpec",
        "persistentVolumeReclaimPolicy",
        "v1.PersistentVolumeReclaimPolicy",
    ),
    (
        "PersistentVolumeSpec",
        "volumeMode",
        "v1.PersistentVolumeMode",
    ),
    (
        "PersistentVolumeStatus",
        "phase",
        "v1.PersistentVolumePhase",
    ),
    (
        "StorageClass",
        "reclaimPolicy",
        "v1.PersistentVolumeReclaimPolicy",
    ),
    ("StorageClass", "volumeBindingMode", "v1.VolumeBindingMode"),
    // core/v1: config, nodes, namespaces
    ("Secret", "type", "v1.SecretType"),
    ("Secret", "data", "map[string][]uint8"),
    ("ConfigMap", "binaryData", "map[string][]uint8"),
    ("NamespaceSpec", "finalizers", "[]v1.FinalizerName"),
    ("NamespaceStatus", "phase", "v1.NamespacePhase"),
    ("NodeStatus", "capacity", "v1.ResourceList"),
    ("NodeStatus", "allocatable", "v1.ResourceList"),
    ("NodeStatus", "phase", "v1.NodePhase"),
    ("NodeCondition", "type", "v1.NodeConditionType"),
    ("NodeCondition", "status", "v1.ConditionStatus"),
    // batch/v1, policy/v1
    ("CronJobSpec", "concurrencyPolicy", "v1.ConcurrencyPolicy"),
    ("JobSpec", "completionMode", "v1.CompletionMode"),
    ("JobSpec", "podReplacementPolicy", "v1.PodReplacementPolicy"),
    (
        "PodDisruptionBudgetSpec",
        "unhealthyPodEvictionPolicy",
        "v1.UnhealthyPodEvictionPolicyType",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_go_packages() {
        assert_eq!(struct_type("PodSpec"), "v1.PodSpec");
        assert_eq!(struct_type("Quantity"), "resource.Quantity");
        assert_eq!(
            named_field_type("Container", "imagePullPolicy"),
            Some("v1.PullPolicy")
        );
        assert_eq!(named_field_type("Container", "image"), None);
    }
}
