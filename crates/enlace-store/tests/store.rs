//! The store suite, run on SQLite and (when the test script starts one) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use enlace_domain::case::{CaseInput, DistributionInput};
use enlace_domain::{Actor, Country, Role};
use enlace_store::audit::{NewEntry, Verdict};
use enlace_store::cases::CaseFilter;
use enlace_store::users::NewUser;
use enlace_store::{Store, Viewer};

fn actor(role: Role, cc: &str) -> Actor {
    Actor {
        user_id: format!("{}.{cc}", role.as_str()),
        username: format!("{}.{cc}", role.as_str()),
        role,
        country: Country::parse(cc),
    }
}

fn entry(action: &str) -> NewEntry {
    NewEntry {
        action: action.into(),
        outcome: "ok".into(),
        ..Default::default()
    }
}

async fn each_engine<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    for (name, url) in enlace_store::testing::test_database_urls(dir.path())
        .await
        .unwrap()
    {
        eprintln!("engine: {name}");
        let store = Store::open(&url, Some(dir.path())).await.unwrap();
        f(store.clone()).await;
        store.close().await;
    }
}

#[tokio::test]
async fn cases_are_filtered_by_the_visibility_predicate() {
    each_engine(|store| async move {
        let mx = Country::parse("mx").unwrap();
        let mut tx = store.begin().await.unwrap();
        let mk = |level: &str, countries: &[&str]| CaseInput {
            title: format!("Caso {level} {}", countries.join(",")),
            distribution: Some(DistributionInput {
                level: level.into(),
                countries: countries.iter().map(|s| s.to_string()).collect(),
            }),
            ..Default::default()
        };
        let own = mk("country", &[]).validate(mx).unwrap();
        let named = mk("countries", &["gt"]).validate(mx).unwrap();
        let all = mk("members", &[]).validate(mx).unwrap();
        let c_own = tx.insert_case(mx, &own, "u1", 1_000).await.unwrap();
        let c_named = tx.insert_case(mx, &named, "u1", 2_000).await.unwrap();
        let c_all = tx.insert_case(mx, &all, "u1", 3_000).await.unwrap();
        assert!(c_own.reference.starts_with("MX-1970-0000"));
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let gt = Viewer::of(&actor(Role::Analyst, "gt"));
        let pa = Viewer::of(&actor(Role::Prosecutor, "pa"));
        let mx_admin = Viewer::of(&actor(Role::Admin, "mx"));
        let mx_off = Viewer::of(&actor(Role::Officer, "mx"));
        let f = CaseFilter::default();
        let ids =
            |v: Vec<enlace_store::cases::Case>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
        let (l, n) = tx.cases_visible(&mx_off, &f, 50, 0).await.unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            ids(l),
            vec![c_all.id.clone(), c_named.id.clone(), c_own.id.clone()]
        );
        let (l, n) = tx.cases_visible(&gt, &f, 50, 0).await.unwrap();
        assert_eq!((ids(l), n), (vec![c_all.id.clone(), c_named.id.clone()], 2));
        let (l, n) = tx.cases_visible(&pa, &f, 50, 0).await.unwrap();
        assert_eq!((ids(l), n), (vec![c_all.id.clone()], 1));
        let (_, n) = tx.cases_visible(&mx_admin, &f, 50, 0).await.unwrap();
        assert_eq!(n, 0);
        assert!(tx.case_visible(&pa, &c_own.id).await.unwrap().is_none());
        assert!(tx.case_visible(&gt, &c_named.id).await.unwrap().is_some());
        let got = tx
            .case_visible(&mx_off, &c_named.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, c_named);
        // Text filter matches literally, wildcards included.
        let (l, _) = tx
            .cases_visible(
                &mx_off,
                &CaseFilter {
                    text: Some("CASO MEMBERS".into()),
                    ..f.clone()
                },
                50,
                0,
            )
            .await
            .unwrap();
        assert_eq!(ids(l), vec![c_all.id.clone()]);
        let (l, _) = tx
            .cases_visible(
                &mx_off,
                &CaseFilter {
                    text: Some("%".into()),
                    ..f.clone()
                },
                50,
                0,
            )
            .await
            .unwrap();
        assert!(l.is_empty());
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn users_tokens_and_totp_steps() {
    each_engine(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let id = tx
            .insert_user(
                &NewUser {
                    username: "officer.cr",
                    display_name: "Oficial CR",
                    country: Country::parse("cr"),
                    role: Role::Officer,
                    password_hash: "x",
                    demo: false,
                },
                5,
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // A duplicate fails (and, on PostgreSQL, spoils its transaction: it is dropped).
        let mut tx = store.begin().await.unwrap();
        let dup = tx
            .insert_user(
                &NewUser {
                    username: "officer.cr",
                    display_name: "Otro",
                    country: Country::parse("cr"),
                    role: Role::Officer,
                    password_hash: "x",
                    demo: false,
                },
                5,
            )
            .await;
        assert!(dup.unwrap_err().is_unique_violation());
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        tx.set_totp(&id, Some("SECRET"), 10, 6).await.unwrap();
        assert!(tx.consume_totp_step(&id, 11).await.unwrap());
        assert!(
            !tx.consume_totp_step(&id, 11).await.unwrap(),
            "replay refused"
        );
        assert!(
            !tx.consume_totp_step(&id, 9).await.unwrap(),
            "older step refused"
        );
        let tok = tx.insert_token(&id, "SINAM", "hash1", 7).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.token_by_hash("hash1").await.unwrap().unwrap().id, tok);
        let mut tx = store.begin().await.unwrap();
        assert!(tx.revoke_token(&id, &tok, 8).await.unwrap());
        tx.commit().await.unwrap();
        assert!(store.token_by_hash("hash1").await.unwrap().is_none());
        let u = store.user_by_username("officer.cr").await.unwrap().unwrap();
        assert_eq!(u.totp_last_step, 11);
        assert_eq!(
            u.totp_secret.as_deref(),
            Some("SECRET"),
            "sealed at rest, opened on read"
        );
        let (list, total) = store.users_of(Country::parse("cr"), 10, 0).await.unwrap();
        assert_eq!((list.len(), total), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn audit_chain_verifies_and_is_append_only() {
    each_engine(|store| async move {
        for i in 0..70 {
            let mut tx = store.begin().await.unwrap();
            tx.audit(1_000 + i, entry(&format!("action.{i}")))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        match store.unrestricted_verify_audit(&[]).await.unwrap() {
            Verdict::Intact {
                entries,
                checkpoints,
            } => {
                assert_eq!(entries, 70);
                assert_eq!(checkpoints, 1, "one checkpoint every 64 entries");
            }
            v => panic!("{v:?}"),
        }
        // The database itself refuses changes to the log.
        let mut tx = store.begin().await.unwrap();
        assert!(tx
            .unrestricted_execute("UPDATE audit_log SET action = 'x' WHERE seq = 3")
            .await
            .is_err());
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        assert!(tx
            .unrestricted_execute("DELETE FROM audit_log WHERE seq = 3")
            .await
            .is_err());
        drop(tx);
        let (mine, total) = store
            .audit_entries(
                enlace_store::audit::AuditOf::Actor("nobody"),
                &Default::default(),
                10,
                0,
            )
            .await
            .unwrap();
        assert!(mine.is_empty() && total == 0);
    })
    .await;
}

/// A database whose records were sealed refuses a key ring that is not theirs: a missing
/// records.keys is not silently replaced by a new one (the ring did not travel with a
/// restore), and putting the right file back is enough.
#[tokio::test]
async fn a_sealed_database_refuses_a_missing_key_ring() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("enlace.db").display());
    let store = Store::open(&url, Some(dir.path())).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.set_sealed_version("checks", 1).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let ring = dir.path().join("records.keys");
    let saved = std::fs::read(&ring).unwrap();
    std::fs::remove_file(&ring).unwrap();

    let err = match Store::open(&url, Some(dir.path())).await {
        Ok(_) => panic!("a sealed database opened with a new key ring"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("records.keys"), "{err}");
    assert!(!ring.exists(), "the refused open left a new ring behind");

    std::fs::write(&ring, saved).unwrap();
    let store = Store::open(&url, Some(dir.path())).await.unwrap();
    store.close().await;
}

/// A Guatemalan case file shared with every member, for the bulk inserts below.
async fn members_case(store: &Store, title: &str) -> enlace_store::cases::Case {
    gt_case(store, title, "members").await
}

/// A Guatemalan case file with this distribution level.
async fn gt_case(store: &Store, title: &str, level: &str) -> enlace_store::cases::Case {
    let gt = Country::parse("gt").unwrap();
    let input = CaseInput {
        title: title.into(),
        distribution: Some(DistributionInput {
            level: level.into(),
            countries: vec![],
        }),
        ..Default::default()
    };
    let mut tx = store.begin().await.unwrap();
    let case = tx
        .insert_case(gt, &input.validate(gt).unwrap(), "u1", 1_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    case
}

/// A bulk insert stores every field exactly as given on both engines: quotes, backslashes,
/// letters beyond the basic plane, a newline, an empty caption in a batch of one, and a
/// field holding the separator PostgreSQL's text lists use (that batch goes as JSON).
#[tokio::test]
async fn bulk_inserted_entities_and_terms_read_back_exactly() {
    use enlace_store::entities::BulkEntity;
    each_engine(|store| async move {
        let case = members_case(&store, "Carga masiva ficticia").await;
        let row = |id: &str, caption: &str, name: &str, terms: &[&str]| {
            let mut properties = enlace_domain::ftm::Properties::new();
            properties.insert("name".into(), vec![name.to_string()]);
            BulkEntity {
                id: id.into(),
                schema: "Person".into(),
                caption: caption.into(),
                json: serde_json::to_string(&properties).unwrap(),
                properties,
                refs: vec![],
                terms: terms.iter().map(|t| t.to_string()).collect(),
            }
        };
        let batches = vec![
            vec![
                row(
                    "bulk-a",
                    "O'Brien \"el Flaco\" \\ Ñúñez 𝔘",
                    "O'Brien \"el Flaco\" \\ Ñúñez 𝔘\nsegunda línea",
                    &["obrien", "nunez", "𝔘"],
                ),
                row(
                    "bulk-b",
                    "separador \u{1f} dentro",
                    "Separador",
                    &["separador"],
                ),
            ],
            vec![row("bulk-c", "", "", &["vacia"])],
            vec![
                row(
                    "bulk-d",
                    "Dora Quiñónez",
                    "Dora Quiñónez",
                    &["dora", "quinonez"],
                ),
                row("bulk-e", "Ema Tzul", "Ema Tzul", &["ema", "tzul", "tzul"]),
            ],
        ];
        for rows in &batches {
            let mut tx = store.begin().await.unwrap();
            tx.insert_entities_bulk(&case, rows, "u1", 2_000)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let viewer = Viewer::of(&actor(Role::Officer, "gt"));
        let mut tx = store.begin().await.unwrap();
        for want in batches.iter().flatten() {
            let got = tx.entity_visible(&viewer, &want.id).await.unwrap().unwrap();
            assert_eq!(
                (&got.caption, &got.properties, &got.schema, &got.case_id),
                (&want.caption, &want.properties, &want.schema, &case.id),
                "{}",
                want.id
            );
        }
        tx.commit().await.unwrap();
        let all = enlace_store::testing::all_stored_text(&store)
            .await
            .unwrap();
        for t in [
            "obrien",
            "nunez",
            "𝔘",
            "separador",
            "vacia",
            "dora",
            "quinonez",
            "ema",
            "tzul",
        ] {
            let line = format!("entity_terms.term: {t}");
            assert_eq!(
                all.lines().filter(|l| *l == line).count(),
                1,
                "term {t} stored once"
            );
        }
        // Each row's own terms (PostgreSQL) are its terms in the term index, whether the
        // batch went as text lists or as JSON.
        assert_eq!(
            enlace_store::testing::term_index_disagreements(&store)
                .await
                .unwrap(),
            Vec::<String>::new()
        );
    })
    .await;
}

/// An entity always belongs to a case file that exists (a foreign key on SQLite, statement
/// triggers on PostgreSQL): a batch naming a missing case is refused whole, a single
/// entity too, and a case file that holds entities cannot be deleted on its own. Batches
/// that name an existing case still go in.
#[tokio::test]
async fn entities_need_their_case_file() {
    each_engine(|store| async move {
        let case = members_case(&store, "Caso con personas ficticias").await;
        insert(&store, &case, &[bulk_person(1, vec!["zuno".into()])]).await;
        let mut missing = case.clone();
        missing.id = "00000000000000000000000000000000".into();
        let rows: Vec<_> = (2..5)
            .map(|k| bulk_person(k, vec!["zdos".into()]))
            .collect();
        let mut tx = store.begin().await.unwrap();
        assert!(tx
            .insert_entities_bulk(&missing, &rows, "u1", 2_000)
            .await
            .is_err());
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let props = enlace_domain::ftm::Properties::new();
        let one = enlace_store::entities::NewEntity {
            case: &missing,
            schema: "Person",
            caption: "Sin caso",
            properties: &props,
            refs: &[],
            terms: &["zsincaso".to_string()],
        };
        assert!(tx.insert_entity(&one, "u1", 2_000).await.is_err());
        drop(tx);
        assert!(
            enlace_store::testing::delete_case_row(&store, &case.id)
                .await
                .is_err(),
            "a case file holding entities stays"
        );
        // Nothing of the refused writes, the first entity and its case file still there.
        let viewer = Viewer::of(&actor(Role::Officer, "gt"));
        let mut tx = store.read().await.unwrap();
        assert!(tx.case_visible(&viewer, &case.id).await.unwrap().is_some());
        let f = enlace_store::entities::EntityFilter::default();
        let (_, total) = tx.entities_visible(&viewer, &f, 10, 0).await.unwrap();
        assert_eq!(total, 1);
        tx.commit().await.unwrap();
        assert_eq!(
            enlace_store::testing::term_index_disagreements(&store)
                .await
                .unwrap(),
            Vec::<String>::new()
        );
        insert(&store, &case, &[bulk_person(5, vec!["zcinco".into()])]).await;
    })
    .await;
}

/// A PostgreSQL database of before V25 and V26, holding entities, is upgraded in place:
/// every row gets exactly its terms from the term index, a broad word looked up on its
/// candidates finds them, and a missing case file is still refused.
#[tokio::test]
async fn a_postgresql_database_upgrades_to_terms_on_rows() {
    let dir = tempfile::tempdir().unwrap();
    for (name, url) in enlace_store::testing::test_database_urls(dir.path())
        .await
        .unwrap()
    {
        if name != "postgres" {
            continue;
        }
        let store = Store::open(&url, Some(dir.path())).await.unwrap();
        let case = members_case(&store, "Caso anterior ficticio").await;
        // «zcentesimo» (100 entities) is looked up on its candidates in «zviejo» (10,000);
        // «zfila1» (1,111) reads «zviejo» instead.
        let rows: Vec<_> = (0..10_000)
            .map(|k| {
                let mut terms = vec!["zviejo".to_string(), format!("zfila{k}")];
                if k % 100 == 0 {
                    terms.push("zcentesimo".into());
                }
                bulk_person(k, terms)
            })
            .collect();
        insert(&store, &case, &rows).await;
        enlace_store::testing::postgres_back_to_v24(&store)
            .await
            .unwrap();
        store.close().await;
        let store = Store::open(&url, Some(dir.path())).await.unwrap();
        assert_eq!(
            enlace_store::testing::term_index_disagreements(&store)
                .await
                .unwrap(),
            Vec::<String>::new()
        );
        let viewer = Viewer::of(&actor(Role::Analyst, "mx"));
        search_answers_as_the_plain_plan(&store, &viewer, &["zcentesimo", "zviejo"], 100).await;
        search_answers_as_the_plain_plan(&store, &viewer, &["zfila1", "zviejo"], 1_111).await;
        let mut missing = case.clone();
        missing.id = "00000000000000000000000000000000".into();
        let mut tx = store.begin().await.unwrap();
        assert!(tx
            .insert_entities_bulk(&missing, &[bulk_person(9_999, vec![])], "u1", 3_000)
            .await
            .is_err());
        drop(tx);
        store.close().await;
    }
}

/// A search of these words finds exactly `want` entities, the total exact, and its first
/// page is the plain SQL plan's.
async fn search_answers_as_the_plain_plan(
    store: &Store,
    viewer: &Viewer,
    words: &[&str],
    want: i64,
) {
    let f = enlace_store::entities::EntityFilter {
        terms: words.iter().map(|w| w.to_string()).collect(),
        ..Default::default()
    };
    let mut tx = store.read().await.unwrap();
    let (page, total, exact) = tx.search_visible(viewer, &f, 50, 0).await.unwrap();
    let (plain, plain_total) = tx.entities_visible(viewer, &f, 50, 0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!((total, exact), (want, true), "{words:?}");
    assert_eq!(plain_total, want, "{words:?}");
    let ids =
        |l: &[enlace_store::entities::Entity]| l.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&page), ids(&plain), "{words:?}");
}

/// Inserts these entities into `case` in one committed write.
async fn insert(
    store: &Store,
    case: &enlace_store::cases::Case,
    rows: &[enlace_store::entities::BulkEntity],
) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_entities_bulk(case, rows, "u1", 2_000)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Person number `k` of a bulk insert, with these search terms.
fn bulk_person(k: usize, terms: Vec<String>) -> enlace_store::entities::BulkEntity {
    let mut properties = enlace_domain::ftm::Properties::new();
    properties.insert("name".into(), vec![format!("Persona {k}")]);
    enlace_store::entities::BulkEntity {
        id: format!("{k:032x}"),
        schema: "Person".into(),
        caption: format!("Persona {k}"),
        json: serde_json::to_string(&properties).unwrap(),
        properties,
        refs: vec![],
        terms,
    }
}

/// The search plans of a word broader than the first count (20,000 entries) next to a
/// rarer one: read whole when that is cheaper than a lookup per candidate, else read only as
/// far as the lookups would cost and then looked up, or decided from the size learnt, or
/// looked up outright: every way answers what the plain SQL plan answers. In this order:
/// «zpoco» cuts the read of «zcomun» short, «zmedio» reads it whole, «zpoco» again is
/// decided from the size that read learnt, «zraro» looks it up outright. «zmit» is read in
/// two halves of its range (its terms «zmita» and «zmitz» fall one in each, some entities
/// in both). The same again once the sizes come from the term table.
#[tokio::test]
async fn search_plans_of_a_broad_word_answer_as_the_plain_plan() {
    use enlace_store::entities::BulkEntity;
    each_engine(|store| async move {
        let case = members_case(&store, "Amplio ficticio").await;
        // 25,500 with «zcomun»: the first 2,000 also «zmedio», the next 1,000 also
        // «zpoco», the next 400 also «zraro»; then 200 with «zmedio» alone, 100 with
        // «zpoco» alone and 100 with «zraro» alone.
        let rows: Vec<BulkEntity> = (0..25_900)
            .map(|k| {
                let mut terms = vec![];
                if k < 25_500 {
                    terms.push("zcomun".to_string());
                }
                if k < 2_000 || (25_500..25_700).contains(&k) {
                    terms.push("zmedio".into());
                }
                if (2_000..3_000).contains(&k) || (25_700..25_800).contains(&k) {
                    terms.push("zpoco".into());
                }
                if (3_000..3_400).contains(&k) || k >= 25_800 {
                    terms.push("zraro".into());
                }
                if (3_400..3_700).contains(&k) {
                    terms.push("zmita".into());
                }
                if (3_550..3_850).contains(&k) {
                    terms.push("zmitz".into());
                }
                bulk_person(k, terms)
            })
            .collect();
        for chunk in rows.chunks(5_000) {
            let mut tx = store.begin().await.unwrap();
            tx.insert_entities_bulk(&case, chunk, "u1", 2_000)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let viewer = Viewer::of(&actor(Role::Analyst, "mx"));
        let asked = [
            (["zpoco", "zcomun"], 1_000),
            (["zcomun", "zmedio"], 2_000),
            (["zpoco", "zcomun"], 1_000),
            (["zraro", "zcomun"], 400),
            (["zmit", "zcomun"], 450),
        ];
        // Counted and learnt as they go (the first round), then again with every size from
        // the term table (the second).
        for (k, (words, want)) in asked.iter().chain(&asked).enumerate() {
            if k == asked.len() {
                store.refresh_term_sizes(true).await.unwrap();
            }
            search_answers_as_the_plain_plan(&store, &viewer, words, *want).await;
        }
        assert_eq!(
            enlace_store::testing::term_index_disagreements(&store)
                .await
                .unwrap(),
            Vec::<String>::new()
        );
    })
    .await;
}

/// A broad word whose prefix covers many stored terms (the particle «de» and the names it
/// begins) is read whole and its newest visible entities picked: the same page, total and
/// order as the plain SQL plan, for a viewer who sees only the oldest 900 of 6,500 (the
/// newest thousands are checked and passed over), at a later page, and for a viewer who sees
/// them all (the total capped). A prefix of few terms still merges them.
#[tokio::test]
async fn a_broad_prefix_of_many_terms_answers_as_the_plain_plan() {
    each_engine(|store| async move {
        let shared = members_case(&store, "Prefijo amplio ficticio").await;
        let own = gt_case(&store, "Prefijo propio ficticio", "country").await;
        let person = |k: usize| bulk_person(k, vec![format!("zpfx{}", k % 20), "zotro".into()]);
        let seen: Vec<_> = (0..900).map(person).collect();
        let hidden: Vec<_> = (900..6_500).map(person).collect();
        insert(&store, &shared, &seen).await;
        for chunk in hidden.chunks(2_000) {
            insert(&store, &own, chunk).await;
        }
        let mx = Viewer::of(&actor(Role::Analyst, "mx"));
        let gt_viewer = Viewer::of(&actor(Role::Officer, "gt"));
        for round in 0..2 {
            if round == 1 {
                store.refresh_term_sizes(true).await.unwrap();
            }
            search_answers_as_the_plain_plan(&store, &mx, &["zpfx"], 900).await;
            // One term: merged.
            search_answers_as_the_plain_plan(&store, &mx, &["zotro"], 900).await;
            let f = enlace_store::entities::EntityFilter {
                terms: vec!["zpfx".into()],
                ..Default::default()
            };
            let ids = |l: &[enlace_store::entities::Entity]| {
                l.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
            };
            let mut tx = store.read().await.unwrap();
            let (page, total, _) = tx.search_visible(&mx, &f, 50, 870).await.unwrap();
            let (plain, _) = tx.entities_visible(&mx, &f, 50, 870).await.unwrap();
            assert_eq!((ids(&page), total), (ids(&plain), 900));
            let (page, total, exact) = tx.search_visible(&gt_viewer, &f, 50, 0).await.unwrap();
            let (plain, _) = tx.entities_visible(&gt_viewer, &f, 50, 0).await.unwrap();
            assert_eq!(
                (ids(&page), total, exact),
                (ids(&plain), enlace_store::entities::SEARCH_COUNT_CAP, false)
            );
            assert_eq!(
                page.first().map(|e| e.id.clone()),
                Some(format!("{:032x}", 6_499))
            );
            tx.commit().await.unwrap();
        }
    })
    .await;
}

/// A word given twice asks what it asks once: the same page, total and cap as the word
/// alone, for a narrow word (the words plan) and a broad one (the broad plan, whose total
/// is capped; twice, it was read and intersected with itself in full).
#[tokio::test]
async fn a_repeated_search_word_answers_as_the_word_once() {
    each_engine(|store| async move {
        let shared = members_case(&store, "Palabra repetida ficticia").await;
        let own = gt_case(&store, "Palabra repetida propia", "country").await;
        let person = |k: usize| {
            let mut terms = vec![format!("zrep{}", k % 3)];
            if k.is_multiple_of(100) {
                terms.push("zraro".into());
            }
            bulk_person(k, terms)
        };
        let seen: Vec<_> = (0..1_500).map(person).collect();
        let hidden: Vec<_> = (1_500..6_000).map(person).collect();
        insert(&store, &shared, &seen).await;
        insert(&store, &own, &hidden).await;
        let mx = Viewer::of(&actor(Role::Analyst, "mx"));
        let ids = |l: &[enlace_store::entities::Entity]| {
            l.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
        };
        let search = |words: &[&str]| enlace_store::entities::EntityFilter {
            terms: words.iter().map(|w| w.to_string()).collect(),
            ..Default::default()
        };
        let mut tx = store.read().await.unwrap();
        for (twice, once, want) in [
            (&["zraro", "zraro"][..], &["zraro"][..], (15, true)),
            (
                &["zrep", "zraro", "zrep"][..],
                &["zrep", "zraro"][..],
                (15, true),
            ),
            (
                &["zrep", "zrep"][..],
                &["zrep"][..],
                (enlace_store::entities::SEARCH_COUNT_CAP, false),
            ),
        ] {
            let (a, n_a, exact_a) = tx.search_visible(&mx, &search(twice), 20, 5).await.unwrap();
            let (b, n_b, exact_b) = tx.search_visible(&mx, &search(once), 20, 5).await.unwrap();
            let (plain, _) = tx
                .entities_visible(&mx, &search(once), 20, 5)
                .await
                .unwrap();
            assert_eq!((n_a, exact_a), want, "{twice:?}");
            assert_eq!((n_b, exact_b), want, "{once:?}");
            assert_eq!(ids(&a), ids(&b), "{twice:?}");
            assert_eq!(ids(&a), ids(&plain), "{twice:?}");
            // Only what Mexico sees: the shared case's people, newest first.
            assert!(a.iter().all(|e| e.case_id == shared.id), "{twice:?}");
        }
        tx.commit().await.unwrap();
    })
    .await;
}

/// Words too broad to read (a prefix of many terms with more entries than a search reads,
/// as a letter or two at a million persons) are walked newest first: the same page as the
/// plain plan, the total capped, only what the viewer sees (the newest half is hidden from
/// Mexico), and nothing at all in a case file the viewer cannot see.
#[tokio::test]
async fn words_too_broad_to_read_are_walked_newest_first() {
    each_engine(|store| async move {
        let shared = members_case(&store, "Palabras muy amplias").await;
        let own = gt_case(&store, "Palabras muy amplias propias", "country").await;
        // Ten terms under «zw» each: 26,000 persons give 260,000 entries, 800 terms.
        let person =
            |k: usize| bulk_person(k, (0..10).map(|j| format!("zw{j}{}", k % 80)).collect());
        let seen: Vec<_> = (0..13_000).map(person).collect();
        let hidden: Vec<_> = (13_000..26_000).map(person).collect();
        for chunk in seen.chunks(6_500) {
            insert(&store, &shared, chunk).await;
        }
        for chunk in hidden.chunks(6_500) {
            insert(&store, &own, chunk).await;
        }
        let mx = Viewer::of(&actor(Role::Analyst, "mx"));
        let gt = Viewer::of(&actor(Role::Officer, "gt"));
        let ids = |l: &[enlace_store::entities::Entity]| {
            l.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
        };
        let search = |words: &[&str], case: Option<&str>| enlace_store::entities::EntityFilter {
            terms: words.iter().map(|w| w.to_string()).collect(),
            case_id: case.map(str::to_string),
            ..Default::default()
        };
        let cap = (enlace_store::entities::SEARCH_COUNT_CAP, false);
        // One word, and two («z» is implied by «zw», so «zw» is the rarest: still too broad).
        for words in [&["zw"][..], &["zw", "z"][..]] {
            let mut tx = store.read().await.unwrap();
            for (viewer, newest) in [(&mx, 12_999), (&gt, 25_999)] {
                let f = search(words, None);
                let (page, total, exact) = tx.search_visible(viewer, &f, 20, 30).await.unwrap();
                let (plain, _) = tx.entities_visible(viewer, &f, 20, 30).await.unwrap();
                assert_eq!((total, exact), cap, "{words:?}");
                assert_eq!(ids(&page), ids(&plain), "{words:?}");
                assert_eq!(page.len(), 20, "{words:?}");
                let (first, _, _) = tx.search_visible(viewer, &f, 1, 0).await.unwrap();
                assert_eq!(ids(&first), vec![format!("{newest:032x}")], "{words:?}");
            }
            // Mexico: only the shared case's people; nothing in Guatemala's own case file.
            let f = search(words, None);
            let (page, _, _) = tx.search_visible(&mx, &f, 50, 0).await.unwrap();
            assert!(page.iter().all(|e| e.case_id == shared.id), "{words:?}");
            let f = search(words, Some(own.id.as_str()));
            let (page, total, exact) = tx.search_visible(&mx, &f, 50, 0).await.unwrap();
            assert_eq!((page.len(), total, exact), (0, 0, true), "{words:?}");
            tx.commit().await.unwrap();
        }
    })
    .await;
}

/// The write-ahead log is copied into the database file by `checkpoint_wal` (the server's
/// background task) on SQLite: every frame of the writes before it, the data still read;
/// nothing to do on PostgreSQL.
#[tokio::test]
async fn the_write_ahead_log_is_checkpointed_on_demand() {
    each_engine(|store| async move {
        let case = members_case(&store, "Registro ficticio").await;
        let rows: Vec<_> = (0..3_000)
            .map(|k| bulk_person(k, vec![format!("zlog{k}")]))
            .collect();
        insert(&store, &case, &rows).await;
        let done = store.checkpoint_wal().await.unwrap();
        match store.engine() {
            enlace_store::Engine::Sqlite => {
                let (log, copied) = done.unwrap();
                assert!(log > 0 && copied == log, "{log} frames, {copied} copied");
            }
            enlace_store::Engine::Postgres => assert_eq!(done, None),
        }
        let mut tx = store.read().await.unwrap();
        let f = enlace_store::entities::EntityFilter {
            terms: vec!["zlog2999".into()],
            ..Default::default()
        };
        let viewer = Viewer::of(&actor(Role::Analyst, "mx"));
        assert_eq!(tx.search_visible(&viewer, &f, 10, 0).await.unwrap().1, 1);
        tx.commit().await.unwrap();
    })
    .await;
}

/// PostgreSQL compiles no plan to machine code for the platform: its JIT is costed on the
/// rows a statement may read, not the page it stops after, and a broad search spent half a
/// second compiling. Both the readers' and the writer's connections.
#[tokio::test]
async fn postgresql_sessions_run_without_jit() {
    each_engine(|store| async move {
        let seen = enlace_store::testing::postgres_settings(&store, "jit")
            .await
            .unwrap();
        if store.engine() == enlace_store::Engine::Postgres {
            assert_eq!(seen, ["off", "off"]);
        }
    })
    .await;
}

/// A request dropped at any point of its transaction (its client went away: the handler's
/// future is dropped at BEGIN, the savepoint, a write, the release or the commit's fsync)
/// never leaves the writer believing the connection is outside a transaction when it is
/// inside one, or the reverse: later transactions still commit and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_dropped_midway_leave_the_writer_usable() {
    each_engine(|store| async move {
        for i in 0..300i64 {
            let s = store.clone();
            // Write transactions, and audited reads of one row and of two (which append
            // them under the write lock at commit, with a savepoint for two).
            let h = tokio::spawn(async move {
                let tx = match i % 3 {
                    0 => s.begin().await,
                    _ => s.read().await,
                };
                let Ok(mut tx) = tx else { return };
                for _ in 0..(i % 3).max(1) {
                    if tx.audit(2_000 + i, entry("dropped")).await.is_err() {
                        return;
                    }
                }
                let _ = tx.commit().await;
            });
            // Dropped after a varying number of turns of the scheduler.
            for _ in 0..(i % 9) {
                tokio::task::yield_now().await;
            }
            h.abort();
            let _ = h.await;
        }
        for i in 0..3 {
            let mut tx = store.begin().await.unwrap();
            tx.audit(9_000 + i, entry("after")).await.unwrap();
            tx.commit().await.unwrap();
            // An audited read of one row answers (its commit must not wait on itself).
            let mut r = store.read().await.unwrap();
            r.audit(9_100 + i, entry("read after")).await.unwrap();
            tokio::time::timeout(std::time::Duration::from_secs(30), r.commit())
                .await
                .expect("an audited read's commit answers")
                .unwrap();
        }
        assert!(matches!(
            store.unrestricted_verify_audit(&[]).await.unwrap(),
            Verdict::Intact { .. }
        ));
    })
    .await;
}

/// The search sizes' table answers, for every word that starts with a letter or a sound
/// mark, the entries of its range exactly as the term index counts them (prefixes that
/// cover many terms, one term, none, past the last term); digits are left to counting.
/// Rows written past its slack put it out of date (searches count again) until it is read
/// anew, which waits until the term index is quiet and has had enough writes to be worth it.
#[tokio::test]
async fn the_term_sizes_table_answers_what_the_term_index_counts() {
    use enlace_store::entities::BulkEntity;
    each_engine(|store| async move {
        let case = members_case(&store, "Tamaños ficticios").await;
        let bulk = |from: usize, n: usize| -> Vec<BulkEntity> {
            (from..from + n)
                .map(|k| {
                    let mut terms = vec![
                        format!("zapata{}", k % 7),
                        "~SPT".to_string(),
                        format!("{}", 5_550_000 + k),
                    ];
                    if k % 3 == 0 {
                        terms.push("zamora".into());
                        terms.push(format!("~SMR{}", k % 2));
                    }
                    bulk_person(k, terms)
                })
                .collect()
        };
        insert(&store, &case, &bulk(0, 3_000)).await;
        let words = [
            "z", "za", "zapata", "zapata3", "zam", "zamorano", "~", "~S", "~SMR", "~SMR1", "~SPTX",
            "zz", "a", "~~", "555",
        ];
        // Before it is read: nothing from the table.
        let sizes = enlace_store::testing::term_table_sizes(&store, &words)
            .await
            .unwrap();
        assert!(sizes.iter().all(|(t, _)| t.is_none()), "{sizes:?}");
        assert_eq!(store.refresh_term_sizes(true).await.unwrap(), Some(11));
        let sizes = enlace_store::testing::term_table_sizes(&store, &words)
            .await
            .unwrap();
        for (w, (table, counted)) in words.iter().zip(&sizes) {
            if w.starts_with(|c: char| c.is_ascii_digit()) {
                assert_eq!(*table, None, "{w}");
            } else {
                assert_eq!(*table, Some(*counted), "{w}");
            }
        }
        assert_eq!(sizes[0].1, 4_000);
        assert_eq!(sizes[3].1, 429);
        assert_eq!(sizes[8].1, 1_000);
        assert_eq!(sizes[11].1, 0);
        // Written within its slack (10,000 rows): still used, a little out of date.
        insert(&store, &case, &bulk(3_000, 1_500)).await;
        let sizes = enlace_store::testing::term_table_sizes(&store, &["zamora"])
            .await
            .unwrap();
        assert_eq!(sizes, [(Some(1_000), 1_500)]);
        // Past it: counted again until read anew.
        insert(&store, &case, &bulk(4_500, 2_500)).await;
        let sizes = enlace_store::testing::term_table_sizes(&store, &["zamora"])
            .await
            .unwrap();
        assert_eq!(sizes, [(None, 2_334)]);
        // Not while the term index is being written (an import): only once quiet.
        assert_eq!(store.refresh_term_sizes(false).await.unwrap(), None);
        store.refresh_term_sizes(true).await.unwrap();
        let sizes = enlace_store::testing::term_table_sizes(&store, &["zamora", "~SPT"])
            .await
            .unwrap();
        assert_eq!(sizes, [(Some(2_334), 2_334), (Some(7_000), 7_000)]);
        // Once quiet, a user's few new records do not make the server read the whole index
        // again; writes of a twentieth of its entries (at least 5,000 rows) do.
        let quiet = enlace_store::entities::TABLE_QUIET + std::time::Duration::from_millis(300);
        insert(&store, &case, &bulk(7_000, 1)).await;
        tokio::time::sleep(quiet).await;
        assert_eq!(store.refresh_term_sizes(false).await.unwrap(), None);
        insert(&store, &case, &bulk(7_001, 1_700)).await;
        tokio::time::sleep(quiet).await;
        assert_eq!(store.refresh_term_sizes(false).await.unwrap(), Some(11));
    })
    .await;
}
