//! SplitMix64, the one fixed mix the crate derives sub-seeds and hashes from: the tasks (held-out
//! sets, arm means) and the algorithms (Clip-Cov's random order) both use it. It lives on the
//! ground floor because neither may import the other: `tasks` never touches burn, and `algo`
//! depends only on tensors.

/// SplitMix64's output function (Steele, Lea, Flood 2014): a fixed, platform-independent,
/// well-mixed hash of `x`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
