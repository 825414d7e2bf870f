//! The micro-traces T1–T12 of spec §2.7, each asserting the ordered calls a state produces.

use serde_json::json;

use crate::api::Object;
use crate::apiserver::{DeleteOptions, Propagation};

use super::fixture::*;

const STATUS: &str = "update-status StatefulSet default/foo";

/// T1: OrderedReady 0→3 creates one pod per sync, each only after its predecessor is
/// Running and Ready; status reflects only pods that existed when the sync started.
#[test]
fn t1_ordered_scale_up_creates_one_pod_at_a_time() {
    let mut w = World::new(sts_with(3, |v| {
        v["spec"]["volumeClaimTemplates"] = json!([]);
        v["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] =
            json!([{"name": "home", "mountPath": "/home"}]);
    }));
    w.sync();
    let calls = w.take_calls();
    assert_eq!(
        calls[0],
        format!(
            "create ControllerRevision default/{}",
            w.revisions()[0].metadata.name.clone().unwrap()
        )
    );
    assert_eq!(
        &calls[1..],
        [
            "create Pod default/foo-0",
            "update-status StatefulSet default/foo"
        ]
    );
    assert_eq!(
        w.status().replicas,
        0,
        "web-0 did not exist when the sync started"
    );
    // Pending, then Running: each sync stops at web-0.
    for step in 0..2 {
        if step == 0 {
            w.sync();
        } else {
            w.start(0);
            w.sync();
        }
        let calls = w.take_calls();
        assert!(
            calls.iter().all(|c| !c.starts_with("create Pod")),
            "{calls:?}"
        );
    }
    w.set_ready(0, true);
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            "create Pod default/foo-1",
            "update-status StatefulSet default/foo"
        ]
    );
    w.run_ready(1);
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            "create Pod default/foo-2",
            "update-status StatefulSet default/foo"
        ]
    );
    w.run_ready(2);
    w.sync();
    assert_eq!(w.take_calls(), ["update-status StatefulSet default/foo"]);
    let s = w.status();
    assert_eq!(
        (s.replicas, s.ready_replicas, s.available_replicas),
        (3, 3, 3)
    );
    assert_eq!(s.current_revision, s.update_revision);
    w.sync();
    assert!(
        w.take_calls().is_empty(),
        "a converged set issues no writes"
    );
}

fn no_claims(v: &mut serde_json::Value) {
    v["spec"]["volumeClaimTemplates"] = json!([]);
    v["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "home", "mountPath": "/home"}]);
}

/// A ready OrderedReady set of `n` pods, calls cleared.
fn ready_world(set: k8s_openapi::api::apps::v1::StatefulSet) -> World {
    let mut w = World::new(set);
    w.scale_up();
    w.sync();
    w.take_calls();
    w
}

fn rev_name(w: &World, index: usize) -> String {
    w.revisions()[index].metadata.name.clone().unwrap()
}

/// T2: OrderedReady 3→1 deletes the highest ordinal first, waits for it to be gone, and
/// waits again while an in-range pod is not ready.
#[test]
fn t2_ordered_scale_down_is_highest_first_and_waits() {
    let mut w = ready_world(sts_with(3, no_claims));
    w.scale(1);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-2", STATUS]);
    w.sync();
    assert_eq!(
        w.take_calls(),
        [STATUS],
        "foo-2 is terminating: wait (S36); only the status moves"
    );
    w.finish_termination(2);
    // foo-0 flaps not-ready: Phase A stops there, scale-down waits.
    w.checks.empty = true;
    w.set_ready(0, false);
    w.sync();
    assert_eq!(w.take_calls(), [STATUS]);
    assert!(w.pod(1).is_some());
    w.set_ready(0, true);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-1", STATUS]);
    w.finish_termination(1);
    w.sync();
    assert_eq!(w.take_calls(), [STATUS]);
    assert_eq!(w.ordinals(), [0]);
    assert_eq!(w.status().replicas, 1);
}

/// T3: Parallel 0→3 creates every pod (claims first) in one sync, in slow-start batches.
#[test]
fn t3_parallel_scale_up_creates_all_in_one_sync() {
    let mut w = World::new(burst(new_statefulset(3)));
    w.sync();
    let calls = w.take_calls();
    assert_eq!(
        &calls[1..],
        [
            "create PersistentVolumeClaim default/datadir-foo-0",
            "create Pod default/foo-0",
            "create PersistentVolumeClaim default/datadir-foo-1",
            "create Pod default/foo-1",
            "create PersistentVolumeClaim default/datadir-foo-2",
            "create Pod default/foo-2",
            STATUS,
        ]
    );
}

/// T4: a rolling update replaces the highest ordinal first, one pod at a time, each after
/// its successor is recreated and ready; completion promotes the update revision.
#[test]
fn t4_rolling_update_is_reverse_ordinal_and_completes() {
    let mut w = ready_world(sts_with(3, |v| {
        no_claims(v);
        v["spec"].as_object_mut().unwrap().remove("updateStrategy");
    }));
    let r1 = rev_name(&w, 0);
    w.set_image("nginx:2");
    w.sync();
    let r2 = rev_name(&w, 1);
    assert_eq!(
        w.take_calls(),
        [
            format!("create ControllerRevision default/{r2}"),
            "delete Pod default/foo-2".into(),
            STATUS.into()
        ]
    );
    let s = w.status();
    assert_eq!(
        (
            s.observed_generation,
            s.current_replicas,
            s.updated_replicas
        ),
        (2, 2, 0)
    );
    assert_eq!(
        (s.current_revision.as_str(), s.update_revision.as_str()),
        (r1.as_str(), r2.as_str())
    );
    w.sync();
    assert!(
        w.take_calls().is_empty(),
        "foo-2 terminating: Phase A stops (S32)"
    );
    assert_eq!((w.status().replicas, w.status().current_replicas), (3, 2));
    w.checks.empty = true;
    for ordinal in [2, 1, 0] {
        w.finish_termination(ordinal);
        w.sync();
        assert_eq!(
            w.take_calls(),
            [format!("create Pod default/foo-{ordinal}"), STATUS.into()]
        );
        assert_eq!(w.revision_of(ordinal), r2);
        w.run_ready(ordinal);
        w.sync();
        let calls = w.take_calls();
        if ordinal > 0 {
            assert_eq!(
                calls,
                [
                    format!("delete Pod default/foo-{}", ordinal - 1),
                    STATUS.into()
                ]
            );
        } else {
            assert_eq!(calls, [STATUS]);
        }
    }
    let s = w.status();
    assert_eq!(s.current_revision, r2);
    assert_eq!((s.current_replicas, s.updated_replicas), (3, 3));
    assert_eq!(
        w.revisions().len(),
        2,
        "r1 kept within revisionHistoryLimit"
    );
}

/// T5: with partition 2 only foo-2 moves; a deleted pod below the partition comes back at the
/// current revision; lowering the partition finishes the rollout without a new revision.
#[test]
fn t5_staged_update_with_partition() {
    let mut w = ready_world(sts_with(3, |v| {
        no_claims(v);
        v["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
    }));
    let r1 = rev_name(&w, 0);
    w.set_image("nginx:2");
    w.checks.empty = true;
    w.run_update();
    for _ in 0..3 {
        w.sync();
    }
    let r2 = rev_name(&w, 1);
    let s = w.status();
    assert_eq!((s.updated_replicas, s.current_replicas), (1, 2));
    assert_eq!(s.current_revision, r1);
    assert_eq!(
        [w.revision_of(0), w.revision_of(1), w.revision_of(2)],
        [r1.clone(), r1.clone(), r2.clone()]
    );
    w.take_calls();
    w.finish_termination(0);
    w.sync();
    assert_eq!(w.take_calls(), ["create Pod default/foo-0", STATUS]);
    assert_eq!(
        w.revision_of(0),
        r1,
        "below the partition: current revision (U7b)"
    );
    w.run_ready(0);
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
    w.drive(|w| w.update_complete());
    assert_eq!(
        w.revisions().len(),
        2,
        "a partition change makes no revision (U1)"
    );
    assert_eq!(w.status().current_revision, r2);
    assert!(
        w.log.iter().position(|l| l == "delete Pod default/foo-1")
            < w.log.iter().rposition(|l| l == "delete Pod default/foo-0")
    );
}

/// T6: Parallel with maxUnavailable 2 deletes two outdated pods at once, recreates without
/// waiting, and skips updated-but-unavailable pods when spending the budget.
#[test]
fn t6_parallel_max_unavailable_two() {
    let mut w = ready_world(burst(sts_with(4, |v| {
        no_claims(v);
        v["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}});
    })));
    w.checks.empty = true;
    w.set_image("nginx:2");
    w.sync();
    let calls = w.take_calls();
    assert_eq!(
        &calls[1..],
        [
            "delete Pod default/foo-3",
            "delete Pod default/foo-2",
            STATUS
        ]
    );
    w.sync();
    assert!(
        w.take_calls().is_empty(),
        "both terminating: u = 2, no budget"
    );
    w.finish_termination(3);
    w.sync();
    assert_eq!(w.take_calls(), ["create Pod default/foo-3", STATUS]);
    w.run_ready(3);
    w.finish_termination(2);
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            "create Pod default/foo-2",
            "delete Pod default/foo-1",
            STATUS
        ],
        "burst: foo-2 is created and, in the same sync, u = 1 (the placeholder) leaves a budget \
         of 1, spent on foo-1; foo-2 is skipped as updated"
    );
    w.start(2);
    w.sync();
    assert!(
        w.take_calls().iter().all(|c| !c.starts_with("delete")),
        "foo-1 and foo-2 unavailable: u = 2, no budget"
    );
}

/// T7: a Failed pod is deleted (sync stops), recreated once gone with its old claim; higher
/// ordinals are not touched.
#[test]
fn t7_failed_pod_is_replaced_with_its_claim() {
    let mut w = ready_world(new_statefulset(3));
    w.checks.empty = true;
    let uid2 = w.pod(2).unwrap().metadata.uid;
    w.set_phase(1, "Failed");
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-1", STATUS]);
    assert!(w.pod(1).is_none(), "a Failed pod has no grace period");
    w.sync();
    assert_eq!(
        w.take_calls(),
        ["create Pod default/foo-1", STATUS],
        "data claim reused"
    );
    assert_eq!(w.pod(2).unwrap().metadata.uid, uid2);
    let e = w.events();
    assert!(e.iter().any(|(t, r, m)| t == "Normal"
        && r == "SuccessfulDelete"
        && m == "delete Pod foo-1 in StatefulSet foo successful"));
    assert!(
        !e.iter().any(|(_, r, _)| r.starts_with("Recreating")),
        "removed in v1.31"
    );
}

/// T8 (K1): a broken template halts the rollout at the broken pod; reverting reuses the old
/// revision (renumbered) but nothing moves until the broken pod is deleted.
#[test]
fn t8_forced_rollback() {
    let mut w = ready_world(sts_with(3, no_claims));
    let r1 = rev_name(&w, 0);
    w.checks.empty = true;
    w.set_image("broken");
    w.sync();
    w.finish_termination(2);
    w.sync();
    w.start(2);
    for _ in 0..3 {
        w.sync();
    }
    w.take_calls();
    assert_eq!(w.image_of(2), "broken");
    w.set_image("nginx");
    w.sync();
    let calls = w.take_calls();
    assert_eq!(
        calls,
        [
            format!("update ControllerRevision default/{r1}"),
            STATUS.into()
        ]
    );
    let revs = w.revisions();
    assert_eq!(
        revs.last().unwrap().metadata.name.as_deref(),
        Some(r1.as_str())
    );
    assert_eq!(revs.last().unwrap().revision, 3);
    let s = w.status();
    assert_eq!(
        (s.update_revision.as_str(), s.current_revision.as_str()),
        (r1.as_str(), r1.as_str())
    );
    assert_eq!(s.updated_replicas, 2);
    w.sync();
    assert!(
        w.take_calls().is_empty(),
        "Phase A still waits on foo-2 (S33)"
    );
    w.delete_pod(2);
    w.finish_termination(2);
    w.sync();
    assert_eq!(w.take_calls(), ["create Pod default/foo-2", STATUS]);
    assert_eq!(w.image_of(2), "nginx");
    w.run_ready(2);
    w.sync();
    assert_eq!(w.status().ready_replicas, 3);
}

/// T9: whenScaled Delete re-parents the condemned pod's claim to the pod before deleting it;
/// scaling back before the garbage collector ran waits on the stale claim (no error); once
/// it is gone a new empty claim is created.
#[test]
fn t9_when_scaled_delete_and_the_stale_claim() {
    let mut w = ready_world(Policy::ScaleDownOnly.apply(new_statefulset(3)));
    for c in w.snapshot().claims {
        assert!(
            c.metadata.owner_references.is_none(),
            "in range: no refs (I16)"
        );
    }
    let old_claim_uid = w.claim("datadir-foo-2").unwrap().metadata.uid;
    w.scale(2);
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            "update PersistentVolumeClaim default/datadir-foo-2",
            "delete Pod default/foo-2",
            STATUS
        ]
    );
    let refs = w
        .claim("datadir-foo-2")
        .unwrap()
        .metadata
        .owner_references
        .unwrap();
    assert_eq!(
        (refs.len(), refs[0].kind.as_str(), refs[0].name.as_str()),
        (1, "Pod", "foo-2")
    );
    w.finish_termination(2);
    w.scale(3);
    w.sync();
    assert_eq!(w.take_calls(), [STATUS], "stale claim: wait, no create");
    assert_eq!(w.ctl.last_error(), None);
    w.gc();
    assert!(w.claim("datadir-foo-2").is_none(), "garbage collected");
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            "create PersistentVolumeClaim default/datadir-foo-2",
            "create Pod default/foo-2"
        ],
        "the status did not change (foo-2 did not exist when the sync started): no write"
    );
    assert_ne!(
        w.claim("datadir-foo-2").unwrap().metadata.uid,
        old_claim_uid
    );
}

/// T10: a pod on a lost node turns not-ready, is evicted and stays Terminating; nothing
/// replaces it until it is force-deleted, then it comes back with its claim.
#[test]
fn t10_node_loss_blocks_until_force_delete() {
    let mut w = ready_world(new_statefulset(3));
    w.checks.empty = true;
    w.set_ready(1, false);
    w.sync();
    assert_eq!(w.take_calls(), [STATUS]);
    assert_eq!(w.status().ready_replicas, 2);
    w.terminate(1);
    for _ in 0..3 {
        w.sync();
    }
    w.scale(2);
    w.sync();
    assert!(
        w.take_calls()
            .iter()
            .all(|c| !c.starts_with("create") && !c.starts_with("delete"))
    );
    w.scale(3);
    w.finish_termination(1);
    w.sync();
    assert_eq!(w.take_calls(), ["create Pod default/foo-1", STATUS]);
    assert!(w.claim("datadir-foo-1").is_some());
}

/// T11: delete with orphan propagation, then re-create: revisions and pods are adopted, the
/// identical template reuses the revision, the missing pod is created, the extra one removed.
#[test]
fn t11_orphan_delete_and_recreate_adopts() {
    let mut w = ready_world(new_statefulset(3));
    // Adopted pods are ready while the new foo-0 is not: upstream's ordering check does not
    // apply to adoption.
    w.checks.empty = true;
    let r1 = rev_name(&w, 0);
    w.h.api
        .delete(
            &w.key.clone(),
            &DeleteOptions {
                propagation: Some(Propagation::Orphan),
                ..Default::default()
            },
        )
        .unwrap();
    w.gc();
    assert!(w.h.api.try_get(&w.key).is_none());
    assert!(
        w.pods()
            .iter()
            .all(|p| p.metadata.owner_references.is_none())
    );
    w.finish_termination(0);
    w.h.api
        .create(Object::StatefulSet(new_statefulset(2)))
        .unwrap();
    w.take_calls();
    w.sync();
    assert_eq!(
        w.take_calls(),
        [
            format!("patch ControllerRevision default/{r1}"),
            "patch Pod default/foo-1".into(),
            "patch Pod default/foo-2".into(),
            "create Pod default/foo-0".into(),
            STATUS.into()
        ]
    );
    assert_eq!(
        w.revisions().len(),
        1,
        "identical template: no new revision"
    );
    w.run_ready(0);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-2", STATUS]);
}

/// T12: moving the start ordinal 0→2 keeps foo-2 (now index 0), creates foo-3 and foo-4 in
/// order, then deletes foo-1 and foo-0, highest first.
#[test]
fn t12_start_ordinal_change() {
    let mut w = ready_world(sts_with(3, no_claims));
    w.checks.empty = true;
    let from = w.log.len();
    w.update_set(|s| {
        s.spec.as_mut().unwrap().ordinals =
            Some(k8s_openapi::api::apps::v1::StatefulSetOrdinals { start: Some(2) });
    });
    w.drive(|w| w.ordinals() == [2, 3, 4] && w.status().ready_replicas == 3);
    let order: Vec<&String> = w.log[from..]
        .iter()
        .filter(|l| l.starts_with("create Pod") || l.starts_with("delete Pod"))
        .collect();
    assert_eq!(
        order,
        [
            "create Pod default/foo-3",
            "create Pod default/foo-4",
            "delete Pod default/foo-1",
            "delete Pod default/foo-0"
        ]
    );
}

/// Spec §2.5 notes and K2/K3: scale-down deletes an unavailable condemned pod only when it is
/// the lowest unavailable one; with two unavailable condemned pods the higher one blocks.
#[test]
fn condemned_unavailable_pods_block_unless_lowest() {
    // Only the highest condemned pod is unavailable: it goes at once.
    let mut w = ready_world(sts_with(5, no_claims));
    w.checks.empty = true;
    w.set_ready(4, false);
    w.scale(3);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-4", STATUS]);
    // Two unavailable condemned pods: foo-4 is not the lowest unavailable, so it blocks.
    let mut w = ready_world(sts_with(5, no_claims));
    w.checks.empty = true;
    w.set_ready(3, false);
    w.set_ready(4, false);
    w.scale(3);
    for _ in 0..3 {
        w.sync();
    }
    assert!(
        w.take_calls().iter().all(|c| !c.starts_with("delete")),
        "K3 deadlock"
    );
    // foo-4 turning ready unblocks: it goes first (healthy), then foo-3 as the lowest
    // unavailable condemned pod.
    w.set_ready(4, true);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-4", STATUS]);
    w.finish_termination(4);
    w.sync();
    assert_eq!(w.take_calls(), ["delete Pod default/foo-3", STATUS]);
}
