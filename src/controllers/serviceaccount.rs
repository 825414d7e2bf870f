//! The service-account controller and the root-CA publisher: every active namespace gets a
//! `default` ServiceAccount and a `kube-root-ca.crt` ConfigMap.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, ObjectKey};
use crate::apiserver::{ApiServer, Client, WatchEvent, WatchEventType};
use crate::sim::{Controller, Cx, Requeue};

/// The (fake) cluster CA certificate published into every namespace.
pub const ROOT_CA_CRT: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIc3RzaW0tY2EwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n-----END CERTIFICATE-----\n";

/// One pass over all namespaces: creates what is missing. Returns the number of writes.
pub fn sync(api: &mut impl Client) -> usize {
    let namespaces: Vec<String> = api
        .read()
        .iter_kind(Kind::Namespace, None)
        .map(|n| n.name().to_string())
        .collect();
    namespaces.iter().map(|ns| sync_namespace(api, ns)).sum()
}

/// Creates the `default` ServiceAccount and the root CA ConfigMap in `ns` if it is active and
/// they are missing. Returns the number of writes.
pub fn sync_namespace(api: &mut impl Client, ns: &str) -> usize {
    let active = api
        .read()
        .try_get(&ObjectKey::cluster(Kind::Namespace, ns))
        .is_some_and(|n| !n.is_terminating());
    if !active {
        return 0;
    }
    let mut writes = 0;
    if api
        .read()
        .try_get(&ObjectKey::new(Kind::ServiceAccount, ns, "default"))
        .is_none()
    {
        let sa = ServiceAccount {
            metadata: ObjectMeta {
                name: Some("default".into()),
                namespace: Some(ns.to_string()),
                ..Default::default()
            },
            ..Default::default()
        };
        if api.create(sa.into()).is_ok() {
            writes += 1;
        }
    }
    if api
        .read()
        .try_get(&ObjectKey::new(Kind::ConfigMap, ns, "kube-root-ca.crt"))
        .is_none()
    {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some("kube-root-ca.crt".into()),
                namespace: Some(ns.to_string()),
                annotations: Some(BTreeMap::from([(
                    "kubernetes.io/description".to_string(),
                    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.".to_string(),
                )])),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(
                "ca.crt".to_string(),
                ROOT_CA_CRT.to_string(),
            )])),
            ..Default::default()
        };
        if api.create(cm.into()).is_ok() {
            writes += 1;
        }
    }
    writes
}

/// The service-account and root-CA publishers as one reconciler keyed by namespace.
#[derive(Default)]
pub struct ServiceAccountController;

impl Controller for ServiceAccountController {
    fn name(&self) -> &'static str {
        "serviceaccount-controller"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match (obj.kind(), event.event_type) {
            (Kind::Namespace, WatchEventType::Added) => vec![obj.key()],
            (Kind::ServiceAccount, WatchEventType::Deleted) if obj.name() == "default" => {
                vec![ObjectKey::cluster(Kind::Namespace, obj.namespace())]
            }
            (Kind::ConfigMap, WatchEventType::Deleted) if obj.name() == "kube-root-ca.crt" => {
                vec![ObjectKey::cluster(Kind::Namespace, obj.namespace())]
            }
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        sync_namespace(cx, &key.name);
        Requeue::No
    }
}
