//! A POSIX-ish shell: what `sh -c '...'`, `bash -c '...'` and a script on stdin run in a
//! container.
//!
//! Three dialects share one interpreter and differ in their messages: BusyBox `ash` (busybox,
//! alpine, curlimages/curl), Debian's `dash` (`sh` in the Debian-based images) and GNU `bash`.
//! Covered: words and quoting, parameters (`$X`, `${X}`, `${X:-w}`, `${#X}`, `$?`, `$#`, `$@`,
//! `$0`..`$9`), `$(...)`, backticks, `$((...))`, globs, assignments, `export`, `;` `&&` `||`
//! `|` `!`, redirections (`>`, `>>`, `<`, `2>`, `2>&1`, `>&2`, `&>`), `if`/`elif`/`else`,
//! `for`, `while`/`until`, `break`/`continue`, `{ }` and `( )` groups, `exit`, `cd`, `test`/`[`,
//! `read`, `shift`, `set` (`-e`, `-x`, `-o errexit`, `-o xtrace`), `trap` (recorded), `exec`.
//!
//! bash only: `[[ expression ]]` (`=~` sets `BASH_REMATCH`, read with `${BASH_REMATCH[1]}`,
//! `${#BASH_REMATCH[@]}`...; regular expressions as glibc reads them, see [`super::posix_re`])
//! and `$(<file)`. BusyBox ash's `[[` is its `test` up to `]]`; dash has none.
//!
//! `set -x` traces each command as the dialect does: bash re-quotes words (`+ echo '[mysqld]'`),
//! puts each assignment on a line of its own, shows `[[ ]]` tests one by one and command
//! substitutions one `+` deeper; BusyBox ash quotes its own way and dash not at all.
//!
//! Output is a list of [`Chunk`]s stamped with the virtual instant each command finished, so a
//! container's main shell can put every line into its log at the time it was printed.
//! A script that would never end (`sleep infinity`, `tail -f`, an endless loop) stops the
//! interpreter with [`ShellRun::forever`] set.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{SimDuration, SimTime};
use crate::exec::{ExecCx, images, lookup};
use crate::store::Stream;

/// Which shell's wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// BusyBox ash (`sh: foo: not found`).
    Ash,
    /// Debian dash (`sh: 1: foo: not found`).
    Dash,
    /// GNU bash (`bash: foo: command not found`).
    Bash,
}

/// Output of one command, stamped with when it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// When.
    pub at: SimTime,
    /// Which stream.
    pub stream: Stream,
    /// The bytes (as text).
    pub text: String,
}

/// How a script ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellRun {
    /// What it printed, in order.
    pub chunks: Vec<Chunk>,
    /// Its exit status.
    pub code: i32,
    /// True when it would never end by itself (the output so far is in `chunks`).
    pub forever: bool,
}

impl ShellRun {
    /// All stdout text.
    pub fn stdout(&self) -> String {
        self.text(Stream::Stdout)
    }

    /// All stderr text.
    pub fn stderr(&self) -> String {
        self.text(Stream::Stderr)
    }

    fn text(&self, s: Stream) -> String {
        self.chunks
            .iter()
            .filter(|c| c.stream == s)
            .map(|c| c.text.as_str())
            .collect()
    }
}

/// A variable no user can type, carrying how deeply shells are nested in one command.
pub const DEPTH_VAR: &str = " stsim-shell-depth";

/// The deepest nesting of shells (and of `.` scripts in one shell).
pub const MAX_SHELL_DEPTH: usize = 32;

/// The most commands one script may run before it counts as running forever.
pub const MAX_STEPS: u32 = 20_000;

// ---------------------------------------------------------------------------------------------
// Lexing and parsing

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op(&'static str),
    Redir(Option<u32>, &'static str),
    Newline,
    /// bash's `[[ expression ]]`, parsed whole by the lexer.
    Cond(Box<Cond>),
}

#[derive(Clone, Debug)]
enum SynErr {
    Eof(Option<&'static str>),
    Unexpected(String),
    Unterminated,
    /// `name (` not followed by `)`: a function definition gone wrong (what was found: how
    /// dash and ash name it, and the token).
    FuncParen(String, String),
    /// A malformed `[[ ]]` (bash): the message (none for an empty `[[ ]]`, which bash
    /// rejects silently), the line, and whether the script ended inside it.
    Cond(Option<String>, usize, bool),
}

/// A `[[ ]]` expression (bash). Operands are raw words, expanded when evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cond {
    /// `[[ word ]]`: true when not empty.
    Word(String),
    /// `-f file`, `-z word`...
    Unary(String, String),
    /// `a == b`, `a =~ re`, `a -eq b`...
    Binary(String, String, String),
    Not(Box<Cond>),
    /// `a && b && ...`, evaluated left to right while true.
    And(Vec<Cond>),
    /// `a || b || ...`, evaluated left to right while false.
    Or(Vec<Cond>),
}

/// A token inside `[[ ]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CondTok {
    Word(String),
    Op(&'static str),
}

const COND_UNARY: &[&str] = &[
    "-a", "-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-p", "-r", "-s", "-t", "-u", "-w", "-x",
    "-G", "-L", "-N", "-O", "-S", "-o", "-v", "-R", "-z", "-n",
];

const COND_BINARY: &[&str] = &[
    "=", "==", "!=", "=~", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef",
];

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
    /// bash: `[[` opens a conditional command. BusyBox ash reads `[[` as a `test` whose
    /// `&&`/`||` stay words up to `]]`; dash has no `[[` (a command not found).
    dialect: Dialect,
}

/// Words after which the next word starts a command (so `[[` there is the keyword).
const COMMAND_PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

/// The deepest nesting of `$(...)`, groups and compound commands a script may have (deeper
/// input is refused as a syntax error instead of exhausting the stack).
const MAX_NESTING: usize = 64;

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

impl Lexer<'_> {
    fn tokens(mut self) -> Result<Vec<(Tok, usize)>, SynErr> {
        let mut out: Vec<(Tok, usize)> = Vec::new();
        let mut line = 1;
        // Where a command starts (where `[[` is a keyword).
        let mut command_start = true;
        // Inside BusyBox's `[[ ... ]]`.
        let mut ash_cond = false;
        loop {
            if let Some((t, _)) = out.last() {
                command_start = match t {
                    Tok::Newline => {
                        ash_cond = false;
                        true
                    }
                    Tok::Op(o) => *o != ")",
                    // After an assignment (`x=1 [[`), `[[` is a command name, not a keyword.
                    Tok::Word(w) => command_start && COMMAND_PREFIXES.contains(&w.as_str()),
                    Tok::Redir(..) | Tok::Cond(_) => false,
                };
            }
            while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Ok(out);
            }
            let c = self.s[self.i];
            if c == b'#' {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
                continue;
            }
            if c == b'\\' && self.s.get(self.i + 1) == Some(&b'\n') {
                self.i += 2;
                continue;
            }
            let rest = &self.s[self.i..];
            let ops: [(&str, Tok); 13] = [
                ("&&", Tok::Op("&&")),
                ("||", Tok::Op("||")),
                (";;", Tok::Op(";;")),
                ("&>", Tok::Redir(None, "&>")),
                (">>", Tok::Redir(None, ">>")),
                (">&", Tok::Redir(None, ">&")),
                ("<<", Tok::Redir(None, "<<")),
                (">", Tok::Redir(None, ">")),
                ("<", Tok::Redir(None, "<")),
                (";", Tok::Op(";")),
                ("&", Tok::Op("&")),
                ("|", Tok::Op("|")),
                ("(", Tok::Op("(")),
            ];
            if c == b'\n' {
                out.push((Tok::Newline, line));
                line += 1;
                self.i += 1;
                continue;
            }
            if c == b')' {
                out.push((Tok::Op(")"), line));
                self.i += 1;
                continue;
            }
            if ash_cond && (rest.starts_with(b"&&") || rest.starts_with(b"||")) {
                out.push((
                    Tok::Word(String::from_utf8_lossy(&rest[..2]).into_owned()),
                    line,
                ));
                self.i += 2;
                continue;
            }
            if let Some((op, t)) = ops.iter().find(|(op, _)| rest.starts_with(op.as_bytes())) {
                out.push((t.clone(), line));
                self.i += op.len();
                continue;
            }
            // A word.
            let start = self.i;
            self.word()?;
            let w = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
            line += w.matches('\n').count();
            if w == "[[" && command_start && !ash_cond {
                if self.dialect == Dialect::Bash {
                    let at = line;
                    let cond = self.cond(&mut line)?;
                    out.push((Tok::Cond(Box::new(cond)), at));
                    continue;
                }
                ash_cond = self.dialect == Dialect::Ash;
            } else if w == "]]" {
                ash_cond = false;
            }
            // An IO number: digits right before a redirection.
            if w.bytes().all(|b| b.is_ascii_digit())
                && w.len() < 3
                && self.i < self.s.len()
                && matches!(self.s[self.i], b'<' | b'>')
            {
                let fd: u32 = w.parse().unwrap_or(1);
                let rest = &self.s[self.i..];
                let op = if rest.starts_with(b">>") {
                    ">>"
                } else if rest.starts_with(b">&") {
                    ">&"
                } else if rest.starts_with(b">") {
                    ">"
                } else {
                    "<"
                };
                self.i += op.len();
                out.push((Tok::Redir(Some(fd), op), line));
                continue;
            }
            out.push((Tok::Word(w), line));
        }
    }

    fn word(&mut self) -> Result<(), SynErr> {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if is_meta(c) {
                return Ok(());
            }
            self.one(c)?;
        }
        Ok(())
    }

    /// Consumes one unit of a word starting with `c` (a quoted string, an expansion, a char).
    fn one(&mut self, c: u8) -> Result<(), SynErr> {
        match c {
            b'\'' => {
                self.i += 1;
                while self.i < self.s.len() && self.s[self.i] != b'\'' {
                    self.i += 1;
                }
                if self.i >= self.s.len() {
                    return Err(SynErr::Unterminated);
                }
                self.i += 1;
            }
            b'"' => {
                self.i += 1;
                loop {
                    if self.i >= self.s.len() {
                        return Err(SynErr::Unterminated);
                    }
                    match self.s[self.i] {
                        b'"' => break,
                        b'\\' => self.i += 2,
                        b'$' | b'`' => self.dollar_or_tick()?,
                        _ => self.i += 1,
                    }
                }
                self.i += 1;
            }
            b'\\' => self.i += 2,
            b'$' | b'`' => self.dollar_or_tick()?,
            _ => self.i += 1,
        }
        self.i = self.i.min(self.s.len());
        Ok(())
    }

    fn dollar_or_tick(&mut self) -> Result<(), SynErr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(SynErr::Unexpected("(".into()));
        }
        let r = self.dollar_or_tick_inner();
        self.depth -= 1;
        r
    }

    fn dollar_or_tick_inner(&mut self) -> Result<(), SynErr> {
        if self.s[self.i] == b'`' {
            self.i += 1;
            while self.i < self.s.len() && self.s[self.i] != b'`' {
                if self.s[self.i] == b'\\' {
                    self.i += 1;
                }
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err(SynErr::Unterminated);
            }
            self.i += 1;
            return Ok(());
        }
        self.i += 1;
        match self.s.get(self.i) {
            Some(b'(') => {
                self.i += 1;
                let mut depth = 1;
                while depth > 0 {
                    let Some(&c) = self.s.get(self.i) else {
                        return Err(SynErr::Eof(Some(")")));
                    };
                    match c {
                        b'(' => {
                            depth += 1;
                            self.i += 1;
                        }
                        b')' => {
                            depth -= 1;
                            self.i += 1;
                        }
                        b'\'' | b'"' | b'\\' | b'`' | b'$' => self.one(c)?,
                        _ => self.i += 1,
                    }
                }
            }
            Some(b'{') => {
                while self.i < self.s.len() && self.s[self.i] != b'}' {
                    self.i += 1;
                }
                if self.i >= self.s.len() {
                    return Err(SynErr::Eof(Some("}")));
                }
                self.i += 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// The rest of a `[[ ... ]]` after its `[[`: tokens up to `]]`, parsed. Inside, `&&`, `||`,
    /// `(`, `)`, `<` and `>` are the expression's operators (not lists, groups or
    /// redirections), newlines are blanks, and the word after `=~` keeps parentheses and `|`
    /// (blanks too, inside parentheses).
    fn cond(&mut self, line: &mut usize) -> Result<Cond, SynErr> {
        let mut toks: Vec<CondTok> = Vec::new();
        loop {
            while let Some(&c) = self.s.get(self.i) {
                if c == b'\n' {
                    *line += 1;
                } else if c == b'\\' && self.s.get(self.i + 1) == Some(&b'\n') {
                    *line += 1;
                    self.i += 1;
                } else if !matches!(c, b' ' | b'\t') {
                    break;
                }
                self.i += 1;
            }
            let Some(&c) = self.s.get(self.i) else {
                return Err(cond_parse(&toks, false, *line).err().unwrap_or_else(|| {
                    SynErr::Cond(
                        Some("unexpected EOF while looking for `]]'".into()),
                        *line,
                        true,
                    )
                }));
            };
            let rest = &self.s[self.i..];
            let op = ["&&", "||", "(", ")", "<", ">", ";", "|", "&"]
                .into_iter()
                .find(|o| rest.starts_with(o.as_bytes()));
            let after_match = matches!(toks.last(), Some(CondTok::Word(w)) if w == "=~");
            if let Some(op) = op
                && !(after_match && matches!(c, b'(' | b'|'))
            {
                self.i += op.len();
                toks.push(CondTok::Op(op));
                continue;
            }
            let start = self.i;
            if after_match {
                self.cond_regex_word()?;
            } else {
                self.word()?;
            }
            let w = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
            *line += w.matches('\n').count();
            if w == "]]" {
                return cond_parse(&toks, true, *line);
            }
            toks.push(CondTok::Word(w));
        }
    }

    /// The word after `=~`: up to a blank outside parentheses.
    fn cond_regex_word(&mut self) -> Result<(), SynErr> {
        let mut depth = 0usize;
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'(' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' if depth == 0 => break,
                b')' => {
                    depth -= 1;
                    self.i += 1;
                }
                b' ' | b'\t' | b'\n' if depth > 0 => self.i += 1,
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'<' | b'>' => break,
                _ => self.one(c)?,
            }
        }
        if depth > 0 {
            return Err(SynErr::Eof(Some(")")));
        }
        Ok(())
    }
}

/// Parses the tokens of a `[[ ]]` (`closed`: they ended with `]]`, else the script ended).
/// The messages are bash 5.2's.
fn cond_parse(toks: &[CondTok], closed: bool, line: usize) -> Result<Cond, SynErr> {
    let end = if closed { "]]" } else { "newline" };
    let mut p = CondParser {
        toks,
        i: 0,
        depth: 0,
        end,
        line,
        eof: !closed,
    };
    if toks.is_empty() {
        return Err(if closed {
            SynErr::Cond(None, line, false)
        } else {
            p.error(0, "unexpected EOF while looking for `]]'".into())
        });
    }
    let c = p.or()?;
    if p.i < toks.len() {
        let t = p.show(p.i);
        return Err(p.error(
            p.i,
            format!("syntax error in conditional expression: unexpected token `{t}'"),
        ));
    }
    Ok(c)
}

struct CondParser<'a> {
    toks: &'a [CondTok],
    i: usize,
    /// How deeply `(` and `!` nest here.
    depth: usize,
    end: &'static str,
    line: usize,
    eof: bool,
}

impl CondParser<'_> {
    /// The error noticed at token `k` (bash then exits 2 when that is the end of the
    /// script, else leaves the status as it was).
    fn error(&self, k: usize, m: String) -> SynErr {
        SynErr::Cond(Some(m), self.line, self.eof && k >= self.toks.len())
    }

    /// How bash names the token at `k` in a message.
    fn show(&self, k: usize) -> String {
        match self.toks.get(k) {
            Some(CondTok::Word(w)) => w.clone(),
            Some(CondTok::Op(o)) => (*o).to_string(),
            None => self.end.to_string(),
        }
    }

    fn is_op(&self, o: &str) -> bool {
        matches!(self.toks.get(self.i), Some(CondTok::Op(x)) if *x == o)
    }

    fn or(&mut self) -> Result<Cond, SynErr> {
        let mut terms = vec![self.and()?];
        while self.is_op("||") {
            self.i += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Cond::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Cond, SynErr> {
        let mut terms = vec![self.term()?];
        while self.is_op("&&") {
            self.i += 1;
            terms.push(self.term()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Cond::And(terms)
        })
    }

    fn term(&mut self) -> Result<Cond, SynErr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(self.i, "expression nested too deeply".into()));
        }
        let r = self.term_inner();
        self.depth -= 1;
        r
    }

    fn term_inner(&mut self) -> Result<Cond, SynErr> {
        let k = self.i;
        match self.toks.get(k) {
            None => Err(self.error(
                k,
                format!("unexpected token `{}' in conditional command", self.end),
            )),
            Some(CondTok::Op("(")) => {
                self.i += 1;
                let c = self.or()?;
                if !self.is_op(")") {
                    let t = self.show(self.i);
                    return Err(self.error(self.i, format!("unexpected token `{t}', expected `)'")));
                }
                self.i += 1;
                Ok(c)
            }
            Some(CondTok::Op(o)) => {
                Err(self.error(k, format!("unexpected token `{o}' in conditional command")))
            }
            Some(CondTok::Word(w)) if w == "!" && self.toks.len() > k + 1 => {
                self.i += 1;
                Ok(Cond::Not(Box::new(self.term()?)))
            }
            Some(CondTok::Word(w)) if COND_UNARY.contains(&w.as_str()) => {
                let op = w.clone();
                match self.toks.get(k + 1) {
                    Some(CondTok::Word(a)) => {
                        self.i += 2;
                        Ok(Cond::Unary(op, a.clone()))
                    }
                    _ => {
                        let t = self.show(k + 1);
                        Err(self.error(
                            k + 1,
                            format!("unexpected argument `{t}' to conditional unary operator"),
                        ))
                    }
                }
            }
            Some(CondTok::Word(w)) => {
                let lhs = w.clone();
                let op = match self.toks.get(k + 1) {
                    Some(CondTok::Word(o)) if COND_BINARY.contains(&o.as_str()) => o.clone(),
                    Some(CondTok::Op(o @ ("<" | ">"))) => (*o).to_string(),
                    None | Some(CondTok::Op("&&" | "||" | ")")) => {
                        if self.toks.get(k + 1).is_none() && self.eof {
                            return Err(self.error(
                                k + 1,
                                "unexpected token `newline', conditional binary operator expected"
                                    .into(),
                            ));
                        }
                        self.i += 1;
                        return Ok(Cond::Word(lhs));
                    }
                    Some(CondTok::Op(o)) => {
                        return Err(self.error(
                            k + 1,
                            format!("unexpected token `{o}', conditional binary operator expected"),
                        ));
                    }
                    Some(CondTok::Word(_)) => {
                        return Err(
                            self.error(k + 1, "conditional binary operator expected".into())
                        );
                    }
                };
                match self.toks.get(k + 2) {
                    Some(CondTok::Word(r)) => {
                        self.i += 3;
                        Ok(Cond::Binary(op, lhs, r.clone()))
                    }
                    _ => {
                        let t = self.show(k + 2);
                        Err(self.error(
                            k + 2,
                            format!("unexpected argument `{t}' to conditional binary operator"),
                        ))
                    }
                }
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Redir {
    fd: u32,
    op: &'static str,
    target: String,
}

#[derive(Clone, Debug)]
enum Kind {
    Simple {
        assigns: Vec<(String, String)>,
        words: Vec<String>,
    },
    If {
        arms: Vec<(List, List)>,
        els: Option<List>,
    },
    For {
        var: String,
        items: Option<Vec<String>>,
        body: List,
    },
    While {
        cond: List,
        body: List,
        until: bool,
    },
    Group(List, bool),
    /// bash's `[[ expression ]]`.
    Cond(Cond),
}

#[derive(Clone, Debug)]
struct Command {
    kind: Kind,
    redirs: Vec<Redir>,
    line: usize,
}

#[derive(Clone, Debug)]
struct Pipeline {
    neg: bool,
    cmds: Vec<Command>,
}

#[derive(Clone, Debug)]
struct AndOr {
    first: Pipeline,
    rest: Vec<(bool, Pipeline)>,
}

type List = Vec<AndOr>;

struct Parser {
    toks: Vec<(Tok, usize)>,
    i: usize,
    depth: usize,
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "do", "done", "while", "until", "in", "{", "}", "!",
    "case", "esac",
];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(t, _)| t)
    }

    fn line(&self) -> usize {
        self.toks
            .get(self.i)
            .or(self.toks.last())
            .map_or(1, |(_, l)| *l)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline) | Some(Tok::Op(";"))) {
            self.i += 1;
        }
    }

    fn skip_nl_only(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline)) {
            self.i += 1;
        }
    }

    fn unexpected(&self) -> SynErr {
        match self.peek() {
            None => SynErr::Eof(None),
            Some(Tok::Word(w)) => SynErr::Unexpected(w.clone()),
            Some(Tok::Op(o)) => SynErr::Unexpected((*o).to_string()),
            Some(Tok::Redir(_, o)) => SynErr::Unexpected((*o).to_string()),
            Some(Tok::Newline) => SynErr::Unexpected("newline".into()),
            Some(Tok::Cond(_)) => SynErr::Unexpected("[[".into()),
        }
    }

    fn expect_word(&mut self, w: &'static str) -> Result<(), SynErr> {
        self.skip_newlines();
        if self.is_word(w) {
            self.i += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(SynErr::Eof(Some(w)))
        } else {
            Err(self.unexpected())
        }
    }

    /// A list up to one of `stops` (a reserved word) or the end.
    fn list(&mut self, stops: &[&str]) -> Result<List, SynErr> {
        let mut out = Vec::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                None => break,
                Some(Tok::Word(w)) if stops.contains(&w.as_str()) => break,
                Some(Tok::Op(")")) if stops.contains(&")") => break,
                _ => {}
            }
            out.push(self.and_or()?);
            match self.peek() {
                Some(Tok::Op(";")) | Some(Tok::Op("&")) | Some(Tok::Newline) => self.i += 1,
                None => break,
                Some(Tok::Word(w)) if stops.contains(&w.as_str()) => break,
                Some(Tok::Op(")")) if stops.contains(&")") => break,
                _ => return Err(self.unexpected()),
            }
        }
        Ok(out)
    }

    fn and_or(&mut self) -> Result<AndOr, SynErr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.peek() {
                Some(Tok::Op("&&")) => true,
                Some(Tok::Op("||")) => false,
                _ => break,
            };
            self.i += 1;
            self.skip_nl_only();
            rest.push((and, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, SynErr> {
        let mut neg = false;
        if self.is_word("!") {
            neg = true;
            self.i += 1;
        }
        let mut cmds = vec![self.command()?];
        while matches!(self.peek(), Some(Tok::Op("|"))) {
            self.i += 1;
            self.skip_nl_only();
            cmds.push(self.command()?);
        }
        Ok(Pipeline { neg, cmds })
    }

    fn redirs(&mut self, out: &mut Vec<Redir>) -> Result<bool, SynErr> {
        let mut any = false;
        while let Some(Tok::Redir(fd, op)) = self.peek().cloned() {
            self.i += 1;
            let Some(Tok::Word(target)) = self.peek().cloned() else {
                return Err(self.unexpected());
            };
            self.i += 1;
            let fd = fd.unwrap_or(if op == "<" || op == "<<" { 0 } else { 1 });
            out.push(Redir { fd, op, target });
            any = true;
        }
        Ok(any)
    }

    fn command(&mut self) -> Result<Command, SynErr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.unexpected());
        }
        let r = self.command_inner();
        self.depth -= 1;
        r
    }

    fn command_inner(&mut self) -> Result<Command, SynErr> {
        let line = self.line();
        let mut redirs = Vec::new();
        let kind = match self.peek().cloned() {
            None => return Err(SynErr::Eof(None)),
            Some(Tok::Word(w)) if w == "if" => {
                self.i += 1;
                let mut arms = Vec::new();
                let mut els = None;
                loop {
                    let cond = self.list(&["then"])?;
                    self.expect_word("then")?;
                    let body = self.list(&["elif", "else", "fi"])?;
                    arms.push((cond, body));
                    self.skip_newlines();
                    match self.peek() {
                        Some(Tok::Word(w)) if w == "elif" => self.i += 1,
                        Some(Tok::Word(w)) if w == "else" => {
                            self.i += 1;
                            els = Some(self.list(&["fi"])?);
                            self.expect_word("fi")?;
                            break;
                        }
                        Some(Tok::Word(w)) if w == "fi" => {
                            self.i += 1;
                            break;
                        }
                        None => return Err(SynErr::Eof(Some("fi"))),
                        _ => return Err(self.unexpected()),
                    }
                }
                Kind::If { arms, els }
            }
            Some(Tok::Word(w)) if w == "for" => {
                self.i += 1;
                let Some(Tok::Word(var)) = self.peek().cloned() else {
                    return Err(self.unexpected());
                };
                self.i += 1;
                self.skip_nl_only();
                let mut items = None;
                if self.is_word("in") {
                    self.i += 1;
                    let mut v = Vec::new();
                    while let Some(Tok::Word(w)) = self.peek().cloned() {
                        self.i += 1;
                        v.push(w);
                    }
                    items = Some(v);
                }
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                Kind::For { var, items, body }
            }
            Some(Tok::Word(w)) if w == "while" || w == "until" => {
                self.i += 1;
                let cond = self.list(&["do"])?;
                self.expect_word("do")?;
                let body = self.list(&["done"])?;
                self.expect_word("done")?;
                Kind::While {
                    cond,
                    body,
                    until: w == "until",
                }
            }
            Some(Tok::Cond(c)) => {
                self.i += 1;
                Kind::Cond(*c)
            }
            Some(Tok::Word(w)) if w == "{" => {
                self.i += 1;
                let body = self.list(&["}"])?;
                self.expect_word("}")?;
                Kind::Group(body, false)
            }
            Some(Tok::Op("(")) => {
                self.i += 1;
                let body = self.list(&[")"])?;
                self.skip_newlines();
                if !matches!(self.peek(), Some(Tok::Op(")"))) {
                    return Err(if self.peek().is_none() {
                        SynErr::Eof(Some(")"))
                    } else {
                        self.unexpected()
                    });
                }
                self.i += 1;
                Kind::Group(body, true)
            }
            Some(Tok::Word(w)) if RESERVED.contains(&w.as_str()) => {
                return Err(SynErr::Unexpected(w));
            }
            _ => {
                let mut assigns = Vec::new();
                let mut words = Vec::new();
                loop {
                    if self.redirs(&mut redirs)? {
                        continue;
                    }
                    if words.len() == 1
                        && assigns.is_empty()
                        && redirs.is_empty()
                        && matches!(self.peek(), Some(Tok::Op("(")))
                    {
                        let found = match self.toks.get(self.i + 1).map(|(t, _)| t) {
                            Some(Tok::Op(")")) | None => None,
                            Some(Tok::Word(w)) => Some(("word".to_string(), w.clone())),
                            Some(Tok::Newline) => Some(("newline".into(), "newline".into())),
                            Some(Tok::Op(o)) | Some(Tok::Redir(_, o)) => {
                                Some((format!("\"{o}\""), (*o).to_string()))
                            }
                            Some(Tok::Cond(_)) => Some(("word".into(), "[[".into())),
                        };
                        if let Some((kind, token)) = found {
                            return Err(SynErr::FuncParen(kind, token));
                        }
                    }
                    match self.peek().cloned() {
                        Some(Tok::Word(w)) => {
                            self.i += 1;
                            if words.is_empty()
                                && let Some((n, v)) = w.split_once('=')
                                && is_name(n)
                            {
                                assigns.push((n.to_string(), v.to_string()));
                            } else {
                                words.push(w);
                            }
                        }
                        _ => break,
                    }
                }
                if assigns.is_empty() && words.is_empty() && redirs.is_empty() {
                    return Err(self.unexpected());
                }
                return Ok(Command {
                    kind: Kind::Simple { assigns, words },
                    redirs,
                    line,
                });
            }
        };
        self.redirs(&mut redirs)?;
        Ok(Command { kind, redirs, line })
    }
}

fn is_name(n: &str) -> bool {
    let mut cs = n.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse(src: &str, dialect: Dialect) -> Result<List, SynErr> {
    let toks = Lexer {
        s: src.as_bytes(),
        i: 0,
        depth: 0,
        dialect,
    }
    .tokens()?;
    let mut p = Parser {
        toks,
        i: 0,
        depth: 0,
    };
    let l = p.list(&[])?;
    if p.peek().is_some() {
        return Err(p.unexpected());
    }
    Ok(l)
}

// ---------------------------------------------------------------------------------------------
// Execution

/// One field of an expanded word.
#[derive(Clone, Debug, Default)]
struct Field {
    text: String,
    /// `text` as a glob pattern (quoted `*?[\` escaped).
    pattern: String,
    /// It has an unquoted glob character.
    glob: bool,
    /// Which characters of `text` were quoted.
    quoted: Vec<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Exit(i32),
    Break(u32),
    Continue(u32),
    Forever,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Out,
    Err,
    File(String),
    Null,
}

/// A shell process: its variables and what it has printed.
pub struct Shell {
    /// Which wording.
    pub dialect: Dialect,
    /// `$0` (`sh`, `bash`).
    pub name: String,
    vars: BTreeMap<String, String>,
    exported: BTreeSet<String>,
    params: Vec<String>,
    last: i32,
    steps: u32,
    flow: Option<Flow>,
    pending: Vec<Chunk>,
    cwd: String,
    errexit: bool,
    /// `set -x`.
    xtrace: bool,
    /// How many `+` start a trace line (one more inside each command substitution in bash).
    trace_level: usize,
    /// How many chunks at the start of the current simple command's output came before the
    /// command ran (what its expansions printed, its trace line): they go to the shell's
    /// stderr whatever the command's own redirections say.
    unrouted: Option<usize>,
    /// Inside an `if`/`while`/`until` condition, where `set -e` does not apply.
    condition_depth: usize,
    /// The last and-or list ended with its final command, not negated: `set -e` applies.
    errexit_applies: bool,
    /// Array variables (bash; only `BASH_REMATCH` is ever set).
    arrays: BTreeMap<String, Vec<String>>,
    source_depth: usize,
    cur_line: usize,
    read_state: Option<(String, usize)>,
    /// Signal traps set by the script (`trap 'cmd' TERM`), by signal name.
    pub traps: BTreeMap<String, String>,
    /// Virtual instant after which the script counts as running forever.
    pub deadline: Option<SimTime>,
}

impl Shell {
    /// A shell in `cx`'s container with its environment exported.
    pub fn new(cx: &ExecCx<'_>, dialect: Dialect, name: &str) -> Shell {
        Shell {
            dialect,
            name: name.to_string(),
            vars: cx.env.clone(),
            exported: cx.env.keys().cloned().collect(),
            params: Vec::new(),
            last: 0,
            steps: 0,
            flow: None,
            pending: Vec::new(),
            cwd: cx.cwd.clone(),
            errexit: false,
            xtrace: false,
            trace_level: 1,
            unrouted: None,
            condition_depth: 0,
            errexit_applies: true,
            arrays: BTreeMap::new(),
            source_depth: 0,
            cur_line: 1,
            read_state: None,
            traps: BTreeMap::new(),
            deadline: None,
        }
    }

    /// Sets the positional parameters (`$1`...).
    pub fn set_params(&mut self, params: Vec<String>) {
        self.params = params;
    }

    /// Runs a script.
    pub fn run_script(&mut self, cx: &mut ExecCx<'_>, src: &str) -> ShellRun {
        let saved = (cx.stdin.clone(), cx.env.clone(), cx.cwd.clone());
        let run = match parse(src, self.dialect) {
            Err(e) => {
                let text = self.syntax_message(&e, src);
                ShellRun {
                    chunks: if text.is_empty() {
                        Vec::new()
                    } else {
                        vec![Chunk {
                            at: cx.now(),
                            stream: Stream::Stderr,
                            text,
                        }]
                    },
                    // bash reports a malformed `[[ ]]` and stops with the status it had
                    // (nothing has run yet: 0), unless the script ended inside it.
                    code: match e {
                        SynErr::Cond(_, _, false) => 0,
                        _ => 2,
                    },
                    forever: false,
                }
            }
            Ok(list) => {
                let stdin = cx.stdin.clone();
                let mut chunks = self.list(cx, &list, &stdin);
                let (code, forever) = match self.flow {
                    Some(Flow::Exit(c)) => (c, false),
                    Some(Flow::Forever) => (self.last, true),
                    _ => (self.last, false),
                };
                chunks.append(&mut self.pending);
                ShellRun {
                    chunks,
                    code,
                    forever,
                }
            }
        };
        (cx.stdin, cx.env, cx.cwd) = saved;
        run
    }

    fn syntax_message(&self, e: &SynErr, src: &str) -> String {
        let lines = src.lines().count().max(1);
        match (self.dialect, e) {
            (_, SynErr::Cond(None, ..)) => String::new(),
            (_, SynErr::Cond(Some(m), line, _)) => format!("bash: -c: line {line}: {m}\n"),
            (Dialect::Ash, SynErr::Eof(Some(w))) => {
                format!("sh: syntax error: unexpected end of file (expecting \"{w}\")\n")
            }
            (Dialect::Ash, SynErr::Eof(None)) => {
                "sh: syntax error: unexpected end of file\n".into()
            }
            (Dialect::Ash, SynErr::Unexpected(w)) => {
                format!("sh: syntax error: unexpected \"{w}\"\n")
            }
            (Dialect::Ash, SynErr::FuncParen(kind, _)) => {
                format!("sh: syntax error: unexpected {kind} (expecting \")\")\n")
            }
            (Dialect::Dash, SynErr::FuncParen(kind, _)) => {
                format!("sh: {lines}: Syntax error: {kind} unexpected (expecting \")\")\n")
            }
            (Dialect::Bash, SynErr::FuncParen(_, w)) => {
                self.syntax_message(&SynErr::Unexpected(w.clone()), src)
            }
            (Dialect::Ash, SynErr::Unterminated) => {
                "sh: syntax error: unterminated quoted string\n".into()
            }
            (Dialect::Dash, SynErr::Eof(Some(w))) => {
                format!("sh: {lines}: Syntax error: end of file unexpected (expecting \"{w}\")\n")
            }
            (Dialect::Dash, SynErr::Eof(None)) => {
                format!("sh: {lines}: Syntax error: end of file unexpected\n")
            }
            (Dialect::Dash, SynErr::Unexpected(w)) => {
                format!("sh: {lines}: Syntax error: \"{w}\" unexpected\n")
            }
            (Dialect::Dash, SynErr::Unterminated) => {
                format!("sh: {lines}: Syntax error: Unterminated quoted string\n")
            }
            (Dialect::Bash, SynErr::Eof(_)) => {
                format!(
                    "bash: -c: line {}: syntax error: unexpected end of file\n",
                    lines + 1
                )
            }
            (Dialect::Bash, SynErr::Unexpected(w)) => format!(
                "bash: -c: line {lines}: syntax error near unexpected token `{w}'\nbash: -c: line {lines}: `{}'\n",
                src.lines().last().unwrap_or("")
            ),
            (Dialect::Bash, SynErr::Unterminated) => {
                "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n".into()
            }
        }
    }

    fn err(&mut self, at: SimTime, text: String) -> Vec<Chunk> {
        vec![Chunk {
            at,
            stream: Stream::Stderr,
            text,
        }]
    }

    fn list(&mut self, cx: &mut ExecCx<'_>, list: &List, stdin: &Option<String>) -> Vec<Chunk> {
        let mut out = Vec::new();
        for ao in list {
            if self.flow.is_some() {
                break;
            }
            out.extend(self.and_or(cx, ao, stdin));
            if self.errexit
                && self.errexit_applies
                && self.condition_depth == 0
                && self.last != 0
                && self.flow.is_none()
            {
                self.flow = Some(Flow::Exit(self.last));
            }
        }
        out
    }

    /// A list run as the condition of `if`, `while` or `until` (`set -e` does not apply).
    fn condition(
        &mut self,
        cx: &mut ExecCx<'_>,
        list: &List,
        stdin: &Option<String>,
    ) -> Vec<Chunk> {
        self.condition_depth += 1;
        let out = self.list(cx, list, stdin);
        self.condition_depth -= 1;
        out
    }

    fn and_or(&mut self, cx: &mut ExecCx<'_>, ao: &AndOr, stdin: &Option<String>) -> Vec<Chunk> {
        let mut out = self.pipeline(cx, &ao.first, stdin);
        // `set -e` applies only to the last command of the list, and not to a negated one.
        let mut last_ran = &ao.first;
        let mut ran_final = ao.rest.is_empty();
        for (k, (and, p)) in ao.rest.iter().enumerate() {
            if self.flow.is_some() {
                break;
            }
            if (*and && self.last == 0) || (!*and && self.last != 0) {
                out.extend(self.pipeline(cx, p, stdin));
                last_ran = p;
                ran_final = k + 1 == ao.rest.len();
            }
        }
        self.errexit_applies = ran_final && !last_ran.neg;
        out
    }

    fn pipeline(
        &mut self,
        cx: &mut ExecCx<'_>,
        p: &Pipeline,
        stdin: &Option<String>,
    ) -> Vec<Chunk> {
        let mut out = Vec::new();
        let mut input = stdin.clone();
        let n = p.cmds.len();
        if n > 1 {
            self.read_state = None;
        }
        for (i, c) in p.cmds.iter().enumerate() {
            if self.flow.is_some() {
                break;
            }
            let chunks = self.command(cx, c, &input);
            if i + 1 < n {
                let mut next = String::new();
                for ch in chunks {
                    if ch.stream == Stream::Stdout {
                        next.push_str(&ch.text);
                    } else {
                        out.push(ch);
                    }
                }
                input = Some(next);
                // A pipeline's stages run in subshells: exit ends only that stage.
                if matches!(self.flow, Some(Flow::Exit(_))) {
                    self.flow = None;
                }
            } else {
                out.extend(chunks);
            }
        }
        if p.neg {
            self.last = i32::from(self.last == 0);
        }
        out
    }

    fn tick(&mut self, cx: &ExecCx<'_>) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.deadline.is_some_and(|d| cx.now() > d) {
            self.flow = Some(Flow::Forever);
            return false;
        }
        true
    }

    fn command(&mut self, cx: &mut ExecCx<'_>, c: &Command, stdin: &Option<String>) -> Vec<Chunk> {
        if !self.tick(cx) {
            return Vec::new();
        }
        self.cur_line = c.line;
        // Relative paths (redirections, `test -f`, `$(<file)`) are the shell's own.
        cx.cwd.clone_from(&self.cwd);
        // A command run while an enclosing simple command is being traced (`. file`) keeps
        // that command's trace position.
        let outer_trace = self.unrouted.take();
        let out = self.command_inner(cx, c, stdin);
        self.unrouted = outer_trace;
        out
    }

    fn command_inner(
        &mut self,
        cx: &mut ExecCx<'_>,
        c: &Command,
        stdin: &Option<String>,
    ) -> Vec<Chunk> {
        // Redirections: resolve targets first (truncating files).
        let mut fds = [Target::Out, Target::Out, Target::Err];
        let mut input = stdin.clone();
        let mut early = Vec::new();
        for r in &c.redirs {
            let t = self.expand_one(cx, &r.target, c.line);
            early.append(&mut self.pending);
            let fd = (r.fd as usize).min(2);
            match r.op {
                "<" => {
                    let path = cx.abs(&t);
                    match cx.fs().read(&path) {
                        Ok(b) => input = Some(String::from_utf8_lossy(&b).into_owned()),
                        Err(e) => {
                            self.last = if self.dialect == Dialect::Dash { 2 } else { 1 };
                            let msg = self.redir_error(&t, &e.to_string(), c.line, false);
                            early.extend(self.err(cx.now(), msg));
                            return early;
                        }
                    }
                }
                "<<" => {}
                ">&" => {
                    let to = match t.as_str() {
                        "1" => fds[1].clone(),
                        "2" => fds[2].clone(),
                        "-" => Target::Null,
                        _ => fds[fd].clone(),
                    };
                    fds[fd] = to;
                }
                ">" | ">>" | "&>" => {
                    let target = if t == "/dev/null" {
                        Target::Null
                    } else if t == "/dev/stdout" {
                        Target::Out
                    } else if t == "/dev/stderr" {
                        Target::Err
                    } else {
                        let path = cx.abs(&t);
                        let res = if r.op == ">>" {
                            cx.fs().append(&path, b"")
                        } else {
                            cx.fs().write(&path, b"")
                        };
                        if let Err(e) = res {
                            self.last = if self.dialect == Dialect::Dash { 2 } else { 1 };
                            let msg = self.redir_error(&t, &e.to_string(), c.line, true);
                            early.extend(self.err(cx.now(), msg));
                            return early;
                        }
                        Target::File(path)
                    };
                    if r.op == "&>" {
                        fds[1] = target.clone();
                        fds[2] = target;
                    } else {
                        fds[fd] = target;
                    }
                }
                _ => {}
            }
        }
        let chunks = match &c.kind {
            Kind::Simple { assigns, words } => self.simple(cx, assigns, words, &input, c.line),
            Kind::If { arms, els } => {
                let mut out = Vec::new();
                let mut done = false;
                for (cond, body) in arms {
                    out.extend(self.condition(cx, cond, &input));
                    if self.flow.is_some() {
                        done = true;
                        break;
                    }
                    if self.last == 0 {
                        out.extend(self.list(cx, body, &input));
                        done = true;
                        break;
                    }
                }
                if !done {
                    match els {
                        Some(e) => out.extend(self.list(cx, e, &input)),
                        None => self.last = 0,
                    }
                }
                out
            }
            Kind::For { var, items, body } => {
                let items = match items {
                    Some(ws) => {
                        let mut v = Vec::new();
                        for w in ws {
                            v.extend(self.expand(cx, w, c.line));
                        }
                        v
                    }
                    None => self.params.clone(),
                };
                let mut out = std::mem::take(&mut self.pending);
                self.last = 0;
                let shown = if self.xtrace && self.dialect == Dialect::Bash {
                    let mut words = vec!["for".to_string(), var.clone(), "in".to_string()];
                    words.extend(items.iter().map(|w| self.trace_word(w)));
                    Some(words.join(" "))
                } else {
                    None
                };
                for it in items {
                    if let Some(line) = &shown {
                        out.push(self.trace_chunk(cx, line));
                    }
                    self.vars.insert(var.clone(), it);
                    out.extend(self.list(cx, body, &input));
                    if self.loop_control() {
                        break;
                    }
                }
                out
            }
            Kind::While { cond, body, until } => {
                let mut out = Vec::new();
                let mut status = 0;
                loop {
                    out.extend(self.condition(cx, cond, &input));
                    if self.flow.is_some() || (self.last == 0) == *until {
                        break;
                    }
                    out.extend(self.list(cx, body, &input));
                    status = self.last;
                    if self.loop_control() {
                        break;
                    }
                    if !self.tick(cx) {
                        break;
                    }
                }
                if self.flow.is_none() {
                    self.last = status;
                }
                out
            }
            Kind::Cond(cond) => self.cond_command(cx, cond),
            Kind::Group(body, sub) => {
                if *sub {
                    let saved = (
                        self.vars.clone(),
                        self.exported.clone(),
                        self.cwd.clone(),
                        self.arrays.clone(),
                        self.xtrace,
                        self.errexit,
                    );
                    let out = self.list(cx, body, &input);
                    (
                        self.vars,
                        self.exported,
                        self.cwd,
                        self.arrays,
                        self.xtrace,
                        self.errexit,
                    ) = saved;
                    if let Some(Flow::Exit(code)) = self.flow {
                        self.last = code;
                        self.flow = None;
                    }
                    out
                } else {
                    self.list(cx, body, &input)
                }
            }
        };
        let unrouted = self.unrouted.take().map(|n| early.len()..early.len() + n);
        early.extend(chunks);
        // Route by the fd table.
        let mut out = Vec::new();
        for (k, mut ch) in early.into_iter().enumerate() {
            if unrouted.as_ref().is_some_and(|r| r.contains(&k)) {
                out.push(ch);
                continue;
            }
            let t = if ch.stream == Stream::Stdout {
                &fds[1]
            } else {
                &fds[2]
            };
            match t {
                Target::Out => {
                    ch.stream = Stream::Stdout;
                    out.push(ch);
                }
                Target::Err => {
                    ch.stream = Stream::Stderr;
                    out.push(ch);
                }
                Target::Null => {}
                Target::File(p) => {
                    let p = p.clone();
                    let _ = cx.fs().append(&p, ch.text.as_bytes());
                }
            }
        }
        out
    }

    fn redir_error(&self, target: &str, err: &str, line: usize, create: bool) -> String {
        let missing = err == "No such file or directory";
        match self.dialect {
            Dialect::Ash => {
                if create {
                    let e = if missing {
                        "nonexistent directory".to_string()
                    } else {
                        err.to_lowercase_first()
                    };
                    format!("sh: can't create {target}: {e}\n")
                } else {
                    let e = if missing {
                        "no such file".to_string()
                    } else {
                        err.to_lowercase_first()
                    };
                    format!("sh: can't open {target}: {e}\n")
                }
            }
            Dialect::Dash => {
                if create {
                    let e = if missing {
                        "Directory nonexistent"
                    } else {
                        err
                    };
                    format!("sh: {line}: cannot create {target}: {e}\n")
                } else {
                    let e = if missing { "No such file" } else { err };
                    format!("sh: {line}: cannot open {target}: {e}\n")
                }
            }
            Dialect::Bash => format!("bash: line {line}: {target}: {err}\n"),
        }
    }

    /// After a loop body: consumes a break/continue aimed at this loop; true to stop looping.
    fn loop_control(&mut self) -> bool {
        match self.flow {
            Some(Flow::Break(n)) => {
                self.flow = if n > 1 {
                    Some(Flow::Break(n - 1))
                } else {
                    None
                };
                true
            }
            Some(Flow::Continue(n)) => {
                if n > 1 {
                    self.flow = Some(Flow::Continue(n - 1));
                    true
                } else {
                    self.flow = None;
                    false
                }
            }
            Some(_) => true,
            None => false,
        }
    }

    fn not_found(&self, name: &str, line: usize) -> String {
        match self.dialect {
            Dialect::Ash => format!("sh: {name}: not found\n"),
            Dialect::Dash => format!("sh: {line}: {name}: not found\n"),
            Dialect::Bash if name.contains('/') => {
                format!("bash: line {line}: {name}: No such file or directory\n")
            }
            Dialect::Bash => format!("bash: line {line}: {name}: command not found\n"),
        }
    }

    fn simple(
        &mut self,
        cx: &mut ExecCx<'_>,
        assigns: &[(String, String)],
        words: &[String],
        stdin: &Option<String>,
        line: usize,
    ) -> Vec<Chunk> {
        let mut argv = Vec::new();
        for w in words {
            argv.extend(self.expand(cx, w, line));
        }
        let mut values = Vec::new();
        for (n, v) in assigns {
            let v = self.expand_one(cx, v, line);
            values.push((n.clone(), v));
        }
        let mut out = std::mem::take(&mut self.pending);
        if self.flow.is_some() {
            // An expansion error aborted the shell.
            return out;
        }
        if self.xtrace && (!argv.is_empty() || !values.is_empty()) {
            let text = self.trace_simple(&values, &argv);
            out.push(Chunk {
                at: cx.now(),
                stream: Stream::Stderr,
                text,
            });
        }
        self.unrouted = Some(out.len());
        if argv.is_empty() {
            // Assignments only; status is the last command substitution's (or 0).
            let had_subst = assigns
                .iter()
                .any(|(_, v)| v.contains("$(") || v.contains('`'));
            if !had_subst {
                self.last = 0;
            }
            for (n, v) in values {
                self.vars.insert(n, v);
            }
            return out;
        }
        let now = cx.now();
        let name = argv[0].clone();
        // Builtins.
        if let Some(r) = self.builtin(cx, &argv, stdin, line) {
            let (stdout, stderr, code) = r;
            out.append(&mut self.pending);
            if !stdout.is_empty() {
                out.push(Chunk {
                    at: cx.now(),
                    stream: Stream::Stdout,
                    text: stdout,
                });
            }
            if !stderr.is_empty() {
                out.push(Chunk {
                    at: cx.now(),
                    stream: Stream::Stderr,
                    text: stderr,
                });
            }
            self.last = code;
            return out;
        }
        // A command that never ends.
        let prog = crate::exec::program_name(&name).to_string();
        if (prog == "sleep" && argv.get(1).is_some_and(|a| a == "infinity"))
            || (prog == "tail" && argv.iter().any(|a| a == "-f" || a == "-F"))
        {
            let image = cx.setup().image.clone();
            if images::has_program(&image, &name) {
                self.flow = Some(Flow::Forever);
                return out;
            }
        }
        let image = cx.setup().image.clone();
        let found = images::has_program(&image, &name) && lookup(&prog).is_some();
        if !found {
            self.last = 127;
            out.extend(self.err(now, self.not_found(&name, line)));
            return out;
        }
        // Environment for the child: exported vars plus the prefix assignments.
        let mut env: BTreeMap<String, String> = self
            .vars
            .iter()
            .filter(|(k, _)| self.exported.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (n, v) in values {
            env.insert(n, v);
        }
        cx.env = env;
        cx.stdin = stdin.clone();
        cx.cwd = self.cwd.clone();
        if matches!(prog.as_str(), "sh" | "ash" | "bash" | "dash") {
            // A nested shell: keep its output's timestamps and its endlessness.
            let run = run_shell_argv(cx, &argv, self.deadline);
            out.extend(run.chunks);
            self.last = run.code;
            if run.forever {
                self.flow = Some(Flow::Forever);
            }
            return out;
        }
        let (early, r) = match crate::exec::run_in_order(cx, &argv) {
            Ok(x) => x,
            Err(_) => (
                String::new(),
                crate::exec::ExecResult::fail(self.not_found(&name, line), 127),
            ),
        };
        if let Some(d) = self.deadline
            && cx.now() > d
        {
            self.flow = Some(Flow::Forever);
        }
        let at = cx.now();
        if !early.is_empty() {
            out.push(Chunk {
                at,
                stream: Stream::Stderr,
                text: early,
            });
        }
        if !r.stdout.is_empty() {
            out.push(Chunk {
                at,
                stream: Stream::Stdout,
                text: r.stdout,
            });
        }
        if !r.stderr.is_empty() {
            out.push(Chunk {
                at,
                stream: Stream::Stderr,
                text: r.stderr,
            });
        }
        self.last = r.code;
        out
    }

    #[allow(clippy::type_complexity)]
    fn builtin(
        &mut self,
        cx: &mut ExecCx<'_>,
        argv: &[String],
        stdin: &Option<String>,
        line: usize,
    ) -> Option<(String, String, i32)> {
        let name = argv[0].as_str();
        let args = &argv[1..];
        let sh = match self.dialect {
            Dialect::Ash => "sh: ".to_string(),
            Dialect::Dash => format!("sh: {line}: "),
            Dialect::Bash => "bash: ".to_string(),
        };
        let ok = |s: String| Some((s, String::new(), 0));
        match name {
            ":" | "true" => ok(String::new()),
            "false" => Some((String::new(), String::new(), 1)),
            "exit" => {
                let code = match args.first() {
                    None => self.last,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            let msg = match self.dialect {
                                Dialect::Ash => format!("sh: exit: line 0: Illegal number: {a}\n"),
                                Dialect::Dash => format!("sh: {line}: exit: Illegal number: {a}\n"),
                                Dialect::Bash => {
                                    format!(
                                        "bash: line {line}: exit: {a}: numeric argument required\n"
                                    )
                                }
                            };
                            self.flow = Some(Flow::Exit(2));
                            return Some((String::new(), msg, 2));
                        }
                    },
                };
                self.flow = Some(Flow::Exit(code));
                Some((String::new(), String::new(), code))
            }
            "break" | "continue" => {
                let n = args
                    .first()
                    .and_then(|a| a.parse().ok())
                    .unwrap_or(1u32)
                    .max(1);
                self.flow = Some(if name == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                });
                ok(String::new())
            }
            "export" | "readonly" => {
                for a in args {
                    if a == "-p" {
                        continue;
                    }
                    match a.split_once('=') {
                        Some((n, v)) => {
                            self.vars.insert(n.to_string(), v.to_string());
                            self.exported.insert(n.to_string());
                        }
                        None => {
                            self.exported.insert(a.clone());
                        }
                    }
                }
                if args.is_empty() || args.iter().all(|a| a == "-p") {
                    let mut s = String::new();
                    for (k, v) in &self.vars {
                        if self.exported.contains(k) && !k.starts_with(' ') {
                            match self.dialect {
                                Dialect::Bash => s.push_str(&format!("declare -x {k}=\"{v}\"\n")),
                                _ => s.push_str(&format!("export {k}='{v}'\n")),
                            }
                        }
                    }
                    return ok(s);
                }
                ok(String::new())
            }
            "unset" => {
                for a in args {
                    self.vars.remove(a);
                    self.exported.remove(a);
                    self.arrays.remove(a);
                }
                ok(String::new())
            }
            "set" => {
                let mut rest = Vec::new();
                let mut positional = false;
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match a.as_str() {
                        "--" if !positional => positional = true,
                        "-o" | "+o" if !positional => {
                            let on = a == "-o";
                            match it.next().map(String::as_str) {
                                Some("errexit") => self.errexit = on,
                                Some("xtrace") => self.xtrace = on,
                                _ => {}
                            }
                        }
                        s if !positional
                            && s.len() > 1
                            && (s.starts_with('-') || s.starts_with('+')) =>
                        {
                            let on = s.starts_with('-');
                            for f in s[1..].chars() {
                                match f {
                                    'e' => self.errexit = on,
                                    'x' => self.xtrace = on,
                                    _ => {}
                                }
                            }
                        }
                        _ => {
                            positional = true;
                            rest.push(a.clone());
                        }
                    }
                }
                if positional {
                    self.params = rest;
                }
                if args.is_empty() {
                    let s: String = self
                        .vars
                        .iter()
                        .filter(|(k, _)| !k.starts_with(' '))
                        .map(|(k, v)| format!("{k}='{v}'\n"))
                        .collect();
                    return ok(s);
                }
                ok(String::new())
            }
            "shift" => {
                let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(1usize);
                if n > self.params.len() {
                    return Some((String::new(), String::new(), 1));
                }
                self.params.drain(..n);
                ok(String::new())
            }
            "cd" => {
                let target = args
                    .first()
                    .cloned()
                    .or_else(|| self.vars.get("HOME").cloned())
                    .unwrap_or_else(|| "/".into());
                let path = if target.starts_with('/') {
                    crate::store::normalize(&target)
                } else {
                    crate::store::normalize(&format!("{}/{target}", self.cwd))
                };
                let fs = cx.fs();
                if fs.is_dir(&path) {
                    self.cwd = path.clone();
                    self.vars.insert("PWD".into(), path);
                    ok(String::new())
                } else {
                    let e = if fs.exists(&path) {
                        "Not a directory"
                    } else {
                        "No such file or directory"
                    };
                    let msg = match self.dialect {
                        Dialect::Ash => format!("sh: cd: line 0: can't cd to {target}: {e}\n"),
                        Dialect::Dash => format!("sh: {line}: cd: can't cd to {target}\n"),
                        Dialect::Bash => format!("bash: line 1: cd: {target}: {e}\n"),
                    };
                    let code = if self.dialect == Dialect::Bash { 1 } else { 2 };
                    Some((String::new(), msg, code))
                }
            }
            "pwd" => ok(format!("{}\n", self.cwd)),
            "echo" if self.dialect == Dialect::Dash => {
                // dash's echo: only -n, escapes always interpreted.
                let (mut nl, mut rest) = (true, args);
                if rest.first().is_some_and(|a| a == "-n") {
                    nl = false;
                    rest = &rest[1..];
                }
                let (mut s, stop) = super::coreutils::unescape(&rest.join(" "));
                if nl && !stop {
                    s.push('\n');
                }
                ok(s)
            }
            "read" => {
                let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
                let input = stdin.clone().unwrap_or_default();
                let start = match &self.read_state {
                    Some((text, off)) if *text == input => *off,
                    _ => 0,
                };
                let rest = input.get(start..).unwrap_or("");
                let Some(first) = rest.split_inclusive('\n').next() else {
                    self.read_state = Some((input.clone(), start));
                    return Some((String::new(), String::new(), 1));
                };
                self.read_state = Some((input.clone(), start + first.len()));
                let first = first.trim_end_matches('\n');
                let mut fields: Vec<&str> = first.split_whitespace().collect();
                for (i, n) in names.iter().enumerate() {
                    let v = if i + 1 == names.len() {
                        let v = fields.join(" ");
                        fields.clear();
                        v
                    } else if fields.is_empty() {
                        String::new()
                    } else {
                        fields.remove(0).to_string()
                    };
                    self.vars.insert((*n).clone(), v);
                }
                if names.is_empty() {
                    self.vars.insert("REPLY".into(), first.to_string());
                }
                ok(String::new())
            }
            "trap" => {
                if let Some((cmd, sigs)) = args.split_first() {
                    for s in sigs {
                        let s = s.trim_start_matches("SIG").to_string();
                        self.traps.insert(
                            match s.as_str() {
                                "15" => "TERM".into(),
                                "2" => "INT".into(),
                                "3" => "QUIT".into(),
                                _ => s,
                            },
                            cmd.clone(),
                        );
                    }
                }
                ok(String::new())
            }
            // BusyBox ash's `[[`: `test` up to a closing `]]`, its `&&`/`||` words read as
            // `-a`/`-o`, `==` a glob match (quoted or not) and `=~` a regex match.
            "[[" if self.dialect == Dialect::Ash => {
                let Some((last, inner)) = args.split_last() else {
                    return Some((String::new(), "sh: missing ]]\n".into(), 2));
                };
                if last != "]]" {
                    return Some((String::new(), "sh: missing ]]\n".into(), 2));
                }
                let status = |b: bool| Some((String::new(), String::new(), i32::from(!b)));
                match inner {
                    [l, op, r] if op == "==" || op == "!=" => {
                        status(glob_match(r, l) != (op == "!="))
                    }
                    [l, op, r] if op == "=~" => {
                        use super::posix_re::{Syntax, compile};
                        match compile(r, Syntax::Extended, false) {
                            Ok(re) => status(re.is_match(l)),
                            Err(_) => Some((String::new(), String::new(), 2)),
                        }
                    }
                    _ => {
                        let mut argv = vec!["test".to_string()];
                        argv.extend(inner.iter().map(|a| match a.as_str() {
                            "&&" => "-a".to_string(),
                            "||" => "-o".to_string(),
                            _ => a.clone(),
                        }));
                        self.builtin(cx, &argv, stdin, line)
                    }
                }
            }
            "[" | "test" => {
                use super::coreutils::{TestError, run_test};
                match run_test(cx, name, args) {
                    Ok(b) => Some((String::new(), String::new(), i32::from(!b))),
                    Err(e) => {
                        let msg = match (self.dialect, e) {
                            (Dialect::Ash, TestError::MissingBracket) => "missing ]".to_string(),
                            (Dialect::Ash, TestError::BadNumber(n)) => format!("{n}: bad number"),
                            (Dialect::Dash, TestError::MissingBracket) => {
                                format!("{name}: missing ]")
                            }
                            (Dialect::Dash, TestError::BadNumber(n)) => {
                                format!("{name}: Illegal number: {n}")
                            }
                            (Dialect::Bash, TestError::MissingBracket) => {
                                format!("{name}: missing `]'")
                            }
                            (Dialect::Bash, TestError::BadNumber(n)) => {
                                format!("{name}: {n}: integer expression expected")
                            }
                            (Dialect::Ash, TestError::Other(m)) => m,
                            (_, TestError::Other(m)) => format!("{name}: {m}"),
                        };
                        let prefix = match self.dialect {
                            Dialect::Bash => format!("bash: line {line}: "),
                            _ => sh.clone(),
                        };
                        Some((String::new(), format!("{prefix}{msg}\n"), 2))
                    }
                }
            }
            "wait" | "ulimit" | "umask" | "hash" | "alias" => ok(String::new()),
            "exec" if args.is_empty() => ok(String::new()),
            "exec" => None.or_else(|| {
                // exec CMD: run it, then the shell is gone.
                let words: Vec<String> = args.iter().map(|a| super::quote(a)).collect();
                // `exec` itself was traced.
                let xtrace = std::mem::replace(&mut self.xtrace, false);
                let r = self.simple(cx, &[], &words, stdin, line);
                self.xtrace = xtrace;
                self.pending = r;
                self.flow = Some(self.flow.unwrap_or(Flow::Exit(self.last)));
                Some((String::new(), String::new(), self.last))
            }),
            "source" | "." if self.source_depth >= MAX_SHELL_DEPTH => {
                Some((String::new(), format!("{sh}{name}: too deeply nested\n"), 2))
            }
            "source" | "." => {
                let Some(f) = args.first() else {
                    return Some((String::new(), String::new(), 0));
                };
                let path = cx.abs(f);
                match cx.fs().read(&path) {
                    Ok(b) => {
                        let src = String::from_utf8_lossy(&b).into_owned();
                        match parse(&src, self.dialect) {
                            Ok(l) => {
                                self.source_depth += 1;
                                let r = self.list(cx, &l, stdin);
                                self.source_depth -= 1;
                                self.pending.extend(r);
                                Some((String::new(), String::new(), self.last))
                            }
                            Err(e) => Some((String::new(), self.syntax_message(&e, &src), 2)),
                        }
                    }
                    Err(e) => Some((
                        String::new(),
                        format!("{sh}{name}: can't open '{f}': {e}\n"),
                        2,
                    )),
                }
            }
            _ => None,
        }
    }

    // -- expansion ----------------------------------------------------------------------------

    fn expand_one(&mut self, cx: &mut ExecCx<'_>, raw: &str, line: usize) -> String {
        let fields = self.expand_inner(cx, raw, line, false);
        fields.join(" ")
    }

    fn expand(&mut self, cx: &mut ExecCx<'_>, raw: &str, line: usize) -> Vec<String> {
        self.expand_inner(cx, raw, line, true)
    }

    fn param(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.last.to_string()),
            "$" => Some("1".into()),
            "#" => Some(self.params.len().to_string()),
            "0" => Some(self.name.clone()),
            "@" | "*" => Some(self.params.join(" ")),
            "PWD" => Some(self.cwd.clone()),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                let i: usize = n.parse().ok()?;
                self.params.get(i.checked_sub(1)?).cloned()
            }
            n => self
                .vars
                .get(n)
                .cloned()
                .or_else(|| self.arrays.get(n).and_then(|a| a.first().cloned())),
        }
    }

    fn subst(&mut self, cx: &mut ExecCx<'_>, src: &str) -> String {
        let saved = (
            self.vars.clone(),
            self.exported.clone(),
            self.cwd.clone(),
            self.flow,
            self.arrays.clone(),
            (self.xtrace, self.errexit),
        );
        self.flow = None;
        // bash traces a command substitution one `+` deeper; BusyBox ash and dash do not.
        let deeper = usize::from(self.dialect == Dialect::Bash);
        self.trace_level += deeper;
        let mut text = String::new();
        match parse(src, self.dialect) {
            Ok(l) => {
                let stdin = cx.stdin.clone();
                let chunks = self.list(cx, &l, &stdin);
                for c in chunks {
                    if c.stream == Stream::Stdout {
                        text.push_str(&c.text);
                    } else {
                        self.pending.push(c);
                    }
                }
                if let Some(Flow::Exit(c)) = self.flow {
                    self.last = c;
                }
            }
            Err(e) => {
                let at = cx.now();
                let m = self.syntax_message(&e, src);
                let e = self.err(at, m);
                self.pending.extend(e);
                self.last = 2;
            }
        }
        self.trace_level -= deeper;
        let forever = self.flow == Some(Flow::Forever);
        let (xtrace, errexit);
        (
            self.vars,
            self.exported,
            self.cwd,
            self.flow,
            self.arrays,
            (xtrace, errexit),
        ) = saved;
        (self.xtrace, self.errexit) = (xtrace, errexit);
        if forever {
            self.flow = Some(Flow::Forever);
        }
        while text.ends_with('\n') {
            text.pop();
        }
        text
    }

    fn arith(&self, expr: &str) -> Option<i64> {
        // + - * / % over integers and variables, * / % binding tighter.
        let mut toks: Vec<String> = Vec::new();
        let mut cur = String::new();
        for c in expr.chars() {
            if "+-*/%()".contains(c) {
                if !cur.trim().is_empty() {
                    toks.push(cur.trim().to_string());
                }
                cur.clear();
                toks.push(c.to_string());
            } else {
                cur.push(c);
            }
        }
        if !cur.trim().is_empty() {
            toks.push(cur.trim().to_string());
        }
        let val = |t: &str| -> Option<i64> {
            let t = t.trim_start_matches('$');
            if let Ok(v) = t.parse() {
                return Some(v);
            }
            if !is_name(t) {
                return None;
            }
            Some(
                self.param(t)
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0),
            )
        };
        type Val<'a> = &'a dyn Fn(&str) -> Option<i64>;
        fn term(toks: &[String], i: &mut usize, val: Val<'_>) -> Option<i64> {
            let mut v = factor(toks, i, val)?;
            while *i < toks.len() && matches!(toks[*i].as_str(), "*" | "/" | "%") {
                let op = toks[*i].clone();
                *i += 1;
                let r = factor(toks, i, val)?;
                v = match op.as_str() {
                    "*" => v.wrapping_mul(r),
                    "/" => v.checked_div(r)?,
                    _ => v.checked_rem(r)?,
                };
            }
            Some(v)
        }
        fn factor(toks: &[String], i: &mut usize, val: Val<'_>) -> Option<i64> {
            let t = toks.get(*i)?;
            *i += 1;
            match t.as_str() {
                "-" => factor(toks, i, val).map(i64::wrapping_neg),
                "+" => factor(toks, i, val),
                "(" => {
                    let v = sum(toks, i, val)?;
                    if toks.get(*i).is_some_and(|t| t == ")") {
                        *i += 1;
                        Some(v)
                    } else {
                        None
                    }
                }
                ")" | "*" | "/" | "%" => None,
                t => val(t),
            }
        }
        fn sum(toks: &[String], i: &mut usize, val: Val<'_>) -> Option<i64> {
            let mut v = term(toks, i, val)?;
            while *i < toks.len() && matches!(toks[*i].as_str(), "+" | "-") {
                let op = toks[*i].clone();
                *i += 1;
                let r = term(toks, i, val)?;
                v = if op == "+" {
                    v.wrapping_add(r)
                } else {
                    v.wrapping_sub(r)
                };
            }
            Some(v)
        }
        if toks.is_empty() {
            return Some(0);
        }
        let mut i = 0;
        let v = sum(&toks, &mut i, &val)?;
        if i < toks.len() {
            return None;
        }
        Some(v)
    }

    fn arith_error(&mut self, at: SimTime, expr: &str) {
        let msg = match self.dialect {
            Dialect::Ash => "sh: arithmetic syntax error\n".to_string(),
            Dialect::Dash => format!(
                "sh: {}: arithmetic expression: expecting primary: \"{expr}\"\n",
                self.cur_line
            ),
            Dialect::Bash => {
                let shown = expr.trim_start();
                format!(
                    "bash: line {}: {shown}: syntax error: operand expected (error token is \"{}\")\n",
                    self.cur_line,
                    bash_error_token(shown)
                )
            }
        };
        let e = self.err(at, msg);
        self.pending.extend(e);
        let code = if self.dialect == Dialect::Bash { 1 } else { 2 };
        self.last = code;
        self.flow = Some(Flow::Exit(code));
    }

    /// Expands `$...` at `s[i]` (which is `$`); returns the value and the index after it.
    fn dollar(&mut self, cx: &mut ExecCx<'_>, s: &[char], i: usize) -> (Option<String>, usize) {
        let next = s.get(i + 1).copied();
        match next {
            Some('(') if s.get(i + 2) == Some(&'(') => {
                let mut depth = 0;
                let mut j = i + 1;
                while j < s.len() {
                    match s[j] {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let inner: String = s[(i + 3).min(j)..j.saturating_sub(1).max(i + 3)]
                    .iter()
                    .collect();
                match self.arith(&inner) {
                    Some(v) => (Some(v.to_string()), (j + 1).min(s.len())),
                    None => {
                        let at = cx.now();
                        self.arith_error(at, &inner);
                        (Some(String::new()), (j + 1).min(s.len()))
                    }
                }
            }
            Some('(') => {
                let mut depth = 0;
                let mut j = i + 1;
                let mut q: Option<char> = None;
                while j < s.len() {
                    let c = s[j];
                    match q {
                        Some(qc) => {
                            if c == '\\' && qc == '"' {
                                j += 1;
                            } else if c == qc {
                                q = None;
                            }
                        }
                        None => match c {
                            '\'' | '"' => q = Some(c),
                            '\\' => j += 1,
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        },
                    }
                    j += 1;
                }
                let inner: String = s[(i + 2).min(j.min(s.len()))..j.min(s.len())]
                    .iter()
                    .collect();
                if self.dialect == Dialect::Bash
                    && let Some(file) = redirect_only(&inner)
                {
                    return (Some(self.read_subst_file(cx, &file)), (j + 1).min(s.len()));
                }
                (Some(self.subst(cx, &inner)), (j + 1).min(s.len()))
            }
            Some('{') => {
                let mut j = i + 2;
                while j < s.len() && s[j] != '}' {
                    j += 1;
                }
                let inner: String = s[(i + 2).min(s.len())..j.min(s.len())].iter().collect();
                let end = (j + 1).min(s.len());
                if let Some(v) = self.subscript(cx, &inner) {
                    return (v, end);
                }
                if let Some(n) = inner.strip_prefix('#') {
                    return (
                        Some(
                            self.param(n)
                                .unwrap_or_default()
                                .chars()
                                .count()
                                .to_string(),
                        ),
                        end,
                    );
                }
                let pos = inner.find(|c: char| ":-=+?".contains(c));
                let Some(p) = pos else {
                    return (self.param(&inner), end);
                };
                let name = &inner[..p];
                let rest = &inner[p..];
                let (colon, op, word) = if let Some(r) = rest.strip_prefix(':') {
                    (
                        true,
                        r.chars().next().unwrap_or('-'),
                        r.get(1..).unwrap_or(""),
                    )
                } else {
                    (
                        false,
                        rest.chars().next().unwrap_or('-'),
                        rest.get(1..).unwrap_or(""),
                    )
                };
                let v = self.param(name);
                let unset = v.is_none() || (colon && v.as_deref() == Some(""));
                let word = self.expand_one(cx, word, 0);
                let out = match op {
                    '-' => {
                        if unset {
                            Some(word)
                        } else {
                            v
                        }
                    }
                    '=' => {
                        if unset {
                            self.vars.insert(name.to_string(), word.clone());
                            Some(word)
                        } else {
                            v
                        }
                    }
                    '+' => {
                        if unset {
                            None
                        } else {
                            Some(word)
                        }
                    }
                    _ => v,
                };
                (out, end)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < s.len() && (s[j].is_ascii_alphanumeric() || s[j] == '_') {
                    j += 1;
                }
                let name: String = s[i + 1..j].iter().collect();
                (self.param(&name), j)
            }
            Some(c) if c.is_ascii_digit() || "?$#@*!-".contains(c) => {
                (self.param(&c.to_string()), i + 2)
            }
            _ => (Some("$".into()), i + 1),
        }
    }

    fn expand_inner(
        &mut self,
        cx: &mut ExecCx<'_>,
        raw: &str,
        line: usize,
        split: bool,
    ) -> Vec<String> {
        let _ = line;
        let fields = self.expand_fields(cx, raw, split);
        let mut out = Vec::new();
        for f in fields {
            if f.glob && split {
                let m = self.glob(cx, &f.pattern);
                if m.is_empty() {
                    out.push(f.text);
                } else {
                    out.extend(m);
                }
            } else {
                out.push(f.text);
            }
        }
        if !split && out.is_empty() {
            out.push(String::new());
        }
        out
    }

    /// Expands `raw` into one word without splitting or globbing (as inside `[[ ]]`), and
    /// tells which of its characters were quoted.
    fn expand_marked(&mut self, cx: &mut ExecCx<'_>, raw: &str) -> (String, Vec<bool>) {
        let f = self.expand_fields(cx, raw, false).pop().unwrap_or_default();
        (f.text, f.quoted)
    }

    fn expand_fields(&mut self, cx: &mut ExecCx<'_>, raw: &str, split: bool) -> Vec<Field> {
        let s: Vec<char> = raw.chars().collect();
        let mut fields: Vec<Field> = Vec::new();
        let mut cur = Field::default();
        let mut started = false;
        let mut i = 0;
        if s.first() == Some(&'~') && (s.len() == 1 || s[1] == '/') {
            let home = self.param("HOME").unwrap_or_else(|| "/root".into());
            for ch in home.chars() {
                cur.text.push(ch);
                cur.pattern.push(ch);
                cur.quoted.push(false);
            }
            started = true;
            i = 1;
        }
        let push_lit = |cur: &mut Field, c: char, quoted: bool| {
            cur.text.push(c);
            cur.quoted.push(quoted);
            if quoted && "*?[\\".contains(c) {
                cur.pattern.push('\\');
            } else if !quoted && "*?[".contains(c) {
                cur.glob = true;
            }
            cur.pattern.push(c);
        };
        while i < s.len() {
            let c = s[i];
            match c {
                '\'' => {
                    started = true;
                    i += 1;
                    while i < s.len() && s[i] != '\'' {
                        push_lit(&mut cur, s[i], true);
                        i += 1;
                    }
                    i += 1;
                }
                '"' => {
                    started = true;
                    i += 1;
                    while i < s.len() && s[i] != '"' {
                        match s[i] {
                            '\\' if i + 1 < s.len() && "$`\"\\\n".contains(s[i + 1]) => {
                                if s[i + 1] != '\n' {
                                    push_lit(&mut cur, s[i + 1], true);
                                }
                                i += 2;
                            }
                            '$' => {
                                let (v, j) = self.dollar(cx, &s, i);
                                for ch in v.unwrap_or_default().chars() {
                                    push_lit(&mut cur, ch, true);
                                }
                                i = j;
                            }
                            '`' => {
                                let (v, j) = self.backtick(cx, &s, i);
                                for ch in v.chars() {
                                    push_lit(&mut cur, ch, true);
                                }
                                i = j;
                            }
                            ch => {
                                push_lit(&mut cur, ch, true);
                                i += 1;
                            }
                        }
                    }
                    i += 1;
                }
                '\\' => {
                    started = true;
                    if let Some(&n) = s.get(i + 1) {
                        push_lit(&mut cur, n, true);
                    }
                    i += 2;
                }
                '$' | '`' => {
                    let (v, j) = if c == '$' {
                        self.dollar(cx, &s, i)
                    } else {
                        let (v, j) = self.backtick(cx, &s, i);
                        (Some(v), j)
                    };
                    i = j;
                    let v = v.unwrap_or_default();
                    if !split {
                        // Unsplit (assignments, `[[ ]]`): the value stays one word, its
                        // characters unquoted (a pattern to `[[ x == $p ]]`).
                        for ch in v.chars() {
                            push_lit(&mut cur, ch, false);
                        }
                        started = started || !v.is_empty();
                        continue;
                    }
                    // Field splitting on IFS whitespace.
                    let mut first = true;
                    let parts: Vec<&str> = v.split([' ', '\t', '\n']).collect();
                    for (k, p) in parts.iter().enumerate() {
                        if !first && p.is_empty() && k + 1 < parts.len() {
                            continue;
                        }
                        if !first && (started || !cur.text.is_empty()) {
                            fields.push(std::mem::take(&mut cur));
                            started = false;
                        }
                        first = false;
                        for ch in p.chars() {
                            push_lit(&mut cur, ch, true);
                            started = true;
                        }
                    }
                    if v.ends_with([' ', '\t', '\n']) && started {
                        fields.push(std::mem::take(&mut cur));
                        started = false;
                    }
                }
                ch => {
                    started = true;
                    push_lit(&mut cur, ch, false);
                    i += 1;
                }
            }
        }
        if started || !cur.text.is_empty() {
            fields.push(cur);
        }
        fields
    }

    fn backtick(&mut self, cx: &mut ExecCx<'_>, s: &[char], i: usize) -> (String, usize) {
        let mut j = i + 1;
        let mut inner = String::new();
        while j < s.len() && s[j] != '`' {
            if s[j] == '\\' && j + 1 < s.len() && "$`\\".contains(s[j + 1]) {
                j += 1;
            }
            inner.push(s[j]);
            j += 1;
        }
        (self.subst(cx, &inner), (j + 1).min(s.len()))
    }

    fn glob(&mut self, cx: &mut ExecCx<'_>, pat: &str) -> Vec<String> {
        let abs = pat.starts_with('/');
        let comps: Vec<&str> = pat.split('/').filter(|c| !c.is_empty()).collect();
        let mut paths = vec![String::new()];
        for (k, comp) in comps.iter().enumerate() {
            let last = k + 1 == comps.len();
            let mut next = Vec::new();
            let has_meta = has_glob_meta(comp);
            for p in &paths {
                let dir = if abs {
                    format!("/{p}")
                } else if p.is_empty() {
                    self.cwd.clone()
                } else {
                    format!("{}/{p}", self.cwd)
                };
                let join = |n: &str| {
                    if p.is_empty() {
                        n.to_string()
                    } else {
                        format!("{p}/{n}")
                    }
                };
                if !has_meta {
                    next.push(join(&unescape_glob(comp)));
                    continue;
                }
                let names = cx.fs().list(&dir).unwrap_or_default();
                for n in names {
                    if n.starts_with('.') && !comp.starts_with('.') {
                        continue;
                    }
                    if glob_match(comp, &n) {
                        let full = join(&n);
                        if !last {
                            let fp = if abs {
                                format!("/{full}")
                            } else {
                                format!("{}/{full}", self.cwd)
                            };
                            if !cx.fs().is_dir(&fp) {
                                continue;
                            }
                        }
                        next.push(full);
                    }
                }
            }
            paths = next;
        }
        let mut out: Vec<String> = paths
            .into_iter()
            .map(|p| if abs { format!("/{p}") } else { p })
            .filter(|p| {
                let full = if p.starts_with('/') {
                    p.clone()
                } else {
                    format!("{}/{p}", self.cwd)
                };
                cx.fs().exists(&full)
            })
            .collect();
        out.sort();
        out
    }
}

// -- xtrace and [[ ]] ----------------------------------------------------------------------

impl Shell {
    fn trace_prefix(&self) -> String {
        format!("{} ", "+".repeat(self.trace_level))
    }

    /// A trace line (without its prefix) as a chunk on stderr.
    fn trace_chunk(&self, cx: &ExecCx<'_>, line: &str) -> Chunk {
        Chunk {
            at: cx.now(),
            stream: Stream::Stderr,
            text: format!("{}{line}\n", self.trace_prefix()),
        }
    }

    /// A word as this shell's xtrace shows it.
    fn trace_word(&self, w: &str) -> String {
        match self.dialect {
            Dialect::Bash => bash_trace_quote(w),
            Dialect::Ash => ash_trace_quote(w),
            Dialect::Dash => w.to_string(),
        }
    }

    /// The trace of a simple command: bash gives each assignment a line of its own, BusyBox
    /// ash and dash put them before the words on one line.
    fn trace_simple(&self, assigns: &[(String, String)], argv: &[String]) -> String {
        let p = self.trace_prefix();
        if self.dialect == Dialect::Bash {
            let mut s = String::new();
            for (n, v) in assigns {
                let v = if v.is_empty() {
                    String::new()
                } else {
                    bash_trace_quote(v)
                };
                s.push_str(&format!("{p}{n}={v}\n"));
            }
            if !argv.is_empty() {
                let words: Vec<String> = argv.iter().map(|w| bash_trace_quote(w)).collect();
                s.push_str(&format!("{p}{}\n", words.join(" ")));
            }
            return s;
        }
        let mut words: Vec<String> = assigns
            .iter()
            .map(|(n, v)| format!("{n}={}", self.trace_word(v)))
            .collect();
        words.extend(argv.iter().map(|w| self.trace_word(w)));
        format!("{p}{}\n", words.join(" "))
    }

    /// Runs `[[ expression ]]`: status 0 (true), 1 (false) or 2 (a bad regular expression).
    fn cond_command(&mut self, cx: &mut ExecCx<'_>, c: &Cond) -> Vec<Chunk> {
        let r = self.eval_cond(cx, c, false);
        if self.flow.is_none() {
            self.last = match r {
                Ok(true) => 0,
                Ok(false) => 1,
                Err(code) => code,
            };
        }
        std::mem::take(&mut self.pending)
    }

    /// Evaluates `c`; each test bash evaluates is traced as `+ [[ lhs op rhs ]]` (`negated`:
    /// it is the operand of a `!`, shown in its trace).
    fn eval_cond(&mut self, cx: &mut ExecCx<'_>, c: &Cond, negated: bool) -> Result<bool, i32> {
        match c {
            Cond::And(terms) => {
                for t in terms {
                    if !self.eval_cond(cx, t, false)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Cond::Or(terms) => {
                for t in terms {
                    if self.eval_cond(cx, t, false)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Cond::Not(t) => {
                let leaf = matches!(**t, Cond::Word(_) | Cond::Unary(..) | Cond::Binary(..));
                Ok(!self.eval_cond(cx, t, leaf)?)
            }
            Cond::Word(w) => {
                let v = self.expand_one(cx, w, self.cur_line);
                self.trace_cond(cx, negated, &["-n", &v]);
                Ok(!v.is_empty())
            }
            Cond::Unary(op, w) => {
                let v = self.expand_one(cx, w, self.cur_line);
                self.trace_cond(cx, negated, &[op, &v]);
                Ok(match op.as_str() {
                    "-n" => !v.is_empty(),
                    "-z" => v.is_empty(),
                    "-v" => self.vars.contains_key(&v) || self.arrays.contains_key(&v),
                    "-o" => match v.as_str() {
                        "errexit" => self.errexit,
                        "xtrace" => self.xtrace,
                        _ => false,
                    },
                    _ => super::coreutils::run_test(cx, "test", &[op.clone(), v]).unwrap_or(false),
                })
            }
            Cond::Binary(op, l, r) => {
                let lhs = self.expand_one(cx, l, self.cur_line);
                let (rhs, quoted) = self.expand_marked(cx, r);
                self.cond_binary(cx, op, &lhs, &rhs, &quoted, negated)
            }
        }
    }

    fn cond_binary(
        &mut self,
        cx: &mut ExecCx<'_>,
        op: &str,
        lhs: &str,
        rhs: &str,
        quoted: &[bool],
        negated: bool,
    ) -> Result<bool, i32> {
        let marked = || rhs.chars().zip(quoted.iter().copied());
        match op {
            "=" | "==" | "!=" => {
                // Quoted characters of the pattern match themselves.
                let mut pattern = String::new();
                let mut shown = String::new();
                for (c, q) in marked() {
                    if q {
                        shown.push('\\');
                        if "*?[\\".contains(c) {
                            pattern.push('\\');
                        }
                    }
                    pattern.push(c);
                    shown.push(c);
                }
                self.trace_cond(cx, negated, &[lhs, op, &shown]);
                Ok(glob_match(&pattern, lhs) != (op == "!="))
            }
            "=~" => {
                let mut source = String::new();
                for (c, q) in marked() {
                    if q && "\\.[]()*+?{}|^$".contains(c) {
                        source.push('\\');
                    }
                    source.push(c);
                }
                self.trace_cond(cx, negated, &[lhs, op, &source]);
                // A pattern glibc refuses: status 2, silently.
                let re =
                    super::posix_re::compile(&source, super::posix_re::Syntax::Extended, false)
                        .map_err(|_| 2)?;
                let groups: Vec<String> = match re.captures(lhs) {
                    Some(caps) => caps
                        .iter()
                        .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
                        .collect(),
                    None => Vec::new(),
                };
                let hit = !groups.is_empty();
                self.arrays.insert("BASH_REMATCH".into(), groups);
                Ok(hit)
            }
            "<" | ">" => {
                self.trace_cond(cx, negated, &[lhs, op, rhs]);
                Ok(if op == "<" { lhs < rhs } else { lhs > rhs })
            }
            "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" => {
                self.trace_cond(cx, negated, &[lhs, op, rhs]);
                let a = self.cond_arith(cx, lhs)?;
                let b = self.cond_arith(cx, rhs)?;
                Ok(match op {
                    "-eq" => a == b,
                    "-ne" => a != b,
                    "-lt" => a < b,
                    "-le" => a <= b,
                    "-gt" => a > b,
                    _ => a >= b,
                })
            }
            // -nt, -ot, -ef: file times and identities are not modelled.
            _ => {
                self.trace_cond(cx, negated, &[lhs, op, rhs]);
                Ok(false)
            }
        }
    }

    /// An operand of `-eq` and friends: an arithmetic expression (bash reports a bad one
    /// and the test fails with status 1).
    fn cond_arith(&mut self, cx: &ExecCx<'_>, expr: &str) -> Result<i64, i32> {
        if let Some(v) = self.arith(expr) {
            return Ok(v);
        }
        let shown = expr.trim();
        let words: Vec<&str> = shown.split_whitespace().collect();
        let msg = if words.len() > 1 {
            let rest = &shown[shown.find(char::is_whitespace).unwrap_or(0)..];
            format!(
                "syntax error in expression (error token is \"{}\")",
                rest.trim_start()
            )
        } else {
            format!(
                "syntax error: operand expected (error token is \"{}\")",
                bash_error_token(shown)
            )
        };
        let line = self.cur_line;
        self.pending.push(Chunk {
            at: cx.now(),
            stream: Stream::Stderr,
            text: format!("bash: line {line}: [[: {shown}: {msg}\n"),
        });
        Err(1)
    }

    fn trace_cond(&mut self, cx: &ExecCx<'_>, negated: bool, parts: &[&str]) {
        if !self.xtrace {
            return;
        }
        let mut line = String::from("[[ ");
        if negated {
            line.push_str("! ");
        }
        let shown: Vec<&str> = parts
            .iter()
            .map(|p| if p.is_empty() { "''" } else { *p })
            .collect();
        line.push_str(&shown.join(" "));
        line.push_str(" ]]");
        let c = self.trace_chunk(cx, &line);
        self.pending.push(c);
    }

    /// bash's `$(<file)`: the file's text (trailing newlines dropped) without running
    /// anything; a missing file is reported and gives the empty string and status 1.
    fn read_subst_file(&mut self, cx: &mut ExecCx<'_>, word: &str) -> String {
        let name = self.expand_one(cx, word, self.cur_line);
        let path = cx.abs(&name);
        match cx.fs().read(&path) {
            Ok(b) => {
                self.last = 0;
                let mut text = String::from_utf8_lossy(&b).into_owned();
                while text.ends_with('\n') {
                    text.pop();
                }
                text
            }
            Err(e) => {
                let line = self.cur_line;
                self.pending.push(Chunk {
                    at: cx.now(),
                    stream: Stream::Stderr,
                    text: format!("bash: line {line}: {name}: {e}\n"),
                });
                self.last = 1;
                String::new()
            }
        }
    }

    /// `${name[sub]}`, `${#name[sub]}`, `${name[@]}`, `${#name[@]}`: an array (only
    /// `BASH_REMATCH` is one) or a scalar as an array of one. None when `inner` is not
    /// subscripted.
    fn subscript(&mut self, cx: &mut ExecCx<'_>, inner: &str) -> Option<Option<String>> {
        let (count, body) = match inner.strip_prefix('#') {
            Some(b) => (true, b),
            None => (false, inner),
        };
        let open = body.find('[')?;
        let name = &body[..open];
        let sub = body[open + 1..].strip_suffix(']')?;
        if !is_name(name) {
            return None;
        }
        let elems: Vec<String> = match self.arrays.get(name) {
            Some(a) => a.clone(),
            None => self.param(name).into_iter().collect(),
        };
        if sub == "@" || sub == "*" {
            return Some(Some(if count {
                elems.len().to_string()
            } else {
                elems.join(" ")
            }));
        }
        let sub = self.expand_one(cx, sub, self.cur_line);
        let idx = self.arith(&sub).unwrap_or(0);
        let idx = if idx < 0 {
            i64::try_from(elems.len()).unwrap_or(i64::MAX) + idx
        } else {
            idx
        };
        let v = usize::try_from(idx)
            .ok()
            .and_then(|k| elems.get(k).cloned());
        Some(if count {
            Some(v.map_or(0, |v| v.chars().count()).to_string())
        } else {
            v
        })
    }
}

/// The file of a command substitution that is only an input redirection (`$(<file)`,
/// `$( < "$f" )`), as a raw word.
fn redirect_only(inner: &str) -> Option<String> {
    let toks = Lexer {
        s: inner.as_bytes(),
        i: 0,
        depth: 0,
        dialect: Dialect::Dash,
    }
    .tokens()
    .ok()?;
    let toks: Vec<Tok> = toks
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t != Tok::Newline)
        .collect();
    match toks.as_slice() {
        [Tok::Redir(None | Some(0), "<"), Tok::Word(w)] => Some(w.clone()),
        _ => None,
    }
}

/// A word as bash's xtrace shows it: `''` when empty, single-quoted when it holds a
/// character special to the shell, `$'...'` when it holds a control or non-ASCII byte.
fn bash_trace_quote(w: &str) -> String {
    if w.is_empty() {
        return "''".into();
    }
    let mut prev = None;
    let mut metas = false;
    for (k, c) in w.chars().enumerate() {
        metas |= match c {
            ' ' | '\t' | '\n' | '\'' | '"' | '\\' | '|' | '&' | ';' | '(' | ')' | '<' | '>'
            | '!' | '{' | '}' | '*' | '[' | '?' | ']' | '^' | '$' | '`' => true,
            '~' => k == 0 || matches!(prev, Some('=' | ':')),
            '#' => k == 0,
            _ => false,
        };
        prev = Some(c);
    }
    if metas {
        if w == "'" {
            return "\\'".into();
        }
        return format!("'{}'", w.replace('\'', "'\\''"));
    }
    if w.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return w.to_string();
    }
    let mut out = String::from("$'");
    for b in w.bytes() {
        match b {
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x1b => out.push_str("\\E"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            0x0b => out.push_str("\\v"),
            0x20..0x7f => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('\'');
    out
}

/// A word as BusyBox ash's xtrace shows it (`maybe_single_quote`): quoted when it holds a
/// character outside `+,-./0-9:@A-Z]^_a-z`; quotes themselves go in double quotes.
fn ash_trace_quote(w: &str) -> String {
    let plain = w.bytes().all(|b| {
        !(b < b'+' || (b';'..=b'?').contains(&b) || matches!(b, b'[' | b'\\' | b'`') || b > b'z')
    });
    if plain {
        return w.to_string();
    }
    let mut out = String::new();
    let mut rest = w;
    while !rest.is_empty() {
        let k = rest.find('\'').unwrap_or(rest.len());
        if k > 0 {
            out.push_str(&format!("'{}'", &rest[..k]));
            rest = &rest[k..];
        }
        let q = rest.len() - rest.trim_start_matches('\'').len();
        if q > 0 {
            out.push_str(&format!("\"{}\"", &rest[..q]));
            rest = &rest[q..];
        }
    }
    out
}

/// The part of a bad arithmetic expression bash quotes: from the operator where an operand
/// was missing.
fn bash_error_token(expr: &str) -> String {
    let ops = "+-*/%";
    let chars: Vec<(usize, char)> = expr
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .collect();
    for w in chars.windows(2) {
        if ops.contains(w[0].1) && "*/%".contains(w[1].1) {
            return expr[w[1].0..].to_string();
        }
    }
    if chars.first().is_some_and(|(_, c)| "*/%".contains(*c)) {
        return expr.to_string();
    }
    match chars.iter().rev().find(|(_, c)| ops.contains(*c)) {
        Some((i, _)) => expr[*i..].to_string(),
        None => expr.to_string(),
    }
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for str {
    fn to_lowercase_first(&self) -> String {
        let mut c = self.chars();
        match c.next() {
            Some(f) => f.to_lowercase().chain(c).collect(),
            None => String::new(),
        }
    }
}

fn has_glob_meta(p: &str) -> bool {
    let mut esc = false;
    for c in p.chars() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if "*?[".contains(c) {
            return true;
        }
    }
    false
}

fn unescape_glob(p: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in p.chars() {
        if !esc && c == '\\' {
            esc = true;
        } else {
            out.push(c);
            esc = false;
        }
    }
    out
}

/// Shell pattern matching (`*`, `?`, `[...]`, backslash escapes).
pub fn glob_match(pat: &str, name: &str) -> bool {
    fn m(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| m(&p[1..], &n[k..])),
            Some('?') => !n.is_empty() && m(&p[1..], &n[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|c| *c == ']').map(|e| e + 1) else {
                    return n.first() == Some(&'[') && m(&p[1..], &n[1..]);
                };
                let Some(&c) = n.first() else { return false };
                let set = &p[1..end];
                let (neg, set) = match set.first() {
                    Some('!') | Some('^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut hit = false;
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        hit |= set[k] <= c && c <= set[k + 2];
                        k += 3;
                    } else {
                        hit |= set[k] == c;
                        k += 1;
                    }
                }
                hit != neg && m(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && m(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && m(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    m(&p, &n)
}

/// The dialect of the shell `name` in an image with `flavor` tools.
pub fn dialect(name: &str, flavor: crate::apps::Flavor) -> Dialect {
    match (flavor, name) {
        (_, "bash") => Dialect::Bash,
        (crate::apps::Flavor::Busybox, _) => Dialect::Ash,
        (crate::apps::Flavor::Gnu, _) => Dialect::Dash,
    }
}

/// The `sh`/`bash`/`ash` program: `sh -c 'script' [name args...]`, `sh script`, or a script
/// on stdin.
pub fn sh_program(cx: &mut ExecCx<'_>, argv: &[String]) -> crate::exec::ExecResult {
    let run = run_shell_argv(cx, argv, None);
    crate::exec::ExecResult {
        stdout: run.stdout(),
        stderr: run.stderr(),
        code: if run.forever { 130 } else { run.code },
    }
}

/// Runs a shell invocation; `deadline` bounds a script that would run forever.
pub fn run_shell_argv(cx: &mut ExecCx<'_>, argv: &[String], deadline: Option<SimTime>) -> ShellRun {
    let name = crate::exec::program_name(argv.first().map_or("sh", String::as_str)).to_string();
    let flavor = images::flavor(&cx.setup().image);
    let d = dialect(&name, flavor);
    let depth: u32 = cx
        .env
        .get(DEPTH_VAR)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if depth >= MAX_SHELL_DEPTH as u32 {
        return ShellRun {
            chunks: vec![Chunk {
                at: cx.now(),
                stream: Stream::Stderr,
                text: format!("{name}: can't fork: Resource temporarily unavailable\n"),
            }],
            code: 2,
            forever: false,
        };
    }
    let saved_depth = cx
        .env
        .insert(DEPTH_VAR.to_string(), (depth + 1).to_string());
    let mut sh = Shell::new(cx, d, &name);
    match saved_depth {
        Some(v) => cx.env.insert(DEPTH_VAR.to_string(), v),
        None => cx.env.remove(DEPTH_VAR),
    };
    sh.deadline = deadline;
    let args = &argv[1.min(argv.len())..];
    let mut i = 0;
    let mut script: Option<String> = None;
    while i < args.len() {
        let a = &args[i];
        let is_flags = a.starts_with('-') && a.len() > 1 && !a.starts_with("--");
        if is_flags {
            sh.errexit |= a.contains('e');
            sh.xtrace |= a.contains('x');
        }
        if is_flags && a.contains('c') {
            let Some(s) = args.get(i + 1) else {
                let msg = match d {
                    Dialect::Ash => "sh: -c requires an argument\n".to_string(),
                    Dialect::Dash => "sh: 0: -c requires an argument\n".to_string(),
                    Dialect::Bash => "bash: -c: option requires an argument\n".to_string(),
                };
                return ShellRun {
                    chunks: vec![Chunk {
                        at: cx.now(),
                        stream: Stream::Stderr,
                        text: msg,
                    }],
                    code: 2,
                    forever: false,
                };
            };
            script = Some(s.clone());
            if let Some(n) = args.get(i + 2) {
                sh.name = n.clone();
            }
            sh.set_params(
                args.get(i + 3..)
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
            );
            break;
        } else if a.starts_with('-') && a.len() > 1 {
            i += 1;
        } else {
            // A script file.
            let path = cx.abs(a);
            match cx.fs().read(&path) {
                Ok(b) => {
                    script = Some(String::from_utf8_lossy(&b).into_owned());
                    sh.set_params(args[i + 1..].to_vec());
                }
                Err(e) => {
                    let msg = match d {
                        Dialect::Ash => format!("sh: can't open '{a}': {e}\n"),
                        Dialect::Dash => format!("sh: 0: cannot open {a}: {e}\n"),
                        Dialect::Bash => format!("bash: {a}: {e}\n"),
                    };
                    return ShellRun {
                        chunks: vec![Chunk {
                            at: cx.now(),
                            stream: Stream::Stderr,
                            text: msg,
                        }],
                        code: if d == Dialect::Ash { 2 } else { 127 },
                        forever: false,
                    };
                }
            }
            break;
        }
    }
    let script = match script {
        Some(s) => s,
        None => {
            // The script is stdin; with none attached, end of file at once.
            let s = cx.stdin.take().unwrap_or_default();
            cx.stdin = Some(String::new());
            s
        }
    };
    sh.run_script(cx, &script)
}

/// Duration a `sleep` argument stands for (`10`, `1.5`, `2m`, `1h`, `1d`), `None` when bad.
pub fn sleep_duration(a: &str) -> Option<SimDuration> {
    let (num, mult) = match a.chars().last()? {
        's' => (&a[..a.len() - 1], 1000.0),
        'm' => (&a[..a.len() - 1], 60_000.0),
        'h' => (&a[..a.len() - 1], 3_600_000.0),
        'd' => (&a[..a.len() - 1], 86_400_000.0),
        _ => (a, 1000.0),
    };
    let v: f64 = num.parse().ok()?;
    if !(0.0..1e15).contains(&v) || !v.is_finite() {
        return None;
    }
    Some(SimDuration::from_ms((v * mult) as u64))
}
