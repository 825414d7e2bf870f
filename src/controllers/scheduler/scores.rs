//! Score plugins of the default profile, their normalization and weights: TaintToleration (3),
//! NodeAffinity (2), NodeResourcesFit least-allocated (1), PodTopologySpread (2, with the
//! system default soft constraints), InterPodAffinity (2), NodeResourcesBalancedAllocation (1)
//! and ImageLocality (1).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, LabelSelectorRequirement,
};

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;

use super::cache::{Cache, TermKind};
use super::filters::{
    CycleState, NodeView, SpreadConstraint, namespace_labels, node_selector_terms_match,
    spread_constraints, term_namespaces, tolerates,
};
use super::podinfo::PodInfo;

/// `framework.MaxNodeScore`.
const MAX_NODE_SCORE: i64 = 100;
/// `HardPodAffinityWeight` default.
const HARD_POD_AFFINITY_WEIGHT: i64 = 1;
const MB: i64 = 1024 * 1024;
const IMAGE_MIN_THRESHOLD: i64 = 23 * MB;
const IMAGE_MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// Inputs of the score plugins that need the cache's selector counts, prepared before
/// filtering (the counts do not depend on which nodes pass).
#[derive(Clone, Debug, Default)]
pub(crate) struct ScoreInputs {
    /// PodTopologySpread's soft constraints.
    spread: Option<SpreadInputs>,
    /// InterPodAffinity: `(signed weight, topology key, per-node matching pods)`.
    affinity: Vec<(i64, String, BTreeMap<String, i64>)>,
}

/// PodTopologySpread's soft constraints, with per-node counts of the pods each selects.
#[derive(Clone, Debug)]
struct SpreadInputs {
    constraints: Vec<SpreadConstraint>,
    per_node: Vec<BTreeMap<String, i64>>,
    /// Nodes missing a topology key are ignored (not for the system default constraints).
    require_all: bool,
}

/// `helper.DefaultSelector`: the selectors of the services selecting the pod, plus the
/// selector of its controlling ReplicaSet or StatefulSet.
fn default_selector(api: &ApiServer, pod: &PodInfo) -> Option<LabelSelector> {
    let mut sel = K8sLabelSelector::default();
    for svc in api.iter_kind(Kind::Service, Some(&pod.namespace)) {
        let Object::Service(s) = &**svc else { continue };
        let Some(selector) = s.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
            continue;
        };
        if selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v)) {
            sel.match_labels
                .get_or_insert_with(BTreeMap::new)
                .extend(selector.clone());
        }
    }
    if let Some(owner) = &pod.owner {
        let kind = match (owner.kind.as_str(), owner.api_version.as_str()) {
            ("StatefulSet", "apps/v1") => Some(Kind::StatefulSet),
            ("ReplicaSet", "apps/v1") => Some(Kind::ReplicaSet),
            _ => None,
        };
        let owner_sel = kind
            .and_then(|k| api.try_get(&ObjectKey::new(k, &pod.namespace, &owner.name)))
            .and_then(|o| match &**o {
                Object::StatefulSet(s) => s.spec.as_ref().map(|s| s.selector.clone()),
                Object::ReplicaSet(r) => r.spec.as_ref().map(|s| s.selector.clone()),
                _ => None,
            });
        if let Some(os) = owner_sel {
            let exprs = sel.match_expressions.get_or_insert_with(Vec::new);
            for (k, v) in os.match_labels.iter().flatten() {
                exprs.push(LabelSelectorRequirement {
                    key: k.clone(),
                    operator: "In".into(),
                    values: Some(vec![v.clone()]),
                });
            }
            exprs.extend(os.match_expressions.iter().flatten().cloned());
        }
    }
    let s = LabelSelector::from_k8s(&sel).ok()?;
    (!s.requirements().is_empty()).then_some(s)
}

/// Prepares the score inputs for `pod`.
pub(crate) fn prepare(api: &ApiServer, cache: &mut Cache, pod: &PodInfo) -> ScoreInputs {
    let mut inputs = ScoreInputs::default();
    // PodTopologySpread PreScore.
    let (constraints, require_all) = if !pod.spread_constraints.is_empty() {
        (spread_constraints(pod, "ScheduleAnyway"), true)
    } else {
        let defaults = default_selector(api, pod)
            .map(|selector| {
                [(HOSTNAME_LABEL, 3), (ZONE_LABEL, 5)]
                    .into_iter()
                    .map(|(key, skew)| SpreadConstraint {
                        max_skew: skew,
                        topology_key: key.to_string(),
                        selector: selector.clone(),
                        min_domains: 1,
                        node_affinity_honor: true,
                        node_taints_honor: false,
                    })
                    .collect()
            })
            .unwrap_or_default();
        (defaults, false)
    };
    if !constraints.is_empty() {
        let ns = BTreeSet::from([pod.namespace.clone()]);
        let counts = constraints
            .iter()
            .map(|c| cache.count_matching(&ns, &c.selector, true))
            .collect();
        inputs.spread = Some(SpreadInputs {
            constraints,
            per_node: counts,
            require_all,
        });
    }
    // InterPodAffinity PreScore.
    let own_ns_labels = namespace_labels(api, &pod.namespace);
    let incoming = pod
        .preferred_affinity
        .iter()
        .map(|w| (w.weight, &w.term))
        .chain(
            pod.preferred_anti_affinity
                .iter()
                .map(|w| (-w.weight, &w.term)),
        );
    for (weight, term) in incoming {
        let ns = term_namespaces(api, term);
        let counts = cache.count_matching(&ns, &term.selector, false);
        inputs
            .affinity
            .push((weight, term.topology_key.clone(), counts));
    }
    for g in cache.term_groups() {
        let weight = match g.kind {
            TermKind::Required => HARD_POD_AFFINITY_WEIGHT,
            TermKind::RequiredAnti => continue,
            TermKind::Preferred => g.weight,
            TermKind::PreferredAnti => -g.weight,
        };
        if g.term
            .matches(&pod.namespace, &pod.labels, Some(&own_ns_labels))
        {
            inputs
                .affinity
                .push((weight, g.term.topology_key.clone(), g.counts.clone()));
        }
    }
    inputs
}

/// `helper.DefaultNormalizeScore`.
fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0).max(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let v = MAX_NODE_SCORE * *s / max;
        *s = if reverse { MAX_NODE_SCORE - v } else { v };
    }
}

fn least_requested(requested: i64, capacity: i64) -> i64 {
    if capacity <= 0 || requested > capacity {
        return 0;
    }
    // Wide arithmetic: upstream's int64 product cannot overflow for real node sizes, but a
    // simulated node may declare any quantity.
    ((i128::from(capacity - requested) * i128::from(MAX_NODE_SCORE)) / i128::from(capacity)) as i64
}

/// `normalizedImageName`: an image without a tag means `:latest`.
fn normalized_image(name: &str) -> String {
    let colon = name.rfind(':');
    let slash = name.rfind('/');
    if colon.map(|c| c as i64).unwrap_or(-1) <= slash.map(|s| s as i64).unwrap_or(-1) {
        format!("{name}:latest")
    } else {
        name.to_string()
    }
}

impl CycleState<'_> {
    /// Scores the feasible nodes; returns each node's weighted total.
    pub fn score(
        &self,
        inputs: &ScoreInputs,
        feasible: &[&NodeView],
        all_nodes: &[NodeView],
    ) -> Vec<i64> {
        let pod = self.pod;
        let n = feasible.len();
        let mut total = vec![0i64; n];
        let mut add = |scores: Vec<i64>, weight: i64| {
            for (t, s) in total.iter_mut().zip(scores) {
                *t += s * weight;
            }
        };

        // TaintToleration (weight 3): intolerable PreferNoSchedule taints, fewer is better.
        let prefer_tolerations: Vec<_> = pod
            .tolerations
            .iter()
            .filter(|t| {
                matches!(
                    t.effect.as_deref(),
                    None | Some("") | Some("PreferNoSchedule")
                )
            })
            .cloned()
            .collect();
        let mut s: Vec<i64> = feasible
            .iter()
            .map(|node| {
                node.taints()
                    .iter()
                    .filter(|t| t.effect == "PreferNoSchedule")
                    .filter(|t| !prefer_tolerations.iter().any(|tol| tolerates(tol, t)))
                    .count() as i64
            })
            .collect();
        default_normalize(&mut s, true);
        add(s, 3);

        // NodeAffinity (weight 2): weights of the matching preferred terms.
        let mut s: Vec<i64> = feasible
            .iter()
            .map(|node| {
                pod.preferred_node_terms
                    .iter()
                    .filter(|(w, term)| {
                        *w != 0
                            && node_selector_terms_match(
                                std::slice::from_ref(term),
                                node.name(),
                                node.labels(),
                            )
                    })
                    .map(|(w, _)| *w)
                    .sum()
            })
            .collect();
        default_normalize(&mut s, false);
        add(s, 2);

        // NodeResourcesFit, LeastAllocated (weight 1), on non-zero requests.
        let s: Vec<i64> = feasible
            .iter()
            .map(|node| {
                let (alloc, _) = node.allocatable();
                let agg = self.cache.node(node.name());
                let used_cpu = agg.map_or(0, |a| a.nonzero_milli_cpu);
                let used_mem = agg.map_or(0, |a| a.nonzero_memory);
                let mut sum = 0;
                let mut weights = 0;
                for (cap, req) in [
                    (
                        alloc.milli_cpu,
                        used_cpu.saturating_add(pod.nonzero_milli_cpu),
                    ),
                    (alloc.memory, used_mem.saturating_add(pod.nonzero_memory)),
                ] {
                    if cap == 0 {
                        continue;
                    }
                    sum += least_requested(req, cap);
                    weights += 1;
                }
                if weights == 0 { 0 } else { sum / weights }
            })
            .collect();
        add(s, 1);

        // PodTopologySpread (weight 2).
        if let Some(s) = self.score_spread(inputs, feasible, all_nodes) {
            add(s, 2);
        }

        // InterPodAffinity (weight 2).
        if !inputs.affinity.is_empty() {
            let mut topology: BTreeMap<&str, BTreeMap<&String, i64>> = BTreeMap::new();
            let by_name: BTreeMap<&str, &NodeView> =
                all_nodes.iter().map(|n| (n.name(), n)).collect();
            for (weight, key, counts) in &inputs.affinity {
                for (node, count) in counts {
                    let Some(v) = by_name.get(node.as_str()).and_then(|n| n.labels().get(key))
                    else {
                        continue;
                    };
                    *topology
                        .entry(key.as_str())
                        .or_default()
                        .entry(v)
                        .or_insert(0) += weight * count;
                }
            }
            if !topology.is_empty() {
                let raw: Vec<i64> = feasible
                    .iter()
                    .map(|node| {
                        topology
                            .iter()
                            .filter_map(|(k, values)| {
                                node.labels().get(*k).and_then(|v| values.get(v))
                            })
                            .sum()
                    })
                    .collect();
                let min = raw.iter().copied().min().unwrap_or(0);
                let max = raw.iter().copied().max().unwrap_or(0);
                let diff = max - min;
                let s = raw
                    .iter()
                    .map(|v| {
                        if diff > 0 {
                            (MAX_NODE_SCORE as f64 * ((v - min) as f64 / diff as f64)) as i64
                        } else {
                            0
                        }
                    })
                    .collect();
                add(s, 2);
            }
        }

        // NodeResourcesBalancedAllocation (weight 1), on actual requests; skipped for
        // best-effort pods.
        if pod.requests.milli_cpu != 0 || pod.requests.memory != 0 {
            let s: Vec<i64> = feasible
                .iter()
                .map(|node| {
                    let (alloc, _) = node.allocatable();
                    let agg = self.cache.node(node.name());
                    let used = agg.map(|a| a.requested.clone()).unwrap_or_default();
                    let mut fractions = Vec::new();
                    for (cap, req) in [
                        (
                            alloc.milli_cpu,
                            used.milli_cpu.saturating_add(pod.requests.milli_cpu),
                        ),
                        (
                            alloc.memory,
                            used.memory.saturating_add(pod.requests.memory),
                        ),
                    ] {
                        if cap == 0 {
                            continue;
                        }
                        fractions.push((req as f64 / cap as f64).min(1.0));
                    }
                    let std = if fractions.len() == 2 {
                        ((fractions[0] - fractions[1]) / 2.0).abs()
                    } else {
                        0.0
                    };
                    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
                })
                .collect();
            add(s, 1);
        }

        // ImageLocality (weight 1).
        let mut images: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for node in all_nodes {
            let list = node
                .node()
                .status
                .as_ref()
                .and_then(|s| s.images.as_deref())
                .unwrap_or_default();
            for img in list {
                for name in img.names.iter().flatten() {
                    let e = images.entry(name.clone()).or_insert((0, 0));
                    e.0 = img.size_bytes.unwrap_or(0);
                    e.1 += 1;
                }
            }
        }
        if !images.is_empty() && !pod.images.is_empty() {
            let total_nodes = all_nodes.len() as f64;
            let containers = pod.images.len() as i64;
            let s = feasible
                .iter()
                .map(|node| {
                    let present: BTreeSet<&String> = node
                        .node()
                        .status
                        .as_ref()
                        .and_then(|s| s.images.as_deref())
                        .unwrap_or_default()
                        .iter()
                        .flat_map(|i| i.names.iter().flatten())
                        .collect();
                    let mut sum = 0i64;
                    for image in &pod.images {
                        let name = normalized_image(image);
                        if !present.contains(&name) {
                            continue;
                        }
                        if let Some((size, count)) = images.get(&name) {
                            sum = sum.saturating_add(
                                (*size as f64 * (*count as f64 / total_nodes)) as i64,
                            );
                        }
                    }
                    let max = IMAGE_MAX_CONTAINER_THRESHOLD * containers;
                    let clamped = sum.clamp(IMAGE_MIN_THRESHOLD, max);
                    MAX_NODE_SCORE * (clamped - IMAGE_MIN_THRESHOLD) / (max - IMAGE_MIN_THRESHOLD)
                })
                .collect();
            add(s, 1);
        }
        total
    }

    /// PodTopologySpread PreScore, Score and NormalizeScore.
    fn score_spread(
        &self,
        inputs: &ScoreInputs,
        feasible: &[&NodeView],
        all_nodes: &[NodeView],
    ) -> Option<Vec<i64>> {
        let pod = self.pod;
        let SpreadInputs {
            constraints,
            per_node,
            require_all,
        } = inputs.spread.as_ref()?;
        if all_nodes.is_empty() {
            return None;
        }
        let has_all_keys = |n: &NodeView| {
            constraints
                .iter()
                .all(|c| n.labels().contains_key(&c.topology_key))
        };
        let ignored: BTreeSet<&str> = feasible
            .iter()
            .filter(|n| *require_all && !has_all_keys(n))
            .map(|n| n.name())
            .collect();
        let mut domains: Vec<BTreeMap<String, i64>> = vec![BTreeMap::new(); constraints.len()];
        for n in feasible.iter().filter(|n| !ignored.contains(n.name())) {
            for (i, c) in constraints.iter().enumerate() {
                if c.topology_key == HOSTNAME_LABEL {
                    continue;
                }
                let v = n.labels().get(&c.topology_key).cloned().unwrap_or_default();
                domains[i].entry(v).or_insert(0);
            }
        }
        let weights: Vec<f64> = constraints
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if c.topology_key == HOSTNAME_LABEL {
                    feasible.len() - ignored.len()
                } else {
                    domains[i].len()
                };
                ((size + 2) as f64).ln()
            })
            .collect();
        for n in all_nodes {
            if *require_all && !has_all_keys(n) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.includes_node(pod, n) {
                    continue;
                }
                let v = n.labels().get(&c.topology_key).cloned().unwrap_or_default();
                if let Some(count) = domains[i].get_mut(&v) {
                    *count += per_node[i].get(n.name()).copied().unwrap_or(0);
                }
            }
        }
        let raw: Vec<Option<i64>> = feasible
            .iter()
            .map(|n| {
                if ignored.contains(n.name()) {
                    return None;
                }
                let mut score = 0f64;
                for (i, c) in constraints.iter().enumerate() {
                    let Some(v) = n.labels().get(&c.topology_key) else {
                        continue;
                    };
                    let count = if c.topology_key == HOSTNAME_LABEL {
                        per_node[i].get(n.name()).copied().unwrap_or(0)
                    } else {
                        domains[i].get(v).copied().unwrap_or(0)
                    };
                    score += count as f64 * weights[i] + (c.max_skew - 1) as f64;
                }
                Some(score.round() as i64)
            })
            .collect();
        let valid: Vec<i64> = raw.iter().flatten().copied().collect();
        let min = valid.iter().copied().min().unwrap_or(0);
        let max = valid.iter().copied().max().unwrap_or(0).max(0);
        Some(
            raw.iter()
                .map(|s| match s {
                    None => 0,
                    Some(_) if max == 0 => MAX_NODE_SCORE,
                    Some(s) => MAX_NODE_SCORE * (max + min - s) / max,
                })
                .collect(),
        )
    }
}
