//! Rows of PersistentVolume, PersistentVolumeClaim and StorageClass.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{access_modes, age, go_bool, quantity};
use crate::engine::time::SimTime;

fn annotation<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .map(String::as_str)
}

/// `GetPersistentVolumeClass`: the beta annotation, else `spec.storageClassName`.
pub(crate) fn pv_class(pv: &PersistentVolume) -> String {
    if let Some(c) = annotation(&pv.metadata, "volume.beta.kubernetes.io/storage-class") {
        return c.to_string();
    }
    pv.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// `GetPersistentVolumeClaimClass`: the beta annotation, else `spec.storageClassName`.
pub(crate) fn pvc_class(pvc: &PersistentVolumeClaim) -> String {
    if let Some(c) = annotation(&pvc.metadata, "volume.beta.kubernetes.io/storage-class") {
        return c.to_string();
    }
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.clone())
        .unwrap_or_default()
}

/// `IsDefaultAnnotation`: the (beta) is-default-class annotation is `true`.
pub(crate) fn is_default_class(meta: &ObjectMeta) -> bool {
    annotation(meta, "storageclass.kubernetes.io/is-default-class") == Some("true")
        || annotation(meta, "storageclass.beta.kubernetes.io/is-default-class") == Some("true")
}

pub(super) fn pv(o: &PersistentVolume, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let claim = spec
        .and_then(|s| s.claim_ref.as_ref())
        .map(|c| {
            format!(
                "{}/{}",
                c.namespace.as_deref().unwrap_or(""),
                c.name.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_default();
    let mut phase = o
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    if o.metadata.deletion_timestamp.is_some() {
        phase = "Terminating".to_string();
    }
    vec![
        o.metadata.name.clone().unwrap_or_default(),
        quantity(
            spec.and_then(|s| s.capacity.as_ref())
                .and_then(|c| c.get("storage")),
        ),
        access_modes(spec.and_then(|s| s.access_modes.as_ref())),
        spec.and_then(|s| s.persistent_volume_reclaim_policy.clone())
            .unwrap_or_default(),
        phase,
        claim,
        pv_class(o),
        spec.and_then(|s| s.volume_attributes_class_name.clone())
            .unwrap_or_else(|| "<unset>".to_string()),
        o.status
            .as_ref()
            .and_then(|s| s.reason.clone())
            .unwrap_or_default(),
        age(o.metadata.creation_timestamp.as_ref(), now),
        spec.and_then(|s| s.volume_mode.clone())
            .unwrap_or_else(|| "<unset>".to_string()),
    ]
}

pub(super) fn pvc(o: &PersistentVolumeClaim, now: SimTime) -> Vec<String> {
    let spec = o.spec.as_ref();
    let status = o.status.as_ref();
    let mut phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    if o.metadata.deletion_timestamp.is_some() {
        phase = "Terminating".to_string();
    }
    let volume = spec.and_then(|s| s.volume_name.clone()).unwrap_or_default();
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            quantity(
                status
                    .and_then(|s| s.capacity.as_ref())
                    .and_then(|c| c.get("storage")),
            ),
            access_modes(status.and_then(|s| s.access_modes.as_ref())),
        )
    };
    vec![
        o.metadata.name.clone().unwrap_or_default(),
        phase,
        volume,
        capacity,
        modes,
        pvc_class(o),
        spec.and_then(|s| s.volume_attributes_class_name.clone())
            .unwrap_or_else(|| "<unset>".to_string()),
        age(o.metadata.creation_timestamp.as_ref(), now),
        spec.and_then(|s| s.volume_mode.clone())
            .unwrap_or_else(|| "<unset>".to_string()),
    ]
}

pub(super) fn storage_class(o: &StorageClass, now: SimTime) -> Vec<String> {
    let mut name = o.metadata.name.clone().unwrap_or_default();
    if is_default_class(&o.metadata) {
        name.push_str(" (default)");
    }
    vec![
        name,
        o.provisioner.clone(),
        o.reclaim_policy
            .clone()
            .unwrap_or_else(|| "Delete".to_string()),
        o.volume_binding_mode
            .clone()
            .unwrap_or_else(|| "Immediate".to_string()),
        go_bool(o.allow_volume_expansion.unwrap_or(false)),
        age(o.metadata.creation_timestamp.as_ref(), now),
    ]
}
