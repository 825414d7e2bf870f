//! Validation of `apps/v1` kinds (`pkg/apis/apps/validation`, plus the selector immutability
//! the registry strategies add): StatefulSet (spec rules V1–V15), Deployment, ReplicaSet,
//! DaemonSet, ControllerRevision.
//!
//! Upstream validates the internal (`pkg/apis/apps`) form of an object after conversion, so a
//! `None` here is Go's zero value: a missing `replicas` is 0, a missing template is an empty
//! template. A selector with neither `matchLabels` nor `matchExpressions` stands for Go's nil
//! selector (the `k8s-openapi` type cannot tell `selector: {}` from a missing one), while an
//! explicitly empty `matchLabels: {}` is the empty, non-nil selector.
//!
//! Composite bad values are rendered as v1.34+ renders them, with `json.Marshal` (see
//! [`super::meta`]); internal types have no JSON tags, so their fields show Go names
//! (`{"Type":"Foo","RollingUpdate":null}`).

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, DaemonSetSpec, DaemonSetStatus, DaemonSetUpdateStrategy,
    Deployment, DeploymentSpec, DeploymentStatus, DeploymentStrategy, ReplicaSet, ReplicaSetSpec,
    ReplicaSetStatus, RollingUpdateDaemonSet, RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetStatus,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::ValidationOptions;
use super::meta::{
    self, immutable, json_label_selector, json_quote, json_str, json_string_map, json_value,
    label_selectors_equal, name_is_dns_label, name_is_dns_subdomain, validate_nonnegative,
    validate_nonnegative_counts, validate_nonnegative_if_set,
};
use super::pod::validate_pod_template_spec;
use super::util::semantically_equal;
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::selector::LabelSelector as Selector;

/// The Forbidden detail of a StatefulSet update that touches an immutable spec field (V13).
const STATEFUL_SET_SPEC_UPDATE_FORBIDDEN: &str = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/// `"cannot be greater than status.replicas"`.
const GREATER_THAN_REPLICAS: &str = "cannot be greater than status.replicas";

/// Upstream's `percentErrMsg` / `percentFmt` (`IsValidPercent`).
const PERCENT_ERR_MSG: &str =
    "a valid percent string must be a numeric string followed by an ending '%'";
const PERCENT_FMT: &str = "[0-9]+%";

// ----- metadata -----

/// `ValidateObjectMeta` at `metadata` for a namespaced object named by a DNS subdomain
/// (`apivalidation.NameIsDNSSubdomain`): Deployment, ReplicaSet, DaemonSet,
/// ControllerRevision.
fn validate_subdomain_object_meta(metadata: &ObjectMeta) -> Vec<FieldError> {
    meta::validate_object_meta(
        metadata,
        true,
        name_is_dns_subdomain,
        &Path::new("metadata"),
    )
}

/// `ValidateObjectMetaUpdate` at `metadata`.
fn validate_object_meta_update(new: &ObjectMeta, old: &ObjectMeta) -> Vec<FieldError> {
    meta::validate_object_meta_update(new, old, &Path::new("metadata"))
}

// ----- selectors and templates -----

/// What `metav1.LabelSelectorAsSelector` makes of a workload's selector.
enum SelectorCheck {
    /// Go's nil selector: selects nothing, so no template matches.
    Nil,
    /// A non-nil selector without requirements: selects everything, not checked against the
    /// template.
    Empty,
    /// The conversion fails (an invalid key, value or operator).
    Invalid,
    /// A usable selector.
    Valid(Selector),
}

/// True for a selector with neither matchLabels nor matchExpressions (Go's nil).
fn selector_is_nil(sel: &LabelSelector) -> bool {
    sel.match_labels.is_none() && sel.match_expressions.is_none()
}

/// True for a selector without any requirement.
fn selector_is_empty(sel: &LabelSelector) -> bool {
    sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && sel.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// Classifies `sel` as `LabelSelectorAsSelector` would.
fn selector_check(sel: &LabelSelector) -> SelectorCheck {
    if selector_is_nil(sel) {
        return SelectorCheck::Nil;
    }
    if selector_is_empty(sel) {
        return SelectorCheck::Empty;
    }
    if !meta::validate_label_selector(sel, &Path::new("selector")).is_empty() {
        return SelectorCheck::Invalid;
    }
    match Selector::from_k8s(sel) {
        Ok(s) => SelectorCheck::Valid(s),
        Err(_) => SelectorCheck::Invalid,
    }
}

/// The selector as a bad value: `null` for Go's nil, else its JSON.
fn selector_value(sel: &LabelSelector) -> BadValue {
    if selector_is_nil(sel) {
        BadValue::Go("null".into())
    } else {
        BadValue::Go(json_label_selector(Some(sel)))
    }
}

/// `selector` required, valid and non-empty (the first half of each workload's spec check).
fn validate_required_selector(
    sel: &LabelSelector,
    path: &Path,
    kind_word: &str,
) -> Vec<FieldError> {
    if selector_is_nil(sel) {
        return vec![FieldError::required(path, "")];
    }
    let mut errs = meta::validate_label_selector(sel, path);
    if selector_is_empty(sel) {
        errs.push(FieldError::invalid(
            path,
            selector_value(sel),
            format!("empty selector is invalid for {kind_word}"),
        ));
    }
    errs
}

/// The template's labels, `None` for Go's nil map.
fn template_labels(template: &PodTemplateSpec) -> Option<&BTreeMap<String, String>> {
    template.metadata.as_ref().and_then(|m| m.labels.as_ref())
}

/// "`selector` does not match template `labels`" at `<template>.metadata.labels`, unless the
/// selector is empty (or unusable, which the caller reports).
fn validate_selector_matches_template(
    check: &SelectorCheck,
    template: &PodTemplateSpec,
    template_path: &Path,
) -> Vec<FieldError> {
    let labels = template_labels(template);
    let matches = match check {
        SelectorCheck::Nil => false,
        SelectorCheck::Empty | SelectorCheck::Invalid => true,
        SelectorCheck::Valid(s) => s.matches(labels.unwrap_or(&BTreeMap::new())),
    };
    if matches {
        return vec![];
    }
    vec![FieldError::invalid(
        &template_path.child("metadata").child("labels"),
        BadValue::Go(json_string_map(labels)),
        "`selector` does not match template `labels`",
    )]
}

/// `restartPolicy` must be `Always`; `activeDeadlineSeconds` must be unset
/// (`activeDeadlineSeconds in <Kind> is not Supported`).
fn validate_workload_pod_spec(
    template: &PodTemplateSpec,
    template_path: &Path,
    kind_word: &str,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let spec_path = template_path.child("spec");
    let pod_spec = template.spec.as_ref();
    let restart_policy = pod_spec
        .and_then(|s| s.restart_policy.as_deref())
        .unwrap_or("");
    if restart_policy != "Always" {
        errs.push(FieldError::not_supported(
            &spec_path.child("restartPolicy"),
            json_str(restart_policy),
            &["Always"],
        ));
    }
    if pod_spec.is_some_and(|s| s.active_deadline_seconds.is_some()) {
        errs.push(FieldError::forbidden(
            &spec_path.child("activeDeadlineSeconds"),
            format!("activeDeadlineSeconds in {kind_word} is not Supported"),
        ));
    }
    errs
}

/// The selector and template half of `ValidateDeploymentSpec` and `ValidateReplicaSetSpec`
/// under the spec's `path`: the selector required, valid and non-empty (upstream's text says
/// "deployment" for both kinds), then "invalid label selector" when it does not convert, else
/// `ValidatePodTemplateSpecForReplicaSet`.
fn validate_selector_and_template_for_replica_set(
    selector: &LabelSelector,
    template: &PodTemplateSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let selector_path = path.child("selector");
    let mut errs = validate_required_selector(selector, &selector_path, "deployment");
    let check = selector_check(selector);
    if let SelectorCheck::Invalid = check {
        errs.push(FieldError::invalid(
            &selector_path,
            selector_value(selector),
            "invalid label selector",
        ));
    } else {
        errs.extend(validate_pod_template_for_replica_set(
            template,
            &check,
            &path.child("template"),
            opts,
        ));
    }
    errs
}

/// `ValidatePodTemplateSpecForReplicaSet` (Deployments use it too, hence the "ReplicaSet" in
/// the activeDeadlineSeconds text).
fn validate_pod_template_for_replica_set(
    template: &PodTemplateSpec,
    check: &SelectorCheck,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_selector_matches_template(check, template, path);
    errs.extend(validate_pod_template_spec(template, path, opts));
    errs.extend(validate_workload_pod_spec(template, path, "ReplicaSet"));
    errs
}

/// The ordering checks that close `ValidateStatefulSetStatus`, `ValidateDeploymentStatus` and
/// `ValidateReplicaSetStatus`: each of `counts` at most `status.replicas`, then
/// `availableReplicas` at most `readyReplicas`; `ready_name` is how that message names it
/// (StatefulSets say `status.readyReplicas`, the others `readyReplicas`).
fn validate_counts_within_replicas(
    replicas: i32,
    counts: &[(i32, &str)],
    (available, ready, ready_name): (i32, i32, &str),
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for &(value, name) in counts {
        if value > replicas {
            errs.push(FieldError::invalid(
                &path.child(name),
                value,
                GREATER_THAN_REPLICAS,
            ));
        }
    }
    if available > ready {
        errs.push(FieldError::invalid(
            &path.child("availableReplicas"),
            available,
            format!("cannot be greater than {ready_name}"),
        ));
    }
    errs
}

/// True when a `*int32` went down or was cleared (`IsDecremented`).
fn is_decremented(new: Option<i32>, old: Option<i32>) -> bool {
    match (new, old) {
        (None, Some(_)) => true,
        (Some(n), Some(o)) => n < o,
        _ => false,
    }
}

/// `status.collisionCount: Invalid value: N: cannot be decremented`.
fn validate_collision_count_update(new: Option<i32>, old: Option<i32>) -> Vec<FieldError> {
    if is_decremented(new, old) {
        vec![FieldError::invalid(
            &Path::new("status").child("collisionCount"),
            new.unwrap_or(0),
            "cannot be decremented",
        )]
    } else {
        vec![]
    }
}

/// `spec.selector: Invalid value: <new>: field is immutable` (the apps/v1 registry strategies).
fn validate_selector_immutable(new: &LabelSelector, old: &LabelSelector) -> Vec<FieldError> {
    let changed = selector_is_nil(new) != selector_is_nil(old) || !label_selectors_equal(new, old);
    immutable(
        changed,
        &Path::new("spec").child("selector"),
        selector_value(new),
    )
}

// ----- int-or-percent -----

/// An `intstr.IntOrString` as JSON.
pub(super) fn json_int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => json_quote(s),
    }
}

/// A `*intstr.IntOrString` as JSON, `null` when unset.
pub(super) fn json_opt_int_or_string(v: Option<&IntOrString>) -> String {
    v.map_or_else(|| "null".to_string(), json_int_or_string)
}

/// `IsValidPercent`: `^[0-9]+%$`.
fn is_valid_percent(s: &str) -> Vec<String> {
    let digits = s.strip_suffix('%').unwrap_or("");
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        vec![]
    } else {
        vec![names::regex_error(
            PERCENT_ERR_MSG,
            PERCENT_FMT,
            &["1%", "93%"],
        )]
    }
}

/// Go's `strconv.Atoi` as `IntValue` uses it: 0 on a syntax error, clamped on overflow.
fn go_atoi(s: &str) -> i64 {
    match s.parse::<i64>() {
        Ok(v) => v,
        Err(e) => match e.kind() {
            std::num::IntErrorKind::PosOverflow => i64::MAX,
            std::num::IntErrorKind::NegOverflow => i64::MIN,
            _ => 0,
        },
    }
}

/// `getPercentValue`: the number of a valid percent string.
fn percent_value(v: &IntOrString) -> Option<i64> {
    match v {
        IntOrString::String(s) if is_valid_percent(s).is_empty() => {
            Some(go_atoi(&s[..s.len() - 1]))
        }
        _ => None,
    }
}

/// `getIntOrPercentValue`.
fn int_or_percent_value(v: &IntOrString) -> i64 {
    match (percent_value(v), v) {
        (Some(p), _) => p,
        (None, IntOrString::Int(i)) => i64::from(*i),
        (None, IntOrString::String(s)) => go_atoi(s),
    }
}

/// `ValidatePositiveIntOrPercent`: a non-negative integer or a percent string.
pub(super) fn validate_positive_int_or_percent(v: &IntOrString, path: &Path) -> Vec<FieldError> {
    match v {
        IntOrString::Int(i) => validate_nonnegative(i64::from(*i), path),
        IntOrString::String(s) => is_valid_percent(s)
            .into_iter()
            .map(|msg| FieldError::invalid(path, BadValue::Go(json_int_or_string(v)), msg))
            .collect(),
    }
}

/// `IsNotMoreThan100Percent`.
pub(super) fn is_not_more_than_100_percent(v: &IntOrString, path: &Path) -> Vec<FieldError> {
    match percent_value(v) {
        Some(p) if p > 100 => vec![FieldError::invalid(
            path,
            BadValue::Go(json_int_or_string(v)),
            "must not be greater than 100%",
        )],
        _ => vec![],
    }
}

// ----- StatefulSet -----

/// `StatefulSetValidationOptions`.
#[derive(Clone, Copy, Debug, Default)]
struct StatefulSetSpecOptions {
    /// Skip the serviceName check (updates: the field is immutable anyway).
    allow_invalid_service_name: bool,
    /// Skip the pod template check (updates of a set whose stored template is already invalid).
    skip_pod_template: bool,
}

/// The internal `RollingUpdateStatefulSetStrategy` as JSON.
fn json_sts_rolling_update(ru: &RollingUpdateStatefulSetStrategy) -> String {
    format!(
        "{{\"Partition\":{},\"MaxUnavailable\":{}}}",
        ru.partition.unwrap_or(0),
        json_opt_int_or_string(ru.max_unavailable.as_ref())
    )
}

/// The internal `StatefulSetUpdateStrategy` as JSON.
fn json_sts_strategy(s: &StatefulSetUpdateStrategy) -> String {
    format!(
        "{{\"Type\":{},\"RollingUpdate\":{}}}",
        json_quote(s.type_.as_deref().unwrap_or("")),
        s.rolling_update
            .as_ref()
            .map_or_else(|| "null".to_string(), json_sts_rolling_update)
    )
}

/// `validateRollingUpdateStatefulSet` (V7). `maxUnavailable` is only looked at with the
/// `MaxUnavailableStatefulSet` gate on.
fn validate_rolling_update_stateful_set(
    ru: &RollingUpdateStatefulSetStrategy,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_nonnegative(
        i64::from(ru.partition.unwrap_or(0)),
        &path.child("partition"),
    );
    let Some(max_unavailable) = ru
        .max_unavailable
        .as_ref()
        .filter(|_| opts.max_unavailable_gate)
    else {
        return errs;
    };
    let mu_path = path.child("maxUnavailable");
    errs.extend(validate_positive_int_or_percent(max_unavailable, &mu_path));
    if int_or_percent_value(max_unavailable) == 0 {
        errs.push(FieldError::invalid(
            &mu_path,
            BadValue::Go(json_int_or_string(max_unavailable)),
            "cannot be 0",
        ));
    }
    errs.extend(is_not_more_than_100_percent(max_unavailable, &mu_path));
    errs
}

/// `ValidatePersistentVolumeClaimRetentionPolicyType` (V9).
fn validate_retention_policy_type(value: Option<&str>, path: &Path) -> Vec<FieldError> {
    let value = value.unwrap_or("");
    if value == "Retain" || value == "Delete" {
        vec![]
    } else {
        vec![FieldError::not_supported(
            path,
            json_str(value),
            &["Retain", "Delete"],
        )]
    }
}

/// `ValidateStatefulSetSpec` (V2–V10).
fn validate_stateful_set_spec(
    spec: &StatefulSetSpec,
    path: &Path,
    opts: &ValidationOptions,
    set_opts: StatefulSetSpecOptions,
) -> Vec<FieldError> {
    let mut errs = vec![];

    // V5
    match spec.pod_management_policy.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required(&path.child("podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errs.push(FieldError::invalid(
            &path.child("podManagementPolicy"),
            json_str(other),
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }

    // V6, V7
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    let strategy_path = path.child("updateStrategy");
    match strategy.type_.as_deref().unwrap_or("") {
        "" => errs.push(FieldError::required(&strategy_path, "")),
        "OnDelete" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.push(FieldError::invalid(
                    &strategy_path.child("rollingUpdate"),
                    BadValue::Go(json_sts_rolling_update(ru)),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = &strategy.rolling_update {
                errs.extend(validate_rolling_update_stateful_set(
                    ru,
                    &strategy_path.child("rollingUpdate"),
                    opts,
                ));
            }
        }
        _ => errs.push(FieldError::invalid(
            &strategy_path,
            BadValue::Go(json_sts_strategy(&strategy)),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }

    // V9
    if let Some(policy) = &spec.persistent_volume_claim_retention_policy {
        let p = path.child("persistentVolumeClaimRetentionPolicy");
        errs.extend(validate_retention_policy_type(
            policy.when_deleted.as_deref(),
            &p.child("whenDeleted"),
        ));
        errs.extend(validate_retention_policy_type(
            policy.when_scaled.as_deref(),
            &p.child("whenScaled"),
        ));
    }

    // V8
    errs.extend(validate_nonnegative(
        i64::from(spec.replicas.unwrap_or(0)),
        &path.child("replicas"),
    ));
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        &path.child("minReadySeconds"),
    ));
    if let Some(ordinals) = &spec.ordinals {
        errs.extend(validate_nonnegative(
            i64::from(ordinals.start.unwrap_or(0)),
            &path.child("ordinals").child("start"),
        ));
    }
    errs.extend(validate_nonnegative_if_set(
        spec.revision_history_limit.map(i64::from),
        &path.child("revisionHistoryLimit"),
    ));

    // V10
    let service_name = spec.service_name.as_deref().unwrap_or("");
    if !set_opts.allow_invalid_service_name && !service_name.is_empty() {
        for msg in names::is_dns1123_label(service_name) {
            errs.push(FieldError::invalid(
                &path.child("serviceName"),
                service_name,
                msg,
            ));
        }
    }

    // V2
    let selector_path = path.child("selector");
    errs.extend(validate_required_selector(
        &spec.selector,
        &selector_path,
        "statefulset",
    ));

    // V3 and the template (V12)
    let template_path = path.child("template");
    let check = selector_check(&spec.selector);
    if let SelectorCheck::Invalid = check {
        errs.push(FieldError::invalid(
            &selector_path,
            selector_value(&spec.selector),
            "",
        ));
    } else {
        errs.extend(validate_selector_matches_template(
            &check,
            &spec.template,
            &template_path,
        ));
        if set_opts.skip_pod_template {
            let empty = BTreeMap::new();
            let template_meta = spec.template.metadata.as_ref();
            errs.extend(meta::validate_labels(
                template_meta
                    .and_then(|m| m.labels.as_ref())
                    .unwrap_or(&empty),
                &template_path.child("labels"),
            ));
            errs.extend(meta::validate_annotations(
                template_meta
                    .and_then(|m| m.annotations.as_ref())
                    .unwrap_or(&empty),
                &template_path.child("annotations"),
            ));
        } else {
            errs.extend(validate_pod_template_spec(
                &template_with_claim_volumes(spec),
                &template_path,
                opts,
            ));
        }
    }

    // V4
    errs.extend(validate_workload_pod_spec(
        &spec.template,
        &template_path,
        "StatefulSet",
    ));
    errs
}

/// The template as the controller will turn it into pods: each volumeClaimTemplate becomes a
/// volume of the same name (`updateStorage`), so mounts of claim templates validate.
fn template_with_claim_volumes(spec: &StatefulSetSpec) -> PodTemplateSpec {
    let mut template = spec.template.clone();
    let claims = spec.volume_claim_templates.iter().flatten();
    let pod_spec = template.spec.get_or_insert_with(Default::default);
    let volumes = pod_spec.volumes.get_or_insert_with(Vec::new);
    for claim in claims {
        let name = claim.metadata.name.clone().unwrap_or_default();
        // Claim templates themselves are not validated here (V11): a template name that could
        // not be a volume name is simply not offered, so a mount of it reports Not found.
        if volumes.iter().any(|v| v.name == name) || !names::is_dns1123_label(&name).is_empty() {
            continue;
        }
        volumes.push(k8s_openapi::api::core::v1::Volume {
            name: name.clone(),
            persistent_volume_claim: Some(
                k8s_openapi::api::core::v1::PersistentVolumeClaimVolumeSource {
                    claim_name: name,
                    read_only: None,
                },
            ),
            ..Default::default()
        });
    }
    template
}

/// `ValidateStatefulSet`: metadata (V1: the name is a DNS-1123 label) and spec (V2–V10).
pub fn validate_stateful_set(s: &StatefulSet, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs =
        meta::validate_object_meta(&s.metadata, true, name_is_dns_label, &Path::new("metadata"));
    errs.extend(validate_stateful_set_spec(
        &s.spec.clone().unwrap_or_default(),
        &Path::new("spec"),
        opts,
        StatefulSetSpecOptions::default(),
    ));
    errs
}

/// `ValidateStatefulSetUpdate`: metadata update rules, the spec re-validated (V14; the name
/// is not, and neither is serviceName, both being immutable), then one Forbidden error on
/// `spec` when anything but the mutable fields changed (V13). The pod template check is
/// skipped when the stored template is itself invalid, so such a set can still be scaled or
/// deleted (ratcheting).
pub fn validate_stateful_set_update(
    new: &StatefulSet,
    old: &StatefulSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    let new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    let template_path = Path::new("spec").child("template");
    let set_opts = StatefulSetSpecOptions {
        allow_invalid_service_name: true,
        skip_pod_template: !validate_pod_template_spec(
            &template_with_claim_volumes(&old_spec),
            &template_path,
            opts,
        )
        .is_empty(),
    };
    errs.extend(validate_stateful_set_spec(
        &new_spec,
        &Path::new("spec"),
        opts,
        set_opts,
    ));

    let mut restricted = new_spec.clone();
    restricted.replicas = old_spec.replicas;
    restricted.template = old_spec.template.clone();
    restricted.update_strategy = old_spec.update_strategy.clone();
    restricted.min_ready_seconds = old_spec.min_ready_seconds;
    restricted.ordinals = old_spec.ordinals.clone();
    restricted.persistent_volume_claim_retention_policy =
        old_spec.persistent_volume_claim_retention_policy.clone();
    restricted.revision_history_limit = old_spec.revision_history_limit;
    let mut old_restricted = old_spec;
    // A Go string: unset and "" are the same value.
    for s in [&mut restricted, &mut old_restricted] {
        if s.service_name.as_deref() == Some("") {
            s.service_name = None;
        }
        if s.pod_management_policy.as_deref() == Some("") {
            s.pod_management_policy = None;
        }
    }
    if !semantically_equal(&restricted, &old_restricted) {
        errs.push(FieldError::forbidden(
            &Path::new("spec"),
            STATEFUL_SET_SPEC_UPDATE_FORBIDDEN,
        ));
    }
    errs
}

/// `ValidateStatefulSetStatus` (V15).
fn validate_stateful_set_status(status: &StatefulSetStatus, path: &Path) -> Vec<FieldError> {
    let replicas = status.replicas;
    let ready = status.ready_replicas.unwrap_or(0);
    let current = status.current_replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let mut errs = validate_nonnegative_counts(
        &[
            (replicas, "replicas"),
            (ready, "readyReplicas"),
            (current, "currentReplicas"),
            (updated, "updatedReplicas"),
            (available, "availableReplicas"),
        ],
        path,
    );
    errs.extend(validate_nonnegative_if_set(
        status.observed_generation,
        &path.child("observedGeneration"),
    ));
    errs.extend(validate_nonnegative_if_set(
        status.collision_count.map(i64::from),
        &path.child("collisionCount"),
    ));
    errs.extend(validate_counts_within_replicas(
        replicas,
        &[
            (ready, "readyReplicas"),
            (current, "currentReplicas"),
            (updated, "updatedReplicas"),
            (available, "availableReplicas"),
        ],
        (available, ready, "status.readyReplicas"),
        path,
    ));
    errs
}

/// `ValidateStatefulSetStatusUpdate`: the status (V15), metadata update rules, and
/// collisionCount never decreasing.
pub fn validate_stateful_set_status_update(
    new: &StatefulSet,
    old: &StatefulSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let new_status = new.status.clone().unwrap_or_default();
    let mut errs = validate_stateful_set_status(&new_status, &Path::new("status"));
    errs.extend(validate_object_meta_update(&new.metadata, &old.metadata));
    errs.extend(validate_collision_count_update(
        new_status.collision_count,
        old.status.as_ref().and_then(|s| s.collision_count),
    ));
    errs
}

// ----- Deployment -----

/// The internal `DeploymentStrategy` as JSON (unset int-or-percents are 0).
fn json_deployment_strategy(s: &DeploymentStrategy) -> String {
    json_rolling_strategy(
        s.type_.as_deref(),
        s.rolling_update
            .as_ref()
            .map(|ru| (ru.max_unavailable.as_ref(), ru.max_surge.as_ref())),
    )
}

/// An internal strategy with a `*RollingUpdate...` of maxUnavailable and maxSurge as JSON
/// (`{"Type":"RollingUpdate","RollingUpdate":{"MaxUnavailable":1,"MaxSurge":0}}`; unset
/// int-or-percents are 0): Deployment and DaemonSet strategies print alike.
fn json_rolling_strategy(
    type_: Option<&str>,
    rolling_update: Option<(Option<&IntOrString>, Option<&IntOrString>)>,
) -> String {
    let ru = rolling_update.map_or_else(
        || "null".to_string(),
        |(max_unavailable, max_surge)| {
            format!(
                "{{\"MaxUnavailable\":{},\"MaxSurge\":{}}}",
                json_int_or_string(&max_unavailable.cloned().unwrap_or_default()),
                json_int_or_string(&max_surge.cloned().unwrap_or_default())
            )
        },
    );
    format!(
        "{{\"Type\":{},\"RollingUpdate\":{}}}",
        json_quote(type_.unwrap_or("")),
        ru
    )
}

/// `ValidateRollingUpdateDeployment`.
fn validate_rolling_update_deployment(
    ru: &RollingUpdateDeployment,
    path: &Path,
) -> Vec<FieldError> {
    let max_unavailable = ru.max_unavailable.clone().unwrap_or_default();
    let max_surge = ru.max_surge.clone().unwrap_or_default();
    let mu_path = path.child("maxUnavailable");
    let mut errs = validate_positive_int_or_percent(&max_unavailable, &mu_path);
    errs.extend(validate_positive_int_or_percent(
        &max_surge,
        &path.child("maxSurge"),
    ));
    if int_or_percent_value(&max_unavailable) == 0 && int_or_percent_value(&max_surge) == 0 {
        errs.push(FieldError::invalid(
            &mu_path,
            BadValue::Go(json_int_or_string(&max_unavailable)),
            "may not be 0 when `maxSurge` is 0",
        ));
    }
    errs.extend(is_not_more_than_100_percent(&max_unavailable, &mu_path));
    errs
}

/// `ValidateDeploymentStrategy`.
fn validate_deployment_strategy(s: &DeploymentStrategy, path: &Path) -> Vec<FieldError> {
    match s.type_.as_deref().unwrap_or("") {
        "Recreate" => {
            if s.rolling_update.is_some() {
                return vec![FieldError::forbidden(
                    &path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                )];
            }
            vec![]
        }
        "RollingUpdate" => match &s.rolling_update {
            None => vec![FieldError::required(
                &path.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )],
            Some(ru) => validate_rolling_update_deployment(ru, &path.child("rollingUpdate")),
        },
        _ => vec![FieldError::not_supported(
            path,
            BadValue::Go(json_deployment_strategy(s)),
            &["Recreate", "RollingUpdate"],
        )],
    }
}

/// `ValidateDeploymentSpec`.
fn validate_deployment_spec(
    spec: &DeploymentSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_nonnegative(
        i64::from(spec.replicas.unwrap_or(0)),
        &path.child("replicas"),
    );
    errs.extend(validate_selector_and_template_for_replica_set(
        &spec.selector,
        &spec.template,
        path,
        opts,
    ));
    errs.extend(validate_deployment_strategy(
        &spec.strategy.clone().unwrap_or_default(),
        &path.child("strategy"),
    ));
    let min_ready = spec.min_ready_seconds.unwrap_or(0);
    errs.extend(validate_nonnegative(
        i64::from(min_ready),
        &path.child("minReadySeconds"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.revision_history_limit.map(i64::from),
        &path.child("revisionHistoryLimit"),
    ));
    if let Some(deadline) = spec.progress_deadline_seconds {
        let p = path.child("progressDeadlineSeconds");
        errs.extend(validate_nonnegative(i64::from(deadline), &p));
        if deadline <= min_ready {
            errs.push(FieldError::invalid(
                &p,
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errs
}

/// `ValidateDeployment`: metadata (a DNS subdomain name) and spec.
pub fn validate_deployment(d: &Deployment, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = validate_subdomain_object_meta(&d.metadata);
    errs.extend(validate_deployment_spec(
        &d.spec.clone().unwrap_or_default(),
        &Path::new("spec"),
        opts,
    ));
    errs
}

/// `ValidateDeploymentUpdate` plus the strategy's selector immutability (apps/v1).
pub fn validate_deployment_update(
    new: &Deployment,
    old: &Deployment,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    let new_spec = new.spec.clone().unwrap_or_default();
    errs.extend(validate_deployment_spec(
        &new_spec,
        &Path::new("spec"),
        opts,
    ));
    errs.extend(validate_selector_immutable(
        &new_spec.selector,
        &old.spec.clone().unwrap_or_default().selector,
    ));
    errs
}

/// `ValidateDeploymentStatus`.
fn validate_deployment_status(status: &DeploymentStatus, path: &Path) -> Vec<FieldError> {
    let replicas = status.replicas.unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let mut errs = validate_nonnegative(
        status.observed_generation.unwrap_or(0),
        &path.child("observedGeneration"),
    );
    errs.extend(validate_nonnegative_counts(
        &[
            (replicas, "replicas"),
            (updated, "updatedReplicas"),
            (ready, "readyReplicas"),
            (available, "availableReplicas"),
            (
                status.unavailable_replicas.unwrap_or(0),
                "unavailableReplicas",
            ),
        ],
        path,
    ));
    errs.extend(validate_nonnegative_if_set(
        status.terminating_replicas.map(i64::from),
        &path.child("terminatingReplicas"),
    ));
    errs.extend(validate_nonnegative_if_set(
        status.collision_count.map(i64::from),
        &path.child("collisionCount"),
    ));
    errs.extend(validate_counts_within_replicas(
        replicas,
        &[
            (updated, "updatedReplicas"),
            (ready, "readyReplicas"),
            (available, "availableReplicas"),
        ],
        (available, ready, "readyReplicas"),
        path,
    ));
    errs
}

/// `ValidateDeploymentStatusUpdate`.
pub fn validate_deployment_status_update(
    new: &Deployment,
    old: &Deployment,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    let status = new.status.clone().unwrap_or_default();
    errs.extend(validate_deployment_status(&status, &Path::new("status")));
    errs.extend(validate_collision_count_update(
        status.collision_count,
        old.status.as_ref().and_then(|s| s.collision_count),
    ));
    errs
}

// ----- ReplicaSet -----

/// `ValidateReplicaSetSpec`. (Upstream's empty-selector text says "deployment" here too.)
fn validate_replica_set_spec(
    spec: &ReplicaSetSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_nonnegative(
        i64::from(spec.replicas.unwrap_or(0)),
        &path.child("replicas"),
    );
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        &path.child("minReadySeconds"),
    ));
    errs.extend(validate_selector_and_template_for_replica_set(
        &spec.selector,
        &spec.template.clone().unwrap_or_default(),
        path,
        opts,
    ));
    errs
}

/// `ValidateReplicaSet`: metadata (a DNS subdomain name) and spec.
pub fn validate_replica_set(r: &ReplicaSet, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = validate_subdomain_object_meta(&r.metadata);
    errs.extend(validate_replica_set_spec(
        &r.spec.clone().unwrap_or_default(),
        &Path::new("spec"),
        opts,
    ));
    errs
}

/// The ReplicaSet strategy's update check: `ValidateReplicaSet`, then `ValidateReplicaSetUpdate`
/// (so spec errors appear twice and the aggregate drops the copies), then selector
/// immutability.
pub fn validate_replica_set_update(
    new: &ReplicaSet,
    old: &ReplicaSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_replica_set(new, opts);
    errs.extend(validate_object_meta_update(&new.metadata, &old.metadata));
    let new_spec = new.spec.clone().unwrap_or_default();
    errs.extend(validate_replica_set_spec(
        &new_spec,
        &Path::new("spec"),
        opts,
    ));
    errs.extend(validate_selector_immutable(
        &new_spec.selector,
        &old.spec.clone().unwrap_or_default().selector,
    ));
    errs
}

/// `ValidateReplicaSetStatus`.
fn validate_replica_set_status(status: &ReplicaSetStatus, path: &Path) -> Vec<FieldError> {
    let replicas = status.replicas;
    let fully_labeled = status.fully_labeled_replicas.unwrap_or(0);
    let ready = status.ready_replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let mut errs = validate_nonnegative_counts(
        &[
            (replicas, "replicas"),
            (fully_labeled, "fullyLabeledReplicas"),
            (ready, "readyReplicas"),
            (available, "availableReplicas"),
        ],
        path,
    );
    errs.extend(validate_nonnegative_if_set(
        status.terminating_replicas.map(i64::from),
        &path.child("terminatingReplicas"),
    ));
    errs.extend(validate_nonnegative(
        status.observed_generation.unwrap_or(0),
        &path.child("observedGeneration"),
    ));
    errs.extend(validate_counts_within_replicas(
        replicas,
        &[
            (fully_labeled, "fullyLabeledReplicas"),
            (ready, "readyReplicas"),
            (available, "availableReplicas"),
        ],
        (available, ready, "readyReplicas"),
        path,
    ));
    errs
}

/// `ValidateReplicaSetStatusUpdate`.
pub fn validate_replica_set_status_update(
    new: &ReplicaSet,
    old: &ReplicaSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    errs.extend(validate_replica_set_status(
        &new.status.clone().unwrap_or_default(),
        &Path::new("status"),
    ));
    errs
}

// ----- DaemonSet -----

/// The internal `DaemonSetUpdateStrategy` as JSON (unset int-or-percents are 0).
fn json_daemon_set_strategy(s: &DaemonSetUpdateStrategy) -> String {
    json_rolling_strategy(
        s.type_.as_deref(),
        s.rolling_update
            .as_ref()
            .map(|ru| (ru.max_unavailable.as_ref(), ru.max_surge.as_ref())),
    )
}

/// `ValidateRollingUpdateDaemonSet`: exactly one of maxSurge and maxUnavailable non-zero.
fn validate_rolling_update_daemon_set(ru: &RollingUpdateDaemonSet, path: &Path) -> Vec<FieldError> {
    let max_unavailable = ru.max_unavailable.clone().unwrap_or_default();
    let max_surge = ru.max_surge.clone().unwrap_or_default();
    let mu_path = path.child("maxUnavailable");
    let ms_path = path.child("maxSurge");
    let mut errs = validate_positive_int_or_percent(&max_unavailable, &mu_path);
    errs.extend(validate_positive_int_or_percent(&max_surge, &ms_path));
    errs.extend(is_not_more_than_100_percent(&max_unavailable, &mu_path));
    errs.extend(is_not_more_than_100_percent(&max_surge, &ms_path));
    let has_unavailable = int_or_percent_value(&max_unavailable) != 0;
    let has_surge = int_or_percent_value(&max_surge) != 0;
    if has_unavailable && has_surge {
        errs.push(FieldError::invalid(
            &ms_path,
            BadValue::Go(json_int_or_string(&max_surge)),
            "may not be set when maxUnavailable is non-zero",
        ));
    } else if !has_unavailable && !has_surge {
        errs.push(FieldError::required(
            &mu_path,
            "cannot be 0 when maxSurge is 0",
        ));
    }
    errs
}

/// `ValidateDaemonSetUpdateStrategy`.
fn validate_daemon_set_update_strategy(
    s: &DaemonSetUpdateStrategy,
    path: &Path,
) -> Vec<FieldError> {
    match s.type_.as_deref().unwrap_or("") {
        "OnDelete" => vec![],
        "RollingUpdate" => match &s.rolling_update {
            None => vec![FieldError::required(&path.child("rollingUpdate"), "")],
            Some(ru) => validate_rolling_update_daemon_set(ru, &path.child("rollingUpdate")),
        },
        _ => vec![FieldError::not_supported(
            path,
            BadValue::Go(json_daemon_set_strategy(s)),
            &["RollingUpdate", "OnDelete"],
        )],
    }
}

/// `ValidateDaemonSetSpec` (without the internal-only templateGeneration).
fn validate_daemon_set_spec(
    spec: &DaemonSetSpec,
    path: &Path,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let selector_path = path.child("selector");
    let template_path = path.child("template");
    // No Required check here: a nil selector only fails to match the template.
    let mut errs = if selector_is_nil(&spec.selector) {
        vec![]
    } else {
        meta::validate_label_selector(&spec.selector, &selector_path)
    };
    let check = selector_check(&spec.selector);
    errs.extend(validate_selector_matches_template(
        &check,
        &spec.template,
        &template_path,
    ));
    if !selector_is_nil(&spec.selector) && selector_is_empty(&spec.selector) {
        errs.push(FieldError::invalid(
            &selector_path,
            selector_value(&spec.selector),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(validate_pod_template_spec(
        &spec.template,
        &template_path,
        opts,
    ));
    errs.extend(validate_workload_pod_spec(
        &spec.template,
        &template_path,
        "DaemonSet",
    ));
    errs.extend(validate_nonnegative(
        i64::from(spec.min_ready_seconds.unwrap_or(0)),
        &path.child("minReadySeconds"),
    ));
    errs.extend(validate_daemon_set_update_strategy(
        &spec.update_strategy.clone().unwrap_or_default(),
        &path.child("updateStrategy"),
    ));
    errs.extend(validate_nonnegative_if_set(
        spec.revision_history_limit.map(i64::from),
        &path.child("revisionHistoryLimit"),
    ));
    errs
}

/// `ValidateDaemonSet`: metadata (a DNS subdomain name) and spec.
pub fn validate_daemon_set(d: &DaemonSet, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = validate_subdomain_object_meta(&d.metadata);
    errs.extend(validate_daemon_set_spec(
        &d.spec.clone().unwrap_or_default(),
        &Path::new("spec"),
        opts,
    ));
    errs
}

/// The DaemonSet strategy's update check: `ValidateDaemonSet`, `ValidateDaemonSetUpdate`
/// (metadata update rules and the spec again), then selector immutability.
pub fn validate_daemon_set_update(
    new: &DaemonSet,
    old: &DaemonSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_daemon_set(new, opts);
    errs.extend(validate_object_meta_update(&new.metadata, &old.metadata));
    let new_spec = new.spec.clone().unwrap_or_default();
    errs.extend(validate_daemon_set_spec(
        &new_spec,
        &Path::new("spec"),
        opts,
    ));
    errs.extend(validate_selector_immutable(
        &new_spec.selector,
        &old.spec.clone().unwrap_or_default().selector,
    ));
    errs
}

/// `validateDaemonSetStatus`.
fn validate_daemon_set_status(status: &DaemonSetStatus, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_nonnegative_counts(
        &[
            (status.current_number_scheduled, "currentNumberScheduled"),
            (status.number_misscheduled, "numberMisscheduled"),
            (status.desired_number_scheduled, "desiredNumberScheduled"),
            (status.number_ready, "numberReady"),
        ],
        path,
    );
    errs.extend(validate_nonnegative(
        status.observed_generation.unwrap_or(0),
        &path.child("observedGeneration"),
    ));
    errs.extend(validate_nonnegative_counts(
        &[
            (
                status.updated_number_scheduled.unwrap_or(0),
                "updatedNumberScheduled",
            ),
            (status.number_available.unwrap_or(0), "numberAvailable"),
            (status.number_unavailable.unwrap_or(0), "numberUnavailable"),
        ],
        path,
    ));
    errs.extend(validate_nonnegative_if_set(
        status.collision_count.map(i64::from),
        &path.child("collisionCount"),
    ));
    errs
}

/// `ValidateDaemonSetStatusUpdate`.
pub fn validate_daemon_set_status_update(
    new: &DaemonSet,
    old: &DaemonSet,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    let status = new.status.clone().unwrap_or_default();
    errs.extend(validate_daemon_set_status(&status, &Path::new("status")));
    errs.extend(validate_collision_count_update(
        status.collision_count,
        old.status.as_ref().and_then(|s| s.collision_count),
    ));
    errs
}

// ----- ControllerRevision -----

/// `ValidateControllerRevision`: metadata (a DNS subdomain name), data present, revision ≥ 0.
pub fn validate_controller_revision(
    c: &ControllerRevision,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let _ = opts;
    let mut errs = validate_subdomain_object_meta(&c.metadata);
    if c.data.is_none() {
        errs.push(FieldError::required(
            &Path::new("data"),
            "data is mandatory",
        ));
    }
    errs.extend(validate_nonnegative(c.revision, &Path::new("revision")));
    errs
}

/// `ValidateControllerRevisionUpdate`: metadata update rules, the revision re-validated, and
/// `data` immutable.
pub fn validate_controller_revision_update(
    new: &ControllerRevision,
    old: &ControllerRevision,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata);
    errs.extend(validate_controller_revision(new, opts));
    let new_data = new.data.as_ref().map(|d| &d.0);
    let old_data = old.data.as_ref().map(|d| &d.0);
    errs.extend(immutable(
        new_data != old_data,
        &Path::new("data"),
        BadValue::Go(new_data.map_or_else(|| "null".to_string(), json_value)),
    ));
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use crate::api::field::aggregate_message;
    use crate::apiserver::error::ApiError;
    use serde_json::Value;
    use serde_json::json;

    fn opts() -> ValidationOptions {
        ValidationOptions::default()
    }

    /// Decodes a workload and defaults its pod template, as the API server would have before
    /// validation (the rest of the spec is left as written, so the spec rules stay visible).
    fn workload<T: serde::de::DeserializeOwned>(mut v: Value) -> T {
        if let Some(t) = v.pointer_mut("/spec/template")
            && !t.is_null()
        {
            let mut template: PodTemplateSpec = serde_json::from_value(t.clone()).unwrap();
            crate::api::defaults::default_pod_template(&mut template);
            *t = serde_json::to_value(template).unwrap();
        }
        serde_json::from_value(v).unwrap()
    }

    fn msgs(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    /// A StatefulSet as the API server holds it after defaulting.
    fn sts_json() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 3,
                "serviceName": "nginx",
                "podManagementPolicy": "OrderedReady",
                "revisionHistoryLimit": 10,
                "updateStrategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"partition": 0, "maxUnavailable": 1}
                },
                "persistentVolumeClaimRetentionPolicy": {
                    "whenDeleted": "Retain",
                    "whenScaled": "Retain"
                },
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {
                    "metadata": {"labels": {"app": "nginx"}},
                    "spec": {
                        "restartPolicy": "Always",
                        "containers": [{"name": "nginx", "image": "nginx"}]
                    }
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "www"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}}
                    }
                }]
            }
        })
    }

    fn sts_with(edit: impl FnOnce(&mut Value)) -> StatefulSet {
        let mut v = sts_json();
        edit(&mut v);
        workload(v)
    }

    fn sts_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        msgs(&validate_stateful_set(&sts_with(edit), &opts()))
    }

    /// A stored StatefulSet, as updates see it.
    fn stored_sts() -> StatefulSet {
        sts_with(|v| {
            v["metadata"]["uid"] = json!("uid-1");
            v["metadata"]["resourceVersion"] = json!("7");
            v["metadata"]["generation"] = json!(1);
        })
    }

    fn update_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let old = stored_sts();
        let mut v = serde_json::to_value(&old).unwrap();
        edit(&mut v);
        let new: StatefulSet = serde_json::from_value(v).unwrap();
        msgs(&validate_stateful_set_update(&new, &old, &opts()))
    }

    #[test]
    fn valid_stateful_set_passes() {
        assert!(sts_errs(|_| {}).is_empty());
    }

    #[test]
    fn v1_name_must_be_a_dns_label() {
        assert_eq!(
            sts_errs(|v| v["metadata"]["name"] = json!("web.v1")),
            ["metadata.name: Invalid value: \"web.v1\": must not contain dots"]
        );
    }

    #[test]
    fn v2_selector_is_required() {
        assert_eq!(
            sts_errs(|v| {
                v["spec"].as_object_mut().unwrap().remove("selector");
            }),
            [
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: {\"app\":\"nginx\"}: `selector` does not match template `labels`",
            ]
        );
    }

    #[test]
    fn v2_empty_selector_is_invalid() {
        assert_eq!(
            sts_errs(|v| v["spec"]["selector"] = json!({"matchLabels": {}})),
            ["spec.selector: Invalid value: {}: empty selector is invalid for statefulset"]
        );
    }

    #[test]
    fn v2_selector_must_be_a_valid_selector() {
        assert_eq!(
            sts_errs(|v| {
                v["spec"]["selector"] =
                    json!({"matchExpressions": [{"key": "app", "operator": "In"}]})
            }),
            [
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
                "spec.selector: Invalid value: {\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\"}]}",
            ]
        );
    }

    #[test]
    fn v3_selector_must_match_template_labels() {
        assert_eq!(
            sts_errs(|v| v["spec"]["template"]["metadata"]["labels"] = json!({"app": "web"})),
            [
                "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"
            ]
        );
        assert_eq!(
            sts_errs(|v| {
                v["spec"]["template"]
                    .as_object_mut()
                    .unwrap()
                    .remove("metadata");
            }),
            [
                "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"
            ]
        );
    }

    #[test]
    fn v3_match_expressions_are_honoured() {
        assert!(
            sts_errs(|v| {
                v["spec"]["selector"] = json!({"matchExpressions": [
                    {"key": "app", "operator": "In", "values": ["nginx", "web"]},
                    {"key": "canary", "operator": "DoesNotExist"}
                ]})
            })
            .is_empty()
        );
    }

    #[test]
    fn v4_restart_policy_must_be_always() {
        assert_eq!(
            sts_errs(|v| v["spec"]["template"]["spec"]["restartPolicy"] = json!("Never")),
            [
                "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""
            ]
        );
    }

    #[test]
    fn v4_active_deadline_seconds_is_forbidden() {
        assert_eq!(
            sts_errs(|v| v["spec"]["template"]["spec"]["activeDeadlineSeconds"] = json!(30)),
            [
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"
            ]
        );
    }

    #[test]
    fn v5_pod_management_policy_values() {
        assert_eq!(
            sts_errs(|v| v["spec"]["podManagementPolicy"] = json!("Burst")),
            [
                "spec.podManagementPolicy: Invalid value: \"Burst\": must be 'OrderedReady' or 'Parallel'"
            ]
        );
        assert_eq!(
            sts_errs(|v| {
                v["spec"]
                    .as_object_mut()
                    .unwrap()
                    .remove("podManagementPolicy");
            }),
            ["spec.podManagementPolicy: Required value"]
        );
    }

    #[test]
    fn v6_update_strategy_type_values() {
        assert_eq!(
            sts_errs(|v| v["spec"]["updateStrategy"] = json!({"type": "Recreate"})),
            [
                "spec.updateStrategy: Invalid value: {\"Type\":\"Recreate\",\"RollingUpdate\":null}: must be 'RollingUpdate' or 'OnDelete'"
            ]
        );
        assert_eq!(
            sts_errs(|v| v["spec"]["updateStrategy"] = json!({})),
            ["spec.updateStrategy: Required value"]
        );
    }

    #[test]
    fn v6_on_delete_rejects_rolling_update() {
        assert!(sts_errs(|v| v["spec"]["updateStrategy"] = json!({"type": "OnDelete"})).is_empty());
        assert_eq!(
            sts_errs(|v| {
                v["spec"]["updateStrategy"] =
                    json!({"type": "OnDelete", "rollingUpdate": {"partition": 2}})
            }),
            [
                "spec.updateStrategy.rollingUpdate: Invalid value: {\"Partition\":2,\"MaxUnavailable\":null}: only allowed for updateStrategy 'RollingUpdate'"
            ]
        );
    }

    #[test]
    fn v7_partition_must_be_nonnegative() {
        assert_eq!(
            sts_errs(|v| v["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(-1)),
            [
                "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"
            ]
        );
        // A partition beyond replicas is allowed.
        assert!(
            sts_errs(|v| v["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(9))
                .is_empty()
        );
    }

    #[test]
    fn v7_max_unavailable_int_or_percent_not_zero() {
        let mu = |val: Value| {
            sts_errs(move |v| v["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = val)
        };
        assert!(mu(json!("50%")).is_empty());
        assert!(mu(json!(2)).is_empty());
        assert_eq!(
            mu(json!(0)),
            ["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"]
        );
        assert_eq!(
            mu(json!("0%")),
            [
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": cannot be 0"
            ]
        );
        assert_eq!(
            mu(json!(-1)),
            [
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"
            ]
        );
        assert_eq!(
            mu(json!("150%")),
            [
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"
            ]
        );
        let bad = mu(json!("abc"));
        assert_eq!(bad.len(), 2);
        assert!(bad[0].starts_with(
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%'"
        ));
        assert_eq!(
            bad[1],
            "spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: \"abc\": cannot be 0"
        );
    }

    #[test]
    fn v7_max_unavailable_ignored_without_the_gate() {
        let s =
            sts_with(|v| v["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = json!(0));
        let off = ValidationOptions {
            max_unavailable_gate: false,
        };
        assert!(validate_stateful_set(&s, &off).is_empty());
    }

    #[test]
    fn v8_counts_must_be_nonnegative() {
        assert_eq!(
            sts_errs(|v| {
                v["spec"]["replicas"] = json!(-1);
                v["spec"]["minReadySeconds"] = json!(-5);
                v["spec"]["ordinals"] = json!({"start": -2});
            }),
            [
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0",
                "spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn v8_revision_history_limit_must_be_nonnegative() {
        assert_eq!(
            sts_errs(|v| v["spec"]["revisionHistoryLimit"] = json!(-1)),
            ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]
        );
    }

    #[test]
    fn v9_retention_policy_values() {
        assert_eq!(
            sts_errs(|v| {
                v["spec"]["persistentVolumeClaimRetentionPolicy"] =
                    json!({"whenDeleted": "Keep", "whenScaled": "Delete"})
            }),
            [
                "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: \"Keep\": supported values: \"Retain\", \"Delete\""
            ]
        );
    }

    #[test]
    fn v10_service_name_must_be_a_dns_label() {
        assert_eq!(
            sts_errs(|v| v["spec"]["serviceName"] = json!("nginx.svc")),
            ["spec.serviceName: Invalid value: \"nginx.svc\": must not contain dots"]
        );
        // Empty is allowed (the field is optional).
        assert!(sts_errs(|v| v["spec"]["serviceName"] = json!("")).is_empty());
    }

    #[test]
    fn v11_volume_claim_templates_are_not_validated_here() {
        assert!(
            sts_errs(
                |v| v["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] = json!("Bad_Name")
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_spec_validates_as_the_zero_spec() {
        let s = StatefulSet {
            metadata: sts_with(|_| {}).metadata,
            ..StatefulSet::default()
        };
        assert_eq!(
            msgs(&validate_stateful_set(&s, &opts())),
            [
                "spec.podManagementPolicy: Required value",
                "spec.updateStrategy: Required value",
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`",
                // The zero pod template fails pod-spec validation too (nothing defaulted it).
                "spec.template.spec.terminationGracePeriodSeconds: Required value",
                "spec.template.spec.containers: Required value",
                "spec.template.spec.restartPolicy: Required value",
                "spec.template.spec.dnsPolicy: Required value",
                "spec.template.spec.restartPolicy: Unsupported value: \"\": supported values: \"Always\"",
            ]
        );
    }

    #[test]
    fn multi_error_manifest_aggregates_like_the_api_server() {
        let s = sts_with(|v| {
            v["spec"]["replicas"] = json!(-1);
            v["spec"]["podManagementPolicy"] = json!("Burst");
            v["spec"]["template"]["metadata"]["labels"] = json!({"app": "web"});
        });
        let errs = validate_stateful_set(&s, &opts());
        assert_eq!(
            ApiError::invalid(Kind::StatefulSet, "web", &errs).message,
            "StatefulSet.apps \"web\" is invalid: [spec.podManagementPolicy: Invalid value: \"Burst\": must be 'OrderedReady' or 'Parallel', spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`]"
        );
        assert_eq!(
            aggregate_message(&errs[1..2]),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
    }

    #[test]
    fn v13_mutable_fields_may_change() {
        assert!(
            update_errs(|v| {
                v["spec"]["replicas"] = json!(5);
                v["spec"]["minReadySeconds"] = json!(10);
                v["spec"]["revisionHistoryLimit"] = json!(3);
                v["spec"]["ordinals"] = json!({"start": 1});
                v["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
                v["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] = json!("Delete");
                v["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:2");
            })
            .is_empty()
        );
    }

    #[test]
    fn v13_other_spec_changes_are_one_forbidden_error() {
        let forbidden = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
        assert_eq!(
            update_errs(|v| {
                v["spec"]["serviceName"] = json!("other");
                v["spec"]["podManagementPolicy"] = json!("Parallel");
                v["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
                    json!("2Gi");
            }),
            [forbidden]
        );
        assert_eq!(
            update_errs(|v| {
                v["spec"]["selector"]["matchLabels"]["tier"] = json!("web");
                v["spec"]["template"]["metadata"]["labels"]["tier"] = json!("web");
            }),
            [forbidden]
        );
    }

    #[test]
    fn v13_unset_and_empty_lists_are_the_same_spec() {
        let old = sts_with(|v| {
            v["metadata"]["resourceVersion"] = json!("7");
            v["spec"]
                .as_object_mut()
                .unwrap()
                .remove("volumeClaimTemplates");
        });
        let mut new = old.clone();
        new.spec.as_mut().unwrap().volume_claim_templates = Some(vec![]);
        assert!(validate_stateful_set_update(&new, &old, &opts()).is_empty());
    }

    #[test]
    fn v14_spec_is_revalidated_on_update() {
        assert_eq!(
            update_errs(|v| v["spec"]["replicas"] = json!(-1)),
            ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
        );
    }

    #[test]
    fn update_checks_metadata_rules() {
        assert_eq!(
            update_errs(|v| v["metadata"]["uid"] = json!("uid-2")),
            ["metadata.uid: Invalid value: \"uid-2\": field is immutable"]
        );
    }

    fn status_errs(status: Value, old_collisions: Option<i32>) -> Vec<String> {
        let mut old = stored_sts();
        old.status = Some(StatefulSetStatus {
            collision_count: old_collisions,
            ..StatefulSetStatus::default()
        });
        let mut new = old.clone();
        new.status = Some(serde_json::from_value(status).unwrap());
        msgs(&validate_stateful_set_status_update(&new, &old, &opts()))
    }

    #[test]
    fn v15_valid_status_passes() {
        assert!(
            status_errs(
                json!({"replicas": 3, "readyReplicas": 3, "availableReplicas": 2,
                       "currentReplicas": 3, "updatedReplicas": 1, "observedGeneration": 1,
                       "collisionCount": 1}),
                Some(1)
            )
            .is_empty()
        );
    }

    #[test]
    fn v15_counts_must_be_nonnegative() {
        assert_eq!(
            status_errs(
                json!({"replicas": 0, "readyReplicas": -1, "observedGeneration": -1,
                       "collisionCount": -1}),
                None
            ),
            [
                "status.readyReplicas: Invalid value: -1: must be greater than or equal to 0",
                "status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
                "status.collisionCount: Invalid value: -1: must be greater than or equal to 0",
                "status.availableReplicas: Invalid value: 0: cannot be greater than status.readyReplicas",
            ]
        );
    }

    #[test]
    fn v15_counts_bounded_by_replicas_and_ready() {
        assert_eq!(
            status_errs(
                json!({"replicas": 2, "readyReplicas": 3, "currentReplicas": 4,
                       "updatedReplicas": 5, "availableReplicas": 6}),
                None
            ),
            [
                "status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas",
                "status.currentReplicas: Invalid value: 4: cannot be greater than status.replicas",
                "status.updatedReplicas: Invalid value: 5: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 6: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 6: cannot be greater than status.readyReplicas",
            ]
        );
    }

    #[test]
    fn v15_collision_count_cannot_decrease() {
        assert_eq!(
            status_errs(json!({"replicas": 0, "collisionCount": 1}), Some(2)),
            ["status.collisionCount: Invalid value: 1: cannot be decremented"]
        );
        assert_eq!(
            status_errs(json!({"replicas": 0}), Some(2)),
            ["status.collisionCount: Invalid value: 0: cannot be decremented"]
        );
    }

    // ----- Deployment -----

    fn deploy_json() -> Value {
        json!({
            "metadata": {"name": "web", "namespace": "default", "resourceVersion": "3"},
            "spec": {
                "replicas": 2,
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}
                },
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"restartPolicy": "Always",
                             "containers": [{"name": "web", "image": "nginx"}]}
                }
            }
        })
    }

    fn deploy_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v = deploy_json();
        edit(&mut v);
        let d: Deployment = workload(v);
        msgs(&validate_deployment(&d, &opts()))
    }

    #[test]
    fn deployment_valid_passes() {
        assert!(deploy_errs(|_| {}).is_empty());
    }

    #[test]
    fn deployment_replicas_and_selector() {
        assert_eq!(
            deploy_errs(|v| {
                v["spec"]["replicas"] = json!(-1);
                v["spec"]["selector"] = json!({"matchExpressions": []});
            }),
            [
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
            ]
        );
    }

    #[test]
    fn deployment_invalid_selector_is_reported_once_more() {
        assert_eq!(
            deploy_errs(|v| v["spec"]["selector"] = json!({"matchLabels": {"app": "-web"}}))[1],
            "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"-web\"}}: invalid label selector"
        );
    }

    #[test]
    fn deployment_template_rules_say_replica_set() {
        assert_eq!(
            deploy_errs(|v| {
                v["spec"]["template"]["metadata"]["labels"] = json!({"app": "api"});
                v["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
                v["spec"]["template"]["spec"]["activeDeadlineSeconds"] = json!(5);
            }),
            [
                "spec.template.metadata.labels: Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`",
                "spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\"",
                "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
            ]
        );
    }

    #[test]
    fn deployment_strategy_rules() {
        assert_eq!(
            deploy_errs(|v| v["spec"]["strategy"]["rollingUpdate"] =
                json!({"maxUnavailable": 0, "maxSurge": "0%"})),
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"
            ]
        );
        assert_eq!(
            deploy_errs(
                |v| v["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = json!("101%")
            ),
            [
                "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"101%\": must not be greater than 100%"
            ]
        );
        assert_eq!(
            deploy_errs(|v| v["spec"]["strategy"]["type"] = json!("Recreate")),
            [
                "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
            ]
        );
        assert_eq!(
            deploy_errs(|v| v["spec"]["strategy"] = json!({"type": "BlueGreen"})),
            [
                "spec.strategy: Unsupported value: {\"Type\":\"BlueGreen\",\"RollingUpdate\":null}: supported values: \"Recreate\", \"RollingUpdate\""
            ]
        );
    }

    #[test]
    fn deployment_progress_deadline_exceeds_min_ready() {
        assert_eq!(
            deploy_errs(|v| {
                v["spec"]["minReadySeconds"] = json!(600);
                v["spec"]["revisionHistoryLimit"] = json!(-1);
            }),
            [
                "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
                "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
            ]
        );
    }

    #[test]
    fn deployment_selector_is_immutable() {
        let old: Deployment = workload(deploy_json());
        let mut v = deploy_json();
        v["spec"]["selector"] = json!({"matchLabels": {"app": "renamed"}});
        let new: Deployment = workload(v);
        let errs = validate_deployment_update(&new, &old, &opts());
        assert_eq!(
            ApiError::invalid(Kind::Deployment, "web", &errs).message,
            "Deployment.apps \"web\" is invalid: [spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`, spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"renamed\"}}: field is immutable]"
        );
        assert!(validate_deployment_update(&old, &old, &opts()).is_empty());
    }

    #[test]
    fn deployment_status_rules() {
        let old: Deployment = workload(deploy_json());
        let mut new = old.clone();
        new.status = Some(
            serde_json::from_value(json!({"replicas": 1, "readyReplicas": 1,
                "availableReplicas": 2, "unavailableReplicas": -1}))
            .unwrap(),
        );
        assert_eq!(
            msgs(&validate_deployment_status_update(&new, &old, &opts())),
            [
                "status.unavailableReplicas: Invalid value: -1: must be greater than or equal to 0",
                "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas",
            ]
        );
    }

    // ----- ReplicaSet -----

    fn rs() -> ReplicaSet {
        workload::<ReplicaSet>(json!({
            "metadata": {"name": "web-5d4f", "namespace": "default", "resourceVersion": "3"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"restartPolicy": "Always",
                             "containers": [{"name": "web", "image": "nginx"}]}
                }
            }
        }))
    }

    #[test]
    fn replica_set_rules() {
        assert!(validate_replica_set(&rs(), &opts()).is_empty());
        let mut r = rs();
        let spec = r.spec.as_mut().unwrap();
        spec.min_ready_seconds = Some(-1);
        spec.selector.match_labels = Some(BTreeMap::new());
        assert_eq!(
            msgs(&validate_replica_set(&r, &opts())),
            [
                "spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.selector: Invalid value: {}: empty selector is invalid for deployment",
            ]
        );
    }

    #[test]
    fn replica_set_missing_template_is_the_empty_template() {
        let mut r = rs();
        r.spec.as_mut().unwrap().template = None;
        assert_eq!(
            msgs(&validate_replica_set(&r, &opts())),
            [
                "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`",
                "spec.template.spec.terminationGracePeriodSeconds: Required value",
                "spec.template.spec.containers: Required value",
                "spec.template.spec.restartPolicy: Required value",
                "spec.template.spec.dnsPolicy: Required value",
                "spec.template.spec.restartPolicy: Unsupported value: \"\": supported values: \"Always\"",
            ]
        );
    }

    #[test]
    fn replica_set_update_dedups_and_keeps_selector() {
        let old = rs();
        let mut new = rs();
        new.spec.as_mut().unwrap().replicas = Some(-2);
        new.spec.as_mut().unwrap().selector.match_labels = Some(
            [
                ("app".to_string(), "web".to_string()),
                ("x".to_string(), "y".to_string()),
            ]
            .into(),
        );
        let errs = validate_replica_set_update(&new, &old, &opts());
        assert_eq!(
            aggregate_message(&errs),
            "[spec.replicas: Invalid value: -2: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`, spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"x\":\"y\"}}: field is immutable]"
        );
    }

    #[test]
    fn replica_set_status_rules() {
        let old = rs();
        let mut new = rs();
        new.status = Some(
            serde_json::from_value(json!({"replicas": 1, "fullyLabeledReplicas": 2,
                "observedGeneration": -1}))
            .unwrap(),
        );
        assert_eq!(
            msgs(&validate_replica_set_status_update(&new, &old, &opts())),
            [
                "status.observedGeneration: Invalid value: -1: must be greater than or equal to 0",
                "status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas",
            ]
        );
    }

    // ----- DaemonSet -----

    fn ds() -> DaemonSet {
        workload::<DaemonSet>(json!({
            "metadata": {"name": "agent", "namespace": "kube-system", "resourceVersion": "3"},
            "spec": {
                "revisionHistoryLimit": 10,
                "selector": {"matchLabels": {"app": "agent"}},
                "updateStrategy": {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {"restartPolicy": "Always",
                             "containers": [{"name": "a", "image": "agent"}]}
                }
            }
        }))
    }

    #[test]
    fn daemon_set_rules() {
        assert!(validate_daemon_set(&ds(), &opts()).is_empty());
        let mut d = ds();
        let spec = d.spec.as_mut().unwrap();
        spec.selector = LabelSelector::default();
        spec.update_strategy.as_mut().unwrap().rolling_update = Some(RollingUpdateDaemonSet {
            max_unavailable: Some(IntOrString::Int(1)),
            max_surge: Some(IntOrString::String("10%".into())),
        });
        assert_eq!(
            msgs(&validate_daemon_set(&d, &opts())),
            [
                "spec.template.metadata.labels: Invalid value: {\"app\":\"agent\"}: `selector` does not match template `labels`",
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"10%\": may not be set when maxUnavailable is non-zero",
            ]
        );
    }

    #[test]
    fn daemon_set_needs_one_nonzero_budget_and_known_strategy() {
        let mut d = ds();
        let spec = d.spec.as_mut().unwrap();
        spec.selector.match_labels = Some(BTreeMap::new());
        spec.update_strategy.as_mut().unwrap().rolling_update = Some(RollingUpdateDaemonSet {
            max_unavailable: Some(IntOrString::Int(0)),
            max_surge: None,
        });
        assert_eq!(
            msgs(&validate_daemon_set(&d, &opts())),
            [
                "spec.selector: Invalid value: {}: empty selector is invalid for daemonset",
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
            ]
        );
        let mut d = ds();
        d.spec.as_mut().unwrap().update_strategy = Some(DaemonSetUpdateStrategy {
            type_: Some("Surge".into()),
            rolling_update: None,
        });
        assert_eq!(
            msgs(&validate_daemon_set(&d, &opts())),
            [
                "spec.updateStrategy: Unsupported value: {\"Type\":\"Surge\",\"RollingUpdate\":null}: supported values: \"RollingUpdate\", \"OnDelete\""
            ]
        );
    }

    #[test]
    fn daemon_set_selector_is_immutable_and_status_counts_nonnegative() {
        let old = ds();
        let mut new = ds();
        new.spec.as_mut().unwrap().selector.match_labels = Some(
            [
                ("app".to_string(), "agent".to_string()),
                ("v".to_string(), "2".to_string()),
            ]
            .into(),
        );
        new.spec
            .as_mut()
            .unwrap()
            .template
            .metadata
            .as_mut()
            .unwrap()
            .labels = new.spec.as_ref().unwrap().selector.match_labels.clone();
        assert_eq!(
            msgs(&validate_daemon_set_update(&new, &old, &opts())),
            [
                "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"agent\",\"v\":\"2\"}}: field is immutable"
            ]
        );
        let mut new = ds();
        new.status = Some(DaemonSetStatus {
            number_ready: -1,
            collision_count: Some(0),
            ..DaemonSetStatus::default()
        });
        let mut old = ds();
        old.status = Some(DaemonSetStatus {
            collision_count: Some(1),
            ..DaemonSetStatus::default()
        });
        assert_eq!(
            msgs(&validate_daemon_set_status_update(&new, &old, &opts())),
            [
                "status.numberReady: Invalid value: -1: must be greater than or equal to 0",
                "status.collisionCount: Invalid value: 0: cannot be decremented",
            ]
        );
    }

    // ----- ControllerRevision -----

    fn revision() -> ControllerRevision {
        serde_json::from_value(json!({
            "metadata": {"name": "web-6d9f7c8b5", "namespace": "default", "resourceVersion": "4"},
            "data": {"spec": {"template": {"metadata": {"labels": {"app": "nginx"}}}}},
            "revision": 1
        }))
        .unwrap()
    }

    #[test]
    fn controller_revision_rules() {
        assert!(validate_controller_revision(&revision(), &opts()).is_empty());
        let mut c = revision();
        c.data = None;
        c.revision = -1;
        assert_eq!(
            msgs(&validate_controller_revision(&c, &opts())),
            [
                "data: Required value: data is mandatory",
                "revision: Invalid value: -1: must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn controller_revision_data_is_immutable() {
        let old = revision();
        assert!(validate_controller_revision_update(&old, &old, &opts()).is_empty());
        let mut new = revision();
        new.data = Some(k8s_openapi::apimachinery::pkg::runtime::RawExtension(
            json!({"spec": {"replicas": 2}}),
        ));
        assert_eq!(
            msgs(&validate_controller_revision_update(&new, &old, &opts())),
            ["data: Invalid value: {\"spec\":{\"replicas\":2}}: field is immutable"]
        );
    }
}
