//! Matching command output against a transcript's expected lines, with the conventions of
//! Rust's trycmd/snapbox: `[..]` matches any text within one line, and a line holding only
//! `...` matches any number of lines (zero included). A mismatch renders as a unified diff that
//! names the scenario file and line.

/// True when `actual` matches the one-line `pattern`.
pub fn line_matches(pattern: &str, actual: &str) -> bool {
    if !pattern.contains("[..]") {
        return pattern == actual;
    }
    let parts: Vec<&str> = pattern.split("[..]").collect();
    let (first, rest) = parts.split_first().expect("split yields at least one part");
    let Some(mut tail) = actual.strip_prefix(first) else {
        return false;
    };
    let (last, middle) = rest.split_last().expect("pattern contains [..]");
    for part in middle {
        match tail.find(part) {
            Some(pos) => tail = &tail[pos + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

fn is_ellipsis(line: &str) -> bool {
    line.trim() == "..."
}

/// True when all of `actual` matches all of `expected`.
pub fn block_matches(expected: &[String], actual: &[&str]) -> bool {
    // reach[j]: expected[..i] can match actual[..j].
    let mut reach = vec![false; actual.len() + 1];
    reach[0] = true;
    for e in expected {
        let mut next = vec![false; actual.len() + 1];
        if is_ellipsis(e) {
            let mut any = false;
            for j in 0..=actual.len() {
                any |= reach[j];
                next[j] = any;
            }
        } else {
            for j in 0..actual.len() {
                if reach[j] && line_matches(e, actual[j]) {
                    next[j + 1] = true;
                }
            }
        }
        reach = next;
    }
    reach[actual.len()]
}

/// A unified-style diff of `expected` (from `file` at `line`) against `actual`: `-` lines are
/// expected but missing, `+` lines are printed but not expected; matching lines (and `...`)
/// are context.
pub fn diff(file: &str, line: usize, expected: &[String], actual: &[&str]) -> String {
    let n = expected.len();
    let m = actual.len();
    // lcs[i][j]: length of the best alignment of expected[i..] with actual[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if is_ellipsis(&expected[i]) {
                lcs[i + 1][j]
                    .max(lcs[i][j + 1] + 1)
                    .max(lcs[i + 1][j + 1] + 1)
            } else if line_matches(&expected[i], actual[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!("--- expected ({file}:{line})\n+++ actual\n");
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && is_ellipsis(&expected[i]) {
            // Absorb actual lines the ellipsis stands for.
            if j < m && lcs[i][j] == lcs[i][j + 1] + 1 {
                j += 1;
                continue;
            }
            out.push_str(&format!(" {}\n", expected[i]));
            i += 1;
        } else if i < n
            && j < m
            && line_matches(&expected[i], actual[j])
            && lcs[i][j] == lcs[i + 1][j + 1] + 1
        {
            out.push_str(&format!(" {}\n", actual[j]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+{}\n", actual[j]));
            j += 1;
        } else {
            out.push_str(&format!("-{}\n", expected[i]));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn wildcards_within_a_line() {
        assert!(line_matches(
            "web-0   1/1   Running   0   [..]",
            "web-0   1/1   Running   0   19s"
        ));
        assert!(line_matches("[..]", ""));
        assert!(line_matches("a[..]b[..]c", "a-x-b-y-c"));
        assert!(!line_matches("a[..]b[..]c", "a-x-c"));
        assert!(!line_matches("web-0[..]Running", "web-1 Running"));
        assert!(
            !line_matches("ab[..]b", "ab"),
            "prefix and suffix may not overlap"
        );
        assert!(line_matches("ab[..]b", "abb"));
        assert!(!line_matches("exact", "exact "));
    }

    #[test]
    fn ellipsis_lines_match_any_number_of_lines() {
        let e = v(&["NAME", "...", "web-2"]);
        assert!(block_matches(&e, &["NAME", "web-2"]));
        assert!(block_matches(&e, &["NAME", "web-0", "web-1", "web-2"]));
        assert!(!block_matches(&e, &["NAME", "web-1"]));
        assert!(block_matches(&v(&["..."]), &[]));
        assert!(!block_matches(&v(&["a"]), &["a", "b"]));
    }

    #[test]
    fn diffs_show_missing_and_extra_lines() {
        let d = diff(
            "basics.console",
            12,
            &v(&["NAME    READY", "web-0   1/1", "..."]),
            &["NAME    READY", "web-0   0/1", "web-1   0/1"],
        );
        assert_eq!(
            d,
            "--- expected (basics.console:12)\n+++ actual\n NAME    READY\n-web-0   1/1\n ...\n"
        );
        let d = diff("b.console", 3, &v(&["a", "b"]), &["a", "c"]);
        assert_eq!(d, "--- expected (b.console:3)\n+++ actual\n a\n+c\n-b\n");
    }
}
