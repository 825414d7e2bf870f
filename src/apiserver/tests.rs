//! Unit tests of the API server's semantics: storage order, optimistic concurrency,
//! subresources, deletion with grace periods, finalizers and propagation, and the
//! determinism of the watch stream.

use serde_json::json;

use super::*;
use crate::controllers;

fn obj(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn server() -> ApiServer {
    let mut api = ApiServer::new(
        SimRng::from_seed(0).fork("apiserver"),
        ApiServerOptions::default(),
    );
    for ns in ["default", "kube-system"] {
        api.create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        ))
        .unwrap();
    }
    controllers::settle(&mut api, 10).unwrap();
    api
}

fn pod(name: &str) -> Object {
    obj(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}
    }))
}

fn configmap(name: &str) -> Object {
    obj(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"k": "v"}
    }))
}

fn sts(name: &str) -> Object {
    obj(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "serviceName": "nginx", "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}
        }
    }))
}

/// A pod owned by `owner` (controller reference, blocking owner deletion as the StatefulSet
/// controller sets it).
fn owned_pod(name: &str, owner: &Object) -> Object {
    let mut p = pod(name);
    p.meta_mut().owner_references = Some(vec![types::OwnerReference {
        api_version: owner.kind().info().api_version(),
        kind: owner.kind().info().kind.to_string(),
        name: owner.name().to_string(),
        uid: owner.uid().to_string(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    p
}

fn key(kind: Kind, name: &str) -> ObjectKey {
    ObjectKey::new(kind, "default", name)
}

fn scheduled(api: &mut ApiServer, name: &str) {
    api.bind_pod(&key(Kind::Pod, name), "kind-worker").unwrap();
}

use crate::api::types;

#[test]
fn create_sets_system_metadata_and_emits_added() {
    let mut api = server();
    let before = api.watch_events().len();
    let p = api.create(pod("web-0")).unwrap();
    let m = p.meta();
    assert!(m.uid.as_ref().is_some_and(|u| u.len() == 36));
    assert_eq!(m.creation_timestamp, Some(SimTime::ZERO.to_k8s_time()));
    assert_eq!(m.generation, Some(1));
    assert_eq!(p.resource_version(), api.resource_version().to_string());
    let events = api.watch_since(before);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, WatchEventType::Added);
    assert_eq!(*events[0].object, *p);
}

#[test]
fn listing_follows_etcd_key_order() {
    let mut api = server();
    for n in ["web-2", "web-10", "web-1", "web-0"] {
        api.create(pod(n)).unwrap();
    }
    let names: Vec<String> = api
        .list(Kind::Pod, Some("default"), &ListOptions::default())
        .unwrap()
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    assert_eq!(names, ["web-0", "web-1", "web-10", "web-2"]);
}

#[test]
fn list_filters_by_namespace_labels_and_fields() {
    let mut api = server();
    api.create(pod("a")).unwrap();
    let mut other = pod("b");
    other.meta_mut().labels = Some([("app".to_string(), "db".to_string())].into());
    api.create(other).unwrap();
    let mut sys = pod("c");
    sys.meta_mut().namespace = Some("kube-system".into());
    api.create(sys).unwrap();
    scheduled(&mut api, "a");

    let by_label = ListOptions {
        label_selector: Some("app=web".into()),
        ..Default::default()
    };
    let names = |v: Vec<Arc<Object>>| v.iter().map(|o| o.name().to_string()).collect::<Vec<_>>();
    assert_eq!(
        names(api.list(Kind::Pod, Some("default"), &by_label).unwrap()),
        ["a"]
    );
    assert_eq!(
        names(api.list(Kind::Pod, None, &ListOptions::default()).unwrap()),
        ["a", "b", "c"]
    );
    let by_field = ListOptions {
        field_selector: Some("spec.nodeName=kind-worker".into()),
        ..Default::default()
    };
    assert_eq!(names(api.list(Kind::Pod, None, &by_field).unwrap()), ["a"]);
    let bad = ListOptions {
        field_selector: Some("spec.foo=bar".into()),
        ..Default::default()
    };
    assert_eq!(
        api.list(Kind::Pod, Some("default"), &bad)
            .unwrap_err()
            .message,
        "Unable to find \"/v1, Resource=pods\" that match label selector \"\", field selector \"spec.foo=bar\": field label not supported: spec.foo"
    );
}

#[test]
fn create_of_an_existing_name_is_already_exists_and_changes_nothing() {
    let mut api = server();
    api.create(pod("web-0")).unwrap();
    let rv = api.resource_version();
    let events = api.watch_events().len();
    let err = api.create(pod("web-0")).unwrap_err();
    assert_eq!(err.reason, StatusReason::AlreadyExists);
    assert_eq!(err.message, "pods \"web-0\" already exists");
    assert_eq!(api.resource_version(), rv);
    assert_eq!(api.watch_events().len(), events);
}

#[test]
fn writes_into_a_missing_namespace_fail_as_for_real() {
    let mut api = server();
    let mut p = pod("x");
    p.meta_mut().namespace = Some("scenarios".into());
    let err = api.create(p).unwrap_err();
    assert_eq!(err.reason, StatusReason::NotFound);
    assert_eq!(err.message, "namespaces \"scenarios\" not found");
}

#[test]
fn writes_into_a_terminating_namespace_are_forbidden() {
    let mut api = server();
    api.create(obj(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
    ))
    .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    let mut running = pod("keeps-ns-alive");
    running.meta_mut().namespace = Some("demo".into());
    api.create(running).unwrap();
    api.bind_pod(
        &ObjectKey::new(Kind::Pod, "demo", "keeps-ns-alive"),
        "kind-worker",
    )
    .unwrap();
    let d = api
        .delete(
            &ObjectKey::cluster(Kind::Namespace, "demo"),
            &DeleteOptions::default(),
        )
        .unwrap();
    assert!(matches!(d, Deleted::Pending(_)));
    controllers::settle(&mut api, 10).unwrap();
    let mut cm = configmap("late");
    cm.meta_mut().namespace = Some("demo".into());
    let err = api.create(cm).unwrap_err();
    assert_eq!(err.reason, StatusReason::Forbidden);
    assert_eq!(
        err.message,
        "configmaps \"late\" is forbidden: unable to create new content in namespace demo because it is being terminated"
    );
    // Once the kubelet finishes the pod, the namespace controller lets the namespace go.
    api.delete(
        &ObjectKey::new(Kind::Pod, "demo", "keeps-ns-alive"),
        &DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    assert!(
        api.try_get(&ObjectKey::cluster(Kind::Namespace, "demo"))
            .is_none()
    );
}

#[test]
fn immortal_namespaces_cannot_be_deleted() {
    let mut api = server();
    let err = api
        .delete(
            &ObjectKey::cluster(Kind::Namespace, "default"),
            &DeleteOptions::default(),
        )
        .unwrap_err();
    assert_eq!(
        err.message,
        "namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
}

#[test]
fn a_stale_resource_version_is_a_conflict_with_the_real_text() {
    let mut api = server();
    let created = api.create(configmap("c")).unwrap();
    let mut first = (*created).clone();
    let mut second = (*created).clone();
    if let Object::ConfigMap(c) = &mut first {
        c.data = Some([("k".to_string(), "one".to_string())].into());
    }
    if let Object::ConfigMap(c) = &mut second {
        c.data = Some([("k".to_string(), "two".to_string())].into());
    }
    api.update(first).unwrap();
    let events = api.watch_events().len();
    let err = api.update(second).unwrap_err();
    assert_eq!(err.reason, StatusReason::Conflict);
    assert_eq!(err.reason.code(), 409);
    assert_eq!(
        err.message,
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    assert_eq!(api.watch_events().len(), events);
}

#[test]
fn an_update_without_resource_version_is_unconditional() {
    let mut api = server();
    api.create(configmap("c")).unwrap();
    let mut c = configmap("c");
    if let Object::ConfigMap(c) = &mut c {
        c.data = Some([("k".to_string(), "new".to_string())].into());
    }
    let updated = api.update(c).unwrap();
    assert_eq!(
        updated.resource_version(),
        api.resource_version().to_string()
    );
}

#[test]
fn a_no_op_update_writes_nothing() {
    let mut api = server();
    let c = api.create(configmap("c")).unwrap();
    let rv = api.resource_version();
    let same = api.update((*c).clone()).unwrap();
    assert_eq!(api.resource_version(), rv);
    assert_eq!(same.resource_version(), c.resource_version());
}

#[test]
fn update_of_a_missing_object_is_not_found() {
    let mut api = server();
    let err = api.update(configmap("nope")).unwrap_err();
    assert_eq!(err.message, "configmaps \"nope\" not found");
}

#[test]
fn main_resource_writes_cannot_change_status_and_spec_changes_bump_generation() {
    let mut api = server();
    let created = api.create(sts("web")).unwrap();
    assert_eq!(created.meta().generation, Some(1));
    let mut s = (*created).clone();
    if let Object::StatefulSet(s) = &mut s {
        s.status.as_mut().unwrap().replicas = 7;
        s.metadata.labels = Some([("x".to_string(), "y".to_string())].into());
    }
    let after_meta = api.update(s).unwrap();
    let Object::StatefulSet(st) = &*after_meta else {
        unreachable!()
    };
    assert_eq!(
        st.status.as_ref().unwrap().replicas,
        0,
        "status is ignored on the main resource"
    );
    assert_eq!(
        st.metadata.generation,
        Some(1),
        "metadata changes do not bump generation"
    );
    let mut s = (*after_meta).clone();
    if let Object::StatefulSet(s) = &mut s {
        s.spec.as_mut().unwrap().replicas = Some(5);
    }
    let after_spec = api.update(s).unwrap();
    assert_eq!(after_spec.meta().generation, Some(2));
}

#[test]
fn status_writes_touch_only_status() {
    let mut api = server();
    let created = api.create(sts("web")).unwrap();
    let mut s = (*created).clone();
    if let Object::StatefulSet(s) = &mut s {
        s.status.as_mut().unwrap().replicas = 2;
        s.spec.as_mut().unwrap().replicas = Some(9);
    }
    let stored = api.update_status(s).unwrap();
    let Object::StatefulSet(st) = &*stored else {
        unreachable!()
    };
    assert_eq!(st.status.as_ref().unwrap().replicas, 2);
    assert_eq!(
        st.spec.as_ref().unwrap().replicas,
        Some(2),
        "spec is ignored on /status"
    );
    assert_eq!(st.metadata.generation, Some(1));
}

#[test]
fn scale_subresource_reads_and_writes_replicas() {
    let mut api = server();
    api.create(sts("web")).unwrap();
    let k = key(Kind::StatefulSet, "web");
    let scale = api.get_scale(&k).unwrap();
    assert_eq!(scale.spec_replicas, 2);
    assert_eq!(scale.selector, "app=web");
    let scaled = api.update_scale(&k, 5).unwrap();
    assert_eq!(scaled.spec_replicas, 5);
    assert_eq!(api.get(&k).unwrap().meta().generation, Some(2));
    let err = api.update_scale(&k, -1).unwrap_err();
    assert_eq!(
        err.message,
        "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert!(api.update_scale(&key(Kind::ConfigMap, "web"), 1).is_err());
}

#[test]
fn an_unscheduled_pod_is_deleted_at_once() {
    let mut api = server();
    api.create(pod("p")).unwrap();
    let d = api
        .delete(&key(Kind::Pod, "p"), &DeleteOptions::default())
        .unwrap();
    assert!(matches!(d, Deleted::Gone(_)));
    assert_eq!(
        api.watch_events().last().unwrap().event_type,
        WatchEventType::Deleted
    );
    assert!(api.try_get(&key(Kind::Pod, "p")).is_none());
}

#[test]
fn a_scheduled_pod_terminates_gracefully_until_the_kubelet_confirms() {
    let mut api = server();
    api.create(pod("p")).unwrap();
    scheduled(&mut api, "p");
    let generation = api
        .get(&key(Kind::Pod, "p"))
        .unwrap()
        .meta()
        .generation
        .unwrap();
    api.set_now(SimTime::from_ms(10_000));
    let d = api
        .delete(&key(Kind::Pod, "p"), &DeleteOptions::default())
        .unwrap();
    let Deleted::Pending(p) = d else {
        panic!("expected graceful deletion")
    };
    assert_eq!(p.meta().deletion_grace_period_seconds, Some(30));
    assert_eq!(
        p.meta().deletion_timestamp,
        Some(SimTime::from_ms(40_000).to_k8s_time()),
        "deletionTimestamp is now + grace period"
    );
    assert_eq!(
        p.meta().generation,
        Some(generation + 1),
        "graceful deletion bumps generation"
    );
    assert_eq!(generation, 1, "binding does not bump generation");
    // A longer grace period cannot extend it; a shorter one shortens it.
    let again = api
        .delete(
            &key(Kind::Pod, "p"),
            &DeleteOptions {
                grace_period_seconds: Some(60),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        again.object().meta().deletion_grace_period_seconds,
        Some(30)
    );
    let shorter = api
        .delete(
            &key(Kind::Pod, "p"),
            &DeleteOptions {
                grace_period_seconds: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        shorter.object().meta().deletion_grace_period_seconds,
        Some(5)
    );
    assert_eq!(
        shorter.object().meta().deletion_timestamp,
        Some(SimTime::from_ms(15_000).to_k8s_time())
    );
    // The kubelet's final delete with grace 0 removes it.
    let gone = api
        .delete(
            &key(Kind::Pod, "p"),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(matches!(gone, Deleted::Gone(_)));
}

#[test]
fn finalizers_hold_an_object_in_terminating_until_removed() {
    let mut api = server();
    let mut c = configmap("held");
    c.meta_mut().finalizers = Some(vec!["example.com/hold".into()]);
    api.create(c).unwrap();
    let d = api
        .delete(&key(Kind::ConfigMap, "held"), &DeleteOptions::default())
        .unwrap();
    let Deleted::Pending(held) = d else {
        panic!("finalizer must hold the object")
    };
    assert!(held.is_terminating());
    assert_eq!(held.meta().deletion_grace_period_seconds, Some(0));
    // Deleting again changes nothing.
    let rv = api.resource_version();
    api.delete(&key(Kind::ConfigMap, "held"), &DeleteOptions::default())
        .unwrap();
    assert_eq!(api.resource_version(), rv);
    let mut release = (*held).clone();
    release.meta_mut().finalizers = None;
    let last = api.update(release).unwrap();
    assert!(api.try_get(&key(Kind::ConfigMap, "held")).is_none());
    assert_eq!(
        api.watch_events().last().unwrap().event_type,
        WatchEventType::Deleted
    );
    assert!(last.is_terminating());
}

#[test]
fn pvc_protection_keeps_a_claim_in_use_until_its_pod_is_gone() {
    let mut api = server();
    let pvc = api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data-0", "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
        })))
        .unwrap();
    assert!(pvc.has_finalizer("kubernetes.io/pvc-protection"));
    let mut p = pod("user");
    if let Object::Pod(p) = &mut p {
        p.spec.as_mut().unwrap().volumes = Some(vec![k8s_openapi::api::core::v1::Volume {
            name: "data".into(),
            persistent_volume_claim: Some(
                k8s_openapi::api::core::v1::PersistentVolumeClaimVolumeSource {
                    claim_name: "data-0".into(),
                    read_only: None,
                },
            ),
            ..Default::default()
        }]);
    }
    api.create(p).unwrap();
    scheduled(&mut api, "user");
    let d = api
        .delete(
            &key(Kind::PersistentVolumeClaim, "data-0"),
            &DeleteOptions::default(),
        )
        .unwrap();
    assert!(matches!(d, Deleted::Pending(_)));
    controllers::settle(&mut api, 10).unwrap();
    assert!(
        api.try_get(&key(Kind::PersistentVolumeClaim, "data-0"))
            .is_some(),
        "claim stays Terminating while the pod uses it"
    );
    api.delete(
        &key(Kind::Pod, "user"),
        &DeleteOptions {
            grace_period_seconds: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    assert!(
        api.try_get(&key(Kind::PersistentVolumeClaim, "data-0"))
            .is_none()
    );
}

fn sts_with_pods(api: &mut ApiServer) -> Arc<Object> {
    let owner = api.create(sts("web")).unwrap();
    for n in ["web-0", "web-1"] {
        api.create(owned_pod(n, &owner)).unwrap();
        scheduled(api, n);
    }
    owner
}

#[test]
fn background_propagation_deletes_the_owner_then_its_dependents() {
    let mut api = server();
    sts_with_pods(&mut api);
    let d = api
        .delete(&key(Kind::StatefulSet, "web"), &DeleteOptions::default())
        .unwrap();
    assert!(matches!(d, Deleted::Gone(_)), "the owner goes at once");
    assert!(api.try_get(&key(Kind::Pod, "web-0")).is_some());
    controllers::settle(&mut api, 10).unwrap();
    for n in ["web-0", "web-1"] {
        let p = api.get(&key(Kind::Pod, n)).unwrap();
        assert!(
            p.is_terminating(),
            "{n} is deleted gracefully by the garbage collector"
        );
    }
}

#[test]
fn orphan_propagation_keeps_dependents_and_strips_their_owner_references() {
    let mut api = server();
    sts_with_pods(&mut api);
    let d = api
        .delete(
            &key(Kind::StatefulSet, "web"),
            &DeleteOptions {
                propagation: Some(Propagation::Orphan),
                ..Default::default()
            },
        )
        .unwrap();
    let Deleted::Pending(owner) = d else {
        panic!("orphan finalizer holds the owner")
    };
    assert!(owner.has_finalizer("orphan"));
    controllers::settle(&mut api, 10).unwrap();
    assert!(api.try_get(&key(Kind::StatefulSet, "web")).is_none());
    for n in ["web-0", "web-1"] {
        let p = api.get(&key(Kind::Pod, n)).unwrap();
        assert!(!p.is_terminating());
        assert!(p.meta().owner_references.is_none(), "{n} is orphaned");
    }
}

#[test]
fn foreground_propagation_waits_for_blocking_dependents() {
    let mut api = server();
    sts_with_pods(&mut api);
    let d = api
        .delete(
            &key(Kind::StatefulSet, "web"),
            &DeleteOptions {
                propagation: Some(Propagation::Foreground),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(d.object().has_finalizer("foregroundDeletion"));
    controllers::settle(&mut api, 10).unwrap();
    assert!(
        api.try_get(&key(Kind::StatefulSet, "web")).is_some(),
        "owner waits while pods are terminating"
    );
    assert!(api.get(&key(Kind::Pod, "web-0")).unwrap().is_terminating());
    for n in ["web-0", "web-1"] {
        api.delete(
            &key(Kind::Pod, n),
            &DeleteOptions {
                grace_period_seconds: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    }
    controllers::settle(&mut api, 10).unwrap();
    assert!(api.try_get(&key(Kind::StatefulSet, "web")).is_none());
}

#[test]
fn dangling_owner_references_are_collected_and_partial_ones_pruned() {
    let mut api = server();
    let keeper = api.create(configmap("keeper")).unwrap();
    let ghost = api.create(configmap("ghost")).unwrap();
    let mut two_owners = configmap("two");
    let mut one_owner = configmap("one");
    let r = |o: &Object| types::OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: o.name().into(),
        uid: o.uid().into(),
        ..Default::default()
    };
    two_owners.meta_mut().owner_references = Some(vec![r(&keeper), r(&ghost)]);
    one_owner.meta_mut().owner_references = Some(vec![r(&ghost)]);
    api.create(two_owners).unwrap();
    api.create(one_owner).unwrap();
    api.delete(&key(Kind::ConfigMap, "ghost"), &DeleteOptions::default())
        .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    assert!(api.try_get(&key(Kind::ConfigMap, "one")).is_none());
    let two = api.get(&key(Kind::ConfigMap, "two")).unwrap();
    assert_eq!(two.meta().owner_references.as_ref().unwrap().len(), 1);
}

#[test]
fn delete_preconditions_and_missing_objects() {
    let mut api = server();
    api.create(configmap("c")).unwrap();
    let err = api
        .delete(
            &key(Kind::ConfigMap, "c"),
            &DeleteOptions {
                preconditions: Preconditions {
                    uid: Some("other".into()),
                    resource_version: None,
                },
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.message.starts_with(
        "Operation cannot be fulfilled on configmaps \"c\": Precondition failed: UID in precondition: other, UID in object meta: "
    ));
    let err = api
        .delete(&key(Kind::ConfigMap, "zzz"), &DeleteOptions::default())
        .unwrap_err();
    assert_eq!(err.message, "configmaps \"zzz\" not found");
}

#[test]
fn dry_run_create_changes_nothing() {
    let mut api = server();
    let rv = api.resource_version();
    let events = api.watch_events().len();
    let created = api
        .create_with(pod("dry"), &CreateOptions { dry_run: true })
        .unwrap();
    assert!(!created.uid().is_empty());
    assert_eq!(api.resource_version(), rv);
    assert_eq!(api.watch_events().len(), events);
    assert!(api.try_get(&key(Kind::Pod, "dry")).is_none());
    // A later real create draws the same uid: the dry run consumed no randomness.
    let real = api.create(pod("dry")).unwrap();
    assert_eq!(real.uid(), created.uid());
}

#[test]
fn generate_name_appends_a_random_suffix() {
    let mut api = server();
    let mut c = configmap("");
    c.meta_mut().name = None;
    c.meta_mut().generate_name = Some("cfg-".into());
    let created = api.create(c).unwrap();
    assert!(created.name().starts_with("cfg-"));
    assert_eq!(created.name().len(), 9);
}

#[test]
fn pods_get_admission_defaults() {
    let mut api = server();
    let p = api.create(pod("p")).unwrap();
    let Object::Pod(p) = &*p else { unreachable!() };
    let spec = p.spec.as_ref().unwrap();
    assert_eq!(spec.service_account_name.as_deref(), Some("default"));
    assert_eq!(spec.priority, Some(0));
    let tolerations: Vec<_> = spec
        .tolerations
        .iter()
        .flatten()
        .map(|t| (t.key.clone().unwrap(), t.toleration_seconds))
        .collect();
    assert_eq!(
        tolerations,
        [
            ("node.kubernetes.io/not-ready".to_string(), Some(300)),
            ("node.kubernetes.io/unreachable".to_string(), Some(300))
        ]
    );
    let vol = &spec.volumes.as_ref().unwrap()[0];
    assert!(vol.name.starts_with("kube-api-access-"));
    let mount = &spec.containers[0].volume_mounts.as_ref().unwrap()[0];
    assert_eq!(
        mount.mount_path,
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    assert_eq!(p.status.as_ref().unwrap().phase.as_deref(), Some("Pending"));
    assert_eq!(
        p.status.as_ref().unwrap().qos_class.as_deref(),
        Some("BestEffort")
    );
}

#[test]
fn a_pod_without_its_service_account_is_forbidden() {
    let mut api = server();
    let mut p = pod("p");
    if let Object::Pod(p) = &mut p {
        p.spec.as_mut().unwrap().service_account_name = Some("robot".into());
    }
    let err = api.create(p).unwrap_err();
    assert_eq!(
        err.message,
        "pods \"p\" is forbidden: error looking up service account default/robot: serviceaccount \"robot\" not found"
    );
}

#[test]
fn claims_get_the_default_storage_class() {
    let mut api = server();
    api.create(obj(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard",
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Delete"
    })))
    .unwrap();
    let claim = |name: &str, class: Option<&str>| {
        let mut v = json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
        });
        if let Some(c) = class {
            v["spec"]["storageClassName"] = json!(c);
        }
        obj(v)
    };
    let class_of = |o: &Object| match o {
        Object::PersistentVolumeClaim(c) => c.spec.as_ref().unwrap().storage_class_name.clone(),
        _ => unreachable!(),
    };
    assert_eq!(
        class_of(&api.create(claim("a", None)).unwrap()),
        Some("standard".into())
    );
    assert_eq!(
        class_of(&api.create(claim("b", Some(""))).unwrap()),
        Some(String::new())
    );
    assert_eq!(
        class_of(&api.create(claim("c", Some("fast"))).unwrap()),
        Some("fast".into())
    );
}

#[test]
fn services_get_distinct_cluster_ips_and_headless_stays_none() {
    let mut api = server();
    let svc = |name: &str, ip: Option<&str>| {
        let mut v = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}
        });
        if let Some(ip) = ip {
            v["spec"]["clusterIP"] = json!(ip);
        }
        obj(v)
    };
    let ip_of = |o: &Object| match o {
        Object::Service(s) => s.spec.as_ref().unwrap().cluster_ip.clone().unwrap(),
        _ => unreachable!(),
    };
    let a = ip_of(&api.create(svc("a", None)).unwrap());
    let b = ip_of(&api.create(svc("b", None)).unwrap());
    assert_ne!(a, b);
    assert!(a.starts_with("10.96."));
    assert_eq!(ip_of(&api.create(svc("h", Some("None"))).unwrap()), "None");
    let err = api.create(svc("c", Some(&a))).unwrap_err();
    assert_eq!(err.reason, StatusReason::Invalid);
    assert!(
        err.message.contains("provided IP is already allocated"),
        "{}",
        err.message
    );
}

/// Runs one fixed sequence of writes and returns the trace it produced.
fn scripted_trace(seed: u64) -> String {
    let mut api = ApiServer::new(
        SimRng::from_seed(seed).fork("apiserver"),
        ApiServerOptions::default(),
    );
    api.create(obj(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
    ))
    .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    let owner = api.create(sts("web")).unwrap();
    for (i, n) in ["web-0", "web-1", "web-2"].iter().enumerate() {
        api.set_now(SimTime::from_ms(1000 * (i as u64 + 1)));
        api.create(owned_pod(n, &owner)).unwrap();
        scheduled(&mut api, n);
    }
    api.create(configmap("c")).unwrap();
    api.delete(&key(Kind::StatefulSet, "web"), &DeleteOptions::default())
        .unwrap();
    controllers::settle(&mut api, 10).unwrap();
    api.watch_events()
        .iter()
        .map(|e| e.to_json_line() + "\n")
        .collect()
}

#[test]
fn the_same_writes_give_byte_identical_watch_streams() {
    let a = scripted_trace(42);
    let b = scripted_trace(42);
    assert_eq!(a, b);
    assert!(a.lines().count() > 10);
    assert_ne!(a, scripted_trace(43), "uids come from the seed");
}

#[test]
fn trace_lines_have_sorted_keys_and_the_stsim_field() {
    let trace = scripted_trace(1);
    let first = trace.lines().next().unwrap();
    assert!(
        first.starts_with(
            "{\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"
        ),
        "{first}"
    );
    assert!(
        first.ends_with(",\"stsim\":{\"seq\":0,\"t\":0},\"type\":\"ADDED\"}"),
        "{first}"
    );
}

#[test]
fn a_strategic_patch_changes_one_container_image_and_bumps_generation() {
    let mut api = server();
    api.create(sts("web")).unwrap();
    let k = key(Kind::StatefulSet, "web");
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.26"}]}}}});
    let patched = api
        .patch(&k, PatchType::Strategic, &patch, Subresource::None)
        .unwrap();
    let Object::StatefulSet(s) = &*patched else {
        unreachable!()
    };
    let c = &s
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers;
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].image.as_deref(), Some("nginx:1.26"));
    assert_eq!(s.metadata.generation, Some(2));
}

#[test]
fn a_patch_with_a_stale_resource_version_conflicts() {
    let mut api = server();
    let c = api.create(configmap("c")).unwrap();
    let stale = c.resource_version().to_string();
    api.patch(
        &key(Kind::ConfigMap, "c"),
        PatchType::Merge,
        &json!({"data": {"a": "1"}}),
        Subresource::None,
    )
    .unwrap();
    let err = api
        .patch(
            &key(Kind::ConfigMap, "c"),
            PatchType::Merge,
            &json!({"metadata": {"resourceVersion": stale}, "data": {"a": "2"}}),
            Subresource::None,
        )
        .unwrap_err();
    assert_eq!(err.reason, StatusReason::Conflict);
}

#[test]
fn a_patch_that_makes_the_object_invalid_changes_nothing() {
    let mut api = server();
    api.create(sts("web")).unwrap();
    let k = key(Kind::StatefulSet, "web");
    let rv = api.resource_version();
    let err = api
        .patch(
            &k,
            PatchType::Merge,
            &json!({"spec": {"replicas": -1}}),
            Subresource::None,
        )
        .unwrap_err();
    assert_eq!(err.reason, StatusReason::Invalid);
    assert_eq!(
        err.message,
        "StatefulSet.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(api.resource_version(), rv);
    let err = api
        .patch(
            &k,
            PatchType::Json,
            &json!([{"op": "test", "path": "/spec/replicas", "value": 9}]),
            Subresource::None,
        )
        .unwrap_err();
    assert_eq!(err.reason.code(), 422);
    let err = api
        .patch(
            &k,
            PatchType::Merge,
            &json!({"spec": {"replicas": "three"}}),
            Subresource::None,
        )
        .unwrap_err();
    assert_eq!(err.reason, StatusReason::BadRequest);
}

#[test]
fn a_merge_patch_of_status_goes_through_the_status_subresource_only() {
    let mut api = server();
    api.create(sts("web")).unwrap();
    let k = key(Kind::StatefulSet, "web");
    let out = api
        .patch(
            &k,
            PatchType::Merge,
            &json!({"status": {"replicas": 2}, "spec": {"replicas": 4}}),
            Subresource::Status,
        )
        .unwrap();
    let Object::StatefulSet(s) = &*out else {
        unreachable!()
    };
    assert_eq!(s.status.as_ref().unwrap().replicas, 2);
    assert_eq!(s.spec.as_ref().unwrap().replicas, Some(2));
}

#[test]
fn namespaces_created_with_generate_name_get_their_name_label() {
    let mut api = server();
    let ns = api
        .create(obj(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"generateName": "demo-"}}),
        ))
        .unwrap();
    assert_eq!(
        ns.labels()
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some(ns.name())
    );
}

#[test]
fn binding_assigns_a_node_once_and_marks_the_pod_scheduled() {
    let mut api = server();
    let created = api.create(pod("p")).unwrap();
    // The scheduler nominates the node for its binding cycle (NominatedNodeNameForExpectation).
    let mut nominated = (*created).clone();
    if let Object::Pod(p) = &mut nominated {
        p.status
            .get_or_insert_with(Default::default)
            .nominated_node_name = Some("kind-worker2".into());
    }
    api.update_status(nominated).unwrap();
    let bound = api.bind_pod(&key(Kind::Pod, "p"), "kind-worker2").unwrap();
    let Object::Pod(p) = &*bound else {
        unreachable!()
    };
    assert_eq!(
        p.spec.as_ref().unwrap().node_name.as_deref(),
        Some("kind-worker2")
    );
    let cond = &p.status.as_ref().unwrap().conditions.as_ref().unwrap()[0];
    assert_eq!(
        (cond.type_.as_str(), cond.status.as_str()),
        ("PodScheduled", "True")
    );
    // v1.35 (ClearingNominatedNodeNameAfterBinding): the nomination goes with the binding.
    assert_eq!(p.status.as_ref().unwrap().nominated_node_name, None);
    let err = api
        .bind_pod(&key(Kind::Pod, "p"), "kind-worker")
        .unwrap_err();
    assert_eq!(
        err.message,
        "Operation cannot be fulfilled on pods \"p\": pod p is already assigned to node \"kind-worker2\""
    );
    // A plain update may not move it: nodeName is immutable outside the binding.
    let mut moved = (*bound).clone();
    if let Object::Pod(p) = &mut moved {
        p.spec.as_mut().unwrap().node_name = Some("kind-worker".into());
    }
    let err = api.update(moved).unwrap_err();
    assert_eq!(err.reason, StatusReason::Invalid);
    assert!(
        err.message.contains("pod updates may not change fields"),
        "{}",
        err.message
    );
}

#[test]
fn binding_clears_the_nominated_node() {
    // v1.35 (ClearingNominatedNodeNameAfterBinding, beta and on by default): the node the
    // scheduler nominated while the pod waited for its volumes is cleared once it is bound, so
    // `kubectl get pods -o wide` shows NOMINATED NODE <none>.
    let mut api = server();
    api.create(pod("p")).unwrap();
    let k = key(Kind::Pod, "p");
    let mut nominated = (*api.get(&k).unwrap()).clone();
    if let Object::Pod(p) = &mut nominated {
        p.status
            .get_or_insert_with(Default::default)
            .nominated_node_name = Some("kind-worker".into());
    }
    api.update_status(nominated).unwrap();
    let bound = api.bind_pod(&k, "kind-worker").unwrap();
    let Object::Pod(p) = &*bound else {
        unreachable!()
    };
    assert_eq!(p.status.as_ref().unwrap().nominated_node_name, None);
}

#[test]
fn jobs_get_a_generated_selector_and_labels() {
    let mut api = server();
    let job = api
        .create(obj(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "pi", "namespace": "default"},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "pi", "image": "perl:5.34"}]}}}
        })))
        .unwrap();
    let Object::Job(j) = &*job else {
        unreachable!()
    };
    let uid = j.metadata.uid.clone().unwrap();
    let spec = j.spec.as_ref().unwrap();
    let sel = spec
        .selector
        .as_ref()
        .unwrap()
        .match_labels
        .as_ref()
        .unwrap();
    assert_eq!(sel.get("batch.kubernetes.io/controller-uid"), Some(&uid));
    let tl = spec
        .template
        .metadata
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    assert_eq!(tl.get("job-name").map(String::as_str), Some("pi"));
    assert_eq!(tl.get("controller-uid"), Some(&uid));
    assert_eq!(
        j.metadata
            .labels
            .as_ref()
            .unwrap()
            .get("batch.kubernetes.io/job-name")
            .map(String::as_str),
        Some("pi"),
        "the Job's own labels are defaulted from its template"
    );
}

#[test]
fn secret_string_data_is_folded_into_data() {
    let mut api = server();
    let s = api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "pw", "namespace": "default"},
            "stringData": {"POSTGRES_PASSWORD": "secret"}
        })))
        .unwrap();
    let Object::Secret(s) = &*s else {
        unreachable!()
    };
    assert!(s.string_data.is_none());
    assert_eq!(s.data.as_ref().unwrap()["POSTGRES_PASSWORD"].0, b"secret");
    assert_eq!(s.type_.as_deref(), Some("Opaque"));
}

#[test]
fn a_service_update_without_cluster_ip_keeps_the_allocated_one() {
    let mut api = server();
    let v = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    });
    let created = api.create(obj(v.clone())).unwrap();
    let mut again = v;
    again["spec"]["ports"][0]["port"] = json!(8080);
    let updated = api.update(obj(again)).unwrap();
    let ip = |o: &Object| match o {
        Object::Service(s) => s.spec.as_ref().unwrap().cluster_ip.clone(),
        _ => None,
    };
    assert_eq!(ip(&updated), ip(&created));
}

#[test]
fn empty_metadata_lists_and_maps_are_stored_as_absent() {
    let mut api = server();
    let mut c = configmap("c");
    c.meta_mut().labels = Some(Default::default());
    c.meta_mut().finalizers = Some(vec![]);
    let stored = api.create(c).unwrap();
    assert!(stored.meta().labels.is_none());
    assert!(stored.meta().finalizers.is_none());
    let patched = api
        .patch(
            &key(Kind::ConfigMap, "c"),
            PatchType::Merge,
            &json!({"metadata": {"ownerReferences": []}}),
            Subresource::None,
        )
        .unwrap();
    assert!(patched.meta().owner_references.is_none());
}

#[test]
fn claims_grow_only_when_bound_in_an_expandable_class() {
    let mut api = server();
    api.create(obj(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"
    })))
    .unwrap();
    let claim = api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "default"},
            "spec": {"storageClassName": "standard", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}}
        })))
        .unwrap();
    let grow = json!({"spec": {"resources": {"requests": {"storage": "2Gi"}}}});
    let k = key(Kind::PersistentVolumeClaim, "data");
    let err = api
        .patch(&k, PatchType::Merge, &grow, Subresource::None)
        .unwrap_err();
    assert_eq!(
        err.message,
        "persistentvolumeclaims \"data\" is forbidden: Only bound persistent volume claims can be expanded"
    );
    let mut bound = (*claim).clone();
    if let Object::PersistentVolumeClaim(c) = &mut bound {
        c.status.as_mut().unwrap().phase = Some("Bound".into());
    }
    bound.meta_mut().resource_version = None;
    api.update_status(bound).unwrap();
    let err = api
        .patch(&k, PatchType::Merge, &grow, Subresource::None)
        .unwrap_err();
    assert_eq!(
        err.message,
        "persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"
    );
    api.patch(
        &ObjectKey::cluster(Kind::StorageClass, "standard"),
        PatchType::Merge,
        &json!({"allowVolumeExpansion": true}),
        Subresource::None,
    )
    .unwrap();
    api.patch(&k, PatchType::Merge, &grow, Subresource::None)
        .unwrap();
}

#[test]
fn volumes_stamp_their_last_phase_transition() {
    let mut api = server();
    api.set_now(SimTime::from_ms(7_000));
    let pv = api
        .create(obj(json!({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": "pv1"},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                     "hostPath": {"path": "/tmp/pv1"}}
        })))
        .unwrap();
    let Object::PersistentVolume(p) = &*pv else {
        unreachable!()
    };
    let st = p.status.as_ref().unwrap();
    assert_eq!(
        st.last_phase_transition_time,
        Some(SimTime::from_ms(7_000).to_k8s_time())
    );
    api.set_now(SimTime::from_ms(9_000));
    let mut avail = (*pv).clone();
    if let Object::PersistentVolume(p) = &mut avail {
        p.status.as_mut().unwrap().phase = Some("Available".into());
    }
    let out = api.update_status(avail).unwrap();
    let Object::PersistentVolume(p) = &*out else {
        unreachable!()
    };
    assert_eq!(
        p.status.as_ref().unwrap().last_phase_transition_time,
        Some(SimTime::from_ms(9_000).to_k8s_time())
    );
}
