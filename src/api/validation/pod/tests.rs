//! Unit tests of pod validation. Objects are defaulted first, as the API server does, and
//! every test asserts the complete list of messages.

use serde_json::{Value, json};

use super::*;
use crate::api::defaults::{DefaultOptions, apply_defaults};
use crate::api::validation::{validate_create, validate_status_update, validate_update};
use crate::api::{Kind, Object};

fn opts() -> ValidationOptions {
    ValidationOptions::default()
}

fn msgs(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

const DNS_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// A StatefulSet as a user writes it; `edit` changes its pod spec.
fn sts_json(edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "serviceName": "nginx",
            "replicas": 3,
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {
                    "containers": [{
                        "name": "nginx",
                        "image": "nginx:1.25",
                        "ports": [{"containerPort": 80, "name": "web"}],
                        "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]
                    }],
                    "volumes": [{"name": "www", "emptyDir": {}}]
                }
            }
        }
    });
    edit(&mut v["spec"]["template"]["spec"]);
    v
}

fn defaulted(kind: Kind, v: Value) -> Object {
    let mut obj = Object::from_json(kind, v).expect("test object decodes");
    apply_defaults(&mut obj, &DefaultOptions::default());
    obj
}

/// Errors of a defaulted StatefulSet whose pod spec `edit` changed.
fn errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    msgs(&validate_create(
        &defaulted(Kind::StatefulSet, sts_json(edit)),
        &opts(),
    ))
}

/// Errors of a defaulted StatefulSet changed anywhere by `edit`.
fn sts_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v = sts_json(|_| {});
    edit(&mut v);
    msgs(&validate_create(&defaulted(Kind::StatefulSet, v), &opts()))
}

/// A pod as a user writes it; `edit` changes the whole object.
fn pod_json(edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "default"},
        "spec": {
            "serviceAccountName": "default",
            "containers": [{"name": "nginx", "image": "nginx:1.25"}]
        }
    });
    edit(&mut v);
    v
}

fn pod(edit: impl FnOnce(&mut Value)) -> Object {
    defaulted(Kind::Pod, pod_json(edit))
}

fn pod_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    msgs(&validate_create(&pod(edit), &opts()))
}

/// A stored pod, then the errors of updating it with `edit`.
fn pod_update_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let old = pod(|v| {
        v["metadata"]["uid"] = json!("uid-1");
        v["metadata"]["resourceVersion"] = json!("5");
        v["spec"]["tolerations"] = json!([{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}]);
        v["spec"]["activeDeadlineSeconds"] = json!(100);
    });
    let mut v = old.to_json();
    edit(&mut v);
    let new = Object::from_json(Kind::Pod, v).expect("decodes");
    msgs(&validate_update(&new, &old, &opts()))
}

/// A stored, scheduled pod, then the errors of writing its status with `edit`.
fn pod_status_errs(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let old = pod(|v| {
        v["metadata"]["uid"] = json!("uid-1");
        v["metadata"]["resourceVersion"] = json!("5");
        v["spec"]["nodeName"] = json!("node-1");
        v["spec"]["restartPolicy"] = json!("Never");
        v["status"] = json!({
            "phase": "Succeeded",
            "qosClass": "BestEffort",
            "containerStatuses": [{
                "name": "nginx", "image": "nginx:1.25", "imageID": "", "ready": false,
                "restartCount": 0, "state": {"terminated": {"exitCode": 0}}
            }]
        });
    });
    let mut v = old.to_json();
    edit(&mut v);
    let new = Object::from_json(Kind::Pod, v).expect("decodes");
    msgs(&validate_status_update(&new, &old, &opts()))
}

const C0: &str = "spec.template.spec.containers[0]";

// ----- the baseline -----

#[test]
fn defaulted_template_and_pod_are_valid() {
    assert!(errs(|_| {}).is_empty(), "{:?}", errs(|_| {}));
    assert!(pod_errs(|_| {}).is_empty(), "{:?}", pod_errs(|_| {}));
}

#[test]
fn statefulset_template_errors_carry_the_full_path() {
    let obj = defaulted(
        Kind::StatefulSet,
        sts_json(|s| {
            s["containers"][0]["image"] = json!("");
            s["containers"][0]["ports"][0]["containerPort"] = json!(0);
        }),
    );
    let errs = validate_create(&obj, &opts());
    assert_eq!(
        msgs(&errs),
        [
            "spec.template.spec.containers[0].image: Required value",
            "spec.template.spec.containers[0].ports[0].containerPort: Required value",
        ]
    );
    assert_eq!(
        crate::api::field::aggregate_message(&errs),
        "[spec.template.spec.containers[0].image: Required value, spec.template.spec.containers[0].ports[0].containerPort: Required value]"
    );
}

#[test]
fn undefaulted_template_misses_the_defaulted_fields() {
    let t: PodTemplateSpec = serde_json::from_value(json!({
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    }))
    .unwrap();
    assert_eq!(
        msgs(&validate_pod_template_spec(
            &t,
            &Path::new("spec").child("template"),
            &opts()
        )),
        [
            "spec.template.spec.terminationGracePeriodSeconds: Required value",
            "spec.template.spec.containers[0].terminationMessagePolicy: Required value",
            "spec.template.spec.containers[0].imagePullPolicy: Required value",
            "spec.template.spec.restartPolicy: Required value",
            "spec.template.spec.dnsPolicy: Required value",
        ]
    );
}

// ----- containers -----

#[test]
fn containers_are_required() {
    assert_eq!(
        errs(|s| {
            s["containers"] = json!([]);
            s["volumes"] = json!([]);
        }),
        ["spec.template.spec.containers: Required value"]
    );
}

#[test]
fn container_name_is_required() {
    assert_eq!(
        errs(|s| s["containers"][0]["name"] = json!("")),
        [format!("{C0}.name: Required value")]
    );
}

#[test]
fn container_name_is_a_dns_label() {
    assert_eq!(
        errs(|s| s["containers"][0]["name"] = json!("Nginx")),
        [format!(
            "{C0}.name: Invalid value: \"Nginx\": {DNS_LABEL_ERR}"
        )]
    );
}

#[test]
fn container_names_are_unique() {
    assert_eq!(
        errs(|s| {
            let c = s["containers"][0].clone();
            s["containers"].as_array_mut().unwrap().push(c);
            s["containers"][1]["ports"] = json!([]);
        }),
        ["spec.template.spec.containers[1].name: Duplicate value: \"nginx\""]
    );
}

#[test]
fn init_container_names_are_unique_across_both_lists() {
    assert_eq!(
        errs(|s| s["initContainers"] = json!([{"name": "nginx", "image": "busybox"}])),
        ["spec.template.spec.initContainers[0].name: Duplicate value: \"nginx\""]
    );
}

#[test]
fn image_is_required() {
    assert_eq!(
        errs(|s| s["containers"][0]["image"] = json!("")),
        [format!("{C0}.image: Required value")]
    );
}

#[test]
fn image_pull_policy_is_a_known_value() {
    assert_eq!(
        errs(|s| s["containers"][0]["imagePullPolicy"] = json!("Sometimes")),
        [format!(
            "{C0}.imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""
        )]
    );
}

#[test]
fn termination_message_policy_is_a_known_value() {
    assert_eq!(
        errs(|s| s["containers"][0]["terminationMessagePolicy"] = json!("Logs")),
        [format!(
            "{C0}.terminationMessagePolicy: Unsupported value: \"Logs\": supported values: \"File\", \"FallbackToLogsOnError\""
        )]
    );
}

#[test]
fn regular_containers_may_not_set_restart_policy() {
    assert_eq!(
        errs(|s| s["containers"][0]["restartPolicy"] = json!("Always")),
        [format!(
            "{C0}.restartPolicy: Forbidden: may not be set for non-init containers"
        )]
    );
}

#[test]
fn init_containers_only_restart_always() {
    assert_eq!(
        errs(|s| s["initContainers"] =
            json!([{"name": "init", "image": "busybox", "restartPolicy": "OnFailure"}])),
        [
            "spec.template.spec.initContainers[0].restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""
        ]
    );
}

#[test]
fn plain_init_containers_have_no_probes_but_sidecars_do() {
    let probe = json!({"exec": {"command": ["true"]}});
    assert_eq!(
        errs(|s| s["initContainers"] =
            json!([{"name": "init", "image": "busybox", "readinessProbe": probe.clone()}])),
        [
            "spec.template.spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"
        ]
    );
    assert!(
        errs(|s| s["initContainers"] =
            json!([{"name": "proxy", "image": "envoy", "restartPolicy": "Always", "readinessProbe": probe}]))
        .is_empty()
    );
}

// ----- ports -----

#[test]
fn container_port_is_required() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["containerPort"] = json!(0)),
        [format!("{C0}.ports[0].containerPort: Required value")]
    );
}

#[test]
fn container_port_is_in_range() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["containerPort"] = json!(70000)),
        [format!(
            "{C0}.ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
        )]
    );
}

#[test]
fn host_port_is_in_range() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["hostPort"] = json!(-1)),
        [format!(
            "{C0}.ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive"
        )]
    );
}

#[test]
fn port_protocol_is_supported() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["protocol"] = json!("HTTP")),
        [format!(
            "{C0}.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        )]
    );
}

#[test]
fn port_names_follow_iana_rules() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["name"] = json!("-http--server-xyz")),
        [
            format!(
                "{C0}.ports[0].name: Invalid value: \"-http--server-xyz\": must be no more than 15 characters"
            ),
            format!(
                "{C0}.ports[0].name: Invalid value: \"-http--server-xyz\": must not contain consecutive hyphens"
            ),
            format!(
                "{C0}.ports[0].name: Invalid value: \"-http--server-xyz\": must not begin or end with a hyphen"
            ),
        ]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["ports"][0]["name"] = json!("8080")),
        [format!(
            "{C0}.ports[0].name: Invalid value: \"8080\": must contain at least one letter (a-z)"
        )]
    );
}

#[test]
fn port_names_are_unique() {
    assert_eq!(
        errs(|s| s["containers"][0]["ports"]
            .as_array_mut()
            .unwrap()
            .push(json!({"containerPort": 81, "name": "web"}))),
        [format!("{C0}.ports[1].name: Duplicate value: \"web\"")]
    );
}

#[test]
fn host_ports_do_not_collide() {
    assert_eq!(
        errs(|s| {
            s["containers"][0]["ports"] = json!([
                {"containerPort": 80, "hostPort": 8080},
                {"containerPort": 81, "hostPort": 8080}
            ]);
        }),
        [format!(
            "{C0}.ports[1].hostPort: Duplicate value: \"TCP//8080\""
        )]
    );
}

#[test]
fn host_network_ports_must_match() {
    assert_eq!(
        errs(|s| {
            s["hostNetwork"] = json!(true);
            s["containers"][0]["ports"][0]["hostPort"] = json!(8080);
        }),
        [format!(
            "{C0}.ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true"
        )]
    );
}

// ----- env -----

#[test]
fn env_names_are_required() {
    assert_eq!(
        errs(|s| s["containers"][0]["env"] = json!([{"name": "", "value": "x"}])),
        [format!("{C0}.env[0].name: Required value")]
    );
}

#[test]
fn env_names_use_the_relaxed_rule() {
    assert!(
        errs(|s| s["containers"][0]["env"] = json!([{"name": "1-weird name", "value": "x"}]))
            .is_empty()
    );
    assert_eq!(
        errs(|s| s["containers"][0]["env"] = json!([{"name": "A=B", "value": "x"}])),
        [format!(
            "{C0}.env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
        )]
    );
}

#[test]
fn strict_env_var_names_are_available() {
    assert_eq!(
        util::is_env_var_name("1abc"),
        [
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        ]
    );
    assert_eq!(util::is_env_var_name("..a"), ["must not start with '..'"]);
}

#[test]
fn env_value_from_needs_a_source() {
    assert_eq!(
        errs(|s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": {}}])),
        [format!(
            "{C0}.env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
        )]
    );
}

#[test]
fn env_value_from_excludes_value_and_second_sources() {
    let source = json!({"configMapKeyRef": {"name": "cfg", "key": "k"}, "secretKeyRef": {"name": "s", "key": "k"}});
    assert_eq!(
        errs(|s| s["containers"][0]["env"] =
            json!([{"name": "A", "value": "x", "valueFrom": source.clone()}])),
        [format!(
            "{C0}.env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"
        )]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": source}])),
        [format!(
            "{C0}.env[0].valueFrom: Invalid value: \"\": may not have more than one field specified at a time"
        )]
    );
}

#[test]
fn field_ref_paths_are_supported_ones() {
    assert_eq!(
        errs(|s| s["containers"][0]["env"] =
            json!([{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "spec.hostname"}}}])),
        [format!(
            "{C0}.env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.hostname\": error converting fieldPath: field label not supported: spec.hostname"
        )]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["env"] =
            json!([{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.phase"}}}])),
        [format!(
            "{C0}.env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\""
        )]
    );
}

#[test]
fn field_ref_label_subscripts_are_label_keys() {
    assert!(
        errs(|s| s["containers"][0]["env"] =
            json!([{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}}]))
        .is_empty()
    );
    assert_eq!(
        errs(
            |s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": {"fieldRef": {"apiVersion": "v2", "fieldPath": "metadata.name"}}}])
        ),
        [format!(
            "{C0}.env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.name\": error converting fieldPath: unsupported pod version: v2"
        )]
    );
}

#[test]
fn resource_field_refs_name_a_container_resource_and_divisor() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.gpu"}}}])
        ),
        [format!(
            "{C0}.env[0].valueFrom.resourceFieldRef.resource: Unsupported value: \"limits.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\""
        )]
    );
    assert_eq!(
        errs(
            |s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "2"}}}])
        ),
        [format!(
            "{C0}.env[0].valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's values 1m and 1 are supported with the cpu resource"
        )]
    );
}

#[test]
fn key_selectors_need_a_valid_name_and_key() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["env"] = json!([{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "Cfg", "key": ""}}}])
        ),
        [
            format!(
                "{C0}.env[0].valueFrom.configMapKeyRef.name: Invalid value: \"Cfg\": {DNS_SUBDOMAIN_ERR}"
            ),
            format!("{C0}.env[0].valueFrom.configMapKeyRef.key: Required value"),
        ]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["env"] =
            json!([{"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "a/b"}}}])),
        [format!(
            "{C0}.env[0].valueFrom.secretKeyRef.key: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        )]
    );
}

#[test]
fn env_from_needs_exactly_one_source() {
    assert_eq!(
        errs(|s| s["containers"][0]["envFrom"] = json!([{"prefix": "P_"}])),
        [format!(
            "{C0}.envFrom: Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"
        )]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["envFrom"] =
            json!([{"configMapRef": {"name": ""}, "prefix": "A=B"}])),
        [
            format!(
                "{C0}.envFrom[0].prefix: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"
            ),
            format!("{C0}.envFrom[0].configMapRef.name: Required value"),
        ]
    );
}

// ----- mounts -----

#[test]
fn mounts_name_an_existing_volume() {
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["name"] = json!("data")),
        [format!("{C0}.volumeMounts[0].name: Not found: \"data\"")]
    );
}

#[test]
fn mount_path_is_required_and_unique() {
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["mountPath"] = json!("")),
        [format!("{C0}.volumeMounts[0].mountPath: Required value")]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "www", "mountPath": "/usr/share/nginx/html"}))),
        [format!(
            "{C0}.volumeMounts[1].mountPath: Invalid value: \"/usr/share/nginx/html\": must be unique"
        )]
    );
}

#[test]
fn sub_paths_are_relative_without_backsteps() {
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["subPath"] = json!("/etc")),
        [format!(
            "{C0}.volumeMounts.subPath: Invalid value: \"/etc\": must be a relative path"
        )]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["subPath"] = json!("a/../../b")),
        [format!(
            "{C0}.volumeMounts.subPath: Invalid value: \"a/../../b\": must not contain '..'"
        )]
    );
}

#[test]
fn recursive_read_only_needs_read_only() {
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["recursiveReadOnly"] = json!("Enabled")),
        [format!(
            "{C0}.volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true"
        )]
    );
}

#[test]
fn mount_propagation_is_known_and_bidirectional_needs_privilege() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["volumeMounts"][0]["mountPropagation"] = json!("Bidirectional")
        ),
        [format!(
            "{C0}.volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
        )]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["volumeMounts"][0]["mountPropagation"] = json!("Shared")),
        [format!(
            "{C0}.volumeMounts.mountPropagation: Unsupported value: \"Shared\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""
        )]
    );
}

// ----- volumes -----

const V0: &str = "spec.template.spec.volumes[0]";

#[test]
fn volume_names_are_dns_labels_and_unique() {
    assert_eq!(
        errs(|s| {
            s["volumes"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "www", "emptyDir": {}}));
        }),
        ["spec.template.spec.volumes[1].name: Duplicate value: \"www\""]
    );
    assert_eq!(
        errs(|s| {
            s["volumes"][0]["name"] = json!("my_vol");
            s["containers"][0]["volumeMounts"] = json!([]);
        }),
        [format!(
            "{V0}.name: Invalid value: \"my_vol\": {DNS_LABEL_ERR}"
        )]
    );
}

#[test]
fn a_volume_with_errors_cannot_be_mounted() {
    assert_eq!(
        errs(|s| s["volumes"][0] =
            json!({"name": "www", "persistentVolumeClaim": {"claimName": ""}})),
        [
            format!("{V0}.persistentVolumeClaim.claimName: Required value"),
            format!("{C0}.volumeMounts[0].name: Not found: \"www\""),
        ]
    );
}

#[test]
fn volumes_have_exactly_one_source() {
    assert_eq!(
        errs(|s| s["volumes"][0]["hostPath"] = json!({"path": "/data"})),
        [
            format!("{V0}.hostPath: Forbidden: may not specify more than 1 volume type"),
            format!("{C0}.volumeMounts[0].name: Not found: \"www\""),
        ]
    );
    let t: PodTemplateSpec =
        serde_json::from_value(json!({"spec": {"volumes": [{"name": "v"}]}})).unwrap();
    let e = validate_pod_template_spec(&t, &Path::new("template"), &opts());
    assert_eq!(
        e[1].to_string(),
        "template.spec.volumes[0]: Required value: must specify a volume type"
    );
}

#[test]
fn downward_api_second_source_uses_upstreams_misspelled_path() {
    assert_eq!(
        errs(|s| s["volumes"][0]["downwardAPI"] = json!({"items": []})),
        [
            format!("{V0}.downwarAPI: Forbidden: may not specify more than 1 volume type"),
            format!("{C0}.volumeMounts[0].name: Not found: \"www\""),
        ]
    );
}

#[test]
fn host_path_needs_a_path_and_a_known_type() {
    assert_eq!(
        errs(|s| {
            s["volumes"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "a", "hostPath": {"path": ""}}));
            s["volumes"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "b", "hostPath": {"path": "/x", "type": "Dir"}}));
        }),
        [
            "spec.template.spec.volumes[1].hostPath.path: Required value",
            "spec.template.spec.volumes[2].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
        ]
    );
}

#[test]
fn empty_dir_size_limit_is_not_negative() {
    assert_eq!(
        errs(|s| s["volumes"][0]["emptyDir"] = json!({"medium": "Memory", "sizeLimit": "-1Gi"})),
        [
            format!(
                "{V0}.emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"
            ),
            format!("{C0}.volumeMounts[0].name: Not found: \"www\""),
        ]
    );
}

#[test]
fn config_map_volumes_check_name_items_and_modes() {
    assert_eq!(
        errs(|s| s["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "cfg", "configMap": {
                "name": "", "defaultMode": 1000,
                "items": [{"key": "", "path": "../x", "mode": -1}]
            }}))),
        [
            "spec.template.spec.volumes[1].configMap.name: Required value",
            "spec.template.spec.volumes[1].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
            "spec.template.spec.volumes[1].configMap.items[0].key: Required value",
            "spec.template.spec.volumes[1].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
            "spec.template.spec.volumes[1].configMap.items[0].mode: Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive",
        ]
    );
}

#[test]
fn secret_volumes_need_a_secret_name_and_relative_paths() {
    assert_eq!(
        errs(|s| s["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "s", "secret": {
                "items": [{"key": "k", "path": "/abs"}, {"key": "k", "path": "..data"}]
            }}))),
        [
            "spec.template.spec.volumes[1].secret.secretName: Required value",
            "spec.template.spec.volumes[1].secret.items[0].path: Invalid value: \"/abs\": must be a relative path",
            "spec.template.spec.volumes[1].secret.items[1].path: Invalid value: \"..data\": must not start with '..'",
        ]
    );
}

#[test]
fn projected_volumes_check_tokens_and_duplicate_paths() {
    assert_eq!(
        errs(|s| s["volumes"].as_array_mut().unwrap().push(
            json!({"name": "p", "projected": {"sources": [
                {"serviceAccountToken": {"path": "token", "expirationSeconds": 60}},
                {"configMap": {"name": "c", "items": [{"key": "k", "path": "token"}]}},
                {"secret": {"name": "s", "items": [{"key": "k", "path": "token"}]}}
            ]}})
        )),
        [
            "spec.template.spec.volumes[1].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
            "spec.template.spec.volumes[1].projected: Invalid value: \"s\": conflicting duplicate paths",
        ]
    );
}

#[test]
fn downward_api_items_report_at_the_source() {
    assert_eq!(
        errs(|s| s["volumes"].as_array_mut().unwrap().push(
            json!({"name": "d", "downwardAPI": {"items": [
                {"path": "", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "cpu", "resourceFieldRef": {"resource": "limits.cpu"}},
                {"path": "x"}
            ]}})
        )),
        [
            "spec.template.spec.volumes[1].downwardAPI.path: Required value",
            "spec.template.spec.volumes[1].downwardAPI.resourceFieldRef.containerName: Required value",
            "spec.template.spec.volumes[1].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required",
        ]
    );
}

#[test]
fn csi_volumes_need_a_driver() {
    assert_eq!(
        errs(|s| s["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "c", "csi": {"driver": ""}}))),
        [
            "spec.template.spec.volumes[1].csi.driver: Required value",
            format!(
                "spec.template.spec.volumes[1].csi.driver: Invalid value: \"\": {DNS_SUBDOMAIN_ERR}"
            )
            .as_str(),
        ]
    );
}

#[test]
fn nfs_paths_are_absolute() {
    assert_eq!(
        errs(|s| s["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "n", "nfs": {"server": "nfs", "path": "data"}}))),
        [
            "spec.template.spec.volumes[1].nfs.path: Invalid value: \"data\": must be an absolute path"
        ]
    );
}

#[test]
fn ephemeral_volumes_need_a_claim_template() {
    assert_eq!(
        errs(|s| s["volumes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "e", "ephemeral": {}}))),
        ["spec.template.spec.volumes[1].ephemeral.volumeClaimTemplate: Required value"]
    );
}

// ----- resources -----

#[test]
fn requests_may_not_exceed_limits() {
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] =
            json!({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})),
        [format!(
            "{C0}.resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1"
        )]
    );
}

#[test]
fn resource_quantities_are_not_negative() {
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] = json!({"requests": {"memory": "-1Mi"}})),
        [format!(
            "{C0}.resources.requests[memory]: Invalid value: \"-1Mi\": must be greater than or equal to 0"
        )]
    );
}

#[test]
fn resource_names_are_standard_or_qualified() {
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] = json!({"limits": {"gpu": "1"}})),
        [
            format!(
                "{C0}.resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified"
            ),
            format!(
                "{C0}.resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"
            ),
        ]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] = json!({"limits": {"pods": "1"}})),
        [format!(
            "{C0}.resources.limits[pods]: Invalid value: \"pods\": must be a standard resource for containers"
        )]
    );
}

#[test]
fn extended_resources_are_whole_and_not_overcommitted() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["resources"] = json!({"requests": {"example.com/gpu": "500m"}, "limits": {"example.com/gpu": "1"}})
        ),
        [
            format!(
                "{C0}.resources.requests[example.com/gpu]: Invalid value: 500m: must be an integer"
            ),
            format!(
                "{C0}.resources.requests: Invalid value: \"500m\": must be equal to example.com/gpu limit of 1"
            ),
        ]
    );
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] = json!({"requests": {"example.com/gpu": "1"}})),
        [format!(
            "{C0}.resources.limits: Required value: Limit must be set for non overcommitable resources"
        )]
    );
}

#[test]
fn hugepages_need_cpu_or_memory_and_whole_pages() {
    assert_eq!(
        errs(|s| s["containers"][0]["resources"] =
            json!({"limits": {"hugepages-2Mi": "3Mi"}, "requests": {"hugepages-2Mi": "3Mi"}})),
        [
            format!(
                "{C0}.resources.limits[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi"
            ),
            format!(
                "{C0}.resources.requests[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi"
            ),
            format!("{C0}.resources: Forbidden: HugePages require cpu or memory"),
        ]
    );
}

// ----- probes and hooks -----

#[test]
fn probes_need_a_handler() {
    assert_eq!(
        errs(|s| s["containers"][0]["livenessProbe"] = json!({})),
        [format!(
            "{C0}.livenessProbe: Required value: must specify a handler type"
        )]
    );
}

#[test]
fn probes_have_one_handler() {
    assert_eq!(
        errs(|s| s["containers"][0]["readinessProbe"] =
            json!({"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})),
        [format!(
            "{C0}.readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"
        )]
    );
}

#[test]
fn probe_timings_are_not_negative() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["readinessProbe"] = json!({"tcpSocket": {"port": "web"}, "initialDelaySeconds": -5, "periodSeconds": -1})
        ),
        [
            format!(
                "{C0}.readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0"
            ),
            format!(
                "{C0}.readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"
            ),
        ]
    );
}

#[test]
fn liveness_and_startup_success_threshold_is_one() {
    assert_eq!(
        errs(|s| {
            s["containers"][0]["livenessProbe"] =
                json!({"tcpSocket": {"port": 80}, "successThreshold": 2});
            s["containers"][0]["startupProbe"] =
                json!({"tcpSocket": {"port": 80}, "successThreshold": 3});
        }),
        [
            format!("{C0}.livenessProbe.successThreshold: Invalid value: 2: must be 1"),
            format!("{C0}.startupProbe.successThreshold: Invalid value: 3: must be 1"),
        ]
    );
}

#[test]
fn readiness_probes_have_no_grace_period() {
    assert_eq!(
        errs(|s| s["containers"][0]["readinessProbe"] =
            json!({"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 10})),
        [format!(
            "{C0}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 10: must not be set for readinessProbes"
        )]
    );
}

#[test]
fn http_get_checks_port_and_scheme() {
    assert_eq!(
        errs(
            |s| s["containers"][0]["livenessProbe"] = json!({"httpGet": {"port": 0, "scheme": "FTP", "httpHeaders": [{"name": "X Y", "value": "1"}]}})
        ),
        [
            format!(
                "{C0}.livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"
            ),
            format!(
                "{C0}.livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""
            ),
            format!(
                "{C0}.livenessProbe.httpGet.httpHeaders: Invalid value: \"X Y\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"
            ),
        ]
    );
}

#[test]
fn tcp_socket_port_names_are_checked() {
    assert_eq!(
        errs(|s| s["containers"][0]["startupProbe"] = json!({"tcpSocket": {"port": "Web"}})),
        [format!(
            "{C0}.startupProbe.tcpSocket.port: Invalid value: \"Web\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        )]
    );
}

#[test]
fn exec_needs_a_command() {
    assert_eq!(
        errs(|s| s["containers"][0]["lifecycle"] = json!({"preStop": {"exec": {}}})),
        [format!(
            "{C0}.lifecycle.preStop.exec.command: Required value"
        )]
    );
}

#[test]
fn sleep_hooks_fit_the_grace_period() {
    assert_eq!(
        errs(|s| s["containers"][0]["lifecycle"] = json!({"preStop": {"sleep": {"seconds": 60}}})),
        [format!(
            "{C0}.lifecycle.preStop.sleep: Invalid value: 60: must be non-negative and less than terminationGracePeriodSeconds (30)"
        )]
    );
    assert!(
        errs(|s| s["containers"][0]["lifecycle"] = json!({"preStop": {"sleep": {"seconds": 0}}}))
            .is_empty()
    );
}

// ----- pod-level fields -----

#[test]
fn restart_policy_is_a_known_value() {
    assert_eq!(
        pod_errs(|v| v["spec"]["restartPolicy"] = json!("Sometimes")),
        [
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""
        ]
    );
}

#[test]
fn dns_policy_is_a_known_value() {
    assert_eq!(
        pod_errs(|v| v["spec"]["dnsPolicy"] = json!("Cluster")),
        [
            "spec.dnsPolicy: Unsupported value: \"Cluster\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""
        ]
    );
}

#[test]
fn dns_policy_none_needs_a_dns_config() {
    assert_eq!(
        pod_errs(|v| v["spec"]["dnsPolicy"] = json!("None")),
        ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]
    );
    assert_eq!(
        pod_errs(|v| v["spec"]["dnsConfig"] =
            json!({"nameservers": ["10.0.0.300"], "searches": ["a_b.local."]})),
        [
            "spec.dnsConfig.nameservers[0]: Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
        ]
    );
}

#[test]
fn active_deadline_seconds_is_positive() {
    assert_eq!(
        pod_errs(|v| v["spec"]["activeDeadlineSeconds"] = json!(0)),
        [
            "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"
        ]
    );
}

#[test]
fn node_selector_is_a_label_map() {
    assert_eq!(
        errs(|s| s["nodeSelector"] = json!({"disk": "-ssd"})),
        [
            "spec.template.spec.nodeSelector: Invalid value: \"-ssd\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ]
    );
}

#[test]
fn hostname_and_subdomain_are_dns_labels() {
    assert_eq!(
        errs(|s| {
            s["hostname"] = json!("web.0");
            s["subdomain"] = json!("Nginx");
        }),
        [
            "spec.template.spec.hostname: Invalid value: \"web.0\": must not contain dots"
                .to_string(),
            format!("spec.template.spec.subdomain: Invalid value: \"Nginx\": {DNS_LABEL_ERR}"),
        ]
    );
}

#[test]
fn service_account_name_is_a_dns_subdomain() {
    assert_eq!(
        errs(|s| s["serviceAccountName"] = json!("Web_SA")),
        [format!(
            "spec.template.spec.serviceAccountName: Invalid value: \"Web_SA\": {DNS_SUBDOMAIN_ERR}"
        )]
    );
}

#[test]
fn readiness_and_scheduling_gates_are_qualified_names() {
    assert_eq!(
        errs(|s| s["schedulingGates"] =
            json!([{"name": "example.com/gate"}, {"name": "example.com/gate"}])),
        ["spec.template.spec.schedulingGates[1]: Duplicate value: \"example.com/gate\""]
    );
}

// ----- tolerations -----

const T0: &str = "spec.template.spec.tolerations[0]";

#[test]
fn exists_tolerations_have_no_value() {
    assert_eq!(
        errs(|s| s["tolerations"] = json!([{"key": "k", "operator": "Exists", "value": "v"}])),
        [format!(
            "{T0}.operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'"
        )]
    );
}

#[test]
fn toleration_seconds_need_no_execute() {
    assert_eq!(
        errs(
            |s| s["tolerations"] = json!([{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 60}])
        ),
        [format!(
            "{T0}.effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"
        )]
    );
}

#[test]
fn toleration_operators_and_effects_are_known() {
    assert_eq!(
        errs(|s| s["tolerations"] = json!([{"key": "k", "operator": "In", "effect": "Evict"}])),
        [
            format!(
                "{T0}.operator: Unsupported value: \"In\": supported values: \"Equal\", \"Exists\""
            ),
            format!(
                "{T0}.effect: Unsupported value: \"Evict\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\""
            ),
        ]
    );
}

#[test]
fn empty_toleration_keys_need_exists() {
    assert_eq!(
        errs(|s| s["tolerations"] = json!([{"operator": "Equal", "value": "v"}])),
        [format!(
            "{T0}.operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\""
        )]
    );
}

#[test]
fn toleration_keys_are_label_keys() {
    assert_eq!(
        errs(|s| s["tolerations"] = json!([{"key": "a/b/c", "operator": "Exists"}])),
        [format!(
            "{T0}.key: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        )]
    );
}

// ----- security -----

#[test]
fn pod_security_context_ids_and_policies() {
    assert_eq!(
        errs(|s| s["securityContext"] =
            json!({"runAsUser": -1, "fsGroup": 5000000000i64, "fsGroupChangePolicy": "Never"})),
        [
            "spec.template.spec.securityContext.fsGroup: Invalid value: 5000000000: must be between 0 and 4294967295, inclusive",
            "spec.template.spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive",
            "spec.template.spec.securityContext.fsGroupChangePolicy: Unsupported value: \"Never\": supported values: \"Always\", \"OnRootMismatch\"",
        ]
    );
}

#[test]
fn sysctls_have_valid_unique_names() {
    assert_eq!(
        errs(|s| s["securityContext"] = json!({"sysctls": [
            {"name": "net.core.somaxconn", "value": "1024"},
            {"name": "net.core.somaxconn", "value": "1024"},
            {"name": "Kernel.X", "value": "1"}
        ]})),
        [
            "spec.template.spec.securityContext.sysctls[1].name: Duplicate value: \"net.core.somaxconn\"",
            "spec.template.spec.securityContext.sysctls[2].name: Invalid value: \"Kernel.X\": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
        ]
    );
}

#[test]
fn container_security_context_checks_ids_and_escalation() {
    assert_eq!(
        errs(|s| s["containers"][0]["securityContext"] =
            json!({"runAsGroup": -2, "privileged": true, "allowPrivilegeEscalation": false})),
        [
            format!(
                "{C0}.securityContext.runAsGroup: Invalid value: -2: must be between 0 and 4294967295, inclusive"
            ),
            format!(
                "{C0}.securityContext: Invalid value: {{\"Capabilities\":null,\"Privileged\":true,\"SELinuxOptions\":null,\"WindowsOptions\":null,\"RunAsUser\":null,\"RunAsGroup\":-2,\"RunAsNonRoot\":null,\"ReadOnlyRootFilesystem\":null,\"AllowPrivilegeEscalation\":false,\"ProcMount\":null,\"SeccompProfile\":null,\"AppArmorProfile\":null}}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true"
            ),
        ]
    );
}

#[test]
fn seccomp_profiles_are_typed() {
    assert_eq!(
        errs(|s| s["securityContext"] = json!({"seccompProfile": {"type": "Localhost"}})),
        [
            "spec.template.spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost"
        ]
    );
}

// ----- affinity and spreading -----

#[test]
fn node_affinity_needs_terms_and_valid_operators() {
    assert_eq!(
        errs(|s| s["affinity"] = json!({"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 0, "preference": {"matchExpressions": [{"key": "zone", "operator": "Near"}]}}
            ]
        }})),
        [
            "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
            "spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
            "spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator",
        ]
    );
}

#[test]
fn pod_anti_affinity_needs_a_topology_key() {
    assert_eq!(
        errs(|s| s["affinity"] = json!({"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "nginx"}}, "topologyKey": ""}
            ]
        }})),
        [
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must be non-empty",
            "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ]
    );
}

#[test]
fn pod_affinity_weights_are_1_to_100() {
    assert_eq!(
        errs(|s| s["affinity"] = json!({"podAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 101, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname"}}
            ]
        }})),
        [
            "spec.template.spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100"
        ]
    );
}

#[test]
fn topology_spread_constraints_basics() {
    assert_eq!(
        errs(|s| s["topologySpreadConstraints"] = json!([
            {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2},
            {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"},
            {"maxSkew": 1, "topologyKey": "", "whenUnsatisfiable": "Maybe"}
        ])),
        [
            "spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
            "spec.template.spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}: Duplicate value: \"{zone, ScheduleAnyway}\"",
            "spec.template.spec.topologySpreadConstraints[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
            "spec.template.spec.topologySpreadConstraints[2].topologyKey: Required value: can not be empty",
            "spec.template.spec.topologySpreadConstraints[2].whenUnsatisfiable: Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
        ]
    );
}

// ----- templates -----

#[test]
fn template_labels_and_ephemeral_containers() {
    assert_eq!(
        sts_errs(|v| v["spec"]["template"]["metadata"]["annotations"] = json!({"bad key": "x"})),
        [
            "spec.template.annotations: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ]
    );
    assert_eq!(
        errs(|s| s["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}])),
        [
            "spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template"
        ]
    );
}

#[test]
fn deletion_cost_annotation_is_an_int32() {
    assert_eq!(
        pod_errs(|v| v["metadata"]["annotations"] =
            json!({"controller.kubernetes.io/pod-deletion-cost": "+10"})),
        [
            "metadata.annotations[controller.kubernetes.io/pod-deletion-cost]: Invalid value: \"+10\": must be a 32bit integer"
        ]
    );
    assert!(
        pod_errs(|v| v["metadata"]["annotations"] =
            json!({"controller.kubernetes.io/pod-deletion-cost": "-5"}))
        .is_empty()
    );
}

// ----- pods -----

#[test]
fn pod_names_are_dns_subdomains() {
    assert_eq!(
        pod_errs(|v| v["metadata"]["name"] = json!("Web_0")),
        [format!(
            "metadata.name: Invalid value: \"Web_0\": {DNS_SUBDOMAIN_ERR}"
        )]
    );
}

#[test]
fn pods_may_not_start_with_ephemeral_containers() {
    assert_eq!(
        pod_errs(|v| v["spec"]["ephemeralContainers"] =
            json!([{"name": "debug", "image": "busybox", "terminationMessagePolicy": "File"}])),
        ["spec.ephemeralContainers: Forbidden: cannot be set on create"]
    );
}

#[test]
fn ephemeral_containers_allow_only_some_fields() {
    let spec: PodSpec = serde_json::from_value(json!({
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
        "containers": [{"name": "c", "image": "i", "imagePullPolicy": "Always", "terminationMessagePolicy": "File"}],
        "ephemeralContainers": [{
            "name": "c", "image": "busybox", "imagePullPolicy": "Always", "terminationMessagePolicy": "File",
            "targetContainerName": "x", "ports": [{"containerPort": 80, "protocol": "TCP"}]
        }]
    }))
    .unwrap();
    assert_eq!(
        msgs(&validate_pod_spec(&spec, None, &Path::new("spec"), true)),
        [
            "spec.ephemeralContainers[0].name: Duplicate value: \"c\"",
            "spec.ephemeralContainers[0].targetContainerName: Not found: \"x\"",
            "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
        ]
    );
}

#[test]
fn pod_images_have_no_surrounding_whitespace() {
    assert_eq!(
        pod_errs(|v| v["spec"]["containers"][0]["image"] = json!(" nginx")),
        [
            "spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"
        ]
    );
}

#[test]
fn token_projection_needs_a_service_account() {
    assert_eq!(
        pod_errs(|v| {
            v["spec"]["serviceAccountName"] = json!("");
            v["spec"]["volumes"] = json!([{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]);
        }),
        [
            "spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set"
        ]
    );
}

#[test]
fn pods_with_host_network_get_host_ports_defaulted() {
    assert!(
        pod_errs(|v| {
            v["spec"]["hostNetwork"] = json!(true);
            v["spec"]["containers"][0]["ports"] = json!([{"containerPort": 80}]);
        })
        .is_empty()
    );
}

#[test]
fn scheduled_pods_have_no_scheduling_gates() {
    assert_eq!(
        pod_errs(|v| {
            v["spec"]["nodeName"] = json!("node-1");
            v["spec"]["schedulingGates"] = json!([{"name": "example.com/wait"}]);
        }),
        ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"]
    );
}

// ----- pod updates -----

#[test]
fn pod_update_may_change_images() {
    assert!(
        pod_update_errs(|v| v["spec"]["containers"][0]["image"] = json!("nginx:1.26")).is_empty()
    );
}

#[test]
fn pod_update_may_not_change_other_fields() {
    assert_eq!(
        pod_update_errs(|v| v["spec"]["containers"][0]["ports"] =
            json!([{"containerPort": 80, "protocol": "TCP"}])),
        [format!("spec: Forbidden: {POD_UPDATE_FORBIDDEN}")]
    );
    assert_eq!(
        POD_UPDATE_FORBIDDEN,
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
    );
}

#[test]
fn pod_update_may_not_add_containers() {
    assert_eq!(
        pod_update_errs(|v| {
            let c = json!({"name": "b", "image": "busybox", "imagePullPolicy": "Always", "terminationMessagePolicy": "File"});
            v["spec"]["containers"].as_array_mut().unwrap().push(c);
        }),
        ["spec.containers: Forbidden: pod updates may not add or remove containers"]
    );
}

#[test]
fn pod_update_active_deadline_only_goes_down() {
    assert!(pod_update_errs(|v| v["spec"]["activeDeadlineSeconds"] = json!(50)).is_empty());
    assert_eq!(
        pod_update_errs(|v| v["spec"]["activeDeadlineSeconds"] = json!(200)),
        [
            "spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value"
        ]
    );
    assert_eq!(
        pod_update_errs(|v| v["spec"]
            .as_object_mut()
            .unwrap()
            .remove("activeDeadlineSeconds")
            .map(|_| ())
            .unwrap_or(())),
        [
            "spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value"
        ]
    );
}

#[test]
fn pod_update_tolerations_may_only_be_added() {
    assert!(
        pod_update_errs(|v| {
            v["spec"]["tolerations"][0]["tolerationSeconds"] = json!(10);
            v["spec"]["tolerations"]
                .as_array_mut()
                .unwrap()
                .push(json!({"key": "b", "operator": "Exists"}));
        })
        .is_empty()
    );
    assert_eq!(
        pod_update_errs(|v| v["spec"]["tolerations"][0]["key"] = json!("c")),
        [
            "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
        ]
    );
}

#[test]
fn pod_update_keeps_metadata_rules() {
    assert_eq!(
        pod_update_errs(|v| v["metadata"]["name"] = json!("web-1")),
        ["metadata.name: Invalid value: \"web-1\": field is immutable"]
    );
}

// ----- pod status -----

#[test]
fn status_update_may_not_move_the_pod() {
    assert_eq!(
        pod_status_errs(|v| v["spec"]["nodeName"] = json!("node-2")),
        ["status.nodeName: Forbidden: may not be changed directly"]
    );
}

#[test]
fn status_condition_types_are_qualified_names() {
    assert!(
        pod_status_errs(
            |v| v["status"]["conditions"] = json!([{"type": "Ready", "status": "True"}])
        )
        .is_empty()
    );
    assert_eq!(
        pod_status_errs(
            |v| v["status"]["conditions"] = json!([{"type": "my condition", "status": "True"}])
        ),
        [
            "metadata.conditions[0].Type: Invalid value: \"my condition\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ]
    );
}

#[test]
fn status_qos_class_is_immutable() {
    assert_eq!(
        pod_status_errs(|v| v["status"]["qosClass"] = json!("Burstable")),
        ["status.qosClass: Invalid value: \"Burstable\": field is immutable"]
    );
}

#[test]
fn status_terminated_containers_of_never_pods_stay_terminated() {
    assert_eq!(
        pod_status_errs(|v| v["status"]["containerStatuses"][0]["state"] = json!({"running": {}})),
        [
            "status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state"
        ]
    );
}

#[test]
fn status_pod_ips_are_one_per_family() {
    assert_eq!(
        pod_status_errs(|v| v["status"]["podIPs"] = json!([{"ip": "10.0.0.1"}, {"ip": "10.0.0.1"}])),
        [
            "status.podIPs: Invalid value: [{\"IP\":\"10.0.0.1\"},{\"IP\":\"10.0.0.1\"}]: may specify no more than one IP for each IP family",
            "status.podIPs[1]: Duplicate value: {\"IP\":\"10.0.0.1\"}",
        ]
    );
}

// ----- more pod-spec rules -----

#[test]
fn resize_policy_names_cpu_or_memory() {
    assert_eq!(
        errs(|s| s["containers"][0]["resizePolicy"] =
            json!([{"resourceName": "gpu", "restartPolicy": "NotRequired"}])),
        [format!(
            "{C0}.resizePolicy: Unsupported value: \"gpu\": supported values: \"cpu\", \"memory\""
        )]
    );
}

#[test]
fn os_name_is_linux_or_windows() {
    assert_eq!(
        errs(|s| s["os"] = json!({"name": "darwin"})),
        [
            "spec.template.spec.os: Unsupported value: \"darwin\": supported values: \"linux\", \"windows\""
        ]
    );
}

#[test]
fn windows_pods_reject_linux_only_fields_and_linux_pods_windows_ones() {
    assert_eq!(
        errs(|s| {
            s["os"] = json!({"name": "windows"});
            s["securityContext"] = json!({"runAsUser": 1000});
        }),
        [
            "spec.template.spec.securityContext.runAsUser: Forbidden: cannot be set for a windows pod"
        ]
    );
    assert_eq!(
        errs(|s| {
            s["os"] = json!({"name": "linux"});
            s["containers"][0]["securityContext"] =
                json!({"windowsOptions": {"runAsUserName": "admin"}});
        }),
        [format!(
            "{C0}.securityContext.windowsOptions: Forbidden: windows options cannot be set for a linux pod"
        )]
    );
}

#[test]
fn user_namespaces_exclude_host_namespaces() {
    assert_eq!(
        errs(|s| {
            s["hostUsers"] = json!(false);
            s["hostPID"] = json!(true);
        }),
        ["spec.template.spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false"]
    );
}

#[test]
fn priority_and_runtime_class_names_are_dns_subdomains() {
    assert_eq!(
        errs(|s| {
            s["priorityClassName"] = json!("High");
            s["runtimeClassName"] = json!("");
            s["preemptionPolicy"] = json!("Always");
        }),
        [
            format!("spec.template.spec.priorityClassName: Invalid value: \"High\": {DNS_SUBDOMAIN_ERR}"),
            format!("spec.template.spec.runtimeClassName: Invalid value: \"\": {DNS_SUBDOMAIN_ERR}"),
            "spec.template.spec.preemptionPolicy: Unsupported value: \"Always\": supported values: \"PreemptLowerPriority\", \"Never\"".to_string(),
        ]
    );
}

#[test]
fn volume_devices_need_a_claim_volume_not_mounted() {
    assert_eq!(
        errs(|s| s["containers"][0]["volumeDevices"] =
            json!([{"name": "www", "devicePath": "/dev/xvda"}])),
        [
            format!(
                "{C0}.volumeMounts[0].name: Invalid value: \"www\": must not already exist in volumeDevices"
            ),
            format!(
                "{C0}.volumeDevices[0].name: Invalid value: \"www\": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode"
            ),
            format!(
                "{C0}.volumeDevices[0].name: Invalid value: \"www\": must not already exist in volumeMounts"
            ),
        ]
    );
}

#[test]
fn init_container_host_port_conflicts_report_index_zero() {
    assert_eq!(
        errs(|s| s["initContainers"] = json!([
            {"name": "a", "image": "busybox"},
            {"name": "b", "image": "busybox", "ports": [
                {"containerPort": 1, "hostPort": 9000}, {"containerPort": 2, "hostPort": 9000}
            ]}
        ])),
        ["spec.template.spec.initContainers[0].ports[1].hostPort: Duplicate value: \"TCP//9000\""]
    );
}

#[test]
fn host_aliases_need_ips_and_subdomains() {
    assert_eq!(
        errs(|s| s["hostAliases"] = json!([{"ip": "300.1.1.1", "hostnames": ["Foo"]}])),
        [
            "spec.template.spec.hostAliases[0].ip: Invalid value: \"300.1.1.1\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string(),
            format!("spec.template.spec.hostAliases[0].hostnames[0]: Invalid value: \"Foo\": {DNS_SUBDOMAIN_ERR}"),
        ]
    );
}

#[test]
fn dns_config_searches_and_options() {
    assert_eq!(
        errs(
            |s| s["dnsConfig"] = json!({"searches": ["_srv.example.com.", "Bad.example"], "options": [{"value": "1"}]})
        ),
        [
            "spec.template.spec.dnsConfig.searches[1]: Invalid value: \"Bad.example\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*')",
            "spec.template.spec.dnsConfig.options[0]: Required value: must not be empty",
        ]
    );
}

#[test]
fn readiness_gate_condition_types_are_qualified_names() {
    assert_eq!(
        errs(|s| s["readinessGates"] = json!([{"conditionType": "example.com/"}])),
        [
            "spec.template.spec.readinessGates[0].conditionType: Invalid value: \"example.com/\": name part must be non-empty",
            "spec.template.spec.readinessGates[0].conditionType: Invalid value: \"example.com/\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        ]
    );
}

#[test]
fn topology_spread_match_label_keys_need_a_selector() {
    assert_eq!(
        errs(|s| s["topologySpreadConstraints"] = json!([
            {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule", "matchLabelKeys": ["pod-template-hash"]}
        ])),
        [
            "spec.template.spec.topologySpreadConstraints[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set"
        ]
    );
}

#[test]
fn mirror_pod_annotation_needs_a_node() {
    assert_eq!(
        pod_errs(|v| v["metadata"]["annotations"] = json!({"kubernetes.io/config.mirror": "abc"})),
        [
            "metadata.annotations[kubernetes.io/config.mirror]: Invalid value: \"abc\": must set spec.nodeName if mirror pod annotation is set"
        ]
    );
}

#[test]
fn seccomp_annotation_and_field_must_agree() {
    assert_eq!(
        pod_errs(|v| {
            v["metadata"]["annotations"] =
                json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"});
            v["spec"]["securityContext"] = json!({"seccompProfile": {"type": "RuntimeDefault"}});
        }),
        [
            "spec.securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match"
        ]
    );
    assert_eq!(
        pod_errs(|v| v["metadata"]["annotations"] =
            json!({"seccomp.security.alpha.kubernetes.io/pod": "default"})),
        [
            "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: \"default\": must be a valid seccomp profile"
        ]
    );
}

#[test]
fn app_armor_annotations_name_a_container_and_a_profile() {
    assert_eq!(
        pod_errs(|v| v["metadata"]["annotations"] =
            json!({"container.apparmor.security.beta.kubernetes.io/web": "strict"})),
        [
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]: Invalid value: \"web\": container not found",
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]: Invalid value: \"strict\": invalid AppArmor profile name: \"strict\"",
        ]
    );
}

// ----- more pod updates -----

#[test]
fn pod_update_scheduling_gates_may_only_be_removed() {
    let gated = |gates: Value| {
        pod(|v| {
            v["metadata"]["uid"] = json!("u");
            v["metadata"]["resourceVersion"] = json!("1");
            v["spec"]["schedulingGates"] = gates;
            v["spec"]["nodeSelector"] = json!({"disk": "ssd"});
        })
    };
    let old = gated(json!([{"name": "example.com/a"}]));
    let removed = gated(json!([]));
    assert!(validate_update(&removed, &old, &opts()).is_empty());
    let added = gated(json!([{"name": "example.com/a"}, {"name": "example.com/b"}]));
    assert_eq!(
        msgs(&validate_update(&added, &old, &opts())),
        [
            "spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/b'"
        ]
    );
    let mut more_selectors = old.to_json();
    more_selectors["spec"]["nodeSelector"]["zone"] = json!("a");
    let more_selectors = Object::from_json(Kind::Pod, more_selectors).unwrap();
    assert!(validate_update(&more_selectors, &old, &opts()).is_empty());
    let mut changed = old.to_json();
    changed["spec"]["nodeSelector"]["disk"] = json!("hdd");
    let changed = Object::from_json(Kind::Pod, changed).unwrap();
    assert_eq!(
        msgs(&validate_update(&changed, &old, &opts())),
        [
            "spec.nodeSelector: Invalid value: {\"disk\":\"hdd\"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)"
        ]
    );
}

#[test]
fn pod_update_negative_grace_period_may_become_one() {
    let old = pod(|v| {
        v["metadata"]["uid"] = json!("u");
        v["metadata"]["resourceVersion"] = json!("1");
        v["spec"]["terminationGracePeriodSeconds"] = json!(-1);
    });
    let mut new = old.to_json();
    new["spec"]["terminationGracePeriodSeconds"] = json!(1);
    assert!(
        validate_update(
            &Object::from_json(Kind::Pod, new.clone()).unwrap(),
            &old,
            &opts()
        )
        .is_empty()
    );
    new["spec"]["terminationGracePeriodSeconds"] = json!(2);
    assert_eq!(
        msgs(&validate_update(
            &Object::from_json(Kind::Pod, new).unwrap(),
            &old,
            &opts()
        )),
        [format!("spec: Forbidden: {POD_UPDATE_FORBIDDEN}")]
    );
}
