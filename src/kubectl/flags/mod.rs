//! kubectl's command-line grammar (cobra + pflag): which commands exist, their flags (a table
//! generated from the real kubectl's `--help`, see `gen_flags.py`), and parsing with pflag's
//! rules (`--name=value`, `--name value`, `-n value`, `-nvalue`, `-n=value`, combined boolean
//! shorthands `-it`, flags anywhere among arguments, `--` ending flags), with kubectl's own
//! error texts.

#[rustfmt::skip]
mod table;

use std::collections::BTreeMap;
use std::fmt;

use crate::engine::SimDuration;

pub use table::{COMMANDS, GLOBAL_FLAGS};

/// The value type of a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    /// `--force`, `--force=false`.
    Bool,
    /// A string.
    String,
    /// An integer (`strconv.ParseInt`).
    Int,
    /// A Go duration (`30s`, `5m`).
    Duration,
    /// A repeatable flag (`-f a -f b`).
    List,
}

/// One flag of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagSpec {
    /// Long name without dashes.
    pub name: &'static str,
    /// One-letter shorthand.
    pub short: Option<char>,
    /// Value type.
    pub kind: FlagKind,
    /// Default value as `--help` shows it.
    pub default: &'static str,
    /// The value when the flag is given without one (pflag `NoOptDefVal`).
    pub no_opt_default: Option<&'static str>,
}

/// A command (`get`, `rollout status`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    /// Words after `kubectl` (`rollout status`).
    pub path: &'static str,
    /// The usage line of `--help`.
    pub usage: &'static str,
    /// Its own flags (global ones are in [`GLOBAL_FLAGS`]).
    pub flags: &'static [FlagSpec],
}

/// Every top-level command real kubectl has (for suggestions and for naming unsupported ones).
pub const KUBECTL_COMMANDS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "kustomize",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

/// Flags whose list values are also split at commas (pflag `StringSlice`, not `StringArray`).
const COMMA_LISTS: &[&str] = &["filename", "label-columns", "types", "as-group"];

/// A parsed kubectl command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The command.
    pub command: &'static CommandSpec,
    /// Positional arguments (before `--`).
    pub args: Vec<String>,
    /// Arguments after `--`, when `--` was given.
    pub after_dash: Option<Vec<String>>,
    values: BTreeMap<&'static str, Vec<String>>,
}

/// A command line kubectl would refuse. `Display` is kubectl's text, without a final newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// `Error: unknown command "scael" for "kubectl"` (+ suggestions).
    UnknownCommand {
        /// What was typed.
        typed: String,
        /// Similar command names.
        suggestions: Vec<String>,
    },
    /// A real kubectl command stsim does not implement.
    Unsupported {
        /// `expose`.
        command: String,
    },
    /// Any flag error of a known command.
    Flag {
        /// The message after `Error: `.
        message: String,
        /// The command path for the `See 'kubectl <path> --help'` line.
        path: &'static str,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::UnknownCommand { typed, suggestions } => {
                write!(f, "Error: unknown command \"{typed}\" for \"kubectl\"")?;
                if !suggestions.is_empty() {
                    write!(f, "\n\nDid you mean this?")?;
                    for s in suggestions {
                        write!(f, "\n\t{s}")?;
                    }
                    writeln!(f)?;
                }
                Ok(())
            }
            ParseError::Unsupported { command } => write!(
                f,
                "stsim: `kubectl {command}` is not supported by the simulator (supported: {})",
                supported_commands().join(", ")
            ),
            ParseError::Flag { message, path } => {
                write!(
                    f,
                    "Error: {message}\nSee 'kubectl {path} --help' for usage."
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// The top-level commands stsim implements.
pub fn supported_commands() -> Vec<&'static str> {
    let mut v: Vec<&str> = COMMANDS
        .iter()
        .map(|c| c.path.split(' ').next().unwrap_or(c.path))
        .collect();
    v.dedup();
    v
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// cobra's suggestions: commands within edit distance 2, or starting with what was typed.
fn suggestions(typed: &str) -> Vec<String> {
    let lower = typed.to_lowercase();
    KUBECTL_COMMANDS
        .iter()
        .filter(|c| levenshtein(&lower, c) <= 2 || c.starts_with(&lower))
        .map(|c| c.to_string())
        .collect()
}

fn find_long(command: &'static CommandSpec, name: &str) -> Option<&'static FlagSpec> {
    command
        .flags
        .iter()
        .chain(GLOBAL_FLAGS.iter())
        .find(|f| f.name == name)
}

fn find_short(command: &'static CommandSpec, short: char) -> Option<&'static FlagSpec> {
    command
        .flags
        .iter()
        .chain(GLOBAL_FLAGS.iter())
        .find(|f| f.short == Some(short))
}

/// Resolves the command from the words after `kubectl` and returns it with the remaining
/// words (flags and arguments, in order).
fn resolve(words: &[String]) -> Result<(&'static CommandSpec, Vec<String>), ParseError> {
    // Global flags may come before the command; skip them (and a separate value for
    // non-boolean ones) to find the command words.
    let mut rest = Vec::new();
    let mut path: Vec<&str> = Vec::new();
    let mut i = 0;
    let mut command: Option<&'static CommandSpec> = None;
    while i < words.len() {
        let w = &words[i];
        if command.is_none() && w.starts_with('-') && w != "-" {
            rest.push(w.clone());
            let takes_value = global_takes_separate_value(w);
            if takes_value && i + 1 < words.len() {
                rest.push(words[i + 1].clone());
                i += 1;
            }
            i += 1;
            continue;
        }
        let candidate = if path.is_empty() {
            w.clone()
        } else {
            format!("{} {}", path.join(" "), w)
        };
        if let Some(spec) = COMMANDS.iter().find(|c| c.path == candidate) {
            path.push(w.as_str());
            command = Some(spec);
            i += 1;
            continue;
        }
        if command.is_none() {
            if KUBECTL_COMMANDS.contains(&w.as_str()) {
                return Err(ParseError::Unsupported { command: w.clone() });
            }
            return Err(ParseError::UnknownCommand {
                typed: w.clone(),
                suggestions: suggestions(w),
            });
        }
        rest.extend(words[i..].iter().cloned());
        break;
    }
    match command {
        Some(c) => Ok((c, rest)),
        None => Err(ParseError::UnknownCommand {
            typed: String::new(),
            suggestions: vec![],
        }),
    }
}

fn global_takes_separate_value(w: &str) -> bool {
    if w.contains('=') {
        return false;
    }
    let spec = if let Some(long) = w.strip_prefix("--") {
        GLOBAL_FLAGS.iter().find(|f| f.name == long)
    } else {
        let c = w.chars().nth(1);
        GLOBAL_FLAGS.iter().find(|f| f.short == c && w.len() == 2)
    };
    spec.is_some_and(|f| f.kind != FlagKind::Bool && f.no_opt_default.is_none())
}

fn check_value(spec: &FlagSpec, value: &str, path: &'static str) -> Result<(), ParseError> {
    let bad = |what: String| ParseError::Flag {
        message: format!(
            "invalid argument \"{value}\" for \"{}\" flag: {what}",
            display_name(spec)
        ),
        path,
    };
    match spec.kind {
        FlagKind::Bool => parse_go_bool(value).map(|_| ()).ok_or_else(|| {
            bad(format!(
                "strconv.ParseBool: parsing \"{value}\": invalid syntax"
            ))
        }),
        FlagKind::Int => value.parse::<i64>().map(|_| ()).map_err(|_| {
            bad(format!(
                "strconv.ParseInt: parsing \"{value}\": invalid syntax"
            ))
        }),
        FlagKind::Duration => parse_go_duration_signed(value)
            .map(|_| ())
            .ok_or_else(|| bad(format!("time: invalid duration \"{value}\""))),
        FlagKind::String | FlagKind::List => Ok(()),
    }
}

fn display_name(spec: &FlagSpec) -> String {
    match spec.short {
        Some(s) => format!("-{s}, --{}", spec.name),
        None => format!("--{}", spec.name),
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `time.ParseDuration` (to milliseconds; negative durations, and any sign, are
/// refused).
pub fn parse_go_duration(s: &str) -> Option<SimDuration> {
    go_duration_ns(s).map(ns_to_duration)
}

/// A Go `time.Duration` as a duration flag holds it: signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoDuration {
    /// True below zero (`-1s`; `-0s` is zero).
    pub is_negative: bool,
    /// Its absolute value (to milliseconds).
    pub size: SimDuration,
}

/// Go's `time.ParseDuration` with its optional sign (`-1s`, `+5m`), as pflag reads a
/// duration flag.
pub fn parse_go_duration_signed(s: &str) -> Option<GoDuration> {
    let (is_negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let ns = go_duration_ns(unsigned)?;
    Some(GoDuration {
        // Go counts whole nanoseconds: `-0.1ns` is zero.
        is_negative: is_negative && ns >= 1.0,
        size: ns_to_duration(ns),
    })
}

fn ns_to_duration(ns: f64) -> SimDuration {
    SimDuration::from_ms((ns / 1e6).round() as u64)
}

/// The size of an unsigned Go duration, in nanoseconds.
fn go_duration_ns(s: &str) -> Option<f64> {
    if s == "0" {
        return Some(0.0);
    }
    let mut rest = s;
    let mut total_ns: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_ns += n * scale;
    }
    Some(total_ns)
}

/// Parses the words after `kubectl`.
pub fn parse(words: &[String]) -> Result<Parsed, ParseError> {
    let (command, rest) = resolve(words)?;
    let path = command.path;
    let mut parsed = Parsed {
        command,
        args: Vec::new(),
        after_dash: None,
        values: BTreeMap::new(),
    };
    let mut i = 0;
    let set = |parsed: &mut Parsed, spec: &'static FlagSpec, value: String| {
        let entry = parsed.values.entry(spec.name).or_default();
        if spec.kind == FlagKind::List {
            if COMMA_LISTS.contains(&spec.name) {
                entry.extend(value.split(',').map(str::to_string));
            } else {
                entry.push(value);
            }
        } else {
            *entry = vec![value];
        }
    };
    while i < rest.len() {
        let w = &rest[i];
        i += 1;
        if w == "--" {
            parsed.after_dash = Some(rest[i..].to_vec());
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let Some(spec) = find_long(command, name) else {
                return Err(ParseError::Flag {
                    message: format!("unknown flag: --{name}"),
                    path,
                });
            };
            let value = match (inline, spec.kind, spec.no_opt_default) {
                (Some(v), _, _) => v,
                (None, FlagKind::Bool, _) => "true".to_string(),
                (None, _, Some(d)) => d.to_string(),
                (None, _, None) => match rest.get(i) {
                    Some(v) => {
                        i += 1;
                        v.clone()
                    }
                    None => {
                        return Err(ParseError::Flag {
                            message: format!("flag needs an argument: --{name}"),
                            path,
                        });
                    }
                },
            };
            check_value(spec, &value, path)?;
            set(&mut parsed, spec, value);
        } else if w.len() > 1 && w.starts_with('-') {
            let chars: Vec<char> = w[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                let Some(spec) = find_short(command, c) else {
                    return Err(ParseError::Flag {
                        message: format!("unknown shorthand flag: '{c}' in {w}"),
                        path,
                    });
                };
                k += 1;
                let tail: String = chars[k..].iter().collect();
                let value = if let Some(v) = tail.strip_prefix('=') {
                    k = chars.len();
                    v.to_string()
                } else if spec.kind == FlagKind::Bool {
                    "true".to_string()
                } else if !tail.is_empty() {
                    k = chars.len();
                    tail
                } else if let Some(d) = spec.no_opt_default {
                    d.to_string()
                } else {
                    match rest.get(i) {
                        Some(v) => {
                            i += 1;
                            v.clone()
                        }
                        None => {
                            return Err(ParseError::Flag {
                                message: format!("flag needs an argument: '{c}' in {w}"),
                                path,
                            });
                        }
                    }
                };
                check_value(spec, &value, path)?;
                set(&mut parsed, spec, value);
            }
        } else {
            parsed.args.push(w.clone());
        }
    }
    Ok(parsed)
}

impl Parsed {
    /// True when the flag was given on the command line.
    pub fn is_set(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    fn spec(&self, name: &str) -> &'static FlagSpec {
        self.command
            .flags
            .iter()
            .chain(GLOBAL_FLAGS.iter())
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("kubectl {} has no flag --{name}", self.command.path))
    }

    /// A string flag's value (its default when not given).
    ///
    /// # Panics
    /// If the command has no such flag: a bug in the command's implementation.
    pub fn string(&self, name: &str) -> String {
        let spec = self.spec(name);
        self.values
            .get(name)
            .and_then(|v| v.last().cloned())
            .unwrap_or_else(|| spec.default.to_string())
    }

    /// A boolean flag's value.
    pub fn bool(&self, name: &str) -> bool {
        parse_go_bool(&self.string(name)).unwrap_or(false)
    }

    /// An integer flag's value.
    pub fn int(&self, name: &str) -> i64 {
        self.string(name).parse().unwrap_or(0)
    }

    /// A duration flag's value; zero for a negative one (a command that gives negative
    /// values a meaning reads [`Parsed::go_duration`]; the others are refused before they
    /// run, see [`Parsed::negative_durations`]).
    pub fn duration(&self, name: &str) -> SimDuration {
        let d = self.go_duration(name);
        if d.is_negative {
            SimDuration::ZERO
        } else {
            d.size
        }
    }

    /// A duration flag's value with its sign.
    pub fn go_duration(&self, name: &str) -> GoDuration {
        parse_go_duration_signed(&self.string(name)).unwrap_or(GoDuration {
            is_negative: false,
            size: SimDuration::ZERO,
        })
    }

    /// The duration flags given a negative value, by name.
    pub fn negative_durations(&self) -> Vec<&'static str> {
        self.values
            .keys()
            .copied()
            .filter(|n| self.spec(n).kind == FlagKind::Duration && self.go_duration(n).is_negative)
            .collect()
    }

    /// A repeatable flag's values, in order (empty when not given).
    pub fn list(&self, name: &str) -> Vec<String> {
        let _ = self.spec(name);
        self.values.get(name).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> Result<Parsed, ParseError> {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        parse(&words)
    }

    #[test]
    fn flags_in_every_pflag_form() {
        let x = p("get pods -n kube-system -owide --show-labels -l app=web").unwrap();
        assert_eq!(x.command.path, "get");
        assert_eq!(x.args, ["pods"]);
        assert_eq!(x.string("namespace"), "kube-system");
        assert_eq!(x.string("output"), "wide");
        assert!(x.bool("show-labels"));
        assert_eq!(x.string("selector"), "app=web");
        let y = p("-n=demo get sts --watch=false -o=name").unwrap();
        assert_eq!(y.string("namespace"), "demo");
        assert!(!y.bool("watch"));
        assert_eq!(y.string("output"), "name");
        let z = p("apply -f a.yaml,b.yaml -f c.yaml").unwrap();
        assert_eq!(z.list("filename"), ["a.yaml", "b.yaml", "c.yaml"]);
    }

    #[test]
    fn subcommands_and_dash_dash() {
        let x = p("rollout status sts/web --timeout=60s").unwrap();
        assert_eq!(x.command.path, "rollout status");
        assert_eq!(x.duration("timeout"), SimDuration::from_secs(60));
        let e = p("exec -it web-0 -c nginx -- sh -c ls").unwrap();
        assert!(e.bool("stdin") && e.bool("tty"));
        assert_eq!(e.string("container"), "nginx");
        assert_eq!(e.args, ["web-0"]);
        assert_eq!(e.after_dash.unwrap(), ["sh", "-c", "ls"]);
        let c = p("create secret generic pw --from-literal=a=b --from-literal=c=d,e").unwrap();
        assert_eq!(c.command.path, "create secret generic");
        assert_eq!(c.list("from-literal"), ["a=b", "c=d,e"]);
        let d = p("delete sts web --cascade").unwrap();
        assert_eq!(d.string("cascade"), "background");
        let d = p("delete sts web --cascade=orphan --dry-run").unwrap();
        assert_eq!(d.string("cascade"), "orphan");
        assert_eq!(d.string("dry-run"), "unchanged");
    }

    #[test]
    fn errors_are_kubectls() {
        assert_eq!(
            p("scael sts web").unwrap_err().to_string(),
            "Error: unknown command \"scael\" for \"kubectl\"\n\nDid you mean this?\n\tscale\n"
        );
        assert_eq!(
            p("get pods --foo").unwrap_err().to_string(),
            "Error: unknown flag: --foo\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            p("get pods -z").unwrap_err().to_string(),
            "Error: unknown shorthand flag: 'z' in -z\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            p("get pods -n").unwrap_err().to_string(),
            "Error: flag needs an argument: 'n' in -n\nSee 'kubectl get --help' for usage."
        );
        assert_eq!(
            p("scale sts web --replicas=x").unwrap_err().to_string(),
            "Error: invalid argument \"x\" for \"--replicas\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\nSee 'kubectl scale --help' for usage."
        );
        assert_eq!(
            p("delete pod x --force=maybe").unwrap_err().to_string(),
            "Error: invalid argument \"maybe\" for \"--force\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\nSee 'kubectl delete --help' for usage."
        );
        assert!(matches!(
            p("expose deploy web"),
            Err(ParseError::Unsupported { .. })
        ));
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m30s"), Some(SimDuration::from_secs(90)));
        assert_eq!(parse_go_duration("250ms"), Some(SimDuration::from_ms(250)));
        assert_eq!(
            parse_go_duration("1.5h"),
            Some(SimDuration::from_secs(5400))
        );
        assert_eq!(parse_go_duration("0"), Some(SimDuration::ZERO));
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("x"), None);
        assert_eq!(parse_go_duration("-1s"), None);
    }

    #[test]
    fn duration_flags_take_a_sign_as_go_does() {
        let signed = |s| parse_go_duration_signed(s).map(|d| (d.is_negative, d.size.as_ms()));
        assert_eq!(signed("-1s"), Some((true, 1000)));
        assert_eq!(signed("+1m"), Some((false, 60_000)));
        assert_eq!(signed("-1ns"), Some((true, 0)));
        assert_eq!(signed("-0"), Some((false, 0)));
        assert_eq!(signed("-0s"), Some((false, 0)));
        for bad in ["-", "+", "--1s", "+-1s", "-10", "- 1s", "-x", ""] {
            assert_eq!(signed(bad), None, "{bad:?}");
        }
        let x = p("wait pod/x --timeout=-1s").unwrap();
        assert_eq!(x.negative_durations(), ["timeout"]);
        assert_eq!(x.duration("timeout"), SimDuration::ZERO);
        // What Go refuses stays refused, signed or not.
        for bad in ["-10", "--1s", "-", "1x"] {
            assert_eq!(
                p(&format!("wait pod/x --timeout={bad}"))
                    .unwrap_err()
                    .to_string(),
                format!(
                    "Error: invalid argument \"{bad}\" for \"--timeout\" flag: time: invalid duration \"{bad}\"\nSee 'kubectl wait --help' for usage."
                )
            );
        }
    }
}
