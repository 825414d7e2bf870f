//! The EndpointSlice controller (`pkg/controller/endpointslice`, reconciler in
//! `staging/src/k8s.io/endpointslice`): slices labelled `kubernetes.io/service-name` and
//! `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, owned by the
//! Service, named `<service>-<5 random>`, at most 100 endpoints each, one group of slices per
//! set of resolved ports. Unlike the Endpoints object, terminating pods stay, with conditions
//! `ready` (serving and not terminating, or `publishNotReadyAddresses`), `serving` (the pod's
//! Ready condition) and `terminating`. CoreDNS reads these (D7).
//!
//! Placement is simpler than upstream's but keeps its visible habits: endpoints stay in the
//! slice they are in, changed ones are updated in place, new ones fill slices already being
//! updated and then new slices, emptied slices are recycled for new ones or deleted, and a
//! Service with no endpoints keeps one placeholder slice without ports or endpoints.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, Service};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, TriggerTimeTracker, endpoint_hostname, find_port,
    is_headless, pod_ip, pod_reference, pods_for_service, publishes_not_ready, service_keys_for,
    service_of, service_ports, service_selector, should_pod_be_in_endpoints,
};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, WatchEvent};
use crate::controllers::replicaset::{is_pod_ready, new_controller_ref, pod_of, retry_backoff};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, Requeue, TimingProfile};

/// The controller's name.
pub const COMPONENT: &str = "endpointslice-controller";
/// `discovery.LabelServiceName`.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// `discovery.LabelManagedBy`.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's value of the managed-by label.
pub const MANAGED_BY: &str = "endpointslice-controller.k8s.io";
/// `maxEndpointsPerSlice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// The node label that gives an endpoint its zone.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// The EndpointSlice controller.
#[derive(Default)]
pub struct EndpointSliceController {
    tracker: TriggerTimeTracker,
    failures: BTreeMap<ObjectKey, u32>,
}

impl EndpointSliceController {
    /// A controller with no history.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Controller for EndpointSliceController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        let obj = &event.object;
        if obj.kind() == Kind::EndpointSlice {
            // A managed slice changed or vanished behind our back: resync its Service.
            return match (
                obj.labels().get(MANAGED_BY_LABEL),
                obj.labels().get(SERVICE_NAME_LABEL),
            ) {
                (Some(m), Some(svc)) if m == MANAGED_BY => {
                    vec![ObjectKey::new(Kind::Service, obj.namespace(), svc.clone())]
                }
                _ => vec![],
            };
        }
        service_keys_for(event, api)
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match sync_service(cx, key, &mut self.tracker) {
            Ok(true) => {
                self.failures.remove(key);
                Requeue::No
            }
            // Ok(false): a pod's node is missing; retry like an error, as upstream does.
            Ok(false) | Err(_) => {
                let n = self.failures.entry(key.clone()).or_insert(0);
                let delay = retry_backoff(*n);
                *n += 1;
                Requeue::After(delay)
            }
        }
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile.get("endpointslice.reaction")
    }
}

/// The slices this controller manages for a Service, in name order.
pub fn managed_slices(api: &ApiServer, namespace: &str, service: &str) -> Vec<EndpointSlice> {
    api.iter_kind(Kind::EndpointSlice, Some(namespace))
        .filter(|o| {
            o.labels().get(SERVICE_NAME_LABEL).map(String::as_str) == Some(service)
                && o.labels().get(MANAGED_BY_LABEL).map(String::as_str) == Some(MANAGED_BY)
        })
        .filter_map(|o| match &**o {
            Object::EndpointSlice(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// `podToEndpoint`.
fn pod_to_endpoint(
    pod: &k8s_openapi::api::core::v1::Pod,
    node: Option<&Node>,
    svc: &Service,
) -> Endpoint {
    let serving = is_pod_ready(pod);
    let terminating = pod.metadata.deletion_timestamp.is_some();
    let ready = publishes_not_ready(svc) || (serving && !terminating);
    let zone = node
        .and_then(|n| n.metadata.labels.as_ref())
        .and_then(|l| l.get(ZONE_LABEL))
        .filter(|z| !z.is_empty())
        .cloned();
    Endpoint {
        addresses: vec![pod_ip(pod).unwrap_or_default().to_string()],
        conditions: Some(EndpointConditions {
            ready: Some(ready),
            serving: Some(serving),
            terminating: Some(terminating),
        }),
        hostname: endpoint_hostname(pod, svc),
        node_name: pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .filter(|n| !n.is_empty()),
        target_ref: Some(pod_reference(pod)),
        zone,
        ..Default::default()
    }
}

/// The resolved ports of a pod for a Service (`getEndpointPorts`): a port whose named target
/// the pod lacks is left out.
fn endpoint_ports(pod: &k8s_openapi::api::core::v1::Pod, svc: &Service) -> Vec<EndpointPort> {
    service_ports(svc)
        .iter()
        .filter_map(|sp| {
            find_port(pod, sp).map(|port| EndpointPort {
                name: Some(sp.name.clone().unwrap_or_default()),
                port: Some(port),
                protocol: Some(sp.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: sp.app_protocol.clone(),
            })
        })
        .collect()
}

fn ports_key(ports: &[EndpointPort]) -> String {
    serde_json::to_string(ports).unwrap_or_default()
}

fn slice_ports(s: &EndpointSlice) -> Vec<EndpointPort> {
    s.ports.clone().unwrap_or_default()
}

/// `syncService` + `reconcile` for one Service. Returns false when a pod had to be left out
/// because its node is unknown (the Service is retried).
pub fn sync_service(
    cx: &mut Cx<'_>,
    key: &ObjectKey,
    tracker: &mut TriggerTimeTracker,
) -> Result<bool, ApiError> {
    let Some(svc_obj) = cx.read().try_get(key).cloned() else {
        // Slices go with their owner (garbage collection).
        tracker.delete_service(key);
        return Ok(true);
    };
    let Some(svc) = service_of(&svc_obj) else {
        return Ok(true);
    };
    let existing = managed_slices(cx.read(), &key.namespace, &key.name);
    let external = svc.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("ExternalName");
    if external {
        for s in existing {
            delete_slice(cx, &key.namespace, &s)?;
        }
        return Ok(true);
    }
    if service_selector(svc).is_none() {
        return Ok(true);
    }
    let pods = pods_for_service(cx.read(), svc);
    let trigger = tracker.compute(key, svc, &pods);
    let ipv6 = svc
        .spec
        .as_ref()
        .and_then(|s| s.ip_families.as_ref())
        .and_then(|f| f.first())
        .is_some_and(|f| f == "IPv6");
    let address_type = if ipv6 { "IPv6" } else { "IPv4" };

    // Desired endpoints, grouped by resolved port set.
    let mut complete = true;
    let mut desired: BTreeMap<String, (Vec<EndpointPort>, Vec<Endpoint>)> = BTreeMap::new();
    for pod in pods.iter().filter_map(|o| pod_of(o)) {
        if !should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        if pod_ip(pod).is_some_and(|ip| ip.contains(':') != ipv6) {
            continue;
        }
        let node_name = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .unwrap_or("");
        let node = if node_name.is_empty() {
            None
        } else {
            match cx
                .read()
                .try_get(&ObjectKey::cluster(Kind::Node, node_name))
                .map(|o| &**o)
            {
                Some(Object::Node(n)) => Some(n.clone()),
                _ => {
                    complete = false;
                    continue;
                }
            }
        };
        let ports = endpoint_ports(pod, svc);
        let ep = pod_to_endpoint(pod, node.as_ref(), svc);
        desired
            .entry(ports_key(&ports))
            .or_insert_with(|| (ports, Vec::new()))
            .1
            .push(ep);
    }

    let labels = slice_labels(svc, &key.name);
    let mut to_create: Vec<EndpointSlice> = Vec::new();
    let mut to_update: Vec<EndpointSlice> = Vec::new();
    let mut to_delete: Vec<EndpointSlice> = Vec::new();
    let mut unchanged: Vec<EndpointSlice> = Vec::new();

    // Existing slices: keep their desired endpoints in place.
    let mut placed: BTreeMap<String, Vec<bool>> = desired
        .iter()
        .map(|(k, (_, eps))| (k.clone(), vec![false; eps.len()]))
        .collect();
    for slice in existing {
        let pkey = ports_key(&slice_ports(&slice));
        let wrong_type = slice.address_type != address_type;
        let Some((_, want)) = desired.get(&pkey).filter(|_| !wrong_type) else {
            to_delete.push(slice);
            continue;
        };
        let Some(marks) = placed.get_mut(&pkey) else {
            to_delete.push(slice);
            continue;
        };
        let mut kept = Vec::new();
        let mut changed = false;
        for ep in &slice.endpoints {
            let uid = ep.target_ref.as_ref().and_then(|r| r.uid.clone());
            let found = want.iter().enumerate().find(|(i, w)| {
                !marks[*i] && w.target_ref.as_ref().and_then(|r| r.uid.clone()) == uid
            });
            match found {
                Some((i, w)) => {
                    marks[i] = true;
                    if w != ep {
                        changed = true;
                    }
                    kept.push(w.clone());
                }
                None => changed = true,
            }
        }
        let labels_changed = slice.metadata.labels.as_ref() != Some(&labels);
        let mut slice = slice;
        slice.endpoints = kept;
        if slice.endpoints.is_empty() {
            to_delete.push(slice);
        } else if changed || labels_changed {
            slice.metadata.labels = Some(labels.clone());
            to_update.push(slice);
        } else {
            unchanged.push(slice);
        }
    }

    // New endpoints: fill slices being updated, then new slices.
    for (pkey, (ports, want)) in &desired {
        let Some(marks) = placed.get(pkey) else {
            continue;
        };
        let mut pending: Vec<Endpoint> = want
            .iter()
            .zip(marks)
            .filter(|(_, m)| !**m)
            .map(|(e, _)| e.clone())
            .collect();
        for slice in to_update
            .iter_mut()
            .filter(|s| ports_key(&slice_ports(s)) == *pkey)
        {
            while slice.endpoints.len() < MAX_ENDPOINTS_PER_SLICE && !pending.is_empty() {
                slice.endpoints.push(pending.remove(0));
            }
        }
        while !pending.is_empty() {
            let take = pending.len().min(MAX_ENDPOINTS_PER_SLICE);
            let mut slice = new_slice(&svc_obj, &labels, ports.clone(), address_type);
            slice.endpoints = pending.drain(..take).collect();
            to_create.push(slice);
        }
    }

    // A Service without endpoints keeps one placeholder slice.
    let total_after = to_create.len() + to_update.len() + unchanged.len();
    if total_after == 0 {
        let placeholder = new_slice(&svc_obj, &labels, Vec::new(), address_type);
        let reusable = to_delete.len() == 1
            && to_delete[0].endpoints.is_empty()
            && slice_ports(&to_delete[0]).is_empty()
            && to_delete[0].address_type == address_type
            && to_delete[0].metadata.labels.as_ref() == Some(&labels);
        if reusable {
            to_delete.clear();
        } else {
            to_create.push(placeholder);
        }
    }

    // Recycle slices to delete as slices to create (fewer names churn).
    while !to_create.is_empty() && !to_delete.is_empty() {
        let old = to_delete.remove(0);
        let mut fresh = to_create.remove(0);
        fresh.metadata.name = old.metadata.name.clone();
        fresh.metadata.generate_name = old.metadata.generate_name.clone();
        fresh.metadata.resource_version = old.metadata.resource_version.clone();
        fresh.metadata.uid = old.metadata.uid.clone();
        fresh.metadata.creation_timestamp = old.metadata.creation_timestamp.clone();
        fresh.metadata.annotations = old.metadata.annotations.clone();
        to_update.push(fresh);
    }

    for mut slice in to_create {
        set_trigger_time(&mut slice, trigger);
        let name = format!("{}-{}", key.name, cx.rng.name_suffix(5));
        slice.metadata.name = Some(name);
        cx.create(Object::EndpointSlice(slice))?;
    }
    for mut slice in to_update {
        set_trigger_time(&mut slice, trigger);
        cx.update(Object::EndpointSlice(slice))?;
    }
    for slice in to_delete {
        delete_slice(cx, &key.namespace, &slice)?;
    }
    Ok(complete)
}

fn delete_slice(cx: &mut Cx<'_>, namespace: &str, slice: &EndpointSlice) -> Result<(), ApiError> {
    let key = ObjectKey::new(
        Kind::EndpointSlice,
        namespace,
        slice.metadata.name.clone().unwrap_or_default(),
    );
    match cx.delete(&key, &DeleteOptions::default()) {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// `setEndpointSliceLabels`: the Service's labels (minus the reserved ones), the Service name,
/// the manager, and the headless marker.
fn slice_labels(svc: &Service, name: &str) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = svc
        .metadata
        .labels
        .iter()
        .flatten()
        .filter(|(k, _)| {
            k.as_str() != SERVICE_NAME_LABEL
                && k.as_str() != MANAGED_BY_LABEL
                && k.as_str() != HEADLESS_LABEL
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    labels.insert(SERVICE_NAME_LABEL.into(), name.into());
    labels.insert(MANAGED_BY_LABEL.into(), MANAGED_BY.into());
    if is_headless(svc) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    }
    labels
}

/// `newEndpointSlice`: generateName `<service>-`, owned by the Service.
fn new_slice(
    svc_obj: &Arc<Object>,
    labels: &BTreeMap<String, String>,
    ports: Vec<EndpointPort>,
    address_type: &str,
) -> EndpointSlice {
    EndpointSlice {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}-", svc_obj.name())),
            namespace: Some(svc_obj.namespace().to_string()),
            labels: Some(labels.clone()),
            owner_references: Some(vec![new_controller_ref(svc_obj)]),
            ..Default::default()
        },
        address_type: address_type.to_string(),
        endpoints: Vec::new(),
        ports: Some(ports),
    }
}

/// `addTriggerTimeAnnotation`.
fn set_trigger_time(slice: &mut EndpointSlice, trigger: Option<SimTime>) {
    let mut annotations = slice.metadata.annotations.clone().unwrap_or_default();
    match trigger {
        Some(t) => {
            annotations.insert(LAST_CHANGE_TRIGGER_TIME.into(), t.rfc3339());
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    slice.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
}
