//! `stsim validate FILE|DIR|-...`: every document through the simulated API server's
//! defaulting, admission and validation, reported in kubectl's words.

use std::path::Path;

use clap::{Args, ValueEnum};

use super::Output;
use crate::api::{Object, ObjectKey};
use crate::apiserver::patch::three_way_apply;
use crate::apiserver::{ApiServer, ApiServerOptions};
use crate::engine::SimRng;
use crate::kubectl::errors::{KubectlError, check_err};
use crate::manifest::{self, ManifestError, Manifests};
use crate::{cluster, controllers};

/// Arguments of `stsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Manifest files, directories (.yaml, .yml, .json in name order) or `-` for stdin.
    #[arg(required = true, value_name = "FILE|DIR|-")]
    pub paths: Vec<String>,
    /// Process directories recursively.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Print the objects as the API server stores them instead of a summary line.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
    /// The namespace for documents that name none (default: `default`).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// `-o` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// YAML, as `kubectl ... -o yaml` prints it.
    Yaml,
    /// JSON, as `kubectl ... -o json` prints it.
    Json,
    /// `statefulset.apps/web`.
    Name,
}

/// Runs `stsim validate`.
pub fn run(args: &ValidateArgs, stdin: &mut dyn std::io::Read) -> Output {
    let mut out = Output::default();
    let mut inputs: Vec<Manifests> = Vec::new();
    for path in &args.paths {
        if path == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = stdin.read_to_end(&mut bytes) {
                out.stderr = format!("error: reading stdin: {e}\n");
                out.code = 2;
                return out;
            }
            inputs.push(manifest::load_bytes("-", &bytes));
        } else {
            match manifest::load_path(Path::new(path), args.recursive) {
                Ok(m) => inputs.push(m),
                Err(e) => {
                    out.stderr = check_err(&[KubectlError::Client(e.to_string())]);
                    out.code = 2;
                    return out;
                }
            }
        }
    }

    let mut api = ApiServer::new(
        SimRng::from_seed(0).fork("apiserver"),
        ApiServerOptions::default(),
    );
    if let Err(e) = cluster::bootstrap_kind(&mut api) {
        out.stderr = format!("stsim: error: bootstrapping the scratch cluster: {e}\n");
        out.code = 2;
        return out;
    }

    // kubectl reports loading errors before the errors of individual objects.
    let mut load_errors: Vec<KubectlError> = Vec::new();
    let mut apply_errors: Vec<KubectlError> = Vec::new();
    let mut printed: Vec<serde_json::Value> = Vec::new();
    for m in &inputs {
        for entry in &m.entries {
            let doc = match entry {
                Ok(doc) => doc,
                Err(e) => {
                    load_errors.push(client_error(e));
                    continue;
                }
            };
            let mut obj = match manifest::decode(doc) {
                Ok(o) => o,
                Err(e) => {
                    apply_errors.push(KubectlError::from_source(
                        e.to_api_error(),
                        "creating",
                        &doc.file,
                    ));
                    continue;
                }
            };
            if let Err(e) = set_namespace(&mut obj, args.namespace.as_deref()) {
                apply_errors.push(KubectlError::Client(e));
                continue;
            }
            set_last_applied(&mut obj, &doc.value);
            match apply(&mut api, obj) {
                Ok((stored, verb)) => {
                    let info = stored.kind().info();
                    match args.output {
                        None => out.stdout.push_str(&format!(
                            "{}/{} {verb} (server dry run)\n",
                            info.group_singular(),
                            stored.name()
                        )),
                        Some(OutputFormat::Name) => out.stdout.push_str(&format!(
                            "{}/{}\n",
                            info.group_singular(),
                            stored.name()
                        )),
                        Some(_) => printed.push(stored.to_json()),
                    }
                    // Namespaces get their service account and root CA before the next
                    // document, as the controllers would have done by then.
                    let _ = controllers::settle(&mut api, 10);
                }
                Err(e) => apply_errors.push(KubectlError::from_source(e, "creating", &doc.file)),
            }
        }
    }
    match args.output {
        Some(OutputFormat::Yaml) => out
            .stdout
            .push_str(&crate::printers::yaml::to_yaml_documents(&printed)),
        Some(OutputFormat::Json) => out
            .stdout
            .push_str(&crate::printers::json::to_json_documents(&printed)),
        _ => {}
    }
    let errors: Vec<KubectlError> = load_errors.into_iter().chain(apply_errors).collect();
    if !errors.is_empty() {
        out.stderr.push_str(&check_err(&errors));
        out.code = 1;
    }
    out
}

fn client_error(e: &ManifestError) -> KubectlError {
    KubectlError::Client(e.to_string())
}

/// The annotation `kubectl apply` keeps the applied configuration in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Stores the applied configuration on the object, as `kubectl apply` does
/// (`GetModifiedConfiguration`): the document with its namespace filled in, an `annotations`
/// map that never holds the annotation itself, serialized as compact JSON plus a newline.
fn set_last_applied(obj: &mut Object, document: &serde_json::Value) {
    let mut config = document.clone();
    if let Some(meta) = config.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        if obj.kind().is_namespaced() {
            meta.insert(
                "namespace".into(),
                serde_json::Value::String(obj.namespace().to_string()),
            );
        }
        let annotations = meta
            .entry("annotations")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
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

/// kubectl's namespace handling: the object's own namespace wins; without one, the `-n` value
/// (or `default`); an explicit `-n` that contradicts the object is an error.
fn set_namespace(obj: &mut Object, flag: Option<&str>) -> Result<(), String> {
    if !obj.kind().is_namespaced() {
        return Ok(());
    }
    let own = obj.namespace().to_string();
    match (own.is_empty(), flag) {
        (true, f) => {
            obj.meta_mut().namespace = Some(f.unwrap_or("default").to_string());
            Ok(())
        }
        (false, Some(f)) if f != own => Err(format!(
            "the namespace from the provided object \"{own}\" does not match the namespace \"{f}\". You must pass '--namespace={own}' to perform this operation."
        )),
        _ => Ok(()),
    }
}

/// `kubectl apply`'s create-or-update: a new object is created; an object already applied
/// earlier in the input is updated with apply's three-way merge of the last applied
/// configuration, the document and the live object (`configured`), or left alone when that
/// changes nothing (`unchanged`).
fn apply(
    api: &mut ApiServer,
    obj: Object,
) -> Result<(std::sync::Arc<Object>, &'static str), crate::apiserver::ApiError> {
    let key: ObjectKey = obj.key();
    let Some(current) = api.try_get(&key).cloned() else {
        return Ok((api.create(obj)?, "created"));
    };
    let original: Option<serde_json::Value> = current
        .meta()
        .annotations
        .as_ref()
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(|s| serde_json::from_str(s).ok());
    let merged = three_way_apply(
        key.kind,
        original.as_ref(),
        &obj.to_json(),
        &current.to_json(),
    );
    let updated = Object::from_json(key.kind, merged).map_err(|e| {
        crate::apiserver::ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {e}",
            key.kind.info().kind,
            key.kind.info().version,
            key.kind.info().kind
        ))
    })?;
    let rv = api.resource_version();
    let stored = api.update(updated)?;
    let verb = if api.resource_version() == rv {
        "unchanged"
    } else {
        "configured"
    };
    Ok((stored, verb))
}
