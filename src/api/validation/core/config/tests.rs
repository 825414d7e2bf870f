use serde_json::{Value, json};

use super::*;
use crate::api::validation::core::test_support::{create, from, status, update};

fn namespace(edit: impl FnOnce(&mut Value)) -> Namespace {
    let mut v = json!({
        "metadata": {
            "name": "team-a",
            "resourceVersion": "1",
            "labels": {"kubernetes.io/metadata.name": "team-a"}
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}
    });
    edit(&mut v);
    from(v)
}

#[test]
fn namespace_names_are_dns_labels() {
    assert!(create(namespace(|_| {})).is_empty());
    assert_eq!(
        create(namespace(|v| v["metadata"]["name"] = json!("team.a"))),
        ["metadata.name: Invalid value: \"team.a\": must not contain dots"]
    );
}

#[test]
fn namespace_spec_finalizers_are_standard_or_qualified() {
    let ns = namespace(|v| v["spec"]["finalizers"] = json!(["kubernetes", "cleanup"]));
    assert_eq!(
        create(ns),
        [
            "spec.finalizers: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified"
        ]
    );
}

#[test]
fn namespace_phase_follows_the_deletion_timestamp() {
    let old = namespace(|_| {});
    let new = namespace(|v| v["status"]["phase"] = json!("Terminating"));
    assert_eq!(
        status(new, old),
        [
            "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if `deletionTimestamp` is empty"
        ]
    );
}

fn config_map(edit: impl FnOnce(&mut Value)) -> ConfigMap {
    let mut v = json!({
        "metadata": {"name": "settings", "namespace": "default", "resourceVersion": "1"},
        "data": {"app.properties": "a=b"}
    });
    edit(&mut v);
    from(v)
}

#[test]
fn config_map_keys_are_config_keys() {
    assert!(create(config_map(|_| {})).is_empty());
    assert_eq!(
        create(config_map(|v| v["data"] = json!({"a b": "x"}))),
        [
            "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ]
    );
    assert_eq!(
        create(config_map(|v| v["data"] = json!({"..": "x"}))),
        ["data[..]: Invalid value: \"..\": must not be '..'"]
    );
}

#[test]
fn config_map_keys_are_unique_across_data_and_binary_data() {
    let cm = config_map(|v| v["binaryData"] = json!({"app.properties": "YQ=="}));
    assert_eq!(
        create(cm),
        [
            "data[app.properties]: Invalid value: \"app.properties\": duplicate of key present in binaryData"
        ]
    );
}

#[test]
fn config_maps_hold_at_most_one_mebibyte() {
    let big = "x".repeat(1024 * 1024 + 1);
    let cm = config_map(|v| v["data"] = json!({"big": big}));
    assert_eq!(
        create(cm),
        [": Too long: may not be more than 1048576 bytes"]
    );
}

#[test]
fn immutable_config_maps_keep_their_contents() {
    let old = config_map(|v| v["immutable"] = json!(true));
    let new = config_map(|v| v["data"] = json!({"app.properties": "a=c"}));
    assert_eq!(
        update(new, old),
        [
            "immutable: Forbidden: field is immutable when `immutable` is set",
            "data: Forbidden: field is immutable when `immutable` is set",
        ]
    );
}

fn secret(edit: impl FnOnce(&mut Value)) -> Secret {
    let mut v = json!({
        "metadata": {"name": "creds", "namespace": "default", "resourceVersion": "1"},
        "type": "Opaque",
        "data": {"password": "aHVudGVyMg=="}
    });
    edit(&mut v);
    from(v)
}

#[test]
fn secret_keys_include_string_data() {
    assert!(create(secret(|_| {})).is_empty());
    assert_eq!(
        create(secret(|v| v["stringData"] = json!({"user name": "x"}))),
        [
            "data[user name]: Invalid value: \"user name\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ]
    );
}

#[test]
fn tls_secrets_need_a_certificate_and_key() {
    assert_eq!(
        create(secret(|v| v["type"] = json!("kubernetes.io/tls"))),
        [
            "data[tls.crt]: Required value",
            "data[tls.key]: Required value"
        ]
    );
}

#[test]
fn service_account_token_secrets_name_their_account() {
    assert_eq!(
        create(secret(
            |v| v["type"] = json!("kubernetes.io/service-account-token")
        )),
        ["metadata.annotations[kubernetes.io/service-account.name]: Required value"]
    );
}

#[test]
fn docker_config_secrets_hold_json_objects() {
    let s = secret(|v| {
        v["type"] = json!("kubernetes.io/dockerconfigjson");
        v["stringData"] = json!({".dockerconfigjson": "not json"});
    });
    assert_eq!(
        create(s),
        [
            "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' in literal null (expecting 'u')"
        ]
    );
    let s = secret(|v| {
        v["type"] = json!("kubernetes.io/dockerconfigjson");
        v["stringData"] = json!({".dockerconfigjson": "[]"});
    });
    assert_eq!(
        create(s),
        [
            "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": json: cannot unmarshal array into Go value of type map[string]interface {}"
        ]
    );
}

#[test]
fn secret_type_is_immutable_and_immutable_secrets_keep_their_data() {
    let old = secret(|v| v["immutable"] = json!(true));
    let new = secret(|v| {
        v["type"] = json!("example.com/custom");
        v["immutable"] = json!(true);
        v["data"] = json!({"password": "b3RoZXI="});
    });
    assert_eq!(
        update(new, old),
        [
            "type: Invalid value: \"example.com/custom\": field is immutable",
            "data: Forbidden: field is immutable when `immutable` is set",
        ]
    );
}

#[test]
fn service_account_names_are_dns_subdomains() {
    let sa: ServiceAccount = from(json!({
        "metadata": {"name": "Builder", "namespace": "default"}
    }));
    assert_eq!(
        create(sa),
        [
            "metadata.name: Invalid value: \"Builder\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
}

fn node(edit: impl FnOnce(&mut Value)) -> Node {
    let mut v = json!({
        "metadata": {"name": "kind-worker", "resourceVersion": "1"},
        "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "providerID": "kind://docker/kind/kind-worker"},
        "status": {"capacity": {"cpu": "8", "pods": "110"}}
    });
    edit(&mut v);
    from(v)
}

#[test]
fn node_taints_have_known_effects_and_are_unique() {
    assert!(create(node(|_| {})).is_empty());
    let n = node(|v| {
        v["spec"]["taints"] = json!([
            {"key": "dedicated", "value": "db", "effect": "NoRun"},
            {"key": "gpu", "effect": "NoSchedule"},
            {"key": "gpu", "effect": "NoSchedule"}
        ]);
    });
    assert_eq!(
        create(n),
        [
            "metadata.taints[0].effect: Unsupported value: \"NoRun\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            "metadata.taints[2]: Duplicate value: {\"Key\":\"gpu\",\"Value\":\"\",\"Effect\":\"NoSchedule\",\"TimeAdded\":null}: taints must be unique by key and effect pair",
        ]
    );
}

#[test]
fn node_pod_counts_are_whole_numbers() {
    let n = node(|v| v["status"]["capacity"]["pods"] = json!("1500m"));
    assert_eq!(
        create(n),
        ["status.capacity.pods: Invalid value: 1500m: must be an integer"]
    );
}

#[test]
fn node_pod_cidrs_and_provider_id_are_set_once() {
    let old = node(|_| {});
    let new = node(|v| {
        v["spec"]["podCIDRs"] = json!(["10.244.2.0/24"]);
        v["spec"]["providerID"] = json!("kind://docker/kind/other");
    });
    assert_eq!(
        update(new, old),
        [
            "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
            "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid",
        ]
    );
}

fn event(edit: impl FnOnce(&mut Value)) -> Event {
    let mut v = json!({
        "metadata": {"name": "web-0.17f3a", "namespace": "default", "resourceVersion": "1"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-0"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web-0 to kind-worker",
        "type": "Normal"
    });
    edit(&mut v);
    from(v)
}

#[test]
fn event_namespaces_must_match_the_involved_object() {
    assert!(create(event(|_| {})).is_empty());
    assert_eq!(
        create(event(|v| v["involvedObject"]["namespace"] = json!("other"))),
        ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"]
    );
}

#[test]
fn event_names_are_only_checked_as_path_segments_after_the_event_rules() {
    assert_eq!(
        create(event(|v| v["metadata"]["name"] = json!("web-0/x"))),
        ["metadata.name: Invalid value: \"web-0/x\": may not contain '/'"]
    );
    let e = event(|v| {
        v["metadata"]["name"] = json!("web-0/x");
        v["involvedObject"]["namespace"] = json!("other");
    });
    assert_eq!(
        create(e),
        ["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"]
    );
}

#[test]
fn new_style_events_need_reporting_fields() {
    let e = event(|v| v["eventTime"] = json!("2025-01-01T00:00:00.000000Z"));
    assert_eq!(
        create(e),
        [
            "source: Required value",
            "source: Invalid value: \"\": name part must be non-empty",
            "source: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "reportingInstance: Required value",
            "action: Required value",
        ]
    );
}
