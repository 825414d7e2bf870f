//! The checker on hand-made traces: each invariant fires on the write that breaks it and stays
//! quiet on a correct history.

use serde_json::json;

use super::*;
use crate::apiserver::{ApiServer, ApiServerOptions, DeleteOptions};
use crate::engine::SimRng;

fn obj(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

struct World {
    api: ApiServer,
    set_uid: String,
}

fn world(replicas: i32) -> World {
    let mut api = ApiServer::new(SimRng::from_seed(0), ApiServerOptions::default());
    api.create(obj(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
    ))
    .unwrap();
    crate::controllers::settle(&mut api, 10).unwrap();
    let set = api
        .create(obj(json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"serviceName": "nginx", "replicas": replicas,
                     "selector": {"matchLabels": {"app": "nginx"}},
                     "template": {"metadata": {"labels": {"app": "nginx"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}
        })))
        .unwrap();
    api.create(obj(json!({
        "apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": "web-abc", "namespace": "default"},
        "data": {}, "revision": 1
    })))
    .unwrap();
    World {
        set_uid: set.uid().to_string(),
        api,
    }
}

impl World {
    fn pod(&mut self, ord: i32) {
        let name = format!("web-{ord}");
        self.api
            .create(obj(json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "default",
                             "labels": {"app": "nginx", "statefulset.kubernetes.io/pod-name": name,
                                        "apps.kubernetes.io/pod-index": ord.to_string(),
                                        "controller-revision-hash": "web-abc"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                                  "name": "web", "uid": self.set_uid,
                                                  "controller": true, "blockOwnerDeletion": true}]},
                "spec": {"hostname": name, "subdomain": "nginx",
                         "containers": [{"name": "nginx", "image": "nginx"}]}
            })))
            .unwrap();
    }

    fn ready(&mut self, ord: i32) {
        let key = ObjectKey::new(Kind::Pod, "default", format!("web-{ord}"));
        self.api.bind_pod(&key, "kind-worker").unwrap();
        let mut p = (*self.api.get(&key).unwrap()).clone();
        if let Object::Pod(p) = &mut p {
            let st = p.status.get_or_insert_with(Default::default);
            st.phase = Some("Running".into());
            st.conditions.get_or_insert_with(Vec::new).push(
                k8s_openapi::api::core::v1::PodCondition {
                    type_: "Ready".into(),
                    status: "True".into(),
                    last_transition_time: Some(self.api.now().to_k8s_time()),
                    ..Default::default()
                },
            );
        }
        self.api.update_status(p).unwrap();
    }

    fn scale(&mut self, n: i32) {
        self.api
            .update_scale(&ObjectKey::new(Kind::StatefulSet, "default", "web"), n)
            .unwrap();
    }

    fn delete(&mut self, ord: i32) {
        self.api
            .delete(
                &ObjectKey::new(Kind::Pod, "default", format!("web-{ord}")),
                &DeleteOptions::default(),
            )
            .unwrap();
    }

    /// The kubelet's final delete: the pod is gone.
    fn gone(&mut self, ord: i32) {
        self.api
            .delete(
                &ObjectKey::new(Kind::Pod, "default", format!("web-{ord}")),
                &DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                },
            )
            .unwrap();
    }

    fn ids(&self) -> Vec<&'static str> {
        check(self.api.watch_events())
            .violations()
            .iter()
            .map(|v| v.id)
            .collect()
    }
}

#[test]
fn an_ordered_history_is_clean_and_not_vacuous() {
    let mut w = world(3);
    for i in 0..3 {
        w.pod(i);
        w.ready(i);
    }
    w.scale(1);
    w.delete(2);
    w.gone(2);
    w.delete(1);
    w.gone(1);
    let c = check(w.api.watch_events());
    assert_eq!(c.violations(), &[]);
    assert_eq!(c.coverage().set_pods_created, 3);
    assert_eq!(c.coverage().ordered_creations_checked, 2);
    assert_eq!(c.coverage().scale_down_deletions_checked, 2);
}

#[test]
fn creating_before_the_previous_pod_is_ready_breaks_inv7() {
    let mut w = world(3);
    w.pod(0);
    w.pod(1);
    let c = check(w.api.watch_events());
    assert_eq!(c.violations().len(), 1);
    let v = &c.violations()[0];
    assert_eq!(v.id, "INV7");
    assert_eq!(
        v.message,
        "pod web-1 was created while web-0 was not Running and Ready"
    );
}

#[test]
fn out_of_range_and_wrong_identity_break_inv3_and_inv4() {
    let mut w = world(1);
    w.pod(0);
    w.ready(0);
    w.pod(5);
    assert_eq!(w.ids(), ["INV4", "INV7"]);
    let mut w = world(1);
    w.api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-0", "namespace": "default",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                              "name": "web", "uid": w.set_uid, "controller": true}]},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}
        })))
        .unwrap();
    let c = check(w.api.watch_events());
    assert_eq!(c.violations()[0].id, "INV3");
    assert!(
        c.violations()[0]
            .message
            .contains("label statefulset.kubernetes.io/pod-name")
    );
}

#[test]
fn removing_a_lower_condemned_pod_first_breaks_inv9() {
    let mut w = world(3);
    for i in 0..3 {
        w.pod(i);
        w.ready(i);
    }
    w.scale(1);
    w.delete(1);
    let c = check(w.api.watch_events());
    assert_eq!(c.violations().len(), 1);
    assert_eq!(c.violations()[0].id, "INV9");
    assert_eq!(
        c.violations()[0].message,
        "web-1 started terminating while the higher condemned web-2 still existed"
    );
}
