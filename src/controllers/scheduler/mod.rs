//! The default-scheduler: kube-scheduler v1.35 with its default profile, as a reconciler keyed
//! by pod (`spec/storage-scheduling-kubelet.md` §2).
//!
//! One reconcile of a pending pod is one scheduling cycle (`schedule_one.go`): PreFilter, Filter
//! on every node ([`filters`]), then, when several nodes fit, Score ([`scores`]) and a seeded
//! random choice among the best (upstream's reservoir sampling). The chosen node is assumed in
//! the [`cache`]; a pod whose claims still need binding then waits in PreBind ([`volumes`]: the
//! `selected-node` annotation, PV claimRefs, a poll every second until the claims are bound) and
//! is finally bound through `pods/binding`, with the `Scheduled` event. A pod that fits nowhere
//! gets `PodScheduled=False` (reason `Unschedulable`, the fit-error text of [`framework`]) and a
//! `FailedScheduling` event, and waits in the [`queue`] for a relevant event or the periodic
//! flush.
//!
//! | file | upstream |
//! | --- | --- |
//! | `framework.rs` | `framework/types.go` (`FitError`), DefaultPreemption's message |
//! | `podinfo.rs` | `framework.PodInfo`, `resource.PodRequests` |
//! | `cache.rs` | `backend/cache`, fed from the watch stream |
//! | `filters.rs` | NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity |
//! | `volumes.rs` | VolumeRestrictions, VolumeBinding (`binder.go`), VolumeZone |
//! | `scores.rs` | the score plugins and `selectHost` weights |
//! | `queue.rs` | `backend/queue`, queueing hints |
//!
//! Not modelled: preemption itself (the message is computed, victims are never evicted),
//! NodeVolumeLimits (no CSINode objects), DynamicResources, extenders, more than one profile,
//! `percentageOfNodesToScore` (every node is evaluated).

mod cache;
mod filters;
mod framework;
mod podinfo;
mod queue;
mod scores;
mod volumes;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{Client, PatchType, Subresource, WatchEvent};
use crate::engine::SimDuration;
use crate::sim::{Controller, Cx, EventSource, Requeue, TimingProfile};

use cache::Cache;
use filters::{NodeView, list_nodes};
use framework::{
    Code, NO_PREEMPTION_VICTIMS, PluginSet, Status, fit_error_message, preemption_message,
    truncate_message,
};
use podinfo::{PodInfo, Resources};
use queue::{Binding, Queue, QueueState};
use volumes::PodVolumes;

pub use volumes::{
    ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, StorageCapacity,
};

/// The scheduler's name (`spec.schedulerName`, the events' source).
pub const SCHEDULER_NAME: &str = "default-scheduler";

/// How TaintToleration words its reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaintMessage {
    /// v1.35 (and v1.34.2+): `node(s) had untolerated taint(s)`, no key or value (PR #134740).
    #[default]
    Generic,
    /// v1.20–v1.34.1: `node(s) had untolerated taint {<key>: <value>}`.
    WithTaint,
}

/// The scheduler's configuration (`KubeSchedulerConfiguration` fields that matter here), with
/// upstream's defaults.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// The TaintToleration wording.
    pub taint_message: TaintMessage,
    /// `podInitialBackoffSeconds` (1 s).
    pub pod_initial_backoff: SimDuration,
    /// `podMaxBackoffSeconds` (10 s).
    pub pod_max_backoff: SimDuration,
    /// `podMaxInUnschedulablePodsDuration` (5 min).
    pub max_in_unschedulable: SimDuration,
    /// How often the unschedulable pool is flushed (30 s).
    pub unschedulable_flush_period: SimDuration,
    /// VolumeBinding `bindTimeoutSeconds` (600 s).
    pub bind_timeout: SimDuration,
    /// How often PreBind checks the claims (1 s).
    pub prebind_poll: SimDuration,
    /// `NominatedNodeNameForExpectation` (beta, on in v1.35): a pod waiting in PreBind gets
    /// `status.nominatedNodeName` set to its node.
    pub nominated_node_name_for_expectation: bool,
    /// Storage capacity per provisioner, for drivers that publish it (`CSIStorageCapacity`).
    /// Provisioners absent here are not capacity-checked, as upstream skips drivers without
    /// `storageCapacity: true`.
    pub storage_capacity: BTreeMap<String, Vec<StorageCapacity>>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            taint_message: TaintMessage::Generic,
            pod_initial_backoff: SimDuration::from_secs(1),
            pod_max_backoff: SimDuration::from_secs(10),
            max_in_unschedulable: SimDuration::from_secs(300),
            unschedulable_flush_period: SimDuration::from_secs(30),
            bind_timeout: SimDuration::from_secs(600),
            prebind_poll: SimDuration::from_secs(1),
            nominated_node_name_for_expectation: true,
            storage_capacity: BTreeMap::new(),
        }
    }
}

/// Counters for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerStats {
    /// Scheduling cycles run (pods attempted).
    pub cycles: u64,
    /// Pods bound.
    pub bound: u64,
    /// Failed attempts.
    pub failures: u64,
}

/// The default-scheduler controller.
#[derive(Default)]
pub struct Scheduler {
    config: SchedulerConfig,
    cache: Cache,
    queue: Queue,
    stats: SchedulerStats,
}

/// The outcome of one scheduling cycle.
enum Outcome {
    /// A node was chosen, with the volume bindings to make there.
    Fit { node: String, volumes: PodVolumes },
    /// No node fits: the message, and the plugins that rejected the pod.
    Unschedulable {
        message: String,
        rejectors: PluginSet,
    },
}

fn source() -> EventSource {
    EventSource::component(SCHEDULER_NAME)
}

impl Scheduler {
    /// A scheduler with the default configuration.
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// A scheduler with `config`.
    pub fn with_config(config: SchedulerConfig) -> Scheduler {
        Scheduler {
            config,
            ..Scheduler::default()
        }
    }

    /// What the scheduler has done so far.
    pub fn stats(&self) -> SchedulerStats {
        self.stats
    }

    /// Pods in the unschedulable pool.
    pub fn unschedulable_pods(&self) -> usize {
        self.queue.pool_len()
    }

    /// Forgets a pod: no longer pending, or gone.
    fn drop_pod(&mut self, key: &ObjectKey) {
        if self.queue.remove(key).is_some() {
            self.cache.forget(key);
        }
    }

    /// One scheduling cycle, without side effects other than cache counters.
    fn schedule(&mut self, info: &PodInfo, cx: &mut Cx<'_>) -> Outcome {
        let nodes = list_nodes(cx.read());
        if nodes.is_empty() {
            return Outcome::Unschedulable {
                message: "no nodes available to schedule pods".into(),
                rejectors: PluginSet::default(),
            };
        }
        let num_nodes = nodes.len();
        let (feasible, scores) = {
            let state =
                match filters::prefilter(cx.read(), &mut self.cache, &self.config, info, &nodes) {
                    Ok(s) => s,
                    Err(status) => {
                        let mut rejectors = PluginSet::default();
                        if let Some(p) = status.plugin {
                            rejectors.insert(p);
                        }
                        let statuses: BTreeMap<String, Status> = nodes
                            .iter()
                            .map(|n| (n.name().to_string(), status.clone()))
                            .collect();
                        let post = preemption(info, &nodes, &statuses, &self.cache);
                        return Outcome::Unschedulable {
                            message: fit_error_message(num_nodes, Some(&status), &statuses, &post),
                            rejectors,
                        };
                    }
                };
            let mut statuses = BTreeMap::new();
            let mut feasible: Vec<&NodeView> = Vec::new();
            for n in &nodes {
                match state.filter(n) {
                    Some(s) => {
                        statuses.insert(n.name().to_string(), s);
                    }
                    None => feasible.push(n),
                }
            }
            if feasible.is_empty() {
                let mut rejectors = PluginSet::default();
                for s in statuses.values() {
                    if let Some(p) = s.plugin {
                        rejectors.insert(p);
                    }
                }
                let post = preemption(info, &nodes, &statuses, state.cache);
                return Outcome::Unschedulable {
                    message: fit_error_message(num_nodes, None, &statuses, &post),
                    rejectors,
                };
            }
            let scores = if feasible.len() > 1 {
                state.score(&state.score_inputs, &feasible, &nodes)
            } else {
                vec![0]
            };
            let feasible: Vec<NodeView> = feasible.into_iter().cloned().collect();
            (feasible, scores)
        };
        // selectHost: the highest total; ties broken by reservoir sampling.
        let mut best = 0;
        let mut tied = 1u64;
        for i in 1..feasible.len() {
            if scores[i] > scores[best] {
                best = i;
                tied = 1;
            } else if scores[i] == scores[best] {
                tied += 1;
                if cx.rng.below(tied) == 0 {
                    best = i;
                }
            }
        }
        let node = &feasible[best];
        let volumes = if info.pvc_claims.is_empty() && info.ephemeral_claims.is_empty() {
            PodVolumes::default()
        } else {
            match volumes::prefilter(cx.read(), &self.cache, info) {
                Ok(state) => {
                    volumes::find_pod_volumes(cx.read(), &self.cache, &self.config, &state, node).0
                }
                Err(_) => PodVolumes::default(),
            }
        };
        Outcome::Fit {
            node: node.name().to_string(),
            volumes,
        }
    }

    /// Records a failed attempt (`handleSchedulingFailure`): the event, the `PodScheduled`
    /// condition, and the pod's place in the queue. Returns when to look at it again.
    fn fail(
        &mut self,
        info: Arc<PodInfo>,
        reason: &str,
        message: &str,
        rejectors: PluginSet,
        cx: &mut Cx<'_>,
    ) -> Requeue {
        self.stats.failures += 1;
        let key = info.key.clone();
        let now = cx.now;
        let entry = self.queue.entry(&key, &info.uid);
        let wait = if rejectors.is_empty() {
            entry.consecutive_errors += 1;
            let until = queue::error_backoff_until(&self.config, now, entry.consecutive_errors);
            entry.state = QueueState::ErrorBackoff { until };
            until.saturating_since(now)
        } else {
            entry.unschedulable_count += 1;
            entry.consecutive_errors = 0;
            let flush_at = queue::flush_time(&self.config, now);
            entry.state = QueueState::Unschedulable;
            self.queue.enter_pool(info.clone(), rejectors);
            flush_at.saturating_since(now)
        };
        if let Some(pod) = cx.read().try_get(&key).cloned()
            && pod.uid() == info.uid
        {
            cx.record_event(
                &source(),
                &pod,
                "Warning",
                "FailedScheduling",
                &truncate_message(message),
            );
            patch_scheduled_condition(cx, &pod, reason, message);
        }
        Requeue::After(wait)
    }

    /// A binding-cycle failure (`handleBindingCycleError`): the assumed placement is
    /// forgotten, which counts as a deleted pod for the pods waiting in the pool.
    fn fail_binding(&mut self, info: Arc<PodInfo>, message: &str, cx: &mut Cx<'_>) -> Requeue {
        self.cache.forget(&info.key);
        for k in self.queue.assigned_pod_deleted(&info) {
            if k != info.key {
                cx.enqueue_after(k, SimDuration::ZERO);
            }
        }
        self.fail(info, "SchedulerError", message, PluginSet::default(), cx)
    }

    /// The Bind extension point (DefaultBinder), then the `Scheduled` event.
    fn bind(&mut self, info: Arc<PodInfo>, node: &str, cx: &mut Cx<'_>) -> Requeue {
        let key = info.key.clone();
        let before = cx.read().try_get(&key).cloned();
        match cx.bind_pod(&key, node) {
            Ok(_) => {
                self.stats.bound += 1;
                self.queue.remove(&key);
                if let Some(pod) = before {
                    cx.record_event(
                        &source(),
                        &pod,
                        "Normal",
                        "Scheduled",
                        &format!(
                            "Successfully assigned {}/{} to {}",
                            info.namespace, info.name, node
                        ),
                    );
                }
                Requeue::No
            }
            Err(e) => self.fail_binding(
                info,
                &format!("running Bind plugin \"DefaultBinder\": {}", e.message),
                cx,
            ),
        }
    }

    /// PreBind's wait for the pod's claims, polled every second.
    fn poll_binding(&mut self, info: Arc<PodInfo>, binding: Binding, cx: &mut Cx<'_>) -> Requeue {
        let now = cx.now;
        if now < binding.next_poll {
            return Requeue::After(binding.next_poll.saturating_since(now));
        }
        if now >= binding.deadline {
            return self.fail_binding(
                info,
                "running PreBind plugin \"VolumeBinding\": binding volumes: context deadline exceeded",
                cx,
            );
        }
        match volumes::check_bindings(cx.read(), &binding.volumes, &binding.node) {
            Ok(true) => self.bind(info, &binding.node, cx),
            Ok(false) => {
                let poll = self.config.prebind_poll;
                let next_poll = binding.next_poll + poll;
                if let Some(q) = self.queue.entry_if(&info.key) {
                    q.state = QueueState::Binding(Box::new(Binding {
                        next_poll,
                        ..binding
                    }));
                }
                Requeue::After(next_poll.saturating_since(now))
            }
            Err(e) => self.fail_binding(
                info,
                &format!("running PreBind plugin \"VolumeBinding\": binding volumes: {e}"),
                cx,
            ),
        }
    }
}

/// DefaultPreemption's `PostFilter` message. Victims are pods of lower priority; when some
/// node could make room, upstream would nominate it and evict them, and says nothing.
fn preemption(
    pod: &PodInfo,
    nodes: &[NodeView],
    statuses: &BTreeMap<String, Status>,
    cache: &Cache,
) -> String {
    if pod.preemption_never {
        return "preemption: not eligible due to preemptionPolicy=Never.".into();
    }
    let mut dry_run = BTreeMap::new();
    let mut candidate = false;
    for node in nodes {
        let Some(status) = statuses.get(node.name()) else {
            continue;
        };
        if status.code != Code::Unschedulable {
            continue;
        }
        let agg = cache.node(node.name());
        let mut removed = Resources::default();
        let mut victims = 0;
        for key in agg.iter().flat_map(|a| a.pods.iter()) {
            if let Some(p) = cache.pod(key)
                && p.info.priority < pod.priority
            {
                removed.add(&p.info.requests);
                victims += 1;
            }
        }
        if victims == 0 {
            dry_run.insert(
                node.name().to_string(),
                Status {
                    code: Code::UnschedulableAndUnresolvable,
                    plugin: None,
                    reasons: vec![NO_PREEMPTION_VICTIMS.to_string()],
                },
            );
            continue;
        }
        let still = if status.plugin == Some(framework::Plugin::NodeResourcesFit) {
            filters::fits_request(pod, node, agg, Some(&removed))
        } else {
            None
        };
        match still {
            Some(s) => {
                dry_run.insert(node.name().to_string(), s);
            }
            None => candidate = true,
        }
    }
    if candidate {
        return String::new();
    }
    preemption_message(nodes.len(), &dry_run)
}

/// Patches `PodScheduled=False` (`updatePod` with `UpdatePodCondition`): skipped when the
/// condition already says the same; the transition time is kept while the status stays
/// `False`; a nominated node is cleared.
fn patch_scheduled_condition(cx: &mut Cx<'_>, pod: &Object, reason: &str, message: &str) {
    let Object::Pod(p) = pod else { return };
    let status = p.status.as_ref();
    let existing = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"));
    let nnn = status
        .and_then(|s| s.nominated_node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    let generation = p.metadata.generation;
    let same = existing.is_some_and(|c| {
        c.status == "False"
            && c.reason.as_deref() == Some(reason)
            && c.message.as_deref() == Some(message)
            && c.observed_generation == generation
    });
    if same && !nnn {
        return;
    }
    let transition = match existing {
        Some(c) if c.status == "False" => c
            .last_transition_time
            .clone()
            .unwrap_or_else(|| cx.now.to_k8s_time()),
        _ => cx.now.to_k8s_time(),
    };
    let mut condition = json!({
        "type": "PodScheduled",
        "status": "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": transition,
    });
    if let Some(g) = generation {
        condition["observedGeneration"] = json!(g);
    }
    let mut status = json!({ "conditions": [condition] });
    if nnn {
        status["nominatedNodeName"] = Value::Null;
    }
    let _ = cx.patch(
        &pod.key(),
        PatchType::Strategic,
        &json!({ "status": status }),
        Subresource::Status,
    );
}

/// Sets `status.nominatedNodeName` to the node a pod waits for in PreBind.
fn patch_nominated_node(cx: &mut Cx<'_>, key: &ObjectKey, node: &str) {
    let current = cx.read().try_get(key).cloned();
    let Some(Object::Pod(p)) = current.as_deref() else {
        return;
    };
    if p.status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        == Some(node)
    {
        return;
    }
    let _ = cx.patch(
        key,
        PatchType::Strategic,
        &json!({ "status": { "nominatedNodeName": node } }),
        Subresource::Status,
    );
}

impl Controller for Scheduler {
    fn name(&self) -> &'static str {
        SCHEDULER_NAME
    }

    fn keys_for(&self, event: &WatchEvent, _api: &crate::apiserver::ApiServer) -> Vec<ObjectKey> {
        self.queue.keys_for(event)
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile
            .try_get("scheduler.reaction")
            .unwrap_or_else(|| profile.get("controller.reaction"))
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if key.kind != Kind::Pod {
            return Requeue::No;
        }
        self.cache.sync(cx.read());
        let Some(obj) = cx.read().try_get(key).cloned() else {
            self.drop_pod(key);
            return Requeue::No;
        };
        let Some(info) = PodInfo::from_object(&obj) else {
            return Requeue::No;
        };
        if !info.wants_scheduling() {
            self.drop_pod(key);
            return Requeue::No;
        }
        let info = Arc::new(info);
        let now = cx.now;
        let state = self.queue.entry(key, &info.uid).state.clone();
        match state {
            QueueState::Binding(b) => return self.poll_binding(info, *b, cx),
            QueueState::ErrorBackoff { until } if now < until => {
                return Requeue::After(until.saturating_since(now));
            }
            _ => {}
        }
        self.queue.leave_pool(key);
        if info.gated {
            if let Some(q) = self.queue.entry_if(key) {
                q.state = QueueState::Gated;
            }
            return Requeue::No;
        }
        if let Some(q) = self.queue.entry_if(key) {
            q.state = QueueState::Active;
        }
        self.stats.cycles += 1;
        match self.schedule(&info, cx) {
            Outcome::Unschedulable { message, rejectors } => {
                self.fail(info, "Unschedulable", &message, rejectors, cx)
            }
            Outcome::Fit { node, volumes } => {
                self.cache.assume(info.clone(), &node);
                if volumes.is_empty() {
                    return self.bind(info, &node, cx);
                }
                if self.config.nominated_node_name_for_expectation {
                    patch_nominated_node(cx, key, &node);
                }
                if let Err(e) = volumes::bind_api_update(cx, &volumes, &node) {
                    return self.fail_binding(
                        info,
                        &format!("running PreBind plugin \"VolumeBinding\": {}", e.message),
                        cx,
                    );
                }
                let poll = self.config.prebind_poll;
                let binding = Binding {
                    node,
                    volumes,
                    next_poll: now + poll,
                    deadline: now + self.config.bind_timeout,
                };
                if let Some(q) = self.queue.entry_if(key) {
                    q.state = QueueState::Binding(Box::new(binding));
                }
                Requeue::After(poll)
            }
        }
    }
}
