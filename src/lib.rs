//! stsim: an offline, deterministic simulator of Kubernetes StatefulSets.
//!
//! Module map (dependencies point downward only):
//!
//! - [`cli`]: the `stsim` command line (the only place that prints or exits).
//! - [`manifest`]: reading YAML/JSON manifests from files, directories and stdin, strictly.
//! - [`apiserver`]: the simulated API server: object tables, resourceVersions, watch stream,
//!   admission (defaulting + validation), patches, deletion, finalizers, garbage collection.
//! - [`engine`]: virtual time, the event queue, the seeded RNG, bounded runs.
//! - [`api`]: the object model (`k8s-openapi` types), selectors, defaulting and validation.
//!
//! Start with [`apiserver::ApiServer`] for the library API, or `stsim validate` on the command
//! line.

pub mod api;
pub mod apiserver;
pub mod cli;
pub mod cluster;
pub mod controllers;
pub mod engine;
pub mod kubectl;
pub mod manifest;
pub mod printers;
