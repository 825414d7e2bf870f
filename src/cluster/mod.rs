//! What a cluster consists of, and the objects a fresh one starts with.
//!
//! - [`profile`]: cluster profiles in kind's config format, with stsim's extensions; the
//!   default is `kind create cluster` with one control plane and three workers.
//! - [`nodes`]: the Node and node Lease objects of a profile, as kind registers them.
//!
//! Bootstrap creates, in order: the namespaces `default`, `kube-node-lease`, `kube-public`,
//! `kube-system`, `local-path-storage`; the default StorageClass `standard`
//! (rancher.io/local-path, WaitForFirstConsumer, Delete); the `kubernetes` Service at
//! 10.96.0.1 and `kube-dns` at 10.96.0.10; the nodes in registration order, each with its
//! Lease; and lets the built-in controllers add what they add (service accounts, root CA
//! config maps).

pub mod nodes;
pub mod profile;
pub mod world;

use serde_json::json;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer};
use crate::controllers;

pub use profile::{ClusterProfile, ClusterProfileError, NodeProfile, Role};

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap_or_default(),
        v["kind"].as_str().unwrap_or_default(),
    )
    .expect("bootstrap objects are of known kinds");
    Object::from_json(kind, v).expect("bootstrap objects decode")
}

/// The bootstrap objects of a kind cluster other than nodes, in creation order.
pub fn kind_bootstrap_objects() -> Vec<Object> {
    let mut out: Vec<Object> = [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "local-path-storage",
    ]
    .iter()
    .map(|ns| object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})))
    .collect();
    out.push(object(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer"
    })));
    out.push(object(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": "10.96.0.1", "ports": [
            {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}
    })));
    out.push(object(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "CoreDNS"}},
        "spec": {"clusterIP": "10.96.0.10", "selector": {"k8s-app": "kube-dns"}, "ports": [
            {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
            {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
            {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}
    })));
    out
}

/// Creates the bootstrap objects of the default profile (one control plane, three workers).
pub fn bootstrap_kind(api: &mut ApiServer) -> Result<(), ApiError> {
    bootstrap(api, &ClusterProfile::default_kind())
}

fn settle(api: &mut ApiServer) -> Result<(), ApiError> {
    controllers::settle(api, 10)
        .map(|_| ())
        .map_err(|w| ApiError::internal(format!("bootstrap did not settle after {w} writes")))
}

/// Creates the control plane's bootstrap objects only (namespaces, the default StorageClass,
/// the `kubernetes` and `kube-dns` Services), for a cluster whose kubelets register their own
/// nodes.
pub fn bootstrap_control_plane(api: &mut ApiServer) -> Result<(), ApiError> {
    for (i, obj) in kind_bootstrap_objects().into_iter().enumerate() {
        api.create(obj)?;
        if i == 4 {
            settle(api)?;
        }
    }
    settle(api)
}

/// Creates the bootstrap objects of `profile` at the API server's current time, its Nodes and
/// their Leases as if already registered, and lets the built-in controllers add what they add
/// (service accounts, root CA config maps). For API-only uses (no kubelets).
pub fn bootstrap(api: &mut ApiServer, profile: &ClusterProfile) -> Result<(), ApiError> {
    bootstrap_control_plane(api)?;
    let now = api.now();
    for node in profile.nodes_in_registration_order() {
        let created = api.create(Object::Node(nodes::node_object(profile, node, now)))?;
        api.create(Object::Lease(nodes::node_lease(
            &node.name,
            created.uid(),
            now,
        )))?;
    }
    settle(api)
}

/// The names of the nodes of a bootstrapped cluster, in key order.
pub fn node_names(api: &ApiServer) -> Vec<String> {
    api.iter_kind(Kind::Node, None)
        .map(|n| n.name().to_string())
        .collect()
}

/// The key of a node.
pub fn node_key(name: &str) -> ObjectKey {
    ObjectKey::cluster(Kind::Node, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ObjectKey;
    use crate::apiserver::ApiServerOptions;
    use crate::engine::SimRng;

    #[test]
    fn a_kind_cluster_starts_with_its_namespaces_class_and_services() {
        let mut api = ApiServer::new(SimRng::from_seed(0), ApiServerOptions::default());
        bootstrap_kind(&mut api).unwrap();
        for ns in ["default", "kube-system", "local-path-storage"] {
            assert!(
                api.try_get(&ObjectKey::cluster(Kind::Namespace, ns))
                    .is_some()
            );
            assert!(
                api.try_get(&ObjectKey::new(Kind::ServiceAccount, ns, "default"))
                    .is_some()
            );
        }
        assert_eq!(
            crate::apiserver::admission::default_storage_class(&api).as_deref(),
            Some("standard")
        );
        let dns = api
            .get(&ObjectKey::new(Kind::Service, "kube-system", "kube-dns"))
            .unwrap();
        let Object::Service(dns) = &*dns else {
            unreachable!()
        };
        assert_eq!(
            dns.spec.as_ref().unwrap().cluster_ip.as_deref(),
            Some("10.96.0.10")
        );
    }

    fn node(api: &ApiServer, name: &str) -> k8s_openapi::api::core::v1::Node {
        match &*api.get(&node_key(name)).unwrap() {
            Object::Node(n) => n.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_default_cluster_has_kind_nodes_with_their_leases() {
        let mut api = ApiServer::new(SimRng::from_seed(0), ApiServerOptions::default());
        bootstrap_kind(&mut api).unwrap();
        assert_eq!(
            node_names(&api),
            [
                "kind-control-plane",
                "kind-worker",
                "kind-worker2",
                "kind-worker3"
            ]
        );
        let cp = node(&api, "kind-control-plane");
        let labels = cp.metadata.labels.clone().unwrap();
        assert_eq!(labels["kubernetes.io/hostname"], "kind-control-plane");
        assert_eq!(labels["kubernetes.io/os"], "linux");
        assert_eq!(labels["kubernetes.io/arch"], "amd64");
        assert_eq!(labels["node-role.kubernetes.io/control-plane"], "");
        let spec = cp.spec.clone().unwrap();
        let taints = spec.taints.unwrap();
        assert_eq!(taints.len(), 1);
        assert_eq!(
            (taints[0].key.as_str(), taints[0].effect.as_str()),
            ("node-role.kubernetes.io/control-plane", "NoSchedule")
        );
        assert_eq!(spec.pod_cidr.as_deref(), Some("10.244.0.0/24"));
        assert_eq!(
            spec.provider_id.as_deref(),
            Some("kind://docker/kind/kind-control-plane")
        );

        let w = node(&api, "kind-worker2");
        assert!(w.spec.as_ref().unwrap().taints.is_none());
        assert!(
            !w.metadata
                .labels
                .as_ref()
                .unwrap()
                .contains_key("node-role.kubernetes.io/control-plane")
        );
        let status = w.status.clone().unwrap();
        let info = status.node_info.unwrap();
        assert_eq!(info.kubelet_version, "v1.35.0");
        assert!(info.container_runtime_version.starts_with("containerd://"));
        let addrs: Vec<(String, String)> = status
            .addresses
            .unwrap()
            .into_iter()
            .map(|a| (a.type_, a.address))
            .collect();
        assert_eq!(
            addrs,
            [
                ("InternalIP".to_string(), "172.18.0.4".to_string()),
                ("Hostname".to_string(), "kind-worker2".to_string())
            ]
        );
        assert_eq!(status.capacity, status.allocatable);
        assert_eq!(status.capacity.unwrap()["pods"].0, "110");
        let ready = status
            .conditions
            .unwrap()
            .into_iter()
            .find(|c| c.type_ == "Ready")
            .unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_deref()),
            ("True", Some("KubeletReady"))
        );
        let lease = api
            .get(&ObjectKey::new(
                Kind::Lease,
                "kube-node-lease",
                "kind-worker2",
            ))
            .unwrap();
        let Object::Lease(lease) = &*lease else {
            unreachable!()
        };
        let spec = lease.spec.clone().unwrap();
        assert_eq!(spec.holder_identity.as_deref(), Some("kind-worker2"));
        assert_eq!(spec.lease_duration_seconds, Some(40));
        assert_eq!(
            lease.metadata.owner_references.as_ref().unwrap()[0].uid,
            w.metadata.uid.clone().unwrap()
        );
    }

    #[test]
    fn a_lone_control_plane_is_schedulable_and_zones_become_labels() {
        let profile = ClusterProfile::parse(
            "one.yaml",
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  stsim: {zone: zone-a, cpu: \"2\"}\n",
        )
        .unwrap();
        let mut api = ApiServer::new(SimRng::from_seed(0), ApiServerOptions::default());
        bootstrap(&mut api, &profile).unwrap();
        let cp = node(&api, "kind-control-plane");
        assert!(cp.spec.as_ref().unwrap().taints.is_none());
        assert_eq!(
            cp.metadata.labels.as_ref().unwrap()["topology.kubernetes.io/zone"],
            "zone-a"
        );
        assert_eq!(cp.status.unwrap().capacity.unwrap()["cpu"].0, "2");
    }
}
