//! Node registration, the Lease, node status, and the machine going down and coming back
//! (spec N1, K20, design §2 "a failed node stops its kubelet").

use super::*;
use crate::apiserver::WatchEventType;

fn lease(d: &Driver) -> k8s_openapi::api::coordination::v1::Lease {
    match &*d
        .h
        .api
        .get(&ObjectKey::new(
            Kind::Lease,
            "kube-node-lease",
            "kind-worker",
        ))
        .unwrap()
    {
        Object::Lease(l) => l.clone(),
        _ => unreachable!(),
    }
}

fn writes_of(d: &Driver, kind: Kind, name: &str, after: usize) -> Vec<SimTime> {
    d.h.api
        .watch_events()
        .iter()
        .skip(after)
        .filter(|e| {
            e.object.kind() == kind
                && e.object.name() == name
                && e.event_type == WatchEventType::Modified
        })
        .map(|e| e.at)
        .collect()
}

fn down(d: &mut Driver) {
    d.h.env.nodes_down.insert("kind-worker".into());
    d.poke(0);
}

fn up(d: &mut Driver) {
    d.h.env.nodes_down.remove("kind-worker");
    d.poke(0);
}

#[test]
fn the_kubelet_registers_its_node_and_lease() {
    let d = Driver::new(AppRegistry::new());
    let node = d.node("kind-worker");
    let labels = node.metadata.labels.clone().unwrap();
    assert_eq!(labels["kubernetes.io/hostname"], "kind-worker");
    assert_eq!(labels["kubernetes.io/os"], "linux");
    let spec = node.spec.clone().unwrap();
    assert_eq!(spec.pod_cidr.as_deref(), Some("10.244.1.0/24"));
    assert_eq!(
        spec.provider_id.as_deref(),
        Some("kind://docker/kind/kind-worker")
    );
    let status = node.status.unwrap();
    let conds: Vec<(String, String, String)> = status
        .conditions
        .unwrap()
        .into_iter()
        .map(|c| (c.type_, c.status, c.reason.unwrap()))
        .collect();
    assert_eq!(
        conds,
        [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID"),
            ("Ready", "True", "KubeletReady"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let ready = d.node("kind-worker").status.unwrap().conditions.unwrap()[3].clone();
    assert_eq!(
        ready.message.as_deref(),
        Some("kubelet is posting ready status")
    );
    let addresses = status.addresses.unwrap();
    assert_eq!(
        (addresses[0].type_.as_str(), addresses[0].address.as_str()),
        ("InternalIP", "172.18.0.3")
    );
    assert_eq!(
        (addresses[1].type_.as_str(), addresses[1].address.as_str()),
        ("Hostname", "kind-worker")
    );
    assert_eq!(status.capacity.as_ref().unwrap()["pods"].0, "110");
    assert_eq!(status.allocatable, status.capacity);
    let info = status.node_info.unwrap();
    assert_eq!(info.kubelet_version, "v1.35.0");
    assert_eq!(info.boot_id.len(), 36);
    assert!(status.images.unwrap().iter().any(|i| {
        i.names
            .as_ref()
            .unwrap()
            .contains(&"docker.io/kindest/kindnetd:v20250512-df8de77b".to_string())
    }));

    let l = lease(&d);
    let spec = l.spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some("kind-worker"));
    assert_eq!(spec.lease_duration_seconds, Some(40));
    assert_eq!(
        spec.renew_time.unwrap().0.as_second(),
        SimTime::ZERO.unix_seconds()
    );
    assert_eq!(l.metadata.owner_references.unwrap()[0].kind, "Node");

    assert_eq!(
        d.events("kind-worker"),
        vec![
            "Normal Starting: Starting kubelet.",
            "Normal NodeHasSufficientMemory: Node kind-worker status is now: NodeHasSufficientMemory",
            "Normal NodeHasNoDiskPressure: Node kind-worker status is now: NodeHasNoDiskPressure",
            "Normal NodeHasSufficientPID: Node kind-worker status is now: NodeHasSufficientPID",
            "Normal NodeReady: Node kind-worker status is now: NodeReady",
        ]
    );
}

#[test]
fn the_lease_is_renewed_every_ten_seconds() {
    let mut d = Driver::new(AppRegistry::new());
    let from = d.h.api.watch_events().len();
    d.run_for(secs(60));
    let renewals = writes_of(&d, Kind::Lease, "kind-worker", from);
    assert_eq!(
        renewals,
        (1..=6).map(|i| ms(i * 10_000)).collect::<Vec<_>>()
    );
    let renew = lease(&d).spec.unwrap().renew_time.unwrap();
    assert_eq!(renew.0.as_second(), ms(60_000).unix_seconds());
}

#[test]
fn node_status_is_written_on_change_and_every_five_minutes() {
    let mut d = Driver::new(AppRegistry::new());
    let from = d.h.api.watch_events().len();
    d.run_for(secs(299));
    assert!(
        writes_of(&d, Kind::Node, "kind-worker", from).is_empty(),
        "nothing changed"
    );
    d.run_for(secs(2));
    assert_eq!(
        writes_of(&d, Kind::Node, "kind-worker", from),
        vec![ms(300_000)]
    );
    let from = d.h.api.watch_events().len();
    d.create_pod("web-0", json!({}));
    d.run_for(secs(30));
    let writes = writes_of(&d, Kind::Node, "kind-worker", from);
    assert_eq!(writes.len(), 1, "the new image is reported: {writes:?}");
    let images = d.node("kind-worker").status.unwrap().images.unwrap();
    assert!(images.iter().any(|i| {
        i.names
            .as_ref()
            .unwrap()
            .contains(&"docker.io/library/nginx:1.25".to_string())
    }));
    let ready = d.node("kind-worker").status.unwrap().conditions.unwrap()[3].clone();
    assert_eq!(
        ready.last_transition_time,
        Some(SimTime::ZERO.to_k8s_time())
    );
    assert_eq!(ready.last_heartbeat_time, Some(writes[0].to_k8s_time()));
}

#[test]
fn a_down_node_does_nothing_and_reboots_its_pods_when_it_returns() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    let ip = d.pod("web-0").status.unwrap().pod_ip.unwrap();
    let boot = d
        .node("kind-worker")
        .status
        .unwrap()
        .node_info
        .unwrap()
        .boot_id;
    d.h.take_calls();
    down(&mut d);
    let renewed = lease(&d).spec.unwrap().renew_time;
    d.run_for(secs(120));
    assert!(
        d.h.take_calls().is_empty(),
        "no heartbeats, no status writes"
    );
    assert_eq!(lease(&d).spec.unwrap().renew_time, renewed);
    let up_at = d.h.now;
    let from = d.h.api.watch_events().len();
    up(&mut d);
    d.run_for(secs(30));
    assert_eq!(
        writes_of(&d, Kind::Lease, "kind-worker", from).first(),
        Some(&up_at),
        "the lease is renewed as soon as the kubelet is back"
    );
    let new_boot = d
        .node("kind-worker")
        .status
        .unwrap()
        .node_info
        .unwrap()
        .boot_id;
    assert_ne!(boot, new_boot);
    assert!(d.events("kind-worker").contains(&format!(
        "Warning Rebooted: Node kind-worker has been rebooted, boot id: {new_boot}"
    )));
    let p = d.pod("web-0");
    assert!(is_running_ready(&p));
    let c = cstatus(&p);
    assert_eq!(c.restart_count, 1);
    let last = c.last_state.unwrap().terminated.unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (255, Some("Unknown"))
    );
    assert_ne!(
        p.status.unwrap().pod_ip.unwrap(),
        ip,
        "a new sandbox, a new address"
    );
    let statuses: Vec<String> = dedup(d.columns("web-0"))
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(statuses[statuses.len() - 2..], ["Unknown", "Running"]);
    assert_eq!(
        d.events_with("web-0", "SandboxChanged"),
        vec!["Normal SandboxChanged: Pod sandbox changed, it will be killed and re-created."]
    );
    assert!(
        d.events("web-0")
            .contains(&"Normal Started: Started container nginx (x2)".to_string())
    );
    assert!(pod_restarts_column(&d.pod("web-0"), d.h.now).starts_with("1 ("));
}

#[test]
fn a_pod_deleted_while_its_node_is_down_stays_terminating_until_the_node_returns() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    down(&mut d);
    d.run_for(secs(5));
    d.delete_pod("web-0", None);
    d.run_for(secs(600));
    let p = d.pod("web-0");
    assert_eq!(
        (pod_ready_column(&p), pod_status_column(&p)),
        col("1/1", "Terminating")
    );
    up(&mut d);
    d.run_for(secs(5));
    assert!(
        d.try_pod("web-0").is_none(),
        "finished at once: nothing was running"
    );
    assert!(d.events_with("web-0", "Killing").is_empty());
    let (_, last) = d.watch("web-0").pop().unwrap();
    assert_eq!(phase(&last), "Failed");
}

#[test]
fn a_pod_bound_while_its_node_is_down_starts_when_it_returns() {
    let mut d = Driver::new(AppRegistry::new());
    down(&mut d);
    d.run_for(secs(1));
    d.create_pod("web-0", json!({}));
    d.run_for(secs(60));
    assert_eq!(
        d.columns("web-0").len(),
        2,
        "only the create and the binding"
    );
    up(&mut d);
    assert!(
        d.run_until_pod("web-0", secs(60), is_running_ready)
            .is_some()
    );
}

#[test]
fn the_kubelet_notices_power_even_without_a_poke() {
    let mut d = Driver::new(AppRegistry::new());
    d.h.env.nodes_down.insert("kind-worker".into());
    d.run_for(secs(30));
    d.h.take_calls();
    d.h.env.nodes_down.remove("kind-worker");
    d.run_for(secs(11));
    assert!(
        d.events("kind-worker")
            .iter()
            .any(|e| e.starts_with("Warning Rebooted:"))
    );
}
