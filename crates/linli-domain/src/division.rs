//! 统计用区划代码: the 12-digit code that keys every node of the administrative tree.
//!
//! Layout: 2 province · 2 city · 2 district (together the GB/T 2260 county code) · 3 street ·
//! 3 community. A node's level is where its code stops being zeros, so the parent of any code
//! is found by zeroing its last non-zero segment.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// The five levels of the administrative tree, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    District,
    Street,
    Community,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::Province, Level::City, Level::District, Level::Street, Level::Community];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Digits of the code that are significant at this level.
    fn significant(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::District => 6,
            Level::Street => 9,
            Level::Community => 12,
        }
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::Province => Some(Level::City),
            Level::City => Some(Level::District),
            Level::District => Some(Level::Street),
            Level::Street => Some(Level::Community),
            Level::Community => None,
        }
    }
}

/// Province prefixes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// A validated 12-digit division code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode([u8; 12]);

impl DivisionCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::one("", "division_code_format"));
        }
        let mut digits = [0u8; 12];
        digits.copy_from_slice(s.as_bytes());
        let code = Self(digits);
        let province = (digits[0] - b'0') * 10 + (digits[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(Invalid::one("", "division_code_province"));
        }
        // A zero segment followed by a non-zero one (e.g. 350000001000) names no node.
        let segments = code.segments();
        if let Some(first_zero) = segments.iter().position(|s| s.bytes().all(|b| b == b'0'))
            && segments[first_zero..].iter().any(|s| s.bytes().any(|b| b != b'0'))
        {
            return Err(Invalid::one("", "division_code_gap"));
        }
        Ok(code)
    }

    fn segments(&self) -> [&str; 5] {
        let s = self.as_str();
        [&s[0..2], &s[2..4], &s[4..6], &s[6..9], &s[9..12]]
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored, so this cannot fail.
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }

    pub fn level(&self) -> Level {
        let s = self.as_str();
        Level::ALL.into_iter().find(|l| s[l.significant()..].bytes().all(|b| b == b'0')).unwrap_or(Level::Community)
    }

    /// The node directly above, or `None` for a province.
    pub fn parent(&self) -> Option<DivisionCode> {
        let up = match self.level() {
            Level::Province => return None,
            Level::City => Level::Province,
            Level::District => Level::City,
            Level::Street => Level::District,
            Level::Community => Level::Street,
        };
        let mut d = self.0;
        d[up.significant()..].fill(b'0');
        Some(DivisionCode(d))
    }

    /// The 6-digit GB/T 2260 county code (for a province or city: its prefix padded with zeros).
    pub fn county_code(&self) -> &str {
        &self.as_str()[..6]
    }

    /// Whether `other` is this node or lies anywhere below it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        let n = self.level().significant();
        self.0[..n] == other.0[..n]
    }

    /// The prefix every code in this subtree starts with, for `LIKE 'prefix%'` scoping.
    pub fn subtree_prefix(&self) -> &str {
        &self.as_str()[..self.level().significant()]
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DivisionCode {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        Self::parse(s)
    }
}

impl Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DivisionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(|_| serde::de::Error::custom(format!("invalid division code: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect(s)
    }

    #[test]
    fn levels_follow_the_zero_segments() {
        assert_eq!(code("350000000000").level(), Level::Province);
        assert_eq!(code("350100000000").level(), Level::City);
        assert_eq!(code("350103000000").level(), Level::District);
        assert_eq!(code("350103001000").level(), Level::Street);
        assert_eq!(code("350103001001").level(), Level::Community);
    }

    #[test]
    fn parents_walk_up_to_the_province() {
        let mut c = Some(code("350103001001"));
        let mut seen = vec![];
        while let Some(x) = c {
            seen.push(x.to_string());
            c = x.parent();
        }
        assert_eq!(seen, ["350103001001", "350103001000", "350103000000", "350100000000", "350000000000"]);
    }

    #[test]
    fn containment_is_by_subtree_not_by_sibling() {
        let street = code("350103001000");
        assert!(street.contains(&code("350103001002")));
        assert!(street.contains(&street));
        assert!(!street.contains(&code("350103002001")));
        assert!(!code("350103001001").contains(&code("350103001002")));
        assert_eq!(street.subtree_prefix(), "350103001");
        assert_eq!(code("350103001001").county_code(), "350103");
    }

    #[test]
    fn rejects_bad_codes_with_a_reason() {
        let reason = |s: &str| DivisionCode::parse(s).unwrap_err().0[0].code;
        assert_eq!(reason("35010300100"), "division_code_format");
        assert_eq!(reason("3501030010011"), "division_code_format");
        assert_eq!(reason("35010300100a"), "division_code_format");
        assert_eq!(reason("３５０１０３００１００１"), "division_code_format");
        assert_eq!(reason("990103001001"), "division_code_province");
        assert_eq!(reason("350000001000"), "division_code_gap");
        assert_eq!(reason("350100000001"), "division_code_gap");
    }
}
