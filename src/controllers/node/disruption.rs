//! The disruption controller (`pkg/controller/disruption/disruption.go`): keeps each
//! PodDisruptionBudget's status — `currentHealthy`, `desiredHealthy`, `expectedPods`,
//! `disruptionsAllowed`, `disruptedPods`, `observedGeneration` and the `DisruptionAllowed`
//! condition (`SufficientPods` / `InsufficientPods` / `SyncFailed`) — which the Eviction API
//! (`apiserver::eviction`) reads and decrements.
//!
//! - `minAvailable` as a number: desired = that number, expected = the matching pods.
//! - `minAvailable` as a percentage, or `maxUnavailable`: expected = the sum of the scales of
//!   the pods' controllers (Deployment, ReplicaSet, StatefulSet, or any kind with a scale
//!   subresource), desired = the percentage rounded up, or expected − maxUnavailable.
//! - Healthy = matching pods not terminating, not recently evicted (`disruptedPods`, for 2
//!   min), with `Ready=True`.
//! - `disruptionsAllowed` = healthy − desired, never below 0, and 0 while no pod is expected.
//!
//! It also clears a stale `DisruptionTarget=True` condition (set by an eviction whose delete
//! never happened) two minutes after it was set. Events come from `controllermanager`, as
//! upstream's recorder names itself.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector as K8sSelector, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::util::{get_pod, is_pod_ready, pod_condition, pod_key, pod_phase, update_pod_condition};
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::eviction::{
    DISRUPTION_ALLOWED, set_disruption_allowed, update_disruption_allowed_condition,
};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue};

/// How long an eviction's entry in `disruptedPods` counts the pod as gone
/// (`DeletionTimeout`).
pub const DELETION_TIMEOUT: SimDuration = SimDuration::from_secs(120);
/// How long a `DisruptionTarget` condition may stay on a pod that is not being deleted
/// (`stalePodDisruptionTimeout`).
pub const STALE_POD_DISRUPTION_TIMEOUT: SimDuration = SimDuration::from_secs(120);

fn source() -> EventSource {
    EventSource::component("controllermanager")
}

/// The disruption controller.
#[derive(Default)]
pub struct DisruptionController {
    /// Pods with a stale `DisruptionTarget` condition, and when it may be cleared.
    stale: BTreeMap<ObjectKey, SimTime>,
}

/// `GetScaledValueFromIntOrPercent` with rounding up.
pub fn scaled_value(v: &IntOrString, total: i32) -> Result<i32, String> {
    match v {
        IntOrString::Int(i) => Ok(*i),
        IntOrString::String(s) => {
            let Some(number) = s.strip_suffix('%') else {
                return Err(
                    "invalid value for IntOrString: invalid type: string is not a percentage"
                        .to_string(),
                );
            };
            let p: i64 = number.parse().map_err(|e: std::num::ParseIntError| {
                format!("invalid value for IntOrString: invalid value {s:?}: {e}")
            })?;
            let scaled = (p * i64::from(total) + 99).div_euclid(100);
            Ok(scaled.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
        }
    }
}

/// `metav1.LabelSelector.String()`, as `%v` prints a selector pointer in event messages.
pub fn go_selector_string(sel: Option<&K8sSelector>) -> String {
    let Some(sel) = sel else {
        return "nil".to_string();
    };
    let mut labels = String::from("map[string]string{");
    for (k, v) in sel.match_labels.iter().flatten() {
        labels.push_str(&format!("{k}: {v},"));
    }
    labels.push('}');
    let mut exprs = String::from("[]LabelSelectorRequirement{");
    for e in sel.match_expressions.iter().flatten() {
        exprs.push_str(&format!(
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
            e.key,
            e.operator,
            e.values.clone().unwrap_or_default().join(" ")
        ));
    }
    exprs.push('}');
    format!("&LabelSelector{{MatchLabels:{labels},MatchExpressions:{exprs},}}")
}

/// The PDBs of the pod's namespace whose selector matches it, in key order (the disruption
/// controller's lister: an empty selector matches every pod).
fn pdbs_for_pod(api: &ApiServer, pod: &Object) -> Vec<PodDisruptionBudget> {
    api.iter_kind(Kind::PodDisruptionBudget, Some(pod.namespace()))
        .filter_map(|o| match &**o {
            Object::PodDisruptionBudget(p) => Some(p.clone()),
            _ => None,
        })
        .filter(|p| {
            let spec = p.spec.as_ref();
            LabelSelector::from_k8s_opt(spec.and_then(|s| s.selector.as_ref()))
                .is_ok_and(|s| s.matches(pod.labels()))
        })
        .collect()
}

/// `ConditionsAreUpToDate`.
fn conditions_up_to_date(pdb: &PodDisruptionBudget) -> bool {
    let Some(status) = &pdb.status else {
        return false;
    };
    let Some(c) = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == DISRUPTION_ALLOWED)
    else {
        return false;
    };
    if status.observed_generation != pdb.metadata.generation {
        return false;
    }
    if status.disruptions_allowed > 0 {
        c.status == "True" && c.reason == "SufficientPods"
    } else {
        c.status == "False" && c.reason == "InsufficientPods"
    }
}

/// The replicas of the workload controlling `pod`, keyed by its uid (`finders()`).
fn controller_scale(api: &ApiServer, pod: &Pod) -> Result<Option<(String, i32)>, String> {
    let Some(owner) = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
    else {
        return Ok(None);
    };
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let group = owner.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let get = |kind: Kind, name: &str| api.try_get(&ObjectKey::new(kind, &ns, name)).cloned();
    // Deployment through its ReplicaSet, then a bare ReplicaSet.
    if owner.kind == "ReplicaSet"
        && matches!(group, "apps" | "extensions")
        && let Some(rs) = get(Kind::ReplicaSet, &owner.name)
        && rs.uid() == owner.uid
        && let Object::ReplicaSet(rs_obj) = &*rs
    {
        match rs.controller_ref() {
            Some(d_ref) if d_ref.kind == "Deployment" => {
                if let Some(d) = get(Kind::Deployment, &d_ref.name)
                    && d.uid() == d_ref.uid
                    && let Object::Deployment(d_obj) = &*d
                {
                    let replicas = d_obj.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                    return Ok(Some((d.uid().to_string(), replicas)));
                }
            }
            _ => {
                let replicas = rs_obj.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                return Ok(Some((rs.uid().to_string(), replicas)));
            }
        }
    }
    if owner.kind == "StatefulSet"
        && group == "apps"
        && let Some(sts) = get(Kind::StatefulSet, &owner.name)
        && sts.uid() == owner.uid
        && let Object::StatefulSet(s) = &*sts
    {
        let replicas = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        return Ok(Some((sts.uid().to_string(), replicas)));
    }
    // getScaleController: any kind with a scale subresource.
    let Some(kind) = Kind::from_api_version_kind(&owner.api_version, &owner.kind) else {
        return Err(format!(
            "no matches for kind {:?} in version {:?}",
            owner.kind, owner.api_version
        ));
    };
    let key = ObjectKey::new(kind, &ns, &owner.name);
    match api.get_scale(&key) {
        Ok(scale) => {
            let uid = api
                .try_get(&key)
                .map(|o| o.uid().to_string())
                .unwrap_or_default();
            if uid != owner.uid {
                return Ok(None);
            }
            Ok(Some((uid, scale.spec_replicas)))
        }
        Err(_) if crate::apiserver::strategy::has_scale_subresource(kind) => Ok(None),
        Err(_) => Err(format!(
            "{} does not implement the scale subresource",
            kind.info().group_resource()
        )),
    }
}

impl DisruptionController {
    /// A controller with no state.
    pub fn new() -> Self {
        Self::default()
    }

    /// `getExpectedScale`: the summed scale of the pods' controllers, and the unmanaged pods.
    fn expected_scale(api: &ApiServer, pods: &[Pod]) -> Result<(i32, Vec<String>), String> {
        let mut scales: BTreeMap<String, i32> = BTreeMap::new();
        let mut unmanaged = Vec::new();
        for p in pods {
            let name = p.metadata.name.clone().unwrap_or_default();
            let owned = p
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.controller == Some(true));
            if !owned {
                unmanaged.push(name);
                continue;
            }
            match controller_scale(api, p)? {
                Some((uid, scale)) => {
                    scales.entry(uid).or_insert(scale);
                }
                None => return Err(format!("found no controllers for pod {name:?}")),
            }
        }
        Ok((scales.values().sum(), unmanaged))
    }

    /// `getExpectedPodCount`: (expected, desired healthy, unmanaged pods).
    fn expected_pod_count(
        api: &ApiServer,
        pdb: &PodDisruptionBudget,
        pods: &[Pod],
    ) -> Result<(i32, i32, Vec<String>), String> {
        let spec = pdb.spec.clone().unwrap_or_default();
        if let Some(max_unavailable) = &spec.max_unavailable {
            let (expected, unmanaged) = Self::expected_scale(api, pods)?;
            let max = scaled_value(max_unavailable, expected)?;
            return Ok((expected, (expected - max).max(0), unmanaged));
        }
        match &spec.min_available {
            Some(IntOrString::Int(n)) => Ok((pods.len() as i32, *n, vec![])),
            Some(pct) => {
                let (expected, unmanaged) = Self::expected_scale(api, pods)?;
                Ok((expected, scaled_value(pct, expected)?, unmanaged))
            }
            None => Ok((0, 0, vec![])),
        }
    }

    /// `sync` / `trySync` of one PDB.
    fn sync(&mut self, cx: &mut Cx<'_>, key: &ObjectKey) -> Requeue {
        let pdb = match cx.read().try_get(key).map(|o| &**o) {
            Some(Object::PodDisruptionBudget(p)) => p.clone(),
            _ => return Requeue::No,
        };
        let pdb_obj = Object::PodDisruptionBudget(pdb.clone());
        let selector = match LabelSelector::from_k8s_opt(
            pdb.spec.as_ref().and_then(|s| s.selector.as_ref()),
        ) {
            Ok(s) => s,
            Err(e) => {
                cx.record_event(
                    &source(),
                    &pdb_obj,
                    "Warning",
                    "NoPods",
                    &format!("Failed to get pods: {e}"),
                );
                return self.fail_safe(cx, &pdb, &e);
            }
        };
        let pods: Vec<Pod> = cx
            .read()
            .iter_kind(Kind::Pod, Some(&key.namespace))
            .filter(|o| selector.matches(o.labels()))
            .filter_map(|o| match &**o {
                Object::Pod(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        if pods.is_empty() {
            cx.record_event(
                &source(),
                &pdb_obj,
                "Normal",
                "NoPods",
                "No matching pods found",
            );
        }
        let (expected, desired, unmanaged) = match Self::expected_pod_count(cx.read(), &pdb, &pods)
        {
            Ok(x) => x,
            Err(e) => {
                cx.record_event(
                    &source(),
                    &pdb_obj,
                    "Warning",
                    "CalculateExpectedPodCountFailed",
                    &format!("Failed to calculate the number of expected pods: {e}"),
                );
                return self.fail_safe(cx, &pdb, &e);
            }
        };
        if !unmanaged.is_empty() {
            let sel = go_selector_string(pdb.spec.as_ref().and_then(|s| s.selector.as_ref()));
            cx.record_event(
                &source(),
                &pdb_obj,
                "Warning",
                "UnmanagedPods",
                &format!(
                    "Pods selected by this PodDisruptionBudget (selector: {sel}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value."
                ),
            );
        }
        let now = cx.now;
        let (disrupted, recheck) = self.build_disrupted_pod_map(cx, &pods, &pdb);
        let healthy = count_healthy_pods(&pods, &disrupted, now);
        match self.update_pdb_status(cx, &pdb, healthy, desired, expected, disrupted) {
            Ok(()) => match recheck {
                Some(at) => Requeue::After(at.saturating_since(now)),
                None => Requeue::No,
            },
            Err(e) if e.is_conflict() => Requeue::After(SimDuration::from_ms(5)),
            Err(e) => self.fail_safe(cx, &pdb, &e.message),
        }
    }

    /// `buildDisruptedPodMap`: keeps the entries of pods not yet seen terminating and not
    /// older than the deletion timeout; returns when to look again.
    fn build_disrupted_pod_map(
        &self,
        cx: &mut Cx<'_>,
        pods: &[Pod],
        pdb: &PodDisruptionBudget,
    ) -> (BTreeMap<String, Time>, Option<SimTime>) {
        let mut out = BTreeMap::new();
        let mut recheck: Option<SimTime> = None;
        let Some(disrupted) = pdb.status.as_ref().and_then(|s| s.disrupted_pods.as_ref()) else {
            return (out, None);
        };
        let now = cx.now;
        let ns = pdb.metadata.namespace.clone().unwrap_or_default();
        for p in pods {
            if p.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let name = p.metadata.name.clone().unwrap_or_default();
            let Some(t) = disrupted.get(&name) else {
                continue;
            };
            let since = SimTime::from_k8s_time(t).unwrap_or(SimTime::ZERO);
            let expected_deletion = since + DELETION_TIMEOUT;
            if expected_deletion < now {
                // Upstream prints the namespace twice.
                cx.record_event(
                    &source(),
                    &Object::Pod(p.clone()),
                    "Warning",
                    "NotDeleted",
                    &format!("Pod was expected by PDB {ns}/{ns} to be deleted but it wasn't"),
                );
            } else {
                recheck = Some(recheck.map_or(expected_deletion, |r| r.min(expected_deletion)));
                out.insert(name, t.clone());
            }
        }
        (out, recheck)
    }

    /// `updatePdbStatus`.
    fn update_pdb_status(
        &self,
        cx: &mut Cx<'_>,
        pdb: &PodDisruptionBudget,
        healthy: i32,
        desired: i32,
        expected: i32,
        disrupted: BTreeMap<String, Time>,
    ) -> Result<(), crate::apiserver::ApiError> {
        let mut allowed = healthy - desired;
        if expected <= 0 || allowed <= 0 {
            allowed = 0;
        }
        let status = pdb.status.clone().unwrap_or_default();
        let disrupted = (!disrupted.is_empty()).then_some(disrupted);
        let same_disrupted = status.disrupted_pods.clone().filter(|m| !m.is_empty()) == disrupted;
        if status.current_healthy == healthy
            && status.desired_healthy == desired
            && status.expected_pods == expected
            && status.disruptions_allowed == allowed
            && same_disrupted
            && status.observed_generation == pdb.metadata.generation
            && conditions_up_to_date(pdb)
        {
            return Ok(());
        }
        let mut new_status = PodDisruptionBudgetStatus {
            current_healthy: healthy,
            desired_healthy: desired,
            expected_pods: expected,
            disruptions_allowed: allowed,
            disrupted_pods: disrupted,
            observed_generation: pdb.metadata.generation,
            conditions: status.conditions.clone(),
        };
        update_disruption_allowed_condition(&mut new_status, &cx.now.to_k8s_time());
        let mut updated = pdb.clone();
        updated.status = Some(new_status);
        cx.update_status(Object::PodDisruptionBudget(updated))
            .map(|_| ())
    }

    /// `failSafe`: at least stop evictions.
    fn fail_safe(&self, cx: &mut Cx<'_>, pdb: &PodDisruptionBudget, err: &str) -> Requeue {
        let mut status = pdb.status.clone().unwrap_or_default();
        status.disruptions_allowed = 0;
        let observed_generation = status.observed_generation;
        set_disruption_allowed(
            status.conditions.get_or_insert_with(Vec::new),
            "False",
            "SyncFailed",
            err,
            observed_generation,
            &cx.now.to_k8s_time(),
        );
        let mut updated = pdb.clone();
        updated.status = Some(status);
        let _ = cx.update_status(Object::PodDisruptionBudget(updated));
        // The work queue retries failed syncs with back-off.
        Requeue::After(SimDuration::from_secs(1))
    }

    /// `nonTerminatingPodHasStaleDisruptionCondition`: when the condition may be cleared.
    fn stale_condition_due(pod: &Pod) -> Option<SimTime> {
        if pod.metadata.deletion_timestamp.is_some() {
            return None;
        }
        let c = pod_condition(pod, "DisruptionTarget")?;
        if c.status != "True"
            || c.reason.as_deref() == Some("TerminationByKubelet")
            || matches!(pod_phase(pod), "Succeeded" | "Failed")
        {
            return None;
        }
        let since = c
            .last_transition_time
            .as_ref()
            .and_then(SimTime::from_k8s_time)
            .unwrap_or(SimTime::ZERO);
        Some(since + STALE_POD_DISRUPTION_TIMEOUT)
    }

    /// The pod side: the `MultiplePodDisruptionBudgets` warning, and the stale
    /// `DisruptionTarget` cleanup (`syncStalePodDisruption`).
    fn sync_pod(&mut self, cx: &mut Cx<'_>, key: &ObjectKey) -> Requeue {
        let Some(pod) = get_pod(cx.read(), key) else {
            self.stale.remove(key);
            return Requeue::No;
        };
        let now = cx.now;
        let due_now = self.stale.get(key).is_some_and(|at| *at <= now);
        if !due_now {
            let obj = Object::Pod(pod.clone());
            let pdbs = pdbs_for_pod(cx.read(), &obj);
            if pdbs.len() > 1 {
                let msg = format!(
                    "Pod {:?}/{:?} matches multiple PodDisruptionBudgets.  Chose {:?} arbitrarily.",
                    key.namespace,
                    key.name,
                    pdbs[0].metadata.name.clone().unwrap_or_default()
                );
                cx.record_event(
                    &source(),
                    &obj,
                    "Warning",
                    "MultiplePodDisruptionBudgets",
                    &msg,
                );
            }
        }
        let Some(due) = Self::stale_condition_due(&pod) else {
            self.stale.remove(key);
            return Requeue::No;
        };
        if due > now {
            self.stale.insert(key.clone(), due);
            return Requeue::After(due.saturating_since(now));
        }
        self.stale.remove(key);
        let mut status = pod.status.clone().unwrap_or_default();
        let cleared = k8s_openapi::api::core::v1::PodCondition {
            type_: "DisruptionTarget".into(),
            status: "False".into(),
            ..Default::default()
        };
        if update_pod_condition(&mut status, cleared, &now.to_k8s_time()) {
            let mut updated = pod.clone();
            updated.status = Some(status);
            if cx.update_status(Object::Pod(updated)).is_err() {
                return Requeue::After(SimDuration::from_secs(1));
            }
        }
        Requeue::No
    }
}

/// `countHealthyPods`.
fn count_healthy_pods(pods: &[Pod], disrupted: &BTreeMap<String, Time>, now: SimTime) -> i32 {
    pods.iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            let name = p.metadata.name.as_deref().unwrap_or("");
            !disrupted.get(name).is_some_and(|t| {
                SimTime::from_k8s_time(t).unwrap_or(SimTime::ZERO) + DELETION_TIMEOUT > now
            })
        })
        .filter(|p| is_pod_ready(p))
        .count() as i32
}

impl Controller for DisruptionController {
    fn name(&self) -> &'static str {
        "disruption-controller"
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match &**obj {
            Object::PodDisruptionBudget(_) => vec![obj.key()],
            Object::Pod(p) => {
                let mut keys: Vec<ObjectKey> = pdbs_for_pod(api, obj)
                    .first()
                    .map(|pdb| {
                        ObjectKey::new(
                            Kind::PodDisruptionBudget,
                            obj.namespace(),
                            pdb.metadata.name.clone().unwrap_or_default(),
                        )
                    })
                    .into_iter()
                    .collect();
                if event.event_type != WatchEventType::Deleted
                    && (pdbs_for_pod(api, obj).len() > 1 || Self::stale_condition_due(p).is_some())
                {
                    keys.push(pod_key(p));
                }
                keys
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match key.kind {
            Kind::PodDisruptionBudget => self.sync(cx, key),
            Kind::Pod => self.sync_pod(cx, key),
            _ => Requeue::No,
        }
    }
}

#[cfg(test)]
mod tests;
