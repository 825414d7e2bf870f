//! The scheduler's cache (`backend/cache` plus the informers it is fed by): the pods bound or
//! assumed to each node and what they add up to, kept current by reading the API server's
//! watch stream from where the last reconcile stopped. Every scheduling cycle then costs in
//! proportion to the number of nodes and distinct selectors, not to the number of pods.
//!
//! Pods in phase `Succeeded` or `Failed` are left out, as the scheduler's pod informer filters
//! them out; terminating pods still count.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEvent, WatchEventType};

use super::podinfo::{AffinityTerm, HostPort, PodInfo, Resources, selector_key};

/// A pod the cache counts on a node.
#[derive(Clone, Debug)]
pub(crate) struct CachedPod {
    pub info: Arc<PodInfo>,
    pub node: String,
    /// Placed by this scheduler, not yet bound in the API (`Cache.AssumePod`).
    pub assumed: bool,
}

/// What the pods on one node add up to (`framework.NodeInfo` without the node).
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeAgg {
    pub requested: Resources,
    pub nonzero_milli_cpu: i64,
    pub nonzero_memory: i64,
    pub pods: BTreeSet<ObjectKey>,
    pub host_ports: Vec<HostPort>,
}

/// Which kind of affinity term an existing pod carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum TermKind {
    Required,
    RequiredAnti,
    Preferred,
    PreferredAnti,
}

/// Identical terms of existing pods, counted per node.
#[derive(Clone, Debug)]
pub(crate) struct TermGroup {
    pub kind: TermKind,
    pub weight: i64,
    pub term: AffinityTerm,
    pub counts: BTreeMap<String, i64>,
}

/// Per-node counts of pods matching one selector, kept up to date on every pod change.
#[derive(Clone, Debug)]
struct MemoEntry {
    namespaces: BTreeSet<String>,
    selector: LabelSelector,
    skip_terminating: bool,
    counts: BTreeMap<String, i64>,
}

/// How many selectors the cache keeps counts for.
const MEMO_CAPACITY: usize = 256;

/// A persistent volume as the binder indexes it.
#[derive(Clone, Debug)]
struct PvEntry {
    class: String,
    claim: Option<(String, String)>,
}

/// The cache.
#[derive(Default)]
pub(crate) struct Cache {
    /// Watch events consumed so far.
    seen: usize,
    pods: BTreeMap<ObjectKey, CachedPod>,
    nodes: BTreeMap<String, NodeAgg>,
    /// `(namespace, claim)` → how many cached pods use it (`StorageInfos.IsPVCUsedByPods`).
    claim_users: BTreeMap<(String, String), u32>,
    memo: BTreeMap<String, MemoEntry>,
    memo_order: VecDeque<String>,
    terms: BTreeMap<(TermKind, i64, String), TermGroup>,
    pvs: BTreeMap<String, PvEntry>,
    /// Class → volumes without a completed claim reference (candidates for static binding).
    pv_unclaimed: BTreeMap<String, BTreeSet<String>>,
    /// Claim `(namespace, name)` → volumes whose claimRef names it.
    pv_by_claim: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Cache {
    /// Applies the watch events written since the last call.
    pub fn sync(&mut self, api: &ApiServer) {
        let events = api.watch_events();
        if self.seen > events.len() {
            // The stream restarted: start over from the current objects.
            *self = Cache::default();
            self.rebuild(api);
            self.seen = api.watch_events().len();
            return;
        }
        for ev in &events[self.seen..] {
            self.apply(ev);
        }
        self.seen = events.len();
    }

    fn rebuild(&mut self, api: &ApiServer) {
        for obj in api.iter_kind(Kind::Pod, None) {
            self.apply_pod(obj.key(), Some(obj));
        }
        for obj in api.iter_kind(Kind::PersistentVolume, None) {
            self.apply_pv(obj.name(), Some(obj));
        }
    }

    fn apply(&mut self, ev: &WatchEvent) {
        let deleted = ev.event_type == WatchEventType::Deleted;
        match ev.object.kind() {
            Kind::Pod => {
                let obj = (!deleted).then_some(&ev.object);
                self.apply_pod(ev.object.key(), obj);
            }
            Kind::PersistentVolume => {
                let obj = (!deleted).then_some(&ev.object);
                self.apply_pv(ev.object.name(), obj);
            }
            _ => {}
        }
    }

    fn apply_pod(&mut self, key: ObjectKey, obj: Option<&Arc<Object>>) {
        let info = obj.and_then(|o| PodInfo::from_object(o));
        match info {
            Some(info) if !info.terminal && !info.node_name.is_empty() => {
                let node = info.node_name.clone();
                self.insert(key, Arc::new(info), node, false);
            }
            Some(info) if !info.terminal => {
                // Still unbound in the API: keep an assumed placement, with the new labels.
                if let Some(existing) = self.pods.get(&key).filter(|p| p.assumed) {
                    let node = existing.node.clone();
                    self.insert(key, Arc::new(info), node, true);
                } else {
                    self.remove(&key);
                }
            }
            _ => self.remove(&key),
        }
    }

    fn apply_pv(&mut self, name: &str, obj: Option<&Arc<Object>>) {
        if let Some(old) = self.pvs.remove(name) {
            if let Some(set) = self.pv_unclaimed.get_mut(&old.class) {
                set.remove(name);
            }
            if let Some(c) = &old.claim
                && let Some(set) = self.pv_by_claim.get_mut(c)
            {
                set.remove(name);
                if set.is_empty() {
                    self.pv_by_claim.remove(c);
                }
            }
        }
        let Some(Object::PersistentVolume(pv)) = obj.map(|o| &**o) else {
            return;
        };
        let spec = pv.spec.as_ref();
        let class = spec
            .and_then(|s| s.storage_class_name.clone())
            .or_else(|| {
                pv.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
            })
            .unwrap_or_default();
        let claim_ref = spec.and_then(|s| s.claim_ref.as_ref());
        let claim = claim_ref.map(|c| {
            (
                c.namespace.clone().unwrap_or_default(),
                c.name.clone().unwrap_or_default(),
            )
        });
        if claim.is_none() {
            self.pv_unclaimed
                .entry(class.clone())
                .or_default()
                .insert(name.to_string());
        }
        if let Some(c) = &claim {
            self.pv_by_claim
                .entry(c.clone())
                .or_default()
                .insert(name.to_string());
        }
        self.pvs.insert(name.to_string(), PvEntry { class, claim });
    }

    fn insert(&mut self, key: ObjectKey, info: Arc<PodInfo>, node: String, assumed: bool) {
        self.remove(&key);
        let agg = self.nodes.entry(node.clone()).or_default();
        agg.requested.add(&info.requests);
        agg.nonzero_milli_cpu = agg.nonzero_milli_cpu.saturating_add(info.nonzero_milli_cpu);
        agg.nonzero_memory = agg.nonzero_memory.saturating_add(info.nonzero_memory);
        agg.pods.insert(key.clone());
        agg.host_ports.extend(info.host_ports.iter().cloned());
        for c in info.all_claims() {
            *self
                .claim_users
                .entry((info.namespace.clone(), c.clone()))
                .or_insert(0) += 1;
        }
        for m in self.memo.values_mut() {
            if memo_matches(m, &info) {
                *m.counts.entry(node.clone()).or_insert(0) += 1;
            }
        }
        for (kind, weight, term) in pod_terms(&info) {
            let g = self
                .terms
                .entry((kind, weight, term.sig.clone()))
                .or_insert_with(|| TermGroup {
                    kind,
                    weight,
                    term: term.clone(),
                    counts: BTreeMap::new(),
                });
            *g.counts.entry(node.clone()).or_insert(0) += 1;
        }
        self.pods.insert(
            key,
            CachedPod {
                info,
                node,
                assumed,
            },
        );
    }

    fn remove(&mut self, key: &ObjectKey) {
        let Some(old) = self.pods.remove(key) else {
            return;
        };
        let info = &old.info;
        if let Some(agg) = self.nodes.get_mut(&old.node) {
            agg.requested.sub(&info.requests);
            agg.nonzero_milli_cpu = agg.nonzero_milli_cpu.saturating_sub(info.nonzero_milli_cpu);
            agg.nonzero_memory = agg.nonzero_memory.saturating_sub(info.nonzero_memory);
            agg.pods.remove(key);
            for hp in &info.host_ports {
                if let Some(i) = agg.host_ports.iter().position(|p| p == hp) {
                    agg.host_ports.swap_remove(i);
                }
            }
            if agg.pods.is_empty() {
                self.nodes.remove(&old.node);
            }
        }
        for c in info.all_claims() {
            let k = (info.namespace.clone(), c.clone());
            if let Some(n) = self.claim_users.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    self.claim_users.remove(&k);
                }
            }
        }
        for m in self.memo.values_mut() {
            if memo_matches(m, info)
                && let Some(n) = m.counts.get_mut(&old.node)
            {
                *n -= 1;
                if *n == 0 {
                    m.counts.remove(&old.node);
                }
            }
        }
        for (kind, weight, term) in pod_terms(info) {
            let k = (kind, weight, term.sig.clone());
            if let Some(g) = self.terms.get_mut(&k) {
                if let Some(n) = g.counts.get_mut(&old.node) {
                    *n -= 1;
                    if *n == 0 {
                        g.counts.remove(&old.node);
                    }
                }
                if g.counts.is_empty() {
                    self.terms.remove(&k);
                }
            }
        }
    }

    /// Counts `info` on `node` until it is bound or forgotten (`AssumePod`).
    pub fn assume(&mut self, info: Arc<PodInfo>, node: &str) {
        let key = info.key.clone();
        self.insert(key, info, node.to_string(), true);
    }

    /// Drops an assumed placement (`ForgetPod`). Returns true if there was one.
    pub fn forget(&mut self, key: &ObjectKey) -> bool {
        if self.pods.get(key).is_some_and(|p| p.assumed) {
            self.remove(key);
            true
        } else {
            false
        }
    }

    /// The pods on a node, added up.
    pub fn node(&self, name: &str) -> Option<&NodeAgg> {
        self.nodes.get(name)
    }

    /// A cached pod.
    pub fn pod(&self, key: &ObjectKey) -> Option<&CachedPod> {
        self.pods.get(key)
    }

    /// True when a cached pod uses claim `namespace/claim`.
    pub fn claim_in_use(&self, namespace: &str, claim: &str) -> bool {
        self.claim_users
            .contains_key(&(namespace.to_string(), claim.to_string()))
    }

    /// Identical affinity terms of existing pods with their per-node counts.
    pub fn term_groups(&self) -> impl Iterator<Item = &TermGroup> {
        self.terms.values()
    }

    /// Names of volumes of `class` without a claim reference.
    pub fn unclaimed_pvs(&self, class: &str) -> impl Iterator<Item = &String> {
        self.pv_unclaimed.get(class).into_iter().flatten()
    }

    /// Names of volumes whose claim reference names `namespace/claim`.
    pub fn pvs_for_claim(&self, namespace: &str, claim: &str) -> impl Iterator<Item = &String> {
        self.pv_by_claim
            .get(&(namespace.to_string(), claim.to_string()))
            .into_iter()
            .flatten()
    }

    /// The class of an indexed volume.
    pub fn pv_class(&self, name: &str) -> Option<&str> {
        self.pvs.get(name).map(|p| p.class.as_str())
    }

    /// Per-node counts of cached pods in one of `namespaces` whose labels match `selector`
    /// (terminating pods skipped when asked, as PodTopologySpread does). The first question
    /// about a selector scans the cache; later ones are answered from counts kept current.
    pub fn count_matching(
        &mut self,
        namespaces: &BTreeSet<String>,
        selector: &LabelSelector,
        skip_terminating: bool,
    ) -> BTreeMap<String, i64> {
        let key = format!(
            "{}|{}|{}",
            namespaces.iter().cloned().collect::<Vec<_>>().join(","),
            selector_key(selector),
            skip_terminating
        );
        if let Some(m) = self.memo.get(&key) {
            return m.counts.clone();
        }
        let mut entry = MemoEntry {
            namespaces: namespaces.clone(),
            selector: selector.clone(),
            skip_terminating,
            counts: BTreeMap::new(),
        };
        for p in self.pods.values() {
            if memo_matches(&entry, &p.info) {
                *entry.counts.entry(p.node.clone()).or_insert(0) += 1;
            }
        }
        let counts = entry.counts.clone();
        self.memo.insert(key.clone(), entry);
        self.memo_order.push_back(key);
        while self.memo_order.len() > MEMO_CAPACITY {
            if let Some(old) = self.memo_order.pop_front() {
                self.memo.remove(&old);
            }
        }
        counts
    }
}

fn memo_matches(m: &MemoEntry, info: &PodInfo) -> bool {
    (!m.skip_terminating || !info.terminating)
        && m.namespaces.contains(&info.namespace)
        && m.selector.matches(&info.labels)
}

/// The affinity terms a pod contributes to the term index.
fn pod_terms(info: &PodInfo) -> Vec<(TermKind, i64, &AffinityTerm)> {
    let mut out = Vec::new();
    for t in &info.required_affinity {
        out.push((TermKind::Required, 0, t));
    }
    for t in &info.required_anti_affinity {
        out.push((TermKind::RequiredAnti, 0, t));
    }
    for w in &info.preferred_affinity {
        out.push((TermKind::Preferred, w.weight, &w.term));
    }
    for w in &info.preferred_anti_affinity {
        out.push((TermKind::PreferredAnti, w.weight, &w.term));
    }
    out
}
