//! One test per named scenario of `spec/upstream-invariants.md` (upstream's
//! `stateful_set_control_test.go`), run as there over both pod management policies and the
//! retention-policy matrix, with the invariants checked after every reconcile.

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;

use crate::api::Kind;
use crate::apiserver::ApiError;
use crate::engine::{SimDuration, SimTime};
use crate::sim::{ApiCall, Controller, Cx, Requeue, Verb};

use super::super::StatefulSetController;
use super::super::identity::{POD_INDEX_LABEL, get_ordinal};
use super::super::predicates::is_terminating;
use super::super::update::update_statefulset_after_invariant_established;
use super::fixture::*;

/// A fault rule refusing the `nth` (1-based) call of `verb` on `kind`, once, with an
/// InternalError (upstream's request trackers).
pub fn fail_nth(verb: Verb, kind: Kind, nth: usize) -> impl FnMut(&ApiCall) -> Option<ApiError> {
    let mut seen = 0;
    move |c: &ApiCall| {
        if c.verb == verb && c.key.kind == kind {
            seen += 1;
            if seen == nth {
                return Some(ApiError::internal("injected failure"));
            }
        }
        None
    }
}

/// Runs `f` for every mode × policy, naming the case on failure.
fn matrix(f: impl Fn(Mode, Policy)) {
    for mode in Mode::ALL {
        for policy in Policy::ALL {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(mode, policy)));
            if let Err(e) = result {
                eprintln!("case {mode:?}/{policy:?} failed");
                std::panic::resume_unwind(e);
            }
        }
    }
}

fn world(mode: Mode, policy: Policy, replicas: i32) -> World {
    World::new(policy.apply(mode.apply(new_statefulset(replicas))))
}

fn counters(w: &World) -> (i32, i32, i32) {
    let s = w.status();
    (s.replicas, s.ready_replicas, s.updated_replicas)
}

#[test]
fn creates_pods() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.scale_up();
        assert_eq!(counters(&w), (3, 3, 3));
        for p in w.pods() {
            let labels = p.metadata.labels.clone().unwrap();
            assert_eq!(labels[POD_INDEX_LABEL], get_ordinal(&p).to_string());
        }
    });
}

#[test]
fn scales_up() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.scale_up();
        w.scale(4);
        w.scale_up();
        assert_eq!(counters(&w), (4, 4, 4));
    });
}

#[test]
fn scales_down() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.scale_up();
        w.scale(0);
        w.scale_down();
        assert_eq!(counters(&w), (0, 0, 0));
        assert!(w.pods().is_empty());
    });
}

#[test]
fn replaces_pods() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 5);
        w.scale_up();
        for c in &w.snapshot().claims {
            assert!(
                c.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .all(|r| r.kind != "Pod"),
                "no claim of an in-range pod carries a pod ref"
            );
        }
        // Pods vanish (force-deleted): gaps are expected, ordering checks are off meanwhile.
        w.checks.empty = true;
        for i in [0, 2, 4] {
            w.finish_termination(i);
        }
        for i in [0, 2, 4] {
            w.sync();
            assert!(w.pod(i).is_some(), "pod {i} recreated");
            w.start(i);
            w.sync();
            w.set_ready(i, true);
        }
        w.sync();
        assert_eq!(w.status().replicas, 5);
    });
}

fn recreates_terminal_pod(terminal_phase: &str, delete_failure: bool) {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.sync();
        assert_eq!(w.count_calls(Verb::Delete, Kind::Pod), 0);
        let first = get_ordinal(&w.pods()[0]);
        w.set_phase(first, terminal_phase);
        if delete_failure {
            w.h.fail_when(fail_nth(Verb::Delete, Kind::Pod, 1));
            let err = w.sync().expect("the injected delete failure surfaces");
            assert_eq!(err, "Internal error occurred: injected failure");
            assert!(w.pod(first).is_some());
        }
        w.sync();
        let deletes = if delete_failure { 2 } else { 1 };
        assert_eq!(w.count_calls(Verb::Delete, Kind::Pod), deletes);
        assert!(w.pod(first).is_none(), "the terminal pod is gone");
        w.sync();
        assert_eq!(w.count_calls(Verb::Delete, Kind::Pod), deletes);
        let recreated = w.pod(first).expect("recreated with the same ordinal");
        assert_eq!(super::super::predicates::phase(&recreated), "Pending");
        let creates = if mode == Mode::Monotonic { 2 } else { 4 };
        assert_eq!(w.count_calls(Verb::Create, Kind::Pod), creates);
    });
}

#[test]
fn recreates_failed_pod() {
    recreates_terminal_pod("Failed", false);
}

#[test]
fn recreates_succeeded_pod() {
    recreates_terminal_pod("Succeeded", false);
}

#[test]
fn recreates_failed_pod_with_delete_failure() {
    recreates_terminal_pod("Failed", true);
}

#[test]
fn recreates_succeeded_pod_with_delete_failure() {
    recreates_terminal_pod("Succeeded", true);
}

#[test]
fn create_pod_failure() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.h.fail_when(fail_nth(Verb::Create, Kind::Pod, 2));
        let mut errors = Vec::new();
        w.sync();
        w.drive(|w| {
            let s = w.status();
            s.ready_replicas == 3 && w.pods().len() == 3
        });
        for line in &w.log {
            if line.starts_with("create Pod") && line.ends_with("-> InternalError") {
                errors.push(line.clone());
            }
        }
        assert_eq!(errors.len(), 1, "{:?}", w.log);
        assert_eq!(counters(&w), (3, 3, 3));
    });
}

#[test]
fn update_pod_failure() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.scale_up();
        w.h.fail_when(|c| {
            (c.verb == Verb::Update && c.key.kind == Kind::Pod)
                .then(|| ApiError::internal("injected failure"))
        });
        // Break pod 0's identity (upstream renames it in the cache; names are immutable in
        // the API, so the pod-name label is removed instead).
        let mut pod = w.pod(0).unwrap();
        pod.metadata
            .labels
            .as_mut()
            .unwrap()
            .remove(super::super::identity::POD_NAME_LABEL);
        w.h.api.update(crate::api::Object::Pod(pod)).unwrap();
        w.checks.empty = true;
        let err = w.sync().expect("the failed pod update surfaces");
        assert_eq!(err, "Internal error occurred: injected failure");
    });
}

#[test]
fn update_set_status_failure() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.h.fail_when(fail_nth(Verb::UpdateStatus, Kind::StatefulSet, 2));
        w.scale_up();
        assert!(
            w.log
                .iter()
                .any(|l| l == "update-status StatefulSet default/foo -> InternalError")
        );
        assert_eq!(counters(&w), (3, 3, 3));
    });
}

#[test]
fn new_revision_delete_pod_failure() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.scale_up();
        w.set_image("foo");
        w.h.fail_when(fail_nth(Verb::Delete, Kind::Pod, 1));
        let err = w.sync().expect("the failed delete surfaces");
        assert_eq!(err, "Internal error occurred: injected failure");
        let s = w.status();
        assert_eq!(s.current_replicas, 3);
        assert_ne!(s.current_revision, s.update_revision);
        w.h.clear_faults();
        assert_eq!(w.sync(), None);
        assert_eq!(w.status().current_replicas, 2);
    });
}

#[test]
fn recreates_pvc_for_pending_pod() {
    matrix(|mode, policy| {
        let mut w = world(mode, policy, 3);
        w.sync();
        let first = get_ordinal(&w.pods()[0]);
        let claim = format!("datadir-foo-{first}");
        let mut c = w.claim(&claim).unwrap();
        c.metadata.finalizers = None;
        w.h.api
            .update(crate::api::Object::PersistentVolumeClaim(c))
            .unwrap();
        w.h.api
            .delete(
                &crate::api::ObjectKey::new(Kind::PersistentVolumeClaim, NS, &claim),
                &Default::default(),
            )
            .unwrap();
        assert!(w.claim(&claim).is_none());
        w.sync();
        assert!(
            w.claim(&claim).is_some(),
            "the pending pod's claim is recreated"
        );
    });
}

#[test]
fn creates_pods_with_start_ordinal() {
    let mut w = World::new(sts_with(3, |v| v["spec"]["ordinals"] = json!({"start": 2})));
    w.checks.empty = true;
    w.scale_up();
    assert_eq!(counters(&w), (3, 3, 3));
    assert_eq!(w.ordinals(), [2, 3, 4]);
}

#[test]
fn scale_down_delete_error() {
    for policy in Policy::ALL {
        let mut w = world(Mode::Monotonic, policy, 3);
        w.scale_up();
        w.scale(0);
        w.h.fail_when(fail_nth(Verb::Delete, Kind::Pod, 2));
        w.scale_down();
        assert!(
            w.log
                .iter()
                .any(|l| l.starts_with("delete Pod") && l.ends_with("-> InternalError"))
        );
        assert_eq!(counters(&w), (0, 0, 0));
    }
}

#[test]
fn get_set_revisions_create_reuse_and_roll_back() {
    for policy in Policy::ALL {
        // Pods never become ready, so the current revision stays the first one.
        let mut w = world(Mode::Monotonic, policy, 3);
        w.sync();
        let revs = w.revisions();
        assert_eq!(revs.len(), 1, "creates initial revision");
        let rev0 = revs[0].metadata.name.clone().unwrap();
        let s = w.status();
        assert_eq!(
            (s.current_revision.as_str(), s.update_revision.as_str()),
            (rev0.as_str(), rev0.as_str())
        );

        w.set_image("foo");
        w.sync();
        let revs = w.revisions();
        assert_eq!(revs.len(), 2, "creates revision on update");
        let rev1 = revs[1].metadata.name.clone().unwrap();
        assert_eq!(w.status().current_revision, rev0);
        assert_eq!(w.status().update_revision, rev1);

        w.sync();
        assert_eq!(
            w.revisions().len(),
            2,
            "must not recreate a revision of the same set"
        );

        w.update_set(|s| {
            s.spec
                .as_mut()
                .unwrap()
                .template
                .metadata
                .as_mut()
                .unwrap()
                .labels
                .as_mut()
                .unwrap()
                .insert("extra".into(), "label".into());
        });
        w.sync();
        assert_eq!(w.revisions().len(), 3);

        w.update_set(|s| {
            s.spec
                .as_mut()
                .unwrap()
                .template
                .metadata
                .as_mut()
                .unwrap()
                .labels
                .as_mut()
                .unwrap()
                .remove("extra");
        });
        w.sync();
        let revs = w.revisions();
        assert_eq!(revs.len(), 3, "must roll back to a previous revision");
        let newest = revs.last().unwrap();
        assert_eq!(newest.metadata.name.as_deref(), Some(rev1.as_str()));
        assert_eq!(newest.revision, 4);
        assert_eq!(w.status().current_revision, rev0);
        assert_eq!(w.status().update_revision, rev1);
    }
}

fn max_unavailable_set(mode: Mode) -> World {
    let set = sts_with(6, |v| {
        v["spec"]["updateStrategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 3, "maxUnavailable": 2}});
    });
    let mut w = World::new(mode.apply(set));
    w.checks.monotonic = false;
    w.scale_up();
    w
}

/// Completes every termination in progress (upstream's fake deletes at once).
fn finish_terminations(w: &mut World) {
    for p in w.pods() {
        if is_terminating(&p) {
            w.finish_termination(get_ordinal(&p));
        }
    }
}

fn live_ordinals(w: &World) -> Vec<i64> {
    w.pods()
        .iter()
        .filter(|p| !is_terminating(p))
        .map(get_ordinal)
        .collect()
}

#[test]
fn rolling_update_with_max_unavailable() {
    for mode in Mode::ALL {
        let mut w = max_unavailable_set(mode);
        w.set_image("foo");
        w.sync();
        assert_eq!(
            live_ordinals(&w),
            [0, 1, 2, 3],
            "{mode:?}: 4 and 5 deleted together"
        );
        finish_terminations(&mut w);
        w.sync();
        match mode {
            Mode::Burst => {
                assert_eq!(live_ordinals(&w), [0, 1, 2, 3, 4, 5]);
                w.start(4);
                w.start(5);
                w.set_ready(4, true);
                w.sync();
                assert_eq!(
                    live_ordinals(&w),
                    [0, 1, 2, 4, 5],
                    "one unavailable: one more goes"
                );
                finish_terminations(&mut w);
                w.sync();
                assert_eq!(live_ordinals(&w), [0, 1, 2, 3, 4, 5]);
            }
            Mode::Monotonic => {
                assert_eq!(live_ordinals(&w), [0, 1, 2, 3, 4]);
                w.run_ready(4);
                w.sync();
                assert_eq!(live_ordinals(&w), [0, 1, 2, 3, 4, 5]);
                w.run_ready(5);
                w.sync();
                assert_eq!(live_ordinals(&w), [0, 1, 2, 4, 5]);
                finish_terminations(&mut w);
                w.sync();
                assert_eq!(live_ordinals(&w), [0, 1, 2, 3, 4, 5]);
            }
        }
        w.run_ready(3);
        w.run_ready(5);
        let before: Vec<Pod> = w.pods();
        w.sync();
        w.sync();
        let after: Vec<Pod> = w.pods();
        let uids = |ps: &[Pod]| {
            ps.iter()
                .map(|p| p.metadata.uid.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            uids(&before),
            uids(&after),
            "pods below the partition are never touched"
        );
        for o in 0..3 {
            assert_eq!(w.image_of(o), "nginx");
        }
        for o in 3..6 {
            assert_eq!(w.image_of(o), "foo");
        }
    }
}

/// A controller that runs one function on the harness's reconcile context.
struct Direct<F>(F);

impl<F: for<'a, 'b> FnMut(&'a mut Cx<'b>)> Controller for Direct<F> {
    fn name(&self) -> &'static str {
        "statefulset-controller"
    }
    fn keys_for(
        &self,
        _: &crate::apiserver::WatchEvent,
        _: &crate::apiserver::ApiServer,
    ) -> Vec<crate::api::ObjectKey> {
        vec![]
    }
    fn reconcile(&mut self, _: &crate::api::ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        (self.0)(cx);
        Requeue::No
    }
}

#[test]
fn max_unavailable_counts_terminating_pods_in_ordered_mode() {
    let cases: [&[i64]; 10] = [
        &[],
        &[5],
        &[3],
        &[4],
        &[5, 4],
        &[5, 3],
        &[4, 3],
        &[5, 4, 3],
        &[2],
        &[1],
    ];
    for terminating in cases {
        let mut w = max_unavailable_set(Mode::Monotonic);
        for o in terminating {
            w.terminate(*o);
        }
        w.set_image("foo");
        let set = w.set();
        let pods: Vec<super::super::predicates::PodRef> = w
            .pods()
            .into_iter()
            .map(super::super::predicates::PodRef::new)
            .collect();
        let ev = crate::api::Object::StatefulSet(set.clone());
        let mut status = super::super::status::SetStatus {
            replicas: 6,
            ..Default::default()
        };
        let mut direct = Direct(|cx: &mut Cx<'_>| {
            update_statefulset_after_invariant_established(cx, &ev, &set, &pods, "", &mut status)
                .unwrap();
        });
        let first = w.h.calls().len();
        let _ = w.h.reconcile(&mut direct, &w.key.clone());
        let deletes = w.h.calls()[first..]
            .iter()
            .filter(|c| c.verb == Verb::Delete)
            .count();
        let expected = 2usize.saturating_sub(terminating.len());
        assert_eq!(deletes, expected, "terminating {terminating:?}");
    }
}

fn rolling_update_case(mode: Mode, from: i32, to: i32) {
    let mut w = World::new(mode.apply(new_statefulset(from)));
    w.scale_up();
    w.update_set(|s| {
        let spec = s.spec.as_mut().unwrap();
        spec.replicas = Some(to);
        spec.template.spec.as_mut().unwrap().containers[0].image = Some("foo".into());
    });
    w.checks.update = true;
    w.checks.empty = true;
    w.run_update();
    for p in w.pods() {
        assert_eq!(w.image_of(get_ordinal(&p)), "foo", "{mode:?} {from}->{to}");
    }
}

#[test]
fn rolling_update() {
    for mode in Mode::ALL {
        for (from, to) in [(3, 3), (3, 5), (5, 3)] {
            rolling_update_case(mode, from, to);
        }
    }
}

#[test]
fn rolling_update_with_the_gate_off() {
    for mode in Mode::ALL {
        for (from, to) in [(3, 3), (3, 5), (5, 3)] {
            let set = mode.apply(new_statefulset(from));
            let mut w = World::with(set, StatefulSetController::new(false), 7);
            w.scale_up();
            w.update_set(|s| {
                let spec = s.spec.as_mut().unwrap();
                spec.replicas = Some(to);
                spec.template.spec.as_mut().unwrap().containers[0].image = Some("foo".into());
            });
            w.checks.update = true;
            w.checks.empty = true;
            w.run_update();
            for p in w.pods() {
                assert_eq!(w.image_of(get_ordinal(&p)), "foo");
            }
        }
    }
}

#[test]
fn on_delete_update() {
    for policy in Policy::ALL {
        for mode in Mode::ALL {
            for (from, to) in [(3, 3), (3, 5), (5, 3)] {
                let set = policy.apply(mode.apply(sts_with(from, |v| {
                    v["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
                })));
                let mut w = World::new(set);
                w.scale_up();
                w.update_set(|s| {
                    let spec = s.spec.as_mut().unwrap();
                    spec.replicas = Some(to);
                    spec.template.spec.as_mut().unwrap().containers[0].image = Some("foo".into());
                });
                w.checks.update = true;
                w.checks.empty = true;
                w.run_update();
                w.gc();
                for p in w.pods() {
                    let o = get_ordinal(&p);
                    let want = if o >= i64::from(from) { "foo" } else { "nginx" };
                    assert_eq!(
                        w.image_of(o),
                        want,
                        "{policy:?} {mode:?} {from}->{to} pod {o}"
                    );
                }
                let no_pod_refs = |w: &World| {
                    w.snapshot().claims.iter().all(|c| {
                        c.metadata
                            .owner_references
                            .iter()
                            .flatten()
                            .all(|r| !r.name.starts_with("foo-"))
                    })
                };
                assert!(no_pod_refs(&w));
                w.checks.update = false;
                w.scale(0);
                w.scale_down();
                assert!(no_pod_refs(&w));
                w.scale(to);
                w.scale_up();
                for p in w.pods() {
                    assert_eq!(
                        w.image_of(get_ordinal(&p)),
                        "foo",
                        "recreated pods use the update revision"
                    );
                }
                assert!(no_pod_refs(&w));
            }
        }
    }
}

#[test]
fn rolling_update_with_partition() {
    for policy in Policy::ALL {
        for mode in Mode::ALL {
            for (from, to) in [(3, 3), (3, 5)] {
                let set = policy.apply(mode.apply(sts_with(from, |v| {
                    v["spec"]["updateStrategy"] =
                        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
                })));
                let mut w = World::new(set);
                w.scale_up();
                w.update_set(|s| {
                    let spec = s.spec.as_mut().unwrap();
                    spec.replicas = Some(to);
                    spec.template.spec.as_mut().unwrap().containers[0].image = Some("foo".into());
                });
                w.checks.update = true;
                w.checks.empty = true;
                w.run_update();
                for p in w.pods() {
                    let o = get_ordinal(&p);
                    let want = if o < 2 { "nginx" } else { "foo" };
                    assert_eq!(w.image_of(o), want, "{policy:?} {mode:?} {from}->{to}");
                }
            }
        }
    }
}

#[test]
fn honors_revision_history_limit() {
    for policy in Policy::ALL {
        let mut w = world(Mode::Monotonic, policy, 3);
        w.scale_up();
        let limit = 2;
        for i in 0..limit + 5 {
            w.set_image(&format!("foo-{i}"));
            w.h.clear_faults();
            w.h.fail_when(fail_nth(Verb::UpdateStatus, Kind::StatefulSet, 1));
            w.checks.empty = true;
            w.sync();
            assert!(
                w.revisions().len() <= limit + 2,
                "{} revisions after step {i}",
                w.revisions().len()
            );
        }
    }
}

#[test]
fn limits_history() {
    for mode in Mode::ALL {
        let mut w = World::new(mode.apply(new_statefulset(3)));
        w.scale_up();
        w.checks.empty = true;
        for i in 0..10 {
            w.set_image(&format!("foo-{i}"));
            w.run_update();
            w.sync();
            assert!(
                w.revisions().len() <= 4,
                "{} revisions",
                w.revisions().len()
            );
        }
    }
}

#[test]
fn rollback() {
    for mode in Mode::ALL {
        for (from, to) in [(3, 3), (3, 5), (5, 3)] {
            let mut w = World::new(mode.apply(new_statefulset(from)));
            w.scale_up();
            w.update_set(|s| {
                let spec = s.spec.as_mut().unwrap();
                spec.replicas = Some(to);
                spec.template.spec.as_mut().unwrap().containers[0].image = Some("foo".into());
            });
            w.checks.update = true;
            w.checks.empty = true;
            w.run_update();
            // Apply the oldest revision back (what `kubectl rollout undo` patches in).
            let oldest = w.revisions()[0].clone();
            let set = w.set();
            let restored = super::super::revision::apply_revision(&set, &oldest).unwrap();
            w.update_set(|s| s.spec = restored.spec.clone());
            w.run_update();
            for p in w.pods() {
                assert_eq!(
                    w.image_of(get_ordinal(&p)),
                    "nginx",
                    "{mode:?} {from}->{to}"
                );
            }
            assert_eq!(w.status().update_revision, oldest.metadata.name.unwrap());
        }
    }
}

#[test]
fn availability_follows_min_ready_seconds() {
    for (ready_for_min, available) in [(120, 1), (30, 0)] {
        let mut w = World::new(sts_with(1, |v| v["spec"]["minReadySeconds"] = json!(3600)));
        w.checks.monotonic = false;
        w.sync();
        w.set_now(SimTime::ZERO + SimDuration::from_secs(10_000));
        w.run_ready(0);
        w.set_now(SimTime::ZERO + SimDuration::from_secs(10_000 + ready_for_min * 60));
        w.sync();
        assert_eq!(
            w.status().available_replicas,
            available,
            "ready for {ready_for_min} min"
        );
    }
}

#[test]
fn status_write_is_attempted_once_whatever_fails() {
    for (create_fails, status_fails) in [(false, false), (true, false), (false, true), (true, true)]
    {
        let mut w = World::new(new_statefulset(3));
        if create_fails {
            w.h.fail_when(fail_nth(Verb::Create, Kind::Pod, 1));
        }
        if status_fails {
            w.h.fail_when(|c| {
                (c.verb == Verb::UpdateStatus).then(|| ApiError::internal("status failure"))
            });
        }
        let err = w.sync();
        assert_eq!(w.count_calls(Verb::UpdateStatus, Kind::StatefulSet), 1);
        let want = if create_fails {
            Some("Internal error occurred: injected failure".to_string())
        } else if status_fails {
            Some("Internal error occurred: status failure".to_string())
        } else {
            None
        };
        assert_eq!(
            err, want,
            "create fails {create_fails}, status fails {status_fails}"
        );
    }
}

#[test]
fn parallel_scale_finishes_in_two_passes() {
    for (from, to) in [(3, 30), (10, 1), (0, 600)] {
        let mut w = World::new(burst(new_statefulset(from)));
        w.checks.monotonic = false;
        if from > 0 {
            w.scale_up();
        }
        w.scale(to);
        w.sync();
        w.all_ready();
        finish_terminations(&mut w);
        w.sync();
        assert_eq!(
            w.pods().len(),
            to as usize,
            "{from} -> {to} within two passes"
        );
        let s = w.status();
        assert_eq!(s.replicas, to);
    }
}
