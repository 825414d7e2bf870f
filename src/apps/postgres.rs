//! The `postgres` images: not modelled yet beyond the generic process.

use crate::exec::ProgramFn;
use crate::kubelet::AppRegistry;

use super::ImageProfile;

/// Registers the models of these images.
pub fn register(_reg: &mut AppRegistry) {}

/// The programs this module implements.
pub fn program(_name: &str) -> Option<ProgramFn> {
    None
}

/// The profile of an image with this short name and tag, if it is one of these.
pub fn profile(_short: &str, _tag: &str) -> Option<ImageProfile> {
    None
}
