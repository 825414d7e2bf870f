use serde_json::{Value, json};

use super::*;
use crate::api::validation::core::test_support::{create, distinct, from, status, update};

/// Deletes a key of a JSON object.
fn remove(v: &mut Value, key: &str) {
    if let Some(map) = v.as_object_mut() {
        map.remove(key);
    }
}

// ----- PersistentVolumeClaim -----

/// A claim as the API server holds it after defaulting.
fn claim_json() -> Value {
    json!({
        "metadata": {"name": "www-web-0", "namespace": "default", "resourceVersion": "1"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "standard",
            "volumeMode": "Filesystem"
        },
        "status": {"phase": "Pending"}
    })
}

fn claim(edit: impl FnOnce(&mut Value)) -> PersistentVolumeClaim {
    let mut v = claim_json();
    edit(&mut v);
    from(v)
}

#[test]
fn a_defaulted_claim_is_valid() {
    assert!(create(claim(|_| {})).is_empty());
}

#[test]
fn claim_access_modes_are_required() {
    let c = claim(|v| v["spec"]["accessModes"] = json!([]));
    assert_eq!(
        create(c),
        ["spec.accessModes: Required value: at least 1 access mode is required"]
    );
}

#[test]
fn claim_access_modes_must_be_supported() {
    let c = claim(|v| v["spec"]["accessModes"] = json!(["ReadWriteSometimes"]));
    assert_eq!(
        create(c),
        [
            "spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""
        ]
    );
}

#[test]
fn read_write_once_pod_stands_alone() {
    let c = claim(|v| v["spec"]["accessModes"] = json!(["ReadWriteOncePod", "ReadWriteOnce"]));
    assert_eq!(
        create(c),
        ["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"]
    );
}

#[test]
fn claim_storage_request_is_required() {
    let c = claim(|v| v["spec"]["resources"] = json!({}));
    assert_eq!(create(c), ["spec.resources[storage]: Required value"]);
}

#[test]
fn claim_storage_request_must_be_positive() {
    let c = claim(|v| v["spec"]["resources"]["requests"]["storage"] = json!("0"));
    assert_eq!(
        create(c),
        ["spec.resources[storage]: Invalid value: \"0\": must be greater than zero"]
    );
    let c = claim(|v| v["spec"]["resources"]["requests"]["storage"] = json!("-1Gi"));
    assert_eq!(
        create(c),
        ["spec.resources[storage]: Invalid value: \"-1Gi\": must be greater than zero"]
    );
}

#[test]
fn claim_volume_mode_must_be_supported() {
    let c = claim(|v| v["spec"]["volumeMode"] = json!("Raw"));
    assert_eq!(
        create(c),
        [
            "spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""
        ]
    );
}

#[test]
fn claim_storage_class_name_is_a_dns_subdomain() {
    let c = claim(|v| v["spec"]["storageClassName"] = json!("Fast_SSD"));
    assert_eq!(
        create(c),
        [
            "spec.storageClassName: Invalid value: \"Fast_SSD\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
}

#[test]
fn claim_name_is_a_dns_subdomain() {
    let c = claim(|v| v["metadata"]["name"] = json!("www_web_0"));
    assert_eq!(
        create(c),
        [
            "metadata.name: Invalid value: \"www_web_0\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
}

#[test]
fn claim_data_source_needs_a_pvc_in_the_core_group() {
    let c = claim(|v| v["spec"]["dataSource"] = json!({"kind": "VolumeSnapshot", "name": ""}));
    assert_eq!(
        create(c),
        [
            "spec.dataSource.name: Required value",
            "spec.dataSource: Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
        ]
    );
}

#[test]
fn claim_data_source_must_match_data_source_ref() {
    let c = claim(|v| {
        v["spec"]["dataSource"] = json!({"kind": "PersistentVolumeClaim", "name": "a"});
        v["spec"]["dataSourceRef"] = json!({"kind": "PersistentVolumeClaim", "name": "b"});
    });
    assert_eq!(
        create(c),
        ["spec: Invalid value: spec.dataSource: must match dataSourceRef"]
    );
}

#[test]
fn claim_template_spec_errors_use_the_callers_path() {
    let spec = claim(|v| v["spec"]["accessModes"] = json!([]))
        .spec
        .unwrap();
    let path = Path::new("spec")
        .child("volumeClaimTemplates")
        .index(0)
        .child("spec");
    let errs: Vec<String> = validate_persistent_volume_claim_spec(&spec, &path)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errs,
        [
            "spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required"
        ]
    );
}

#[test]
fn claim_spec_is_immutable_and_the_error_carries_a_go_cmp_diff() {
    let old = claim(|_| {});
    let new = claim(|v| v["spec"]["storageClassName"] = json!("fast"));
    assert_eq!(
        distinct(update(new, old)),
        [
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n\
             \x20 core.PersistentVolumeClaimSpec{\n\
             \x20 \t... // 2 identical fields\n\
             \x20 \tResources:        {Requests: {s\"storage\": {i: {...}, s: \"1Gi\", Format: \"BinarySI\"}}},\n\
             \x20 \tVolumeName:       \"\",\n\
             - \tStorageClassName: &\"standard\",\n\
             + \tStorageClassName: &\"fast\",\n\
             \x20 \tVolumeMode:       &\"Filesystem\",\n\
             \x20 \tDataSource:       nil,\n\
             \x20 \t... // 2 identical fields\n\
             \x20 }\n"
        ]
    );
}

#[test]
fn pending_claims_cannot_resize_but_bound_ones_can_grow() {
    let old = claim(|_| {});
    let grown = claim(|v| v["spec"]["resources"]["requests"]["storage"] = json!("2Gi"));
    assert_eq!(
        distinct(update(grown, old)),
        [
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n\
             \x20 core.PersistentVolumeClaimSpec{\n\
             \x20 \tAccessModes: {\"ReadWriteOnce\"},\n\
             \x20 \tSelector:    nil,\n\
             \x20 \tResources: core.VolumeResourceRequirements{\n\
             \x20 \t\tLimits: nil,\n\
             - \t\tRequests: core.ResourceList{\n\
             - \t\t\ts\"storage\": {i: resource.int64Amount{value: 1073741824}, s: \"1Gi\", Format: \"BinarySI\"},\n\
             - \t\t},\n\
             + \t\tRequests: core.ResourceList{\n\
             + \t\t\ts\"storage\": {i: resource.int64Amount{value: 2147483648}, s: \"2Gi\", Format: \"BinarySI\"},\n\
             + \t\t},\n\
             \x20 \t},\n\
             \x20 \tVolumeName:       \"\",\n\
             \x20 \tStorageClassName: &\"standard\",\n\
             \x20 \t... // 4 identical fields\n\
             \x20 }\n"
        ]
    );

    let bound = |storage: &str| {
        claim(|v| {
            v["spec"]["volumeName"] = json!("pvc-1");
            v["spec"]["resources"]["requests"]["storage"] = json!(storage);
            v["status"] = json!({"phase": "Bound", "capacity": {"storage": "1Gi"}});
        })
    };
    assert!(update(bound("2Gi"), bound("1Gi")).is_empty());
}

#[test]
fn the_first_volume_name_may_be_set_once() {
    let old = claim(|_| {});
    let new = claim(|v| v["spec"]["volumeName"] = json!("pvc-1"));
    assert!(update(new, old.clone()).is_empty());
    let old = claim(|v| v["spec"]["volumeName"] = json!("pvc-1"));
    let new = claim(|v| v["spec"]["volumeName"] = json!("pvc-2"));
    assert_eq!(
        distinct(update(new, old)),
        [
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n\
             \x20 core.PersistentVolumeClaimSpec{\n\
             \x20 \tAccessModes:      {\"ReadWriteOnce\"},\n\
             \x20 \tSelector:         nil,\n\
             \x20 \tResources:        {Requests: {s\"storage\": {i: {...}, s: \"1Gi\", Format: \"BinarySI\"}}},\n\
             - \tVolumeName:       \"pvc-1\",\n\
             + \tVolumeName:       \"pvc-2\",\n\
             \x20 \tStorageClassName: &\"standard\",\n\
             \x20 \tVolumeMode:       &\"Filesystem\",\n\
             \x20 \t... // 3 identical fields\n\
             \x20 }\n"
        ]
    );
}

#[test]
fn bound_claims_cannot_shrink_to_their_capacity() {
    let bound = |storage: &str| {
        claim(|v| {
            v["spec"]["volumeName"] = json!("pvc-1");
            v["spec"]["resources"]["requests"]["storage"] = json!(storage);
            v["status"] = json!({"phase": "Bound", "capacity": {"storage": "2Gi"}});
        })
    };
    assert_eq!(
        update(bound("1Gi"), bound("3Gi")),
        ["spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"]
    );
    // Recovering from a failed expansion down to just above the capacity is allowed.
    assert!(update(bound("2500Mi"), bound("3Gi")).is_empty());
}

#[test]
fn claim_volume_mode_is_immutable() {
    let old = claim(|_| {});
    let new = claim(|v| v["spec"]["volumeMode"] = json!("Block"));
    let errs = distinct(update(new, old));
    assert_eq!(errs.len(), 2);
    assert_eq!(
        errs[1],
        "volumeMode: Invalid value: \"Block\": field is immutable"
    );
}

#[test]
fn claim_attributes_class_cannot_be_cleared() {
    let old = claim(|v| v["spec"]["volumeAttributesClassName"] = json!("gold"));
    let new = claim(|v| v["spec"]["volumeAttributesClassName"] = json!(""));
    let errs = distinct(update(new, old));
    assert_eq!(
        errs.last().map(String::as_str),
        Some(
            "spec.volumeAttributesClassName: Forbidden: update from non-nil value to an empty string is forbidden"
        )
    );
}

#[test]
fn update_reports_the_registrys_metadata_checks_before_the_strategys() {
    let old = claim(|v| v["spec"]["accessModes"] = json!([]));
    let new = claim(|v| {
        v["spec"]["accessModes"] = json!([]);
        v["metadata"]["namespace"] = json!("other");
    });
    assert_eq!(
        distinct(update(new, old)),
        [
            "metadata.namespace: Invalid value: \"other\": field is immutable",
            "spec.accessModes: Required value: at least 1 access mode is required",
        ]
    );
}

#[test]
fn beta_storage_class_annotation_is_immutable() {
    let old = claim(|v| {
        v["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "a"});
    });
    let new = claim(|v| {
        v["metadata"]["annotations"] = json!({"volume.beta.kubernetes.io/storage-class": "b"});
    });
    assert_eq!(
        update(new, old),
        [
            "metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: \"b\": field is immutable"
        ]
    );
}

#[test]
fn claim_status_capacity_must_not_be_negative() {
    let old = claim(|_| {});
    let new = claim(|v| v["status"] = json!({"phase": "Bound", "capacity": {"storage": "-1Gi"}}));
    assert_eq!(
        status(new, old),
        ["status.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity"]
    );
}

#[test]
fn claim_resize_status_values_are_checked_and_report_the_key() {
    let old = claim(|_| {});
    let new = claim(|v| {
        v["status"] =
            json!({"phase": "Bound", "allocatedResourceStatuses": {"storage": "Resizing"}});
    });
    assert_eq!(
        status(new, old),
        [
            "status.allocatedResourceStatus: Unsupported value: \"storage\": supported values: \"ControllerResizeInProgress\", \"ControllerResizeInfeasible\", \"NodeResizeInProgress\", \"NodeResizeInfeasible\", \"NodeResizePending\""
        ]
    );
}

// ----- PersistentVolume -----

fn volume_json() -> Value {
    json!({
        "metadata": {"name": "pv-1", "resourceVersion": "1"},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "volumeMode": "Filesystem",
            "hostPath": {"path": "/data/a", "type": ""}
        }
    })
}

fn volume(edit: impl FnOnce(&mut Value)) -> PersistentVolume {
    let mut v = volume_json();
    edit(&mut v);
    from(v)
}

#[test]
fn a_defaulted_host_path_volume_is_valid() {
    assert!(create(volume(|_| {})).is_empty());
}

#[test]
fn volume_capacity_is_required_and_only_storage() {
    let pv = volume(|v| remove(&mut v["spec"], "capacity"));
    assert_eq!(
        create(pv),
        [
            "spec.capacity: Required value",
            "spec.capacity: Unsupported value: null: supported values: \"storage\"",
        ]
    );
    let pv = volume(|v| v["spec"]["capacity"]["cpu"] = json!("1"));
    assert_eq!(
        create(pv),
        [
            "spec.capacity: Unsupported value: {\"cpu\":\"1\",\"storage\":\"1Gi\"}: supported values: \"storage\""
        ]
    );
}

#[test]
fn volume_capacity_must_be_positive() {
    let pv = volume(|v| v["spec"]["capacity"]["storage"] = json!("0"));
    assert_eq!(
        create(pv),
        ["spec.capacity[storage]: Invalid value: \"0\": must be greater than zero"]
    );
}

#[test]
fn volume_access_modes_are_required() {
    let pv = volume(|v| v["spec"]["accessModes"] = json!([]));
    assert_eq!(create(pv), ["spec.accessModes: Required value"]);
}

#[test]
fn volume_needs_exactly_one_source() {
    let pv = volume(|v| remove(&mut v["spec"], "hostPath"));
    assert_eq!(
        create(pv),
        ["spec: Required value: must specify a volume type"]
    );
    let pv = volume(|v| v["spec"]["nfs"] = json!({"server": "nfs", "path": "/x"}));
    assert_eq!(
        create(pv),
        ["spec.nfs: Forbidden: may not specify more than 1 volume type"]
    );
}

#[test]
fn volume_reclaim_policy_must_be_supported() {
    let pv = volume(|v| v["spec"]["persistentVolumeReclaimPolicy"] = json!("Keep"));
    assert_eq!(
        create(pv),
        [
            "spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\""
        ]
    );
}

#[test]
fn recycling_a_host_path_of_root_is_forbidden() {
    let pv = volume(|v| {
        v["spec"]["hostPath"]["path"] = json!("//");
        v["spec"]["persistentVolumeReclaimPolicy"] = json!("Recycle");
    });
    assert_eq!(
        create(pv),
        [
            "spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"
        ]
    );
}

#[test]
fn host_path_type_and_backsteps() {
    let pv = volume(|v| v["spec"]["hostPath"] = json!({"path": "/data/../etc", "type": "Dir"}));
    assert_eq!(
        create(pv),
        [
            "spec.hostPath.path: Invalid value: \"/data/../etc\": must not contain '..'",
            "spec.hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
        ]
    );
}

#[test]
fn nfs_paths_are_absolute() {
    let pv = volume(|v| {
        remove(&mut v["spec"], "hostPath");
        v["spec"]["nfs"] = json!({"server": "", "path": "data"});
    });
    assert_eq!(
        create(pv),
        [
            "spec.nfs.server: Required value",
            "spec.nfs.path: Invalid value: \"data\": must be an absolute path",
        ]
    );
}

#[test]
fn local_volumes_need_node_affinity_with_terms() {
    let pv = volume(|v| {
        remove(&mut v["spec"], "hostPath");
        v["spec"]["local"] = json!({"path": "/mnt/disks/a"});
    });
    assert_eq!(
        create(pv),
        ["spec.nodeAffinity: Required value: Local volume requires node affinity"]
    );
    let pv = volume(|v| {
        remove(&mut v["spec"], "hostPath");
        v["spec"]["local"] = json!({"path": "/mnt/disks/a"});
        v["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": []}});
    });
    assert_eq!(
        create(pv),
        [
            "spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term"
        ]
    );
}

#[test]
fn node_affinity_requirements_are_checked() {
    let pv = volume(|v| {
        v["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{
            "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "Near"}],
            "matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["a"]}]
        }]}});
    });
    assert_eq!(
        create(pv),
        [
            "spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
            "spec.nodeAffinity.required.nodeSelectorTerms[0].matchFields[0].key: Invalid value: \"metadata.uid\": not a valid field selector key",
        ]
    );
}

#[test]
fn csi_volumes_need_a_driver_and_handle() {
    let pv = volume(|v| {
        remove(&mut v["spec"], "hostPath");
        v["spec"]["csi"] = json!({"driver": "", "volumeHandle": ""});
    });
    assert_eq!(
        create(pv),
        [
            "spec.csi.driver: Required value",
            "spec.csi.driver: Invalid value: \"\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "spec.csi.volumeHandle: Required value",
        ]
    );
}

#[test]
fn host_path_volumes_take_no_mount_options() {
    let pv = volume(|v| v["spec"]["mountOptions"] = json!(["ro"]));
    assert_eq!(
        create(pv),
        ["spec.mountOptions: Forbidden: may not specify mount options for this volume type"]
    );
}

#[test]
fn volume_source_is_immutable_and_the_error_carries_a_go_cmp_diff() {
    let old = volume(|_| {});
    let new = volume(|v| v["spec"]["hostPath"]["path"] = json!("/data/b"));
    assert_eq!(
        update(new, old),
        [
            "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n\
             \x20 core.PersistentVolumeSource{\n\
             \x20 \tGCEPersistentDisk:    nil,\n\
             \x20 \tAWSElasticBlockStore: nil,\n\
             \x20 \tHostPath: &core.HostPathVolumeSource{\n\
             - \t\tPath: \"/data/a\",\n\
             + \t\tPath: \"/data/b\",\n\
             \x20 \t\tType: &\"\",\n\
             \x20 \t},\n\
             \x20 \tGlusterfs: nil,\n\
             \x20 \tNFS:       nil,\n\
             \x20 \t... // 17 identical fields\n\
             \x20 }\n"
        ]
    );
}

#[test]
fn volume_mode_of_a_volume_is_immutable() {
    let old = volume(|_| {});
    let new = volume(|v| v["spec"]["volumeMode"] = json!("Block"));
    assert_eq!(
        update(new, old),
        ["volumeMode: Invalid value: \"Block\": field is immutable"]
    );
}

#[test]
fn volume_node_affinity_may_only_move_to_ga_labels() {
    let with_key = |key: &str| {
        volume(move |v| {
            v["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{
                "matchExpressions": [{"key": key, "operator": "In", "values": ["z1"]}]
            }]}});
        })
    };
    let old = with_key("failure-domain.beta.kubernetes.io/zone");
    assert!(update(with_key("topology.kubernetes.io/zone"), old.clone()).is_empty());
    assert_eq!(
        update(with_key("example.com/rack"), old),
        [
            "nodeAffinity: Invalid value: {\"Required\":{\"NodeSelectorTerms\":[{\"MatchExpressions\":[{\"Key\":\"example.com/rack\",\"Operator\":\"In\",\"Values\":[\"z1\"]}],\"MatchFields\":null}]}}: field is immutable, except for updating from beta label to GA"
        ]
    );
}

#[test]
fn volume_status_update_needs_a_resource_version() {
    let old = volume(|_| {});
    let new = volume(|v| remove(&mut v["metadata"], "resourceVersion"));
    assert_eq!(
        distinct(status(new, old)),
        [
            "metadata.resourceVersion: Invalid value: \"\": must be specified for an update",
            "resourceVersion: Required value",
        ]
    );
}

// ----- StorageClass -----

fn class(edit: impl FnOnce(&mut Value)) -> StorageClass {
    let mut v = json!({
        "metadata": {"name": "standard", "resourceVersion": "1"},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer"
    });
    edit(&mut v);
    from(v)
}

#[test]
fn a_defaulted_storage_class_is_valid() {
    assert!(create(class(|_| {})).is_empty());
}

#[test]
fn provisioner_is_required_and_a_qualified_name() {
    assert_eq!(
        create(class(|v| v["provisioner"] = json!(""))),
        ["provisioner: Required value"]
    );
    assert_eq!(
        create(class(|v| v["provisioner"] = json!("/local-path"))),
        ["provisioner: Invalid value: \"/local-path\": prefix part must be non-empty"]
    );
}

#[test]
fn class_reclaim_policy_is_delete_or_retain() {
    assert_eq!(
        create(class(|v| v["reclaimPolicy"] = json!("Recycle"))),
        ["reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""]
    );
}

#[test]
fn class_binding_mode_is_required_and_supported() {
    assert_eq!(
        create(class(|v| remove(v, "volumeBindingMode"))),
        ["volumeBindingMode: Required value"]
    );
    assert_eq!(
        create(class(|v| v["volumeBindingMode"] = json!("Lazy"))),
        [
            "volumeBindingMode: Unsupported value: \"Lazy\": supported values: \"Immediate\", \"WaitForFirstConsumer\""
        ]
    );
}

#[test]
fn class_parameter_keys_must_not_be_empty() {
    assert_eq!(
        create(class(|v| v["parameters"] = json!({"": "x"}))),
        ["parameters: Invalid value: \"\": field can not be empty."]
    );
}

#[test]
fn allowed_topologies_need_values_and_unique_terms() {
    let sc = class(|v| {
        v["allowedTopologies"] = json!([
            {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": []}]},
            {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["a", "a"]}]}
        ]);
    });
    assert_eq!(
        create(sc),
        [
            "allowedTopologies[0].matchLabelExpressions[0].values: Required value",
            "allowedTopologies[1].matchLabelExpressions[0].values[1]: Duplicate value: \"a\"",
        ]
    );
}

#[test]
fn class_updates_cannot_touch_frozen_fields() {
    let old = class(|_| {});
    let new = class(|v| {
        v["provisioner"] = json!("example.com/nfs");
        v["parameters"] = json!({"a": "b"});
        v["reclaimPolicy"] = json!("Retain");
        v["volumeBindingMode"] = json!("Immediate");
    });
    assert_eq!(
        update(new, old),
        [
            "parameters: Forbidden: updates to parameters are forbidden.",
            "provisioner: Forbidden: updates to provisioner are forbidden.",
            "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
            "volumeBindingMode: Invalid value: \"Immediate\": field is immutable",
        ]
    );
}
