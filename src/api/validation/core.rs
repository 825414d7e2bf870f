//! Validation of core and other kinds: Namespace, Node, Service, Endpoints, EndpointSlice,
//! ConfigMap, Secret, ServiceAccount, Event, PersistentVolumeClaim, PersistentVolume,
//! StorageClass, Job, CronJob, PodDisruptionBudget.
//!
//! Each kind follows its upstream validator (`pkg/apis/core/validation`,
//! `pkg/apis/storage/validation`, `pkg/apis/batch/validation`, `pkg/apis/policy/validation`,
//! `pkg/apis/discovery/validation`) and the registry strategy that calls it, with upstream's
//! texts and order. As in [`super::apps`], a `None` is Go's zero value, and composite bad values
//! are rendered as v1.34+ API servers render them (`json.Marshal`; internal types show Go field
//! names). Named string types (`core.Protocol`, `core.ServiceType`...) are JSON-quoted, plain Go
//! strings `%q`-quoted.
//!
//! - `storage`: PersistentVolumeClaim ([`validate_persistent_volume_claim_spec`] is also used
//!   for StatefulSet `volumeClaimTemplates`), PersistentVolume, StorageClass.
//! - `service`: Service, Endpoints, EndpointSlice.
//! - `config`: Namespace, ConfigMap, Secret, ServiceAccount, Node, Event.
//! - `batch`: Job, CronJob (with a port of robfig/cron's standard parser).
//! - `policy`: PodDisruptionBudget.
//! - `gocmp`: the go-cmp style diff appended to the PVC and PV immutability errors.
//!
//! What this module must not do: allocate anything (ClusterIPs and NodePorts belong to
//! `apiserver::admission`), or mutate the object it validates.

mod batch;
mod config;
mod gocmp;
mod policy;
mod service;
mod storage;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::ValidationOptions;
use super::meta::{self, NameValidator};
use super::util::validate_qualified_name;
use crate::api::Object;
use crate::api::field::{FieldError, Path};

pub use service::prepare_service_update;
pub use storage::validate_persistent_volume_claim_spec;

/// Validates a new object of any kind not handled by `apps` or `pod`.
pub fn validate_create(obj: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    match obj {
        Object::PersistentVolumeClaim(c) => storage::validate_pvc_create(c),
        Object::PersistentVolume(v) => storage::validate_pv_create(v),
        Object::StorageClass(s) => storage::validate_storage_class(s),
        Object::Service(s) => service::validate_service_create(s),
        Object::Endpoints(e) => service::validate_endpoints(e),
        Object::EndpointSlice(e) => service::validate_endpoint_slice(e),
        Object::Namespace(n) => config::validate_namespace(n),
        Object::ConfigMap(c) => config::validate_config_map(c),
        Object::Secret(s) => config::validate_secret(s),
        Object::ServiceAccount(s) => config::validate_service_account(s),
        Object::Node(n) => config::validate_node(n),
        Object::Event(e) => config::validate_event(e),
        Object::Job(j) => batch::validate_job(j, opts),
        Object::CronJob(c) => batch::validate_cron_job_create(c, opts),
        Object::PodDisruptionBudget(p) => policy::validate_pdb_create(p),
        Object::Lease(l) => config::validate_lease(l),
        Object::StatefulSet(_)
        | Object::Deployment(_)
        | Object::ReplicaSet(_)
        | Object::DaemonSet(_)
        | Object::ControllerRevision(_)
        | Object::Pod(_) => vec![],
    }
}

/// Validates an update of an object of any kind not handled by `apps` or `pod`: the registry's
/// common metadata checks, then the kind's update strategy (duplicates are dropped when the
/// errors are aggregated).
pub fn validate_update(new: &Object, old: &Object, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = validate_common_fields(new, old);
    errs.extend(validate_update_strategy(new, old, opts));
    errs
}

/// The kind's update strategy (`ValidateUpdate`).
fn validate_update_strategy(
    new: &Object,
    old: &Object,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    match (new, old) {
        (Object::PersistentVolumeClaim(n), Object::PersistentVolumeClaim(o)) => {
            storage::validate_pvc_update(n, o)
        }
        (Object::PersistentVolume(n), Object::PersistentVolume(o)) => {
            storage::validate_pv_update(n, o)
        }
        (Object::StorageClass(n), Object::StorageClass(o)) => {
            storage::validate_storage_class_update(n, o)
        }
        (Object::Service(n), Object::Service(o)) => service::validate_service_update(n, o),
        (Object::Endpoints(n), Object::Endpoints(o)) => service::validate_endpoints_update(n, o),
        (Object::EndpointSlice(n), Object::EndpointSlice(o)) => {
            service::validate_endpoint_slice_update(n, o)
        }
        (Object::Namespace(n), Object::Namespace(o)) => config::validate_namespace_update(n, o),
        (Object::ConfigMap(n), Object::ConfigMap(o)) => config::validate_config_map_update(n, o),
        (Object::Secret(n), Object::Secret(o)) => config::validate_secret_update(n, o),
        (Object::ServiceAccount(n), Object::ServiceAccount(o)) => {
            config::validate_service_account_update(n, o)
        }
        (Object::Node(n), Object::Node(o)) => config::validate_node_update(n, o),
        (Object::Event(n), Object::Event(o)) => config::validate_event_update(n, o),
        (Object::Job(n), Object::Job(o)) => batch::validate_job_update(n, o, opts),
        (Object::CronJob(n), Object::CronJob(o)) => batch::validate_cron_job_update(n, o, opts),
        (Object::PodDisruptionBudget(n), Object::PodDisruptionBudget(o)) => {
            policy::validate_pdb_update(n, o)
        }
        (Object::Lease(n), Object::Lease(o)) => config::validate_lease_update(n, o),
        _ => vec![],
    }
}

/// Validates a status write of an object of any kind not handled by `apps` or `pod`: the
/// registry's common metadata checks, then the kind's status strategy.
pub fn validate_status_update(
    new: &Object,
    old: &Object,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let mut errs = validate_common_fields(new, old);
    errs.extend(validate_status_strategy(new, old));
    errs
}

/// `validateCommonFields` (`apiserver/pkg/registry/rest/update.go`), which the registry runs
/// before any update strategy: the generic metadata rules (path-segment names) and the
/// metadata update rules.
fn validate_common_fields(new: &Object, old: &Object) -> Vec<FieldError> {
    let mut errs =
        validate_generic_object_meta(new.meta(), new.kind().is_namespaced(), name_is_path_segment);
    errs.extend(validate_generic_object_meta_update(new.meta(), old.meta()));
    errs
}

/// The kind's status strategy (`ValidateUpdate` of the status subresource).
fn validate_status_strategy(new: &Object, old: &Object) -> Vec<FieldError> {
    match (new, old) {
        (Object::PersistentVolumeClaim(n), Object::PersistentVolumeClaim(o)) => {
            storage::validate_pvc_status_update(n, o)
        }
        (Object::PersistentVolume(n), Object::PersistentVolume(o)) => {
            storage::validate_pv_status_update(n, o)
        }
        (Object::Service(n), Object::Service(o)) => service::validate_service_status_update(n, o),
        (Object::Namespace(n), Object::Namespace(o)) => {
            config::validate_namespace_status_update(n, o)
        }
        (Object::Node(n), Object::Node(o)) => config::validate_node_status_update(n, o),
        (Object::Job(n), Object::Job(o)) => batch::validate_job_status_update(n, o),
        (Object::CronJob(n), Object::CronJob(o)) => batch::validate_cron_job_status_update(n, o),
        (Object::PodDisruptionBudget(n), Object::PodDisruptionBudget(o)) => {
            policy::validate_pdb_status_update(n, o)
        }
        // Kinds without a status subresource: the common checks are all there is.
        _ => vec![],
    }
}

// ----- shared helpers -----

/// `metadata`.
fn md() -> Path {
    Path::new("metadata")
}

/// `IsValidPathSegmentName` / `IsValidPathSegmentPrefix` (`path.ValidatePathSegmentName`): the
/// name rule the generic registry applies to kinds whose strategy checks no name.
fn name_is_path_segment(name: &str, prefix: bool) -> Vec<String> {
    if !prefix {
        for illegal in [".", ".."] {
            if name == illegal {
                return vec![format!("may not be '{illegal}'")];
            }
        }
    }
    ["/", "%"]
        .iter()
        .filter(|c| name.contains(*c))
        .map(|c| format!("may not contain '{c}'"))
        .collect()
}

/// `ValidateObjectMeta` as `apimachinery` (not `pkg/apis/core`) defines it: the core wrapper's
/// check that short finalizer names are standard ones is dropped.
fn validate_generic_object_meta(
    m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    requires_namespace: bool,
    name_fn: NameValidator,
) -> Vec<FieldError> {
    meta::validate_object_meta(m, requires_namespace, name_fn, &md())
        .into_iter()
        .filter(|e| !is_kube_finalizer_error(e))
        .collect()
}

/// `ValidateObjectMetaUpdate` as `apimachinery` defines it (see
/// [`validate_generic_object_meta`]).
fn validate_generic_object_meta_update(
    new: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    old: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Vec<FieldError> {
    meta::validate_object_meta_update(new, old, &md())
        .into_iter()
        .filter(|e| !is_kube_finalizer_error(e))
        .collect()
}

/// True for the core-only `validateKubeFinalizerName` error.
fn is_kube_finalizer_error(e: &FieldError) -> bool {
    e.detail == meta::KUBE_FINALIZER_MSG && e.field.starts_with("metadata.finalizers[")
}

/// `validateFinalizerName` (`pkg/apis/core/validation`): a qualified name, and a short name must
/// be a standard one. Both errors name `path` as given (upstream does not index it).
fn validate_finalizer_name(value: &str, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_qualified_name(value, path);
    errs.extend(meta::validate_kube_finalizer_name(value, path));
    errs
}

// ----- IP addresses -----

/// `netutils.ParseIPSloppy`: Go's pre-1.17 `net.ParseIP`, which accepts leading zeros in IPv4
/// octets (read as decimal).
fn parse_ip_sloppy(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        return s.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Go's `dtoi`: any number of digits, giving up once the value is absurd.
        let v = p.bytes().try_fold(0u32, |n, b| {
            let n = n * 10 + u32::from(b - b'0');
            (n < 0x00ff_ffff).then_some(n)
        })?;
        octets[i] = u8::try_from(v).ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// The address as IPv4 when it is one (including IPv4-mapped IPv6), as Go's `To4` does.
fn ip_to4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

/// `IsValidIP`.
fn is_valid_ip(path: &Path, value: &str) -> Vec<FieldError> {
    if parse_ip_sloppy(value).is_some() {
        vec![]
    } else {
        vec![FieldError::invalid(
            path,
            value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        )]
    }
}

/// `ValidateNonSpecialIP` / `ValidateEndpointIP`: no unspecified, loopback or link-local
/// addresses.
fn validate_non_special_ip(value: &str, path: &Path) -> Vec<FieldError> {
    let Some(ip) = parse_ip_sloppy(value) else {
        return vec![FieldError::invalid(
            path,
            value,
            "must be a valid IP address",
        )];
    };
    let mut errs = vec![];
    let v4 = ip_to4(ip);
    let unspecified = match (v4, ip) {
        (Some(a), _) => a.is_unspecified(),
        (None, IpAddr::V6(a)) => a.is_unspecified(),
        _ => false,
    };
    let loopback = match (v4, ip) {
        (Some(a), _) => a.octets()[0] == 127,
        (None, IpAddr::V6(a)) => a.is_loopback(),
        _ => false,
    };
    let link_local_unicast = match (v4, ip) {
        (Some(a), _) => a.octets()[0] == 169 && a.octets()[1] == 254,
        (None, IpAddr::V6(a)) => a.segments()[0] & 0xffc0 == 0xfe80,
        _ => false,
    };
    let link_local_multicast = match (v4, ip) {
        (Some(a), _) => a.octets()[0] == 224 && a.octets()[1] == 0 && a.octets()[2] == 0,
        (None, IpAddr::V6(a)) => a.octets()[0] == 0xff && a.octets()[1] & 0x0f == 0x02,
        _ => false,
    };
    if unspecified {
        errs.push(FieldError::invalid(
            path,
            value,
            format!("may not be unspecified ({value})"),
        ));
    }
    if loopback {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    if link_local_unicast {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    if link_local_multicast {
        errs.push(FieldError::invalid(
            path,
            value,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
    errs
}

/// `IsValidCIDR` (`netutils.ParseCIDRSloppy`).
fn is_valid_cidr(path: &Path, value: &str) -> Vec<FieldError> {
    let ok = value.split_once('/').is_some_and(|(ip, bits)| {
        let max = match parse_ip_sloppy(ip) {
            Some(IpAddr::V4(_)) => 32,
            Some(IpAddr::V6(_)) => 128,
            None => return false,
        };
        !bits.is_empty()
            && bits.len() <= 3
            && bits.bytes().all(|b| b.is_ascii_digit())
            && (bits == "0" || !bits.starts_with('0'))
            && bits.parse::<u32>().is_ok_and(|n| n <= max)
    });
    if ok {
        vec![]
    } else {
        vec![FieldError::invalid(
            path,
            value,
            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        )]
    }
}

/// Builders shared by the submodules' tests.
#[cfg(test)]
mod test_support {
    use super::*;

    /// Decodes a test object.
    /// Decodes a test object, defaulting any pod template in it (`spec.template`,
    /// `spec.jobTemplate.spec.template`) as the API server would before validation.
    pub(super) fn from<T: serde::de::DeserializeOwned>(mut v: serde_json::Value) -> T {
        for path in ["/spec/template", "/spec/jobTemplate/spec/template"] {
            if let Some(t) = v.pointer_mut(path)
                && t.is_object()
            {
                let mut template: k8s_openapi::api::core::v1::PodTemplateSpec =
                    serde_json::from_value(t.clone()).expect("test template decodes");
                crate::api::defaults::default_pod_template(&mut template);
                *t = serde_json::to_value(template).expect("templates serialize");
            }
        }
        serde_json::from_value(v).expect("test object decodes")
    }

    /// The rendered messages.
    pub(super) fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    /// `validate_create` messages.
    pub(super) fn create(obj: impl Into<Object>) -> Vec<String> {
        msgs(&validate_create(&obj.into(), &ValidationOptions::default()))
    }

    /// `validate_update` messages.
    pub(super) fn update(new: impl Into<Object>, old: impl Into<Object>) -> Vec<String> {
        msgs(&validate_update(
            &new.into(),
            &old.into(),
            &ValidationOptions::default(),
        ))
    }

    /// `validate_status_update` messages.
    pub(super) fn status(new: impl Into<Object>, old: impl Into<Object>) -> Vec<String> {
        msgs(&validate_status_update(
            &new.into(),
            &old.into(),
            &ValidationOptions::default(),
        ))
    }

    /// The messages with duplicates dropped, as the API server aggregates them.
    pub(super) fn distinct(messages: Vec<String>) -> Vec<String> {
        let mut seen = std::collections::BTreeSet::new();
        messages
            .into_iter()
            .filter(|m| seen.insert(m.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_ip_parsing_matches_go() {
        assert!(parse_ip_sloppy("10.096.0.1").is_some());
        assert!(parse_ip_sloppy("256.1.1.1").is_none());
        assert!(parse_ip_sloppy("1.2.3").is_none());
        assert!(parse_ip_sloppy("::ffff:127.0.0.1").is_some());
        assert!(parse_ip_sloppy("fe80::1%eth0").is_none());
    }

    #[test]
    fn path_segment_names() {
        assert_eq!(name_is_path_segment("..", false), ["may not be '..'"]);
        assert_eq!(
            name_is_path_segment("a/b%", false),
            ["may not contain '/'", "may not contain '%'"]
        );
        assert!(name_is_path_segment("..", true).is_empty());
    }

    #[test]
    fn status_update_of_other_kinds_checks_metadata() {
        let old = Object::ConfigMap(k8s_openapi::api::core::v1::ConfigMap {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("c".into()),
                namespace: Some("default".into()),
                resource_version: Some("1".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        let mut new = old.clone();
        new.meta_mut().name = Some("d".into());
        let errs = validate_status_update(&new, &old, &ValidationOptions::default());
        assert_eq!(
            errs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["metadata.name: Invalid value: \"d\": field is immutable"]
        );
    }
}
