//! `kubectl delete` (`staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go`, v1.35): by name,
//! `TYPE/NAME`, `-l`, `--all` or `-f`; `--cascade`, `--grace-period`, `--now`, `--force`; and
//! `--wait` (the default), which waits until every deleted object is gone (or replaced by a
//! new object of the same name), letting the simulation run meanwhile.

use std::sync::Arc;

use super::apply::load_inputs;
use super::errors::KubectlError;
use super::resource::{self, Found, Rules, Scope, Targets};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{DeleteOptions, Propagation};
use crate::engine::{SimDuration, SimTime};

/// The warning `--force --grace-period=0` prints.
pub const FORCE_WARNING: &str = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n";

/// What `--timeout=0` means for `--wait`: a week.
const WAIT_FOREVER: SimDuration = SimDuration::from_secs(168 * 3600);

/// `--cascade`: background (also `true`), foreground, orphan (also `false`).
fn cascade(cx: &Cx) -> Result<Propagation, Failure> {
    match cx.p.string("cascade").as_str() {
        "background" | "true" => Ok(Propagation::Background),
        "foreground" => Ok(Propagation::Foreground),
        "orphan" | "false" => Ok(Propagation::Orphan),
        other => Err(client_err(format!(
            "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
        ))),
    }
}

/// `pod "web-0" deleted from default namespace`, as `DeleteOptions.PrintObj` words it.
pub(crate) fn deleted_line(obj: &Object, operation: &str, dry: DryRun, name_only: bool) -> String {
    let info = obj.kind().info();
    let kind = if info.group.is_empty() {
        info.kind.to_lowercase()
    } else {
        format!("{}.{}", info.kind.to_lowercase(), info.group)
    };
    if name_only {
        return format!("{kind}/{}\n", obj.name());
    }
    let mut line = format!("{kind} \"{}\" {operation}", obj.name());
    if obj.kind().is_namespaced() {
        line.push_str(&format!(" from {} namespace", obj.namespace()));
    }
    line.push_str(dry.suffix());
    line.push('\n');
    line
}

/// Runs `kubectl delete`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["raw", "kustomize", "interactive", "recursive"])?;
    let scope = Scope::from_flags(cx);
    let select_all = cx.p.bool("all");
    // --all, -l and --field-selector ignore NotFound unless told otherwise.
    let ignore_not_found = if cx.p.is_set("ignore-not-found") {
        cx.p.bool("ignore-not-found")
    } else {
        select_all || scope.has_selector()
    };
    let mut grace = cx.p.int("grace-period");
    let force = cx.p.bool("force");
    if cx.p.bool("now") {
        if grace != -1 {
            return Err(client_err(
                "--now and --grace-period cannot be specified together",
            ));
        }
        grace = 1;
    }
    if grace == 0 && !force {
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    let propagation = cascade(cx)?;
    let dry = dry_run(cx)?;

    // The builder: files or arguments.
    let files = cx.p.list("filename");
    let targets = if !files.is_empty() {
        if !cx.p.args.is_empty() {
            return Err(client_err(
                "Unexpected args: cannot specify filenames and resources together",
            ));
        }
        let inputs = load_inputs(cx)?;
        let mut named = Vec::new();
        let mut errors = Vec::new();
        for m in &inputs {
            for e in &m.entries {
                match e {
                    Ok(doc) => named.push((
                        doc.kind,
                        doc.name().to_string(),
                        doc.namespace().to_string(),
                    )),
                    Err(err) => errors.push(KubectlError::Client(err.to_string())),
                }
            }
        }
        if !errors.is_empty() {
            return Err(Failure::Errors(errors));
        }
        FileTargets(named)
    } else {
        if select_all && scope.has_selector() {
            return Err(client_err(
                "setting 'all' parameter but found a non empty selector. ",
            ));
        }
        if cx.p.args.is_empty() {
            return Err(client_err(resource::MUST_PROVIDE));
        }
        ArgTargets(resource::targets(
            &cx.p.args,
            Rules {
                allow_empty_selector: false,
                has_selector: scope.has_selector(),
                select_all,
            },
        )?)
    };

    // Validate.
    let out_flag = cx.p.string("output");
    if !out_flag.is_empty() && out_flag != "name" {
        return Err(client_err(format!(
            "unexpected -o output mode: {out_flag}. We only support '-o name'"
        )));
    }
    if grace == 0 && force {
        cx.err.push_str(FORCE_WARNING);
    } else if grace > 0 && force {
        return Err(client_err(
            "--force and --grace-period greater than 0 cannot be specified together",
        ));
    }

    // Visit.
    let (objects, mut errors) = match &targets {
        ArgTargets(t) => {
            let (found, errs) = resource::find_with(cx, t, &scope, false);
            (flatten(found), errs)
        }
        FileTargets(named) => {
            let mut objs = Vec::new();
            let mut errs = Vec::new();
            for (kind, name, ns) in named {
                let ns = if ns.is_empty() {
                    scope.namespace.clone()
                } else {
                    ns.clone()
                };
                let key = if kind.is_namespaced() {
                    ObjectKey::new(*kind, ns, name.clone())
                } else {
                    ObjectKey::cluster(*kind, name.clone())
                };
                match cx.sim().api().get(&key) {
                    Ok(o) => objs.push(o),
                    Err(e) => errs.push(resource::status(e)),
                }
            }
            (objs, errs)
        }
    };
    if ignore_not_found {
        errors.retain(|e| !matches!(e, KubectlError::Status { error, .. } if error.is_not_found()));
    }
    let opts = DeleteOptions {
        grace_period_seconds: (grace >= 0).then_some(grace),
        propagation: Some(propagation),
        dry_run: dry == DryRun::Server,
        ..DeleteOptions::default()
    };
    let operation = if grace == 0 {
        "force deleted"
    } else {
        "deleted"
    };
    let name_only = out_flag == "name";
    let mut warn_cluster = cx.namespace_enforced() && !scope.all_namespaces;
    let mut deleted: Vec<Arc<Object>> = Vec::new();
    let mut found = 0usize;
    for obj in objects {
        found += 1;
        if warn_cluster && !obj.kind().is_namespaced() {
            cx.err.push_str(
                "Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n",
            );
            warn_cluster = false;
        }
        if dry == DryRun::Client {
            cx.out
                .push_str(&deleted_line(&obj, operation, dry, name_only));
            continue;
        }
        let key = obj.key();
        match cx.write(|api| api.delete(&key, &opts)) {
            Ok(_) => {
                cx.out
                    .push_str(&deleted_line(&obj, operation, dry, name_only));
                deleted.push(obj);
            }
            Err(e) => {
                let e = resource::status(e);
                if !(ignore_not_found
                    && matches!(&e, KubectlError::Status { error, .. } if error.is_not_found()))
                {
                    errors.push(e);
                }
            }
        }
    }
    if found == 0 && errors.is_empty() {
        cx.out.push_str("No resources found\n");
        return Ok(());
    }
    if !errors.is_empty() {
        return Err(Failure::Errors(errors));
    }
    if !cx.p.bool("wait") || dry != DryRun::None {
        return Ok(());
    }
    let timeout = match cx.p.duration("timeout") {
        d if d == SimDuration::ZERO => WAIT_FOREVER,
        d => d,
    };
    wait_gone(cx, &deleted, timeout)
}

/// The targets of a delete.
enum DeleteTargets {
    ArgTargets(Targets),
    FileTargets(Vec<(Kind, String, String)>),
}
use DeleteTargets::{ArgTargets, FileTargets};

fn flatten(found: Vec<Found>) -> Vec<Arc<Object>> {
    found.into_iter().flat_map(|f| f.objects).collect()
}

/// True when the object at `key` is gone, or replaced by another with a new uid.
pub(crate) fn is_gone(sim: &crate::sim::Sim, key: &ObjectKey, uid: &str) -> bool {
    match sim.api().try_get(key) {
        None => true,
        Some(o) => o.uid() != uid,
    }
}

/// `cmdwait.IsDeleted` for each object in turn, within one overall `timeout`.
pub(crate) fn wait_gone(cx: &mut Cx, objs: &[Arc<Object>], timeout: SimDuration) -> CmdResult {
    let deadline: SimTime = cx.now() + timeout;
    for o in objs {
        let key = o.key();
        let uid = o.uid().to_string();
        if !cx.advance_until(deadline, |sim| is_gone(sim, &key, &uid)) {
            return Err(client_err(format!(
                "timed out waiting for the condition on {}/{}",
                o.kind().info().plural,
                o.name()
            )));
        }
    }
    Ok(())
}
