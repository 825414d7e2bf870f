//! YAML printer stand-in.
/// Several objects as YAML documents.
pub fn to_yaml_documents(values: &[serde_json::Value]) -> String {
    values
        .iter()
        .map(|v| serde_yaml::to_string(v).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n")
}
