//! Redis's files on the volume, in stsim's own deterministic format.
//!
//! - `dump.rdb` (and the AOF base file) starts with the real magic `REDIS0010`, followed by
//!   RESP arrays: `AUX` fields (`redis-ver`, `ctime`, `used-mem`), `SELECT db`, one command
//!   per key that rebuilds it (`SET`, `RPUSH`, `HSET`, `SADD`), `PEXPIREAT` for keys with a
//!   TTL, and a final `EOF`. Not Redis's binary RDB encoding, but the same role and file name.
//! - The AOF incr file is what Redis 7 writes there too: the write commands as RESP arrays,
//!   with a `SELECT` whenever the database changes.
//! - `appendonly.aof.manifest` has Redis 7's real line format.

/// Encodes one command as a RESP array of bulk strings.
pub fn resp_command(argv: &[String]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Why a file could not be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Decodes a sequence of RESP arrays of bulk strings (an AOF, or an RDB body). A truncated
/// last command is dropped (Redis's `aof-load-truncated yes`).
pub fn parse_commands(data: &[u8]) -> Result<Vec<Vec<String>>, Corrupt> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let start = i;
        match parse_one(data, &mut i) {
            Some(cmd) => out.push(cmd),
            None => {
                // A torn tail is tolerated; garbage in the middle is not.
                if data[start..].starts_with(b"*") {
                    break;
                }
                return Err(Corrupt);
            }
        }
    }
    Ok(out)
}

fn read_line(data: &[u8], i: &mut usize) -> Option<String> {
    let rest = data.get(*i..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&rest[..end]).ok()?.to_string();
    *i += end + 2;
    Some(line)
}

fn parse_one(data: &[u8], i: &mut usize) -> Option<Vec<String>> {
    let start = *i;
    let header = read_line(data, i)?;
    let n: usize = header.strip_prefix('*')?.parse().ok()?;
    let mut argv = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let len_line = read_line(data, i)?;
        let len: usize = len_line.strip_prefix('$')?.parse().ok()?;
        let bytes = data.get(*i..i.checked_add(len)?)?;
        if data.get(*i + len..*i + len + 2)? != b"\r\n" {
            *i = start;
            return None;
        }
        argv.push(String::from_utf8_lossy(bytes).into_owned());
        *i += len + 2;
    }
    Some(argv)
}

/// The magic at the start of every RDB file Redis 7 writes.
pub const RDB_MAGIC: &[u8] = b"REDIS0010";

/// An RDB file read back: its AUX fields and the commands that rebuild the dataset.
#[derive(Clone, Debug, Default)]
pub struct RdbFile {
    /// `redis-ver`.
    pub version: String,
    /// `ctime` (unix seconds).
    pub ctime: i64,
    /// `used-mem` (bytes).
    pub used_mem: u64,
    /// `SELECT`, `SET`, `RPUSH`, `HSET`, `SADD`, `PEXPIREAT` commands.
    pub commands: Vec<Vec<String>>,
}

/// Parses an RDB file.
pub fn parse_rdb(data: &[u8]) -> Result<RdbFile, Corrupt> {
    let body = data.strip_prefix(RDB_MAGIC).ok_or(Corrupt)?;
    let mut out = RdbFile::default();
    let mut saw_eof = false;
    for cmd in parse_commands(body)? {
        match cmd.first().map(String::as_str) {
            Some("AUX") if cmd.len() == 3 => match cmd[1].as_str() {
                "redis-ver" => out.version = cmd[2].clone(),
                "ctime" => out.ctime = cmd[2].parse().unwrap_or(0),
                "used-mem" => out.used_mem = cmd[2].parse().unwrap_or(0),
                _ => {}
            },
            Some("EOF") => {
                saw_eof = true;
                break;
            }
            Some(_) => out.commands.push(cmd),
            None => return Err(Corrupt),
        }
    }
    if !saw_eof {
        return Err(Corrupt);
    }
    Ok(out)
}

/// One entry of `appendonly.aof.manifest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The file name (inside `appendonlydir/`).
    pub file: String,
    /// Its sequence number.
    pub seq: u64,
    /// `b` (base) or `i` (incr).
    pub kind: char,
}

/// The manifest's text for a base and an incr file of sequence `seq`.
pub fn manifest_text(seq: u64, aof_name: &str) -> String {
    format!(
        "file {aof_name}.{seq}.base.rdb seq {seq} type b\nfile {aof_name}.{seq}.incr.aof seq {seq} type i\n"
    )
}

/// Parses a manifest (`file NAME seq N type b|i` lines).
pub fn parse_manifest(text: &str) -> Result<Vec<ManifestEntry>, Corrupt> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut file = None;
        let mut seq = None;
        let mut kind = None;
        for pair in words.chunks(2) {
            match pair {
                ["file", f] => file = Some((*f).to_string()),
                ["seq", s] => seq = s.parse().ok(),
                ["type", t] => kind = t.chars().next(),
                _ => return Err(Corrupt),
            }
        }
        match (file, seq, kind) {
            (Some(file), Some(seq), Some(kind)) => out.push(ManifestEntry { file, seq, kind }),
            _ => return Err(Corrupt),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_string()).collect()
    }

    #[test]
    fn resp_round_trips_and_tolerates_a_torn_tail() {
        let mut data = resp_command(&s(&["SET", "a b", "\r\n"]));
        data.extend(resp_command(&s(&["INCR", "n"])));
        assert_eq!(&data[..24], b"*3\r\n$3\r\nSET\r\n$3\r\na b\r\n$2");
        let full = parse_commands(&data).unwrap();
        assert_eq!(full, vec![s(&["SET", "a b", "\r\n"]), s(&["INCR", "n"])]);
        let torn = parse_commands(&data[..data.len() - 3]).unwrap();
        assert_eq!(torn, vec![s(&["SET", "a b", "\r\n"])]);
        assert_eq!(parse_commands(b"garbage"), Err(Corrupt));
    }

    #[test]
    fn manifest_has_redis_7_line_format() {
        let t = manifest_text(1, "appendonly.aof");
        assert_eq!(
            t,
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        let m = parse_manifest(&t).unwrap();
        assert_eq!(m[1].file, "appendonly.aof.1.incr.aof");
        assert_eq!(m[0].kind, 'b');
        assert!(parse_manifest("file x seq").is_err());
    }
}
