//! The `postgres` images (stub while building).
use crate::exec::ProgramFn;
use crate::kubelet::AppRegistry;
use super::ImageProfile;
/// Registers.
pub fn register(_reg: &mut AppRegistry) {}
/// Programs.
pub fn program(_name: &str) -> Option<ProgramFn> { None }
/// Profile.
pub fn profile(_short: &str, _tag: &str) -> Option<ImageProfile> { None }
