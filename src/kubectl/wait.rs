//! `kubectl wait` (`staging/src/k8s.io/kubectl/pkg/cmd/wait/`): `--for=delete`,
//! `--for=condition=NAME[=VALUE]`, `--for=jsonpath='{...}'[=VALUE]`, each object in turn
//! within one `--timeout` (30 s by default), advancing the simulation while it waits.

use std::sync::Arc;

use serde_json::Value;

use super::delete::is_gone;
use super::output;
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, Failure, client_err, reject_flags};
use crate::api::{Object, ObjectKey};
use crate::engine::{SimDuration, SimTime};
use crate::printers::jsonpath::{JsonPath, relaxed_expression};
use crate::sim::Sim;

/// A condition to wait for.
enum Condition {
    Delete,
    Status {
        name: String,
        value: String,
    },
    JsonPath {
        path: JsonPath,
        value: Option<String>,
    },
}

/// `splitJSONPathInput`: splits at single `=`, keeping `==`.
fn split_jsonpath_input(input: &str) -> Vec<String> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if i + 1 < b.len() && b[i + 1] == b'=' {
                cur.extend_from_slice(b"==");
                i += 2;
                continue;
            }
            out.push(String::from_utf8_lossy(&cur).into_owned());
            cur.clear();
            i += 1;
            continue;
        }
        cur.push(b[i]);
        i += 1;
    }
    out.push(String::from_utf8_lossy(&cur).into_owned());
    out
}

/// `conditionFuncFor`.
fn parse_condition(spec: &str) -> Result<Condition, Failure> {
    if spec.eq_ignore_ascii_case("delete") {
        return Ok(Condition::Delete);
    }
    if let Some(rest) = spec.strip_prefix("condition=") {
        let (name, value) = match rest.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (rest.to_string(), "true".to_string()),
        };
        return Ok(Condition::Status { name, value });
    }
    if let Some(rest) = spec.strip_prefix("jsonpath=") {
        let parts = split_jsonpath_input(rest);
        if parts.is_empty() || parts.len() > 2 {
            return Err(client_err(
                "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'",
            ));
        }
        let expr = relaxed_expression(&parts[0]).map_err(client_err)?;
        let value = match parts.get(1) {
            None => None,
            Some(v) => {
                let v = v.trim_matches(|c| c == '\'' || c == '"').to_string();
                if v.is_empty() {
                    return Err(client_err(
                        "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3",
                    ));
                }
                Some(v)
            }
        };
        if expr.is_empty() {
            return Err(client_err("jsonpath expression cannot be empty"));
        }
        let path = JsonPath::parse(&expr).map_err(|e| client_err(e.to_string()))?;
        return Ok(Condition::JsonPath { path, value });
    }
    Err(client_err(format!(
        "unrecognized condition: {}",
        crate::api::field::go_quote(spec)
    )))
}

/// Whether `obj` meets a status or JSONPath condition.
fn check(cond: &Condition, obj: &Object) -> Result<bool, Failure> {
    let v = output::object_json(obj);
    match cond {
        Condition::Delete => Ok(false),
        Condition::Status { name, value } => {
            let generation = v.pointer("/metadata/generation").and_then(Value::as_i64);
            for c in v
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(t) = c.get("type").and_then(Value::as_str) else {
                    continue;
                };
                if !t.eq_ignore_ascii_case(name) {
                    continue;
                }
                let Some(status) = c.get("status").and_then(Value::as_str) else {
                    continue;
                };
                if let Some(g) = generation {
                    let observed =
                        c.get("observedGeneration")
                            .and_then(Value::as_i64)
                            .or_else(|| {
                                v.pointer("/status/observedGeneration")
                                    .and_then(Value::as_i64)
                            });
                    if observed.is_some_and(|o| o < g) {
                        return Ok(false);
                    }
                }
                return Ok(status.eq_ignore_ascii_case(value));
            }
            Ok(false)
        }
        Condition::JsonPath { path, value } => {
            let results = path
                .find_results(&v)
                .map_err(|e| client_err(e.to_string()))?;
            if results.is_empty() || results[0].is_empty() {
                return Ok(false);
            }
            if results.len() > 1 {
                return Err(client_err(
                    "given jsonpath expression matches more than one list",
                ));
            }
            if results[0].len() > 1 {
                return Err(client_err(
                    "given jsonpath expression matches more than one value",
                ));
            }
            let Some(want) = value else {
                return Ok(true);
            };
            let got = &results[0][0];
            if matches!(got, Value::Object(_) | Value::Array(_)) {
                return Err(client_err(
                    "jsonpath leads to a nested object or list which is not supported",
                ));
            }
            let text = crate::printers::jsonpath::go_sprint(got);
            Ok(text.trim() == want.trim())
        }
    }
}

/// Runs `kubectl wait`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive", "local"])?;
    let cond = parse_condition(&cx.p.string("for"))?;
    // A negative timeout waits a week (`effectiveTimeout` in wait.go's `ToOptions`).
    let timeout = match cx.p.go_duration("timeout") {
        d if d.is_negative => SimDuration::from_secs(168 * 3600),
        d => d.size,
    };
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let scope = Scope::from_flags(cx);
    let all = cx.p.bool("all");
    if cx.p.args.is_empty() {
        return Err(client_err(resource::MUST_PROVIDE));
    }
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: all,
            has_selector: scope.has_selector(),
            select_all: all,
        },
    )?;
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    let for_delete = matches!(cond, Condition::Delete);
    if for_delete {
        errors.retain(|e| {
            !matches!(e, super::errors::KubectlError::Status { error, .. } if error.is_not_found())
        });
    }
    if !errors.is_empty() {
        return Err(Failure::Errors(errors));
    }
    let objs: Vec<Arc<Object>> = found.into_iter().flat_map(|f| f.objects).collect();
    if objs.is_empty() && !for_delete {
        return Err(client_err("no matching resources found"));
    }
    let deadline: SimTime = cx.now() + timeout;
    for obj in objs {
        let key = obj.key();
        let resource_name = format!("{}/{}", obj.kind().info().plural, obj.name());
        let met = match &cond {
            Condition::Delete => {
                let uid = obj.uid().to_string();
                if timeout == SimDuration::ZERO {
                    if is_gone(cx.sim(), &key, &uid) {
                        true
                    } else {
                        return Err(client_err(format!("condition not met for {resource_name}")));
                    }
                } else {
                    cx.advance_until(deadline, |sim| is_gone(sim, &key, &uid))
                }
            }
            other => {
                if timeout == SimDuration::ZERO {
                    let current = cx.sim().api().get(&key)?;
                    if check(other, &current)? {
                        true
                    } else {
                        return Err(client_err(format!("condition not met for {resource_name}")));
                    }
                } else {
                    let mut failure: Option<Failure> = None;
                    let met = cx.advance_until(deadline, |sim| {
                        meets(sim, &key, other).unwrap_or_else(|f| {
                            failure = Some(f);
                            true
                        })
                    });
                    if let Some(f) = failure {
                        return Err(f);
                    }
                    met
                }
            }
        };
        if !met {
            return Err(client_err(format!(
                "timed out waiting for the condition on {resource_name}"
            )));
        }
        let shown = cx
            .sim()
            .api()
            .try_get(&key)
            .cloned()
            .unwrap_or_else(|| obj.clone());
        cx.out
            .push_str(&output::print_result(&format, &shown, "condition met")?);
    }
    Ok(())
}

/// The condition on the object at `key` now; a vanished object is NotFound.
fn meets(sim: &Sim, key: &ObjectKey, cond: &Condition) -> Result<bool, Failure> {
    match sim.api().try_get(key) {
        None => Err(sim
            .api()
            .get(key)
            .err()
            .map(Failure::from)
            .unwrap_or_else(|| client_err("not found"))),
        Some(o) => check(cond, o),
    }
}

#[cfg(test)]
mod tests {
    use super::split_jsonpath_input;

    #[test]
    fn jsonpath_input_splits_at_single_equals() {
        assert_eq!(
            split_jsonpath_input("{.status.phase}=Running"),
            vec!["{.status.phase}", "Running"]
        );
        assert_eq!(
            split_jsonpath_input("a.b.c====d.e.f===g.h.i==="),
            vec!["a.b.c====d.e.f==", "g.h.i==", ""]
        );
    }
}
