//! The catalogue is complete: both languages have the same keys, and every key or error code
//! the code can ask for exists.

use std::path::Path;

use linli_domain::calendar::DayKind;
use linli_domain::{Level, Role};

use super::*;

fn read_tree(dir: &Path, ext: &str, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            read_tree(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
}

fn sources(ext: &str, dirs: &[&str]) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for d in dirs {
        read_tree(&root.join(d), ext, &mut out);
    }
    out
}

/// String literals in `text` (no escapes needed for our keys).
fn literals(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

#[test]
fn both_languages_have_the_same_keys() {
    let zh = keys(Lang::Zh);
    let en = keys(Lang::En);
    assert!(zh.len() > 50, "catalogue failed to parse: {} keys", zh.len());
    let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
    let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
    assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh: {only_zh:?}; only in en: {only_en:?}");
}

#[test]
fn every_key_used_in_templates_and_code_exists() {
    let sections: std::collections::BTreeSet<String> =
        keys(Lang::Zh).iter().filter_map(|k| k.split('.').next().map(str::to_owned)).collect();
    let mut files = sources("html", &["templates"]);
    files.extend(sources("rs", &["src"]));
    let mut missing = Vec::new();
    for (path, text) in &files {
        for lit in literals(text) {
            let Some((section, rest)) = lit.split_once('.') else {
                continue;
            };
            let looks_like_key = !rest.is_empty()
                && lit.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
            let is_file = [".html", ".css", ".js", ".svg", ".png"].iter().any(|ext| lit.ends_with(ext));
            if looks_like_key && !is_file && sections.contains(section) && !has(lit) && !lit.ends_with('.') {
                missing.push(format!("{path}: {lit}"));
            }
        }
    }
    assert!(missing.is_empty(), "keys missing from messages/zh.toml:\n{}", missing.join("\n"));
}

#[test]
fn every_role_level_and_day_kind_has_a_name() {
    for r in Role::ALL {
        assert!(has(&format!("role.{}", r.as_str())), "role.{r}");
    }
    for l in Level::ALL {
        assert!(has(&format!("level.{}", l.as_str())), "level.{}", l.as_str());
    }
    for k in [DayKind::Holiday, DayKind::Workday] {
        assert!(has(&format!("calendar.kind.{}", k.as_str())));
    }
}

/// Error codes are the second argument of `Invalid::one` / `FieldError::new`, or the literal
/// in `Err("…")`, `err("…")`, `ok_or("…")` and `code: "…"`.
fn error_codes(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for marker in ["Invalid::one(", "FieldError::new("] {
        for part in text.split(marker).skip(1) {
            if let Some(second) = literals(part.split(')').next().unwrap_or("")).get(1) {
                codes.push((*second).to_owned());
            }
        }
    }
    for marker in ["Err(\"", "err(\"", "ok_or(\"", "code: \""] {
        for part in text.split(marker).skip(1) {
            if let Some(lit) = part.split('"').next() {
                codes.push(lit.to_owned());
            }
        }
    }
    codes.retain(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
    codes
}

#[test]
fn every_validation_error_code_has_a_message() {
    let files = sources("rs", &["../linli-domain/src", "../linli-store/src", "src"]);
    let mut missing = Vec::new();
    let mut seen = 0;
    for (path, text) in &files {
        for code in error_codes(text) {
            seen += 1;
            if !has(&format!("error.{code}")) {
                missing.push(format!("{path}: error.{code}"));
            }
        }
    }
    assert!(seen > 20, "the scan found too few codes ({seen}); has the code style changed?");
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "error codes without a message:\n{}", missing.join("\n"));
}

#[test]
fn placeholders_are_filled_and_accept_language_is_read() {
    assert_eq!(tf(Lang::Zh, "error.too_long", &[("max", "40".into())]), "不能超过 40 个字");
    assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Some(Lang::En));
    assert_eq!(Lang::from_accept_language("fr-FR, zh-CN;q=0.5"), Some(Lang::Zh));
    assert_eq!(Lang::from_accept_language("fr"), None);
}
