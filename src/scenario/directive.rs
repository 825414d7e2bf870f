//! The commands of a scenario other than `kubectl`: `sleep` and the `stsim` directives
//! (`design.md` §3), parsed from a command line's words.
//!
//! ```text
//! sleep N                          N seconds (GNU sleep: 30, 0.5, 1m, 2h, 1d; several add up)
//! stsim node stop NODE             the node's machine stops (kubelet, heartbeats, containers)
//! stsim node start NODE            it starts again
//! stsim crash POD [-n NS] [-c CONTAINER] [--exit-code N]
//!                                  the container's main process dies (exit code 1 by default)
//! stsim disk-loss NODE             the node's local disks are lost (local-path PVs, hostPath, emptyDir)
//! stsim advance DURATION           virtual time moves on (Go durations: 90s, 5m, 1h30m; or seconds)
//! stsim seed N                     the run's seed (only before the first command)
//! stsim cluster FILE               the cluster profile, a kind config relative to the
//!                                  scenario (only before the first command)
//! ```

use crate::engine::SimDuration;
use crate::sim::faults::Fault;

/// A command that is not `kubectl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `sleep`: virtual time moves on.
    Sleep(SimDuration),
    /// A fault (`stsim node stop`, `crash`, `disk-loss`, `advance`...).
    Fault(Fault),
    /// `stsim seed N`.
    Seed(u64),
    /// `stsim cluster FILE`: the cluster profile to build the run's cluster from.
    Cluster(String),
}

/// The usage text listed when a directive is not understood.
pub const USAGE: &str = "stsim node stop NODE | stsim node start NODE | stsim crash POD [-n NS] [-c CONTAINER] [--exit-code N] | stsim disk-loss NODE | stsim advance DURATION | stsim seed N | stsim cluster FILE";

/// Parses `sleep`'s operands as GNU sleep does: each a non-negative decimal number with an
/// optional unit `s`, `m`, `h` or `d`; they add up.
pub fn parse_sleep(args: &[String]) -> Result<SimDuration, String> {
    if args.is_empty() {
        return Err("sleep: missing operand".to_string());
    }
    let mut total: u64 = 0;
    for a in args {
        let (num, unit_ms) = match a.chars().last() {
            Some('s') => (&a[..a.len() - 1], 1_000.0),
            Some('m') => (&a[..a.len() - 1], 60_000.0),
            Some('h') => (&a[..a.len() - 1], 3_600_000.0),
            Some('d') => (&a[..a.len() - 1], 86_400_000.0),
            _ => (a.as_str(), 1_000.0),
        };
        let valid = !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit() || c == '.')
            && num.chars().filter(|c| *c == '.').count() <= 1
            && num != ".";
        let value: f64 = if valid {
            num.parse()
                .map_err(|_| format!("sleep: invalid time interval '{a}'"))?
        } else {
            return Err(format!("sleep: invalid time interval '{a}'"));
        };
        let ms = (value * unit_ms).round();
        if !(0.0..1e15).contains(&ms) {
            return Err(format!("sleep: invalid time interval '{a}'"));
        }
        total = total.saturating_add(ms as u64);
    }
    Ok(SimDuration::from_ms(total))
}

/// Parses a duration for `stsim advance`: a Go duration (`90s`, `1h30m`) or seconds.
fn parse_duration(s: &str) -> Option<SimDuration> {
    if let Ok(secs) = s.parse::<u64>() {
        return Some(SimDuration::from_secs(secs));
    }
    crate::kubectl::flags::parse_go_duration(s)
}

/// Parses the words after `stsim`.
pub fn parse_stsim(args: &[String]) -> Result<Directive, String> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let bad = |what: &str| Err(format!("{what} (directives: {USAGE})"));
    match words.as_slice() {
        ["node", "stop", node] => Ok(Directive::Fault(Fault::NodeStop(node.to_string()))),
        ["node", "start", node] => Ok(Directive::Fault(Fault::NodeStart(node.to_string()))),
        ["node", ..] => bad("usage: stsim node stop|start NODE"),
        ["disk-loss", node] => Ok(Directive::Fault(Fault::DiskLoss(node.to_string()))),
        ["disk-loss", ..] => bad("usage: stsim disk-loss NODE"),
        ["advance", d] => match parse_duration(d) {
            Some(d) => Ok(Directive::Fault(Fault::Advance(d))),
            None => Err(format!(
                "stsim advance: invalid duration {d:?} (examples: 90s, 5m, 1h30m, 120)"
            )),
        },
        ["advance", ..] => bad("usage: stsim advance DURATION"),
        ["seed", n] => match n.parse::<u64>() {
            Ok(n) => Ok(Directive::Seed(n)),
            Err(_) => Err(format!(
                "stsim seed: invalid seed {n:?} (a non-negative integer)"
            )),
        },
        ["seed", ..] => bad("usage: stsim seed N"),
        ["cluster", file] => Ok(Directive::Cluster(file.to_string())),
        ["cluster", ..] => bad("usage: stsim cluster FILE"),
        ["crash", rest @ ..] => parse_crash(rest),
        [] => bad("stsim: missing directive"),
        [other, ..] => bad(&format!("stsim: unknown directive {other:?}")),
    }
}

fn parse_crash(rest: &[&str]) -> Result<Directive, String> {
    let mut pod: Option<&str> = None;
    let mut namespace = "default".to_string();
    let mut container = None;
    let mut code = 1;
    let mut i = 0;
    let value = |i: usize, flag: &str| -> Result<String, String> {
        rest.get(i + 1)
            .map(|v| v.to_string())
            .ok_or_else(|| format!("stsim crash: flag {flag} needs a value"))
    };
    while i < rest.len() {
        let w = rest[i];
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (w, None),
        };
        let take = |i: &mut usize| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => {
                    let v = value(*i, flag)?;
                    *i += 1;
                    Ok(v)
                }
            }
        };
        match flag {
            "-n" | "--namespace" => namespace = take(&mut i)?,
            "-c" | "--container" => container = Some(take(&mut i)?),
            "--exit-code" => {
                let v = take(&mut i)?;
                code = v
                    .parse::<i32>()
                    .ok()
                    .filter(|c| (0..=255).contains(c))
                    .ok_or_else(|| format!("stsim crash: invalid exit code {v:?} (0 to 255)"))?;
            }
            f if f.starts_with('-') => {
                return Err(format!(
                    "stsim crash: unknown flag {f:?} (usage: stsim crash POD [-n NS] [-c CONTAINER] [--exit-code N])"
                ));
            }
            p => {
                if pod.is_some() {
                    return Err(format!("stsim crash: unexpected argument {p:?}"));
                }
                pod = Some(p);
            }
        }
        i += 1;
    }
    let Some(pod) = pod else {
        return Err("usage: stsim crash POD [-n NS] [-c CONTAINER] [--exit-code N]".to_string());
    };
    Ok(Directive::Fault(Fault::Crash {
        namespace,
        pod: pod.to_string(),
        container,
        code,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn sleep_takes_gnu_intervals() {
        assert_eq!(parse_sleep(&w("5")), Ok(SimDuration::from_secs(5)));
        assert_eq!(parse_sleep(&w("0.5")), Ok(SimDuration::from_ms(500)));
        assert_eq!(parse_sleep(&w("1m")), Ok(SimDuration::from_secs(60)));
        assert_eq!(parse_sleep(&w("1m 30")), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_sleep(&w("2h")), Ok(SimDuration::from_secs(7200)));
        assert_eq!(
            parse_sleep(&w("x")),
            Err("sleep: invalid time interval 'x'".to_string())
        );
        assert_eq!(
            parse_sleep(&w("-1")),
            Err("sleep: invalid time interval '-1'".to_string())
        );
        assert_eq!(parse_sleep(&[]), Err("sleep: missing operand".to_string()));
    }

    #[test]
    fn directives() {
        assert_eq!(
            parse_stsim(&w("node stop kind-worker")),
            Ok(Directive::Fault(Fault::NodeStop("kind-worker".into())))
        );
        assert_eq!(
            parse_stsim(&w("node start kind-worker2")),
            Ok(Directive::Fault(Fault::NodeStart("kind-worker2".into())))
        );
        assert_eq!(
            parse_stsim(&w("disk-loss kind-worker")),
            Ok(Directive::Fault(Fault::DiskLoss("kind-worker".into())))
        );
        assert_eq!(
            parse_stsim(&w("advance 1h30m")),
            Ok(Directive::Fault(Fault::Advance(SimDuration::from_secs(
                5400
            ))))
        );
        assert_eq!(
            parse_stsim(&w("advance 45")),
            Ok(Directive::Fault(Fault::Advance(SimDuration::from_secs(45))))
        );
        assert_eq!(parse_stsim(&w("seed 42")), Ok(Directive::Seed(42)));
        assert_eq!(
            parse_stsim(&w("cluster cloud/ebs.yaml")),
            Ok(Directive::Cluster("cloud/ebs.yaml".into()))
        );
        assert!(
            parse_stsim(&w("cluster"))
                .unwrap_err()
                .starts_with("usage: stsim cluster FILE")
        );
        assert_eq!(
            parse_stsim(&w("crash web-0 -n prod -c nginx --exit-code 137")),
            Ok(Directive::Fault(Fault::Crash {
                namespace: "prod".into(),
                pod: "web-0".into(),
                container: Some("nginx".into()),
                code: 137
            }))
        );
        assert_eq!(
            parse_stsim(&w("crash web-1 --namespace=x")),
            Ok(Directive::Fault(Fault::Crash {
                namespace: "x".into(),
                pod: "web-1".into(),
                container: None,
                code: 1
            }))
        );
    }

    #[test]
    fn bad_directives_say_what_is_wrong() {
        let e = parse_stsim(&w("partition kind-worker")).unwrap_err();
        assert!(
            e.starts_with("stsim: unknown directive \"partition\" (directives: stsim node stop"),
            "{e}"
        );
        assert!(parse_stsim(&w("node reboot x")).is_err());
        assert!(
            parse_stsim(&w("advance soon"))
                .unwrap_err()
                .contains("invalid duration")
        );
        assert!(parse_stsim(&w("seed -3")).is_err());
        assert!(parse_stsim(&w("crash")).is_err());
        assert!(parse_stsim(&w("crash web-0 --exit-code 300")).is_err());
        assert!(parse_stsim(&w("crash web-0 --signal 9")).is_err());
        assert!(parse_stsim(&w("crash web-0 -n")).is_err());
        assert!(parse_stsim(&[]).is_err());
    }
}
