//! Pod validation (`pkg/apis/core/validation` `ValidatePodCreate`, `ValidatePodSpec`,
//! `ValidatePodTemplateSpec`, `ValidatePodUpdate`, `ValidatePodStatusUpdate`): containers,
//! volumes, ports, env, probes, resources, affinity, tolerations, restart policy.
//!
//! What this module owns: every rule upstream applies to a pod or a pod template at v1.35's
//! default feature gates, with upstream's texts, paths and order, on the *defaulted* object
//! (a template that skipped defaulting fails on `dnsPolicy`, `terminationMessagePolicy`,
//! `imagePullPolicy` and `terminationGracePeriodSeconds`, as the real server would). `None`
//! is Go's zero value. Rules that depend on the workload (restartPolicy `Always`,
//! `activeDeadlineSeconds`, selector matching) belong to the workload validators.
//!
//! Upstream quirks are kept where they show in messages: some errors name a list rather than
//! an item (`volumeMounts.subPath`, `resources.requests`, `envFrom`), an init container's host
//! port conflict is always reported at index 0, and pod conditions are checked under
//! `metadata.conditions`.
//!
//! Not modelled (gated off in v1.35 or outside this simulator): the JSON tolerations
//! annotation, pod-level `resources`, `fileKeyRef` env vars, `hostnameOverride`,
//! `workloadRef`, restart-policy rules, and the PersistentVolumeClaim spec inside an ephemeral
//! volume (its metadata is checked). The Forbidden message of a pod update stops where
//! upstream appends its `cmp.Diff` of the two specs, whose layout Go randomizes.
//!
//! Submodules: `container` (containers, env, mounts, probes, resources), `volume` (volume
//! sources and downward-API selectors), `scheduling` (affinity, tolerations, topology spread,
//! DNS), `security` (pod security context, OS rules), `util` (syntax checks).

mod container;
mod scheduling;
mod security;
mod util;
mod volume;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, Pod, PodResourceClaim, PodSpec, PodTemplateSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use self::container::{
    ContainerContext, validate_container_only_for_pod, validate_containers,
    validate_ephemeral_containers, validate_init_containers,
};
use self::util::{validate_ip, validate_local_descending_path};
// The volume source and node selector rules PersistentVolumes share with pods.
pub(super) use self::{
    scheduling::{json_node_selector_term, validate_node_selector},
    volume::{validate_csi_driver_name, validate_host_path, validate_nfs},
};
use super::ValidationOptions;
use super::meta::{self, json_opt_quote, json_quote, json_str, name_is_dns_subdomain};
use super::util::{
    name_errors, s, semantically_equal_empty_strings_unset, sl, validate_dns1123_label,
    validate_qualified_name,
};
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;

/// The Forbidden detail of a pod update touching an immutable field, up to the `\n` after which
/// upstream appends a `cmp.Diff` of the specs.
pub const POD_UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// `core.MirrorPodAnnotationKey`.
const MIRROR_POD_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// `core.PodDeletionCost`.
const POD_DELETION_COST_ANNOTATION: &str = "controller.kubernetes.io/pod-deletion-cost";
/// `core.SeccompPodAnnotationKey`.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// `core.SeccompContainerAnnotationKeyPrefix`.
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
/// `v1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix`.
const APPARMOR_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.apparmor.security.beta.kubernetes.io/";

/// `ValidatePodTemplateSpec` for a workload's template at `path` (`spec.template`): template
/// labels and annotations, then the pod spec at `path.spec`. The caller checks workload rules
/// (restartPolicy Always, selector matching) itself.
pub fn validate_pod_template_spec(
    template: &PodTemplateSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let empty = BTreeMap::new();
    let meta = template.metadata.as_ref();
    let labels = meta.and_then(|m| m.labels.as_ref()).unwrap_or(&empty);
    let annotations = meta.and_then(|m| m.annotations.as_ref()).unwrap_or(&empty);
    let default_spec = PodSpec::default();
    let spec = template.spec.as_ref().unwrap_or(&default_spec);
    let spec_path = path.child("spec");
    let mut errs = meta::validate_labels(labels, &path.child("labels"));
    errs.extend(meta::validate_annotations(
        annotations,
        &path.child("annotations"),
    ));
    errs.extend(validate_pod_specific_annotations(
        annotations,
        spec,
        &path.child("annotations"),
    ));
    errs.extend(validate_pod_spec(spec, None, &spec_path, false));
    errs.extend(validate_seccomp_annotations_and_fields(
        annotations,
        spec,
        &spec_path,
    ));
    errs.extend(validate_app_armor_annotations_and_fields(
        annotations,
        spec,
        &spec_path,
    ));
    if !sl(&spec.ephemeral_containers).is_empty() {
        errs.push(FieldError::forbidden(
            &spec_path.child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// `ValidatePodCreate`: metadata and spec of a new pod.
pub fn validate_pod_create(pod: &Pod, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = opts;
    let default_spec = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&default_spec);
    let spec_path = Path::new("spec");
    let mut errs = validate_pod_metadata_and_spec(&pod.metadata, spec);
    if !sl(&spec.ephemeral_containers).is_empty() {
        errs.push(FieldError::forbidden(
            &spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    if !s(&spec.node_name).is_empty() && !sl(&spec.scheduling_gates).is_empty() {
        errs.push(FieldError::forbidden(
            &spec_path.child("nodeName"),
            "cannot be set until all schedulingGates have been cleared",
        ));
    }
    let empty = BTreeMap::new();
    let annotations = pod.metadata.annotations.as_ref().unwrap_or(&empty);
    errs.extend(validate_seccomp_annotations_and_fields(
        annotations,
        spec,
        &spec_path,
    ));
    errs.extend(validate_app_armor_annotations_and_fields(
        annotations,
        spec,
        &spec_path,
    ));
    errs
}

/// `ValidatePodUpdate`: metadata update rules, the whole pod re-validated, then only the
/// mutable fields of the spec may change (images, activeDeadlineSeconds downwards, added
/// tolerations, removed scheduling gates, terminationGracePeriodSeconds from negative to 1,
/// and node selector or affinity additions while the pod is gated).
pub fn validate_pod_update(new: &Pod, old: &Pod, opts: &ValidationOptions) -> Vec<FieldError> {
    let _ = opts;
    let meta_path = Path::new("metadata");
    let spec_path = Path::new("spec");
    let default_spec = PodSpec::default();
    let new_spec = new.spec.as_ref().unwrap_or(&default_spec);
    let old_spec = old.spec.as_ref().unwrap_or(&default_spec);
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &meta_path);
    errs.extend(validate_pod_metadata_and_spec(&new.metadata, new_spec));
    errs.extend(validate_pod_specific_annotation_updates(
        new,
        old,
        new_spec,
        &meta_path.child("annotations"),
    ));

    for (new_list, old_list, name) in [
        (
            new_spec.containers.as_slice(),
            old_spec.containers.as_slice(),
            "containers",
        ),
        (
            sl(&new_spec.init_containers),
            sl(&old_spec.init_containers),
            "initContainers",
        ),
    ] {
        let p = spec_path.child(name);
        if new_list.len() != old_list.len() {
            errs.push(FieldError::forbidden(
                &p,
                "pod updates may not add or remove containers",
            ));
            return errs;
        }
        for (i, c) in new_list.iter().enumerate() {
            let image = s(&c.image);
            if image.is_empty() {
                errs.push(FieldError::required(&p.index(i).child("image"), ""));
            }
            if image.trim().len() != image.len() {
                errs.push(FieldError::invalid(
                    &p.index(i).child("image"),
                    image,
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }

    let deadline_path = spec_path.child("activeDeadlineSeconds");
    match (
        new_spec.active_deadline_seconds,
        old_spec.active_deadline_seconds,
    ) {
        (Some(n), old_deadline) => {
            if !(0..=i64::from(i32::MAX)).contains(&n) {
                errs.push(FieldError::invalid(
                    &deadline_path,
                    n,
                    names::inclusive_range_error(0, i64::from(i32::MAX)),
                ));
                return errs;
            }
            if let Some(o) = old_deadline
                && o < n
            {
                errs.push(FieldError::invalid(
                    &deadline_path,
                    n,
                    "must be less than or equal to previous value",
                ));
                return errs;
            }
        }
        (None, Some(_)) => errs.push(FieldError::invalid(
            &deadline_path,
            BadValue::Null,
            "must not update from a positive integer to nil value",
        )),
        (None, None) => {}
    }

    errs.extend(scheduling::validate_only_added_tolerations(
        sl(&new_spec.tolerations),
        sl(&old_spec.tolerations),
        &spec_path.child("tolerations"),
    ));
    errs.extend(scheduling::validate_only_deleted_scheduling_gates(
        sl(&new_spec.scheduling_gates),
        sl(&old_spec.scheduling_gates),
        &spec_path.child("schedulingGates"),
    ));

    if semantically_equal_empty_strings_unset(new_spec, old_spec) {
        return errs;
    }

    let mut munged = new_spec.clone();
    for (c, o) in munged.containers.iter_mut().zip(&old_spec.containers) {
        c.image = o.image.clone();
    }
    if let Some(init) = munged.init_containers.as_mut() {
        for (c, o) in init.iter_mut().zip(sl(&old_spec.init_containers)) {
            c.image = o.image.clone();
        }
    }
    munged.active_deadline_seconds = old_spec.active_deadline_seconds;
    munged.scheduling_gates = old_spec.scheduling_gates.clone();
    munged.tolerations = old_spec.tolerations.clone();
    if old_spec
        .termination_grace_period_seconds
        .is_some_and(|g| g < 0)
        && munged.termination_grace_period_seconds == Some(1)
    {
        munged.termination_grace_period_seconds = old_spec.termination_grace_period_seconds;
    }

    if !sl(&old_spec.scheduling_gates).is_empty() {
        if !semantically_equal_empty_strings_unset(&munged.node_selector, &old_spec.node_selector) {
            errs.extend(scheduling::validate_node_selector_mutation(
                &spec_path.child("nodeSelector"),
                munged.node_selector.as_ref(),
                old_spec.node_selector.as_ref(),
            ));
            munged.node_selector = old_spec.node_selector.clone();
        }
        let old_na = old_spec
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.clone());
        let new_na = munged
            .affinity
            .as_ref()
            .and_then(|a| a.node_affinity.clone());
        if !semantically_equal_empty_strings_unset(&old_na, &new_na) {
            errs.extend(validate_node_affinity_mutation(
                &spec_path.child("affinity").child("nodeAffinity"),
                new_na.as_ref(),
                old_na.as_ref(),
            ));
            match munged.affinity.as_mut() {
                None => {
                    if old_na.is_some() {
                        munged.affinity = Some(k8s_openapi::api::core::v1::Affinity {
                            node_affinity: old_na,
                            ..Default::default()
                        });
                    }
                }
                Some(a)
                    if old_spec.affinity.is_none()
                        && a.pod_affinity.is_none()
                        && a.pod_anti_affinity.is_none() =>
                {
                    munged.affinity = None;
                }
                Some(a) => a.node_affinity = old_na,
            }
        }
    }

    if !semantically_equal_empty_strings_unset(&munged, old_spec) {
        errs.push(FieldError::forbidden(&spec_path, POD_UPDATE_FORBIDDEN));
    }
    errs
}

/// `ValidatePodStatusUpdate`: metadata update rules, pod annotations, condition types, no
/// node change, nominated node name, immutable QoS class, no restart of terminated
/// containers that may not restart, pod and host IPs.
pub fn validate_pod_status_update(
    new: &Pod,
    old: &Pod,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let meta_path = Path::new("metadata");
    let status_path = Path::new("status");
    let default_spec = PodSpec::default();
    let new_spec = new.spec.as_ref().unwrap_or(&default_spec);
    let old_spec = old.spec.as_ref().unwrap_or(&default_spec);
    let default_status = k8s_openapi::api::core::v1::PodStatus::default();
    let new_status = new.status.as_ref().unwrap_or(&default_status);
    let old_status = old.status.as_ref().unwrap_or(&default_status);

    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &meta_path);
    errs.extend(validate_pod_specific_annotation_updates(
        new,
        old,
        new_spec,
        &meta_path.child("annotations"),
    ));
    // Upstream checks conditions under `metadata`, not `status`.
    for (i, condition) in sl(&new_status.conditions).iter().enumerate() {
        if ["PodScheduled", "Ready", "Initialized"].contains(&condition.type_.as_str()) {
            continue;
        }
        errs.extend(validate_qualified_name(
            &condition.type_,
            &meta_path.child("conditions").index(i).child("Type"),
        ));
    }
    if s(&new_spec.node_name) != s(&old_spec.node_name) {
        errs.push(FieldError::forbidden(
            &status_path.child("nodeName"),
            "may not be changed directly",
        ));
    }
    let nominated = s(&new_status.nominated_node_name);
    if nominated != s(&old_status.nominated_node_name) && !nominated.is_empty() {
        errs.extend(name_errors(
            name_is_dns_subdomain(nominated, false),
            &status_path.child("nominatedNodeName"),
            nominated,
        ));
    }
    let new_qos = s(&new_status.qos_class);
    errs.extend(meta::immutable(
        new_qos != s(&old_status.qos_class),
        &status_path.child("qosClass"),
        json_str(new_qos),
    ));
    let restart_policy = s(&old_spec.restart_policy);
    errs.extend(validate_container_state_transition(
        sl(&new_status.container_statuses),
        sl(&old_status.container_statuses),
        &status_path.child("containerStatuses"),
        restart_policy,
        &[],
    ));
    let restartable_init: Vec<&str> = sl(&old_spec.init_containers)
        .iter()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"))
        .map(|c| c.name.as_str())
        .collect();
    errs.extend(validate_container_state_transition(
        sl(&new_status.init_container_statuses),
        sl(&old_status.init_container_statuses),
        &status_path.child("initContainerStatuses"),
        restart_policy,
        &restartable_init,
    ));
    errs.extend(validate_container_state_transition(
        sl(&new_status.ephemeral_container_statuses),
        sl(&old_status.ephemeral_container_statuses),
        &status_path.child("ephemeralContainerStatuses"),
        "Never",
        &[],
    ));
    let pod_ips: Vec<&str> = sl(&new_status.pod_ips)
        .iter()
        .map(|p| p.ip.as_str())
        .collect();
    errs.extend(validate_ip_list(
        &pod_ips,
        &status_path.child("podIPs"),
        false,
    ));
    let host_ips: Vec<&str> = sl(&new_status.host_ips)
        .iter()
        .map(|p| p.ip.as_str())
        .collect();
    if let Some(first) = host_ips.first()
        && s(&new_status.host_ip) != *first
    {
        errs.push(FieldError::invalid(
            &status_path.child("hostIPs").index(0).child("ip"),
            *first,
            "must be equal to `hostIP`",
        ));
    }
    errs.extend(validate_ip_list(
        &host_ips,
        &status_path.child("hostIPs"),
        true,
    ));
    errs
}

/// `ValidateContainerStateTransition`: unless the policy restarts it, a terminated container
/// stays terminated.
fn validate_container_state_transition(
    new: &[ContainerStatus],
    old: &[ContainerStatus],
    path: &Path,
    restart_policy: &str,
    restartable: &[&str],
) -> Vec<FieldError> {
    if restart_policy == "Always" {
        return vec![];
    }
    let mut errs = vec![];
    for (i, o) in old.iter().enumerate() {
        let Some(terminated) = o.state.as_ref().and_then(|st| st.terminated.as_ref()) else {
            continue;
        };
        if terminated.exit_code != 0 && restart_policy == "OnFailure" {
            continue;
        }
        if restartable.contains(&o.name.as_str()) {
            continue;
        }
        for n in new {
            if n.name == o.name
                && n.state
                    .as_ref()
                    .and_then(|st| st.terminated.as_ref())
                    .is_none()
            {
                errs.push(FieldError::forbidden(
                    &path.index(i).child("state"),
                    "may not be transitioned to non-terminated state",
                ));
            }
        }
    }
    errs
}

/// `validatePodIPs` / `validateHostIPs`: valid IPs, at most one per family, no duplicates
/// (host IPs check duplicates before the families).
fn validate_ip_list(ips: &[&str], path: &Path, host: bool) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, ip) in ips.iter().enumerate() {
        errs.extend(validate_ip(&path.index(i), ip));
    }
    if ips.len() <= 1 {
        return errs;
    }
    let duplicates = |errs: &mut Vec<FieldError>| {
        let mut seen = BTreeSet::new();
        for (i, ip) in ips.iter().enumerate() {
            if !seen.insert(*ip) {
                errs.push(FieldError::duplicate(
                    &path.index(i),
                    BadValue::Go(format!("{{\"IP\":{}}}", json_quote(ip))),
                ));
            }
        }
    };
    if host {
        duplicates(&mut errs);
    }
    let all_valid = ips.iter().all(|ip| util::parse_ip_sloppy(ip));
    let v6 = ips.iter().filter(|ip| ip.contains(':')).count();
    let dual_stack = all_valid && v6 >= 1 && v6 < ips.len();
    if !dual_stack || ips.len() > 2 {
        let items: Vec<String> = ips
            .iter()
            .map(|ip| format!("{{\"IP\":{}}}", json_quote(ip)))
            .collect();
        errs.push(FieldError::invalid(
            path,
            BadValue::Go(format!("[{}]", items.join(","))),
            "may specify no more than one IP for each IP family",
        ));
    }
    if !host {
        duplicates(&mut errs);
    }
    errs
}

/// `validatePodMetadataAndSpec`: ObjectMeta (DNS-subdomain names), pod annotations, the spec,
/// then the pod-only rules (no token projection without a service account, no whitespace
/// around images).
fn validate_pod_metadata_and_spec(metadata: &ObjectMeta, spec: &PodSpec) -> Vec<FieldError> {
    let meta_path = Path::new("metadata");
    let spec_path = Path::new("spec");
    let empty = BTreeMap::new();
    let annotations = metadata.annotations.as_ref().unwrap_or(&empty);
    let mut errs = meta::validate_object_meta(metadata, true, name_is_dns_subdomain, &meta_path);
    errs.extend(validate_pod_specific_annotations(
        annotations,
        spec,
        &meta_path.child("annotations"),
    ));
    errs.extend(validate_pod_spec(spec, Some(metadata), &spec_path, true));
    if s(&spec.service_account_name).is_empty() {
        for (vi, volume) in sl(&spec.volumes).iter().enumerate() {
            let Some(projected) = &volume.projected else {
                continue;
            };
            for (si, source) in sl(&projected.sources).iter().enumerate() {
                if source.service_account_token.is_some() {
                    errs.push(FieldError::forbidden(
                        &spec_path
                            .child("volumes")
                            .index(vi)
                            .child("projected")
                            .child("sources")
                            .index(si)
                            .child("serviceAccountToken"),
                        "must not be specified when serviceAccountName is not set",
                    ));
                }
            }
        }
    }
    for (list, name) in [
        (spec.containers.as_slice(), "containers"),
        (sl(&spec.init_containers), "initContainers"),
    ] {
        for (i, c) in list.iter().enumerate() {
            errs.extend(validate_container_only_for_pod(
                c,
                &spec_path.child(name).index(i),
            ));
        }
    }
    errs
}

/// `ValidatePodSpec`, in upstream's order. `pod_meta` is the pod's metadata (for ephemeral
/// volume claim names) and `is_pod` upstream's `ResourceIsPod`; both are unset for templates.
fn validate_pod_spec(
    spec: &PodSpec,
    pod_meta: Option<&ObjectMeta>,
    path: &Path,
    is_pod: bool,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if spec.termination_grace_period_seconds.is_none() {
        errs.push(FieldError::required(
            &path.child("terminationGracePeriodSeconds"),
            "",
        ));
    }
    let (volumes, volume_errs) =
        volume::validate_volumes(sl(&spec.volumes), pod_meta, &path.child("volumes"), is_pod);
    errs.extend(volume_errs);
    let claims = sl(&spec.resource_claims);
    let claim_names: BTreeSet<String> = claims
        .iter()
        .filter(|c| !c.name.is_empty())
        .map(|c| c.name.clone())
        .collect();
    errs.extend(validate_pod_resource_claims(
        claims,
        &path.child("resourceClaims"),
    ));
    let restart_policy = s(&spec.restart_policy);
    let ctx = ContainerContext {
        volumes: &volumes,
        claim_names: &claim_names,
        grace_period: spec.termination_grace_period_seconds,
        restart_policy,
        host_users: spec.host_users != Some(false),
    };
    errs.extend(validate_containers(
        &spec.containers,
        &ctx,
        &path.child("containers"),
    ));
    errs.extend(validate_init_containers(
        sl(&spec.init_containers),
        &spec.containers,
        &ctx,
        &path.child("initContainers"),
    ));
    let ephemeral = sl(&spec.ephemeral_containers);
    if !ephemeral.is_empty() {
        errs.extend(validate_ephemeral_containers(
            ephemeral,
            &spec.containers,
            sl(&spec.init_containers),
            &ctx,
            &path.child("ephemeralContainers"),
        ));
    }
    errs.extend(validate_host_network_deps(spec, path, is_pod));
    match restart_policy {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(FieldError::required(&path.child("restartPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            &path.child("restartPolicy"),
            json_str(other),
            &["Always", "OnFailure", "Never"],
        )),
    }
    let dns_policy = s(&spec.dns_policy);
    match dns_policy {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(FieldError::required(&path.child("dnsPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            &path.child("dnsPolicy"),
            json_str(other),
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    let empty = BTreeMap::new();
    errs.extend(meta::validate_labels(
        spec.node_selector.as_ref().unwrap_or(&empty),
        &path.child("nodeSelector"),
    ));
    errs.extend(security::validate_pod_security_context(
        spec,
        &path.child("securityContext"),
    ));
    if let Some(affinity) = &spec.affinity {
        errs.extend(scheduling::validate_affinity(
            affinity,
            &path.child("affinity"),
        ));
    }
    errs.extend(scheduling::validate_pod_dns_config(
        spec.dns_config.as_ref(),
        dns_policy,
        &path.child("dnsConfig"),
    ));
    errs.extend(scheduling::validate_readiness_gates(
        sl(&spec.readiness_gates),
        &path.child("readinessGates"),
    ));
    errs.extend(scheduling::validate_scheduling_gates(
        sl(&spec.scheduling_gates),
        &path.child("schedulingGates"),
    ));
    errs.extend(scheduling::validate_topology_spread_constraints(
        sl(&spec.topology_spread_constraints),
        &path.child("topologySpreadConstraints"),
    ));
    errs.extend(security::validate_windows_host_process_pod(spec, path));
    errs.extend(security::validate_host_users(spec, path));
    for (value, name) in [
        (s(&spec.service_account_name), "serviceAccountName"),
        (s(&spec.node_name), "nodeName"),
    ] {
        if !value.is_empty() {
            errs.extend(name_errors(
                name_is_dns_subdomain(value, false),
                &path.child(name),
                value,
            ));
        }
    }
    if let Some(deadline) = spec.active_deadline_seconds
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errs.push(FieldError::invalid(
            &path.child("activeDeadlineSeconds"),
            deadline,
            names::inclusive_range_error(1, i64::from(i32::MAX)),
        ));
    }
    for (value, name) in [
        (s(&spec.hostname), "hostname"),
        (s(&spec.subdomain), "subdomain"),
    ] {
        if !value.is_empty() {
            errs.extend(validate_dns1123_label(value, &path.child(name)));
        }
    }
    let tolerations = sl(&spec.tolerations);
    if !tolerations.is_empty() {
        errs.extend(scheduling::validate_tolerations(
            tolerations,
            &path.child("tolerations"),
        ));
    }
    let aliases = sl(&spec.host_aliases);
    if !aliases.is_empty() {
        errs.extend(scheduling::validate_host_aliases(
            aliases,
            &path.child("hostAliases"),
        ));
    }
    let priority_class = s(&spec.priority_class_name);
    if !priority_class.is_empty() {
        errs.extend(name_errors(
            name_is_dns_subdomain(priority_class, false),
            &path.child("priorityClassName"),
            priority_class,
        ));
    }
    if let Some(runtime_class) = &spec.runtime_class_name {
        errs.extend(name_errors(
            name_is_dns_subdomain(runtime_class, false),
            &path.child("runtimeClassName"),
            runtime_class,
        ));
    }
    if let Some(policy) = &spec.preemption_policy {
        match policy.as_str() {
            "PreemptLowerPriority" | "Never" => {}
            "" => errs.push(FieldError::required(&path.child("preemptionPolicy"), "")),
            other => errs.push(FieldError::not_supported(
                &path.child("preemptionPolicy"),
                json_str(other),
                &["PreemptLowerPriority", "Never"],
            )),
        }
    }
    if let Some(overhead) = &spec.overhead {
        let requirements = k8s_openapi::api::core::v1::ResourceRequirements {
            limits: Some(overhead.clone()),
            ..Default::default()
        };
        errs.extend(container::validate_resource_requirements(
            &requirements,
            &BTreeSet::new(),
            &path.child("overhead"),
        ));
    }
    errs.extend(security::validate_os(spec, path));
    errs
}

/// `validatePodHostNetworkDeps`: with the host network, a pod's host ports equal its
/// container ports (a template may leave them 0, to be defaulted).
fn validate_host_network_deps(spec: &PodSpec, path: &Path, is_pod: bool) -> Vec<FieldError> {
    if spec.host_network != Some(true) {
        return vec![];
    }
    let mut errs = vec![];
    for (i, c) in spec.containers.iter().enumerate() {
        for (j, port) in sl(&c.ports).iter().enumerate() {
            let host_port = port.host_port.unwrap_or(0);
            if (is_pod || host_port != 0) && host_port != port.container_port {
                errs.push(FieldError::invalid(
                    &path
                        .child("containers")
                        .index(i)
                        .child("ports")
                        .index(j)
                        .child("hostPort"),
                    host_port,
                    "must match `containerPort` when `hostNetwork` is true",
                ));
            }
        }
    }
    errs
}

/// `validatePodResourceClaims`.
fn validate_pod_resource_claims(claims: &[PodResourceClaim], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut names_seen = BTreeSet::new();
    for (i, claim) in claims.iter().enumerate() {
        let p = path.index(i);
        if claim.name.is_empty() {
            errs.push(FieldError::required(&p.child("name"), ""));
        } else if names_seen.contains(claim.name.as_str()) {
            errs.push(FieldError::duplicate(&p.child("name"), claim.name.as_str()));
        } else {
            errs.extend(validate_dns1123_label(&claim.name, &p.child("name")));
            names_seen.insert(claim.name.as_str());
        }
        let json = || {
            BadValue::Go(format!(
                "{{\"Name\":{},\"ResourceClaimName\":{},\"ResourceClaimTemplateName\":{}}}",
                json_quote(&claim.name),
                json_opt_quote(claim.resource_claim_name.as_deref()),
                json_opt_quote(claim.resource_claim_template_name.as_deref())
            ))
        };
        match (&claim.resource_claim_name, &claim.resource_claim_template_name) {
            (Some(_), Some(_)) => errs.push(FieldError::invalid(
                &p,
                json(),
                "at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified",
            )),
            (None, None) => errs.push(FieldError::invalid(
                &p,
                json(),
                "must specify one of: `resourceClaimName`, `resourceClaimTemplateName`",
            )),
            _ => {}
        }
        for (value, name) in [
            (&claim.resource_claim_name, "resourceClaimName"),
            (
                &claim.resource_claim_template_name,
                "resourceClaimTemplateName",
            ),
        ] {
            if let Some(v) = value {
                errs.extend(name_errors(
                    name_is_dns_subdomain(v, false),
                    &p.child(name),
                    v,
                ));
            }
        }
    }
    errs
}

/// `validateNodeAffinityMutation`: a gated pod may only add requirements to existing
/// required node selector terms.
fn validate_node_affinity_mutation(
    path: &Path,
    new: Option<&k8s_openapi::api::core::v1::NodeAffinity>,
    old: Option<&k8s_openapi::api::core::v1::NodeAffinity>,
) -> Vec<FieldError> {
    let Some(old_required) = old.and_then(|o| {
        o.required_during_scheduling_ignored_during_execution
            .as_ref()
    }) else {
        return vec![];
    };
    let old_terms = &old_required.node_selector_terms;
    let new_terms: &[k8s_openapi::api::core::v1::NodeSelectorTerm] = new
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map_or(&[], |r| r.node_selector_terms.as_slice());
    let terms_path = path
        .child("requiredDuringSchedulingIgnoredDuringExecution")
        .child("nodeSelectorTerms");
    if !old_terms.is_empty() && old_terms.len() != new_terms.len() {
        let items: Vec<String> = new_terms
            .iter()
            .map(scheduling::json_node_selector_term)
            .collect();
        let value = if new_terms.is_empty() {
            "null".to_string()
        } else {
            format!("[{}]", items.join(","))
        };
        return vec![FieldError::invalid(
            &terms_path,
            BadValue::Go(value),
            "no additions/deletions to non-empty NodeSelectorTerms list are allowed",
        )];
    }
    let mut errs = vec![];
    for (i, (n, o)) in new_terms.iter().zip(old_terms).enumerate() {
        let prefix_kept =
            |new_list: &[k8s_openapi::api::core::v1::NodeSelectorRequirement],
             old_list: &[k8s_openapi::api::core::v1::NodeSelectorRequirement]| {
                old_list.is_empty()
                    || (new_list.len() >= old_list.len()
                        && semantically_equal_empty_strings_unset(
                            &new_list[..old_list.len()].to_vec(),
                            &old_list.to_vec(),
                        ))
            };
        let (ne, nf, oe, of) = (
            sl(&n.match_expressions),
            sl(&n.match_fields),
            sl(&o.match_expressions),
            sl(&o.match_fields),
        );
        let emptied_term_grew =
            oe.is_empty() && of.is_empty() && (!ne.is_empty() || !nf.is_empty());
        let only_additions = !emptied_term_grew && prefix_kept(ne, oe) && prefix_kept(nf, of);
        if !only_additions {
            errs.push(FieldError::invalid(
                &terms_path.index(i),
                BadValue::Go(scheduling::json_node_selector_term(n)),
                "only additions are allowed (no mutations or deletions)",
            ));
        }
    }
    errs
}

// ----- annotations -----

/// `GetDeletionCostFromPodAnnotations` accepts it: a 32-bit integer without `+` or leading
/// zeros.
fn is_valid_deletion_cost(value: &str) -> bool {
    let b = value.as_bytes();
    let first_ok = b.is_empty() || b[0] == b'-' || value == "0" || (b'1'..=b'9').contains(&b[0]);
    first_ok && value.parse::<i32>().is_ok()
}

/// `ValidateSeccompProfile` for an annotation value.
fn validate_seccomp_annotation_profile(profile: &str, path: &Path) -> Vec<FieldError> {
    match profile {
        "runtime/default" | "docker/default" | "unconfined" => vec![],
        p => match p.strip_prefix("localhost/") {
            Some(rest) => validate_local_descending_path(rest, path),
            None => vec![FieldError::invalid(
                path,
                p,
                "must be a valid seccomp profile",
            )],
        },
    }
}

/// Whether the spec has a container (of any kind) of that name.
fn pod_spec_has_container(spec: &PodSpec, name: &str) -> bool {
    spec.containers
        .iter()
        .chain(sl(&spec.init_containers))
        .any(|c| c.name == name)
        || sl(&spec.ephemeral_containers)
            .iter()
            .any(|c| c.name == name)
}

/// `ValidatePodSpecificAnnotations`: the mirror-pod annotation needs a node, the deletion
/// cost is a 32-bit integer, seccomp and AppArmor annotations are well-formed.
fn validate_pod_specific_annotations(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if let Some(value) = annotations.get(MIRROR_POD_ANNOTATION)
        && s(&spec.node_name).is_empty()
    {
        errs.push(FieldError::invalid(
            &path.key(MIRROR_POD_ANNOTATION),
            value.as_str(),
            "must set spec.nodeName if mirror pod annotation is set",
        ));
    }
    if let Some(value) = annotations.get(POD_DELETION_COST_ANNOTATION)
        && !is_valid_deletion_cost(value)
    {
        errs.push(FieldError::invalid(
            &path.key(POD_DELETION_COST_ANNOTATION),
            value.as_str(),
            "must be a 32bit integer",
        ));
    }
    if let Some(profile) = annotations.get(SECCOMP_POD_ANNOTATION) {
        errs.extend(validate_seccomp_annotation_profile(
            profile,
            &path.child(SECCOMP_POD_ANNOTATION),
        ));
    }
    for (k, profile) in annotations {
        if k.starts_with(SECCOMP_CONTAINER_ANNOTATION_PREFIX) {
            errs.extend(validate_seccomp_annotation_profile(profile, &path.child(k)));
        }
    }
    for (k, profile) in annotations {
        let Some(container) = k.strip_prefix(APPARMOR_CONTAINER_ANNOTATION_PREFIX) else {
            continue;
        };
        if !pod_spec_has_container(spec, container) {
            errs.push(FieldError::invalid(
                &path.key(k),
                container,
                "container not found",
            ));
        }
        let ok = profile.is_empty()
            || profile == "runtime/default"
            || profile == "unconfined"
            || profile.starts_with("localhost/");
        if !ok {
            errs.push(FieldError::invalid(
                &path.key(k),
                profile.as_str(),
                format!(
                    "invalid AppArmor profile name: {}",
                    crate::api::field::go_quote(profile)
                ),
            ));
        }
    }
    errs
}

/// `ValidatePodSpecificAnnotationUpdates`: AppArmor and mirror-pod annotations may not be
/// added, removed or changed; then the new annotations are checked.
fn validate_pod_specific_annotation_updates(
    new: &Pod,
    old: &Pod,
    new_spec: &PodSpec,
    path: &Path,
) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let new_annotations = new.metadata.annotations.as_ref().unwrap_or(&empty);
    let old_annotations = old.metadata.annotations.as_ref().unwrap_or(&empty);
    let mut errs = vec![];
    for (k, old_value) in old_annotations {
        if new_annotations.get(k) == Some(old_value) {
            continue;
        }
        if k.starts_with(APPARMOR_CONTAINER_ANNOTATION_PREFIX) {
            errs.push(FieldError::forbidden(
                &path.key(k),
                "may not remove or update AppArmor annotations",
            ));
        }
        if k == MIRROR_POD_ANNOTATION {
            errs.push(FieldError::forbidden(
                &path.key(k),
                "may not remove or update mirror pod annotation",
            ));
        }
    }
    for k in new_annotations.keys() {
        if old_annotations.contains_key(k) {
            continue;
        }
        if k.starts_with(APPARMOR_CONTAINER_ANNOTATION_PREFIX) {
            errs.push(FieldError::forbidden(
                &path.key(k),
                "may not add AppArmor annotations",
            ));
        }
        if k == MIRROR_POD_ANNOTATION {
            errs.push(FieldError::forbidden(
                &path.key(k),
                "may not add mirror pod annotation",
            ));
        }
    }
    errs.extend(validate_pod_specific_annotations(
        new_annotations,
        new_spec,
        path,
    ));
    errs
}

/// Containers of all kinds with their paths, init containers first
/// (`podshelper.VisitContainersWithPath`), as `(name, securityContext)`.
fn visit_security_contexts<'a>(
    spec: &'a PodSpec,
    path: &Path,
) -> Vec<(
    &'a str,
    Option<&'a k8s_openapi::api::core::v1::SecurityContext>,
    Path,
)> {
    let mut out = vec![];
    let mut add = |list: &'a [Container], name: &str| {
        for (i, c) in list.iter().enumerate() {
            out.push((
                c.name.as_str(),
                c.security_context.as_ref(),
                path.child(name).index(i),
            ));
        }
    };
    add(sl(&spec.init_containers), "initContainers");
    add(&spec.containers, "containers");
    for (i, c) in sl(&spec.ephemeral_containers).iter().enumerate() {
        out.push((
            c.name.as_str(),
            c.security_context.as_ref(),
            path.child("ephemeralContainers").index(i),
        ));
    }
    out
}

/// `validateSeccompAnnotationsAndFieldsMatch`.
fn seccomp_annotation_matches_field(
    annotation: &str,
    field: &k8s_openapi::api::core::v1::SeccompProfile,
    path: &Path,
) -> Option<FieldError> {
    let type_mismatch = || {
        Some(FieldError::forbidden(
            &path.child("type"),
            "seccomp type in annotation and field must match",
        ))
    };
    match field.type_.as_str() {
        "Unconfined" if annotation != "unconfined" => type_mismatch(),
        "RuntimeDefault" if annotation != "runtime/default" && annotation != "docker/default" => {
            type_mismatch()
        }
        "Localhost" => match annotation.strip_prefix("localhost/") {
            None => type_mismatch(),
            Some(rest) if field.localhost_profile.as_deref() != Some(rest) => {
                Some(FieldError::forbidden(
                    &path.child("localhostProfile"),
                    "seccomp profile in annotation and field must match",
                ))
            }
            Some(_) => None,
        },
        _ => None,
    }
}

/// `validateSeccompAnnotationsAndFields`: where both an annotation and a field set a seccomp
/// profile, they agree.
fn validate_seccomp_annotations_and_fields(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if let Some(field) = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        && let Some(annotation) = annotations.get(SECCOMP_POD_ANNOTATION)
    {
        errs.extend(seccomp_annotation_matches_field(
            annotation,
            field,
            &path.child("securityContext").child("seccompProfile"),
        ));
    }
    for (name, sc, cpath) in visit_security_contexts(spec, path) {
        let Some(field) = sc.and_then(|sc| sc.seccomp_profile.as_ref()) else {
            continue;
        };
        if let Some(annotation) =
            annotations.get(&format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{name}"))
        {
            errs.extend(seccomp_annotation_matches_field(
                annotation,
                field,
                &cpath.child("securityContext").child("seccompProfile"),
            ));
        }
    }
    errs
}

/// `validateAppArmorAnnotationsAndFieldsMatchOnCreate`: where both an annotation and a field
/// set a container's AppArmor profile, they agree (Windows pods are skipped).
fn validate_app_armor_annotations_and_fields(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    path: &Path,
) -> Vec<FieldError> {
    if spec.os.as_ref().is_some_and(|os| os.name == "windows") {
        return vec![];
    }
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    let mut errs = vec![];
    for (name, sc, cpath) in visit_security_contexts(spec, path) {
        let Some(profile) = sc
            .and_then(|sc| sc.app_armor_profile.as_ref())
            .or(pod_profile)
        else {
            continue;
        };
        let Some(annotation) =
            annotations.get(&format!("{APPARMOR_CONTAINER_ANNOTATION_PREFIX}{name}"))
        else {
            continue;
        };
        let p = cpath.child("securityContext").child("appArmorProfile");
        let type_error = || {
            FieldError::forbidden(
                &p.child("type"),
                "apparmor type in annotation and field must match",
            )
        };
        match profile.type_.as_str() {
            "Unconfined" if annotation != "unconfined" => errs.push(type_error()),
            "RuntimeDefault" if annotation != "runtime/default" => errs.push(type_error()),
            "Localhost" => match annotation.strip_prefix("localhost/") {
                None => errs.push(type_error()),
                Some(rest) if profile.localhost_profile.as_deref() != Some(rest) => {
                    errs.push(FieldError::forbidden(
                        &p.child("localhostProfile"),
                        "apparmor profile in annotation and field must match",
                    ));
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
    errs
}
