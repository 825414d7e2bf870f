//! Behaviour beyond upstream's unit tests: the retention matrix, adoption and release,
//! identity/storage repair, failures injected at every call count, events and error texts,
//! backoff and requeues, the informer handlers, the controller inside a `Sim`, randomized
//! interleavings with convergence, and the canary that shows the invariant checks bite.

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, DeleteOptions, Propagation};
use crate::engine::{SimDuration, SimRng};
use crate::sim::testing::Harness;
use crate::sim::{Controller, Requeue, Sim, SimConfig, TimingProfile, Verb};

use super::super::StatefulSetController;
use super::super::identity::{POD_INDEX_LABEL, get_ordinal, new_statefulset_pod};
use super::super::predicates::{get_pod_revision, is_running_and_ready, is_terminating};
use super::fixture::*;
use super::upstream::fail_nth;

const STATUS: &str = "update-status StatefulSet default/foo";

fn has_event(w: &World, type_: &str, reason: &str, message: &str) -> bool {
    w.events()
        .iter()
        .any(|(t, r, m)| t == type_ && r == reason && m == message)
}

fn claim_refs(w: &World, claim: &str) -> Vec<(String, String)> {
    w.claim(claim)
        .and_then(|c| c.metadata.owner_references)
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.kind, r.name))
        .collect()
}

// ----- events and error texts -----

#[test]
fn creation_events_use_upstream_texts() {
    let mut w = World::new(new_statefulset(1));
    w.sync();
    assert_eq!(
        w.events(),
        [
            (
                "Normal".to_string(),
                "SuccessfulCreate".to_string(),
                "create Claim datadir-foo-0 Pod foo-0 in StatefulSet foo success".to_string()
            ),
            (
                "Normal".to_string(),
                "SuccessfulCreate".to_string(),
                "create Pod foo-0 in StatefulSet foo successful".to_string()
            ),
        ]
    );
}

#[test]
fn a_failed_claim_create_is_reported_for_the_claim_and_the_pod() {
    let mut w = World::new(new_statefulset(1));
    w.h.fail_when(fail_nth(Verb::Create, Kind::PersistentVolumeClaim, 1));
    let err = w.sync().unwrap();
    assert_eq!(
        err,
        "failed to create PVC datadir-foo-0: Internal error occurred: injected failure"
    );
    assert!(has_event(
        &w,
        "Warning",
        "FailedCreate",
        "create Claim datadir-foo-0 for Pod foo-0 in StatefulSet foo failed error: Internal error occurred: injected failure"
    ));
    assert!(has_event(
        &w,
        "Warning",
        "FailedCreate",
        "create Pod foo-0 in StatefulSet foo failed error: failed to create PVC datadir-foo-0: Internal error occurred: injected failure"
    ));
    assert!(w.pod(0).is_none(), "no pod without its claim");
}

#[test]
fn a_pod_rejected_by_admission_fails_with_the_api_error_and_backs_off() {
    let mut w = World::new(new_statefulset(1));
    w.h.api
        .delete(
            &ObjectKey::new(Kind::ServiceAccount, NS, "default"),
            &DeleteOptions::default(),
        )
        .unwrap();
    let key = w.key.clone();
    let mut delays = Vec::new();
    for _ in 0..3 {
        delays.push(w.h.reconcile(&mut w.ctl, &key));
    }
    let msg = "pods \"foo-0\" is forbidden: error looking up service account default/default: serviceaccount \"default\" not found";
    assert_eq!(w.ctl.last_error().unwrap().to_string(), msg);
    assert!(has_event(
        &w,
        "Warning",
        "FailedCreate",
        &format!("create Pod foo-0 in StatefulSet foo failed error: {msg}")
    ));
    assert_eq!(
        delays,
        [5, 10, 20].map(|ms| Requeue::After(SimDuration::from_ms(ms))),
        "per-key exponential backoff from 5 ms"
    );
    // The account comes back: the next sync succeeds and the backoff is forgotten.
    w.h.api
        .create(
            Object::from_json(
                Kind::ServiceAccount,
                json!({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": "default", "namespace": NS}}),
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(w.h.reconcile(&mut w.ctl, &key), Requeue::No);
    assert!(w.pod(0).is_some());
    w.h.fail_when(fail_nth(Verb::UpdateStatus, Kind::StatefulSet, 1));
    w.run_ready(0);
    assert_eq!(
        w.h.reconcile(&mut w.ctl, &key),
        Requeue::After(SimDuration::from_ms(5))
    );
}

#[test]
fn an_invalid_pod_from_a_long_set_name_fails_at_the_api_server() {
    // V17: `controller-revision-hash` holds `<set>-<hash>`; past 63 characters every pod
    // create is rejected, forever.
    let name = "a".repeat(60);
    let mut h = Harness::new(3);
    for v in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": NS}}),
    ] {
        let kind = Kind::from_kind_name(v["kind"].as_str().unwrap()).unwrap();
        h.api.create(Object::from_json(kind, v).unwrap()).unwrap();
    }
    let mut set = sts_json(1);
    set["metadata"]["name"] = json!(name);
    let set = Object::from_json(Kind::StatefulSet, set).unwrap();
    h.api.create(set).unwrap();
    let mut ctl = StatefulSetController::default();
    let key = ObjectKey::new(Kind::StatefulSet, NS, &name);
    let r = h.reconcile(&mut ctl, &key);
    assert_eq!(r, Requeue::After(SimDuration::from_ms(5)));
    let err = ctl.last_error().unwrap();
    assert!(err.api().unwrap().is_invalid(), "{err}");
    assert!(
        err.to_string().contains("metadata.labels: Invalid value"),
        "{err}"
    );
    let calls = h.take_calls();
    assert!(
        calls
            .iter()
            .any(|c| c == &format!("create Pod default/{name}-0 -> Invalid"))
    );
}

#[test]
fn pods_in_a_terminating_namespace_fail_with_forbidden() {
    let mut h = Harness::new(4);
    for v in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "demo"}}),
    ] {
        let kind = Kind::from_kind_name(v["kind"].as_str().unwrap()).unwrap();
        h.api.create(Object::from_json(kind, v).unwrap()).unwrap();
    }
    let mut set = sts_json(0);
    set["metadata"]["namespace"] = json!("demo");
    h.api
        .create(Object::from_json(Kind::StatefulSet, set).unwrap())
        .unwrap();
    let mut ctl = StatefulSetController::default();
    let key = ObjectKey::new(Kind::StatefulSet, "demo", "foo");
    assert_eq!(h.reconcile(&mut ctl, &key), Requeue::No);
    h.api
        .delete(
            &ObjectKey::cluster(Kind::Namespace, "demo"),
            &DeleteOptions::default(),
        )
        .unwrap();
    // Existing objects may still be updated in a terminating namespace; new ones not.
    let mut set = match &*h.api.get(&key).unwrap() {
        Object::StatefulSet(s) => s.clone(),
        _ => unreachable!(),
    };
    set.spec.as_mut().unwrap().replicas = Some(1);
    h.api.update(Object::StatefulSet(set)).unwrap();
    let r = h.reconcile(&mut ctl, &key);
    assert!(matches!(r, Requeue::After(_)));
    assert_eq!(
        ctl.last_error().unwrap().to_string(),
        "failed to create PVC datadir-foo-0: persistentvolumeclaims \"datadir-foo-0\" is forbidden: unable to create new content in namespace demo because it is being terminated"
    );
}

#[test]
fn a_terminating_claim_blocks_its_pod_with_an_error() {
    let mut w = World::new(new_statefulset(1));
    w.sync();
    w.finish_termination(0);
    // Delete the claim; pvc-protection holds it (nothing ran the protection controller).
    w.h.api
        .delete(
            &ObjectKey::new(Kind::PersistentVolumeClaim, NS, "datadir-foo-0"),
            &DeleteOptions::default(),
        )
        .unwrap();
    w.checks.empty = true;
    let err = w.sync().unwrap();
    assert_eq!(err, "pvc datadir-foo-0 is being deleted");
    assert!(w.pod(0).is_none());
    assert!(has_event(
        &w,
        "Warning",
        "FailedCreate",
        "create Pod foo-0 in StatefulSet foo failed error: pvc datadir-foo-0 is being deleted"
    ));
}

#[test]
fn min_ready_seconds_requeues_until_available() {
    let mut w = World::new(sts_with(1, |v| v["spec"]["minReadySeconds"] = json!(10)));
    let key = w.key.clone();
    let _ = w.h.reconcile(&mut w.ctl, &key);
    w.run_ready(0);
    assert_eq!(
        w.h.reconcile(&mut w.ctl, &key),
        Requeue::After(SimDuration::from_secs(10)),
        "S8: available 0 of 1"
    );
    w.advance(SimDuration::from_secs(10));
    assert_eq!(w.h.reconcile(&mut w.ctl, &key), Requeue::No);
    assert_eq!(w.status().available_replicas, 1);
}

// ----- retention -----

#[test]
fn retention_matrix_scale_down_then_set_deletion() {
    // (policy, claims left after 3→1, claims left after the set is deleted)
    let cases = [
        (Policy::Retain, vec![0, 1, 2], vec![0, 1, 2]),
        (Policy::Null, vec![0, 1, 2], vec![0, 1, 2]),
        (Policy::ScaleDownOnly, vec![0], vec![0]),
        (Policy::SetDeleteOnly, vec![0, 1, 2], vec![]),
        (Policy::Delete, vec![0], vec![]),
    ];
    for mode in Mode::ALL {
        for (policy, after_scale, after_delete) in &cases {
            let mut w = World::new(policy.apply(mode.apply(new_statefulset(3))));
            w.scale_up();
            w.scale(1);
            w.scale_down();
            let left = |w: &World| -> Vec<i64> {
                (0..3)
                    .filter(|o| w.claim(&format!("datadir-foo-{o}")).is_some())
                    .collect()
            };
            assert_eq!(&left(&w), after_scale, "{mode:?} {policy:?} scale-down");
            w.h.api
                .delete(&w.key.clone(), &DeleteOptions::default())
                .unwrap();
            w.gc();
            for p in w.pods() {
                w.finish_termination(get_ordinal(&p));
            }
            w.gc();
            assert_eq!(&left(&w), after_delete, "{mode:?} {policy:?} set deletion");
        }
    }
}

#[test]
fn retention_refs_follow_a_policy_change() {
    let mut w = World::new(new_statefulset(2));
    w.scale_up();
    assert_eq!(claim_refs(&w, "datadir-foo-0"), []);
    w.update_set(|s| {
        s.spec
            .as_mut()
            .unwrap()
            .persistent_volume_claim_retention_policy = Policy::Delete
            .apply(new_statefulset(1))
            .spec
            .unwrap()
            .persistent_volume_claim_retention_policy;
    });
    w.sync();
    for o in 0..2 {
        assert_eq!(
            claim_refs(&w, &format!("datadir-foo-{o}")),
            [("StatefulSet".to_string(), "foo".to_string())]
        );
    }
    assert!(has_event(
        &w,
        "Normal",
        "SuccessfulUpdate",
        "update Pod foo-0 in StatefulSet foo successful"
    ));
    w.update_set(|s| {
        s.spec
            .as_mut()
            .unwrap()
            .persistent_volume_claim_retention_policy = Policy::Retain
            .apply(new_statefulset(1))
            .spec
            .unwrap()
            .persistent_volume_claim_retention_policy;
    });
    w.sync();
    assert_eq!(
        claim_refs(&w, "datadir-foo-1"),
        [],
        "Retain/Retain strips our refs (I23)"
    );
}

#[test]
fn a_condemned_pod_back_in_range_gets_its_claim_back() {
    let mut w = World::new(Policy::ScaleDownOnly.apply(burst(new_statefulset(3))));
    w.scale_up();
    w.scale(2);
    w.sync();
    assert_eq!(
        claim_refs(&w, "datadir-foo-2"),
        [("Pod".to_string(), "foo-2".to_string())]
    );
    assert!(is_terminating(&w.pod(2).unwrap()));
    w.scale(3);
    w.sync();
    assert_eq!(
        claim_refs(&w, "datadir-foo-2"),
        [],
        "I22: back in range, pod ref removed"
    );
    w.finish_termination(2);
    w.gc();
    assert!(w.claim("datadir-foo-2").is_some(), "the data survives");
    w.sync();
    assert!(w.pod(2).is_some());
}

#[test]
fn a_foreign_controller_on_a_claim_is_left_alone_with_a_warning() {
    let mut w = World::new(Policy::Delete.apply(new_statefulset(1)));
    w.sync();
    let mut c = w.claim("datadir-foo-0").unwrap();
    c.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            name: "other".into(),
            uid: "other-uid".into(),
            controller: Some(true),
            block_owner_deletion: None,
        },
    ]);
    w.h.api.update(Object::PersistentVolumeClaim(c)).unwrap();
    // The pod stays Pending, so each sync re-applies the retention refs (S31).
    w.checks.empty = true;
    w.sync();
    assert_eq!(
        claim_refs(&w, "datadir-foo-0"),
        [("ConfigMap".to_string(), "other".to_string())]
    );
    assert!(has_event(
        &w,
        "Warning",
        "ConflictingController",
        "PersistentVolumeClaim datadir-foo-0 has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim"
    ));
}

// ----- adoption, release, repair -----

fn orphan_pod(w: &World, ordinal: i64, labels: &[(&str, &str)]) -> Pod {
    let set = w.set();
    let mut pod = new_statefulset_pod(&set, ordinal);
    pod.metadata.owner_references = None;
    for (k, v) in labels {
        pod.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert(k.to_string(), v.to_string());
    }
    pod
}

#[test]
fn matching_orphans_are_adopted_and_others_ignored() {
    let mut w = World::new(new_statefulset(1));
    let mine = orphan_pod(&w, 0, &[]);
    w.h.api.create(Object::Pod(mine)).unwrap();
    let mut stranger = orphan_pod(&w, 0, &[]);
    stranger.metadata.name = Some("bar-0".into());
    w.h.api.create(Object::Pod(stranger)).unwrap();
    let mut other_owned = orphan_pod(&w, 3, &[]);
    other_owned.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "apps/v1".into(),
            kind: "ReplicaSet".into(),
            name: "rs".into(),
            uid: "rs-uid".into(),
            controller: Some(true),
            block_owner_deletion: None,
        },
    ]);
    w.h.api.create(Object::Pod(other_owned)).unwrap();
    w.checks.empty = true;
    w.sync();
    let calls = w.take_calls();
    assert!(
        calls.contains(&"patch Pod default/foo-0".to_string()),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .all(|c| !c.contains("bar-0") && !c.contains("foo-3")),
        "{calls:?}"
    );
    let owner = w.pod(0).unwrap().metadata.owner_references.unwrap();
    assert_eq!(
        (owner[0].kind.as_str(), owner[0].controller),
        ("StatefulSet", Some(true))
    );
}

#[test]
fn an_owned_pod_that_stops_matching_is_released_and_blocks_its_name() {
    let mut w = World::new(new_statefulset(1));
    w.scale_up();
    let mut pod = w.pod(0).unwrap();
    pod.metadata
        .labels
        .as_mut()
        .unwrap()
        .insert("foo".into(), "baz".into());
    w.h.api.update(Object::Pod(pod)).unwrap();
    w.take_calls();
    w.checks.empty = true;
    let err = w.sync().unwrap();
    assert_eq!(err, "pods \"foo-0\" already exists");
    let calls = w.take_calls();
    assert_eq!(
        &calls[..2],
        [
            "patch Pod default/foo-0",
            "create Pod default/foo-0 -> AlreadyExists"
        ]
    );
    assert!(
        w.pod(0)
            .unwrap()
            .metadata
            .owner_references
            .unwrap_or_default()
            .is_empty(),
        "released (X17)"
    );
    assert!(
        !w.events().iter().any(|(_, r, _)| r == "FailedCreate"),
        "AlreadyExists records no event"
    );
}

#[test]
fn a_set_being_deleted_adopts_nothing_and_only_writes_status() {
    let mut w = World::new(new_statefulset(3));
    w.sync();
    w.run_ready(0);
    w.h.api
        .delete(
            &w.key.clone(),
            &DeleteOptions {
                propagation: Some(Propagation::Foreground),
                ..Default::default()
            },
        )
        .unwrap();
    let orphan = orphan_pod(&w, 2, &[]);
    w.h.api.create(Object::Pod(orphan)).unwrap();
    w.take_calls();
    w.checks.empty = true;
    w.sync();
    assert_eq!(w.take_calls(), [STATUS], "S21: no pod writes, no adoption");
}

#[test]
fn identity_is_repaired_with_an_update() {
    let mut w = World::new(new_statefulset(2));
    w.scale_up();
    let mut pod = w.pod(1).unwrap();
    pod.metadata
        .labels
        .as_mut()
        .unwrap()
        .remove(POD_INDEX_LABEL);
    pod.metadata
        .labels
        .as_mut()
        .unwrap()
        .remove(super::super::identity::POD_NAME_LABEL);
    w.h.api.update(Object::Pod(pod)).unwrap();
    w.take_calls();
    w.checks.empty = true;
    w.sync();
    assert_eq!(w.take_calls(), ["update Pod default/foo-1"]);
    assert_eq!(w.labels_of(1)[POD_INDEX_LABEL], "1");
    assert!(has_event(
        &w,
        "Normal",
        "SuccessfulUpdate",
        "update Pod foo-1 in StatefulSet foo successful"
    ));
}

#[test]
fn storage_repair_of_an_adopted_pod_fails_because_volumes_are_immutable() {
    let mut w = World::new(new_statefulset(1));
    let mut pod = orphan_pod(&w, 0, &[]);
    let spec = pod.spec.as_mut().unwrap();
    spec.volumes
        .as_mut()
        .unwrap()
        .retain(|v| v.name != "datadir");
    spec.containers[0]
        .volume_mounts
        .as_mut()
        .unwrap()
        .retain(|m| m.name != "datadir");
    w.h.api.create(Object::Pod(pod)).unwrap();
    w.run_ready(0);
    w.checks.empty = true;
    let err = w.sync().unwrap();
    assert!(
        err.starts_with(
            "Pod \"foo-0\" is invalid: spec: Forbidden: pod updates may not change fields"
        ),
        "{err}"
    );
    let calls = w.take_calls();
    assert!(calls.contains(&"create PersistentVolumeClaim default/datadir-foo-0".to_string()));
    assert!(calls.contains(&"update Pod default/foo-0 -> Invalid".to_string()));
    assert!(
        w.events()
            .iter()
            .any(|(t, r, _)| t == "Warning" && r == "FailedUpdate")
    );
}

// ----- failures at every call count -----

#[test]
fn a_create_failing_at_any_call_count_is_retried_to_convergence() {
    for mode in Mode::ALL {
        for policy in [Policy::Retain, Policy::Delete] {
            for nth in 1..=7 {
                let mut w = World::new(policy.apply(mode.apply(new_statefulset(3))));
                let mut seen = 0;
                w.h.fail_when(move |c| {
                    if c.verb == Verb::Create {
                        seen += 1;
                        if seen == nth {
                            return Some(ApiError::internal("injected failure"));
                        }
                    }
                    None
                });
                w.scale_up();
                assert_eq!(
                    w.status().ready_replicas,
                    3,
                    "{mode:?} {policy:?} create #{nth}"
                );
                let failed = w
                    .log
                    .iter()
                    .filter(|l| l.ends_with("-> InternalError"))
                    .count();
                assert_eq!(failed, 1, "{mode:?} {policy:?} create #{nth}: {:?}", w.log);
            }
        }
    }
}

#[test]
fn any_write_failing_during_scale_down_and_update_is_retried() {
    for mode in Mode::ALL {
        for verb in [Verb::Delete, Verb::Update, Verb::UpdateStatus, Verb::Create] {
            for nth in 1..=4 {
                let mut w = World::new(Policy::Delete.apply(mode.apply(new_statefulset(4))));
                w.scale_up();
                let mut seen = 0;
                w.h.fail_when(move |c| {
                    if c.verb == verb {
                        seen += 1;
                        if seen == nth {
                            return Some(ApiError::internal("injected failure"));
                        }
                    }
                    None
                });
                w.scale(2);
                w.scale_down();
                w.set_image("foo");
                w.checks.update = true;
                w.checks.empty = true;
                w.run_update();
                for p in w.pods() {
                    assert_eq!(w.image_of(get_ordinal(&p)), "foo", "{mode:?} {verb} #{nth}");
                }
            }
        }
    }
}

// ----- informer handlers and the simulation -----

#[test]
fn keys_come_from_sets_and_pods_not_claims_or_revisions() {
    let mut w = World::new(new_statefulset(1));
    w.sync();
    let ctl = StatefulSetController::default();
    let set_key = w.key.clone();
    let events = w.h.api.watch_events().to_vec();
    let mut by_kind = std::collections::BTreeMap::<Kind, Vec<Vec<ObjectKey>>>::new();
    for e in &events {
        by_kind
            .entry(e.object.kind())
            .or_default()
            .push(ctl.keys_for(e, &w.h.api));
    }
    assert!(
        by_kind[&Kind::StatefulSet]
            .iter()
            .all(|k| k == std::slice::from_ref(&set_key))
    );
    assert!(
        by_kind[&Kind::Pod]
            .iter()
            .all(|k| k == std::slice::from_ref(&set_key))
    );
    assert!(
        by_kind[&Kind::PersistentVolumeClaim]
            .iter()
            .all(Vec::is_empty),
        "X5"
    );
    assert!(
        by_kind[&Kind::ControllerRevision].iter().all(Vec::is_empty),
        "X5"
    );
    // An orphan with matching labels wakes the set; its deletion wakes nobody.
    let orphan = orphan_pod(&w, 4, &[]);
    w.h.api.create(Object::Pod(orphan)).unwrap();
    let added = w.h.api.watch_events().last().unwrap().clone();
    assert_eq!(
        ctl.keys_for(&added, &w.h.api),
        std::slice::from_ref(&set_key)
    );
    w.h.api
        .delete(
            &ObjectKey::new(Kind::Pod, NS, "foo-4"),
            &DeleteOptions::default(),
        )
        .unwrap();
    let deleted = w.h.api.watch_events().last().unwrap().clone();
    assert!(ctl.keys_for(&deleted, &w.h.api).is_empty());
    // A pod whose controller ref names another uid resolves to nothing.
    let mut pod = orphan_pod(&w, 5, &[("foo", "nomatch")]);
    pod.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "apps/v1".into(),
            kind: "StatefulSet".into(),
            name: SET.into(),
            uid: "stale".into(),
            controller: Some(true),
            block_owner_deletion: None,
        },
    ]);
    w.h.api.create(Object::Pod(pod)).unwrap();
    let added = w.h.api.watch_events().last().unwrap().clone();
    assert!(ctl.keys_for(&added, &w.h.api).is_empty());
}

#[test]
fn the_controller_runs_inside_a_simulation() {
    let mut sim = Sim::new(SimConfig {
        profile: TimingProfile::instant(),
        ..Default::default()
    });
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    sim.add_controller(Box::new(StatefulSetController::default()));
    sim.write(|api| {
        api.create(
            Object::from_json(
                Kind::Namespace,
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
            )
            .unwrap(),
        )
        .unwrap()
    });
    sim.run_for(SimDuration::from_secs(1), 1000);
    sim.write(|api| {
        api.create(Object::StatefulSet(burst(new_statefulset(3))))
            .unwrap()
    });
    let end = sim.run_for(SimDuration::from_secs(5), 10_000);
    assert!(matches!(end, crate::engine::RunEnd::Idle { .. }), "{end:?}");
    let pods: Vec<String> = sim
        .api()
        .iter_kind(Kind::Pod, Some(NS))
        .map(|p| p.name().to_string())
        .collect();
    assert_eq!(pods, ["foo-0", "foo-1", "foo-2"]);
    let set = sim
        .api()
        .get(&ObjectKey::new(Kind::StatefulSet, NS, SET))
        .unwrap();
    let Object::StatefulSet(set) = &*set else {
        unreachable!()
    };
    assert_eq!(set.status.as_ref().unwrap().replicas, 3);
    assert_eq!(sim.pending(), 0, "quiet once nothing changes");
}

// ----- randomized interleavings and convergence (INV28) -----

fn converged(w: &World) -> bool {
    let s = w.status();
    let pods = w.pods();
    let n = w.replicas();
    pods.len() == n as usize
        && pods
            .iter()
            .all(|p| is_running_and_ready(p) && !is_terminating(p))
        && s.replicas == n
        && s.ready_replicas == n
        && s.available_replicas == n
        && s.current_revision == s.update_revision
        && pods
            .iter()
            .all(|p| get_pod_revision(p) == s.update_revision)
}

#[test]
fn random_operations_keep_the_invariants_and_converge() {
    for seed in 0..24u64 {
        let mode = Mode::ALL[(seed % 2) as usize];
        let policy = Policy::ALL[(seed % 5) as usize];
        let gate = seed % 3 != 0;
        let set = policy.apply(mode.apply(sts_with(2, |v| {
            if seed % 4 == 1 {
                v["spec"]["updateStrategy"] =
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}});
            }
        })));
        let mut w = World::with(set, StatefulSetController::new(gate), seed);
        w.checks.empty = true;
        let mut rng = SimRng::from_seed(seed).fork("operations");
        for _ in 0..250 {
            let op = rng.below(100);
            let pods = w.pods();
            let pick = (!pods.is_empty())
                .then(|| get_ordinal(&pods[rng.below(pods.len() as u64) as usize]));
            match (op, pick) {
                (0..=54, _) => {
                    w.kubelet_step();
                }
                (55..=64, _) => w.scale(rng.below(6) as i32),
                (65..=71, _) => w.set_image(&format!("img-{}", rng.below(3))),
                (72..=76, Some(o)) => w.delete_pod(o),
                (77..=79, Some(o)) => {
                    if !is_terminating(&w.pod(o).unwrap()) {
                        w.set_phase(o, "Failed");
                    }
                }
                (80..=84, Some(o)) => w.set_ready(o, false),
                (85..=89, _) => w.gc(),
                (90..=94, _) => {
                    if let Some(p) = (seed % 4 == 1).then(|| rng.below(4) as i32) {
                        w.update_set(|s| {
                            s.spec
                                .as_mut()
                                .unwrap()
                                .update_strategy
                                .as_mut()
                                .unwrap()
                                .rolling_update
                                .as_mut()
                                .unwrap()
                                .partition = Some(p);
                        });
                    }
                }
                _ => w.advance(SimDuration::from_secs(1)),
            }
            w.sync();
        }
        // A fair environment from here on: partition 0, pods become ready, GC runs.
        if seed % 4 == 1 {
            w.update_set(|s| {
                s.spec
                    .as_mut()
                    .unwrap()
                    .update_strategy
                    .as_mut()
                    .unwrap()
                    .rolling_update
                    .as_mut()
                    .unwrap()
                    .partition = Some(0);
            });
        }
        let mut steps = 0;
        while !converged(&w) {
            steps += 1;
            assert!(
                steps < STEPS_MAX,
                "seed {seed} did not converge: {:?} {:?}",
                w.status(),
                w.ordinals()
            );
            w.gc();
            w.kubelet_step();
            w.sync();
        }
        // The sync that promoted the update revision still counted the old current revision
        // as live; the next one may prune it. After that, nothing.
        w.take_calls();
        w.sync();
        let calls = w.take_calls();
        assert!(
            calls
                .iter()
                .all(|c| c.starts_with("delete ControllerRevision")),
            "seed {seed}: {calls:?}"
        );
        w.sync();
        w.sync();
        let calls = w.take_calls();
        assert!(
            calls.is_empty(),
            "seed {seed}: converged sets issue no writes: {calls:?}"
        );
    }
}

// ----- the canary -----

/// A controller that skips the readiness checks of Phase A creates successors too early;
/// the ordered-creation invariant (INV7) must catch it, while the real controller passes the
/// same run.
#[test]
fn canary_a_broken_controller_violates_ordered_creation() {
    let run = |ctl: StatefulSetController| -> Result<(), String> {
        let mut w = World::with(new_statefulset(3), ctl, 11);
        w.checks.empty = true;
        for _ in 0..200 {
            w.try_sync()?;
            w.kubelet_step();
        }
        Ok(())
    };
    assert_eq!(run(StatefulSetController::default()), Ok(()));
    let violation = run(StatefulSetController::default().broken_skipping_ready_checks())
        .expect_err("the broken controller must be caught");
    assert!(violation.contains("INV7"), "{violation}");
}
