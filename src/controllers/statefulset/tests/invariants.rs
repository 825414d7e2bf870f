//! Invariant checks run after every reconcile: upstream's `assertMonotonicInvariants`,
//! `assertBurstInvariants`, `assertUpdateInvariants` and `checkClaimInvariants` over the
//! post-state, and the spec's §8 predicates (INVn) over one reconcile's pre-state, recorded
//! calls and post-state. Each returns the first violation as text naming its id.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};

use crate::api::Kind;
use crate::api::selector::LabelSelector;
use crate::engine::SimTime;
use crate::sim::{ApiCall, Verb};

use super::super::identity::{
    POD_INDEX_LABEL, POD_NAME_LABEL, get_ordinal, get_parent_name_and_ordinal,
    get_persistent_volume_claim_name, identity_matches, pod_in_ordinal_range, pod_name, set_name,
    set_uid, storage_matches,
};
use super::super::predicates::{
    DELETE, ON_DELETE, RETAIN, ROLLING_UPDATE, allows_burst, claim_templates, get_pod_revision,
    get_start_ordinal, is_created, is_failed, is_running_and_available, is_running_and_ready,
    is_succeeded, is_terminating, is_unavailable, min_ready_seconds, partition, replicas,
    retention_policy, rolling_update, service_name, update_strategy_type,
};
use super::super::replicas::ControlOptions;
use super::super::revision::revision_name;
use super::super::status::SetStatus;
use super::super::update::get_statefulset_max_unavailable;
use super::fixture::Checks;

/// What invariants look at.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The set.
    pub set: StatefulSet,
    /// The set's pods by name, sorted by ordinal.
    pub pods: Vec<Pod>,
    /// Every claim of the namespace.
    pub claims: Vec<PersistentVolumeClaim>,
    /// Every ControllerRevision of the namespace, by number.
    pub revisions: Vec<ControllerRevision>,
    /// The clock.
    pub now: SimTime,
}

impl Snapshot {
    fn claim(&self, name: &str) -> Option<&PersistentVolumeClaim> {
        self.claims
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))
    }

    fn pod_named(&self, name: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| pod_name(p) == name)
    }

    fn status(&self) -> SetStatus {
        SetStatus::of(&self.set)
    }

    /// Pods a sync of this state claims: owned ones, plus orphans it would adopt.
    fn claimable(&self) -> Vec<&Pod> {
        let uid = set_uid(&self.set).to_string();
        let selector = LabelSelector::from_k8s(&self.set.spec.as_ref().unwrap().selector).unwrap();
        self.pods
            .iter()
            .filter(|p| {
                let controller = p
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|r| r.controller == Some(true));
                let matches =
                    selector.matches(p.metadata.labels.as_ref().unwrap_or(&BTreeMap::new()));
                let set_deleting = self.set.metadata.deletion_timestamp.is_some();
                match controller {
                    Some(r) => r.uid == uid && matches,
                    None => matches && !is_terminating(p) && !set_deleting,
                }
            })
            .collect()
    }

    /// The revision with the highest number (the update revision after any sync).
    fn latest_revision(&self) -> Option<&ControllerRevision> {
        self.revisions.iter().max_by_key(|r| r.revision)
    }
}

fn has_ref_uid(claim: &PersistentVolumeClaim, uid: &str) -> bool {
    claim
        .metadata
        .owner_references
        .iter()
        .flatten()
        .any(|r| r.uid == uid)
}

/// `checkClaimInvariants`: a missing claim is an error under `whenScaled: Retain`; owner refs
/// are checked once the pod is Running and Ready, by the policy table.
fn claim_invariants(s: &Snapshot, pod: &Pod, check_refs: bool) -> Result<(), String> {
    let set = &s.set;
    let (scaled, deleted) = retention_policy(set);
    for t in claim_templates(set) {
        let name = get_persistent_volume_claim_name(set, t, get_ordinal(pod));
        let Some(claim) = s.claim(&name) else {
            if scaled == RETAIN {
                return Err(format!("claim for Pod {} was not created", pod_name(pod)));
            }
            continue;
        };
        if !check_refs || !is_running_and_ready(pod) {
            continue;
        }
        let pod_uid = pod.metadata.uid.as_deref().unwrap_or("");
        let has_set = has_ref_uid(claim, set_uid(set));
        let has_pod = has_ref_uid(claim, pod_uid);
        let condemned = !pod_in_ordinal_range(pod, set);
        let (want_set, want_pod) = match (scaled.as_str(), deleted.as_str()) {
            (RETAIN, DELETE) => (true, false),
            (DELETE, RETAIN) => (false, condemned),
            (DELETE, DELETE) => (!condemned, condemned),
            _ => (false, false),
        };
        if has_set != want_set || has_pod != want_pod {
            return Err(format!(
                "claim {name} of {} pod {}: set ref {has_set} (want {want_set}), pod ref {has_pod} (want {want_pod}) under {scaled}/{deleted}",
                if condemned { "condemned" } else { "in-range" },
                pod_name(pod)
            ));
        }
    }
    Ok(())
}

fn storage_claims_identity(s: &Snapshot, pod: &Pod, check_refs: bool) -> Result<(), String> {
    if !storage_matches(&s.set, pod) {
        return Err(format!("pod {} has an invalid storage", pod_name(pod)));
    }
    claim_invariants(s, pod, check_refs)?;
    if !identity_matches(&s.set, pod) {
        return Err(format!("pod {} has an invalid identity", pod_name(pod)));
    }
    Ok(())
}

/// `assertMonotonicInvariants` / `assertBurstInvariants` over the post-state. Claim owner
/// refs are checked only after a sync without errors (INV22: a failed sync may stop before
/// re-parenting).
pub fn per_pod(s: &Snapshot, checks: Checks, check_refs: bool) -> Result<(), String> {
    if checks.empty {
        return Ok(());
    }
    let start = get_start_ordinal(&s.set);
    for (k, pod) in s.pods.iter().enumerate() {
        if checks.monotonic {
            if k > 0 && is_running_and_ready(pod) && !is_running_and_ready(&s.pods[k - 1]) {
                return Err(format!(
                    "monotonic: successor {} is Running and Ready while {} is not",
                    pod_name(pod),
                    pod_name(&s.pods[k - 1])
                ));
            }
            if get_ordinal(pod) != start + k as i64 {
                return Err(format!(
                    "monotonic: pods {:?} deployed in the wrong order",
                    s.pods.iter().map(pod_name).collect::<Vec<_>>()
                ));
            }
        }
        storage_claims_identity(s, pod, check_refs)?;
    }
    Ok(())
}

/// `assertUpdateInvariants` (terminating pods, which upstream's fake removes at once, are
/// left out of the revision order).
pub fn update_invariants(s: &Snapshot, check_refs: bool) -> Result<(), String> {
    for pod in &s.pods {
        storage_claims_identity(s, pod, check_refs)?;
    }
    if update_strategy_type(&s.set) != ROLLING_UPDATE {
        return Ok(());
    }
    let status = s.status();
    let live: Vec<&Pod> = s.pods.iter().filter(|p| !is_terminating(p)).collect();
    for pod in live.iter().take(status.current_replicas.max(0) as usize) {
        if get_pod_revision(pod) != status.current_revision {
            return Err(format!(
                "update: pod {} want current revision {} got {}",
                pod_name(pod),
                status.current_revision,
                get_pod_revision(pod)
            ));
        }
    }
    for pod in live
        .iter()
        .rev()
        .take(status.updated_replicas.max(0) as usize)
    {
        if get_pod_revision(pod) != status.update_revision {
            return Err(format!(
                "update: pod {} want update revision {} got {}",
                pod_name(pod),
                status.update_revision,
                get_pod_revision(pod)
            ));
        }
    }
    Ok(())
}

fn healthy(pod: &Pod, m: i32, now: SimTime) -> bool {
    is_created(pod)
        && !is_terminating(pod)
        && is_running_and_ready(pod)
        && is_running_and_available(pod, m, now)
}

/// The spec's §8 predicates over one reconcile.
pub fn call_invariants(
    pre: &Snapshot,
    calls: &[ApiCall],
    post: &Snapshot,
    opts: ControlOptions,
) -> Result<(), String> {
    let set = &pre.set;
    let name = set_name(set);
    let start = get_start_ordinal(set);
    let n = i64::from(replicas(set));
    let in_range = |o: i64| o >= start && o < start + n;
    let monotonic = !allows_burst(set);
    let m = min_ready_seconds(set);
    let ordinal_of = |pod: &str| get_parent_name_and_ordinal(pod).1;
    let claimable = pre.claimable();
    let claimed_names: BTreeSet<&str> = claimable.iter().map(|p| pod_name(p)).collect();
    let pre_by_ordinal: BTreeMap<i64, &Pod> = claimable
        .iter()
        .filter(|p| get_ordinal(p) >= 0)
        .map(|p| (get_ordinal(p), *p))
        .collect();
    let (when_scaled, _) = retention_policy(set);

    let pod_creates: Vec<&ApiCall> = calls
        .iter()
        .filter(|c| c.verb == Verb::Create && c.key.kind == Kind::Pod)
        .collect();
    let pod_deletes: Vec<&ApiCall> = calls
        .iter()
        .filter(|c| c.verb == Verb::Delete && c.key.kind == Kind::Pod && c.outcome.is_ok())
        .collect();

    // INV21
    if let Some(c) = calls
        .iter()
        .find(|c| c.verb == Verb::Delete && c.key.kind == Kind::PersistentVolumeClaim)
    {
        return Err(format!("INV21 controller deleted a claim: {c}"));
    }
    // INV8
    if monotonic && pod_creates.len() > 1 {
        return Err(format!(
            "INV8 {} pod creates in one OrderedReady sync",
            pod_creates.len()
        ));
    }
    for c in &pod_creates {
        let k = ordinal_of(&c.key.name);
        // INV4
        if !in_range(k) {
            return Err(format!(
                "INV4 created {} outside the ordinal range",
                c.key.name
            ));
        }
        // INV2 (controller form)
        if claimed_names.contains(c.key.name.as_str()) {
            return Err(format!(
                "INV2 created {} while the set still had it",
                c.key.name
            ));
        }
        // INV7
        if monotonic {
            for j in start..k {
                if !pre_by_ordinal
                    .get(&j)
                    .is_some_and(|p| healthy(p, m, pre.now))
                {
                    return Err(format!(
                        "INV7 created {} while {name}-{j} was not Running, Ready and Available",
                        c.key.name
                    ));
                }
            }
        }
        // INV6: a terminating claim blocks the pod.
        for t in claim_templates(set) {
            let claim = get_persistent_volume_claim_name(set, t, k);
            if pre
                .claim(&claim)
                .is_some_and(|c| c.metadata.deletion_timestamp.is_some())
            {
                return Err(format!(
                    "INV6 created {} over terminating claim {claim}",
                    c.key.name
                ));
            }
        }
        if c.outcome.is_err() {
            continue;
        }
        // INV3, INV5, INV16 on what was created.
        let Some(pod) = post.pod_named(&c.key.name) else {
            continue;
        };
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        let refs: Vec<_> = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .filter(|r| r.controller == Some(true))
            .collect();
        let spec = pod.spec.as_ref();
        let revision = get_pod_revision(pod);
        let ok = labels.get(POD_NAME_LABEL) == Some(&c.key.name)
            && labels.get(POD_INDEX_LABEL) == Some(&k.to_string())
            && post.revisions.iter().any(|r| revision_name(r) == revision)
            && spec.and_then(|s| s.hostname.as_deref()) == Some(c.key.name.as_str())
            && spec.and_then(|s| s.subdomain.as_deref()).unwrap_or("") == service_name(set)
            && refs.len() == 1
            && refs[0].uid == set_uid(set);
        if !ok {
            return Err(format!(
                "INV3 pod {} created without its identity",
                c.key.name
            ));
        }
        for t in claim_templates(set) {
            let claim = get_persistent_volume_claim_name(set, t, k);
            if post.claim(&claim).is_none() {
                return Err(format!(
                    "INV5 pod {} created without claim {claim}",
                    c.key.name
                ));
            }
        }
        if let Some(p) = partition(set) {
            let pre_current = pre.status().current_revision;
            let current = if pre
                .revisions
                .iter()
                .any(|r| revision_name(r) == pre_current)
            {
                pre_current
            } else {
                post.latest_revision()
                    .map(|r| revision_name(r).to_string())
                    .unwrap_or_default()
            };
            let update = post
                .latest_revision()
                .map(|r| revision_name(r).to_string())
                .unwrap_or_default();
            let want = if k - start < p { current } else { update };
            if revision != want {
                return Err(format!(
                    "INV16 pod {} (index {}) created at {revision}, want {want} (partition {p})",
                    c.key.name,
                    k - start
                ));
            }
        }
    }
    // INV6: live claims are reused, never re-created.
    for c in calls
        .iter()
        .filter(|c| c.verb == Verb::Create && c.key.kind == Kind::PersistentVolumeClaim)
    {
        if pre.claim(&c.key.name).is_some() {
            return Err(format!(
                "INV6 claim {} created although it existed",
                c.key.name
            ));
        }
    }

    let condemned_pre: Vec<&Pod> = claimable
        .iter()
        .copied()
        .filter(|p| get_ordinal(p) >= 0 && !in_range(get_ordinal(p)))
        .collect();
    let scale_down: Vec<&ApiCall> = pod_deletes
        .iter()
        .copied()
        .filter(|c| !in_range(ordinal_of(&c.key.name)))
        .collect();
    let update_deletes: Vec<&ApiCall> = pod_deletes
        .iter()
        .copied()
        .filter(|c| {
            in_range(ordinal_of(&c.key.name))
                && pre
                    .pod_named(&c.key.name)
                    .is_some_and(|p| !is_failed(p) && !is_succeeded(p))
        })
        .collect();

    if monotonic {
        // INV9
        if scale_down.len() > 1 {
            return Err(format!(
                "INV9 {} scale-down deletes in one sync",
                scale_down.len()
            ));
        }
        if let Some(c) = scale_down.first() {
            for j in start..start + n {
                if !pre_by_ordinal
                    .get(&j)
                    .is_some_and(|p| healthy(p, m, pre.now))
                {
                    return Err(format!(
                        "INV9a deleted {} while {name}-{j} was unhealthy",
                        c.key.name
                    ));
                }
            }
            let k = ordinal_of(&c.key.name);
            if condemned_pre.iter().any(|p| get_ordinal(p) > k) {
                return Err(format!(
                    "INV9b deleted {} before a higher condemned pod",
                    c.key.name
                ));
            }
            let pod = pre.pod_named(&c.key.name).expect("deleted pod existed");
            let lowest_unavailable = condemned_pre
                .iter()
                .filter(|p| is_unavailable(p, m, pre.now))
                .map(|p| get_ordinal(p))
                .min();
            if !(healthy(pod, m, pre.now) || lowest_unavailable == Some(k)) {
                return Err(format!(
                    "INV9c deleted unhealthy {} that is not the lowest unavailable",
                    c.key.name
                ));
            }
        }
        // INV10
        if !update_deletes.is_empty() && !condemned_pre.is_empty() {
            return Err(format!(
                "INV10 update deletion {} while condemned pods remain",
                update_deletes[0].key.name
            ));
        }
    }
    // INV24
    if when_scaled == DELETE {
        for c in &scale_down {
            let Some(pod) = pre.pod_named(&c.key.name) else {
                continue;
            };
            let uid = pod.metadata.uid.as_deref().unwrap_or("");
            for t in claim_templates(set) {
                let claim = get_persistent_volume_claim_name(set, t, ordinal_of(&c.key.name));
                if let Some(claim) = post.claim(&claim) {
                    let foreign = claim.metadata.owner_references.iter().flatten().any(|r| {
                        (r.kind == "Pod" && r.name == c.key.name && r.uid != uid)
                            || (r.controller == Some(true) && r.uid != uid && r.uid != set_uid(set))
                    });
                    if !foreign && !has_ref_uid(claim, uid) {
                        return Err(format!(
                            "INV24 deleted {} before its claim was re-parented",
                            c.key.name
                        ));
                    }
                }
            }
        }
    }
    // INV17
    if update_strategy_type(set) == ON_DELETE {
        for c in &pod_deletes {
            if let Some(p) = pre.pod_named(&c.key.name)
                && in_range(ordinal_of(&c.key.name))
                && crate::controllers::statefulset::predicates::phase(p) == "Running"
            {
                return Err(format!("INV17 OnDelete deleted running {}", c.key.name));
            }
        }
    }
    if update_strategy_type(set) == ROLLING_UPDATE && !update_deletes.is_empty() {
        let lo = partition(set).unwrap_or(0);
        let update_rev = post
            .latest_revision()
            .map(|r| revision_name(r).to_string())
            .unwrap_or_default();
        let indices: Vec<i64> = update_deletes
            .iter()
            .map(|c| ordinal_of(&c.key.name) - start)
            .collect();
        // INV16
        if let Some(i) = indices.iter().find(|i| **i < lo) {
            return Err(format!(
                "INV16 update deletion of index {i} below partition {lo}"
            ));
        }
        let replicas_pre: Vec<Option<&Pod>> = (0..n)
            .map(|i| pre_by_ordinal.get(&(start + i)).copied())
            .collect();
        let outdated = |i: i64| {
            replicas_pre[i as usize]
                .is_some_and(|p| get_pod_revision(p) != update_rev && !is_terminating(p))
        };
        if opts.max_unavailable_gate {
            // INV15
            let max_u = match rolling_update(set) {
                Some(r) => get_statefulset_max_unavailable(r.max_unavailable.as_ref(), n).unwrap(),
                None => 1,
            };
            let u = replicas_pre
                .iter()
                .filter(|p| p.is_none_or(|p| is_unavailable(p, m, pre.now)))
                .count() as i64;
            if u > max_u || u + indices.len() as i64 > max_u {
                return Err(format!(
                    "INV15 {} update deletions with {u} unavailable and maxUnavailable {max_u}",
                    indices.len()
                ));
            }
            let mut expected: Vec<i64> = (lo..n).rev().filter(|i| outdated(*i)).collect();
            expected.truncate(indices.len());
            let mut got = indices.clone();
            got.sort_by(|a, b| b.cmp(a));
            if got != expected {
                return Err(format!(
                    "INV15 deleted indices {got:?}, want the highest outdated {expected:?}"
                ));
            }
        } else {
            // INV14
            if indices.len() > 1 {
                return Err(format!(
                    "INV14 {} update deletions in one sync",
                    indices.len()
                ));
            }
            let t = indices[0];
            if !outdated(t) {
                return Err(format!("INV14 deleted index {t}, which was not outdated"));
            }
            for above in t + 1..n {
                let ok = replicas_pre[above as usize].is_some_and(|p| {
                    get_pod_revision(p) == update_rev && !is_unavailable(p, m, pre.now)
                });
                if !ok {
                    return Err(format!(
                        "INV14 deleted index {t} while index {above} was not updated and available"
                    ));
                }
            }
        }
    }
    // INV12
    if !monotonic && calls.iter().all(|c| c.outcome.is_ok()) {
        let created: BTreeSet<&str> = pod_creates.iter().map(|c| c.key.name.as_str()).collect();
        for o in start..start + n {
            if pre_by_ordinal.contains_key(&o) {
                continue;
            }
            let pod = format!("{name}-{o}");
            let blocked = claim_templates(set).iter().any(|t| {
                pre.claim(&get_persistent_volume_claim_name(set, t, o))
                    .is_some_and(|c| {
                        c.metadata.deletion_timestamp.is_some()
                            || (when_scaled == DELETE
                                && c.metadata
                                    .owner_references
                                    .iter()
                                    .flatten()
                                    .any(|r| r.kind == "Pod" && r.name == pod))
                    })
            });
            if !blocked && !created.contains(pod.as_str()) && pre.pod_named(&pod).is_none() {
                return Err(format!("INV12 Parallel sync left {pod} uncreated"));
            }
        }
        let deleted: BTreeSet<&str> = pod_deletes.iter().map(|c| c.key.name.as_str()).collect();
        for p in &condemned_pre {
            if !is_terminating(p) && !deleted.contains(pod_name(p)) {
                return Err(format!(
                    "INV12 Parallel sync left condemned {} alive",
                    pod_name(p)
                ));
            }
        }
    }
    status_invariants(pre, calls, post)
}

/// INV18, INV19, INV25, INV26, INV27.
fn status_invariants(pre: &Snapshot, calls: &[ApiCall], post: &Snapshot) -> Result<(), String> {
    let written = calls.iter().any(|c| {
        c.verb == Verb::UpdateStatus && c.key.kind == Kind::StatefulSet && c.outcome.is_ok()
    });
    let s = post.status();
    // INV25 (V15 arithmetic)
    if s.replicas < 0
        || s.ready_replicas < 0
        || s.current_replicas < 0
        || s.updated_replicas < 0
        || s.available_replicas < 0
        || s.ready_replicas > s.replicas
        || s.current_replicas > s.replicas
        || s.updated_replicas > s.replicas
        || s.available_replicas > s.ready_replicas
    {
        return Err(format!("INV25 status arithmetic broken: {s:?}"));
    }
    // INV27
    if post
        .set
        .status
        .as_ref()
        .is_some_and(|st| st.conditions.as_ref().is_some_and(|c| !c.is_empty()))
    {
        return Err("INV27 status carries conditions".into());
    }
    if !written {
        return Ok(());
    }
    let before = pre.status();
    // INV26
    if s.observed_generation <= before.observed_generation
        && s.replicas == before.replicas
        && s.ready_replicas == before.ready_replicas
        && s.available_replicas == before.available_replicas
        && s.current_replicas == before.current_replicas
        && s.updated_replicas == before.updated_replicas
        && s.current_revision == before.current_revision
        && s.update_revision == before.update_revision
    {
        return Err("INV26 status written without an observable change".into());
    }
    // INV25 (observedGeneration, replicas, ready, available)
    if s.observed_generation != pre.set.metadata.generation.unwrap_or(0) {
        return Err(format!(
            "INV25 observedGeneration {} for generation {:?}",
            s.observed_generation, pre.set.metadata.generation
        ));
    }
    let m = min_ready_seconds(&pre.set);
    let counted: Vec<&Pod> = pre
        .claimable()
        .into_iter()
        .filter(|p| get_ordinal(p) >= 0)
        .collect();
    let replicas_n = counted.iter().filter(|p| is_created(p)).count() as i32;
    let ready_n = counted.iter().filter(|p| is_running_and_ready(p)).count() as i32;
    let available_n = counted
        .iter()
        .filter(|p| is_running_and_ready(p) && is_running_and_available(p, m, pre.now))
        .count() as i32;
    if (s.replicas, s.ready_replicas, s.available_replicas) != (replicas_n, ready_n, available_n) {
        return Err(format!(
            "INV25 status replicas/ready/available {}/{}/{} but the synced pods give {replicas_n}/{ready_n}/{available_n}",
            s.replicas, s.ready_replicas, s.available_replicas
        ));
    }
    // INV18
    let mut numbers: Vec<i64> = post
        .revisions
        .iter()
        .filter(|r| owned_by(r, &post.set))
        .map(|r| r.revision)
        .collect();
    numbers.sort();
    let distinct = numbers.len();
    numbers.dedup();
    if numbers.len() != distinct {
        return Err("INV18 two revisions share a number".into());
    }
    if let Some(latest) = post
        .revisions
        .iter()
        .filter(|r| owned_by(r, &post.set))
        .max_by_key(|r| r.revision)
        && revision_name(latest) != s.update_revision
    {
        return Err(format!(
            "INV18 updateRevision {} is not the newest revision {}",
            s.update_revision,
            revision_name(latest)
        ));
    }
    // INV19
    if s.current_revision != before.current_revision
        && pre
            .revisions
            .iter()
            .any(|r| revision_name(r) == before.current_revision)
    {
        let n = replicas(&pre.set);
        let completed = update_strategy_type(&pre.set) == ROLLING_UPDATE
            && s.current_revision == s.update_revision
            && s.updated_replicas == n
            && s.ready_replicas == n
            && s.replicas == n;
        if !completed {
            return Err(format!(
                "INV19 currentRevision moved {} -> {} without completion",
                before.current_revision, s.current_revision
            ));
        }
    }
    Ok(())
}

fn owned_by(r: &ControllerRevision, set: &StatefulSet) -> bool {
    r.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.controller == Some(true) && o.uid == set_uid(set))
}

/// Everything after one reconcile.
pub fn after_reconcile(
    pre: &Snapshot,
    calls: &[ApiCall],
    post: &Snapshot,
    opts: ControlOptions,
    checks: Checks,
) -> Result<(), String> {
    let clean = calls.iter().all(|c| c.outcome.is_ok());
    per_pod(post, checks, clean)?;
    if checks.update {
        update_invariants(post, clean)?;
    }
    call_invariants(pre, calls, post, opts)
}
