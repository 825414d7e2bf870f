//! kubectl's printers as commands choose them (`genericclioptions.PrintFlags`): `-o yaml`,
//! `json`, `name`, `jsonpath=`, `go-template=` (and `--template`), `custom-columns=` and, for
//! `get`, the server's table (`wide`). Mutating commands print `kind/name <operation>` unless
//! `-o` says otherwise.

use serde_json::Value;

use super::{Failure, client_err};
use crate::api::Object;
use crate::printers;
use crate::printers::custom_columns::CustomColumns;

/// An output format.
#[derive(Clone, Debug)]
pub(crate) enum Format {
    /// The default: a table for `get`, `kind/name operation` for the others.
    Default,
    /// `-o wide` (only `get`).
    Wide,
    /// `-o yaml`.
    Yaml,
    /// `-o json`.
    Json,
    /// `-o name`.
    Name,
    /// `-o jsonpath=...` (the template).
    JsonPath(String),
    /// `-o go-template=...` / `--template`.
    GoTemplate(String),
    /// `-o custom-columns=...` (only `get`).
    CustomColumns(CustomColumns),
}

impl Format {
    /// True for the human-readable table printer of `get`.
    pub(crate) fn is_table(&self) -> bool {
        matches!(self, Format::Default | Format::Wide)
    }
}

const GET_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";
const OBJECT_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

/// Parses `-o` (and `--template`) as `PrintFlags.ToPrinter` does; `for_get` allows the table
/// formats.
pub(crate) fn parse_format(output: &str, template: &str, for_get: bool) -> Result<Format, Failure> {
    let unmatched = || {
        client_err(format!(
            "unable to match a printer suitable for the output format \"{output}\", allowed formats are: {}",
            if for_get { GET_FORMATS } else { OBJECT_FORMATS }
        ))
    };
    let template_or_flag = |inline: &str| -> Result<String, Failure> {
        let t = if inline.is_empty() { template } else { inline };
        if t.is_empty() {
            return Err(client_err(
                "template format specified but no template given",
            ));
        }
        Ok(t.to_string())
    };
    let (name, arg) = match output.split_once('=') {
        Some((n, a)) => (n, a),
        None => (output, ""),
    };
    Ok(match name {
        "" if !template.is_empty() => Format::GoTemplate(template.to_string()),
        "" => Format::Default,
        "wide" if for_get => Format::Wide,
        "yaml" => Format::Yaml,
        "json" => Format::Json,
        "name" => Format::Name,
        "jsonpath" => Format::JsonPath(template_or_flag(arg)?),
        "go-template" | "template" => Format::GoTemplate(template_or_flag(arg)?),
        "custom-columns" if for_get => {
            Format::CustomColumns(CustomColumns::parse(arg).map_err(client_err)?)
        }
        "jsonpath-as-json"
        | "jsonpath-file"
        | "go-template-file"
        | "templatefile"
        | "custom-columns-file" => {
            return Err(Failure::Text(format!(
                "stsim: `-o {name}` is not supported by the simulator\n"
            )));
        }
        _ => return Err(unmatched()),
    })
}

/// An object as printers see it: its JSON with `apiVersion` and `kind`.
pub(crate) fn object_json(obj: &Object) -> Value {
    let mut v = obj.to_json();
    if let Some(m) = v.as_object_mut() {
        let info = obj.kind().info();
        m.insert("apiVersion".into(), Value::String(info.api_version()));
        m.insert("kind".into(), Value::String(info.kind.to_string()));
    }
    v
}

/// Prints one value (an object or a List) with a generic printer. The name printer needs
/// the objects' kinds and names, so it takes them separately.
pub(crate) fn print_value(format: &Format, value: &Value) -> Result<String, Failure> {
    match format {
        Format::Yaml => printers::try_to_yaml(value).map_err(|e| client_err(e.to_string())),
        Format::Json => Ok(printers::to_json(value)),
        Format::JsonPath(t) => printers::jsonpath::print_jsonpath(t, value).map_err(jsonpath_err),
        Format::GoTemplate(t) => {
            printers::gotemplate::print_go_template(t, value).map_err(jsonpath_err)
        }
        Format::Name => Ok(name_lines(value)),
        Format::CustomColumns(c) => {
            let items: Vec<Value> = match value.get("items").and_then(Value::as_array) {
                Some(items) if value.get("kind").and_then(Value::as_str) == Some("List") => {
                    items.clone()
                }
                _ => vec![value.clone()],
            };
            c.print(&items, false).map_err(client_err)
        }
        Format::Default | Format::Wide => Ok(name_lines(value)),
    }
}

/// Errors that already carry their own line ends print as they are.
fn jsonpath_err(message: String) -> Failure {
    if message.ends_with('\n') {
        Failure::Text(format!("error: {message}"))
    } else {
        client_err(message)
    }
}

/// `-o name` of an object or a List: `kind.group/name` per object.
fn name_lines(value: &Value) -> String {
    let one = |v: &Value| -> String {
        let api_version = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let group = api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        if group.is_empty() {
            format!("{}/{name}\n", kind.to_lowercase())
        } else {
            format!("{}.{group}/{name}\n", kind.to_lowercase())
        }
    };
    if value.get("kind").and_then(Value::as_str) == Some("List") {
        value
            .get("items")
            .and_then(Value::as_array)
            .map(|items| items.iter().map(one).collect())
            .unwrap_or_default()
    } else {
        one(value)
    }
}

/// What a mutating command prints for `obj` after `operation` (`created`, `scaled`...):
/// `statefulset.apps/web scaled` by default, else the object in the chosen format.
pub(crate) fn print_result(
    format: &Format,
    obj: &Object,
    operation: &str,
) -> Result<String, Failure> {
    match format {
        Format::Default | Format::Wide => Ok(format!(
            "{} {operation}\n",
            super::resource::kind_name(obj.kind(), obj.name())
        )),
        Format::Name => Ok(format!(
            "{}\n",
            super::resource::kind_name(obj.kind(), obj.name())
        )),
        other => print_value(other, &object_json(obj)),
    }
}

/// Several results in one format: YAML documents are separated by `---`, JSON objects
/// concatenated, the rest one after the other.
pub(crate) fn join_results(format: &Format, parts: Vec<String>) -> String {
    match format {
        Format::Yaml => parts.join("---\n"),
        _ => parts.concat(),
    }
}
