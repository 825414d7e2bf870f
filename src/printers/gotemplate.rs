//! `kubectl get -o go-template=...` / `--template`: a practical subset of Go's `text/template`
//! over the object as JSON, with kubectl's defaults (`missingkey=default`: a missing key prints
//! `<no value>`) and its extra `base64decode` function.
//!
//! Supported: text with `{{- -}}` trimming and `{{/* comments */}}`; pipelines of fields
//! (`.a.b`, `$`, `$x.a`, `.`), literals (strings, raw strings, numbers, `true`, `false`, `nil`),
//! parenthesised pipelines and `|`; `if`/`else if`/`else`, `range` (with `$i, $v :=` and
//! `else`), `with`, variable declarations and assignments; functions `len`, `index`, `printf`,
//! `print`, `println`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `and`, `or`, `not`, `base64decode`.
//! Values print as Go's `fmt.Print` would (`map[k:v]`, `[a b]`, numbers as an unstructured
//! object holds them).
//!
//! Known differences: no `define`/`template`/`block`; error positions (`output:1:7`) are the
//! byte offset of the action rather than of the failing node; `printf` supports the verbs
//! `%s %d %v %q %t %f %x %%` with flags `-`, width and precision.

use serde_json::Value;

use super::jsonpath::{go_number, go_sprint};

/// A template error, worded after Go's `text/template` (`template: output:1: unclosed action`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

#[derive(Clone, Debug, PartialEq)]
enum Arg {
    Field(Option<String>, Vec<String>), // variable name (None = dot), then field chain
    Str(String),
    Num(Value),
    Bool(bool),
    Nil,
    Ident(String),
    Pipe(Box<Pipeline>),
}

#[derive(Clone, Debug, PartialEq)]
struct Command {
    args: Vec<Arg>,
}

#[derive(Clone, Debug, PartialEq)]
struct Pipeline {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Command>,
    pos: usize,
    text: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct GoTemplate {
    nodes: Vec<Node>,
}

// ------------------------------------------------------------------ lexing actions

enum Piece {
    Text(String),
    Action(String, usize),
}

fn split_pieces(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = src;
    let mut offset = 0;
    while let Some(i) = rest.find("{{") {
        let mut text = rest[..i].to_string();
        let after = &rest[i + 2..];
        let (trim_left, body_start) =
            if after.starts_with("- ") || after.starts_with("-\t") || after.starts_with("-\n") {
                (true, 1)
            } else {
                (false, 0)
            };
        if trim_left {
            text = text.trim_end().to_string();
        }
        pieces.push(Piece::Text(text));
        let body = &after[body_start..];
        let line = src[..offset + i].matches('\n').count() + 1;
        // Comments may contain "}}".
        let end = if body.trim_start().starts_with("/*") {
            body.find("*/")
                .and_then(|c| body[c..].find("}}").map(|e| c + e))
        } else {
            find_close(body)
        };
        let Some(end) = end else {
            return Err(TemplateError(format!(
                "template: output:{line}: unclosed action"
            )));
        };
        let mut inner = &body[..end];
        let mut trim_right = false;
        if inner.ends_with(" -") || inner.ends_with("\t-") || inner.ends_with("\n-") {
            inner = &inner[..inner.len() - 1];
            trim_right = true;
        }
        pieces.push(Piece::Action(
            inner.to_string(),
            offset + i + 2 + body_start,
        ));
        let consumed = i + 2 + body_start + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
        if trim_right {
            let trimmed = rest.trim_start();
            offset += rest.len() - trimmed.len();
            rest = trimmed;
        }
    }
    pieces.push(Piece::Text(rest.to_string()));
    Ok(pieces)
}

/// The `}}` closing an action, skipping quoted strings.
fn find_close(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            b'\n' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

// ------------------------------------------------------------------ parsing pipelines

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Pipe,
    Open,
    Close,
    Declare,
    Assign,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            '(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            ')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '"' => {
                let mut j = i + 1;
                let mut raw = String::from("\"");
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        raw.push(chars[j]);
                        j += 1;
                    }
                    raw.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err("unterminated quoted string".to_string());
                }
                raw.push('"');
                toks.push(Tok::Str(unquote(&raw)?));
                i = j + 1;
            }
            '`' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '`' {
                    j += 1;
                }
                if j >= chars.len() {
                    return Err("unterminated raw quoted string".to_string());
                }
                toks.push(Tok::Str(chars[i + 1..j].iter().collect()));
                i = j + 1;
            }
            _ => {
                let mut j = i;
                while j < chars.len() && !" \t\n\r|(),=".contains(chars[j]) {
                    if chars[j] == ':' && chars.get(j + 1) == Some(&'=') {
                        break;
                    }
                    j += 1;
                }
                toks.push(Tok::Word(chars[i..j].iter().collect()));
                i = j;
            }
        }
    }
    Ok(toks)
}

fn unquote(raw: &str) -> Result<String, String> {
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                let v = u32::from_str_radix(&h, 16).map_err(|_| "invalid syntax".to_string())?;
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            Some('u') => {
                let h: String = it.by_ref().take(4).collect();
                let v = u32::from_str_radix(&h, 16).map_err(|_| "invalid syntax".to_string())?;
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            _ => return Err("invalid syntax".to_string()),
        }
    }
    Ok(out)
}

fn parse_word(w: &str) -> Result<Arg, String> {
    if w == "." {
        return Ok(Arg::Field(None, vec![]));
    }
    if let Some(rest) = w.strip_prefix('.') {
        return Ok(Arg::Field(
            None,
            rest.split('.').map(str::to_string).collect(),
        ));
    }
    if let Some(rest) = w.strip_prefix('$') {
        let mut parts = rest.split('.');
        let var = format!("${}", parts.next().unwrap_or(""));
        return Ok(Arg::Field(Some(var), parts.map(str::to_string).collect()));
    }
    match w {
        "true" => return Ok(Arg::Bool(true)),
        "false" => return Ok(Arg::Bool(false)),
        "nil" => return Ok(Arg::Nil),
        _ => {}
    }
    if w.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') {
        if let Ok(i) = w.parse::<i64>() {
            return Ok(Arg::Num(Value::from(i)));
        }
        if let Ok(f) = w.parse::<f64>() {
            return Ok(Arg::Num(
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            ));
        }
        return Err(format!("bad number syntax: {w:?}"));
    }
    Ok(Arg::Ident(w.to_string()))
}

fn parse_pipeline(toks: &[Tok], pos: usize, text: &str) -> Result<Pipeline, String> {
    let mut decl = Vec::new();
    let mut assign = false;
    let mut i = 0;
    // `$x :=`, `$i, $v :=`, `$x =`
    let mut j = 0;
    let mut vars = Vec::new();
    while let Some(Tok::Word(w)) = toks.get(j) {
        if !w.starts_with('$') {
            break;
        }
        vars.push(w.clone());
        j += 1;
        if toks.get(j) == Some(&Tok::Comma) {
            j += 1;
            continue;
        }
        break;
    }
    if !vars.is_empty() && matches!(toks.get(j), Some(Tok::Declare) | Some(Tok::Assign)) {
        assign = toks.get(j) == Some(&Tok::Assign);
        decl = vars;
        i = j + 1;
    }
    let mut cmds = Vec::new();
    let mut args = Vec::new();
    while i < toks.len() {
        match &toks[i] {
            Tok::Pipe => {
                if args.is_empty() {
                    return Err("missing command".to_string());
                }
                cmds.push(Command {
                    args: std::mem::take(&mut args),
                });
                i += 1;
            }
            Tok::Open => {
                let mut depth = 1;
                let mut k = i + 1;
                while k < toks.len() && depth > 0 {
                    match toks[k] {
                        Tok::Open => depth += 1,
                        Tok::Close => depth -= 1,
                        _ => {}
                    }
                    k += 1;
                }
                if depth != 0 {
                    return Err("unclosed left paren".to_string());
                }
                let inner = parse_pipeline(&toks[i + 1..k - 1], pos, text)?;
                // A field after a parenthesised pipeline: `(index .x 0).name`.
                args.push(Arg::Pipe(Box::new(inner)));
                i = k;
            }
            Tok::Close => return Err("unexpected right paren".to_string()),
            Tok::Word(w) => {
                args.push(parse_word(w)?);
                i += 1;
            }
            Tok::Str(s) => {
                args.push(Arg::Str(s.clone()));
                i += 1;
            }
            Tok::Declare | Tok::Assign | Tok::Comma => {
                return Err("unexpected token in command".to_string());
            }
        }
    }
    if !args.is_empty() {
        cmds.push(Command { args });
    }
    if cmds.is_empty() {
        return Err("missing value for command".to_string());
    }
    Ok(Pipeline {
        decl,
        assign,
        cmds,
        pos,
        text: text.trim().to_string(),
    })
}

struct Builder {
    pieces: Vec<(Piece, usize)>,
    i: usize,
}

enum Stop {
    End,
    Else(Option<Pipeline>),
    Eof,
}

fn line_of(src: &str, pos: usize) -> usize {
    src[..pos.min(src.len())].matches('\n').count() + 1
}

impl Builder {
    fn list(&mut self, src: &str) -> Result<(Vec<Node>, Stop), TemplateError> {
        let mut nodes = Vec::new();
        while self.i < self.pieces.len() {
            let (piece, _) = &self.pieces[self.i];
            self.i += 1;
            match piece {
                Piece::Text(t) => {
                    if !t.is_empty() {
                        nodes.push(Node::Text(t.clone()));
                    }
                }
                Piece::Action(a, pos) => {
                    let pos = *pos;
                    let a = a.trim();
                    let line = line_of(src, pos);
                    let perr = |m: String| TemplateError(format!("template: output:{line}: {m}"));
                    if a.starts_with("/*") {
                        continue;
                    }
                    let toks = tokenize(a).map_err(perr)?;
                    let first = match toks.first() {
                        Some(Tok::Word(w)) => w.as_str(),
                        _ => "",
                    };
                    match first {
                        "end" => return Ok((nodes, Stop::End)),
                        "else" => {
                            if toks.len() > 1 && toks[1] == Tok::Word("if".into()) {
                                let p = parse_pipeline(&toks[2..], pos, a).map_err(perr)?;
                                return Ok((nodes, Stop::Else(Some(p))));
                            }
                            return Ok((nodes, Stop::Else(None)));
                        }
                        "if" | "range" | "with" => {
                            let p = parse_pipeline(&toks[1..], pos, a).map_err(perr)?;
                            let node = self.block(first, p, src, line)?;
                            nodes.push(node);
                        }
                        "define" | "template" | "block" | "break" | "continue" => {
                            return Err(perr(format!("{first} is not supported")));
                        }
                        _ => {
                            let p = parse_pipeline(&toks, pos, a).map_err(perr)?;
                            nodes.push(Node::Action(p));
                        }
                    }
                }
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn block(
        &mut self,
        kind: &str,
        p: Pipeline,
        src: &str,
        line: usize,
    ) -> Result<Node, TemplateError> {
        let (body, stop) = self.list(src)?;
        let els = match stop {
            Stop::End => Vec::new(),
            Stop::Eof => {
                return Err(TemplateError(format!(
                    "template: output:{line}: unexpected EOF"
                )));
            }
            Stop::Else(None) => {
                let (els, stop) = self.list(src)?;
                if !matches!(stop, Stop::End) {
                    return Err(TemplateError(format!(
                        "template: output:{line}: expected end; found else"
                    )));
                }
                els
            }
            Stop::Else(Some(cond)) => {
                // `else if` is an if nested in the else branch sharing the one `end`.
                vec![self.block("if", cond, src, line)?]
            }
        };
        Ok(match kind {
            "if" => Node::If(p, body, els),
            "range" => Node::Range(p, body, els),
            _ => Node::With(p, body, els),
        })
    }
}

impl GoTemplate {
    /// Parses a template; `Err` is Go's parse error text.
    pub fn parse(src: &str) -> Result<GoTemplate, TemplateError> {
        let pieces = split_pieces(src)?;
        let mut b = Builder {
            pieces: pieces.into_iter().map(|p| (p, 0)).collect(),
            i: 0,
        };
        let (nodes, stop) = b.list(src)?;
        match stop {
            Stop::Eof => Ok(GoTemplate { nodes }),
            Stop::End => Err(TemplateError(
                "template: output:1: unexpected {{end}}".to_string(),
            )),
            Stop::Else(_) => Err(TemplateError(
                "template: output:1: unexpected {{else}}".to_string(),
            )),
        }
    }

    /// Executes the template on `data`.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let mut st = State {
            vars: vec![("$".to_string(), V::Val(data.clone()))],
            out: String::new(),
        };
        st.walk(&self.nodes, &V::Val(data.clone()))?;
        Ok(st.out)
    }
}

// ------------------------------------------------------------------ evaluation

/// A template value: a JSON value, or the invalid value of a missing key.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Val(Value),
    Missing,
}

impl V {
    fn truth(&self) -> bool {
        match self {
            V::Missing | V::Val(Value::Null) => false,
            V::Val(Value::Bool(b)) => *b,
            V::Val(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
            V::Val(Value::String(s)) => !s.is_empty(),
            V::Val(Value::Array(a)) => !a.is_empty(),
            V::Val(Value::Object(m)) => !m.is_empty(),
        }
    }

    fn print(&self) -> String {
        match self {
            V::Missing | V::Val(Value::Null) => "<no value>".to_string(),
            V::Val(v) => go_sprint(v),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            V::Missing => "interface {}",
            V::Val(v) => super::jsonpath::go_type_name(v),
        }
    }
}

struct State {
    vars: Vec<(String, V)>,
    out: String,
}

fn exec_err(p: &Pipeline, msg: &str) -> TemplateError {
    TemplateError(format!(
        "template: output:1:{}: executing \"output\" at <{}>: {msg}",
        p.pos, p.text
    ))
}

impl State {
    fn walk(&mut self, nodes: &[Node], dot: &V) -> Result<(), TemplateError> {
        for n in nodes {
            match n {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    if p.decl.is_empty() {
                        self.out.push_str(&v.print());
                    }
                }
                Node::If(p, body, els) => {
                    let mark = self.vars.len();
                    let v = self.pipeline(p, dot)?;
                    if v.truth() {
                        self.walk(body, dot)?;
                    } else {
                        self.walk(els, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::With(p, body, els) => {
                    let mark = self.vars.len();
                    let v = self.pipeline(p, dot)?;
                    if v.truth() {
                        self.walk(body, &v)?;
                    } else {
                        self.walk(els, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::Range(p, body, els) => {
                    let mark = self.vars.len();
                    let mut plain = p.clone();
                    plain.decl.clear();
                    let v = self.pipeline(&plain, dot)?;
                    let items: Vec<(V, V)> = match &v {
                        V::Val(Value::Array(a)) => a
                            .iter()
                            .enumerate()
                            .map(|(i, x)| (V::Val(Value::from(i as i64)), V::Val(x.clone())))
                            .collect(),
                        V::Val(Value::Object(m)) => m
                            .iter()
                            .map(|(k, x)| (V::Val(Value::String(k.clone())), V::Val(x.clone())))
                            .collect(),
                        V::Val(Value::Null) | V::Missing => Vec::new(),
                        other => {
                            return Err(exec_err(
                                p,
                                &format!("range can't iterate over {}", other.print()),
                            ));
                        }
                    };
                    if items.is_empty() {
                        self.walk(els, dot)?;
                    }
                    for (k, x) in items {
                        let inner = self.vars.len();
                        match p.decl.as_slice() {
                            [v1] => self.vars.push((v1.clone(), x.clone())),
                            [k1, v1] => {
                                self.vars.push((k1.clone(), k));
                                self.vars.push((v1.clone(), x.clone()));
                            }
                            _ => {}
                        }
                        self.walk(body, &x)?;
                        self.vars.truncate(inner);
                    }
                    self.vars.truncate(mark);
                }
            }
        }
        Ok(())
    }

    fn var(&self, name: &str) -> Option<V> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn pipeline(&mut self, p: &Pipeline, dot: &V) -> Result<V, TemplateError> {
        let mut last: Option<V> = None;
        for c in &p.cmds {
            last = Some(self.command(p, c, dot, last)?);
        }
        let v = last.unwrap_or(V::Missing);
        if !p.decl.is_empty() {
            let name = p.decl[p.decl.len() - 1].clone();
            if p.assign {
                if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
                    slot.1 = v.clone();
                }
            } else {
                self.vars.push((name, v.clone()));
            }
        }
        Ok(v)
    }

    fn field(&self, p: &Pipeline, base: V, chain: &[String]) -> Result<V, TemplateError> {
        let mut cur = base;
        for name in chain {
            cur = match cur {
                V::Val(Value::Object(m)) => match m.get(name) {
                    Some(x) => V::Val(x.clone()),
                    None => V::Missing,
                },
                V::Val(Value::Null) | V::Missing => {
                    return Err(exec_err(
                        p,
                        &format!("nil pointer evaluating interface {{}}.{name}"),
                    ));
                }
                other => {
                    return Err(exec_err(
                        p,
                        &format!(
                            "can't evaluate field {name} in type {}",
                            if matches!(other, V::Val(Value::Array(_))) {
                                "interface {}"
                            } else {
                                other.type_name()
                            }
                        ),
                    ));
                }
            };
        }
        Ok(cur)
    }

    fn arg(&mut self, p: &Pipeline, a: &Arg, dot: &V) -> Result<V, TemplateError> {
        match a {
            Arg::Field(None, chain) => self.field(p, dot.clone(), chain),
            Arg::Field(Some(var), chain) => {
                let base = self
                    .var(var)
                    .ok_or_else(|| exec_err(p, &format!("undefined variable: {var}")))?;
                self.field(p, base, chain)
            }
            Arg::Str(s) => Ok(V::Val(Value::String(s.clone()))),
            Arg::Num(n) => Ok(V::Val(n.clone())),
            Arg::Bool(b) => Ok(V::Val(Value::Bool(*b))),
            Arg::Nil => Ok(V::Val(Value::Null)),
            Arg::Pipe(inner) => self.pipeline(inner, dot),
            Arg::Ident(name) => self.call(p, name, &[], dot),
        }
    }

    fn command(
        &mut self,
        p: &Pipeline,
        c: &Command,
        dot: &V,
        prev: Option<V>,
    ) -> Result<V, TemplateError> {
        match &c.args[0] {
            Arg::Ident(name) => {
                let mut args = Vec::new();
                for a in &c.args[1..] {
                    args.push(self.arg(p, a, dot)?);
                }
                if let Some(prev) = prev {
                    args.push(prev);
                }
                self.call(p, name, &args, dot)
            }
            first => {
                if c.args.len() > 1 || prev.is_some() {
                    return Err(exec_err(p, "can't give argument to non-function"));
                }
                self.arg(p, first, dot)
            }
        }
    }

    fn call(&mut self, p: &Pipeline, name: &str, args: &[V], _dot: &V) -> Result<V, TemplateError> {
        let want = |n: usize| -> Result<(), TemplateError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(exec_err(
                    p,
                    &format!(
                        "wrong number of args for {name}: want {n} got {}",
                        args.len()
                    ),
                ))
            }
        };
        let val = |v: &V| match v {
            V::Val(x) => x.clone(),
            V::Missing => Value::Null,
        };
        match name {
            "len" => {
                want(1)?;
                let n = match &args[0] {
                    V::Val(Value::String(s)) => s.len(),
                    V::Val(Value::Array(a)) => a.len(),
                    V::Val(Value::Object(m)) => m.len(),
                    other => {
                        return Err(exec_err(
                            p,
                            &format!("error calling len: len of type {}", other.type_name()),
                        ));
                    }
                };
                Ok(V::Val(Value::from(n as i64)))
            }
            "index" => {
                if args.is_empty() {
                    return Err(exec_err(
                        p,
                        "wrong number of args for index: want at least 1 got 0",
                    ));
                }
                let mut cur = args[0].clone();
                for k in &args[1..] {
                    cur = match (&cur, k) {
                        (V::Val(Value::Object(m)), V::Val(Value::String(key))) => {
                            m.get(key).map_or(V::Missing, |x| V::Val(x.clone()))
                        }
                        (V::Val(Value::Array(a)), V::Val(Value::Number(n))) => {
                            let i = n.as_i64().unwrap_or(-1);
                            match usize::try_from(i).ok().and_then(|i| a.get(i)) {
                                Some(x) => V::Val(x.clone()),
                                None => {
                                    return Err(exec_err(
                                        p,
                                        &format!("error calling index: index out of range: {i}"),
                                    ));
                                }
                            }
                        }
                        (V::Val(Value::Null) | V::Missing, _) => {
                            return Err(exec_err(p, "error calling index: index of untyped nil"));
                        }
                        (other, _) => {
                            return Err(exec_err(
                                p,
                                &format!(
                                    "error calling index: can't index item of type {}",
                                    other.type_name()
                                ),
                            ));
                        }
                    };
                }
                Ok(cur)
            }
            "printf" => {
                let Some(V::Val(Value::String(fmt))) = args.first() else {
                    return Err(exec_err(p, "wrong type for value; expected string"));
                };
                Ok(V::Val(Value::String(go_printf(fmt, &args[1..]))))
            }
            "print" | "println" => {
                let mut s = String::new();
                for (i, a) in args.iter().enumerate() {
                    let is_str = matches!(a, V::Val(Value::String(_)));
                    let prev_str = i > 0 && matches!(args[i - 1], V::Val(Value::String(_)));
                    if i > 0 && (name == "println" || (!is_str && !prev_str)) {
                        s.push(' ');
                    }
                    s.push_str(&sprint_arg(a));
                }
                if name == "println" {
                    s.push('\n');
                }
                Ok(V::Val(Value::String(s)))
            }
            "not" => {
                want(1)?;
                Ok(V::Val(Value::Bool(!args[0].truth())))
            }
            "and" => Ok(args
                .iter()
                .find(|a| !a.truth())
                .or(args.last())
                .cloned()
                .unwrap_or(V::Missing)),
            "or" => Ok(args
                .iter()
                .find(|a| a.truth())
                .or(args.last())
                .cloned()
                .unwrap_or(V::Missing)),
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if args.len() < 2 {
                    return Err(exec_err(
                        p,
                        &format!("wrong number of args for {name}: want 2 got {}", args.len()),
                    ));
                }
                let a = val(&args[0]);
                if name == "eq" {
                    for b in &args[1..] {
                        if cmp(&a, &val(b))
                            .map_err(|m| exec_err(p, &format!("error calling eq: {m}")))?
                            == std::cmp::Ordering::Equal
                        {
                            return Ok(V::Val(Value::Bool(true)));
                        }
                    }
                    return Ok(V::Val(Value::Bool(false)));
                }
                want(2)?;
                let o = cmp(&a, &val(&args[1]))
                    .map_err(|m| exec_err(p, &format!("error calling {name}: {m}")))?;
                use std::cmp::Ordering::*;
                let r = match name {
                    "ne" => o != Equal,
                    "lt" => o == Less,
                    "le" => o != Greater,
                    "gt" => o == Greater,
                    _ => o != Less,
                };
                Ok(V::Val(Value::Bool(r)))
            }
            "base64decode" => {
                want(1)?;
                let s = match &args[0] {
                    V::Val(Value::String(s)) => s.clone(),
                    _ => String::new(),
                };
                match base64_decode(&s) {
                    Some(bytes) => Ok(V::Val(Value::String(
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ))),
                    None => Err(exec_err(
                        p,
                        "error calling base64decode: base64 decode failed: illegal base64 data",
                    )),
                }
            }
            other => Err(TemplateError(format!(
                "template: output:1: function {other:?} not defined"
            ))),
        }
    }
}

fn sprint_arg(v: &V) -> String {
    match v {
        V::Missing | V::Val(Value::Null) => "<nil>".to_string(),
        V::Val(x) => go_sprint(x),
    }
}

fn cmp(a: &Value, b: &Value) -> Result<std::cmp::Ordering, &'static str> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Ok(x.cmp(y)),
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                return Ok(i.cmp(&j));
            }
            if x.is_i64() != y.is_i64() {
                return Err("incompatible types for comparison");
            }
            let (i, j) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            Ok(i.partial_cmp(&j).unwrap_or(std::cmp::Ordering::Equal))
        }
        (Value::Null, Value::Null) => Ok(std::cmp::Ordering::Equal),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
            Err("invalid type for comparison")
        }
        _ => Err("incompatible types for comparison"),
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    let s = s.trim_end_matches('=');
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// A subset of Go's `fmt.Sprintf`: verbs `s d v q t f x %`, flag `-`, width, precision.
fn go_printf(fmt: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut argi = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut prec: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        argi += 1;
        let value = match arg {
            V::Val(v) => v.clone(),
            V::Missing => Value::Null,
        };
        let text = match (verb, &value) {
            ('d', Value::Number(n)) if n.is_i64() => go_number(n),
            ('f', Value::Number(n)) => {
                format!("{:.*}", prec.unwrap_or(6), n.as_f64().unwrap_or(0.0))
            }
            ('q', Value::String(s)) => crate::api::field::go_quote(s),
            ('x', Value::Number(n)) if n.is_i64() => format!("{:x}", n.as_i64().unwrap_or(0)),
            ('x', Value::String(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('t', Value::Bool(b)) => b.to_string(),
            ('s' | 'v', Value::Null) => "<nil>".to_string(),
            ('s' | 'v', v) => {
                let s = go_sprint(v);
                match prec {
                    Some(p) if verb == 's' => s.chars().take(p).collect(),
                    _ => s,
                }
            }
            (verb, v) => format!(
                "%!{verb}({}={})",
                super::jsonpath::go_type_name(v),
                go_sprint(v)
            ),
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = text.chars().count();
        if len < w {
            let pad = w - len;
            if left {
                out.push_str(&text);
                out.push_str(&" ".repeat(pad));
            } else if zero && matches!(verb, 'd' | 'f' | 'x') {
                out.push_str(&"0".repeat(pad));
                out.push_str(&text);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
    }
    if argi < args.len() {
        let extra: Vec<String> = args[argi..]
            .iter()
            .map(|a| match a {
                V::Val(v) => format!("{}={}", super::jsonpath::go_type_name(v), go_sprint(v)),
                V::Missing => "<nil>".to_string(),
            })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

/// `kubectl ... -o go-template=TEMPLATE`. `Err` is kubectl's message after `error: `.
pub fn print_go_template(template: &str, data: &Value) -> Result<String, String> {
    let t = GoTemplate::parse(template)
        .map_err(|e| format!("error parsing template {template}, {e}\n"))?;
    t.execute(data).map_err(|e| {
        format!(
            "error executing template {}: {e}",
            crate::api::field::go_quote(template)
        )
    })
}
