//! The Kubernetes object model: the `k8s-openapi` types (v1.35) wrapped in one [`Object`] enum,
//! addressed by [`ObjectKey`], plus defaulting and validation as the API server applies them.
//!
//! Pure data: no engine, no I/O. Kinds are not redefined here; `k8s-openapi` owns them.

pub mod defaults;
pub mod field;
pub mod names;
pub mod quantity;
pub mod selector;
pub mod validation;

use std::cmp::Ordering;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

/// Re-exports of the `k8s-openapi` types for every kind the simulator stores.
pub mod types {
    pub use k8s_openapi::api::apps::v1::{
        ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
    };
    pub use k8s_openapi::api::batch::v1::{CronJob, Job};
    pub use k8s_openapi::api::coordination::v1::Lease;
    pub use k8s_openapi::api::core::v1::{
        ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod,
        Secret, Service, ServiceAccount,
    };
    pub use k8s_openapi::api::discovery::v1::EndpointSlice;
    pub use k8s_openapi::api::policy::v1::PodDisruptionBudget;
    pub use k8s_openapi::api::storage::v1::StorageClass;
    pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
}

/// Static facts about a kind: how the API serves it and how kubectl names it.
#[derive(Debug)]
pub struct KindInfo {
    /// `StatefulSet`.
    pub kind: &'static str,
    /// API group, empty for the core group.
    pub group: &'static str,
    /// `v1`.
    pub version: &'static str,
    /// The resource (plural) name: `statefulsets`.
    pub plural: &'static str,
    /// The singular name: `statefulset`.
    pub singular: &'static str,
    /// kubectl short names: `sts`.
    pub short_names: &'static [&'static str],
    /// True for namespaced kinds.
    pub namespaced: bool,
}

impl KindInfo {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `statefulsets.apps`, or `pods` for the core group: how API errors name the resource.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `statefulset.apps`, or `pod`: how kubectl prints `<kind>/<name>`.
    pub fn group_singular(&self) -> String {
        if self.group.is_empty() {
            self.singular.to_string()
        } else {
            format!("{}.{}", self.singular, self.group)
        }
    }

    /// `StatefulSet.apps`, or `Pod`: how "is invalid" messages name the kind.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

macro_rules! kinds {
    ($( $variant:ident => $ty:ident, $group:literal, $version:literal, $plural:literal,
        $singular:literal, [$($short:literal),*], $namespaced:literal; )*) => {
        /// Every kind the simulated API server stores. The order is the enum's `Ord`, used to
        /// group keys of one kind together in the object tables.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl Kind {
            /// All kinds, in `Ord` order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// Static facts about this kind.
            pub fn info(self) -> &'static KindInfo {
                match self {
                    $(Kind::$variant => {
                        static INFO: KindInfo = KindInfo {
                            kind: stringify!($variant),
                            group: $group,
                            version: $version,
                            plural: $plural,
                            singular: $singular,
                            short_names: &[$($short),*],
                            namespaced: $namespaced,
                        };
                        &INFO
                    })*
                }
            }
        }

        /// One API object of any stored kind.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum Object {
            $(
                #[doc = concat!("A `", stringify!($variant), "`.")]
                $variant(types::$ty),
            )*
        }

        impl Object {
            /// The object's kind.
            pub fn kind(&self) -> Kind {
                match self { $(Object::$variant(_) => Kind::$variant),* }
            }

            /// The object's metadata.
            pub fn meta(&self) -> &ObjectMeta {
                match self { $(Object::$variant(o) => &o.metadata),* }
            }

            /// The object's metadata, mutably.
            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $(Object::$variant(o) => &mut o.metadata),* }
            }

            /// The object as JSON, with `apiVersion` and `kind`, keys sorted.
            pub fn to_json(&self) -> Value {
                let v = match self {
                    $(Object::$variant(o) => serde_json::to_value(o)),*
                };
                v.expect("k8s-openapi objects always serialize to JSON")
            }

            /// Decodes a JSON object of a known kind. Unknown fields are ignored here; strict
            /// decoding (reporting them) is in `manifest`.
            pub fn from_json(kind: Kind, value: Value) -> Result<Object, serde_json::Error> {
                Ok(match kind {
                    $(Kind::$variant => Object::$variant(serde_json::from_value(value)?)),*
                })
            }

            /// Like [`Object::from_json`], with the JSON path of the first decoding error.
            pub fn from_json_with_path(
                kind: Kind,
                value: Value,
            ) -> Result<Object, serde_path_to_error::Error<serde_json::Error>> {
                Ok(match kind {
                    $(Kind::$variant => Object::$variant(serde_path_to_error::deserialize(value)?)),*
                })
            }
        }

        $(
            impl From<types::$ty> for Object {
                fn from(o: types::$ty) -> Object {
                    Object::$variant(o)
                }
            }

            impl TryFrom<Object> for types::$ty {
                type Error = Object;
                fn try_from(o: Object) -> Result<Self, Object> {
                    match o {
                        Object::$variant(x) => Ok(x),
                        other => Err(other),
                    }
                }
            }

            impl<'a> TryFrom<&'a Object> for &'a types::$ty {
                type Error = ();
                fn try_from(o: &'a Object) -> Result<Self, ()> {
                    match o {
                        Object::$variant(x) => Ok(x),
                        _ => Err(()),
                    }
                }
            }
        )*
    };
}

kinds! {
    Namespace => Namespace, "", "v1", "namespaces", "namespace", ["ns"], false;
    Node => Node, "", "v1", "nodes", "node", ["no"], false;
    PersistentVolume => PersistentVolume, "", "v1", "persistentvolumes", "persistentvolume", ["pv"], false;
    StorageClass => StorageClass, "storage.k8s.io", "v1", "storageclasses", "storageclass", ["sc"], false;
    ConfigMap => ConfigMap, "", "v1", "configmaps", "configmap", ["cm"], true;
    Secret => Secret, "", "v1", "secrets", "secret", [], true;
    ServiceAccount => ServiceAccount, "", "v1", "serviceaccounts", "serviceaccount", ["sa"], true;
    Service => Service, "", "v1", "services", "service", ["svc"], true;
    Endpoints => Endpoints, "", "v1", "endpoints", "endpoints", ["ep"], true;
    EndpointSlice => EndpointSlice, "discovery.k8s.io", "v1", "endpointslices", "endpointslice", [], true;
    PersistentVolumeClaim => PersistentVolumeClaim, "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", ["pvc"], true;
    StatefulSet => StatefulSet, "apps", "v1", "statefulsets", "statefulset", ["sts"], true;
    ControllerRevision => ControllerRevision, "apps", "v1", "controllerrevisions", "controllerrevision", [], true;
    Deployment => Deployment, "apps", "v1", "deployments", "deployment", ["deploy"], true;
    ReplicaSet => ReplicaSet, "apps", "v1", "replicasets", "replicaset", ["rs"], true;
    DaemonSet => DaemonSet, "apps", "v1", "daemonsets", "daemonset", ["ds"], true;
    Job => Job, "batch", "v1", "jobs", "job", [], true;
    CronJob => CronJob, "batch", "v1", "cronjobs", "cronjob", ["cj"], true;
    Pod => Pod, "", "v1", "pods", "pod", ["po"], true;
    PodDisruptionBudget => PodDisruptionBudget, "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", ["pdb"], true;
    Event => Event, "", "v1", "events", "event", ["ev"], true;
    Lease => Lease, "coordination.k8s.io", "v1", "leases", "lease", [], true;
}

impl Kind {
    /// The kind served at `apiVersion` with this `kind` name, if the simulator stores it.
    pub fn from_api_version_kind(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.info().kind == kind && k.info().api_version() == api_version)
    }

    /// The kind with this `kind` name in any group (`StatefulSet`).
    pub fn from_kind_name(kind: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.info().kind == kind)
    }

    /// Resolves a kubectl resource argument: plural, singular, short name or kind, optionally
    /// qualified by group (`statefulsets.apps`, `sts`, `pod`, `StatefulSet`), case-insensitively
    /// as kubectl's RESTMapper does.
    pub fn from_resource_arg(arg: &str) -> Option<Kind> {
        let lower = arg.to_ascii_lowercase();
        let (name, group) = match lower.split_once('.') {
            Some((n, g)) => (n.to_string(), Some(g.to_string())),
            None => (lower.clone(), None),
        };
        Kind::ALL.iter().copied().find(|k| {
            let i = k.info();
            let name_matches = name == i.plural
                || name == i.singular
                || name == i.kind.to_ascii_lowercase()
                || i.short_names.contains(&name.as_str());
            let group_matches = match &group {
                None => true,
                Some(g) => g == i.group || (i.group.is_empty() && g.is_empty()),
            };
            name_matches && group_matches
        })
    }

    /// True for kinds that live in a namespace.
    pub fn is_namespaced(self) -> bool {
        self.info().namespaced
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().kind)
    }
}

/// The address of an object: kind, namespace (empty for cluster-scoped kinds) and name.
///
/// Ordered by kind, then namespace, then name as bytes, which is etcd's key order and therefore
/// the order the API server lists objects in (`web-10` before `web-2`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    /// The kind.
    pub kind: Kind,
    /// The namespace; empty for cluster-scoped kinds.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl Ord for ObjectKey {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.kind, self.namespace.as_bytes(), self.name.as_bytes()).cmp(&(
            other.kind,
            other.namespace.as_bytes(),
            other.name.as_bytes(),
        ))
    }
}

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl ObjectKey {
    /// A key for a namespaced object.
    pub fn new(kind: Kind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey {
            kind,
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A key for a cluster-scoped object.
    pub fn cluster(kind: Kind, name: impl Into<String>) -> Self {
        ObjectKey {
            kind,
            namespace: String::new(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectKey {
    /// `StatefulSet default/web`, or `Node kind-worker`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

impl Object {
    /// `metadata.name`, or "" when unset.
    pub fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }

    /// `metadata.namespace`, or "" when unset.
    pub fn namespace(&self) -> &str {
        self.meta().namespace.as_deref().unwrap_or("")
    }

    /// The object's key, from its kind, namespace and name.
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            kind: self.kind(),
            namespace: self.namespace().to_string(),
            name: self.name().to_string(),
        }
    }

    /// `metadata.uid`, or "" when unset.
    pub fn uid(&self) -> &str {
        self.meta().uid.as_deref().unwrap_or("")
    }

    /// `metadata.resourceVersion`, or "" when unset.
    pub fn resource_version(&self) -> &str {
        self.meta().resource_version.as_deref().unwrap_or("")
    }

    /// True when `metadata.deletionTimestamp` is set.
    pub fn is_terminating(&self) -> bool {
        self.meta().deletion_timestamp.is_some()
    }

    /// True when `finalizer` is in `metadata.finalizers`.
    pub fn has_finalizer(&self, finalizer: &str) -> bool {
        self.meta()
            .finalizers
            .as_ref()
            .is_some_and(|f| f.iter().any(|x| x == finalizer))
    }

    /// The object's labels (empty when unset).
    pub fn labels(&self) -> &std::collections::BTreeMap<String, String> {
        static EMPTY: std::collections::BTreeMap<String, String> =
            std::collections::BTreeMap::new();
        self.meta().labels.as_ref().unwrap_or(&EMPTY)
    }

    /// The owner reference with `controller: true`, if any.
    pub fn controller_ref(&self) -> Option<&types::OwnerReference> {
        self.meta()
            .owner_references
            .as_ref()?
            .iter()
            .find(|r| r.controller == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn keys_sort_like_etcd_so_web_10_comes_before_web_2() {
        let keys: BTreeSet<ObjectKey> = ["web-2", "web-10", "web-0", "web-1"]
            .iter()
            .map(|n| ObjectKey::new(Kind::Pod, "default", *n))
            .collect();
        let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["web-0", "web-1", "web-10", "web-2"]);
    }

    #[test]
    fn kubectl_resource_names_resolve() {
        assert_eq!(Kind::from_resource_arg("sts"), Some(Kind::StatefulSet));
        assert_eq!(
            Kind::from_resource_arg("statefulsets.apps"),
            Some(Kind::StatefulSet)
        );
        assert_eq!(Kind::from_resource_arg("Pods"), Some(Kind::Pod));
        assert_eq!(
            Kind::from_resource_arg("pvc"),
            Some(Kind::PersistentVolumeClaim)
        );
        assert_eq!(Kind::from_resource_arg("ep"), Some(Kind::Endpoints));
        assert_eq!(Kind::from_resource_arg("statefulsets.batch"), None);
        assert_eq!(Kind::from_resource_arg("widgets"), None);
    }

    #[test]
    fn kind_info_names_like_the_api() {
        let sts = Kind::StatefulSet.info();
        assert_eq!(sts.api_version(), "apps/v1");
        assert_eq!(sts.group_resource(), "statefulsets.apps");
        assert_eq!(sts.group_singular(), "statefulset.apps");
        assert_eq!(sts.qualified_kind(), "StatefulSet.apps");
        assert_eq!(Kind::Pod.info().group_resource(), "pods");
        assert_eq!(
            Kind::from_api_version_kind("storage.k8s.io/v1", "StorageClass"),
            Some(Kind::StorageClass)
        );
        assert_eq!(Kind::from_api_version_kind("v1", "StatefulSet"), None);
    }

    #[test]
    fn objects_round_trip_through_json() {
        let v = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default"},
            "data": {"k": "v"}
        });
        let o = Object::from_json(Kind::ConfigMap, v.clone()).unwrap();
        assert_eq!(o.key(), ObjectKey::new(Kind::ConfigMap, "default", "c"));
        assert_eq!(o.to_json(), v);
    }
}
