//! Search at scale (issue 16): a search of several words is answered rarest word first, its
//! broadest words checked on the few candidates left; the answers stay those of the plain
//! plan (hidden records neither returned nor counted, sensitive records matched exactly by
//! their blind terms, misspellings found by sound), and a page of foreign records leaves one
//! audit row per record, written in one statement, with the chain intact.
use crate::testkit::{each_engine, Server};
use enlace_store::audit::Verdict;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn case(s: &Server, tok: &str, body: Value) -> String {
    let (st, v) = s
        .api(Some(tok), Method::POST, "/api/v1/cases", Some(body))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Guatemala's three cases: shared with every member, its own (hidden from Mexico), and a
/// sensitive one shared with Mexico (its persons' words stored as blind terms).
async fn three_cases(s: &Server, gt: &str) -> (String, String, String) {
    let shared = case(
        s,
        gt,
        json!({"title": "Red ficticia", "distribution": {"level": "members"}}),
    )
    .await;
    let own = case(
        s,
        gt,
        json!({"title": "Propio ficticio", "distribution": {"level": "country"}}),
    )
    .await;
    let victims = case(s, gt, json!({"title": "Víctimas (ficticio)", "sensitive": true, "distribution": {"level": "countries", "countries": ["mx"]}})).await;
    (shared, own, victims)
}

async fn import(s: &Server, tok: &str, case_id: &str, lines: Vec<Value>) {
    let n = lines.len() as u64;
    let body: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let res = s
        .http
        .post(format!("{}/api/v1/import?case_id={case_id}", s.base))
        .bearer_auth(tok)
        .body(body.join("\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let rep: Value = res.json().await.unwrap();
    assert_eq!(rep["accepted"].as_u64(), Some(n), "{rep}");
}

fn person(first: &str, last: &str) -> Value {
    json!({"schema": "Person", "properties": {"firstName": [first], "lastName": [last]}})
}

/// (ids, total) of a search as `tok`.
async fn search(s: &Server, tok: &str, q: &str) -> (Vec<String>, i64) {
    let (st, r) = s
        .api(
            Some(tok),
            Method::GET,
            &format!("/api/v1/search?q={q}&per_page=200"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["total_exact"], true, "{q}: {r}");
    let ids: Vec<String> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {q}");
    (ids, r["total"].as_i64().unwrap())
}

/// A rare surname next to a very common one: the common word is looked up on the candidates
/// (term index by entity). Hidden records are neither returned nor counted; a sensitive
/// record matches only its whole words (blind terms), as it does in the term index; a
/// misspelling is found by how it sounds.
#[tokio::test]
async fn a_rare_word_with_a_common_one_finds_exactly_the_visible_matches() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let (shared, own, victims) = three_cases(&s, &gt).await;
        // 400 Zeledón (far more than ten times the rare word's entries), 3 of them Quispe.
        let mut common: Vec<Value> = (0..400)
            .map(|i| {
                person(
                    ["Rutilia", "Casimira", "Eustaquio", "Filiberto"][i % 4],
                    "Zeledón",
                )
            })
            .collect();
        common.push(person("Rutilia", "Quispe Zeledón"));
        common.push(person("Filiberto", "Quispe Zeledón"));
        import(&s, &gt, &shared, common).await;
        import(
            &s,
            &gt,
            &own,
            vec![
                person("Rutilia", "Quispe Zeledón"),
                person("Eustaquio", "Zeledón"),
            ],
        )
        .await;
        import(
            &s,
            &gt,
            &victims,
            vec![person("Casimira", "Quispe Zeledón")],
        )
        .await;
        // Quispe without Zeledón: a candidate the common word must throw out.
        import(&s, &gt, &shared, vec![person("Rutilia", "Quispe Mamani")]).await;

        let (ids, total) = search(&s, &mx, "quispe%20zeledon").await;
        assert_eq!(
            (ids.len(), total),
            (3, 3),
            "two shared and the sensitive one, not the hidden one"
        );
        // Prefixes: the plain records match «zele», the sensitive one only whole words.
        let (_, total) = search(&s, &mx, "quispe%20zele").await;
        assert_eq!(total, 2);
        // The owner sees its own-country one too.
        assert_eq!(search(&s, &gt, "quispe%20zeledon").await.1, 4);
        // Three words: the given name narrows further.
        assert_eq!(search(&s, &mx, "rutilia%20quispe%20zeledon").await.1, 1);
        assert_eq!(search(&s, &gt, "rutilia%20quispe%20zeledon").await.1, 2);
        // Misspelt (no stored word starts with «kispe» or «seledon»): found by sound.
        assert_eq!(search(&s, &mx, "kispe%20seledon").await.1, 3);
        // Nothing hidden leaks into the count: another country sees only the shared ones.
        assert_eq!(
            search(&s, &s.token("analyst.hn").await, "quispe%20zeledon")
                .await
                .1,
            2
        );
        // A word nobody has: nothing, for everyone.
        assert_eq!(
            search(&s, &gt, "quispe%20zeledon%20xochiquetzal").await.1,
            0
        );
        // Two common words together stay exact and complete.
        let (ids, total) = search(&s, &mx, "rutilia%20zeledon").await;
        assert_eq!(
            total, 101,
            "100 Rutilia Zeledón and Rutilia Quispe Zeledón, shared; not the hidden one: {ids:?}"
        );
    })
    .await;
}

/// A word far broader than the candidates the rarest word leaves is looked up on those
/// candidates in the term index by entity (one seek each, V22) instead of being read: the
/// hidden records are neither returned nor counted, on every page and with the other
/// filters; a sensitive record is found by the whole word only; a candidate without the word
/// drops out.
#[tokio::test]
async fn a_broad_word_looked_up_on_the_candidates_keeps_hidden_and_sensitive_rules() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let (shared, own, victims) = three_cases(&s, &gt).await;
        // 700 Villatoro with other given names: the broad word (more than twenty entries
        // per candidate of the rare one, the cost of a lookup on either engine).
        let mut lines: Vec<Value> = (0..700)
            .map(|i| person(["Casimira", "Eustaquio", "Filiberto"][i % 3], "Villatoro"))
            .collect();
        lines.extend((0..30).map(|_| person("Eleuteria", "Villatoro")));
        lines.push(person("Eleuteria", "Mamani"));
        import(&s, &gt, &shared, lines).await;
        import(
            &s,
            &gt,
            &own,
            vec![
                person("Eleuteria", "Villatoro"),
                person("Eleuteria", "Villatoro"),
            ],
        )
        .await;
        import(&s, &gt, &victims, vec![person("Eleuteria", "Villatoro")]).await;

        let (all, total) = search(&s, &mx, "eleuteria%20villatoro").await;
        assert_eq!(
            (all.len(), total),
            (31, 31),
            "30 shared and the sensitive one, not the two hidden ones"
        );
        // The second page of 20 is the rest of the same order, with the same total.
        let (st, r) = s
            .api(
                Some(&mx),
                Method::GET,
                "/api/v1/search?q=eleuteria%20villatoro&per_page=20&page=2",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["total"], 31, "{r}");
        let page2: Vec<&str> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            page2,
            all[20..].iter().map(String::as_str).collect::<Vec<_>>()
        );
        // A prefix finds the plain records, never the sensitive one (stored as whole words).
        assert_eq!(search(&s, &mx, "eleuteria%20villa").await.1, 30);
        // The owner sees its own two as well.
        assert_eq!(search(&s, &gt, "eleuteria%20villatoro").await.1, 33);
        // The other filters apply to the looked-up candidates too.
        let (st, r) = s
            .api(
                Some(&mx),
                Method::GET,
                "/api/v1/search?q=eleuteria%20villatoro&country=gt&per_page=200",
                None,
            )
            .await;
        assert_eq!((st, r["total"].as_i64()), (StatusCode::OK, Some(31)), "{r}");
        let (st, r) = s
            .api(
                Some(&mx),
                Method::GET,
                "/api/v1/search?q=eleuteria%20villatoro&country=mx",
                None,
            )
            .await;
        assert_eq!((st, r["total"].as_i64()), (StatusCode::OK, Some(0)), "{r}");
        // Misspelt: no stored word starts with «villatro», found by how it sounds.
        assert_eq!(search(&s, &mx, "eleuteria%20villatro").await.1, 31);
        // Another member country sees only the shared ones.
        assert_eq!(
            search(&s, &s.token("analyst.hn").await, "eleuteria%20villatoro")
                .await
                .1,
            30
        );
    })
    .await;
}

/// A broad word that begins many stored terms (twelve surnames starting «zub», 5,302
/// entries) is read whole and its newest visible records picked: the 5,000 newest, kept to
/// Guatemala, are passed over for Mexico, whose total counts only the 300 it sees, on every
/// page and newest first; the sensitive record (whole words only) is not found by the
/// prefix; Guatemala's total stops at 1,000.
#[tokio::test]
async fn a_broad_prefix_of_many_surnames_counts_only_the_visible_records() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let (shared, own, victims) = three_cases(&s, &gt).await;
        const SURNAMES: [&str; 12] = [
            "Zubeldia",
            "Zubiri",
            "Zubizarreta",
            "Zubillaga",
            "Zubieta",
            "Zubiaur",
            "Zuberoa",
            "Zubimendi",
            "Zubiate",
            "Zubia",
            "Zubikarai",
            "Zubero",
        ];
        let people = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| person(["Casimira", "Eustaquio"][i % 2], SURNAMES[i % 12]))
                .collect()
        };
        import(&s, &gt, &shared, people(300)).await;
        import(&s, &gt, &victims, vec![person("Casimira", "Zubiri")]).await;
        import(&s, &gt, &own, people(5_000)).await;
        import(&s, &gt, &own, vec![person("Casimira", "Zubia Postrera")]).await;

        let (all, total) = search(&s, &mx, "zub").await;
        assert_eq!((all.len(), total), (200, 300), "the shared ones only");
        let (st, r) = s
            .api(
                Some(&mx),
                Method::GET,
                "/api/v1/search?q=zub&per_page=200&page=2",
                None,
            )
            .await;
        assert_eq!(
            (st, r["total"].as_i64()),
            (StatusCode::OK, Some(300)),
            "{r}"
        );
        let page2: Vec<String> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(page2.len(), 100);
        assert!(all.last() > page2.first(), "page 2 continues page 1");
        // The sensitive record is found by its whole word, never by the prefix.
        assert_eq!(search(&s, &mx, "zubiri").await.1, 26);
        assert_eq!(search(&s, &s.token("analyst.hn").await, "zub").await.1, 300);
        let (st, r) = s
            .api(Some(&gt), Method::GET, "/api/v1/search?q=zub", None)
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(
            (r["total"].as_i64(), &r["total_exact"]),
            (Some(1_000), &json!(false))
        );
        // Its page is its newest records: the last imported, after every shared one.
        let newest: Vec<&str> = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert!(!newest.is_empty() && newest.windows(2).all(|w| w[0] > w[1]));
        assert!(
            newest.iter().all(|id| *id > all[0].as_str()),
            "newest first"
        );
        let first = r["results"][0]["caption"].as_str().unwrap_or_default();
        assert!(
            first.contains("Postrera"),
            "the last imported leads: {first}"
        );
    })
    .await;
}

/// A word that begins another word of the same search («mor morales») is left out of the
/// plan: every plain record with a word starting «morales» has one starting «mor». Not so
/// for a sensitive record, whose words are matched whole: it must carry both.
#[tokio::test]
async fn a_word_that_begins_another_holds_for_plain_records_only() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let (shared, own, victims) = three_cases(&s, &gt).await;
        let mut lines: Vec<Value> = (0..3).map(|_| person("Anacleta", "Morales")).collect();
        lines.push(person("Anacleta", "Moreira"));
        import(&s, &gt, &shared, lines).await;
        import(&s, &gt, &own, vec![person("Anacleta", "Morales")]).await;
        import(
            &s,
            &gt,
            &victims,
            vec![person("Anacleta", "Morales"), person("Mor", "Morales")],
        )
        .await;
        // The three shared, and of the sensitive ones only the one with the word «mor».
        let (ids, total) = search(&s, &mx, "mor%20morales").await;
        assert_eq!((ids.len(), total), (4, 4), "{ids:?}");
        assert_eq!(search(&s, &mx, "morales%20mor").await, (ids.clone(), 4));
        // A word twice is the word once.
        assert_eq!(search(&s, &mx, "morales%20morales").await.1, 5);
        assert_eq!(search(&s, &mx, "anacleta%20mor%20morales").await.1, 3);
        // The owner also sees its own.
        assert_eq!(search(&s, &gt, "mor%20morales").await.1, 5);
        // Where neither word begins the other, nothing is left out.
        assert_eq!(search(&s, &mx, "anacleta%20mor").await.1, 4);
    })
    .await;
}

/// A search answering 200 records of another country writes 200 audit rows (more than one
/// multi-row statement and across a checkpoint), each with the record and its owner
/// country, and the chain still verifies.
#[tokio::test]
async fn a_page_of_foreign_records_is_audited_row_by_row_and_the_chain_verifies() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let shared = case(
            &s,
            &gt,
            json!({"title": "Red ficticia", "distribution": {"level": "members"}}),
        )
        .await;
        import(
            &s,
            &gt,
            &shared,
            (0..230)
                .map(|i| {
                    person(
                        if i % 2 == 0 {
                            "Anacleta"
                        } else {
                            "Hermógenes"
                        },
                        "Tzul",
                    )
                })
                .collect(),
        )
        .await;
        let (ids, total) = search(&s, &mx, "tzul").await;
        assert_eq!((ids.len(), total), (200, 230));

        let admin = s.token("admin.gt").await;
        let mut audited = std::collections::BTreeSet::new();
        for page in 1..=5 {
            let (st, a) = s
                .api(
                    Some(&admin),
                    Method::GET,
                    &format!(
                        "/api/v1/audit?scope=country&action=entity.search&per_page=200&page={page}"
                    ),
                    None,
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{a}");
            let items = a["items"].as_array().unwrap();
            for e in items
                .iter()
                .filter(|e| e["object_kind"] == "entity" && e["detail"] == "returned")
            {
                assert_eq!(e["object_country"], "gt", "{e}");
                assert_eq!(e["actor_username"], "analyst.mx", "{e}");
                audited.insert(e["object_id"].as_str().unwrap().to_string());
            }
            if items.is_empty() {
                break;
            }
        }
        let returned: std::collections::BTreeSet<String> = ids.into_iter().collect();
        assert_eq!(
            audited, returned,
            "one audit row per returned record, none other"
        );
        assert!(matches!(
            s.app.store.unrestricted_verify_audit(&[]).await.unwrap(),
            Verdict::Intact { .. }
        ));
    })
    .await;
}
