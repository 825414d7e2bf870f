//! `kubectl describe` (`staging/src/k8s.io/kubectl/pkg/cmd/describe/describe.go`) for pods,
//! StatefulSets, Deployments, PVCs, PVs, nodes and services, each with its related objects
//! and events, through the describers of `printers::describe`.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Pod};

use super::resource::{self, Rules, Scope, Targets};
use super::{CmdResult, Cx, Failure, client_err, reject_flags};
use crate::api::selector::LabelSelector;
use crate::api::{Kind, Object, ObjectKey};
use crate::controllers::deployment::util as deployutil;
use crate::printers::describe as d;

/// Runs `kubectl describe`.
pub(crate) fn run(cx: &mut Cx) -> CmdResult {
    reject_flags(cx, &["filename", "kustomize", "recursive"])?;
    if cx.p.args.is_empty() {
        return Err(client_err(
            "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.",
        ));
    }
    let scope = Scope::from_flags(cx);
    let targets = resource::targets(
        &cx.p.args,
        Rules {
            allow_empty_selector: true,
            has_selector: scope.has_selector(),
            select_all: false,
        },
    )?;
    resource::warn_deprecated(cx, &targets);
    let (found, mut errors) = resource::find(cx, &targets, &scope);
    let mut objects: Vec<Arc<Object>> = found.into_iter().flat_map(|f| f.objects).collect();
    // A name that matches nothing describes the objects whose names start with it.
    if let Targets::Named(names) = &targets {
        let mut kept = Vec::new();
        for e in errors.drain(..) {
            let mut matched = false;
            if let super::errors::KubectlError::Status { error, .. } = &e
                && error.is_not_found()
                && let Some(details) = &error.details
                && let Some((kind, _)) = names.iter().find(|(_, n)| *n == details.name)
            {
                let prefix = details.name.clone();
                let all = resource::list(
                    cx,
                    *kind,
                    &Scope {
                        label_selector: String::new(),
                        field_selector: String::new(),
                        ..scope.clone()
                    },
                )?;
                let hits: Vec<Arc<Object>> = all
                    .into_iter()
                    .filter(|o| o.name().starts_with(&prefix))
                    .collect();
                if !hits.is_empty() {
                    matched = true;
                    objects.extend(hits);
                }
            }
            if !matched {
                kept.push(e);
            }
        }
        errors = kept;
    }
    if objects.is_empty() && errors.is_empty() {
        let ns = scope.namespace.clone();
        let namespaced = !scope.all_namespaces && targets.kinds().iter().all(|k| k.is_namespaced());
        cx.err.push_str(&crate::printers::table::no_resources_found(
            namespaced.then_some(ns.as_str()),
        ));
        return Ok(());
    }
    let show_events = cx.p.bool("show-events");
    let mut first = true;
    for obj in &objects {
        let text = describe_one(cx, obj, show_events)?;
        if first {
            first = false;
        } else {
            cx.out.push_str("\n\n");
        }
        cx.out.push_str(&text);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

/// The events about `obj` (what the describer's field selector asks for).
fn events(cx: &Cx, obj: &Object) -> Vec<Event> {
    let ns = if obj.kind().is_namespaced() {
        obj.namespace().to_string()
    } else {
        "default".to_string()
    };
    let all: Vec<Event> = cx
        .sim()
        .api()
        .iter_kind(Kind::Event, Some(&ns))
        .filter_map(|o| match o.as_ref() {
            Object::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    d::events_for(
        &all,
        obj.kind().info().kind,
        if obj.kind().is_namespaced() {
            obj.namespace()
        } else {
            ""
        },
        obj.name(),
        obj.uid(),
    )
}

fn pods_in(cx: &Cx, namespace: Option<&str>) -> Vec<Pod> {
    cx.sim()
        .api()
        .iter_kind(Kind::Pod, namespace)
        .filter_map(|o| match o.as_ref() {
            Object::Pod(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn describe_one(cx: &Cx, obj: &Object, show_events: bool) -> Result<String, Failure> {
    let now = cx.now();
    let evs = events(cx, obj);
    let ev = show_events.then_some(evs.as_slice());
    Ok(match obj {
        Object::Pod(p) => d::describe_pod(p, ev, now),
        Object::StatefulSet(s) => {
            let sel = LabelSelector::from_k8s_opt(s.spec.as_ref().map(|x| &x.selector))
                .unwrap_or_else(|_| LabelSelector::nothing());
            let pods: Vec<Pod> = pods_in(cx, Some(obj.namespace()))
                .into_iter()
                .filter(|p| sel.matches(p.metadata.labels.as_ref().unwrap_or(&Default::default())))
                .collect();
            d::describe_statefulset(s, &pods, ev, now)
        }
        Object::Deployment(dep) => {
            let rss: Vec<k8s_openapi::api::apps::v1::ReplicaSet> = cx
                .sim()
                .api()
                .iter_kind(Kind::ReplicaSet, Some(obj.namespace()))
                .filter(|o| o.controller_ref().is_some_and(|r| r.uid == obj.uid()))
                .filter_map(|o| match o.as_ref() {
                    Object::ReplicaSet(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            let template = dep.spec.clone().unwrap_or_default().template;
            let new = rss.iter().find(|rs| {
                rs.spec
                    .as_ref()
                    .and_then(|s| s.template.as_ref())
                    .is_some_and(|t| deployutil::equal_ignore_hash(t, &template))
            });
            let old: Vec<&k8s_openapi::api::apps::v1::ReplicaSet> = rss
                .iter()
                .filter(|rs| new.is_none_or(|n| n.metadata.uid != rs.metadata.uid))
                .collect();
            d::describe_deployment(dep, &old, new, ev, now)
        }
        Object::PersistentVolumeClaim(pvc) => {
            let pods = pods_in(cx, Some(obj.namespace()));
            let used = d::pods_using_claim(pvc, &pods);
            d::describe_persistent_volume_claim(pvc, &used, ev, now)
        }
        Object::PersistentVolume(pv) => d::describe_persistent_volume(pv, ev, now),
        Object::Node(node) => {
            let pods: Vec<Pod> = pods_in(cx, None)
                .into_iter()
                .filter(|p| {
                    p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(obj.name())
                        && !matches!(
                            p.status.as_ref().and_then(|s| s.phase.as_deref()),
                            Some("Succeeded") | Some("Failed")
                        )
                })
                .collect();
            let lease = cx
                .sim()
                .api()
                .try_get(&ObjectKey::new(Kind::Lease, "kube-node-lease", obj.name()))
                .and_then(|o| match o.as_ref() {
                    Object::Lease(l) => Some(l.clone()),
                    _ => None,
                });
            d::describe_node(node, &pods, lease.as_ref(), ev, now)
        }
        Object::Service(svc) => {
            let slices: Vec<k8s_openapi::api::discovery::v1::EndpointSlice> = cx
                .sim()
                .api()
                .iter_kind(Kind::EndpointSlice, Some(obj.namespace()))
                .filter(|o| {
                    o.labels()
                        .get("kubernetes.io/service-name")
                        .map(String::as_str)
                        == Some(obj.name())
                })
                .filter_map(|o| match o.as_ref() {
                    Object::EndpointSlice(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            d::describe_service(svc, &slices, ev, now)
        }
        other => {
            return Err(Failure::Text(format!(
                "stsim: `kubectl describe {}` is not supported by the simulator (supported: pods, statefulsets, deployments, persistentvolumeclaims, persistentvolumes, nodes, services)\n",
                other.kind().info().plural
            )));
        }
    })
}
