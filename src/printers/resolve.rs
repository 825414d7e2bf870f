//! go-yaml v2's implicit typing of plain scalars (`resolve` in `resolve.go`), which decides
//! whether a string may be printed plain: a string that would read back as a bool, null, int,
//! float or timestamp must be quoted. Go's `strconv.ParseInt` / `ParseUint` / `ParseFloat`
//! and `time.Parse` are reproduced as far as the answer "does it parse?" needs.

/// Whether go-yaml v2's encoder may print `s` as a plain scalar (`canUsePlain` in
/// `encode.go`): it must resolve to a string, and not look like a YAML 1.1 base-60 float.
pub(crate) fn can_use_plain(s: &str) -> bool {
    !resolves_to_non_string(s) && !is_base60_float(s)
}

/// The words of go-yaml v2's resolve table (YAML 1.1 booleans, nulls, infinities, NaN, merge).
const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

fn resolves_to_non_string(s: &str) -> bool {
    let hint = match s.bytes().next() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return false,
    };
    if RESOLVE_MAP.contains(&s) {
        return true;
    }
    match hint {
        b'.' => go_parse_float_ok(s),
        b'D' | b'S' => {
            if is_timestamp(s) {
                return true;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            go_parse_int_ok(&plain)
                || go_parse_uint(&plain).is_ok()
                || (is_yaml_style_float(&plain) && !float_overflows(&plain))
        }
        _ => false,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum NumError {
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, 0, 64)` on a string without underscores.
fn go_parse_uint(s: &str) -> Result<u64, NumError> {
    let bytes = s.as_bytes();
    if bytes.is_empty() {
        return Err(NumError::Syntax);
    }
    let (base, digits): (u64, &[u8]) = if bytes[0] == b'0' {
        let prefix = bytes.get(1).map(u8::to_ascii_lowercase);
        match prefix {
            Some(b'b') if bytes.len() >= 3 => (2, &bytes[2..]),
            Some(b'o') if bytes.len() >= 3 => (8, &bytes[2..]),
            Some(b'x') if bytes.len() >= 3 => (16, &bytes[2..]),
            _ => (8, &bytes[1..]),
        }
    } else {
        (10, bytes)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let lower = c.to_ascii_lowercase();
        let d = match lower {
            b'0'..=b'9' => u64::from(lower - b'0'),
            b'a'..=b'z' => u64::from(lower - b'a') + 10,
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        n = n
            .checked_mul(base)
            .and_then(|n| n.checked_add(d))
            .ok_or(NumError::Range)?;
    }
    Ok(n)
}

/// Whether `strconv.ParseInt(s, 0, 64)` succeeds on a string without underscores.
fn go_parse_int_ok(s: &str) -> bool {
    let (is_negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let cutoff: u64 = 1 << 63;
    match go_parse_uint(rest) {
        Ok(n) => n < cutoff || (is_negative && n == cutoff),
        Err(_) => false,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, go-yaml's float pattern.
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let count_digits = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    if b.get(i) == Some(&b'.') {
        let n = count_digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = count_digits(i);
        if n == 0 {
            return false;
        }
        i += n;
        if b.get(i) == Some(&b'.') {
            i += 1 + count_digits(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = count_digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// For a syntactically valid decimal float: whether Go's `ParseFloat` reports a range error
/// (the value rounds to infinity). Underflow to zero is not an error in Go.
fn float_overflows(s: &str) -> bool {
    let mut text: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(pos) = text.find('.') {
        // Rust wants digits on both sides of the point.
        if !text[pos + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            text.insert(pos + 1, '0');
        }
        if !text[..pos].ends_with(|c: char| c.is_ascii_digit()) {
            text.insert(pos, '0');
        }
    }
    text.parse::<f64>().map(f64::is_infinite).unwrap_or(true)
}

/// `strconv.ParseFloat(s, 64) == nil` for a string that starts with `.` (go-yaml's `.` hint):
/// decimal digits with an optional exponent, underscores only between digits, no overflow.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut saw_dot = false;
    let mut saw_digits = false;
    let mut has_underscores = false;
    while i < b.len() {
        match b[i] {
            b'_' => has_underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            has_underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if i != b.len() || (has_underscores && !underscore_ok(s)) {
        return false;
    }
    !float_overflows(s)
}

/// Go's `underscoreOK`: underscores may only separate digits (or follow a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if matches!(b.first(), Some(b'+' | b'-')) {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut is_hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        is_hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (is_hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-' | b'0'..=b'9')) || !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if matches!(b[0], b'+' | b'-') {
        i = 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
        i += 1;
    }
    // One or more `:[0-5]?[0-9]` groups. The regexp engine backtracks; a group is one digit,
    // or two digits whose first is 0-5, and the pattern is anchored, so taking two digits when
    // possible and else one is the only way a match can continue.
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        let first = b.get(i + 1).copied();
        let second = b.get(i + 2).copied();
        match (first, second) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 3,
            (Some(b'0'..=b'9'), _) => i += 2,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|&c| c.is_ascii_digit() || c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// go-yaml's `parseTimestamp`: `YYYY-` then one of its four `time.Parse` layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let leading_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if leading_digits != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    [
        Layout::UpperT,
        Layout::LowerT,
        Layout::Space,
        Layout::DateOnly,
    ]
    .into_iter()
    .any(|layout| parse_layout(b, layout).is_some())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `2006-1-2T15:4:5.999999999Z07:00`
    UpperT,
    /// `2006-1-2t15:4:5.999999999Z07:00`
    LowerT,
    /// `2006-1-2 15:4:5.999999999`
    Space,
    /// `2006-1-2`
    DateOnly,
}

/// Go's `getnum(s, false)`: one or two digits.
fn get_num(b: &[u8], i: &mut usize) -> Option<u32> {
    let first = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    let mut n = u32::from(first - b'0');
    if let Some(&second) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        n = n * 10 + u32::from(second - b'0');
        *i += 1;
    }
    Some(n)
}

fn expect(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

fn parse_layout(b: &[u8], layout: Layout) -> Option<()> {
    let year: u32 = std::str::from_utf8(b.get(..4)?).ok()?.parse().ok()?;
    let mut i = 4;
    expect(b, &mut i, b'-')?;
    let month = get_num(b, &mut i).filter(|m| (1..=12).contains(m))?;
    expect(b, &mut i, b'-')?;
    let day = get_num(b, &mut i)?;
    if layout != Layout::DateOnly {
        match layout {
            Layout::UpperT => expect(b, &mut i, b'T')?,
            Layout::LowerT => expect(b, &mut i, b't')?,
            _ => {
                // A space in a Go layout matches any run of spaces (none at the very end).
                if b.get(i).is_some_and(|&c| c != b' ') {
                    return None;
                }
                while b.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
        }
        get_num(b, &mut i).filter(|&h| h < 24)?;
        expect(b, &mut i, b':')?;
        get_num(b, &mut i).filter(|&m| m < 60)?;
        expect(b, &mut i, b':')?;
        get_num(b, &mut i).filter(|&s| s < 60)?;
        // Optional fraction: `.` or `,` and at least one digit, then every digit.
        if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if layout != Layout::Space {
            parse_zone(b, &mut i)?;
        }
    }
    if i != b.len() || day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(())
}

/// Go's `Z07:00`: `Z`, or a sign, two-digit hours (at most 24), `:` and two-digit minutes (at
/// most 60).
fn parse_zone(b: &[u8], i: &mut usize) -> Option<()> {
    if b.get(*i) == Some(&b'Z') {
        *i += 1;
        return Some(());
    }
    let zone = b.get(*i..*i + 6)?;
    if zone[3] != b':' {
        return None;
    }
    let two = |hi: u8, lo: u8| {
        (hi.is_ascii_digit() && lo.is_ascii_digit())
            .then(|| u32::from(hi - b'0') * 10 + u32::from(lo - b'0'))
    };
    let hours = two(zone[1], zone[2])?;
    let minutes = two(zone[4], zone[5])?;
    if hours > 24 || minutes > 60 || !matches!(zone[0], b'+' | b'-') {
        return None;
    }
    *i += 6;
    Some(())
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_numbers_need_quotes() {
        for s in [
            "", "y", "NO", "~", "80", "0x1F", "1e3", ".5", "1_000", "-0b101", "1:30",
        ] {
            assert!(!can_use_plain(s), "{s:?}");
        }
        for s in [
            "yEs",
            "<<",
            "0x",
            "1e999",
            "._1",
            "1.2.3",
            "1:60",
            "abc",
            "_1",
            "2024-13-01",
        ] {
            assert!(can_use_plain(s), "{s:?}");
        }
    }

    #[test]
    fn timestamps_follow_go_time_parse() {
        for s in [
            "2024-01-15T10:00:00Z",
            "2024-1-5",
            "2024-02-29",
            "2024-01-15   10:00:00",
        ] {
            assert!(is_timestamp(s), "{s:?}");
        }
        for s in [
            "2023-02-29",
            "2024-01-15T24:00:00Z",
            "2024-01-15T10:00:00z",
            "2024-01-15 ",
        ] {
            assert!(!is_timestamp(s), "{s:?}");
        }
    }
}
