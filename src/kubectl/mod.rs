//! The kubectl layer: kubectl 1.35's commands over the simulated cluster, with kubectl's own
//! output, errors and exit codes.
//!
//! - [`Session`] owns a [`Sim`] and runs one command line at a time ([`Session::run`]); a
//!   command sees the cluster as it is at its instant and advances virtual time only where
//!   kubectl waits (`--wait`, `wait`, `rollout status`, `drain`, watches; `design.md` §3).
//! - [`errors`] renders errors as kubectl's `CheckErr`; [`flags`] parses command lines with
//!   cobra/pflag's rules from the flag tables generated from the real kubectl.
//! - One module per command family: `get` (and the watch mechanism in `watch`), `apply` and
//!   `create`, `delete`, `describe`, `scale`, `patch`, `label` (label and annotate), `set`
//!   (set image), `rollout`, `wait`, `drain` (cordon, uncordon, drain) and `misc`
//!   (api-resources, version). `resource` is kubectl's resource builder (type resolution,
//!   `TYPE/NAME`, selectors); `output` its printers (`-o`).
//!
//! Client-side texts were recorded from the real kubectl (`testdata/record.py`); texts of
//! server interactions follow upstream's sources (cited per command).
//!
//! This module writes to the API server only through [`Sim::write`], reads through
//! [`Sim::api`], and never reads the wall clock.

mod apply;
mod create;
mod delete;
mod describe;
mod drain;
pub mod errors;
mod exec;
pub mod flags;
mod get;
mod label;
mod misc;
mod output;
mod patch;
mod resource;
mod rollout;
mod scale;
mod set;
mod wait;
mod watch;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exec;
#[cfg(test)]
mod tests_tty;

use std::path::{Path, PathBuf};

use crate::apiserver::ApiError;
use crate::engine::{SimDuration, SimTime};
use crate::sim::Sim;

use errors::{KubectlError, check_err};
use flags::Parsed;

pub use apply::{Applied, LAST_APPLIED, apply_object, set_last_applied};
pub use watch::WATCH_QUIET_PERIOD;

/// The most reconciles one command may let the simulation run (a bound, not a budget: an
/// ordinary command needs a few thousand).
const STEPS_MAX: u64 = 50_000_000;

/// What a command printed, and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit code (0 success, 1 any error, as kubectl).
    pub exit_code: i32,
}

/// A kubectl session against one simulated cluster: the current namespace (the kubeconfig
/// context's, `default` unless changed), the directory `-f` paths are relative to, and the
/// simulation itself.
pub struct Session {
    sim: Sim,
    namespace: String,
    base_dir: PathBuf,
    watch_quiet: SimDuration,
    /// The random stream of programs run by `exec`.
    exec_rng: crate::engine::SimRng,
    /// Files `kubectl cp` wrote on the learner's machine (kept in memory), by the path given.
    local_files: std::collections::BTreeMap<String, Vec<u8>>,
    /// Asked before every instant a waiting command lets pass: true stops the wait there
    /// (Ctrl-C in `stsim shell`, the scenario runner's per-command bound).
    interrupt: Option<Interrupt>,
    /// Set when the interrupt stopped a wait.
    interrupted: bool,
}

/// A check that stops waiting commands (watches, `wait`, `rollout status`, `delete --wait`,
/// `drain`) when it returns true; they end as if their time had run out.
pub type Interrupt = Box<dyn FnMut(&Sim) -> bool>;

/// Why a command stopped: errors for `CheckErr`, or text kubectl prints itself.
#[derive(Clone, Debug)]
pub(crate) enum Failure {
    /// Printed by [`check_err`] (one or several), exit 1.
    Errors(Vec<KubectlError>),
    /// Printed as is on stderr (it ends with a newline), exit 1.
    Text(String),
    /// Printed as is on stderr, and kubectl exits with `code` (a command in a container
    /// that failed).
    Exit {
        /// The text.
        text: String,
        /// The exit code.
        code: i32,
    },
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Errors(vec![KubectlError::Status {
            error: e,
            source: None,
        }])
    }
}

impl From<KubectlError> for Failure {
    fn from(e: KubectlError) -> Self {
        Failure::Errors(vec![e])
    }
}

/// A client-side error: `error: <message>`.
pub(crate) fn client_err(message: impl Into<String>) -> Failure {
    Failure::Errors(vec![KubectlError::Client(message.into())])
}

/// A usage error (`cmdutil.UsageErrorf`): `error: <message>` and the help hint.
pub(crate) fn usage_err(path: &str, message: &str) -> Failure {
    Failure::Text(format!(
        "error: {message}\nSee 'kubectl {path} -h' for help and examples\n"
    ))
}

/// The result of a command.
pub(crate) type CmdResult = Result<(), Failure>;

/// What a command works with: the session, the parsed line, stdin and what it has printed.
pub(crate) struct Cx<'a> {
    pub(crate) session: &'a mut Session,
    pub(crate) p: &'a Parsed,
    pub(crate) stdin: &'a str,
    pub(crate) out: String,
    pub(crate) err: String,
}

impl Cx<'_> {
    /// The namespace the command works in: `-n`, else the session's.
    pub(crate) fn namespace(&self) -> String {
        let n = self.p.string("namespace");
        if n.is_empty() {
            self.session.namespace.clone()
        } else {
            n
        }
    }

    /// True when `-n` was given (kubectl's `enforceNamespace`).
    pub(crate) fn namespace_enforced(&self) -> bool {
        !self.p.string("namespace").is_empty()
    }

    /// The simulation.
    pub(crate) fn sim(&self) -> &Sim {
        &self.session.sim
    }

    /// The current virtual time.
    pub(crate) fn now(&self) -> SimTime {
        self.session.sim.now()
    }

    /// A user write, through [`Sim::write`].
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&mut crate::apiserver::ApiServer) -> T) -> T {
        self.session.sim.write(f)
    }

    /// Runs the simulation until `done` holds or virtual time reaches `deadline`; true when
    /// `done` held. `done` is checked now and after every instant at which something ran.
    pub(crate) fn advance_until(
        &mut self,
        deadline: SimTime,
        mut done: impl FnMut(&Sim) -> bool,
    ) -> bool {
        loop {
            if done(&self.session.sim) {
                return true;
            }
            if let Some(check) = self.session.interrupt.as_mut()
                && check(&self.session.sim)
            {
                self.session.interrupted = true;
                return false;
            }
            let now = self.session.sim.now();
            match self.session.sim.next_due() {
                Some(t) if t <= deadline => {
                    let t = t.max(now);
                    self.session.sim.run_until(t, STEPS_MAX);
                    if self.session.sim.now() == now && self.session.sim.next_due() == Some(t) {
                        // The step bound stopped the run at this instant: give up rather
                        // than spin.
                        return done(&self.session.sim);
                    }
                }
                _ => {
                    if deadline > now {
                        self.session.sim.run_until(deadline, STEPS_MAX);
                    }
                    return done(&self.session.sim);
                }
            }
        }
    }

    /// A path given to `-f`, as kubectl names it, and where to read it.
    pub(crate) fn resolve_path(&self, given: &str) -> PathBuf {
        let p = Path::new(given);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.session.base_dir.join(p)
        }
    }
}

impl Session {
    /// A session over `sim`, in namespace `default`, reading `-f` paths relative to the
    /// process's working directory.
    pub fn new(sim: Sim) -> Session {
        let exec_rng = sim.fork_rng("kubectl-exec");
        Session {
            sim,
            namespace: "default".to_string(),
            base_dir: PathBuf::new(),
            watch_quiet: WATCH_QUIET_PERIOD,
            exec_rng,
            local_files: std::collections::BTreeMap::new(),
            interrupt: None,
            interrupted: false,
        }
    }

    /// Installs (or with `None` removes) the check that stops waiting commands.
    pub fn set_interrupt(&mut self, interrupt: Option<Interrupt>) {
        self.interrupt = interrupt;
    }

    /// True when the interrupt stopped a wait since the last call; clears the mark.
    pub fn take_interrupted(&mut self) -> bool {
        std::mem::take(&mut self.interrupted)
    }

    /// Reads `-f` paths relative to `dir` (a scenario's folder); messages still name them as
    /// typed.
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Session {
        self.base_dir = dir.into();
        self
    }

    /// The simulation.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The simulation, for the runner's own directives (`sleep`, faults).
    pub fn sim_mut(&mut self) -> &mut Sim {
        &mut self.sim
    }

    /// The session's namespace (`kubectl config set-context --current --namespace`).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Changes the session's namespace.
    pub fn set_namespace(&mut self, namespace: &str) {
        self.namespace = namespace.to_string();
    }

    /// How long a watch (`get -w`) waits without a visible change before it ends
    /// (default [`WATCH_QUIET_PERIOD`]).
    pub fn set_watch_quiet_period(&mut self, quiet: SimDuration) {
        self.watch_quiet = quiet;
    }

    /// Runs one kubectl command line (the words after `kubectl`), with `stdin` for `-f -`.
    pub fn run(&mut self, words: &[String], stdin: &str) -> Output {
        let parsed = match flags::parse(words) {
            Ok(p) => p,
            Err(e) => {
                return Output {
                    stdout: String::new(),
                    stderr: format!("{e}\n"),
                    exit_code: 1,
                };
            }
        };
        let mut cx = Cx {
            session: self,
            p: &parsed,
            stdin,
            out: String::new(),
            err: String::new(),
        };
        let result = dispatch(&mut cx);
        let mut out = Output {
            stdout: std::mem::take(&mut cx.out),
            stderr: std::mem::take(&mut cx.err),
            exit_code: 0,
        };
        if let Err(f) = result {
            out.exit_code = 1;
            match f {
                Failure::Errors(errors) => out.stderr.push_str(&check_err(&errors)),
                Failure::Text(t) => out.stderr.push_str(&t),
                Failure::Exit { text, code } => {
                    out.stderr.push_str(&text);
                    out.exit_code = code;
                }
            }
        }
        out
    }

    /// [`Session::run`] for a line split at whitespace (no quoting): for tests and simple
    /// callers.
    pub fn run_line(&mut self, line: &str) -> Output {
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let words = match words.first().map(String::as_str) {
            Some("kubectl") => words[1..].to_vec(),
            _ => words,
        };
        self.run(&words, "")
    }
}

/// Commands kubectl has that stsim does not model.
const NOT_YET: &[&str] = &["attach", "port-forward", "debug"];

/// The duration flags whose negative values the commands give kubectl's meaning (`wait`
/// waits a week; `--pod-running-timeout` must be above zero). Go's duration flags all take a
/// sign; elsewhere the simulator refuses a negative value rather than guess what it means.
const NEGATIVE_DURATIONS: &[(&str, &str)] = &[
    ("wait", "timeout"),
    ("exec", "pod-running-timeout"),
    ("logs", "pod-running-timeout"),
    ("run", "pod-running-timeout"),
];

fn dispatch(cx: &mut Cx) -> CmdResult {
    let path = cx.p.command.path;
    let top = path.split(' ').next().unwrap_or(path);
    if NOT_YET.contains(&top) {
        return Err(Failure::Text(format!(
            "stsim: `kubectl {top}` is not supported by the simulator\n"
        )));
    }
    if let Some(flag) =
        cx.p.negative_durations()
            .into_iter()
            .find(|f| !NEGATIVE_DURATIONS.contains(&(path, *f)))
    {
        return Err(Failure::Text(format!(
            "stsim: a negative `kubectl {path} --{flag}` is not supported by the simulator\n"
        )));
    }
    match path {
        "apply" => apply::run(cx),
        "create" => create::run_file(cx),
        "create namespace" => create::namespace(cx),
        "create secret generic" => create::secret_generic(cx),
        "create configmap" => create::configmap(cx),
        "get" => get::run(cx),
        "describe" => describe::run(cx),
        "delete" => delete::run(cx),
        "scale" => scale::run(cx),
        "patch" => patch::run(cx),
        "label" => label::run(cx, label::Mode::Label),
        "annotate" => label::run(cx, label::Mode::Annotate),
        "set image" => set::image(cx),
        "set" | "rollout" | "create secret" if !cx.p.args.is_empty() => Err(usage_err(
            path,
            &format!("unknown command \"{}\"", cx.p.args[0]),
        )),
        "set" => Err(Failure::Text(SET_HELP.to_string())),
        "rollout" => {
            // cobra's DefaultSubCommandRun: the help on stdout, exit 1.
            cx.out.push_str(rollout::ROLLOUT_HELP);
            Err(Failure::Text(String::new()))
        }
        "rollout status" => rollout::status(cx),
        "rollout history" => rollout::history(cx),
        "rollout undo" => rollout::undo(cx),
        "rollout restart" => rollout::restart(cx),
        "rollout pause" => rollout::pause_resume(cx, true),
        "rollout resume" => rollout::pause_resume(cx, false),
        "wait" => wait::run(cx),
        "cordon" => drain::cordon(cx, true),
        "uncordon" => drain::cordon(cx, false),
        "drain" => drain::drain(cx),
        "exec" => exec::exec(cx),
        "logs" => exec::logs(cx),
        "run" => exec::run(cx),
        "cp" => exec::cp(cx),
        "api-resources" => misc::api_resources(cx),
        "version" => misc::version(cx),
        other => Err(Failure::Text(format!(
            "stsim: `kubectl {other}` is not supported by the simulator\n"
        ))),
    }
}

const SET_HELP: &str = "Configure application resources.\n\n These commands help you make changes to existing application resources.\n\nAvailable Commands:\n  env              Update environment variables on a pod template\n  image            Update the image of a pod template\n  resources        Update resource requests/limits on objects with pod templates\n  selector         Set the selector on a resource\n  serviceaccount   Update the service account of a resource\n  subject          Update the user, group, or service account in a role binding or cluster role binding\n\nUsage:\n  kubectl set SUBCOMMAND [options]\n\nUse \"kubectl set <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n";

/// Rejects flags a command accepts in kubectl but stsim does not implement.
pub(crate) fn reject_flags(cx: &Cx, names: &[&str]) -> CmdResult {
    for n in names {
        if cx.p.is_set(n) {
            return Err(Failure::Text(format!(
                "stsim: `kubectl {} --{n}` is not supported by the simulator\n",
                cx.p.command.path
            )));
        }
    }
    Ok(())
}

/// `--dry-run`: none, client or server (kubectl's `GetDryRunStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    /// The suffix the name printer adds to the operation.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }
}

/// Parses `--dry-run` as kubectl does.
pub(crate) fn dry_run(cx: &Cx) -> Result<DryRun, Failure> {
    match cx.p.string("dry-run").as_str() {
        "" | "none" | "false" => Ok(DryRun::None),
        "client" | "true" => Ok(DryRun::Client),
        "server" => Ok(DryRun::Server),
        "unchanged" => Ok(DryRun::Client),
        other => Err(client_err(format!(
            "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
        ))),
    }
}
