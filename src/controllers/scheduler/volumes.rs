//! The volume plugins: VolumeRestrictions (ReadWriteOncePod), VolumeBinding (the scheduler's
//! half of PV binding: `volumebinding/binder.go`) and VolumeZone.
//!
//! VolumeBinding classifies the pod's claims (bound, unbound WaitForFirstConsumer, unbound
//! immediate), checks bound volumes' node affinity, matches unbound WaitForFirstConsumer claims
//! to available volumes or checks they can be provisioned on the node, and after a node is
//! chosen writes the PV claimRefs (static binding) and the `selected-node` annotations
//! (provisioning), then waits for the PV controller and provisioner to finish binding.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ObjectReference, PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;

use crate::api::quantity::parse_k8s;
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client};

use super::SchedulerConfig;
use super::cache::Cache;
use super::filters::{NodeView, node_selector_terms_match};
use super::framework::{Plugin, Status};
use super::podinfo::PodInfo;

/// Set by the scheduler on a WaitForFirstConsumer claim to ask for provisioning on a node.
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// Set by the PV controller once a claim's binding is complete.
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// Marks a binding chosen by a controller rather than the user.
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
const NOT_SUPPORTED_PROVISIONER: &str = "kubernetes.io/no-provisioner";

pub(crate) const ERR_BIND_CONFLICT: &str =
    "node(s) didn't find available persistent volumes to bind";
pub(crate) const ERR_NODE_CONFLICT: &str = "node(s) had volume node affinity conflict";
pub(crate) const ERR_NOT_ENOUGH_SPACE: &str = "node(s) did not have enough free storage";
pub(crate) const ERR_PV_NOT_EXIST: &str =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
pub(crate) const ERR_RWOP_CONFLICT: &str =
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";
pub(crate) const ERR_VOLUME_ZONE: &str = "node(s) had no available volume zone";
pub(crate) const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";

/// The topology labels VolumeZone compares (GA and beta keys).
const ZONE_LABELS: [&str; 4] = [
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
];

/// A storage capacity the simulated cluster advertises for a CSI driver that opts into
/// capacity tracking (what `CSIStorageCapacity` objects say; the simulator has no such kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageCapacity {
    /// The StorageClass the capacity is for.
    pub storage_class: String,
    /// Labels a node must carry to reach this capacity (`nodeTopology`).
    pub node_labels: BTreeMap<String, String>,
    /// The largest volume that can be created, in bytes (`maximumVolumeSize`, or `capacity`).
    pub max_volume_size: i64,
}

/// What PreFilter learned about the pod's claims.
#[derive(Clone, Debug, Default)]
pub(crate) struct VolumeState {
    /// The pod uses no claim: VolumeBinding skips it.
    pub skip: bool,
    /// Claims with a completed binding.
    pub bound: Vec<Arc<Object>>,
    /// Unbound claims of a WaitForFirstConsumer class.
    pub delayed: Vec<Arc<Object>>,
    /// A ReadWriteOncePod claim of the pod is used by a pod already placed.
    pub rwop_conflict: bool,
    /// VolumeZone: topology label → allowed values, from the bound volumes.
    pub zones: Vec<(String, BTreeSet<String>)>,
}

/// The bindings chosen for the pod on one node.
#[derive(Clone, Debug, Default)]
pub(crate) struct PodVolumes {
    /// `(volume, claim)` pairs to bind statically.
    pub static_bindings: Vec<(String, Arc<Object>)>,
    /// Claims to provision.
    pub provisions: Vec<Arc<Object>>,
}

impl PodVolumes {
    pub fn is_empty(&self) -> bool {
        self.static_bindings.is_empty() && self.provisions.is_empty()
    }
}

fn pvc(obj: &Object) -> Option<&PersistentVolumeClaim> {
    match obj {
        Object::PersistentVolumeClaim(c) => Some(c),
        _ => None,
    }
}

fn annotation<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// `GetPersistentVolumeClaimClass`: the class field, else the beta annotation.
pub(crate) fn claim_class(obj: &Object) -> String {
    if let Some(c) = pvc(obj).and_then(|c| c.spec.as_ref()?.storage_class_name.clone()) {
        return c;
    }
    annotation(obj, "volume.beta.kubernetes.io/storage-class")
        .unwrap_or_default()
        .to_string()
}

fn volume_name(obj: &Object) -> &str {
    pvc(obj)
        .and_then(|c| c.spec.as_ref()?.volume_name.as_deref())
        .unwrap_or_default()
}

/// `isPVCFullyBound`: a volume name and the `bind-completed` annotation.
pub(crate) fn fully_bound(obj: &Object) -> bool {
    !volume_name(obj).is_empty() && annotation(obj, ANN_BIND_COMPLETED).is_some()
}

fn storage_class<'a>(api: &'a ApiServer, name: &str) -> Option<&'a StorageClass> {
    match api
        .try_get(&ObjectKey::cluster(Kind::StorageClass, name))
        .map(|o| &**o)
    {
        Some(Object::StorageClass(sc)) => Some(sc),
        _ => None,
    }
}

/// `IsDelayBindingMode`: the claim's class exists and binds on first consumer.
fn delay_binding(api: &ApiServer, claim: &Object) -> bool {
    let class = claim_class(claim);
    !class.is_empty()
        && storage_class(api, &class)
            .is_some_and(|sc| sc.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer"))
}

fn requested_storage(c: &PersistentVolumeClaim) -> Option<crate::api::quantity::Quantity> {
    c.spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .and_then(|q| parse_k8s(q).ok())
}

fn access_modes(c: &PersistentVolumeClaim) -> Vec<String> {
    c.spec
        .as_ref()
        .and_then(|s| s.access_modes.clone())
        .unwrap_or_default()
}

/// PreFilter of VolumeRestrictions, then of VolumeBinding and VolumeZone.
pub(crate) fn prefilter(
    api: &ApiServer,
    cache: &Cache,
    pod: &PodInfo,
) -> Result<VolumeState, Status> {
    let mut state = VolumeState::default();
    let get = |name: &str| {
        api.try_get(&ObjectKey::new(
            Kind::PersistentVolumeClaim,
            &pod.namespace,
            name,
        ))
        .cloned()
    };
    // VolumeRestrictions: every persistentVolumeClaim volume must exist; ReadWriteOncePod
    // claims must not be used by a placed pod.
    for name in &pod.pvc_claims {
        let Some(obj) = get(name) else {
            return Err(Status::unresolvable(
                Plugin::VolumeRestrictions,
                format!("persistentvolumeclaim \"{name}\" not found"),
            ));
        };
        let rwop = pvc(&obj)
            .map(access_modes)
            .is_some_and(|m| m.iter().any(|m| m == "ReadWriteOncePod"));
        if rwop && cache.claim_in_use(&pod.namespace, name) {
            state.rwop_conflict = true;
        }
    }
    // VolumeBinding (`podHasPVCs`, `GetPodVolumeClaims`).
    if pod.pvc_claims.is_empty() && pod.ephemeral_claims.is_empty() {
        state.skip = true;
        return Ok(state);
    }
    let mut immediate = false;
    let ephemeral: BTreeSet<&String> = pod.ephemeral_claims.iter().collect();
    for name in pod.all_claims() {
        let Some(obj) = get(name) else {
            let msg = if ephemeral.contains(name) {
                format!(
                    "waiting for ephemeral volume controller to create the persistentvolumeclaim \"{name}\""
                )
            } else {
                format!("persistentvolumeclaim \"{name}\" not found")
            };
            return Err(Status::unresolvable(Plugin::VolumeBinding, msg));
        };
        let phase = pvc(&obj)
            .and_then(|c| c.status.as_ref()?.phase.as_deref())
            .unwrap_or_default();
        if phase == "Lost" {
            return Err(Status::unresolvable(
                Plugin::VolumeBinding,
                format!(
                    "persistentvolumeclaim \"{name}\" bound to non-existent persistentvolume \"{}\"",
                    volume_name(&obj)
                ),
            ));
        }
        if obj.is_terminating() {
            return Err(Status::unresolvable(
                Plugin::VolumeBinding,
                format!("persistentvolumeclaim \"{name}\" is being deleted"),
            ));
        }
        if ephemeral.contains(name)
            && obj
                .controller_ref()
                .is_none_or(|o| o.uid != pod.uid || o.kind != "Pod")
        {
            return Err(Status::unresolvable(
                Plugin::VolumeBinding,
                format!(
                    "PVC {}/{} was not created for pod {}/{} (pod is not owner)",
                    pod.namespace, name, pod.namespace, pod.name
                ),
            ));
        }
        if fully_bound(&obj) {
            state.bound.push(obj);
        } else if delay_binding(api, &obj) && volume_name(&obj).is_empty() {
            state.delayed.push(obj);
        } else {
            immediate = true;
        }
    }
    if immediate {
        return Err(Status::unresolvable(
            Plugin::VolumeBinding,
            ERR_UNBOUND_IMMEDIATE,
        ));
    }
    // VolumeZone: the zones of the bound volumes.
    for name in &pod.pvc_claims {
        let Some(obj) = get(name) else { continue };
        let pv_name = volume_name(&obj);
        if pv_name.is_empty() {
            continue;
        }
        let Some(pv) = api.try_get(&ObjectKey::cluster(Kind::PersistentVolume, pv_name)) else {
            continue;
        };
        for key in ZONE_LABELS {
            if let Some(v) = pv.labels().get(key) {
                let values = v.split("__").map(str::to_string).collect();
                state.zones.push((key.to_string(), values));
            }
        }
    }
    Ok(state)
}

/// VolumeRestrictions Filter.
pub(crate) fn filter_restrictions(state: &VolumeState) -> Option<Status> {
    state
        .rwop_conflict
        .then(|| Status::unschedulable(Plugin::VolumeRestrictions, ERR_RWOP_CONFLICT))
}

/// VolumeZone Filter: a node with topology labels must be in the zones of the pod's volumes.
pub(crate) fn filter_zone(state: &VolumeState, node: &NodeView) -> Option<Status> {
    if state.zones.is_empty() {
        return None;
    }
    let labels = node.labels();
    if !ZONE_LABELS.iter().any(|k| labels.contains_key(*k)) {
        return None;
    }
    for (key, values) in &state.zones {
        let value = labels.get(key).or_else(|| {
            let ga = key.replace(
                "failure-domain.beta.kubernetes.io",
                "topology.kubernetes.io",
            );
            labels.get(&ga)
        });
        if value.is_none_or(|v| !values.contains(v)) {
            return Some(Status::unresolvable(Plugin::VolumeZone, ERR_VOLUME_ZONE));
        }
    }
    None
}

/// `CheckNodeAffinity`: a volume's required node affinity matches the node's labels.
fn pv_node_affinity_matches(pv: &PersistentVolume, labels: &BTreeMap<String, String>) -> bool {
    let Some(required) = pv
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
    else {
        return true;
    };
    node_selector_terms_match(&required.node_selector_terms, "", labels)
}

fn persistent_volume<'a>(api: &'a ApiServer, name: &str) -> Option<&'a PersistentVolume> {
    match api
        .try_get(&ObjectKey::cluster(Kind::PersistentVolume, name))
        .map(|o| &**o)
    {
        Some(Object::PersistentVolume(pv)) => Some(pv),
        _ => None,
    }
}

/// VolumeBinding Filter (`FindPodVolumes`): the bindings for `node`, or the reasons it fails.
pub(crate) fn find_pod_volumes(
    api: &ApiServer,
    cache: &Cache,
    config: &SchedulerConfig,
    state: &VolumeState,
    node: &NodeView,
) -> (PodVolumes, Vec<&'static str>) {
    let mut out = PodVolumes::default();
    let mut bound_ok = true;
    let mut unbound_ok = true;
    let mut space_ok = true;
    let mut pvs_found = true;
    let labels = node.labels();
    'done: {
        for claim in &state.bound {
            match persistent_volume(api, volume_name(claim)) {
                None => {
                    pvs_found = false;
                    break;
                }
                Some(pv) if !pv_node_affinity_matches(pv, labels) => {
                    bound_ok = false;
                    break;
                }
                Some(_) => {}
            }
        }
        if state.delayed.is_empty() {
            break 'done;
        }
        let mut to_match = Vec::new();
        let mut to_provision = Vec::new();
        for claim in &state.delayed {
            match annotation(claim, ANN_SELECTED_NODE) {
                Some(n) if n != node.name() => {
                    unbound_ok = false;
                    break 'done;
                }
                Some(_) => to_provision.push(claim.clone()),
                None => to_match.push(claim.clone()),
            }
        }
        if !to_match.is_empty() {
            let m = find_matching_volumes(api, cache, to_match, node);
            unbound_ok = m.all;
            out.static_bindings = m.bindings;
            to_provision.extend(m.unmatched);
        }
        if !to_provision.is_empty() {
            let (ok, space, provisions) = check_provisions(api, config, to_provision, node);
            unbound_ok = ok;
            space_ok = space;
            out.provisions = provisions;
        }
    }
    let mut reasons = Vec::new();
    if !bound_ok {
        reasons.push(ERR_NODE_CONFLICT);
    }
    if !unbound_ok {
        reasons.push(ERR_BIND_CONFLICT);
    }
    if !space_ok {
        reasons.push(ERR_NOT_ENOUGH_SPACE);
    }
    if !pvs_found {
        reasons.push(ERR_PV_NOT_EXIST);
    }
    (out, reasons)
}

/// `IsVolumeBoundToClaim`: the claimRef names the claim (uid unset or equal).
fn volume_bound_to_claim(pv: &PersistentVolume, claim: &Object) -> bool {
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    r.name.as_deref() == Some(claim.name())
        && r.namespace.as_deref() == Some(claim.namespace())
        && r.uid
            .as_deref()
            .is_none_or(|u| u.is_empty() || u == claim.uid())
}

/// What `findMatchingVolumes` found.
struct Matches {
    all: bool,
    bindings: Vec<(String, Arc<Object>)>,
    unmatched: Vec<Arc<Object>>,
}

/// `findMatchingVolumes`: claims smallest first, each matched to the smallest fitting
/// available volume (`FindMatchingVolume`, scheduler path).
fn find_matching_volumes(
    api: &ApiServer,
    cache: &Cache,
    mut claims: Vec<Arc<Object>>,
    node: &NodeView,
) -> Matches {
    claims.sort_by(|a, b| {
        let qa = pvc(a).and_then(requested_storage);
        let qb = pvc(b).and_then(requested_storage);
        match (qa, qb) {
            (Some(a), Some(b)) => a.cmp_value(&b),
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    });
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    let mut bindings = Vec::new();
    let mut unmatched = Vec::new();
    let mut all = true;
    for claim in claims {
        match find_matching_volume(api, cache, &claim, node, &chosen) {
            Some(pv) => {
                chosen.insert(pv.clone());
                bindings.push((pv, claim));
            }
            None => {
                all = false;
                unmatched.push(claim);
            }
        }
    }
    Matches {
        all,
        bindings,
        unmatched,
    }
}

fn find_matching_volume(
    api: &ApiServer,
    cache: &Cache,
    claim: &Object,
    node: &NodeView,
    excluded: &BTreeSet<String>,
) -> Option<String> {
    let c = pvc(claim)?;
    let class = claim_class(claim);
    let requested = requested_storage(c);
    let claim_mode = c
        .spec
        .as_ref()
        .and_then(|s| s.volume_mode.clone())
        .unwrap_or_else(|| "Filesystem".into());
    let selector = c
        .spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .map(LabelSelector::from_k8s);
    let wanted_modes = access_modes(c);
    let mut candidates: BTreeSet<&String> = cache.unclaimed_pvs(&class).collect();
    candidates.extend(
        cache
            .pvs_for_claim(claim.namespace(), claim.name())
            .filter(|n| cache.pv_class(n) == Some(class.as_str())),
    );
    let mut best: Option<(String, crate::api::quantity::Quantity)> = None;
    for name in candidates {
        if excluded.contains(name) {
            continue;
        }
        let Some(Object::PersistentVolume(pv)) = api
            .try_get(&ObjectKey::cluster(Kind::PersistentVolume, name))
            .map(|o| &**o)
        else {
            continue;
        };
        let Some(spec) = pv.spec.as_ref() else {
            continue;
        };
        if spec.claim_ref.is_some() && !volume_bound_to_claim(pv, claim) {
            continue;
        }
        let qty = spec
            .capacity
            .as_ref()
            .and_then(|c| c.get("storage"))
            .and_then(|q| parse_k8s(q).ok());
        let Some(qty) = qty else { continue };
        if let Some(r) = &requested
            && qty.cmp_value(r) == std::cmp::Ordering::Less
        {
            continue;
        }
        let pv_mode = spec
            .volume_mode
            .clone()
            .unwrap_or_else(|| "Filesystem".into());
        if pv_mode != claim_mode {
            continue;
        }
        if pv.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let affinity_ok = pv_node_affinity_matches(pv, node.labels());
        if volume_bound_to_claim(pv, claim) {
            return affinity_ok.then(|| name.clone());
        }
        let phase = pv
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or_default();
        if phase != "Available" {
            continue;
        }
        match &selector {
            Some(Ok(s)) if !s.matches(pv.metadata.labels.as_ref().unwrap_or(&BTreeMap::new())) => {
                continue;
            }
            Some(Err(_)) => continue,
            _ => {}
        }
        if !affinity_ok {
            continue;
        }
        let pv_modes = spec.access_modes.clone().unwrap_or_default();
        if !wanted_modes.iter().all(|m| pv_modes.contains(m)) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|(_, b)| b.cmp_value(&qty) == std::cmp::Ordering::Greater)
        {
            best = Some((name.clone(), qty));
        }
    }
    best.map(|(n, _)| n)
}

/// `MatchTopologySelectorTerms`: no terms match every node.
fn topology_terms_match(
    terms: &[k8s_openapi::api::core::v1::TopologySelectorTerm],
    labels: &BTreeMap<String, String>,
) -> bool {
    terms.is_empty()
        || terms.iter().any(|t| {
            t.match_label_expressions
                .iter()
                .flatten()
                .all(|r| labels.get(&r.key).is_some_and(|v| r.values.contains(v)))
        })
}

/// `checkVolumeProvisions`: every left-over claim's class can provision on the node.
/// Returns (provisionable, enough storage, claims to provision).
fn check_provisions(
    api: &ApiServer,
    config: &SchedulerConfig,
    claims: Vec<Arc<Object>>,
    node: &NodeView,
) -> (bool, bool, Vec<Arc<Object>>) {
    let mut out = Vec::new();
    for claim in claims {
        let class_name = claim_class(&claim);
        let Some(class) = storage_class(api, &class_name) else {
            return (false, true, vec![]);
        };
        if class.provisioner.is_empty() || class.provisioner == NOT_SUPPORTED_PROVISIONER {
            return (false, true, vec![]);
        }
        if !topology_terms_match(
            class.allowed_topologies.as_deref().unwrap_or_default(),
            node.labels(),
        ) {
            return (false, true, vec![]);
        }
        if let Some(capacities) = config.storage_capacity.get(&class.provisioner) {
            let size = pvc(&claim).and_then(requested_storage).map(|q| q.value());
            if let Some(size) = size {
                let enough = capacities.iter().any(|c| {
                    c.storage_class == class_name
                        && c.max_volume_size >= size
                        && c.node_labels
                            .iter()
                            .all(|(k, v)| node.labels().get(k) == Some(v))
                });
                if !enough {
                    return (true, false, vec![]);
                }
            }
        }
        out.push(claim);
    }
    (true, true, out)
}

/// `GetBindVolumeToClaim`: the volume with its claimRef pointing at the claim.
fn bind_volume_to_claim(pv: &PersistentVolume, claim: &Object) -> Option<PersistentVolume> {
    let mut clone = pv.clone();
    let mut dirty = false;
    let already = volume_bound_to_claim(pv, claim);
    let r = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
    let same = r.is_some_and(|r| {
        r.name.as_deref() == Some(claim.name())
            && r.namespace.as_deref() == Some(claim.namespace())
            && r.uid.as_deref() == Some(claim.uid())
    });
    if !same {
        clone.spec.get_or_insert_with(Default::default).claim_ref = Some(ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("PersistentVolumeClaim".into()),
            name: Some(claim.name().to_string()),
            namespace: Some(claim.namespace().to_string()),
            resource_version: Some(claim.resource_version().to_string()),
            uid: Some(claim.uid().to_string()),
            field_path: None,
        });
        dirty = true;
    }
    let annotations = clone.metadata.annotations.get_or_insert_with(BTreeMap::new);
    if !already && !annotations.contains_key(ANN_BOUND_BY_CONTROLLER) {
        annotations.insert(ANN_BOUND_BY_CONTROLLER.into(), "yes".into());
        dirty = true;
    }
    dirty.then_some(clone)
}

/// PreBind's API writes (`bindAPIUpdate`): PV claimRefs, then `selected-node` on the claims to
/// provision. Writes that would change nothing are skipped.
pub(crate) fn bind_api_update(
    client: &mut impl Client,
    volumes: &PodVolumes,
    node: &str,
) -> Result<(), ApiError> {
    for (pv_name, claim) in &volumes.static_bindings {
        let pv = persistent_volume(client.read(), pv_name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(Kind::PersistentVolume, pv_name))?;
        let claim = client
            .read()
            .try_get(&claim.key())
            .cloned()
            .unwrap_or_else(|| claim.clone());
        if let Some(updated) = bind_volume_to_claim(&pv, &claim) {
            client.update(Object::PersistentVolume(updated))?;
        }
    }
    for claim in &volumes.provisions {
        let Some(current) = client.read().try_get(&claim.key()).cloned() else {
            return Err(ApiError::not_found(
                Kind::PersistentVolumeClaim,
                claim.name(),
            ));
        };
        if annotation(&current, ANN_SELECTED_NODE) == Some(node) {
            continue;
        }
        let mut obj = (*current).clone();
        obj.meta_mut()
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(ANN_SELECTED_NODE.into(), node.into());
        client.update(obj)?;
    }
    Ok(())
}

/// PreBind's poll (`checkBindings`): `Ok(true)` when every claim is fully bound, `Ok(false)` to
/// keep waiting, `Err` when binding must be retried from scratch.
pub(crate) fn check_bindings(
    api: &ApiServer,
    volumes: &PodVolumes,
    node_name: &str,
) -> Result<bool, String> {
    let node_labels = match api.try_get(&ObjectKey::cluster(Kind::Node, node_name)) {
        Some(n) => n.labels().clone(),
        None => {
            return Err(format!(
                "failed to get node \"{node_name}\": node \"{node_name}\" not found"
            ));
        }
    };
    let mut done = true;
    for (pv_name, claim) in &volumes.static_bindings {
        let Some(pv) = persistent_volume(api, pv_name) else {
            return Err(format!(
                "failed to check binding: PersistentVolume \"{pv_name}\" not found"
            ));
        };
        let Some(current) = api.try_get(&claim.key()) else {
            return Err(format!(
                "failed to check binding: PersistentVolumeClaim \"{}/{}\" not found",
                claim.namespace(),
                claim.name()
            ));
        };
        if !pv_node_affinity_matches(pv, &node_labels) {
            return Err(format!(
                "pv \"{pv_name}\" node affinity doesn't match node \"{node_name}\": no matching NodeSelectorTerms"
            ));
        }
        let reset = pv
            .spec
            .as_ref()
            .and_then(|s| s.claim_ref.as_ref())
            .is_none_or(|r| r.uid.as_deref().unwrap_or_default().is_empty());
        if reset {
            return Err(format!("ClaimRef got reset for pv \"{pv_name}\""));
        }
        if !fully_bound(current) {
            done = false;
        }
    }
    for claim in &volumes.provisions {
        let Some(current) = api.try_get(&claim.key()) else {
            return Err(format!(
                "failed to check provisioning pvc: PersistentVolumeClaim \"{}/{}\" not found",
                claim.namespace(),
                claim.name()
            ));
        };
        if current
            .meta()
            .annotations
            .as_ref()
            .is_none_or(|a| a.is_empty())
        {
            return Err(format!(
                "selectedNode annotation reset for PVC \"{}\"",
                claim.name()
            ));
        }
        if annotation(current, ANN_SELECTED_NODE) != Some(node_name) {
            return Err(format!("provisioning failed for PVC \"{}\"", claim.name()));
        }
        let pv_name = volume_name(current);
        if !pv_name.is_empty() {
            let Some(pv) = persistent_volume(api, pv_name) else {
                done = false;
                continue;
            };
            if !pv_node_affinity_matches(pv, &node_labels) {
                return Err(format!(
                    "pv \"{pv_name}\" node affinity doesn't match node \"{node_name}\": no matching NodeSelectorTerms"
                ));
            }
        }
        if !fully_bound(current) {
            done = false;
        }
    }
    Ok(done)
}
