//! Field errors as the API server reports them (`k8s.io/apimachinery/pkg/util/validation/field`).
//!
//! The text of every error is built exactly as upstream's `Error.Error()` builds it:
//! `<field>: <type>[: <value>][: <detail>]`, with strings quoted Go-style, integers and booleans
//! bare, and composite values as JSON (which callers render into [`BadValue::Go`]), as v1.34+
//! API servers print them.

use std::fmt;

/// The kind of a field error (`field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorType {
    /// `FieldValueNotFound`: "Not found".
    NotFound,
    /// `FieldValueRequired`: "Required value".
    Required,
    /// `FieldValueDuplicate`: "Duplicate value".
    Duplicate,
    /// `FieldValueInvalid`: "Invalid value".
    Invalid,
    /// `FieldValueNotSupported`: "Unsupported value".
    NotSupported,
    /// `FieldValueForbidden`: "Forbidden".
    Forbidden,
    /// `FieldValueTooLong`: "Too long".
    TooLong,
    /// `FieldValueTooMany`: "Too many".
    TooMany,
    /// `InternalError`: "Internal error".
    Internal,
    /// `FieldValueTypeInvalid`: "Invalid value".
    TypeInvalid,
}

impl ErrorType {
    /// The machine-readable cause type (`FieldValueInvalid`), as in `StatusCause.reason`.
    pub fn cause_type(self) -> &'static str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::Internal => "InternalError",
            ErrorType::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// The human-readable text (`Invalid value`).
    pub fn text(self) -> &'static str {
        match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid | ErrorType::TypeInvalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::Internal => "Internal error",
        }
    }
}

/// The offending value, rendered as Go's `field.Error` renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    /// Not shown at all (upstream's `omitValue`).
    Omit,
    /// A Go string, shown quoted with Go's `%q` rules.
    Str(String),
    /// An integer, shown bare.
    Int(i64),
    /// A boolean, shown bare.
    Bool(bool),
    /// A nil value, shown as `null`.
    Null,
    /// Anything else, pre-rendered by the caller as JSON, the way v1.34+ API servers print
    /// composite values (`{"app":"nginx"}`), or as the type's `String()`.
    Go(String),
}

impl BadValue {
    /// Renders any serializable value as JSON, as v1.34+ API servers print composite values.
    pub fn json<T: serde::Serialize>(value: &T) -> BadValue {
        BadValue::Go(serde_json::to_string(value).unwrap_or_else(|_| "null".to_string()))
    }

    /// Renders a string slice as JSON (`["a","b"]`).
    pub fn string_slice<S: AsRef<str>>(items: &[S]) -> BadValue {
        let v: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
        BadValue::json(&v)
    }
}

impl From<&str> for BadValue {
    fn from(s: &str) -> Self {
        BadValue::Str(s.to_string())
    }
}
impl From<String> for BadValue {
    fn from(s: String) -> Self {
        BadValue::Str(s)
    }
}
impl From<&String> for BadValue {
    fn from(s: &String) -> Self {
        BadValue::Str(s.clone())
    }
}
impl From<i64> for BadValue {
    fn from(v: i64) -> Self {
        BadValue::Int(v)
    }
}
impl From<i32> for BadValue {
    fn from(v: i32) -> Self {
        BadValue::Int(i64::from(v))
    }
}
impl From<bool> for BadValue {
    fn from(v: bool) -> Self {
        BadValue::Bool(v)
    }
}

/// Quotes a string as Go's `strconv.Quote` / `%q` does for printable UTF-8.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\u{0b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A path to a field, rendered as upstream's `field.Path` (`spec.containers[0].env[1].name`,
/// `metadata.labels[app]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(String);

impl Path {
    /// A root path (`spec`).
    pub fn new(root: &str) -> Path {
        Path(root.to_string())
    }

    /// `self.name`.
    pub fn child(&self, name: &str) -> Path {
        if self.0.is_empty() {
            Path(name.to_string())
        } else {
            Path(format!("{}.{}", self.0, name))
        }
    }

    /// `self[index]`.
    pub fn index(&self, index: usize) -> Path {
        Path(format!("{}[{}]", self.0, index))
    }

    /// `self[key]`.
    pub fn key(&self, key: &str) -> Path {
        Path(format!("{}[{}]", self.0, key))
    }

    /// The rendered path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One field-level validation error (`field.Error`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// What is wrong.
    pub error_type: ErrorType,
    /// Where (`spec.replicas`).
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Explanation; may be empty.
    pub detail: String,
}

impl FieldError {
    /// `field.Invalid`.
    pub fn invalid(path: &Path, value: impl Into<BadValue>, detail: impl Into<String>) -> Self {
        FieldError {
            error_type: ErrorType::Invalid,
            field: path.to_string(),
            bad_value: value.into(),
            detail: detail.into(),
        }
    }

    /// `field.Required`.
    pub fn required(path: &Path, detail: impl Into<String>) -> Self {
        FieldError {
            error_type: ErrorType::Required,
            field: path.to_string(),
            bad_value: BadValue::Str(String::new()),
            detail: detail.into(),
        }
    }

    /// `field.Forbidden`.
    pub fn forbidden(path: &Path, detail: impl Into<String>) -> Self {
        FieldError {
            error_type: ErrorType::Forbidden,
            field: path.to_string(),
            bad_value: BadValue::Str(String::new()),
            detail: detail.into(),
        }
    }

    /// `field.Duplicate`.
    pub fn duplicate(path: &Path, value: impl Into<BadValue>) -> Self {
        FieldError {
            error_type: ErrorType::Duplicate,
            field: path.to_string(),
            bad_value: value.into(),
            detail: String::new(),
        }
    }

    /// `field.NotFound`.
    pub fn not_found(path: &Path, value: impl Into<BadValue>) -> Self {
        FieldError {
            error_type: ErrorType::NotFound,
            field: path.to_string(),
            bad_value: value.into(),
            detail: String::new(),
        }
    }

    /// `field.NotSupported`: lists the supported values, each Go-quoted.
    pub fn not_supported(path: &Path, value: impl Into<BadValue>, valid: &[&str]) -> Self {
        let detail = if valid.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        FieldError {
            error_type: ErrorType::NotSupported,
            field: path.to_string(),
            bad_value: value.into(),
            detail,
        }
    }

    /// `field.TooLong` (the value is not shown).
    pub fn too_long(path: &Path, max_length: usize) -> Self {
        FieldError {
            error_type: ErrorType::TooLong,
            field: path.to_string(),
            bad_value: BadValue::Omit,
            detail: format!("may not be more than {max_length} bytes"),
        }
    }

    /// `field.TooMany`.
    pub fn too_many(path: &Path, actual: usize, max: usize) -> Self {
        FieldError {
            error_type: ErrorType::TooMany,
            field: path.to_string(),
            bad_value: BadValue::Int(actual as i64),
            detail: format!("must have at most {max} items"),
        }
    }

    /// `field.InternalError`.
    pub fn internal(path: &Path, detail: impl Into<String>) -> Self {
        FieldError {
            error_type: ErrorType::Internal,
            field: path.to_string(),
            bad_value: BadValue::Null,
            detail: detail.into(),
        }
    }

    /// The message without the field (`ErrorBody`), which is also `StatusCause.message`.
    pub fn body(&self) -> String {
        let mut s = match (self.error_type, &self.bad_value) {
            (
                ErrorType::Required
                | ErrorType::Forbidden
                | ErrorType::TooLong
                | ErrorType::Internal,
                _,
            )
            | (_, BadValue::Omit) => self.error_type.text().to_string(),
            (t, BadValue::Str(v)) => format!("{}: {}", t.text(), go_quote(v)),
            (t, BadValue::Int(v)) => format!("{}: {v}", t.text()),
            (t, BadValue::Bool(v)) => format!("{}: {v}", t.text()),
            (t, BadValue::Null) => format!("{}: null", t.text()),
            (t, BadValue::Go(v)) => format!("{}: {v}", t.text()),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Renders a list as upstream's `ErrorList.ToAggregate().Error()`: duplicates (by message)
/// dropped, one error bare, several as `[a, b]`.
pub fn aggregate_message(errors: &[FieldError]) -> String {
    let msgs = dedup_messages(errors);
    match msgs.len() {
        0 => String::new(),
        1 => msgs[0].clone(),
        _ => format!("[{}]", msgs.join(", ")),
    }
}

/// The distinct messages of `errors`, in order.
pub fn dedup_messages(errors: &[FieldError]) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_render_like_apimachinery() {
        let spec = Path::new("spec");
        assert_eq!(
            FieldError::invalid(
                &spec.child("replicas"),
                -1i64,
                "must be greater than or equal to 0"
            )
            .to_string(),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(
            FieldError::required(&spec.child("selector"), "").to_string(),
            "spec.selector: Required value"
        );
        assert_eq!(
            FieldError::not_supported(
                &spec.child("podManagementPolicy"),
                "Foo",
                &["OrderedReady", "Parallel"]
            )
            .to_string(),
            "spec.podManagementPolicy: Unsupported value: \"Foo\": supported values: \"OrderedReady\", \"Parallel\""
        );
        assert_eq!(
            FieldError::duplicate(&spec.child("containers").index(1).child("name"), "nginx")
                .to_string(),
            "spec.containers[1].name: Duplicate value: \"nginx\""
        );
        assert_eq!(
            FieldError::forbidden(&spec, "nope").to_string(),
            "spec: Forbidden: nope"
        );
    }

    #[test]
    fn composite_values_render_as_json() {
        let mut m = std::collections::BTreeMap::new();
        m.insert("b".to_string(), "2".to_string());
        m.insert("a".to_string(), "x\"y".to_string());
        assert_eq!(
            BadValue::json(&m),
            BadValue::Go("{\"a\":\"x\\\"y\",\"b\":\"2\"}".into())
        );
        let e = FieldError::invalid(&Path::new("x"), BadValue::Null, "d");
        assert_eq!(e.to_string(), "x: Invalid value: null: d");
    }

    #[test]
    fn aggregate_drops_duplicates_and_brackets_many() {
        let p = Path::new("a");
        let e1 = FieldError::required(&p, "");
        let e2 = FieldError::invalid(&p, 1i64, "x");
        assert_eq!(
            aggregate_message(std::slice::from_ref(&e1)),
            "a: Required value"
        );
        assert_eq!(
            aggregate_message(&[e1.clone(), e2, e1]),
            "[a: Required value, a: Invalid value: 1: x]"
        );
    }

    #[test]
    fn paths_render_indexes_and_keys() {
        let p = Path::new("metadata").child("labels").key("app");
        assert_eq!(p.as_str(), "metadata.labels[app]");
    }
}
