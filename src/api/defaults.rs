//! Defaulting, as the API server applies it while decoding (`pkg/apis/*/v1/defaults.go`,
//! `SetDefaults_*`, wired together by the generated `zz_generated.defaults.go`), before admission
//! and validation.
//!
//! What this module owns:
//! - every `SetDefaults_*` function of the kinds in [`Object`], at their v1.35 feature-gate
//!   defaults, including the nested defaulters the generated code runs: pod-spec defaults inside
//!   every workload template (but not the pod-only ones: requests from limits, service links,
//!   host ports), PVC defaults inside StatefulSet `volumeClaimTemplates` (spec *and* status);
//! - materialising Go non-pointer structs that `encoding/json` always prints (a container's
//!   `resources: {}`, a workload's `spec`, a template's `spec`), so the object reads back as a
//!   real server returns it;
//! - the Service IP-family fields ([`init_service_ip_family_fields`]). Upstream this is registry
//!   logic (`pkg/registry/core/service/storage/alloc.go`), not defaulting; it lives here because
//!   it only fills fields and a single-stack IPv4 cluster needs no allocator state.
//!
//! What it must not do: anything admission plugins or registry strategies do (service account,
//! tolerations, priority, default storage class, finalizers, ClusterIP/NodePort allocation,
//! status reset, generation); those live in `apiserver::admission` and `apiserver::strategy`.
//! Every rule here only fills what is empty, so applying defaults twice equals applying once.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, Deployment, DeploymentSpec,
    DeploymentStrategy, ReplicaSet, ReplicaSetSpec, RollingUpdateDaemonSet,
    RollingUpdateDeployment, RollingUpdateStatefulSetStrategy, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, PodFailurePolicy};
use k8s_openapi::api::core::v1::{
    ClientIPConfig, Container, Endpoints, EphemeralContainer, HTTPGetAction, Lifecycle, Namespace,
    Node, ObjectFieldSelector, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus, Pod, PodSpec, PodTemplateSpec, Probe, ResourceRequirements,
    Secret, Service, ServiceSpec, SessionAffinityConfig, Volume,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Object;

/// Switches that change defaulting, as feature gates do upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultOptions {
    /// `MaxUnavailableStatefulSet` (beta, on by default in v1.35): defaults
    /// `rollingUpdate.maxUnavailable` to 1 (spec D4).
    pub max_unavailable_gate: bool,
}

impl Default for DefaultOptions {
    fn default() -> Self {
        DefaultOptions {
            max_unavailable_gate: true,
        }
    }
}

/// Applies every defaulting function for the object's kind, in place.
///
/// Mirrors `SetObjectDefaults_<Kind>` of the generated defaulters. Kinds without upstream
/// defaults (ConfigMap, ServiceAccount, ControllerRevision, PodDisruptionBudget, Event) are left
/// unchanged; see the match arms for why each is empty.
pub fn apply_defaults(obj: &mut Object, opts: &DefaultOptions) {
    match obj {
        Object::StatefulSet(s) => default_statefulset(s, opts),
        Object::Deployment(d) => default_deployment(d),
        Object::ReplicaSet(r) => default_replicaset(r),
        Object::DaemonSet(d) => default_daemonset(d),
        Object::Job(j) => default_job(j),
        Object::CronJob(c) => default_cronjob(c),
        Object::Pod(p) => default_pod(p),
        Object::PersistentVolumeClaim(c) => default_pvc(c),
        Object::PersistentVolume(v) => default_pv(v),
        Object::Service(s) => default_service(s),
        Object::Namespace(n) => default_namespace(n),
        Object::StorageClass(sc) => default_storage_class(sc),
        Object::Secret(s) => default_secret(s),
        Object::Endpoints(e) => default_endpoints(e),
        Object::EndpointSlice(e) => default_endpoint_slice(e),
        Object::Node(n) => default_node(n),
        // `SetDefaults_ConfigMap` turns a nil `data` into an empty map, which `omitempty` then
        // hides again: nothing observable, so nothing to do.
        Object::ConfigMap(_) => {}
        // No defaulters upstream: core/v1 ServiceAccount and Event, apps/v1 ControllerRevision,
        // policy/v1 PodDisruptionBudget (policy/v1 has no defaults.go).
        Object::ServiceAccount(_)
        | Object::ControllerRevision(_)
        | Object::PodDisruptionBudget(_)
        | Object::Event(_)
        // coordination/v1 Lease has no defaulters either.
        | Object::Lease(_) => {}
    }
}

// ----- small helpers -----

/// True when a Go string field is empty: absent or `""` (both mean unset to `encoding/json`).
fn is_unset(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(str::is_empty)
}

/// Sets a Go string field to `value` when it is empty.
fn set_if_unset(s: &mut Option<String>, value: &str) {
    if is_unset(s) {
        *s = Some(value.to_string());
    }
}

/// Sets a Go non-pointer `int32` field (where 0 means unset) to `value` when it is 0.
fn set_if_zero(n: &mut Option<i32>, value: i32) {
    if n.unwrap_or(0) == 0 {
        *n = Some(value);
    }
}

// ----- apps/v1 -----

/// `SetDefaults_StatefulSet` (spec D1–D11) plus the pod-template and claim-template defaults.
fn default_statefulset(set: &mut StatefulSet, opts: &DefaultOptions) {
    let spec = set.spec.get_or_insert_with(StatefulSetSpec::default);
    default_statefulset_spec(spec, opts);
    default_pod_template(&mut spec.template);
    for claim in spec.volume_claim_templates.iter_mut().flatten() {
        default_statefulset_claim_template(claim);
    }
}

/// The field rules of `SetDefaults_StatefulSet`. D8 (`minReadySeconds`), D9 (`ordinals`) and
/// D10 (`serviceName`) have no default and are deliberately left alone.
fn default_statefulset_spec(spec: &mut StatefulSetSpec, opts: &DefaultOptions) {
    // D1
    set_if_unset(&mut spec.pod_management_policy, "OrderedReady");

    // D2: the empty rollingUpdate block is created only when the type itself was empty. An
    // explicit `type: RollingUpdate` without a block keeps `rollingUpdate` nil (spec U8), and
    // `OnDelete` never gets one (D11).
    let strategy = spec
        .update_strategy
        .get_or_insert_with(StatefulSetUpdateStrategy::default);
    if is_unset(&strategy.type_) {
        strategy.type_ = Some("RollingUpdate".into());
        strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateStatefulSetStrategy::default);
    }
    if strategy.type_.as_deref() == Some("RollingUpdate")
        && let Some(rolling) = strategy.rolling_update.as_mut()
    {
        // D3
        rolling.partition.get_or_insert(0);
        // D4
        if opts.max_unavailable_gate {
            rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
        }
    }

    // D5: StatefulSetAutoDeletePVC is GA, so this is unconditional.
    let retention = spec
        .persistent_volume_claim_retention_policy
        .get_or_insert_with(StatefulSetPersistentVolumeClaimRetentionPolicy::default);
    set_if_unset(&mut retention.when_deleted, "Retain");
    set_if_unset(&mut retention.when_scaled, "Retain");

    // D6, D7
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
}

/// A `volumeClaimTemplates` entry gets `SetDefaults_PersistentVolumeClaim` (status phase
/// `Pending`) and `SetDefaults_PersistentVolumeClaimSpec` (`volumeMode: Filesystem`), which is
/// why `kubectl get sts -o yaml` shows `status: {phase: Pending}` on every template.
fn default_statefulset_claim_template(claim: &mut PersistentVolumeClaim) {
    default_pvc_spec(claim.spec.get_or_insert_with(Default::default));
    let status = claim
        .status
        .get_or_insert_with(PersistentVolumeClaimStatus::default);
    set_if_unset(&mut status.phase, "Pending");
}

/// `SetDefaults_Deployment`: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600. Unlike StatefulSets, an explicit `RollingUpdate` type also
/// gets the block.
fn default_deployment(deployment: &mut Deployment) {
    let spec = deployment.spec.get_or_insert_with(DeploymentSpec::default);
    spec.replicas.get_or_insert(1);
    let strategy = spec
        .strategy
        .get_or_insert_with(DeploymentStrategy::default);
    set_if_unset(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        rolling
            .max_unavailable
            .get_or_insert_with(|| IntOrString::String("25%".into()));
        rolling
            .max_surge
            .get_or_insert_with(|| IntOrString::String("25%".into()));
    }
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    default_pod_template(&mut spec.template);
}

/// `SetDefaults_ReplicaSet`: replicas 1, plus the template defaults.
fn default_replicaset(rs: &mut ReplicaSet) {
    let spec = rs.spec.get_or_insert_with(ReplicaSetSpec::default);
    spec.replicas.get_or_insert(1);
    default_pod_template(spec.template.get_or_insert_with(PodTemplateSpec::default));
}

/// `SetDefaults_DaemonSet`: RollingUpdate with maxUnavailable 1 and maxSurge 0,
/// revisionHistoryLimit 10.
fn default_daemonset(ds: &mut DaemonSet) {
    let spec = ds.spec.get_or_insert_with(DaemonSetSpec::default);
    let strategy = spec
        .update_strategy
        .get_or_insert_with(DaemonSetUpdateStrategy::default);
    set_if_unset(&mut strategy.type_, "RollingUpdate");
    if strategy.type_.as_deref() == Some("RollingUpdate") {
        let rolling = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDaemonSet::default);
        rolling.max_unavailable.get_or_insert(IntOrString::Int(1));
        rolling.max_surge.get_or_insert(IntOrString::Int(0));
    }
    spec.revision_history_limit.get_or_insert(10);
    default_pod_template(&mut spec.template);
}

// ----- batch/v1 -----

/// `SetDefaults_Job` at v1.35 (JobPodReplacementPolicy is GA).
///
/// The selector and the `controller-uid`/`job-name` labels are generated by the Job strategy,
/// not here; the label copy below only sees the user's template labels at create time.
fn default_job(job: &mut Job) {
    let spec = job.spec.get_or_insert_with(JobSpec::default);
    default_job_spec(spec);
    if let Some(labels) = spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        && job.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty)
    {
        job.metadata.labels = Some(labels.clone());
    }
}

fn default_job_spec(spec: &mut JobSpec) {
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    if spec.backoff_limit.is_none() {
        spec.backoff_limit = Some(if spec.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            6
        });
    }
    spec.completion_mode
        .get_or_insert_with(|| "NonIndexed".into());
    spec.suspend.get_or_insert(false);
    if spec.pod_replacement_policy.is_none() {
        let policy = if spec.pod_failure_policy.is_some() {
            "Failed"
        } else {
            "TerminatingOrFailed"
        };
        spec.pod_replacement_policy = Some(policy.into());
    }
    spec.manual_selector.get_or_insert(false);
    default_pod_failure_policy(spec.pod_failure_policy.as_mut());
    default_pod_template(&mut spec.template);
}

/// `SetDefaults_PodFailurePolicyOnPodConditionsPattern`: `status: "True"`.
fn default_pod_failure_policy(policy: Option<&mut PodFailurePolicy>) {
    let Some(policy) = policy else { return };
    for rule in &mut policy.rules {
        for pattern in rule.on_pod_conditions.iter_mut().flatten() {
            set_if_unset(&mut pattern.status, "True");
        }
    }
}

/// `SetDefaults_CronJob`. The job template's `JobSpec` is *not* run through `SetDefaults_Job`
/// (that defaulter takes a whole Job); only the struct-level defaulters inside it apply.
fn default_cronjob(cj: &mut CronJob) {
    let spec = cj.spec.get_or_insert_with(CronJobSpec::default);
    set_if_unset(&mut spec.concurrency_policy, "Allow");
    spec.suspend.get_or_insert(false);
    spec.successful_jobs_history_limit.get_or_insert(3);
    spec.failed_jobs_history_limit.get_or_insert(1);
    let job_spec = spec.job_template.spec.get_or_insert_with(JobSpec::default);
    default_pod_failure_policy(job_spec.pod_failure_policy.as_mut());
    default_pod_template(&mut job_spec.template);
}

// ----- core/v1: pods -----

/// `SetObjectDefaults_Pod`: `SetDefaults_Pod` (pod-only rules), then everything a template gets.
fn default_pod(pod: &mut Pod) {
    let spec = pod.spec.get_or_insert_with(PodSpec::default);
    // Requests default to limits on Pods only, never in templates.
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        default_requests_from_limits(&mut c.resources);
    }
    spec.enable_service_links.get_or_insert(true);
    if spec.host_network == Some(true) {
        for c in spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
        {
            for port in c.ports.iter_mut().flatten() {
                if port.host_port.unwrap_or(0) == 0 {
                    port.host_port = Some(port.container_port);
                }
            }
        }
    }
    default_pod_spec(spec);
}

/// Copies each limit without a request into the requests (`SetDefaults_Pod`).
fn default_requests_from_limits(resources: &mut Option<ResourceRequirements>) {
    let Some(r) = resources.as_mut() else { return };
    let Some(limits) = r.limits.as_ref().filter(|l| !l.is_empty()) else {
        return;
    };
    let requests = r.requests.get_or_insert_with(BTreeMap::new);
    for (name, quantity) in limits {
        requests
            .entry(name.clone())
            .or_insert_with(|| quantity.clone());
    }
}

/// What every pod template gets (`SetObjectDefaults_PodTemplate`'s body, inlined by the
/// generator into each workload): pod-spec defaults only.
/// Applies the pod-template defaults (the pod spec's, as inside every workload).
pub fn default_pod_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_with(PodSpec::default));
}

/// `SetDefaults_PodSpec` plus the nested volume and container defaulters.
fn default_pod_spec(spec: &mut PodSpec) {
    set_if_unset(&mut spec.dns_policy, "ClusterFirst");
    set_if_unset(&mut spec.restart_policy, "Always");
    spec.security_context.get_or_insert_with(Default::default);
    spec.termination_grace_period_seconds.get_or_insert(30);
    set_if_unset(&mut spec.scheduler_name, "default-scheduler");
    for volume in spec.volumes.iter_mut().flatten() {
        default_volume(volume);
    }
    for c in spec
        .init_containers
        .iter_mut()
        .flatten()
        .chain(spec.containers.iter_mut())
    {
        default_container(c);
    }
    for c in spec.ephemeral_containers.iter_mut().flatten() {
        default_ephemeral_container(c);
    }
}

/// The per-container rules, shared by `Container` and `EphemeralContainer` (same field names,
/// different types): `SetDefaults_Container`, port protocol, env field refs, probes, lifecycle
/// hooks, and the always-printed `resources: {}`.
macro_rules! default_container_fields {
    ($c:expr) => {{
        let c = $c;
        if is_unset(&c.image_pull_policy) {
            let policy = default_image_pull_policy(c.image.as_deref().unwrap_or(""));
            c.image_pull_policy = Some(policy.to_string());
        }
        set_if_unset(&mut c.termination_message_path, "/dev/termination-log");
        set_if_unset(&mut c.termination_message_policy, "File");
        // Go's ResourceRequirements is a non-pointer struct: always serialized, as `{}`.
        c.resources
            .get_or_insert_with(ResourceRequirements::default);
        for port in c.ports.iter_mut().flatten() {
            set_if_unset(&mut port.protocol, "TCP");
        }
        for env in c.env.iter_mut().flatten() {
            if let Some(field_ref) = env.value_from.as_mut().and_then(|v| v.field_ref.as_mut()) {
                default_object_field_selector(field_ref);
            }
        }
        for probe in [
            c.liveness_probe.as_mut(),
            c.readiness_probe.as_mut(),
            c.startup_probe.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            default_probe(probe);
        }
        if let Some(lifecycle) = c.lifecycle.as_mut() {
            default_lifecycle(lifecycle);
        }
    }};
}

fn default_container(c: &mut Container) {
    default_container_fields!(c);
}

fn default_ephemeral_container(c: &mut EphemeralContainer) {
    default_container_fields!(c);
}

/// `SetDefaults_Probe` plus the HTTP and gRPC handler defaults.
fn default_probe(probe: &mut Probe) {
    set_if_zero(&mut probe.timeout_seconds, 1);
    set_if_zero(&mut probe.period_seconds, 10);
    set_if_zero(&mut probe.success_threshold, 1);
    set_if_zero(&mut probe.failure_threshold, 3);
    if let Some(http) = probe.http_get.as_mut() {
        default_http_get(http);
    }
    if let Some(grpc) = probe.grpc.as_mut() {
        grpc.service.get_or_insert_with(String::new);
    }
}

fn default_lifecycle(lifecycle: &mut Lifecycle) {
    for handler in [lifecycle.post_start.as_mut(), lifecycle.pre_stop.as_mut()]
        .into_iter()
        .flatten()
    {
        if let Some(http) = handler.http_get.as_mut() {
            default_http_get(http);
        }
    }
}

/// `SetDefaults_HTTPGetAction`: path `/`, scheme `HTTP`.
fn default_http_get(http: &mut HTTPGetAction) {
    set_if_unset(&mut http.path, "/");
    set_if_unset(&mut http.scheme, "HTTP");
}

/// `SetDefaults_ObjectFieldSelector`: `apiVersion: v1`.
fn default_object_field_selector(selector: &mut ObjectFieldSelector) {
    set_if_unset(&mut selector.api_version, "v1");
}

/// `SetDefaults_Volume` and the per-source defaulters. The deprecated in-tree sources (ISCSI,
/// RBD, AzureDisk, ScaleIO) are not defaulted.
fn default_volume(volume: &mut Volume) {
    let has_source = *volume
        != Volume {
            name: volume.name.clone(),
            ..Volume::default()
        };
    if !has_source {
        volume.empty_dir = Some(Default::default());
    }
    if let Some(host_path) = volume.host_path.as_mut() {
        // HostPathUnset: an explicit empty type, printed as `type: ""`.
        host_path.type_.get_or_insert_with(String::new);
    }
    if let Some(secret) = volume.secret.as_mut() {
        secret.default_mode.get_or_insert(0o644);
    }
    if let Some(config_map) = volume.config_map.as_mut() {
        config_map.default_mode.get_or_insert(0o644);
    }
    if let Some(downward) = volume.downward_api.as_mut() {
        downward.default_mode.get_or_insert(0o644);
        for item in downward.items.iter_mut().flatten() {
            if let Some(field_ref) = item.field_ref.as_mut() {
                default_object_field_selector(field_ref);
            }
        }
    }
    if let Some(projected) = volume.projected.as_mut() {
        projected.default_mode.get_or_insert(0o644);
        for source in projected.sources.iter_mut().flatten() {
            if let Some(downward) = source.downward_api.as_mut() {
                for item in downward.items.iter_mut().flatten() {
                    if let Some(field_ref) = item.field_ref.as_mut() {
                        default_object_field_selector(field_ref);
                    }
                }
            }
            if let Some(token) = source.service_account_token.as_mut() {
                token.expiration_seconds.get_or_insert(3600);
            }
        }
    }
    if let Some(template) = volume
        .ephemeral
        .as_mut()
        .and_then(|e| e.volume_claim_template.as_mut())
    {
        default_pvc_spec(&mut template.spec);
    }
    // ImageVolume (on by default in v1.35): the same tag rule as containers.
    if let Some(image) = volume.image.as_mut()
        && is_unset(&image.pull_policy)
    {
        let policy = default_image_pull_policy(image.reference.as_deref().unwrap_or(""));
        image.pull_policy = Some(policy.to_string());
    }
}

// ----- image references -----

/// The `imagePullPolicy` the API server picks when none is given (`SetDefaults_Container`):
/// `Always` when the reference's tag is `latest`, where a reference with neither tag nor digest
/// counts as `:latest`; `IfNotPresent` otherwise, including digest-only references and
/// references that do not parse (`parsers.ParseImageName` then reports no tag).
///
/// `nginx`, `nginx:latest`, `registry:5000/nginx` → `Always`; `nginx:1.25`,
/// `nginx@sha256:<64 hex>` → `IfNotPresent`.
pub fn default_image_pull_policy(image: &str) -> &'static str {
    if image_reference_tag(image) == Some("latest") {
        "Always"
    } else {
        "IfNotPresent"
    }
}

/// The tag of a Docker image reference as `parsers.ParseImageName` reports it: the explicit
/// tag; `""` for a digest-only reference; `latest` when there is neither; `None` when the
/// reference is invalid (distribution/reference grammar, `ParseNormalizedNamed`).
fn image_reference_tag(image: &str) -> Option<&str> {
    // A bare 64-hex identifier is refused as ambiguous.
    if image.len() == 64
        && image
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let (domain, remainder) = image_reference_split_domain(image);
    if remainder.chars().any(char::is_uppercase) {
        return None; // "repository name must be lowercase" (tag and digest included)
    }
    let (name_and_tag, digest) = match remainder.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (remainder, None),
    };
    let (path, tag) = match name_and_tag.rfind(':') {
        Some(i) if !name_and_tag[i..].contains('/') => {
            (&name_and_tag[..i], Some(&name_and_tag[i + 1..]))
        }
        _ => (name_and_tag, None),
    };
    let official_prefix = if domain == "docker.io" && !path.contains('/') {
        "library/".len()
    } else {
        0
    };
    let valid = image_reference_is_domain(domain)
        && path.split('/').all(image_reference_is_path_component)
        && domain.len() + 1 + official_prefix + path.len() <= 255
        && tag.is_none_or(image_reference_is_tag)
        && digest.is_none_or(image_reference_is_digest);
    if !valid {
        return None;
    }
    Some(match (tag, digest) {
        (Some(t), _) => t,
        (None, Some(_)) => "",
        (None, None) => "latest",
    })
}

/// `splitDockerDomain`: the first path element is a registry when it contains `.` or `:`, is
/// `localhost`, or has upper-case letters; otherwise the registry is Docker Hub.
fn image_reference_split_domain(image: &str) -> (&str, &str) {
    match image.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (first, rest)
        }
        _ => ("docker.io", image),
    }
}

/// `host[:port]`, the host a DNS name of `[A-Za-z0-9-]` labels or a bracketed IPv6 address.
fn image_reference_is_domain(domain: &str) -> bool {
    let (host_ok, port) = if let Some(rest) = domain.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        let addr_ok = !addr.is_empty() && addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        match after {
            "" => (addr_ok, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (addr_ok, Some(port)),
                None => return false,
            },
        }
    } else {
        let (host, port) = match domain.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (domain, None),
        };
        let host_ok = host.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        (host_ok, port)
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or one or more `-`.
fn image_reference_is_path_component(component: &str) -> bool {
    let is_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (Some(first), Some(last)) = (component.chars().next(), component.chars().last()) else {
        return false;
    };
    if !is_alnum(first) || !is_alnum(last) {
        return false;
    }
    component
        .split(is_alnum)
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, "." | "_" | "__") || sep.chars().all(|c| c == '-'))
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn image_reference_is_tag(tag: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    tag.len() <= 128
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-')
}

/// A digest of a registered algorithm with its exact lower-case hex length (go-digest).
fn image_reference_is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let hex_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == hex_len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// ----- core/v1: storage -----

/// `SetDefaults_PersistentVolumeClaimSpec` for a top-level claim. The claim's status phase
/// (`SetDefaults_PersistentVolumeClaim`) is reset by the create strategy, so it is not set here.
fn default_pvc(claim: &mut PersistentVolumeClaim) {
    default_pvc_spec(
        claim
            .spec
            .get_or_insert_with(PersistentVolumeClaimSpec::default),
    );
}

/// `volumeMode: Filesystem`, and the always-printed `resources: {}`.
fn default_pvc_spec(spec: &mut PersistentVolumeClaimSpec) {
    spec.volume_mode
        .get_or_insert_with(|| "Filesystem".to_string());
    spec.resources.get_or_insert_with(Default::default);
}

/// `SetDefaults_PersistentVolume`: reclaim policy `Retain`, `volumeMode: Filesystem`, hostPath
/// type `""`. The `Pending` phase is set by the create strategy.
fn default_pv(pv: &mut PersistentVolume) {
    let spec = pv.spec.get_or_insert_with(Default::default);
    set_if_unset(&mut spec.persistent_volume_reclaim_policy, "Retain");
    spec.volume_mode
        .get_or_insert_with(|| "Filesystem".to_string());
    if let Some(host_path) = spec.host_path.as_mut() {
        host_path.type_.get_or_insert_with(String::new);
    }
}

/// `SetDefaults_StorageClass` (storage/v1): reclaim policy `Delete`, binding mode `Immediate`.
fn default_storage_class(sc: &mut StorageClass) {
    sc.reclaim_policy
        .get_or_insert_with(|| "Delete".to_string());
    sc.volume_binding_mode
        .get_or_insert_with(|| "Immediate".to_string());
}

// ----- core/v1: services and endpoints -----

/// `SetDefaults_Service`, then the IP-family fields the service registry fills.
fn default_service(svc: &mut Service) {
    let spec = svc.spec.get_or_insert_with(ServiceSpec::default);
    set_if_unset(&mut spec.session_affinity, "None");
    match spec.session_affinity.as_deref() {
        Some("None") => spec.session_affinity_config = None,
        Some("ClientIP") => {
            let has_timeout = spec
                .session_affinity_config
                .as_ref()
                .and_then(|c| c.client_ip.as_ref())
                .is_some_and(|c| c.timeout_seconds.is_some());
            if !has_timeout {
                spec.session_affinity_config = Some(SessionAffinityConfig {
                    client_ip: Some(ClientIPConfig {
                        timeout_seconds: Some(10800),
                    }),
                });
            }
        }
        _ => {}
    }
    set_if_unset(&mut spec.type_, "ClusterIP");
    for port in spec.ports.iter_mut().flatten() {
        set_if_unset(&mut port.protocol, "TCP");
        let unset = match &port.target_port {
            None => true,
            Some(IntOrString::Int(n)) => *n == 0,
            Some(IntOrString::String(s)) => s.is_empty(),
        };
        if unset {
            port.target_port = Some(IntOrString::Int(port.port));
        }
    }
    let service_type = spec.type_.clone().unwrap_or_default();
    let externally_accessible = service_type == "LoadBalancer"
        || service_type == "NodePort"
        || (service_type == "ClusterIP"
            && spec
                .external_ips
                .as_ref()
                .is_some_and(|ips| !ips.is_empty()));
    if externally_accessible {
        set_if_unset(&mut spec.external_traffic_policy, "Cluster");
    }
    if matches!(
        service_type.as_str(),
        "ClusterIP" | "NodePort" | "LoadBalancer"
    ) {
        spec.internal_traffic_policy
            .get_or_insert_with(|| "Cluster".to_string());
    }
    if service_type == "LoadBalancer" {
        spec.allocate_load_balancer_node_ports.get_or_insert(true);
        let ingress = svc
            .status
            .as_mut()
            .and_then(|s| s.load_balancer.as_mut())
            .and_then(|lb| lb.ingress.as_mut());
        for entry in ingress.into_iter().flatten() {
            if !is_unset(&entry.ip) {
                entry.ip_mode.get_or_insert_with(|| "VIP".to_string());
            }
        }
    }
    init_service_ip_family_fields(spec);
}

/// Fills `ipFamilyPolicy` and `ipFamilies` as the service registry does on a single-stack IPv4
/// cluster (kind's default), mirroring `initIPFamilyFields` in
/// `pkg/registry/core/service/storage/alloc.go`. This is registry logic, not defaulting.
///
/// - ExternalName services get neither field.
/// - Headless services without a selector default to `RequireDualStack` and, unless the policy
///   is `SingleStack`, list both families (`[IPv4, IPv6]`), even on a single-stack cluster.
/// - Everything else defaults to `SingleStack`, with the family inferred from a requested
///   ClusterIP, else `IPv4`.
///
/// On update upstream keeps the stored policy when the request omits it; this function
/// recomputes it from the request instead, which differs only if a selectorless headless
/// service gains a selector without naming a policy. Rejections (`RequireDualStack` on this
/// single-stack cluster, an IPv6 ClusterIP) are left to validation.
pub fn init_service_ip_family_fields(spec: &mut ServiceSpec) {
    if spec.type_.as_deref() == Some("ExternalName") {
        return;
    }
    let cluster_ips: Vec<String> = match &spec.cluster_ips {
        Some(ips) if !ips.is_empty() => ips.clone(),
        _ => spec.cluster_ip.clone().into_iter().collect(),
    };
    let headless = cluster_ips.first().map(String::as_str) == Some("None");
    let selectorless = spec.selector.as_ref().is_none_or(BTreeMap::is_empty);
    let policy = spec
        .ip_family_policy
        .get_or_insert_with(|| {
            if headless && selectorless {
                "RequireDualStack".to_string()
            } else {
                "SingleStack".to_string()
            }
        })
        .clone();
    let families = spec.ip_families.get_or_insert_with(Vec::new);
    for (index, ip) in cluster_ips.iter().enumerate() {
        if ip == "None" {
            break;
        }
        let family = if ip.contains(':') {
            "IPv6"
        } else if ip.contains('.') {
            "IPv4"
        } else {
            break; // empty or malformed: validation reports it
        };
        if index >= families.len() {
            families.push(family.to_string());
        }
    }
    if families.is_empty() {
        families.push("IPv4".to_string());
    }
    if headless && selectorless && families.len() < 2 && policy != "SingleStack" {
        let other = if families[0] == "IPv4" {
            "IPv6"
        } else {
            "IPv4"
        };
        families.push(other.to_string());
    }
}

/// `SetDefaults_Endpoints`: every subset port's protocol is `TCP` when empty.
fn default_endpoints(endpoints: &mut Endpoints) {
    for subset in endpoints.subsets.iter_mut().flatten() {
        for port in subset.ports.iter_mut().flatten() {
            set_if_unset(&mut port.protocol, "TCP");
        }
    }
}

/// `SetDefaults_EndpointPort` (discovery/v1): name `""` and protocol `TCP` when absent.
fn default_endpoint_slice(slice: &mut EndpointSlice) {
    for port in slice.ports.iter_mut().flatten() {
        port.name.get_or_insert_with(String::new);
        port.protocol.get_or_insert_with(|| "TCP".to_string());
    }
}

// ----- core/v1: the rest -----

/// `SetDefaults_Namespace`: the immutable `kubernetes.io/metadata.name` label, for named
/// namespaces only (a `generateName` namespace gets it from the strategy after naming).
fn default_namespace(ns: &mut Namespace) {
    let Some(name) = ns.metadata.name.clone().filter(|n| !n.is_empty()) else {
        return;
    };
    ns.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert("kubernetes.io/metadata.name".to_string(), name);
}

/// `SetDefaults_Secret`: type `Opaque`.
fn default_secret(secret: &mut Secret) {
    set_if_unset(&mut secret.type_, "Opaque");
}

/// `SetDefaults_NodeStatus`: allocatable equals capacity when not reported.
fn default_node(node: &mut Node) {
    if let Some(status) = node.status.as_mut()
        && status.allocatable.is_none()
        && let Some(capacity) = status.capacity.clone()
    {
        status.allocatable = Some(capacity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use serde_json::{Value, json};

    fn defaulted_with(kind: Kind, v: Value, opts: &DefaultOptions) -> Value {
        let mut obj = Object::from_json(kind, v).expect("test manifest decodes");
        apply_defaults(&mut obj, opts);
        obj.to_json()
    }

    fn defaulted(kind: Kind, v: Value) -> Value {
        defaulted_with(kind, v, &DefaultOptions::default())
    }

    fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
        v.pointer(pointer).unwrap_or(&Value::Null)
    }

    // ----- fixtures -----

    fn container(image: &str) -> Value {
        json!({"name": "c", "image": image})
    }

    fn sts_with_spec(extra: Value) -> Value {
        let mut spec = json!({
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container("nginx:1.25")]}
            }
        });
        if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                s.insert(k.clone(), v.clone());
            }
        }
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "web", "namespace": "default"}, "spec": spec})
    }

    fn sts(extra: Value) -> Value {
        defaulted(Kind::StatefulSet, sts_with_spec(extra))
    }

    fn pod_with_spec(spec: Value) -> Value {
        defaulted(
            Kind::Pod,
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "namespace": "default"}, "spec": spec}),
        )
    }

    fn pod(containers: Value) -> Value {
        pod_with_spec(json!({"containers": containers}))
    }

    fn service(spec: Value) -> Value {
        defaulted(
            Kind::Service,
            json!({"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": "s", "namespace": "default"}, "spec": spec}),
        )
    }

    fn pull_policy(image: &str) -> Value {
        at(
            &pod(json!([container(image)])),
            "/spec/containers/0/imagePullPolicy",
        )
        .clone()
    }

    const SHA: &str = "4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac";

    // ----- StatefulSet D1–D11 -----

    #[test]
    fn d1_pod_management_policy_defaults_to_ordered_ready() {
        assert_eq!(
            at(&sts(json!({})), "/spec/podManagementPolicy"),
            "OrderedReady"
        );
        let parallel = sts(json!({"podManagementPolicy": "Parallel"}));
        assert_eq!(at(&parallel, "/spec/podManagementPolicy"), "Parallel");
    }

    #[test]
    fn d2_empty_update_strategy_becomes_rolling_update_with_a_rolling_update_block() {
        let out = sts(json!({}));
        assert_eq!(at(&out, "/spec/updateStrategy/type"), "RollingUpdate");
        assert!(at(&out, "/spec/updateStrategy/rollingUpdate").is_object());
        let empty_type = sts(json!({"updateStrategy": {}}));
        assert!(at(&empty_type, "/spec/updateStrategy/rollingUpdate").is_object());
    }

    #[test]
    fn d2_explicit_rolling_update_without_block_keeps_rolling_update_nil() {
        let out = sts(json!({"updateStrategy": {"type": "RollingUpdate"}}));
        assert_eq!(
            at(&out, "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate"})
        );
    }

    #[test]
    fn d2_empty_type_with_a_block_keeps_the_users_values() {
        let out = sts(json!({"updateStrategy": {"rollingUpdate": {"partition": 2}}}));
        assert_eq!(at(&out, "/spec/updateStrategy/type"), "RollingUpdate");
        assert_eq!(at(&out, "/spec/updateStrategy/rollingUpdate/partition"), 2);
    }

    #[test]
    fn d3_partition_defaults_to_zero_when_the_block_exists() {
        let out = sts(json!({}));
        assert_eq!(at(&out, "/spec/updateStrategy/rollingUpdate/partition"), 0);
        let explicit = sts(json!({"updateStrategy": {"type": "RollingUpdate",
                                                     "rollingUpdate": {"maxUnavailable": 2}}}));
        assert_eq!(
            at(&explicit, "/spec/updateStrategy/rollingUpdate/partition"),
            0
        );
        assert_eq!(
            at(
                &explicit,
                "/spec/updateStrategy/rollingUpdate/maxUnavailable"
            ),
            2
        );
    }

    #[test]
    fn d4_max_unavailable_defaults_to_one_when_the_gate_is_on() {
        let out = sts(json!({}));
        assert_eq!(
            at(&out, "/spec/updateStrategy/rollingUpdate/maxUnavailable"),
            1
        );
        let percent = sts(json!({"updateStrategy": {"rollingUpdate": {"maxUnavailable": "50%"}}}));
        assert_eq!(
            at(
                &percent,
                "/spec/updateStrategy/rollingUpdate/maxUnavailable"
            ),
            "50%"
        );
    }

    #[test]
    fn d4_max_unavailable_not_defaulted_when_the_gate_is_off() {
        let off = DefaultOptions {
            max_unavailable_gate: false,
        };
        let out = defaulted_with(Kind::StatefulSet, sts_with_spec(json!({})), &off);
        assert_eq!(
            at(&out, "/spec/updateStrategy/rollingUpdate"),
            &json!({"partition": 0})
        );
    }

    #[test]
    fn d4_max_unavailable_not_defaulted_when_rolling_update_is_nil() {
        let out = sts(json!({"updateStrategy": {"type": "RollingUpdate"}}));
        assert!(at(&out, "/spec/updateStrategy/rollingUpdate").is_null());
    }

    #[test]
    fn d5_retention_policy_defaults_to_retain_retain() {
        let out = sts(json!({}));
        assert_eq!(
            at(&out, "/spec/persistentVolumeClaimRetentionPolicy"),
            &json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
    }

    #[test]
    fn d5_each_empty_retention_field_defaults_individually() {
        let out = sts(json!({"persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}}));
        assert_eq!(
            at(&out, "/spec/persistentVolumeClaimRetentionPolicy"),
            &json!({"whenDeleted": "Retain", "whenScaled": "Delete"})
        );
        let other = sts(json!({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete"}}));
        assert_eq!(
            at(&other, "/spec/persistentVolumeClaimRetentionPolicy"),
            &json!({"whenDeleted": "Delete", "whenScaled": "Retain"})
        );
    }

    #[test]
    fn d6_replicas_default_to_one_but_explicit_zero_is_kept() {
        assert_eq!(at(&sts(json!({})), "/spec/replicas"), 1);
        assert_eq!(at(&sts(json!({"replicas": 0})), "/spec/replicas"), 0);
    }

    #[test]
    fn d7_revision_history_limit_defaults_to_ten() {
        assert_eq!(at(&sts(json!({})), "/spec/revisionHistoryLimit"), 10);
        assert_eq!(
            at(
                &sts(json!({"revisionHistoryLimit": 3})),
                "/spec/revisionHistoryLimit"
            ),
            3
        );
    }

    #[test]
    fn d8_min_ready_seconds_is_not_defaulted() {
        assert!(at(&sts(json!({})), "/spec/minReadySeconds").is_null());
    }

    #[test]
    fn d9_ordinals_are_not_defaulted() {
        assert!(at(&sts(json!({})), "/spec/ordinals").is_null());
        assert_eq!(
            at(&sts(json!({"ordinals": {}})), "/spec/ordinals"),
            &json!({})
        );
    }

    #[test]
    fn d10_service_name_is_not_defaulted() {
        assert!(at(&sts(json!({})), "/spec/serviceName").is_null());
    }

    #[test]
    fn d11_on_delete_gets_no_rolling_update_and_a_user_block_is_left_for_validation() {
        let out = sts(json!({"updateStrategy": {"type": "OnDelete"}}));
        assert_eq!(
            at(&out, "/spec/updateStrategy"),
            &json!({"type": "OnDelete"})
        );
        let bad = sts(json!({"updateStrategy": {"type": "OnDelete", "rollingUpdate": {}}}));
        assert_eq!(
            at(&bad, "/spec/updateStrategy"),
            &json!({"type": "OnDelete", "rollingUpdate": {}})
        );
    }

    #[test]
    fn statefulset_template_gets_pod_spec_defaults_but_not_pod_only_defaults() {
        let out = sts(json!({"template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"hostNetwork": true, "containers": [{
                "name": "c", "image": "nginx",
                "ports": [{"containerPort": 80}],
                "resources": {"limits": {"cpu": "1"}}
            }]}
        }}));
        let spec = at(&out, "/spec/template/spec");
        assert_eq!(at(spec, "/restartPolicy"), "Always");
        assert_eq!(at(spec, "/dnsPolicy"), "ClusterFirst");
        assert_eq!(at(spec, "/schedulerName"), "default-scheduler");
        assert_eq!(at(spec, "/terminationGracePeriodSeconds"), 30);
        assert_eq!(at(spec, "/securityContext"), &json!({}));
        assert_eq!(at(spec, "/containers/0/imagePullPolicy"), "Always");
        assert_eq!(at(spec, "/containers/0/ports/0/protocol"), "TCP");
        // Pod-only rules stay out of templates.
        assert!(at(spec, "/enableServiceLinks").is_null());
        assert!(at(spec, "/containers/0/ports/0/hostPort").is_null());
        assert!(at(spec, "/containers/0/resources/requests").is_null());
    }

    #[test]
    fn statefulset_claim_templates_get_volume_mode_and_pending_status() {
        let out = sts(json!({"volumeClaimTemplates": [{
            "metadata": {"name": "www"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}
        }, {
            "metadata": {"name": "raw"},
            "spec": {"volumeMode": "Block", "resources": {"requests": {"storage": "1Gi"}}}
        }]}));
        assert_eq!(
            at(&out, "/spec/volumeClaimTemplates/0/spec/volumeMode"),
            "Filesystem"
        );
        assert_eq!(
            at(&out, "/spec/volumeClaimTemplates/0/status"),
            &json!({"phase": "Pending"})
        );
        assert_eq!(
            at(&out, "/spec/volumeClaimTemplates/1/spec/volumeMode"),
            "Block"
        );
    }

    /// The web.yaml StatefulSet of the StatefulSet Basics tutorial, as a v1.35 server stores it
    /// (the spec `kubectl get sts web -o yaml` prints).
    fn web_statefulset() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": {"app": "nginx"}},
                "serviceName": "nginx",
                "replicas": 2,
                "minReadySeconds": 10,
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 10,
                        "containers": [{
                            "name": "nginx",
                            "image": "registry.k8s.io/nginx-slim:0.24",
                            "ports": [{"containerPort": 80, "name": "web"}],
                            "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]
                        }]
                    }
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "www"},
                    "spec": {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "1Gi"}}}
                }]
            }
        })
    }

    #[test]
    fn web_statefulset_spec_matches_what_a_real_server_returns() {
        let out = defaulted(Kind::StatefulSet, web_statefulset());
        let expected = json!({
            "minReadySeconds": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "podManagementPolicy": "OrderedReady",
            "replicas": 2,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "nginx"}},
            "serviceName": "nginx",
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{
                        "image": "registry.k8s.io/nginx-slim:0.24",
                        "imagePullPolicy": "IfNotPresent",
                        "name": "nginx",
                        "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}],
                        "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "volumeMounts": [{"mountPath": "/usr/share/nginx/html", "name": "www"}]
                    }],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                    "terminationGracePeriodSeconds": 10
                }
            },
            "updateStrategy": {
                "rollingUpdate": {"maxUnavailable": 1, "partition": 0},
                "type": "RollingUpdate"
            },
            "volumeClaimTemplates": [{
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "www"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                    "volumeMode": "Filesystem"
                },
                "status": {"phase": "Pending"}
            }]
        });
        assert_eq!(at(&out, "/spec"), &expected);
    }

    #[test]
    fn defaulting_a_full_statefulset_twice_equals_once() {
        let mut manifest = web_statefulset();
        if let Some(spec) = manifest.pointer_mut("/spec/template/spec") {
            spec["initContainers"] = json!([{
                "name": "init", "image": "busybox",
                "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
            }]);
            spec["volumes"] = json!([
                {"name": "cfg", "configMap": {"name": "cfg"}},
                {"name": "scratch"},
                {"name": "host", "hostPath": {"path": "/tmp"}}
            ]);
            spec["containers"][0]["readinessProbe"] =
                json!({"httpGet": {"port": 80}, "initialDelaySeconds": 5});
        }
        let mut once = Object::from_json(Kind::StatefulSet, manifest).expect("decodes");
        apply_defaults(&mut once, &DefaultOptions::default());
        let mut twice = once.clone();
        apply_defaults(&mut twice, &DefaultOptions::default());
        assert_eq!(once, twice);
    }

    // ----- Pod: SetDefaults_PodSpec and SetDefaults_Pod -----

    #[test]
    fn pod_restart_policy_defaults_to_always() {
        assert_eq!(
            at(&pod(json!([container("a")])), "/spec/restartPolicy"),
            "Always"
        );
        let never = pod_with_spec(json!({"restartPolicy": "Never", "containers": []}));
        assert_eq!(at(&never, "/spec/restartPolicy"), "Never");
    }

    #[test]
    fn pod_dns_policy_defaults_to_cluster_first() {
        assert_eq!(at(&pod(json!([])), "/spec/dnsPolicy"), "ClusterFirst");
    }

    #[test]
    fn pod_termination_grace_period_defaults_to_thirty_seconds() {
        assert_eq!(
            at(&pod(json!([])), "/spec/terminationGracePeriodSeconds"),
            30
        );
        let zero = pod_with_spec(json!({"terminationGracePeriodSeconds": 0, "containers": []}));
        assert_eq!(at(&zero, "/spec/terminationGracePeriodSeconds"), 0);
    }

    #[test]
    fn pod_security_context_defaults_to_empty_object() {
        assert_eq!(at(&pod(json!([])), "/spec/securityContext"), &json!({}));
    }

    #[test]
    fn pod_scheduler_name_defaults_to_default_scheduler() {
        assert_eq!(
            at(&pod(json!([])), "/spec/schedulerName"),
            "default-scheduler"
        );
    }

    #[test]
    fn pod_enable_service_links_defaults_to_true() {
        assert_eq!(at(&pod(json!([])), "/spec/enableServiceLinks"), true);
        let off = pod_with_spec(json!({"enableServiceLinks": false, "containers": []}));
        assert_eq!(at(&off, "/spec/enableServiceLinks"), false);
    }

    #[test]
    fn pod_host_network_copies_container_ports_to_host_ports() {
        let out = pod_with_spec(json!({
            "hostNetwork": true,
            "initContainers": [{"name": "i", "image": "x", "ports": [{"containerPort": 9000}]}],
            "containers": [{"name": "c", "image": "x",
                            "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 8081}]}]
        }));
        assert_eq!(at(&out, "/spec/containers/0/ports/0/hostPort"), 80);
        assert_eq!(at(&out, "/spec/containers/0/ports/1/hostPort"), 8081);
        assert_eq!(at(&out, "/spec/initContainers/0/ports/0/hostPort"), 9000);
        let no_host = pod(json!([{"name": "c", "image": "x", "ports": [{"containerPort": 80}]}]));
        assert!(at(&no_host, "/spec/containers/0/ports/0/hostPort").is_null());
    }

    #[test]
    fn kubectl_run_pod_spec_matches_what_a_real_server_returns_before_admission() {
        // `kubectl run nginx --image=nginx`; service account, tolerations and priority are
        // added later by admission.
        let out = pod(json!([{"name": "nginx", "image": "nginx"}]));
        let expected = json!({
            "containers": [{
                "image": "nginx",
                "imagePullPolicy": "Always",
                "name": "nginx",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File"
            }],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": true,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30
        });
        assert_eq!(at(&out, "/spec"), &expected);
    }

    #[test]
    fn image_pull_policy_untagged_is_always() {
        assert_eq!(pull_policy("nginx"), "Always");
    }

    #[test]
    fn image_pull_policy_latest_is_always() {
        assert_eq!(pull_policy("nginx:latest"), "Always");
    }

    #[test]
    fn image_pull_policy_versioned_tag_is_if_not_present() {
        assert_eq!(pull_policy("nginx:1.25"), "IfNotPresent");
    }

    #[test]
    fn image_pull_policy_registry_port_is_not_a_tag() {
        assert_eq!(pull_policy("registry:5000/nginx"), "Always");
        assert_eq!(pull_policy("registry:5000/nginx:1.25"), "IfNotPresent");
        assert_eq!(pull_policy("localhost/team/app"), "Always");
    }

    #[test]
    fn image_pull_policy_digest_is_if_not_present() {
        assert_eq!(pull_policy(&format!("nginx@sha256:{SHA}")), "IfNotPresent");
        assert_eq!(pull_policy(&format!("nginx:latest@sha256:{SHA}")), "Always");
    }

    #[test]
    fn image_pull_policy_unparsable_reference_is_if_not_present() {
        assert_eq!(pull_policy("Nginx"), "IfNotPresent");
        assert_eq!(pull_policy("nginx:LATEST"), "IfNotPresent");
        assert_eq!(pull_policy("nginx@sha256:abc"), "IfNotPresent");
        assert_eq!(pull_policy(""), "IfNotPresent");
    }

    #[test]
    fn image_pull_policy_explicit_value_is_kept() {
        let out = pod(json!([{"name": "c", "image": "nginx", "imagePullPolicy": "Never"}]));
        assert_eq!(at(&out, "/spec/containers/0/imagePullPolicy"), "Never");
    }

    #[test]
    fn container_termination_message_defaults() {
        let out = pod(json!([container("nginx")]));
        assert_eq!(
            at(&out, "/spec/containers/0/terminationMessagePath"),
            "/dev/termination-log"
        );
        assert_eq!(
            at(&out, "/spec/containers/0/terminationMessagePolicy"),
            "File"
        );
    }

    #[test]
    fn container_resources_always_present() {
        assert_eq!(
            at(
                &pod(json!([container("a")])),
                "/spec/containers/0/resources"
            ),
            &json!({})
        );
    }

    #[test]
    fn container_port_protocol_defaults_to_tcp() {
        let out = pod(json!([{"name": "c", "image": "x",
                              "ports": [{"containerPort": 53}, {"containerPort": 53, "protocol": "UDP"}]}]));
        assert_eq!(at(&out, "/spec/containers/0/ports/0/protocol"), "TCP");
        assert_eq!(at(&out, "/spec/containers/0/ports/1/protocol"), "UDP");
    }

    #[test]
    fn probe_defaults() {
        let out = pod(json!([{"name": "c", "image": "x",
            "livenessProbe": {"httpGet": {"port": 8080}},
            "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 5},
            "startupProbe": {"grpc": {"port": 9000}}}]));
        assert_eq!(
            at(&out, "/spec/containers/0/livenessProbe"),
            &json!({"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
                    "timeoutSeconds": 1, "periodSeconds": 10,
                    "successThreshold": 1, "failureThreshold": 3})
        );
        assert_eq!(
            at(&out, "/spec/containers/0/readinessProbe/periodSeconds"),
            5
        );
        assert_eq!(at(&out, "/spec/containers/0/startupProbe/grpc/service"), "");
    }

    #[test]
    fn lifecycle_http_hooks_get_path_and_scheme() {
        let out = pod(json!([{"name": "c", "image": "x",
            "lifecycle": {"preStop": {"httpGet": {"port": 80, "path": "/quit"}}}}]));
        assert_eq!(
            at(&out, "/spec/containers/0/lifecycle/preStop/httpGet"),
            &json!({"path": "/quit", "port": 80, "scheme": "HTTP"})
        );
    }

    #[test]
    fn env_field_ref_api_version_defaults_to_v1() {
        let out = pod(json!([{"name": "c", "image": "x",
            "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]));
        assert_eq!(
            at(
                &out,
                "/spec/containers/0/env/0/valueFrom/fieldRef/apiVersion"
            ),
            "v1"
        );
    }

    #[test]
    fn pod_requests_default_to_limits_only_where_missing() {
        let out = pod(json!([{"name": "c", "image": "x", "resources": {
            "limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}}]));
        assert_eq!(
            at(&out, "/spec/containers/0/resources/requests"),
            &json!({"cpu": "500m", "memory": "1Gi"})
        );
        let init = pod_with_spec(json!({"containers": [],
            "initContainers": [{"name": "i", "image": "x", "resources": {"limits": {"cpu": "1"}}}]}));
        assert_eq!(
            at(&init, "/spec/initContainers/0/resources/requests"),
            &json!({"cpu": "1"})
        );
    }

    #[test]
    fn init_and_ephemeral_containers_get_container_defaults() {
        let out = pod_with_spec(json!({
            "containers": [],
            "initContainers": [container("busybox:1.36")],
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}]
        }));
        assert_eq!(
            at(&out, "/spec/initContainers/0/imagePullPolicy"),
            "IfNotPresent"
        );
        assert_eq!(
            at(&out, "/spec/initContainers/0/terminationMessagePolicy"),
            "File"
        );
        assert_eq!(
            at(&out, "/spec/ephemeralContainers/0/imagePullPolicy"),
            "Always"
        );
        assert_eq!(
            at(&out, "/spec/ephemeralContainers/0/terminationMessagePath"),
            "/dev/termination-log"
        );
    }

    #[test]
    fn volume_default_modes_are_0644() {
        let out = pod_with_spec(json!({"containers": [], "volumes": [
            {"name": "a", "configMap": {"name": "cm"}},
            {"name": "b", "secret": {"secretName": "s"}},
            {"name": "c", "downwardAPI": {"items": [{"path": "n",
                "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"name": "d", "projected": {"sources": [
                {"serviceAccountToken": {"path": "token"}}]}},
            {"name": "e", "secret": {"secretName": "s", "defaultMode": 256}}
        ]}));
        assert_eq!(at(&out, "/spec/volumes/0/configMap/defaultMode"), 420);
        assert_eq!(at(&out, "/spec/volumes/1/secret/defaultMode"), 420);
        assert_eq!(at(&out, "/spec/volumes/2/downwardAPI/defaultMode"), 420);
        assert_eq!(
            at(
                &out,
                "/spec/volumes/2/downwardAPI/items/0/fieldRef/apiVersion"
            ),
            "v1"
        );
        assert_eq!(at(&out, "/spec/volumes/3/projected/defaultMode"), 420);
        assert_eq!(
            at(
                &out,
                "/spec/volumes/3/projected/sources/0/serviceAccountToken/expirationSeconds"
            ),
            3600
        );
        assert_eq!(at(&out, "/spec/volumes/4/secret/defaultMode"), 256);
    }

    #[test]
    fn host_path_type_defaults_to_empty_string() {
        let out = pod_with_spec(json!({"containers": [],
            "volumes": [{"name": "h", "hostPath": {"path": "/data"}}]}));
        assert_eq!(
            at(&out, "/spec/volumes/0/hostPath"),
            &json!({"path": "/data", "type": ""})
        );
    }

    #[test]
    fn empty_dir_is_kept_and_a_sourceless_volume_becomes_empty_dir() {
        let out = pod_with_spec(json!({"containers": [], "volumes": [
            {"name": "a", "emptyDir": {"medium": "Memory"}},
            {"name": "b"}
        ]}));
        assert_eq!(
            at(&out, "/spec/volumes/0"),
            &json!({"name": "a", "emptyDir": {"medium": "Memory"}})
        );
        assert_eq!(
            at(&out, "/spec/volumes/1"),
            &json!({"name": "b", "emptyDir": {}})
        );
    }

    #[test]
    fn ephemeral_volume_claim_template_gets_volume_mode() {
        let out = pod_with_spec(
            json!({"containers": [], "volumes": [{"name": "e", "ephemeral": {
            "volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}}}}}]}),
        );
        assert_eq!(
            at(
                &out,
                "/spec/volumes/0/ephemeral/volumeClaimTemplate/spec/volumeMode"
            ),
            "Filesystem"
        );
    }

    // ----- storage -----

    #[test]
    fn pvc_volume_mode_defaults_to_filesystem() {
        let claim = |spec: Value| {
            defaulted(
                Kind::PersistentVolumeClaim,
                json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": {"name": "c", "namespace": "default"}, "spec": spec}),
            )
        };
        let out = claim(json!({"accessModes": ["ReadWriteOnce"],
                               "resources": {"requests": {"storage": "1Gi"}}}));
        assert_eq!(at(&out, "/spec/volumeMode"), "Filesystem");
        assert!(
            at(&out, "/status").is_null(),
            "status belongs to the create strategy"
        );
        assert_eq!(
            at(&claim(json!({"volumeMode": "Block"})), "/spec/volumeMode"),
            "Block"
        );
    }

    #[test]
    fn pv_reclaim_policy_retain_and_volume_mode_filesystem() {
        let out = defaulted(
            Kind::PersistentVolume,
            json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
                   "spec": {"capacity": {"storage": "1Gi"}, "hostPath": {"path": "/pv"}}}),
        );
        assert_eq!(at(&out, "/spec/persistentVolumeReclaimPolicy"), "Retain");
        assert_eq!(at(&out, "/spec/volumeMode"), "Filesystem");
        assert_eq!(at(&out, "/spec/hostPath/type"), "");
        assert!(
            at(&out, "/status").is_null(),
            "status belongs to the create strategy"
        );
    }

    #[test]
    fn storage_class_reclaim_delete_and_binding_immediate() {
        let sc = |extra: Value| {
            let mut v = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                               "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"});
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                o.extend(e.clone());
            }
            defaulted(Kind::StorageClass, v)
        };
        let out = sc(json!({}));
        assert_eq!(at(&out, "/reclaimPolicy"), "Delete");
        assert_eq!(at(&out, "/volumeBindingMode"), "Immediate");
        let wffc =
            sc(json!({"volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Retain"}));
        assert_eq!(at(&wffc, "/volumeBindingMode"), "WaitForFirstConsumer");
        assert_eq!(at(&wffc, "/reclaimPolicy"), "Retain");
    }

    // ----- services -----

    #[test]
    fn service_type_and_session_affinity_defaults() {
        let out = service(json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}));
        assert_eq!(at(&out, "/spec/type"), "ClusterIP");
        assert_eq!(at(&out, "/spec/sessionAffinity"), "None");
        assert!(at(&out, "/spec/sessionAffinityConfig").is_null());
    }

    #[test]
    fn service_session_affinity_none_drops_config_and_client_ip_gets_timeout() {
        let none = service(json!({"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}}));
        assert!(at(&none, "/spec/sessionAffinityConfig").is_null());
        let client = service(json!({"sessionAffinity": "ClientIP"}));
        assert_eq!(
            at(
                &client,
                "/spec/sessionAffinityConfig/clientIP/timeoutSeconds"
            ),
            10800
        );
    }

    #[test]
    fn service_port_protocol_and_target_port_defaults() {
        let out = service(json!({"ports": [
            {"port": 80},
            {"port": 443, "targetPort": "https", "protocol": "TCP"},
            {"port": 53, "targetPort": 0, "protocol": "UDP"}
        ]}));
        assert_eq!(
            at(&out, "/spec/ports/0"),
            &json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(at(&out, "/spec/ports/1/targetPort"), "https");
        assert_eq!(
            at(&out, "/spec/ports/2"),
            &json!({"port": 53, "protocol": "UDP", "targetPort": 53})
        );
    }

    #[test]
    fn service_internal_traffic_policy_cluster_except_external_name() {
        let out = service(json!({"ports": [{"port": 80}]}));
        assert_eq!(at(&out, "/spec/internalTrafficPolicy"), "Cluster");
        let ext = service(json!({"type": "ExternalName", "externalName": "example.com"}));
        assert!(at(&ext, "/spec/internalTrafficPolicy").is_null());
        assert!(at(&ext, "/spec/ipFamilyPolicy").is_null());
        assert!(at(&ext, "/spec/ipFamilies").is_null());
    }

    #[test]
    fn service_external_traffic_policy_only_when_externally_accessible() {
        let cluster_ip = service(json!({"ports": [{"port": 80}]}));
        assert!(at(&cluster_ip, "/spec/externalTrafficPolicy").is_null());
        let node_port = service(json!({"type": "NodePort", "ports": [{"port": 80}]}));
        assert_eq!(at(&node_port, "/spec/externalTrafficPolicy"), "Cluster");
        let external_ips = service(json!({"externalIPs": ["1.2.3.4"], "ports": [{"port": 80}]}));
        assert_eq!(at(&external_ips, "/spec/externalTrafficPolicy"), "Cluster");
    }

    #[test]
    fn load_balancer_allocates_node_ports_by_default() {
        let out = service(json!({"type": "LoadBalancer", "ports": [{"port": 80}]}));
        assert_eq!(at(&out, "/spec/allocateLoadBalancerNodePorts"), true);
        let cip = service(json!({"ports": [{"port": 80}]}));
        assert!(at(&cip, "/spec/allocateLoadBalancerNodePorts").is_null());
    }

    #[test]
    fn service_ip_family_fields_single_stack_ipv4() {
        let out = service(json!({"selector": {"app": "web"}, "ports": [{"port": 80}]}));
        assert_eq!(at(&out, "/spec/ipFamilyPolicy"), "SingleStack");
        assert_eq!(at(&out, "/spec/ipFamilies"), &json!(["IPv4"]));
    }

    #[test]
    fn headless_service_with_selector_is_single_stack() {
        let out = service(json!({"clusterIP": "None", "selector": {"app": "nginx"},
                                 "ports": [{"port": 80, "name": "web"}]}));
        assert_eq!(at(&out, "/spec/ipFamilyPolicy"), "SingleStack");
        assert_eq!(at(&out, "/spec/ipFamilies"), &json!(["IPv4"]));
    }

    #[test]
    fn headless_selectorless_service_requires_dual_stack_and_lists_both_families() {
        let out = service(json!({"clusterIP": "None", "ports": [{"port": 80}]}));
        assert_eq!(at(&out, "/spec/ipFamilyPolicy"), "RequireDualStack");
        assert_eq!(at(&out, "/spec/ipFamilies"), &json!(["IPv4", "IPv6"]));
        let single = service(json!({"clusterIP": "None", "ipFamilyPolicy": "SingleStack"}));
        assert_eq!(at(&single, "/spec/ipFamilies"), &json!(["IPv4"]));
    }

    #[test]
    fn tutorial_headless_service_spec_matches_what_a_real_server_returns() {
        // ClusterIP allocation (`clusterIPs: [None]`) is admission's; everything else is here.
        let out = service(json!({"clusterIP": "None", "selector": {"app": "nginx"},
                                 "ports": [{"port": 80, "name": "web"}]}));
        let expected = json!({
            "clusterIP": "None",
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"app": "nginx"},
            "sessionAffinity": "None",
            "type": "ClusterIP"
        });
        assert_eq!(at(&out, "/spec"), &expected);
    }

    #[test]
    fn endpoints_port_protocol_defaults_to_tcp() {
        let out = defaulted(
            Kind::Endpoints,
            json!({"apiVersion": "v1", "kind": "Endpoints",
                   "metadata": {"name": "e", "namespace": "default"},
                   "subsets": [{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"port": 80}]}]}),
        );
        assert_eq!(at(&out, "/subsets/0/ports/0/protocol"), "TCP");
    }

    #[test]
    fn endpoint_slice_port_name_and_protocol_defaults() {
        let out = defaulted(
            Kind::EndpointSlice,
            json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                   "metadata": {"name": "e", "namespace": "default"}, "addressType": "IPv4",
                   "endpoints": [], "ports": [{"port": 80}]}),
        );
        assert_eq!(
            at(&out, "/ports/0"),
            &json!({"name": "", "port": 80, "protocol": "TCP"})
        );
    }

    // ----- other core kinds -----

    #[test]
    fn namespace_gets_metadata_name_label() {
        let out = defaulted(
            Kind::Namespace,
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "prod", "labels": {"kubernetes.io/metadata.name": "x"}}}),
        );
        assert_eq!(
            at(&out, "/metadata/labels"),
            &json!({"kubernetes.io/metadata.name": "prod"})
        );
        let unnamed = defaulted(
            Kind::Namespace,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"generateName": "ns-"}}),
        );
        assert!(at(&unnamed, "/metadata/labels").is_null());
    }

    #[test]
    fn secret_type_defaults_to_opaque() {
        let secret = |extra: Value| {
            let mut v = json!({"apiVersion": "v1", "kind": "Secret",
                               "metadata": {"name": "s", "namespace": "default"}});
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                o.extend(e.clone());
            }
            defaulted(Kind::Secret, v)
        };
        assert_eq!(at(&secret(json!({})), "/type"), "Opaque");
        assert_eq!(
            at(&secret(json!({"type": "kubernetes.io/tls"})), "/type"),
            "kubernetes.io/tls"
        );
    }

    #[test]
    fn node_allocatable_defaults_to_capacity() {
        let out = defaulted(
            Kind::Node,
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"},
                   "status": {"capacity": {"cpu": "4", "pods": "110"}}}),
        );
        assert_eq!(
            at(&out, "/status/allocatable"),
            &json!({"cpu": "4", "pods": "110"})
        );
    }

    #[test]
    fn kinds_without_defaults_are_unchanged() {
        let cases = [
            (
                Kind::ConfigMap,
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "default"}}),
            ),
            (
                Kind::ServiceAccount,
                json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": "default"}}),
            ),
            (
                Kind::ControllerRevision,
                json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": "web-1", "namespace": "default"}, "revision": 1}),
            ),
            (
                Kind::PodDisruptionBudget,
                json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "p", "namespace": "default"},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}}),
            ),
            (
                Kind::Event,
                json!({"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": "e", "namespace": "default"},
                "involvedObject": {"kind": "Pod", "name": "p"}}),
            ),
        ];
        for (kind, manifest) in cases {
            let before = Object::from_json(kind, manifest).expect("decodes");
            let mut after = before.clone();
            apply_defaults(&mut after, &DefaultOptions::default());
            assert_eq!(before, after, "{kind} changed");
        }
    }

    // ----- other workloads -----

    fn workload(kind: Kind, api_version: &str, spec: Value) -> Value {
        defaulted(
            kind,
            json!({"apiVersion": api_version, "kind": kind.to_string(),
                   "metadata": {"name": "w", "namespace": "default"}, "spec": spec}),
        )
    }

    fn template() -> Value {
        json!({"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [container("nginx")]}})
    }

    #[test]
    fn deployment_defaults() {
        let out = workload(
            Kind::Deployment,
            "apps/v1",
            json!({"selector": {"matchLabels": {"app": "w"}}, "template": template()}),
        );
        assert_eq!(at(&out, "/spec/replicas"), 1);
        assert_eq!(
            at(&out, "/spec/strategy"),
            &json!({"type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
        );
        assert_eq!(at(&out, "/spec/revisionHistoryLimit"), 10);
        assert_eq!(at(&out, "/spec/progressDeadlineSeconds"), 600);
        assert_eq!(at(&out, "/spec/template/spec/restartPolicy"), "Always");
        let recreate = workload(
            Kind::Deployment,
            "apps/v1",
            json!({"strategy": {"type": "Recreate"}, "template": template()}),
        );
        assert_eq!(
            at(&recreate, "/spec/strategy"),
            &json!({"type": "Recreate"})
        );
    }

    #[test]
    fn replicaset_defaults() {
        let out = workload(Kind::ReplicaSet, "apps/v1", json!({"template": template()}));
        assert_eq!(at(&out, "/spec/replicas"), 1);
        assert_eq!(at(&out, "/spec/template/spec/dnsPolicy"), "ClusterFirst");
    }

    #[test]
    fn daemonset_defaults() {
        let out = workload(Kind::DaemonSet, "apps/v1", json!({"template": template()}));
        assert_eq!(
            at(&out, "/spec/updateStrategy"),
            &json!({"type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}})
        );
        assert_eq!(at(&out, "/spec/revisionHistoryLimit"), 10);
        assert_eq!(
            at(&out, "/spec/template/spec/schedulerName"),
            "default-scheduler"
        );
    }

    #[test]
    fn job_defaults() {
        let out = workload(Kind::Job, "batch/v1", json!({"template": template()}));
        let spec = at(&out, "/spec");
        assert_eq!(at(spec, "/completions"), 1);
        assert_eq!(at(spec, "/parallelism"), 1);
        assert_eq!(at(spec, "/backoffLimit"), 6);
        assert_eq!(at(spec, "/completionMode"), "NonIndexed");
        assert_eq!(at(spec, "/suspend"), false);
        assert_eq!(at(spec, "/podReplacementPolicy"), "TerminatingOrFailed");
        assert_eq!(at(spec, "/manualSelector"), false);
        assert_eq!(at(spec, "/template/spec/terminationGracePeriodSeconds"), 30);
        assert_eq!(at(&out, "/metadata/labels"), &json!({"app": "w"}));
    }

    #[test]
    fn job_parallel_and_per_index_variants() {
        let out = workload(
            Kind::Job,
            "batch/v1",
            json!({
            "parallelism": 3, "backoffLimitPerIndex": 1, "completionMode": "Indexed",
            "completions": 5,
            "podFailurePolicy": {"rules": [{"action": "Ignore",
                "onPodConditions": [{"type": "DisruptionTarget"}]}]},
            "template": template()}),
        );
        assert_eq!(at(&out, "/spec/completions"), 5);
        assert_eq!(at(&out, "/spec/backoffLimit"), i32::MAX);
        assert_eq!(at(&out, "/spec/podReplacementPolicy"), "Failed");
        assert_eq!(
            at(
                &out,
                "/spec/podFailurePolicy/rules/0/onPodConditions/0/status"
            ),
            "True"
        );
        let parallel_only = workload(
            Kind::Job,
            "batch/v1",
            json!({"parallelism": 2, "template": template()}),
        );
        assert!(at(&parallel_only, "/spec/completions").is_null());
    }

    #[test]
    fn cronjob_defaults_and_job_template_pod_defaults() {
        let out = workload(
            Kind::CronJob,
            "batch/v1",
            json!({
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template()}}}),
        );
        let spec = at(&out, "/spec");
        assert_eq!(at(spec, "/concurrencyPolicy"), "Allow");
        assert_eq!(at(spec, "/suspend"), false);
        assert_eq!(at(spec, "/successfulJobsHistoryLimit"), 3);
        assert_eq!(at(spec, "/failedJobsHistoryLimit"), 1);
        assert_eq!(
            at(spec, "/jobTemplate/spec/template/spec/restartPolicy"),
            "Always"
        );
        // SetDefaults_Job does not run on the embedded JobSpec.
        assert!(at(spec, "/jobTemplate/spec/backoffLimit").is_null());
    }

    #[test]
    fn every_kind_is_idempotent_under_defaulting() {
        let manifests = [
            (
                Kind::Pod,
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x",
                    "ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}}}]}}),
            ),
            (
                Kind::Service,
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}}),
            ),
            (
                Kind::Deployment,
                json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "d"}, "spec": {"template": template()}}),
            ),
            (
                Kind::CronJob,
                json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "c"}, "spec": {"schedule": "@daily",
                "jobTemplate": {"spec": {"template": template()}}}}),
            ),
        ];
        for (kind, manifest) in manifests {
            let mut once = Object::from_json(kind, manifest).expect("decodes");
            apply_defaults(&mut once, &DefaultOptions::default());
            let mut twice = once.clone();
            apply_defaults(&mut twice, &DefaultOptions::default());
            assert_eq!(once, twice, "{kind} not idempotent");
        }
    }
}
