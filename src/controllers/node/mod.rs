//! The controllers of kube-controller-manager that deal with nodes and disruptions:
//!
//! - [`lifecycle`]: node lifecycle — heartbeat monitoring from the node Lease and Ready
//!   condition, `Unknown` conditions, condition taints, cordon taint, pods marked not ready
//!   (storage-scheduling-kubelet spec §4.1);
//! - [`taint_eviction`]: pods deleted after their `tolerationSeconds` on `NoExecute` taints
//!   (§4.2);
//! - [`pod_gc`]: pods of deleted nodes, terminating pods of out-of-service nodes, unscheduled
//!   terminating pods and excess terminated pods force-deleted (§4.4);
//! - [`disruption`]: PodDisruptionBudget status, read by the Eviction API
//!   (`apiserver::eviction`).
//!
//! None of them looks at the simulated world (`Environment`): like upstream they only see
//! what the kubelet writes. All writes go through the reconcile context's `Client`.

pub mod disruption;
pub mod lifecycle;
pub mod pod_gc;
pub mod taint_eviction;
pub mod util;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use crate::sim::Controller;

pub use disruption::DisruptionController;
pub use lifecycle::{NodeLifecycleConfig, NodeLifecycleController};
pub use pod_gc::{PodGcConfig, PodGcController};
pub use taint_eviction::TaintEvictionController;

/// The four controllers with their v1.35 defaults, ready for `Sim::add_controller`.
pub fn controllers() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(NodeLifecycleController::default()),
        Box::new(TaintEvictionController::new()),
        Box::new(PodGcController::default()),
        Box::new(DisruptionController::new()),
    ]
}
