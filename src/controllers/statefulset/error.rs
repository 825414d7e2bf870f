//! Errors of one StatefulSet sync, worded as upstream words them: these texts end up in
//! `FailedCreate`/`FailedUpdate` events and in the controller's error log, where learners read
//! them.
//!
//! Upstream builds most of these with `fmt.Errorf` and aggregates several with
//! `utilerrors.NewAggregate`; [`SyncError::Aggregate`] reproduces the aggregate's message
//! (duplicates dropped, `[a, b]` for more than one).

use std::collections::BTreeSet;
use std::fmt;

use crate::apiserver::ApiError;

/// Why a sync (or one step of it) failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncError {
    /// An API call failed; the message is the API server's.
    Api(ApiError),
    /// `createPersistentVolumeClaims`: creating a claim failed.
    ClaimCreateFailed {
        /// The claim's name.
        claim: String,
        /// What the API server said.
        source: ApiError,
    },
    /// `createPersistentVolumeClaims`: the claim exists but carries a deletionTimestamp.
    ClaimTerminating {
        /// The claim's name.
        claim: String,
    },
    /// `UpdatePodClaimForRetentionPolicy`: writing the claim's owner references failed.
    ClaimUpdateFailed {
        /// The claim's name.
        claim: String,
        /// What the API server said.
        source: ApiError,
    },
    /// `AdoptPod`: the set may not adopt (it is gone, replaced, or being deleted).
    PodNotAdopted {
        /// `namespace/name` of the pod.
        pod: String,
        /// The pod's uid.
        uid: String,
        /// Why adoption is not allowed.
        reason: String,
    },
    /// `adoptOrphanRevisions`: the set may not adopt.
    RevisionsNotAdopted {
        /// Why adoption is not allowed.
        reason: String,
    },
    /// `AdoptControllerRevision` on a revision that already has a controller.
    RevisionOwned {
        /// The revision's name.
        revision: String,
    },
    /// A ControllerRevision's data cannot be applied to the set (`ApplyRevision`).
    RevisionData {
        /// The revision's name.
        revision: String,
        /// What was wrong.
        detail: String,
    },
    /// `getStatefulSetMaxUnavailable`: the value is neither an integer nor a percentage.
    MaxUnavailable {
        /// The offending value.
        value: String,
    },
    /// Several errors (`utilerrors.NewAggregate`).
    Aggregate(Vec<SyncError>),
}

impl SyncError {
    /// `utilerrors.NewAggregate`: `None` for no errors, the error itself for one, an
    /// aggregate otherwise (nested aggregates are flattened).
    pub fn aggregate(errors: Vec<SyncError>) -> Option<SyncError> {
        let mut flat = Vec::new();
        for e in errors {
            match e {
                SyncError::Aggregate(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(SyncError::Aggregate(flat)),
        }
    }

    /// The API error underneath, when this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            SyncError::Api(e)
            | SyncError::ClaimCreateFailed { source: e, .. }
            | SyncError::ClaimUpdateFailed { source: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<ApiError> for SyncError {
    fn from(e: ApiError) -> Self {
        SyncError::Api(e)
    }
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Api(e) => write!(f, "{}", e.message),
            SyncError::ClaimCreateFailed { claim, source } => {
                write!(f, "failed to create PVC {claim}: {}", source.message)
            }
            SyncError::ClaimTerminating { claim } => write!(f, "pvc {claim} is being deleted"),
            SyncError::ClaimUpdateFailed { claim, source } => write!(
                f,
                "could not update claim {claim} for delete policy ownerRefs: {}",
                source.message
            ),
            SyncError::PodNotAdopted { pod, uid, reason } => {
                write!(f, "can't adopt Pod {pod} ({uid}): {reason}")
            }
            SyncError::RevisionsNotAdopted { reason } => {
                write!(f, "can't adopt ControllerRevisions: {reason}")
            }
            SyncError::RevisionOwned { revision } => {
                write!(
                    f,
                    "attempt to adopt revision {revision} owned by another controller"
                )
            }
            SyncError::RevisionData { revision, detail } => {
                write!(f, "revision {revision} cannot be applied: {detail}")
            }
            SyncError::MaxUnavailable { value } => {
                write!(f, "invalid value for IntOrString: invalid value {value:?}")
            }
            SyncError::Aggregate(errors) => {
                // The aggregate's message: distinct messages in order, bracketed when more
                // than one remains.
                let mut seen = BTreeSet::new();
                let mut parts = Vec::new();
                for e in errors {
                    let m = e.to_string();
                    if seen.insert(m.clone()) {
                        parts.push(m);
                    }
                }
                if parts.len() == 1 {
                    f.write_str(&parts[0])
                } else {
                    write!(f, "[{}]", parts.join(", "))
                }
            }
        }
    }
}

impl std::error::Error for SyncError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;

    #[test]
    fn aggregates_read_like_upstream() {
        let one = SyncError::aggregate(vec![SyncError::ClaimTerminating {
            claim: "www-web-0".into(),
        }])
        .unwrap();
        assert_eq!(one.to_string(), "pvc www-web-0 is being deleted");
        let two = SyncError::aggregate(vec![
            SyncError::ClaimCreateFailed {
                claim: "a-web-0".into(),
                source: ApiError::already_exists(Kind::PersistentVolumeClaim, "a-web-0"),
            },
            SyncError::ClaimTerminating {
                claim: "b-web-0".into(),
            },
            SyncError::ClaimTerminating {
                claim: "b-web-0".into(),
            },
        ])
        .unwrap();
        assert_eq!(
            two.to_string(),
            "[failed to create PVC a-web-0: persistentvolumeclaims \"a-web-0\" already exists, pvc b-web-0 is being deleted]"
        );
        assert!(SyncError::aggregate(vec![]).is_none());
    }
}
