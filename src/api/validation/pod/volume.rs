//! Pod volumes (`ValidateVolumes`, `validateVolumeSource` and the per-source validators) and
//! the downward-API selectors that volumes and env vars share.
//!
//! Upstream quirks kept on purpose, since they show in error paths: a `gcePersistentDisk` is
//! validated under `persistentDisk`, a `cephfs` counted as `cephFS`, a second source next to a
//! `downwardAPI` is reported at `downwarAPI`, downward-API items are reported at the source
//! (not at `items[i]`), and a projected token's missing path at `projected.path`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    DownwardAPIVolumeFile, HostPathVolumeSource, KeyToPath, NFSVolumeSource, ObjectFieldSelector,
    ResourceFieldSelector, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::util::{
    FILE_MODE_ERROR_MSG, validate_local_descending_path, validate_local_non_reserved_path,
};
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::validation::meta::{json_str, json_string_slice, name_is_dns_subdomain, too_long};
use crate::api::validation::util::{
    is_config_map_key, quantity, s, sl, validate_dns1123_label, validate_path_no_backsteps,
    validate_qualified_name,
};

/// Env var `fieldRef.fieldPath` values (`validEnvDownwardAPIFieldPathExpressions`), sorted.
pub(super) const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Volume `fieldRef.fieldPath` values (`validVolumeDownwardAPIFieldPathExpressions`), sorted.
const VOLUME_FIELD_PATHS: [&str; 5] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
];

/// `validContainerResourceFieldPathExpressions`, sorted.
const RESOURCE_FIELD_PATHS: [&str; 6] = [
    "limits.cpu",
    "limits.ephemeral-storage",
    "limits.memory",
    "requests.cpu",
    "requests.ephemeral-storage",
    "requests.memory",
];

/// Supported `hostPath.type` values (`supportedHostPathTypes`), sorted; `""` is `HostPathUnset`.
const HOST_PATH_TYPES: [&str; 8] = [
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
];

/// Memory-like divisors (`validContainerResourceDivisorForMemory` and friends).
const BYTE_DIVISORS: [&str; 13] = [
    "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei",
];

/// `fieldRef` and `resourceFieldRef` rules shared by env vars and volumes.
const MORE_THAN_ONE_VOLUME_TYPE: &str = "may not specify more than 1 volume type";

/// `validateFileMode`-style check shared by every `mode` and `defaultMode`.
fn validate_mode(mode: Option<i32>, path: &Path) -> Vec<FieldError> {
    match mode {
        Some(m) if !(0..=0o777).contains(&m) => {
            vec![FieldError::invalid(path, m, FILE_MODE_ERROR_MSG)]
        }
        _ => vec![],
    }
}

/// `ValidateVolumes`: each volume's source, then its name (required, a DNS label, unique).
/// Returns the volumes that validated cleanly, by name, for the mount checks: a mount of a
/// volume with errors is `Not found`, as upstream reports it.
pub(super) fn validate_volumes<'a>(
    volumes: &'a [Volume],
    pod_meta: Option<&ObjectMeta>,
    path: &Path,
    is_pod: bool,
) -> (BTreeMap<String, &'a Volume>, Vec<FieldError>) {
    let mut errs = vec![];
    let mut all_names = BTreeSet::new();
    let pod_name = pod_meta.and_then(|m| m.name.as_deref()).unwrap_or("");
    let created_claims: BTreeSet<String> = if pod_name.is_empty() {
        BTreeSet::new()
    } else {
        volumes
            .iter()
            .filter(|v| v.ephemeral.is_some())
            .map(|v| format!("{pod_name}-{}", v.name))
            .collect()
    };
    let mut vols = BTreeMap::new();
    for (i, vol) in volumes.iter().enumerate() {
        let idx_path = path.index(i);
        let name_path = idx_path.child("name");
        let mut el = validate_volume_source(vol, &idx_path, pod_name, is_pod);
        if vol.name.is_empty() {
            el.push(FieldError::required(&name_path, ""));
        } else {
            el.extend(validate_dns1123_label(&vol.name, &name_path));
        }
        if all_names.contains(&vol.name) {
            el.push(FieldError::duplicate(&name_path, vol.name.as_str()));
        }
        if el.is_empty() {
            all_names.insert(vol.name.clone());
            vols.insert(vol.name.clone(), vol);
        } else {
            errs.extend(el);
        }
        if let Some(claim) = &vol.persistent_volume_claim
            && created_claims.contains(&claim.claim_name)
        {
            errs.push(FieldError::invalid(
                &idx_path.child("persistentVolumeClaim").child("claimName"),
                claim.claim_name.as_str(),
                "must not reference a PVC that gets created for an ephemeral volume",
            ));
        }
    }
    (vols, errs)
}

/// Counts one more volume source at `name`: the first is validated, any later one is
/// `Forbidden: may not specify more than 1 volume type`.
struct SourceCounter {
    count: usize,
}

impl SourceCounter {
    fn add(
        &mut self,
        errs: &mut Vec<FieldError>,
        reported_at: Path,
        validate: impl FnOnce() -> Vec<FieldError>,
    ) {
        if self.count > 0 {
            errs.push(FieldError::forbidden(
                &reported_at,
                MORE_THAN_ONE_VOLUME_TYPE,
            ));
        } else {
            self.count += 1;
            errs.extend(validate());
        }
    }
}

/// `validateVolumeSource`: exactly one source, each validated by its own rules, in upstream's
/// order.
fn validate_volume_source(
    vol: &Volume,
    path: &Path,
    pod_name: &str,
    is_pod: bool,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut n = SourceCounter { count: 0 };
    if let Some(empty_dir) = &vol.empty_dir {
        n.count += 1;
        if let Some(q) = empty_dir.size_limit.as_ref().and_then(quantity)
            && q.sign() < 0
        {
            errs.push(FieldError::forbidden(
                &path.child("emptyDir").child("sizeLimit"),
                "SizeLimit field must be a valid resource quantity",
            ));
        }
    }
    if let Some(host_path) = &vol.host_path {
        n.add(&mut errs, path.child("hostPath"), || {
            validate_host_path(host_path, &path.child("hostPath"))
        });
    }
    if let Some(git) = &vol.git_repo {
        n.add(&mut errs, path.child("gitRepo"), || {
            let p = path.child("gitRepo");
            let mut e = vec![];
            if git.repository.is_empty() {
                e.push(FieldError::required(&p.child("repository"), ""));
            }
            e.extend(validate_local_descending_path(
                s(&git.directory),
                &p.child("directory"),
            ));
            e
        });
    }
    if let Some(pd) = &vol.gce_persistent_disk {
        n.add(&mut errs, path.child("gcePersistentDisk"), || {
            // Upstream validates this source under `persistentDisk`.
            let p = path.child("persistentDisk");
            let mut e = vec![];
            if pd.pd_name.is_empty() {
                e.push(FieldError::required(&p.child("pdName"), ""));
            }
            e.extend(validate_partition(
                pd.partition.unwrap_or(0),
                &p.child("partition"),
            ));
            e
        });
    }
    if let Some(ebs) = &vol.aws_elastic_block_store {
        n.add(&mut errs, path.child("awsElasticBlockStore"), || {
            let p = path.child("awsElasticBlockStore");
            let mut e = vec![];
            if ebs.volume_id.is_empty() {
                e.push(FieldError::required(&p.child("volumeID"), ""));
            }
            e.extend(validate_partition(
                ebs.partition.unwrap_or(0),
                &p.child("partition"),
            ));
            e
        });
    }
    if let Some(secret) = &vol.secret {
        n.add(&mut errs, path.child("secret"), || {
            let p = path.child("secret");
            let mut e = vec![];
            if s(&secret.secret_name).is_empty() {
                e.push(FieldError::required(&p.child("secretName"), ""));
            }
            e.extend(validate_mode(secret.default_mode, &p.child("defaultMode")));
            for (i, kp) in sl(&secret.items).iter().enumerate() {
                e.extend(validate_key_to_path(kp, &p.child("items").index(i)));
            }
            e
        });
    }
    if let Some(nfs) = &vol.nfs {
        n.add(&mut errs, path.child("nfs"), || {
            validate_nfs(nfs, &path.child("nfs"))
        });
    }
    if let Some(iscsi) = &vol.iscsi {
        n.add(&mut errs, path.child("iscsi"), || {
            validate_iscsi(iscsi, &path.child("iscsi"))
        });
        if iscsi.initiator_name.is_some() && vol.name.len() + 1 + iscsi.target_portal.len() > 64 {
            errs.push(FieldError::invalid(
                &path.child("name"),
                vol.name.as_str(),
                "Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.",
            ));
        }
    }
    if let Some(gfs) = &vol.glusterfs {
        n.add(&mut errs, path.child("glusterfs"), || {
            let p = path.child("glusterfs");
            let mut e = vec![];
            if gfs.endpoints.is_empty() {
                e.push(FieldError::required(&p.child("endpoints"), ""));
            }
            if gfs.path.is_empty() {
                e.push(FieldError::required(&p.child("path"), ""));
            }
            e
        });
    }
    if let Some(flocker) = &vol.flocker {
        n.add(&mut errs, path.child("flocker"), || {
            let p = path.child("flocker");
            let (name, uuid) = (s(&flocker.dataset_name), s(&flocker.dataset_uuid));
            let mut e = vec![];
            if name.is_empty() && uuid.is_empty() {
                e.push(FieldError::required(
                    &p,
                    "one of datasetName and datasetUUID is required",
                ));
            }
            if !name.is_empty() && !uuid.is_empty() {
                e.push(FieldError::invalid(
                    &p,
                    "resource",
                    "datasetName and datasetUUID can not be specified simultaneously",
                ));
            }
            if name.contains('/') {
                e.push(FieldError::invalid(
                    &p.child("datasetName"),
                    name,
                    "must not contain '/'",
                ));
            }
            e
        });
    }
    if let Some(claim) = &vol.persistent_volume_claim {
        n.add(&mut errs, path.child("persistentVolumeClaim"), || {
            if claim.claim_name.is_empty() {
                vec![FieldError::required(
                    &path.child("persistentVolumeClaim").child("claimName"),
                    "",
                )]
            } else {
                vec![]
            }
        });
    }
    if let Some(rbd) = &vol.rbd {
        n.add(&mut errs, path.child("rbd"), || {
            let p = path.child("rbd");
            let mut e = vec![];
            if rbd.monitors.is_empty() {
                e.push(FieldError::required(&p.child("monitors"), ""));
            }
            if rbd.image.is_empty() {
                e.push(FieldError::required(&p.child("image"), ""));
            }
            e
        });
    }
    if let Some(cinder) = &vol.cinder {
        n.add(&mut errs, path.child("cinder"), || {
            let p = path.child("cinder");
            let mut e = vec![];
            if cinder.volume_id.is_empty() {
                e.push(FieldError::required(&p.child("volumeID"), ""));
            }
            if cinder
                .secret_ref
                .as_ref()
                .is_some_and(|r| r.name.is_empty())
            {
                e.push(FieldError::required(
                    &p.child("secretRef").child("name"),
                    "",
                ));
            }
            e
        });
    }
    if let Some(cephfs) = &vol.cephfs {
        // Counted as `cephFS`, validated as `cephfs`.
        n.add(&mut errs, path.child("cephFS"), || {
            if cephfs.monitors.is_empty() {
                vec![FieldError::required(
                    &path.child("cephfs").child("monitors"),
                    "",
                )]
            } else {
                vec![]
            }
        });
    }
    if let Some(quobyte) = &vol.quobyte {
        n.add(&mut errs, path.child("quobyte"), || {
            validate_quobyte(quobyte, &path.child("quobyte"))
        });
    }
    if let Some(downward) = &vol.downward_api {
        // Upstream misspells the path of the "more than 1" error.
        n.add(&mut errs, path.child("downwarAPI"), || {
            let p = path.child("downwardAPI");
            let mut e = validate_mode(downward.default_mode, &p.child("defaultMode"));
            for file in sl(&downward.items) {
                e.extend(validate_downward_api_volume_file(file, &p));
            }
            e
        });
    }
    if let Some(fc) = &vol.fc {
        n.add(&mut errs, path.child("fc"), || {
            let p = path.child("fc");
            let (wwns, wwids) = (sl(&fc.target_wwns), sl(&fc.wwids));
            let mut e = vec![];
            if wwns.is_empty() && wwids.is_empty() {
                e.push(FieldError::required(
                    &p.child("targetWWNs"),
                    "must specify either targetWWNs or wwids, but not both",
                ));
            }
            if !wwns.is_empty() && !wwids.is_empty() {
                e.push(FieldError::invalid(
                    &p.child("targetWWNs"),
                    BadValue::Go(json_string_slice(fc.target_wwns.as_deref())),
                    "targetWWNs and wwids can not be specified simultaneously",
                ));
            }
            if !wwns.is_empty() {
                match fc.lun {
                    None => e.push(FieldError::required(
                        &p.child("lun"),
                        "lun is required if targetWWNs is specified",
                    )),
                    Some(lun) if !(0..=255).contains(&lun) => e.push(FieldError::invalid(
                        &p.child("lun"),
                        lun,
                        names::inclusive_range_error(0, 255),
                    )),
                    Some(_) => {}
                }
            }
            e
        });
    }
    if let Some(flex) = &vol.flex_volume {
        n.add(&mut errs, path.child("flexVolume"), || {
            let p = path.child("flexVolume");
            let mut e = vec![];
            if flex.driver.is_empty() {
                e.push(FieldError::required(&p.child("driver"), ""));
            }
            for k in flex.options.iter().flatten().map(|(k, _)| k) {
                let namespace = k.split_once('/').map_or(k.as_str(), |(ns, _)| ns);
                let normalized = format!(".{}", namespace.to_lowercase());
                if normalized.ends_with(".kubernetes.io") || normalized.ends_with(".k8s.io") {
                    e.push(FieldError::invalid(
                        &p.child("options").key(k),
                        k.as_str(),
                        "kubernetes.io and k8s.io namespaces are reserved",
                    ));
                }
            }
            e
        });
    }
    if let Some(cm) = &vol.config_map {
        n.add(&mut errs, path.child("configMap"), || {
            let p = path.child("configMap");
            let mut e = vec![];
            if cm.name.is_empty() {
                e.push(FieldError::required(&p.child("name"), ""));
            }
            e.extend(validate_mode(cm.default_mode, &p.child("defaultMode")));
            for (i, kp) in sl(&cm.items).iter().enumerate() {
                e.extend(validate_key_to_path(kp, &p.child("items").index(i)));
            }
            e
        });
    }
    if let Some(af) = &vol.azure_file {
        n.add(&mut errs, path.child("azureFile"), || {
            let p = path.child("azureFile");
            let mut e = vec![];
            if af.secret_name.is_empty() {
                e.push(FieldError::required(&p.child("secretName"), ""));
            }
            if af.share_name.is_empty() {
                e.push(FieldError::required(&p.child("shareName"), ""));
            }
            e
        });
    }
    if let Some(vs) = &vol.vsphere_volume {
        n.add(&mut errs, path.child("vsphereVolume"), || {
            required_if_empty(
                &vs.volume_path,
                &path.child("vsphereVolume").child("volumePath"),
            )
        });
    }
    if let Some(photon) = &vol.photon_persistent_disk {
        n.add(&mut errs, path.child("photonPersistentDisk"), || {
            required_if_empty(
                &photon.pd_id,
                &path.child("photonPersistentDisk").child("pdID"),
            )
        });
    }
    if let Some(pwx) = &vol.portworx_volume {
        n.add(&mut errs, path.child("portworxVolume"), || {
            required_if_empty(
                &pwx.volume_id,
                &path.child("portworxVolume").child("volumeID"),
            )
        });
    }
    if let Some(disk) = &vol.azure_disk {
        n.add(&mut errs, path.child("azureDisk"), || {
            validate_azure_disk(disk, &path.child("azureDisk"))
        });
    }
    if let Some(sos) = &vol.storageos {
        n.add(&mut errs, path.child("storageos"), || {
            let p = path.child("storageos");
            let mut e = vec![];
            let volume_name = s(&sos.volume_name);
            if volume_name.is_empty() {
                e.push(FieldError::required(&p.child("volumeName"), ""));
            } else {
                e.extend(validate_dns1123_label(volume_name, &p.child("volumeName")));
            }
            let namespace = s(&sos.volume_namespace);
            if !namespace.is_empty() {
                e.extend(validate_dns1123_label(
                    namespace,
                    &p.child("volumeNamespace"),
                ));
            }
            if sos.secret_ref.as_ref().is_some_and(|r| r.name.is_empty()) {
                e.push(FieldError::required(
                    &p.child("secretRef").child("name"),
                    "",
                ));
            }
            e
        });
    }
    if let Some(projected) = &vol.projected {
        n.add(&mut errs, path.child("projected"), || {
            let p = path.child("projected");
            let mut e = validate_mode(projected.default_mode, &p.child("defaultMode"));
            e.extend(validate_projection_sources(projected, &p));
            e
        });
    }
    if let Some(sio) = &vol.scale_io {
        n.add(&mut errs, path.child("scaleIO"), || {
            let p = path.child("scaleIO");
            let mut e = vec![];
            if sio.gateway.is_empty() {
                e.push(FieldError::required(&p.child("gateway"), ""));
            }
            if sio.system.is_empty() {
                e.push(FieldError::required(&p.child("system"), ""));
            }
            if s(&sio.volume_name).is_empty() {
                e.push(FieldError::required(&p.child("volumeName"), ""));
            }
            e
        });
    }
    if let Some(csi) = &vol.csi {
        n.add(&mut errs, path.child("csi"), || {
            let p = path.child("csi");
            let mut e = validate_csi_driver_name(&csi.driver, &p.child("driver"));
            if let Some(secret_ref) = &csi.node_publish_secret_ref {
                if secret_ref.name.is_empty() {
                    e.push(FieldError::required(
                        &p.child("nodePublishSecretRef").child("name"),
                        "",
                    ));
                } else {
                    // Upstream reports an invalid secret name at `csi.name`.
                    for msg in name_is_dns_subdomain(&secret_ref.name, false) {
                        e.push(FieldError::invalid(
                            &p.child("name"),
                            secret_ref.name.as_str(),
                            msg,
                        ));
                    }
                }
            }
            e
        });
    }
    if let Some(ephemeral) = &vol.ephemeral {
        n.add(&mut errs, path.child("ephemeral"), || {
            let p = path.child("ephemeral");
            let mut e = match &ephemeral.volume_claim_template {
                None => vec![FieldError::required(&p.child("volumeClaimTemplate"), "")],
                Some(template) => validate_claim_template_meta(
                    template.metadata.as_ref(),
                    &p.child("volumeClaimTemplate").child("metadata"),
                ),
            };
            if !pod_name.is_empty() && !vol.name.is_empty() {
                let claim_name = format!("{pod_name}-{}", vol.name);
                for msg in name_is_dns_subdomain(&claim_name, false) {
                    e.push(FieldError::invalid(
                        &path.child("name"),
                        vol.name.as_str(),
                        format!(
                            "PVC name {}: {msg}",
                            crate::api::field::go_quote(&claim_name)
                        ),
                    ));
                }
            }
            e
        });
    }
    if let Some(image) = &vol.image {
        n.add(&mut errs, path.child("image"), || {
            let p = path.child("image");
            let mut e = vec![];
            if is_pod && s(&image.reference).is_empty() {
                e.push(FieldError::required(&p.child("reference"), ""));
            }
            e.extend(super::container::validate_pull_policy(
                s(&image.pull_policy),
                &p.child("pullPolicy"),
            ));
            e
        });
    }
    if n.count == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    errs
}

/// `validateHostPathVolumeSource` (pod volumes and PersistentVolumes): the path required and
/// without `..`, the type a supported one.
pub(in crate::api::validation) fn validate_host_path(
    host_path: &HostPathVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    if host_path.path.is_empty() {
        return vec![FieldError::required(&path.child("path"), "")];
    }
    let mut errs = validate_path_no_backsteps(&host_path.path, &path.child("path"));
    if let Some(t) = &host_path.type_
        && !HOST_PATH_TYPES.contains(&t.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("type"),
            json_str(t),
            &HOST_PATH_TYPES,
        ));
    }
    errs
}

/// `validateNFSVolumeSource` (pod volumes and PersistentVolumes): server and an absolute path.
pub(in crate::api::validation) fn validate_nfs(
    nfs: &NFSVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if nfs.server.is_empty() {
        errs.push(FieldError::required(&path.child("server"), ""));
    }
    if nfs.path.is_empty() {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    if !nfs.path.starts_with('/') {
        errs.push(FieldError::invalid(
            &path.child("path"),
            nfs.path.as_str(),
            "must be an absolute path",
        ));
    }
    errs
}

/// A `Required` error when `value` is empty.
fn required_if_empty(value: &str, path: &Path) -> Vec<FieldError> {
    if value.is_empty() {
        vec![FieldError::required(path, "")]
    } else {
        vec![]
    }
}

/// `pdPartitionErrorMsg`: a partition between 0 and 255 (the message says 1 to 255).
fn validate_partition(partition: i32, path: &Path) -> Vec<FieldError> {
    if (0..=255).contains(&partition) {
        vec![]
    } else {
        vec![FieldError::invalid(
            path,
            partition,
            names::inclusive_range_error(1, 255),
        )]
    }
}

/// `ValidatePersistentVolumeClaimTemplate`'s metadata part (`ValidateTemplateObjectMeta`):
/// annotations, labels, and nothing else set. The claim spec rules belong to the
/// PersistentVolumeClaim validator and are not repeated here.
fn validate_claim_template_meta(meta: Option<&ObjectMeta>, path: &Path) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let mut errs = crate::api::validation::meta::validate_annotations(
        meta.and_then(|m| m.annotations.as_ref()).unwrap_or(&empty),
        &path.child("annotations"),
    );
    errs.extend(crate::api::validation::meta::validate_labels(
        meta.and_then(|m| m.labels.as_ref()).unwrap_or(&empty),
        &path.child("labels"),
    ));
    if let Some(m) = meta {
        let stripped = ObjectMeta {
            annotations: m.annotations.clone(),
            labels: m.labels.clone(),
            ..ObjectMeta::default()
        };
        if let (Ok(a), Ok(b)) = (serde_json::to_value(m), serde_json::to_value(&stripped)) {
            let (serde_json::Value::Object(a), serde_json::Value::Object(b)) = (a, b) else {
                return errs;
            };
            // Go struct order of ObjectMeta; the path is the Go field name with its first
            // letter lowercased (`uID`), as `validateFieldAllowList` builds it.
            for (json_name, field_name) in [
                ("name", "name"),
                ("generateName", "generateName"),
                ("namespace", "namespace"),
                ("selfLink", "selfLink"),
                ("uid", "uID"),
                ("resourceVersion", "resourceVersion"),
                ("generation", "generation"),
                ("creationTimestamp", "creationTimestamp"),
                ("deletionTimestamp", "deletionTimestamp"),
                ("deletionGracePeriodSeconds", "deletionGracePeriodSeconds"),
                ("ownerReferences", "ownerReferences"),
                ("finalizers", "finalizers"),
                ("managedFields", "managedFields"),
            ] {
                let set = a.get(json_name).is_some_and(|v| !is_zero_json(v));
                if set && b.get(json_name).is_none() {
                    errs.push(FieldError::forbidden(
                        &path.child(field_name),
                        "cannot be set",
                    ));
                }
            }
        }
    }
    errs
}

/// Go's zero value, as JSON: `null`, `""`, `0`, `false`, `[]`, `{}`.
fn is_zero_json(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// `validateKeyToPath`: key and path required, the path local and not reserved, the mode in
/// range.
fn validate_key_to_path(kp: &KeyToPath, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if kp.key.is_empty() {
        errs.push(FieldError::required(&path.child("key"), ""));
    }
    if kp.path.is_empty() {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(
        &kp.path,
        &path.child("path"),
    ));
    errs.extend(validate_mode(kp.mode, &path.child("mode")));
    errs
}

/// `validateDownwardAPIVolumeFile`: a path, exactly one of `fieldRef` and `resourceFieldRef`,
/// the mode. Errors name the volume source, not the item (upstream passes the source path).
fn validate_downward_api_volume_file(file: &DownwardAPIVolumeFile, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    if file.path.is_empty() {
        errs.push(FieldError::required(&path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(
        &file.path,
        &path.child("path"),
    ));
    if let Some(field_ref) = &file.field_ref {
        errs.extend(validate_object_field_selector(
            field_ref,
            &VOLUME_FIELD_PATHS,
            &path.child("fieldRef"),
        ));
        if file.resource_field_ref.is_some() {
            errs.push(FieldError::invalid(
                path,
                "resource",
                "fieldRef and resourceFieldRef can not be specified simultaneously",
            ));
        }
    } else if let Some(resource_ref) = &file.resource_field_ref {
        errs.extend(validate_container_resource_field_selector(
            resource_ref,
            &path.child("resourceFieldRef"),
            true,
        ));
    } else {
        errs.push(FieldError::required(
            path,
            "one of fieldRef and resourceFieldRef is required",
        ));
    }
    errs.extend(validate_mode(file.mode, &path.child("mode")));
    errs
}

/// `validateProjectionSources`: one source per entry, key/path rules, no two files at the
/// same path, token expiration between 10 minutes and 2^32 seconds.
fn validate_projection_sources(
    projection: &k8s_openapi::api::core::v1::ProjectedVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let mut all_paths = BTreeSet::new();
    for (i, source) in sl(&projection.sources).iter().enumerate() {
        let mut num_sources = 0;
        let src_path = path.child("sources").index(i);
        let mut key_to_paths =
            |items: &[KeyToPath], owner: &str, proj_path: &Path, errs: &mut Vec<FieldError>| {
                for (j, kp) in items.iter().enumerate() {
                    errs.extend(validate_key_to_path(kp, &proj_path.child("items").index(j)));
                    if !kp.path.is_empty() && !all_paths.insert(kp.path.clone()) {
                        errs.push(FieldError::invalid(
                            path,
                            owner,
                            "conflicting duplicate paths",
                        ));
                    }
                }
            };
        if let Some(secret) = &source.secret {
            num_sources += 1;
            let proj_path = src_path.child("secret");
            if secret.name.is_empty() {
                errs.push(FieldError::required(&proj_path.child("name"), ""));
            }
            key_to_paths(sl(&secret.items), &secret.name, &proj_path, &mut errs);
        }
        if let Some(cm) = &source.config_map {
            num_sources += 1;
            let proj_path = src_path.child("configMap");
            if cm.name.is_empty() {
                errs.push(FieldError::required(&proj_path.child("name"), ""));
            }
            key_to_paths(sl(&cm.items), &cm.name, &proj_path, &mut errs);
        }
        if let Some(downward) = &source.downward_api {
            num_sources += 1;
            let proj_path = src_path.child("downwardAPI");
            for file in sl(&downward.items) {
                errs.extend(validate_downward_api_volume_file(file, &proj_path));
                if !file.path.is_empty() && !all_paths.insert(file.path.clone()) {
                    errs.push(FieldError::invalid(
                        path,
                        file.path.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(token) = &source.service_account_token {
            num_sources += 1;
            let proj_path = src_path.child("serviceAccountToken");
            let expiration = token.expiration_seconds.unwrap_or(0);
            if expiration < 10 * 60 {
                errs.push(FieldError::invalid(
                    &proj_path.child("expirationSeconds"),
                    expiration,
                    "may not specify a duration less than 10 minutes",
                ));
            }
            if expiration > 1 << 32 {
                errs.push(FieldError::invalid(
                    &proj_path.child("expirationSeconds"),
                    expiration,
                    "may not specify a duration larger than 2^32 seconds",
                ));
            }
            if token.path.is_empty() {
                errs.push(FieldError::required(&path.child("path"), ""));
            } else {
                errs.extend(validate_local_non_reserved_path(
                    &token.path,
                    &path.child("path"),
                ));
            }
        }
        if num_sources > 1 {
            errs.push(FieldError::forbidden(
                &src_path,
                "may not specify more than 1 volume type per source",
            ));
        }
    }
    errs
}

/// `validateISCSIVolumeSource`.
fn validate_iscsi(
    iscsi: &k8s_openapi::api::core::v1::ISCSIVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if iscsi.target_portal.is_empty() {
        errs.push(FieldError::required(&path.child("targetPortal"), ""));
    }
    if iscsi.iqn.is_empty() {
        errs.push(FieldError::required(&path.child("iqn"), ""));
    } else if !has_iscsi_prefix(&iscsi.iqn) {
        errs.push(FieldError::invalid(
            &path.child("iqn"),
            iscsi.iqn.as_str(),
            "must be valid format starting with iqn, eui, or naa",
        ));
    } else if !iscsi_name_matches(&iscsi.iqn) {
        errs.push(FieldError::invalid(
            &path.child("iqn"),
            iscsi.iqn.as_str(),
            "must be valid format",
        ));
    }
    if !(0..=255).contains(&iscsi.lun) {
        errs.push(FieldError::invalid(
            &path.child("lun"),
            iscsi.lun,
            names::inclusive_range_error(0, 255),
        ));
    }
    let chap =
        iscsi.chap_auth_discovery.unwrap_or(false) || iscsi.chap_auth_session.unwrap_or(false);
    if chap && iscsi.secret_ref.is_none() {
        errs.push(FieldError::required(&path.child("secretRef"), ""));
    }
    if let Some(initiator) = &iscsi.initiator_name {
        if !has_iscsi_prefix(initiator) {
            errs.push(FieldError::invalid(
                &path.child("initiatorname"),
                initiator.as_str(),
                "must be valid format starting with iqn, eui, or naa",
            ));
        }
        if has_iscsi_prefix(initiator) && !iscsi_name_matches(initiator) {
            errs.push(FieldError::invalid(
                &path.child("initiatorname"),
                initiator.as_str(),
                "must be valid format",
            ));
        }
    }
    errs
}

fn has_iscsi_prefix(name: &str) -> bool {
    name.starts_with("iqn") || name.starts_with("eui") || name.starts_with("naa")
}

/// The iSCSI name regexes: `iqn\.\d{4}-\d{2}\.([[:alnum:]-.]+)(:[^,;*&$|\s]+)$` (unanchored
/// at the start), `^eui.[[:alnum:]]{16}$`, `^naa.[[:alnum:]]{32}$`.
fn iscsi_name_matches(name: &str) -> bool {
    let fixed = |prefix: &str, len: usize| {
        name.len() == prefix.len() + 1 + len
            && name.is_char_boundary(prefix.len() + 1)
            && name[prefix.len() + 1..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric())
    };
    if name.starts_with("eui") {
        return fixed("eui", 16);
    }
    if name.starts_with("naa") {
        return fixed("naa", 32);
    }
    let b = name.as_bytes();
    (0..b.len()).any(|start| {
        let rest = &b[start..];
        if !rest.starts_with(b"iqn.") || rest.len() < 12 {
            return false;
        }
        let date = &rest[4..12];
        let date_ok = date[..4].iter().all(u8::is_ascii_digit)
            && date[4] == b'-'
            && date[5..7].iter().all(u8::is_ascii_digit)
            && date[7] == b'.';
        if !date_ok {
            return false;
        }
        let tail = &rest[12..];
        let group = tail
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(**c, b'-' | b'.'))
            .count();
        if group == 0 || tail.get(group) != Some(&b':') {
            return false;
        }
        let after = &tail[group + 1..];
        !after.is_empty()
            && after.iter().all(|c| {
                !matches!(*c, b',' | b';' | b'*' | b'&' | b'$' | b'|') && !c.is_ascii_whitespace()
            })
    })
}

/// `validateQuobyteVolumeSource`.
fn validate_quobyte(
    q: &k8s_openapi::api::core::v1::QuobyteVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let host_port_msg = "must be a host:port pair or multiple pairs separated by commas";
    if q.registry.is_empty() {
        errs.push(FieldError::required(&path.child("registry"), host_port_msg));
    } else if s(&q.tenant).len() >= 65 {
        errs.push(FieldError::required(
            &path.child("tenant"),
            "must be a UUID and may not exceed a length of 64 characters",
        ));
    } else {
        for pair in q.registry.split(',') {
            if !is_host_port(pair) {
                errs.push(FieldError::invalid(
                    &path.child("registry"),
                    q.registry.as_str(),
                    host_port_msg,
                ));
            }
        }
    }
    if q.volume.is_empty() {
        errs.push(FieldError::required(&path.child("volume"), ""));
    }
    errs
}

/// `net.SplitHostPort` succeeds: `host:port` or `[v6]:port`.
fn is_host_port(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix('[') {
        return rest
            .split_once("]:")
            .is_some_and(|(host, port)| !host.contains(']') && !port.contains(':'));
    }
    s.matches(':').count() == 1 && !s.contains('[') && !s.contains(']')
}

/// `validateAzureDisk`.
fn validate_azure_disk(
    disk: &k8s_openapi::api::core::v1::AzureDiskVolumeSource,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if disk.disk_name.is_empty() {
        errs.push(FieldError::required(&path.child("diskName"), ""));
    }
    if disk.disk_uri.is_empty() {
        errs.push(FieldError::required(&path.child("diskURI"), ""));
    }
    let caching_modes = ["None", "ReadOnly", "ReadWrite"];
    if let Some(mode) = &disk.caching_mode
        && !caching_modes.contains(&mode.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("cachingMode"),
            json_str(mode),
            &caching_modes,
        ));
    }
    let kinds = ["Dedicated", "Managed", "Shared"];
    if let Some(kind) = &disk.kind {
        if !kinds.contains(&kind.as_str()) {
            errs.push(FieldError::not_supported(
                &path.child("kind"),
                json_str(kind),
                &kinds,
            ));
        }
        if kind == "Managed" && !disk.disk_uri.starts_with("/subscriptions/") {
            errs.push(FieldError::not_supported(
                &path.child("diskURI"),
                disk.disk_uri.as_str(),
                &["/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}"],
            ));
        }
        if kind != "Managed" && !disk.disk_uri.starts_with("https://") {
            errs.push(FieldError::not_supported(
                &path.child("diskURI"),
                disk.disk_uri.as_str(),
                &["https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd"],
            ));
        }
    }
    errs
}

/// `ValidateCSIDriverName` (pod CSI volumes and CSI PersistentVolumes): required, at most 63
/// bytes, a DNS subdomain once lowercased.
pub(in crate::api::validation) fn validate_csi_driver_name(
    driver: &str,
    path: &Path,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if driver.is_empty() {
        errs.push(FieldError::required(path, ""));
    }
    if driver.len() > 63 {
        errs.push(too_long(path, 63));
    }
    for msg in names::is_dns1123_subdomain(&driver.to_lowercase()) {
        errs.push(FieldError::invalid(path, driver, msg));
    }
    errs
}

// ----- downward API selectors (shared with env vars) -----

/// `podshelper.ConvertDownwardAPIFieldLabel` for `v1`: the internal field path, or the error
/// text.
fn convert_downward_api_field_label(version: &str, label: &str) -> Result<String, String> {
    if version != "v1" {
        return Err(format!("unsupported pod version: {version}"));
    }
    if let Some((path, _)) = split_maybe_subscripted_path(label) {
        return match path {
            "metadata.annotations" | "metadata.labels" => Ok(label.to_string()),
            _ => Err(format!("field label does not support subscript: {label}")),
        };
    }
    match label {
        "metadata.annotations"
        | "metadata.labels"
        | "metadata.name"
        | "metadata.namespace"
        | "metadata.uid"
        | "spec.nodeName"
        | "spec.restartPolicy"
        | "spec.serviceAccountName"
        | "spec.schedulerName"
        | "status.phase"
        | "status.hostIP"
        | "status.hostIPs"
        | "status.podIP"
        | "status.podIPs" => Ok(label.to_string()),
        "spec.host" => Ok("spec.nodeName".to_string()),
        _ => Err(format!("field label not supported: {label}")),
    }
}

/// `fieldpath.SplitMaybeSubscriptedPath`: `metadata.labels['app']` → (`metadata.labels`,
/// `app`).
fn split_maybe_subscripted_path(field_path: &str) -> Option<(&str, &str)> {
    let s = field_path.strip_suffix("']")?;
    let (path, subscript) = s.split_once("['")?;
    (!path.is_empty()).then_some((path, subscript))
}

/// `validateObjectFieldSelector`: apiVersion and fieldPath required, the path convertible and
/// one of `expressions` (or a subscripted label or annotation with a valid key).
pub(super) fn validate_object_field_selector(
    fs: &ObjectFieldSelector,
    expressions: &[&str],
    path: &Path,
) -> Vec<FieldError> {
    if s(&fs.api_version).is_empty() {
        return vec![FieldError::required(&path.child("apiVersion"), "")];
    }
    if fs.field_path.is_empty() {
        return vec![FieldError::required(&path.child("fieldPath"), "")];
    }
    let internal = match convert_downward_api_field_label(s(&fs.api_version), &fs.field_path) {
        Ok(p) => p,
        Err(e) => {
            return vec![FieldError::invalid(
                &path.child("fieldPath"),
                fs.field_path.as_str(),
                format!("error converting fieldPath: {e}"),
            )];
        }
    };
    match split_maybe_subscripted_path(&internal) {
        Some(("metadata.annotations", subscript)) => {
            validate_qualified_name(&subscript.to_lowercase(), path)
        }
        Some(("metadata.labels", subscript)) => validate_qualified_name(subscript, path),
        Some((other, _)) => vec![FieldError::invalid(
            path,
            other,
            "does not support subscript",
        )],
        None if !expressions.contains(&internal.as_str()) => vec![FieldError::not_supported(
            &path.child("fieldPath"),
            internal.as_str(),
            expressions,
        )],
        None => vec![],
    }
}

/// `validateContainerResourceFieldSelector`: a supported resource (hugepages by prefix), the
/// container name for volumes, and the divisor.
pub(super) fn validate_container_resource_field_selector(
    fs: &ResourceFieldSelector,
    path: &Path,
    volume: bool,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if volume && s(&fs.container_name).is_empty() {
        errs.push(FieldError::required(&path.child("containerName"), ""));
    } else if fs.resource.is_empty() {
        errs.push(FieldError::required(&path.child("resource"), ""));
    } else if !RESOURCE_FIELD_PATHS.contains(&fs.resource.as_str())
        && !fs.resource.starts_with("limits.hugepages-")
        && !fs.resource.starts_with("requests.hugepages-")
    {
        errs.push(FieldError::not_supported(
            &path.child("resource"),
            fs.resource.as_str(),
            &RESOURCE_FIELD_PATHS,
        ));
    }
    errs.extend(validate_container_resource_divisor(&fs.resource, fs, path));
    errs
}

/// `validateContainerResourceDivisor`: `1m` or `1` for CPU, a power of 1000 or 1024 for
/// memory, ephemeral storage and hugepages.
fn validate_container_resource_divisor(
    resource: &str,
    fs: &ResourceFieldSelector,
    path: &Path,
) -> Vec<FieldError> {
    let Some(divisor) = fs.divisor.as_ref().and_then(quantity) else {
        return vec![];
    };
    if divisor.is_zero() {
        return vec![];
    }
    let shown = divisor.to_string();
    let mut errs = vec![];
    let byte_msg = |what: &str| {
        format!(
            "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the {what}"
        )
    };
    let cpu_ok = ["1m", "1"].contains(&shown.as_str());
    let bytes_ok = BYTE_DIVISORS.contains(&shown.as_str());
    match resource {
        "limits.cpu" | "requests.cpu" if !cpu_ok => errs.push(FieldError::invalid(
            &path.child("divisor"),
            resource,
            "only divisor's values 1m and 1 are supported with the cpu resource",
        )),
        "limits.memory" | "requests.memory" if !bytes_ok => errs.push(FieldError::invalid(
            &path.child("divisor"),
            resource,
            byte_msg("memory resource"),
        )),
        "limits.ephemeral-storage" | "requests.ephemeral-storage" if !bytes_ok => {
            errs.push(FieldError::invalid(
                &path.child("divisor"),
                resource,
                byte_msg("local ephemeral storage resource"),
            ));
        }
        _ => {}
    }
    if (resource.starts_with("requests.hugepages-") || resource.starts_with("limits.hugepages-"))
        && !bytes_ok
    {
        errs.push(FieldError::invalid(
            &path.child("divisor"),
            resource,
            byte_msg("hugepages resource"),
        ));
    }
    errs
}

/// A key selector's key (`IsConfigMapKey`), required.
pub(super) fn validate_selector_key(key: &str, path: &Path) -> Vec<FieldError> {
    if key.is_empty() {
        return vec![FieldError::required(path, "")];
    }
    is_config_map_key(key)
        .into_iter()
        .map(|msg| FieldError::invalid(path, key, msg))
        .collect()
}
