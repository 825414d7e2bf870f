//! `kubectl create -f`, `create namespace`, `create secret generic` and `create configmap`
//! (`staging/src/k8s.io/kubectl/pkg/cmd/create/`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::apply::{decode_all, load_inputs, set_last_applied, set_namespace};
use super::errors::KubectlError;
use super::output;
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags, usage_err};
use crate::api::{Kind, Object};
use crate::apiserver::CreateOptions;

/// `kubectl create -f FILE`.
pub(crate) fn run_file(cx: &mut Cx) -> CmdResult {
    reject_flags(
        cx,
        &[
            "kustomize",
            "edit",
            "raw",
            "windows-line-endings",
            "selector",
        ],
    )?;
    if !cx.p.args.is_empty() {
        return Err(usage_err(
            "create",
            &format!("Unexpected args: [{}]", cx.p.args.join(" ")),
        ));
    }
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
        if cx.p.bool("save-config") {
            set_last_applied(&mut obj, &d.doc.value);
        }
        match send(cx, obj, dry) {
            Ok(o) => printed.push(output::print_result(
                &format,
                &o,
                &format!("created{}", dry.suffix()),
            )?),
            Err(e) => errors.push(KubectlError::from_source(e, "creating", &d.doc.file)),
        }
    }
    cx.out.push_str(&output::join_results(&format, printed));
    let all: Vec<KubectlError> = load_errors.into_iter().chain(errors).collect();
    if all.is_empty() {
        if inputs.iter().all(|m| m.entries.is_empty()) {
            return Err(client_err("no objects passed to create"));
        }
        Ok(())
    } else {
        Err(Failure::Errors(all))
    }
}

/// Creates `obj` (or pretends to, for a dry run).
fn send(
    cx: &mut Cx,
    obj: Object,
    dry: DryRun,
) -> Result<std::sync::Arc<Object>, crate::apiserver::ApiError> {
    match dry {
        DryRun::Client => Ok(std::sync::Arc::new(obj)),
        DryRun::Server => cx.write(|api| api.create_with(obj, &CreateOptions { dry_run: true })),
        DryRun::None => cx.write(|api| api.create(obj)),
    }
}

/// `exactly one NAME is required, got N`.
fn one_name(cx: &Cx) -> Result<String, Failure> {
    match cx.p.args.as_slice() {
        [name] => Ok(name.clone()),
        other => Err(usage_err(
            cx.p.command.path,
            &format!("exactly one NAME is required, got {}", other.len()),
        )),
    }
}

/// Creates a generated object and prints it.
fn create_generated(cx: &mut Cx, value: Value) -> CmdResult {
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let kind = Kind::from_api_version_kind(
        value["apiVersion"].as_str().unwrap_or(""),
        value["kind"].as_str().unwrap_or(""),
    )
    .ok_or_else(|| client_err("internal error: unknown generated kind"))?;
    if dry == DryRun::Client {
        let text = client_dry_run_text(cx, &format, value)?;
        cx.out.push_str(&text);
        return Ok(());
    }
    let obj = Object::from_json(kind, value).map_err(|e| client_err(e.to_string()))?;
    let stored = send(cx, obj, dry)?;
    let text = output::print_result(&format, &stored, &format!("created{}", dry.suffix()))?;
    cx.out.push_str(&text);
    Ok(())
}

/// What a generator command prints for `--dry-run=client`: the typed object kubectl built
/// (no namespace unless `-n` was given, `creationTimestamp: null`), JSON in the Go struct's
/// field order.
fn client_dry_run_text(
    cx: &Cx,
    format: &output::Format,
    mut value: Value,
) -> Result<String, Failure> {
    let kind = value["kind"].as_str().unwrap_or("").to_string();
    let name = value["metadata"]["name"].as_str().unwrap_or("").to_string();
    if (!cx.namespace_enforced() || kind == "Namespace")
        && let Some(m) = value["metadata"].as_object_mut()
    {
        m.remove("namespace");
    }
    value["metadata"]["creationTimestamp"] = Value::Null;
    if kind == "Namespace" {
        value["spec"] = json!({});
        value["status"] = json!({});
    }
    let group_kind = kind.to_lowercase();
    match format {
        output::Format::Default | output::Format::Wide => {
            Ok(format!("{group_kind}/{name} created (dry run)\n"))
        }
        output::Format::Name => Ok(format!("{group_kind}/{name}\n")),
        output::Format::Json => {
            let order: &[&str] = match kind.as_str() {
                "Namespace" => &["kind", "apiVersion", "metadata", "spec", "status"],
                "Secret" => &["kind", "apiVersion", "metadata", "data", "type"],
                _ => &["kind", "apiVersion", "metadata", "data", "binaryData"],
            };
            let mut fields = Vec::new();
            for k in order {
                let Some(v) = value.get(*k) else { continue };
                let text = if *k == "metadata" {
                    let mut meta = Vec::new();
                    for mk in ["name", "namespace", "creationTimestamp"] {
                        if let Some(mv) = v.get(mk) {
                            meta.push((mk, crate::printers::to_json(mv)));
                        }
                    }
                    ordered(&meta)
                } else {
                    crate::printers::to_json(v)
                };
                fields.push((*k, text));
            }
            Ok(ordered(&fields) + "\n")
        }
        other => output::print_value(other, &value),
    }
}

/// A JSON object with its fields in the given order; values are printed JSON texts.
fn ordered(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let v = v.trim_end_matches('\n').replace('\n', "\n    ");
            format!("    \"{k}\": {v}")
        })
        .collect();
    format!("{{\n{}\n}}", body.join(",\n"))
}

/// `kubectl create namespace NAME`.
pub(crate) fn namespace(cx: &mut Cx) -> CmdResult {
    let name = one_name(cx)?;
    create_generated(
        cx,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    )
}

/// Sources of data: `--from-literal` and `--from-file`, in kubectl's order (files first,
/// then literals).
fn data_sources(cx: &Cx, what: &str, name: &str) -> Result<BTreeMap<String, Vec<u8>>, Failure> {
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut add = |key: String, value: Vec<u8>| -> Result<(), Failure> {
        if data.contains_key(&key) {
            return Err(client_err(if what == "Secret" {
                format!("cannot add key {key}, another key by that name already exists")
            } else {
                format!(
                    "cannot add key \"{key}\", another key by that name already exists in Data for {what} \"{name}\""
                )
            }));
        }
        data.insert(key, value);
        Ok(())
    };
    for source in cx.p.list("from-file") {
        let (key, path) = match source.split_once('=') {
            Some((k, p)) => {
                if k.is_empty() || p.is_empty() {
                    return Err(client_err(format!(
                        "key names or file paths cannot be empty: {source}"
                    )));
                }
                (Some(k.to_string()), p.to_string())
            }
            None => (None, source.clone()),
        };
        let real = cx.resolve_path(&path);
        let meta = std::fs::metadata(&real)
            .map_err(|_| client_err(format!("error reading {path}: no such file or directory")))?;
        if meta.is_dir() {
            if key.is_some() {
                return Err(client_err("cannot give a key name for a directory path"));
            }
            let mut entries: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&real)
                .map_err(|e| client_err(format!("error listing files in {path}: {e}")))?
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect();
            entries.sort();
            for (file, p) in entries {
                let bytes = std::fs::read(&p)
                    .map_err(|e| client_err(format!("error reading {file}: {e}")))?;
                add(file, bytes)?;
            }
        } else {
            let bytes = std::fs::read(&real).map_err(|_| {
                client_err(format!("error reading {path}: no such file or directory"))
            })?;
            let key = key.unwrap_or_else(|| path.rsplit('/').next().unwrap_or(&path).to_string());
            add(key, bytes)?;
        }
    }
    for literal in cx.p.list("from-literal") {
        match literal.split_once('=') {
            Some((k, v)) if !k.is_empty() => add(k.to_string(), v.as_bytes().to_vec())?,
            _ => {
                return Err(client_err(format!(
                    "invalid literal source {literal}, expected key=value"
                )));
            }
        }
    }
    Ok(data)
}

/// `kubectl create secret generic NAME`.
pub(crate) fn secret_generic(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["from-env-file", "append-hash"])?;
    let name = one_name(cx)?;
    let data = data_sources(cx, "Secret", &name)?;
    let mut v = json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": name, "namespace": cx.namespace()},
    });
    if !data.is_empty() {
        v["data"] = Value::Object(
            data.into_iter()
                .map(|(k, b)| (k, Value::String(base64(&b))))
                .collect(),
        );
    }
    let t = cx.p.string("type");
    if !t.is_empty() {
        v["type"] = Value::String(t);
    }
    create_generated(cx, v)
}

/// `kubectl create configmap NAME`.
pub(crate) fn configmap(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["from-env-file", "append-hash"])?;
    let name = one_name(cx)?;
    let data = data_sources(cx, "ConfigMap", &name)?;
    let mut v = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": cx.namespace()},
    });
    let mut text = serde_json::Map::new();
    let mut binary = serde_json::Map::new();
    for (k, b) in data {
        match String::from_utf8(b) {
            Ok(s) => {
                text.insert(k, Value::String(s));
            }
            Err(e) => {
                binary.insert(k, Value::String(base64(e.as_bytes())));
            }
        }
    }
    if !text.is_empty() {
        v["data"] = Value::Object(text);
    }
    if !binary.is_empty() {
        v["binaryData"] = Value::Object(binary);
    }
    create_generated(cx, v)
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b"b"), "Yg==");
        assert_eq!(base64(b"hi\n"), "aGkK");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }
}
