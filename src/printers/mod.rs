//! kubectl's output printers (temporary stand-in until the exact printers land).
pub mod json;
pub mod yaml;
