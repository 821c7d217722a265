//! Sign-in names and the names people are shown by.

use serde::Serialize;

use crate::validation::{FieldError, Invalid, text};

/// A sign-in name: 3–32 characters of `a-z 0-9 _ . -`, starting with a letter or digit,
/// stored in lower case so that 'WangFang' and 'wangfang' are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let v = s.trim().to_ascii_lowercase();
        let n = v.chars().count();
        if n == 0 {
            return Err(Invalid::one("", "required"));
        }
        if !(3..=32).contains(&n) {
            return Err(Invalid(vec![
                FieldError::new("", "username_length")
                    .with("min", 3)
                    .with("max", 32),
            ]));
        }
        let ok_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-');
        if !v.chars().all(ok_char) || !v.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(Invalid::one("", "username_chars"));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown on pages and in the audit log (e.g. 王芳).
pub fn display_name(s: &str) -> Result<String, Invalid> {
    text(s, 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(
            Username::parse(" WangFang ").map(|u| u.to_string()),
            Ok("wangfang".into())
        );
        assert_eq!(
            Username::parse("chuang.kou-1").map(|u| u.to_string()),
            Ok("chuang.kou-1".into())
        );
        let code = |s: &str| Username::parse(s).unwrap_err().0[0].code;
        assert_eq!(code(""), "required");
        assert_eq!(code("ab"), "username_length");
        assert_eq!(code(&"a".repeat(33)), "username_length");
        assert_eq!(code("王芳"), "username_length");
        assert_eq!(code("王芳芳"), "username_chars");
        assert_eq!(code("_admin"), "username_chars");
        assert_eq!(code("a b c"), "username_chars");
    }
}
