//! The real transcripts of the "StatefulSet Basics" tutorial (`../shared/real-transcripts/`),
//! reproduced through the library on a simulated kind cluster: each pod's sequence of states as
//! `kubectl get pods -w` shows them (READY and STATUS, consecutive repeats folded) and the
//! order across pods.
//!
//! The recorded transcripts come from an old kubectl and cluster, so two v1.35 differences are
//! folded away before comparing, and only there:
//! - repeated identical rows are folded on both sides: v1.35 adds writes that change no column
//!   (the scheduler's nominatedNodeName, observedGeneration);
//! - a deleted pod whose containers have exited is moved to a terminal phase by a v1.35 kubelet,
//!   and kubectl >= 1.27 prints that as `Completed` (or `Error`) instead of `Terminating`; such
//!   rows of a terminating pod are compared as `Terminating`.

use std::path::PathBuf;

use serde_json::json;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::apiserver::{DeleteOptions, Propagation, WatchEventType};
use stsim::cluster::world::{self, WorldConfig};
use stsim::engine::SimDuration;
use stsim::kubelet::{pod_ready_column, pod_status_column};
use stsim::sim::Sim;

/// One visible row: pod, READY, STATUS.
type Row = (String, String, String);

fn object(v: serde_json::Value) -> Object {
    let kind = Kind::from_api_version_kind(
        v["apiVersion"].as_str().unwrap(),
        v["kind"].as_str().unwrap(),
    )
    .unwrap();
    Object::from_json(kind, v).unwrap()
}

fn web(replicas: i32, image: &str) -> Object {
    object(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"serviceName": "nginx", "replicas": replicas,
                 "selector": {"matchLabels": {"app": "nginx"}},
                 "template": {"metadata": {"labels": {"app": "nginx"}},
                              "spec": {"containers": [{"name": "nginx", "image": image,
                                  "ports": [{"containerPort": 80, "name": "web"}],
                                  "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "www"},
                     "spec": {"accessModes": ["ReadWriteOnce"],
                              "resources": {"requests": {"storage": "1Gi"}}}}]}
    }))
}

const IMAGE: &str = "registry.k8s.io/nginx-slim:0.24";

/// A kind cluster running the tutorial's `web` StatefulSet with `replicas` Ready pods.
fn lab(replicas: i32) -> Sim {
    let mut sim = world::build(WorldConfig::default()).unwrap();
    sim.write(|api| {
        api.create(object(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"}},
            "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                     "ports": [{"port": 80, "name": "web"}]}
        })))
        .unwrap();
        api.create(web(replicas, IMAGE)).unwrap();
    });
    settle(&mut sim);
    sim
}

fn settle(sim: &mut Sim) {
    sim.run_for(SimDuration::from_secs(120), 2_000_000);
}

fn sts_key() -> ObjectKey {
    ObjectKey::new(Kind::StatefulSet, "default", "web")
}

fn pod_key(name: &str) -> ObjectKey {
    ObjectKey::new(Kind::Pod, "default", name)
}

/// Where a watch started: the position in the watch stream and the rows `kubectl get -w`
/// lists first (the current pods, by name).
struct Watch {
    from: usize,
    initial: Vec<Row>,
}

fn row(ev_obj: &Object, pod: &k8s_openapi::api::core::v1::Pod) -> Row {
    let mut status = pod_status_column(pod);
    if ev_obj.is_terminating() && (status == "Completed" || status == "Error") {
        status = "Terminating".to_string();
    }
    (ev_obj.name().to_string(), pod_ready_column(pod), status)
}

fn is_nginx(o: &Object) -> bool {
    o.labels().get("app").map(String::as_str) == Some("nginx")
}

/// Starts `kubectl get pods -w -l app=nginx`.
fn watch(sim: &Sim) -> Watch {
    let initial = sim
        .api()
        .iter_kind(Kind::Pod, Some("default"))
        .filter(|o| is_nginx(o))
        .filter_map(|o| match &**o {
            Object::Pod(p) => Some(row(o, p)),
            _ => None,
        })
        .collect();
    Watch {
        from: sim.api().watch_events().len(),
        initial,
    }
}

/// The rows the watch printed: the initial list, then a row per change (a deleted pod's last
/// state included).
fn watch_rows(sim: &Sim, w: &Watch) -> Vec<Row> {
    let mut rows = w.initial.clone();
    rows.extend(sim.api().watch_since(w.from).iter().filter_map(|ev| {
        let Object::Pod(pod) = &*ev.object else {
            return None;
        };
        let _ = ev.event_type == WatchEventType::Deleted;
        is_nginx(&ev.object).then(|| row(&ev.object, pod))
    }));
    rows
}

/// Folds consecutive repeats of the same pod's row (other pods' rows in between do not
/// separate them).
fn fold(rows: &[Row]) -> Vec<Row> {
    let mut last: std::collections::BTreeMap<String, (String, String)> = Default::default();
    let mut out = Vec::new();
    for (name, ready, status) in rows {
        let state = (ready.clone(), status.clone());
        if last.get(name) == Some(&state) {
            continue;
        }
        last.insert(name.clone(), state);
        out.push((name.clone(), ready.clone(), status.clone()));
    }
    out
}

/// The rows of a recorded transcript: every data row after its first header (old kubectl
/// printed the header again with the first change).
fn transcript(file: &str) -> Option<Vec<Row>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/real-transcripts")
        .join(file);
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("NAME"))
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f[0].to_string(), f[1].to_string(), f[2].to_string())
            })
            .collect(),
    )
}

fn per_pod(rows: &[Row], pod: &str) -> Vec<(String, String)> {
    rows.iter()
        .filter(|(n, _, _)| n == pod)
        .map(|(_, r, s)| (r.clone(), s.clone()))
        .collect()
}

fn first_index(rows: &[Row], pod: &str, status: &str) -> usize {
    rows.iter()
        .position(|(n, _, s)| n == pod && s == status)
        .unwrap_or_else(|| panic!("{pod} never shows {status}: {rows:?}"))
}

fn last_index(rows: &[Row], pod: &str, status: &str) -> usize {
    rows.iter()
        .rposition(|(n, _, s)| n == pod && s == status)
        .unwrap_or_else(|| panic!("{pod} never shows {status}: {rows:?}"))
}

/// Compares each pod's folded sequence with the transcript's, from the first row with
/// `from_status` on (both sides) when given.
fn assert_pods_like_transcript(file: &str, ours: &[Row], pods: &[&str], from_status: Option<&str>) {
    compare_with_transcript(file, ours, pods, from_status, false);
}

/// Like [`assert_pods_like_transcript`] for a recording that was cut short: each pod's
/// recorded sequence must be the start of ours.
fn assert_pods_start_like_transcript(
    file: &str,
    ours: &[Row],
    pods: &[&str],
    from_status: Option<&str>,
) {
    compare_with_transcript(file, ours, pods, from_status, true);
}

fn compare_with_transcript(
    file: &str,
    ours: &[Row],
    pods: &[&str],
    from_status: Option<&str>,
    prefix: bool,
) {
    let Some(theirs) = transcript(file) else {
        eprintln!("skipping the comparison with {file}: ../shared/real-transcripts not found");
        return;
    };
    let theirs = fold(&theirs);
    let trim = |seq: Vec<(String, String)>| -> Vec<(String, String)> {
        match from_status {
            Some(st) => {
                let start = seq.iter().position(|(_, s)| s == st).unwrap_or(seq.len());
                seq[start..].to_vec()
            }
            None => seq,
        }
    };
    for pod in pods {
        let mut mine = trim(per_pod(ours, pod));
        let recorded = trim(per_pod(&theirs, pod));
        assert!(!recorded.is_empty(), "{pod} is not in {file}");
        if prefix {
            mine.truncate(recorded.len());
        }
        assert_eq!(
            mine, recorded,
            "{pod} in {file}\nours:   {ours:?}\ntheirs: {theirs:?}"
        );
    }
}

#[test]
fn basics_01_ordered_creation() {
    let mut sim = world::build(WorldConfig::default()).unwrap();
    let w = watch(&sim);
    sim.write(|api| api.create(web(2, IMAGE)).unwrap());
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    assert_pods_like_transcript(
        "basics-01-ordered-creation.txt",
        &rows,
        &["web-0", "web-1"],
        None,
    );
    assert!(first_index(&rows, "web-1", "Pending") > first_index(&rows, "web-0", "Running"));
    let checker = stsim::invariants::check(sim.api().watch_events());
    assert_eq!(checker.violations(), &[]);
    assert_eq!(checker.coverage().ordered_creations_checked, 1);
}

#[test]
fn basics_06_deleted_pods_come_back_in_order() {
    let mut sim = lab(2);
    let w = watch(&sim);
    sim.write(|api| {
        for p in ["web-0", "web-1"] {
            api.delete(&pod_key(p), &DeleteOptions::default()).unwrap();
        }
    });
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    // Both terminate; web-0 comes back first, and web-1 only once web-0 is Running.
    let web0_back = first_index(&rows, "web-0", "Pending");
    let web1_back = first_index(&rows, "web-1", "Pending");
    assert!(web0_back < web1_back, "{rows:?}");
    assert!(
        last_index(&rows, "web-0", "Running") < web1_back,
        "{rows:?}"
    );
    assert!(first_index(&rows, "web-1", "Terminating") < web1_back);
    assert_eq!(
        stsim::invariants::check(sim.api().watch_events()).violations(),
        &[]
    );
}

#[test]
fn basics_13_scale_up_adds_pods_one_at_a_time() {
    let mut sim = lab(2);
    let w = watch(&sim);
    sim.write(|api| api.update_scale(&sts_key(), 5).unwrap());
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    assert_pods_like_transcript(
        "basics-13-scale-up-2-to-5-watch.txt",
        &rows,
        &["web-0", "web-1", "web-2", "web-3", "web-4"],
        None,
    );
    assert!(first_index(&rows, "web-3", "Pending") > first_index(&rows, "web-2", "Running"));
    assert!(first_index(&rows, "web-4", "Pending") > first_index(&rows, "web-3", "Running"));
}

#[test]
fn basics_14_scale_down_removes_the_highest_ordinal_first() {
    let mut sim = lab(5);
    let w = watch(&sim);
    sim.write(|api| api.update_scale(&sts_key(), 3).unwrap());
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    // The recorded watch started while web-4 was still starting, and the recording stops
    // before the pods are gone; compare from termination on, as far as it goes.
    assert_pods_start_like_transcript(
        "basics-14-scale-down-5-to-3-watch.txt",
        &rows,
        &["web-4", "web-3"],
        Some("Terminating"),
    );
    // web-3 starts terminating only after web-4 is gone (its last row is printed on DELETED).
    assert!(first_index(&rows, "web-3", "Terminating") > last_index(&rows, "web-4", "Terminating"));
    assert!(sim.api().try_get(&pod_key("web-3")).is_none());
    assert!(sim.api().try_get(&pod_key("web-2")).is_some());
    // The claims stay (retention policy Retain).
    for i in 0..5 {
        let claim = ObjectKey::new(
            Kind::PersistentVolumeClaim,
            "default",
            format!("www-web-{i}"),
        );
        assert!(sim.api().try_get(&claim).is_some(), "www-web-{i} is kept");
    }
    assert_eq!(
        stsim::invariants::check(sim.api().watch_events()).violations(),
        &[]
    );
}

#[test]
fn basics_16_rolling_update_goes_in_reverse_ordinal_order() {
    let mut sim = lab(3);
    let w = watch(&sim);
    sim.write(|api| {
        let mut s = (*api.get(&sts_key()).unwrap()).clone();
        if let Object::StatefulSet(s) = &mut s {
            s.spec
                .as_mut()
                .unwrap()
                .template
                .spec
                .as_mut()
                .unwrap()
                .containers[0]
                .image = Some("registry.k8s.io/nginx-slim:0.27".into());
        }
        api.update(s).unwrap()
    });
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    assert_pods_like_transcript(
        "basics-16-rolling-update-reverse-ordinal-watch.txt",
        &rows,
        &["web-2", "web-1", "web-0"],
        None,
    );
    assert!(first_index(&rows, "web-1", "Terminating") > last_index(&rows, "web-2", "Running"));
    assert!(first_index(&rows, "web-0", "Terminating") > last_index(&rows, "web-1", "Running"));
    for p in ["web-0", "web-1", "web-2"] {
        let Object::Pod(pod) = &*sim.api().get(&pod_key(p)).unwrap() else {
            unreachable!()
        };
        assert_eq!(
            pod.spec.as_ref().unwrap().containers[0].image.as_deref(),
            Some("registry.k8s.io/nginx-slim:0.27")
        );
    }
}

#[test]
fn basics_26_to_28_orphaned_pods_stay_and_are_adopted_again() {
    // The tutorial's set has three pods by then (it was scaled up and back to three).
    let mut sim = lab(3);
    sim.write(|api| {
        api.delete(
            &sts_key(),
            &DeleteOptions {
                propagation: Some(Propagation::Orphan),
                ..Default::default()
            },
        )
        .unwrap()
    });
    settle(&mut sim);
    assert!(sim.api().try_get(&sts_key()).is_none());
    for p in ["web-0", "web-1", "web-2"] {
        let pod = sim.api().get(&pod_key(p)).unwrap();
        assert!(
            pod.meta().owner_references.is_none(),
            "{p} is orphaned and still there"
        );
        assert!(!pod.is_terminating());
    }
    // basics-27: deleting an orphan does not bring it back.
    sim.write(|api| {
        api.delete(&pod_key("web-0"), &DeleteOptions::default())
            .unwrap()
    });
    settle(&mut sim);
    assert!(sim.api().try_get(&pod_key("web-0")).is_none());
    // basics-28: web.yaml (two replicas) again: the new set adopts web-1 and web-2, creates
    // web-0, then removes the surplus web-2.
    let w = watch(&sim);
    sim.write(|api| api.create(web(2, IMAGE)).unwrap());
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    assert_pods_like_transcript(
        "basics-28-recreate-set-adopts-orphans-watch.txt",
        &rows,
        &["web-0", "web-1", "web-2"],
        None,
    );
    assert!(first_index(&rows, "web-2", "Terminating") > first_index(&rows, "web-0", "Running"));
    assert!(sim.api().try_get(&pod_key("web-2")).is_none());
    let set = sim.api().get(&sts_key()).unwrap();
    let adopted = sim.api().get(&pod_key("web-1")).unwrap();
    assert_eq!(
        adopted.controller_ref().map(|r| r.uid.as_str()),
        Some(set.uid())
    );
}

#[test]
fn basics_30_cascading_delete_terminates_every_pod() {
    let mut sim = lab(2);
    let w = watch(&sim);
    sim.write(|api| api.delete(&sts_key(), &DeleteOptions::default()).unwrap());
    settle(&mut sim);
    let rows = fold(&watch_rows(&sim, &w));
    assert_pods_like_transcript(
        "basics-30-cascading-delete-watch.txt",
        &rows,
        &["web-0", "web-1"],
        None,
    );
    for p in ["web-0", "web-1"] {
        assert!(sim.api().try_get(&pod_key(p)).is_none());
    }
    // The claims outlive the set (whenDeleted: Retain).
    assert!(
        sim.api()
            .try_get(&ObjectKey::new(
                Kind::PersistentVolumeClaim,
                "default",
                "www-web-0"
            ))
            .is_some()
    );
}
