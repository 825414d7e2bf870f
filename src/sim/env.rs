//! The simulated world outside the API: what a real cluster would need a second tool to
//! change (a node's power, its disks, the network). Faults (`stsim` directives, property-test
//! swarms) write it; controllers read it through their `Cx`.

use std::collections::BTreeSet;

/// Facts about the world that are not API objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// Nodes whose machine is stopped: their kubelet does nothing, no heartbeats, no
    /// container runs.
    pub nodes_down: BTreeSet<String>,
}

impl Environment {
    /// True unless `node` is stopped.
    pub fn is_node_up(&self, node: &str) -> bool {
        !self.nodes_down.contains(node)
    }
}
