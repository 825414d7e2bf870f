//! Placement and naming rules of a pod spec: node affinity, pod (anti-)affinity, tolerations,
//! topology spread constraints, DNS config, host aliases, readiness and scheduling gates.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Affinity, HostAlias, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm,
    PodDNSConfig, PodReadinessGate, PodSchedulingGate, PreferredSchedulingTerm, Toleration,
    TopologySpreadConstraint, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::util::validate_ip;
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::validation::meta::{
    json_quote, json_str, json_string_slice, name_is_dns_label, name_is_dns_subdomain,
    validate_label_selector,
};
use crate::api::validation::util::{
    IS_NOT_POSITIVE_ERROR_MSG, name_errors, s, semantically_equal_empty_strings_unset, sl,
    validate_dns1123_subdomain, validate_qualified_name,
};

/// Taint effects (`validateTaintEffect`), in upstream's order.
const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

// ----- tolerations -----

/// `ValidateTolerations`.
pub(super) fn validate_tolerations(tolerations: &[Toleration], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, t) in tolerations.iter().enumerate() {
        let p = path.index(i);
        let (key, operator, effect, value) = (s(&t.key), s(&t.operator), s(&t.effect), s(&t.value));
        if !key.is_empty() {
            errs.extend(validate_qualified_name(key, &p.child("key")));
        }
        if key.is_empty() && operator != "Exists" {
            errs.push(FieldError::invalid(
                &p.child("operator"),
                json_str(operator),
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if t.toleration_seconds.is_some() && effect != "NoExecute" {
            errs.push(FieldError::invalid(
                &p.child("effect"),
                json_str(effect),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match operator {
            "Equal" | "" => {
                let msgs = names::is_label_value(value);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid(
                        &p.child("operator"),
                        value,
                        msgs.join(";"),
                    ));
                }
            }
            "Exists" => {
                if !value.is_empty() {
                    errs.push(FieldError::invalid(
                        &p.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                &p.child("operator"),
                json_str(other),
                &["Equal", "Exists"],
            )),
        }
        if !effect.is_empty() && !TAINT_EFFECTS.contains(&effect) {
            errs.push(FieldError::not_supported(
                &p.child("effect"),
                json_str(effect),
                &TAINT_EFFECTS,
            ));
        }
    }
    errs
}

/// `validateOnlyAddedTolerations`: every old toleration is still there (its
/// tolerationSeconds may change), then the new list is valid.
pub(super) fn validate_only_added_tolerations(
    new: &[Toleration],
    old: &[Toleration],
    path: &Path,
) -> Vec<FieldError> {
    for o in old {
        let found = new.iter().any(|n| {
            let mut clone = o.clone();
            clone.toleration_seconds = n.toleration_seconds;
            semantically_equal_empty_strings_unset(&clone, n)
        });
        if !found {
            return vec![FieldError::forbidden(
                path,
                "existing toleration can not be modified except its tolerationSeconds",
            )];
        }
    }
    validate_tolerations(new, path)
}

// ----- node affinity -----

/// `ValidateNodeSelectorRequirement`.
fn validate_node_selector_requirement(
    rq: &NodeSelectorRequirement,
    allow_invalid_values: bool,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let values = sl(&rq.values);
    match rq.operator.as_str() {
        "In" | "NotIn" => {
            if values.is_empty() {
                errs.push(FieldError::required(
                    &path.child("values"),
                    "must be specified when `operator` is 'In' or 'NotIn'",
                ));
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                errs.push(FieldError::forbidden(
                    &path.child("values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                ));
            }
        }
        "Gt" | "Lt" => {
            if values.len() != 1 {
                errs.push(FieldError::required(
                    &path.child("values"),
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                ));
            }
        }
        other => errs.push(FieldError::invalid(
            &path.child("operator"),
            json_str(other),
            "not a valid selector operator",
        )),
    }
    errs.extend(validate_qualified_name(&rq.key, &path.child("key")));
    if !allow_invalid_values {
        for (i, v) in values.iter().enumerate() {
            for msg in names::is_label_value(v) {
                errs.push(FieldError::invalid(
                    &path.child("values").index(i),
                    v.as_str(),
                    msg,
                ));
            }
        }
    }
    errs
}

/// `ValidateNodeFieldSelectorRequirement`: only `metadata.name`, In or NotIn one node name.
fn validate_node_field_selector_requirement(
    rq: &NodeSelectorRequirement,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let values = sl(&rq.values);
    match rq.operator.as_str() {
        "In" | "NotIn" => {
            if values.len() != 1 {
                errs.push(FieldError::required(
                    &path.child("values"),
                    "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
                ));
            }
        }
        other => errs.push(FieldError::invalid(
            &path.child("operator"),
            json_str(other),
            "not a valid selector operator",
        )),
    }
    if rq.key != "metadata.name" {
        errs.push(FieldError::invalid(
            &path.child("key"),
            rq.key.as_str(),
            "not a valid field selector key",
        ));
    } else {
        for (i, v) in values.iter().enumerate() {
            errs.extend(name_errors(
                name_is_dns_subdomain(v, false),
                &path.child("values").index(i),
                v,
            ));
        }
    }
    errs
}

/// `ValidateNodeSelectorTerm`.
fn validate_node_selector_term(
    term: &NodeSelectorTerm,
    allow_invalid_values: bool,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for (j, rq) in sl(&term.match_expressions).iter().enumerate() {
        errs.extend(validate_node_selector_requirement(
            rq,
            allow_invalid_values,
            &path.child("matchExpressions").index(j),
        ));
    }
    for (j, rq) in sl(&term.match_fields).iter().enumerate() {
        errs.extend(validate_node_field_selector_requirement(
            rq,
            &path.child("matchFields").index(j),
        ));
    }
    errs
}

/// `ValidateNodeSelector`: at least one term (pod node affinity and PersistentVolume node
/// affinity).
pub(in crate::api::validation) fn validate_node_selector(
    selector: &NodeSelector,
    path: &Path,
) -> Vec<FieldError> {
    let terms_path = path.child("nodeSelectorTerms");
    if selector.node_selector_terms.is_empty() {
        return vec![FieldError::required(
            &terms_path,
            "must have at least one node selector term",
        )];
    }
    selector
        .node_selector_terms
        .iter()
        .enumerate()
        .flat_map(|(i, term)| validate_node_selector_term(term, false, &terms_path.index(i)))
        .collect()
}

/// `ValidatePreferredSchedulingTerms`: weights 1–100; invalid label values are allowed.
fn validate_preferred_scheduling_terms(
    terms: &[PreferredSchedulingTerm],
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, term) in terms.iter().enumerate() {
        if term.weight <= 0 || term.weight > 100 {
            errs.push(FieldError::invalid(
                &path.index(i).child("weight"),
                term.weight,
                "must be in the range 1-100",
            ));
        }
        errs.extend(validate_node_selector_term(
            &term.preference,
            true,
            &path.index(i).child("preference"),
        ));
    }
    errs
}

// ----- pod affinity -----

/// `validateLabelKeys`.
fn validate_label_keys(
    path: &Path,
    keys: &[String],
    selector: Option<&LabelSelector>,
) -> Vec<FieldError> {
    if keys.is_empty() {
        return vec![];
    }
    if selector.is_none() {
        return vec![FieldError::forbidden(
            path,
            "must not be specified when labelSelector is not set",
        )];
    }
    keys.iter()
        .enumerate()
        .flat_map(|(i, k)| validate_qualified_name(k, &path.index(i)))
        .collect()
}

/// `validateMatchLabelKeysAndMismatchLabelKeys`.
fn validate_match_label_keys_and_mismatch(
    path: &Path,
    match_keys: &[String],
    mismatch_keys: &[String],
    selector: Option<&LabelSelector>,
) -> Vec<FieldError> {
    let mut errs = validate_label_keys(&path.child("matchLabelKeys"), match_keys, selector);
    errs.extend(validate_label_keys(
        &path.child("mismatchLabelKeys"),
        mismatch_keys,
        selector,
    ));
    if let Some(sel) = selector {
        let mut selector_keys: BTreeSet<&str> = sel
            .match_labels
            .iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        for expr in sl(&sel.match_expressions) {
            // The last index of the key in matchLabelKeys, as Go's map keeps it.
            let index = match_keys.iter().rposition(|k| *k == expr.key);
            if let Some(i) = index
                && selector_keys.contains(expr.key.as_str())
            {
                // Upstream indexes the term path itself here.
                errs.push(FieldError::invalid(
                    &path.index(i),
                    expr.key.as_str(),
                    "exists in both matchLabelKeys and labelSelector",
                ));
            }
            selector_keys.insert(expr.key.as_str());
        }
    }
    for (i, k) in match_keys.iter().enumerate() {
        if mismatch_keys.contains(k) {
            errs.push(FieldError::invalid(
                &path.child("matchLabelKeys").index(i),
                k.as_str(),
                "exists in both matchLabelKeys and mismatchLabelKeys",
            ));
        }
    }
    errs
}

/// `validatePodAffinityTerm`: selectors, namespaces, label keys, topologyKey.
fn validate_pod_affinity_term(term: &PodAffinityTerm, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if let Some(sel) = &term.label_selector {
        errs.extend(validate_label_selector(sel, &path.child("labelSelector")));
    }
    if let Some(sel) = &term.namespace_selector {
        errs.extend(validate_label_selector(
            sel,
            &path.child("namespaceSelector"),
        ));
    }
    for name in sl(&term.namespaces) {
        // Upstream reports these at `namespace`, singular.
        errs.extend(name_errors(
            name_is_dns_label(name, false),
            &path.child("namespace"),
            name,
        ));
    }
    errs.extend(validate_match_label_keys_and_mismatch(
        path,
        sl(&term.match_label_keys),
        sl(&term.mismatch_label_keys),
        term.label_selector.as_ref(),
    ));
    if term.topology_key.is_empty() {
        errs.push(FieldError::required(
            &path.child("topologyKey"),
            "can not be empty",
        ));
    }
    errs.extend(validate_qualified_name(
        &term.topology_key,
        &path.child("topologyKey"),
    ));
    errs
}

fn validate_pod_affinity_terms(terms: &[PodAffinityTerm], path: &Path) -> Vec<FieldError> {
    terms
        .iter()
        .enumerate()
        .flat_map(|(i, t)| validate_pod_affinity_term(t, &path.index(i)))
        .collect()
}

fn validate_weighted_pod_affinity_terms(
    terms: &[WeightedPodAffinityTerm],
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for (j, t) in terms.iter().enumerate() {
        if t.weight <= 0 || t.weight > 100 {
            errs.push(FieldError::invalid(
                &path.index(j).child("weight"),
                t.weight,
                "must be in the range 1-100",
            ));
        }
        errs.extend(validate_pod_affinity_term(
            &t.pod_affinity_term,
            &path.index(j).child("podAffinityTerm"),
        ));
    }
    errs
}

/// `validateAffinity`.
pub(super) fn validate_affinity(affinity: &Affinity, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if let Some(na) = &affinity.node_affinity {
        let p = path.child("nodeAffinity");
        if let Some(required) = &na.required_during_scheduling_ignored_during_execution {
            errs.extend(validate_node_selector(
                required,
                &p.child("requiredDuringSchedulingIgnoredDuringExecution"),
            ));
        }
        let preferred = sl(&na.preferred_during_scheduling_ignored_during_execution);
        if !preferred.is_empty() {
            errs.extend(validate_preferred_scheduling_terms(
                preferred,
                &p.child("preferredDuringSchedulingIgnoredDuringExecution"),
            ));
        }
    }
    for (terms, weighted, name) in [
        (
            affinity
                .pod_affinity
                .as_ref()
                .map(|a| &a.required_during_scheduling_ignored_during_execution),
            affinity
                .pod_affinity
                .as_ref()
                .map(|a| &a.preferred_during_scheduling_ignored_during_execution),
            "podAffinity",
        ),
        (
            affinity
                .pod_anti_affinity
                .as_ref()
                .map(|a| &a.required_during_scheduling_ignored_during_execution),
            affinity
                .pod_anti_affinity
                .as_ref()
                .map(|a| &a.preferred_during_scheduling_ignored_during_execution),
            "podAntiAffinity",
        ),
    ] {
        let p = path.child(name);
        if let Some(Some(terms)) = terms {
            errs.extend(validate_pod_affinity_terms(
                terms,
                &p.child("requiredDuringSchedulingIgnoredDuringExecution"),
            ));
        }
        if let Some(Some(weighted)) = weighted {
            errs.extend(validate_weighted_pod_affinity_terms(
                weighted,
                &p.child("preferredDuringSchedulingIgnoredDuringExecution"),
            ));
        }
    }
    errs
}

// ----- topology spread -----

/// `validateTopologySpreadConstraints`.
pub(super) fn validate_topology_spread_constraints(
    constraints: &[TopologySpreadConstraint],
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, c) in constraints.iter().enumerate() {
        let p = path.index(i);
        if c.max_skew <= 0 {
            errs.push(FieldError::invalid(
                &p.child("maxSkew"),
                c.max_skew,
                IS_NOT_POSITIVE_ERROR_MSG,
            ));
        }
        if c.topology_key.is_empty() {
            errs.push(FieldError::required(
                &p.child("topologyKey"),
                "can not be empty",
            ));
        }
        let actions = ["DoNotSchedule", "ScheduleAnyway"];
        if !actions.contains(&c.when_unsatisfiable.as_str()) {
            errs.push(FieldError::not_supported(
                &p.child("whenUnsatisfiable"),
                json_str(&c.when_unsatisfiable),
                &actions,
            ));
        }
        if constraints[i + 1..].iter().any(|r| {
            r.topology_key == c.topology_key && r.when_unsatisfiable == c.when_unsatisfiable
        }) {
            errs.push(FieldError::duplicate(
                &p.child("{topologyKey, whenUnsatisfiable}"),
                format!("{{{}, {}}}", c.topology_key, c.when_unsatisfiable),
            ));
        }
        if let Some(min) = c.min_domains {
            if min <= 0 {
                errs.push(FieldError::invalid(
                    &p.child("minDomains"),
                    min,
                    IS_NOT_POSITIVE_ERROR_MSG,
                ));
            }
            if c.when_unsatisfiable != "DoNotSchedule" {
                errs.push(FieldError::invalid(
                    &p.child("minDomains"),
                    min,
                    format!(
                        "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                        c.when_unsatisfiable
                    ),
                ));
            }
        }
        for (policy, name) in [
            (&c.node_affinity_policy, "nodeAffinityPolicy"),
            (&c.node_taints_policy, "nodeTaintsPolicy"),
        ] {
            if let Some(policy) = policy
                && !["Honor", "Ignore"].contains(&policy.as_str())
            {
                errs.push(FieldError::not_supported(
                    &p.child(name),
                    json_str(policy),
                    &["Honor", "Ignore"],
                ));
            }
        }
        let keys = sl(&c.match_label_keys);
        if !keys.is_empty() {
            let kp = p.child("matchLabelKeys");
            let mut selector_keys = BTreeSet::new();
            match &c.label_selector {
                Some(sel) => {
                    selector_keys
                        .extend(sel.match_labels.iter().flatten().map(|(k, _)| k.as_str()));
                    selector_keys.extend(sl(&sel.match_expressions).iter().map(|e| e.key.as_str()));
                }
                None => errs.push(FieldError::forbidden(
                    &kp,
                    "must not be specified when labelSelector is not set",
                )),
            }
            for (j, key) in keys.iter().enumerate() {
                errs.extend(validate_qualified_name(key, &kp.index(j)));
                if selector_keys.contains(key.as_str()) {
                    errs.push(FieldError::invalid(
                        &kp.index(j),
                        key.as_str(),
                        "exists in both matchLabelKeys and labelSelector",
                    ));
                }
            }
        }
        if let Some(sel) = &c.label_selector {
            errs.extend(validate_label_selector(sel, &p.child("labelSelector")));
        }
    }
    errs
}

// ----- DNS, host aliases, gates -----

/// `IsDNS1123SubdomainWithUnderscore`.
fn is_dns1123_subdomain_with_underscore(value: &str) -> Vec<String> {
    let mut errs = vec![];
    if value.len() > names::DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(names::max_len_error(names::DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let label_ok = |label: &str| {
        let l = label.strip_prefix('_').unwrap_or(label).as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !l.is_empty()
            && alnum(&l[0])
            && alnum(&l[l.len() - 1])
            && l.iter().all(|c| alnum(c) || *c == b'-' || *c == b'_')
    };
    if value.is_empty() || !value.split('.').all(label_ok) {
        errs.push(names::regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character",
            "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*",
            &["example.com"],
        ));
    }
    errs
}

/// `validatePodDNSConfig` (with `RelaxedDNSSearchValidation`, GA in v1.35).
pub(super) fn validate_pod_dns_config(
    config: Option<&PodDNSConfig>,
    dns_policy: &str,
    path: &Path,
) -> Vec<FieldError> {
    if dns_policy == "None" {
        match config {
            None => {
                return vec![FieldError::required(
                    path,
                    "must provide `dnsConfig` when `dnsPolicy` is None",
                )];
            }
            Some(c) if sl(&c.nameservers).is_empty() => {
                return vec![FieldError::required(
                    &path.child("nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )];
            }
            Some(_) => {}
        }
    }
    let Some(config) = config else { return vec![] };
    let mut errs = vec![];
    let nameservers = sl(&config.nameservers);
    if nameservers.len() > 3 {
        errs.push(FieldError::invalid(
            &path.child("nameservers"),
            BadValue::Go(json_string_slice(config.nameservers.as_deref())),
            "must not have more than 3 nameservers",
        ));
    }
    for (i, ns) in nameservers.iter().enumerate() {
        errs.extend(validate_ip(&path.child("nameservers").index(i), ns));
    }
    let searches = sl(&config.searches);
    if searches.len() > 32 {
        errs.push(FieldError::invalid(
            &path.child("searches"),
            BadValue::Go(json_string_slice(config.searches.as_deref())),
            "must not have more than 32 search paths",
        ));
    }
    if searches.join(" ").len() > 2048 {
        errs.push(FieldError::invalid(
            &path.child("searches"),
            BadValue::Go(json_string_slice(config.searches.as_deref())),
            "must not have more than 2048 characters (including spaces) in the search list",
        ));
    }
    for (i, search) in searches.iter().enumerate() {
        if search != "." {
            let trimmed = search.strip_suffix('.').unwrap_or(search);
            for msg in is_dns1123_subdomain_with_underscore(trimmed) {
                errs.push(FieldError::invalid(
                    &path.child("searches").index(i),
                    trimmed,
                    msg,
                ));
            }
        }
    }
    for (i, option) in sl(&config.options).iter().enumerate() {
        if s(&option.name).is_empty() {
            errs.push(FieldError::required(
                &path.child("options").index(i),
                "must not be empty",
            ));
        }
    }
    errs
}

/// `ValidateHostAliases`: an IP and DNS-subdomain hostnames.
pub(super) fn validate_host_aliases(aliases: &[HostAlias], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    for (i, alias) in aliases.iter().enumerate() {
        errs.extend(validate_ip(&path.index(i).child("ip"), &alias.ip));
        for (j, hostname) in sl(&alias.hostnames).iter().enumerate() {
            errs.extend(validate_dns1123_subdomain(
                hostname,
                &path.index(i).child("hostnames").index(j),
            ));
        }
    }
    errs
}

/// `validateReadinessGates`: qualified condition types.
pub(super) fn validate_readiness_gates(gates: &[PodReadinessGate], path: &Path) -> Vec<FieldError> {
    gates
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            validate_qualified_name(&g.condition_type, &path.index(i).child("conditionType"))
        })
        .collect()
}

/// `validateSchedulingGates`: qualified names, no duplicates.
pub(super) fn validate_scheduling_gates(
    gates: &[PodSchedulingGate],
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut seen = BTreeSet::new();
    for (i, gate) in gates.iter().enumerate() {
        errs.extend(validate_qualified_name(&gate.name, &path.index(i)));
        if !seen.insert(gate.name.as_str()) {
            errs.push(FieldError::duplicate(&path.index(i), gate.name.as_str()));
        }
    }
    errs
}

/// `validateOnlyDeletedSchedulingGates`: no gate that was not there before.
pub(super) fn validate_only_deleted_scheduling_gates(
    new: &[PodSchedulingGate],
    old: &[PodSchedulingGate],
    path: &Path,
) -> Vec<FieldError> {
    let old_names: BTreeSet<&str> = old.iter().map(|g| g.name.as_str()).collect();
    // Go keeps the last index of a repeated name.
    let mut added: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (i, g) in new.iter().enumerate() {
        if !old_names.contains(g.name.as_str()) {
            added.insert(g.name.as_str(), i);
        }
    }
    added
        .into_iter()
        .map(|(name, i)| {
            FieldError::forbidden(
                &path.index(i).child("name"),
                format!("only deletion is allowed, but found new scheduling gate '{name}'"),
            )
        })
        .collect()
}

/// `validateNodeSelectorMutation`: a gated pod may only add node selector entries.
pub(super) fn validate_node_selector_mutation(
    path: &Path,
    new: Option<&std::collections::BTreeMap<String, String>>,
    old: Option<&std::collections::BTreeMap<String, String>>,
) -> Vec<FieldError> {
    for (k, v) in old.into_iter().flatten() {
        if new.and_then(|n| n.get(k)) != Some(v) {
            return vec![FieldError::invalid(
                path,
                BadValue::Go(crate::api::validation::meta::json_string_map(new)),
                "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
            )];
        }
    }
    vec![]
}

/// An internal `NodeSelectorTerm` as JSON (Go field names), in pod and PersistentVolume node
/// affinity errors.
pub(in crate::api::validation) fn json_node_selector_term(term: &NodeSelectorTerm) -> String {
    let reqs = |list: &Option<Vec<NodeSelectorRequirement>>| match list {
        None => "null".to_string(),
        Some(items) => {
            let body: Vec<String> = items
                .iter()
                .map(|r| {
                    format!(
                        "{{\"Key\":{},\"Operator\":{},\"Values\":{}}}",
                        json_quote(&r.key),
                        json_quote(&r.operator),
                        json_string_slice(r.values.as_deref())
                    )
                })
                .collect();
            format!("[{}]", body.join(","))
        }
    };
    format!(
        "{{\"MatchExpressions\":{},\"MatchFields\":{}}}",
        reqs(&term.match_expressions),
        reqs(&term.match_fields)
    )
}
