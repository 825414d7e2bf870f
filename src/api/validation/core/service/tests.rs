use serde_json::{Value, json};

use super::*;
use crate::api::validation::core::test_support::{create, distinct, from, status, update};

/// A ClusterIP Service as the API server holds it after defaulting and IP allocation.
fn service(edit: impl FnOnce(&mut Value)) -> Service {
    let mut v = json!({
        "metadata": {"name": "nginx", "namespace": "default", "resourceVersion": "1"},
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": "nginx"},
            "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80}],
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster"
        }
    });
    edit(&mut v);
    from(v)
}

/// A LoadBalancer Service, defaulted and allocated.
fn load_balancer(edit: impl FnOnce(&mut Value)) -> Service {
    service(|v| {
        v["spec"]["type"] = json!("LoadBalancer");
        v["spec"]["ports"][0]["nodePort"] = json!(30080);
        v["spec"]["externalTrafficPolicy"] = json!("Cluster");
        v["spec"]["allocateLoadBalancerNodePorts"] = json!(true);
        edit(v);
    })
}

#[test]
fn an_allocated_cluster_ip_service_is_valid() {
    assert!(create(service(|_| {})).is_empty());
    assert!(create(load_balancer(|_| {})).is_empty());
}

#[test]
fn service_names_are_dns_1035_labels() {
    let svc = service(|v| v["metadata"]["name"] = json!("1nginx"));
    assert_eq!(
        create(svc),
        [
            "metadata.name: Invalid value: \"1nginx\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        ]
    );
}

#[test]
fn ports_are_required_unless_headless() {
    assert_eq!(
        create(service(|v| v["spec"]["ports"] = json!([]))),
        ["spec.ports: Required value"]
    );
    let headless = service(|v| {
        v["spec"]["ports"] = json!([]);
        v["spec"]["clusterIP"] = json!("None");
        v["spec"]["clusterIPs"] = json!(["None"]);
    });
    assert!(create(headless).is_empty());
}

#[test]
fn port_numbers_are_in_range() {
    let svc = service(|v| v["spec"]["ports"][0]["port"] = json!(70000));
    assert_eq!(
        create(svc),
        ["spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"]
    );
}

#[test]
fn port_protocols_are_supported() {
    let svc = service(|v| v["spec"]["ports"][0]["protocol"] = json!("HTTP"));
    assert_eq!(
        create(svc),
        [
            "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
        ]
    );
}

#[test]
fn several_ports_need_unique_names() {
    let svc = service(|v| {
        v["spec"]["ports"] = json!([
            {"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80},
            {"port": 81, "protocol": "TCP", "targetPort": 81},
            {"name": "web", "port": 82, "protocol": "TCP", "targetPort": 82}
        ]);
    });
    assert_eq!(
        create(svc),
        [
            "spec.ports[1].name: Required value",
            "spec.ports[2].name: Duplicate value: \"web\"",
        ]
    );
}

#[test]
fn target_port_names_follow_iana_rules() {
    let svc = service(|v| v["spec"]["ports"][0]["targetPort"] = json!("HTTP"));
    assert_eq!(
        create(svc),
        [
            "spec.ports[0].targetPort: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.ports[0].targetPort: Invalid value: \"HTTP\": must contain at least one letter (a-z)",
        ]
    );
}

#[test]
fn duplicate_protocol_and_port_pairs_are_reported_as_the_internal_struct() {
    let svc = service(|v| {
        v["spec"]["ports"] = json!([
            {"name": "a", "port": 80, "protocol": "TCP", "targetPort": 80},
            {"name": "b", "port": 80, "protocol": "TCP", "targetPort": 8080}
        ]);
    });
    assert_eq!(
        create(svc),
        [
            "spec.ports[1]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}"
        ]
    );
}

#[test]
fn cluster_ip_services_take_no_node_ports() {
    let svc = service(|v| v["spec"]["ports"][0]["nodePort"] = json!(30080));
    assert_eq!(
        create(svc),
        ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    );
}

#[test]
fn duplicate_node_ports_are_reported() {
    let svc = load_balancer(|v| {
        v["spec"]["ports"] = json!([
            {"name": "a", "port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30080},
            {"name": "b", "port": 81, "protocol": "TCP", "targetPort": 81, "nodePort": 30080}
        ]);
    });
    assert_eq!(
        create(svc),
        ["spec.ports[1].nodePort: Duplicate value: 30080"]
    );
}

#[test]
fn service_type_must_be_supported() {
    let svc = service(|v| v["spec"]["type"] = json!("Internal"));
    assert_eq!(
        create(svc),
        [
            "spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
        ]
    );
}

#[test]
fn node_port_services_cannot_be_headless() {
    let svc = service(|v| {
        v["spec"]["type"] = json!("NodePort");
        v["spec"]["externalTrafficPolicy"] = json!("Cluster");
        v["spec"]["clusterIP"] = json!("None");
        v["spec"]["clusterIPs"] = json!(["None"]);
    });
    assert_eq!(
        create(svc),
        [
            "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"
        ]
    );
}

#[test]
fn external_name_services_need_a_name_and_no_cluster_ip() {
    let svc = service(|v| {
        v["spec"] = json!({
            "type": "ExternalName",
            "clusterIP": "10.96.0.10",
            "sessionAffinity": "None"
        });
    });
    assert_eq!(
        create(svc),
        [
            "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
            "spec.externalName: Required value",
        ]
    );
    let svc = service(|v| {
        v["spec"] = json!({
            "type": "ExternalName",
            "externalName": "db.example.com.",
            "sessionAffinity": "None"
        });
    });
    assert!(create(svc).is_empty());
}

#[test]
fn selector_values_are_label_values() {
    let svc = service(|v| v["spec"]["selector"] = json!({"app": "-web"}));
    assert_eq!(
        create(svc),
        [
            "spec.selector: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ]
    );
}

#[test]
fn session_affinity_values_and_config() {
    assert_eq!(
        create(service(|v| v["spec"]["sessionAffinity"] = json!("Cookie"))),
        [
            "spec.sessionAffinity: Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\""
        ]
    );
    assert_eq!(
        create(service(|v| {
            v["spec"]["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": 10}});
        })),
        ["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"]
    );
    assert_eq!(
        create(service(|v| {
            v["spec"]["sessionAffinity"] = json!("ClientIP");
            v["spec"]["sessionAffinityConfig"] = json!({"clientIP": {"timeoutSeconds": 0}});
        })),
        [
            "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"
        ]
    );
}

#[test]
fn cluster_ips_must_be_addresses_matching_cluster_ip() {
    let svc = service(|v| {
        v["spec"]["clusterIP"] = json!("10.96.0.300");
        v["spec"]["clusterIPs"] = json!(["10.96.0.300"]);
    });
    assert_eq!(
        create(svc),
        [
            "spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
        ]
    );
    let svc = service(|v| v["spec"]["clusterIPs"] = json!(["10.96.0.11"]));
    assert_eq!(
        create(svc),
        ["spec.clusterIPs: Invalid value: [\"10.96.0.11\"]: first value must match `clusterIP`"]
    );
}

#[test]
fn ip_families_must_match_the_addresses() {
    let svc = service(|v| v["spec"]["ipFamilies"] = json!(["IPv6"]));
    assert_eq!(
        create(svc),
        [
            "spec.clusterIPs[0]: Invalid value: \"10.96.0.10\": expected an IPv6 value as indicated by `ipFamilies[0]`"
        ]
    );
}

#[test]
fn external_ips_may_not_be_loopback() {
    let svc = service(|v| v["spec"]["externalIPs"] = json!(["127.0.0.1"]));
    assert_eq!(
        distinct(create(svc)),
        [
            "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "spec.externalTrafficPolicy: Required value",
        ]
    );
}

#[test]
fn load_balancers_need_node_port_allocation_and_health_checks() {
    let svc = load_balancer(|v| {
        v["spec"]
            .as_object_mut()
            .map(|m| m.remove("allocateLoadBalancerNodePorts"));
        v["spec"]["externalTrafficPolicy"] = json!("Local");
    });
    assert_eq!(
        create(svc),
        [
            "allocateLoadBalancerNodePorts: Required value",
            "spec.healthCheckNodePort: Required value",
        ]
    );
}

#[test]
fn traffic_policies_are_checked() {
    assert_eq!(
        create(service(
            |v| v["spec"]["internalTrafficPolicy"] = json!("Node")
        )),
        [
            "spec.internalTrafficPolicy: Unsupported value: \"Node\": supported values: \"Cluster\", \"Local\""
        ]
    );
    assert_eq!(
        create(service(
            |v| v["spec"]["externalTrafficPolicy"] = json!("Local")
        )),
        [
            "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"
        ]
    );
}

#[test]
fn load_balancer_source_ranges_need_a_load_balancer() {
    let svc = service(|v| v["spec"]["loadBalancerSourceRanges"] = json!(["10.0.0.0/33"]));
    assert_eq!(
        create(svc),
        [
            "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
            "spec.LoadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ]
    );
}

#[test]
fn the_cluster_ip_may_not_change_once_set() {
    let old = service(|_| {});
    let new = service(|v| v["spec"]["clusterIP"] = json!("10.96.0.11"));
    assert_eq!(
        update(new, old),
        ["spec.clusterIPs[0]: Invalid value: [\"10.96.0.11\"]: may not change once set"]
    );
}

#[test]
fn an_update_without_the_allocated_cluster_ip_keeps_it() {
    let old = service(|_| {});
    let new = service(|v| {
        v["spec"].as_object_mut().map(|m| {
            m.remove("clusterIP");
            m.remove("clusterIPs")
        });
    });
    assert!(update(new, old).is_empty());
}

#[test]
fn switching_to_external_name_drops_the_allocated_fields() {
    let old = service(|_| {});
    let new = service(|v| {
        v["spec"]["type"] = json!("ExternalName");
        v["spec"]["externalName"] = json!("db.example.com");
        v["spec"]
            .as_object_mut()
            .map(|m| m.remove("internalTrafficPolicy"));
    });
    assert!(update(new, old).is_empty());
}

#[test]
fn load_balancer_class_may_not_change() {
    let old = load_balancer(|v| v["spec"]["loadBalancerClass"] = json!("example.com/a"));
    let new = load_balancer(|v| v["spec"]["loadBalancerClass"] = json!("example.com/b"));
    assert_eq!(
        update(new, old),
        ["spec.loadBalancerClass: Invalid value: \"example.com/b\": may not change once set"]
    );
}

#[test]
fn load_balancer_status_only_on_load_balancers() {
    let old = service(|_| {});
    let new = service(|v| v["status"] = json!({"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}));
    assert_eq!(
        status(new, old),
        [
            "status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"
        ]
    );
    let old = load_balancer(|_| {});
    let new =
        load_balancer(|v| v["status"] = json!({"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}));
    assert_eq!(
        status(new, old),
        [
            "status.loadBalancer.ingress[0].ipMode: Required value: must be specified when `ip` is set"
        ]
    );
}

// ----- Endpoints -----

fn endpoints(subsets: Value) -> Endpoints {
    from(json!({
        "metadata": {"name": "nginx", "namespace": "default", "resourceVersion": "1"},
        "subsets": subsets
    }))
}

#[test]
fn endpoint_subsets_need_addresses() {
    let e = endpoints(json!([{"ports": [{"port": 80, "protocol": "TCP"}]}]));
    assert_eq!(
        create(e),
        ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"]
    );
}

#[test]
fn endpoint_addresses_are_valid_non_special_ips() {
    let e = endpoints(json!([{"addresses": [{"ip": "10.244.0.300"}, {"ip": "127.0.0.1"}]}]));
    assert_eq!(
        create(e),
        [
            "subsets[0].addresses[0].ip: Invalid value: \"10.244.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            "subsets[0].addresses[0].ip: Invalid value: \"10.244.0.300\": must be a valid IP address",
            "subsets[0].addresses[1].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ]
    );
}

#[test]
fn endpoint_ports_need_names_when_several() {
    let e = endpoints(json!([{
        "addresses": [{"ip": "10.244.0.5"}],
        "ports": [{"name": "a", "port": 80, "protocol": "TCP"}, {"port": 0, "protocol": "TCP"}]
    }]));
    assert_eq!(
        create(e),
        [
            "subsets[0].ports[1].name: Required value",
            "subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        ]
    );
}

// ----- EndpointSlice -----

fn slice(edit: impl FnOnce(&mut Value)) -> EndpointSlice {
    let mut v = json!({
        "metadata": {"name": "nginx-abcde", "namespace": "default", "resourceVersion": "1"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.0.5"], "conditions": {"ready": true}}],
        "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]
    });
    edit(&mut v);
    from(v)
}

#[test]
fn a_slice_is_valid() {
    assert!(create(slice(|_| {})).is_empty());
}

#[test]
fn slice_address_type_must_be_supported() {
    assert_eq!(
        create(slice(|v| v["addressType"] = json!("IPv5"))),
        [
            "addressType: Unsupported value: \"IPv5\": supported values: \"FQDN\", \"IPv4\", \"IPv6\""
        ]
    );
}

#[test]
fn slice_addresses_match_the_address_type() {
    let e = slice(|v| v["endpoints"][0]["addresses"] = json!(["fe80::1"]));
    assert_eq!(
        create(e),
        [
            "endpoints[0].addresses[0]: Invalid value: \"fe80::1\": must be a valid IPv4 address",
            "endpoints[0].addresses[0]: Invalid value: \"fe80::1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ]
    );
    let e = slice(|v| {
        v["addressType"] = json!("FQDN");
        v["endpoints"][0]["addresses"] = json!(["db"]);
    });
    assert_eq!(
        create(e),
        [
            "endpoints[0].addresses[0]: Invalid value: \"db\": should be a domain with at least two segments separated by dots"
        ]
    );
}

#[test]
fn slice_ports_are_unique_with_protocols() {
    let e = slice(|v| {
        v["ports"] =
            json!([{"name": "web", "port": 80, "protocol": "TCP"}, {"name": "web", "port": 81}]);
    });
    assert_eq!(
        create(e),
        [
            "ports[1].name: Duplicate value: \"web\"",
            "ports[1].protocol: Required value",
        ]
    );
}

#[test]
fn slice_address_type_is_immutable() {
    let old = slice(|_| {});
    let new = slice(|v| {
        v["addressType"] = json!("IPv6");
        v["endpoints"][0]["addresses"] = json!(["fd00::5"]);
    });
    assert_eq!(
        update(new, old),
        ["addressType: Invalid value: \"IPv6\": field is immutable"]
    );
}
