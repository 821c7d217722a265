//! Validation errors that name the field, a stable code and the parameters of the message.
//!
//! The code is looked up in the web layer's message catalogue (`error.<code>`), so the domain
//! never holds display text and every language gets the same set of errors.

use serde::Serialize;

/// One field's problem, e.g. `username` / `too_short` / `min = 3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self { field: field.into(), code, params: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }
}

/// Input that failed validation: every problem found, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{} ({})", e.field, e.code)).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, code: &'static str) -> Self {
        Self(vec![FieldError::new(field, code)])
    }

    /// Puts every problem on one field (e.g. the password rules onto `new`).
    pub fn renamed(mut self, field: &str) -> Self {
        for e in &mut self.0 {
            e.field = field.to_owned();
        }
        self
    }

    /// Prefixes every field name, so a nested value's errors point at the outer field.
    pub fn at(self, field: &str) -> Self {
        Self(
            self.0
                .into_iter()
                .map(|mut e| {
                    e.field = if e.field.is_empty() { field.to_owned() } else { format!("{field}.{}", e.field) };
                    e
                })
                .collect(),
        )
    }
}

/// Collects field errors while a whole form is checked, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Checker(Vec<FieldError>);

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed, remembers the error (re-rooted at `field`) if not.
    pub fn take<T>(&mut self, field: &str, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.extend(e.at(field).0);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(Invalid(self.0)) }
    }
}

/// A required single-line text: trimmed, non-empty, at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::one("", "required"));
    }
    if v.chars().count() > max {
        return Err(Invalid(vec![FieldError::new("", "too_long").with("max", max)]));
    }
    if v.chars().any(char::is_control) {
        return Err(Invalid::one("", "control_chars"));
    }
    Ok(v.to_owned())
}

/// An optional single-line text: trimmed, possibly empty, at most `max` characters.
pub fn optional_text(value: &str, max: usize) -> Result<String, Invalid> {
    if value.trim().is_empty() { Ok(String::new()) } else { text(value, max) }
}

/// Free text over several lines (line breaks and tabs allowed), possibly empty.
pub fn multiline(value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim().replace("\r\n", "\n");
    if v.chars().count() > max {
        return Err(Invalid(vec![FieldError::new("", "too_long").with("max", max)]));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::one("", "control_chars"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_limits() {
        assert_eq!(text("  社区  ", 4).as_deref(), Ok("社区"));
        assert_eq!(text("   ", 4).unwrap_err().0[0].code, "required");
        assert_eq!(text("一二三四五", 4).unwrap_err().0[0].code, "too_long");
        assert_eq!(text("a\u{0}b", 4).unwrap_err().0[0].code, "control_chars");
    }

    #[test]
    fn checker_collects_every_error_with_its_field() {
        let mut c = Checker::new();
        assert!(c.take("name", text("", 10)).is_none());
        assert_eq!(c.take("addr", text("x", 10)).as_deref(), Some("x"));
        assert!(c.take("memo", text("0123456789ab", 10)).is_none());
        let e = c.finish().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, [("name", "required"), ("memo", "too_long")]);
    }
}
