//! The server-side half of `kubectl get`: the `Table` the API server returns for each kind
//! (`pkg/printers/internalversion/printers.go`), computed from typed objects and `now`.
//!
//! As the API server does, rows always carry every cell, `-o wide` ones included; the
//! renderer in [`super::table`] hides priority-1 columns unless asked for them.

mod other;
mod pod;
mod storage;
mod workloads;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector as K8sLabelSelector, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::duration::translate_timestamp_since;
use super::table::{Column, Row, Table};
use crate::api::quantity::Quantity;
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object};
use crate::engine::time::SimTime;

pub(crate) use other::{join_host_port, node_roles};
pub use pod::{pod_ready_and_status, pod_restarts};
pub(crate) use storage::{pv_class as storage_pv_class, pvc_class as storage_pvc_class};

/// The column definitions the API server sends for `kind`.
pub fn columns(kind: Kind) -> Vec<Column> {
    let (default, wide): (&[&str], &[&str]) = match kind {
        Kind::Pod => (
            &["Name", "Ready", "Status", "Restarts", "Age"],
            &["IP", "Node", "Nominated Node", "Readiness Gates"],
        ),
        Kind::StatefulSet => (&["Name", "Ready", "Age"], &["Containers", "Images"]),
        Kind::Deployment => (
            &["Name", "Ready", "Up-to-date", "Available", "Age"],
            &["Containers", "Images", "Selector"],
        ),
        Kind::ReplicaSet => (
            &["Name", "Desired", "Current", "Ready", "Age"],
            &["Containers", "Images", "Selector"],
        ),
        Kind::DaemonSet => (
            &[
                "Name",
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Node Selector",
                "Age",
            ],
            &["Containers", "Images", "Selector"],
        ),
        Kind::Job => (
            &["Name", "Status", "Completions", "Duration", "Age"],
            &["Containers", "Images", "Selector"],
        ),
        Kind::CronJob => (
            &[
                "Name",
                "Schedule",
                "Timezone",
                "Suspend",
                "Active",
                "Last Schedule",
                "Age",
            ],
            &["Containers", "Images", "Selector"],
        ),
        Kind::Service => (
            &[
                "Name",
                "Type",
                "Cluster-IP",
                "External-IP",
                "Port(s)",
                "Age",
            ],
            &["Selector"],
        ),
        Kind::Endpoints => (&["Name", "Endpoints", "Age"], &[]),
        Kind::EndpointSlice => (&["Name", "AddressType", "Ports", "Endpoints", "Age"], &[]),
        Kind::Node => (
            &["Name", "Status", "Roles", "Age", "Version"],
            &[
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime",
            ],
        ),
        Kind::Namespace => (&["Name", "Status", "Age"], &[]),
        Kind::PersistentVolume => (
            &[
                "Name",
                "Capacity",
                "Access Modes",
                "Reclaim Policy",
                "Status",
                "Claim",
                "StorageClass",
                "VolumeAttributesClass",
                "Reason",
                "Age",
            ],
            &["VolumeMode"],
        ),
        Kind::PersistentVolumeClaim => (
            &[
                "Name",
                "Status",
                "Volume",
                "Capacity",
                "Access Modes",
                "StorageClass",
                "VolumeAttributesClass",
                "Age",
            ],
            &["VolumeMode"],
        ),
        Kind::StorageClass => (
            &[
                "Name",
                "Provisioner",
                "ReclaimPolicy",
                "VolumeBindingMode",
                "AllowVolumeExpansion",
                "Age",
            ],
            &[],
        ),
        Kind::ConfigMap => (&["Name", "Data", "Age"], &[]),
        Kind::Secret => (&["Name", "Type", "Data", "Age"], &[]),
        Kind::ServiceAccount => (&["Name", "Secrets", "Age"], &[]),
        Kind::PodDisruptionBudget => (
            &[
                "Name",
                "Min Available",
                "Max Unavailable",
                "Allowed Disruptions",
                "Age",
            ],
            &[],
        ),
        Kind::ControllerRevision => (&["Name", "Controller", "Revision", "Age"], &[]),
        Kind::Lease => (&["Name", "Holder", "Age"], &[]),
        Kind::Event => {
            // The event table interleaves wide columns with default ones.
            return vec![
                Column::new("Last Seen"),
                Column::new("Type"),
                Column::new("Reason"),
                Column::new("Object"),
                Column::wide("Subobject"),
                Column::wide("Source"),
                Column::new("Message"),
                Column::wide("First Seen"),
                Column::wide("Count"),
                Column::wide("Name"),
            ];
        }
    };
    default
        .iter()
        .map(|c| Column::new(c))
        .chain(wide.iter().map(|c| Column::wide(c)))
        .collect()
}

/// The cells of one object's row (all of them, wide ones included).
pub fn cells(obj: &Object, now: SimTime) -> Vec<String> {
    match obj {
        Object::Pod(p) => pod::cells(p, now),
        Object::StatefulSet(o) => workloads::statefulset(o, now),
        Object::Deployment(o) => workloads::deployment(o, now),
        Object::ReplicaSet(o) => workloads::replicaset(o, now),
        Object::DaemonSet(o) => workloads::daemonset(o, now),
        Object::Job(o) => workloads::job(o, now),
        Object::CronJob(o) => workloads::cronjob(o, now),
        Object::ControllerRevision(o) => workloads::controller_revision(o, now),
        Object::PodDisruptionBudget(o) => workloads::pdb(o, now),
        Object::PersistentVolume(o) => storage::pv(o, now),
        Object::PersistentVolumeClaim(o) => storage::pvc(o, now),
        Object::StorageClass(o) => storage::storage_class(o, now),
        Object::Service(o) => other::service(o, now),
        Object::Endpoints(o) => other::endpoints(o, now),
        Object::EndpointSlice(o) => other::endpoint_slice(o, now),
        Object::Node(o) => other::node(o, now),
        Object::Namespace(o) => other::namespace(o, now),
        Object::ConfigMap(o) => other::config_map(o, now),
        Object::Secret(o) => other::secret(o, now),
        Object::ServiceAccount(o) => other::service_account(o, now),
        Object::Lease(o) => other::lease(o, now),
        Object::Event(o) => other::event(o, now),
    }
}

/// One object's row.
pub fn row(obj: &Object, now: SimTime) -> Row {
    Row {
        cells: cells(obj, now),
        namespace: obj.namespace().to_string(),
        labels: obj.labels().clone(),
    }
}

/// The table the API server returns for `objects` (all of kind `kind`), in the given order.
pub fn table(kind: Kind, objects: &[&Object], now: SimTime) -> Table {
    Table {
        columns: columns(kind),
        rows: objects
            .iter()
            .filter(|o| o.kind() == kind)
            .map(|o| row(o, now))
            .collect(),
    }
}

/// `-o name`: `pod/web-0`, `statefulset.apps/web`, one per line.
pub fn name(obj: &Object) -> String {
    format!("{}/{}\n", obj.kind().info().group_singular(), obj.name())
}

// ---- helpers shared by the kinds ----

pub(crate) fn age(t: Option<&Time>, now: SimTime) -> String {
    translate_timestamp_since(t, now)
}

/// Milliseconds from `a` to `b`.
pub(crate) fn duration_between(a: &Time, b: &Time) -> i64 {
    b.0.as_millisecond() - a.0.as_millisecond()
}

/// `Quantity.String()` of a served quantity (the canonical form the API server stores).
pub(crate) fn quantity(q: Option<&K8sQuantity>) -> String {
    match q {
        None => "0".to_string(),
        Some(q) => match Quantity::parse(&q.0) {
            Ok(parsed) => parsed.to_string(),
            Err(_) => q.0.clone(),
        },
    }
}

/// `metav1.FormatLabelSelector`: `<none>` for a nil or empty selector, `<error>` for a bad one.
pub(crate) fn format_label_selector(sel: Option<&K8sLabelSelector>) -> String {
    match LabelSelector::from_k8s_opt(sel) {
        Err(_) => "<error>".to_string(),
        Ok(s) => {
            let text = s.to_string();
            if text.is_empty() {
                "<none>".to_string()
            } else {
                text
            }
        }
    }
}

/// `labels.FormatLabels` of an optional map.
pub(crate) fn format_labels_opt(map: Option<&BTreeMap<String, String>>) -> String {
    match map {
        Some(m) => super::table::format_labels(m),
        None => "<none>".to_string(),
    }
}

/// `IntOrString.String()`.
pub(crate) fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `layoutContainerCells`: comma-joined container names and images.
pub(crate) fn container_cells(
    containers: &[k8s_openapi::api::core::v1::Container],
) -> (String, String) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

/// `GetAccessModesAsString`: `RWO,ROX,RWX,RWOP` in that order, duplicates dropped.
pub(crate) fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.map(Vec::as_slice).unwrap_or(&[]);
    let has = |m: &str| modes.iter().any(|x| x == m);
    let mut out = Vec::new();
    for (mode, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if has(mode) {
            out.push(short);
        }
    }
    out.join(",")
}

/// Go's `%v` of a bool cell (`true` / `false`).
pub(crate) fn go_bool(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

/// `printBool`: `True` / `False`.
pub(crate) fn print_bool(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// `printBoolPtr`: `True` / `False` / `<unset>`.
pub(crate) fn print_bool_ptr(b: Option<bool>) -> String {
    match b {
        Some(b) => print_bool(b),
        None => "<unset>".to_string(),
    }
}
