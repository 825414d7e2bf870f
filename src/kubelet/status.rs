//! The pod status exactly as the kubelet writes it (`generateAPIPodStatus`,
//! `convertToAPIContainerStatuses`, `getPhase`, `status/generate.go`, the status manager's
//! lastTransitionTime rule): spec K2–K4, K21.

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, HostIP, Pod, PodCondition, PodIP, PodSpec, PodStatus,
    VolumeMountStatus,
};

use crate::apiserver::strategy::pod_qos_class;
use crate::engine::SimTime;

use super::worker::{Ctr, PodWorker, Term};

/// Condition types the kubelet owns (`PodConditionByKubelet`); all others are kept as the
/// API has them.
const KUBELET_CONDITIONS: [&str; 5] = [
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
];

fn terminated_state(t: &Term) -> ContainerStateTerminated {
    ContainerStateTerminated {
        container_id: Some(t.id.clone()),
        exit_code: t.code,
        finished_at: Some(t.finished_at.to_k8s_time()),
        message: t.message.clone(),
        reason: Some(t.reason.clone()),
        signal: None,
        started_at: Some(t.started_at.to_k8s_time()),
    }
}

fn waiting(reason: &str, message: Option<&str>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.to_string()),
            message: message.map(str::to_string),
        }),
        ..Default::default()
    }
}

/// `containerStatuses[]` / `initContainerStatuses[]` entry for `ctr`.
pub(super) fn container_status(
    ctr: &Ctr,
    spec: Option<&Container>,
    has_init: bool,
) -> ContainerStatus {
    let default_reason = if has_init {
        "PodInitializing"
    } else {
        "ContainerCreating"
    };
    let volume_mounts = spec.and_then(|c| c.volume_mounts.as_ref()).map(|mounts| {
        mounts
            .iter()
            .map(|m| {
                let ro = m.read_only == Some(true);
                VolumeMountStatus {
                    mount_path: m.mount_path.clone(),
                    name: m.name.clone(),
                    read_only: ro.then_some(true),
                    recursive_read_only: ro.then(|| "Disabled".to_string()),
                }
            })
            .collect()
    });
    let mut cs = ContainerStatus {
        name: ctr.name.clone(),
        image: ctr.image.clone(),
        image_id: String::new(),
        last_state: Some(ContainerState::default()),
        ready: false,
        restart_count: 0,
        started: Some(false),
        state: None,
        volume_mounts,
        ..Default::default()
    };
    let last = |t: &Option<Term>| {
        Some(match t {
            Some(t) => ContainerState {
                terminated: Some(terminated_state(t)),
                ..Default::default()
            },
            None => ContainerState::default(),
        })
    };
    match (&ctr.run, &ctr.last_exit) {
        (Some(run), _) if run.seen => {
            cs.state = Some(ContainerState {
                running: Some(ContainerStateRunning {
                    started_at: Some(run.started_at.to_k8s_time()),
                }),
                ..Default::default()
            });
            cs.last_state = last(&ctr.last_exit);
            cs.restart_count = run.restart_count;
            cs.image = run.image.clone();
            cs.image_id = run.image_id.clone();
            cs.container_id = Some(run.id.clone());
            cs.started = Some(ctr.is_started());
            // A regular init container is ready only once it exited 0 (prober manager's
            // UpdatePodStatus); while it runs, the pod is not Initialized.
            cs.ready = (ctr.sidecar || !ctr.is_init) && ctr.is_ready();
        }
        (_, Some(t)) => {
            match &ctr.reason {
                Some((reason, message)) => {
                    cs.state = Some(waiting(reason, Some(message)));
                    cs.last_state = last(&ctr.last_exit);
                }
                None => {
                    cs.state = Some(ContainerState {
                        terminated: Some(terminated_state(t)),
                        ..Default::default()
                    });
                    cs.last_state = last(&ctr.prev_exit);
                }
            }
            cs.restart_count = t.restart_count;
            cs.image = t.image.clone();
            cs.image_id = t.image_id.clone();
            cs.container_id = Some(t.id.clone());
            cs.ready = ctr.is_init && !ctr.sidecar && t.code == 0 && ctr.reason.is_none();
        }
        (_, None) => {
            let (reason, message) = match &ctr.reason {
                Some((r, m)) => (r.as_str(), Some(m.as_str())),
                None => (default_reason, None),
            };
            cs.state = Some(waiting(reason, message));
        }
    }
    cs
}

fn state_of(cs: &ContainerStatus) -> ContainerState {
    cs.state.clone().unwrap_or_default()
}

fn last_terminated(cs: &ContainerStatus) -> Option<&ContainerStateTerminated> {
    cs.last_state.as_ref()?.terminated.as_ref()
}

fn is_restartable(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

fn find<'a>(statuses: &'a [ContainerStatus], name: &str) -> Option<&'a ContainerStatus> {
    statuses.iter().find(|s| s.name == name)
}

/// True when some regular container has run (`HasAnyRegularContainerStarted`).
fn any_regular_started(spec: &PodSpec, statuses: &[ContainerStatus]) -> bool {
    spec.containers.iter().any(|c| {
        find(statuses, &c.name).is_some_and(|s| {
            let st = state_of(s);
            st.running.is_some() || st.terminated.is_some() || last_terminated(s).is_some()
        })
    })
}

/// `getPhase` (without the alpha ContainerRestartRules gate).
pub(super) fn get_phase(spec: &PodSpec, statuses: &[ContainerStatus], terminal: bool) -> String {
    let policy = spec.restart_policy.as_deref().unwrap_or("Always");
    let mut pending_init = 0;
    let mut pending_sidecars = 0;
    let mut failed_init = 0;
    for c in spec.init_containers.iter().flatten() {
        if is_restartable(c) {
            continue;
        }
        let Some(s) = find(statuses, &c.name) else {
            pending_init += 1;
            continue;
        };
        let st = state_of(s);
        if st.running.is_some() {
            pending_init += 1;
        } else if let Some(t) = &st.terminated {
            if t.exit_code != 0 {
                failed_init += 1;
            }
        } else if st.waiting.is_some() {
            match last_terminated(s) {
                Some(t) if t.exit_code != 0 => failed_init += 1,
                Some(_) => {}
                None => pending_init += 1,
            }
        } else {
            pending_init += 1;
        }
    }
    let (mut unknown, mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0, 0);
    for c in spec.init_containers.iter().flatten() {
        if !is_restartable(c) {
            continue;
        }
        let Some(s) = find(statuses, &c.name) else {
            unknown += 1;
            continue;
        };
        let st = state_of(s);
        if st.running.is_some() {
            if s.started != Some(true) {
                pending_sidecars += 1;
            }
            running += 1;
        } else if st.terminated.is_some() {
        } else if st.waiting.is_some() {
            if last_terminated(s).is_none() {
                pending_sidecars += 1;
                waiting += 1;
            }
        } else {
            pending_sidecars += 1;
            unknown += 1;
        }
    }
    for c in &spec.containers {
        let Some(s) = find(statuses, &c.name) else {
            unknown += 1;
            continue;
        };
        let st = state_of(s);
        if st.running.is_some() {
            running += 1;
        } else if let Some(t) = &st.terminated {
            stopped += 1;
            if t.exit_code == 0 {
                succeeded += 1;
            }
        } else if st.waiting.is_some() {
            if last_terminated(s).is_some() {
                stopped += 1;
            } else {
                waiting += 1;
            }
        } else {
            unknown += 1;
        }
    }
    if failed_init > 0 && policy == "Never" {
        return "Failed".into();
    }
    let initialized = any_regular_started(spec, statuses);
    if pending_init > 0 || (pending_sidecars > 0 && !initialized) || waiting > 0 {
        return "Pending".into();
    }
    if running > 0 && unknown == 0 {
        return "Running".into();
    }
    if running == 0 && stopped > 0 && unknown == 0 {
        if terminal {
            return if stopped == succeeded {
                "Succeeded".into()
            } else {
                "Failed".into()
            };
        }
        if policy == "Always" {
            return "Running".into();
        }
        if stopped == succeeded {
            return "Succeeded".into();
        }
        if policy == "Never" {
            return "Failed".into();
        }
        return "Running".into();
    }
    "Pending".into()
}

fn cond(type_: &str, status: bool, reason: Option<&str>, message: Option<String>) -> PodCondition {
    PodCondition {
        type_: type_.to_string(),
        status: if status { "True" } else { "False" }.to_string(),
        reason: reason.map(str::to_string),
        message,
        ..Default::default()
    }
}

fn go_list(names: &[String]) -> String {
    format!("[{}]", names.join(" "))
}

/// `GenerateContainersReadyCondition`.
fn containers_ready(spec: &PodSpec, statuses: &[ContainerStatus], phase: &str) -> PodCondition {
    let mut unknown = Vec::new();
    let mut unready = Vec::new();
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| is_restartable(c));
    for c in sidecars.chain(spec.containers.iter()) {
        match find(statuses, &c.name) {
            Some(s) if !s.ready => unready.push(c.name.clone()),
            Some(_) => {}
            None => unknown.push(c.name.clone()),
        }
    }
    if (phase == "Succeeded" && unknown.is_empty()) || phase == "Failed" {
        let reason = if phase == "Failed" {
            "PodFailed"
        } else {
            "PodCompleted"
        };
        return cond("ContainersReady", false, Some(reason), None);
    }
    let mut msgs = Vec::new();
    if !unknown.is_empty() {
        msgs.push(format!(
            "containers with unknown status: {}",
            go_list(&unknown)
        ));
    }
    if !unready.is_empty() {
        msgs.push(format!(
            "containers with unready status: {}",
            go_list(&unready)
        ));
    }
    if msgs.is_empty() {
        cond("ContainersReady", true, None, None)
    } else {
        cond(
            "ContainersReady",
            false,
            Some("ContainersNotReady"),
            Some(msgs.join(", ")),
        )
    }
}

/// `GeneratePodReadyCondition`.
fn pod_ready(
    spec: &PodSpec,
    containers: &PodCondition,
    conditions: &[PodCondition],
) -> PodCondition {
    if containers.status != "True" {
        return PodCondition {
            type_: "Ready".into(),
            ..containers.clone()
        };
    }
    let mut msgs = Vec::new();
    for gate in spec.readiness_gates.iter().flatten() {
        match conditions.iter().find(|c| c.type_ == gate.condition_type) {
            None => msgs.push(format!(
                "corresponding condition of pod readiness gate \"{}\" does not exist.",
                gate.condition_type
            )),
            Some(c) if c.status != "True" => msgs.push(format!(
                "the status of pod readiness gate \"{}\" is not \"True\", but {}",
                gate.condition_type, c.status
            )),
            Some(_) => {}
        }
    }
    if msgs.is_empty() {
        cond("Ready", true, None, None)
    } else {
        cond(
            "Ready",
            false,
            Some("ReadinessGatesNotReady"),
            Some(msgs.join(", ")),
        )
    }
}

/// `GeneratePodInitializedCondition`.
fn initialized(spec: &PodSpec, statuses: &[ContainerStatus], phase: &str) -> PodCondition {
    let mut unknown = Vec::new();
    let mut incomplete = Vec::new();
    for c in spec.init_containers.iter().flatten() {
        let Some(s) = find(statuses, &c.name) else {
            unknown.push(c.name.clone());
            continue;
        };
        let done = if is_restartable(c) {
            s.started == Some(true)
        } else {
            s.ready
        };
        if !done {
            incomplete.push(c.name.clone());
        }
    }
    if phase == "Succeeded" && unknown.is_empty() {
        return cond("Initialized", true, Some("PodCompleted"), None);
    }
    if any_regular_started(spec, statuses) {
        return cond("Initialized", true, None, None);
    }
    let mut msgs = Vec::new();
    if !unknown.is_empty() {
        msgs.push(format!(
            "containers with unknown status: {}",
            go_list(&unknown)
        ));
    }
    if !incomplete.is_empty() {
        msgs.push(format!(
            "containers with incomplete status: {}",
            go_list(&incomplete)
        ));
    }
    if msgs.is_empty() {
        cond("Initialized", true, None, None)
    } else {
        cond(
            "Initialized",
            false,
            Some("ContainersNotInitialized"),
            Some(msgs.join(", ")),
        )
    }
}

/// The status the kubelet writes for `w`, given the pod as the API has it.
pub(super) fn generate(w: &PodWorker, pod: &Pod, node_ip: &str, now: SimTime) -> PodStatus {
    let old = pod.status.clone().unwrap_or_default();
    let default_spec = PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&default_spec);
    let generation = pod.metadata.generation;
    let has_init = spec.init_containers.as_ref().is_some_and(|v| !v.is_empty());
    let spec_of = |c: &Ctr| -> Option<&Container> {
        if c.is_init {
            spec.init_containers.as_ref()?.get(c.spec_index)
        } else {
            spec.containers.get(c.spec_index)
        }
    };
    let init_statuses: Vec<ContainerStatus> = w
        .ctrs
        .iter()
        .filter(|c| c.is_init)
        .map(|c| container_status(c, spec_of(c), has_init))
        .collect();
    let mut app_statuses: Vec<ContainerStatus> = w
        .ctrs
        .iter()
        .filter(|c| !c.is_init)
        .map(|c| container_status(c, spec_of(c), has_init))
        .collect();
    // `SortedContainerStatuses`: app containers by name; init containers in spec order.
    app_statuses.sort_by(|a, b| a.name.cmp(&b.name));
    let all: Vec<ContainerStatus> = app_statuses
        .iter()
        .chain(init_statuses.iter())
        .cloned()
        .collect();
    let mut phase = get_phase(spec, &all, w.is_terminal());
    let old_phase = old.phase.clone().unwrap_or_default();
    if phase != "Succeeded"
        && phase != "Failed"
        && (old_phase == "Succeeded" || old_phase == "Failed")
    {
        phase = old_phase.clone();
    }
    let (reason, message) = if phase == old_phase {
        (old.reason.clone(), old.message.clone())
    } else {
        (None, None)
    };

    let old_conditions = old.conditions.clone().unwrap_or_default();
    let mut conditions: Vec<PodCondition> = old_conditions
        .iter()
        .filter(|c| !KUBELET_CONDITIONS.contains(&c.type_.as_str()))
        .cloned()
        .collect();
    let containers = containers_ready(spec, &all, &phase);
    let ready = pod_ready(spec, &containers, &conditions);
    let mut owned = vec![
        cond("PodReadyToStartContainers", w.sandbox_ready(), None, None),
        initialized(spec, &all, &phase),
        ready,
        containers,
        cond("PodScheduled", true, None, None),
    ];
    for c in &mut owned {
        c.observed_generation = generation;
        match old_conditions.iter().find(|o| o.type_ == c.type_) {
            Some(o) if o.status == c.status => {
                c.last_transition_time = o.last_transition_time.clone();
                c.last_probe_time = o.last_probe_time.clone();
                if c.type_ == "PodScheduled" {
                    c.reason = o.reason.clone();
                    c.message = o.message.clone();
                }
            }
            _ => c.last_transition_time = Some(now.to_k8s_time()),
        }
    }
    conditions.extend(owned);

    let pod_ip = w.pod_ip();
    PodStatus {
        conditions: Some(conditions),
        container_statuses: Some(app_statuses),
        init_container_statuses: has_init.then_some(init_statuses),
        host_ip: Some(node_ip.to_string()),
        host_ips: Some(vec![HostIP {
            ip: node_ip.to_string(),
        }]),
        message,
        nominated_node_name: old.nominated_node_name.clone(),
        observed_generation: generation,
        phase: Some(phase),
        pod_ip: pod_ip.clone(),
        pod_ips: pod_ip.map(|ip| vec![PodIP { ip }]),
        qos_class: old
            .qos_class
            .clone()
            .or_else(|| Some(pod_qos_class(pod).to_string())),
        reason,
        resource_claim_statuses: old.resource_claim_statuses.clone(),
        start_time: old
            .start_time
            .clone()
            .or_else(|| Some(w.admitted_at.to_k8s_time())),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> PodSpec {
        serde_json::from_value(v).unwrap()
    }

    fn statuses(v: serde_json::Value) -> Vec<ContainerStatus> {
        serde_json::from_value(v).unwrap()
    }

    fn cs(name: &str, state: serde_json::Value, last: serde_json::Value) -> serde_json::Value {
        json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": 0,
               "state": state, "lastState": last})
    }

    #[test]
    fn phase_follows_get_phase() {
        let one = spec(json!({"containers": [{"name": "c"}], "restartPolicy": "Always"}));
        let waiting = json!({"waiting": {"reason": "ContainerCreating"}});
        let running = json!({"running": {}});
        let failed = json!({"terminated": {"exitCode": 1}});
        let ok = json!({"terminated": {"exitCode": 0}});
        let phase = |s: &PodSpec, st: serde_json::Value, terminal| {
            get_phase(s, &statuses(json!([st])), terminal)
        };
        assert_eq!(
            phase(&one, cs("c", waiting.clone(), json!({})), false),
            "Pending"
        );
        assert_eq!(
            phase(&one, cs("c", running.clone(), json!({})), false),
            "Running"
        );
        assert_eq!(
            phase(&one, cs("c", failed.clone(), json!({})), false),
            "Running"
        );
        assert_eq!(
            phase(
                &one,
                cs(
                    "c",
                    json!({"waiting": {"reason": "CrashLoopBackOff"}}),
                    json!({"terminated": {"exitCode": 1}})
                ),
                false
            ),
            "Running",
            "waiting after a termination counts as stopped"
        );
        assert_eq!(
            phase(&one, cs("c", ok.clone(), json!({})), true),
            "Succeeded"
        );
        assert_eq!(
            phase(&one, cs("c", failed.clone(), json!({})), true),
            "Failed"
        );
        let never = spec(json!({"containers": [{"name": "c"}], "restartPolicy": "Never"}));
        assert_eq!(
            phase(&never, cs("c", ok.clone(), json!({})), false),
            "Succeeded"
        );
        assert_eq!(
            phase(&never, cs("c", failed.clone(), json!({})), false),
            "Failed"
        );
        let on_failure = spec(json!({"containers": [{"name": "c"}], "restartPolicy": "OnFailure"}));
        assert_eq!(
            phase(&on_failure, cs("c", failed, json!({})), false),
            "Running"
        );
        assert_eq!(
            phase(&on_failure, cs("c", ok, json!({})), false),
            "Succeeded"
        );
        let init = spec(
            json!({"initContainers": [{"name": "i"}], "containers": [{"name": "c"}],
                               "restartPolicy": "Never"}),
        );
        let st = statuses(json!([
            cs("i", json!({"terminated": {"exitCode": 2}}), json!({})),
            cs(
                "c",
                json!({"waiting": {"reason": "PodInitializing"}}),
                json!({})
            )
        ]));
        assert_eq!(get_phase(&init, &st, false), "Failed");
        let st = statuses(json!([
            cs("i", running, json!({})),
            cs(
                "c",
                json!({"waiting": {"reason": "PodInitializing"}}),
                json!({})
            )
        ]));
        assert_eq!(get_phase(&init, &st, false), "Pending");
    }

    #[test]
    fn readiness_conditions_name_the_unready_containers() {
        let s = spec(json!({"containers": [{"name": "b"}, {"name": "a"}]}));
        let st = statuses(json!([
            cs("a", json!({"running": {}}), json!({})),
            cs("b", json!({"running": {}}), json!({}))
        ]));
        let c = containers_ready(&s, &st, "Running");
        assert_eq!(c.reason.as_deref(), Some("ContainersNotReady"));
        assert_eq!(
            c.message.as_deref(),
            Some("containers with unready status: [b a]")
        );
        let r = pod_ready(&s, &c, &[]);
        assert_eq!((r.type_.as_str(), r.status.as_str()), ("Ready", "False"));
        let done = containers_ready(&s, &st, "Succeeded");
        assert_eq!(done.reason.as_deref(), Some("PodCompleted"));
        let gated = spec(
            json!({"containers": [], "readinessGates": [{"conditionType": "example.com/lb"}]}),
        );
        let ok = cond("ContainersReady", true, None, None);
        let r = pod_ready(&gated, &ok, &[]);
        assert_eq!(r.reason.as_deref(), Some("ReadinessGatesNotReady"));
        assert_eq!(
            r.message.as_deref(),
            Some(
                "corresponding condition of pod readiness gate \"example.com/lb\" does not exist."
            )
        );
    }

    #[test]
    fn initialized_waits_for_init_containers() {
        let s = spec(
            json!({"initContainers": [{"name": "i1"}, {"name": "i2"}], "containers": [{"name": "c"}]}),
        );
        let st = statuses(json!([
            cs("i1", json!({"running": {}}), json!({})),
            cs(
                "i2",
                json!({"waiting": {"reason": "PodInitializing"}}),
                json!({})
            )
        ]));
        let c = initialized(&s, &st, "Pending");
        assert_eq!(c.status, "False");
        assert_eq!(
            c.message.as_deref(),
            Some("containers with incomplete status: [i1 i2]")
        );
        let plain = spec(json!({"containers": [{"name": "c"}]}));
        assert_eq!(initialized(&plain, &[], "Pending").status, "True");
    }
}
