//! A phonetic key for names written by Spanish speakers (and, roughly, English and French
//! ones). Two spellings that a clerk could produce from the same spoken name should get the
//! same key: s/z/ce/ci, ll/y, b/v/w, silent h, j/x/ge/gi, qu/k/c, gu(e)/g, ñ/n, ph/f, th/t,
//! sh/ch, doubled letters, and y/ll/j before a vowel. Vowels are kept (collapsed), so García and Garza stay apart; the
//! [`skeleton`] drops them for blocking, where recall matters more than precision.

/// Phonetic key of one folded token (lower-case ASCII).
pub fn key(token: &str) -> String {
    let b = token.as_bytes();
    let n = b.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let at = |i: usize| -> u8 { b.get(i).copied().unwrap_or(0) };
    let is_front = |c: u8| matches!(c, b'e' | b'i' | b'y');
    let is_vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut i = 0;
    while i < n {
        let c = b[i];
        let next = at(i + 1);
        let (code, step): (u8, usize) = match c {
            b'a' | b'e' | b'i' | b'o' => {
                // French "ou" sounds u; "au"/"eau" sound o.
                if c == b'o' && next == b'u' {
                    (b'U', 2)
                } else if c == b'a' && next == b'u' && i > 0 {
                    (b'O', 2)
                } else {
                    (c.to_ascii_uppercase(), 1)
                }
            }
            b'u' => (b'U', 1),
            b'y' => {
                // Consonantal y, ll and j meet: Central American spellings of English
                // names (Yessica / Jessica, Yeison / Jason) and yeísmo (Yolanda / Llolanda).
                if is_vowel(next) {
                    (b'J', 1)
                } else {
                    (b'I', 1)
                }
            }
            b'h' => (0, 1), // silent (the digraphs are handled at their first letter)
            b'b' | b'v' | b'w' => (b'B', 1),
            b'c' => {
                if next == b'h' {
                    (b'X', 2)
                } else if next == b'k' {
                    (b'K', 2)
                } else if is_front(next) {
                    (b'S', 1)
                } else {
                    (b'K', 1)
                }
            }
            b'q' => {
                if next == b'u' {
                    (b'K', 2)
                } else {
                    (b'K', 1)
                }
            }
            b'k' => {
                if next == b'h' {
                    // Arabic kh is written j in Spanish (Khalid / Jalid).
                    (b'J', 2)
                } else {
                    (b'K', 1)
                }
            }
            b'g' => {
                if (next == b'u' && is_front(at(i + 2))) || next == b'h' {
                    (b'G', 2)
                } else if is_front(next) {
                    (b'J', 1)
                } else {
                    (b'G', 1)
                }
            }
            b'j' | b'x' => (b'J', 1),
            b'z' => {
                if next == b'h' {
                    // Pinyin zh ~ ch (Zhang / Chang).
                    (b'X', 2)
                } else {
                    (b'S', 1)
                }
            }
            b's' => {
                if next == b'c' && at(i + 2) == b'h' {
                    (b'X', 3)
                } else if next == b'h' {
                    (b'X', 2)
                } else {
                    (b'S', 1)
                }
            }
            b'p' => {
                if next == b'h' {
                    (b'F', 2)
                } else {
                    (b'P', 1)
                }
            }
            b't' => {
                if next == b'h' {
                    (b'T', 2)
                } else {
                    (b'T', 1)
                }
            }
            b'l' => {
                if next == b'l' {
                    (b'J', 2)
                } else {
                    (b'L', 1)
                }
            }
            b'n' => {
                if matches!(next, b'b' | b'v') {
                    (b'M', 1)
                } else {
                    (b'N', 1)
                }
            }
            b'0'..=b'9' => (c, 1),
            _ => (c.to_ascii_uppercase(), 1),
        };
        if code != 0 && out.last() != Some(&code) {
            out.push(code);
        }
        i += step;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The consonant skeleton of a phonetic key: the first letter kept, later vowels dropped.
/// Used for blocking so that vowel typos (Melendez / Melindez) still meet.
pub fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for (i, c) in key.chars().enumerate() {
        if (i == 0 || !matches!(c, 'A' | 'E' | 'I' | 'O' | 'U')) && !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::key;

    fn same(a: &str, b: &str) {
        assert_eq!(key(a), key(b), "{a} vs {b}");
    }

    #[test]
    fn spanish_sound_alikes() {
        same("gonzalez", "gonsales");
        same("vazquez", "basques");
        same("cervantes", "servantes");
        same("yolanda", "llolanda");
        same("hernandez", "ernandes");
        same("jimenez", "ximenez");
        same("gimenez", "jimenez");
        same("enrique", "enrike");
        same("nunez", "nunes");
        same("villalobos", "biyalobos");
        same("cecilia", "sesilia");
        same("rodriguez", "rodrigues");
    }

    #[test]
    fn other_sound_alikes() {
        same("philippe", "filipe");
        same("khalid", "jalid");
        same("zhang", "chang");
        same("shakira", "chakira");
        same("yessica", "jessica");
        same("yeison", "jeison");
        same("matthew", "mattew");
    }

    #[test]
    fn keeps_distinct_names_apart() {
        assert_ne!(key("garcia"), key("garza"));
        assert_ne!(key("maria"), key("mario"));
        assert_ne!(key("luis"), key("luisa"));
    }
}
