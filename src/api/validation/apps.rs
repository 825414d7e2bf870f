//! Validation of `apps/v1` kinds: StatefulSet (spec rules V1–V15), Deployment, ReplicaSet,
//! DaemonSet, ControllerRevision.
