//! Text folding and string similarity. Everything downstream works on folded ASCII so
//! that "JOSÉ", "José" and "jose" are one token, and other scripts are transliterated once.

/// Folds a string to lower-case ASCII words separated by single spaces.
///
/// Accents are dropped (é → e, ñ → n, ç → c), other scripts transliterated (Cyrillic, Greek,
/// Arabic, CJK), apostrophes removed so "O'Brien" stays one word, and every other
/// non-alphanumeric character (hyphens, dots, commas) becomes a word break.
pub fn fold(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    // Fast path for the common case: ASCII input needs no transliteration.
    let ascii;
    let src: &str = if raw.is_ascii() {
        raw
    } else {
        ascii = deunicode::deunicode_with_tofu(raw, " ");
        &ascii
    };
    for ch in src.chars() {
        if ch.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(ch.to_ascii_lowercase());
        } else if ch == '\'' || ch == '`' || ch == '\u{2019}' {
            // Apostrophes join: D'Angelo, N'Diaye, O'Brien.
        } else {
            pending_space = true;
        }
    }
    out
}

/// Folds and splits into words.
pub fn words(raw: &str) -> Vec<String> {
    fold(raw)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Jaro-Winkler similarity on bytes (inputs are folded ASCII).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a = a.as_bytes();
    let b = b.as_bytes();
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (la, lb) = (a.len(), b.len());
    if la > 64 || lb > 64 {
        return 0.0;
    }
    if letter_case(a).is_some_and(|c| Some(c) == letter_case(b)) {
        let window = (la.max(lb) / 2).saturating_sub(1);
        return winkler(jaro_bits(a, b, window), a, b);
    }
    scan_jaro_winkler(a, b)
}

/// The classic Jaro-Winkler scan, for inputs [`jaro_bits`] does not take (digits, mixed
/// case); non-empty, at most 64 bytes each.
fn scan_jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    let window = (la.max(lb) / 2).saturating_sub(1);
    // Names are short; fixed stack buffers avoid allocation in the hot loop.
    let mut a_m = [false; 64];
    let mut b_m = [false; 64];
    let mut matches = 0usize;
    for i in 0..la {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        for j in lo..hi {
            if !b_m[j] && a[i] == b[j] {
                a_m[i] = true;
                b_m[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut k = 0usize;
    for i in 0..la {
        if a_m[i] {
            while !b_m[k] {
                k += 1;
            }
            if a[i] != b[k] {
                t += 1;
            }
            k += 1;
        }
    }
    winkler(jaro_of(matches, t, la, lb), a, b)
}

fn jaro_of(matches: usize, transpositions: usize, la: usize, lb: usize) -> f64 {
    if matches == 0 {
        return 0.0;
    }
    let m = matches as f64;
    (m / la as f64 + m / lb as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

/// Winkler's boost for a common prefix of up to four letters.
fn winkler(jaro: f64, a: &[u8], b: &[u8]) -> f64 {
    let prefix = a
        .iter()
        .zip(b.iter())
        .take(4)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// 1 when every byte is a lower-case ASCII letter, 2 when every byte is an upper-case one:
/// the bytes then map one to one onto `byte & 31`, which [`jaro_bits`] relies on.
fn letter_case(s: &[u8]) -> Option<u8> {
    if s.iter().all(u8::is_ascii_lowercase) {
        Some(1)
    } else if s.iter().all(u8::is_ascii_uppercase) {
        Some(2)
    } else {
        None
    }
}

/// Jaro similarity with bit sets (both inputs at most 64 letters of one case): for each
/// letter of `a`, the first unmatched equal letter of `b` within the window is the lowest
/// set bit of one mask, the same choice the classic scan makes, in one step.
fn jaro_bits(a: &[u8], b: &[u8], window: usize) -> f64 {
    let lb = b.len();
    let mut at = [0u64; 32];
    for (j, &c) in b.iter().enumerate() {
        at[usize::from(c & 31)] |= 1 << j;
    }
    let (mut used_a, mut used_b, mut matches) = (0u64, 0u64, 0usize);
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(lb);
        if lo >= hi {
            break;
        }
        let below_hi = if hi >= 64 { u64::MAX } else { (1u64 << hi) - 1 };
        let from_lo = !((1u64 << lo) - 1);
        let m = at[usize::from(c & 31)] & !used_b & below_hi & from_lo;
        if m != 0 {
            used_b |= m & m.wrapping_neg();
            used_a |= 1 << i;
            matches += 1;
        }
    }
    // Transpositions: matched letters of both sides, read in order, that differ.
    let mut t = 0usize;
    while used_a != 0 {
        let (i, j) = (used_a.trailing_zeros(), used_b.trailing_zeros());
        if a[i as usize] != b[j as usize] {
            t += 1;
        }
        used_a &= used_a - 1;
        used_b &= used_b - 1;
    }
    jaro_of(matches, t, a.len(), lb)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transposition), capped:
/// returns `cap + 1` as soon as the distance must exceed `cap`.
pub fn osa_distance(a: &str, b: &str, cap: usize) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > cap {
        return cap + 1;
    }
    if la > 48 || lb > 48 {
        return if a == b { 0 } else { cap + 1 };
    }
    let w = lb + 1;
    let mut d = [[0usize; 49]; 3];
    // Rolling three rows: prev2, prev, cur.
    for (j, cell) in d[1].iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=la {
        let cur = (i + 1) % 3;
        let prev = i % 3;
        let prev2 = (i + 2) % 3;
        d[cur][0] = i;
        let mut row_min = i;
        for j in 1..=lb {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[prev][j] + 1)
                .min(d[cur][j - 1] + 1)
                .min(d[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[prev2][j - 2] + 1);
            }
            d[cur][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    d[(la + 1) % 3][lb].min(cap + 1)
}

/// FNV-1a: a stable, dependency-free hash for blocking keys (stable across runs and
/// platforms, unlike `DefaultHasher`, so keys could be persisted if ever needed).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_punctuation() {
        assert_eq!(fold("  JOSÉ  María NÚÑEZ-Peña "), "jose maria nunez pena");
        assert_eq!(fold("O'Brien, Seán"), "obrien sean");
        assert_eq!(fold("François Müller Straße"), "francois muller strasse");
        assert_eq!(fold("Jean-Baptiste"), "jean baptiste");
    }

    #[test]
    fn transliterates_other_scripts() {
        assert_eq!(fold("Иван Петров"), "ivan petrov");
        assert_eq!(fold("王小明"), "wang xiao ming");
    }

    /// The bit-set Jaro is the classic scan, only faster: same value on every pair.
    #[test]
    fn bit_set_jaro_agrees_with_the_scan() {
        let words = [
            "garcia",
            "garica",
            "gracia",
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "hernandez",
            "fernandes",
            "a",
            "ab",
            "ba",
            "aaaa",
            "aaab",
            "xochitl",
            "xochilt",
            "jeanbaptiste",
            "jean",
            "muhammad",
            "mohammed",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl",
            "zyxwvutsrqponmlkjihgfedcbazyxwvutsrqponmlkjihgfedcbazyxwvutsrqpo",
        ];
        let mut n = 0;
        for w in words {
            for v in words {
                for (a, b) in [
                    (w.to_owned(), v.to_owned()),
                    (w.to_uppercase(), v.to_uppercase()),
                ] {
                    let (a, b) = (a.as_bytes(), b.as_bytes());
                    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
                    let fast = winkler(jaro_bits(a, b, window), a, b);
                    let slow = scan_jaro_winkler(a, b);
                    assert!((fast - slow).abs() < 1e-12, "{w} / {v}: {fast} vs {slow}");
                    n += 1;
                }
            }
        }
        assert!(n > 500);
    }

    #[test]
    fn similarity_measures() {
        assert_eq!(
            jaro_winkler("ab12", "ab21"),
            scan_jaro_winkler(b"ab12", b"ab21")
        );
        assert!((jaro_winkler("martha", "marhta") - 0.961).abs() < 0.01);
        assert_eq!(jaro_winkler("abc", "abc"), 1.0);
        assert_eq!(osa_distance("garcia", "garica", 2), 1);
        assert_eq!(osa_distance("garcia", "garcia", 2), 0);
        assert_eq!(osa_distance("hernandez", "fernandes", 1), 2);
        assert_eq!(osa_distance("ab", "abcdef", 2), 3);
    }
}
