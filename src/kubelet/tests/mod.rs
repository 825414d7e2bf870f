//! Kubelet tests: a small driver runs one or more kubelets over a [`Harness`] the way `Sim`
//! does (watch events → keys after the reaction latency, requeues, wake-ups), so that every
//! API call stays recorded and fault rules apply.

mod lifecycle;
mod node;
mod probes;
mod restarts;
mod sim;
mod termination;
mod volumes;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use k8s_openapi::api::core::v1::{Pod, Probe};
use serde_json::{Value, json};

use super::*;
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::DeleteOptions;
use crate::engine::{SimDuration, SimTime};
use crate::sim::testing::Harness;
use crate::sim::{Controller, Requeue};

pub(super) fn obj(v: Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

pub(super) fn ms(n: u64) -> SimTime {
    SimTime::from_ms(n)
}

pub(super) fn dms(n: u64) -> SimDuration {
    SimDuration::from_ms(n)
}

pub(super) fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

pub(super) fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

/// A scripted process: every knob a test needs.
#[derive(Clone, Default)]
pub(super) struct Script {
    /// Probes pass from then on (None: never).
    pub ready_after: Option<SimDuration>,
    /// Readiness fails again from then on.
    pub unready_after: Option<SimDuration>,
    /// Liveness fails from then on.
    pub dies_after: Option<SimDuration>,
    /// Exits by itself.
    pub exit: Option<Exit>,
    /// Reaction to the stop signal (None: ignores it).
    pub on_signal: Option<Exit>,
    /// Probes get no answer.
    pub hang: bool,
    /// preStop exec hook duration.
    pub hook: SimDuration,
    /// Signals received (shared with the test).
    pub signals: Rc<RefCell<Vec<Signal>>>,
}

impl Script {
    pub fn server() -> Script {
        Script {
            ready_after: Some(SimDuration::ZERO),
            on_signal: Some(Exit::with_code(SimDuration::from_ms(100), 0)),
            ..Default::default()
        }
    }
}

struct Scripted(Script);

impl AppModel for Scripted {
    fn start(&mut self, _cx: &mut AppCx<'_>) -> Startup {
        Startup {
            ready_after: self.0.ready_after,
            exit: self.0.exit,
        }
    }

    fn probe(&mut self, cx: &mut AppCx<'_>, kind: ProbeKind, probe: &Probe) -> ProbeAnswer {
        if self.0.hang {
            return ProbeAnswer::NoResponse;
        }
        let t = cx.since_start;
        let refused = || ProbeAnswer::Failure(app::connection_refused(probe, cx.info.pod_ip));
        match kind {
            ProbeKind::Liveness => match self.0.dies_after {
                Some(d) if t >= d => {
                    ProbeAnswer::Failure("HTTP probe failed with statuscode: 500".into())
                }
                _ => ProbeAnswer::Success,
            },
            _ => {
                if self.0.unready_after.is_some_and(|u| t >= u) {
                    return ProbeAnswer::Failure("HTTP probe failed with statuscode: 503".into());
                }
                match self.0.ready_after {
                    Some(r) if t >= r => ProbeAnswer::Success,
                    _ => refused(),
                }
            }
        }
    }

    fn on_signal(&mut self, _cx: &mut AppCx<'_>, signal: Signal) -> Option<Exit> {
        self.0.signals.borrow_mut().push(signal);
        self.0.on_signal
    }

    fn hook(
        &mut self,
        _cx: &mut AppCx<'_>,
        _h: &k8s_openapi::api::core::v1::LifecycleHandler,
    ) -> SimDuration {
        self.0.hook
    }
}

/// A registry where image repository `app` runs `script`, and `job` runs to completion
/// after 2 s with code 0.
pub(super) fn registry(script: Script) -> AppRegistry {
    let mut r = AppRegistry::new();
    r.register("app", move |_| Box::new(Scripted(script.clone())));
    r.register("job", |info| {
        let code = info
            .container
            .args
            .as_ref()
            .and_then(|a| a.first())
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        Box::new(RunToCompletion {
            exit: Exit::with_code(SimDuration::from_secs(2), code),
        })
    });
    r
}

/// Drives kubelets over a harness, as `Sim` would.
pub(super) struct Driver {
    pub h: Harness,
    pub kubelets: Vec<Kubelet>,
    due: BTreeMap<(usize, ObjectKey), SimTime>,
    /// The same entries ordered by time (then kubelet, then key).
    queue: std::collections::BTreeSet<(SimTime, usize, ObjectKey)>,
    seen: usize,
}

impl Driver {
    /// A kind cluster's control-plane objects and one kubelet on `kind-worker`, which
    /// registers its node (then heartbeats run), with the `kind` profile.
    pub fn new(apps: AppRegistry) -> Driver {
        Driver::with_nodes(apps, &[("kind-worker", 1)])
    }

    pub fn with_nodes(apps: AppRegistry, nodes: &[(&str, u8)]) -> Driver {
        let mut h = Harness::new(42);
        crate::cluster::bootstrap_control_plane(&mut h.api).unwrap();
        let apps = Rc::new(apps);
        let kubelets = nodes
            .iter()
            .map(|(n, i)| Kubelet::new(KubeletConfig::kind_node(n, *i), apps.clone()))
            .collect::<Vec<_>>();
        let mut d = Driver {
            h,
            kubelets,
            due: BTreeMap::new(),
            queue: Default::default(),
            seen: 0,
        };
        d.seen = d.h.api.watch_events().len();
        for i in 0..d.kubelets.len() {
            let key = d.kubelets[i].node_key();
            d.enqueue(i, key, SimTime::ZERO);
        }
        d.run_until(SimTime::ZERO);
        d.h.take_calls();
        d
    }

    fn enqueue(&mut self, k: usize, key: ObjectKey, at: SimTime) {
        match self.due.get(&(k, key.clone())) {
            Some(t) if *t <= at => {}
            Some(t) => {
                self.queue.remove(&(*t, k, key.clone()));
                self.queue.insert((at, k, key.clone()));
                self.due.insert((k, key), at);
            }
            None => {
                self.queue.insert((at, k, key.clone()));
                self.due.insert((k, key), at);
            }
        }
    }

    fn dispatch(&mut self) {
        let now = self.h.now;
        while self.seen < self.h.api.watch_events().len() {
            let ev = self.h.api.watch_events()[self.seen].clone();
            self.seen += 1;
            for k in 0..self.kubelets.len() {
                let keys = self.kubelets[k].keys_for(&ev, &self.h.api);
                let delay = self.kubelets[k].reaction(&self.h.profile);
                for key in keys {
                    self.enqueue(k, key, now + delay);
                }
            }
        }
    }

    /// Runs every reconcile due up to `t`, then moves the clock to `t`.
    pub fn run_until(&mut self, t: SimTime) {
        let mut steps = 0u64;
        loop {
            self.dispatch();
            let Some((at, k, key)) = self.queue.first().cloned() else {
                break;
            };
            if at > t {
                break;
            }
            self.queue.remove(&(at, k, key.clone()));
            self.due.remove(&(k, key.clone()));
            self.h.set_now(at);
            let r = self.h.reconcile(&mut self.kubelets[k], &key);
            for (wk, delay) in std::mem::take(&mut self.h.wakeups) {
                self.enqueue(k, wk, at + delay);
            }
            if let Requeue::After(d) = r {
                self.enqueue(k, key, at + d);
            }
            steps += 1;
            assert!(steps < 2_000_000, "the kubelet did not settle (hot loop?)");
        }
        if self.h.now < t {
            self.h.set_now(t);
        }
    }

    /// Pokes kubelet `k` (its Node key), as a fault directive does after changing the
    /// environment.
    pub fn poke(&mut self, k: usize) {
        let key = self.kubelets[k].node_key();
        let now = self.h.now;
        self.enqueue(k, key, now);
    }

    pub fn run_for(&mut self, d: SimDuration) {
        let t = self.h.now + d;
        self.run_until(t);
    }

    /// Runs until `pred` holds for the pod (in steps of 100 ms), at most `limit`; returns
    /// the time of the first watch event where it held.
    pub fn run_until_pod(
        &mut self,
        name: &str,
        limit: SimDuration,
        pred: impl Fn(&Pod) -> bool,
    ) -> Option<SimTime> {
        let end = self.h.now + limit;
        let start = self.seen_events_of(name);
        loop {
            let found = self
                .watch(name)
                .into_iter()
                .skip(start)
                .find(|(_, p)| pred(p))
                .map(|(t, _)| t);
            if found.is_some() || self.h.now >= end {
                return found;
            }
            let next = (self.h.now + SimDuration::from_ms(100)).min(end);
            self.run_until(next);
        }
    }

    fn seen_events_of(&self, name: &str) -> usize {
        self.watch(name).len()
    }

    /// Every watch state of pod `name`, with its time.
    pub fn watch(&self, name: &str) -> Vec<(SimTime, Pod)> {
        self.h
            .api
            .watch_events()
            .iter()
            .filter(|e| e.object.kind() == Kind::Pod && e.object.name() == name)
            .filter_map(|e| match &*e.object {
                Object::Pod(p) => Some((e.at, p.clone())),
                _ => None,
            })
            .collect()
    }

    /// The (READY, STATUS) a `kubectl get pods -w` shows for each watch event of `name`.
    pub fn columns(&self, name: &str) -> Vec<(String, String)> {
        self.watch(name)
            .iter()
            .map(|(_, p)| (pod_ready_column(p), pod_status_column(p)))
            .collect()
    }

    pub fn try_pod(&self, name: &str) -> Option<Pod> {
        match self.h.api.try_get(&pod_key(name)).map(|o| &**o) {
            Some(Object::Pod(p)) => Some(p.clone()),
            _ => None,
        }
    }

    pub fn pod(&self, name: &str) -> Pod {
        self.try_pod(name)
            .unwrap_or_else(|| panic!("pod {name} is gone"))
    }

    /// `Type Reason: message (xN)` of the events about `name`, in creation order.
    pub fn events(&self, name: &str) -> Vec<String> {
        let mut list: Vec<(String, String)> = self
            .h
            .api
            .iter_kind(Kind::Event, None)
            .filter_map(|e| match &**e {
                Object::Event(ev) if ev.involved_object.name.as_deref() == Some(name) => {
                    let count = ev.count.unwrap_or(1);
                    let mut line = format!(
                        "{} {}: {}",
                        ev.type_.clone().unwrap_or_default(),
                        ev.reason.clone().unwrap_or_default(),
                        ev.message.clone().unwrap_or_default()
                    );
                    if count > 1 {
                        line.push_str(&format!(" (x{count})"));
                    }
                    Some((e.name().to_string(), line))
                }
                _ => None,
            })
            .collect();
        list.sort();
        list.into_iter().map(|(_, l)| l).collect()
    }

    /// Events about `name` with `reason`.
    pub fn events_with(&self, name: &str, reason: &str) -> Vec<String> {
        self.events(name)
            .into_iter()
            .filter(|e| {
                e.split(": ")
                    .next()
                    .is_some_and(|h| h.ends_with(&format!(" {reason}")))
            })
            .collect()
    }

    /// Creates `spec` (merged into a default nginx pod named `name`) and binds it to
    /// `node` as the scheduler would.
    pub fn create_pod_on(&mut self, name: &str, node: &str, patch: Value) {
        let mut v = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                     "ports": [{"containerPort": 80, "name": "web"}]}]},
        });
        merge(&mut v, patch);
        self.h.api.set_now(self.h.now);
        self.h.api.create(obj(v)).unwrap();
        self.h.api.bind_pod(&pod_key(name), node).unwrap();
    }

    pub fn create_pod(&mut self, name: &str, patch: Value) {
        self.create_pod_on(name, "kind-worker", patch);
    }

    pub fn delete_pod(&mut self, name: &str, grace: Option<i64>) {
        self.h
            .api
            .delete(
                &pod_key(name),
                &DeleteOptions {
                    grace_period_seconds: grace,
                    ..Default::default()
                },
            )
            .unwrap();
    }

    /// A PV (`pv`) and a claim `claim` bound to each other; `pv_spec` is merged into the
    /// PV's spec (a hostPath volume on kind-worker by default).
    pub fn bound_claim(&mut self, claim: &str, pv: &str, pv_spec: Value) {
        let mut spec = json!({
            "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
            "hostPath": {"path": format!("/var/local-path-provisioner/{pv}"), "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]}]}]}},
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "default", "name": claim},
        });
        merge(&mut spec, pv_spec);
        if spec.get("csi").is_some_and(|c| !c.is_null()) {
            spec.as_object_mut().unwrap().remove("hostPath");
        }
        self.h
            .api
            .create(obj(json!({"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": pv}, "spec": spec})))
            .unwrap();
        self.h
            .api
            .create(obj(
                json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": "default"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                         "volumeName": pv, "resources": {"requests": {"storage": "1Gi"}}}}),
            ))
            .unwrap();
        self.bind_claim(claim, pv);
    }

    pub fn bind_claim(&mut self, claim: &str, pv: &str) {
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, "default", claim);
        let mut c = (*self.h.api.get(&key).unwrap()).clone();
        if let Object::PersistentVolumeClaim(pvc) = &mut c {
            pvc.spec.as_mut().unwrap().volume_name = Some(pv.to_string());
            pvc.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
        }
        let mut c = (*self.h.api.update(c).unwrap()).clone();
        if let Object::PersistentVolumeClaim(pvc) = &mut c {
            pvc.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
        }
        self.h.api.update_status(c).unwrap();
        let pv_key = ObjectKey::cluster(Kind::PersistentVolume, pv);
        if let Some(v) = self.h.api.try_get(&pv_key).cloned() {
            let mut v = (*v).clone();
            if let Object::PersistentVolume(p) = &mut v {
                p.status.get_or_insert_with(Default::default).phase = Some("Bound".into());
            }
            self.h.api.update_status(v).unwrap();
        }
    }

    pub fn node(&self, name: &str) -> k8s_openapi::api::core::v1::Node {
        match &*self
            .h
            .api
            .get(&ObjectKey::cluster(Kind::Node, name))
            .unwrap()
        {
            Object::Node(n) => n.clone(),
            _ => unreachable!(),
        }
    }
}

pub(super) fn merge(a: &mut Value, b: Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b,
    }
}

/// The pod's only app container status.
pub(super) fn cstatus(p: &Pod) -> k8s_openapi::api::core::v1::ContainerStatus {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default()
}

pub(super) fn phase(p: &Pod) -> String {
    p.status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default()
}

pub(super) fn condition(p: &Pod, type_: &str) -> Option<k8s_openapi::api::core::v1::PodCondition> {
    p.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
        .cloned()
}

pub(super) fn is_running_ready(p: &Pod) -> bool {
    pod_status_column(p) == "Running" && pod_ready_column(p) == "1/1"
}

/// Collapses consecutive duplicates (a watch prints a line per event; tests compare the
/// sequence of distinct states).
pub(super) fn dedup(v: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for x in v {
        if out.last() != Some(&x) {
            out.push(x);
        }
    }
    out
}

pub(super) fn col(ready: &str, status: &str) -> (String, String) {
    (ready.to_string(), status.to_string())
}
