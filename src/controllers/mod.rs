//! Controllers of kube-controller-manager and the external provisioners: the garbage
//! collector, the namespace controller, the service-account and root-CA publishers, the PVC/PV
//! protection controllers, the storage controllers of [`volume`] (PV binder, provisioners,
//! expansion), the node controllers of [`node`], and the workload and service-networking
//! controllers (Deployment, ReplicaSet, Endpoints, EndpointSlice).
//!
//! Each reads the API server and writes only through its public API; none calls another.
//! Each `sync` does one pass and returns how many writes it made, so a caller (the engine,
//! or [`settle`] in tests and `stsim validate`) can run them until nothing changes.

pub mod deployment;
pub mod endpoints;
pub mod garbage_collector;
pub mod namespace;
pub mod node;
pub mod protection;
pub mod replicaset;
pub mod scheduler;
pub mod serviceaccount;
pub mod statefulset;
pub mod volume;

use crate::apiserver::ApiServer;
use crate::sim::Controller;

/// The built-in controllers of this module, as reconcilers for a `Sim`.
pub fn builtin() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(serviceaccount::ServiceAccountController),
        Box::new(garbage_collector::GarbageCollector),
        Box::new(namespace::NamespaceController),
        Box::new(protection::PvcProtectionController::new()),
        Box::new(protection::PvProtectionController::new()),
    ]
}

/// The workload and service-networking controllers: Deployment, ReplicaSet, Endpoints and
/// EndpointSlice (not in [`builtin`], which the API-semantics tests and `validate` run).
pub fn workloads_and_networking() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(deployment::DeploymentController::new()),
        Box::new(replicaset::ReplicaSetController::new()),
        Box::new(endpoints::EndpointsController::new()),
        Box::new(endpoints::slice::EndpointSliceController::new()),
    ]
}

/// Runs every controller here until a full round makes no write, at most `rounds_max` rounds.
/// Returns the number of writes, or `Err` with it when the bound was hit (a controller loop
/// that never settles is a bug worth reporting, not a hang).
pub fn settle(api: &mut ApiServer, rounds_max: usize) -> Result<usize, usize> {
    let mut total = 0;
    for _ in 0..rounds_max {
        let writes = serviceaccount::sync(api)
            + garbage_collector::sync(api)
            + namespace::sync(api)
            + protection::sync(api);
        total += writes;
        if writes == 0 {
            return Ok(total);
        }
    }
    Err(total)
}
