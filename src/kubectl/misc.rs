//! `kubectl api-resources` and `kubectl version`.

use serde_json::{Value, json};

use super::{CmdResult, Cx, client_err};
use crate::api::Kind;
use crate::printers;
use crate::printers::tabwriter::TabWriter;

/// The client and server version stsim reports.
pub const VERSION: &str = "v1.35.0";
/// The kustomize version kubectl 1.35 bundles.
pub const KUSTOMIZE_VERSION: &str = "v5.7.1";

/// `kubectl api-resources`: the resources the simulated API server serves, sorted by group
/// then name as kubectl sorts them.
pub(crate) fn api_resources(cx: &mut Cx) -> CmdResult {
    let output = cx.p.string("output");
    if !matches!(output.as_str(), "" | "wide" | "name") {
        return Err(client_err(format!("--output {output} is not available")));
    }
    let sort_by = cx.p.string("sort-by");
    if !matches!(sort_by.as_str(), "" | "name" | "kind") {
        return Err(client_err("--sort-by accepts only name or kind"));
    }
    let group_filter = cx.p.string("api-group");
    let namespaced_filter = cx.p.is_set("namespaced").then(|| cx.p.bool("namespaced"));
    let mut rows: Vec<&'static crate::api::KindInfo> = Kind::ALL
        .iter()
        .map(|k| k.info())
        .filter(|i| !cx.p.is_set("api-group") || i.group == group_filter)
        .filter(|i| namespaced_filter.is_none_or(|n| n == i.namespaced))
        .collect();
    rows.sort_by(|a, b| {
        let key = |i: &crate::api::KindInfo| match sort_by.as_str() {
            "name" => i.plural.to_string(),
            "kind" => i.kind.to_string(),
            _ => i.group.to_string(),
        };
        key(a).cmp(&key(b)).then(a.plural.cmp(b.plural))
    });
    if output == "name" {
        for i in rows {
            if i.group.is_empty() {
                cx.out.push_str(&format!("{}\n", i.plural));
            } else {
                cx.out.push_str(&format!("{}.{}\n", i.plural, i.group));
            }
        }
        return Ok(());
    }
    let wide = output == "wide";
    let mut w = TabWriter::kubectl_table();
    if !cx.p.bool("no-headers") {
        w.write("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND");
        if wide {
            w.write("\tVERBS\tCATEGORIES");
        }
        w.write("\n");
    }
    for i in rows {
        w.write(&format!(
            "{}\t{}\t{}\t{}\t{}",
            i.plural,
            i.short_names.join(","),
            i.api_version(),
            i.namespaced,
            i.kind
        ));
        if wide {
            let category = if crate::kubectl::resource::ALL_CATEGORY
                .iter()
                .any(|k| k.info().plural == i.plural)
            {
                "all"
            } else {
                ""
            };
            w.write(&format!(
                "\tcreate,delete,deletecollection,get,list,patch,update,watch\t{category}"
            ));
        }
        w.write("\n");
    }
    cx.out.push_str(&w.finish());
    Ok(())
}

fn version_info() -> Value {
    json!({
        "major": "1",
        "minor": "35",
        "gitVersion": VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-12-17T00:00:00Z",
        "goVersion": "go1.25.5",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `kubectl version`.
pub(crate) fn version(cx: &mut Cx) -> CmdResult {
    let output = cx.p.string("output");
    let client_only = cx.p.bool("client");
    match output.as_str() {
        "" => {
            cx.out.push_str(&format!(
                "Client Version: {VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
            ));
            if !client_only {
                cx.out.push_str(&format!("Server Version: {VERSION}\n"));
            }
            Ok(())
        }
        "yaml" | "json" => {
            let mut v = json!({
                "clientVersion": version_info(),
                "kustomizeVersion": KUSTOMIZE_VERSION,
            });
            if !client_only {
                v["serverVersion"] = version_info();
            }
            if output == "yaml" {
                cx.out.push_str(&printers::to_yaml(&v));
                cx.out.push('\n');
            } else {
                // kubectl marshals the struct: fields in declaration order, two spaces.
                cx.out.push_str(&version_json(client_only));
            }
            Ok(())
        }
        _ => Err(client_err("--output must be 'yaml' or 'json'")),
    }
}

fn version_json(client_only: bool) -> String {
    let info = |indent: &str| -> String {
        let fields = [
            ("major", "1"),
            ("minor", "35"),
            ("gitVersion", VERSION),
            ("gitCommit", "0000000000000000000000000000000000000000"),
            ("gitTreeState", "clean"),
            ("buildDate", "2025-12-17T00:00:00Z"),
            ("goVersion", "go1.25.5"),
            ("compiler", "gc"),
            ("platform", "linux/amd64"),
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{indent}  \"{k}\": \"{v}\""))
            .collect();
        format!("{{\n{}\n{indent}}}", body.join(",\n"))
    };
    let mut parts = vec![
        format!("  \"clientVersion\": {}", info("  ")),
        format!("  \"kustomizeVersion\": \"{KUSTOMIZE_VERSION}\""),
    ];
    if !client_only {
        parts.push(format!("  \"serverVersion\": {}", info("  ")));
    }
    format!("{{\n{}\n}}\n", parts.join(",\n"))
}
