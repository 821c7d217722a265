//! Random tokens and their stored hashes (sessions now, API tokens with the identity issue).

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// 32 random bytes from the OS, URL-safe base64: 43 characters, 256 bits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is unrecoverable for a server that issues secrets.
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("operating system random source failed: {e}");
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A code people type from paper: ten characters from 30 that cannot be mistaken for each
/// other (no 0/O, 1/I/L, U), about 49 bits.
pub fn short_code() -> String {
    const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut out = String::with_capacity(10);
    while out.len() < 10 {
        let mut bytes = [0u8; 16];
        if let Err(e) = getrandom::fill(&mut bytes) {
            panic!("operating system random source failed: {e}");
        }
        // 240 = 8 × 30: bytes above it would favour the first characters.
        for b in bytes.iter().filter(|b| **b < 240) {
            if out.len() < 10 {
                out.push(ALPHABET[usize::from(b % 30)] as char);
            }
        }
    }
    out
}

/// What is stored in place of a high-entropy token: its SHA-256. (Passwords, being guessable,
/// get argon2id instead.)
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_hash_stably() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        let c = short_code();
        assert_eq!(c.len(), 10);
        assert!(
            c.chars().all(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase()) && !c.contains(['0', 'O', '1', 'I'])
        );
    }
}
