//! DNS answers for every record type, the search path, and the propagation and cache
//! timelines, over Services and EndpointSlices built by the real controllers.

use serde_json::json;

use super::*;
use crate::controllers::endpoints::slice::EndpointSliceController;
use crate::controllers::replicaset::testkit::{harness, obj, pod, run_pod, set_ready};
use crate::sim::testing::Harness;

fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

fn at(ms: u64) -> SimTime {
    SimTime::from_ms(ms)
}

/// Headless `nginx` (port `web` 80) and ClusterIP `web` (port `http` 8080 → `web`) over the
/// StatefulSet pods web-0 (10.244.1.5, ready), web-1 (10.244.1.6, not ready) and web-2
/// (10.244.1.7, ready); the EndpointSlice controller has run.
fn cluster() -> (Harness, EndpointSliceController) {
    let mut h = harness();
    h.set_now(at(1_000));
    h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default"},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                "ports": [{"name": "web", "port": 80}]}})))
        .unwrap();
    h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "nginx"},
                "ports": [{"name": "http", "port": 8080, "targetPort": "web"}]}})))
        .unwrap();
    h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "search", "namespace": "default"},
            "spec": {"type": "ExternalName", "externalName": "search.example.com"}})))
        .unwrap();
    for (i, ready) in [(0, true), (1, false), (2, true)] {
        let name = format!("web-{i}");
        h.api
            .create(obj(pod(
                &name,
                json!({"app": "nginx"}),
                Some((&name, "nginx")),
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
    let mut c = EndpointSliceController::new();
    sync(&mut h, &mut c);
    (h, c)
}

fn sync(h: &mut Harness, c: &mut EndpointSliceController) {
    for svc in ["nginx", "web"] {
        let _ = h.reconcile(c, &ObjectKey::new(Kind::Service, "default", svc));
    }
}

fn fresh() -> CoreDns {
    CoreDns::new(DnsConfig {
        propagation: SimDuration::ZERO,
        cache: CachePolicy::kubeadm(),
    })
}

fn a(ip: &str) -> RData {
    RData::A(ip.parse().unwrap())
}

fn cluster_ip(h: &Harness, svc: &str) -> String {
    match &*h
        .api
        .get(&ObjectKey::new(Kind::Service, "default", svc))
        .unwrap()
    {
        Object::Service(s) => s.spec.as_ref().unwrap().cluster_ip.clone().unwrap(),
        _ => unreachable!(),
    }
}

#[test]
fn a_headless_service_answers_every_ready_endpoint_and_nothing_else() {
    let (h, _) = cluster();
    let r = fresh().query(&h.api, h.now, "nginx.default.svc.cluster.local", QType::A);
    assert_eq!(r.rcode, Rcode::NoError);
    assert_eq!(
        r.answers,
        [
            Record {
                name: "nginx.default.svc.cluster.local.".into(),
                ttl: 30,
                data: a("10.244.1.5")
            },
            Record {
                name: "nginx.default.svc.cluster.local.".into(),
                ttl: 30,
                data: a("10.244.1.7")
            },
        ]
    );
    assert!(!r.forwarded && !r.cached);
    // IPv4 only: AAAA is NODATA, not NXDOMAIN.
    let r = fresh().query(
        &h.api,
        h.now,
        "nginx.default.svc.cluster.local.",
        QType::Aaaa,
    );
    assert!(r.is_nodata());
}

#[test]
fn statefulset_pods_resolve_by_hostname_only_while_ready() {
    let (h, _) = cluster();
    let mut dns = fresh();
    let r = dns.query(
        &h.api,
        h.now,
        "web-0.nginx.default.svc.cluster.local",
        QType::A,
    );
    assert_eq!(r.answers[0].data, a("10.244.1.5"));
    for missing in ["web-1", "web-3"] {
        let r = dns.query(
            &h.api,
            h.now,
            &format!("{missing}.nginx.default.svc.cluster.local"),
            QType::A,
        );
        assert_eq!(r.rcode, Rcode::NxDomain, "{missing}");
    }
    // CoreDNS answers endpoint names under a ClusterIP Service too; without a matching
    // subdomain the endpoint is named by its dashed IP.
    let r = dns.query(
        &h.api,
        h.now,
        "10-244-1-7.web.default.svc.cluster.local",
        QType::A,
    );
    assert_eq!(r.answers[0].data, a("10.244.1.7"));
}

#[test]
fn a_headless_service_with_no_ready_endpoint_is_nxdomain() {
    let (mut h, mut c) = cluster();
    for p in ["web-0", "web-2"] {
        set_ready(&mut h.api, &pod_key(p), false, h.now);
    }
    sync(&mut h, &mut c);
    let r = fresh().query(&h.api, h.now, "nginx.default.svc.cluster.local", QType::A);
    assert_eq!(r.rcode, Rcode::NxDomain);
    // The ClusterIP Service still answers its IP regardless of readiness (D5).
    let r = fresh().query(&h.api, h.now, "web.default.svc.cluster.local", QType::A);
    assert_eq!(r.answers.len(), 1);
}

#[test]
fn a_cluster_ip_service_answers_its_ip_and_srv_names_the_service() {
    let (h, _) = cluster();
    let ip = cluster_ip(&h, "web");
    let mut dns = fresh();
    let r = dns.query(&h.api, h.now, "web.default.svc.cluster.local", QType::A);
    assert_eq!(
        r.answers,
        [Record {
            name: "web.default.svc.cluster.local.".into(),
            ttl: 30,
            data: a(&ip)
        }]
    );
    let r = dns.query(
        &h.api,
        h.now,
        "_http._tcp.web.default.svc.cluster.local",
        QType::Srv,
    );
    assert_eq!(
        r.answers[0].data,
        RData::Srv {
            priority: 0,
            weight: 100,
            port: 8080,
            target: "web.default.svc.cluster.local.".into()
        }
    );
    assert_eq!(
        r.additional,
        [Record {
            name: "web.default.svc.cluster.local.".into(),
            ttl: 30,
            data: a(&ip)
        }]
    );
    // A port name the Service lacks, or the wrong protocol: NXDOMAIN.
    for q in [
        "_web._tcp.web.default.svc.cluster.local",
        "_http._udp.web.default.svc.cluster.local",
    ] {
        assert_eq!(
            dns.query(&h.api, h.now, q, QType::Srv).rcode,
            Rcode::NxDomain,
            "{q}"
        );
    }
}

#[test]
fn headless_srv_lists_each_ready_endpoint_with_split_weights() {
    let (h, _) = cluster();
    let r = fresh().query(
        &h.api,
        h.now,
        "_web._tcp.nginx.default.svc.cluster.local",
        QType::Srv,
    );
    let srv: Vec<RData> = r.answers.iter().map(|r| r.data.clone()).collect();
    assert_eq!(
        srv,
        [
            RData::Srv {
                priority: 0,
                weight: 50,
                port: 80,
                target: "web-0.nginx.default.svc.cluster.local.".into()
            },
            RData::Srv {
                priority: 0,
                weight: 50,
                port: 80,
                target: "web-2.nginx.default.svc.cluster.local.".into()
            },
        ]
    );
    let extra: Vec<(String, RData)> = r
        .additional
        .iter()
        .map(|r| (r.name.clone(), r.data.clone()))
        .collect();
    assert_eq!(
        extra,
        [
            (
                "web-0.nginx.default.svc.cluster.local.".to_string(),
                a("10.244.1.5")
            ),
            (
                "web-2.nginx.default.svc.cluster.local.".to_string(),
                a("10.244.1.7")
            ),
        ]
    );
}

#[test]
fn three_srv_records_weigh_33_each() {
    let (mut h, mut c) = cluster();
    set_ready(&mut h.api, &pod_key("web-1"), true, h.now);
    sync(&mut h, &mut c);
    let r = fresh().query(
        &h.api,
        h.now,
        "_web._tcp.nginx.default.svc.cluster.local",
        QType::Srv,
    );
    assert_eq!(r.answers.len(), 3);
    assert!(
        r.answers
            .iter()
            .all(|x| matches!(x.data, RData::Srv { weight: 33, .. }))
    );
}

#[test]
fn reverse_lookups_name_pods_by_endpoint_and_services_by_cluster_ip() {
    let (h, _) = cluster();
    let mut dns = fresh();
    let r = dns.query(&h.api, h.now, "5.1.244.10.in-addr.arpa", QType::Ptr);
    let names: Vec<RData> = r.answers.iter().map(|r| r.data.clone()).collect();
    assert_eq!(
        names,
        [
            RData::Ptr("10-244-1-5.web.default.svc.cluster.local.".into()),
            RData::Ptr("web-0.nginx.default.svc.cluster.local.".into()),
        ]
    );
    let r = dns.query(&h.api, h.now, "10.0.96.10.in-addr.arpa.", QType::Ptr);
    assert_eq!(
        r.answers[0].data,
        RData::Ptr("kube-dns.kube-system.svc.cluster.local.".into())
    );
    // A not-ready pod's IP has no name: the query falls through to the upstream.
    let r = dns.query(&h.api, h.now, "6.1.244.10.in-addr.arpa", QType::Ptr);
    assert_eq!((r.rcode, r.forwarded), (Rcode::NxDomain, true));
}

#[test]
fn external_names_pods_namespaces_and_outside_names() {
    let (h, _) = cluster();
    let mut dns = fresh();
    let r = dns.query(&h.api, h.now, "search.default.svc.cluster.local", QType::A);
    assert_eq!(
        r.answers[0].data,
        RData::Cname("search.example.com.".into())
    );
    let r = dns.query(
        &h.api,
        h.now,
        "10-244-1-6.default.pod.cluster.local",
        QType::A,
    );
    assert_eq!(r.answers[0].data, a("10.244.1.6"));
    assert!(
        dns.query(&h.api, h.now, "default.svc.cluster.local", QType::A)
            .is_nodata()
    );
    assert_eq!(
        dns.query(&h.api, h.now, "nosuch.svc.cluster.local", QType::A)
            .rcode,
        Rcode::NxDomain
    );
    assert_eq!(
        dns.query(&h.api, h.now, "nginx.nosuch.svc.cluster.local", QType::A)
            .rcode,
        Rcode::NxDomain
    );
    let r = dns.query(&h.api, h.now, "example.com", QType::A);
    assert_eq!((r.rcode, r.forwarded), (Rcode::NxDomain, true));
}

#[test]
fn short_names_walk_the_search_path_of_the_asking_pod() {
    let (h, _) = cluster();
    let mut dns = fresh();
    let ans = dns.resolve(&h.api, h.now, "default", "web-0.nginx", QType::A);
    assert_eq!(ans.answered, Some(0));
    assert_eq!(
        ans.attempts[0].qname,
        "web-0.nginx.default.svc.cluster.local."
    );
    assert_eq!(ans.ipv4(), ["10.244.1.5".parse::<Ipv4Addr>().unwrap()]);
    // From another namespace the short name misses everywhere.
    let ans = dns.resolve(&h.api, h.now, "other", "web-0.nginx", QType::A);
    let tried: Vec<&str> = ans.attempts.iter().map(|r| r.qname.as_str()).collect();
    assert_eq!(
        tried,
        [
            "web-0.nginx.other.svc.cluster.local.",
            "web-0.nginx.svc.cluster.local.",
            "web-0.nginx.cluster.local.",
            "web-0.nginx.",
        ]
    );
    assert!(!ans.is_resolved());
    assert_eq!(ans.response().unwrap().rcode, Rcode::NxDomain);
    // ... but `<pod>.<svc>.<ns>` resolves on the second search domain.
    let ans = dns.resolve(&h.api, h.now, "other", "web-0.nginx.default", QType::A);
    assert_eq!(ans.answered, Some(1));
    // A fully qualified name (trailing dot) is asked once, as is.
    let ans = dns.resolve(
        &h.api,
        h.now,
        "other",
        "web.default.svc.cluster.local.",
        QType::A,
    );
    assert_eq!(ans.attempts.len(), 1);
    assert!(ans.is_resolved());
}

#[test]
fn names_with_five_dots_are_asked_as_is_first() {
    assert_eq!(
        search_candidates("default", "a.b.c.d.e.f")[0],
        "a.b.c.d.e.f."
    );
    assert_eq!(
        search_candidates("default", "a.b.c.d.e")[0],
        "a.b.c.d.e.default.svc.cluster.local."
    );
    assert_eq!(search_candidates("default", "nginx").len(), 4);
}

#[test]
fn a_pod_resolves_once_ready_plus_the_propagation_delay() {
    let (mut h, mut c) = cluster();
    let mut dns = CoreDns::new(DnsConfig {
        propagation: SimDuration::from_ms(200),
        cache: CachePolicy::kubeadm(),
    });
    // web-1 passes readiness at 10 s; the EndpointSlice follows 5 ms later.
    h.set_now(at(10_000));
    set_ready(&mut h.api, &pod_key("web-1"), true, h.now);
    h.set_now(at(10_005));
    sync(&mut h, &mut c);
    let q = |dns: &mut CoreDns, h: &Harness, t: u64| {
        dns.query(
            &h.api,
            at(t),
            "web-1.nginx.default.svc.cluster.local",
            QType::A,
        )
        .rcode
    };
    assert_eq!(
        q(&mut dns, &h, 10_100),
        Rcode::NxDomain,
        "CoreDNS has not seen the slice yet"
    );
    assert_eq!(q(&mut dns, &h, 10_205), Rcode::NoError);
    // Deleted → terminating → NXDOMAIN again once CoreDNS sees it.
    h.set_now(at(20_000));
    h.api
        .delete(&pod_key("web-1"), &Default::default())
        .unwrap();
    sync(&mut h, &mut c);
    assert_eq!(q(&mut dns, &h, 20_100), Rcode::NoError);
    assert_eq!(q(&mut dns, &h, 20_200), Rcode::NxDomain);
}

#[test]
fn with_the_cluster_zone_cached_an_early_miss_sticks_for_thirty_seconds() {
    let (mut h, mut c) = cluster();
    let name = "web-1.nginx.default.svc.cluster.local";
    let mut cached = CoreDns::new(DnsConfig {
        propagation: SimDuration::ZERO,
        cache: CachePolicy::all_zones(),
    });
    let mut kind = fresh();
    // Asked at 5 s, before web-1 is ready: NXDOMAIN, and the cached server remembers it.
    assert_eq!(
        cached.query(&h.api, at(5_000), name, QType::A).rcode,
        Rcode::NxDomain
    );
    assert_eq!(
        kind.query(&h.api, at(5_000), name, QType::A).rcode,
        Rcode::NxDomain
    );
    h.set_now(at(6_000));
    set_ready(&mut h.api, &pod_key("web-1"), true, h.now);
    sync(&mut h, &mut c);
    let r = cached.query(&h.api, at(20_000), name, QType::A);
    assert_eq!((r.rcode, r.cached), (Rcode::NxDomain, true));
    // kind's Corefile does not cache cluster.local: fresh at once.
    assert_eq!(
        kind.query(&h.api, at(20_000), name, QType::A).answers[0].data,
        a("10.244.1.6")
    );
    // The cached miss expires 30 s after it was stored.
    assert_eq!(
        cached.query(&h.api, at(34_999), name, QType::A).rcode,
        Rcode::NxDomain
    );
    let r = cached.query(&h.api, at(35_000), name, QType::A);
    assert_eq!((r.rcode, r.cached), (Rcode::NoError, false));
    // A cached positive answer counts its TTL down.
    let r = cached.query(&h.api, at(47_000), name, QType::A);
    assert_eq!((r.cached, r.answers[0].ttl), (true, 18));
}

#[test]
fn reverse_answers_are_cached_even_under_kinds_corefile() {
    let (mut h, mut c) = cluster();
    let mut dns = fresh();
    let r = dns.query(&h.api, at(2_000), "5.1.244.10.in-addr.arpa", QType::Ptr);
    assert_eq!(r.answers.len(), 2);
    h.set_now(at(3_000));
    set_ready(&mut h.api, &pod_key("web-0"), false, h.now);
    sync(&mut h, &mut c);
    let r = dns.query(&h.api, at(12_000), "5.1.244.10.in-addr.arpa", QType::Ptr);
    assert_eq!((r.cached, r.answers.len(), r.answers[0].ttl), (true, 2, 20));
    let r = dns.query(&h.api, at(32_000), "5.1.244.10.in-addr.arpa", QType::Ptr);
    assert_eq!((r.cached, r.rcode), (false, Rcode::NxDomain));
}

#[test]
fn the_free_resolve_uses_kinds_configuration() {
    let (h, _) = cluster();
    let ans = resolve(&h.api, at(60_000), "default", "nginx", QType::A);
    assert_eq!(ans.ipv4().len(), 2);
    assert_eq!(DnsConfig::default().propagation, SimDuration::from_ms(200));
}
