//! The storage side of a cluster (`spec/storage-scheduling-kubelet.md` §1): the
//! PersistentVolume controller of kube-controller-manager ([`binder`]), the external
//! provisioners a cluster runs ([`provisioner`]: `rancher.io/local-path` as in kind,
//! `k8s.io/minikube-hostpath`, zonal CSI drivers), and volume expansion ([`expand`]: the
//! in-tree expand controller, a CSI external-resizer and the kubelet's node-side resize).
//!
//! Every controller here is keyed (one claim or one volume per reconcile). Lookups that would
//! need a scan ("the volumes pre-bound to this claim", "the pods that use this claim") go
//! through small indexes fed from the watch stream, as client-go informers with indexers do
//! (`index`); nothing here lists every object of a kind in response to an event.
//!
//! Like every controller, these read the API server through their `Cx` and write only through
//! its `Client` methods; none calls another.

pub mod binder;
pub mod expand;
pub(crate) mod index;
pub mod provisioner;
pub(crate) mod util;

#[cfg(test)]
mod tests;

use crate::sim::Controller;

/// PVC annotation: the binding finished once (`pv.kubernetes.io/bind-completed`).
pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
/// PV and PVC annotation: the controller, not the user, made the binding.
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
/// PVC annotation: the provisioner expected to provision the claim.
pub const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
/// PVC annotation: the older (beta) form of [`ANN_STORAGE_PROVISIONER`], still written.
pub const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
/// PVC annotation the scheduler sets for WaitForFirstConsumer provisioning.
pub const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
/// PV annotation: the provisioner that created the volume.
pub const ANN_DYNAMICALLY_PROVISIONED: &str = "pv.kubernetes.io/provisioned-by";
/// PVC/PV annotation that predates `storageClassName`, still honoured first.
pub const ANN_BETA_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";
/// The provisioner name of classes for statically created local volumes.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
/// The event source of the PersistentVolume controller.
pub const PV_CONTROLLER_COMPONENT: &str = "persistentvolume-controller";

/// The storage controllers of a default kind cluster: the PersistentVolume controller, the
/// `rancher.io/local-path` provisioner, the expand controller and the kubelet's node-side
/// expansion. Clusters with other storage add [`provisioner::ExternalProvisioner`]s (and a
/// [`expand::ResizeController`] for CSI drivers) of their own.
pub fn controllers() -> Vec<Box<dyn Controller>> {
    vec![
        Box::new(binder::PersistentVolumeController::new()),
        Box::new(provisioner::ExternalProvisioner::new(
            provisioner::ProvisionerKind::LocalPath,
        )),
        Box::new(expand::ExpandController),
        Box::new(expand::NodeExpander::new()),
    ]
}
