//! Romanisations of Chinese names: Hanyu Pinyin (ISO 7098, the People's Republic's
//! passports) and Wade-Giles (Taiwanese passports, older and overseas records), after the
//! published correspondence table (e.g. the Library of Congress Pinyin/Wade-Giles conversion
//! table). Both systems write the same syllables differently: Zhang / Chang, Xu / Hsu,
//! Zhou / Chou, Qian / Ch'ien, Xie / Hsieh, Rong / Jung, Zi / Tzu.
//!
//! The matcher reads a token as a sequence of syllables in either system and compares
//! their *sound classes*: the distinctions Wade-Giles writes only with an apostrophe (which
//! clerks drop, and which folding removes) merge — p/b, t/d, k/g, ch/j/q/zh, ts/z/c — so a
//! name and its other romanisation get the same key, and two different given names (Jianyan
//! / Jianshan, siblings' generational names) are told apart syllable by syllable instead of
//! passing for a typo of each other.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Every Hanyu Pinyin syllable (toneless, ü written u), from the standard syllable table.
const PINYIN: &str = "a ai an ang ao \
ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu \
pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu \
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu \
fa fan fang fei fen feng fo fou fu \
da dai dan dang dao de dei deng di dian diao die ding diu dong dou du duan dui dun duo \
ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo \
na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nuo nue \
la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu long lou lu luan lun luo lue \
ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo \
ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo \
ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo \
ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun \
qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun \
xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun \
zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo \
cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo \
sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo \
ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo \
za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo \
ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo \
sa sai san sang sao se sen seng si song sou su suan sui sun suo \
ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun \
wa wai wan wang wei wen weng wo wu \
e ei en eng er o ou";

/// Splits a pinyin syllable into initial and final.
fn split(py: &str) -> (&str, &str) {
    for ini in ["zh", "ch", "sh"] {
        if let Some(f) = py.strip_prefix(ini) {
            return (ini, f);
        }
    }
    match py.as_bytes().first() {
        Some(c) if !b"aeiou".contains(c) => py.split_at(1),
        _ => ("", py),
    }
}

/// The Wade-Giles spelling of a pinyin syllable (with its apostrophe, without the umlaut),
/// by the standard correspondences: initials b→p, p→p', d→t, t→t', g→k, k→k', j→ch,
/// q→ch', x→hs, zh→ch, ch→ch', r→j, z→ts, c→ts'; finals -ong→-ung, -ian→-ien, -ie→-ieh,
/// -ue→-ueh, -e→-o after g/k/h, -uo→-o except after g/k/h/sh, -ui→-uei after g/k; the
/// apical vowel i→ih after zh/ch/sh/r and →u after z/c/s (tzu, tz'u, ssu); yan→yen,
/// ye→yeh, you→yu, yi→i, er→erh.
pub(crate) fn wade_giles(py: &str) -> String {
    match py {
        "yan" => return "yen".into(),
        "ye" => return "yeh".into(),
        "you" => return "yu".into(),
        "yi" => return "i".into(),
        "er" => return "erh".into(),
        "zi" => return "tzu".into(),
        "ci" => return "tz'u".into(),
        "si" => return "ssu".into(),
        _ => {}
    }
    let (ini, fin) = split(py);
    let wi = match ini {
        "b" => "p",
        "p" => "p'",
        "d" => "t",
        "t" => "t'",
        "g" => "k",
        "k" => "k'",
        "j" | "zh" => "ch",
        "q" | "ch" => "ch'",
        "x" => "hs",
        "r" => "j",
        "z" => "ts",
        "c" => "ts'",
        other => other,
    };
    let wf: String = match fin {
        "i" if matches!(ini, "zh" | "ch" | "sh" | "r") => "ih".into(),
        "e" if matches!(ini, "g" | "k" | "h") => "o".into(),
        "uo" if !matches!(ini, "g" | "k" | "h" | "sh") => "o".into(),
        "ui" if matches!(ini, "g" | "k") => "uei".into(),
        "ie" => "ieh".into(),
        "ue" => "ueh".into(),
        "ian" => "ien".into(),
        f if f.ends_with("ong") => format!("{}ung", &f[..f.len() - 3]),
        f => f.into(),
    };
    format!("{wi}{wf}")
}

/// The sound class of a pinyin syllable: initials merged where Wade-Giles tells them apart
/// only by an apostrophe, finals in one spelling.
fn class(py: &str) -> String {
    let py = match py {
        "you" => "yu",
        "yi" => "i",
        other => other,
    };
    let (ini, fin) = split(py);
    let ci = match ini {
        "b" | "p" => "P",
        "d" | "t" => "T",
        "g" | "k" => "K",
        "j" | "q" | "zh" | "ch" => "C",
        "x" => "X",
        "z" | "c" => "Z",
        "sh" => "S",
        "s" => "s",
        "r" => "R",
        "" => "",
        other => other,
    };
    format!("{ci}{fin}")
}

struct Table {
    /// Written syllable (pinyin, or Wade-Giles without its apostrophe) → sound class.
    forms: HashMap<String, String>,
    longest: usize,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut forms: HashMap<String, String> = HashMap::new();
        for py in PINYIN.split_whitespace() {
            forms.insert(py.to_owned(), class(py));
        }
        for py in PINYIN.split_whitespace() {
            let wg = wade_giles(py).replace('\'', "");
            // A Wade-Giles spelling that is also a pinyin syllable keeps its pinyin reading
            // (they share a class in every such case but a few, e.g. "yu").
            forms.entry(wg).or_insert_with(|| class(py));
        }
        // Common Wade-Giles alternatives: szu for ssu.
        forms.insert("szu".into(), class("si"));
        let longest = forms.keys().map(String::len).max().unwrap_or(0);
        Table { forms, longest }
    })
}

/// Whether a folded word is one pinyin syllable.
pub(crate) fn is_pinyin(w: &str) -> bool {
    PINYIN.split_whitespace().any(|p| p == w)
}

/// The sound classes of a token read as Chinese syllables (pinyin or Wade-Giles), joined by
/// '.', when the whole token reads so in at most four syllables (fewest syllables first).
pub(crate) fn chinese_key(token: &str) -> Option<String> {
    let t = table();
    let b = token.as_bytes();
    let n = b.len();
    if n == 0 || n > 20 || !token.is_ascii() {
        return None;
    }
    // best[i]: fewest syllables covering token[..i], with the start of the last one.
    let mut best: Vec<Option<(u8, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for i in 0..n {
        let Some((k, _)) = best[i] else { continue };
        for j in (i + 1)..=(i + t.longest).min(n) {
            if t.forms.contains_key(&token[i..j]) && best[j].is_none_or(|(kk, _)| k + 1 < kk) {
                best[j] = Some((k + 1, i));
            }
        }
    }
    let (count, _) = best[n]?;
    if count > 4 {
        return None;
    }
    let mut parts: Vec<&str> = Vec::with_capacity(usize::from(count));
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        parts.push(t.forms.get(&token[start..end])?);
        end = start;
    }
    parts.reverse();
    Some(parts.join("."))
}

/// A Chinese name as a Spanish-speaking clerk may respell it, undone where the respelling
/// is one no romanisation writes (neither pinyin nor Wade-Giles has ll, hz or a word
/// starting with u): a word-initial ll for y (yeismo: Lling / Ying), hz for hs (seseo, s written z: Hziu /
/// Hsiu), and the silent h dropped (Ua / Hua, Ui / Hui). `None` when the token already
/// reads as Chinese, or still does not once undone.
pub(crate) fn unrespell(token: &str) -> Option<String> {
    if !token.is_ascii() || chinese_key(token).is_some() {
        return None;
    }
    // Only a word-initial ll: inside a word it is mostly a Spanish name (Castillo, Ayala
    // misspelt Allala).
    let mut w = match token.strip_prefix("ll") {
        Some(rest) => format!("y{rest}"),
        None => token.to_owned(),
    }
    .replace("hz", "hs");
    if w.starts_with('u') {
        w.insert(0, 'h');
    }
    (w != token && chinese_key(&w).is_some()).then_some(w)
}

/// A token's letters in one romanisation, for telling a slip of the pen from another
/// name when the token may be misspelt (a misspelt syllable no longer reads as one, so
/// [`chinese_key`] cannot class it). After the same correspondence table: the Wade-Giles
/// spellings that differ from pinyin by letters, not by sound (hs / x, ts tz / z c, ch /
/// zh j q, tzu / zi, ssu szu / si, chih / zhi, -ieh -ueh / -ie -ue, -ien / -ian, -ung /
/// -ong), and the unaspirated stops that Wade-Giles writes without the apostrophe (k / g,
/// t / d, p / b). In a Chinese name every consonant but n and ng begins a syllable, so the
/// letters can be rewritten without cutting the word into syllables.
pub(crate) fn fold_spelling(token: &str) -> String {
    let mut w = token.to_owned();
    for (a, b) in [
        ("tzu", "zi"),
        ("ssu", "si"),
        ("szu", "si"),
        ("ih", "i"),
        ("hs", "x"),
        ("ts", "z"),
        ("tz", "z"),
        ("zh", "j"),
        ("ch", "j"),
        ("q", "j"),
        ("c", "z"),
        ("k", "g"),
        ("t", "d"),
        ("p", "b"),
        ("eh", "e"),
        ("ien", "ian"),
        ("yen", "yan"),
        ("ung", "ong"),
        ("uei", "ui"),
    ] {
        if w.contains(a) {
            w = w.replace(a, b);
        }
    }
    w
}

/// Whether a word has letters only Wade-Giles writes (hs, ts, tz, -ih, -ieh, -ien, -ung,
/// -uei, -ueh): no pinyin syllable has them.
pub(crate) fn has_wade_giles_mark(w: &str) -> bool {
    ["hs", "ts", "tz", "ih", "ieh", "ien", "ung", "uei", "ueh"]
        .iter()
        .any(|m| w.contains(m))
}

/// Whether a word is one syllable written in the spelling of [`fold_spelling`].
pub(crate) fn is_folded_syllable(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    S.get_or_init(|| table().forms.keys().map(|f| fold_spelling(f)).collect())
        .contains(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wade_giles_spellings() {
        for (py, wg) in [
            ("zhang", "chang"),
            ("xu", "hsu"),
            ("zhou", "chou"),
            ("qian", "ch'ien"),
            ("xie", "hsieh"),
            ("rong", "jung"),
            ("zi", "tzu"),
            ("guo", "kuo"),
            ("he", "ho"),
            ("luo", "lo"),
            ("zhi", "chih"),
            ("xiao", "hsiao"),
            ("deng", "teng"),
            ("cao", "ts'ao"),
        ] {
            assert_eq!(wade_giles(py), wg, "{py}");
        }
    }

    #[test]
    fn both_romanisations_share_a_key() {
        for (a, b) in [
            ("zhang", "chang"),
            ("xu", "hsu"),
            ("qian", "chien"),
            ("xie", "hsieh"),
            ("xiaoming", "hsiaoming"),
            ("zhiqiang", "chihchiang"),
            ("rong", "jung"),
            ("guo", "kuo"),
        ] {
            assert_eq!(chinese_key(a), chinese_key(b), "{a} / {b}");
            assert!(chinese_key(a).is_some(), "{a}");
        }
        assert_ne!(chinese_key("jianyan"), chinese_key("jianshan"));
        assert_eq!(chinese_key("garcia"), None);
        assert_eq!(chinese_key("hernandez"), None);
    }

    #[test]
    fn clerk_respellings_are_undone_when_the_name_then_reads_as_chinese() {
        for (a, b) in [
            ("lling", "ying"),
            ("llanhua", "yanhua"),
            ("hziuping", "hsiuping"),
            ("ua", "hua"),
            ("uang", "huang"),
        ] {
            assert_eq!(unrespell(a).as_deref(), Some(b), "{a}");
        }
        // Already Chinese, or not Chinese once undone: left alone.
        for a in ["ying", "lin", "castillo", "guillermo", "ursula", "allala"] {
            assert_eq!(unrespell(a), None, "{a}");
        }
    }

    #[test]
    fn spellings_fold_to_one_romanisation() {
        for (a, b) in [
            ("tsai", "cai"),
            ("hsiao", "xiao"),
            ("chihmin", "zhimin"),
            ("chingchun", "jingjun"),
            ("tien", "dian"),
            ("kao", "gao"),
            ("tzu", "zi"),
            ("hsueh", "xue"),
            ("chung", "zhong"),
        ] {
            assert_eq!(fold_spelling(a), fold_spelling(b), "{a} / {b}");
        }
        assert_ne!(fold_spelling("shan"), fold_spelling("xian"));
    }
}
