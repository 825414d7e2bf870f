//! `kubectl rollout status|history|undo|restart|pause|resume`
//! (`staging/src/k8s.io/kubectl/pkg/cmd/rollout/` and `pkg/polymorphichelpers/`: the status
//! viewers, history viewers, rollbackers, restarter, pauser and resumer).

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{
    ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use serde_json::{Value, json};

use super::errors::KubectlError;
use super::output;
use super::resource::{self, Rules, Scope};
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags};
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object};
use crate::apiserver::{PatchType, Subresource, WatchEventType};
use crate::controllers::deployment::util as deployutil;
use crate::controllers::statefulset::revision as stsrevision;
use crate::engine::{SimDuration, SimTime};
use crate::printers::tabwriter::{TabConfig, tabify};

/// How long an unbounded wait (no `--timeout`) may run in virtual time before stsim gives up
/// (kubectl itself would wait forever).
pub const WAIT_CAP: SimDuration = SimDuration::from_secs(3600);

/// `kubectl rollout` with no subcommand prints its help on stdout and exits 1.
pub(crate) const ROLLOUT_HELP: &str = "Manage the rollout of one or many resources.\n        \n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets\n\nExamples:\n  # Rollback to the previous deployment\n  kubectl rollout undo deployment/abc\n  \n  # Check the rollout status of a daemonset\n  kubectl rollout status daemonset/foo\n  \n  # Restart a deployment\n  kubectl rollout restart deployment/abc\n  \n  # Restart deployments with the 'app=nginx' label\n  kubectl rollout restart deployment --selector=app=nginx\n\nAvailable Commands:\n  history       View rollout history\n  pause         Mark the provided resource as paused\n  restart       Restart a resource\n  resume        Resume a paused resource\n  status        Show the status of the rollout\n  undo          Undo a previous rollout\n\nUsage:\n  kubectl rollout SUBCOMMAND [options]\n\nUse \"kubectl rollout <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n";

/// `schema.GroupKind.String()`: `StatefulSet.apps`, `Pod`.
fn group_kind(kind: Kind) -> String {
    kind.info().qualified_kind()
}

/// The objects the arguments of a rollout subcommand name.
fn objects(cx: &Cx, with_selector: bool) -> Result<(Vec<Arc<Object>>, Vec<KubectlError>), Failure> {
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    let scope = Scope::from_flags(cx);
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: true,
            has_selector: with_selector && scope.has_selector(),
            select_all: false,
        },
    )?;
    let (found, errors) = resource::find(cx, &targets, &scope);
    Ok((found.into_iter().flat_map(|f| f.objects).collect(), errors))
}

// ----- status -----

/// A status viewer's answer: the message and whether the rollout is done.
fn status_of(obj: &Object, revision: i64) -> Result<(String, bool), Failure> {
    match obj {
        Object::StatefulSet(s) => statefulset_status(s),
        Object::Deployment(d) => deployment_status(d, revision),
        Object::DaemonSet(d) => daemonset_status(d),
        other => Err(client_err(format!(
            "no status viewer has been implemented for {}",
            group_kind(other.kind())
        ))),
    }
}

/// `StatefulSetStatusViewer.Status`.
pub(crate) fn statefulset_status(sts: &StatefulSet) -> Result<(String, bool), Failure> {
    let spec = sts.spec.clone().unwrap_or_default();
    let status = sts.status.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    let strategy_type = strategy
        .type_
        .clone()
        .unwrap_or_else(|| "RollingUpdate".into());
    if strategy_type != "RollingUpdate" {
        return Err(client_err(
            "rollout status is only available for RollingUpdate strategy type",
        ));
    }
    let observed = status.observed_generation.unwrap_or(0);
    let generation = sts.metadata.generation.unwrap_or(0);
    if observed == 0 || generation > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    let ready = status.ready_replicas.unwrap_or(0);
    if let Some(r) = spec.replicas
        && ready < r
    {
        return Ok((
            format!("Waiting for {} pods to be ready...\n", r - ready),
            false,
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(ru) = &strategy.rolling_update {
        if let (Some(r), Some(p)) = (spec.replicas, ru.partition)
            && updated < r - p
        {
            return Ok((
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                    r - p
                ),
                false,
            ));
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let update_rev = status.update_revision.clone().unwrap_or_default();
    let current_rev = status.current_revision.clone().unwrap_or_default();
    if update_rev != current_rev {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}...\n"
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current_rev}...\n",
            status.current_replicas.unwrap_or(0)
        ),
        true,
    ))
}

/// `DeploymentStatusViewer.Status` (without the pod warnings).
fn deployment_status(d: &Deployment, revision: i64) -> Result<(String, bool), Failure> {
    let name = d.metadata.name.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let spec = d.spec.clone().unwrap_or_default();
    if revision > 0 {
        let rev: i64 = d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if rev != revision {
            return Err(client_err(format!(
                "desired revision ({revision}) is different from the running revision ({rev})"
            )));
        }
    }
    if d.metadata.generation.unwrap_or(0) <= status.observed_generation.unwrap_or(0) {
        let timed_out = status.conditions.iter().flatten().any(|c| {
            c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        });
        if timed_out {
            return Err(client_err(format!(
                "deployment \"{name}\" exceeded its progress deadline"
            )));
        }
        let updated = status.updated_replicas.unwrap_or(0);
        let replicas = status.replicas.unwrap_or(0);
        let available = status.available_replicas.unwrap_or(0);
        if let Some(r) = spec.replicas
            && updated < r
        {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {r} new replicas have been updated...\n"
                ),
                false,
            ));
        }
        if replicas > updated {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
                    replicas - updated
                ),
                false,
            ));
        }
        if available < updated {
            return Ok((
                format!(
                    "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...\n"
                ),
                false,
            ));
        }
        return Ok((
            format!("deployment \"{name}\" successfully rolled out\n"),
            true,
        ));
    }
    Ok((
        "Waiting for deployment spec update to be observed...\n".into(),
        false,
    ))
}

/// `DaemonSetStatusViewer.Status`.
fn daemonset_status(d: &DaemonSet) -> Result<(String, bool), Failure> {
    let name = d.metadata.name.clone().unwrap_or_default();
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let t = spec
        .update_strategy
        .and_then(|s| s.type_)
        .unwrap_or_else(|| "RollingUpdate".into());
    if t != "RollingUpdate" {
        return Err(client_err(
            "rollout status is only available for RollingUpdate strategy type",
        ));
    }
    if d.metadata.generation.unwrap_or(0) <= status.observed_generation.unwrap_or(0) {
        let updated = status.updated_number_scheduled.unwrap_or(0);
        if updated < status.desired_number_scheduled {
            return Ok((
                format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {} new pods have been updated...\n",
                    status.desired_number_scheduled
                ),
                false,
            ));
        }
        let available = status.number_available.unwrap_or(0);
        if available < status.desired_number_scheduled {
            return Ok((
                format!(
                    "Waiting for daemon set \"{name}\" rollout to finish: {available} of {} updated pods are available...\n",
                    status.desired_number_scheduled
                ),
                false,
            ));
        }
        return Ok((
            format!("daemon set \"{name}\" successfully rolled out\n"),
            true,
        ));
    }
    Ok((
        "Waiting for daemon set spec update to be observed...\n".into(),
        false,
    ))
}

/// `kubectl rollout status`: prints the viewer's message for the object and for each change
/// of it, until the rollout is done, the object is deleted or `--timeout` passes.
pub(crate) fn status(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    let revision = cx.p.int("revision");
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    if revision < 0 {
        return Err(client_err(format!(
            "revision must be a positive integer: {revision}"
        )));
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
    if targets.kinds().len() > 1 {
        return Err(client_err("you may only specify a single resource type"));
    }
    let (found, errors) = resource::find(cx, &targets, &scope);
    if !errors.is_empty() {
        return Err(Failure::Errors(errors));
    }
    let objs: Vec<Arc<Object>> = found.into_iter().flat_map(|f| f.objects).collect();
    if objs.is_empty() {
        let ns = scope.namespace.clone();
        let namespaced = targets.kinds().iter().all(|k| k.is_namespaced());
        cx.err.push_str(&crate::printers::table::no_resources_found(
            namespaced.then_some(ns.as_str()),
        ));
        return Ok(());
    }
    if objs.len() != 1 {
        return Err(client_err(format!(
            "rollout status is only supported on individual resources and resource collections - {} resources were found",
            objs.len()
        )));
    }
    let obj = objs[0].clone();
    let key = obj.key();
    let (msg, done) = status_of(&obj, revision)?;
    cx.out.push_str(&msg);
    if done || !cx.p.bool("watch") {
        return Ok(());
    }
    let timeout = cx.p.duration("timeout");
    let capped = timeout == SimDuration::ZERO;
    let deadline: SimTime = cx.now() + if capped { WAIT_CAP } else { timeout };
    let mut cursor = cx.sim().api().watch_events().len();
    loop {
        let seen = cursor;
        let k = key.clone();
        let got = cx.advance_until(deadline, |sim| {
            sim.api()
                .watch_since(seen)
                .iter()
                .any(|e| e.object.key() == k)
        });
        let fresh: Vec<_> = cx.sim().api().watch_since(cursor).to_vec();
        cursor += fresh.len();
        for ev in fresh.iter().filter(|e| e.object.key() == key) {
            if ev.event_type == WatchEventType::Deleted {
                return Err(client_err("object has been deleted"));
            }
            let (msg, done) = status_of(&ev.object, revision)?;
            cx.out.push_str(&msg);
            if done {
                return Ok(());
            }
        }
        if !got {
            return Err(if capped {
                Failure::Text(format!(
                    "stsim: stopped waiting after {} of simulated time (kubectl would keep waiting)\n",
                    crate::printers::duration::human_duration(WAIT_CAP.as_ms() as i64)
                ))
            } else {
                client_err("timed out waiting for the condition")
            });
        }
    }
}

// ----- history -----

/// The ControllerRevisions a StatefulSet (or DaemonSet) controls, selected by its selector.
fn controlled_revisions(
    cx: &Cx,
    obj: &Object,
    selector: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
) -> Vec<ControllerRevision> {
    let Ok(sel) = LabelSelector::from_k8s_opt(selector) else {
        return vec![];
    };
    cx.sim()
        .api()
        .iter_kind(Kind::ControllerRevision, Some(obj.namespace()))
        .filter(|o| sel.matches(o.labels()))
        .filter(|o| o.controller_ref().is_some_and(|r| r.uid == obj.uid()))
        .filter_map(|o| match o.as_ref() {
            Object::ControllerRevision(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// The ReplicaSets a Deployment controls.
fn owned_replicasets(cx: &Cx, d: &Object) -> Vec<ReplicaSet> {
    cx.sim()
        .api()
        .iter_kind(Kind::ReplicaSet, Some(d.namespace()))
        .filter(|o| o.controller_ref().is_some_and(|r| r.uid == d.uid()))
        .filter_map(|o| match o.as_ref() {
            Object::ReplicaSet(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// `printTemplate`: `DescribePodTemplate` written straight to a buffer.
///
/// Upstream writes this without a tabwriter (its tabs stay raw); the printers only expose the
/// pod template through a describer, so stsim prints it aligned, as `describe` would.
fn pod_template_text(cx: &Cx, template: &PodTemplateSpec) -> String {
    let sts = StatefulSet {
        metadata: Default::default(),
        spec: Some(k8s_openapi::api::apps::v1::StatefulSetSpec {
            template: template.clone(),
            ..Default::default()
        }),
        status: None,
    };
    let full = crate::printers::describe::describe_statefulset(&sts, &[], None, cx.now());
    let mut out = String::new();
    let mut inside = false;
    for line in full.split_inclusive('\n') {
        if line.starts_with("Pod Template:") {
            inside = true;
        } else if inside && !line.starts_with(' ') && !line.trim().is_empty() {
            break;
        }
        if inside {
            out.push_str(line);
        }
    }
    out
}

/// The history viewer's text for `obj` (`ViewHistory`).
fn view_history(cx: &Cx, obj: &Object, revision: i64) -> Result<String, Failure> {
    // revision -> (template, change cause)
    let mut entries: Vec<(i64, PodTemplateSpec, String)> = Vec::new();
    match obj {
        Object::StatefulSet(sts) => {
            let selector = sts.spec.as_ref().map(|s| &s.selector);
            for r in controlled_revisions(cx, obj, selector) {
                let applied = apply_revision_template(sts, &r);
                let cause = r
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(CHANGE_CAUSE))
                    .cloned()
                    .unwrap_or_default();
                entries.push((r.revision, applied, cause));
            }
        }
        Object::DaemonSet(ds) => {
            let selector = ds.spec.as_ref().map(|s| &s.selector);
            for r in controlled_revisions(cx, obj, selector) {
                let template = stsrevision::revision_data(&r)
                    .pointer("/spec/template")
                    .cloned()
                    .and_then(|v| serde_json::from_value::<PodTemplateSpec>(v).ok())
                    .unwrap_or_default();
                let cause = r
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(CHANGE_CAUSE))
                    .cloned()
                    .unwrap_or_default();
                entries.push((r.revision, template, cause));
            }
        }
        Object::Deployment(_) => {
            for rs in owned_replicasets(cx, obj) {
                let Some(v) = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                    .and_then(|v| v.parse::<i64>().ok())
                else {
                    continue;
                };
                let cause = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(CHANGE_CAUSE))
                    .cloned()
                    .unwrap_or_default();
                let template = rs.spec.clone().and_then(|s| s.template).unwrap_or_default();
                entries.push((v, template, cause));
            }
        }
        other => {
            return Err(client_err(format!(
                "no history viewer has been implemented for \"{}\"",
                group_kind(other.kind())
            )));
        }
    }
    entries.sort_by_key(|(r, _, _)| *r);
    entries.dedup_by_key(|(r, _, _)| *r);
    if entries.is_empty() {
        return Ok("No rollout history found.".to_string());
    }
    if revision > 0 {
        let Some((_, template, _)) = entries.iter().find(|(r, _, _)| *r == revision) else {
            return Err(client_err("unable to find the specified revision"));
        };
        return Ok(pod_template_text(cx, template));
    }
    let mut text = String::from("REVISION\tCHANGE-CAUSE\n");
    for (r, _, cause) in &entries {
        let cause = if cause.is_empty() { "<none>" } else { cause };
        text.push_str(&format!("{r}\t{cause}\n"));
    }
    Ok(tabify(TabConfig::DESCRIBE, &text))
}

/// `applyRevision`: the set's pod template with the revision's restored.
fn apply_revision_template(sts: &StatefulSet, rev: &ControllerRevision) -> PodTemplateSpec {
    stsrevision::revision_data(rev)
        .pointer("/spec/template")
        .cloned()
        .map(|mut v| {
            if let Some(m) = v.as_object_mut() {
                m.remove("$patch");
            }
            v
        })
        .and_then(|v| serde_json::from_value::<PodTemplateSpec>(v).ok())
        .unwrap_or_else(|| sts.spec.clone().unwrap_or_default().template)
}

/// `kubectl rollout history`.
pub(crate) fn history(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    let revision = cx.p.int("revision");
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    if revision < 0 {
        return Err(client_err(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let (objs, mut errors) = objects(cx, true)?;
    for obj in objs {
        match view_history(cx, &obj, revision) {
            Ok(text) => {
                let with = if revision > 0 {
                    format!("with revision #{revision}")
                } else {
                    String::new()
                };
                let op = format!("{with}\n{text}");
                cx.out.push_str(&output::print_result(&format, &obj, &op)?);
            }
            Err(Failure::Errors(e)) => {
                errors.extend(e);
                break;
            }
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

// ----- undo -----

/// `StatefulSetRollbacker.Rollback` (and the Deployment one): the operation text, after the
/// patch that restores the revision.
fn rollback(cx: &mut Cx, obj: &Object, to_revision: i64, dry: DryRun) -> Result<String, Failure> {
    if to_revision < 0 {
        return Err(client_err(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    }
    match obj {
        Object::StatefulSet(sts) => {
            let selector = sts.spec.as_ref().map(|s| &s.selector);
            let mut history = controlled_revisions(cx, obj, selector);
            if to_revision == 0 && history.len() <= 1 {
                return Err(client_err("no last revision to roll back to"));
            }
            history.sort_by_key(|r| r.revision);
            let to = if to_revision == 0 {
                history.get(history.len() - 2).cloned()
            } else {
                history.iter().find(|r| r.revision == to_revision).cloned()
            };
            let Some(to) = to else {
                return Err(client_err(format!(
                    "unable to find specified revision {to_revision} in history"
                )));
            };
            if dry == DryRun::Client {
                return Ok(format!(
                    "will roll back to {}",
                    pod_template_text(cx, &apply_revision_template(sts, &to))
                ));
            }
            if stsrevision::get_patch(sts) == *stsrevision::revision_data(&to) {
                return Ok(format!(
                    "skipped rollback (current template already matches revision {to_revision})"
                ));
            }
            let patch = stsrevision::revision_data(&to).clone();
            let key = obj.key();
            let result = if dry == DryRun::Server {
                cx.write(|api| {
                    api.patch_dry_run(&key, PatchType::Strategic, &patch, Subresource::None)
                })
            } else {
                cx.write(|api| api.patch(&key, PatchType::Strategic, &patch, Subresource::None))
            };
            result.map_err(|e| {
                client_err(format!(
                    "failed restoring revision {to_revision}: {}",
                    e.message
                ))
            })?;
            Ok("rolled back".to_string())
        }
        Object::Deployment(d) => {
            let name = obj.name().to_string();
            let rss = owned_replicasets(cx, obj);
            let with_rev: Vec<(i64, &ReplicaSet)> = rss
                .iter()
                .filter_map(|rs| {
                    rs.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
                        .and_then(|v| v.parse::<i64>().ok())
                        .map(|v| (v, rs))
                })
                .collect();
            let target = if to_revision > 0 {
                match with_rev.iter().find(|(v, _)| *v == to_revision) {
                    Some((_, rs)) => (*rs).clone(),
                    None => {
                        return Err(client_err(format!(
                            "unable to find specified revision {to_revision} in history"
                        )));
                    }
                }
            } else {
                let mut sorted = with_rev.clone();
                sorted.sort_by_key(|(v, _)| *v);
                if sorted.len() < 2 {
                    return Err(client_err(format!(
                        "no rollout history found for deployment \"{name}\""
                    )));
                }
                sorted[sorted.len() - 2].1.clone()
            };
            let mut template = target
                .spec
                .clone()
                .and_then(|s| s.template)
                .unwrap_or_default();
            if dry == DryRun::Client {
                return Ok(pod_template_text(cx, &template));
            }
            let spec = d.spec.clone().unwrap_or_default();
            if spec.paused == Some(true) {
                return Err(client_err(format!(
                    "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/{name}' and try again"
                )));
            }
            if deployutil::equal_ignore_hash(&template, &spec.template) {
                return Ok(format!(
                    "skipped rollback (current template already matches revision {to_revision})"
                ));
            }
            if let Some(meta) = template.metadata.as_mut()
                && let Some(labels) = meta.labels.as_mut()
            {
                labels.remove("pod-template-hash");
            }
            const SKIP: &[&str] = &[
                "kubectl.kubernetes.io/last-applied-configuration",
                "deployment.kubernetes.io/revision",
                "deployment.kubernetes.io/revision-history",
                "deployment.kubernetes.io/desired-replicas",
                "deployment.kubernetes.io/max-replicas",
                "deprecated.deployment.rollback.to",
            ];
            let mut annotations = serde_json::Map::new();
            for (k, v) in d.metadata.annotations.iter().flatten() {
                if SKIP.contains(&k.as_str()) {
                    annotations.insert(k.clone(), Value::String(v.clone()));
                }
            }
            for (k, v) in target.metadata.annotations.iter().flatten() {
                if !SKIP.contains(&k.as_str()) {
                    annotations.insert(k.clone(), Value::String(v.clone()));
                }
            }
            let patch = json!([
                {"op": "replace", "path": "/spec/template", "value": serde_json::to_value(&template).unwrap_or(Value::Null)},
                {"op": "replace", "path": "/metadata/annotations", "value": Value::Object(annotations)},
            ]);
            let key = obj.key();
            let result = if dry == DryRun::Server {
                cx.write(|api| api.patch_dry_run(&key, PatchType::Json, &patch, Subresource::None))
            } else {
                cx.write(|api| api.patch(&key, PatchType::Json, &patch, Subresource::None))
            };
            result.map_err(|e| {
                client_err(format!(
                    "failed restoring revision {to_revision}: {}",
                    e.message
                ))
            })?;
            Ok("rolled back".to_string())
        }
        other => Err(client_err(format!(
            "no rollbacker has been implemented for \"{}\"",
            group_kind(other.kind())
        ))),
    }
}

/// `kubectl rollout undo`.
pub(crate) fn undo(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let dry = dry_run(cx)?;
    let to = cx.p.int("to-revision");
    let (objs, mut errors) = objects(cx, true)?;
    for obj in objs {
        match rollback(cx, &obj, to, dry) {
            Ok(op) => {
                let op = format!("{op}{}", dry.suffix());
                let text = output::print_result(&format, &obj, &op)?;
                cx.out.push_str(&text);
            }
            Err(Failure::Errors(e)) => {
                errors.extend(e);
                break;
            }
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

// ----- restart, pause, resume -----

fn resource_string(kind: Kind) -> String {
    resource::resource_name(kind)
}

/// `kubectl rollout restart`: the `kubectl.kubernetes.io/restartedAt` template annotation,
/// set to the current (virtual) time.
pub(crate) fn restart(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let (objs, mut errors) = objects(cx, true)?;
    let stamp = cx.now().rfc3339();
    for obj in objs {
        let paused = matches!(obj.as_ref(), Object::Deployment(d) if d.spec.as_ref().and_then(|s| s.paused) == Some(true));
        let restartable = matches!(
            obj.kind(),
            Kind::Deployment | Kind::DaemonSet | Kind::StatefulSet
        );
        if !restartable || paused {
            let why = if paused {
                "can't restart paused deployment (run rollout resume first)"
            } else {
                "restarting is not supported"
            };
            errors.push(KubectlError::Client(format!(
                "error: {} \"{}\" {why}",
                resource_string(obj.kind()),
                obj.name()
            )));
            continue;
        }
        let current = obj
            .to_json()
            .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
            .and_then(Value::as_str)
            .map(str::to_string);
        if current.as_deref() == Some(stamp.as_str()) {
            errors.push(KubectlError::Client(format!(
                "failed to create patch for {}: empty patch",
                obj.name()
            )));
        }
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": stamp
        }}}}});
        let key = obj.key();
        match cx.write(|api| api.patch(&key, PatchType::Strategic, &patch, Subresource::None)) {
            Ok(o) => cx
                .out
                .push_str(&output::print_result(&format, &o, "restarted")?),
            Err(e) => errors.push(KubectlError::Client(format!(
                "failed to patch: {}",
                e.message
            ))),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

/// `kubectl rollout pause` / `resume` (Deployments only).
pub(crate) fn pause_resume(cx: &mut Cx, pause: bool) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    if cx.p.args.is_empty() {
        return Err(client_err("required resource not specified"));
    }
    let format = output::parse_format(&cx.p.string("output"), &cx.p.string("template"), false)?;
    let (objs, mut errors) = objects(cx, true)?;
    for obj in objs {
        let why = match obj.as_ref() {
            Object::Deployment(d) => {
                let paused = d.spec.as_ref().and_then(|s| s.paused) == Some(true);
                match (pause, paused) {
                    (true, true) => Some("is already paused"),
                    (false, false) => Some("is not paused"),
                    _ => None,
                }
            }
            _ if pause => Some("pausing is not supported"),
            _ => Some("resuming is not supported"),
        };
        if let Some(why) = why {
            errors.push(KubectlError::Client(format!(
                "error: {} \"{}\" {why}",
                resource_string(obj.kind()),
                obj.name()
            )));
            continue;
        }
        let patch =
            json!({"spec": {"paused": if pause { Value::Bool(true) } else { Value::Null }}});
        let key = obj.key();
        match cx.write(|api| api.patch(&key, PatchType::Strategic, &patch, Subresource::None)) {
            Ok(o) => {
                let op = if pause { "paused" } else { "resumed" };
                cx.out.push_str(&output::print_result(&format, &o, op)?);
            }
            Err(e) => errors.push(KubectlError::Client(format!(
                "failed to patch: {}",
                e.message
            ))),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}
