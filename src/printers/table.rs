//! `kubectl get` tables: the server-side `Table` (columns with priorities, one row per object)
//! and kubectl's client-side rendering of it (cli-runtime's `HumanReadablePrinter`): upper-cased
//! headers, `-o wide` columns, `--show-labels`, `-L key`, the NAMESPACE column of `-A`,
//! `--no-headers`, `--output-watch-events`, and the watch stream of `get -w`.
//!
//! Rows are built by [`super::columns`]; this module only lays them out.

use std::collections::BTreeMap;

use super::tabwriter::{TabConfig, TabWriter};

/// One column of a table (`metav1.TableColumnDefinition`, the parts kubectl uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The name as the server sends it (`Nominated Node`); kubectl upper-cases it.
    pub name: String,
    /// 0 for default columns, 1 for `-o wide` ones.
    pub priority: u8,
}

impl Column {
    /// A default column.
    pub fn new(name: &str) -> Self {
        Column {
            name: name.to_string(),
            priority: 0,
        }
    }

    /// An `-o wide` column.
    pub fn wide(name: &str) -> Self {
        Column {
            name: name.to_string(),
            priority: 1,
        }
    }
}

/// One row: its cells (as text) and the metadata kubectl decorates it with.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Row {
    /// Cell texts, in column order; a missing cell prints as nothing.
    pub cells: Vec<String>,
    /// `metadata.namespace` of the row's object (for `-A`).
    pub namespace: String,
    /// `metadata.labels` of the row's object (for `--show-labels` and `-L`).
    pub labels: BTreeMap<String, String>,
}

/// A table: column definitions and rows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Table {
    /// Column definitions.
    pub columns: Vec<Column>,
    /// Rows, in the order they are printed.
    pub rows: Vec<Row>,
}

/// The options of kubectl's table printer (`printers.PrintOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// `-o wide`: show priority-1 columns.
    pub wide: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-A` / `--all-namespaces` on a namespaced kind: a leading NAMESPACE column.
    pub with_namespace: bool,
    /// `--show-labels`: a trailing LABELS column.
    pub show_labels: bool,
    /// `-L key` (repeatable, or comma-separated): one column per key, named after the key's last
    /// `/`-separated segment, upper-cased.
    pub column_labels: Vec<String>,
    /// When kubectl prints several kinds (`get pods,sts`, `get all`), names are prefixed with the
    /// lower-cased group kind: `pod/web-0`, `statefulset.apps/web`.
    pub kind_prefix: Option<String>,
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted by key, or `<none>`.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".to_string();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// kubectl's terminal escaping of printed values: ESC as `^[`, CR as `\r`.
pub fn escape_terminal(s: &str) -> String {
    if !s.contains(['\x1b', '\r']) {
        return s.to_string();
    }
    s.replace('\x1b', "^[").replace('\r', "\\r")
}

/// A cell as kubectl writes it: cut at the first line break (`\n`, `\r` or form feed) with `...`
/// appended, and terminal-escaped.
fn cell_text(value: &str) -> String {
    match value.find(['\x0c', '\n', '\r']) {
        Some(i) => format!("{}...", escape_terminal(&value[..i])),
        None => escape_terminal(value),
    }
}

/// The table after decoration (`decorateTable`): namespace, label columns, kind prefix.
fn decorate(table: &Table, options: &PrintOptions) -> Table {
    let mut columns = Vec::new();
    if options.with_namespace {
        columns.push(Column::new("Namespace"));
    }
    columns.extend(table.columns.iter().cloned());
    for key in &options.column_labels {
        let last = key.rsplit('/').next().unwrap_or(key);
        columns.push(Column::new(&last.to_uppercase()));
    }
    if options.show_labels {
        columns.push(Column::new("Labels"));
    }
    let name_index = table
        .columns
        .iter()
        .position(|c| c.name == "Name")
        .map(|i| i + usize::from(options.with_namespace));
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = Vec::new();
            if options.with_namespace {
                cells.push(row.namespace.clone());
            }
            cells.extend(row.cells.iter().cloned());
            // Label cells go after the object's own cells, which may be fewer than its columns
            // (wide cells are only computed with -o wide).
            let own = table.columns.len() + usize::from(options.with_namespace);
            while cells.len() < own {
                cells.push(String::new());
            }
            for key in &options.column_labels {
                cells.push(row.labels.get(key).cloned().unwrap_or_default());
            }
            if options.show_labels {
                cells.push(format_labels(&row.labels));
            }
            if let (Some(prefix), Some(i)) = (&options.kind_prefix, name_index)
                && let Some(cell) = cells.get_mut(i)
            {
                *cell = format!("{prefix}/{cell}");
            }
            Row {
                cells,
                namespace: row.namespace.clone(),
                labels: row.labels.clone(),
            }
        })
        .collect();
    Table { columns, rows }
}

/// The tab-separated text `printTable` writes for `table` (headers unless `no_headers`; nothing
/// at all for a table without rows).
fn table_text(
    table: &Table,
    options: &PrintOptions,
    no_headers: bool,
    event: Option<&str>,
) -> String {
    let visible: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| options.wide || c.priority == 0)
        .map(|(i, _)| i)
        .collect();
    let mut out = String::new();
    if table.rows.is_empty() {
        return out;
    }
    // Upstream pads each header (or, without headers, the first row) to the widest cell of its
    // column, measured in bytes, so that periodic flushes keep the alignment; the last visible
    // column is never padded.
    let max_widths: Vec<usize> = visible
        .iter()
        .map(|&i| {
            table
                .rows
                .iter()
                .map(|r| r.cells.get(i).map_or(0, |c| c.len()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let last = visible.len().saturating_sub(1);
    if !no_headers {
        let mut cells = Vec::new();
        if event.is_some() {
            cells.push("EVENT".to_string());
        }
        for (vi, &i) in visible.iter().enumerate() {
            let mut name = table.columns[i].name.to_uppercase();
            if vi != last && max_widths[vi] > name.len() {
                let pad = max_widths[vi] - name.len();
                name.push_str(&" ".repeat(pad));
            }
            cells.push(name);
        }
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    for (ri, row) in table.rows.iter().enumerate() {
        let mut cells = Vec::new();
        if let Some(ev) = event {
            cells.push(ev.to_string());
        }
        for (vi, &i) in visible.iter().enumerate() {
            let raw = row.cells.get(i).map(String::as_str).unwrap_or("");
            let mut text = cell_text(raw);
            if no_headers && ri == 0 && vi != last && max_widths[vi] > raw.len() {
                text.push_str(&" ".repeat(max_widths[vi] - raw.len()));
            }
            cells.push(text);
        }
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

/// Renders `table` as `kubectl get` prints it. An empty table prints nothing: kubectl then says
/// [`no_resources_found`] on stderr.
pub fn render(table: &Table, options: &PrintOptions) -> String {
    let decorated = decorate(table, options);
    let mut w = TabWriter::kubectl_table();
    w.write(&table_text(&decorated, options, options.no_headers, None));
    w.finish()
}

/// Renders several tables the way `kubectl get a,b` does: one after the other through one
/// writer, a blank line between tables that print something, each with its own header.
pub fn render_many(tables: &[(Table, PrintOptions)]) -> String {
    let mut out = String::new();
    let mut printed = false;
    for (table, options) in tables {
        if table.rows.is_empty() {
            continue;
        }
        if printed {
            out.push('\n');
        }
        out.push_str(&render(table, options));
        printed = true;
    }
    out
}

/// What kubectl prints on stderr when a `get` or `describe` finds nothing: `No resources found
/// in default namespace.`, or `No resources found` for `-A` and cluster-scoped kinds.
pub fn no_resources_found(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("No resources found in {ns} namespace.\n"),
        None => "No resources found\n".to_string(),
    }
}

/// The event type column of `--output-watch-events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchEventType {
    /// `ADDED`.
    Added,
    /// `MODIFIED`.
    Modified,
    /// `DELETED`.
    Deleted,
}

impl WatchEventType {
    fn cell(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED   ",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED ",
        }
    }
}

/// The rendering style of the watch stream and tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableStyle {
    /// kubectl v1.35: minwidth 6, widths remembered across flushes, one header.
    Current,
    /// kubectl before v1.11, as in the StatefulSet tutorial transcripts: minwidth 10, every
    /// flush aligned on its own, and the header printed again with the first watch event.
    Legacy,
}

/// `kubectl get -w`: the initial list (header and rows aligned together, one flush), then
/// one flush per watch event through the same writer.
///
/// With kubectl v1.35's writer, widths are remembered: an event row is padded to the widths
/// already printed, and a wider cell widens its column for the events after it (never the
/// lines already printed).
#[derive(Debug)]
pub struct WatchPrinter {
    options: PrintOptions,
    style: TableStyle,
    writer: TabWriter,
    printed_headers: bool,
    events_seen: usize,
    output_watch_events: bool,
}

impl WatchPrinter {
    /// A watch printer with kubectl v1.35's behaviour.
    pub fn new(options: PrintOptions) -> Self {
        WatchPrinter::with_style(options, TableStyle::Current)
    }

    /// A watch printer with the given style.
    pub fn with_style(options: PrintOptions, style: TableStyle) -> Self {
        let config = match style {
            TableStyle::Current => TabConfig::KUBECTL_TABLE,
            TableStyle::Legacy => TabConfig::LEGACY_TABLE,
        };
        WatchPrinter {
            options,
            style,
            writer: TabWriter::new(config),
            printed_headers: false,
            events_seen: 0,
            output_watch_events: false,
        }
    }

    /// `--output-watch-events`: a leading EVENT column (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn output_watch_events(mut self) -> Self {
        self.output_watch_events = true;
        self
    }

    fn print(&mut self, table: &Table, event: Option<WatchEventType>) -> String {
        let decorated = decorate(table, &self.options);
        let no_headers = self.options.no_headers || self.printed_headers;
        if !decorated.rows.is_empty() {
            self.printed_headers = true;
        }
        let event = if self.output_watch_events {
            Some(event.unwrap_or(WatchEventType::Added).cell())
        } else {
            None
        };
        let text = table_text(&decorated, &self.options, no_headers, event);
        self.writer.write(&text);
        self.writer.flush();
        self.writer.take_output()
    }

    /// The initial list (`kubectl get -w` lists, then watches). An empty list prints nothing;
    /// the header then comes with the first event.
    pub fn initial(&mut self, table: &Table) -> String {
        self.print(table, Some(WatchEventType::Added))
    }

    /// One watch event: the changed object's row (a table of one row with the same columns).
    pub fn event(&mut self, table: &Table, event: WatchEventType) -> String {
        if self.style == TableStyle::Legacy && self.events_seen == 0 {
            // Old kubectl printed the watch stream with a fresh printer: header again.
            self.printed_headers = false;
        }
        self.events_seen += 1;
        self.print(table, Some(event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods(rows: &[[&str; 5]]) -> Table {
        Table {
            columns: ["Name", "Ready", "Status", "Restarts", "Age"]
                .iter()
                .map(|c| Column::new(c))
                .collect(),
            rows: rows
                .iter()
                .map(|r| Row {
                    cells: r.iter().map(|c| c.to_string()).collect(),
                    namespace: "default".into(),
                    labels: [("app".to_string(), "nginx".to_string())].into(),
                })
                .collect(),
        }
    }

    #[test]
    fn headers_are_upper_cased_and_aligned() {
        let t = pods(&[["web-0", "1/1", "Running", "0", "1m"]]);
        assert_eq!(
            render(&t, &PrintOptions::default()),
            "NAME    READY   STATUS    RESTARTS   AGE\nweb-0   1/1     Running   0          1m\n"
        );
    }

    #[test]
    fn namespace_labels_and_label_columns_decorate_rows() {
        let t = pods(&[["web-0", "1/1", "Running", "0", "1m"]]);
        let opts = PrintOptions {
            with_namespace: true,
            show_labels: true,
            column_labels: vec!["app".into(), "example.com/tier".into()],
            ..PrintOptions::default()
        };
        assert_eq!(
            render(&t, &opts),
            "NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   APP     TIER   LABELS\n\
             default     web-0   1/1     Running   0          1m    nginx          app=nginx\n"
        );
    }

    #[test]
    fn no_headers_and_empty_tables() {
        let t = pods(&[["web-0", "1/1", "Running", "0", "1m"]]);
        let opts = PrintOptions {
            no_headers: true,
            ..PrintOptions::default()
        };
        assert_eq!(render(&t, &opts), "web-0   1/1   Running   0     1m\n");
        assert_eq!(render(&pods(&[]), &PrintOptions::default()), "");
        assert_eq!(
            no_resources_found(Some("default")),
            "No resources found in default namespace.\n"
        );
        assert_eq!(no_resources_found(None), "No resources found\n");
    }

    #[test]
    fn cells_are_cut_at_line_breaks_and_escaped() {
        let t = Table {
            columns: vec![Column::new("Name"), Column::new("Message")],
            rows: vec![Row {
                cells: vec!["a".into(), "first\nsecond".into()],
                ..Row::default()
            }],
        };
        assert_eq!(
            render(&t, &PrintOptions::default()),
            "NAME   MESSAGE\na      first...\n"
        );
        assert_eq!(escape_terminal("a\x1b[1mb\r"), "a^[[1mb\\r");
    }

    #[test]
    fn kind_prefix_names_rows_and_tables_are_separated() {
        let t = pods(&[["web-0", "1/1", "Running", "0", "1m"]]);
        let opts = PrintOptions {
            kind_prefix: Some("pod".into()),
            ..PrintOptions::default()
        };
        let out = render_many(&[(t.clone(), opts.clone()), (t, opts)]);
        assert_eq!(
            out,
            "NAME        READY   STATUS    RESTARTS   AGE\npod/web-0   1/1     Running   0          1m\n\n\
             NAME        READY   STATUS    RESTARTS   AGE\npod/web-0   1/1     Running   0          1m\n"
        );
    }

    #[test]
    fn watch_rows_keep_the_remembered_widths() {
        let mut w = WatchPrinter::new(PrintOptions::default());
        let mut out = w.initial(&pods(&[]));
        out += &w.event(
            &pods(&[["web-0", "0/1", "Pending", "0", "0s"]]),
            WatchEventType::Added,
        );
        out += &w.event(
            &pods(&[["web-0", "0/1", "Pending", "0", "0s"]]),
            WatchEventType::Modified,
        );
        out += &w.event(
            &pods(&[["web-0", "0/1", "ContainerCreating", "0", "0s"]]),
            WatchEventType::Modified,
        );
        out += &w.event(
            &pods(&[["web-0", "1/1", "Running", "0", "19s"]]),
            WatchEventType::Modified,
        );
        assert_eq!(
            out,
            "NAME    READY   STATUS    RESTARTS   AGE\n\
             web-0   0/1     Pending   0          0s\n\
             web-0   0/1     Pending   0          0s\n\
             web-0   0/1     ContainerCreating   0          0s\n\
             web-0   1/1     Running             0          19s\n"
        );
    }

    #[test]
    fn watch_events_column() {
        let mut w = WatchPrinter::new(PrintOptions::default()).output_watch_events();
        let mut out = w.initial(&pods(&[["web-0", "1/1", "Running", "0", "5m"]]));
        out += &w.event(
            &pods(&[["web-0", "1/1", "Terminating", "0", "5m"]]),
            WatchEventType::Modified,
        );
        out += &w.event(
            &pods(&[["web-0", "0/1", "Terminating", "0", "5m"]]),
            WatchEventType::Deleted,
        );
        assert_eq!(
            out,
            "EVENT      NAME    READY   STATUS    RESTARTS   AGE\n\
             ADDED      web-0   1/1     Running   0          5m\n\
             MODIFIED   web-0   1/1     Terminating   0          5m\n\
             DELETED    web-0   0/1     Terminating   0          5m\n"
        );
    }
}
