//! `kubectl cordon`, `uncordon` and `drain` (`staging/src/k8s.io/kubectl/pkg/cmd/drain/` and
//! `pkg/drain/`): drain cordons the node, filters its pods (DaemonSet-managed, mirror, local
//! storage, unmanaged), evicts the rest through the Eviction API (a refusal by a
//! PodDisruptionBudget is retried every 5 s), and waits for each to go (polling every
//! second), all in virtual time.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use super::output;
use super::resource::{self, Rules, Scope};
use super::rollout::WAIT_CAP;
use super::{CmdResult, Cx, DryRun, Failure, client_err, dry_run, reject_flags, usage_err};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{
    DeleteOptions, ListOptions, PatchType, StatusReason, Subresource, eviction,
};
use crate::engine::{SimDuration, SimTime};

/// The nodes the command names.
fn nodes(cx: &Cx) -> Result<Vec<Arc<Object>>, Failure> {
    let path = cx.p.command.path;
    let selector = cx.p.string("selector");
    if cx.p.args.is_empty() && !cx.p.is_set("selector") {
        return Err(usage_err(path, &format!("USAGE: {path} NODE [flags]")));
    }
    if !cx.p.args.is_empty() && !selector.is_empty() {
        return Err(usage_err(
            path,
            "error: cannot specify both a node name and a --selector option",
        ));
    }
    let scope = Scope {
        namespace: cx.namespace(),
        label_selector: selector,
        ..Scope::default()
    };
    let targets = if cx.p.args.is_empty() {
        resource::Targets::ByType(vec![Kind::Node])
    } else {
        let mut args = vec!["nodes".to_string()];
        args.extend(cx.p.args.iter().cloned());
        resource::targets(
            &args,
            Rules {
                allow_empty_selector: true,
                ..Rules::default()
            },
        )?
    };
    let (found, errors) = resource::find(cx, &targets, &scope);
    if !errors.is_empty() {
        return Err(Failure::Errors(errors));
    }
    Ok(found.into_iter().flat_map(|f| f.objects).collect())
}

/// Cordons or uncordons `nodes`, printing what changed.
fn cordon_nodes(cx: &mut Cx, nodes: &[Arc<Object>], desired: bool, dry: DryRun) -> CmdResult {
    let format = output::Format::Default;
    for node in nodes {
        let unschedulable = matches!(node.as_ref(), Object::Node(n) if n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true));
        let op = if unschedulable == desired {
            if desired {
                "already cordoned"
            } else {
                "already uncordoned"
            }
        } else {
            if dry != DryRun::Client {
                let patch = json!({"spec": {"unschedulable": if desired { json!(true) } else { json!(null) }}});
                let key = node.key();
                let result = if dry == DryRun::Server {
                    cx.write(|api| {
                        api.patch_dry_run(&key, PatchType::Strategic, &patch, Subresource::None)
                    })
                } else {
                    cx.write(|api| api.patch(&key, PatchType::Strategic, &patch, Subresource::None))
                };
                if let Err(e) = result {
                    cx.err.push_str(&format!(
                        "error: unable to {} node \"{}\": {}\n",
                        if desired { "cordon" } else { "uncordon" },
                        node.name(),
                        e.message
                    ));
                    continue;
                }
            }
            if desired { "cordoned" } else { "uncordoned" }
        };
        let text = output::print_result(&format, node, &format!("{op}{}", dry.suffix()))?;
        cx.out.push_str(&text);
    }
    Ok(())
}

/// `kubectl cordon` / `kubectl uncordon`.
pub(crate) fn cordon(cx: &mut Cx, desired: bool) -> CmdResult {
    let dry = dry_run(cx)?;
    let nodes = nodes(cx)?;
    cordon_nodes(cx, &nodes, desired, dry)
}

/// What the drain filters decided for a pod (`PodDeleteStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    Okay,
    Skip,
    Warning { delete: bool, message: String },
    Error(String),
}

impl Verdict {
    fn deletes(&self) -> bool {
        matches!(self, Verdict::Okay | Verdict::Warning { delete: true, .. })
    }
}

struct Flags {
    force: bool,
    ignore_daemonsets: bool,
    delete_emptydir: bool,
}

fn is_finished(pod: &k8s_openapi::api::core::v1::Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded") | Some("Failed")
    )
}

/// `makeFilters` in order; the last filter that ran decides.
fn filter(cx: &Cx, obj: &Object, f: &Flags) -> Verdict {
    let Object::Pod(pod) = obj else {
        return Verdict::Okay;
    };
    let controller = obj.controller_ref();
    // daemonSetFilter
    if let Some(r) = controller
        && r.kind == "DaemonSet"
        && !is_finished(pod)
    {
        let key = ObjectKey::new(Kind::DaemonSet, obj.namespace(), &r.name);
        let verdict = match cx.sim().api().get(&key) {
            Err(e) if e.is_not_found() && f.force => Verdict::Warning {
                delete: true,
                message: e.message,
            },
            Err(e) => Verdict::Error(e.message),
            Ok(_) if !f.ignore_daemonsets => Verdict::Error(
                "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)".to_string(),
            ),
            Ok(_) => Verdict::Warning {
                delete: false,
                message: "ignoring DaemonSet-managed Pods".to_string(),
            },
        };
        if !verdict.deletes() {
            return verdict;
        }
    }
    // mirrorPodFilter
    if obj
        .meta()
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"))
    {
        return Verdict::Skip;
    }
    // localStorageFilter (its warning is lost to the next filter, as upstream's TODO says)
    let has_local = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some()));
    if has_local && !is_finished(pod) && !f.delete_emptydir {
        return Verdict::Error(
            "Pods with local storage (use --delete-emptydir-data to override)".to_string(),
        );
    }
    // unreplicatedFilter
    if is_finished(pod) || controller.is_some() {
        return Verdict::Okay;
    }
    if f.force {
        Verdict::Warning {
            delete: true,
            message: "deleting Pods that declare no controller".to_string(),
        }
    } else {
        Verdict::Error(
            "cannot delete Pods that declare no controller (use --force to override)".to_string(),
        )
    }
}

/// The pods to evict, the warnings line, and the errors.
type ForDeletion = (Vec<Arc<Object>>, String, Vec<String>);

/// `GetPodsForDeletion`: the pods to evict, the warnings line, and the errors.
fn pods_for_deletion(
    cx: &Cx,
    node: &str,
    f: &Flags,
    pod_selector: &str,
) -> Result<ForDeletion, Failure> {
    let pods = cx.sim().api().list(
        Kind::Pod,
        None,
        &ListOptions {
            label_selector: Some(pod_selector.to_string()).filter(|s| !s.is_empty()),
            field_selector: Some(format!("spec.nodeName={node}")),
        },
    )?;
    let mut keep = Vec::new();
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in pods {
        let v = filter(cx, &p, f);
        let who = format!("{}/{}", p.namespace(), p.name());
        match &v {
            Verdict::Warning { message, .. } => {
                warnings.entry(message.clone()).or_default().push(who)
            }
            Verdict::Error(message) => errors.entry(message.clone()).or_default().push(who),
            _ => {}
        }
        if v.deletes() {
            keep.push(p);
        }
    }
    let warning = warnings
        .iter()
        .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let errs = errors
        .iter()
        .map(|(m, pods)| {
            if m.to_lowercase().starts_with("cannot delete") {
                format!("{m}: {}", pods.join(", "))
            } else {
                format!("cannot delete {m}: {}", pods.join(", "))
            }
        })
        .collect();
    Ok((keep, warning, errs))
}

/// `utilerrors.NewAggregate(...).Error()`.
fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// One pod being evicted (or deleted) and waited for.
struct Task {
    pod: Arc<Object>,
    /// When the next eviction attempt or deletion check is due.
    due: SimTime,
    /// The uid once the eviction went through (then the task polls for deletion).
    evicted: bool,
    done: bool,
}

/// `kubectl drain`.
pub(crate) fn drain(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["chunk-size"])?;
    let dry = dry_run(cx)?;
    let flags = Flags {
        force: cx.p.bool("force"),
        ignore_daemonsets: cx.p.bool("ignore-daemonsets"),
        delete_emptydir: cx.p.bool("delete-emptydir-data"),
    };
    let pod_selector = cx.p.string("pod-selector");
    if !pod_selector.is_empty()
        && crate::api::selector::LabelSelector::parse(&pod_selector).is_err()
    {
        return Err(client_err(
            "--pod-selector=<pod_selector> must be a valid label selector",
        ));
    }
    let nodes = nodes(cx)?;
    cordon_nodes(cx, &nodes, true, dry)?;
    let grace = cx.p.int("grace-period");
    let timeout = cx.p.duration("timeout");
    let disable_eviction = cx.p.bool("disable-eviction");
    let mut fatal: Vec<String> = Vec::new();
    let mut remaining: Vec<String> = Vec::new();
    for node in &nodes {
        let result = drain_node(
            cx,
            node.name(),
            &flags,
            &pod_selector,
            dry,
            grace,
            timeout,
            disable_eviction,
        );
        match result {
            Ok(()) => {
                let text = output::print_result(
                    &output::Format::Default,
                    node,
                    &format!("drained{}", dry.suffix()),
                )?;
                cx.out.push_str(&text);
            }
            Err(e) => {
                cx.err.push_str(&format!(
                    "error: unable to drain node \"{}\" due to error: {}, continuing command...\n",
                    node.name(),
                    aggregate(&e)
                ));
                fatal.push(aggregate(&e));
                remaining.push(node.name().to_string());
            }
        }
    }
    if !remaining.is_empty() {
        cx.err.push_str("There are pending nodes to be drained:\n");
        for n in &remaining {
            cx.err.push_str(&format!(" {n}\n"));
        }
        // CheckErr prints the inner aggregate one error per line, without a prefix.
        return Err(Failure::Text(
            fatal.iter().map(|m| format!("{m}\n")).collect::<String>(),
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn drain_node(
    cx: &mut Cx,
    node: &str,
    flags: &Flags,
    pod_selector: &str,
    dry: DryRun,
    grace: i64,
    timeout: SimDuration,
    disable_eviction: bool,
) -> Result<(), Vec<String>> {
    let (pods, warning, errors) = pods_for_deletion(cx, node, flags, pod_selector)
        .map_err(|_| vec!["listing pods failed".to_string()])?;
    if !errors.is_empty() {
        return Err(errors);
    }
    if !warning.is_empty() {
        cx.err.push_str(&format!("Warning: {warning}\n"));
    }
    if dry == DryRun::Client {
        for p in &pods {
            cx.out.push_str(&format!(
                "evicting pod {}/{} (dry run)\n",
                p.namespace(),
                p.name()
            ));
        }
        return Ok(());
    }
    if pods.is_empty() {
        return Ok(());
    }
    let opts = DeleteOptions {
        grace_period_seconds: (grace >= 0).then_some(grace),
        dry_run: dry == DryRun::Server,
        ..DeleteOptions::default()
    };
    let start = cx.now();
    let (deadline, capped) = if timeout == SimDuration::ZERO {
        (start + WAIT_CAP, true)
    } else {
        (start + timeout, false)
    };
    let mut errors: Vec<String> = Vec::new();
    let mut tasks: Vec<Task> = pods
        .iter()
        .map(|p| Task {
            pod: p.clone(),
            due: start,
            evicted: false,
            done: false,
        })
        .collect();
    if disable_eviction {
        // deletePods: delete them all, then poll for their deletion together.
        for t in &mut tasks {
            let key = t.pod.key();
            match cx.write(|api| api.delete(&key, &opts)) {
                Ok(_) => t.evicted = true,
                Err(e) if e.is_not_found() => t.evicted = true,
                Err(e) => return Err(vec![e.message]),
            }
        }
    }
    while let Some(next) = tasks.iter().filter(|t| !t.done).map(|t| t.due).min() {
        // An interrupt (Ctrl-C, the runner's bound) ends the wait as its timeout would.
        if next > deadline || cx.session.interrupted {
            for t in tasks.iter().filter(|t| !t.done) {
                let msg = if t.evicted {
                    format!(
                        "error when waiting for pod \"{}\" in namespace \"{}\" to terminate: global timeout reached: {}",
                        t.pod.name(),
                        t.pod.namespace(),
                        go_duration(timeout)
                    )
                } else {
                    format!(
                        "error when evicting pods/\"{}\" -n \"{}\": global timeout reached: {}",
                        t.pod.name(),
                        t.pod.namespace(),
                        go_duration(timeout)
                    )
                };
                errors.push(msg);
            }
            if capped {
                cx.err.push_str(&format!(
                    "stsim: stopped waiting after {} of simulated time (kubectl would keep waiting)\n",
                    crate::printers::duration::human_duration(WAIT_CAP.as_ms() as i64)
                ));
            }
            break;
        }
        if next > cx.now() {
            cx.advance_until(next, |_| false);
        }
        let now = cx.now();
        for t in tasks.iter_mut().filter(|t| !t.done && t.due <= now) {
            let key = t.pod.key();
            if !t.evicted {
                if dry == DryRun::Server {
                    cx.out.push_str(&format!(
                        "evicting pod {}/{} (server dry run)\n",
                        t.pod.namespace(),
                        t.pod.name()
                    ));
                } else {
                    cx.out.push_str(&format!(
                        "evicting pod {}/{}\n",
                        t.pod.namespace(),
                        t.pod.name()
                    ));
                }
                let result = cx.write(|api| eviction::evict(api, &key, &opts));
                match result {
                    Ok(_) if dry == DryRun::Server => {
                        t.done = true;
                        continue;
                    }
                    Ok(_) => t.evicted = true,
                    Err(e) if e.is_not_found() => {
                        t.done = true;
                        continue;
                    }
                    Err(e) if e.reason == StatusReason::TooManyRequests => {
                        cx.err.push_str(&format!(
                            "error when evicting pods/\"{}\" -n \"{}\" (will retry after 5s): {}\n",
                            t.pod.name(),
                            t.pod.namespace(),
                            e.message
                        ));
                        t.due = now + SimDuration::from_secs(5);
                        continue;
                    }
                    Err(e) => {
                        errors.push(format!(
                            "error when evicting pods/\"{}\" -n \"{}\": {}",
                            t.pod.name(),
                            t.pod.namespace(),
                            e.message
                        ));
                        t.done = true;
                        continue;
                    }
                }
            }
            // waitForDelete: poll now, then every second.
            if super::delete::is_gone(cx.sim(), &key, t.pod.uid()) {
                let verb = if disable_eviction {
                    "deleted"
                } else {
                    "evicted"
                };
                let text = output::print_result(&output::Format::Default, &t.pod, verb)
                    .unwrap_or_default();
                cx.out.push_str(&text);
                t.done = true;
            } else {
                t.due = now + SimDuration::from_secs(1);
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    let (pending, _, _) = pods_for_deletion(cx, node, flags, pod_selector).unwrap_or_default();
    if !pending.is_empty() {
        cx.err.push_str(&format!(
            "There are pending pods in node \"{node}\" when an error occurred: {}\n",
            aggregate(&errors)
        ));
        for p in pending {
            cx.err.push_str(&format!("pod/{}\n", p.name()));
        }
    }
    Err(errors)
}

/// Go's `time.Duration.String()` for whole milliseconds.
fn go_duration(d: SimDuration) -> String {
    let ms = d.as_ms();
    if ms == 0 {
        return "0s".to_string();
    }
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms % 60_000) as f64 / 1000.0;
    let secs = if ms.is_multiple_of(1000) {
        format!("{}s", (ms % 60_000) / 1000)
    } else {
        format!("{s}s")
    };
    if h > 0 {
        format!("{h}h{m}m{secs}")
    } else if m > 0 {
        format!("{m}m{secs}")
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::go_duration;
    use crate::engine::SimDuration;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(go_duration(SimDuration::from_secs(30)), "30s");
        assert_eq!(go_duration(SimDuration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(SimDuration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(SimDuration::from_ms(1500)), "1.5s");
    }
}
