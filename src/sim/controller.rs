//! The controller interface: how a reconciler is told what changed and how it acts.
//!
//! A controller is a reconciler over the API server, as in kube-controller-manager: it names
//! the keys a watch event concerns ([`Controller::keys_for`], like informer event handlers),
//! and reconciles one key at a time ([`Controller::reconcile`]) through a [`Cx`]. It never
//! calls another controller and never touches the engine: every effect is an API write, a
//! recorded Event, or a request to be woken later.

use std::collections::BTreeMap;

use crate::api::{Object, ObjectKey};
use crate::apiserver::{ApiServer, WatchEvent};
use crate::engine::{SimDuration, SimRng, SimTime};

use super::profile::TimingProfile;
use super::recorder::{EventRecorder, EventSource};

/// What a reconcile asks for afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Requeue {
    /// Nothing: wait for the next relevant change.
    No,
    /// Reconcile this key again after the delay (`AddAfter`), unless a change comes first.
    After(SimDuration),
}

/// A reconciler.
pub trait Controller {
    /// A stable name (`statefulset-controller`), used for RNG streams and logs.
    fn name(&self) -> &'static str;

    /// The keys to reconcile because of `event` (the informer event handlers). `api` is the
    /// state after the write.
    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey>;

    /// Reconciles `key`.
    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue;

    /// How long after a relevant change the reconcile runs (informer delivery and work-queue
    /// latency). Defaults to the profile's `controller.reaction`.
    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile.get("controller.reaction")
    }
}

/// Everything a reconcile may use.
pub struct Cx<'a> {
    /// The API server: read it, and write through its public methods (the "client").
    pub api: &'a mut ApiServer,
    /// The current virtual time.
    pub now: SimTime,
    /// This controller's own random stream.
    pub rng: &'a mut SimRng,
    /// The timing profile.
    pub profile: &'a TimingProfile,
    pub(crate) recorder: &'a mut EventRecorder,
    pub(crate) wakeups: BTreeMap<ObjectKey, SimDuration>,
}

impl Cx<'_> {
    /// Records a Kubernetes Event about `involved` (`EventRecorder.Event`), aggregating
    /// repeats as client-go's correlator does.
    pub fn record_event(
        &mut self,
        source: &EventSource,
        involved: &Object,
        type_: &str,
        reason: &str,
        message: &str,
    ) {
        self.recorder
            .record(self.api, self.now, source, involved, type_, reason, message);
    }

    /// Asks for another key of this controller to be reconciled after `delay`.
    pub fn enqueue_after(&mut self, key: ObjectKey, delay: SimDuration) {
        let slot = self.wakeups.entry(key).or_insert(delay);
        if delay < *slot {
            *slot = delay;
        }
    }
}
