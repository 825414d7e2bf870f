//! PodDisruptionBudget validation (`pkg/apis/policy/validation`).
//!
//! The PDB strategy validates the spec only; the registry's generic metadata rules
//! (path-segment names, no core finalizer check) follow on create when the spec passes, and come
//! first on update.

use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{name_is_path_segment, validate_generic_object_meta};
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::validation::apps::{
    is_not_more_than_100_percent, json_opt_int_or_string, validate_positive_int_or_percent,
};
use crate::api::validation::meta::{
    self, json_label_selector, json_opt_quote, json_str, validate_nonnegative,
};

/// `ValidatePositiveIntOrPercent` and `IsNotMoreThan100Percent`, which upstream's policy
/// validation takes from the apps validation as well.
fn validate_int_or_percent(v: &IntOrString, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_positive_int_or_percent(v, path);
    errs.extend(is_not_more_than_100_percent(v, path));
    errs
}

/// `ValidatePodDisruptionBudgetSpec`.
fn validate_pdb_spec(pdb: &PodDisruptionBudget) -> Vec<FieldError> {
    let spec = pdb.spec.clone().unwrap_or_default();
    let path = Path::new("spec");
    let mut errs = vec![];
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        // The internal spec as JSON: Go field names, in declaration order.
        let value = format!(
            "{{\"MinAvailable\":{},\"Selector\":{},\"MaxUnavailable\":{},\"UnhealthyPodEvictionPolicy\":{}}}",
            json_opt_int_or_string(spec.min_available.as_ref()),
            json_label_selector(spec.selector.as_ref()),
            json_opt_int_or_string(spec.max_unavailable.as_ref()),
            json_opt_quote(spec.unhealthy_pod_eviction_policy.as_deref()),
        );
        errs.push(FieldError::invalid(
            &path,
            BadValue::Go(value),
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    if let Some(v) = &spec.min_available {
        errs.extend(validate_int_or_percent(v, &path.child("minAvailable")));
    }
    if let Some(v) = &spec.max_unavailable {
        errs.extend(validate_int_or_percent(v, &path.child("maxUnavailable")));
    }
    if let Some(sel) = &spec.selector {
        errs.extend(meta::validate_label_selector(sel, &path.child("selector")));
    }
    if let Some(policy) = &spec.unhealthy_pod_eviction_policy
        && policy != "IfHealthyBudget"
        && policy != "AlwaysAllow"
    {
        errs.push(FieldError::not_supported(
            &path.child("unhealthyPodEvictionPolicy"),
            json_str(policy),
            &["AlwaysAllow", "IfHealthyBudget"],
        ));
    }
    errs
}

/// The PDB strategy's `Validate`, then (only if it passes) the generic metadata rules.
pub(super) fn validate_pdb_create(pdb: &PodDisruptionBudget) -> Vec<FieldError> {
    let errs = validate_pdb_spec(pdb);
    if !errs.is_empty() {
        return errs;
    }
    validate_generic_object_meta(&pdb.metadata, true, name_is_path_segment)
}

/// The PDB strategy's `ValidateUpdate`: the spec is mutable and validated again (the metadata
/// rules come from the registry's common checks).
pub(super) fn validate_pdb_update(
    new: &PodDisruptionBudget,
    old: &PodDisruptionBudget,
) -> Vec<FieldError> {
    let _ = old;
    validate_pdb_spec(new)
}

/// `ValidatePodDisruptionBudgetStatusUpdate` (light `ValidateConditions`, non-negative
/// counts).
pub(super) fn validate_pdb_status_update(
    new: &PodDisruptionBudget,
    old: &PodDisruptionBudget,
) -> Vec<FieldError> {
    let _ = old;
    let mut errs = vec![];
    let status = new.status.clone().unwrap_or_default();
    let path = Path::new("status");
    let cond_path = path.child("conditions");
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in status.conditions.iter().flatten().enumerate() {
        let p = cond_path.index(i);
        errs.extend(
            names::is_qualified_name(&c.type_)
                .into_iter()
                .map(|msg| FieldError::invalid(&p.child("type"), &c.type_, msg)),
        );
        if !seen.insert(c.type_.as_str()) {
            errs.push(FieldError::duplicate(&p.child("type"), &c.type_));
        }
        if !matches!(c.status.as_str(), "True" | "False" | "Unknown") {
            errs.push(FieldError::not_supported(
                &p.child("status"),
                json_str(&c.status),
                &["False", "True", "Unknown"],
            ));
        }
        if c.observed_generation.unwrap_or(0) < 0 {
            errs.push(FieldError::invalid(
                &p.child("observedGeneration"),
                c.observed_generation.unwrap_or(0),
                "must be greater than or equal to zero",
            ));
        }
        if c.reason.is_empty() {
            errs.push(FieldError::required(&p.child("reason"), "must be set"));
        }
    }
    for (v, name) in [
        (status.disruptions_allowed, "disruptionsAllowed"),
        (status.current_healthy, "currentHealthy"),
        (status.desired_healthy, "desiredHealthy"),
        (status.expected_pods, "expectedPods"),
    ] {
        errs.extend(validate_nonnegative(i64::from(v), &path.child(name)));
    }
    errs
}

#[cfg(test)]
mod tests;
