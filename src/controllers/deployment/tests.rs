//! Deployment controller: ReplicaSet naming and annotations, rolling and recreate rollouts
//! step by step, revision history for rollbacks, progress conditions.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

use super::*;
use crate::controllers::replicaset::testkit::{
    FakeKubelet, deployment, events_for, harness, obj, sim,
};
use crate::controllers::replicaset::{is_pod_ready, pod_of};
use crate::engine::SimTime;
use crate::sim::Sim;

fn d_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Deployment, "default", name)
}

fn get_d(api: &ApiServer, name: &str) -> Deployment {
    match &*api.get(&d_key(name)).unwrap() {
        Object::Deployment(d) => d.clone(),
        _ => unreachable!(),
    }
}

fn replica_sets(api: &ApiServer) -> Vec<ReplicaSet> {
    api.iter_kind(Kind::ReplicaSet, Some("default"))
        .filter_map(|o| match &**o {
            Object::ReplicaSet(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn ann<'a>(rs: &'a ReplicaSet, key: &str) -> Option<&'a str> {
    util::rs_annotation(rs, key)
}

fn stored_template(api: &ApiServer, name: &str) -> k8s_openapi::api::core::v1::PodTemplateSpec {
    get_d(api, name).spec.unwrap().template
}

fn conditions(d: &Deployment) -> Vec<(String, String, String, String)> {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (
                c.type_,
                c.status,
                c.reason.unwrap_or_default(),
                c.message.unwrap_or_default(),
            )
        })
        .collect()
}

fn cond(t: &str, s: &str, r: &str, m: &str) -> (String, String, String, String) {
    (t.into(), s.into(), r.into(), m.into())
}

fn scaling_events(api: &ApiServer, name: &str) -> Vec<String> {
    events_for(api, "Deployment", name)
        .into_iter()
        .filter_map(|e| e.strip_prefix("ScalingReplicaSet: ").map(str::to_string))
        .collect()
}

#[test]
fn fnv32a_and_safe_encoding_match_upstream_vectors() {
    // FNV-1a 32 test vectors.
    assert_eq!(util_fnv(b""), 0x811c_9dc5);
    assert_eq!(util_fnv(b"a"), 0xe40c_292c);
    assert_eq!(util_fnv(b"foobar"), 0xbf9c_f968);
    // SafeEncodeString maps bytes modulo the 27-letter alphabet: '0' (48) → 48 % 27 = 21 → '4',
    // which is why real hashes only use 4-9, b, c, d, f.
    assert_eq!(safe_encode("0123456789"), "456789bcdf");
}

fn util_fnv(bytes: &[u8]) -> u32 {
    // Through compute_hash's construction: a template-free check of the primitive.
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[test]
fn the_template_hash_is_stable_ignores_its_own_label_and_moves_with_collision_count() {
    let mut h = harness();
    h.api
        .create(obj(deployment("web", 3, "nginx:1.27")))
        .unwrap();
    let t = stored_template(&h.api, "web");
    let hash = compute_hash(&t, None);
    // Pinned: any change to the hashing input changes every ReplicaSet name.
    assert_eq!(hash, "697455477d");
    assert_eq!(compute_hash(&t, None), hash);
    assert_ne!(compute_hash(&t, Some(1)), hash);
    assert_ne!(compute_hash(&t, Some(1)), compute_hash(&t, Some(2)));
    let mut labelled = t.clone();
    labelled
        .metadata
        .as_mut()
        .unwrap()
        .labels
        .as_mut()
        .unwrap()
        .insert(POD_TEMPLATE_HASH.into(), hash.clone());
    assert!(equal_ignore_hash(&t, &labelled));
    let mut other = t.clone();
    other.spec.as_mut().unwrap().containers[0].image = Some("nginx:1.28".into());
    assert!(!equal_ignore_hash(&t, &other));
    assert_ne!(compute_hash(&other, None), hash);
}

#[test]
fn fenceposts_round_surge_up_and_unavailable_down() {
    let d = |replicas: i32, surge: IntOrString, unavailable: IntOrString| -> Deployment {
        let mut v = deployment("web", replicas, "nginx");
        v["spec"]["strategy"] = json!({"type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}});
        match obj(v) {
            Object::Deployment(d) => d,
            _ => unreachable!(),
        }
    };
    let pct = |s: &str| IntOrString::String(s.into());
    assert_eq!(resolve_fenceposts(&d(3, pct("25%"), pct("25%"))), (1, 0));
    assert_eq!(resolve_fenceposts(&d(10, pct("25%"), pct("25%"))), (3, 2));
    assert_eq!(resolve_fenceposts(&d(1, pct("25%"), pct("25%"))), (1, 0));
    // Both resolve to zero: maxUnavailable becomes 1.
    assert_eq!(resolve_fenceposts(&d(3, pct("0%"), pct("10%"))), (0, 1));
    assert_eq!(
        max_unavailable(&d(2, IntOrString::Int(0), IntOrString::Int(5))),
        2
    );
    assert_eq!(
        max_surge(&d(3, IntOrString::Int(2), IntOrString::Int(0))),
        2
    );
}

#[test]
fn create_makes_a_replica_set_named_by_the_template_hash() {
    let mut h = harness();
    h.api
        .create(obj(deployment("web", 3, "nginx:1.27")))
        .unwrap();
    let mut c = DeploymentController::new();
    assert_eq!(h.reconcile(&mut c, &d_key("web")), Requeue::No);
    let hash = compute_hash(&stored_template(&h.api, "web"), None);
    let rs_name = format!("web-{hash}");
    assert_eq!(
        h.take_calls(),
        [
            format!("create ReplicaSet default/{rs_name}"),
            "update Deployment default/web".to_string(),
            "update-status Deployment default/web".to_string(),
            "update-status Deployment default/web".to_string(),
        ]
    );
    let rss = replica_sets(&h.api);
    assert_eq!(rss.len(), 1);
    let rs = &rss[0];
    assert_eq!(rs.metadata.name.as_deref(), Some(rs_name.as_str()));
    let labels = rs.metadata.labels.clone().unwrap();
    assert_eq!(
        labels,
        [
            ("app".to_string(), "web".to_string()),
            (POD_TEMPLATE_HASH.to_string(), hash.clone())
        ]
        .into()
    );
    let spec = rs.spec.clone().unwrap();
    assert_eq!(spec.replicas, Some(3));
    assert_eq!(spec.selector.match_labels, Some(labels.clone()));
    assert_eq!(
        spec.template.unwrap().metadata.unwrap().labels,
        Some(labels)
    );
    assert_eq!(ann(rs, REVISION_ANNOTATION), Some("1"));
    assert_eq!(ann(rs, DESIRED_REPLICAS_ANNOTATION), Some("3"));
    assert_eq!(ann(rs, MAX_REPLICAS_ANNOTATION), Some("4"));
    let owner = &rs.metadata.owner_references.clone().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Deployment", "web")
    );
    assert_eq!(
        (owner.controller, owner.block_owner_deletion),
        (Some(true), Some(true))
    );

    let d = get_d(&h.api, "web");
    assert_eq!(
        d.metadata.annotations.as_ref().unwrap()[REVISION_ANNOTATION],
        "1"
    );
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                &format!("Created new replica set \"{rs_name}\"")
            ),
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability."
            ),
        ]
    );
    assert_eq!(d.status.unwrap().observed_generation, Some(1));
    assert_eq!(
        scaling_events(&h.api, "web"),
        [format!("Scaled up replica set {rs_name} from 0 to 3")]
    );
}

fn set_image(sim: &mut Sim, name: &str, image: &str, cause: Option<&str>) {
    sim.write(|api| {
        let mut d = get_d(api, name);
        d.spec
            .as_mut()
            .unwrap()
            .template
            .spec
            .as_mut()
            .unwrap()
            .containers[0]
            .image = Some(image.into());
        if let Some(c) = cause {
            d.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert("kubernetes.io/change-cause".into(), c.into());
        }
        api.update(Object::Deployment(d)).unwrap();
    });
}

/// (pods not terminating, of which ready) for the Deployment's pods.
fn live_pods(api: &ApiServer, app: &str) -> (usize, usize) {
    let pods: Vec<_> = api
        .iter_kind(Kind::Pod, Some("default"))
        .filter(|p| p.labels().get("app").map(String::as_str) == Some(app) && !p.is_terminating())
        .collect();
    let ready = pods
        .iter()
        .filter(|p| pod_of(p).is_some_and(is_pod_ready))
        .count();
    (pods.len(), ready)
}

/// Runs until `until`, checking `check` after every step.
fn run_checked(sim: &mut Sim, until: SimTime, mut check: impl FnMut(&Sim)) {
    let mut steps = 0;
    while sim.next_due().is_some_and(|t| t <= until) {
        sim.step();
        check(sim);
        steps += 1;
        assert!(steps < 100_000, "the rollout did not settle");
    }
    sim.run_until(until, 1);
}

fn rs_by_image(api: &ApiServer, image: &str) -> ReplicaSet {
    replica_sets(api)
        .into_iter()
        .find(|r| {
            r.spec
                .as_ref()
                .unwrap()
                .template
                .as_ref()
                .unwrap()
                .spec
                .as_ref()
                .unwrap()
                .containers[0]
                .image
                .as_deref()
                == Some(image)
        })
        .unwrap()
}

fn name_of(rs: &ReplicaSet) -> String {
    rs.metadata.name.clone().unwrap()
}

#[test]
fn rolling_update_of_3_replicas_at_25_percent_surges_one_pod_at_a_time() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(2)));
    sim.write(|api| api.create(obj(deployment("web", 3, "nginx:1.27"))).unwrap());
    sim.run_for(SimDuration::from_secs(30), 100_000);
    let d = get_d(sim.api(), "web");
    let old = name_of(&rs_by_image(sim.api(), "nginx:1.27"));
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability."
            ),
            cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{old}\" has successfully progressed.")
            ),
        ]
    );
    let s = d.status.unwrap();
    assert_eq!(
        (
            s.replicas,
            s.updated_replicas,
            s.ready_replicas,
            s.available_replicas,
            s.unavailable_replicas
        ),
        (Some(3), Some(3), Some(3), Some(3), None)
    );

    set_image(&mut sim, "web", "nginx:1.28", None);
    let end = sim.now() + SimDuration::from_secs(60);
    let (mut max_live, mut min_ready) = (0, usize::MAX);
    run_checked(&mut sim, end, |sim| {
        let (live, ready) = live_pods(sim.api(), "web");
        max_live = max_live.max(live);
        min_ready = min_ready.min(ready);
    });
    // maxSurge 1, maxUnavailable 0: never more than 4 pods, never fewer than 3 ready.
    assert_eq!((max_live, min_ready), (4, 3));
    let new = name_of(&rs_by_image(sim.api(), "nginx:1.28"));
    assert_eq!(
        scaling_events(sim.api(), "web"),
        [
            format!("Scaled up replica set {old} from 0 to 3"),
            format!("Scaled up replica set {new} from 0 to 1"),
            format!("Scaled down replica set {old} from 3 to 2"),
            format!("Scaled up replica set {new} from 1 to 2"),
            format!("Scaled down replica set {old} from 2 to 1"),
            format!("Scaled up replica set {new} from 2 to 3"),
            format!("Scaled down replica set {old} from 1 to 0"),
        ]
    );
    let d = get_d(sim.api(), "web");
    assert_eq!(
        d.metadata.annotations.as_ref().unwrap()[REVISION_ANNOTATION],
        "2"
    );
    assert_eq!(
        conditions(&d)[1].3,
        format!("ReplicaSet \"{new}\" has successfully progressed.")
    );
    assert_eq!(live_pods(sim.api(), "web"), (3, 3));
}

#[test]
fn rolling_update_of_10_replicas_at_25_percent_stays_within_13_replicas_and_8_ready() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(2)));
    sim.write(|api| {
        api.create(obj(deployment("web", 10, "nginx:1.27")))
            .unwrap()
    });
    sim.run_for(SimDuration::from_secs(30), 100_000);
    assert_eq!(live_pods(sim.api(), "web"), (10, 10));
    let old = name_of(&rs_by_image(sim.api(), "nginx:1.27"));
    set_image(&mut sim, "web", "nginx:1.28", None);
    let end = sim.now() + SimDuration::from_secs(120);
    let (mut max_specs, mut min_ready) = (0, usize::MAX);
    run_checked(&mut sim, end, |sim| {
        // maxSurge bounds the ReplicaSets' sizes; for a few milliseconds the new ReplicaSet's
        // pods may exist before the old one has deleted its surplus, as upstream.
        let rss = replica_sets(sim.api());
        let refs: Vec<&ReplicaSet> = rss.iter().collect();
        max_specs = max_specs.max(replica_count(&refs));
        min_ready = min_ready.min(live_pods(sim.api(), "web").1);
    });
    assert_eq!((max_specs, min_ready), (13, 8));
    let new = name_of(&rs_by_image(sim.api(), "nginx:1.28"));
    // With every new pod ready 2 s after creation, the rollout moves in three waves.
    assert_eq!(
        scaling_events(sim.api(), "web"),
        [
            format!("Scaled up replica set {old} from 0 to 10"),
            format!("Scaled up replica set {new} from 0 to 3"),
            format!("Scaled down replica set {old} from 10 to 8"),
            format!("Scaled up replica set {new} from 3 to 5"),
            format!("Scaled down replica set {old} from 8 to 3"),
            format!("Scaled up replica set {new} from 5 to 10"),
            format!("Scaled down replica set {old} from 3 to 0"),
        ]
    );
    assert_eq!(rs_spec_replicas(&rs_by_image(sim.api(), "nginx:1.28")), 10);
    assert_eq!(live_pods(sim.api(), "web"), (10, 10));
}

#[test]
fn recreate_removes_every_old_pod_before_the_new_replica_set_exists() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(2)));
    let mut v = deployment("web", 2, "nginx:1.27");
    v["spec"]["strategy"] = json!({"type": "Recreate"});
    sim.write(|api| api.create(obj(v)).unwrap());
    sim.run_for(SimDuration::from_secs(30), 100_000);
    let old = name_of(&rs_by_image(sim.api(), "nginx:1.27"));
    set_image(&mut sim, "web", "nginx:1.28", None);
    let end = sim.now() + SimDuration::from_secs(60);
    let mut saw_gap = false;
    run_checked(&mut sim, end, |sim| {
        let old_pods = sim
            .api()
            .iter_kind(Kind::Pod, Some("default"))
            .filter(|p| p.controller_ref().is_some_and(|r| r.name == old))
            .count();
        let new_exists = replica_sets(sim.api()).len() == 2;
        assert!(
            !(new_exists && old_pods > 0),
            "new ReplicaSet while old pods remain"
        );
        if old_pods == 0 && !new_exists {
            saw_gap = true;
        }
    });
    assert!(saw_gap, "a moment with no pods at all");
    let new = name_of(&rs_by_image(sim.api(), "nginx:1.28"));
    assert_eq!(
        scaling_events(sim.api(), "web"),
        [
            format!("Scaled up replica set {old} from 0 to 2"),
            format!("Scaled down replica set {old} from 2 to 0"),
            format!("Scaled up replica set {new} from 0 to 2"),
        ]
    );
    assert_eq!(live_pods(sim.api(), "web"), (2, 2));
}

#[test]
fn rolling_back_moves_the_old_replica_set_to_a_new_revision_and_keeps_its_history() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(1)));
    let mut v = deployment("web", 2, "nginx:1.27");
    v["metadata"]["annotations"] = json!({"kubernetes.io/change-cause": "v1"});
    sim.write(|api| api.create(obj(v)).unwrap());
    sim.run_for(SimDuration::from_secs(20), 100_000);
    set_image(&mut sim, "web", "nginx:1.28", Some("v2"));
    sim.run_for(SimDuration::from_secs(40), 100_000);
    // `kubectl rollout undo` puts the old template back.
    set_image(&mut sim, "web", "nginx:1.27", Some("v1 again"));
    sim.run_for(SimDuration::from_secs(40), 100_000);
    let a = rs_by_image(sim.api(), "nginx:1.27");
    let b = rs_by_image(sim.api(), "nginx:1.28");
    assert_eq!(
        replica_sets(sim.api()).len(),
        2,
        "the template's ReplicaSet is reused"
    );
    assert_eq!(ann(&a, REVISION_ANNOTATION), Some("3"));
    assert_eq!(ann(&a, REVISION_HISTORY_ANNOTATION), Some("1"));
    assert_eq!(ann(&a, "kubernetes.io/change-cause"), Some("v1 again"));
    assert_eq!(ann(&b, REVISION_ANNOTATION), Some("2"));
    assert_eq!(ann(&b, REVISION_HISTORY_ANNOTATION), None);
    assert_eq!(ann(&b, "kubernetes.io/change-cause"), Some("v2"));
    assert_eq!((rs_spec_replicas(&a), rs_spec_replicas(&b)), (2, 0));
    let d = get_d(sim.api(), "web");
    assert_eq!(
        d.metadata.annotations.as_ref().unwrap()[REVISION_ANNOTATION],
        "3"
    );
    // The pods of the rolled-back-to ReplicaSet keep its hash.
    let hash = ann(&a, REVISION_ANNOTATION)
        .map(|_| name_of(&a)["web-".len()..].to_string())
        .unwrap();
    assert!(
        sim.api()
            .iter_kind(Kind::Pod, Some("default"))
            .filter(|p| !p.is_terminating())
            .all(|p| p.labels().get(POD_TEMPLATE_HASH) == Some(&hash))
    );
}

#[test]
fn revision_history_limit_deletes_the_oldest_scaled_down_replica_sets() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(1)));
    let mut v = deployment("web", 1, "nginx:1.25");
    v["spec"]["revisionHistoryLimit"] = json!(1);
    sim.write(|api| api.create(obj(v)).unwrap());
    sim.run_for(SimDuration::from_secs(20), 100_000);
    for image in ["nginx:1.26", "nginx:1.27"] {
        set_image(&mut sim, "web", image, None);
        sim.run_for(SimDuration::from_secs(30), 100_000);
    }
    let mut revisions: Vec<String> = replica_sets(sim.api())
        .iter()
        .map(|r| ann(r, REVISION_ANNOTATION).unwrap().to_string())
        .collect();
    revisions.sort();
    assert_eq!(revisions, ["2", "3"]);
}

#[test]
fn a_rollout_that_never_becomes_ready_exceeds_its_progress_deadline() {
    let mut kubelet = FakeKubelet::new(SimDuration::from_secs(1));
    kubelet.never_ready = true;
    let mut sim = sim(kubelet);
    let mut v = deployment("web", 2, "nginx:1.27");
    v["spec"]["progressDeadlineSeconds"] = json!(30);
    sim.write(|api| api.create(obj(v)).unwrap());
    let start = sim.now();
    sim.run_for(SimDuration::from_secs(20), 100_000);
    let rs = name_of(&rs_by_image(sim.api(), "nginx:1.27"));
    let d = get_d(sim.api(), "web");
    assert_eq!(
        conditions(&d)[1].2,
        "ReplicaSetUpdated",
        "{:?}",
        conditions(&d)
    );
    sim.run_for(SimDuration::from_secs(30), 100_000);
    let d = get_d(sim.api(), "web");
    assert_eq!(
        conditions(&d),
        [
            cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability."
            ),
            cond(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{rs}\" has timed out progressing.")
            ),
        ]
    );
    // Noticed by the re-check queued for one second after the deadline.
    let c = d.status.unwrap().conditions.unwrap()[1].clone();
    let at = SimTime::from_k8s_time(c.last_update_time.as_ref().unwrap()).unwrap();
    let elapsed = at.saturating_since(start).as_secs();
    assert!((31..=33).contains(&elapsed), "timed out after {elapsed}s");
    assert_eq!(live_pods(sim.api(), "web"), (2, 0));
}

#[test]
fn scaling_a_finished_deployment_scales_its_only_replica_set() {
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(1)));
    sim.write(|api| api.create(obj(deployment("web", 2, "nginx:1.27"))).unwrap());
    sim.run_for(SimDuration::from_secs(20), 100_000);
    let rs = name_of(&rs_by_image(sim.api(), "nginx:1.27"));
    sim.write(|api| api.update_scale(&d_key("web"), 5).unwrap());
    sim.run_for(SimDuration::from_secs(20), 100_000);
    let events = scaling_events(sim.api(), "web");
    assert_eq!(
        events.last().unwrap(),
        &format!("Scaled up replica set {rs} from 2 to 5")
    );
    let rs = rs_by_image(sim.api(), "nginx:1.27");
    assert_eq!(ann(&rs, DESIRED_REPLICAS_ANNOTATION), Some("5"));
    assert_eq!(ann(&rs, MAX_REPLICAS_ANNOTATION), Some("7"));
    assert_eq!(live_pods(sim.api(), "web"), (5, 5));
}

#[test]
fn a_hash_collision_bumps_collision_count_and_the_next_name_is_used() {
    let mut h = harness();
    h.api
        .create(obj(deployment("web", 1, "nginx:1.27")))
        .unwrap();
    let hash = compute_hash(&stored_template(&h.api, "web"), None);
    // Someone else's ReplicaSet already holds the name, with another template.
    let mut squatter = crate::controllers::replicaset::testkit::replica_set("squat", 0);
    squatter["metadata"]["name"] = json!(format!("web-{hash}"));
    h.api.create(obj(squatter)).unwrap();
    let mut c = DeploymentController::new();
    let requeue = h.reconcile(&mut c, &d_key("web"));
    assert_eq!(requeue, Requeue::After(SimDuration::from_ms(5)));
    assert_eq!(
        h.take_calls(),
        [
            format!("create ReplicaSet default/web-{hash} -> AlreadyExists"),
            "update-status Deployment default/web".to_string(),
        ]
    );
    let d = get_d(&h.api, "web");
    assert_eq!(d.status.as_ref().unwrap().collision_count, Some(1));
    let _ = h.reconcile(&mut c, &d_key("web"));
    let next = compute_hash(&stored_template(&h.api, "web"), Some(1));
    assert_ne!(next, hash);
    assert!(h.take_calls()[0] == format!("create ReplicaSet default/web-{next}"));
}

#[test]
fn an_orphaned_replica_set_with_the_same_template_is_adopted_not_duplicated() {
    let mut h = harness();
    h.api
        .create(obj(deployment("web", 2, "nginx:1.27")))
        .unwrap();
    let mut c = DeploymentController::new();
    let _ = h.reconcile(&mut c, &d_key("web"));
    // `kubectl delete deployment web --cascade=orphan`, then create it again.
    h.api
        .delete(
            &d_key("web"),
            &crate::apiserver::DeleteOptions {
                propagation: Some(crate::apiserver::Propagation::Orphan),
                ..Default::default()
            },
        )
        .unwrap();
    crate::controllers::settle(&mut h.api, 10).unwrap();
    assert!(
        replica_sets(&h.api)[0]
            .metadata
            .owner_references
            .as_ref()
            .is_none_or(Vec::is_empty)
    );
    h.api
        .create(obj(deployment("web", 2, "nginx:1.27")))
        .unwrap();
    h.take_calls();
    let _ = h.reconcile(&mut c, &d_key("web"));
    let calls = h.take_calls();
    assert!(
        calls[0].starts_with("patch ReplicaSet default/web-"),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("create ReplicaSet")),
        "{calls:?}"
    );
    let rss = replica_sets(&h.api);
    assert_eq!(rss.len(), 1);
    let d = h.api.get(&d_key("web")).unwrap();
    assert_eq!(
        rss[0].metadata.owner_references.as_ref().unwrap()[0].uid,
        d.uid()
    );
}
