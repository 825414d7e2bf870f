//! The pod garbage collector (`pkg/controller/podgc/gc_controller.go`), every 20 s:
//!
//! - terminated pods (Succeeded/Failed) beyond `--terminated-pod-gc-threshold` (12500) are
//!   deleted, evicted ones first, then oldest first (N12);
//! - terminating pods on a node that is not ready and carries the
//!   `node.kubernetes.io/out-of-service` taint are force-deleted (N11, non-graceful node
//!   shutdown);
//! - pods bound to a node that no longer exists are marked `Failed` with
//!   `DisruptionTarget=True` (reason `DeletionByPodGC`, message `PodGC: node no longer exists`)
//!   and force-deleted, once the node has been missing for a 40 s quarantine and a live read
//!   confirms it (N10);
//! - terminating pods that were never scheduled are force-deleted.
//!
//! "Force-deleted" means: phase set to `Failed` (unless already terminal), then a delete with
//! grace period 0, which removes the object at once.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{Pod, PodCondition};

use super::util::{
    TAINT_OUT_OF_SERVICE, get_node, is_node_ready, node_taints, patch_pod_status,
    pod_condition_true, pod_key, pod_node_name, pod_phase, update_pod_condition,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, WatchEvent};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, Requeue};

/// The GC pass, as a key of this controller (`:` never appears in a pod name).
pub fn gc_key() -> ObjectKey {
    ObjectKey::cluster(Kind::Pod, ":gc")
}

/// The controller's settings, with their v1.35 defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodGcConfig {
    /// `gcCheckPeriod` (20 s).
    pub period: SimDuration,
    /// `quarantineTime` (40 s): how long a missing node is waited for.
    pub quarantine: SimDuration,
    /// `--terminated-pod-gc-threshold` (12500); 0 turns that part off.
    pub terminated_pod_threshold: usize,
}

impl Default for PodGcConfig {
    fn default() -> Self {
        PodGcConfig {
            period: SimDuration::from_secs(20),
            quarantine: SimDuration::from_secs(40),
            terminated_pod_threshold: 12500,
        }
    }
}

/// The pod garbage collector.
pub struct PodGcController {
    config: PodGcConfig,
    started: Cell<bool>,
    /// Missing nodes and when their quarantine ends (`nodeQueue`).
    quarantine: BTreeMap<String, SimTime>,
}

impl Default for PodGcController {
    fn default() -> Self {
        PodGcController::new(PodGcConfig::default())
    }
}

/// `eviction.PodIsEvicted`: Failed with reason `Evicted`.
fn is_evicted(pod: &Pod) -> bool {
    pod_phase(pod) == "Failed"
        && pod.status.as_ref().and_then(|s| s.reason.as_deref()) == Some("Evicted")
}

/// `byEvictionAndCreationTimestamp`.
fn sort_for_deletion(pods: &mut [Pod]) {
    pods.sort_by(|a, b| {
        is_evicted(b)
            .cmp(&is_evicted(a))
            .then_with(|| {
                a.metadata
                    .creation_timestamp
                    .cmp(&b.metadata.creation_timestamp)
            })
            .then_with(|| a.metadata.name.cmp(&b.metadata.name))
    });
}

/// `markFailedAndDeletePodWithCondition`.
fn mark_failed_and_delete(
    cx: &mut Cx<'_>,
    pod: &Pod,
    condition: Option<PodCondition>,
) -> Result<(), ApiError> {
    let phase = pod_phase(pod);
    if phase != "Succeeded" && phase != "Failed" {
        let mut status = pod.status.clone().unwrap_or_default();
        status.phase = Some("Failed".into());
        if let Some(c) = condition {
            update_pod_condition(&mut status, c, &cx.now.to_k8s_time());
        }
        patch_pod_status(cx, pod, &status)?;
    }
    cx.delete(
        &pod_key(pod),
        &DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    )
    .map(|_| ())
}

impl PodGcController {
    /// A collector with the given settings.
    pub fn new(config: PodGcConfig) -> Self {
        PodGcController {
            config,
            started: Cell::new(false),
            quarantine: BTreeMap::new(),
        }
    }

    /// `gc`: one pass.
    fn gc(&mut self, cx: &mut Cx<'_>) {
        let pods: Vec<Pod> = cx
            .read()
            .iter_kind(Kind::Pod, None)
            .filter_map(|o| match &**o {
                Object::Pod(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let nodes: BTreeSet<String> = cx
            .read()
            .iter_kind(Kind::Node, None)
            .map(|o| o.name().to_string())
            .collect();
        if self.config.terminated_pod_threshold > 0 {
            self.gc_terminated(cx, &pods);
        }
        self.gc_terminating(cx, &pods);
        self.gc_orphaned(cx, &pods, &nodes);
        self.gc_unscheduled_terminating(cx, &pods);
    }

    fn gc_terminated(&self, cx: &mut Cx<'_>, pods: &[Pod]) {
        let mut terminated: Vec<Pod> = pods
            .iter()
            .filter(|p| !matches!(pod_phase(p), "Pending" | "Running" | "Unknown"))
            .cloned()
            .collect();
        let Some(excess) = terminated
            .len()
            .checked_sub(self.config.terminated_pod_threshold)
            .filter(|n| *n > 0)
        else {
            return;
        };
        sort_for_deletion(&mut terminated);
        for p in &terminated[..excess] {
            let _ = mark_failed_and_delete(cx, p, None);
        }
    }

    fn gc_terminating(&self, cx: &mut Cx<'_>, pods: &[Pod]) {
        let mut out_of_service: Vec<Pod> = Vec::new();
        for p in pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_some())
        {
            let Some(node) = get_node(cx.read(), pod_node_name(p)) else {
                continue;
            };
            if !is_node_ready(&node)
                && node_taints(&node)
                    .iter()
                    .any(|t| t.key == TAINT_OUT_OF_SERVICE)
            {
                out_of_service.push(p.clone());
            }
        }
        sort_for_deletion(&mut out_of_service);
        for p in &out_of_service {
            let _ = mark_failed_and_delete(cx, p, None);
        }
    }

    fn gc_orphaned(&mut self, cx: &mut Cx<'_>, pods: &[Pod], nodes: &BTreeSet<String>) {
        let now = cx.now;
        for p in pods {
            let node = pod_node_name(p);
            if !node.is_empty() && !nodes.contains(node) {
                let ready_at = now + self.config.quarantine;
                let entry = self.quarantine.entry(node.to_string()).or_insert(ready_at);
                if ready_at < *entry {
                    *entry = ready_at;
                }
            }
        }
        // discoverDeletedNodes: nodes whose quarantine ended, confirmed missing by a live read.
        let ready: Vec<String> = self
            .quarantine
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(n, _)| n.clone())
            .collect();
        let mut deleted = BTreeSet::new();
        for node in ready {
            self.quarantine.remove(&node);
            if !nodes.contains(&node) && get_node(cx.read(), &node).is_none() {
                deleted.insert(node);
            }
        }
        for p in pods {
            if !deleted.contains(pod_node_name(p)) {
                continue;
            }
            let condition = pod_condition_true(
                "DisruptionTarget",
                "DeletionByPodGC",
                "PodGC: node no longer exists",
            );
            let _ = mark_failed_and_delete(cx, p, Some(condition));
        }
    }

    fn gc_unscheduled_terminating(&self, cx: &mut Cx<'_>, pods: &[Pod]) {
        for p in pods {
            if p.metadata.deletion_timestamp.is_none() || !pod_node_name(p).is_empty() {
                continue;
            }
            let _ = mark_failed_and_delete(cx, p, None);
        }
    }
}

impl Controller for PodGcController {
    fn name(&self) -> &'static str {
        "pod-garbage-collector"
    }

    /// The collector runs on a timer; the first pod or node it hears of starts the timer.
    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        match event.object.kind() {
            Kind::Pod | Kind::Node if !self.started.replace(true) => vec![gc_key()],
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if *key != gc_key() {
            return Requeue::No;
        }
        self.started.set(true);
        self.gc(cx);
        Requeue::After(self.config.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::node::testing::{
        create_running_pod, node_with_taints, set_up, taint_at,
    };
    use crate::sim::testing::Harness;

    fn pod(h: &Harness, name: &str) -> Option<Pod> {
        super::super::util::get_pod(&h.api, &ObjectKey::new(Kind::Pod, "default", name))
    }

    #[test]
    fn pods_of_a_deleted_node_are_failed_and_force_deleted_after_the_quarantine() {
        let mut h = Harness::default();
        set_up(&mut h);
        create_running_pod(&mut h.api, "web-0", "kind-worker", &[]);
        h.api
            .delete(
                &ObjectKey::cluster(Kind::Node, "kind-worker"),
                &DeleteOptions::default(),
            )
            .unwrap();
        let mut gc = PodGcController::default();
        let _ = h.reconcile(&mut gc, &gc_key());
        assert!(pod(&h, "web-0").is_some(), "quarantined first");
        h.set_now(SimTime::from_ms(20_000));
        let _ = h.reconcile(&mut gc, &gc_key());
        assert!(pod(&h, "web-0").is_some(), "still quarantined at 20 s");
        h.take_calls();
        h.set_now(SimTime::from_ms(40_000));
        let _ = h.reconcile(&mut gc, &gc_key());
        assert_eq!(
            h.take_calls(),
            ["patch-status Pod default/web-0", "delete Pod default/web-0"]
        );
        assert!(pod(&h, "web-0").is_none());
        // The last state before deletion: Failed, with the PodGC condition.
        let last = h
            .api
            .watch_events()
            .iter()
            .rev()
            .find(|e| {
                e.object.name() == "web-0"
                    && e.event_type == crate::apiserver::WatchEventType::Deleted
            })
            .unwrap();
        let Object::Pod(p) = &*last.object else {
            unreachable!()
        };
        assert_eq!(pod_phase(p), "Failed");
        let c = super::super::util::pod_condition(p, "DisruptionTarget").unwrap();
        assert_eq!(c.reason.as_deref(), Some("DeletionByPodGC"));
        assert_eq!(c.message.as_deref(), Some("PodGC: node no longer exists"));
    }

    #[test]
    fn out_of_service_taint_releases_terminating_pods_of_a_not_ready_node() {
        let mut h = Harness::default();
        set_up(&mut h);
        create_running_pod(&mut h.api, "web-0", "kind-worker", &[]);
        let key = ObjectKey::new(Kind::Pod, "default", "web-0");
        h.api.delete(&key, &DeleteOptions::default()).unwrap();
        let mut gc = PodGcController::default();
        // Ready node with the taint: nothing (the kubelet will finish the deletion).
        h.api
            .update(node_with_taints(
                &h.api,
                "kind-worker",
                &[taint_at(TAINT_OUT_OF_SERVICE, "NoExecute", 0)],
            ))
            .unwrap();
        let _ = h.reconcile(&mut gc, &gc_key());
        assert!(pod(&h, "web-0").is_some());
        // Not ready: force-deleted.
        crate::controllers::node::testing::set_node_ready(&mut h.api, "kind-worker", "Unknown");
        let _ = h.reconcile(&mut gc, &gc_key());
        assert!(pod(&h, "web-0").is_none());
    }

    #[test]
    fn terminated_pods_beyond_the_threshold_go_evicted_first_then_oldest_first() {
        let mut h = Harness::default();
        set_up(&mut h);
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            h.set_now(SimTime::from_ms(1000 * i as u64));
            create_running_pod(&mut h.api, name, "kind-worker", &[]);
        }
        for (name, reason) in [("a", None), ("b", None), ("c", Some("Evicted"))] {
            let mut p = pod(&h, name).unwrap();
            let st = p.status.get_or_insert_with(Default::default);
            st.phase = Some("Failed".into());
            st.reason = reason.map(str::to_string);
            h.api.update_status(Object::Pod(p)).unwrap();
        }
        let mut gc = PodGcController::new(PodGcConfig {
            terminated_pod_threshold: 1,
            ..Default::default()
        });
        h.take_calls();
        let _ = h.reconcile(&mut gc, &gc_key());
        assert_eq!(
            h.take_calls(),
            ["delete Pod default/c", "delete Pod default/a"]
        );
        assert!(pod(&h, "b").is_some());
    }

    #[test]
    fn terminating_pods_never_scheduled_are_removed() {
        let mut h = Harness::default();
        set_up(&mut h);
        create_running_pod(&mut h.api, "web-0", "", &[]);
        let key = ObjectKey::new(Kind::Pod, "default", "web-0");
        // Give it a finalizer so the delete leaves it terminating.
        let mut p = pod(&h, "web-0").unwrap();
        p.metadata.finalizers = Some(vec!["example.com/hold".into()]);
        h.api.update(Object::Pod(p)).unwrap();
        h.api.delete(&key, &DeleteOptions::default()).unwrap();
        let mut gc = PodGcController::default();
        h.take_calls();
        let _ = h.reconcile(&mut gc, &gc_key());
        assert_eq!(
            h.take_calls(),
            ["patch-status Pod default/web-0", "delete Pod default/web-0"]
        );
    }
}
