//! Storage controllers, rule by rule (`spec/storage-scheduling-kubelet.md` §1): each test
//! drives the controllers one reconcile at a time through the harness, or a whole `Sim`.

use std::sync::Arc;

use serde_json::{Value, json};

use super::binder::PersistentVolumeController;
use super::expand::{ExpandController, NodeExpander, ResizeController};
use super::provisioner::{EBS_CSI, ExternalProvisioner, ProvisionerKind};
use super::*;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, DeleteOptions};
use crate::controllers::protection::{PvProtectionController, PvcProtectionController};
use crate::engine::{SimDuration, SimTime};
use crate::sim::testing::Harness;
use crate::sim::{Controller, Requeue, Verb};

// ----- fixtures -----

fn obj(v: Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn harness() -> Harness {
    let mut h = Harness::new(0);
    h.api
        .create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        ))
        .unwrap();
    h
}

fn class(h: &mut Harness, name: &str, provisioner: &str, mode: &str, extra: Value) {
    let mut v = json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": provisioner,
        "volumeBindingMode": mode,
    });
    merge(&mut v, extra);
    h.api.create(obj(v)).unwrap();
}

fn node(h: &mut Harness, name: &str, labels: Value) {
    h.api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels},
        })))
        .unwrap();
}

fn merge(base: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            match (b.get_mut(&k), v) {
                (Some(dst @ Value::Object(_)), v @ Value::Object(_)) => merge(dst, v),
                (_, v) => {
                    b.insert(k, v);
                }
            }
        }
    }
}

/// A claim; `spec` is merged over `{accessModes: [RWO], resources: {requests: {storage}}}`.
fn claim(h: &mut Harness, name: &str, size: &str, spec: Value) -> Arc<Object> {
    let mut v = json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    });
    merge(&mut v, json!({ "spec": spec }));
    h.api.create(obj(v)).unwrap()
}

/// A hostPath volume; `extra` is merged over the whole object.
fn volume(h: &mut Harness, name: &str, size: &str, class: &str, extra: Value) -> Arc<Object> {
    let mut v = json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": size},
            "hostPath": {"path": format!("/data/{name}")},
            "storageClassName": class,
        },
    });
    merge(&mut v, extra);
    h.api.create(obj(v)).unwrap()
}

fn pod(h: &mut Harness, name: &str, claim: &str, node: Option<&str>) -> Arc<Object> {
    h.api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": "default"},
        })))
        .ok();
    let p = h
        .api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "automountServiceAccountToken": false,
                "containers": [{"name": "app", "image": "nginx"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
            },
        })))
        .unwrap();
    match node {
        Some(n) => h.api.bind_pod(&p.key(), n).unwrap(),
        None => p,
    }
}

fn pvc_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::PersistentVolumeClaim, "default", name)
}

fn pv_key(name: &str) -> ObjectKey {
    ObjectKey::cluster(Kind::PersistentVolume, name)
}

fn get(h: &Harness, key: &ObjectKey) -> Arc<Object> {
    h.api.get(key).unwrap()
}

fn json_of(h: &Harness, key: &ObjectKey) -> Value {
    get(h, key).to_json()
}

fn annotate(h: &mut Harness, key: &ObjectKey, k: &str, v: &str) {
    let mut o = (*get(h, key)).clone();
    util::set_annotation(&mut o, k, v);
    h.api.update(o).unwrap();
}

/// `Type Reason Message (xN) from <source>` of every event about `name`, oldest first.
fn events(h: &Harness, name: &str) -> Vec<String> {
    let mut out: Vec<(String, String)> = h
        .api
        .iter_kind(Kind::Event, None)
        .filter_map(|e| match &**e {
            Object::Event(ev) if ev.involved_object.name.as_deref() == Some(name) => Some((
                e.name().to_string(),
                format!(
                    "{} {} {}{}",
                    ev.type_.as_deref().unwrap_or(""),
                    ev.reason.as_deref().unwrap_or(""),
                    ev.message.as_deref().unwrap_or(""),
                    match ev.count {
                        Some(n) if n > 1 => format!(" (x{n})"),
                        _ => String::new(),
                    }
                ),
            )),
            _ => None,
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, s)| s).collect()
}

fn event_sources(h: &Harness, name: &str) -> Vec<String> {
    h.api
        .iter_kind(Kind::Event, None)
        .filter_map(|e| match &**e {
            Object::Event(ev) if ev.involved_object.name.as_deref() == Some(name) => {
                ev.source.as_ref().and_then(|s| s.component.clone())
            }
            _ => None,
        })
        .collect()
}

/// The last watch event about an object of `kind` (Events come after the writes they report).
fn last_write(h: &Harness, kind: Kind) -> crate::apiserver::WatchEvent {
    h.api
        .watch_events()
        .iter()
        .rev()
        .find(|e| e.object.kind() == kind)
        .unwrap()
        .clone()
}

fn at(h: &mut Harness, ms: u64) {
    h.set_now(SimTime::from_ms(ms));
}

const LOCAL_PATH: &str = "rancher.io/local-path";
const EXTERNAL_MSG: &str = "Waiting for a volume to be created either by the external provisioner '{}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.";

fn external_msg(p: &str) -> String {
    EXTERNAL_MSG.replace("{}", p)
}

fn kind_cluster() -> Harness {
    let mut h = harness();
    class(
        &mut h,
        "standard",
        LOCAL_PATH,
        "WaitForFirstConsumer",
        json!({"metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
               "reclaimPolicy": "Delete"}),
    );
    node(
        &mut h,
        "kind-worker",
        json!({"kubernetes.io/hostname": "kind-worker"}),
    );
    h
}

// ----- dynamic provisioning -----

#[test]
fn wffc_claim_waits_for_its_consumer_then_is_provisioned_on_the_selected_node() {
    let mut h = kind_cluster();
    let mut binder = PersistentVolumeController::new();
    let mut lp = ExternalProvisioner::new(ProvisionerKind::LocalPath);
    let c = claim(&mut h, "www-web-0", "1Gi", json!({}));
    let key = c.key();
    at(&mut h, 5);
    let r = h.reconcile(&mut binder, &key);
    assert_eq!(
        r,
        Requeue::After(SimDuration::from_ms(14_995)),
        "resync tick"
    );
    assert!(h.take_calls().is_empty(), "a waiting claim is not written");
    assert_eq!(
        events(&h, "www-web-0"),
        ["Normal WaitForFirstConsumer waiting for first consumer to be created before binding"]
    );
    // The provisioner ignores the claim until the controller names it.
    assert_eq!(h.reconcile(&mut lp, &key), Requeue::No);
    assert!(h.take_calls().is_empty());

    // The scheduler picks a node (VolumeBinding PreBind).
    at(&mut h, 100);
    annotate(&mut h, &key, ANN_SELECTED_NODE, "kind-worker");
    let _ = h.reconcile(&mut binder, &key);
    assert_eq!(
        h.take_calls(),
        ["update PersistentVolumeClaim default/www-web-0"]
    );
    let j = json_of(&h, &key);
    assert_eq!(
        j["metadata"]["annotations"][ANN_STORAGE_PROVISIONER],
        LOCAL_PATH
    );
    assert_eq!(
        j["metadata"]["annotations"][ANN_BETA_STORAGE_PROVISIONER],
        LOCAL_PATH
    );
    assert_eq!(j["status"]["phase"], "Pending");
    assert_eq!(
        events(&h, "www-web-0")[1],
        format!("Normal ExternalProvisioning {}", external_msg(LOCAL_PATH))
    );

    at(&mut h, 105);
    assert_eq!(
        h.reconcile(&mut lp, &key),
        Requeue::After(SimDuration::from_secs(3))
    );
    assert!(h.take_calls().is_empty(), "the helper pod is still working");
    assert_eq!(
        events(&h, "www-web-0")[2],
        "Normal Provisioning External provisioner is provisioning volume for claim \"default/www-web-0\""
    );
    let pv_name = format!("pvc-{}", c.uid());
    at(&mut h, 3105);
    assert_eq!(h.reconcile(&mut lp, &key), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [format!("create PersistentVolume {pv_name}")]
    );
    assert_eq!(
        events(&h, "www-web-0")[3],
        format!("Normal ProvisioningSucceeded Successfully provisioned volume {pv_name}")
    );
    assert!(
        event_sources(&h, "www-web-0")
            .iter()
            .any(|s| s.starts_with("rancher.io/local-path_local-path-provisioner-")),
        "{:?}",
        event_sources(&h, "www-web-0")
    );
    let pv = json_of(&h, &pv_key(&pv_name));
    assert_eq!(
        pv["spec"]["hostPath"],
        json!({"path": format!("/var/local-path-provisioner/{pv_name}_default_www-web-0"),
               "type": "DirectoryOrCreate"})
    );
    assert_eq!(
        pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0],
        json!({"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]})
    );
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Delete");
    assert_eq!(pv["spec"]["storageClassName"], "standard");
    assert_eq!(pv["spec"]["capacity"]["storage"], "1Gi");
    assert_eq!(pv["spec"]["claimRef"]["uid"], c.uid());
    assert_eq!(
        pv["metadata"]["annotations"][ANN_DYNAMICALLY_PROVISIONED],
        LOCAL_PATH
    );
    assert_eq!(
        pv["metadata"]["annotations"]["local.path.provisioner/selected-node"],
        "kind-worker"
    );
    assert_eq!(
        pv["metadata"]["finalizers"],
        json!(["kubernetes.io/pv-protection"])
    );

    // The new volume wakes its claim, whose sync binds them.
    at(&mut h, 3110);
    assert_eq!(h.reconcile(&mut binder, &pv_key(&pv_name)), Requeue::No);
    assert!(h.wakeups.contains_key(&key));
    assert!(h.take_calls().is_empty());
    assert_eq!(h.reconcile(&mut binder, &key), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [
            format!("update-status PersistentVolume {pv_name}"),
            "update PersistentVolumeClaim default/www-web-0".to_string(),
            "update-status PersistentVolumeClaim default/www-web-0".to_string(),
        ],
        "the pre-bound volume's spec is left alone"
    );
    let pv = json_of(&h, &pv_key(&pv_name));
    assert_eq!(pv["status"]["phase"], "Bound");
    assert!(pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER].is_null());
    let j = json_of(&h, &key);
    assert_eq!(j["spec"]["volumeName"], pv_name);
    assert_eq!(j["metadata"]["annotations"][ANN_BIND_COMPLETED], "yes");
    assert_eq!(j["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER], "yes");
    assert_eq!(j["status"]["phase"], "Bound");
    assert_eq!(j["status"]["capacity"]["storage"], "1Gi");
    assert_eq!(j["status"]["accessModes"], json!(["ReadWriteOnce"]));
    assert_eq!(
        events(&h, "www-web-0").len(),
        4,
        "binding itself reports nothing"
    );
    // Everything settled: another sync writes nothing.
    assert_eq!(h.reconcile(&mut binder, &key), Requeue::No);
    assert_eq!(h.reconcile(&mut binder, &pv_key(&pv_name)), Requeue::No);
    assert!(h.take_calls().is_empty());
}

#[test]
fn wffc_claim_names_the_unscheduled_pods_once_the_informer_has_them() {
    let mut h = kind_cluster();
    let mut binder = PersistentVolumeController::new();
    claim(&mut h, "data", "1Gi", json!({}));
    pod(&mut h, "web-0", "data", None);
    pod(&mut h, "web-1", "data", None);
    // 5 ms later the pod informer has not delivered the pods yet.
    at(&mut h, 5);
    let _ = h.reconcile(&mut binder, &pvc_key("data"));
    at(&mut h, 15_000);
    let _ = h.reconcile(&mut binder, &pvc_key("data"));
    assert_eq!(
        events(&h, "data"),
        [
            "Normal WaitForFirstConsumer waiting for first consumer to be created before binding",
            "Normal WaitForPodScheduled waiting for pods web-0,web-1 to be scheduled",
        ]
    );
}

#[test]
fn immediate_class_is_provisioned_without_a_node() {
    let mut h = harness();
    class(
        &mut h,
        "hostpath",
        "k8s.io/minikube-hostpath",
        "Immediate",
        json!({"reclaimPolicy": "Retain"}),
    );
    let mut binder = PersistentVolumeController::new();
    let mut mk = ExternalProvisioner::new(ProvisionerKind::MinikubeHostPath);
    let c = claim(
        &mut h,
        "data",
        "2Gi",
        json!({"storageClassName": "hostpath"}),
    );
    at(&mut h, 5);
    let _ = h.reconcile(&mut binder, &c.key());
    at(&mut h, 10);
    assert_eq!(
        h.reconcile(&mut mk, &c.key()),
        Requeue::After(SimDuration::from_secs(1))
    );
    at(&mut h, 1010);
    let _ = h.reconcile(&mut mk, &c.key());
    let pv_name = format!("pvc-{}", c.uid());
    let pv = json_of(&h, &pv_key(&pv_name));
    assert_eq!(
        pv["spec"]["hostPath"],
        json!({"path": "/tmp/hostpath-provisioner/default/data", "type": ""}),
        "the API defaults the type"
    );
    assert!(pv["spec"]["nodeAffinity"].is_null());
    assert_eq!(pv["spec"]["persistentVolumeReclaimPolicy"], "Retain");
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Bound");
    assert_eq!(json_of(&h, &pv_key(&pv_name))["status"]["phase"], "Bound");
}

#[test]
fn local_path_cannot_provision_an_immediate_claim_without_a_node() {
    let mut h = harness();
    class(&mut h, "fast", LOCAL_PATH, "Immediate", json!({}));
    let mut binder = PersistentVolumeController::new();
    let mut lp = ExternalProvisioner::new(ProvisionerKind::LocalPath);
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": "fast"}));
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(
        h.reconcile(&mut lp, &c.key()),
        Requeue::After(SimDuration::from_secs(15)),
        "rate-limited retry"
    );
    assert_eq!(
        events(&h, "data")[2],
        "Warning ProvisioningFailed failed to provision volume with StorageClass \"fast\": configuration error, no node was specified"
    );
    assert!(
        h.api
            .iter_kind(Kind::PersistentVolume, None)
            .next()
            .is_none()
    );
    assert_eq!(
        h.reconcile(&mut lp, &c.key()),
        Requeue::After(SimDuration::from_secs(30))
    );
}

#[test]
fn a_csi_driver_provisions_in_the_selected_nodes_zone_and_deletes_with_its_finalizer() {
    let mut h = harness();
    class(
        &mut h,
        "gp3",
        "ebs.csi.aws.com",
        "WaitForFirstConsumer",
        json!({}),
    );
    node(
        &mut h,
        "ip-10-0-1-5",
        json!({"topology.kubernetes.io/zone": "us-east-1a"}),
    );
    let mut binder = PersistentVolumeController::new();
    let mut pvp = PvProtectionController::new();
    let mut pvcp = PvcProtectionController::new();
    let mut ebs = ExternalProvisioner::new(ProvisionerKind::Csi(&EBS_CSI));
    let c = claim(&mut h, "data", "500Mi", json!({"storageClassName": "gp3"}));
    annotate(&mut h, &c.key(), ANN_SELECTED_NODE, "ip-10-0-1-5");
    let _ = h.reconcile(&mut binder, &c.key());
    let _ = h.reconcile(&mut ebs, &c.key());
    at(&mut h, 5000);
    let _ = h.reconcile(&mut ebs, &c.key());
    let pv_name = format!("pvc-{}", c.uid());
    let pv = json_of(&h, &pv_key(&pv_name));
    assert_eq!(pv["spec"]["capacity"]["storage"], "1Gi", "whole GiB");
    assert_eq!(pv["spec"]["csi"]["driver"], "ebs.csi.aws.com");
    assert_eq!(pv["spec"]["csi"]["fsType"], "ext4");
    assert!(
        pv["spec"]["csi"]["volumeHandle"]
            .as_str()
            .unwrap()
            .starts_with("vol-")
    );
    assert_eq!(
        pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0],
        json!({"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1a"]})
    );
    assert_eq!(
        pv["metadata"]["finalizers"],
        json!([
            "external-provisioner.volume.kubernetes.io/finalizer",
            "kubernetes.io/pv-protection"
        ])
    );
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Bound");

    // The claim goes: the volume is Released, its disk deleted, then the object.
    h.api.delete(&c.key(), &DeleteOptions::default()).unwrap();
    let _ = h.reconcile(&mut pvcp, &c.key());
    assert!(h.api.try_get(&c.key()).is_none());
    let _ = h.reconcile(&mut binder, &pv_key(&pv_name));
    assert_eq!(
        json_of(&h, &pv_key(&pv_name))["status"]["phase"],
        "Released"
    );
    h.take_calls();
    at(&mut h, 6000);
    assert_eq!(
        h.reconcile(&mut ebs, &pv_key(&pv_name)),
        Requeue::After(SimDuration::from_secs(4))
    );
    at(&mut h, 10_000);
    let _ = h.reconcile(&mut ebs, &pv_key(&pv_name));
    assert_eq!(
        h.take_calls(),
        [
            format!("delete PersistentVolume {pv_name}"),
            format!("update PersistentVolume {pv_name}")
        ]
    );
    let _ = h.reconcile(&mut pvp, &pv_key(&pv_name));
    assert!(h.api.try_get(&pv_key(&pv_name)).is_none());
}

#[test]
fn a_csi_driver_hands_a_node_without_a_zone_back_to_the_scheduler() {
    let mut h = harness();
    class(
        &mut h,
        "gp3",
        "ebs.csi.aws.com",
        "WaitForFirstConsumer",
        json!({}),
    );
    node(&mut h, "no-zone", json!({}));
    let mut binder = PersistentVolumeController::new();
    let mut ebs = ExternalProvisioner::new(ProvisionerKind::Csi(&EBS_CSI));
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": "gp3"}));
    annotate(&mut h, &c.key(), ANN_SELECTED_NODE, "no-zone");
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(h.reconcile(&mut ebs, &c.key()), Requeue::No);
    assert_eq!(
        events(&h, "data")[2],
        "Warning ProvisioningFailed failed to provision volume with StorageClass \"gp3\": error generating accessibility requirements: no topology key found on CSINode no-zone"
    );
    assert!(json_of(&h, &c.key())["metadata"]["annotations"][ANN_SELECTED_NODE].is_null());
}

// ----- static binding -----

#[test]
fn an_unbound_claim_gets_the_smallest_available_volume_that_fits() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(&mut h, "pv-5g", "5Gi", "manual", json!({}));
    volume(&mut h, "pv-2g-b", "2Gi", "manual", json!({}));
    volume(&mut h, "pv-2g-a", "2Gi", "manual", json!({}));
    volume(&mut h, "pv-1g", "1Gi", "manual", json!({}));
    volume(&mut h, "pv-other", "2Gi", "slow", json!({}));
    for n in ["pv-5g", "pv-2g-b", "pv-2g-a", "pv-1g", "pv-other"] {
        let _ = h.reconcile(&mut binder, &pv_key(n));
        assert_eq!(json_of(&h, &pv_key(n))["status"]["phase"], "Available");
    }
    h.take_calls();
    let c = claim(
        &mut h,
        "data",
        "1500Mi",
        json!({"storageClassName": "manual"}),
    );
    assert_eq!(h.reconcile(&mut binder, &c.key()), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [
            "update PersistentVolume pv-2g-a",
            "update-status PersistentVolume pv-2g-a",
            "update PersistentVolumeClaim default/data",
            "update-status PersistentVolumeClaim default/data",
        ],
        "smallest fit, ties by name"
    );
    let pv = json_of(&h, &pv_key("pv-2g-a"));
    assert_eq!(pv["spec"]["claimRef"]["name"], "data");
    assert_eq!(pv["spec"]["claimRef"]["uid"], c.uid());
    assert_eq!(pv["spec"]["claimRef"]["kind"], "PersistentVolumeClaim");
    assert_eq!(
        pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER],
        "yes"
    );
    let j = json_of(&h, &c.key());
    assert_eq!(
        j["status"]["capacity"]["storage"], "2Gi",
        "the volume's size"
    );
    assert_eq!(j["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER], "yes");
}

#[test]
fn access_mode_groups_with_fewer_modes_win_over_size() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(
        &mut h,
        "rwo-rwx-small",
        "1Gi",
        "manual",
        json!({"spec": {"accessModes": ["ReadWriteOnce", "ReadWriteMany"]}}),
    );
    volume(&mut h, "rwo-big", "10Gi", "manual", json!({}));
    volume(
        &mut h,
        "rwx-only",
        "1Gi",
        "manual",
        json!({"spec": {"accessModes": ["ReadWriteMany"]}}),
    );
    for n in ["rwo-rwx-small", "rwo-big", "rwx-only"] {
        let _ = h.reconcile(&mut binder, &pv_key(n));
    }
    let c = claim(&mut h, "a", "1Gi", json!({"storageClassName": "manual"}));
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["spec"]["volumeName"], "rwo-big");
    let c = claim(&mut h, "b", "1Gi", json!({"storageClassName": "manual"}));
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["spec"]["volumeName"], "rwo-rwx-small");
    let j = json_of(&h, &c.key());
    assert_eq!(
        j["status"]["accessModes"],
        json!(["ReadWriteOnce", "ReadWriteMany"]),
        "the volume's modes"
    );
    // Only the RWX-only volume is left, and it lacks RWO.
    let c = claim(&mut h, "c", "1Gi", json!({"storageClassName": "manual"}));
    let _ = h.reconcile(&mut binder, &c.key());
    assert!(json_of(&h, &c.key())["spec"]["volumeName"].is_null());
}

#[test]
fn a_selector_limits_the_volumes_a_claim_can_bind() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(
        &mut h,
        "pv-a",
        "1Gi",
        "manual",
        json!({"metadata": {"labels": {"tier": "a"}}}),
    );
    volume(
        &mut h,
        "pv-b",
        "5Gi",
        "manual",
        json!({"metadata": {"labels": {"tier": "b"}}}),
    );
    for n in ["pv-a", "pv-b"] {
        let _ = h.reconcile(&mut binder, &pv_key(n));
    }
    let c = claim(
        &mut h,
        "data",
        "1Gi",
        json!({"storageClassName": "manual", "selector": {"matchLabels": {"tier": "b"}}}),
    );
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["spec"]["volumeName"], "pv-b");
}

#[test]
fn an_empty_class_binds_only_classless_volumes() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(&mut h, "classy", "1Gi", "standard", json!({}));
    let _ = h.reconcile(&mut binder, &pv_key("classy"));
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": ""}));
    assert_eq!(
        h.reconcile(&mut binder, &c.key()),
        Requeue::After(SimDuration::from_secs(15))
    );
    assert_eq!(
        events(&h, "data"),
        [
            "Normal FailedBinding no persistent volumes available for this claim and no storage class is set"
        ]
    );
    volume(&mut h, "plain", "1Gi", "", json!({}));
    let _ = h.reconcile(&mut binder, &pv_key("plain"));
    at(&mut h, 15_000);
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(json_of(&h, &c.key())["spec"]["volumeName"], "plain");
    assert_eq!(
        json_of(&h, &pv_key("classy"))["status"]["phase"],
        "Available"
    );
}

#[test]
fn a_claim_without_a_class_gets_the_default_one_retroactively() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    let c = claim(&mut h, "data", "1Gi", json!({}));
    assert!(json_of(&h, &c.key())["spec"]["storageClassName"].is_null());
    class(
        &mut h,
        "standard",
        LOCAL_PATH,
        "WaitForFirstConsumer",
        json!({"metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}),
    );
    assert_eq!(h.reconcile(&mut binder, &c.key()), Requeue::No);
    assert_eq!(
        json_of(&h, &c.key())["spec"]["storageClassName"],
        "standard"
    );
}

#[test]
fn a_claim_naming_its_volume_binds_it_or_says_why_not() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(&mut h, "small", "1Gi", "", json!({}));
    volume(&mut h, "big", "10Gi", "", json!({}));
    let _ = h.reconcile(&mut binder, &pv_key("small"));
    let _ = h.reconcile(&mut binder, &pv_key("big"));
    let c = claim(
        &mut h,
        "too-big",
        "5Gi",
        json!({"storageClassName": "", "volumeName": "small"}),
    );
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(
        events(&h, "too-big"),
        [
            "Warning VolumeMismatch Cannot bind to requested volume \"small\": requested PV is too small"
        ]
    );
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Pending");
    h.take_calls();
    let c = claim(
        &mut h,
        "fits",
        "5Gi",
        json!({"storageClassName": "", "volumeName": "big"}),
    );
    let _ = h.reconcile(&mut binder, &c.key());
    let j = json_of(&h, &c.key());
    assert_eq!(j["status"]["phase"], "Bound");
    assert!(
        j["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER].is_null(),
        "the user chose the volume"
    );
    let pv = json_of(&h, &pv_key("big"));
    assert_eq!(
        pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER],
        "yes"
    );
    assert_eq!(pv["spec"]["claimRef"]["uid"], c.uid());
    // A second claim naming the same volume is refused.
    let c = claim(
        &mut h,
        "late",
        "1Gi",
        json!({"storageClassName": "", "volumeName": "big"}),
    );
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(
        events(&h, "late"),
        ["Warning FailedBinding volume \"big\" already bound to a different claim."]
    );
}

#[test]
fn a_volume_reserved_for_a_claim_binds_it_whatever_its_class() {
    let mut h = kind_cluster();
    let mut binder = PersistentVolumeController::new();
    volume(
        &mut h,
        "reserved",
        "1Gi",
        "manual",
        json!({"spec": {"claimRef": {"namespace": "default", "name": "www-web-0"}}}),
    );
    let _ = h.reconcile(&mut binder, &pv_key("reserved"));
    assert_eq!(
        json_of(&h, &pv_key("reserved"))["status"]["phase"],
        "Available"
    );
    // The claim's class (standard, WaitForFirstConsumer) is not checked for a reservation.
    let c = claim(&mut h, "www-web-0", "1Gi", json!({}));
    let _ = h.reconcile(&mut binder, &c.key());
    let pv = json_of(&h, &pv_key("reserved"));
    assert_eq!(pv["spec"]["claimRef"]["uid"], c.uid());
    assert!(pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER].is_null());
    let j = json_of(&h, &c.key());
    assert_eq!(j["spec"]["volumeName"], "reserved");
    assert_eq!(j["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER], "yes");
    assert!(events(&h, "www-web-0").is_empty());
}

#[test]
fn a_pair_pre_bound_both_ways_binds_without_controller_marks() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(
        &mut h,
        "mine",
        "1Gi",
        "",
        json!({"spec": {"claimRef": {"namespace": "default", "name": "data"}}}),
    );
    let c = claim(
        &mut h,
        "data",
        "1Gi",
        json!({"storageClassName": "", "volumeName": "mine"}),
    );
    assert_eq!(h.reconcile(&mut binder, &c.key()), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [
            "update PersistentVolume mine",
            "update-status PersistentVolume mine",
            "update PersistentVolumeClaim default/data",
            "update-status PersistentVolumeClaim default/data",
        ],
        "the claimRef gains the uid; the claim gains bind-completed"
    );
    let pv = json_of(&h, &pv_key("mine"));
    assert_eq!(pv["spec"]["claimRef"]["uid"], c.uid());
    assert!(pv["metadata"]["annotations"].is_null());
    let j = json_of(&h, &c.key());
    assert_eq!(
        j["metadata"]["annotations"],
        json!({ANN_BIND_COMPLETED: "yes"}),
        "no bound-by-controller on either side"
    );
    assert_eq!(j["status"]["phase"], "Bound");
}

// ----- release and reclaim -----

/// A claim `data` bound to a static volume `pv` with `policy`.
fn bound_pair(h: &mut Harness, binder: &mut PersistentVolumeController, policy: &str) {
    volume(
        h,
        "pv",
        "1Gi",
        "manual",
        json!({"spec": {"persistentVolumeReclaimPolicy": policy}}),
    );
    let _ = h.reconcile(binder, &pv_key("pv"));
    let c = claim(h, "data", "1Gi", json!({"storageClassName": "manual"}));
    let _ = h.reconcile(binder, &c.key());
    assert_eq!(json_of(h, &c.key())["status"]["phase"], "Bound");
    h.take_calls();
}

#[test]
fn a_retained_volume_is_released_when_its_claim_goes_and_stays() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    let mut pvcp = PvcProtectionController::new();
    bound_pair(&mut h, &mut binder, "Retain");
    let uid = get(&h, &pvc_key("data")).uid().to_string();
    h.api
        .delete(&pvc_key("data"), &DeleteOptions::default())
        .unwrap();
    // Still there (Terminating) until the protection controller lets it go.
    let _ = h.reconcile(&mut binder, &pv_key("pv"));
    assert_eq!(json_of(&h, &pv_key("pv"))["status"]["phase"], "Bound");
    let _ = h.reconcile(&mut pvcp, &pvc_key("data"));
    assert!(h.api.try_get(&pvc_key("data")).is_none());
    at(&mut h, 2000);
    assert_eq!(h.reconcile(&mut binder, &pv_key("pv")), Requeue::No);
    let pv = json_of(&h, &pv_key("pv"));
    assert_eq!(pv["status"]["phase"], "Released");
    assert_eq!(
        pv["status"]["lastPhaseTransitionTime"],
        "2025-01-01T00:00:02Z"
    );
    assert_eq!(
        pv["spec"]["claimRef"]["uid"], uid,
        "the old claim stays referenced"
    );
    // A new claim of the same name does not get it back.
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": "manual"}));
    let _ = h.reconcile(&mut binder, &c.key());
    assert!(json_of(&h, &c.key())["spec"]["volumeName"].is_null());
    let _ = h.reconcile(&mut binder, &pv_key("pv"));
    assert_eq!(json_of(&h, &pv_key("pv"))["status"]["phase"], "Released");
    assert!(events(&h, "pv").is_empty());
}

#[test]
fn a_provisioned_volume_with_policy_delete_is_deleted_with_its_claim() {
    let mut h = kind_cluster();
    let mut binder = PersistentVolumeController::new();
    let mut lp = ExternalProvisioner::new(ProvisionerKind::LocalPath);
    let mut pvp = PvProtectionController::new();
    let mut pvcp = PvcProtectionController::new();
    let c = claim(&mut h, "data", "1Gi", json!({}));
    annotate(&mut h, &c.key(), ANN_SELECTED_NODE, "kind-worker");
    let _ = h.reconcile(&mut binder, &c.key());
    let _ = h.reconcile(&mut lp, &c.key());
    at(&mut h, 3000);
    let _ = h.reconcile(&mut lp, &c.key());
    let _ = h.reconcile(&mut binder, &c.key());
    let pv = pv_key(&format!("pvc-{}", c.uid()));
    assert_eq!(json_of(&h, &pv)["status"]["phase"], "Bound");

    h.api.delete(&c.key(), &DeleteOptions::default()).unwrap();
    let _ = h.reconcile(&mut pvcp, &c.key());
    let _ = h.reconcile(&mut binder, &pv);
    assert_eq!(json_of(&h, &pv)["status"]["phase"], "Released");
    h.take_calls();
    // The external provisioner removes the directory, then the object.
    assert_eq!(
        h.reconcile(&mut lp, &pv),
        Requeue::After(SimDuration::from_secs(3))
    );
    assert!(h.take_calls().is_empty());
    at(&mut h, 6000);
    assert_eq!(h.reconcile(&mut lp, &pv), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [format!("delete PersistentVolume {}", pv.name)]
    );
    assert!(get(&h, &pv).is_terminating(), "held by pv-protection");
    let _ = h.reconcile(&mut pvp, &pv);
    assert!(h.api.try_get(&pv).is_none());
}

#[test]
fn a_static_volume_with_policy_delete_fails_without_a_deleter() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    let mut pvcp = PvcProtectionController::new();
    bound_pair(&mut h, &mut binder, "Delete");
    h.api
        .delete(&pvc_key("data"), &DeleteOptions::default())
        .unwrap();
    let _ = h.reconcile(&mut pvcp, &pvc_key("data"));
    assert_eq!(
        h.reconcile(&mut binder, &pv_key("pv")),
        Requeue::After(SimDuration::from_secs(15)),
        "retried every resync"
    );
    let pv = json_of(&h, &pv_key("pv"));
    let msg = "host_path deleter only supports /tmp/.+ but received provided /data/pv";
    assert_eq!(pv["status"]["phase"], "Failed");
    assert_eq!(pv["status"]["message"], msg);
    assert_eq!(
        events(&h, "pv"),
        [format!("Warning VolumeFailedDelete {msg}")]
    );
}

#[test]
fn a_volume_whose_claim_is_bound_elsewhere_is_unbound_or_released() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    bound_pair(&mut h, &mut binder, "Retain");
    let uid = get(&h, &pvc_key("data")).uid().to_string();
    let claim_ref = json!({"namespace": "default", "name": "data", "uid": uid});
    volume(
        &mut h,
        "by-controller",
        "1Gi",
        "manual",
        json!({"metadata": {"annotations": {ANN_BOUND_BY_CONTROLLER: "yes"}},
               "spec": {"claimRef": claim_ref}}),
    );
    volume(
        &mut h,
        "by-user",
        "1Gi",
        "manual",
        json!({"spec": {"claimRef": claim_ref}}),
    );
    volume(
        &mut h,
        "provisioned",
        "1Gi",
        "manual",
        json!({"metadata": {"annotations": {ANN_DYNAMICALLY_PROVISIONED: "example.com/x"}},
               "spec": {"claimRef": claim_ref, "persistentVolumeReclaimPolicy": "Delete"}}),
    );
    for n in ["by-controller", "by-user", "provisioned"] {
        let _ = h.reconcile(&mut binder, &pv_key(n));
    }
    let pv = json_of(&h, &pv_key("by-controller"));
    assert!(pv["spec"]["claimRef"].is_null());
    assert!(pv["metadata"]["annotations"].is_null());
    assert_eq!(pv["status"]["phase"], "Available");
    let pv = json_of(&h, &pv_key("by-user"));
    assert_eq!(
        pv["spec"]["claimRef"],
        json!({"namespace": "default", "name": "data"}),
        "the user's reservation stays, without the uid"
    );
    assert_eq!(pv["status"]["phase"], "Available");
    let pv = json_of(&h, &pv_key("provisioned"));
    assert_eq!(pv["status"]["phase"], "Released", "left to its provisioner");
}

// ----- claims that stay Pending -----

#[test]
fn a_missing_class_keeps_the_claim_pending_with_provisioning_failed() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    let c = claim(
        &mut h,
        "data",
        "1Gi",
        json!({"storageClassName": "fast-ssd"}),
    );
    assert_eq!(
        h.reconcile(&mut binder, &c.key()),
        Requeue::After(SimDuration::from_secs(15))
    );
    at(&mut h, 15_000);
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(
        events(&h, "data"),
        ["Warning ProvisioningFailed storageclass.storage.k8s.io \"fast-ssd\" not found (x2)"]
    );
    assert!(h.take_calls().is_empty());
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Pending");
}

#[test]
fn a_class_whose_provisioner_is_not_running_waits_forever() {
    let mut h = harness();
    class(&mut h, "nas", "example.com/nfs", "Immediate", json!({}));
    let mut binder = PersistentVolumeController::new();
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": "nas"}));
    let _ = h.reconcile(&mut binder, &c.key());
    // The annotation write comes back as an update; and then every resync.
    at(&mut h, 5);
    let _ = h.reconcile(&mut binder, &c.key());
    at(&mut h, 15_000);
    let _ = h.reconcile(&mut binder, &c.key());
    assert_eq!(
        h.take_calls(),
        ["update PersistentVolumeClaim default/data"],
        "annotated once"
    );
    assert_eq!(
        events(&h, "data"),
        [format!(
            "Normal ExternalProvisioning {} (x3)",
            external_msg("example.com/nfs")
        )]
    );
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Pending");
}

#[test]
fn no_provisioner_classes_wait_or_fail_by_binding_mode() {
    let mut h = harness();
    class(
        &mut h,
        "local",
        NO_PROVISIONER,
        "WaitForFirstConsumer",
        json!({}),
    );
    class(&mut h, "local-now", NO_PROVISIONER, "Immediate", json!({}));
    let mut binder = PersistentVolumeController::new();
    let a = claim(&mut h, "a", "1Gi", json!({"storageClassName": "local"}));
    let b = claim(&mut h, "b", "1Gi", json!({"storageClassName": "local-now"}));
    let _ = h.reconcile(&mut binder, &a.key());
    let _ = h.reconcile(&mut binder, &b.key());
    assert_eq!(
        events(&h, "a"),
        ["Normal WaitForFirstConsumer waiting for first consumer to be created before binding"]
    );
    assert_eq!(
        events(&h, "b"),
        ["Warning ProvisioningFailed no volume plugin matched name: kubernetes.io/no-provisioner"]
    );
    assert!(
        h.take_calls().is_empty(),
        "no annotations for no-provisioner"
    );
}

#[test]
fn a_bound_claim_whose_volume_vanished_is_lost() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    bound_pair(&mut h, &mut binder, "Retain");
    let mut pv = (*get(&h, &pv_key("pv"))).clone();
    pv.meta_mut().finalizers = None;
    h.api.update(pv).unwrap();
    h.api
        .delete(&pv_key("pv"), &DeleteOptions::default())
        .unwrap();
    let _ = h.reconcile(&mut binder, &pvc_key("data"));
    let _ = h.reconcile(&mut binder, &pvc_key("data"));
    assert_eq!(json_of(&h, &pvc_key("data"))["status"]["phase"], "Lost");
    assert_eq!(
        events(&h, "data"),
        [
            "Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!"
        ]
    );
}

// ----- expansion -----

/// An EBS claim `data` (1Gi) bound and used by pod `db-0` on `ip-1`.
fn expandable(h: &mut Harness, allow: bool) -> (PersistentVolumeController, String) {
    class(
        h,
        "gp3",
        "ebs.csi.aws.com",
        "WaitForFirstConsumer",
        json!({"allowVolumeExpansion": allow}),
    );
    node(
        h,
        "ip-1",
        json!({"topology.kubernetes.io/zone": "us-east-1a"}),
    );
    let mut binder = PersistentVolumeController::new();
    let mut ebs = ExternalProvisioner::new(ProvisionerKind::Csi(&EBS_CSI));
    let c = claim(h, "data", "1Gi", json!({"storageClassName": "gp3"}));
    annotate(h, &c.key(), ANN_SELECTED_NODE, "ip-1");
    let _ = h.reconcile(&mut binder, &c.key());
    let _ = h.reconcile(&mut ebs, &c.key());
    at(h, 5000);
    let _ = h.reconcile(&mut ebs, &c.key());
    let _ = h.reconcile(&mut binder, &c.key());
    pod(h, "db-0", "data", Some("ip-1"));
    assert_eq!(json_of(h, &c.key())["status"]["phase"], "Bound");
    h.take_calls();
    (binder, format!("pvc-{}", c.uid()))
}

fn grow(h: &mut Harness, size: &str) {
    let mut c = (*get(h, &pvc_key("data"))).clone();
    if let Object::PersistentVolumeClaim(pvc) = &mut c {
        pvc.spec
            .as_mut()
            .unwrap()
            .resources
            .as_mut()
            .unwrap()
            .requests
            .as_mut()
            .unwrap()
            .insert(
                "storage".into(),
                k8s_openapi::apimachinery::pkg::api::resource::Quantity(size.into()),
            );
    }
    h.api.update(c).unwrap();
}

#[test]
fn a_csi_claim_grows_through_the_resizer_and_the_kubelet() {
    let mut h = harness();
    let (_binder, pv_name) = expandable(&mut h, true);
    let mut expand = ExpandController;
    let mut resizer = ResizeController::new(vec![&EBS_CSI]);
    let mut node_side = NodeExpander::new();
    let key = pvc_key("data");
    at(&mut h, 6000);
    grow(&mut h, "4Gi");
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(expand.keys_for(&ev, &h.api), vec![key.clone()]);
    assert_eq!(resizer.keys_for(&ev, &h.api), vec![key.clone()]);
    let _ = h.reconcile(&mut expand, &key);
    assert_eq!(
        h.reconcile(&mut resizer, &key),
        Requeue::After(SimDuration::from_secs(4))
    );
    let j = json_of(&h, &key);
    assert_eq!(j["status"]["conditions"][0]["type"], "Resizing");
    assert_eq!(
        j["status"]["allocatedResourceStatuses"]["storage"],
        "ControllerResizeInProgress"
    );
    assert_eq!(j["status"]["allocatedResources"]["storage"], "4Gi");
    assert_eq!(j["status"]["capacity"]["storage"], "1Gi");
    at(&mut h, 10_000);
    let _ = h.reconcile(&mut resizer, &key);
    assert_eq!(
        json_of(&h, &pv_key(&pv_name))["spec"]["capacity"]["storage"],
        "4Gi"
    );
    let j = json_of(&h, &key);
    assert_eq!(
        j["status"]["capacity"]["storage"], "1Gi",
        "the file system is not grown yet"
    );
    assert_eq!(
        j["status"]["conditions"][0]["type"],
        "FileSystemResizePending"
    );
    assert_eq!(
        j["status"]["conditions"][0]["message"],
        "Waiting for user to (re-)start a pod to finish file system resize of volume on node."
    );
    assert_eq!(j["status"]["conditions"].as_array().unwrap().len(), 1);
    let ev = last_write(&h, Kind::PersistentVolumeClaim);
    assert_eq!(node_side.keys_for(&ev, &h.api), vec![key.clone()]);
    assert_eq!(
        h.reconcile(&mut node_side, &key),
        Requeue::After(SimDuration::from_secs(1))
    );
    assert_eq!(
        json_of(&h, &key)["status"]["allocatedResourceStatuses"]["storage"],
        "NodeResizeInProgress"
    );
    at(&mut h, 11_000);
    let _ = h.reconcile(&mut node_side, &key);
    let j = json_of(&h, &key);
    assert_eq!(j["status"]["capacity"]["storage"], "4Gi");
    assert!(j["status"]["conditions"].is_null());
    assert!(j["status"]["allocatedResourceStatuses"].is_null());
    let done = format!(
        "Normal FileSystemResizeSuccessful MountVolume.NodeExpandVolume succeeded for volume \"{pv_name}\" ip-1"
    );
    assert_eq!(
        events(&h, "data")[3..],
        [
            "Normal ExternalExpanding waiting for an external controller to expand this PVC"
                .to_string(),
            format!("Normal Resizing External resizer is resizing volume {pv_name}"),
            "Normal FileSystemResizeRequired Require file system resize of volume on node"
                .to_string(),
            done.clone(),
        ]
    );
    assert_eq!(events(&h, "db-0"), [done]);
    assert!(
        event_sources(&h, "data")
            .iter()
            .any(|s| s == "external-resizer ebs.csi.aws.com")
    );
}

#[test]
fn a_claim_is_not_resized_when_its_class_does_not_allow_it() {
    let mut h = harness();
    let (_binder, pv_name) = expandable(&mut h, false);
    at(&mut h, 6000);
    // The PersistentVolumeClaimResize admission plugin refuses the request outright.
    let mut c = (*get(&h, &pvc_key("data"))).clone();
    if let Object::PersistentVolumeClaim(pvc) = &mut c {
        pvc.spec
            .as_mut()
            .unwrap()
            .resources
            .as_mut()
            .unwrap()
            .requests
            .as_mut()
            .unwrap()
            .insert(
                "storage".into(),
                k8s_openapi::apimachinery::pkg::api::resource::Quantity("4Gi".into()),
            );
    }
    let err = h.api.update(c).unwrap_err();
    assert_eq!(
        err.message,
        "persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
    );
    assert_eq!(
        json_of(&h, &pv_key(&pv_name))["spec"]["capacity"]["storage"],
        "1Gi"
    );
    assert_eq!(
        json_of(&h, &pvc_key("data"))["status"]["capacity"]["storage"],
        "1Gi"
    );
}

#[test]
fn local_path_claims_have_no_resizer() {
    let mut h = kind_cluster();
    // kind's class does not allow expansion; a class that does still finds no resizer.
    h.api
        .patch(
            &ObjectKey::cluster(Kind::StorageClass, "standard"),
            crate::apiserver::PatchType::Merge,
            &json!({"allowVolumeExpansion": true}),
            crate::apiserver::Subresource::None,
        )
        .unwrap();
    let mut binder = PersistentVolumeController::new();
    let mut lp = ExternalProvisioner::new(ProvisionerKind::LocalPath);
    let mut resizer = ResizeController::new(vec![&EBS_CSI]);
    let c = claim(&mut h, "data", "1Gi", json!({}));
    annotate(&mut h, &c.key(), ANN_SELECTED_NODE, "kind-worker");
    let _ = h.reconcile(&mut binder, &c.key());
    let _ = h.reconcile(&mut lp, &c.key());
    at(&mut h, 3000);
    let _ = h.reconcile(&mut lp, &c.key());
    let _ = h.reconcile(&mut binder, &c.key());
    grow(&mut h, "2Gi");
    h.take_calls();
    let _ = h.reconcile(&mut ExpandController, &c.key());
    assert_eq!(h.reconcile(&mut resizer, &c.key()), Requeue::No);
    assert!(h.take_calls().is_empty());
    assert_eq!(
        events(&h, "data").last().unwrap(),
        "Normal ExternalExpanding waiting for an external controller to expand this PVC"
    );
}

// ----- protection -----

#[test]
fn pvc_protection_holds_a_claim_while_a_scheduled_pod_uses_it() {
    let mut h = harness();
    let mut pvcp = PvcProtectionController::new();
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": ""}));
    pod(&mut h, "pending", "data", None);
    let user = pod(&mut h, "user", "data", Some("kind-worker"));
    // A finished pod still holds it: only the pod object's deletion releases the claim.
    let mut done = (*user).clone();
    if let Object::Pod(p) = &mut done {
        p.status.as_mut().unwrap().phase = Some("Succeeded".into());
    }
    h.api.update_status(done).unwrap();
    h.api.delete(&c.key(), &DeleteOptions::default()).unwrap();
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(pvcp.keys_for(&ev, &h.api), [c.key()]);
    assert_eq!(h.reconcile(&mut pvcp, &c.key()), Requeue::No);
    assert!(h.take_calls().is_empty(), "held");
    assert!(get(&h, &c.key()).is_terminating());

    h.api
        .delete(
            &ObjectKey::new(Kind::Pod, "default", "user"),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(pvcp.keys_for(&ev, &h.api), [c.key()]);
    let _ = h.reconcile(&mut pvcp, &c.key());
    assert_eq!(
        h.take_calls(),
        ["update PersistentVolumeClaim default/data"],
        "the unscheduled pod does not hold it"
    );
    assert!(h.api.try_get(&c.key()).is_none());
}

#[test]
fn pod_events_wake_only_the_claims_they_can_release() {
    let mut h = harness();
    let pvcp = PvcProtectionController::new();
    claim(&mut h, "data", "1Gi", json!({"storageClassName": ""}));
    pod(&mut h, "user", "data", Some("kind-worker"));
    let ev = h.api.watch_events().last().unwrap().clone();
    assert!(pvcp.keys_for(&ev, &h.api).is_empty(), "a running user");
    // Claim not being deleted: nothing to release either.
    h.api
        .delete(
            &ObjectKey::new(Kind::Pod, "default", "user"),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    let ev = h.api.watch_events().last().unwrap().clone();
    assert!(pvcp.keys_for(&ev, &h.api).is_empty());
}

#[test]
fn pv_protection_holds_a_bound_volume_until_it_is_released() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    let mut pvp = PvProtectionController::new();
    let mut pvcp = PvcProtectionController::new();
    bound_pair(&mut h, &mut binder, "Retain");
    h.api
        .delete(&pv_key("pv"), &DeleteOptions::default())
        .unwrap();
    assert_eq!(h.reconcile(&mut pvp, &pv_key("pv")), Requeue::No);
    assert!(h.take_calls().is_empty());
    assert!(get(&h, &pv_key("pv")).is_terminating());
    h.api
        .delete(&pvc_key("data"), &DeleteOptions::default())
        .unwrap();
    let _ = h.reconcile(&mut pvcp, &pvc_key("data"));
    let _ = h.reconcile(&mut binder, &pv_key("pv"));
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(pvp.keys_for(&ev, &h.api), [pv_key("pv")]);
    let _ = h.reconcile(&mut pvp, &pv_key("pv"));
    assert!(h.api.try_get(&pv_key("pv")).is_none());
}

#[test]
fn protection_adds_missing_finalizers() {
    let mut h = harness();
    let mut pvp = PvProtectionController::new();
    volume(&mut h, "pv", "1Gi", "", json!({}));
    let mut v = (*get(&h, &pv_key("pv"))).clone();
    v.meta_mut().finalizers = None;
    h.api.update(v).unwrap();
    let ev = h.api.watch_events().last().unwrap().clone();
    assert_eq!(pvp.keys_for(&ev, &h.api), [pv_key("pv")]);
    let _ = h.reconcile(&mut pvp, &pv_key("pv"));
    assert!(get(&h, &pv_key("pv")).has_finalizer("kubernetes.io/pv-protection"));
}

// ----- faults -----

#[test]
fn a_bind_interrupted_by_an_api_failure_is_finished_at_the_next_resync() {
    let mut h = harness();
    let mut binder = PersistentVolumeController::new();
    volume(&mut h, "pv", "1Gi", "manual", json!({}));
    let _ = h.reconcile(&mut binder, &pv_key("pv"));
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": "manual"}));
    h.take_calls();
    h.fail_when(|call| {
        (call.verb == Verb::Update && call.key.kind == Kind::PersistentVolumeClaim)
            .then(|| ApiError::internal("etcdserver: request timed out"))
    });
    assert_eq!(
        h.reconcile(&mut binder, &c.key()),
        Requeue::After(SimDuration::from_secs(15))
    );
    assert_eq!(
        h.take_calls(),
        [
            "update PersistentVolume pv",
            "update-status PersistentVolume pv",
            "update PersistentVolumeClaim default/data -> InternalError",
        ]
    );
    // Half-bound: the volume points at the claim, the claim does not know yet.
    assert_eq!(json_of(&h, &pv_key("pv"))["status"]["phase"], "Bound");
    assert!(json_of(&h, &c.key())["spec"]["volumeName"].is_null());
    // The volume's own sync leaves the claim's sync to finish.
    assert_eq!(h.reconcile(&mut binder, &pv_key("pv")), Requeue::No);
    assert!(h.take_calls().is_empty());
    h.clear_faults();
    at(&mut h, 15_000);
    assert_eq!(h.reconcile(&mut binder, &c.key()), Requeue::No);
    assert_eq!(
        h.take_calls(),
        [
            "update PersistentVolumeClaim default/data",
            "update-status PersistentVolumeClaim default/data",
        ],
        "the volume's part is not written twice"
    );
    assert_eq!(json_of(&h, &c.key())["status"]["phase"], "Bound");
}

#[test]
fn a_provisioned_volume_that_fails_to_store_is_retried_not_provisioned_again() {
    let mut h = kind_cluster();
    let mut binder = PersistentVolumeController::new();
    let mut lp = ExternalProvisioner::new(ProvisionerKind::LocalPath);
    let c = claim(&mut h, "data", "1Gi", json!({}));
    annotate(&mut h, &c.key(), ANN_SELECTED_NODE, "kind-worker");
    let _ = h.reconcile(&mut binder, &c.key());
    let _ = h.reconcile(&mut lp, &c.key());
    h.take_calls();
    h.fail_when(|call| {
        (call.verb == Verb::Create).then(|| ApiError::internal("etcdserver: leader changed"))
    });
    at(&mut h, 3000);
    assert_eq!(
        h.reconcile(&mut lp, &c.key()),
        Requeue::After(SimDuration::from_secs(10))
    );
    assert!(
        h.api
            .iter_kind(Kind::PersistentVolume, None)
            .next()
            .is_none()
    );
    h.clear_faults();
    at(&mut h, 13_000);
    let _ = h.reconcile(&mut lp, &c.key());
    assert!(
        h.api
            .try_get(&pv_key(&format!("pvc-{}", c.uid())))
            .is_some()
    );
    let evs = events(&h, "data");
    assert_eq!(
        evs.iter().filter(|e| e.contains(" Provisioning ")).count(),
        1
    );
    assert_eq!(
        evs.iter()
            .filter(|e| e.contains("ProvisioningSucceeded"))
            .count(),
        1
    );
}

#[test]
fn a_protection_write_that_fails_is_retried_with_backoff() {
    let mut h = harness();
    let mut pvcp = PvcProtectionController::new();
    let c = claim(&mut h, "data", "1Gi", json!({"storageClassName": ""}));
    h.api.delete(&c.key(), &DeleteOptions::default()).unwrap();
    h.fail_when(|_| Some(ApiError::internal("etcd is sad")));
    assert_eq!(
        h.reconcile(&mut pvcp, &c.key()),
        Requeue::After(SimDuration::from_ms(5))
    );
    assert_eq!(
        h.reconcile(&mut pvcp, &c.key()),
        Requeue::After(SimDuration::from_ms(10))
    );
    h.clear_faults();
    assert_eq!(h.reconcile(&mut pvcp, &c.key()), Requeue::No);
    assert!(h.api.try_get(&c.key()).is_none());
}

// ----- the whole simulation -----

#[test]
fn in_a_simulation_a_claim_goes_pending_to_bound_with_kind_timings() {
    use crate::sim::{Sim, SimConfig};
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin()
        .into_iter()
        .chain(super::controllers())
    {
        sim.add_controller(c);
    }
    // The kind bootstrap creates the nodes, kind-worker among them.
    sim.write(|api| crate::cluster::bootstrap_kind(api).unwrap());
    let c = sim.write(|api| {
        api.create(obj(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "www-web-0", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
        })))
        .unwrap()
    });
    let key = c.key();
    let phase = |sim: &Sim| util::claim_phase(&sim.api().get(&key).unwrap()).to_string();
    sim.run_for(SimDuration::from_secs(1), 10_000);
    assert_eq!(phase(&sim), "Pending");
    // The scheduler's PreBind picks the node at t=1s.
    sim.write(|api| {
        let mut o = (*api.get(&key).unwrap()).clone();
        util::set_annotation(&mut o, ANN_SELECTED_NODE, "kind-worker");
        api.update(o).unwrap()
    });
    // Controller reaction 5 ms, annotation write, provisioner 5 ms later, 3 s of helper pod.
    sim.run_until(SimTime::from_ms(4009), 10_000);
    assert_eq!(phase(&sim), "Pending");
    sim.run_until(SimTime::from_ms(4100), 10_000);
    assert_eq!(phase(&sim), "Bound");
    let claim_obj = sim.api().get(&key).unwrap();
    let pv_name = util::claim_volume_name(&claim_obj).to_string();
    assert_eq!(pv_name, format!("pvc-{}", c.uid()));
    // When each step happened, from the watch stream.
    let first = |pred: &dyn Fn(&crate::apiserver::WatchEvent) -> bool| {
        sim.api()
            .watch_events()
            .iter()
            .find(|e| pred(e))
            .map(|e| e.at.as_ms())
    };
    assert_eq!(
        first(&|e| e.object.kind() == Kind::PersistentVolume),
        Some(4010),
        "created 5 ms + 5 ms + 3 s after the node was chosen"
    );
    assert_eq!(
        first(&|e| e.object.key() == key && util::claim_phase(&e.object) == "Bound"),
        Some(4015)
    );
    let reasons: Vec<(u64, String)> = sim
        .api()
        .watch_events()
        .iter()
        .filter_map(|e| match &*e.object {
            Object::Event(ev)
                if e.event_type == crate::apiserver::WatchEventType::Added
                    && ev.involved_object.name.as_deref() == Some("www-web-0") =>
            {
                Some((e.at.as_ms(), ev.reason.clone().unwrap_or_default()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (5, "WaitForFirstConsumer".to_string()),
            (1005, "ExternalProvisioning".to_string()),
            (1010, "Provisioning".to_string()),
            (4010, "ProvisioningSucceeded".to_string()),
        ]
    );
    // A minute of resyncs later nothing has changed.
    sim.run_for(SimDuration::from_secs(60), 10_000);
    assert_eq!(phase(&sim), "Bound");
    assert_eq!(
        util::volume_phase(&sim.api().get(&pv_key(&pv_name)).unwrap()),
        "Bound"
    );
}
