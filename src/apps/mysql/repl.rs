//! MySQL 5.7 binary-log replication, as the replicated-MySQL tutorial (seed 004) drives it:
//! the primary writes its committed statements to a binary log (`log-bin` in `primary.cnf`),
//! a replica is told where to start with `CHANGE MASTER TO ... START SLAVE`, and its I/O and
//! SQL threads copy and apply what the primary logged after that position.
//!
//! The model is lazy and deterministic: a replica catches up with its primary whenever it is
//! asked something (a client connects, a probe runs, XtraBackup copies it), which is what a
//! learner can observe of replication lag on an idle demo (none). The binary log holds the
//! statements of each transaction (MySQL 5.7's default `binlog_format=ROW` holds row images;
//! statements are equivalent here because the engine is deterministic).
//!
//! On disk, as in the datadir of a real server: `<host>-bin.index` lists the log files, each
//! `<host>-bin.NNNNNN` holds its events (one JSON object per line instead of binary events),
//! and a replica keeps its coordinates in `master.info` (`master_info_repository=FILE`, the 5.7
//! default).

use serde::{Deserialize, Serialize};

use crate::apps::sql::{ResultSet, SqlError, Ty};
use crate::engine::SimTime;
use crate::store::View;

/// Where the first event of a fresh 5.7 binary log starts: after the format description
/// and previous-GTIDs events.
pub const FIRST_EVENT: u64 = 154;

/// One transaction in the binary log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Its log file.
    pub file: String,
    /// Where it starts.
    pub pos: u64,
    /// Where the next one starts.
    pub end: u64,
    /// The default database it ran in.
    pub db: String,
    /// Its statements.
    pub sql: Vec<String>,
}

/// The size of a transaction's events: an anonymous-GTID event (65 bytes), a query event per
/// statement (19-byte header, 13 fixed bytes, the database, the text), and for DML the
/// `BEGIN` query and the XID event. An approximation of 5.7's sizes; only positions show it.
fn event_size(db: &str, sql: &[String]) -> u64 {
    let query = |s: &str| 19 + 13 + db.len() as u64 + 1 + s.len() as u64 + 4;
    let mut n = 65;
    let dml = sql.iter().any(|s| is_dml(s));
    if dml {
        n += query("BEGIN") + 31;
    }
    n + sql.iter().map(|s| query(s)).sum::<u64>()
}

fn first_word(sql: &str) -> String {
    sql.split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase()
}

fn is_dml(sql: &str) -> bool {
    matches!(
        first_word(sql).as_str(),
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE"
    )
}

/// True for the client's own commands that end the session (`exit`, `quit`, `\q`).
pub fn is_quit(sql: &str) -> bool {
    let w = sql.trim().trim_end_matches(';').trim();
    w.eq_ignore_ascii_case("exit") || w.eq_ignore_ascii_case("quit")
}

/// True for a statement `super_read_only` refuses.
pub fn is_write(sql: &str) -> bool {
    matches!(
        first_word(sql).as_str(),
        "INSERT"
            | "UPDATE"
            | "DELETE"
            | "REPLACE"
            | "CREATE"
            | "DROP"
            | "ALTER"
            | "TRUNCATE"
            | "RENAME"
            | "GRANT"
            | "REVOKE"
    )
}

/// True for the statements that open, end or abandon a transaction.
pub fn is_txn_control(sql: &str) -> bool {
    let w = first_word(sql);
    matches!(w.as_str(), "BEGIN" | "COMMIT" | "ROLLBACK")
        || (w == "START" && sql.to_ascii_uppercase().contains("TRANSACTION"))
}

/// A server's binary log.
#[derive(Clone, Debug, Default)]
pub struct Binlog {
    /// The base name (`mysql-0-bin`).
    pub base: String,
    /// Its files, oldest first.
    pub files: Vec<String>,
    /// Every transaction logged, oldest first.
    pub events: Vec<Event>,
    /// The end of the current file.
    pub pos: u64,
}

impl Binlog {
    /// Opens the log in `datadir` as a starting server does: reads the index and the files,
    /// then starts a new file.
    pub fn open(view: &mut View<'_>, datadir: &str, base: &str) -> Binlog {
        let mut log = Binlog {
            base: base.to_string(),
            ..Binlog::default()
        };
        let index = format!("{datadir}/{base}.index");
        if let Ok(b) = view.read(&index) {
            for line in String::from_utf8_lossy(&b).lines() {
                let name = line.trim_start_matches("./").to_string();
                if name.is_empty() {
                    continue;
                }
                if let Ok(f) = view.read(&format!("{datadir}/{name}")) {
                    for l in String::from_utf8_lossy(&f).lines() {
                        if let Ok(e) = serde_json::from_str::<Event>(l) {
                            log.events.push(e);
                        }
                    }
                }
                log.files.push(name);
            }
        }
        log.rotate(view, datadir);
        log
    }

    /// Starts the next file.
    pub fn rotate(&mut self, view: &mut View<'_>, datadir: &str) {
        let name = format!("{}.{:06}", self.base, self.files.len() + 1);
        let _ = view.write(&format!("{datadir}/{name}"), b"");
        self.files.push(name);
        self.pos = FIRST_EVENT;
        let index: String = self.files.iter().map(|f| format!("./{f}\n")).collect();
        let _ = view.write(&format!("{datadir}/{}.index", self.base), index.as_bytes());
    }

    /// The current file.
    pub fn current(&self) -> &str {
        self.files.last().map(String::as_str).unwrap_or("")
    }

    /// Logs a committed transaction.
    pub fn append(&mut self, view: Option<View<'_>>, datadir: &str, db: &str, sql: Vec<String>) {
        if sql.is_empty() {
            return;
        }
        let end = self.pos + event_size(db, &sql);
        let e = Event {
            file: self.current().to_string(),
            pos: self.pos,
            end,
            db: db.to_string(),
            sql,
        };
        self.pos = end;
        if let (Some(mut v), Ok(line)) = (view, serde_json::to_string(&e)) {
            let _ = v.append(
                &format!("{datadir}/{}", e.file),
                format!("{line}\n").as_bytes(),
            );
        }
        self.events.push(e);
    }

    /// The transactions after coordinates `(file, pos)`.
    pub fn after<'a>(&'a self, file: &'a str, pos: u64) -> impl Iterator<Item = &'a Event> + 'a {
        self.events
            .iter()
            .filter(move |e| (e.file.as_str(), e.pos) >= (file, pos))
    }
}

/// What `CHANGE MASTER TO` set (`master.info`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterInfo {
    /// MASTER_HOST.
    pub host: String,
    /// MASTER_USER.
    pub user: String,
    /// MASTER_PASSWORD.
    pub password: String,
    /// MASTER_PORT.
    pub port: u16,
    /// MASTER_CONNECT_RETRY, seconds.
    pub connect_retry: u64,
    /// The primary's log file the replica has applied up to.
    pub log_file: String,
    /// The position in it.
    pub log_pos: u64,
    /// The relay log position (grows with what was copied).
    pub relay_pos: u64,
    /// True once `START SLAVE` ran (and until `STOP SLAVE`): the threads start with the server.
    pub running: bool,
}

/// A replica's threads.
#[derive(Clone, Debug, Default)]
pub struct Slave {
    /// Its configuration and coordinates.
    pub info: MasterInfo,
    /// The I/O thread is connected to the primary.
    pub connected: bool,
    /// The primary's `server_id` and UUID, once connected.
    pub master_id: u64,
    /// The primary's UUID.
    pub master_uuid: String,
    /// The last I/O error (errno, text, when).
    pub io_error: Option<(u32, String, SimTime)>,
    /// The last SQL-thread error (errno, text): the thread stopped on it.
    pub sql_error: Option<(u32, String)>,
    /// Connection attempts that failed in a row.
    pub retries: u64,
}

/// Parses `CHANGE MASTER TO key = value, ...` into `info` (the keys the tutorial uses, plus
/// MASTER_PORT). MySQL's syntax error otherwise.
pub fn change_master(sql: &str, info: &mut MasterInfo) -> Result<(), Box<SqlError>> {
    let body = sql.trim().trim_end_matches(';').trim();
    let upper = body.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("CHANGE")
        .map(str::trim_start)
        .and_then(|s| s.strip_prefix("MASTER"))
        .map(str::trim_start)
        .and_then(|s| s.strip_prefix("TO"))
        .ok_or_else(|| syntax(body))?;
    let start = body.len() - rest.len();
    let opts = &body[start..];
    for part in split_commas(opts) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(syntax(part.trim()));
        };
        let k = k.trim().to_ascii_uppercase();
        let v = v.trim();
        let text = || -> Result<String, Box<SqlError>> {
            if v.len() >= 2 && (v.starts_with('\'') || v.starts_with('"')) && v.ends_with(&v[..1]) {
                Ok(v[1..v.len() - 1].to_string())
            } else {
                Err(syntax(v))
            }
        };
        let num = || v.parse::<u64>().map_err(|_| syntax(v));
        match k.as_str() {
            "MASTER_HOST" => info.host = text()?,
            "MASTER_USER" => info.user = text()?,
            "MASTER_PASSWORD" => info.password = text()?,
            "MASTER_PORT" => info.port = num()? as u16,
            "MASTER_CONNECT_RETRY" => info.connect_retry = num()?,
            "MASTER_LOG_FILE" => info.log_file = text()?,
            "MASTER_LOG_POS" => info.log_pos = num()?,
            _ => return Err(syntax(part.trim())),
        }
    }
    if info.port == 0 {
        info.port = 3306;
    }
    if info.connect_retry == 0 {
        info.connect_retry = 60;
    }
    if info.log_pos == 0 {
        info.log_pos = 4;
    }
    Ok(())
}

fn split_commas(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ',' => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn syntax(near: &str) -> Box<SqlError> {
    Box::new(SqlError::new(format!(
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '{near}' at line 1"
    ))
    .my(1064, "42000"))
}

/// A MySQL error with code and state.
pub fn my_error(code: u32, state: &'static str, text: &str) -> SqlError {
    SqlError::new(text).my(code, state)
}

/// The admin statements this module answers (the engine does not know them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// CHANGE MASTER TO.
    ChangeMaster,
    /// START SLAVE.
    StartSlave,
    /// STOP SLAVE.
    StopSlave,
    /// RESET SLAVE [ALL].
    ResetSlave,
    /// SHOW SLAVE STATUS.
    SlaveStatus,
    /// SHOW MASTER STATUS.
    MasterStatus,
    /// SHOW [GLOBAL|SESSION] STATUS [LIKE 'pattern'].
    Status(Option<String>),
}

/// Which admin statement `sql` is, if one.
pub fn admin(sql: &str) -> Option<Admin> {
    let words: Vec<String> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    Some(match w.as_slice() {
        ["CHANGE", "MASTER", "TO", ..] => Admin::ChangeMaster,
        ["START", "SLAVE"] => Admin::StartSlave,
        ["STOP", "SLAVE"] => Admin::StopSlave,
        ["RESET", "SLAVE"] | ["RESET", "SLAVE", "ALL"] => Admin::ResetSlave,
        ["SHOW", "SLAVE", "STATUS"] => Admin::SlaveStatus,
        ["SHOW", "MASTER", "STATUS"] => Admin::MasterStatus,
        ["SHOW", "STATUS"] | ["SHOW", "GLOBAL", "STATUS"] | ["SHOW", "SESSION", "STATUS"] => {
            Admin::Status(None)
        }
        ["SHOW", .., "STATUS", "LIKE", _] => {
            let raw = sql.trim().trim_end_matches(';').trim();
            let pat = raw.rsplit_once(char::is_whitespace).map(|x| x.1)?;
            Admin::Status(Some(
                pat.trim_matches(|c| c == '\'' || c == '"').to_string(),
            ))
        }
        _ => return None,
    })
}

/// A result set of text columns.
pub fn text_rows(cols: &[&str], rows: Vec<Vec<Option<String>>>) -> ResultSet {
    ResultSet {
        cols: cols.iter().map(|c| ((*c).to_string(), Ty::Text)).collect(),
        rows,
    }
}

/// `SHOW SLAVE STATUS` of a 5.7 replica (its 54 columns).
#[allow(clippy::too_many_arguments)]
pub fn slave_status(s: &Slave, hostname: &str, sql_running_state: &str) -> ResultSet {
    let i = &s.info;
    let running = i.running;
    let io = if !running {
        "No"
    } else if s.connected {
        "Yes"
    } else {
        "Connecting"
    };
    let sql_ok = running && s.sql_error.is_none();
    let (io_errno, io_err, io_at) = match &s.io_error {
        Some((n, t, at)) if !s.connected => (*n, t.clone(), stamp57(*at)),
        _ => (0, String::new(), String::new()),
    };
    let (sql_errno, sql_err) = s.sql_error.clone().unwrap_or((0, String::new()));
    let relay_file = format!("{hostname}-relay-bin.000002");
    let cols: Vec<(&str, Option<String>)> = vec![
        (
            "Slave_IO_State",
            Some(
                if io == "Yes" {
                    "Waiting for master to send event"
                } else if io == "Connecting" {
                    "Connecting to master"
                } else {
                    ""
                }
                .to_string(),
            ),
        ),
        ("Master_Host", Some(i.host.clone())),
        ("Master_User", Some(i.user.clone())),
        ("Master_Port", Some(i.port.to_string())),
        ("Connect_Retry", Some(i.connect_retry.to_string())),
        ("Master_Log_File", Some(i.log_file.clone())),
        ("Read_Master_Log_Pos", Some(i.log_pos.to_string())),
        ("Relay_Log_File", Some(relay_file)),
        ("Relay_Log_Pos", Some(i.relay_pos.to_string())),
        ("Relay_Master_Log_File", Some(i.log_file.clone())),
        ("Slave_IO_Running", Some(io.to_string())),
        (
            "Slave_SQL_Running",
            Some(if sql_ok { "Yes" } else { "No" }.to_string()),
        ),
        ("Replicate_Do_DB", Some(String::new())),
        ("Replicate_Ignore_DB", Some(String::new())),
        ("Replicate_Do_Table", Some(String::new())),
        ("Replicate_Ignore_Table", Some(String::new())),
        ("Replicate_Wild_Do_Table", Some(String::new())),
        ("Replicate_Wild_Ignore_Table", Some(String::new())),
        ("Last_Errno", Some(sql_errno.to_string())),
        ("Last_Error", Some(sql_err.clone())),
        ("Skip_Counter", Some("0".into())),
        ("Exec_Master_Log_Pos", Some(i.log_pos.to_string())),
        ("Relay_Log_Space", Some((i.relay_pos + 209).to_string())),
        ("Until_Condition", Some("None".into())),
        ("Until_Log_File", Some(String::new())),
        ("Until_Log_Pos", Some("0".into())),
        ("Master_SSL_Allowed", Some("No".into())),
        ("Master_SSL_CA_File", Some(String::new())),
        ("Master_SSL_CA_Path", Some(String::new())),
        ("Master_SSL_Cert", Some(String::new())),
        ("Master_SSL_Cipher", Some(String::new())),
        ("Master_SSL_Key", Some(String::new())),
        (
            "Seconds_Behind_Master",
            if io == "Yes" && sql_ok {
                Some("0".into())
            } else {
                None
            },
        ),
        ("Master_SSL_Verify_Server_Cert", Some("No".into())),
        ("Last_IO_Errno", Some(io_errno.to_string())),
        ("Last_IO_Error", Some(io_err)),
        ("Last_SQL_Errno", Some(sql_errno.to_string())),
        ("Last_SQL_Error", Some(sql_err)),
        ("Replicate_Ignore_Server_Ids", Some(String::new())),
        ("Master_Server_Id", Some(s.master_id.to_string())),
        ("Master_UUID", Some(s.master_uuid.clone())),
        (
            "Master_Info_File",
            Some(format!("{}/master.info", super::DATADIR)),
        ),
        ("SQL_Delay", Some("0".into())),
        ("SQL_Remaining_Delay", None),
        (
            "Slave_SQL_Running_State",
            Some(if sql_ok { sql_running_state } else { "" }.to_string()),
        ),
        ("Master_Retry_Count", Some("86400".into())),
        ("Master_Bind", Some(String::new())),
        ("Last_IO_Error_Timestamp", Some(io_at)),
        ("Last_SQL_Error_Timestamp", Some(String::new())),
        ("Master_SSL_Crl", Some(String::new())),
        ("Master_SSL_Crlpath", Some(String::new())),
        ("Retrieved_Gtid_Set", Some(String::new())),
        ("Executed_Gtid_Set", Some(String::new())),
        ("Auto_Position", Some("0".into())),
        ("Replicate_Rewrite_DB", Some(String::new())),
        ("Channel_Name", Some(String::new())),
        ("Master_TLS_Version", Some(String::new())),
    ];
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    text_rows(&names, vec![cols.into_iter().map(|c| c.1).collect()])
}

/// 5.7's short timestamp (`SHOW SLAVE STATUS`, XtraBackup 2.4's log): `161121 10:42:03`.
pub fn stamp57(t: SimTime) -> String {
    let ms = crate::apps::postgres::server::unix_ms(t);
    let full = crate::apps::sql::value::format_ts(ms - ms.rem_euclid(1000));
    // "2026-11-30 16:40:00" -> "261130 16:40:00"
    let digits: String = full[2..10].chars().filter(|c| *c != '-').collect();
    format!("{digits} {}", &full[11..19])
}

/// MySQL's vertical output (`\G`).
pub fn vertical(rs: &ResultSet) -> String {
    let w = rs
        .cols
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let mut o = String::new();
    for (i, row) in rs.rows.iter().enumerate() {
        o.push_str(&format!(
            "*************************** {}. row ***************************\n",
            i + 1
        ));
        for ((name, _), v) in rs.cols.iter().zip(row) {
            o.push_str(&format!("{name:>w$}: {}\n", v.as_deref().unwrap_or("NULL")));
        }
    }
    o
}

/// A statement of a `mysql` client's input: its text without terminator, whether it ended
/// with `\G`, and the line it ended on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    /// The text sent to the server.
    pub text: String,
    /// Ended with `\G` (vertical output).
    pub vertical: bool,
    /// The 1-based line of its terminator.
    pub line: usize,
}

/// Splits `mysql` client input at `;`, `\g` and `\G` outside quotes and comments, as the
/// client does (`--` and `#` comments are not sent). `\q` becomes `quit`.
pub fn split_mysql(text: &str) -> Vec<Stmt> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut line = 1;
    let mut i = 0;
    let mut push = |buf: &mut String, vertical: bool, line: usize| {
        let t = buf.trim().to_string();
        buf.clear();
        if !t.is_empty() {
            out.push(Stmt {
                text: t,
                vertical,
                line,
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' | '`' => {
                buf.push(c);
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    buf.push(d);
                    i += 1;
                    if d == '\n' {
                        line += 1;
                    }
                    if d == '\\' && c != '`' && i < chars.len() {
                        buf.push(chars[i]);
                        i += 1;
                        continue;
                    }
                    if d == c {
                        break;
                    }
                }
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '-' if chars.get(i + 1) == Some(&'-')
                && chars.get(i + 2).is_none_or(|c| c.is_whitespace()) =>
            {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ';' => {
                push(&mut buf, false, line);
                i += 1;
            }
            '\\' if chars.get(i + 1) == Some(&'q') => {
                push(&mut buf, false, line);
                buf.push_str("quit");
                push(&mut buf, false, line);
                i += 2;
            }
            '\\' if matches!(chars.get(i + 1), Some('G') | Some('g')) => {
                push(&mut buf, chars[i + 1] == 'G', line);
                i += 2;
            }
            '\n' => {
                buf.push(c);
                line += 1;
                i += 1;
            }
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    push(&mut buf, false, line.max(1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_master_reads_the_tutorials_statement() {
        let mut i = MasterInfo::default();
        change_master(
            "CHANGE MASTER TO MASTER_LOG_FILE='mysql-0-bin.000003',                  MASTER_LOG_POS=154,                           MASTER_HOST='mysql-0.mysql-headless',                           MASTER_USER='root',                           MASTER_PASSWORD='p,w',                           MASTER_CONNECT_RETRY=10",
            &mut i,
        )
        .unwrap();
        assert_eq!(i.log_file, "mysql-0-bin.000003");
        assert_eq!(i.log_pos, 154);
        assert_eq!(i.host, "mysql-0.mysql-headless");
        assert_eq!(i.password, "p,w");
        assert_eq!(i.connect_retry, 10);
        assert_eq!(i.port, 3306);
        let e = change_master("CHANGE MASTER TO MASTER_BOGUS=1", &mut i).unwrap_err();
        assert_eq!(e.mysql, Some((1064, "42000")));
        assert!(e.message.contains("near 'MASTER_BOGUS=1'"), "{}", e.message);
    }

    #[test]
    fn client_input_splits_at_semicolons_and_backslash_g() {
        let s = split_mysql("SHOW SLAVE STATUS\\G\n-- note\nSELECT ';' ; # c\nSELECT 2");
        assert!(is_quit(&split_mysql("EXIT;")[0].text));
        assert!(is_quit(&split_mysql("SELECT 1; \\q")[1].text));
        assert_eq!(
            s,
            vec![
                Stmt {
                    text: "SHOW SLAVE STATUS".into(),
                    vertical: true,
                    line: 1
                },
                Stmt {
                    text: "SELECT ';'".into(),
                    vertical: false,
                    line: 3
                },
                Stmt {
                    text: "SELECT 2".into(),
                    vertical: false,
                    line: 4
                },
            ]
        );
    }

    #[test]
    fn vertical_output_right_aligns_names() {
        let rs = text_rows(
            &["File", "Position"],
            vec![vec![Some("mysql-0-bin.000003".into()), Some("154".into())]],
        );
        assert_eq!(
            vertical(&rs),
            "*************************** 1. row ***************************\n    File: mysql-0-bin.000003\nPosition: 154\n"
        );
    }

    #[test]
    fn admin_statements_are_recognised() {
        assert_eq!(admin("start slave;"), Some(Admin::StartSlave));
        assert_eq!(
            admin("SHOW STATUS LIKE 'Threads_connected'"),
            Some(Admin::Status(Some("Threads_connected".into())))
        );
        assert_eq!(admin("SHOW SLAVE STATUS"), Some(Admin::SlaveStatus));
        assert_eq!(admin("SELECT 1"), None);
    }
}
