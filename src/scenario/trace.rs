//! Traces (`design.md` §4): JSON Lines, one watch event per line, in the shape
//! `kubectl get --watch --output-watch-events -o json` gives each event —
//! `{"type":"ADDED","object":{…}}` — with stsim's own field added:
//! `"stsim":{"t":<virtual ms>,"seq":<n>}`. Objects are printed as the API serves them
//! (`apiVersion` and `kind` included, keys sorted as Go's `json.Marshal` of unstructured
//! objects sorts them), Events included.

use serde_json::Value;

use crate::apiserver::WatchEvent;
use crate::printers::to_json_compact;

/// One trace line (without its newline).
pub fn line(ev: &WatchEvent) -> String {
    let mut obj = ev.object.to_json();
    if let Some(m) = obj.as_object_mut() {
        let info = ev.object.kind().info();
        m.insert("apiVersion".into(), Value::String(info.api_version()));
        m.insert("kind".into(), Value::String(info.kind.to_string()));
    }
    format!(
        "{{\"type\":\"{}\",\"object\":{},\"stsim\":{{\"t\":{},\"seq\":{}}}}}",
        ev.event_type.as_str(),
        to_json_compact(&obj),
        ev.at.as_ms(),
        ev.seq
    )
}

/// Appends the lines of `events` to `out`.
pub fn write(out: &mut String, events: &[WatchEvent]) {
    for ev in events {
        out.push_str(&line(ev));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Kind, Object};
    use crate::apiserver::{ApiServer, ApiServerOptions};
    use crate::engine::SimRng;

    #[test]
    fn a_line_is_a_watch_event_with_the_stsim_field() {
        let mut api = ApiServer::new(SimRng::from_seed(1).fork("a"), ApiServerOptions::default());
        let ns = Object::from_json(
            Kind::Namespace,
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}),
        )
        .unwrap();
        api.create(ns).unwrap();
        let ev = api.watch_events().last().unwrap();
        let l = line(ev);
        assert!(l.starts_with("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{"), "{l}");
        assert!(
            l.ends_with(&format!(
                ",\"stsim\":{{\"t\":{},\"seq\":{}}}}}",
                ev.at.as_ms(),
                ev.seq
            )),
            "{l}"
        );
        let v: Value = serde_json::from_str(&l).unwrap();
        assert_eq!(v["object"]["metadata"]["name"], "demo");
        assert!(v["object"]["metadata"]["uid"].is_string());
        assert!(v["object"]["metadata"]["resourceVersion"].is_string());
        assert!(!l.contains('\n'));
    }
}
