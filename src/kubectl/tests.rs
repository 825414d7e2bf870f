//! Tests of the kubectl layer: client-side texts against recordings of the real kubectl
//! (`testdata/client_cases.json`, from `testdata/record.py`), and commands against a
//! simulated kind cluster whose texts follow upstream's sources.
//!
//! The scheduler and kubelet are not part of these clusters: [`TestKubelet`] stands in for
//! both where pods must run (it binds pods, marks them Running and Ready after a second, and
//! finishes terminating pods after a second).

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStatus, PodCondition,
};
use serde_json::{Value, json};

use super::{Output, Session};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::{
    ApiServer, Client, DeleteOptions, Preconditions, WatchEvent, WatchEventType,
};
use crate::engine::{SimDuration, SimTime};
use crate::sim::{Controller, Cx, Requeue, Sim, SimConfig};

const STEPS: u64 = 10_000_000;

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/kubectl/testdata")
}

/// A kind cluster with the built-in, workload and StatefulSet controllers, one second in.
fn cluster(kubelet: bool) -> Session {
    let mut sim = Sim::new(SimConfig::default());
    for c in crate::controllers::builtin() {
        sim.add_controller(c);
    }
    sim.add_controller(Box::new(
        crate::controllers::statefulset::StatefulSetController::new(true),
    ));
    for c in crate::controllers::workloads_and_networking() {
        sim.add_controller(c);
    }
    if kubelet {
        sim.add_controller(Box::new(TestKubelet));
    }
    sim.write(|api| crate::cluster::bootstrap_kind(api).unwrap());
    sim.run_until(SimTime::from_ms(1000), STEPS);
    Session::new(sim).with_base_dir(testdata().join("files"))
}

/// A stand-in scheduler and kubelet: binds unscheduled pods to `kind-worker`, makes them
/// Running and Ready, and completes the deletion of terminating pods.
struct TestKubelet;

impl Controller for TestKubelet {
    fn name(&self) -> &'static str {
        "test-kubelet"
    }

    fn keys_for(&self, event: &WatchEvent, _api: &ApiServer) -> Vec<ObjectKey> {
        if event.object.kind() == Kind::Pod && event.event_type != WatchEventType::Deleted {
            vec![event.object.key()]
        } else {
            vec![]
        }
    }

    fn reaction(&self, _: &crate::sim::TimingProfile) -> SimDuration {
        SimDuration::from_secs(1)
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        let Some(obj) = cx.read().try_get(key).cloned() else {
            return Requeue::No;
        };
        let Object::Pod(pod) = obj.as_ref() else {
            return Requeue::No;
        };
        if pod.metadata.deletion_timestamp.is_some() {
            let _ = cx.delete(
                key,
                &DeleteOptions {
                    grace_period_seconds: Some(0),
                    preconditions: Preconditions {
                        uid: pod.metadata.uid.clone(),
                        resource_version: None,
                    },
                    ..DeleteOptions::default()
                },
            );
            return Requeue::No;
        }
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        if node.is_none() {
            let _ = cx.bind_pod(key, "kind-worker");
            return Requeue::No;
        }
        if pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running") {
            return Requeue::No;
        }
        let now = cx.now.to_k8s_time();
        let mut p = pod.clone();
        let containers = p
            .spec
            .as_ref()
            .map(|s| s.containers.clone())
            .unwrap_or_default();
        let status = p.status.get_or_insert_with(Default::default);
        status.phase = Some("Running".into());
        status.pod_ip = Some("10.244.1.5".into());
        status.host_ip = Some("172.18.0.3".into());
        status.start_time = Some(now.clone());
        let conds = status.conditions.get_or_insert_with(Vec::new);
        for t in ["Initialized", "Ready", "ContainersReady"] {
            conds.retain(|c| c.type_ != t);
            conds.push(PodCondition {
                type_: t.into(),
                status: "True".into(),
                last_transition_time: Some(now.clone()),
                ..Default::default()
            });
        }
        status.container_statuses = Some(
            containers
                .iter()
                .map(|c| ContainerStatus {
                    name: c.name.clone(),
                    image: c.image.clone().unwrap_or_default(),
                    image_id: String::new(),
                    ready: true,
                    restart_count: 0,
                    started: Some(true),
                    state: Some(ContainerState {
                        running: Some(ContainerStateRunning {
                            started_at: Some(now.clone()),
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect(),
        );
        let _ = cx.update_status(Object::Pod(p));
        Requeue::No
    }
}

fn run(s: &mut Session, line: &str) -> Output {
    s.run_line(line)
}

fn run_stdin(s: &mut Session, line: &str, stdin: &str) -> Output {
    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    s.run(&words, stdin)
}

#[track_caller]
fn ok(out: &Output) -> &str {
    assert_eq!(
        out.exit_code, 0,
        "stderr: {}\nstdout: {}",
        out.stderr, out.stdout
    );
    &out.stdout
}

const WEB: &str = "apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 2
  minReadySeconds: 0
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
        ports:
        - containerPort: 80
          name: web
";

/// The StatefulSet of the tutorial, without volume claims, created with apply.
fn with_web(s: &mut Session) {
    let out = run_stdin(s, "apply -f -", WEB);
    assert_eq!(
        ok(&out),
        "service/nginx created\nstatefulset.apps/web created\n"
    );
}

// ----- client-side texts, recorded from the real kubectl -----

#[test]
fn client_side_texts_match_the_recorded_kubectl() {
    let recorded: Value = serde_json::from_str(include_str!("testdata/client_cases.json")).unwrap();
    let mut failures = Vec::new();
    for case in recorded["cases"].as_array().unwrap() {
        let args: Vec<String> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        let mut s = cluster(false);
        let out = s.run(&args, "");
        let want = Output {
            stdout: case["stdout"].as_str().unwrap().to_string(),
            stderr: case["stderr"].as_str().unwrap().to_string(),
            exit_code: case["exit"].as_i64().unwrap() as i32,
        };
        if out != want {
            failures.push(format!(
                "$ kubectl {}\n--- want ({})\n{}{}--- got ({})\n{}{}",
                args.join(" "),
                want.exit_code,
                want.stdout,
                want.stderr,
                out.exit_code,
                out.stdout,
                out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ----- helpers for scenario tests -----

/// Lets the cluster run for `secs` seconds of virtual time.
fn sleep(s: &mut Session, secs: u64) {
    let t = s.sim().now() + SimDuration::from_secs(secs);
    s.sim_mut().run_until(t, STEPS);
}

fn pod_uid(s: &Session, name: &str) -> Option<String> {
    s.sim()
        .api()
        .try_get(&ObjectKey::new(Kind::Pod, "default", name))
        .map(|o| o.uid().to_string())
}

fn sts_image(s: &Session) -> String {
    s.sim()
        .api()
        .get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
        .unwrap()
        .to_json()
        .pointer("/spec/template/spec/containers/0/image")
        .and_then(Value::as_str)
        .unwrap()
        .to_string()
}

/// A session with the tutorial's `web` StatefulSet Running and Ready (two pods).
fn web_running() -> Session {
    let mut s = cluster(true);
    with_web(&mut s);
    sleep(&mut s, 30);
    assert_eq!(
        ok(&run(&mut s, "get pods -l app=nginx -o name")),
        "pod/web-0\npod/web-1\n"
    );
    s
}

// ----- apply -----

#[test]
fn apply_creates_then_reports_unchanged_then_configured() {
    let mut s = cluster(false);
    with_web(&mut s);
    let again = run_stdin(&mut s, "apply -f -", WEB);
    assert_eq!(
        ok(&again),
        "service/nginx unchanged\nstatefulset.apps/web unchanged\n"
    );
    let three = WEB.replace("replicas: 2", "replicas: 3");
    let out = run_stdin(&mut s, "apply -f -", &three);
    assert_eq!(
        ok(&out),
        "service/nginx unchanged\nstatefulset.apps/web configured\n"
    );
    let sts = s
        .sim()
        .api()
        .get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
        .unwrap()
        .to_json();
    assert_eq!(sts.pointer("/spec/replicas"), Some(&json!(3)));
    let applied = sts
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration")
        .and_then(Value::as_str)
        .unwrap();
    assert!(applied.contains("\"replicas\":3"), "{applied}");
    assert!(applied.ends_with("}\n"));
    // A field removed from the configuration is removed from the object.
    let no_min = three.replace("  minReadySeconds: 0\n", "");
    let out = run_stdin(&mut s, "apply -f - -o name", &no_min);
    assert_eq!(ok(&out), "service/nginx\nstatefulset.apps/web\n");
}

#[test]
fn apply_dry_runs_and_files_relative_to_the_session_folder() {
    let mut s = cluster(false);
    let out = run(&mut s, "apply -f sts.yaml --dry-run=client");
    assert_eq!(ok(&out), "statefulset.apps/web created (dry run)\n");
    let out = run(&mut s, "apply -f sts.yaml --dry-run=server");
    assert_eq!(ok(&out), "statefulset.apps/web created (server dry run)\n");
    assert!(
        s.sim()
            .api()
            .try_get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
            .is_none()
    );
    assert_eq!(
        ok(&run(&mut s, "apply -f sts.yaml")),
        "statefulset.apps/web created\n"
    );
    let out = run(&mut s, "apply -f sts.yaml --dry-run=client");
    assert_eq!(ok(&out), "statefulset.apps/web configured (dry run)\n");
    let out = run(&mut s, "apply -f sts.yaml -n other");
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): error when creating \"sts.yaml\": namespaces \"other\" not found\n"
    );
}

#[test]
fn apply_over_an_object_created_without_apply_warns_and_configures() {
    let mut s = cluster(false);
    assert_eq!(
        ok(&run(&mut s, "create -f sts.yaml")),
        "statefulset.apps/web created\n"
    );
    let out = run(&mut s, "create -f sts.yaml");
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "Error from server (AlreadyExists): error when creating \"sts.yaml\": statefulsets.apps \"web\" already exists\n"
    );
    let out = run(&mut s, "apply -f sts.yaml");
    assert_eq!(out.stdout, "statefulset.apps/web configured\n");
    assert_eq!(
        out.stderr,
        "Warning: resource statefulsets/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n"
    );
    assert_eq!(out.exit_code, 0);
    assert_eq!(
        ok(&run(&mut s, "apply -f sts.yaml")),
        "statefulset.apps/web unchanged\n"
    );
}

#[test]
fn apply_reports_invalid_objects_like_the_server() {
    let mut s = cluster(false);
    let bad = WEB.replace("replicas: 2", "replicas: -1");
    let out = run_stdin(&mut s, "apply -f -", &bad);
    assert_eq!(out.stdout, "service/nginx created\n");
    assert_eq!(
        out.stderr,
        "The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
    );
    assert_eq!(out.exit_code, 1);
}

// ----- create -----

#[test]
fn create_generators_name_what_they_created() {
    let mut s = cluster(false);
    assert_eq!(
        ok(&run(&mut s, "create namespace demo")),
        "namespace/demo created\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "create secret generic pw --from-literal=password=s3cret -n demo"
        )),
        "secret/pw created\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "create configmap cfg --from-literal=a=b --from-file=sts.yaml"
        )),
        "configmap/cfg created\n"
    );
    let secret = s
        .sim()
        .api()
        .get(&ObjectKey::new(Kind::Secret, "demo", "pw"))
        .unwrap()
        .to_json();
    assert_eq!(secret.pointer("/data/password"), Some(&json!("czNjcmV0")));
    assert_eq!(secret.pointer("/type"), Some(&json!("Opaque")));
    let cm = s
        .sim()
        .api()
        .get(&ObjectKey::new(Kind::ConfigMap, "default", "cfg"))
        .unwrap()
        .to_json();
    assert!(
        cm.pointer("/data/sts.yaml")
            .and_then(Value::as_str)
            .unwrap()
            .contains("kind: StatefulSet")
    );
    let out = run(&mut s, "create namespace demo");
    assert_eq!(
        out.stderr,
        "Error from server (AlreadyExists): namespaces \"demo\" already exists\n"
    );
    assert_eq!(out.exit_code, 1);
}

// ----- get -----

#[test]
fn get_prints_tables_kind_prefixes_and_notices() {
    let mut s = web_running();
    let now = s.sim().now();
    let age = |name: &str, kind: Kind| {
        let o = s
            .sim()
            .api()
            .get(&ObjectKey::new(kind, "default", name))
            .unwrap();
        crate::printers::duration::translate_timestamp_since(
            o.meta().creation_timestamp.as_ref(),
            now,
        )
    };
    let (a0, a1, asts) = (
        age("web-0", Kind::Pod),
        age("web-1", Kind::Pod),
        age("web", Kind::StatefulSet),
    );
    assert_eq!(
        ok(&run(&mut s, "get sts")),
        format!("NAME   READY   AGE\nweb    2/2     {asts}\n")
    );
    assert_eq!(
        ok(&run(&mut s, "get pods -l app=nginx")),
        format!(
            "NAME    READY   STATUS    RESTARTS   AGE\nweb-0   1/1     Running   0          {a0}\nweb-1   1/1     Running   0          {a1}\n"
        )
    );
    assert_eq!(
        ok(&run(&mut s, "get pods,sts -l app=nginx --no-headers")),
        format!("pod/web-0   1/1   Running   0     {a0}\npod/web-1   1/1   Running   0     {a1}\n")
    );
    let both = ok(&run(&mut s, "get po,sts")).to_string();
    assert_eq!(
        both,
        format!(
            "NAME        READY   STATUS    RESTARTS   AGE\npod/web-0   1/1     Running   0          {a0}\npod/web-1   1/1     Running   0          {a1}\n\nNAME                   READY   AGE\nstatefulset.apps/web   2/2     {asts}\n"
        )
    );
    let all = ok(&run(&mut s, "get all")).to_string();
    assert!(
        all.contains("\nservice/kubernetes   ClusterIP   10.96.0.1"),
        "{all}"
    );
    assert!(all.contains("statefulset.apps/web   2/2"), "{all}");
    assert_eq!(
        ok(&run(&mut s, "get pods -l app=nginx --show-labels -L app")),
        format!(
            "NAME    READY   STATUS    RESTARTS   AGE   APP     LABELS\nweb-0   1/1     Running   0          {a0}   nginx   app=nginx,apps.kubernetes.io/pod-index=0,controller-revision-hash={h},statefulset.kubernetes.io/pod-name=web-0\nweb-1   1/1     Running   0          {a1}   nginx   app=nginx,apps.kubernetes.io/pod-index=1,controller-revision-hash={h},statefulset.kubernetes.io/pod-name=web-1\n",
            h = s
                .sim()
                .api()
                .get(&ObjectKey::new(Kind::Pod, "default", "web-0"))
                .unwrap()
                .labels()["controller-revision-hash"]
        )
    );
    let out = run(&mut s, "get pods -n kube-system");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "No resources found in kube-system namespace.\n");
    assert_eq!(out.exit_code, 0);
    let out = run(&mut s, "get pv");
    assert_eq!(out.stderr, "No resources found\n");
    let out = run(&mut s, "get pod web-0 web-9");
    assert!(out.stdout.starts_with("NAME    READY"));
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"web-9\" not found\n"
    );
    assert_eq!(out.exit_code, 1);
    let out = run(&mut s, "get pod web-9 --ignore-not-found");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("", "", 0)
    );
}

#[test]
fn get_generic_printers_sort_and_select() {
    let mut s = web_running();
    assert_eq!(
        ok(&run(&mut s, "get sts web -o jsonpath={.spec.replicas}")),
        "2"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "get pods -l app=nginx -o jsonpath={.items[*].metadata.name}"
        )),
        "web-0 web-1"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "get pods -l app=nginx --sort-by=.metadata.name -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName"
        )),
        "NAME    NODE\nweb-0   kind-worker\nweb-1   kind-worker\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "get pods -l app=nginx --sort-by={.metadata.uid} -o name"
        ))
        .lines()
        .count(),
        2
    );
    let one = ok(&run(&mut s, "get sts web -o yaml")).to_string();
    assert!(
        one.starts_with("apiVersion: apps/v1\nkind: StatefulSet\n"),
        "{one}"
    );
    let list = ok(&run(&mut s, "get sts -o json")).to_string();
    assert!(
        list.starts_with("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n"),
        "{list}"
    );
    assert!(list.ends_with("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"));
    assert_eq!(
        ok(&run(&mut s, "get statefulsets.apps/web pod/web-0 -o name")),
        "statefulset.apps/web\npod/web-0\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "get sts web -o go-template={{.metadata.name}}"
        )),
        "web"
    );
    let out = run(&mut s, "get pods --sort-by=.foo -l app=nginx");
    assert_eq!(
        out.stderr,
        "error: couldn't find any field with path \"{.foo}\" in the list of objects\n"
    );
}

// ----- delete -----

#[test]
fn delete_waits_until_the_pod_is_replaced() {
    let mut s = web_running();
    let before = pod_uid(&s, "web-0").unwrap();
    let t0 = s.sim().now();
    let out = run(&mut s, "delete pod web-0");
    assert_eq!(ok(&out), "pod \"web-0\" deleted from default namespace\n");
    assert!(s.sim().now() > t0, "delete --wait lets time pass");
    // The pod is gone (terminated by the stand-in kubelet) or already recreated.
    assert_ne!(pod_uid(&s, "web-0"), Some(before));
}

#[test]
fn delete_without_wait_returns_at_once_and_force_warns() {
    let mut s = web_running();
    let t0 = s.sim().now();
    let out = run(&mut s, "delete pod web-1 --wait=false");
    assert_eq!(ok(&out), "pod \"web-1\" deleted from default namespace\n");
    assert_eq!(s.sim().now(), t0);
    let terminating = s
        .sim()
        .api()
        .get(&ObjectKey::new(Kind::Pod, "default", "web-1"))
        .unwrap();
    assert!(terminating.is_terminating());
    let out = run(&mut s, "delete pod web-0 --force --grace-period=0");
    assert_eq!(
        out.stdout,
        "pod \"web-0\" force deleted from default namespace\n"
    );
    assert_eq!(out.stderr, super::delete::FORCE_WARNING);
    let out = run(&mut s, "delete svc nginx --dry-run=server");
    assert_eq!(
        ok(&out),
        "service \"nginx\" deleted from default namespace (server dry run)\n"
    );
    let out = run(&mut s, "delete pods -l app=none");
    assert_eq!(ok(&out), "No resources found\n");
}

#[test]
fn delete_orphan_keeps_the_pods_and_times_out_like_kubectl() {
    let mut s = web_running();
    let out = run(&mut s, "delete sts web --cascade=orphan");
    assert_eq!(
        ok(&out),
        "statefulset.apps \"web\" deleted from default namespace\n"
    );
    sleep(&mut s, 10);
    assert!(pod_uid(&s, "web-0").is_some() && pod_uid(&s, "web-1").is_some());
    // Without a kubelet, a pod with a grace period never finishes terminating.
    let mut bare = cluster(false);
    with_web(&mut bare);
    sleep(&mut bare, 5);
    bare.sim_mut().write(|api| {
        let key = ObjectKey::new(Kind::Pod, "default", "web-0");
        api.bind_pod(&key, "kind-worker").unwrap();
    });
    let t0 = bare.sim().now();
    let out = run(&mut bare, "delete pod web-0 --timeout=7s");
    assert_eq!(out.stdout, "pod \"web-0\" deleted from default namespace\n");
    assert_eq!(
        out.stderr,
        "error: timed out waiting for the condition on pods/web-0\n"
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(bare.sim().now(), t0 + SimDuration::from_secs(7));
}

// ----- scale, patch, label, annotate, set image -----

#[test]
fn scale_patch_label_annotate_and_set_image_word_their_results() {
    let mut s = web_running();
    assert_eq!(
        ok(&run(&mut s, "scale sts web --replicas=3")),
        "statefulset.apps/web scaled\n"
    );
    let out = run(&mut s, "scale sts web --replicas=1 --current-replicas=2");
    assert_eq!(out.stderr, "error: Expected replicas to be 2, was 3\n");
    assert_eq!(
        ok(&run(&mut s, "scale statefulset/web --replicas=2 -o name")),
        "statefulset.apps/web\n"
    );
    assert_eq!(
        ok(&run(&mut s, "patch sts web -p {\"spec\":{\"replicas\":2}}")),
        "statefulset.apps/web patched (no change)\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "patch sts web --type=merge -p {\"spec\":{\"minReadySeconds\":1}}"
        )),
        "statefulset.apps/web patched\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "patch sts web --type=json -p [{\"op\":\"replace\",\"path\":\"/spec/minReadySeconds\",\"value\":0}]"
        )),
        "statefulset.apps/web patched\n"
    );
    let out = run(&mut s, "patch sts web -p {bad");
    assert_eq!(
        out.stderr,
        "Error from server (BadRequest): invalid character 'b' looking for beginning of object key string\n"
    );
    assert_eq!(
        ok(&run(&mut s, "label pod web-0 tier=db")),
        "pod/web-0 labeled\n"
    );
    assert_eq!(
        ok(&run(&mut s, "label pod web-0 tier=db")),
        "pod/web-0 not labeled\n"
    );
    let out = run(&mut s, "label pod web-0 tier=cache");
    assert_eq!(
        out.stderr,
        "error: 'tier' already has a value (db), and --overwrite is false\n"
    );
    assert_eq!(
        ok(&run(&mut s, "label pod web-0 tier=cache --overwrite")),
        "pod/web-0 labeled\n"
    );
    assert_eq!(
        ok(&run(&mut s, "label pod web-0 tier-")),
        "pod/web-0 unlabeled\n"
    );
    assert_eq!(
        ok(&run(&mut s, "label pod web-0 tier-")),
        "label \"tier\" not found.\npod/web-0 not labeled\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "annotate sts web kubernetes.io/change-cause=v2"
        )),
        "statefulset.apps/web annotated\n"
    );
    let out = run(&mut s, "annotate sts web note=a");
    assert_eq!(ok(&out), "statefulset.apps/web annotated\n");
    let out = run(&mut s, "annotate sts web note=b");
    assert_eq!(
        out.stderr,
        "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (a)\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "set image sts/web nginx=registry.k8s.io/nginx-slim:0.24"
        )),
        "statefulset.apps/web image updated\n"
    );
    assert_eq!(
        ok(&run(
            &mut s,
            "set image sts/web nginx=registry.k8s.io/nginx-slim:0.24"
        )),
        ""
    );
    let out = run(&mut s, "set image sts/web foo=x");
    assert_eq!(
        out.stderr,
        "error: unable to find container named \"foo\"\n"
    );
    assert_eq!(sts_image(&s), "registry.k8s.io/nginx-slim:0.24");
}

// ----- rollout -----

#[test]
fn rollout_status_watches_until_the_statefulset_is_ready() {
    let mut s = cluster(true);
    with_web(&mut s);
    let t0 = s.sim().now();
    let out = run(&mut s, "rollout status sts/web");
    let text = ok(&out).to_string();
    assert!(text.starts_with("Waiting for "), "{text}");
    assert!(
        text.ends_with("partitioned roll out complete: 2 new pods have been updated...\n"),
        "{text}"
    );
    assert!(
        text.contains("Waiting for 1 pods to be ready...\n"),
        "{text}"
    );
    assert!(s.sim().now() > t0);
    // Done already: one line, no time passes.
    let t1 = s.sim().now();
    assert_eq!(
        ok(&run(&mut s, "rollout status statefulset web")),
        "partitioned roll out complete: 2 new pods have been updated...\n"
    );
    assert_eq!(s.sim().now(), t1);
}

#[test]
fn rollout_status_times_out_without_a_kubelet() {
    let mut s = cluster(false);
    with_web(&mut s);
    let t0 = s.sim().now();
    let out = run(&mut s, "rollout status sts/web --timeout=10s");
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stderr, "error: timed out waiting for the condition\n");
    assert!(out.stdout.starts_with("Waiting for "), "{}", out.stdout);
    assert_eq!(s.sim().now(), t0 + SimDuration::from_secs(10));
    let out = run(&mut s, "rollout status sts/web --watch=false");
    assert_eq!(ok(&out), "Waiting for 2 pods to be ready...\n");
    let out = run(&mut s, "rollout status pod/web-0");
    assert_eq!(
        out.stderr,
        "error: no status viewer has been implemented for Pod\n"
    );
}

#[test]
fn rollout_history_and_undo_restore_a_statefulset_revision() {
    let mut s = web_running();
    run(
        &mut s,
        "set image sts/web nginx=registry.k8s.io/nginx-slim:0.24",
    );
    let out = run(&mut s, "rollout status sts/web");
    assert!(ok(&out).ends_with("partitioned roll out complete: 2 new pods have been updated...\n"));
    assert_eq!(
        ok(&run(&mut s, "rollout history sts/web")),
        "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    );
    let rev1 = ok(&run(&mut s, "rollout history sts/web --revision=1")).to_string();
    assert!(
        rev1.starts_with("statefulset.apps/web with revision #1\nPod Template:\n"),
        "{rev1}"
    );
    assert!(rev1.contains("registry.k8s.io/nginx-slim:0.21"), "{rev1}");
    let out = run(&mut s, "rollout history sts/web --revision=7");
    assert_eq!(out.stderr, "error: unable to find the specified revision\n");
    assert_eq!(
        ok(&run(&mut s, "rollout undo sts/web")),
        "statefulset.apps/web rolled back\n"
    );
    assert_eq!(sts_image(&s), "registry.k8s.io/nginx-slim:0.21");
    assert_eq!(
        ok(&run(&mut s, "rollout undo sts/web --to-revision=1")),
        "statefulset.apps/web skipped rollback (current template already matches revision 1)\n"
    );
    let out = run(&mut s, "rollout undo sts/web --to-revision=9");
    assert_eq!(
        out.stderr,
        "error: unable to find specified revision 9 in history\n"
    );
    sleep(&mut s, 60);
    // The restored template became revision 3; revision 1 is gone (same template).
    assert_eq!(
        ok(&run(&mut s, "rollout history sts/web")),
        "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    );
}

#[test]
fn rollout_restart_stamps_the_simulated_time() {
    let mut s = web_running();
    let stamp = s.sim().now().rfc3339();
    assert_eq!(
        ok(&run(&mut s, "rollout restart sts/web")),
        "statefulset.apps/web restarted\n"
    );
    let sts = s
        .sim()
        .api()
        .get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
        .unwrap()
        .to_json();
    assert_eq!(
        sts.pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"),
        Some(&json!(stamp))
    );
    let out = run(&mut s, "rollout pause sts/web");
    assert_eq!(
        out.stderr,
        "error: statefulsets.apps \"web\" pausing is not supported\n"
    );
    let out = run(&mut s, "rollout restart pod/web-0");
    assert_eq!(
        out.stderr,
        "error: pods \"web-0\" restarting is not supported\n"
    );
}

// ----- wait -----

#[test]
fn wait_for_ready_times_out_with_kubectls_error() {
    let mut s = cluster(false);
    with_web(&mut s);
    sleep(&mut s, 2);
    let t0 = s.sim().now();
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=5s");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: timed out waiting for the condition on pods/web-0\n"
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(s.sim().now(), t0 + SimDuration::from_secs(5));
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=0");
    assert_eq!(out.stderr, "error: condition not met for pods/web-0\n");
}

#[test]
fn wait_with_a_negative_timeout_waits_a_week() {
    // Go's duration flags take a sign; wait.go: "negative means wait for a week".
    let mut s = cluster(false);
    with_web(&mut s);
    sleep(&mut s, 2);
    let t0 = s.sim().now();
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=-1s");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        (
            "",
            "error: timed out waiting for the condition on pods/web-0\n",
            1
        )
    );
    assert_eq!(s.sim().now(), t0 + SimDuration::from_secs(168 * 3600));
    // `-0s` is zero: check once.
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=-0s");
    assert_eq!(out.stderr, "error: condition not met for pods/web-0\n");
    // What Go's time.ParseDuration refuses is still a flag error.
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=-1");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr
            .starts_with("Error: invalid argument \"-1\" for \"--timeout\" flag: time: "),
        "{}",
        out.stderr
    );
}

#[test]
fn other_duration_flags_refuse_negative_values() {
    let mut s = cluster(false);
    with_web(&mut s);
    sleep(&mut s, 2);
    // cmdutil.GetPodRunningTimeoutFlag: above zero, or a usage error (exec) / an error (logs).
    let out = run(&mut s, "exec web-0 --pod-running-timeout=-1s -- true");
    assert_eq!(
        out.stderr,
        "error: --pod-running-timeout must be higher than zero\nSee 'kubectl exec -h' for help and examples\n"
    );
    let out = run(&mut s, "logs web-0 --pod-running-timeout=0s");
    assert_eq!(
        out.stderr,
        "error: --pod-running-timeout must be higher than zero\n"
    );
    let out = run(&mut s, "run x --image=busybox --pod-running-timeout=-5m");
    assert_eq!(
        out.stderr,
        "error: --pod-running-timeout must be higher than zero\nSee 'kubectl run -h' for help and examples\n"
    );
    // Where the simulator does not model what a negative value does, it says so.
    let out = run(&mut s, "delete pod web-0 --timeout=-1s");
    assert_eq!(
        out.stderr,
        "stsim: a negative `kubectl delete --timeout` is not supported by the simulator\n"
    );
    assert!(pod_uid(&s, "web-0").is_some(), "nothing was deleted");
}

#[test]
fn wait_returns_when_the_condition_is_met() {
    let mut s = cluster(true);
    with_web(&mut s);
    let out = run(
        &mut s,
        "wait --for=condition=Ready pod -l app=nginx --timeout=60s",
    );
    assert_eq!(out.stderr, "error: no matching resources found\n");
    // The pod does not exist yet at the instant of the apply, as on a real cluster.
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=60s");
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"web-0\" not found\n"
    );
    sleep(&mut s, 1);
    let out = run(&mut s, "wait --for=condition=Ready pod/web-0 --timeout=60s");
    assert_eq!(ok(&out), "pod/web-0 condition met\n");
    let out = run(
        &mut s,
        "wait --for=jsonpath={.status.readyReplicas}=2 sts/web --timeout=60s",
    );
    assert_eq!(ok(&out), "statefulset.apps/web condition met\n");
    let out = run(
        &mut s,
        "wait --for=jsonpath={.status.phase}=Running pods -l app=nginx",
    );
    assert_eq!(
        ok(&out),
        "pod/web-0 condition met\npod/web-1 condition met\n"
    );
    run(&mut s, "delete sts web --wait=false");
    let out = run(&mut s, "wait --for=delete pod/web-1 --timeout=60s");
    assert_eq!(ok(&out), "pod/web-1 condition met\n");
}

// ----- nodes -----

#[test]
fn cordon_uncordon_and_drain_a_node() {
    let mut s = web_running();
    assert_eq!(
        ok(&run(&mut s, "cordon kind-worker2")),
        "node/kind-worker2 cordoned\n"
    );
    assert_eq!(
        ok(&run(&mut s, "cordon kind-worker2")),
        "node/kind-worker2 already cordoned\n"
    );
    assert_eq!(
        ok(&run(&mut s, "uncordon kind-worker2")),
        "node/kind-worker2 uncordoned\n"
    );
    let out = run(&mut s, "drain kind-worker --timeout=20s");
    assert_eq!(
        out.stdout,
        "node/kind-worker cordoned\nevicting pod default/web-0\nevicting pod default/web-1\npod/web-0 evicted\npod/web-1 evicted\nnode/kind-worker drained\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn drain_retries_evictions_a_disruption_budget_refuses() {
    let mut s = cluster(true);
    s.sim_mut().add_controller(Box::new(
        crate::controllers::node::DisruptionController::new(),
    ));
    with_web(&mut s);
    let pdb = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: nginx
";
    assert_eq!(
        ok(&run_stdin(&mut s, "apply -f -", pdb)),
        "poddisruptionbudget.policy/web created\n"
    );
    sleep(&mut s, 30);
    let out = run(&mut s, "drain kind-worker");
    assert!(
        out.stdout.starts_with(
            "node/kind-worker cordoned\nevicting pod default/web-0\nevicting pod default/web-1\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.ends_with("node/kind-worker drained\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n"),
        "{}",
        out.stderr
    );
    assert_eq!(out.exit_code, 0);
}

#[test]
fn drain_refuses_unmanaged_pods_without_force() {
    let mut s = cluster(true);
    let pod = "apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  containers:
  - name: c
    image: busybox
";
    ok(&run_stdin(&mut s, "apply -f -", pod));
    sleep(&mut s, 5);
    let out = run(&mut s, "drain kind-worker");
    assert_eq!(out.stdout, "node/kind-worker cordoned\n");
    assert_eq!(
        out.stderr,
        "error: unable to drain node \"kind-worker\" due to error: cannot delete Pods that declare no controller (use --force to override): default/solo, continuing command...\nThere are pending nodes to be drained:\n kind-worker\ncannot delete Pods that declare no controller (use --force to override): default/solo\n"
    );
    assert_eq!(out.exit_code, 1);
    let out = run(&mut s, "drain kind-worker --force");
    assert_eq!(
        out.stderr,
        "Warning: deleting Pods that declare no controller: default/solo\n"
    );
    assert_eq!(
        out.stdout,
        "node/kind-worker already cordoned\nevicting pod default/solo\npod/solo evicted\nnode/kind-worker drained\n"
    );
}

// ----- describe, api-resources, version, unsupported -----

#[test]
fn describe_uses_the_describers_with_related_objects() {
    let mut s = web_running();
    let out = ok(&run(&mut s, "describe sts web")).to_string();
    assert!(
        out.starts_with("Name:               web\nNamespace:          default\n"),
        "{out}"
    );
    assert!(
        out.contains("Pods Status:        2 Running / 0 Waiting / 0 Succeeded / 0 Failed\n"),
        "{out}"
    );
    assert!(out.contains("Events:\n"), "{out}");
    let pods = ok(&run(&mut s, "describe pods web")).to_string();
    assert_eq!(
        pods.matches("\nName:             web-").count() + 1,
        2,
        "{pods}"
    );
    assert!(pods.starts_with("Name:             web-0\n"), "{pods}");
    assert!(pods.contains("\n\n\nName:             web-1\n"), "{pods}");
    let node = ok(&run(&mut s, "describe node kind-worker")).to_string();
    assert!(
        node.starts_with("Name:               kind-worker\n"),
        "{node}"
    );
    let out = run(&mut s, "describe cm kube-root-ca.crt");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr
            .starts_with("stsim: `kubectl describe configmaps` is not supported")
    );
}

#[test]
fn api_resources_version_and_unsupported_commands() {
    let mut s = cluster(false);
    let out = ok(&run(&mut s, "api-resources")).to_string();
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "NAME                     SHORTNAMES   APIVERSION               NAMESPACED   KIND"
    );
    assert_eq!(
        lines.next().unwrap(),
        "configmaps               cm           v1                       true         ConfigMap"
    );
    assert!(out.contains("\nstatefulsets             sts          apps/v1                  true         StatefulSet\n"), "{out}");
    assert_eq!(
        ok(&run(&mut s, "version")),
        "Client Version: v1.35.0\nKustomize Version: v5.7.1\nServer Version: v1.35.0\n"
    );
    let out = run(&mut s, "port-forward web-0 8080:80");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr
            .starts_with("stsim: `kubectl port-forward` is not supported by the simulator"),
        "{}",
        out.stderr
    );
    let out = run(&mut s, "expose sts web");
    assert!(
        out.stderr
            .starts_with("stsim: `kubectl expose` is not supported"),
        "{}",
        out.stderr
    );
    let out = run(&mut s, "apply -f sts.yaml --server-side");
    assert_eq!(
        out.stderr,
        "stsim: `kubectl apply --server-side` is not supported by the simulator\n"
    );
}

// ----- watch -----

#[test]
fn watch_prints_each_change_and_ends_when_the_cluster_is_quiet() {
    let mut s = cluster(true);
    with_web(&mut s);
    let t0 = s.sim().now();
    let out = run(&mut s, "get pods -w -l app=nginx");
    let text = ok(&out).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("NAME    READY   STATUS"), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("web-0   0/1     Pending")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("web-1   1/1     Running")),
        "{text}"
    );
    assert_eq!(
        lines
            .last()
            .map(|l| l.starts_with("web-1   1/1     Running")),
        Some(true),
        "{text}"
    );
    // The watch ended one quiet period after the last visible change.
    let last_change = s
        .sim()
        .api()
        .watch_events()
        .iter()
        .filter(|e| e.object.kind() == Kind::Pod)
        .map(|e| e.at)
        .max()
        .unwrap();
    assert!(last_change > t0);
    assert_eq!(s.sim().now(), last_change + super::WATCH_QUIET_PERIOD);
}

#[test]
fn watch_of_a_quiet_cluster_ignores_other_objects_and_ends_after_the_quiet_period() {
    let mut s = web_running();
    let t0 = s.sim().now();
    let out = run(&mut s, "get sts -w --output-watch-events");
    assert_eq!(
        ok(&out),
        format!(
            "EVENT      NAME   READY   AGE\nADDED      web    2/2     {}\n",
            crate::printers::duration::human_duration(
                (t0.as_ms()
                    - SimTime::from_k8s_time(
                        s.sim()
                            .api()
                            .get(&ObjectKey::new(Kind::StatefulSet, "default", "web"))
                            .unwrap()
                            .meta()
                            .creation_timestamp
                            .as_ref()
                            .unwrap()
                    )
                    .unwrap()
                    .as_ms()) as i64
            )
        )
    );
    assert_eq!(s.sim().now(), t0 + super::WATCH_QUIET_PERIOD);
    // --request-timeout ends it sooner; --watch-only prints no initial list.
    let t1 = s.sim().now();
    let out = run(&mut s, "get pods --watch-only --request-timeout=5s");
    assert_eq!(ok(&out), "");
    assert_eq!(s.sim().now(), t1 + SimDuration::from_secs(5));
}

#[test]
fn watch_of_one_object_prints_its_changes_as_yaml_documents() {
    let mut s = web_running();
    // A change while watching: scale down removes web-1.
    s.sim_mut().write(|api| {
        api.update_scale(&ObjectKey::new(Kind::StatefulSet, "default", "web"), 1)
            .unwrap();
    });
    let out = run(&mut s, "get pod web-1 -w -o name");
    let text = ok(&out).to_string();
    assert!(text.starts_with("pod/web-1\npod/web-1\n"), "{text}");
    let out = run(&mut s, "get pods,sts -w");
    assert_eq!(
        out.stderr,
        "error: you may only specify a single resource type\n"
    );
}

// ----- determinism -----

fn transcript() -> String {
    let mut s = cluster(true);
    let mut all = String::new();
    for line in [
        "apply -f sts.yaml",
        "get pods -w -l app=nginx",
        "scale sts web --replicas=3",
        "rollout status sts/web",
        "get pods -o wide",
        "set image sts/web nginx=registry.k8s.io/nginx-slim:0.24",
        "rollout status sts/web",
        "rollout history sts/web",
        "rollout undo sts/web",
        "delete pod web-0",
        "get all",
        "describe sts web",
        "get sts web -o yaml",
    ] {
        let out = run(&mut s, line);
        all.push_str(&format!(
            "$ kubectl {line}\n{}{}[{}]\n",
            out.stdout, out.stderr, out.exit_code
        ));
    }
    all
}

#[test]
fn the_same_commands_print_the_same_bytes() {
    let a = transcript();
    let b = transcript();
    assert_eq!(a, b);
    assert!(a.contains("statefulset.apps/web rolled back\n"), "{a}");
}

/// Annotates pod `default/web-0` every ten seconds: a write that changes no printed row.
struct Heartbeat(u32);

impl Controller for Heartbeat {
    fn name(&self) -> &'static str {
        "heartbeat"
    }

    fn keys_for(&self, _: &WatchEvent, _: &ApiServer) -> Vec<ObjectKey> {
        vec![]
    }

    fn reconcile(&mut self, key: &ObjectKey, cx: &mut Cx<'_>) -> Requeue {
        self.0 += 1;
        let patch = json!({"metadata": {"annotations": {"beat": self.0.to_string()}}});
        let _ = cx.patch(
            key,
            crate::apiserver::PatchType::Merge,
            &patch,
            crate::apiserver::Subresource::None,
        );
        Requeue::After(SimDuration::from_secs(10))
    }
}

#[test]
fn writes_that_change_no_row_do_not_keep_a_watch_open() {
    let mut s = web_running();
    s.sim_mut().add_controller(Box::new(Heartbeat(0)));
    let web0 = ObjectKey::new(Kind::Pod, "default", "web-0");
    assert!(s.sim_mut().poke("heartbeat", web0));
    let t0 = s.sim().now();
    let out = run(&mut s, "get pod web-0 -w --no-headers");
    let text = ok(&out).to_string();
    // The initial row, then one repeated row per heartbeat (at 0 s, 10 s, ... 60 s).
    assert_eq!(text.lines().count(), 1 + 7, "{text}");
    assert!(
        text.lines()
            .all(|l| l.starts_with("web-0   1/1   Running   0")),
        "{text}"
    );
    assert_eq!(s.sim().now(), t0 + super::WATCH_QUIET_PERIOD);
    // Changes of another pod are filtered out entirely.
    let t1 = s.sim().now();
    let out = run(&mut s, "get pod web-1 -w --no-headers");
    assert_eq!(ok(&out).lines().count(), 1);
    assert_eq!(s.sim().now(), t1 + super::WATCH_QUIET_PERIOD);
}

#[test]
fn watch_events_print_as_json_with_type_first() {
    let mut s = web_running();
    let out = run(
        &mut s,
        "get sts web -w --output-watch-events -o json --request-timeout=1s",
    );
    let text = ok(&out).to_string();
    assert!(
        text.starts_with(
            "{\n    \"type\": \"ADDED\",\n    \"object\": {\n        \"apiVersion\": \"apps/v1\",\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("    }\n}\n"), "{text}");
}

#[test]
fn v1_endpoints_carry_the_servers_deprecation_warning_once() {
    let mut s = web_running();
    let out = run(&mut s, "get endpoints nginx");
    ok(&out);
    assert_eq!(
        out.stderr,
        "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
    );
    let out = run(&mut s, "get svc,ep");
    assert_eq!(out.stderr.matches("v1 Endpoints is deprecated").count(), 1);
    // Other kinds carry no warning.
    assert_eq!(run(&mut s, "get svc nginx").stderr, "");
}

#[test]
fn v1_endpoints_come_with_the_api_servers_deprecation_warning() {
    let mut s = cluster(false);
    let out = s.run(&["get".into(), "endpoints".into(), "nosuch".into()], "");
    assert_eq!(
        out.stderr,
        "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\nError from server (NotFound): endpoints \"nosuch\" not found\n"
    );
    let out = s.run(&["get".into(), "ep".into()], "");
    assert!(
        out.stderr.starts_with(
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
        ),
        "{out:?}"
    );
}
