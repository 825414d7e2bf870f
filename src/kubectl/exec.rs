//! `kubectl exec`, `logs`, `run` and `cp`: the commands that reach into containers
//! (`staging/src/k8s.io/kubectl/pkg/cmd/{exec,logs,run,cp}`), over the programs of
//! [`crate::exec`] and the logs of [`crate::store::World`].
//!
//! - `exec` runs the program at the command's instant in the container's filesystem view;
//!   virtual time then moves on by what the program spent. A non-zero exit prints client-go's
//!   `command terminated with exit code N` and exits with N (`spec/app-models.md` §0.1).
//! - With `-t` the program writes to a terminal: its stderr comes out on the same stream.
//! - `run -i/-t/--attach` creates the pod, waits for it to run, and shows what its process
//!   prints until it ends (what attaching shows); `--rm` deletes it afterwards (§0.5).
//! - `cp` needs `tar` in the container as the real one does, and copies between the
//!   container and the session's local directory (kept in memory: a simulation writes no
//!   files of the learner's machine).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, ContainerStateTerminated, ContainerStatus, Pod};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, DeleteOptions};
use crate::engine::{SimDuration, SimTime};
use crate::exec::ExecCx;
use crate::sim::Sim;
use crate::store::ContainerKey;

use super::{CmdResult, Cx, Failure, STEPS_MAX, client_err, usage_err};

/// The pod a command names (`web-0` or `pod/web-0`).
fn pod_name(cx: &Cx, arg: &str) -> Result<String, Failure> {
    match arg.split_once('/') {
        None => Ok(arg.to_string()),
        Some(("pod" | "pods" | "po", name)) => Ok(name.to_string()),
        Some((kind, _)) => Err(Failure::Text(format!(
            "stsim: `kubectl {} {kind}/...` is not supported by the simulator (name a pod)\n",
            cx.p.command.path
        ))),
    }
}

fn get_pod(cx: &Cx, ns: &str, name: &str) -> Result<Arc<Object>, Failure> {
    let key = ObjectKey::new(Kind::Pod, ns, name);
    cx.sim()
        .api()
        .try_get(&key)
        .cloned()
        .ok_or_else(|| Failure::from(ApiError::not_found(Kind::Pod, name)))
}

fn as_pod(obj: &Object) -> &Pod {
    match obj {
        Object::Pod(p) => p,
        _ => unreachable!("pods are stored as Object::Pod"),
    }
}

/// The container a command acts on: `-c`, else the `kubectl.kubernetes.io/default-container`
/// annotation, else the first; with several, kubectl says which it took.
fn pick_container(cx: &mut Cx, pod: &Pod) -> Result<Container, Failure> {
    let spec = pod.spec.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let wanted = cx.p.string("container");
    if !wanted.is_empty() {
        return spec
            .containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
            .find(|c| c.name == wanted)
            .cloned()
            .ok_or_else(|| {
                Failure::from(ApiError::bad_request(format!(
                    "container {wanted} is not valid for pod {name}"
                )))
            });
    }
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("kubectl.kubernetes.io/default-container"))
        .and_then(|n| spec.containers.iter().find(|c| &c.name == n));
    let chosen = annotated
        .or_else(|| spec.containers.first())
        .cloned()
        .ok_or_else(|| client_err(format!("pod {name} has no containers")))?;
    let total = spec.containers.len() + spec.init_containers.as_ref().map_or(0, Vec::len);
    if annotated.is_none() && total > 1 {
        let mut names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
        names.extend(
            spec.init_containers
                .iter()
                .flatten()
                .map(|c| format!("{} (init)", c.name)),
        );
        cx.err.push_str(&format!(
            "Defaulted container \"{}\" out of: {}\n",
            chosen.name,
            names.join(", ")
        ));
    }
    Ok(chosen)
}

/// The status of container `name` (or init container) in the pod's status, if listed yet.
fn container_status<'p>(pod: &'p Pod, name: &str) -> Option<&'p ContainerStatus> {
    let st = pod.status.as_ref()?;
    st.container_statuses
        .iter()
        .flatten()
        .chain(st.init_container_statuses.iter().flatten())
        .find(|c| c.name == name)
}

/// The state of container `name` in the pod's status: `running`, `waiting: <reason>`,
/// `terminated`, or `None` when the status does not list it yet.
fn container_state(pod: &Pod, name: &str) -> Option<(&'static str, String)> {
    let state = container_status(pod, name)?.state.as_ref()?;
    if state.running.is_some() {
        Some(("running", String::new()))
    } else if let Some(t) = &state.terminated {
        Some(("terminated", t.reason.clone().unwrap_or_default()))
    } else {
        let reason = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.clone())
            .unwrap_or_else(|| "ContainerCreating".into());
        Some(("waiting", reason))
    }
}

/// How container `name` ended, when the pod's status says it has.
fn terminated_state<'p>(pod: &'p Pod, name: &str) -> Option<&'p ContainerStateTerminated> {
    container_status(pod, name)?
        .state
        .as_ref()?
        .terminated
        .as_ref()
}

/// The pod's phase, `""` while its status has none.
fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// True when the pod has run to completion (`Succeeded` or `Failed`).
fn is_completed(pod: &Pod) -> bool {
    matches!(pod_phase(pod), "Succeeded" | "Failed")
}

/// The pod `key` as the API server has it now.
fn current_pod<'s>(sim: &'s Sim, key: &ObjectKey) -> Option<&'s Pod> {
    match sim.api().try_get(key).map(|o| &**o) {
        Some(Object::Pod(p)) => Some(p),
        _ => None,
    }
}

fn node_is_down(cx: &Cx, pod: &Pod) -> Option<String> {
    let node = pod.spec.as_ref()?.node_name.clone()?;
    (!cx.sim().env().is_node_up(&node)).then_some(node)
}

fn node_ip(cx: &Cx, node: &str) -> String {
    match cx
        .sim()
        .api()
        .try_get(&ObjectKey::cluster(Kind::Node, node))
        .map(|o| &**o)
    {
        Some(Object::Node(n)) => n
            .status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .and_then(|a| a.iter().find(|x| x.type_ == "InternalIP"))
            .map(|a| a.address.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The API server cannot reach the kubelet of a stopped node: when the pod's node is down,
/// the dial times out (after 30 s of virtual time). `path` is the kubelet URL path the API
/// server was getting (`None`: exec's connection upgrade, which kubectl reports as a
/// backend dial).
fn kubelet_unreachable(cx: &mut Cx, pod: &Pod, path: Option<String>) -> CmdResult {
    let Some(node) = node_is_down(cx, pod) else {
        return Ok(());
    };
    let ip = node_ip(cx, &node);
    cx.session
        .sim
        .run_for(SimDuration::from_secs(30), STEPS_MAX);
    let dial = format!("dial tcp {ip}:10250: i/o timeout");
    let message = match path {
        None => format!("error dialing backend: {dial}"),
        Some(path) => format!("Get \"https://{ip}:10250{path}\": {dial}"),
    };
    Err(Failure::Errors(vec![super::errors::KubectlError::Status {
        error: ApiError::internal(message),
        source: None,
    }]))
}

/// Runs `argv` in the container and prints as kubectl does; returns the exit code.
fn run_program(
    cx: &mut Cx,
    pod: &Pod,
    container: &str,
    argv: &[String],
    tty: bool,
    stdin: Option<String>,
) -> Result<i32, Failure> {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let key = ContainerKey::new(uid, container.to_string());
    let now = cx.now();
    let mut rng = std::mem::replace(
        &mut cx.session.exec_rng,
        crate::engine::SimRng::from_seed(0),
    );
    let (api, env) = cx.session.sim.api_and_env();
    let env = &mut *env;
    let outcome = match ExecCx::new(
        &mut env.world,
        api,
        &mut env.dns,
        &mut rng,
        key,
        now,
        tty,
        stdin,
    ) {
        None => None,
        Some(mut ecx) => {
            let r = crate::exec::run_in(&mut ecx, argv);
            Some((r, ecx.elapsed))
        }
    };
    let exec_id = format!(
        "{:016x}{:016x}{:016x}{:016x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64()
    );
    cx.session.exec_rng = rng;
    let Some((result, spent)) = outcome else {
        return Err(client_err(format!(
            "unable to upgrade connection: container not found (\"{container}\")"
        )));
    };
    if spent > SimDuration::ZERO {
        cx.session.sim.run_for(spent, STEPS_MAX);
    }
    match result {
        Err(e) => Err(client_err(format!(
            "Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec \"{exec_id}\": {}",
            e.0
        ))),
        Ok(r) => {
            cx.out.push_str(&r.stdout);
            if tty {
                cx.out.push_str(&r.stderr);
            } else {
                cx.err.push_str(&r.stderr);
            }
            Ok(r.code)
        }
    }
}

/// `--pod-running-timeout` must be above zero (`cmdutil.GetPodRunningTimeoutFlag`).
fn pod_running_timeout(cx: &Cx) -> Result<SimDuration, String> {
    let d = cx.p.go_duration("pod-running-timeout");
    if d.is_negative || d.size == SimDuration::ZERO {
        return Err("--pod-running-timeout must be higher than zero".to_string());
    }
    Ok(d.size)
}

/// A non-zero exit: client-go's `command terminated with exit code N`, and kubectl exits N.
fn exit_with(code: i32) -> CmdResult {
    if code == 0 {
        Ok(())
    } else {
        Err(Failure::Exit {
            text: format!("command terminated with exit code {code}\n"),
            code,
        })
    }
}

/// Whether `kubectl exec` gets a terminal (`StreamOptions.SetupTTY`): `-t` without `-i`
/// silently gets none; with stdin that is not a terminal (a here-document) kubectl says so and
/// goes on without one.
fn exec_tty(cx: &mut Cx) -> bool {
    if !cx.p.bool("tty") || !cx.p.bool("stdin") {
        return false;
    }
    if !cx.stdin.is_empty() {
        cx.err
            .push_str("Unable to use a TTY - input is not a terminal or the right kind of file\n");
        return false;
    }
    true
}

/// `kubectl exec`.
pub(crate) fn exec(cx: &mut Cx) -> CmdResult {
    super::reject_flags(cx, &["filename"])?;
    let Some(target) = cx.p.args.first().cloned() else {
        return Err(usage_err(
            "exec",
            "POD or TYPE/NAME is a required argument for the exec command",
        ));
    };
    let argv = match &cx.p.after_dash {
        Some(a) => a.clone(),
        None if cx.p.args.len() > 1 => {
            return Err(usage_err(
                "exec",
                "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead",
            ));
        }
        None => Vec::new(),
    };
    pod_running_timeout(cx).map_err(|e| usage_err("exec", &e))?;
    if argv.is_empty() {
        return Err(client_err(
            "you must specify at least one command for the container",
        ));
    }
    let ns = cx.namespace();
    let name = pod_name(cx, &target)?;
    let obj = get_pod(cx, &ns, &name)?;
    let pod = as_pod(&obj).clone();
    if is_completed(&pod) {
        return Err(client_err(format!(
            "cannot exec into a container in a completed pod; current phase is {}",
            pod_phase(&pod)
        )));
    }
    let container = pick_container(cx, &pod)?;
    if pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_none()
    {
        return Err(client_err(
            "unable to upgrade connection: pod does not exist",
        ));
    }
    kubelet_unreachable(cx, &pod, None)?;
    if !matches!(container_state(&pod, &container.name), Some(("running", _))) {
        return Err(client_err(format!(
            "unable to upgrade connection: container not found (\"{}\")",
            container.name
        )));
    }
    let tty = exec_tty(cx);
    let stdin = cx.p.bool("stdin").then(|| cx.stdin.to_string());
    let code = run_program(cx, &pod, &container.name, &argv, tty, stdin)?;
    exit_with(code)
}

/// The lines of a log visible at `now`, as text.
fn log_text(lines: &[crate::store::LogLine], now: SimTime, tail: i64) -> String {
    let visible: Vec<&crate::store::LogLine> = lines.iter().filter(|l| l.at <= now).collect();
    let start = if tail >= 0 {
        visible.len().saturating_sub(tail as usize)
    } else {
        0
    };
    let mut out = String::new();
    for l in &visible[start..] {
        out.push_str(&l.text);
        out.push('\n');
    }
    out
}

/// `kubectl logs`.
pub(crate) fn logs(cx: &mut Cx) -> CmdResult {
    super::reject_flags(
        cx,
        &[
            "selector",
            "all-containers",
            "all-pods",
            "since",
            "limit-bytes",
            "prefix",
        ],
    )?;
    let Some(target) = cx.p.args.first().cloned() else {
        return Err(usage_err(
            "logs",
            "expected 'logs [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
        ));
    };
    if cx.p.args.len() > 2 {
        return Err(usage_err(
            "logs",
            "expected 'logs [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command",
        ));
    }
    let ns = cx.namespace();
    let name = pod_name(cx, &target)?;
    let obj = get_pod(cx, &ns, &name)?;
    let pod = as_pod(&obj).clone();
    pod_running_timeout(cx).map_err(client_err)?;
    if cx.p.args.len() == 2 && cx.p.string("container").is_empty() {
        // `kubectl logs POD CONTAINER`.
        let c = cx.p.args[1].clone();
        return logs_of(cx, &pod, &c);
    }
    let container = pick_container(cx, &pod)?;
    logs_of(cx, &pod, &container.name)
}

fn logs_of(cx: &mut Cx, pod: &Pod, container: &str) -> CmdResult {
    let logs_path = format!(
        "/containerLogs/{}/{}/{container}",
        pod.metadata.namespace.as_deref().unwrap_or(""),
        pod.metadata.name.as_deref().unwrap_or("")
    );
    kubelet_unreachable(cx, pod, Some(logs_path))?;
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let previous = cx.p.bool("previous");
    let tail = if cx.p.is_set("tail") {
        cx.p.int("tail")
    } else {
        -1
    };
    let key = ContainerKey::new(uid, container.to_string());
    let state = container_state(pod, container);
    let logs = cx.sim().env().world.logs(&key).cloned();
    if previous {
        let Some(prev) = logs.as_ref().and_then(|l| l.previous.clone()) else {
            return Err(Failure::from(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))));
        };
        cx.out.push_str(&log_text(&prev, cx.now(), tail));
        return Ok(());
    }
    match state {
        Some(("waiting", reason)) if logs.as_ref().is_none_or(|l| l.current.is_empty()) => {
            return Err(Failure::from(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
            ))));
        }
        None => {
            return Err(Failure::from(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
            ))));
        }
        _ => {}
    }
    let now = cx.now();
    let current = logs.map(|l| l.current).unwrap_or_default();
    cx.out.push_str(&log_text(&current, now, tail));
    if cx.p.bool("follow") {
        // Follow until the container ends or nothing new is printed for a quiet period.
        let mut shown = current.iter().filter(|l| l.at <= now).count();
        loop {
            let quiet = cx.session.watch_quiet;
            let before = cx.now();
            cx.session.sim.run_for(quiet, STEPS_MAX);
            let pod_key = ObjectKey::new(
                Kind::Pod,
                pod.metadata.namespace.as_deref().unwrap_or(""),
                &name,
            );
            let lines = cx
                .sim()
                .env()
                .world
                .logs(&key)
                .map(|l| l.current.clone())
                .unwrap_or_default();
            let visible: Vec<_> = lines.iter().filter(|l| l.at <= cx.now()).collect();
            for l in &visible[shown.min(visible.len())..] {
                cx.out.push_str(&l.text);
                cx.out.push('\n');
            }
            let grew = visible.len() > shown;
            shown = visible.len();
            let ended = current_pod(cx.sim(), &pod_key)
                .is_none_or(|p| terminated_state(p, container).is_some());
            if ended || !grew || cx.now() == before {
                break;
            }
        }
    }
    Ok(())
}

/// `kubectl run`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    super::reject_flags(
        cx,
        &[
            "filename",
            "overrides",
            "expose",
            "kustomize",
            "privileged",
            "dry-run",
        ],
    )?;
    let Some(name) = cx.p.args.first().cloned() else {
        return Err(usage_err("run", "NAME is required for run"));
    };
    let timeout = pod_running_timeout(cx).map_err(|e| usage_err("run", &e))?;
    let image = cx.p.string("image");
    if image.is_empty() {
        return Err(client_err("--image is required"));
    }
    let restart = cx.p.string("restart");
    let restart = if restart.is_empty() {
        "Always".to_string()
    } else {
        restart
    };
    if !matches!(restart.as_str(), "Always" | "OnFailure" | "Never") {
        return Err(client_err(format!("invalid restart policy: {restart}")));
    }
    let interactive = cx.p.bool("stdin");
    let tty = cx.p.bool("tty");
    let attach = cx.p.bool("attach") || interactive;
    let rm = cx.p.bool("rm");
    if tty && !interactive {
        return Err(client_err(
            "-i/--stdin is required for containers with -t/--tty=true",
        ));
    }
    if rm && !attach {
        return Err(client_err(
            "--rm should only be used for attached containers",
        ));
    }
    if attach && restart != "Never" && rm {
        // kubectl allows it; the pod just keeps restarting its container after the process
        // ends. Keep the simulator honest about what it models.
    }
    let ns = cx.namespace();
    let mut labels = BTreeMap::new();
    let given = cx.p.string("labels");
    if given.is_empty() {
        labels.insert("run".to_string(), name.clone());
    } else {
        for kv in given.split(',') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            labels.insert(k.to_string(), v.to_string());
        }
    }
    let rest = cx.p.after_dash.clone().unwrap_or_default();
    let mut container = serde_json::json!({"name": name, "image": image, "resources": {}});
    if !rest.is_empty() {
        if cx.p.bool("command") {
            container["command"] = serde_json::json!(rest);
        } else {
            container["args"] = serde_json::json!(rest);
        }
    }
    if interactive {
        container["stdin"] = serde_json::json!(true);
        container["stdinOnce"] = serde_json::json!(true);
    }
    if tty {
        container["tty"] = serde_json::json!(true);
    }
    let envs = cx.p.list("env");
    if !envs.is_empty() {
        let list: Vec<serde_json::Value> = envs
            .iter()
            .map(|e| {
                let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
                serde_json::json!({"name": k, "value": v})
            })
            .collect();
        container["env"] = serde_json::json!(list);
    }
    let port = cx.p.string("port");
    if !port.is_empty() {
        let Ok(p) = port.parse::<i32>() else {
            return Err(client_err(format!("invalid port: {port}")));
        };
        container["ports"] = serde_json::json!([{"containerPort": p}]);
    }
    let pull = cx.p.string("image-pull-policy");
    if !pull.is_empty() {
        container["imagePullPolicy"] = serde_json::json!(pull);
    }
    let value = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": [container], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"},
    });
    let obj = Object::from_json(Kind::Pod, value)
        .map_err(|e| client_err(format!("building the pod: {e}")))?;
    if interactive {
        let text = cx.stdin.to_string();
        cx.session
            .sim
            .env_mut()
            .world
            .attach_stdin(&ns, &name, text);
    }
    let created = cx.write(|api| api.create(obj))?;
    if !attach {
        cx.out.push_str(&format!("pod/{name} created\n"));
        return Ok(());
    }
    let key = created.key();
    let uid = created.uid().to_string();
    // Wait for the pod to run (or end) within --pod-running-timeout.
    let deadline = cx.now() + timeout;
    let started = cx.advance_until(deadline, |sim| {
        current_pod(sim, &key).is_none_or(|p| !matches!(pod_phase(p), "Pending" | ""))
    });
    if !started {
        return Err(client_err("timed out waiting for the condition"));
    }
    // A process still running when kubectl attaches: with a terminal, kubectl says how to get
    // a prompt (`attach.go`). One that already ended is shown through its logs instead.
    let already_done = current_pod(cx.sim(), &key).is_none_or(is_completed);
    if tty && !already_done {
        cx.err
            .push_str("If you don't see a command prompt, try pressing enter.\n");
    }
    // Attached: the process's output until it ends (bounded: a process that never ends
    // would keep a real terminal attached; the simulation gives up after an hour).
    let limit = cx.now() + SimDuration::from_secs(3600);
    let ckey = ContainerKey::new(uid.clone(), name.clone());
    let ended = cx.advance_until(limit, |sim| {
        current_pod(sim, &key)
            .is_none_or(|p| terminated_state(p, &name).is_some() || is_completed(p))
    });
    let now = cx.now();
    if let Some(l) = cx.sim().env().world.logs(&ckey) {
        let text = log_text(&l.current, now, -1);
        cx.out.push_str(&text);
    }
    if !ended {
        return Err(Failure::Text(format!(
            "stsim: the process in pod {ns}/{name} was still running after an hour attached; a simulated terminal does not stay attached longer\n"
        )));
    }
    let (code, reason) = match current_pod(cx.sim(), &key).and_then(|p| terminated_state(p, &name))
    {
        Some(t) => (
            t.exit_code,
            t.reason.clone().unwrap_or_else(|| "Error".into()),
        ),
        None => (0, "Completed".into()),
    };
    if rm {
        let obj = cx.sim().api().try_get(&key).cloned();
        if let Some(obj) = obj {
            let opts = DeleteOptions::default();
            let _ = cx.write(|api| api.delete(&key, &opts));
            let wait = super::delete::wait_gone(
                cx,
                std::slice::from_ref(&obj),
                SimDuration::from_secs(3600),
            );
            cx.out.push_str(&super::delete::deleted_line(
                &obj,
                "deleted",
                super::DryRun::None,
                false,
            ));
            wait?;
        }
    }
    if code != 0 {
        return Err(Failure::Exit {
            text: format!("pod {ns}/{name} terminated ({reason})\n"),
            code,
        });
    }
    Ok(())
}

/// `kubectl cp SRC DST`: one side is `[namespace/]pod:path`.
pub(crate) fn cp(cx: &mut Cx) -> CmdResult {
    if cx.p.args.len() != 2 {
        return Err(usage_err("cp", "source and destination are required"));
    }
    let (src, dst) = (cx.p.args[0].clone(), cx.p.args[1].clone());
    let remote = |s: &str| -> Option<(Option<String>, String, String)> {
        let (left, path) = s.split_once(':')?;
        if left.is_empty() || left.contains('\\') {
            return None;
        }
        match left.split_once('/') {
            Some((ns, pod)) => Some((Some(ns.to_string()), pod.to_string(), path.to_string())),
            None => Some((None, left.to_string(), path.to_string())),
        }
    };
    match (remote(&src), remote(&dst)) {
        (Some(_), Some(_)) => Err(client_err(
            "one of src or dest must be a local file specification",
        )),
        (None, None) => Err(client_err(
            "one of src or dest must be a remote file specification",
        )),
        (Some((ns, pod, path)), None) => copy_from_pod(cx, ns, &pod, &path, &dst),
        (None, Some((ns, pod, path))) => copy_to_pod(cx, ns, &pod, &src, &path),
    }
}

fn cp_pod(cx: &mut Cx, ns: Option<String>, pod: &str) -> Result<(Pod, Container), Failure> {
    let ns = ns.unwrap_or_else(|| cx.namespace());
    let obj = get_pod(cx, &ns, pod)?;
    let pod = as_pod(&obj).clone();
    let c = pick_container(cx, &pod)?;
    if !matches!(container_state(&pod, &c.name), Some(("running", _))) {
        return Err(client_err(format!(
            "unable to upgrade connection: container not found (\"{}\")",
            c.name
        )));
    }
    let image = c.image.clone().unwrap_or_default();
    if !crate::exec::images::has_program(&image, "tar") {
        return Err(Failure::Text(
            "error: Internal error occurred: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: \"tar\": executable file not found in $PATH: unknown\n".to_string(),
        ));
    }
    Ok((pod, c))
}

fn copy_from_pod(cx: &mut Cx, ns: Option<String>, pod: &str, path: &str, local: &str) -> CmdResult {
    let (pod, c) = cp_pod(cx, ns, pod)?;
    let key = ContainerKey::new(pod.metadata.uid.clone().unwrap_or_default(), c.name.clone());
    let now = cx.now();
    let data = {
        let world = &mut cx.session.sim.env_mut().world;
        let Some(view) = world.view(&key, now) else {
            return Err(client_err("container not found"));
        };
        view.read(path)
    };
    if path.starts_with('/') {
        cx.err
            .push_str("tar: Removing leading `/' from member names\n");
    }
    match data {
        Ok(bytes) => {
            cx.session.local_files.insert(local.to_string(), bytes);
            Ok(())
        }
        Err(e) => Err(Failure::Text(format!(
            "tar: {}: Cannot stat: {e}\ntar: Exiting with failure status due to previous errors\n",
            path.trim_start_matches('/')
        ))),
    }
}

fn copy_to_pod(cx: &mut Cx, ns: Option<String>, pod: &str, local: &str, path: &str) -> CmdResult {
    let data = match cx.session.local_files.get(local) {
        Some(d) => d.clone(),
        None => match std::fs::read(cx.resolve_path(local)) {
            Ok(d) => d,
            Err(_) => {
                return Err(client_err(format!(
                    "{local} doesn't exist in local filesystem"
                )));
            }
        },
    };
    let (pod, c) = cp_pod(cx, ns, pod)?;
    let key = ContainerKey::new(pod.metadata.uid.clone().unwrap_or_default(), c.name.clone());
    let now = cx.now();
    let world = &mut cx.session.sim.env_mut().world;
    let Some(mut view) = world.view(&key, now) else {
        return Err(client_err("container not found"));
    };
    let target = if view.is_dir(path) {
        let base = local.rsplit('/').next().unwrap_or(local);
        format!("{}/{base}", path.trim_end_matches('/'))
    } else {
        path.to_string()
    };
    view.write(&target, &data).map_err(|e| {
        Failure::Text(format!(
            "tar: {}: Cannot open: {e}\ntar: Exiting with failure status due to previous errors\ncommand terminated with exit code 2\n",
            target.trim_start_matches('/')
        ))
    })
}
