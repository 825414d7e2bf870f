//! The integration test binary. One module per surface:
//!
//! - `validate`: `stsim validate` end to end (the binary, its stdout, stderr and exit codes) on
//!   the broken-manifest fixtures and on every seed model's manifests.
//! - `transcripts`: the real "StatefulSet Basics" transcripts reproduced through the library:
//!   per-pod state sequences and cross-pod order.
//! - `node_failure`: a lost node, its Terminating pods, force delete and node-local volumes.
//! - `durability`: committed psql rows survive pod deletions, crashes, node stops, scaling and
//!   set recreation; claim deletion and `whenScaled: Delete` lose them.
//! - `client_pods`: client pods of server images (`kubectl run --image=postgres -- psql ...`,
//!   `--image=redis -- redis-cli ...`).
//! - `manifest_fuzz`: random bytes and random YAML into the manifest loader and decoder never
//!   panic.

mod client_pods;
mod durability;
mod manifest_fuzz;
mod node_failure;
mod support;
mod transcripts;
mod validate;
