//! The kubelet: one controller per node that walks the pods bound to its node through the
//! real lifecycle, hosts the application models, and keeps the node's heartbeats.
//!
//! Spec: `storage-scheduling-kubelet.md` §3 (K1–K24) and §4.1 (N1). One [`Kubelet`] runs per
//! node, named `kubelet-<node>`, and reconciles two kinds of keys:
//!
//! - a **Pod** key: the pod worker (`pod_workers.go` + `SyncPod`): admission and the first
//!   status, volumes (attach, mount, Multi-Attach), sandbox and pod IP, image pulls through
//!   the node's cache and serialized puller, init containers in order, container starts,
//!   probes, restarts with CrashLoopBackOff, graceful termination and the final delete;
//! - the **Node** key: registration, the Lease in `kube-node-lease` renewed every 10 s, node
//!   status every 10 s when it changed and at least every 5 min, attach/detach bookkeeping
//!   in `node.status.volumesAttached`, and reboots after the machine was down.
//!
//! Everything the API shows is written through [`Cx`] (recorded, refusable by fault rules).
//! Work per event is bounded: timers are `Requeue::After`/`enqueue_after`, and watch events
//! are mapped to keys through small indexes (pods waiting on a claim, a volume or a config
//! object), never by scanning all pods. While `cx.env().nodes_down` holds the node, the
//! kubelet does nothing visible; when it is up again it reboots (containers die with exit
//! 255 `Unknown`, sandboxes and IPs are re-created, restart counts go up).
//!
//! What a container's process does is an [`AppModel`] chosen by image from an
//! [`AppRegistry`]; `kubectl get pods`' READY/STATUS/RESTARTS come from [`printer`].
//!
//! Fault directives that stop or start a node must [`Sim::poke`] `kubelet-<node>` with the
//! Node key so that the change is noticed at once (the kubelet also notices it at its next
//! heartbeat, within 10 s).

pub mod app;
pub mod image;
pub mod printer;

mod ipam;
mod mounts;
mod node;
mod probe;
mod status;
mod volume;
mod worker;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use k8s_openapi::api::core::v1::Taint;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEvent, WatchEventType};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, EventSource, Requeue, Sim, TimingProfile};

pub use app::{
    AppCx, AppFactory, AppModel, AppRegistry, ContainerInfo, Exit, ImageFacts, LongRunning,
    ProbeAnswer, ProbeKind, RunToCompletion, Signal, Startup,
};
pub use printer::{
    PodColumns, human_duration, pod_ready_column, pod_restarts_column, pod_status_column, print_pod,
};

/// Everything about one node that the kubelet is configured with (flags, the machine, and
/// what node-ipam would have assigned).
#[derive(Clone, Debug, PartialEq)]
pub struct KubeletConfig {
    /// The node's name (`kind-worker`).
    pub node_name: String,
    /// The node's InternalIP (`172.18.0.3`).
    pub node_ip: String,
    /// The pod CIDR (`10.244.1.0/24`); used unless the Node object already has one.
    pub pod_cidr: String,
    /// Labels the kubelet registers the node with (besides the well-known ones it always
    /// sets).
    pub labels: BTreeMap<String, String>,
    /// Taints the kubelet registers the node with (`--register-with-taints`).
    pub taints: Vec<Taint>,
    /// `node.status.capacity` (allocatable is the same).
    pub capacity: BTreeMap<String, Quantity>,
    /// Images present on the machine from the start (the kind node image preloads some):
    /// reference and size.
    pub preloaded_images: Vec<(String, u64)>,
    /// `spec.providerID`.
    pub provider_id: Option<String>,
}

/// The images a kind node image ships with (sizes as containerd reports them).
const KIND_PRELOADED: &[(&str, u64)] = &[
    ("docker.io/kindest/kindnetd:v20250512-df8de77b", 44_375_501),
    (
        "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
        3_084_671,
    ),
    (
        "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a",
        22_541_737,
    ),
    ("registry.k8s.io/coredns/coredns:v1.12.0", 20_939_036),
    ("registry.k8s.io/etcd:3.6.4-0", 62_561_254),
    ("registry.k8s.io/kube-apiserver:v1.35.0", 30_168_117),
    (
        "registry.k8s.io/kube-controller-manager:v1.35.0",
        27_625_341,
    ),
    ("registry.k8s.io/kube-proxy:v1.35.0", 31_452_306),
    ("registry.k8s.io/kube-scheduler:v1.35.0", 21_831_842),
    ("registry.k8s.io/pause:3.10", 320_368),
];

impl KubeletConfig {
    /// A node of a default kind cluster: node `index` (0 is the control plane) gets
    /// `10.244.<index>.0/24`, InternalIP `172.18.0.<index+2>`, 8 CPUs, 16 GiB, 110 pods and
    /// the kind node image's preloaded images.
    pub fn kind_node(name: &str, index: u8) -> KubeletConfig {
        let mut labels = BTreeMap::new();
        let mut taints = Vec::new();
        if index == 0 {
            labels.insert(
                "node-role.kubernetes.io/control-plane".into(),
                String::new(),
            );
            labels.insert(
                "node.kubernetes.io/exclude-from-external-load-balancers".into(),
                String::new(),
            );
            taints.push(Taint {
                effect: "NoSchedule".into(),
                key: "node-role.kubernetes.io/control-plane".into(),
                ..Default::default()
            });
        }
        let q = |s: &str| Quantity(s.to_string());
        let capacity = BTreeMap::from([
            ("cpu".to_string(), q("8")),
            ("ephemeral-storage".to_string(), q("102625208Ki")),
            ("hugepages-1Gi".to_string(), q("0")),
            ("hugepages-2Mi".to_string(), q("0")),
            ("memory".to_string(), q("16365060Ki")),
            ("pods".to_string(), q("110")),
        ]);
        KubeletConfig {
            node_name: name.to_string(),
            node_ip: format!("172.18.0.{}", u16::from(index) + 2),
            pod_cidr: format!("10.244.{index}.0/24"),
            labels,
            taints,
            capacity,
            preloaded_images: KIND_PRELOADED
                .iter()
                .map(|(r, s)| ((*r).to_string(), *s))
                .collect(),
            provider_id: Some(format!("kind://docker/kind/{name}")),
        }
    }
}

/// Kubelet constants that are protocol, not latency (they stay the same in every profile).
pub(crate) mod consts {
    use crate::engine::SimDuration;

    /// `leaseDurationSeconds` of the node Lease.
    pub const LEASE_DURATION_SECONDS: i32 = 40;
    /// Lease renewal: a quarter of the duration (`nodeLeaseRenewIntervalFraction`).
    pub const LEASE_RENEW: SimDuration = SimDuration::from_secs(10);
    /// `nodeStatusUpdateFrequency`.
    pub const NODE_STATUS_UPDATE: SimDuration = SimDuration::from_secs(10);
    /// `nodeStatusReportFrequency`.
    pub const NODE_STATUS_REPORT: SimDuration = SimDuration::from_secs(300);
    /// Container restart back-off: first delay, cap (reset after twice the cap).
    pub const BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
    /// The back-off cap.
    pub const BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
    /// The pod worker's retry after a failed sync (`workerBackOffPeriod`).
    pub const WORKER_BACKOFF: SimDuration = SimDuration::from_secs(10);
    /// `minimumGracePeriodInSeconds` of `killContainer`.
    pub const MIN_GRACE: SimDuration = SimDuration::from_secs(2);
    /// `podAttachAndMountTimeout`.
    pub const MOUNT_TIMEOUT: SimDuration = SimDuration::from_secs(120);
    /// The status manager's periodic reconciliation (`syncPeriod`), used to retry a failed
    /// status write.
    pub const STATUS_RETRY: SimDuration = SimDuration::from_secs(10);
}

/// Latency from the profile, or the `kind` value when a user profile lacks the key (the
/// built-in profiles define them all; a missing key must not crash a run).
pub(crate) fn latency(profile: &TimingProfile, key: &str) -> SimDuration {
    if let Some(d) = profile.try_get(key) {
        return d;
    }
    SimDuration::from_ms(match key {
        "kubelet.reaction" => 100,
        "kubelet.pleg_relist" => 1000,
        "kubelet.volume_attach" => 0,
        "kubelet.volume_detach" => 0,
        "kubelet.volume_mount" => 400,
        "kubelet.volume_unmount" => 200,
        "kubelet.sandbox" => 600,
        "kubelet.image_pull" => 2000,
        "kubelet.image_pull_per_mb" => 200,
        "kubelet.container_start" => 300,
        _ => 0,
    })
}

/// The node-level state of a kubelet.
#[derive(Debug, Default)]
struct NodeState {
    /// The heartbeat loop runs (the Node key has been reconciled at least once).
    started: bool,
    /// The Node object exists (registered by us or found).
    registered: bool,
    /// When the lease is due for renewal.
    lease_due: SimTime,
    /// When node status is next computed.
    status_due: SimTime,
    /// When node status was last written.
    last_report: Option<SimTime>,
    /// Something node status shows changed (images, attachments): write at the next tick.
    dirty: bool,
    /// `status.nodeInfo.bootID`.
    boot_id: String,
    /// `status.nodeInfo.machineID` / `systemUUID`.
    machine_id: String,
    system_uuid: String,
    /// Since when the machine is down, as first noticed.
    down_since: Option<SimTime>,
    /// Volumes attached to this node (unique volume name → pods using them).
    attached: BTreeMap<String, BTreeSet<ObjectKey>>,
    /// Volumes whose last user left: detach at the time given.
    detaching: BTreeMap<String, SimTime>,
}

/// One kubelet.
pub struct Kubelet {
    name: &'static str,
    config: KubeletConfig,
    apps: Rc<AppRegistry>,
    source: EventSource,
    node: NodeState,
    images: image::ImageCache,
    pulls: image::PullQueue,
    ipam: ipam::Ipam,
    /// Pod workers by pod key (the current pod of that name, and any force-deleted
    /// predecessors still being stopped).
    pods: BTreeMap<ObjectKey, worker::PodSlot>,
    /// Keys that arrived while the machine was down.
    deferred: BTreeSet<ObjectKey>,
    /// Pods waiting on an object (claim, volume, config map, secret) to appear or change.
    waiters: BTreeMap<ObjectKey, BTreeSet<ObjectKey>>,
    /// Pods waiting for a volume to be detached from another node.
    attach_blocked: BTreeSet<ObjectKey>,
}

impl Kubelet {
    /// A kubelet for `config.node_name` running the application models of `apps`.
    pub fn new(config: KubeletConfig, apps: Rc<AppRegistry>) -> Kubelet {
        // Controller names are `&'static str`: one small leak per kubelet built.
        let name: &'static str =
            Box::leak(format!("kubelet-{}", config.node_name).into_boxed_str());
        let mut images = image::ImageCache::default();
        for (reference, size) in &config.preloaded_images {
            images.insert(reference, *size);
        }
        let ipam = ipam::Ipam::new(&config.pod_cidr);
        Kubelet {
            name,
            source: EventSource {
                component: "kubelet".to_string(),
                host: Some(config.node_name.clone()),
            },
            config,
            apps,
            node: NodeState::default(),
            images,
            pulls: image::PullQueue::default(),
            ipam,
            pods: BTreeMap::new(),
            deferred: BTreeSet::new(),
            waiters: BTreeMap::new(),
            attach_blocked: BTreeSet::new(),
        }
    }

    /// The node this kubelet runs on.
    pub fn node_name(&self) -> &str {
        &self.config.node_name
    }

    /// The Node key this kubelet reconciles its heartbeats under.
    pub fn node_key(&self) -> ObjectKey {
        ObjectKey::cluster(Kind::Node, self.config.node_name.clone())
    }

    /// True when `image` is in this node's image cache.
    pub fn has_image(&self, image: &str) -> bool {
        self.images.contains(image)
    }

    fn pod_node(obj: &Object) -> Option<&str> {
        match obj {
            Object::Pod(p) => p.spec.as_ref()?.node_name.as_deref(),
            _ => None,
        }
    }

    fn pod_keys_for(&self, event: &WatchEvent) -> Vec<ObjectKey> {
        let obj = &event.object;
        let key = obj.key();
        let mine = Self::pod_node(obj) == Some(self.config.node_name.as_str());
        match event.event_type {
            WatchEventType::Added | WatchEventType::Deleted => {
                if mine || self.pods.contains_key(&key) {
                    vec![key]
                } else {
                    vec![]
                }
            }
            WatchEventType::Modified => {
                if !mine {
                    return vec![];
                }
                let Some(old) = &event.old else {
                    return vec![key];
                };
                let (Object::Pod(new_pod), Object::Pod(old_pod)) = (&**obj, &**old) else {
                    return vec![key];
                };
                let was_mine = Self::pod_node(old) == Some(self.config.node_name.as_str());
                let meta_changed = new_pod.metadata.deletion_timestamp
                    != old_pod.metadata.deletion_timestamp
                    || new_pod.metadata.deletion_grace_period_seconds
                        != old_pod.metadata.deletion_grace_period_seconds
                    || new_pod.metadata.uid != old_pod.metadata.uid;
                if !was_mine || meta_changed || new_pod.spec != old_pod.spec {
                    return vec![key];
                }
                // A status change that is not our own write (the node controller marking the
                // pod not ready): the status manager re-asserts what the kubelet knows.
                let ours = self
                    .pods
                    .get(&key)
                    .is_some_and(|s| s.wrote_version(obj.resource_version()));
                if new_pod.status != old_pod.status && !ours {
                    return vec![key];
                }
                vec![]
            }
        }
    }
}

impl Controller for Kubelet {
    fn name(&self) -> &'static str {
        self.name
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        match obj.kind() {
            Kind::Pod => self.pod_keys_for(event),
            Kind::Node => {
                if obj.name() == self.config.node_name {
                    // Our own status writes need no reaction; a deleted Node is registered
                    // again.
                    if event.event_type == WatchEventType::Deleted {
                        return vec![self.node_key()];
                    }
                    return vec![];
                }
                // Another node's attachments changed: a Multi-Attach may be over.
                if event.event_type != WatchEventType::Added {
                    return self.attach_blocked.iter().cloned().collect();
                }
                vec![]
            }
            Kind::Lease => {
                if obj.namespace() == node::LEASE_NAMESPACE
                    && obj.name() == self.config.node_name
                    && event.event_type == WatchEventType::Deleted
                {
                    vec![self.node_key()]
                } else {
                    vec![]
                }
            }
            Kind::PersistentVolumeClaim
            | Kind::PersistentVolume
            | Kind::ConfigMap
            | Kind::Secret => self
                .waiters
                .get(&obj.key())
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
            _ => vec![],
        }
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        if !cx.env().is_node_up(&self.config.node_name) {
            // The machine is off: nothing runs, nothing is written. Keep the heartbeat timer
            // so that power returning is noticed even without a poke.
            if self.node.down_since.is_none() {
                self.node.down_since = Some(cx.now);
            }
            if key.kind == Kind::Node {
                self.node.started = true;
                return Requeue::After(consts::LEASE_RENEW);
            }
            self.deferred.insert(key.clone());
            return Requeue::No;
        }
        if let Some(since) = self.node.down_since.take() {
            self.reboot(since, cx);
        }
        if !self.node.started {
            self.node.started = true;
            cx.enqueue_after(self.node_key(), SimDuration::ZERO);
        }
        let next = match key.kind {
            Kind::Node if key.name == self.config.node_name => self.sync_node(cx),
            Kind::Pod => self.sync_pod_key(key, cx),
            _ => None,
        };
        match next {
            Some(t) if t > cx.now => Requeue::After(t - cx.now),
            Some(_) => Requeue::After(SimDuration::ZERO),
            None => Requeue::No,
        }
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        latency(profile, "kubelet.reaction")
    }
}

/// Adds a kubelet for `config` to `sim` and starts its heartbeats (registers the node).
pub fn install(sim: &mut Sim, config: KubeletConfig, apps: Rc<AppRegistry>) {
    let kubelet = Kubelet::new(config, apps);
    let name = kubelet.name;
    let key = kubelet.node_key();
    sim.add_controller(Box::new(kubelet));
    sim.poke(name, key);
}

/// Adds the kubelets of a default kind cluster (`kind-control-plane`, `kind-worker`,
/// `kind-worker2`, ... for `workers` workers) sharing one application registry.
pub fn install_kind(sim: &mut Sim, workers: u8, apps: Rc<AppRegistry>) {
    install(
        sim,
        KubeletConfig::kind_node("kind-control-plane", 0),
        apps.clone(),
    );
    for i in 1..=workers {
        let name = if i == 1 {
            "kind-worker".to_string()
        } else {
            format!("kind-worker{i}")
        };
        install(sim, KubeletConfig::kind_node(&name, i), apps.clone());
    }
}
