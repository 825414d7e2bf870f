//! The kubectl layer: how kubectl words what it does and what went wrong.
//!
//! For now: kubectl's error printing (`cmdutil.CheckErr`). Commands, printers and the
//! scenario runner build on this module.

pub mod errors;
pub mod flags;
