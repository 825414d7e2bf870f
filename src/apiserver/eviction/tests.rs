//! The Eviction API against budgets whose status is set by hand.

use serde_json::json;

use super::*;
use crate::apiserver::ApiServerOptions;
use crate::engine::{SimRng, SimTime};

fn obj(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn server() -> ApiServer {
    let mut api = ApiServer::new(SimRng::from_seed(0), ApiServerOptions::default());
    api.create(obj(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
    ))
    .unwrap();
    api.create(obj(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                          "metadata": {"name": "default", "namespace": "default"}})))
        .unwrap();
    api
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

/// A pod labelled `app=web`, bound to a node, in `phase`, Ready or not.
fn pod(api: &mut ApiServer, name: &str, phase: &str, ready: bool) {
    api.create(obj(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"nodeName": "kind-worker", "containers": [{"name": "c", "image": "nginx"}]}})))
        .unwrap();
    let mut p = get_pod(api, &key(name)).unwrap();
    let st = p.status.get_or_insert_with(Default::default);
    st.phase = Some(phase.into());
    st.conditions = Some(vec![PodCondition {
        type_: "Ready".into(),
        status: if ready { "True" } else { "False" }.into(),
        ..Default::default()
    }]);
    api.update_status(Object::Pod(p)).unwrap();
}

/// A budget selecting `app=web` with the given status numbers.
fn pdb(api: &mut ApiServer, name: &str, current: i32, desired: i32, allowed: i32) {
    api.create(obj(
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"minAvailable": desired, "selector": {"matchLabels": {"app": "web"}}}}),
    ))
    .unwrap();
    let mut p = get_pdb(api, name);
    p.status = Some(PodDisruptionBudgetStatus {
        current_healthy: current,
        desired_healthy: desired,
        expected_pods: current,
        disruptions_allowed: allowed,
        observed_generation: p.metadata.generation,
        ..Default::default()
    });
    api.update_status(Object::PodDisruptionBudget(p)).unwrap();
}

fn get_pdb(api: &ApiServer, name: &str) -> PodDisruptionBudget {
    match &*api
        .get(&ObjectKey::new(Kind::PodDisruptionBudget, "default", name))
        .unwrap()
    {
        Object::PodDisruptionBudget(p) => p.clone(),
        _ => unreachable!(),
    }
}

fn disruption_target(api: &ApiServer, name: &str) -> Option<(String, String, String)> {
    let p = get_pod(api, &key(name)).ok()?;
    p.status?
        .conditions?
        .into_iter()
        .find(|c| c.type_ == "DisruptionTarget")
        .map(|c| {
            (
                c.status,
                c.reason.unwrap_or_default(),
                c.message.unwrap_or_default(),
            )
        })
}

#[test]
fn an_allowed_eviction_spends_the_budget_and_deletes_gracefully() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    pdb(&mut api, "web-pdb", 3, 2, 1);
    api.set_now(SimTime::from_ms(7000));
    let deleted = evict(&mut api, &key("web-0"), &DeleteOptions::default()).unwrap();
    assert!(
        matches!(deleted, Deleted::Pending(_)),
        "terminating with its grace period"
    );
    let p = get_pod(&api, &key("web-0")).unwrap();
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(30));
    assert_eq!(
        disruption_target(&api, "web-0"),
        Some((
            "True".into(),
            "EvictionByEvictionAPI".into(),
            "Eviction API: evicting".into()
        ))
    );
    let st = get_pdb(&api, "web-pdb").status.unwrap();
    assert_eq!(st.disruptions_allowed, 0);
    assert_eq!(
        st.disrupted_pods.unwrap().get("web-0"),
        Some(&SimTime::from_ms(7000).to_k8s_time())
    );
    let cond = st
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == DISRUPTION_ALLOWED)
        .unwrap();
    assert_eq!(
        (cond.status.as_str(), cond.reason.as_str()),
        ("False", "InsufficientPods")
    );
}

#[test]
fn a_refused_eviction_is_a_429_with_upstreams_text() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    pdb(&mut api, "web-pdb", 2, 2, 0);
    let before = api.resource_version();
    let e = evict(&mut api, &key("web-0"), &DeleteOptions::default()).unwrap_err();
    assert_eq!(e.reason, StatusReason::TooManyRequests);
    assert_eq!(e.reason.code(), 429);
    assert_eq!(
        e.message,
        "Cannot evict pod as it would violate the pod's disruption budget."
    );
    let cause = &e.details.unwrap().causes[0];
    assert_eq!(cause.reason, "DisruptionBudget");
    assert_eq!(
        cause.message,
        "The disruption budget web-pdb needs 2 healthy pods and has 2 currently"
    );
    assert_eq!(api.resource_version(), before, "nothing written");
    assert!(
        get_pod(&api, &key("web-0"))
            .unwrap()
            .metadata
            .deletion_timestamp
            .is_none()
    );
}

#[test]
fn a_budget_not_yet_processed_refuses_too() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    pdb(&mut api, "web-pdb", 3, 2, 1);
    let mut p = get_pdb(&api, "web-pdb");
    p.spec.as_mut().unwrap().min_available =
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(1));
    api.update(Object::PodDisruptionBudget(p)).unwrap();
    let e = evict(&mut api, &key("web-0"), &DeleteOptions::default()).unwrap_err();
    assert_eq!(e.reason, StatusReason::TooManyRequests);
    assert_eq!(
        e.details.unwrap().causes[0].message,
        "The disruption budget web-pdb is still being processed by the server."
    );
}

#[test]
fn pods_without_budget_pending_or_terminal_pods_are_simply_deleted() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    assert!(evict(&mut api, &key("web-0"), &DeleteOptions::default()).is_ok());
    assert!(
        get_pod(&api, &key("web-0"))
            .unwrap()
            .metadata
            .deletion_timestamp
            .is_some()
    );
    pdb(&mut api, "web-pdb", 2, 2, 0);
    pod(&mut api, "web-1", "Pending", false);
    assert!(evict(&mut api, &key("web-1"), &DeleteOptions::default()).is_ok());
    pod(&mut api, "web-2", "Succeeded", false);
    assert!(matches!(
        evict(&mut api, &key("web-2"), &DeleteOptions::default()),
        Ok(Deleted::Gone(_))
    ));
    assert_eq!(
        get_pdb(&api, "web-pdb").status.unwrap().disruptions_allowed,
        0
    );
}

#[test]
fn an_unready_pod_of_a_healthy_budget_goes_without_spending_it() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", false);
    pdb(&mut api, "web-pdb", 2, 2, 0);
    assert!(evict(&mut api, &key("web-0"), &DeleteOptions::default()).is_ok());
    assert!(
        get_pdb(&api, "web-pdb")
            .status
            .unwrap()
            .disrupted_pods
            .is_none()
    );
    // An unhealthy budget protects even unready pods, unless AlwaysAllow.
    pod(&mut api, "web-1", "Running", false);
    let mut p = get_pdb(&api, "web-pdb");
    p.status.as_mut().unwrap().current_healthy = 1;
    api.update_status(Object::PodDisruptionBudget(p)).unwrap();
    let e = evict(&mut api, &key("web-1"), &DeleteOptions::default()).unwrap_err();
    assert_eq!(e.reason, StatusReason::TooManyRequests);
    let mut p = get_pdb(&api, "web-pdb");
    p.spec.as_mut().unwrap().unhealthy_pod_eviction_policy = Some("AlwaysAllow".into());
    let p = api.update(Object::PodDisruptionBudget(p)).unwrap();
    let Object::PodDisruptionBudget(mut p) = (*p).clone() else {
        unreachable!()
    };
    p.status.as_mut().unwrap().observed_generation = p.metadata.generation;
    api.update_status(Object::PodDisruptionBudget(p)).unwrap();
    assert!(evict(&mut api, &key("web-1"), &DeleteOptions::default()).is_ok());
}

#[test]
fn two_budgets_are_an_error_and_a_missing_pod_is_not_found() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    pdb(&mut api, "a", 3, 1, 2);
    pdb(&mut api, "b", 3, 1, 2);
    let e = evict(&mut api, &key("web-0"), &DeleteOptions::default()).unwrap_err();
    assert_eq!(e.reason.code(), 500);
    assert_eq!(
        e.message,
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    );
    let e = evict(&mut api, &key("web-9"), &DeleteOptions::default()).unwrap_err();
    assert_eq!(e.message, "pods \"web-9\" not found");
}

#[test]
fn a_dry_run_changes_nothing() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    pdb(&mut api, "web-pdb", 3, 2, 1);
    let before = api.resource_version();
    let opts = DeleteOptions {
        dry_run: true,
        ..Default::default()
    };
    assert!(evict(&mut api, &key("web-0"), &opts).is_ok());
    assert_eq!(api.resource_version(), before);
}

#[test]
fn a_stale_resource_version_precondition_conflicts() {
    let mut api = server();
    pod(&mut api, "web-0", "Running", true);
    let opts = DeleteOptions {
        preconditions: crate::apiserver::Preconditions {
            resource_version: Some("1".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let e = evict(&mut api, &key("web-0"), &opts).unwrap_err();
    assert!(e.is_conflict());
    assert!(
        e.message.starts_with("Operation cannot be fulfilled on Pod \"web-0\": the ResourceVersion in the precondition (1) does not match"),
        "{}",
        e.message
    );
}
