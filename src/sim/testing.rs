//! A harness for controller unit tests: one API server, one reconcile at a time, every API
//! call recorded, and fault rules to refuse calls (upstream's fake pod control, without HTTP).

use std::collections::BTreeMap;

use super::controller::{ApiCall, Controller, Cx, FaultRule, Requeue};
use super::env::Environment;
use super::profile::TimingProfile;
use super::recorder::EventRecorder;
use crate::api::ObjectKey;
use crate::apiserver::{ApiError, ApiServer, ApiServerOptions};
use crate::engine::{SimDuration, SimRng, SimTime};

/// State for driving a controller by hand.
pub struct Harness {
    /// The API server; tests set up and inspect state through it directly.
    pub api: ApiServer,
    /// The time reconciles see.
    pub now: SimTime,
    /// The profile reconciles see.
    pub profile: TimingProfile,
    rng: SimRng,
    recorder: EventRecorder,
    calls: Vec<ApiCall>,
    faults: Vec<FaultRule>,
    /// Wake-ups requested by the last reconcile (other keys, and the key itself).
    pub wakeups: BTreeMap<ObjectKey, SimDuration>,
    /// The world outside the API that reconciles see.
    pub env: Environment,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new(0)
    }
}

impl Harness {
    /// An empty API server seeded with `seed`, at time zero, with the `kind` profile.
    pub fn new(seed: u64) -> Harness {
        let rng = SimRng::from_seed(seed);
        Harness {
            api: ApiServer::new(rng.fork("apiserver"), ApiServerOptions::default()),
            now: SimTime::ZERO,
            profile: TimingProfile::kind(),
            rng: rng.fork("controller"),
            recorder: EventRecorder::default(),
            calls: Vec::new(),
            faults: Vec::new(),
            wakeups: BTreeMap::new(),
            env: Environment::default(),
        }
    }

    /// Refuses every call `rule` returns an error for.
    pub fn fail_when(&mut self, rule: impl FnMut(&ApiCall) -> Option<ApiError> + 'static) {
        self.faults.push(Box::new(rule));
    }

    /// Removes every fault rule.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Moves the clock (and the API server's) to `t`.
    pub fn set_now(&mut self, t: SimTime) {
        self.now = t;
        self.api.set_now(t);
    }

    /// Runs one reconcile of `key` and returns what it asked for; the calls it made are
    /// appended to [`Harness::calls`].
    pub fn reconcile(&mut self, controller: &mut dyn Controller, key: &ObjectKey) -> Requeue {
        self.api.set_now(self.now);
        let mut cx = Cx {
            api: &mut self.api,
            now: self.now,
            rng: &mut self.rng,
            profile: &self.profile,
            controller: controller.name(),
            recorder: &mut self.recorder,
            wakeups: BTreeMap::new(),
            calls: Some(&mut self.calls),
            faults: &mut self.faults,
            env: &mut self.env,
        };
        let requeue = controller.reconcile(key, &mut cx);
        self.wakeups = cx.wakeups;
        requeue
    }

    /// The calls made so far, in order.
    pub fn calls(&self) -> &[ApiCall] {
        &self.calls
    }

    /// The calls made so far as `verb Kind ns/name` lines, and clears them.
    pub fn take_calls(&mut self) -> Vec<String> {
        std::mem::take(&mut self.calls)
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}
