//! API errors as the API server returns them (`metav1.Status` with `k8s.io/apimachinery/pkg/api/errors`
//! constructors), with upstream's message texts.

use std::fmt;

use crate::api::field::{FieldError, aggregate_message};
use crate::api::{Kind, KindInfo};

/// `metav1.StatusReason` values the simulated server returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusReason {
    /// 404.
    NotFound,
    /// 409, on create of an existing name.
    AlreadyExists,
    /// 409, on a stale resourceVersion or failed precondition.
    Conflict,
    /// 422, validation failed.
    Invalid,
    /// 400, malformed request (bad patch, bad selector, undecodable object).
    BadRequest,
    /// 403, refused by admission (namespace terminating, missing service account...).
    Forbidden,
    /// 405, the verb is not allowed on this resource.
    MethodNotAllowed,
    /// 500.
    InternalError,
    /// 429, e.g. an eviction refused by a PodDisruptionBudget.
    TooManyRequests,
    /// 413, e.g. a JSON patch of more than 10000 operations.
    RequestEntityTooLarge,
    /// A status with an empty reason (`StatusReasonUnknown`), with its own code.
    Unknown(u16),
}

impl StatusReason {
    /// The reason string (`NotFound`), as kubectl prints it in `Error from server (NotFound)`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusReason::NotFound => "NotFound",
            StatusReason::AlreadyExists => "AlreadyExists",
            StatusReason::Conflict => "Conflict",
            StatusReason::Invalid => "Invalid",
            StatusReason::BadRequest => "BadRequest",
            StatusReason::Forbidden => "Forbidden",
            StatusReason::MethodNotAllowed => "MethodNotAllowed",
            StatusReason::InternalError => "InternalError",
            StatusReason::TooManyRequests => "TooManyRequests",
            StatusReason::RequestEntityTooLarge => "RequestEntityTooLarge",
            StatusReason::Unknown(_) => "",
        }
    }

    /// The HTTP status code.
    pub fn code(self) -> u16 {
        match self {
            StatusReason::NotFound => 404,
            StatusReason::AlreadyExists | StatusReason::Conflict => 409,
            StatusReason::Invalid => 422,
            StatusReason::BadRequest => 400,
            StatusReason::Forbidden => 403,
            StatusReason::MethodNotAllowed => 405,
            StatusReason::InternalError => 500,
            StatusReason::TooManyRequests => 429,
            StatusReason::RequestEntityTooLarge => 413,
            StatusReason::Unknown(code) => code,
        }
    }
}

/// `metav1.StatusCause`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCause {
    /// `FieldValueInvalid`...
    pub reason: String,
    /// The body of the field error (`Invalid value: -1: must be ...`).
    pub message: String,
    /// `spec.replicas`.
    pub field: String,
}

/// `metav1.StatusDetails`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusDetails {
    /// The object's name.
    pub name: String,
    /// The API group.
    pub group: String,
    /// The kind (not qualified: `StatefulSet`); for NotFound and friends the resource
    /// (`pods`), as upstream fills it.
    pub kind: String,
    /// Field causes, for Invalid.
    pub causes: Vec<StatusCause>,
}

/// An error from the API server: a failed `metav1.Status`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// Why.
    pub reason: StatusReason,
    /// The human-readable message, exactly as the API server words it.
    pub message: String,
    /// Structured details, when upstream fills them (boxed: errors travel in every `Result`).
    pub details: Option<Box<StatusDetails>>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ApiError {
    fn with(reason: StatusReason, message: String, details: Option<StatusDetails>) -> Self {
        ApiError {
            reason,
            message,
            details: details.map(Box::new),
        }
    }

    fn resource_details(info: &KindInfo, name: &str) -> Option<StatusDetails> {
        Some(StatusDetails {
            name: name.to_string(),
            group: info.group.to_string(),
            kind: info.plural.to_string(),
            causes: vec![],
        })
    }

    /// `NewNotFound`: `pods "web-9" not found`.
    pub fn not_found(kind: Kind, name: &str) -> Self {
        let info = kind.info();
        Self::with(
            StatusReason::NotFound,
            format!("{} \"{}\" not found", info.group_resource(), name),
            Self::resource_details(info, name),
        )
    }

    /// `NewAlreadyExists`: `pods "web-0" already exists`.
    pub fn already_exists(kind: Kind, name: &str) -> Self {
        let info = kind.info();
        Self::with(
            StatusReason::AlreadyExists,
            format!("{} \"{}\" already exists", info.group_resource(), name),
            Self::resource_details(info, name),
        )
    }

    /// `NewConflict`: `Operation cannot be fulfilled on pods "web-0": <detail>`.
    pub fn conflict(kind: Kind, name: &str, detail: &str) -> Self {
        let info = kind.info();
        Self::with(
            StatusReason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} \"{}\": {}",
                info.group_resource(),
                name,
                detail
            ),
            Self::resource_details(info, name),
        )
    }

    /// The conflict of an update carrying a stale resourceVersion.
    pub fn stale_resource_version(kind: Kind, name: &str) -> Self {
        Self::conflict(
            kind,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// `NewInvalid`: `StatefulSet.apps "web" is invalid: <aggregate>`, with causes.
    pub fn invalid(kind: Kind, name: &str, errors: &[FieldError]) -> Self {
        let info = kind.info();
        let mut seen = std::collections::BTreeSet::new();
        let causes = errors
            .iter()
            .filter(|e| seen.insert(e.to_string()))
            .map(|e| StatusCause {
                reason: e.error_type.cause_type().to_string(),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        Self::with(
            StatusReason::Invalid,
            format!(
                "{} \"{}\" is invalid: {}",
                info.qualified_kind(),
                name,
                aggregate_message(errors)
            ),
            Some(StatusDetails {
                name: name.to_string(),
                group: info.group.to_string(),
                kind: info.kind.to_string(),
                causes,
            }),
        )
    }

    /// `NewForbidden`: `pods "x" is forbidden: <why>`.
    pub fn forbidden(kind: Kind, name: &str, why: &str) -> Self {
        let info = kind.info();
        Self::with(
            StatusReason::Forbidden,
            format!(
                "{} \"{}\" is forbidden: {}",
                info.group_resource(),
                name,
                why
            ),
            Self::resource_details(info, name),
        )
    }

    /// `NewBadRequest`: the message as given.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::with(StatusReason::BadRequest, message.into(), None)
    }

    /// `NewMethodNotSupported`: `<resource> "<name>" ... the server does not allow this method`.
    pub fn method_not_supported(kind: Kind, action: &str) -> Self {
        let info = kind.info();
        Self::with(
            StatusReason::MethodNotAllowed,
            format!(
                "{} is not supported on resources of kind \"{}\"",
                action,
                info.group_resource()
            ),
            None,
        )
    }

    /// A status with a given reason and message and no details.
    pub fn status(reason: StatusReason, message: impl Into<String>) -> Self {
        Self::with(reason, message.into(), None)
    }

    /// `NewInternalError`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::with(
            StatusReason::InternalError,
            format!("Internal error occurred: {}", message.into()),
            None,
        )
    }

    /// `NewTooManyRequests`-style refusal with a message (used by eviction).
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::with(StatusReason::TooManyRequests, message.into(), None)
    }

    /// The field errors' distinct messages (for Invalid), in order.
    pub fn cause_messages(&self) -> Vec<String> {
        self.details
            .as_ref()
            .map(|d| {
                d.causes
                    .iter()
                    .map(|c| format!("{}: {}", c.field, c.message))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True for `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.reason == StatusReason::NotFound
    }

    /// True for `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.reason == StatusReason::AlreadyExists
    }

    /// True for `Conflict`.
    pub fn is_conflict(&self) -> bool {
        self.reason == StatusReason::Conflict
    }

    /// True for `Invalid`.
    pub fn is_invalid(&self) -> bool {
        self.reason == StatusReason::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::field::{FieldError, Path};

    #[test]
    fn texts_match_the_api_server() {
        assert_eq!(
            ApiError::not_found(Kind::Pod, "web-9").message,
            "pods \"web-9\" not found"
        );
        assert_eq!(
            ApiError::not_found(Kind::StatefulSet, "web").message,
            "statefulsets.apps \"web\" not found"
        );
        assert_eq!(
            ApiError::already_exists(Kind::Service, "nginx").message,
            "services \"nginx\" already exists"
        );
        assert_eq!(
            ApiError::stale_resource_version(Kind::Pod, "web-0").message,
            "Operation cannot be fulfilled on pods \"web-0\": the object has been modified; please apply your changes to the latest version and try again"
        );
        let e = ApiError::invalid(
            Kind::StatefulSet,
            "web",
            &[FieldError::invalid(
                &Path::new("spec").child("replicas"),
                -1i64,
                "must be greater than or equal to 0",
            )],
        );
        assert_eq!(
            e.message,
            "StatefulSet.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(e.reason.code(), 422);
        let d = e.details.unwrap();
        assert_eq!(d.kind, "StatefulSet");
        assert_eq!(d.causes[0].reason, "FieldValueInvalid");
        assert_eq!(
            d.causes[0].message,
            "Invalid value: -1: must be greater than or equal to 0"
        );
    }
}
