//! `kubectl get -w` / `--watch-only` / `--output-watch-events` (`GetOptions.watch` in
//! kubectl's `get.go`): the current list (or object), then every change of what is watched,
//! through one table writer.
//!
//! A real watch runs until the user interrupts it. Here it runs while the cluster keeps
//! changing what is watched, and ends once nothing watched has changed visibly for
//! [`WATCH_QUIET_PERIOD`] of virtual time (or at `--request-timeout`). Events the filters
//! exclude (another kind, namespace, name or selector) and writes that leave the printed row
//! as it was (a status heartbeat, a lease renewal) are not changes: kubectl prints such a
//! row again, but it does not keep the watch open.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::flags::parse_go_duration;
use super::get::print_options;
use super::output::{self, Format};
use super::resource::{self, Scope, Targets};
use super::{CmdResult, Cx, Failure, client_err};
use crate::api::selector::{FieldSelector, LabelSelector};
use crate::api::{Kind, Object, ObjectKey};
use crate::apiserver::WatchEventType;
use crate::engine::{SimDuration, SimTime};
use crate::printers;
use crate::printers::table::{self as ptable, WatchPrinter};

/// How long a watch goes on without a visible change of what it watches before it ends: long
/// enough for the slow steps of ordinary transitions (an image pull, a 30 s termination
/// grace period, a readiness probe's first success), short enough not to swallow the
/// scenario.
pub const WATCH_QUIET_PERIOD: SimDuration = SimDuration::from_secs(60);

/// What a watch looks at.
struct Filter {
    kind: Kind,
    namespace: Option<String>,
    name: Option<String>,
    labels: Option<LabelSelector>,
    fields: Option<FieldSelector>,
}

impl Filter {
    fn matches(&self, obj: &Object) -> bool {
        obj.kind() == self.kind
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| !self.kind.is_namespaced() || obj.namespace() == ns)
            && self.name.as_ref().is_none_or(|n| obj.name() == n)
            && self.labels.as_ref().is_none_or(|l| l.matches(obj.labels()))
            && self.fields.as_ref().is_none_or(|f| f.matches(obj))
    }
}

/// `--request-timeout`: `0` (none), a Go duration, or a bare number of seconds.
fn request_timeout(cx: &Cx) -> Result<Option<SimDuration>, Failure> {
    let v = cx.p.string("request-timeout");
    if v.is_empty() || v == "0" {
        return Ok(None);
    }
    if let Ok(secs) = v.parse::<u64>() {
        return Ok(Some(SimDuration::from_secs(secs)));
    }
    match parse_go_duration(&v) {
        Some(d) if d == SimDuration::ZERO => Ok(None),
        Some(d) => Ok(Some(d)),
        None => Err(client_err(
            "invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a unit (e.g. 1s | 2m | 3h)",
        )),
    }
}

/// How the watch prints.
enum Printer {
    Table(Box<WatchPrinter>),
    Generic {
        format: Format,
        events: bool,
        count: usize,
    },
}

impl Printer {
    fn print(
        &mut self,
        objs: &[&Object],
        kind: Kind,
        at: SimTime,
        event: Option<WatchEventType>,
    ) -> Result<String, Failure> {
        match self {
            Printer::Table(p) => {
                let table = printers::columns::table(kind, objs, at);
                Ok(match event {
                    None => p.initial(&table),
                    Some(t) => p.event(&table, table_event(t)),
                })
            }
            Printer::Generic {
                format,
                events,
                count,
            } => {
                let mut out = String::new();
                for o in objs {
                    let obj = output::object_json(o);
                    let kind = event.unwrap_or(WatchEventType::Added);
                    let text = if *events {
                        watch_event_text(format, kind, obj)?
                    } else {
                        output::print_value(format, &obj)?
                    };
                    if matches!(format, Format::Yaml) && *count > 0 {
                        out.push_str("---\n");
                    }
                    *count += 1;
                    out.push_str(&text);
                }
                Ok(out)
            }
        }
    }
}

fn table_event(t: WatchEventType) -> ptable::WatchEventType {
    match t {
        WatchEventType::Added => ptable::WatchEventType::Added,
        WatchEventType::Modified => ptable::WatchEventType::Modified,
        WatchEventType::Deleted => ptable::WatchEventType::Deleted,
    }
}

/// A `metav1.WatchEvent` printed: JSON keeps the struct's field order (`type`, `object`);
/// YAML sorts keys.
fn watch_event_text(format: &Format, t: WatchEventType, obj: Value) -> Result<String, Failure> {
    match format {
        Format::Json => {
            let inner = printers::to_json(&obj);
            let indented: Vec<String> = inner
                .trim_end_matches('\n')
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        l.to_string()
                    } else {
                        format!("    {l}")
                    }
                })
                .collect();
            Ok(format!(
                "{{\n    \"type\": \"{}\",\n    \"object\": {}\n}}\n",
                t.as_str(),
                indented.join("\n")
            ))
        }
        other => {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), Value::String(t.as_str().to_string()));
            m.insert("object".into(), obj);
            output::print_value(other, &Value::Object(m))
        }
    }
}

/// Runs the watch of `kubectl get -w`.
pub(crate) fn run(cx: &mut Cx, targets: &Targets, scope: &Scope, format: &Format) -> CmdResult {
    let kinds = targets.kinds();
    if kinds.len() != 1 {
        return Err(client_err("you may only specify a single resource type"));
    }
    let kind = kinds[0];
    let name = match targets {
        Targets::Named(names) if names.len() == 1 => Some(names[0].1.clone()),
        Targets::Named(_) => {
            return Err(Failure::Text(
                "stsim: `kubectl get -w` of several named objects is not supported by the simulator\n"
                    .to_string(),
            ));
        }
        Targets::ByType(_) => None,
    };
    let filter = Filter {
        kind,
        namespace: (!scope.all_namespaces).then(|| scope.namespace.clone()),
        name: name.clone(),
        labels: match scope.label_selector.as_str() {
            "" => None,
            s => Some(LabelSelector::parse(s).map_err(|e| {
                Failure::from(crate::apiserver::ApiError::bad_request(format!(
                    "unable to parse requirement: {e}"
                )))
            })?),
        },
        fields: None,
    };
    let filter = Filter {
        fields: match scope.field_selector.as_str() {
            "" => None,
            s => Some(
                FieldSelector::parse(s)
                    .map_err(|e| Failure::from(crate::apiserver::ApiError::bad_request(e)))?,
            ),
        },
        ..filter
    };
    let timeout = request_timeout(cx)?;
    let watch_only = cx.p.bool("watch-only");
    let events = cx.p.bool("output-watch-events");

    // The initial state: the list, or the named object.
    let initial: Vec<Arc<Object>> = match &name {
        Some(n) => vec![cx.sim().api().get(&scope.key(kind, n))?],
        None => resource::list(cx, kind, scope)?,
    };
    let mut printer = if format.is_table() {
        let opts = print_options(cx, kind, matches!(format, Format::Wide), false);
        let mut p = WatchPrinter::new(opts);
        if events {
            p = p.output_watch_events();
        }
        Printer::Table(Box::new(p))
    } else {
        Printer::Generic {
            format: format.clone(),
            events,
            count: 0,
        }
    };
    let now = cx.now();
    let shown: Vec<&Object> = if watch_only {
        vec![]
    } else {
        initial.iter().map(|o| o.as_ref()).collect()
    };
    if let Printer::Table(_) = printer {
        let text = printer.print(&shown, kind, now, None)?;
        cx.out.push_str(&text);
    } else if !shown.is_empty() {
        let text = printer.print(&shown, kind, now, Some(WatchEventType::Added))?;
        cx.out.push_str(&text);
    }

    // What was last shown per object, to tell a visible change from a repeat.
    let mut last: BTreeMap<ObjectKey, Arc<Object>> =
        initial.iter().map(|o| (o.key(), o.clone())).collect();
    let start = cx.now();
    let hard_deadline = timeout.map(|t| start + t);
    let quiet = cx.session.watch_quiet;
    let mut cursor = cx.sim().api().watch_events().len();
    let mut last_change = start;
    loop {
        let mut deadline = last_change + quiet;
        if let Some(h) = hard_deadline {
            deadline = deadline.min(h);
        }
        let seen = cursor;
        let got = cx.advance_until(deadline, |sim| sim.api().watch_events().len() > seen);
        let fresh: Vec<_> = cx.sim().api().watch_since(cursor).to_vec();
        cursor += fresh.len();
        for ev in fresh {
            let obj = &ev.object;
            if !filter.matches(obj) {
                continue;
            }
            let key = obj.key();
            let changed = match (ev.event_type, last.get(&key)) {
                (WatchEventType::Modified, Some(prev)) => {
                    printers::columns::cells(prev, ev.at) != printers::columns::cells(obj, ev.at)
                }
                _ => true,
            };
            if changed {
                last_change = ev.at;
            }
            if ev.event_type == WatchEventType::Deleted {
                last.remove(&key);
            } else {
                last.insert(key, obj.clone());
            }
            let text = printer.print(&[obj.as_ref()], kind, ev.at, Some(ev.event_type))?;
            cx.out.push_str(&text);
        }
        if !got || hard_deadline.is_some_and(|h| cx.now() >= h) {
            break;
        }
    }
    Ok(())
}
