//! The generator's randomness: one ChaCha8 stream per enrollee, seeded from the sandbox
//! seed and the enrollee index, and the few integer-only sampling helpers built on it.
//!
//! Every draw is integer arithmetic on `next_u64` (no floating point, no `rand`
//! distributions), so the output depends only on the ChaCha8 stream, which is fixed by
//! its specification: the same seed gives the same sandbox on every machine and version.

use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finaliser: a bijective 64-bit mixer.
pub(crate) const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one enrollee's stream (or of another named stream of the sandbox).
pub(crate) const fn mix(seed: u64, index: u64) -> u64 {
    mix64(
        mix64(seed ^ 0x5851_F42D_4C95_7F2D).wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    )
}

/// A seeded random stream with integer helpers.
pub(crate) struct Rand(ChaCha8Rng);

impl Rand {
    /// The stream for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// 64 random bits.
    pub(crate) fn bits(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`0` when `n` is 0); multiply-shift, bias below 2^-40 for our `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.bits()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a collection of length `n`.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// An index drawn with the given weights (the last index if all are zero).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a slice (`None` for an empty one).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.index(items.len()))
    }

    /// One element of a slice of copyable values (`fallback` for an empty one).
    pub(crate) fn pick_or<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        items
            .get(self.index(items.len()))
            .copied()
            .unwrap_or(fallback)
    }

    /// One element of a slice of `(item, weight)` pairs, drawn by weight.
    pub(crate) fn pick_weighted<T: Copy>(&mut self, items: &[(T, u32)], fallback: T) -> T {
        let total: u64 = items.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut r = self.below(total);
        for &(item, w) in items {
            if r < u64::from(w) {
                return item;
            }
            r -= u64::from(w);
        }
        fallback
    }

    /// A value from an inverse-CDF table of `(cumulative parts per million, value)` knots,
    /// interpolated linearly between knots (integer arithmetic only).
    pub(crate) fn inverse_cdf(&mut self, knots: &[(u32, u32)]) -> u32 {
        let r = self.below(1_000_000) as u32;
        for pair in knots.windows(2) {
            let [(u0, c0), (u1, c1)] = [pair[0], pair[1]];
            if r < u1 {
                let span = u64::from(u1 - u0).max(1);
                let step =
                    u64::from(c1.saturating_sub(c0)) * u64::from(r.saturating_sub(u0)) / span;
                return c0 + step as u32;
            }
        }
        knots.last().map_or(0, |k| k.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_fixed_by_the_seed() {
        let mut a = Rand::new(mix(7, 3));
        let mut b = Rand::new(mix(7, 3));
        let mut c = Rand::new(mix(7, 4));
        let xs: Vec<u64> = (0..8).map(|_| a.bits()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.bits()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.bits()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn helpers_stay_in_range() {
        let mut r = Rand::new(1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let v = r.range(-3, 3);
            assert!((-3..=3).contains(&v));
            assert!(r.weighted(&[0, 5, 0, 1]) % 2 == 1);
            let t = r.inverse_cdf(&[(0, 1), (500_000, 10), (1_000_000, 100)]);
            assert!((1..=100).contains(&t));
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 2), 5);
    }
}
