//! Reading scenario files (`design.md` §3): transcripts (`*.console`, and the ```` ```console ````
//! blocks of a `*.md` lesson) and scripts (`*.sh`).

use std::path::{Path, PathBuf};

use super::shell::{self, ShellError};

/// How a scenario file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `$ command` lines with expected output under them.
    Transcript,
    /// One command per line, nothing checked; valid bash.
    Script,
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// 1-based line of the command in its file.
    pub line: usize,
    /// The command as typed, continuation lines joined with a space (heredoc excluded).
    pub command: String,
    /// The here-document the command reads, if any.
    pub heredoc: Option<Heredoc>,
    /// Expected output lines (transcripts only); `None` when the command is run but not checked.
    pub expected: Option<Expected>,
    /// True for `$ # text` lines, which do nothing.
    pub is_comment: bool,
}

/// A here-document body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter (`EOF`).
    pub delimiter: String,
    /// The body, each line ending with a newline.
    pub body: String,
}

/// The expected output of a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// 1-based line of the first expected line in the file.
    pub line: usize,
    /// The lines, without newlines.
    pub lines: Vec<String>,
}

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// How it is written.
    pub form: Form,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// Why a scenario could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("scenario {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// The file's extension says nothing about its form.
    #[error("scenario {path}: unknown scenario format (expected .console, .md or .sh)")]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// A here-document never ended.
    #[error(
        "scenario {path}:{line}: unterminated heredoc: no line {delimiter:?} before the end of the {scope}"
    )]
    UnterminatedHeredoc {
        /// The file.
        path: String,
        /// The command's line.
        line: usize,
        /// The delimiter looked for.
        delimiter: String,
        /// `file` or `console block`.
        scope: &'static str,
    },
    /// A line ended with a backslash and nothing followed.
    #[error("scenario {path}:{line}: the command continues with `\\` past the end of the {scope}")]
    DanglingContinuation {
        /// The file.
        path: String,
        /// The command's line.
        line: usize,
        /// `file` or `console block`.
        scope: &'static str,
    },
    /// A command line could not be tokenized.
    #[error("scenario {path}:{line}: {source}")]
    Shell {
        /// The file.
        path: String,
        /// The command's line.
        line: usize,
        /// What was wrong.
        #[source]
        source: ShellError,
    },
    /// A `.md` lesson or `.console` file holds no command.
    #[error("scenario {path}: no commands found")]
    Empty {
        /// The file.
        path: String,
    },
}

/// Loads a scenario file, choosing the form by extension.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "console" => parse_transcript(path, &text),
        "md" => parse_markdown(path, &text),
        "sh" => parse_script(path, &text),
        _ => Err(ScenarioError::UnknownFormat {
            path: path.display().to_string(),
        }),
    }
}

/// A line of input with its 1-based number in the file.
type Numbered<'a> = (usize, &'a str);

/// Reads one command starting at `lines[*i]` (whose text after the prompt is `first`): joins
/// continuation lines and collects a heredoc. Advances `*i` past what it consumed.
fn read_command(
    path: &Path,
    lines: &[Numbered<'_>],
    i: &mut usize,
    first: &str,
    scope: &'static str,
    strip_ps2: bool,
) -> Result<(String, Option<Heredoc>), ScenarioError> {
    let line_no = lines[*i].0;
    let mut command = first.to_string();
    *i += 1;
    while command.ends_with('\\') {
        command.pop();
        let Some((_, next)) = lines.get(*i) else {
            return Err(ScenarioError::DanglingContinuation {
                path: path.display().to_string(),
                line: line_no,
                scope,
            });
        };
        let next = if strip_ps2 {
            next.strip_prefix("> ").unwrap_or(next)
        } else {
            next
        };
        command = format!("{} {}", command.trim_end(), next.trim_start());
        *i += 1;
    }
    let tokens = shell::tokenize(&command).map_err(|source| ScenarioError::Shell {
        path: path.display().to_string(),
        line: line_no,
        source,
    })?;
    let Some((delimiter, strip_tabs)) = shell::heredoc_delimiter(&tokens) else {
        return Ok((command, None));
    };
    // Console transcripts may show heredoc lines behind the `> ` secondary prompt.
    let ps2 = strip_ps2 && lines.get(*i).is_some_and(|(_, l)| l.starts_with('>'));
    let mut body = String::new();
    loop {
        let Some((_, raw)) = lines.get(*i) else {
            return Err(ScenarioError::UnterminatedHeredoc {
                path: path.display().to_string(),
                line: line_no,
                delimiter,
                scope,
            });
        };
        *i += 1;
        let mut l: &str = raw;
        if ps2 {
            l = l
                .strip_prefix("> ")
                .or_else(|| l.strip_prefix('>'))
                .unwrap_or(l);
        }
        if strip_tabs {
            l = l.trim_start_matches('\t');
        }
        if l == delimiter {
            break;
        }
        body.push_str(l);
        body.push('\n');
    }
    Ok((command, Some(Heredoc { delimiter, body })))
}

fn prompt(line: &str) -> Option<&str> {
    if line == "$" {
        Some("")
    } else {
        line.strip_prefix("$ ")
    }
}

/// Parses the transcript lines of one block (a `.console` file or one console block).
fn parse_block(
    path: &Path,
    lines: &[Numbered<'_>],
    scope: &'static str,
    steps: &mut Vec<Step>,
) -> Result<(), ScenarioError> {
    let mut i = 0;
    // Lines before the first prompt are prose (or output of nothing): ignored.
    while i < lines.len() && prompt(lines[i].1).is_none() {
        i += 1;
    }
    while i < lines.len() {
        let (line_no, text) = lines[i];
        let after = prompt(text).expect("loop invariant: at a prompt line");
        if after.trim_start().starts_with('#') {
            steps.push(Step {
                line: line_no,
                command: after.to_string(),
                heredoc: None,
                expected: None,
                is_comment: true,
            });
            i += 1;
        } else {
            let (command, heredoc) = read_command(path, lines, &mut i, after, scope, true)?;
            let start = i;
            while i < lines.len() && prompt(lines[i].1).is_none() {
                i += 1;
            }
            let mut out: Vec<String> = lines[start..i].iter().map(|(_, l)| l.to_string()).collect();
            while out.last().is_some_and(|l| l.trim().is_empty()) {
                out.pop();
            }
            let expected = (!out.is_empty()).then(|| Expected {
                line: lines.get(start).map_or(line_no + 1, |(n, _)| *n),
                lines: out,
            });
            steps.push(Step {
                line: line_no,
                command,
                heredoc,
                expected,
                is_comment: false,
            });
            continue;
        }
        // Output under a comment is ignored.
        while i < lines.len() && prompt(lines[i].1).is_none() {
            i += 1;
        }
    }
    Ok(())
}

fn numbered(text: &str) -> Vec<Numbered<'_>> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect()
}

/// Parses a `.console` transcript.
pub fn parse_transcript(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let mut steps = Vec::new();
    parse_block(path, &numbered(text), "file", &mut steps)?;
    if steps.is_empty() {
        return Err(ScenarioError::Empty {
            path: path.display().to_string(),
        });
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        form: Form::Transcript,
        steps,
    })
}

/// Parses the ```` ```console ```` blocks of a Markdown lesson; everything else is prose.
pub fn parse_markdown(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let all = numbered(text);
    let mut steps = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let fence = all[i].1.trim_start();
        if let Some(info) = fence.strip_prefix("```")
            && info.trim() == "console"
        {
            let start = i + 1;
            let mut end = start;
            while end < all.len() && !all[end].1.trim_start().starts_with("```") {
                end += 1;
            }
            parse_block(path, &all[start..end], "console block", &mut steps)?;
            i = end + 1;
        } else {
            i += 1;
        }
    }
    if steps.is_empty() {
        return Err(ScenarioError::Empty {
            path: path.display().to_string(),
        });
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        form: Form::Transcript,
        steps,
    })
}

/// Parses a `.sh` script: one command per line (continuations and heredocs allowed), comments
/// and blank lines skipped, nothing checked.
pub fn parse_script(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let lines = numbered(text);
    let mut steps = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (line_no, raw) = lines[i];
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let (command, heredoc) = read_command(path, &lines, &mut i, t, "file", false)?;
        steps.push(Step {
            line: line_no,
            command,
            heredoc,
            expected: None,
            is_comment: false,
        });
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        form: Form::Script,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("basics.console")
    }

    #[test]
    fn transcripts_split_commands_from_expected_output() {
        let text = "Intro prose is ignored.\n$ kubectl get pods\nNAME    READY\nweb-0   1/1\n\n$ kubectl delete pod web-0\n$ # just a note\n$ kubectl get sts\n";
        let s = parse_transcript(p(), text).unwrap();
        assert_eq!(s.steps.len(), 4);
        assert_eq!(s.steps[0].line, 2);
        assert_eq!(s.steps[0].command, "kubectl get pods");
        let e = s.steps[0].expected.as_ref().unwrap();
        assert_eq!(
            (e.line, e.lines.clone()),
            (
                3,
                vec!["NAME    READY".to_string(), "web-0   1/1".to_string()]
            )
        );
        assert_eq!(
            s.steps[1].expected, None,
            "no lines under it: run, not checked"
        );
        assert!(s.steps[2].is_comment);
        assert_eq!(s.steps[3].expected, None);
    }

    #[test]
    fn continuations_and_heredocs() {
        let text = "$ kubectl apply -f - <<EOF\n> apiVersion: v1\n> kind: Namespace\n>\n> EOF\nnamespace/x created\n$ kubectl get \\\n>   pods\n";
        let s = parse_transcript(p(), text).unwrap();
        let h = s.steps[0].heredoc.as_ref().unwrap();
        assert_eq!(h.body, "apiVersion: v1\nkind: Namespace\n\n");
        assert_eq!(
            s.steps[0].expected.as_ref().unwrap().lines,
            ["namespace/x created"]
        );
        assert_eq!(s.steps[1].command, "kubectl get pods");
        let plain = "$ cat <<EOF\nhello\nEOF\n";
        assert_eq!(
            parse_transcript(p(), plain).unwrap().steps[0]
                .heredoc
                .as_ref()
                .unwrap()
                .body,
            "hello\n"
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse_transcript(p(), "$ x\n$ kubectl apply -f - <<EOF\nkind: x\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario basics.console:2: unterminated heredoc: no line \"EOF\" before the end of the file"
        );
        let e = parse_transcript(p(), "$ kubectl get \\").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario basics.console:1: the command continues with `\\` past the end of the file"
        );
        let e = parse_transcript(p(), "$ echo 'oops\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenario basics.console:1: unterminated single quote starting at column 6"
        );
        assert!(matches!(
            parse_transcript(p(), "just prose\n"),
            Err(ScenarioError::Empty { .. })
        ));
    }

    #[test]
    fn markdown_reads_only_console_blocks() {
        let text = "# Lesson\n\n```yaml\n$ not a command\n```\n\nText.\n\n```console\n$ kubectl get ns\nNAME\n```\n";
        let s = parse_markdown(Path::new("l.md"), text).unwrap();
        assert_eq!(s.steps.len(), 1);
        assert_eq!(s.steps[0].line, 10);
        assert_eq!(s.steps[0].expected.as_ref().unwrap().line, 11);
        let e = parse_markdown(Path::new("l.md"), "```console\n$ cat <<EOF\nx\n```\nEOF\n")
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("before the end of the console block"),
            "{e}"
        );
    }

    #[test]
    fn scripts_are_commands_only() {
        let text = "#!/usr/bin/env bash\nset -e\n\n# comment\nkubectl apply -f web.yaml\nkubectl apply -f - <<'EOF'\nkind: x\nEOF\nsleep 5\n";
        let s = parse_script(Path::new("s.sh"), text).unwrap();
        let cmds: Vec<&str> = s.steps.iter().map(|s| s.command.as_str()).collect();
        assert_eq!(
            cmds,
            [
                "set -e",
                "kubectl apply -f web.yaml",
                "kubectl apply -f - <<'EOF'",
                "sleep 5"
            ]
        );
        assert_eq!(s.steps[2].heredoc.as_ref().unwrap().body, "kind: x\n");
        assert_eq!(s.form, Form::Script);
    }
}
