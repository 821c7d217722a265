//! Passwords: the strength rule (等保 2.0 practice) and argon2id hashing.
//!
//! Hashing is CPU-bound (~20–50 ms by design); callers on an async runtime run it on a
//! blocking thread.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::validation::{FieldError, Invalid};

pub const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 128;

/// Passwords that pass the character-class rule but are first on every attacker's list.
const COMMON: [&str; 8] =
    ["Passw0rd!", "P@ssw0rd", "Aa123456", "Abc12345", "Qwer1234", "Admin123", "Admin@123", "Abcd@1234"];

/// Checks a new password: at least 8 characters from at least 3 of the 4 classes
/// (upper case, lower case, digits, symbols), not the username, not a well-known one.
pub fn check_strength(password: &str, username: &str) -> Result<(), Invalid> {
    let err = |code| Err(Invalid(vec![FieldError::new("password", code).with("min", MIN_LENGTH)]));
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return err("password_too_short");
    }
    if len > MAX_LENGTH {
        return err("password_too_long");
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return err("password_too_simple");
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return err("password_contains_username");
    }
    if COMMON.iter().any(|c| c.eq_ignore_ascii_case(password)) {
        return err("password_common");
    }
    Ok(())
}

/// An argon2id PHC string for storage.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(Argon2::default().hash_password(password.as_bytes())?.to_string())
}

/// Whether `password` matches a stored PHC string; a malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A random initial password that passes [`check_strength`]: 16 characters with every class.
/// The account must change it at first sign-in.
pub fn generate_initial() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("operating system random source failed: {e}");
    }
    let body: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    // Readable characters only (no 0/O, 1/l/I), and one of each class guaranteed.
    format!("Lx{body}#7")
}

/// A hash of a random password, for spending the same time on unknown usernames as on known
/// ones (so response time does not tell an attacker which usernames exist).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy-Password-1").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_rules_name_the_problem() {
        let code = |p: &str| check_strength(p, "wangfang").err().map(|e| e.0[0].code);
        assert_eq!(code("Ab1!"), Some("password_too_short"));
        assert_eq!(code("abcdefgh"), Some("password_too_simple"));
        assert_eq!(code("abcdefg1"), Some("password_too_simple"));
        assert_eq!(code("Wangfang#2026"), Some("password_contains_username"));
        assert_eq!(code("admin@123"), Some("password_common"));
        assert_eq!(code(&"Aa1!".repeat(40)), Some("password_too_long"));
        assert_eq!(code("Linli@2026"), None);
        assert_eq!(code("社区服务中心abc1"), None, "CJK characters count as symbols");
    }

    #[test]
    fn generated_initial_passwords_are_strong_and_distinct() {
        let a = generate_initial();
        assert_eq!(a.len(), 16);
        assert!(check_strength(&a, "anyone").is_ok());
        assert_ne!(a, generate_initial());
    }

    #[test]
    fn hash_is_argon2id_and_verifies_only_the_right_password() {
        let h = hash("Linli@2026").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Linli@2026", &h));
        assert!(!verify("linli@2026", &h));
        assert!(!verify("Linli@2026", "not a hash"));
        assert_ne!(hash("Linli@2026").expect("hash"), h, "salted");
    }
}
