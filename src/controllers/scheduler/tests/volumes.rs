//! VolumeBinding, VolumeRestrictions and VolumeZone: reasons, WaitForFirstConsumer, static
//! binding, PreBind failures.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::apiserver::DeleteOptions;
use crate::controllers::scheduler::{ANN_BIND_COMPLETED, ANN_SELECTED_NODE, StorageCapacity};
use crate::engine::SimDuration;

const NOT_HELPFUL_4: &str =
    "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.";

fn class(name: &str, provisioner: &str, mode: &str) -> Value {
    json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
           "metadata": {"name": name}, "provisioner": provisioner,
           "reclaimPolicy": "Delete", "volumeBindingMode": mode})
}

fn claim(name: &str, class: Option<&str>, size: &str, mode: &str) -> Value {
    let mut c = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"accessModes": [mode], "resources": {"requests": {"storage": size}}}});
    if let Some(class) = class {
        c["spec"]["storageClassName"] = json!(class);
    }
    c
}

fn volume(name: &str, class: &str, size: &str, node: Option<&str>) -> Value {
    let mut v = json!({"apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": class,
                 "hostPath": {"path": format!("/data/{name}")}}});
    if let Some(node) = node {
        v["spec"]["nodeAffinity"] = json!({"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}});
    }
    v
}

fn with_claim(mut p: Value, claim: &str) -> Value {
    p["spec"]["volumes"] = json!([{"name": "www", "persistentVolumeClaim": {"claimName": claim}}]);
    p["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "www", "mountPath": "/data"}]);
    p
}

fn claim_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::PersistentVolumeClaim, "default", name)
}

fn pv_key(name: &str) -> ObjectKey {
    ObjectKey::cluster(Kind::PersistentVolume, name)
}

fn annotations(api: &ApiServer, key: &ObjectKey) -> BTreeMap<String, String> {
    api.get(key)
        .unwrap()
        .meta()
        .annotations
        .clone()
        .unwrap_or_default()
}

/// Binds a claim to a volume as the PV controller does at the end (both sides).
fn complete_binding(api: &mut ApiServer, claim_name: &str, pv_name: &str) {
    let uid = api.get(&claim_key(claim_name)).unwrap().uid().to_string();
    edit(api, &pv_key(pv_name), |v| {
        v["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "apiVersion": "v1",
            "namespace": "default", "name": claim_name, "uid": uid});
    });
    edit_status(api, &pv_key(pv_name), |v| {
        v["status"]["phase"] = json!("Bound")
    });
    edit(api, &claim_key(claim_name), |v| {
        v["spec"]["volumeName"] = json!(pv_name);
        v["metadata"]["annotations"][ANN_BIND_COMPLETED] = json!("yes");
        v["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] = json!("yes");
    });
    edit_status(api, &claim_key(claim_name), |v| {
        v["status"]["phase"] = json!("Bound")
    });
}

fn available(api: &mut ApiServer, pv_name: &str) {
    edit_status(api, &pv_key(pv_name), |v| {
        v["status"]["phase"] = json!("Available")
    });
}

#[test]
fn unbound_immediate_claims_reject_the_pod_before_filtering() {
    let mut env = Env::new(0);
    env.create(claim("www-web-0", Some(""), "1Gi", "ReadWriteOnce"));
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn missing_and_deleted_claims() {
    let mut env = Env::new(0);
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: persistentvolumeclaim \"www-web-0\" not found. {NOT_HELPFUL_4}"
        )
    );
    env.create(claim("www-web-1", Some("standard"), "1Gi", "ReadWriteOnce"));
    env.h
        .api
        .delete(&claim_key("www-web-1"), &DeleteOptions::default())
        .unwrap();
    env.schedule(with_claim(pod_json("web-1", json!({})), "www-web-1"));
    assert_eq!(
        env.failed_message("web-1"),
        format!(
            "0/4 nodes are available: persistentvolumeclaim \"www-web-1\" is being deleted. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn a_local_volume_pins_the_pod_to_its_node() {
    let mut nodes = kind_nodes();
    nodes[1]["spec"]["taints"] = json!([
        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]);
    let mut env = Env::with_nodes(0, nodes, SchedulerConfig::default());
    env.create(class(
        "standard",
        "rancher.io/local-path",
        "WaitForFirstConsumer",
    ));
    env.create(claim("www-web-0", Some("standard"), "1Gi", "ReadWriteOnce"));
    env.create(volume("pvc-1", "standard", "1Gi", Some("kind-worker")));
    complete_binding(&mut env.h.api, "www-web-0", "pvc-1");
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 2 node(s) had untolerated taint(s), 2 node(s) had volume node affinity conflict. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn a_claim_bound_to_a_missing_volume() {
    let mut env = Env::new(0);
    env.create(class(
        "standard",
        "rancher.io/local-path",
        "WaitForFirstConsumer",
    ));
    env.create(claim("www-web-0", Some("standard"), "1Gi", "ReadWriteOnce"));
    edit(&mut env.h.api, &claim_key("www-web-0"), |v| {
        v["spec"]["volumeName"] = json!("pvc-gone");
        v["metadata"]["annotations"] = json!({ANN_BIND_COMPLETED: "yes"});
    });
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn wait_for_first_consumer_without_a_provisioner_or_matching_volume() {
    let mut env = Env::new(0);
    env.create(class(
        "local-storage",
        "kubernetes.io/no-provisioner",
        "WaitForFirstConsumer",
    ));
    env.create(claim(
        "www-web-0",
        Some("local-storage"),
        "1Gi",
        "ReadWriteOnce",
    ));
    env.create(volume(
        "too-small",
        "local-storage",
        "500Mi",
        Some("kind-worker"),
    ));
    available(&mut env.h.api, "too-small");
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) didn't find available persistent volumes to bind. {NOT_HELPFUL_4}"
        )
    );
}

#[test]
fn not_enough_free_storage_where_the_driver_publishes_capacity() {
    let mut capacity = BTreeMap::new();
    capacity.insert(
        "rancher.io/local-path".to_string(),
        vec![StorageCapacity {
            storage_class: "standard".into(),
            node_labels: BTreeMap::new(),
            max_volume_size: 2 * 1024 * 1024 * 1024,
        }],
    );
    let config = SchedulerConfig {
        storage_capacity: capacity,
        ..SchedulerConfig::default()
    };
    let mut env = Env::with_nodes(0, kind_nodes(), config);
    env.create(class(
        "standard",
        "rancher.io/local-path",
        "WaitForFirstConsumer",
    ));
    env.create(claim("www-web-0", Some("standard"), "5Gi", "ReadWriteOnce"));
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(
        env.failed_message("web-0"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) did not have enough free storage. {NOT_HELPFUL_4}"
        )
    );
    // A smaller claim fits.
    env.create(claim("www-web-1", Some("standard"), "1Gi", "ReadWriteOnce"));
    env.schedule(with_claim(pod_json("web-1", json!({})), "www-web-1"));
    assert!(annotations(&env.h.api, &claim_key("www-web-1")).contains_key(ANN_SELECTED_NODE));
}

#[test]
fn read_write_once_pod_claims_are_exclusive() {
    let mut env = Env::new(0);
    env.create(class("nfs", "example.com/nfs", "Immediate"));
    env.create(claim("shared", Some("nfs"), "1Gi", "ReadWriteOncePod"));
    env.create(volume("nfs-1", "nfs", "1Gi", None));
    complete_binding(&mut env.h.api, "shared", "nfs-1");
    env.create(with_claim(
        bound_pod_json("first", "kind-worker", json!({})),
        "shared",
    ));
    env.schedule(with_claim(pod_json("second", json!({})), "shared"));
    assert_eq!(
        env.failed_message("second"),
        "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod."
    );
}

#[test]
fn volume_zones() {
    let mut nodes = kind_nodes();
    for (i, n) in nodes.iter_mut().enumerate() {
        let zone = if i == 2 { "zone-b" } else { "zone-a" };
        n["metadata"]["labels"]["topology.kubernetes.io/zone"] = json!(zone);
    }
    let mut env = Env::with_nodes(0, nodes, SchedulerConfig::default());
    env.create(class("disk", "example.com/disk", "Immediate"));
    env.create(claim("data", Some("disk"), "1Gi", "ReadWriteOnce"));
    let mut pv = volume("disk-1", "disk", "1Gi", None);
    pv["metadata"]["labels"] = json!({"topology.kubernetes.io/zone": "zone-b"});
    env.create(pv);
    complete_binding(&mut env.h.api, "data", "disk-1");
    env.schedule(with_claim(pod_json("web-0", json!({})), "data"));
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker2"));
    edit(&mut env.h.api, &pv_key("disk-1"), |v| {
        v["metadata"]["labels"]["topology.kubernetes.io/zone"] = json!("zone-c");
    });
    env.schedule(with_claim(pod_json("web-1", json!({})), "data"));
    assert_eq!(
        env.failed_message("web-1"),
        format!(
            "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 node(s) had no available volume zone. {NOT_HELPFUL_4}"
        )
    );
}

/// A kind cluster with the `standard` class and claim `www-web-0`.
fn wffc_env(seed: u64) -> Env {
    let mut env = Env::new(seed);
    env.create(class(
        "standard",
        "rancher.io/local-path",
        "WaitForFirstConsumer",
    ));
    let mut c = claim("www-web-0", Some("standard"), "1Gi", "ReadWriteOnce");
    c["metadata"]["annotations"] = json!({
        "volume.kubernetes.io/storage-provisioner": "rancher.io/local-path"});
    env.create(c);
    env
}

fn nominated(env: &Env, name: &str) -> Option<String> {
    let Object::Pod(p) = &*env.pod(name) else {
        unreachable!()
    };
    p.status.as_ref()?.nominated_node_name.clone()
}

#[test]
fn wait_for_first_consumer_selects_a_node_then_binds_after_the_claim() {
    let mut env = wffc_env(0);
    let r = env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    assert_eq!(r, Requeue::After(SimDuration::from_secs(1)));
    assert_eq!(
        env.h.take_calls(),
        [
            "patch-status Pod default/web-0",
            "update PersistentVolumeClaim default/www-web-0"
        ]
    );
    let node = annotations(&env.h.api, &claim_key("www-web-0"))[ANN_SELECTED_NODE].clone();
    assert!(WORKERS.contains(&node.as_str()));
    assert_eq!(nominated(&env, "web-0").as_deref(), Some(node.as_str()));
    assert_eq!(
        env.node_of("web-0"),
        None,
        "no node before the claim is bound"
    );
    assert!(env.events("web-0").is_empty());

    // PreBind polls every second while the provisioner works.
    env.at(1000);
    assert_eq!(
        env.reconcile("web-0"),
        Requeue::After(SimDuration::from_secs(1))
    );
    assert!(env.h.take_calls().is_empty());

    // The provisioner creates the volume on the node; the PV controller binds it.
    env.create(volume("pvc-0001", "standard", "1Gi", Some(&node)));
    complete_binding(&mut env.h.api, "www-web-0", "pvc-0001");
    env.at(1500);
    assert_eq!(
        env.reconcile("web-0"),
        Requeue::After(SimDuration::from_ms(500)),
        "the poll keeps its 1 s rhythm"
    );
    assert!(env.h.take_calls().is_empty());
    env.at(2000);
    assert_eq!(env.reconcile("web-0"), Requeue::No);
    assert_eq!(env.h.take_calls(), ["bind Pod default/web-0"]);
    assert_eq!(env.node_of("web-0"), Some(node.clone()));
    assert_eq!(
        env.events("web-0"),
        [(
            "Normal".to_string(),
            "Scheduled".to_string(),
            format!("Successfully assigned default/web-0 to {node}"),
            1
        )]
    );
}

#[test]
fn the_assumed_pod_counts_on_its_node_while_it_waits() {
    let mut env = wffc_env(0);
    env.schedule(with_claim(
        pod_json("web-0", json!({"cpu": "6"})),
        "www-web-0",
    ));
    let node = annotations(&env.h.api, &claim_key("www-web-0"))[ANN_SELECTED_NODE].clone();
    for i in 0..4 {
        env.schedule(pod_json(&format!("other-{i}"), json!({"cpu": "3"})));
        assert_ne!(env.node_of(&format!("other-{i}")), Some(node.clone()));
    }
}

#[test]
fn a_failed_provisioning_sends_the_pod_back_with_an_error() {
    let mut env = wffc_env(0);
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    env.h.take_calls();
    // The provisioner gives up and removes the annotation.
    edit(&mut env.h.api, &claim_key("www-web-0"), |v| {
        v["metadata"]["annotations"]
            .as_object_mut()
            .unwrap()
            .remove(ANN_SELECTED_NODE);
    });
    env.at(1000);
    let r = env.reconcile("web-0");
    let msg = "running PreBind plugin \"VolumeBinding\": binding volumes: provisioning failed for PVC \"www-web-0\"";
    assert_eq!(env.failed_message("web-0"), msg);
    let c = env.condition("web-0").unwrap();
    assert_eq!(c.reason.as_deref(), Some("SchedulerError"));
    assert_eq!(c.message.as_deref(), Some(msg));
    assert_eq!(
        nominated(&env, "web-0"),
        None,
        "the nominated node is cleared"
    );
    // Error back-off: 1 s from 1.0 s, popped on the next whole second.
    assert_eq!(r, Requeue::After(SimDuration::from_secs(2)));
    env.at(3000);
    env.reconcile("web-0");
    assert!(annotations(&env.h.api, &claim_key("www-web-0")).contains_key(ANN_SELECTED_NODE));
}

#[test]
fn prebind_gives_up_after_the_bind_timeout() {
    let mut env = wffc_env(0);
    env.schedule(with_claim(pod_json("web-0", json!({})), "www-web-0"));
    for s in 1..600 {
        env.at(s * 1000);
        assert_eq!(
            env.reconcile("web-0"),
            Requeue::After(SimDuration::from_secs(1))
        );
    }
    env.at(600_000);
    env.reconcile("web-0");
    assert_eq!(
        env.failed_message("web-0"),
        "running PreBind plugin \"VolumeBinding\": binding volumes: context deadline exceeded"
    );
}

#[test]
fn an_available_volume_is_bound_statically_on_its_node() {
    let mut env = Env::new(0);
    env.create(class(
        "local-storage",
        "kubernetes.io/no-provisioner",
        "WaitForFirstConsumer",
    ));
    env.create(claim(
        "www-web-0",
        Some("local-storage"),
        "1Gi",
        "ReadWriteOnce",
    ));
    env.create(volume(
        "local-big",
        "local-storage",
        "10Gi",
        Some("kind-worker"),
    ));
    env.create(volume(
        "local-small",
        "local-storage",
        "2Gi",
        Some("kind-worker2"),
    ));
    available(&mut env.h.api, "local-big");
    available(&mut env.h.api, "local-small");
    let mut p = with_claim(pod_json("web-0", json!({})), "www-web-0");
    p["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "kind-worker2"});
    env.schedule(p);
    assert_eq!(
        env.h.take_calls(),
        [
            "patch-status Pod default/web-0",
            "update PersistentVolume local-small"
        ]
    );
    let Object::PersistentVolume(pv) = &*env.h.api.get(&pv_key("local-small")).unwrap() else {
        unreachable!()
    };
    let r = pv.spec.as_ref().unwrap().claim_ref.as_ref().unwrap();
    assert_eq!(r.name.as_deref(), Some("www-web-0"));
    let claim_uid = env
        .h
        .api
        .get(&claim_key("www-web-0"))
        .unwrap()
        .uid()
        .to_string();
    assert_eq!(r.uid.as_deref(), Some(claim_uid.as_str()));
    assert_eq!(
        annotations(&env.h.api, &pv_key("local-small"))["pv.kubernetes.io/bound-by-controller"],
        "yes"
    );
    complete_binding(&mut env.h.api, "www-web-0", "local-small");
    env.at(1000);
    env.reconcile("web-0");
    assert_eq!(env.node_of("web-0").as_deref(), Some("kind-worker2"));
}
