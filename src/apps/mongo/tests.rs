//! The MongoDB replica-set model: initiate, status, writes on the primary only, failover.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::*;
use crate::exec::ExecResult;
use crate::exec::testing::Bench;
use crate::kubelet::AppCx;
use crate::store::{ContainerKey, ContainerSetup, Mount, NODE_DISK_BYTES, VolumeId};

struct Set {
    bench: Bench,
    pods: Vec<(Pod, Container, MongoModel)>,
}

fn ip(i: usize) -> String {
    format!("10.244.1.{}", 10 + i)
}

fn key(i: usize) -> ContainerKey {
    ContainerKey::new(format!("uid-mongo-{i}"), "mongo")
}

impl Set {
    fn new(n: usize) -> Set {
        let mut s = Set {
            bench: Bench::new(),
            pods: Vec::new(),
        };
        for i in 0..n {
            let mut pod = Pod::default();
            pod.metadata.name = Some(format!("mongo-{i}"));
            pod.metadata.uid = Some(format!("uid-mongo-{i}"));
            let c = Container {
                name: "mongo".into(),
                image: Some("mongo:7.0".into()),
                command: Some(vec!["mongod".into()]),
                args: Some(vec![
                    "--replSet".into(),
                    "rs0".into(),
                    "--bind_ip_all".into(),
                ]),
                ..Default::default()
            };
            let info = ContainerInfo {
                pod: &pod,
                container: &c,
                is_init: false,
                restart_count: 0,
                pod_ip: "",
            };
            let m = MongoModel::new(&info);
            s.pods.push((pod, c, m));
            s.boot(i);
        }
        s.advance(2_000);
        s
    }

    fn boot(&mut self, i: usize) {
        let setup = ContainerSetup {
            namespace: "default".into(),
            pod: format!("mongo-{i}"),
            node: "kind-worker".into(),
            pod_ip: ip(i),
            hostname: format!("mongo-{i}"),
            image: "mongo:7.0".into(),
            mounts: vec![Mount {
                path: "/data/db".into(),
                volume: VolumeId::Pv(format!("pv-mongo-{i}")),
                sub_path: String::new(),
                read_only: false,
            }],
            ..ContainerSetup::default()
        };
        let now = self.bench.now;
        self.bench
            .world
            .volume(&VolumeId::Pv(format!("pv-mongo-{i}")), 1 << 30, now);
        let mut layer = crate::store::Fs::new(NODE_DISK_BYTES, now);
        (crate::apps::profile("mongo:7.0").layer)(&mut layer, now);
        self.bench.world.start_container(&key(i), setup, layer);
        let (pod, c, m) = &mut self.pods[i];
        let info = ContainerInfo {
            pod,
            container: c,
            is_init: false,
            restart_count: 0,
            pod_ip: "",
        };
        *m = MongoModel::new(&info);
        let mut cx = AppCx {
            info,
            since_start: SimDuration::ZERO,
            rng: &mut self.bench.rng,
            now,
            world: &mut self.bench.world,
            api: &self.bench.api,
            dns: &mut self.bench.dns,
        };
        let s = m.start(&mut cx);
        assert_eq!(s.ready_after, Some(READY_AFTER));
    }

    fn term(&mut self, i: usize) {
        let now = self.bench.now;
        let (pod, c, m) = &mut self.pods[i];
        let info = ContainerInfo {
            pod,
            container: c,
            is_init: false,
            restart_count: 0,
            pod_ip: "",
        };
        let mut cx = AppCx {
            info,
            since_start: SimDuration::from_secs(1),
            rng: &mut self.bench.rng,
            now,
            world: &mut self.bench.world,
            api: &self.bench.api,
            dns: &mut self.bench.dns,
        };
        assert_eq!(m.on_signal(&mut cx, Signal::Term).map(|e| e.code), Some(0));
        self.bench.world.stop_process(&key(i));
    }

    fn advance(&mut self, ms: u64) {
        self.bench.now += SimDuration::from_ms(ms);
    }

    fn eval(&mut self, i: usize, js: &str) -> ExecResult {
        self.bench
            .exec(&key(i), &["mongosh", "--quiet", "--eval", js], false, None)
            .expect("the mongo image has mongosh")
    }

    fn out(&mut self, i: usize, js: &str) -> String {
        let r = self.eval(i, js);
        assert_eq!(r.code, 0, "{js}: {r:?}");
        r.stdout
    }

    fn state_of(&mut self, i: usize, of: usize) -> String {
        self.out(i, &format!("rs.status().members[{of}].stateStr"))
    }
}

const INITIATE: &str = "rs.initiate({_id: \"rs0\", members: [{_id: 0, host: \"10.244.1.10:27017\"}, {_id: 1, host: \"10.244.1.11:27017\"}, {_id: 2, host: \"10.244.1.12:27017\"}]})";

#[test]
fn initiate_insert_failover_and_rejoin() {
    let mut s = Set::new(3);
    assert_eq!(s.out(0, INITIATE), "{ ok: 1 }\n");
    assert_eq!(
        s.eval(0, INITIATE).stderr,
        "MongoServerError: already initialized\n"
    );
    assert_eq!(s.state_of(0, 0), "PRIMARY\n");
    assert_eq!(s.state_of(1, 0), "PRIMARY\n");
    assert_eq!(s.state_of(2, 1), "SECONDARY\n");
    assert_eq!(s.out(0, "rs.status().set"), "rs0\n");
    assert_eq!(s.out(1, "db.hello().primary"), "10.244.1.10:27017\n");
    assert_eq!(s.out(1, "db.hello().isWritablePrimary"), "false\n");

    // Writes on the primary, from a piped script.
    let r = s
        .bench
        .exec(
            &key(0),
            &["mongosh", "--quiet"],
            false,
            Some(
                "use testdb\ndb.users.insertOne({name: \"Alice\", age: 30, city: \"New York\"})\n",
            ),
        )
        .unwrap();
    assert!(
        r.stdout.starts_with(
            "switched to db testdb\n{\n  acknowledged: true,\n  insertedId: ObjectId('"
        ),
        "{r:?}"
    );
    // Not on a secondary.
    let r = s.eval(
        1,
        "db.getSiblingDB('testdb').users.insertOne({name: 'Eve'})",
    );
    assert_eq!(
        (r.stderr.as_str(), r.code),
        ("MongoServerError: not primary\n", 1)
    );
    // Reads on the secondary see the replicated document.
    assert_eq!(
        s.out(1, "db.getSiblingDB('testdb').users.countDocuments()"),
        "1\n"
    );
    let found = s.out(2, "use testdb; db.users.find({name: 'Alice'})");
    assert!(
        found.contains("    name: 'Alice',\n    age: 30,\n    city: 'New York'\n  }\n]\n"),
        "{found}"
    );

    // The primary dies abruptly: no primary until the election timeout has passed.
    s.bench.world.stop_process(&key(0));
    s.advance(1_000);
    assert_eq!(s.state_of(1, 0), "(not reachable/healthy)\n");
    assert_eq!(s.state_of(1, 1), "SECONDARY\n");
    s.advance(10_500);
    assert_eq!(s.state_of(2, 1), "PRIMARY\n");
    assert_eq!(s.out(1, "rs.status().term"), "Long('2')\n");
    assert_eq!(
        s.out(
            1,
            "db.getSiblingDB('testdb').users.insertOne({_id: 2, name: 'Bob'}).insertedId"
        ),
        "2\n"
    );

    // The old primary comes back with its volume and rejoins as a secondary, caught up.
    s.boot(0);
    s.advance(2_000);
    assert_eq!(s.state_of(0, 0), "SECONDARY\n");
    assert_eq!(s.state_of(0, 1), "PRIMARY\n");
    assert_eq!(
        s.out(0, "db.getSiblingDB('testdb').users.countDocuments()"),
        "2\n"
    );
}

#[test]
fn graceful_primary_shutdown_elects_within_seconds_and_freshest_wins_ties_by_id() {
    let mut s = Set::new(3);
    s.out(0, INITIATE);
    s.out(0, "db.t.insertOne({x: 1})");
    s.term(0);
    s.advance(1_000);
    assert_eq!(s.state_of(2, 1), "SECONDARY\n");
    s.advance(1_500);
    assert_eq!(s.state_of(2, 1), "PRIMARY\n");
    assert_eq!(s.state_of(2, 2), "SECONDARY\n");
    assert_eq!(s.out(2, "db.t.countDocuments()"), "1\n");
}

#[test]
fn no_election_without_a_majority() {
    let mut s = Set::new(3);
    s.out(0, INITIATE);
    s.bench.world.stop_process(&key(0));
    s.bench.world.stop_process(&key(1));
    s.advance(30_000);
    s.out(2, "rs.status()");
    s.advance(30_000);
    assert_eq!(s.state_of(2, 2), "SECONDARY\n");
    let r = s.eval(2, "db.t.insertOne({x: 1})");
    assert_eq!(r.stderr, "MongoServerError: not primary\n");
}

#[test]
fn shell_errors_and_standalone_mode() {
    let mut s = Set::new(1);
    let r = s.eval(
        0,
        "rs.initiate({_id: 'other', members: [{_id: 0, host: '10.244.1.10:27017'}]})",
    );
    assert_eq!(
        r.stderr,
        "MongoServerError: Attempting to initiate a replica set with name other, but command line reports rs0; rejecting\n"
    );
    assert_eq!(
        s.eval(0, "foo.bar()").stderr,
        "ReferenceError: foo is not defined\n"
    );
    assert_eq!(s.out(0, "db.adminCommand('ping')"), "{ ok: 1 }\n");
    let r = s.eval(0, "rs.initiate()");
    assert_eq!(
        r.stdout,
        "{\n  info2: 'no configuration specified. Using a default configuration for the set',\n  me: 'mongo-0:27017',\n  ok: 1\n}\n"
    );
    assert_eq!(s.state_of(0, 0), "PRIMARY\n");
    let r = s
        .bench
        .exec(
            &key(0),
            &["mongosh", "--host", "10.244.1.99", "--quiet", "--eval", "1"],
            false,
            None,
        )
        .unwrap();
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("Mongo"), "{r:?}");
    // An interactive session shows the replica-set prompt.
    let r = s
        .bench
        .exec(
            &key(0),
            &["mongosh", "--quiet"],
            true,
            Some("use shop\ndb.getName()\n"),
        )
        .unwrap();
    assert_eq!(
        r.stdout,
        "rs0 [direct: primary] test> use shop\nswitched to db shop\nrs0 [direct: primary] shop> db.getName()\nshop\nrs0 [direct: primary] shop> "
    );
    assert_eq!(
        mongod_args(&[], &[]),
        Some(MongodArgs {
            repl_set: None,
            port: 27017,
            dbpath: "/data/db".into(),
            key_file: None,
        })
    );
    assert_eq!(
        mongod_args(
            &[],
            &["--replSet=rs0".into(), "--port".into(), "27018".into()]
        )
        .map(|a| (a.repl_set, a.port)),
        Some((Some("rs0".into()), 27018))
    );
    let p = crate::apps::profile("mongo:7.0");
    assert!(p.programs.iter().any(|x| x == "mongosh"));
    assert!(
        p.env
            .contains(&("MONGO_MAJOR".to_string(), "7.0".to_string()))
    );
}

#[test]
fn interactive_session_with_a_multi_line_initiate() {
    let mut s = Set::new(3);
    let script = "rs.initiate({\n  _id: \"rs0\",\n  members: [\n    {_id: 0, host: \"10.244.1.10:27017\"},\n    {_id: 1, host: \"10.244.1.11:27017\"},\n    {_id: 2, host: \"10.244.1.12:27017\"}\n  ]\n});\nuse testdb;\ndb.users.insertMany([{name: 'Alice'}, {name: 'Bob'}]).insertedIds['1'] === undefined\nexit\n";
    let r = s
        .bench
        .exec(
            &key(0),
            &["mongosh", "admin", "-u", "admin", "-p", "pw"],
            true,
            Some(script),
        )
        .unwrap();
    assert_eq!(r.code, 0);
    let out = r.stdout;
    assert!(out.starts_with("Current Mongosh Log ID:\t"), "{out}");
    assert!(out.contains("\nConnecting to:\t\tmongodb://127.0.0.1:27017/admin?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.3.8\nUsing MongoDB:\t\t7.0.16\nUsing Mongosh:\t\t2.3.8\n"), "{out}");
    assert!(
        out.contains("\n\nadmin> rs.initiate({\n...   _id: \"rs0\",\n...   members: [\n"),
        "{out}"
    );
    assert!(out.contains("...   ]\n... });\n{ ok: 1 }\nrs0 [direct: primary] admin> use testdb;\nswitched to db testdb\n"), "{out}");
    // `===` is not in the subset: a syntax error, and the session goes on.
    assert!(
        out.contains("rs0 [direct: primary] testdb> db.users.insertMany("),
        "{out}"
    );
    assert!(out.contains("SyntaxError: "), "{out}");
    assert!(
        out.ends_with("rs0 [direct: primary] testdb> exit\n"),
        "{out}"
    );
    assert_eq!(
        s.out(1, "db.getSiblingDB('testdb').users.countDocuments()"),
        "0\n"
    );
}

#[test]
fn insert_many_prints_ids_by_index() {
    let mut s = Set::new(1);
    s.out(0, "rs.initiate()");
    let out = s.out(0, "db.c.insertMany([{a: 1}, {a: 2}])");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "{");
    assert_eq!(lines[1], "  acknowledged: true,");
    assert_eq!(lines[2], "  insertedIds: {");
    assert!(lines[3].starts_with("    '0': ObjectId('") && lines[3].ends_with("'),"));
    assert!(lines[4].starts_with("    '1': ObjectId('") && lines[4].ends_with("')"));
    assert_eq!(&lines[5..], ["  }", "}"]);
    assert_eq!(s.out(0, "db.c.find({a: {$gt: 1}}).count()"), "1\n");
    assert_eq!(s.out(0, "db.c.findOne({a: 3})"), "null\n");
    assert_eq!(s.out(0, "db.c.find({a: 3})"), "");
}

#[test]
fn a_deleted_primary_recreated_at_once_rejoins_as_secondary() {
    // `kubectl delete pod mongodb-0` on the primary: it steps down, the StatefulSet recreates
    // the pod at once, and its new mongod starts before anyone has queried the set. The
    // election among the two that kept running happens all the same; the recreated member
    // does not win it and comes back as a secondary.
    let mut s = Set::new(3);
    s.out(0, INITIATE);
    s.out(0, "db.t.insertOne({x: 1})");
    s.term(0);
    s.advance(2_500);
    s.boot(0);
    s.advance(2_000);
    assert_eq!(s.state_of(1, 1), "PRIMARY\n");
    assert_eq!(s.state_of(1, 0), "SECONDARY\n");
    assert_eq!(s.state_of(0, 0), "SECONDARY\n");
    assert_eq!(s.out(0, "db.t.countDocuments()"), "1\n");
}

#[test]
fn a_root_user_with_a_replica_set_and_no_key_file_refuses_to_start() {
    // The entrypoint adds `--auth` for MONGO_INITDB_ROOT_USERNAME/PASSWORD; mongod then
    // requires a key file for a replica set and exits 2 (BadValue), on every restart.
    let mut b = Bench::new();
    let mut pod = Pod::default();
    pod.metadata.name = Some("mongodb-0".into());
    pod.metadata.uid = Some("uid-mongodb-0".into());
    let c = Container {
        name: "mongodb".into(),
        image: Some("mongo:7.0".into()),
        args: Some(vec![
            "mongod".into(),
            "--replSet".into(),
            "rs0".into(),
            "--bind_ip_all".into(),
        ]),
        ..Default::default()
    };
    let k = ContainerKey::new("uid-mongodb-0", "mongodb");
    let setup = ContainerSetup {
        namespace: "default".into(),
        pod: "mongodb-0".into(),
        hostname: "mongodb-0".into(),
        image: "mongo:7.0".into(),
        env: vec![
            ("MONGO_INITDB_ROOT_USERNAME".into(), "admin".into()),
            ("MONGO_INITDB_ROOT_PASSWORD".into(), "mongopass123".into()),
        ],
        ..ContainerSetup::default()
    };
    let now = b.now;
    let mut layer = crate::store::Fs::new(NODE_DISK_BYTES, now);
    (crate::apps::profile("mongo:7.0").layer)(&mut layer, now);
    b.world.start_container(&k, setup, layer);
    let info = ContainerInfo {
        pod: &pod,
        container: &c,
        is_init: false,
        restart_count: 0,
        pod_ip: "",
    };
    let mut m = MongoModel::new(&info);
    let mut cx = AppCx {
        info,
        since_start: SimDuration::ZERO,
        rng: &mut b.rng,
        now,
        world: &mut b.world,
        api: &b.api,
        dns: &mut b.dns,
    };
    let s = m.start(&mut cx);
    assert_eq!(s.ready_after, None);
    assert_eq!(s.exit.map(|e| e.code), Some(2));
    let log: Vec<String> = b
        .world
        .logs(&k)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect();
    assert_eq!(
        log,
        [
            "BadValue: security.keyFile is required when authorization is enabled with replica sets",
            "try 'mongod --help' for more information"
        ]
    );
}
