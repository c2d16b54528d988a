//! A synthetic corpus of fictional persons for testing and benchmarking the matcher, with
//! ground truth. Deterministic for a seed.
//!
//! Persons come from the region's origins (mostly Hispanic: Mexico, Central America, the
//! Caribbean, South America; also English, French/Haitian, Indian, Chinese and African
//! names). Some persons are recorded again by other countries, with the perturbations
//! clerks produce (accents, capitals, typos, sound-alike spellings, nicknames, dropped or
//! swapped surnames, reordered given names, "SURNAME, Given", date slips). Hard negatives
//! live in the index too: namesakes born on another day, and relatives sharing surnames.
//! Half the queries have a true match, half do not (namesakes, relatives, strangers).

use serde_json::{json, Map, Value};

use crate::data;

mod pools;
use pools::Community;

/// A small, fast, seeded PRNG (SplitMix64). Not for anything secret.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1A4_F87B)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// Uniform in 0..1.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Zipf-like pick: early entries (the common names) are chosen more often.
    pub fn pick_zipf<'a>(&mut self, items: &'a [&'a str], offset: f64) -> &'a str {
        let total: f64 = (0..items.len()).map(|i| 1.0 / (i as f64 + offset)).sum();
        let mut x = self.unit() * total;
        for (i, it) in items.iter().enumerate() {
            x -= 1.0 / (i as f64 + offset);
            if x <= 0.0 {
                return it;
            }
        }
        items[items.len() - 1]
    }
}

/// Naming traditions, which decide the name shape (two surnames or one, syllable given
/// names...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Hispanic,
    English,
    FrenchHaitian,
    Indian,
    Chinese,
    African,
}

/// A generated person: the truth behind one or more records.
#[derive(Clone, Debug)]
pub struct Person {
    pub origin: Origin,
    pub female: bool,
    pub given: Vec<String>,
    pub surnames: Vec<String>,
    /// (year, month, day)
    pub dob: (u16, u8, u8),
    pub nationality: &'static str,
    pub passport: Option<String>,
    pub phone: Option<String>,
    /// South Asian community (None for the other origins): it picks the name pools.
    community: Option<Community>,
}

/// A generated corpus. Entities are FollowTheMoney JSON (`{"id","schema","properties"}`).
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    pub records: Vec<Value>,
    pub queries: Vec<Value>,
    /// For each query id, the ids of the records of the same person (empty: no match).
    pub truth: Vec<(String, Vec<String>)>,
    /// For each query (same order): what the generator knows about it, for scoring by
    /// origin and by kind of error.
    pub info: Vec<QueryInfo>,
}

/// What the generator knows about a query beyond its true matches.
#[derive(Clone, Debug)]
pub struct QueryInfo {
    /// Origin of the person the query describes (its true person, or the stranger,
    /// namesake or relative a negative query describes).
    pub origin: Origin,
    /// The perturbations applied to the query (`dob_missing`, `typo`, `surname_first`…)
    /// and, for a negative query, what it is (`negative_namesake`, `negative_relative`,
    /// `negative_stranger`).
    pub errors: Vec<&'static str>,
    /// Other persons in the index with exactly the same given names, surnames and date of
    /// birth as the query's person: namesakes no matcher can tell apart from names and date.
    pub twins: usize,
    /// The records of those namesakes.
    pub twin_records: Vec<String>,
}

impl Origin {
    /// Lower-case label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Origin::Hispanic => "hispanic",
            Origin::English => "english",
            Origin::FrenchHaitian => "french_haitian",
            Origin::Indian => "indian",
            Origin::Chinese => "chinese",
            Origin::African => "african",
        }
    }
}

/// Corpus size and shape.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// Distinct persons behind the records (records are about 1.4× this).
    pub persons: usize,
    pub queries: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 42,
            persons: 5000,
            queries: 1000,
        }
    }
}

const MEMBERS: &[&str] = &[
    "bz", "ca", "cr", "do", "sv", "gt", "hn", "mx", "ni", "pa", "us",
];

fn nationality_for(rng: &mut Rng, origin: Origin) -> &'static str {
    let opts: &[&'static str] = match origin {
        Origin::Hispanic => &[
            "mx", "mx", "mx", "mx", "gt", "gt", "gt", "hn", "hn", "hn", "sv", "sv", "ni", "cr",
            "pa", "do", "do", "cu", "ve", "ve", "co", "co", "ec",
        ],
        Origin::English => &["us", "us", "ca", "bz", "jm"],
        Origin::FrenchHaitian => &["ht", "ht", "ht", "ca", "fr"],
        Origin::Indian => &["in"],
        Origin::Chinese => &["cn"],
        Origin::African => &["sn", "gh", "ng", "cm", "cd", "er", "et", "so", "gn"],
    };
    opts[rng.below(opts.len())]
}

fn pick_origin(rng: &mut Rng) -> Origin {
    let x = rng.unit();
    match x {
        x if x < 0.76 => Origin::Hispanic,
        x if x < 0.82 => Origin::English,
        x if x < 0.89 => Origin::FrenchHaitian,
        x if x < 0.92 => Origin::Indian,
        x if x < 0.95 => Origin::Chinese,
        _ => Origin::African,
    }
}

/// A pool of the matcher's list followed by the generator's own further names (common
/// names first, as the Zipf draw expects), built once.
fn joined(
    cell: &'static std::sync::OnceLock<Vec<&'static str>>,
    known: &'static [&'static str],
    more: &'static [&'static str],
) -> &'static [&'static str] {
    cell.get_or_init(|| {
        let mut v = known.to_vec();
        for w in more {
            if !v.contains(w) {
                v.push(w);
            }
        }
        v
    })
}

fn french_haitian_pool(which: usize) -> &'static [&'static str] {
    use std::sync::OnceLock;
    static POOLS: [OnceLock<Vec<&'static str>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    match which {
        0 => joined(
            &POOLS[0],
            data::FRENCH_HAITIAN_MALE,
            pools::FRENCH_HAITIAN_MALE_MORE,
        ),
        1 => joined(
            &POOLS[1],
            data::FRENCH_HAITIAN_FEMALE,
            pools::FRENCH_HAITIAN_FEMALE_MORE,
        ),
        _ => joined(
            &POOLS[2],
            data::FRENCH_HAITIAN_SURNAMES,
            pools::FRENCH_HAITIAN_SURNAMES_MORE,
        ),
    }
}

/// Given names of a South Asian community: many names, none dominant (a Zipf offset of 12
/// puts the most common near 3%), and the middle names each community writes.
fn indian_given(rng: &mut Rng, c: Community, female: bool) -> Vec<String> {
    let (male, fem, _) = c.pools();
    let list = if female { fem } else { male };
    let mut out = vec![rng.pick_zipf(list, 12.0).to_owned()];
    let second = match c {
        // "Rahul Kumar Sharma", "Tapan Kumar Das".
        Community::Hindi if !female && rng.chance(0.25) => {
            Some(rng.pick_zipf(pools::HINDI_MIDDLE, 1.0))
        }
        Community::Bengali if !female && rng.chance(0.3) => {
            Some(rng.pick_zipf(pools::BENGALI_MIDDLE, 1.0))
        }
        // Marathi and Gujarati usage: the father's given name in the middle.
        Community::Marathi | Community::Gujarati if rng.chance(0.35) => {
            Some(rng.pick_zipf(male, 12.0))
        }
        // Sikh and Tamil names take their shape in `shape_name`.
        Community::Sikh | Community::Tamil => None,
        _ if rng.chance(0.1) => Some(rng.pick_zipf(list, 12.0)),
        _ => None,
    };
    if let Some(w) = second {
        if !out.iter().any(|g| g == w) {
            out.push(w.to_owned());
        }
    }
    out
}

fn given_for(
    rng: &mut Rng,
    origin: Origin,
    female: bool,
    community: Option<Community>,
) -> Vec<String> {
    let (list, two): (&[&str], f64) = match (origin, female) {
        (Origin::Hispanic, false) => (data::HISPANIC_MALE, 0.55),
        (Origin::Hispanic, true) => (data::HISPANIC_FEMALE, 0.6),
        (Origin::English, false) => (data::ENGLISH_MALE, 0.4),
        (Origin::English, true) => (data::ENGLISH_FEMALE, 0.4),
        (Origin::FrenchHaitian, false) => (french_haitian_pool(0), 0.35),
        (Origin::FrenchHaitian, true) => (french_haitian_pool(1), 0.35),
        (Origin::Indian, _) => {
            return indian_given(rng, community.unwrap_or(Community::Hindi), female);
        }
        (Origin::African, false) => (data::AFRICAN_MALE, 0.3),
        (Origin::African, true) => (data::AFRICAN_FEMALE, 0.3),
        (Origin::Chinese, _) => {
            // Two pinyin syllables (one in five names has one), kept apart here: records
            // write them as one word, hyphenated or spaced (see `name_props`). Some
            // characters are far more used in names than others, hence the Zipf draw.
            let a = rng.pick_zipf(pools::CHINESE_SYLLABLES, 10.0);
            if rng.chance(0.2) {
                return vec![a.to_owned()];
            }
            let b = rng.pick_zipf(pools::CHINESE_SYLLABLES, 10.0);
            return vec![format!("{a} {b}")];
        }
    };
    let first = rng.pick_zipf(list, 4.0).to_owned();
    let mut out = vec![first];
    if rng.chance(two) {
        let second = rng.pick_zipf(list, 6.0).to_owned();
        if !out.contains(&second) {
            out.push(second);
        }
    }
    // Multi-word entries ("jean claude") become separate given names.
    out.iter()
        .flat_map(|g| g.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn surnames_for(rng: &mut Rng, origin: Origin, community: Option<Community>) -> Vec<String> {
    let (list, n, offset): (&[&str], usize, f64) = match origin {
        Origin::Hispanic => (data::HISPANIC_SURNAMES, 2, 8.0),
        Origin::English => (data::ENGLISH_SURNAMES, 1, 5.0),
        Origin::FrenchHaitian => (french_haitian_pool(2), 1, 5.0),
        Origin::Indian => {
            let c = community.unwrap_or(Community::Hindi);
            (c.pools().2, 1, c.surname_offset())
        }
        Origin::Chinese => (pools::CHINESE_SURNAMES, 1, 3.5),
        Origin::African => (data::AFRICAN_SURNAMES, 1, 5.0),
    };
    let mut out: Vec<String> = Vec::new();
    while out.len() < n {
        let s = rng.pick_zipf(list, offset).to_owned();
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The naming tradition within an origin, where it changes the name's shape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tradition {
    Plain,
    /// Ethiopian / Eritrean: given, father's given, grandfather's given; no family name.
    Habesha,
    /// Somali: given, father's given, grandfather's given.
    Somali,
    /// Sikh: given, then Singh (men) or Kaur (women), often a clan name after them.
    Sikh,
    /// South Indian: given and the father's given name, often written as an initial.
    Patronymic,
}

fn tradition_of(p: &Person) -> Tradition {
    match p.origin {
        Origin::African if matches!(p.nationality, "et" | "er") => Tradition::Habesha,
        Origin::African if p.nationality == "so" => Tradition::Somali,
        Origin::Indian if p.community == Some(Community::Sikh) => Tradition::Sikh,
        Origin::Indian if p.community == Some(Community::Tamil) => Tradition::Patronymic,
        _ => Tradition::Plain,
    }
}

/// Gives a person of the traditions above their name's shape (new draws happen only for
/// those origins, so Hispanic persons are drawn as before).
fn shape_name(rng: &mut Rng, p: &mut Person, sibling_of: Option<&Person>) {
    let chain = |rng: &mut Rng, male: &[&str], female: &[&str], fem: bool| -> String {
        let list = if fem { female } else { male };
        rng.pick_zipf(list, 4.0).to_owned()
    };
    match p.origin {
        Origin::African if matches!(p.nationality, "et" | "er" | "so") => {
            let (m, f) = if p.nationality == "so" {
                (data::SOMALI_MALE, data::SOMALI_FEMALE)
            } else {
                (data::HABESHA_MALE, data::HABESHA_FEMALE)
            };
            p.given = vec![chain(rng, m, f, p.female)];
            p.surnames = match sibling_of {
                // Siblings share the father and grandfather.
                Some(s) if s.surnames.len() == 2 => s.surnames.clone(),
                _ => {
                    let father = chain(rng, m, f, false);
                    let mut grandfather = chain(rng, m, f, false);
                    if grandfather == father {
                        grandfather = chain(rng, m, f, false);
                    }
                    vec![father, grandfather]
                }
            };
        }
        Origin::Indian => match p.community {
            Some(Community::Sikh) => {
                let sk = if p.female { "kaur" } else { "singh" };
                let clan = match sibling_of {
                    Some(s) => s.surnames.get(1).cloned(),
                    // `surnames_for` drew a clan name; half the persons write none.
                    None => rng
                        .chance(0.5)
                        .then(|| p.surnames.first().cloned())
                        .flatten(),
                };
                p.surnames = std::iter::once(sk.to_owned()).chain(clan).collect();
            }
            Some(Community::Tamil) => {
                p.surnames = match sibling_of {
                    Some(s) => s.surnames.clone(),
                    None => vec![rng.pick_zipf(pools::SOUTH_MALE, 12.0).to_owned()],
                };
            }
            Some(c) => {
                // A woman's "surname" that is no family name (Sunita Devi, Shabana Begum) is
                // not her brother's: he gets a family name of the community.
                if sibling_of.is_some()
                    && p.surnames
                        .first()
                        .is_some_and(|s| WOMAN_ONLY.contains(&&**s))
                {
                    p.surnames = surnames_for(rng, Origin::Indian, Some(c));
                }
                let marker: &[&str] = match c {
                    Community::Hindi => &["devi", "kumari"],
                    Community::Muslim => &["begum", "khatoon"],
                    _ => &[],
                };
                if p.female && !marker.is_empty() && rng.chance(0.15) {
                    p.surnames = vec![(*rng.pick(marker)).to_owned()];
                }
            }
            None => {}
        },
        _ => {}
    }
}

/// Surnames only women carry (North Indian and South Asian Muslim usage).
const WOMAN_ONLY: &[&str] = &["devi", "kumari", "begum", "khatoon"];

fn random_dob(rng: &mut Rng) -> (u16, u8, u8) {
    let y = 1950 + rng.below(57) as u16;
    let m = 1 + rng.below(12) as u8;
    let d = 1 + rng.below(28) as u8;
    (y, m, d)
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn new_person(rng: &mut Rng) -> Person {
    let origin = pick_origin(rng);
    let female = rng.chance(0.5);
    let nationality = nationality_for(rng, origin);
    let community = (origin == Origin::Indian).then(|| Community::draw(rng.unit()));
    let passport = rng.chance(0.35).then(|| {
        let letter = char::from(b'A' + rng.below(26) as u8);
        format!("{letter}{}", digits(rng, 8))
    });
    let phone = rng
        .chance(0.25)
        .then(|| format!("{}{}", 3 + rng.below(6), digits(rng, 7)));
    let mut p = Person {
        origin,
        female,
        given: given_for(rng, origin, female, community),
        surnames: surnames_for(rng, origin, community),
        dob: random_dob(rng),
        nationality,
        passport,
        phone,
        community,
    };
    shape_name(rng, &mut p, None);
    p
}

/// Accented spellings of common names, so records look as clerks write them.
const ACCENTED: &[(&str, &str)] = &[
    ("jose", "José"),
    ("maria", "María"),
    ("jesus", "Jesús"),
    ("ramon", "Ramón"),
    ("raul", "Raúl"),
    ("hector", "Héctor"),
    ("oscar", "Óscar"),
    ("andres", "Andrés"),
    ("tomas", "Tomás"),
    ("nicolas", "Nicolás"),
    ("cesar", "César"),
    ("ruben", "Rubén"),
    ("martin", "Martín"),
    ("agustin", "Agustín"),
    ("joaquin", "Joaquín"),
    ("adrian", "Adrián"),
    ("sebastian", "Sebastián"),
    ("fabian", "Fabián"),
    ("ines", "Inés"),
    ("lucia", "Lucía"),
    ("sofia", "Sofía"),
    ("veronica", "Verónica"),
    ("angelica", "Angélica"),
    ("monica", "Mónica"),
    ("rocio", "Rocío"),
    ("garcia", "García"),
    ("hernandez", "Hernández"),
    ("martinez", "Martínez"),
    ("lopez", "López"),
    ("gonzalez", "González"),
    ("rodriguez", "Rodríguez"),
    ("perez", "Pérez"),
    ("sanchez", "Sánchez"),
    ("ramirez", "Ramírez"),
    ("gomez", "Gómez"),
    ("diaz", "Díaz"),
    ("jimenez", "Jiménez"),
    ("gutierrez", "Gutiérrez"),
    ("alvarez", "Álvarez"),
    ("chavez", "Chávez"),
    ("juarez", "Juárez"),
    ("dominguez", "Domínguez"),
    ("vazquez", "Vázquez"),
    ("velasquez", "Velásquez"),
    ("nunez", "Núñez"),
    ("marin", "Marín"),
    ("cortes", "Cortés"),
    ("leon", "León"),
    ("rios", "Ríos"),
    ("solis", "Solís"),
    ("calderon", "Calderón"),
    ("benitez", "Benítez"),
    ("galvez", "Gálvez"),
    ("najera", "Nájera"),
    ("ordonez", "Ordóñez"),
    ("pena", "Peña"),
    ("umana", "Umaña"),
    ("zuniga", "Zúñiga"),
    ("yanez", "Yáñez"),
    ("davila", "Dávila"),
    ("bermudez", "Bermúdez"),
    ("avila", "Ávila"),
    ("francois", "François"),
    ("rene", "René"),
    ("andre", "André"),
    ("dieudonne", "Dieudonné"),
    ("etienne", "Étienne"),
    ("desir", "Désir"),
    ("nadege", "Nadège"),
    ("estime", "Estimé"),
    ("jerome", "Jérôme"),
    ("celine", "Céline"),
];

fn display_word(rng: &mut Rng, w: &str) -> String {
    if let Some((_, acc)) = ACCENTED.iter().find(|(k, _)| *k == w) {
        if rng.chance(0.8) {
            return (*acc).to_owned();
        }
    }
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Words written with a particle in front (de la Cruz, del Valle) are stored with it in the
/// name lists, so a "surname" may be several words.
fn display_name_part(rng: &mut Rng, part: &str, hyphenate: bool) -> String {
    let words: Vec<String> = part
        .split(' ')
        .map(|w| {
            if crate::names::is_particle(w) {
                w.to_owned()
            } else {
                display_word(rng, w)
            }
        })
        .collect();
    // Compound French names are hyphenated (Jean-Baptiste, Saint-Fleur) unless particles.
    if hyphenate
        && words.len() == 2
        && !words
            .iter()
            .any(|w| crate::names::is_particle(&w.to_lowercase()))
    {
        words.join("-")
    } else {
        words.join(" ")
    }
}

/// How hard to perturb: records of the same person in another country get light noise,
/// queries typed by an officer get more.
#[derive(Clone, Copy)]
struct Noise {
    name: f64,
    dob: f64,
}

const VOWELS: &[u8] = b"aeiou";

fn typo(rng: &mut Rng, w: &str) -> String {
    let mut b: Vec<u8> = w.bytes().collect();
    if b.len() < 3 {
        return w.to_owned();
    }
    // Errors rarely hit the first letter.
    let i = 1 + rng.below(b.len() - 1);
    match rng.below(4) {
        0 => {
            b.remove(i);
        }
        1 => {
            let c = if rng.chance(0.5) {
                *rng.pick(VOWELS)
            } else {
                b'a' + rng.below(26) as u8
            };
            b.insert(i, c);
        }
        2 => {
            if i + 1 < b.len() {
                b.swap(i, i + 1);
            } else {
                b.swap(i - 1, i);
            }
        }
        _ => {
            b[i] = if VOWELS.contains(&b[i]) {
                *rng.pick(VOWELS)
            } else {
                b'a' + rng.below(26) as u8
            };
        }
    }
    String::from_utf8(b).unwrap_or_else(|_| w.to_owned())
}

/// A sound-alike respelling a Spanish-speaking clerk could produce.
fn respell(rng: &mut Rng, w: &str) -> String {
    const RULES: &[(&str, &str)] = &[
        ("z", "s"),
        ("s", "z"),
        ("ce", "se"),
        ("ci", "si"),
        ("ll", "y"),
        ("y", "ll"),
        ("b", "v"),
        ("v", "b"),
        ("ge", "je"),
        ("gi", "ji"),
        ("je", "ge"),
        ("ji", "gi"),
        ("x", "j"),
        ("qu", "k"),
        ("que", "ke"),
        ("gue", "ge"),
        ("gui", "gi"),
        ("ss", "s"),
        ("tt", "t"),
        ("ph", "f"),
        ("th", "t"),
        ("ch", "sh"),
        ("sh", "ch"),
        ("k", "c"),
        ("c", "k"),
    ];
    let applicable: Vec<&(&str, &str)> = RULES.iter().filter(|(a, _)| w.contains(a)).collect();
    if w.starts_with('h') && rng.chance(0.4) {
        return w[1..].to_owned();
    }
    if applicable.is_empty() {
        return w.to_owned();
    }
    let (a, b) = **rng.pick(&applicable);
    // Replace one occurrence.
    let idxs: Vec<usize> = w.match_indices(a).map(|(i, _)| i).collect();
    let i = *rng.pick(&idxs);
    // "c" → "k" only before a/o/u (before e/i it sounds s).
    if a == "c" && w[i + 1..].starts_with(['e', 'i']) {
        return w.to_owned();
    }
    format!("{}{}{}", &w[..i], b, &w[i + a.len()..])
}

/// South Asian transliteration variants (Hunterian vs common English spellings): Deepak /
/// Dipak, Pooja / Puja, Lakshmi / Laxmi, Vijay / Wijay, Siddharth / Sidharth, Shah / Sah.
/// The first rule that applies.
fn indic_respell_first(w: &str) -> String {
    const RULES: &[(&str, &str)] = &[
        ("ee", "i"),
        ("oo", "u"),
        ("aa", "a"),
        ("ksh", "x"),
        ("x", "ksh"),
        ("dh", "d"),
        ("th", "t"),
        ("v", "w"),
        ("w", "v"),
        ("sh", "s"),
    ];
    for (a, b) in RULES {
        if w.contains(a) {
            return w.replacen(a, b, 1);
        }
    }
    // Long vowels written doubled: Sunil / Suneel, Anup / Anoop.
    if let Some(i) = w[1..].find('i').map(|i| i + 1) {
        if i + 1 < w.len() {
            return format!("{}ee{}", &w[..i], &w[i + 1..]);
        }
    }
    if let Some(i) = w[1..].find('u').map(|i| i + 1) {
        return format!("{}oo{}", &w[..i], &w[i + 1..]);
    }
    w.to_owned()
}

/// West African names in English-based rather than French-based spelling: Mamadou /
/// Mamadu, Ousmane / Usman, Moussa / Musa, Djibril / Jibril, Tchami / Chami.
fn african_respell(w: &str) -> String {
    let mut v = w.replace("ou", "u").replace("dj", "j").replace("tch", "ch");
    if v.ends_with("ane") && v.len() > 5 {
        v.pop();
    }
    v
}

/// Haitian Creole orthography (the 1979 / 1987 official spelling) of French names:
/// François / Franswa, Jacques / Jak, Claude / Klod, Pierre / Pyè, Jules / Jil.
fn creole_respell(w: &str) -> String {
    let mut v = w.to_owned();
    for (a, b) in [
        ("cois", "swa"),
        ("cques", "k"),
        ("que", "k"),
        ("qu", "k"),
        ("eau", "o"),
        ("au", "o"),
        ("oi", "wa"),
        ("ph", "f"),
        ("ie", "ye"),
        ("rr", "r"),
        ("ll", "l"),
        ("tt", "t"),
        ("cl", "kl"),
        ("ca", "ka"),
        ("co", "ko"),
        ("cu", "ku"),
    ] {
        v = v.replace(a, b);
    }
    if v.len() > 3 {
        for suffix in ["es", "e", "s"] {
            if let Some(x) = v.strip_suffix(suffix) {
                v = x.to_owned();
                break;
            }
        }
    }
    v
}

fn variant_of(rng: &mut Rng, w: &str) -> Option<String> {
    let groups: Vec<&[&str]> = data::VARIANT_GROUPS
        .iter()
        .copied()
        .filter(|g| g.contains(&w))
        .collect();
    if groups.is_empty() {
        return None;
    }
    let g = rng.pick(&groups);
    let others: Vec<&&str> = g.iter().filter(|x| **x != w && !x.contains(' ')).collect();
    if others.is_empty() {
        None
    } else {
        Some((**rng.pick(&others)).to_owned())
    }
}

/// Perturbs a person's name and writes it as FollowTheMoney properties.
fn name_props(
    rng: &mut Rng,
    p: &Person,
    noise: Noise,
    props: &mut Map<String, Value>,
    errs: &mut Vec<&'static str>,
) {
    let mut given = p.given.clone();
    let mut surnames = p.surnames.clone();
    let n = noise.name;
    // Nickname, short form, translation or transliteration.
    if rng.chance(0.15 * n) {
        let i = rng.below(given.len());
        if let Some(v) = variant_of(rng, &given[i]) {
            given[i] = v;
            errs.push("given_variant");
        }
    }
    if p.origin != Origin::Hispanic && rng.chance(0.15 * n) {
        let i = rng.below(surnames.len());
        if let Some(v) = variant_of(rng, &surnames[i]) {
            surnames[i] = v;
            errs.push("surname_variant");
        }
    }
    if given.len() > 1 && rng.chance(0.2 * n) {
        given.truncate(1);
        errs.push("given_dropped");
    } else if given.len() > 1 && rng.chance(0.06 * n) {
        given.swap(0, 1);
        errs.push("given_swapped");
    }
    if surnames.len() > 1 && rng.chance(0.15 * n) {
        surnames.truncate(1);
        errs.push("surname_dropped");
    } else if surnames.len() > 1 && rng.chance(0.05 * n) {
        surnames.swap(0, 1);
        errs.push("surname_swapped");
    }
    // The rest of the region's traditions (new draws only for those origins).
    let trad = tradition_of(p);
    if matches!(trad, Tradition::Habesha | Tradition::Somali)
        && surnames.len() == 2
        && rng.chance(0.3 * n)
    {
        // The grandfather's name is the first to go (forms with two name fields).
        surnames.truncate(1);
        errs.push("grandfather_dropped");
    }
    if trad == Tradition::Sikh && surnames.len() == 2 && rng.chance(0.25 * n) {
        // "Gurpreet Sandhu": Singh / Kaur left out, the clan name kept.
        surnames.remove(0);
        errs.push("singh_kaur_dropped");
    }
    let mut initial_first = false;
    if trad == Tradition::Patronymic && rng.chance(0.5) {
        // Tamil usage: the father's name as an initial, usually written first ("K. Ravi").
        if let Some(f) = surnames.first_mut() {
            *f = f[..1].to_owned();
        }
        initial_first = rng.chance(0.6);
        errs.push("initials");
    }
    let respeller: Option<fn(&str) -> String> = match p.origin {
        Origin::Indian => Some(indic_respell_first),
        Origin::African if trad == Tradition::Plain => Some(african_respell),
        Origin::FrenchHaitian => Some(creole_respell),
        _ => None,
    };
    if let Some(f) = respeller {
        if rng.chance(0.25 * n) {
            let k = rng.below(given.len() + surnames.len());
            let w = if k < given.len() {
                &mut given[k]
            } else {
                &mut surnames[k - given.len()]
            };
            let v = f(w);
            if v != *w && v.len() >= 2 {
                *w = v;
                errs.push(if p.origin == Origin::FrenchHaitian {
                    "creole_spelling"
                } else {
                    "romanisation"
                });
            }
        }
    }
    let mut wade_giles = false;
    if p.origin == Origin::Chinese && rng.chance(0.1 + 0.25 * n) {
        // Taiwanese passports and older records: Wade-Giles, apostrophes often dropped.
        let keep_apostrophes = rng.chance(0.3);
        for w in given.iter_mut().chain(surnames.iter_mut()) {
            *w = w
                .split(' ')
                .map(|x| {
                    if crate::roman::is_pinyin(x) {
                        let wg = crate::roman::wade_giles(x);
                        if keep_apostrophes {
                            wg
                        } else {
                            wg.replace('\'', "")
                        }
                    } else {
                        x.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
        }
        wade_giles = true;
        errs.push("romanisation");
    }
    // Particles dropped ("de la Cruz" → "Cruz").
    if rng.chance(0.4 * n) {
        for s in surnames.iter_mut() {
            let kept: Vec<&str> = s
                .split(' ')
                .filter(|w| !crate::names::is_particle(w))
                .collect();
            if !kept.is_empty() && kept.len() < s.split(' ').count() {
                *s = kept.join(" ");
                errs.push("particle_dropped");
            }
        }
    }
    // Spelling noise on single words.
    let mut words: Vec<(bool, usize)> = (0..given.len()).map(|i| (true, i)).collect();
    words.extend((0..surnames.len()).map(|i| (false, i)));
    let mut mutate = |rng: &mut Rng, f: &dyn Fn(&mut Rng, &str) -> String| {
        let (g, i) = *rng.pick(&words);
        let part = if g { &mut given[i] } else { &mut surnames[i] };
        let ws: Vec<String> = part.split(' ').map(str::to_owned).collect();
        let k = rng.below(ws.len());
        if crate::names::is_particle(&ws[k]) {
            return;
        }
        let mut ws = ws;
        ws[k] = f(rng, &ws[k]);
        *part = ws.join(" ");
    };
    if rng.chance(0.3 * n) {
        mutate(rng, &typo);
        errs.push("typo");
    }
    if rng.chance(0.08 * n) {
        mutate(rng, &typo);
        errs.push("typo");
    }
    if rng.chance(0.3 * n) {
        mutate(rng, &respell);
        errs.push("respelt");
    }
    // Written forms of multi-word given names in the other traditions.
    if matches!(p.origin, Origin::Chinese | Origin::African) {
        for g in given.iter_mut() {
            if p.origin == Origin::Chinese && g.contains(' ') && !g.contains('\'') {
                // Xiaoming / Xiao-ming / Xiao Ming (Wade-Giles hyphenates: Hsiao-ming).
                let x = rng.unit();
                let hyphen = if wade_giles { 0.6 } else { 0.25 };
                if x < hyphen {
                    *g = g.replacen(' ', "-", 1);
                    errs.push("given_split");
                } else if x < hyphen + 0.2 {
                    errs.push("given_split");
                } else {
                    *g = g.replace(' ', "");
                }
            } else if let Some(rest) = g.strip_prefix("abdul ") {
                // Abdul Rahman, Abdulrahman, Abdul-Rahman, Abd al-Rahman, Abdel Rahman,
                // Abdirahman (Somali): the Arabic "servant of" compound as clerks write it.
                let forms = [
                    format!("abdul {rest}"),
                    format!("abdul{rest}"),
                    format!("abdul-{rest}"),
                    format!("abd al-{rest}"),
                    format!("abdel {rest}"),
                    format!("abdi{rest}"),
                ];
                let k = match rng.unit() {
                    x if x < 0.35 => 0,
                    x if x < 0.6 => 1,
                    x if x < 0.7 => 2,
                    x if x < 0.8 => 3,
                    x if x < 0.9 => 4,
                    _ => 5,
                };
                if k > 0 {
                    errs.push("arabic_compound");
                }
                *g = forms[k].clone();
            }
        }
    }
    let family_first = p.origin == Origin::Chinese && rng.chance(0.3);
    if family_first {
        errs.push("family_name_first");
    }
    let hyphenate = p.origin == Origin::FrenchHaitian && !rng.chance(0.3 * n);
    let g_disp: Vec<String> = given
        .iter()
        .map(|g| display_name_part(rng, g, hyphenate))
        .collect();
    let s_disp: Vec<String> = surnames
        .iter()
        .map(|s| display_name_part(rng, s, hyphenate))
        .collect();
    let (g_str, s_str) = (g_disp.join(" "), s_disp.join(" "));
    let strip = rng.chance(0.4 * n);
    let fix = |s: String, upper: bool| {
        let s = if strip {
            crate::text::fold(&s)
                .split(' ')
                .map(display_plain)
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            s
        };
        if upper {
            s.to_uppercase()
        } else {
            s
        }
    };
    let style = rng.below(10);
    let upper_all = rng.chance(0.2);
    if strip {
        errs.push("accents_dropped");
    }
    if style == 0 {
        errs.push("surname_first");
    }
    let full = match style {
        0 => format!(
            "{}, {}",
            fix(s_str.clone(), true),
            fix(g_str.clone(), false)
        ),
        1 => format!("{} {}", fix(g_str.clone(), false), fix(s_str.clone(), true)),
        _ if family_first || initial_first => fix(format!("{s_str} {g_str}"), upper_all),
        _ => fix(format!("{g_str} {s_str}"), upper_all),
    };
    props.insert("name".into(), json!([full]));
    if rng.chance(0.35) {
        props.insert("firstName".into(), json!([fix(g_str, false)]));
        props.insert("lastName".into(), json!([fix(s_str, false)]));
    }
}

fn display_plain(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn dob_string(
    rng: &mut Rng,
    dob: (u16, u8, u8),
    noise: f64,
    errs: &mut Vec<&'static str>,
) -> Option<String> {
    let (y, m, d) = dob;
    let x = rng.unit();
    let full = |y: u16, m: u8, d: u8| format!("{y:04}-{m:02}-{d:02}");
    if x < 0.06 * noise {
        errs.push("dob_missing");
        return None;
    }
    if x < 0.12 * noise {
        errs.push("dob_year_only");
        return Some(format!("{y:04}"));
    }
    if x < 0.19 * noise && d <= 12 && d != m {
        errs.push("dob_day_month_swapped");
        return Some(full(y, d, m));
    }
    if x < 0.27 * noise {
        errs.push("dob_digit_off");
        // One digit off: the last digit of the day or of the year.
        return Some(if rng.chance(0.5) {
            let nd = if d % 10 == 9 || d == 28 { d - 1 } else { d + 1 };
            full(y, m, nd)
        } else {
            full(if y % 10 == 9 { y - 1 } else { y + 1 }, m, d)
        });
    }
    Some(full(y, m, d))
}

fn entity(
    id: String,
    rng: &mut Rng,
    p: &Person,
    noise: Noise,
    country: &str,
    with_ids: bool,
    errs: &mut Vec<&'static str>,
) -> Value {
    let mut props = Map::new();
    name_props(rng, p, noise, &mut props, errs);
    if let Some(d) = dob_string(rng, p.dob, noise.dob, errs) {
        props.insert("birthDate".into(), json!([d]));
    }
    if rng.chance(0.75) {
        props.insert("nationality".into(), json!([p.nationality]));
    }
    if rng.chance(0.6) {
        props.insert(
            "gender".into(),
            json!([if p.female { "female" } else { "male" }]),
        );
    }
    if with_ids {
        if let Some(pp) = &p.passport {
            if rng.chance(0.5) {
                let shown = if rng.chance(0.5) {
                    format!("{}-{}", &pp[..1], &pp[1..])
                } else {
                    pp.to_lowercase()
                };
                props.insert("passportNumber".into(), json!([shown]));
            }
        }
        if let Some(ph) = &p.phone {
            if rng.chance(0.4) {
                props.insert(
                    "phone".into(),
                    json!([format!("+502 {}-{}", &ph[..4], &ph[4..])]),
                );
            }
        }
    }
    props.insert("country".into(), json!([country]));
    json!({"id": id, "schema": "Person", "properties": Value::Object(props)})
}

fn sibling(rng: &mut Rng, p: &Person) -> Person {
    let mut s = p.clone();
    s.female = rng.chance(0.5);
    for _ in 0..20 {
        s.given = given_for(rng, p.origin, s.female, p.community);
        if p.origin != Origin::Hispanic {
            shape_name(rng, &mut s, Some(p));
        }
        if s.given[0] != p.given[0] {
            break;
        }
    }
    let (y, _, _) = p.dob;
    let dy = 1 + rng.below(14) as u16;
    let (_, m, d) = random_dob(rng);
    s.dob = (if rng.chance(0.5) { y + dy } else { y - dy }, m, d);
    s.passport = None;
    s.phone = None;
    if rng.chance(0.3) && s.surnames.len() > 1 {
        // A parent or child: shares the first surname only.
        s.surnames[1] = surnames_for(rng, p.origin, p.community).remove(0);
        s.dob.0 = if rng.chance(0.5) {
            y + 20 + rng.below(15) as u16
        } else {
            y - 20 - rng.below(15) as u16
        };
    }
    s
}

fn namesake(rng: &mut Rng, p: &Person) -> Person {
    let mut s = p.clone();
    loop {
        s.dob = random_dob(rng);
        if s.dob.0.abs_diff(p.dob.0) >= 1 {
            break;
        }
    }
    s.passport = None;
    s.phone = None;
    s.nationality = nationality_for(rng, p.origin);
    s.female = p.female;
    s
}

/// Generates a corpus.
pub fn generate(cfg: &Config) -> Corpus {
    let mut rng = Rng::new(cfg.seed);
    let mut persons: Vec<Person> = Vec::with_capacity(cfg.persons + cfg.persons / 4);
    let mut records_of: Vec<Vec<usize>> = Vec::new();
    let mut records: Vec<Value> = Vec::new();
    let light = Noise {
        name: 0.5,
        dob: 0.5,
    };
    let heavy = Noise {
        name: 1.0,
        dob: 1.0,
    };
    let add_record = |rng: &mut Rng,
                      persons: &Vec<Person>,
                      records_of: &mut Vec<Vec<usize>>,
                      records: &mut Vec<Value>,
                      pi: usize,
                      noise: Noise| {
        let id = format!("r{}", records.len());
        let country = *rng.pick(MEMBERS);
        let e = entity(id, rng, &persons[pi], noise, country, true, &mut Vec::new());
        records_of[pi].push(records.len());
        records.push(e);
    };
    while persons.len() < cfg.persons {
        let p = new_person(&mut rng);
        let pi = persons.len();
        persons.push(p);
        records_of.push(Vec::new());
        // The first record is written cleanly (accents, proper case); later ones by other
        // countries drift.
        add_record(
            &mut rng,
            &persons,
            &mut records_of,
            &mut records,
            pi,
            Noise {
                name: 0.2,
                dob: 0.2,
            },
        );
        if rng.chance(0.25) {
            add_record(&mut rng, &persons, &mut records_of, &mut records, pi, light);
            if rng.chance(0.3) {
                add_record(&mut rng, &persons, &mut records_of, &mut records, pi, light);
            }
        }
        // Hard negatives in the index: relatives and namesakes are other persons.
        if rng.chance(0.08) && persons.len() < cfg.persons {
            let s = sibling(&mut rng, &persons[pi]);
            persons.push(s);
            records_of.push(Vec::new());
            let si = persons.len() - 1;
            add_record(
                &mut rng,
                &persons,
                &mut records_of,
                &mut records,
                si,
                Noise {
                    name: 0.2,
                    dob: 0.2,
                },
            );
        }
        if rng.chance(0.05) && persons.len() < cfg.persons {
            let s = namesake(&mut rng, &persons[pi]);
            persons.push(s);
            records_of.push(Vec::new());
            let si = persons.len() - 1;
            add_record(
                &mut rng,
                &persons,
                &mut records_of,
                &mut records,
                si,
                Noise {
                    name: 0.2,
                    dob: 0.2,
                },
            );
        }
    }
    let mut queries = Vec::with_capacity(cfg.queries);
    let mut truth = Vec::with_capacity(cfg.queries);
    let mut info = Vec::with_capacity(cfg.queries);
    // How many persons share each exact (names, date of birth): namesakes that neither
    // names nor date can separate.
    let mut same: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    for p in &persons {
        *same.entry(identity_hash(p)).or_default() += 1;
    }
    let mut twin_persons: std::collections::HashMap<u64, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, p) in persons.iter().enumerate() {
        let h = identity_hash(p);
        if same.get(&h).is_some_and(|&n| n > 1) {
            twin_persons.entry(h).or_default().push(i);
        }
    }
    // The records of the persons other than `me` sharing `p`'s names and date.
    let twins_of = |p: &Person, me: Option<usize>| -> Vec<String> {
        let h = identity_hash(p);
        let mut out = Vec::new();
        let solo = [];
        let list: &[usize] = match twin_persons.get(&h) {
            Some(v) => v,
            None if me.is_none() && same.contains_key(&h) => {
                // A negative query's person sharing the names and date of exactly one
                // indexed person: find that one.
                return persons
                    .iter()
                    .position(|x| identity_hash(x) == h)
                    .map(|i| records_of[i].iter().map(|r| format!("r{r}")).collect())
                    .unwrap_or_default();
            }
            None => &solo,
        };
        for &i in list {
            if Some(i) != me {
                out.extend(records_of[i].iter().map(|r| format!("r{r}")));
            }
        }
        out
    };
    for qi in 0..cfg.queries {
        let id = format!("q{qi}");
        let country = *rng.pick(MEMBERS);
        if qi % 2 == 0 && !persons.is_empty() {
            let pi = rng.below(persons.len());
            let with_ids = rng.chance(0.15);
            let mut errs = Vec::new();
            let e = entity(
                id.clone(),
                &mut rng,
                &persons[pi],
                heavy,
                country,
                with_ids,
                &mut errs,
            );
            if with_ids {
                errs.push("with_identifiers");
            }
            info.push(QueryInfo {
                origin: persons[pi].origin,
                errors: errs,
                twin_records: twins_of(&persons[pi], Some(pi)),
                twins: 0,
            });
            if let Some(last) = info.last_mut() {
                last.twins = twin_persons
                    .get(&identity_hash(&persons[pi]))
                    .map_or(0, |v| v.len().saturating_sub(1));
            }
            queries.push(e);
            truth.push((id, records_of[pi].iter().map(|r| format!("r{r}")).collect()));
        } else {
            let kind = rng.below(10);
            let mut errs = Vec::new();
            let other = if persons.is_empty() || kind >= 7 {
                errs.push("negative_stranger");
                new_person(&mut rng)
            } else {
                let base = persons[rng.below(persons.len())].clone();
                if kind < 4 {
                    errs.push("negative_namesake");
                    namesake(&mut rng, &base)
                } else {
                    errs.push("negative_relative");
                    sibling(&mut rng, &base)
                }
            };
            // A negative query must not carry a date that makes it unfalsifiable: keep it.
            let noise = Noise {
                name: 1.0,
                dob: 0.0,
            };
            let e = entity(
                id.clone(),
                &mut rng,
                &other,
                noise,
                country,
                false,
                &mut errs,
            );
            info.push(QueryInfo {
                origin: other.origin,
                errors: errs,
                twin_records: twins_of(&other, None),
                twins: same.get(&identity_hash(&other)).copied().unwrap_or(0) as usize,
            });
            queries.push(e);
            truth.push((id, Vec::new()));
        }
    }
    Corpus {
        records,
        queries,
        truth,
        info,
    }
}

/// Hash of what names and a date of birth can tell: given names, surnames, date.
fn identity_hash(p: &Person) -> u64 {
    let (y, m, d) = p.dob;
    let mut parts: Vec<&[u8]> = Vec::new();
    for g in &p.given {
        parts.push(g.as_bytes());
    }
    parts.push(b"|");
    for s in &p.surnames {
        parts.push(s.as_bytes());
    }
    let date = [(y >> 8) as u8, y as u8, m, d];
    parts.push(&date);
    crate::text::fnv1a(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let cfg = Config {
            seed: 7,
            persons: 300,
            queries: 100,
        };
        let a = generate(&cfg);
        let b = generate(&cfg);
        assert_eq!(a.records, b.records);
        assert_eq!(a.queries.len(), 100);
        assert!(a.records.len() > 300);
        let pos = a.truth.iter().filter(|(_, t)| !t.is_empty()).count();
        assert_eq!(pos, 50);
        for r in &a.records {
            assert!(crate::PersonRecord::from_ftm(r).is_some());
        }
    }

    #[test]
    fn generator_pools_are_pinyin_and_apart_from_the_matcher() {
        for w in pools::CHINESE_SURNAMES
            .iter()
            .chain(pools::CHINESE_SYLLABLES)
        {
            assert!(crate::roman::is_pinyin(w), "{w}");
        }
        // The generator's own lists must hold names the matcher's lists do not.
        let (m, _, s) = Community::Hindi.pools();
        assert!(m.iter().any(|w| !data::INDIAN_MALE.contains(w)));
        assert!(s.iter().any(|w| !data::INDIAN_SURNAMES.contains(w)));
    }

    /// How many records carry each person's exact full name, by origin (run by hand:
    /// `cargo test --release -p enlace-match pool_concentration -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn pool_concentration() {
        let persons: usize = std::env::var("POOL_PERSONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(780_000);
        let mut rng = Rng::new(42);
        let ps: Vec<Person> = (0..persons).map(|_| new_person(&mut rng)).collect();
        let key = |p: &Person| format!("{}|{}", p.given.join(" "), p.surnames.join(" "));
        let mut count: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for p in &ps {
            *count.entry(key(p)).or_default() += 1;
        }
        for o in [
            Origin::Hispanic,
            Origin::English,
            Origin::FrenchHaitian,
            Origin::Indian,
            Origin::Chinese,
            Origin::African,
        ] {
            let mut others: Vec<usize> = ps
                .iter()
                .filter(|p| p.origin == o)
                .map(|p| count[&key(p)] - 1)
                .collect();
            others.sort_unstable();
            let n = others.len().max(1);
            let five = others.iter().filter(|&&k| k >= 5).count();
            let names: std::collections::HashSet<String> =
                ps.iter().filter(|p| p.origin == o).map(key).collect();
            eprintln!(
                "{:15} persons {:7} distinct names {:7} median namesakes {:4} p90 {:5} share with >=5 namesakes {:.3}",
                o.label(),
                others.len(),
                names.len(),
                others.get(n / 2).copied().unwrap_or(0),
                others.get(n * 9 / 10).copied().unwrap_or(0),
                five as f64 / n as f64
            );
        }
    }

    #[test]
    fn perturbations_change_spelling() {
        let mut rng = Rng::new(1);
        assert_ne!(typo(&mut rng, "hernandez"), "hernandez");
        let r = respell(&mut rng, "gonzalez");
        assert_eq!(crate::phonetic::key(&r), crate::phonetic::key("gonzalez"));
    }
}
