//! The simulated world outside the API: what a real cluster would need a second tool to
//! change (a node's power, its disks, the network), and what lives on the machines (volume
//! bytes, processes, logs: [`World`]). Faults (`stsim` directives, property-test swarms) write
//! it; controllers read and change it through their `Cx`.

use std::collections::BTreeSet;

use crate::dns::CoreDns;
use crate::store::World;

use super::faults::CrashRequest;

/// Facts about the world that are not API objects.
#[derive(Debug, Default)]
pub struct Environment {
    /// Nodes whose machine is stopped: their kubelet does nothing, no heartbeats, no
    /// container runs.
    pub nodes_down: BTreeSet<String>,
    /// Crashes asked for and not yet carried out by the kubelets.
    pub crashes: Vec<CrashRequest>,
    /// Volume bytes, container layers, processes and logs.
    pub world: World,
    /// The cluster's DNS server (its cache is state).
    pub dns: CoreDns,
    /// A deliberate bug, for proving that property tests catch one: the kubelet mounts every
    /// PersistentVolumeClaim as an emptyDir (data dies with the pod). Never set outside tests.
    pub sabotage_claims_as_empty_dirs: bool,
}

impl Environment {
    /// True unless `node` is stopped.
    pub fn is_node_up(&self, node: &str) -> bool {
        !self.nodes_down.contains(node)
    }

    /// The node lost its local disks: hostPath and node-local PV data and emptyDirs are gone.
    pub fn lose_disks(&mut self, node: &str) {
        self.world.lose_node_disks(node);
    }
}
