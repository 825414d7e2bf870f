//! The Node objects (and their heartbeat Leases) of a fresh kind cluster, as
//! `kubectl get node -o yaml` shows them right after `kind create cluster`.
//!
//! What kind (kubeadm + kubelet + the node IPAM controller) puts on a node:
//! - labels `beta.kubernetes.io/{arch,os}`, `kubernetes.io/{arch,hostname,os}`; on control
//!   planes `node-role.kubernetes.io/control-plane` and
//!   `node.kubernetes.io/exclude-from-external-load-balancers`; zone/region labels when set;
//!   the profile's labels;
//! - kubeadm's and the kubelet's annotations (CRI socket, TTL, controller-managed attach);
//! - `spec.podCIDR(s)` (`10.244.<n>.0/24`), `spec.providerID` `kind://docker/<cluster>/<node>`,
//!   and on control planes the `node-role.kubernetes.io/control-plane:NoSchedule` taint
//!   (unless the cluster has no worker);
//! - `status`: capacity = allocatable (kind reserves nothing), the InternalIP and Hostname
//!   addresses, the kubelet endpoint, `nodeInfo` (kubelet v1.35, containerd), the four
//!   kubelet conditions all healthy, the runtime handlers and features.
//!
//! Machine ids are derived from the node name (FNV-1a), so a cluster looks the same on every
//! run without drawing from any random stream. Image lists are left out.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{
    DaemonEndpoint, Node, NodeAddress, NodeCondition, NodeDaemonEndpoints, NodeFeatures,
    NodeRuntimeHandler, NodeRuntimeHandlerFeatures, NodeSpec, NodeStatus, NodeSystemInfo, Taint,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};

use super::profile::{ClusterProfile, NodeProfile, Role};
use crate::engine::SimTime;

/// The kubelet version every node reports.
pub const KUBELET_VERSION: &str = "v1.35.0";
/// The container runtime of `kindest/node:v1.35.0`.
pub const CONTAINER_RUNTIME_VERSION: &str = "containerd://2.2.0";
/// The OS image of `kindest/node`.
pub const OS_IMAGE: &str = "Debian GNU/Linux 12 (bookworm)";
/// The host kernel (kind nodes are containers and report the host's kernel).
pub const KERNEL_VERSION: &str = "6.8.0-85-generic";
/// The control-plane role label and taint key.
pub const LABEL_CONTROL_PLANE: &str = "node-role.kubernetes.io/control-plane";
/// How long a node Lease lasts (`leaseDurationSeconds`).
pub const NODE_LEASE_DURATION_SECONDS: i32 = 40;

/// FNV-1a over `seed` and `name`.
fn fnv(seed: &str, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain(name.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// 32 hex digits derived from `name`.
fn hex128(seed: &str, name: &str) -> String {
    format!(
        "{:016x}{:016x}",
        fnv(seed, name),
        fnv(&format!("{seed}2"), name)
    )
}

/// A UUID-shaped id derived from `name`.
fn uuid_like(seed: &str, name: &str) -> String {
    let h = hex128(seed, name);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: SimTime,
) -> NodeCondition {
    NodeCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_heartbeat_time: Some(now.to_k8s_time()),
        last_transition_time: Some(now.to_k8s_time()),
    }
}

/// The conditions a healthy kubelet reports, in its order.
pub fn healthy_conditions(now: SimTime) -> Vec<NodeCondition> {
    vec![
        condition(
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            now,
        ),
        condition(
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            now,
        ),
        condition(
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            now,
        ),
        condition(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
            now,
        ),
    ]
}

/// The Node object of `node` in `profile`, registered at `now`.
pub fn node_object(profile: &ClusterProfile, node: &NodeProfile, now: SimTime) -> Node {
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    labels.insert("beta.kubernetes.io/arch".into(), node.arch.clone());
    labels.insert("beta.kubernetes.io/os".into(), "linux".into());
    labels.insert("kubernetes.io/arch".into(), node.arch.clone());
    labels.insert("kubernetes.io/hostname".into(), node.name.clone());
    labels.insert("kubernetes.io/os".into(), "linux".into());
    if node.role == Role::ControlPlane {
        labels.insert(LABEL_CONTROL_PLANE.into(), String::new());
        labels.insert(
            "node.kubernetes.io/exclude-from-external-load-balancers".into(),
            String::new(),
        );
    }
    if let Some(z) = &node.zone {
        labels.insert("topology.kubernetes.io/zone".into(), z.clone());
    }
    if let Some(r) = &node.region {
        labels.insert("topology.kubernetes.io/region".into(), r.clone());
    }
    for (k, v) in &node.labels {
        labels.insert(k.clone(), v.clone());
    }
    let annotations: BTreeMap<String, String> = [
        (
            "kubeadm.alpha.kubernetes.io/cri-socket",
            "unix:///run/containerd/containerd.sock",
        ),
        ("node.alpha.kubernetes.io/ttl", "0"),
        (
            "volumes.kubernetes.io/controller-managed-attach-detach",
            "true",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let has_workers = profile.nodes.iter().any(|n| n.role == Role::Worker);
    let taints = (node.role == Role::ControlPlane && has_workers).then(|| {
        vec![Taint {
            key: LABEL_CONTROL_PLANE.into(),
            effect: "NoSchedule".into(),
            ..Default::default()
        }]
    });
    let capacity: BTreeMap<String, Quantity> = [
        ("cpu", node.cpu.clone()),
        ("ephemeral-storage", node.ephemeral_storage.clone()),
        ("hugepages-1Gi", "0".to_string()),
        ("hugepages-2Mi", "0".to_string()),
        ("memory", node.memory.clone()),
        ("pods", node.pods.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), Quantity(v)))
    .collect();
    let handler = |name: &str| NodeRuntimeHandler {
        name: Some(name.to_string()),
        features: Some(NodeRuntimeHandlerFeatures {
            recursive_read_only_mounts: Some(true),
            user_namespaces: Some(true),
        }),
    };
    Node {
        metadata: ObjectMeta {
            name: Some(node.name.clone()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        spec: Some(NodeSpec {
            pod_cidr: Some(node.pod_cidr.clone()),
            pod_cidrs: Some(vec![node.pod_cidr.clone()]),
            provider_id: Some(format!("kind://docker/{}/{}", profile.name, node.name)),
            taints,
            ..Default::default()
        }),
        status: Some(NodeStatus {
            addresses: Some(vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: node.internal_ip.clone(),
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: node.name.clone(),
                },
            ]),
            allocatable: Some(capacity.clone()),
            capacity: Some(capacity),
            conditions: Some(healthy_conditions(now)),
            daemon_endpoints: Some(NodeDaemonEndpoints {
                kubelet_endpoint: Some(DaemonEndpoint { port: 10250 }),
            }),
            features: Some(NodeFeatures {
                supplemental_groups_policy: Some(true),
            }),
            node_info: Some(NodeSystemInfo {
                architecture: node.arch.clone(),
                boot_id: uuid_like("boot", &node.name),
                container_runtime_version: CONTAINER_RUNTIME_VERSION.into(),
                kernel_version: KERNEL_VERSION.into(),
                kube_proxy_version: String::new(),
                kubelet_version: KUBELET_VERSION.into(),
                machine_id: hex128("machine", &node.name),
                operating_system: "linux".into(),
                os_image: OS_IMAGE.into(),
                swap: None,
                system_uuid: uuid_like("system", &node.name),
            }),
            runtime_handlers: Some(vec![handler("runc"), handler("")]),
            ..Default::default()
        }),
    }
}

/// The kubelet's heartbeat Lease `kube-node-lease/<node>`, owned by the node, renewed `now`.
pub fn node_lease(node: &str, node_uid: &str, now: SimTime) -> Lease {
    let renew = k8s_openapi::jiff::Timestamp::from_millisecond(
        SimTime::ZERO.unix_seconds() * 1000 + now.as_ms() as i64,
    )
    .expect("virtual time stays within jiff's range");
    Lease {
        metadata: ObjectMeta {
            name: Some(node.to_string()),
            namespace: Some("kube-node-lease".into()),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".into(),
                kind: "Node".into(),
                name: node.to_string(),
                uid: node_uid.to_string(),
                ..Default::default()
            }]),
            ..Default::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(node.to_string()),
            lease_duration_seconds: Some(NODE_LEASE_DURATION_SECONDS),
            renew_time: Some(MicroTime(renew)),
            ..Default::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_shaped_like_the_real_ones() {
        let a = uuid_like("boot", "kind-worker");
        assert_eq!(a, uuid_like("boot", "kind-worker"));
        assert_ne!(a, uuid_like("boot", "kind-worker2"));
        assert_eq!(a.len(), 36);
        assert_eq!(hex128("machine", "kind-worker").len(), 32);
    }
}
