//! Rows of Service, Endpoints, EndpointSlice, Node, Namespace, ConfigMap, Secret,
//! ServiceAccount, Lease and Event.

use std::collections::BTreeSet;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::{age, format_labels_opt};
use crate::engine::time::SimTime;
use crate::printers::duration::translate_micro_timestamp_since;

const LOAD_BALANCER_WIDTH: usize = 16;

fn name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

/// Go's `net.JoinHostPort`: IPv6 hosts in brackets.
pub(crate) fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn load_balancer_status(svc: &Service, wide: bool) -> String {
    let ingress = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_deref())
        .unwrap_or(&[]);
    let mut set = BTreeSet::new();
    for i in ingress {
        match (i.ip.as_deref(), i.hostname.as_deref()) {
            (Some(ip), _) if !ip.is_empty() => {
                set.insert(ip.to_string());
            }
            (_, Some(h)) if !h.is_empty() => {
                set.insert(h.to_string());
            }
            _ => {}
        }
    }
    let mut r = set.into_iter().collect::<Vec<_>>().join(",");
    if !wide && r.len() > LOAD_BALANCER_WIDTH {
        r = format!("{}...", &r[..LOAD_BALANCER_WIDTH - 3]);
    }
    r
}

fn external_ip(svc: &Service, wide: bool) -> String {
    let spec = svc.spec.as_ref();
    let external: Vec<String> = spec
        .and_then(|s| s.external_ips.clone())
        .unwrap_or_default();
    match spec.and_then(|s| s.type_.as_deref()).unwrap_or("") {
        "ClusterIP" | "NodePort" => {
            if external.is_empty() {
                "<none>".to_string()
            } else {
                external.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_status(svc, wide);
            if !external.is_empty() {
                let mut all: Vec<String> = if lb.is_empty() {
                    Vec::new()
                } else {
                    lb.split(',').map(str::to_string).collect()
                };
                all.extend(external);
                return all.join(",");
            }
            if lb.is_empty() {
                "<pending>".to_string()
            } else {
                lb
            }
        }
        "ExternalName" => spec
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

pub(super) fn service(o: &Service, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let cluster_ip = spec
        .and_then(|s| s.cluster_ips.as_ref())
        .and_then(|ips| ips.first().cloned())
        .unwrap_or_else(|| "<none>".to_string());
    let ports: Vec<String> = spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            let proto = p.protocol.as_deref().unwrap_or("");
            match p.node_port {
                Some(np) if np > 0 => format!("{}:{np}/{proto}", p.port),
                _ => format!("{}/{proto}", p.port),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name(&o.metadata),
        spec.and_then(|s| s.type_.clone()).unwrap_or_default(),
        cluster_ip,
        // The server always renders wide cells (ConvertToTable asks for Wide).
        external_ip(o, true),
        ports,
        age(o.metadata.creation_timestamp.as_ref(), now),
        format_labels_opt(spec.and_then(|s| s.selector.as_ref())),
    ]
}

/// `formatEndpoints` with all ports.
pub(crate) fn format_endpoints(o: &Endpoints) -> String {
    let subsets = o.subsets.as_deref().unwrap_or(&[]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addresses = ss.addresses.as_deref().unwrap_or(&[]);
        let ports = ss.ports.as_deref().unwrap_or(&[]);
        if ports.is_empty() {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(a.ip.clone());
            }
            continue;
        }
        for p in ports {
            count += addresses.len();
            for a in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(&a.ip, p.port));
            }
        }
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - MAX);
    }
    ret
}

pub(super) fn endpoints(o: &Endpoints, now: SimTime) -> Vec<String> {
    vec![
        name(&o.metadata),
        format_endpoints(o),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

fn list_with_more(list: Vec<String>, more: bool, count: usize, max: usize) -> String {
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - max);
    }
    if ret.is_empty() {
        return "<unset>".to_string();
    }
    ret
}

pub(super) fn endpoint_slice(o: &EndpointSlice, now: SimTime) -> Vec<String> {
    const MAX: usize = 3;
    let mut ports = Vec::new();
    let (mut more, mut count) = (false, 0);
    for p in o.ports.as_deref().unwrap_or(&[]) {
        if ports.len() < MAX {
            let text = match (p.port, p.name.as_deref()) {
                (Some(n), _) => n.to_string(),
                (None, Some(name)) => name.to_string(),
                (None, None) => "*".to_string(),
            };
            ports.push(text);
        } else if ports.len() == MAX {
            more = true;
        }
        count += 1;
    }
    let ports = list_with_more(ports, more, count, MAX);
    let mut addrs = Vec::new();
    let (mut more, mut count) = (false, 0);
    for e in &o.endpoints {
        for a in &e.addresses {
            if addrs.len() < MAX {
                addrs.push(a.clone());
            } else if addrs.len() == MAX {
                more = true;
            }
            count += 1;
        }
    }
    vec![
        name(&o.metadata),
        o.address_type.clone(),
        ports,
        list_with_more(addrs, more, count, MAX),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

/// `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values,
/// sorted and deduplicated.
pub(crate) fn node_roles(o: &Node) -> Vec<String> {
    let mut roles = BTreeSet::new();
    for (k, v) in o.metadata.labels.iter().flatten() {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role.to_string());
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.insert(v.clone());
        }
    }
    roles.into_iter().collect()
}

pub(super) fn node(o: &Node, now: SimTime) -> Vec<String> {
    let status = o.status.as_ref();
    let mut states = Vec::new();
    // Later conditions of one type override earlier ones, as upstream's map does.
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().rev().find(|c| c.type_ == "Ready"));
    if let Some(c) = ready {
        if c.status == "True" {
            states.push(c.type_.clone());
        } else {
            states.push(format!("Not{}", c.type_));
        }
    }
    if states.is_empty() {
        states.push("Unknown".to_string());
    }
    if o.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
        states.push("SchedulingDisabled".to_string());
    }
    let roles = node_roles(o).join(",");
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles
    };
    let info = status.and_then(|s| s.node_info.as_ref());
    let or_unknown = |s: Option<&String>| match s {
        Some(s) if !s.is_empty() => s.clone(),
        _ => "<unknown>".to_string(),
    };
    let address = |kind: &str| {
        status
            .and_then(|s| s.addresses.as_ref())
            .and_then(|a| a.iter().find(|a| a.type_ == kind))
            .map_or_else(|| "<none>".to_string(), |a| a.address.clone())
    };
    vec![
        name(&o.metadata),
        states.join(","),
        roles,
        age(o.metadata.creation_timestamp.as_ref(), now),
        info.map(|i| i.kubelet_version.clone()).unwrap_or_default(),
        address("InternalIP"),
        address("ExternalIP"),
        or_unknown(info.map(|i| &i.os_image)),
        or_unknown(info.map(|i| &i.kernel_version)),
        or_unknown(info.map(|i| &i.container_runtime_version)),
    ]
}

pub(super) fn namespace(o: &Namespace, now: SimTime) -> Vec<String> {
    vec![
        name(&o.metadata),
        o.status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_default(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub(super) fn config_map(o: &ConfigMap, now: SimTime) -> Vec<String> {
    let n = o.data.as_ref().map_or(0, |d| d.len()) + o.binary_data.as_ref().map_or(0, |d| d.len());
    vec![
        name(&o.metadata),
        n.to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub(super) fn secret(o: &Secret, now: SimTime) -> Vec<String> {
    vec![
        name(&o.metadata),
        o.type_.clone().unwrap_or_default(),
        o.data.as_ref().map_or(0, |d| d.len()).to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub(super) fn service_account(o: &ServiceAccount, now: SimTime) -> Vec<String> {
    vec![
        name(&o.metadata),
        o.secrets.as_ref().map_or(0, Vec::len).to_string(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

pub(super) fn lease(o: &Lease, now: SimTime) -> Vec<String> {
    vec![
        name(&o.metadata),
        o.spec
            .as_ref()
            .and_then(|s| s.holder_identity.clone())
            .unwrap_or_default(),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}

/// `formatEventSource`: component (or reporting controller), then `, host` (or reporting
/// instance) when there is one.
pub(crate) fn event_source(o: &Event) -> String {
    let first = |a: Option<&String>, b: Option<&String>| {
        a.filter(|s| !s.is_empty())
            .or(b.filter(|s| !s.is_empty()))
            .cloned()
            .unwrap_or_default()
    };
    let component = first(
        o.source.as_ref().and_then(|s| s.component.as_ref()),
        o.reporting_component.as_ref(),
    );
    let instance = first(
        o.source.as_ref().and_then(|s| s.host.as_ref()),
        o.reporting_instance.as_ref(),
    );
    if instance.is_empty() {
        component
    } else {
        format!("{component}, {instance}")
    }
}

pub(super) fn event(o: &Event, now: SimTime) -> Vec<String> {
    let first_seen = match &o.first_timestamp {
        Some(t) => age(Some(t), now),
        None => translate_micro_timestamp_since(o.event_time.as_ref(), now),
    };
    let mut last_seen = match &o.last_timestamp {
        Some(t) => age(Some(t), now),
        None => first_seen.clone(),
    };
    let mut count = o.count.unwrap_or(0);
    if let Some(series) = &o.series {
        last_seen = translate_micro_timestamp_since(series.last_observed_time.as_ref(), now);
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let involved = &o.involved_object;
    let kind = involved.kind.clone().unwrap_or_default().to_lowercase();
    let target = match involved.name.as_deref() {
        Some(n) if !n.is_empty() => format!("{kind}/{n}"),
        _ => kind,
    };
    vec![
        last_seen,
        o.type_.clone().unwrap_or_default(),
        o.reason.clone().unwrap_or_default(),
        target,
        involved.field_path.clone().unwrap_or_default(),
        event_source(o),
        o.message.clone().unwrap_or_default().trim().to_string(),
        first_seen,
        count.to_string(),
        name(&o.metadata),
    ]
}
