//! kubectl's JSONPath (`k8s.io/client-go/util/jsonpath`) over JSON values, and the
//! `-o jsonpath=...` printer around it, with kubectl's output and error texts.
//!
//! What it reproduces:
//!
//! - the template grammar: text outside `{}`; inside, `.field` (with `\.` escapes), `..`
//!   (recursive descent), `[n]`, `[-1]`, `[a:b]`, `[*]`, unions `[0,1]`, `['key']` (which, as
//!   upstream, is re-parsed as `.key`, so a dotted key must be escaped instead), filters
//!   `[?(@.a=="x")]` with `== != < > <= >=` or existence, string literals `{"\n"}`, `$`/`@`,
//!   `range` ... `end`;
//! - printing: results of one action separated by spaces; strings raw; numbers as an
//!   unstructured object holds them; `true`/`false`; `null`; maps and lists as compact JSON;
//! - missing keys print nothing (kubectl's `--allow-missing-template-keys` default);
//! - errors as kubectl words them, including the `%#v` dump of the object.
//!
//! Known differences: Go iterates map keys at random for `.*` and `..`; this module uses the
//! sorted order kubectl happens to print in practice.

use serde_json::Value;

use super::gonum::g_float;
use super::json::to_json_compact;

/// A JSONPath parse or execution error, worded as client-go words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonPathError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, JsonPathError> {
    Err(JsonPathError(msg.into()))
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
    List(Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonPath {
    root: Vec<Node>,
    allow_missing_keys: bool,
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    root: Vec<Node>,
}

const EOF: Option<char> = None;

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Parser {
            input,
            pos: 0,
            start: 0,
            width: 0,
            root: Vec::new(),
        }
    }

    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn consume(&mut self) -> String {
        let v = self.input[self.start..self.pos].to_string();
        self.start = self.pos;
        v
    }

    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    /// Parses the whole input into the root list.
    fn parse(mut self) -> Result<Vec<Node>, JsonPathError> {
        self.parse_text()?;
        Ok(self.root)
    }

    fn parse_text(&mut self) -> Result<(), JsonPathError> {
        loop {
            if self.rest().starts_with('{') {
                if self.pos > self.start {
                    let t = self.consume();
                    self.root.push(Node::Text(t));
                }
                return self.parse_left_delim();
            }
            if self.next().is_none() {
                break;
            }
        }
        if self.pos > self.start {
            let t = self.consume();
            self.root.push(Node::Text(t));
        }
        Ok(())
    }

    fn parse_left_delim(&mut self) -> Result<(), JsonPathError> {
        self.pos += 1;
        self.consume();
        let mut cur = Vec::new();
        let result = self.parse_inside_action(&mut cur);
        // The list is in the tree whether or not the action parsed.
        result
    }

    fn finish_action(&mut self, cur: Vec<Node>) -> Result<(), JsonPathError> {
        self.root.push(Node::List(cur));
        self.parse_text()
    }

    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            if self.rest().starts_with('}') {
                self.pos += 1;
                self.consume();
                let list = std::mem::take(cur);
                return self.finish_action(list);
            }
            if self.rest().starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.rest().starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return err("invalid multiple recursive descent");
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    self.parse_field(cur);
                }
                continue;
            }
            match self.next() {
                None | Some('\r') | Some('\n') => return err("unclosed action"),
                Some(' ') | Some('@') | Some('$') => {
                    self.consume();
                }
                Some('[') => self.parse_array(cur)?,
                Some(q @ ('"' | '\'')) => self.parse_quote(cur, q)?,
                Some('.') => self.parse_field(cur),
                Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(c) => {
                    return err(format!(
                        "unrecognized character in action: U+{:04X} '{c}'",
                        u32::from(c)
                    ));
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                if r.is_some() {
                    self.backup();
                }
                break;
            }
        }
        let value = self.consume();
        match value.as_str() {
            "true" => cur.push(Node::Bool(true)),
            "false" => cur.push(Node::Bool(false)),
            _ => cur.push(Node::Identifier(value)),
        }
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        if matches!(self.peek(), Some('+') | Some('-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || c.is_ascii_digit() => {}
                Some(_) => {
                    self.backup();
                    break;
                }
                None => break,
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        if let Ok(f) = value.parse::<f64>() {
            cur.push(Node::Float(f));
            return Ok(());
        }
        err(format!("cannot parse number {value}"))
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        loop {
            match self.next() {
                None | Some('\n') => return err("unterminated array"),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.consume();
        let mut text = text[1..text.len() - 1].to_string();
        if text == "*" {
            text = ":".to_string();
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
            let key = &text[1..text.len() - 1];
            if !key.contains('\'') {
                let nodes = parse_action(&format!(".{key}"))?;
                cur.extend(nodes);
                return Ok(());
            }
        }
        let params = parse_slice(&text)?;
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), JsonPathError> {
        self.pos += 3;
        self.consume();
        let mut begin = false;
        let mut end = false;
        let mut pair = '"';
        loop {
            match self.next() {
                None | Some('\n') => return err("unterminated filter"),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    let escaped = self.pos >= 2 && self.input.as_bytes()[self.pos - 2] == b'\\';
                    if !escaped && q == pair {
                        end = true;
                    }
                }
                Some(')') => {
                    if begin == end {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return err("unclosed array expect ]");
        }
        let text = self.consume();
        let text = &text[..text.len() - 2];
        match split_filter(text) {
            None => {
                let left = parse_action(text)?;
                cur.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".to_string(),
                });
            }
            Some((l, op, r)) => {
                let left = parse_action(l)?;
                let right = parse_action(r)?;
                cur.push(Node::Filter {
                    left,
                    right,
                    op: op.to_string(),
                });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, quote: char) -> Result<(), JsonPathError> {
        loop {
            match self.next() {
                None | Some('\n') => return err("unterminated quoted string"),
                Some(c) if c == quote => {
                    if self.input.as_bytes()[self.pos - 2] != b'\\' {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        let value = self.consume();
        match unquote_extend(&value) {
            Ok(s) => {
                cur.push(Node::Text(s));
                Ok(())
            }
            Err(e) => err(format!("unquote string {value} error {e}")),
        }
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let r = self.next();
            if r == Some('\\') {
                self.next();
                continue;
            }
            if is_terminator(r) {
                if r.is_some() {
                    self.backup();
                }
                break;
            }
        }
        let value = self.consume();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }
}

/// `parseAction`: parses `{text}` and returns the nodes of its single action.
fn parse_action(text: &str) -> Result<Vec<Node>, JsonPathError> {
    let input = format!("{{{text}}}");
    let root = Parser::new(&input).parse()?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

/// The filter regexp `^([^!<>=]+)([!<>=]+)(.+?)$`.
fn split_filter(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let start = text.find(is_op)?;
    if start == 0 {
        return None;
    }
    let rest = &text[start..];
    let op_len = rest.find(|c| !is_op(c))?;
    let right = &rest[op_len..];
    if right.is_empty() || right.contains('\n') {
        return None;
    }
    Some((&text[..start], &rest[..op_len], right))
}

/// The slice regexp `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` and its parameters.
fn parse_slice(text: &str) -> Result<[Param; 3], JsonPathError> {
    let invalid = || JsonPathError(format!("invalid array index {text}"));
    let groups: Vec<&str> = text.split(':').collect();
    if groups.len() > 3 {
        return Err(invalid());
    }
    let number_like = |s: &str| {
        let s = s.strip_prefix('-').unwrap_or(s);
        s.chars().all(|c| c.is_ascii_digit())
    };
    if !groups.iter().all(|g| number_like(g)) {
        return Err(invalid());
    }
    let mut params = [Param {
        value: 0,
        known: false,
        derived: false,
    }; 3];
    for i in 0..3 {
        match groups.get(i) {
            Some(g) if !g.is_empty() => {
                params[i].known = true;
                params[i].value = g
                    .parse::<i64>()
                    .map_err(|_| JsonPathError(format!("array index {g} is not a number")))?;
            }
            Some(_) if i > 0 => params[i].known = false,
            _ => {
                if i == 1 {
                    params[i] = Param {
                        value: params[0].value + 1,
                        known: true,
                        derived: true,
                    };
                }
            }
        }
    }
    Ok(params)
}

/// `UnquoteExtend`: Go's `strconv.Unquote` that also accepts single-quoted strings.
fn unquote_extend(s: &str) -> Result<String, &'static str> {
    let bytes = s.as_bytes();
    if bytes.len() < 2 || bytes[0] != bytes[bytes.len() - 1] {
        return Err("invalid syntax");
    }
    let quote = bytes[0] as char;
    if quote != '"' && quote != '\'' {
        return Err("invalid syntax");
    }
    let inner = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            return Err("invalid syntax");
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next().ok_or("invalid syntax")?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' | '"' if e == quote => out.push(e),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                if hex.len() != n {
                    return Err("invalid syntax");
                }
                let v = u32::from_str_radix(&hex, 16).map_err(|_| "invalid syntax")?;
                out.push(char::from_u32(v).ok_or("invalid syntax")?);
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = chars
                        .next()
                        .and_then(|c| c.to_digit(8))
                        .ok_or("invalid syntax")?;
                    v = v * 8 + d;
                }
                out.push(char::from_u32(v).ok_or("invalid syntax")?);
            }
            _ => return Err("invalid syntax"),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- values as Go prints them

/// Go's type name of a JSON value as decoded into `interface{}`.
pub(crate) fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A number as an unstructured object holds it: `int64` text, else Go's `%v` of a float64.
pub(crate) fn go_number(n: &serde_json::Number) -> String {
    match n.as_i64() {
        Some(i) => i.to_string(),
        None => g_float(n.as_f64().unwrap_or(0.0)),
    }
}

/// `fmt.Sprint` of a JSON value: `map[k:v]`, `[a b]`, `<nil>`.
pub(crate) fn go_sprint(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_sprint(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// `fmt.Sprintf("%#v", v)` of a JSON value decoded into `interface{}`.
pub(crate) fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number(n),
        Value::String(s) => crate::api::field::go_quote(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", crate::api::field::go_quote(k), go_sharp_v(v)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

// ---------------------------------------------------------------- evaluation

struct Exec {
    allow_missing_keys: bool,
    stack: Vec<Vec<Value>>,
    cur: Vec<Value>,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
}

fn basic_kind(v: &Value) -> Option<u8> {
    match v {
        Value::Bool(_) => Some(0),
        Value::Number(n) if n.is_i64() => Some(1),
        Value::Number(n) if n.is_u64() => Some(1),
        Value::Number(_) => Some(2),
        Value::String(_) => Some(3),
        _ => None,
    }
}

/// The comparisons of the forked `text/template` package.
fn compare(op: &str, left: &Value, right: &Value) -> Result<bool, JsonPathError> {
    let (lk, rk) = (basic_kind(left), basic_kind(right));
    let eq_only = op == "==" || op == "!=";
    let lk = match lk {
        Some(k) => k,
        None => return err("invalid type for comparison"),
    };
    if rk.is_none() {
        return err("invalid type for comparison");
    }
    if Some(lk) != rk {
        return err("incompatible types for comparison");
    }
    let ord = match (left, right) {
        (Value::Bool(a), Value::Bool(b)) => {
            if !eq_only {
                return err("invalid type for comparison");
            }
            a.cmp(b)
        }
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) if lk == 1 => {
            let a = a.as_i64().map(i128::from).or(a.as_u64().map(i128::from));
            let b = b.as_i64().map(i128::from).or(b.as_u64().map(i128::from));
            a.cmp(&b)
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
        }
        _ => return err("invalid type for comparison"),
    };
    use std::cmp::Ordering::*;
    Ok(match op {
        "==" => ord == Equal,
        "!=" => ord != Equal,
        "<" => ord == Less,
        ">" => ord == Greater,
        "<=" => ord != Greater,
        ">=" => ord != Less,
        other => return err(format!("unrecognized filter operator {other}")),
    })
}

fn children(v: &Value) -> Vec<Value> {
    match v {
        Value::Object(m) => m.values().cloned().collect(),
        Value::Array(a) => a.clone(),
        _ => Vec::new(),
    }
}

impl Exec {
    fn find_results(
        &mut self,
        data: Value,
        nodes: &[Node],
    ) -> Result<Vec<Vec<Value>>, JsonPathError> {
        self.cur = vec![data];
        let mut full = Vec::new();
        let mut i = 0;
        while i < nodes.len() {
            let cur = self.cur.clone();
            let results = self.walk(cur, &nodes[i])?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                let n = results.len();
                for (k, value) in results.into_iter().enumerate() {
                    if k == n - 1 {
                        self.in_range -= 1;
                    }
                    let next = self.find_results(value, &nodes[i + 1..])?;
                    full.extend(next);
                }
                break;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk(&mut self, input: Vec<Value>, node: &Node) -> Result<Vec<Value>, JsonPathError> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => Ok(vec![Value::String(t.clone())]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(i) => Ok(input.iter().map(|_| Value::from(*i)).collect()),
            Node::Float(f) => Ok(input
                .iter()
                .map(|_| serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number))
                .collect()),
            Node::Bool(b) => Ok(input.iter().map(|_| Value::Bool(*b)).collect()),
            Node::Wildcard => Ok(input
                .iter()
                .filter(|v| !v.is_null())
                .flat_map(children)
                .collect()),
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(lists) => {
                let mut out = Vec::new();
                for l in lists {
                    out.extend(self.eval_list(input.clone(), l)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.stack.push(self.cur.clone());
                    self.begin_range += 1;
                    Ok(input)
                }
                "end" => {
                    if self.end_range < self.in_range {
                        self.end_range += 1;
                        return Ok(Vec::new());
                    }
                    match self.stack.pop() {
                        Some(prev) => {
                            self.cur = prev;
                            Ok(Vec::new())
                        }
                        None => err("not in range, nothing to end"),
                    }
                }
                other => err(format!("unrecognized identifier {other}")),
            },
        }
    }

    fn eval_list(
        &mut self,
        input: Vec<Value>,
        nodes: &[Node],
    ) -> Result<Vec<Value>, JsonPathError> {
        let mut cur = input;
        for n in nodes {
            cur = self.walk(cur, n)?;
        }
        Ok(cur)
    }

    fn eval_field(&mut self, input: Vec<Value>, name: &str) -> Result<Vec<Value>, JsonPathError> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for v in &input {
            if let Value::Object(m) = v
                && let Some(x) = m.get(name)
            {
                out.push(x.clone());
            }
        }
        if out.is_empty() && !self.allow_missing_keys {
            return err(format!("{name} is not found"));
        }
        Ok(out)
    }

    fn eval_filter(
        &mut self,
        input: Vec<Value>,
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Value>, JsonPathError> {
        let mut out = Vec::new();
        for v in &input {
            let items = match v {
                Value::Array(a) => a,
                other => {
                    return err(format!(
                        "{} is not array or slice and cannot be filtered",
                        go_sprint(other)
                    ));
                }
            };
            for item in items {
                let lefts = self.eval_list(vec![item.clone()], left);
                if op == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        out.push(item.clone());
                    }
                    continue;
                }
                let lefts = lefts?;
                if lefts.is_empty() {
                    continue;
                }
                if lefts.len() != 1 {
                    return err("can only compare one element at a time");
                }
                let rights = self.eval_list(vec![item.clone()], right)?;
                if rights.len() != 1 {
                    return err("can only compare one element at a time");
                }
                if compare(op, &lefts[0], &rights[0])? {
                    out.push(item.clone());
                }
            }
        }
        Ok(out)
    }
}

fn eval_array(input: Vec<Value>, params: &[Param; 3]) -> Result<Vec<Value>, JsonPathError> {
    let mut out = Vec::new();
    for v in input {
        if v.is_null() {
            continue;
        }
        let items = match v {
            Value::Array(a) => a,
            other => return err(format!("{} is not array or slice", go_type_name(&other))),
        };
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let mut start = if params[0].known { params[0].value } else { 0 };
        if start < 0 {
            start += len;
        }
        let mut end = if params[1].known {
            params[1].value
        } else {
            len
        };
        if params[1].derived {
            end = start + 1;
        } else if end < 0 {
            end += len;
        }
        if start == end {
            continue;
        }
        if start >= len || start < 0 {
            return err(format!(
                "array index out of bounds: index {start}, length {len}"
            ));
        }
        if end > len || end < 0 {
            return err(format!(
                "array index out of bounds: index {}, length {len}",
                end - 1
            ));
        }
        if start > end {
            return err(format!(
                "starting index {start} is greater than ending index {end}"
            ));
        }
        let (s, e) = (
            usize::try_from(start).unwrap_or(0),
            usize::try_from(end).unwrap_or(0),
        );
        out.extend(items[s..e].iter().cloned());
    }
    Ok(out)
}

fn eval_recursive(input: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for v in input {
        let kids = children(v);
        if !kids.is_empty() {
            out.push(v.clone());
            out.extend(eval_recursive(&kids));
        }
    }
    out
}

/// How one result prints: strings raw, scalars as Go prints them, containers as JSON.
fn result_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Array(_) | Value::Object(_) => to_json_compact(v),
        other => go_sprint(other),
    }
}

impl JsonPath {
    /// Parses a template (`{.items[*].metadata.name}`).
    pub fn parse(template: &str) -> Result<JsonPath, JsonPathError> {
        Ok(JsonPath {
            root: Parser::new(template).parse()?,
            allow_missing_keys: true,
        })
    }

    /// `--allow-missing-template-keys=false`: a missing field is an error (`x is not found`).
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// The groups of results, one per action (`FindResults`).
    pub fn find_results(&self, data: &Value) -> Result<Vec<Vec<Value>>, JsonPathError> {
        let mut exec = Exec {
            allow_missing_keys: self.allow_missing_keys,
            stack: Vec::new(),
            cur: Vec::new(),
            begin_range: 0,
            in_range: 0,
            end_range: 0,
        };
        exec.find_results(data.clone(), &self.root)
    }

    /// `Execute`: the printed text.
    pub fn execute(&self, data: &Value) -> Result<String, JsonPathError> {
        let mut out = String::new();
        for group in self.find_results(data)? {
            let texts: Vec<String> = group.iter().map(result_text).collect();
            out.push_str(&texts.join(" "));
        }
        Ok(out)
    }
}

/// `kubectl ... -o jsonpath=TEMPLATE` for one object (or the `List` kubectl builds for
/// several). `Err` holds what kubectl prints after `error: `.
pub fn print_jsonpath(template: &str, data: &Value) -> Result<String, String> {
    let jp = JsonPath::parse(template)
        .map_err(|e| format!("error parsing jsonpath {template}, {e}\n"))?;
    jp.execute(data).map_err(|e| {
        format!(
            "error executing jsonpath {}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n\n",
            crate::api::field::go_quote(template),
            go_sharp_v(data)
        )
    })
}

/// kubectl's `RelaxedJSONPathExpression` (custom columns, `--sort-by`): `.a.b`, `a.b`, `{a.b}`
/// and `{.a.b}` all become `{.a.b}`.
pub fn relaxed_expression(path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let inner = if let Some(s) = path.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        s.strip_prefix('.').unwrap_or(s)
    } else {
        path.strip_prefix('.').unwrap_or(path)
    };
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".to_string());
    }
    Ok(format!("{{.{inner}}}"))
}
