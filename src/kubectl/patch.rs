//! `kubectl patch` (`staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go`): a strategic (the
//! default), merge or JSON patch given with `-p` (JSON, or YAML converted to JSON) or
//! `--patch-file`; `patched`, or `patched (no change)` when the server's object did not
//! change.

use serde_json::Value;

use super::errors::KubectlError;
use super::output;
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::apiserver::{ApiError, PatchType, Subresource};

/// Parses a patch as kubectl's `yaml.ToJSON` does: text that starts with `{` is JSON as is
/// (a malformed one is the server's to refuse), anything else is YAML.
fn parse_patch(text: &str) -> Result<Result<Value, ApiError>, Failure> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return Ok(serde_json::from_str::<Value>(trimmed)
            .map_err(|e| ApiError::bad_request(go_json_error(trimmed, &e))));
    }
    match serde_yaml::from_str::<Value>(text) {
        Ok(v) => Ok(Ok(v)),
        Err(e) => {
            let msg = e.to_string();
            let msg = msg.split(" at line").next().unwrap_or(&msg);
            let msg = msg.split(", while").next().unwrap_or(msg).to_string();
            Err(client_err(format!(
                "unable to parse {}: yaml: {msg}",
                crate::api::field::go_quote(text)
            )))
        }
    }
}

/// Go's `encoding/json` wording of the common syntax errors.
fn go_json_error(text: &str, e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".to_string();
    }
    // serde_json's columns are 1-based character positions on the line.
    let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let col = e.column().saturating_sub(1);
    let c = line.chars().nth(col).unwrap_or(' ');
    let before = line.chars().take(col).filter(|c| !c.is_whitespace()).last();
    let msg = e.to_string();
    if msg.starts_with("trailing characters") {
        return format!("invalid character '{c}' after top-level value");
    }
    match before {
        Some('{') | Some(',') if msg.contains("key must be a string") => {
            format!("invalid character '{c}' looking for beginning of object key string")
        }
        _ if msg.contains("expected `:`") => {
            format!("invalid character '{c}' after object key")
        }
        _ if msg.contains("expected `,` or `}`") => {
            format!("invalid character '{c}' after object key:value pair")
        }
        _ => format!("invalid character '{c}' looking for beginning of value"),
    }
}

/// Runs `kubectl patch`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["local", "filename", "kustomize", "recursive"])?;
    let inline = cx.p.string("patch");
    let file = cx.p.string("patch-file");
    if inline.is_empty() && file.is_empty() {
        return Err(client_err(
            "must specify --patch or --patch-file containing the contents of the patch",
        ));
    }
    if !inline.is_empty() && !file.is_empty() {
        return Err(client_err(
            "cannot specify --patch and --patch-file together",
        ));
    }
    let patch_type = match cx.p.string("type").to_lowercase().as_str() {
        "" | "strategic" => PatchType::Strategic,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        other => {
            return Err(client_err(format!(
                "--type must be one of [json merge strategic], not \"{other}\""
            )));
        }
    };
    let sub = match cx.p.string("subresource").as_str() {
        "" => Subresource::None,
        "status" => Subresource::Status,
        other => {
            return Err(Failure::Text(format!(
                "stsim: `kubectl patch --subresource={other}` is not supported by the simulator\n"
            )));
        }
    };
    let text = if file.is_empty() {
        inline
    } else {
        std::fs::read_to_string(cx.resolve_path(&file))
            .map_err(|e| client_err(format!("unable to read patch file: {e}")))?
    };
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let patch = parse_patch(&text)?;
    let scope = Scope::from_flags(cx);
    if cx.p.args.is_empty() {
        return Err(client_err(resource::MUST_PROVIDE));
    }
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: false,
            has_selector: scope.has_selector(),
            select_all: false,
        },
    )?;
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    for obj in found.into_iter().flat_map(|f| f.objects) {
        let patch = match &patch {
            Ok(p) => p.clone(),
            Err(e) => {
                errors.push(resource::status(e.clone()));
                break;
            }
        };
        let key = obj.key();
        let result = match dry {
            DryRun::None => cx.write(|api| api.patch(&key, patch_type, &patch, sub)),
            DryRun::Server | DryRun::Client => {
                cx.write(|api| api.patch_dry_run(&key, patch_type, &patch, sub))
            }
        };
        match result {
            Ok(patched) => {
                let changed = match dry {
                    DryRun::None => patched.resource_version() != obj.resource_version(),
                    _ => {
                        let strip = |o: &crate::api::Object| {
                            let mut v = o.to_json();
                            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                                m.remove("resourceVersion");
                                m.remove("generation");
                            }
                            v
                        };
                        strip(&patched) != strip(&obj)
                    }
                };
                let op = if changed {
                    "patched"
                } else {
                    "patched (no change)"
                };
                let text =
                    output::print_result(&format, &patched, &format!("{op}{}", dry.suffix()))?;
                cx.out.push_str(&text);
            }
            Err(e) => {
                errors.push(KubectlError::Status {
                    error: e,
                    source: None,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse_patch(text).unwrap() {
            Err(e) => e.message,
            Ok(v) => panic!("parsed {v}"),
        }
    }

    #[test]
    fn json_patches_fail_in_go_words() {
        assert_eq!(
            err("{bad"),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(
            err("{\"a\":1}x"),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(err("{\"a\":"), "unexpected end of JSON input");
    }

    #[test]
    fn yaml_patches_become_json() {
        let v = parse_patch("spec:\n  replicas: 3\n").unwrap().unwrap();
        assert_eq!(v, serde_json::json!({"spec": {"replicas": 3}}));
    }
}
