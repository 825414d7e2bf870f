//! A small POSIX-shell tokenizer for scenario command lines: words with single and double
//! quotes and backslash escapes, and the operators a tutorial line may use (`|`, `&&`, `||`,
//! `;`, `>`, `>>`, `<`, `2>&1`, `<<EOF`). Nothing is expanded here except quoting; `$VAR` and
//! `$(...)` stay literal for the runner to refuse or interpret.

use std::fmt;

/// One token of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word after quote removal.
    Word(String),
    /// An operator: `|`, `||`, `&&`, `;`, `&`, `>`, `>>`, `<`, `2>`, `2>&1`, `<<`, `<<-`.
    Op(String),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Word(w) => f.write_str(w),
            Token::Op(o) => f.write_str(o),
        }
    }
}

/// Why a line could not be tokenized.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// A quote was opened and never closed.
    #[error("unterminated {quote} quote starting at column {column}")]
    UnterminatedQuote {
        /// `single` or `double`.
        quote: &'static str,
        /// 1-based column of the opening quote.
        column: usize,
    },
    /// A backslash ended the line (continuations are joined before tokenizing).
    #[error("trailing backslash")]
    TrailingBackslash,
}

/// Splits `line` into tokens.
pub fn tokenize(line: &str) -> Result<Vec<Token>, ShellError> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let flush = |word: &mut String, in_word: &mut bool, out: &mut Vec<Token>| {
        if *in_word {
            out.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut word, &mut in_word, &mut out);
                i += 1;
            }
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(ShellError::UnterminatedQuote {
                                quote: "single",
                                column: start + 1,
                            });
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            word.push(*ch);
                            i += 1;
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                let start = i;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(ShellError::UnterminatedQuote {
                                quote: "double",
                                column: start + 1,
                            });
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(n @ ('"' | '\\' | '$' | '`')) => {
                                word.push(*n);
                                i += 2;
                            }
                            Some('\n') => i += 2,
                            _ => {
                                word.push('\\');
                                i += 1;
                            }
                        },
                        Some(ch) => {
                            word.push(*ch);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => match chars.get(i + 1) {
                None => return Err(ShellError::TrailingBackslash),
                Some(n) => {
                    in_word = true;
                    word.push(*n);
                    i += 2;
                }
            },
            '|' | '&' | ';' | '>' | '<' => {
                // `2>` and `2>&1` bind to a preceding bare `2`.
                if c == '>' && in_word && word == "2" {
                    word.clear();
                    in_word = false;
                    if chars.get(i + 1) == Some(&'&') && chars.get(i + 2) == Some(&'1') {
                        out.push(Token::Op("2>&1".into()));
                        i += 3;
                    } else {
                        out.push(Token::Op("2>".into()));
                        i += 1;
                    }
                    continue;
                }
                flush(&mut word, &mut in_word, &mut out);
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let three: String = chars[i..(i + 3).min(chars.len())].iter().collect();
                let op = if three == "<<-" {
                    "<<-"
                } else if matches!(two.as_str(), "||" | "&&" | ">>" | "<<") {
                    match two.as_str() {
                        "||" => "||",
                        "&&" => "&&",
                        ">>" => ">>",
                        _ => "<<",
                    }
                } else {
                    match c {
                        '|' => "|",
                        '&' => "&",
                        ';' => ";",
                        '>' => ">",
                        _ => "<",
                    }
                };
                out.push(Token::Op(op.to_string()));
                i += op.len();
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out);
    Ok(out)
}

/// Quotes `word` for display so that [`tokenize`] reads it back unchanged.
pub fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+^".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The here-document a command line opens, if any: its delimiter (quotes removed) and whether
/// leading tabs are stripped (`<<-`).
pub fn heredoc_delimiter(tokens: &[Token]) -> Option<(String, bool)> {
    tokens.windows(2).find_map(|w| match (&w[0], &w[1]) {
        (Token::Op(op), Token::Word(delim)) if op == "<<" || op == "<<-" => {
            Some((delim.clone(), op == "<<-"))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        tokenize(line)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            words(r#"kubectl exec web-0 -- sh -c 'echo "$(hostname)" > /tmp/x'"#),
            [
                "kubectl",
                "exec",
                "web-0",
                "--",
                "sh",
                "-c",
                r#"echo "$(hostname)" > /tmp/x"#
            ]
        );
        assert_eq!(words(r#"echo "a \"b\" \$c""#), ["echo", r#"a "b" $c"#]);
        assert_eq!(words(r"echo a\ b"), ["echo", "a b"]);
        assert_eq!(words("echo ''"), ["echo", ""]);
        assert_eq!(
            words("kubectl get pods # a comment"),
            ["kubectl", "get", "pods"]
        );
    }

    #[test]
    fn operators() {
        assert_eq!(
            words("kubectl get pods | grep web && echo ok 2>&1 >> log; true"),
            [
                "kubectl", "get", "pods", "|", "grep", "web", "&&", "echo", "ok", "2>&1", ">>",
                "log", ";", "true"
            ]
        );
        let t = tokenize("kubectl apply -f - <<EOF").unwrap();
        assert_eq!(heredoc_delimiter(&t), Some(("EOF".to_string(), false)));
        let t = tokenize("cat <<-'END'").unwrap();
        assert_eq!(heredoc_delimiter(&t), Some(("END".to_string(), true)));
    }

    #[test]
    fn errors() {
        assert_eq!(
            tokenize("echo 'abc"),
            Err(ShellError::UnterminatedQuote {
                quote: "single",
                column: 6
            })
        );
        assert!(tokenize("echo \"abc").is_err());
        assert_eq!(tokenize("echo \\"), Err(ShellError::TrailingBackslash));
    }

    #[test]
    fn quote_round_trips() {
        for w in ["plain", "with space", "it's", "", "a\"b", "$HOME"] {
            assert_eq!(words(&format!("x {}", quote(w))), ["x", w]);
        }
    }
}
