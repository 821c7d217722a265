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
    }
}
