//! `kubectl get` (`staging/src/k8s.io/kubectl/pkg/cmd/get/get.go`): server-side tables for
//! the human-readable output (one table per kind, kind-prefixed names when several kinds are
//! requested, a blank line between tables), generic printers otherwise (a `List` unless one
//! object was named), `--sort-by`, `--ignore-not-found`, and the "No resources found" notice.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::Value;

use super::errors::KubectlError;
use super::output::{self, Format};
use super::resource::{self, Found, Rules, Scope, Targets};
use super::{CmdResult, Cx, Failure, client_err, reject_flags, watch};
use crate::api::quantity::Quantity;
use crate::api::{Kind, Object};
use crate::printers;
use crate::printers::jsonpath::{JsonPath, relaxed_expression};
use crate::printers::table::{PrintOptions, Table};

/// The warning the API server sends with v1 Endpoints (kubectl prints it on stderr).
pub(crate) const ENDPOINTS_WARNING: &str =
    "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n";

/// Runs `kubectl get`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(
        cx,
        &[
            "raw",
            "kustomize",
            "filename",
            "subresource",
            "chunk-size",
            "server-print",
            "show-kind",
        ],
    )?;
    let out_flag = cx.p.string("output");
    let watching = cx.p.bool("watch") || cx.p.bool("watch-only");
    if cx.p.bool("show-labels") && !(out_flag.is_empty() || out_flag == "wide") {
        return Err(client_err(format!(
            "--show-labels option cannot be used with {out_flag} printer"
        )));
    }
    if cx.p.bool("output-watch-events") && !watching {
        return Err(client_err(
            "--output-watch-events option can only be used with --watch or --watch-only",
        ));
    }
    let format = output::parse_format(&out_flag, &cx.p.string("template"), true)?;
    if watching && !cx.p.string("sort-by").is_empty() {
        cx.err
            .push_str("warning: --watch or --watch-only requested, --sort-by will be ignored\n");
    }
    if cx.p.args.is_empty() {
        return Err(Failure::Text(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n".to_string(),
        ));
    }
    let scope = Scope::from_flags(cx);
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: true,
            has_selector: scope.has_selector(),
            select_all: false,
        },
    )?;
    if targets.kinds().contains(&Kind::Endpoints) {
        // The API server's deprecation warning (v1.33+) on every v1 Endpoints request.
        cx.err.push_str(ENDPOINTS_WARNING);
    }
    if watching {
        return watch::run(cx, &targets, &scope, &format);
    }
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    if cx.p.bool("ignore-not-found") {
        errors.retain(|e| !is_not_found(e));
    }
    let sort_by = cx.p.string("sort-by");
    if format.is_table() {
        print_tables(cx, &found, &errors, &scope, &targets, &format, &sort_by)?;
    } else {
        print_generic(cx, &found, &errors, &targets, &format, &sort_by)?;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

fn is_not_found(e: &KubectlError) -> bool {
    matches!(e, KubectlError::Status { error, .. } if error.is_not_found())
}

/// The table printer's options for `kind` from the command's flags.
pub(crate) fn print_options(cx: &Cx, kind: Kind, wide: bool, with_kind: bool) -> PrintOptions {
    PrintOptions {
        wide,
        no_headers: cx.p.bool("no-headers"),
        with_namespace: cx.p.bool("all-namespaces") && kind.is_namespaced(),
        show_labels: cx.p.bool("show-labels"),
        column_labels: cx
            .p
            .list("label-columns")
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        kind_prefix: with_kind.then(|| {
            let info = kind.info();
            if info.group.is_empty() {
                info.kind.to_lowercase()
            } else {
                format!("{}.{}", info.kind.to_lowercase(), info.group)
            }
        }),
    }
}

fn print_tables(
    cx: &mut Cx,
    found: &[Found],
    errors: &[KubectlError],
    scope: &Scope,
    targets: &Targets,
    format: &Format,
    sort_by: &str,
) -> CmdResult {
    let now = cx.now();
    // Consecutive results of one kind share a printer (one header, aligned together).
    let mut groups: Vec<(Kind, Vec<Arc<Object>>)> = Vec::new();
    for f in found {
        match groups.last_mut() {
            Some((k, objs)) if *k == f.kind => objs.extend(f.objects.iter().cloned()),
            _ => groups.push((f.kind, f.objects.clone())),
        }
    }
    let with_kind = {
        let mut kinds: Vec<Kind> = found.iter().map(|f| f.kind).collect();
        kinds.dedup();
        kinds.sort();
        kinds.dedup();
        kinds.len() > 1
    };
    let wide = matches!(format, Format::Wide);
    let mut written = String::new();
    for (kind, objs) in &groups {
        let objs = if sort_by.is_empty() {
            objs.clone()
        } else {
            sort_objects(objs, sort_by)?
        };
        let refs: Vec<&Object> = objs.iter().map(|o| o.as_ref()).collect();
        let table: Table = printers::columns::table(*kind, &refs, now);
        let opts = print_options(cx, *kind, wide, with_kind);
        let text = printers::table::render(&table, &opts);
        if text.is_empty() {
            continue;
        }
        if !written.is_empty() && !opts.no_headers {
            written.push('\n');
        }
        written.push_str(&text);
    }
    cx.out.push_str(&written);
    if written.is_empty() && !cx.p.bool("ignore-not-found") && errors.is_empty() {
        let all_namespaced =
            !scope.all_namespaces && targets.kinds().iter().all(|k| k.is_namespaced());
        let ns = scope.namespace.clone();
        cx.err.push_str(&printers::table::no_resources_found(
            all_namespaced.then_some(ns.as_str()),
        ));
    }
    Ok(())
}

fn print_generic(
    cx: &mut Cx,
    found: &[Found],
    errors: &[KubectlError],
    targets: &Targets,
    format: &Format,
    sort_by: &str,
) -> CmdResult {
    let single = targets.single_item_implied();
    if single && !errors.is_empty() {
        return Ok(());
    }
    let mut objs: Vec<Arc<Object>> = found.iter().flat_map(|f| f.objects.clone()).collect();
    if objs.is_empty() && cx.p.bool("ignore-not-found") {
        return Ok(());
    }
    if !sort_by.is_empty() {
        objs = sort_objects(&objs, sort_by)?;
    }
    let value = if single && objs.len() == 1 {
        output::object_json(&objs[0])
    } else {
        printers::list(objs.iter().map(|o| output::object_json(o)).collect())
    };
    let text = output::print_value(format, &value)?;
    cx.out.push_str(&text);
    Ok(())
}

/// `--sort-by`: the objects ordered by the JSONPath field (kubectl's `TableSorter`).
pub(crate) fn sort_objects(objs: &[Arc<Object>], field: &str) -> Result<Vec<Arc<Object>>, Failure> {
    let expr = relaxed_expression(field).unwrap_or_else(|_| field.to_string());
    let jp = JsonPath::parse(&expr).map_err(|e| client_err(format!("sorting error: {e}")))?;
    let mut keyed: Vec<(Option<Value>, Arc<Object>)> = Vec::new();
    for o in objs {
        let results = jp
            .find_results(&output::object_json(o))
            .map_err(|e| client_err(e.to_string()))?;
        let first = results.first().and_then(|g| g.first()).cloned();
        keyed.push((first, o.clone()));
    }
    if !keyed.is_empty() && keyed.iter().all(|(v, _)| v.is_none()) {
        return Err(client_err(format!(
            "couldn't find any field with path \"{expr}\" in the list of objects"
        )));
    }
    for (v, _) in &keyed {
        if let Some(Value::Bool(_) | Value::Object(_) | Value::Array(_) | Value::Null) = v {
            return Err(client_err(format!("field {expr} is an unsortable type")));
        }
    }
    // Go's sort is stable for the short lists kubectl sorts in practice (insertion sort).
    keyed.sort_by(|(a, _), (b, _)| compare_sort_values(a.as_ref(), b.as_ref()));
    Ok(keyed.into_iter().map(|(_, o)| o).collect())
}

fn compare_sort_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    let less = |x: Option<&Value>, y: Option<&Value>| -> bool {
        match (x, y) {
            (None, _) => true,
            (_, None) => false,
            (Some(x), Some(y)) => is_less(x, y),
        }
    };
    if less(a, b) && !less(b, a) {
        Ordering::Less
    } else if less(b, a) && !less(a, b) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn is_less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x < y,
            _ => x.as_f64().unwrap_or(0.0) < y.as_f64().unwrap_or(0.0),
        },
        (Value::String(x), Value::String(y)) => match (Quantity::parse(x), Quantity::parse(y)) {
            (Ok(qx), Ok(qy)) => qx.cmp_value(&qy) == Ordering::Less,
            _ => natural_less(x, y),
        },
        _ => false,
    }
}

/// `sortorder.NaturalLess`: digits sort before other bytes, runs of digits numerically.
pub(crate) fn natural_less(s1: &str, s2: &str) -> bool {
    let (a, b) = (s1.as_bytes(), s2.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (c1, c2) = (a[i], b[j]);
        let (d1, d2) = (c1.is_ascii_digit(), c2.is_ascii_digit());
        if d1 != d2 {
            return d1;
        }
        if !d1 {
            if c1 != c2 {
                return c1 < c2;
            }
            i += 1;
            j += 1;
            continue;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (nz1, nz2) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (l1, l2) = (i - nz1, j - nz2);
        if l1 != l2 {
            return l1 < l2;
        }
        if a[nz1..i] != b[nz2..j] {
            return a[nz1..i] < b[nz2..j];
        }
        if nz1 != nz2 {
            return nz1 < nz2;
        }
    }
    a.len() < b.len()
}

#[cfg(test)]
mod tests {
    use super::natural_less;

    #[test]
    fn natural_order_compares_numbers_by_value() {
        assert!(natural_less("web-2", "web-10"));
        assert!(!natural_less("web-10", "web-2"));
        assert!(natural_less("a", "b"));
        assert!(natural_less("1", "a"));
        assert!(natural_less("x01", "x001"));
        assert!(!natural_less("same", "same"));
    }
}
