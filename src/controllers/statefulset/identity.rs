//! Stable identity (spec §3.1–§3.2): pod and claim names, ordinal parsing, the pod a set
//! builds for an ordinal, and the identity/storage checks and repairs of `stateful_set_utils.go`.
//!
//! Pure functions over `k8s-openapi` objects; nothing here talks to the API server.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

use super::predicates::{
    ROLLING_UPDATE, claim_templates, get_end_ordinal, get_start_ordinal, partition, rolling_update,
    service_name, update_strategy_type,
};

/// `statefulset.kubernetes.io/pod-name`.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// `apps.kubernetes.io/pod-index` (PodIndexLabel, GA).
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// `controller-revision-hash`: the name of the revision a pod was built from.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// The set's name.
pub fn set_name(set: &StatefulSet) -> &str {
    set.metadata.name.as_deref().unwrap_or("")
}

/// The set's namespace.
pub fn set_namespace(set: &StatefulSet) -> &str {
    set.metadata.namespace.as_deref().unwrap_or("")
}

/// The set's uid.
pub fn set_uid(set: &StatefulSet) -> &str {
    set.metadata.uid.as_deref().unwrap_or("")
}

/// `getParentNameAndOrdinal` (I3): splits `name` as the regex `(.*)-([0-9]+)$` does. The
/// parent is "" and the ordinal −1 when the name has no numeric suffix; a suffix that does
/// not fit in 32 bits keeps the parent but gives ordinal −1.
pub fn get_parent_name_and_ordinal(name: &str) -> (&str, i64) {
    let Some(dash) = name.rfind('-') else {
        return ("", -1);
    };
    let digits = &name[dash + 1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return ("", -1);
    }
    let ordinal = digits.parse::<i32>().map_or(-1, i64::from);
    (&name[..dash], ordinal)
}

/// The pod's name.
pub fn pod_name(pod: &Pod) -> &str {
    pod.metadata.name.as_deref().unwrap_or("")
}

/// `getOrdinal`: the pod's ordinal, or −1.
pub fn get_ordinal(pod: &Pod) -> i64 {
    get_parent_name_and_ordinal(pod_name(pod)).1
}

/// `getPodName` (I1): `<set>-<ordinal>`.
pub fn get_pod_name(set: &StatefulSet, ordinal: i64) -> String {
    format!("{}-{}", set_name(set), ordinal)
}

/// `getPersistentVolumeClaimName` (I2): `<template>-<set>-<ordinal>`.
pub fn get_persistent_volume_claim_name(
    set: &StatefulSet,
    template: &PersistentVolumeClaim,
    ordinal: i64,
) -> String {
    format!(
        "{}-{}-{}",
        template.metadata.name.as_deref().unwrap_or(""),
        set_name(set),
        ordinal
    )
}

/// `isMemberOf`: the pod's name parses with this set as parent (the `ClaimPods` filter, S6).
pub fn is_member_of(set: &StatefulSet, pod: &Pod) -> bool {
    get_parent_name_and_ordinal(pod_name(pod)).0 == set_name(set)
}

/// `podInOrdinalRange`: `start ≤ ordinal ≤ start + replicas − 1`.
pub fn pod_in_ordinal_range(pod: &Pod, set: &StatefulSet) -> bool {
    let ordinal = get_ordinal(pod);
    ordinal >= get_start_ordinal(set) && ordinal <= get_end_ordinal(set)
}

/// `identityMatches` (I6): the name parses to this set and ordinal, the namespace is the
/// set's, and the pod-name label holds the pod's name.
pub fn identity_matches(set: &StatefulSet, pod: &Pod) -> bool {
    let (parent, ordinal) = get_parent_name_and_ordinal(pod_name(pod));
    ordinal >= 0
        && parent == set_name(set)
        && pod_name(pod) == get_pod_name(set, ordinal)
        && pod.metadata.namespace.as_deref().unwrap_or("") == set_namespace(set)
        && pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(POD_NAME_LABEL))
            .map(String::as_str)
            == Some(pod_name(pod))
}

/// `storageMatches` (I7): for every claim template the pod has a volume of that name whose
/// claim is the ordinal's claim.
pub fn storage_matches(set: &StatefulSet, pod: &Pod) -> bool {
    let ordinal = get_ordinal(pod);
    if ordinal < 0 {
        return false;
    }
    let volumes: &[Volume] = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or(&[]);
    claim_templates(set).iter().all(|t| {
        let name = t.metadata.name.as_deref().unwrap_or("");
        // Go builds a map by name, so the last volume of a name wins.
        volumes
            .iter()
            .rev()
            .find(|v| v.name == name)
            .and_then(|v| v.persistent_volume_claim.as_ref())
            .is_some_and(|c| c.claim_name == get_persistent_volume_claim_name(set, t, ordinal))
    })
}

/// `getPersistentVolumeClaims` (I10): the claims the pod's ordinal needs, keyed by template
/// name, in template order (upstream returns a Go map; spec M4 fixes the order). Labels are
/// the template's merged with the selector's matchLabels (matchLabels win).
pub fn get_persistent_volume_claims(
    set: &StatefulSet,
    pod: &Pod,
) -> Vec<(String, PersistentVolumeClaim)> {
    let ordinal = get_ordinal(pod);
    let match_labels = set
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.clone());
    claim_templates(set)
        .iter()
        .map(|t| {
            let mut claim = t.clone();
            claim.metadata.name = Some(get_persistent_volume_claim_name(set, t, ordinal));
            claim.metadata.namespace = Some(set_namespace(set).to_string());
            claim.metadata.labels = match (claim.metadata.labels.take(), &match_labels) {
                (Some(mut labels), Some(m)) => {
                    labels.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                    Some(labels)
                }
                (Some(labels), None) => Some(labels),
                (None, m) => m.clone(),
            };
            (t.metadata.name.clone().unwrap_or_default(), claim)
        })
        .collect()
}

/// `updateStorage` (I5, I8): the claim volumes first (template order), then every other
/// volume of the pod; a pod volume named like a template is replaced.
pub fn update_storage(set: &StatefulSet, pod: &mut Pod) {
    let claims = get_persistent_volume_claims(set, pod);
    let spec = pod.spec.get_or_insert_with(Default::default);
    let current = spec.volumes.take().unwrap_or_default();
    let mut volumes: Vec<Volume> = claims
        .iter()
        .map(|(template, claim)| Volume {
            name: template.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim.metadata.name.clone().unwrap_or_default(),
                read_only: None,
            }),
            ..Default::default()
        })
        .collect();
    volumes.extend(
        current
            .into_iter()
            .filter(|v| !claims.iter().any(|(t, _)| *t == v.name)),
    );
    spec.volumes = (!volumes.is_empty()).then_some(volumes);
}

/// `updateIdentity` (I8): name and namespace from the set, the pod-name label and the
/// pod-index label.
pub fn update_identity(set: &StatefulSet, pod: &mut Pod) {
    let ordinal = get_ordinal(pod);
    pod.metadata.name = Some(get_pod_name(set, ordinal));
    pod.metadata.namespace = Some(set_namespace(set).to_string());
    let name = pod.metadata.name.clone().unwrap_or_default();
    let labels = pod.metadata.labels.get_or_insert_with(BTreeMap::new);
    labels.insert(POD_NAME_LABEL.to_string(), name);
    labels.insert(POD_INDEX_LABEL.to_string(), ordinal.to_string());
}

/// `initIdentity`: [`update_identity`] plus `spec.hostname` and `spec.subdomain`, which are
/// immutable on a live pod and therefore set only at creation.
pub fn init_identity(set: &StatefulSet, pod: &mut Pod) {
    update_identity(set, pod);
    let name = pod.metadata.name.clone();
    let spec = pod.spec.get_or_insert_with(Default::default);
    spec.hostname = name;
    let svc = service_name(set);
    spec.subdomain = (!svc.is_empty()).then(|| svc.to_string());
}

/// `metav1.NewControllerRef(set, apps/v1 StatefulSet)`.
pub fn new_controller_ref(set: &StatefulSet) -> OwnerReference {
    OwnerReference {
        api_version: "apps/v1".into(),
        kind: "StatefulSet".into(),
        name: set_name(set).to_string(),
        uid: set_uid(set).to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// `newStatefulSetPod` (I5): `GetPodFromTemplate` (template labels, annotations and
/// finalizers, `generateName: <set>-`, one controller reference, the template's spec), then
/// the ordinal's identity and storage.
pub fn new_statefulset_pod(set: &StatefulSet, ordinal: i64) -> Pod {
    let template = set.spec.as_ref().map(|s| &s.template);
    let template_meta = template.and_then(|t| t.metadata.as_ref());
    let non_empty_map = |m: Option<&BTreeMap<String, String>>| m.filter(|m| !m.is_empty()).cloned();
    let mut pod = Pod {
        metadata: ObjectMeta {
            labels: non_empty_map(template_meta.and_then(|m| m.labels.as_ref())),
            annotations: non_empty_map(template_meta.and_then(|m| m.annotations.as_ref())),
            finalizers: template_meta
                .and_then(|m| m.finalizers.clone())
                .filter(|f| !f.is_empty()),
            generate_name: Some(format!("{}-", set_name(set))),
            owner_references: Some(vec![new_controller_ref(set)]),
            name: Some(get_pod_name(set, ordinal)),
            ..Default::default()
        },
        spec: template.and_then(|t| t.spec.clone()),
        status: None,
    };
    init_identity(set, &mut pod);
    update_storage(set, &mut pod);
    pod
}

/// `setPodRevision`.
pub fn set_pod_revision(pod: &mut Pod, revision: &str) {
    pod.metadata
        .labels
        .get_or_insert_with(BTreeMap::new)
        .insert(REVISION_LABEL.to_string(), revision.to_string());
}

/// U7: whether a new pod at `ordinal` is built from the current revision's view:
/// (RollingUpdate without a `rollingUpdate` block and index < status.currentReplicas) or (a
/// `rollingUpdate` block and index < partition). Upstream's operator precedence makes the second
/// clause independent of the strategy type; that is kept.
pub fn uses_current_revision(current_set: &StatefulSet, ordinal: i64) -> bool {
    let start = get_start_ordinal(current_set);
    let status_current = current_set
        .status
        .as_ref()
        .and_then(|s| s.current_replicas)
        .map_or(0, i64::from);
    (update_strategy_type(current_set) == ROLLING_UPDATE
        && rolling_update(current_set).is_none()
        && ordinal < start + status_current)
        || partition(current_set).is_some_and(|p| ordinal < start + p)
}

/// `newVersionedStatefulSetPod` (U7): the placeholder for `ordinal`, built from the current
/// revision's view when [`uses_current_revision`], else from the update revision's view.
pub fn new_versioned_statefulset_pod(
    current_set: &StatefulSet,
    update_set: &StatefulSet,
    current_revision: &str,
    update_revision: &str,
    ordinal: i64,
) -> Pod {
    let (view, revision) = if uses_current_revision(current_set, ordinal) {
        (current_set, current_revision)
    } else {
        (update_set, update_revision)
    };
    let mut pod = new_statefulset_pod(view, ordinal);
    set_pod_revision(&mut pod, revision);
    pod
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_parse_like_the_upstream_regex() {
        assert_eq!(get_parent_name_and_ordinal("web-0"), ("web", 0));
        assert_eq!(get_parent_name_and_ordinal("my-web-12"), ("my-web", 12));
        assert_eq!(get_parent_name_and_ordinal("web-01"), ("web", 1));
        assert_eq!(get_parent_name_and_ordinal("web-"), ("", -1));
        assert_eq!(get_parent_name_and_ordinal("web-1a"), ("", -1));
        assert_eq!(get_parent_name_and_ordinal("web"), ("", -1));
        assert_eq!(get_parent_name_and_ordinal("web-99999999999"), ("web", -1));
        assert_eq!(get_parent_name_and_ordinal("-3"), ("", 3));
    }
}
