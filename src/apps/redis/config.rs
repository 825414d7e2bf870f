//! `redis-server`'s configuration: the defaults, the config file and `--option value`
//! arguments, with Redis's own error texts (`spec/app-models.md` §3.1).

/// The settings the model acts on (everything else Redis knows is accepted and ignored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    /// Save points `(seconds, changes)`; empty: RDB snapshots disabled.
    pub save: Vec<(u64, u64)>,
    /// `appendonly`.
    pub appendonly: bool,
    /// `appendfsync` (`everysec`, `always`, `no`).
    pub appendfsync: String,
    /// `dir` (absolute).
    pub dir: String,
    /// `dbfilename`.
    pub dbfilename: String,
    /// `appendfilename`.
    pub appendfilename: String,
    /// `appenddirname`.
    pub appenddirname: String,
    /// `requirepass` (empty: none).
    pub requirepass: String,
    /// `port`.
    pub port: u16,
    /// `databases`.
    pub databases: usize,
    /// The config file given on the command line (`""` for none).
    pub config_file: String,
}

impl RedisConfig {
    /// The built-in defaults (`CONFIG GET` on a server started without a config file).
    pub fn defaults(workdir: &str) -> RedisConfig {
        RedisConfig {
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            appendonly: false,
            appendfsync: "everysec".into(),
            dir: workdir.to_string(),
            dbfilename: "dump.rdb".into(),
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            requirepass: String::new(),
            port: 6379,
            databases: 16,
            config_file: String::new(),
        }
    }

    /// The `save` value as `CONFIG GET save` prints it.
    pub fn save_text(&self) -> String {
        self.save
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Sets one parameter (from a config line, `--name value` or `CONFIG SET`). The error
    /// is the reason Redis gives.
    pub fn set(&mut self, name: &str, args: &[String], cwd: &str) -> Result<(), String> {
        let one = || -> Result<&str, String> {
            match args {
                [v] => Ok(v.as_str()),
                _ => Err("wrong number of arguments".to_string()),
            }
        };
        let yes_no = |v: &str| match v.to_ascii_lowercase().as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err("argument must be 'yes' or 'no'".to_string()),
        };
        match name.to_ascii_lowercase().as_str() {
            "save" => {
                let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
                if words.is_empty() || (words.len() == 1 && words[0].is_empty()) {
                    self.save.clear();
                    return Ok(());
                }
                if !words.len().is_multiple_of(2) {
                    return Err("Invalid save parameters".into());
                }
                let mut points = Vec::new();
                for pair in words.chunks(2) {
                    let (Ok(s), Ok(c)) = (pair[0].parse::<u64>(), pair[1].parse::<u64>()) else {
                        return Err("Invalid save parameters".into());
                    };
                    points.push((s, c));
                }
                self.save = points;
            }
            "appendonly" => self.appendonly = yes_no(one()?)?,
            "appendfsync" => {
                let v = one()?.to_ascii_lowercase();
                if !["always", "everysec", "no"].contains(&v.as_str()) {
                    return Err(
                        "argument(s) must be one of the following: always, everysec, no".into(),
                    );
                }
                self.appendfsync = v;
            }
            "dir" => {
                let v = one()?;
                self.dir = if v.starts_with('/') {
                    crate::store::normalize(v)
                } else {
                    crate::store::normalize(&format!("{cwd}/{v}"))
                };
            }
            "dbfilename" => {
                let v = one()?;
                if v.contains('/') {
                    return Err("dbfilename can't be a path, just a filename".into());
                }
                self.dbfilename = v.to_string();
            }
            "appendfilename" => self.appendfilename = one()?.to_string(),
            "appenddirname" => self.appenddirname = one()?.to_string(),
            "requirepass" => self.requirepass = one()?.to_string(),
            "port" => {
                self.port = one()?
                    .parse()
                    .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
            }
            "databases" => {
                let n: usize = one()?
                    .parse()
                    .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
                if n == 0 {
                    return Err("argument must be between 1 and 2147483647 inclusive".into());
                }
                self.databases = n;
            }
            other if IGNORED.contains(&other) => {}
            _ => return Err("Bad directive or wrong number of arguments".into()),
        }
        Ok(())
    }

    /// `CONFIG GET`: the parameters matching `pattern` with their values, in name order.
    pub fn get(&self, pattern: &str) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = vec![
            ("appenddirname".into(), self.appenddirname.clone()),
            ("appendfilename".into(), self.appendfilename.clone()),
            ("appendfsync".into(), self.appendfsync.clone()),
            ("appendonly".into(), yes_no(self.appendonly)),
            ("bind".into(), "* -::*".into()),
            ("databases".into(), self.databases.to_string()),
            ("dbfilename".into(), self.dbfilename.clone()),
            ("dir".into(), self.dir.clone()),
            ("maxmemory".into(), "0".into()),
            ("port".into(), self.port.to_string()),
            ("protected-mode".into(), "no".into()),
            ("requirepass".into(), self.requirepass.clone()),
            ("save".into(), self.save_text()),
        ];
        all.retain(|(k, _)| super::server::glob_match(&pattern.to_ascii_lowercase(), k));
        all
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// Directives Redis knows that the model accepts without acting on them.
const IGNORED: &[&str] = &[
    "bind",
    "protected-mode",
    "tcp-backlog",
    "timeout",
    "tcp-keepalive",
    "daemonize",
    "supervised",
    "pidfile",
    "loglevel",
    "logfile",
    "syslog-enabled",
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "maxclients",
    "rdbcompression",
    "rdbchecksum",
    "stop-writes-on-bgsave-error",
    "aof-use-rdb-preamble",
    "aof-timestamp-enabled",
    "auto-aof-rewrite-percentage",
    "auto-aof-rewrite-min-size",
    "no-appendfsync-on-rewrite",
    "aof-load-truncated",
    "aof-rewrite-incremental-fsync",
    "rdb-save-incremental-fsync",
    "hz",
    "dynamic-hz",
    "lazyfree-lazy-eviction",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "replica-lazy-flush",
    "io-threads",
    "masterauth",
    "masteruser",
    "replica-read-only",
    "replica-serve-stale-data",
    "replicaof",
    "slaveof",
    "min-replicas-to-write",
    "min-replicas-max-lag",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "latency-monitor-threshold",
    "notify-keyspace-events",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-entries",
    "hash-max-ziplist-value",
    "list-max-listpack-size",
    "list-max-ziplist-size",
    "list-compress-depth",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "zset-max-ziplist-entries",
    "zset-max-ziplist-value",
    "activerehashing",
    "client-output-buffer-limit",
    "jemalloc-bg-thread",
    "lua-time-limit",
    "busy-reply-threshold",
    "always-show-logo",
    "set-proc-title",
    "cluster-enabled",
    "cluster-config-file",
    "cluster-node-timeout",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-backlog-size",
    "acllog-max-len",
    "rename-command",
    "oom-score-adj",
    "disable-thp",
    "crash-log-enabled",
    "sanitize-dump-payload",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "locale-collate",
];

/// Splits a config-file line the way Redis's `sdssplitargs` does (quotes, escapes). `None`
/// for unbalanced quotes.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut cur = String::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let Some(c) = chars.next() else {
                if in_dq || in_sq {
                    return None;
                }
                break;
            };
            if in_dq {
                match c {
                    '\\' => match chars.next() {
                        Some('n') => cur.push('\n'),
                        Some('r') => cur.push('\r'),
                        Some('t') => cur.push('\t'),
                        Some('b') => cur.push('\u{8}'),
                        Some('a') => cur.push('\u{7}'),
                        Some('x') => {
                            let h: String = chars.clone().take(2).collect();
                            if h.len() == 2
                                && let Ok(v) = u8::from_str_radix(&h, 16)
                            {
                                chars.next();
                                chars.next();
                                cur.push(char::from(v));
                            } else {
                                cur.push('x');
                            }
                        }
                        Some(o) => cur.push(o),
                        None => return None,
                    },
                    '"' => {
                        // The closing quote must be followed by a space or the end.
                        if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                            return None;
                        }
                        break;
                    }
                    o => cur.push(o),
                }
            } else if in_sq {
                match c {
                    '\\' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        cur.push('\'');
                    }
                    '\'' => {
                        if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                            return None;
                        }
                        break;
                    }
                    o => cur.push(o),
                }
            } else {
                match c {
                    c if c.is_whitespace() => break,
                    '"' if cur.is_empty() => in_dq = true,
                    '\'' if cur.is_empty() => in_sq = true,
                    o => cur.push(o),
                }
            }
        }
        out.push(cur);
    }
}

/// A fatal configuration error, printed to stderr as Redis does before exiting 1.
pub fn fatal_config_error(version: &str, line_no: usize, line: &str, reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis {version}) ***\nReading the configuration file, at line {line_no}\n>>> '{line}'\n{reason}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_config_get_of_a_fresh_server() {
        let c = RedisConfig::defaults("/data");
        assert_eq!(c.save_text(), "3600 1 300 100 60 10000");
        assert_eq!(
            c.get("append*"),
            vec![
                ("appenddirname".to_string(), "appendonlydir".to_string()),
                ("appendfilename".to_string(), "appendonly.aof".to_string()),
                ("appendfsync".to_string(), "everysec".to_string()),
                ("appendonly".to_string(), "no".to_string()),
            ]
        );
    }

    #[test]
    fn set_reports_redis_reasons() {
        let mut c = RedisConfig::defaults("/data");
        let a = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        assert_eq!(
            c.set("appendonly", &a(&["maybe"]), "/data"),
            Err("argument must be 'yes' or 'no'".into())
        );
        assert_eq!(
            c.set("save", &a(&["abc"]), "/data"),
            Err("Invalid save parameters".into())
        );
        assert_eq!(
            c.set("foo", &a(&["bar"]), "/data"),
            Err("Bad directive or wrong number of arguments".into())
        );
        c.set("save", &a(&["60", "1"]), "/data").unwrap();
        assert_eq!(c.save, vec![(60, 1)]);
        c.set("save", &a(&[""]), "/data").unwrap();
        assert!(c.save.is_empty());
        c.set("dir", &a(&["sub"]), "/data").unwrap();
        assert_eq!(c.dir, "/data/sub");
    }

    #[test]
    fn split_args_handles_quotes_like_sdssplitargs() {
        assert_eq!(
            split_args(r#"SET "a b" 'c d' e\n"#).unwrap(),
            vec!["SET", "a b", "c d", "e\\n"]
        );
        assert_eq!(split_args(r#"SET "x\ty""#).unwrap(), vec!["SET", "x\ty"]);
        assert!(split_args(r#"GET "unterminated"#).is_none());
        assert!(split_args(r#"GET "a"b"#).is_none());
        assert_eq!(split_args("   ").unwrap(), Vec::<String>::new());
    }
}
