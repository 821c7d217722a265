//! A service request as taken at the window, online or through Open311.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::catalogue::{FormField, Material, check_values};
use crate::validation::{Checker, FieldError, Invalid, multiline, optional_text, text};
use crate::{DivisionCode, Phone};

/// Where a request came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Window,
    Online,
    Phone,
    Open311,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Window => "window",
            Source::Online => "online",
            Source::Phone => "phone",
            Source::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Source::Window, Source::Online, Source::Phone, Source::Open311].into_iter().find(|v| v.as_str() == s.trim())
    }
}

/// How the office serves it: at the window, 上门 at home, or 代办 on the resident's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Window,
    Home,
    Proxy,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Window => "window",
            Mode::Home => "home",
            Mode::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "window" => Some(Mode::Window),
            "home" => Some(Mode::Home),
            "proxy" => Some(Mode::Proxy),
            _ => None,
        }
    }
}

/// A request as typed: the item's own form plus who is asking.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestInput {
    pub applicant_name: String,
    pub applicant_phone: String,
    pub address: String,
    pub description: String,
    pub mode: String,
    /// Values of the item's extra fields by key (`f1` …).
    pub fields: BTreeMap<String, String>,
    /// Indexes (0-based, as text) of the item's materials that were handed in.
    pub received: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestFields {
    pub applicant_name: String,
    /// Always given at the window and online; Open311 clients may leave it out (the spec makes
    /// it optional), and then the applicant gets no notifications and cannot use the look-up.
    pub applicant_phone: Option<Phone>,
    pub address: String,
    pub description: String,
    pub mode: Mode,
    /// (key, label, value) of each filled extra field.
    pub values: Vec<(String, String, String)>,
    /// The materials still missing: what the one-time notice lists.
    pub missing: Vec<Material>,
}

impl RequestInput {
    pub fn validate(&self, fields: &[FormField], materials: &[Material]) -> Result<RequestFields, Invalid> {
        self.check(fields, materials, true)
    }

    /// As [`RequestInput::validate`], with the phone optional (Open311).
    pub fn validate_without_phone(
        &self,
        fields: &[FormField],
        materials: &[Material],
    ) -> Result<RequestFields, Invalid> {
        self.check(fields, materials, false)
    }

    fn check(
        &self,
        fields: &[FormField],
        materials: &[Material],
        phone_required: bool,
    ) -> Result<RequestFields, Invalid> {
        let mut c = Checker::new();
        let name = c.take("applicant_name", text(&self.applicant_name, 40));
        let phone = if !phone_required && self.applicant_phone.trim().is_empty() {
            Some(None)
        } else {
            c.take("applicant_phone", Phone::parse(&self.applicant_phone).map(Some))
        };
        let address = c.take("address", optional_text(&self.address, 100));
        let description = c.take("description", multiline(&self.description, 2000));
        let mode = Mode::parse(&self.mode);
        if mode.is_none() {
            c.push(FieldError::new("mode", "choice"));
        }
        let values = match check_values(fields, &self.fields) {
            Ok(v) => Some(v),
            Err(e) => {
                e.0.into_iter().for_each(|e| c.push(e));
                None
            }
        };
        let mut received = Vec::new();
        for r in &self.received {
            match r.trim().parse::<usize>() {
                Ok(i) if i < materials.len() => received.push(i),
                _ => c.push(FieldError::new("received", "choice")),
            }
        }
        c.finish()?;
        let missing = missing(materials, &received);
        match (name, phone, address, description, mode, values) {
            (
                Some(applicant_name),
                Some(applicant_phone),
                Some(address),
                Some(description),
                Some(mode),
                Some(values),
            ) => Ok(RequestFields { applicant_name, applicant_phone, address, description, mode, values, missing }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

/// The materials not among `received` (indexes into `materials`).
pub fn missing(materials: &[Material], received: &[usize]) -> Vec<Material> {
    materials.iter().enumerate().filter(|(i, _)| !received.contains(i)).map(|(_, m)| m.clone()).collect()
}

/// 受理编号: the community code, the day in China and a daily sequence,
/// e.g. `350103001001-20261129-0007`.
pub fn request_number(community: &DivisionCode, day: Date, seq: i64) -> String {
    format!("{}-{:04}{:02}{:02}-{seq:04}", community.as_str(), day.year(), u8::from(day.month()), day.day())
}

/// Whether `s` looks like a request number (for the public look-up form).
pub fn looks_like_number(s: &str) -> bool {
    let parts: Vec<&str> = s.trim().split('-').collect();
    parts.len() == 3
        && parts[0].len() == 12
        && parts[1].len() == 8
        && (4..=6).contains(&parts[2].len())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::window::catalogue::{FieldKind, MaterialForm};

    fn materials() -> Vec<Material> {
        ["居民身份证", "户口簿", "银行卡"]
            .into_iter()
            .map(|n| Material { name: n.into(), form: MaterialForm::Original, count: 1, note: String::new() })
            .collect()
    }

    #[test]
    fn a_request_lists_what_is_missing_for_the_one_time_notice() {
        let fields = [FormField {
            key: "f1".into(),
            label: "关系".into(),
            kind: FieldKind::Text,
            required: true,
            choices: vec![],
        }];
        let input = RequestInput {
            applicant_name: " 陈桂英 ".into(),
            applicant_phone: "138 0591 2345".into(),
            fields: BTreeMap::from([("f1".into(), "本人".into())]),
            received: vec!["0".into(), "2".into()],
            ..RequestInput::default()
        };
        let r = input.validate(&fields, &materials()).expect("valid");
        assert_eq!(r.applicant_name, "陈桂英");
        assert_eq!(r.applicant_phone.as_ref().map(Phone::as_str), Some("13805912345"));
        let anonymous = RequestInput { applicant_phone: String::new(), ..input.clone() };
        assert_eq!(anonymous.validate_without_phone(&fields, &materials()).expect("valid").applicant_phone, None);
        assert!(anonymous.validate(&fields, &materials()).is_err(), "the window always takes a phone");
        assert_eq!(r.mode, Mode::Window);
        assert_eq!(r.missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["户口簿"]);
        let all = RequestInput { received: vec!["0".into(), "1".into(), "2".into()], ..input };
        assert!(all.validate(&fields, &materials()).expect("valid").missing.is_empty());
    }

    #[test]
    fn bad_requests_name_each_field() {
        let fields = [FormField {
            key: "f1".into(),
            label: "关系".into(),
            kind: FieldKind::Text,
            required: true,
            choices: vec![],
        }];
        let input = RequestInput {
            applicant_phone: "12345".into(),
            mode: "fax".into(),
            received: vec!["7".into()],
            ..RequestInput::default()
        };
        let e = input.validate(&fields, &materials()).expect_err("an invalid request");
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("applicant_name", "required"),
                ("applicant_phone", "phone_format"),
                ("mode", "choice"),
                ("fields.f1", "required"),
                ("received", "choice")
            ]
        );
    }

    #[test]
    fn numbers_read_as_community_day_and_sequence() {
        let c = DivisionCode::parse("350103001001").expect("code");
        let n = request_number(&c, date!(2026 - 02 - 03), 7);
        assert_eq!(n, "350103001001-20260203-0007");
        assert!(looks_like_number(&n));
        assert!(!looks_like_number("350103001001-2026-0007") && !looks_like_number("abc"));
        assert_eq!(Source::parse("open311"), Some(Source::Open311));
    }
}
