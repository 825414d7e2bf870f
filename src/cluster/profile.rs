//! Cluster profiles: what a cluster consists of, in kind's own config format
//! (`kind: Cluster`, `apiVersion: kind.x-k8s.io/v1alpha4`, kind's
//! `pkg/apis/config/v1alpha4/types.go`), plus stsim's extensions under a per-node `stsim:` key:
//!
//! ```yaml
//! kind: Cluster
//! apiVersion: kind.x-k8s.io/v1alpha4
//! nodes:
//! - role: control-plane
//! - role: worker
//!   labels: {disktype: ssd}
//!   stsim: {cpu: "4", memory: 8Gi, pods: 110, zone: zone-a}
//! ```
//!
//! A top-level `stsim:` key adds what kind does not have: zonal CSI drivers, for scenarios
//! about network disks (ext4 volumes with `lost+found`, attach to one node at a time):
//!
//! ```yaml
//! stsim:
//!   csiDrivers: [ebs.csi.aws.com]   # or pd.csi.storage.gke.io; their volumes are zonal, so
//! nodes:                            # give the workers a zone
//! - role: control-plane
//! - role: worker
//!   stsim: {zone: us-east-1a}
//! ```
//!
//! A driver runs its controller (provisioner, resizer); scenarios create their own
//! StorageClass for it (kind's `standard` class stays the default).
//!
//! Parsing is strict: an unknown field, a wrong type, an invalid label or quantity is an error
//! naming the file, line and column. kind fields that change nothing in the simulation
//! (images, mounts, port mappings, kubeadm and containerd patches, the API server address)
//! are accepted and listed in [`ClusterProfile::ignored`]; fields whose effect stsim cannot
//! reproduce (IPv6, another service subnet, no default CNI) are refused.
//!
//! Node names follow kind: `<cluster>-control-plane`, `<cluster>-control-plane2`, ...,
//! `<cluster>-worker`, `<cluster>-worker2`, .... Nodes register (and get their pod CIDR and
//! address) in kind's order: the first control plane, the other control planes, then the
//! workers, each in file order.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::api::names::{is_dns1123_subdomain, is_label_value, is_qualified_name};
use crate::api::quantity::Quantity;

/// kind's config API version.
pub const KIND_API_VERSION: &str = "kind.x-k8s.io/v1alpha4";

/// Why a cluster profile could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster profile {source_name}{}: {message}", location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ClusterProfileError {
    /// Where the text came from (a file name).
    pub source_name: String,
    /// Line and column (1-based), when known.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

/// A node's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the control plane; tainted `NoSchedule` unless it is the only node.
    ControlPlane,
    /// Runs workloads.
    Worker,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        })
    }
}

/// One node of the profile, with everything derived (name, CIDR, address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeProfile {
    /// `kind-worker2`.
    pub name: String,
    /// Control plane or worker.
    pub role: Role,
    /// Labels from the profile (the kubelet's `--node-labels`); the standard labels are added
    /// at bootstrap.
    pub labels: BTreeMap<String, String>,
    /// `status.capacity.cpu`, as the kubelet reports it.
    pub cpu: String,
    /// `status.capacity.memory` (`16777216Ki`).
    pub memory: String,
    /// `status.capacity.ephemeral-storage`.
    pub ephemeral_storage: String,
    /// `status.capacity.pods`.
    pub pods: u32,
    /// `topology.kubernetes.io/zone`, if any.
    pub zone: Option<String>,
    /// `topology.kubernetes.io/region`, if any.
    pub region: Option<String>,
    /// `kubernetes.io/arch`: `amd64` or `arm64`.
    pub arch: String,
    /// `status.addresses[InternalIP]`: `172.18.0.<n>` in registration order.
    pub internal_ip: String,
    /// `spec.podCIDR`: `10.244.<n>.0/24` in registration order.
    pub pod_cidr: String,
    /// Position in registration order, from 0.
    pub registration_index: usize,
}

/// A whole cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterProfile {
    /// The cluster name (`kind`): the node name prefix and the providerID's cluster.
    pub name: String,
    /// The nodes, in file order.
    pub nodes: Vec<NodeProfile>,
    /// `networking.podSubnet` (`10.244.0.0/16`).
    pub pod_subnet: String,
    /// `featureGates`, for the simulation to honour those it models.
    pub feature_gates: BTreeMap<String, bool>,
    /// Fields accepted but without effect in stsim, as `path: why` notes.
    pub ignored: Vec<String>,
    /// CSI drivers installed besides kind's local-path provisioner (`stsim.csiDrivers`), by
    /// driver name, in file order.
    pub csi_drivers: Vec<String>,
}

/// The CSI drivers a profile may install.
pub const KNOWN_CSI_DRIVERS: [&str; 2] = ["ebs.csi.aws.com", "pd.csi.storage.gke.io"];

/// The default profile: `kind create cluster` with one control plane and three workers.
pub const DEFAULT_PROFILE: &str = "\
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
- role: worker
- role: worker
- role: worker
";

/// Default capacity of a node: what a kind node reports on a typical 8-core, 16 GiB laptop
/// (every kind node reports the whole host).
const DEFAULT_CPU: &str = "8";
const DEFAULT_MEMORY: &str = "16Gi";
const DEFAULT_EPHEMERAL_STORAGE: &str = "100Gi";
const DEFAULT_PODS: u32 = 110;

// ----- the file format -----

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterFile {
    kind: Option<KindField>,
    api_version: Option<ApiVersionField>,
    name: Option<ClusterName>,
    #[serde(default)]
    nodes: Option<Vec<NodeFile>>,
    #[serde(default)]
    networking: Option<NetworkingFile>,
    #[serde(default)]
    feature_gates: BTreeMap<String, bool>,
    #[serde(default)]
    runtime_config: BTreeMap<String, String>,
    #[serde(default)]
    kubeadm_config_patches: Vec<String>,
    #[serde(default, rename = "kubeadmConfigPatchesJSON6902")]
    kubeadm_config_patches_json6902: Vec<PatchJson6902>,
    #[serde(default)]
    containerd_config_patches: Vec<String>,
    #[serde(default, rename = "containerdConfigPatchesJSON6902")]
    containerd_config_patches_json6902: Vec<String>,
    /// stsim's cluster-wide extension.
    stsim: Option<ClusterExtension>,
}

/// The top-level `stsim:` extension.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterExtension {
    #[serde(default)]
    csi_drivers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NodeFile {
    role: Option<Role>,
    image: Option<String>,
    #[serde(default)]
    labels: Option<NodeLabels>,
    #[serde(default)]
    extra_mounts: Vec<Mount>,
    #[serde(default)]
    extra_port_mappings: Vec<PortMapping>,
    gpus: Option<String>,
    #[serde(default)]
    kubeadm_config_patches: Vec<String>,
    #[serde(default, rename = "kubeadmConfigPatchesJSON6902")]
    kubeadm_config_patches_json6902: Vec<PatchJson6902>,
    /// stsim's extension.
    stsim: Option<NodeExtension>,
}

/// The per-node `stsim:` extension.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NodeExtension {
    cpu: Option<QuantityField>,
    memory: Option<QuantityField>,
    ephemeral_storage: Option<QuantityField>,
    pods: Option<u32>,
    zone: Option<LabelValue>,
    region: Option<LabelValue>,
    arch: Option<Arch>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Arch {
    Amd64,
    Arm64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NetworkingFile {
    ip_family: Option<String>,
    api_server_port: Option<i32>,
    api_server_address: Option<String>,
    pod_subnet: Option<String>,
    service_subnet: Option<String>,
    #[serde(rename = "disableDefaultCNI")]
    disable_default_cni: Option<bool>,
    kube_proxy_mode: Option<String>,
    dns_search: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct Mount {
    container_path: Option<String>,
    host_path: Option<String>,
    read_only: Option<bool>,
    selinux_relabel: Option<bool>,
    propagation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct PortMapping {
    container_port: Option<i32>,
    host_port: Option<i32>,
    listen_address: Option<String>,
    protocol: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PatchJson6902 {
    group: String,
    version: String,
    kind: String,
    patch: String,
}

/// Deserializes a string and checks it inside the deserializer's own `visit_str`, so that an
/// error carries the scalar's line and column (an error raised after `deserialize` returns
/// would point at the enclosing mapping).
fn checked_str<'de, D, T>(
    d: D,
    check: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<F>(F);
    impl<'de, T, F: FnOnce(&str) -> Result<T, String>> de::Visitor<'de> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v).map_err(E::custom)
        }
    }
    d.deserialize_str(V(check))
}

/// `kind: Cluster`, checked where it is read so that the error has its line.
struct KindField;

impl<'de> Deserialize<'de> for KindField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |s| {
            if s == "Cluster" {
                Ok(KindField)
            } else {
                Err(format!("unknown kind {s:?} (expected \"Cluster\")"))
            }
        })
    }
}

/// `apiVersion: kind.x-k8s.io/v1alpha4`.
struct ApiVersionField;

impl<'de> Deserialize<'de> for ApiVersionField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |s| {
            if s == KIND_API_VERSION {
                Ok(ApiVersionField)
            } else {
                Err(format!(
                    "unknown apiVersion {s:?} (expected {KIND_API_VERSION:?})"
                ))
            }
        })
    }
}

/// A cluster name, as kind validates it (`^[a-z0-9.-]+$`, at most 50 characters).
struct ClusterName(String);

impl<'de> Deserialize<'de> for ClusterName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |s| {
            let valid = !s.is_empty()
                && s.len() <= 50
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                });
            if valid {
                Ok(ClusterName(s.to_string()))
            } else {
                Err(format!(
                    "'{s}' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$` and be at most 50 characters"
                ))
            }
        })
    }
}

/// A positive quantity given as a string or a number.
struct QuantityField(Quantity);

fn check_quantity(s: &str) -> Result<QuantityField, String> {
    let q = Quantity::parse(s.trim()).map_err(|e| format!("invalid quantity {s:?}: {e}"))?;
    if q.sign() <= 0 {
        return Err(format!("invalid quantity {s:?}: must be greater than 0"));
    }
    Ok(QuantityField(q))
}

impl<'de> Deserialize<'de> for QuantityField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = QuantityField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity (a string such as \"16Gi\", or a number)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QuantityField, E> {
                check_quantity(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuantityField, E> {
                check_quantity(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuantityField, E> {
                check_quantity(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A label value (zone and region names).
struct LabelValue(String);

fn check_label_value(s: &str, allow_empty: bool) -> Result<String, String> {
    if s.is_empty() && !allow_empty {
        return Err(format!("invalid value {s:?}: must not be empty"));
    }
    let errs = is_label_value(s);
    if errs.is_empty() {
        Ok(s.to_string())
    } else {
        Err(format!("invalid value {s:?}: {}", errs.join("; ")))
    }
}

impl<'de> Deserialize<'de> for LabelValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |s| check_label_value(s, false).map(LabelValue))
    }
}

/// Labels the kubelet may set on its own node with `--node-labels` (kubelet's
/// `KubeletLabels` / `KubeletLabelNamespaces`).
const KUBELET_LABELS: [&str; 11] = [
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch",
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
];

/// True for labels in the `kubernetes.io` / `k8s.io` namespaces that a kubelet may not set on
/// itself (`IsForbiddenNodeLabel` in the kubelet's flag validation).
fn is_forbidden_node_label(key: &str) -> bool {
    let Some((prefix, _)) = key.split_once('/') else {
        return false;
    };
    let in_k8s_namespace = prefix == "kubernetes.io"
        || prefix.ends_with(".kubernetes.io")
        || prefix == "k8s.io"
        || prefix.ends_with(".k8s.io");
    if !in_k8s_namespace || KUBELET_LABELS.contains(&key) {
        return false;
    }
    let allowed_namespace = ["kubelet.kubernetes.io", "node.kubernetes.io"]
        .iter()
        .any(|ns| prefix == *ns || prefix.ends_with(&format!(".{ns}")));
    !allowed_namespace
}

/// A label key: a qualified name the kubelet may set (the kubelet refuses to start otherwise).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct LabelKey(String);

impl<'de> Deserialize<'de> for LabelKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |k| {
            let errs = is_qualified_name(k);
            if !errs.is_empty() {
                return Err(format!("Invalid value: {k:?}: {}", errs.join("; ")));
            }
            if is_forbidden_node_label(k) {
                return Err(format!(
                    "unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [{k}]; --node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set ({})",
                    KUBELET_LABELS.join(", ")
                ));
            }
            Ok(LabelKey(k.to_string()))
        })
    }
}

/// A label value in `labels` (may be empty).
struct LabelText(String);

impl<'de> Deserialize<'de> for LabelText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_str(d, |v| check_label_value(v, true).map(LabelText))
    }
}

/// A node's `labels`, checked as the API server and the kubelet would.
struct NodeLabels(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for NodeLabels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let labels = BTreeMap::<LabelKey, LabelText>::deserialize(d)?;
        Ok(NodeLabels(
            labels.into_iter().map(|(k, v)| (k.0, v.0)).collect(),
        ))
    }
}

// ----- building the profile -----

/// A parsed IPv4 CIDR.
fn parse_ipv4_cidr(s: &str) -> Option<([u8; 4], u8)> {
    let (addr, prefix) = s.split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let parts: Vec<u8> = addr
        .split('.')
        .map(|p| p.parse::<u8>().ok())
        .collect::<Option<Vec<_>>>()?;
    let octets: [u8; 4] = parts.try_into().ok()?;
    Some((octets, prefix))
}

/// The `index`-th /24 of `base`/`prefix` (the node IPAM controller's allocation).
fn node_cidr(base: [u8; 4], prefix: u8, index: usize) -> String {
    let base =
        u32::from_be_bytes(base) & (u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0));
    let net = base + ((index as u32) << 8);
    let o = net.to_be_bytes();
    format!("{}.{}.{}.{}/24", o[0], o[1], o[2], o[3])
}

/// The kubelet's way of reporting a byte quantity: whole KiB as `<n>Ki`, else bytes.
fn kubelet_bytes(q: &Quantity) -> String {
    let v = q.value();
    if v % 1024 == 0 {
        format!("{}Ki", v / 1024)
    } else {
        v.to_string()
    }
}

fn line_col(e: &serde_yaml::Error) -> Option<(usize, usize)> {
    e.location().map(|l| (l.line(), l.column()))
}

/// The 1-based line of the first `key:` at the start of a line (ignoring indentation), for
/// errors found after parsing.
fn line_of_key(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start().trim_start_matches("- ");
        trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'))
            .then(|| (i + 1, line.len() - trimmed.len() + 1))
    })
}

impl ClusterProfile {
    /// The default profile (one control plane, three workers).
    pub fn default_kind() -> ClusterProfile {
        ClusterProfile::parse("built-in default", DEFAULT_PROFILE)
            .expect("the built-in default cluster profile parses")
    }

    /// Parses a profile. `source_name` names the text in errors (a file name).
    pub fn parse(source_name: &str, text: &str) -> Result<ClusterProfile, ClusterProfileError> {
        let err = |location: Option<(usize, usize)>, message: String| ClusterProfileError {
            source_name: source_name.to_string(),
            location,
            message,
        };
        let file: ClusterFile = serde_yaml::from_str(text).map_err(|e| {
            let location = line_col(&e);
            let mut message = e.to_string();
            // serde_yaml appends the location; it is already in the prefix.
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            err(location, message)
        })?;
        if file.kind.is_none() {
            return Err(err(
                None,
                "kind: required value (expected \"Cluster\")".into(),
            ));
        }
        if file.api_version.is_none() {
            return Err(err(
                None,
                format!("apiVersion: required value (expected {KIND_API_VERSION:?})"),
            ));
        }
        let mut ignored = Vec::new();
        let mut note = |path: String, why: &str| ignored.push(format!("{path}: {why}"));
        if !file.runtime_config.is_empty() {
            note("runtimeConfig".into(), "no alpha APIs in stsim");
        }
        if !file.kubeadm_config_patches.is_empty()
            || !file.kubeadm_config_patches_json6902.is_empty()
        {
            note("kubeadmConfigPatches".into(), "kubeadm is not run");
        }
        if !file.containerd_config_patches.is_empty()
            || !file.containerd_config_patches_json6902.is_empty()
        {
            note("containerdConfigPatches".into(), "containerd is not run");
        }
        let mut csi_drivers: Vec<String> = Vec::new();
        for d in file.stsim.map(|e| e.csi_drivers).unwrap_or_default() {
            if !KNOWN_CSI_DRIVERS.contains(&d.as_str()) {
                return Err(err(
                    line_of_key(text, "csiDrivers"),
                    format!(
                        "stsim.csiDrivers: unsupported driver {d:?} (supported: {})",
                        KNOWN_CSI_DRIVERS.join(", ")
                    ),
                ));
            }
            if csi_drivers.contains(&d) {
                return Err(err(
                    line_of_key(text, "csiDrivers"),
                    format!("stsim.csiDrivers: duplicate driver {d:?}"),
                ));
            }
            csi_drivers.push(d);
        }
        let name = file.name.map_or_else(|| "kind".to_string(), |n| n.0);
        let mut pod_subnet = "10.244.0.0/16".to_string();
        if let Some(net) = &file.networking {
            let at = line_of_key(text, "networking");
            if let Some(f) = net.ip_family.as_deref().filter(|f| *f != "ipv4") {
                return Err(err(
                    at,
                    format!("networking.ipFamily: {f:?} is not supported by stsim (ipv4 only)"),
                ));
            }
            if let Some(s) = net
                .service_subnet
                .as_deref()
                .filter(|s| *s != "10.96.0.0/16")
            {
                return Err(err(
                    line_of_key(text, "serviceSubnet").or(at),
                    format!(
                        "networking.serviceSubnet: {s:?} is not supported by stsim (only the default 10.96.0.0/16)"
                    ),
                ));
            }
            if net.disable_default_cni == Some(true) {
                return Err(err(
                    line_of_key(text, "disableDefaultCNI").or(at),
                    "networking.disableDefaultCNI: not supported by stsim (nodes would stay NotReady until a CNI is installed)".into(),
                ));
            }
            if let Some(s) = &net.pod_subnet {
                match parse_ipv4_cidr(s) {
                    Some((_, prefix)) if prefix <= 24 => pod_subnet = s.clone(),
                    _ => {
                        return Err(err(
                            line_of_key(text, "podSubnet").or(at),
                            format!(
                                "networking.podSubnet: {s:?} must be an IPv4 CIDR of /24 or larger"
                            ),
                        ));
                    }
                }
            }
            if net.api_server_port.is_some() || net.api_server_address.is_some() {
                note(
                    "networking.apiServerAddress/apiServerPort".into(),
                    "no host networking",
                );
            }
            if net.kube_proxy_mode.is_some() || net.dns_search.is_some() {
                note("networking.kubeProxyMode/dnsSearch".into(), "not modelled");
            }
        }
        let (base, prefix) = parse_ipv4_cidr(&pod_subnet).expect("validated above");

        let nodes_file = file.nodes.filter(|n| !n.is_empty()).unwrap_or_else(|| {
            vec![NodeFile {
                role: Some(Role::ControlPlane),
                image: None,
                labels: None,
                extra_mounts: vec![],
                extra_port_mappings: vec![],
                gpus: None,
                kubeadm_config_patches: vec![],
                kubeadm_config_patches_json6902: vec![],
                stsim: None,
            }]
        });
        let nodes_at = line_of_key(text, "nodes");
        if !nodes_file
            .iter()
            .any(|n| n.role.unwrap_or(Role::ControlPlane) == Role::ControlPlane)
        {
            return Err(err(
                nodes_at,
                "nodes: must have at least one control-plane node".into(),
            ));
        }
        let capacity = 1usize << (24 - prefix);
        if nodes_file.len() > capacity.min(253) {
            return Err(err(
                nodes_at,
                format!(
                    "nodes: {} nodes do not fit: the pod subnet {pod_subnet} holds {} node CIDRs and the node network 253 addresses",
                    nodes_file.len(),
                    capacity
                ),
            ));
        }

        // Names per role in file order; registration: first control plane, other control
        // planes, workers.
        let mut counters: BTreeMap<Role, usize> = BTreeMap::new();
        let mut named: Vec<(usize, Role, String)> = Vec::new();
        for (i, n) in nodes_file.iter().enumerate() {
            let role = n.role.unwrap_or(Role::ControlPlane);
            let c = counters.entry(role).or_insert(0);
            *c += 1;
            let suffix = if *c == 1 {
                String::new()
            } else {
                c.to_string()
            };
            named.push((i, role, format!("{name}-{role}{suffix}")));
        }
        let mut order: Vec<usize> = (0..named.len()).collect();
        order.sort_by_key(|i| (named[*i].1, *i));
        let mut registration = vec![0usize; named.len()];
        for (pos, i) in order.iter().enumerate() {
            registration[*i] = pos;
        }
        if let Some((_, _, n)) = named
            .iter()
            .find(|(_, _, n)| !is_dns1123_subdomain(n).is_empty())
        {
            return Err(err(
                None,
                format!("name: node name {n:?} is not a valid DNS subdomain"),
            ));
        }

        let mut nodes = Vec::new();
        for (i, n) in nodes_file.into_iter().enumerate() {
            let (_, role, node_name) = named[i].clone();
            let path = format!("nodes[{i}]");
            if n.image.is_some() {
                note(
                    format!("{path}.image"),
                    "stsim models Kubernetes v1.35 whatever the image",
                );
            }
            if !n.extra_mounts.is_empty() || !n.extra_port_mappings.is_empty() || n.gpus.is_some() {
                note(
                    format!("{path}.extraMounts/extraPortMappings/gpus"),
                    "no host access",
                );
            }
            if !n.kubeadm_config_patches.is_empty() || !n.kubeadm_config_patches_json6902.is_empty()
            {
                note(format!("{path}.kubeadmConfigPatches"), "kubeadm is not run");
            }
            let labels = n.labels.map(|l| l.0).unwrap_or_default();
            let ext = n.stsim;
            let zone = ext
                .as_ref()
                .and_then(|e| e.zone.as_ref())
                .map(|z| z.0.clone());
            let region = ext
                .as_ref()
                .and_then(|e| e.region.as_ref())
                .map(|r| r.0.clone());
            for (label, value) in [
                ("topology.kubernetes.io/zone", &zone),
                ("topology.kubernetes.io/region", &region),
            ] {
                if let (Some(v), Some(l)) = (value, labels.get(label))
                    && v != l
                {
                    return Err(err(
                        None,
                        format!(
                            "{path}: stsim.{} {v:?} contradicts label {label}={l:?}",
                            label.rsplit('/').next().unwrap_or(label)
                        ),
                    ));
                }
            }
            let zone = zone.or_else(|| labels.get("topology.kubernetes.io/zone").cloned());
            let region = region.or_else(|| labels.get("topology.kubernetes.io/region").cloned());
            let quantity = |q: Option<&QuantityField>, default: &str| {
                q.map(|q| q.0.clone())
                    .unwrap_or_else(|| Quantity::parse(default).expect("default quantities parse"))
            };
            let cpu = quantity(ext.as_ref().and_then(|e| e.cpu.as_ref()), DEFAULT_CPU);
            let memory = quantity(ext.as_ref().and_then(|e| e.memory.as_ref()), DEFAULT_MEMORY);
            let storage = quantity(
                ext.as_ref().and_then(|e| e.ephemeral_storage.as_ref()),
                DEFAULT_EPHEMERAL_STORAGE,
            );
            let pods = ext.as_ref().and_then(|e| e.pods).unwrap_or(DEFAULT_PODS);
            if pods == 0 {
                return Err(err(
                    None,
                    format!("{path}.stsim.pods: must be greater than 0"),
                ));
            }
            let arch = match ext.as_ref().and_then(|e| e.arch) {
                Some(Arch::Arm64) => "arm64",
                _ => "amd64",
            };
            let index = registration[i];
            nodes.push(NodeProfile {
                name: node_name,
                role,
                labels,
                cpu: cpu.canonical(),
                memory: kubelet_bytes(&memory),
                ephemeral_storage: kubelet_bytes(&storage),
                pods,
                zone,
                region,
                arch: arch.to_string(),
                internal_ip: format!("172.18.0.{}", index + 2),
                pod_cidr: node_cidr(base, prefix, index),
                registration_index: index,
            });
        }
        Ok(ClusterProfile {
            name,
            nodes,
            pod_subnet,
            feature_gates: file.feature_gates,
            ignored,
            csi_drivers,
        })
    }

    /// The nodes in registration order.
    pub fn nodes_in_registration_order(&self) -> Vec<&NodeProfile> {
        let mut v: Vec<&NodeProfile> = self.nodes.iter().collect();
        v.sort_by_key(|n| n.registration_index);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClusterProfile, String> {
        ClusterProfile::parse("cluster.yaml", text).map_err(|e| e.to_string())
    }

    #[test]
    fn csi_drivers_are_known_names_listed_once() {
        let head = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n";
        let p = parse(&format!(
            "{head}stsim:\n  csiDrivers: [ebs.csi.aws.com, pd.csi.storage.gke.io]\n"
        ))
        .unwrap();
        assert_eq!(p.csi_drivers, ["ebs.csi.aws.com", "pd.csi.storage.gke.io"]);
        assert!(ClusterProfile::default_kind().csi_drivers.is_empty());
        assert_eq!(
            parse(&format!(
                "{head}stsim:\n  csiDrivers: [disk.csi.azure.com]\n"
            ))
            .unwrap_err(),
            "cluster profile cluster.yaml:4:3: stsim.csiDrivers: unsupported driver \"disk.csi.azure.com\" (supported: ebs.csi.aws.com, pd.csi.storage.gke.io)"
        );
        assert!(
            parse(&format!(
                "{head}stsim:\n  csiDrivers: [ebs.csi.aws.com, ebs.csi.aws.com]\n"
            ))
            .unwrap_err()
            .ends_with("stsim.csiDrivers: duplicate driver \"ebs.csi.aws.com\"")
        );
        assert!(
            parse(&format!("{head}stsim:\n  storage: ebs\n"))
                .unwrap_err()
                .contains("unknown field `storage`")
        );
    }

    #[test]
    fn the_default_profile_is_kind_with_three_workers() {
        let p = ClusterProfile::default_kind();
        assert_eq!(p.name, "kind");
        let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "kind-control-plane",
                "kind-worker",
                "kind-worker2",
                "kind-worker3"
            ]
        );
        let cidrs: Vec<&str> = p.nodes.iter().map(|n| n.pod_cidr.as_str()).collect();
        assert_eq!(
            cidrs,
            [
                "10.244.0.0/24",
                "10.244.1.0/24",
                "10.244.2.0/24",
                "10.244.3.0/24"
            ]
        );
        assert_eq!(p.nodes[0].internal_ip, "172.18.0.2");
        assert_eq!(p.nodes[3].internal_ip, "172.18.0.5");
        assert_eq!(p.nodes[1].memory, "16777216Ki");
        assert_eq!(p.nodes[1].cpu, "8");
        assert_eq!(p.nodes[1].pods, 110);
        assert!(p.ignored.is_empty());
    }

    #[test]
    fn a_custom_profile_has_labels_zones_capacity_and_kind_names() {
        let p = parse(
            "kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: lab
nodes:
- role: worker
  labels:
    disktype: ssd
    topology.kubernetes.io/zone: zone-b
- role: control-plane
- role: worker
  stsim: {cpu: 4, memory: 8Gi, pods: 30, zone: zone-a, region: eu, arch: arm64}
- role: control-plane
  image: kindest/node:v1.35.0
networking:
  podSubnet: 10.200.0.0/16
featureGates:
  MaxUnavailableStatefulSet: false
",
        )
        .unwrap();
        let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "lab-worker",
                "lab-control-plane",
                "lab-worker2",
                "lab-control-plane2"
            ]
        );
        let order: Vec<&str> = p
            .nodes_in_registration_order()
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "lab-control-plane",
                "lab-control-plane2",
                "lab-worker",
                "lab-worker2"
            ]
        );
        assert_eq!(p.nodes[1].pod_cidr, "10.200.0.0/24");
        assert_eq!(p.nodes[0].pod_cidr, "10.200.2.0/24");
        assert_eq!(p.nodes[0].zone.as_deref(), Some("zone-b"));
        assert_eq!(p.nodes[0].labels["disktype"], "ssd");
        let w2 = &p.nodes[2];
        assert_eq!(
            (w2.cpu.as_str(), w2.memory.as_str(), w2.pods),
            ("4", "8388608Ki", 30)
        );
        assert_eq!(w2.zone.as_deref(), Some("zone-a"));
        assert_eq!(w2.region.as_deref(), Some("eu"));
        assert_eq!(w2.arch, "arm64");
        assert!(!p.feature_gates["MaxUnavailableStatefulSet"]);
        assert_eq!(
            p.ignored,
            ["nodes[3].image: stsim models Kubernetes v1.35 whatever the image"]
        );
    }

    #[test]
    fn no_nodes_means_one_control_plane_without_workers() {
        let p = parse("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n").unwrap();
        assert_eq!(p.nodes.len(), 1);
        assert_eq!(p.nodes[0].name, "kind-control-plane");
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let unknown = parse(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n  rol: x\n",
        )
        .unwrap_err();
        assert!(
            unknown.starts_with("cluster profile cluster.yaml:5:")
                && unknown.contains("unknown field `rol`"),
            "{unknown}"
        );
        let role =
            parse("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: master\n")
                .unwrap_err();
        assert!(
            role.starts_with("cluster profile cluster.yaml:4:")
                && role.contains("unknown variant `master`"),
            "{role}"
        );
        let api = parse("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n").unwrap_err();
        assert!(api.starts_with("cluster profile cluster.yaml:2:"), "{api}");
        assert!(
            api.contains("unknown apiVersion \"kind.x-k8s.io/v1alpha3\""),
            "{api}"
        );
        let qty = parse(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  stsim:\n    memory: lots\n",
        )
        .unwrap_err();
        assert!(
            qty.starts_with("cluster profile cluster.yaml:6:13: nodes[0].stsim.memory: invalid quantity \"lots\""),
            "{qty}"
        );
        assert!(qty.contains("invalid quantity \"lots\""), "{qty}");
        let label = parse(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  labels:\n    node-role.kubernetes.io/worker: \"\"\n",
        )
        .unwrap_err();
        assert!(
            label.starts_with("cluster profile cluster.yaml:6:5: nodes[0].labels: unknown"),
            "{label}"
        );
        assert!(
            label.contains("unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [node-role.kubernetes.io/worker]"),
            "{label}"
        );
        let no_cp =
            parse("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: worker\n")
                .unwrap_err();
        assert_eq!(
            no_cp,
            "cluster profile cluster.yaml:3:1: nodes: must have at least one control-plane node"
        );
        let v6 = parse(
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  ipFamily: ipv6\n",
        )
        .unwrap_err();
        assert!(
            v6.contains("networking.ipFamily: \"ipv6\" is not supported"),
            "{v6}"
        );
        let missing = parse("nodes: []\n").unwrap_err();
        assert_eq!(
            missing,
            "cluster profile cluster.yaml: kind: required value (expected \"Cluster\")"
        );
    }
}
