//! 第 4 章 组织: a community's profile and the organisations in it.

use serde::{Deserialize, Serialize};

use crate::ids::Phone;
use crate::validation::{Checker, FieldError, Invalid, multiline, optional_text, text};

/// The bodies the standard lists in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// 社区党组织
    Party,
    /// 居民委员会
    ResidentsCommittee,
    /// 居务监督委员会
    SupervisionCommittee,
    /// 社区服务站
    ServiceStation,
    /// 社会组织
    SocialOrganisation,
    /// 业主委员会
    OwnersCommittee,
    /// 物业服务企业
    PropertyCompany,
    /// 驻区单位
    ResidentUnit,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 8] = [
        OrganisationKind::Party,
        OrganisationKind::ResidentsCommittee,
        OrganisationKind::SupervisionCommittee,
        OrganisationKind::ServiceStation,
        OrganisationKind::SocialOrganisation,
        OrganisationKind::OwnersCommittee,
        OrganisationKind::PropertyCompany,
        OrganisationKind::ResidentUnit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Party => "party",
            OrganisationKind::ResidentsCommittee => "residents_committee",
            OrganisationKind::SupervisionCommittee => "supervision_committee",
            OrganisationKind::ServiceStation => "service_station",
            OrganisationKind::SocialOrganisation => "social_organisation",
            OrganisationKind::OwnersCommittee => "owners_committee",
            OrganisationKind::PropertyCompany => "property_company",
            OrganisationKind::ResidentUnit => "resident_unit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A community profile as typed into a form or sent to the API: all text, checked here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    pub address: String,
    /// In square kilometres, e.g. "0.42"; empty when unknown.
    pub area_km2: String,
    pub service_hours: String,
    pub phone: String,
    pub email: String,
    pub introduction: String,
    /// Days between visits to vulnerable residents (7–365); empty for the default 30.
    pub visit_interval_days: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub address: String,
    pub area_km2: Option<f64>,
    pub service_hours: String,
    /// The office's public phone (not personal data).
    pub phone: String,
    pub email: String,
    pub introduction: String,
    pub visit_interval_days: u32,
}

impl ProfileInput {
    pub fn validate(&self) -> Result<Profile, Invalid> {
        let mut c = Checker::new();
        let address = c.take("address", optional_text(&self.address, 200));
        let area = self.area_km2.trim();
        let area_km2 = if area.is_empty() {
            None
        } else {
            match area.parse::<f64>() {
                Ok(a) if a > 0.0 && a <= 100.0 => Some(a),
                _ => {
                    c.push(FieldError::new("area_km2", "area_invalid").with("max", 100));
                    None
                }
            }
        };
        let service_hours = c.take("service_hours", optional_text(&self.service_hours, 200));
        let phone = if self.phone.trim().is_empty() {
            Some(String::new())
        } else {
            c.take("phone", Phone::parse(&self.phone).map(|p| p.as_str().to_owned()))
        };
        let email = self.email.trim();
        let email_ok = email.is_empty()
            || (email.len() <= 100
                && !email.contains(char::is_whitespace)
                && email.split_once('@').is_some_and(|(u, d)| !u.is_empty() && d.contains('.')));
        if !email_ok {
            c.push(FieldError::new("email", "email_invalid"));
        }
        let introduction = c.take("introduction", multiline(&self.introduction, 2000));
        let interval = match self.visit_interval_days.trim() {
            "" => crate::register::DEFAULT_VISIT_INTERVAL_DAYS,
            s => match s.parse::<u32>() {
                Ok(n) if (7..=365).contains(&n) => n,
                _ => {
                    c.push(FieldError::new("visit_interval_days", "visit_interval").with("min", 7).with("max", 365));
                    crate::register::DEFAULT_VISIT_INTERVAL_DAYS
                }
            },
        };
        c.finish()?;
        Ok(Profile {
            address: address.unwrap_or_default(),
            area_km2,
            service_hours: service_hours.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
            email: email.to_owned(),
            introduction: introduction.unwrap_or_default(),
            visit_interval_days: interval,
        })
    }
}

/// An organisation as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OrganisationInput {
    pub kind: String,
    pub name: String,
    pub responsibilities: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationFields {
    pub kind: OrganisationKind,
    pub name: String,
    pub responsibilities: String,
}

impl OrganisationInput {
    pub fn validate(&self) -> Result<OrganisationFields, Invalid> {
        let mut c = Checker::new();
        let kind = OrganisationKind::parse(self.kind.trim());
        if kind.is_none() {
            c.push(FieldError::new("kind", "organisation_kind"));
        }
        let name = c.take("name", text(&self.name, 100));
        let responsibilities = c.take("responsibilities", multiline(&self.responsibilities, 2000));
        c.finish()?;
        match (kind, name, responsibilities) {
            (Some(kind), Some(name), Some(responsibilities)) => Ok(OrganisationFields { kind, name, responsibilities }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

/// A person in an organisation, as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MemberInput {
    pub name: String,
    /// 职务, e.g. 书记, 主任, 委员.
    pub post: String,
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberFields {
    pub name: String,
    pub post: String,
    pub phone: Option<Phone>,
}

impl MemberInput {
    pub fn validate(&self) -> Result<MemberFields, Invalid> {
        let mut c = Checker::new();
        let name = c.take("name", text(&self.name, 40));
        let post = c.take("post", optional_text(&self.post, 40));
        let phone = if self.phone.trim().is_empty() {
            Some(None)
        } else {
            c.take("phone", Phone::parse(&self.phone).map(Some))
        };
        c.finish()?;
        match (name, post, phone) {
            (Some(name), Some(post), Some(phone)) => Ok(MemberFields { name, post, phone }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_fields_are_checked_together() {
        let ok = ProfileInput {
            address: " 福州市台江区江滨西大道 100 号 ".into(),
            area_km2: "0.42".into(),
            service_hours: "周一至周五 8:30–17:30".into(),
            phone: "0591-87654321".into(),
            email: "ronghua@example.cn".into(),
            introduction: "第一行\n第二行".into(),
            visit_interval_days: "".into(),
        }
        .validate()
        .expect("valid");
        assert_eq!((ok.address.as_str(), ok.area_km2), ("福州市台江区江滨西大道 100 号", Some(0.42)));
        let bad = ProfileInput {
            area_km2: "-1".into(),
            phone: "12345".into(),
            email: "a@b".into(),
            visit_interval_days: "3".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("area_km2", "area_invalid"),
                ("phone", "phone_format"),
                ("email", "email_invalid"),
                ("visit_interval_days", "visit_interval")
            ]
        );
        assert!(ProfileInput::default().validate().is_ok(), "everything is optional");
    }

    #[test]
    fn organisations_and_members_need_a_kind_and_a_name() {
        let e =
            OrganisationInput { kind: "club".into(), name: " ".into(), ..Default::default() }.validate().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, [("kind", "organisation_kind"), ("name", "required")]);
        let m = MemberInput { name: "林书记".into(), post: "书记".into(), phone: "138 0000 1111".into() }
            .validate()
            .expect("valid");
        assert_eq!(m.phone.map(|p| p.masked()), Some("138****1111".into()));
        let e = MemberInput { name: "".into(), phone: "x".into(), ..Default::default() }.validate().unwrap_err();
        assert_eq!(e.0.len(), 2);
    }
}
