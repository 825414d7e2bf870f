//! Faults a scenario injects with `stsim` directives (`design.md` §3): what a real cluster
//! would need a second tool for. Each is a change to the [`Environment`](super::Environment)
//! (or a request the kubelet acts on); [`apply`] makes it and wakes what must notice.

use std::fmt;

use crate::engine::{RunEnd, SimDuration};

use super::Sim;

/// One fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The node's machine stops: no kubelet, no heartbeats, its containers stop running.
    NodeStop(String),
    /// The node's machine starts again.
    NodeStart(String),
    /// The main process of a container dies (`signal` set: killed by it, exit 128+n;
    /// otherwise it exits with `code`).
    Crash {
        /// Namespace of the pod.
        namespace: String,
        /// The pod.
        pod: String,
        /// The container (`None`: the pod's first container).
        container: Option<String>,
        /// The exit code when not killed by a signal.
        code: i32,
    },
    /// Every node-local disk of the node is lost (hostPath and local-path volumes, emptyDirs).
    DiskLoss(String),
    /// Virtual time moves on by this much (the same as `sleep`).
    Advance(SimDuration),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::NodeStop(n) => write!(f, "node {n} stopped"),
            Fault::NodeStart(n) => write!(f, "node {n} started"),
            Fault::Crash {
                namespace,
                pod,
                container,
                code,
            } => match container {
                Some(c) => write!(
                    f,
                    "container {c} of pod {namespace}/{pod} crashed (exit {code})"
                ),
                None => write!(f, "pod {namespace}/{pod} crashed (exit {code})"),
            },
            Fault::DiskLoss(n) => write!(f, "node {n} lost its disks"),
            Fault::Advance(d) => write!(f, "clock advanced by {d}"),
        }
    }
}

/// A crash the kubelet of the pod's node carries out at its next sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashRequest {
    /// Namespace of the pod.
    pub namespace: String,
    /// The pod.
    pub pod: String,
    /// The container (`None`: the first).
    pub container: Option<String>,
    /// Exit code.
    pub code: i32,
}

/// Why a fault could not be applied (the message names what is missing).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultError(pub String);

/// Applies `fault` to the simulation at its current instant.
pub fn apply(sim: &mut Sim, fault: &Fault, steps_max: u64) -> Result<(), FaultError> {
    match fault {
        Fault::NodeStop(node) | Fault::NodeStart(node) | Fault::DiskLoss(node) => {
            if crate::cluster::node_names(sim.api())
                .iter()
                .all(|n| n != node)
            {
                return Err(FaultError(format!("node \"{node}\" not found")));
            }
            match fault {
                Fault::NodeStop(_) => {
                    let now = sim.now();
                    let env = sim.env_mut();
                    // The kernel goes with the machine: what servers had not fsynced is lost.
                    for key in env.world.processes_on(node) {
                        crate::apps::redis::node_crash(&mut env.world, &key, now);
                    }
                    env.nodes_down.insert(node.clone());
                    env.world.kill_node_processes(node);
                }
                Fault::NodeStart(_) => {
                    sim.env_mut().nodes_down.remove(node);
                }
                _ => sim.env_mut().lose_disks(node),
            }
            Ok(())
        }
        Fault::Crash {
            namespace,
            pod,
            container,
            code,
        } => {
            let key = crate::api::ObjectKey::new(crate::api::Kind::Pod, namespace, pod);
            let Ok(obj) = sim.api().get(&key) else {
                return Err(FaultError(format!("pods \"{pod}\" not found")));
            };
            let node = match obj.as_ref() {
                crate::api::Object::Pod(p) => p.spec.as_ref().and_then(|s| s.node_name.clone()),
                _ => None,
            };
            let Some(node) = node else {
                return Err(FaultError(format!(
                    "pod {namespace}/{pod} is not running on a node"
                )));
            };
            sim.env_mut().crashes.push(CrashRequest {
                namespace: namespace.clone(),
                pod: pod.clone(),
                container: container.clone(),
                code: *code,
            });
            sim.poke(&format!("kubelet-{node}"), key);
            Ok(())
        }
        Fault::Advance(d) => match sim.run_for(*d, steps_max) {
            RunEnd::StepLimit { .. } => Err(FaultError(format!(
                "the cluster did not settle: more than {steps_max} reconciles within {d}"
            ))),
            _ => Ok(()),
        },
    }
}
