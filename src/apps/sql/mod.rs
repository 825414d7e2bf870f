//! The SQL engine shared by the PostgreSQL and MySQL models: a catalog of databases, tables
//! and sequences kept in memory by the server process, statements parsed with `sqlparser`,
//! executed with PostgreSQL's semantics (or MySQL's, by [`Dialect`]), and the committed
//! changes handed back as [`Change`] records for the server to write to its volume.
//!
//! - [`value`]: types and values with their text forms.
//! - [`catalog`]: the system views (`pg_stat_activity`), computed from the server's state.
//! - [`engine`]: statement execution ([`Engine::query`]).
//! - [`format`]: psql's output shapes and error rendering.
//! - [`split`]: psql's statement splitting for scripts and stdin.

// Errors carry the full PostgreSQL report (message, DETAIL, HINT, position); they are built
// only on the failure path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod catalog;
pub mod engine;
pub mod format;
pub mod split;
pub mod value;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use engine::Engine;
pub use value::{Dec, Ty, Value};

/// Which server's words and rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL 8.
    Mysql,
}

/// A column default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ColDefault {
    /// `nextval('seq'::regclass)` (SERIAL) or MySQL's AUTO_INCREMENT.
    Seq(String),
    /// A constant, with the text `\d` shows (`'x'::text`, `0`).
    Const(Value, String),
    /// `now()` / `CURRENT_TIMESTAMP`, with the text `\d` shows.
    Now(String),
}

/// A column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// NOT NULL.
    pub not_null: bool,
    /// Its default.
    pub default: Option<ColDefault>,
}

/// A unique index (PRIMARY KEY or UNIQUE).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unique {
    /// Its name (`users_pkey`, `users_email_key`).
    pub name: String,
    /// Column positions.
    pub cols: Vec<usize>,
    /// True for the primary key.
    pub primary: bool,
}

/// A row: its identity (insertion order) and values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Row identity, increasing with each written version.
    pub id: u64,
    /// Values by column position.
    pub vals: Vec<Value>,
}

/// A table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<Column>,
    /// Its unique indexes, primary key first.
    pub uniques: Vec<Unique>,
    /// Its rows in physical order.
    pub rows: Vec<Row>,
    /// Next row identity.
    pub next_id: u64,
}

impl Table {
    /// The position of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Column definitions only (no rows): what a CREATE TABLE record carries.
    pub fn definition(&self) -> Table {
        Table {
            rows: Vec::new(),
            next_id: 1,
            ..self.clone()
        }
    }
}

/// A sequence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// The last value handed out (0: none yet).
    pub last: i64,
}

/// A database.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Database {
    /// Its owner.
    pub owner: String,
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Sequences by name.
    pub sequences: BTreeMap<String, Sequence>,
}

/// A role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// Its password, if set.
    pub password: Option<String>,
    /// Superuser.
    pub superuser: bool,
}

/// Everything a server stores: roles and databases.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Roles by name.
    pub roles: BTreeMap<String, Role>,
    /// Databases by name.
    pub databases: BTreeMap<String, Database>,
}

impl Cluster {
    /// A fresh PostgreSQL cluster as initdb leaves it: superuser `user`, databases
    /// `postgres`, `template0`, `template1`.
    pub fn initdb(user: &str, password: Option<&str>) -> Cluster {
        let mut c = Cluster::default();
        c.roles.insert(
            user.to_string(),
            Role {
                password: password.map(str::to_string),
                superuser: true,
            },
        );
        for db in ["postgres", "template0", "template1"] {
            c.databases.insert(
                db.to_string(),
                Database {
                    owner: user.to_string(),
                    ..Database::default()
                },
            );
        }
        c
    }

    /// Applies one committed change (WAL replay, and the live server's commit path).
    pub fn apply(&mut self, ch: &Change) {
        match ch {
            Change::CreateDb { name, owner } => {
                self.databases.insert(
                    name.clone(),
                    Database {
                        owner: owner.clone(),
                        ..Database::default()
                    },
                );
            }
            Change::DropDb { name } => {
                self.databases.remove(name);
            }
            Change::CreateRole {
                name,
                password,
                superuser,
            } => {
                self.roles.insert(
                    name.clone(),
                    Role {
                        password: password.clone(),
                        superuser: *superuser,
                    },
                );
            }
            Change::CreateTable { db, table } => {
                if let Some(d) = self.databases.get_mut(db) {
                    d.tables.insert(table.name.clone(), table.clone());
                }
            }
            Change::DropTable { db, name } => {
                if let Some(d) = self.databases.get_mut(db) {
                    d.tables.remove(name);
                }
            }
            Change::Insert { db, table, row } => {
                if let Some(t) = self
                    .databases
                    .get_mut(db)
                    .and_then(|d| d.tables.get_mut(table))
                {
                    t.next_id = t.next_id.max(row.id + 1);
                    t.rows.push(row.clone());
                }
            }
            Change::Delete { db, table, id } => {
                if let Some(t) = self
                    .databases
                    .get_mut(db)
                    .and_then(|d| d.tables.get_mut(table))
                {
                    t.rows.retain(|r| r.id != *id);
                }
            }
            Change::Truncate { db, table } => {
                if let Some(t) = self
                    .databases
                    .get_mut(db)
                    .and_then(|d| d.tables.get_mut(table))
                {
                    t.rows.clear();
                }
            }
            Change::SetSeq { db, seq, last } => {
                if let Some(d) = self.databases.get_mut(db) {
                    d.sequences.insert(seq.clone(), Sequence { last: *last });
                }
            }
            Change::DropSeq { db, seq } => {
                if let Some(d) = self.databases.get_mut(db) {
                    d.sequences.remove(seq);
                }
            }
        }
    }
}

/// One committed change, as the WAL records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// CREATE DATABASE.
    CreateDb {
        /// Name.
        name: String,
        /// Owner.
        owner: String,
    },
    /// DROP DATABASE.
    DropDb {
        /// Name.
        name: String,
    },
    /// A role (from the entrypoint's environment).
    CreateRole {
        /// Name.
        name: String,
        /// Password.
        password: Option<String>,
        /// Superuser.
        superuser: bool,
    },
    /// CREATE TABLE (the definition, no rows).
    CreateTable {
        /// Database.
        db: String,
        /// Definition.
        table: Table,
    },
    /// DROP TABLE.
    DropTable {
        /// Database.
        db: String,
        /// Table.
        name: String,
    },
    /// A row written (INSERT, or the new version of an UPDATE).
    Insert {
        /// Database.
        db: String,
        /// Table.
        table: String,
        /// The row.
        row: Row,
    },
    /// A row removed (DELETE, or the old version of an UPDATE).
    Delete {
        /// Database.
        db: String,
        /// Table.
        table: String,
        /// Row identity.
        id: u64,
    },
    /// TRUNCATE.
    Truncate {
        /// Database.
        db: String,
        /// Table.
        table: String,
    },
    /// A sequence's position.
    SetSeq {
        /// Database.
        db: String,
        /// Sequence.
        seq: String,
        /// Last value.
        last: i64,
    },
    /// A sequence dropped with its table.
    DropSeq {
        /// Database.
        db: String,
        /// Sequence.
        seq: String,
    },
}

/// An error as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    /// `ERROR`, `FATAL`.
    pub severity: &'static str,
    /// The primary message.
    pub message: String,
    /// `DETAIL:` line.
    pub detail: Option<String>,
    /// `HINT:` line.
    pub hint: Option<String>,
    /// 1-based character position in the query string.
    pub position: Option<usize>,
    /// MySQL error number and SQLSTATE.
    pub mysql: Option<(u32, &'static str)>,
}

impl SqlError {
    /// An `ERROR` with `message`.
    pub fn new(message: impl Into<String>) -> SqlError {
        SqlError {
            severity: "ERROR",
            message: message.into(),
            detail: None,
            hint: None,
            position: None,
            mysql: None,
        }
    }

    /// With a position.
    pub fn at(mut self, pos: Option<usize>) -> SqlError {
        self.position = pos;
        self
    }

    /// With a DETAIL line.
    pub fn detail(mut self, d: impl Into<String>) -> SqlError {
        self.detail = Some(d.into());
        self
    }

    /// With a HINT line.
    pub fn hint(mut self, h: impl Into<String>) -> SqlError {
        self.hint = Some(h.into());
        self
    }

    /// With MySQL's code.
    pub fn my(mut self, code: u32, state: &'static str) -> SqlError {
        self.mysql = Some((code, state));
        self
    }
}

/// A result set.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultSet {
    /// Column names and types.
    pub cols: Vec<(String, Ty)>,
    /// Rows as text (`None` = NULL), in each dialect's text form.
    pub rows: Vec<Vec<Option<String>>>,
}

/// What one statement produced.
#[derive(Clone, Debug, PartialEq)]
pub struct StmtResult {
    /// NOTICE messages (printed on stderr before the result).
    pub notices: Vec<String>,
    /// Rows, if the statement returns some.
    pub rows: Option<ResultSet>,
    /// The command tag (`INSERT 0 1`, `SELECT 2`).
    pub tag: String,
    /// MySQL: rows affected.
    pub affected: u64,
}

/// What a query string produced: each statement's result in order, then the error that
/// stopped it, if any.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    /// Results of the statements that ran.
    pub results: Vec<StmtResult>,
    /// The error that ended the query string.
    pub error: Option<SqlError>,
    /// Changes committed by this query string, in order.
    pub committed: Vec<Change>,
    /// True when a commit happened that may be delayed (`synchronous_commit = off`).
    pub async_commit: bool,
}
