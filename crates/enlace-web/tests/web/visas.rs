//! Visa requirements: the destination country's own rows win, proposals carry
//! `verified: false` until it confirms them, a look-up by date answers the row in force,
//! and every change stays in the history.
use crate::testkit::{csrf_of, each_engine};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{}:{}",
                        f["field"].as_str().unwrap_or(""),
                        f["code"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn destination_sets_rows_others_read_them_and_dates_pick_the_row_in_force() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        let st = s.token("secretariat").await;
        // No row yet: 404 for everyone.
        let (code, _) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx", None).await;
        assert_eq!(code, StatusCode::NOT_FOUND);
        // Anonymous: 401 on read and write.
        assert_eq!(s.api(None, Method::GET, "/api/v1/visas?nationality=ke&destination=mx", None).await.0, StatusCode::UNAUTHORIZED);
        let row = json!({"regime": "visa_required", "source": "Ley de Migración (ficticia), art. 37", "effective": "2020-01-01"});
        assert_eq!(s.api(None, Method::PUT, "/api/v1/visas/mx/ke", Some(row.clone())).await.0, StatusCode::UNAUTHORIZED);
        // Another country, and the secretariat: 403.
        assert_eq!(s.api(Some(&gt), Method::PUT, "/api/v1/visas/mx/ke", Some(row.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&st), Method::PUT, "/api/v1/visas/mx/ke", Some(row.clone())).await.0, StatusCode::FORBIDDEN);
        // Any role of the destination country sets it.
        let (code, v) = s.api(Some(&mx), Method::PUT, "/api/v1/visas/mx/ke", Some(row)).await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!(v["regime"], "visa_required");
        assert_eq!(v["verified"], true);
        assert_eq!(v["effective"], "2020-01-01");
        assert_eq!(v["source"], "Ley de Migración (ficticia), art. 37");
        assert!(v["max_stay_days"].is_null());
        for who in ["approver.mx", "admin.mx", "prosecutor.mx", "analyst.mx"] {
            let t = s.token(who).await;
            let (code, v) = s
                .api(Some(&t), Method::PUT, "/api/v1/visas/mx/ke", Some(json!({"regime": "visa_required", "source": {"text": "Ley de Migración (ficticia), art. 37", "url": "https://example.org/ley"}, "effective": "2020-01-01"})))
                .await;
            assert_eq!(code, StatusCode::OK, "{who}: {v}");
        }
        // A later rule from 2024: visa-free for 180 days.
        let (code, v) = s
            .api(Some(&mx), Method::PUT, "/api/v1/visas/MX/KE", Some(json!({"regime": "visa_free", "max_stay_days": 180, "source": "Acuerdo (ficticio) 12/2023", "source_url": "https://example.org/acuerdo", "effective": "2024-03-01"})))
            .await;
        assert_eq!(code, StatusCode::OK, "{v}");
        // Every user reads: the promised shape, the row in force on each date.
        for reader in [&gt, &st, &s.token("approver.cr").await] {
            let (code, v) = s.api(Some(reader), Method::GET, "/api/v1/visas?nationality=ke&destination=mx&date=2021-06-30", None).await;
            assert_eq!(code, StatusCode::OK, "{v}");
            for k in ["regime", "max_stay_days", "source", "effective", "verified"] {
                assert!(v.get(k).is_some(), "{k} in {v}");
            }
            assert_eq!(v["regime"], "visa_required");
            assert_eq!(v["effective"], "2020-01-01");
            assert_eq!(v["source_url"], "https://example.org/ley");
        }
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx&date=2024-03-01", None).await;
        assert_eq!((v["regime"].as_str(), v["max_stay_days"].as_i64()), (Some("visa_free"), Some(180)));
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx", None).await;
        assert_eq!(v["regime"], "visa_free", "today: the 2024 rule");
        // Before the first rule: no row.
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx&date=2019-12-31", None).await.0, StatusCode::NOT_FOUND);
        // Lists: by destination (every current version), by nationality across destinations, paged.
        let (code, l) = s.api(Some(&gt), Method::GET, "/api/v1/visas?destination=mx", None).await;
        assert_eq!(code, StatusCode::OK, "{l}");
        let items = l["items"].as_array().unwrap();
        assert!(items.iter().all(|x| x["destination"] == "mx"));
        assert_eq!(items.iter().filter(|x| x["nationality"] == "ke").count(), 2);
        assert!(l.get("next").is_some());
        let (_, l) = s.api(Some(&gt), Method::GET, "/api/v1/visas?destination=mx&date=2022-01-01", None).await;
        let ke: Vec<&Value> = l["items"].as_array().unwrap().iter().filter(|x| x["nationality"] == "ke").collect();
        assert_eq!(ke.len(), 1);
        assert_eq!(ke[0]["regime"], "visa_required");
        let (_, l) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ht", None).await;
        let dests: Vec<&str> = l["items"].as_array().unwrap().iter().map(|x| x["destination"].as_str().unwrap()).collect();
        assert!(dests.contains(&"mx") && dests.contains(&"gt"), "{l}");
        assert!(l["items"].as_array().unwrap().iter().all(|x| x["nationality"] == "ht"));
        // Paging walks the whole list without repeats.
        let mut seen = vec![];
        let mut path = "/api/v1/visas?limit=2".to_string();
        loop {
            let (code, l) = s.api(Some(&gt), Method::GET, &path, None).await;
            assert_eq!(code, StatusCode::OK, "{l}");
            let items = l["items"].as_array().unwrap();
            assert!(items.len() <= 2);
            for x in items {
                seen.push(format!("{}/{}/{}", x["destination"], x["nationality"], x["effective"]));
            }
            match l["next"].as_str() {
                Some(n) => path = format!("/api/v1/visas?limit=2&cursor={n}"),
                None => break,
            }
        }
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), seen.len());
        assert!(seen.len() > 10, "demo rows and ours: {}", seen.len());
        // History: every version, newest first.
        let (code, h) = s.api(Some(&gt), Method::GET, "/api/v1/visas/mx/ke/history", None).await;
        assert_eq!(code, StatusCode::OK);
        let h = h["items"].as_array().unwrap().clone();
        assert!(h.len() >= 3, "{h:?}");
        assert_eq!(h[0]["effective"], "2024-03-01");
        assert!(h.iter().any(|x| !x["superseded_at"].is_null()), "the replaced version is kept");
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/visas/mx/zw/history", None).await.0, StatusCode::NOT_FOUND);
        // Writes are audited with the destination country.
        let admin = s.token("admin.mx").await;
        let (_, a) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&action=visa.set", None).await;
        assert!(a["items"].as_array().unwrap().iter().any(|x| x["object_country"] == "mx"), "{a}");
        // Withdrawing a rule keeps it in the history and the earlier rule is in force again.
        assert_eq!(s.api(Some(&gt), Method::DELETE, "/api/v1/visas/mx/ke?effective=2024-03-01", None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&mx), Method::DELETE, "/api/v1/visas/mx/ke?effective=2024-03-01", None).await.0, StatusCode::NO_CONTENT);
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx", None).await;
        assert_eq!(v["regime"], "visa_required");
        let (_, h2) = s.api(Some(&gt), Method::GET, "/api/v1/visas/mx/ke/history", None).await;
        assert_eq!(h2["items"][0]["change"], "withdrawn");
    })
    .await;
}

#[tokio::test]
async fn bad_input_names_its_fields() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let cases = [
            (json!({"regime": "tourist", "source": "x"}), "regime:unknown_regime"),
            (json!({"regime": "visa_free", "source": "x"}), "max_stay_days:max_stay_required"),
            (json!({"regime": "not_admitted", "max_stay_days": 3, "source": "x"}), "max_stay_days:stay_not_applicable"),
            (json!({"regime": "visa_free", "max_stay_days": 0, "source": "x"}), "max_stay_days:out_of_range"),
            (json!({"regime": "visa_required", "source": "x", "effective": "2023-02-30"}), "effective:bad_date"),
            (json!({"regime": "visa_required", "source": "x", "effective": "ayer"}), "effective:bad_date"),
            (json!({"regime": "visa_required"}), "source:required"),
            (json!({"regime": "visa_required", "source": "x", "source_url": "javascript:alert(1)"}), "source_url:bad_source_url"),
            (json!({"regime": "visa_required", "source": "a\u{0}b"}), "source:bad_characters"),
        ];
        for (body, want) in cases {
            let (code, v) = s.api(Some(&mx), Method::PUT, "/api/v1/visas/mx/ke", Some(body.clone())).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
            assert!(fields(&v).contains(&want.to_string()), "{body}: want {want} in {v}");
        }
        // Unknown country codes, in paths and queries.
        let ok = json!({"regime": "visa_required", "source": "x"});
        let (code, v) = s.api(Some(&mx), Method::PUT, "/api/v1/visas/mx/zz", Some(ok.clone())).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fields(&v).contains(&"nationality:unknown_nationality".into()), "{v}");
        let (code, v) = s.api(Some(&mx), Method::PUT, "/api/v1/visas/br/ke", Some(ok)).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fields(&v).contains(&"destination:unknown_country".into()), "{v}");
        let (code, v) = s.api(Some(&mx), Method::GET, "/api/v1/visas?nationality=xx&destination=mx", None).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fields(&v).contains(&"nationality:unknown_nationality".into()), "{v}");
        let (code, v) = s.api(Some(&mx), Method::GET, "/api/v1/visas?nationality=ht&destination=mx&date=2024-13-01", None).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(fields(&v).contains(&"date:bad_date".into()), "{v}");
        for q in ["cursor=nope", "limit=0", "limit=500", "destination=fr", "verified=maybe"] {
            let (code, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/visas?{q}"), None).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {v}");
        }
        // Nothing was written by the refused requests.
        assert_eq!(s.api(Some(&mx), Method::GET, "/api/v1/visas/mx/ke/history", None).await.0, StatusCode::NOT_FOUND);
        // Spanish messages name the field.
        let res = s
            .http
            .put(format!("{}/api/v1/visas/mx/ke", s.base))
            .bearer_auth(&mx)
            .header("accept-language", "es")
            .json(&json!({"regime": "tourist", "source": "x"}))
            .send()
            .await
            .unwrap();
        let v: Value = res.json().await.unwrap();
        assert!(v["error"]["fields"][0]["message"].as_str().unwrap().contains("régimen"), "{v}");
    })
    .await;
}

#[tokio::test]
async fn proposals_wait_for_the_destination_whose_own_rows_win() {
    each_engine(|s| async move {
        let st = s.token("secretariat").await;
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        // Mexico's own row for Kenya.
        s.api(Some(&mx), Method::PUT, "/api/v1/visas/mx/ke", Some(json!({"regime": "visa_required", "source": "Ley (ficticia)", "effective": "2020-01-01"}))).await;
        // The secretariat imports a third-party list (JSON).
        let rows = json!({"rows": [
            {"destination": "mx", "nationality": "ke", "regime": "visa_free", "max_stay_days": 90, "source": "Lista de terceros", "effective": "2020-01-01"},
            {"destination": "mx", "nationality": "ke", "regime": "visa_free", "max_stay_days": 90, "source": "Lista de terceros", "effective": "2025-01-01"},
            {"destination": "gt", "nationality": "ke", "regime": "electronic_authorisation", "max_stay_days": 30, "source": "Lista de terceros", "effective": "2022-01-01"},
            {"destination": "gt", "nationality": "qq", "regime": "visa_free", "source": "Lista de terceros"},
            {"destination": "xx", "nationality": "ke", "regime": "tourist", "source": "Lista de terceros"}
        ]});
        let (code, r) = s.api(Some(&st), Method::POST, "/api/v1/visas/import", Some(rows)).await;
        assert_eq!(code, StatusCode::OK, "{r}");
        assert_eq!(r["accepted"], 2, "{r}");
        assert_eq!(r["skipped"][0]["reason"], "destination_row_wins", "{r}");
        assert_eq!(r["skipped"][0]["line"], 1);
        let rejected = r["rejected"].as_array().unwrap();
        assert_eq!(rejected.len(), 2);
        assert_eq!(rejected[0]["line"], 4);
        let codes: Vec<&str> = rejected[1]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert!(codes.contains(&"destination") && codes.contains(&"regime"), "{r}");
        // A proposal is verified:false; the destination's own row still wins on every date.
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=gt&date=2023-01-01", None).await;
        assert_eq!((v["regime"].as_str(), v["verified"].as_bool()), (Some("electronic_authorisation"), Some(false)), "{v}");
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx&date=2025-06-01", None).await;
        assert_eq!((v["regime"].as_str(), v["verified"].as_bool()), (Some("visa_required"), Some(true)), "own row wins: {v}");
        let (_, l) = s.api(Some(&mx), Method::GET, "/api/v1/visas?destination=mx&verified=false", None).await;
        assert!(l["items"].as_array().unwrap().iter().any(|x| x["nationality"] == "ke" && x["effective"] == "2025-01-01"), "{l}");
        // The destination's users hear of it.
        let (_, n) = s.api(Some(&s.token("admin.gt").await), Method::GET, "/api/v1/notifications", None).await;
        assert!(n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "visa_proposed"), "{n}");
        // Only the destination confirms; then the proposal is verified and (later) in force.
        assert_eq!(s.api(Some(&gt), Method::POST, "/api/v1/visas/mx/ke/confirm", None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&st), Method::POST, "/api/v1/visas/mx/ke/confirm", None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::POST, "/api/v1/visas/mx/ke/confirm", None).await.0, StatusCode::UNAUTHORIZED);
        let (code, v) = s.api(Some(&mx), Method::POST, "/api/v1/visas/mx/ke/confirm?effective=2025-01-01", None).await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!((v["verified"].as_bool(), v["effective"].as_str()), (Some(true), Some("2025-01-01")));
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/visas?nationality=ke&destination=mx&date=2025-06-01", None).await;
        assert_eq!((v["regime"].as_str(), v["verified"].as_bool()), (Some("visa_free"), Some(true)), "{v}");
        assert_eq!(s.api(Some(&mx), Method::POST, "/api/v1/visas/mx/ke/confirm", None).await.0, StatusCode::CONFLICT);
        assert_eq!(s.api(Some(&mx), Method::POST, "/api/v1/visas/mx/zw/confirm", None).await.0, StatusCode::NOT_FOUND);
        // Guatemala overwrites the proposal with a PUT: its own row.
        let (_, v) = s.api(Some(&gt), Method::PUT, "/api/v1/visas/gt/ke", Some(json!({"regime": "visa_required", "source": "Decreto (ficticio) 44-2016", "effective": "2022-01-01"}))).await;
        assert_eq!(v["verified"], true);
        // A later import can no longer replace it.
        let csv = "destination,nationality,regime,max_stay_days,source,effective\ngt,ke,visa_free,90,Lista nueva,2022-01-01\ngt,ni,visa_free,90,Lista nueva,2022-01-01\n";
        let res = s.http.post(format!("{}/api/v1/visas/import", s.base)).bearer_auth(&st).header("content-type", "text/csv").body(csv).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["accepted"], 1, "{r}");
        assert_eq!(r["skipped"][0]["line"], 2);
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/visas?nationality=ke&destination=gt&date=2023-01-01", None).await;
        assert_eq!(v["regime"], "visa_required");
        // A member importing its own rows records them as its own (verified).
        let (_, r) = s.api(Some(&gt), Method::POST, "/api/v1/visas/import", Some(json!([{"destination": "gt", "nationality": "pe", "regime": "visa_free", "max_stay_days": 90, "source": "Acuerdo (ficticio)", "effective": "2020-01-01"}]))).await;
        assert_eq!(r["accepted"], 1, "{r}");
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/visas?nationality=pe&destination=gt", None).await;
        assert_eq!(v["verified"], true);
        // Bad import bodies: 422 naming the body.
        let (code, v) = s.api(Some(&st), Method::POST, "/api/v1/visas/import", Some(json!({"nope": 1}))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let res = s.http.post(format!("{}/api/v1/visas/import", s.base)).bearer_auth(&st).header("content-type", "text/csv").body("a,b\n1,2\n").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(s.api(None, Method::POST, "/api/v1/visas/import", Some(json!([]))).await.0, StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn pages_look_up_edit_and_confirm() {
    each_engine(|s| async move {
        let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let cookie = cookie.unwrap();
        // The demo proposal is highlighted with a confirm button.
        let html = s.page(&cookie, "/visas/mx").await.text().await.unwrap();
        assert!(html.contains("class=\"proposed\"") && html.contains("confirm-form"), "{html}");
        assert!(html.contains("Datos de demostración"));
        assert!(!html.contains("visa_required<"), "no internal names shown");
        let csrf = csrf_of(&html);
        let res = s
            .post_form(&cookie, "/visas/mx", &[("csrf", &csrf), ("action", "set"), ("nationality", "ke"), ("regime", "visa_free"), ("max_stay_days", ""), ("effective", "2024-01-01"), ("source", "Ley (ficticia)"), ("source_url", ""), ("notes", "")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(body.contains("Estancia máxima"), "the field is named: {body}");
        let res = s
            .post_form(&cookie, "/visas/mx", &[("csrf", &csrf), ("action", "set"), ("nationality", "ke"), ("regime", "visa_free"), ("max_stay_days", "30"), ("effective", "2024-01-01"), ("source", "Ley (ficticia)"), ("source_url", ""), ("notes", "Con pasaporte vigente")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = s.post_form(&cookie, "/visas/mx", &[("csrf", &csrf), ("action", "confirm"), ("nationality", "br"), ("effective", "2025-01-01")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = s.page(&cookie, "/visas/mx").await.text().await.unwrap();
        assert!(!html.contains("class=\"proposed\""), "confirmed");
        // Another country reads the answer in words, and the history.
        let (_, gt, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let gt = gt.unwrap();
        let html = s.page(&gt, "/visas?nationality=ke&destination=mx&date=2024-06-01").await.text().await.unwrap();
        assert!(html.contains("No necesita visado") && html.contains("30 días") && html.contains("Ley (ficticia)"), "{html}");
        let res = s.page(&gt, "/visas?nationality=ke&destination=mx&date=2023-06-01").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(res.text().await.unwrap().contains("visa-none"));
        let html = s.page(&gt, "/visas/mx/ke").await.text().await.unwrap();
        assert!(html.contains("visa-history") && !html.contains("visa-form"), "read-only for others");
        let res = s.post_form(&gt, "/visas/mx/ke", &[("csrf", &csrf_of(&html)), ("action", "withdraw"), ("effective", "2024-01-01")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // The secretariat imports through its page.
        let (_, st, _) = s.browser_login("secretariat", "enlace-demo").await;
        let st = st.unwrap();
        let html = s.page(&st, "/visas/import").await.text().await.unwrap();
        let res = s
            .post_form(&st, "/visas/import", &[("csrf", &csrf_of(&html)), ("csv", "destination,nationality,regime,max_stay_days,source,effective\ncr,ke,visa_free,90,Lista de terceros,2021-01-01\ncr,zz,visa_free,90,Lista,2021-01-01\n")])
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body = res.text().await.unwrap();
        assert!(body.contains("Filas registradas: 1") && body.contains("Línea 3"), "{body}");
    })
    .await;
}
