//! kubectl's `get pods` columns READY, STATUS and RESTARTS, derived from a pod exactly as
//! `printPod` (`pkg/printers/internalversion/printers.go`) derives them; spec K22–K23.
//!
//! Pure functions of the pod (and, for the "(5m ago)" part of RESTARTS, the current time).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};

use crate::engine::{SimDuration, SimTime};

/// The READY, STATUS and RESTARTS cells of one `kubectl get pods` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodColumns {
    /// `1/1`.
    pub ready: String,
    /// `Running`, `ContainerCreating`, `Init:0/1`, `CrashLoopBackOff`, `Terminating`...
    pub status: String,
    /// `0`, or `3 (42s ago)`.
    pub restarts: String,
}

/// The STATUS cell.
pub fn pod_status_column(pod: &Pod) -> String {
    print_pod(pod, SimTime::MAX).status
}

/// The READY cell.
pub fn pod_ready_column(pod: &Pod) -> String {
    print_pod(pod, SimTime::MAX).ready
}

/// The RESTARTS cell as printed at `now`.
pub fn pod_restarts_column(pod: &Pod, now: SimTime) -> String {
    print_pod(pod, now).restarts
}

fn is_restartable_init(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

fn has_condition(conditions: &[PodCondition], type_: &str, status: &str) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == type_)
        .is_some_and(|c| c.status == status)
}

/// `finishedAt` of the last termination, if any.
fn last_termination(cs: &ContainerStatus) -> Option<SimTime> {
    cs.last_state
        .as_ref()?
        .terminated
        .as_ref()?
        .finished_at
        .as_ref()
        .and_then(SimTime::from_k8s_time)
}

/// The three cells, as `printPod` computes them.
pub fn print_pod(pod: &Pod, now: SimTime) -> PodColumns {
    let default_spec = Default::default();
    let spec = pod.spec.as_ref().unwrap_or(&default_spec);
    let default_status = Default::default();
    let status = pod.status.as_ref().unwrap_or(&default_status);
    let conditions: &[PodCondition] = status.conditions.as_deref().unwrap_or(&[]);
    let init_specs: BTreeMap<&str, &Container> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| (c.name.as_str(), c))
        .collect();
    let init_count = spec.init_containers.as_ref().map_or(0, Vec::len);

    let mut restarts: i64 = 0;
    let mut sidecar_restarts: i64 = 0;
    let total = spec.containers.len()
        + spec
            .init_containers
            .iter()
            .flatten()
            .filter(|c| is_restartable_init(c))
            .count();
    let mut ready = 0usize;
    let mut last_restart: Option<SimTime> = None;
    let mut last_sidecar_restart: Option<SimTime> = None;

    let phase = status.phase.clone().unwrap_or_default();
    let mut reason = match status.reason.as_deref() {
        Some(r) if !r.is_empty() => r.to_string(),
        _ => phase.clone(),
    };
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }

    let mut initializing = false;
    for (i, cs) in status.init_container_statuses.iter().flatten().enumerate() {
        restarts += i64::from(cs.restart_count);
        if let Some(t) = last_termination(cs) {
            last_restart = last_restart.max(Some(t));
        }
        let restartable = init_specs
            .get(cs.name.as_str())
            .is_some_and(|c| is_restartable_init(c));
        if restartable {
            sidecar_restarts += i64::from(cs.restart_count);
            if let Some(t) = last_termination(cs) {
                last_sidecar_restart = last_sidecar_restart.max(Some(t));
            }
        }
        let state = cs.state.clone().unwrap_or_default();
        if let Some(t) = &state.terminated
            && t.exit_code == 0
        {
            continue;
        }
        if restartable && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(t) = &state.terminated {
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ => match t.signal {
                    Some(s) if s != 0 => format!("Init:Signal:{s}"),
                    _ => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
        } else if let Some(w) = state
            .waiting
            .as_ref()
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{w}");
        } else {
            reason = format!("Init:{i}/{init_count}");
        }
        initializing = true;
        break;
    }

    if !initializing || has_condition(conditions, "Initialized", "True") {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for cs in status.container_statuses.iter().flatten().rev() {
            restarts += i64::from(cs.restart_count);
            if let Some(t) = last_termination(cs) {
                last_restart = last_restart.max(Some(t));
            }
            let state = cs.state.clone().unwrap_or_default();
            let waiting_reason = state
                .waiting
                .as_ref()
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            if let Some(w) = waiting_reason {
                reason = w.to_string();
            } else if let Some(t) = &state.terminated {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ => match t.signal {
                        Some(s) if s != 0 => format!("Signal:{s}"),
                        _ => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if cs.ready && state.running.is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if has_condition(conditions, "Ready", "True") {
                "Running".to_string()
            } else {
                "NotReady".to_string()
            };
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status.reason.as_deref() == Some("NodeLost") {
            reason = "Unknown".to_string();
        } else if phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating".to_string();
        }
    }

    let restarts = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_since(t, now)),
        _ => restarts.to_string(),
    };
    PodColumns {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
    }
}

fn human_since(t: SimTime, now: SimTime) -> String {
    if now >= t {
        human_duration(now - t)
    } else {
        let ahead = t - now;
        if ahead.as_ms() >= 2000 {
            "<invalid>".to_string()
        } else {
            "0s".to_string()
        }
    }
}

/// apimachinery's `duration.HumanDuration`: `45s`, `2m10s`, `15m`, `3h20m`, `2d5h`...
pub fn human_duration(d: SimDuration) -> String {
    let seconds = d.as_secs();
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(v: serde_json::Value) -> Pod {
        let mut base = json!({
            "metadata": {"name": "web-0", "namespace": "default"},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
        });
        merge(&mut base, v);
        serde_json::from_value(base).unwrap()
    }

    fn merge(a: &mut serde_json::Value, b: serde_json::Value) {
        match (a, b) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
            (a, b) => *a = b,
        }
    }

    fn cols(p: &Pod) -> (String, String, String) {
        let c = print_pod(p, SimTime::from_ms(600_000));
        (c.ready, c.status, c.restarts)
    }

    fn t(secs: u64) -> String {
        SimTime::from_ms(secs * 1000).rfc3339()
    }

    #[test]
    fn pending_and_container_creating() {
        let p = pod(json!({"status": {"phase": "Pending"}}));
        assert_eq!(cols(&p), ("0/1".into(), "Pending".into(), "0".into()));
        let p = pod(json!({"status": {"phase": "Pending", "containerStatuses": [
            {"name": "nginx", "image": "nginx", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"waiting": {"reason": "ContainerCreating"}}}]}}));
        assert_eq!(cols(&p).1, "ContainerCreating");
    }

    #[test]
    fn running_ready_and_not_ready() {
        let mut p = pod(json!({"status": {"phase": "Running", "containerStatuses": [
            {"name": "nginx", "image": "nginx", "imageID": "", "ready": true, "restartCount": 0,
             "state": {"running": {"startedAt": t(1)}}}]}}));
        assert_eq!(cols(&p), ("1/1".into(), "Running".into(), "0".into()));
        p.status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0]
            .ready = false;
        assert_eq!(cols(&p), ("0/1".into(), "Running".into(), "0".into()));
    }

    #[test]
    fn first_container_wins_the_backward_walk() {
        let p = pod(json!({
            "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "a", "image": "x", "imageID": "", "ready": false, "restartCount": 4,
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": t(590)}},
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"name": "b", "image": "y", "imageID": "", "ready": true, "restartCount": 1,
                 "lastState": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": t(100)}},
                 "state": {"running": {"startedAt": t(1)}}}]}}));
        assert_eq!(
            cols(&p),
            (
                "1/2".into(),
                "CrashLoopBackOff".into(),
                "5 (10s ago)".into()
            )
        );
    }

    #[test]
    fn terminated_reasons_signals_and_exit_codes() {
        for (term, want) in [
            (json!({"exitCode": 1, "reason": "Error"}), "Error"),
            (json!({"exitCode": 137, "reason": "OOMKilled"}), "OOMKilled"),
            (json!({"exitCode": 0, "reason": "Completed"}), "Completed"),
            (json!({"exitCode": 2}), "ExitCode:2"),
            (json!({"exitCode": 137, "signal": 9}), "Signal:9"),
        ] {
            let p = pod(json!({"status": {"phase": "Running", "containerStatuses": [
                {"name": "nginx", "image": "nginx", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": term}}]}}));
            assert_eq!(cols(&p).1, want);
        }
    }

    #[test]
    fn completed_with_a_running_container_is_running_or_not_ready() {
        let status = |ready: &str| {
            json!({"phase": "Running",
                "conditions": [{"type": "Ready", "status": ready}],
                "containerStatuses": [
                    {"name": "a", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "b", "image": "y", "imageID": "", "ready": true, "restartCount": 0,
                     "state": {"running": {}}}]})
        };
        let spec =
            json!({"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]});
        let p = pod(json!({"spec": spec.clone(), "status": status("True")}));
        assert_eq!(cols(&p).1, "Running");
        let p = pod(json!({"spec": spec, "status": status("False")}));
        assert_eq!(cols(&p).1, "NotReady");
    }

    #[test]
    fn init_containers() {
        let spec = json!({"initContainers": [{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}],
                          "containers": [{"name": "nginx", "image": "nginx"}]});
        let init = |s1: serde_json::Value, s2: serde_json::Value| {
            pod(
                json!({"spec": spec.clone(), "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "image": "busybox", "imageID": "", "ready": false, "restartCount": 2, "state": s1},
                {"name": "i2", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0, "state": s2}],
                "containerStatuses": [{"name": "nginx", "image": "nginx", "imageID": "", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}]}}),
            )
        };
        let waiting = json!({"waiting": {"reason": "PodInitializing"}});
        assert_eq!(cols(&init(waiting.clone(), waiting.clone())).1, "Init:0/2");
        assert_eq!(cols(&init(waiting.clone(), waiting.clone())).2, "2");
        let done = json!({"terminated": {"exitCode": 0, "reason": "Completed"}});
        assert_eq!(cols(&init(done.clone(), waiting.clone())).1, "Init:1/2");
        assert_eq!(
            cols(&init(json!({"running": {}}), waiting.clone())).1,
            "Init:0/2"
        );
        assert_eq!(
            cols(&init(
                json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
                waiting.clone()
            ))
            .1,
            "Init:Error"
        );
        assert_eq!(
            cols(&init(
                json!({"terminated": {"exitCode": 3}}),
                waiting.clone()
            ))
            .1,
            "Init:ExitCode:3"
        );
        assert_eq!(
            cols(&init(
                json!({"terminated": {"exitCode": 137, "signal": 9}}),
                waiting.clone()
            ))
            .1,
            "Init:Signal:9"
        );
        assert_eq!(
            cols(&init(
                json!({"waiting": {"reason": "CrashLoopBackOff"}}),
                waiting.clone()
            ))
            .1,
            "Init:CrashLoopBackOff"
        );
        assert_eq!(
            cols(&init(
                done.clone(),
                json!({"waiting": {"reason": "ErrImagePull"}})
            ))
            .1,
            "Init:ErrImagePull"
        );
        // All done: the app container's state shows.
        assert_eq!(cols(&init(done.clone(), done)).1, "PodInitializing");
    }

    #[test]
    fn sidecars_count_towards_ready_and_restarts() {
        let p = pod(json!({
            "spec": {"initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}],
                     "containers": [{"name": "nginx", "image": "nginx"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [
                    {"name": "proxy", "image": "envoy", "imageID": "", "ready": true, "started": true,
                     "restartCount": 1,
                     "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": t(540)}},
                     "state": {"running": {}}}],
                "containerStatuses": [
                    {"name": "nginx", "image": "nginx", "imageID": "", "ready": true, "restartCount": 0,
                     "state": {"running": {}}}]}}));
        assert_eq!(
            cols(&p),
            ("2/2".into(), "Running".into(), "1 (60s ago)".into())
        );
    }

    #[test]
    fn terminating_unknown_and_terminal_phases() {
        let running = json!({"phase": "Running", "containerStatuses": [
            {"name": "nginx", "image": "nginx", "imageID": "", "ready": true, "restartCount": 0,
             "state": {"running": {}}}]});
        let p = pod(json!({"metadata": {"deletionTimestamp": t(5)}, "status": running.clone()}));
        assert_eq!(cols(&p), ("1/1".into(), "Terminating".into(), "0".into()));
        let mut lost = running;
        lost["reason"] = json!("NodeLost");
        let p = pod(json!({"metadata": {"deletionTimestamp": t(5)}, "status": lost}));
        assert_eq!(cols(&p).1, "Unknown");
        let p = pod(
            json!({"metadata": {"deletionTimestamp": t(5)}, "status": {"phase": "Succeeded",
            "containerStatuses": [{"name": "nginx", "image": "nginx", "imageID": "", "ready": false,
             "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}),
        );
        assert_eq!(
            cols(&p).1,
            "Completed",
            "a terminal pod being deleted is not Terminating"
        );
        let p = pod(json!({"status": {"phase": "Failed", "reason": "Evicted"}}));
        assert_eq!(cols(&p).1, "Evicted");
        let p = pod(json!({"status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}}));
        assert_eq!(cols(&p).1, "SchedulingGated");
    }

    #[test]
    fn human_durations_match_apimachinery() {
        let s = SimDuration::from_secs;
        assert_eq!(human_duration(s(0)), "0s");
        assert_eq!(human_duration(s(119)), "119s");
        assert_eq!(human_duration(s(120)), "2m");
        assert_eq!(human_duration(s(130)), "2m10s");
        assert_eq!(human_duration(s(15 * 60)), "15m");
        assert_eq!(human_duration(s(3 * 3600 + 20 * 60)), "3h20m");
        assert_eq!(human_duration(s(10 * 3600)), "10h");
        assert_eq!(human_duration(s(53 * 3600)), "2d5h");
        assert_eq!(human_duration(s(30 * 24 * 3600)), "30d");
        assert_eq!(human_duration(s(3 * 365 * 24 * 3600)), "3y");
    }
}
