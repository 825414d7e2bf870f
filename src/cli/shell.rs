//! `stsim shell`: an interactive prompt over a live simulated cluster, with the command
//! language of scenarios (`kubectl …`, `sleep N`, `stsim …` directives), line editing and
//! history, and the virtual clock in the prompt (time since the cluster came up).
//!
//! Watches end when the cluster has been quiet for a while, or on Ctrl-C. With stdin not a
//! terminal (piped), the lines are read as a script: no prompt, each command's output as it
//! comes, errors reported and the session going on.

use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::SimTime;
use crate::kubectl::Session;
use crate::scenario::directive::Directive;
use crate::scenario::parse::{self, Form, Step};
use crate::scenario::run::{self, Action, RunConfig};
use crate::scenario::shell as tokenizer;

use super::Output;

/// Arguments of `stsim shell`.
#[derive(Debug, clap::Args)]
pub struct ShellArgs {
    /// The seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Timing profile: kind, cloud or instant.
    #[arg(long, default_value = "kind")]
    pub profile: String,
    /// A cluster profile (kind's `kind: Cluster` config).
    #[arg(long, value_name = "FILE")]
    pub cluster: Option<PathBuf>,
}

const HELP: &str = "Commands: kubectl ..., sleep N (30, 0.5, 1m), stsim node stop|start NODE, stsim crash POD [-n NS] [-c CONTAINER] [--exit-code N], stsim disk-loss NODE, stsim advance DURATION; exit (or Ctrl-D) to leave. Ctrl-C ends a watch.\n";

/// A live session.
struct Shell {
    session: Session,
    started: SimTime,
}

impl Shell {
    /// `[hh:mm:ss] $ ` from the virtual time since the cluster came up.
    fn prompt(&self) -> String {
        let secs = self
            .session
            .sim()
            .now()
            .saturating_since(self.started)
            .as_secs();
        format!(
            "[{:02}:{:02}:{:02}] $ ",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }

    /// Runs one step; returns (stdout, stderr).
    fn exec(&mut self, step: &Step, stop: Option<Arc<AtomicBool>>) -> (String, String) {
        let action = match run::classify(step, Form::Script) {
            Ok(a) => a,
            Err(e) => return (String::new(), format!("stsim: {e}\n")),
        };
        let result = match action {
            Action::Kubectl(words) => {
                let stdin = step.heredoc.as_ref().map_or("", |h| h.body.as_str());
                let stopper: Option<Box<dyn Fn() -> bool>> = stop
                    .clone()
                    .map(|f| Box::new(move || f.load(Ordering::Relaxed)) as Box<dyn Fn() -> bool>);
                let (out, stopped) = run::run_kubectl(&mut self.session, &words, stdin, stopper);
                let mut err = out.stderr;
                if stopped {
                    if stop.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
                        err.push_str("^C\n");
                    } else {
                        let _ = writeln!(err, "stsim: {}", run::not_settled(&words));
                    }
                }
                return (out.stdout, err);
            }
            Action::Loop(list) => {
                let (mut out, mut err) = (String::new(), String::new());
                for words in list {
                    let stopper: Option<Box<dyn Fn() -> bool>> = stop.clone().map(|f| {
                        Box::new(move || f.load(Ordering::Relaxed)) as Box<dyn Fn() -> bool>
                    });
                    let (o, stopped) = run::run_kubectl(&mut self.session, &words, "", stopper);
                    out.push_str(&o.stdout);
                    err.push_str(&o.stderr);
                    if stopped {
                        err.push_str("^C\n");
                        break;
                    }
                }
                return (out, err);
            }
            Action::Sleep(d) => run::sleep(&mut self.session, d),
            Action::Directive(Directive::Fault(f)) => run::apply_fault(&mut self.session, &f),
            Action::Directive(Directive::Sleep(d)) => run::sleep(&mut self.session, d),
            Action::Directive(Directive::Seed(_)) => Err(
                "stsim seed: the shell's seed is chosen with `stsim shell --seed N`".to_string(),
            ),
            Action::Directive(Directive::Cluster(_)) => Err(
                "stsim cluster: the shell's cluster is chosen with `stsim shell --cluster FILE`"
                    .to_string(),
            ),
            Action::Nothing => Ok(()),
        };
        match result {
            Ok(()) => (String::new(), String::new()),
            Err(e) => (String::new(), format!("{e}\n")),
        }
    }
}

fn start(args: &ShellArgs) -> Result<Shell, String> {
    let config: RunConfig = super::run::config(&args.profile, args.cluster.as_ref(), None)?;
    let sim = crate::cluster::world::build(crate::cluster::world::WorldConfig {
        seed: args.seed,
        timing: config.timing,
        cluster: config
            .cluster
            .unwrap_or_else(crate::cluster::ClusterProfile::default_kind),
    })
    .map_err(|e| e.to_string())?;
    let started = sim.now();
    Ok(Shell {
        session: Session::new(sim),
        started,
    })
}

/// True for `exit`, `quit`, `logout`.
fn is_exit(line: &str) -> bool {
    matches!(line.trim(), "exit" | "quit" | "logout") || line.trim().starts_with("exit ")
}

/// Runs `stsim shell`.
pub fn run(args: &ShellArgs, stdin: &mut dyn Read) -> Output {
    let mut out = Output::default();
    let mut shell = match start(args) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out.stderr, "error: {e}");
            out.code = 2;
            return out;
        }
    };
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        interactive(&mut shell, &mut out);
    } else {
        piped(&mut shell, stdin, &mut out);
    }
    out
}

/// Reads every line of `stdin` as a script and runs it.
fn piped(shell: &mut Shell, stdin: &mut dyn Read, out: &mut Output) {
    let mut text = String::new();
    if let Err(e) = stdin.read_to_string(&mut text) {
        let _ = writeln!(out.stderr, "error: reading stdin: {e}");
        out.code = 2;
        return;
    }
    let script = match parse::parse_script(std::path::Path::new("<stdin>"), &text) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(out.stderr, "error: {e}");
            out.code = 2;
            return;
        }
    };
    for step in &script.steps {
        if is_exit(&step.command) {
            break;
        }
        if step.command.trim() == "help" {
            out.stdout.push_str(HELP);
            continue;
        }
        let (o, e) = shell.exec(step, None);
        out.stdout.push_str(&o);
        if !o.is_empty() && !o.ends_with('\n') {
            out.stdout.push('\n');
        }
        out.stderr.push_str(&e);
    }
}

/// The prompt loop on a terminal.
fn interactive(shell: &mut Shell, out: &mut Output) {
    use rustyline::error::ReadlineError;
    let interrupted = Arc::new(AtomicBool::new(false));
    // Ctrl-C while a command runs stops its wait instead of the process; at the prompt,
    // rustyline reads it as a key.
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, interrupted.clone());
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(out.stderr, "error: {e}");
            out.code = 2;
            return;
        }
    };
    println!(
        "stsim shell: a simulated cluster is up. Type `help` for the commands, `exit` to leave."
    );
    loop {
        let first = match editor.readline(&shell.prompt()) {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                let _ = writeln!(out.stderr, "error: {e}");
                out.code = 2;
                break;
            }
        };
        if is_exit(&first) {
            break;
        }
        if first.trim() == "help" {
            print!("{HELP}");
            continue;
        }
        // Continuation lines and here-documents are read with the `> ` prompt.
        let mut text = first.clone();
        let mut cancelled = false;
        loop {
            let joined = text.replace("\\\n", " ");
            let last = text.lines().last().unwrap_or("");
            let need_more = if last.ends_with('\\') {
                true
            } else {
                let cmd_line = joined.lines().next().unwrap_or("");
                match tokenizer::tokenize(cmd_line)
                    .ok()
                    .and_then(|t| tokenizer::heredoc_delimiter(&t))
                {
                    Some((delim, _)) => {
                        text.lines().count() == 1
                            || text.lines().last().map(str::trim_start) != Some(delim.as_str())
                    }
                    None => false,
                }
            };
            if !need_more {
                break;
            }
            match editor.readline("> ") {
                Ok(l) => {
                    text.push('\n');
                    text.push_str(&l);
                }
                Err(_) => {
                    cancelled = true;
                    break;
                }
            }
        }
        if cancelled {
            continue;
        }
        let _ = editor.add_history_entry(text.as_str());
        let script = match parse::parse_script(std::path::Path::new("<shell>"), &text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("stsim: {e}");
                continue;
            }
        };
        for step in &script.steps {
            interrupted.store(false, Ordering::Relaxed);
            let (o, e) = shell.exec(step, Some(interrupted.clone()));
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(o.as_bytes());
            if !o.is_empty() && !o.ends_with('\n') {
                let _ = stdout.write_all(b"\n");
            }
            let _ = stdout.flush();
            let _ = std::io::stderr().lock().write_all(e.as_bytes());
        }
    }
}
