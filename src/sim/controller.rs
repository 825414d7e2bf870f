//! The controller interface: how a reconciler is told what changed and how it acts.
//!
//! A controller is a reconciler over the API server, as in kube-controller-manager: it names
//! the keys a watch event concerns ([`Controller::keys_for`], like informer event handlers),
//! and reconciles one key at a time ([`Controller::reconcile`]) through a [`Cx`]. It never
//! calls another controller and never touches the engine: every effect is an API write made
//! through the [`Client`] that `Cx` implements (recorded, and refusable by fault rules), a
//! recorded Event, or a request to be woken later.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::api::{Object, ObjectKey};
use crate::apiserver::{
    ApiError, ApiServer, Client, DeleteOptions, Deleted, PatchType, Scale, Subresource, WatchEvent,
};
use crate::engine::{SimDuration, SimRng, SimTime};

use super::env::Environment;
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

/// The verb of an API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `update` of `/status`.
    UpdateStatus,
    /// `patch`.
    Patch,
    /// `patch` of `/status`.
    PatchStatus,
    /// `delete`.
    Delete,
    /// `create` of `pods/binding`.
    Bind,
    /// `update` of `/scale`.
    UpdateScale,
    /// `update` of `namespaces/finalize`.
    Finalize,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::UpdateStatus => "update-status",
            Verb::Patch => "patch",
            Verb::PatchStatus => "patch-status",
            Verb::Delete => "delete",
            Verb::Bind => "bind",
            Verb::UpdateScale => "update-scale",
            Verb::Finalize => "finalize",
        })
    }
}

/// One API call a controller made, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCall {
    /// The controller that made it.
    pub controller: &'static str,
    /// What it did.
    pub verb: Verb,
    /// To what.
    pub key: ObjectKey,
    /// `Ok` or the error it got (injected or real).
    pub outcome: Result<(), ApiError>,
}

impl fmt::Display for ApiCall {
    /// `create Pod default/web-0`, with ` -> NotFound` when it failed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb, self.key)?;
        if let Err(e) = &self.outcome {
            write!(f, " -> {}", e.reason.as_str())?;
        }
        Ok(())
    }
}

/// A fault rule: sees each call before it reaches the server and may refuse it with an error.
pub type FaultRule = Box<dyn FnMut(&ApiCall) -> Option<ApiError>>;

/// Everything a reconcile may use. Reads go through [`Cx::read`] (or `Client::read`), writes
/// through the [`Client`] methods.
pub struct Cx<'a> {
    pub(crate) api: &'a mut ApiServer,
    /// The current virtual time.
    pub now: SimTime,
    /// This controller's own random stream.
    pub rng: &'a mut SimRng,
    /// The timing profile.
    pub profile: &'a TimingProfile,
    pub(crate) controller: &'static str,
    pub(crate) recorder: &'a mut EventRecorder,
    pub(crate) wakeups: BTreeMap<ObjectKey, SimDuration>,
    pub(crate) calls: Option<&'a mut Vec<ApiCall>>,
    pub(crate) faults: &'a mut Vec<FaultRule>,
    pub(crate) env: &'a mut Environment,
}

impl Cx<'_> {
    /// The API server's state (never lagging).
    pub fn read(&self) -> &ApiServer {
        self.api
    }

    /// The world outside the API (which nodes are up...).
    pub fn env(&self) -> &Environment {
        self.env
    }

    /// The world outside the API, to change (the kubelet's containers and volumes).
    pub fn env_mut(&mut self) -> &mut Environment {
        self.env
    }

    /// Records a Kubernetes Event about `involved` (`EventRecorder.Event`), aggregating
    /// repeats as client-go's correlator does. Events are not API calls of the controller's
    /// own: they are neither recorded nor subject to fault rules.
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

    /// Runs one call: consults the fault rules, performs it, records it.
    fn call<T>(
        &mut self,
        verb: Verb,
        key: ObjectKey,
        run: impl FnOnce(&mut ApiServer) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut record = ApiCall {
            controller: self.controller,
            verb,
            key,
            outcome: Ok(()),
        };
        let injected = self.faults.iter_mut().find_map(|rule| rule(&record));
        let result = match injected {
            Some(e) => Err(e),
            None => run(self.api),
        };
        if let Some(calls) = self.calls.as_mut() {
            record.outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
            calls.push(record);
        }
        result
    }
}

impl Client for Cx<'_> {
    fn read(&self) -> &ApiServer {
        self.api
    }
    fn create(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.call(Verb::Create, obj.key(), |api| api.create(obj))
    }
    fn update(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.call(Verb::Update, obj.key(), |api| api.update(obj))
    }
    fn update_status(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.call(Verb::UpdateStatus, obj.key(), |api| api.update_status(obj))
    }
    fn patch(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
    ) -> Result<Arc<Object>, ApiError> {
        let verb = match sub {
            Subresource::None => Verb::Patch,
            Subresource::Status => Verb::PatchStatus,
        };
        self.call(verb, key.clone(), |api| {
            api.patch(key, patch_type, patch, sub)
        })
    }
    fn delete(&mut self, key: &ObjectKey, opts: &DeleteOptions) -> Result<Deleted, ApiError> {
        self.call(Verb::Delete, key.clone(), |api| api.delete(key, opts))
    }
    fn bind_pod(&mut self, key: &ObjectKey, node: &str) -> Result<Arc<Object>, ApiError> {
        self.call(Verb::Bind, key.clone(), |api| api.bind_pod(key, node))
    }
    fn update_scale(&mut self, key: &ObjectKey, replicas: i32) -> Result<Scale, ApiError> {
        self.call(Verb::UpdateScale, key.clone(), |api| {
            api.update_scale(key, replicas)
        })
    }
    fn finalize_namespace(&mut self, name: &str, finalizer: &str) -> Result<Arc<Object>, ApiError> {
        let key = ObjectKey::cluster(crate::api::Kind::Namespace, name);
        self.call(Verb::Finalize, key, |api| {
            api.finalize_namespace(name, finalizer)
        })
    }
}
