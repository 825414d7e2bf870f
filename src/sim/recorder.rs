//! Kubernetes Events, as client-go's event recorder writes them: named
//! `<object>.<unix-nanos in hex>`, and aggregated (a repeat of the same event bumps `count` and
//! `lastTimestamp` instead of creating a new object), as the legacy `EventCorrelator` does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, EventSource as K8sEventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::ApiServer;
use crate::engine::SimTime;

/// Who reports an event (`source.component` and `source.host`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSource {
    /// `statefulset-controller`, `kubelet`, `default-scheduler`...
    pub component: String,
    /// The node, for the kubelet.
    pub host: Option<String>,
}

impl EventSource {
    /// A control-plane component.
    pub fn component(name: &str) -> Self {
        EventSource {
            component: name.to_string(),
            host: None,
        }
    }
}

/// The aggregation key of an event: what makes two events "the same".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct AggregateKey {
    component: String,
    host: String,
    involved: ObjectKey,
    involved_uid: String,
    type_: String,
    reason: String,
    message: String,
}

/// Remembers which Event object each aggregated event lives in.
#[derive(Default)]
pub struct EventRecorder {
    seen: BTreeMap<AggregateKey, ObjectKey>,
    /// The last name suffix (nanoseconds) given to an event about each object, so that events
    /// recorded within one virtual millisecond get distinct, increasing names as upstream's
    /// nanosecond clock gives them.
    last_nanos: BTreeMap<(String, String), u128>,
}

impl EventRecorder {
    /// Records one event; errors writing it are dropped, as client-go drops them.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        api: &mut ApiServer,
        now: SimTime,
        source: &EventSource,
        involved: &Object,
        type_: &str,
        reason: &str,
        message: &str,
    ) {
        let key = AggregateKey {
            component: source.component.clone(),
            host: source.host.clone().unwrap_or_default(),
            involved: involved.key(),
            involved_uid: involved.uid().to_string(),
            type_: type_.to_string(),
            reason: reason.to_string(),
            message: message.to_string(),
        };
        if let Some(existing) = self.seen.get(&key)
            && let Some(current) = api.try_get(existing).cloned()
            && let Object::Event(ev) = &*current
        {
            let mut ev = ev.clone();
            ev.count = Some(ev.count.unwrap_or(1) + 1);
            ev.last_timestamp = Some(now.to_k8s_time());
            ev.metadata.resource_version = None;
            if api.update(Object::Event(ev)).is_ok() {
                return;
            }
        }
        let namespace = if involved.namespace().is_empty() {
            "default".to_string()
        } else {
            involved.namespace().to_string()
        };
        let mut nanos = (now.unix_seconds() as u128) * 1_000_000_000
            + u128::from(now.as_ms() % 1000) * 1_000_000;
        let slot = self
            .last_nanos
            .entry((namespace.clone(), involved.name().to_string()))
            .or_insert(0);
        if nanos <= *slot {
            nanos = *slot + 1;
        }
        *slot = nanos;
        let mut name = format!("{}.{:x}", involved.name(), nanos);
        // An event object of that name left by someone else: move past it.
        while api
            .try_get(&ObjectKey::new(Kind::Event, &namespace, &name))
            .is_some()
        {
            nanos += 1;
            *slot = nanos;
            name = format!("{}.{:x}", involved.name(), nanos);
        }
        let info = involved.kind().info();
        let event = Event {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                ..Default::default()
            },
            involved_object: ObjectReference {
                api_version: Some(info.api_version()),
                kind: Some(info.kind.to_string()),
                name: Some(involved.name().to_string()),
                namespace: (!involved.namespace().is_empty())
                    .then(|| involved.namespace().to_string()),
                uid: Some(involved.uid().to_string()),
                resource_version: Some(involved.resource_version().to_string()),
                field_path: None,
            },
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            source: Some(K8sEventSource {
                component: Some(source.component.clone()),
                host: source.host.clone(),
            }),
            first_timestamp: Some(now.to_k8s_time()),
            last_timestamp: Some(now.to_k8s_time()),
            count: Some(1),
            type_: Some(type_.to_string()),
            reporting_component: Some(String::new()),
            reporting_instance: Some(String::new()),
            ..Default::default()
        };
        if api.create(Object::Event(event)).is_ok() {
            self.seen
                .insert(key, ObjectKey::new(Kind::Event, &namespace, &name));
        }
    }
}
