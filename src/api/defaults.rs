//! Defaulting, as the API server applies it while decoding (`pkg/apis/*/v1/defaults.go`,
//! `SetDefaults_*`), before admission and validation.

use super::Object;

/// Switches that change defaulting, as feature gates do upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultOptions {
    /// `MaxUnavailableStatefulSet` (beta, on by default in v1.35): defaults
    /// `rollingUpdate.maxUnavailable` to 1 (spec D4).
    pub max_unavailable_gate: bool,
}

impl Default for DefaultOptions {
    fn default() -> Self {
        DefaultOptions {
            max_unavailable_gate: true,
        }
    }
}

/// Applies every defaulting function for the object's kind, in place.
pub fn apply_defaults(obj: &mut Object, opts: &DefaultOptions) {
    let _ = (obj, opts);
}
