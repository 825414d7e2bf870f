//! Durability (issue 5): rows committed with psql into `pg-<i>` are readable from the same
//! ordinal after any sequence of pod deletions, container crashes, node stops, scale down/up
//! and StatefulSet delete/recreate — and a claim deleted with reclaim Delete, or a scale-down
//! under `whenScaled: Delete`, does lose them.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use stsim::api::{Kind, Object, ObjectKey};
use stsim::cluster::world::{WorldConfig, build};
use stsim::engine::SimDuration;
use stsim::kubectl::{Output, Session};
use stsim::sim::faults::{Fault, apply};

const STEPS: u64 = 50_000_000;
const NS: &str = "default";

fn manifest(when_scaled: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata:
  name: pg
spec:
  clusterIP: None
  selector:
    app: pg
  ports:
  - port: 5432
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  serviceName: pg
  replicas: 3
  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy:
    whenScaled: {when_scaled}
  selector:
    matchLabels:
      app: pg
  template:
    metadata:
      labels:
        app: pg
    spec:
      containers:
      - name: postgres
        image: postgres:16
        env:
        - name: POSTGRES_PASSWORD
          value: secret
        - name: PGDATA
          value: /var/lib/postgresql/data/pgdata
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
"
    )
}

struct Cluster {
    s: Session,
    manifest: String,
}

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

impl Cluster {
    fn new(seed: u64, when_scaled: &str) -> Cluster {
        let sim = build(WorldConfig {
            seed,
            ..WorldConfig::default()
        })
        .expect("the cluster comes up");
        let mut c = Cluster {
            s: Session::new(sim),
            manifest: manifest(when_scaled),
        };
        c.apply();
        c.settle(3);
        c
    }

    fn apply(&mut self) {
        let m = self.manifest.clone();
        let out = self.s.run(&words("apply -f -"), &m);
        assert_eq!(out.exit_code, 0, "{}", out.stderr);
    }

    fn kubectl(&mut self, line: &str) -> Output {
        self.s.run(&words(line), "")
    }

    fn psql(&mut self, ordinal: usize, sql: &str) -> Output {
        let mut w = words(&format!("exec pg-{ordinal} -- psql -U postgres -t -A -c"));
        w.push(sql.to_string());
        self.s.run(&w, "")
    }

    /// Waits until `replicas` pods are Ready and each server accepts connections.
    fn settle(&mut self, replicas: usize) {
        for _ in 0..600 {
            self.s.sim_mut().run_for(SimDuration::from_secs(1), STEPS);
            let ready = (0..replicas).all(|i| {
                let w = words(&format!("exec pg-{i} -- pg_isready -U postgres"));
                self.s.run(&w, "").exit_code == 0
            });
            if ready {
                return;
            }
        }
        panic!("the set did not settle within 10 minutes");
    }

    fn node_of(&self, ordinal: usize) -> Option<String> {
        match self
            .s
            .sim()
            .api()
            .try_get(&ObjectKey::new(Kind::Pod, NS, format!("pg-{ordinal}")))
            .map(|o| &**o)
        {
            Some(Object::Pod(p)) => p.spec.as_ref()?.node_name.clone(),
            _ => None,
        }
    }

    fn rows(&mut self, ordinal: usize) -> BTreeSet<i64> {
        let out = self.psql(ordinal, "SELECT id FROM t ORDER BY id;");
        assert_eq!(out.exit_code, 0, "pg-{ordinal}: {}", out.stderr);
        out.stdout
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.parse().expect("an id"))
            .collect()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Write(usize),
    DeletePod(usize),
    Crash(usize),
    NodeBounce(usize),
    ScaleDownUp(usize),
    RecreateSet,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3).prop_map(Op::Write),
        2 => (0usize..3).prop_map(Op::DeletePod),
        2 => (0usize..3).prop_map(Op::Crash),
        1 => (0usize..3).prop_map(Op::NodeBounce),
        1 => (1usize..3).prop_map(Op::ScaleDownUp),
        1 => Just(Op::RecreateSet),
    ]
}

fn run_ops(c: &mut Cluster, ops: &[Op]) -> BTreeMap<usize, BTreeSet<i64>> {
    let mut committed: BTreeMap<usize, BTreeSet<i64>> = BTreeMap::new();
    for i in 0..3 {
        let out = c.psql(i, "CREATE TABLE t (id INT);");
        assert_eq!(out.exit_code, 0, "{}", out.stderr);
        committed.insert(i, BTreeSet::new());
    }
    let mut next_id = 1i64;
    for op in ops {
        match op {
            Op::Write(i) => {
                let out = c.psql(*i, &format!("INSERT INTO t VALUES ({next_id});"));
                assert_eq!(out.exit_code, 0, "{op:?}: {}", out.stderr);
                committed.entry(*i).or_default().insert(next_id);
                next_id += 1;
            }
            Op::DeletePod(i) => {
                let out = c.kubectl(&format!("delete pod pg-{i}"));
                assert_eq!(out.exit_code, 0, "{}", out.stderr);
                c.settle(3);
            }
            Op::Crash(i) => {
                apply(
                    c.s.sim_mut(),
                    &Fault::Crash {
                        namespace: NS.into(),
                        pod: format!("pg-{i}"),
                        container: None,
                        code: 137,
                    },
                    STEPS,
                )
                .expect("the pod exists");
                c.settle(3);
            }
            Op::NodeBounce(i) => {
                let node = c.node_of(*i).expect("scheduled");
                apply(c.s.sim_mut(), &Fault::NodeStop(node.clone()), STEPS).unwrap();
                c.s.sim_mut().run_for(SimDuration::from_secs(20), STEPS);
                apply(c.s.sim_mut(), &Fault::NodeStart(node), STEPS).unwrap();
                c.settle(3);
            }
            Op::ScaleDownUp(n) => {
                let out = c.kubectl(&format!("scale sts pg --replicas={n}"));
                assert_eq!(out.exit_code, 0, "{}", out.stderr);
                c.s.sim_mut().run_for(SimDuration::from_secs(60), STEPS);
                let out = c.kubectl("scale sts pg --replicas=3");
                assert_eq!(out.exit_code, 0, "{}", out.stderr);
                c.settle(3);
            }
            Op::RecreateSet => {
                let out = c.kubectl("delete sts pg");
                assert_eq!(out.exit_code, 0, "{}", out.stderr);
                c.s.sim_mut().run_for(SimDuration::from_secs(60), STEPS);
                c.apply();
                c.settle(3);
            }
        }
    }
    committed
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn committed_rows_survive_pod_disruptions(seed in 0u64..1000, ops in prop::collection::vec(op(), 1..8)) {
        let mut c = Cluster::new(seed, "Retain");
        let committed = run_ops(&mut c, &ops);
        for (i, rows) in committed {
            prop_assert_eq!(c.rows(i), rows, "pg-{} after {:?}", i, ops);
        }
    }
}

#[test]
fn a_scale_down_under_when_scaled_delete_loses_the_removed_ordinals_data() {
    let mut c = Cluster::new(11, "Delete");
    let committed = run_ops(&mut c, &[Op::Write(0), Op::Write(2)]);
    assert_eq!(committed[&2].len(), 1);
    let out = c.kubectl("scale sts pg --replicas=2");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.s.sim_mut().run_for(SimDuration::from_secs(120), STEPS);
    let out = c.kubectl("scale sts pg --replicas=3");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.settle(3);
    // pg-2 starts on a new, empty claim: initdb again, no table.
    let out = c.psql(2, "SELECT id FROM t;");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.contains("relation \"t\" does not exist"),
        "{}",
        out.stderr
    );
    // pg-0 kept its claim.
    assert_eq!(c.rows(0), committed[&0]);
}

#[test]
fn deleting_a_claim_with_reclaim_delete_loses_its_data() {
    let mut c = Cluster::new(12, "Retain");
    let committed = run_ops(&mut c, &[Op::Write(1)]);
    assert_eq!(committed[&1].len(), 1);
    let out = c.kubectl("delete sts pg");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let out = c.kubectl("delete pvc data-pg-1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.s.sim_mut().run_for(SimDuration::from_secs(60), STEPS);
    c.apply();
    c.settle(3);
    let out = c.psql(1, "SELECT id FROM t;");
    assert_eq!(out.exit_code, 1, "{}", out.stdout);
    assert!(
        out.stderr.contains("relation \"t\" does not exist"),
        "{}",
        out.stderr
    );
    assert_eq!(c.rows(0), committed[&0]);
}

#[test]
fn the_property_catches_a_kubelet_that_loses_claims() {
    // The same check, against a kubelet with a deliberate bug (claims mounted as emptyDirs):
    // a pod deletion must expose it.
    let mut c = Cluster::new(13, "Retain");
    c.s.sim_mut().env_mut().sabotage_claims_as_empty_dirs = true;
    // Pods created from now on get the bug; replace the running ones.
    let out = c.kubectl("delete pod pg-0 pg-1 pg-2");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.settle(3);
    let committed = run_ops(&mut c, &[Op::Write(0), Op::DeletePod(0)]);
    let out = c.psql(0, "SELECT id FROM t;");
    assert!(
        out.exit_code != 0 || out.stdout.trim().is_empty(),
        "the broken kubelet kept {:?}: {}",
        committed[&0],
        out.stdout
    );
}
