//! The test world: one StatefulSet in namespace `default`, driven through the harness.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, PodCondition};
use serde_json::{Value, json};

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::DeleteOptions;
use crate::engine::{SimDuration, SimRng, SimTime};
use crate::sim::testing::Harness;
use crate::sim::{ApiCall, Verb};

use super::super::StatefulSetController;
use super::super::identity::{get_ordinal, get_parent_name_and_ordinal};
use super::super::predicates::{is_pod_ready, is_terminating, phase};
use super::super::status::SetStatus;
use super::invariants::{self, Snapshot};

/// The namespace of every test.
pub const NS: &str = "default";
/// The set's name, as upstream's fixture names it.
pub const SET: &str = "foo";
/// A step bound for every driver loop.
pub const STEPS_MAX: usize = 20_000;

/// Upstream's `newStatefulSet(replicas)`: `foo`, selector `foo=bar`, claim template
/// `datadir`, host-path volume `home`, service `governingsvc`, `type: RollingUpdate` without
/// a block, Retain/Retain, revisionHistoryLimit 2.
pub fn sts_json(replicas: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": SET, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"foo": "bar"}},
            "serviceName": "governingsvc",
            "revisionHistoryLimit": 2,
            "updateStrategy": {"type": "RollingUpdate"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {
                "metadata": {"labels": {"foo": "bar"}},
                "spec": {
                    "containers": [{
                        "name": "nginx", "image": "nginx",
                        "volumeMounts": [
                            {"name": "datadir", "mountPath": "/tmp/zookeeper"},
                            {"name": "home", "mountPath": "/home"}
                        ]
                    }],
                    "volumes": [{"name": "home", "hostPath": {"path": "/tmp/home"}}]
                }
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "datadir"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
            }]
        }
    })
}

/// [`sts_json`] decoded.
pub fn new_statefulset(replicas: i32) -> StatefulSet {
    serde_json::from_value(sts_json(replicas)).expect("the fixture decodes")
}

/// Edits the fixture's JSON.
pub fn sts_with(replicas: i32, edit: impl FnOnce(&mut Value)) -> StatefulSet {
    let mut v = sts_json(replicas);
    edit(&mut v);
    serde_json::from_value(v).expect("the edited fixture decodes")
}

/// `burst(set)`: Parallel pod management.
pub fn burst(mut set: StatefulSet) -> StatefulSet {
    set.spec.as_mut().unwrap().pod_management_policy = Some("Parallel".into());
    set
}

/// Pod management of a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// OrderedReady.
    Monotonic,
    /// Parallel.
    Burst,
}

impl Mode {
    /// Both modes.
    pub const ALL: [Mode; 2] = [Mode::Monotonic, Mode::Burst];

    /// Applies the mode to a set.
    pub fn apply(self, set: StatefulSet) -> StatefulSet {
        match self {
            Mode::Monotonic => set,
            Mode::Burst => burst(set),
        }
    }
}

/// The retention policies of upstream's `runTestOverPVCRetentionPolicies`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Retain/Retain.
    Retain,
    /// whenScaled Delete, whenDeleted Retain.
    ScaleDownOnly,
    /// whenScaled Retain, whenDeleted Delete.
    SetDeleteOnly,
    /// Delete/Delete.
    Delete,
    /// No policy in the manifest (the API server defaults Retain/Retain).
    Null,
}

impl Policy {
    /// Every policy.
    pub const ALL: [Policy; 5] = [
        Policy::Retain,
        Policy::ScaleDownOnly,
        Policy::SetDeleteOnly,
        Policy::Delete,
        Policy::Null,
    ];

    /// Applies the policy to a set.
    pub fn apply(self, mut set: StatefulSet) -> StatefulSet {
        let (scaled, deleted) = match self {
            Policy::Retain => ("Retain", "Retain"),
            Policy::ScaleDownOnly => ("Delete", "Retain"),
            Policy::SetDeleteOnly => ("Retain", "Delete"),
            Policy::Delete => ("Delete", "Delete"),
            Policy::Null => {
                set.spec
                    .as_mut()
                    .unwrap()
                    .persistent_volume_claim_retention_policy = None;
                return set;
            }
        };
        set.spec
            .as_mut()
            .unwrap()
            .persistent_volume_claim_retention_policy = Some(
            k8s_openapi::api::apps::v1::StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_scaled: Some(scaled.into()),
                when_deleted: Some(deleted.into()),
            },
        );
        set
    }
}

/// Which invariant families run after each reconcile.
#[derive(Clone, Copy, Debug, Default)]
pub struct Checks {
    /// `assertMonotonicInvariants` (else `assertBurstInvariants`).
    pub monotonic: bool,
    /// `assertUpdateInvariants`.
    pub update: bool,
    /// Skip the per-pod invariants (`emptyInvariants`), keep the per-reconcile ones.
    pub empty: bool,
}

/// One StatefulSet under test.
pub struct World {
    /// The harness (API server, clock, recorded calls, fault rules).
    pub h: Harness,
    /// The controller.
    pub ctl: StatefulSetController,
    /// The set's key.
    pub key: ObjectKey,
    /// The driver's random stream.
    pub rng: SimRng,
    /// Invariants checked after every reconcile.
    pub checks: Checks,
    /// Reconciles run.
    pub syncs: usize,
    /// Every call of every reconcile, as `verb Kind ns/name` lines.
    pub log: Vec<String>,
}

fn obj(v: Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

impl World {
    /// A world with namespace `default` (and its service account) and `set` created, the
    /// v1.35 controller, seed 0.
    pub fn new(set: StatefulSet) -> World {
        World::with(set, StatefulSetController::new(true), 0)
    }

    /// A world with a given controller and seed.
    pub fn with(set: StatefulSet, ctl: StatefulSetController, seed: u64) -> World {
        let mut h = Harness::new(seed);
        h.api
            .create(obj(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
            ))
            .unwrap();
        h.api
            .create(obj(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": NS}})))
            .unwrap();
        let monotonic = set
            .spec
            .as_ref()
            .and_then(|s| s.pod_management_policy.as_deref())
            != Some("Parallel");
        h.api.create(Object::StatefulSet(set)).unwrap();
        World {
            h,
            ctl,
            key: ObjectKey::new(Kind::StatefulSet, NS, SET),
            rng: SimRng::from_seed(seed).fork("test-driver"),
            checks: Checks {
                monotonic,
                ..Default::default()
            },
            syncs: 0,
            log: Vec::new(),
        }
    }

    /// The set as stored.
    pub fn set(&self) -> StatefulSet {
        match &*self.h.api.get(&self.key).unwrap() {
            Object::StatefulSet(s) => s.clone(),
            _ => unreachable!(),
        }
    }

    /// The set's status (zeros when absent).
    pub fn status(&self) -> SetStatus {
        SetStatus::of(&self.set())
    }

    /// `spec.replicas`.
    pub fn replicas(&self) -> i32 {
        self.set().spec.unwrap().replicas.unwrap()
    }

    /// The namespace's pods that belong to the set by name, sorted by ordinal.
    pub fn pods(&self) -> Vec<Pod> {
        let mut pods: Vec<Pod> = self
            .h
            .api
            .iter_kind(Kind::Pod, Some(NS))
            .filter_map(|o| match &**o {
                Object::Pod(p) if get_parent_name_and_ordinal(o.name()).0 == SET => Some(p.clone()),
                _ => None,
            })
            .collect();
        pods.sort_by_key(get_ordinal);
        pods
    }

    /// Ordinals of the set's pods, ascending.
    pub fn ordinals(&self) -> Vec<i64> {
        self.pods().iter().map(get_ordinal).collect()
    }

    /// The pod `foo-<ordinal>`.
    pub fn pod(&self, ordinal: i64) -> Option<Pod> {
        let key = ObjectKey::new(Kind::Pod, NS, format!("{SET}-{ordinal}"));
        match self.h.api.try_get(&key).map(|o| &**o) {
            Some(Object::Pod(p)) => Some(p.clone()),
            _ => None,
        }
    }

    /// The claim `name`.
    pub fn claim(&self, name: &str) -> Option<PersistentVolumeClaim> {
        let key = ObjectKey::new(Kind::PersistentVolumeClaim, NS, name);
        match self.h.api.try_get(&key).map(|o| &**o) {
            Some(Object::PersistentVolumeClaim(c)) => Some(c.clone()),
            _ => None,
        }
    }

    /// The set's ControllerRevisions, by revision number.
    pub fn revisions(&self) -> Vec<ControllerRevision> {
        let mut revs: Vec<ControllerRevision> = self
            .h
            .api
            .iter_kind(Kind::ControllerRevision, Some(NS))
            .filter_map(|o| match &**o {
                Object::ControllerRevision(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        revs.sort_by_key(|r| r.revision);
        revs
    }

    /// Events recorded so far as `(type, reason, message)`, in creation order.
    pub fn events(&self) -> Vec<(String, String, String)> {
        let mut evs: Vec<(u64, String, String, String)> = self
            .h
            .api
            .iter_kind(Kind::Event, Some(NS))
            .filter_map(|o| match &**o {
                Object::Event(e) => Some((
                    o.resource_version().parse::<u64>().unwrap_or(0),
                    e.type_.clone().unwrap_or_default(),
                    e.reason.clone().unwrap_or_default(),
                    e.message.clone().unwrap_or_default(),
                )),
                _ => None,
            })
            .collect();
        evs.sort();
        evs.into_iter().map(|(_, t, r, m)| (t, r, m)).collect()
    }

    /// The state invariants look at.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            set: self.set(),
            pods: self.pods(),
            claims: self
                .h
                .api
                .iter_kind(Kind::PersistentVolumeClaim, Some(NS))
                .filter_map(|o| match &**o {
                    Object::PersistentVolumeClaim(c) => Some(c.clone()),
                    _ => None,
                })
                .collect(),
            revisions: self.revisions(),
            now: self.h.now,
        }
    }

    /// Runs one reconcile and every invariant check; returns the first violation.
    pub fn try_sync(&mut self) -> Result<(), String> {
        let pre = self.snapshot();
        let first = self.h.calls().len();
        let _ = self.h.reconcile(&mut self.ctl, &self.key);
        self.syncs += 1;
        let calls: Vec<ApiCall> = self.h.calls()[first..].to_vec();
        self.log.extend(calls.iter().map(ToString::to_string));
        let post = self.snapshot();
        invariants::after_reconcile(&pre, &calls, &post, self.ctl.options(), self.checks)
            .map_err(|v| format!("after reconcile #{}: {v}\ncalls: {:#?}", self.syncs, calls))
    }

    /// Runs one reconcile; panics on an invariant violation. Returns the controller's error
    /// text, if the sync failed.
    pub fn sync(&mut self) -> Option<String> {
        if let Err(v) = self.try_sync() {
            panic!("{v}");
        }
        self.ctl.last_error().map(ToString::to_string)
    }

    /// The calls of the last reconciles since the previous `take_calls`, as lines.
    pub fn take_calls(&mut self) -> Vec<String> {
        self.h.take_calls()
    }

    /// Calls of one verb and kind in the whole log so far.
    pub fn count_calls(&self, verb: Verb, kind: Kind) -> usize {
        self.h
            .calls()
            .iter()
            .filter(|c| c.verb == verb && c.key.kind == kind)
            .count()
    }

    // ----- the stand-in kubelet -----

    fn write_pod(&mut self, pod: Pod) {
        self.h.api.update_status(Object::Pod(pod)).unwrap();
    }

    /// Sets the phase of pod `ordinal`.
    pub fn set_phase(&mut self, ordinal: i64, phase: &str) {
        let mut pod = self.pod(ordinal).expect("pod exists");
        pod.status.get_or_insert_with(Default::default).phase = Some(phase.into());
        self.write_pod(pod);
    }

    /// Sets the Ready condition of pod `ordinal` (transition time = now when it changes).
    pub fn set_ready(&mut self, ordinal: i64, ready: bool) {
        let now = self.h.now.to_k8s_time();
        let mut pod = self.pod(ordinal).expect("pod exists");
        let status = pod.status.get_or_insert_with(Default::default);
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let value = if ready { "True" } else { "False" };
        match conditions.iter_mut().find(|c| c.type_ == "Ready") {
            Some(c) if c.status == value => return,
            Some(c) => {
                c.status = value.into();
                c.last_transition_time = Some(now);
            }
            None => conditions.push(PodCondition {
                type_: "Ready".into(),
                status: value.into(),
                last_transition_time: Some(now),
                ..Default::default()
            }),
        }
        self.write_pod(pod);
    }

    /// Binds pod `ordinal` to a node (so deletes are graceful) and makes it Running.
    pub fn start(&mut self, ordinal: i64) {
        let pod = self.pod(ordinal).expect("pod exists");
        if pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_none()
        {
            let key = ObjectKey::new(Kind::Pod, NS, format!("{SET}-{ordinal}"));
            self.h.api.bind_pod(&key, "node-1").unwrap();
        }
        self.set_phase(ordinal, "Running");
    }

    /// Makes pod `ordinal` Running and Ready.
    pub fn run_ready(&mut self, ordinal: i64) {
        self.start(ordinal);
        self.set_ready(ordinal, true);
    }

    /// Makes every pod Running and Ready.
    pub fn all_ready(&mut self) {
        for p in self.pods() {
            if !is_terminating(&p) {
                self.run_ready(get_ordinal(&p));
            }
        }
    }

    /// Gracefully deletes pod `ordinal` as a user would (it stays Terminating once bound).
    pub fn delete_pod(&mut self, ordinal: i64) {
        let key = ObjectKey::new(Kind::Pod, NS, format!("{SET}-{ordinal}"));
        self.h.api.delete(&key, &DeleteOptions::default()).unwrap();
    }

    /// Marks pod `ordinal` terminating (bound first, so it stays), keeping its status.
    pub fn terminate(&mut self, ordinal: i64) {
        let key = ObjectKey::new(Kind::Pod, NS, format!("{SET}-{ordinal}"));
        let pod = self.pod(ordinal).expect("pod exists");
        if pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .is_none()
        {
            self.h.api.bind_pod(&key, "node-1").unwrap();
        }
        self.h
            .api
            .delete(
                &key,
                &DeleteOptions {
                    grace_period_seconds: Some(30),
                    ..Default::default()
                },
            )
            .unwrap();
    }

    /// Completes the termination of pod `ordinal` (the kubelet confirms; the object goes).
    pub fn finish_termination(&mut self, ordinal: i64) {
        let key = ObjectKey::new(Kind::Pod, NS, format!("{SET}-{ordinal}"));
        self.h
            .api
            .delete(
                &key,
                &DeleteOptions {
                    grace_period_seconds: Some(0),
                    ..Default::default()
                },
            )
            .unwrap();
    }

    /// Runs the garbage collector and the protection controllers until quiet.
    pub fn gc(&mut self) {
        crate::controllers::settle(&mut self.h.api, 50).expect("built-in controllers settle");
    }

    /// Advances the clock.
    pub fn advance(&mut self, d: SimDuration) {
        let t = self.h.now + d;
        self.h.set_now(t);
    }

    /// One random kubelet step: a terminating pod finishes, a pending pod starts, a running
    /// pod becomes ready. Returns false when no pod can move.
    pub fn kubelet_step(&mut self) -> bool {
        let movable: Vec<Pod> = self
            .pods()
            .into_iter()
            .filter(|p| is_terminating(p) || phase(p) == "Pending" || !is_pod_ready(p))
            .filter(|p| !matches!(phase(p), "Failed" | "Succeeded") || is_terminating(p))
            .collect();
        if movable.is_empty() {
            return false;
        }
        let pick = &movable[self.rng.below(movable.len() as u64) as usize];
        let ordinal = get_ordinal(pick);
        if is_terminating(pick) {
            self.finish_termination(ordinal);
        } else if phase(pick) == "Pending" {
            self.start(ordinal);
        } else {
            self.set_ready(ordinal, true);
        }
        true
    }

    /// Alternates random kubelet steps and reconciles until `done` holds (checked before each
    /// step). Panics after [`STEPS_MAX`] steps.
    pub fn drive(&mut self, mut done: impl FnMut(&World) -> bool) {
        for _ in 0..STEPS_MAX {
            if done(self) {
                return;
            }
            self.kubelet_step();
            self.sync();
        }
        panic!(
            "did not converge in {STEPS_MAX} steps; status {:?}, pods {:?}",
            self.status(),
            self.ordinals()
        );
    }

    /// Upstream's `scaleUpStatefulSetControl`: until `readyReplicas == replicas`.
    pub fn scale_up(&mut self) {
        self.sync();
        self.drive(|w| {
            let s = w.status();
            s.ready_replicas >= w.replicas() && w.pods().len() == w.replicas() as usize
        });
    }

    /// Upstream's `scaleDownStatefulSetControl`: until `status.replicas == replicas` and only
    /// in-range pods remain; then the garbage collector runs.
    pub fn scale_down(&mut self) {
        self.sync();
        self.drive(|w| {
            let s = w.status();
            s.replicas == w.replicas() && w.pods().len() == w.replicas() as usize
        });
        self.gc();
        invariants::per_pod(&self.snapshot(), self.checks, true).unwrap();
    }

    /// Writes the set after `edit`.
    pub fn update_set(&mut self, edit: impl FnOnce(&mut StatefulSet)) {
        let mut set = self.set();
        edit(&mut set);
        self.h.api.update(Object::StatefulSet(set)).unwrap();
    }

    /// Sets `spec.replicas`.
    pub fn scale(&mut self, replicas: i32) {
        self.update_set(|s| s.spec.as_mut().unwrap().replicas = Some(replicas));
    }

    /// Sets the image of the template's first container.
    pub fn set_image(&mut self, image: &str) {
        self.update_set(|s| {
            s.spec
                .as_mut()
                .unwrap()
                .template
                .spec
                .as_mut()
                .unwrap()
                .containers[0]
                .image = Some(image.into());
        });
    }

    /// The image of pod `ordinal`.
    pub fn image_of(&self, ordinal: i64) -> String {
        self.pod(ordinal).unwrap().spec.unwrap().containers[0]
            .image
            .clone()
            .unwrap_or_default()
    }

    /// The revision label of pod `ordinal`.
    pub fn revision_of(&self, ordinal: i64) -> String {
        super::super::predicates::get_pod_revision(&self.pod(ordinal).unwrap()).to_string()
    }

    /// Upstream's `updateComplete`.
    pub fn update_complete(&self) -> bool {
        let set = self.set();
        let s = self.status();
        let pods = self.pods();
        let n = self.replicas();
        if pods.len() != n as usize || s.ready_replicas != n {
            return false;
        }
        let spec = set.spec.as_ref().unwrap();
        let strategy = spec.update_strategy.as_ref().unwrap();
        if strategy.type_.as_deref() == Some("OnDelete") {
            return true;
        }
        let partition = strategy
            .rolling_update
            .as_ref()
            .and_then(|r| r.partition)
            .unwrap_or(0);
        if s.observed_generation != set.metadata.generation.unwrap_or(0) {
            return false;
        }
        if partition <= 0 {
            s.current_revision == s.update_revision
                && s.current_replicas >= n
                && pods
                    .iter()
                    .all(|p| super::super::predicates::get_pod_revision(p) == s.current_revision)
        } else {
            pods.len() >= partition as usize
                && pods[partition as usize..]
                    .iter()
                    .all(|p| super::super::predicates::get_pod_revision(p) == s.update_revision)
        }
    }

    /// Upstream's `updateStatefulSetControl`: reconcile, then drive until `updateComplete`.
    pub fn run_update(&mut self) {
        self.sync();
        self.drive(|w| w.update_complete());
    }

    /// Sets the clock to `t`.
    pub fn set_now(&mut self, t: SimTime) {
        self.h.set_now(t);
    }

    /// Labels of pod `ordinal`.
    pub fn labels_of(&self, ordinal: i64) -> BTreeMap<String, String> {
        self.pod(ordinal)
            .unwrap()
            .metadata
            .labels
            .unwrap_or_default()
    }
}
