//! psql's output: aligned tables (`print.c` rules, §2.1 of the app-model spec), tuples-only,
//! unaligned, expanded and CSV shapes, and server errors with the `LINE n:` caret display of
//! libpq's `reportErrorPosition`.

use super::{ResultSet, SqlError};

/// psql's printing options.
#[derive(Clone, Debug)]
pub struct PrintOpts {
    /// `-t`.
    pub tuples_only: bool,
    /// `-A`.
    pub unaligned: bool,
    /// `-F`.
    pub field_sep: String,
    /// `-x`.
    pub expanded: bool,
    /// `--csv`.
    pub csv: bool,
}

impl Default for PrintOpts {
    fn default() -> Self {
        PrintOpts {
            tuples_only: false,
            unaligned: false,
            field_sep: "|".into(),
            expanded: false,
            csv: false,
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn footer(n: usize) -> String {
    if n == 1 {
        "(1 row)".to_string()
    } else {
        format!("({n} rows)")
    }
}

/// Prints a result set the way psql does (with `title` above aligned tables, as `\dt`
/// and `\d` have).
pub fn print_result(rs: &ResultSet, o: &PrintOpts, title: Option<&str>) -> String {
    if o.csv {
        return print_csv(rs, o);
    }
    if o.unaligned {
        return print_unaligned(rs, o, title);
    }
    if o.expanded {
        return print_expanded(rs, o);
    }
    print_aligned(rs, o, title)
}

fn print_csv(rs: &ResultSet, o: &PrintOpts) -> String {
    let q = |s: &str| -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if !o.tuples_only {
        let h: Vec<String> = rs.cols.iter().map(|(n, _)| q(n)).collect();
        out.push_str(&h.join(","));
        out.push('\n');
    }
    for r in &rs.rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| c.as_deref().map(q).unwrap_or_default())
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn print_unaligned(rs: &ResultSet, o: &PrintOpts, title: Option<&str>) -> String {
    let mut out = String::new();
    if o.expanded {
        for (i, r) in rs.rows.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for (c, v) in rs.cols.iter().zip(r) {
                out.push_str(&c.0);
                out.push_str(&o.field_sep);
                out.push_str(v.as_deref().unwrap_or(""));
                out.push('\n');
            }
        }
        return out;
    }
    if !o.tuples_only {
        if let Some(t) = title {
            out.push_str(t);
            out.push('\n');
        }
        let h: Vec<&str> = rs.cols.iter().map(|(n, _)| n.as_str()).collect();
        out.push_str(&h.join(&o.field_sep));
        out.push('\n');
    }
    for r in &rs.rows {
        let cells: Vec<&str> = r.iter().map(|c| c.as_deref().unwrap_or("")).collect();
        out.push_str(&cells.join(&o.field_sep));
        out.push('\n');
    }
    if !o.tuples_only {
        out.push_str(&footer(rs.rows.len()));
        out.push('\n');
    }
    out
}

fn print_expanded(rs: &ResultSet, o: &PrintOpts) -> String {
    let mut out = String::new();
    if rs.rows.is_empty() {
        if !o.tuples_only {
            out.push_str("(0 rows)\n");
        }
        out.push('\n');
        return out;
    }
    let hwidth = rs.cols.iter().map(|(n, _)| width(n)).max().unwrap_or(0);
    let dwidth = rs
        .rows
        .iter()
        .flat_map(|r| r.iter())
        .map(|c| {
            c.as_deref()
                .unwrap_or("")
                .split('\n')
                .map(width)
                .max()
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    for (i, r) in rs.rows.iter().enumerate() {
        if !o.tuples_only {
            let head = format!("[ RECORD {} ]", i + 1);
            let mut line = format!("-{head}");
            let mut reclen = width(&head) as isize + 1;
            while (reclen as usize) < hwidth && reclen >= 0 {
                line.push('-');
                reclen += 1;
            }
            let mut reclen = width(&head) as isize + 1 - hwidth as isize;
            for ch in ['-', '+', '-'] {
                if reclen <= 0 {
                    line.push(ch);
                }
                reclen -= 1;
            }
            let reclen = reclen.max(0) as usize;
            for _ in reclen..dwidth {
                line.push('-');
            }
            out.push_str(&line);
            out.push('\n');
        } else if i > 0 {
            out.push('\n');
        }
        for ((name, _), v) in rs.cols.iter().zip(r) {
            let v = v.as_deref().unwrap_or("");
            let lines: Vec<&str> = v.split('\n').collect();
            for (k, l) in lines.iter().enumerate() {
                let h = if k == 0 { name.as_str() } else { "" };
                out.push_str(&format!("{h:<hwidth$} | {l}"));
                if k + 1 < lines.len() {
                    let pad = dwidth.saturating_sub(width(l));
                    out.push_str(&" ".repeat(pad));
                    out.push('+');
                }
                out.push('\n');
            }
        }
    }
    out.push('\n');
    out
}

fn print_aligned(rs: &ResultSet, o: &PrintOpts, title: Option<&str>) -> String {
    let n = rs.cols.len();
    if n == 0 {
        return if o.tuples_only {
            "\n".to_string()
        } else {
            format!("--\n{}\n\n", footer(rs.rows.len()))
        };
    }
    let mut widths: Vec<usize> = rs.cols.iter().map(|(h, _)| width(h)).collect();
    for r in &rs.rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(s) = c {
                for l in s.split('\n') {
                    widths[i] = widths[i].max(width(l));
                }
            }
        }
    }
    let mut out = String::new();
    if !o.tuples_only {
        if let Some(t) = title {
            let total: usize = widths.iter().sum::<usize>() + 3 * n.saturating_sub(1) + 2;
            if total >= width(t) {
                out.push_str(&" ".repeat((total - width(t)) / 2));
            }
            out.push_str(t);
            out.push('\n');
        }
        let mut line = String::new();
        for (i, (h, _)) in rs.cols.iter().enumerate() {
            line.push_str(if i == 0 { " " } else { " | " });
            let pad = widths[i] - width(h);
            line.push_str(&" ".repeat(pad / 2));
            line.push_str(h);
            line.push_str(&" ".repeat(pad - pad / 2));
        }
        line.push(' ');
        out.push_str(&line);
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
        out.push_str(&rule.join("+"));
        out.push('\n');
    }
    for r in &rs.rows {
        let cells: Vec<Vec<&str>> = r
            .iter()
            .map(|c| c.as_deref().unwrap_or("").split('\n').collect())
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut line = String::new();
            for i in 0..n {
                let text = cells[i].get(k).copied();
                let more = k + 1 < cells[i].len();
                let numeric = rs.cols[i].1.is_right_aligned();
                let last = i + 1 == n;
                if i == 0 {
                    line.push(' ');
                }
                let t = text.unwrap_or("");
                let pad = widths[i] - width(t);
                if numeric && (text.is_some() || k == 0) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(t);
                } else {
                    line.push_str(t);
                    if !last || more {
                        line.push_str(&" ".repeat(pad));
                    }
                }
                if last {
                    if more {
                        line.push('+');
                    }
                } else {
                    line.push(if more { '+' } else { ' ' });
                    line.push_str("| ");
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    if !o.tuples_only {
        out.push_str(&footer(rs.rows.len()));
        out.push('\n');
    }
    out.push('\n');
    out
}

const DISPLAY_SIZE: usize = 60;
const MIN_RIGHT_CUT: usize = 10;

/// libpq's `LINE n: ...` and caret lines for a 1-based character position in `query`.
pub fn error_position(query: &str, pos: usize) -> String {
    let chars: Vec<char> = query
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let loc = pos - 1;
    let mut loc_line = 1;
    let mut ibeg = 0usize;
    let mut iend: Option<usize> = None;
    let mut cno = 0;
    while cno < chars.len() {
        let ch = chars[cno];
        if ch == '\r' || ch == '\n' {
            if cno < loc {
                if ch == '\r' || cno == 0 || chars[cno - 1] != '\r' {
                    loc_line += 1;
                }
                ibeg = cno + 1;
            } else {
                iend = Some(cno);
                break;
            }
        }
        cno += 1;
    }
    let mut iend = iend.unwrap_or(chars.len());
    if loc > cno {
        return String::new();
    }
    let mut beg_trunc = false;
    let mut end_trunc = false;
    if iend - ibeg > DISPLAY_SIZE {
        if ibeg + DISPLAY_SIZE >= loc + MIN_RIGHT_CUT {
            while iend - ibeg > DISPLAY_SIZE {
                iend -= 1;
            }
            end_trunc = true;
        } else {
            while loc + MIN_RIGHT_CUT < iend {
                iend -= 1;
                end_trunc = true;
            }
            while iend - ibeg > DISPLAY_SIZE {
                ibeg += 1;
                beg_trunc = true;
            }
        }
    }
    let mut prefix = format!("LINE {loc_line}: ");
    if beg_trunc {
        prefix.push_str("...");
    }
    let caret_col = width(&prefix) + loc.saturating_sub(ibeg);
    let text: String = chars[ibeg..iend.max(ibeg)].iter().collect();
    let mut out = format!("{prefix}{text}");
    if end_trunc {
        out.push_str("...");
    }
    out.push('\n');
    out.push_str(&" ".repeat(caret_col));
    out.push_str("^\n");
    out
}

/// The whole error text psql prints for a server error (`ERROR:  ...`, the position,
/// DETAIL and HINT lines), each line prefixed with `prefix` where psql adds the script
/// location (only the first line carries it).
pub fn error_text(e: &SqlError, query: &str, prefix: &str) -> String {
    let mut out = format!("{prefix}{}:  {}\n", e.severity, e.message);
    if let Some(p) = e.position {
        out.push_str(&error_position(query, p));
    }
    if let Some(d) = &e.detail {
        out.push_str(&format!("DETAIL:  {d}\n"));
    }
    if let Some(h) = &e.hint {
        out.push_str(&format!("HINT:  {h}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::sql::Ty;

    fn rs(cols: &[(&str, Ty)], rows: &[&[Option<&str>]]) -> ResultSet {
        ResultSet {
            cols: cols
                .iter()
                .map(|(n, t)| ((*n).to_string(), t.clone()))
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.map(str::to_string)).collect())
                .collect(),
        }
    }

    #[test]
    fn aligned_table_matches_appendix_a() {
        let r = rs(
            &[("id", Ty::Int4), ("data", Ty::Text)],
            &[&[Some("1"), Some("persistent data")]],
        );
        assert_eq!(
            print_result(&r, &PrintOpts::default(), None),
            " id |      data       \n----+-----------------\n  1 | persistent data\n(1 row)\n\n"
        );
        let r = rs(
            &[("id", Ty::Int4), ("name", Ty::Text), ("email", Ty::Text)],
            &[
                &[Some("1"), Some("Alice"), Some("alice@example.com")],
                &[Some("2"), Some("Bob"), None],
            ],
        );
        assert_eq!(
            print_result(&r, &PrintOpts::default(), None),
            " id | name  |       email       \n----+-------+-------------------\n  1 | Alice | alice@example.com\n  2 | Bob   | \n(2 rows)\n\n"
        );
    }

    #[test]
    fn multiline_values_and_other_shapes() {
        let r = rs(&[("v", Ty::Text)], &[&[Some("multi\nline")]]);
        assert_eq!(
            print_result(&r, &PrintOpts::default(), None),
            "   v   \n-------\n multi+\n line\n(1 row)\n\n"
        );
        let r = rs(&[("count", Ty::Int8)], &[&[Some("3")]]);
        let t = PrintOpts {
            tuples_only: true,
            ..PrintOpts::default()
        };
        assert_eq!(print_result(&r, &t, None), "     3\n\n");
        let ta = PrintOpts {
            tuples_only: true,
            unaligned: true,
            ..PrintOpts::default()
        };
        assert_eq!(print_result(&r, &ta, None), "3\n");
        let x = PrintOpts {
            expanded: true,
            ..PrintOpts::default()
        };
        let r = rs(
            &[("id", Ty::Int4), ("name", Ty::Text)],
            &[&[Some("1"), Some("a")]],
        );
        assert_eq!(
            print_result(&r, &x, None),
            "-[ RECORD 1 ]\nid   | 1\nname | a\n\n"
        );
    }

    #[test]
    fn error_positions_truncate_like_libpq() {
        let q = "INSERT INTO orders (item, qty) VALUES ('kiwi', 1); SELECT * FROM missing;";
        let pos = q.find("missing").unwrap() + 1;
        assert_eq!(
            error_position(q, pos),
            "LINE 1: ...rders (item, qty) VALUES ('kiwi', 1); SELECT * FROM missing;\n                                                               ^\n"
        );
        let q = "SELECT id,\n       nosuch\nFROM orders;";
        let pos = q.find("nosuch").unwrap() + 1;
        assert_eq!(
            error_position(q, pos),
            "LINE 2:        nosuch\n               ^\n"
        );
    }
}
