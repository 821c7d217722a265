//! A resident as typed into a form or read from a spreadsheet row, and its validation: every
//! problem of the row is named at once, the way a community worker fixes a workbook.

use pinyin::ToPinyin;
use serde::Deserialize;
use time::Date;

use super::document::{DocumentKind, IdDocument};
use super::vocab::{Employment, Relation, ResidenceType, Tag, ethnicity};
use crate::calendar::parse_date;
use crate::ids::{Gender, Phone};
use crate::validation::{Checker, FieldError, Invalid, optional_text};

/// All text, exactly as given; `validate` turns it into [`ResidentFields`].
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResidentInput {
    pub name: String,
    /// 男 / 女 (or male / female); may be left out when the document says it.
    pub gender: String,
    /// 居民身份证 (default), 港澳台居民居住证, 外国人永久居留身份证, 护照.
    pub document_kind: String,
    pub document_number: String,
    /// `YYYY-MM-DD`; may be left out when the document says it.
    pub birth_date: String,
    pub ethnicity: String,
    pub phone: String,
    pub residence_type: String,
    pub relation: String,
    pub employment: String,
    /// Categories separated by 、 , ， ; or spaces: 独居老人、低保 …
    pub tags: String,
    pub disability_kind: String,
    /// 一级 … 四级 (or 1 … 4).
    pub disability_grade: String,
    /// The community's own tags, separated like `tags`.
    pub custom_tags: String,
    pub note: String,
}

impl std::fmt::Debug for ResidentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResidentInput")
            .field("name", &self.name)
            .field("document_number", &crate::ids::mask_id_number(&self.document_number))
            .field("phone", &crate::ids::mask_phone(&self.phone))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResidentFields {
    pub name: String,
    pub pinyin: String,
    pub initials: String,
    pub gender: Gender,
    pub document: IdDocument,
    pub birth_date: Date,
    pub ethnicity: Option<&'static str>,
    pub phone: Option<Phone>,
    pub residence_type: ResidenceType,
    pub relation: Relation,
    pub employment: Option<Employment>,
    pub tags: Vec<Tag>,
    /// 残疾类别 and grade 1–4, for residents tagged disabled.
    pub disability: Option<(&'static str, u8)>,
    pub custom_tags: Vec<String>,
    pub note: String,
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(['、', ',', '，', ';', '；', ' ', '\u{3000}']).map(str::trim).filter(|t| !t.is_empty())
}

fn parse_gender(s: &str) -> Option<Gender> {
    match s.trim() {
        "男" | "male" | "M" | "m" => Some(Gender::Male),
        "女" | "female" | "F" | "f" => Some(Gender::Female),
        _ => None,
    }
}

fn parse_grade(s: &str) -> Option<u8> {
    match s.trim().trim_end_matches('级') {
        "1" | "一" => Some(1),
        "2" | "二" => Some(2),
        "3" | "三" => Some(3),
        "4" | "四" => Some(4),
        _ => None,
    }
}

/// The name's pinyin without tones or spaces, and its initials (`wangfang`, `wf`). Polyphonic
/// characters take their most common reading; staff can correct a name's pinyin by hand.
pub fn pinyin_of(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c.to_ascii_lowercase());
                initials.push(c.to_ascii_lowercase());
            }
            None => {}
        }
    }
    (full, initials)
}

impl ResidentInput {
    pub fn validate(&self, today: Date) -> Result<ResidentFields, Invalid> {
        let mut c = Checker::new();
        let name = self.name.trim();
        let name_ok = !name.is_empty()
            && name.chars().count() <= 30
            && name.chars().all(|ch| ch.is_alphabetic() || matches!(ch, '·' | '•' | ' ' | '-' | '.'));
        if name.is_empty() {
            c.push(FieldError::new("name", "required"));
        } else if !name_ok {
            c.push(FieldError::new("name", "person_name"));
        }

        let kind = DocumentKind::parse(&self.document_kind);
        if kind.is_none() {
            c.push(FieldError::new("document_kind", "document_kind"));
        }
        let document = match (kind, self.document_number.trim()) {
            (_, "") => {
                c.push(FieldError::new("document_number", "required"));
                None
            }
            (Some(k), n) => c.take("document_number", IdDocument::parse(k, n, today)),
            (None, _) => None,
        };

        let stated_gender = self.gender.trim();
        let gender = match (stated_gender, document.as_ref().and_then(IdDocument::gender)) {
            ("", Some(g)) => Some(g),
            ("", None) if document.is_some() => {
                c.push(FieldError::new("gender", "required"));
                None
            }
            (s, derived) => match (parse_gender(s), derived) {
                (None, _) if !s.is_empty() => {
                    c.push(FieldError::new("gender", "gender"));
                    None
                }
                (Some(g), Some(d)) if g != d => {
                    c.push(FieldError::new("gender", "gender_mismatch"));
                    None
                }
                (g, d) => g.or(d),
            },
        };

        let stated_birth = self.birth_date.trim();
        let birth = match (stated_birth, document.as_ref().and_then(IdDocument::birth_date)) {
            ("", Some(d)) => Some(d),
            ("", None) => {
                if document.is_some() {
                    c.push(FieldError::new("birth_date", "required"));
                }
                None
            }
            (s, derived) => match parse_date(s) {
                None => {
                    c.push(FieldError::new("birth_date", "calendar_date"));
                    None
                }
                Some(b) if b > today || b.year() < 1900 => {
                    c.push(FieldError::new("birth_date", "birth_date_range"));
                    None
                }
                Some(b) if derived.is_some_and(|d| d != b) => {
                    c.push(FieldError::new("birth_date", "birth_date_mismatch"));
                    None
                }
                Some(b) => Some(b),
            },
        };

        let eth = match self.ethnicity.trim() {
            "" => None,
            s => {
                let e = ethnicity(s);
                if e.is_none() {
                    c.push(FieldError::new("ethnicity", "ethnicity").with("value", s));
                }
                e
            }
        };
        let phone = match self.phone.trim() {
            "" => Some(None),
            p => c.take("phone", Phone::parse(p).map(Some)),
        };
        let residence_type = ResidenceType::parse(&self.residence_type);
        if residence_type.is_none() {
            c.push(FieldError::new("residence_type", "residence_type"));
        }
        let relation = Relation::parse(&self.relation);
        if relation.is_none() {
            c.push(FieldError::new("relation", "relation"));
        }
        let employment = match self.employment.trim() {
            "" => None,
            s => {
                let e = Employment::parse(s);
                if e.is_none() {
                    c.push(FieldError::new("employment", "employment").with("value", s));
                }
                e
            }
        };

        let mut tags = Vec::new();
        for word in split_list(&self.tags) {
            match Tag::parse(word) {
                Some(t) if !tags.contains(&t) => tags.push(t),
                Some(_) => {}
                None => c.push(FieldError::new("tags", "tag_unknown").with("value", word)),
            }
        }
        let kind_text = self.disability_kind.trim().trim_end_matches("残疾");
        let grade_text = self.disability_grade.trim();
        let disability = if kind_text.is_empty() && grade_text.is_empty() {
            if tags.contains(&Tag::Disabled) {
                c.push(FieldError::new("disability_kind", "disability_details"));
            }
            None
        } else {
            let k = super::DISABILITY_KINDS.iter().copied().find(|k| *k == kind_text);
            let g = parse_grade(grade_text);
            if k.is_none() {
                c.push(FieldError::new("disability_kind", "disability_kind"));
            }
            if g.is_none() {
                c.push(FieldError::new("disability_grade", "disability_grade"));
            }
            if !tags.contains(&Tag::Disabled) {
                tags.push(Tag::Disabled);
            }
            k.zip(g)
        };
        let custom_tags: Vec<String> = split_list(&self.custom_tags).map(str::to_owned).collect();
        if custom_tags.len() > 5 || custom_tags.iter().any(|t| t.chars().count() > 10) {
            c.push(FieldError::new("custom_tags", "custom_tags").with("max", 5));
        }
        let note = c.take("note", optional_text(&self.note, 200));
        c.finish()?;

        match (document, gender, birth, phone, residence_type, relation, note) {
            (
                Some(document),
                Some(gender),
                Some(birth_date),
                Some(phone),
                Some(residence_type),
                Some(relation),
                Some(note),
            ) => {
                let (pinyin, initials) = pinyin_of(name);
                Ok(ResidentFields {
                    name: name.to_owned(),
                    pinyin,
                    initials,
                    gender,
                    document,
                    birth_date,
                    ethnicity: eth,
                    phone,
                    residence_type,
                    relation,
                    employment,
                    tags,
                    disability,
                    custom_tags,
                    note,
                })
            }
            _ => Err(Invalid::one("", "required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn li() -> ResidentInput {
        ResidentInput {
            name: "李秀英".into(),
            document_number: "350103195803121525".into(),
            residence_type: "户籍".into(),
            relation: "户主".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_id_card_gives_birth_date_and_gender() {
        let f = li().validate(TODAY).expect("valid");
        assert_eq!((f.gender, f.birth_date), (Gender::Female, date!(1958 - 03 - 12)));
        assert_eq!((f.pinyin.as_str(), f.initials.as_str()), ("lixiuying", "lxy"));
        let stated = ResidentInput { gender: "男".into(), birth_date: "1958-03-13".into(), ..li() };
        let codes: Vec<_> = stated.validate(TODAY).unwrap_err().0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["gender_mismatch", "birth_date_mismatch"]);
    }

    #[test]
    fn every_problem_of_a_row_is_named() {
        let bad = ResidentInput {
            name: "王芳3".into(),
            document_number: "350103195803121526".into(),
            ethnicity: "火星".into(),
            phone: "123".into(),
            residence_type: "本地".into(),
            relation: "朋友".into(),
            tags: "独居老人、飞行员".into(),
            ..Default::default()
        };
        let fields: Vec<_> = bad.validate(TODAY).unwrap_err().0.iter().map(|e| (e.field.clone(), e.code)).collect();
        let want = [
            ("name", "person_name"),
            ("document_number", "id_number_checksum"),
            ("ethnicity", "ethnicity"),
            ("phone", "phone_format"),
            ("residence_type", "residence_type"),
            ("relation", "relation"),
            ("tags", "tag_unknown"),
        ];
        assert_eq!(fields, want.map(|(a, b)| (a.to_owned(), b)));
    }

    #[test]
    fn passports_need_birth_date_and_gender_and_disability_needs_details() {
        let p = ResidentInput { document_kind: "护照".into(), document_number: "E12345678".into(), ..li() };
        let codes: Vec<_> = p.validate(TODAY).unwrap_err().0.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "required"]);
        let ok = ResidentInput { gender: "女".into(), birth_date: "1990-05-06".into(), ..p };
        assert!(ok.validate(TODAY).is_ok());
        let d = ResidentInput { tags: "残疾人".into(), ..li() };
        assert_eq!(d.validate(TODAY).unwrap_err().0[0].code, "disability_details");
        let d = ResidentInput { disability_kind: "肢体残疾".into(), disability_grade: "二级".into(), ..li() };
        let f = d.validate(TODAY).expect("valid");
        assert_eq!((f.disability, f.tags), (Some(("肢体", 2)), vec![Tag::Disabled]));
    }

    #[test]
    fn pinyin_handles_mixed_names() {
        assert_eq!(pinyin_of("欧阳娜娜"), ("ouyangnana".into(), "oynn".into()));
        assert_eq!(pinyin_of("阿依·买买提"), ("ayimaimaiti".into(), "aymmt".into()));
        assert_eq!(pinyin_of("Tom李"), ("tomli".into(), "toml".into()));
    }
}
