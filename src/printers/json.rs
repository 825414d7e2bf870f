//! JSON printer stand-in.
/// Several objects as JSON.
pub fn to_json_objects(values: &[serde_json::Value]) -> String {
    values
        .iter()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_default() + "\n")
        .collect()
}
