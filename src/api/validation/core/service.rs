//! Service (`ValidateService`, `ValidateServiceUpdate`, `ValidateServiceStatusUpdate`),
//! Endpoints and EndpointSlice (`pkg/apis/discovery/validation`).
//!
//! The service registry normalises `clusterIP`/`clusterIPs` and drops fields a type change
//! makes meaningless before validating an update (`normalizeClusterIPs`,
//! `dropTypeDependentFields`, `patchAllocatedValues`). Those steps only fill or clear fields
//! from the stored object, so validation applies [`prepare_service_update`] to a copy, so that
//! the verdict and texts match upstream's; `apiserver` should apply it to the stored object too.

use std::collections::BTreeSet;
use std::net::IpAddr;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, Endpoints, Service, ServicePort, ServiceSpec,
    SessionAffinityConfig,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ip_to4, is_valid_cidr, is_valid_ip, md, parse_ip_sloppy, validate_non_special_ip};
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::validation::meta::{
    self, json_quote, json_str, json_string_slice, name_is_dns_subdomain, name_is_dns1035_label,
};
use crate::api::validation::util::{
    PORT_PROTOCOLS, is_valid_port_num, name_errors, s, validate_dns1123_label,
    validate_dns1123_subdomain, validate_port_num_or_name, validate_port_protocol,
    validate_qualified_name,
};

/// `core.MaxClientIPServiceAffinitySeconds`.
const MAX_CLIENT_IP_AFFINITY_SECONDS: i32 = 86400;

/// `supportedServiceType`, sorted.
const SERVICE_TYPES: [&str; 4] = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

/// `core.DeprecatedAnnotationTopologyAwareHints`.
const TOPOLOGY_HINTS_ANNOTATION: &str = "service.kubernetes.io/topology-aware-hints";

/// `core.AnnotationTopologyMode`.
const TOPOLOGY_MODE_ANNOTATION: &str = "service.kubernetes.io/topology-mode";

/// `core.AnnotationLoadBalancerSourceRangesKey`.
const LB_SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

fn spec_path() -> Path {
    Path::new("spec")
}

fn cluster_ips(spec: &ServiceSpec) -> &[String] {
    spec.cluster_ips.as_deref().unwrap_or(&[])
}

/// `isHeadlessService`: `clusterIPs` is exactly `["None"]`.
fn is_headless(spec: &ServiceSpec) -> bool {
    cluster_ips(spec) == ["None"]
}

fn service_type(spec: &ServiceSpec) -> &str {
    s(&spec.type_)
}

/// `ExternallyAccessible`.
fn externally_accessible(spec: &ServiceSpec) -> bool {
    let t = service_type(spec);
    t == "LoadBalancer"
        || t == "NodePort"
        || (t == "ClusterIP"
            && spec
                .external_ips
                .as_ref()
                .is_some_and(|ips| !ips.is_empty()))
}

/// `NeedsHealthCheck`: a LoadBalancer with `externalTrafficPolicy: Local`.
fn needs_health_check(spec: &ServiceSpec) -> bool {
    service_type(spec) == "LoadBalancer" && s(&spec.external_traffic_policy) == "Local"
}

fn needs_cluster_ip(spec: &ServiceSpec) -> bool {
    service_type(spec) != "ExternalName"
}

fn needs_node_port(spec: &ServiceSpec) -> bool {
    matches!(service_type(spec), "NodePort" | "LoadBalancer")
}

/// A Go `[]string` field as JSON (`null` when absent).
fn json_slice(v: Option<&Vec<String>>) -> BadValue {
    BadValue::Go(json_string_slice(v.map(Vec::as_slice)))
}

/// A `*string` of a named type as a bad value.
fn json_opt_str(v: Option<&str>) -> BadValue {
    v.map_or(BadValue::Go("null".into()), json_str)
}

/// Applies the service registry's update preparation to `new` (stored object `old`), as the
/// API server does before validating an update: `patchAllocatedValues` (keep the allocated
/// ClusterIPs and health-check port a request left out), `normalizeClusterIPs` (keep
/// `clusterIP` and `clusterIPs` in step) and `dropTypeDependentFields` (clear what a type change
/// makes meaningless, when the request did not change it). Idempotent.
pub fn prepare_service_update(new: &mut Service, old: &Service) {
    let old_spec = old.spec.clone().unwrap_or_default();
    let spec = new.spec.get_or_insert_with(Default::default);
    // patchAllocatedValues
    if needs_cluster_ip(&old_spec) && needs_cluster_ip(spec) {
        if s(&spec.cluster_ip).is_empty() {
            spec.cluster_ip = old_spec.cluster_ip.clone();
        }
        if cluster_ips(spec).is_empty() && !cluster_ips(&old_spec).is_empty() {
            spec.cluster_ips = old_spec.cluster_ips.clone();
        }
    }
    if needs_health_check(&old_spec)
        && needs_health_check(spec)
        && spec.health_check_node_port.unwrap_or(0) == 0
    {
        spec.health_check_node_port = old_spec.health_check_node_port;
    }
    // normalizeClusterIPs
    let same_ips = |a: &ServiceSpec, b: &ServiceSpec| cluster_ips(a) == cluster_ips(b);
    if !cluster_ips(&old_spec).is_empty()
        && cluster_ips(spec).is_empty()
        && s(&old_spec.cluster_ip) == s(&spec.cluster_ip)
    {
        spec.cluster_ips = old_spec.cluster_ips.clone();
    }
    if s(&old_spec.cluster_ip) != s(&spec.cluster_ip) {
        if !s(&old_spec.cluster_ip).is_empty()
            && s(&spec.cluster_ip).is_empty()
            && same_ips(&old_spec, spec)
        {
            spec.cluster_ips = None;
        }
        if same_ips(&old_spec, spec) {
            spec.cluster_ips = Some(vec![s(&spec.cluster_ip).to_string()]);
        }
    }
    // dropTypeDependentFields
    if needs_cluster_ip(&old_spec) && !needs_cluster_ip(spec) {
        if same_ips(&old_spec, spec) {
            spec.cluster_ip = None;
            spec.cluster_ips = None;
        }
        if old_spec.ip_families.clone().unwrap_or_default()
            == spec.ip_families.clone().unwrap_or_default()
        {
            spec.ip_families = None;
        }
        if old_spec.ip_family_policy == spec.ip_family_policy {
            spec.ip_family_policy = None;
        }
    }
    if needs_node_port(&old_spec) && !needs_node_port(spec) {
        let node_ports = |sp: &ServiceSpec| -> Vec<i32> {
            sp.ports
                .iter()
                .flatten()
                .map(|p| p.node_port.unwrap_or(0))
                .collect()
        };
        if node_ports(&old_spec) == node_ports(spec) {
            for p in spec.ports.iter_mut().flatten() {
                p.node_port = None;
            }
        }
    }
    if needs_health_check(&old_spec)
        && !needs_health_check(spec)
        && old_spec.health_check_node_port.unwrap_or(0) == spec.health_check_node_port.unwrap_or(0)
    {
        spec.health_check_node_port = None;
    }
    if service_type(&old_spec) == "LoadBalancer"
        && service_type(spec) != "LoadBalancer"
        && old_spec.allocate_load_balancer_node_ports.is_some()
        && old_spec.allocate_load_balancer_node_ports == spec.allocate_load_balancer_node_ports
    {
        spec.allocate_load_balancer_node_ports = None;
    }
    if service_type(&old_spec) == "LoadBalancer"
        && service_type(spec) != "LoadBalancer"
        && old_spec.load_balancer_class == spec.load_balancer_class
    {
        spec.load_balancer_class = None;
    }
    if externally_accessible(&old_spec)
        && !externally_accessible(spec)
        && s(&old_spec.external_traffic_policy) == s(&spec.external_traffic_policy)
    {
        spec.external_traffic_policy = None;
    }
}

/// `validateServicePort`.
fn validate_service_port(
    sp: &ServicePort,
    require_name: bool,
    names_seen: &mut BTreeSet<String>,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let name = s(&sp.name);
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        errs.extend(validate_dns1123_label(name, &path.child("name")));
        if !names_seen.insert(name.to_string()) {
            errs.push(FieldError::duplicate(&path.child("name"), name));
        }
    }
    for msg in is_valid_port_num(i64::from(sp.port)) {
        errs.push(FieldError::invalid(&path.child("port"), sp.port, msg));
    }
    errs.extend(validate_port_protocol(
        s(&sp.protocol),
        &path.child("protocol"),
    ));
    // An unset targetPort is Go's zero `IntOrString`, the number 0.
    errs.extend(validate_port_num_or_name(
        sp.target_port.as_ref().unwrap_or(&IntOrString::Int(0)),
        &path.child("targetPort"),
    ));
    if let Some(app) = &sp.app_protocol {
        errs.extend(validate_qualified_name(app, &path.child("appProtocol")));
    }
    errs
}

/// `validateClientIPAffinityConfig`.
fn validate_client_ip_affinity(
    config: Option<&SessionAffinityConfig>,
    path: &Path,
) -> Vec<FieldError> {
    let detail = "when session affinity type is ClientIP";
    let Some(config) = config else {
        return vec![FieldError::required(path, detail)];
    };
    let Some(client_ip) = &config.client_ip else {
        return vec![FieldError::required(&path.child("clientIP"), detail)];
    };
    let timeout_path = path.child("clientIP").child("timeoutSeconds");
    match client_ip.timeout_seconds {
        None => vec![FieldError::required(&timeout_path, detail)],
        Some(t) if t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS => vec![FieldError::invalid(
            &timeout_path,
            t,
            format!("must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}"),
        )],
        Some(_) => vec![],
    }
}

/// True for an IPv6 address (`netutils.IsIPv6String`).
fn is_ipv6(value: &str) -> bool {
    parse_ip_sloppy(value).is_some_and(|ip| ip_to4(ip).is_none())
}

/// `ValidateServiceClusterIPsRelatedFields`.
fn validate_cluster_ips_related(spec: &ServiceSpec) -> Vec<FieldError> {
    if service_type(spec) == "ExternalName" {
        return vec![];
    }
    let mut errs = vec![];
    let ips_path = spec_path().child("clusterIPs");
    let ips = cluster_ips(spec);
    let cluster_ip = s(&spec.cluster_ip);
    if !cluster_ip.is_empty() {
        if ips.is_empty() {
            errs.push(FieldError::required(&ips_path, ""));
        } else if ips[0] != cluster_ip {
            errs.push(FieldError::invalid(
                &ips_path,
                json_slice(spec.cluster_ips.as_ref()),
                "first value must match `clusterIP`",
            ));
        }
    } else if !ips.is_empty() {
        errs.push(FieldError::invalid(
            &ips_path,
            json_slice(spec.cluster_ips.as_ref()),
            "must be empty when `clusterIP` is not specified",
        ));
    }
    let families_path = spec_path().child("ipFamilies");
    let mut seen = BTreeSet::new();
    for (i, family) in spec.ip_families.iter().flatten().enumerate() {
        if family != "IPv4" && family != "IPv6" {
            errs.push(FieldError::not_supported(
                &families_path.index(i),
                json_str(family),
                &["IPv4", "IPv6"],
            ));
        }
        if !seen.insert(family.as_str()) {
            errs.push(FieldError::duplicate(
                &families_path.index(i),
                json_str(family),
            ));
        }
    }
    if let Some(policy) = &spec.ip_family_policy
        && !matches!(
            policy.as_str(),
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        )
    {
        errs.push(FieldError::not_supported(
            &spec_path().child("ipFamilyPolicy"),
            json_str(policy),
            &["PreferDualStack", "RequireDualStack", "SingleStack"],
        ));
    }
    let mut has_invalid = false;
    for (i, ip) in ips.iter().enumerate() {
        if i == 0 && ip == "None" {
            if ips.len() > 1 {
                has_invalid = true;
                errs.push(FieldError::invalid(
                    &ips_path,
                    json_slice(spec.cluster_ips.as_ref()),
                    "'None' must be the first and only value",
                ));
            }
            continue;
        }
        let ip_errs = is_valid_ip(&ips_path.index(i), ip);
        has_invalid |= !ip_errs.is_empty();
        errs.extend(ip_errs);
    }
    if ips.len() > 2 {
        errs.push(FieldError::invalid(
            &ips_path,
            json_slice(spec.cluster_ips.as_ref()),
            "may only hold up to 2 values",
        ));
    }
    if has_invalid {
        return errs;
    }
    if ips.len() > 1 {
        let v6 = ips.iter().filter(|ip| is_ipv6(ip)).count();
        if v6 == 0 || v6 == ips.len() {
            errs.push(FieldError::invalid(
                &ips_path,
                json_slice(spec.cluster_ips.as_ref()),
                "may specify no more than one IP for each IP family",
            ));
        }
    }
    let families = spec.ip_families.as_deref().unwrap_or(&[]);
    if !is_headless(spec) && !ips.is_empty() && !families.is_empty() {
        for (i, ip) in ips.iter().enumerate().take(families.len()) {
            if families[i] == "IPv4" && is_ipv6(ip) {
                errs.push(FieldError::invalid(
                    &ips_path.index(i),
                    ip,
                    format!("expected an IPv4 value as indicated by `ipFamilies[{i}]`"),
                ));
            }
            if families[i] == "IPv6" && !is_ipv6(ip) {
                errs.push(FieldError::invalid(
                    &ips_path.index(i),
                    ip,
                    format!("expected an IPv6 value as indicated by `ipFamilies[{i}]`"),
                ));
            }
        }
    }
    errs
}

/// `validateLoadBalancerClassField`.
fn validate_load_balancer_class(old: Option<&ServiceSpec>, spec: &ServiceSpec) -> Vec<FieldError> {
    let mut errs = vec![];
    let path = spec_path().child("loadBalancerClass");
    let is_lb = service_type(spec) == "LoadBalancer";
    if let Some(old) = old
        && service_type(old) == "LoadBalancer"
        && is_lb
        && old.load_balancer_class != spec.load_balancer_class
    {
        errs.push(FieldError::invalid(
            &path,
            spec.load_balancer_class
                .as_ref()
                .map_or(BadValue::Go("null".into()), BadValue::from),
            "may not change once set",
        ));
    }
    match (&spec.load_balancer_class, is_lb) {
        (Some(class), true) => errs.extend(validate_qualified_name(class, &path)),
        (Some(_), false) => errs.push(FieldError::forbidden(
            &path,
            "may only be used when `type` is 'LoadBalancer'",
        )),
        (None, _) => {}
    }
    errs
}

/// The internal `core.ServicePort` key upstream reports duplicates with (only protocol and port
/// set).
fn json_port_key(protocol: &str, port: i32) -> String {
    format!(
        "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{port},\"TargetPort\":0,\"NodePort\":0}}",
        json_quote(protocol)
    )
}

/// `ValidateService`.
fn validate_service(svc: &Service) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&svc.metadata, true, name_is_dns1035_label, &md());
    let annotations = svc.metadata.annotations.clone().unwrap_or_default();
    if let (Some(mode), Some(hints)) = (
        annotations.get(TOPOLOGY_MODE_ANNOTATION),
        annotations.get(TOPOLOGY_HINTS_ANNOTATION),
    ) && mode != hints
    {
        errs.push(FieldError::invalid(
            &md().child("annotations").key(TOPOLOGY_MODE_ANNOTATION),
            mode,
            format!("must match annotations[{TOPOLOGY_HINTS_ANNOTATION}] when both are specified"),
        ));
    }
    let spec = svc.spec.clone().unwrap_or_default();
    let sp = spec_path();
    let ports = spec.ports.as_deref().unwrap_or(&[]);
    let t = service_type(&spec);
    let headless = is_headless(&spec);
    if ports.is_empty() && !headless && t != "ExternalName" {
        errs.push(FieldError::required(&sp.child("ports"), ""));
    }
    match t {
        "LoadBalancer" | "NodePort" if headless => {
            errs.push(FieldError::invalid(
                &sp.child("clusterIPs").index(0),
                "None",
                format!("may not be set to 'None' for {t} services"),
            ));
        }
        "ExternalName" => {
            let forbidden = "may not be set for ExternalName services";
            if !cluster_ips(&spec).is_empty() {
                errs.push(FieldError::forbidden(&sp.child("clusterIPs"), forbidden));
            }
            if spec.ip_families.as_ref().is_some_and(|f| !f.is_empty()) {
                errs.push(FieldError::forbidden(&sp.child("ipFamilies"), forbidden));
            }
            if spec.ip_family_policy.is_some() {
                errs.push(FieldError::forbidden(
                    &sp.child("ipFamilyPolicy"),
                    forbidden,
                ));
            }
            let external_name = s(&spec.external_name);
            let cname = external_name.strip_suffix('.').unwrap_or(external_name);
            if cname.is_empty() {
                errs.push(FieldError::required(&sp.child("externalName"), ""));
            } else {
                errs.extend(validate_dns1123_subdomain(cname, &sp.child("externalName")));
            }
        }
        _ => {}
    }

    let mut names_seen = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        errs.extend(validate_service_port(
            port,
            ports.len() > 1,
            &mut names_seen,
            &sp.child("ports").index(i),
        ));
    }
    if let Some(selector) = &spec.selector {
        errs.extend(meta::validate_labels(selector, &sp.child("selector")));
    }

    let affinity = s(&spec.session_affinity);
    let affinity_path = sp.child("sessionAffinity");
    if affinity.is_empty() {
        errs.push(FieldError::required(&affinity_path, ""));
    } else if affinity != "ClientIP" && affinity != "None" {
        errs.push(FieldError::not_supported(
            &affinity_path,
            json_str(affinity),
            &["ClientIP", "None"],
        ));
    }
    let config_path = sp.child("sessionAffinityConfig");
    if affinity == "ClientIP" {
        errs.extend(validate_client_ip_affinity(
            spec.session_affinity_config.as_ref(),
            &config_path,
        ));
    } else if affinity == "None" && spec.session_affinity_config.is_some() {
        errs.push(FieldError::forbidden(
            &config_path,
            "must not be set when session affinity is None",
        ));
    }

    errs.extend(validate_cluster_ips_related(&spec));

    for (i, ip) in spec.external_ips.iter().flatten().enumerate() {
        let p = sp.child("externalIPs").index(i);
        let ip_errs = is_valid_ip(&p, ip);
        if ip_errs.is_empty() {
            errs.extend(validate_non_special_ip(ip, &p));
        } else {
            errs.extend(ip_errs);
        }
    }

    let type_path = sp.child("type");
    if t.is_empty() {
        errs.push(FieldError::required(&type_path, ""));
    } else if !SERVICE_TYPES.contains(&t) {
        errs.push(FieldError::not_supported(
            &type_path,
            json_str(t),
            &SERVICE_TYPES,
        ));
    }
    if t == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if port.node_port.unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    &sp.child("ports").index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let node_port = port.node_port.unwrap_or(0);
        if node_port == 0 {
            continue;
        }
        if !node_ports.insert((s(&port.protocol).to_string(), node_port)) {
            errs.push(FieldError::duplicate(
                &sp.child("ports").index(i).child("nodePort"),
                node_port,
            ));
        }
    }
    let mut port_keys = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let protocol = s(&port.protocol);
        if !port_keys.insert((protocol.to_string(), port.port)) {
            errs.push(FieldError::duplicate(
                &sp.child("ports").index(i),
                BadValue::Go(json_port_key(protocol, port.port)),
            ));
        }
    }

    let ranges = spec.load_balancer_source_ranges.as_deref().unwrap_or(&[]);
    if !ranges.is_empty() {
        let p = sp.child("LoadBalancerSourceRanges");
        if t != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                &p,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        for (i, value) in ranges.iter().enumerate() {
            errs.extend(is_valid_cidr(&p.index(i), value.trim()));
        }
    } else if let Some(val) = annotations.get(LB_SOURCE_RANGES_ANNOTATION) {
        let p = md().child("annotations").key(LB_SOURCE_RANGES_ANNOTATION);
        if t != "LoadBalancer" {
            errs.push(FieldError::forbidden(
                &p,
                "may only be used when `type` is 'LoadBalancer'",
            ));
        }
        let val = val.trim();
        if !val.is_empty() {
            for value in val.split(',') {
                errs.extend(is_valid_cidr(&p, value.trim()));
            }
        }
    }

    if spec.allocate_load_balancer_node_ports.is_some() && t != "LoadBalancer" {
        errs.push(FieldError::forbidden(
            &sp.child("allocateLoadBalancerNodePorts"),
            "may only be used when `type` is 'LoadBalancer'",
        ));
    }
    if t == "LoadBalancer" && spec.allocate_load_balancer_node_ports.is_none() {
        errs.push(FieldError::required(
            &Path::new("allocateLoadBalancerNodePorts"),
            "",
        ));
    }
    errs.extend(validate_load_balancer_class(None, &spec));

    // externalTrafficPolicy and healthCheckNodePort
    let etp = s(&spec.external_traffic_policy);
    let etp_path = sp.child("externalTrafficPolicy");
    if !externally_accessible(&spec) {
        if !etp.is_empty() {
            errs.push(FieldError::invalid(
                &etp_path,
                json_str(etp),
                "may only be set for externally-accessible services",
            ));
        }
    } else if etp.is_empty() {
        errs.push(FieldError::required(&etp_path, ""));
    } else if etp != "Cluster" && etp != "Local" {
        errs.push(FieldError::not_supported(
            &etp_path,
            json_str(etp),
            &["Cluster", "Local"],
        ));
    }
    let hcnp = spec.health_check_node_port.unwrap_or(0);
    let hcnp_path = sp.child("healthCheckNodePort");
    if !needs_health_check(&spec) {
        if hcnp != 0 {
            errs.push(FieldError::invalid(
                &hcnp_path,
                hcnp,
                "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
            ));
        }
    } else if hcnp == 0 {
        errs.push(FieldError::required(&hcnp_path, ""));
    } else {
        for msg in is_valid_port_num(i64::from(hcnp)) {
            errs.push(FieldError::invalid(&hcnp_path, hcnp, msg));
        }
    }

    let itp_path = sp.child("internalTrafficPolicy");
    match &spec.internal_traffic_policy {
        None if matches!(t, "NodePort" | "LoadBalancer" | "ClusterIP") => {
            errs.push(FieldError::required(&itp_path, ""));
        }
        Some(itp) if itp != "Cluster" && itp != "Local" => {
            errs.push(FieldError::not_supported(
                &itp_path,
                json_str(itp),
                &["Cluster", "Local"],
            ));
        }
        _ => {}
    }

    if let Some(td) = &spec.traffic_distribution
        && !matches!(
            td.as_str(),
            "PreferClose" | "PreferSameZone" | "PreferSameNode"
        )
    {
        errs.push(FieldError::not_supported(
            &sp.child("trafficDistribution"),
            td,
            &["PreferClose", "PreferSameZone", "PreferSameNode"],
        ));
    }
    errs
}

/// `ValidateServiceCreate`, after the create strategy's `normalizeClusterIPs` (a lone
/// `clusterIP` also fills `clusterIPs`).
pub(super) fn validate_service_create(svc: &Service) -> Vec<FieldError> {
    let mut svc = svc.clone();
    if let Some(spec) = svc.spec.as_mut()
        && !s(&spec.cluster_ip).is_empty()
        && cluster_ips(spec).is_empty()
    {
        spec.cluster_ips = Some(vec![s(&spec.cluster_ip).to_string()]);
    }
    validate_service(&svc)
}

/// `validateUpgradeDowngradeClusterIPs`: the primary ClusterIP never changes.
fn validate_upgrade_downgrade_cluster_ips(old: &ServiceSpec, new: &ServiceSpec) -> Vec<FieldError> {
    if service_type(new) == "ExternalName" || service_type(old) == "ExternalName" {
        return vec![];
    }
    if is_headless(old) && is_headless(new) {
        return vec![];
    }
    let mut errs = vec![];
    let path = spec_path().child("clusterIPs");
    let (old_ips, new_ips) = (cluster_ips(old), cluster_ips(new));
    let value = || json_slice(new.cluster_ips.as_ref());
    if old_ips.len() == new_ips.len() {
        for (i, ip) in old_ips.iter().enumerate() {
            if *ip != new_ips[i] {
                errs.push(FieldError::invalid(
                    &path.index(i),
                    value(),
                    "may not change once set",
                ));
            }
        }
    } else if old_ips.len() > new_ips.len() {
        if new_ips.is_empty() {
            errs.push(FieldError::invalid(
                &path.index(0),
                value(),
                "primary clusterIP can not be unset",
            ));
        }
        if !old_ips.is_empty() && !new_ips.is_empty() && new_ips[0] != old_ips[0] {
            errs.push(FieldError::invalid(
                &path.index(0),
                value(),
                "may not change once set",
            ));
        }
        if new_ips.len() == 1 && s(&new.ip_family_policy) != "SingleStack" {
            errs.push(FieldError::invalid(
                &spec_path().child("ipFamilyPolicy"),
                json_opt_str(new.ip_family_policy.as_deref()),
                "must be set to 'SingleStack' when releasing the secondary clusterIP",
            ));
        }
    } else if !old_ips.is_empty() && new_ips[0] != old_ips[0] {
        errs.push(FieldError::invalid(
            &path.index(0),
            value(),
            "may not change once set",
        ));
    }
    errs
}

/// `validateUpgradeDowngradeIPFamilies`: the primary family never changes (headless services
/// excepted).
fn validate_upgrade_downgrade_ip_families(old: &ServiceSpec, new: &ServiceSpec) -> Vec<FieldError> {
    if service_type(new) == "ExternalName" || service_type(old) == "ExternalName" {
        return vec![];
    }
    if is_headless(old) || is_headless(new) {
        return vec![];
    }
    let mut errs = vec![];
    let path = spec_path().child("ipFamilies").index(0);
    let old_f = old.ip_families.as_deref().unwrap_or(&[]);
    let new_f = new.ip_families.as_deref().unwrap_or(&[]);
    let families = || json_slice(new.ip_families.as_ref());
    let ips = || json_slice(new.cluster_ips.as_ref());
    if old_f.len() == new_f.len() {
        for (i, f) in old_f.iter().enumerate() {
            if *f != new_f[i] {
                errs.push(FieldError::invalid(
                    &path,
                    families(),
                    "may not change once set",
                ));
            }
        }
    } else if old_f.len() > new_f.len() {
        if cluster_ips(new).is_empty() {
            errs.push(FieldError::invalid(
                &path,
                families(),
                "primary ipFamily can not be unset",
            ));
        }
        if !new_f.is_empty() && new_f[0] != old_f[0] {
            errs.push(FieldError::invalid(&path, ips(), "may not change once set"));
        }
        if new_f.len() == 1 && s(&new.ip_family_policy) != "SingleStack" {
            errs.push(FieldError::invalid(
                &spec_path().child("ipFamilyPolicy"),
                json_opt_str(new.ip_family_policy.as_deref()),
                "must be set to 'SingleStack' when releasing the secondary ipFamily",
            ));
        }
    } else if !old_f.is_empty() && !new_f.is_empty() && new_f[0] != old_f[0] {
        errs.push(FieldError::invalid(&path, ips(), "may not change once set"));
    }
    errs
}

/// The service strategy's `ValidateUpdate` (`ValidateServiceUpdate`), after the registry's
/// update preparation: metadata update rules, ClusterIP and family upgrade/downgrade rules, the
/// load balancer class, an immutable health-check port, then `ValidateService`.
pub(super) fn validate_service_update(new: &Service, old: &Service) -> Vec<FieldError> {
    let mut new = new.clone();
    prepare_service_update(&mut new, old);
    let new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_upgrade_downgrade_cluster_ips(&old_spec, &new_spec));
    errs.extend(validate_upgrade_downgrade_ip_families(&old_spec, &new_spec));
    errs.extend(validate_load_balancer_class(Some(&old_spec), &new_spec));
    if needs_health_check(&old_spec)
        && needs_health_check(&new_spec)
        && old_spec.health_check_node_port != new_spec.health_check_node_port
    {
        errs.push(FieldError::forbidden(
            &spec_path().child("healthCheckNodePort"),
            "field is immutable",
        ));
    }
    errs.extend(validate_service(&new));
    errs
}

/// `ValidateServiceStatusUpdate`: metadata update rules and `ValidateLoadBalancerStatus`
/// (`AllowServiceLBStatusOnNonLB` off, `LoadBalancerIPMode` on).
pub(super) fn validate_service_status_update(new: &Service, old: &Service) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    let spec = new.spec.clone().unwrap_or_default();
    let ingress = new
        .status
        .as_ref()
        .and_then(|st| st.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.as_ref())
        .cloned()
        .unwrap_or_default();
    let path = Path::new("status").child("loadBalancer").child("ingress");
    if service_type(&spec) != "LoadBalancer" && !ingress.is_empty() {
        errs.push(FieldError::forbidden(
            &path,
            "may only be used when `spec.type` is 'LoadBalancer'",
        ));
        return errs;
    }
    for (i, ing) in ingress.iter().enumerate() {
        let p = path.index(i);
        let ip = s(&ing.ip);
        if !ip.is_empty() {
            errs.extend(is_valid_ip(&p.child("ip"), ip));
        }
        match &ing.ip_mode {
            None if !ip.is_empty() => errs.push(FieldError::required(
                &p.child("ipMode"),
                "must be specified when `ip` is set",
            )),
            Some(_) if ip.is_empty() => errs.push(FieldError::forbidden(
                &p.child("ipMode"),
                "may not be specified when `ip` is not set",
            )),
            Some(mode) if mode != "VIP" && mode != "Proxy" => {
                errs.push(FieldError::not_supported(
                    &p.child("ipMode"),
                    json_str(mode),
                    &["Proxy", "VIP"],
                ));
            }
            _ => {}
        }
        let hostname = s(&ing.hostname);
        if !hostname.is_empty() {
            errs.extend(validate_dns1123_subdomain(hostname, &p.child("hostname")));
            if parse_ip_sloppy(hostname).is_some() {
                errs.push(FieldError::invalid(
                    &p.child("hostname"),
                    hostname,
                    "must be a DNS name, not an IP address",
                ));
            }
        }
    }
    errs
}

// ----- Endpoints -----

/// `validateEndpointAddress`.
fn validate_endpoint_address(address: &EndpointAddress, path: &Path) -> Vec<FieldError> {
    let mut errs = is_valid_ip(&path.child("ip"), &address.ip);
    let hostname = s(&address.hostname);
    if !hostname.is_empty() {
        errs.extend(validate_dns1123_label(hostname, &path.child("hostname")));
    }
    if let Some(node) = &address.node_name {
        errs.extend(name_errors(
            name_is_dns_subdomain(node, false),
            &path.child("nodeName"),
            node,
        ));
    }
    errs.extend(validate_non_special_ip(&address.ip, &path.child("ip")));
    errs
}

/// `validateEndpointPort` (core Endpoints).
fn validate_endpoint_port(port: &EndpointPort, require_name: bool, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let name = s(&port.name);
    if require_name && name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        errs.extend(validate_dns1123_label(name, &path.child("name")));
    }
    for msg in is_valid_port_num(i64::from(port.port)) {
        errs.push(FieldError::invalid(&path.child("port"), port.port, msg));
    }
    errs.extend(validate_port_protocol(
        s(&port.protocol),
        &path.child("protocol"),
    ));
    if let Some(app) = &port.app_protocol {
        errs.extend(validate_qualified_name(app, &path.child("appProtocol")));
    }
    errs
}

/// `ValidateEndpoints`: metadata (a DNS subdomain name) and the subsets.
pub(super) fn validate_endpoints(e: &Endpoints) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&e.metadata, true, name_is_dns_subdomain, &md());
    let subsets_path = Path::new("subsets");
    for (i, ss) in e.subsets.iter().flatten().enumerate() {
        let p = subsets_path.index(i);
        let addresses = ss.addresses.as_deref().unwrap_or(&[]);
        let not_ready = ss.not_ready_addresses.as_deref().unwrap_or(&[]);
        if addresses.is_empty() && not_ready.is_empty() {
            errs.push(FieldError::required(
                &p,
                "must specify `addresses` or `notReadyAddresses`",
            ));
        }
        for (j, a) in addresses.iter().enumerate() {
            errs.extend(validate_endpoint_address(a, &p.child("addresses").index(j)));
        }
        for (j, a) in not_ready.iter().enumerate() {
            errs.extend(validate_endpoint_address(
                a,
                &p.child("notReadyAddresses").index(j),
            ));
        }
        let ports = ss.ports.as_deref().unwrap_or(&[]);
        for (j, port) in ports.iter().enumerate() {
            errs.extend(validate_endpoint_port(
                port,
                ports.len() > 1,
                &p.child("ports").index(j),
            ));
        }
    }
    errs
}

/// `ValidateEndpointsUpdate`.
pub(super) fn validate_endpoints_update(new: &Endpoints, old: &Endpoints) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    errs.extend(validate_endpoints(new));
    errs
}

// ----- EndpointSlice -----

/// `IsFullyQualifiedDomainName`.
fn is_fully_qualified_domain_name(path: &Path, name: &str) -> Vec<FieldError> {
    if name.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let errs = names::is_dns1123_subdomain(name);
    if !errs.is_empty() {
        return vec![FieldError::invalid(path, name, errs.join(","))];
    }
    if name.split('.').count() < 2 {
        return vec![FieldError::invalid(
            path,
            name,
            "should be a domain with at least two segments separated by dots",
        )];
    }
    for label in name.split('.') {
        let errs = names::is_dns1123_label(label);
        if !errs.is_empty() {
            return vec![FieldError::invalid(path, label, errs.join(","))];
        }
    }
    vec![]
}

/// `ValidateEndpointSlice`.
pub(super) fn validate_endpoint_slice(e: &EndpointSlice) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&e.metadata, true, name_is_dns_subdomain, &md());
    let addr_type = e.address_type.as_str();
    let types = ["FQDN", "IPv4", "IPv6"];
    if addr_type.is_empty() {
        errs.push(FieldError::required(&Path::new("addressType"), ""));
    } else if !types.contains(&addr_type) {
        errs.push(FieldError::not_supported(
            &Path::new("addressType"),
            json_str(addr_type),
            &types,
        ));
    }
    let eps_path = Path::new("endpoints");
    if e.endpoints.len() > 1000 {
        errs.push(FieldError::too_many(&eps_path, e.endpoints.len(), 1000));
    } else {
        for (i, ep) in e.endpoints.iter().enumerate() {
            let p = eps_path.index(i);
            let addr_path = p.child("addresses");
            if ep.addresses.is_empty() {
                errs.push(FieldError::required(
                    &addr_path,
                    "must contain at least 1 address",
                ));
            } else if ep.addresses.len() > 100 {
                errs.push(FieldError::too_many(&addr_path, ep.addresses.len(), 100));
            }
            for (j, a) in ep.addresses.iter().enumerate() {
                let ap = addr_path.index(j);
                match addr_type {
                    "IPv4" => {
                        let ok = matches!(parse_ip_sloppy(a), Some(ip) if ip_to4(ip).is_some());
                        if !ok {
                            errs.push(FieldError::invalid(&ap, a, "must be a valid IPv4 address"));
                        }
                        errs.extend(validate_non_special_ip(a, &ap));
                    }
                    "IPv6" => {
                        let ok = matches!(parse_ip_sloppy(a), Some(ip @ IpAddr::V6(_)) if ip_to4(ip).is_none());
                        if !ok {
                            errs.push(FieldError::invalid(&ap, a, "must be a valid IPv6 address"));
                        }
                        errs.extend(validate_non_special_ip(a, &ap));
                    }
                    "FQDN" => errs.extend(is_fully_qualified_domain_name(&ap, a)),
                    _ => {}
                }
            }
            if let Some(node) = &ep.node_name {
                errs.extend(name_errors(
                    name_is_dns_subdomain(node, false),
                    &p.child("nodeName"),
                    node,
                ));
            }
            let topo_path = p.child("deprecatedTopology");
            if let Some(topo) = &ep.deprecated_topology {
                if topo.len() > 16 {
                    errs.push(FieldError::too_many(&topo_path, topo.len(), 16));
                }
                errs.extend(meta::validate_labels(topo, &topo_path));
                if topo.contains_key("topology.kubernetes.io/zone") {
                    errs.push(FieldError::internal(
                        &topo_path.key("topology.kubernetes.io/zone"),
                        "reserved key was not removed in conversion",
                    ));
                }
            }
            if let Some(hostname) = &ep.hostname {
                errs.extend(validate_dns1123_label(hostname, &p.child("hostname")));
            }
            if let Some(hints) = &ep.hints {
                let fz_path = p.child("hints").child("forZones");
                let zones = hints.for_zones.as_deref().unwrap_or(&[]);
                if zones.len() > 8 {
                    errs.push(FieldError::too_many(&fz_path, zones.len(), 8));
                } else {
                    let mut seen = BTreeSet::new();
                    for (k, zone) in zones.iter().enumerate() {
                        let zp = fz_path.index(k).child("name");
                        if !seen.insert(zone.name.as_str()) {
                            errs.push(FieldError::duplicate(&zp, &zone.name));
                        }
                        for msg in names::is_label_value(&zone.name) {
                            errs.push(FieldError::invalid(&zp, &zone.name, msg));
                        }
                    }
                }
            }
        }
    }
    let ports_path = Path::new("ports");
    let ports = e.ports.as_deref().unwrap_or(&[]);
    if ports.len() > 20000 {
        errs.push(FieldError::too_many(&ports_path, ports.len(), 20000));
        return errs;
    }
    let mut port_names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = ports_path.index(i);
        let name = s(&port.name);
        if !name.is_empty() {
            errs.extend(validate_dns1123_label(name, &p.child("name")));
        }
        if !port_names.insert(name) {
            errs.push(FieldError::duplicate(&p.child("name"), name));
        }
        match port.protocol.as_deref() {
            None => errs.push(FieldError::required(&p.child("protocol"), "")),
            Some(protocol) if !PORT_PROTOCOLS.contains(&protocol) => {
                errs.push(FieldError::not_supported(
                    &p.child("protocol"),
                    json_str(protocol),
                    &PORT_PROTOCOLS,
                ));
            }
            Some(_) => {}
        }
        if let Some(app) = &port.app_protocol {
            errs.extend(validate_qualified_name(app, &p.child("appProtocol")));
        }
    }
    errs
}

/// `ValidateEndpointSliceUpdate` (the metadata update rules come from the registry's common
/// checks).
pub(super) fn validate_endpoint_slice_update(
    new: &EndpointSlice,
    old: &EndpointSlice,
) -> Vec<FieldError> {
    let mut errs = validate_endpoint_slice(new);
    errs.extend(meta::immutable(
        new.address_type != old.address_type,
        &Path::new("addressType"),
        json_str(&new.address_type),
    ));
    errs
}

#[cfg(test)]
mod tests;
