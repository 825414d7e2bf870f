//! `redis-cli`: options, the connection to a server's process, and reply formatting with and
//! without a terminal (`spec/app-models.md` §3.3; texts captured from redis-cli 7.0.15).

use crate::engine::SimDuration;
use crate::exec::{ConnectError, ExecCx, ExecResult};
use crate::store::{ContainerKey, Stream, View};

use super::config::split_args;
use super::server::{RedisServer, Reply, Session};

const HELP: &str = include_str!("redis-cli-help-7.0.txt");

/// The parsed command line.
#[derive(Clone, Debug)]
struct Options {
    host: String,
    port: String,
    password: Option<String>,
    db: Option<String>,
    no_auth_warning: bool,
    raw: Option<bool>,
    stdin_last_arg: bool,
    repeat: u64,
    exit_on_error: bool,
    scan: bool,
    pattern: String,
    command: Vec<String>,
}

enum Parsed {
    Run(Box<Options>),
    Print(String, i32),
    Fail(String),
}

/// Options that take a value.
const WITH_VALUE: &[&str] = &[
    "-h",
    "-p",
    "-s",
    "-a",
    "-u",
    "-r",
    "-i",
    "-n",
    "-d",
    "-D",
    "-X",
    "--user",
    "--pass",
    "--sni",
    "--cacert",
    "--cacertdir",
    "--cert",
    "--key",
    "--tls-ciphers",
    "--tls-ciphersuites",
    "--show-pushes",
    "--rdb",
    "--functions-rdb",
    "--pipe-timeout",
    "--memkeys-samples",
    "--pattern",
    "--quoted-pattern",
    "--intrinsic-latency",
    "--eval",
    "--lru-test",
];

/// Flags accepted without effect in the model.
const FLAGS: &[&str] = &[
    "-2",
    "-3",
    "-c",
    "--tls",
    "--insecure",
    "--quoted-input",
    "--csv",
    "--json",
    "--quoted-json",
    "--replica",
    "--pipe",
    "--bigkeys",
    "--memkeys",
    "--hotkeys",
    "--ldb",
    "--ldb-sync-mode",
    "--verbose",
    "--askpass",
];

fn parse(args: &[String], version: &str) -> Parsed {
    let mut o = Options {
        host: "127.0.0.1".into(),
        port: "6379".into(),
        password: None,
        db: None,
        no_auth_warning: false,
        raw: None,
        stdin_last_arg: false,
        repeat: 1,
        exit_on_error: false,
        scan: false,
        pattern: "*".into(),
        command: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let last = i + 1 == args.len();
        if a == "-h" && last {
            return Parsed::Print(HELP.replace("7.0.15", version), 0);
        }
        if a == "--help" {
            return Parsed::Print(HELP.replace("7.0.15", version), 0);
        }
        if a == "--version" || a == "-v" {
            return Parsed::Print(format!("redis-cli {version}\n"), 0);
        }
        if WITH_VALUE.contains(&a) && !last {
            let v = args[i + 1].clone();
            match a {
                "-h" => o.host = v,
                "-p" => o.port = v,
                "-a" | "--pass" => o.password = Some(v),
                "-n" => o.db = Some(v),
                "-r" => o.repeat = v.parse::<i64>().unwrap_or(0).max(0) as u64,
                "--pattern" | "--quoted-pattern" => o.pattern = v,
                "-u" => {
                    if let Err(e) = parse_uri(&v, &mut o) {
                        return Parsed::Fail(e);
                    }
                }
                _ => {}
            }
            i += 2;
            continue;
        }
        match a {
            "--no-auth-warning" => o.no_auth_warning = true,
            "--raw" => o.raw = Some(true),
            "--no-raw" => o.raw = Some(false),
            "-x" => o.stdin_last_arg = true,
            "-e" => o.exit_on_error = true,
            "--scan" => o.scan = true,
            f if FLAGS.contains(&f) => {}
            f if f.starts_with('-') => {
                return Parsed::Fail(format!(
                    "Unrecognized option or bad number of args for: '{f}'\n"
                ));
            }
            _ => {
                o.command = args[i..].to_vec();
                break;
            }
        }
        i += 1;
    }
    Parsed::Run(Box::new(o))
}

/// `-u redis://[user:pass@]host[:port][/db]`.
fn parse_uri(uri: &str, o: &mut Options) -> Result<(), String> {
    let Some(rest) = uri.strip_prefix("redis://") else {
        return Err("Invalid URI scheme\n".to_string());
    };
    let (auth, hostpart) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    if let Some(a) = auth {
        let pass = a.split_once(':').map_or(a, |(_, p)| p);
        o.password = Some(pass.to_string());
    }
    let (hp, db) = match hostpart.split_once('/') {
        Some((h, d)) => (h, Some(d)),
        None => (hostpart, None),
    };
    match hp.rsplit_once(':') {
        Some((h, p)) => {
            o.host = h.to_string();
            o.port = p.to_string();
        }
        None if !hp.is_empty() => o.host = hp.to_string(),
        None => {}
    }
    if let Some(d) = db.filter(|d| !d.is_empty()) {
        o.db = Some(d.to_string());
    }
    Ok(())
}

/// C's `atoi` on a port or db number.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n: i64 = digits
        .chars()
        .take_while(char::is_ascii_digit)
        .take(18)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    if neg { -n } else { n }
}

/// A bulk string as redis-cli quotes it on a terminal (`sdscatrepr`).
pub fn repr(s: &str) -> String {
    let mut out = String::from("\"");
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// A reply on a terminal.
pub fn format_tty(r: &Reply, prefix: &str) -> String {
    match r {
        Reply::Status(s) => format!("{s}\n"),
        Reply::Error(e) => format!("(error) {e}\n"),
        Reply::Int(n) => format!("(integer) {n}\n"),
        Reply::Bulk(None) => "(nil)\n".into(),
        Reply::Bulk(Some(s)) => format!("{}\n", repr(s)),
        Reply::Array(items) if items.is_empty() => "(empty array)\n".into(),
        Reply::Array(items) => {
            let idxlen = items.len().to_string().len();
            let inner = format!("{prefix}{}", " ".repeat(idxlen + 2));
            let mut out = String::new();
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(prefix);
                }
                out.push_str(&format!("{:>idxlen$}) ", i + 1));
                out.push_str(&format_tty(it, &inner));
            }
            out
        }
    }
}

/// A reply through a pipe (`--raw`), without the newline redis-cli adds after it.
pub fn format_raw(r: &Reply) -> String {
    match r {
        Reply::Status(s) => s.clone(),
        Reply::Error(e) => format!("{e}\n"),
        Reply::Int(n) => n.to_string(),
        Reply::Bulk(None) => String::new(),
        Reply::Bulk(Some(s)) => s.clone(),
        Reply::Array(items) => items.iter().map(format_raw).collect::<Vec<_>>().join("\n"),
    }
}

/// The text printed for one reply (with its trailing newline): INFO is printed as is in
/// both modes.
fn render(command: &str, r: &Reply, tty_format: bool) -> String {
    if command.eq_ignore_ascii_case("info")
        && let Reply::Bulk(Some(s)) = r
    {
        return s.clone();
    }
    if tty_format {
        format_tty(r, "")
    } else {
        format!("{}\n", format_raw(r))
    }
}

/// Runs `f` on the Redis server process of container `key` (taking its state out of the
/// world and putting it back), then writes the server's queued log lines to its log.
/// `None` when the process there is not a Redis server.
pub fn with_server<R>(
    world: &mut crate::store::World,
    key: &ContainerKey,
    now: crate::engine::SimTime,
    f: impl FnOnce(&mut RedisServer, &mut View<'_>) -> R,
) -> Option<R> {
    let mut proc = world.procs.remove(key)?;
    let out = match proc.state.downcast_mut::<RedisServer>() {
        Some(server) => {
            let r = world.view(key, now).map(|mut view| f(server, &mut view));
            let lines = std::mem::take(&mut server.outbox);
            for (at, line) in lines {
                world.log(key, at, Stream::Stdout, &line);
            }
            r
        }
        None => None,
    };
    world.procs.insert(key.clone(), proc);
    out
}

fn version_of(cx: &ExecCx<'_>) -> String {
    super::version_for_image(&cx.setup().image)
}

/// The `redis-cli` program.
pub fn redis_cli(cx: &mut ExecCx<'_>, argv: &[String]) -> ExecResult {
    let version = version_of(cx);
    let opts = match parse(argv.get(1..).unwrap_or_default(), &version) {
        Parsed::Print(text, code) => {
            return ExecResult {
                stdout: text,
                stderr: String::new(),
                code,
            };
        }
        Parsed::Fail(e) => return ExecResult::fail(e, 1),
        Parsed::Run(o) => *o,
    };
    let mut out = ExecResult::default();
    let port_num = atoi(&opts.port);
    let port = u16::try_from(port_num).unwrap_or(0);
    let password = opts
        .password
        .clone()
        .or_else(|| cx.var("REDISCLI_AUTH").map(str::to_string));
    if opts.password.is_some() && !opts.no_auth_warning {
        out.stderr.push_str(
            "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
        );
    }
    let mut command = opts.command.clone();
    if opts.stdin_last_arg {
        command.push(cx.stdin.clone().unwrap_or_default());
    }
    let interactive = command.is_empty() && !opts.scan && (cx.tty || cx.stdin.is_some());
    let addr = format!("{}:{}", opts.host, opts.port_display(port));
    let server = match connect(cx, &opts.host, port) {
        Ok(k) => k,
        Err(msg) => {
            out.stderr
                .push_str(&format!("Could not connect to Redis at {addr}: {msg}\n"));
            if interactive && cx.tty {
                out.stdout.push_str(&not_connected_session(cx, &addr, &msg));
                return out;
            }
            out.code = 1;
            return out;
        }
    };
    let mut sess = Session::default();
    let tty_format = opts.raw.map_or(cx.tty, |raw| !raw);
    // AUTH and SELECT at connection time.
    if let Some(p) = &password {
        let r = send(cx, &server, &mut sess, &["AUTH".to_string(), p.clone()]);
        if let Some(Reply::Error(e)) = r {
            out.stderr.push_str(&format!("AUTH failed: {e}\n"));
        }
    }
    if let Some(db) = &opts.db {
        let n = atoi(db);
        if n != 0 {
            let r = send(
                cx,
                &server,
                &mut sess,
                &["SELECT".to_string(), n.to_string()],
            );
            if let Some(Reply::Error(e)) = r {
                out.stderr.push_str(&format!("SELECT {n} failed: {e}\n"));
            }
        }
    }
    if opts.scan {
        let r = send(
            cx,
            &server,
            &mut sess,
            &["KEYS".to_string(), opts.pattern.clone()],
        );
        if let Some(Reply::Array(items)) = r {
            for it in items {
                out.stdout.push_str(&format!("{}\n", format_raw(&it)));
            }
        }
        return out;
    }
    if !command.is_empty() {
        for _ in 0..opts.repeat {
            match send(cx, &server, &mut sess, &command) {
                Some(r) => {
                    if opts.exit_on_error && matches!(r, Reply::Error(_)) {
                        out.code = 1;
                    }
                    out.stdout.push_str(&render(&command[0], &r, tty_format));
                }
                None => return reset(out),
            }
        }
        return out;
    }
    let Some(input) = cx.stdin.clone() else {
        if cx.tty {
            out.stdout.push_str(&prompt(&addr, sess.db));
        }
        return out;
    };
    for line in input.lines() {
        if cx.tty {
            out.stdout.push_str(&prompt(&addr, sess.db));
            out.stdout.push_str(line);
            out.stdout.push('\n');
        }
        let Some(words) = split_args(line) else {
            out.stdout.push_str("Invalid argument(s)\n");
            continue;
        };
        if words.is_empty() {
            continue;
        }
        if cx.tty
            && (words[0].eq_ignore_ascii_case("quit") || words[0].eq_ignore_ascii_case("exit"))
        {
            return out;
        }
        match send(cx, &server, &mut sess, &words) {
            Some(r) => out.stdout.push_str(&render(&words[0], &r, tty_format)),
            None => return reset(out),
        }
    }
    if cx.tty {
        out.stdout.push_str(&prompt(&addr, sess.db));
    }
    out
}

impl Options {
    fn port_display(&self, port: u16) -> String {
        port.to_string()
    }
}

fn reset(mut out: ExecResult) -> ExecResult {
    out.stderr.push_str("Error: Connection reset by peer\n");
    out.code = 1;
    out
}

fn prompt(addr: &str, db: usize) -> String {
    if db == 0 {
        format!("{addr}> ")
    } else {
        format!("{addr}[{db}]> ")
    }
}

/// An interactive session whose server is down: every line retries and fails.
fn not_connected_session(cx: &ExecCx<'_>, addr: &str, msg: &str) -> String {
    let mut s = String::new();
    for line in cx.stdin.as_deref().unwrap_or("").lines() {
        s.push_str("not connected> ");
        s.push_str(line);
        s.push('\n');
        if split_args(line).is_some_and(|w| !w.is_empty()) {
            s.push_str(&format!("Could not connect to Redis at {addr}: {msg}\n"));
        }
    }
    s.push_str("not connected> ");
    s
}

fn connect(cx: &mut ExecCx<'_>, host: &str, port: u16) -> Result<ContainerKey, String> {
    match cx.connect(host, port) {
        Ok(k) => Ok(k),
        Err(ConnectError::UnknownHost(_)) => Err("Name or service not known".into()),
        Err(ConnectError::Refused { .. }) => Err("Connection refused".into()),
        Err(ConnectError::Timeout { .. }) => {
            // Linux gives up on a SYN after about 127 s (tcp_syn_retries 6).
            cx.spend(SimDuration::from_secs(127));
            Err("Connection timed out".into())
        }
    }
}

/// Sends one command; `None` when the process has gone or is not Redis.
fn send(
    cx: &mut ExecCx<'_>,
    server: &ContainerKey,
    sess: &mut Session,
    argv: &[String],
) -> Option<Reply> {
    cx.spend(SimDuration::from_ms(1));
    let now = cx.now();
    with_server(cx.world, server, now, |s, view| {
        s.command(sess, argv, view, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(Some(s.into()))
    }

    #[test]
    fn tty_arrays_number_and_indent_like_redis_cli() {
        let r = Reply::Array((1..=10).map(|i| bulk(&i.to_string())).collect());
        let t = format_tty(&r, "");
        assert!(t.starts_with(" 1) \"1\"\n 2) \"2\"\n"));
        assert!(t.ends_with("10) \"10\"\n"));
        let nested = Reply::Array(vec![
            Reply::Array(vec![bulk("a"), bulk("b")]),
            Reply::Int(3),
        ]);
        assert_eq!(
            format_tty(&nested, ""),
            "1) 1) \"a\"\n   2) \"b\"\n2) (integer) 3\n"
        );
        assert_eq!(format_raw(&nested), "a\nb\n3");
    }

    #[test]
    fn repr_escapes_like_sdscatrepr() {
        assert_eq!(repr("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(repr("x\ty"), r#""x\ty""#);
        assert_eq!(repr("café"), r#""caf\xc3\xa9""#);
    }

    #[test]
    fn options_parse_like_redis_cli() {
        let a = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        match parse(&a(&["--foo", "PING"]), "7.0.15") {
            Parsed::Fail(e) => {
                assert_eq!(
                    e,
                    "Unrecognized option or bad number of args for: '--foo'\n"
                )
            }
            _ => panic!("expected a failure"),
        }
        match parse(&a(&["-p"]), "7.0.15") {
            Parsed::Fail(e) => {
                assert_eq!(e, "Unrecognized option or bad number of args for: '-p'\n")
            }
            _ => panic!("expected a failure"),
        }
        match parse(
            &a(&["-h", "redis-0.redis", "-p", "6380", "GET", "-1"]),
            "7.0.15",
        ) {
            Parsed::Run(o) => {
                assert_eq!(o.host, "redis-0.redis");
                assert_eq!(o.port, "6380");
                assert_eq!(o.command, a(&["GET", "-1"]));
            }
            _ => panic!("expected options"),
        }
        match parse(&a(&["-h"]), "7.0.15") {
            Parsed::Print(t, 0) => assert!(t.starts_with("redis-cli 7.0.15\n\nUsage:")),
            _ => panic!("expected help"),
        }
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("6380x"), 6380);
    }
}
