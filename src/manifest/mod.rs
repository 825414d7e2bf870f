//! Reading manifests as `kubectl apply -f` / `kubectl create -f` read them, and decoding them
//! as the API server does.
//!
//! Two stages, split where kubectl hands over to the server:
//!
//! 1. **Loading** ([`load_path`], [`load_str`], [`load_bytes`]) is kubectl's client side
//!    (`k8s.io/cli-runtime/pkg/resource`): files and directories in name order (`.json`,
//!    `.yaml`, `.yml`; `-R` recurses), stdin as `STDIN`, multi-document YAML split at `---`,
//!    streams of JSON objects, empty and `null` documents skipped, `kind: List` (and any
//!    document with `items`) flattened, the `apiVersion`/`kind` check, the metadata check and
//!    the kind mapping. The result is an ordered list of documents and errors, as kubectl
//!    visits them: a parse or validation error ends its file, a mapping error does not.
//! 2. **Decoding** ([`decode`], [`decode_with`], [`decode_value`]) is the API server's strict
//!    decoding of one document into an [`Object`]: every unknown field with its path, type
//!    errors in Go's words, quantities given as numbers, `null` as Go's zero value.
//!
//! Every error displays in kubectl's or the API server's words (see [`ManifestError`] and
//! [`DecodeError`]). Nothing here panics on any input: malformed text, deep nesting and
//! binary garbage all come back as typed errors.
//!
//! YAML goes through `serde_yaml` in `yaml.rs` only. The places where the result differs from
//! kubectl's Go libraries are listed in that module's documentation and in `strict.rs`.
//!
//! This module never touches the simulation: it reads files (or text it is given) and
//! returns values.

mod error;
mod gotext;
mod gotypes;
mod json;
mod stream;
mod strict;
mod yaml;

#[cfg(test)]
mod tests;

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::api::{Kind, Object, types};

pub use error::{DecodeError, DecodeFailure, ManifestError, UnknownKind};
pub use strict::FieldValidation;

/// The source name kubectl gives standard input.
pub const STDIN: &str = "STDIN";

/// The file extensions kubectl reads from a directory (`resource.FileExtensions`).
pub const FILE_EXTENSIONS: &[&str] = &["json", "yaml", "yml"];

/// One object to send to the server: a document of a manifest, or one item of a List.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The source as kubectl names it: the path as given (or as found in a directory), or
    /// `STDIN`.
    pub file: String,
    /// The 1-based line where the document (or list item) starts.
    pub line: usize,
    /// The object as kubectl sends it (keys sorted, numbers normalised).
    pub value: Value,
    /// The kind `apiVersion` and `kind` map to.
    pub kind: Kind,
    /// The index in the List's `items` this document came from, if it did.
    pub list_index: Option<usize>,
    /// Keys written twice in the source (the last one won), as paths (`spec.replicas`).
    /// kubectl drops duplicates silently; [`DecodeOptions::report_duplicates`] reports them
    /// as a server that received the raw text would.
    pub duplicate_fields: Vec<String>,
}

impl Document {
    /// `metadata.name` as written ("" when unset).
    pub fn name(&self) -> &str {
        meta_str(&self.value, "name")
    }

    /// `metadata.namespace` as written ("" when unset).
    pub fn namespace(&self) -> &str {
        meta_str(&self.value, "namespace")
    }
}

fn meta_str<'a>(value: &'a Value, field: &str) -> &'a str {
    value
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// What loading produced, in kubectl's visiting order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifests {
    /// Each document, or the error that took its place.
    pub entries: Vec<Result<Document, ManifestError>>,
}

impl Manifests {
    /// The documents that loaded.
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.entries.iter().filter_map(|e| e.as_ref().ok())
    }

    /// The errors, in order.
    pub fn errors(&self) -> impl Iterator<Item = &ManifestError> {
        self.entries.iter().filter_map(|e| e.as_ref().err())
    }

    /// True when nothing went wrong.
    pub fn is_ok(&self) -> bool {
        self.entries.iter().all(Result::is_ok)
    }
}

/// Loads `-f <path>`: a file (read whatever its extension), or a directory's `.json`,
/// `.yaml` and `.yml` files in name order, descending into subdirectories only when
/// `recursive` (`-R`). A path that does not exist, or a directory that cannot be listed, is
/// an error for the whole command, as in kubectl.
pub fn load_path(path: &Path, recursive: bool) -> Result<Manifests, ManifestError> {
    let shown = path.to_string_lossy().into_owned();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ManifestError::PathNotFound {
            path: shown.clone(),
        },
        _ => read_error(&shown, &e),
    })?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(path, &shown, recursive, &mut files)?;
    } else {
        files.push((path.to_path_buf(), shown));
    }
    let mut manifests = Manifests::default();
    for (file, name) in files {
        match std::fs::read(&file) {
            Ok(bytes) => manifests.entries.extend(load_bytes(&name, &bytes).entries),
            Err(e) => manifests.entries.push(Err(read_error(&name, &e))),
        }
    }
    Ok(manifests)
}

/// `filepath.Walk` order: entries sorted by name, files filtered by extension.
fn walk(
    dir: &Path,
    shown: &str,
    recursive: bool,
    out: &mut Vec<(std::path::PathBuf, String)>,
) -> Result<(), ManifestError> {
    let mut entries: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| read_error(shown, &e))?
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let child = go_join(shown, &name);
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir {
            if recursive {
                walk(&path, &child, recursive, out)?;
            }
        } else if name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| FILE_EXTENSIONS.contains(&ext))
        {
            out.push((path, child));
        }
    }
    Ok(())
}

/// `filepath.Join`: joined and cleaned (`./dir/` + `a.yaml` is `dir/a.yaml`).
fn go_join(dir: &str, name: &str) -> String {
    let joined = format!("{dir}/{name}");
    let rooted = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Go's wording of a failed `open`/`read`.
fn read_error(path: &str, e: &std::io::Error) -> ManifestError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            text.to_lowercase()
        }
    };
    ManifestError::Read {
        path: path.to_string(),
        reason,
    }
}

/// Loads text. `source_name` is the path as given, or `-` for standard input (named `STDIN`
/// in messages, as kubectl does).
pub fn load_str(source_name: &str, text: &str) -> Manifests {
    load_text(display_name(source_name), text)
}

/// Loads bytes: a UTF-8 or UTF-16 byte-order mark is honoured, invalid UTF-8 becomes U+FFFD.
pub fn load_bytes(source_name: &str, bytes: &[u8]) -> Manifests {
    load_text(display_name(source_name), &stream::decode_text(bytes))
}

fn display_name(source_name: &str) -> String {
    if source_name == "-" {
        STDIN.to_string()
    } else {
        source_name.to_string()
    }
}

fn load_text(file: String, text: &str) -> Manifests {
    let mut out = Manifests::default();
    if stream::is_json_stream(text) {
        let read = json::read_stream(text);
        for v in read.values {
            if v.value.is_null() {
                continue;
            }
            let line = stream::line_at(text, v.offset, 1);
            let raw = Raw {
                file: &file,
                line,
                value: v.value,
                item_lines: vec![],
                duplicates: vec![],
            };
            if !visit(raw, &mut out) {
                return out;
            }
        }
        if let Some((reason, offset)) = read.error {
            out.entries.push(Err(ManifestError::Parse {
                file: file.clone(),
                line: stream::line_at(text, offset, 1),
                reason,
            }));
        }
        return out;
    }
    let split = stream::split_yaml(text);
    for chunk in &split.chunks {
        let converted = match yaml::convert(&chunk.text) {
            Ok(c) => c,
            Err(reason) => {
                out.entries.push(Err(ManifestError::Parse {
                    file: file.clone(),
                    line: stream::first_content_line(chunk),
                    reason,
                }));
                return out;
            }
        };
        let Some(value) = converted.value else {
            continue;
        };
        let at = |offset: Option<usize>, fallback: usize| {
            offset.map_or(fallback, |o| {
                stream::line_at(&chunk.text, o, chunk.first_line)
            })
        };
        let line = at(converted.first_offset, stream::first_content_line(chunk));
        let raw = Raw {
            file: &file,
            line,
            value,
            item_lines: converted
                .item_offsets
                .iter()
                .map(|o| at(*o, line))
                .collect(),
            duplicates: converted.duplicates,
        };
        if !visit(raw, &mut out) {
            return out;
        }
    }
    if let Some((reason, line)) = split.error {
        out.entries
            .push(Err(ManifestError::Parse { file, line, reason }));
    }
    out
}

/// A document as the stream decoder yields it.
struct Raw<'a> {
    file: &'a str,
    line: usize,
    value: Value,
    item_lines: Vec<usize>,
    duplicates: Vec<String>,
}

/// kubectl's handling of one document (`StreamVisitor.Visit` → `infoForData` →
/// `FlattenListVisitor`). Returns false when the error ends the stream.
fn visit(raw: Raw<'_>, out: &mut Manifests) -> bool {
    let file = raw.file.to_string();
    let line = raw.line;
    // ValidateSchema: apiVersion and kind, and for a v1 List each item's.
    let problems = validation_problems(&raw.value);
    if !problems.is_empty() {
        out.entries.push(Err(ManifestError::Validation {
            file,
            line,
            problems,
        }));
        return false;
    }
    let Value::Object(map) = &raw.value else {
        return true;
    };
    // The unstructured decoder treats any document with `items` as a list.
    if map.contains_key("items") {
        visit_list(&raw, out);
        return true;
    }
    let decode_error = |reason: String| ManifestError::Decode {
        file: file.clone(),
        line,
        reason,
    };
    if map.get("kind").and_then(Value::as_str) == Some("") {
        out.entries.push(Err(decode_error(format!(
            "Object 'Kind' is missing in '{}'",
            gotext::json_marshal(&raw.value)
        ))));
        return true;
    }
    if let Some(reason) = metadata_error(&raw.value) {
        out.entries.push(Err(decode_error(reason)));
        return true;
    }
    out.entries
        .push(map_kind(raw.value, &file, line, None, raw.duplicates));
    true
}

/// `FlattenListVisitor` over an unstructured list: items inherit the list's `apiVersion` and
/// the kind without `List` when they name neither; nested lists are flattened too.
fn visit_list(raw: &Raw<'_>, out: &mut Manifests) {
    let decode_error = |reason: String| ManifestError::Decode {
        file: raw.file.to_string(),
        line: raw.line,
        reason,
    };
    let items = match raw.value.get("items") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return,
        Some(other) => {
            out.entries.push(Err(decode_error(format!(
                "json: cannot unmarshal {} into Go struct field decodeList.items of type \
                 []json.RawMessage",
                gotext::json_kind(other)
            ))));
            return;
        }
    };
    let list_version = raw
        .value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let list_kind = raw.value.get("kind").and_then(Value::as_str).unwrap_or("");
    let item_kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    // Every item must decode as an object before any is visited.
    for item in items {
        if !item.is_object() && !item.is_null() {
            out.entries.push(Err(decode_error(format!(
                "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                gotext::json_kind(item)
            ))));
            return;
        }
    }
    for (i, item) in items.iter().enumerate() {
        let mut item = match item {
            Value::Object(m) => m.clone(),
            _ => serde_json::Map::new(),
        };
        let line = raw.item_lines.get(i).copied().unwrap_or(raw.line);
        let unset = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        };
        if unset("kind") && unset("apiVersion") {
            item.insert("kind".into(), Value::String(item_kind.to_string()));
            item.insert("apiVersion".into(), Value::String(list_version.to_string()));
        }
        let prefix = format!("items[{i}].");
        let duplicates = raw
            .duplicates
            .iter()
            .filter_map(|d| d.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let value = Value::Object(item);
        // `Unstructured.IsList`: an item is itself a list when its `items` is an array.
        if value.get("items").is_some_and(Value::is_array) {
            let nested = Raw {
                file: raw.file,
                line,
                value,
                item_lines: vec![],
                duplicates,
            };
            visit_list(&nested, out);
            continue;
        }
        out.entries
            .push(map_kind(value, raw.file, line, Some(i), duplicates));
    }
}

/// `paramVerifyingSchema.ValidateBytes` up to the point stsim can follow it: the document is
/// an object whose `apiVersion` and `kind` are set strings; a `v1` `List` also needs each
/// item's.
fn validation_problems(value: &Value) -> Vec<String> {
    let mut problems = object_kind_problems(value);
    if problems.is_empty()
        && value.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && value.get("kind").and_then(Value::as_str) == Some("List")
    {
        match value.get("items") {
            Some(Value::Array(items)) => {
                for item in items {
                    problems.extend(object_kind_problems(item));
                }
            }
            _ => problems.push("invalid object to validate".to_string()),
        }
    }
    problems
}

/// `getObjectKind`: `apiVersion not set`, `kind isn't string type`, ...
fn object_kind_problems(value: &Value) -> Vec<String> {
    let Value::Object(map) = value else {
        return vec!["invalid object to validate".to_string()];
    };
    let mut problems = Vec::new();
    match map.get("apiVersion") {
        None | Some(Value::Null) => problems.push("apiVersion not set".to_string()),
        Some(Value::String(gv)) => {
            if gv != "/" && gv.matches('/').count() > 1 {
                problems.push(format!("unexpected GroupVersion string: {gv}"));
            }
        }
        Some(_) => problems.push("apiVersion isn't string type".to_string()),
    }
    match map.get("kind") {
        None | Some(Value::Null) => problems.push("kind not set".to_string()),
        Some(Value::String(_)) => {}
        Some(_) => problems.push("kind isn't string type".to_string()),
    }
    problems
}

/// kubectl's `metadataValidatingDecoder`: the metadata must decode as an `ObjectMeta`.
fn metadata_error(value: &Value) -> Option<String> {
    match strict::decode::<MetadataOnly>(value, FieldValidation::Ignore, &[]) {
        strict::Outcome::Malformed(m) => Some(m),
        _ => None,
    }
}

/// kubectl's `metadataOnlyObject`.
struct MetadataOnly;

impl<'de> Deserialize<'de> for MetadataOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = MetadataOnly;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("metadataOnlyObject")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<MetadataOnly, A::Error> {
                while let Some(key) = map.next_key::<String>()? {
                    if key == "metadata" {
                        map.next_value::<Option<types::ObjectMeta>>()?;
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(MetadataOnly)
            }
        }
        d.deserialize_struct("metadataOnlyObject", &["apiVersion", "kind", "metadata"], V)
    }
}

/// The RESTMapper step: the simulator's kinds, or `no matches for kind`.
fn map_kind(
    value: Value,
    file: &str,
    line: usize,
    list_index: Option<usize>,
    duplicate_fields: Vec<String>,
) -> Result<Document, ManifestError> {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind_name = value.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = if api_version == "/" { "" } else { api_version };
    let found = if api_version.is_empty() {
        // No version: the RESTMapper takes the group's preferred version (core group).
        Kind::from_kind_name(kind_name).filter(|k| k.info().group.is_empty())
    } else {
        Kind::from_api_version_kind(api_version, kind_name)
    };
    match found {
        Some(kind) => Ok(Document {
            file: file.to_string(),
            line,
            kind,
            list_index,
            duplicate_fields,
            value,
        }),
        None => Err(ManifestError::NoKindMatch {
            file: file.to_string(),
            line,
            object: Box::new(UnknownKind {
                name: meta_str(&value, "name").to_string(),
                namespace: meta_str(&value, "namespace").to_string(),
                kind: kind_name.to_string(),
                api_version: api_version.to_string(),
            }),
            in_list: list_index.is_some(),
            served_upstream: SERVED_UPSTREAM.contains(&(api_version, kind_name)),
        }),
    }
}

/// Kinds Kubernetes v1.35 serves that the simulator does not store.
const SERVED_UPSTREAM: &[(&str, &str)] = &[
    ("v1", "Binding"),
    ("v1", "LimitRange"),
    ("v1", "PodTemplate"),
    ("v1", "ReplicationController"),
    ("v1", "ResourceQuota"),
    ("autoscaling/v1", "HorizontalPodAutoscaler"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress"),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1", "VolumeAttributesClass"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("coordination.k8s.io/v1", "Lease"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("events.k8s.io/v1", "Event"),
];

/// How [`decode_with`] treats unknown and duplicate fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The `fieldValidation` the request carries (kubectl sends `Strict` by default).
    pub field_validation: FieldValidation,
    /// Report [`Document::duplicate_fields`] as `duplicate field "..."`, as a server that
    /// received the raw text would. kubectl re-encodes documents before sending them, so the
    /// real server never sees duplicates; leave this off to match kubectl.
    pub report_duplicates: bool,
}

/// A decoded object and the strict problems the server let through as warnings
/// (`--validate=warn`); kubectl prints each as `Warning: <text>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// The object.
    pub object: Object,
    /// `unknown field "spec.foo"` ... (empty unless [`FieldValidation::Warn`]).
    pub warnings: Vec<String>,
}

/// Decodes a document as the API server does for `kubectl apply`/`create` (strict field
/// validation).
pub fn decode(doc: &Document) -> Result<Object, DecodeError> {
    decode_with(doc, DecodeOptions::default()).map(|d| d.object)
}

/// Decodes a document with explicit options.
pub fn decode_with(doc: &Document, options: DecodeOptions) -> Result<Decoded, DecodeError> {
    let duplicates: &[String] = if options.report_duplicates {
        &doc.duplicate_fields
    } else {
        &[]
    };
    decode_inner(doc.kind, &doc.value, options.field_validation, duplicates)
}

/// Decodes a request body that is already JSON (for API-server callers that did not go
/// through loading, such as patches).
pub fn decode_value(
    kind: Kind,
    value: &Value,
    field_validation: FieldValidation,
) -> Result<Decoded, DecodeError> {
    decode_inner(kind, value, field_validation, &[])
}

fn decode_inner(
    kind: Kind,
    value: &Value,
    validation: FieldValidation,
    duplicates: &[String],
) -> Result<Decoded, DecodeError> {
    match strict::decode_object(kind, value, validation, duplicates) {
        strict::Outcome::Ok(object, warnings) => Ok(Decoded {
            object,
            warnings: if validation == FieldValidation::Warn {
                warnings
            } else {
                vec![]
            },
        }),
        strict::Outcome::Malformed(m) => Err(DecodeError {
            kind,
            failure: DecodeFailure::Malformed(m),
        }),
        strict::Outcome::Strict(errs) => Err(DecodeError {
            kind,
            failure: DecodeFailure::Strict(errs),
        }),
    }
}
