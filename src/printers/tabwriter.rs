//! Go's `text/tabwriter` (elastic tabstops), as kubectl configures it, byte for byte.
//!
//! Two configurations matter:
//!
//! - [`TabWriter::kubectl_table`]: `github.com/liggitt/tabwriter` (a fork of Go's package with a
//!   `RememberWidths` flag), minwidth 6, tabwidth 4, padding 3, padchar `' '`, flag
//!   `RememberWidths`: every `kubectl get` table, `-o custom-columns` and the watch stream.
//!   With `RememberWidths`, column widths survive a flush and only ever grow, which is how the
//!   rows of `kubectl get -w` stay aligned with the header printed before them (until a wider
//!   cell widens the column for the rows after it).
//! - [`TabWriter::describe`]: Go's own `text/tabwriter` with minwidth 0, tabwidth 8, padding 2,
//!   padchar `' '`, no flags: `kubectl describe` (`tabbedString`).
//!
//! The behaviour reproduced, in the words of the Go package:
//!
//! - text is split into cells terminated by `\t` (or `\v`), lines by `\n` (or `\f`);
//! - tab-terminated cells in adjacent lines form a column whose width is the widest cell plus the
//!   padding (at least minwidth); the last cell of a line belongs to no column and is never
//!   padded, so a line ending in `\t` gets trailing padding while one ending in text does not;
//! - an empty cell in a column is padded to the full width;
//! - a line with a single cell (no tab at all) flushes the writer, ending every column block: the
//!   lines before and after it are aligned independently (the describe output relies on this);
//! - widths are counted in Unicode code points, not bytes and not display columns.
//!
//! Not modelled (kubectl never enables them): `FilterHTML`, `StripEscape`, `AlignRight`,
//! `DiscardEmptyColumns`, `TabIndent`, `Debug`, and the `0xff` escape character (which cannot
//! occur in a Rust `str`).

/// One cell: its size in bytes, its width in code points, and whether a `\t` ended it.
#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    size: usize,
    width: usize,
    htab: bool,
}

/// The writer's settings (Go's `Init` parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TabConfig {
    /// Minimal cell width including any padding.
    pub minwidth: usize,
    /// Width of a tab character when padding with tabs.
    pub tabwidth: usize,
    /// Padding added to a cell before computing its width.
    pub padding: usize,
    /// The padding byte (`b' '` or `b'\t'`).
    pub padchar: u8,
    /// liggitt/tabwriter's `RememberWidths`: column widths persist across flushes.
    pub remember_widths: bool,
}

impl TabConfig {
    /// kubectl's table writer (`printers.GetNewTabWriter`): 6, 4, 3, `' '`, `RememberWidths`.
    pub const KUBECTL_TABLE: TabConfig = TabConfig {
        minwidth: 6,
        tabwidth: 4,
        padding: 3,
        padchar: b' ',
        remember_widths: true,
    };

    /// kubectl describe's writer (`tabbedString`): 0, 8, 2, `' '`, no flags.
    pub const DESCRIBE: TabConfig = TabConfig {
        minwidth: 0,
        tabwidth: 8,
        padding: 2,
        padchar: b' ',
        remember_widths: false,
    };

    /// The table writer of kubectl releases before 1.11 (minwidth 10, no `RememberWidths`), the
    /// one the StatefulSet tutorial transcripts were recorded with.
    pub const LEGACY_TABLE: TabConfig = TabConfig {
        minwidth: 10,
        tabwidth: 4,
        padding: 3,
        padchar: b' ',
        remember_widths: false,
    };
}

/// A tabwriter that collects its output in memory.
#[derive(Clone, Debug)]
pub struct TabWriter {
    config: TabConfig,
    buf: Vec<u8>,
    pos: usize,
    cell: Cell,
    lines: Vec<Vec<Cell>>,
    widths: Vec<usize>,
    maxwidths: Vec<usize>,
    out: Vec<u8>,
}

impl TabWriter {
    /// A writer with the given settings.
    pub fn new(config: TabConfig) -> Self {
        let mut w = TabWriter {
            config,
            buf: Vec::new(),
            pos: 0,
            cell: Cell::default(),
            lines: Vec::new(),
            widths: Vec::new(),
            maxwidths: Vec::new(),
            out: Vec::new(),
        };
        w.reset();
        w
    }

    /// kubectl's table writer ([`TabConfig::KUBECTL_TABLE`]).
    pub fn kubectl_table() -> Self {
        TabWriter::new(TabConfig::KUBECTL_TABLE)
    }

    /// kubectl describe's writer ([`TabConfig::DESCRIBE`]).
    pub fn describe() -> Self {
        TabWriter::new(TabConfig::DESCRIBE)
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.cell = Cell::default();
        self.lines.clear();
        self.lines.push(Vec::new());
        self.widths.clear();
    }

    fn update_width(&mut self) {
        let tail = &self.buf[self.pos..];
        self.cell.width += String::from_utf8_lossy(tail).chars().count();
        self.pos = self.buf.len();
    }

    fn append(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
        self.cell.size += text.len();
    }

    fn terminate_cell(&mut self, htab: bool) -> usize {
        self.cell.htab = htab;
        let cell = std::mem::take(&mut self.cell);
        match self.lines.last_mut() {
            Some(line) => {
                line.push(cell);
                line.len()
            }
            None => {
                self.lines.push(vec![cell]);
                1
            }
        }
    }

    /// Writes text; output appears as lines are complete and column blocks end.
    pub fn write(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut n = 0;
        for (i, &ch) in bytes.iter().enumerate() {
            if matches!(ch, b'\t' | 0x0b | b'\n' | 0x0c) {
                self.append(&bytes[n..i]);
                self.update_width();
                n = i + 1;
                let ncells = self.terminate_cell(ch == b'\t');
                if ch == b'\n' || ch == 0x0c {
                    self.lines.push(Vec::new());
                    if ch == 0x0c || ncells == 1 {
                        // A line of one cell cannot affect the columns after it.
                        self.flush();
                    }
                }
            }
        }
        self.append(&bytes[n..]);
    }

    /// Formats and emits everything buffered, as Go's `Flush`.
    pub fn flush(&mut self) {
        if self.cell.size > 0 {
            self.terminate_cell(false);
        }
        let line_count = self.lines.len();
        self.format(0, 0, line_count);
        self.reset();
    }

    /// Flushes, then returns (and clears) everything written so far.
    pub fn finish(&mut self) -> String {
        self.flush();
        self.take_output()
    }

    /// Returns (and clears) the output produced so far, without flushing.
    pub fn take_output(&mut self) -> String {
        let out = std::mem::take(&mut self.out);
        match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn write_padding(&mut self, textw: usize, cellw: usize) {
        if self.config.padchar == b'\t' {
            if self.config.tabwidth == 0 {
                return;
            }
            let tw = self.config.tabwidth;
            let cellw = cellw.div_ceil(tw) * tw;
            let n = cellw.saturating_sub(textw);
            let tabs = n.div_ceil(tw);
            self.out.extend(std::iter::repeat_n(b'\t', tabs));
            return;
        }
        let n = cellw.saturating_sub(textw);
        self.out.extend(std::iter::repeat_n(self.config.padchar, n));
    }

    fn write_lines(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        for i in line0..line1 {
            let line = self.lines[i].clone();
            for (j, c) in line.iter().enumerate() {
                if c.size > 0 {
                    let end = (pos + c.size).min(self.buf.len());
                    let text = self.buf[pos..end].to_vec();
                    self.out.extend_from_slice(&text);
                    pos = end;
                }
                if j < self.widths.len() {
                    let w = self.widths[j];
                    self.write_padding(c.width, w);
                }
            }
            if i + 1 == self.lines.len() {
                let end = (pos + self.cell.size).min(self.buf.len());
                let text = self.buf[pos..end].to_vec();
                self.out.extend_from_slice(&text);
                pos = end;
            } else {
                self.out.push(b'\n');
            }
        }
        pos
    }

    fn format(&mut self, pos0: usize, mut line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            // A line takes part in this column if it has a tab-terminated cell here (its last
            // cell is the text after the last tab and belongs to no column).
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            pos = self.write_lines(pos, line0, this);
            line0 = this;

            let mut width = self.config.minwidth;
            while this < line1 {
                let line = &self.lines[this];
                if column + 1 >= line.len() {
                    break;
                }
                let w = line[column].width + self.config.padding;
                if w > width {
                    width = w;
                }
                this += 1;
            }

            if self.config.remember_widths {
                if self.maxwidths.len() < self.widths.len() {
                    let from = self.maxwidths.len();
                    let missing = self.widths[from..].to_vec();
                    self.maxwidths.extend(missing);
                }
                let at = self.widths.len();
                if self.maxwidths.len() == at {
                    self.maxwidths.push(width);
                } else if self.maxwidths[at] > width {
                    width = self.maxwidths[at];
                } else if self.maxwidths[at] < width {
                    self.maxwidths[at] = width;
                }
            }

            self.widths.push(width);
            pos = self.format(pos, line0, this);
            self.widths.pop();
            line0 = this;
            // Go's loop increments past the line that ended the block: it has no cell here.
            this += 1;
        }
        self.write_lines(pos, line0, line1)
    }
}

/// Runs `text` through a fresh writer with `config` and returns the flushed output.
pub fn tabify(config: TabConfig, text: &str) -> String {
    let mut w = TabWriter::new(config);
    w.write(text);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> String {
        tabify(TabConfig::KUBECTL_TABLE, text)
    }

    #[test]
    fn columns_take_the_widest_cell_plus_padding_with_minwidth_6() {
        assert_eq!(
            table("NAME\tREADY\tAGE\nweb\t2/2\t37s\n"),
            "NAME   READY   AGE\nweb    2/2     37s\n"
        );
        // minwidth 6 pads short columns to six.
        assert_eq!(table("A\tB\nx\ty\n"), "A     B\nx     y\n");
    }

    #[test]
    fn the_last_cell_is_never_padded_but_a_trailing_tab_is() {
        assert_eq!(table("a\tb\n"), "a     b\n");
        assert_eq!(table("a\tb\t\n"), "a     b     \n");
        // An empty cell in a column is padded to the full width.
        assert_eq!(
            table("a\t\tc\nlonger\tx\tc\n"),
            "a              c\nlonger   x     c\n"
        );
    }

    #[test]
    fn a_line_without_tabs_ends_the_column_block() {
        assert_eq!(
            table("a\tb\nsingle line\nlonger-name\tb\n"),
            "a     b\nsingle line\nlonger-name   b\n"
        );
    }

    #[test]
    fn column_blocks_nest_when_lines_have_fewer_cells() {
        // The b and c are in distinct columns (Go's package documentation example).
        let out = tabify(
            TabConfig {
                minwidth: 0,
                tabwidth: 8,
                padding: 1,
                padchar: b'.',
                remember_widths: false,
            },
            "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n",
        );
        assert_eq!(out, "aaaa.bbb.d\naa...b...dd\na....\naa...cccc.eee\n");
    }

    #[test]
    fn widths_count_code_points_not_bytes() {
        assert_eq!(table("é\tb\nxy\tb\n"), "é     b\nxy    b\n");
    }

    #[test]
    fn remember_widths_keeps_later_flushes_aligned_and_only_grows() {
        let mut w = TabWriter::kubectl_table();
        w.write("NAME\tREADY\tSTATUS\tRESTARTS\tAGE\nweb-0\t0/1\tPending\t0\t0s\n");
        w.flush();
        w.write("web-0\t0/1\tPending\t0\t0s\n");
        w.flush();
        w.write("web-0\t0/1\tContainerCreating\t0\t0s\n");
        w.flush();
        w.write("web-0\t1/1\tRunning\t0\t19s\n");
        w.flush();
        assert_eq!(
            w.take_output(),
            "NAME    READY   STATUS    RESTARTS   AGE\n\
             web-0   0/1     Pending   0          0s\n\
             web-0   0/1     Pending   0          0s\n\
             web-0   0/1     ContainerCreating   0          0s\n\
             web-0   1/1     Running             0          19s\n"
        );
    }

    #[test]
    fn without_remember_widths_every_flush_starts_over() {
        let mut w = TabWriter::new(TabConfig::LEGACY_TABLE);
        w.write("NAME\tREADY\tSTATUS\tRESTARTS\tAGE\nweb-0\t0/1\tPending\t0\t0s\n");
        w.flush();
        w.write("web-0\t0/1\tPending\t0\t0s\n");
        w.flush();
        assert_eq!(
            w.take_output(),
            "NAME      READY     STATUS    RESTARTS   AGE\n\
             web-0     0/1       Pending   0          0s\n\
             web-0     0/1       Pending   0         0s\n"
        );
    }

    #[test]
    fn describe_settings_pad_by_two_without_minimum() {
        let out = tabify(
            TabConfig::DESCRIBE,
            "Name:\tweb-0\nNamespace:\tdefault\nLabels:\tapp=nginx\n\tx=y\n",
        );
        assert_eq!(
            out,
            "Name:       web-0\nNamespace:  default\nLabels:     app=nginx\n            x=y\n"
        );
    }

    #[test]
    fn text_without_a_final_newline_is_emitted_on_flush() {
        assert_eq!(table("a\tb\nc"), "a     b\nc");
        assert_eq!(table(""), "");
    }

    #[test]
    fn tab_padding_rounds_to_tab_stops() {
        let out = tabify(
            TabConfig {
                minwidth: 0,
                tabwidth: 8,
                padding: 1,
                padchar: b'\t',
                remember_widths: false,
            },
            "a\tb\nccccccccc\td\n",
        );
        assert_eq!(out, "a\t\tb\nccccccccc\td\n");
    }
}
