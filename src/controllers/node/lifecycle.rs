//! The node lifecycle controller (`pkg/controller/nodelifecycle/node_lifecycle_controller.go`):
//! notices a node whose kubelet stopped heartbeating, marks its conditions `Unknown`, taints
//! it, and marks its pods not ready; keeps the condition taints and the cordon taint in step
//! with the node's status and `spec.unschedulable`.
//!
//! Detection works exactly from what the kubelet writes, never from the simulated world: every
//! `monitor_period` (5 s) a pass (`monitorNodeHealth`) compares each node's Ready condition
//! heartbeat and its Lease `kube-node-lease/<node>` `renewTime` with what it saw last; the
//! probe time is the *pass* at which a change was seen. When no change was seen for longer than
//! the grace period (50 s since v1.32; 60 s for a node that never posted status), the node's
//! Ready, MemoryPressure, DiskPressure and PIDPressure conditions become `Unknown` with reason
//! `NodeStatusUnknown` and message `Kubelet stopped posting node status.`, a Normal
//! `NodeNotReady` event is recorded on the node, and every pod on it gets `Ready=False` and a
//! Warning `NodeNotReady` event (storage-scheduling-kubelet spec N2, N3).
//!
//! Taints (N4): the `NoSchedule` condition taints and `node.kubernetes.io/unschedulable` are
//! reconciled whenever a node changes (`doNoScheduleTaintingPass`). The `NoExecute` taints
//! follow the Ready condition *observed at the previous pass* (`processTaintBaseEviction`), so
//! they appear one pass after the node turned `Unknown`, through a per-zone rate-limited queue
//! (0.1 nodes/s, burst 1: `doNoExecuteTaintingPass`). When every node of every zone is not
//! ready the controller enters "master disruption mode": it removes the `NoExecute` taints and
//! stops tainting; a zone with more than two and at least 55 % unready nodes stops tainting
//! too (a small cluster has no secondary rate) (`handleDisruption`).
//!
//! Not modelled: the node startup taint flow of cloud providers, the DaemonSet lister (unused
//! on the taint path), metrics.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Node, NodeCondition, Taint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use serde_json::json;

use super::util::{
    NO_EXECUTE, NO_SCHEDULE, NODE_LEASE_NAMESPACE, TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE, event_ref, get_node, get_pod, node_condition, node_taints, pod_condition,
    pod_node_name, pods_on_node, remove_taints, swap_node_controller_taint, taint, taint_exists,
    update_pod_condition,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::WatchEventType;
use crate::apiserver::{ApiError, ApiServer, Client, PatchType, Subresource, WatchEvent};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// The profile key of the `NoExecute` tainting pass period (`NodeEvictionPeriod`, 100 ms).
pub const PROFILE_TAINT_PASS: &str = "node_lifecycle.taint_pass";

/// The label that keeps a node out of the zone disruption computation.
const LABEL_EXCLUDE_DISRUPTION: &str = "node.kubernetes.io/exclude-disruption";

/// The node monitor pass, as a key of this controller (`:` never appears in a node name).
pub fn monitor_key() -> ObjectKey {
    ObjectKey::cluster(Kind::Node, ":monitor")
}

/// The `NoExecute` tainting pass, as a key of this controller.
pub fn taint_pass_key() -> ObjectKey {
    ObjectKey::cluster(Kind::Node, ":no-execute-taint-pass")
}

/// The kube-controller-manager flags of this controller, with their v1.35 defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLifecycleConfig {
    /// `--node-monitor-period` (5 s).
    pub monitor_period: SimDuration,
    /// `--node-monitor-grace-period` (50 s since v1.32, 40 s before).
    pub monitor_grace_period: SimDuration,
    /// `--node-startup-grace-period` (1 min): for nodes that never posted a Ready condition.
    pub startup_grace_period: SimDuration,
    /// `1 / --node-eviction-rate` (0.1 nodes/s): the time between two `NoExecute` taintings in
    /// a zone.
    pub eviction_interval: SimDuration,
    /// `1 / --secondary-node-eviction-rate` (0.01 nodes/s), for partially disrupted large
    /// zones.
    pub secondary_eviction_interval: SimDuration,
    /// `--large-cluster-size-threshold` (50).
    pub large_cluster_threshold: usize,
    /// `--unhealthy-zone-threshold` (0.55), in percent.
    pub unhealthy_zone_threshold_percent: usize,
}

impl Default for NodeLifecycleConfig {
    fn default() -> Self {
        NodeLifecycleConfig {
            monitor_period: SimDuration::from_secs(5),
            monitor_grace_period: SimDuration::from_secs(50),
            startup_grace_period: SimDuration::from_secs(60),
            eviction_interval: SimDuration::from_secs(10),
            secondary_eviction_interval: SimDuration::from_secs(100),
            large_cluster_threshold: 50,
            unhealthy_zone_threshold_percent: 55,
        }
    }
}

/// A zone's state (`ZoneState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ZoneState {
    Initial,
    Normal,
    FullDisruption,
    PartialDisruption,
}

/// What the controller last saw of a node (`nodeHealthData`).
#[derive(Clone, Debug)]
struct NodeHealth {
    /// The pass at which the last sign of life was seen.
    probe: SimTime,
    ready_transition: SimTime,
    /// The Ready condition of the status last seen.
    ready: Option<NodeCondition>,
    /// The Lease last seen: `Some(renewTime)` once a Lease was seen.
    lease: Option<Option<MicroTime>>,
}

/// A token bucket of burst 1 (`flowcontrol.NewTokenBucketRateLimiter(qps, 1)`), or one that
/// never accepts (`NewFakeNeverRateLimiter`) when the interval is `None`.
#[derive(Clone, Debug)]
struct Limiter {
    interval: Option<SimDuration>,
    next_token: SimTime,
}

impl Limiter {
    fn try_accept(&mut self, now: SimTime) -> bool {
        match self.interval {
            Some(i) if now >= self.next_token => {
                self.next_token = now + i;
                true
            }
            _ => false,
        }
    }

    /// `SwapLimiter`: a new full bucket, drained if the old one had no token.
    fn swap(&mut self, interval: Option<SimDuration>, now: SimTime) {
        if interval == self.interval {
            return;
        }
        let mut next_token = now;
        if let Some(i) = interval
            && !self.try_accept(now)
        {
            next_token = now + i;
        }
        *self = Limiter {
            interval,
            next_token,
        };
    }
}

/// One queued node of a zone's tainter.
#[derive(Clone, Debug)]
struct Queued {
    node: String,
    process_at: SimTime,
    seq: u64,
}

/// A zone's `RateLimitedTimedQueue`: a queue ordered by process time, plus the set of every
/// node added and not removed (a node tainted successfully leaves the queue but stays in the
/// set, so it is not queued again).
#[derive(Clone, Debug)]
struct ZoneTainter {
    queue: Vec<Queued>,
    set: BTreeSet<String>,
    limiter: Limiter,
    seq: u64,
}

impl ZoneTainter {
    fn add(&mut self, node: &str, now: SimTime) -> bool {
        if !self.set.insert(node.to_string()) {
            return false;
        }
        self.seq += 1;
        self.queue.push(Queued {
            node: node.to_string(),
            process_at: now,
            seq: self.seq,
        });
        true
    }

    fn remove(&mut self, node: &str) -> bool {
        self.queue.retain(|q| q.node != node);
        self.set.remove(node)
    }

    fn head(&self) -> Option<Queued> {
        self.queue
            .iter()
            .min_by_key(|q| (q.process_at, q.seq))
            .cloned()
    }
}

/// The node lifecycle controller.
pub struct NodeLifecycleController {
    config: NodeLifecycleConfig,
    /// The monitor loop has been asked to start.
    started: Cell<bool>,
    /// Nodes seen by the monitor, with their uids (`knownNodeSet`).
    known: BTreeMap<String, String>,
    health: BTreeMap<String, NodeHealth>,
    zone_states: BTreeMap<String, ZoneState>,
    tainters: BTreeMap<String, ZoneTainter>,
    nodes_to_retry: BTreeSet<String>,
}

impl Default for NodeLifecycleController {
    fn default() -> Self {
        NodeLifecycleController::new(NodeLifecycleConfig::default())
    }
}

fn source() -> EventSource {
    EventSource::component("node-controller")
}

/// `GetZoneKey`: region and zone from the topology labels (the deprecated failure-domain
/// labels win), or "" when neither is set.
pub fn zone_key(node: &Node) -> String {
    let Some(labels) = node.metadata.labels.as_ref() else {
        return String::new();
    };
    let zone = labels
        .get("failure-domain.beta.kubernetes.io/zone")
        .or_else(|| labels.get("topology.kubernetes.io/zone"))
        .cloned()
        .unwrap_or_default();
    let region = labels
        .get("failure-domain.beta.kubernetes.io/region")
        .or_else(|| labels.get("topology.kubernetes.io/region"))
        .cloned()
        .unwrap_or_default();
    if region.is_empty() && zone.is_empty() {
        return String::new();
    }
    format!("{region}:\u{0}:{zone}")
}

fn node_name(node: &Node) -> &str {
    node.metadata.name.as_deref().unwrap_or("")
}

fn node_uid(node: &Node) -> &str {
    node.metadata.uid.as_deref().unwrap_or("")
}

/// `MicroTime.Before` with nil handling: false when either is unset.
fn renewed_before(a: &Option<MicroTime>, b: &Option<MicroTime>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.0 < b.0,
        _ => false,
    }
}

/// The node's Lease `renewTime`, `Some(..)` when the Lease exists.
fn lease_renew_time(api: &ApiServer, node: &str) -> Option<Option<MicroTime>> {
    match api
        .try_get(&ObjectKey::new(Kind::Lease, NODE_LEASE_NAMESPACE, node))
        .map(|o| &**o)
    {
        Some(Object::Lease(l)) => Some(l.spec.as_ref().and_then(|s| s.renew_time.clone())),
        _ => None,
    }
}

/// `MarkPodsNotReady`: sets `Ready=False` on every pod of `node` in `pods` and records a
/// Warning `NodeNotReady` event on each. Err when a write failed (other than NotFound).
fn mark_pods_not_ready(cx: &mut Cx<'_>, pods: &[Object], node: &str) -> Result<(), ApiError> {
    let now = cx.now.to_k8s_time();
    let mut first_error = None;
    for obj in pods {
        let Object::Pod(pod) = obj else { continue };
        if pod_node_name(pod) != node {
            continue;
        }
        let Some(ready) = pod_condition(pod, "Ready") else {
            continue;
        };
        let mut cond = ready.clone();
        cond.status = "False".into();
        let mut status = pod.status.clone().unwrap_or_default();
        if !update_pod_condition(&mut status, cond, &now) {
            continue;
        }
        let mut updated = pod.clone();
        updated.status = Some(status);
        match cx.update_status(Object::Pod(updated)) {
            Ok(_) => {}
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
        cx.record_event(
            &source(),
            obj,
            "Warning",
            "NodeNotReady",
            "Node is not ready",
        );
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl NodeLifecycleController {
    /// A controller with the given flags.
    pub fn new(config: NodeLifecycleConfig) -> Self {
        NodeLifecycleController {
            config,
            started: Cell::new(false),
            known: BTreeMap::new(),
            health: BTreeMap::new(),
            zone_states: BTreeMap::new(),
            tainters: BTreeMap::new(),
            nodes_to_retry: BTreeSet::new(),
        }
    }

    /// `addPodEvictorForNewZone`.
    fn add_zone(&mut self, zone: &str, now: SimTime) {
        if self.zone_states.contains_key(zone) {
            return;
        }
        self.zone_states
            .insert(zone.to_string(), ZoneState::Initial);
        let interval = Some(self.config.eviction_interval);
        self.tainters
            .entry(zone.to_string())
            .or_insert_with(|| ZoneTainter {
                queue: Vec::new(),
                set: BTreeSet::new(),
                limiter: Limiter {
                    interval,
                    next_token: now,
                },
                seq: 0,
            });
    }

    /// `monitorNodeHealth`: one pass over every node.
    fn monitor_node_health(&mut self, cx: &mut Cx<'_>) {
        let now = cx.now;
        let nodes: Vec<Node> = cx
            .read()
            .iter_kind(Kind::Node, None)
            .filter_map(|o| match &**o {
                Object::Node(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let names: BTreeSet<&str> = nodes.iter().map(node_name).collect();
        // classifyNodes.
        let mut added = Vec::new();
        for n in &nodes {
            if !self.known.contains_key(node_name(n)) {
                added.push(n.clone());
            } else {
                let zone = zone_key(n);
                self.add_zone(&zone, now);
            }
        }
        let deleted: Vec<(String, String)> = self
            .known
            .iter()
            .filter(|(k, _)| !names.contains(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for n in &added {
            let name = node_name(n).to_string();
            let involved = event_ref(Kind::Node, "", &name, node_uid(n));
            cx.record_event(
                &source(),
                &involved,
                "Normal",
                "RegisteredNode",
                &format!("Node {name} event: Registered Node {name} in Controller"),
            );
            self.known.insert(name.clone(), node_uid(n).to_string());
            self.add_zone(&zone_key(n), now);
            self.mark_node_as_reachable(cx, &name, &zone_key(n));
        }
        for (name, uid) in deleted {
            let involved = event_ref(Kind::Node, "", &name, &uid);
            cx.record_event(
                &source(),
                &involved,
                "Normal",
                "RemovingNode",
                &format!("Node {name} event: Removing Node {name} from Controller"),
            );
            self.known.remove(&name);
        }

        let mut zone_conditions: BTreeMap<String, Vec<Option<NodeCondition>>> = BTreeMap::new();
        for node in &nodes {
            let name = node_name(node).to_string();
            let Ok((observed, current)) = self.try_update_node_health(cx, node) else {
                // Upstream retries a few times, then skips the node for this pass.
                continue;
            };
            let excluded = node
                .metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(LABEL_EXCLUDE_DISRUPTION));
            if !excluded {
                zone_conditions
                    .entry(zone_key(node))
                    .or_default()
                    .push(current.clone());
            }
            if let Some(current) = &current {
                self.process_taint_base_eviction(cx, node, &observed);
                let needs_retry = self.nodes_to_retry.contains(&name);
                let went_not_ready = current.status != "True" && observed.status == "True";
                if went_not_ready {
                    // RecordNodeStatusChange.
                    let involved = event_ref(Kind::Node, "", &name, node_uid(node));
                    cx.record_event(
                        &source(),
                        &involved,
                        "Normal",
                        "NodeNotReady",
                        &format!("Node {name} status is now: NodeNotReady"),
                    );
                }
                if went_not_ready || (needs_retry && observed.status != "True") {
                    let pods: Vec<Object> = pods_on_node(cx.read(), &name)
                        .into_iter()
                        .map(|p| (*p).clone())
                        .collect();
                    if mark_pods_not_ready(cx, &pods, &name).is_err() {
                        self.nodes_to_retry.insert(name);
                        continue;
                    }
                }
            }
            self.nodes_to_retry.remove(&name);
        }
        self.handle_disruption(cx, &zone_conditions, &nodes);
        self.schedule_taint_pass(cx);
    }

    /// `tryUpdateNodeHealth`: returns the Ready condition observed at the start of the pass
    /// and the one after it (Unknown when the grace period ran out).
    fn try_update_node_health(
        &mut self,
        cx: &mut Cx<'_>,
        node: &Node,
    ) -> Result<(NodeCondition, Option<NodeCondition>), ApiError> {
        let now = cx.now;
        let name = node_name(node).to_string();
        let creation = node.metadata.creation_timestamp.clone();
        let created_at = creation
            .as_ref()
            .and_then(SimTime::from_k8s_time)
            .unwrap_or(SimTime::ZERO);
        let mut health = self.health.get(&name).cloned();
        let current_ready = node_condition(node, "Ready").cloned();
        let (observed, grace) = match &current_ready {
            None => {
                match health.as_mut() {
                    Some(h) => h.ready = None,
                    None => {
                        health = Some(NodeHealth {
                            probe: created_at,
                            ready_transition: created_at,
                            ready: None,
                            lease: None,
                        })
                    }
                }
                let observed = NodeCondition {
                    type_: "Ready".into(),
                    status: "Unknown".into(),
                    last_heartbeat_time: creation.clone(),
                    last_transition_time: creation.clone(),
                    ..Default::default()
                };
                (observed, self.config.startup_grace_period)
            }
            Some(c) => (c.clone(), self.config.monitor_grace_period),
        };
        let saved_ready = health.as_ref().and_then(|h| h.ready.clone());
        let saved_lease = health.as_ref().and_then(|h| h.lease.clone());
        let fresh = |ready: Option<NodeCondition>| NodeHealth {
            probe: now,
            ready_transition: now,
            ready,
            lease: None,
        };
        let mut health = match (health, &saved_ready, &current_ready) {
            (None, _, _) => fresh(current_ready.clone()),
            (Some(_), None, Some(_)) => fresh(current_ready.clone()),
            (Some(_), Some(_), None) => fresh(None),
            (Some(h), Some(saved), Some(cur))
                if saved.last_heartbeat_time != cur.last_heartbeat_time =>
            {
                let ready_transition = if saved.last_transition_time != cur.last_transition_time {
                    now
                } else {
                    h.ready_transition
                };
                NodeHealth {
                    probe: now,
                    ready_transition,
                    ready: current_ready.clone(),
                    lease: None,
                }
            }
            (Some(h), _, _) => h,
        };
        // A renewed Lease is a sign of life too.
        let observed_lease = lease_renew_time(cx.read(), &name);
        if let Some(renew) = &observed_lease {
            let newer = match &saved_lease {
                None => true,
                Some(saved) => renewed_before(saved, renew),
            };
            if newer {
                health.lease = Some(renew.clone());
                health.probe = now;
            }
        }

        let mut current = current_ready.clone();
        if now > health.probe + grace {
            let now_t = now.to_k8s_time();
            let mut updated = node.clone();
            let conditions = updated
                .status
                .get_or_insert_with(Default::default)
                .conditions
                .get_or_insert_with(Vec::new);
            for type_ in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
                match conditions.iter_mut().find(|c| c.type_ == type_) {
                    None => conditions.push(NodeCondition {
                        type_: type_.into(),
                        status: "Unknown".into(),
                        reason: Some("NodeStatusNeverUpdated".into()),
                        message: Some("Kubelet never posted node status.".into()),
                        last_heartbeat_time: creation.clone(),
                        last_transition_time: Some(now_t.clone()),
                    }),
                    Some(c) if c.status != "Unknown" => {
                        c.status = "Unknown".into();
                        c.reason = Some("NodeStatusUnknown".into());
                        c.message = Some("Kubelet stopped posting node status.".into());
                        c.last_transition_time = Some(now_t.clone());
                    }
                    Some(_) => {}
                }
            }
            current = node_condition(&updated, "Ready").cloned();
            if current.as_ref() != Some(&observed) {
                if let Err(e) = cx.update_status(Object::Node(updated)) {
                    self.health.insert(name, health);
                    return Err(e);
                }
                health = NodeHealth {
                    probe: health.probe,
                    ready_transition: now,
                    ready: current.clone(),
                    lease: observed_lease,
                };
            }
        }
        self.health.insert(name, health);
        Ok((observed, current))
    }

    /// `processTaintBaseEviction`: the `NoExecute` taint follows the Ready condition observed
    /// at the start of the pass.
    fn process_taint_base_eviction(
        &mut self,
        cx: &mut Cx<'_>,
        node: &Node,
        observed: &NodeCondition,
    ) {
        let name = node_name(node).to_string();
        let zone = zone_key(node);
        let taints: Vec<Taint> = get_node(cx.read(), &name)
            .map(|n| node_taints(&n).to_vec())
            .unwrap_or_default();
        let unreachable = taint(TAINT_UNREACHABLE, NO_EXECUTE);
        let not_ready = taint(TAINT_NOT_READY, NO_EXECUTE);
        let now = cx.now;
        match observed.status.as_str() {
            "False" => {
                if taint_exists(&taints, &unreachable) {
                    swap_node_controller_taint(cx, &name, &[not_ready], &[unreachable], now);
                } else {
                    self.mark_node_for_tainting(&name, &zone, &taints, "False", now);
                }
            }
            "Unknown" => {
                if taint_exists(&taints, &not_ready) {
                    swap_node_controller_taint(cx, &name, &[unreachable], &[not_ready], now);
                } else {
                    self.mark_node_for_tainting(&name, &zone, &taints, "Unknown", now);
                }
            }
            "True" => {
                self.mark_node_as_reachable(cx, &name, &zone);
            }
            _ => {}
        }
    }

    /// `markNodeForTainting`.
    fn mark_node_for_tainting(
        &mut self,
        name: &str,
        zone: &str,
        taints: &[Taint],
        status: &str,
        now: SimTime,
    ) -> bool {
        self.add_zone(zone, now);
        let tainter = self
            .tainters
            .get_mut(zone)
            .expect("add_zone created the zone's tainter");
        let wanted = match status {
            "False" => TAINT_NOT_READY,
            _ => TAINT_UNREACHABLE,
        };
        if !taint_exists(taints, &taint(wanted, NO_EXECUTE)) {
            tainter.remove(name);
        }
        tainter.add(name, now)
    }

    /// `markNodeAsReachable`: removes both `NoExecute` condition taints and forgets the node
    /// in its zone's queue.
    fn mark_node_as_reachable(&mut self, cx: &mut Cx<'_>, name: &str, zone: &str) -> bool {
        if remove_taints(cx, name, &[taint(TAINT_UNREACHABLE, NO_EXECUTE)]).is_err() {
            return false;
        }
        if remove_taints(cx, name, &[taint(TAINT_NOT_READY, NO_EXECUTE)]).is_err() {
            return false;
        }
        self.tainters.get_mut(zone).is_some_and(|t| t.remove(name))
    }

    /// Wakes the tainting pass when a queue holds nodes its limiter may let through.
    fn schedule_taint_pass(&self, cx: &mut Cx<'_>) {
        let now = cx.now;
        let period = cx.profile.get(PROFILE_TAINT_PASS);
        let mut due: Option<SimDuration> = None;
        for t in self.tainters.values() {
            let Some(head) = t.head() else { continue };
            if t.limiter.interval.is_none() {
                continue;
            }
            let wait = t
                .limiter
                .next_token
                .saturating_since(now)
                .max(head.process_at.saturating_since(now))
                .max(period);
            due = Some(due.map_or(wait, |d| d.min(wait)));
        }
        if let Some(d) = due {
            cx.enqueue_after(taint_pass_key(), d.max(SimDuration::from_ms(1)));
        }
    }

    /// `doNoExecuteTaintingPass`.
    fn no_execute_tainting_pass(&mut self, cx: &mut Cx<'_>) {
        let now = cx.now;
        let zones: Vec<String> = self.tainters.keys().cloned().collect();
        for zone in zones {
            loop {
                let tainter = self
                    .tainters
                    .get_mut(&zone)
                    .expect("zones are never removed from the tainters");
                let Some(head) = tainter.head() else { break };
                if !tainter.limiter.try_accept(now) {
                    break;
                }
                if now < head.process_at {
                    break;
                }
                let (done, wait) = match get_node(cx.read(), &head.node) {
                    None => (true, SimDuration::ZERO),
                    Some(node) => match node_condition(&node, "Ready").map(|c| c.status.clone()) {
                        None => (false, SimDuration::from_ms(50)),
                        Some(s) if s == "False" => (
                            swap_node_controller_taint(
                                cx,
                                &head.node,
                                &[taint(TAINT_NOT_READY, NO_EXECUTE)],
                                &[taint(TAINT_UNREACHABLE, NO_EXECUTE)],
                                now,
                            ),
                            SimDuration::ZERO,
                        ),
                        Some(s) if s == "Unknown" => (
                            swap_node_controller_taint(
                                cx,
                                &head.node,
                                &[taint(TAINT_UNREACHABLE, NO_EXECUTE)],
                                &[taint(TAINT_NOT_READY, NO_EXECUTE)],
                                now,
                            ),
                            SimDuration::ZERO,
                        ),
                        // Ready again: nothing to taint.
                        Some(_) => (true, SimDuration::ZERO),
                    },
                };
                let tainter = self
                    .tainters
                    .get_mut(&zone)
                    .expect("zones are never removed from the tainters");
                if done {
                    // Leaves the queue, stays in the set.
                    tainter.queue.retain(|q| q.seq != head.seq);
                } else if let Some(q) = tainter.queue.iter_mut().find(|q| q.seq == head.seq) {
                    q.process_at = now + wait + SimDuration::from_ms(1);
                }
            }
        }
        self.schedule_taint_pass(cx);
    }

    /// `ComputeZoneState`.
    fn compute_zone_state(&self, conditions: &[Option<NodeCondition>]) -> ZoneState {
        let ready = conditions
            .iter()
            .filter(|c| c.as_ref().is_some_and(|c| c.status == "True"))
            .count();
        let not_ready = conditions.len() - ready;
        if ready == 0 && not_ready > 0 {
            ZoneState::FullDisruption
        } else if not_ready > 2
            && not_ready * 100 >= self.config.unhealthy_zone_threshold_percent * conditions.len()
        {
            ZoneState::PartialDisruption
        } else {
            ZoneState::Normal
        }
    }

    /// `setLimiterInZone`.
    fn set_limiter_in_zone(
        &mut self,
        zone: &str,
        zone_size: usize,
        state: ZoneState,
        now: SimTime,
    ) {
        let interval = match state {
            ZoneState::Normal | ZoneState::FullDisruption => Some(self.config.eviction_interval),
            ZoneState::PartialDisruption => (zone_size > self.config.large_cluster_threshold)
                .then_some(self.config.secondary_eviction_interval),
            ZoneState::Initial => return,
        };
        if let Some(t) = self.tainters.get_mut(zone) {
            t.limiter.swap(interval, now);
        }
    }

    /// `handleDisruption`.
    fn handle_disruption(
        &mut self,
        cx: &mut Cx<'_>,
        zone_conditions: &BTreeMap<String, Vec<Option<NodeCondition>>>,
        nodes: &[Node],
    ) {
        let now = cx.now;
        let mut new_states = BTreeMap::new();
        let mut all_are_fully_disrupted = true;
        for (zone, conditions) in zone_conditions {
            let state = self.compute_zone_state(conditions);
            if state != ZoneState::FullDisruption {
                all_are_fully_disrupted = false;
            }
            new_states.insert(zone.clone(), state);
            self.zone_states
                .entry(zone.clone())
                .or_insert(ZoneState::Initial);
        }
        let mut all_were_fully_disrupted = true;
        let zones: Vec<String> = self.zone_states.keys().cloned().collect();
        for zone in zones {
            if !zone_conditions.contains_key(&zone) {
                self.zone_states.remove(&zone);
                continue;
            }
            if self.zone_states[&zone] != ZoneState::FullDisruption {
                all_were_fully_disrupted = false;
                break;
            }
        }
        if all_are_fully_disrupted && all_were_fully_disrupted {
            return;
        }
        let zones: Vec<String> = self.zone_states.keys().cloned().collect();
        if all_are_fully_disrupted {
            // Every node is unready: the problem is more likely the control plane's own
            // network than the nodes. Stop tainting and lift the NoExecute taints.
            for n in nodes {
                self.mark_node_as_reachable(cx, node_name(n), &zone_key(n));
            }
            for zone in &zones {
                if let Some(t) = self.tainters.get_mut(zone) {
                    t.limiter.swap(None, now);
                }
                self.zone_states
                    .insert(zone.clone(), ZoneState::FullDisruption);
            }
            return;
        }
        if all_were_fully_disrupted {
            for n in nodes {
                if let Some(h) = self.health.get_mut(node_name(n)) {
                    h.probe = now;
                    h.ready_transition = now;
                }
            }
            for zone in &zones {
                let Some(state) = new_states.get(zone).copied() else {
                    continue;
                };
                let size = zone_conditions.get(zone).map_or(0, Vec::len);
                self.set_limiter_in_zone(zone, size, state, now);
                self.zone_states.insert(zone.clone(), state);
            }
            return;
        }
        for zone in &zones {
            let Some(state) = new_states.get(zone).copied() else {
                continue;
            };
            if self.zone_states.get(zone) == Some(&state) {
                continue;
            }
            let size = zone_conditions.get(zone).map_or(0, Vec::len);
            self.set_limiter_in_zone(zone, size, state, now);
            self.zone_states.insert(zone.clone(), state);
        }
    }

    /// `doNoScheduleTaintingPass`: the `NoSchedule` taints for the node's conditions and for
    /// `spec.unschedulable` (cordon).
    fn no_schedule_tainting_pass(&self, cx: &mut Cx<'_>, name: &str) {
        let Some(node) = get_node(cx.read(), name) else {
            return;
        };
        let mut wanted: Vec<Taint> = Vec::new();
        for c in node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_deref())
            .unwrap_or(&[])
        {
            let key = match (c.type_.as_str(), c.status.as_str()) {
                ("Ready", "False") => TAINT_NOT_READY,
                ("Ready", "Unknown") => TAINT_UNREACHABLE,
                ("MemoryPressure", "True") => TAINT_MEMORY_PRESSURE,
                ("DiskPressure", "True") => TAINT_DISK_PRESSURE,
                ("NetworkUnavailable", "True") => TAINT_NETWORK_UNAVAILABLE,
                ("PIDPressure", "True") => TAINT_PID_PRESSURE,
                _ => continue,
            };
            wanted.push(taint(key, NO_SCHEDULE));
        }
        if node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
            wanted.push(taint(TAINT_UNSCHEDULABLE, NO_SCHEDULE));
        }
        let managed = [
            TAINT_UNSCHEDULABLE,
            TAINT_NOT_READY,
            TAINT_UNREACHABLE,
            TAINT_NETWORK_UNAVAILABLE,
            TAINT_MEMORY_PRESSURE,
            TAINT_DISK_PRESSURE,
            TAINT_PID_PRESSURE,
        ];
        let existing: Vec<Taint> = node_taints(&node)
            .iter()
            .filter(|t| t.effect == NO_SCHEDULE && managed.contains(&t.key.as_str()))
            .cloned()
            .collect();
        let add: Vec<Taint> = wanted
            .iter()
            .filter(|t| !taint_exists(&existing, t))
            .cloned()
            .collect();
        let del: Vec<Taint> = existing
            .iter()
            .filter(|t| !taint_exists(&wanted, t))
            .cloned()
            .collect();
        if add.is_empty() && del.is_empty() {
            return;
        }
        let now = cx.now;
        swap_node_controller_taint(cx, name, &add, &del, now);
    }

    /// `reconcileNodeLabels`: the beta OS and arch labels follow the stable ones.
    fn reconcile_node_labels(&self, cx: &mut Cx<'_>, name: &str) {
        let Some(node) = get_node(cx.read(), name) else {
            return;
        };
        let Some(labels) = node.metadata.labels.as_ref() else {
            return;
        };
        let mut updates = serde_json::Map::new();
        for (primary, secondary) in [
            ("kubernetes.io/os", "beta.kubernetes.io/os"),
            ("kubernetes.io/arch", "beta.kubernetes.io/arch"),
        ] {
            let Some(value) = labels.get(primary) else {
                continue;
            };
            if labels.get(secondary) != Some(value) {
                updates.insert(secondary.to_string(), json!(value));
            }
        }
        if updates.is_empty() {
            return;
        }
        let _ = cx.patch(
            &ObjectKey::cluster(Kind::Node, name),
            PatchType::Strategic,
            &json!({"metadata": {"labels": updates}}),
            Subresource::None,
        );
    }

    /// `processPod`: a pod newly bound to a node already seen not ready is marked not ready.
    fn process_pod(&self, cx: &mut Cx<'_>, key: &ObjectKey) -> Requeue {
        let Some(pod) = get_pod(cx.read(), key) else {
            return Requeue::No;
        };
        let node = pod_node_name(&pod).to_string();
        let Some(health) = self.health.get(&node) else {
            return Requeue::No;
        };
        if get_node(cx.read(), &node).is_none() {
            return Requeue::No;
        }
        let Some(ready) = &health.ready else {
            return Requeue::No;
        };
        if ready.status != "True" && mark_pods_not_ready(cx, &[Object::Pod(pod)], &node).is_err() {
            // The pod work queue retries with back-off.
            return Requeue::After(SimDuration::from_secs(1));
        }
        Requeue::No
    }
}

impl Controller for NodeLifecycleController {
    fn name(&self) -> &'static str {
        "node-lifecycle-controller"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match &**obj {
            Object::Node(_) if event.event_type != WatchEventType::Deleted => {
                let mut keys = vec![obj.key()];
                if !self.started.replace(true) {
                    keys.push(monitor_key());
                }
                keys
            }
            Object::Pod(pod) if event.event_type != WatchEventType::Deleted => {
                let node = pod_node_name(pod);
                let old_node = match event.old.as_deref() {
                    Some(Object::Pod(old)) => pod_node_name(old),
                    _ => "",
                };
                if !node.is_empty() && node != old_node {
                    vec![obj.key()]
                } else {
                    vec![]
                }
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if *key == monitor_key() {
            self.started.set(true);
            self.monitor_node_health(cx);
            return Requeue::After(self.config.monitor_period);
        }
        if *key == taint_pass_key() {
            self.no_execute_tainting_pass(cx);
            return Requeue::No;
        }
        match key.kind {
            Kind::Node => {
                self.no_schedule_tainting_pass(cx, &key.name);
                self.reconcile_node_labels(cx, &key.name);
                if !self.started.replace(true) {
                    cx.enqueue_after(monitor_key(), SimDuration::ZERO);
                }
                Requeue::No
            }
            Kind::Pod => self.process_pod(cx, key),
            _ => Requeue::No,
        }
    }
}

#[cfg(test)]
mod tests;
