//! Validation of `apps/v1` kinds (`pkg/apis/apps/validation`): StatefulSet (spec rules
//! V1–V15), Deployment, ReplicaSet, DaemonSet, ControllerRevision.

use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet};

use super::ValidationOptions;
use crate::api::field::FieldError;

macro_rules! stub {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "` (not implemented yet).")]
            pub fn $name($($arg: $ty,)* opts: &ValidationOptions) -> Vec<FieldError> {
                let _ = ($($arg,)* opts);
                vec![]
            }
        )*
    };
}

stub! {
    validate_stateful_set(s: &StatefulSet);
    validate_stateful_set_update(new: &StatefulSet, old: &StatefulSet);
    validate_stateful_set_status_update(new: &StatefulSet, old: &StatefulSet);
    validate_deployment(d: &Deployment);
    validate_deployment_update(new: &Deployment, old: &Deployment);
    validate_deployment_status_update(new: &Deployment, old: &Deployment);
    validate_replica_set(r: &ReplicaSet);
    validate_replica_set_update(new: &ReplicaSet, old: &ReplicaSet);
    validate_replica_set_status_update(new: &ReplicaSet, old: &ReplicaSet);
    validate_daemon_set(d: &DaemonSet);
    validate_daemon_set_update(new: &DaemonSet, old: &DaemonSet);
    validate_daemon_set_status_update(new: &DaemonSet, old: &DaemonSet);
    validate_controller_revision(c: &ControllerRevision);
    validate_controller_revision_update(new: &ControllerRevision, old: &ControllerRevision);
}
