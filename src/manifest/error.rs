//! The errors of reading and decoding manifests, each displayed in the words kubectl or the API
//! server use, so the CLI can print them unchanged.
//!
//! Client-side failures (what kubectl itself reports, before talking to the server) are
//! [`ManifestError`]; the API server's refusal to decode a body is [`DecodeError`], which
//! becomes a `BadRequest` [`ApiError`].

use crate::api::Kind;
use crate::apiserver::error::ApiError;

use super::gotext::quote;

/// What kubectl reports while reading manifests, before any request reaches the server.
///
/// `Display` is kubectl's message without its `error: ` prefix (kubectl adds that prefix when
/// it prints a single error, and omits it when it prints several, one per line).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// `-f` named something that does not exist: `the path "web.yaml" does not exist`.
    #[error("the path {} does not exist", quote(path))]
    PathNotFound {
        /// The path as given.
        path: String,
    },
    /// A file or directory could not be read: Go's `open web.yaml: permission denied`.
    #[error("open {path}: {reason}")]
    Read {
        /// The path as given (or as found under a directory).
        path: String,
        /// Go's wording of the system error (`permission denied`).
        reason: String,
    },
    /// The stream is not valid YAML or JSON:
    /// `error parsing web.yaml: error converting YAML to JSON: yaml: line 7: <reason>`.
    #[error("error parsing {file}: {reason}")]
    Parse {
        /// The source as kubectl names it (`web.yaml`, `STDIN`).
        file: String,
        /// The 1-based line in the file where the failing document starts.
        line: usize,
        /// Everything after `error parsing <file>: `, in kubectl's words.
        reason: String,
    },
    /// kubectl's client-side check of `apiVersion` and `kind` failed (this stops the file).
    #[error(
        "error validating {}: error validating data: {}; if you choose to ignore these errors, \
         turn validation off with --validate=false",
        quote(file),
        aggregate(problems)
    )]
    Validation {
        /// The source as kubectl names it.
        file: String,
        /// The 1-based line where the document starts.
        line: usize,
        /// The problems (`apiVersion not set`, `kind not set`, ...), in upstream's order.
        problems: Vec<String>,
    },
    /// kubectl could not decode the document into an unstructured object:
    /// `unable to decode "web.yaml": json: cannot unmarshal number into Go struct field
    /// ObjectMeta.metadata.labels of type string`.
    #[error("unable to decode {}: {reason}", quote(file))]
    Decode {
        /// The source as kubectl names it.
        file: String,
        /// The 1-based line where the document starts.
        line: usize,
        /// Go's message.
        reason: String,
    },
    /// No kind of that name in that version:
    /// `resource mapping not found for name: "web" namespace: "" from "web.yaml": no matches for
    /// kind "Foo" in version "v1"` and, on a second line, `ensure CRDs are installed first`.
    #[error("{}", no_kind_match_message(self))]
    NoKindMatch {
        /// The source as kubectl names it.
        file: String,
        /// The 1-based line where the document (or list item) starts.
        line: usize,
        /// What the document asked for.
        object: Box<UnknownKind>,
        /// True when the document came from the `items` of a List (kubectl words it
        /// `unable to recognize ...` then).
        in_list: bool,
        /// True when real Kubernetes v1.35 serves this kind but the simulator does not, so
        /// the CLI can add a hint of its own.
        served_upstream: bool,
    },
}

/// The object a [`ManifestError::NoKindMatch`] is about, as written in the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKind {
    /// `metadata.name` ("" when unset).
    pub name: String,
    /// `metadata.namespace` ("" when unset).
    pub namespace: String,
    /// The `kind`.
    pub kind: String,
    /// The `apiVersion` (`apps/v1`, `v1`, or "" when unset).
    pub api_version: String,
}

impl ManifestError {
    /// The source the error is about (`web.yaml`, `STDIN`), as kubectl names it.
    pub fn file(&self) -> &str {
        match self {
            ManifestError::PathNotFound { path } | ManifestError::Read { path, .. } => path,
            ManifestError::Parse { file, .. }
            | ManifestError::Validation { file, .. }
            | ManifestError::Decode { file, .. }
            | ManifestError::NoKindMatch { file, .. } => file,
        }
    }

    /// The 1-based line of the document the error is about, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ManifestError::PathNotFound { .. } | ManifestError::Read { .. } => None,
            ManifestError::Parse { line, .. }
            | ManifestError::Validation { line, .. }
            | ManifestError::Decode { line, .. }
            | ManifestError::NoKindMatch { line, .. } => Some(*line),
        }
    }
}

fn no_kind_match_message(e: &ManifestError) -> String {
    let ManifestError::NoKindMatch {
        file,
        object,
        in_list,
        ..
    } = e
    else {
        return String::new();
    };
    let UnknownKind {
        name,
        namespace,
        kind,
        api_version,
    } = object.as_ref();
    let no_match = no_matches_for_kind(kind, api_version);
    if *in_list {
        format!("unable to recognize {no_match}")
    } else {
        format!(
            "resource mapping not found for name: {} namespace: {} from {}: {no_match}\n\
             ensure CRDs are installed first",
            quote(name),
            quote(namespace),
            quote(file)
        )
    }
}

/// `meta.NoKindMatchError`: `no matches for kind "Foo" in version "example.com/v1"`, or
/// `in group ""` when no version was given.
fn no_matches_for_kind(kind: &str, api_version: &str) -> String {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    if version.is_empty() {
        format!(
            "no matches for kind {} in group {}",
            quote(kind),
            quote(group)
        )
    } else {
        format!(
            "no matches for kind {} in version {}",
            quote(kind),
            quote(api_version)
        )
    }
}

/// `utilerrors.NewAggregate(errs).Error()`: one message bare, several deduplicated inside
/// brackets.
pub(crate) fn aggregate(messages: &[String]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in messages {
        if !seen.contains(&m.as_str()) {
            seen.push(m);
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Why the API server could not decode a request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeFailure {
    /// A fatal decoding error, in Go's words: `json: cannot unmarshal string into Go struct
    /// field StatefulSetSpec.spec.replicas of type int32`, `quantities must match the regular
    /// expression ...`. It hides any strict errors, as upstream's decoder does.
    Malformed(String),
    /// Strict field validation failed: each entry is `unknown field "spec.foo"` or
    /// `duplicate field "spec.replicas"`, in upstream's order.
    Strict(Vec<String>),
}

/// The API server refused to decode a body (a `BadRequest`).
///
/// `Display` is the server's message: `StatefulSet in version "v1" cannot be handled as a
/// StatefulSet: strict decoding error: unknown field "spec.foo"`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} in version {} cannot be handled as a {}: {}",
    kind.info().kind,
    quote(kind.info().version),
    kind.info().kind,
    self.reason()
)]
pub struct DecodeError {
    /// The kind the body was decoded as.
    pub kind: Kind,
    /// What went wrong.
    pub failure: DecodeFailure,
}

impl DecodeError {
    /// The decoder's own message: `strict decoding error: unknown field "spec.foo"` or the
    /// fatal error's text.
    pub fn reason(&self) -> String {
        match &self.failure {
            DecodeFailure::Malformed(m) => m.clone(),
            DecodeFailure::Strict(errs) => format!("strict decoding error: {}", errs.join(", ")),
        }
    }

    /// The `BadRequest` the API server answers with.
    pub fn to_api_error(&self) -> ApiError {
        ApiError::bad_request(self.to_string())
    }

    /// The line kubectl prints when a create fails this way:
    /// `Error from server (BadRequest): error when creating "web.yaml": <message>`.
    pub fn kubectl_create_message(&self, file: &str) -> String {
        format!(
            "Error from server (BadRequest): error when creating {}: {}",
            quote(file),
            self
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_brackets_only_several_distinct_messages() {
        assert_eq!(aggregate(&["kind not set".into()]), "kind not set");
        assert_eq!(
            aggregate(&["apiVersion not set".into(), "kind not set".into()]),
            "[apiVersion not set, kind not set]"
        );
        assert_eq!(aggregate(&["a".into(), "a".into()]), "a");
    }

    #[test]
    fn no_kind_match_words_like_kubectl() {
        let e = ManifestError::NoKindMatch {
            file: "f.yaml".into(),
            line: 1,
            object: Box::new(UnknownKind {
                name: "x".into(),
                namespace: "".into(),
                kind: "Foo".into(),
                api_version: "v1".into(),
            }),
            in_list: false,
            served_upstream: false,
        };
        assert_eq!(
            e.to_string(),
            "resource mapping not found for name: \"x\" namespace: \"\" from \"f.yaml\": \
             no matches for kind \"Foo\" in version \"v1\"\nensure CRDs are installed first"
        );
        assert_eq!(
            no_matches_for_kind("Thing", "example.com/v1"),
            "no matches for kind \"Thing\" in version \"example.com/v1\""
        );
        assert_eq!(
            no_matches_for_kind("StatefulSet", ""),
            "no matches for kind \"StatefulSet\" in group \"\""
        );
    }
}
