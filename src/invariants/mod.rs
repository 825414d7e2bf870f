//! The StatefulSet guarantees as named predicates over a trace (`spec/statefulset-controller.md`
//! §8, `design.md` §5). They run on any sequence of watch events, simulated or recorded on a
//! real cluster, and explain each violation with the write (`seq`) and virtual time that show
//! it.
//!
//! Only what a watch stream can show is checked here: who issued a write is not visible, so
//! invariants about *controller* actions are checked where a pod or claim appears (ADDED), or
//! where a condemned pod starts terminating. Controller-internal invariants (one create per
//! sync, the maxUnavailable budget per sync) are checked by the controller's own tests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{WatchEvent, WatchEventType};
use crate::engine::SimTime;

/// The invariants checked, with the spec's ids.
pub const CATALOGUE: &[(&str, &str)] = &[
    (
        "INV3",
        "pods created for a StatefulSet carry its identity: name, labels, hostname, subdomain, one controller reference",
    ),
    ("INV4", "no pod is created outside the set's ordinal range"),
    (
        "INV5",
        "a pod's claims exist before it and ordinal i only ever mounts <template>-<set>-i",
    ),
    (
        "INV7",
        "OrderedReady: pod k is created only when every lower ordinal is Running, Ready and available",
    ),
    (
        "INV9",
        "OrderedReady: scale-down removes the highest condemned ordinal first, with the rest healthy",
    ),
    (
        "INV25",
        "accepted StatefulSet status is consistent (counts bounded, observedGeneration not ahead)",
    ),
];

/// One broken guarantee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The spec's id (`INV7`).
    pub id: &'static str,
    /// The watch event that shows it.
    pub seq: u64,
    /// Its virtual time.
    pub at: SimTime,
    /// What happened, in words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} violated at seq {} ({}): {}",
            self.id, self.seq, self.at, self.message
        )
    }
}

/// How much a trace exercised, so a clean result is not vacuous.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Pods created with a StatefulSet controller reference.
    pub set_pods_created: u64,
    /// Of those, created while lower ordinals existed (INV7 had something to check).
    pub ordered_creations_checked: u64,
    /// Condemned pods seen starting to terminate (INV9 had something to check).
    pub scale_down_deletions_checked: u64,
}

/// A streaming checker: feed it watch events in order.
#[derive(Default)]
pub struct Checker {
    state: BTreeMap<ObjectKey, Arc<Object>>,
    /// claim key -> the pod name it belongs to (sticky storage).
    claim_owner: BTreeMap<ObjectKey, String>,
    violations: Vec<Violation>,
    coverage: Coverage,
}

fn pod_ready_since(pod: &Pod) -> Option<SimTime> {
    let status = pod.status.as_ref()?;
    if status.phase.as_deref() != Some("Running") {
        return None;
    }
    let ready = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    Some(
        ready
            .last_transition_time
            .as_ref()
            .and_then(SimTime::from_k8s_time)
            .unwrap_or(SimTime::ZERO),
    )
}

/// `(start ordinal, replicas)` of a set.
fn range_of(set: &StatefulSet) -> (i64, i64) {
    let spec = set.spec.as_ref();
    let start = spec
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0);
    let replicas = spec.and_then(|s| s.replicas).unwrap_or(1);
    (i64::from(start), i64::from(replicas))
}

fn ordinal_of(set_name: &str, pod_name: &str) -> Option<i64> {
    let rest = pod_name.strip_prefix(set_name)?.strip_prefix('-')?;
    if rest.is_empty() || (rest.len() > 1 && rest.starts_with('0')) {
        return None;
    }
    rest.parse().ok()
}

impl Checker {
    /// A checker with no history.
    pub fn new() -> Self {
        Self::default()
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// What the trace exercised so far.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    fn violate(&mut self, id: &'static str, ev: &WatchEvent, message: String) {
        self.violations.push(Violation {
            id,
            seq: ev.seq,
            at: ev.at,
            message,
        });
    }

    /// The StatefulSet controlling `obj`, if its controller reference names one in the state.
    fn owning_set(&self, obj: &Object) -> Option<(Arc<Object>, StatefulSet)> {
        let r = obj.controller_ref()?;
        if r.kind != "StatefulSet" {
            return None;
        }
        let key = ObjectKey::new(Kind::StatefulSet, obj.namespace(), &r.name);
        let set_obj = self.state.get(&key)?.clone();
        if set_obj.uid() != r.uid {
            return None;
        }
        let Object::StatefulSet(set) = &*set_obj else {
            return None;
        };
        let set = set.clone();
        Some((set_obj, set))
    }

    fn set_pods<'a>(
        &'a self,
        namespace: &'a str,
        set_name: &'a str,
        set_uid: &'a str,
    ) -> impl Iterator<Item = (i64, &'a Pod)> + 'a {
        let start = ObjectKey::new(Kind::Pod, namespace, "");
        self.state
            .range(start..)
            .take_while(move |(k, _)| k.kind == Kind::Pod && k.namespace == namespace)
            .filter_map(move |(_, o)| {
                let Object::Pod(p) = &**o else { return None };
                let owned = o
                    .controller_ref()
                    .is_some_and(|r| r.uid == set_uid && r.kind == "StatefulSet");
                if !owned {
                    return None;
                }
                ordinal_of(set_name, o.name()).map(|ord| (ord, p))
            })
    }

    /// Checks one event, then applies it to the state.
    pub fn observe(&mut self, ev: &WatchEvent) {
        let obj = &ev.object;
        match (obj.kind(), ev.event_type) {
            (Kind::Pod, WatchEventType::Added) => self.check_pod_created(ev),
            (Kind::Pod, WatchEventType::Modified | WatchEventType::Deleted) => {
                let was_terminating = self
                    .state
                    .get(&obj.key())
                    .is_some_and(|o| o.is_terminating());
                if !was_terminating {
                    self.check_scale_down(ev);
                }
            }
            (Kind::StatefulSet, WatchEventType::Modified) => self.check_status(ev),
            _ => {}
        }
        match ev.event_type {
            WatchEventType::Deleted => {
                self.state.remove(&obj.key());
            }
            _ => {
                self.state.insert(obj.key(), obj.clone());
            }
        }
    }

    fn check_pod_created(&mut self, ev: &WatchEvent) {
        let obj = ev.object.clone();
        let Object::Pod(pod) = &*obj else { return };
        let Some((set_obj, set)) = self.owning_set(&obj) else {
            return;
        };
        self.coverage.set_pods_created += 1;
        let set_name = set_obj.name().to_string();
        let name = obj.name().to_string();
        let Some(ord) = ordinal_of(&set_name, &name) else {
            self.violate("INV3", ev, format!("pod {name} of StatefulSet {set_name} does not have the name {set_name}-<ordinal>"));
            return;
        };
        // INV3: identity.
        let labels = obj.labels();
        let spec = pod.spec.as_ref();
        let mut wrong = Vec::new();
        if labels.get("statefulset.kubernetes.io/pod-name") != Some(&name) {
            wrong.push("label statefulset.kubernetes.io/pod-name".to_string());
        }
        if labels.get("apps.kubernetes.io/pod-index") != Some(&ord.to_string()) {
            wrong.push("label apps.kubernetes.io/pod-index".to_string());
        }
        match labels.get("controller-revision-hash") {
            None => wrong.push("label controller-revision-hash".to_string()),
            Some(rev) => {
                let key = ObjectKey::new(Kind::ControllerRevision, obj.namespace(), rev);
                if !self.state.contains_key(&key) {
                    wrong.push(format!(
                        "controller-revision-hash {rev} (no such ControllerRevision)"
                    ));
                }
            }
        }
        if spec.and_then(|s| s.hostname.as_deref()) != Some(name.as_str()) {
            wrong.push("spec.hostname".to_string());
        }
        let service = set
            .spec
            .as_ref()
            .and_then(|s| s.service_name.clone())
            .unwrap_or_default();
        if !service.is_empty()
            && spec.and_then(|s| s.subdomain.as_deref()) != Some(service.as_str())
        {
            wrong.push("spec.subdomain".to_string());
        }
        let controllers = obj
            .meta()
            .owner_references
            .iter()
            .flatten()
            .filter(|r| r.controller == Some(true))
            .count();
        if controllers != 1 {
            wrong.push(format!("{controllers} controller references"));
        }
        if !wrong.is_empty() {
            self.violate(
                "INV3",
                ev,
                format!(
                    "pod {name} was created with a wrong identity: {}",
                    wrong.join(", ")
                ),
            );
        }
        // INV4: range.
        let (start, replicas) = range_of(&set);
        if ord < start || ord >= start + replicas {
            self.violate(
                "INV4",
                ev,
                format!("pod {name} was created outside the range {start}..{} of StatefulSet {set_name}", start + replicas),
            );
        }
        // INV5: claims exist first; sticky storage.
        for t in set
            .spec
            .iter()
            .flat_map(|s| s.volume_claim_templates.iter().flatten())
        {
            let template = t.metadata.name.clone().unwrap_or_default();
            let claim = format!("{template}-{name}");
            let mounted = spec.and_then(|s| s.volumes.as_ref()).is_some_and(|vols| {
                vols.iter().any(|v| {
                    v.name == template
                        && v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|c| c.claim_name == claim)
                })
            });
            if !mounted {
                self.violate(
                    "INV5",
                    ev,
                    format!("pod {name} does not mount claim {claim} as volume {template}"),
                );
            }
            let key = ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), &claim);
            if !self.state.contains_key(&key) {
                self.violate(
                    "INV5",
                    ev,
                    format!("pod {name} was created before its claim {claim}"),
                );
            }
        }
        for v in spec.and_then(|s| s.volumes.as_ref()).into_iter().flatten() {
            let Some(c) = &v.persistent_volume_claim else {
                continue;
            };
            let key = ObjectKey::new(Kind::PersistentVolumeClaim, obj.namespace(), &c.claim_name);
            match self.claim_owner.get(&key) {
                Some(owner) if *owner != name => {
                    let msg = format!(
                        "claim {} was mounted by {owner} and now by {name}",
                        c.claim_name
                    );
                    self.violate("INV5", ev, msg);
                }
                _ => {
                    self.claim_owner.insert(key, name.clone());
                }
            }
        }
        // INV7: ordered creation.
        let ordered = set
            .spec
            .as_ref()
            .and_then(|s| s.pod_management_policy.as_deref())
            .unwrap_or("OrderedReady")
            == "OrderedReady";
        if ordered && ord > start {
            self.coverage.ordered_creations_checked += 1;
            let min_ready = i64::from(
                set.spec
                    .as_ref()
                    .and_then(|s| s.min_ready_seconds)
                    .unwrap_or(0),
            );
            let healthy: BTreeMap<i64, bool> = self
                .set_pods(obj.namespace(), &set_name, set_obj.uid())
                .map(|(o, p)| {
                    let ok = p.metadata.deletion_timestamp.is_none()
                        && pod_ready_since(p).is_some_and(|since| {
                            since.as_ms() + (min_ready.max(0) as u64) * 1000 <= ev.at.as_ms()
                        });
                    (o, ok)
                })
                .collect();
            let missing: Vec<String> = (start..ord)
                .filter(|j| !healthy.get(j).copied().unwrap_or(false))
                .map(|j| format!("{set_name}-{j}"))
                .collect();
            if !missing.is_empty() {
                self.violate(
                    "INV7",
                    ev,
                    format!(
                        "pod {name} was created while {} not Running and Ready",
                        describe_list(&missing)
                    ),
                );
            }
        }
    }

    fn check_scale_down(&mut self, ev: &WatchEvent) {
        let obj = ev.object.clone();
        let starts_terminating = ev.event_type == WatchEventType::Deleted || obj.is_terminating();
        if !starts_terminating {
            return;
        }
        let Some((set_obj, set)) = self.owning_set(&obj) else {
            return;
        };
        let set_name = set_obj.name().to_string();
        let Some(ord) = ordinal_of(&set_name, obj.name()) else {
            return;
        };
        let (start, replicas) = range_of(&set);
        let condemned = ord >= start + replicas || ord < start;
        let ordered = set
            .spec
            .as_ref()
            .and_then(|s| s.pod_management_policy.as_deref())
            .unwrap_or("OrderedReady")
            == "OrderedReady";
        if !condemned || !ordered || set_obj.is_terminating() {
            return;
        }
        self.coverage.scale_down_deletions_checked += 1;
        let higher: Vec<String> = self
            .set_pods(obj.namespace(), &set_name, set_obj.uid())
            .filter(|(o, _)| *o > ord && (*o >= start + replicas || *o < start))
            .map(|(o, _)| format!("{set_name}-{o}"))
            .collect();
        if !higher.is_empty() {
            self.violate(
                "INV9",
                ev,
                format!(
                    "{} started terminating while the higher condemned {} still existed",
                    obj.name(),
                    higher.join(", ")
                ),
            );
        }
    }

    fn check_status(&mut self, ev: &WatchEvent) {
        let Object::StatefulSet(set) = &*ev.object else {
            return;
        };
        let Some(st) = &set.status else { return };
        let r = st.replicas;
        let ready = st.ready_replicas.unwrap_or(0);
        let avail = st.available_replicas.unwrap_or(0);
        let current = st.current_replicas.unwrap_or(0);
        let updated = st.updated_replicas.unwrap_or(0);
        let mut wrong = Vec::new();
        if ready > r || current > r || updated > r || avail > r {
            wrong.push(format!("counts exceed replicas {r}"));
        }
        if avail > ready {
            wrong.push(format!("availableReplicas {avail} > readyReplicas {ready}"));
        }
        if let (Some(observed), Some(generation)) =
            (st.observed_generation, set.metadata.generation)
            && observed > generation
        {
            wrong.push(format!(
                "observedGeneration {observed} > generation {generation}"
            ));
        }
        if !wrong.is_empty() {
            let name = ev.object.name().to_string();
            self.violate(
                "INV25",
                ev,
                format!("StatefulSet {name} status: {}", wrong.join("; ")),
            );
        }
    }
}

fn describe_list(names: &[String]) -> String {
    match names {
        [one] => format!("{one} was"),
        many => format!("{} were", many.join(", ")),
    }
}

/// Checks a whole trace; returns the checker with its violations and coverage.
pub fn check(events: &[WatchEvent]) -> Checker {
    let mut c = Checker::new();
    for e in events {
        c.observe(e);
    }
    c
}

#[cfg(test)]
mod tests;
