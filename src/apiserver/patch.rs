//! Patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and Kubernetes strategic merge
//! patch, over the JSON form of an object.
//!
//! This module reproduces what kube-apiserver v1.35 does between reading the patch body and
//! decoding the patched object (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go`),
//! with the server's default `fieldValidation=Warn`, which is what `kubectl patch` gets:
//!
//! - merge and JSON patches follow `gopkg.in/evanphx/json-patch.v4`, quirks included (a
//!   `replace` of a missing object key adds it, negative array indices count from the end);
//! - strategic merge patch follows `k8s.io/apimachinery/pkg/util/strategicpatch`, driven by a
//!   table of the Go struct tags (`patchStrategy`, `patchMergeKey`) of the kinds in
//!   [`Kind`] (see `schema`);
//! - errors carry the status the API server answers with ([`PatchErrorKind`]) and its message.
//!
//! It must not decode, default or validate the result: `ApiServer::patch` does that, as the
//! update path does. Patches come from users, so nothing here may panic on any input.

mod apply;
mod gofmt;
mod json;
mod merge;
mod schema;
mod strategic;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use crate::api::Kind;

pub use apply::three_way_apply;

/// The patch types the API accepts (`types.PatchType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json`.
    Merge,
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    Strategic,
}

/// How the API server answers a patch it cannot apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchErrorKind {
    /// 400 `BadRequest` (`errors.NewBadRequest`): the patch document is malformed.
    BadRequest,
    /// 422 with reason `Invalid` and no details (`errors.NewGenericServerResponse(422, ...)`):
    /// a JSON patch operation failed, or a strategic patch used a list of lists. The message is
    /// always upstream's generic one; the library's own text is in [`PatchError::detail`].
    Invalid,
    /// 413 `RequestEntityTooLarge`: more than 10000 JSON patch operations.
    RequestEntityTooLarge,
    /// 500 with an empty reason (`StatusReasonUnknown`): an error the strategic merge code
    /// returned without wrapping it in a status, e.g. a missing merge key. kubectl prints these
    /// as `Error from server: <message>`.
    Unknown,
    /// 500: the upstream code panics on this input (a nil dereference, or comparing or hashing
    /// an uncomparable value) and the API server's panic filter answers instead.
    Panic,
}

impl PatchErrorKind {
    /// The HTTP status code.
    pub fn code(self) -> u16 {
        match self {
            PatchErrorKind::BadRequest => 400,
            PatchErrorKind::Invalid => 422,
            PatchErrorKind::RequestEntityTooLarge => 413,
            PatchErrorKind::Unknown | PatchErrorKind::Panic => 500,
        }
    }
}

/// A patch the API server refuses, with the status and message it answers with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchError {
    /// The status class.
    pub kind: PatchErrorKind,
    /// The `metav1.Status` message, as the API server words it.
    pub message: String,
    /// The underlying library error when the server hides it behind a generic message
    /// ([`PatchErrorKind::Invalid`], [`PatchErrorKind::Panic`]); for logs and tests.
    pub detail: Option<String>,
}

/// Upstream's message for a 422 without more information (`NewGenericServerResponse`).
pub const GENERIC_INVALID_MESSAGE: &str =
    "the server rejected our request due to an error in our request";

/// What the API server's panic filter answers with.
pub const PANIC_MESSAGE: &str =
    "This request caused apiserver to panic. Look in the logs for details.";

impl PatchError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        PatchError {
            kind: PatchErrorKind::BadRequest,
            message: message.into(),
            detail: None,
        }
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        PatchError {
            kind: PatchErrorKind::Invalid,
            message: GENERIC_INVALID_MESSAGE.to_string(),
            detail: Some(detail.into()),
        }
    }

    pub(crate) fn too_large(message: impl Into<String>) -> Self {
        PatchError {
            kind: PatchErrorKind::RequestEntityTooLarge,
            message: format!("Request entity too large: {}", message.into()),
            detail: None,
        }
    }

    pub(crate) fn unknown(message: impl Into<String>) -> Self {
        PatchError {
            kind: PatchErrorKind::Unknown,
            message: message.into(),
            detail: None,
        }
    }

    pub(crate) fn panic(detail: impl Into<String>) -> Self {
        PatchError {
            kind: PatchErrorKind::Panic,
            message: PANIC_MESSAGE.to_string(),
            detail: Some(detail.into()),
        }
    }
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PatchError {}

/// Applies `patch` of `patch_type` to `original` (the JSON form of an object of `kind`).
/// The error text is the API server's message; [`apply_patch_detailed`] also says which status
/// it answers with (400, 413, 422 or 500).
pub fn apply_patch(
    kind: Kind,
    original: &Value,
    patch_type: PatchType,
    patch: &Value,
) -> Result<Value, String> {
    apply_patch_detailed(kind, original, patch_type, patch).map_err(|e| e.message)
}

/// [`apply_patch`], with the API server's status class in the error.
pub fn apply_patch_detailed(
    kind: Kind,
    original: &Value,
    patch_type: PatchType,
    patch: &Value,
) -> Result<Value, PatchError> {
    match patch_type {
        PatchType::Merge => merge::apply(original, patch),
        PatchType::Json => json::apply(original, patch),
        PatchType::Strategic => strategic::apply(schema::root(kind), original, patch),
    }
}
