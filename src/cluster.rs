//! The objects a fresh cluster starts with. The default matches `kind create cluster`:
//! namespaces `default`, `kube-node-lease`, `kube-public`, `kube-system`,
//! `local-path-storage`; the default StorageClass `standard` (rancher.io/local-path,
//! WaitForFirstConsumer, Delete); the `kubernetes` Service at 10.96.0.1 and `kube-dns` at
//! 10.96.0.10.

use serde_json::json;

use crate::api::{Kind, Object};
use crate::apiserver::{ApiError, ApiServer};
use crate::controllers;

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap_or_default(),
        v["kind"].as_str().unwrap_or_default(),
    )
    .expect("bootstrap objects are of known kinds");
    Object::from_json(kind, v).expect("bootstrap objects decode")
}

/// The bootstrap objects of a kind cluster, in creation order.
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

/// Creates the bootstrap objects and lets the built-in controllers add what they add
/// (service accounts, root CA config maps).
pub fn bootstrap_kind(api: &mut ApiServer) -> Result<(), ApiError> {
    for (i, obj) in kind_bootstrap_objects().into_iter().enumerate() {
        api.create(obj)?;
        if i == 4 {
            controllers::settle(api, 10).map_err(|w| {
                ApiError::internal(format!("bootstrap did not settle after {w} writes"))
            })?;
        }
    }
    controllers::settle(api, 10)
        .map_err(|w| ApiError::internal(format!("bootstrap did not settle after {w} writes")))?;
    Ok(())
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
}
