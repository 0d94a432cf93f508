//! A stable fingerprint of a request, for `Idempotency-Key` checks.

/// FNV-1a (64 bit) over the parts, separated so `["ab","c"]` and `["a","bc"]` differ.
/// Stable across builds and Rust versions, unlike `DefaultHasher`.
pub(crate) fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn is_stable_and_separates_parts() {
        assert_eq!(fingerprint([""]), "af63d24c8601db8e");
        assert_ne!(fingerprint(["ab", "c"]), fingerprint(["a", "bc"]));
        assert_eq!(fingerprint(["x", "y"]), fingerprint(["x", "y"]));
    }
}
