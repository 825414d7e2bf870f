//! The scheduling queue (`backend/queue`): where each pending pod waits, its back-off, and the
//! queueing hints that decide which cluster events send an unschedulable pod back to the
//! active queue.
//!
//! Timing, as in v1.35 with its default feature gates:
//! - a pod rejected by plugins waits in the unschedulable pool until an event one of those
//!   plugins cares about arrives (`QueueingHint` says `Queue`), or until the flush loop, which
//!   runs every 30 s, finds it there for more than 5 min;
//! - an event moves it to the back-off queue if its back-off (1 s doubling to 10 s, counted in
//!   unschedulable attempts) has not expired; since `SchedulerPopFromBackoffQ` (beta, on) lets
//!   an idle scheduler pop the back-off queue, and a scheduling cycle takes no virtual time here,
//!   the pod is retried as soon as the event is seen;
//! - a pod that failed with an error (binding, API) and no rejecting plugin waits out its error
//!   back-off (counted in consecutive errors, aligned to whole seconds by the 1 s flush) and is
//!   not moved by events.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};

use super::SchedulerConfig;
use super::filters::{
    NodeView, find_untolerated, fits_request, is_do_not_schedule, pod_matches_node,
    spread_constraints, tolerates,
};
use super::framework::{Plugin, PluginSet};
use super::podinfo::PodInfo;
use super::volumes::PodVolumes;

/// A pod waiting in PreBind for its volumes to be bound.
#[derive(Clone, Debug)]
pub(crate) struct Binding {
    pub node: String,
    pub volumes: PodVolumes,
    pub next_poll: SimTime,
    pub deadline: SimTime,
}

/// Where a pending pod is.
#[derive(Clone, Debug)]
pub(crate) enum QueueState {
    /// Seen, not attempted yet (or moved back by an event).
    Active,
    /// Rejected by plugins; retried on a relevant event or by the periodic flush.
    Unschedulable,
    /// Failed with an error; retried at `until`.
    ErrorBackoff { until: SimTime },
    /// Has scheduling gates.
    Gated,
    /// Assumed on a node, waiting for its volumes.
    Binding(Box<Binding>),
}

/// The queue's record of one pod (`QueuedPodInfo`).
#[derive(Clone, Debug)]
pub(crate) struct QueuedPod {
    pub uid: String,
    pub unschedulable_count: u32,
    pub consecutive_errors: u32,
    pub state: QueueState,
}

/// A pod in the unschedulable pool, with the plugins that rejected it.
#[derive(Clone, Debug)]
struct Pooled {
    info: Arc<PodInfo>,
    rejectors: PluginSet,
}

/// The queue.
#[derive(Default)]
pub(crate) struct Queue {
    pods: BTreeMap<ObjectKey, QueuedPod>,
    pool: BTreeMap<ObjectKey, Pooled>,
    by_plugin: BTreeMap<Plugin, BTreeSet<ObjectKey>>,
    by_claim: BTreeMap<(String, String), BTreeSet<ObjectKey>>,
}

/// `calculateBackoffDuration`: `initial << (count - 1)`, capped.
pub(crate) fn backoff_duration(config: &SchedulerConfig, count: u32) -> SimDuration {
    if count == 0 {
        return SimDuration::ZERO;
    }
    let initial = config.pod_initial_backoff.as_ms();
    let max = config.pod_max_backoff.as_ms();
    let shift = count - 1;
    if shift >= 63 || initial > (max >> shift) {
        return config.pod_max_backoff;
    }
    SimDuration::from_ms(initial << shift)
}

/// When a pod in the error back-off queue is popped: the back-off expiry truncated to the
/// second (`alignToWindow`), then the next whole-second flush after it.
pub(crate) fn error_backoff_until(
    config: &SchedulerConfig,
    failed_at: SimTime,
    count: u32,
) -> SimTime {
    let expiry = (failed_at + backoff_duration(config, count)).as_ms();
    SimTime::from_ms(expiry - expiry % 1000 + 1000)
}

/// When the unschedulable-pool flush picks up a pod that failed at `failed_at`: the first
/// flush tick (every `unschedulable_flush_period` from time zero) more than
/// `max_in_unschedulable` later.
pub(crate) fn flush_time(config: &SchedulerConfig, failed_at: SimTime) -> SimTime {
    let period = config.unschedulable_flush_period.as_ms().max(1);
    let due = failed_at.as_ms() + config.max_in_unschedulable.as_ms();
    SimTime::from_ms((due / period + 1) * period)
}

impl Queue {
    /// The record of `key`, created (or reset, for a re-created pod) as `Active`.
    pub fn entry(&mut self, key: &ObjectKey, uid: &str) -> &mut QueuedPod {
        if self.pods.get(key).is_some_and(|q| q.uid != uid) {
            self.remove(key);
        }
        self.pods.entry(key.clone()).or_insert_with(|| QueuedPod {
            uid: uid.to_string(),
            unschedulable_count: 0,
            consecutive_errors: 0,
            state: QueueState::Active,
        })
    }

    /// The record of `key`, if there is one.
    pub fn entry_if(&mut self, key: &ObjectKey) -> Option<&mut QueuedPod> {
        self.pods.get_mut(key)
    }

    /// Forgets a pod entirely (bound, deleted, or no longer ours). Returns its record.
    pub fn remove(&mut self, key: &ObjectKey) -> Option<QueuedPod> {
        self.leave_pool(key);
        self.pods.remove(key)
    }

    /// Puts a pod in the unschedulable pool.
    pub fn enter_pool(&mut self, info: Arc<PodInfo>, rejectors: PluginSet) {
        let key = info.key.clone();
        self.leave_pool(&key);
        for p in rejectors.iter() {
            self.by_plugin.entry(p).or_default().insert(key.clone());
        }
        for c in info.all_claims() {
            self.by_claim
                .entry((info.namespace.clone(), c.clone()))
                .or_default()
                .insert(key.clone());
        }
        self.pool.insert(key, Pooled { info, rejectors });
    }

    /// Takes a pod out of the unschedulable pool.
    pub fn leave_pool(&mut self, key: &ObjectKey) {
        let Some(p) = self.pool.remove(key) else {
            return;
        };
        for plugin in p.rejectors.iter() {
            if let Some(set) = self.by_plugin.get_mut(&plugin) {
                set.remove(key);
            }
        }
        for c in p.info.all_claims() {
            let k = (p.info.namespace.clone(), c.clone());
            if let Some(set) = self.by_claim.get_mut(&k) {
                set.remove(key);
                if set.is_empty() {
                    self.by_claim.remove(&k);
                }
            }
        }
    }

    /// Number of pods in the unschedulable pool.
    pub fn pool_len(&self) -> usize {
        self.pool.len()
    }

    /// The pooled pods rejected by any of `plugins` for which `hint` says the event matters.
    fn pooled_where(
        &self,
        plugins: &[Plugin],
        mut hint: impl FnMut(Plugin, &PodInfo) -> bool,
    ) -> BTreeSet<ObjectKey> {
        let mut out = BTreeSet::new();
        for plugin in plugins {
            for key in self.by_plugin.get(plugin).into_iter().flatten() {
                if out.contains(key) {
                    continue;
                }
                if let Some(p) = self.pool.get(key)
                    && hint(*plugin, &p.info)
                {
                    out.insert(key.clone());
                }
            }
        }
        out
    }

    /// The keys a watch event sends to the scheduler (its informer handlers and
    /// `MoveAllToActiveOrBackoffQueue` with queueing hints).
    pub fn keys_for(&self, ev: &WatchEvent) -> Vec<ObjectKey> {
        let keys = match ev.object.kind() {
            Kind::Pod => self.pod_event(ev),
            Kind::Node => self.node_event(ev),
            Kind::PersistentVolumeClaim => self.claim_event(ev),
            Kind::PersistentVolume => {
                self.pooled_where(&[Plugin::VolumeBinding, Plugin::VolumeZone], |_, _| true)
            }
            Kind::StorageClass => self.class_event(ev),
            _ => BTreeSet::new(),
        };
        keys.into_iter().collect()
    }

    fn pod_event(&self, ev: &WatchEvent) -> BTreeSet<ObjectKey> {
        let key = ev.object.key();
        let mut keys = BTreeSet::new();
        let deleted = ev.event_type == WatchEventType::Deleted;
        let new = (!deleted).then_some(&ev.object);
        let old = if deleted {
            Some(&ev.object)
        } else {
            ev.old.as_ref()
        };
        let pending = new.is_some_and(|o| wants_scheduling(o));
        // The pod itself.
        match (pending, self.pods.get(&key)) {
            (true, None) => {
                keys.insert(key.clone());
            }
            (true, Some(q)) => {
                let recreated = new.is_some_and(|o| o.uid() != q.uid);
                let changed = matches!(q.state, QueueState::Unschedulable | QueueState::Gated)
                    && old.zip(new).is_some_and(|(o, n)| scheduling_changed(o, n));
                if recreated || changed {
                    keys.insert(key.clone());
                }
            }
            (false, Some(_)) => {
                keys.insert(key.clone());
            }
            (false, None) => {}
        }
        if self.pool.is_empty() {
            return keys;
        }
        // Effects of assigned pods on pods in the pool (parsed only when they matter).
        let old_assigned = old.filter(|o| assigned(o));
        let new_assigned = new.filter(|o| assigned(o));
        let parse = |o: &Arc<Object>| PodInfo::from_object(o);
        match (old_assigned, new_assigned) {
            (Some(o), None) => {
                if let Some(o) = parse(o) {
                    keys.extend(self.assigned_pod_deleted(&o));
                }
            }
            (None, Some(n)) => {
                if let Some(n) = parse(n) {
                    keys.extend(self.assigned_pod_changed(None, &n));
                }
            }
            (Some(o), Some(n)) if o.labels() != n.labels() => {
                if let (Some(o), Some(n)) = (parse(o), parse(n)) {
                    keys.extend(self.assigned_pod_changed(Some(&o), &n));
                }
            }
            _ => {}
        }
        keys
    }

    /// `EventAssignedPodDelete` (also sent when the scheduler forgets a pod it assumed).
    pub fn assigned_pod_deleted(&self, deleted: &PodInfo) -> BTreeSet<ObjectKey> {
        use Plugin::*;
        self.pooled_where(
            &[
                NodeResourcesFit,
                NodePorts,
                VolumeRestrictions,
                InterPodAffinity,
                PodTopologySpread,
            ],
            |plugin, pod| match plugin {
                NodeResourcesFit => true,
                NodePorts => pod
                    .host_ports
                    .iter()
                    .any(|p| deleted.host_ports.iter().any(|q| p.conflicts(q))),
                VolumeRestrictions => {
                    deleted.namespace == pod.namespace
                        && deleted
                            .all_claims()
                            .any(|c| pod.all_claims().any(|d| d == c))
                }
                InterPodAffinity => {
                    pod.required_anti_affinity
                        .iter()
                        .any(|t| t.matches(&deleted.namespace, &deleted.labels, None))
                        || deleted
                            .required_anti_affinity
                            .iter()
                            .any(|t| t.matches(&pod.namespace, &pod.labels, None))
                }
                PodTopologySpread => spread_selects(pod, deleted),
                _ => false,
            },
        )
    }

    /// `EventAssignedPodAdd` / `EventAssignedPodUpdate` (labels changed).
    fn assigned_pod_changed(&self, old: Option<&PodInfo>, new: &PodInfo) -> BTreeSet<ObjectKey> {
        use Plugin::*;
        self.pooled_where(
            &[InterPodAffinity, PodTopologySpread],
            |plugin, pod| match plugin {
                InterPodAffinity => {
                    let all = |terms: &[super::podinfo::AffinityTerm], p: &PodInfo| {
                        !terms.is_empty()
                            && terms
                                .iter()
                                .all(|t| t.matches(&p.namespace, &p.labels, None))
                    };
                    match old {
                        None => all(&pod.required_affinity, new),
                        Some(old) => {
                            (!all(&pod.required_affinity, old) && all(&pod.required_affinity, new))
                                || (all(&pod.required_anti_affinity, old)
                                    && !all(&pod.required_anti_affinity, new))
                        }
                    }
                }
                PodTopologySpread => {
                    spread_selects(pod, new) || old.is_some_and(|o| spread_selects(pod, o))
                }
                _ => false,
            },
        )
    }

    fn node_event(&self, ev: &WatchEvent) -> BTreeSet<ObjectKey> {
        if self.pool.is_empty() || ev.event_type == WatchEventType::Deleted {
            return BTreeSet::new();
        }
        let Some(new) = NodeView::new(ev.object.clone()) else {
            return BTreeSet::new();
        };
        let old = ev.old.clone().and_then(NodeView::new);
        use Plugin::*;
        match old {
            None => self.pooled_where(&Plugin::ALL, |plugin, pod| match plugin {
                NodeUnschedulable => !new.unschedulable() || tolerates_unschedulable(pod),
                TaintToleration => {
                    find_untolerated(new.taints(), &pod.tolerations, is_do_not_schedule).is_none()
                }
                NodeAffinity => pod_matches_node(pod, &new),
                NodeResourcesFit => fits_request(pod, &new, None, None).is_none(),
                PodTopologySpread => spread_constraints(pod, "DoNotSchedule")
                    .iter()
                    .all(|c| new.labels().contains_key(&c.topology_key)),
                NodePorts | VolumeRestrictions | VolumeBinding | VolumeZone | InterPodAffinity => {
                    true
                }
            }),
            Some(old) => {
                let labels_changed = old.labels() != new.labels();
                let taints_changed =
                    old.taints() != new.taints() || old.unschedulable() != new.unschedulable();
                let (old_alloc, old_pods) = old.allocatable();
                let (new_alloc, new_pods) = new.allocatable();
                let alloc_changed = old_alloc != new_alloc || old_pods != new_pods;
                if !labels_changed && !taints_changed && !alloc_changed {
                    return BTreeSet::new();
                }
                self.pooled_where(&Plugin::ALL, |plugin, pod| match plugin {
                    NodeUnschedulable => {
                        taints_changed && old.unschedulable() && !new.unschedulable()
                    }
                    TaintToleration => {
                        taints_changed
                            && find_untolerated(old.taints(), &pod.tolerations, is_do_not_schedule)
                                .is_some()
                            && find_untolerated(new.taints(), &pod.tolerations, is_do_not_schedule)
                                .is_none()
                    }
                    NodeAffinity => {
                        labels_changed
                            && !pod_matches_node(pod, &old)
                            && pod_matches_node(pod, &new)
                    }
                    NodeResourcesFit => {
                        alloc_changed
                            && fits_request(pod, &new, None, None).is_none()
                            && (new_pods > old_pods
                                || (pod.requests.milli_cpu > 0
                                    && new_alloc.milli_cpu > old_alloc.milli_cpu)
                                || (pod.requests.memory > 0 && new_alloc.memory > old_alloc.memory)
                                || (pod.requests.ephemeral_storage > 0
                                    && new_alloc.ephemeral_storage > old_alloc.ephemeral_storage)
                                || pod.requests.scalars.iter().any(|(k, v)| {
                                    *v > 0
                                        && new_alloc.scalars.get(k).copied().unwrap_or(0)
                                            > old_alloc.scalars.get(k).copied().unwrap_or(0)
                                }))
                    }
                    PodTopologySpread => labels_changed || taints_changed,
                    InterPodAffinity | VolumeBinding | VolumeZone => labels_changed,
                    NodePorts | VolumeRestrictions => false,
                })
            }
        }
    }

    fn claim_event(&self, ev: &WatchEvent) -> BTreeSet<ObjectKey> {
        if ev.event_type == WatchEventType::Deleted {
            return BTreeSet::new();
        }
        let added = ev.event_type == WatchEventType::Added;
        let k = (
            ev.object.namespace().to_string(),
            ev.object.name().to_string(),
        );
        let mut out = BTreeSet::new();
        for key in self.by_claim.get(&k).into_iter().flatten() {
            let Some(p) = self.pool.get(key) else {
                continue;
            };
            let r = p.rejectors;
            if r.contains(Plugin::VolumeBinding)
                || r.contains(Plugin::VolumeZone)
                || (added && r.contains(Plugin::VolumeRestrictions))
            {
                out.insert(key.clone());
            }
        }
        out
    }

    fn class_event(&self, ev: &WatchEvent) -> BTreeSet<ObjectKey> {
        match ev.event_type {
            WatchEventType::Added => {
                self.pooled_where(&[Plugin::VolumeBinding, Plugin::VolumeZone], |_, _| true)
            }
            WatchEventType::Modified => {
                let topologies = |o: &Object| match o {
                    Object::StorageClass(sc) => sc.allowed_topologies.clone(),
                    _ => None,
                };
                let changed = ev
                    .old
                    .as_ref()
                    .is_none_or(|o| topologies(o) != topologies(&ev.object));
                if changed {
                    self.pooled_where(&[Plugin::VolumeBinding], |_, _| true)
                } else {
                    BTreeSet::new()
                }
            }
            WatchEventType::Deleted => BTreeSet::new(),
        }
    }
}

fn tolerates_unschedulable(pod: &PodInfo) -> bool {
    let taint = k8s_openapi::api::core::v1::Taint {
        key: "node.kubernetes.io/unschedulable".into(),
        effect: "NoSchedule".into(),
        ..Default::default()
    };
    pod.tolerations.iter().any(|t| tolerates(t, &taint))
}

/// PodTopologySpread's pod-event hint: `other` is in the pod's namespace and matches one of its
/// `DoNotSchedule` constraints.
fn spread_selects(pod: &PodInfo, other: &PodInfo) -> bool {
    other.namespace == pod.namespace
        && spread_constraints(pod, "DoNotSchedule")
            .iter()
            .any(|c| c.selector.matches(&other.labels))
}

/// A pod object bound to a node and counted by the scheduler (not `Succeeded`/`Failed`).
fn assigned(obj: &Object) -> bool {
    let Object::Pod(pod) = obj else { return false };
    let bound = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    bound && !terminal(obj)
}

fn terminal(obj: &Object) -> bool {
    let Object::Pod(pod) = obj else { return false };
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

/// The scheduler must place this pod: ours, unbound, not terminating, not finished.
pub(crate) fn wants_scheduling(obj: &Object) -> bool {
    let Object::Pod(pod) = obj else { return false };
    let spec = pod.spec.as_ref();
    let unbound = spec
        .and_then(|s| s.node_name.as_deref())
        .is_none_or(str::is_empty);
    let ours = spec
        .and_then(|s| s.scheduler_name.as_deref())
        .is_none_or(|n| n == super::SCHEDULER_NAME);
    unbound && ours && !obj.is_terminating() && !terminal(obj)
}

/// A change of the pod that may make it schedulable: its spec or labels
/// (`PodSchedulingPropertiesChange`); status updates are not.
fn scheduling_changed(old: &Object, new: &Object) -> bool {
    let (Object::Pod(o), Object::Pod(n)) = (old, new) else {
        return false;
    };
    o.spec != n.spec || o.metadata.labels != n.metadata.labels
}
