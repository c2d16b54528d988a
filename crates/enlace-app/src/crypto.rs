//! Secrets: random tokens, hashing, Argon2id passwords and RFC 6238 TOTP.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// OWASP's Argon2id parameters: m = 19456 KiB, t = 2, p = 1.
pub const ARGON2_M_KIB: u32 = 19_456;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

pub fn argon2() -> Argon2<'static> {
    // The constants are valid parameters; `Params::new` only rejects out-of-range values.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Random bytes from the OS. Without an entropy source nothing can be done safely.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if getrandom::getrandom(&mut b).is_err() {
        std::process::abort();
    }
    b
}

/// A random token of 256 bits, hex.
pub fn random_token() -> String {
    hex::encode(random_bytes::<32>())
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Hashes a password on the calling thread; call from `spawn_blocking`.
pub fn hash_password_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Verifies a password on the calling thread; call from `spawn_blocking`.
pub fn verify_password_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| e.to_string())?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password_blocking(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A readable temporary password: 20 characters from an unambiguous alphabet (~100 bits).
pub fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    random_bytes::<20>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A recovery code like `k7m2-p9x4-q3r8`.
pub fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let raw: String = random_bytes::<12>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

pub fn normalize_recovery_code(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if clean.len() == 12 {
        format!("{}-{}-{}", &clean[0..4], &clean[4..8], &clean[8..12])
    } else {
        clean
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32
            .iter()
            .position(|&x| x == c.to_ascii_uppercase() as u8)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpAlg {
    Sha1,
    Sha256,
    Sha512,
}

pub const TOTP_STEP_SECS: i64 = 30;

/// HOTP/TOTP value for a counter (RFC 4226 dynamic truncation).
pub fn hotp(secret: &[u8], counter: u64, digits: u32, alg: TotpAlg) -> String {
    let msg = counter.to_be_bytes();
    let digest: Vec<u8> = match alg {
        TotpAlg::Sha1 => mac::<hmac::Hmac<sha1::Sha1>>(secret, &msg),
        TotpAlg::Sha256 => mac::<Hmac<Sha256>>(secret, &msg),
        TotpAlg::Sha512 => mac::<Hmac<sha2::Sha512>>(secret, &msg),
    };
    let offset = (digest.last().copied().unwrap_or(0) & 0x0f) as usize;
    let bin = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    let modulo = 10u32.pow(digits);
    format!("{:0width$}", bin % modulo, width = digits as usize)
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of any length; this arm is not reachable.
        Err(_) => vec![0; 20],
    }
}

/// The 6-digit SHA-1 code authenticator apps show for `step`.
pub fn totp_code(secret: &[u8], step: i64) -> String {
    hotp(secret, step.max(0) as u64, 6, TotpAlg::Sha1)
}

/// Finds the step (previous, current or next, for clock skew) whose code equals `code`.
pub fn totp_match(secret: &[u8], code: &str, now_secs: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now_step = now_secs.div_euclid(TOTP_STEP_SECS);
    [now_step - 1, now_step, now_step + 1]
        .into_iter()
        .find(|&s| constant_time_eq(totp_code(secret, s).as_bytes(), code.as_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_test_vectors() {
        let s1 = b"12345678901234567890";
        let s256 = b"12345678901234567890123456789012";
        let s512 = b"1234567890123456789012345678901234567890123456789012345678901234";
        let cases: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (t, c1, c256, c512) in cases {
            let step = t / 30;
            assert_eq!(hotp(s1, step, 8, TotpAlg::Sha1), c1, "sha1 at {t}");
            assert_eq!(hotp(s256, step, 8, TotpAlg::Sha256), c256, "sha256 at {t}");
            assert_eq!(hotp(s512, step, 8, TotpAlg::Sha512), c512, "sha512 at {t}");
        }
    }

    #[test]
    fn totp_accepts_adjacent_steps_only() {
        let secret = b"12345678901234567890";
        let now = 1_111_111_111;
        let step = now / 30;
        assert_eq!(
            totp_match(secret, &totp_code(secret, step), now),
            Some(step)
        );
        assert_eq!(
            totp_match(secret, &totp_code(secret, step + 1), now),
            Some(step + 1)
        );
        assert_eq!(totp_match(secret, &totp_code(secret, step - 2), now), None);
        assert_eq!(totp_match(secret, "12a456", now), None);
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("MZXW 6YTB OI").as_deref(),
            Some(&b"foobar"[..])
        );
        let r = random_bytes::<20>();
        assert_eq!(base32_decode(&base32_encode(&r)).as_deref(), Some(&r[..]));
    }

    #[test]
    fn argon2id_parameters_are_owasps() {
        let h = hash_password_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password_blocking("correct horse battery", &h));
        assert!(!verify_password_blocking("wrong", &h));
    }

    #[test]
    fn recovery_codes_normalise() {
        let c = recovery_code();
        assert_eq!(
            normalize_recovery_code(&c.to_uppercase().replace('-', " ")),
            c
        );
    }
}
