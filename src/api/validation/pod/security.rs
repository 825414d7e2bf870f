//! Pod-level security rules: `validatePodSpecSecurityContext` (ids, sysctls, policies,
//! profiles), `validateHostUsers`, `validateWindowsHostProcessPod` and the OS-specific checks
//! (`validateOS`, `validateLinux`, `validateWindows`).
//!
//! Upstream keeps `hostNetwork`, `hostPID`, `hostIPC`, `shareProcessNamespace` and
//! `hostUsers` in the internal pod security context; here they are read from the v1 spec.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, PodSecurityContext, PodSpec};

use super::container::{
    validate_app_armor_profile, validate_seccomp_profile_field, validate_windows_options,
};
use super::util::{is_valid_id, validate_run_as_ids};
use crate::api::field::{FieldError, Path};
use crate::api::validation::meta::json_str;
use crate::api::validation::util::sl;

/// Every container of the spec with its path, init containers first, as
/// `podshelper.VisitContainersWithPath` visits them.
fn visit_containers(spec: &PodSpec, path: &Path) -> Vec<(Container, Path)> {
    let mut out: Vec<(Container, Path)> = vec![];
    for (i, c) in sl(&spec.init_containers).iter().enumerate() {
        out.push((c.clone(), path.child("initContainers").index(i)));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push((c.clone(), path.child("containers").index(i)));
    }
    for (i, c) in sl(&spec.ephemeral_containers).iter().enumerate() {
        let as_container = Container {
            name: c.name.clone(),
            security_context: c.security_context.clone(),
            ..Container::default()
        };
        out.push((as_container, path.child("ephemeralContainers").index(i)));
    }
    out
}

/// `IsValidSysctlName`: at most 253 characters of dot- or slash-separated segments
/// `[a-z0-9]([-_a-z0-9]*[a-z0-9])?`.
fn is_valid_sysctl_name(name: &str) -> bool {
    let segment_ok = |seg: &str| {
        let b = seg.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && alnum(&b[0])
            && alnum(&b[b.len() - 1])
            && b.iter().all(|c| alnum(c) || *c == b'-' || *c == b'_')
    };
    name.len() <= 253 && name.split(['.', '/']).all(segment_ok)
}

/// The namespace a sysctl belongs to (`utilsysctl.GetNamespace`), after normalizing a
/// slash-separated name.
fn sysctl_namespace(name: &str) -> Option<&'static str> {
    let normalized: String = match name.find(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'/' => name
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => name.to_string(),
    };
    if normalized == "kernel.sem"
        || ["kernel.shm", "kernel.msg", "fs.mqueue."]
            .iter()
            .any(|p| normalized.starts_with(p))
    {
        Some("ipc")
    } else if normalized.starts_with("net.") {
        Some("net")
    } else {
        None
    }
}

/// `validatePodSpecSecurityContext`.
pub(super) fn validate_pod_security_context(spec: &PodSpec, path: &Path) -> Vec<FieldError> {
    let default = PodSecurityContext::default();
    let sc = spec.security_context.as_ref().unwrap_or(&default);
    let mut errs = vec![];
    if let Some(fs_group) = sc.fs_group {
        for msg in is_valid_id(fs_group) {
            errs.push(FieldError::invalid(&path.child("fsGroup"), fs_group, msg));
        }
    }
    errs.extend(validate_run_as_ids(sc.run_as_user, sc.run_as_group, path));
    for (g, gid) in sl(&sc.supplemental_groups).iter().enumerate() {
        for msg in is_valid_id(*gid) {
            errs.push(FieldError::invalid(
                &path.child("supplementalGroups").index(g),
                *gid,
                msg,
            ));
        }
    }
    let host_pid = spec.host_pid.unwrap_or(false);
    if spec.share_process_namespace == Some(true) && host_pid {
        errs.push(FieldError::invalid(
            &path.child("shareProcessNamespace"),
            true,
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    let sysctls = sl(&sc.sysctls);
    if !sysctls.is_empty() {
        let p = path.child("sysctls");
        let mut names = BTreeSet::new();
        for (i, sysctl) in sysctls.iter().enumerate() {
            let np = p.index(i).child("name");
            if sysctl.name.is_empty() {
                errs.push(FieldError::required(&np, ""));
            } else if !is_valid_sysctl_name(&sysctl.name) {
                errs.push(FieldError::invalid(
                    &np,
                    sysctl.name.as_str(),
                    "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
                ));
            } else if names.contains(sysctl.name.as_str()) {
                errs.push(FieldError::duplicate(&np, sysctl.name.as_str()));
            }
            match sysctl_namespace(&sysctl.name) {
                Some("net") if spec.host_network.unwrap_or(false) => {
                    errs.push(FieldError::invalid(
                        &np,
                        sysctl.name.as_str(),
                        "may not be specified when 'hostNetwork' is true",
                    ))
                }
                Some("ipc") if spec.host_ipc.unwrap_or(false) => errs.push(FieldError::invalid(
                    &np,
                    sysctl.name.as_str(),
                    "may not be specified when 'hostIPC' is true",
                )),
                _ => {}
            }
            names.insert(sysctl.name.as_str());
        }
    }
    if let Some(policy) = &sc.fs_group_change_policy
        && !["Always", "OnRootMismatch"].contains(&policy.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("fsGroupChangePolicy"),
            json_str(policy),
            &["Always", "OnRootMismatch"],
        ));
    }
    errs.extend(validate_seccomp_profile_field(
        sc.seccomp_profile.as_ref(),
        &path.child("seccompProfile"),
    ));
    errs.extend(validate_windows_options(
        sc.windows_options.as_ref(),
        &path.child("windowsOptions"),
    ));
    errs.extend(validate_app_armor_profile(
        sc.app_armor_profile.as_ref(),
        &path.child("appArmorProfile"),
    ));
    if let Some(policy) = &sc.supplemental_groups_policy
        && !["Merge", "Strict"].contains(&policy.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("supplementalGroupsPolicy"),
            json_str(policy),
            &["Merge", "Strict"],
        ));
    }
    if let Some(policy) = &sc.se_linux_change_policy
        && !["MountOption", "Recursive"].contains(&policy.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("seLinuxChangePolicy"),
            json_str(policy),
            &["MountOption", "Recursive"],
        ));
    }
    errs
}

/// `validateHostUsers`: without a user namespace of the host, no host network, PID or IPC.
pub(super) fn validate_host_users(spec: &PodSpec, path: &Path) -> Vec<FieldError> {
    if spec.host_users != Some(false) {
        return vec![];
    }
    let mut errs = vec![];
    // Upstream spells the last two paths with capitals.
    for (set, name) in [
        (spec.host_network, "hostNetwork"),
        (spec.host_pid, "HostPID"),
        (spec.host_ipc, "HostIPC"),
    ] {
        if set == Some(true) {
            errs.push(FieldError::forbidden(
                &path.child(name),
                "when `pod.Spec.HostUsers` is false",
            ));
        }
    }
    errs
}

/// `validateWindowsHostProcessPod`: all or no containers are hostProcess, and such pods use
/// the host network.
pub(super) fn validate_windows_host_process_pod(spec: &PodSpec, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let pod_host_process = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.windows_options.as_ref())
        .and_then(|w| w.host_process);
    let mut container_count = 0;
    let mut host_process_count = 0;
    for (c, cpath) in visit_containers(spec, path) {
        container_count += 1;
        let container_host_process = c
            .security_context
            .as_ref()
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process);
        if let (Some(pod), Some(ctr)) = (pod_host_process, container_host_process)
            && pod != ctr
        {
            errs.push(FieldError::invalid(
                &cpath
                    .child("securityContext")
                    .child("windowsOptions")
                    .child("hostProcess"),
                ctr,
                format!("pod hostProcess value must be identical if both are specified, was {pod}"),
            ));
        }
        if container_host_process == Some(true)
            || (container_host_process.is_none() && pod_host_process == Some(true))
        {
            host_process_count += 1;
        }
    }
    if host_process_count > 0 {
        if host_process_count != container_count {
            errs.push(FieldError::invalid(
                path,
                "",
                "If pod contains any hostProcess containers then all containers must be HostProcess containers",
            ));
        }
        let host_network = spec.host_network.unwrap_or(false);
        if !host_network {
            errs.push(FieldError::invalid(
                &path.child("hostNetwork"),
                host_network,
                "hostNetwork must be true if pod contains any hostProcess containers",
            ));
        }
    }
    errs
}

/// `validateOS` and, when it passes, the Linux or Windows restrictions.
pub(super) fn validate_os(spec: &PodSpec, path: &Path) -> Vec<FieldError> {
    let Some(os) = &spec.os else { return vec![] };
    let os_path = path.child("os");
    if os.name.is_empty() {
        return vec![FieldError::required(
            &os_path.child("name"),
            "cannot be empty",
        )];
    }
    if !["linux", "windows"].contains(&os.name.as_str()) {
        return vec![FieldError::not_supported(
            &os_path,
            json_str(&os.name),
            &["linux", "windows"],
        )];
    }
    let mut errs = vec![];
    let sc_path = path.child("securityContext");
    if os.name == "linux" {
        if spec
            .security_context
            .as_ref()
            .is_some_and(|sc| sc.windows_options.is_some())
        {
            errs.push(FieldError::forbidden(
                &sc_path.child("windowsOptions"),
                "windows options cannot be set for a linux pod",
            ));
        }
        for (c, cpath) in visit_containers(spec, path) {
            if c.security_context
                .as_ref()
                .is_some_and(|sc| sc.windows_options.is_some())
            {
                errs.push(FieldError::forbidden(
                    &cpath.child("securityContext").child("windowsOptions"),
                    "windows options cannot be set for a linux pod",
                ));
            }
        }
        return errs;
    }
    const WINDOWS: &str = "cannot be set for a windows pod";
    let default = PodSecurityContext::default();
    // The internal pod always has a security context (the host namespace flags live there).
    {
        let sc = spec.security_context.as_ref().unwrap_or(&default);
        for (set, at) in [
            (
                sc.app_armor_profile.is_some(),
                sc_path.child("appArmorProfile"),
            ),
            (
                sc.se_linux_options.is_some(),
                sc_path.child("seLinuxOptions"),
            ),
            (spec.host_users.is_some(), path.child("hostUsers")),
            (spec.host_pid == Some(true), path.child("hostPID")),
            (spec.host_ipc == Some(true), path.child("hostIPC")),
            (
                sc.seccomp_profile.is_some(),
                sc_path.child("seccompProfile"),
            ),
            (sc.fs_group.is_some(), sc_path.child("fsGroup")),
            (
                sc.fs_group_change_policy.is_some(),
                sc_path.child("fsGroupChangePolicy"),
            ),
            (!sl(&sc.sysctls).is_empty(), sc_path.child("sysctls")),
            (
                spec.share_process_namespace.is_some(),
                path.child("shareProcessNamespace"),
            ),
            (sc.run_as_user.is_some(), sc_path.child("runAsUser")),
            (sc.run_as_group.is_some(), sc_path.child("runAsGroup")),
            (
                sc.supplemental_groups.is_some(),
                sc_path.child("supplementalGroups"),
            ),
            (
                sc.supplemental_groups_policy.is_some(),
                sc_path.child("supplementalGroupsPolicy"),
            ),
            (
                sc.se_linux_change_policy.is_some(),
                sc_path.child("seLinuxChangePolicy"),
            ),
        ] {
            if set {
                errs.push(FieldError::forbidden(&at, WINDOWS));
            }
        }
    }
    for (c, cpath) in visit_containers(spec, path) {
        let Some(sc) = &c.security_context else {
            continue;
        };
        let p = cpath.child("securityContext");
        for (set, name) in [
            (sc.app_armor_profile.is_some(), "appArmorProfile"),
            (sc.se_linux_options.is_some(), "seLinuxOptions"),
            (sc.seccomp_profile.is_some(), "seccompProfile"),
            (sc.capabilities.is_some(), "capabilities"),
            (
                sc.read_only_root_filesystem.is_some(),
                "readOnlyRootFilesystem",
            ),
            (sc.privileged.is_some(), "privileged"),
            (
                sc.allow_privilege_escalation.is_some(),
                "allowPrivilegeEscalation",
            ),
            (sc.proc_mount.is_some(), "procMount"),
            (sc.run_as_user.is_some(), "runAsUser"),
            (sc.run_as_group.is_some(), "runAsGroup"),
        ] {
            if set {
                errs.push(FieldError::forbidden(&p.child(name), WINDOWS));
            }
        }
    }
    errs
}
