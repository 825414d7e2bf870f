//! `ObjectMeta` validation (`k8s.io/apimachinery/pkg/api/validation` `ValidateObjectMeta`,
//! `ValidateObjectMetaUpdate`): names, namespaces, labels, annotations, owner references,
//! finalizers.
