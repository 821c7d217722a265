//! The generator's random numbers: splitmix64 from the `--seed`, so two runs with the same seed
//! make the same data. Each community gets its own stream, so a community's data does not
//! depend on how many communities came before it.

use uuid::Uuid;

pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for `part` (a community's ordinal, a purpose tag …).
    pub fn fork(&self, part: u64) -> Rng {
        let mut r = Rng(self.0 ^ part.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        r.next();
        Rng(r.next())
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 { 0 } else { (self.next() % bound as u64) as usize }
    }

    /// `lo` ≤ n ≤ `hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as usize) as i64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut n = self.below(total as usize) as u32;
        for (item, w) in items {
            if n < *w {
                return *item;
            }
            n -= w;
        }
        items[0].0
    }

    /// A version-7 id stamped with `at` (so ids sort by time like the app's) whose random part
    /// comes from this stream.
    pub fn uuid_at(&mut self, at: time::OffsetDateTime) -> Uuid {
        let millis = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&self.next().to_le_bytes());
        random[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}
