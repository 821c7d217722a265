//! One document, two formats: GeoReport v2 answers every call in `.json` or `.xml`, with the
//! same element names. Handlers build a [`Doc`]; [`respond`] writes it in the format asked.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use serde_json::{Map, Value};

/// A document as GeoReport v2 shapes it: objects, lists with a tag for their items, values.
pub enum Doc {
    Obj(Vec<(&'static str, Doc)>),
    /// A list and the XML tag of each item (`service`, `request`, `error` …).
    List(&'static str, Vec<Doc>),
    Text(String),
    Int(i64),
    Bool(bool),
    Null,
}

impl Doc {
    pub fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    fn json(&self) -> Value {
        match self {
            Doc::Obj(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert((*k).to_owned(), v.json());
                }
                Value::Object(m)
            }
            Doc::List(_, items) => Value::Array(items.iter().map(Doc::json).collect()),
            Doc::Text(s) => Value::String(s.clone()),
            Doc::Int(n) => Value::from(*n),
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Null => Value::Null,
        }
    }

    fn xml(&self, out: &mut String) {
        match self {
            Doc::Obj(fields) => {
                for (k, v) in fields {
                    out.push('<');
                    out.push_str(k);
                    out.push('>');
                    v.xml(out);
                    out.push_str("</");
                    out.push_str(k);
                    out.push('>');
                }
            }
            Doc::List(tag, items) => {
                for item in items {
                    out.push('<');
                    out.push_str(tag);
                    out.push('>');
                    item.xml(out);
                    out.push_str("</");
                    out.push_str(tag);
                    out.push('>');
                }
            }
            Doc::Text(s) => out.push_str(&escape(s.as_str())),
            Doc::Int(n) => out.push_str(&n.to_string()),
            Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Doc::Null => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

/// Splits `services.json` into (`services`, Json); unknown extensions are not GeoReport.
pub fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let f = match ext.to_ascii_lowercase().as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((name, f))
}

/// Writes `doc` under the root element `root` (XML only) with `status`.
pub fn respond(format: Format, status: StatusCode, root: &str, doc: &Doc) -> Response {
    match format {
        Format::Json => (status, axum::Json(doc.json())).into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            out.push('<');
            out.push_str(root);
            out.push('>');
            doc.xml(&mut out);
            out.push_str("</");
            out.push_str(root);
            out.push('>');
            (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], out).into_response()
        }
    }
}

/// GeoReport's error list: `[{code, description}]` / `<errors><error>…`.
pub fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let doc = Doc::List(
        "error",
        vec![Doc::Obj(vec![("code", Doc::Int(i64::from(status.as_u16()))), ("description", Doc::text(description))])],
    );
    respond(format, status, "errors", &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_document_reads_the_same_in_both_formats() {
        let doc = Doc::List(
            "service",
            vec![Doc::Obj(vec![
                ("service_code", Doc::text("WM-001")),
                ("metadata", Doc::Bool(true)),
                ("keywords", Doc::text("a<b&c")),
            ])],
        );
        assert_eq!(doc.json().to_string(), r#"[{"keywords":"a<b&c","metadata":true,"service_code":"WM-001"}]"#);
        let mut xml = String::new();
        doc.xml(&mut xml);
        assert_eq!(
            xml,
            "<service><service_code>WM-001</service_code><metadata>true</metadata><keywords>a&lt;b&amp;c</keywords></service>"
        );
        assert_eq!(split("services.XML").map(|(n, f)| (n, f == Format::Xml)), Some(("services", true)));
        assert!(split("services").is_none() && split("services.csv").is_none());
    }
}
