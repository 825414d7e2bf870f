//! The kubelet inside a full `Sim` with the kind profile, against the real transcripts.

use super::*;
use crate::sim::{Sim, SimConfig};

fn sim_with_kind_cluster() -> Sim {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    sim.write(|api| crate::cluster::bootstrap_kind(api).unwrap());
    install_kind(&mut sim, 3, Rc::new(AppRegistry::new()));
    sim.run_for(secs(1), 100_000);
    sim
}

fn web_0() -> Object {
    obj(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "nginx"}},
        "spec": {"nodeName": "kind-worker",
                 "containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.21",
                                 "ports": [{"containerPort": 80, "name": "web"}],
                                 "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}],
                 "volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}}]}}))
}

fn ready_at(sim: &Sim, since: usize) -> Option<SimTime> {
    sim.api()
        .watch_events()
        .iter()
        .skip(since)
        .find(|e| match &*e.object {
            Object::Pod(p) => e.object.name() == "web-0" && is_running_ready(p),
            _ => false,
        })
        .map(|e| e.at)
}

#[test]
fn an_nginx_pod_with_a_bound_claim_runs_in_the_time_the_tutorial_shows() {
    let mut sim = sim_with_kind_cluster();
    assert_eq!(sim.api().iter_kind(Kind::Node, None).count(), 4);
    assert_eq!(
        sim.api()
            .iter_kind(Kind::Lease, Some("kube-node-lease"))
            .count(),
        4
    );
    sim.write(|api| {
        api.create(obj(json!({"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pvc-0b6e4a3c"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                     "hostPath": {"path": "/var/local-path-provisioner/pvc-0b6e4a3c_default_www-web-0",
                                  "type": "DirectoryOrCreate"},
                     "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                         {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]}]}]}},
                     "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "www-web-0"}}})))
            .unwrap();
        let claim = api
            .create(obj(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "www-web-0", "namespace": "default"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                         "volumeName": "pvc-0b6e4a3c", "resources": {"requests": {"storage": "1Gi"}}}})))
            .unwrap();
        let mut claim = (*claim).clone();
        if let Object::PersistentVolumeClaim(c) = &mut claim {
            c.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
        }
        api.update_status(claim).unwrap();
    });
    let t0 = sim.now();
    let from = sim.api().watch_events().len();
    sim.write(|api| api.create(web_0()).unwrap());
    sim.run_for(secs(60), 1_000_000);
    let first = ready_at(&sim, from).expect("web-0 becomes Running 1/1") - t0;
    // The tutorial shows 18–19 s per pod including 2–4 s of scheduling and provisioning;
    // the kubelet's share (first pull of the image on this node) is the rest.
    assert!(
        first >= secs(11) && first <= secs(19),
        "first start took {first}"
    );

    // Deleted and re-created (the image is cached now): the tutorial's "Running 2s".
    sim.write(|api| {
        api.delete(&pod_key("web-0"), &Default::default()).unwrap();
    });
    sim.run_for(secs(10), 1_000_000);
    assert!(sim.api().try_get(&pod_key("web-0")).is_none());
    let t1 = sim.now();
    let from = sim.api().watch_events().len();
    sim.write(|api| api.create(web_0()).unwrap());
    sim.run_for(secs(30), 1_000_000);
    let again = ready_at(&sim, from).expect("re-created web-0 runs") - t1;
    assert!(again <= dms(2_500), "re-created pod took {again}");
}
