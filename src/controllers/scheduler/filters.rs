//! PreFilter and Filter of the default profile, in upstream's order: NodeUnschedulable,
//! TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, VolumeRestrictions,
//! VolumeBinding, VolumeZone, PodTopologySpread, InterPodAffinity. Each node is rejected by
//! the first plugin that fails it, with that plugin's reasons.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    Node, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, LabelSelectorRequirement,
};

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;

use super::SchedulerConfig;
use super::cache::{Cache, NodeAgg, TermKind};
use super::framework::{Code, Plugin, Status};
use super::podinfo::{AffinityTerm, PodInfo, Resources};
use super::volumes::{self, VolumeState};

pub(crate) const ERR_UNSCHEDULABLE: &str = "node(s) were unschedulable";
pub(crate) const ERR_TAINTS: &str = "node(s) had untolerated taint(s)";
pub(crate) const ERR_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
pub(crate) const ERR_NODE_PORTS: &str =
    "node(s) didn't have free ports for the requested pod ports";
pub(crate) const ERR_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub(crate) const ERR_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub(crate) const ERR_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
pub(crate) const ERR_SPREAD: &str = "node(s) didn't match pod topology spread constraints";
pub(crate) const ERR_SPREAD_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// The taint the node controller puts on cordoned nodes.
const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// A node as one scheduling cycle sees it.
#[derive(Clone, Debug)]
pub(crate) struct NodeView {
    obj: Arc<Object>,
}

static EMPTY_LABELS: BTreeMap<String, String> = BTreeMap::new();

impl NodeView {
    pub fn new(obj: Arc<Object>) -> Option<NodeView> {
        matches!(&*obj, Object::Node(_)).then_some(NodeView { obj })
    }

    pub fn node(&self) -> &Node {
        match &*self.obj {
            Object::Node(n) => n,
            _ => unreachable!("NodeView::new only accepts nodes"),
        }
    }

    pub fn name(&self) -> &str {
        self.obj.name()
    }

    pub fn labels(&self) -> &BTreeMap<String, String> {
        self.node()
            .metadata
            .labels
            .as_ref()
            .unwrap_or(&EMPTY_LABELS)
    }

    pub fn taints(&self) -> &[Taint] {
        self.node()
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_deref())
            .unwrap_or_default()
    }

    pub fn unschedulable(&self) -> bool {
        self.node()
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false)
    }

    /// Allocatable resources and the allowed pod count.
    pub fn allocatable(&self) -> (Resources, i64) {
        let empty = BTreeMap::new();
        let list = self
            .node()
            .status
            .as_ref()
            .and_then(|s| s.allocatable.as_ref())
            .unwrap_or(&empty);
        let pods = list
            .get("pods")
            .and_then(|q| crate::api::quantity::parse_k8s(q).ok())
            .map(|q| q.value())
            .unwrap_or(0);
        (Resources::from_list(list), pods)
    }
}

/// Every node, in name order.
pub(crate) fn list_nodes(api: &ApiServer) -> Vec<NodeView> {
    api.iter_kind(Kind::Node, None)
        .filter_map(|o| NodeView::new(o.clone()))
        .collect()
}

/// `Toleration.ToleratesTaint`.
pub(crate) fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty())
        && e != taint.effect
    {
        return false;
    }
    if let Some(k) = t.key.as_deref().filter(|k| !k.is_empty())
        && k != taint.key
    {
        return false;
    }
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        _ => false,
    }
}

/// `FindMatchingUntoleratedTaint`: the first taint passing `filter` that no toleration covers.
pub(crate) fn find_untolerated<'a>(
    taints: &'a [Taint],
    tolerations: &[Toleration],
    filter: impl Fn(&Taint) -> bool,
) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| filter(t))
        .find(|t| !tolerations.iter().any(|tol| tolerates(tol, t)))
}

/// Taints that keep pods off a node (`NoSchedule`, `NoExecute`).
pub(crate) fn is_do_not_schedule(t: &Taint) -> bool {
    t.effect == "NoSchedule" || t.effect == "NoExecute"
}

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&String>) -> bool {
    let values = r.values.as_deref().unwrap_or_default();
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        op @ ("Gt" | "Lt") => {
            let (Some(v), [bound]) = (value, values) else {
                return false;
            };
            let (Ok(v), Ok(bound)) = (v.parse::<i64>(), bound.parse::<i64>()) else {
                return false;
            };
            if op == "Gt" { v > bound } else { v < bound }
        }
        _ => false,
    }
}

/// One node selector term: every expression on labels and every field (`metadata.name`)
/// requirement holds. A term with neither matches nothing.
fn node_selector_term_matches(
    term: &NodeSelectorTerm,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    exprs
        .iter()
        .all(|r| requirement_matches(r, labels.get(&r.key)))
        && fields.iter().all(|r| {
            let name = node_name.to_string();
            r.key == "metadata.name"
                && matches!(r.operator.as_str(), "In" | "NotIn")
                && requirement_matches(r, (!node_name.is_empty()).then_some(&name))
        })
}

/// Node selector terms are ORed.
pub(crate) fn node_selector_terms_match(
    terms: &[NodeSelectorTerm],
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    terms
        .iter()
        .any(|t| node_selector_term_matches(t, node_name, labels))
}

/// `RequiredNodeAffinity.Match`: the pod's nodeSelector and required node affinity.
pub(crate) fn pod_matches_node(pod: &PodInfo, node: &NodeView) -> bool {
    let labels = node.labels();
    pod.node_selector
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v))
        && pod
            .required_node_terms
            .as_ref()
            .is_none_or(|terms| node_selector_terms_match(terms, node.name(), labels))
}

/// The taint a cordoned node is treated as having.
fn unschedulable_taint() -> Taint {
    Taint {
        key: TAINT_UNSCHEDULABLE.into(),
        effect: "NoSchedule".into(),
        ..Default::default()
    }
}

/// A parsed topology spread constraint (`topologySpreadConstraint`).
#[derive(Clone, Debug)]
pub(crate) struct SpreadConstraint {
    pub max_skew: i64,
    pub topology_key: String,
    pub selector: LabelSelector,
    pub min_domains: i64,
    pub node_affinity_honor: bool,
    pub node_taints_honor: bool,
}

/// `filterTopologySpreadConstraints`: the pod's constraints with the given action, with
/// `matchLabelKeys` merged into the selector.
pub(crate) fn spread_constraints(pod: &PodInfo, action: &str) -> Vec<SpreadConstraint> {
    let mut out = Vec::new();
    for c in &pod.spread_constraints {
        if c.when_unsatisfiable != action {
            continue;
        }
        let mut raw = c.label_selector.clone();
        if let Some(sel) = raw.as_mut() {
            for k in c.match_label_keys.iter().flatten() {
                if let Some(v) = pod.labels.get(k) {
                    sel.match_expressions.get_or_insert_with(Vec::new).push(
                        LabelSelectorRequirement {
                            key: k.clone(),
                            operator: "In".into(),
                            values: Some(vec![v.clone()]),
                        },
                    );
                }
            }
        }
        let Ok(selector) = LabelSelector::from_k8s_opt(raw.as_ref()) else {
            continue;
        };
        out.push(SpreadConstraint {
            max_skew: i64::from(c.max_skew),
            topology_key: c.topology_key.clone(),
            selector,
            min_domains: i64::from(c.min_domains.unwrap_or(1)),
            node_affinity_honor: c.node_affinity_policy.as_deref() != Some("Ignore"),
            node_taints_honor: c.node_taints_policy.as_deref() == Some("Honor"),
        });
    }
    out
}

impl SpreadConstraint {
    /// `matchNodeInclusionPolicies`.
    pub fn includes_node(&self, pod: &PodInfo, node: &NodeView) -> bool {
        if self.node_affinity_honor && !pod_matches_node(pod, node) {
            return false;
        }
        if self.node_taints_honor
            && find_untolerated(node.taints(), &pod.tolerations, is_do_not_schedule).is_some()
        {
            return false;
        }
        true
    }
}

/// PodTopologySpread PreFilter state for `DoNotSchedule` constraints.
#[derive(Clone, Debug, Default)]
pub(crate) struct SpreadFilterState {
    constraints: Vec<SpreadConstraint>,
    /// Per constraint: topology value → matching pods.
    counts: Vec<BTreeMap<String, i64>>,
    /// Per constraint: the global minimum (`minMatchNum`).
    min_match: Vec<i64>,
}

/// InterPodAffinity PreFilter state.
#[derive(Clone, Debug, Default)]
pub(crate) struct AffinityFilterState {
    existing_anti: BTreeMap<(String, String), i64>,
    affinity: BTreeMap<(String, String), i64>,
    anti: BTreeMap<(String, String), i64>,
    required_affinity: Vec<AffinityTerm>,
    required_anti: Vec<AffinityTerm>,
    matches_own_affinity: bool,
}

/// Everything PreFilter computed for one pod.
pub(crate) struct CycleState<'a> {
    pub api: &'a ApiServer,
    pub cache: &'a Cache,
    pub config: &'a SchedulerConfig,
    pub pod: &'a PodInfo,
    pub volumes: VolumeState,
    pub spread: Option<SpreadFilterState>,
    pub affinity: Option<AffinityFilterState>,
    pub score_inputs: super::scores::ScoreInputs,
}

/// The labels of a namespace.
pub(crate) fn namespace_labels(api: &ApiServer, ns: &str) -> BTreeMap<String, String> {
    api.try_get(&ObjectKey::cluster(Kind::Namespace, ns))
        .map(|o| o.labels().clone())
        .unwrap_or_default()
}

/// `mergeAffinityTermNamespacesIfNotEmpty`: the namespaces a term names, its namespace
/// selector resolved against the current namespaces.
pub(crate) fn term_namespaces(api: &ApiServer, term: &AffinityTerm) -> BTreeSet<String> {
    let mut out = term.namespaces.clone();
    if term.has_namespace_selector() {
        for ns in api.iter_kind(Kind::Namespace, None) {
            if term.namespace_selector.matches(ns.labels()) {
                out.insert(ns.name().to_string());
            }
        }
    }
    out
}

/// Adds `count` to the topology pair of `node` for `key`, when the node has that label.
fn add_pair(
    map: &mut BTreeMap<(String, String), i64>,
    nodes: &BTreeMap<&str, &NodeView>,
    node: &str,
    key: &str,
    count: i64,
) {
    if let Some(v) = nodes.get(node).and_then(|n| n.labels().get(key)) {
        let e = map.entry((key.to_string(), v.clone())).or_insert(0);
        *e += count;
        if *e == 0 {
            map.remove(&(key.to_string(), v.clone()));
        }
    }
}

/// The conjunction of the terms' selectors (`podMatchesAllAffinityTerms` as one selector).
fn all_terms_selector(terms: &[AffinityTerm]) -> Option<LabelSelector> {
    let mut combined = K8sLabelSelector::default();
    for t in terms {
        let raw = t.raw_selector.as_ref()?;
        for (k, v) in raw.match_labels.iter().flatten() {
            combined
                .match_expressions
                .get_or_insert_with(Vec::new)
                .push(LabelSelectorRequirement {
                    key: k.clone(),
                    operator: "In".into(),
                    values: Some(vec![v.clone()]),
                });
        }
        combined
            .match_expressions
            .get_or_insert_with(Vec::new)
            .extend(raw.match_expressions.iter().flatten().cloned());
    }
    LabelSelector::from_k8s(&combined).ok()
}

/// InterPodAffinity PreFilter (`getExistingAntiAffinityCounts`,
/// `getIncomingAffinityAntiAffinityCounts`).
fn affinity_prefilter(
    api: &ApiServer,
    cache: &mut Cache,
    pod: &PodInfo,
    nodes: &BTreeMap<&str, &NodeView>,
) -> Result<Option<AffinityFilterState>, Status> {
    if let Some(e) = &pod.parse_error {
        return Err(Status::unresolvable(
            Plugin::InterPodAffinity,
            format!("parsing pod: {e}"),
        ));
    }
    let mut state = AffinityFilterState::default();
    let own_ns_labels = namespace_labels(api, &pod.namespace);
    for g in cache.term_groups() {
        if g.kind != TermKind::RequiredAnti
            || !g
                .term
                .matches(&pod.namespace, &pod.labels, Some(&own_ns_labels))
        {
            continue;
        }
        for (node, count) in &g.counts {
            add_pair(
                &mut state.existing_anti,
                nodes,
                node,
                &g.term.topology_key,
                *count,
            );
        }
    }
    if state.existing_anti.is_empty()
        && pod.required_affinity.is_empty()
        && pod.required_anti_affinity.is_empty()
    {
        return Ok(None);
    }
    if !pod.required_affinity.is_empty() {
        let mut namespaces: Option<BTreeSet<String>> = None;
        for t in &pod.required_affinity {
            let ns = term_namespaces(api, t);
            namespaces = Some(match namespaces {
                None => ns,
                Some(prev) => prev.intersection(&ns).cloned().collect(),
            });
        }
        if let (Some(ns), Some(selector)) = (namespaces, all_terms_selector(&pod.required_affinity))
        {
            for (node, count) in cache.count_matching(&ns, &selector, false) {
                for t in &pod.required_affinity {
                    add_pair(&mut state.affinity, nodes, &node, &t.topology_key, count);
                }
            }
        }
        state.matches_own_affinity = pod
            .required_affinity
            .iter()
            .all(|t| t.matches(&pod.namespace, &pod.labels, Some(&own_ns_labels)));
    }
    for t in &pod.required_anti_affinity {
        let ns = term_namespaces(api, t);
        for (node, count) in cache.count_matching(&ns, &t.selector, false) {
            add_pair(&mut state.anti, nodes, &node, &t.topology_key, count);
        }
    }
    state.required_affinity = pod.required_affinity.clone();
    state.required_anti = pod.required_anti_affinity.clone();
    Ok(Some(state))
}

/// PodTopologySpread PreFilter (`calPreFilterState`).
fn spread_prefilter(
    cache: &mut Cache,
    pod: &PodInfo,
    nodes: &[NodeView],
) -> Option<SpreadFilterState> {
    let constraints = spread_constraints(pod, "DoNotSchedule");
    if constraints.is_empty() {
        return None;
    }
    let ns = BTreeSet::from([pod.namespace.clone()]);
    let mut counts = vec![BTreeMap::new(); constraints.len()];
    for (i, c) in constraints.iter().enumerate() {
        let per_node = cache.count_matching(&ns, &c.selector, true);
        for n in nodes {
            if !constraints
                .iter()
                .all(|c| n.labels().contains_key(&c.topology_key))
            {
                continue;
            }
            if !c.includes_node(pod, n) {
                continue;
            }
            let value = n.labels()[&c.topology_key].clone();
            *counts[i].entry(value).or_insert(0) += per_node.get(n.name()).copied().unwrap_or(0);
        }
    }
    let min_match = constraints
        .iter()
        .zip(&counts)
        .map(|(c, m)| {
            if (m.len() as i64) < c.min_domains {
                0
            } else {
                m.values().copied().min().unwrap_or(0)
            }
        })
        .collect();
    Some(SpreadFilterState {
        constraints,
        counts,
        min_match,
    })
}

/// Runs PreFilter. `Err` is the status that rejects the pod on every node.
pub(crate) fn prefilter<'a>(
    api: &'a ApiServer,
    cache: &'a mut Cache,
    config: &'a SchedulerConfig,
    pod: &'a PodInfo,
    nodes: &[NodeView],
) -> Result<CycleState<'a>, Status> {
    let by_name: BTreeMap<&str, &NodeView> = nodes.iter().map(|n| (n.name(), n)).collect();
    let volumes = volumes::prefilter(api, cache, pod)?;
    let spread = spread_prefilter(cache, pod, nodes);
    let affinity = affinity_prefilter(api, cache, pod, &by_name)?;
    let score_inputs = super::scores::prepare(api, cache, pod);
    Ok(CycleState {
        api,
        cache,
        config,
        pod,
        volumes,
        spread,
        affinity,
        score_inputs,
    })
}

/// NodeResourcesFit Filter (`fitsRequest`), against `agg` (what the node's pods request).
pub(crate) fn fits_request(
    pod: &PodInfo,
    node: &NodeView,
    agg: Option<&NodeAgg>,
    removed: Option<&Resources>,
) -> Option<Status> {
    let (alloc, allowed_pods) = node.allocatable();
    let mut used = agg.map(|a| a.requested.clone()).unwrap_or_default();
    if let Some(r) = removed {
        used.sub(r);
    }
    let pod_count = agg.map_or(0, |a| a.pods.len()) as i64;
    let mut reasons = Vec::new();
    let mut unresolvable = false;
    if pod_count + 1 > allowed_pods {
        reasons.push("Too many pods".to_string());
    }
    let req = &pod.requests;
    if !req.is_zero() {
        let mut check = |name: &str, want: i64, have: i64, used: i64| {
            if want > 0 && want > have.saturating_sub(used) {
                reasons.push(format!("Insufficient {name}"));
                if want > have {
                    unresolvable = true;
                }
            }
        };
        check("cpu", req.milli_cpu, alloc.milli_cpu, used.milli_cpu);
        check("memory", req.memory, alloc.memory, used.memory);
        check(
            "ephemeral-storage",
            req.ephemeral_storage,
            alloc.ephemeral_storage,
            used.ephemeral_storage,
        );
        for (name, want) in &req.scalars {
            let have = alloc.scalars.get(name).copied().unwrap_or(0);
            let u = used.scalars.get(name).copied().unwrap_or(0);
            check(name, *want, have, u);
        }
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Status {
        code: if unresolvable {
            Code::UnschedulableAndUnresolvable
        } else {
            Code::Unschedulable
        },
        plugin: Some(Plugin::NodeResourcesFit),
        reasons,
    })
}

fn filter_spread(state: &SpreadFilterState, pod: &PodInfo, node: &NodeView) -> Option<Status> {
    let labels = node.labels();
    for (i, c) in state.constraints.iter().enumerate() {
        let Some(value) = labels.get(&c.topology_key) else {
            return Some(Status::unresolvable(
                Plugin::PodTopologySpread,
                ERR_SPREAD_LABEL,
            ));
        };
        let self_match = i64::from(c.selector.matches(&pod.labels));
        let matched = state.counts[i].get(value).copied().unwrap_or(0);
        if matched + self_match - state.min_match[i] > c.max_skew {
            return Some(Status::unschedulable(Plugin::PodTopologySpread, ERR_SPREAD));
        }
    }
    None
}

fn filter_affinity(state: &AffinityFilterState, node: &NodeView) -> Option<Status> {
    let labels = node.labels();
    // satisfyPodAffinity
    let mut pods_exist = true;
    let mut affinity_ok = true;
    for t in &state.required_affinity {
        match labels.get(&t.topology_key) {
            Some(v) => {
                if state
                    .affinity
                    .get(&(t.topology_key.clone(), v.clone()))
                    .is_none_or(|n| *n <= 0)
                {
                    pods_exist = false;
                }
            }
            None => {
                affinity_ok = false;
                break;
            }
        }
    }
    if affinity_ok && !pods_exist {
        affinity_ok = state.affinity.is_empty() && state.matches_own_affinity;
    }
    if !affinity_ok {
        return Some(Status::unresolvable(Plugin::InterPodAffinity, ERR_AFFINITY));
    }
    // satisfyPodAntiAffinity
    if !state.anti.is_empty() {
        for t in &state.required_anti {
            if let Some(v) = labels.get(&t.topology_key)
                && state
                    .anti
                    .get(&(t.topology_key.clone(), v.clone()))
                    .is_some_and(|n| *n > 0)
            {
                return Some(Status::unschedulable(
                    Plugin::InterPodAffinity,
                    ERR_ANTI_AFFINITY,
                ));
            }
        }
    }
    // satisfyExistingPodsAntiAffinity
    if !state.existing_anti.is_empty() {
        for (k, v) in labels {
            if state
                .existing_anti
                .get(&(k.clone(), v.clone()))
                .is_some_and(|n| *n > 0)
            {
                return Some(Status::unschedulable(
                    Plugin::InterPodAffinity,
                    ERR_EXISTING_ANTI_AFFINITY,
                ));
            }
        }
    }
    None
}

impl CycleState<'_> {
    /// Runs the filters on one node: `None` when it fits.
    pub fn filter(&self, node: &NodeView) -> Option<Status> {
        let pod = self.pod;
        // NodeUnschedulable
        if node.unschedulable()
            && !pod
                .tolerations
                .iter()
                .any(|t| tolerates(t, &unschedulable_taint()))
        {
            return Some(Status::unresolvable(
                Plugin::NodeUnschedulable,
                ERR_UNSCHEDULABLE,
            ));
        }
        // TaintToleration
        if let Some(taint) = find_untolerated(node.taints(), &pod.tolerations, is_do_not_schedule) {
            let reason = match self.config.taint_message {
                super::TaintMessage::Generic => ERR_TAINTS.to_string(),
                super::TaintMessage::WithTaint => format!(
                    "node(s) had untolerated taint {{{}: {}}}",
                    taint.key,
                    taint.value.as_deref().unwrap_or("")
                ),
            };
            return Some(Status::unresolvable(Plugin::TaintToleration, reason));
        }
        // NodeAffinity
        if !pod_matches_node(pod, node) {
            return Some(Status::unresolvable(
                Plugin::NodeAffinity,
                ERR_NODE_AFFINITY,
            ));
        }
        let agg = self.cache.node(node.name());
        // NodePorts
        if !pod.host_ports.is_empty()
            && let Some(agg) = agg
            && pod
                .host_ports
                .iter()
                .any(|p| agg.host_ports.iter().any(|q| p.conflicts(q)))
        {
            return Some(Status::unschedulable(Plugin::NodePorts, ERR_NODE_PORTS));
        }
        // NodeResourcesFit
        if let Some(s) = fits_request(pod, node, agg, None) {
            return Some(s);
        }
        // VolumeRestrictions
        if let Some(s) = volumes::filter_restrictions(&self.volumes) {
            return Some(s);
        }
        // VolumeBinding
        if !self.volumes.skip {
            let (_, reasons) =
                volumes::find_pod_volumes(self.api, self.cache, self.config, &self.volumes, node);
            if !reasons.is_empty() {
                return Some(Status {
                    code: Code::UnschedulableAndUnresolvable,
                    plugin: Some(Plugin::VolumeBinding),
                    reasons: reasons.into_iter().map(str::to_string).collect(),
                });
            }
        }
        // VolumeZone
        if let Some(s) = volumes::filter_zone(&self.volumes, node) {
            return Some(s);
        }
        // PodTopologySpread
        if let Some(state) = &self.spread
            && let Some(s) = filter_spread(state, pod, node)
        {
            return Some(s);
        }
        // InterPodAffinity
        if let Some(state) = &self.affinity
            && let Some(s) = filter_affinity(state, node)
        {
            return Some(s);
        }
        None
    }
}
