//! The simulated API server: the single source of truth, like kube-apiserver over etcd.
//!
//! It owns every object (in `BTreeMap`s keyed by [`ObjectKey`], so listings come out in etcd's
//! order), the global resourceVersion, uids, and the watch stream. Every write goes through
//! defaulting, admission and validation, and is either applied whole (one watch event) or
//! rejected with the API server's own error, changing nothing.
//!
//! It must not run controllers: garbage collection, namespace finalization and the protection
//! finalizers live in `controllers`, which act only through this module's public API.

pub mod admission;
pub mod client;
pub mod error;
pub mod eviction;
pub mod patch;
pub mod strategy;
pub mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::api::defaults::{DefaultOptions, apply_defaults};
use crate::api::selector::{FieldSelector, LabelSelector};
use crate::api::validation::{
    ValidationOptions, validate_create, validate_status_update, validate_update,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::engine::{SimRng, SimTime};

pub use client::Client;
pub use error::{ApiError, StatusReason};
pub use patch::PatchType;
pub use strategy::Propagation;
pub use watch::{WatchEvent, WatchEventType};

use strategy::{FINALIZER_FOREGROUND, FINALIZER_ORPHAN};

/// Switches that change the API server's behaviour, as feature gates do upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiServerOptions {
    /// `MaxUnavailableStatefulSet` (beta, on by default in v1.35).
    pub max_unavailable_gate: bool,
}

impl Default for ApiServerOptions {
    fn default() -> Self {
        ApiServerOptions {
            max_unavailable_gate: true,
        }
    }
}

/// Options of a create (`metav1.CreateOptions`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// `dryRun=All`: run everything, persist nothing.
    pub dry_run: bool,
}

/// `metav1.Preconditions` of a delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    /// The uid the object must have.
    pub uid: Option<String>,
    /// The resourceVersion the object must have.
    pub resource_version: Option<String>,
}

/// Options of a delete (`metav1.DeleteOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// Seconds the object may take to terminate; `None` uses the object's own default.
    pub grace_period_seconds: Option<i64>,
    /// How dependents are treated; `None` uses the kind's default.
    pub propagation: Option<Propagation>,
    /// Conditions the object must meet.
    pub preconditions: Preconditions,
    /// `dryRun=All`.
    pub dry_run: bool,
}

/// Options of a list (`metav1.ListOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// A label selector string (`app=nginx,tier!=db`).
    pub label_selector: Option<String>,
    /// A field selector string (`status.phase=Running`).
    pub field_selector: Option<String>,
}

/// What a delete did.
#[derive(Clone, Debug, PartialEq)]
pub enum Deleted {
    /// The object is gone; this is its last state.
    Gone(Arc<Object>),
    /// The object remains, terminating (grace period or finalizers pending).
    Pending(Arc<Object>),
}

impl Deleted {
    /// The object, as last stored.
    pub fn object(&self) -> &Arc<Object> {
        match self {
            Deleted::Gone(o) | Deleted::Pending(o) => o,
        }
    }
}

/// The `autoscaling/v1` Scale of a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scale {
    /// `spec.replicas`.
    pub spec_replicas: i32,
    /// `status.replicas`.
    pub status_replicas: i32,
    /// `status.selector`, the label selector as a string.
    pub selector: String,
}

/// A subresource a write may target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    /// The main resource.
    None,
    /// `/status`.
    Status,
}

/// The simulated API server.
pub struct ApiServer {
    objects: BTreeMap<ObjectKey, Arc<Object>>,
    by_uid: BTreeMap<String, ObjectKey>,
    /// owner uid → keys of objects that list it in ownerReferences.
    dependents: BTreeMap<String, BTreeSet<ObjectKey>>,
    resource_version: u64,
    now: SimTime,
    rng: SimRng,
    watch: Vec<WatchEvent>,
    gc_pending: BTreeSet<ObjectKey>,
    allocated_cluster_ips: BTreeSet<u32>,
    opts: ApiServerOptions,
}

/// The first resourceVersion a fresh server hands out minus one.
const INITIAL_RESOURCE_VERSION: u64 = 1000;

/// Namespaces the NamespaceLifecycle plugin refuses to delete.
pub const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

impl ApiServer {
    /// An empty server. `rng` is the server's own stream (uids, generated names, cluster IPs).
    pub fn new(rng: SimRng, opts: ApiServerOptions) -> Self {
        ApiServer {
            objects: BTreeMap::new(),
            by_uid: BTreeMap::new(),
            dependents: BTreeMap::new(),
            resource_version: INITIAL_RESOURCE_VERSION,
            now: SimTime::ZERO,
            rng,
            watch: Vec::new(),
            gc_pending: BTreeSet::new(),
            allocated_cluster_ips: BTreeSet::new(),
            opts,
        }
    }

    /// The options the server runs with.
    pub fn options(&self) -> ApiServerOptions {
        self.opts
    }

    /// Sets the virtual time used for timestamps of subsequent writes.
    ///
    /// # Panics
    /// If `now` is earlier than the current time.
    pub fn set_now(&mut self, now: SimTime) {
        assert!(now >= self.now, "API server clock went backwards");
        self.now = now;
    }

    /// The server's current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The latest resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// Every watch event so far, in order.
    pub fn watch_events(&self) -> &[WatchEvent] {
        &self.watch
    }

    /// Watch events from position `from` on.
    pub fn watch_since(&self, from: usize) -> &[WatchEvent] {
        &self.watch[from.min(self.watch.len())..]
    }

    /// Number of stored objects.
    pub fn object_count(&self) -> usize {
        self.objects.len()
    }

    fn default_options(&self) -> DefaultOptions {
        DefaultOptions {
            max_unavailable_gate: self.opts.max_unavailable_gate,
        }
    }

    fn validation_options(&self) -> ValidationOptions {
        ValidationOptions {
            max_unavailable_gate: self.opts.max_unavailable_gate,
        }
    }

    // ----- reads -----

    /// The object at `key`, or NotFound.
    pub fn get(&self, key: &ObjectKey) -> Result<Arc<Object>, ApiError> {
        self.objects
            .get(key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// The object at `key`, if present.
    pub fn try_get(&self, key: &ObjectKey) -> Option<&Arc<Object>> {
        self.objects.get(key)
    }

    /// The object with `uid`, if present.
    pub fn get_by_uid(&self, uid: &str) -> Option<&Arc<Object>> {
        self.by_uid.get(uid).and_then(|k| self.objects.get(k))
    }

    /// Every object of `kind` (in `namespace`, or in all namespaces when `None`), in key order.
    pub fn iter_kind<'a>(
        &'a self,
        kind: Kind,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<Object>> + 'a {
        let start = ObjectKey {
            kind,
            namespace: namespace.unwrap_or("").to_string(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(k, _)| {
                k.kind == kind && namespace.is_none_or(|ns| k.namespace == ns)
            })
            .map(|(_, v)| v)
    }

    /// Lists objects of `kind`, filtered by namespace and selectors, in etcd order.
    pub fn list(
        &self,
        kind: Kind,
        namespace: Option<&str>,
        opts: &ListOptions,
    ) -> Result<Vec<Arc<Object>>, ApiError> {
        let labels =
            match &opts.label_selector {
                Some(s) if !s.trim().is_empty() => Some(LabelSelector::parse(s).map_err(|e| {
                    ApiError::bad_request(format!("unable to parse requirement: {e}"))
                })?),
                _ => None,
            };
        let fields = match &opts.field_selector {
            Some(s) if !s.trim().is_empty() => {
                let fs = FieldSelector::parse(s).map_err(ApiError::bad_request)?;
                fs.check_supported(kind).map_err(|unsupported| {
                    ApiError::bad_request(format!(
                        "Unable to find \"{}\" that match label selector \"{}\", field selector \"{}\": field label not supported: {}",
                        group_version_resource(kind),
                        opts.label_selector.as_deref().unwrap_or(""),
                        s,
                        unsupported
                    ))
                })?;
                Some(fs)
            }
            _ => None,
        };
        let namespace = if kind.is_namespaced() {
            namespace
        } else {
            None
        };
        Ok(self
            .iter_kind(kind, namespace)
            .filter(|o| labels.as_ref().is_none_or(|l| l.matches(o.labels())))
            .filter(|o| fields.as_ref().is_none_or(|f| f.matches(o)))
            .cloned()
            .collect())
    }

    /// Keys of the objects whose ownerReferences name `owner_uid`, in key order.
    pub fn dependents_of(&self, owner_uid: &str) -> Vec<ObjectKey> {
        self.dependents
            .get(owner_uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    // ----- the single write path -----

    /// Stores `obj` under a new resourceVersion and appends the watch event.
    fn store(&mut self, mut obj: Object, event_type: WatchEventType) -> Arc<Object> {
        normalize_meta(obj.meta_mut());
        self.resource_version += 1;
        obj.meta_mut().resource_version = Some(self.resource_version.to_string());
        let key = obj.key();
        let obj = Arc::new(obj);
        let old = match event_type {
            WatchEventType::Deleted => self.objects.remove(&key),
            _ => self.objects.insert(key.clone(), obj.clone()),
        };
        if let Some(old) = &old {
            for r in old.meta().owner_references.iter().flatten() {
                if let Some(set) = self.dependents.get_mut(&r.uid) {
                    set.remove(&key);
                    if set.is_empty() {
                        self.dependents.remove(&r.uid);
                    }
                }
            }
        }
        match event_type {
            WatchEventType::Deleted => {
                self.by_uid.remove(obj.uid());
                // Dependents of a vanished owner, and a foreground-deleting owner waiting for
                // this object, need the garbage collector's attention.
                for dep in self.dependents.get(obj.uid()).into_iter().flatten() {
                    self.gc_pending.insert(dep.clone());
                }
                for r in obj.meta().owner_references.iter().flatten() {
                    if let Some(owner_key) = self.by_uid.get(&r.uid) {
                        self.gc_pending.insert(owner_key.clone());
                    }
                }
            }
            _ => {
                self.by_uid.insert(obj.uid().to_string(), key.clone());
                let mut dangling = false;
                for r in obj.meta().owner_references.iter().flatten() {
                    self.dependents
                        .entry(r.uid.clone())
                        .or_default()
                        .insert(key.clone());
                    if !self.by_uid.contains_key(&r.uid) {
                        dangling = true;
                    }
                }
                let needs_gc = dangling
                    || (obj.is_terminating()
                        && (obj.has_finalizer(FINALIZER_ORPHAN)
                            || obj.has_finalizer(FINALIZER_FOREGROUND)
                            || key.kind == Kind::Namespace));
                if needs_gc {
                    self.gc_pending.insert(key.clone());
                }
            }
        }
        self.watch.push(WatchEvent {
            seq: self.watch.len() as u64,
            at: self.now,
            event_type,
            object: obj.clone(),
            old: match event_type {
                WatchEventType::Modified => old,
                _ => None,
            },
        });
        obj
    }

    /// Keys the garbage collector must look at, in key order.
    pub fn gc_pending(&self) -> &BTreeSet<ObjectKey> {
        &self.gc_pending
    }

    /// Takes the garbage collector's work list.
    pub fn take_gc_pending(&mut self) -> BTreeSet<ObjectKey> {
        std::mem::take(&mut self.gc_pending)
    }

    // ----- create -----

    /// Creates `obj` (defaulting, admission, validation), or explains why not.
    pub fn create(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.create_with(obj, &CreateOptions::default())
    }

    /// [`ApiServer::create`] with options (dry run).
    pub fn create_with(
        &mut self,
        obj: Object,
        opts: &CreateOptions,
    ) -> Result<Arc<Object>, ApiError> {
        if opts.dry_run {
            // A dry run may draw uids and names, but must leave the stream where it was.
            let saved = self.rng.clone();
            let result = self.create_inner(obj, true);
            self.rng = saved;
            return result;
        }
        self.create_inner(obj, false)
    }

    fn create_inner(&mut self, mut obj: Object, dry_run: bool) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        apply_defaults(&mut obj, &self.default_options());
        {
            let meta = obj.meta_mut();
            if meta.name.as_deref().unwrap_or("").is_empty()
                && let Some(prefix) = meta.generate_name.clone()
                && !prefix.is_empty()
            {
                meta.name = Some(format!("{prefix}{}", self.rng.name_suffix(5)));
            }
        }
        if kind.is_namespaced() {
            self.admit_namespace_lifecycle(&obj)?;
        }
        admission::admit_create(self, &mut obj)?;
        // BeforeCreate: reset what clients may not set, PrepareForCreate, then the system
        // fields (uid, creationTimestamp), all before validation.
        {
            let meta = obj.meta_mut();
            meta.deletion_timestamp = None;
            meta.deletion_grace_period_seconds = None;
            meta.resource_version = None;
            meta.self_link = None;
            meta.generation = strategy::tracks_generation(kind).then_some(1);
            if !kind.is_namespaced() {
                meta.namespace = None;
            }
        }
        strategy::prepare_for_create(&mut obj);
        if let Object::PersistentVolume(pv) = &mut obj {
            // PersistentVolumeLastPhaseTransitionTime (GA): the create strategy stamps it.
            pv.status
                .get_or_insert_with(Default::default)
                .last_phase_transition_time = Some(self.now.to_k8s_time());
        }
        {
            let uid = self.rng.uuid();
            let meta = obj.meta_mut();
            meta.uid = Some(uid);
            meta.creation_timestamp = Some(self.now.to_k8s_time());
        }
        strategy::prepare_for_validation(&mut obj);
        // Defaults run again when the stored object is read back; this fills what depends on
        // a generated name or selector (the namespace's `kubernetes.io/metadata.name` label, a
        // Job's labels).
        apply_defaults(&mut obj, &self.default_options());
        let errors = validate_create(&obj, &self.validation_options());
        if !errors.is_empty() {
            return Err(ApiError::invalid(kind, obj.name(), &errors));
        }
        if self.objects.contains_key(&obj.key()) {
            return Err(ApiError::already_exists(kind, obj.name()));
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        if kind == Kind::Service {
            admission::commit_service_ips(self, &obj);
        }
        Ok(self.store(obj, WatchEventType::Added))
    }

    /// NamespaceLifecycle: a namespaced write needs its namespace to exist and not be
    /// terminating.
    fn admit_namespace_lifecycle(&self, obj: &Object) -> Result<(), ApiError> {
        let ns = obj.namespace();
        if ns.is_empty() {
            return Ok(());
        }
        match self.objects.get(&ObjectKey::cluster(Kind::Namespace, ns)) {
            None => Err(ApiError::not_found(Kind::Namespace, ns)),
            Some(n) if n.is_terminating() => Err(ApiError::forbidden(
                obj.kind(),
                obj.name(),
                &format!(
                    "unable to create new content in namespace {ns} because it is being terminated"
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    pub(crate) fn allocated_cluster_ips(&mut self) -> &mut BTreeSet<u32> {
        &mut self.allocated_cluster_ips
    }

    pub(crate) fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    // ----- update -----

    /// Replaces the object at `obj`'s key (a PUT). A non-empty resourceVersion must match the
    /// stored one. Status changes are ignored for kinds with a status subresource.
    pub fn update(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.update_inner(obj, Subresource::None, false)
    }

    /// [`ApiServer::update`] as a dry run.
    pub fn update_dry_run(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.update_inner(obj, Subresource::None, true)
    }

    /// Writes the status subresource: only `status` of `obj` is taken.
    pub fn update_status(&mut self, obj: Object) -> Result<Arc<Object>, ApiError> {
        self.update_inner(obj, Subresource::Status, false)
    }

    fn update_inner(
        &mut self,
        mut obj: Object,
        sub: Subresource,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        let kind = obj.kind();
        let key = obj.key();
        if key.name.is_empty() {
            return Err(ApiError::bad_request(
                "resource name may not be empty".to_string(),
            ));
        }
        let old = self.get(&key)?;
        let rv = obj.resource_version();
        if !rv.is_empty() && rv != old.resource_version() {
            return Err(ApiError::stale_resource_version(kind, &key.name));
        }
        let uid = obj.uid();
        if !uid.is_empty() && uid != old.uid() {
            return Err(ApiError::conflict(
                kind,
                &key.name,
                &format!(
                    "Precondition failed: UID in precondition: {}, UID in object meta: {}",
                    old.uid(),
                    uid
                ),
            ));
        }
        let new = match sub {
            Subresource::Status => {
                // The status strategy keeps everything but status from the stored object.
                let mut merged = (*old).clone();
                strategy::copy_status(&mut merged, &obj);
                merged
            }
            Subresource::None => {
                apply_defaults(&mut obj, &self.default_options());
                {
                    let meta = obj.meta_mut();
                    let old_meta = old.meta();
                    meta.uid = old_meta.uid.clone();
                    meta.creation_timestamp = old_meta.creation_timestamp.clone();
                    meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
                    meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
                    meta.generation = old_meta.generation;
                    meta.resource_version = old_meta.resource_version.clone();
                    meta.namespace = old_meta.namespace.clone();
                }
                if strategy::has_status_subresource(kind) {
                    strategy::copy_status(&mut obj, &old);
                }
                strategy::prepare_for_update(&mut obj, &old);
                if strategy::tracks_generation(kind) && strategy::spec_changed(&obj, &old) {
                    let meta = obj.meta_mut();
                    meta.generation = Some(meta.generation.unwrap_or(0) + 1);
                }
                obj
            }
        };
        let mut new = new;
        normalize_meta(new.meta_mut());
        if let (Object::PersistentVolume(n), Object::PersistentVolume(o)) = (&mut new, &*old) {
            // The status strategy stamps a phase change unless the writer did.
            let phase = |pv: &k8s_openapi::api::core::v1::PersistentVolume| {
                pv.status.as_ref().and_then(|s| s.phase.clone())
            };
            if phase(n) != phase(o)
                && let Some(st) = n.status.as_mut()
                && st.last_phase_transition_time
                    == o.status
                        .as_ref()
                        .and_then(|s| s.last_phase_transition_time.clone())
            {
                st.last_phase_transition_time = Some(self.now.to_k8s_time());
            }
        }
        if sub == Subresource::None {
            admission::admit_update(self, &new, &old)?;
        }
        let errors = match sub {
            Subresource::Status => validate_status_update(&new, &old, &self.validation_options()),
            Subresource::None => validate_update(&new, &old, &self.validation_options()),
        };
        if !errors.is_empty() {
            return Err(ApiError::invalid(kind, &key.name, &errors));
        }
        if new == *old || dry_run {
            return Ok(if dry_run { Arc::new(new) } else { old });
        }
        let finalized = new.is_terminating()
            && new.meta().finalizers.as_ref().is_none_or(Vec::is_empty)
            && !(kind == Kind::Pod && new.meta().deletion_grace_period_seconds.unwrap_or(0) > 0);
        if finalized {
            // Removing the last finalizer of a terminating object completes its deletion.
            return Ok(self.store(new, WatchEventType::Deleted));
        }
        Ok(self.store(new, WatchEventType::Modified))
    }

    // ----- patch -----

    /// Applies a patch to the object at `key` (a PATCH), then updates it as [`ApiServer::update`]
    /// does. A resourceVersion in the patch is a precondition, as upstream.
    pub fn patch(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
    ) -> Result<Arc<Object>, ApiError> {
        self.patch_inner(key, patch_type, patch, sub, false)
    }

    /// [`ApiServer::patch`] as a dry run.
    pub fn patch_dry_run(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
    ) -> Result<Arc<Object>, ApiError> {
        self.patch_inner(key, patch_type, patch, sub, true)
    }

    fn patch_inner(
        &mut self,
        key: &ObjectKey,
        patch_type: PatchType,
        patch: &Value,
        sub: Subresource,
        dry_run: bool,
    ) -> Result<Arc<Object>, ApiError> {
        let current = self.get(key)?;
        let original = current.to_json();
        let mut patched = patch::apply_patch_detailed(key.kind, &original, patch_type, patch)
            .map_err(|e| {
                let reason = match e.kind {
                    patch::PatchErrorKind::BadRequest => StatusReason::BadRequest,
                    patch::PatchErrorKind::Invalid => StatusReason::Invalid,
                    patch::PatchErrorKind::RequestEntityTooLarge => {
                        StatusReason::RequestEntityTooLarge
                    }
                    patch::PatchErrorKind::Unknown | patch::PatchErrorKind::Panic => {
                        StatusReason::Unknown(500)
                    }
                };
                ApiError::status(reason, e.message)
            })?;
        // A patch may not move the object.
        if let Some(m) = patched.as_object_mut() {
            let info = key.kind.info();
            m.insert("apiVersion".into(), Value::String(info.api_version()));
            m.insert("kind".into(), Value::String(info.kind.to_string()));
        }
        let patched_rv = patched
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
        let original_rv = current.resource_version().to_string();
        let mut obj = Object::from_json(key.kind, patched).map_err(|e| {
            ApiError::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {}",
                key.kind.info().kind,
                key.kind.info().version,
                key.kind.info().kind,
                e
            ))
        })?;
        if obj.name() != key.name || (key.kind.is_namespaced() && obj.namespace() != key.namespace)
        {
            return Err(ApiError::bad_request(
                "the name of the object does not match the name on the URL".to_string(),
            ));
        }
        // Only an explicit resourceVersion in the patch is a precondition.
        let patch_sets_rv = patched_rv.is_some() && patched_rv.as_deref() != Some(&original_rv)
            || patch.pointer("/metadata/resourceVersion").is_some();
        if !patch_sets_rv {
            obj.meta_mut().resource_version = Some(original_rv);
        }
        self.update_inner(obj, sub, dry_run)
    }

    // ----- binding -----

    /// The `pods/binding` subresource the scheduler uses: assigns `node` to the pod, marks
    /// it `PodScheduled=True` and clears `status.nominatedNodeName`
    /// (`BindingREST.setPodNodeAndMetadata`). Pod update validation does not apply
    /// (spec.nodeName is otherwise immutable).
    pub fn bind_pod(&mut self, key: &ObjectKey, node: &str) -> Result<Arc<Object>, ApiError> {
        let current = self.get(key)?;
        let mut obj = (*current).clone();
        let Object::Pod(pod) = &mut obj else {
            return Err(ApiError::method_not_supported(key.kind, "binding"));
        };
        if pod.metadata.deletion_timestamp.is_some() {
            return Err(ApiError::conflict(
                Kind::Pod,
                &key.name,
                &format!(
                    "pod {} is being deleted, cannot be assigned to a host",
                    key.name
                ),
            ));
        }
        let spec = pod.spec.get_or_insert_with(Default::default);
        if let Some(existing) = spec.node_name.as_deref().filter(|n| !n.is_empty()) {
            return Err(ApiError::conflict(
                Kind::Pod,
                &key.name,
                &format!(
                    "pod {} is already assigned to node \"{}\"",
                    key.name, existing
                ),
            ));
        }
        spec.node_name = Some(node.to_string());
        let status = pod.status.get_or_insert_with(Default::default);
        // ClearingNominatedNodeNameAfterBinding (beta, on by default in v1.35, KEP-5278):
        // the binding clears the nomination the scheduler made for its binding cycle.
        status.nominated_node_name = None;
        let conditions = status.conditions.get_or_insert_with(Vec::new);
        let now = self.now.to_k8s_time();
        match conditions.iter_mut().find(|c| c.type_ == "PodScheduled") {
            Some(c) => {
                if c.status != "True" {
                    c.status = "True".into();
                    c.last_transition_time = Some(now);
                    c.reason = None;
                    c.message = None;
                }
            }
            None => conditions.push(k8s_openapi::api::core::v1::PodCondition {
                type_: "PodScheduled".into(),
                status: "True".into(),
                last_transition_time: Some(now),
                ..Default::default()
            }),
        }
        Ok(self.store(obj, WatchEventType::Modified))
    }

    // ----- scale -----

    /// The scale subresource of a StatefulSet, Deployment or ReplicaSet.
    pub fn get_scale(&self, key: &ObjectKey) -> Result<Scale, ApiError> {
        let obj = self.get(key)?;
        scale_of(&obj).ok_or_else(|| ApiError::not_found(key.kind, &key.name))
    }

    /// Sets `spec.replicas` through the scale subresource.
    pub fn update_scale(&mut self, key: &ObjectKey, replicas: i32) -> Result<Scale, ApiError> {
        if !strategy::has_scale_subresource(key.kind) {
            return Err(ApiError::not_found(key.kind, &key.name));
        }
        let obj = self.get(key)?;
        if replicas < 0 {
            let errors = [crate::api::field::FieldError::invalid(
                &crate::api::field::Path::new("spec").child("replicas"),
                i64::from(replicas),
                "must be greater than or equal to 0",
            )];
            let info = key.kind.info();
            let mut e = ApiError::invalid(key.kind, &key.name, &errors);
            e.message = format!(
                "Scale.autoscaling \"{}\" is invalid: {}",
                key.name,
                crate::api::field::aggregate_message(&errors)
            );
            if let Some(d) = e.details.as_mut() {
                d.kind = "Scale".into();
                d.group = "autoscaling".into();
            }
            let _ = info;
            return Err(e);
        }
        let mut new = (*obj).clone();
        match &mut new {
            Object::StatefulSet(s) => {
                s.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
            }
            Object::Deployment(d) => {
                d.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
            }
            Object::ReplicaSet(r) => {
                r.spec.get_or_insert_with(Default::default).replicas = Some(replicas)
            }
            _ => unreachable!("checked has_scale_subresource above"),
        }
        let stored = self.update(new)?;
        Ok(scale_of(&stored).expect("scalable kind has a scale"))
    }

    // ----- delete -----

    /// Deletes the object at `key`, honouring grace periods, finalizers and propagation.
    pub fn delete(&mut self, key: &ObjectKey, opts: &DeleteOptions) -> Result<Deleted, ApiError> {
        let current = self.get(key)?;
        let kind = key.kind;
        if let Some(uid) = &opts.preconditions.uid
            && uid != current.uid()
        {
            return Err(ApiError::conflict(
                kind,
                &key.name,
                &format!(
                    "Precondition failed: UID in precondition: {}, UID in object meta: {}",
                    uid,
                    current.uid()
                ),
            ));
        }
        if let Some(rv) = &opts.preconditions.resource_version
            && rv != current.resource_version()
        {
            return Err(ApiError::conflict(
                kind,
                &key.name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {}, ResourceVersion in object meta: {}",
                    rv,
                    current.resource_version()
                ),
            ));
        }
        if kind == Kind::Namespace && IMMORTAL_NAMESPACES.contains(&key.name.as_str()) {
            return Err(ApiError::forbidden(
                kind,
                &key.name,
                "this namespace may not be deleted",
            ));
        }
        if let Some(g) = opts.grace_period_seconds
            && g < 0
        {
            return Err(ApiError::invalid(
                kind,
                &key.name,
                &[crate::api::field::FieldError::invalid(
                    &crate::api::field::Path::new("gracePeriodSeconds"),
                    g,
                    "must be greater than or equal to 0",
                )],
            ));
        }

        let mut obj = (*current).clone();
        let finalizers_before: BTreeSet<String> =
            obj.meta().finalizers.iter().flatten().cloned().collect();
        let new_finalizers = deletion_finalizers(&obj, opts.propagation);
        let finalizers_changed =
            new_finalizers.iter().cloned().collect::<BTreeSet<_>>() != finalizers_before;
        let now = self.now;

        if obj.is_terminating() {
            let pending_grace = obj.meta().deletion_grace_period_seconds.unwrap_or(0);
            if pending_grace > 0 {
                // Only a shorter grace period may be requested; finalizers stay as they are.
                match opts.grace_period_seconds {
                    Some(g) if g < pending_grace => {
                        let deadline = now_plus(now, g);
                        let meta = obj.meta_mut();
                        meta.deletion_timestamp = Some(deadline.to_k8s_time());
                        meta.deletion_grace_period_seconds = Some(g);
                        if g == 0 && finalizers_before.is_empty() {
                            return self.finish_delete(obj, opts.dry_run);
                        }
                        return self.finish_pending(obj, opts.dry_run);
                    }
                    _ => return Ok(Deleted::Pending(current)),
                }
            }
            if new_finalizers.is_empty() {
                return self.finish_delete(obj, opts.dry_run);
            }
            if !finalizers_changed {
                return Ok(Deleted::Pending(current));
            }
            obj.meta_mut().finalizers = Some(new_finalizers);
            return self.finish_pending(obj, opts.dry_run);
        }

        let grace = graceful_period(&obj, opts.grace_period_seconds);
        if finalizers_changed {
            obj.meta_mut().finalizers =
                (!new_finalizers.is_empty()).then(|| new_finalizers.clone());
        }
        match grace {
            Some(g) if g > 0 => {
                let meta = obj.meta_mut();
                meta.deletion_timestamp = Some(now_plus(now, g).to_k8s_time());
                meta.deletion_grace_period_seconds = Some(g);
                if let Some(generation) = meta.generation.filter(|g| *g > 0) {
                    meta.generation = Some(generation + 1);
                }
                self.finish_pending(obj, opts.dry_run)
            }
            _ => {
                // A namespace is also held by its own `spec.finalizers` (the namespace
                // controller's `kubernetes` finalizer).
                let held_by_spec = match &obj {
                    Object::Namespace(n) => n
                        .spec
                        .as_ref()
                        .and_then(|s| s.finalizers.as_ref())
                        .is_some_and(|f| !f.is_empty()),
                    _ => false,
                };
                if new_finalizers.is_empty() && !held_by_spec {
                    if grace == Some(0) {
                        let meta = obj.meta_mut();
                        meta.deletion_timestamp = Some(now.to_k8s_time());
                        meta.deletion_grace_period_seconds = Some(0);
                    }
                    self.finish_delete(obj, opts.dry_run)
                } else {
                    let meta = obj.meta_mut();
                    meta.deletion_timestamp = Some(now.to_k8s_time());
                    meta.deletion_grace_period_seconds = Some(0);
                    if kind == Kind::Namespace
                        && let Object::Namespace(n) = &mut obj
                    {
                        n.status.get_or_insert_with(Default::default).phase =
                            Some("Terminating".into());
                    }
                    self.finish_pending(obj, opts.dry_run)
                }
            }
        }
    }

    fn finish_delete(&mut self, obj: Object, dry_run: bool) -> Result<Deleted, ApiError> {
        if dry_run {
            return Ok(Deleted::Gone(Arc::new(obj)));
        }
        if obj.kind() == Kind::Service {
            admission::release_service_ips(self, &obj);
        }
        Ok(Deleted::Gone(self.store(obj, WatchEventType::Deleted)))
    }

    fn finish_pending(&mut self, obj: Object, dry_run: bool) -> Result<Deleted, ApiError> {
        if dry_run {
            return Ok(Deleted::Pending(Arc::new(obj)));
        }
        Ok(Deleted::Pending(self.store(obj, WatchEventType::Modified)))
    }

    /// Completes a namespace's finalization: removes `finalizer` from `spec.finalizers` (the
    /// `finalize` subresource the namespace controller uses), deleting the namespace when no
    /// finalizers remain.
    pub fn finalize_namespace(
        &mut self,
        name: &str,
        finalizer: &str,
    ) -> Result<Arc<Object>, ApiError> {
        let key = ObjectKey::cluster(Kind::Namespace, name);
        let current = self.get(&key)?;
        let mut obj = (*current).clone();
        let Object::Namespace(ns) = &mut obj else {
            unreachable!("namespace key holds a namespace")
        };
        let spec = ns.spec.get_or_insert_with(Default::default);
        if let Some(f) = spec.finalizers.as_mut() {
            f.retain(|x| x != finalizer);
        }
        let spec_empty = spec.finalizers.as_ref().is_none_or(Vec::is_empty);
        let meta_empty = ns.metadata.finalizers.as_ref().is_none_or(Vec::is_empty);
        if obj == *current {
            return Ok(current);
        }
        if obj.is_terminating() && spec_empty && meta_empty {
            return Ok(self.store(obj, WatchEventType::Deleted));
        }
        Ok(self.store(obj, WatchEventType::Modified))
    }
}

/// Go's `omitempty` on ObjectMeta: an empty list or map is stored (and served) as absent.
fn normalize_meta(meta: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) {
    if meta.finalizers.as_ref().is_some_and(Vec::is_empty) {
        meta.finalizers = None;
    }
    if meta.owner_references.as_ref().is_some_and(Vec::is_empty) {
        meta.owner_references = None;
    }
    if meta.labels.as_ref().is_some_and(|m| m.is_empty()) {
        meta.labels = None;
    }
    if meta.annotations.as_ref().is_some_and(|m| m.is_empty()) {
        meta.annotations = None;
    }
    if meta.managed_fields.as_ref().is_some_and(Vec::is_empty) {
        meta.managed_fields = None;
    }
}

fn now_plus(now: SimTime, seconds: i64) -> SimTime {
    now + crate::engine::SimDuration::from_secs(seconds.max(0) as u64)
}

/// `rest.BeforeDelete` + the pod strategy's `CheckGracefulDelete`: the grace period a delete
/// gets, or `None` for kinds without graceful deletion.
fn graceful_period(obj: &Object, requested: Option<i64>) -> Option<i64> {
    let Object::Pod(pod) = obj else {
        return None;
    };
    let mut period = requested.unwrap_or_else(|| {
        pod.spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds)
            .unwrap_or(0)
    });
    let scheduled = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    if !scheduled {
        period = 0;
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Failed") | Some("Succeeded")) {
        period = 0;
    }
    Some(period)
}

/// `deletionFinalizersForGarbageCollection`: the object's finalizers with `orphan` /
/// `foregroundDeletion` set as the propagation (or, when none is given, the object's existing
/// finalizers or the kind's default) dictates.
fn deletion_finalizers(obj: &Object, propagation: Option<Propagation>) -> Vec<String> {
    let existing: Vec<String> = obj.meta().finalizers.clone().unwrap_or_default();
    let (orphan, foreground) = match propagation {
        Some(Propagation::Orphan) => (true, false),
        Some(Propagation::Foreground) => (false, true),
        Some(Propagation::Background) => (false, false),
        None => {
            if obj.has_finalizer(FINALIZER_ORPHAN) {
                (true, false)
            } else if obj.has_finalizer(FINALIZER_FOREGROUND) {
                (false, true)
            } else {
                match strategy::default_propagation(obj.kind()) {
                    Propagation::Orphan => (true, false),
                    Propagation::Foreground => (false, true),
                    Propagation::Background => (false, false),
                }
            }
        }
    };
    let mut out: Vec<String> = existing
        .into_iter()
        .filter(|f| f != FINALIZER_ORPHAN && f != FINALIZER_FOREGROUND)
        .collect();
    if orphan {
        out.push(FINALIZER_ORPHAN.into());
    }
    if foreground {
        out.push(FINALIZER_FOREGROUND.into());
    }
    out
}

/// The scale of a scalable object.
fn scale_of(obj: &Object) -> Option<Scale> {
    let (spec_replicas, status_replicas, selector) = match obj {
        Object::StatefulSet(s) => {
            let spec = s.spec.as_ref();
            (
                spec.and_then(|s| s.replicas).unwrap_or(1),
                s.status.as_ref().map_or(0, |s| s.replicas),
                spec.map(|s| s.selector.clone()),
            )
        }
        Object::Deployment(d) => {
            let spec = d.spec.as_ref();
            (
                spec.and_then(|s| s.replicas).unwrap_or(1),
                d.status.as_ref().and_then(|s| s.replicas).unwrap_or(0),
                spec.map(|s| s.selector.clone()),
            )
        }
        Object::ReplicaSet(r) => {
            let spec = r.spec.as_ref();
            (
                spec.and_then(|s| s.replicas).unwrap_or(1),
                r.status.as_ref().map_or(0, |s| s.replicas),
                spec.map(|s| s.selector.clone()),
            )
        }
        _ => return None,
    };
    Some(Scale {
        spec_replicas,
        status_replicas,
        selector: selector
            .map(|s| {
                LabelSelector::from_k8s(&s)
                    .map(|l| l.to_string())
                    .unwrap_or_default()
            })
            .unwrap_or_default(),
    })
}

/// `/v1, Resource=pods` or `apps/v1, Resource=statefulsets`: how list errors name a resource.
fn group_version_resource(kind: Kind) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        format!("/{}, Resource={}", info.version, info.plural)
    } else {
        format!("{}/{}, Resource={}", info.group, info.version, info.plural)
    }
}

#[cfg(test)]
mod tests;
