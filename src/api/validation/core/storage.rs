//! PersistentVolumeClaim, PersistentVolume (`pkg/apis/core/validation`, plus the mount-option
//! check of `pkg/volume/validation`) and StorageClass (`pkg/apis/storage/validation`).
//!
//! Feature gates at their v1.35 defaults: `VolumeAttributesClass` and
//! `RecoverVolumeExpansionFailure` are on (GA), so a claim may shrink its request back down to
//! just above `status.capacity`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, LocalVolumeSource, NodeSelectorRequirement, NodeSelectorTerm,
    PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeSpec,
    SecretReference, TopologySelectorTerm, VolumeNodeAffinity,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::gocmp::{self, GoValue, MapKey};
use super::md;
use crate::api::field::{BadValue, FieldError, Path};
use crate::api::names;
use crate::api::quantity::Quantity;
use crate::api::validation::meta::{
    self, FIELD_IMMUTABLE_ERROR_MSG, immutable, json_quote, json_str, name_is_dns_label,
    name_is_dns_subdomain, too_long,
};
use crate::api::validation::pod::{
    json_node_selector_term, validate_csi_driver_name, validate_host_path, validate_nfs,
    validate_node_selector,
};
use crate::api::validation::util::{
    IS_NOT_POSITIVE_ERROR_MSG, name_errors, quantity, s, validate_dns1123_label,
    validate_dns1123_subdomain, validate_nonnegative_quantity, validate_path_no_backsteps,
};

/// `supportedAccessModes`, sorted.
const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

/// `supportedVolumeModes`, sorted.
const VOLUME_MODES: [&str; 2] = ["Block", "Filesystem"];

/// `core.BetaStorageClassAnnotation`.
const BETA_STORAGE_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

/// `core.MountOptionAnnotation`.
const MOUNT_OPTION_ANNOTATION: &str = "volume.beta.kubernetes.io/mount-options";

/// The Forbidden detail of a claim update touching an immutable spec field (a go-cmp diff
/// follows it).
const CLAIM_SPEC_IMMUTABLE: &str = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

// ----- quantities -----

/// `ValidatePositiveQuantityValue`: `Invalid value: "0": must be greater than zero`.
fn validate_positive_quantity(q: &Quantity, path: &Path) -> Vec<FieldError> {
    if q.sign() <= 0 {
        vec![FieldError::invalid(
            path,
            q.to_string(),
            IS_NOT_POSITIVE_ERROR_MSG,
        )]
    } else {
        vec![]
    }
}

/// `validateBasicResource`: the integer value (`Value()`) must not be negative.
fn validate_basic_resource(q: &Quantity, path: &Path) -> Vec<FieldError> {
    if q.value() < 0 {
        vec![FieldError::invalid(
            path,
            q.value(),
            "must be a valid resource quantity",
        )]
    } else {
        vec![]
    }
}

/// A `core.ResourceList` as JSON (`{"storage":"1Gi"}`), `null` when absent.
fn json_resource_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> String {
    match list {
        None => "null".into(),
        Some(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, q)| {
                    let shown = quantity(q).map_or_else(|| q.0.clone(), |q| q.to_string());
                    format!("{}:{}", json_quote(k), json_quote(&shown))
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

/// A `resource.Quantity` as go-cmp sees it: compared by value (its `Equal` method), printed
/// as the struct (`{i: {...}, s: "1Gi", Format: "BinarySI"}`).
fn go_quantity(q: &K8sQuantity) -> GoValue {
    let Some(parsed) = quantity(q) else {
        return GoValue::Str(q.0.clone());
    };
    let (value, scale) = parsed
        .int64_amount()
        .map_or((0, 0), |(v, s)| (v, i64::from(s)));
    let cached = parsed.cached_string().unwrap_or_default().to_string();
    let format = parsed.format().as_str().to_string();
    let dec = if parsed.int64_amount().is_some() {
        GoValue::Nil
    } else {
        // infDecAmount embeds *inf.Dec, whose String() go-cmp calls.
        let milli = parsed.milli_value();
        let shown = if milli % 1000 == 0 {
            parsed.value().to_string()
        } else {
            let text = format!("{}.{:03}", milli / 1000, (milli % 1000).abs());
            text.trim_end_matches('0').to_string()
        };
        GoValue::Stringer(shown)
    };
    GoValue::Equal(
        format!("{}/{}", parsed.value(), parsed.milli_value()),
        Box::new(GoValue::structure(
            "resource.Quantity",
            vec![
                (
                    "i",
                    GoValue::structure(
                        "resource.int64Amount",
                        vec![
                            ("value", GoValue::Int(value)),
                            ("scale", GoValue::Int(scale)),
                        ],
                    ),
                ),
                ("d", dec),
                ("s", GoValue::Str(cached)),
                ("Format", GoValue::Str(format)),
            ],
        )),
    )
}

/// A `core.ResourceList` as go-cmp sees it.
fn go_resource_list(list: Option<&BTreeMap<String, K8sQuantity>>) -> GoValue {
    list.map_or(GoValue::Nil, |m| {
        GoValue::Map(
            "core.ResourceList".into(),
            m.iter()
                .map(|(k, q)| (MapKey::Stringer(k.clone()), go_quantity(q)))
                .collect(),
        )
    })
}

/// A `*metav1.LabelSelector` as go-cmp sees it.
fn go_label_selector(sel: Option<&LabelSelector>) -> GoValue {
    GoValue::ptr(sel.map(|sel| {
        GoValue::structure(
            "v1.LabelSelector",
            vec![
                (
                    "MatchLabels",
                    sel.match_labels.as_ref().map_or(GoValue::Nil, |m| {
                        GoValue::Map(
                            "map[string]string".into(),
                            m.iter()
                                .map(|(k, v)| (MapKey::Str(k.clone()), GoValue::Str(v.clone())))
                                .collect(),
                        )
                    }),
                ),
                (
                    "MatchExpressions",
                    sel.match_expressions.as_ref().map_or(GoValue::Nil, |e| {
                        GoValue::Slice(
                            "[]v1.LabelSelectorRequirement".into(),
                            e.iter()
                                .map(|r| {
                                    GoValue::structure(
                                        "v1.LabelSelectorRequirement",
                                        vec![
                                            ("Key", GoValue::Str(r.key.clone())),
                                            ("Operator", GoValue::Str(r.operator.clone())),
                                            (
                                                "Values",
                                                GoValue::str_slice("[]string", r.values.as_deref()),
                                            ),
                                        ],
                                    )
                                })
                                .collect(),
                        )
                    }),
                ),
            ],
        )
    }))
}

/// The internal `core.PersistentVolumeClaimSpec` as go-cmp sees it.
fn go_claim_spec(spec: &PersistentVolumeClaimSpec) -> GoValue {
    let resources = spec.resources.clone().unwrap_or_default();
    GoValue::structure(
        "core.PersistentVolumeClaimSpec",
        vec![
            (
                "AccessModes",
                GoValue::str_slice(
                    "[]core.PersistentVolumeAccessMode",
                    spec.access_modes.as_deref(),
                ),
            ),
            ("Selector", go_label_selector(spec.selector.as_ref())),
            (
                "Resources",
                GoValue::structure(
                    "core.VolumeResourceRequirements",
                    vec![
                        ("Limits", go_resource_list(resources.limits.as_ref())),
                        ("Requests", go_resource_list(resources.requests.as_ref())),
                    ],
                ),
            ),
            ("VolumeName", GoValue::Str(s(&spec.volume_name).to_string())),
            (
                "StorageClassName",
                GoValue::ptr_str(spec.storage_class_name.as_deref()),
            ),
            ("VolumeMode", GoValue::ptr_str(spec.volume_mode.as_deref())),
            (
                "DataSource",
                GoValue::ptr(spec.data_source.as_ref().map(|d| {
                    GoValue::structure(
                        "core.TypedLocalObjectReference",
                        vec![
                            ("APIGroup", GoValue::ptr_str(d.api_group.as_deref())),
                            ("Kind", GoValue::Str(d.kind.clone())),
                            ("Name", GoValue::Str(d.name.clone())),
                        ],
                    )
                })),
            ),
            (
                "DataSourceRef",
                GoValue::ptr(spec.data_source_ref.as_ref().map(|d| {
                    GoValue::structure(
                        "core.TypedObjectReference",
                        vec![
                            ("APIGroup", GoValue::ptr_str(d.api_group.as_deref())),
                            ("Kind", GoValue::Str(d.kind.clone())),
                            ("Name", GoValue::Str(d.name.clone())),
                            ("Namespace", GoValue::ptr_str(d.namespace.as_deref())),
                        ],
                    )
                })),
            ),
            (
                "VolumeAttributesClassName",
                GoValue::ptr_str(spec.volume_attributes_class_name.as_deref()),
            ),
        ],
    )
}

// ----- access modes, classes -----

/// The access-mode rules shared by claims and volumes: each mode supported, and
/// `ReadWriteOncePod` alone.
fn validate_access_modes(modes: &[String], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let (mut rwop, mut other) = (false, false);
    for mode in modes {
        let supported = ACCESS_MODES.contains(&mode.as_str());
        if !supported {
            errs.push(FieldError::not_supported(
                path,
                json_str(mode),
                &ACCESS_MODES,
            ));
        }
        if mode == "ReadWriteOncePod" {
            rwop = true;
        } else if supported {
            other = true;
        }
    }
    if rwop && other {
        errs.push(FieldError::forbidden(
            path,
            "may not use ReadWriteOncePod with other access modes",
        ));
    }
    errs
}

/// `ValidateClassName` (a DNS subdomain) on a non-empty class name.
fn validate_class_name(value: &str, path: &Path) -> Vec<FieldError> {
    name_errors(name_is_dns_subdomain(value, false), path, value)
}

// ----- PersistentVolumeClaim -----

/// `PersistentVolumeClaimSpecValidationOptions` (VolumeAttributesClass and
/// RecoverVolumeExpansionFailure are on in v1.35).
#[derive(Clone, Copy, Debug, Default)]
struct ClaimOptions {
    /// Ratcheting: the stored claim already had a selector with invalid label values.
    allow_invalid_label_value_in_selector: bool,
    /// Ratcheting: the stored claim already named an API group in a data source.
    allow_invalid_api_group: bool,
}

/// `ValidationOptionsForPersistentVolumeClaim` for an update.
fn claim_options(old: &PersistentVolumeClaim) -> ClaimOptions {
    let spec = old.spec.clone().unwrap_or_default();
    let api_group = spec
        .data_source
        .as_ref()
        .is_some_and(|d| d.api_group.is_some())
        || spec
            .data_source_ref
            .as_ref()
            .is_some_and(|d| d.api_group.is_some());
    let invalid_selector = spec
        .selector
        .as_ref()
        .is_some_and(|sel| !meta::validate_label_selector(sel, &Path::new("")).is_empty());
    ClaimOptions {
        allow_invalid_label_value_in_selector: invalid_selector,
        allow_invalid_api_group: api_group,
    }
}

/// `ValidatePersistentVolumeClaimSpec` with the v1.35 defaults, for a claim or a StatefulSet's
/// `volumeClaimTemplates[i].spec` at `path`: access modes (required, supported,
/// `ReadWriteOncePod` alone), the selector, `resources[storage]` (required, greater than zero),
/// the class names, the volume mode, and the data sources.
pub fn validate_persistent_volume_claim_spec(
    spec: &PersistentVolumeClaimSpec,
    path: &Path,
) -> Vec<FieldError> {
    validate_claim_spec(spec, path, ClaimOptions::default())
}

fn validate_claim_spec(
    spec: &PersistentVolumeClaimSpec,
    path: &Path,
    opts: ClaimOptions,
) -> Vec<FieldError> {
    let mut errs = vec![];
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    let modes_path = path.child("accessModes");
    if modes.is_empty() {
        errs.push(FieldError::required(
            &modes_path,
            "at least 1 access mode is required",
        ));
    }
    if let Some(sel) = &spec.selector {
        errs.extend(
            meta::validate_label_selector(sel, &path.child("selector"))
                .into_iter()
                .filter(|e| {
                    !(opts.allow_invalid_label_value_in_selector && e.field.contains(".values["))
                }),
        );
    }
    errs.extend(validate_access_modes(modes, &modes_path));

    let storage_path = path.child("resources").key("storage");
    let storage = spec
        .resources
        .as_ref()
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get("storage"));
    match storage {
        None => errs.push(FieldError::required(&storage_path, "")),
        Some(q) => {
            if let Some(q) = quantity(q) {
                let positive = validate_positive_quantity(&q, &storage_path);
                if positive.is_empty() {
                    errs.extend(validate_nonnegative_quantity(&q, &storage_path));
                } else {
                    errs.extend(positive);
                }
            }
        }
    }

    let class = s(&spec.storage_class_name);
    if !class.is_empty() {
        errs.extend(validate_class_name(class, &path.child("storageClassName")));
    }
    if let Some(mode) = &spec.volume_mode
        && !VOLUME_MODES.contains(&mode.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("volumeMode"),
            json_str(mode),
            &VOLUME_MODES,
        ));
    }

    if let Some(ds) = &spec.data_source {
        errs.extend(validate_data_source(
            &ds.name,
            &ds.kind,
            ds.api_group.as_deref(),
            None,
            &path.child("dataSource"),
            opts,
        ));
    }
    if let Some(r) = &spec.data_source_ref {
        errs.extend(validate_data_source(
            &r.name,
            &r.kind,
            r.api_group.as_deref(),
            r.namespace.as_deref(),
            &path.child("dataSourceRef"),
            opts,
        ));
    }
    let ref_namespace = spec
        .data_source_ref
        .as_ref()
        .map_or("", |r| s(&r.namespace));
    // The bad value is a *field.Path, which prints through its String method.
    let data_source_path = BadValue::Go(path.child("dataSource").to_string());
    if !ref_namespace.is_empty() {
        if spec.data_source.is_some() {
            errs.push(FieldError::invalid(
                path,
                data_source_path,
                "may not be specified when dataSourceRef.namespace is specified",
            ));
        }
    } else if let (Some(ds), Some(r)) = (&spec.data_source, &spec.data_source_ref)
        && (ds.api_group != r.api_group || ds.kind != r.kind || ds.name != r.name)
    {
        errs.push(FieldError::invalid(
            path,
            data_source_path,
            "must match dataSourceRef",
        ));
    }
    let vac = s(&spec.volume_attributes_class_name);
    if !vac.is_empty() {
        errs.extend(validate_class_name(
            vac,
            &path.child("volumeAttributesClassName"),
        ));
    }
    errs
}

/// `validateDataSource` / `validateDataSourceRef`.
fn validate_data_source(
    name: &str,
    kind: &str,
    api_group: Option<&str>,
    namespace: Option<&str>,
    path: &Path,
    opts: ClaimOptions,
) -> Vec<FieldError> {
    let mut errs = vec![];
    if name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    }
    if kind.is_empty() {
        errs.push(FieldError::required(&path.child("kind"), ""));
    }
    let group = api_group.unwrap_or("");
    if group.is_empty() && kind != "PersistentVolumeClaim" {
        errs.push(FieldError::invalid(
            path,
            kind,
            "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ));
    }
    if !group.is_empty() && !opts.allow_invalid_api_group {
        errs.extend(validate_dns1123_subdomain(group, &path.child("apiGroup")));
    }
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        errs.extend(name_errors(
            name_is_dns_label(ns, false),
            &path.child("namespace"),
            ns,
        ));
    }
    errs
}

/// `ValidatePersistentVolumeClaim`: metadata (a namespaced DNS subdomain name) and spec.
fn validate_claim(c: &PersistentVolumeClaim, opts: ClaimOptions) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&c.metadata, true, name_is_dns_subdomain, &md());
    errs.extend(validate_claim_spec(
        &c.spec.clone().unwrap_or_default(),
        &Path::new("spec"),
        opts,
    ));
    errs
}

/// The claim strategy's `Validate`.
pub(super) fn validate_pvc_create(c: &PersistentVolumeClaim) -> Vec<FieldError> {
    validate_claim(c, ClaimOptions::default())
}

/// `validateStorageClassUpgradeFromAnnotation`.
fn class_upgrade_from_annotation(
    old_ann: &BTreeMap<String, String>,
    new_ann: &BTreeMap<String, String>,
    old_class: Option<&str>,
    new_class: Option<&str>,
) -> bool {
    let Some(old_sc) = old_ann.get(BETA_STORAGE_CLASS_ANNOTATION) else {
        return false;
    };
    old_class.is_none()
        && new_class == Some(old_sc.as_str())
        && new_ann
            .get(BETA_STORAGE_CLASS_ANNOTATION)
            .is_none_or(|n| n == old_sc)
}

/// `validateStorageClassUpgradeFromNil`.
fn class_upgrade_from_nil(
    old_ann: &BTreeMap<String, String>,
    old_class: Option<&str>,
    new_class: Option<&str>,
) -> bool {
    let Some(new_class) = new_class else {
        return false;
    };
    old_class.is_none()
        && old_ann
            .get(BETA_STORAGE_CLASS_ANNOTATION)
            .is_none_or(|a| a == new_class)
}

/// The claim strategy's `ValidateUpdate`: `ValidatePersistentVolumeClaim`, then
/// `ValidatePersistentVolumeClaimUpdate` (which repeats it; the aggregate drops the copies):
/// metadata update rules, one Forbidden error with a go-cmp diff when anything but the bound
/// claim's `resources.requests` and `volumeAttributesClassName` (or a first `volumeName`)
/// changed, no shrinking to `status.capacity`, immutable `volumeMode`, and no clearing of the
/// attributes class.
pub(super) fn validate_pvc_update(
    new: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
) -> Vec<FieldError> {
    let opts = claim_options(old);
    let mut errs = validate_claim(new, opts);
    errs.extend(meta::validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        &md(),
    ));
    errs.extend(validate_claim(new, opts));

    let empty = BTreeMap::new();
    let new_ann = new.metadata.annotations.as_ref().unwrap_or(&empty);
    let old_ann = old.metadata.annotations.as_ref().unwrap_or(&empty);
    let new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    let mut new_clone = new_spec.clone();
    let mut old_clone = old_spec.clone();
    if s(&old_spec.volume_name).is_empty() {
        old_clone.volume_name = new_clone.volume_name.clone();
    }
    if class_upgrade_from_annotation(
        old_ann,
        new_ann,
        old_clone.storage_class_name.as_deref(),
        new_clone.storage_class_name.as_deref(),
    ) {
        new_clone.storage_class_name = None;
    } else {
        let new_value = new_ann
            .get(BETA_STORAGE_CLASS_ANNOTATION)
            .map_or("", String::as_str);
        let old_value = old_ann
            .get(BETA_STORAGE_CLASS_ANNOTATION)
            .map_or("", String::as_str);
        if new_value != old_value {
            errs.push(FieldError::invalid(
                &md()
                    .child("annotations")
                    .child(BETA_STORAGE_CLASS_ANNOTATION),
                new_value,
                FIELD_IMMUTABLE_ERROR_MSG,
            ));
        }
        if class_upgrade_from_nil(
            old_ann,
            old_spec.storage_class_name.as_deref(),
            new_spec.storage_class_name.as_deref(),
        ) {
            new_clone.storage_class_name = old_clone.storage_class_name.clone();
        }
    }
    let bound = new.status.as_ref().and_then(|st| st.phase.as_deref()) == Some("Bound");
    if bound {
        let old_storage = old_spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .cloned();
        if let Some(requests) = new_clone
            .resources
            .as_mut()
            .and_then(|r| r.requests.as_mut())
        {
            match old_storage {
                Some(q) => {
                    requests.insert("storage".into(), q);
                }
                None => {
                    requests.remove("storage");
                }
            }
        }
        if new_clone.volume_attributes_class_name.is_some() {
            new_clone.volume_attributes_class_name = old_clone.volume_attributes_class_name.clone();
        }
    }

    let (old_go, new_go) = (go_claim_spec(&old_clone), go_claim_spec(&new_clone));
    if !gocmp::semantic_eq(&new_go, &old_go) {
        errs.push(FieldError::forbidden(
            &Path::new("spec"),
            format!("{CLAIM_SPEC_IMMUTABLE}\n{}", gocmp::diff(&old_go, &new_go)),
        ));
    }

    let size = |spec: &PersistentVolumeClaimSpec| {
        spec.resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .and_then(quantity)
    };
    let zero = Quantity::parse("0").ok();
    let old_size = size(&old_spec).or_else(|| zero.clone());
    let new_size = size(&new_spec).or_else(|| zero.clone());
    let status_size = old
        .status
        .as_ref()
        .and_then(|st| st.capacity.as_ref())
        .and_then(|c| c.get("storage"))
        .and_then(quantity)
        .or(zero);
    if let (Some(new_size), Some(old_size), Some(status_size)) = (new_size, old_size, status_size)
        && new_size < old_size
        && new_size <= status_size
    {
        errs.push(FieldError::forbidden(
            &Path::new("spec")
                .child("resources")
                .child("requests")
                .child("storage"),
            "field can not be less than status.capacity",
        ));
    }

    errs.extend(immutable(
        new_spec.volume_mode != old_spec.volume_mode,
        &Path::new("volumeMode"),
        new_spec
            .volume_mode
            .as_deref()
            .map_or(BadValue::Go("null".into()), json_str),
    ));

    if old_spec.volume_attributes_class_name != new_spec.volume_attributes_class_name
        && old_spec.volume_attributes_class_name.is_some()
    {
        let vac_path = Path::new("spec").child("volumeAttributesClassName");
        match new_spec.volume_attributes_class_name.as_deref() {
            None => errs.push(FieldError::forbidden(
                &vac_path,
                "update from non-nil value to nil is forbidden",
            )),
            Some("") => errs.push(FieldError::forbidden(
                &vac_path,
                "update from non-nil value to an empty string is forbidden",
            )),
            Some(_) => {}
        }
    }
    errs
}

/// `PersistentVolumeClaimResizeStatus` values, sorted.
const RESIZE_STATUSES: [&str; 5] = [
    "ControllerResizeInProgress",
    "ControllerResizeInfeasible",
    "NodeResizeInProgress",
    "NodeResizeInfeasible",
    "NodeResizePending",
];

/// `validatePersistentVolumeClaimResourceKey`: a qualified name, and only `storage` among the
/// native resource names.
fn validate_claim_resource_key(value: &str, path: &Path) -> Vec<FieldError> {
    let errs: Vec<FieldError> = names::is_qualified_name(value)
        .into_iter()
        .map(|msg| FieldError::invalid(path, value, msg))
        .collect();
    if !errs.is_empty() {
        return errs;
    }
    let native = !value.contains('/') || value.contains("kubernetes.io/");
    if native && value != "storage" {
        return vec![FieldError::not_supported(path, value, &["storage"])];
    }
    vec![]
}

/// `ValidatePersistentVolumeClaimStatusUpdate` (with RecoverVolumeExpansionFailure on).
pub(super) fn validate_pvc_status_update(
    new: &PersistentVolumeClaim,
    old: &PersistentVolumeClaim,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    if s(&new.metadata.resource_version).is_empty() {
        errs.push(FieldError::required(&Path::new("resourceVersion"), ""));
    }
    let modes = new.spec.as_ref().and_then(|sp| sp.access_modes.as_ref());
    if modes.is_none_or(Vec::is_empty) {
        errs.push(FieldError::required(
            &Path::new("Spec").child("accessModes"),
            "",
        ));
    }
    let status = new.status.clone().unwrap_or_default();
    let cap_path = Path::new("status").child("capacity");
    for (r, q) in status.capacity.iter().flatten() {
        if let Some(q) = quantity(q) {
            errs.extend(validate_basic_resource(&q, &cap_path.key(r)));
        }
    }
    let resize_path = Path::new("status").child("allocatedResourceStatus");
    for (k, v) in status.allocated_resource_statuses.iter().flatten() {
        errs.extend(validate_claim_resource_key(k, &resize_path));
        if !RESIZE_STATUSES.contains(&v.as_str()) {
            // Upstream reports the key, not the unsupported value.
            errs.push(FieldError::not_supported(
                &resize_path,
                json_str(k),
                &RESIZE_STATUSES,
            ));
        }
    }
    let alloc_path = Path::new("status").child("allocatedResources");
    for (r, q) in status.allocated_resources.iter().flatten() {
        let key_errs = validate_claim_resource_key(r, &alloc_path);
        if !key_errs.is_empty() {
            errs.extend(key_errs);
            continue;
        }
        if let Some(q) = quantity(q) {
            let basic = validate_basic_resource(&q, &alloc_path.key(r));
            if basic.is_empty() {
                errs.extend(validate_nonnegative_quantity(&q, &alloc_path.key(r)));
            } else {
                errs.extend(basic);
            }
        }
    }
    errs
}

// ----- PersistentVolume -----

/// `supportedReclaimPolicy`, sorted.
const RECLAIM_POLICIES: [&str; 3] = ["Delete", "Recycle", "Retain"];

/// `validateLocalVolumeSource`.
fn validate_local(local: &LocalVolumeSource, path: &Path) -> Vec<FieldError> {
    if local.path.is_empty() {
        return vec![FieldError::required(&path.child("path"), "")];
    }
    validate_path_no_backsteps(&local.path, &path.child("path"))
}

/// `validatePVSecretReference`.
fn validate_pv_secret_reference(r: &SecretReference, path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    let name = s(&r.name);
    if name.is_empty() {
        errs.push(FieldError::required(&path.child("name"), ""));
    } else {
        errs.extend(validate_dns1123_subdomain(name, &path.child("name")));
    }
    let namespace = s(&r.namespace);
    if namespace.is_empty() {
        errs.push(FieldError::required(&path.child("namespace"), ""));
    } else {
        errs.extend(validate_dns1123_label(namespace, &path.child("namespace")));
    }
    errs
}

/// `validateCSIPersistentVolumeSource`.
fn validate_csi(csi: &CSIPersistentVolumeSource, path: &Path) -> Vec<FieldError> {
    let mut errs = validate_csi_driver_name(&csi.driver, &path.child("driver"));
    if csi.volume_handle.is_empty() {
        errs.push(FieldError::required(&path.child("volumeHandle"), ""));
    }
    for (r, name) in [
        (
            &csi.controller_publish_secret_ref,
            "controllerPublishSecretRef",
        ),
        (
            &csi.controller_expand_secret_ref,
            "controllerExpandSecretRef",
        ),
        (&csi.node_publish_secret_ref, "nodePublishSecretRef"),
        (&csi.node_expand_secret_ref, "nodeExpandSecretRef"),
    ] {
        if let Some(r) = r {
            errs.extend(validate_pv_secret_reference(r, &path.child(name)));
        }
    }
    errs
}

/// Go's `path.Clean(p) == "/"`.
fn cleans_to_root(p: &str) -> bool {
    p.starts_with('/')
        && p.split('/')
            .all(|seg| seg.is_empty() || seg == "." || seg == "..")
}

/// `ValidatePersistentVolumeSpec` (not inline), with `pkg/volume/validation`'s mount-option
/// check appended (the strategy runs it right after).
fn validate_pv_spec(pv: &PersistentVolume, path: &Path) -> Vec<FieldError> {
    let spec = pv.spec.clone().unwrap_or_default();
    let mut errs = vec![];
    let modes = spec.access_modes.as_deref().unwrap_or(&[]);
    let modes_path = path.child("accessModes");
    if modes.is_empty() {
        errs.push(FieldError::required(&modes_path, ""));
    }
    errs.extend(validate_access_modes(modes, &modes_path));

    let cap_path = path.child("capacity");
    let capacity = spec.capacity.as_ref();
    if capacity.is_none_or(BTreeMap::is_empty) {
        errs.push(FieldError::required(&cap_path, ""));
    }
    if capacity.is_none_or(|c| !c.contains_key("storage") || c.len() > 1) {
        errs.push(FieldError::not_supported(
            &cap_path,
            BadValue::Go(json_resource_list(capacity)),
            &["storage"],
        ));
    }
    for (r, q) in capacity.into_iter().flatten() {
        if let Some(q) = quantity(q) {
            errs.extend(validate_basic_resource(&q, &cap_path.key(r)));
            errs.extend(validate_positive_quantity(&q, &cap_path.key(r)));
        }
    }

    let reclaim = s(&spec.persistent_volume_reclaim_policy);
    if !reclaim.is_empty() && !RECLAIM_POLICIES.contains(&reclaim) {
        errs.push(FieldError::not_supported(
            &path.child("persistentVolumeReclaimPolicy"),
            json_str(reclaim),
            &RECLAIM_POLICIES,
        ));
    }

    let affinity_path = path.child("nodeAffinity");
    if let Some(affinity) = &spec.node_affinity {
        match &affinity.required {
            Some(required) => {
                errs.extend(validate_node_selector(
                    required,
                    &affinity_path.child("required"),
                ));
            }
            None => errs.push(FieldError::required(
                &affinity_path.child("required"),
                "must specify required node constraints",
            )),
        }
    }

    // Exactly one volume source, in upstream's order of checks.
    let sources: [(bool, &str); 22] = [
        (spec.host_path.is_some(), "hostPath"),
        (spec.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (
            spec.aws_elastic_block_store.is_some(),
            "awsElasticBlockStore",
        ),
        (spec.glusterfs.is_some(), "glusterfs"),
        (spec.flocker.is_some(), "flocker"),
        (spec.nfs.is_some(), "nfs"),
        (spec.rbd.is_some(), "rbd"),
        (spec.quobyte.is_some(), "quobyte"),
        (spec.cephfs.is_some(), "cephFS"),
        (spec.iscsi.is_some(), "iscsi"),
        (spec.cinder.is_some(), "cinder"),
        (spec.fc.is_some(), "fc"),
        (spec.flex_volume.is_some(), "flexVolume"),
        (spec.azure_file.is_some(), "azureFile"),
        (spec.vsphere_volume.is_some(), "vsphereVolume"),
        (
            spec.photon_persistent_disk.is_some(),
            "photonPersistentDisk",
        ),
        (spec.portworx_volume.is_some(), "portworxVolume"),
        (spec.azure_disk.is_some(), "azureDisk"),
        (spec.scale_io.is_some(), "scaleIO"),
        (spec.local.is_some(), "local"),
        (spec.storageos.is_some(), "storageos"),
        (spec.csi.is_some(), "csi"),
    ];
    let mut num_volumes = 0;
    for (present, name) in sources {
        if !present {
            continue;
        }
        // Upstream never rejects flexVolume as a second source.
        if num_volumes > 0 && name != "flexVolume" {
            errs.push(FieldError::forbidden(
                &path.child(name),
                "may not specify more than 1 volume type",
            ));
            continue;
        }
        num_volumes += 1;
        match name {
            "hostPath" => {
                if let Some(hp) = &spec.host_path {
                    errs.extend(validate_host_path(hp, &path.child("hostPath")));
                }
            }
            "nfs" => {
                if let Some(nfs) = &spec.nfs {
                    errs.extend(validate_nfs(nfs, &path.child("nfs")));
                }
            }
            "local" => {
                if let Some(local) = &spec.local {
                    errs.extend(validate_local(local, &path.child("local")));
                }
                if spec.node_affinity.is_none() {
                    errs.push(FieldError::required(
                        &affinity_path,
                        "Local volume requires node affinity",
                    ));
                }
            }
            "csi" => {
                if let Some(csi) = &spec.csi {
                    errs.extend(validate_csi(csi, &path.child("csi")));
                }
            }
            _ => {}
        }
    }
    if num_volumes == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }

    if spec
        .host_path
        .as_ref()
        .is_some_and(|hp| cleans_to_root(&hp.path))
        && reclaim == "Recycle"
    {
        errs.push(FieldError::forbidden(
            &path.child("persistentVolumeReclaimPolicy"),
            "may not be 'recycle' for a hostPath mount of '/'",
        ));
    }
    let class = s(&spec.storage_class_name);
    if !class.is_empty() {
        errs.extend(validate_class_name(class, &path.child("storageClassName")));
    }
    if let Some(mode) = &spec.volume_mode
        && !VOLUME_MODES.contains(&mode.as_str())
    {
        errs.push(FieldError::not_supported(
            &path.child("volumeMode"),
            json_str(mode),
            &VOLUME_MODES,
        ));
    }
    if let Some(vac) = &spec.volume_attributes_class_name {
        let vac_path = path.child("volumeAttributesClassName");
        if vac.is_empty() {
            errs.push(FieldError::required(
                &vac_path,
                "an empty string is disallowed",
            ));
        } else {
            errs.extend(validate_class_name(vac, &vac_path));
        }
        if spec.csi.is_none() {
            errs.push(FieldError::required(
                &path.child("csi"),
                "has to be specified when using volumeAttributesClassName",
            ));
        }
    }
    errs.extend(check_mount_options(pv, &spec));
    errs
}

/// `checkMountOption` (`pkg/volume/validation`): only some volume types take mount options.
fn check_mount_options(pv: &PersistentVolume, spec: &PersistentVolumeSpec) -> Vec<FieldError> {
    let supports = spec.gce_persistent_disk.is_some()
        || spec.aws_elastic_block_store.is_some()
        || spec.glusterfs.is_some()
        || spec.nfs.is_some()
        || spec.rbd.is_some()
        || spec.quobyte.is_some()
        || spec.iscsi.is_some()
        || spec.cinder.is_some()
        || spec.cephfs.is_some()
        || spec.azure_file.is_some()
        || spec.vsphere_volume.is_some()
        || spec.azure_disk.is_some()
        || spec.photon_persistent_disk.is_some()
        || spec.csi.is_some();
    if supports {
        return vec![];
    }
    let mut errs = vec![];
    if pv
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(MOUNT_OPTION_ANNOTATION))
    {
        errs.push(FieldError::forbidden(
            &md().child("annotations").child(MOUNT_OPTION_ANNOTATION),
            "may not specify mount options for this volume type",
        ));
    }
    if spec.mount_options.as_ref().is_some_and(|m| !m.is_empty()) {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("mountOptions"),
            "may not specify mount options for this volume type",
        ));
    }
    errs
}

/// `ValidatePersistentVolume`: metadata (a cluster-scoped DNS subdomain name) and spec.
fn validate_pv(pv: &PersistentVolume) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&pv.metadata, false, name_is_dns_subdomain, &md());
    errs.extend(validate_pv_spec(pv, &Path::new("spec")));
    errs
}

/// The volume strategy's `Validate`.
pub(super) fn validate_pv_create(pv: &PersistentVolume) -> Vec<FieldError> {
    validate_pv(pv)
}

/// The internal `core.PersistentVolumeSource` as go-cmp sees it. The sources the simulator
/// uses (hostPath, nfs, local, csi) are modelled field by field; the others as their JSON
/// fields, capitalised, in key order.
fn go_volume_source(spec: &PersistentVolumeSpec) -> GoValue {
    fn generic<T: serde::Serialize>(type_name: &str, v: Option<&T>) -> GoValue {
        fn convert(type_name: &str, v: &serde_json::Value) -> GoValue {
            match v {
                serde_json::Value::Null => GoValue::Nil,
                serde_json::Value::Bool(b) => GoValue::Bool(*b),
                serde_json::Value::Number(n) => GoValue::Int(n.as_i64().unwrap_or(0)),
                serde_json::Value::String(s) => GoValue::Str(s.clone()),
                serde_json::Value::Array(items) => GoValue::Slice(
                    "[]string".into(),
                    items.iter().map(|i| convert("", i)).collect(),
                ),
                serde_json::Value::Object(map) => GoValue::Struct(
                    type_name.to_string(),
                    map.iter()
                        .map(|(k, v)| {
                            let mut name = k.clone();
                            if let Some(first) = name.get_mut(..1) {
                                first.make_ascii_uppercase();
                            }
                            (name, convert("", v))
                        })
                        .collect(),
                ),
            }
        }
        GoValue::ptr(
            v.and_then(|v| serde_json::to_value(v).ok())
                .map(|v| convert(type_name, &v)),
        )
    }
    let secret_ref = |r: &Option<SecretReference>| {
        GoValue::ptr(r.as_ref().map(|r| {
            GoValue::structure(
                "core.SecretReference",
                vec![
                    ("Name", GoValue::Str(s(&r.name).to_string())),
                    ("Namespace", GoValue::Str(s(&r.namespace).to_string())),
                ],
            )
        }))
    };
    let host_path = GoValue::ptr(spec.host_path.as_ref().map(|hp| {
        GoValue::structure(
            "core.HostPathVolumeSource",
            vec![
                ("Path", GoValue::Str(hp.path.clone())),
                ("Type", GoValue::ptr_str(hp.type_.as_deref())),
            ],
        )
    }));
    let nfs = GoValue::ptr(spec.nfs.as_ref().map(|n| {
        GoValue::structure(
            "core.NFSVolumeSource",
            vec![
                ("Server", GoValue::Str(n.server.clone())),
                ("Path", GoValue::Str(n.path.clone())),
                ("ReadOnly", GoValue::Bool(n.read_only.unwrap_or(false))),
            ],
        )
    }));
    let local = GoValue::ptr(spec.local.as_ref().map(|l| {
        GoValue::structure(
            "core.LocalVolumeSource",
            vec![
                ("Path", GoValue::Str(l.path.clone())),
                ("FSType", GoValue::ptr_str(l.fs_type.as_deref())),
            ],
        )
    }));
    let csi = GoValue::ptr(spec.csi.as_ref().map(|c| {
        GoValue::structure(
            "core.CSIPersistentVolumeSource",
            vec![
                ("Driver", GoValue::Str(c.driver.clone())),
                ("VolumeHandle", GoValue::Str(c.volume_handle.clone())),
                ("ReadOnly", GoValue::Bool(c.read_only.unwrap_or(false))),
                ("FSType", GoValue::Str(s(&c.fs_type).to_string())),
                (
                    "VolumeAttributes",
                    c.volume_attributes.as_ref().map_or(GoValue::Nil, |m| {
                        GoValue::Map(
                            "map[string]string".into(),
                            m.iter()
                                .map(|(k, v)| (MapKey::Str(k.clone()), GoValue::Str(v.clone())))
                                .collect(),
                        )
                    }),
                ),
                (
                    "ControllerPublishSecretRef",
                    secret_ref(&c.controller_publish_secret_ref),
                ),
                ("NodeStageSecretRef", secret_ref(&c.node_stage_secret_ref)),
                (
                    "NodePublishSecretRef",
                    secret_ref(&c.node_publish_secret_ref),
                ),
                (
                    "ControllerExpandSecretRef",
                    secret_ref(&c.controller_expand_secret_ref),
                ),
                ("NodeExpandSecretRef", secret_ref(&c.node_expand_secret_ref)),
            ],
        )
    }));
    GoValue::structure(
        "core.PersistentVolumeSource",
        vec![
            (
                "GCEPersistentDisk",
                generic(
                    "core.GCEPersistentDiskVolumeSource",
                    spec.gce_persistent_disk.as_ref(),
                ),
            ),
            (
                "AWSElasticBlockStore",
                generic(
                    "core.AWSElasticBlockStoreVolumeSource",
                    spec.aws_elastic_block_store.as_ref(),
                ),
            ),
            ("HostPath", host_path),
            (
                "Glusterfs",
                generic(
                    "core.GlusterfsPersistentVolumeSource",
                    spec.glusterfs.as_ref(),
                ),
            ),
            ("NFS", nfs),
            (
                "RBD",
                generic("core.RBDPersistentVolumeSource", spec.rbd.as_ref()),
            ),
            (
                "Quobyte",
                generic("core.QuobyteVolumeSource", spec.quobyte.as_ref()),
            ),
            (
                "ISCSI",
                generic("core.ISCSIPersistentVolumeSource", spec.iscsi.as_ref()),
            ),
            (
                "FlexVolume",
                generic("core.FlexPersistentVolumeSource", spec.flex_volume.as_ref()),
            ),
            (
                "Cinder",
                generic("core.CinderPersistentVolumeSource", spec.cinder.as_ref()),
            ),
            (
                "CephFS",
                generic("core.CephFSPersistentVolumeSource", spec.cephfs.as_ref()),
            ),
            ("FC", generic("core.FCVolumeSource", spec.fc.as_ref())),
            (
                "Flocker",
                generic("core.FlockerVolumeSource", spec.flocker.as_ref()),
            ),
            (
                "AzureFile",
                generic(
                    "core.AzureFilePersistentVolumeSource",
                    spec.azure_file.as_ref(),
                ),
            ),
            (
                "VsphereVolume",
                generic(
                    "core.VsphereVirtualDiskVolumeSource",
                    spec.vsphere_volume.as_ref(),
                ),
            ),
            (
                "AzureDisk",
                generic("core.AzureDiskVolumeSource", spec.azure_disk.as_ref()),
            ),
            (
                "PhotonPersistentDisk",
                generic(
                    "core.PhotonPersistentDiskVolumeSource",
                    spec.photon_persistent_disk.as_ref(),
                ),
            ),
            (
                "PortworxVolume",
                generic("core.PortworxVolumeSource", spec.portworx_volume.as_ref()),
            ),
            (
                "ScaleIO",
                generic("core.ScaleIOPersistentVolumeSource", spec.scale_io.as_ref()),
            ),
            ("Local", local),
            (
                "StorageOS",
                generic(
                    "core.StorageOSPersistentVolumeSource",
                    spec.storageos.as_ref(),
                ),
            ),
            ("CSI", csi),
        ],
    )
}

/// Node label keys whose beta form may be replaced by the GA form in a volume's node affinity.
const BETA_TO_GA_LABELS: [(&str, &str); 5] = [
    (
        "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/zone",
    ),
    (
        "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/region",
    ),
    ("beta.kubernetes.io/os", "kubernetes.io/os"),
    ("beta.kubernetes.io/arch", "kubernetes.io/arch"),
    (
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
    ),
];

/// Semantic equality of node affinities, allowing a requirement key to move from a beta label
/// to its GA label (`getMaskNodeSelectorLabelChangeEqualities`).
fn node_affinity_equal(new: Option<&VolumeNodeAffinity>, old: Option<&VolumeNodeAffinity>) -> bool {
    fn reqs_equal(new: &[NodeSelectorRequirement], old: &[NodeSelectorRequirement]) -> bool {
        new.len() == old.len()
            && new.iter().zip(old).all(|(n, o)| {
                let key_ok = n.key == o.key
                    || BETA_TO_GA_LABELS
                        .iter()
                        .any(|(beta, ga)| o.key == *beta && n.key == *ga);
                key_ok
                    && n.operator == o.operator
                    && n.values.clone().unwrap_or_default() == o.values.clone().unwrap_or_default()
            })
    }
    fn terms_equal(new: &[NodeSelectorTerm], old: &[NodeSelectorTerm]) -> bool {
        new.len() == old.len()
            && new.iter().zip(old).all(|(n, o)| {
                reqs_equal(
                    n.match_expressions.as_deref().unwrap_or(&[]),
                    o.match_expressions.as_deref().unwrap_or(&[]),
                ) && reqs_equal(
                    n.match_fields.as_deref().unwrap_or(&[]),
                    o.match_fields.as_deref().unwrap_or(&[]),
                )
            })
    }
    match (new, old) {
        (None, None) => true,
        (Some(n), Some(o)) => match (&n.required, &o.required) {
            (None, None) => true,
            (Some(n), Some(o)) => terms_equal(&n.node_selector_terms, &o.node_selector_terms),
            _ => false,
        },
        _ => false,
    }
}

/// The internal `*core.VolumeNodeAffinity` as JSON (Go field names).
fn json_volume_node_affinity(a: Option<&VolumeNodeAffinity>) -> String {
    let Some(a) = a else {
        return "null".into();
    };
    let required = a.required.as_ref().map_or_else(
        || "null".into(),
        |r| {
            let terms: Vec<String> = r
                .node_selector_terms
                .iter()
                .map(json_node_selector_term)
                .collect();
            format!("{{\"NodeSelectorTerms\":[{}]}}", terms.join(","))
        },
    );
    format!("{{\"Required\":{required}}}")
}

/// The volume strategy's `ValidateUpdate` (the metadata update rules come from the registry's
/// common checks): `ValidatePersistentVolume`, and `ValidatePersistentVolumeUpdate`:
/// an immutable source (a go-cmp diff follows the Forbidden text; adding a
/// `controllerExpandSecretRef` is allowed), an immutable `volumeMode`, a node affinity that may
/// only move from beta to GA labels, and no clearing of the attributes class.
pub(super) fn validate_pv_update(
    new: &PersistentVolume,
    old: &PersistentVolume,
) -> Vec<FieldError> {
    let mut errs = validate_pv(new);
    let mut new_spec = new.spec.clone().unwrap_or_default();
    let old_spec = old.spec.clone().unwrap_or_default();
    if let (Some(old_csi), Some(new_csi)) = (&old_spec.csi, new_spec.csi.as_mut())
        && old_csi.controller_expand_secret_ref.is_none()
    {
        new_csi.controller_expand_secret_ref = None;
    }
    let (old_go, new_go) = (go_volume_source(&old_spec), go_volume_source(&new_spec));
    if !gocmp::semantic_eq(&new_go, &old_go) {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("persistentvolumesource"),
            format!(
                "spec.persistentvolumesource is immutable after creation\n{}",
                gocmp::diff(&old_go, &new_go)
            ),
        ));
    }
    errs.extend(immutable(
        new_spec.volume_mode != old_spec.volume_mode,
        &Path::new("volumeMode"),
        new_spec
            .volume_mode
            .as_deref()
            .map_or(BadValue::Go("null".into()), json_str),
    ));
    if old_spec.node_affinity.is_some()
        && !node_affinity_equal(
            new_spec.node_affinity.as_ref(),
            old_spec.node_affinity.as_ref(),
        )
    {
        errs.push(FieldError::invalid(
            &Path::new("nodeAffinity"),
            BadValue::Go(json_volume_node_affinity(new_spec.node_affinity.as_ref())),
            format!("{FIELD_IMMUTABLE_ERROR_MSG}, except for updating from beta label to GA"),
        ));
    }
    if old_spec.volume_attributes_class_name.is_some()
        && new_spec.volume_attributes_class_name.is_none()
    {
        errs.push(FieldError::forbidden(
            &Path::new("spec").child("volumeAttributesClassName"),
            "update from non-nil value to nil is forbidden",
        ));
    }
    errs
}

/// `ValidatePersistentVolumeStatusUpdate`.
pub(super) fn validate_pv_status_update(
    new: &PersistentVolume,
    old: &PersistentVolume,
) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta_update(&new.metadata, &old.metadata, &md());
    if s(&new.metadata.resource_version).is_empty() {
        errs.push(FieldError::required(&Path::new("resourceVersion"), ""));
    }
    errs
}

// ----- StorageClass -----

/// StorageClass `supportedReclaimPolicy`, sorted.
const CLASS_RECLAIM_POLICIES: [&str; 2] = ["Delete", "Retain"];

/// `supportedVolumeBindingModes`, sorted.
const BINDING_MODES: [&str; 2] = ["Immediate", "WaitForFirstConsumer"];

/// `validateAllowedTopologies` with `ValidateTopologySelectorTerm`.
fn validate_allowed_topologies(terms: &[TopologySelectorTerm], path: &Path) -> Vec<FieldError> {
    let mut errs = vec![];
    // Upstream pre-fills its list with one empty map per term, so an empty term counts as a
    // duplicate.
    let mut seen: Vec<BTreeMap<String, Vec<String>>> = vec![BTreeMap::new(); terms.len()];
    for (i, term) in terms.iter().enumerate() {
        let term_path = path.index(i);
        let exprs_path = term_path.child("matchLabelExpressions");
        let mut expr_map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (j, req) in term.match_label_expressions.iter().flatten().enumerate() {
            let req_path = exprs_path.index(j);
            let values_path = req_path.child("values");
            if req.values.is_empty() {
                errs.push(FieldError::required(&values_path, ""));
            }
            let mut set: Vec<String> = vec![];
            for (k, v) in req.values.iter().enumerate() {
                if set.contains(v) {
                    errs.push(FieldError::duplicate(&values_path.index(k), v));
                } else {
                    set.push(v.clone());
                }
            }
            set.sort();
            errs.extend(
                names::is_qualified_name(&req.key)
                    .into_iter()
                    .map(|msg| FieldError::invalid(&req_path.child("key"), &req.key, msg)),
            );
            if expr_map.contains_key(&req.key) {
                errs.push(FieldError::duplicate(&req_path.child("key"), &req.key));
            }
            expr_map.insert(req.key.clone(), set);
        }
        if seen.contains(&expr_map) {
            errs.push(FieldError::duplicate(&exprs_path, ""));
        }
        seen.push(expr_map);
    }
    errs
}

/// `ValidateStorageClass`: metadata (a cluster-scoped DNS subdomain name), a provisioner that
/// is a qualified name, parameters, the reclaim policy, the binding mode and allowed topologies.
pub(super) fn validate_storage_class(sc: &StorageClass) -> Vec<FieldError> {
    let mut errs = meta::validate_object_meta(&sc.metadata, false, name_is_dns_subdomain, &md());
    let prov_path = Path::new("provisioner");
    if sc.provisioner.is_empty() {
        errs.push(FieldError::required(&prov_path, ""));
    } else {
        errs.extend(
            names::is_qualified_name(&sc.provisioner.to_lowercase())
                .into_iter()
                .map(|msg| FieldError::invalid(&prov_path, &sc.provisioner, msg)),
        );
    }
    let params_path = Path::new("parameters");
    if let Some(params) = &sc.parameters {
        if params.len() > 512 {
            errs.push(too_long(&params_path, 512));
        } else {
            let mut total = 0usize;
            for (k, v) in params {
                if k.is_empty() {
                    errs.push(FieldError::invalid(
                        &params_path,
                        k,
                        "field can not be empty.",
                    ));
                }
                total += k.len() + v.len();
            }
            if total > 256 * 1024 {
                errs.push(too_long(&params_path, 256 * 1024));
            }
        }
    }
    let reclaim = s(&sc.reclaim_policy);
    if !reclaim.is_empty() && !CLASS_RECLAIM_POLICIES.contains(&reclaim) {
        errs.push(FieldError::not_supported(
            &Path::new("reclaimPolicy"),
            json_str(reclaim),
            &CLASS_RECLAIM_POLICIES,
        ));
    }
    let mode_path = Path::new("volumeBindingMode");
    match sc.volume_binding_mode.as_deref() {
        None => errs.push(FieldError::required(&mode_path, "")),
        Some(mode) if !BINDING_MODES.contains(&mode) => {
            errs.push(FieldError::not_supported(
                &mode_path,
                json_str(mode),
                &BINDING_MODES,
            ));
        }
        Some(_) => {}
    }
    errs.extend(validate_allowed_topologies(
        sc.allowed_topologies.as_deref().unwrap_or(&[]),
        &Path::new("allowedTopologies"),
    ));
    errs
}

/// The class strategy's `ValidateUpdate`: `ValidateStorageClass`, then
/// `ValidateStorageClassUpdate` (parameters, provisioner and reclaim policy frozen, the binding
/// mode immutable).
pub(super) fn validate_storage_class_update(
    new: &StorageClass,
    old: &StorageClass,
) -> Vec<FieldError> {
    let mut errs = validate_storage_class(new);
    errs.extend(meta::validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        &md(),
    ));
    if new.parameters != old.parameters {
        errs.push(FieldError::forbidden(
            &Path::new("parameters"),
            "updates to parameters are forbidden.",
        ));
    }
    if new.provisioner != old.provisioner {
        errs.push(FieldError::forbidden(
            &Path::new("provisioner"),
            "updates to provisioner are forbidden.",
        ));
    }
    if s(&new.reclaim_policy) != s(&old.reclaim_policy) {
        errs.push(FieldError::forbidden(
            &Path::new("reclaimPolicy"),
            "updates to reclaimPolicy are forbidden.",
        ));
    }
    errs.extend(immutable(
        new.volume_binding_mode != old.volume_binding_mode,
        &Path::new("volumeBindingMode"),
        new.volume_binding_mode
            .as_deref()
            .map_or(BadValue::Go("null".into()), json_str),
    ));
    errs
}

#[cfg(test)]
mod tests;
