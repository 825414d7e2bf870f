//! Cluster DNS as data: what CoreDNS, as kind deploys it, answers for a name at a given
//! virtual time (`spec/storage-scheduling-kubelet.md` §5.2–§5.5; the Kubernetes DNS
//! specification, schema 1.0.1; CoreDNS's `kubernetes`, `cache` and `loadbalance` plugins).
//!
//! It owns no API objects and never writes: it reads Services, EndpointSlices and Namespaces
//! from the API server as CoreDNS's informers would see them, `dns.propagation` behind the API
//! (rewinding the watch stream), and answers:
//!
//! - `<svc>.<ns>.svc.cluster.local` A/AAAA: the ClusterIP; for a headless Service every ready
//!   endpoint IP (none: NXDOMAIN). Endpoints whose `ready` condition is false are invisible (D7).
//! - `<hostname>.<svc>.<ns>.svc.cluster.local`: the endpoint with that hostname (or, without
//!   one, the dashed IP `10-244-1-5`), for any Service, as CoreDNS does.
//! - `_<port>._<proto>.<svc>.<ns>.svc.cluster.local` SRV: priority 0, weight `floor(100/n)`,
//!   the port, and the Service name (ClusterIP) or endpoint name (headless) as target, with A
//!   records of the targets as additional data. Unnamed ports have no `_port` name.
//! - `<a-b-c-d>.<ns>.pod.cluster.local` A (`pods insecure`).
//! - `d.c.b.a.in-addr.arpa` PTR for ClusterIPs and endpoint IPs.
//! - ExternalName Services: a CNAME.
//! - Anything else in the zone: NXDOMAIN (NODATA when the name exists but not the type);
//!   outside it the query is forwarded, and the simulated upstream knows no names (NXDOMAIN).
//!
//! Answers carry TTL 30 (`ttl 30`). Answer order is by IP (CoreDNS's `loadbalance` shuffles;
//! the `nslookup` model may shuffle with its own stream). The cache follows kind's Corefile
//! (`cache 30` with success and denial caching disabled for `cluster.local`), so cluster names
//! are always fresh while reverse and outside names are cached up to 30 s;
//! [`CachePolicy::all_zones`] models Corefiles that cache the cluster zone too, where a name
//! asked for before its pod was ready stays NXDOMAIN for up to 30 s.
//!
//! Output formatting (nslookup, dig) belongs elsewhere.

mod zone;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::TimingProfile;

/// The cluster domain.
pub const CLUSTER_ZONE: &str = "cluster.local";
/// The record TTL of the `kubernetes` plugin in kubeadm's Corefile.
pub const RECORD_TTL_S: u32 = 30;
/// `options ndots:5` of the resolv.conf the kubelet writes.
pub const NDOTS: usize = 5;

/// A query type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Service location.
    Srv,
    /// Reverse lookup.
    Ptr,
    /// Canonical name.
    Cname,
}

impl fmt::Display for QType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Srv => "SRV",
            QType::Ptr => "PTR",
            QType::Cname => "CNAME",
        })
    }
}

/// A response code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    /// The name exists (possibly without records of the type asked: NODATA).
    NoError,
    /// The name does not exist.
    NxDomain,
}

/// The data of one record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A service location.
    Srv {
        /// Always 0 (the plugin's default).
        priority: u16,
        /// `floor(100 / n)` for n records.
        weight: u16,
        /// The port.
        port: u16,
        /// The target name, fully qualified with the trailing dot.
        target: String,
    },
    /// A reverse name, fully qualified.
    Ptr(String),
    /// An alias, fully qualified.
    Cname(String),
}

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The owner name, fully qualified with the trailing dot.
    pub name: String,
    /// Seconds left to live (less than 30 when served from the cache).
    pub ttl: u32,
    /// The data.
    pub data: RData,
}

/// The server's response to one query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The name asked, fully qualified, lower-case.
    pub qname: String,
    /// The type asked.
    pub qtype: QType,
    /// NOERROR or NXDOMAIN.
    pub rcode: Rcode,
    /// Answer records.
    pub answers: Vec<Record>,
    /// Additional records (the A records of SRV targets).
    pub additional: Vec<Record>,
    /// True when the name was outside the cluster zones and forwarded upstream.
    pub forwarded: bool,
    /// True when the response came from CoreDNS's cache.
    pub cached: bool,
}

impl Response {
    /// NOERROR with no answers.
    pub fn is_nodata(&self) -> bool {
        self.rcode == Rcode::NoError && self.answers.is_empty()
    }
}

/// What a resolver in a pod got for a (possibly short) name: every query it sent while walking
/// the search list, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The queries, in the order sent.
    pub attempts: Vec<Response>,
    /// Index of the attempt that produced answers, if any did.
    pub answered: Option<usize>,
}

impl Answer {
    /// The response that decides the outcome: the answered one, else the last attempt.
    pub fn response(&self) -> Option<&Response> {
        match self.answered {
            Some(i) => self.attempts.get(i),
            None => self.attempts.last(),
        }
    }

    /// The answer records of the deciding response.
    pub fn records(&self) -> &[Record] {
        self.response().map_or(&[], |r| r.answers.as_slice())
    }

    /// True when some query got records.
    pub fn is_resolved(&self) -> bool {
        self.answered.is_some()
    }

    /// The IPv4 addresses answered (A records only, in answer order).
    pub fn ipv4(&self) -> Vec<Ipv4Addr> {
        self.records()
            .iter()
            .filter_map(|r| match r.data {
                RData::A(ip) => Some(ip),
                _ => None,
            })
            .collect()
    }
}

/// What CoreDNS's `cache` plugin keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// Longest a positive answer is kept, seconds (0: never).
    pub success_max_ttl_s: u32,
    /// Longest a negative answer (NXDOMAIN, NODATA) is kept, seconds (0: never).
    pub denial_max_ttl_s: u32,
    /// Zones excluded from caching (`disable success|denial <zone>`).
    pub disabled_zones: Vec<String>,
}

impl CachePolicy {
    /// kind / kubeadm v1.35: `cache 30` with both caches disabled for `cluster.local`.
    pub fn kubeadm() -> Self {
        CachePolicy {
            success_max_ttl_s: 30,
            denial_max_ttl_s: 30,
            disabled_zones: vec![CLUSTER_ZONE.to_string()],
        }
    }

    /// `cache 30` for every zone (older kubeadm releases and many managed clusters).
    pub fn all_zones() -> Self {
        CachePolicy {
            success_max_ttl_s: 30,
            denial_max_ttl_s: 30,
            disabled_zones: Vec::new(),
        }
    }

    /// No cache at all.
    pub fn none() -> Self {
        CachePolicy {
            success_max_ttl_s: 0,
            denial_max_ttl_s: 0,
            disabled_zones: Vec::new(),
        }
    }

    fn max_ttl_for(&self, qname: &str, positive: bool) -> u32 {
        let name = qname.trim_end_matches('.');
        let disabled = self
            .disabled_zones
            .iter()
            .any(|z| name == z || name.ends_with(&format!(".{z}")));
        if disabled {
            0
        } else if positive {
            self.success_max_ttl_s
        } else {
            self.denial_max_ttl_s
        }
    }
}

/// How the simulated CoreDNS is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsConfig {
    /// How far behind the API server CoreDNS's informers are.
    pub propagation: SimDuration,
    /// The cache plugin.
    pub cache: CachePolicy,
}

impl DnsConfig {
    /// kind's CoreDNS with the latencies of `profile` (`dns.propagation`).
    pub fn from_profile(profile: &TimingProfile) -> Self {
        DnsConfig {
            propagation: profile
                .try_get("dns.propagation")
                .unwrap_or(SimDuration::ZERO),
            cache: CachePolicy::kubeadm(),
        }
    }
}

impl Default for DnsConfig {
    fn default() -> Self {
        DnsConfig::from_profile(&TimingProfile::kind())
    }
}

#[derive(Clone, Debug)]
struct CacheEntry {
    stored_at: SimTime,
    ttl_s: u32,
    response: Response,
}

/// The cluster's CoreDNS: configuration plus cache state.
#[derive(Clone, Debug, Default)]
pub struct CoreDns {
    config: DnsConfig,
    cache: BTreeMap<(String, QType), CacheEntry>,
}

impl CoreDns {
    /// A server with an empty cache.
    pub fn new(config: DnsConfig) -> Self {
        CoreDns {
            config,
            cache: BTreeMap::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &DnsConfig {
        &self.config
    }

    /// Resolves `name` as a pod in `from_namespace` would (`search <ns>.svc.cluster.local
    /// svc.cluster.local cluster.local`, `ndots:5`): a name ending in a dot is asked as is; a
    /// name with at least 5 dots is asked as is first, then with each search suffix; any other
    /// name with each search suffix first, then as is. The walk stops at the first query with
    /// records (NXDOMAIN and NODATA both continue it).
    pub fn resolve(
        &mut self,
        api: &ApiServer,
        now: SimTime,
        from_namespace: &str,
        name: &str,
        qtype: QType,
    ) -> Answer {
        let candidates = search_candidates(from_namespace, name);
        let mut attempts = Vec::new();
        let mut answered = None;
        for fqdn in candidates {
            let r = self.query(api, now, &fqdn, qtype);
            let has_records = !r.answers.is_empty();
            attempts.push(r);
            if has_records {
                answered = Some(attempts.len() - 1);
                break;
            }
        }
        Answer { attempts, answered }
    }

    /// One query for a fully qualified name, through the cache.
    pub fn query(&mut self, api: &ApiServer, now: SimTime, fqdn: &str, qtype: QType) -> Response {
        let qname = canonical(fqdn);
        let key = (qname.clone(), qtype);
        if let Some(entry) = self.cache.get(&key) {
            let age_s = (now.saturating_since(entry.stored_at).as_ms() / 1000) as u32;
            if age_s < entry.ttl_s {
                let mut r = entry.response.clone();
                r.cached = true;
                for rec in r.answers.iter_mut().chain(r.additional.iter_mut()) {
                    rec.ttl = rec.ttl.saturating_sub(age_s);
                }
                return r;
            }
            self.cache.remove(&key);
        }
        let seen_at = SimTime::from_ms(now.as_ms().saturating_sub(self.config.propagation.as_ms()));
        let view = View::at(api, seen_at);
        let response = zone::answer(&view, &qname, qtype);
        let positive = !response.answers.is_empty();
        let ttl = self
            .config
            .cache
            .max_ttl_for(&qname, positive)
            .min(RECORD_TTL_S);
        if ttl > 0 {
            self.cache.insert(
                key,
                CacheEntry {
                    stored_at: now,
                    ttl_s: ttl,
                    response: response.clone(),
                },
            );
        }
        response
    }
}

/// Resolves `name` from a pod in `from_namespace` against a fresh kind CoreDNS (empty cache,
/// the `kind` profile's propagation delay). See [`CoreDns::resolve`].
pub fn resolve(
    api: &ApiServer,
    now: SimTime,
    from_namespace: &str,
    name: &str,
    qtype: QType,
) -> Answer {
    CoreDns::default().resolve(api, now, from_namespace, name, qtype)
}

/// The names a pod's resolver asks for `name`, in order.
pub fn search_candidates(from_namespace: &str, name: &str) -> Vec<String> {
    if name.ends_with('.') {
        return vec![canonical(name)];
    }
    let search = [
        format!("{from_namespace}.svc.{CLUSTER_ZONE}"),
        format!("svc.{CLUSTER_ZONE}"),
        CLUSTER_ZONE.to_string(),
    ];
    let expanded: Vec<String> = search
        .iter()
        .map(|s| canonical(&format!("{name}.{s}")))
        .collect();
    let absolute = canonical(name);
    let dots = name.matches('.').count();
    if dots >= NDOTS {
        std::iter::once(absolute).chain(expanded).collect()
    } else {
        expanded
            .into_iter()
            .chain(std::iter::once(absolute))
            .collect()
    }
}

/// Lower-case with exactly one trailing dot.
pub fn canonical(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.').to_ascii_lowercase())
}

/// The objects CoreDNS watches, as of some instant.
#[derive(Debug, Default)]
pub struct View {
    objects: BTreeMap<ObjectKey, Arc<Object>>,
}

const WATCHED: [Kind; 3] = [Kind::Namespace, Kind::Service, Kind::EndpointSlice];

impl View {
    /// The state at `at`: today's objects with every later write undone, newest first.
    pub fn at(api: &ApiServer, at: SimTime) -> View {
        let mut objects: BTreeMap<ObjectKey, Arc<Object>> = WATCHED
            .iter()
            .flat_map(|k| api.iter_kind(*k, None))
            .map(|o| (o.key(), o.clone()))
            .collect();
        for ev in api.watch_events().iter().rev() {
            if ev.at <= at {
                break;
            }
            if !WATCHED.contains(&ev.object.kind()) {
                continue;
            }
            let key = ev.object.key();
            match ev.event_type {
                WatchEventType::Added => {
                    objects.remove(&key);
                }
                WatchEventType::Modified => match &ev.old {
                    Some(old) => {
                        objects.insert(key, old.clone());
                    }
                    None => {
                        objects.remove(&key);
                    }
                },
                WatchEventType::Deleted => {
                    objects.insert(key, ev.object.clone());
                }
            }
        }
        View { objects }
    }

    fn kind<'a>(
        &'a self,
        kind: Kind,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        self.objects
            .iter()
            .filter(move |(k, _)| k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns))
            .map(|(_, o)| o)
    }

    fn get(&self, key: &ObjectKey) -> Option<&Arc<Object>> {
        self.objects.get(key)
    }
}
