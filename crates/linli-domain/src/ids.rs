//! Personal identifiers: the citizen ID number (GB 11643) and phone numbers, with the masking
//! rule used on screen and in exports (GB/T 35273: show no more than the work needs).

use std::fmt;

use serde::Serialize;
use time::{Date, Month};

use crate::validation::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

/// An 18-character 居民身份证号码 whose check digit, birth date and region prefix are valid.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// Region prefixes: the GB/T 2260 provinces, plus 83 (Taiwan residents' residence permits).
const REGIONS: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    /// Parses an ID number; `today` bounds the birth date (no one is born tomorrow).
    pub fn parse(s: &str, today: Date) -> Result<Self, Invalid> {
        let v = s.trim().to_ascii_uppercase();
        let b = v.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(Invalid::one("", "id_number_format"));
        }
        let region = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !REGIONS.contains(&region) {
            return Err(Invalid::one("", "id_number_region"));
        }
        let birth = birth_date(b).ok_or_else(|| Invalid::one("", "id_number_birth_date"))?;
        if birth > today || birth.year() < 1900 {
            return Err(Invalid::one("", "id_number_birth_date"));
        }
        if check_char(&b[..17]) != b[17] {
            return Err(Invalid::one("", "id_number_checksum"));
        }
        Ok(IdNumber(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Date {
        birth_date(self.0.as_bytes()).unwrap_or(Date::MIN)
    }

    /// The 17th digit: odd for men, even for women.
    pub fn gender(&self) -> Gender {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// The 6-digit region code of the issuing place.
    pub fn region(&self) -> &str {
        &self.0[..6]
    }

    /// `350102********1234`: region and last four kept, birth date and sequence hidden.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

fn birth_date(b: &[u8]) -> Option<Date> {
    let num = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok()?.parse::<u32>().ok();
    let year = i32::try_from(num(6..10)?).ok()?;
    let month = Month::try_from(u8::try_from(num(10..12)?).ok()?).ok()?;
    let day = u8::try_from(num(12..14)?).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Masks any ID-like text the same way, even a malformed one (for exports of stored data).
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let keep_end = 4;
    let keep_start = 6.min(chars.len() - keep_end);
    let middle = chars.len() - keep_start - keep_end;
    chars[..keep_start].iter().collect::<String>()
        + &"*".repeat(middle)
        + &chars[chars.len() - keep_end..].iter().collect::<String>()
}

impl fmt::Debug for IdNumber {
    // Never print a whole ID number into logs by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// A mainland mobile (`13812345678`) or landline (`0591-87654321`) number, normalised:
/// spaces and a leading +86 removed, landlines written with one hyphen after the area code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let compact: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let digits = compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).unwrap_or(&compact);
        if digits.is_empty() {
            return Err(Invalid::one("", "required"));
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::one("", "phone_format"));
        }
        let b = digits.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(Phone(digits.to_owned()));
        }
        if b[0] == b'0' && (10..=12).contains(&b.len()) {
            // Area codes are 3 digits (010, 02x) or 4 digits (0591 …).
            let area = if b[1] == b'1' || b[1] == b'2' { 3 } else { 4 };
            let rest = b.len() - area;
            if (7..=8).contains(&rest) {
                return Ok(Phone(format!("{}-{}", &digits[..area], &digits[area..])));
            }
        }
        Err(Invalid::one("", "phone_format"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// `138****5678`, `0591-****4321`.
pub fn mask_phone(s: &str) -> String {
    if let Some((area, number)) = s.split_once('-') {
        let n = number.chars().count();
        let keep: String = number.chars().skip(n.saturating_sub(4)).collect();
        return format!("{area}-{}{keep}", "*".repeat(n.saturating_sub(4)));
    }
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let end: String = chars[chars.len() - 4..].iter().collect();
    let start: String = chars[..3].iter().collect();
    format!("{start}{}{end}", "*".repeat(chars.len() - 7))
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 29);

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17.as_bytes()) as char)
    }

    #[test]
    fn a_valid_number_yields_birth_date_gender_and_mask() {
        let id = IdNumber::parse(&with_check("35010219800101123"), TODAY).expect("valid");
        assert_eq!(id.birth_date(), date!(1980 - 01 - 01));
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.region(), "350102");
        assert_eq!(id.masked().len(), 18);
        assert!(id.masked().starts_with("350102********"));
        assert!(!format!("{id:?}").contains("19800101"), "Debug output is masked");
        let female = IdNumber::parse(&with_check("35010219900228124"), TODAY).expect("valid");
        assert_eq!(female.gender(), Gender::Female);
    }

    #[test]
    fn lowercase_x_is_accepted_and_normalised() {
        // 11010519491231002X is the standard's own example.
        let id = IdNumber::parse("11010519491231002x", TODAY).expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn every_kind_of_bad_number_is_named() {
        let code = |s: &str| IdNumber::parse(s, TODAY).unwrap_err().0[0].code;
        assert_eq!(code("3501021980010112"), "id_number_format");
        assert_eq!(code("35010219800101123Y"), "id_number_format");
        assert_eq!(code("３５０１０２１９８００１０１１２３４"), "id_number_format");
        assert_eq!(code("三五〇一〇二一九八〇〇一〇一一二三四"), "id_number_format");
        assert_eq!(code(&with_check("99010219800101123")), "id_number_region");
        assert_eq!(code(&with_check("35010219800230123")), "id_number_birth_date");
        assert_eq!(code(&with_check("35010218991231123")), "id_number_birth_date");
        assert_eq!(code(&with_check("35010220261130123")), "id_number_birth_date", "born tomorrow");
        let good = with_check("35010219800101123");
        let last = if good.ends_with('0') { '1' } else { '0' };
        assert_eq!(code(&format!("{}{last}", &good[..17])), "id_number_checksum");
    }

    #[test]
    fn phones_normalise_mask_and_reject() {
        assert_eq!(Phone::parse("+86 138 1234 5678").map(|p| p.as_str().to_owned()), Ok("13812345678".into()));
        assert_eq!(Phone::parse("0591-87654321").map(|p| p.as_str().to_owned()), Ok("0591-87654321".into()));
        assert_eq!(Phone::parse("01087654321").map(|p| p.as_str().to_owned()), Ok("010-87654321".into()));
        assert_eq!(Phone::parse("13812345678").map(|p| p.masked()), Ok("138****5678".into()));
        assert_eq!(Phone::parse("0591-87654321").map(|p| p.masked()), Ok("0591-****4321".into()));
        for bad in ["12812345678", "1381234567", "138123456789", "abc", "0591-123", "110"] {
            assert_eq!(Phone::parse(bad).unwrap_err().0[0].code, "phone_format", "{bad}");
        }
        assert_eq!(Phone::parse("  ").unwrap_err().0[0].code, "required");
    }

    proptest! {
        #[test]
        fn generated_numbers_validate_and_any_single_digit_change_is_caught(
            region in prop::sample::select(vec!["350102", "350103", "110105", "440305", "810000"]),
            days in 0i64..40_000,
            seq in 0u32..1000,
            pos in 0usize..17,
            delta in 1u8..10,
        ) {
            let birth = date!(1910 - 01 - 01) + time::Duration::days(days);
            let first17 = format!("{region}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
            let id = with_check(&first17);
            let parsed = IdNumber::parse(&id, TODAY);
            prop_assert!(parsed.is_ok(), "{id}");
            prop_assert_eq!(parsed.map(|p| p.birth_date()), Ok(birth));
            let mut bytes = id.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(IdNumber::parse(&changed, TODAY).is_err(), "{changed} should fail");
        }
    }
}
