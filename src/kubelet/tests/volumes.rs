//! Volumes on the node: claims must be Bound, node-local volumes stay on their node,
//! exclusive disks attach to one node at a time, config objects must exist (spec K14–K15).

use super::*;

fn with_claim(claim: &str) -> Value {
    json!({"spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.25",
                        "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}],
        "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": claim}}]}})
}

fn csi_disk() -> Value {
    json!({"csi": {"driver": "pd.csi.storage.gke.io", "volumeHandle": "disk-1"},
           "nodeAffinity": null, "hostPath": null})
}

#[test]
fn an_unbound_claim_keeps_the_pod_creating_until_it_binds() {
    let mut d = Driver::new(AppRegistry::new());
    d.h.api
        .create(obj(
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "www-web-0", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "resources": {"requests": {"storage": "1Gi"}}}}),
        ))
        .unwrap();
    d.create_pod("web-0", with_claim("www-web-0"));
    d.run_for(secs(30));
    assert_eq!(pod_status_column(&d.pod("web-0")), "ContainerCreating");
    let failed = d.events_with("web-0", "FailedMount");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].starts_with(
        "Warning FailedMount: Unable to attach or mount volumes: unmounted volumes=[www], unattached volumes=[], failed to process volumes=[www]: error processing PVC default/www-web-0: PVC is not bound (x"
    ), "{failed:?}");
    // The binder provisions and binds: the kubelet notices without waiting for a retry.
    d.h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pvc-1"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "storageClassName": "standard", "hostPath": {"path": "/x"},
                     "claimRef": {"namespace": "default", "name": "www-web-0"}}})))
        .unwrap();
    d.bind_claim("www-web-0", "pvc-1");
    let bound_at = d.h.now;
    let t = d
        .run_until_pod("web-0", secs(60), is_running_ready)
        .unwrap();
    assert!(t - bound_at <= secs(20), "{}", t - bound_at);
    let mounts = cstatus(&d.pod("web-0")).volume_mounts.unwrap();
    assert_eq!(mounts[0].mount_path, "/usr/share/nginx/html");
    assert_eq!(mounts[0].read_only, None);
}

#[test]
fn a_missing_claim_is_reported_as_not_found() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod("web-0", with_claim("nope"));
    d.run_for(secs(5));
    assert!(d.events_with("web-0", "FailedMount")[0].ends_with(
        "failed to process volumes=[www]: error processing PVC default/nope: failed to fetch PVC from API server: persistentvolumeclaims \"nope\" not found"
    ));
}

#[test]
fn a_node_local_volume_of_another_node_keeps_the_pod_stuck() {
    let mut d = Driver::new(AppRegistry::new());
    d.bound_claim(
        "www-web-0",
        "pvc-1",
        json!({"nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker2"]}]}]}}}),
    );
    d.create_pod("web-0", with_claim("www-web-0"));
    d.run_for(secs(300));
    assert_eq!(pod_status_column(&d.pod("web-0")), "ContainerCreating");
    let ev = d.events_with("web-0", "FailedMount");
    assert!(ev[0].starts_with(
        "Warning FailedMount: MountVolume.NodeAffinity check failed for volume \"pvc-1\" : no matching NodeSelectorTerms (x"
    ), "{ev:?}");
    assert!(ev.iter().any(|e| e.starts_with(
        "Warning FailedMount: Unable to attach or mount volumes: unmounted volumes=[www], unattached volumes=[], failed to process volumes=[]: context deadline exceeded (x2)"
    )), "a timeout event every 2 minutes: {ev:?}");
    assert!(d.events_with("web-0", "Pulling").is_empty());
}

#[test]
fn a_node_local_volume_of_this_node_mounts() {
    let mut d = Driver::new(AppRegistry::new());
    d.bound_claim("www-web-0", "pvc-1", json!({}));
    d.create_pod("web-0", with_claim("www-web-0"));
    assert!(
        d.run_until_pod("web-0", secs(60), is_running_ready)
            .is_some()
    );
    assert!(
        d.events_with("web-0", "SuccessfulAttachVolume").is_empty(),
        "local volumes need no attach"
    );
    assert!(
        d.node("kind-worker")
            .status
            .unwrap()
            .volumes_attached
            .is_none()
    );
}

#[test]
fn multi_attach_blocks_until_the_other_node_lets_the_disk_go() {
    let mut d = Driver::with_nodes(
        registry(Script::server()),
        &[("kind-worker", 1), ("kind-worker2", 2)],
    );
    d.bound_claim("data", "pv-1", csi_disk());
    d.create_pod_on("a", "kind-worker", with_claim("data"));
    assert!(d.run_until_pod("a", secs(60), is_running_ready).is_some());
    assert_eq!(
        d.events_with("a", "SuccessfulAttachVolume"),
        vec!["Normal SuccessfulAttachVolume: AttachVolume.Attach succeeded for volume \"pv-1\""]
    );
    let attached = d
        .node("kind-worker")
        .status
        .unwrap()
        .volumes_attached
        .unwrap();
    assert_eq!(
        attached[0].name,
        "kubernetes.io/csi/pd.csi.storage.gke.io^disk-1"
    );
    assert_eq!(
        d.node("kind-worker").status.unwrap().volumes_in_use,
        Some(vec![
            "kubernetes.io/csi/pd.csi.storage.gke.io^disk-1".to_string()
        ])
    );

    d.create_pod_on("b", "kind-worker2", with_claim("data"));
    d.run_for(secs(60));
    assert_eq!(pod_status_column(&d.pod("b")), "ContainerCreating");
    let multi = d.events_with("b", "FailedAttachVolume");
    assert!(multi[0].starts_with(
        "Warning FailedAttachVolume: Multi-Attach error for volume \"pv-1\" Volume is already used by pod(s) a"
    ), "{multi:?}");
    let source =
        d.h.api
            .iter_kind(Kind::Event, Some("default"))
            .find_map(|e| match &**e {
                Object::Event(ev) if ev.reason.as_deref() == Some("FailedAttachVolume") => {
                    ev.source.clone()
                }
                _ => None,
            })
            .unwrap();
    assert_eq!(source.component.as_deref(), Some("attachdetach-controller"));

    d.delete_pod("a", None);
    let t0 = d.h.now;
    assert!(d.run_until_pod("b", secs(60), is_running_ready).is_some());
    let attached_at =
        d.h.api
            .iter_kind(Kind::Event, Some("default"))
            .find_map(|e| match &**e {
                Object::Event(ev)
                    if ev.reason.as_deref() == Some("SuccessfulAttachVolume")
                        && ev.involved_object.name.as_deref() == Some("b") =>
                {
                    ev.first_timestamp.as_ref().and_then(SimTime::from_k8s_time)
                }
                _ => None,
            })
            .unwrap();
    let waited = attached_at.saturating_since(t0);
    assert!(
        waited <= secs(2),
        "b attaches once the disk is free: {waited}"
    );
    assert!(
        d.node("kind-worker")
            .status
            .unwrap()
            .volumes_attached
            .is_none()
    );
    assert_eq!(
        d.node("kind-worker2")
            .status
            .unwrap()
            .volumes_attached
            .unwrap()[0]
            .name,
        "kubernetes.io/csi/pd.csi.storage.gke.io^disk-1"
    );
}

#[test]
fn disks_take_the_profile_attach_time() {
    let mut d = Driver::new(AppRegistry::new());
    d.h.profile = crate::sim::TimingProfile::builtin("cloud").unwrap();
    d.bound_claim("data", "pv-1", csi_disk());
    d.create_pod("a", with_claim("data"));
    d.run_for(secs(10));
    assert_eq!(pod_status_column(&d.pod("a")), "ContainerCreating");
    assert!(d.events_with("a", "SuccessfulAttachVolume").is_empty());
    d.run_for(secs(60));
    assert_eq!(d.events_with("a", "SuccessfulAttachVolume").len(), 1);
    assert!(is_running_ready(&d.pod("a")));
}

#[test]
fn a_missing_config_map_blocks_the_mount_until_it_exists() {
    let mut d = Driver::new(AppRegistry::new());
    d.create_pod(
        "p",
        json!({"spec": {"volumes": [{"name": "config", "configMap": {"name": "cfg"}},
                                    {"name": "opt", "secret": {"secretName": "s", "optional": true}}]}}),
    );
    d.run_for(secs(20));
    assert_eq!(pod_status_column(&d.pod("p")), "ContainerCreating");
    assert!(d.events_with("p", "FailedMount")[0].starts_with(
        "Warning FailedMount: MountVolume.SetUp failed for volume \"config\" : configmap \"cfg\" not found"
    ));
    d.h.api
        .create(obj(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "default"}, "data": {"a": "b"}})))
        .unwrap();
    assert!(d.run_until_pod("p", secs(60), is_running_ready).is_some());
}
