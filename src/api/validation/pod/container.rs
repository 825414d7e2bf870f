//! Containers (`validateContainers`, `validateInitContainers`, `validateEphemeralContainers`,
//! `validateContainerCommon`): names, image, ports, env, mounts, pull policy, resources,
//! resize policy, security context, probes and lifecycle hooks.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvFromSource, EnvVar, EphemeralContainer,
    HTTPGetAction, Lifecycle, LifecycleHandler, Probe, ResourceRequirements, SeccompProfile,
    SecurityContext, Volume, VolumeMount, WindowsSecurityContextOptions,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::util::{
    is_env_var_name, is_http_header_name, is_relaxed_env_var_name, quantity_value, resource_list,
    validate_local_descending_path, validate_run_as_ids,
};
use super::volume::{
    ENV_FIELD_PATHS, validate_container_resource_field_selector, validate_object_field_selector,
    validate_selector_key,
};
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::quantity::Quantity;
use crate::api::validation::meta::{
    json_opt_quote, json_quote, json_str, json_string_slice, name_is_dns_subdomain,
    validate_nonnegative,
};
use crate::api::validation::util::{
    is_valid_port_name, is_valid_port_num, name_errors, quantity, s, sl, validate_dns1123_label,
    validate_nonnegative_quantity, validate_port_num_or_name, validate_port_protocol,
};

/// What container validation needs from the pod spec.
pub(super) struct ContainerContext<'a> {
    /// The volumes that validated cleanly, by name.
    pub volumes: &'a BTreeMap<String, &'a Volume>,
    /// `spec.resourceClaims[*].name`.
    pub claim_names: &'a BTreeSet<String>,
    /// `spec.terminationGracePeriodSeconds`.
    pub grace_period: Option<i64>,
    /// `spec.restartPolicy`.
    pub restart_policy: &'a str,
    /// `spec.hostUsers`, true when unset.
    pub host_users: bool,
}

/// `RelaxedEnvironmentVariableValidation` (GA, so always on in v1.35): env var names and
/// `envFrom` prefixes use `IsRelaxedEnvVarName` rather than the strict `IsEnvVarName`.
const RELAXED_ENV_VAR_NAMES: bool = true;

/// The env var name rule in force.
fn env_var_name_errors(name: &str) -> Vec<String> {
    if RELAXED_ENV_VAR_NAMES {
        is_relaxed_env_var_name(name)
    } else {
        is_env_var_name(name)
    }
}

/// `supportedPullPolicies`, sorted.
const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

/// Upstream's Forbidden detail for probes and hooks on plain init containers.
const INIT_CONTAINER_FORBIDDEN: &str =
    "may not be set for init containers without restartPolicy=Always";

/// `validatePullPolicy`: required, one of Always, IfNotPresent, Never.
pub(super) fn validate_pull_policy(policy: &str, path: &Path) -> Vec<FieldError> {
    match policy {
        "Always" | "IfNotPresent" | "Never" => vec![],
        "" => vec![FieldError::required(path, "")],
        other => vec![FieldError::not_supported(
            path,
            json_str(other),
            &PULL_POLICIES,
        )],
    }
}

/// `validateContainers`: at least one, each valid, names unique, probes and hooks, no
/// container-level restartPolicy; then host ports across all containers.
pub(super) fn validate_containers(
    containers: &[Container],
    ctx: &ContainerContext<'_>,
    path: &Path,
) -> Vec<FieldError> {
    if containers.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = vec![];
    let mut all_names = BTreeSet::new();
    for (i, ctr) in containers.iter().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(ctr, ctx, &p));
        if !all_names.insert(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(&p.child("name"), ctr.name.as_str()));
        }
        if let Some(lifecycle) = &ctr.lifecycle {
            errs.extend(validate_lifecycle(
                lifecycle,
                ctx.grace_period,
                &p.child("lifecycle"),
            ));
        }
        errs.extend(validate_probes(ctr, ctx.grace_period, &p));
        if ctr.restart_policy.is_some() {
            errs.push(FieldError::forbidden(
                &p.child("restartPolicy"),
                "may not be set for non-init containers",
            ));
        }
    }
    errs.extend(check_host_port_conflicts(containers, path));
    errs
}

/// Liveness, readiness and startup probes of a container.
fn validate_probes(ctr: &Container, grace: Option<i64>, p: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if let Some(probe) = &ctr.liveness_probe {
        errs.extend(validate_probe(probe, grace, &p.child("livenessProbe")));
        errs.extend(success_threshold_must_be_one(
            probe,
            &p.child("livenessProbe"),
        ));
    }
    if let Some(probe) = &ctr.readiness_probe {
        errs.extend(validate_probe(probe, grace, &p.child("readinessProbe")));
        if let Some(t) = probe.termination_grace_period_seconds {
            errs.push(FieldError::invalid(
                &p.child("readinessProbe")
                    .child("terminationGracePeriodSeconds"),
                t,
                "must not be set for readinessProbes",
            ));
        }
    }
    if let Some(probe) = &ctr.startup_probe {
        errs.extend(validate_probe(probe, grace, &p.child("startupProbe")));
        errs.extend(success_threshold_must_be_one(
            probe,
            &p.child("startupProbe"),
        ));
    }
    errs
}

fn success_threshold_must_be_one(probe: &Probe, path: &Path) -> Vec<FieldError> {
    let threshold = probe.success_threshold.unwrap_or(0);
    if threshold == 1 {
        vec![]
    } else {
        vec![FieldError::invalid(
            &path.child("successThreshold"),
            threshold,
            "must be 1",
        )]
    }
}

/// `validateInitContainers`: each valid, restartPolicy only `Always` (sidecars), names unique
/// across init and regular containers, host ports per container, probes and hooks only on
/// sidecars.
pub(super) fn validate_init_containers(
    containers: &[Container],
    regular: &[Container],
    ctx: &ContainerContext<'_>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut all_names: BTreeSet<&str> = regular.iter().map(|c| c.name.as_str()).collect();
    for (i, ctr) in containers.iter().enumerate() {
        let p = path.index(i);
        errs.extend(validate_container_common(ctr, ctx, &p));
        let mut restart_always = false;
        if let Some(policy) = &ctr.restart_policy {
            if policy != "Always" {
                errs.push(FieldError::not_supported(
                    &p.child("restartPolicy"),
                    json_str(policy),
                    &["Always"],
                ));
            }
            restart_always = policy == "Always";
        }
        if all_names.contains(ctr.name.as_str()) {
            errs.push(FieldError::duplicate(&p.child("name"), ctr.name.as_str()));
        } else if !ctr.name.is_empty() {
            all_names.insert(ctr.name.as_str());
        }
        // Upstream checks each init container alone, so the path always says `[0]`.
        errs.extend(check_host_port_conflicts(std::slice::from_ref(ctr), path));
        if restart_always {
            if let Some(lifecycle) = &ctr.lifecycle {
                errs.extend(validate_lifecycle(
                    lifecycle,
                    ctx.grace_period,
                    &p.child("lifecycle"),
                ));
            }
            errs.extend(validate_probes(ctr, ctx.grace_period, &p));
        } else {
            for (set, name) in [
                (ctr.lifecycle.is_some(), "lifecycle"),
                (ctr.liveness_probe.is_some(), "livenessProbe"),
                (ctr.readiness_probe.is_some(), "readinessProbe"),
                (ctr.startup_probe.is_some(), "startupProbe"),
            ] {
                if set {
                    errs.push(FieldError::forbidden(
                        &p.child(name),
                        INIT_CONTAINER_FORBIDDEN,
                    ));
                }
            }
        }
    }
    errs
}

/// An ephemeral container as the `Container` it is validated as.
fn ephemeral_as_container(ec: &EphemeralContainer) -> Container {
    Container {
        args: ec.args.clone(),
        command: ec.command.clone(),
        env: ec.env.clone(),
        env_from: ec.env_from.clone(),
        image: ec.image.clone(),
        image_pull_policy: ec.image_pull_policy.clone(),
        lifecycle: ec.lifecycle.clone(),
        liveness_probe: ec.liveness_probe.clone(),
        name: ec.name.clone(),
        ports: ec.ports.clone(),
        readiness_probe: ec.readiness_probe.clone(),
        resize_policy: ec.resize_policy.clone(),
        resources: ec.resources.clone(),
        restart_policy: ec.restart_policy.clone(),
        restart_policy_rules: ec.restart_policy_rules.clone(),
        security_context: ec.security_context.clone(),
        startup_probe: ec.startup_probe.clone(),
        stdin: ec.stdin,
        stdin_once: ec.stdin_once,
        termination_message_path: ec.termination_message_path.clone(),
        termination_message_policy: ec.termination_message_policy.clone(),
        tty: ec.tty,
        volume_devices: ec.volume_devices.clone(),
        volume_mounts: ec.volume_mounts.clone(),
        working_dir: ec.working_dir.clone(),
    }
}

/// `validateEphemeralContainers`: common rules, names unique across all containers, the
/// target container exists, only the allowed fields set, no subPath mounts.
pub(super) fn validate_ephemeral_containers(
    ephemeral: &[EphemeralContainer],
    containers: &[Container],
    init: &[Container],
    ctx: &ContainerContext<'_>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let other_names: BTreeSet<&str> = containers
        .iter()
        .chain(init)
        .map(|c| c.name.as_str())
        .collect();
    let mut all_names = other_names.clone();
    for (i, ec) in ephemeral.iter().enumerate() {
        let p = path.index(i);
        let c = ephemeral_as_container(ec);
        errs.extend(validate_container_common(&c, ctx, &p));
        errs.extend(validate_container_only_for_pod(&c, &p));
        if !all_names.insert(ec.name.as_str()) {
            errs.push(FieldError::duplicate(&p.child("name"), ec.name.as_str()));
        }
        let target = s(&ec.target_container_name);
        if !target.is_empty() && !other_names.contains(target) {
            errs.push(FieldError::not_found(
                &p.child("targetContainerName"),
                target,
            ));
        }
        let resources_set = c.resources.as_ref().is_some_and(|r| {
            !sl(&r.claims).is_empty()
                || r.limits.as_ref().is_some_and(|m| !m.is_empty())
                || r.requests.as_ref().is_some_and(|m| !m.is_empty())
        });
        // The disallowed fields of EphemeralContainerCommon, in Go field order.
        for (set, name) in [
            (!sl(&c.ports).is_empty(), "ports"),
            (resources_set, "resources"),
            (!sl(&c.resize_policy).is_empty(), "resizePolicy"),
            (c.restart_policy.is_some(), "restartPolicy"),
            (
                !sl(&c.restart_policy_rules).is_empty(),
                "restartPolicyRules",
            ),
            (c.liveness_probe.is_some(), "livenessProbe"),
            (c.readiness_probe.is_some(), "readinessProbe"),
            (c.startup_probe.is_some(), "startupProbe"),
            (c.lifecycle.is_some(), "lifecycle"),
        ] {
            if set {
                errs.push(FieldError::forbidden(
                    &p.child(name),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
        for (j, vm) in sl(&c.volume_mounts).iter().enumerate() {
            let vp = p.child("volumeMounts").index(j);
            if !s(&vm.sub_path).is_empty() {
                errs.push(FieldError::forbidden(
                    &vp.child("subPath"),
                    "cannot be set for an Ephemeral Container",
                ));
            }
            if !s(&vm.sub_path_expr).is_empty() {
                errs.push(FieldError::forbidden(
                    &vp.child("subPathExpr"),
                    "cannot be set for an Ephemeral Container",
                ));
            }
        }
    }
    errs
}

/// `validateContainerOnlyForPod`: the image has no surrounding whitespace.
pub(super) fn validate_container_only_for_pod(ctr: &Container, path: &Path) -> Vec<FieldError> {
    let image = s(&ctr.image);
    if image.len() != image.trim().len() {
        vec![FieldError::invalid(
            &path.child("image"),
            image,
            "must not have leading or trailing whitespace",
        )]
    } else {
        vec![]
    }
}

/// `validateContainerCommon`.
fn validate_container_common(
    ctr: &Container,
    ctx: &ContainerContext<'_>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let name_path = path.child("name");
    if ctr.name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        errs.extend(validate_dns1123_label(&ctr.name, &name_path));
    }
    if s(&ctr.image).is_empty() {
        errs.push(FieldError::required(&path.child("image"), ""));
    }
    match s(&ctr.termination_message_policy) {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(FieldError::required(
            &path.child("terminationMessagePolicy"),
            "",
        )),
        other => errs.push(FieldError::not_supported(
            &path.child("terminationMessagePolicy"),
            json_str(other),
            &["File", "FallbackToLogsOnError"],
        )),
    }
    let mounts = sl(&ctr.volume_mounts);
    let devices = sl(&ctr.volume_devices);
    let mount_map: BTreeMap<&str, &str> = mounts
        .iter()
        .map(|m| (m.name.as_str(), m.mount_path.as_str()))
        .collect();
    let device_map: BTreeMap<&str, &str> = devices
        .iter()
        .map(|d| (d.name.as_str(), d.device_path.as_str()))
        .collect();
    errs.extend(validate_container_ports(
        sl(&ctr.ports),
        &path.child("ports"),
    ));
    errs.extend(validate_env(sl(&ctr.env), &path.child("env")));
    errs.extend(validate_env_from(sl(&ctr.env_from), &path.child("envFrom")));
    errs.extend(validate_volume_mounts(
        mounts,
        &device_map,
        ctx.volumes,
        ctr,
        &path.child("volumeMounts"),
    ));
    errs.extend(validate_volume_devices(
        devices,
        &mount_map,
        ctx.volumes,
        &path.child("volumeDevices"),
    ));
    errs.extend(validate_pull_policy(
        s(&ctr.image_pull_policy),
        &path.child("imagePullPolicy"),
    ));
    let empty = ResourceRequirements::default();
    errs.extend(validate_resource_requirements(
        ctr.resources.as_ref().unwrap_or(&empty),
        ctx.claim_names,
        &path.child("resources"),
    ));
    errs.extend(validate_resize_policy(
        ctr,
        ctx.restart_policy,
        &path.child("resizePolicy"),
    ));
    if let Some(sc) = &ctr.security_context {
        errs.extend(validate_security_context(
            sc,
            &path.child("securityContext"),
            ctx.host_users,
        ));
    }
    errs
}

// ----- ports -----

/// `validateContainerPorts`: names valid and unique, containerPort required and in range,
/// hostPort in range, protocol required and supported.
fn validate_container_ports(ports: &[ContainerPort], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut all_names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = path.index(i);
        let name = s(&port.name);
        if !name.is_empty() {
            let msgs = is_valid_port_name(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid(&p.child("name"), name, msg));
                }
            } else if !all_names.insert(name) {
                errs.push(FieldError::duplicate(&p.child("name"), name));
            }
        }
        if port.container_port == 0 {
            errs.push(FieldError::required(&p.child("containerPort"), ""));
        } else {
            for msg in is_valid_port_num(i64::from(port.container_port)) {
                errs.push(FieldError::invalid(
                    &p.child("containerPort"),
                    port.container_port,
                    msg,
                ));
            }
        }
        let host_port = port.host_port.unwrap_or(0);
        if host_port != 0 {
            for msg in is_valid_port_num(i64::from(host_port)) {
                errs.push(FieldError::invalid(&p.child("hostPort"), host_port, msg));
            }
        }
        errs.extend(validate_port_protocol(
            s(&port.protocol),
            &p.child("protocol"),
        ));
    }
    errs
}

/// `checkHostPortConflicts`: no two ports share protocol, host IP and host port.
fn check_host_port_conflicts(containers: &[Container], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut seen = BTreeSet::new();
    for (ci, ctr) in containers.iter().enumerate() {
        for (pi, port) in sl(&ctr.ports).iter().enumerate() {
            let host_port = port.host_port.unwrap_or(0);
            if host_port == 0 {
                continue;
            }
            let key = format!("{}/{}/{host_port}", s(&port.protocol), s(&port.host_ip));
            if seen.contains(&key) {
                errs.push(FieldError::duplicate(
                    &path.index(ci).child("ports").index(pi).child("hostPort"),
                    key,
                ));
            } else {
                seen.insert(key);
            }
        }
    }
    errs
}

// ----- env -----

/// `ValidateEnv`: names (v1.35's relaxed rule) and `valueFrom`.
fn validate_env(vars: &[EnvVar], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, ev) in vars.iter().enumerate() {
        let p = path.index(i);
        if ev.name.is_empty() {
            errs.push(FieldError::required(&p.child("name"), ""));
        } else {
            for msg in env_var_name_errors(&ev.name) {
                errs.push(FieldError::invalid(&p.child("name"), ev.name.as_str(), msg));
            }
        }
        errs.extend(validate_env_var_value_from(ev, &p.child("valueFrom")));
    }
    errs
}

/// `validateEnvVarValueFrom`: exactly one source, not together with `value`. (`fileKeyRef`
/// belongs to the alpha `EnvFiles` gate, off in v1.35, and is not counted.)
fn validate_env_var_value_from(ev: &EnvVar, path: &Path) -> Vec<FieldError> {
    let Some(from) = &ev.value_from else {
        return vec![];
    };
    let mut errs = vec![];
    let mut num_sources = 0;
    if let Some(field_ref) = &from.field_ref {
        num_sources += 1;
        errs.extend(validate_object_field_selector(
            field_ref,
            &ENV_FIELD_PATHS,
            &path.child("fieldRef"),
        ));
    }
    if let Some(resource_ref) = &from.resource_field_ref {
        num_sources += 1;
        errs.extend(validate_container_resource_field_selector(
            resource_ref,
            &path.child("resourceFieldRef"),
            false,
        ));
    }
    for (name_and_key, at) in [
        (
            from.config_map_key_ref
                .as_ref()
                .map(|sel| (sel.name.as_str(), sel.key.as_str())),
            "configMapKeyRef",
        ),
        (
            from.secret_key_ref
                .as_ref()
                .map(|sel| (sel.name.as_str(), sel.key.as_str())),
            "secretKeyRef",
        ),
    ] {
        let Some((name, key)) = name_and_key else {
            continue;
        };
        num_sources += 1;
        let p = path.child(at);
        errs.extend(name_errors(
            name_is_dns_subdomain(name, false),
            &p.child("name"),
            name,
        ));
        errs.extend(validate_selector_key(key, &p.child("key")));
    }
    if num_sources == 0 {
        errs.push(FieldError::invalid(
            path,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ));
    } else if !s(&ev.value).is_empty() {
        errs.push(FieldError::invalid(
            path,
            "",
            "may not be specified when `value` is not empty",
        ));
    } else if num_sources > 1 {
        errs.push(FieldError::invalid(
            path,
            "",
            "may not have more than one field specified at a time",
        ));
    }
    errs
}

/// `ValidateEnvFrom`: the prefix (relaxed rule), exactly one of configMapRef and secretRef,
/// each named with a DNS subdomain (prefix rules: a trailing `-` is allowed).
fn validate_env_from(sources: &[EnvFromSource], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, ev) in sources.iter().enumerate() {
        let p = path.index(i);
        let prefix = s(&ev.prefix);
        if !prefix.is_empty() {
            for msg in env_var_name_errors(prefix) {
                errs.push(FieldError::invalid(&p.child("prefix"), prefix, msg));
            }
        }
        let mut num_sources = 0;
        for (name, at) in [
            (
                ev.config_map_ref.as_ref().map(|r| r.name.as_str()),
                "configMapRef",
            ),
            (ev.secret_ref.as_ref().map(|r| r.name.as_str()), "secretRef"),
        ] {
            let Some(name) = name else { continue };
            num_sources += 1;
            let np = p.child(at).child("name");
            if name.is_empty() {
                errs.push(FieldError::required(&np, ""));
            } else {
                for msg in name_is_dns_subdomain(name, true) {
                    errs.push(FieldError::invalid(&np, name, msg));
                }
            }
        }
        if num_sources == 0 {
            errs.push(FieldError::invalid(
                path,
                "",
                "must specify one of: `configMapRef` or `secretRef`",
            ));
        } else if num_sources > 1 {
            errs.push(FieldError::invalid(
                path,
                "",
                "may not have more than one field specified at a time",
            ));
        }
    }
    errs
}

// ----- mounts and devices -----

/// `ValidateVolumeMounts`. Path rules are reported at `volumeMounts.subPath` (no index), as
/// upstream does.
fn validate_volume_mounts(
    mounts: &[VolumeMount],
    devices: &BTreeMap<&str, &str>,
    volumes: &BTreeMap<String, &Volume>,
    ctr: &Container,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut mount_points = BTreeSet::new();
    for (i, mnt) in mounts.iter().enumerate() {
        let p = path.index(i);
        if mnt.name.is_empty() {
            errs.push(FieldError::required(&p.child("name"), ""));
        }
        if !volumes.contains_key(&mnt.name) {
            errs.push(FieldError::not_found(&p.child("name"), mnt.name.as_str()));
        }
        if mnt.mount_path.is_empty() {
            errs.push(FieldError::required(&p.child("mountPath"), ""));
        }
        if !mount_points.insert(mnt.mount_path.as_str()) {
            errs.push(FieldError::invalid(
                &p.child("mountPath"),
                mnt.mount_path.as_str(),
                "must be unique",
            ));
        }
        if devices.contains_key(mnt.name.as_str()) {
            errs.push(FieldError::invalid(
                &p.child("name"),
                mnt.name.as_str(),
                "must not already exist in volumeDevices",
            ));
        }
        if devices.values().any(|d| *d == mnt.mount_path) {
            errs.push(FieldError::invalid(
                &p.child("mountPath"),
                mnt.mount_path.as_str(),
                "must not already exist as a path in volumeDevices",
            ));
        }
        let sub_path = s(&mnt.sub_path);
        let sub_path_expr = s(&mnt.sub_path_expr);
        if volumes.get(&mnt.name).is_some_and(|v| v.image.is_some()) {
            if !sub_path.is_empty() {
                errs.push(FieldError::invalid(
                    &p.child("subPath"),
                    sub_path,
                    "not allowed in image volume sources",
                ));
            }
            if !sub_path_expr.is_empty() {
                errs.push(FieldError::invalid(
                    &p.child("subPathExpr"),
                    sub_path_expr,
                    "not allowed in image volume sources",
                ));
            }
        }
        if !sub_path.is_empty() {
            errs.extend(validate_local_descending_path(
                sub_path,
                &path.child("subPath"),
            ));
        }
        if !sub_path_expr.is_empty() {
            if !sub_path.is_empty() {
                errs.push(FieldError::invalid(
                    &p.child("subPathExpr"),
                    sub_path_expr,
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            errs.extend(validate_local_descending_path(
                sub_path_expr,
                &path.child("subPathExpr"),
            ));
        }
        if let Some(propagation) = &mnt.mount_propagation {
            errs.extend(validate_mount_propagation(
                propagation,
                ctr,
                &path.child("mountPropagation"),
            ));
        }
        errs.extend(validate_mount_recursive_read_only(
            mnt,
            &path.child("recursiveReadOnly"),
        ));
    }
    errs
}

/// `validateMountPropagation`: a supported mode; Bidirectional only for privileged containers.
fn validate_mount_propagation(mode: &str, ctr: &Container, path: &Path) -> Vec<FieldError> {
    let supported = ["Bidirectional", "HostToContainer", "None"];
    let mut errs = vec![];
    if !supported.contains(&mode) {
        errs.push(FieldError::not_supported(path, json_str(mode), &supported));
    }
    let privileged = ctr
        .security_context
        .as_ref()
        .and_then(|sc| sc.privileged)
        .unwrap_or(false);
    if mode == "Bidirectional" && !privileged {
        errs.push(FieldError::forbidden(
            path,
            "Bidirectional mount propagation is available only to privileged containers",
        ));
    }
    errs
}

/// `validateMountRecursiveReadOnly`: Enabled and IfPossible need readOnly and no propagation.
fn validate_mount_recursive_read_only(mnt: &VolumeMount, path: &Path) -> Vec<FieldError> {
    let Some(rro) = &mnt.recursive_read_only else {
        return vec![];
    };
    let mut errs = vec![];
    match rro.as_str() {
        "Disabled" => {}
        "Enabled" | "IfPossible" => {
            if !mnt.read_only.unwrap_or(false) {
                errs.push(FieldError::forbidden(
                    path,
                    "may only be specified when readOnly is true",
                ));
            }
            if mnt
                .mount_propagation
                .as_deref()
                .is_some_and(|m| m != "None")
            {
                errs.push(FieldError::forbidden(
                    path,
                    "may only be specified when mountPropagation is None or not specified",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            path,
            json_str(other),
            &["Disabled", "Enabled", "IfPossible"],
        )),
    }
    errs
}

/// `ValidateVolumeDevices`: a claim-backed volume, unique names and paths, no backsteps, no
/// overlap with the mounts.
fn validate_volume_devices(
    devices: &[k8s_openapi::api::core::v1::VolumeDevice],
    mounts: &BTreeMap<&str, &str>,
    volumes: &BTreeMap<String, &Volume>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut device_paths = BTreeSet::new();
    let mut device_names = BTreeSet::new();
    for (i, dev) in devices.iter().enumerate() {
        let p = path.index(i);
        let (name, dev_path) = (dev.name.as_str(), dev.device_path.as_str());
        let matched = volumes.get(name);
        let is_claim =
            matched.is_some_and(|v| v.persistent_volume_claim.is_some() || v.ephemeral.is_some());
        if name.is_empty() {
            errs.push(FieldError::required(&p.child("name"), ""));
        }
        if device_names.contains(name) {
            errs.push(FieldError::invalid(
                &p.child("name"),
                name,
                "must be unique",
            ));
        }
        if matched.is_some() && !is_claim {
            errs.push(FieldError::invalid(
                &p.child("name"),
                name,
                "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode",
            ));
        }
        if matched.is_none() {
            errs.push(FieldError::not_found(&p.child("name"), name));
        }
        if dev_path.is_empty() {
            errs.push(FieldError::required(&p.child("devicePath"), ""));
        }
        if device_paths.contains(dev_path) {
            errs.push(FieldError::invalid(
                &p.child("devicePath"),
                dev_path,
                "must be unique",
            ));
        }
        if !dev_path.is_empty() && dev_path.split('/').any(|part| part == "..") {
            errs.push(FieldError::invalid(
                &p.child("devicePath"),
                dev_path,
                "can not contain backsteps ('..')",
            ));
        } else {
            device_paths.insert(dev_path);
        }
        if mounts.contains_key(name) {
            errs.push(FieldError::invalid(
                &p.child("name"),
                name,
                "must not already exist in volumeMounts",
            ));
        }
        if mounts.values().any(|m| *m == dev_path) {
            errs.push(FieldError::invalid(
                &p.child("devicePath"),
                dev_path,
                "must not already exist as a path in volumeMounts",
            ));
        }
        if !name.is_empty() {
            device_names.insert(name);
        }
    }
    errs
}

// ----- resources -----

/// `standardResources` (`helper.IsStandardResourceName`, without the hugepage prefixes).
const STANDARD_RESOURCES: [&str; 20] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "storage",
    "requests.storage",
    "services.nodeports",
    "services.loadbalancers",
];

/// `integerResources` (`helper.IsIntegerResourceName`, besides extended resources).
const INTEGER_RESOURCES: [&str; 9] = [
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

fn is_hugepage(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// `helper.IsNativeResource`: no domain, or a `kubernetes.io/` one.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `helper.IsExtendedResourceName`.
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && names::is_qualified_name(&format!("requests.{name}")).is_empty()
}

/// `helper.IsOvercommitAllowed`: native and not hugepages.
fn is_overcommit_allowed(name: &str) -> bool {
    is_native(name) && !is_hugepage(name)
}

/// `validateResourceName` then `validateContainerResourceName`.
fn validate_container_resource_name(name: &str, path: &Path) -> Vec<FieldError> {
    let mut errs: Vec<FieldError> = names::is_qualified_name(name)
        .into_iter()
        .map(|msg| FieldError::invalid(path, json_str(name), msg))
        .collect();
    let no_domain = !name.contains('/');
    if errs.is_empty()
        && no_domain
        && !STANDARD_RESOURCES.contains(&name)
        && !is_hugepage(name)
        && !name.starts_with("requests.hugepages-")
    {
        errs.push(FieldError::invalid(
            path,
            json_str(name),
            "must be a standard resource type or fully qualified",
        ));
    }
    if no_domain {
        if !["cpu", "memory", "ephemeral-storage"].contains(&name) && !is_hugepage(name) {
            errs.push(FieldError::invalid(
                path,
                json_str(name),
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended(name) {
        errs.push(FieldError::invalid(
            path,
            json_str(name),
            "doesn't follow extended resource name standard",
        ));
    }
    errs
}

/// `ValidateResourceQuantityValue`: not negative; whole numbers for integer resources.
fn validate_resource_quantity_value(name: &str, q: &Quantity, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_nonnegative_quantity(q, path);
    if (INTEGER_RESOURCES.contains(&name) || is_extended(name)) && q.milli_value() % 1000 != 0 {
        errs.push(FieldError::invalid(
            path,
            quantity_value(q),
            "must be an integer",
        ));
    }
    errs
}

/// `validateResourceQuantityHugePageValue`: a whole number of pages.
fn validate_hugepage_value(name: &str, q: &Quantity, path: &Path) -> Vec<FieldError> {
    let divisible = name
        .strip_prefix("hugepages-")
        .and_then(|size| Quantity::parse(size).ok())
        .filter(|size| size.sign() > 0 && size.milli_value() % 1000 == 0)
        .is_some_and(|size| q.value() % size.value() == 0);
    if divisible {
        vec![]
    } else {
        vec![FieldError::invalid(
            path,
            q.to_string(),
            format!("{q} is not positive integer multiple of {name}"),
        )]
    }
}

/// `validateResourceRequirements` for a container: names, quantities, requests not above
/// limits (equal for non-overcommittable resources), hugepages, claims.
pub(super) fn validate_resource_requirements(
    req: &ResourceRequirements,
    claim_names: &BTreeSet<String>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let lim_path = path.child("limits");
    let req_path = path.child("requests");
    let (mut lim_cpu_mem, mut req_cpu_mem, mut lim_huge, mut req_huge) =
        (false, false, false, false);
    let limits: BTreeMap<&str, Quantity> = resource_list(&req.limits)
        .filter_map(|(k, v)| quantity(v).map(|q| (k.as_str(), q)))
        .collect();
    for (name, q) in &limits {
        let p = lim_path.key(name);
        errs.extend(validate_container_resource_name(name, &p));
        errs.extend(validate_resource_quantity_value(name, q, &p));
        if is_hugepage(name) {
            lim_huge = true;
            errs.extend(validate_hugepage_value(name, q, &p));
        }
        if ["cpu", "memory"].contains(name) {
            lim_cpu_mem = true;
        }
    }
    for (name, v) in resource_list(&req.requests) {
        let Some(q) = quantity(v) else { continue };
        let name = name.as_str();
        let p = req_path.key(name);
        errs.extend(validate_container_resource_name(name, &p));
        errs.extend(validate_resource_quantity_value(name, &q, &p));
        if let Some(limit) = limits.get(name) {
            if q.cmp_value(limit) != std::cmp::Ordering::Equal && !is_overcommit_allowed(name) {
                errs.push(FieldError::invalid(
                    &req_path,
                    q.to_string(),
                    format!("must be equal to {name} limit of {limit}"),
                ));
            } else if q.cmp_value(limit) == std::cmp::Ordering::Greater {
                errs.push(FieldError::invalid(
                    &req_path,
                    q.to_string(),
                    format!("must be less than or equal to {name} limit of {limit}"),
                ));
            }
        } else if !is_overcommit_allowed(name) {
            errs.push(FieldError::required(
                &lim_path,
                "Limit must be set for non overcommitable resources",
            ));
        }
        if is_hugepage(name) {
            req_huge = true;
            errs.extend(validate_hugepage_value(name, &q, &p));
        }
        if ["cpu", "memory"].contains(&name) {
            req_cpu_mem = true;
        }
    }
    if !lim_cpu_mem && !req_cpu_mem && (req_huge || lim_huge) {
        errs.push(FieldError::forbidden(
            path,
            "HugePages require cpu or memory",
        ));
    }
    errs.extend(validate_resource_claim_names(
        req,
        claim_names,
        &path.child("claims"),
    ));
    errs
}

/// `validateResourceClaimNames`: each claim named, not repeated, and one of the pod's claims.
fn validate_resource_claim_names(
    req: &ResourceRequirements,
    claim_names: &BTreeSet<String>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, claim) in sl(&req.claims).iter().enumerate() {
        let p = path.index(i);
        let name = claim.name.as_str();
        if name.is_empty() {
            errs.push(FieldError::required(&p, ""));
            continue;
        }
        if seen.contains(name) {
            errs.push(FieldError::duplicate(&p, name));
        } else {
            let request = s(&claim.request);
            let mut key = name.to_string();
            if !request.is_empty() {
                errs.extend(validate_dns1123_label(request, &p.child("request")));
                key = format!("{name}/{request}");
            }
            if seen.contains(&key) {
                errs.push(FieldError::duplicate(&p, key.as_str()));
            } else if request.is_empty() {
                for other in &seen {
                    if other.split_once('/').is_some_and(|(n, _)| n == name) {
                        errs.push(FieldError::duplicate(&p, name));
                    }
                }
            }
            seen.insert(key);
        }
        if !claim_names.contains(name) {
            let mut e = FieldError::not_found(&p, name);
            e.detail = if claim_names.is_empty() {
                "must be one of the names in pod.spec.resourceClaims which is empty".to_string()
            } else {
                let all: Vec<&str> = claim_names.iter().map(String::as_str).collect();
                format!(
                    "must be one of the names in pod.spec.resourceClaims: {}",
                    all.join(", ")
                )
            };
            errs.push(e);
        }
    }
    errs
}

/// `validateResizePolicy`: cpu and memory once each, a known restart policy, `NotRequired`
/// when the pod never restarts.
fn validate_resize_policy(
    ctr: &Container,
    pod_restart_policy: &str,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut seen = BTreeSet::new();
    for (i, p) in sl(&ctr.resize_policy).iter().enumerate() {
        if !seen.insert(p.resource_name.as_str()) {
            errs.push(FieldError::duplicate(
                &path.index(i),
                json_str(&p.resource_name),
            ));
        }
        match p.resource_name.as_str() {
            "cpu" | "memory" => {}
            "" => errs.push(FieldError::required(path, "")),
            other => errs.push(FieldError::not_supported(
                path,
                json_str(other),
                &["cpu", "memory"],
            )),
        }
        match p.restart_policy.as_str() {
            "NotRequired" | "RestartContainer" => {}
            "" => errs.push(FieldError::required(path, "")),
            other => errs.push(FieldError::not_supported(
                path,
                json_str(other),
                &["NotRequired", "RestartContainer"],
            )),
        }
        if pod_restart_policy == "Never" && p.restart_policy != "NotRequired" {
            errs.push(FieldError::invalid(
                path,
                json_str(&p.restart_policy),
                "must be 'NotRequired' when `restartPolicy` is 'Never'",
            ));
        }
    }
    errs
}

// ----- probes and hooks -----

/// The handler of a probe or lifecycle hook, as upstream's `commonHandler`.
struct Handler<'a> {
    exec: Option<&'a k8s_openapi::api::core::v1::ExecAction>,
    http_get: Option<&'a HTTPGetAction>,
    tcp_socket: Option<&'a k8s_openapi::api::core::v1::TCPSocketAction>,
    grpc: Option<&'a k8s_openapi::api::core::v1::GRPCAction>,
    sleep: Option<&'a k8s_openapi::api::core::v1::SleepAction>,
}

/// `validateProbe`: one handler, non-negative timings, a positive grace period if set.
fn validate_probe(probe: &Probe, grace: Option<i64>, path: &Path) -> Vec<FieldError> {
    let handler = Handler {
        exec: probe.exec.as_ref(),
        http_get: probe.http_get.as_ref(),
        tcp_socket: probe.tcp_socket.as_ref(),
        grpc: probe.grpc.as_ref(),
        sleep: None,
    };
    let mut errs = validate_handler(&handler, grace, path);
    for (value, name) in [
        (probe.initial_delay_seconds, "initialDelaySeconds"),
        (probe.timeout_seconds, "timeoutSeconds"),
        (probe.period_seconds, "periodSeconds"),
        (probe.success_threshold, "successThreshold"),
        (probe.failure_threshold, "failureThreshold"),
    ] {
        errs.extend(validate_nonnegative(
            i64::from(value.unwrap_or(0)),
            &path.child(name),
        ));
    }
    if let Some(t) = probe.termination_grace_period_seconds
        && t <= 0
    {
        errs.push(FieldError::invalid(
            &path.child("terminationGracePeriodSeconds"),
            t,
            "must be greater than 0",
        ));
    }
    errs
}

/// `validateLifecycle`: postStart and preStop handlers.
fn validate_lifecycle(lifecycle: &Lifecycle, grace: Option<i64>, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (hook, name) in [
        (&lifecycle.post_start, "postStart"),
        (&lifecycle.pre_stop, "preStop"),
    ] {
        if let Some(h) = hook {
            errs.extend(validate_handler(
                &lifecycle_handler(h),
                grace,
                &path.child(name),
            ));
        }
    }
    errs
}

fn lifecycle_handler(h: &LifecycleHandler) -> Handler<'_> {
    Handler {
        exec: h.exec.as_ref(),
        http_get: h.http_get.as_ref(),
        tcp_socket: h.tcp_socket.as_ref(),
        grpc: None,
        sleep: h.sleep.as_ref(),
    }
}

/// `validateHandler`: exactly one handler type, each valid.
fn validate_handler(h: &Handler<'_>, grace: Option<i64>, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut count = 0;
    let mut one =
        |name: &str, errs: &mut Vec<FieldError>, check: &dyn Fn(&Path) -> Vec<FieldError>| {
            if count > 0 {
                errs.push(FieldError::forbidden(
                    &path.child(name),
                    "may not specify more than 1 handler type",
                ));
            } else {
                count += 1;
                errs.extend(check(&path.child(name)));
            }
        };
    if let Some(exec) = h.exec {
        one("exec", &mut errs, &|p| {
            if sl(&exec.command).is_empty() {
                vec![FieldError::required(&p.child("command"), "")]
            } else {
                vec![]
            }
        });
    }
    if let Some(http) = h.http_get {
        one("httpGet", &mut errs, &|p| validate_http_get(http, p));
    }
    if let Some(tcp) = h.tcp_socket {
        one("tcpSocket", &mut errs, &|p| {
            validate_port_num_or_name(&tcp.port, &p.child("port"))
        });
    }
    if let Some(grpc) = h.grpc {
        one("grpc", &mut errs, &|p| {
            validate_port_num_or_name(&IntOrString::Int(grpc.port), &p.child("port"))
        });
    }
    if let Some(sleep) = h.sleep {
        one("sleep", &mut errs, &|p| match grace {
            Some(g) if sleep.seconds < 0 || sleep.seconds > g => vec![FieldError::invalid(
                p,
                sleep.seconds,
                format!("must be non-negative and less than terminationGracePeriodSeconds ({g})"),
            )],
            _ => vec![],
        });
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a handler type"));
    }
    errs
}

/// `validateHTTPGetAction`: a path, a port, HTTP or HTTPS, valid header names.
fn validate_http_get(http: &HTTPGetAction, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if s(&http.path).is_empty() {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    errs.extend(validate_port_num_or_name(&http.port, &path.child("port")));
    let scheme = s(&http.scheme);
    if !["HTTP", "HTTPS"].contains(&scheme) {
        errs.push(FieldError::not_supported(
            &path.child("scheme"),
            json_str(scheme),
            &["HTTP", "HTTPS"],
        ));
    }
    for header in sl(&http.http_headers) {
        for msg in is_http_header_name(&header.name) {
            errs.push(FieldError::invalid(
                &path.child("httpHeaders"),
                header.name.as_str(),
                msg,
            ));
        }
    }
    errs
}

// ----- security context -----

/// `ValidateSecurityContext` for a container. Privileged containers are allowed (the usual
/// `--allow-privileged=true`).
fn validate_security_context(
    sc: &SecurityContext,
    path: &Path,
    host_users: bool,
) -> Vec<FieldError> {
    let mut errs = validate_run_as_ids(sc.run_as_user, sc.run_as_group, path);
    if let Some(proc_mount) = &sc.proc_mount {
        if !["Default", "Unmasked"].contains(&proc_mount.as_str()) {
            errs.push(FieldError::not_supported(
                &path.child("procMount"),
                json_str(proc_mount),
                &["Default", "Unmasked"],
            ));
        }
        if host_users && proc_mount == "Unmasked" {
            errs.push(FieldError::invalid(
                &path.child("procMount"),
                json_str(proc_mount),
                "`hostUsers` must be false to use `Unmasked`",
            ));
        }
    }
    errs.extend(validate_seccomp_profile_field(
        sc.seccomp_profile.as_ref(),
        &path.child("seccompProfile"),
    ));
    if sc.allow_privilege_escalation == Some(false) {
        if sc.privileged == Some(true) {
            errs.push(FieldError::invalid(
                path,
                BadValue::Go(json_security_context(sc)),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        for cap in sc.capabilities.iter().flat_map(|c| sl(&c.add)) {
            if cap == "CAP_SYS_ADMIN" {
                errs.push(FieldError::invalid(
                    path,
                    BadValue::Go(json_security_context(sc)),
                    "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                ));
            }
        }
    }
    errs.extend(validate_windows_options(
        sc.windows_options.as_ref(),
        &path.child("windowsOptions"),
    ));
    errs.extend(validate_app_armor_profile(
        sc.app_armor_profile.as_ref(),
        &path.child("appArmorProfile"),
    ));
    errs
}

/// `validateSeccompProfileField`.
pub(super) fn validate_seccomp_profile_field(
    sp: Option<&SeccompProfile>,
    path: &Path,
) -> Vec<FieldError> {
    let Some(sp) = sp else { return vec![] };
    let mut errs = vec![];
    let types = ["Localhost", "RuntimeDefault", "Unconfined"];
    match sp.type_.as_str() {
        "Localhost" | "RuntimeDefault" | "Unconfined" => {}
        "" => errs.push(FieldError::required(
            &path.child("type"),
            "type is required when seccompProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            &path.child("type"),
            json_str(other),
            &types,
        )),
    }
    if sp.type_ == "Localhost" {
        match &sp.localhost_profile {
            None => errs.push(FieldError::required(
                &path.child("localhostProfile"),
                "must be set when seccomp type is Localhost",
            )),
            Some(profile) => {
                errs.extend(validate_local_descending_path(
                    profile,
                    &path.child("localhostProfile"),
                ));
            }
        }
    } else if sp.localhost_profile.is_some() {
        errs.push(FieldError::invalid(
            &path.child("localhostProfile"),
            BadValue::Go(json_profile(&sp.type_, sp.localhost_profile.as_deref())),
            "can only be set when seccomp type is Localhost",
        ));
    }
    errs
}

/// `ValidateAppArmorProfileField`.
pub(super) fn validate_app_armor_profile(
    profile: Option<&k8s_openapi::api::core::v1::AppArmorProfile>,
    path: &Path,
) -> Vec<FieldError> {
    let Some(profile) = profile else {
        return vec![];
    };
    let mut errs = vec![];
    match profile.type_.as_str() {
        "Localhost" => match &profile.localhost_profile {
            None => errs.push(FieldError::required(
                &path.child("localhostProfile"),
                "must be set when AppArmor type is Localhost",
            )),
            Some(lp) => {
                let trimmed = lp.trim();
                if trimmed != lp {
                    errs.push(FieldError::invalid(
                        &path.child("localhostProfile"),
                        lp.as_str(),
                        "must not be padded with whitespace",
                    ));
                } else if trimmed.is_empty() {
                    errs.push(FieldError::required(
                        &path.child("localhostProfile"),
                        "must be set when AppArmor type is Localhost",
                    ));
                }
                if lp.len() > 4095 {
                    errs.push(crate::api::validation::meta::too_long(
                        &path.child("localhostProfile"),
                        4095,
                    ));
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(lp) = &profile.localhost_profile {
                errs.push(FieldError::invalid(
                    &path.child("localhostProfile"),
                    lp.as_str(),
                    "can only be set when AppArmor type is Localhost",
                ));
            }
        }
        "" => errs.push(FieldError::required(
            &path.child("type"),
            "type is required when appArmorProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            &path.child("type"),
            json_str(other),
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    errs
}

/// `validateWindowsSecurityContextOptions`.
pub(super) fn validate_windows_options(
    opts: Option<&WindowsSecurityContextOptions>,
    path: &Path,
) -> Vec<FieldError> {
    let Some(opts) = opts else { return vec![] };
    let mut errs = vec![];
    if let Some(name) = &opts.gmsa_credential_spec_name {
        for msg in names::is_dns1123_subdomain(name) {
            errs.push(FieldError::invalid(
                &path.child("gmsaCredentialSpecName"),
                name.as_str(),
                msg,
            ));
        }
    }
    if let Some(spec) = &opts.gmsa_credential_spec {
        if spec.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("gmsaCredentialSpec"),
                spec.as_str(),
                "gmsaCredentialSpec cannot be an empty string",
            ));
        } else if spec.len() > 64 * 1024 {
            errs.push(FieldError::invalid(
                &path.child("gmsaCredentialSpec"),
                spec.as_str(),
                "gmsaCredentialSpec size must be under 64 KiB",
            ));
        }
    }
    if let Some(user_name) = &opts.run_as_user_name {
        let p = path.child("runAsUserName");
        let bad = |msg: &str| FieldError::invalid(&p, user_name.as_str(), msg);
        let parts: Vec<&str> = user_name.split('\\').collect();
        if user_name.is_empty() {
            errs.push(bad("runAsUserName cannot be an empty string"));
        } else if user_name.chars().any(|c| c.is_ascii_control()) {
            errs.push(bad("runAsUserName cannot contain control characters"));
        } else if parts.len() > 2 {
            errs.push(bad("runAsUserName cannot contain more than one backslash"));
        } else {
            let (domain, user) = if parts.len() == 1 {
                (None, parts[0])
            } else {
                (Some(parts[0]), parts[1])
            };
            if domain.is_some_and(|d| d.len() >= 256) {
                errs.push(bad(
                    "runAsUserName's Domain length must be under 256 characters",
                ));
            }
            if let Some(d) = domain
                && !is_netbios_domain(d)
                && !is_dns_domain(d)
            {
                errs.push(bad(
                    "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
                ));
            }
            if user.is_empty() {
                errs.push(bad("runAsUserName's User cannot be empty"));
            } else if user.len() > 104 {
                errs.push(bad(
                    "runAsUserName's User length must not be longer than 104 characters",
                ));
            }
            if !user.is_empty() && user.chars().all(|c| c == '.' || c == ' ') {
                errs.push(bad(
                    "runAsUserName's User cannot contain only periods or spaces",
                ));
            }
            if user.chars().any(|c| "\"/\\:;|=,+*?<>@[]".contains(c)) {
                errs.push(bad("runAsUserName's User cannot contain the following characters: \"/\\:;|=,+*?<>@[]"));
            }
        }
    }
    errs
}

/// `^[^\\/:\*\?"<>|\.][^\\/:\*\?"<>|]{0,14}$`.
fn is_netbios_domain(d: &str) -> bool {
    let forbidden = |c: char| "\\/:*?\"<>|".contains(c);
    let chars: Vec<char> = d.chars().collect();
    !chars.is_empty()
        && chars.len() <= 15
        && !forbidden(chars[0])
        && chars[0] != '.'
        && chars.iter().all(|c| !forbidden(*c))
}

/// Dot-separated labels of `[a-zA-Z0-9]`, inner `-`, at most 63 characters each.
fn is_dns_domain(d: &str) -> bool {
    d.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    })
}

// ----- JSON of internal structs (Go field names, no omitempty) -----

fn json_opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "null".to_string(), |x| x.to_string())
}

/// An internal `SeccompProfile` or `AppArmorProfile`.
fn json_profile(type_: &str, localhost: Option<&str>) -> String {
    format!(
        "{{\"Type\":{},\"LocalhostProfile\":{}}}",
        json_quote(type_),
        json_opt_quote(localhost)
    )
}

fn json_capabilities(c: Option<&Capabilities>) -> String {
    c.map_or_else(
        || "null".to_string(),
        |c| {
            format!(
                "{{\"Add\":{},\"Drop\":{}}}",
                json_string_slice(c.add.as_deref()),
                json_string_slice(c.drop.as_deref())
            )
        },
    )
}

/// An internal `core.SecurityContext`, as `field.Error` prints it.
fn json_security_context(sc: &SecurityContext) -> String {
    let se_linux = sc.se_linux_options.as_ref().map_or_else(
        || "null".to_string(),
        |o| {
            format!(
                "{{\"User\":{},\"Role\":{},\"Type\":{},\"Level\":{}}}",
                json_quote(s(&o.user)),
                json_quote(s(&o.role)),
                json_quote(s(&o.type_)),
                json_quote(s(&o.level))
            )
        },
    );
    let windows = sc.windows_options.as_ref().map_or_else(
        || "null".to_string(),
        |w| {
            format!(
                "{{\"GMSACredentialSpecName\":{},\"GMSACredentialSpec\":{},\"RunAsUserName\":{},\"HostProcess\":{}}}",
                json_opt_quote(w.gmsa_credential_spec_name.as_deref()),
                json_opt_quote(w.gmsa_credential_spec.as_deref()),
                json_opt_quote(w.run_as_user_name.as_deref()),
                json_opt(w.host_process)
            )
        },
    );
    let seccomp = sc.seccomp_profile.as_ref().map_or_else(
        || "null".to_string(),
        |p| json_profile(&p.type_, p.localhost_profile.as_deref()),
    );
    let app_armor = sc.app_armor_profile.as_ref().map_or_else(
        || "null".to_string(),
        |p| json_profile(&p.type_, p.localhost_profile.as_deref()),
    );
    format!(
        "{{\"Capabilities\":{},\"Privileged\":{},\"SELinuxOptions\":{},\"WindowsOptions\":{},\"RunAsUser\":{},\"RunAsGroup\":{},\"RunAsNonRoot\":{},\"ReadOnlyRootFilesystem\":{},\"AllowPrivilegeEscalation\":{},\"ProcMount\":{},\"SeccompProfile\":{},\"AppArmorProfile\":{}}}",
        json_capabilities(sc.capabilities.as_ref()),
        json_opt(sc.privileged),
        se_linux,
        windows,
        json_opt(sc.run_as_user),
        json_opt(sc.run_as_group),
        json_opt(sc.run_as_non_root),
        json_opt(sc.read_only_root_filesystem),
        json_opt(sc.allow_privilege_escalation),
        json_opt_quote(sc.proc_mount.as_deref()),
        seccomp,
        app_armor
    )
}
