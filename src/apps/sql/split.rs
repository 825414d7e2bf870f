//! psql's script lexer, reduced to what matters for feeding a server: statements end at a
//! `;` outside quotes, parentheses and comments; backslash commands run to the end of
//! their line; leading whitespace and `--` comments are not sent.

/// One unit of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// An SQL statement (with its `;` when it had one), and the 1-based line where it
    /// ended.
    Sql {
        /// The text sent to the server.
        text: String,
        /// The line of its terminating `;` (or the last line).
        line: usize,
    },
    /// A backslash command (`\dt`, `\c db`), without the backslash, and its line.
    Meta {
        /// The command and its arguments.
        text: String,
        /// Its line.
        line: usize,
    },
}

/// The state of an unfinished statement, for prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Nothing buffered.
    Empty,
    /// A statement continues.
    Continue,
    /// Inside parentheses.
    Paren,
    /// Inside a quoted string.
    Quote,
}

/// Splits `text` into statements and meta-commands; the rest without a `;` comes last (psql
/// sends it at end of input), along with what it is waiting for.
pub fn split(text: &str) -> (Vec<Item>, Pending) {
    let chars: Vec<char> = text.chars().collect();
    let mut items = Vec::new();
    let mut buf = String::new();
    let mut line = 1;
    let mut i = 0;
    let mut depth = 0usize;
    let mut pending = Pending::Empty;
    while i < chars.len() {
        let c = chars[i];
        // Leading whitespace and -- comments are dropped.
        if buf.is_empty() {
            if c.is_whitespace() {
                if c == '\n' {
                    line += 1;
                }
                i += 1;
                continue;
            }
            if c == '-' && chars.get(i + 1) == Some(&'-') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
        }
        match c {
            '\'' | '"' => {
                let q = c;
                buf.push(c);
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    let d = chars[i];
                    buf.push(d);
                    if d == '\n' {
                        line += 1;
                    }
                    i += 1;
                    if d == q {
                        if chars.get(i) == Some(&q) {
                            buf.push(q);
                            i += 1;
                            continue;
                        }
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    pending = Pending::Quote;
                }
            }
            '$' => {
                // Dollar quoting: $tag$ ... $tag$
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if j < chars.len() && chars[j] == '$' && !chars[i + 1..j].iter().any(|c| c.is_ascii_digit() && j == i + 2) {
                    let tag: String = chars[i..=j].iter().collect();
                    buf.push_str(&tag);
                    i = j + 1;
                    let tagc: Vec<char> = tag.chars().collect();
                    let mut closed = false;
                    while i < chars.len() {
                        if chars[i..].starts_with(&tagc) {
                            buf.push_str(&tag);
                            i += tagc.len();
                            closed = true;
                            break;
                        }
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        buf.push(chars[i]);
                        i += 1;
                    }
                    if !closed {
                        pending = Pending::Quote;
                    }
                } else {
                    buf.push(c);
                    i += 1;
                }
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    buf.push(chars[i]);
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let mut nest = 0;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        nest += 1;
                        buf.push_str("/*");
                        i += 2;
                        continue;
                    }
                    if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        nest -= 1;
                        buf.push_str("*/");
                        i += 2;
                        if nest == 0 {
                            break;
                        }
                        continue;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    buf.push(chars[i]);
                    i += 1;
                }
            }
            '(' => {
                depth += 1;
                buf.push(c);
                i += 1;
            }
            ')' => {
                depth = depth.saturating_sub(1);
                buf.push(c);
                i += 1;
            }
            ';' if depth == 0 => {
                buf.push(';');
                items.push(Item::Sql {
                    text: std::mem::take(&mut buf),
                    line,
                });
                i += 1;
            }
            '\\' => {
                let mut cmd = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '\n' {
                    cmd.push(chars[i]);
                    i += 1;
                }
                let cmd = cmd.trim_end().to_string();
                // \g sends the buffer.
                if cmd == "g" || cmd == ";" {
                    if !buf.trim().is_empty() {
                        items.push(Item::Sql {
                            text: std::mem::take(&mut buf).trim_end().to_string(),
                            line,
                        });
                    }
                } else {
                    items.push(Item::Meta { text: cmd, line });
                }
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
    let rest = buf.trim_end().to_string();
    if !rest.is_empty() {
        if pending == Pending::Empty {
            pending = if depth > 0 {
                Pending::Paren
            } else {
                Pending::Continue
            };
        }
        items.push(Item::Sql {
            text: rest,
            line: line.max(1),
        });
    } else {
        pending = Pending::Empty;
    }
    (items, pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_at_semicolons_outside_quotes() {
        let (items, _) = split("SELECT 1;\n-- note\nSELECT 'a;b';\nSELEC 2;\n");
        assert_eq!(
            items,
            vec![
                Item::Sql {
                    text: "SELECT 1;".into(),
                    line: 1
                },
                Item::Sql {
                    text: "SELECT 'a;b';".into(),
                    line: 3
                },
                Item::Sql {
                    text: "SELEC 2;".into(),
                    line: 4
                },
            ]
        );
        let (items, _) = split("SELECT id,\n       nosuch\nFROM orders;\n\\dt\n");
        assert_eq!(
            items,
            vec![
                Item::Sql {
                    text: "SELECT id,\n       nosuch\nFROM orders;".into(),
                    line: 3
                },
                Item::Meta {
                    text: "dt".into(),
                    line: 4
                }
            ]
        );
    }
}
