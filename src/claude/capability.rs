//! A per-session capability: what a session's hooks present to post its events, and nothing
//! else. It is not the API token (the API refuses it), it names one session (the session's
//! actor compares it), and it dies with the session.

use std::fmt;
use std::io::Read;

/// 32 random bytes, hex-encoded. Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Capability(String);

impl Capability {
    /// A fresh capability from the kernel's randomness.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this capability, compared in constant time.
    pub fn admits(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Capability(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_admits_itself_only_and_never_prints() {
        let a = Capability::generate().unwrap();
        let b = Capability::generate().unwrap();
        assert_eq!(a.as_str().len(), 64);
        assert!(a.admits(a.as_str()));
        assert!(!a.admits(b.as_str()));
        assert!(!a.admits(""));
        assert!(!format!("{a:?}").contains(a.as_str()));
    }
}
