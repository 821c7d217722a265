//! The message catalogue: every word a page or an error shows, in Chinese and English.
//!
//! Strings live in `messages/zh.toml` and `messages/en.toml` (nested tables, looked up by
//! dotted key such as `nav.home`), not in templates or handlers. Chinese is the default and
//! the fallback; a key missing from both shows as itself and is caught by the tests.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The value of `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The short code used in the preference cookie and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header (for API clients).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').find_map(|part| {
            let tag = part.split(';').next()?.trim();
            let primary = tag.split('-').next()?;
            Lang::parse(primary)
        })
    }
}

type Messages = HashMap<String, String>;

struct Catalog {
    zh: Messages,
    en: Messages,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    zh: flatten(include_str!("../messages/zh.toml")),
    en: flatten(include_str!("../messages/en.toml")),
});

fn flatten(text: &str) -> Messages {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Messages) {
        for (k, v) in table {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                toml::Value::Table(t) => walk(&key, t, out),
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                other => {
                    out.insert(key, other.to_string());
                }
            }
        }
    }
    let mut out = Messages::new();
    // The catalogues are compiled in and parsed by a test, so a syntax error never ships.
    if let Ok(table) = text.parse::<toml::Table>() {
        walk("", &table, &mut out);
    }
    out
}

/// The message for `key` in `lang` (Chinese when the English one is missing).
pub fn t(lang: Lang, key: &str) -> &'static str {
    let cat: &'static Catalog = &CATALOG;
    let primary = match lang {
        Lang::Zh => &cat.zh,
        Lang::En => &cat.en,
    };
    if let Some(s) = primary.get(key).or_else(|| cat.zh.get(key)) {
        return s.as_str();
    }
    tracing::warn!(key, "message key missing from the catalogue");
    "⟨?⟩"
}

/// The message for `key` with `{name}` placeholders filled in.
pub fn tf(lang: Lang, key: &str, params: &[(&str, String)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (name, value) in params {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// China Standard Time (UTC+8, no daylight saving): times are stored in UTC and shown here.
pub const CST: time::UtcOffset = match time::UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => time::UtcOffset::UTC,
};

/// A stored time as people in China read it: `2026-02-12 09:30`.
pub fn local_time(t: time::OffsetDateTime) -> String {
    let l = t.to_offset(CST);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", l.year(), u8::from(l.month()), l.day(), l.hour(), l.minute())
}

/// Today's date in China.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().to_offset(CST).date()
}

/// Whether the catalogue has `key` (for the tests and for optional messages).
pub fn has(key: &str) -> bool {
    CATALOG.zh.contains_key(key)
}

#[cfg(test)]
pub(crate) fn keys(lang: Lang) -> Vec<String> {
    let cat = &*CATALOG;
    let m = match lang {
        Lang::Zh => &cat.zh,
        Lang::En => &cat.en,
    };
    let mut k: Vec<String> = m.keys().cloned().collect();
    k.sort();
    k
}

#[cfg(test)]
mod tests;
