//! Statement execution: parse a query string, run each statement against the in-memory
//! [`Cluster`] inside an (implicit or explicit) transaction, and report results, notices,
//! errors (with PostgreSQL's words and positions) and the committed [`Change`]s.

use std::cmp::Ordering;

use sqlparser::ast::{
    self, AssignmentTarget, BinaryOperator, ColumnOption, DataType, Expr, FromTable, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, LimitClause, ObjectName,
    ObjectNamePart, ObjectType, OrderByKind, Query, SelectItem, SetExpr, Spanned, Statement,
    TableConstraint, TableFactor, TableObject, UnaryOperator,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Location;

use super::catalog::{self, Connection, Process, SystemView, ViewCx, Write};
use super::value::{Dec, Ty, Value, parse_ts};
use super::{
    Change, Cluster, ColDefault, Column, Database, Dialect, Reply, ResultSet, Row, SqlError,
    StmtResult, Table, Unique,
};

/// A client's session: who, where, and its open transaction.
#[derive(Clone, Debug)]
pub struct Session {
    /// The role.
    pub user: String,
    /// The current database.
    pub db: String,
    /// The open transaction, if any.
    pub txn: Option<Txn>,
    /// `synchronous_commit` (session setting).
    pub synchronous_commit: bool,
    /// The server's version string for `version()`.
    pub version: String,
    /// The virtual clock, Unix milliseconds.
    pub now_ms: i64,
    /// Time the statements slept (`pg_sleep`), milliseconds.
    pub slept_ms: u64,
    /// The client end (PID, application, address), as `pg_stat_activity` shows it.
    pub conn: Connection,
}

impl Session {
    /// A session of `user` on `db`.
    pub fn new(user: &str, db: &str, version: &str) -> Session {
        Session {
            user: user.into(),
            db: db.into(),
            txn: None,
            synchronous_commit: true,
            version: version.into(),
            now_ms: 0,
            slept_ms: 0,
            conn: Connection::default(),
        }
    }
}

/// An open transaction.
#[derive(Clone, Debug)]
pub struct Txn {
    snapshot: Cluster,
    changes: Vec<Change>,
    /// An error happened: commands are ignored until the end of the block.
    pub failed: bool,
    /// Opened by BEGIN (rather than implicitly for one query string).
    pub explicit: bool,
    /// When it began (`xact_start`), Unix milliseconds.
    pub start_ms: i64,
}

/// The engine: the cluster's live state and the rules to change it.
#[derive(Clone, Debug)]
pub struct Engine {
    /// The data.
    pub cluster: Cluster,
    /// Whose rules and words.
    pub dialect: Dialect,
    /// The server's processes other than client backends, for the system views (set by the
    /// server model; empty for an engine without a server).
    pub processes: Vec<Process>,
}

/// Converts sqlparser locations (1-based line/column) to 1-based character positions.
struct Src<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Src<'a> {
    fn new(text: &'a str) -> Src<'a> {
        let mut line_starts = vec![0];
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Src { text, line_starts }
    }

    fn pos(&self, l: Location) -> Option<usize> {
        if l.line == 0 {
            return None;
        }
        let start = *self.line_starts.get(l.line as usize - 1)?;
        Some(start + l.column as usize)
    }

    /// Position of the first occurrence of `needle` (case-insensitive) at or after
    /// `from` (1-based), before `to`.
    fn find(&self, from: Option<usize>, to: Option<usize>, needle: &str) -> Option<usize> {
        let chars: Vec<char> = self.text.chars().collect();
        let from = from.unwrap_or(1).saturating_sub(1);
        let to = to.unwrap_or(chars.len() + 1).min(chars.len() + 1);
        let n: Vec<char> = needle.chars().collect();
        (from..to.saturating_sub(1))
            .find(|&i| {
                i + n.len() <= chars.len()
                    && chars[i..i + n.len()]
                        .iter()
                        .zip(&n)
                        .all(|(a, b)| a.eq_ignore_ascii_case(b))
            })
            .map(|i| i + 1)
    }
}

fn span_pos(src: &Src<'_>, node: &impl Spanned) -> Option<usize> {
    src.pos(node.span().start)
}

/// Folds an identifier as PostgreSQL does: lower case unless quoted.
pub fn fold(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

fn object_parts(n: &ObjectName) -> Vec<&Ident> {
    n.0.iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(i),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

/// The (schema-less) table name and the database it names, if qualified (MySQL `db.t`).
fn table_name(n: &ObjectName) -> (Option<String>, String, Option<&Ident>) {
    let parts = object_parts(n);
    match parts.as_slice() {
        [] => (None, String::new(), None),
        [t] => (None, fold(t), Some(*t)),
        [.., s, t] => (Some(fold(s)), fold(t), Some(*t)),
    }
}

/// A column visible to expressions.
#[derive(Clone, Debug)]
struct ScopeCol {
    table: String,
    name: String,
    ty: Ty,
}

/// What an expression sees.
struct Scope<'a> {
    cols: &'a [ScopeCol],
    row: &'a [Value],
    /// The rows of the current group (aggregate evaluation).
    group: Option<(&'a [Vec<Value>], &'a [Expr])>,
}

/// A typed value.
type TV = (Value, Ty);

/// Output columns and rows.
type Rows = (Vec<(String, Ty)>, Vec<Vec<Value>>);

const AGGREGATES: &[&str] = &["count", "sum", "avg", "min", "max"];

fn contains_aggregate(e: &Expr) -> bool {
    match e {
        Expr::Function(f) => {
            let name = f.name.to_string().to_lowercase();
            if AGGREGATES.contains(&name.as_str()) {
                return true;
            }
            func_args(f).iter().any(|a| match a {
                FunctionArgExpr::Expr(e) => contains_aggregate(e),
                _ => false,
            })
        }
        Expr::BinaryOp { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::Cast { expr, .. } => contains_aggregate(expr),
        _ => false,
    }
}

fn func_args(f: &ast::Function) -> Vec<&FunctionArgExpr> {
    match &f.args {
        FunctionArguments::List(l) => l
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Named { arg, .. }
                | FunctionArg::ExprNamed { arg, .. }
                | FunctionArg::Unnamed(arg) => arg,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn int4_check(v: i64) -> Result<i64, SqlError> {
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        Err(SqlError::new("integer out of range").my(1264, "22003"))
    } else {
        Ok(v)
    }
}

fn bigint_check(v: Option<i64>) -> Result<i64, SqlError> {
    v.ok_or_else(|| SqlError::new("bigint out of range"))
}

fn to_dec(v: &Value) -> Option<Dec> {
    match v {
        Value::Int(i) => Some(Dec::int(*i)),
        Value::Num(d) => Some(*d),
        _ => None,
    }
}

fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => Some(*i != 0),
        Value::Null => None,
        _ => Some(false),
    }
}

/// Compares two values of compatible types (NULLs handled by callers).
fn cmp_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => collate(x, y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Ts(x), Value::Ts(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        _ => match (to_dec(a), to_dec(b)) {
            (Some(x), Some(y)) => Dec::compare(x, y),
            _ => format!("{a:?}").cmp(&format!("{b:?}")),
        },
    }
}

/// en_US.utf8-like ordering: letters and digits first, case-insensitively; then the rest.
fn collate(a: &str, b: &str) -> Ordering {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(a)
        .cmp(&key(b))
        .then_with(|| b.chars().rev().cmp(a.chars().rev()).reverse())
        .then_with(|| a.cmp(b))
}

fn like(s: &str, pat: &str, ci: bool) -> bool {
    let (s, pat): (Vec<char>, Vec<char>) = if ci {
        (
            s.to_lowercase().chars().collect(),
            pat.to_lowercase().chars().collect(),
        )
    } else {
        (s.chars().collect(), pat.chars().collect())
    };
    fn go(s: &[char], p: &[char]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some('%') => (0..=s.len()).any(|i| go(&s[i..], &p[1..])),
            Some('_') => !s.is_empty() && go(&s[1..], &p[1..]),
            Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && go(&s[1..], &p[2..]),
            Some(c) => s.first() == Some(c) && go(&s[1..], &p[1..]),
        }
    }
    go(&s, &pat)
}

impl Engine {
    /// An engine over `cluster`.
    pub fn new(cluster: Cluster, dialect: Dialect) -> Engine {
        Engine {
            cluster,
            dialect,
            processes: Vec::new(),
        }
    }

    fn err_syntax(&self, sql: &str, e: &ParserError) -> SqlError {
        let msg = e.to_string();
        let src = Src::new(sql);
        // "... at Line: L, Column: C"
        let loc = msg.rfind(" at Line: ").and_then(|i| {
            let rest = &msg[i + 10..];
            let (l, c) = rest.split_once(", Column: ")?;
            Some(Location {
                line: l.trim().parse().ok()?,
                column: c.trim().parse().ok()?,
            })
        });
        let is_tok = matches!(e, ParserError::TokenizerError(_));
        let pos = loc.and_then(|l| src.pos(l));
        let chars: Vec<char> = sql.chars().collect();
        if self.dialect == Dialect::Mysql {
            let near: String = pos
                .map(|p| chars[(p - 1).min(chars.len())..].iter().collect())
                .unwrap_or_default();
            let line = loc.map_or(1, |l| l.line);
            return SqlError::new(format!(
                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{}' at line {line}",
                near.trim_end_matches(';')
            ))
            .my(1064, "42000");
        }
        if is_tok
            && (msg.contains("Unterminated")
                || msg.contains("close delimiter")
                || msg.contains("multi-line comment"))
        {
            let p = open_quote(&chars).or(pos).unwrap_or(1);
            let rest: String = chars[(p - 1).min(chars.len())..].iter().collect();
            let (what, rest) = if msg.contains("delimited") || rest.starts_with('"') {
                ("unterminated quoted identifier", rest)
            } else if rest.starts_with("/*") {
                ("unterminated /* comment", rest)
            } else {
                ("unterminated quoted string", rest)
            };
            return SqlError::new(format!("{what} at or near \"{rest}\"")).at(Some(p));
        }
        let found_eof = msg.contains("found: EOF") || pos.is_none_or(|p| p > chars.len());
        if found_eof {
            return SqlError::new("syntax error at end of input").at(Some(chars.len() + 1));
        }
        let p = pos.unwrap_or(1);
        let tok = token_at(&chars, p - 1);
        SqlError::new(format!("syntax error at or near \"{tok}\"")).at(Some(p))
    }

    /// Runs a query string (one or more statements) in `sess`.
    pub fn query(&mut self, sess: &mut Session, sql: &str) -> Reply {
        let mut reply = Reply::default();
        let parsed = match self.dialect {
            Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
            Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
        };
        let stmts = match parsed {
            Ok(s) => s,
            Err(e) => {
                let err = self.err_syntax(sql, &e);
                self.fail(sess, &mut reply, err);
                return reply;
            }
        };
        let src = Src::new(sql);
        let multi = stmts.len() > 1;
        for st in &stmts {
            if let Some(t) = &sess.txn
                && t.failed
                && !matches!(st, Statement::Commit { .. } | Statement::Rollback { .. })
            {
                reply.error = Some(SqlError::new(
                    "current transaction is aborted, commands ignored until end of transaction block",
                ));
                return reply;
            }
            if sess.txn.is_none() {
                sess.txn = Some(Txn {
                    snapshot: self.cluster.clone(),
                    changes: Vec::new(),
                    failed: false,
                    explicit: false,
                    start_ms: sess.now_ms,
                });
            }
            match self.statement(sess, st, &src, multi, &mut reply) {
                Ok(r) => reply.results.push(r),
                Err(e) => {
                    self.fail(sess, &mut reply, e);
                    return reply;
                }
            }
            if !multi {
                self.end_implicit(sess, &mut reply);
            }
        }
        self.end_implicit(sess, &mut reply);
        reply
    }

    fn end_implicit(&mut self, sess: &mut Session, reply: &mut Reply) {
        if sess.txn.as_ref().is_some_and(|t| !t.explicit) {
            self.commit(sess, reply);
        }
    }

    fn commit(&mut self, sess: &mut Session, reply: &mut Reply) {
        if let Some(t) = sess.txn.take() {
            if t.failed {
                self.rollback_txn(t, reply);
                return;
            }
            if !t.changes.is_empty() {
                reply.committed.extend(t.changes);
                if !sess.synchronous_commit {
                    reply.async_commit = true;
                }
            }
        }
    }

    fn rollback_txn(&mut self, t: Txn, reply: &mut Reply) {
        // Sequences are not transactional: keep their positions.
        let mut live = std::mem::replace(&mut self.cluster, t.snapshot);
        for (dbname, db) in &mut self.cluster.databases {
            if let Some(ldb) = live.databases.get_mut(dbname) {
                for (name, seq) in &mut db.sequences {
                    if let Some(l) = ldb.sequences.get(name)
                        && l.last != seq.last
                    {
                        seq.last = l.last;
                        reply.committed.push(Change::SetSeq {
                            db: dbname.clone(),
                            seq: name.clone(),
                            last: l.last,
                        });
                    }
                }
            }
        }
    }

    fn fail(&mut self, sess: &mut Session, reply: &mut Reply, e: SqlError) {
        reply.error = Some(e);
        match sess.txn.as_mut() {
            Some(t) if t.explicit => t.failed = true,
            Some(_) => {
                if let Some(t) = sess.txn.take() {
                    self.rollback_txn(t, reply);
                }
            }
            None => {}
        }
    }

    fn log(&mut self, sess: &mut Session, ch: Change) {
        self.cluster.apply(&ch);
        if let Some(t) = sess.txn.as_mut() {
            t.changes.push(ch);
        }
    }

    fn db<'a>(&'a self, sess: &Session) -> Result<&'a Database, SqlError> {
        self.cluster
            .databases
            .get(&sess.db)
            .ok_or_else(|| SqlError::new("No database selected").my(1046, "3D000"))
    }

    fn resolve_db(&self, sess: &Session, qual: Option<String>) -> Result<String, SqlError> {
        match (self.dialect, qual) {
            (Dialect::Mysql, Some(db)) => Ok(db),
            (Dialect::Mysql, None) => {
                if sess.db.is_empty() {
                    Err(SqlError::new("No database selected").my(1046, "3D000"))
                } else {
                    Ok(sess.db.clone())
                }
            }
            (Dialect::Postgres, _) => Ok(sess.db.clone()),
        }
    }

    fn no_table(&self, db: &str, name: &str, pos: Option<usize>) -> SqlError {
        match self.dialect {
            Dialect::Postgres => {
                SqlError::new(format!("relation \"{name}\" does not exist")).at(pos)
            }
            Dialect::Mysql => {
                SqlError::new(format!("Table '{db}.{name}' doesn't exist")).my(1146, "42S02")
            }
        }
    }

    fn table<'a>(
        &'a self,
        sess: &Session,
        n: &ObjectName,
        src: &Src<'_>,
    ) -> Result<(String, &'a Table), SqlError> {
        let (qual, name, ident) = table_name(n);
        // PostgreSQL names a missing relation as it was written, schema included.
        let shown = match (&qual, self.dialect) {
            (Some(schema), Dialect::Postgres) => format!("{schema}.{name}"),
            _ => name.clone(),
        };
        let in_catalog = self.dialect == Dialect::Postgres && qual.as_deref() == Some("pg_catalog");
        let db = self.resolve_db(sess, qual)?;
        let pos = ident.and_then(|_| span_pos(src, n));
        let Some(d) = self.cluster.databases.get(&db) else {
            return Err(match self.dialect {
                Dialect::Mysql => {
                    SqlError::new(format!("Unknown database '{db}'")).my(1049, "42000")
                }
                Dialect::Postgres => self.no_table(&db, &shown, pos),
            });
        };
        match d.tables.get(&name) {
            Some(t) if !in_catalog => Ok((db, t)),
            _ => Err(self.no_table(&db, &shown, pos)),
        }
    }

    /// The system view a relation name means. PostgreSQL searches `pg_catalog` before the
    /// schemas of `search_path`, so an unqualified name finds the view even where a table of
    /// that name exists (`public.<name>` is the table).
    fn system_view(&self, n: &ObjectName) -> Option<&'static SystemView> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        match table_name(n) {
            (None, name, _) => catalog::view(&name),
            (Some(schema), name, _) if schema == "pg_catalog" => catalog::view(&name),
            _ => None,
        }
    }

    /// The table a write names; a system view refuses the write as PostgreSQL does.
    fn table_to_write<'a>(
        &'a self,
        sess: &Session,
        n: &ObjectName,
        src: &Src<'_>,
        write: Write,
    ) -> Result<(String, &'a Table), SqlError> {
        if let Some(v) = self.system_view(n) {
            return Err(v.refuse(write));
        }
        self.table(sess, n, src)
    }

    fn statement(
        &mut self,
        sess: &mut Session,
        st: &Statement,
        src: &Src<'_>,
        multi: bool,
        reply: &mut Reply,
    ) -> Result<StmtResult, SqlError> {
        let tag = |t: &str| StmtResult {
            notices: Vec::new(),
            rows: None,
            tag: t.to_string(),
            affected: 0,
        };
        match st {
            Statement::Query(q) => {
                let (cols, rows) = self.run_query(sess, q, src)?;
                let n = rows.len();
                Ok(StmtResult {
                    notices: Vec::new(),
                    rows: Some(self.render(cols, rows)),
                    tag: format!("SELECT {n}"),
                    affected: 0,
                })
            }
            Statement::CreateTable(ct) => self.create_table(sess, ct, src),
            Statement::Insert(ins) => self.insert(sess, ins, src),
            Statement::Update(up) => self.update(sess, up, src),
            Statement::Delete(del) => self.delete(sess, del, src),
            Statement::Drop {
                object_type,
                if_exists,
                names,
                ..
            } => self.drop(sess, *object_type, *if_exists, names, multi, reply),
            Statement::Truncate(t) => {
                let mut targets = Vec::new();
                for tt in &t.table_names {
                    let (db, tb) = self
                        .table_to_write(sess, &tt.name, src, Write::Truncate)
                        .map_err(|e| e.at(None))?;
                    targets.push((db, tb.name.clone()));
                }
                for (db, table) in targets {
                    self.log(sess, Change::Truncate { db, table });
                }
                Ok(tag("TRUNCATE TABLE"))
            }
            Statement::CreateDatabase {
                db_name,
                if_not_exists,
                ..
            } => {
                let (_, name, _) = table_name(db_name);
                let inside = multi || sess.txn.as_ref().is_some_and(|t| t.explicit);
                if inside && self.dialect == Dialect::Postgres {
                    return Err(SqlError::new(
                        "CREATE DATABASE cannot run inside a transaction block",
                    ));
                }
                if self.cluster.databases.contains_key(&name) {
                    if *if_not_exists {
                        let mut r = tag("CREATE DATABASE");
                        r.notices.push(format!(
                            "NOTICE:  database \"{name}\" already exists, skipping"
                        ));
                        return Ok(r);
                    }
                    return Err(match self.dialect {
                        Dialect::Postgres => {
                            SqlError::new(format!("database \"{name}\" already exists"))
                        }
                        Dialect::Mysql => SqlError::new(format!(
                            "Can't create database '{name}'; database exists"
                        ))
                        .my(1007, "HY000"),
                    });
                }
                let ch = Change::CreateDb {
                    name,
                    owner: sess.user.clone(),
                };
                self.cluster.apply(&ch);
                reply.committed.push(ch);
                let mut r = tag("CREATE DATABASE");
                r.affected = 1;
                Ok(r)
            }
            Statement::StartTransaction { .. } => {
                let mut r = tag("BEGIN");
                if let Some(t) = sess.txn.as_mut() {
                    if t.explicit {
                        r.notices
                            .push("WARNING:  there is already a transaction in progress".into());
                    }
                    t.explicit = true;
                }
                Ok(r)
            }
            Statement::Commit { .. } => {
                let mut r = tag("COMMIT");
                match sess.txn.as_ref() {
                    Some(t) if t.explicit => {
                        if t.failed {
                            r.tag = "ROLLBACK".into();
                        }
                        self.commit(sess, reply);
                    }
                    _ => r
                        .notices
                        .push("WARNING:  there is no transaction in progress".into()),
                }
                Ok(r)
            }
            Statement::Rollback { .. } => {
                let mut r = tag("ROLLBACK");
                match sess.txn.take() {
                    Some(t) if t.explicit => self.rollback_txn(t, reply),
                    Some(t) => {
                        r.notices
                            .push("WARNING:  there is no transaction in progress".into());
                        // An implicit block: ROLLBACK ends it too.
                        self.rollback_txn(t, reply);
                    }
                    None => r
                        .notices
                        .push("WARNING:  there is no transaction in progress".into()),
                }
                Ok(r)
            }
            Statement::Set(set) => self.set(sess, set),
            Statement::ShowVariable { variable } => {
                let name = variable
                    .iter()
                    .map(|i| i.value.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(" ");
                let val = match name.as_str() {
                    "synchronous_commit" => {
                        if sess.synchronous_commit {
                            "on".to_string()
                        } else {
                            "off".to_string()
                        }
                    }
                    "server_version" => sess
                        .version
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                    "timezone" => "Etc/UTC".into(),
                    "server_encoding" | "client_encoding" => "UTF8".into(),
                    "search_path" => "\"$user\", public".into(),
                    "max_connections" => "100".into(),
                    "shared_buffers" => "128MB".into(),
                    "wal_level" => "replica".into(),
                    "fsync" => "on".into(),
                    "listen_addresses" => "*".into(),
                    "port" => "5432".into(),
                    "data_directory" => "/var/lib/postgresql/data".into(),
                    _ => {
                        return Err(SqlError::new(format!(
                            "unrecognized configuration parameter \"{name}\""
                        )));
                    }
                };
                Ok(StmtResult {
                    notices: Vec::new(),
                    rows: Some(ResultSet {
                        cols: vec![(name, Ty::Text)],
                        rows: vec![vec![Some(val)]],
                    }),
                    tag: "SHOW".into(),
                    affected: 0,
                })
            }
            Statement::ShowDatabases { .. } if self.dialect == Dialect::Mysql => {
                let mut names: Vec<String> = self.cluster.databases.keys().cloned().collect();
                names.sort();
                Ok(StmtResult {
                    notices: Vec::new(),
                    rows: Some(ResultSet {
                        cols: vec![("Database".into(), Ty::Text)],
                        rows: names.into_iter().map(|n| vec![Some(n)]).collect(),
                    }),
                    tag: "SHOW".into(),
                    affected: 0,
                })
            }
            Statement::ShowTables { .. } if self.dialect == Dialect::Mysql => {
                let db = self.db(sess)?;
                let rows = db.tables.keys().map(|n| vec![Some(n.clone())]).collect();
                Ok(StmtResult {
                    notices: Vec::new(),
                    rows: Some(ResultSet {
                        cols: vec![(format!("Tables_in_{}", sess.db), Ty::Text)],
                        rows,
                    }),
                    tag: "SHOW".into(),
                    affected: 0,
                })
            }
            Statement::Use(u) if self.dialect == Dialect::Mysql => {
                let name = match u {
                    ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n) => {
                        table_name(n).1
                    }
                    _ => String::new(),
                };
                if !self.cluster.databases.contains_key(&name) {
                    return Err(
                        SqlError::new(format!("Unknown database '{name}'")).my(1049, "42000")
                    );
                }
                sess.db = name;
                Ok(tag("USE"))
            }
            other => {
                let text = other.to_string();
                let word = text.split_whitespace().next().unwrap_or("").to_string();
                match self.dialect {
                    Dialect::Postgres => Err(SqlError::new(format!(
                        "syntax error at or near \"{word}\""
                    ))
                    .at(Some(1))),
                    Dialect::Mysql => Err(SqlError::new(format!(
                        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{text}' at line 1"
                    ))
                    .my(1064, "42000")),
                }
            }
        }
    }

    fn set(&mut self, sess: &mut Session, set: &ast::Set) -> Result<StmtResult, SqlError> {
        let ok = StmtResult {
            notices: Vec::new(),
            rows: None,
            tag: "SET".into(),
            affected: 0,
        };
        if let ast::Set::SingleAssignment {
            variable, values, ..
        } = set
        {
            let name = variable.to_string().to_lowercase();
            let val = values
                .first()
                .map(|v| match v {
                    Expr::Value(x) => match &x.value {
                        ast::Value::SingleQuotedString(s) => s.to_lowercase(),
                        other => other.to_string().to_lowercase(),
                    },
                    Expr::Identifier(i) => i.value.to_lowercase(),
                    other => other.to_string().to_lowercase(),
                })
                .unwrap_or_default();
            match name.as_str() {
                "synchronous_commit" => {
                    sess.synchronous_commit = match val.as_str() {
                        "off" | "false" | "0" | "no" => false,
                        "on" | "true" | "1" | "yes" | "local" | "remote_write" | "remote_apply" => {
                            true
                        }
                        _ => {
                            return Err(SqlError::new(format!(
                                "invalid value for parameter \"synchronous_commit\": \"{val}\""
                            ))
                            .hint(
                                "Available values: local, remote_write, remote_apply, on, off.",
                            ));
                        }
                    };
                }
                "search_path"
                | "client_encoding"
                | "timezone"
                | "time zone"
                | "statement_timeout"
                | "lock_timeout"
                | "client_min_messages"
                | "idle_in_transaction_session_timeout"
                | "standard_conforming_strings"
                | "check_function_bodies"
                | "xmloption"
                | "row_security"
                | "default_tablespace"
                | "default_table_access_method"
                | "work_mem"
                | "application_name"
                | "datestyle"
                | "names"
                | "autocommit"
                | "sql_mode"
                | "foreign_key_checks"
                | "unique_checks"
                | "character_set_client" => {}
                _ if self.dialect == Dialect::Mysql => {}
                _ => {
                    return Err(SqlError::new(format!(
                        "unrecognized configuration parameter \"{name}\""
                    )));
                }
            }
        }
        Ok(ok)
    }

    fn data_type(
        &self,
        dt: &DataType,
        src: &Src<'_>,
    ) -> Result<(Ty, Option<&'static str>), SqlError> {
        let len = |l: &Option<ast::CharacterLength>| -> Option<u32> {
            match l {
                Some(ast::CharacterLength::IntegerLength { length, .. }) => {
                    u32::try_from(*length).ok()
                }
                _ => None,
            }
        };
        let num = |e: &ast::ExactNumberInfo| -> Ty {
            match e {
                ast::ExactNumberInfo::None => Ty::Numeric(None),
                ast::ExactNumberInfo::Precision(p) => {
                    Ty::Numeric(Some((u32::try_from(*p).unwrap_or(10), 0)))
                }
                ast::ExactNumberInfo::PrecisionAndScale(p, s) => Ty::Numeric(Some((
                    u32::try_from(*p).unwrap_or(10),
                    u32::try_from(*s).unwrap_or(0),
                ))),
            }
        };
        Ok(match dt {
            DataType::Int(_)
            | DataType::Integer(_)
            | DataType::Int4(_)
            | DataType::MediumInt(_)
            | DataType::IntUnsigned(_)
            | DataType::IntegerUnsigned(_) => (Ty::Int4, None),
            DataType::BigInt(_) | DataType::Int8(_) | DataType::BigIntUnsigned(_) => {
                (Ty::Int8, None)
            }
            DataType::SmallInt(_) | DataType::Int2(_) | DataType::TinyInt(_) => (Ty::Int2, None),
            DataType::Text
            | DataType::TinyText
            | DataType::MediumText
            | DataType::LongText
            | DataType::String(_)
            | DataType::JSON
            | DataType::JSONB
            | DataType::Uuid => (Ty::Text, None),
            DataType::Varchar(l) | DataType::CharacterVarying(l) | DataType::CharVarying(l) => {
                (Ty::Varchar(len(l)), None)
            }
            DataType::Char(l) | DataType::Character(l) => (Ty::Char(len(l).unwrap_or(1)), None),
            DataType::Bool | DataType::Boolean => (Ty::Bool, None),
            DataType::Timestamp(_, tz) => match tz {
                ast::TimezoneInfo::WithTimeZone | ast::TimezoneInfo::Tz => (Ty::Timestamptz, None),
                _ => (Ty::Timestamp, None),
            },
            DataType::Datetime(_) => (Ty::Timestamp, None),
            DataType::Date => (Ty::Date, None),
            DataType::Numeric(e) | DataType::Decimal(e) | DataType::Dec(e) => (num(e), None),
            DataType::Real
            | DataType::Float4
            | DataType::Float8
            | DataType::DoublePrecision
            | DataType::Double(_)
            | DataType::Float(_) => (Ty::Float, None),
            DataType::Custom(name, _) => {
                let n = name.to_string().to_lowercase();
                match n.as_str() {
                    "serial" | "serial4" => (Ty::Int4, Some("serial")),
                    "bigserial" | "serial8" => (Ty::Int8, Some("serial")),
                    "smallserial" | "serial2" => (Ty::Int2, Some("serial")),
                    "timestamptz" => (Ty::Timestamptz, None),
                    "int" | "int4" | "integer" => (Ty::Int4, None),
                    _ => {
                        return Err(match self.dialect {
                            Dialect::Postgres => {
                                SqlError::new(format!("type \"{n}\" does not exist"))
                                    .at(span_pos(src, name))
                            }
                            Dialect::Mysql => SqlError::new(format!(
                                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{n}' at line 1"
                            ))
                            .my(1064, "42000"),
                        });
                    }
                }
            }
            other => {
                return Err(SqlError::new(format!(
                    "type \"{}\" does not exist",
                    other.to_string().to_lowercase()
                )));
            }
        })
    }

    fn create_table(
        &mut self,
        sess: &mut Session,
        ct: &ast::CreateTable,
        src: &Src<'_>,
    ) -> Result<StmtResult, SqlError> {
        let (qual, name, _) = table_name(&ct.name);
        let db = self.resolve_db(sess, qual)?;
        let Some(d) = self.cluster.databases.get(&db) else {
            return Err(SqlError::new(format!("Unknown database '{db}'")).my(1049, "42000"));
        };
        let mut res = StmtResult {
            notices: Vec::new(),
            rows: None,
            tag: "CREATE TABLE".into(),
            affected: 0,
        };
        if d.tables.contains_key(&name) {
            if ct.if_not_exists {
                res.notices.push(format!(
                    "NOTICE:  relation \"{name}\" already exists, skipping"
                ));
                return Ok(res);
            }
            return Err(match self.dialect {
                Dialect::Postgres => SqlError::new(format!("relation \"{name}\" already exists")),
                Dialect::Mysql => {
                    SqlError::new(format!("Table '{name}' already exists")).my(1050, "42S01")
                }
            });
        }
        let mut table = Table {
            name: name.clone(),
            columns: Vec::new(),
            uniques: Vec::new(),
            rows: Vec::new(),
            next_id: 1,
        };
        let mut seqs = Vec::new();
        let mut pk: Option<Vec<usize>> = None;
        let mut uniq: Vec<(Option<String>, Vec<usize>)> = Vec::new();
        for cd in &ct.columns {
            let cname = fold(&cd.name);
            if table.col(&cname).is_some() {
                return Err(SqlError::new(format!(
                    "column \"{cname}\" specified more than once"
                )));
            }
            let (ty, special) = self.data_type(&cd.data_type, src)?;
            let mut col = Column {
                name: cname.clone(),
                ty: ty.clone(),
                not_null: false,
                default: None,
            };
            let idx = table.columns.len();
            if special == Some("serial") {
                let seq = format!("{name}_{cname}_seq");
                col.not_null = true;
                col.default = Some(ColDefault::Seq(seq.clone()));
                seqs.push(seq);
            }
            for opt in &cd.options {
                match &opt.option {
                    ColumnOption::NotNull => col.not_null = true,
                    ColumnOption::Null => {}
                    ColumnOption::Default(e) => {
                        col.default = Some(self.default_of(e, &ty, sess, src)?);
                    }
                    ColumnOption::PrimaryKey(_) => {
                        if pk.is_some() {
                            return Err(SqlError::new(format!(
                                "multiple primary keys for table \"{name}\" are not allowed"
                            ))
                            .at(src.find(
                                src.pos(cd.name.span.start),
                                None,
                                "primary",
                            )));
                        }
                        pk = Some(vec![idx]);
                        col.not_null = true;
                    }
                    ColumnOption::Unique(_) => uniq.push((None, vec![idx])),
                    ColumnOption::DialectSpecific(toks)
                        if toks
                            .iter()
                            .any(|t| t.to_string().eq_ignore_ascii_case("auto_increment")) =>
                    {
                        let seq = format!("{name}_{cname}_seq");
                        col.default = Some(ColDefault::Seq(seq.clone()));
                        col.not_null = true;
                        seqs.push(seq);
                    }
                    _ => {}
                }
            }
            table.columns.push(col);
        }
        for c in &ct.constraints {
            let cols_of =
                |cols: &[ast::IndexColumn], table: &Table| -> Result<Vec<usize>, SqlError> {
                    cols.iter()
                        .map(|ic| {
                            let n = match &ic.column.expr {
                                Expr::Identifier(i) => fold(i),
                                other => other.to_string(),
                            };
                            table.col(&n).ok_or_else(|| {
                                SqlError::new(format!("column \"{n}\" named in key does not exist"))
                                    .at(span_pos(src, &ic.column.expr))
                            })
                        })
                        .collect()
                };
            match c {
                TableConstraint::PrimaryKey(p) => {
                    if pk.is_some() {
                        return Err(SqlError::new(format!(
                            "multiple primary keys for table \"{name}\" are not allowed"
                        )));
                    }
                    let cols = cols_of(&p.columns, &table)?;
                    for &i in &cols {
                        table.columns[i].not_null = true;
                    }
                    pk = Some(cols);
                }
                TableConstraint::Unique(u) => {
                    let cols = cols_of(&u.columns, &table)?;
                    uniq.push((u.name.as_ref().map(fold), cols));
                }
                _ => {}
            }
        }
        if let Some(cols) = pk {
            table.uniques.push(Unique {
                name: match self.dialect {
                    Dialect::Postgres => format!("{name}_pkey"),
                    Dialect::Mysql => "PRIMARY".into(),
                },
                cols,
                primary: true,
            });
        }
        for (n, cols) in uniq {
            let cname = n.unwrap_or_else(|| match self.dialect {
                Dialect::Postgres => format!(
                    "{name}_{}_key",
                    cols.iter()
                        .map(|&i| table.columns[i].name.clone())
                        .collect::<Vec<_>>()
                        .join("_")
                ),
                Dialect::Mysql => table.columns[cols[0]].name.clone(),
            });
            table.uniques.push(Unique {
                name: cname,
                cols,
                primary: false,
            });
        }
        for seq in seqs {
            self.log(
                sess,
                Change::SetSeq {
                    db: db.clone(),
                    seq,
                    last: 0,
                },
            );
        }
        self.log(sess, Change::CreateTable { db, table });
        Ok(res)
    }

    fn default_of(
        &mut self,
        e: &Expr,
        ty: &Ty,
        sess: &mut Session,
        src: &Src<'_>,
    ) -> Result<ColDefault, SqlError> {
        if let Expr::Function(f) = e {
            let n = f.name.to_string().to_lowercase();
            if matches!(n.as_str(), "now" | "current_timestamp" | "localtimestamp") {
                let shown = if n == "now" {
                    "now()".to_string()
                } else {
                    "CURRENT_TIMESTAMP".to_string()
                };
                return Ok(ColDefault::Now(shown));
            }
        }
        let scope = Scope {
            cols: &[],
            row: &[],
            group: None,
        };
        let (v, vt) = self.eval(e, &scope, sess, src)?;
        let v = self.coerce(v, &vt, ty, span_pos(src, e))?;
        let shown = match (&v, ty) {
            (Value::Null, _) => "NULL".to_string(),
            (Value::Text(s), t) => format!("'{}'::{}", s.replace('\'', "''"), t.pg_name()),
            (Value::Bool(b), _) => b.to_string(),
            (other, t) => other.pg_text(t).unwrap_or_default(),
        };
        Ok(ColDefault::Const(v, shown))
    }

    /// Converts `v` of type `from` to column type `to` (input syntax, ranges, lengths).
    fn coerce(&self, v: Value, from: &Ty, to: &Ty, pos: Option<usize>) -> Result<Value, SqlError> {
        if v.is_null() {
            return Ok(v);
        }
        let my = self.dialect == Dialect::Mysql;
        let bad = |s: &str| {
            SqlError::new(format!(
                "invalid input syntax for type {}: \"{s}\"",
                to.input_name()
            ))
            .at(pos)
        };
        match to {
            Ty::Int4 | Ty::Int2 | Ty::Int8 | Ty::Oid | Ty::Xid => {
                let i = match &v {
                    Value::Int(i) => *i,
                    Value::Num(d) => d.to_i64().ok_or_else(|| {
                        SqlError::new(if *to == Ty::Int8 {
                            "bigint out of range"
                        } else {
                            "integer out of range"
                        })
                    })?,
                    Value::Text(s) if from.is_text() || my => match s.trim().parse::<i64>() {
                        Ok(i) => i,
                        Err(_) => {
                            if my {
                                return Err(SqlError::new(format!(
                                    "Incorrect integer value: '{s}' for column"
                                ))
                                .my(1366, "HY000"));
                            }
                            if s.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-')
                                && !s.trim().is_empty()
                            {
                                return Err(SqlError::new(format!(
                                    "value \"{s}\" is out of range for type {}",
                                    to.input_name()
                                ))
                                .at(pos));
                            }
                            return Err(bad(s));
                        }
                    },
                    Value::Bool(b) if my => i64::from(*b),
                    _ => {
                        return Err(SqlError::new(format!(
                            "column is of type {} but expression is of type {}",
                            to.pg_name(),
                            from.pg_name()
                        ))
                        .at(pos));
                    }
                };
                match to {
                    Ty::Int4 => int4_check(i).map(Value::Int),
                    Ty::Int2 if !(-32768..=32767).contains(&i) => {
                        Err(SqlError::new("smallint out of range"))
                    }
                    Ty::Oid | Ty::Xid if u32::try_from(i).is_err() => Err(SqlError::new(format!(
                        "value \"{i}\" is out of range for type {}",
                        to.pg_name()
                    ))
                    .at(pos)),
                    _ => Ok(Value::Int(i)),
                }
            }
            Ty::Numeric(_) | Ty::Float => {
                let d = match &v {
                    Value::Int(i) => Dec::int(*i),
                    Value::Num(d) => *d,
                    Value::Text(s) => Dec::parse(s).ok_or_else(|| bad(s))?,
                    _ => return Err(bad(&format!("{v:?}"))),
                };
                let d = match to {
                    Ty::Numeric(Some((p, s))) => {
                        let r = d
                            .with_scale(*s)
                            .ok_or_else(|| SqlError::new("numeric field overflow"))?;
                        let digits = r.m.abs().to_string().len() as u32;
                        if r.m != 0 && digits > *p {
                            return Err(SqlError::new("numeric field overflow").detail(format!(
                                "A field with precision {p}, scale {s} must round to an absolute value less than 10^{}.",
                                p - s
                            )));
                        }
                        r
                    }
                    _ => d,
                };
                Ok(Value::Num(d))
            }
            Ty::Text | Ty::Name | Ty::Unknown => Ok(Value::Text(self.text_of(&v, from))),
            Ty::Inet => match &v {
                Value::Text(s) => inet_text(s).map(Value::Text).ok_or_else(|| bad(s)),
                _ => Err(
                    SqlError::new(format!("cannot cast type {} to inet", from.pg_name())).at(pos),
                ),
            },
            Ty::Varchar(_) | Ty::Char(_) => {
                let s = self.text_of(&v, from);
                let limit = match to {
                    Ty::Varchar(n2) => *n2,
                    Ty::Char(n2) => Some(*n2),
                    _ => None,
                };
                if let Some(n) = limit {
                    let len = s.chars().count();
                    if len > n as usize {
                        let trimmed = s.trim_end_matches(' ');
                        if trimmed.chars().count() <= n as usize {
                            return Ok(Value::Text(trimmed.chars().take(n as usize).collect()));
                        }
                        return Err(match self.dialect {
                            Dialect::Postgres => {
                                SqlError::new(format!("value too long for type {}", to.pg_name()))
                            }
                            Dialect::Mysql => {
                                SqlError::new("Data too long for column").my(1406, "22001")
                            }
                        });
                    }
                    if let Ty::Char(_) = to {
                        return Ok(Value::Text(format!("{s:<width$}", width = n as usize)));
                    }
                }
                Ok(Value::Text(s))
            }
            Ty::Bool => match &v {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::Int(i) if my => Ok(Value::Bool(*i != 0)),
                Value::Text(s) => match s.trim().to_lowercase().as_str() {
                    "t" | "true" | "yes" | "y" | "on" | "1" => Ok(Value::Bool(true)),
                    "f" | "false" | "no" | "n" | "off" | "0" => Ok(Value::Bool(false)),
                    _ => Err(bad(s)),
                },
                _ => Err(SqlError::new(format!(
                    "column is of type boolean but expression is of type {}",
                    from.pg_name()
                ))
                .at(pos)),
            },
            Ty::Timestamp | Ty::Timestamptz | Ty::Date => match &v {
                Value::Ts(ms) => Ok(Value::Ts(if *to == Ty::Date {
                    ms - ms.rem_euclid(86_400_000)
                } else {
                    *ms
                })),
                Value::Text(s) => match s.trim().to_lowercase().as_str() {
                    "now" => Ok(Value::Ts(0)),
                    _ => parse_ts(s).map(Value::Ts).ok_or_else(|| bad(s)),
                },
                _ => Err(bad(&self.text_of(&v, from))),
            },
        }
    }

    fn text_of(&self, v: &Value, ty: &Ty) -> String {
        match self.dialect {
            Dialect::Postgres => v.pg_text(ty),
            Dialect::Mysql => v.mysql_text(ty),
        }
        .unwrap_or_default()
    }

    fn nextval(&mut self, sess: &mut Session, db: &str, seq: &str) -> Result<i64, SqlError> {
        let last = self
            .cluster
            .databases
            .get(db)
            .and_then(|d| d.sequences.get(seq))
            .map_or(0, |s| s.last);
        let v = last + 1;
        self.log(
            sess,
            Change::SetSeq {
                db: db.into(),
                seq: seq.into(),
                last: v,
            },
        );
        Ok(v)
    }

    fn target_cols(
        &self,
        t: &Table,
        cols: &[ObjectName],
        src: &Src<'_>,
    ) -> Result<Vec<usize>, SqlError> {
        if cols.is_empty() {
            return Ok((0..t.columns.len()).collect());
        }
        let mut out = Vec::new();
        for c in cols {
            let parts = object_parts(c);
            let n = parts.last().map(|i| fold(i)).unwrap_or_default();
            match t.col(&n) {
                Some(i) => {
                    if out.contains(&i) {
                        return Err(SqlError::new(format!(
                            "column \"{n}\" specified more than once"
                        ))
                        .at(span_pos(src, c)));
                    }
                    out.push(i);
                }
                None => {
                    return Err(match self.dialect {
                        Dialect::Postgres => SqlError::new(format!(
                            "column \"{n}\" of relation \"{}\" does not exist",
                            t.name
                        ))
                        .at(span_pos(src, c)),
                        Dialect::Mysql => {
                            SqlError::new(format!("Unknown column '{n}' in 'field list'"))
                                .my(1054, "42S22")
                        }
                    });
                }
            }
        }
        Ok(out)
    }

    /// Completes, checks and writes a new row; returns it.
    fn write_row(
        &mut self,
        sess: &mut Session,
        db: &str,
        tname: &str,
        mut vals: Vec<Option<Value>>,
        replacing: Option<u64>,
    ) -> Result<Row, SqlError> {
        let t = self.cluster.databases[db].tables[tname].clone();
        for (i, c) in t.columns.iter().enumerate() {
            if vals[i].is_none() {
                vals[i] = Some(match &c.default {
                    None => Value::Null,
                    Some(ColDefault::Const(v, _)) => v.clone(),
                    Some(ColDefault::Now(_)) => Value::Ts(sess.now_ms),
                    Some(ColDefault::Seq(s)) => {
                        let v = self.nextval(sess, db, s)?;
                        if c.ty == Ty::Int4 {
                            int4_check(v)?;
                        }
                        Value::Int(v)
                    }
                });
            }
        }
        let mut vals: Vec<Value> = vals
            .into_iter()
            .map(Option::unwrap_or_default_null)
            .collect();
        for (i, c) in t.columns.iter().enumerate() {
            if (c.ty == Ty::Timestamp || c.ty == Ty::Timestamptz) && vals[i] == Value::Ts(0) {
                vals[i] = Value::Ts(sess.now_ms);
            }
            if c.not_null && vals[i].is_null() {
                let row: Vec<String> = vals
                    .iter()
                    .zip(&t.columns)
                    .map(|(v, c)| v.pg_text(&c.ty).unwrap_or_else(|| "null".into()))
                    .collect();
                return Err(match self.dialect {
                    Dialect::Postgres => SqlError::new(format!(
                        "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                        c.name, t.name
                    ))
                    .detail(format!("Failing row contains ({}).", row.join(", "))),
                    Dialect::Mysql => SqlError::new(format!("Column '{}' cannot be null", c.name))
                        .my(1048, "23000"),
                });
            }
        }
        for u in &t.uniques {
            let key: Vec<&Value> = u.cols.iter().map(|&i| &vals[i]).collect();
            if key.iter().any(|v| v.is_null()) {
                continue;
            }
            let dup = t.rows.iter().any(|r| {
                Some(r.id) != replacing
                    && u.cols
                        .iter()
                        .zip(&key)
                        .all(|(&i, k)| cmp_values(&r.vals[i], k) == Ordering::Equal)
            });
            if dup {
                let names: Vec<&str> = u.cols.iter().map(|&i| t.columns[i].name.as_str()).collect();
                let kv: Vec<String> = u
                    .cols
                    .iter()
                    .map(|&i| vals[i].pg_text(&t.columns[i].ty).unwrap_or_default())
                    .collect();
                return Err(match self.dialect {
                    Dialect::Postgres => SqlError::new(format!(
                        "duplicate key value violates unique constraint \"{}\"",
                        u.name
                    ))
                    .detail(format!(
                        "Key ({})=({}) already exists.",
                        names.join(", "),
                        kv.join(", ")
                    )),
                    Dialect::Mysql => SqlError::new(format!(
                        "Duplicate entry '{}' for key '{}.{}'",
                        kv.join("-"),
                        t.name,
                        u.name
                    ))
                    .my(1062, "23000"),
                });
            }
        }
        // MySQL: an explicit AUTO_INCREMENT value moves the counter.
        for c in &t.columns {
            if let Some(ColDefault::Seq(s)) = &c.default
                && self.dialect == Dialect::Mysql
                && let Some(i) = t.col(&c.name)
                && let Value::Int(v) = vals[i]
            {
                let last = self.cluster.databases[db]
                    .sequences
                    .get(s)
                    .map_or(0, |q| q.last);
                if v > last {
                    self.log(
                        sess,
                        Change::SetSeq {
                            db: db.into(),
                            seq: s.clone(),
                            last: v,
                        },
                    );
                }
            }
        }
        if let Some(id) = replacing {
            self.log(
                sess,
                Change::Delete {
                    db: db.into(),
                    table: tname.into(),
                    id,
                },
            );
        }
        let row = Row {
            id: self.cluster.databases[db].tables[tname].next_id,
            vals,
        };
        self.log(
            sess,
            Change::Insert {
                db: db.into(),
                table: tname.into(),
                row: row.clone(),
            },
        );
        Ok(row)
    }

    fn scope_of(t: &Table, alias: &str) -> Vec<ScopeCol> {
        t.columns
            .iter()
            .map(|c| ScopeCol {
                table: alias.to_string(),
                name: c.name.clone(),
                ty: c.ty.clone(),
            })
            .collect()
    }

    fn insert(
        &mut self,
        sess: &mut Session,
        ins: &ast::Insert,
        src: &Src<'_>,
    ) -> Result<StmtResult, SqlError> {
        let TableObject::TableName(tn) = &ins.table else {
            return Err(SqlError::new("syntax error at or near \"FUNCTION\""));
        };
        let (db, t) = self.table_to_write(sess, tn, src, Write::Insert)?;
        let t = t.clone();
        let targets = self.target_cols(&t, &ins.columns, src)?;
        let Some(source) = &ins.source else {
            // INSERT ... DEFAULT VALUES
            let row = self.write_row(sess, &db, &t.name, vec![None; t.columns.len()], None)?;
            return self.insert_result(sess, ins, &t, vec![row], src);
        };
        let mut new_rows: Vec<Vec<(Value, Ty, Option<usize>)>> = Vec::new();
        if let SetExpr::Values(vals) = source.body.as_ref() {
            for r in &vals.rows {
                let exprs = &r.content;
                if exprs.len() > targets.len() {
                    return Err(match self.dialect {
                        Dialect::Postgres => {
                            SqlError::new("INSERT has more expressions than target columns")
                                .at(span_pos(src, &exprs[targets.len()]))
                        }
                        Dialect::Mysql => {
                            SqlError::new("Column count doesn't match value count at row 1")
                                .my(1136, "21S01")
                        }
                    });
                }
                if exprs.len() < targets.len() && !ins.columns.is_empty() {
                    return Err(match self.dialect {
                        Dialect::Postgres => {
                            SqlError::new("INSERT has more target columns than expressions")
                                .at(span_pos(src, &ins.columns[exprs.len()]))
                        }
                        Dialect::Mysql => {
                            SqlError::new("Column count doesn't match value count at row 1")
                                .my(1136, "21S01")
                        }
                    });
                }
                let scope = Scope {
                    cols: &[],
                    row: &[],
                    group: None,
                };
                let mut row = Vec::new();
                for e in exprs {
                    if let Expr::Identifier(i) = e
                        && i.quote_style.is_none()
                        && i.value.eq_ignore_ascii_case("default")
                    {
                        row.push((Value::Null, Ty::Unknown, Some(usize::MAX)));
                        continue;
                    }
                    let (v, ty) = self.eval(e, &scope, sess, src)?;
                    row.push((v, ty, span_pos(src, e)));
                }
                new_rows.push(row);
            }
        } else {
            let (cols, rows) = self.run_query(sess, source, src)?;
            for r in rows {
                if r.len() > targets.len() {
                    return Err(SqlError::new(
                        "INSERT has more expressions than target columns",
                    ));
                }
                new_rows.push(
                    r.into_iter()
                        .zip(&cols)
                        .map(|(v, (_, ty))| (v, ty.clone(), None))
                        .collect(),
                );
            }
        }
        // Coerce every row first (input errors come before any write), then write.
        let mut prepared = Vec::new();
        for r in new_rows {
            let mut vals: Vec<Option<Value>> = vec![None; t.columns.len()];
            for ((v, ty, pos), &ci) in r.into_iter().zip(&targets) {
                if pos == Some(usize::MAX) {
                    continue;
                }
                let c = &t.columns[ci];
                vals[ci] = Some(self.coerce(v, &ty, &c.ty, pos)?);
            }
            prepared.push(vals);
        }
        let mut written = Vec::new();
        for vals in prepared {
            written.push(self.write_row(sess, &db, &t.name, vals, None)?);
        }
        self.insert_result(sess, ins, &t, written, src)
    }

    fn insert_result(
        &mut self,
        sess: &mut Session,
        ins: &ast::Insert,
        t: &Table,
        written: Vec<Row>,
        src: &Src<'_>,
    ) -> Result<StmtResult, SqlError> {
        let n = written.len();
        let rows = match &ins.returning {
            Some(items) => Some(self.returning(sess, t, &written, items, src)?),
            None => None,
        };
        Ok(StmtResult {
            notices: Vec::new(),
            rows,
            tag: format!("INSERT 0 {n}"),
            affected: n as u64,
        })
    }

    fn returning(
        &mut self,
        sess: &mut Session,
        t: &Table,
        rows: &[Row],
        items: &[SelectItem],
        src: &Src<'_>,
    ) -> Result<ResultSet, SqlError> {
        let scope_cols = Self::scope_of(t, &t.name);
        let input: Vec<Vec<Value>> = rows.iter().map(|r| r.vals.clone()).collect();
        let (cols, out) = self.project(sess, &scope_cols, &input, items, src)?;
        Ok(self.render(cols, out))
    }

    fn filter(
        &mut self,
        sess: &mut Session,
        cols: &[ScopeCol],
        rows: &[Vec<Value>],
        selection: Option<&Expr>,
        src: &Src<'_>,
    ) -> Result<Vec<bool>, SqlError> {
        let mut keep = Vec::with_capacity(rows.len());
        if let Some(w) = selection
            && contains_aggregate(w)
        {
            return Err(
                SqlError::new("aggregate functions are not allowed in WHERE").at(span_pos(src, w)),
            );
        }
        for r in rows {
            let ok = match selection {
                None => true,
                Some(w) => {
                    let scope = Scope {
                        cols,
                        row: r,
                        group: None,
                    };
                    let (v, ty) = self.eval(w, &scope, sess, src)?;
                    if ty != Ty::Bool && !v.is_null() && self.dialect == Dialect::Postgres {
                        return Err(SqlError::new(format!(
                            "argument of WHERE must be type boolean, not type {}",
                            ty.pg_name()
                        ))
                        .at(span_pos(src, w)));
                    }
                    truthy(&v).unwrap_or(false)
                }
            };
            keep.push(ok);
        }
        if rows.is_empty()
            && let Some(w) = selection
        {
            // Still resolve names so that a bad column is reported on an empty table.
            let nulls: Vec<Value> = cols.iter().map(|_| Value::Null).collect();
            let scope = Scope {
                cols,
                row: &nulls,
                group: None,
            };
            self.eval(w, &scope, sess, src)?;
        }
        Ok(keep)
    }

    fn update(
        &mut self,
        sess: &mut Session,
        up: &ast::Update,
        src: &Src<'_>,
    ) -> Result<StmtResult, SqlError> {
        let TableFactor::Table { name, alias, .. } = &up.table.relation else {
            return Err(SqlError::new("syntax error at or near \"(\""));
        };
        let (db, t) = self.table_to_write(sess, name, src, Write::Update)?;
        let t = t.clone();
        let alias = alias.as_ref().map_or(t.name.clone(), |a| fold(&a.name));
        let scope_cols = Self::scope_of(&t, &alias);
        let mut sets = Vec::new();
        for a in &up.assignments {
            let AssignmentTarget::ColumnName(cn) = &a.target else {
                return Err(SqlError::new("syntax error at or near \"(\""));
            };
            let ci = self.target_cols(&t, std::slice::from_ref(cn), src)?[0];
            sets.push((ci, &a.value));
        }
        let rows: Vec<Vec<Value>> = t.rows.iter().map(|r| r.vals.clone()).collect();
        let keep = self.filter(sess, &scope_cols, &rows, up.selection.as_ref(), src)?;
        let mut changes = Vec::new();
        for (i, r) in t.rows.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let mut vals: Vec<Option<Value>> = r.vals.iter().cloned().map(Some).collect();
            for (ci, e) in &sets {
                let scope = Scope {
                    cols: &scope_cols,
                    row: &r.vals,
                    group: None,
                };
                let (v, ty) = self.eval(e, &scope, sess, src)?;
                vals[*ci] = Some(self.coerce(v, &ty, &t.columns[*ci].ty, span_pos(src, *e))?);
                if vals[*ci] == Some(Value::Null) {
                    vals[*ci] = Some(Value::Null);
                }
            }
            changes.push((r.id, vals));
        }
        let n = changes.len();
        let mut written = Vec::new();
        for (id, vals) in changes {
            // A NULL set explicitly must stay NULL (not take the default).
            let vals: Vec<Option<Value>> = vals
                .into_iter()
                .map(|v| Some(v.unwrap_or(Value::Null)))
                .collect();
            written.push(self.write_row(sess, &db, &t.name, vals, Some(id))?);
        }
        let rows = match &up.returning {
            Some(items) => Some(self.returning(sess, &t, &written, items, src)?),
            None => None,
        };
        Ok(StmtResult {
            notices: Vec::new(),
            rows,
            tag: format!("UPDATE {n}"),
            affected: n as u64,
        })
    }

    fn delete(
        &mut self,
        sess: &mut Session,
        del: &ast::Delete,
        src: &Src<'_>,
    ) -> Result<StmtResult, SqlError> {
        let from = match &del.from {
            FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
        };
        let Some(TableFactor::Table { name, alias, .. }) = from.first().map(|t| &t.relation) else {
            return Err(SqlError::new("syntax error at end of input"));
        };
        let (db, t) = self.table_to_write(sess, name, src, Write::Delete)?;
        let t = t.clone();
        let alias = alias.as_ref().map_or(t.name.clone(), |a| fold(&a.name));
        let scope_cols = Self::scope_of(&t, &alias);
        let rows: Vec<Vec<Value>> = t.rows.iter().map(|r| r.vals.clone()).collect();
        let keep = self.filter(sess, &scope_cols, &rows, del.selection.as_ref(), src)?;
        let mut gone = Vec::new();
        for (i, r) in t.rows.iter().enumerate() {
            if keep[i] {
                gone.push(r.clone());
                self.log(
                    sess,
                    Change::Delete {
                        db: db.clone(),
                        table: t.name.clone(),
                        id: r.id,
                    },
                );
            }
        }
        let rows = match &del.returning {
            Some(items) => Some(self.returning(sess, &t, &gone, items, src)?),
            None => None,
        };
        Ok(StmtResult {
            notices: Vec::new(),
            rows,
            tag: format!("DELETE {}", gone.len()),
            affected: gone.len() as u64,
        })
    }

    fn drop(
        &mut self,
        sess: &mut Session,
        ot: ObjectType,
        if_exists: bool,
        names: &[ObjectName],
        multi: bool,
        reply: &mut Reply,
    ) -> Result<StmtResult, SqlError> {
        let mut res = StmtResult {
            notices: Vec::new(),
            rows: None,
            tag: String::new(),
            affected: 0,
        };
        match ot {
            ObjectType::Table => {
                res.tag = "DROP TABLE".into();
                let mut drop = Vec::new();
                for n in names {
                    if let Some(v) = self.system_view(n) {
                        return Err(v.refuse(Write::DropTable));
                    }
                    let (qual, name, _) = table_name(n);
                    let db = self.resolve_db(sess, qual)?;
                    let exists = self
                        .cluster
                        .databases
                        .get(&db)
                        .is_some_and(|d| d.tables.contains_key(&name));
                    if !exists {
                        if if_exists {
                            res.notices.push(match self.dialect {
                                Dialect::Postgres => {
                                    format!("NOTICE:  table \"{name}\" does not exist, skipping")
                                }
                                Dialect::Mysql => String::new(),
                            });
                            continue;
                        }
                        return Err(match self.dialect {
                            Dialect::Postgres => {
                                SqlError::new(format!("table \"{name}\" does not exist"))
                            }
                            Dialect::Mysql => SqlError::new(format!("Unknown table '{db}.{name}'"))
                                .my(1051, "42S02"),
                        });
                    }
                    drop.push((db, name));
                }
                for (db, name) in drop {
                    let seqs: Vec<String> = self.cluster.databases[&db].tables[&name]
                        .columns
                        .iter()
                        .filter_map(|c| match &c.default {
                            Some(ColDefault::Seq(s)) => Some(s.clone()),
                            _ => None,
                        })
                        .collect();
                    for seq in seqs {
                        self.log(
                            sess,
                            Change::DropSeq {
                                db: db.clone(),
                                seq,
                            },
                        );
                    }
                    self.log(sess, Change::DropTable { db, name });
                }
                res.notices.retain(|n| !n.is_empty());
                Ok(res)
            }
            ObjectType::Database | ObjectType::Schema
                if self.dialect == Dialect::Mysql || ot == ObjectType::Database =>
            {
                res.tag = "DROP DATABASE".into();
                let inside = multi || sess.txn.as_ref().is_some_and(|t| t.explicit);
                if inside && self.dialect == Dialect::Postgres {
                    return Err(SqlError::new(
                        "DROP DATABASE cannot run inside a transaction block",
                    ));
                }
                for n in names {
                    let (_, name, _) = table_name(n);
                    if !self.cluster.databases.contains_key(&name) {
                        if if_exists {
                            if self.dialect == Dialect::Postgres {
                                res.notices.push(format!(
                                    "NOTICE:  database \"{name}\" does not exist, skipping"
                                ));
                            }
                            continue;
                        }
                        return Err(match self.dialect {
                            Dialect::Postgres => {
                                SqlError::new(format!("database \"{name}\" does not exist"))
                            }
                            Dialect::Mysql => SqlError::new(format!(
                                "Can't drop database '{name}'; database doesn't exist"
                            ))
                            .my(1008, "HY000"),
                        });
                    }
                    if name == sess.db && self.dialect == Dialect::Postgres {
                        return Err(SqlError::new("cannot drop the currently open database"));
                    }
                    if name == "template1" || name == "template0" {
                        return Err(SqlError::new("cannot drop a template database".to_string()));
                    }
                    let ch = Change::DropDb { name: name.clone() };
                    self.cluster.apply(&ch);
                    reply.committed.push(ch);
                    if name == sess.db {
                        sess.db.clear();
                    }
                }
                Ok(res)
            }
            other => Err(SqlError::new(format!(
                "syntax error at or near \"{}\"",
                other.to_string().to_uppercase()
            ))),
        }
    }

    /// Turns typed values into a result set in this dialect's text form.
    fn render(&self, cols: Vec<(String, Ty)>, rows: Vec<Vec<Value>>) -> ResultSet {
        let rows = rows
            .into_iter()
            .map(|r| {
                r.iter()
                    .zip(&cols)
                    .map(|(v, (_, ty))| match self.dialect {
                        Dialect::Postgres => v.pg_text(ty),
                        Dialect::Mysql => v.mysql_text(ty),
                    })
                    .collect()
            })
            .collect();
        ResultSet { cols, rows }
    }

    /// FROM: the columns and rows of the joined relations.
    fn relations(
        &mut self,
        sess: &mut Session,
        from: &[ast::TableWithJoins],
        src: &Src<'_>,
    ) -> Result<(Vec<ScopeCol>, Vec<Vec<Value>>), SqlError> {
        let mut cols: Vec<ScopeCol> = Vec::new();
        let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
        for twj in from {
            let (c, r) = self.factor(sess, &twj.relation, src)?;
            cols.extend(c);
            rows = cross(&rows, &r);
            for j in &twj.joins {
                let (jc, jr) = self.factor(sess, &j.relation, src)?;
                let left_width = cols.len();
                let right_width = jc.len();
                cols.extend(jc);
                let (on, outer) = match &j.join_operator {
                    ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => (Some(c), false),
                    ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => (Some(c), true),
                    ast::JoinOperator::CrossJoin(_) => (None, false),
                    _ => {
                        return Err(SqlError::new("this kind of join is not supported"));
                    }
                };
                let mut out = Vec::new();
                for l in &rows {
                    let mut matched = false;
                    for r in &jr {
                        let mut combined = l.clone();
                        combined.extend(r.iter().cloned());
                        let ok = match on {
                            Some(ast::JoinConstraint::On(e)) => {
                                let scope = Scope {
                                    cols: &cols,
                                    row: &combined,
                                    group: None,
                                };
                                truthy(&self.eval(e, &scope, sess, src)?.0).unwrap_or(false)
                            }
                            Some(ast::JoinConstraint::Using(names)) => names.iter().all(|n| {
                                let name = n.to_string().to_lowercase();
                                let li = cols[..left_width].iter().position(|c| c.name == name);
                                let ri = cols[left_width..].iter().position(|c| c.name == name);
                                match (li, ri) {
                                    (Some(a), Some(b)) => {
                                        cmp_values(&combined[a], &combined[left_width + b])
                                            == Ordering::Equal
                                            && !combined[a].is_null()
                                    }
                                    _ => false,
                                }
                            }),
                            _ => true,
                        };
                        if ok {
                            matched = true;
                            out.push(combined);
                        }
                    }
                    if outer && !matched {
                        let mut combined = l.clone();
                        combined.extend(std::iter::repeat_n(Value::Null, right_width));
                        out.push(combined);
                    }
                }
                rows = out;
            }
        }
        Ok((cols, rows))
    }

    fn factor(
        &mut self,
        sess: &mut Session,
        f: &TableFactor,
        src: &Src<'_>,
    ) -> Result<(Vec<ScopeCol>, Vec<Vec<Value>>), SqlError> {
        match f {
            TableFactor::Table { name, alias, .. } => {
                if let Some(v) = self.system_view(name) {
                    let a = alias.as_ref().map_or(v.name.to_string(), |a| fold(&a.name));
                    let cols = (v.columns)(catalog::major_of(&sess.version))
                        .into_iter()
                        .map(|(n, ty)| ScopeCol {
                            table: a.clone(),
                            name: n.to_string(),
                            ty,
                        })
                        .collect();
                    let rows = (v.rows)(&ViewCx {
                        cluster: &self.cluster,
                        processes: &self.processes,
                        sess,
                        query: src.text,
                    });
                    return Ok((cols, rows));
                }
                let (_, t) = self.table(sess, name, src)?;
                let a = alias.as_ref().map_or(t.name.clone(), |a| fold(&a.name));
                let cols = Self::scope_of(t, &a);
                let rows = t.rows.iter().map(|r| r.vals.clone()).collect();
                Ok((cols, rows))
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let (cols, rows) = self.run_query(sess, subquery, src)?;
                let a = alias.as_ref().map_or(String::new(), |a| fold(&a.name));
                let names: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| fold(&c.name)).collect())
                    .unwrap_or_default();
                let cols = cols
                    .into_iter()
                    .enumerate()
                    .map(|(i, (n, ty))| ScopeCol {
                        table: a.clone(),
                        name: names.get(i).cloned().unwrap_or(n),
                        ty,
                    })
                    .collect();
                Ok((cols, rows))
            }
            _ => Err(SqlError::new("syntax error at or near \"(\"")),
        }
    }

    /// Runs a query: its columns and typed rows.
    fn run_query(
        &mut self,
        sess: &mut Session,
        q: &Query,
        src: &Src<'_>,
    ) -> Result<Rows, SqlError> {
        let (cols, mut rows, order_keys) = match q.body.as_ref() {
            SetExpr::Select(s) => self.select(sess, s, q, src)?,
            SetExpr::Values(v) => {
                let scope = Scope {
                    cols: &[],
                    row: &[],
                    group: None,
                };
                let mut rows = Vec::new();
                let mut types: Vec<Ty> = Vec::new();
                for r in &v.rows {
                    let mut out = Vec::new();
                    for (i, e) in r.content.iter().enumerate() {
                        let (v, ty) = self.eval(e, &scope, sess, src)?;
                        if types.len() <= i {
                            types.push(ty);
                        } else if (types[i] == Ty::Unknown
                            || (!v.is_null()
                                && types[i] != ty
                                && ty.is_numeric()
                                && types[i].is_numeric()))
                            && ty != Ty::Unknown
                        {
                            {
                                types[i] = if matches!(ty, Ty::Numeric(_))
                                    || matches!(types[i], Ty::Numeric(_))
                                {
                                    Ty::Numeric(None)
                                } else {
                                    ty
                                };
                            }
                        }
                        out.push(v);
                    }
                    rows.push(out);
                }
                let cols = types
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let t = if t == Ty::Unknown { Ty::Text } else { t };
                        (format!("column{}", i + 1), t)
                    })
                    .collect::<Vec<_>>();
                for r in &mut rows {
                    for (v, (_, t)) in r.iter_mut().zip(&cols) {
                        if let (Value::Int(i), Ty::Numeric(_)) = (&*v, t) {
                            *v = Value::Num(Dec::int(*i));
                        }
                    }
                }
                let n = rows.len();
                (cols, rows, vec![Vec::new(); n])
            }
            SetExpr::Query(inner) => {
                let (c, r) = self.run_query(sess, inner, src)?;
                let n = r.len();
                (c, r, vec![Vec::new(); n])
            }
            _ => return Err(SqlError::new("set operations are not supported")),
        };
        // ORDER BY keys were computed by select(); sort here.
        if let Some(ob) = &q.order_by
            && let OrderByKind::Expressions(exprs) = &ob.kind
            && !exprs.is_empty()
        {
            let mut idx: Vec<usize> = (0..rows.len()).collect();
            let dirs: Vec<(bool, bool)> = exprs
                .iter()
                .map(|e| {
                    let desc = matches!(e.options.sort, Some(ast::OrderBySort::Desc));
                    let nulls_first = e.options.nulls_first.unwrap_or(desc);
                    (desc, nulls_first)
                })
                .collect();
            idx.sort_by(|&a, &b| {
                for (k, (desc, nf)) in dirs.iter().enumerate() {
                    let (x, y) = (&order_keys[a][k], &order_keys[b][k]);
                    let o = match (x.is_null(), y.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => {
                            if *nf {
                                Ordering::Less
                            } else {
                                Ordering::Greater
                            }
                        }
                        (false, true) => {
                            if *nf {
                                Ordering::Greater
                            } else {
                                Ordering::Less
                            }
                        }
                        _ => {
                            let o = cmp_values(x, y);
                            if *desc { o.reverse() } else { o }
                        }
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
            rows = idx
                .into_iter()
                .map(|i| std::mem::take(&mut rows[i]))
                .collect();
        }
        if let Some(lc) = &q.limit_clause {
            let scope = Scope {
                cols: &[],
                row: &[],
                group: None,
            };
            let (limit, offset) = match lc {
                LimitClause::LimitOffset { limit, offset, .. } => {
                    (limit.clone(), offset.as_ref().map(|o| o.value.clone()))
                }
                LimitClause::OffsetCommaLimit { offset, limit } => {
                    (Some(limit.clone()), Some(offset.clone()))
                }
            };
            let num = |e: &Option<Expr>,
                       this: &mut Engine,
                       sess: &mut Session|
             -> Result<Option<usize>, SqlError> {
                match e {
                    None => Ok(None),
                    Some(e) => match this.eval(e, &scope, sess, src)?.0 {
                        Value::Int(i) if i >= 0 => Ok(Some(i as usize)),
                        Value::Null => Ok(None),
                        Value::Int(_) => Err(SqlError::new("LIMIT must not be negative")),
                        _ => Err(SqlError::new(
                            "argument of LIMIT must be type bigint, not type text",
                        )),
                    },
                }
            };
            let off = num(&offset, self, sess)?.unwrap_or(0);
            let lim = num(&limit, self, sess)?;
            rows = rows
                .into_iter()
                .skip(off)
                .take(lim.unwrap_or(usize::MAX))
                .collect();
        }
        Ok((cols, rows))
    }

    /// A SELECT: output columns, rows, and each row's ORDER BY keys.
    #[allow(clippy::type_complexity)]
    fn select(
        &mut self,
        sess: &mut Session,
        s: &ast::Select,
        q: &Query,
        src: &Src<'_>,
    ) -> Result<(Vec<(String, Ty)>, Vec<Vec<Value>>, Vec<Vec<Value>>), SqlError> {
        let (scols, srows) = if s.from.is_empty() {
            (Vec::new(), vec![Vec::new()])
        } else {
            self.relations(sess, &s.from, src)?
        };
        let keep = self.filter(sess, &scols, &srows, s.selection.as_ref(), src)?;
        let rows: Vec<Vec<Value>> = srows
            .into_iter()
            .zip(keep)
            .filter_map(|(r, k)| k.then_some(r))
            .collect();
        let group_exprs: Vec<Expr> = match &s.group_by {
            GroupByExpr::Expressions(v, _) => v.clone(),
            GroupByExpr::All(_) => Vec::new(),
        };
        let order_exprs: Vec<&ast::OrderByExpr> = match q.order_by.as_ref().map(|o| &o.kind) {
            Some(OrderByKind::Expressions(v)) => v.iter().collect(),
            _ => Vec::new(),
        };
        let aggregate = !group_exprs.is_empty()
            || s.projection.iter().any(|i| match i {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    contains_aggregate(e)
                }
                _ => false,
            })
            || s.having.is_some();
        // Output columns.
        let mut out_cols: Vec<(String, Ty)> = Vec::new();
        let mut out_rows: Vec<Vec<Value>> = Vec::new();
        let mut keys: Vec<Vec<Value>> = Vec::new();
        if aggregate {
            // Group rows (in first-seen order).
            let mut groups: Vec<(Vec<Value>, Vec<Vec<Value>>)> = Vec::new();
            for r in rows {
                let scope = Scope {
                    cols: &scols,
                    row: &r,
                    group: None,
                };
                let mut k = Vec::new();
                for g in &group_exprs {
                    let g = self.resolve_ordinal(g, &s.projection);
                    k.push(self.eval(&g, &scope, sess, src)?.0);
                }
                match groups.iter_mut().find(|(gk, _)| {
                    gk.iter()
                        .zip(&k)
                        .all(|(a, b)| cmp_values(a, b) == Ordering::Equal)
                }) {
                    Some((_, rs)) => rs.push(r),
                    None => groups.push((k, vec![r])),
                }
            }
            if groups.is_empty() && group_exprs.is_empty() {
                groups.push((Vec::new(), Vec::new()));
            }
            let nulls: Vec<Value> = scols.iter().map(|_| Value::Null).collect();
            for (_, grows) in &groups {
                let first = grows.first().unwrap_or(&nulls).clone();
                let scope = Scope {
                    cols: &scols,
                    row: &first,
                    group: Some((grows, &group_exprs)),
                };
                if let Some(h) = &s.having
                    && !truthy(&self.eval(h, &scope, sess, src)?.0).unwrap_or(false)
                {
                    continue;
                }
                let (c, r) = self.project_one(sess, &scope, &s.projection, src)?;
                let mut k = Vec::new();
                for ob in &order_exprs {
                    k.push(self.order_key(sess, &ob.expr, &scope, &c, &r, src)?);
                }
                out_cols = c;
                out_rows.push(r);
                keys.push(k);
            }
            if out_rows.is_empty() {
                let scope = Scope {
                    cols: &scols,
                    row: &nulls,
                    group: Some((&[], &group_exprs)),
                };
                out_cols = self.project_one(sess, &scope, &s.projection, src)?.0;
            }
        } else {
            for r in &rows {
                let scope = Scope {
                    cols: &scols,
                    row: r,
                    group: None,
                };
                let (c, o) = self.project_one(sess, &scope, &s.projection, src)?;
                let mut k = Vec::new();
                for ob in &order_exprs {
                    k.push(self.order_key(sess, &ob.expr, &scope, &c, &o, src)?);
                }
                out_cols = c;
                out_rows.push(o);
                keys.push(k);
            }
            if rows.is_empty() {
                let nulls: Vec<Value> = scols.iter().map(|_| Value::Null).collect();
                let scope = Scope {
                    cols: &scols,
                    row: &nulls,
                    group: None,
                };
                let (c, o) = self.project_one(sess, &scope, &s.projection, src)?;
                for ob in &order_exprs {
                    self.order_key(sess, &ob.expr, &scope, &c, &o, src)?;
                }
                out_cols = c;
            }
        }
        if s.distinct.is_some() {
            let mut seen: Vec<Vec<Value>> = Vec::new();
            let mut k2 = Vec::new();
            for (r, k) in out_rows.into_iter().zip(keys) {
                if !seen.iter().any(|x| {
                    x.len() == r.len()
                        && x.iter()
                            .zip(&r)
                            .all(|(a, b)| cmp_values(a, b) == Ordering::Equal)
                }) {
                    seen.push(r);
                    k2.push(k);
                }
            }
            out_rows = seen;
            keys = k2;
        }
        Ok((out_cols, out_rows, keys))
    }

    fn resolve_ordinal(&self, g: &Expr, proj: &[SelectItem]) -> Expr {
        if let Expr::Value(v) = g
            && let ast::Value::Number(n, _) = &v.value
            && let Ok(i) = n.parse::<usize>()
            && let Some(SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. }) =
                proj.get(i.wrapping_sub(1))
        {
            return e.clone();
        }
        g.clone()
    }

    fn order_key(
        &mut self,
        sess: &mut Session,
        e: &Expr,
        scope: &Scope<'_>,
        out_cols: &[(String, Ty)],
        out: &[Value],
        src: &Src<'_>,
    ) -> Result<Value, SqlError> {
        if let Expr::Value(v) = e
            && let ast::Value::Number(n, _) = &v.value
        {
            let i: usize = n.parse().unwrap_or(0);
            return out.get(i.wrapping_sub(1)).cloned().ok_or_else(|| {
                SqlError::new(format!("ORDER BY position {n} is not in select list"))
                    .at(span_pos(src, e))
            });
        }
        if let Expr::Identifier(id) = e {
            let n = fold(id);
            if !scope.cols.iter().any(|c| c.name == n)
                && let Some(i) = out_cols.iter().position(|(c, _)| *c == n)
            {
                return Ok(out[i].clone());
            }
        }
        Ok(self.eval(e, scope, sess, src)?.0)
    }

    fn project(
        &mut self,
        sess: &mut Session,
        cols: &[ScopeCol],
        rows: &[Vec<Value>],
        items: &[SelectItem],
        src: &Src<'_>,
    ) -> Result<Rows, SqlError> {
        let mut out_cols = Vec::new();
        let mut out = Vec::new();
        for r in rows {
            let scope = Scope {
                cols,
                row: r,
                group: None,
            };
            let (c, o) = self.project_one(sess, &scope, items, src)?;
            out_cols = c;
            out.push(o);
        }
        if rows.is_empty() {
            let nulls: Vec<Value> = cols.iter().map(|_| Value::Null).collect();
            let scope = Scope {
                cols,
                row: &nulls,
                group: None,
            };
            out_cols = self.project_one(sess, &scope, items, src)?.0;
        }
        Ok((out_cols, out))
    }

    #[allow(clippy::type_complexity)]
    fn project_one(
        &mut self,
        sess: &mut Session,
        scope: &Scope<'_>,
        items: &[SelectItem],
        src: &Src<'_>,
    ) -> Result<(Vec<(String, Ty)>, Vec<Value>), SqlError> {
        let mut cols = Vec::new();
        let mut vals = Vec::new();
        for it in items {
            match it {
                SelectItem::Wildcard(_) => {
                    if scope.cols.is_empty() {
                        return Err(SqlError::new(
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    for (i, c) in scope.cols.iter().enumerate() {
                        if scope.group.is_some() {
                            return Err(self.not_grouped(c, None));
                        }
                        cols.push((c.name.clone(), c.ty.clone()));
                        vals.push(scope.row[i].clone());
                    }
                }
                SelectItem::QualifiedWildcard(kind, _) => {
                    let q = kind.to_string().to_lowercase();
                    let q = q.trim_end_matches(".*").to_string();
                    let mut any = false;
                    for (i, c) in scope.cols.iter().enumerate() {
                        if c.table == q {
                            any = true;
                            cols.push((c.name.clone(), c.ty.clone()));
                            vals.push(scope.row[i].clone());
                        }
                    }
                    if !any {
                        return Err(SqlError::new(format!(
                            "missing FROM-clause entry for table \"{q}\""
                        )));
                    }
                }
                SelectItem::UnnamedExpr(e) => {
                    let (v, ty) = self.eval(e, scope, sess, src)?;
                    cols.push((self.col_name(e), ty));
                    vals.push(v);
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    let (v, ty) = self.eval(expr, scope, sess, src)?;
                    cols.push((fold(alias), ty));
                    vals.push(v);
                }
                SelectItem::ExprWithAliases { expr, aliases } => {
                    let (v, ty) = self.eval(expr, scope, sess, src)?;
                    cols.push((aliases.first().map(fold).unwrap_or_default(), ty));
                    vals.push(v);
                }
            }
        }
        // Untyped literals become text.
        for c in &mut cols {
            if c.1 == Ty::Unknown {
                c.1 = Ty::Text;
            }
        }
        Ok((cols, vals))
    }

    fn col_name(&self, e: &Expr) -> String {
        if self.dialect == Dialect::Mysql {
            // MySQL names a column by its text as written.
            return match e {
                Expr::Identifier(i) => i.value.clone(),
                _ => e.to_string(),
            };
        }
        match e {
            Expr::Identifier(i) => fold(i),
            Expr::CompoundIdentifier(v) => v.last().map(fold).unwrap_or_default(),
            Expr::Function(f) => {
                let n = object_parts(&f.name)
                    .last()
                    .map(|i| fold(i))
                    .unwrap_or_default();
                match n.as_str() {
                    "current_timestamp" | "current_user" | "current_date" | "session_user"
                    | "localtimestamp" | "user" => n,
                    _ => n,
                }
            }
            Expr::Cast {
                expr, data_type, ..
            } => match expr.as_ref() {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Function(_) => {
                    self.col_name(expr)
                }
                _ => {
                    let n = data_type.to_string().to_lowercase();
                    match n.as_str() {
                        "int" | "integer" | "int4" => "int4".into(),
                        "bigint" | "int8" => "int8".into(),
                        "varchar" => "varchar".into(),
                        "boolean" | "bool" => "bool".into(),
                        other => other.split('(').next().unwrap_or(other).to_string(),
                    }
                }
            },
            Expr::Nested(inner) => self.col_name(inner),
            Expr::Case { .. } => "case".into(),
            _ => "?column?".into(),
        }
    }

    fn not_grouped(&self, c: &ScopeCol, pos: Option<usize>) -> SqlError {
        SqlError::new(format!(
            "column \"{}.{}\" must appear in the GROUP BY clause or be used in an aggregate function",
            c.table, c.name
        ))
        .at(pos)
    }

    fn column(
        &self,
        scope: &Scope<'_>,
        qual: Option<&str>,
        name: &str,
        pos: Option<usize>,
        display: &str,
    ) -> Result<usize, SqlError> {
        let matches: Vec<usize> = scope
            .cols
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == name && qual.is_none_or(|q| c.table == q))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => {
                if let Some(q) = qual
                    && !scope.cols.iter().any(|c| c.table == q)
                {
                    return Err(match self.dialect {
                        Dialect::Postgres => {
                            SqlError::new(format!("missing FROM-clause entry for table \"{q}\""))
                                .at(pos)
                        }
                        Dialect::Mysql => {
                            SqlError::new(format!("Unknown column '{display}' in 'where clause'"))
                                .my(1054, "42S22")
                        }
                    });
                }
                Err(match self.dialect {
                    Dialect::Postgres if qual.is_some() => {
                        SqlError::new(format!("column {display} does not exist")).at(pos)
                    }
                    Dialect::Postgres => {
                        SqlError::new(format!("column \"{display}\" does not exist")).at(pos)
                    }
                    Dialect::Mysql => {
                        SqlError::new(format!("Unknown column '{display}' in 'field list'"))
                            .my(1054, "42S22")
                    }
                })
            }
            _ => Err(SqlError::new(format!("column reference \"{name}\" is ambiguous")).at(pos)),
        }
    }

    /// Evaluates an expression.
    fn eval(
        &mut self,
        e: &Expr,
        scope: &Scope<'_>,
        sess: &mut Session,
        src: &Src<'_>,
    ) -> Result<TV, SqlError> {
        // Inside a group: a GROUP BY expression is evaluated on the group's first row.
        if let Some((_, gexprs)) = scope.group
            && gexprs.iter().any(|g| g == e)
        {
            let inner = Scope {
                cols: scope.cols,
                row: scope.row,
                group: None,
            };
            return self.eval(e, &inner, sess, src);
        }
        match e {
            Expr::Identifier(id) => {
                let n = fold(id);
                if id.quote_style.is_none() {
                    match n.as_str() {
                        "current_user" | "user" | "session_user" | "current_role" => {
                            return Ok((Value::Text(sess.user.clone()), Ty::Text));
                        }
                        "current_timestamp" | "localtimestamp" => {
                            return Ok((Value::Ts(sess.now_ms), Ty::Timestamptz));
                        }
                        "current_date" => {
                            return Ok((
                                Value::Ts(sess.now_ms - sess.now_ms.rem_euclid(86_400_000)),
                                Ty::Date,
                            ));
                        }
                        "true" => return Ok((Value::Bool(true), Ty::Bool)),
                        "false" => return Ok((Value::Bool(false), Ty::Bool)),
                        _ => {}
                    }
                }
                let pos = span_pos(src, e);
                let i = self.column(scope, None, &n, pos, &n)?;
                if scope.group.is_some() {
                    return Err(self.not_grouped(&scope.cols[i], pos));
                }
                Ok((scope.row[i].clone(), scope.cols[i].ty.clone()))
            }
            Expr::CompoundIdentifier(parts) => {
                let names: Vec<String> = parts.iter().map(fold).collect();
                let pos = span_pos(src, e);
                let (q, n) = match names.as_slice() {
                    [.., q, n] => (q.clone(), n.clone()),
                    [n] => (String::new(), n.clone()),
                    [] => (String::new(), String::new()),
                };
                let display = format!("{q}.{n}");
                let i = self.column(scope, Some(&q), &n, pos, &display)?;
                if scope.group.is_some() {
                    return Err(self.not_grouped(&scope.cols[i], pos));
                }
                Ok((scope.row[i].clone(), scope.cols[i].ty.clone()))
            }
            Expr::Value(v) => self.literal(&v.value, e, src),
            Expr::Nested(inner) => self.eval(inner, scope, sess, src),
            Expr::IsNull(x) => Ok((
                Value::Bool(self.eval(x, scope, sess, src)?.0.is_null()),
                Ty::Bool,
            )),
            Expr::IsNotNull(x) => Ok((
                Value::Bool(!self.eval(x, scope, sess, src)?.0.is_null()),
                Ty::Bool,
            )),
            Expr::IsTrue(x) => Ok((
                Value::Bool(self.eval(x, scope, sess, src)?.0 == Value::Bool(true)),
                Ty::Bool,
            )),
            Expr::IsFalse(x) => Ok((
                Value::Bool(self.eval(x, scope, sess, src)?.0 == Value::Bool(false)),
                Ty::Bool,
            )),
            Expr::UnaryOp { op, expr } => {
                let (v, ty) = self.eval(expr, scope, sess, src)?;
                match op {
                    UnaryOperator::Not => Ok((
                        match truthy(&v) {
                            None => Value::Null,
                            Some(b) => Value::Bool(!b),
                        },
                        Ty::Bool,
                    )),
                    UnaryOperator::Minus => Ok((
                        match v {
                            Value::Int(i) => Value::Int(-i),
                            Value::Num(d) => Value::Num(Dec { m: -d.m, ..d }),
                            Value::Null => Value::Null,
                            Value::Text(s) => match Dec::parse(&s) {
                                Some(d) => Value::Num(Dec { m: -d.m, ..d }),
                                None => {
                                    return Err(SqlError::new(format!(
                                        "invalid input syntax for type integer: \"{s}\""
                                    )));
                                }
                            },
                            _ => {
                                return Err(SqlError::new(format!(
                                    "operator does not exist: - {}",
                                    ty.pg_name()
                                )));
                            }
                        },
                        ty,
                    )),
                    UnaryOperator::Plus => Ok((v, ty)),
                    _ => Err(SqlError::new("operator is not supported")),
                }
            }
            Expr::BinaryOp { left, op, right } => self.binop(left, op, right, scope, sess, src),
            Expr::Like {
                negated,
                expr,
                pattern,
                ..
            }
            | Expr::ILike {
                negated,
                expr,
                pattern,
                ..
            } => {
                let ci = matches!(e, Expr::ILike { .. });
                let (v, _) = self.eval(expr, scope, sess, src)?;
                let (p, _) = self.eval(pattern, scope, sess, src)?;
                if v.is_null() || p.is_null() {
                    return Ok((Value::Null, Ty::Bool));
                }
                let s = self.text_of(&v, &Ty::Text);
                let ps = self.text_of(&p, &Ty::Text);
                let m = like(&s, &ps, ci || self.dialect == Dialect::Mysql);
                Ok((Value::Bool(m != *negated), Ty::Bool))
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (v, vt) = self.eval(expr, scope, sess, src)?;
                let (lo, lt) = self.eval(low, scope, sess, src)?;
                let (hi, ht) = self.eval(high, scope, sess, src)?;
                let lo = self.unify(lo, &lt, &vt, span_pos(src, low.as_ref()))?;
                let hi = self.unify(hi, &ht, &vt, span_pos(src, high.as_ref()))?;
                if v.is_null() || lo.is_null() || hi.is_null() {
                    return Ok((Value::Null, Ty::Bool));
                }
                let inside = cmp_values(&v, &lo) != Ordering::Less
                    && cmp_values(&v, &hi) != Ordering::Greater;
                Ok((Value::Bool(inside != *negated), Ty::Bool))
            }
            Expr::Cast {
                expr, data_type, ..
            } => {
                let (v, from) = self.eval(expr, scope, sess, src)?;
                let (to, _) = self.data_type(data_type, src)?;
                let pos = span_pos(src, expr.as_ref());
                let v = match (&v, &to) {
                    (Value::Num(d), t) if t.is_int() => Value::Int(
                        d.to_i64()
                            .ok_or_else(|| SqlError::new("integer out of range"))?,
                    ),
                    (Value::Bool(b), t) if t.is_int() => Value::Int(i64::from(*b)),
                    _ => self.coerce(v, &from, &to, pos)?,
                };
                let v = if let (Value::Int(i), Ty::Int4) = (&v, &to) {
                    Value::Int(int4_check(*i)?)
                } else {
                    v
                };
                Ok((v, to))
            }
            Expr::TypedString(ts) => {
                let (to, _) = self.data_type(&ts.data_type, src)?;
                let s = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                let v = self.coerce(Value::Text(s), &Ty::Unknown, &to, span_pos(src, e))?;
                Ok((v, to))
            }
            Expr::In {
                expr,
                target,
                negated,
                ..
            } => {
                let (v, vt) = self.eval(expr, scope, sess, src)?;
                let mut found = false;
                let mut saw_null = false;
                match target {
                    ast::InTarget::List(list) => {
                        for item in list {
                            let (x, xt) = self.eval(item, scope, sess, src)?;
                            let x = self.unify(x, &xt, &vt, span_pos(src, item))?;
                            if x.is_null() {
                                saw_null = true;
                            } else if !v.is_null() && cmp_values(&v, &x) == Ordering::Equal {
                                found = true;
                            }
                        }
                    }
                    ast::InTarget::Subquery(q) => {
                        let (_, rows) = self.run_query(sess, q, src)?;
                        found = rows.iter().any(|r| {
                            r.first().is_some_and(|x| {
                                !x.is_null() && cmp_values(x, &v) == Ordering::Equal
                            })
                        });
                    }
                    _ => return Err(SqlError::new("syntax error at or near \"UNNEST\"")),
                }
                if v.is_null() || (!found && saw_null) {
                    return Ok((Value::Null, Ty::Bool));
                }
                Ok((Value::Bool(found != *negated), Ty::Bool))
            }
            Expr::Exists { subquery, negated } => {
                let (_, rows) = self.run_query(sess, subquery, src)?;
                Ok((Value::Bool(rows.is_empty() == *negated), Ty::Bool))
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let op = match operand {
                    Some(o) => Some(self.eval(o, scope, sess, src)?),
                    None => None,
                };
                for cw in conditions {
                    let (c, ct) = self.eval(&cw.condition, scope, sess, src)?;
                    let hit = match &op {
                        Some((ov, ot)) => {
                            let c = self.unify(c, &ct, ot, None)?;
                            !c.is_null() && !ov.is_null() && cmp_values(ov, &c) == Ordering::Equal
                        }
                        None => truthy(&c).unwrap_or(false),
                    };
                    if hit {
                        let (v, t) = self.eval(&cw.result, scope, sess, src)?;
                        return Ok((v, if t == Ty::Unknown { Ty::Text } else { t }));
                    }
                }
                match else_result {
                    Some(x) => {
                        let (v, t) = self.eval(x, scope, sess, src)?;
                        Ok((v, if t == Ty::Unknown { Ty::Text } else { t }))
                    }
                    None => Ok((Value::Null, Ty::Text)),
                }
            }
            Expr::Function(f) => self.function(f, e, scope, sess, src),
            Expr::Subquery(q) => {
                let (cols, rows) = self.run_query(sess, q, src)?;
                if rows.len() > 1 {
                    return Err(SqlError::new(
                        "more than one row returned by a subquery used as an expression",
                    ));
                }
                let ty = cols.first().map_or(Ty::Text, |c| c.1.clone());
                Ok((
                    rows.into_iter()
                        .next()
                        .and_then(|r| r.into_iter().next())
                        .unwrap_or(Value::Null),
                    ty,
                ))
            }
            _ => Err(SqlError::new(format!(
                "syntax error at or near \"{}\"",
                e.to_string().split_whitespace().next().unwrap_or("")
            ))
            .at(span_pos(src, e))),
        }
    }

    fn literal(&self, v: &ast::Value, e: &Expr, src: &Src<'_>) -> Result<TV, SqlError> {
        Ok(match v {
            ast::Value::Number(n, _) => {
                if let Ok(i) = n.parse::<i64>() {
                    if i32::try_from(i).is_ok() {
                        (Value::Int(i), Ty::Int4)
                    } else {
                        (Value::Int(i), Ty::Int8)
                    }
                } else {
                    match Dec::parse(n) {
                        Some(d) => (Value::Num(d), Ty::Numeric(None)),
                        None => {
                            return Err(SqlError::new(format!("syntax error at or near \"{n}\""))
                                .at(span_pos(src, e)));
                        }
                    }
                }
            }
            ast::Value::SingleQuotedString(s)
            | ast::Value::EscapedStringLiteral(s)
            | ast::Value::NationalStringLiteral(s) => (Value::Text(s.clone()), Ty::Unknown),
            ast::Value::DollarQuotedString(d) => (Value::Text(d.value.clone()), Ty::Unknown),
            ast::Value::DoubleQuotedString(s) if self.dialect == Dialect::Mysql => {
                (Value::Text(s.clone()), Ty::Unknown)
            }
            ast::Value::Boolean(b) => (Value::Bool(*b), Ty::Bool),
            ast::Value::Null => (Value::Null, Ty::Unknown),
            other => {
                return Err(
                    SqlError::new(format!("syntax error at or near \"{other}\""))
                        .at(span_pos(src, e)),
                );
            }
        })
    }

    /// Converts an untyped literal to the type of the other operand.
    fn unify(&self, v: Value, from: &Ty, to: &Ty, pos: Option<usize>) -> Result<Value, SqlError> {
        if *from == Ty::Unknown && *to != Ty::Unknown {
            let target = match to {
                Ty::Varchar(_) | Ty::Char(_) => Ty::Text,
                Ty::Numeric(_) => Ty::Numeric(None),
                Ty::Int2 | Ty::Int4 => Ty::Int8,
                t => t.clone(),
            };
            let bad_int = |s: &str| {
                SqlError::new(format!(
                    "invalid input syntax for type {}: \"{s}\"",
                    to.input_name()
                ))
                .at(pos)
            };
            if to.is_int()
                && let Value::Text(s) = &v
            {
                return s
                    .trim()
                    .parse::<i64>()
                    .map(Value::Int)
                    .map_err(|_| bad_int(s));
            }
            return self.coerce(v, from, &target, pos);
        }
        Ok(v)
    }

    #[allow(clippy::too_many_arguments)]
    fn binop(
        &mut self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        scope: &Scope<'_>,
        sess: &mut Session,
        src: &Src<'_>,
    ) -> Result<TV, SqlError> {
        let (lv, lt) = self.eval(left, scope, sess, src)?;
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let (rv, _) = self.eval(right, scope, sess, src)?;
                let (a, b) = (truthy(&lv), truthy(&rv));
                let r = if *op == BinaryOperator::And {
                    match (a, b) {
                        (Some(false), _) | (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    }
                } else {
                    match (a, b) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    }
                };
                return Ok((r.map_or(Value::Null, Value::Bool), Ty::Bool));
            }
            _ => {}
        }
        let (rv, rt) = self.eval(right, scope, sess, src)?;
        let op_pos = src.find(
            src.pos(left.span().end),
            span_pos(src, right),
            &op.to_string(),
        );
        let lv = self.unify(lv, &lt, &rt, span_pos(src, left))?;
        let rv = self.unify(rv, &rt, &lt, span_pos(src, right))?;
        let lt = if lt == Ty::Unknown {
            if rt == Ty::Unknown {
                Ty::Text
            } else {
                rt.clone()
            }
        } else {
            lt
        };
        let rt = if rt == Ty::Unknown { lt.clone() } else { rt };
        let op_err = |this: &Engine| -> SqlError {
            match this.dialect {
                Dialect::Postgres => SqlError::new(format!(
                    "operator does not exist: {} {} {}",
                    lt.pg_name(),
                    op,
                    rt.pg_name()
                ))
                .hint("No operator matches the given name and argument types. You might need to add explicit type casts.")
                .at(op_pos),
                Dialect::Mysql => SqlError::new("Incorrect arguments").my(1210, "HY000"),
            }
        };
        let comparable = (lt.is_numeric() && rt.is_numeric())
            || (lt.is_text() && rt.is_text())
            || (lt.is_identifier() && rt.is_int())
            || (lt.is_int() && rt.is_identifier())
            || lt == rt
            || (matches!(lt, Ty::Timestamp | Ty::Timestamptz | Ty::Date)
                && matches!(rt, Ty::Timestamp | Ty::Timestamptz | Ty::Date))
            || self.dialect == Dialect::Mysql;
        let cmp = |o: Ordering| -> bool {
            match op {
                BinaryOperator::Eq => o == Ordering::Equal,
                BinaryOperator::NotEq => o != Ordering::Equal,
                BinaryOperator::Lt => o == Ordering::Less,
                BinaryOperator::LtEq => o != Ordering::Greater,
                BinaryOperator::Gt => o == Ordering::Greater,
                BinaryOperator::GtEq => o != Ordering::Less,
                _ => false,
            }
        };
        match op {
            BinaryOperator::Eq
            | BinaryOperator::NotEq
            | BinaryOperator::Lt
            | BinaryOperator::LtEq
            | BinaryOperator::Gt
            | BinaryOperator::GtEq => {
                if !comparable {
                    return Err(op_err(self));
                }
                if lv.is_null() || rv.is_null() {
                    return Ok((Value::Null, Ty::Bool));
                }
                let (lv, rv) = if self.dialect == Dialect::Mysql {
                    match (&lv, &rv) {
                        (Value::Text(a), Value::Text(b)) => {
                            (Value::Text(a.to_lowercase()), Value::Text(b.to_lowercase()))
                        }
                        (Value::Text(a), x) | (x, Value::Text(a)) if to_dec(x).is_some() => {
                            let d = Dec::parse(a).unwrap_or(Dec::int(0));
                            if matches!(lv, Value::Text(_)) {
                                (Value::Num(d), rv.clone())
                            } else {
                                (lv.clone(), Value::Num(d))
                            }
                        }
                        _ => (lv, rv),
                    }
                } else {
                    (lv, rv)
                };
                let o = match (&lv, &rv) {
                    (Value::Text(a), Value::Text(b)) => a.cmp(b),
                    _ => cmp_values(&lv, &rv),
                };
                Ok((Value::Bool(cmp(o)), Ty::Bool))
            }
            BinaryOperator::StringConcat => {
                if lv.is_null() || rv.is_null() {
                    return Ok((Value::Null, Ty::Text));
                }
                Ok((
                    Value::Text(format!(
                        "{}{}",
                        self.text_of(&lv, &lt),
                        self.text_of(&rv, &rt)
                    )),
                    Ty::Text,
                ))
            }
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => {
                if !(lt.is_numeric() && rt.is_numeric()) {
                    if matches!(lt, Ty::Timestamp | Ty::Timestamptz | Ty::Date)
                        && self.dialect == Dialect::Postgres
                    {
                        return Err(op_err(self));
                    }
                    if self.dialect == Dialect::Postgres {
                        return Err(op_err(self));
                    }
                }
                if lv.is_null() || rv.is_null() {
                    return Ok((Value::Null, if lt.is_numeric() { lt } else { rt }));
                }
                let int_result = lt.is_int() && rt.is_int();
                if int_result && !(self.dialect == Dialect::Mysql && *op == BinaryOperator::Divide)
                {
                    let (Value::Int(a), Value::Int(b)) = (&lv, &rv) else {
                        return Err(op_err(self));
                    };
                    let (a, b) = (*a, *b);
                    let wide = lt == Ty::Int8 || rt == Ty::Int8;
                    let r = match op {
                        BinaryOperator::Plus => a.checked_add(b),
                        BinaryOperator::Minus => a.checked_sub(b),
                        BinaryOperator::Multiply => a.checked_mul(b),
                        BinaryOperator::Divide | BinaryOperator::Modulo => {
                            if b == 0 {
                                return Err(match self.dialect {
                                    Dialect::Postgres => SqlError::new("division by zero"),
                                    Dialect::Mysql => return Ok((Value::Null, Ty::Int8)),
                                });
                            }
                            if *op == BinaryOperator::Divide {
                                a.checked_div(b)
                            } else {
                                a.checked_rem(b)
                            }
                        }
                        _ => None,
                    };
                    let ty = if wide { Ty::Int8 } else { Ty::Int4 };
                    let r = if wide {
                        bigint_check(r)?
                    } else {
                        int4_check(bigint_check(r)?)?
                    };
                    return Ok((Value::Int(r), ty));
                }
                let (Some(a), Some(b)) = (to_dec(&lv), to_dec(&rv)) else {
                    let a = to_dec(&lv).or_else(|| Dec::parse(&self.text_of(&lv, &lt)));
                    let b = to_dec(&rv).or_else(|| Dec::parse(&self.text_of(&rv, &rt)));
                    let (Some(_), Some(_)) = (a, b) else {
                        return Err(op_err(self));
                    };
                    return Err(op_err(self));
                };
                let r = match op {
                    BinaryOperator::Plus => Dec::plus(a, b),
                    BinaryOperator::Minus => Dec::minus(a, b),
                    BinaryOperator::Multiply => Dec::times(a, b),
                    BinaryOperator::Divide => {
                        if b.m == 0 {
                            return match self.dialect {
                                Dialect::Postgres => Err(SqlError::new("division by zero")),
                                Dialect::Mysql => Ok((Value::Null, Ty::Numeric(None))),
                            };
                        }
                        if self.dialect == Dialect::Mysql {
                            Dec::divide(a, b).and_then(|d| d.with_scale(a.scale + 4))
                        } else {
                            Dec::divide(a, b)
                        }
                    }
                    BinaryOperator::Modulo => {
                        if b.m == 0 {
                            return Err(SqlError::new("division by zero"));
                        }
                        let s = a.scale.max(b.scale);
                        match (a.with_scale(s), b.with_scale(s)) {
                            (Some(x), Some(y)) => Some(Dec {
                                m: x.m % y.m,
                                scale: s,
                            }),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let r = r.ok_or_else(|| SqlError::new("value overflows numeric format"))?;
                Ok((Value::Num(r), Ty::Numeric(None)))
            }
            _ => Err(op_err(self)),
        }
    }

    fn function(
        &mut self,
        f: &ast::Function,
        e: &Expr,
        scope: &Scope<'_>,
        sess: &mut Session,
        src: &Src<'_>,
    ) -> Result<TV, SqlError> {
        let name = object_parts(&f.name)
            .last()
            .map(|i| i.value.to_lowercase())
            .unwrap_or_default();
        let args = func_args(f);
        let pos = span_pos(src, e);
        if AGGREGATES.contains(&name.as_str()) {
            let Some((rows, _)) = scope.group else {
                return Err(SqlError::new("aggregate functions are not allowed here").at(pos));
            };
            let star = args.is_empty() || matches!(args.first(), Some(FunctionArgExpr::Wildcard));
            if star && name != "count" {
                return Err(SqlError::new(format!("function {name}() does not exist")).at(pos));
            }
            let mut vals: Vec<Value> = Vec::new();
            let mut ty = Ty::Int8;
            if !star {
                let Some(FunctionArgExpr::Expr(arg)) = args.first() else {
                    return Err(SqlError::new("syntax error").at(pos));
                };
                if rows.is_empty() {
                    let nulls: Vec<Value> = scope.cols.iter().map(|_| Value::Null).collect();
                    let inner = Scope {
                        cols: scope.cols,
                        row: &nulls,
                        group: None,
                    };
                    ty = self.eval(arg, &inner, sess, src)?.1;
                }
                for r in rows {
                    let inner = Scope {
                        cols: scope.cols,
                        row: r,
                        group: None,
                    };
                    let (v, t) = self.eval(arg, &inner, sess, src)?;
                    ty = t;
                    if !v.is_null() {
                        vals.push(v);
                    }
                }
                if let FunctionArguments::List(l) = &f.args
                    && matches!(
                        l.duplicate_treatment,
                        Some(ast::DuplicateTreatment::Distinct)
                    )
                {
                    let mut d: Vec<Value> = Vec::new();
                    for v in vals {
                        if !d.iter().any(|x| cmp_values(x, &v) == Ordering::Equal) {
                            d.push(v);
                        }
                    }
                    vals = d;
                }
            }
            return match name.as_str() {
                "count" => Ok((
                    Value::Int(if star { rows.len() } else { vals.len() } as i64),
                    Ty::Int8,
                )),
                "sum" => {
                    if vals.is_empty() {
                        return Ok((
                            Value::Null,
                            if ty.is_int() {
                                Ty::Int8
                            } else {
                                Ty::Numeric(None)
                            },
                        ));
                    }
                    if ty.is_int() {
                        let mut s: i64 = 0;
                        for v in &vals {
                            if let Value::Int(i) = v {
                                s = s
                                    .checked_add(*i)
                                    .ok_or_else(|| SqlError::new("bigint out of range"))?;
                            }
                        }
                        if self.dialect == Dialect::Mysql {
                            return Ok((Value::Num(Dec::int(s)), Ty::Numeric(None)));
                        }
                        Ok((Value::Int(s), Ty::Int8))
                    } else if ty.is_numeric() {
                        let mut s = Dec::int(0);
                        for v in &vals {
                            s = Dec::plus(s, to_dec(v).unwrap_or(Dec::int(0)))
                                .ok_or_else(|| SqlError::new("value overflows numeric format"))?;
                        }
                        Ok((Value::Num(s), Ty::Numeric(None)))
                    } else {
                        Err(SqlError::new(format!("function sum({}) does not exist", ty.pg_name()))
                            .hint("No function matches the given name and argument types. You might need to add explicit type casts.")
                            .at(pos))
                    }
                }
                "avg" => {
                    if !ty.is_numeric() && !vals.is_empty() {
                        return Err(SqlError::new(format!("function avg({}) does not exist", ty.pg_name()))
                            .hint("No function matches the given name and argument types. You might need to add explicit type casts.")
                            .at(pos));
                    }
                    if vals.is_empty() {
                        return Ok((Value::Null, Ty::Numeric(None)));
                    }
                    let mut s = Dec::int(0);
                    for v in &vals {
                        s = Dec::plus(s, to_dec(v).unwrap_or(Dec::int(0)))
                            .ok_or_else(|| SqlError::new("value overflows numeric format"))?;
                    }
                    let n = Dec::int(vals.len() as i64);
                    let r = if self.dialect == Dialect::Mysql {
                        Dec::divide(s, n).and_then(|d| d.with_scale(s.scale + 4))
                    } else {
                        Dec::divide(s, n)
                    };
                    Ok((Value::Num(r.unwrap_or(Dec::int(0))), Ty::Numeric(None)))
                }
                _ => {
                    let mut best: Option<Value> = None;
                    for v in vals {
                        best = Some(match best {
                            None => v,
                            Some(b) => {
                                let o = cmp_values(&v, &b);
                                if (name == "min" && o == Ordering::Less)
                                    || (name == "max" && o == Ordering::Greater)
                                {
                                    v
                                } else {
                                    b
                                }
                            }
                        });
                    }
                    Ok((
                        best.unwrap_or(Value::Null),
                        if ty == Ty::Unknown { Ty::Text } else { ty },
                    ))
                }
            };
        }
        let mut argv = Vec::new();
        for a in &args {
            match a {
                FunctionArgExpr::Expr(x) => argv.push(self.eval(x, scope, sess, src)?),
                _ => {
                    return Err(SqlError::new(format!("function {name}(*) does not exist")).at(pos));
                }
            }
        }
        let no_fn = |argv: &[TV]| {
            SqlError::new(format!(
                "function {name}({}) does not exist",
                argv.iter()
                    .map(|(_, t)| if *t == Ty::Unknown { "unknown".to_string() } else { t.pg_name() })
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("No function matches the given name and argument types. You might need to add explicit type casts.")
            .at(pos)
        };
        let text_arg = |this: &Engine, i: usize| -> Option<String> {
            argv.get(i).and_then(|(v, t)| {
                if v.is_null() {
                    None
                } else {
                    Some(this.text_of(v, t))
                }
            })
        };
        Ok(match (name.as_str(), argv.len()) {
            (
                "now"
                | "current_timestamp"
                | "localtimestamp"
                | "statement_timestamp"
                | "transaction_timestamp"
                | "clock_timestamp",
                0,
            ) => (
                Value::Ts(sess.now_ms),
                if self.dialect == Dialect::Mysql {
                    Ty::Timestamp
                } else {
                    Ty::Timestamptz
                },
            ),
            ("current_date" | "curdate", 0) => (
                Value::Ts(sess.now_ms - sess.now_ms.rem_euclid(86_400_000)),
                Ty::Date,
            ),
            ("version", 0) => (Value::Text(sess.version.clone()), Ty::Text),
            ("current_database" | "database" | "schema", 0) => {
                (Value::Text(sess.db.clone()), Ty::Text)
            }
            ("current_user" | "user" | "session_user" | "current_role", 0) => (
                Value::Text(if self.dialect == Dialect::Mysql {
                    format!("{}@localhost", sess.user)
                } else {
                    sess.user.clone()
                }),
                Ty::Text,
            ),
            ("current_schema", 0) => (Value::Text("public".into()), Ty::Text),
            ("pg_reload_conf", 0) => (Value::Bool(true), Ty::Bool),
            ("pg_is_in_recovery", 0) => (Value::Bool(false), Ty::Bool),
            ("pg_backend_pid", 0) if self.dialect == Dialect::Postgres => {
                (Value::Int(i64::from(sess.conn.pid)), Ty::Int4)
            }
            ("pg_backend_pid" | "connection_id", 0) => (Value::Int(100), Ty::Int4),
            ("pg_sleep" | "sleep", 1) => {
                let secs = to_dec(&argv[0].0)
                    .or_else(|| text_arg(self, 0).and_then(|s| Dec::parse(&s)))
                    .unwrap_or(Dec::int(0));
                let ms = Dec::times(secs, Dec::int(1000))
                    .and_then(Dec::to_i64)
                    .unwrap_or(0)
                    .max(0);
                sess.slept_ms += ms as u64;
                if self.dialect == Dialect::Mysql {
                    (Value::Int(0), Ty::Int8)
                } else {
                    (Value::Text(String::new()), Ty::Text)
                }
            }
            ("lower" | "upper" | "length" | "char_length" | "trim" | "md5", 1) => {
                let Some(s) = text_arg(self, 0) else {
                    return Ok((Value::Null, Ty::Text));
                };
                if !argv[0].1.is_text() && name != "length" && self.dialect == Dialect::Postgres {
                    return Err(no_fn(&argv));
                }
                match name.as_str() {
                    "lower" => (Value::Text(s.to_lowercase()), Ty::Text),
                    "upper" => (Value::Text(s.to_uppercase()), Ty::Text),
                    "trim" => (Value::Text(s.trim().to_string()), Ty::Text),
                    "md5" => return Err(no_fn(&argv)),
                    _ => (Value::Int(s.chars().count() as i64), Ty::Int4),
                }
            }
            ("coalesce" | "ifnull", _) if !argv.is_empty() => {
                let ty = argv
                    .iter()
                    .map(|(_, t)| t.clone())
                    .find(|t| *t != Ty::Unknown)
                    .unwrap_or(Ty::Text);
                match argv.into_iter().find(|(v, _)| !v.is_null()) {
                    Some((v, _)) => (v, ty),
                    None => (Value::Null, ty),
                }
            }
            ("concat", _) => (
                Value::Text(
                    argv.iter()
                        .filter(|(v, _)| !v.is_null())
                        .map(|(v, t)| self.text_of(v, t))
                        .collect(),
                ),
                Ty::Text,
            ),
            ("abs", 1) => match &argv[0] {
                (Value::Int(i), t) => (Value::Int(i.abs()), t.clone()),
                (Value::Num(d), t) => (Value::Num(Dec { m: d.m.abs(), ..*d }), t.clone()),
                (Value::Null, t) => (Value::Null, t.clone()),
                _ => return Err(no_fn(&argv)),
            },
            ("round", 1 | 2) => {
                let s = match argv.get(1) {
                    Some((Value::Int(i), _)) => u32::try_from(*i).unwrap_or(0),
                    _ => 0,
                };
                match to_dec(&argv[0].0) {
                    Some(d) => (Value::Num(d.with_scale(s).unwrap_or(d)), Ty::Numeric(None)),
                    None => (Value::Null, Ty::Numeric(None)),
                }
            }
            ("nextval", 1) => {
                let seq = text_arg(self, 0).unwrap_or_default();
                let db = sess.db.clone();
                if !self
                    .cluster
                    .databases
                    .get(&db)
                    .is_some_and(|d| d.sequences.contains_key(&seq))
                {
                    return Err(SqlError::new(format!("relation \"{seq}\" does not exist"))
                        .at(span_pos(src, e)));
                }
                (Value::Int(self.nextval(sess, &db, &seq)?), Ty::Int8)
            }
            ("currval", 1) => {
                let seq = text_arg(self, 0).unwrap_or_default();
                let last = self
                    .cluster
                    .databases
                    .get(&sess.db)
                    .and_then(|d| d.sequences.get(&seq))
                    .map(|s| s.last);
                match last {
                    Some(v) if v > 0 => (Value::Int(v), Ty::Int8),
                    Some(_) => {
                        return Err(SqlError::new(format!(
                            "currval of sequence \"{seq}\" is not yet defined in this session"
                        )));
                    }
                    None => {
                        return Err(
                            SqlError::new(format!("relation \"{seq}\" does not exist")).at(pos)
                        );
                    }
                }
            }
            ("gen_random_uuid" | "random" | "uuid", 0) => {
                return Err(no_fn(&argv));
            }
            _ => return Err(no_fn(&argv)),
        })
    }
}

trait UnwrapNull {
    fn unwrap_or_default_null(self) -> Value;
}

impl UnwrapNull for Option<Value> {
    fn unwrap_or_default_null(self) -> Value {
        self.unwrap_or(Value::Null)
    }
}

/// PostgreSQL's text form of an `inet` input (`10.0.0.1`, `10.0.0.0/8`, `::1`): the
/// address, and the prefix length unless it covers the whole address; `None` when invalid.
fn inet_text(s: &str) -> Option<String> {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s.trim(), None),
    };
    let ip: std::net::IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match prefix.map(str::parse::<u32>) {
        None => Some(ip.to_string()),
        Some(Ok(p)) if p == max => Some(ip.to_string()),
        Some(Ok(p)) if p < max => Some(format!("{ip}/{p}")),
        Some(_) => None,
    }
}

fn cross(a: &[Vec<Value>], b: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut r = x.clone();
            r.extend(y.iter().cloned());
            out.push(r);
        }
    }
    out
}

/// The 1-based position of a quote that is never closed.
fn open_quote(chars: &[char]) -> Option<usize> {
    // `'`/`"` for an open quote, `*` for an open (nestable) block comment.
    let mut open: Option<(char, usize)> = None;
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match open {
            None if c == '\'' || c == '"' => open = Some((c, i)),
            None if c == '-' && next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            None if c == '/' && next == Some('*') => {
                open = Some(('*', i));
                depth = 1;
                i += 1;
            }
            Some(('*', _)) if c == '/' && next == Some('*') => {
                depth += 1;
                i += 1;
            }
            Some(('*', _)) if c == '*' && next == Some('/') => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    open = None;
                }
            }
            Some((q, _)) if q != '*' && c == q => {
                if next == Some(q) {
                    i += 1;
                } else {
                    open = None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    open.map(|(_, i)| i + 1)
}

/// The token PostgreSQL's lexer would report at character `i` (0-based).
fn token_at(chars: &[char], i: usize) -> String {
    let Some(&c) = chars.get(i) else {
        return String::new();
    };
    let rest = &chars[i..];
    if c.is_alphabetic() || c == '_' {
        return rest
            .iter()
            .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '$')
            .collect();
    }
    if c.is_ascii_digit() {
        return rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '.' || **c == '_')
            .collect();
    }
    if c == '\'' || c == '"' {
        let mut out = String::from(c);
        let mut j = 1;
        while j < rest.len() {
            out.push(rest[j]);
            if rest[j] == c {
                if rest.get(j + 1) == Some(&c) {
                    out.push(c);
                    j += 2;
                    continue;
                }
                break;
            }
            j += 1;
        }
        if c == '"' {
            return out.trim_matches('"').to_string();
        }
        return out;
    }
    const OPS: &str = "+-*/<>=~!@#%^&|`?";
    if OPS.contains(c) {
        return rest.iter().take_while(|c| OPS.contains(**c)).collect();
    }
    if c == ':' && rest.get(1) == Some(&':') {
        return "::".into();
    }
    c.to_string()
}

#[cfg(test)]
mod tests;
