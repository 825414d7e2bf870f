//! kube-proxy as data: where a connection to a Service's ClusterIP lands.

use crate::api::{Kind, Object};
use crate::apiserver::ApiServer;
use crate::controllers::endpoints::{find_port, pods_for_service, service_of, service_ports};

/// The ready backends (pod IP, target port) of the Service whose ClusterIP is `ip`, for
/// service port `port`, in pod-name order. `None` when no Service has that ClusterIP.
pub fn service_backends(api: &ApiServer, ip: &str, port: u16) -> Option<Vec<(String, u16)>> {
    let svc = api
        .iter_kind(Kind::Service, None)
        .filter_map(|o| service_of(o))
        .find(|s| {
            s.spec
                .as_ref()
                .and_then(|sp| sp.cluster_ip.as_deref())
                .is_some_and(|c| c == ip)
        })?;
    let sp = service_ports(svc)
        .iter()
        .find(|p| p.port == i32::from(port))?;
    let mut out = Vec::new();
    for obj in pods_for_service(api, svc) {
        let Object::Pod(pod) = obj.as_ref() else {
            continue;
        };
        if !crate::controllers::endpoints::should_pod_be_in_endpoints(pod, false) || !is_ready(pod)
        {
            continue;
        }
        let (Some(ip), Some(target)) = (
            crate::controllers::endpoints::pod_ip(pod),
            find_port(pod, sp),
        ) else {
            continue;
        };
        if let Ok(t) = u16::try_from(target) {
            out.push((ip.to_string(), t));
        }
    }
    Some(out)
}

fn is_ready(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}
