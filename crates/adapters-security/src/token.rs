//! Opaque bearer tokens: 256 random bits, stored only as a SHA-256 digest.

use application::ports::{TokenHash, TokenIssuer};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Issues `tkt_`-prefixed tokens from the operating system's random source. A fast hash
/// is enough for 256-bit random secrets (no dictionary to attack), and keeps per-request
/// authentication cheap.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomTokens;

const PREFIX: &str = "tkt_";

impl TokenIssuer for RandomTokens {
    fn issue(&self) -> (String, TokenHash) {
        let mut bytes = [0u8; 32];
        if getrandom::fill(&mut bytes).is_err() {
            // Without randomness no safe token exists; a process that cannot read its
            // random source must not hand out guessable credentials.
            std::process::abort();
        }
        let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let hash = self.hash(&token);
        (token, hash)
    }

    fn hash(&self, token: &str) -> TokenHash {
        let digest = Sha256::digest(token.as_bytes());
        TokenHash(digest.iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_hash_stably() {
        let (a, ha) = RandomTokens.issue();
        let (b, hb) = RandomTokens.issue();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert!(a.starts_with("tkt_") && a.len() == 4 + 43);
        assert_eq!(RandomTokens.hash(&a), ha);
        assert_eq!(ha.0.len(), 64);
    }
}
