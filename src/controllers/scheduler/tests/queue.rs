//! The queue: retries on relevant events only, the periodic flush, back-off after errors.

use serde_json::json;

use super::*;
use crate::apiserver::{ApiError, DeleteOptions};
use crate::engine::SimDuration;
use crate::sim::{Sim, SimConfig, Verb};

/// A simulation with the scheduler and the given nodes.
fn sim_with(nodes: Vec<serde_json::Value>) -> Sim {
    let mut sim = Sim::new(SimConfig::default());
    sim.add_controller(Box::new(Scheduler::new()));
    sim.write(|api| {
        bootstrap(api);
        for n in nodes {
            api.create(obj(n)).unwrap();
        }
    });
    sim
}

fn run(sim: &mut Sim, ms: u64) {
    sim.run_for(SimDuration::from_ms(ms), 100_000);
}

fn reasons(sim: &Sim, name: &str) -> Vec<(String, i32)> {
    events_of(sim.api(), name)
        .into_iter()
        .map(|e| (e.1, e.3))
        .collect()
}

fn node_key(name: &str) -> ObjectKey {
    ObjectKey::cluster(Kind::Node, name)
}

#[test]
fn a_cordoned_node_made_schedulable_again_lets_the_pod_in() {
    let mut n = node_json("n1");
    n["spec"]["unschedulable"] = json!(true);
    let mut sim = sim_with(vec![n]);
    sim.write(|api| api.create(obj(pod_json("web-0", json!({})))).unwrap());
    run(&mut sim, 100);
    assert_eq!(
        reasons(&sim, "web-0"),
        [("FailedScheduling".to_string(), 1)]
    );
    assert_eq!(
        sim.steps(),
        1,
        "the pod's own status update does not requeue it"
    );

    // Heartbeats and other status-only node updates do not matter.
    sim.write(|api| {
        edit_status(api, &node_key("n1"), |v| {
            v["status"]["conditions"][0]["lastHeartbeatTime"] = json!("2025-01-01T00:00:10Z");
        })
    });
    run(&mut sim, 100);
    assert_eq!(sim.steps(), 1);

    sim.write(|api| {
        edit(api, &node_key("n1"), |v| {
            v["spec"]["unschedulable"] = json!(false)
        })
    });
    let before = sim.now();
    run(&mut sim, 100);
    assert_eq!(node_of(sim.api(), "web-0").as_deref(), Some("n1"));
    assert_eq!(
        reasons(&sim, "web-0"),
        [
            ("FailedScheduling".to_string(), 1),
            ("Scheduled".to_string(), 1)
        ]
    );
    assert_eq!(sim.steps(), 2);
    let _ = before;
}

#[test]
fn an_event_retries_the_pod_at_once_even_within_its_back_off() {
    let mut sim = sim_with(vec![]);
    sim.write(|api| api.create(obj(pod_json("web-0", json!({})))).unwrap());
    run(&mut sim, 100);
    assert_eq!(
        reasons(&sim, "web-0"),
        [("FailedScheduling".to_string(), 1)]
    );
    // Without nodes, the failure has no rejecting plugin: error back-off, not moved by events.
    sim.write(|api| api.create(obj(node_json("n1"))).unwrap());
    run(&mut sim, 100);
    assert_eq!(node_of(sim.api(), "web-0"), None);
    run(&mut sim, 2000);
    assert_eq!(node_of(sim.api(), "web-0").as_deref(), Some("n1"));

    // A pod rejected by a plugin is moved by a relevant event at once (PopFromBackoffQ).
    let mut n2 = node_json("n2");
    n2["metadata"]["labels"]["disktype"] = json!("ssd");
    let mut p = pod_json("web-1", json!({}));
    p["spec"]["nodeSelector"] = json!({"disktype": "ssd"});
    sim.write(|api| api.create(obj(p)).unwrap());
    run(&mut sim, 100);
    assert_eq!(
        reasons(&sim, "web-1"),
        [("FailedScheduling".to_string(), 1)]
    );
    let added = sim.now();
    sim.write(|api| api.create(obj(n2)).unwrap());
    run(&mut sim, 20);
    assert_eq!(node_of(sim.api(), "web-1").as_deref(), Some("n2"));
    assert!(sim.now() - added < SimDuration::from_secs(1));
}

#[test]
fn unrelated_node_changes_do_not_wake_the_pod() {
    let mut sim = sim_with(vec![node_json("n1")]);
    sim.write(|api| {
        api.create(obj(pod_json("big", json!({"cpu": "100"}))))
            .unwrap()
    });
    run(&mut sim, 100);
    let steps = sim.steps();
    // A label change: NodeResourcesFit only cares about allocatable.
    sim.write(|api| {
        edit(api, &node_key("n1"), |v| {
            v["metadata"]["labels"]["team"] = json!("a")
        })
    });
    run(&mut sim, 100);
    assert_eq!(sim.steps(), steps);
    // More CPU: the pod is retried (and fits).
    sim.write(|api| {
        edit_status(api, &node_key("n1"), |v| {
            v["status"]["allocatable"]["cpu"] = json!("128");
        })
    });
    run(&mut sim, 100);
    assert_eq!(sim.steps(), steps + 1);
    assert_eq!(node_of(sim.api(), "big").as_deref(), Some("n1"));
}

#[test]
fn a_deleted_pod_frees_resources_for_the_waiting_one() {
    let mut sim = sim_with(vec![node_json("n1")]);
    sim.write(|api| {
        api.create(obj(bound_pod_json("busy", "n1", json!({"cpu": "7"}))))
            .unwrap()
    });
    sim.write(|api| {
        api.create(obj(pod_json("web-0", json!({"cpu": "2"}))))
            .unwrap()
    });
    run(&mut sim, 100);
    assert_eq!(
        reasons(&sim, "web-0"),
        [("FailedScheduling".to_string(), 1)]
    );
    sim.write(|api| {
        api.delete(&pod_key("busy"), &DeleteOptions::default())
            .unwrap()
    });
    run(&mut sim, 100);
    // Deletion with a grace period keeps the pod (terminating pods still count)...
    if sim.api().try_get(&pod_key("busy")).is_some() {
        assert_eq!(node_of(sim.api(), "web-0"), None);
        sim.write(|api| {
            api.delete(
                &pod_key("busy"),
                &DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                },
            )
            .unwrap()
        });
        run(&mut sim, 100);
    }
    // ...and its removal lets the waiting pod in.
    assert_eq!(node_of(sim.api(), "web-0").as_deref(), Some("n1"));
}

#[test]
fn a_bound_claim_retries_the_pod() {
    let mut sim = sim_with(vec![node_json("n1")]);
    sim.write(|api| {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}),
        ))
        .unwrap();
        let mut p = pod_json("web-0", json!({}));
        p["spec"]["volumes"] =
            json!([{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]);
        api.create(obj(p)).unwrap();
    });
    run(&mut sim, 100);
    assert!(
        events_of(sim.api(), "web-0")[0]
            .2
            .contains("unbound immediate")
    );
    let steps = sim.steps();
    // An unrelated claim changes: nothing.
    sim.write(|api| {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "other", "namespace": "default"},
            "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}}),
        ))
        .unwrap()
    });
    run(&mut sim, 100);
    assert_eq!(sim.steps(), steps);
    // The claim gets bound.
    sim.write(|api| {
        api.create(obj(json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv-1"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "storageClassName": "", "hostPath": {"path": "/d"}}})))
            .unwrap();
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, "default", "data");
        edit(api, &key, |v| {
            v["spec"]["volumeName"] = json!("pv-1");
            v["metadata"]["annotations"] = json!({"pv.kubernetes.io/bind-completed": "yes"});
        });
    });
    run(&mut sim, 100);
    assert_eq!(node_of(sim.api(), "web-0").as_deref(), Some("n1"));
}

#[test]
fn an_unschedulable_pod_is_flushed_every_five_minutes_and_a_half() {
    let mut sim = sim_with(vec![node_json("n1")]);
    sim.write(|api| {
        api.create(obj(pod_json("big", json!({"cpu": "100"}))))
            .unwrap()
    });
    run(&mut sim, 329_000);
    assert_eq!(reasons(&sim, "big"), [("FailedScheduling".to_string(), 1)]);
    run(&mut sim, 2_000);
    assert_eq!(reasons(&sim, "big"), [("FailedScheduling".to_string(), 2)]);
    assert_eq!(sim.steps(), 2);
    run(&mut sim, 330_000);
    assert_eq!(reasons(&sim, "big"), [("FailedScheduling".to_string(), 3)]);
}

#[test]
fn injected_bind_failures_are_retried_after_the_error_back_off() {
    let mut env = Env::new(0);
    env.h
        .fail_when(|call| (call.verb == Verb::Bind).then(|| ApiError::internal("etcd is sad")));
    let r = env.schedule(pod_json("web-0", json!({})));
    let msg = "running Bind plugin \"DefaultBinder\": Internal error occurred: etcd is sad";
    assert_eq!(env.failed_message("web-0"), msg);
    let c = env.condition("web-0").unwrap();
    assert_eq!(c.reason.as_deref(), Some("SchedulerError"));
    assert_eq!(
        env.h.take_calls(),
        [
            "bind Pod default/web-0 -> InternalError",
            "patch-status Pod default/web-0"
        ]
    );
    assert_eq!(r, Requeue::After(SimDuration::from_secs(2)));
    // Early wake-ups wait for the back-off.
    env.at(1000);
    assert_eq!(
        env.reconcile("web-0"),
        Requeue::After(SimDuration::from_secs(1))
    );
    assert!(env.h.take_calls().is_empty());
    // A second failure doubles it: 2 s from 2.0 s, popped at 5.0 s.
    env.at(2000);
    assert_eq!(
        env.reconcile("web-0"),
        Requeue::After(SimDuration::from_secs(3))
    );
    let events = env.events("web-0");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].3, 2, "identical failures aggregate");
    env.h.clear_faults();
    env.at(5000);
    assert_eq!(env.reconcile("web-0"), Requeue::No);
    assert!(env.node_of("web-0").is_some());
    assert_eq!(env.condition("web-0").unwrap().status, "True");
}

#[test]
fn scheduling_gates_hold_the_pod_until_removed() {
    let mut sim = sim_with(vec![node_json("n1")]);
    let mut p = pod_json("web-0", json!({}));
    p["spec"]["schedulingGates"] = json!([{"name": "example.com/wait"}]);
    sim.write(|api| api.create(obj(p)).unwrap());
    run(&mut sim, 100);
    assert_eq!(node_of(sim.api(), "web-0"), None);
    assert!(events_of(sim.api(), "web-0").is_empty());
    sim.write(|api| {
        edit(api, &pod_key("web-0"), |v| {
            v["spec"]["schedulingGates"] = json!([]);
        })
    });
    run(&mut sim, 100);
    assert_eq!(node_of(sim.api(), "web-0").as_deref(), Some("n1"));
}
