//! Harness tests of the StatefulSet controller.
//!
//! - `fixture`: the upstream test fixture (`newStatefulSet`), a [`fixture::World`] that drives
//!   one set through the harness, stands in for the kubelet (Pending → Running → Ready,
//!   termination) and runs the invariant checks after every reconcile;
//! - `invariants`: upstream's `assert*Invariants` and the spec's §8 predicates over one
//!   reconcile (pre-state, recorded calls, post-state);
//! - `upstream`: one test per named scenario of `spec/upstream-invariants.md`;
//! - `traces`: the micro-traces T1–T12 of spec §2.7;
//! - `behaviour`: retention matrix, adoption/release, repairs, failures at every call count,
//!   events and error texts, the broken-controller canary.

mod behaviour;
mod fixture;
mod invariants;
mod traces;
mod upstream;
