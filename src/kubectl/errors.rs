//! kubectl's error printing (`staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go`:
//! `CheckErr`, `StandardErrorMessage`, `MultilineError`, `MultipleErrors`, `AddSourceToErr`).

use crate::apiserver::{ApiError, StatusReason};

/// An error as kubectl holds it when it prints: either a status from the server (possibly
/// wrapped with the file it came from), or a plain client-side error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KubectlError {
    /// A `metav1.Status` error; `source` is the file when kubectl added it with
    /// `AddSourceToErr` (`error when creating "web.yaml": ...`), with the verb.
    Status {
        /// The server's error.
        error: ApiError,
        /// `("creating", "web.yaml")`.
        source: Option<(String, String)>,
    },
    /// A client-side error, with its message (without `error: `).
    Client(String),
}

impl KubectlError {
    /// A server error that happened while `verb`-ing (`creating`, `patching`) an object read
    /// from `file`.
    pub fn from_source(error: ApiError, verb: &str, file: &str) -> Self {
        KubectlError::Status {
            error,
            source: Some((verb.to_string(), file.to_string())),
        }
    }

    /// The message as the error's `Error()` returns it (with the source folded in).
    fn error_string(&self) -> String {
        match self {
            KubectlError::Status {
                error,
                source: Some((verb, file)),
            } => format!("error when {verb} \"{file}\": {}", error.message),
            KubectlError::Status {
                error,
                source: None,
            } => error.message.clone(),
            KubectlError::Client(m) => m.clone(),
        }
    }

    /// `StandardErrorMessage`: `Error from server (NotFound): ...` for statuses; `None` for
    /// client errors.
    fn standard_message(&self) -> Option<String> {
        match self {
            KubectlError::Status { error, .. } => Some(match error.reason {
                StatusReason::Unknown(_) => format!("Error from server: {}", self.error_string()),
                r => format!(
                    "Error from server ({}): {}",
                    r.as_str(),
                    self.error_string()
                ),
            }),
            KubectlError::Client(_) => None,
        }
    }
}

/// What kubectl prints on stderr for `errors` (one or several), as `CheckErr` does: a single
/// Invalid status becomes `The StatefulSet "web" is invalid: ...` (one cause inline, several
/// as `* ` lines); any other single error is its standard message (or `error: <message>`);
/// several errors print one standard message per line. The result ends with a newline.
pub fn check_err(errors: &[KubectlError]) -> String {
    match errors {
        [] => String::new(),
        [one] => single(one),
        many => many
            .iter()
            .map(|e| e.standard_message().unwrap_or_else(|| e.error_string()) + "\n")
            .collect(),
    }
}

fn single(e: &KubectlError) -> String {
    if let KubectlError::Status { error, .. } = e
        && error.reason == StatusReason::Invalid
    {
        let Some(details) = &error.details else {
            return "The request is invalid\n".to_string();
        };
        let mut s = "The request is invalid".to_string();
        if !details.kind.is_empty() || !details.name.is_empty() {
            s = format!("The {} \"{}\" is invalid", details.kind, details.name);
        }
        let mut seen = std::collections::BTreeSet::new();
        let causes: Vec<String> = details
            .causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .filter(|m| seen.insert(m.clone()))
            .collect();
        return match causes.as_slice() {
            [] => format!("{s}\n"),
            [one] => format!("{s}: {one}\n"),
            many => {
                let mut out = format!("{s}: \n");
                for c in many {
                    out.push_str(&format!("* {c}\n"));
                }
                out
            }
        };
    }
    match e.standard_message() {
        Some(m) => format!("{m}\n"),
        None => {
            let m = e.error_string();
            if m.starts_with("error: ") {
                format!("{m}\n")
            } else {
                format!("error: {m}\n")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Kind;
    use crate::api::field::{FieldError, Path};

    fn invalid(n: usize) -> ApiError {
        let errs: Vec<FieldError> = (0..n)
            .map(|i| FieldError::required(&Path::new("spec").child(&format!("f{i}")), ""))
            .collect();
        ApiError::invalid(Kind::StatefulSet, "web", &errs)
    }

    #[test]
    fn a_single_invalid_error_prints_inline() {
        let e = KubectlError::from_source(invalid(1), "creating", "web.yaml");
        assert_eq!(
            check_err(&[e]),
            "The StatefulSet \"web\" is invalid: spec.f0: Required value\n"
        );
    }

    #[test]
    fn several_causes_print_as_a_bulleted_list() {
        let e = KubectlError::from_source(invalid(2), "creating", "web.yaml");
        assert_eq!(
            check_err(&[e]),
            "The StatefulSet \"web\" is invalid: \n* spec.f0: Required value\n* spec.f1: Required value\n"
        );
    }

    #[test]
    fn other_statuses_name_the_reason_and_the_file() {
        let e = KubectlError::from_source(
            ApiError::not_found(Kind::Namespace, "scenarios"),
            "creating",
            "sts.yaml",
        );
        assert_eq!(
            check_err(&[e]),
            "Error from server (NotFound): error when creating \"sts.yaml\": namespaces \"scenarios\" not found\n"
        );
    }

    #[test]
    fn several_errors_print_one_standard_message_each() {
        let a = KubectlError::from_source(invalid(1), "creating", "a.yaml");
        let b = KubectlError::Client("error parsing b.yaml: boom".into());
        assert_eq!(
            check_err(&[a, b]),
            "Error from server (Invalid): error when creating \"a.yaml\": StatefulSet.apps \"web\" is invalid: spec.f0: Required value\nerror parsing b.yaml: boom\n"
        );
    }

    #[test]
    fn a_single_client_error_gets_the_error_prefix() {
        assert_eq!(
            check_err(&[KubectlError::Client("the path \"x\" does not exist".into())]),
            "error: the path \"x\" does not exist\n"
        );
    }
}
