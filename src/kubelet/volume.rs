//! Volumes on the node (spec K14–K15): what must hold before a pod's sandbox is created, and
//! how the kubelet (volume manager) and the attach/detach controller word it when it does
//! not.
//!
//! - A claim must exist and be Bound to an existing volume ("failed to process volumes").
//! - A volume with node affinity must allow this node (`MountVolume.NodeAffinity check
//!   failed`): a node-local volume of another node keeps the pod in ContainerCreating.
//! - An attachable volume (CSI, cloud disks) that is exclusive (no RWX/ROX) and attached to
//!   another node cannot attach here: Warning `FailedAttachVolume` Multi-Attach.
//! - ConfigMaps and Secrets (also inside projected volumes) must exist unless optional.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    NodeSelectorRequirement, NodeSelectorTerm, PersistentVolume, Pod, Volume,
};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;

/// A volume that needs attaching to this node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Attach {
    /// The unique volume name (`kubernetes.io/csi/<driver>^<handle>`).
    pub unique: String,
    /// The PersistentVolume's name (how events name it).
    pub pv: String,
}

/// Why volumes are not ready, and what to say about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Blocked {
    /// Pod volume names not mounted.
    pub unmounted: Vec<String>,
    /// Pod volume names waiting for attach.
    pub unattached: Vec<String>,
    /// Pod volume names the volume manager could not process (claim problems).
    pub unprocessed: Vec<String>,
    /// The claim-processing errors, joined as the volume manager joins them.
    pub process_errors: Vec<String>,
    /// Per-volume `FailedMount` messages from mount attempts.
    pub setup_errors: Vec<String>,
    /// `FailedAttachVolume` messages (from the attach/detach controller).
    pub attach_errors: Vec<String>,
    /// Objects whose change may unblock the pod.
    pub waits_on: Vec<ObjectKey>,
}

/// The outcome of checking a pod's volumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Check {
    /// All volumes can be mounted once these are attached.
    Ready(Vec<Attach>),
    /// Not yet.
    Blocked(Blocked),
}

/// The unique name under which an attachable volume is attached, or `None` for volumes that
/// need no attach (hostPath, local, NFS...).
pub(super) fn attachable_name(pv: &PersistentVolume) -> Option<String> {
    let spec = pv.spec.as_ref()?;
    if let Some(csi) = &spec.csi {
        return Some(format!(
            "kubernetes.io/csi/{}^{}",
            csi.driver, csi.volume_handle
        ));
    }
    if let Some(g) = &spec.gce_persistent_disk {
        return Some(format!("kubernetes.io/gce-pd/{}", g.pd_name));
    }
    if let Some(a) = &spec.aws_elastic_block_store {
        return Some(format!("kubernetes.io/aws-ebs/{}", a.volume_id));
    }
    if let Some(a) = &spec.azure_disk {
        return Some(format!("kubernetes.io/azure-disk/{}", a.disk_uri));
    }
    if let Some(c) = &spec.cinder {
        return Some(format!("kubernetes.io/cinder/{}", c.volume_id));
    }
    None
}

/// True when at most one node may attach the volume (no ReadWriteMany/ReadOnlyMany).
fn is_exclusive(pv: &PersistentVolume) -> bool {
    !pv.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_ref())
        .is_some_and(|m| {
            m.iter()
                .any(|x| x == "ReadWriteMany" || x == "ReadOnlyMany")
        })
}

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&String>) -> bool {
    let values = r.values.as_deref().unwrap_or(&[]);
    match r.operator.as_str() {
        "In" => value.is_some_and(|v| values.contains(v)),
        "NotIn" => value.is_none_or(|v| !values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                value.and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|b| b.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if r.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

fn term_matches(
    term: &NodeSelectorTerm,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or(&[]);
    let fields = term.match_fields.as_deref().unwrap_or(&[]);
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    let name = node_name.to_string();
    exprs
        .iter()
        .all(|r| requirement_matches(r, labels.get(&r.key)))
        && fields
            .iter()
            .all(|r| r.key == "metadata.name" && requirement_matches(r, Some(&name)))
}

/// True when the volume's required node affinity allows the node.
pub(super) fn node_affinity_allows(
    pv: &PersistentVolume,
    node_name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    let Some(required) = pv
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
    else {
        return true;
    };
    required
        .node_selector_terms
        .iter()
        .any(|t| term_matches(t, node_name, labels))
}

/// The nodes (other than `me`) that report `unique` in `status.volumesAttached`.
fn attached_elsewhere(api: &ApiServer, unique: &str, me: &str) -> Vec<String> {
    api.iter_kind(Kind::Node, None)
        .filter(|n| n.name() != me)
        .filter(|n| match &***n {
            Object::Node(node) => node
                .status
                .as_ref()
                .and_then(|s| s.volumes_attached.as_ref())
                .is_some_and(|v| v.iter().any(|a| a.name == unique)),
            _ => false,
        })
        .map(|n| n.name().to_string())
        .collect()
}

/// Pods in `namespace` on one of `nodes` that use claim `claim` (for the Multi-Attach
/// message; only computed when a pod is blocked).
fn pods_using_claim(
    api: &ApiServer,
    namespace: &str,
    claim: &str,
    nodes: &[String],
) -> Vec<String> {
    api.iter_kind(Kind::Pod, Some(namespace))
        .filter_map(|p| match &**p {
            Object::Pod(pod) => Some(pod),
            _ => None,
        })
        .filter(|pod| {
            let spec = pod.spec.as_ref();
            spec.and_then(|s| s.node_name.as_ref())
                .is_some_and(|n| nodes.contains(n))
                && spec.and_then(|s| s.volumes.as_ref()).is_some_and(|vols| {
                    vols.iter().any(|v| {
                        v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|c| c.claim_name == claim)
                    })
                })
        })
        .map(|pod| pod.metadata.name.clone().unwrap_or_default())
        .collect()
}

fn config_missing(api: &ApiServer, kind: Kind, namespace: &str, name: &str) -> Option<String> {
    let key = ObjectKey::new(kind, namespace, name);
    if api.try_get(&key).is_some() {
        return None;
    }
    let what = if kind == Kind::ConfigMap {
        "configmap"
    } else {
        "secret"
    };
    Some(format!("{what} \"{name}\" not found"))
}

/// Checks every volume of `pod` for node `node_name` (with `labels`). `attached_here` are
/// the unique names already attached to this node.
pub(super) fn check(
    api: &ApiServer,
    pod: &Pod,
    node_name: &str,
    labels: &BTreeMap<String, String>,
    attached_here: &dyn Fn(&str) -> bool,
) -> Check {
    let namespace = pod.metadata.namespace.clone().unwrap_or_default();
    let volumes: &[Volume] = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_deref())
        .unwrap_or(&[]);
    let mut blocked = Blocked::default();
    let mut attach = Vec::new();
    for v in volumes {
        if let Some(pvc) = &v.persistent_volume_claim {
            let claim_key =
                ObjectKey::new(Kind::PersistentVolumeClaim, &namespace, &pvc.claim_name);
            let claim = match api.try_get(&claim_key).map(|o| &**o) {
                Some(Object::PersistentVolumeClaim(c)) => c,
                _ => {
                    blocked.unmounted.push(v.name.clone());
                    blocked.unprocessed.push(v.name.clone());
                    blocked.process_errors.push(format!(
                        "error processing PVC {namespace}/{}: failed to fetch PVC from API server: persistentvolumeclaims \"{}\" not found",
                        pvc.claim_name, pvc.claim_name
                    ));
                    blocked.waits_on.push(claim_key);
                    continue;
                }
            };
            let bound = claim.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound");
            let volume_name = claim
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.clone())
                .unwrap_or_default();
            if !bound || volume_name.is_empty() {
                blocked.unmounted.push(v.name.clone());
                blocked.unprocessed.push(v.name.clone());
                blocked.process_errors.push(format!(
                    "error processing PVC {namespace}/{}: PVC is not bound",
                    pvc.claim_name
                ));
                blocked.waits_on.push(claim_key);
                continue;
            }
            let pv_key = ObjectKey::cluster(Kind::PersistentVolume, &volume_name);
            let pv = match api.try_get(&pv_key).map(|o| &**o) {
                Some(Object::PersistentVolume(pv)) => pv,
                _ => {
                    blocked.unmounted.push(v.name.clone());
                    blocked.unprocessed.push(v.name.clone());
                    blocked.process_errors.push(format!(
                        "error processing PVC {namespace}/{}: failed to fetch PV {volume_name} from API server: persistentvolumes \"{volume_name}\" not found",
                        pvc.claim_name
                    ));
                    blocked.waits_on.push(pv_key);
                    continue;
                }
            };
            if !node_affinity_allows(pv, node_name, labels) {
                blocked.unmounted.push(v.name.clone());
                blocked.setup_errors.push(format!(
                    "MountVolume.NodeAffinity check failed for volume \"{volume_name}\" : no matching NodeSelectorTerms"
                ));
                blocked.waits_on.push(pv_key);
                continue;
            }
            if let Some(unique) = attachable_name(pv)
                && !attached_here(&unique)
            {
                let elsewhere = if is_exclusive(pv) {
                    attached_elsewhere(api, &unique, node_name)
                } else {
                    vec![]
                };
                if !elsewhere.is_empty() {
                    blocked.unmounted.push(v.name.clone());
                    blocked.unattached.push(v.name.clone());
                    let users = pods_using_claim(api, &namespace, &pvc.claim_name, &elsewhere);
                    blocked.attach_errors.push(if users.is_empty() {
                        format!(
                            "Multi-Attach error for volume \"{volume_name}\" Volume is already exclusively attached to one node and can't be attached to another"
                        )
                    } else {
                        format!(
                            "Multi-Attach error for volume \"{volume_name}\" Volume is already used by pod(s) {}",
                            users.join(", ")
                        )
                    });
                    continue;
                }
                attach.push(Attach {
                    unique,
                    pv: volume_name,
                });
            }
            continue;
        }
        let mut refs: Vec<(Kind, String)> = Vec::new();
        if let Some(cm) = &v.config_map
            && cm.optional != Some(true)
        {
            refs.push((Kind::ConfigMap, cm.name.clone()));
        }
        if let Some(s) = &v.secret
            && s.optional != Some(true)
        {
            refs.push((Kind::Secret, s.secret_name.clone().unwrap_or_default()));
        }
        if let Some(p) = &v.projected {
            for src in p.sources.iter().flatten() {
                if let Some(cm) = &src.config_map
                    && cm.optional != Some(true)
                {
                    refs.push((Kind::ConfigMap, cm.name.clone()));
                }
                if let Some(s) = &src.secret
                    && s.optional != Some(true)
                {
                    refs.push((Kind::Secret, s.name.clone()));
                }
            }
        }
        for (kind, name) in refs {
            if let Some(err) = config_missing(api, kind, &namespace, &name) {
                if !blocked.unmounted.contains(&v.name) {
                    blocked.unmounted.push(v.name.clone());
                }
                blocked.setup_errors.push(format!(
                    "MountVolume.SetUp failed for volume \"{}\" : {err}",
                    v.name
                ));
                blocked
                    .waits_on
                    .push(ObjectKey::new(kind, &namespace, &name));
            }
        }
    }
    if blocked.unmounted.is_empty() {
        Check::Ready(attach)
    } else {
        Check::Blocked(blocked)
    }
}

impl Blocked {
    /// `Unable to attach or mount volumes: unmounted volumes=[...], unattached volumes=[...],
    /// failed to process volumes=[...]: <why>`.
    pub fn summary(&self, why: &str) -> String {
        format!(
            "Unable to attach or mount volumes: unmounted volumes=[{}], unattached volumes=[{}], failed to process volumes=[{}]: {why}",
            self.unmounted.join(" "),
            self.unattached.join(" "),
            self.unprocessed.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pv(v: serde_json::Value) -> PersistentVolume {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn node_affinity_terms_are_ored_and_expressions_anded() {
        let local = pv(
            json!({"metadata": {"name": "pv"}, "spec": {"nodeAffinity": {"required": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]}]},
                {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]},
                                      {"key": "disk", "operator": "Exists"}]}]}}}}),
        );
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(node_affinity_allows(
            &local,
            "kind-worker",
            &labels(&[("kubernetes.io/hostname", "kind-worker")])
        ));
        assert!(!node_affinity_allows(
            &local,
            "kind-worker2",
            &labels(&[("kubernetes.io/hostname", "kind-worker2")])
        ));
        assert!(node_affinity_allows(
            &local,
            "n",
            &labels(&[("zone", "a"), ("disk", "ssd")])
        ));
        assert!(!node_affinity_allows(
            &local,
            "n",
            &labels(&[("zone", "a")])
        ));
        assert!(node_affinity_allows(
            &pv(json!({"metadata": {"name": "x"}, "spec": {}})),
            "n",
            &BTreeMap::new()
        ));
    }

    #[test]
    fn only_disk_like_volumes_attach_and_only_exclusive_ones_conflict() {
        let csi = pv(json!({"metadata": {"name": "pv"}, "spec": {
            "accessModes": ["ReadWriteOnce"],
            "csi": {"driver": "pd.csi.storage.gke.io", "volumeHandle": "projects/p/disks/d"}}}));
        assert_eq!(
            attachable_name(&csi).as_deref(),
            Some("kubernetes.io/csi/pd.csi.storage.gke.io^projects/p/disks/d")
        );
        assert!(is_exclusive(&csi));
        let host = pv(json!({"metadata": {"name": "pv"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/x"}}}));
        assert_eq!(attachable_name(&host), None);
        let rwx = pv(json!({"metadata": {"name": "pv"}, "spec": {
            "accessModes": ["ReadWriteMany"], "csi": {"driver": "d", "volumeHandle": "h"}}}));
        assert!(!is_exclusive(&rwx));
    }
}
