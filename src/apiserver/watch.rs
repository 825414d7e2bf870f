//! The watch stream: every successful write appends exactly one event, in resourceVersion
//! order. The stream is what `kubectl get -w --output-watch-events -o json` prints, and what
//! becomes the trace (`design.md` §4).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::api::Object;
use crate::engine::SimTime;

/// `ADDED`, `MODIFIED` or `DELETED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WatchEventType {
    /// The object was created.
    Added,
    /// The object changed (including gaining a deletionTimestamp).
    Modified,
    /// The object is gone from the API.
    Deleted,
}

impl WatchEventType {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// One entry of the watch stream.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEvent {
    /// Position in the stream, from 0; equal to the write's resourceVersion minus the first one.
    pub seq: u64,
    /// Virtual time of the write.
    pub at: SimTime,
    /// What happened.
    pub event_type: WatchEventType,
    /// The whole object after the write (for DELETED, its last state).
    pub object: Arc<Object>,
    /// For MODIFIED, the object before the write (what informer update handlers compare);
    /// not part of the trace.
    pub old: Option<Arc<Object>>,
}

impl WatchEvent {
    /// The event as a trace line's JSON: `{"object":…,"stsim":{"seq":n,"t":ms},"type":"ADDED"}`,
    /// keys sorted at every level.
    pub fn to_json(&self) -> Value {
        json!({
            "type": self.event_type.as_str(),
            "object": self.object.to_json(),
            "stsim": {"t": self.at.as_ms(), "seq": self.seq},
        })
    }

    /// One line of the JSON Lines trace, without the newline.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(&self.to_json()).expect("JSON values always serialize")
    }
}
