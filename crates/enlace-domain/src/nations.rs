//! Every country of the world (ISO 3166-1 alpha-2, lower case) with its Spanish and English
//! name: the nationalities of the visa reference data. Shipped as data (`data/nations.tsv`).

const DATA: &str = include_str!("../data/nations.tsv");

/// (code, Spanish name, English name), ordered by code.
pub fn all() -> &'static [(&'static str, &'static str, &'static str)] {
    static LIST: std::sync::OnceLock<Vec<(&'static str, &'static str, &'static str)>> =
        std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        DATA.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.split('\t');
                Some((parts.next()?, parts.next()?, parts.next()?))
            })
            .collect()
    })
}

/// The code, lower case, if it names a country of the world.
pub fn parse(code: &str) -> Option<&'static str> {
    let lower = code.trim().to_ascii_lowercase();
    all()
        .binary_search_by(|(c, _, _)| (*c).cmp(lower.as_str()))
        .ok()
        .map(|i| all()[i].0)
}

/// The country's name in `lang` (`es` or `en`).
pub fn name(code: &str, lang: &str) -> Option<&'static str> {
    let c = parse(code)?;
    all()
        .iter()
        .find(|(x, _, _)| *x == c)
        .map(|(_, es, en)| if lang == "en" { *en } else { *es })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_world_is_listed_sorted_with_both_names() {
        let all = super::all();
        assert_eq!(all.len(), 249);
        assert!(
            all.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
        assert!(all
            .iter()
            .all(|(c, es, en)| c.len() == 2 && !es.is_empty() && !en.is_empty()));
        assert_eq!(super::name("HT", "es"), Some("Haití"));
        assert_eq!(super::name("ht", "en"), Some("Haiti"));
        assert!(super::parse("zz").is_none());
        for c in crate::Country::all() {
            assert_eq!(super::name(c.code(), "es"), Some(c.name("es")), "{c}");
        }
    }
}
