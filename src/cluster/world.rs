//! A whole simulated cluster: the control plane's controllers, the scheduler, the storage
//! controllers and provisioners, and one kubelet per node of a cluster profile, brought up to
//! the point a learner's terminal starts at (every node Ready).

use std::rc::Rc;

use crate::api::{Kind, Object};
use crate::apiserver::{ApiError, ApiServerOptions};
use crate::controllers::volume::{expand::ResizeController, provisioner};
use crate::controllers::{self, scheduler::Scheduler, statefulset::StatefulSetController};
use crate::engine::{SimDuration, SimTime};
use crate::kubelet::{self, AppRegistry, KubeletConfig};
use crate::sim::{Sim, SimConfig, TimingProfile};

use super::{ClusterProfile, bootstrap_control_plane, nodes};

/// How to build a world.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// The run's seed.
    pub seed: u64,
    /// Latencies.
    pub timing: TimingProfile,
    /// Nodes and feature gates.
    pub cluster: ClusterProfile,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            seed: 0,
            timing: TimingProfile::kind(),
            cluster: ClusterProfile::default_kind(),
        }
    }
}

/// Why a world could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// A bootstrap object was refused.
    #[error("bootstrapping the cluster: {0}")]
    Bootstrap(#[from] ApiError),
    /// The nodes did not all become Ready within the start-up bound.
    #[error("the cluster did not come up: {0}")]
    NotReady(String),
}

/// How long a cluster may take to come up before it is reported broken.
const STARTUP_LIMIT: SimDuration = SimDuration::from_secs(120);

/// The kubelet configuration of a profile's node: what the Node object says about it.
fn kubelet_config(profile: &ClusterProfile, node: &super::NodeProfile) -> KubeletConfig {
    let object = nodes::node_object(profile, node, SimTime::ZERO);
    let index = u8::try_from(node.registration_index).unwrap_or(u8::MAX);
    let preloaded = KubeletConfig::kind_node(&node.name, index).preloaded_images;
    let mut labels = object.metadata.labels.clone().unwrap_or_default();
    // A CSI node plugin registers its topology: the kubelet labels the node with the
    // driver's zone key (`topology.gke.io/zone`), as CSINode's topologyKeys say.
    for driver in profile
        .csi_drivers
        .iter()
        .filter_map(|d| provisioner::csi_driver(d))
    {
        if let Some(zone) = &node.zone {
            labels
                .entry(driver.topology_key.to_string())
                .or_insert_with(|| zone.clone());
        }
    }
    KubeletConfig {
        node_name: node.name.clone(),
        node_ip: node.internal_ip.clone(),
        pod_cidr: node.pod_cidr.clone(),
        labels,
        taints: object
            .spec
            .as_ref()
            .and_then(|s| s.taints.clone())
            .unwrap_or_default(),
        capacity: object
            .status
            .as_ref()
            .and_then(|s| s.capacity.clone())
            .unwrap_or_default(),
        preloaded_images: preloaded,
        provider_id: object.spec.as_ref().and_then(|s| s.provider_id.clone()),
    }
}

/// Builds the simulation of a cluster and runs it until every node is Ready.
pub fn build(config: WorldConfig) -> Result<Sim, WorldError> {
    build_with_apps(config, crate::apps::registry())
}

/// [`build`] with a given application registry (what each image does).
pub fn build_with_apps(config: WorldConfig, apps: AppRegistry) -> Result<Sim, WorldError> {
    let gate = config
        .cluster
        .feature_gates
        .get("MaxUnavailableStatefulSet")
        .copied()
        .unwrap_or(true);
    let mut sim = Sim::new(SimConfig {
        seed: config.seed,
        profile: config.timing,
        api: ApiServerOptions {
            max_unavailable_gate: gate,
        },
    });
    // The scheduler first: it learns about pods from watch events only.
    sim.add_controller(Box::new(Scheduler::new()));
    for c in controllers::builtin()
        .into_iter()
        .chain(controllers::volume::controllers())
        .chain(controllers::node::controllers())
        .chain(controllers::workloads_and_networking())
    {
        sim.add_controller(c);
    }
    let drivers: Vec<&'static provisioner::CsiDriver> = config
        .cluster
        .csi_drivers
        .iter()
        .filter_map(|d| provisioner::csi_driver(d))
        .collect();
    for &driver in &drivers {
        sim.add_controller(Box::new(provisioner::ExternalProvisioner::new(
            provisioner::ProvisionerKind::Csi(driver),
        )));
    }
    if !drivers.is_empty() {
        sim.add_controller(Box::new(ResizeController::new(drivers)));
    }
    sim.add_controller(Box::new(StatefulSetController::new(gate)));
    sim.write(bootstrap_control_plane)?;
    let apps = Rc::new(apps);
    for node in config.cluster.nodes_in_registration_order() {
        kubelet::install(
            &mut sim,
            kubelet_config(&config.cluster, node),
            apps.clone(),
        );
    }
    let expected = config.cluster.nodes.len();
    let deadline = sim.now() + STARTUP_LIMIT;
    while ready_nodes(&sim) < expected {
        if sim.now() >= deadline {
            return Err(WorldError::NotReady(format!(
                "{} of {expected} nodes Ready after {STARTUP_LIMIT}",
                ready_nodes(&sim)
            )));
        }
        let step = sim.now() + SimDuration::from_ms(100);
        if let crate::engine::RunEnd::StepLimit { .. } = sim.run_until(step, 1_000_000) {
            return Err(WorldError::NotReady("start-up hit the step limit".into()));
        }
    }
    Ok(sim)
}

/// Nodes whose Ready condition is True.
pub fn ready_nodes(sim: &Sim) -> usize {
    sim.api()
        .iter_kind(Kind::Node, None)
        .filter(|n| match &***n {
            Object::Node(n) => n
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True")),
            _ => false,
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csi_driver_labels_zoned_nodes_with_its_topology_key() {
        let cluster = ClusterProfile::parse(
            "t.yaml",
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nstsim: {csiDrivers: [pd.csi.storage.gke.io]}\nnodes:\n- role: control-plane\n- role: worker\n  stsim: {zone: europe-west1-b}\n",
        )
        .unwrap();
        let sim = build(WorldConfig {
            cluster,
            ..WorldConfig::default()
        })
        .unwrap();
        let labels = |name: &str| match &*sim
            .api()
            .get(&crate::api::ObjectKey::cluster(Kind::Node, name))
            .unwrap()
        {
            Object::Node(n) => n.metadata.labels.clone().unwrap_or_default(),
            _ => unreachable!(),
        };
        assert_eq!(
            labels("kind-worker")
                .get("topology.gke.io/zone")
                .map(String::as_str),
            Some("europe-west1-b")
        );
        assert_eq!(
            labels("kind-control-plane").get("topology.gke.io/zone"),
            None
        );
    }

    #[test]
    fn a_default_kind_cluster_comes_up_with_four_ready_nodes() {
        let sim = build(WorldConfig::default()).unwrap();
        assert_eq!(ready_nodes(&sim), 4);
        assert!(sim.now() < SimTime::ZERO + STARTUP_LIMIT);
        let names = super::super::node_names(sim.api());
        assert_eq!(
            names,
            [
                "kind-control-plane",
                "kind-worker",
                "kind-worker2",
                "kind-worker3"
            ]
        );
    }
}
