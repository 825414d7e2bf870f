//! The `kubernetes` plugin's answers for one fully qualified name over a [`View`]
//! (`plugin/kubernetes` `parseRequest`, `findServices`, `Reverse`; `plugin/backend_lookup.go`
//! for the record shapes and SRV weights).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::{CLUSTER_ZONE, QType, RData, RECORD_TTL_S, Rcode, Record, Response, View};
use crate::api::{Kind, Object, ObjectKey};

/// One backend the plugin found: an address (or an alias) and a port, under a name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    /// The name records point at (`web-0.nginx.default.svc.cluster.local.`).
    target: String,
    host: Host,
    /// -1 when the Service has no ports (headless without ports).
    port: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Host {
    Ip(IpAddr),
    Alias(String),
}

/// The endpoints CoreDNS sees for a Service (`EndpointSliceToEndpoints`): ready (or
/// condition-less) addresses with the slice's ports, or one port-less entry when the slice has
/// no ports.
struct SeenEndpoint {
    ip: IpAddr,
    hostname: Option<String>,
    /// (name, protocol, port)
    ports: Vec<(String, String, i32)>,
}

fn endpoints_of(view: &View, ns: &str, svc: &str) -> Vec<SeenEndpoint> {
    let mut out = Vec::new();
    for o in view.kind(Kind::EndpointSlice, Some(ns)) {
        let Object::EndpointSlice(slice) = &**o else {
            continue;
        };
        if o.labels()
            .get("kubernetes.io/service-name")
            .map(String::as_str)
            != Some(svc)
        {
            continue;
        }
        let ports = slice_ports(slice);
        for ep in &slice.endpoints {
            let ready = ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
            if !ready {
                continue;
            }
            for addr in &ep.addresses {
                if let Ok(ip) = addr.parse::<IpAddr>() {
                    out.push(SeenEndpoint {
                        ip,
                        hostname: ep.hostname.clone().filter(|h| !h.is_empty()),
                        ports: ports.clone(),
                    });
                }
            }
        }
    }
    out
}

fn slice_ports(slice: &EndpointSlice) -> Vec<(String, String, i32)> {
    let ports: Vec<(String, String, i32)> = slice
        .ports
        .iter()
        .flatten()
        .map(|p| {
            (
                p.name.clone().unwrap_or_default(),
                p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                p.port.unwrap_or(-1),
            )
        })
        .collect();
    if ports.is_empty() {
        vec![(String::new(), String::new(), -1)]
    } else {
        ports
    }
}

/// `endpointHostname`: the endpoint's hostname, else its IP with dashes.
fn endpoint_name(ep: &SeenEndpoint) -> String {
    match &ep.hostname {
        Some(h) => h.to_ascii_lowercase(),
        None => match ep.ip {
            IpAddr::V4(v4) => v4.to_string().replace('.', "-"),
            IpAddr::V6(v6) => v6.to_string().replace(':', "-"),
        },
    }
}

/// `matchPortAndProtocol`: an empty request part matches anything.
fn port_matches(want_port: &str, want_proto: &str, name: &str, proto: &str) -> bool {
    (want_port.is_empty() || want_port.eq_ignore_ascii_case(name))
        && (want_proto.is_empty() || want_proto.eq_ignore_ascii_case(proto))
}

fn strip_underscore(s: &str) -> &str {
    s.strip_prefix('_').unwrap_or(s)
}

fn empty(qname: &str, qtype: QType, rcode: Rcode) -> Response {
    Response {
        qname: qname.to_string(),
        qtype,
        rcode,
        answers: Vec::new(),
        additional: Vec::new(),
        forwarded: false,
        cached: false,
    }
}

/// The answer for `qname` (canonical: lower-case, trailing dot).
pub(super) fn answer(view: &View, qname: &str, qtype: QType) -> Response {
    let name = qname.trim_end_matches('.');
    if let Some(rest) = name
        .strip_suffix(".in-addr.arpa")
        .or_else(|| name.strip_suffix(".ip6.arpa"))
    {
        return reverse(view, qname, qtype, rest, name.ends_with(".ip6.arpa"));
    }
    let zone_suffix = format!(".{CLUSTER_ZONE}");
    if name == CLUSTER_ZONE {
        return empty(qname, qtype, Rcode::NoError);
    }
    let Some(inner) = name.strip_suffix(&zone_suffix) else {
        let mut r = empty(qname, qtype, Rcode::NxDomain);
        r.forwarded = true;
        return r;
    };
    let segs: Vec<&str> = inner.split('.').collect();
    let Some((kind_seg, rest)) = segs.split_last() else {
        return empty(qname, qtype, Rcode::NxDomain);
    };
    match *kind_seg {
        "svc" => service_answer(view, qname, qtype, rest),
        "pod" => pod_answer(view, qname, qtype, rest),
        _ => empty(qname, qtype, Rcode::NxDomain),
    }
}

fn namespace_exists(view: &View, ns: &str) -> bool {
    view.get(&ObjectKey::cluster(Kind::Namespace, ns)).is_some()
}

/// `<a-b-c-d>.<ns>.pod.cluster.local` under `pods insecure`: the IP spelled by the name.
fn pod_answer(view: &View, qname: &str, qtype: QType, rest: &[&str]) -> Response {
    match rest {
        [] => empty(qname, qtype, Rcode::NoError),
        [ns] if namespace_exists(view, ns) => empty(qname, qtype, Rcode::NoError),
        [ip, _ns] => {
            let v4 = ip.replace('-', ".").parse::<Ipv4Addr>().ok();
            let v6 = if v4.is_none() {
                ip.replace('-', ":").parse::<Ipv6Addr>().ok()
            } else {
                None
            };
            let mut r = empty(qname, qtype, Rcode::NoError);
            match (qtype, v4, v6) {
                (QType::A, Some(a), _) => r.answers.push(record(qname, RData::A(a))),
                (QType::Aaaa, _, Some(a)) => r.answers.push(record(qname, RData::Aaaa(a))),
                (_, None, None) => r.rcode = Rcode::NxDomain,
                _ => {}
            }
            r
        }
        _ => empty(qname, qtype, Rcode::NxDomain),
    }
}

fn record(name: &str, data: RData) -> Record {
    Record {
        name: name.to_string(),
        ttl: RECORD_TTL_S,
        data,
    }
}

fn service_fqdn(svc: &str, ns: &str) -> String {
    format!("{svc}.{ns}.svc.{CLUSTER_ZONE}.")
}

/// Everything under `svc.cluster.local`: `[endpoint.|_port._proto.]<svc>.<ns>`.
fn service_answer(view: &View, qname: &str, qtype: QType, rest: &[&str]) -> Response {
    let (endpoint, port, proto, svc_name, ns) = match rest {
        [] => return empty(qname, qtype, Rcode::NoError),
        [ns] => {
            let rcode = if namespace_exists(view, ns) {
                Rcode::NoError
            } else {
                Rcode::NxDomain
            };
            return empty(qname, qtype, rcode);
        }
        [svc, ns] => ("", "", "", *svc, *ns),
        [ep, svc, ns] => (*ep, "", "", *svc, *ns),
        [port, proto, svc, ns] => (
            "",
            strip_underscore(port),
            strip_underscore(proto),
            *svc,
            *ns,
        ),
        _ => return empty(qname, qtype, Rcode::NxDomain),
    };
    if !namespace_exists(view, ns) {
        return empty(qname, qtype, Rcode::NxDomain);
    }
    let Some(Object::Service(svc)) = view
        .get(&ObjectKey::new(Kind::Service, ns, svc_name))
        .map(|o| &**o)
    else {
        return empty(qname, qtype, Rcode::NxDomain);
    };
    let entries = find_entries(view, svc, ns, svc_name, endpoint, port, proto);
    if entries.is_empty() {
        return empty(qname, qtype, Rcode::NxDomain);
    }
    build(qname, qtype, &entries)
}

/// `findServices` for one Service: ExternalName → alias; headless or endpoint query → the
/// ready endpoints; otherwise the ClusterIP once per matching port.
fn find_entries(
    view: &View,
    svc: &Service,
    ns: &str,
    name: &str,
    endpoint: &str,
    port: &str,
    proto: &str,
) -> Vec<Entry> {
    let spec = svc.spec.clone().unwrap_or_default();
    let fqdn = service_fqdn(name, ns);
    if spec.type_.as_deref() == Some("ExternalName") {
        if !endpoint.is_empty() {
            return Vec::new();
        }
        let target = format!(
            "{}.",
            spec.external_name.unwrap_or_default().trim_end_matches('.')
        );
        return vec![Entry {
            target: fqdn,
            host: Host::Alias(target),
            port: 0,
        }];
    }
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let mut out = BTreeSet::new();
    if headless || !endpoint.is_empty() {
        for ep in endpoints_of(view, ns, name) {
            let ep_name = endpoint_name(&ep);
            if !endpoint.is_empty() && ep_name != endpoint {
                continue;
            }
            for (pname, pproto, pnum) in &ep.ports {
                if !port_matches(port, proto, pname, pproto) {
                    continue;
                }
                out.insert(Entry {
                    target: format!("{ep_name}.{fqdn}"),
                    host: Host::Ip(ep.ip),
                    port: *pnum,
                });
            }
        }
        return out.into_iter().collect();
    }
    let ips: Vec<IpAddr> = spec
        .cluster_ips
        .clone()
        .unwrap_or_else(|| spec.cluster_ip.clone().into_iter().collect())
        .iter()
        .filter_map(|ip| ip.parse().ok())
        .collect();
    let Some(ip) = ips.first().copied() else {
        return Vec::new();
    };
    for p in spec.ports.iter().flatten() {
        let pname = p.name.clone().unwrap_or_default();
        let pproto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
        if !port_matches(port, proto, &pname, &pproto) {
            continue;
        }
        out.insert(Entry {
            target: fqdn.clone(),
            host: Host::Ip(ip),
            port: p.port,
        });
    }
    out.into_iter().collect()
}

/// Turns backends into the records of one query type (`plugin.A`, `AAAA`, `SRV`, `CNAME`):
/// addresses deduplicated and ordered by IP, SRV weights `floor(100/n)`.
fn build(qname: &str, qtype: QType, entries: &[Entry]) -> Response {
    let mut r = empty(qname, qtype, Rcode::NoError);
    let alias = entries.iter().find_map(|e| match &e.host {
        Host::Alias(a) => Some(a.clone()),
        _ => None,
    });
    if let Some(target) = alias {
        // An ExternalName answers every address query with its CNAME.
        if matches!(qtype, QType::A | QType::Aaaa | QType::Cname) {
            r.answers.push(record(qname, RData::Cname(target)));
        }
        return r;
    }
    match qtype {
        QType::A | QType::Aaaa => {
            let ips: BTreeSet<IpAddr> = entries
                .iter()
                .filter_map(|e| match e.host {
                    Host::Ip(ip) => Some(ip),
                    Host::Alias(_) => None,
                })
                .collect();
            for ip in ips {
                match (qtype, ip) {
                    (QType::A, IpAddr::V4(v4)) => r.answers.push(record(qname, RData::A(v4))),
                    (QType::Aaaa, IpAddr::V6(v6)) => r.answers.push(record(qname, RData::Aaaa(v6))),
                    _ => {}
                }
            }
        }
        QType::Srv => {
            let srv: Vec<&Entry> = entries
                .iter()
                .filter(|e| (0..=65535).contains(&e.port))
                .collect();
            let n = srv.len().max(1) as u32;
            let weight = (100 / n) as u16;
            let mut targets = BTreeSet::new();
            for e in srv {
                r.answers.push(record(
                    qname,
                    RData::Srv {
                        priority: 0,
                        weight,
                        port: e.port as u16,
                        target: e.target.clone(),
                    },
                ));
                if let Host::Ip(ip) = e.host
                    && targets.insert((e.target.clone(), ip))
                {
                    let data = match ip {
                        IpAddr::V4(v4) => RData::A(v4),
                        IpAddr::V6(v6) => RData::Aaaa(v6),
                    };
                    r.additional.push(record(&e.target, data));
                }
            }
        }
        QType::Ptr | QType::Cname => {}
    }
    r
}

/// `d.c.b.a.in-addr.arpa` (or the nibble form): ClusterIPs name their Service, endpoint IPs
/// their endpoint. Unknown addresses fall through to the upstream (NXDOMAIN).
fn reverse(view: &View, qname: &str, qtype: QType, rest: &str, v6: bool) -> Response {
    let ip: Option<IpAddr> = if v6 {
        let nibbles: Vec<&str> = rest.split('.').rev().collect();
        if nibbles.len() != 32 {
            None
        } else {
            let hex: String = nibbles.concat();
            let groups: Vec<String> = hex
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            groups.join(":").parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        }
    } else {
        let parts: Vec<&str> = rest.split('.').rev().collect();
        if parts.len() == 4 {
            parts.join(".").parse::<Ipv4Addr>().ok().map(IpAddr::V4)
        } else {
            None
        }
    };
    let Some(ip) = ip else {
        let mut r = empty(qname, qtype, Rcode::NxDomain);
        r.forwarded = true;
        return r;
    };
    let mut names = BTreeSet::new();
    for o in view.kind(Kind::Service, None) {
        let Object::Service(svc) = &**o else { continue };
        let spec = svc.spec.clone().unwrap_or_default();
        let ips = spec
            .cluster_ips
            .clone()
            .unwrap_or_else(|| spec.cluster_ip.clone().into_iter().collect());
        if ips.iter().any(|s| s.parse::<IpAddr>().ok() == Some(ip)) {
            names.insert(service_fqdn(o.name(), o.namespace()));
        }
    }
    for o in view.kind(Kind::EndpointSlice, None) {
        let Some(svc) = o.labels().get("kubernetes.io/service-name") else {
            continue;
        };
        let (svc, ns) = (svc.clone(), o.namespace().to_string());
        for ep in endpoints_of(view, &ns, &svc) {
            if ep.ip == ip {
                names.insert(format!(
                    "{}.{}",
                    endpoint_name(&ep),
                    service_fqdn(&svc, &ns)
                ));
            }
        }
    }
    if names.is_empty() {
        let mut r = empty(qname, qtype, Rcode::NxDomain);
        r.forwarded = true;
        return r;
    }
    let mut r = empty(qname, qtype, Rcode::NoError);
    if qtype == QType::Ptr {
        for n in names {
            r.answers.push(record(qname, RData::Ptr(n)));
        }
    }
    r
}
