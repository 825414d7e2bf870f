//! Service endpoints: the legacy Endpoints controller (`pkg/controller/endpoint`) here, the
//! EndpointSlice controller in [`mod@slice`], and what they share
//! (`spec/storage-scheduling-kubelet.md` §5.1, D2–D3): which pods back a Service, how a pod
//! becomes an address, how a named target port resolves, and the
//! `endpoints.kubernetes.io/last-change-trigger-time` tracker.
//!
//! A pod backs a Service when the Service has a selector that matches it, the pod has an IP and
//! is not Succeeded/Failed. An address carries the pod IP, `nodeName`, a `targetRef` to the pod,
//! and `hostname` when the pod's `spec.hostname` is set and its `spec.subdomain` names this
//! Service: that is what gives StatefulSet pods their `web-0.nginx` DNS name.

pub mod slice;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
    ServicePort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{ApiError, ApiServer, Client, DeleteOptions, WatchEvent};
use crate::controllers::replicaset::{is_pod_ready, is_pod_terminal, pod_of, retry_backoff};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, Requeue, TimingProfile};

/// The controller's name.
pub const COMPONENT: &str = "endpoint-controller";
/// `v1.EndpointsLastChangeTriggerTime`.
pub const LAST_CHANGE_TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";
/// `v1.IsHeadlessService`: on Endpoints and EndpointSlices of a headless Service.
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

// ----- shared helpers -----

/// The Service inside an object, if it is one.
pub fn service_of(obj: &Object) -> Option<&Service> {
    match obj {
        Object::Service(s) => Some(s),
        _ => None,
    }
}

/// `spec.selector`; `None` for a selectorless Service (its endpoints are the user's).
pub fn service_selector(svc: &Service) -> Option<&BTreeMap<String, String>> {
    svc.spec.as_ref()?.selector.as_ref()
}

/// `spec.clusterIP` is `None`.
pub fn is_headless(svc: &Service) -> bool {
    svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None")
}

/// `spec.publishNotReadyAddresses`.
pub fn publishes_not_ready(svc: &Service) -> bool {
    svc.spec
        .as_ref()
        .and_then(|s| s.publish_not_ready_addresses)
        .unwrap_or(false)
}

/// The Service's ports.
pub fn service_ports(svc: &Service) -> &[ServicePort] {
    svc.spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or(&[])
}

/// `status.podIP` (or the first of `podIPs`), if assigned.
pub fn pod_ip(pod: &Pod) -> Option<&str> {
    let status = pod.status.as_ref()?;
    status
        .pod_ip
        .as_deref()
        .filter(|ip| !ip.is_empty())
        .or_else(|| {
            status
                .pod_ips
                .as_ref()
                .and_then(|v| v.first())
                .map(|p| p.ip.as_str())
        })
}

/// `ShouldPodBeInEndpoints`: not terminal, has an IP, and (unless `include_terminating`)
/// not being deleted.
pub fn should_pod_be_in_endpoints(pod: &Pod, include_terminating: bool) -> bool {
    if is_pod_terminal(pod) || pod_ip(pod).is_none() {
        return false;
    }
    include_terminating || pod.metadata.deletion_timestamp.is_none()
}

/// `ShouldSetHostname`: the pod names this Service as its subdomain.
pub fn endpoint_hostname(pod: &Pod, svc: &Service) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let hostname = spec.hostname.as_deref().filter(|h| !h.is_empty())?;
    let same_ns = pod.metadata.namespace == svc.metadata.namespace;
    (spec.subdomain.as_deref() == svc.metadata.name.as_deref() && same_ns)
        .then(|| hostname.to_string())
}

/// `podutil.FindPort`: a numeric target port as is; a named one is looked up among the pod's
/// container ports with the Service port's protocol.
pub fn find_port(pod: &Pod, port: &ServicePort) -> Option<i32> {
    let protocol = port.protocol.as_deref().unwrap_or("TCP");
    match &port.target_port {
        None => Some(port.port),
        Some(IntOrString::Int(p)) => Some(*p),
        Some(IntOrString::String(name)) => pod
            .spec
            .as_ref()?
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().flatten())
            .find(|p| {
                p.name.as_deref() == Some(name)
                    && p.protocol.as_deref().unwrap_or("TCP") == protocol
            })
            .map(|p| p.container_port),
    }
}

/// The pods in the Service's namespace that its selector matches, in name order.
pub fn pods_for_service(api: &ApiServer, svc: &Service) -> Vec<Arc<Object>> {
    let Some(selector) = service_selector(svc) else {
        return Vec::new();
    };
    let ns = svc.metadata.namespace.as_deref().unwrap_or("");
    api.iter_kind(Kind::Pod, Some(ns))
        .filter(|o| selector.iter().all(|(k, v)| o.labels().get(k) == Some(v)))
        .cloned()
        .collect()
}

/// A reference to a pod, as endpoints carry it.
pub fn pod_reference(pod: &Pod) -> ObjectReference {
    ObjectReference {
        kind: Some("Pod".into()),
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        ..Default::default()
    }
}

/// The Services in `namespace` whose selector matches `labels`.
pub fn services_selecting(
    api: &ApiServer,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Vec<ObjectKey> {
    api.iter_kind(Kind::Service, Some(namespace))
        .filter(|o| {
            service_of(o)
                .and_then(service_selector)
                .is_some_and(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
        })
        .map(|o| o.key())
        .collect()
}

/// The Service keys a watch event concerns: the Service itself, or the Services selecting a
/// pod before or after the change.
pub fn service_keys_for(event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
    let obj = &event.object;
    let mut keys = Vec::new();
    match obj.kind() {
        Kind::Service => keys.push(obj.key()),
        Kind::Pod => {
            for state in std::iter::once(obj).chain(event.old.as_ref()) {
                keys.extend(services_selecting(api, state.namespace(), state.labels()));
            }
        }
        _ => {}
    }
    keys.sort();
    keys.dedup();
    keys
}

/// `TriggerTimeTracker`: remembers, per Service, the pods' Ready transition times and the
/// Service's creation time seen at the last sync; the trigger time of a sync is the earliest of
/// those that moved forward since (none: the annotation is cleared).
#[derive(Debug, Default)]
pub struct TriggerTimeTracker {
    state: BTreeMap<ObjectKey, TrackerState>,
}

#[derive(Debug, Default)]
struct TrackerState {
    pods: BTreeMap<String, SimTime>,
    service: Option<SimTime>,
}

impl TriggerTimeTracker {
    /// `ComputeEndpointLastChangeTriggerTime` for `svc` over the pods it selects.
    pub fn compute(
        &mut self,
        key: &ObjectKey,
        svc: &Service,
        pods: &[Arc<Object>],
    ) -> Option<SimTime> {
        let state = self.state.entry(key.clone()).or_default();
        let mut min: Option<SimTime> = None;
        let mut seen = BTreeMap::new();
        for pod in pods.iter().filter_map(|o| pod_of(o)) {
            let Some(t) = crate::controllers::replicaset::pod_ready_condition(pod)
                .and_then(|c| c.last_transition_time.as_ref())
                .and_then(SimTime::from_k8s_time)
            else {
                continue;
            };
            let name = pod.metadata.name.clone().unwrap_or_default();
            if state.pods.get(&name).is_none_or(|last| t > *last) {
                min = Some(min.map_or(t, |m| m.min(t)));
            }
            seen.insert(name, t);
        }
        let svc_time = svc
            .metadata
            .creation_timestamp
            .as_ref()
            .and_then(SimTime::from_k8s_time);
        if let Some(t) = svc_time
            && state.service.is_none_or(|last| t > last)
        {
            min = Some(min.map_or(t, |m| m.min(t)));
        }
        state.pods = seen;
        state.service = svc_time;
        min
    }

    /// Forgets a deleted Service.
    pub fn delete_service(&mut self, key: &ObjectKey) {
        self.state.remove(key);
    }
}

// ----- the Endpoints controller -----

/// The legacy Endpoints controller: one `Endpoints` object per Service with a selector, named
/// like the Service, ready addresses under `addresses` and the others under
/// `notReadyAddresses`.
#[derive(Default)]
pub struct EndpointsController {
    tracker: TriggerTimeTracker,
    failures: BTreeMap<ObjectKey, u32>,
}

impl EndpointsController {
    /// A controller with no history.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Controller for EndpointsController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn keys_for(&self, event: &WatchEvent, api: &ApiServer) -> Vec<ObjectKey> {
        service_keys_for(event, api)
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        match sync_service(cx, key, &mut self.tracker) {
            Ok(()) => {
                self.failures.remove(key);
                Requeue::No
            }
            Err(_) => {
                let n = self.failures.entry(key.clone()).or_insert(0);
                let delay = retry_backoff(*n);
                *n += 1;
                Requeue::After(delay)
            }
        }
    }

    fn reaction(&self, profile: &TimingProfile) -> SimDuration {
        profile.get("endpoints.reaction")
    }
}

/// `syncService` of the Endpoints controller.
pub fn sync_service(
    cx: &mut Cx<'_>,
    key: &ObjectKey,
    tracker: &mut TriggerTimeTracker,
) -> Result<(), ApiError> {
    let ep_key = ObjectKey::new(Kind::Endpoints, key.namespace.clone(), key.name.clone());
    let Some(svc_obj) = cx.read().try_get(key).cloned() else {
        tracker.delete_service(key);
        if cx.read().try_get(&ep_key).is_some() {
            match cx.delete(&ep_key, &DeleteOptions::default()) {
                Ok(_) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        return Ok(());
    };
    let Some(svc) = service_of(&svc_obj) else {
        return Ok(());
    };
    if service_selector(svc).is_none() {
        return Ok(());
    }
    let pods = pods_for_service(cx.read(), svc);
    let trigger = tracker.compute(key, svc, &pods);
    let tolerate_unready = publishes_not_ready(svc);
    let mut subsets: Vec<EndpointSubset> = Vec::new();
    for pod in pods.iter().filter_map(|o| pod_of(o)) {
        if !should_pod_be_in_endpoints(pod, tolerate_unready) {
            continue;
        }
        let address = EndpointAddress {
            ip: pod_ip(pod).unwrap_or_default().to_string(),
            hostname: endpoint_hostname(pod, svc),
            node_name: pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .filter(|n| !n.is_empty()),
            target_ref: Some(pod_reference(pod)),
        };
        let ready = tolerate_unready || is_pod_ready(pod);
        let ports = service_ports(svc);
        if ports.is_empty() {
            if is_headless(svc) {
                subsets.push(subset(address, None, ready));
            }
            continue;
        }
        for sp in ports {
            let Some(port) = find_port(pod, sp) else {
                continue;
            };
            let ep_port = EndpointPort {
                name: sp.name.clone().filter(|n| !n.is_empty()),
                port,
                protocol: Some(sp.protocol.clone().unwrap_or_else(|| "TCP".into())),
                app_protocol: sp.app_protocol.clone(),
            };
            subsets.push(subset(address.clone(), Some(ep_port), ready));
        }
    }
    let subsets = repack_subsets(subsets);
    let current = cx.read().try_get(&ep_key).cloned();
    let current_ep = current.as_deref().and_then(|o| match o {
        Object::Endpoints(e) => Some(e.clone()),
        _ => None,
    });
    let svc_labels = svc.metadata.labels.clone().unwrap_or_default();
    if let Some(cur) = &current_ep {
        let mut compare = cur.metadata.labels.clone().unwrap_or_default();
        compare.remove(HEADLESS_LABEL);
        let cur_subsets = cur.subsets.clone().unwrap_or_default();
        if subsets_equal_ignoring_rv(&cur_subsets, &subsets) && compare == svc_labels {
            return Ok(());
        }
    }
    let mut ep = current_ep.clone().unwrap_or_else(|| Endpoints {
        metadata: ObjectMeta {
            name: Some(key.name.clone()),
            namespace: Some(key.namespace.clone()),
            ..Default::default()
        },
        subsets: None,
    });
    ep.subsets = (!subsets.is_empty()).then_some(subsets);
    let mut annotations = ep.metadata.annotations.clone().unwrap_or_default();
    match trigger {
        Some(t) => {
            annotations.insert(LAST_CHANGE_TRIGGER_TIME.into(), t.rfc3339());
        }
        None => {
            annotations.remove(LAST_CHANGE_TRIGGER_TIME);
        }
    }
    ep.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
    let mut labels = svc_labels;
    if is_headless(svc) {
        labels.insert(HEADLESS_LABEL.into(), String::new());
    } else {
        labels.remove(HEADLESS_LABEL);
    }
    ep.metadata.labels = (!labels.is_empty()).then_some(labels);
    if current_ep.is_some() {
        cx.update(Object::Endpoints(ep))?;
    } else {
        cx.create(Object::Endpoints(ep))?;
    }
    Ok(())
}

fn subset(address: EndpointAddress, port: Option<EndpointPort>, ready: bool) -> EndpointSubset {
    let (addresses, not_ready) = if ready {
        (Some(vec![address]), None)
    } else {
        (None, Some(vec![address]))
    };
    EndpointSubset {
        addresses,
        not_ready_addresses: not_ready,
        ports: port.map(|p| vec![p]),
    }
}

/// Subsets compared with the pods' resourceVersions ignored
/// (`endpointSubsetsEqualIgnoreResourceVersion`).
fn subsets_equal_ignoring_rv(a: &[EndpointSubset], b: &[EndpointSubset]) -> bool {
    fn strip(s: &[EndpointSubset]) -> Vec<EndpointSubset> {
        let mut s = s.to_vec();
        for sub in &mut s {
            for a in sub
                .addresses
                .iter_mut()
                .flatten()
                .chain(sub.not_ready_addresses.iter_mut().flatten())
            {
                if let Some(r) = a.target_ref.as_mut() {
                    r.resource_version = None;
                }
            }
        }
        s
    }
    strip(a) == strip(b)
}

/// `RepackSubsets`: one subset per distinct set of addresses offering the same ports (an
/// address ready for one port is ready), addresses sorted by IP then pod uid. Upstream orders
/// ports and subsets by a hash of their Go dump; here ports sort by (name, port, protocol) and
/// subsets by their first port, which gives the same result for the usual single subset.
pub fn repack_subsets(subsets: Vec<EndpointSubset>) -> Vec<EndpointSubset> {
    // (ip, target uid)
    type AddrKey = (String, String);
    // (name, port, protocol)
    type PortKey = (String, i32, String);
    let mut addrs: BTreeMap<AddrKey, EndpointAddress> = BTreeMap::new();
    // port (as a sortable key) → address → ready
    let mut by_port: BTreeMap<PortKey, (Option<EndpointPort>, BTreeMap<AddrKey, bool>)> =
        BTreeMap::new();
    for s in &subsets {
        let ports: Vec<Option<EndpointPort>> = match &s.ports {
            Some(p) if !p.is_empty() => p.iter().cloned().map(Some).collect(),
            _ => vec![None],
        };
        for port in ports {
            let pkey = match &port {
                Some(p) => (
                    p.name.clone().unwrap_or_default(),
                    p.port,
                    p.protocol.clone().unwrap_or_default(),
                ),
                None => (String::new(), -1, String::new()),
            };
            let entry = by_port
                .entry(pkey)
                .or_insert_with(|| (port.clone(), BTreeMap::new()));
            for (list, ready) in [(&s.addresses, true), (&s.not_ready_addresses, false)] {
                for a in list.iter().flatten() {
                    let k = (
                        a.ip.clone(),
                        a.target_ref
                            .as_ref()
                            .and_then(|r| r.uid.clone())
                            .unwrap_or_default(),
                    );
                    addrs.entry(k.clone()).or_insert_with(|| a.clone());
                    let slot = entry.1.entry(k).or_insert(ready);
                    *slot = *slot || ready;
                }
            }
        }
    }
    // Group ports by identical address sets.
    let mut groups: Vec<(BTreeMap<AddrKey, bool>, Vec<EndpointPort>)> = Vec::new();
    for (_, (port, set)) in by_port {
        match groups.iter_mut().find(|(s, _)| *s == set) {
            Some((_, ports)) => ports.extend(port),
            None => groups.push((set, port.into_iter().collect())),
        }
    }
    groups
        .into_iter()
        .map(|(set, ports)| {
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            for (k, is_ready) in set {
                let a = addrs.get(&k).cloned().unwrap_or_default();
                if is_ready {
                    ready.push(a);
                } else {
                    not_ready.push(a);
                }
            }
            EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: (!ports.is_empty()).then_some(ports),
            }
        })
        .collect()
}
