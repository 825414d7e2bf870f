//! The simulation: one engine, one API server, and the controllers that react to it.
//!
//! [`Sim`] ties the pieces together the way kube-controller-manager ties informers to work
//! queues. After every write, the new watch events are fanned out to the controllers
//! ([`Controller::keys_for`]); each key they name is queued once per controller (a client-go
//! work queue deduplicates the same way) and reconciled after the controller's reaction latency.
//! A reconcile may ask to be woken again later ([`Requeue::After`]). Every step is one
//! reconcile; the clock moves only between steps.

pub mod controller;
pub mod env;
pub mod faults;
pub mod profile;
pub mod recorder;
pub mod testing;

use std::collections::BTreeMap;

use crate::api::ObjectKey;
use crate::apiserver::{ApiServer, ApiServerOptions};
use crate::engine::{Engine, RunEnd, SimDuration, SimRng, SimTime};

pub use controller::{ApiCall, Controller, Cx, FaultRule, Requeue, Verb};
pub use env::Environment;
pub use profile::TimingProfile;
pub use recorder::{EventRecorder, EventSource};

/// How a simulation is set up.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The run's seed: every random choice derives from it.
    pub seed: u64,
    /// Latencies.
    pub profile: TimingProfile,
    /// Feature switches of the API server.
    pub api: ApiServerOptions,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            profile: TimingProfile::kind(),
            api: ApiServerOptions::default(),
        }
    }
}

/// An event of the engine: reconcile `key` in controller `slot`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Reconcile {
    slot: usize,
    key: ObjectKey,
}

struct Slot {
    controller: Box<dyn Controller>,
    rng: SimRng,
    /// Keys queued, with the time their reconcile is due (the earliest request wins).
    pending: BTreeMap<ObjectKey, SimTime>,
    /// Reconciles run so far.
    reconciles: u64,
}

/// A running simulation.
pub struct Sim {
    engine: Engine<Reconcile>,
    api: ApiServer,
    slots: Vec<Slot>,
    /// Watch events up to this position have been fanned out.
    dispatched: usize,
    profile: TimingProfile,
    rng: SimRng,
    recorder: EventRecorder,
    /// Every controller API call, when recording is on.
    calls: Option<Vec<ApiCall>>,
    faults: Vec<FaultRule>,
    env: Environment,
}

impl Sim {
    /// A simulation with an empty API server and no controllers.
    pub fn new(config: SimConfig) -> Sim {
        let rng = SimRng::from_seed(config.seed);
        Sim {
            engine: Engine::new(),
            api: ApiServer::new(rng.fork("apiserver"), config.api),
            slots: Vec::new(),
            dispatched: 0,
            profile: config.profile,
            rng,
            recorder: EventRecorder::default(),
            calls: None,
            faults: Vec::new(),
            env: Environment::default(),
        }
    }

    /// The world outside the API.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// Changes the world outside the API (a fault). Call [`Sim::poke`] for the controllers
    /// that must notice.
    pub fn env_mut(&mut self) -> &mut Environment {
        &mut self.env
    }

    /// The API server (read-only) and the world outside it (to change), at once: what a
    /// program run in a container needs.
    pub fn api_and_env(&mut self) -> (&ApiServer, &mut Environment) {
        (&self.api, &mut self.env)
    }

    /// A random stream for a named user of the run outside the controllers (the kubectl
    /// layer's exec), derived from the run's seed.
    pub fn fork_rng(&self, stream: &str) -> SimRng {
        self.rng.fork(stream)
    }

    /// Queues a reconcile of `key` for the controller named `controller` now, as if something
    /// it watches had changed. Returns false when no controller has that name.
    pub fn poke(&mut self, controller: &str, key: ObjectKey) -> bool {
        let Some(slot) = self
            .slots
            .iter()
            .position(|s| s.controller.name() == controller)
        else {
            return false;
        };
        let now = self.engine.now();
        self.enqueue(slot, key, now);
        true
    }

    /// Starts recording every API call controllers make (off by default: long runs make
    /// millions).
    pub fn record_calls(&mut self) {
        self.calls.get_or_insert_with(Vec::new);
    }

    /// The recorded calls (empty unless [`Sim::record_calls`] was called).
    pub fn calls(&self) -> &[ApiCall] {
        self.calls.as_deref().unwrap_or(&[])
    }

    /// Adds a fault rule: every controller call is offered to it first, and refused with the
    /// error it returns.
    pub fn add_fault(
        &mut self,
        rule: impl FnMut(&ApiCall) -> Option<crate::apiserver::ApiError> + 'static,
    ) {
        self.faults.push(Box::new(rule));
    }

    /// Removes every fault rule.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// Adds a controller; it sees every watch event from now on.
    pub fn add_controller(&mut self, controller: Box<dyn Controller>) {
        let rng = self.rng.fork(controller.name());
        assert!(
            self.slots
                .iter()
                .all(|s| s.controller.name() != controller.name()),
            "controller {} added twice",
            controller.name()
        );
        self.slots.push(Slot {
            controller,
            rng,
            pending: BTreeMap::new(),
            reconciles: 0,
        });
    }

    /// The API server, for reads.
    pub fn api(&self) -> &ApiServer {
        &self.api
    }

    /// Writes to the API server as a user would (kubectl), then lets the controllers see the
    /// changes. Returns what `write` returned.
    pub fn write<T>(&mut self, write: impl FnOnce(&mut ApiServer) -> T) -> T {
        self.api.set_now(self.engine.now());
        let out = write(&mut self.api);
        self.dispatch();
        out
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    /// The timing profile.
    pub fn profile(&self) -> &TimingProfile {
        &self.profile
    }

    /// Events (reconciles) still queued.
    pub fn pending(&self) -> usize {
        self.engine.pending()
    }

    /// When the next reconcile is due.
    pub fn next_due(&self) -> Option<SimTime> {
        self.engine.next_due()
    }

    /// Steps handled so far.
    pub fn steps(&self) -> u64 {
        self.engine.steps()
    }

    /// How many reconciles each controller has run, in the order they were added.
    pub fn reconcile_counts(&self) -> Vec<(&'static str, u64)> {
        self.slots
            .iter()
            .map(|s| (s.controller.name(), s.reconciles))
            .collect()
    }

    /// Queues `key` for controller `slot` at `at`, unless it is already queued no later.
    fn enqueue(&mut self, slot: usize, key: ObjectKey, at: SimTime) {
        let pending = &mut self.slots[slot].pending;
        match pending.get(&key) {
            Some(due) if *due <= at => {}
            _ => {
                pending.insert(key.clone(), at);
                self.engine.schedule_at(at, Reconcile { slot, key });
            }
        }
    }

    /// Fans the watch events not yet seen out to every controller.
    pub fn dispatch(&mut self) {
        let now = self.engine.now();
        while self.dispatched < self.api.watch_events().len() {
            let event = self.api.watch_events()[self.dispatched].clone();
            self.dispatched += 1;
            for slot in 0..self.slots.len() {
                let keys = self.slots[slot].controller.keys_for(&event, &self.api);
                if keys.is_empty() {
                    continue;
                }
                let delay = self.slots[slot].controller.reaction(&self.profile);
                for key in keys {
                    self.enqueue(slot, key, now + delay);
                }
            }
        }
    }

    /// Handles one queued reconcile. Returns false when nothing is queued.
    pub fn step(&mut self) -> bool {
        let Some((at, ev)) = self.engine.step() else {
            return false;
        };
        self.handle(at, ev);
        true
    }

    fn handle(&mut self, at: SimTime, ev: Reconcile) {
        // A later request for the same key superseded this one, or it already ran.
        if self.slots[ev.slot].pending.get(&ev.key) != Some(&at) {
            return;
        }
        self.slots[ev.slot].pending.remove(&ev.key);
        self.api.set_now(at);
        let slot = &mut self.slots[ev.slot];
        let mut cx = Cx {
            api: &mut self.api,
            now: at,
            rng: &mut slot.rng,
            profile: &self.profile,
            controller: slot.controller.name(),
            recorder: &mut self.recorder,
            wakeups: BTreeMap::new(),
            calls: self.calls.as_mut(),
            faults: &mut self.faults,
            env: &mut self.env,
        };
        slot.reconciles += 1;
        let requeue = slot.controller.reconcile(&ev.key, &mut cx);
        let mut wakeups = std::mem::take(&mut cx.wakeups);
        if let Requeue::After(d) = requeue {
            let entry = wakeups.entry(ev.key).or_insert(d);
            if d < *entry {
                *entry = d;
            }
        }
        for (key, delay) in wakeups {
            self.enqueue(ev.slot, key, at + delay);
        }
        self.dispatch();
    }

    /// Handles every reconcile due up to `t` (within `steps_max` steps), then moves the clock
    /// to `t`. Ends early, with the reason, when the step limit is hit.
    pub fn run_until(&mut self, t: SimTime, steps_max: u64) -> RunEnd {
        let mut handled = 0u64;
        while let Some(next) = self.engine.next_due() {
            if next > t {
                break;
            }
            if handled >= steps_max {
                return RunEnd::StepLimit {
                    steps: handled,
                    at: self.engine.now(),
                    pending: self.engine.pending(),
                };
            }
            self.step();
            handled += 1;
        }
        if self.engine.now() < t {
            self.engine.advance_to(t);
        }
        self.api.set_now(t);
        RunEnd::Idle { at: t }
    }

    /// [`Sim::run_until`] for a duration from now.
    pub fn run_for(&mut self, d: SimDuration, steps_max: u64) -> RunEnd {
        let t = self.engine.now() + d;
        self.run_until(t, steps_max)
    }
}

#[cfg(test)]
mod tests;
