//! `kubectl apply -f` (client-side apply, `staging/src/k8s.io/kubectl/pkg/cmd/apply/`): each
//! document is created when absent (`created`), else merged into the live object with apply's
//! three-way merge of the last applied configuration, the document and the live object
//! (`configured`, or `unchanged` when that changes nothing). The applied configuration is
//! kept in the `kubectl.kubernetes.io/last-applied-configuration` annotation.
//!
//! Also the manifest loading shared by `create -f` and `delete -f`: paths are read relative
//! to the session's folder and named as typed.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::errors::KubectlError;
use super::output;
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::api::{Object, ObjectKey};
use crate::apiserver::patch::three_way_apply;
use crate::apiserver::{ApiError, ApiServer, CreateOptions};
use crate::manifest::{self, DecodeOptions, Document, FieldValidation, ManifestError, Manifests};

/// The annotation `kubectl apply` keeps the applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Loads every `-f` input, in order (`-` is stdin). A path that does not exist fails the
/// whole command, as in kubectl.
pub(crate) fn load_inputs(cx: &Cx) -> Result<Vec<Manifests>, Failure> {
    let recursive = cx.p.bool("recursive");
    let mut inputs = Vec::new();
    for typed in cx.p.list("filename") {
        if typed == "-" {
            inputs.push(manifest::load_str("-", cx.stdin));
            continue;
        }
        let real = cx.resolve_path(&typed);
        let meta = std::fs::metadata(&real).map_err(|_| {
            client_err(
                ManifestError::PathNotFound {
                    path: typed.clone(),
                }
                .to_string(),
            )
        })?;
        let mut files = Vec::new();
        if meta.is_dir() {
            walk(&real, &typed, recursive, &mut files);
        } else {
            files.push((real.clone(), typed.clone()));
        }
        let mut m = Manifests::default();
        for (path, shown) in files {
            match std::fs::read(&path) {
                Ok(bytes) => m
                    .entries
                    .extend(manifest::load_bytes(&shown, &bytes).entries),
                Err(e) => m.entries.push(Err(ManifestError::Read {
                    path: shown,
                    reason: e.to_string().to_lowercase(),
                })),
            }
        }
        inputs.push(m);
    }
    Ok(inputs)
}

/// `filepath.Walk` of a directory: entries by name, `.json`/`.yaml`/`.yml` files,
/// subdirectories only when recursive.
fn walk(dir: &Path, shown: &str, recursive: bool, out: &mut Vec<(std::path::PathBuf, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(String, std::path::PathBuf)> = rd
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    entries.sort();
    for (name, path) in entries {
        let child = go_join(shown, &name);
        if path.is_dir() {
            if recursive {
                walk(&path, &child, recursive, out);
            }
        } else if name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| manifest::FILE_EXTENSIONS.contains(&ext))
        {
            out.push((path, child));
        }
    }
}

/// Go's `filepath.Join`: joined and cleaned.
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
            p => parts.push(p),
        }
    }
    let body = parts.join("/");
    if rooted { format!("/{body}") } else { body }
}

/// The field validation `--validate` asks for.
pub(crate) fn field_validation(cx: &Cx) -> Result<FieldValidation, Failure> {
    match cx.p.string("validate").to_lowercase().as_str() {
        "strict" | "true" | "" => Ok(FieldValidation::Strict),
        "warn" => Ok(FieldValidation::Warn),
        "ignore" | "false" => Ok(FieldValidation::Ignore),
        other => Err(client_err(format!(
            "invalid - validate option \"{other}\"; must be one of: strict (or true), warn, ignore (or false)"
        ))),
    }
}

/// What [`decode_all`] returns: the decoded documents, the load errors and the decoding
/// errors.
pub(crate) type DecodedAll = (Vec<Decoded>, Vec<KubectlError>, Vec<KubectlError>);

/// A decoded document, ready to send.
pub(crate) struct Decoded {
    pub(crate) doc: Document,
    pub(crate) object: Object,
}

/// Decodes every document of `inputs`: load errors first (as kubectl reports them), then the
/// server's decoding errors (`error when <verb> "<file>": ...`); strict problems the server
/// let through become `Warning:` lines.
pub(crate) fn decode_all(
    cx: &mut Cx,
    inputs: &[Manifests],
    verb: &str,
) -> Result<DecodedAll, Failure> {
    let validation = if cx.p.command.flags.iter().any(|f| f.name == "validate") {
        field_validation(cx)?
    } else {
        FieldValidation::Strict
    };
    let mut load_errors = Vec::new();
    let mut decode_errors = Vec::new();
    let mut out = Vec::new();
    for m in inputs {
        for entry in &m.entries {
            let doc = match entry {
                Ok(d) => d,
                Err(e) => {
                    load_errors.push(KubectlError::Client(e.to_string()));
                    continue;
                }
            };
            match manifest::decode_with(
                doc,
                DecodeOptions {
                    field_validation: validation,
                    report_duplicates: false,
                },
            ) {
                Ok(d) => {
                    for w in &d.warnings {
                        cx.err.push_str(&format!("Warning: {w}\n"));
                    }
                    out.push(Decoded {
                        doc: doc.clone(),
                        object: d.object,
                    });
                }
                Err(e) => {
                    decode_errors.push(KubectlError::from_source(e.to_api_error(), verb, &doc.file))
                }
            }
        }
    }
    Ok((out, load_errors, decode_errors))
}

/// kubectl's namespace handling for an object from a file: its own namespace wins; without
/// one, the command's; an explicit `-n` that contradicts it is an error.
pub(crate) fn set_namespace(cx: &Cx, obj: &mut Object) -> Result<(), KubectlError> {
    if !obj.kind().is_namespaced() {
        return Ok(());
    }
    let own = obj.namespace().to_string();
    let ns = cx.namespace();
    if own.is_empty() {
        obj.meta_mut().namespace = Some(ns);
        return Ok(());
    }
    if cx.namespace_enforced() && own != ns {
        return Err(KubectlError::Client(format!(
            "the namespace from the provided object \"{own}\" does not match the namespace \"{ns}\". You must pass '--namespace={own}' to perform this operation."
        )));
    }
    Ok(())
}

/// Stores the applied configuration on the object (`GetModifiedConfiguration`): the document
/// with its namespace filled in, without the annotation itself, as compact JSON and a newline.
pub fn set_last_applied(obj: &mut Object, document: &Value) {
    let mut config = document.clone();
    if let Some(meta) = config.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        if obj.kind().is_namespaced() {
            meta.insert(
                "namespace".into(),
                Value::String(obj.namespace().to_string()),
            );
        }
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(a) = annotations.as_object_mut() {
            a.remove(LAST_APPLIED);
        }
    }
    let text = crate::printers::json::to_json_compact(&config) + "\n";
    obj.meta_mut()
        .annotations
        .get_or_insert_with(Default::default)
        .insert(LAST_APPLIED.to_string(), text);
}

/// What applying one object did.
pub enum Applied {
    /// It did not exist and was created.
    Created(Arc<Object>),
    /// It existed and changed.
    Configured(Arc<Object>),
    /// It existed and nothing changed.
    Unchanged(Arc<Object>),
}

/// `kubectl apply`'s create-or-merge of one object (the annotation already set on `obj`).
/// `warn_missing` is called when the live object was not created by apply.
pub fn apply_object(
    api: &mut ApiServer,
    obj: Object,
    dry_run_server: bool,
    warn_missing: &mut dyn FnMut(&Object),
) -> Result<Applied, (ApiError, bool)> {
    let key: ObjectKey = obj.key();
    let Some(current) = api.try_get(&key).cloned() else {
        return api
            .create_with(
                obj,
                &CreateOptions {
                    dry_run: dry_run_server,
                },
            )
            .map(Applied::Created)
            .map_err(|e| (e, true));
    };
    let original: Option<Value> = current
        .meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(|s| serde_json::from_str(s).ok());
    if original.is_none() {
        warn_missing(&current);
    }
    let merged = three_way_apply(
        key.kind,
        original.as_ref(),
        &output::object_json(&obj),
        &current.to_json(),
    );
    let updated = Object::from_json(key.kind, merged).map_err(|e| {
        (
            ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {e}",
                key.kind.info().kind,
                key.kind.info().version,
                key.kind.info().kind
            )),
            false,
        )
    })?;
    if dry_run_server {
        let stored = api.update_dry_run(updated).map_err(|e| (e, false))?;
        let same = strip_rv(&stored) == strip_rv(&current);
        return Ok(if same {
            Applied::Unchanged(current)
        } else {
            Applied::Configured(stored)
        });
    }
    let rv = api.resource_version();
    let stored = api.update(updated).map_err(|e| (e, false))?;
    Ok(if api.resource_version() == rv {
        Applied::Unchanged(stored)
    } else {
        Applied::Configured(stored)
    })
}

fn strip_rv(o: &Object) -> Value {
    let mut v = o.to_json();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    v
}

/// Runs `kubectl apply`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(
        cx,
        &[
            "kustomize",
            "prune",
            "prune-allowlist",
            "server-side",
            "selector",
            "subresource",
            "wait",
            "all",
        ],
    )?;
    if cx.p.list("filename").is_empty() {
        return Err(client_err("must specify one of -f and -k"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let inputs = load_inputs(cx)?;
    let (decoded, load_errors, mut errors) = decode_all(cx, &inputs, "creating")?;
    let mut printed = Vec::new();
    for d in decoded {
        let mut obj = d.object;
        if let Err(e) = set_namespace(cx, &mut obj) {
            errors.push(e);
            continue;
        }
        set_last_applied(&mut obj, &d.doc.value);
        let file = d.doc.file.clone();
        if dry == DryRun::Client {
            let exists = cx.sim().api().try_get(&obj.key()).is_some();
            let op = if exists { "configured" } else { "created" };
            printed.push(output::print_result(
                &format,
                &obj,
                &format!("{op}{}", dry.suffix()),
            )?);
            continue;
        }
        let mut warnings = String::new();
        let result = cx.write(|api| {
            apply_object(api, obj, dry == DryRun::Server, &mut |live: &Object| {
                warnings.push_str(&format!(
                    "Warning: resource {}/{} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n",
                    live.kind().info().plural,
                    live.name()
                ));
            })
        });
        cx.err.push_str(&warnings);
        match result {
            Ok(Applied::Created(o)) => {
                printed.push(output::print_result(
                    &format,
                    &o,
                    &format!("created{}", dry.suffix()),
                )?);
            }
            Ok(Applied::Configured(o)) => {
                printed.push(output::print_result(
                    &format,
                    &o,
                    &format!("configured{}", dry.suffix()),
                )?);
            }
            Ok(Applied::Unchanged(o)) => {
                printed.push(output::print_result(
                    &format,
                    &o,
                    &format!("unchanged{}", dry.suffix()),
                )?);
            }
            Err((e, creating)) => {
                let verb = if creating {
                    "creating"
                } else {
                    "applying patch"
                };
                errors.push(KubectlError::from_source(e, verb, &file));
            }
        }
    }
    cx.out.push_str(&output::join_results(&format, printed));
    let all: Vec<KubectlError> = load_errors.into_iter().chain(errors).collect();
    if all.is_empty() {
        if inputs.iter().all(|m| m.entries.is_empty()) {
            return Err(client_err("no objects passed to apply"));
        }
        Ok(())
    } else {
        Err(Failure::Errors(all))
    }
}

#[cfg(test)]
mod tests {
    use super::go_join;

    #[test]
    fn joined_paths_are_cleaned_like_go() {
        assert_eq!(go_join("./dir/", "a.yaml"), "dir/a.yaml");
        assert_eq!(go_join("dir", "a.yaml"), "dir/a.yaml");
        assert_eq!(go_join("/abs/x/..", "a.yaml"), "/abs/a.yaml");
    }
}
