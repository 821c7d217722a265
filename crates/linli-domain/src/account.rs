//! Sign-in names and the names people are shown by.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::parse_date;
use crate::ids::{IdNumber, Phone};
use crate::validation::{Checker, FieldError, Invalid, text};
use crate::{DivisionCode, Role};

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
            return Err(Invalid(vec![FieldError::new("", "username_length").with("min", 3).with("max", 32)]));
        }
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-');
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

/// An account as typed into the administrator's form or sent to the API.
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserInput {
    /// Ignored when editing (a username never changes).
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub node_code: String,
    pub phone: String,
    pub id_number: String,
    /// `YYYY-MM-DD`: the last day an assessor may sign in. Required for assessors.
    pub access_until: String,
}

impl std::fmt::Debug for UserInput {
    // Debug output ends up in logs and panics: personal fields are masked there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserInput")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("node_code", &self.node_code)
            .field("phone", &crate::ids::mask_phone(&self.phone))
            .field("id_number", &crate::ids::mask_id_number(&self.id_number))
            .field("access_until", &self.access_until)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFields {
    pub username: Option<Username>,
    pub display_name: String,
    pub role: Role,
    pub node_code: DivisionCode,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub access_until: Option<Date>,
}

impl UserInput {
    /// Checks every field; `new` says whether a username is expected.
    pub fn validate(&self, new: bool, today: Date) -> Result<UserFields, Invalid> {
        let mut c = Checker::new();
        let username = if new { c.take("username", Username::parse(&self.username)).map(Some) } else { Some(None) };
        let display_name = c.take("display_name", display_name(&self.display_name));
        let role = Role::parse(self.role.trim());
        if role.is_none() {
            c.push(FieldError::new("role", "role_unknown"));
        }
        let node_code = c.take("node_code", DivisionCode::parse(&self.node_code));
        let phone = if self.phone.trim().is_empty() {
            Some(None)
        } else {
            c.take("phone", Phone::parse(&self.phone).map(Some))
        };
        let id_number = if self.id_number.trim().is_empty() {
            Some(None)
        } else {
            c.take("id_number", IdNumber::parse(&self.id_number, today).map(Some))
        };
        let access_until = match self.access_until.trim() {
            "" => None,
            s => match parse_date(s) {
                Some(d) if d >= today => Some(d),
                Some(_) => {
                    c.push(FieldError::new("access_until", "access_until_past"));
                    None
                }
                None => {
                    c.push(FieldError::new("access_until", "calendar_date"));
                    None
                }
            },
        };
        if role == Some(Role::Assessor) && access_until.is_none() && self.access_until.trim().is_empty() {
            c.push(FieldError::new("access_until", "assessor_needs_end"));
        }
        c.finish()?;
        match (username, display_name, role, node_code, phone, id_number) {
            (Some(username), Some(display_name), Some(role), Some(node_code), Some(phone), Some(id_number)) => {
                Ok(UserFields { username, display_name, role, node_code, phone, id_number, access_until })
            }
            _ => Err(Invalid::one("", "required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" WangFang ").map(|u| u.to_string()), Ok("wangfang".into()));
        assert_eq!(Username::parse("chuang.kou-1").map(|u| u.to_string()), Ok("chuang.kou-1".into()));
        let code = |s: &str| Username::parse(s).unwrap_err().0[0].code;
        assert_eq!(code(""), "required");
        assert_eq!(code("ab"), "username_length");
        assert_eq!(code(&"a".repeat(33)), "username_length");
        assert_eq!(code("王芳"), "username_length");
        assert_eq!(code("王芳芳"), "username_chars");
        assert_eq!(code("_admin"), "username_chars");
        assert_eq!(code("a b c"), "username_chars");
    }

    #[test]
    fn user_input_checks_every_field_and_time_boxes_assessors() {
        let today = time::macros::date!(2026 - 11 - 29);
        let input = UserInput {
            username: "Lin.Xiao".into(),
            display_name: "林晓".into(),
            role: "assessor".into(),
            node_code: "350103001001".into(),
            phone: "13800001111".into(),
            id_number: String::new(),
            access_until: String::new(),
        };
        let e = input.validate(true, today).unwrap_err();
        assert_eq!(e.0.iter().map(|e| e.code).collect::<Vec<_>>(), ["assessor_needs_end"]);
        let ok = UserInput { access_until: "2026-12-31".into(), ..input.clone() }.validate(true, today).expect("valid");
        assert_eq!(ok.username.map(|u| u.to_string()), Some("lin.xiao".into()));
        let e = UserInput { role: "boss".into(), node_code: "1".into(), access_until: "2026-01-01".into(), ..input }
            .validate(false, today)
            .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [("role", "role_unknown"), ("node_code", "division_code_format"), ("access_until", "access_until_past")]
        );
    }
}
