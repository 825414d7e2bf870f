//! Admission plugins that a default kube-apiserver (and kind) runs on create, in upstream's
//! order: NamespaceLifecycle (in `mod.rs`), ServiceAccount, DefaultTolerationSeconds,
//! Priority, DefaultStorageClass, StorageObjectInUseProtection, plus the Service IP and
//! NodePort allocators the service registry runs before validation.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, ProjectedVolumeSource, ServiceAccountTokenProjection, Toleration, Volume,
    VolumeMount, VolumeProjection,
};

use super::strategy::{FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION};
use super::{ApiError, ApiServer};
use crate::api::{Kind, Object, ObjectKey};

/// Where the ServiceAccount plugin mounts the token volume.
pub const SERVICE_ACCOUNT_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The annotation that marks the default StorageClass.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";
const DEFAULT_CLASS_BETA_ANNOTATION: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// The service CIDR kind uses by default: 10.96.0.0/16.
const SERVICE_CIDR_BASE: u32 = 0x0a60_0000;
const SERVICE_CIDR_SIZE: u32 = 1 << 16;
/// The low addresses of the range are reserved for static allocation (kubernetes, kube-dns).
const SERVICE_CIDR_RESERVED: u32 = 256;
const NODE_PORT_MIN: i32 = 30000;
const NODE_PORT_MAX: i32 = 32767;

/// Runs the mutating and validating admission plugins on an object about to be created.
pub fn admit_create(api: &mut ApiServer, obj: &mut Object) -> Result<(), ApiError> {
    match obj {
        Object::Pod(_) => {
            admit_pod_service_account(api, obj)?;
            if let Object::Pod(pod) = obj {
                admit_pod_default_tolerations(pod);
                admit_pod_priority(pod)?;
            }
        }
        Object::PersistentVolumeClaim(pvc) => {
            let spec = pvc.spec.get_or_insert_with(Default::default);
            if spec.storage_class_name.is_none()
                && let Some(class) = default_storage_class(api)
            {
                spec.storage_class_name = Some(class);
            }
            add_finalizer(obj, FINALIZER_PVC_PROTECTION);
        }
        Object::PersistentVolume(_) => add_finalizer(obj, FINALIZER_PV_PROTECTION),
        Object::Service(_) => allocate_service_ips(api, obj)?,
        _ => {}
    }
    Ok(())
}

/// Runs the admission plugins that act on updates: PersistentVolumeClaimResize.
pub fn admit_update(api: &ApiServer, new: &Object, old: &Object) -> Result<(), ApiError> {
    if let (Object::PersistentVolumeClaim(n), Object::PersistentVolumeClaim(o)) = (new, old) {
        admit_claim_resize(api, n, o)?;
    }
    Ok(())
}

/// PersistentVolumeClaimResize: a claim's storage request may only grow when it is bound and
/// its class allows expansion.
fn admit_claim_resize(
    api: &ApiServer,
    new: &k8s_openapi::api::core::v1::PersistentVolumeClaim,
    old: &k8s_openapi::api::core::v1::PersistentVolumeClaim,
) -> Result<(), ApiError> {
    let storage = |c: &k8s_openapi::api::core::v1::PersistentVolumeClaim| {
        c.spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .and_then(|q| crate::api::quantity::Quantity::parse(&q.0).ok())
    };
    let (Some(n), Some(o)) = (storage(new), storage(old)) else {
        return Ok(());
    };
    if n.cmp(&o) != std::cmp::Ordering::Greater {
        return Ok(());
    }
    let name = new.metadata.name.clone().unwrap_or_default();
    let bound = old.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
    if !bound {
        return Err(ApiError::forbidden(
            Kind::PersistentVolumeClaim,
            &name,
            "Only bound persistent volume claims can be expanded",
        ));
    }
    let class = old
        .spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default();
    let expandable = !class.is_empty()
        && api
            .try_get(&ObjectKey::cluster(Kind::StorageClass, &class))
            .is_some_and(|sc| match &**sc {
                Object::StorageClass(sc) => sc.allow_volume_expansion == Some(true),
                _ => false,
            });
    if !expandable {
        return Err(ApiError::forbidden(
            Kind::PersistentVolumeClaim,
            &name,
            "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        ));
    }
    Ok(())
}

fn add_finalizer(obj: &mut Object, finalizer: &str) {
    let f = obj.meta_mut().finalizers.get_or_insert_with(Vec::new);
    if !f.iter().any(|x| x == finalizer) {
        f.push(finalizer.to_string());
    }
}

/// The DefaultStorageClass plugin's choice: among classes annotated as default, the newest,
/// ties broken by name.
pub fn default_storage_class(api: &ApiServer) -> Option<String> {
    let mut defaults: Vec<_> = api
        .iter_kind(Kind::StorageClass, None)
        .filter(|sc| {
            let a = sc.meta().annotations.as_ref();
            a.is_some_and(|a| {
                a.get(DEFAULT_CLASS_ANNOTATION).map(String::as_str) == Some("true")
                    || a.get(DEFAULT_CLASS_BETA_ANNOTATION).map(String::as_str) == Some("true")
            })
        })
        .collect();
    defaults.sort_by(|a, b| {
        b.meta()
            .creation_timestamp
            .cmp(&a.meta().creation_timestamp)
            .then_with(|| a.name().cmp(b.name()))
    });
    defaults.first().map(|sc| sc.name().to_string())
}

/// The ServiceAccount plugin: defaults the account to `default`, requires it to exist, and
/// mounts the projected token volume unless automounting is off.
fn admit_pod_service_account(api: &mut ApiServer, obj: &mut Object) -> Result<(), ApiError> {
    let pod_name = obj.name().to_string();
    let namespace = obj.namespace().to_string();
    let Object::Pod(pod) = obj else { return Ok(()) };
    let spec = pod.spec.get_or_insert_with(Default::default);
    let sa_name = match spec.service_account_name.as_deref() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => spec
            .service_account
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".to_string()),
    };
    spec.service_account_name = Some(sa_name.clone());
    spec.service_account = Some(sa_name.clone());
    let sa_key = ObjectKey::new(Kind::ServiceAccount, &namespace, &sa_name);
    let Some(sa) = api.try_get(&sa_key).cloned() else {
        return Err(ApiError::forbidden(
            Kind::Pod,
            &pod_name,
            &format!(
                "error looking up service account {namespace}/{sa_name}: serviceaccount \"{sa_name}\" not found"
            ),
        ));
    };
    let sa_automount = match &*sa {
        Object::ServiceAccount(s) => s.automount_service_account_token,
        _ => None,
    };
    let automount = spec
        .automount_service_account_token
        .or(sa_automount)
        .unwrap_or(true);
    if !automount {
        return Ok(());
    }
    let already_mounted = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .flat_map(|c| c.volume_mounts.iter().flatten())
        .any(|m| m.mount_path == SERVICE_ACCOUNT_MOUNT_PATH);
    if already_mounted {
        return Ok(());
    }
    let volume_name = format!("kube-api-access-{}", api.rng().name_suffix(5));
    spec.volumes.get_or_insert_with(Vec::new).push(Volume {
        name: volume_name.clone(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(420),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        expiration_seconds: Some(3607),
                        path: "token".into(),
                        audience: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "kube-root-ca.crt".into(),
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".into(),
                            path: "ca.crt".into(),
                            mode: None,
                        }]),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            path: "namespace".into(),
                            field_ref: Some(ObjectFieldSelector {
                                api_version: Some("v1".into()),
                                field_path: "metadata.namespace".into(),
                            }),
                            ..Default::default()
                        }]),
                    }),
                    ..Default::default()
                },
            ]),
        }),
        ..Default::default()
    });
    let mount = VolumeMount {
        mount_path: SERVICE_ACCOUNT_MOUNT_PATH.into(),
        name: volume_name,
        read_only: Some(true),
        ..Default::default()
    };
    for c in spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut())
    {
        c.volume_mounts
            .get_or_insert_with(Vec::new)
            .push(mount.clone());
    }
    Ok(())
}

/// DefaultTolerationSeconds: tolerate `not-ready` and `unreachable` for 300 s unless the pod
/// already tolerates them.
fn admit_pod_default_tolerations(pod: &mut k8s_openapi::api::core::v1::Pod) {
    let spec = pod.spec.get_or_insert_with(Default::default);
    let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
    for key in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        let tolerated = tolerations.iter().any(|t| {
            let key_matches = match t.key.as_deref() {
                Some(k) => k == key,
                None => t.operator.as_deref() == Some("Exists"),
            };
            key_matches && matches!(t.effect.as_deref(), None | Some("") | Some("NoExecute"))
        });
        if !tolerated {
            tolerations.push(Toleration {
                effect: Some("NoExecute".into()),
                key: Some(key.into()),
                operator: Some("Exists".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
    }
}

/// Priority: resolves `priorityClassName` to `priority` (0 without a class) and sets the
/// preemption policy.
fn admit_pod_priority(pod: &mut k8s_openapi::api::core::v1::Pod) -> Result<(), ApiError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let spec = pod.spec.get_or_insert_with(Default::default);
    let priority = match spec.priority_class_name.as_deref() {
        None | Some("") => 0,
        Some("system-node-critical") => 2_000_001_000,
        Some("system-cluster-critical") => 2_000_000_000,
        Some(other) => {
            return Err(ApiError::forbidden(
                Kind::Pod,
                &name,
                &format!("no PriorityClass with name {other} was found"),
            ));
        }
    };
    spec.priority = Some(priority);
    spec.preemption_policy
        .get_or_insert_with(|| "PreemptLowerPriority".to_string());
    Ok(())
}

fn ip_string(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 0xff,
        (ip >> 8) & 0xff,
        ip & 0xff
    )
}

fn parse_ip(s: &str) -> Option<u32> {
    let parts: Vec<u32> = s
        .split('.')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if parts.len() != 4 || parts.iter().any(|p| *p > 255) {
        return None;
    }
    Some((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3])
}

/// Allocates a ClusterIP (and NodePorts) for a new Service, as the service registry does
/// before validation. Requested IPs must be free and in range.
fn allocate_service_ips(api: &mut ApiServer, obj: &mut Object) -> Result<(), ApiError> {
    let name = obj.name().to_string();
    let Object::Service(svc) = obj else {
        return Ok(());
    };
    let spec = svc.spec.get_or_insert_with(Default::default);
    let svc_type = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
    if svc_type == "ExternalName" {
        return Ok(());
    }
    let requested = spec.cluster_ip.clone().unwrap_or_default();
    if requested == "None" {
        spec.cluster_ips = Some(vec!["None".into()]);
        crate::api::defaults::init_service_ip_family_fields(spec);
        return Ok(());
    }
    let ip = if requested.is_empty() {
        let taken: BTreeSet<u32> = api.allocated_cluster_ips().clone();
        let rng = api.rng();
        let free = (SERVICE_CIDR_SIZE - SERVICE_CIDR_RESERVED - 2) as u64;
        let mut chosen = None;
        for _ in 0..64 {
            let offset = SERVICE_CIDR_RESERVED + 1 + rng.below(free) as u32;
            let ip = SERVICE_CIDR_BASE + offset;
            if !taken.contains(&ip) {
                chosen = Some(ip);
                break;
            }
        }
        let Some(ip) = chosen.or_else(|| {
            (SERVICE_CIDR_RESERVED + 1..SERVICE_CIDR_SIZE - 1)
                .map(|o| SERVICE_CIDR_BASE + o)
                .find(|ip| !taken.contains(ip))
        }) else {
            return Err(ApiError::internal(
                "failed to allocate a serviceIP: range is full",
            ));
        };
        ip
    } else {
        let Some(ip) = parse_ip(&requested) else {
            return Ok(()); // validation reports the malformed address
        };
        let not_free = if !(SERVICE_CIDR_BASE..SERVICE_CIDR_BASE + SERVICE_CIDR_SIZE).contains(&ip)
        {
            Some(format!(
                "failed to allocate IP {requested}: provided IP ({requested}) is not in the valid range. The range of valid IPs is 10.96.0.0/16"
            ))
        } else if api.allocated_cluster_ips().contains(&ip) {
            Some(format!(
                "failed to allocate IP {requested}: provided IP is already allocated"
            ))
        } else {
            None
        };
        if let Some(detail) = not_free {
            return Err(ApiError::invalid(
                Kind::Service,
                &name,
                &[crate::api::field::FieldError::invalid(
                    &crate::api::field::Path::new("spec").child("clusterIPs"),
                    crate::api::field::BadValue::string_slice(&[requested.as_str()]),
                    detail,
                )],
            ));
        }
        ip
    };
    spec.cluster_ip = Some(ip_string(ip));
    spec.cluster_ips = Some(vec![ip_string(ip)]);
    crate::api::defaults::init_service_ip_family_fields(spec);
    if svc_type == "NodePort" || svc_type == "LoadBalancer" {
        let used: BTreeSet<i32> = api
            .iter_kind(Kind::Service, None)
            .filter_map(|o| match &**o {
                Object::Service(s) => s.spec.as_ref().and_then(|s| s.ports.clone()),
                _ => None,
            })
            .flatten()
            .filter_map(|p| p.node_port)
            .collect();
        let rng = api.rng();
        let mut next_used = used;
        for port in spec.ports.iter_mut().flatten() {
            if port.node_port.is_none() {
                let span = (NODE_PORT_MAX - NODE_PORT_MIN + 1) as u64;
                let mut candidate = NODE_PORT_MIN + rng.below(span) as i32;
                while next_used.contains(&candidate) {
                    candidate = if candidate == NODE_PORT_MAX {
                        NODE_PORT_MIN
                    } else {
                        candidate + 1
                    };
                }
                next_used.insert(candidate);
                port.node_port = Some(candidate);
            }
        }
    }
    Ok(())
}

/// Marks a stored Service's ClusterIP as taken.
pub fn commit_service_ips(api: &mut ApiServer, obj: &Object) {
    if let Object::Service(s) = obj
        && let Some(ip) = s
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.as_deref())
            .and_then(parse_ip)
    {
        api.allocated_cluster_ips().insert(ip);
    }
}

/// Frees a deleted Service's ClusterIP.
pub fn release_service_ips(api: &mut ApiServer, obj: &Object) {
    if let Object::Service(s) = obj
        && let Some(ip) = s
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.as_deref())
            .and_then(parse_ip)
    {
        api.allocated_cluster_ips().remove(&ip);
    }
}
