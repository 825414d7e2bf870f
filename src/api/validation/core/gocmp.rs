//! A port of the parts of go-cmp's `cmp.Diff` report that upstream appends to two Forbidden
//! errors: `spec is immutable after creation except resources.requests and
//! volumeAttributesClassName for bound claims` (claims) and `spec.persistentvolumesource is
//! immutable after creation` (volumes).
//!
//! Values are [`GoValue`] trees of the *internal* Go types (field names and order as in
//! `pkg/apis/core`), compared as go-cmp compares them (a `resource.Quantity` through its `Equal`
//! method, a nil slice unequal to an empty one) and printed with go-cmp's rules: runs of
//! identical records elided to `... // N identical fields` keeping two records of context,
//! changed leaves (and single-chain values) as `-`/`+` line pairs, other changed values expanded
//! in place, identical values depth-limited (`{...}`), types printed only for changed
//! composites, keys aligned, lines longer than 80 columns broken.
//!
//! go-cmp randomises, per process, whether the blank after the `-`/`+`/` ` marker is U+0020 or
//! U+00A0, so no real API server's text is stable byte for byte; this port always writes U+0020.
//! Not ported: the character-level diff of two long strings (`strings.Join({...}, "")`), pointer
//! cycle references, triple-quoted multi-line strings.

use crate::api::field::go_quote;

/// A Go value of an internal API type, as go-cmp sees it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum GoValue {
    /// A nil pointer, slice or map.
    Nil,
    /// A string (or a named string type without a `String` method).
    Str(String),
    /// Any integer kind.
    Int(i64),
    /// A bool.
    Bool(bool),
    /// A value whose type has a `String()` method, printed `s"..."`.
    Stringer(String),
    /// A non-nil pointer.
    Ptr(Box<GoValue>),
    /// A struct: its type name and its fields in declaration order.
    Struct(String, Vec<(String, GoValue)>),
    /// A non-nil slice: its type name and elements.
    Slice(String, Vec<GoValue>),
    /// A non-nil map: its type name and entries, sorted by key.
    Map(String, Vec<(MapKey, GoValue)>),
    /// A value go-cmp compares with its `Equal` method (`resource.Quantity`): the comparison
    /// key, then what is printed.
    Equal(String, Box<GoValue>),
}

/// A map key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum MapKey {
    /// A plain string key, printed quoted.
    Str(String),
    /// A key whose type has a `String()` method (`core.ResourceName`), printed `s"..."`.
    Stringer(String),
}

impl GoValue {
    /// A struct value.
    pub(super) fn structure(type_name: &str, fields: Vec<(&str, GoValue)>) -> GoValue {
        GoValue::Struct(
            type_name.to_string(),
            fields
                .into_iter()
                .map(|(n, v)| (n.to_string(), v))
                .collect(),
        )
    }

    /// A `*T` from an optional value: `Nil` when absent.
    pub(super) fn ptr(v: Option<GoValue>) -> GoValue {
        v.map_or(GoValue::Nil, |v| GoValue::Ptr(Box::new(v)))
    }

    /// A `*string` (or pointer to a named string type).
    pub(super) fn ptr_str(v: Option<&str>) -> GoValue {
        GoValue::ptr(v.map(|s| GoValue::Str(s.to_string())))
    }

    /// A string-element slice (`nil` when absent).
    pub(super) fn str_slice(type_name: &str, v: Option<&[String]>) -> GoValue {
        v.map_or(GoValue::Nil, |items| {
            GoValue::Slice(
                type_name.to_string(),
                items.iter().map(|s| GoValue::Str(s.clone())).collect(),
            )
        })
    }

    /// Go's `reflect.Value.IsZero`.
    fn is_zero(&self) -> bool {
        match self {
            GoValue::Nil => true,
            GoValue::Str(s) => s.is_empty(),
            GoValue::Int(i) => *i == 0,
            GoValue::Bool(b) => !b,
            GoValue::Stringer(_) | GoValue::Ptr(_) | GoValue::Slice(..) | GoValue::Map(..) => false,
            GoValue::Struct(_, fields) => fields.iter().all(|(_, v)| v.is_zero()),
            GoValue::Equal(_, shown) => shown.is_zero(),
        }
    }
}

/// `apiequality.Semantic.DeepEqual`: a nil slice or map equals an empty one, `Equal` values
/// compare by key.
pub(super) fn semantic_eq(a: &GoValue, b: &GoValue) -> bool {
    use GoValue as V;
    match (a, b) {
        (V::Nil, V::Slice(_, v)) | (V::Slice(_, v), V::Nil) => v.is_empty(),
        (V::Nil, V::Map(_, v)) | (V::Map(_, v), V::Nil) => v.is_empty(),
        (V::Ptr(x), V::Ptr(y)) => semantic_eq(x, y),
        (V::Struct(ta, fa), V::Struct(tb, fb)) => {
            ta == tb
                && fa.len() == fb.len()
                && fa
                    .iter()
                    .zip(fb)
                    .all(|((na, va), (nb, vb))| na == nb && semantic_eq(va, vb))
        }
        (V::Slice(_, x), V::Slice(_, y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| semantic_eq(a, b))
        }
        (V::Map(_, x), V::Map(_, y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && semantic_eq(va, vb))
        }
        (V::Equal(ka, _), V::Equal(kb, _)) => ka == kb,
        _ => a == b,
    }
}

/// `cmp.Diff(x, y)`: empty when equal, else the report, ending in a newline.
pub(super) fn diff(x: &GoValue, y: &GoValue) -> String {
    let node = compare(Some(x), Some(y));
    if node.diff == 0 {
        return String::new();
    }
    let opts = Opts {
        mode: Mode::Unknown,
        types: TypeMode::Auto,
        verbosity: 0,
    };
    let Some(mut text) = format_diff(&node, opts) else {
        return String::new();
    };
    compact(&mut text, Mode::Unknown);
    let mut out = String::new();
    indent(&mut out, 0, Mode::Unknown);
    expand(&text, Mode::Unknown, 0, &mut out);
    out.push('\n');
    out
}

// ----- comparison -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Leaf,
    Ptr,
    Struct,
    Slice,
    Map,
}

#[derive(Clone, Copy, Debug)]
enum Key<'a> {
    None,
    Field(&'a str),
    Map(&'a MapKey),
}

/// go-cmp's `valueNode`: one compared pair with its statistics.
#[derive(Debug)]
struct Node<'a> {
    x: Option<&'a GoValue>,
    y: Option<&'a GoValue>,
    kind: Kind,
    type_name: &'a str,
    same: usize,
    diff: usize,
    /// Number of transitive children.
    children: usize,
    max_depth: usize,
    records: Vec<(Key<'a>, Node<'a>)>,
}

impl<'a> Node<'a> {
    fn new(x: Option<&'a GoValue>, y: Option<&'a GoValue>) -> Self {
        Node {
            x,
            y,
            kind: Kind::Leaf,
            type_name: "",
            same: 0,
            diff: 0,
            children: 0,
            max_depth: 0,
            records: vec![],
        }
    }

    fn leaf(mut self, equal: bool) -> Self {
        if equal {
            self.same = 1;
        } else {
            self.diff = 1;
        }
        self
    }

    /// `PopStep`: folds a child's statistics into this node.
    fn push(&mut self, key: Key<'a>, child: Node<'a>) {
        self.same += child.same;
        self.diff += child.diff;
        self.children += child.children + 1;
        self.max_depth = self.max_depth.max(child.max_depth + 1);
        self.records.push((key, child));
    }
}

fn compare<'a>(x: Option<&'a GoValue>, y: Option<&'a GoValue>) -> Node<'a> {
    use GoValue as V;
    let mut node = Node::new(x, y);
    match (x, y) {
        (Some(V::Ptr(a)), Some(V::Ptr(b))) => {
            node.kind = Kind::Ptr;
            node.push(Key::None, compare(Some(a), Some(b)));
        }
        (Some(V::Struct(ta, fa)), Some(V::Struct(tb, fb))) if ta == tb && fa.len() == fb.len() => {
            node.kind = Kind::Struct;
            node.type_name = ta;
            for ((name, va), (_, vb)) in fa.iter().zip(fb) {
                node.push(Key::Field(name), compare(Some(va), Some(vb)));
            }
        }
        (Some(V::Slice(ta, ia)), Some(V::Slice(tb, ib))) if ta == tb => {
            node.kind = Kind::Slice;
            node.type_name = ta;
            for (i, j) in edit_script(ia, ib) {
                node.push(Key::None, compare(i.map(|i| &ia[i]), j.map(|j| &ib[j])));
            }
        }
        (Some(V::Map(ta, ea)), Some(V::Map(tb, eb))) if ta == tb => {
            node.kind = Kind::Map;
            node.type_name = ta;
            let (mut i, mut j) = (0, 0);
            while i < ea.len() || j < eb.len() {
                let order = match (ea.get(i), eb.get(j)) {
                    (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                match order {
                    std::cmp::Ordering::Less => {
                        node.push(Key::Map(&ea[i].0), compare(Some(&ea[i].1), None));
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        node.push(Key::Map(&eb[j].0), compare(None, Some(&eb[j].1)));
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        node.push(Key::Map(&ea[i].0), compare(Some(&ea[i].1), Some(&eb[j].1)));
                        i += 1;
                        j += 1;
                    }
                }
            }
        }
        (Some(V::Equal(ka, _)), Some(V::Equal(kb, _))) => node = node.leaf(ka == kb),
        (Some(a), Some(b)) => node = node.leaf(a == b),
        _ => node = node.leaf(false),
    }
    node
}

/// A minimal edit script between two slices: pairs of (x index, y index), `None` for an
/// element only on one side. Unequal elements at the same step pair up as "modified", as
/// go-cmp pairs similar elements.
fn edit_script(a: &[GoValue], b: &[GoValue]) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (a.len(), b.len());
    let equal = |i: usize, j: usize| compare(Some(&a[i]), Some(&b[j])).diff == 0;
    // cost[i][j]: edits needed to turn a[i..] into b[j..].
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            cost[i][j] = if i == n {
                m - j
            } else if j == m {
                n - i
            } else {
                let pair = cost[i + 1][j + 1] + usize::from(!equal(i, j));
                pair.min(cost[i + 1][j] + 1).min(cost[i][j + 1] + 1)
            };
        }
    }
    let mut script = vec![];
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && cost[i][j] == cost[i + 1][j + 1] + usize::from(!equal(i, j)) {
            script.push((Some(i), Some(j)));
            i += 1;
            j += 1;
        } else if i < n && cost[i][j] == cost[i + 1][j] + 1 {
            script.push((Some(i), None));
            i += 1;
        } else {
            script.push((None, Some(j)));
            j += 1;
        }
    }
    script
}

// ----- formatting into text nodes -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Unknown,
    Identical,
    Removed,
    Inserted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TypeMode {
    Auto,
    Elide,
}

#[derive(Clone, Copy, Debug)]
struct Opts {
    mode: Mode,
    types: TypeMode,
    verbosity: i32,
}

impl Opts {
    fn verbosity(self) -> u32 {
        self.verbosity.clamp(0, 16).unsigned_abs()
    }
    fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    fn with_types(mut self, types: TypeMode) -> Self {
        self.types = types;
        self
    }
}

/// go-cmp's `diffStats`.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    name: &'static str,
    identical: usize,
    removed: usize,
    inserted: usize,
    modified: usize,
}

impl Stats {
    fn named(name: &'static str) -> Self {
        Stats {
            name,
            ..Stats::default()
        }
    }
    fn num_diff(&self) -> usize {
        self.removed + self.inserted + self.modified
    }
    fn is_zero(&self) -> bool {
        self.identical == 0 && self.num_diff() == 0
    }
    fn add(&mut self, other: &Stats) {
        self.identical += other.identical;
        self.removed += other.removed;
        self.inserted += other.inserted;
        self.modified += other.modified;
    }
    /// `diffStats.String`: `2 identical fields`, `1 removed and 3 inserted entries`.
    fn describe(&self) -> String {
        let counts = [
            (self.identical, "identical"),
            (self.removed, "removed"),
            (self.inserted, "inserted"),
            (self.modified, "modified"),
        ];
        let parts: Vec<String> = counts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, l)| format!("{n} {l}"))
            .collect();
        let sum: usize = counts.iter().map(|(n, _)| n).sum();
        let mut name = self.name.to_string();
        if sum > 1 {
            name.push('s');
            if let Some(stem) = name.strip_suffix("ys") {
                name = format!("{stem}ies");
            }
        }
        match parts.len() {
            0 => String::new(),
            1 | 2 => format!("{} {name}", parts.join(" and ")),
            n => format!("{}, and {} {name}", parts[..n - 1].join(", "), parts[n - 1]),
        }
    }
}

#[derive(Clone, Debug)]
enum Text {
    Line(String),
    Wrap(String, Box<Text>, String),
    List(Vec<Rec>),
}

impl Text {
    fn is_line(&self) -> bool {
        matches!(self, Text::Line(_))
    }
}

#[derive(Clone, Debug)]
struct Rec {
    diff: Mode,
    key: String,
    value: Text,
    elide_comma: bool,
    comment: Option<Stats>,
}

fn rec(diff: Mode, key: String, value: Text) -> Rec {
    Rec {
        diff,
        key,
        value,
        elide_comma: false,
        comment: None,
    }
}

fn braces(list: Vec<Rec>) -> Text {
    Text::Wrap("{".into(), Box::new(Text::List(list)), "}".into())
}

/// `textList.AppendEllipsis`.
fn append_ellipsis(list: &mut Vec<Rec>, stats: Stats) {
    if let Some(last) = list.last_mut()
        && matches!(&last.value, Text::Line(l) if l == "...")
    {
        if !stats.is_zero() {
            let mut merged = last.comment.unwrap_or(stats);
            if last.comment.is_some() {
                merged.add(&stats);
            }
            last.comment = Some(merged);
        }
        return;
    }
    list.push(Rec {
        diff: Mode::Unknown,
        key: String::new(),
        value: Text::Line("...".into()),
        elide_comma: true,
        comment: (!stats.is_zero()).then_some(stats),
    });
}

/// `FormatType`: wraps a composite with its type name unless elided.
fn format_type(type_name: &str, s: Text, opts: Opts) -> Text {
    if opts.types == TypeMode::Elide
        || matches!(&s, Text::Line(l) if l == "nil")
        || opts.mode == Mode::Identical
    {
        return s;
    }
    Text::Wrap(type_name.to_string(), Box::new(s), String::new())
}

/// go-cmp's `formatString`: quoted, or backquoted when that reads better.
fn go_fmt_string(s: &str) -> String {
    let q = go_quote(s);
    if q.len() == s.len() + 2 {
        return q;
    }
    let raw_invalid = |c: char| c == '`' || c == '\n' || (c.is_control() && c != '\t');
    if s.chars().any(raw_invalid) {
        q
    } else {
        format!("`{s}`")
    }
}

/// `formatOptions.formatString`, with verbosity truncation.
fn format_string(prefix: &str, s: &str, opts: Opts) -> Text {
    let max_len = (1usize << opts.verbosity()) << 5;
    if s.len() > max_len + 3 {
        let mut cut = max_len;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        return Text::Line(format!("{prefix}{}...", go_fmt_string(&s[..cut])));
    }
    Text::Line(format!("{prefix}{}", go_fmt_string(s)))
}

fn format_map_key(k: &MapKey) -> String {
    match k {
        MapKey::Str(s) => go_fmt_string(s),
        MapKey::Stringer(s) => format!("s{}", go_fmt_string(s)),
    }
}

/// `FormatValue`: a value on its own, depth-limited by verbosity.
fn format_value(v: Option<&GoValue>, opts: Opts) -> Option<Text> {
    let v = v?;
    let limit = |o: Opts| ((1usize << o.verbosity()) >> 1) << 2;
    Some(match v {
        GoValue::Nil => Text::Line("nil".into()),
        GoValue::Str(s) => format_string("", s, opts),
        GoValue::Stringer(s) => format_string("s", s, opts),
        GoValue::Int(i) => Text::Line(i.to_string()),
        GoValue::Bool(b) => Text::Line(b.to_string()),
        GoValue::Ptr(inner) => Text::Wrap(
            "&".into(),
            Box::new(format_value(Some(inner), opts)?),
            String::new(),
        ),
        GoValue::Equal(_, shown) => return format_value(Some(shown), opts),
        GoValue::Struct(type_name, fields) => {
            let max_len = limit(opts);
            let mut inner = opts;
            inner.verbosity -= 1;
            let mut list = vec![];
            for (name, fv) in fields {
                if fv.is_zero() {
                    continue;
                }
                if list.len() == max_len {
                    append_ellipsis(&mut list, Stats::default());
                    break;
                }
                if let Some(t) = format_value(Some(fv), inner.with_types(TypeMode::Auto)) {
                    list.push(rec(Mode::Unknown, name.clone(), t));
                }
            }
            format_type(type_name, braces(list), opts)
        }
        GoValue::Slice(type_name, items) => {
            let max_len = limit(opts);
            let mut inner = opts;
            inner.verbosity -= 1;
            let mut list = vec![];
            for item in items {
                if list.len() == max_len {
                    append_ellipsis(&mut list, Stats::default());
                    break;
                }
                if let Some(t) = format_value(Some(item), inner.with_types(TypeMode::Elide)) {
                    list.push(rec(Mode::Unknown, String::new(), t));
                }
            }
            format_type(type_name, braces(list), opts)
        }
        GoValue::Map(type_name, entries) => {
            let max_len = limit(opts);
            let mut inner = opts;
            inner.verbosity -= 1;
            let mut list = vec![];
            for (k, item) in entries {
                if list.len() == max_len {
                    append_ellipsis(&mut list, Stats::default());
                    break;
                }
                if let Some(t) = format_value(Some(item), inner.with_types(TypeMode::Elide)) {
                    list.push(rec(Mode::Unknown, format_map_key(k), t));
                }
            }
            format_type(type_name, braces(list), opts)
        }
    })
}

/// `FormatDiff`: a compared node, in the given mode.
fn format_diff(node: &Node<'_>, opts: Opts) -> Option<Text> {
    let mut opts = opts;
    if opts.mode == Mode::Identical {
        opts.verbosity = 1;
    } else if opts.verbosity() < 3 {
        opts.verbosity = 3;
    }
    if node.max_depth == 0 {
        return match opts.mode {
            Mode::Unknown | Mode::Identical if node.diff == 0 => {
                match (format_value(node.x, opts), format_value(node.y, opts)) {
                    (Some(a), Some(b)) => Some(if text_len(&a) < text_len(&b) { a } else { b }),
                    (a, b) => a.or(b),
                }
            }
            Mode::Unknown | Mode::Identical => {
                let elide = opts.with_types(TypeMode::Elide);
                let mut list = vec![];
                if let Some(v) = format_value(node.x, elide) {
                    list.push(rec(Mode::Removed, String::new(), v));
                }
                if let Some(v) = format_value(node.y, elide) {
                    list.push(rec(Mode::Inserted, String::new(), v));
                }
                Some(Text::List(list))
            }
            Mode::Removed => format_value(node.x, opts),
            Mode::Inserted => format_value(node.y, opts),
        };
    }
    match node.kind {
        Kind::Struct | Kind::Slice | Kind::Map => {
            let out = format_diff_list(&node.records, node.kind, opts);
            Some(format_type(node.type_name, out, opts))
        }
        Kind::Ptr => {
            let out = format_diff(&node.records.first()?.1, opts)?;
            Some(Text::Wrap("&".into(), Box::new(out), String::new()))
        }
        Kind::Leaf => None,
    }
}

/// `formatDiffList`: the records of a struct, slice or map.
fn format_diff_list(records: &[(Key<'_>, Node<'_>)], kind: Kind, opts: Opts) -> Text {
    let (name, mut opts) = match kind {
        Kind::Struct => ("field", opts.with_types(TypeMode::Auto)),
        Kind::Slice => ("element", opts.with_types(TypeMode::Elide)),
        _ => ("entry", opts.with_types(TypeMode::Elide)),
    };
    let v = opts.verbosity();
    let max_len = if opts.mode == Mode::Identical {
        ((1usize << v) >> 1) << 2
    } else {
        (1usize << v) << 1
    };
    opts.verbosity -= 1;
    let key_text = |k: &Key<'_>| match k {
        Key::None => String::new(),
        Key::Field(n) => (*n).to_string(),
        Key::Map(k) => format_map_key(k),
    };

    if opts.mode != Mode::Unknown {
        let mut list = vec![];
        let mut deferred = false;
        for (k, n) in records {
            if list.len() == max_len {
                deferred = true;
                break;
            }
            if kind == Kind::Struct {
                let zero = |v: Option<&GoValue>| v.is_none_or(GoValue::is_zero);
                let is_zero = match opts.mode {
                    Mode::Identical => zero(n.x) || zero(n.y),
                    Mode::Removed => zero(n.x),
                    _ => zero(n.y),
                };
                if is_zero {
                    continue;
                }
            }
            if let Some(out) = format_diff(n, opts) {
                list.push(rec(Mode::Unknown, key_text(k), out));
            }
        }
        if deferred {
            append_ellipsis(&mut list, Stats::default());
        }
        return braces(list);
    }

    // Coalesce adjacent equal and unequal records.
    let mut groups: Vec<(bool, Stats)> = vec![];
    for (_, n) in records {
        let equal = n.diff == 0;
        if groups.last().is_none_or(|(e, _)| *e != equal) {
            groups.push((equal, Stats::named(name)));
        }
        if let Some((_, g)) = groups.last_mut() {
            match (equal, n.x, n.y) {
                (true, _, _) => g.identical += 1,
                (false, _, None) => g.removed += 1,
                (false, None, _) => g.inserted += 1,
                _ => g.modified += 1,
            }
        }
    }

    let mut list = vec![];
    let mut num_diffs = 0;
    let mut rest = records;
    let mut max_group = Stats::named(name);
    let last = groups.len().saturating_sub(1);
    for (i, (_, g)) in groups.iter().enumerate() {
        if num_diffs >= max_len {
            max_group.add(g);
            continue;
        }
        if g.num_diff() == 0 {
            let num_equal = g.identical;
            let (mut lo, mut hi) = (0, 0);
            while lo < 2 && lo + hi < num_equal && i != 0 {
                lo += 1;
            }
            while hi < 2 && lo + hi < num_equal && i != last {
                hi += 1;
            }
            if num_equal - (lo + hi) == 1 {
                hi += 1;
            }
            let identical = opts.with_mode(Mode::Identical);
            for (k, n) in &rest[..lo] {
                if let Some(out) = format_diff(n, identical) {
                    list.push(rec(Mode::Unknown, key_text(k), out));
                }
            }
            if num_equal > lo + hi {
                let mut stats = *g;
                stats.identical -= lo + hi;
                append_ellipsis(&mut list, stats);
            }
            for (k, n) in &rest[num_equal - hi..num_equal] {
                if let Some(out) = format_diff(n, identical) {
                    list.push(rec(Mode::Unknown, key_text(k), out));
                }
            }
            rest = &rest[num_equal..];
            continue;
        }
        for (k, n) in &rest[..g.num_diff()] {
            if n.children == n.max_depth {
                if let Some(out) = format_diff(n, opts.with_mode(Mode::Removed)) {
                    list.push(rec(Mode::Removed, key_text(k), out));
                }
                if let Some(out) = format_diff(n, opts.with_mode(Mode::Inserted)) {
                    list.push(rec(Mode::Inserted, key_text(k), out));
                }
            } else if let Some(out) = format_diff(n, opts) {
                list.push(rec(Mode::Unknown, key_text(k), out));
            }
        }
        rest = &rest[g.num_diff()..];
        num_diffs += g.num_diff();
    }
    if !max_group.is_zero() {
        append_ellipsis(&mut list, max_group);
    }
    braces(list)
}

// ----- rendering text nodes -----

/// go-cmp's `maxColumnLength`.
const MAX_COLUMN_LENGTH: usize = 80;

fn combine(parent: Mode, own: Mode) -> Mode {
    match (parent, own) {
        (Mode::Removed | Mode::Inserted, _) => parent,
        (_, Mode::Unknown) => parent,
        _ => own,
    }
}

fn indent(out: &mut String, depth: usize, mode: Mode) {
    out.push_str(match mode {
        Mode::Removed => "- ",
        Mode::Inserted => "+ ",
        Mode::Unknown | Mode::Identical => "  ",
    });
    for _ in 0..depth {
        out.push('\t');
    }
}

/// The single-line rendering of a node (`textNode.Len`).
fn text_len(t: &Text) -> usize {
    let mut copy = t.clone();
    compact(&mut copy, Mode::Unknown).len()
}

/// `formatCompactTo`: renders on one line, turning the parts that fit into lines.
fn compact(t: &mut Text, mode: Mode) -> String {
    match t {
        Text::Line(l) => l.clone(),
        Text::Wrap(prefix, value, suffix) => {
            let inner = compact(value, mode);
            let line = format!("{prefix}{inner}{suffix}");
            if value.is_line() {
                *t = Text::Line(line.clone());
            }
            line
        }
        Text::List(recs) => {
            let mut b = String::new();
            let mut multi_line = false;
            let count = recs.len();
            for (i, r) in recs.iter_mut().enumerate() {
                if matches!(r.diff, Mode::Removed | Mode::Inserted) {
                    multi_line = true;
                }
                if !r.key.is_empty() {
                    b.push_str(&r.key);
                    b.push_str(": ");
                }
                b.push_str(&compact(&mut r.value, combine(mode, r.diff)));
                if !r.value.is_line() || r.comment.is_some() {
                    multi_line = true;
                }
                if i + 1 < count {
                    b.push_str(", ");
                }
            }
            if matches!(mode, Mode::Removed | Mode::Inserted) && b.len() > MAX_COLUMN_LENGTH {
                multi_line = true;
            }
            if !multi_line {
                *t = Text::Line(b.clone());
            }
            b
        }
    }
}

/// `alignLens`: padding that aligns consecutive records not skipped.
fn align(recs: &[Rec], skip: impl Fn(&Rec) -> bool, len: impl Fn(&Rec) -> usize) -> Vec<usize> {
    let mut pads = vec![0; recs.len()];
    let mut start = 0;
    let mut max = 0;
    for (i, r) in recs.iter().enumerate() {
        if skip(r) {
            for j in start..i {
                pads[j] = max - len(&recs[j]);
            }
            start = i + 1;
            max = 0;
        } else {
            max = max.max(len(r));
        }
    }
    for j in start..recs.len() {
        pads[j] = max - len(&recs[j]);
    }
    pads
}

fn line_of(t: &Text) -> &str {
    match t {
        Text::Line(l) => l,
        _ => "",
    }
}

/// `formatExpandedTo`.
fn expand(t: &Text, mode: Mode, depth: usize, out: &mut String) {
    match t {
        Text::Line(l) => out.push_str(l),
        Text::Wrap(prefix, value, suffix) => {
            out.push_str(prefix);
            expand(value, mode, depth, out);
            out.push_str(suffix);
        }
        Text::List(recs) => {
            let key_pads = align(
                recs,
                |r| r.key.is_empty() || !r.value.is_line(),
                |r| r.key.chars().count(),
            );
            let value_pads = align(
                recs,
                |r| !r.value.is_line() || r.comment.is_none(),
                |r| line_of(&r.value).chars().count(),
            );
            let is_simple = !recs.is_empty()
                && recs.iter().all(|r| {
                    r.diff == Mode::Unknown
                        && r.key.is_empty()
                        && r.value.is_line()
                        && r.comment.is_none()
                });
            if is_simple {
                let mut batch = String::new();
                let emit = |out: &mut String, batch: &mut String| {
                    if !batch.is_empty() {
                        out.push('\n');
                        indent(out, depth + 1, mode);
                        out.push_str(batch.trim_end_matches(' '));
                        batch.clear();
                    }
                };
                for r in recs {
                    let line = line_of(&r.value);
                    if batch.len() + line.len() + 2 > MAX_COLUMN_LENGTH {
                        emit(out, &mut batch);
                    }
                    batch.push_str(line);
                    batch.push_str(", ");
                }
                emit(out, &mut batch);
                out.push('\n');
                indent(out, depth, mode);
                return;
            }
            for (i, r) in recs.iter().enumerate() {
                let m = combine(mode, r.diff);
                out.push('\n');
                indent(out, depth + 1, m);
                if !r.key.is_empty() {
                    out.push_str(&r.key);
                    out.push_str(": ");
                }
                out.push_str(&" ".repeat(key_pads[i]));
                expand(&r.value, m, depth + 1, out);
                if !r.elide_comma {
                    out.push(',');
                }
                out.push_str(&" ".repeat(value_pads[i]));
                if let Some(c) = &r.comment {
                    out.push_str(" // ");
                    out.push_str(&c.describe());
                }
            }
            out.push('\n');
            indent(out, depth, mode);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(s: &str, value: i64, format: &str) -> GoValue {
        GoValue::Equal(
            value.to_string(),
            Box::new(GoValue::structure(
                "resource.Quantity",
                vec![
                    (
                        "i",
                        GoValue::structure(
                            "resource.int64Amount",
                            vec![("value", GoValue::Int(value)), ("scale", GoValue::Int(0))],
                        ),
                    ),
                    ("d", GoValue::Nil),
                    ("s", GoValue::Str(s.into())),
                    ("Format", GoValue::Str(format.into())),
                ],
            )),
        )
    }

    fn claim_spec(volume_name: &str, class: Option<&str>, storage: GoValue) -> GoValue {
        GoValue::structure(
            "core.PersistentVolumeClaimSpec",
            vec![
                (
                    "AccessModes",
                    GoValue::str_slice(
                        "[]core.PersistentVolumeAccessMode",
                        Some(&["ReadWriteOnce".to_string()]),
                    ),
                ),
                ("Selector", GoValue::Nil),
                (
                    "Resources",
                    GoValue::structure(
                        "core.VolumeResourceRequirements",
                        vec![
                            ("Limits", GoValue::Nil),
                            (
                                "Requests",
                                GoValue::Map(
                                    "core.ResourceList".into(),
                                    vec![(MapKey::Stringer("storage".into()), storage)],
                                ),
                            ),
                        ],
                    ),
                ),
                ("VolumeName", GoValue::Str(volume_name.into())),
                ("StorageClassName", GoValue::ptr_str(class)),
                ("VolumeMode", GoValue::ptr_str(Some("Filesystem"))),
                ("DataSource", GoValue::Nil),
                ("DataSourceRef", GoValue::Nil),
                ("VolumeAttributesClassName", GoValue::Nil),
            ],
        )
    }

    #[test]
    fn leaf_changes_print_as_pairs_with_context_and_ellipsis() {
        // The shape of a real v1.3x message (kubernetes issue reports).
        let old = claim_spec(
            "pvc-1ca14d89-cd6b-45c2-a0f9-f23d8aadab87",
            Some("gp2"),
            quantity("30Gi", 32_212_254_720, "BinarySI"),
        );
        let new = claim_spec("", None, quantity("30Gi", 32_212_254_720, "BinarySI"));
        assert_eq!(
            diff(&old, &new),
            "  core.PersistentVolumeClaimSpec{\n\
             \x20 \tAccessModes:      {\"ReadWriteOnce\"},\n\
             \x20 \tSelector:         nil,\n\
             \x20 \tResources:        {Requests: {s\"storage\": {i: {...}, s: \"30Gi\", Format: \"BinarySI\"}}},\n\
             - \tVolumeName:       \"pvc-1ca14d89-cd6b-45c2-a0f9-f23d8aadab87\",\n\
             + \tVolumeName:       \"\",\n\
             - \tStorageClassName: &\"gp2\",\n\
             + \tStorageClassName: nil,\n\
             \x20 \tVolumeMode:       &\"Filesystem\",\n\
             \x20 \tDataSource:       nil,\n\
             \x20 \t... // 2 identical fields\n\
             \x20 }\n"
        );
    }

    #[test]
    fn nested_changes_expand_and_long_removed_values_break_lines() {
        let old = claim_spec("", None, quantity("1Gi", 1_073_741_824, "BinarySI"));
        let new = claim_spec("", None, quantity("2Gi", 2_147_483_648, "BinarySI"));
        assert_eq!(
            diff(&old, &new),
            "  core.PersistentVolumeClaimSpec{\n\
             \x20 \tAccessModes: {\"ReadWriteOnce\"},\n\
             \x20 \tSelector:    nil,\n\
             \x20 \tResources: core.VolumeResourceRequirements{\n\
             \x20 \t\tLimits: nil,\n\
             - \t\tRequests: core.ResourceList{\n\
             - \t\t\ts\"storage\": {i: resource.int64Amount{value: 1073741824}, s: \"1Gi\", Format: \"BinarySI\"},\n\
             - \t\t},\n\
             + \t\tRequests: core.ResourceList{\n\
             + \t\t\ts\"storage\": {i: resource.int64Amount{value: 2147483648}, s: \"2Gi\", Format: \"BinarySI\"},\n\
             + \t\t},\n\
             \x20 \t},\n\
             \x20 \tVolumeName:       \"\",\n\
             \x20 \tStorageClassName: nil,\n\
             \x20 \t... // 4 identical fields\n\
             \x20 }\n"
        );
    }

    #[test]
    fn equal_values_give_no_diff_and_semantic_equality_ignores_nil_vs_empty() {
        let a = claim_spec("x", None, quantity("1Gi", 1_073_741_824, "BinarySI"));
        assert_eq!(diff(&a, &a.clone()), "");
        let nil = GoValue::Nil;
        let empty = GoValue::Slice("[]string".into(), vec![]);
        assert!(semantic_eq(&nil, &empty));
        assert!(!diff(&nil, &empty).is_empty());
    }

    #[test]
    fn slices_with_added_elements_are_recursed() {
        let strs = |v: &[&str]| {
            GoValue::str_slice(
                "[]string",
                Some(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            )
        };
        let old = GoValue::structure("x.T", vec![("A", strs(&["a", "b"]))]);
        let new = GoValue::structure("x.T", vec![("A", strs(&["a", "b", "c"]))]);
        assert_eq!(
            diff(&old, &new),
            "  x.T{\n  \tA: []string{\n  \t\t\"a\",\n  \t\t\"b\",\n+ \t\t\"c\",\n  \t},\n  }\n"
        );
    }
}
