//! stsim: an offline, deterministic simulator of Kubernetes StatefulSets.
//!
//! Module map (a module uses only those listed after it):
//!
//! - [`cli`]: the `stsim` command line (the only place that prints or exits).
//! - [`kubectl`]: kubectl's wording of results and errors.
//! - [`printers`]: kubectl's `-o yaml` and `-o json` output, byte for byte.
//! - [`manifest`]: reading YAML/JSON manifests from files, directories and stdin, strictly.
//! - [`cluster`]: the objects a fresh (kind) cluster starts with.
//! - [`controllers`]: reconcilers: garbage collector, namespace controller, service accounts,
//!   PVC/PV protection, Deployment, ReplicaSet, Endpoints, EndpointSlice.
//! - [`dns`]: cluster DNS as data: what CoreDNS answers for a name, from Services and
//!   EndpointSlices, with its cache and informer delay.
//! - [`sim`]: the simulation loop: controllers woken by watch events after their reaction
//!   latency, timing profiles, Kubernetes Events.
//! - [`apiserver`]: the simulated API server: object tables, resourceVersions, watch stream,
//!   admission (defaulting + validation), patches, deletion, finalizers.
//! - [`engine`]: virtual time, the event queue, the seeded RNG, bounded runs.
//! - [`api`]: the object model (`k8s-openapi` types), selectors, defaulting and validation.
//!
//! Start with [`sim::Sim`] or [`apiserver::ApiServer`] for the library API, or
//! `stsim validate` on the command line. See `docs/determinism.md` for the rules that make
//! every run reproducible from its seed.

pub mod api;
pub mod apiserver;
pub mod apps;
pub mod cli;
pub mod cluster;
pub mod controllers;
pub mod dns;
pub mod engine;
pub mod exec;
pub mod invariants;
pub mod kubectl;
pub mod kubelet;
pub mod manifest;
pub mod printers;
pub mod scenario;
pub mod sim;
pub mod store;
