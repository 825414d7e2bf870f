//! ReplicaSet controller: pod creation in slow-start batches, deletion ranking, adoption,
//! status, and the contrast with StatefulSets on terminating pods.

use std::sync::Arc;

use k8s_openapi::api::apps::v1::ReplicaSet;
use serde_json::json;

use super::testkit::{harness, obj, pod, replica_set, run_pod, set_ready};
use super::*;
use crate::apiserver::ApiError;
use crate::sim::Verb;

fn rs_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::ReplicaSet, "default", name)
}

fn get_rs(h: &crate::sim::testing::Harness, name: &str) -> ReplicaSet {
    match &*h.api.get(&rs_key(name)).unwrap() {
        Object::ReplicaSet(r) => r.clone(),
        _ => unreachable!(),
    }
}

fn rs_events(h: &crate::sim::testing::Harness, name: &str) -> Vec<String> {
    super::testkit::events_for(&h.api, "ReplicaSet", name)
}

fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

#[test]
fn creates_pods_from_the_template_with_generated_names_and_a_controller_reference() {
    let mut h = harness();
    h.api.create(obj(replica_set("web", 3))).unwrap();
    let mut c = ReplicaSetController::new();
    assert_eq!(h.reconcile(&mut c, &rs_key("web")), Requeue::No);
    let calls = h.take_calls();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(
        calls[..3]
            .iter()
            .all(|c| c.starts_with("create Pod default/web-"))
    );
    assert_eq!(calls[3], "update-status ReplicaSet default/web");
    let pods: Vec<Arc<Object>> = h
        .api
        .iter_kind(Kind::Pod, Some("default"))
        .cloned()
        .collect();
    assert_eq!(pods.len(), 3);
    let rs = h.api.get(&rs_key("web")).unwrap();
    for p in &pods {
        let Object::Pod(pod) = &**p else {
            unreachable!()
        };
        let name = pod.metadata.name.as_deref().unwrap();
        assert_eq!(name.len(), "web-".len() + 5);
        assert!(
            name[4..]
                .chars()
                .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        );
        assert_eq!(pod.metadata.generate_name.as_deref(), Some("web-"));
        assert_eq!(pod.metadata.labels.as_ref().unwrap()["app"], "web");
        let r = p.controller_ref().unwrap();
        assert_eq!(
            (r.kind.as_str(), r.name.as_str(), r.uid.as_str()),
            ("ReplicaSet", "web", rs.uid())
        );
        assert_eq!(r.block_owner_deletion, Some(true));
    }
    let mut expected: Vec<String> = pods
        .iter()
        .map(|p| format!("SuccessfulCreate: Created pod: {}", p.name()))
        .collect();
    let mut got = rs_events(&h, "web");
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // Status counts the pods seen at the start of the sync: none yet.
    let status = get_rs(&h, "web").status.unwrap();
    assert_eq!((status.replicas, status.observed_generation), (0, Some(1)));
    // The next sync (the pods' ADDED events) counts them.
    let _ = h.reconcile(&mut c, &rs_key("web"));
    assert_eq!(h.take_calls(), ["update-status ReplicaSet default/web"]);
    let status = get_rs(&h, "web").status.unwrap();
    assert_eq!(status.replicas, 3);
    assert_eq!(status.fully_labeled_replicas, Some(3));
    assert_eq!(status.ready_replicas, None);
}

#[test]
fn slow_start_stops_after_the_first_batch_with_a_failure() {
    let mut h = harness();
    h.api.create(obj(replica_set("web", 10))).unwrap();
    let mut creates = 0;
    h.fail_when(move |call| {
        if call.verb == Verb::Create && call.key.kind == Kind::Pod {
            creates += 1;
            // The second create (first of the second batch) fails.
            if creates == 2 {
                return Some(ApiError::internal("etcdserver: request timed out"));
            }
        }
        None
    });
    let mut c = ReplicaSetController::new();
    let requeue = h.reconcile(&mut c, &rs_key("web"));
    assert_eq!(
        requeue,
        Requeue::After(SimDuration::from_ms(5)),
        "retried with back-off"
    );
    let calls = h.take_calls();
    let creates: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("create Pod"))
        .collect();
    // Batch of 1 (ok), batch of 2 (one fails, the other still runs), then stop.
    assert_eq!(creates.len(), 3, "{calls:?}");
    assert!(creates[1].ends_with("-> InternalError"));
    assert_eq!(h.api.iter_kind(Kind::Pod, Some("default")).count(), 2);
    let events = rs_events(&h, "web");
    assert!(
        events.contains(
            &"FailedCreate: Error creating: Internal error occurred: etcdserver: request timed out"
                .to_string()
        ),
        "{events:?}"
    );
    let status = get_rs(&h, "web").status.unwrap();
    let cond = &status.conditions.unwrap()[0];
    assert_eq!(
        (
            cond.type_.as_str(),
            cond.status.as_str(),
            cond.reason.as_deref(),
            cond.message.as_deref()
        ),
        (
            "ReplicaFailure",
            "True",
            Some("FailedCreate"),
            Some("Internal error occurred: etcdserver: request timed out")
        )
    );

    // Healthy again: the 8 missing pods come in batches of 1, 2, 4 and 1; the condition goes.
    h.clear_faults();
    assert_eq!(h.reconcile(&mut c, &rs_key("web")), Requeue::No);
    let calls = h.take_calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("create Pod")).count(),
        8
    );
    assert_eq!(h.api.iter_kind(Kind::Pod, Some("default")).count(), 10);
    assert!(get_rs(&h, "web").status.unwrap().conditions.is_none());
}

#[test]
fn slow_start_batches_double_and_a_failing_first_batch_makes_one_call() {
    let mut sizes = Vec::new();
    let (ok, res) = slow_start_batch(10, 1, |i| {
        sizes.push(i);
        Ok(())
    });
    assert_eq!((ok, res), (10, Ok(())));
    let mut calls = 0;
    let (ok, res) = slow_start_batch(10, 1, |_| {
        calls += 1;
        Err(ApiError::internal("no"))
    });
    assert_eq!((ok, calls), (0, 1));
    assert!(res.is_err());
    // Failure in the third batch (indices 3..7): the whole batch runs.
    let mut seen = Vec::new();
    let (ok, res) = slow_start_batch(20, 1, |i| {
        seen.push(i);
        if i == 4 {
            Err(ApiError::internal("no"))
        } else {
            Ok(())
        }
    });
    assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(ok, 6);
    assert!(res.is_err());
}

fn manual_pod(h: &mut crate::sim::testing::Harness, name: &str, owner: &Object) {
    let mut v = pod(name, json!({"app": "web"}), None);
    v["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "name": owner.name(), "uid": owner.uid(), "controller": true, "blockOwnerDeletion": true}]);
    h.api.create(obj(v)).unwrap();
}

#[test]
fn scale_down_deletes_the_least_valuable_pods_first() {
    let mut h = harness();
    let rs = h.api.create(obj(replica_set("web", 7))).unwrap();
    for n in [
        "a-unscheduled",
        "b-pending",
        "c-notready",
        "d-old",
        "e-new",
        "f-costly",
        "g-doubled",
    ] {
        manual_pod(&mut h, n, &rs);
    }
    let t = |s: u64| SimTime::from_ms(s * 1000);
    // b: scheduled, still Pending.
    h.set_now(t(1));
    h.api
        .bind_pod(&pod_key("b-pending"), "kind-worker")
        .unwrap();
    // c: running, not ready. d, e, f: ready at different times; f protected by a cost.
    run_pod(
        &mut h.api,
        &pod_key("c-notready"),
        "kind-worker",
        "10.244.1.3",
        false,
        t(1),
    );
    run_pod(
        &mut h.api,
        &pod_key("d-old"),
        "kind-worker",
        "10.244.1.4",
        true,
        t(1),
    );
    run_pod(
        &mut h.api,
        &pod_key("f-costly"),
        "kind-worker2",
        "10.244.2.6",
        true,
        t(1),
    );
    run_pod(
        &mut h.api,
        &pod_key("g-doubled"),
        "kind-worker",
        "10.244.1.7",
        true,
        t(1),
    );
    h.set_now(t(2000));
    run_pod(
        &mut h.api,
        &pod_key("e-new"),
        "kind-worker2",
        "10.244.2.5",
        true,
        t(2000),
    );
    let mut f = (*h.api.get(&pod_key("f-costly")).unwrap()).clone();
    f.meta_mut().annotations = Some([(POD_DELETION_COST.to_string(), "100".to_string())].into());
    h.api.update(f).unwrap();
    h.set_now(t(4000));
    let mut c = ReplicaSetController::new();
    // Scale 7 → 1, one step at a time, to read off the ranking.
    let mut order = Vec::new();
    for replicas in (1..7).rev() {
        let mut r = (*h.api.get(&rs_key("web")).unwrap()).clone();
        if let Object::ReplicaSet(rs) = &mut r {
            rs.spec.as_mut().unwrap().replicas = Some(replicas);
        }
        h.api.update(r).unwrap();
        let _ = h.reconcile(&mut c, &rs_key("web"));
        let deleted: Vec<String> = h
            .take_calls()
            .into_iter()
            .filter_map(|c| c.strip_prefix("delete Pod default/").map(str::to_string))
            .collect();
        assert_eq!(deleted.len(), 1, "one deletion per step");
        order.extend(deleted);
        // Unscheduled and pending pods go at once; the rest terminate gracefully and are
        // no longer active.
    }
    assert_eq!(
        order,
        [
            "a-unscheduled", // 1. not on a node
            "b-pending",     // 2. Pending before Running
            "c-notready",    // 3. not ready before ready
            // 5. every rank is 0 (the ReplicaSet has no controller); 6. e became ready
            //    most recently.
            "e-new",
            // d and g were created and became ready together: a tie, broken by name.
            "d-old",
            "g-doubled",
        ]
    );
    // 4. the pod with the higher deletion cost survives.
    assert!(!h.api.get(&pod_key("f-costly")).unwrap().is_terminating());
    let events = rs_events(&h, "web");
    assert!(events.contains(&"SuccessfulDelete: Deleted pod: a-unscheduled".to_string()));
}

fn ready_pod_at(
    name: &str,
    node: &str,
    ready_s: u64,
    created_s: u64,
) -> k8s_openapi::api::core::v1::Pod {
    let mut v = pod(name, json!({"app": "web"}), None);
    v["metadata"]["uid"] = json!(format!("uid-{name}"));
    v["metadata"]["creationTimestamp"] = json!(SimTime::from_ms(created_s * 1000).rfc3339());
    v["spec"]["nodeName"] = json!(node);
    v["status"] = json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True",
        "lastTransitionTime": SimTime::from_ms(ready_s * 1000).rfc3339()}]});
    match obj(v) {
        Object::Pod(p) => p,
        _ => unreachable!(),
    }
}

#[test]
fn deletion_ranking_rules_beyond_readiness() {
    let now = SimTime::from_ms(100_000_000);
    let a = ready_pod_at("a", "n1", 1000, 10);
    let b = ready_pod_at("b", "n1", 1000, 10);
    // 5. More related pods on the same node is deleted first.
    assert_eq!(compare_for_deletion(&a, 3, &b, 1, now), Ordering::Less);
    // 6. Ready for a shorter (log-scale) time is deleted first; same log bucket → uid order.
    let recent = ready_pod_at("r", "n1", 99_000, 10);
    assert_eq!(compare_for_deletion(&recent, 0, &a, 0, now), Ordering::Less);
    let close = ready_pod_at("c", "n1", 1001, 10);
    assert_eq!(
        compare_for_deletion(&close, 0, &a, 0, now),
        Ordering::Greater,
        "uid-c > uid-a"
    );
    // 7. More restarts first.
    let mut crashy = ready_pod_at("z", "n1", 1000, 10);
    crashy.status.as_mut().unwrap().container_statuses =
        Some(vec![k8s_openapi::api::core::v1::ContainerStatus {
            name: "nginx".into(),
            restart_count: 4,
            ..Default::default()
        }]);
    assert_eq!(compare_for_deletion(&crashy, 0, &a, 0, now), Ordering::Less);
    // 8. Newer first.
    let young = ready_pod_at("y", "n1", 1000, 90_000);
    assert_eq!(compare_for_deletion(&young, 0, &a, 0, now), Ordering::Less);
    assert_eq!(
        compare_for_deletion(&a, 0, &young, 0, now),
        Ordering::Greater
    );
}

#[test]
fn a_terminating_pod_is_replaced_at_once_under_a_new_name() {
    let mut h = harness();
    h.api.create(obj(replica_set("web", 2))).unwrap();
    let mut c = ReplicaSetController::new();
    let _ = h.reconcile(&mut c, &rs_key("web"));
    let names = super::testkit::pods_named(&h.api, "web-");
    for (i, n) in names.iter().enumerate() {
        run_pod(
            &mut h.api,
            &pod_key(n),
            "kind-worker",
            &format!("10.244.1.{}", i + 2),
            true,
            h.now,
        );
    }
    h.take_calls();
    // A graceful delete: the pod stays, Terminating, for its grace period.
    h.api
        .delete(&pod_key(&names[0]), &DeleteOptions::default())
        .unwrap();
    assert!(h.api.get(&pod_key(&names[0])).unwrap().is_terminating());
    let _ = h.reconcile(&mut c, &rs_key("web"));
    let calls = h.take_calls();
    assert!(calls[0].starts_with("create Pod default/web-"), "{calls:?}");
    let now_names = super::testkit::pods_named(&h.api, "web-");
    assert_eq!(
        now_names.len(),
        3,
        "old terminating pod and its replacement coexist"
    );
    assert!(now_names.contains(&names[0]));
}

#[test]
fn adopts_matching_orphans_and_releases_pods_that_stop_matching() {
    let mut h = harness();
    h.api
        .create(obj(pod("stray", json!({"app": "web"}), None)))
        .unwrap();
    h.api.create(obj(replica_set("web", 1))).unwrap();
    let mut c = ReplicaSetController::new();
    let _ = h.reconcile(&mut c, &rs_key("web"));
    assert_eq!(
        h.take_calls(),
        [
            "patch Pod default/stray",
            "update-status ReplicaSet default/web"
        ],
        "the orphan is adopted and no pod is created"
    );
    let rs = h.api.get(&rs_key("web")).unwrap();
    assert_eq!(
        h.api
            .get(&pod_key("stray"))
            .unwrap()
            .controller_ref()
            .unwrap()
            .uid,
        rs.uid()
    );
    // Relabel: released, and replaced.
    let mut p = (*h.api.get(&pod_key("stray")).unwrap()).clone();
    p.meta_mut().labels = Some([("app".to_string(), "debug".to_string())].into());
    h.api.update(p).unwrap();
    let _ = h.reconcile(&mut c, &rs_key("web"));
    let calls = h.take_calls();
    assert_eq!(calls[0], "patch Pod default/stray");
    assert!(calls[1].starts_with("create Pod default/web-"));
    assert!(
        h.api
            .get(&pod_key("stray"))
            .unwrap()
            .controller_ref()
            .is_none()
    );
}

#[test]
fn available_replicas_wait_for_min_ready_seconds() {
    let mut h = harness();
    let mut v = replica_set("web", 1);
    v["spec"]["minReadySeconds"] = json!(10);
    h.api.create(obj(v)).unwrap();
    let mut c = ReplicaSetController::new();
    let _ = h.reconcile(&mut c, &rs_key("web"));
    let name = super::testkit::pods_named(&h.api, "web-").remove(0);
    h.set_now(SimTime::from_ms(5_000));
    run_pod(
        &mut h.api,
        &pod_key(&name),
        "kind-worker",
        "10.244.1.2",
        true,
        h.now,
    );
    h.set_now(SimTime::from_ms(5_010));
    let requeue = h.reconcile(&mut c, &rs_key("web"));
    assert_eq!(requeue, Requeue::After(SimDuration::from_secs(10)));
    let s = get_rs(&h, "web").status.unwrap();
    assert_eq!((s.ready_replicas, s.available_replicas), (Some(1), None));
    h.set_now(SimTime::from_ms(15_010));
    assert_eq!(h.reconcile(&mut c, &rs_key("web")), Requeue::No);
    let s = get_rs(&h, "web").status.unwrap();
    assert_eq!((s.ready_replicas, s.available_replicas), (Some(1), Some(1)));
    // Losing readiness drops both.
    set_ready(&mut h.api, &pod_key(&name), false, h.now);
    let _ = h.reconcile(&mut c, &rs_key("web"));
    let s = get_rs(&h, "web").status.unwrap();
    assert_eq!((s.ready_replicas, s.available_replicas), (None, None));
}

#[test]
fn pod_events_wake_the_owning_replica_set_and_orphans_wake_matching_ones() {
    let mut h = harness();
    let rs = h.api.create(obj(replica_set("web", 1))).unwrap();
    let c = ReplicaSetController::new();
    manual_pod(&mut h, "owned", &rs);
    h.api
        .create(obj(pod("orphan", json!({"app": "web"}), None)))
        .unwrap();
    let events = h.api.watch_events().to_vec();
    let owned = events
        .iter()
        .rev()
        .find(|e| e.object.name() == "owned")
        .unwrap();
    let orphan = events
        .iter()
        .rev()
        .find(|e| e.object.name() == "orphan")
        .unwrap();
    assert_eq!(c.keys_for(owned, &h.api), [rs_key("web")]);
    assert_eq!(c.keys_for(orphan, &h.api), [rs_key("web")]);
}

#[test]
fn a_pod_on_a_shared_read_write_once_claim_is_still_created_for_every_replica() {
    // The seeds warn that a Deployment sharing one RWO claim cannot run its replicas on
    // different nodes; that is the scheduler's and kubelet's business: the ReplicaSet just
    // creates the pods, all naming the same claim.
    let mut h = harness();
    let mut v = replica_set("db", 3);
    v["spec"]["template"]["spec"]["volumes"] =
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "shared"}}]);
    h.api.create(obj(v)).unwrap();
    let mut c = ReplicaSetController::new();
    let _ = h.reconcile(&mut c, &rs_key("db"));
    let claims: Vec<String> = h
        .api
        .iter_kind(Kind::Pod, Some("default"))
        .filter_map(|p| match &**p {
            Object::Pod(p) => p.spec.as_ref()?.volumes.as_ref()?[0]
                .persistent_volume_claim
                .as_ref()
                .map(|c| c.claim_name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(claims, ["shared", "shared", "shared"]);
}
