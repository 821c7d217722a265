//! Rating codes for generated completion notices. The app draws them at random (49 bits);
//! ten million random codes would collide, so the generator derives each from the community
//! and the request's index through a bijection: unique by construction, random to the eye.

const ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const MASK: u64 = (1 << 48) - 1;

/// Ten characters of the app's alphabet for request `n` (< 2^24) of community `ordinal` (< 2^24).
pub(crate) fn rating_code(ordinal: u64, n: u64) -> String {
    let mut x = ((ordinal & 0xFF_FFFF) << 24) | (n & 0xFF_FFFF);
    // xorshift and odd multiplication are both invertible modulo 2^48.
    for _ in 0..3 {
        x ^= x >> 17;
        x = x.wrapping_mul(0x5DEE_CE66_D1CB) & MASK;
    }
    let mut out = [0u8; 10];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[(x % 30) as usize];
        x /= 30;
    }
    out.iter().map(|b| *b as char).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_distinct_and_typeable() {
        let mut seen = std::collections::HashSet::new();
        for c in 0..40 {
            for n in 0..2_000 {
                let code = super::rating_code(c, n);
                assert_eq!(code.len(), 10);
                assert!(seen.insert(code), "duplicate code for {c}/{n}");
            }
        }
    }
}
