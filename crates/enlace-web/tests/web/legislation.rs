//! The comparative legislation matrix: the question set, each country answering for itself
//! with a citation, versions with what changed, compliance arithmetic, stale answers and
//! their reminder, the CSV export and the pages.
use crate::testkit::{csrf_of, each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn cited(answer: &str) -> Value {
    json!({"answer": answer, "citation": {"instrument": "Ley de Migración (ficticia)", "article": "215", "in_force": "2016-10-18", "url": "https://example.org/ley"}, "excerpt": "Comete el delito de tráfico ilícito de migrantes quien…"})
}

async fn put(s: &Server, tok: &str, country: &str, q: &str, body: Value) -> (StatusCode, Value) {
    s.api(
        Some(tok),
        Method::PUT,
        &format!("/api/v1/legislation/{country}/{q}"),
        Some(body),
    )
    .await
}

async fn question_codes(s: &Server, tok: &str) -> Vec<String> {
    let (st, v) = s
        .api(
            Some(tok),
            Method::GET,
            "/api/v1/legislation/questions",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn countries_answer_for_themselves_with_citations() {
    each_engine(|s| async move {
        let off = s.token("officer.hn").await;
        // The question set: stable codes, the Protocol's article, both languages.
        let (st, v) = s.api(Some(&off), Method::GET, "/api/v1/legislation/questions", None).await;
        assert_eq!(st, StatusCode::OK);
        let items = v["items"].as_array().unwrap();
        assert!(items.len() >= 20, "{v}");
        let q = items.iter().find(|q| q["code"] == "art6_1_a").unwrap();
        assert_eq!(q["article"], "6(1)(a)");
        assert!(q["text"]["es"].as_str().unwrap().contains("tráfico"));
        assert!(q["text"]["en"].as_str().unwrap().contains("smuggling"));
        for code in ["ratification", "art3_benefit", "art5_not_liable", "art6_1_b", "art6_1_c", "art6_2_a", "art6_2_b", "art6_2_c", "art6_3_a", "art6_3_b", "art8_sea", "art16_5_consular", "art18_5_safe_return", "art19_1_non_refoulement"] {
            assert!(items.iter().any(|q| q["code"] == code), "{code} missing");
        }
        assert!(v["next"].is_null());

        // An officer answers for their own country: 200 with the answer.
        let (st, a) = put(&s, &off, "hn", "art6_1_a", cited("yes")).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        assert_eq!(a["answer"], "yes");
        assert_eq!(a["citation"]["instrument"], "Ley de Migración (ficticia)");
        assert_eq!(a["citation"]["article"], "215");
        assert_eq!(a["citation"]["in_force"], "2016-10-18");
        assert_eq!(a["version"], 1);
        assert_eq!(a["stale"], false);
        assert!(a["updated_at"].as_str().unwrap().ends_with('Z'));
        // The approver of the same country may answer too (the treaties are theirs).
        let appr = s.token("approver.hn").await;
        let (st, _) = put(&s, &appr, "hn", "ratification", cited("yes")).await;
        assert_eq!(st, StatusCode::OK);

        // Yes or partial without a citation: 422 naming the field.
        let (st, e) = put(&s, &off, "hn", "art6_1_b", json!({"answer": "yes"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["fields"][0]["field"], "citation");
        assert_eq!(e["error"]["fields"][0]["code"], "citation_required");
        let (st, e) = put(&s, &off, "hn", "art6_1_b", json!({"answer": "partial", "citation": {"instrument": "Código Penal", "article": " "}})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "citation_article", "{e}");
        let (st, e) = put(&s, &off, "hn", "art6_1_b", json!({"answer": "maybe"})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "answer", "{e}");
        let (st, e) = put(&s, &off, "hn", "art6_1_b", json!({"answer": "no", "citation": {"instrument": "Ley", "article": "1", "in_force": "2023-02-30", "url": "ftp://x"}})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["citation_in_force", "citation_url"], "{e}");
        let (st, _) = s.api(Some(&off), Method::PUT, "/api/v1/legislation/hn/art6_1_b", Some(json!("not an object"))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        // "No" needs no citation; nothing half-written by the refused ones.
        let (st, a) = put(&s, &off, "hn", "art6_1_b", json!({"answer": "no"})).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        assert_eq!(a["version"], 1, "the refused writes left nothing");
        assert!(a["citation"].is_null());

        // Another country's row: 403; the secretariat writes no country's answers: 403.
        let gt = s.token("officer.gt").await;
        assert_eq!(put(&s, &gt, "hn", "art6_1_a", cited("no")).await.0, StatusCode::FORBIDDEN);
        let sec = s.token("secretariat").await;
        assert_eq!(put(&s, &sec, "hn", "art6_1_a", cited("no")).await.0, StatusCode::FORBIDDEN);
        // Unknown question or country: 404. No login: 401.
        assert_eq!(put(&s, &off, "hn", "art99", cited("yes")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(put(&s, &off, "zz", "art6_1_a", cited("yes")).await.0, StatusCode::NOT_FOUND);
        let (st, _) = s.api(None, Method::PUT, "/api/v1/legislation/hn/art6_1_a", Some(cited("yes"))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(None, Method::GET, "/api/v1/legislation?countries=hn", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(None, Method::GET, "/api/v1/legislation/questions", None).await.0, StatusCode::UNAUTHORIZED);

        // Every member's users read every member's answers, the secretariat included.
        for tok in [&gt, &sec, &s.token("analyst.us").await] {
            let (st, m) = s.api(Some(tok), Method::GET, "/api/v1/legislation?countries=hn,ni", None).await;
            assert_eq!(st, StatusCode::OK, "{m}");
            let cell = &m["answers"]["hn"]["art6_1_a"];
            assert_eq!(cell["answer"], "yes", "{m}");
            assert_eq!(cell["citation"]["article"], "215");
            assert!(cell["excerpt"].as_str().unwrap().starts_with("Comete"));
            assert!(cell["updated_at"].is_string());
            assert_eq!(cell["stale"], false);
            assert!(m["answers"]["ni"].as_object().unwrap().is_empty());
            assert!(m["compliance"]["hn"].is_number());
            assert!(m["compliance"]["ni"].is_number());
            assert!(m["by_question"]["art6_1_a"].is_number());
        }
        // Without countries: every member country.
        let (_, m) = s.api(Some(&gt), Method::GET, "/api/v1/legislation", None).await;
        assert_eq!(m["compliance"].as_object().unwrap().len(), 11, "{m}");
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/legislation?countries=hn,xx", None).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // Honduras sees in its audit that Guatemala read its answers.
        let admin = s.token("admin.hn").await;
        let (_, log) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&per_page=200&action=legislation.read", None).await;
        assert!(
            log["items"].as_array().unwrap().iter().any(|e| e["actor_username"] == "officer.gt" && e["object_country"] == "hn"),
            "{log}"
        );
    })
    .await;
}

#[tokio::test]
async fn every_change_is_a_version_with_what_changed() {
    each_engine(|s| async move {
        let off = s.token("officer.ni").await;
        put(&s, &off, "ni", "art6_3_a", json!({"answer": "no"})).await;
        let (st, a) = put(&s, &off, "ni", "art6_3_a", cited("partial")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(a["version"], 2);
        // Saved again unchanged: a confirmation, kept as a version with no changes.
        let (_, a) = put(&s, &off, "ni", "art6_3_a", cited("partial")).await;
        assert_eq!(a["version"], 3);
        // Read by another country's user, newest first, with what changed.
        let other = s.token("prosecutor.cr").await;
        let (st, v) = s
            .api(
                Some(&other),
                Method::GET,
                "/api/v1/legislation/ni/art6_3_a/versions",
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| i["version"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            [3, 2, 1]
        );
        assert!(items[0]["changes"].as_array().unwrap().is_empty());
        let ch = items[1]["changes"].as_array().unwrap();
        let answer = ch.iter().find(|c| c["field"] == "answer").unwrap();
        assert_eq!(
            (answer["from"].as_str(), answer["to"].as_str()),
            (Some("no"), Some("partial"))
        );
        let instrument = ch.iter().find(|c| c["field"] == "instrument").unwrap();
        assert!(instrument["from"].is_null());
        assert_eq!(instrument["to"], "Ley de Migración (ficticia)");
        assert_eq!(items[2]["changes"][0]["field"], "answer");
        assert_eq!(items[2]["by"], "officer.ni");
        assert!(v["next"].is_null());
        // Unknown question 404; a bad cursor 422.
        assert_eq!(
            s.api(
                Some(&other),
                Method::GET,
                "/api/v1/legislation/ni/nope/versions",
                None
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.api(
                Some(&other),
                Method::GET,
                "/api/v1/legislation/ni/art6_3_a/versions?cursor=abc",
                None
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let (_, v) = s
            .api(
                Some(&other),
                Method::GET,
                "/api/v1/legislation/ni/art6_3_a/versions?cursor=3",
                None,
            )
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        // The history page says it in words.
        let (_, cookie, _) = s.browser_login("prosecutor.cr", "enlace-demo").await;
        let html = s
            .page(&cookie.unwrap(), "/legislation/ni/art6_3_a/versions")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("Respuesta: No → Parcial"), "{html}");
        assert!(html.contains("Confirmada sin cambios"));
    })
    .await;
}

#[tokio::test]
async fn compliance_is_yes_plus_half_partial_over_applicable_questions() {
    each_engine(|s| async move {
        let off = s.token("officer.pa").await;
        let codes = question_codes(&s, &off).await;
        let n = codes.len() as f64;
        put(&s, &off, "pa", &codes[0], cited("yes")).await;
        put(&s, &off, "pa", &codes[1], cited("partial")).await;
        put(
            &s,
            &off,
            "pa",
            &codes[2],
            json!({"answer": "not_applicable"}),
        )
        .await;
        put(&s, &off, "pa", &codes[3], json!({"answer": "no"})).await;
        let (_, m) = s
            .api(
                Some(&off),
                Method::GET,
                "/api/v1/legislation?countries=pa,bz",
                None,
            )
            .await;
        // (1 + 0.5) / (n - 1): the not-applicable question leaves the denominator, the
        // unanswered ones stay in it.
        let expected = (1.5 / (n - 1.0) * 10_000.0).round() / 10_000.0;
        assert_eq!(m["compliance"]["pa"].as_f64().unwrap(), expected, "{m}");
        assert_eq!(m["compliance"]["bz"].as_f64().unwrap(), 0.0);
        // Per question over the chosen countries (Belize has not answered).
        assert_eq!(m["by_question"][&codes[0]].as_f64().unwrap(), 0.5);
        assert_eq!(m["by_question"][&codes[1]].as_f64().unwrap(), 0.25);
        assert_eq!(m["by_question"][&codes[2]].as_f64().unwrap(), 0.0);
        assert_eq!(m["by_question"][&codes[3]].as_f64().unwrap(), 0.0);
        // Nothing applicable: no share.
        let (_, m) = s
            .api(
                Some(&off),
                Method::GET,
                "/api/v1/legislation?countries=pa",
                None,
            )
            .await;
        assert!(m["by_question"][&codes[2]].is_null(), "{m}");
        assert_eq!(m["by_question"][&codes[0]].as_f64().unwrap(), 1.0);
        // The comparison page shows the shares.
        let (_, cookie, _) = s.browser_login("officer.pa", "enlace-demo").await;
        let html = s
            .page(&cookie.unwrap(), "/legislation?countries=pa&countries=bz")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!("{:.0} %", expected * 100.0)),
            "{html}"
        );
        assert!(html.contains("50 %") && html.contains("25 %"));
    })
    .await;
}

#[tokio::test]
async fn old_answers_are_stale_and_their_country_reminded_once() {
    each_engine(|s| async move {
        let off = s.token("officer.do").await;
        put(&s, &off, "do", "art8_sea", cited("yes")).await;
        put(&s, &off, "do", "art16_4_women_children", cited("yes")).await;
        s.app.run_legislation_reminders().await.unwrap(); // the demo's old answers
                                                          // An answer written 13 months ago (through the store) is stale.
        let mut tx = s.app.store.begin().await.unwrap();
        let old = s.app.now_ms() - 395 * 24 * 3600 * 1000;
        tx.set_legislation_updated_at(
            enlace_domain::Country::parse("do").unwrap(),
            "art8_sea",
            old,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (_, m) = s
            .api(
                Some(&off),
                Method::GET,
                "/api/v1/legislation?countries=do",
                None,
            )
            .await;
        assert_eq!(m["answers"]["do"]["art8_sea"]["stale"], true, "{m}");
        assert_eq!(m["answers"]["do"]["art16_4_women_children"]["stale"], false);
        // The country's users are reminded, once.
        assert!(s.app.run_legislation_reminders().await.unwrap() >= 2);
        for u in ["officer.do", "admin.do"] {
            let (_, n) = s
                .api(
                    Some(&s.token(u).await),
                    Method::GET,
                    "/api/v1/notifications",
                    None,
                )
                .await;
            let hits: Vec<&Value> = n["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["kind"] == "legislation_stale")
                .collect();
            assert_eq!(hits.len(), 1, "{u}: {n}");
        }
        let (_, n) = s
            .api(
                Some(&s.token("officer.gt").await),
                Method::GET,
                "/api/v1/notifications",
                None,
            )
            .await;
        assert!(!n["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["kind"] == "legislation_stale" && x["link"] == "/legislation/do"));
        assert_eq!(
            s.app.run_legislation_reminders().await.unwrap(),
            0,
            "reminded once"
        );
        // The pages flag it.
        let (_, cookie, _) = s.browser_login("officer.do", "enlace-demo").await;
        let html = s
            .page(&cookie.unwrap(), "/legislation/do")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("Desactualizada (más de 12 meses)"), "{html}");
        // Confirming it (saving it again) clears the flag.
        let (_, a) = put(&s, &off, "do", "art8_sea", cited("yes")).await;
        assert_eq!(a["stale"], false);
        // A year on, everything is stale again.
        s.clock.advance_secs(366 * 24 * 3600);
        let (_, m) = s
            .api(
                Some(&off),
                Method::GET,
                "/api/v1/legislation?countries=do",
                None,
            )
            .await;
        assert_eq!(m["answers"]["do"]["art16_4_women_children"]["stale"], true);
    })
    .await;
}

#[tokio::test]
async fn csv_export_speaks_the_users_language() {
    each_engine(|s| async move {
        let off = s.token("officer.bz").await;
        put(
            &s,
            &off,
            "bz",
            "art6_1_a",
            json!({"answer": "yes", "citation": {"instrument": "=cmd()", "article": "5"}}),
        )
        .await;
        let get = |lang: &'static str| {
            let s = &s;
            let off = off.clone();
            async move {
                let res = s
                    .http
                    .get(format!(
                        "{}/api/v1/legislation/export.csv?countries=bz,ca",
                        s.base
                    ))
                    .bearer_auth(off)
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                assert!(res.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv"));
                res.bytes().await.unwrap().to_vec()
            }
        };
        let es = get("es").await;
        assert!(es.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark");
        let es = String::from_utf8(es[3..].to_vec()).unwrap();
        assert!(
            es.starts_with("País;Artículo del Protocolo;Pregunta;Respuesta;"),
            "{es}"
        );
        assert!(
            es.contains("Belice;6(1)(a);") && es.contains(";Sí;'=cmd();5;"),
            "{es}"
        );
        let en = get("en").await;
        assert!(en.starts_with(&[0xEF, 0xBB, 0xBF]));
        let en = String::from_utf8(en[3..].to_vec()).unwrap();
        assert!(
            en.starts_with("Country,Protocol article,Question,Answer,"),
            "{en}"
        );
        assert!(
            en.contains("Belize,6(1)(a),") && en.contains(",Yes,'=cmd(),5,"),
            "{en}"
        );
        // One row per country and question, plus the header.
        let n = question_codes(&s, &off).await.len();
        assert_eq!(en.lines().count(), 1 + 2 * n);
        assert_eq!(
            s.http
                .get(format!(
                    "{}/api/v1/legislation/export.csv?countries=qq",
                    s.base
                ))
                .bearer_auth(&off)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    })
    .await;
}

#[tokio::test]
async fn the_secretariat_words_the_questions() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        let body = json!({"text": {"es": "¿Excluye la ley la responsabilidad penal del migrante objeto de tráfico?", "en": "Does the law exclude the criminal liability of smuggled migrants?"}});
        let (st, q) = s.api(Some(&sec), Method::PUT, "/api/v1/legislation/questions/art5_not_liable", Some(body.clone())).await;
        assert_eq!(st, StatusCode::OK, "{q}");
        assert_eq!(q["article"], "5");
        assert_eq!(q["text"]["en"], "Does the law exclude the criminal liability of smuggled migrants?");
        let off = s.token("officer.mx").await;
        let (_, l) = s.api(Some(&off), Method::GET, "/api/v1/legislation/questions", None).await;
        let q = l["items"].as_array().unwrap().iter().find(|q| q["code"] == "art5_not_liable").unwrap().clone();
        assert_eq!(q["text"]["es"], body["text"]["es"]);
        assert_eq!(s.api(Some(&off), Method::PUT, "/api/v1/legislation/questions/art5_not_liable", Some(body.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&sec), Method::PUT, "/api/v1/legislation/questions/nope", Some(body)).await.0, StatusCode::NOT_FOUND);
        let (st, e) = s.api(Some(&sec), Method::PUT, "/api/v1/legislation/questions/art5_not_liable", Some(json!({"text": {"es": " ", "en": "x"}}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "text_es");
        // The same through the page: a blank text is refused with the field named, then saved.
        let (_, cookie, _) = s.browser_login("secretariat", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, "/legislation/questions").await.text().await.unwrap();
        assert!(html.contains("id=\"text_es-art8_sea\""));
        let csrf = csrf_of(&html);
        let res = s.post_form(&cookie, "/legislation/questions/art8_sea", &[("csrf", &csrf), ("text_es", ""), ("text_en", "At sea?")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("Texto en español: es obligatorio"));
        let res = s.post_form(&cookie, "/legislation/questions/art8_sea", &[("csrf", &csrf), ("text_es", "¿Medidas en el mar?"), ("text_en", "Measures at sea?")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, l) = s.api(Some(&off), Method::GET, "/api/v1/legislation/questions", None).await;
        assert!(l["items"].as_array().unwrap().iter().any(|q| q["code"] == "art8_sea" && q["text"]["en"] == "Measures at sea?"));
        // Other users read the questions but get no form.
        let (_, oc, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let html = s.page(&oc.unwrap(), "/legislation/questions").await.text().await.unwrap();
        assert!(html.contains("Measures at sea?") && !html.contains("id=\"text_es-art8_sea\""));
    })
    .await;
}

#[tokio::test]
async fn the_answer_form_shows_field_errors_and_saves() {
    each_engine(|s| async move {
        let (_, cookie, _) = s.browser_login("officer.ca", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s
            .page(&cookie, "/legislation/ca")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"answer-art6_1_c\""));
        let csrf = csrf_of(&html);
        let res = s
            .post_form(
                &cookie,
                "/legislation/ca/art6_1_c",
                &[
                    ("csrf", &csrf),
                    ("answer", "yes"),
                    ("instrument", ""),
                    ("article", ""),
                    ("in_force", ""),
                    ("url", ""),
                    ("excerpt", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("Cita de la ley: es obligatoria"), "{html}");
        let res = s
            .post_form(
                &cookie,
                "/legislation/ca/art6_1_c",
                &[
                    ("csrf", &csrf),
                    ("answer", "partial"),
                    (
                        "instrument",
                        "Immigration and Refugee Protection Act (ficticia)",
                    ),
                    ("article", "117"),
                    ("in_force", "2002-06-28"),
                    ("url", ""),
                    ("excerpt", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // Another country's user sees it in the comparison, and no form on Canada's page.
        let (_, other, _) = s.browser_login("analyst.gt", "enlace-demo").await;
        let other = other.unwrap();
        let html = s
            .page(&other, "/legislation?countries=ca,gt")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Immigration and Refugee Protection Act (ficticia), art. 117"),
            "{html}"
        );
        let html = s
            .page(&other, "/legislation/ca")
            .await
            .text()
            .await
            .unwrap();
        assert!(!html.contains("id=\"answer-art6_1_c\""));
        let res = s.page(&other, "/legislation/print?countries=ca").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("2002-06-28"));
        // Posting to another country's row: 403.
        let csrf = csrf_of(&html);
        let res = s
            .post_form(
                &other,
                "/legislation/ca/art6_1_c",
                &[("csrf", &csrf), ("answer", "no")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            s.page(&other, "/legislation/zz").await.status(),
            StatusCode::NOT_FOUND
        );
    })
    .await;
}
