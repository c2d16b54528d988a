//! Statistics over HTTP: the catalogue, submissions with validation (the gap named), closing
//! and revisions, other countries' figures after disclosure control (checked against a
//! differencing attack by linear programming), concurrent submissions, exports and imports.
use crate::testkit::{each_engine, Server};
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PATH: &str = "/api/v1/statistics/hn/smuggled_migrants_detected/2026-Q1";

fn figures(cells: &[(&str, &str, i64)]) -> Value {
    let total: i64 = cells.iter().map(|c| c.2).sum();
    json!({
        "total": total,
        "cells": cells.iter().map(|(n, s, v)| json!({"nationality": n, "sex": s, "value": v})).collect::<Vec<_>>(),
    })
}

/// A table with small cells that need primary and secondary suppression.
const TABLE: &[(&str, &str, i64)] = &[
    ("hn", "female", 3),
    ("hn", "male", 40),
    ("gt", "female", 20),
    ("gt", "male", 25),
    ("sv", "female", 30),
    ("sv", "male", 35),
    ("ni", "female", 0),
    ("ni", "male", 7),
    ("ve", "female", 12),
    ("ve", "male", 15),
];

async fn put(s: &Server, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    s.api(Some(tok), Method::PUT, path, Some(body)).await
}

#[tokio::test]
async fn figures_are_submitted_validated_closed_and_revised() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        // The catalogue: the promised indicator, bilingual, with its breakdown and threshold.
        let (st, v) = s.api(Some(&hn), Method::GET, "/api/v1/indicators", None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let smug = v["items"].as_array().unwrap().iter().find(|i| i["code"] == "smuggled_migrants_detected").unwrap().clone();
        assert_eq!(smug["period"], "quarter");
        assert_eq!(smug["dimensions"], json!(["nationality", "sex"]));
        assert_eq!(smug["k"], 11);
        assert!(smug["name"]["es"].as_str().unwrap().contains("Migrantes"));
        assert!(smug["name"]["en"].as_str().unwrap().contains("migrants"));
        for code in ["smugglers_arrested", "networks_dismantled", "prosecutions_opened", "convictions", "forged_documents_detected", "joint_operations", "victims_assisted", "rescues_at_sea", "deaths_in_transit", "robberies_against_migrants", "extortion_against_migrants", "sexual_violence_against_migrants", "centre_occupancy"] {
            assert!(v["items"].as_array().unwrap().iter().any(|i| i["code"] == code), "{code}");
        }

        // The owner submits: 200 with revision 1; again: revision 2.
        let (st, r) = put(&s, &hn, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["revision"], 1);
        assert_eq!(r["total"], 187);
        assert_eq!(r["cells"][0]["value"], 3, "the owner sees its own in full");
        let (st, r) = put(&s, &hn, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(r["revision"], 2);

        // Cells that do not add up: 422 naming the gap, in the caller's language.
        let mut bad = figures(TABLE);
        bad["total"] = json!(188);
        let (st, e) = put(&s, &hn, PATH, bad.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["fields"][0]["field"], "cells");
        assert_eq!(e["error"]["fields"][0]["code"], "stats_cells_sum");
        let res = s.http.put(format!("{}{PATH}", s.base)).bearer_auth(&hn).header("accept-language", "en").json(&bad).send().await.unwrap();
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"]["fields"][0]["message"], "the cells add up to 187, the total is 188", "{e}");
        let res = s.http.put(format!("{}{PATH}", s.base)).bearer_auth(&hn).header("accept-language", "es").json(&bad).send().await.unwrap();
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"]["fields"][0]["message"], "las celdas suman 187 y el total es 188", "{e}");
        // Negative counts, unknown codes, missing breakdowns, bad periods: 422 naming the field.
        for (body, field, code) in [
            (figures(&[("hn", "female", -3), ("hn", "male", 40)]), "cells", "stats_negative"),
            (json!({"total": -1}), "total", "stats_negative"),
            (figures(&[("zz", "female", 3)]), "cells", "stats_unknown_code"),
            (figures(&[("hn", "woman", 3)]), "cells", "stats_unknown_code"),
            (json!({"total": 3, "cells": [{"nationality": "hn", "value": 3}]}), "cells", "stats_missing_dimension"),
            (json!({"total": 3, "cells": [{"nationality": "hn", "sex": "male", "route": "air", "value": 3}]}), "cells", "stats_unknown_dimension"),
        ] {
            let (st, e) = put(&s, &hn, PATH, body).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
            assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
            assert_eq!(e["error"]["fields"][0]["code"], code, "{e}");
        }
        let (st, e) = put(&s, &hn, "/api/v1/statistics/hn/smuggled_migrants_detected/2026-03", figures(TABLE)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "period");
        let (st, _) = put(&s, &hn, "/api/v1/statistics/hn/centre_occupancy/2026-03", json!({"total": 5})).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "derived indicators are computed, not submitted");
        // Unknown indicator or country: 404. Another country's users: 403. No login: 401.
        let (st, _) = put(&s, &hn, "/api/v1/statistics/hn/no_such_indicator/2026-Q1", figures(TABLE)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = put(&s, &hn, "/api/v1/statistics/xx/smuggled_migrants_detected/2026-Q1", figures(TABLE)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let gt = s.token("officer.gt").await;
        let (st, _) = put(&s, &gt, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.api(Some(&gt), Method::POST, &format!("{PATH}/close"), None).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let sec = s.token("secretariat").await;
        let (st, _) = put(&s, &sec, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = s.api(None, Method::PUT, PATH, Some(figures(TABLE))).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        // Closing; then a change without a reason is 409, with one a new revision.
        let (st, c) = s.api(Some(&hn), Method::POST, &format!("{PATH}/close"), None).await;
        assert_eq!(st, StatusCode::OK, "{c}");
        assert_eq!(c["closed"], true);
        let (st, e) = put(&s, &hn, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::CONFLICT, "{e}");
        assert_eq!(e["error"]["code"], "stats_closed");
        let mut fixed = figures(&[("hn", "female", 4), ("hn", "male", 40)]);
        fixed["reason"] = json!("Corrección tras la auditoría interna");
        let (st, r) = put(&s, &hn, PATH, fixed).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["revision"], 3);
        assert_eq!(r["closed"], true);

        // Every revision stays readable by the owner; for anyone else they do not exist.
        let (st, v) = s.api(Some(&hn), Method::GET, &format!("{PATH}/revisions"), None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.iter().map(|i| i["revision"].as_i64().unwrap()).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(items[0]["reason"], "Corrección tras la auditoría interna");
        assert_eq!(items[0]["total"], 44);
        assert_eq!(items[2]["total"], 187);
        assert!(items[0]["at"].as_str().unwrap().ends_with('Z'));
        assert!(v["next"].is_null());
        let (st, _) = s.api(Some(&gt), Method::GET, &format!("{PATH}/revisions"), None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = s.api(None, Method::GET, &format!("{PATH}/revisions"), None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        // The data is in the database: a fresh read gives the latest revision.
        let (st, v) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q1&countries=hn", None).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["items"][0]["revision"], 3);
        assert_eq!(v["items"][0]["total"], 44);
        assert!(v["next"].is_null());
        let (st, _) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q9", None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=nope", None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    })
    .await;
}

/// The range of each suppressed cell given everything published in one table (total,
/// margins, cells) and non-negativity.
fn ranges(t: &Value) -> Vec<(String, f64, f64)> {
    let cells = t["cells"].as_array().unwrap();
    let key = |c: &Value| {
        format!(
            "{}/{}",
            c["nationality"].as_str().unwrap(),
            c["sex"].as_str().unwrap()
        )
    };
    let hidden: Vec<usize> = (0..cells.len())
        .filter(|&i| cells[i]["suppressed"] == true)
        .collect();
    let mut rows: Vec<(Vec<usize>, f64)> = vec![];
    if let Some(total) = t["total"].as_f64() {
        rows.push(((0..cells.len()).collect(), total));
    }
    for (dim, values) in t["margins"].as_object().unwrap() {
        for (value, m) in values.as_object().unwrap() {
            if let Some(sum) = m["value"].as_f64() {
                rows.push((
                    (0..cells.len())
                        .filter(|&i| cells[i][dim] == value.as_str())
                        .collect(),
                    sum,
                ));
            }
        }
    }
    let mut out = vec![];
    for &c in &hidden {
        let mut b = [0.0; 2];
        for (n, dir) in [
            OptimizationDirection::Minimize,
            OptimizationDirection::Maximize,
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = Problem::new(dir);
            let xs: Vec<_> = hidden
                .iter()
                .map(|&i| p.add_var(if i == c { 1.0 } else { 0.0 }, (0.0, f64::INFINITY)))
                .collect();
            for (members, value) in &rows {
                let mut rhs = *value;
                let mut expr = vec![];
                for &i in members {
                    match hidden.iter().position(|&h| h == i) {
                        Some(pos) => expr.push((xs[pos], 1.0)),
                        None => rhs -= cells[i]["value"].as_f64().unwrap(),
                    }
                }
                if !expr.is_empty() {
                    p.add_constraint(expr, ComparisonOp::Eq, rhs);
                }
            }
            b[n] = match p.solve() {
                Ok(sol) => sol.objective(),
                Err(microlp::Error::Unbounded) => f64::INFINITY,
                Err(e) => panic!("{e}"),
            };
        }
        out.push((key(&cells[c]), b[0], b[1]));
    }
    out
}

#[tokio::test]
async fn other_countries_see_figures_after_disclosure_control() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        let (st, _) = put(&s, &hn, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::OK);
        // A second revision: others only ever see the latest.
        let mut t2 = TABLE.to_vec();
        t2[0].2 = 4;
        t2[1].2 = 39;
        let (st, _) = put(&s, &hn, PATH, figures(&t2)).await;
        assert_eq!(st, StatusCode::OK);
        for user in ["analyst.gt", "officer.mx", "secretariat"] {
            let tok = s.token(user).await;
            // Everything this user can see of Honduras' figures, by every route offered.
            let (st, v) = s.api(Some(&tok), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&countries=hn", None).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            let items = v["items"].as_array().unwrap();
            let t = items.iter().find(|t| t["period"] == "2026-Q1").unwrap();
            assert_eq!(t["revision"], 2);
            let cells = t["cells"].as_array().unwrap();
            let small = cells.iter().find(|c| c["nationality"] == "hn" && c["sex"] == "female").unwrap();
            assert_eq!(small["value"], Value::Null, "{t}");
            assert_eq!(small["suppressed"], true);
            let zero = cells.iter().find(|c| c["nationality"] == "ni" && c["sex"] == "female").unwrap();
            assert_eq!(zero["value"], 0, "zero is not sensitive");
            assert_eq!(zero["suppressed"], false);
            assert!(cells.iter().filter(|c| c["suppressed"] == true).count() >= 2, "secondary suppression");
            // The differencing attack: no suppressed cell is pinned to less than k = 11.
            for (cell, lo, hi) in ranges(t) {
                assert!(hi - lo >= 11.0 - 1e-6, "{user}: {cell} pinned to [{lo}, {hi}] by {t}");
            }
            let (st, _) = s.api(Some(&tok), Method::GET, &format!("{PATH}/revisions"), None).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "revisions are the owner's");
        }
        // The owner reads its own in full.
        let (_, v) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q1&countries=hn", None).await;
        assert_eq!(v["items"][0]["cells"][0]["value"], 4);
        assert_eq!(v["items"][0]["cells"][0]["suppressed"], false);

        // Every demo table another country sees resists differencing too.
        let gt = s.token("officer.gt").await;
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected", None).await;
        let items = v["items"].as_array().unwrap();
        assert!(items.len() >= 20, "demo figures: {}", items.len());
        for t in items.iter().filter(|t| t["country"] != "gt") {
            for (cell, lo, hi) in ranges(t) {
                assert!(hi - lo >= 11.0 - 1e-6, "{cell} of {} {} pinned to [{lo}, {hi}]", t["country"], t["period"]);
            }
        }

        // The SDMX-CSV export: the promised columns; suppressed cells empty with C.
        let res = s.http.get(format!("{}/api/v1/statistics/export?indicator=smuggled_migrants_detected&format=sdmx-csv&period=2026-Q1", s.base)).bearer_auth(&gt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,NATIONALITY,SEX,OBS_VALUE,CONF_STATUS");
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let hn_f = rows.iter().find(|r| r[3] == "HN" && r[5] == "hn" && r[6] == "female").unwrap();
        assert_eq!((hn_f[7], hn_f[8]), ("", "C"));
        assert!(rows.iter().any(|r| r[3] == "HN" && r[5] == "_T" && r[6] == "_T" && r[8] == "F"), "the total");
        let own = rows.iter().find(|r| r[3] == "GT" && r[5] != "_T" && r[6] != "_T").unwrap();
        assert_eq!(own[8], "F", "the caller's own country in full");
        for fmt in ["csv", "xlsx"] {
            let res = s.http.get(format!("{}/api/v1/statistics/export?indicator=smuggled_migrants_detected&format={fmt}", s.base)).bearer_auth(&gt).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{fmt}");
        }
        let (st, _) = s.api(Some(&gt), Method::GET, "/api/v1/statistics/export?indicator=smuggled_migrants_detected&format=pdf", None).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn concurrent_submissions_get_consecutive_revisions() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        let path = "/api/v1/statistics/hn/smugglers_arrested/2026-Q2";
        let mut tasks = vec![];
        for i in 0..100i64 {
            let http = s.http.clone();
            let url = format!("{}{path}", s.base);
            let tok = hn.clone();
            tasks.push(tokio::spawn(async move {
                let body = json!({"total": 20 + i, "cells": [{"nationality": "hn", "sex": "male", "value": 20 + i}]});
                let res = http.put(url).bearer_auth(tok).json(&body).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                res.json::<Value>().await.unwrap()["revision"].as_i64().unwrap()
            }));
        }
        let mut revs = vec![];
        for t in tasks {
            revs.push(t.await.unwrap());
        }
        revs.sort();
        assert_eq!(revs, (1..=100).collect::<Vec<_>>());
        let (_, v) = s.api(Some(&hn), Method::GET, &format!("{path}/revisions"), None).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 50, "a page");
        assert_eq!(v["next"], "51");
        let (_, v) = s.api(Some(&hn), Method::GET, &format!("{path}/revisions?cursor=51"), None).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 50);
        assert!(v["next"].is_null());
    })
    .await;
}

#[tokio::test]
async fn files_import_all_or_nothing() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        let url = format!("{}/api/v1/statistics/hn/smuggled_migrants_detected/import?format=csv", s.base);
        // The template names the columns.
        let res = s.http.get(format!("{}/api/v1/indicators/smuggled_migrants_detected/template?format=csv", s.base)).bearer_auth(&hn).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().starts_with("period,nationality,sex,value"));
        let res = s.http.get(format!("{}/api/v1/indicators/smuggled_migrants_detected/template?format=xlsx", s.base)).bearer_auth(&hn).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.bytes().await.unwrap().starts_with(b"PK"));

        // A file with bad rows: 422, every bad row with its line and reason; nothing written.
        let bad = "period,nationality,sex,value\n2026-Q3,hn,female,12\n2026-Q3,zz,male,4\n2026-Q3,gt,male,-2\n2026-Q9,gt,female,1\n2026-Q4,hn,male,abc\n";
        let res = s.http.post(&url).bearer_auth(&hn).header("content-type", "text/csv").header("accept-language", "en").body(bad).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r: Value = res.json().await.unwrap();
        let rej = r["rejected"].as_array().unwrap();
        let lines: Vec<i64> = rej.iter().map(|x| x["line"].as_i64().unwrap()).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{r}");
        assert_eq!(rej[0]["column"], "nationality");
        assert_eq!(rej[1]["message"], "must not be negative");
        let (_, v) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q3&countries=hn", None).await;
        assert!(v["items"].as_array().unwrap().is_empty(), "nothing half-written");
        // A total that the cells do not reach: the gap named on the total's line.
        let gap = "period,nationality,sex,value\n2026-Q3,_T,_T,40\n2026-Q3,hn,female,39\n";
        let res = s.http.post(&url).bearer_auth(&hn).header("accept-language", "en").body(gap).send().await.unwrap();
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["rejected"][0]["line"], 2, "{r}");
        assert_eq!(r["rejected"][0]["message"], "the cells add up to 39, the total is 40");

        // A good file: two periods written, each a revision.
        let good = "period,nationality,sex,value\n2026-Q3,hn,female,12\n2026-Q3,gt,male,30\n2026-Q4,hn,female,15\n";
        let res = s.http.post(&url).bearer_auth(&hn).body(good).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["periods"], json!({"2026-Q3": 1, "2026-Q4": 1}), "{r}");
        let (_, v) = s.api(Some(&hn), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q3&countries=hn", None).await;
        assert_eq!(v["items"][0]["total"], 42);
        // Not for another country, nor garbage.
        let gt = s.token("officer.gt").await;
        let res = s.http.post(&url).bearer_auth(&gt).body(good).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let xurl = format!("{}/api/v1/statistics/hn/smuggled_migrants_detected/import?format=xlsx", s.base);
        let res = s.http.post(&xurl).bearer_auth(&hn).body("not a workbook").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn the_secretariat_keeps_the_catalogue() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        let body = json!({"name": {"es": "Migrantes detectados", "en": "Migrants detected"}, "definition": {"es": "Definición", "en": "Definition"}, "unit": {"es": "personas", "en": "persons"}, "k": 5, "kind": "submitted", "public": true});
        let (st, v) = s.api(Some(&sec), Method::PUT, "/api/v1/indicators/smuggled_migrants_detected", Some(body.clone())).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["k"], 5);
        assert_eq!(v["dimensions"], json!(["nationality", "sex"]), "the breakdown stays");
        let hn = s.token("officer.hn").await;
        let (st, _) = s.api(Some(&hn), Method::PUT, "/api/v1/indicators/smuggled_migrants_detected", Some(body.clone())).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let mut bad = body.clone();
        bad["k"] = json!(0);
        let (st, e) = s.api(Some(&sec), Method::PUT, "/api/v1/indicators/smuggled_migrants_detected", Some(bad)).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["fields"][0]["field"], "k");
        let (st, _) = s.api(Some(&sec), Method::PUT, "/api/v1/indicators/nope", Some(body)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // The new threshold applies at once to what others see (k = 5: a 7 is published).
        let (_, v) = s.api(Some(&hn), Method::GET, "/api/v1/indicators", None).await;
        assert!(v["items"].as_array().unwrap().iter().any(|i| i["code"] == "smuggled_migrants_detected" && i["k"] == 5));
        let (st, _) = put(&s, &hn, PATH, figures(TABLE)).await;
        assert_eq!(st, StatusCode::OK);
        let gt = s.token("officer.gt").await;
        let (_, v) = s.api(Some(&gt), Method::GET, "/api/v1/statistics?indicator=smuggled_migrants_detected&period=2026-Q1&countries=hn", None).await;
        let cells = v["items"][0]["cells"].as_array().unwrap();
        assert!(cells.iter().any(|c| c["nationality"] == "ni" && c["sex"] == "male" && c["value"] == 7), "{v}");
    })
    .await;
}

/// The authorization matrix for statistics: role × relation to the owner (Honduras) →
/// PUT figures, POST close, GET revisions, GET figures (and whether a small cell is shown).
const MATRIX: &str = "
officer.hn     200 200 200 full
prosecutor.hn  200 200 200 full
analyst.hn     200 200 200 full
approver.hn    200 200 200 full
admin.hn       200 200 200 full
officer.gt     403 403 404 protected
analyst.pa     403 403 404 protected
admin.mx       403 403 404 protected
secretariat    403 403 404 protected
-              401 401 401 none
";

#[tokio::test]
async fn statistics_authorization_matrix() {
    each_engine(|s| async move {
        let path = "/api/v1/statistics/hn/smugglers_arrested/2026-Q3";
        for line in MATRIX.lines().filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let tok = if f[0] == "-" {
                None
            } else {
                Some(s.token(f[0]).await)
            };
            let tok = tok.as_deref();
            let code = |x: &str| StatusCode::from_u16(x.parse().unwrap()).unwrap();
            // Each owner row writes afresh (the period may have been closed by the row before).
            let mut body = figures(&[
                ("hn", "female", 3),
                ("hn", "male", 40),
                ("gt", "female", 20),
                ("gt", "male", 25),
            ]);
            body["reason"] = json!("matrix");
            let (st, v) = s.api(tok, Method::PUT, path, Some(body)).await;
            assert_eq!(st, code(f[1]), "{line}: PUT {v}");
            if st != StatusCode::OK {
                // Make sure there is something to close and read.
                let own = s.token("officer.hn").await;
                let mut b = figures(&[
                    ("hn", "female", 3),
                    ("hn", "male", 40),
                    ("gt", "female", 20),
                    ("gt", "male", 25),
                ]);
                b["reason"] = json!("matrix");
                let (st, _) = s.api(Some(&own), Method::PUT, path, Some(b)).await;
                assert_eq!(st, StatusCode::OK);
            }
            let (st, v) = s
                .api(tok, Method::POST, &format!("{path}/close"), None)
                .await;
            assert_eq!(st, code(f[2]), "{line}: close {v}");
            let (st, v) = s
                .api(tok, Method::GET, &format!("{path}/revisions"), None)
                .await;
            assert_eq!(st, code(f[3]), "{line}: revisions {v}");
            let (st, v) = s
                .api(
                    tok,
                    Method::GET,
                    "/api/v1/statistics?indicator=smugglers_arrested&period=2026-Q3&countries=hn",
                    None,
                )
                .await;
            match f[4] {
                "none" => assert_eq!(st, StatusCode::UNAUTHORIZED),
                sight => {
                    assert_eq!(st, StatusCode::OK, "{line}: {v}");
                    let small = &v["items"][0]["cells"][0];
                    assert_eq!(small["suppressed"], sight == "protected", "{line}: {v}");
                    assert_eq!(
                        small["value"].is_null(),
                        sight == "protected",
                        "{line}: {v}"
                    );
                }
            }
        }
    })
    .await;
}

/// The figures of one country for one period, through the API.
async fn own_table(s: &Server, tok: &str, country: &str, period: &str) -> Value {
    let (st, v) = s
        .api(
            Some(tok),
            Method::GET,
            &format!("/api/v1/statistics?indicator=smuggled_migrants_detected&period={period}&countries={country}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    v["items"].get(0).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_statistics_pages_do_the_whole_job() {
    use crate::testkit::csrf_of;
    each_engine(|s| async move {
        let ind = "smuggled_migrants_detected";
        // Without a session every page leads to the login, and a post writes nothing.
        for path in ["/statistics", "/statistics/submit", "/statistics/import", "/statistics/indicators"] {
            let res = s.http.get(format!("{}{path}", s.base)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
            assert_eq!(res.headers()["location"], "/login", "{path}");
        }
        let res = s
            .http
            .post(format!("{}/statistics/submit", s.base))
            .form(&[("country", "mx"), ("indicator", ind), ("period", "2026-Q3"), ("total", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/login");

        let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let mx = s.token("officer.mx").await;
        // The figures view: Mexico in full, the others after disclosure control (the demo
        // has small cells: they read "reservado", never a zero), in words.
        let res = s.page(&cookie, &format!("/statistics?indicator={ind}&period=2026-Q1")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("México") && html.contains("Guatemala"), "{html}");
        assert!(html.contains("reservado"), "suppressed cells say so");
        assert!(html.contains("Honduras") && html.contains("Mujer"), "dimension values in words");
        assert!(html.contains("/statistics/submit?indicator="), "the own country may enter figures");

        // The submission form: the breakdown's grid, in words.
        let res = s.page(&cookie, &format!("/statistics/submit?indicator={ind}&period=2026-Q3")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("Nacionalidad") && html.contains("Mujer") && html.contains("Trimestre 3 de 2026"), "{html}");
        let csrf = csrf_of(&html);
        let form = |total: &'static str, first: &'static str, reason: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("country", "mx".to_string()),
                ("indicator", ind.to_string()),
                ("period", "2026-Q3".to_string()),
                ("total", total.to_string()),
                ("d0_0", "Honduras".to_string()),
                ("d1_0", "female".to_string()),
                ("value_0", first.to_string()),
                ("d0_1", "hn".to_string()),
                ("d1_1", "male".to_string()),
                ("value_1", "37".to_string()),
                ("d0_2", String::new()),
                ("d1_2", "female".to_string()),
                ("value_2", String::new()),
                ("reason", reason.to_string()),
            ]
        };
        let post = |f: Vec<(&'static str, String)>, cookie: String| {
            let s = &s;
            async move {
                let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                s.post_form(&cookie, "/statistics/submit", &pairs).await
            }
        };
        // A bad submission: 422, the gap named in Spanish, the form as typed; nothing written.
        let res = post(form("40", "2", ""), cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("las celdas suman 39 y el total es 40"), "{html}");
        assert!(html.contains("value=\"40\""), "the form comes back as typed");
        assert!(own_table(&s, &mx, "mx", "2026-Q3").await.is_null(), "nothing written");
        // "More rows" gives the form back as typed with empty rows added, and sends nothing.
        let mut more = form("40", "2", "");
        more.push(("action", "more".to_string()));
        let res = post(more, cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("name=\"value_30\"") && html.contains("value=\"37\""), "{html}");
        assert!(own_table(&s, &mx, "mx", "2026-Q3").await.is_null(), "nothing written");
        // A good one: saved, revision 1, and it survives (read back through the API).
        let res = post(form("40", "3", ""), cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers()["location"].to_str().unwrap().contains("done=statistics_saved"));
        let t = own_table(&s, &mx, "mx", "2026-Q3").await;
        assert_eq!((t["total"].as_i64(), t["revision"].as_i64()), (Some(40), Some(1)), "{t}");
        assert_eq!(t["cells"].as_array().unwrap().len(), 2, "the empty row is not a cell");

        // Another country's user cannot submit for Mexico (403), even with its own session.
        let (_, gt_cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let gt_cookie = gt_cookie.unwrap();
        let gt_csrf = csrf_of(&s.page(&gt_cookie, "/statistics").await.text().await.unwrap());
        let mut f = form("40", "3", "");
        f[0].1 = gt_csrf;
        let res = post(f, gt_cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(own_table(&s, &mx, "mx", "2026-Q3").await["revision"], 1);
        // Nor see Mexico's revisions (they do not exist for it), nor close them.
        let rev = format!("/statistics/revisions?country=mx&indicator={ind}&period=2026-Q3");
        assert_eq!(s.page(&gt_cookie, &rev).await.status(), StatusCode::NOT_FOUND);
        let close = format!("/statistics/close?country=mx&indicator={ind}&period=2026-Q3");
        assert_eq!(s.page(&gt_cookie, &close).await.status(), StatusCode::FORBIDDEN);

        // Closing asks first: the page puts the question, and without the confirmation
        // nothing closes.
        let res = s.page(&cookie, &close).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("¿Cerrar este periodo?") && html.contains("data-confirm"), "{html}");
        let base = [("csrf", csrf.as_str()), ("country", "mx"), ("indicator", ind), ("period", "2026-Q3")];
        let res = s.post_form(&cookie, "/statistics/close", &base).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("marque la casilla para confirmar"));
        assert_eq!(own_table(&s, &mx, "mx", "2026-Q3").await["closed"], false);
        let mut confirmed = base.to_vec();
        confirmed.push(("confirm", "1"));
        let res = s.post_form(&cookie, "/statistics/close", &confirmed).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(own_table(&s, &mx, "mx", "2026-Q3").await["closed"], true);

        // A change after closing needs a reason (409 without), then is revision 2.
        let res = s.page(&cookie, &format!("/statistics/submit?indicator={ind}&period=2026-Q3")).await;
        assert!(res.text().await.unwrap().contains("Este periodo está cerrado"));
        let res = post(form("41", "4", ""), cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("necesita un motivo"));
        let res = post(form("41", "4", "Corrección del registro de Tapachula (prueba)"), cookie.clone()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(own_table(&s, &mx, "mx", "2026-Q3").await["revision"], 2);
        // Every revision stays readable, with its reason.
        let res = s.page(&cookie, &rev).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("Revisión 2") && html.contains("Revisión 1"), "{html}");
        assert!(html.contains("Corrección del registro de Tapachula (prueba)"));

        // The import page (the pasted CSV; the file goes to the API from the page's script):
        // a bad file reports every rejected row and writes nothing; a good one is saved.
        let res = s.page(&cookie, &format!("/statistics/import?indicator={ind}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("template?format=csv") && html.contains("template?format=xlsx") && html.contains("<progress"));
        let bad = "period,nationality,sex,value\n2026-Q4,hn,female,12\n2026-Q4,zz,male,4\n2026-Q4,gt,male,-2\n";
        let imp = |csv: &'static str| {
            vec![("csrf", csrf.clone()), ("country", "mx".into()), ("indicator", ind.into()), ("csv", csv.into()), ("reason", String::new())]
        };
        let pairs = imp(bad);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = s.post_form(&cookie, "/statistics/import", &pairs).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("Línea 3") && html.contains("Línea 4") && html.contains("no puede ser negativo"), "{html}");
        assert!(html.contains("No se guardó nada del archivo"));
        assert!(own_table(&s, &mx, "mx", "2026-Q4").await.is_null(), "nothing half-written");
        let pairs = imp("period,nationality,sex,value\n2026-Q4,hn,female,12\n2026-Q4,gt,male,30\n");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = s.post_form(&cookie, "/statistics/import", &pairs).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("Periodos guardados"));
        assert_eq!(own_table(&s, &mx, "mx", "2026-Q4").await["total"], 42);

        // The catalogue: everyone reads it; only the secretariat edits it.
        let res = s.page(&cookie, "/statistics/indicators").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(!res.text().await.unwrap().contains("/statistics/indicators/smuggled"));
        assert_eq!(s.page(&cookie, &format!("/statistics/indicators/{ind}")).await.status(), StatusCode::FORBIDDEN);
        let (_, sc, _) = s.browser_login("secretariat", "enlace-demo").await;
        let sc = sc.unwrap();
        let res = s.page(&sc, &format!("/statistics/indicators/{ind}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let sc_csrf = csrf_of(&res.text().await.unwrap());
        let edit = |k: &'static str| {
            vec![
                ("csrf", sc_csrf.clone()),
                ("name_es", "Migrantes objeto de tráfico detectados".to_string()),
                ("name_en", "Smuggled migrants detected".to_string()),
                ("definition_es", "Personas detectadas (definición de prueba).".to_string()),
                ("definition_en", "People detected (test definition).".to_string()),
                ("unit_es", "personas".to_string()),
                ("unit_en", "people".to_string()),
                ("k", k.to_string()),
                ("kind", "submitted".to_string()),
                ("public", "1".to_string()),
            ]
        };
        let path = format!("/statistics/indicators/{ind}");
        let pairs = edit("0");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = s.post_form(&sc, &path, &pairs).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("Umbral de divulgación (k): está fuera del rango permitido"));
        let pairs = edit("15");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = s.post_form(&sc, &path, &pairs).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, v) = s.api(Some(&mx), Method::GET, "/api/v1/indicators", None).await;
        let i = v["items"].as_array().unwrap().iter().find(|i| i["code"] == ind).unwrap().clone();
        assert_eq!(i["k"], 15);
        assert_eq!(i["definition"]["en"], "People detected (test definition).");
    })
    .await;
}
