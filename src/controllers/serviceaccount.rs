//! The service-account controller and the root-CA publisher: every active namespace gets a
//! `default` ServiceAccount and a `kube-root-ca.crt` ConfigMap.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, ObjectKey};
use crate::apiserver::ApiServer;

/// The (fake) cluster CA certificate published into every namespace.
pub const ROOT_CA_CRT: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIc3RzaW0tY2EwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n-----END CERTIFICATE-----\n";

/// One pass: creates what is missing. Returns the number of writes.
pub fn sync(api: &mut ApiServer) -> usize {
    let active: Vec<String> = api
        .iter_kind(Kind::Namespace, None)
        .filter(|n| !n.is_terminating())
        .map(|n| n.name().to_string())
        .collect();
    let mut writes = 0;
    for ns in active {
        if api
            .try_get(&ObjectKey::new(Kind::ServiceAccount, &ns, "default"))
            .is_none()
        {
            let sa = ServiceAccount {
                metadata: ObjectMeta {
                    name: Some("default".into()),
                    namespace: Some(ns.clone()),
                    ..Default::default()
                },
                ..Default::default()
            };
            if api.create(sa.into()).is_ok() {
                writes += 1;
            }
        }
        if api
            .try_get(&ObjectKey::new(Kind::ConfigMap, &ns, "kube-root-ca.crt"))
            .is_none()
        {
            let cm = ConfigMap {
                metadata: ObjectMeta {
                    name: Some("kube-root-ca.crt".into()),
                    namespace: Some(ns.clone()),
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
    }
    writes
}
