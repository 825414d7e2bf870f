//! The little JavaScript mongosh needs: values (with BSON's ObjectId, Date, Long), a parser
//! for the statements lessons type (`rs.initiate({...})`, `db.users.insertOne({...})`,
//! `use testdb`), and mongosh's printing (Node's `util.inspect` with `compact: 3`,
//! `breakLength: 80`).

use std::fmt::Write as _;

/// A JavaScript / BSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum JsVal {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integral number.
    Int(i64),
    /// A non-integral number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<JsVal>),
    /// An object, keys in insertion order.
    Obj(Vec<(String, JsVal)>),
    /// `ObjectId('hex')`.
    ObjectId(String),
    /// `ISODate(...)`: unix milliseconds.
    Date(i64),
    /// `Long('n')`.
    Long(i64),
}

impl JsVal {
    /// The field `k` of an object.
    pub fn get(&self, k: &str) -> Option<&JsVal> {
        match self {
            JsVal::Obj(f) => f.iter().find(|(n, _)| n == k).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsVal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            JsVal::Int(i) | JsVal::Long(i) => Some(*i),
            JsVal::Num(f) if f.fract() == 0.0 => Some(*f as i64),
            _ => None,
        }
    }

    /// Extended JSON for storing on a volume.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value, json};
        match self {
            JsVal::Undefined | JsVal::Null => Value::Null,
            JsVal::Bool(b) => Value::Bool(*b),
            JsVal::Int(i) => json!(i),
            JsVal::Num(f) => json!({ "$numberDouble": f.to_string() }),
            JsVal::Str(s) => Value::String(s.clone()),
            JsVal::Arr(a) => Value::Array(a.iter().map(JsVal::to_json).collect()),
            JsVal::Obj(f) => {
                // serde_json's map is ordered by key; keep insertion order in a list.
                Value::Array(
                    std::iter::once(json!("$obj"))
                        .chain(f.iter().map(|(k, v)| json!([k, v.to_json()])))
                        .collect(),
                )
            }
            JsVal::ObjectId(h) => json!({ "$oid": h }),
            JsVal::Date(ms) => json!({ "$date": ms }),
            JsVal::Long(i) => json!({ "$numberLong": i.to_string() }),
        }
    }

    /// Reads back [`JsVal::to_json`].
    pub fn from_json(v: &serde_json::Value) -> JsVal {
        use serde_json::Value;
        match v {
            Value::Null => JsVal::Null,
            Value::Bool(b) => JsVal::Bool(*b),
            Value::Number(n) => n.as_i64().map_or(JsVal::Null, JsVal::Int),
            Value::String(s) => JsVal::Str(s.clone()),
            Value::Array(a) if a.first() == Some(&Value::String("$obj".into())) => JsVal::Obj(
                a[1..]
                    .iter()
                    .filter_map(|p| match p {
                        Value::Array(kv) if kv.len() == 2 => {
                            Some((kv[0].as_str()?.to_string(), JsVal::from_json(&kv[1])))
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            Value::Array(a) => JsVal::Arr(a.iter().map(JsVal::from_json).collect()),
            Value::Object(m) => {
                if let Some(h) = m.get("$oid").and_then(Value::as_str) {
                    JsVal::ObjectId(h.to_string())
                } else if let Some(d) = m.get("$date").and_then(Value::as_i64) {
                    JsVal::Date(d)
                } else if let Some(l) = m.get("$numberLong").and_then(Value::as_str) {
                    JsVal::Long(l.parse().unwrap_or(0))
                } else if let Some(f) = m.get("$numberDouble").and_then(Value::as_str) {
                    JsVal::Num(f.parse().unwrap_or(0.0))
                } else {
                    JsVal::Null
                }
            }
        }
    }
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal value (objects and arrays may hold expressions).
    Lit(JsVal),
    /// An object literal.
    Obj(Vec<(String, Expr)>),
    /// An array literal.
    Arr(Vec<Expr>),
    /// A name (`db`, `rs`).
    Ident(String),
    /// `a.b`.
    Member(Box<Expr>, String),
    /// `f(args)`.
    Call(Box<Expr>, Vec<Expr>),
    /// `a[i]`.
    Index(Box<Expr>, Box<Expr>),
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `use <db>`.
    Use(String),
    /// `show dbs` / `show collections`.
    Show(String),
    /// `exit` / `quit`.
    Exit,
    /// An expression.
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Punct(char),
}

/// A syntax error, as mongosh words it (`SyntaxError: ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError(pub String);

fn tokenize(src: &str) -> Result<Vec<Tok>, SyntaxError> {
    let cs: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && cs.get(i + 1) == Some(&'/') {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let s = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_' || cs[i] == '$') {
                i += 1;
            }
            out.push(Tok::Ident(cs[s..i].iter().collect()));
        } else if c.is_ascii_digit()
            || (c == '-' && cs.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let s = i;
            i += 1;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(cs[s..i].iter().collect()));
        } else if c == '"' || c == '\'' || c == '`' {
            let q = c;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&d) = cs.get(i) else {
                    return Err(SyntaxError("Unterminated string constant.".into()));
                };
                i += 1;
                if d == q {
                    break;
                }
                if d == '\\' {
                    let Some(&e) = cs.get(i) else {
                        return Err(SyntaxError("Unterminated string constant.".into()));
                    };
                    i += 1;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        o => o,
                    });
                } else {
                    s.push(d);
                }
            }
            out.push(Tok::Str(s));
        } else if "(){}[],:.;".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            return Err(SyntaxError(format!("Unexpected character '{c}'.")));
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: char) -> Result<(), SyntaxError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }
    fn unexpected(&self) -> SyntaxError {
        match self.peek() {
            None => SyntaxError("Unexpected token".into()),
            Some(t) => SyntaxError(format!(
                "Unexpected token ({})",
                match t {
                    Tok::Ident(s) | Tok::Num(s) => s.clone(),
                    Tok::Str(s) => format!("'{s}'"),
                    Tok::Punct(c) => c.to_string(),
                }
            )),
        }
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut e = self.primary()?;
        loop {
            if self.eat('.') {
                match self.toks.get(self.i).cloned() {
                    Some(Tok::Ident(n)) => {
                        self.i += 1;
                        e = Expr::Member(Box::new(e), n);
                    }
                    _ => return Err(self.unexpected()),
                }
            } else if self.eat('(') {
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(')') {
                            break;
                        }
                        self.expect(',')?;
                        if self.eat(')') {
                            break;
                        }
                    }
                }
                e = Expr::Call(Box::new(e), args);
            } else if self.eat('[') {
                let idx = self.expr()?;
                self.expect(']')?;
                e = Expr::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(t) = self.toks.get(self.i).cloned() else {
            return Err(SyntaxError("Unexpected token".into()));
        };
        self.i += 1;
        match t {
            Tok::Num(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    Ok(Expr::Lit(JsVal::Int(i)))
                } else if let Ok(f) = n.parse::<f64>() {
                    Ok(Expr::Lit(JsVal::Num(f)))
                } else {
                    Err(SyntaxError(format!("Unexpected number ({n})")))
                }
            }
            Tok::Str(s) => Ok(Expr::Lit(JsVal::Str(s))),
            Tok::Ident(id) => match id.as_str() {
                "true" => Ok(Expr::Lit(JsVal::Bool(true))),
                "false" => Ok(Expr::Lit(JsVal::Bool(false))),
                "null" => Ok(Expr::Lit(JsVal::Null)),
                "undefined" => Ok(Expr::Lit(JsVal::Undefined)),
                "new" => self.primary(),
                _ => Ok(Expr::Ident(id)),
            },
            Tok::Punct('{') => {
                let mut fields = Vec::new();
                if !self.eat('}') {
                    loop {
                        let key = match self.toks.get(self.i).cloned() {
                            Some(Tok::Ident(k) | Tok::Str(k) | Tok::Num(k)) => k,
                            _ => return Err(self.unexpected()),
                        };
                        self.i += 1;
                        self.expect(':')?;
                        fields.push((key, self.expr()?));
                        if self.eat('}') {
                            break;
                        }
                        self.expect(',')?;
                        if self.eat('}') {
                            break;
                        }
                    }
                }
                Ok(Expr::Obj(fields))
            }
            Tok::Punct('[') => {
                let mut items = Vec::new();
                if !self.eat(']') {
                    loop {
                        items.push(self.expr()?);
                        if self.eat(']') {
                            break;
                        }
                        self.expect(',')?;
                        if self.eat(']') {
                            break;
                        }
                    }
                }
                Ok(Expr::Arr(items))
            }
            Tok::Punct('(') => {
                let e = self.expr()?;
                self.expect(')')?;
                Ok(e)
            }
            _ => {
                self.i -= 1;
                Err(self.unexpected())
            }
        }
    }
}

/// Bracket depth and string state while scanning source text character by character.
#[derive(Default)]
struct Nesting {
    depth: i32,
    quote: Option<char>,
    esc: bool,
}

impl Nesting {
    /// Takes the next character; false when it is inside a string literal.
    fn feed(&mut self, c: char) -> bool {
        if let Some(q) = self.quote {
            if self.esc {
                self.esc = false;
            } else if c == '\\' {
                self.esc = true;
            } else if c == q {
                self.quote = None;
            }
            return false;
        }
        match c {
            '"' | '\'' | '`' => self.quote = Some(c),
            '(' | '{' | '[' => self.depth += 1,
            ')' | '}' | ']' => self.depth -= 1,
            _ => {}
        }
        true
    }
}

/// True when `src` has unclosed brackets or strings (the interactive shell keeps reading).
pub fn is_incomplete(src: &str) -> bool {
    let mut n = Nesting::default();
    for c in src.chars() {
        n.feed(c);
    }
    n.depth > 0 || n.quote.is_some()
}

/// Parses a script into statements (split at top-level `;` and line ends).
pub fn parse_script(src: &str) -> Result<Vec<Stmt>, SyntaxError> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    for line in src.lines() {
        if !chunk.is_empty() {
            chunk.push('\n');
        }
        chunk.push_str(line);
        if is_incomplete(&chunk) {
            continue;
        }
        for part in split_top_level(&chunk) {
            let t = part.trim();
            if t.is_empty() {
                continue;
            }
            out.push(parse_statement(t)?);
        }
        chunk.clear();
    }
    if !chunk.trim().is_empty() {
        return Err(SyntaxError("Unexpected token".into()));
    }
    Ok(out)
}

fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut n = Nesting::default();
    for c in s.chars() {
        if n.feed(c) && c == ';' && n.depth == 0 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    parts
}

/// Parses one statement.
pub fn parse_statement(s: &str) -> Result<Stmt, SyntaxError> {
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        ["use", db] => return Ok(Stmt::Use((*db).to_string())),
        ["show", what] => return Ok(Stmt::Show((*what).to_string())),
        ["exit" | "quit" | "exit()" | "quit()"] => return Ok(Stmt::Exit),
        _ => {}
    }
    let toks = tokenize(s)?;
    let mut p = P { toks, i: 0 };
    let e = p.expr()?;
    if p.i < p.toks.len() {
        return Err(p.unexpected());
    }
    Ok(Stmt::Expr(e))
}

/// A date as mongosh prints it inside `ISODate('...')`.
pub fn iso(ms: i64) -> String {
    let ts = k8s_openapi::jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
    let base = k8s_openapi::jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%S", ts).unwrap_or_default();
    format!("{base}.{:03}Z", ms.rem_euclid(1000))
}

fn quote_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(q);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

fn key_text(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { k.to_string() } else { quote_str(k) }
}

/// Prints a value as mongosh does.
pub fn inspect(v: &JsVal) -> String {
    let mut depth_seen = 0;
    fmt_value(v, 0, 0, &mut depth_seen)
}

/// `depth` is the nesting level of `v`; `indent` the current indentation; `deepest` reports
/// the deepest object level formatted (Node's `ctx.currentDepth`).
fn fmt_value(v: &JsVal, depth: usize, indent: usize, deepest: &mut usize) -> String {
    match v {
        JsVal::Undefined => "undefined".into(),
        JsVal::Null => "null".into(),
        JsVal::Bool(b) => b.to_string(),
        JsVal::Int(i) => i.to_string(),
        JsVal::Num(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        JsVal::Str(s) => quote_str(s),
        JsVal::ObjectId(h) => format!("ObjectId('{h}')"),
        JsVal::Date(ms) => format!("ISODate('{}')", iso(*ms)),
        JsVal::Long(i) => format!("Long('{i}')"),
        JsVal::Arr(items) => {
            if items.is_empty() {
                return "[]".into();
            }
            *deepest = depth;
            let entries: Vec<String> = items
                .iter()
                .map(|x| fmt_value(x, depth + 1, indent + 2, deepest))
                .collect();
            reduce(entries, ('[', ']'), depth, indent, deepest)
        }
        JsVal::Obj(fields) => {
            if fields.is_empty() {
                return "{}".into();
            }
            *deepest = depth;
            let entries: Vec<String> = fields
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}: {}",
                        key_text(k),
                        fmt_value(x, depth + 1, indent + 2, deepest)
                    )
                })
                .collect();
            reduce(entries, ('{', '}'), depth, indent, deepest)
        }
    }
}

/// Node's `reduceToSingleString` with `compact: 3`, `breakLength: 80`.
fn reduce(
    entries: Vec<String>,
    braces: (char, char),
    depth: usize,
    indent: usize,
    deepest: &mut usize,
) -> String {
    if *deepest - depth < 3 {
        let start = entries.len() + indent + 1 + 10;
        let total: usize = entries.iter().map(|e| e.chars().count()).sum::<usize>() + entries.len();
        if total + start <= 80 {
            let joined = entries.join(", ");
            if !joined.contains('\n') {
                return format!("{} {joined} {}", braces.0, braces.1);
            }
        }
    }
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let _ = write!(out, "{}\n{pad}  ", braces.0);
    out.push_str(&entries.join(&format!(",\n{pad}  ")));
    let _ = write!(out, "\n{pad}{}", braces.1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_lesson_statements() {
        let s = parse_script(
            "rs.initiate({\n  _id: \"rs0\",\n  members: [\n    {_id: 0, host: \"m-0.m:27017\"},\n  ]\n});\nuse testdb;\ndb.users.insertOne({name: 'Alice', age: 30})",
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1], Stmt::Use("testdb".into()));
        assert!(matches!(&s[0], Stmt::Expr(Expr::Call(_, args)) if args.len() == 1));
        assert!(parse_script("db.users.find(").is_err());
        assert!(parse_statement("db..x").is_err());
    }

    #[test]
    fn inspect_breaks_lines_like_node() {
        let ok = JsVal::Obj(vec![("ok".into(), JsVal::Int(1))]);
        assert_eq!(inspect(&ok), "{ ok: 1 }");
        let ins = JsVal::Obj(vec![
            ("acknowledged".into(), JsVal::Bool(true)),
            (
                "insertedId".into(),
                JsVal::ObjectId("65a1b2c3d4e5f60718293a4b".into()),
            ),
        ]);
        assert_eq!(
            inspect(&ins),
            "{\n  acknowledged: true,\n  insertedId: ObjectId('65a1b2c3d4e5f60718293a4b')\n}"
        );
        let docs = JsVal::Arr(vec![JsVal::Obj(vec![
            (
                "_id".into(),
                JsVal::ObjectId("65a1b2c3d4e5f60718293a4b".into()),
            ),
            ("name".into(), JsVal::Str("Alice".into())),
            ("age".into(), JsVal::Int(30)),
            ("city".into(), JsVal::Str("New York".into())),
        ])]);
        assert_eq!(
            inspect(&docs),
            "[\n  {\n    _id: ObjectId('65a1b2c3d4e5f60718293a4b'),\n    name: 'Alice',\n    age: 30,\n    city: 'New York'\n  }\n]"
        );
        assert_eq!(
            inspect(&JsVal::Obj(vec![("'0'".into(), JsVal::Str("it's".into()))])),
            "{ \"'0'\": \"it's\" }"
        );
    }

    #[test]
    fn values_round_trip_through_json() {
        let v = JsVal::Obj(vec![
            ("b".into(), JsVal::Int(1)),
            ("a".into(), JsVal::ObjectId("ab".into())),
            ("d".into(), JsVal::Date(5)),
            ("l".into(), JsVal::Long(7)),
            ("f".into(), JsVal::Num(1.5)),
            (
                "arr".into(),
                JsVal::Arr(vec![JsVal::Null, JsVal::Str("x".into())]),
            ),
        ]);
        assert_eq!(JsVal::from_json(&v.to_json()), v);
    }
}
