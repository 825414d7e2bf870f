//! Values and types of the SQL subset: integers, exact decimals, text, booleans and
//! timestamps, with PostgreSQL's text forms and input rules.

use serde::{Deserialize, Serialize};

/// A column or expression type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ty {
    /// `integer` (32-bit).
    Int4,
    /// `bigint`.
    Int8,
    /// `smallint`.
    Int2,
    /// `numeric`, with an optional (precision, scale).
    Numeric(Option<(u32, u32)>),
    /// `double precision` / `real`, kept as a decimal.
    Float,
    /// `text`.
    Text,
    /// `character varying(n)`.
    Varchar(Option<u32>),
    /// `character(n)`.
    Char(u32),
    /// `boolean`.
    Bool,
    /// `timestamp without time zone`.
    Timestamp,
    /// `timestamp with time zone`.
    Timestamptz,
    /// `date`.
    Date,
    /// `oid`: an object identifier (system views only).
    Oid,
    /// `xid`: a transaction identifier (system views only).
    Xid,
    /// `name`: a catalog identifier, text for every purpose here (system views only).
    Name,
    /// `inet`: an IP address (system views only).
    Inet,
    /// An untyped string literal, resolved by context.
    Unknown,
}

impl Ty {
    /// The canonical name (`\d`, `pg_dump`, error messages).
    pub fn pg_name(&self) -> String {
        match self {
            Ty::Int4 => "integer".into(),
            Ty::Int8 => "bigint".into(),
            Ty::Int2 => "smallint".into(),
            Ty::Numeric(None) => "numeric".into(),
            Ty::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
            Ty::Float => "double precision".into(),
            Ty::Text => "text".into(),
            Ty::Varchar(None) => "character varying".into(),
            Ty::Varchar(Some(n)) => format!("character varying({n})"),
            Ty::Char(n) => format!("character({n})"),
            Ty::Bool => "boolean".into(),
            Ty::Timestamp => "timestamp without time zone".into(),
            Ty::Timestamptz => "timestamp with time zone".into(),
            Ty::Date => "date".into(),
            Ty::Oid => "oid".into(),
            Ty::Xid => "xid".into(),
            Ty::Name => "name".into(),
            Ty::Inet => "inet".into(),
            Ty::Unknown => "text".into(),
        }
    }

    /// The short name used in input-syntax errors (`integer`, `boolean`...).
    pub fn input_name(&self) -> String {
        match self {
            Ty::Varchar(_) => "character varying".into(),
            Ty::Numeric(_) => "numeric".into(),
            Ty::Char(_) => "character".into(),
            other => other.pg_name(),
        }
    }

    /// MySQL's name of the type (`int`, `varchar(50)`...).
    pub fn mysql_name(&self) -> String {
        match self {
            Ty::Int4 => "int".into(),
            Ty::Int8 => "bigint".into(),
            Ty::Int2 => "smallint".into(),
            Ty::Numeric(None) => "decimal(10,0)".into(),
            Ty::Numeric(Some((p, s))) => format!("decimal({p},{s})"),
            Ty::Float => "double".into(),
            Ty::Text | Ty::Unknown => "text".into(),
            Ty::Varchar(Some(n)) => format!("varchar({n})"),
            Ty::Varchar(None) => "varchar(255)".into(),
            Ty::Char(n) => format!("char({n})"),
            Ty::Bool => "tinyint(1)".into(),
            Ty::Timestamp | Ty::Timestamptz => "timestamp".into(),
            Ty::Date => "date".into(),
            Ty::Oid => "int unsigned".into(),
            Ty::Xid => "bigint unsigned".into(),
            Ty::Name => "varchar(64)".into(),
            Ty::Inet => "varchar(45)".into(),
        }
    }

    /// True for numbers (right-aligned by psql).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Ty::Int4 | Ty::Int8 | Ty::Int2 | Ty::Numeric(_) | Ty::Float
        )
    }

    /// True for the types psql right-aligns: numbers, and the `oid` and `xid` identifiers
    /// (`column_type_alignment` in psql's `print.c`).
    pub fn is_right_aligned(&self) -> bool {
        self.is_numeric() || matches!(self, Ty::Oid | Ty::Xid)
    }

    /// True for identifiers that compare with integers but have no arithmetic (`oid`, `xid`).
    pub fn is_identifier(&self) -> bool {
        matches!(self, Ty::Oid | Ty::Xid)
    }

    /// True for integer types.
    pub fn is_int(&self) -> bool {
        matches!(self, Ty::Int4 | Ty::Int8 | Ty::Int2)
    }

    /// True for string types.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Ty::Text | Ty::Varchar(_) | Ty::Char(_) | Ty::Name | Ty::Unknown
        )
    }
}

/// An exact decimal: `mantissa * 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dec {
    /// The digits.
    pub m: i128,
    /// Digits after the point.
    pub scale: u32,
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

impl Dec {
    /// An integer as a decimal.
    pub fn int(i: i64) -> Dec {
        Dec {
            m: i128::from(i),
            scale: 0,
        }
    }

    /// Parses `-12.50` (also `1e3`); `None` when it is not a number.
    pub fn parse(s: &str) -> Option<Dec> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
            None => (body, 0),
        };
        let (ip, fp) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..]),
            None => (mant, ""),
        };
        if ip.is_empty() && fp.is_empty() {
            return None;
        }
        if !ip.bytes().all(|b| b.is_ascii_digit()) || !fp.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{ip}{fp}");
        if digits.len() > 36 {
            return None;
        }
        let mut m: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let mut scale = fp.len() as i32 - exp;
        if scale < 0 {
            m = m.checked_mul(*POW10.get((-scale) as usize)?)?;
            scale = 0;
        }
        if neg {
            m = -m;
        }
        Some(Dec {
            m,
            scale: scale as u32,
        })
    }

    /// Rescales (rounding half away from zero when shortening).
    pub fn with_scale(self, scale: u32) -> Option<Dec> {
        if scale >= self.scale {
            let f = *POW10.get((scale - self.scale) as usize)?;
            Some(Dec {
                m: self.m.checked_mul(f)?,
                scale,
            })
        } else {
            let f = *POW10.get((self.scale - scale) as usize)?;
            let q = self.m / f;
            let r = self.m % f;
            let q = if r.abs() * 2 >= f {
                q + self.m.signum()
            } else {
                q
            };
            Some(Dec { m: q, scale })
        }
    }

    fn align(a: Dec, b: Dec) -> Option<(i128, i128, u32)> {
        let s = a.scale.max(b.scale);
        Some((a.with_scale(s)?.m, b.with_scale(s)?.m, s))
    }

    /// `a + b`.
    pub fn plus(a: Dec, b: Dec) -> Option<Dec> {
        let (x, y, s) = Dec::align(a, b)?;
        Some(Dec {
            m: x.checked_add(y)?,
            scale: s,
        })
    }

    /// `a - b`.
    pub fn minus(a: Dec, b: Dec) -> Option<Dec> {
        Dec::plus(a, Dec { m: -b.m, ..b })
    }

    /// `a * b`.
    pub fn times(a: Dec, b: Dec) -> Option<Dec> {
        Some(Dec {
            m: a.m.checked_mul(b.m)?,
            scale: a.scale + b.scale,
        })
    }

    /// `a / b` with PostgreSQL's result scale (at least 16 significant digits).
    pub fn divide(a: Dec, b: Dec) -> Option<Dec> {
        if b.m == 0 {
            return None;
        }
        let int_digits = |d: Dec| -> i32 {
            let ip = (d.m / POW10[d.scale as usize]).abs();
            if ip == 0 {
                // 0.00x: negative weight
                let mut w = 0;
                let mut v = d.m.abs();
                let mut s = d.scale as i32;
                while v > 0 && v < POW10[s.max(0) as usize] {
                    w -= 1;
                    v *= 10;
                    if w < -38 {
                        break;
                    }
                    s = s.max(0);
                }
                w + 1
            } else {
                ip.to_string().len() as i32
            }
        };
        // PostgreSQL's select_div_scale works in base-10000 digits.
        let w1 = (int_digits(a) + 3).div_euclid(4) - 1;
        let w2 = (int_digits(b) + 3).div_euclid(4) - 1;
        let mut qweight = w1 - w2;
        let first = |d: Dec, w: i32| -> i128 {
            let v = d.m.abs();
            let shift = d.scale as i32 + w * 4;
            if shift >= 0 {
                v / POW10.get(shift as usize).copied().unwrap_or(i128::MAX)
            } else {
                v * POW10.get((-shift) as usize).copied().unwrap_or(1)
            }
        };
        if first(a, w1) < first(b, w2) {
            qweight -= 1;
        }
        let mut rscale = 16 - qweight * 4;
        rscale = rscale.max(a.scale as i32).max(b.scale as i32).clamp(0, 30);
        let rscale = rscale as u32;
        // a / b at rscale, rounded.
        let num_scale = rscale + b.scale + 1;
        let num = a.with_scale(num_scale)?;
        let q = num.m.checked_div(b.m)?;
        Dec {
            m: q,
            scale: rscale + 1,
        }
        .with_scale(rscale)
    }

    /// Compares numerically.
    pub fn compare(a: Dec, b: Dec) -> std::cmp::Ordering {
        match Dec::align(a, b) {
            Some((x, y, _)) => x.cmp(&y),
            None => (a.m.signum()).cmp(&b.m.signum()),
        }
    }

    /// The value as an i64 if integral and in range (rounded).
    pub fn to_i64(self) -> Option<i64> {
        let r = self.with_scale(0)?;
        i64::try_from(r.m).ok()
    }
}

impl std::fmt::Display for Dec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.m);
        }
        let p = POW10[self.scale as usize];
        let neg = self.m < 0;
        let a = self.m.abs();
        write!(
            f,
            "{}{}.{:0width$}",
            if neg { "-" } else { "" },
            a / p,
            a % p,
            width = self.scale as usize
        )
    }
}

/// A value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Any integer type.
    Int(i64),
    /// `numeric` (and floats).
    Num(Dec),
    /// Strings.
    Text(String),
    /// Booleans.
    Bool(bool),
    /// Timestamps, as Unix milliseconds.
    Ts(i64),
}

impl Value {
    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// PostgreSQL's text output of the value of type `ty`; `None` for NULL.
    pub fn pg_text(&self, ty: &Ty) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Int(i) => i.to_string(),
            Value::Num(d) => d.to_string(),
            Value::Text(s) => s.clone(),
            Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Value::Ts(ms) => match ty {
                Ty::Date => format_date(*ms),
                Ty::Timestamptz => format!("{}+00", format_ts(*ms)),
                _ => format_ts(*ms),
            },
        })
    }

    /// MySQL's text output.
    pub fn mysql_text(&self, ty: &Ty) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Ts(ms) => match ty {
                Ty::Date => format_date(*ms),
                _ => {
                    let s = format_ts(*ms);
                    s.split('.').next().unwrap_or(&s).to_string()
                }
            },
            other => other.pg_text(ty)?,
        })
    }
}

/// Days since 1970-01-01 → (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2025-01-01 00:00:05.123` (fraction only when non-zero, trailing zeros trimmed).
pub fn format_ts(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86400));
    let sod = secs.rem_euclid(86400);
    let mut s = format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    if frac != 0 {
        let f = format!("{frac:03}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// `2025-01-01`.
pub fn format_date(ms: i64) -> String {
    let (y, mo, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{mo:02}-{d:02}")
}

/// Parses `2025-01-02`, `2025-01-02 03:04:05[.678]` (an optional `+00`/`Z` suffix).
pub fn parse_ts(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s
        .strip_suffix("+00")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s);
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if let Some(t) = time {
        let (hms, frac) = match t.find('.') {
            Some(i) => (&t[..i], &t[i + 1..]),
            None => (t, ""),
        };
        let mut tp = hms.split(':');
        let h: i64 = tp.next()?.parse().ok()?;
        let mi: i64 = tp.next()?.parse().ok()?;
        let se: i64 = tp.next().unwrap_or("0").parse().ok()?;
        if h > 24 || mi > 59 || se > 60 {
            return None;
        }
        ms += (h * 3600 + mi * 60 + se) * 1000;
        if !frac.is_empty() {
            let f: String = frac.chars().chain("000".chars()).take(3).collect();
            ms += f.parse::<i64>().ok()?;
        }
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_print_and_divide_like_postgres() {
        assert_eq!(Dec::parse("1.5").unwrap().to_string(), "1.5");
        assert_eq!(Dec::parse("-0.25").unwrap().to_string(), "-0.25");
        let avg = Dec::divide(Dec::int(3), Dec::int(2)).unwrap();
        assert_eq!(avg.to_string(), "1.5000000000000000");
        let avg = Dec::divide(Dec::int(6), Dec::int(3)).unwrap();
        assert_eq!(avg.to_string(), "2.0000000000000000");
        let avg = Dec::divide(Dec::int(10), Dec::int(3)).unwrap();
        assert_eq!(avg.to_string(), "3.3333333333333333");
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(format_ts(1_735_689_600_000), "2025-01-01 00:00:00");
        assert_eq!(format_ts(1_735_689_605_120), "2025-01-01 00:00:05.12");
        assert_eq!(parse_ts("2025-01-01 00:00:05.12"), Some(1_735_689_605_120));
    }
}
