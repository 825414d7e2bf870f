//! `kubectl describe statefulset`, `deployment` and `service`.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::pod::describe_pod_template;
use super::{
    L0, L1, PrefixWriter, describe_events, print_annotations_multiline, print_labels_multiline,
    print_labels_multiline_indent,
};
use crate::api::selector::LabelSelector;
use crate::engine::time::SimTime;
use crate::printers::columns::{int_or_string, quantity};
use crate::printers::duration::rfc1123z;
use crate::printers::table::format_labels;

fn selector_text(
    sel: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> String {
    match sel.map(LabelSelector::from_k8s) {
        Some(Ok(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// `getPodStatusForController`: counts by phase of the pods the controller (by uid) owns.
fn pod_status_counts(pods: &[Pod], uid: &str) -> (usize, usize, usize, usize) {
    let (mut running, mut waiting, mut succeeded, mut failed) = (0, 0, 0, 0);
    for p in pods {
        let owned = p
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|r| r.controller == Some(true) && r.uid == uid);
        if !owned {
            continue;
        }
        match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => running += 1,
            Some("Pending") => waiting += 1,
            Some("Succeeded") => succeeded += 1,
            Some("Failed") => failed += 1,
            _ => {}
        }
    }
    (running, waiting, succeeded, failed)
}

/// `kubectl describe statefulset`; `pods` are the pods matching its selector (the describer
/// counts those it controls).
pub fn describe_statefulset(
    sts: &StatefulSet,
    pods: &[Pod],
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &sts.metadata;
    let spec = sts.spec.clone().unwrap_or_default();
    let status = sts.status.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!("Namespace:\t{}\n", m.namespace.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            m.creation_timestamp.as_ref().map_or_else(
                || crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
                rfc1123z
            )
        ),
    );
    w.write(
        L0,
        &format!("Selector:\t{}\n", selector_text(Some(&spec.selector))),
    );
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            spec.replicas.unwrap_or(0),
            status.replicas
        ),
    );
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    w.write(
        L0,
        &format!(
            "Update Strategy:\t{}\n",
            strategy.type_.clone().unwrap_or_default()
        ),
    );
    if let Some(ru) = &strategy.rolling_update
        && let Some(p) = ru.partition
    {
        w.write(L1, &format!("Partition:\t{p}\n"));
        if let Some(mu) = &ru.max_unavailable {
            w.write(L1, &format!("MaxUnavailable:\t{}\n", int_or_string(mu)));
        }
    }
    let (r, wt, s, f) = pod_status_counts(pods, m.uid.as_deref().unwrap_or(""));
    w.write(
        L0,
        &format!("Pods Status:\t{r} Running / {wt} Waiting / {s} Succeeded / {f} Failed\n"),
    );
    describe_pod_template(&mut w, &spec.template);
    let templates = spec.volume_claim_templates.clone().unwrap_or_default();
    if templates.is_empty() {
        w.write(L0, "Volume Claims:\t<none>\n");
    } else {
        w.write(L0, "Volume Claims:\n");
        for pvc in &templates {
            w.write(
                L1,
                &format!("Name:\t{}\n", pvc.metadata.name.clone().unwrap_or_default()),
            );
            w.write(
                L1,
                &format!(
                    "StorageClass:\t{}\n",
                    crate::printers::columns::storage_pvc_class(pvc)
                ),
            );
            print_labels_multiline_indent(&mut w, "  ", "Labels", pvc.metadata.labels.as_ref());
            print_labels_multiline_indent(
                &mut w,
                "  ",
                "Annotations",
                pvc.metadata.annotations.as_ref(),
            );
            let pvc_spec = pvc.spec.clone().unwrap_or_default();
            match pvc_spec
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
            {
                Some(q) => w.write(L1, &format!("Capacity:\t{}\n", quantity(Some(q)))),
                None => w.write(L1, "Capacity:\t<default>\n"),
            }
            w.write(
                L1,
                &format!(
                    "Access Modes:\t{}\n",
                    super::go_string_slice(pvc_spec.access_modes.as_ref())
                ),
            );
        }
    }
    describe_events(&mut w, events, now);
    w.finish()
}

fn rs_list(rss: &[&ReplicaSet]) -> String {
    let parts: Vec<String> = rss
        .iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.metadata.name.clone().unwrap_or_default(),
                rs.status.as_ref().map_or(0, |s| s.replicas),
                rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
            )
        })
        .collect();
    if parts.is_empty() {
        "<none>".to_string()
    } else {
        parts.join(", ")
    }
}

/// `kubectl describe deployment`; `old` and `new` are its old and new ReplicaSets.
pub fn describe_deployment(
    d: &Deployment,
    old: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &d.metadata;
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!("Namespace:\t{}\n", m.namespace.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            m.creation_timestamp.as_ref().map_or_else(
                || crate::printers::duration::ZERO_TIME_RFC1123Z.to_string(),
                rfc1123z
            )
        ),
    );
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!("Selector:\t{}\n", selector_text(Some(&spec.selector))),
    );
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            spec.replicas.unwrap_or(0),
            status.updated_replicas.unwrap_or(0),
            status.replicas.unwrap_or(0),
            status.available_replicas.unwrap_or(0),
            status.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    w.write(
        L0,
        &format!(
            "StrategyType:\t{}\n",
            strategy.type_.clone().unwrap_or_default()
        ),
    );
    w.write(
        L0,
        &format!(
            "MinReadySeconds:\t{}\n",
            spec.min_ready_seconds.unwrap_or(0)
        ),
    );
    if let Some(ru) = &strategy.rolling_update {
        let s = |v: &Option<IntOrString>| v.as_ref().map(int_or_string).unwrap_or_default();
        w.write(
            L0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                s(&ru.max_unavailable),
                s(&ru.max_surge)
            ),
        );
    }
    describe_pod_template(&mut w, &spec.template);
    if let Some(conds) = status.conditions.as_ref().filter(|c| !c.is_empty()) {
        w.write(L0, "Conditions:\n  Type\tStatus\tReason\n");
        w.write(L1, "----\t------\t------\n");
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.reason.clone().unwrap_or_default()
                ),
            );
        }
    }
    if !old.is_empty() || new.is_some() {
        w.write(L0, &format!("OldReplicaSets:\t{}\n", rs_list(old)));
        let new: Vec<&ReplicaSet> = new.into_iter().collect();
        w.write(L0, &format!("NewReplicaSet:\t{}\n", rs_list(&new)));
    }
    describe_events(&mut w, events, now);
    w.finish()
}

/// `formatEndpointSlices` for the port named `port_name`.
fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0;
    for s in slices {
        let ports = s.ports.as_deref().unwrap_or(&[]);
        let ready = |e: &k8s_openapi::api::discovery::v1::Endpoint| {
            e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
        };
        if ports.is_empty() {
            for e in &s.endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(e.addresses.first().cloned().unwrap_or_default());
                }
                count += 1;
            }
        } else {
            for p in ports {
                if p.name.as_deref().unwrap_or("") != port_name {
                    continue;
                }
                for e in &s.endpoints {
                    if list.len() == MAX {
                        more = true;
                    }
                    if !ready(e) {
                        continue;
                    }
                    if !more {
                        let addr = e.addresses.first().cloned().unwrap_or_default();
                        list.push(crate::printers::columns::join_host_port(
                            &addr,
                            p.port.unwrap_or(0),
                        ));
                    }
                    count += 1;
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - MAX);
    }
    ret
}

/// `kubectl describe service`; `slices` are its EndpointSlices (label
/// `kubernetes.io/service-name`).
pub fn describe_service(
    svc: &Service,
    slices: &[EndpointSlice],
    events: Option<&[Event]>,
    now: SimTime,
) -> String {
    let mut w = PrefixWriter::new();
    let m = &svc.metadata;
    let spec = svc.spec.clone().unwrap_or_default();
    w.write(
        L0,
        &format!("Name:\t{}\n", m.name.clone().unwrap_or_default()),
    );
    w.write(
        L0,
        &format!("Namespace:\t{}\n", m.namespace.clone().unwrap_or_default()),
    );
    print_labels_multiline(&mut w, "Labels", m.labels.as_ref());
    print_annotations_multiline(&mut w, "Annotations", m.annotations.as_ref());
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            format_labels(&spec.selector.clone().unwrap_or_default())
        ),
    );
    w.write(
        L0,
        &format!("Type:\t{}\n", spec.type_.clone().unwrap_or_default()),
    );
    if let Some(p) = &spec.ip_family_policy {
        w.write(L0, &format!("IP Family Policy:\t{p}\n"));
    }
    match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
        Some(f) => w.write(L0, &format!("IP Families:\t{}\n", f.join(","))),
        None => w.write(L0, "IP Families:\t<none>\n"),
    }
    w.write(
        L0,
        &format!("IP:\t{}\n", spec.cluster_ip.clone().unwrap_or_default()),
    );
    match spec.cluster_ips.as_ref().filter(|f| !f.is_empty()) {
        Some(ips) => w.write(L0, &format!("IPs:\t{}\n", ips.join(","))),
        None => w.write(L0, "IPs:\t<none>\n"),
    }
    if let Some(ext) = spec.external_ips.as_ref().filter(|f| !f.is_empty()) {
        w.write(L0, &format!("External IPs:\t{}\n", ext.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("Desired LoadBalancer IP:\t{ip}\n"));
    }
    if let Some(n) = spec.external_name.as_deref().filter(|s| !s.is_empty()) {
        w.write(L0, &format!("External Name:\t{n}\n"));
    }
    let ingress = svc
        .status
        .as_ref()
        .and_then(|s| s.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.clone())
        .unwrap_or_default();
    if !ingress.is_empty() {
        let parts: Vec<String> = ingress
            .iter()
            .map(|i| match i.ip.as_deref().filter(|s| !s.is_empty()) {
                Some(ip) => match &i.ip_mode {
                    Some(mode) => format!("{ip} ({mode})"),
                    None => ip.to_string(),
                },
                None => i.hostname.clone().unwrap_or_default(),
            })
            .collect();
        w.write(
            L0,
            &format!("LoadBalancer Ingress:\t{}\n", parts.join(", ")),
        );
    }
    for p in spec.ports.as_deref().unwrap_or(&[]) {
        let name = p
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<unset>".to_string());
        let proto = p.protocol.clone().unwrap_or_default();
        w.write(L0, &format!("Port:\t{name}\t{}/{proto}\n", p.port));
        match &p.target_port {
            Some(IntOrString::String(s)) => w.write(L0, &format!("TargetPort:\t{s}/{proto}\n")),
            Some(IntOrString::Int(i)) => w.write(L0, &format!("TargetPort:\t{i}/{proto}\n")),
            None => w.write(L0, &format!("TargetPort:\t0/{proto}\n")),
        }
        if let Some(ap) = &p.app_protocol {
            w.write(L0, &format!("AppProtocol:\t{ap}\n"));
        }
        if let Some(np) = p.node_port.filter(|n| *n != 0) {
            w.write(L0, &format!("NodePort:\t{name}\t{np}/{proto}\n"));
        }
        w.write(
            L0,
            &format!(
                "Endpoints:\t{}\n",
                format_endpoint_slices(slices, p.name.as_deref().unwrap_or(""))
            ),
        );
    }
    w.write(
        L0,
        &format!(
            "Session Affinity:\t{}\n",
            spec.session_affinity.clone().unwrap_or_default()
        ),
    );
    if let Some(p) = spec
        .external_traffic_policy
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(L0, &format!("External Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        w.write(L0, &format!("Internal Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = spec.health_check_node_port.filter(|p| *p != 0) {
        w.write(L0, &format!("HealthCheck NodePort:\t{p}\n"));
    }
    if let Some(r) = spec
        .load_balancer_source_ranges
        .as_ref()
        .filter(|r| !r.is_empty())
    {
        w.write(
            L0,
            &format!("LoadBalancer Source Ranges:\t{}\n", r.join(",")),
        );
    }
    if let Some(td) = &spec.traffic_distribution {
        w.write(L0, &format!("Traffic Distribution:\t{td}\n"));
    }
    describe_events(&mut w, events, now);
    w.finish()
}
