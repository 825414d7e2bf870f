//! What the scheduler reads from a pod, parsed once (upstream's `framework.PodInfo` plus the
//! request sums of `component-helpers/resource.PodRequests`).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Container, NodeSelectorTerm, Pod, PodAffinityTerm, PodSpec, Toleration,
    TopologySpreadConstraint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, LabelSelectorRequirement,
};

use crate::api::quantity::parse_k8s;
use crate::api::selector::LabelSelector;
use crate::api::{Object, ObjectKey};

/// `schedutil.DefaultMilliCPURequest`: the CPU a container without a request is scored as.
pub(crate) const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// `schedutil.DefaultMemoryRequest`: 200 MiB.
pub(crate) const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

/// Compute resources as the scheduler counts them (`framework.Resource`): CPU in millicores,
/// the rest in units; scalar (extended, hugepages) resources by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub scalars: BTreeMap<String, i64>,
}

impl Resources {
    /// Reads a resource list; unparseable quantities count as zero (the API server rejects them
    /// before the scheduler could see them).
    pub fn from_list(list: &BTreeMap<String, K8sQuantity>) -> Resources {
        let mut r = Resources::default();
        for (name, q) in list {
            let Ok(q) = parse_k8s(q) else { continue };
            match name.as_str() {
                "cpu" => r.milli_cpu += q.milli_value(),
                "memory" => r.memory += q.value(),
                "ephemeral-storage" => r.ephemeral_storage += q.value(),
                "pods" | "storage" => {}
                other if is_scalar_resource(other) => {
                    *r.scalars.entry(other.to_string()).or_insert(0) += q.value();
                }
                _ => {}
            }
        }
        r
    }

    pub fn add(&mut self, o: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_add(o.milli_cpu);
        self.memory = self.memory.saturating_add(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_add(o.ephemeral_storage);
        for (k, v) in &o.scalars {
            let e = self.scalars.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(*v);
        }
    }

    pub fn sub(&mut self, o: &Resources) {
        self.milli_cpu = self.milli_cpu.saturating_sub(o.milli_cpu);
        self.memory = self.memory.saturating_sub(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_sub(o.ephemeral_storage);
        for (k, v) in &o.scalars {
            let e = self.scalars.entry(k.clone()).or_insert(0);
            *e = e.saturating_sub(*v);
        }
    }

    fn max_with(&mut self, o: &Resources) {
        self.milli_cpu = self.milli_cpu.max(o.milli_cpu);
        self.memory = self.memory.max(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(o.ephemeral_storage);
        for (k, v) in &o.scalars {
            let e = self.scalars.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }

    pub fn is_zero(&self) -> bool {
        self.milli_cpu == 0
            && self.memory == 0
            && self.ephemeral_storage == 0
            && self.scalars.values().all(|v| *v == 0)
    }
}

/// `schedutil.IsScalarResourceName`: extended resources (a domain-qualified name outside
/// `kubernetes.io/`), hugepages and attachable volume counts.
pub(crate) fn is_scalar_resource(name: &str) -> bool {
    if name.starts_with("hugepages-") || name.starts_with("attachable-volumes-") {
        return true;
    }
    match name.split_once('/') {
        Some((domain, _)) => {
            !(domain == "kubernetes.io"
                || domain.ends_with(".kubernetes.io")
                || name.starts_with("requests."))
        }
        None => false,
    }
}

/// A host port a container asks for (`framework.HostPortInfo` entries).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

impl HostPort {
    /// `HostPortInfo.CheckConflict`: `0.0.0.0` conflicts with every IP.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// A pod (anti-)affinity term with its selectors parsed (`fwk.AffinityTerm`).
#[derive(Clone, Debug)]
pub(crate) struct AffinityTerm {
    /// The namespaces the term applies to (the pod's own when none and no selector is given).
    pub namespaces: BTreeSet<String>,
    /// The namespace selector; `nothing` when the term has none.
    pub namespace_selector: LabelSelector,
    /// The label selector.
    pub selector: LabelSelector,
    /// The selector as written, for building conjunctions.
    pub raw_selector: Option<K8sLabelSelector>,
    pub topology_key: String,
    /// A canonical text of the term, used to group identical terms.
    pub sig: String,
}

impl AffinityTerm {
    /// `AffinityTerm.Matches`: the pod is in one of the term's namespaces (or in a namespace
    /// whose labels the namespace selector matches) and its labels match the selector.
    pub fn matches(
        &self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        ns_labels: Option<&BTreeMap<String, String>>,
    ) -> bool {
        let ns_ok = self.namespaces.contains(namespace)
            || ns_labels.is_some_and(|l| self.namespace_selector.matches(l));
        ns_ok && self.selector.matches(labels)
    }

    /// True when the term names namespaces by selector (which needs namespace labels).
    pub fn has_namespace_selector(&self) -> bool {
        !selector_is_nothing(&self.namespace_selector)
    }
}

/// True for a selector that matches nothing (a nil `metav1.LabelSelector`).
pub(crate) fn selector_is_nothing(s: &LabelSelector) -> bool {
    s.requirements().is_empty() && !s.is_empty()
}

/// A canonical text for a selector (`!` for one that selects nothing).
pub(crate) fn selector_key(s: &LabelSelector) -> String {
    if selector_is_nothing(s) {
        "!".to_string()
    } else {
        s.to_string()
    }
}

/// A weighted (preferred) pod affinity term.
#[derive(Clone, Debug)]
pub(crate) struct WeightedTerm {
    pub weight: i64,
    pub term: AffinityTerm,
}

/// The controller owning a pod (kind, apiVersion, name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Owner {
    pub kind: String,
    pub api_version: String,
    pub name: String,
}

/// Everything the scheduler reads from one pod.
#[derive(Clone, Debug)]
pub(crate) struct PodInfo {
    pub key: ObjectKey,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub node_name: String,
    pub terminating: bool,
    /// Phase `Succeeded` or `Failed`: the scheduler's informer does not see such pods.
    pub terminal: bool,
    pub scheduler_name: String,
    pub gated: bool,
    /// `resource.PodRequests`: what NodeResourcesFit compares with allocatable.
    pub requests: Resources,
    /// CPU and memory with container defaults for missing requests (least-allocated scoring).
    pub nonzero_milli_cpu: i64,
    pub nonzero_memory: i64,
    pub host_ports: Vec<HostPort>,
    /// Claims named by `persistentVolumeClaim` volumes.
    pub pvc_claims: Vec<String>,
    /// Claims of generic ephemeral volumes (`<pod>-<volume>`).
    pub ephemeral_claims: Vec<String>,
    pub tolerations: Vec<Toleration>,
    pub node_selector: BTreeMap<String, String>,
    /// Required node affinity terms (ORed); `None` without required node affinity.
    pub required_node_terms: Option<Vec<NodeSelectorTerm>>,
    pub preferred_node_terms: Vec<(i64, NodeSelectorTerm)>,
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<WeightedTerm>,
    pub preferred_anti_affinity: Vec<WeightedTerm>,
    /// Why the affinity terms could not be parsed, if they could not.
    pub parse_error: Option<String>,
    pub spread_constraints: Vec<TopologySpreadConstraint>,
    pub priority: i32,
    pub preemption_never: bool,
    /// Images of init and regular containers, in order.
    pub images: Vec<String>,
    pub owner: Option<Owner>,
}

impl PodInfo {
    /// Parses a pod object. Returns `None` for other kinds.
    pub fn from_object(obj: &Object) -> Option<PodInfo> {
        let Object::Pod(pod) = obj else { return None };
        Some(PodInfo::from_pod(pod, obj.key()))
    }

    fn from_pod(pod: &Pod, key: ObjectKey) -> PodInfo {
        let meta = &pod.metadata;
        let namespace = key.namespace.clone();
        let name = key.name.clone();
        let default_spec = PodSpec::default();
        let spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        let labels = meta.labels.clone().unwrap_or_default();

        let (requests, nonzero) = pod_requests(spec);
        let mut host_ports = Vec::new();
        for c in spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
        {
            for p in c.ports.iter().flatten() {
                let Some(port) = p.host_port.filter(|p| *p > 0) else {
                    continue;
                };
                host_ports.push(HostPort {
                    ip: p
                        .host_ip
                        .clone()
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| "0.0.0.0".to_string()),
                    protocol: p.protocol.clone().unwrap_or_else(|| "TCP".to_string()),
                    port,
                });
            }
        }
        let mut pvc_claims = Vec::new();
        let mut ephemeral_claims = Vec::new();
        for v in spec.volumes.iter().flatten() {
            if let Some(c) = &v.persistent_volume_claim {
                pvc_claims.push(c.claim_name.clone());
            } else if v.ephemeral.is_some() {
                ephemeral_claims.push(format!("{}-{}", name, v.name));
            }
        }

        let mut parse_error = None;
        let affinity = spec.affinity.as_ref();
        let node_affinity = affinity.and_then(|a| a.node_affinity.as_ref());
        let required_node_terms = node_affinity
            .and_then(|n| {
                n.required_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .map(|s| s.node_selector_terms.clone());
        let preferred_node_terms = node_affinity
            .and_then(|n| {
                n.preferred_during_scheduling_ignored_during_execution
                    .as_ref()
            })
            .into_iter()
            .flatten()
            .map(|p| (i64::from(p.weight), p.preference.clone()))
            .collect();
        let mut parse_terms = |terms: &[PodAffinityTerm]| -> Vec<AffinityTerm> {
            let mut out = Vec::new();
            for t in terms {
                match affinity_term(&namespace, &labels, t) {
                    Ok(t) => out.push(t),
                    Err(e) => {
                        parse_error.get_or_insert(e);
                    }
                }
            }
            out
        };
        let pa = affinity.and_then(|a| a.pod_affinity.as_ref());
        let paa = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let required_affinity = parse_terms(
            pa.and_then(|p| {
                p.required_during_scheduling_ignored_during_execution
                    .as_deref()
            })
            .unwrap_or_default(),
        );
        let required_anti_affinity = parse_terms(
            paa.and_then(|p| {
                p.required_during_scheduling_ignored_during_execution
                    .as_deref()
            })
            .unwrap_or_default(),
        );
        let mut weighted = |terms: &[k8s_openapi::api::core::v1::WeightedPodAffinityTerm]| {
            let mut out = Vec::new();
            for w in terms {
                match affinity_term(&namespace, &labels, &w.pod_affinity_term) {
                    Ok(term) => out.push(WeightedTerm {
                        weight: i64::from(w.weight),
                        term,
                    }),
                    Err(e) => {
                        parse_error.get_or_insert(e);
                    }
                }
            }
            out
        };
        let preferred_affinity = weighted(
            pa.and_then(|p| {
                p.preferred_during_scheduling_ignored_during_execution
                    .as_deref()
            })
            .unwrap_or_default(),
        );
        let preferred_anti_affinity = weighted(
            paa.and_then(|p| {
                p.preferred_during_scheduling_ignored_during_execution
                    .as_deref()
            })
            .unwrap_or_default(),
        );

        let images = spec
            .init_containers
            .iter()
            .flatten()
            .chain(spec.containers.iter())
            .filter_map(|c| c.image.clone())
            .collect();
        let owner = meta
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.controller == Some(true))
            .map(|o| Owner {
                kind: o.kind.clone(),
                api_version: o.api_version.clone(),
                name: o.name.clone(),
            });
        PodInfo {
            key,
            uid: meta.uid.clone().unwrap_or_default(),
            namespace,
            name,
            node_name: spec.node_name.clone().unwrap_or_default(),
            terminating: meta.deletion_timestamp.is_some(),
            terminal: matches!(phase, Some("Succeeded") | Some("Failed")),
            scheduler_name: spec
                .scheduler_name
                .clone()
                .unwrap_or_else(|| super::SCHEDULER_NAME.to_string()),
            gated: spec
                .scheduling_gates
                .as_ref()
                .is_some_and(|g| !g.is_empty()),
            requests,
            nonzero_milli_cpu: nonzero.0,
            nonzero_memory: nonzero.1,
            host_ports,
            pvc_claims,
            ephemeral_claims,
            tolerations: spec.tolerations.clone().unwrap_or_default(),
            node_selector: spec.node_selector.clone().unwrap_or_default(),
            required_node_terms,
            preferred_node_terms,
            required_affinity,
            required_anti_affinity,
            preferred_affinity,
            preferred_anti_affinity,
            parse_error,
            spread_constraints: spec.topology_spread_constraints.clone().unwrap_or_default(),
            priority: spec.priority.unwrap_or(0),
            preemption_never: spec.preemption_policy.as_deref() == Some("Never"),
            images,
            owner,
            labels,
        }
    }

    /// Every claim the pod uses, persistent and ephemeral.
    pub fn all_claims(&self) -> impl Iterator<Item = &String> {
        self.pvc_claims.iter().chain(self.ephemeral_claims.iter())
    }

    /// True for a pod this scheduler must place: ours, not bound, not terminating, not done.
    pub fn wants_scheduling(&self) -> bool {
        self.node_name.is_empty()
            && self.scheduler_name == super::SCHEDULER_NAME
            && !self.terminating
            && !self.terminal
    }
}

/// Adds `matchLabelKeys` / `mismatchLabelKeys` to a term's selector, as the API server does for
/// v1.35 pods (`In` / `NotIn` the pod's own label values).
fn merged_term_selector(
    t: &PodAffinityTerm,
    labels: &BTreeMap<String, String>,
) -> Option<K8sLabelSelector> {
    let mut sel = t.label_selector.clone()?;
    let mut extra = Vec::new();
    for k in t.match_label_keys.iter().flatten() {
        if let Some(v) = labels.get(k) {
            extra.push(LabelSelectorRequirement {
                key: k.clone(),
                operator: "In".into(),
                values: Some(vec![v.clone()]),
            });
        }
    }
    for k in t.mismatch_label_keys.iter().flatten() {
        if let Some(v) = labels.get(k) {
            extra.push(LabelSelectorRequirement {
                key: k.clone(),
                operator: "NotIn".into(),
                values: Some(vec![v.clone()]),
            });
        }
    }
    if !extra.is_empty() {
        sel.match_expressions
            .get_or_insert_with(Vec::new)
            .extend(extra);
    }
    Some(sel)
}

fn affinity_term(
    pod_namespace: &str,
    pod_labels: &BTreeMap<String, String>,
    t: &PodAffinityTerm,
) -> Result<AffinityTerm, String> {
    let raw_selector = merged_term_selector(t, pod_labels);
    let selector = LabelSelector::from_k8s_opt(raw_selector.as_ref())?;
    let namespace_selector = LabelSelector::from_k8s_opt(t.namespace_selector.as_ref())?;
    let listed: BTreeSet<String> = t.namespaces.iter().flatten().cloned().collect();
    let namespaces = if listed.is_empty() && t.namespace_selector.is_none() {
        BTreeSet::from([pod_namespace.to_string()])
    } else {
        listed
    };
    let sig = format!(
        "{}|{}|{}|{}",
        namespaces.iter().cloned().collect::<Vec<_>>().join(","),
        selector_key(&namespace_selector),
        selector_key(&selector),
        t.topology_key
    );
    Ok(AffinityTerm {
        namespaces,
        namespace_selector,
        selector,
        raw_selector,
        topology_key: t.topology_key.clone(),
        sig,
    })
}

fn container_requests(c: &Container, nonzero: bool) -> Resources {
    let empty = BTreeMap::new();
    let list = c
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .unwrap_or(&empty);
    let mut r = Resources::from_list(list);
    if nonzero {
        if !list.contains_key("cpu") {
            r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST;
        }
        if !list.contains_key("memory") {
            r.memory = DEFAULT_MEMORY_REQUEST;
        }
    }
    r
}

/// `resource.PodRequests`: the sum of the containers (restartable init containers included),
/// or the largest init container plus the sidecars started before it, whichever is larger, plus
/// the pod overhead; pod-level requests replace the container sums when set. Returns the
/// requests and the non-zero CPU and memory used for least-allocated scoring.
fn pod_requests(spec: &PodSpec) -> (Resources, (i64, i64)) {
    let compute = |nonzero: bool| -> Resources {
        let mut reqs = Resources::default();
        for c in &spec.containers {
            reqs.add(&container_requests(c, nonzero));
        }
        let mut sidecars = Resources::default();
        let mut init_max = Resources::default();
        for c in spec.init_containers.iter().flatten() {
            let r = container_requests(c, nonzero);
            let effective = if c.restart_policy.as_deref() == Some("Always") {
                reqs.add(&r);
                sidecars.add(&r);
                sidecars.clone()
            } else {
                let mut t = r;
                t.add(&sidecars);
                t
            };
            init_max.max_with(&effective);
        }
        reqs.max_with(&init_max);
        if let Some(pod_level) = spec.resources.as_ref().and_then(|r| r.requests.as_ref()) {
            let p = Resources::from_list(pod_level);
            if pod_level.contains_key("cpu") {
                reqs.milli_cpu = p.milli_cpu;
            }
            if pod_level.contains_key("memory") {
                reqs.memory = p.memory;
            }
        }
        if let Some(overhead) = &spec.overhead {
            reqs.add(&Resources::from_list(overhead));
        }
        reqs
    };
    let requests = compute(false);
    let nonzero = compute(true);
    (requests, (nonzero.milli_cpu, nonzero.memory))
}
