//! `exec`, `logs`, `run`, `cp` and the bytes behind volumes, on a whole simulated kind
//! cluster (real scheduler, kubelets, provisioner).

use super::Session;
use crate::api::{Kind, Object, ObjectKey};
use crate::cluster::world::{WorldConfig, build};
use crate::scenario::parse::{Form, Step};
use crate::scenario::run::{Action, classify};
use crate::sim::faults::{Fault, apply};
use crate::store::{ContainerKey, VolumeId};

const STEPS: u64 = 50_000_000;

const WEB: &str = "apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - port: 80
    name: web
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
";

fn session() -> Session {
    let sim = build(WorldConfig::default()).expect("the cluster comes up");
    Session::new(sim)
}

/// Runs a `kubectl …` line as a scenario runs it: split into words by the runner's shell
/// (quotes removed); a line the runner would refuse, or one that is not a single kubectl
/// command, fails the test.
fn run(s: &mut Session, line: &str) -> super::Output {
    let step = Step {
        line: 1,
        command: line.to_string(),
        heredoc: None,
        expected: None,
        is_comment: false,
    };
    match classify(&step, Form::Transcript) {
        Ok(Action::Kubectl(words)) => s.run(&words, ""),
        other => panic!("`{line}` is not one kubectl command: {other:?}"),
    }
}

fn web_ready(s: &mut Session) {
    let out = s.run(&["apply".into(), "-f".into(), "-".into()], WEB);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = run(
        s,
        "kubectl wait --for=jsonpath={.status.readyReplicas}=2 sts/web --timeout=300s",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
}

fn pod_uid(s: &Session, name: &str) -> String {
    s.sim()
        .api()
        .try_get(&ObjectKey::new(Kind::Pod, "default", name))
        .map(|o| o.uid().to_string())
        .unwrap_or_default()
}

fn key(s: &Session, pod: &str) -> ContainerKey {
    ContainerKey::new(pod_uid(s, pod), "nginx")
}

fn write(s: &mut Session, pod: &str, path: &str, data: &[u8]) {
    let k = key(s, pod);
    let now = s.sim().now();
    let mut v = s.sim_mut().env_mut().world.view(&k, now).expect("running");
    v.write(path, data).unwrap();
}

fn read(s: &mut Session, pod: &str, path: &str) -> Option<Vec<u8>> {
    let k = key(s, pod);
    let now = s.sim().now();
    let v = s.sim_mut().env_mut().world.view(&k, now)?;
    v.read(path).ok()
}

#[test]
fn a_pods_volume_bytes_follow_its_identity_and_its_layer_does_not() {
    let mut s = session();
    web_ready(&mut s);
    write(
        &mut s,
        "web-0",
        "/usr/share/nginx/html/index.html",
        b"web-0\n",
    );
    write(&mut s, "web-0", "/tmp/scratch", b"gone soon\n");
    // kind's local-path volumes are plain directories on the node: no lost+found (a
    // block-device volume of a cloud class has one).
    {
        let k = key(&s, "web-0");
        let now = s.sim().now();
        let v = s.sim_mut().env_mut().world.view(&k, now).unwrap();
        assert_eq!(v.list("/usr/share/nginx/html").unwrap(), ["index.html"]);
    }
    let old = pod_uid(&s, "web-0");
    let out = run(&mut s, "kubectl delete pod web-0");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    // The controller recreates web-0 a moment after the old one is gone.
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(1), STEPS);
    let out = run(
        &mut s,
        "kubectl wait --for=condition=Ready pod/web-0 --timeout=300s",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_ne!(pod_uid(&s, "web-0"), old);
    assert_eq!(
        read(&mut s, "web-0", "/usr/share/nginx/html/index.html").as_deref(),
        Some(&b"web-0\n"[..])
    );
    assert_eq!(read(&mut s, "web-0", "/tmp/scratch"), None);
    // web-1 has its own claim: nothing of web-0's there.
    assert_eq!(
        read(&mut s, "web-1", "/usr/share/nginx/html/index.html"),
        None
    );
}

fn pv_of(s: &Session, claim: &str) -> String {
    match s
        .sim()
        .api()
        .try_get(&ObjectKey::new(
            Kind::PersistentVolumeClaim,
            "default",
            claim,
        ))
        .map(|o| &**o)
    {
        Some(Object::PersistentVolumeClaim(c)) => c
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[test]
fn deleting_the_claim_with_reclaim_delete_destroys_the_bytes() {
    let mut s = session();
    web_ready(&mut s);
    write(
        &mut s,
        "web-1",
        "/usr/share/nginx/html/index.html",
        b"web-1\n",
    );
    let pv = pv_of(&s, "www-web-1");
    assert!(!pv.is_empty());
    // kind's local-path volumes live on the node's disk.
    let has_bytes = |s: &Session| {
        let w = &s.sim().env().world;
        w.volume_if_exists(&VolumeId::Pv(pv.clone())).is_some()
            || s.sim()
                .api()
                .try_get(&ObjectKey::cluster(Kind::PersistentVolume, &pv))
                .and_then(|o| match &**o {
                    Object::PersistentVolume(p) => p.spec.as_ref()?.host_path.clone(),
                    _ => None,
                })
                .is_some_and(|hp| {
                    ["kind-worker", "kind-worker2", "kind-worker3"]
                        .iter()
                        .any(|n| {
                            w.volume_if_exists(&VolumeId::HostPath {
                                node: (*n).to_string(),
                                path: hp.path.clone(),
                            })
                            .is_some()
                        })
                })
    };
    assert!(has_bytes(&s));
    let out = run(&mut s, "kubectl scale sts web --replicas=1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = run(&mut s, "kubectl wait --for=delete pod/web-1 --timeout=300s");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    // Scaled down: the claim (and the bytes) stay.
    assert!(has_bytes(&s));
    let out = run(&mut s, "kubectl delete pvc www-web-1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(60), STEPS);
    assert!(!has_bytes(&s), "the PV's storage was reclaimed");
}

#[test]
fn exec_and_logs_errors_are_kubectls() {
    let mut s = session();
    web_ready(&mut s);
    let out = run(&mut s, "kubectl exec web-9 -- hostname");
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"web-9\" not found\n"
    );
    assert_eq!(out.exit_code, 1);
    let out = run(&mut s, "kubectl exec web-0");
    assert_eq!(
        out.stderr,
        "error: you must specify at least one command for the container\n"
    );
    let out = run(&mut s, "kubectl exec web-0 hostname");
    assert!(
        out.stderr.starts_with(
            "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
        ),
        "{}",
        out.stderr
    );
    let out = run(&mut s, "kubectl exec web-0 -c nope -- hostname");
    assert_eq!(
        out.stderr,
        "Error from server (BadRequest): container nope is not valid for pod web-0\n"
    );
    let out = run(&mut s, "kubectl logs web-0 --previous");
    assert_eq!(
        out.stderr,
        "Error from server (BadRequest): previous terminated container \"nginx\" in pod \"web-0\" not found\n"
    );
    let out = run(&mut s, "kubectl run x --image=busybox --rm");
    assert_eq!(
        out.stderr,
        "error: --rm should only be used for attached containers\n"
    );
}

#[test]
fn a_crash_restarts_the_container_and_keeps_the_previous_log() {
    let mut s = session();
    web_ready(&mut s);
    let k = key(&s, "web-0");
    let now = s.sim().now();
    s.sim_mut()
        .env_mut()
        .world
        .log(&k, now, crate::store::Stream::Stdout, "first instance");
    apply(
        s.sim_mut(),
        &Fault::Crash {
            namespace: "default".into(),
            pod: "web-0".into(),
            container: None,
            code: 137,
        },
        STEPS,
    )
    .unwrap();
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(30), STEPS);
    let out = run(
        &mut s,
        "kubectl get pod web-0 -o jsonpath={.status.containerStatuses[0].restartCount}",
    );
    assert_eq!(out.stdout, "1");
    let out = run(&mut s, "kubectl logs web-0 -p");
    assert_eq!(out.stdout, "first instance\n", "{}", out.stderr);
    let out = run(&mut s, "kubectl logs web-0");
    assert_eq!(out.stdout, "");
    assert_eq!(
        apply(
            s.sim_mut(),
            &Fault::Crash {
                namespace: "default".into(),
                pod: "web-7".into(),
                container: None,
                code: 1,
            },
            STEPS,
        )
        .unwrap_err()
        .0,
        "pods \"web-7\" not found"
    );
}

const VOLUMES: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  app.properties: |
    mode=demo
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  username: admin
---
apiVersion: v1
kind: Pod
metadata:
  name: vols
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sleep, '3600']
    env:
    - name: USER_NAME
      valueFrom:
        secretKeyRef:
          name: creds
          key: username
    - name: GREETING
      value: hello-$(USER_NAME)
    volumeMounts:
    - name: config
      mountPath: /etc/config
    - name: secret
      mountPath: /etc/secrets
    - name: cache
      mountPath: /cache
    - name: host
      mountPath: /host
  volumes:
  - name: config
    configMap:
      name: app-config
  - name: secret
    secret:
      secretName: creds
      defaultMode: 0400
  - name: cache
    emptyDir: {}
  - name: host
    hostPath:
      path: /var/data
";

#[test]
fn configmap_secret_emptydir_and_hostpath_volumes_hold_what_the_kubelet_writes() {
    let mut s = session();
    let out = s.run(&["apply".into(), "-f".into(), "-".into()], VOLUMES);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = run(
        &mut s,
        "kubectl wait --for=condition=Ready pod/vols --timeout=300s",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let k = ContainerKey::new(pod_uid(&s, "vols"), "app");
    let now = s.sim().now();
    let node;
    {
        let w = &mut s.sim_mut().env_mut().world;
        let setup = w.setup(&k).unwrap().clone();
        assert_eq!(setup.env("USER_NAME"), Some("admin"));
        assert_eq!(setup.env("GREETING"), Some("hello-admin"));
        node = setup.node.clone();
        let mut v = w.view(&k, now).unwrap();
        assert_eq!(
            v.read("/etc/config/app.properties").unwrap(),
            b"mode=demo\n"
        );
        // The key is a link into the AtomicWriter's `..data`; the file behind it has the mode.
        assert!(matches!(
            v.lookup("/etc/secrets/username").unwrap(),
            crate::store::Node::Symlink { .. }
        ));
        assert_eq!(
            v.lookup("/etc/secrets/..data/username")
                .unwrap()
                .meta()
                .mode,
            0o400
        );
        assert_eq!(
            v.write("/etc/config/x", b"1"),
            Err(crate::store::FsError::ReadOnly)
        );
        v.write("/cache/tmp", b"1").unwrap();
        v.write("/host/keep", b"1").unwrap();
    }
    // The pod goes: its emptyDir with it, the node's directory stays.
    let out = run(&mut s, "kubectl delete pod vols");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let w = &s.sim().env().world;
    assert!(
        w.volume_if_exists(&VolumeId::EmptyDir {
            pod_uid: k.pod_uid.clone(),
            name: "cache".into()
        })
        .is_none()
    );
    let host = w
        .volume_if_exists(&VolumeId::HostPath {
            node: node.clone(),
            path: "/var/data".into(),
        })
        .expect("the node's directory outlives the pod");
    assert_eq!(host.read("/keep").unwrap(), b"1");
    // Until the node loses its disk.
    apply(s.sim_mut(), &Fault::DiskLoss(node.clone()), STEPS).unwrap();
    assert!(
        s.sim()
            .env()
            .world
            .volume_if_exists(&VolumeId::HostPath {
                node,
                path: "/var/data".into(),
            })
            .is_none()
    );
}

fn apply_file(s: &mut Session, path: &str) {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap();
    let out = s.run(&["apply".into(), "-f".into(), "-".into()], &text);
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
}

#[test]
fn psql_rows_survive_the_pods_deletion() {
    let mut s = session();
    for f in ["namespace", "service", "statefulset"] {
        apply_file(
            &mut s,
            &format!("models/statefulset-recovery/manifests/{f}.yaml"),
        );
    }
    let out = run(
        &mut s,
        "kubectl rollout status statefulset/postgres-sts -n scenarios --timeout=600s",
    );
    assert_eq!(out.exit_code, 0, "{}{}", out.stdout, out.stderr);
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(10), STEPS);
    let out = run(
        &mut s,
        "kubectl exec postgres-sts-0 -n scenarios -- psql -U postgres -c \"CREATE TABLE test (id INT, data TEXT);\"",
    );
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("CREATE TABLE\n", "", 0)
    );
    let out = run(
        &mut s,
        "kubectl exec postgres-sts-0 -n scenarios -- psql -U postgres -c \"INSERT INTO test VALUES (1, 'persistent data');\"",
    );
    assert_eq!(out.stdout, "INSERT 0 1\n", "{}", out.stderr);
    let out = run(&mut s, "kubectl delete pod postgres-sts-0 -n scenarios");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(1), STEPS);
    let out = run(
        &mut s,
        "kubectl wait --for=condition=Ready pod/postgres-sts-0 -n scenarios --timeout=300s",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(5), STEPS);
    let out = run(
        &mut s,
        "kubectl exec postgres-sts-0 -n scenarios -- psql -U postgres -c \"SELECT * FROM test;\"",
    );
    assert_eq!(
        out.stdout,
        " id |      data       \n----+-----------------\n  1 | persistent data\n(1 row)\n\n",
        "{}",
        out.stderr
    );
    let out = run(
        &mut s,
        "kubectl exec postgres-sts-0 -n scenarios -- psql -U postgres -c \"SELECT * FROM missing;\"",
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "ERROR:  relation \"missing\" does not exist\nLINE 1: SELECT * FROM missing;\n                      ^\ncommand terminated with exit code 1\n"
    );
    let out = run(&mut s, "kubectl logs postgres-sts-0 -n scenarios");
    assert!(
        out.stdout
            .contains("database system is ready to accept connections"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_basics_tutorials_exec_and_run_commands() {
    let mut s = session();
    web_ready(&mut s);
    let out = run(&mut s, "kubectl exec web-0 -- sh -c 'hostname'");
    assert_eq!(
        (out.stdout.as_str(), out.exit_code),
        ("web-0\n", 0),
        "{}",
        out.stderr
    );
    // Ready (no probe) comes with the container's start; nginx listens a moment later.
    s.sim_mut()
        .run_for(crate::engine::SimDuration::from_secs(2), STEPS);
    let out = run(&mut s, "kubectl exec web-1 -- curl -s http://localhost/");
    assert!(
        out.stdout.contains("403 Forbidden"),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let out = run(
        &mut s,
        "kubectl exec web-1 -- sh -c 'echo \"$(hostname)\" > /usr/share/nginx/html/index.html'",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = run(&mut s, "kubectl exec -i -t web-1 -- curl http://localhost/");
    assert_eq!(out.stdout, "web-1\n", "{}", out.stderr);
    let out = run(&mut s, "kubectl exec web-1 -- cat /nope");
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "cat: /nope: No such file or directory\ncommand terminated with exit code 1\n"
    );
    let out = run(&mut s, "kubectl exec web-1 -- nosuchprogram");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.starts_with("error: Internal error occurred: "),
        "{}",
        out.stderr
    );
    let out = run(
        &mut s,
        "kubectl run -i --tty --image busybox:1.28 dns-test --restart=Never --rm -- nslookup web-0.nginx",
    );
    assert_eq!(out.exit_code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web-0.nginx\nAddress 1: 10.244."), "{}", out.stdout);
    assert!(
        out.stdout
            .ends_with("pod \"dns-test\" deleted from default namespace\n"),
        "{}",
        out.stdout
    );
    let out = run(
        &mut s,
        "kubectl run -i --tty --image busybox:1.28 dns-test --restart=Never --rm -- nslookup web-5.nginx",
    );
    assert_eq!(out.exit_code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .ends_with("pod default/dns-test terminated (Error)\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn cp_copies_out_of_one_pod_and_into_another() {
    let mut s = session();
    web_ready(&mut s);
    write(
        &mut s,
        "web-0",
        "/usr/share/nginx/html/index.html",
        b"web-0\n",
    );
    let out = run(
        &mut s,
        "kubectl cp web-0:/usr/share/nginx/html/index.html ./backup.html",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "tar: Removing leading `/' from member names\n");
    let out = run(
        &mut s,
        "kubectl cp ./backup.html web-1:/usr/share/nginx/html/",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(
        read(&mut s, "web-1", "/usr/share/nginx/html/backup.html").as_deref(),
        Some(&b"web-0\n"[..])
    );
    let out = run(&mut s, "kubectl cp web-0:/nope ./x");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr
            .contains("tar: nope: Cannot stat: No such file or directory"),
        "{}",
        out.stderr
    );
    let out = run(&mut s, "kubectl cp ./missing web-0:/tmp/");
    assert_eq!(
        out.stderr,
        "error: ./missing doesn't exist in local filesystem\n"
    );
}
