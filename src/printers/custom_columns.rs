//! `kubectl get -o custom-columns=NAME:.metadata.name,...` (kubectl's `CustomColumnsPrinter`).
//!
//! Each column is a header (printed as given, not upper-cased) and a relaxed JSONPath
//! (`.a.b`, `a.b`, `{.a.b}`); a cell is `<none>` when the path finds nothing, else every result
//! printed with Go's `%v` (`map[k:v]` for a map) and joined with commas. Rows go through
//! kubectl's table writer.

use serde_json::Value;

use super::jsonpath::{JsonPath, go_sprint, relaxed_expression};
use super::table::escape_terminal;
use super::tabwriter::TabWriter;

/// A parsed `custom-columns` spec.
#[derive(Clone, Debug)]
pub struct CustomColumns {
    headers: Vec<String>,
    paths: Vec<JsonPath>,
}

impl CustomColumns {
    /// Parses `HEADER:path,HEADER:path`. `Err` is kubectl's message after `error: `.
    pub fn parse(spec: &str) -> Result<CustomColumns, String> {
        if spec.is_empty() {
            return Err("custom-columns format specified but no custom columns given".to_string());
        }
        let mut headers = Vec::new();
        let mut paths = Vec::new();
        for part in spec.split(',') {
            let Some((header, path)) = part.split_once(':') else {
                return Err(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                ));
            };
            let expr = relaxed_expression(path)?;
            let jp = JsonPath::parse(&expr).map_err(|e| e.to_string())?;
            headers.push(header.to_string());
            paths.push(jp);
        }
        Ok(CustomColumns { headers, paths })
    }

    fn row(&self, obj: &Value) -> Result<String, String> {
        let mut cells = Vec::new();
        for jp in &self.paths {
            let groups = jp.find_results(obj).map_err(|e| e.to_string())?;
            let mut values = Vec::new();
            if groups.is_empty() || groups[0].is_empty() {
                values.push("<none>".to_string());
            }
            for group in &groups {
                for v in group {
                    values.push(escape_terminal(&go_sprint(v)));
                }
            }
            cells.push(values.join(","));
        }
        Ok(cells.join("\t"))
    }

    /// Prints `objects` (the items of a list, or one object), with headers unless
    /// `no_headers`.
    pub fn print(&self, objects: &[Value], no_headers: bool) -> Result<String, String> {
        let mut w = TabWriter::kubectl_table();
        if !no_headers {
            w.write(&self.headers.join("\t"));
            w.write("\n");
        }
        for obj in objects {
            w.write(&self.row(obj)?);
            w.write("\n");
        }
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_print_values_none_and_lists() {
        let cc = CustomColumns::parse("NAME:.metadata.name,IMAGES:.spec.containers[*].image,NODE:spec.nodeName,LABELS:{.metadata.labels}").unwrap();
        let objs = vec![
            json!({"metadata":{"name":"web-0","labels":{"app":"nginx"}},"spec":{"containers":[{"image":"a"},{"image":"b"}],"nodeName":"kind-worker"}}),
            json!({"metadata":{"name":"web-10"},"spec":{"containers":[]}}),
        ];
        assert_eq!(
            cc.print(&objs, false).unwrap(),
            "NAME     IMAGES   NODE          LABELS\n\
             web-0    a,b      kind-worker   map[app:nginx]\n\
             web-10   <none>   <none>        <none>\n"
        );
    }

    #[test]
    fn bad_specs_are_reported_like_kubectl() {
        assert_eq!(
            CustomColumns::parse("NAME").unwrap_err(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            CustomColumns::parse("").unwrap_err(),
            "custom-columns format specified but no custom columns given"
        );
    }
}
