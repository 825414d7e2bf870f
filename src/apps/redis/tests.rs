//! The Redis model against the captures of `spec/app-models.md` §3.

use k8s_openapi::api::core::v1::{Container, Pod};

use super::server::human_bytes;
use super::*;
use crate::engine::SimTime;
use crate::exec::testing::Bench;
use crate::kubelet::{AppCx, ContainerInfo};
use crate::store::{ContainerKey, VolumeId};

/// A Redis pod on a bench: the container, its model, and the pod objects the model sees.
struct Rig {
    bench: Bench,
    pod: Pod,
    container: Container,
    key: ContainerKey,
    model: RedisModel,
    volume: VolumeId,
}

fn pod_named(name: &str) -> Pod {
    let mut pod = Pod::default();
    pod.metadata.name = Some(name.into());
    pod.metadata.uid = Some(format!("uid-{name}"));
    pod
}

impl Rig {
    fn new(image: &str, args: &[&str]) -> Rig {
        Rig::with_command(image, &[], args)
    }

    fn with_command(image: &str, command: &[&str], args: &[&str]) -> Rig {
        let bench = Bench::new();
        let pod = pod_named("redis-0");
        let container = Container {
            name: "redis-0".into(),
            image: Some(image.into()),
            command: (!command.is_empty())
                .then(|| command.iter().map(|s| (*s).to_string()).collect()),
            args: (!args.is_empty()).then(|| args.iter().map(|s| (*s).to_string()).collect()),
            ..Default::default()
        };
        let key = ContainerKey::new("uid-redis-0", "redis-0");
        let volume = VolumeId::Pv("pv-data-redis-0".into());
        let info = ContainerInfo {
            pod: &pod,
            container: &container,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        };
        let model = RedisModel::new(&info);
        let mut rig = Rig {
            bench,
            pod,
            container,
            key,
            model,
            volume,
        };
        rig.boot();
        rig
    }

    /// Starts (or restarts) the container: a fresh layer, the PV at /data, the model's start.
    fn boot(&mut self) -> Startup {
        let image = self.container.image.clone().unwrap_or_default();
        let vol = self.volume.clone();
        let k = self
            .bench
            .container("redis-0", &image, &[], &[("/data", vol)]);
        assert_eq!(k, self.key);
        let info = ContainerInfo {
            pod: &self.pod,
            container: &self.container,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        };
        self.model = RedisModel::new(&info);
        let mut cx = AppCx {
            info,
            since_start: SimDuration::ZERO,
            rng: &mut self.bench.rng,
            now: self.bench.now,
            world: &mut self.bench.world,
            api: &self.bench.api,
            dns: &mut self.bench.dns,
        };
        let s = self.model.start(&mut cx);
        self.bench.now += SimDuration::from_ms(10);
        s
    }

    fn signal(&mut self, sig: Signal) -> Option<Exit> {
        let info = ContainerInfo {
            pod: &self.pod,
            container: &self.container,
            is_init: false,
            restart_count: 0,
            pod_ip: "10.244.1.10",
        };
        let mut cx = AppCx {
            info,
            since_start: SimDuration::from_secs(1),
            rng: &mut self.bench.rng,
            now: self.bench.now,
            world: &mut self.bench.world,
            api: &self.bench.api,
            dns: &mut self.bench.dns,
        };
        let e = self.model.on_signal(&mut cx, sig);
        self.bench.world.stop_process(&self.key);
        e
    }

    fn kill(&mut self) {
        self.bench.world.stop_process(&self.key);
    }

    fn cli(&mut self, args: &[&str], tty: bool) -> ExecResult {
        self.cli_stdin(args, tty, None)
    }

    fn cli_stdin(&mut self, args: &[&str], tty: bool, stdin: Option<&str>) -> ExecResult {
        let mut argv = vec!["redis-cli"];
        argv.extend_from_slice(args);
        let key = self.key.clone();
        self.bench
            .exec(&key, &argv, tty, stdin)
            .expect("the redis image has redis-cli")
    }

    fn out(&mut self, args: &[&str], tty: bool) -> String {
        let r = self.cli(args, tty);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        r.stdout
    }

    fn advance(&mut self, d: SimDuration) {
        self.bench.now += d;
    }

    /// The log lines written so far, without the timestamps' variable parts.
    fn log_lines(&self) -> Vec<String> {
        self.bench
            .world
            .logs(&self.key)
            .map(|l| l.current.iter().map(|x| x.text.clone()).collect())
            .unwrap_or_default()
    }

    fn file(&mut self, path: &str) -> Option<Vec<u8>> {
        let now = self.bench.now;
        self.bench.world.view(&self.key, now)?.read(path).ok()
    }
}

/// Strips `pid:R dd Mon yyyy hh:mm:ss.mmm ` so lines compare across instants.
fn strip_time(line: &str) -> String {
    let mut parts = line.splitn(6, ' ');
    let who = parts.next().unwrap_or("");
    if who.contains("signal-handler") {
        return line.to_string();
    }
    let _ = (parts.next(), parts.next(), parts.next(), parts.next());
    format!("{who} {}", parts.next().unwrap_or(""))
}

#[test]
fn replies_match_the_captured_table_with_and_without_tty() {
    let mut r = Rig::new("redis:7.0", &[]);
    // (command, tty output, pipe output) from §3.3.
    let rows: &[(&[&str], &str, &str)] = &[
        (&["PING"], "PONG\n", "PONG\n"),
        (&["SET", "user:1", "Alice"], "OK\n", "OK\n"),
        (&["GET", "user:1"], "\"Alice\"\n", "Alice\n"),
        (&["GET", "user:2"], "(nil)\n", "\n"),
        (&["EXISTS", "user:1"], "(integer) 1\n", "1\n"),
        (&["INCR", "visits"], "(integer) 1\n", "1\n"),
        (&["KEYS", "nomatch*"], "(empty array)\n", "\n"),
        (&["LRANGE", "nolist", "0", "-1"], "(empty array)\n", "\n"),
        (&["TTL", "nokey"], "(integer) -2\n", "-2\n"),
        (&["TTL", "user:1"], "(integer) -1\n", "-1\n"),
        (
            &["INCR", "user:1"],
            "(error) ERR value is not an integer or out of range\n",
            "ERR value is not an integer or out of range\n\n",
        ),
        (
            &["FOO", "bar"],
            "(error) ERR unknown command 'FOO', with args beginning with: 'bar' \n",
            "ERR unknown command 'FOO', with args beginning with: 'bar' \n\n",
        ),
        (
            &["GET"],
            "(error) ERR wrong number of arguments for 'get' command\n",
            "ERR wrong number of arguments for 'get' command\n\n",
        ),
        (
            &["CONFIG", "GET", "save"],
            "1) \"save\"\n2) \"3600 1 300 100 60 10000\"\n",
            "save\n3600 1 300 100 60 10000\n",
        ),
        (&["SAVE"], "OK\n", "OK\n"),
        (
            &["BGSAVE"],
            "Background saving started\n",
            "Background saving started\n",
        ),
    ];
    for (args, tty, pipe) in rows {
        assert_eq!(r.out(args, true), *tty, "tty {args:?}");
        // Writes are not repeated: the second run of SET/INCR must see the same state.
        if args[0] == "INCR" && args[1] == "visits" {
            assert_eq!(r.out(&["DECR", "visits"], false), "0\n");
        }
        assert_eq!(r.out(args, false), *pipe, "pipe {args:?}");
    }
    r.out(&["LPUSH", "mylist", "a", "b", "c"], false);
    assert_eq!(
        r.out(&["LRANGE", "mylist", "0", "-1"], true),
        "1) \"c\"\n2) \"b\"\n3) \"a\"\n"
    );
    assert_eq!(r.out(&["LRANGE", "mylist", "0", "-1"], false), "c\nb\na\n");
    r.out(&["HSET", "user:100", "name", "Carol", "age", "30"], false);
    assert_eq!(
        r.out(&["HGETALL", "user:100"], true),
        "1) \"name\"\n2) \"Carol\"\n3) \"age\"\n4) \"30\"\n"
    );
    assert_eq!(
        r.out(&["HGETALL", "user:100"], false),
        "name\nCarol\nage\n30\n"
    );
    assert_eq!(
        r.out(&["GET", "mylist"], true),
        "(error) WRONGTYPE Operation against a key holding the wrong kind of value\n"
    );
    assert_eq!(
        r.out(&["GET", "mylist"], false),
        "WRONGTYPE Operation against a key holding the wrong kind of value\n\n"
    );
    let lastsave = r.out(&["LASTSAVE"], false);
    assert_eq!(r.out(&["LASTSAVE"], true), format!("(integer) {lastsave}"));
    assert_eq!(r.out(&["CONFIG", "SET", "appendonly", "yes"], true), "OK\n");
    assert_eq!(r.out(&["DBSIZE"], true), "(integer) 4\n");
    assert_eq!(r.out(&["DEL", "visits"], false), "1\n");
    assert_eq!(r.out(&["KEYS", "user:1"], true), "1) \"user:1\"\n");
}

#[test]
fn error_replies_exit_zero_and_arity_errors_use_the_lowercase_name() {
    let mut r = Rig::new("redis:7.0", &[]);
    let x = r.cli(&["HSET", "h", "a"], false);
    assert_eq!(x.code, 0);
    assert_eq!(
        x.stdout,
        "ERR wrong number of arguments for 'hset' command\n\n"
    );
    assert_eq!(
        r.out(&["SET", "k", "v", "EX", "-1"], false),
        "ERR invalid expire time in 'set' command\n\n"
    );
    assert_eq!(
        r.out(&["SET", "k", "v", "EX"], false),
        "ERR syntax error\n\n"
    );
    assert_eq!(r.out(&["SET", "k", "v", "NX"], false), "OK\n");
    assert_eq!(r.out(&["SET", "k", "v", "NX"], false), "\n");
    assert_eq!(r.out(&["SET", "k", "w", "XX"], false), "OK\n");
    assert_eq!(
        r.out(&["SELECT", "20"], false),
        "ERR DB index is out of range\n\n"
    );
    assert_eq!(
        r.out(&["CONFIG", "SET", "appendonly", "maybe"], false),
        "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\n\n"
    );
    assert_eq!(
        r.out(&["CONFIG", "FOO"], false),
        "ERR unknown subcommand 'FOO'. Try CONFIG HELP.\n\n"
    );
    assert_eq!(
        r.out(&["AUTH", "x"], false),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\n\n"
    );
    assert_eq!(
        r.out(&["FOO"], false),
        "ERR unknown command 'FOO', with args beginning with: \n\n"
    );
    assert_eq!(r.out(&["SADD", "s", "x", "y", "x"], false), "2\n");
    assert_eq!(r.out(&["SMEMBERS", "nos"], true), "(empty array)\n");
    assert_eq!(r.out(&["ECHO", "a\"b"], true), "\"a\\\"b\"\n");
}

#[test]
fn ttl_follows_the_virtual_clock() {
    let mut r = Rig::new("redis:7.0", &[]);
    assert_eq!(r.out(&["SET", "s", "v", "EX", "100"], false), "OK\n");
    assert_eq!(r.out(&["TTL", "s"], false), "100\n");
    r.advance(SimDuration::from_secs(40));
    assert_eq!(r.out(&["TTL", "s"], false), "60\n");
    assert_eq!(r.out(&["EXPIRE", "s", "5"], false), "1\n");
    r.advance(SimDuration::from_secs(6));
    assert_eq!(r.out(&["GET", "s"], true), "(nil)\n");
    assert_eq!(r.out(&["TTL", "s"], false), "-2\n");
}

#[test]
fn info_persistence_is_byte_exact_with_crlf() {
    let mut r = Rig::new("redis:7.0", &[]);
    r.out(&["SET", "user:1", "Alice"], false);
    let start = (SimTime::ZERO + SimDuration::from_ms(1)).unix_seconds();
    let expected = format!(
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:1\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{start}\r\nrdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\nrdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\naof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n"
    );
    // Printed as is, with or without a terminal.
    assert_eq!(r.out(&["INFO", "persistence"], false), expected);
    assert_eq!(r.out(&["INFO", "persistence"], true), expected);
    r.advance(SimDuration::from_secs(5));
    r.out(&["SAVE"], false);
    let info = r.out(&["INFO", "persistence"], false);
    let now = r.bench.now.unix_seconds();
    assert!(info.contains("\r\nrdb_changes_since_last_save:0\r\n"));
    assert!(info.contains("\r\nrdb_saves:1\r\n"));
    assert!(info.contains(&format!("\r\nrdb_last_save_time:{now}\r\n")));
    assert_eq!(r.out(&["LASTSAVE"], false), format!("{now}\n"));
    r.out(&["BGSAVE"], false);
    let info = r.out(&["INFO", "persistence"], false);
    assert!(info.contains("\r\nrdb_last_bgsave_time_sec:0\r\n"));
    assert!(!info.contains("\r\nrdb_last_cow_size:0\r\n"));
    assert_eq!(r.out(&["INFO", "nosuchsection"], false), "");
    assert_eq!(
        r.out(&["INFO", "keyspace"], false),
        "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"
    );
}

#[test]
fn plain_info_has_redis_7_0_sections_in_order() {
    let mut r = Rig::new("redis:7.0", &[]);
    r.out(&["GET"], false);
    let info = r.out(&["INFO"], false);
    let heads: Vec<&str> = info.split("\r\n").filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        heads,
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace"
        ]
    );
    // Sections are separated by one empty line; every line ends in CR LF.
    assert!(info.contains("io_threads_active:0\r\n\r\n# Clients\r\n"));
    assert!(info.contains("\r\n# Errorstats\r\nerrorstat_ERR:count=1\r\n"));
    assert!(!info.replace("\r\n", "").contains('\n'));
    assert_eq!(human_bytes(940_688), "918.64K");
    assert_eq!(human_bytes(200), "200B");
    assert_eq!(human_bytes(12_267_520), "11.70M");
}

#[test]
fn info_with_aof_adds_the_aof_fields() {
    let mut r = Rig::new("redis:7.0", &["--appendonly", "yes"]);
    let info = r.out(&["INFO", "persistence"], false);
    let tail: Vec<&str> = info.split("\r\n").skip(30).collect();
    assert_eq!(tail[0], "module_fork_last_cow_size:0");
    assert!(tail[1].starts_with("aof_current_size:"));
    assert!(tail[2].starts_with("aof_base_size:"));
    assert_eq!(
        &tail[3..],
        &[
            "aof_pending_rewrite:0",
            "aof_buffer_length:0",
            "aof_pending_bio_fsync:0",
            "aof_delayed_fsync:0",
            ""
        ]
    );
    assert!(info.contains("\r\naof_enabled:1\r\n"));
}

#[test]
fn first_start_logs_the_captured_lines() {
    let r = Rig::new("redis:7.0", &[]);
    let lines = r.log_lines();
    let expected = [
        "1:C # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
        "1:C # Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=1, just started",
        "1:C # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf",
        "1:M * monotonic clock: POSIX clock_gettime",
        "1:M * Running mode=standalone, port=6379.",
        "1:M # Server initialized",
        &format!("1:M # {OVERCOMMIT}"),
        "1:M * Ready to accept connections",
    ];
    let got: Vec<String> = lines.iter().map(|l| strip_time(l)).collect();
    assert_eq!(got, expected);
    // Timestamps are Redis's: `1:C 01 Jan 2025 00:00:00.000 # ...`.
    assert_eq!(
        lines[0],
        "1:C 01 Jan 2025 00:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
    );
    assert!(lines[7].starts_with("1:M 01 Jan 2025 00:00:00.002 * Ready"));
}

#[test]
fn start_with_arguments_says_configuration_loaded_and_7_2_says_tcp() {
    let r = Rig::new("redis:7.2-alpine", &["--appendonly", "yes"]);
    let got: Vec<String> = r.log_lines().iter().map(|l| strip_time(l)).collect();
    assert_eq!(got[2], "1:C * Configuration loaded");
    assert!(got.contains(
        &"1:M * Creating AOF base file appendonly.aof.1.base.rdb on server start".to_string()
    ));
    assert!(got.contains(
        &"1:M * Creating AOF incr file appendonly.aof.1.incr.aof on server start".to_string()
    ));
    assert_eq!(got.last().unwrap(), "1:M * Ready to accept connections tcp");
}

#[test]
fn sigterm_saves_the_final_snapshot_and_restart_loads_it() {
    let mut r = Rig::new("redis:7.0", &[]);
    r.out(&["SET", "user:1", "Alice"], false);
    let exit = r.signal(Signal::Term).expect("redis exits on SIGTERM");
    assert_eq!(exit.code, 0);
    let lines = r.log_lines();
    let n = lines.len();
    let t = r.bench.now.unix_seconds();
    assert_eq!(
        lines[n - 5],
        format!("1:signal-handler ({t}) Received SIGTERM scheduling shutdown...")
    );
    let tail: Vec<String> = lines[n - 4..].iter().map(|l| strip_time(l)).collect();
    assert_eq!(
        tail,
        [
            "1:M # User requested shutdown...",
            "1:M * Saving the final RDB snapshot before exiting.",
            "1:M * DB saved on disk",
            "1:M # Redis is now ready to exit, bye bye...",
        ]
    );
    assert!(r.file("/data/dump.rdb").is_some());
    r.advance(SimDuration::from_secs(3));
    r.boot();
    let got: Vec<String> = r.log_lines().iter().map(|l| strip_time(l)).collect();
    let i = got
        .iter()
        .position(|l| l == "1:M # Server initialized")
        .unwrap();
    assert_eq!(got[i + 1], format!("1:M # {OVERCOMMIT}"));
    assert_eq!(
        &got[i + 2..],
        [
            "1:M * Loading RDB produced by version 7.0.15",
            "1:M * RDB age 3 seconds",
            "1:M * RDB memory usage when created 0.86 Mb",
            "1:M * Done loading RDB, keys loaded: 1, keys expired: 0.",
            "1:M * DB loaded from disk: 0.000 seconds",
            "1:M * Ready to accept connections",
        ]
    );
    assert_eq!(r.out(&["GET", "user:1"], false), "Alice\n");
    // The previous instance's log kept the shutdown.
    let prev = r
        .bench
        .world
        .logs(&r.key)
        .unwrap()
        .previous
        .clone()
        .unwrap();
    assert!(
        prev.last()
            .unwrap()
            .text
            .ends_with("Redis is now ready to exit, bye bye...")
    );
}

#[test]
fn save_and_bgsave_log_the_captured_lines() {
    let mut r = Rig::new("redis:7.0", &[]);
    let before = r.log_lines().len();
    r.out(&["SAVE"], false);
    r.out(&["BGSAVE"], false);
    let got: Vec<String> = r.log_lines()[before..]
        .iter()
        .map(|l| strip_time(l))
        .collect();
    assert_eq!(
        got,
        [
            "1:M * DB saved on disk",
            "1:M * Background saving started by pid 20",
            "20:C * DB saved on disk",
            "20:C * Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB",
            "1:M * Background saving terminated with success",
        ]
    );
}

#[test]
fn aof_restart_logs_the_captured_lines_and_replays_writes() {
    let mut r = Rig::new("redis:7.0", &["--appendonly", "yes"]);
    r.out(&["SET", "a", "1"], false);
    r.out(&["INCR", "a"], false);
    r.out(&["SELECT", "0"], false);
    r.advance(SimDuration::from_secs(3));
    r.kill();
    r.boot();
    let got: Vec<String> = r.log_lines().iter().map(|l| strip_time(l)).collect();
    let i = got
        .iter()
        .position(|l| l == "1:M * Reading RDB base file on AOF loading...")
        .unwrap();
    assert_eq!(
        &got[i..],
        [
            "1:M * Reading RDB base file on AOF loading...",
            "1:M * Loading RDB produced by version 7.0.15",
            "1:M * RDB age 3 seconds",
            "1:M * RDB memory usage when created 0.86 Mb",
            "1:M * RDB is base AOF",
            "1:M * Done loading RDB, keys loaded: 0, keys expired: 0.",
            "1:M * DB loaded from base file appendonly.aof.1.base.rdb: 0.000 seconds",
            "1:M * DB loaded from incr file appendonly.aof.1.incr.aof: 0.000 seconds",
            "1:M * DB loaded from append only file: 0.000 seconds",
            "1:M * Opening AOF incr file appendonly.aof.1.incr.aof on server start",
            "1:M * Ready to accept connections",
        ]
    );
    assert_eq!(r.out(&["GET", "a"], false), "2\n");
    let manifest = r
        .file("/data/appendonlydir/appendonly.aof.manifest")
        .unwrap();
    assert_eq!(
        String::from_utf8(manifest).unwrap(),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let incr = r
        .file("/data/appendonlydir/appendonly.aof.1.incr.aof")
        .unwrap();
    assert!(incr.starts_with(
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
    ));
}

/// §3.5: what survives what.
#[test]
fn what_survives_what_truth_table() {
    struct Case {
        name: &'static str,
        args: &'static [&'static str],
        steps: fn(&mut Rig),
        graceful: bool,
        expect: &'static [(&'static str, bool)],
    }
    let cases = [
        Case {
            name: "SET then SIGTERM: kept",
            args: &[],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
            },
            graceful: true,
            expect: &[("a", true)],
        },
        Case {
            name: "SET then SIGKILL, default config: lost",
            args: &[],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
            },
            graceful: false,
            expect: &[("a", false)],
        },
        Case {
            name: "SET, SAVE, SET, SIGKILL: up to the SAVE",
            args: &[],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
                r.out(&["SAVE"], false);
                r.out(&["SET", "b", "2"], false);
            },
            graceful: false,
            expect: &[("a", true), ("b", false)],
        },
        Case {
            name: "SET, BGSAVE, SET, SIGKILL: up to the BGSAVE",
            args: &[],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
                r.out(&["BGSAVE"], false);
                r.out(&["SET", "b", "2"], false);
            },
            graceful: false,
            expect: &[("a", true), ("b", false)],
        },
        Case {
            name: "appendonly everysec, SET, SIGKILL: kept",
            args: &["--appendonly", "yes"],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
            },
            graceful: false,
            expect: &[("a", true)],
        },
        Case {
            name: "save 60 1, SET, 61 s later SIGKILL: the scheduled snapshot kept it",
            args: &["--save", "60", "1"],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
                r.advance(SimDuration::from_secs(61));
                r.out(&["PING"], false);
                r.out(&["SET", "b", "2"], false);
            },
            graceful: false,
            expect: &[("a", true), ("b", false)],
        },
        Case {
            name: "save disabled, SIGTERM: lost (no final snapshot)",
            args: &["--save", ""],
            steps: |r| {
                r.out(&["SET", "a", "1"], false);
            },
            graceful: true,
            expect: &[("a", false)],
        },
    ];
    for c in cases {
        let mut r = Rig::new("redis:7.0", c.args);
        (c.steps)(&mut r);
        if c.graceful {
            r.signal(Signal::Term);
        } else {
            r.kill();
        }
        r.advance(SimDuration::from_secs(1));
        r.boot();
        for (key, kept) in c.expect {
            let got = r.out(&["EXISTS", key], false);
            assert_eq!(got, if *kept { "1\n" } else { "0\n" }, "{}: {key}", c.name);
        }
    }
}

#[test]
fn node_crash_loses_the_last_second_of_aof_everysec_but_sigkill_does_not() {
    for (fsync, crash, b_kept) in [
        ("everysec", true, false),
        ("everysec", false, true),
        ("always", true, true),
    ] {
        let mut r = Rig::new(
            "redis:7.0",
            &["--appendonly", "yes", "--appendfsync", fsync],
        );
        r.out(&["SET", "a", "1"], false);
        r.advance(SimDuration::from_ms(1_500));
        r.out(&["SET", "b", "2"], false);
        r.advance(SimDuration::from_ms(100));
        if crash {
            let now = r.bench.now;
            node_crash(&mut r.bench.world, &r.key, now);
        }
        r.kill();
        r.boot();
        assert_eq!(r.out(&["EXISTS", "a"], false), "1\n", "{fsync} {crash}");
        let b = if b_kept { "1\n" } else { "0\n" };
        assert_eq!(r.out(&["EXISTS", "b"], false), b, "{fsync} {crash}");
    }
}

#[test]
fn dump_rdb_then_restart_with_appendonly_starts_empty() {
    let mut r = Rig::new("redis:7.0", &[]);
    r.out(&["SET", "old", "1"], false);
    r.out(&["SAVE"], false);
    r.signal(Signal::Term);
    r.container.args = Some(vec!["--appendonly".into(), "yes".into()]);
    r.boot();
    assert_eq!(r.out(&["DBSIZE"], false), "0\n");
    assert!(r.file("/data/dump.rdb").is_some());
}

#[test]
fn config_set_appendonly_at_run_time_rewrites_and_survives_restart_with_aof() {
    let mut r = Rig::new("redis:7.0", &[]);
    r.out(&["SET", "old", "1"], false);
    let before = r.log_lines().len();
    r.out(&["CONFIG", "SET", "appendonly", "yes"], false);
    let got: Vec<String> = r.log_lines()[before..]
        .iter()
        .map(|l| strip_time(l))
        .collect();
    assert_eq!(
        got[1],
        "1:M * Background append only file rewriting started by pid 20"
    );
    assert_eq!(
        got.last().unwrap(),
        "1:M * Background AOF rewrite finished successfully"
    );
    r.out(&["SET", "new", "2"], false);
    r.kill();
    r.container.args = Some(vec!["--appendonly".into(), "yes".into()]);
    r.boot();
    assert_eq!(r.out(&["MGET", "old", "new"], false), "1\n2\n");
}

#[test]
fn scheduled_snapshot_logs_changes_and_saving() {
    let mut r = Rig::new("redis:7.0", &["--save", "60", "1"]);
    r.out(&["SET", "a", "1"], false);
    r.advance(SimDuration::from_secs(90));
    r.out(&["PING"], false);
    let got: Vec<String> = r.log_lines().iter().map(|l| strip_time(l)).collect();
    assert!(got.contains(&"1:M * 1 changes in 60 seconds. Saving...".to_string()));
    assert!(got.contains(&"1:M * Background saving terminated with success".to_string()));
    assert_eq!(r.out(&["CONFIG", "GET", "save"], false), "save\n60 1\n");
}

#[test]
fn config_file_from_a_configmap_mount() {
    let mut bench_rig = Rig::new("redis:7.0", &[]);
    // Put a redis.conf where a configMap volume would be, then restart with it.
    let vol = VolumeId::Projected {
        pod_uid: "uid-redis-0".into(),
        name: "config".into(),
    };
    let mut fs = crate::store::Fs::new(1 << 20, SimTime::ZERO);
    fs.write(
        "/redis.conf",
        b"# comment\nappendonly yes\nappendfsync everysec\nsave 900 1\nbind 0.0.0.0\n",
        SimTime::ZERO,
    )
    .unwrap();
    fs.read_only = true;
    bench_rig.bench.world.set_volume(vol.clone(), fs);
    bench_rig.container.command = Some(vec!["redis-server".into()]);
    bench_rig.container.args = Some(vec!["/usr/local/etc/redis/redis.conf".into()]);
    // Restart with both mounts.
    let image = "redis:7.0";
    let k = bench_rig.bench.container(
        "redis-0",
        image,
        &[],
        &[
            ("/data", bench_rig.volume.clone()),
            ("/usr/local/etc/redis", vol),
        ],
    );
    assert_eq!(k, bench_rig.key);
    let info = ContainerInfo {
        pod: &bench_rig.pod,
        container: &bench_rig.container,
        is_init: false,
        restart_count: 1,
        pod_ip: "10.244.1.10",
    };
    let mut m = RedisModel::new(&info);
    let mut cx = AppCx {
        info,
        since_start: SimDuration::ZERO,
        rng: &mut bench_rig.bench.rng,
        now: bench_rig.bench.now,
        world: &mut bench_rig.bench.world,
        api: &bench_rig.bench.api,
        dns: &mut bench_rig.bench.dns,
    };
    let s = m.start(&mut cx);
    assert!(s.exit.is_none());
    bench_rig.model = m;
    bench_rig.advance(SimDuration::from_ms(5));
    assert_eq!(
        bench_rig.out(&["CONFIG", "GET", "appendonly"], false),
        "appendonly\nyes\n"
    );
    assert_eq!(
        bench_rig.out(&["CONFIG", "GET", "save"], false),
        "save\n900 1\n"
    );
    let info = bench_rig.out(&["INFO", "server"], false);
    assert!(info.contains("\r\nconfig_file:/usr/local/etc/redis/redis.conf\r\n"));
}

#[test]
fn bad_config_fails_like_redis() {
    let mut r = Rig::new("redis:7.0", &["--foo", "bar"]);
    let logs = r.bench.world.logs(&r.key).unwrap().current.clone();
    let text: Vec<&str> = logs.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        text,
        [
            "",
            "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***",
            "Reading the configuration file, at line 2",
            ">>> 'foo \"bar\"'",
            "Bad directive or wrong number of arguments"
        ]
    );
    let c = r.cli(&["PING"], false);
    assert_eq!(
        c.stderr,
        "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n"
    );
    assert_eq!(c.code, 1);
    r.container.args = Some(vec!["/nonexist.conf".into()]);
    let s = r.boot();
    assert_eq!(s.exit.map(|e| e.code), Some(1));
    let last = r.log_lines().last().cloned().unwrap();
    assert_eq!(
        last,
        "1:C 01 Jan 2025 00:00:00.010 # Fatal error, can't open config file '/nonexist.conf': No such file or directory"
    );
}

#[test]
fn connection_errors_and_options() {
    let mut r = Rig::new("redis:7.0", &[]);
    let x = r.cli(&["-p", "7999", "PING"], false);
    assert_eq!(
        (x.stdout.as_str(), x.stderr.as_str(), x.code),
        (
            "",
            "Could not connect to Redis at 127.0.0.1:7999: Connection refused\n",
            1
        )
    );
    let x = r.cli(&["-h", "redis-9.redis", "PING"], false);
    assert_eq!(
        x.stderr,
        "Could not connect to Redis at redis-9.redis:6379: Name or service not known\n"
    );
    assert_eq!(x.code, 1);
    let x = r.cli(&["--foo", "PING"], false);
    assert_eq!(
        (x.stderr.as_str(), x.code),
        (
            "Unrecognized option or bad number of args for: '--foo'\n",
            1
        )
    );
    let x = r.cli(&["-n", "99", "PING"], false);
    assert_eq!(x.stdout, "PONG\n");
    assert_eq!(x.stderr, "SELECT 99 failed: ERR DB index is out of range\n");
    assert_eq!(r.out(&["-n", "1", "SET", "in1", "x"], false), "OK\n");
    assert_eq!(r.out(&["EXISTS", "in1"], false), "0\n");
    assert_eq!(r.out(&["-n", "1", "EXISTS", "in1"], false), "1\n");
    assert_eq!(r.out(&["--version"], false), "redis-cli 7.0.15\n");
    assert_eq!(r.out(&["--no-raw", "GET", "in1"], false), "(nil)\n");
    assert_eq!(r.out(&["--raw", "-n", "1", "GET", "in1"], true), "x\n");
}

#[test]
fn requirepass_noauth_and_password_warnings() {
    let mut r = Rig::new("redis:7.0", &["--requirepass", "s3cret"]);
    let x = r.cli(&["PING"], false);
    assert_eq!(
        (x.stdout.as_str(), x.code),
        ("NOAUTH Authentication required.\n\n", 0)
    );
    assert_eq!(
        r.out(&["GET", "a"], true),
        "(error) NOAUTH Authentication required.\n"
    );
    let x = r.cli(&["-a", "s3cret", "PING"], false);
    assert_eq!(x.stdout, "PONG\n");
    assert_eq!(
        x.stderr,
        "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n"
    );
    let x = r.cli(&["-a", "wrong", "--no-auth-warning", "PING"], false);
    assert_eq!(
        x.stderr,
        "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n"
    );
    assert_eq!(x.stdout, "NOAUTH Authentication required.\n\n");
    assert_eq!(x.code, 0);
    assert_eq!(
        r.out(&["AUTH", "bad"], false),
        "WRONGPASS invalid username-password pair or user is disabled.\n\n"
    );
    let x = r.cli_stdin(&[], false, Some("AUTH s3cret\nSET a 1\nGET a\n"));
    assert_eq!(x.stdout, "OK\nOK\n1\n");
}

#[test]
fn commands_from_stdin_and_interactive_sessions() {
    let mut r = Rig::new("redis:7.0", &[]);
    let x = r.cli_stdin(
        &[],
        false,
        Some("SET a 1\nGET a\nBAD x\n\nGET \"unterminated\nSELECT 1\nGET a\n"),
    );
    assert_eq!(
        x.stdout,
        "OK\n1\nERR unknown command 'BAD', with args beginning with: 'x' \n\nInvalid argument(s)\nOK\n\n"
    );
    let x = r.cli_stdin(&[], true, Some("GET a\nSELECT 1\nGET a\n"));
    assert_eq!(
        x.stdout,
        "127.0.0.1:6379> GET a\n\"1\"\n127.0.0.1:6379> SELECT 1\nOK\n127.0.0.1:6379[1]> GET a\n(nil)\n127.0.0.1:6379[1]> "
    );
    let x = r.cli_stdin(&["-x", "SET", "piped"], false, Some("hello\n"));
    assert_eq!(x.stdout, "OK\n");
    assert_eq!(r.out(&["GET", "piped"], false), "hello\n\n");
    r.kill();
    let x = r.cli_stdin(&[], true, Some("PING\n"));
    assert_eq!(
        x.stdout,
        "not connected> PING\nCould not connect to Redis at 127.0.0.1:6379: Connection refused\nnot connected> "
    );
}

#[test]
fn profile_has_the_image_env_and_programs() {
    let p = crate::apps::profile("redis:7.0");
    assert_eq!(p.workdir, "/data");
    assert!(p.programs.iter().any(|x| x == "redis-cli"));
    assert!(
        p.env
            .contains(&("REDIS_VERSION".to_string(), "7.0.15".to_string()))
    );
    assert!(
        p.env
            .contains(&("GOSU_VERSION".to_string(), "1.17".to_string()))
    );
    let a = crate::apps::profile("redis:7.2-alpine");
    assert_eq!(a.flavor, crate::apps::Flavor::Busybox);
    assert!(!a.env.iter().any(|(k, _)| k == "GOSU_VERSION"));
    assert_eq!(
        server_argv(&[], &["--appendonly".into(), "yes".into()]),
        Some(vec![
            "redis-server".to_string(),
            "--appendonly".into(),
            "yes".into()
        ])
    );
    assert_eq!(
        server_argv(
            &[
                "sh".into(),
                "-c".into(),
                "exec redis-server /etc/redis.conf".into()
            ],
            &[]
        ),
        Some(vec!["redis-server".to_string(), "/etc/redis.conf".into()])
    );
    assert_eq!(server_argv(&["sleep".into(), "3600".into()], &[]), None);
}

#[test]
fn exec_probe_runs_redis_cli_ping() {
    let mut r = Rig::new("redis:7.0", &[]);
    let probe = Probe {
        exec: Some(k8s_openapi::api::core::v1::ExecAction {
            command: Some(vec!["redis-cli".into(), "ping".into()]),
        }),
        ..Default::default()
    };
    let info = ContainerInfo {
        pod: &r.pod,
        container: &r.container,
        is_init: false,
        restart_count: 0,
        pod_ip: "10.244.1.10",
    };
    let mut cx = AppCx {
        info,
        since_start: SimDuration::from_secs(1),
        rng: &mut r.bench.rng,
        now: r.bench.now,
        world: &mut r.bench.world,
        api: &r.bench.api,
        dns: &mut r.bench.dns,
    };
    assert_eq!(
        r.model.probe(&mut cx, ProbeKind::Readiness, &probe),
        ProbeAnswer::Success
    );
    cx.world.stop_process(&r.key);
    assert!(matches!(
        r.model.probe(&mut cx, ProbeKind::Liveness, &probe),
        ProbeAnswer::Failure(t) if t.contains("Connection refused")
    ));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("SET".to_string()),
            Just("GET".to_string()),
            Just("EXPIRE".to_string()),
            Just("LRANGE".to_string()),
            Just("HSET".to_string()),
            Just("CONFIG".to_string()),
            Just("INCR".to_string()),
            Just("EX".to_string()),
            Just("-1".to_string()),
            Just("-n".to_string()),
            Just("-p".to_string()),
            Just("-a".to_string()),
            Just("--raw".to_string()),
            Just("SELECT".to_string()),
            Just("SAVE".to_string()),
            "[a-z0-9\"' *:-]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn random_arguments_never_panic_and_errors_are_redis_texts(
            args in proptest::collection::vec(word(), 0..6),
            tty in any::<bool>(),
        ) {
            let mut r = Rig::new("redis:7.0", &[]);
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let x = r.cli(&refs, tty);
            prop_assert!(x.code == 0 || x.code == 1);
            if x.code == 1 {
                let last = x.stderr.lines().last().unwrap_or("");
                prop_assert!(
                    last.starts_with("Unrecognized option or bad number of args for: '")
                        || last.starts_with("Could not connect to Redis at "),
                    "{:?}", x
                );
            }
            for line in x.stdout.lines() {
                let l = line.strip_prefix("(error) ").unwrap_or(line);
                if l.starts_with("ERR") {
                    prop_assert!(
                        l.starts_with("ERR wrong number of arguments for '")
                            || l.starts_with("ERR unknown command '")
                            || l.starts_with("ERR unknown subcommand '")
                            || l == "ERR syntax error"
                            || l == "ERR value is not an integer or out of range"
                            || l == "ERR DB index is out of range"
                            || l.starts_with("ERR invalid expire time in ")
                            || l.starts_with("ERR CONFIG SET failed (possibly related to argument '")
                            || l.starts_with("ERR Unknown option or number of arguments for CONFIG SET - '")
                            || l.starts_with("ERR Unsupported option ")
                            || l.starts_with("ERR AUTH <password> called without any password"),
                        "{}", l
                    );
                }
            }
        }
    }
}
