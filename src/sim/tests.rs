//! The simulation loop: controllers react to writes after their latency, deduplicated, and
//! runs are reproducible.

use serde_json::json;

use super::*;
use crate::api::{Kind, Object};
use crate::apiserver::{DeleteOptions, Propagation};

fn obj(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn sim() -> Sim {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    sim.write(|api| {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        ))
        .unwrap()
    });
    sim.run_for(SimDuration::from_secs(1), 1000);
    sim
}

#[test]
fn controllers_react_after_their_latency() {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    sim.write(|api| {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        ))
        .unwrap()
    });
    let sa = ObjectKey::new(Kind::ServiceAccount, "demo", "default");
    assert!(
        sim.api().try_get(&sa).is_none(),
        "nothing happens before the reaction latency"
    );
    let latency = sim.profile().get("controller.reaction");
    sim.run_for(latency, 100);
    let created = sim.api().get(&sa).unwrap();
    assert_eq!(
        created.meta().creation_timestamp,
        Some(SimTime::ZERO.to_k8s_time())
    );
    assert_eq!(sim.now(), SimTime::ZERO + latency);
}

#[test]
fn garbage_collection_runs_inside_the_simulation() {
    let mut sim = sim();
    let owner = sim.write(|api| {
        api.create(obj(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "owner", "namespace": "default"}})))
            .unwrap()
    });
    sim.write(|api| {
        api.create(obj(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "dep", "namespace": "default",
                         "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap",
                                              "name": "owner", "uid": owner.uid()}]}})))
            .unwrap()
    });
    sim.write(|api| {
        api.delete(
            &ObjectKey::new(Kind::ConfigMap, "default", "owner"),
            &DeleteOptions {
                propagation: Some(Propagation::Background),
                ..Default::default()
            },
        )
        .unwrap()
    });
    assert!(
        sim.api()
            .try_get(&ObjectKey::new(Kind::ConfigMap, "default", "dep"))
            .is_some()
    );
    sim.run_for(SimDuration::from_secs(1), 1000);
    assert!(
        sim.api()
            .try_get(&ObjectKey::new(Kind::ConfigMap, "default", "dep"))
            .is_none()
    );
}

#[test]
fn a_run_is_bounded_by_its_step_limit() {
    /// A controller that wakes itself forever.
    struct Spinner;
    impl Controller for Spinner {
        fn name(&self) -> &'static str {
            "spinner"
        }
        fn keys_for(&self, _: &crate::apiserver::WatchEvent, _: &ApiServer) -> Vec<ObjectKey> {
            vec![ObjectKey::cluster(Kind::Namespace, "x")]
        }
        fn reconcile(&mut self, _: &ObjectKey, _: &mut Cx<'_>) -> Requeue {
            Requeue::After(SimDuration::ZERO)
        }
    }
    let mut sim = Sim::new(SimConfig::default());
    sim.add_controller(Box::new(Spinner));
    sim.write(|api| {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
        ))
        .unwrap()
    });
    let end = sim.run_for(SimDuration::from_secs(1), 50);
    assert!(matches!(end, RunEnd::StepLimit { steps: 50, .. }), "{end}");
}

#[test]
fn events_are_named_by_time_and_aggregated() {
    struct Reporter;
    impl Controller for Reporter {
        fn name(&self) -> &'static str {
            "reporter"
        }
        fn keys_for(&self, e: &crate::apiserver::WatchEvent, _: &ApiServer) -> Vec<ObjectKey> {
            if e.object.kind() == Kind::ConfigMap {
                vec![e.object.key()]
            } else {
                vec![]
            }
        }
        fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
            let o = cx.api.get(key).unwrap();
            let src = EventSource::component("reporter");
            cx.record_event(&src, &o, "Normal", "Seen", "seen it");
            cx.record_event(&src, &o, "Normal", "Seen", "seen it");
            Requeue::No
        }
    }
    let mut sim = sim();
    sim.add_controller(Box::new(Reporter));
    sim.run_for(SimDuration::from_ms(1500), 100);
    sim.write(|api| {
        api.create(obj(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default"}})))
            .unwrap()
    });
    sim.run_for(SimDuration::from_secs(1), 100);
    let events = sim
        .api()
        .list(Kind::Event, Some("default"), &Default::default())
        .unwrap();
    assert_eq!(events.len(), 1);
    let Object::Event(e) = &*events[0] else {
        unreachable!()
    };
    assert_eq!(e.count, Some(2));
    assert_eq!(e.reason.as_deref(), Some("Seen"));
    // Reconciled at t=2.505s: 2025-01-01T00:00:02.505Z in Unix nanoseconds, in hex.
    let nanos: u128 = (1_735_689_602u128) * 1_000_000_000 + 505_000_000;
    assert_eq!(
        e.metadata.name.as_deref(),
        Some(format!("c.{nanos:x}").as_str())
    );
}

#[test]
fn the_harness_records_calls_and_injects_faults() {
    use crate::controllers::serviceaccount::ServiceAccountController;
    use crate::sim::testing::Harness;
    let mut h = Harness::new(0);
    h.api
        .create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        ))
        .unwrap();
    h.fail_when(|call| {
        (call.key.kind == Kind::ConfigMap)
            .then(|| crate::apiserver::ApiError::internal("etcd is sad"))
    });
    let ns = ObjectKey::cluster(Kind::Namespace, "demo");
    let _ = h.reconcile(&mut ServiceAccountController, &ns);
    assert_eq!(
        h.take_calls(),
        [
            "create ServiceAccount demo/default",
            "create ConfigMap demo/kube-root-ca.crt -> InternalError"
        ]
    );
    h.clear_faults();
    let _ = h.reconcile(&mut ServiceAccountController, &ns);
    assert_eq!(h.take_calls(), ["create ConfigMap demo/kube-root-ca.crt"]);
}
