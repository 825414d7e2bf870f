//! Per-kind registry strategies (`pkg/registry/*/strategy.go`): what a create resets, which
//! kinds have a status subresource and a generation, what a spec change is, and the default
//! deletion propagation.

use k8s_openapi::api::apps::v1::StatefulSetStatus;
use k8s_openapi::api::core::v1::{
    NamespaceStatus, PersistentVolumeClaimStatus, PersistentVolumeStatus, PodStatus, ServiceStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::api::types::Pod;
use crate::api::{Kind, Object};

/// How dependents are treated when an owner is deleted (`metav1.DeletionPropagation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Propagation {
    /// Dependents are left alone; their owner references to the deleted object are removed.
    Orphan,
    /// The owner disappears at once; the garbage collector deletes dependents afterwards.
    Background,
    /// The owner stays (with `foregroundDeletion`) until blocking dependents are gone.
    Foreground,
}

impl Propagation {
    /// Parses `Orphan`, `Background`, `Foreground` as the API accepts them.
    pub fn parse(s: &str) -> Option<Propagation> {
        match s {
            "Orphan" => Some(Propagation::Orphan),
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            _ => None,
        }
    }
}

/// The finalizer that orphan propagation adds.
pub const FINALIZER_ORPHAN: &str = "orphan";
/// The finalizer that foreground propagation adds.
pub const FINALIZER_FOREGROUND: &str = "foregroundDeletion";
/// The finalizer the StorageObjectInUseProtection admission plugin adds to claims.
pub const FINALIZER_PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
/// The finalizer the StorageObjectInUseProtection admission plugin adds to volumes.
pub const FINALIZER_PV_PROTECTION: &str = "kubernetes.io/pv-protection";

/// Kinds whose `status` is written only through the status subresource.
pub fn has_status_subresource(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Pod
            | Kind::Service
            | Kind::Namespace
            | Kind::Node
            | Kind::PersistentVolumeClaim
            | Kind::PersistentVolume
            | Kind::StatefulSet
            | Kind::Deployment
            | Kind::ReplicaSet
            | Kind::DaemonSet
            | Kind::Job
            | Kind::CronJob
            | Kind::PodDisruptionBudget
    )
}

/// Kinds whose strategy sets `metadata.generation` to 1 on create and bumps it on spec changes.
pub fn tracks_generation(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::StatefulSet
            | Kind::Deployment
            | Kind::ReplicaSet
            | Kind::DaemonSet
            | Kind::Job
            | Kind::CronJob
            | Kind::PodDisruptionBudget
            | Kind::Pod
    )
}

/// Kinds with a scale subresource.
pub fn has_scale_subresource(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::StatefulSet | Kind::Deployment | Kind::ReplicaSet
    )
}

/// The propagation used when a delete request names none (`DefaultGarbageCollectionPolicy`).
/// `batch/v1` Jobs orphan their pods by default for backward compatibility.
pub fn default_propagation(kind: Kind) -> Propagation {
    match kind {
        Kind::Job => Propagation::Orphan,
        _ => Propagation::Background,
    }
}

/// The pod QoS class (`qos.GetPodQOS`): BestEffort with no requests or limits at all;
/// Guaranteed when every container limits cpu and memory with requests equal to limits;
/// Burstable otherwise.
pub fn pod_qos_class(pod: &Pod) -> &'static str {
    let Some(spec) = &pod.spec else {
        return "BestEffort";
    };
    let containers = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten());
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let requests = c
            .resources
            .as_ref()
            .and_then(|r| r.requests.clone())
            .unwrap_or_default();
        let limits = c
            .resources
            .as_ref()
            .and_then(|r| r.limits.clone())
            .unwrap_or_default();
        let relevant = |m: &std::collections::BTreeMap<String, Quantity>| {
            m.iter()
                .filter(|(k, q)| (k.as_str() == "cpu" || k.as_str() == "memory") && !is_zero(q))
                .count()
        };
        if relevant(&requests) > 0 || relevant(&limits) > 0 {
            any = true;
        }
        for res in ["cpu", "memory"] {
            match limits.get(res) {
                None => guaranteed = false,
                Some(l) => {
                    // Requests default to limits, so an absent request is equal.
                    if let Some(r) = requests.get(res)
                        && r.0 != l.0
                    {
                        guaranteed = false;
                    }
                }
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn is_zero(q: &Quantity) -> bool {
    q.0.trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
}

/// `PrepareForCreate`: discards user-supplied status and sets the initial one.
pub fn prepare_for_create(obj: &mut Object) {
    match obj {
        Object::Pod(p) => {
            let qos = pod_qos_class(p).to_string();
            p.status = Some(PodStatus {
                phase: Some("Pending".into()),
                qos_class: Some(qos),
                ..Default::default()
            });
        }
        Object::PersistentVolumeClaim(c) => {
            c.status = Some(PersistentVolumeClaimStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
        }
        Object::PersistentVolume(v) => {
            v.status = Some(PersistentVolumeStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
        }
        Object::Namespace(n) => {
            n.status = Some(NamespaceStatus {
                phase: Some("Active".into()),
                ..Default::default()
            });
            let spec = n.spec.get_or_insert_with(Default::default);
            let finalizers = spec.finalizers.get_or_insert_with(Vec::new);
            if !finalizers.iter().any(|f| f == "kubernetes") {
                finalizers.push("kubernetes".into());
            }
        }
        Object::Service(s) => {
            s.status = Some(ServiceStatus {
                load_balancer: Some(Default::default()),
                ..Default::default()
            });
        }
        Object::StatefulSet(s) => {
            s.status = Some(StatefulSetStatus {
                replicas: 0,
                available_replicas: Some(0),
                ..Default::default()
            });
        }
        Object::Deployment(d) => d.status = None,
        Object::ReplicaSet(r) => {
            r.status = Some(k8s_openapi::api::apps::v1::ReplicaSetStatus {
                replicas: 0,
                ..Default::default()
            });
        }
        Object::DaemonSet(d) => d.status = None,
        Object::Job(j) => j.status = None,
        Object::CronJob(c) => c.status = None,
        Object::PodDisruptionBudget(p) => p.status = None,
        _ => {}
    }
}

/// Labels the Job strategy puts on a Job's pod template and selector (`generateSelector`).
const JOB_NAME_LABELS: [&str; 2] = ["job-name", "batch.kubernetes.io/job-name"];
const JOB_UID_LABELS: [&str; 2] = ["controller-uid", "batch.kubernetes.io/controller-uid"];

/// What registry strategies do between the system fields and validation: the Job strategy
/// generates its selector (it needs the uid, so upstream does it in `Validate`), and the Secret
/// strategy folds `stringData` into `data`.
pub fn prepare_for_validation(obj: &mut Object) {
    match obj {
        Object::Job(job) => {
            let name = job.metadata.name.clone().unwrap_or_default();
            let uid = job.metadata.uid.clone().unwrap_or_default();
            let spec = job.spec.get_or_insert_with(Default::default);
            if spec.manual_selector == Some(true) {
                return;
            }
            let labels = spec
                .template
                .metadata
                .get_or_insert_with(Default::default)
                .labels
                .get_or_insert_with(Default::default);
            for l in JOB_NAME_LABELS {
                labels.entry(l.to_string()).or_insert_with(|| name.clone());
            }
            for l in JOB_UID_LABELS {
                labels.entry(l.to_string()).or_insert_with(|| uid.clone());
            }
            let selector = spec.selector.get_or_insert_with(Default::default);
            selector
                .match_labels
                .get_or_insert_with(Default::default)
                .entry(JOB_UID_LABELS[1].to_string())
                .or_insert(uid);
        }
        Object::Secret(secret) => fold_string_data(secret),
        _ => {}
    }
}

/// The Secret strategy: `stringData` entries overwrite `data` and are not stored.
fn fold_string_data(secret: &mut k8s_openapi::api::core::v1::Secret) {
    if let Some(string_data) = secret.string_data.take() {
        let data = secret.data.get_or_insert_with(Default::default);
        for (k, v) in string_data {
            data.insert(k, k8s_openapi::ByteString(v.into_bytes()));
        }
    }
}

/// `PrepareForUpdate` beyond status handling: the service registry keeps allocated values a
/// request left out; the Secret strategy folds `stringData`.
pub fn prepare_for_update(new: &mut Object, old: &Object) {
    match (new, old) {
        (Object::Service(n), Object::Service(o)) => {
            crate::api::validation::core::prepare_service_update(n, o);
        }
        (Object::Secret(s), _) => fold_string_data(s),
        _ => {}
    }
}

macro_rules! with_status {
    ($dst:expr, $src:expr, $($v:ident),*) => {
        match ($dst, $src) {
            $((Object::$v(d), Object::$v(s)) => { d.status = s.status.clone(); true })*
            _ => false,
        }
    };
}

macro_rules! with_spec {
    ($dst:expr, $src:expr, $($v:ident),*) => {
        match ($dst, $src) {
            $((Object::$v(d), Object::$v(s)) => { d.spec = s.spec.clone(); true })*
            _ => false,
        }
    };
}

/// Copies `src.status` into `dst` (same kind); false for kinds without status.
pub fn copy_status(dst: &mut Object, src: &Object) -> bool {
    with_status!(
        dst,
        src,
        Pod,
        Service,
        Namespace,
        Node,
        PersistentVolumeClaim,
        PersistentVolume,
        StatefulSet,
        Deployment,
        ReplicaSet,
        DaemonSet,
        Job,
        CronJob,
        PodDisruptionBudget
    )
}

/// Copies `src.spec` into `dst` (same kind); false for kinds without spec.
pub fn copy_spec(dst: &mut Object, src: &Object) -> bool {
    with_spec!(
        dst,
        src,
        Pod,
        Service,
        Namespace,
        Node,
        PersistentVolumeClaim,
        PersistentVolume,
        StatefulSet,
        Deployment,
        ReplicaSet,
        DaemonSet,
        Job,
        CronJob,
        PodDisruptionBudget
    )
}

/// True when the spec (or, for kinds without a spec, everything but metadata) differs.
pub fn spec_changed(a: &Object, b: &Object) -> bool {
    macro_rules! cmp {
        ($($v:ident),*) => {
            match (a, b) {
                $((Object::$v(x), Object::$v(y)) => x.spec != y.spec,)*
                _ => {
                    let mut x = a.to_json();
                    let mut y = b.to_json();
                    x.as_object_mut().map(|m| m.remove("metadata"));
                    y.as_object_mut().map(|m| m.remove("metadata"));
                    x != y
                }
            }
        };
    }
    cmp!(
        Pod,
        Service,
        Namespace,
        Node,
        PersistentVolumeClaim,
        PersistentVolume,
        StatefulSet,
        Deployment,
        ReplicaSet,
        DaemonSet,
        Job,
        CronJob,
        PodDisruptionBudget
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Container, PodSpec, ResourceRequirements};

    fn pod_with(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Pod {
        let q = |pairs: &[(&str, &str)]| {
            (!pairs.is_empty()).then(|| {
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                    .collect()
            })
        };
        Pod {
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    resources: Some(ResourceRequirements {
                        requests: q(requests),
                        limits: q(limits),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn qos_classes() {
        assert_eq!(pod_qos_class(&pod_with(&[], &[])), "BestEffort");
        assert_eq!(
            pod_qos_class(&pod_with(&[("cpu", "100m")], &[])),
            "Burstable"
        );
        assert_eq!(
            pod_qos_class(&pod_with(&[], &[("cpu", "1"), ("memory", "1Gi")])),
            "Guaranteed"
        );
        assert_eq!(
            pod_qos_class(&pod_with(
                &[("cpu", "500m"), ("memory", "1Gi")],
                &[("cpu", "1"), ("memory", "1Gi")]
            )),
            "Burstable"
        );
    }
}
