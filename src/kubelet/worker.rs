//! The pod worker: one pod's way through the kubelet (`pod_workers.go`, `SyncPod`,
//! `syncTerminatingPod`, `syncTerminatedPod`), spec K1–K21.
//!
//! A sync has three parts, as upstream's does: it first takes in what happened since the
//! last one (container starts and exits the PLEG relist has seen, pulls and creates that
//! finished, probe results), then writes the status that follows (only if it changed), then
//! acts (mount, create the sandbox, pull and start the next container, restart with
//! back-off, kill, delete). What an action changes shows in the API at a later sync, as it
//! does on a real node (an exit is written as `Error` before the next sync turns it into
//! `CrashLoopBackOff`).

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Container, Pod};

use crate::api::defaults::default_image_pull_policy;
use crate::api::{Object, ObjectKey};
use crate::apiserver::{Client, DeleteOptions, Preconditions, StatusReason};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Cx, EventSource};

use super::app::{AppCx, AppModel, ContainerInfo, ProbeAnswer, ProbeKind, Signal};
use super::consts::{
    BACKOFF_INITIAL, BACKOFF_MAX, MIN_GRACE, MOUNT_TIMEOUT, STATUS_RETRY, WORKER_BACKOFF,
};
use super::image::ImageRef;
use super::probe::{ProbeWorker, Verdict};
use super::volume::{self, Attach, Check};
use super::{Kubelet, latency, status};
use crate::store::ContainerKey;

/// The pods of one name: the current one and force-deleted predecessors still stopping.
#[derive(Default)]
pub(super) struct PodSlot {
    pub current: Option<PodWorker>,
    pub orphans: Vec<PodWorker>,
}

impl PodSlot {
    /// True when the current pod's last status write produced `resource_version`.
    pub fn wrote_version(&self, resource_version: &str) -> bool {
        self.current
            .as_ref()
            .is_some_and(|w| w.last_written_rv.as_deref() == Some(resource_version))
    }
}

/// A container restart back-off entry (`flowcontrol.Backoff`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Backoff {
    delay: Option<SimDuration>,
    last_update: SimTime,
}

impl Backoff {
    fn expired(&self, event: SimTime) -> bool {
        event.saturating_since(self.last_update).as_ms() > 2 * BACKOFF_MAX.as_ms()
    }

    /// `IsInBackOffSince(event)`: the entry is live and `now - event` is below the delay.
    fn in_backoff_since(&self, event: SimTime, now: SimTime) -> bool {
        match self.delay {
            Some(d) if !self.expired(event) => now.saturating_since(event) < d,
            _ => false,
        }
    }

    /// `IsInBackOffSinceUpdate(now)`.
    fn in_backoff_since_update(&self, now: SimTime) -> bool {
        match self.delay {
            Some(d) if !self.expired(now) => now.saturating_since(self.last_update) < d,
            _ => false,
        }
    }

    /// `Next(event)`: the first delay, or the double of the last one up to the cap.
    fn next(&mut self, event: SimTime) {
        let d = match self.delay {
            Some(d) if !self.expired(event) => {
                SimDuration::from_ms((d.as_ms() * 2).min(BACKOFF_MAX.as_ms()))
            }
            _ => BACKOFF_INITIAL,
        };
        self.delay = Some(d);
        self.last_update = event;
    }

    fn delay(&self) -> SimDuration {
        self.delay.unwrap_or(BACKOFF_INITIAL)
    }
}

/// A finished container instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Term {
    pub id: String,
    pub image: String,
    pub image_id: String,
    pub restart_count: i32,
    pub code: i32,
    pub reason: String,
    pub message: Option<String>,
    pub started_at: SimTime,
    pub finished_at: SimTime,
}

/// When and how a running process ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PendingExit {
    at: SimTime,
    code: i32,
    oom: bool,
}

/// A stop in progress (`killContainer`): preStop, the stop signal, SIGKILL at the deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StopPlan {
    /// The grace period this stop honours.
    grace: SimDuration,
    signal_at: SimTime,
    kill_at: SimTime,
    signaled: bool,
    signal: Signal,
}

/// A live container instance.
pub(super) struct Run {
    pub id: String,
    /// The normalized image reference (`docker.io/library/nginx:1.25`).
    pub image: String,
    pub image_id: String,
    pub restart_count: i32,
    pub started_at: SimTime,
    /// When the PLEG relist notices the start.
    seen_at: SimTime,
    pub seen: bool,
    model: Box<dyn AppModel>,
    exit: Option<PendingExit>,
    stop: Option<StopPlan>,
}

/// One container of the pod (init or app) across its instances.
pub(super) struct Ctr {
    pub name: String,
    /// The spec's image.
    pub image: String,
    pub is_init: bool,
    /// A restartable init container (sidecar).
    pub sidecar: bool,
    pub spec_index: usize,
    pub run: Option<Run>,
    pub last_exit: Option<Term>,
    pub prev_exit: Option<Term>,
    /// The reason cache: why the last start attempt did not happen (shown as `waiting`).
    pub reason: Option<(String, String)>,
    /// Instances created so far.
    instances: i32,
    backoff: Backoff,
    pull_backoff: Backoff,
    last_pull_error: String,
    probes: Vec<ProbeWorker>,
    /// A liveness or startup failure asks for a restart.
    kill_request: Option<ProbeKind>,
    /// A completed init container must run again (its sandbox was re-created).
    rerun: bool,
    /// When the last `BackOff` event was recorded (one per sync).
    backoff_event_at: Option<SimTime>,
}

impl Ctr {
    fn probe(&self, kind: ProbeKind) -> Option<&ProbeWorker> {
        self.probes.iter().find(|p| p.kind == kind)
    }

    /// `started`: running, seen, and its startup probe (if any) has succeeded.
    pub fn is_started(&self) -> bool {
        let Some(run) = &self.run else { return false };
        if !run.seen {
            return false;
        }
        match self.probe(ProbeKind::Startup) {
            Some(p) => p.container_id.as_deref() == Some(&run.id) && p.published == Some(true),
            None => true,
        }
    }

    /// `ready`: started and its readiness probe (if any) has succeeded.
    pub fn is_ready(&self) -> bool {
        if !self.is_started() {
            return false;
        }
        let Some(run) = &self.run else { return false };
        match self.probe(ProbeKind::Readiness) {
            Some(p) => p.container_id.as_deref() == Some(&run.id) && p.published == Some(true),
            None => true,
        }
    }

    /// A regular init container that has finished successfully.
    fn init_done(&self) -> bool {
        self.run.is_none() && !self.rerun && self.last_exit.as_ref().is_some_and(|t| t.code == 0)
    }

    fn finish(&mut self, exit: PendingExit, reason: Option<&str>) {
        let Some(run) = self.run.take() else { return };
        let reason = reason.map(str::to_string).unwrap_or_else(|| {
            if exit.oom {
                "OOMKilled".into()
            } else if exit.code == 0 {
                "Completed".into()
            } else {
                "Error".into()
            }
        });
        let term = Term {
            id: run.id,
            image: run.image,
            image_id: run.image_id,
            restart_count: run.restart_count,
            code: exit.code,
            reason,
            message: None,
            started_at: run.started_at,
            finished_at: exit.at,
        };
        self.prev_exit = self.last_exit.take();
        self.last_exit = Some(term);
    }
}

/// Where the pod is on its way to running.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Waiting for volumes (and attaches).
    Volumes(VolumeWait),
    /// The sandbox is being created.
    Sandbox { ready_at: SimTime },
    /// The sandbox exists; containers are managed.
    Running,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct VolumeWait {
    since: SimTime,
    attaching: Vec<Attach>,
    attach_at: Option<SimTime>,
    mount_at: Option<SimTime>,
    blocked: bool,
    /// When the next failure events are due.
    retry_at: SimTime,
    retry_delay: SimDuration,
    /// When the "Unable to attach or mount volumes ... deadline" event is due.
    timeout_at: SimTime,
}

impl VolumeWait {
    fn new(now: SimTime) -> VolumeWait {
        VolumeWait {
            since: now,
            attaching: Vec::new(),
            attach_at: None,
            mount_at: None,
            blocked: false,
            retry_at: now,
            retry_delay: SimDuration::from_ms(500),
            timeout_at: now + MOUNT_TIMEOUT,
        }
    }
}

/// The pod sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Sandbox {
    ip: String,
    /// The pod's own address (false for hostNetwork pods, whose IP is the node's).
    allocated: bool,
    /// The API has been told about it (after the start chain returned).
    visible: bool,
    /// Stopped (pod terminal): the IP stays in the status, the network is gone.
    torn_down: bool,
}

/// A `Pulling` or create in progress: the pod worker is busy until it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Busy {
    Pull {
        ctr: usize,
        requested_at: SimTime,
        done_at: SimTime,
        pull: SimDuration,
        ok: bool,
        size: u64,
    },
    Create {
        ctr: usize,
        done_at: SimTime,
    },
    PostStart {
        until: SimTime,
    },
}

impl Busy {
    fn done_at(&self) -> SimTime {
        match self {
            Busy::Pull { done_at, .. } | Busy::Create { done_at, .. } => *done_at,
            Busy::PostStart { until } => *until,
        }
    }
}

/// One pod on this node.
pub(super) struct PodWorker {
    pub uid: String,
    pub key: ObjectKey,
    /// The pod as last read (or written).
    pub pod: Arc<Object>,
    pub admitted_at: SimTime,
    stage: Stage,
    sandbox: Option<Sandbox>,
    /// The IP the status shows (kept after teardown, cleared when the sandbox is lost).
    shown_ip: Option<String>,
    pub ctrs: Vec<Ctr>,
    init_count: usize,
    busy: Option<Busy>,
    /// A failed sync is retried at this time.
    retry_at: Option<SimTime>,
    /// A sync to write what the last one found (the sandbox's PLEG event after a failed
    /// start chain).
    resync_at: Option<SimTime>,
    /// The deletion grace period being honoured.
    deleting: Option<SimDuration>,
    /// When the kubelet took the deletion in.
    deleting_since: SimTime,
    /// The API object is gone (force-deleted): stop everything, write nothing.
    gone: bool,
    /// Every container stopped after deletion; the object is deleted at this time.
    delete_at: Option<SimTime>,
    /// Phase is terminal by restart policy (or the pod is done); nothing runs any more.
    terminal: bool,
    /// The work is over; the worker can be dropped.
    finished: bool,
    status_retry_at: Option<SimTime>,
    pub last_written_rv: Option<String>,
    /// Unique names of attached volumes this pod uses.
    attached: Vec<String>,
    /// Objects this pod waits on (waiter index entries to remove).
    waits_on: Vec<ObjectKey>,
}

fn pod_of(obj: &Object) -> Option<&Pod> {
    match obj {
        Object::Pod(p) => Some(p),
        _ => None,
    }
}

fn container_spec_at(pod: &Pod, is_init: bool, index: usize) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    if is_init {
        spec.init_containers.as_ref()?.get(index)
    } else {
        spec.containers.get(index)
    }
}

fn container_spec<'a>(pod: &'a Pod, ctr: &Ctr) -> Option<&'a Container> {
    container_spec_at(pod, ctr.is_init, ctr.spec_index)
}

fn secs(s: i64) -> SimDuration {
    SimDuration::from_secs(u64::try_from(s).unwrap_or(0))
}

fn event(
    cx: &mut Cx<'_>,
    source: &EventSource,
    obj: &Object,
    warning: bool,
    reason: &str,
    msg: &str,
) {
    let type_ = if warning { "Warning" } else { "Normal" };
    cx.record_event(source, obj, type_, reason, msg);
}

impl PodWorker {
    fn new(pod_obj: Arc<Object>, now: SimTime) -> Option<PodWorker> {
        let pod = pod_of(&pod_obj)?;
        let spec = pod.spec.as_ref()?;
        let mut ctrs = Vec::new();
        let probes = |c: &Container| {
            let mut v = Vec::new();
            for (kind, probe) in [
                (ProbeKind::Startup, &c.startup_probe),
                (ProbeKind::Readiness, &c.readiness_probe),
                (ProbeKind::Liveness, &c.liveness_probe),
            ] {
                if let Some(p) = probe {
                    v.push(ProbeWorker::new(kind, p.clone(), now));
                }
            }
            v
        };
        let make = |c: &Container, is_init: bool, index: usize| {
            let sidecar = is_init && c.restart_policy.as_deref() == Some("Always");
            Ctr {
                name: c.name.clone(),
                image: c.image.clone().unwrap_or_default(),
                is_init,
                sidecar,
                spec_index: index,
                run: None,
                last_exit: None,
                prev_exit: None,
                reason: None,
                instances: 0,
                backoff: Backoff::default(),
                pull_backoff: Backoff::default(),
                last_pull_error: String::new(),
                probes: if !is_init || sidecar {
                    probes(c)
                } else {
                    Vec::new()
                },
                kill_request: None,
                rerun: false,
                backoff_event_at: None,
            }
        };
        for (i, c) in spec.init_containers.iter().flatten().enumerate() {
            ctrs.push(make(c, true, i));
        }
        let init_count = ctrs.len();
        for (i, c) in spec.containers.iter().enumerate() {
            ctrs.push(make(c, false, i));
        }
        Some(PodWorker {
            uid: pod_obj.uid().to_string(),
            key: pod_obj.key(),
            pod: pod_obj.clone(),
            admitted_at: now,
            stage: Stage::Volumes(VolumeWait::new(now)),
            sandbox: None,
            shown_ip: None,
            ctrs,
            init_count,
            busy: None,
            retry_at: None,
            resync_at: None,
            deleting: None,
            deleting_since: now,
            gone: false,
            delete_at: None,
            terminal: false,
            finished: false,
            status_retry_at: None,
            last_written_rv: None,
            attached: Vec::new(),
            waits_on: Vec::new(),
        })
    }

    /// The pod is terminal: by restart policy, or every container stopped after deletion.
    pub fn is_terminal(&self) -> bool {
        self.terminal || (self.deleting.is_some() && self.busy.is_none() && !self.any_running())
    }

    /// `PodReadyToStartContainers`: the sandbox is up (and known to the API).
    pub fn sandbox_ready(&self) -> bool {
        self.sandbox
            .as_ref()
            .is_some_and(|s| s.visible && !s.torn_down)
    }

    /// The IP the status shows.
    pub fn pod_ip(&self) -> Option<String> {
        self.shown_ip.clone()
    }

    fn any_running(&self) -> bool {
        self.ctrs.iter().any(|c| c.run.is_some())
    }

    fn make_visible(&mut self) {
        if let Some(s) = &mut self.sandbox {
            s.visible = true;
            if !s.torn_down {
                self.shown_ip = Some(s.ip.clone());
            }
        }
    }

    /// A start attempt failed at `now`: retry after the worker back-off; if the sandbox was
    /// just created, its PLEG event brings a sync (and the status) at the next relist.
    fn fail_sync(&mut self, now: SimTime, pleg: SimDuration) {
        if self.sandbox.as_ref().is_some_and(|s| !s.visible) {
            self.resync_at = Some(pleg_after(now, pleg));
        }
        self.make_visible();
        self.set_retry(now + WORKER_BACKOFF);
    }

    fn set_retry(&mut self, at: SimTime) {
        match self.retry_at {
            Some(t) if t > at => self.retry_at = Some(at),
            None => self.retry_at = Some(at),
            _ => {}
        }
    }

    /// The next time this worker has something to do.
    fn next_wake(&self, pleg: SimDuration) -> Option<SimTime> {
        let mut next: Option<SimTime> = None;
        let mut at = |t: SimTime| next = Some(next.map_or(t, |n: SimTime| n.min(t)));
        let stopping = self.terminal || self.deleting.is_some() || self.gone;
        let retry = if stopping { None } else { self.retry_at };
        for t in [retry, self.resync_at, self.status_retry_at, self.delete_at]
            .into_iter()
            .flatten()
        {
            at(t);
        }
        if let Some(b) = &self.busy {
            at(b.done_at());
        }
        if !self.terminal && self.deleting.is_none() && !self.gone {
            match &self.stage {
                Stage::Volumes(vw) => {
                    if let Some(t) = vw.attach_at {
                        at(t);
                    } else if let Some(t) = vw.mount_at {
                        at(t);
                    } else if vw.blocked {
                        at(vw.retry_at);
                        at(vw.timeout_at);
                    } else {
                        at(vw.retry_at);
                    }
                }
                Stage::Sandbox { ready_at } => at(*ready_at),
                Stage::Running => {}
            }
        }
        for c in &self.ctrs {
            let Some(run) = &c.run else { continue };
            if !run.seen {
                at(run.seen_at);
            }
            if let Some(stop) = &run.stop {
                if !stop.signaled {
                    at(stop.signal_at);
                }
                if run.exit.is_none_or(|e| e.at > stop.kill_at) {
                    at(stop.kill_at);
                }
            }
            if let Some(e) = run.exit {
                at(notice_time(e.at, run.stop.is_some(), pleg));
            }
            if run.seen {
                for p in &c.probes {
                    if !p.on_hold
                        && let Some(t) = p.due_at(SimTime::ZERO)
                    {
                        at(t);
                    }
                }
            }
        }
        next
    }
}

/// When the kubelet learns that a process ended at `at`: at once when it was waiting for it
/// (`killContainer`), else at the next PLEG relist.
fn notice_time(at: SimTime, stopping: bool, pleg: SimDuration) -> SimTime {
    if stopping { at } else { pleg_after(at, pleg) }
}

/// The first PLEG relist strictly after `t` (relists run every `period` from time zero).
pub(super) fn pleg_after(t: SimTime, period: SimDuration) -> SimTime {
    let p = period.as_ms();
    if p == 0 {
        return t;
    }
    SimTime::from_ms((t.as_ms() / p + 1) * p)
}

/// How many passes one sync may take before it gives up for now (each pass handles
/// everything due; a pass that handles nothing ends the sync).
const PASSES_MAX: usize = 64;

impl Kubelet {
    /// Reconciles the pods named by `key`.
    pub(super) fn sync_pod_key(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Option<SimTime> {
        let api_pod = cx.read().try_get(key).cloned();
        let mut slot = self.pods.remove(key).unwrap_or_default();
        if let Some(mut w) = slot.current.take() {
            match &api_pod {
                Some(p) if p.uid() == w.uid => slot.current = Some(w),
                _ => {
                    w.gone = true;
                    slot.orphans.push(w);
                }
            }
        }
        let mut next: Option<SimTime> = None;
        let mut merge = |t: Option<SimTime>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n: SimTime| n.min(t)));
            }
        };
        let orphans = std::mem::take(&mut slot.orphans);
        for mut w in orphans {
            merge(self.sync_worker(&mut w, cx));
            if w.finished {
                cx.env.world.remove_pod(&w.uid);
            } else {
                slot.orphans.push(w);
            }
        }
        if let Some(obj) = api_pod
            && super::Kubelet::pod_node(&obj) == Some(self.config.node_name.as_str())
        {
            if slot.current.is_none() {
                slot.current = self.admit(obj.clone(), cx);
            }
            if let Some(mut w) = slot.current.take() {
                w.pod = obj;
                merge(self.sync_worker(&mut w, cx));
                if w.finished {
                    cx.env.world.remove_pod(&w.uid);
                } else {
                    slot.current = Some(w);
                }
            }
        }
        if slot.current.is_some() || !slot.orphans.is_empty() {
            self.pods.insert(key.clone(), slot);
        }
        next
    }

    /// First sight of a pod bound here: a worker, unless there is nothing to run.
    fn admit(&mut self, obj: Arc<Object>, cx: &mut Cx<'_>) -> Option<PodWorker> {
        let pod = pod_of(&obj)?;
        let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
        let terminal = matches!(phase, Some("Succeeded") | Some("Failed"));
        if terminal || pod.metadata.deletion_timestamp.is_some() {
            // Nothing ran here (or it is over): a deleted pod goes at once.
            if pod.metadata.deletion_timestamp.is_some() {
                let _ = cx.delete(&obj.key(), &final_delete(obj.uid()));
            }
            return None;
        }
        PodWorker::new(obj, cx.now)
    }

    fn sync_worker(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> Option<SimTime> {
        let pleg = latency(cx.profile, "kubelet.pleg_relist");
        let mut last_acted = true;
        for _ in 0..PASSES_MAX {
            if w.finished {
                return None;
            }
            self.note_deletion(w, cx.now);
            let observed = self.observe(w, cx);
            if !observed && !last_acted {
                break;
            }
            if !w.gone {
                self.write_status(w, cx);
            }
            last_acted = self.act(w, cx);
            if !observed && !last_acted {
                break;
            }
        }
        if w.finished {
            return None;
        }
        w.next_wake(pleg)
    }

    fn note_deletion(&mut self, w: &mut PodWorker, now: SimTime) {
        let Some(pod) = pod_of(&w.pod) else { return };
        if pod.metadata.deletion_timestamp.is_none() && !w.gone {
            return;
        }
        let grace = pod
            .metadata
            .deletion_grace_period_seconds
            .or_else(|| {
                pod.spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
            })
            .unwrap_or(30);
        let grace = if w.gone {
            SimDuration::ZERO
        } else {
            secs(grace)
        };
        match w.deleting {
            Some(g) if g <= grace => {}
            Some(_) => w.deleting = Some(grace),
            None => {
                w.deleting = Some(grace);
                w.deleting_since = now;
            }
        }
    }

    /// Takes in what happened up to now. Returns true when anything did.
    fn observe(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        let pleg = latency(cx.profile, "kubelet.pleg_relist");
        let mut progressed = false;
        let pod_obj = w.pod.clone();
        let Some(pod) = pod_of(&pod_obj) else {
            return false;
        };

        // The start chain: a pull or a create that finished.
        if let Some(b) = w.busy.clone()
            && b.done_at() <= now
        {
            progressed = true;
            w.busy = None;
            match b {
                Busy::Pull {
                    ctr,
                    requested_at,
                    done_at,
                    pull,
                    ok,
                    size,
                } => self.pull_finished(w, ctr, requested_at, done_at, pull, ok, size, cx),
                Busy::Create { ctr, done_at } => self.container_started(w, ctr, done_at, cx),
                Busy::PostStart { .. } => {}
            }
        }

        self.take_crashes(w, pod, now, cx);
        let deleting = w.deleting.is_some();
        let mut saw_start = false;
        // Containers the relist just found running: their status is written before their
        // first (manually triggered) readiness probe runs.
        let mut just_seen: Vec<usize> = Vec::new();
        for i in 0..w.ctrs.len() {
            let pod_ip = w.shown_ip.clone().unwrap_or_default();
            let ctr = &mut w.ctrs[i];
            let (is_init, spec_index) = (ctr.is_init, ctr.spec_index);
            let Some(run) = ctr.run.as_mut() else {
                continue;
            };
            if !run.seen && run.seen_at <= now {
                run.seen = true;
                saw_start = true;
                just_seen.push(i);
                // The reason cache entry goes with a successful start.
                ctr.reason = None;
                let id = run.id.clone();
                for p in &mut ctr.probes {
                    p.reset_for(&id);
                    if p.kind == ProbeKind::Readiness {
                        p.manual = true;
                    }
                }
                progressed = true;
            }
            if let Some(stop) = run.stop.as_mut() {
                if !stop.signaled && stop.signal_at <= now {
                    stop.signaled = true;
                    progressed = true;
                    if run.exit.is_none_or(|e| e.at > now) {
                        let signal = stop.signal;
                        let spec_c = container_spec_at(pod, is_init, spec_index)
                            .cloned()
                            .unwrap_or_default();
                        let info = ContainerInfo {
                            pod,
                            container: &spec_c,
                            is_init,
                            restart_count: run.restart_count,
                            pod_ip: &pod_ip,
                        };
                        let mut acx = AppCx {
                            info,
                            since_start: now.saturating_since(run.started_at),
                            rng: &mut *cx.rng,
                            now,
                            world: &mut cx.env.world,
                            api: &*cx.api,
                            dns: &mut cx.env.dns,
                        };
                        if let Some(exit) = run.model.on_signal(&mut acx, signal) {
                            let at = stop.signal_at + exit.after;
                            if at < stop.kill_at && run.exit.is_none_or(|e| e.at > at) {
                                run.exit = Some(PendingExit {
                                    at,
                                    code: exit.code,
                                    oom: exit.oom_killed,
                                });
                            }
                        }
                    }
                }
                if stop.kill_at <= now && run.exit.is_none_or(|e| e.at > stop.kill_at) {
                    run.exit = Some(PendingExit {
                        at: stop.kill_at,
                        code: 137,
                        oom: false,
                    });
                    progressed = true;
                }
            }
            if let Some(e) = run.exit
                && e.at <= now
            {
                // The process is gone: whatever it had not written to disk is lost.
                let key = ContainerKey::new(w.uid.clone(), ctr.name.clone());
                cx.env.world.stop_process(&key);
            }
            if let Some(e) = run.exit
                && notice_time(e.at, run.stop.is_some(), pleg) <= now
            {
                ctr.finish(e, None);
                progressed = true;
            }
        }

        if saw_start {
            w.make_visible();
        }

        // Probes of running containers.
        for i in 0..w.ctrs.len() {
            for p in 0..w.ctrs[i].probes.len() {
                let due = {
                    let ctr = &w.ctrs[i];
                    let seen = ctr.run.as_ref().is_some_and(|r| r.seen);
                    let pw = &ctr.probes[p];
                    seen && !just_seen.contains(&i)
                        && !pw.on_hold
                        && pw.due_at(now).is_some_and(|t| t <= now)
                };
                if due {
                    progressed = true;
                    self.probe_tick(w, i, p, deleting, cx);
                }
            }
        }
        progressed
    }

    /// Carries out the crashes asked for this pod (`stsim crash`): the container's process
    /// dies now with the requested code.
    fn take_crashes(&mut self, w: &mut PodWorker, pod: &Pod, now: SimTime, cx: &mut Cx<'_>) {
        if cx.env.crashes.is_empty() {
            return;
        }
        let ns = pod.metadata.namespace.as_deref().unwrap_or("");
        let name = pod.metadata.name.as_deref().unwrap_or("");
        let mut mine = Vec::new();
        cx.env.crashes.retain(|c| {
            if c.namespace == ns && c.pod == name {
                mine.push(c.clone());
                false
            } else {
                true
            }
        });
        for c in mine {
            let target = match &c.container {
                Some(n) => w.ctrs.iter_mut().find(|x| &x.name == n),
                None => w.ctrs.iter_mut().find(|x| !x.is_init && x.run.is_some()),
            };
            let Some(ctr) = target else { continue };
            if let Some(run) = ctr.run.as_mut()
                && run.exit.is_none_or(|e| e.at > now)
            {
                run.exit = Some(PendingExit {
                    at: now,
                    code: c.code,
                    oom: false,
                });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pull_finished(
        &mut self,
        w: &mut PodWorker,
        i: usize,
        requested_at: SimTime,
        done_at: SimTime,
        pull: SimDuration,
        ok: bool,
        size: u64,
        cx: &mut Cx<'_>,
    ) {
        let now = cx.now;
        let image = w.ctrs[i].image.clone();
        if ok {
            self.images.insert(&image, size);
            self.node.dirty = true;
            event(
                cx,
                &self.source,
                &w.pod,
                false,
                "Pulled",
                &format!(
                    "Successfully pulled image \"{image}\" in {pull} ({} including waiting). Image size: {size} bytes.",
                    done_at.saturating_since(requested_at)
                ),
            );
            w.busy = Some(Busy::Create {
                ctr: i,
                done_at: now + latency(cx.profile, "kubelet.container_start"),
            });
            return;
        }
        let r = ImageRef::parse(&image);
        let err = format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": {0}: not found",
            r.tagged()
        );
        event(
            cx,
            &self.source,
            &w.pod,
            true,
            "Failed",
            &format!("Failed to pull image \"{image}\": {err}"),
        );
        event(
            cx,
            &self.source,
            &w.pod,
            true,
            "Failed",
            "Error: ErrImagePull",
        );
        let ctr = &mut w.ctrs[i];
        ctr.reason = Some(("ErrImagePull".into(), err.clone()));
        ctr.last_pull_error = err;
        ctr.pull_backoff.next(now);
        w.fail_sync(now, latency(cx.profile, "kubelet.pleg_relist"));
    }

    fn container_started(&mut self, w: &mut PodWorker, i: usize, at: SimTime, cx: &mut Cx<'_>) {
        let pleg = latency(cx.profile, "kubelet.pleg_relist");
        let pod_obj = w.pod.clone();
        let Some(pod) = pod_of(&pod_obj) else { return };
        let pod_ip = w.shown_ip.clone().unwrap_or_default();
        let name = w.ctrs[i].name.clone();
        event(
            cx,
            &self.source,
            &pod_obj,
            false,
            "Created",
            &format!("Created container: {name}"),
        );
        event(
            cx,
            &self.source,
            &pod_obj,
            false,
            "Started",
            &format!("Started container {name}"),
        );
        let spec_c = container_spec(pod, &w.ctrs[i]).cloned().unwrap_or_default();
        let ctr = &mut w.ctrs[i];
        let restart_count = ctr.instances;
        ctr.instances += 1;
        ctr.rerun = false;
        let info = ContainerInfo {
            pod,
            container: &spec_c,
            is_init: ctr.is_init,
            restart_count,
            pod_ip: &pod_ip,
        };
        let sandbox_ip = w
            .sandbox
            .as_ref()
            .map(|s| s.ip.clone())
            .unwrap_or_else(|| pod_ip.clone());
        super::mounts::prepare(
            &mut cx.env.world,
            &*cx.api,
            pod,
            &spec_c,
            &self.config.node_name,
            &sandbox_ip,
            at,
        );
        let mut model = self.apps.model_for(&info);
        let mut acx = AppCx {
            info,
            since_start: SimDuration::ZERO,
            rng: &mut *cx.rng,
            now: at,
            world: &mut cx.env.world,
            api: &*cx.api,
            dns: &mut cx.env.dns,
        };
        let startup = model.start(&mut acx);
        let post_start = spec_c
            .lifecycle
            .as_ref()
            .and_then(|l| l.post_start.as_ref())
            .map(|h| match &h.sleep {
                Some(s) => secs(s.seconds),
                None => model.hook(&mut acx, h),
            });
        let r = ImageRef::parse(&ctr.image);
        let id = format!(
            "containerd://{:016x}{:016x}{:016x}{:016x}",
            cx.rng.next_u64(),
            cx.rng.next_u64(),
            cx.rng.next_u64(),
            cx.rng.next_u64()
        );
        ctr.run = Some(Run {
            id,
            image: r.tagged(),
            image_id: r.image_id(),
            restart_count,
            started_at: at,
            seen_at: pleg_after(at, pleg),
            seen: false,
            model,
            exit: startup.exit.map(|e| PendingExit {
                at: at + e.after,
                code: e.code,
                oom: e.oom_killed,
            }),
            stop: None,
        });
        if let Some(d) = post_start.filter(|d| *d > SimDuration::ZERO) {
            w.busy = Some(Busy::PostStart { until: at + d });
        }
    }

    fn probe_tick(
        &mut self,
        w: &mut PodWorker,
        i: usize,
        p: usize,
        deleting: bool,
        cx: &mut Cx<'_>,
    ) {
        let now = cx.now;
        let pod_obj = w.pod.clone();
        let Some(pod) = pod_of(&pod_obj) else { return };
        let pod_ip = w.shown_ip.clone().unwrap_or_default();
        let spec_c = container_spec(pod, &w.ctrs[i]).cloned().unwrap_or_default();
        let started = w.ctrs[i].is_started();
        let has_startup = w.ctrs[i].probe(ProbeKind::Startup).is_some();
        let ctr = &mut w.ctrs[i];
        let Some(run) = ctr.run.as_mut() else { return };
        let pw = &mut ctr.probes[p];
        pw.consume_tick(now);
        if pw.container_id.as_deref() != Some(run.id.as_str()) {
            pw.reset_for(&run.id);
        }
        if pw.on_hold {
            return;
        }
        if deleting && pw.kind != ProbeKind::Readiness {
            pw.published = Some(true);
            pw.stopped = true;
            return;
        }
        if now.saturating_since(run.started_at) < pw.initial_delay() {
            return;
        }
        if has_startup {
            if pw.kind == ProbeKind::Startup && started {
                return;
            }
            if pw.kind != ProbeKind::Startup && !started {
                return;
            }
        }
        let kind = pw.kind;
        let probe = pw.spec.clone();
        let answer = if run.exit.is_some_and(|e| e.at <= now) {
            ProbeAnswer::Failure(super::app::connection_refused(&probe, &pod_ip))
        } else {
            let info = ContainerInfo {
                pod,
                container: &spec_c,
                is_init: ctr.is_init,
                restart_count: run.restart_count,
                pod_ip: &pod_ip,
            };
            let mut acx = AppCx {
                info,
                since_start: now.saturating_since(run.started_at),
                rng: &mut *cx.rng,
                now,
                world: &mut cx.env.world,
                api: &*cx.api,
                dns: &mut cx.env.dns,
            };
            match exec_probe(&mut acx, &probe) {
                Some(answer) => answer,
                None => run.model.probe(&mut acx, kind, &probe),
            }
        };
        let pw = &mut ctr.probes[p];
        let (success, output) = match answer {
            ProbeAnswer::Success => (true, None),
            ProbeAnswer::Failure(out) => (false, Some(out)),
            ProbeAnswer::NoResponse => (false, Some(pw.timeout_text(&pod_ip))),
        };
        if let Some(out) = &output {
            event(
                cx,
                &self.source,
                &pod_obj,
                true,
                "Unhealthy",
                &format!("{} probe failed: {out}", kind.label()),
            );
        }
        if let Verdict::Published(result) = pw.record(success) {
            match (kind, result) {
                (ProbeKind::Startup, true) => {
                    for q in &mut ctr.probes {
                        if q.kind == ProbeKind::Readiness {
                            q.manual = true;
                        }
                    }
                }
                (ProbeKind::Liveness | ProbeKind::Startup, false) => {
                    ctr.kill_request = Some(kind);
                }
                _ => {}
            }
        }
    }

    /// Writes the status if it differs from what the API has.
    fn write_status(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) {
        let now = cx.now;
        match w.status_retry_at {
            Some(t) if t > now => return,
            Some(_) => w.status_retry_at = None,
            None => {}
        }
        let Some(pod) = pod_of(&w.pod) else { return };
        // A pod deleted before anything ran is just deleted.
        if w.deleting.is_some() && w.ctrs.iter().all(|c| c.instances == 0) {
            return;
        }
        let status = status::generate(w, pod, &self.config.node_ip, now);
        if pod.status.as_ref() == Some(&status) {
            return;
        }
        let mut new_pod = pod.clone();
        new_pod.status = Some(status);
        new_pod.metadata.resource_version = None;
        match cx.update_status(Object::Pod(new_pod)) {
            Ok(stored) => {
                w.last_written_rv = Some(stored.resource_version().to_string());
                w.pod = stored;
                w.status_retry_at = None;
            }
            Err(e) if e.reason == StatusReason::NotFound => w.gone = true,
            Err(e)
                if e.reason == StatusReason::Conflict
                    && cx.read().try_get(&w.key).is_none_or(|p| p.uid() != w.uid) =>
            {
                w.gone = true;
            }
            Err(_) => w.status_retry_at = Some(now + STATUS_RETRY),
        }
    }

    /// Acts on the current state. Returns true when it changed anything that the next pass
    /// should look at.
    fn act(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        if w.resync_at.is_some_and(|t| t <= now) {
            w.resync_at = None;
        }
        if w.gone || w.deleting.is_some() {
            return self.act_terminating(w, cx);
        }
        if w.terminal {
            return false;
        }
        let mut changed = false;
        for _ in 0..4 {
            let step = match w.stage.clone() {
                Stage::Volumes(vw) => self.act_volumes(w, vw, cx),
                Stage::Sandbox { ready_at } if ready_at <= now => self.create_sandbox(w, cx),
                Stage::Sandbox { .. } => false,
                Stage::Running => return self.act_containers(w, cx) || changed,
            };
            if !step {
                break;
            }
            changed = true;
        }
        changed
    }

    fn act_volumes(&mut self, w: &mut PodWorker, mut vw: VolumeWait, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        if let Some(t) = vw.attach_at {
            if t > now {
                return false;
            }
            let node_key = self.node_key();
            for a in std::mem::take(&mut vw.attaching) {
                self.node
                    .attached
                    .entry(a.unique.clone())
                    .or_default()
                    .insert(w.key.clone());
                self.node.detaching.remove(&a.unique);
                w.attached.push(a.unique.clone());
                event(
                    cx,
                    &EventSource::component("attachdetach-controller"),
                    &w.pod,
                    false,
                    "SuccessfulAttachVolume",
                    &format!("AttachVolume.Attach succeeded for volume \"{}\"", a.pv),
                );
            }
            self.node.dirty = true;
            cx.enqueue_after(node_key, SimDuration::ZERO);
            vw.attach_at = None;
            vw.mount_at = Some(now + latency(cx.profile, "kubelet.volume_mount"));
            w.stage = Stage::Volumes(vw);
            return true;
        }
        if let Some(t) = vw.mount_at {
            if t > now {
                return false;
            }
            w.stage = Stage::Sandbox {
                ready_at: now + latency(cx.profile, "kubelet.sandbox"),
            };
            return true;
        }
        let Some(pod) = pod_of(&w.pod) else {
            return false;
        };
        let labels = cx
            .read()
            .try_get(&self.node_key())
            .map(|n| n.labels().clone())
            .unwrap_or_else(|| self.registration_labels());
        let attached = &self.node.attached;
        let check = volume::check(cx.read(), pod, &self.config.node_name, &labels, &|u| {
            attached.contains_key(u)
        });
        self.clear_waits(w);
        match check {
            Check::Ready(attach) => {
                vw.blocked = false;
                if attach.is_empty() {
                    vw.mount_at = Some(now + latency(cx.profile, "kubelet.volume_mount"));
                } else {
                    vw.attaching = attach;
                    vw.attach_at = Some(now + latency(cx.profile, "kubelet.volume_attach"));
                }
                w.stage = Stage::Volumes(vw);
                true
            }
            Check::Blocked(b) => {
                for k in &b.waits_on {
                    self.waiters
                        .entry(k.clone())
                        .or_default()
                        .insert(w.key.clone());
                }
                w.waits_on = b.waits_on.clone();
                if !b.attach_errors.is_empty() {
                    self.attach_blocked.insert(w.key.clone());
                }
                let first = !vw.blocked;
                vw.blocked = true;
                if first || vw.retry_at <= now {
                    if !b.process_errors.is_empty() {
                        let msg = b.summary(&b.process_errors.join("; "));
                        event(cx, &self.source, &w.pod, true, "FailedMount", &msg);
                        vw.retry_at = now + WORKER_BACKOFF;
                    } else {
                        for m in &b.setup_errors {
                            event(cx, &self.source, &w.pod, true, "FailedMount", m);
                        }
                        for m in &b.attach_errors {
                            event(
                                cx,
                                &EventSource::component("attachdetach-controller"),
                                &w.pod,
                                true,
                                "FailedAttachVolume",
                                m,
                            );
                        }
                        vw.retry_at = now + vw.retry_delay;
                        vw.retry_delay =
                            SimDuration::from_ms((vw.retry_delay.as_ms() * 2).min(122_000));
                    }
                }
                if vw.timeout_at <= now {
                    if b.process_errors.is_empty() {
                        let msg = b.summary("context deadline exceeded");
                        event(cx, &self.source, &w.pod, true, "FailedMount", &msg);
                    }
                    vw.timeout_at = now + MOUNT_TIMEOUT;
                }
                w.stage = Stage::Volumes(vw);
                false
            }
        }
    }

    fn clear_waits(&mut self, w: &mut PodWorker) {
        for k in std::mem::take(&mut w.waits_on) {
            if let Some(set) = self.waiters.get_mut(&k) {
                set.remove(&w.key);
                if set.is_empty() {
                    self.waiters.remove(&k);
                }
            }
        }
        self.attach_blocked.remove(&w.key);
    }

    fn create_sandbox(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        let host_network = pod_of(&w.pod)
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let (ip, allocated) = if host_network {
            (self.config.node_ip.clone(), false)
        } else {
            match self.ipam.allocate(cx.rng) {
                Some(ip) => (ip, true),
                None => {
                    event(
                        cx,
                        &self.source,
                        &w.pod,
                        true,
                        "FailedCreatePodSandBox",
                        &format!(
                            "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type=\"host-local\" failed (add): failed to allocate for range 0: no IP addresses available in range set: {}",
                            self.config.pod_cidr
                        ),
                    );
                    w.stage = Stage::Sandbox {
                        ready_at: cx.now + WORKER_BACKOFF,
                    };
                    return false;
                }
            }
        };
        w.sandbox = Some(Sandbox {
            ip,
            allocated,
            visible: false,
            torn_down: false,
        });
        w.stage = Stage::Running;
        true
    }

    fn restart_allowed(&self, w: &PodWorker, i: usize) -> bool {
        let ctr = &w.ctrs[i];
        let Some(exit) = &ctr.last_exit else {
            return true;
        };
        if ctr.sidecar {
            return true;
        }
        let policy = pod_of(&w.pod)
            .and_then(|p| p.spec.as_ref())
            .and_then(|s| s.restart_policy.clone())
            .unwrap_or_else(|| "Always".into());
        if ctr.is_init {
            return ctr.rerun || (exit.code != 0 && policy != "Never");
        }
        match policy.as_str() {
            "Always" => true,
            "OnFailure" => exit.code != 0,
            _ => false,
        }
    }

    /// Starts container `i` unless its restart back-off forbids it now. Returns true when
    /// a start began.
    fn try_restart(&mut self, w: &mut PodWorker, i: usize, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        if let Some(exit) = w.ctrs[i].last_exit.clone()
            && !w.ctrs[i].rerun
        {
            if w.ctrs[i].backoff.in_backoff_since(exit.finished_at, now) {
                let (pod_name, ns) = (w.key.name.clone(), w.key.namespace.clone());
                let ctr = &mut w.ctrs[i];
                let msg = format!(
                    "back-off {} restarting failed container={} pod={pod_name}_{ns}({})",
                    ctr.backoff.delay(),
                    ctr.name,
                    w.uid
                );
                ctr.reason = Some(("CrashLoopBackOff".into(), msg));
                let text = format!(
                    "Back-off restarting failed container {} in pod {pod_name}_{ns}({})",
                    ctr.name, w.uid
                );
                if ctr.backoff_event_at != Some(now) {
                    ctr.backoff_event_at = Some(now);
                    event(cx, &self.source, &w.pod, true, "BackOff", &text);
                }
                w.fail_sync(now, latency(cx.profile, "kubelet.pleg_relist"));
                return false;
            }
            w.ctrs[i].backoff.next(exit.finished_at);
        }
        self.begin_start(w, i, cx)
    }

    fn act_containers(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        // A failed start is tried again when the worker's back-off is over.
        let retry_due = w.retry_at.is_none_or(|t| t <= cx.now);
        if retry_due {
            w.retry_at = None;
        }
        // Liveness and startup failures restart the container.
        for i in 0..w.ctrs.len() {
            if let Some(kind) = w.ctrs[i].kill_request.take()
                && w.ctrs[i].run.as_ref().is_some_and(|r| r.stop.is_none())
            {
                let pod_grace = pod_of(&w.pod)
                    .and_then(|p| p.spec.as_ref())
                    .and_then(|s| s.termination_grace_period_seconds)
                    .unwrap_or(30);
                let grace = w.ctrs[i]
                    .probe(kind)
                    .and_then(|p| p.spec.termination_grace_period_seconds)
                    .unwrap_or(pod_grace);
                let what = if kind == ProbeKind::Liveness {
                    "liveness"
                } else {
                    "startup"
                };
                let msg = format!(
                    "Container {} failed {what} probe, will be restarted",
                    w.ctrs[i].name
                );
                self.begin_stop(w, i, secs(grace), &msg, cx);
            }
        }
        if w.busy.is_some() {
            return false;
        }
        // Every regular container is done for good: sidecars are stopped, last first, and
        // the pod is over.
        let regular_done = w.init_count < w.ctrs.len()
            && (w.init_count..w.ctrs.len()).all(|i| {
                w.ctrs[i].run.is_none()
                    && w.ctrs[i].last_exit.is_some()
                    && !self.restart_allowed(w, i)
            });
        if regular_done {
            let grace = secs(
                pod_of(&w.pod)
                    .and_then(|p| p.spec.as_ref())
                    .and_then(|s| s.termination_grace_period_seconds)
                    .unwrap_or(30),
            );
            let mut stopping = false;
            for i in (0..w.init_count).rev() {
                if w.ctrs[i].sidecar && w.ctrs[i].run.as_ref().is_some_and(|r| r.stop.is_none()) {
                    let msg = format!("Stopping container {}", w.ctrs[i].name);
                    self.begin_stop(w, i, grace, &msg, cx);
                    stopping = true;
                }
            }
            return stopping || self.check_terminal(w, cx);
        }
        // Init containers, in order; each must finish (sidecars: start) before the next.
        for i in 0..w.init_count {
            let ctr = &w.ctrs[i];
            if ctr.sidecar {
                if ctr.run.is_some() {
                    if ctr.is_started() {
                        continue;
                    }
                    return false;
                }
                if ctr.reason.is_some() && !retry_due {
                    return false;
                }
                return self.try_restart(w, i, cx);
            }
            if ctr.init_done() {
                continue;
            }
            if ctr.run.is_some() {
                return false;
            }
            if ctr.last_exit.is_some() && !self.restart_allowed(w, i) {
                return self.check_terminal(w, cx);
            }
            if ctr.reason.is_some() && !retry_due {
                return false;
            }
            return self.try_restart(w, i, cx);
        }
        for i in w.init_count..w.ctrs.len() {
            if w.ctrs[i].run.is_some() || !self.restart_allowed(w, i) {
                continue;
            }
            if w.ctrs[i].reason.is_some() && !retry_due {
                continue;
            }
            if self.try_restart(w, i, cx) {
                return true;
            }
        }
        self.check_terminal(w, cx)
    }

    /// When nothing runs and nothing will be restarted, the pod is over: its sandbox is torn
    /// down and its volumes released (`syncTerminatedPod`).
    fn check_terminal(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        if w.any_running() || w.busy.is_some() || w.ctrs.iter().all(|c| c.last_exit.is_none()) {
            return false;
        }
        let Some(pod) = pod_of(&w.pod) else {
            return false;
        };
        let default_spec = Default::default();
        let spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let has_init = spec.init_containers.as_ref().is_some_and(|v| !v.is_empty());
        let statuses: Vec<_> = w
            .ctrs
            .iter()
            .map(|c| status::container_status(c, container_spec(pod, c), has_init))
            .collect();
        let phase = status::get_phase(spec, &statuses, false);
        if phase != "Succeeded" && phase != "Failed" {
            return false;
        }
        w.terminal = true;
        for c in &mut w.ctrs {
            c.reason = None;
            for p in &mut c.probes {
                p.stopped = true;
            }
        }
        self.release(w, cx);
        true
    }

    /// Pulls (if needed) and then creates container `i`.
    fn begin_start(&mut self, w: &mut PodWorker, i: usize, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        let Some(pod) = pod_of(&w.pod) else {
            return false;
        };
        let spec_c = container_spec(pod, &w.ctrs[i]).cloned().unwrap_or_default();
        let image = w.ctrs[i].image.clone();
        let policy = spec_c
            .image_pull_policy
            .clone()
            .unwrap_or_else(|| default_image_pull_policy(&image).to_string());
        let present = self.images.contains(&image);
        let facts = self.apps.image_facts(&image);
        if policy == "Never" && !present {
            let msg =
                format!("Container image \"{image}\" is not present with pull policy of Never");
            event(cx, &self.source, &w.pod, true, "ErrImageNeverPull", &msg);
            event(
                cx,
                &self.source,
                &w.pod,
                true,
                "Failed",
                "Error: ErrImageNeverPull",
            );
            w.ctrs[i].reason = Some(("ErrImageNeverPull".into(), msg));
            w.fail_sync(now, latency(cx.profile, "kubelet.pleg_relist"));
            return false;
        }
        if present && policy != "Always" {
            event(
                cx,
                &self.source,
                &w.pod,
                false,
                "Pulled",
                &format!("Container image \"{image}\" already present on machine"),
            );
            w.busy = Some(Busy::Create {
                ctr: i,
                done_at: now + latency(cx.profile, "kubelet.container_start"),
            });
            return true;
        }
        if w.ctrs[i].pull_backoff.in_backoff_since_update(now) {
            event(
                cx,
                &self.source,
                &w.pod,
                false,
                "BackOff",
                &format!("Back-off pulling image \"{image}\""),
            );
            event(
                cx,
                &self.source,
                &w.pod,
                true,
                "Failed",
                "Error: ImagePullBackOff",
            );
            let ctr = &mut w.ctrs[i];
            ctr.reason = Some((
                "ImagePullBackOff".into(),
                format!(
                    "Back-off pulling image \"{image}\": ErrImagePull: {}",
                    ctr.last_pull_error
                ),
            ));
            w.fail_sync(now, latency(cx.profile, "kubelet.pleg_relist"));
            return false;
        }
        event(
            cx,
            &self.source,
            &w.pod,
            false,
            "Pulling",
            &format!("Pulling image \"{image}\""),
        );
        let base = latency(cx.profile, "kubelet.image_pull").as_ms();
        let per_mb = latency(cx.profile, "kubelet.image_pull_per_mb").as_ms();
        let transfer = if facts.exists && !present {
            facts.size_bytes / 1_000_000 * per_mb
                + (facts.size_bytes % 1_000_000) * per_mb / 1_000_000
        } else {
            0
        };
        let jitter = 90 + cx.rng.below(21);
        let pull = SimDuration::from_ms((base + transfer) * jitter / 100);
        let done_at = self.pulls.enqueue(now, pull);
        w.busy = Some(Busy::Pull {
            ctr: i,
            requested_at: now,
            done_at,
            pull,
            ok: facts.exists,
            size: facts.size_bytes,
        });
        true
    }

    /// Stops container `i` (`killContainer`): `Killing` event, preStop hook, stop signal,
    /// SIGKILL when the grace period (at least 2 s after the hook) is over.
    fn begin_stop(
        &mut self,
        w: &mut PodWorker,
        i: usize,
        grace: SimDuration,
        message: &str,
        cx: &mut Cx<'_>,
    ) {
        let now = cx.now;
        let pod_obj = w.pod.clone();
        let Some(pod) = pod_of(&pod_obj) else { return };
        let pod_ip = w.shown_ip.clone().unwrap_or_default();
        let spec_c = container_spec(pod, &w.ctrs[i]).cloned().unwrap_or_default();
        let signal = spec_c
            .lifecycle
            .as_ref()
            .and_then(|l| l.stop_signal.as_deref())
            .and_then(Signal::parse)
            .unwrap_or_else(|| self.apps.image_facts(&w.ctrs[i].image).stop_signal);
        let ctr = &mut w.ctrs[i];
        let Some(run) = ctr.run.as_mut() else { return };
        if let Some(stop) = run.stop.as_mut() {
            // A shorter grace period (a second delete) brings SIGKILL forward.
            if grace < stop.grace {
                stop.grace = grace;
                stop.kill_at = stop.kill_at.min(now + grace.max(MIN_GRACE));
                stop.signal_at = stop.signal_at.min(stop.kill_at);
            }
            return;
        }
        cx.record_event(&self.source, &pod_obj, "Normal", "Killing", message);
        let hook = spec_c
            .lifecycle
            .as_ref()
            .and_then(|l| l.pre_stop.as_ref())
            .map(|h| match &h.sleep {
                Some(s) => secs(s.seconds),
                None => {
                    let info = ContainerInfo {
                        pod,
                        container: &spec_c,
                        is_init: ctr.is_init,
                        restart_count: run.restart_count,
                        pod_ip: &pod_ip,
                    };
                    let mut acx = AppCx {
                        info,
                        since_start: now.saturating_since(run.started_at),
                        rng: &mut *cx.rng,
                        now,
                        world: &mut cx.env.world,
                        api: &*cx.api,
                        dns: &mut cx.env.dns,
                    };
                    run.model.hook(&mut acx, h)
                }
            })
            .unwrap_or(SimDuration::ZERO);
        let elapsed = hook.min(grace);
        let remaining = SimDuration::from_ms(grace.as_ms() - elapsed.as_ms()).max(MIN_GRACE);
        let signal_at = now + elapsed;
        run.stop = Some(StopPlan {
            grace,
            signal_at,
            kill_at: signal_at + remaining,
            signaled: false,
            signal,
        });
    }

    fn act_terminating(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) -> bool {
        let now = cx.now;
        let grace = w.deleting.unwrap_or(SimDuration::ZERO);
        let mut changed = false;
        if matches!(w.busy, Some(Busy::Pull { .. }) | Some(Busy::Create { .. })) {
            w.busy = None;
            changed = true;
        }
        // Regular containers first; sidecars once they are gone, with what is left of the
        // grace period (last sidecar first).
        let regular_running = w.ctrs.iter().any(|c| !c.sidecar && c.run.is_some());
        let left = SimDuration::from_ms(
            grace
                .as_ms()
                .saturating_sub(now.saturating_since(w.deleting_since).as_ms()),
        );
        for i in (0..w.ctrs.len()).rev() {
            if w.ctrs[i].run.is_none() || (w.ctrs[i].sidecar && regular_running) {
                continue;
            }
            let g = if w.ctrs[i].sidecar { left } else { grace };
            let msg = format!("Stopping container {}", w.ctrs[i].name);
            let had_plan = w.ctrs[i].run.as_ref().is_some_and(|r| r.stop.is_some());
            self.begin_stop(w, i, g, &msg, cx);
            changed |= !had_plan;
        }
        if w.any_running() || w.busy.is_some() {
            return changed;
        }
        if w.gone {
            self.release(w, cx);
            w.finished = true;
            return true;
        }
        match w.delete_at {
            None => {
                w.delete_at = Some(now + latency(cx.profile, "kubelet.volume_unmount"));
                true
            }
            Some(t) if t <= now => {
                match cx.delete(&w.key, &final_delete(&w.uid)) {
                    Ok(_) => {
                        self.release(w, cx);
                        w.finished = true;
                    }
                    Err(e)
                        if e.reason == StatusReason::NotFound
                            || e.reason == StatusReason::Conflict =>
                    {
                        self.release(w, cx);
                        w.finished = true;
                    }
                    Err(_) => w.delete_at = Some(now + STATUS_RETRY),
                }
                true
            }
            Some(_) => changed,
        }
    }

    /// Gives back the pod's IP and volume attachments, and forgets what it waited on.
    fn release(&mut self, w: &mut PodWorker, cx: &mut Cx<'_>) {
        if let Some(s) = &mut w.sandbox
            && !s.torn_down
        {
            s.torn_down = true;
            if s.allocated {
                self.ipam.release(&s.ip);
            }
        }
        let detach = latency(cx.profile, "kubelet.volume_detach");
        let node_key = self.node_key();
        for u in std::mem::take(&mut w.attached) {
            if let Some(users) = self.node.attached.get_mut(&u) {
                users.remove(&w.key);
                if users.is_empty() {
                    self.node.detaching.insert(u, cx.now + detach);
                    cx.enqueue_after(node_key.clone(), detach);
                }
            }
        }
        self.clear_waits(w);
    }

    /// The machine came back after being down since `since`: every process died then, every
    /// sandbox is gone; pods start over from their volumes (containers restart with a higher
    /// restart count), terminating pods finish.
    pub(super) fn reboot(&mut self, since: SimTime, cx: &mut Cx<'_>) {
        self.node_rebooted(cx);
        self.pulls = super::image::PullQueue::default();
        let keys: Vec<ObjectKey> = self.pods.keys().cloned().collect();
        for key in &keys {
            let Some(mut slot) = self.pods.remove(key) else {
                continue;
            };
            for w in slot.current.iter_mut().chain(slot.orphans.iter_mut()) {
                self.reboot_worker(w, since, cx);
            }
            self.pods.insert(key.clone(), slot);
            cx.enqueue_after(key.clone(), SimDuration::ZERO);
        }
        for key in std::mem::take(&mut self.deferred) {
            cx.enqueue_after(key, SimDuration::ZERO);
        }
    }

    fn reboot_worker(&mut self, w: &mut PodWorker, since: SimTime, cx: &mut Cx<'_>) {
        w.busy = None;
        for c in &w.ctrs {
            cx.env
                .world
                .stop_process(&ContainerKey::new(w.uid.clone(), c.name.clone()));
        }
        w.retry_at = None;
        for c in &mut w.ctrs {
            if c.run.is_some() {
                c.finish(
                    PendingExit {
                        at: since,
                        code: 255,
                        oom: false,
                    },
                    Some("Unknown"),
                );
            }
            c.reason = None;
            c.kill_request = None;
            c.backoff = Backoff::default();
            c.pull_backoff = Backoff::default();
            if c.is_init && !c.sidecar && c.last_exit.is_some() && w.sandbox.is_some() {
                c.rerun = true;
            }
            for p in &mut c.probes {
                p.container_id = None;
                p.published = None;
                p.manual = false;
            }
        }
        let had_sandbox = w.sandbox.as_ref().is_some_and(|s| !s.torn_down);
        if let Some(s) = w.sandbox.take()
            && s.allocated
            && !s.torn_down
        {
            self.ipam.release(&s.ip);
        }
        if !w.terminal {
            w.shown_ip = None;
            w.stage = Stage::Volumes(VolumeWait::new(cx.now));
        }
        if had_sandbox && !w.gone && w.deleting.is_none() && !w.terminal {
            event(
                cx,
                &self.source,
                &w.pod,
                false,
                "SandboxChanged",
                "Pod sandbox changed, it will be killed and re-created.",
            );
        }
    }
}

/// An exec probe whose program stsim implements runs in the container
/// (`prober.runProbe` → `ExecInContainer`): exit 0 passes; otherwise the failure text is the
/// command's output; a command that outlives `timeoutSeconds` is a timeout. `None` leaves the
/// answer to the application model.
fn exec_probe(
    acx: &mut AppCx<'_>,
    probe: &k8s_openapi::api::core::v1::Probe,
) -> Option<ProbeAnswer> {
    let argv = probe
        .exec
        .as_ref()?
        .command
        .clone()
        .filter(|c| !c.is_empty())?;
    let image = acx.info.container.image.clone().unwrap_or_default();
    let name = crate::exec::program_name(&argv[0]).to_string();
    if crate::exec::lookup(&name).is_none() || !crate::exec::images::has_program(&image, &argv[0]) {
        return None;
    }
    let timeout = SimDuration::from_secs(probe.timeout_seconds.unwrap_or(1).max(1) as u64);
    match acx.exec(SimDuration::ZERO, &argv, None) {
        Err(e) => Some(ProbeAnswer::Failure(e.0)),
        Ok((_, spent)) if spent > timeout => Some(ProbeAnswer::NoResponse),
        Ok((r, _)) if r.code == 0 => Some(ProbeAnswer::Success),
        Ok((r, _)) => Some(ProbeAnswer::Failure(format!("{}{}", r.stdout, r.stderr))),
    }
}

/// The kubelet's final delete: grace 0, only if the uid still matches.
fn final_delete(uid: &str) -> DeleteOptions {
    DeleteOptions {
        grace_period_seconds: Some(0),
        preconditions: Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        },
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_backoff_doubles_to_five_minutes_and_resets_after_ten() {
        let t = |s: u64| SimTime::from_ms(s * 1000);
        let mut b = Backoff::default();
        assert!(
            !b.in_backoff_since(t(0), t(0)),
            "the first exit restarts at once"
        );
        b.next(t(0));
        assert_eq!(b.delay(), SimDuration::from_secs(10));
        assert!(b.in_backoff_since(t(5), t(14)));
        assert!(!b.in_backoff_since(t(5), t(15)));
        let mut finished = 5;
        for want in [20, 40, 80, 160, 300, 300] {
            b.next(t(finished));
            assert_eq!(b.delay(), SimDuration::from_secs(want));
            finished += want + 1;
        }
        b.next(t(finished + 601));
        assert_eq!(b.delay(), SimDuration::from_secs(10), "reset after 10 min");
    }

    #[test]
    fn pleg_notices_at_the_next_relist() {
        let p = SimDuration::from_secs(1);
        assert_eq!(
            pleg_after(SimTime::from_ms(1500), p),
            SimTime::from_ms(2000)
        );
        assert_eq!(
            pleg_after(SimTime::from_ms(2000), p),
            SimTime::from_ms(3000)
        );
        assert_eq!(
            pleg_after(SimTime::from_ms(7), SimDuration::ZERO),
            SimTime::from_ms(7)
        );
    }
}
