//! Identity documents: the 居民身份证 and the documents of people without one.

use serde::Serialize;
use time::Date;

use crate::ids::{Gender, IdNumber, check_char};
use crate::validation::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 居民身份证
    IdCard,
    /// 港澳台居民居住证 (numbers begin 81, 82 or 83)
    ResidencePermit,
    /// 外国人永久居留身份证
    ForeignPermanent,
    /// 护照
    Passport,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] =
        [DocumentKind::IdCard, DocumentKind::ResidencePermit, DocumentKind::ForeignPermanent, DocumentKind::Passport];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::IdCard => "id_card",
            DocumentKind::ResidencePermit => "residence_permit",
            DocumentKind::ForeignPermanent => "foreign_permanent",
            DocumentKind::Passport => "passport",
        }
    }

    /// Codes, and the Chinese names people write in spreadsheets.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "id_card" | "居民身份证" | "身份证" => Some(DocumentKind::IdCard),
            "residence_permit" | "港澳台居民居住证" | "居住证" => Some(DocumentKind::ResidencePermit),
            "foreign_permanent" | "外国人永久居留身份证" | "永居证" => {
                Some(DocumentKind::ForeignPermanent)
            }
            "passport" | "护照" => Some(DocumentKind::Passport),
            _ => None,
        }
    }
}

/// A validated document number. For the 18-character kinds the birth date and gender are
/// read from the number itself.
#[derive(Clone, PartialEq, Eq)]
pub struct IdDocument {
    pub kind: DocumentKind,
    number: String,
    birth: Option<Date>,
    gender: Option<Gender>,
}

impl std::fmt::Debug for IdDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdDocument({:?}, {})", self.kind, crate::ids::mask_id_number(&self.number))
    }
}

impl IdDocument {
    pub fn parse(kind: DocumentKind, number: &str, today: Date) -> Result<Self, Invalid> {
        let n = number.trim().to_ascii_uppercase();
        match kind {
            DocumentKind::IdCard => {
                let id = IdNumber::parse(&n, today)?;
                if matches!(&id.as_str()[..2], "81" | "82" | "83") {
                    return Err(Invalid::one("", "id_number_is_permit"));
                }
                Ok(Self::from_id(kind, &id))
            }
            DocumentKind::ResidencePermit => {
                let id = IdNumber::parse(&n, today)?;
                if !matches!(&id.as_str()[..2], "81" | "82" | "83") {
                    return Err(Invalid::one("", "permit_prefix"));
                }
                Ok(Self::from_id(kind, &id))
            }
            DocumentKind::ForeignPermanent => {
                let b = n.as_bytes();
                // The 2023 card: 18 characters beginning with 9, with the ID card's check digit.
                if b.len() == 18 && b[0] == b'9' && b[..17].iter().all(u8::is_ascii_digit) {
                    if check_char(&b[..17]) != b[17] {
                        return Err(Invalid::one("", "id_number_checksum"));
                    }
                    return Ok(IdDocument { kind, number: n, birth: None, gender: None });
                }
                // The 2004 card: three letters (the country) and twelve digits.
                if b.len() == 15 && b[..3].iter().all(u8::is_ascii_uppercase) && b[3..].iter().all(u8::is_ascii_digit) {
                    return Ok(IdDocument { kind, number: n, birth: None, gender: None });
                }
                Err(Invalid::one("", "foreign_permanent_format"))
            }
            DocumentKind::Passport => {
                if (5..=20).contains(&n.len()) && n.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
                    Ok(IdDocument { kind, number: n, birth: None, gender: None })
                } else {
                    Err(Invalid::one("", "passport_format"))
                }
            }
        }
    }

    fn from_id(kind: DocumentKind, id: &IdNumber) -> Self {
        IdDocument { kind, number: id.as_str().to_owned(), birth: Some(id.birth_date()), gender: Some(id.gender()) }
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    /// What the blind index and duplicate checks use: kind and number together.
    pub fn lookup_key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.number)
    }

    pub fn birth_date(&self) -> Option<Date> {
        self.birth
    }

    pub fn gender(&self) -> Option<Gender> {
        self.gender
    }

    pub fn masked(&self) -> String {
        crate::ids::mask_id_number(&self.number)
    }

    /// The last four characters, kept in clear for searching ("the last digits of the ID").
    pub fn tail(&self) -> String {
        let n = self.number.len();
        self.number[n.saturating_sub(4)..].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn each_kind_has_its_own_rule() {
        let card = IdDocument::parse(DocumentKind::IdCard, "11010519491231002x", TODAY).expect("card");
        assert_eq!((card.birth_date(), card.gender()), (Some(date!(1949 - 12 - 31)), Some(Gender::Female)));
        assert_eq!(card.tail(), "002X");
        let code = |k, s: &str| IdDocument::parse(k, s, TODAY).unwrap_err().0[0].code;
        let permit = format!("81000019900101100{}", check_char(b"81000019900101100") as char);
        assert!(IdDocument::parse(DocumentKind::ResidencePermit, &permit, TODAY).is_ok());
        assert_eq!(code(DocumentKind::IdCard, &permit), "id_number_is_permit");
        assert_eq!(code(DocumentKind::ResidencePermit, "11010519491231002X"), "permit_prefix");
        let foreign = format!("93384019900101001{}", check_char(b"93384019900101001") as char);
        assert!(IdDocument::parse(DocumentKind::ForeignPermanent, &foreign, TODAY).is_ok());
        assert!(IdDocument::parse(DocumentKind::ForeignPermanent, "USA350102000001", TODAY).is_ok());
        assert_eq!(code(DocumentKind::ForeignPermanent, "USA35010200000"), "foreign_permanent_format");
        assert!(IdDocument::parse(DocumentKind::Passport, "e12345678", TODAY).is_ok());
        assert_eq!(code(DocumentKind::Passport, "护照123"), "passport_format");
        assert_eq!(DocumentKind::parse("身份证"), Some(DocumentKind::IdCard));
        assert_eq!(DocumentKind::parse(""), Some(DocumentKind::IdCard), "an empty kind column means the ID card");
    }
}
