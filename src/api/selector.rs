//! Label selectors and field selectors: parsing (kubectl's `-l` / `--field-selector` syntax and
//! `metav1.LabelSelector`), canonical printing, and matching.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as K8sLabelSelector;

use super::{Kind, Object};

/// A label requirement's operator (`selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operator {
    /// `key=value` or `key==value`.
    Equals,
    /// `key!=value`.
    NotEquals,
    /// `key in (a,b)`.
    In,
    /// `key notin (a,b)`.
    NotIn,
    /// `key`.
    Exists,
    /// `!key`.
    DoesNotExist,
    /// `key>n` (integer comparison).
    GreaterThan,
    /// `key<n` (integer comparison).
    LessThan,
}

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// The values, sorted (empty for Exists / DoesNotExist).
    pub values: Vec<String>,
}

impl Requirement {
    /// True when `labels` satisfy this requirement (`Requirement.Matches`).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotEquals | Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(v), Some(bound)) = (value, self.values.first()) else {
                    return false;
                };
                let (Ok(v), Ok(bound)) = (v.parse::<i64>(), bound.parse::<i64>()) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    v > bound
                } else {
                    v < bound
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operator {
            Operator::Equals => write!(f, "{}={}", self.key, self.values.join(",")),
            Operator::NotEquals => write!(f, "{}!={}", self.key, self.values.join(",")),
            Operator::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Operator::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
            Operator::Exists => write!(f, "{}", self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
            Operator::GreaterThan => write!(f, "{}>{}", self.key, self.values.join(",")),
            Operator::LessThan => write!(f, "{}<{}", self.key, self.values.join(",")),
        }
    }
}

/// A parsed label selector: all requirements must hold. No requirements matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
    /// A nil `metav1.LabelSelector` selects nothing.
    nothing: bool,
}

impl LabelSelector {
    /// A selector that matches every object.
    pub fn everything() -> Self {
        LabelSelector::default()
    }

    /// A selector that matches no object (a nil `metav1.LabelSelector`).
    pub fn nothing() -> Self {
        LabelSelector {
            requirements: vec![],
            nothing: true,
        }
    }

    /// The requirements, sorted by key as upstream keeps them.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True when the selector has no requirements (and is not "nothing").
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && !self.nothing
    }

    fn push(&mut self, r: Requirement) {
        self.requirements.push(r);
        self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// Converts a `metav1.LabelSelector` (`LabelSelectorAsSelector`). An empty selector
    /// matches everything.
    pub fn from_k8s(sel: &K8sLabelSelector) -> Result<LabelSelector, String> {
        let mut out = LabelSelector::everything();
        for (k, v) in sel.match_labels.iter().flatten() {
            out.push(Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            });
        }
        for expr in sel.match_expressions.iter().flatten() {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            let mut values = expr.values.clone().unwrap_or_default();
            match operator {
                Operator::In | Operator::NotIn if values.is_empty() => {
                    return Err(
                        "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
                            .to_string(),
                    );
                }
                Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                    return Err(
                        "values: Invalid value: for 'exists', 'doesnotexist' operators, values set must be empty"
                            .to_string(),
                    );
                }
                _ => {}
            }
            values.sort();
            values.dedup();
            out.push(Requirement {
                key: expr.key.clone(),
                operator,
                values,
            });
        }
        Ok(out)
    }

    /// Converts an optional `metav1.LabelSelector`: `None` selects nothing.
    pub fn from_k8s_opt(sel: Option<&K8sLabelSelector>) -> Result<LabelSelector, String> {
        match sel {
            None => Ok(LabelSelector::nothing()),
            Some(s) => LabelSelector::from_k8s(s),
        }
    }

    /// Parses kubectl's selector syntax (`app=nginx,tier!=db,env in (a,b),!canary`).
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut out = LabelSelector::everything();
        let mut p = Parser { s, pos: 0 };
        p.skip_ws();
        if p.at_end() {
            return Ok(out);
        }
        loop {
            out.push(p.requirement()?);
            p.skip_ws();
            if p.at_end() {
                break;
            }
            if !p.eat(",") {
                return Err(format!(
                    "found '{}', expected: ',' or 'end of string'",
                    p.peek_token()
                ));
            }
        }
        Ok(out)
    }

    /// True when `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl fmt::Display for LabelSelector {
    /// Upstream's `Selector.String()`: requirements sorted by key, comma-joined.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.requirements.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }
    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_ws(&mut self) {
        while self.rest().starts_with(' ') || self.rest().starts_with('\t') {
            self.pos += 1;
        }
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }
    fn peek_token(&self) -> String {
        self.rest()
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect()
    }
    fn ident(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.rest().chars().next() {
            if c.is_whitespace() || "=!,()<>".contains(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        self.s[start..self.pos].to_string()
    }
    fn word_is(&self, w: &str) -> bool {
        self.rest().starts_with(w)
            && self.rest()[w.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '(')
    }
    fn requirement(&mut self) -> Result<Requirement, String> {
        self.skip_ws();
        if self.eat("!") {
            self.skip_ws();
            let key = self.ident();
            if key.is_empty() {
                return Err("found '', expected: identifier".into());
            }
            return Ok(Requirement {
                key,
                operator: Operator::DoesNotExist,
                values: vec![],
            });
        }
        let key = self.ident();
        if key.is_empty() {
            return Err(format!(
                "found '{}', expected: !, identifier, or 'end of string'",
                self.peek_token()
            ));
        }
        self.skip_ws();
        if self.at_end() || self.rest().starts_with(',') {
            return Ok(Requirement {
                key,
                operator: Operator::Exists,
                values: vec![],
            });
        }
        let operator = if self.eat("==") || self.eat("=") {
            Operator::Equals
        } else if self.eat("!=") {
            Operator::NotEquals
        } else if self.eat(">") {
            Operator::GreaterThan
        } else if self.eat("<") {
            Operator::LessThan
        } else if self.word_is("notin") {
            self.pos += 5;
            Operator::NotIn
        } else if self.word_is("in") {
            self.pos += 2;
            Operator::In
        } else {
            return Err(format!(
                "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                self.peek_token()
            ));
        };
        self.skip_ws();
        let mut values = match operator {
            Operator::In | Operator::NotIn => {
                if !self.eat("(") {
                    return Err(format!("found '{}', expected: '('", self.peek_token()));
                }
                let mut vals = vec![];
                loop {
                    self.skip_ws();
                    let v = self.ident();
                    vals.push(v);
                    self.skip_ws();
                    if self.eat(")") {
                        break;
                    }
                    if !self.eat(",") {
                        return Err(format!(
                            "found '{}', expected: ',' or ')'",
                            self.peek_token()
                        ));
                    }
                }
                vals
            }
            _ => vec![self.ident()],
        };
        if matches!(operator, Operator::GreaterThan | Operator::LessThan)
            && values[0].parse::<i64>().is_err()
        {
            return Err(format!(
                "for 'Gt', 'Lt' operators, the value must be an integer: {}",
                values[0]
            ));
        }
        values.sort();
        values.dedup();
        Ok(Requirement {
            key,
            operator,
            values,
        })
    }
}

/// One term of a field selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    /// The field path (`status.phase`).
    pub field: String,
    /// True for `!=`.
    pub negated: bool,
    /// The value compared with.
    pub value: String,
}

/// A parsed field selector: every term must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

impl FieldSelector {
    /// Parses `a=b,c!=d` (`fields.ParseSelector`).
    pub fn parse(s: &str) -> Result<FieldSelector, String> {
        let mut terms = vec![];
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (field, negated, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, false, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            terms.push(FieldTerm {
                field: field.trim().to_string(),
                negated,
                value: value.trim().to_string(),
            });
        }
        Ok(FieldSelector { terms })
    }

    /// The terms.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// Checks every field is one the API server indexes for `kind`; returns the first that
    /// is not.
    pub fn check_supported(&self, kind: Kind) -> Result<(), String> {
        for t in &self.terms {
            if !supported_fields(kind).contains(&t.field.as_str()) {
                return Err(t.field.clone());
            }
        }
        Ok(())
    }

    /// True when `obj` satisfies every term.
    pub fn matches(&self, obj: &Object) -> bool {
        self.terms.iter().all(|t| {
            let v = field_value(obj, &t.field).unwrap_or_default();
            (v == t.value) != t.negated
        })
    }
}

/// The field selectors the API server supports per kind (`*ToSelectableFields`).
pub fn supported_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ],
        Kind::Event => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        Kind::Node => &["metadata.name", "spec.unschedulable"],
        Kind::Namespace => &["metadata.name", "status.phase"],
        Kind::Secret => &["metadata.name", "metadata.namespace", "type"],
        Kind::ReplicaSet => &["metadata.name", "metadata.namespace", "status.replicas"],
        Kind::Job => &["metadata.name", "metadata.namespace", "status.successful"],
        Kind::PersistentVolumeClaim | Kind::PersistentVolume => {
            &["metadata.name", "metadata.namespace"]
        }
        _ => &["metadata.name", "metadata.namespace"],
    }
}

/// The value of a selectable field of `obj`, as the API server's field set renders it.
fn field_value(obj: &Object, field: &str) -> Option<String> {
    match field {
        "metadata.name" => return Some(obj.name().to_string()),
        "metadata.namespace" => return Some(obj.namespace().to_string()),
        _ => {}
    }
    match obj {
        Object::Pod(p) => {
            let spec = p.spec.as_ref();
            let status = p.status.as_ref();
            match field {
                "spec.nodeName" => spec.and_then(|s| s.node_name.clone()),
                "spec.restartPolicy" => spec.and_then(|s| s.restart_policy.clone()),
                "spec.schedulerName" => spec.and_then(|s| s.scheduler_name.clone()),
                "spec.serviceAccountName" => spec.and_then(|s| s.service_account_name.clone()),
                "spec.hostNetwork" => Some(
                    spec.and_then(|s| s.host_network)
                        .unwrap_or(false)
                        .to_string(),
                ),
                "status.phase" => status.and_then(|s| s.phase.clone()),
                "status.podIP" => status.and_then(|s| s.pod_ip.clone()),
                "status.podIPs" => status.and_then(|s| {
                    s.pod_ips.as_ref().map(|ips| {
                        ips.iter()
                            .map(|i| i.ip.clone())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                }),
                "status.nominatedNodeName" => status.and_then(|s| s.nominated_node_name.clone()),
                _ => None,
            }
        }
        Object::Event(e) => {
            let io = &e.involved_object;
            match field {
                "involvedObject.kind" => io.kind.clone(),
                "involvedObject.namespace" => io.namespace.clone(),
                "involvedObject.name" => io.name.clone(),
                "involvedObject.uid" => io.uid.clone(),
                "involvedObject.apiVersion" => io.api_version.clone(),
                "involvedObject.resourceVersion" => io.resource_version.clone(),
                "involvedObject.fieldPath" => io.field_path.clone(),
                "reason" => e.reason.clone(),
                "reportingComponent" => e.reporting_component.clone(),
                "source" => e.source.as_ref().and_then(|s| s.component.clone()),
                "type" => e.type_.clone(),
                _ => None,
            }
        }
        Object::Node(n) => match field {
            "spec.unschedulable" => Some(
                n.spec
                    .as_ref()
                    .and_then(|s| s.unschedulable)
                    .unwrap_or(false)
                    .to_string(),
            ),
            _ => None,
        },
        Object::Namespace(n) => match field {
            "status.phase" => n.status.as_ref().and_then(|s| s.phase.clone()),
            _ => None,
        },
        Object::Secret(s) => match field {
            "type" => s.type_.clone(),
            _ => None,
        },
        Object::ReplicaSet(r) => match field {
            "status.replicas" => Some(r.status.as_ref().map_or(0, |s| s.replicas).to_string()),
            _ => None,
        },
        Object::Job(j) => match field {
            "status.successful" => Some(
                j.status
                    .as_ref()
                    .and_then(|s| s.succeeded)
                    .unwrap_or(0)
                    .to_string(),
            ),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_and_set_based_selectors_match() {
        let l = labels(&[("app", "nginx"), ("tier", "web")]);
        assert!(LabelSelector::parse("app=nginx").unwrap().matches(&l));
        assert!(LabelSelector::parse("app==nginx,tier").unwrap().matches(&l));
        assert!(!LabelSelector::parse("app!=nginx").unwrap().matches(&l));
        assert!(
            LabelSelector::parse("app in (nginx, redis)")
                .unwrap()
                .matches(&l)
        );
        assert!(
            !LabelSelector::parse("app notin (nginx)")
                .unwrap()
                .matches(&l)
        );
        assert!(LabelSelector::parse("!canary").unwrap().matches(&l));
        assert!(!LabelSelector::parse("canary").unwrap().matches(&l));
        assert!(LabelSelector::parse("").unwrap().matches(&l));
        assert!(
            LabelSelector::parse("app!=redis")
                .unwrap()
                .matches(&labels(&[]))
        );
    }

    #[test]
    fn selectors_print_sorted_by_key() {
        let s = LabelSelector::parse("tier=web,app in (b,a),!x").unwrap();
        assert_eq!(s.to_string(), "app in (a,b),tier=web,!x");
        let keys: Vec<&str> = s.requirements().iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["app", "tier", "x"]);
    }

    #[test]
    fn malformed_selectors_are_errors() {
        assert!(LabelSelector::parse("app in nginx").is_err());
        assert!(LabelSelector::parse("app=nginx tier=web").is_err());
        assert!(LabelSelector::parse("a>b").is_err());
        assert!(LabelSelector::parse("=x").is_err());
    }

    #[test]
    fn metav1_selectors_convert() {
        let sel = K8sLabelSelector {
            match_labels: Some(labels(&[("app", "nginx")])),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: "In".into(),
                values: Some(vec!["prod".into(), "dev".into()]),
            }]),
        };
        let s = LabelSelector::from_k8s(&sel).unwrap();
        assert_eq!(s.to_string(), "app=nginx,env in (dev,prod)");
        assert!(s.matches(&labels(&[("app", "nginx"), ("env", "dev")])));
        assert!(!s.matches(&labels(&[("app", "nginx")])));
        assert!(
            LabelSelector::from_k8s(&K8sLabelSelector::default())
                .unwrap()
                .matches(&labels(&[]))
        );
        assert!(
            !LabelSelector::from_k8s_opt(None)
                .unwrap()
                .matches(&labels(&[]))
        );
        let bad = K8sLabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "env".into(),
                operator: "Equals".into(),
                values: None,
            }]),
            ..Default::default()
        };
        assert_eq!(
            LabelSelector::from_k8s(&bad).unwrap_err(),
            "\"Equals\" is not a valid label selector operator"
        );
    }

    #[test]
    fn field_selectors_parse_and_check_support() {
        let fs = FieldSelector::parse("status.phase=Running,spec.nodeName!=kind-worker").unwrap();
        assert_eq!(fs.terms().len(), 2);
        assert!(fs.terms()[1].negated);
        assert!(fs.check_supported(Kind::Pod).is_ok());
        assert_eq!(
            FieldSelector::parse("spec.foo=1")
                .unwrap()
                .check_supported(Kind::Pod),
            Err("spec.foo".to_string())
        );
        assert!(FieldSelector::parse("nonsense").is_err());
    }
}
