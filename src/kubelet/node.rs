//! The node side of the kubelet (spec N1): registration (`registerWithAPIServer`), the node
//! Lease (`pkg/kubelet/nodelease`: `kube-node-lease/<node>`, holder the node, 40 s, renewed
//! every 10 s), node status (`nodestatus/setters.go`: computed every 10 s, written when it
//! changed and at least every 5 min), attachments, and the events of a (re)start.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{
    AttachedVolume, DaemonEndpoint, Node, NodeAddress, NodeCondition, NodeDaemonEndpoints,
    NodeFeatures, NodeRuntimeHandler, NodeRuntimeHandlerFeatures, NodeSpec, NodeStatus,
    NodeSystemInfo,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, OwnerReference};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{Client, StatusReason};
use crate::engine::SimTime;
use crate::engine::time::EPOCH_UNIX_SECONDS;
use crate::sim::Cx;

use super::Kubelet;
use super::consts::{
    LEASE_DURATION_SECONDS, LEASE_RENEW, NODE_STATUS_REPORT, NODE_STATUS_UPDATE, STATUS_RETRY,
};

/// The namespace of node leases.
pub(super) const LEASE_NAMESPACE: &str = "kube-node-lease";

/// `kubeletVersion` and friends.
const KUBELET_VERSION: &str = "v1.35.0";
const CONTAINER_RUNTIME_VERSION: &str = "containerd://2.1.4";
const KERNEL_VERSION: &str = "6.8.0-60-generic";
const OS_IMAGE: &str = "Debian GNU/Linux 12 (bookworm)";

/// The pressure conditions, in the order the kubelet reports them, with their healthy
/// reason and message.
const PRESSURE: [(&str, &str, &str); 3] = [
    (
        "MemoryPressure",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
    ),
    (
        "DiskPressure",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
    ),
    (
        "PIDPressure",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
    ),
];

fn micro_time(t: SimTime) -> MicroTime {
    let ms = EPOCH_UNIX_SECONDS * 1000 + i64::try_from(t.as_ms()).unwrap_or(0);
    let ts = k8s_openapi::jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    MicroTime(ts)
}

fn min_time(a: SimTime, b: SimTime) -> SimTime {
    a.min(b)
}

impl Kubelet {
    /// The labels the kubelet registers its node with.
    pub(super) fn registration_labels(&self) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([
            ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
            ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
            ("kubernetes.io/arch".to_string(), "amd64".to_string()),
            (
                "kubernetes.io/hostname".to_string(),
                self.config.node_name.clone(),
            ),
            ("kubernetes.io/os".to_string(), "linux".to_string()),
        ]);
        labels.extend(self.config.labels.clone());
        labels
    }

    fn ensure_identity(&mut self, cx: &mut Cx<'_>) {
        if self.node.boot_id.is_empty() {
            self.node.boot_id = cx.rng.uuid();
        }
        if self.node.machine_id.is_empty() {
            self.node.machine_id = cx.rng.uuid().replace('-', "");
            self.node.system_uuid = cx.rng.uuid();
        }
    }

    fn record_node_event(&self, cx: &mut Cx<'_>, warning: bool, reason: &str, message: &str) {
        let key = self.node_key();
        if let Some(node) = cx.read().try_get(&key).cloned() {
            let type_ = if warning { "Warning" } else { "Normal" };
            cx.record_event(&self.source, &node, type_, reason, message);
        }
    }

    /// Creates the Node object if it does not exist (`registerWithAPIServer`).
    fn register(&mut self, cx: &mut Cx<'_>) -> bool {
        let key = self.node_key();
        if cx.read().try_get(&key).is_some() {
            if !self.node.registered {
                self.node.registered = true;
                self.node.dirty = true;
            }
            return true;
        }
        let cidr = self.config.pod_cidr.clone();
        let node = Node {
            metadata: ObjectMeta {
                name: Some(self.config.node_name.clone()),
                labels: Some(self.registration_labels()),
                annotations: Some(BTreeMap::from([
                    ("node.alpha.kubernetes.io/ttl".to_string(), "0".to_string()),
                    (
                        "volumes.kubernetes.io/controller-managed-attach-detach".to_string(),
                        "true".to_string(),
                    ),
                ])),
                ..Default::default()
            },
            spec: Some(NodeSpec {
                pod_cidr: Some(cidr.clone()),
                pod_cidrs: Some(vec![cidr]),
                provider_id: self.config.provider_id.clone(),
                taints: (!self.config.taints.is_empty()).then(|| self.config.taints.clone()),
                ..Default::default()
            }),
            status: None,
        };
        match cx.create(Object::Node(node)) {
            Ok(_) => {
                self.node.registered = true;
                self.node.dirty = true;
                self.record_node_event(cx, false, "Starting", "Starting kubelet.");
                true
            }
            Err(e) if e.reason == StatusReason::AlreadyExists => true,
            Err(_) => false,
        }
    }

    /// The node's status as the kubelet's setters compute it, over `current`.
    fn node_status(&self, current: &NodeStatus, now: SimTime) -> NodeStatus {
        let old_conditions = current.conditions.clone().unwrap_or_default();
        let mut conditions = Vec::new();
        let mut push = |type_: &str, status: &str, reason: &str, message: &str| {
            let transition = match old_conditions.iter().find(|c| c.type_ == type_) {
                Some(c) if c.status == status => c.last_transition_time.clone(),
                _ => Some(now.to_k8s_time()),
            };
            conditions.push(NodeCondition {
                type_: type_.to_string(),
                status: status.to_string(),
                reason: Some(reason.to_string()),
                message: Some(message.to_string()),
                last_heartbeat_time: Some(now.to_k8s_time()),
                last_transition_time: transition,
            });
        };
        for (t, r, m) in PRESSURE {
            push(t, "False", r, m);
        }
        push(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
        );
        let mut attached: Vec<AttachedVolume> = self
            .node
            .attached
            .keys()
            .map(|u| AttachedVolume {
                name: u.clone(),
                device_path: String::new(),
            })
            .collect();
        attached.sort_by(|a, b| a.name.cmp(&b.name));
        let in_use: Vec<String> = self.node.attached.keys().cloned().collect();
        NodeStatus {
            addresses: Some(vec![
                NodeAddress {
                    type_: "InternalIP".into(),
                    address: self.config.node_ip.clone(),
                },
                NodeAddress {
                    type_: "Hostname".into(),
                    address: self.config.node_name.clone(),
                },
            ]),
            allocatable: Some(self.config.capacity.clone()),
            capacity: Some(self.config.capacity.clone()),
            conditions: Some(conditions),
            daemon_endpoints: Some(NodeDaemonEndpoints {
                kubelet_endpoint: Some(DaemonEndpoint { port: 10250 }),
            }),
            features: Some(NodeFeatures {
                supplemental_groups_policy: Some(true),
            }),
            images: Some(self.images.node_images()),
            node_info: Some(NodeSystemInfo {
                architecture: "amd64".into(),
                boot_id: self.node.boot_id.clone(),
                container_runtime_version: CONTAINER_RUNTIME_VERSION.into(),
                kernel_version: KERNEL_VERSION.into(),
                kube_proxy_version: String::new(),
                kubelet_version: KUBELET_VERSION.into(),
                machine_id: self.node.machine_id.clone(),
                operating_system: "linux".into(),
                os_image: OS_IMAGE.into(),
                system_uuid: self.node.system_uuid.clone(),
                ..Default::default()
            }),
            runtime_handlers: Some(
                ["", "runc", "test-handler"]
                    .iter()
                    .map(|n| NodeRuntimeHandler {
                        name: Some((*n).to_string()),
                        features: Some(NodeRuntimeHandlerFeatures {
                            recursive_read_only_mounts: Some(true),
                            user_namespaces: Some(true),
                        }),
                    })
                    .collect(),
            ),
            volumes_attached: (!attached.is_empty()).then_some(attached),
            volumes_in_use: (!in_use.is_empty()).then_some(in_use),
            ..current.clone()
        }
    }

    /// True when `a` and `b` differ in more than heartbeat times.
    fn status_changed(a: &NodeStatus, b: &NodeStatus) -> bool {
        let strip = |s: &NodeStatus| {
            let mut s = s.clone();
            for c in s.conditions.iter_mut().flatten() {
                c.last_heartbeat_time = None;
            }
            s
        };
        strip(a) != strip(b)
    }

    fn sync_status(&mut self, cx: &mut Cx<'_>) {
        let now = cx.now;
        let key = self.node_key();
        let Some(obj) = cx.read().try_get(&key).cloned() else {
            return;
        };
        let Object::Node(node) = &*obj else { return };
        let current = node.status.clone().unwrap_or_default();
        let desired = self.node_status(&current, now);
        let changed = Self::status_changed(&current, &desired);
        let report_due = self
            .node
            .last_report
            .is_none_or(|t| now.saturating_since(t) >= NODE_STATUS_REPORT);
        if !changed && !report_due {
            self.node.dirty = false;
            return;
        }
        let was_ready = current
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        let first = current.conditions.as_ref().is_none_or(Vec::is_empty);
        let mut new = node.clone();
        new.status = Some(desired);
        new.metadata.resource_version = None;
        match cx.update_status(Object::Node(new)) {
            Ok(_) => {
                self.node.last_report = Some(now);
                self.node.dirty = false;
                let name = self.config.node_name.clone();
                if first {
                    for (_, reason, _) in PRESSURE {
                        let reason = reason.replace("Kubelet", "Node");
                        self.record_node_event(
                            cx,
                            false,
                            &reason,
                            &format!("Node {name} status is now: {reason}"),
                        );
                    }
                }
                if !was_ready {
                    self.record_node_event(
                        cx,
                        false,
                        "NodeReady",
                        &format!("Node {name} status is now: NodeReady"),
                    );
                }
            }
            Err(_) => {
                self.node.status_due = now + STATUS_RETRY.min(NODE_STATUS_UPDATE);
            }
        }
    }

    fn renew_lease(&mut self, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        let key = ObjectKey::new(Kind::Lease, LEASE_NAMESPACE, self.config.node_name.clone());
        let spec = LeaseSpec {
            holder_identity: Some(self.config.node_name.clone()),
            lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
            renew_time: Some(micro_time(now)),
            ..Default::default()
        };
        match cx.read().try_get(&key).cloned() {
            Some(obj) => {
                let Object::Lease(lease) = &*obj else {
                    return false;
                };
                let mut lease = lease.clone();
                let old = lease.spec.clone().unwrap_or_default();
                lease.spec = Some(LeaseSpec {
                    acquire_time: old.acquire_time,
                    lease_transitions: old.lease_transitions,
                    ..spec
                });
                lease.metadata.resource_version = None;
                cx.update(Object::Lease(lease)).is_ok()
            }
            None => {
                let node_uid = cx
                    .read()
                    .try_get(&self.node_key())
                    .map(|n| n.uid().to_string());
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.config.node_name.clone()),
                        namespace: Some(LEASE_NAMESPACE.to_string()),
                        owner_references: node_uid.map(|uid| {
                            vec![OwnerReference {
                                api_version: "v1".into(),
                                kind: "Node".into(),
                                name: self.config.node_name.clone(),
                                uid,
                                ..Default::default()
                            }]
                        }),
                        ..Default::default()
                    },
                    spec: Some(spec),
                };
                cx.create(Object::Lease(lease)).is_ok()
            }
        }
    }

    /// The heartbeat: registration, lease, node status, detaches. Returns when it is due
    /// again.
    pub(super) fn sync_node(&mut self, cx: &mut Cx<'_>) -> Option<SimTime> {
        let now = cx.now;
        self.ensure_identity(cx);
        if !self.register(cx) {
            return Some(now + STATUS_RETRY);
        }
        let due: Vec<String> = self
            .node
            .detaching
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(u, _)| u.clone())
            .collect();
        for u in due {
            self.node.detaching.remove(&u);
            if self
                .node
                .attached
                .get(&u)
                .is_some_and(|users| users.is_empty())
            {
                self.node.attached.remove(&u);
                self.node.dirty = true;
            }
        }
        if now >= self.node.lease_due {
            self.node.lease_due = if self.renew_lease(cx) {
                now + LEASE_RENEW
            } else {
                now + STATUS_RETRY.min(LEASE_RENEW)
            };
        }
        if now >= self.node.status_due || self.node.dirty {
            if now >= self.node.status_due {
                self.node.status_due = now + NODE_STATUS_UPDATE;
            }
            self.sync_status(cx);
        }
        let mut next = min_time(self.node.lease_due, self.node.status_due);
        if let Some(t) = self.node.detaching.values().min() {
            next = next.min(*t);
        }
        Some(next)
    }

    /// Node-level part of a reboot: new boot id, the kubelet's start events, status at once.
    pub(super) fn node_rebooted(&mut self, cx: &mut Cx<'_>) {
        self.node.boot_id = cx.rng.uuid();
        let name = self.config.node_name.clone();
        let boot = self.node.boot_id.clone();
        self.record_node_event(cx, false, "Starting", "Starting kubelet.");
        self.record_node_event(
            cx,
            true,
            "Rebooted",
            &format!("Node {name} has been rebooted, boot id: {boot}"),
        );
        self.node.dirty = true;
        self.node.lease_due = cx.now;
        self.node.status_due = cx.now;
        cx.enqueue_after(self.node_key(), crate::engine::SimDuration::ZERO);
    }
}
