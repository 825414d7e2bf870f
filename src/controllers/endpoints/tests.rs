//! Endpoints and EndpointSlices for normal and headless Services: ready and not-ready
//! addresses, publishNotReadyAddresses, StatefulSet pod hostnames, terminating pods.

use k8s_openapi::api::core::v1::Endpoints;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::{Value, json};

use super::slice::{EndpointSliceController, managed_slices};
use super::*;
use crate::controllers::replicaset::testkit::{harness, obj, pod, run_pod, set_ready};
use crate::sim::testing::Harness;

fn svc_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Service, "default", name)
}

fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

fn headless(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "nginx"}},
        "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
            "ports": [{"name": "web", "port": 80}]}})
}

fn normal(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": "nginx"},
            "ports": [{"name": "http", "port": 8080, "targetPort": "web"}]}})
}

/// web-0 (ready, on kind-worker) and web-1 (running, not ready), StatefulSet style.
fn statefulset_pods(h: &mut Harness, subdomain: &str) {
    for (i, ready) in [(0, true), (1, false)] {
        let name = format!("web-{i}");
        h.api
            .create(obj(pod(
                &name,
                json!({"app": "nginx"}),
                Some((&name, subdomain)),
            )))
            .unwrap();
        run_pod(
            &mut h.api,
            &pod_key(&name),
            "kind-worker",
            &format!("10.244.1.{}", 5 + i),
            ready,
            h.now,
        );
    }
}

fn endpoints(h: &Harness, name: &str) -> Endpoints {
    match &*h
        .api
        .get(&ObjectKey::new(Kind::Endpoints, "default", name))
        .unwrap()
    {
        Object::Endpoints(e) => e.clone(),
        _ => unreachable!(),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn headless_endpoints_carry_hostnames_and_split_ready_from_not_ready() {
    let mut h = harness();
    h.set_now(crate::engine::SimTime::from_ms(3_000));
    h.api.create(obj(headless("nginx"))).unwrap();
    statefulset_pods(&mut h, "nginx");
    let mut c = EndpointsController::new();
    assert_eq!(h.reconcile(&mut c, &svc_key("nginx")), Requeue::No);
    assert_eq!(h.take_calls(), ["create Endpoints default/nginx"]);
    let ep = endpoints(&h, "nginx");
    let uid = |n: &str| h.api.get(&pod_key(n)).unwrap().uid().to_string();
    assert_eq!(
        to_json(&ep.subsets),
        json!([{
            "addresses": [{"ip": "10.244.1.5", "hostname": "web-0", "nodeName": "kind-worker",
                "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-0", "uid": uid("web-0")}}],
            "notReadyAddresses": [{"ip": "10.244.1.6", "hostname": "web-1", "nodeName": "kind-worker",
                "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": uid("web-1")}}],
            "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]
        }])
    );
    assert_eq!(
        to_json(&ep.metadata.labels),
        json!({"app": "nginx", "service.kubernetes.io/headless": ""})
    );
    // The earliest change since the last sync: the Service's creation and the pods' Ready
    // transitions, all at 3 s.
    assert_eq!(
        ep.metadata.annotations.as_ref().unwrap()[LAST_CHANGE_TRIGGER_TIME],
        "2025-01-01T00:00:03Z"
    );
    // Nothing changed: no write.
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    assert!(h.take_calls().is_empty());
    // web-1 turns ready at 9 s: it moves to addresses, the trigger time is its transition.
    h.set_now(crate::engine::SimTime::from_ms(9_000));
    set_ready(&mut h.api, &pod_key("web-1"), true, h.now);
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    let ep = endpoints(&h, "nginx");
    let subset = &ep.subsets.as_ref().unwrap()[0];
    assert_eq!(subset.addresses.as_ref().unwrap().len(), 2);
    assert!(subset.not_ready_addresses.is_none());
    assert_eq!(
        ep.metadata.annotations.as_ref().unwrap()[LAST_CHANGE_TRIGGER_TIME],
        "2025-01-01T00:00:09Z"
    );
}

#[test]
fn a_normal_service_resolves_named_target_ports_and_sets_no_hostname_for_other_subdomains() {
    let mut h = harness();
    h.api.create(obj(normal("web"))).unwrap();
    statefulset_pods(&mut h, "nginx");
    let mut c = EndpointsController::new();
    let _ = h.reconcile(&mut c, &svc_key("web"));
    let ep = endpoints(&h, "web");
    let subset = &ep.subsets.as_ref().unwrap()[0];
    let a = &subset.addresses.as_ref().unwrap()[0];
    assert_eq!((a.ip.as_str(), a.hostname.as_deref()), ("10.244.1.5", None));
    assert_eq!(
        to_json(&subset.ports),
        json!([{"name": "http", "port": 80, "protocol": "TCP"}])
    );
    assert!(
        ep.metadata.labels.is_none(),
        "no headless label, no service labels"
    );
}

#[test]
fn publish_not_ready_addresses_lists_every_pod_with_an_ip_as_ready() {
    let mut h = harness();
    let mut v = headless("nginx");
    v["spec"]["publishNotReadyAddresses"] = json!(true);
    h.api.create(obj(v)).unwrap();
    statefulset_pods(&mut h, "nginx");
    // A pod without an IP yet is never listed.
    h.api
        .create(obj(pod(
            "web-2",
            json!({"app": "nginx"}),
            Some(("web-2", "nginx")),
        )))
        .unwrap();
    let mut c = EndpointsController::new();
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    let subset = &endpoints(&h, "nginx").subsets.unwrap()[0];
    let ips: Vec<&str> = subset
        .addresses
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.ip.as_str())
        .collect();
    assert_eq!(ips, ["10.244.1.5", "10.244.1.6"]);
    assert!(subset.not_ready_addresses.is_none());

    let mut sc = EndpointSliceController::new();
    let _ = h.reconcile(&mut sc, &svc_key("nginx"));
    let slice = &managed_slices(&h.api, "default", "nginx")[0];
    let conds: Vec<Value> = slice
        .endpoints
        .iter()
        .map(|e| to_json(&e.conditions))
        .collect();
    assert_eq!(
        conds,
        [
            json!({"ready": true, "serving": true, "terminating": false}),
            json!({"ready": true, "serving": false, "terminating": false}),
        ]
    );
}

#[test]
fn a_deleted_service_takes_its_endpoints_along() {
    let mut h = harness();
    h.api.create(obj(headless("nginx"))).unwrap();
    let mut c = EndpointsController::new();
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    assert!(
        endpoints(&h, "nginx").subsets.is_none(),
        "no pods: no subsets"
    );
    h.api
        .delete(&svc_key("nginx"), &Default::default())
        .unwrap();
    h.take_calls();
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    assert_eq!(h.take_calls(), ["delete Endpoints default/nginx"]);
}

fn slices(h: &Harness, svc: &str) -> Vec<EndpointSlice> {
    managed_slices(&h.api, "default", svc)
}

#[test]
fn endpoint_slices_are_labelled_owned_named_and_carry_conditions() {
    let mut h = harness();
    h.set_now(crate::engine::SimTime::from_ms(2_000));
    let svc = h.api.create(obj(headless("nginx"))).unwrap();
    statefulset_pods(&mut h, "nginx");
    let mut c = EndpointSliceController::new();
    assert_eq!(h.reconcile(&mut c, &svc_key("nginx")), Requeue::No);
    let calls = h.take_calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].starts_with("create EndpointSlice default/nginx-"),
        "{calls:?}"
    );
    let all = slices(&h, "nginx");
    assert_eq!(all.len(), 1);
    let s = &all[0];
    let name = s.metadata.name.clone().unwrap();
    assert_eq!(name.len(), "nginx-".len() + 5);
    assert_eq!(s.metadata.generate_name.as_deref(), Some("nginx-"));
    assert_eq!(
        to_json(&s.metadata.labels),
        json!({"app": "nginx", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
               "kubernetes.io/service-name": "nginx", "service.kubernetes.io/headless": ""})
    );
    let owner = &s.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        ("Service", "nginx", svc.uid())
    );
    assert_eq!(s.address_type, "IPv4");
    assert_eq!(
        to_json(&s.ports),
        json!([{"name": "web", "port": 80, "protocol": "TCP"}])
    );
    let uid0 = h.api.get(&pod_key("web-0")).unwrap().uid().to_string();
    assert_eq!(
        to_json(&s.endpoints[0]),
        json!({"addresses": ["10.244.1.5"],
               "conditions": {"ready": true, "serving": true, "terminating": false},
               "hostname": "web-0", "nodeName": "kind-worker", "zone": "zone-1",
               "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-0", "uid": uid0}})
    );
    assert_eq!(
        to_json(&s.endpoints[1].conditions),
        json!({"ready": false, "serving": false, "terminating": false})
    );
    assert_eq!(
        s.metadata.annotations.as_ref().unwrap()[LAST_CHANGE_TRIGGER_TIME],
        "2025-01-01T00:00:02Z"
    );

    // web-0 terminating: it stays in the slice (serving, not ready), leaves Endpoints.
    h.api
        .delete(&pod_key("web-0"), &Default::default())
        .unwrap();
    let _ = h.reconcile(&mut c, &svc_key("nginx"));
    assert_eq!(
        h.take_calls(),
        [format!("update EndpointSlice default/{name}")]
    );
    let s = &slices(&h, "nginx")[0];
    assert_eq!(
        to_json(&s.endpoints[0].conditions),
        json!({"ready": false, "serving": true, "terminating": true})
    );
    let mut ec = EndpointsController::new();
    let _ = h.reconcile(&mut ec, &svc_key("nginx"));
    let subset = &endpoints(&h, "nginx").subsets.unwrap()[0];
    assert!(subset.addresses.is_none());
    assert_eq!(
        subset.not_ready_addresses.as_ref().unwrap()[0].ip,
        "10.244.1.6"
    );
}

#[test]
fn a_service_without_endpoints_keeps_one_placeholder_slice() {
    let mut h = harness();
    h.api.create(obj(normal("web"))).unwrap();
    let mut c = EndpointSliceController::new();
    let _ = h.reconcile(&mut c, &svc_key("web"));
    let s = slices(&h, "web");
    assert_eq!(s.len(), 1);
    assert!(s[0].endpoints.is_empty());
    assert_eq!(s[0].ports.as_deref(), Some(&[][..]));
    h.take_calls();
    let _ = h.reconcile(&mut c, &svc_key("web"));
    assert!(h.take_calls().is_empty(), "the placeholder is kept as is");
    // A pod arrives: the placeholder is recycled into the real slice (same name).
    let placeholder = s[0].metadata.name.clone().unwrap();
    h.api
        .create(obj(pod("p", json!({"app": "nginx"}), None)))
        .unwrap();
    run_pod(
        &mut h.api,
        &pod_key("p"),
        "kind-worker2",
        "10.244.2.9",
        true,
        h.now,
    );
    let _ = h.reconcile(&mut c, &svc_key("web"));
    assert_eq!(
        h.take_calls(),
        [format!("update EndpointSlice default/{placeholder}")]
    );
    let s = slices(&h, "web");
    assert_eq!(
        to_json(&s[0].ports),
        json!([{"name": "http", "port": 80, "protocol": "TCP"}])
    );
    assert_eq!(s[0].endpoints[0].addresses, ["10.244.2.9"]);
    assert_eq!(s[0].endpoints[0].zone.as_deref(), Some("zone-2"));
}

#[test]
fn more_than_a_hundred_endpoints_spill_into_a_second_slice() {
    let mut h = harness();
    h.api.create(obj(normal("web"))).unwrap();
    for i in 0..130 {
        let name = format!("p{i:03}");
        h.api
            .create(obj(pod(&name, json!({"app": "nginx"}), None)))
            .unwrap();
        run_pod(
            &mut h.api,
            &pod_key(&name),
            "kind-worker",
            &format!("10.244.3.{}", i + 1),
            true,
            h.now,
        );
    }
    let mut c = EndpointSliceController::new();
    let _ = h.reconcile(&mut c, &svc_key("web"));
    let mut sizes: Vec<usize> = slices(&h, "web")
        .iter()
        .map(|s| s.endpoints.len())
        .collect();
    sizes.sort();
    assert_eq!(sizes, [30, 100]);
}

#[test]
fn pods_and_services_wake_the_services_that_select_them() {
    let mut h = harness();
    h.api.create(obj(headless("nginx"))).unwrap();
    h.api.create(obj(normal("web"))).unwrap();
    h.api
        .create(obj(pod("x", json!({"app": "nginx"}), None)))
        .unwrap();
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(
        service_keys_for(&ev, &h.api),
        [svc_key("nginx"), svc_key("web")]
    );
}

#[test]
fn during_a_rolling_update_endpoints_follow_readiness_and_dns_follows_endpoints() {
    use crate::controllers::replicaset::testkit::{FakeKubelet, deployment, sim};
    use crate::dns::{CoreDns, DnsConfig, QType, Rcode};
    use crate::engine::SimDuration;
    let mut sim = sim(FakeKubelet::new(SimDuration::from_secs(2)));
    sim.write(|api| {
        api.create(obj(deployment("web", 3, "nginx:1.27"))).unwrap();
        api.create(obj(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "web"}]}})))
            .unwrap();
    });
    let mut dns = CoreDns::new(DnsConfig::from_profile(sim.profile()));
    sim.run_for(SimDuration::from_secs(30), 100_000);
    let ready_ips = |sim: &crate::sim::Sim| -> Vec<String> {
        match &*sim
            .api()
            .get(&ObjectKey::new(Kind::Endpoints, "default", "web"))
            .unwrap()
        {
            Object::Endpoints(e) => e
                .subsets
                .iter()
                .flatten()
                .flat_map(|s| s.addresses.iter().flatten().map(|a| a.ip.clone()))
                .collect(),
            _ => unreachable!(),
        }
    };
    let before = ready_ips(&sim);
    assert_eq!(before.len(), 3);
    // Change the template; at every step the Service keeps ready endpoints (maxUnavailable 0)
    // and its name keeps resolving to the ClusterIP.
    sim.write(|api| {
        let mut d = (*api
            .get(&ObjectKey::new(Kind::Deployment, "default", "web"))
            .unwrap())
        .clone();
        if let Object::Deployment(d) = &mut d {
            d.spec
                .as_mut()
                .unwrap()
                .template
                .spec
                .as_mut()
                .unwrap()
                .containers[0]
                .image = Some("nginx:1.28".into());
        }
        api.update(d).unwrap();
    });
    let end = sim.now() + SimDuration::from_secs(60);
    while sim.next_due().is_some_and(|t| t <= end) {
        sim.step();
        assert!(ready_ips(&sim).len() >= 3, "at {}", sim.now());
        let r = dns.query(
            sim.api(),
            sim.now(),
            "web.default.svc.cluster.local",
            QType::A,
        );
        assert_eq!(r.rcode, Rcode::NoError);
    }
    sim.run_until(end, 1);
    let after = ready_ips(&sim);
    assert_eq!(after.len(), 3);
    assert!(
        after.iter().all(|ip| !before.contains(ip)),
        "every endpoint is a new pod"
    );
    // The new pods answer under their dashed-IP endpoint names; the old ones are gone.
    let name = |ip: &str| format!("{}.web.default.svc.cluster.local", ip.replace('.', "-"));
    let now = sim.now();
    assert_eq!(
        dns.query(sim.api(), now, &name(&after[0]), QType::A).rcode,
        Rcode::NoError
    );
    assert_eq!(
        dns.query(sim.api(), now, &name(&before[0]), QType::A).rcode,
        Rcode::NxDomain
    );
}
