//! Replication between two 5.7 servers: a primary with `log-bin`, a replica told where to
//! start with `CHANGE MASTER TO`, the replica's threads, `super_read_only`, and the
//! primary going away and coming back.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::*;
use crate::exec::testing::Bench;
use crate::store::VolumeId;

const PW: &str = "rootpass123";

/// Starts `mysql:5.7` in pod `pod` with `cnf` in `/etc/mysql/conf.d/my.cnf`; returns its key
/// and when it accepts connections.
fn server(bench: &mut Bench, pod: &str, cnf: &str) -> (ContainerKey, SimTime) {
    let data = VolumeId::HostPath {
        node: "kind-worker".into(),
        path: format!("/data/{pod}"),
    };
    let conf = VolumeId::HostPath {
        node: "kind-worker".into(),
        path: format!("/conf/{pod}"),
    };
    let key = bench.container(
        pod,
        "mysql:5.7",
        &[("MYSQL_ROOT_PASSWORD", PW)],
        &[("/var/lib/mysql", data), ("/etc/mysql/conf.d", conf)],
    );
    let now = bench.now;
    bench
        .world
        .view(&key, now)
        .unwrap()
        .write("/etc/mysql/conf.d/my.cnf", cnf.as_bytes())
        .unwrap();
    let ready = boot57(bench, &key, pod);
    (key, ready)
}

fn boot57(bench: &mut Bench, key: &ContainerKey, pod: &str) -> SimTime {
    let mut p = Pod::default();
    p.metadata.uid = Some(key.pod_uid.clone());
    let c = Container {
        name: pod.into(),
        image: Some("mysql:5.7".into()),
        ..Default::default()
    };
    let ip = bench.world.setup(key).unwrap().pod_ip.clone();
    let info = crate::kubelet::ContainerInfo {
        pod: &p,
        container: &c,
        is_init: false,
        restart_count: 0,
        pod_ip: &ip,
    };
    let mut cx = AppCx {
        info,
        since_start: SimDuration::ZERO,
        rng: &mut bench.rng,
        now: bench.now,
        world: &mut bench.world,
        api: &bench.api,
        dns: &mut bench.dns,
    };
    let mut m = MysqlModel {
        version: "5.7.44",
        runs_server: true,
    };
    let s = m.start(&mut cx);
    assert_eq!(s.exit, None);
    bench.now + s.ready_after.unwrap()
}

fn sql(bench: &mut Bench, key: &ContainerKey, db: &str, q: &str) -> ExecResult {
    let pw = format!("-p{PW}");
    let mut argv = vec!["mysql", "-uroot", pw.as_str()];
    if !db.is_empty() {
        argv.push(db);
    }
    argv.extend(["-e", q]);
    let mut r = bench.exec_ok(key, &argv);
    r.stderr = r.stderr.replace(
        "mysql: [Warning] Using a password on the command line interface can be insecure.\n",
        "",
    );
    r
}

fn logs(bench: &Bench, key: &ContainerKey) -> Vec<String> {
    bench
        .world
        .logs(key)
        .unwrap()
        .current
        .iter()
        .map(|l| l.text.clone())
        .collect()
}

fn field<'a>(vertical: &'a str, name: &str) -> &'a str {
    vertical
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {vertical}"))
}

#[test]
fn a_replica_applies_what_the_primary_logged_after_its_position() {
    let mut bench = Bench::new();
    let (p, ready) = server(&mut bench, "mysql-0", "[mysqld]\nserver-id=100\nlog-bin\n");
    bench.now = ready;
    let l = logs(&bench, &p);
    assert!(
        l.iter()
            .any(|x| x.ends_with("[Note] mysqld (mysqld 5.7.44-log) starting as process 1 ..."))
    );
    assert_eq!(
        l.last().unwrap(),
        "Version: '5.7.44-log'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server (GPL)"
    );
    // --initialize, the temporary server and the server each started a binary log.
    let r = sql(&mut bench, &p, "", "SHOW MASTER STATUS");
    assert_eq!(
        r.stdout,
        "File\tPosition\tBinlog_Do_DB\tBinlog_Ignore_DB\tExecuted_Gtid_Set\nmysql-0-bin.000003\t154\t\t\t\n"
    );
    let ls = bench.exec_ok(&p, &["ls", "/var/lib/mysql"]).stdout;
    assert!(
        ls.contains("mysql-0-bin.000003\nmysql-0-bin.index\n"),
        "{ls}"
    );

    let (rk, rready) = server(
        &mut bench,
        "mysql-1",
        "[mysqld]\nserver-id=101\nsuper-read-only\n",
    );
    bench.now = rready;
    let primary_ip = bench.world.setup(&p).unwrap().pod_ip.clone();
    let change = format!(
        "CHANGE MASTER TO MASTER_LOG_FILE='mysql-0-bin.000003', MASTER_LOG_POS=154, MASTER_HOST='{primary_ip}', MASTER_USER='root', MASTER_PASSWORD='{PW}', MASTER_CONNECT_RETRY=10; START SLAVE;"
    );
    let r = sql(&mut bench, &rk, "", &change);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str(), r.code), ("", "", 0));
    let l = logs(&bench, &rk);
    assert!(l.iter().any(|x| x.ends_with(&format!("[Note] Slave I/O thread for channel '': connected to master 'root@{primary_ip}:3306',replication started in log 'mysql-0-bin.000003' at position 154"))), "{l:?}");

    // Writes on the primary reach the replica.
    let r = sql(
        &mut bench,
        &p,
        "",
        "CREATE DATABASE testapp; USE testapp; CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO users VALUES (1, 'Alice'); INSERT INTO users VALUES (2, 'Bob');",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = sql(&mut bench, &rk, "testapp", "SELECT * FROM users");
    assert_eq!(r.stdout, "id\tname\n1\tAlice\n2\tBob\n");
    let master = sql(&mut bench, &p, "", "SHOW MASTER STATUS\\G").stdout;
    let status = sql(&mut bench, &rk, "", "SHOW SLAVE STATUS\\G").stdout;
    assert!(status.starts_with("*************************** 1. row ***************************\n               Slave_IO_State: Waiting for master to send event\n"), "{status}");
    assert_eq!(field(&status, "Slave_IO_Running"), "Yes");
    assert_eq!(field(&status, "Slave_SQL_Running"), "Yes");
    assert_eq!(field(&status, "Master_Server_Id"), "100");
    assert_eq!(field(&status, "Seconds_Behind_Master"), "0");
    assert_eq!(
        field(&status, "Exec_Master_Log_Pos"),
        field(&master, "Position")
    );
    assert!(field(&master, "Position").parse::<u64>().unwrap() > 154);
    // The primary counts the replica's connection.
    let r = sql(&mut bench, &p, "", "SHOW STATUS LIKE 'Threads_connected'");
    assert_eq!(r.stdout, "Variable_name\tValue\nThreads_connected\t2\n");

    // super_read_only refuses clients' writes, even root's.
    let r = sql(
        &mut bench,
        &rk,
        "testapp",
        "INSERT INTO users VALUES (3, 'Eve')",
    );
    assert_eq!(
        r.stderr,
        "ERROR 1290 (HY000) at line 1: The MySQL server is running with the --super-read-only option so it cannot execute this statement\n"
    );
    let r = sql(&mut bench, &rk, "", "CHANGE MASTER TO MASTER_PORT=3307");
    assert!(r.stderr.starts_with("ERROR 3021 (HY000) at line 1: This operation cannot be performed with a running slave io thread"), "{}", r.stderr);

    // The primary goes away: the I/O thread reconnects, the SQL thread keeps running.
    let pk = p.clone();
    bench.world.stop_process(&pk);
    bench.now += SimDuration::from_secs(5);
    let status = sql(&mut bench, &rk, "", "SHOW SLAVE STATUS\\G").stdout;
    assert_eq!(field(&status, "Slave_IO_Running"), "Connecting");
    assert_eq!(field(&status, "Slave_SQL_Running"), "Yes");
    assert_eq!(field(&status, "Last_IO_Errno"), "2003");
    assert_eq!(
        field(&status, "Last_IO_Error"),
        format!("error connecting to master 'root@{primary_ip}:3306' - retry-time: 10  retries: 1")
    );
    assert_eq!(field(&status, "Seconds_Behind_Master"), "NULL");
    // ... and it restarts on a new binary-log file; what it logs there still arrives.
    let ready = boot57(&mut bench, &pk, "mysql-0");
    bench.now = ready;
    let r = sql(
        &mut bench,
        &pk,
        "testapp",
        "INSERT INTO users VALUES (3, 'Carol')",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let master = sql(&mut bench, &pk, "", "SHOW MASTER STATUS\\G").stdout;
    assert_eq!(field(&master, "File"), "mysql-0-bin.000004");
    let r = sql(
        &mut bench,
        &rk,
        "testapp",
        "SELECT name FROM users ORDER BY id",
    );
    assert_eq!(r.stdout, "name\nAlice\nBob\nCarol\n");
    let status = sql(&mut bench, &rk, "", "SHOW SLAVE STATUS\\G").stdout;
    assert_eq!(field(&status, "Slave_IO_Running"), "Yes");
    assert_eq!(field(&status, "Master_Log_File"), "mysql-0-bin.000004");
    assert_eq!(field(&status, "Last_IO_Errno"), "0");
    let l = logs(&bench, &rk);
    assert!(
        l.iter().any(|x| x.ends_with(&format!("[ERROR] Slave I/O for channel '': error connecting to master 'root@{primary_ip}:3306' - retry-time: 10  retries: 1, Error_code: 2003"))),
        "{l:?}"
    );
    assert!(
        l.iter().any(|x| x.contains(&format!("[Note] Slave: connected to master 'root@{primary_ip}:3306',replication resumed in log 'mysql-0-bin.000003'"))),
        "{l:?}"
    );
}

#[test]
fn replication_statements_fail_like_mysql() {
    let mut bench = Bench::new();
    let (p, ready) = server(&mut bench, "mysql-0", "[mysqld]\nserver-id=100\n");
    bench.now = ready;
    let r = sql(&mut bench, &p, "", "START SLAVE");
    assert_eq!(
        r.stderr,
        "ERROR 1200 (HY000) at line 1: The server is not configured as slave; fix in config file or with CHANGE MASTER TO\n"
    );
    // A server that is not a replica shows nothing.
    let r = sql(&mut bench, &p, "", "SHOW SLAVE STATUS\\G");
    assert_eq!((r.stdout.as_str(), r.code), ("", 0));
    // Without log-bin there is no binary log.
    let r = sql(&mut bench, &p, "", "SHOW MASTER STATUS");
    assert_eq!(r.stdout, "");
    let r = sql(&mut bench, &p, "", "CHANGE MASTER TO MASTER_HOST=mysql-0");
    assert!(
        r.stderr
            .starts_with("ERROR 1064 (42000) at line 1: You have an error in your SQL syntax"),
        "{}",
        r.stderr
    );
    // A replica of a primary without a binary log: the I/O thread stops with 1236.
    let (rk, rready) = server(&mut bench, "mysql-1", "[mysqld]\nserver-id=101\n");
    bench.now = rready;
    let ip = bench.world.setup(&p).unwrap().pod_ip.clone();
    let r = sql(
        &mut bench,
        &rk,
        "",
        &format!(
            "CHANGE MASTER TO MASTER_HOST='{ip}', MASTER_USER='root', MASTER_PASSWORD='wrong'; START SLAVE"
        ),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let status = sql(&mut bench, &rk, "", "SHOW SLAVE STATUS\\G").stdout;
    assert_eq!(field(&status, "Slave_IO_Running"), "Connecting");
    assert_eq!(field(&status, "Last_IO_Errno"), "1045");
}
