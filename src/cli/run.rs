//! `stsim run PATH`: replays a scenario file or a model folder's lesson and checks its
//! expected output (`design.md` §3).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::cluster::ClusterProfile;
use crate::scenario::run::{self, RunConfig};
use crate::sim::TimingProfile;

use super::Output;

/// Arguments of `stsim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A scenario (`*.console`, `*.md` lesson, `*.sh` script) or a model folder
    /// (`models/<name>/`: its `lesson.md`, then its other `*.console` and `*.md` scenarios).
    pub path: PathBuf,
    /// The seed (default: the scenario's `stsim seed`, else 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Timing profile: kind, cloud or instant.
    #[arg(long, default_value = "kind")]
    pub profile: String,
    /// A cluster profile (kind's `kind: Cluster` config); default: the scenario's
    /// `stsim cluster FILE`, else one control plane and three workers.
    #[arg(long, value_name = "FILE")]
    pub cluster: Option<PathBuf>,
    /// Write the watch-event trace (JSON Lines) to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Rewrite the scenario's expected output with what the run printed (only the blocks
    /// that did not match, and commands that had none).
    #[arg(long)]
    pub bless: bool,
}

/// Loads the timing and cluster profiles shared by `run` and `shell`.
pub(super) fn config(
    profile: &str,
    cluster: Option<&PathBuf>,
    seed: Option<u64>,
) -> Result<RunConfig, String> {
    let timing = TimingProfile::builtin(profile)
        .map_err(|_| format!("unknown timing profile {profile:?} (kind, cloud or instant)"))?;
    let cluster = match cluster {
        None => None,
        Some(file) => {
            let text =
                std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
            Some(
                ClusterProfile::parse(&file.display().to_string(), &text)
                    .map_err(|e| e.to_string())?,
            )
        }
    };
    Ok(RunConfig {
        seed,
        timing,
        cluster,
        trace: false,
    })
}

fn fail(out: &mut Output, message: impl std::fmt::Display) {
    let _ = writeln!(out.stderr, "error: {message}");
    out.code = 2;
}

/// Runs `stsim run`.
pub fn run(args: &RunArgs) -> Output {
    let mut out = Output::default();
    let mut config = match config(&args.profile, args.cluster.as_ref(), args.seed) {
        Ok(c) => c,
        Err(e) => {
            fail(&mut out, e);
            return out;
        }
    };
    config.trace = args.trace.is_some();
    let files = match run::scenario_files(&args.path) {
        Ok(f) => f,
        Err(e) => {
            fail(&mut out, e);
            return out;
        }
    };
    let mut trace = String::new();
    let mut failed = 0usize;
    let mut failed_seed: Option<u64> = None;
    for file in &files {
        let (text, scenario) = match run::load(file) {
            Ok(x) => x,
            Err(e) => {
                fail(&mut out, e);
                break;
            }
        };
        let result = run::run_scenario(&text, &scenario, &config, args.bless);
        out.stdout.push_str(&result.output);
        trace.push_str(&result.trace);
        for m in &result.mismatches {
            let _ = write!(
                out.stderr,
                "error: {}:{}: the output of `{}` differs from the expected output\n{}",
                m.path, m.line, m.command, m.diff
            );
        }
        if let Some(blessed) = &result.blessed
            && *blessed != text
        {
            if let Err(e) = std::fs::write(file, blessed) {
                fail(&mut out, format!("{}: {e}", file.display()));
                break;
            }
            let _ = writeln!(
                out.stderr,
                "blessed {}: {} block(s) rewritten",
                file.display(),
                blessed_count(&result)
            );
        }
        if !result.mismatches.is_empty() && !args.bless {
            failed += result.mismatches.len();
            failed_seed.get_or_insert(result.seed);
        }
        if let Some(e) = &result.error {
            fail(&mut out, e);
            break;
        }
    }
    if let Some(file) = &args.trace
        && let Err(e) = std::fs::write(file, &trace)
    {
        fail(&mut out, format!("{}: {e}", file.display()));
    }
    if out.code == 0
        && let Some(seed) = failed_seed
    {
        let mut replay = format!("stsim run {} --seed {seed}", args.path.display());
        if args.profile != "kind" {
            let _ = write!(replay, " --profile {}", args.profile);
        }
        if let Some(c) = &args.cluster {
            let _ = write!(replay, " --cluster {}", c.display());
        }
        let _ = writeln!(
            out.stderr,
            "error: {failed} expectation(s) did not hold\nreplay: {replay}"
        );
        out.code = 1;
    }
    out
}

/// Steps the bless rewrote (mismatches, or commands that had no expected output).
fn blessed_count(r: &run::RunResult) -> usize {
    r.mismatches.len().max(1)
}
