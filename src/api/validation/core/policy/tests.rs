use serde_json::{Value, json};

use super::*;
use crate::api::validation::core::test_support::{create, from, status, update};

fn pdb(edit: impl FnOnce(&mut Value)) -> PodDisruptionBudget {
    let mut v = json!({
        "metadata": {"name": "web", "namespace": "default", "resourceVersion": "1"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}
    });
    edit(&mut v);
    from(v)
}

#[test]
fn a_pdb_is_valid() {
    assert!(create(pdb(|_| {})).is_empty());
}

#[test]
fn min_available_and_max_unavailable_are_exclusive() {
    let p = pdb(|v| v["spec"]["maxUnavailable"] = json!(1));
    assert_eq!(
        create(p),
        [
            "spec: Invalid value: {\"MinAvailable\":2,\"Selector\":{\"matchLabels\":{\"app\":\"web\"}},\"MaxUnavailable\":1,\"UnhealthyPodEvictionPolicy\":null}: minAvailable and maxUnavailable cannot be both set"
        ]
    );
}

#[test]
fn budgets_are_non_negative_integers_or_percents() {
    assert_eq!(
        create(pdb(|v| v["spec"]["minAvailable"] = json!(-1))),
        ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]
    );
    assert_eq!(
        create(pdb(|v| v["spec"]["minAvailable"] = json!("50"))),
        [
            "spec.minAvailable: Invalid value: \"50\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        ]
    );
}

#[test]
fn percent_budgets_are_at_most_one_hundred() {
    let p = pdb(|v| {
        v["spec"]["maxUnavailable"] = json!("150%");
        if let Some(spec) = v["spec"].as_object_mut() {
            spec.remove("minAvailable");
        }
    });
    assert_eq!(
        create(p),
        ["spec.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"]
    );
}

#[test]
fn unhealthy_pod_eviction_policy_must_be_supported() {
    assert_eq!(
        create(pdb(
            |v| v["spec"]["unhealthyPodEvictionPolicy"] = json!("Never")
        )),
        [
            "spec.unhealthyPodEvictionPolicy: Unsupported value: \"Never\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\""
        ]
    );
}

#[test]
fn pdb_names_are_checked_only_once_the_spec_passes() {
    let p = pdb(|v| v["metadata"]["name"] = json!("a%b"));
    assert_eq!(
        create(p),
        ["metadata.name: Invalid value: \"a%b\": may not contain '%'"]
    );
    let p = pdb(|v| {
        v["metadata"]["name"] = json!("a%b");
        v["spec"]["minAvailable"] = json!(-1);
    });
    assert_eq!(
        create(p),
        ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]
    );
    // Short finalizer names are a core-only rule.
    let p = pdb(|v| v["metadata"]["finalizers"] = json!(["cleanup"]));
    assert!(create(p).is_empty());
}

#[test]
fn pdb_specs_are_mutable_but_validated() {
    let old = pdb(|_| {});
    assert!(
        update(
            pdb(|v| v["spec"]["minAvailable"] = json!("50%")),
            old.clone()
        )
        .is_empty()
    );
    assert_eq!(
        update(pdb(|v| v["spec"]["minAvailable"] = json!("101%")), old),
        ["spec.minAvailable: Invalid value: \"101%\": must not be greater than 100%"]
    );
}

#[test]
fn pdb_status_counts_are_not_negative() {
    let old = pdb(|_| {});
    let new = pdb(|v| {
        v["status"] = json!({
            "disruptionsAllowed": -1, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0
        });
    });
    assert_eq!(
        status(new, old),
        ["status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0"]
    );
}
