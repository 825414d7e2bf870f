//! Unit tests for the three patch types, against upstream's documented and observed behaviour.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::api::{Kind, Object};

/// A StatefulSet as the API server holds it: two containers, env, a volume, finalizers.
fn sts() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "6f2b6c1e-0000-0000-0000-000000000001",
            "resourceVersion": "42",
            "generation": 1,
            "labels": {"app": "nginx", "tier": "web"},
            "finalizers": ["example.com/a", "example.com/b"]
        },
        "spec": {
            "replicas": 3,
            "serviceName": "nginx",
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "registry.k8s.io/nginx-slim:0.24",
                            "ports": [{"containerPort": 80, "name": "web", "protocol": "TCP"}],
                            "env": [
                                {"name": "MODE", "value": "prod"},
                                {"name": "LEVEL", "value": "info"}
                            ],
                            "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}],
                            "args": ["-g", "daemon off;"]
                        },
                        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "3600"]}
                    ],
                    "volumes": [{"name": "config", "configMap": {"name": "web-config"}}],
                    "tolerations": [
                        {"key": "a", "operator": "Exists", "effect": "NoSchedule"},
                        {"key": "b", "operator": "Exists", "effect": "NoExecute"}
                    ],
                    "terminationGracePeriodSeconds": 10
                }
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "www"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}}
                }
            }],
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
        },
        "status": {"replicas": 3, "availableReplicas": 3}
    })
}

fn smp(original: &Value, patch: Value) -> Value {
    apply_patch_detailed(Kind::StatefulSet, original, PatchType::Strategic, &patch)
        .unwrap_or_else(|e| panic!("strategic patch failed: {e:?}"))
}

fn smp_err(original: &Value, patch: Value) -> PatchError {
    match apply_patch_detailed(Kind::StatefulSet, original, PatchType::Strategic, &patch) {
        Ok(v) => panic!("strategic patch unexpectedly applied: {v}"),
        Err(e) => e,
    }
}

fn json_patch(original: &Value, patch: Value) -> Result<Value, PatchError> {
    apply_patch_detailed(Kind::StatefulSet, original, PatchType::Json, &patch)
}

fn merge_patch(original: &Value, patch: Value) -> Result<Value, PatchError> {
    apply_patch_detailed(Kind::StatefulSet, original, PatchType::Merge, &patch)
}

fn decodes(kind: Kind, v: &Value) {
    if let Err(e) = Object::from_json(kind, v.clone()) {
        panic!("patched object does not decode: {e}: {v}");
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default()
}

// ----- strategic merge patch -----

#[test]
fn set_image_patch_changes_one_container_and_keeps_the_others() {
    // What `kubectl set image sts/web nginx=nginx:1.25` sends (a two-way merge patch).
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
            "containers": [{"image": "nginx:1.25", "name": "nginx"}]
        }}}}),
    );
    let containers = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(names(containers), ["nginx", "sidecar"]);
    assert_eq!(containers[0]["image"], "nginx:1.25");
    assert_eq!(
        containers[0]["env"],
        sts()["spec"]["template"]["spec"]["containers"][0]["env"]
    );
    assert_eq!(
        containers[1],
        sts()["spec"]["template"]["spec"]["containers"][1]
    );
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn containers_merge_by_name_without_an_order_directive() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "containers": [{"name": "sidecar", "image": "busybox:1.37"}]
        }}}}),
    );
    let containers = &out["spec"]["template"]["spec"]["containers"];
    assert_eq!(names(containers), ["nginx", "sidecar"]);
    assert_eq!(containers[1]["image"], "busybox:1.37");
    assert_eq!(containers[1]["command"], json!(["sleep", "3600"]));
}

#[test]
fn new_container_is_merged_in_front_as_upstream_orders_it() {
    // kubectl-patch docs: the added redis container comes out first.
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "containers": [{"name": "redis", "image": "redis"}]
        }}}}),
    );
    assert_eq!(
        names(&out["spec"]["template"]["spec"]["containers"]),
        ["redis", "nginx", "sidecar"]
    );
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn env_is_changed_and_added_by_name() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {"containers": [{
            "name": "nginx",
            "env": [{"name": "LEVEL", "value": "debug"}, {"name": "NEW", "value": "1"}]
        }]}}}}),
    );
    let env = &out["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(
        env,
        &json!([
            {"name": "MODE", "value": "prod"},
            {"name": "LEVEL", "value": "debug"},
            {"name": "NEW", "value": "1"}
        ])
    );
}

#[test]
fn env_value_null_removes_only_that_field() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {"containers": [{
            "name": "nginx", "env": [{"name": "MODE", "value": null}]
        }]}}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"][0],
        json!({"name": "MODE"})
    );
}

#[test]
fn new_volume_is_added_and_existing_volumes_kept() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "volumes": [{"name": "cache", "emptyDir": {}}]
        }}}}),
    );
    let volumes = &out["spec"]["template"]["spec"]["volumes"];
    assert_eq!(names(volumes), ["cache", "config"]);
    assert_eq!(volumes[1]["configMap"]["name"], "web-config");
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn volume_is_appended_when_the_order_directive_says_so() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/volumes": [{"name": "config"}, {"name": "cache"}],
            "volumes": [{"name": "cache", "emptyDir": {}}]
        }}}}),
    );
    assert_eq!(
        names(&out["spec"]["template"]["spec"]["volumes"]),
        ["config", "cache"]
    );
}

#[test]
fn patch_delete_removes_a_container() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "containers": [{"name": "sidecar", "$patch": "delete"}]
        }}}}),
    );
    assert_eq!(
        names(&out["spec"]["template"]["spec"]["containers"]),
        ["nginx"]
    );
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn patch_replace_element_replaces_the_whole_list() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]
        }}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "only", "image": "x"}])
    );
}

#[test]
fn patch_replace_and_delete_on_maps() {
    let out = smp(
        &sts(),
        json!({"metadata": {"labels": {"$patch": "replace", "new": "only"}}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({"new": "only"}));
    let out = smp(
        &sts(),
        json!({"metadata": {"labels": {"$patch": "delete"}}}),
    );
    assert_eq!(out["metadata"]["labels"], json!({}));
}

#[test]
fn patch_merge_directive_is_rejected_as_upstream_does() {
    let e = smp_err(
        &sts(),
        json!({"metadata": {"labels": {"$patch": "merge", "a": "b"}}}),
    );
    assert_eq!(e.kind, PatchErrorKind::Unknown);
    assert_eq!(
        e.message,
        "unknown patch type: merge in map: map[$patch:merge a:b]"
    );
    let e = smp_err(
        &sts(),
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "$patch": "merge"}]}}}}),
    );
    assert_eq!(
        e.message,
        "merging lists cannot yet be specified in the patch"
    );
}

#[test]
fn tolerations_are_replaced_whole() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "tolerations": [{"key": "disktype", "value": "ssd", "effect": "NoSchedule"}]
        }}}}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["tolerations"],
        json!([{"key": "disktype", "value": "ssd", "effect": "NoSchedule"}])
    );
}

#[test]
fn untagged_lists_are_replaced_whole() {
    let out = smp(
        &sts(),
        json!({"spec": {
            "template": {"spec": {"containers": [{"name": "nginx", "args": ["-v"]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}]
        }}),
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["args"],
        json!(["-v"])
    );
    // volumeClaimTemplates is `+listType=atomic` without a patch strategy upstream.
    assert_eq!(
        out["spec"]["volumeClaimTemplates"],
        json!([{"metadata": {"name": "data"}}])
    );
}

#[test]
fn finalizers_merge_as_a_set() {
    let out = smp(
        &sts(),
        json!({"metadata": {"finalizers": ["example.com/c", "example.com/a"]}}),
    );
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["example.com/c", "example.com/a", "example.com/b"])
    );
}

#[test]
fn delete_from_primitive_list_removes_a_finalizer() {
    // What kubectl computes when a finalizer is removed (e.g. by `kubectl edit`).
    let out = smp(
        &sts(),
        json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["example.com/a"],
            "$setElementOrder/finalizers": ["example.com/b"]
        }}),
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["example.com/b"]));
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn set_element_order_reorders_a_list() {
    let out = smp(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}]
        }}}}),
    );
    assert_eq!(
        names(&out["spec"]["template"]["spec"]["containers"]),
        ["sidecar", "nginx"]
    );
    let out = smp(
        &sts(),
        json!({"metadata": {"$setElementOrder/finalizers": ["example.com/b", "example.com/a"]}}),
    );
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["example.com/b", "example.com/a"])
    );
}

#[test]
fn set_element_order_that_contradicts_the_patch_is_rejected() {
    let e = smp_err(
        &sts(),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [{"name": "sidecar", "image": "x"}]
        }}}}),
    );
    assert_eq!(e.kind, PatchErrorKind::Unknown);
    assert!(
        e.message
            .starts_with("The order in patch list:\n[map[image:x name:sidecar]]\n")
    );
}

#[test]
fn retain_keys_clears_other_fields() {
    let out = smp(
        &sts(),
        json!({"spec": {"updateStrategy": {"$retainKeys": ["type"], "type": "OnDelete"}}}),
    );
    assert_eq!(out["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
    let e = smp_err(
        &sts(),
        json!({"spec": {"updateStrategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
    );
    assert_eq!(
        (e.kind, e.message.as_str()),
        (
            PatchErrorKind::BadRequest,
            "invalid patch format of retainKeys"
        )
    );
}

#[test]
fn null_deletes_keys_and_is_dropped_from_new_values() {
    let out = smp(
        &sts(),
        json!({"metadata": {"labels": {"tier": null, "new": "x", "absent": null}},
               "spec": {"ordinals": {"start": 1, "junk": null}}}),
    );
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "nginx", "new": "x"})
    );
    assert_eq!(out["spec"]["ordinals"], json!({"start": 1}));
}

#[test]
fn missing_merge_key_is_upstreams_500() {
    let e = smp_err(
        &sts(),
        json!({"spec": {"template": {"spec": {"containers": [{"image": "nginx:1.25"}]}}}}),
    );
    assert_eq!(e.kind, PatchErrorKind::Unknown);
    assert_eq!(
        e.message,
        "map: map[image:nginx:1.25] does not contain declared merge key: name"
    );
}

#[test]
fn malformed_strategic_patches_are_rejected() {
    for (patch, kind, message) in [
        (
            json!([1]),
            PatchErrorKind::BadRequest,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        (
            json!("x"),
            PatchErrorKind::BadRequest,
            "json: cannot unmarshal string into Go value of type map[string]interface {}",
        ),
        (
            json!({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}}),
            PatchErrorKind::BadRequest,
            "invalid patch format of primitive list",
        ),
        (
            json!({"metadata": {"$setElementOrder": []}}),
            PatchErrorKind::BadRequest,
            "invalid patch format of setElementOrder list",
        ),
        (
            json!({"spec": {"$retainKeys": "replicas"}}),
            PatchErrorKind::BadRequest,
            "invalid patch format of retainKeys",
        ),
        (
            json!({"metadata": {"$patch": 7}}),
            PatchErrorKind::Unknown,
            "unknown patch type: %!s(int64=7) in map: map[$patch:7]",
        ),
        (
            json!({"metadata": {"finalizers": [1]}}),
            PatchErrorKind::Unknown,
            "list element types are not identical: [[example.com/a example.com/b] [1]]",
        ),
    ] {
        let e = smp_err(&sts(), patch.clone());
        assert_eq!(
            (e.kind, e.message.as_str()),
            (kind, message),
            "patch {patch}"
        );
    }
}

#[test]
fn list_of_lists_is_a_422() {
    let mut original = sts();
    original["metadata"]["finalizers"] = json!([]);
    let e = smp_err(&original, json!({"metadata": {"finalizers": [["x"]]}}));
    assert_eq!(e.kind, PatchErrorKind::Invalid);
    assert_eq!(e.message, GENERIC_INVALID_MESSAGE);
    assert_eq!(
        e.detail.as_deref(),
        Some("lists of lists are not supported")
    );
}

#[test]
fn null_strategic_patch_changes_nothing() {
    assert_eq!(smp(&sts(), Value::Null), sts());
}

#[test]
fn pod_template_paths_work_in_every_workload_kind() {
    let template = json!({"spec": {"containers": [{"name": "c", "image": "old"}, {"name": "d", "image": "d"}]}});
    let patch_template = json!({"spec": {"containers": [{"name": "c", "image": "new"}]}});
    let cases = [
        (
            Kind::Deployment,
            json!({"spec": {"template": template}}),
            json!({"spec": {"template": patch_template}}),
            "/spec/template/spec/containers",
        ),
        (
            Kind::ReplicaSet,
            json!({"spec": {"template": template}}),
            json!({"spec": {"template": patch_template}}),
            "/spec/template/spec/containers",
        ),
        (
            Kind::DaemonSet,
            json!({"spec": {"template": template}}),
            json!({"spec": {"template": patch_template}}),
            "/spec/template/spec/containers",
        ),
        (
            Kind::Job,
            json!({"spec": {"template": template}}),
            json!({"spec": {"template": patch_template}}),
            "/spec/template/spec/containers",
        ),
        (
            Kind::CronJob,
            json!({"spec": {"jobTemplate": {"spec": {"template": template}}}}),
            json!({"spec": {"jobTemplate": {"spec": {"template": patch_template}}}}),
            "/spec/jobTemplate/spec/template/spec/containers",
        ),
        (
            Kind::Pod,
            template.clone(),
            patch_template.clone(),
            "/spec/containers",
        ),
    ];
    for (kind, original, patch, pointer) in cases {
        let out = apply_patch_detailed(kind, &original, PatchType::Strategic, &patch)
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        let containers = out.pointer(pointer).unwrap_or(&Value::Null);
        assert_eq!(
            containers,
            &json!([{"name": "c", "image": "new"}, {"name": "d", "image": "d"}]),
            "{kind}"
        );
    }
}

#[test]
fn status_conditions_and_node_addresses_merge_by_type() {
    let node = json!({"metadata": {"name": "n1"}, "spec": {"podCIDRs": ["10.0.0.0/24"]}, "status": {
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "MemoryPressure", "status": "False"}],
        "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]
    }});
    let out = apply_patch_detailed(
        Kind::Node,
        &node,
        PatchType::Strategic,
        &json!({"status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "addresses": [{"type": "Hostname", "address": "n1"}]
        }}),
    )
    .unwrap();
    assert_eq!(
        out["status"]["conditions"],
        json!([{"type": "Ready", "status": "False"}, {"type": "MemoryPressure", "status": "False"}])
    );
    assert_eq!(out["status"]["addresses"].as_array().map(Vec::len), Some(2));
    let pod = json!({"metadata": {"name": "p"}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
    let out = apply_patch_detailed(
        Kind::Pod,
        &pod,
        PatchType::Strategic,
        &json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
    )
    .unwrap();
    assert_eq!(
        out["status"]["conditions"],
        json!([{"type": "Ready", "status": "True"}])
    );
}

#[test]
fn service_ports_merge_by_port_and_owner_references_by_uid() {
    let svc = json!({"metadata": {"name": "s", "ownerReferences": [{"uid": "u1", "name": "a", "kind": "X", "apiVersion": "v1"}]},
                     "spec": {"ports": [{"port": 80, "name": "http"}]}});
    let out = apply_patch_detailed(
        Kind::Service,
        &svc,
        PatchType::Strategic,
        &json!({"metadata": {"ownerReferences": [{"uid": "u2", "name": "b", "kind": "X", "apiVersion": "v1"}]},
                "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "name": "https"}]}}),
    )
    .unwrap();
    // Both items are in the patch, so the patch's order wins.
    assert_eq!(
        out["spec"]["ports"][0],
        json!({"port": 80, "name": "http", "targetPort": 8080})
    );
    assert_eq!(
        out["spec"]["ports"][1],
        json!({"port": 443, "name": "https"})
    );
    assert_eq!(
        out["metadata"]["ownerReferences"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn controller_revision_data_is_opaque_to_strategic_merge() {
    let cr = json!({"metadata": {"name": "r"}, "data": {"spec": {"template": {}}}, "revision": 1});
    let e = apply_patch_detailed(
        Kind::ControllerRevision,
        &cr,
        PatchType::Strategic,
        &json!({"data": {"spec": {"x": 1}}}),
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "unable to find api field in struct RawExtension for the json field \"spec\""
    );
}

// ----- JSON merge patch -----

#[test]
fn merge_patch_null_removes_a_key_and_lists_are_replaced() {
    let out = merge_patch(
        &sts(),
        json!({"metadata": {"labels": {"tier": null}},
               "spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}]}}}}),
    )
    .unwrap();
    assert_eq!(out["metadata"]["labels"], json!({"app": "nginx"}));
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        json!([{"name": "only", "image": "x"}])
    );
    assert_eq!(out["spec"]["replicas"], 3);
}

#[test]
fn merge_patch_prunes_nulls_in_new_values() {
    let out = merge_patch(
        &sts(),
        json!({"spec": {"ordinals": {"start": 2, "x": null}, "replicas": {"a": [null, {"b": null}]}}}),
    )
    .unwrap();
    assert_eq!(out["spec"]["ordinals"], json!({"start": 2}));
    assert_eq!(out["spec"]["replicas"], json!({"a": [null, {}]}));
}

#[test]
fn malformed_merge_patches_are_rejected() {
    let e = merge_patch(&sts(), Value::Null).unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (PatchErrorKind::BadRequest, "Invalid JSON Patch")
    );
    let e = merge_patch(&sts(), json!([{"op": "add"}])).unwrap_err();
    assert_eq!(
        e.message,
        "error decoding patch: json: cannot unmarshal array into Go value of type \
         map[string]interface {}"
    );
    let e = merge_patch(&sts(), json!(3)).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::BadRequest);
}

// ----- JSON patch -----

#[test]
fn json_patch_add_replace_remove() {
    let out = json_patch(
        &sts(),
        json!([
            {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.25"},
            {"op": "add", "path": "/metadata/labels/new", "value": "x"},
            {"op": "remove", "path": "/metadata/labels/tier"},
            {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "E", "value": "1"}},
            {"op": "add", "path": "/metadata/finalizers/0", "value": "example.com/first"},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]),
    )
    .unwrap();
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "nginx", "new": "x"})
    );
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"][0]["env"][2]["name"],
        "E"
    );
    assert_eq!(out["metadata"]["finalizers"][0], "example.com/first");
    decodes(Kind::StatefulSet, &out);
}

#[test]
fn json_patch_move_copy_and_library_quirks() {
    let out = json_patch(
        &sts(),
        json!([
            {"op": "copy", "from": "/metadata/labels/app", "path": "/metadata/annotations"},
            {"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/layer"},
            // evanphx/json-patch v4: replace of a missing object key adds it.
            {"op": "replace", "path": "/metadata/labels/added", "value": "y"},
            // Negative indices count from the end.
            {"op": "remove", "path": "/metadata/finalizers/-1"}
        ]),
    )
    .unwrap();
    assert_eq!(out["metadata"]["annotations"], "nginx");
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "nginx", "layer": "web", "added": "y"})
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["example.com/a"]));
}

#[test]
fn json_patch_failed_test_is_a_bare_422() {
    let e = json_patch(
        &sts(),
        json!([{"op": "test", "path": "/spec/replicas", "value": 5}]),
    )
    .unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Invalid);
    assert_eq!(e.kind.code(), 422);
    assert_eq!(
        e.message,
        "the server rejected our request due to an error in our request"
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("testing value /spec/replicas failed: test failed")
    );
    // Nothing is applied when a later operation fails.
    let e = json_patch(
        &sts(),
        json!([{"op": "remove", "path": "/spec/replicas"}, {"op": "remove", "path": "/nope/x"}]),
    )
    .unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::Invalid);
}

#[test]
fn json_patch_failing_operations_are_422s() {
    for patch in [
        json!([{"op": "remove", "path": "/metadata/labels/absent"}]),
        json!([{"op": "add", "path": "/spec/missing/deeper", "value": 1}]),
        json!([{"op": "replace", "path": "/metadata/finalizers/5", "value": "x"}]),
        json!([{"op": "add", "path": "/metadata/finalizers/x", "value": "x"}]),
        json!([{"op": "frobnicate", "path": "/spec"}]),
        json!([{"path": "/spec"}]),
        json!([{"op": "add"}]),
        json!([{"op": "move", "from": "/metadata/labels/absent", "path": "/x"}]),
        json!([{"op": "replace", "path": "", "value": 1}]),
        json!([null]),
    ] {
        let e = json_patch(&sts(), patch.clone()).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::Invalid, "patch {patch}: {e:?}");
    }
}

#[test]
fn malformed_json_patches_are_400s() {
    for (patch, message) in [
        (
            json!({"op": "add"}),
            "error decoding patch: json: cannot unmarshal object into Go value of type \
             []handlers.jsonPatchOp",
        ),
        (
            json!(["add"]),
            "error decoding patch: json: cannot unmarshal string into Go value of type \
             handlers.jsonPatchOp",
        ),
        (
            json!([{"op": 1, "path": "/spec"}]),
            "error decoding patch: json: cannot unmarshal number into Go struct field \
             jsonPatchOp.op of type string",
        ),
        (
            json!([{"op": "add", "path": ["spec"], "value": 1}]),
            "error decoding patch: json: cannot unmarshal array into Go struct field \
             jsonPatchOp.path of type string",
        ),
    ] {
        let e = json_patch(&sts(), patch.clone()).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (PatchErrorKind::BadRequest, message)
        );
    }
    // A null patch is an empty list of operations.
    assert_eq!(json_patch(&sts(), Value::Null).unwrap(), sts());
}

#[test]
fn json_patch_with_too_many_operations_is_a_413() {
    let ops: Vec<Value> = (0..10001)
        .map(|_| json!({"op": "test", "path": "/spec/replicas", "value": 3}))
        .collect();
    let e = json_patch(&sts(), Value::Array(ops)).unwrap_err();
    assert_eq!(e.kind, PatchErrorKind::RequestEntityTooLarge);
    assert_eq!(
        e.message,
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got \
         10001"
    );
}

#[test]
fn apply_patch_returns_the_message() {
    let e = apply_patch(Kind::StatefulSet, &sts(), PatchType::Merge, &Value::Null).unwrap_err();
    assert_eq!(e, "Invalid JSON Patch");
}

// ----- never panic -----

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("$patch".to_string()),
        Just("$retainKeys".to_string()),
        Just("$setElementOrder/containers".to_string()),
        Just("$setElementOrder/finalizers".to_string()),
        Just("$deleteFromPrimitiveList/finalizers".to_string()),
        Just("$deleteFromPrimitiveList/containers".to_string()),
        Just("$deleteFromPrimitiveList".to_string()),
        Just("metadata".to_string()),
        Just("spec".to_string()),
        Just("template".to_string()),
        Just("containers".to_string()),
        Just("volumes".to_string()),
        Just("env".to_string()),
        Just("finalizers".to_string()),
        Just("labels".to_string()),
        Just("name".to_string()),
        Just("image".to_string()),
        Just("op".to_string()),
        Just("path".to_string()),
        Just("from".to_string()),
        Just("value".to_string()),
        "[a-z]{1,3}",
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        prop_oneof![
            Just("delete".to_string()),
            Just("replace".to_string()),
            Just("merge".to_string()),
            Just("nginx".to_string()),
            Just("sidecar".to_string()),
            Just("example.com/a".to_string()),
            Just("add".to_string()),
            Just("remove".to_string()),
            Just("/spec/template/spec/containers/0".to_string()),
            Just("/metadata/finalizers/-".to_string()),
            "[a-z/~0-9-]{0,6}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(arb_key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_json_patch_op() -> impl Strategy<Value = Value> {
    let path = prop_oneof![
        Just("".to_string()),
        Just("/".to_string()),
        Just("/spec/replicas".to_string()),
        Just("/metadata/labels/app".to_string()),
        Just("/metadata/finalizers/-".to_string()),
        Just("/metadata/finalizers/-3".to_string()),
        Just("/spec/template/spec/containers/1/env/0".to_string()),
        Just("/spec/template/spec/containers/0".to_string()),
        Just("spec/replicas".to_string()),
        "(/[a-z0-9~-]{0,4}){0,4}",
    ];
    let op = prop_oneof![
        Just("add"),
        Just("remove"),
        Just("replace"),
        Just("move"),
        Just("copy"),
        Just("test"),
        Just("nope"),
    ];
    (
        op,
        path.clone(),
        path,
        prop::option::of(arb_json()),
        any::<bool>(),
    )
        .prop_map(|(op, path, from, value, with_from)| {
            let mut m = serde_json::Map::new();
            m.insert("op".into(), json!(op));
            m.insert("path".into(), json!(path));
            if with_from {
                m.insert("from".into(), json!(from));
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        })
}

/// Wraps a random value where a pod template would be, so directives meet real lists.
fn in_template(v: Value) -> Value {
    json!({"metadata": {"finalizers": v.clone()}, "spec": {"template": {"spec": v}}})
}

proptest! {
    #[test]
    fn random_patches_of_every_type_never_panic(patch in arb_json()) {
        for patch_type in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
            let _ = apply_patch_detailed(Kind::StatefulSet, &sts(), patch_type, &patch);
            let _ = apply_patch_detailed(Kind::StatefulSet, &sts(), patch_type, &in_template(patch.clone()));
        }
    }

    #[test]
    fn random_json_patch_operations_never_panic(ops in prop::collection::vec(arb_json_patch_op(), 0..6)) {
        let _ = apply_patch_detailed(Kind::StatefulSet, &sts(), PatchType::Json, &Value::Array(ops));
    }

    #[test]
    fn random_strategic_patches_on_every_kind_never_panic(patch in arb_json(), kind_index in 0..Kind::ALL.len()) {
        let kind = Kind::ALL[kind_index];
        let _ = apply_patch_detailed(kind, &sts(), PatchType::Strategic, &in_template(patch));
    }
}
