//! Secrets the server must read back (TOTP seeds) are stored sealed with a key kept in the
//! data folder, not in the database: a copy of the database alone does not give them away.
use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

const PREFIX: &str = "sealed1:";

pub struct Sealer(XChaCha20Poly1305);

impl Sealer {
    /// Loads `dir/secrets.key`, creating it (mode 600) on first use.
    pub fn load_or_create(dir: &Path) -> crate::Result<Sealer> {
        let path = dir.join("secrets.key");
        let key: [u8; 32] = match std::fs::read_to_string(&path) {
            Ok(s) => hex::decode(s.trim())
                .map_err(|e| StoreError::Key(e.to_string()))?
                .try_into()
                .map_err(|_| StoreError::Key("secrets key must be 32 bytes".into()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut k = [0u8; 32];
                getrandom::getrandom(&mut k).map_err(|e| StoreError::Key(e.to_string()))?;
                crate::audit::write_key_file(dir, &path, &hex::encode(k))?;
                k
            }
            Err(e) => return Err(StoreError::Key(e.to_string())),
        };
        Ok(Sealer(XChaCha20Poly1305::new(&key.into())))
    }

    pub fn seal(&self, plain: &str) -> crate::Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(|e| StoreError::Key(e.to_string()))?;
        let ct = self
            .0
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| StoreError::Key("seal failed".into()))?;
        Ok(format!(
            "{PREFIX}{}:{}",
            hex::encode(nonce),
            hex::encode(ct)
        ))
    }

    /// Opens a sealed value; values stored before sealing existed pass through unchanged.
    pub fn open(&self, stored: &str) -> crate::Result<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (n, c) = rest
            .split_once(':')
            .ok_or_else(|| StoreError::Corrupt("sealed value".into()))?;
        let nonce = hex::decode(n).map_err(|_| StoreError::Corrupt("sealed nonce".into()))?;
        let ct = hex::decode(c).map_err(|_| StoreError::Corrupt("sealed value".into()))?;
        if nonce.len() != 24 {
            return Err(StoreError::Corrupt("sealed nonce".into()));
        }
        let plain = self
            .0
            .decrypt(XNonce::from_slice(&nonce), ct.as_slice())
            .map_err(|_| StoreError::Corrupt("sealed value does not open with this key".into()))?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt("sealed value".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn seals_and_opens_and_passes_legacy_values() {
        let dir = tempfile::tempdir().unwrap();
        let s = Sealer::load_or_create(dir.path()).unwrap();
        let sealed = s.seal("JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("JBSWY3DP"));
        assert_eq!(s.open(&sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert_eq!(s.open("PLAIN").unwrap(), "PLAIN");
        let again = Sealer::load_or_create(dir.path()).unwrap();
        assert_eq!(
            again.open(&sealed).unwrap(),
            "JBSWY3DPEHPK3PXP",
            "the key persists"
        );
        let other = tempfile::tempdir().unwrap();
        let wrong = Sealer::load_or_create(other.path()).unwrap();
        assert!(wrong.open(&sealed).is_err());
    }
}
