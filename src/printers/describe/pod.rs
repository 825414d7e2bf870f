//! `kubectl describe pod`, and the container and volume sections shared with pod templates.

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Volume,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{
    L0, L1, L2, L3, PrefixWriter, describe_events, print_annotations_multiline,
    print_labels_multiline, print_tolerations,
};
use crate::engine::time::SimTime;
use crate::printers::columns::quantity;
use crate::printers::duration::{rfc1123z, translate_timestamp_since};
use k8s_openapi::api::core::v1::Event;

fn time_text(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> String {
    match t {
        Some(t) => rfc1123z(t),
        None => crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
    }
}

/// `describeStatus`.
fn describe_status(w: &mut PrefixWriter, name: &str, state: Option<&ContainerState>) {
    let state = state.cloned().unwrap_or_default();
    if let Some(r) = &state.running {
        w.write(L2, &format!("{name}:\tRunning\n"));
        w.write(
            L3,
            &format!("Started:\t{}\n", time_text(r.started_at.as_ref())),
        );
    } else if let Some(wt) = &state.waiting {
        w.write(L2, &format!("{name}:\tWaiting\n"));
        if let Some(r) = wt.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(L3, &format!("Reason:\t{r}\n"));
        }
    } else if let Some(t) = &state.terminated {
        w.write(L2, &format!("{name}:\tTerminated\n"));
        if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(L3, &format!("Reason:\t{r}\n"));
        }
        if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
            w.write(L3, &format!("Message:\t{m}\n"));
        }
        w.write(L3, &format!("Exit Code:\t{}\n", t.exit_code));
        if let Some(sig) = t.signal.filter(|s| *s > 0) {
            w.write(L3, &format!("Signal:\t{sig}\n"));
        }
        w.write(
            L3,
            &format!("Started:\t{}\n", time_text(t.started_at.as_ref())),
        );
        w.write(
            L3,
            &format!("Finished:\t{}\n", time_text(t.finished_at.as_ref())),
        );
    } else {
        w.write(L2, &format!("{name}:\tWaiting\n"));
    }
}

fn int_or_string(v: &IntOrString) -> String {
    crate::printers::columns::int_or_string(v)
}

/// `DescribeProbe`.
fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(0),
        p.period_seconds.unwrap_or(0),
        p.success_threshold.unwrap_or(0),
        p.failure_threshold.unwrap_or(0)
    );
    if let Some(e) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            e.command.clone().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.clone().unwrap_or_default().to_lowercase();
        let host = h.host.clone().unwrap_or_default();
        let port = int_or_string(&h.port);
        let hostport = if port.is_empty() {
            host
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = h.path.clone().unwrap_or_default();
        let mut url = String::new();
        if !scheme.is_empty() {
            url.push_str(&scheme);
            url.push(':');
        }
        if !scheme.is_empty() || !hostport.is_empty() {
            url.push_str("//");
            url.push_str(&hostport);
        }
        if !path.is_empty() && !path.starts_with('/') && !hostport.is_empty() {
            url.push('/');
        }
        url.push_str(&path);
        return format!("http-get {url} {attrs}");
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.clone().unwrap_or_default(),
            int_or_string(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.clone().unwrap_or_default()
        );
    }
    format!("unknown {attrs}")
}

/// `describeResources`.
fn describe_resources(w: &mut PrefixWriter, r: Option<&ResourceRequirements>, level: usize) {
    let Some(r) = r else { return };
    if let Some(limits) = r.limits.as_ref().filter(|l| !l.is_empty()) {
        w.write(level, "Limits:\n");
        for (name, q) in limits {
            w.write(level + 1, &format!("{name}:\t{}\n", quantity(Some(q))));
        }
    }
    if let Some(requests) = r.requests.as_ref().filter(|l| !l.is_empty()) {
        w.write(level, "Requests:\n");
        for (name, q) in requests {
            w.write(level + 1, &format!("{name}:\t{}\n", quantity(Some(q))));
        }
    }
}

/// The value of a `fieldRef` environment variable, for the fields kubectl resolves.
fn field_ref_value(pod: Option<&Pod>, path: &str) -> String {
    let Some(pod) = pod else { return String::new() };
    let m = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    match path {
        "metadata.name" => m.name.clone().unwrap_or_default(),
        "metadata.namespace" => m.namespace.clone().unwrap_or_default(),
        "metadata.uid" => m.uid.clone().unwrap_or_default(),
        "spec.nodeName" => spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        "spec.serviceAccountName" => spec
            .and_then(|s| s.service_account_name.clone())
            .unwrap_or_default(),
        "status.podIP" => status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
        "status.hostIP" => status.and_then(|s| s.host_ip.clone()).unwrap_or_default(),
        _ => {
            if let Some(key) = path
                .strip_prefix("metadata.labels['")
                .and_then(|s| s.strip_suffix("']"))
            {
                return m
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(key).cloned())
                    .unwrap_or_default();
            }
            String::new()
        }
    }
}

/// `describeContainers`.
pub(crate) fn describe_containers(
    w: &mut PrefixWriter,
    label: &str,
    containers: &[Container],
    statuses: Option<&Vec<ContainerStatus>>,
    pod: Option<&Pod>,
    space: &str,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.write(L0, &format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in containers {
        let status = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
        w.write(L1, &format!("{name_indent}{}:\n", c.name));
        if let Some(s) = status {
            w.write(
                L2,
                &format!(
                    "Container ID:\t{}\n",
                    s.container_id.clone().unwrap_or_default()
                ),
            );
        }
        w.write(
            L2,
            &format!("Image:\t{}\n", c.image.clone().unwrap_or_default()),
        );
        if let Some(s) = status {
            w.write(L2, &format!("Image ID:\t{}\n", s.image_id));
        }
        let ports = c.ports.as_deref().unwrap_or(&[]);
        let fmt_ports = |host: bool| -> String {
            ports
                .iter()
                .map(|p| {
                    let n = if host {
                        p.host_port.unwrap_or(0)
                    } else {
                        p.container_port
                    };
                    let mut s = format!("{n}/{}", p.protocol.clone().unwrap_or_default());
                    if let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) {
                        s.push_str(&format!(" ({name})"));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let port_string = fmt_ports(false);
        if port_string.contains(',') {
            w.write(L2, &format!("Ports:\t{port_string}\n"));
        } else {
            w.write(L2, &format!("Port:\t{}\n", or_none(&port_string)));
        }
        let host_string = fmt_ports(true);
        if host_string.contains(',') {
            w.write(L2, &format!("Host Ports:\t{host_string}\n"));
        } else {
            w.write(L2, &format!("Host Port:\t{}\n", or_none(&host_string)));
        }
        if let Some(cmd) = c.command.as_ref().filter(|c| !c.is_empty()) {
            w.write(L2, "Command:\n");
            for part in cmd {
                for s in part.split('\n') {
                    w.write(L3, &format!("{s}\n"));
                }
            }
        }
        if let Some(args) = c.args.as_ref().filter(|c| !c.is_empty()) {
            w.write(L2, "Args:\n");
            for part in args {
                for s in part.split('\n') {
                    w.write(L3, &format!("{s}\n"));
                }
            }
        }
        if let Some(s) = status {
            describe_status(w, "State", s.state.as_ref());
            if s.last_state
                .as_ref()
                .and_then(|l| l.terminated.as_ref())
                .is_some()
            {
                describe_status(w, "Last State", s.last_state.as_ref());
            }
            w.write(
                L2,
                &format!(
                    "Ready:\t{}\n",
                    crate::printers::columns::print_bool(s.ready)
                ),
            );
            w.write(L2, &format!("Restart Count:\t{}\n", s.restart_count));
        }
        describe_resources(w, c.resources.as_ref(), L2);
        if let Some(p) = &c.liveness_probe {
            w.write(L2, &format!("Liveness:\t{}\n", describe_probe(p)));
        }
        if let Some(p) = &c.readiness_probe {
            w.write(L2, &format!("Readiness:\t{}\n", describe_probe(p)));
        }
        if let Some(p) = &c.startup_probe {
            w.write(L2, &format!("Startup:\t{}\n", describe_probe(p)));
        }
        if let Some(env_from) = c.env_from.as_ref().filter(|e| !e.is_empty()) {
            w.write(L2, "Environment Variables from:\n");
            for e in env_from {
                let (from, name, optional) = if let Some(cm) = &e.config_map_ref {
                    ("ConfigMap", cm.name.clone(), cm.optional.unwrap_or(false))
                } else if let Some(s) = &e.secret_ref {
                    ("Secret", s.name.clone(), s.optional.unwrap_or(false))
                } else {
                    ("", String::new(), false)
                };
                match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                    None => w.write(L3, &format!("{name}\t{from}\tOptional: {optional}\n")),
                    Some(p) => w.write(
                        L3,
                        &format!("{name}\t{from} with prefix '{p}'\tOptional: {optional}\n"),
                    ),
                }
            }
        }
        let env = c.env.as_deref().unwrap_or(&[]);
        let none = if env.is_empty() { "\t<none>" } else { "" };
        w.write(L2, &format!("Environment:{none}\n"));
        for e in env {
            match &e.value_from {
                None => {
                    let value = e.value.clone().unwrap_or_default();
                    for (i, s) in value.split('\n').enumerate() {
                        if i == 0 {
                            w.write(L3, &format!("{}:\t{s}\n", e.name));
                        } else {
                            w.write(L3, &format!("\t{s}\n"));
                        }
                    }
                }
                Some(vf) => {
                    if let Some(f) = &vf.field_ref {
                        w.write(
                            L3,
                            &format!(
                                "{}:\t{} ({}:{})\n",
                                e.name,
                                field_ref_value(pod, &f.field_path),
                                f.api_version.clone().unwrap_or_default(),
                                f.field_path
                            ),
                        );
                    } else if let Some(r) = &vf.resource_field_ref {
                        w.write(L3, &format!("{}:\t ({})\n", e.name, r.resource));
                    } else if let Some(s) = &vf.secret_key_ref {
                        w.write(
                            L3,
                            &format!(
                                "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                                e.name,
                                s.key,
                                s.name,
                                s.optional.unwrap_or(false)
                            ),
                        );
                    } else if let Some(s) = &vf.config_map_key_ref {
                        w.write(
                            L3,
                            &format!(
                                "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                                e.name,
                                s.key,
                                s.name,
                                s.optional.unwrap_or(false)
                            ),
                        );
                    }
                }
            }
        }
        let mut mounts = c.volume_mounts.clone().unwrap_or_default();
        let none = if mounts.is_empty() { "\t<none>" } else { "" };
        w.write(L2, &format!("Mounts:{none}\n"));
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        for m in &mounts {
            let mut flags = vec![
                if m.read_only == Some(true) {
                    "ro"
                } else {
                    "rw"
                }
                .to_string(),
            ];
            if let Some(sp) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
                flags.push(format!("path={}", crate::api::field::go_quote(sp)));
            }
            w.write(
                L3,
                &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")),
            );
        }
        if let Some(devices) = c.volume_devices.as_ref().filter(|d| !d.is_empty()) {
            w.write(L2, "Devices:\n");
            let mut devices = devices.clone();
            devices.sort_by(|a, b| a.device_path.cmp(&b.device_path));
            for d in devices {
                w.write(L3, &format!("{} from {}\n", d.device_path, d.name));
            }
        }
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s.to_string()
    }
}

/// `describeVolumes`.
pub(crate) fn describe_volumes(w: &mut PrefixWriter, volumes: Option<&Vec<Volume>>, space: &str) {
    let volumes = volumes.map(Vec::as_slice).unwrap_or(&[]);
    if volumes.is_empty() {
        w.write(L0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.write(L0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.write(L1, &format!("{name_indent}{}:\n", v.name));
        if let Some(h) = &v.host_path {
            w.write(
                L2,
                &format!(
                    "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                    h.path,
                    h.type_.clone().unwrap_or_else(|| "<none>".to_string())
                ),
            );
        } else if let Some(e) = &v.empty_dir {
            let size = match &e.size_limit {
                Some(q) if quantity(Some(q)) != "0" => quantity(Some(q)),
                _ => "<unset>".to_string(),
            };
            w.write(
                L2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                    e.medium.clone().unwrap_or_default()
                ),
            );
        } else if let Some(s) = &v.secret {
            w.write(
                L2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s.secret_name.clone().unwrap_or_default(),
                    s.optional.unwrap_or(false)
                ),
            );
        } else if let Some(c) = &v.config_map {
            w.write(
                L2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    c.name,
                    c.optional.unwrap_or(false)
                ),
            );
        } else if let Some(c) = &v.persistent_volume_claim {
            w.write(
                L2,
                &format!(
                    "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                    c.claim_name,
                    c.read_only.unwrap_or(false)
                ),
            );
        } else if let Some(p) = &v.projected {
            w.write(
                L2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            for s in p.sources.as_deref().unwrap_or(&[]) {
                if let Some(sec) = &s.secret {
                    w.write(
                        L2,
                        &format!(
                            "SecretName:\t{}\n    Optional:\t{}\n",
                            sec.name,
                            sec.optional.unwrap_or(false)
                        ),
                    );
                } else if s.downward_api.is_some() {
                    w.write(L2, "DownwardAPI:\ttrue\n");
                } else if let Some(cm) = &s.config_map {
                    w.write(
                        L2,
                        &format!(
                            "ConfigMapName:\t{}\n    Optional:\t{}\n",
                            cm.name,
                            cm.optional.unwrap_or(false)
                        ),
                    );
                } else if let Some(t) = &s.service_account_token {
                    w.write(
                        L2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            t.expiration_seconds.unwrap_or(0)
                        ),
                    );
                }
            }
        } else if let Some(d) = &v.downward_api {
            w.write(
                L2,
                "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
            );
            for item in d.items.as_deref().unwrap_or(&[]) {
                if let Some(f) = &item.field_ref {
                    w.write(L3, &format!("{} -> {}\n", f.field_path, item.path));
                }
                if let Some(r) = &item.resource_field_ref {
                    w.write(L3, &format!("{} -> {}\n", r.resource, item.path));
                }
            }
        } else if let Some(c) = &v.csi {
            w.write(
                L2,
                &format!(
                    "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
                    c.driver,
                    c.fs_type.clone().unwrap_or_default(),
                    c.read_only.unwrap_or(false)
                ),
            );
            super::storage::print_csi_attributes(w, c.volume_attributes.as_ref());
        } else if let Some(n) = &v.nfs {
            w.write(
                L2,
                &format!(
                    "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                    n.server,
                    n.path,
                    n.read_only.unwrap_or(false)
                ),
            );
        } else {
            w.write(L1, "<unknown>\n");
        }
    }
}

/// `DescribePodTemplate`.
pub(crate) fn describe_pod_template(w: &mut PrefixWriter, template: &PodTemplateSpec) {
    w.write(L0, "Pod Template:\n");
    let meta = template.metadata.as_ref();
    print_labels_multiline(w, "  Labels", meta.and_then(|m| m.labels.as_ref()));
    if let Some(a) = meta
        .and_then(|m| m.annotations.as_ref())
        .filter(|a| !a.is_empty())
    {
        print_annotations_multiline(w, "  Annotations", Some(a));
    }
    let spec = template.spec.clone().unwrap_or_default();
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L1, &format!("Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        describe_containers(w, "Init Containers", init, None, None, "  ");
    }
    describe_containers(w, "Containers", &spec.containers, None, None, "  ");
    describe_volumes(w, spec.volumes.as_ref(), "  ");
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L1, &format!("Priority Class Name:\t{pc}\n"));
    }
    print_labels_multiline(w, "  Node-Selectors", spec.node_selector.as_ref());
    print_tolerations(w, "", "  Tolerations", spec.tolerations.as_ref());
}

fn qos_class(pod: &Pod) -> String {
    if let Some(q) = pod.status.as_ref().and_then(|s| s.qos_class.clone())
        && !q.is_empty()
    {
        return q;
    }
    let spec = pod.spec.clone().unwrap_or_default();
    let all: Vec<&Container> = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .collect();
    let mut any = false;
    let mut guaranteed = true;
    for c in &all {
        let r = c.resources.clone().unwrap_or_default();
        let req = r.requests.unwrap_or_default();
        let lim = r.limits.unwrap_or_default();
        for res in ["cpu", "memory"] {
            if req.contains_key(res) || lim.contains_key(res) {
                any = true;
            }
            match (req.get(res), lim.get(res)) {
                (_, None) => guaranteed = false,
                (Some(a), Some(b)) if quantity(Some(a)) != quantity(Some(b)) => guaranteed = false,
                _ => {}
            }
        }
    }
    if !any {
        "BestEffort".to_string()
    } else if guaranteed {
        "Guaranteed".to_string()
    } else {
        "Burstable".to_string()
    }
}

/// `kubectl describe pod`.
pub fn describe_pod(pod: &Pod, events: Option<&[Event]>, now: SimTime) -> String {
    let mut w = PrefixWriter::new();
    let m = &pod.metadata;
    let spec: PodSpec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!("Namespace:\t{}\n", m.namespace.clone().unwrap_or_default()),
    );
    if let Some(p) = spec.priority {
        w.write(L0, &format!("Priority:\t{p}\n"));
    }
    if let Some(pc) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L0, &format!("Priority Class Name:\t{pc}\n"));
    }
    if let Some(rc) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("Runtime Class Name:\t{rc}\n"));
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L0, &format!("Service Account:\t{sa}\n"));
    }
    match spec.node_name.as_deref().filter(|n| !n.is_empty()) {
        None => w.write(L0, "Node:\t<none>\n"),
        Some(n) => w.write(
            L0,
            &format!(
                "Node:\t{n}/{}\n",
                status.host_ip.clone().unwrap_or_default()
            ),
        ),
    }
    if let Some(st) = &status.start_time {
        w.write(L0, &format!("Start Time:\t{}\n", rfc1123z(st)));
    }
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    let phase = status.phase.clone().unwrap_or_default();
    if m.deletion_timestamp.is_some() && phase != "Failed" && phase != "Succeeded" {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                translate_timestamp_since(m.deletion_timestamp.as_ref(), now)
            ),
        );
        w.write(
            L0,
            &format!(
                "Termination Grace Period:\t{}s\n",
                m.deletion_grace_period_seconds.unwrap_or(0)
            ),
        );
    } else {
        w.write(L0, &format!("Status:\t{phase}\n"));
    }
    if let Some(r) = status.reason.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("Reason:\t{r}\n"));
    }
    if let Some(msg) = status.message.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("Message:\t{msg}\n"));
    }
    if let Some(sp) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        w.write(L0, &format!("SeccompProfile:\t{}\n", sp.type_));
        if sp.type_ == "Localhost" {
            w.write(
                L0,
                &format!(
                    "LocalhostProfile:\t{}\n",
                    sp.localhost_profile.clone().unwrap_or_default()
                ),
            );
        }
    }
    w.write(
        L0,
        &format!("IP:\t{}\n", status.pod_ip.clone().unwrap_or_default()),
    );
    match status.pod_ips.as_ref().filter(|ips| !ips.is_empty()) {
        None => w.write(L0, "IPs:\t<none>\n"),
        Some(ips) => {
            w.write(L0, "IPs:\n");
            for ip in ips {
                w.write(L1, &format!("IP:\t{}\n", ip.ip));
            }
        }
    }
    if let Some(c) = m
        .owner_references
        .as_ref()
        .and_then(|r| r.iter().find(|r| r.controller == Some(true)))
    {
        w.write(L0, &format!("Controlled By:\t{}/{}\n", c.kind, c.name));
    }
    if let Some(n) = status
        .nominated_node_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L0, &format!("NominatedNodeName:\t{n}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        describe_containers(
            &mut w,
            "Init Containers",
            init,
            status.init_container_statuses.as_ref(),
            Some(pod),
            "",
        );
    }
    describe_containers(
        &mut w,
        "Containers",
        &spec.containers,
        status.container_statuses.as_ref(),
        Some(pod),
        "",
    );
    let conditions = status.conditions.clone().unwrap_or_default();
    if let Some(gates) = spec.readiness_gates.as_ref().filter(|g| !g.is_empty()) {
        w.write(L0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let st = conditions
                .iter()
                .find(|c| c.type_ == g.condition_type)
                .map_or_else(|| "<none>".to_string(), |c| c.status.clone());
            w.write(L1, &format!("{} \t{st} \n", g.condition_type));
        }
    }
    if !conditions.is_empty() {
        w.write(L0, "Conditions:\n  Type\tStatus\n");
        for c in &conditions {
            w.write(L1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
    describe_volumes(&mut w, spec.volumes.as_ref(), "");
    w.write(L0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    print_labels_multiline(&mut w, "Node-Selectors", spec.node_selector.as_ref());
    print_tolerations(&mut w, "", "Tolerations", spec.tolerations.as_ref());
    describe_events(&mut w, events, now);
    w.finish()
}
