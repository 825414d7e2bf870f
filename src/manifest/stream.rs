//! Splitting a byte stream into documents the way kubectl's `YAMLOrJSONDecoder` does
//! (`k8s.io/apimachinery/pkg/util/yaml/decoder.go`): text decoding with BOM detection, the JSON
//! sniff on the first 4096 bytes, and the line-based `---` splitter for YAML.

/// A YAML document's text, as the line splitter hands it to the YAML parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// The document's lines, each ending in `\n` (CRLF already folded to LF, as Go's
    /// `bufio.Reader.ReadLine` does).
    pub text: String,
    /// The 1-based file line of the chunk's first line.
    pub first_line: usize,
}

/// The result of splitting: the documents before any error, then the error and its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Split {
    pub chunks: Vec<Chunk>,
    /// `invalid Yaml document separator: <rest>` and the 1-based line of the separator.
    pub error: Option<(String, usize)>,
}

/// Decodes a file's bytes as kubectl's `FileVisitor` does: a UTF-8 BOM is dropped, a UTF-16
/// BOM selects UTF-16, and invalid UTF-8 becomes U+FFFD.
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn utf16(bytes: &[u8], from: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| from([c[0], c[1]])).collect();
    let mut s = String::from_utf16_lossy(&units);
    if bytes.len() % 2 == 1 {
        s.push('\u{FFFD}');
    }
    s
}

/// `GuessJSONStream(r, 4096)`: JSON when the first non-space character within the first 4096
/// bytes is `{`.
pub(crate) fn is_json_stream(text: &str) -> bool {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim_start().starts_with('{')
}

/// Splits YAML text into documents at lines starting with `---`, as `YAMLReader.Read` does.
/// A separator followed by anything but spaces or a comment is an error that ends the stream
/// (and discards the document being collected).
pub(crate) fn split_yaml(text: &str) -> Split {
    let mut chunks = Vec::new();
    let mut buffer = String::new();
    let mut buffer_first_line = 1;
    let mut lines = text.split('\n').peekable();
    let mut line_no = 0;
    while let Some(raw) = lines.next() {
        // `split` yields a last empty piece after a final newline: that is EOF, not a line.
        if raw.is_empty() && lines.peek().is_none() {
            break;
        }
        line_no += 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Split {
                    chunks,
                    error: Some((
                        format!("invalid Yaml document separator: {trimmed}"),
                        line_no,
                    )),
                };
            }
            if !buffer.is_empty() {
                chunks.push(Chunk {
                    text: std::mem::take(&mut buffer),
                    first_line: buffer_first_line,
                });
            }
            buffer_first_line = line_no + 1;
            continue;
        }
        if buffer.is_empty() {
            buffer_first_line = line_no;
        }
        buffer.push_str(line);
        buffer.push('\n');
    }
    if !buffer.is_empty() {
        chunks.push(Chunk {
            text: buffer,
            first_line: buffer_first_line,
        });
    }
    Split {
        chunks,
        error: None,
    }
}

/// The 1-based file line of the first line in `chunk` that holds content (not blank, not
/// only a comment), or the chunk's first line.
pub(crate) fn first_content_line(chunk: &Chunk) -> usize {
    chunk
        .text
        .lines()
        .position(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map_or(chunk.first_line, |i| chunk.first_line + i)
}

/// The 1-based line of byte `offset` in `text`, counting from `first_line`.
pub(crate) fn line_at(text: &str, offset: usize, first_line: usize) -> usize {
    let end = offset.min(text.len());
    first_line
        + text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_split_and_blank_documents_vanish() {
        let s = split_yaml("a: 1\n---\n---\n# only a comment\n--- # c\nb: 2\r\n");
        assert_eq!(s.error, None);
        let texts: Vec<(&str, usize)> = s
            .chunks
            .iter()
            .map(|c| (c.text.as_str(), c.first_line))
            .collect();
        assert_eq!(
            texts,
            [("a: 1\n", 1), ("# only a comment\n", 4), ("b: 2\n", 6)]
        );
    }

    #[test]
    fn bad_separator_stops_the_stream_and_drops_the_pending_document() {
        let s = split_yaml("a: 1\n---\nb: 2\n--- c: 3\nd: 4\n");
        assert_eq!(s.chunks.len(), 1);
        assert_eq!(
            s.error,
            Some(("invalid Yaml document separator: c: 3".to_string(), 4))
        );
    }

    #[test]
    fn json_is_sniffed_from_the_first_brace() {
        assert!(is_json_stream("\n  {\"a\": 1}"));
        assert!(!is_json_stream("a: {}"));
        assert!(!is_json_stream("[{}]"));
    }

    #[test]
    fn boms_select_the_encoding() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa: 1"), "a: 1");
        assert_eq!(decode_text(b"\xFF\xFEa\0:\0"), "a:");
        assert_eq!(decode_text(b"\xFE\xFF\0a\0:"), "a:");
        assert_eq!(decode_text(b"a: \xFF"), "a: \u{FFFD}");
    }
}
