//! Work plans: the shipped plans and their shapes, progress by each country on its own
//! actions (others 403), validation naming the field, the roll-up arithmetic, CSV export,
//! history, and import → export of a plan giving the same document back.
use crate::testkit::each_engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn plan_id(s: &crate::testkit::Server, tok: &str, year: i64) -> String {
    let (st, v) = s
        .api(Some(tok), Method::GET, "/api/v1/workplans", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == year)
        .unwrap_or_else(|| panic!("no {year} plan: {v}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn field_of(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn shipped_plans_have_their_promised_shapes() {
    each_engine(|s| async move {
        let tok = s.token("analyst.hn").await;
        let (st, v) = s
            .api(Some(&tok), Method::GET, "/api/v1/workplans", None)
            .await;
        assert_eq!(st, StatusCode::OK);
        assert!(v["next"].is_null());
        let items = v["items"].as_array().unwrap();
        assert!(items.iter().any(|p| p["year"] == 2018
            && p["title"]["es"].is_string()
            && p["title"]["en"].is_string()));
        assert!(items.iter().any(|p| p["year"] == 2003));
        let id = plan_id(&s, &tok, 2018).await;
        let (st, p) = s
            .api(
                Some(&tok),
                Method::GET,
                &format!("/api/v1/workplans/{id}"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(p["id"], id.as_str());
        assert_eq!(p["year"], 2018);
        let axes = p["axes"].as_array().unwrap();
        let counts: Vec<usize> = axes
            .iter()
            .map(|a| a["actions"].as_array().unwrap().len())
            .collect();
        assert_eq!(counts, vec![11, 8, 10, 9]);
        for (i, a) in axes.iter().enumerate() {
            assert_eq!(a["number"], i as u64 + 1);
            assert!(a["title"]["es"].is_string() && a["title"]["en"].is_string());
            for (j, x) in a["actions"].as_array().unwrap().iter().enumerate() {
                assert_eq!(x["number"], j as u64 + 1);
                assert!(
                    !x["text"]["es"].as_str().unwrap().is_empty()
                        && !x["text"]["en"].as_str().unwrap().is_empty()
                );
            }
        }
        assert!(axes[0]["actions"][3]["text"]["es"]
            .as_str()
            .unwrap()
            .starts_with("Crear un Directorio de contactos"));
        assert!(axes[1]["commitment"]["es"].is_string() && axes[0]["objective"]["en"].is_string());
        // The 2003 matrix: areas of work as axes, activities as actions with their columns.
        let id03 = plan_id(&s, &tok, 2003).await;
        let (_, p) = s
            .api(
                Some(&tok),
                Method::GET,
                &format!("/api/v1/workplans/{id03}"),
                None,
            )
            .await;
        let a1 = &p["axes"][0];
        assert_eq!(a1["objectives"].as_array().unwrap().len(), 3);
        let x = &a1["actions"][2];
        assert_eq!(x["code"], "1.2.2");
        assert_eq!(x["objective"], 1);
        for k in [
            "result",
            "indicators",
            "schedule",
            "responsible",
            "resources",
        ] {
            assert!(x[k]["es"].is_string() && x[k]["en"].is_string(), "{k}: {x}");
        }
        let n: usize = p["axes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["actions"].as_array().unwrap().len())
            .sum();
        assert_eq!(n, 33);
        // Unknown plan; no login.
        assert_eq!(
            s.api(Some(&tok), Method::GET, "/api/v1/workplans/nope", None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            s.api(None, Method::GET, "/api/v1/workplans", None).await.0,
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}

#[tokio::test]
async fn each_country_reports_its_own_progress() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        let sec = s.token("secretariat").await;
        let id = plan_id(&s, &mx, 2018).await;
        let url = |c: &str, a: &str, p: &str| format!("/api/v1/workplans/{id}/progress/{c}/{a}/{p}");
        let body = json!({"status": "in_progress", "evidence": {"text": "Protocolo nacional en redacción (prueba).", "link": "https://example.org/protocolo", "date": "2026-02-10"}});
        let (st, v) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(body.clone())).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["country"], "mx");
        assert_eq!(v["action"], "1.2");
        assert_eq!(v["axis"], 1);
        assert_eq!(v["number"], 2);
        assert_eq!(v["period"], "2026-Q1");
        assert_eq!(v["status"], "in_progress");
        assert_eq!(v["evidence"]["link"], "https://example.org/protocolo");
        assert_eq!(v["evidence"]["date"], "2026-02-10");
        assert_eq!(v["revision"], 1);
        assert!(v["updated_at"].as_str().unwrap().ends_with('Z'));
        // A plain string is taken as the evidence text; a yearly period works too.
        let (st, v) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(json!({"status": "done", "evidence": "Protocolo aprobado."}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["revision"], 2);
        assert_eq!(v["evidence"]["text"], "Protocolo aprobado.");
        let (st, _) = s.api(Some(&mx), Method::PUT, &url("mx", "4.9", "2026"), Some(json!({"status": "not_applicable"}))).await;
        assert_eq!(st, StatusCode::OK);
        // Another country's users, the secretariat: 403; anonymous: 401.
        assert_eq!(s.api(Some(&gt), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(body.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&sec), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(body.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(body.clone())).await.0, StatusCode::UNAUTHORIZED);
        // Unknown plan, action, country: 404.
        for (path, what) in [
            ("/api/v1/workplans/nope/progress/mx/1.2/2026-Q1".to_string(), "plan"),
            (url("mx", "1.12", "2026-Q1"), "action 1.12"),
            (url("mx", "5.1", "2026-Q1"), "axis 5"),
            (url("mx", "abc", "2026-Q1"), "bad code"),
            (url("br", "1.2", "2026-Q1"), "country"),
        ] {
            assert_eq!(s.api(Some(&mx), Method::PUT, &path, Some(body.clone())).await.0, StatusCode::NOT_FOUND, "{what}");
        }
        // Bad status, period, link, date: 422 naming the field.
        let (st, v) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(json!({"status": "finished"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&v), vec!["status"], "{v}");
        for bad in ["2026-Q5", "2026-03", "26", "1999"] {
            let (st, v) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", bad), Some(json!({"status": "done"}))).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert_eq!(field_of(&v), vec!["period"], "{v}");
        }
        let (st, v) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(json!({"status": "done", "evidence": {"text": "x", "link": "javascript:alert(1)", "date": "2026-02-30"}}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&v), vec!["link", "date"], "{v}");
        let (st, _) = s.api(Some(&mx), Method::PUT, &url("mx", "1.2", "2026-Q1"), Some(json!({"evidence": "x"}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        // Nothing half-written: the row is as the last good write left it, with its history.
        let (st, h) = s.api(Some(&gt), Method::GET, &format!("{}/history", url("mx", "1.2", "2026-Q1")), None).await;
        assert_eq!(st, StatusCode::OK, "{h}");
        let revs = h["items"].as_array().unwrap();
        assert_eq!(revs.len(), 2);
        assert_eq!(revs[0]["revision"], 2);
        assert_eq!(revs[0]["status"], "done");
        assert_eq!(revs[1]["status"], "in_progress");
        assert_eq!(revs[1]["evidence"]["link"], "https://example.org/protocolo");
        // Reading follows membership: another country and the secretariat read; the read of
        // Mexico's reports reaches Mexico's audit.
        for tok in [&gt, &sec] {
            let (st, r) = s.api(Some(tok), Method::GET, &format!("/api/v1/workplans/{id}/progress?period=2026-Q1"), None).await;
            assert_eq!(st, StatusCode::OK, "{r}");
            assert!(r["items"].as_array().unwrap().iter().any(|p| p["country"] == "mx" && p["action"] == "1.2" && p["status"] == "done"));
        }
        let (st, a) = s.api(Some(&s.token("admin.mx").await), Method::GET, "/api/v1/audit?scope=country&action=workplan.progress.list", None).await;
        assert_eq!(st, StatusCode::OK, "{a}");
        assert!(a["items"].as_array().unwrap().iter().any(|e| e["actor_country"] == "gt"), "{a}");
        assert_eq!(s.api(Some(&mx), Method::GET, &format!("/api/v1/workplans/{id}/progress?period=2026-13"), None).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn progress_rolls_up_by_axis_action_and_country() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let pa = s.token("prosecutor.pa").await;
        let id = plan_id(&s, &cr, 2018).await;
        let p = "2025-Q2";
        let put = |tok: String, c: &'static str, a: &'static str, st: &'static str| {
            let s = &s;
            let id = id.clone();
            async move {
                let (code, v) = s
                    .api(
                        Some(&tok),
                        Method::PUT,
                        &format!("/api/v1/workplans/{id}/progress/{c}/{a}/{p}"),
                        Some(json!({"status": st, "evidence": "prueba"})),
                    )
                    .await;
                assert_eq!(code, StatusCode::OK, "{v}");
            }
        };
        // Costa Rica: axis 1 (11 actions): 3 done, 1 in progress, 1 not applicable.
        put(cr.clone(), "cr", "1.1", "done").await;
        put(cr.clone(), "cr", "1.2", "done").await;
        put(cr.clone(), "cr", "1.3", "done").await;
        put(cr.clone(), "cr", "1.4", "in_progress").await;
        put(cr.clone(), "cr", "1.5", "not_applicable").await;
        // Panama: 1.1 done; 2.1 done.
        put(pa.clone(), "pa", "1.1", "done").await;
        put(pa.clone(), "pa", "2.1", "done").await;
        // A change replaces the earlier status: 1.3 back to in progress.
        put(cr.clone(), "cr", "1.3", "in_progress").await;
        let (st, r) = s
            .api(
                Some(&cr),
                Method::GET,
                &format!("/api/v1/workplans/{id}/progress?period={p}"),
                None,
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["period"], p);
        assert_eq!(r["items"].as_array().unwrap().len(), 7);
        assert!(r["next"].is_null());
        let ru = &r["rollup"];
        let a1 = &ru["axes"][0];
        assert_eq!(a1["axis"], 1);
        assert_eq!(a1["actions"], 11);
        let crt = &a1["countries"]["cr"];
        assert_eq!(
            (
                crt["done"].as_u64(),
                crt["in_progress"].as_u64(),
                crt["not_applicable"].as_u64(),
                crt["not_started"].as_u64(),
                crt["applicable"].as_u64()
            ),
            (Some(2), Some(2), Some(1), Some(6), Some(10))
        );
        assert_eq!(crt["share_done"].as_f64(), Some(0.2));
        // Region on axis 1: 11 actions × 11 countries = 121 pairs, 1 not applicable, 3 done.
        assert_eq!(a1["total"]["applicable"], 120);
        assert_eq!(a1["total"]["done"], 3);
        assert_eq!(a1["total"]["share_done"].as_f64(), Some(0.025));
        // Panama over the whole plan: 2 of 38.
        assert_eq!(ru["countries"]["pa"]["done"], 2);
        assert_eq!(
            ru["countries"]["pa"]["share_done"].as_f64(),
            Some((2.0f64 / 38.0 * 10000.0).round() / 10000.0)
        );
        assert_eq!(
            ru["axes"][1]["countries"]["pa"]["share_done"].as_f64(),
            Some(0.125)
        );
        assert_eq!(
            ru["axes"][1]["countries"]["gt"]["share_done"].as_f64(),
            Some(0.0)
        );
        // By action: 1.1 done by 2 of 11 countries; 1.5 applies to 10.
        let act = |code: &str| {
            ru["actions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["action"] == code)
                .unwrap()
                .clone()
        };
        assert_eq!(act("1.1")["total"]["done"], 2);
        assert_eq!(act("1.1")["total"]["share_done"].as_f64(), Some(0.1818));
        assert_eq!(act("1.5")["total"]["applicable"], 10);
        assert_eq!(ru["actions"].as_array().unwrap().len(), 38);
        assert_eq!(ru["total"]["done"], 4);
        assert_eq!(ru["total"]["applicable"], 38 * 11 - 1);
        // CSV: a Spanish user gets `;`, a BOM and Spanish headers; an English one `,`.
        let res = s
            .http
            .get(format!(
                "{}/api/v1/workplans/{id}/progress/export.csv?period={p}",
                s.base
            ))
            .bearer_auth(&cr)
            .header("accept-language", "es")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        assert!(
            csv.starts_with("\u{feff}País;Eje;Acción;"),
            "{}",
            &csv[..80]
        );
        let records = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_bytes())
            .records()
            .count();
        assert_eq!(
            records,
            38 * 11,
            "one row per country and action (texts may hold line breaks)"
        );
        assert!(
            csv.lines()
                .any(|l| l.starts_with("Costa Rica;1;1.5;") && l.contains(";No aplica;")),
            "{csv}"
        );
        let en = s
            .http
            .get(format!(
                "{}/api/v1/workplans/{id}/progress/export.csv?period={p}",
                s.base
            ))
            .bearer_auth(&cr)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            en.starts_with("\u{feff}Country,Axis,Action,"),
            "{}",
            &en[..60]
        );
        assert!(en
            .lines()
            .any(|l| l.starts_with("Panama,2,2.1,") && l.contains(",Done,")));
    })
    .await;
}

#[tokio::test]
async fn a_plan_loads_from_json_and_exports_back_identically() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        let off = s.token("officer.sv").await;
        let doc = json!({
            "year": 2024,
            "title": {"es": "Plan de prueba «Puente» (ficticio)", "en": "Test plan “Bridge” (fictional)"},
            "objective": {"es": "Probar la carga de planes.", "en": "Test loading plans."},
            "axes": [
                {"number": 1, "title": {"es": "Información", "en": "Information"},
                 "objectives": [{"number": 1, "text": {"es": "Compartir datos", "en": "Share data"}}],
                 "actions": [
                    {"number": 1, "code": "1.1.1", "text": {"es": "Crear una base de datos.\nCon dos líneas.", "en": "Create a database.\nWith two lines."}, "objective": 1,
                     "indicators": {"es": "Base en uso", "en": "Database in use"}, "schedule": {"es": "2024", "en": "2024"}},
                    {"number": 2, "text": {"es": "Reunión mensual", "en": "Monthly meeting"}, "notes": {"es": "Primer martes", "en": "First Tuesday"}}
                 ]},
                {"number": 2, "title": {"es": "Víctimas", "en": "Victims"}, "commitment": {"es": "Proteger", "en": "Protect"},
                 "actions": [{"number": 1, "text": {"es": "Campañas", "en": "Campaigns"}}]}
            ]
        });
        // Only the secretariat loads plans.
        assert_eq!(s.api(Some(&off), Method::POST, "/api/v1/workplans", Some(doc.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(None, Method::POST, "/api/v1/workplans", Some(doc.clone())).await.0, StatusCode::UNAUTHORIZED);
        let (st, v) = s.api(Some(&sec), Method::POST, "/api/v1/workplans", Some(doc.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["actions"], 3);
        let id = v["id"].as_str().unwrap().to_string();
        // The export is the document, value for value and byte for byte of its canonical form.
        let res = s.http.get(format!("{}/api/v1/workplans/{id}/export", s.base)).bearer_auth(&off).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
        // Loading it twice is a conflict; a changed copy of the exported text loads and
        // exports back byte for byte.
        assert_eq!(s.api(Some(&sec), Method::POST, "/api/v1/workplans", Some(doc.clone())).await.0, StatusCode::CONFLICT);
        let copy = text.replace("«Puente» (ficticio)", "«Puente» II");
        assert_ne!(copy, text);
        let res = s.http.post(format!("{}/api/v1/workplans", s.base)).bearer_auth(&sec).header("content-type", "application/json").body(copy.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let v2: Value = res.json().await.unwrap();
        let again = s.http.get(format!("{}/api/v1/workplans/{}/export", s.base, v2["id"].as_str().unwrap())).bearer_auth(&off).send().await.unwrap().text().await.unwrap();
        assert_eq!(again, copy);
        // The shipped plan's export loads back too (under another title) with all its actions.
        let id18 = plan_id(&s, &sec, 2018).await;
        let (_, mut p18) = s.api(Some(&sec), Method::GET, &format!("/api/v1/workplans/{id18}/export"), None).await;
        p18["title"]["es"] = json!("Copia del Plan 2018");
        let (st, v3) = s.api(Some(&sec), Method::POST, "/api/v1/workplans", Some(p18.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{v3}");
        assert_eq!(v3["actions"], 38);
        // Progress on the loaded plan.
        let (st, _) = s.api(Some(&off), Method::PUT, &format!("/api/v1/workplans/{id}/progress/sv/2.1/2026"), Some(json!({"status": "done"}))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(s.api(Some(&off), Method::PUT, &format!("/api/v1/workplans/{id}/progress/sv/2.2/2026"), Some(json!({"status": "done"}))).await.0, StatusCode::NOT_FOUND);
        // Bad documents: 422, nothing stored.
        let (_, before) = s.api(Some(&sec), Method::GET, "/api/v1/workplans", None).await;
        for bad in [
            json!({"year": 2024, "title": {"es": "X", "en": "X"}, "axes": []}),
            json!({"year": 1800, "title": {"es": "Y", "en": "Y"}, "axes": [{"number": 1, "title": {"es": "a", "en": "a"}, "actions": [{"number": 1, "text": {"es": "a", "en": "a"}}]}]}),
            json!({"year": 2024, "title": {"es": "Z", "en": "Z"}, "axes": [{"number": 1, "title": {"es": "a", "en": "a"}, "actions": [{"number": 1, "text": {"es": "a", "en": "a"}}, {"number": 1, "text": {"es": "b", "en": "b"}}]}]}),
            json!({"year": 2024, "title": {"es": "W", "en": ""}, "axes": [{"number": 1, "title": {"es": "a", "en": "a"}, "actions": [{"number": 1, "text": {"es": "a", "en": "a"}}]}]}),
            json!({"year": 2024, "title": {"es": "V", "en": "V"}, "extra": 1, "axes": []}),
        ] {
            let (st, v) = s.api(Some(&sec), Method::POST, "/api/v1/workplans", Some(bad.clone())).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {v}");
        }
        let (_, after) = s.api(Some(&sec), Method::GET, "/api/v1/workplans", None).await;
        assert_eq!(before, after);
    })
    .await;
}

#[tokio::test]
async fn the_plan_page_records_progress_and_shows_the_rollup() {
    each_engine(|s| async move {
        let (_, cookie, _) = s.browser_login("officer.ni", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let tok = s.token("officer.ni").await;
        let id = plan_id(&s, &tok, 2018).await;
        let res = s.page(&cookie, "/workplans").await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("/workplans/{id}")));
        let html = s
            .page(&cookie, &format!("/workplans/{id}?period=2026-Q2"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"rollup\"") && html.contains("id=\"form-action-1-5\""));
        let csrf = crate::testkit::csrf_of(&html);
        let res = s
            .post_form(
                &cookie,
                &format!("/workplans/{id}/progress"),
                &[
                    ("csrf", &csrf),
                    ("action", "1.5"),
                    ("period", "2026-Q2"),
                    ("status", "done"),
                    ("evidence", "Estadísticas cargadas"),
                    ("link", ""),
                    ("date", "2026-04-15"),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{}",
            res.text().await.unwrap()
        );
        let (_, r) = s
            .api(
                Some(&tok),
                Method::GET,
                &format!("/api/v1/workplans/{id}/progress?period=2026-Q2"),
                None,
            )
            .await;
        assert!(r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["country"] == "ni"
                && p["action"] == "1.5"
                && p["status"] == "done"
                && p["evidence"]["date"] == "2026-04-15"));
        let html = s
            .page(&cookie, &format!("/workplans/{id}?period=2026-Q2"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("Estadísticas cargadas"));
        assert!(html.contains("id=\"region-action-1-5\""));
        let res = s
            .page(
                &cookie,
                &format!("/workplans/{id}/history?country=ni&action=1.5&period=2026-Q2"),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.text().await.unwrap();
        assert!(
            h.contains("id=\"history\"")
                && h.contains("Estadísticas cargadas")
                && h.contains("officer.ni")
        );
        // A bad link through the form: the form comes back open, as typed, with the error;
        // nothing stored.
        let res = s
            .post_form(
                &cookie,
                &format!("/workplans/{id}/progress"),
                &[
                    ("csrf", &csrf),
                    ("action", "1.6"),
                    ("period", "2026-Q2"),
                    ("status", "done"),
                    ("evidence", "Texto que no se pierde"),
                    ("link", "ftp://x"),
                    ("date", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Texto que no se pierde")
                && html.contains("ftp://x")
                && html.contains("class=\"error\""),
            "the form comes back as typed, with the error"
        );
        let (_, r) = s
            .api(
                Some(&tok),
                Method::GET,
                &format!("/api/v1/workplans/{id}/progress?period=2026-Q2"),
                None,
            )
            .await;
        assert!(!r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["action"] == "1.6"));
        // A bad status too.
        let res = s
            .post_form(
                &cookie,
                &format!("/workplans/{id}/progress"),
                &[
                    ("csrf", &csrf),
                    ("action", "1.6"),
                    ("period", "2026-Q2"),
                    ("status", "x"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The secretariat sees the roll-up and no forms; the import form is its own.
        let (_, sc, _) = s.browser_login("secretariat", "enlace-demo").await;
        let html = s
            .page(&sc.unwrap(), &format!("/workplans/{id}?period=2026-Q2"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"rollup\"") && !html.contains("id=\"form-action-1-5\""));
    })
    .await;
}

#[tokio::test]
async fn evidence_files_attach_to_a_countrys_own_report() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        let id = plan_id(&s, &mx, 2018).await;
        let report = format!("/api/v1/workplans/{id}/progress/mx/2.1/2026-Q2");
        let files = format!("{report}/files");
        let upload = |tok: Option<String>, path: String, body: Vec<u8>| {
            let mut rb = s.http.post(format!("{}{path}", s.base)).header("content-type", "application/octet-stream").body(body);
            if let Some(t) = tok {
                rb = rb.bearer_auth(t);
            }
            rb.send()
        };
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        // No report yet: nothing to attach to.
        let res = upload(Some(mx.clone()), format!("{files}?name=acta.pdf"), pdf.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let (st, _) = s.api(Some(&mx), Method::PUT, &report, Some(json!({"status": "in_progress", "evidence": "Acta de la mesa interinstitucional."}))).await;
        assert_eq!(st, StatusCode::OK);
        // Another country, no login: refused; the bytes decide the kind, not the name.
        assert_eq!(upload(Some(gt.clone()), files.clone(), pdf.clone()).await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(upload(None, files.clone(), pdf.clone()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        let res = upload(Some(mx.clone()), format!("{files}?name=foto.pdf"), b"GIF89a....".to_vec()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("bad_file_type"));
        let mut big = pdf.clone();
        big.resize(10 * 1024 * 1024 + 1, b' ');
        assert_eq!(upload(Some(mx.clone()), files.clone(), big).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = upload(Some(mx.clone()), format!("{files}?name=acta%20sesi%C3%B3n.pdf"), pdf.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let f: Value = res.json().await.unwrap();
        assert_eq!(f["name"], "acta sesi_n.pdf");
        assert_eq!(f["content_type"], "application/pdf");
        // Listed with the report, for every member country.
        let (_, list) = s.api(Some(&gt), Method::GET, &format!("/api/v1/workplans/{id}/progress?period=2026-Q2"), None).await;
        let item = list["items"].as_array().unwrap().iter().find(|i| i["country"] == "mx" && i["action"] == "2.1").unwrap().clone();
        assert_eq!(item["files"][0]["id"], f["id"]);
        // Guatemala downloads it; Mexico's audit shows who read it.
        let one = format!("{files}/{}", f["id"].as_str().unwrap());
        let res = s.http.get(format!("{}{one}", s.base)).bearer_auth(&gt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"acta sesi_n.pdf\"");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
        let admin = s.token("admin.mx").await;
        let (_, audit) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&per_page=200", None).await;
        assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "workplan.evidence.read" && e["actor_username"] == "officer.gt"), "{audit}");
        // A file id under another report is not found there.
        let (st, _) = s.api(Some(&gt), Method::GET, &format!("/api/v1/workplans/{id}/progress/mx/2.2/2026-Q2/files/{}", f["id"].as_str().unwrap()), None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // At most ten per report, counted under concurrency.
        let mut tasks = vec![];
        for i in 0..16 {
            tasks.push(upload(Some(mx.clone()), format!("{files}?name=f{i}.pdf"), pdf.clone()));
        }
        let mut created = 0;
        let mut refused = 0;
        for r in futures_util::future::join_all(tasks).await {
            match r.unwrap().status() {
                StatusCode::CREATED => created += 1,
                StatusCode::UNPROCESSABLE_ENTITY => refused += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!((created, refused), (9, 7), "ten in all, never more");
        // Removal: not by another country; by Mexico, then gone.
        assert_eq!(s.api(Some(&gt), Method::DELETE, &one, None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&mx), Method::DELETE, &one, None).await.0, StatusCode::NO_CONTENT);
        assert_eq!(s.api(Some(&mx), Method::GET, &one, None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&mx), Method::DELETE, &one, None).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn evidence_files_through_the_plan_page() {
    let s = crate::testkit::sqlite_server(enlace_app::AppConfig::default()).await;
    let mx = s.token("officer.mx").await;
    let id = plan_id(&s, &mx, 2018).await;
    let (st, _) = s
        .api(
            Some(&mx),
            Method::PUT,
            &format!("/api/v1/workplans/{id}/progress/mx/3.4/2026-Q3"),
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
    let cookie = cookie.unwrap();
    let html = s
        .page(&cookie, &format!("/workplans/{id}?period=2026-Q3"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"upload-action-3-4\""),
        "the upload form sits under the report"
    );
    let csrf = crate::testkit::csrf_of(&html);
    let form = |file: &[u8], name: &str| {
        let mut body = format!("--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--B\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\n3.4\r\n--B\r\nContent-Disposition: form-data; name=\"period\"\r\n\r\n2026-Q3\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n--B--\r\n");
        s.http
            .post(format!("{}/workplans/{id}/evidence", s.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .header("content-type", "multipart/form-data; boundary=B")
            .body(body)
            .send()
    };
    // A wrong kind comes back on the plan page, in that action's form, in words.
    let res = form(b"not a pdf", "nota.txt").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("no es un PDF ni una imagen PNG o JPEG"),
        "{page}"
    );
    let res = form(b"\x89PNG\r\n\x1a\nrest", "foto del taller.png")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = s
        .page(&cookie, &format!("/workplans/{id}?period=2026-Q3"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("foto del taller.png"));
    let (_, list) = s
        .api(
            Some(&mx),
            Method::GET,
            &format!("/api/v1/workplans/{id}/progress?period=2026-Q3"),
            None,
        )
        .await;
    let f = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["action"] == "3.4")
        .unwrap()["files"][0]
        .clone();
    assert_eq!(f["content_type"], "image/png");
    let fid = f["id"].as_str().unwrap();
    let res = s
        .page(
            &cookie,
            &format!("/workplans/{id}/evidence/mx/3.4/2026-Q3/{fid}"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    let res = s
        .http
        .post(format!(
            "{}/workplans/{id}/evidence/mx/3.4/2026-Q3/{fid}/remove",
            s.base
        ))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = s
        .api(
            Some(&mx),
            Method::GET,
            &format!("/api/v1/workplans/{id}/progress?period=2026-Q3"),
            None,
        )
        .await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["action"] == "3.4")
        .unwrap()["files"]
        .as_array()
        .unwrap()
        .is_empty());
}
