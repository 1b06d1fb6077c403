//! The simulator's randomness: seeded ChaCha streams and small helpers that draw from them.
//!
//! Every stream shares the key derived from the seed and differs only in its stream number,
//! so what one customer draws never depends on how many draws another customer made. Only
//! integer draws are used: nothing here depends on floating-point behaviour.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator every part of the simulator draws from.
pub type SimRng = ChaCha8Rng;

/// Which part of a customer's story a stream feeds.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    Profile = 0,
    Usage = 1,
    Billing = 2,
}

/// The stream of the book as a whole: labels, flags and the partner's identity.
pub fn book_rng(seed: u64) -> SimRng {
    SimRng::seed_from_u64(seed)
}

/// The stream of one part of one customer's story.
pub fn customer_rng(seed: u64, customer_idx: usize, part: Part) -> SimRng {
    let mut rng = SimRng::seed_from_u64(seed);
    rng.set_stream(((customer_idx as u64 + 1) << 2) | part as u64);
    rng
}

/// A fixed stream independent of the seed, for catalogue constants such as meter ids.
pub fn catalogue_rng(stream: u64) -> SimRng {
    let mut rng = SimRng::seed_from_u64(0x7011_6A7E_CA7A_1065);
    rng.set_stream(stream);
    rng
}

/// A whole number in `low..=high`.
pub fn between(rng: &mut SimRng, low: i64, high: i64) -> i64 {
    if high <= low {
        return low;
    }
    rng.random_range(low..=high)
}

/// True with a probability of `per_mille` in a thousand.
pub fn chance(rng: &mut SimRng, per_mille: u32) -> bool {
    rng.random_range(0..1000u32) < per_mille
}

/// One item of a non-empty slice, uniformly.
pub fn pick<'a, T>(rng: &mut SimRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// One item of a non-empty slice of `(item, weight)` pairs, in proportion to the weights.
pub fn pick_weighted<'a, T>(rng: &mut SimRng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if ticket < *weight {
            return item;
        }
        ticket -= weight;
    }
    &items[items.len() - 1].0
}

/// A random (version 4) GUID in lower case, as Partner Center writes tenant and subscription ids.
pub fn guid(rng: &mut SimRng) -> String {
    let mut bits: u128 = rng.random();
    bits = (bits & !(0xF_u128 << 76)) | (0x4_u128 << 76);
    bits = (bits & !(0x3_u128 << 62)) | (0x2_u128 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `len` random decimal digits.
pub fn digits(rng: &mut SimRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// `len` random lower-case hexadecimal digits.
pub fn hex(rng: &mut SimRng, len: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(HEX[rng.random_range(0..16usize)]))
        .collect()
}

/// `len` random upper-case letters and digits, as in Partner Center product and order ids.
pub fn alphanumeric(rng: &mut SimRng, len: usize) -> String {
    const CHARS: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..len)
        .map(|_| char::from(CHARS[rng.random_range(0..36usize)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_look_like_version_4_guids() {
        let mut rng = book_rng(7);
        let id = guid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(id, id.to_ascii_lowercase());
    }

    #[test]
    fn customer_streams_are_independent_and_repeatable() {
        let a: u64 = customer_rng(1, 0, Part::Usage).random();
        let b: u64 = customer_rng(1, 1, Part::Usage).random();
        let again: u64 = customer_rng(1, 0, Part::Usage).random();
        assert_ne!(a, b);
        assert_eq!(a, again);
    }

    #[test]
    fn weighted_picks_respect_zero_weights() {
        let mut rng = book_rng(3);
        for _ in 0..200 {
            assert_eq!(*pick_weighted(&mut rng, &[("a", 0), ("b", 5)]), "b");
        }
    }
}
