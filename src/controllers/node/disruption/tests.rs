//! PodDisruptionBudget status, computed by hand-driven syncs.

use super::*;
use crate::controllers::node::testing::{
    create_pdb, create_running_pod, create_sts, create_sts_pod, event_lines, get_pdb,
    set_pod_ready, set_up,
};
use crate::sim::testing::Harness;
use serde_json::json;

fn pdb_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::PodDisruptionBudget, "default", name)
}

/// `(currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed)`.
fn numbers(h: &Harness, name: &str) -> (i32, i32, i32, i32) {
    let s = get_pdb(&h.api, name).status.unwrap();
    (
        s.current_healthy,
        s.desired_healthy,
        s.expected_pods,
        s.disruptions_allowed,
    )
}

fn condition(h: &Harness, name: &str) -> (String, String) {
    let s = get_pdb(&h.api, name).status.unwrap();
    let c = s
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "DisruptionAllowed")
        .unwrap();
    (c.status, c.reason)
}

fn web(h: &mut Harness, ready: [bool; 3]) {
    set_up(h);
    create_sts(&mut h.api, "web", 3);
    for (i, r) in ready.iter().enumerate() {
        create_sts_pod(&mut h.api, "web", i as u32, "kind-worker", *r);
    }
}

#[test]
fn min_available_as_a_number_counts_the_matching_pods() {
    let mut h = Harness::default();
    web(&mut h, [true, true, true]);
    create_pdb(
        &mut h.api,
        "web-pdb",
        json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}),
    );
    let mut c = DisruptionController::new();
    let _ = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert_eq!(numbers(&h, "web-pdb"), (3, 2, 3, 1));
    assert_eq!(
        condition(&h, "web-pdb"),
        ("True".into(), "SufficientPods".into())
    );
    let pdb = get_pdb(&h.api, "web-pdb");
    assert_eq!(
        pdb.status.unwrap().observed_generation,
        pdb.metadata.generation
    );
    // A pod going unready spends the budget.
    set_pod_ready(&mut h.api, "web-2", false);
    let _ = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert_eq!(numbers(&h, "web-pdb"), (2, 2, 3, 0));
    assert_eq!(
        condition(&h, "web-pdb"),
        ("False".into(), "InsufficientPods".into())
    );
    // Nothing changed: no write.
    h.take_calls();
    let _ = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert!(h.take_calls().is_empty());
}

#[test]
fn max_unavailable_and_percentages_use_the_statefulset_scale() {
    let mut h = Harness::default();
    web(&mut h, [true, true, false]);
    create_pdb(
        &mut h.api,
        "max",
        json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
    );
    create_pdb(
        &mut h.api,
        "pct",
        json!({"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}),
    );
    let mut c = DisruptionController::new();
    let _ = h.reconcile(&mut c, &pdb_key("max"));
    let _ = h.reconcile(&mut c, &pdb_key("pct"));
    assert_eq!(numbers(&h, "max"), (2, 2, 3, 0));
    // 50 % of 3 rounds up to 2.
    assert_eq!(numbers(&h, "pct"), (2, 2, 3, 0));
}

#[test]
fn a_budget_without_pods_or_with_unmanaged_pods_allows_nothing_and_says_why() {
    let mut h = Harness::default();
    set_up(&mut h);
    create_pdb(
        &mut h.api,
        "empty",
        json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "none"}}}),
    );
    create_running_pod(&mut h.api, "solo", "kind-worker", &[("app", "solo")]);
    create_pdb(
        &mut h.api,
        "solo",
        json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "solo"}}}),
    );
    let mut c = DisruptionController::new();
    let _ = h.reconcile(&mut c, &pdb_key("empty"));
    let _ = h.reconcile(&mut c, &pdb_key("solo"));
    assert_eq!(numbers(&h, "empty"), (0, 1, 0, 0));
    assert_eq!(numbers(&h, "solo"), (1, 0, 0, 0));
    let events = event_lines(&h.api);
    assert!(
        events.contains(
            &"Normal NoPods PodDisruptionBudget default/empty: No matching pods found".to_string()
        ),
        "{events:#?}"
    );
    assert!(events.contains(&"Warning UnmanagedPods PodDisruptionBudget default/solo: Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: solo,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.".to_string()), "{events:#?}");
}

#[test]
fn a_missing_controller_fails_safe() {
    let mut h = Harness::default();
    web(&mut h, [true, true, true]);
    let mut pod = crate::controllers::node::util::get_pod(
        &h.api,
        &ObjectKey::new(Kind::Pod, "default", "web-0"),
    )
    .unwrap();
    pod.metadata.owner_references = Some(vec![
        k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
            api_version: "apps/v1".into(),
            kind: "StatefulSet".into(),
            name: "web".into(),
            uid: "not-the-uid".into(),
            controller: Some(true),
            block_owner_deletion: None,
        },
    ]);
    h.api.update(Object::Pod(pod)).unwrap();
    create_pdb(
        &mut h.api,
        "max",
        json!({"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
    );
    let mut c = DisruptionController::new();
    let _ = h.reconcile(&mut c, &pdb_key("max"));
    let s = get_pdb(&h.api, "max").status.unwrap();
    assert_eq!(s.disruptions_allowed, 0);
    let cond = s
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "DisruptionAllowed")
        .unwrap();
    assert_eq!(
        (cond.status.as_str(), cond.reason.as_str()),
        ("False", "SyncFailed")
    );
    assert_eq!(cond.message, "found no controllers for pod \"web-0\"");
}

#[test]
fn an_evicted_pod_is_not_healthy_for_two_minutes() {
    let mut h = Harness::default();
    web(&mut h, [true, true, true]);
    create_pdb(
        &mut h.api,
        "web-pdb",
        json!({"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}),
    );
    let mut c = DisruptionController::new();
    let _ = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert_eq!(numbers(&h, "web-pdb"), (3, 1, 3, 2));
    // The Eviction API records web-0 as disrupted; its delete has not been seen yet.
    let mut pdb = get_pdb(&h.api, "web-pdb");
    let st = pdb.status.as_mut().unwrap();
    st.disruptions_allowed = 1;
    st.disrupted_pods = Some(
        [("web-0".to_string(), SimTime::ZERO.to_k8s_time())]
            .into_iter()
            .collect(),
    );
    h.api
        .update_status(Object::PodDisruptionBudget(pdb))
        .unwrap();
    let requeue = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert_eq!(numbers(&h, "web-pdb"), (2, 1, 3, 1));
    assert_eq!(requeue, Requeue::After(DELETION_TIMEOUT));
    // Two minutes later without a delete: counted again, with a warning on the pod.
    h.set_now(SimTime::from_ms(121_000));
    let _ = h.reconcile(&mut c, &pdb_key("web-pdb"));
    assert_eq!(numbers(&h, "web-pdb"), (3, 1, 3, 2));
    assert!(
        get_pdb(&h.api, "web-pdb")
            .status
            .unwrap()
            .disrupted_pods
            .is_none()
    );
    let events = event_lines(&h.api);
    assert!(events.contains(&"Warning NotDeleted Pod default/web-0: Pod was expected by PDB default/default to be deleted but it wasn't".to_string()), "{events:#?}");
}

#[test]
fn scaled_values_round_up() {
    assert_eq!(scaled_value(&IntOrString::String("50%".into()), 3), Ok(2));
    assert_eq!(scaled_value(&IntOrString::String("0%".into()), 3), Ok(0));
    assert_eq!(scaled_value(&IntOrString::Int(4), 3), Ok(4));
    assert!(scaled_value(&IntOrString::String("half".into()), 3).is_err());
}
