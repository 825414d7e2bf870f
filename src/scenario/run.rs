//! The scenario runner (`design.md` §3): replays a scenario's commands against a fresh
//! simulated cluster and checks what they print.
//!
//! - `kubectl …` lines run through the kubectl layer ([`Session`]): words as the shell would
//!   pass them (quotes removed), a here-document as the command's stdin (`-f -`).
//! - `sleep N` moves virtual time on; `stsim …` lines are [directives](super::directive).
//! - What the learner's own shell would do is not simulated: pipelines, `&&`/`||`/`;` lists,
//!   redirections, loops are refused with an error that names the construct (`$ # text`
//!   comments are fine). In a `.sh` script, `set …` (e.g. `set -e`) is accepted and does
//!   nothing.
//! - A command's output is its stdout followed by its stderr (as a terminal shows them when
//!   the command writes one after the other), with a newline added when the output does not
//!   end with one. It is matched with `[..]` / `...` against the expected lines; a mismatch
//!   is recorded with a unified diff headed by the command's `file:line`, and the run goes on
//!   (every mismatch of a run is reported).
//! - Every command is bounded: one that keeps waiting for [`COMMAND_LIMIT`] of virtual time
//!   (or [`COMMAND_STEPS`] reconciles) is stopped and the run ends with an error naming its
//!   line. `sleep` and `stsim advance` are not bounded: they say how long they take.
//!
//! The run's output is itself a transcript: each command as `$ command` (continuation lines
//! and here-documents as typed), then its output.

use std::path::{Path, PathBuf};

use crate::cluster::ClusterProfile;
use crate::cluster::world::{self, WorldConfig};
use crate::engine::{SimDuration, SimTime};
use crate::kubectl::Session;
use crate::sim::TimingProfile;
use crate::sim::faults::{self, Fault};

use super::directive::{self, Directive};
use super::expect;
use super::parse::{self, Form, Scenario, ScenarioError, Step};
use super::shell::{self, Token};
use super::trace;

/// The most virtual time one command may wait (watch, `wait`, `rollout status`...).
pub const COMMAND_LIMIT: SimDuration = SimDuration::from_secs(3600);

/// The most reconciles one command (or one `sleep`) may run.
pub const COMMAND_STEPS: u64 = 20_000_000;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The seed; when `None`, the scenario's `stsim seed` or 0.
    pub seed: Option<u64>,
    /// Latencies.
    pub timing: TimingProfile,
    /// The cluster; when `None`, the scenario's `stsim cluster FILE`, else kind's default.
    pub cluster: Option<ClusterProfile>,
    /// Whether to collect the trace.
    pub trace: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: None,
            timing: TimingProfile::kind(),
            cluster: None,
            trace: false,
        }
    }
}

/// An expectation that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The scenario file.
    pub path: String,
    /// The command's line.
    pub line: usize,
    /// The command.
    pub command: String,
    /// The unified diff, headed by `file:line`.
    pub diff: String,
    /// What the command printed.
    pub actual: String,
}

/// A scenario that cannot go on: an unknown command or directive, an unsupported shell
/// construct, a command that never settles. Names the file and line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("scenario {path}:{line}: {message}")]
pub struct StepError {
    /// The scenario file.
    pub path: String,
    /// The command's line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    /// The run as a transcript.
    pub output: String,
    /// Expectations that did not hold.
    pub mismatches: Vec<Mismatch>,
    /// Set when the run stopped early.
    pub error: Option<StepError>,
    /// The seed used.
    pub seed: u64,
    /// The trace (JSON Lines), when asked for.
    pub trace: String,
    /// Virtual time when the cluster was up, and at the end.
    pub started_at: SimTime,
    /// Virtual time at the end.
    pub ended_at: SimTime,
    /// Reconciles run.
    pub steps: u64,
    /// The scenario file rewritten with the actual outputs, for `--bless` (transcripts only).
    pub blessed: Option<String>,
}

impl RunResult {
    /// True when every expectation held and nothing went wrong.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.error.is_none()
    }
}

/// Reads a scenario file: the text and its parse.
pub fn load(path: &Path) -> Result<(String, Scenario), ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let scenario = match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "console" => parse::parse_transcript(path, &text)?,
        "md" => parse::parse_markdown(path, &text)?,
        "sh" => parse::parse_script(path, &text)?,
        _ => {
            return Err(ScenarioError::UnknownFormat {
                path: path.display().to_string(),
            });
        }
    };
    Ok((text, scenario))
}

/// The scenarios a path names: a file is itself; a folder (a `models/<x>/`) holds every
/// `*.console` and `*.md` file other than `README.md`, its lesson (`lesson.md`) first and the
/// others (failure paths, side lessons) in name order, or else, when that is all there is, a
/// `README.md` with console blocks.
pub fn scenario_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        if path.exists() {
            return Ok(vec![path.to_path_buf()]);
        }
        return Err(format!("{}: No such file or directory", path.display()));
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let is = |p: &PathBuf, ext: &str| p.extension().and_then(|e| e.to_str()) == Some(ext);
    let readme = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()) == Some("README.md");
    let lesson = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()) == Some("lesson.md");
    // The main lesson first, then the folder's other scenarios (failure paths, side lessons)
    // in name order.
    let mut chosen: Vec<PathBuf> = files
        .iter()
        .filter(|p| is(p, "console") || (is(p, "md") && !readme(p)))
        .cloned()
        .collect();
    chosen.sort_by_key(|p| !lesson(p));
    if !chosen.is_empty() {
        return Ok(chosen);
    }
    if let Some(r) = files.iter().find(|p| readme(p))
        && std::fs::read_to_string(r).is_ok_and(|t| t.lines().any(|l| l.trim() == "```console"))
    {
        return Ok(vec![r.clone()]);
    }
    Err(format!(
        "{}: no lesson here (expected lesson.md, or *.console / *.md scenarios)",
        path.display()
    ))
}

/// What one step does.
#[derive(Debug)]
pub enum Action {
    /// `kubectl` and its words.
    Kubectl(Vec<String>),
    /// `sleep`.
    Sleep(SimDuration),
    /// `stsim ...`.
    Directive(Directive),
    /// The learner's `for` loop over kubectl commands: each command's words, in the order
    /// bash runs them.
    Loop(Vec<Vec<String>>),
    /// Nothing to do (`set -e` in a script, an empty line).
    Nothing,
}

/// Names a shell operator the runner does not interpret.
fn construct(op: &str) -> &'static str {
    match op {
        "|" => "a pipeline (`|`)",
        "&&" => "a command list (`&&`)",
        "||" => "a command list (`||`)",
        ";" => "a command list (`;`)",
        "&" => "a background job (`&`)",
        ">" | ">>" | "2>" | "2>&1" => "a redirection of output",
        "<" => "a redirection of input (`<`)",
        _ => "a shell operator",
    }
}

/// Turns a step's command line into what to do; `Err` names what is not supported.
pub fn classify(step: &Step, form: Form) -> Result<Action, String> {
    if let Some(expanded) = super::loops::expand_for(&step.command) {
        let commands = expanded.map_err(|e| e.0)?;
        let mut list = Vec::new();
        for c in commands {
            let inner = Step {
                command: c,
                heredoc: None,
                ..step.clone()
            };
            match classify(&inner, form)? {
                Action::Kubectl(words) => list.push(words),
                _ => {
                    return Err("a `for` loop may only run kubectl commands here".to_string());
                }
            }
        }
        return Ok(Action::Loop(list));
    }
    let tokens = shell::tokenize(&step.command).map_err(|e| e.to_string())?;
    let mut words = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Op(op) if op == "<<" || op == "<<-" => i += 2,
            Token::Op(op) => {
                return Err(format!(
                    "{} is not supported: the simulator runs one command per line, without the learner's shell (`{op}`)",
                    construct(op)
                ));
            }
            Token::Word(w) => {
                words.push(w.clone());
                i += 1;
            }
        }
    }
    let Some(first) = words.first() else {
        return Ok(Action::Nothing);
    };
    let rest = words[1..].to_vec();
    if step.heredoc.is_some() && first != "kubectl" {
        return Err(format!(
            "only kubectl reads a here-document here, not `{first}`"
        ));
    }
    match first.as_str() {
        "kubectl" => Ok(Action::Kubectl(rest)),
        "sleep" => directive::parse_sleep(&rest).map(Action::Sleep),
        "stsim" => directive::parse_stsim(&rest).map(Action::Directive),
        "set" if form == Form::Script => Ok(Action::Nothing),
        "for" | "while" | "until" | "if" | "case" | "do" | "done" | "then" | "fi" => Err(format!(
            "a shell `{first}` construct is not supported: write one command per line"
        )),
        other => Err(format!(
            "unknown command `{other}`: a scenario runs `kubectl`, `sleep` and `stsim` commands"
        )),
    }
}

/// The line (0-based index) where a step's command ends: after its continuation lines and
/// its here-document.
fn command_end(lines: &[&str], step: &Step) -> usize {
    let mut i = step.line.saturating_sub(1);
    while i + 1 < lines.len() && lines[i].ends_with('\\') {
        i += 1;
    }
    if let Some(h) = &step.heredoc {
        while i + 1 < lines.len() {
            i += 1;
            let l = lines[i];
            let variants = [
                l,
                l.strip_prefix("> ").unwrap_or(l),
                l.strip_prefix('>').unwrap_or(l),
            ];
            if variants
                .iter()
                .any(|v| *v == h.delimiter || v.trim_start_matches('\t') == h.delimiter)
            {
                break;
            }
        }
    }
    i.min(lines.len().saturating_sub(1))
}

/// The command as typed, for the run's output.
fn echo(lines: &[&str], step: &Step, form: Form) -> String {
    let start = step.line.saturating_sub(1);
    let end = command_end(lines, step);
    let mut out = String::new();
    for (k, l) in lines[start..=end.max(start)].iter().enumerate() {
        if k == 0 && form == Form::Script {
            out.push_str("$ ");
            out.push_str(l.trim());
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    out
}

/// Builds the world for a run: the configuration's cluster, else the scenario's, else kind's
/// default.
fn build(
    config: &RunConfig,
    seed: u64,
    scenario_cluster: Option<&ClusterProfile>,
) -> Result<Session, String> {
    let cluster = config
        .cluster
        .as_ref()
        .or(scenario_cluster)
        .cloned()
        .unwrap_or_else(ClusterProfile::default_kind);
    let sim = world::build(WorldConfig {
        seed,
        timing: config.timing.clone(),
        cluster,
    })
    .map_err(|e| e.to_string())?;
    Ok(Session::new(sim))
}

/// Runs one kubectl command line with the runner's bound ([`COMMAND_LIMIT`],
/// [`COMMAND_STEPS`]) and `stop` (Ctrl-C in the shell). Returns what it printed and whether
/// it was stopped before it was done.
pub fn run_kubectl(
    session: &mut Session,
    words: &[String],
    stdin: &str,
    stop: Option<Box<dyn Fn() -> bool>>,
) -> (crate::kubectl::Output, bool) {
    let start = session.sim().now();
    let limit = start + COMMAND_LIMIT;
    let steps = session.sim().steps().saturating_add(COMMAND_STEPS);
    session.set_interrupt(Some(Box::new(move |sim| {
        sim.now() >= limit || sim.steps() >= steps || stop.as_ref().is_some_and(|f| f())
    })));
    let out = session.run(words, stdin);
    session.set_interrupt(None);
    let interrupted = session.take_interrupted();
    (out, interrupted || session.sim().now() >= limit)
}

/// The error of a command stopped by the runner's bound.
pub fn not_settled(words: &[String]) -> String {
    format!(
        "`kubectl {}` did not settle: it was still waiting after {} of virtual time (give it a --timeout, or end the watch with --request-timeout)",
        words.join(" "),
        crate::printers::duration::human_duration(COMMAND_LIMIT.as_ms() as i64)
    )
}

/// The `-f` paths of a kubectl command line that name no file or folder: a scenario's
/// manifests live beside it, so a missing one is a broken scenario, not kubectl output to
/// check. `-` (stdin) and URLs are left to kubectl.
pub fn missing_manifests(words: &[String], base_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    // In these, `-f` is `--follow` or belongs to the program run in the pod.
    if words.first().is_some_and(|c| {
        matches!(
            c.as_str(),
            "logs" | "exec" | "attach" | "cp" | "debug" | "run" | "port-forward"
        )
    }) {
        return out;
    }
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let value = if w == "-f" || w == "--filename" {
            i += 1;
            words.get(i).cloned()
        } else if let Some(v) = w
            .strip_prefix("--filename=")
            .or_else(|| w.strip_prefix("-f="))
        {
            Some(v.to_string())
        } else {
            w.strip_prefix("-f")
                .filter(|v| !v.is_empty() && !w.starts_with("--"))
                .map(str::to_string)
        };
        if w == "--" {
            break;
        }
        if let Some(v) = value
            && v != "-"
            && !v.contains("://")
        {
            let p = Path::new(&v);
            let full = if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            };
            if !full.exists() {
                out.push(v);
            }
        }
        i += 1;
    }
    out
}

/// Moves virtual time on by `d` (`sleep`, `stsim sleep`): the same as the `stsim advance`
/// fault, with the runner's bound.
pub fn sleep(session: &mut Session, d: SimDuration) -> Result<(), String> {
    faults::apply(session.sim_mut(), &Fault::Advance(d), COMMAND_STEPS).map_err(|e| e.0)
}

/// Applies a fault directive (`stsim advance` included), with the runner's bound.
pub fn apply_fault(session: &mut Session, fault: &Fault) -> Result<(), String> {
    faults::apply(session.sim_mut(), fault, COMMAND_STEPS).map_err(|e| format!("stsim: {e}"))
}

/// Runs one kubectl command of a scenario (a line, or one command of a `for` loop): a
/// missing `-f` manifest is a broken scenario, and a command still waiting at the runner's
/// bound stops the run. `Ok` is what it printed; `Err` is what it printed before it was
/// stopped, and the error.
fn run_kubectl_step(
    session: &mut Session,
    words: &[String],
    stdin: &str,
    base_dir: &Path,
) -> Result<String, (String, String)> {
    if let Some(m) = missing_manifests(words, base_dir).first() {
        let folder = if base_dir.as_os_str().is_empty() {
            String::new()
        } else {
            format!(", {}", base_dir.display())
        };
        return Err((
            String::new(),
            format!(
                "manifest {m:?} not found (paths are relative to the scenario's folder{folder})"
            ),
        ));
    }
    let (out, stopped) = run_kubectl(session, words, stdin, None);
    let printed = terminal_text(&out);
    if stopped {
        return Err((printed, not_settled(words)));
    }
    Ok(printed)
}

/// What a command printed, as a terminal shows it: stdout, then stderr, ending with a
/// newline when anything was printed.
pub fn terminal_text(out: &crate::kubectl::Output) -> String {
    let mut text = out.stdout.clone();
    if !text.is_empty() && !text.ends_with('\n') && !out.stderr.is_empty() {
        text.push('\n');
    }
    text.push_str(&out.stderr);
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Runs a scenario file against a fresh cluster.
pub fn run_file(path: &Path, config: &RunConfig, bless: bool) -> Result<RunResult, ScenarioError> {
    let (text, scenario) = load(path)?;
    Ok(run_scenario(&text, &scenario, config, bless))
}

/// Runs a parsed scenario whose file text is `text`.
pub fn run_scenario(text: &str, scenario: &Scenario, config: &RunConfig, bless: bool) -> RunResult {
    let path = scenario.path.display().to_string();
    let lines: Vec<&str> = text.lines().collect();
    let base_dir = scenario
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut result = RunResult {
        seed: config.seed.unwrap_or(0),
        ..RunResult::default()
    };
    let mut session: Option<Session> = None;
    let mut scenario_cluster: Option<ClusterProfile> = None;
    // Per step index: the actual lines, when bless must write them.
    let mut rewrites: Vec<(usize, Vec<String>)> = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        result.output.push_str(&echo(&lines, step, scenario.form));
        if step.is_comment {
            continue;
        }
        let fail = |message: String| StepError {
            path: path.clone(),
            line: step.line,
            message,
        };
        let action = match classify(step, scenario.form) {
            Ok(a) => a,
            Err(m) => {
                result.error = Some(fail(m));
                break;
            }
        };
        if let Action::Directive(Directive::Seed(n)) = action {
            if session.is_some() {
                result.error = Some(fail(
                    "`stsim seed` must come before the first command".to_string(),
                ));
                break;
            }
            if config.seed.is_none() {
                result.seed = n;
            }
            continue;
        }
        if let Action::Directive(Directive::Cluster(file)) = &action {
            if session.is_some() {
                result.error = Some(fail(
                    "`stsim cluster` must come before the first command".to_string(),
                ));
                break;
            }
            let file = base_dir.join(file);
            let loaded = std::fs::read_to_string(&file)
                .map_err(|e| format!("stsim cluster: {}: {e}", file.display()))
                .and_then(|text| {
                    ClusterProfile::parse(&file.display().to_string(), &text)
                        .map_err(|e| e.to_string())
                });
            match loaded {
                Ok(p) => scenario_cluster = Some(p),
                Err(m) => {
                    result.error = Some(fail(m));
                    break;
                }
            }
            continue;
        }
        if matches!(action, Action::Nothing) {
            continue;
        }
        if session.is_none() {
            match build(config, result.seed, scenario_cluster.as_ref()) {
                Ok(s) => {
                    result.started_at = s.sim().now();
                    session = Some(s.with_base_dir(base_dir.clone()));
                }
                Err(m) => {
                    result.error = Some(fail(m));
                    break;
                }
            }
        }
        let Some(s) = session.as_mut() else {
            break;
        };
        let printed = match action {
            Action::Kubectl(words) => {
                let stdin = step.heredoc.as_ref().map_or("", |h| h.body.as_str());
                match run_kubectl_step(s, &words, stdin, &base_dir) {
                    Ok(printed) => printed,
                    Err((printed, m)) => {
                        result.output.push_str(&printed);
                        result.error = Some(fail(m));
                        break;
                    }
                }
            }
            Action::Loop(list) => {
                let mut printed = String::new();
                let mut stuck = None;
                for words in list {
                    match run_kubectl_step(s, &words, "", &base_dir) {
                        Ok(p) => printed.push_str(&p),
                        Err((p, m)) => {
                            printed.push_str(&p);
                            stuck = Some(m);
                            break;
                        }
                    }
                }
                if let Some(m) = stuck {
                    result.output.push_str(&printed);
                    result.error = Some(fail(m));
                    break;
                }
                printed
            }
            Action::Sleep(d) => match sleep(s, d) {
                Ok(()) => String::new(),
                Err(m) => {
                    result.error = Some(fail(m));
                    break;
                }
            },
            Action::Directive(Directive::Fault(f)) => match apply_fault(s, &f) {
                Ok(()) => String::new(),
                Err(m) => {
                    result.error = Some(fail(m));
                    break;
                }
            },
            Action::Directive(Directive::Sleep(d)) => match sleep(s, d) {
                Ok(()) => String::new(),
                Err(m) => {
                    result.error = Some(fail(m));
                    break;
                }
            },
            Action::Directive(Directive::Seed(_) | Directive::Cluster(_)) | Action::Nothing => {
                String::new()
            }
        };
        result.output.push_str(&printed);
        if scenario.form != Form::Transcript {
            continue;
        }
        let mut actual: Vec<&str> = printed.lines().collect();
        while actual.last().is_some_and(|l| l.trim().is_empty()) {
            actual.pop();
        }
        match &step.expected {
            Some(e) if !expect::block_matches(&e.lines, &actual) => {
                result.mismatches.push(Mismatch {
                    path: path.clone(),
                    line: step.line,
                    command: step.command.clone(),
                    diff: expect::diff(&path, step.line, &e.lines, &actual),
                    actual: printed.clone(),
                });
                rewrites.push((index, actual.iter().map(|l| l.to_string()).collect()));
            }
            Some(_) => {}
            None if !actual.is_empty() => {
                rewrites.push((index, actual.iter().map(|l| l.to_string()).collect()));
            }
            None => {}
        }
    }
    if let Some(s) = &session {
        result.ended_at = s.sim().now();
        result.steps = s.sim().steps();
        if config.trace {
            trace::write(&mut result.trace, s.sim().api().watch_events());
        }
    }
    if bless && scenario.form == Form::Transcript {
        result.blessed = Some(blessed_text(text, &lines, scenario, &rewrites));
    }
    result
}

/// The scenario's text with the expected output of the `rewrites` steps replaced (or, where
/// there was none, inserted under the command).
fn blessed_text(
    text: &str,
    lines: &[&str],
    scenario: &Scenario,
    rewrites: &[(usize, Vec<String>)],
) -> String {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    // Bottom up, so that earlier line numbers stay valid.
    for (index, actual) in rewrites.iter().rev() {
        let step = &scenario.steps[*index];
        match &step.expected {
            Some(e) => {
                let start = e.line - 1;
                let end = (start + e.lines.len()).min(out.len());
                out.splice(start..end, actual.iter().cloned());
            }
            None => {
                let at = (command_end(lines, step) + 1).min(out.len());
                out.splice(at..at, actual.iter().cloned());
            }
        }
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') || text.is_empty() {
        joined.push('\n');
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        parse::parse_transcript(Path::new("t.console"), text).unwrap()
    }

    fn instant() -> RunConfig {
        RunConfig {
            timing: TimingProfile::instant(),
            ..RunConfig::default()
        }
    }

    #[test]
    fn shell_constructs_are_refused_by_name() {
        for (line, what) in [
            ("$ kubectl get pods | grep web", "a pipeline (`|`)"),
            ("$ kubectl get pods && echo ok", "a command list (`&&`)"),
            ("$ kubectl get pods > x", "a redirection of output"),
            (
                "$ kubectl get pods; kubectl get pvc",
                "a command list (`;`)",
            ),
            (
                "$ for i in 0 1; do echo web-$i; done",
                "unknown command `echo`",
            ),
        ] {
            let s = scenario(line);
            let e = classify(&s.steps[0], Form::Transcript).err().unwrap();
            assert!(e.starts_with(what), "{line}: {e}");
        }
        let s = scenario("$ echo hi\n");
        assert_eq!(
            classify(&s.steps[0], Form::Transcript).err().unwrap(),
            "unknown command `echo`: a scenario runs `kubectl`, `sleep` and `stsim` commands"
        );
    }

    #[test]
    fn a_run_prints_a_transcript_and_checks_it() {
        let text = "$ # a comment\n$ kubectl get ns \\\n>   default\nNAME      STATUS   AGE\ndefault   Active   [..]\n$ sleep 5\n$ kubectl get pods\nwrong\n";
        let s = scenario(text);
        let r = run_scenario(text, &s, &instant(), true);
        assert_eq!(r.error, None);
        assert!(r.output.starts_with("$ # a comment\n$ kubectl get ns \\\n>   default\nNAME      STATUS   AGE\ndefault   Active   "), "{}", r.output);
        assert!(
            r.output.ends_with(
                "$ sleep 5\n$ kubectl get pods\nNo resources found in default namespace.\n"
            ),
            "{}",
            r.output
        );
        assert_eq!(r.mismatches.len(), 1);
        assert_eq!(r.mismatches[0].line, 7);
        assert_eq!(
            r.mismatches[0].diff,
            "--- expected (t.console:7)\n+++ actual\n+No resources found in default namespace.\n-wrong\n"
        );
        let blessed = r.blessed.unwrap();
        assert!(
            blessed.ends_with("$ kubectl get pods\nNo resources found in default namespace.\n"),
            "{blessed}"
        );
        assert!(
            blessed.contains("default   Active   [..]\n"),
            "matching blocks keep their wildcards"
        );
        // The output of a run is itself a valid transcript that passes.
        let again = scenario(&r.output);
        let r2 = run_scenario(&r.output, &again, &instant(), false);
        assert!(r2.passed(), "{:?}", r2.mismatches);
    }

    #[test]
    fn steps_that_cannot_run_stop_the_run_with_their_line() {
        let text = "$ kubectl get ns\n$ stsim node stop kind-nope\n$ kubectl get pods\n";
        let r = run_scenario(text, &scenario(text), &instant(), false);
        assert_eq!(
            r.error.unwrap().to_string(),
            "scenario t.console:2: stsim: node \"kind-nope\" not found"
        );
        let text = "$ kubectl get ns\n$ stsim seed 3\n";
        let r = run_scenario(text, &scenario(text), &instant(), false);
        assert!(
            r.error
                .unwrap()
                .message
                .contains("before the first command")
        );
        let text = "$ stsim seed 3\n$ kubectl get ns\n";
        let r = run_scenario(text, &scenario(text), &instant(), false);
        assert_eq!((r.error, r.seed), (None, 3));
    }

    #[test]
    fn a_scenario_names_its_cluster_and_the_command_line_overrides_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lab.yaml"),
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: lab\nnodes:\n- role: control-plane\n- role: worker\n",
        )
        .unwrap();
        let text = "$ stsim cluster lab.yaml\n$ kubectl get nodes -o name\n";
        let file = dir.path().join("t.console");
        std::fs::write(&file, text).unwrap();
        let r = run_file(&file, &instant(), false).unwrap();
        assert_eq!(r.error, None);
        assert!(
            r.output.ends_with(
                "$ kubectl get nodes -o name\nnode/lab-control-plane\nnode/lab-worker\n"
            ),
            "{}",
            r.output
        );
        let explicit = RunConfig {
            cluster: Some(ClusterProfile::default_kind()),
            ..instant()
        };
        let r = run_file(&file, &explicit, false).unwrap();
        assert!(r.output.contains("node/kind-worker3\n"), "{}", r.output);

        for (text, wanted) in [
            (
                "$ kubectl get ns\n$ stsim cluster lab.yaml\n",
                "`stsim cluster` must come before the first command",
            ),
            (
                "$ stsim cluster nope.yaml\n$ kubectl get ns\n",
                "stsim cluster: ",
            ),
        ] {
            std::fs::write(&file, text).unwrap();
            let e = run_file(&file, &instant(), false).unwrap().error.unwrap();
            assert!(e.message.starts_with(wanted), "{e}");
        }
    }
}
