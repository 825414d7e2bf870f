//! `kubectl label` and `kubectl annotate` (`staging/src/k8s.io/kubectl/pkg/cmd/label/`,
//! `.../annotate/`): `key=value` sets, `key-` removes, `--overwrite` allows changing a value;
//! the change goes to the server as a JSON merge patch of the metadata.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::errors::KubectlError;
use super::output::{self, Format};
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::api::Object;
use crate::apiserver::{PatchType, Subresource};

/// Which command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Label,
    Annotate,
}

impl Mode {
    fn noun(self) -> &'static str {
        match self {
            Mode::Label => "label",
            Mode::Annotate => "annotation",
        }
    }
}

/// `cmdutil.GetResourcesAndPairs`: resources first, then `k=v` / `k-` pairs.
pub(crate) fn resources_and_pairs(
    args: &[String],
    pair_type: &str,
) -> Result<(Vec<String>, Vec<String>), Failure> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    let mut found_pair = false;
    for s in args {
        let non_resource =
            (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        if non_resource {
            found_pair = true;
            pairs.push(s.clone());
        } else if found_pair {
            return Err(client_err(format!(
                "all resources must be specified before {pair_type} changes: {s}"
            )));
        } else {
            resources.push(s.clone());
        }
    }
    Ok((resources, pairs))
}

type Pairs = (BTreeMap<String, String>, Vec<String>);

/// `parseLabels`.
fn parse_labels(specs: &[String]) -> Result<Pairs, Failure> {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    for spec in specs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            if parts.len() != 2 {
                return Err(client_err(format!("invalid label spec: {spec}")));
            }
            let errs = crate::api::names::is_label_value(parts[1]);
            if !errs.is_empty() {
                return Err(client_err(format!(
                    "invalid label value: {}: {}",
                    crate::api::field::go_quote(spec),
                    errs.join(";")
                )));
            }
            set.insert(parts[0].to_string(), parts[1].to_string());
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(client_err(format!("unknown label spec: {spec}")));
        }
    }
    if remove.iter().any(|k| set.contains_key(k)) {
        return Err(client_err(
            "can not both modify and remove a label in the same command",
        ));
    }
    Ok((set, remove))
}

/// `cmdutil.ParsePairs` for annotations.
fn parse_annotations(specs: &[String]) -> Result<Pairs, Failure> {
    let mut set = BTreeMap::new();
    let mut remove = Vec::new();
    let mut invalid = Vec::new();
    for spec in specs {
        if spec.contains('=') && !spec.starts_with('=') {
            let (k, v) = spec.split_once('=').unwrap_or((spec, ""));
            set.insert(k.to_string(), v.to_string());
        } else if spec.ends_with('-') && spec != "-" {
            remove.push(spec[..spec.len() - 1].to_string());
        } else {
            invalid.push(spec.clone());
        }
    }
    if !invalid.is_empty() {
        return Err(client_err(format!(
            "invalid annotation format: {}",
            invalid.join(", ")
        )));
    }
    Ok((set, remove))
}

/// Runs `kubectl label` or `kubectl annotate`.
pub(crate) fn run(cx: &mut Cx, mode: Mode) -> CmdResult {
    reject_flags(
        cx,
        &["local", "list", "kustomize", "resource-version", "filename"],
    )?;
    let (resources, pair_args) = resources_and_pairs(&cx.p.args, mode.noun())?;
    let (set, remove) = match mode {
        Mode::Label => parse_labels(&pair_args)?,
        Mode::Annotate => parse_annotations(&pair_args)?,
    };
    let scope = Scope::from_flags(cx);
    let all = cx.p.bool("all");
    if all && !scope.label_selector.is_empty() {
        return Err(client_err(
            "cannot set --all and --selector at the same time",
        ));
    }
    if all && !scope.field_selector.is_empty() {
        return Err(client_err(
            "cannot set --all and --field-selector at the same time",
        ));
    }
    if resources.is_empty() {
        return Err(client_err(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if set.is_empty() && remove.is_empty() {
        return Err(client_err(format!(
            "at least one {} update is required",
            mode.noun()
        )));
    }
    if mode == Mode::Annotate {
        let both: Vec<&str> = remove
            .iter()
            .filter(|k| set.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !both.is_empty() {
            return Err(client_err(format!(
                "can not both modify and remove the following annotation(s) in the same command: {}",
                both.join(", ")
            )));
        }
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let overwrite = cx.p.bool("overwrite");
    let targets = resource::targets(
        &resources,
        Rules {
            allow_empty_selector: all,
            has_selector: scope.has_selector(),
            select_all: all,
        },
    )?;
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    let mut printed = Vec::new();
    for obj in found.into_iter().flat_map(|f| f.objects) {
        match label_one(cx, mode, &obj, &set, &remove, overwrite, dry, &format) {
            Ok(text) => printed.push(text),
            Err(Failure::Errors(e)) => {
                errors.extend(e);
                break;
            }
            Err(other) => return Err(other),
        }
    }
    cx.out.push_str(&output::join_results(&format, printed));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

#[allow(clippy::too_many_arguments)]
fn label_one(
    cx: &mut Cx,
    mode: Mode,
    obj: &Object,
    set: &BTreeMap<String, String>,
    remove: &[String],
    overwrite: bool,
    dry: DryRun,
    format: &Format,
) -> Result<String, Failure> {
    let meta = obj.meta();
    let current: BTreeMap<String, String> = match mode {
        Mode::Label => meta.labels.clone().unwrap_or_default(),
        Mode::Annotate => meta.annotations.clone().unwrap_or_default(),
    };
    if !overwrite {
        let conflicts: Vec<(&String, &String)> = set
            .iter()
            .filter(|(k, _)| !(mode == Mode::Annotate && *k == "kubernetes.io/change-cause"))
            .filter_map(|(k, v)| current.get(k).filter(|c| *c != v).map(|c| (k, c)))
            .collect();
        if !conflicts.is_empty() {
            return Err(match mode {
                Mode::Label => Failure::Errors(
                    conflicts
                        .iter()
                        .map(|(k, c)| {
                            KubectlError::Client(format!(
                                "'{k}' already has a value ({c}), and --overwrite is false"
                            ))
                        })
                        .collect(),
                ),
                Mode::Annotate => client_err(format!(
                    "--overwrite is false but found the following declared annotation(s): {}",
                    conflicts
                        .iter()
                        .map(|(k, c)| format!("'{k}' already has a value ({c})"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
            });
        }
    }
    if mode == Mode::Label && dry == DryRun::None {
        for k in remove {
            if !current.contains_key(k) {
                cx.out.push_str(&format!("label \"{k}\" not found.\n"));
            }
        }
    }
    let mut next = current.clone();
    for (k, v) in set {
        next.insert(k.clone(), v.clone());
    }
    for k in remove {
        next.remove(k);
    }
    let message = match mode {
        Mode::Label => label_message(&current, &next),
        Mode::Annotate => "annotated",
    };
    let operation = format!("{message}{}", dry.suffix());
    let field = match mode {
        Mode::Label => "labels",
        Mode::Annotate => "annotations",
    };
    if dry == DryRun::Client {
        let mut local = obj.clone();
        let m = local.meta_mut();
        let map = if next.is_empty() { None } else { Some(next) };
        match mode {
            Mode::Label => m.labels = map,
            Mode::Annotate => m.annotations = map,
        }
        return output::print_result(format, &local, &operation);
    }
    // The merge patch kubectl computes from the object before and after.
    let mut changes = Map::new();
    for (k, v) in set {
        if current.get(k) != Some(v) {
            changes.insert(k.clone(), Value::String(v.clone()));
        }
    }
    for k in remove {
        if current.contains_key(k) {
            changes.insert(k.clone(), Value::Null);
        }
    }
    let stored = if changes.is_empty() {
        cx.sim().api().get(&obj.key())?
    } else {
        let patch = if next.is_empty() {
            serde_json::json!({"metadata": {field: Value::Null}})
        } else {
            serde_json::json!({"metadata": {field: Value::Object(changes)}})
        };
        let key = obj.key();
        if dry == DryRun::Server {
            cx.write(|api| api.patch_dry_run(&key, PatchType::Merge, &patch, Subresource::None))?
        } else {
            cx.write(|api| api.patch(&key, PatchType::Merge, &patch, Subresource::None))?
        }
    };
    // label prints the object it sent; annotate the server's answer.
    output::print_result(format, &stored, &operation)
}

/// `updateDataChangeMsg`.
fn label_message(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> &'static str {
    let unlabeled = old.keys().any(|k| !new.contains_key(k));
    let labeled = old.iter().any(|(k, v)| new.get(k).is_some_and(|n| n != v))
        || new.keys().any(|k| !old.contains_key(k));
    match (labeled, unlabeled) {
        (true, true) => "label(s) changed",
        (true, false) => "labeled",
        (false, true) => "unlabeled",
        (false, false) => "not labeled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn pairs_follow_resources() {
        let (r, p) = resources_and_pairs(&s(&["pod", "web-0", "a=b", "c-"]), "label").unwrap();
        assert_eq!(r, s(&["pod", "web-0"]));
        assert_eq!(p, s(&["a=b", "c-"]));
        assert!(resources_and_pairs(&s(&["pod", "a=b", "web-0"]), "label").is_err());
    }

    #[test]
    fn label_messages_match_upstream() {
        let m = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            label_message(&m(&[("a", "b")]), &m(&[("a", "b")])),
            "not labeled"
        );
        assert_eq!(label_message(&m(&[]), &m(&[("a", "b")])), "labeled");
        assert_eq!(label_message(&m(&[("a", "b")]), &m(&[])), "unlabeled");
        assert_eq!(
            label_message(&m(&[("a", "b")]), &m(&[("c", "d")])),
            "label(s) changed"
        );
    }
}
