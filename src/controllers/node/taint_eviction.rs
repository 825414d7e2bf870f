//! The taint-eviction controller (`pkg/controller/tainteviction/taint_eviction.go`): deletes
//! the pods of a node with `NoExecute` taints they do not tolerate, or tolerate only for a
//! while (storage-scheduling-kubelet spec N5, N6).
//!
//! When a node's `NoExecute` taints change, every pod on it is examined: a taint it does not
//! tolerate at all means deletion now; tolerations without `tolerationSeconds` mean never;
//! otherwise deletion is scheduled at (time the taint was seen) + the smallest
//! `tolerationSeconds` (300 s from the DefaultTolerationSeconds admission plugin). When the
//! timer fires, a Normal `TaintManagerEviction` event `Marking for deletion Pod <ns>/<name>` is
//! recorded, the pod gets `DisruptionTarget=True` (reason `DeletionByTaintManager`), and it is
//! deleted gracefully: with its kubelet gone it then stays `Terminating`. Taints removed before
//! the timer fires cancel it with `Cancelling deletion of Pod <ns>/<name>`.
//!
//! The events' involved object carries no uid, as upstream builds the reference from the
//! namespace and name only; `kubectl describe pod` (which selects events by uid) therefore
//! does not list them, as on a real cluster.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Taint};

use super::util::{
    event_ref, get_node, get_pod, matching_tolerations, min_toleration_seconds, no_execute_taints,
    patch_pod_status, pod_condition_true, pod_key, pod_node_name, pods_on_node,
    update_pod_condition,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, Client, DeleteOptions, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// How many times a deletion is tried before the work is dropped (`retries`).
const RETRIES: usize = 5;

/// A pod's scheduled deletion (`TimedWorker`); `Done` once it ran, so that it is not scheduled
/// again until cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    Pending {
        created_at: SimTime,
        fire_at: SimTime,
    },
    Done,
}

/// The taint-eviction controller.
#[derive(Default)]
pub struct TaintEvictionController {
    /// Node → its `NoExecute` taints, for nodes that have some.
    tainted_nodes: BTreeMap<String, Vec<Taint>>,
    work: BTreeMap<ObjectKey, Work>,
}

fn source() -> EventSource {
    EventSource::component("taint-eviction-controller")
}

fn tolerations(pod: &Pod) -> &[k8s_openapi::api::core::v1::Toleration] {
    pod.spec
        .as_ref()
        .and_then(|s| s.tolerations.as_deref())
        .unwrap_or(&[])
}

impl TaintEvictionController {
    /// A controller with no state.
    pub fn new() -> Self {
        Self::default()
    }

    fn emit(cx: &mut Cx<'_>, key: &ObjectKey, message: String) {
        let involved = event_ref(Kind::Pod, &key.namespace, &key.name, "");
        cx.record_event(
            &source(),
            &involved,
            "Normal",
            "TaintManagerEviction",
            &message,
        );
    }

    /// `cancelWorkWithEvent`: only a pending deletion gets an event.
    fn cancel_with_event(&mut self, cx: &mut Cx<'_>, key: &ObjectKey) {
        if let Some(Work::Pending { .. }) = self.work.remove(key) {
            Self::emit(
                cx,
                key,
                format!("Cancelling deletion of Pod {}/{}", key.namespace, key.name),
            );
        }
    }

    /// `AddWork`: ignored when work for the pod exists (pending or done).
    fn add_work(
        &mut self,
        cx: &mut Cx<'_>,
        key: &ObjectKey,
        created_at: SimTime,
        fire_at: SimTime,
    ) {
        if self.work.contains_key(key) {
            return;
        }
        self.work.insert(
            key.clone(),
            Work::Pending {
                created_at,
                fire_at,
            },
        );
        cx.enqueue_after(key.clone(), fire_at.saturating_since(cx.now));
    }

    /// `processPodOnNode`.
    fn process_pod_on_node(
        &mut self,
        cx: &mut Cx<'_>,
        key: &ObjectKey,
        pod: &Pod,
        taints: &[Taint],
    ) {
        let now = cx.now;
        if taints.is_empty() {
            self.cancel_with_event(cx, key);
            return;
        }
        let (all_tolerated, used) = matching_tolerations(taints, tolerations(pod));
        if !all_tolerated {
            self.cancel_with_event(cx, key);
            self.add_work(cx, key, now, now);
            return;
        }
        let Some(seconds) = min_toleration_seconds(&used) else {
            self.cancel_with_event(cx, key);
            return;
        };
        let min = SimDuration::from_secs(seconds);
        let mut start = now;
        let trigger = now + min;
        if let Some(Work::Pending { created_at, .. }) = self.work.get(key).copied() {
            start = created_at;
            // Upstream keeps the scheduled work only when it fires strictly earlier; at equal
            // times (common in virtual time, where a node and a pod update can be handled in
            // the same instant) it would cancel and re-add the same deadline with a spurious
            // "Cancelling deletion" event, so equal deadlines are kept too.
            if start + min <= trigger {
                return;
            }
            self.cancel_with_event(cx, key);
        }
        self.add_work(cx, key, start, trigger);
    }

    /// `handleNodeUpdate`.
    fn handle_node_update(&mut self, cx: &mut Cx<'_>, name: &str) {
        let Some(node) = get_node(cx.read(), name) else {
            self.tainted_nodes.remove(name);
            return;
        };
        let taints = no_execute_taints(&node);
        if taints.is_empty() {
            self.tainted_nodes.remove(name);
        } else {
            self.tainted_nodes.insert(name.to_string(), taints.clone());
        }
        let pods: Vec<Pod> = pods_on_node(cx.read(), name)
            .into_iter()
            .filter_map(|o| match &*o {
                Object::Pod(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        if taints.is_empty() {
            for p in &pods {
                self.cancel_with_event(cx, &pod_key(p));
            }
            return;
        }
        for p in &pods {
            self.process_pod_on_node(cx, &pod_key(p), p, &taints);
        }
    }

    /// `handlePodUpdate`.
    fn handle_pod_update(&mut self, cx: &mut Cx<'_>, key: &ObjectKey, pod: &Pod) {
        let node = pod_node_name(pod);
        if node.is_empty() {
            return;
        }
        let Some(taints) = self.tainted_nodes.get(node).cloned() else {
            return;
        };
        self.process_pod_on_node(cx, key, pod, &taints);
    }

    /// The timer fired (`deletePodHandler`): event, `DisruptionTarget` condition, graceful
    /// delete.
    fn fire(&mut self, cx: &mut Cx<'_>, key: &ObjectKey) {
        Self::emit(
            cx,
            key,
            format!("Marking for deletion Pod {}/{}", key.namespace, key.name),
        );
        let mut ok = false;
        for _ in 0..RETRIES {
            if add_condition_and_delete_pod(cx, key).is_ok() {
                ok = true;
                break;
            }
        }
        if ok {
            self.work.insert(key.clone(), Work::Done);
        } else {
            self.work.remove(key);
        }
    }
}

/// `addConditionAndDeletePod`.
fn add_condition_and_delete_pod(
    cx: &mut Cx<'_>,
    key: &ObjectKey,
) -> Result<(), crate::apiserver::ApiError> {
    let Some(pod) = get_pod(cx.read(), key) else {
        return Err(crate::apiserver::ApiError::not_found(Kind::Pod, &key.name));
    };
    let mut status = pod.status.clone().unwrap_or_default();
    let now = cx.now.to_k8s_time();
    let changed = update_pod_condition(
        &mut status,
        pod_condition_true(
            "DisruptionTarget",
            "DeletionByTaintManager",
            "Taint manager: deleting due to NoExecute taint",
        ),
        &now,
    );
    if changed {
        patch_pod_status(cx, &pod, &status)?;
    }
    cx.delete(key, &DeleteOptions::default()).map(|_| ())
}

impl Controller for TaintEvictionController {
    fn name(&self) -> &'static str {
        "taint-eviction-controller"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match (&**obj, event.old.as_deref()) {
            (Object::Node(new), Some(Object::Node(old)))
                if event.event_type == WatchEventType::Modified =>
            {
                if no_execute_taints(new) == no_execute_taints(old) {
                    vec![]
                } else {
                    vec![obj.key()]
                }
            }
            (Object::Node(_), _) => vec![obj.key()],
            (Object::Pod(new), Some(Object::Pod(old)))
                if event.event_type == WatchEventType::Modified =>
            {
                if tolerations(new) == tolerations(old) && pod_node_name(new) == pod_node_name(old)
                {
                    vec![]
                } else {
                    vec![obj.key()]
                }
            }
            (Object::Pod(_), _) => vec![obj.key()],
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match key.kind {
            Kind::Node => self.handle_node_update(cx, &key.name),
            Kind::Pod => {
                let Some(pod) = get_pod(cx.read(), key) else {
                    // Deleted: forget any scheduled deletion.
                    self.cancel_with_event(cx, key);
                    return Requeue::No;
                };
                if let Some(Work::Pending { fire_at, .. }) = self.work.get(key).copied()
                    && fire_at <= cx.now
                {
                    self.fire(cx, key);
                }
                let pod = get_pod(cx.read(), key).unwrap_or(pod);
                self.handle_pod_update(cx, key, &pod);
            }
            _ => {}
        }
        Requeue::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::node::testing::{
        create_running_pod, node_with_taints, set_up, taint_at,
    };
    use crate::sim::testing::Harness;

    #[test]
    fn a_tolerated_taint_schedules_deletion_after_toleration_seconds() {
        let mut h = Harness::default();
        set_up(&mut h);
        create_running_pod(&mut h.api, "web-0", "kind-worker", &[("app", "web")]);
        let mut c = TaintEvictionController::new();
        let node = ObjectKey::cluster(Kind::Node, "kind-worker");
        let pod = ObjectKey::new(Kind::Pod, "default", "web-0");
        h.set_now(SimTime::from_ms(60_000));
        h.api
            .update(node_with_taints(
                &h.api,
                "kind-worker",
                &[taint_at("node.kubernetes.io/unreachable", "NoExecute", 60)],
            ))
            .unwrap();
        let _ = h.reconcile(&mut c, &node);
        assert_eq!(h.wakeups.get(&pod), Some(&SimDuration::from_secs(300)));
        // Not yet due: nothing happens.
        h.set_now(SimTime::from_ms(200_000));
        let _ = h.reconcile(&mut c, &pod);
        assert!(h.take_calls().is_empty());
        // Due: condition, then a graceful delete.
        h.set_now(SimTime::from_ms(360_000));
        let _ = h.reconcile(&mut c, &pod);
        assert_eq!(
            h.take_calls(),
            ["patch-status Pod default/web-0", "delete Pod default/web-0"]
        );
        let Object::Pod(p) = &*h.api.get(&pod).unwrap() else {
            unreachable!()
        };
        assert!(p.metadata.deletion_timestamp.is_some());
        let dt = super::super::util::pod_condition(p, "DisruptionTarget").unwrap();
        assert_eq!(dt.reason.as_deref(), Some("DeletionByTaintManager"));
        assert_eq!(
            dt.message.as_deref(),
            Some("Taint manager: deleting due to NoExecute taint")
        );
        let events = crate::controllers::node::testing::event_lines(&h.api);
        assert!(
            events.contains(&"Normal TaintManagerEviction Pod default/web-0: Marking for deletion Pod default/web-0".to_string()),
            "{events:?}"
        );
        // Done work is not scheduled again by later updates of the pod.
        let _ = h.reconcile(&mut c, &pod);
        assert!(h.take_calls().is_empty());
    }

    #[test]
    fn removing_the_taint_cancels_with_an_event_and_untolerated_taints_evict_at_once() {
        let mut h = Harness::default();
        set_up(&mut h);
        create_running_pod(&mut h.api, "web-0", "kind-worker", &[("app", "web")]);
        let mut c = TaintEvictionController::new();
        let node = ObjectKey::cluster(Kind::Node, "kind-worker");
        let pod = ObjectKey::new(Kind::Pod, "default", "web-0");
        h.api
            .update(node_with_taints(
                &h.api,
                "kind-worker",
                &[taint_at("node.kubernetes.io/unreachable", "NoExecute", 0)],
            ))
            .unwrap();
        let _ = h.reconcile(&mut c, &node);
        h.set_now(SimTime::from_ms(10_000));
        h.api
            .update(node_with_taints(&h.api, "kind-worker", &[]))
            .unwrap();
        let _ = h.reconcile(&mut c, &node);
        let events = crate::controllers::node::testing::event_lines(&h.api);
        assert!(
            events.contains(&"Normal TaintManagerEviction Pod default/web-0: Cancelling deletion of Pod default/web-0".to_string()),
            "{events:?}"
        );
        // The timer firing later does nothing.
        h.set_now(SimTime::from_ms(400_000));
        let _ = h.reconcile(&mut c, &pod);
        assert!(h.take_calls().is_empty());
        // A taint nobody tolerates: deletion is due now.
        h.api
            .update(node_with_taints(
                &h.api,
                "kind-worker",
                &[taint_at("dedicated", "NoExecute", 400)],
            ))
            .unwrap();
        let _ = h.reconcile(&mut c, &node);
        assert_eq!(h.wakeups.get(&pod), Some(&SimDuration::ZERO));
        let _ = h.reconcile(&mut c, &pod);
        assert_eq!(
            h.take_calls(),
            ["patch-status Pod default/web-0", "delete Pod default/web-0"]
        );
    }
}
