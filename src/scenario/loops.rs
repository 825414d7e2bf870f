//! The one piece of the learner's own shell that tutorials lean on: a `for` loop over words
//! (`for i in 0 1; do kubectl exec "web-$i" -- sh -c 'hostname'; done`). It is expanded into
//! the commands bash would run, in order; anything else of bash (pipes, `&&`, redirections)
//! stays unsupported.

/// Splits `s` at `sep` characters that are outside quotes.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut single = false;
    let mut double = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if !single => {
                escaped = true;
                cur.push(c);
            }
            '\'' if !double => {
                single = !single;
                cur.push(c);
            }
            '"' if !single => {
                double = !double;
                cur.push(c);
            }
            c if c == sep && !single && !double => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Replaces `$var` and `${var}` with `value` outside single quotes.
fn substitute(body: &str, var: &str, value: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = body.chars().collect();
    let mut single = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            single = !single;
            out.push(c);
            i += 1;
            continue;
        }
        if c == '$' && !single {
            let rest: String = chars[i + 1..].iter().collect();
            let braced = format!("{{{var}}}");
            if rest.starts_with(&braced) {
                out.push_str(value);
                i += 1 + braced.chars().count();
                continue;
            }
            if let Some(after) = rest.strip_prefix(var)
                && !after
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_alphanumeric() || n == '_')
            {
                out.push_str(value);
                i += 1 + var.chars().count();
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Why a loop could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopError(pub String);

/// The commands a `for VAR in WORDS; do BODY; done` line runs, or `None` when the line is
/// not such a loop. The words are split at whitespace (no globbing); the body may hold
/// several commands separated by `;`.
pub fn expand_for(line: &str) -> Option<Result<Vec<String>, LoopError>> {
    let rest = line.trim().strip_prefix("for ")?;
    Some(parse(rest))
}

fn parse(rest: &str) -> Result<Vec<String>, LoopError> {
    let bad = |why: &str| LoopError(format!("cannot read this `for` loop: {why}"));
    let parts = split_top(rest, ';');
    // parts: ["i in 0 1", " do CMD", ..., " done"]
    if parts.len() < 3 {
        return Err(bad("expected `for VAR in WORDS; do COMMANDS; done`"));
    }
    let head = parts[0].trim();
    let (var, words) = head
        .split_once(" in ")
        .ok_or_else(|| bad("expected `in` after the variable"))?;
    let var = var.trim();
    if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(bad("the loop variable must be a name"));
    }
    if parts.last().map(|p| p.trim()) != Some("done") {
        return Err(bad("it must end with `done`"));
    }
    let body_parts = &parts[1..parts.len() - 1];
    let mut body = Vec::new();
    for (i, p) in body_parts.iter().enumerate() {
        let p = p.trim();
        let p = if i == 0 {
            p.strip_prefix("do ")
                .or_else(|| p.strip_prefix("do\t"))
                .ok_or_else(|| bad("expected `do` after the words"))?
        } else {
            p
        };
        if !p.trim().is_empty() {
            body.push(p.trim().to_string());
        }
    }
    if body.is_empty() {
        return Err(bad("the loop has no commands"));
    }
    let mut out = Vec::new();
    for w in words.split_whitespace() {
        for b in &body {
            out.push(substitute(b, var, w));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorials_loops_expand_as_bash_runs_them() {
        assert_eq!(
            expand_for("for i in 0 1; do kubectl exec \"web-$i\" -- sh -c 'hostname'; done")
                .unwrap()
                .unwrap(),
            [
                "kubectl exec \"web-0\" -- sh -c 'hostname'",
                "kubectl exec \"web-1\" -- sh -c 'hostname'"
            ]
        );
        // `$i` inside single quotes is the container shell's, not the loop's.
        assert_eq!(
            expand_for("for i in 0 1; do kubectl exec web-$i -- sh -c 'echo $i; echo ${i}'; done")
                .unwrap()
                .unwrap(),
            [
                "kubectl exec web-0 -- sh -c 'echo $i; echo ${i}'",
                "kubectl exec web-1 -- sh -c 'echo $i; echo ${i}'"
            ]
        );
        assert_eq!(
            expand_for("for x in a b; do kubectl get pod ${x}; kubectl get pvc $xy; done")
                .unwrap()
                .unwrap(),
            [
                "kubectl get pod a",
                "kubectl get pvc $xy",
                "kubectl get pod b",
                "kubectl get pvc $xy"
            ]
        );
        assert!(expand_for("kubectl get pods").is_none());
        assert!(
            expand_for("for i in 0 1; kubectl get pods; done")
                .unwrap()
                .is_err()
        );
        assert!(
            expand_for("for i in 0 1; do kubectl get pods")
                .unwrap()
                .is_err()
        );
    }
}
