//! The authorization matrix, from one table: role × the actor's country (relative to the
//! owner) × distribution × action, asserted cell by cell over the HTTP API on every engine.
use crate::testkit::{each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The owner is Mexico; "named" is Guatemala (the one country a `countries` case names);
/// "other" is Panama. `intel` stands for officer, prosecutor and analyst alike.
/// Columns: role, relation, distribution, GET by id, listed, PATCH, close.
const TABLE: &str = "
intel        own    country    200 yes 200 200
intel        own    countries  200 yes 200 200
intel        own    members    200 yes 200 200
intel        named  country    404 no  404 404
intel        named  countries  200 yes 403 403
intel        named  members    200 yes 403 403
intel        other  country    404 no  404 404
intel        other  countries  404 no  404 404
intel        other  members    200 yes 403 403
approver     own    *          404 no  404 404
approver     named  *          404 no  404 404
approver     other  *          404 no  404 404
admin        own    *          404 no  404 404
admin        named  *          404 no  404 404
admin        other  *          404 no  404 404
secretariat  -      *          404 no  404 404
anonymous    -      *          401 no  401 401
";

const DISTS: [&str; 3] = ["country", "countries", "members"];

struct Cell {
    user: Option<String>,
    dist: &'static str,
    read: u16,
    listed: bool,
    update: u16,
    close: u16,
}

fn cells() -> Vec<Cell> {
    let mut out = vec![];
    for line in TABLE.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let roles: Vec<&str> = match f[0] {
            "intel" => vec!["officer", "prosecutor", "analyst"],
            r => vec![r],
        };
        let cc = match f[1] {
            "own" => Some("mx"),
            "named" => Some("gt"),
            "other" => Some("pa"),
            _ => None,
        };
        let dists: Vec<&'static str> = match f[2] {
            "*" => DISTS.to_vec(),
            d => vec![DISTS.into_iter().find(|x| *x == d).unwrap()],
        };
        for role in &roles {
            for dist in &dists {
                let user = match (*role, cc) {
                    ("anonymous", _) => None,
                    ("secretariat", _) => Some("secretariat".to_string()),
                    (r, Some(c)) => Some(format!("{r}.{c}")),
                    (r, None) => panic!("row {r} needs a country"),
                };
                out.push(Cell {
                    user,
                    dist,
                    read: f[3].parse().unwrap(),
                    listed: f[4] == "yes",
                    update: f[5].parse().unwrap(),
                    close: f[6].parse().unwrap(),
                });
            }
        }
    }
    out
}

async fn create(s: &Server, token: &str, dist: &str) -> String {
    let countries: Vec<&str> = if dist == "countries" {
        vec!["gt"]
    } else {
        vec![]
    };
    let (st, v) = s
        .api(
            Some(token),
            Method::POST,
            "/api/v1/cases",
            Some(json!({"title": format!("Matriz {dist}"), "distribution": {"level": dist, "countries": countries}, "handling": "intelligence_only"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn authorization_matrix_over_http() {
    each_engine(|s| async move {
        let cells = cells();
        assert_eq!(cells.len(), 3 * 9 + 3 * 3 * 2 + 3 + 3, "every cell of the table is expanded");
        let owner = s.token("officer.mx").await;
        let mut ids = HashMap::new();
        for d in DISTS {
            ids.insert(d, create(&s, &owner, d).await);
        }
        let mut tokens: HashMap<String, String> = HashMap::new();
        for c in &cells {
            if let Some(u) = &c.user {
                if !tokens.contains_key(u) {
                    tokens.insert(u.clone(), s.token(u).await);
                }
            }
        }
        // Reads and lists.
        for c in &cells {
            let tok = c.user.as_ref().map(|u| tokens[u].as_str());
            let id = &ids[c.dist];
            let who = format!("{:?} on {} [{}]", c.user, c.dist, s.engine);
            let (st, body) = s.api(tok, Method::GET, &format!("/api/v1/cases/{id}"), None).await;
            assert_eq!(st.as_u16(), c.read, "read: {who}: {body}");
            if c.read == 404 {
                // Indistinguishable from an id that never existed.
                let (st2, body2) = s.api(tok, Method::GET, "/api/v1/cases/00000000000000000000000000000000", None).await;
                assert_eq!(st2, st);
                assert_eq!(body["error"]["code"], body2["error"]["code"]);
                assert_eq!(body["error"]["message"], body2["error"]["message"]);
            }
            let (st, list) = s.api(tok, Method::GET, "/api/v1/cases?per_page=200", None).await;
            if c.user.is_none() {
                assert_eq!(st, StatusCode::UNAUTHORIZED, "list: {who}");
                continue;
            }
            assert_eq!(st, StatusCode::OK, "list: {who}");
            let listed = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == Value::String(id.clone()));
            assert_eq!(listed, c.listed, "listed: {who}");
            let total = list["total"].as_i64().unwrap();
            assert_eq!(total as usize, list["items"].as_array().unwrap().len(), "count agrees with the list: {who}");
        }
        // Changes (before any close, which would make later edits conflict).
        for c in &cells {
            let tok = c.user.as_ref().map(|u| tokens[u].as_str());
            let id = &ids[c.dist];
            let countries: Vec<&str> = if c.dist == "countries" { vec!["gt"] } else { vec![] };
            let (st, body) = s
                .api(
                    tok,
                    Method::PATCH,
                    &format!("/api/v1/cases/{id}"),
                    Some(json!({"title": "Editado", "distribution": {"level": c.dist, "countries": countries}})),
                )
                .await;
            assert_eq!(st.as_u16(), c.update, "update: {:?} on {} [{}]: {body}", c.user, c.dist, s.engine);
        }
        for c in &cells {
            let tok = c.user.as_ref().map(|u| tokens[u].as_str());
            let id = &ids[c.dist];
            let (st, body) = s.api(tok, Method::POST, &format!("/api/v1/cases/{id}/close"), None).await;
            assert_eq!(st.as_u16(), c.close, "close: {:?} on {} [{}]: {body}", c.user, c.dist, s.engine);
        }
        // Creation: intelligence roles only, always owned by their own country.
        for (user, expected) in [
            (Some("analyst.gt"), 201),
            (Some("prosecutor.pa"), 201),
            (Some("approver.gt"), 403),
            (Some("admin.mx"), 403),
            (Some("secretariat"), 403),
            (None, 401),
        ] {
            let tok = user.map(|u| tokens.get(u).cloned().unwrap_or_default());
            let (st, body) = s
                .api(tok.as_deref(), Method::POST, "/api/v1/cases", Some(json!({"title": "Nuevo", "distribution": {"level": "country"}})))
                .await;
            assert_eq!(st.as_u16(), expected, "create by {user:?}: {body}");
            if expected == 201 {
                let cc = user.unwrap().split('.').nth(1).unwrap();
                assert_eq!(body["owner_country"], cc);
            }
        }
    })
    .await;
}

/// The network's shared records (legislation, work-plan progress, meetings and agreements,
/// visas, travel documents, portal items), from one table: each row is an action on a record
/// of Mexico's (or of the network) and the status each caller gets. Columns: officer.mx,
/// admin.mx, approver.mx, officer.gt, secretariat, no login. Rows run in order, each caller
/// in column order; fixtures (a meeting, an agreement whose responsible country is
/// Guatemala, a specimen, a proposed portal item) are made first.
const NETWORK: &str = "
legislation.answer.mx      200 200 200 403 403 401
legislation.read           200 200 200 200 200 401
legislation.question.edit  403 403 403 403 200 401
progress.report.mx         200 200 200 403 403 401
progress.read              200 200 200 200 200 401
workplan.load              403 403 403 403 201 401
meeting.create             403 403 403 403 201 401
meeting.read               200 200 200 200 200 401
agreement.create           403 403 403 403 201 401
agreement.follow.gt        403 403 403 200 200 401
visa.set.mx                200 200 200 403 403 401
visa.read                  200 200 200 200 200 401
specimen.create            201 403 403 201 403 401
specimen.read              200 200 200 200 403 401
portal.propose             201 201 201 201 201 401
portal.read.proposed.mx    200 200 200 404 200 401
portal.publish             403 403 403 404 200 401
";

const CALLERS: [Option<&str>; 6] = [
    Some("officer.mx"),
    Some("admin.mx"),
    Some("approver.mx"),
    Some("officer.gt"),
    Some("secretariat"),
    None,
];

#[tokio::test]
async fn network_records_matrix_over_http() {
    each_engine(|s| async move {
        let mut tokens: HashMap<&str, String> = HashMap::new();
        for u in CALLERS.iter().flatten() {
            tokens.insert(u, s.token(u).await);
        }
        let sec = tokens["secretariat"].clone();
        let mx = tokens["officer.mx"].clone();
        // Fixtures.
        let (_, q) = s.api(Some(&mx), Method::GET, "/api/v1/legislation/questions", None).await;
        let question = q["items"][0]["code"].as_str().unwrap().to_string();
        let (_, plans) = s.api(Some(&mx), Method::GET, "/api/v1/workplans", None).await;
        let plan = plans["items"].as_array().unwrap().iter().find(|p| p["year"] == 2018).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (st, m) = s
            .api(Some(&sec), Method::POST, "/api/v1/meetings", Some(json!({"title": "Reunión matriz", "date": "2031-03-02", "kind": "network"})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{m}");
        let meeting = m["id"].as_str().unwrap().to_string();
        let (st, a) = s
            .api(Some(&sec), Method::POST, "/api/v1/agreements", Some(json!({"meeting_id": meeting, "text": "Acuerdo de la matriz", "responsible": ["gt"], "due": "2031-12-31"})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{a}");
        let agreement = a["id"].as_str().unwrap().to_string();
        let specimen_body = json!({"issuing_country": "ht", "kind": "passport", "series": "Serie matriz", "first_issued": "2021-06-01", "validity_years": 10});
        let (st, d) = s.api(Some(&mx), Method::POST, "/api/v1/documents", Some(specimen_body.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{d}");
        let specimen = d["id"].as_str().unwrap().to_string();
        let portal_body = json!({"kind": "event", "title_es": "Foro de la matriz", "event_date": "2031-05-04"});
        let (st, p) = s.api(Some(&mx), Method::POST, "/api/v1/portal/items", Some(portal_body.clone())).await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
        let item = p["id"].as_str().unwrap().to_string();

        let cited = json!({"answer": "yes", "citation": {"instrument": "Ley (ficticia)", "article": "1", "in_force": "2016-01-01", "url": "https://example.org/ley"}, "excerpt": "Texto."});
        let mut n = 0;
        for line in NETWORK.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 1 + CALLERS.len(), "row {line}");
            for (caller, expected) in CALLERS.iter().zip(&f[1..]) {
                n += 1;
                let (method, path, body) = match f[0] {
                    "legislation.answer.mx" => (Method::PUT, format!("/api/v1/legislation/mx/{question}"), Some(cited.clone())),
                    "legislation.read" => (Method::GET, "/api/v1/legislation?countries=mx,gt".to_string(), None),
                    "legislation.question.edit" => (
                        Method::PUT,
                        format!("/api/v1/legislation/questions/{question}"),
                        Some(json!({"text": {"es": "Pregunta de la matriz", "en": "Matrix question"}})),
                    ),
                    "progress.report.mx" => (
                        Method::PUT,
                        format!("/api/v1/workplans/{plan}/progress/mx/1.2/2026-Q1"),
                        Some(json!({"status": "in_progress", "evidence": "Avance."})),
                    ),
                    "progress.read" => (Method::GET, format!("/api/v1/workplans/{plan}/progress"), None),
                    "workplan.load" => {
                        let (_, doc) = s.api(Some(&sec), Method::GET, &format!("/api/v1/workplans/{plan}/export"), None).await;
                        let mut doc = doc;
                        doc["title"] = json!({"es": "Plan de la matriz", "en": "Matrix plan"});
                        doc["year"] = json!(2031);
                        (Method::POST, "/api/v1/workplans".to_string(), Some(doc))
                    }
                    "meeting.create" => (
                        Method::POST,
                        "/api/v1/meetings".to_string(),
                        Some(json!({"title": "Otra reunión", "date": "2031-04-06", "kind": "virtual"})),
                    ),
                    "meeting.read" => (Method::GET, format!("/api/v1/meetings/{meeting}"), None),
                    "agreement.create" => (
                        Method::POST,
                        "/api/v1/agreements".to_string(),
                        Some(json!({"meeting_id": meeting, "text": "Otro acuerdo", "responsible": ["secretariat"], "due": "2031-12-31"})),
                    ),
                    "agreement.follow.gt" => (Method::PATCH, format!("/api/v1/agreements/{agreement}"), Some(json!({"status": "in_progress"}))),
                    "visa.set.mx" => (
                        Method::PUT,
                        "/api/v1/visas/mx/ke".to_string(),
                        Some(json!({"regime": "visa_required", "source": "Ley de Migración (ficticia), art. 37", "effective": "2020-01-01"})),
                    ),
                    "visa.read" => (Method::GET, "/api/v1/visas?nationality=ke&destination=mx".to_string(), None),
                    "specimen.create" => (Method::POST, "/api/v1/documents".to_string(), Some(specimen_body.clone())),
                    "specimen.read" => (Method::GET, format!("/api/v1/documents/{specimen}"), None),
                    "portal.propose" => (Method::POST, "/api/v1/portal/items".to_string(), Some(portal_body.clone())),
                    "portal.read.proposed.mx" => (Method::GET, format!("/api/v1/portal/items/{item}"), None),
                    "portal.publish" => (Method::POST, format!("/api/v1/portal/items/{item}/publish"), None),
                    other => panic!("unknown action {other}"),
                };
                let tok = caller.map(|u| tokens[u].as_str());
                let (st, v) = s.api(tok, method, &path, body).await;
                assert_eq!(st.as_u16().to_string(), *expected, "{} by {caller:?} [{}]: {v}", f[0], s.engine);
            }
        }
        assert_eq!(n, 17 * 6, "every cell of the table ran");
    })
    .await;
}

/// Migration centres, from one table: role × the actor's country relative to the owner
/// (Guatemala; "other" is Mexico) → read by id, listed, PATCH, occupancy report, crisis
/// level. Another country's figures are read and never written (403); the secretariat reads.
const CENTRES: &str = "
officer      own    200 yes 200 201 200
prosecutor   own    200 yes 200 201 200
analyst      own    200 yes 200 201 200
admin        own    200 yes 200 201 200
approver     own    200 yes 403 403 403
officer      other  200 yes 403 403 403
prosecutor   other  200 yes 403 403 403
analyst      other  200 yes 403 403 403
admin        other  200 yes 403 403 403
approver     other  200 yes 403 403 403
secretariat  -      200 yes 403 403 403
anonymous    -      401 no  401 401 401
";

#[tokio::test]
async fn centres_matrix_over_http() {
    each_engine(|s| async move {
        let owner = s.token("officer.gt").await;
        let (st, v) = s
            .api(Some(&owner), Method::POST, "/api/v1/centres", Some(json!({"name": "Matriz", "kind": "custody", "capacity": 10})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let mut rows = 0;
        for line in CENTRES.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let user = match (f[0], f[1]) {
                ("anonymous", _) => None,
                ("secretariat", _) => Some("secretariat".to_string()),
                (r, "own") => Some(format!("{r}.gt")),
                (r, _) => Some(format!("{r}.mx")),
            };
            let tok = match &user {
                Some(u) => Some(s.token(u).await),
                None => None,
            };
            let tok = tok.as_deref();
            let who = format!("{user:?} [{}]", s.engine);
            let (st, body) = s.api(tok, Method::GET, &format!("/api/v1/centres/{id}"), None).await;
            assert_eq!(st.as_u16(), f[2].parse::<u16>().unwrap(), "read: {who}: {body}");
            let (st, list) = s.api(tok, Method::GET, "/api/v1/centres?country=gt", None).await;
            let listed = st == StatusCode::OK && list["items"].as_array().unwrap().iter().any(|i| i["id"] == id.as_str());
            assert_eq!(listed, f[3] == "yes", "listed: {who}");
            let (st, body) = s.api(tok, Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"capacity": 12}))).await;
            assert_eq!(st.as_u16(), f[4].parse::<u16>().unwrap(), "patch: {who}: {body}");
            let at = enlace_domain::clock::format_utc(s.app.now_ms() - 60_000);
            let (st, body) = s
                .api(tok, Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(json!({"at": at, "total": 1, "cells": [{"nationality": "hn", "sex": "male", "age_group": "18_59", "value": 1}]})))
                .await;
            assert_eq!(st.as_u16(), f[5].parse::<u16>().unwrap(), "occupancy: {who}: {body}");
            let (st, body) = s
                .api(tok, Method::POST, &format!("/api/v1/centres/{id}/crisis"), Some(json!({"level": 1, "reason": "Matriz"})))
                .await;
            assert_eq!(st.as_u16(), f[6].parse::<u16>().unwrap(), "crisis: {who}: {body}");
            rows += 1;
        }
        assert_eq!(rows, 12, "every row of the table is asserted");
    })
    .await;
}

/// The dashboard and the quarterly report: every signed-in role reads them (other countries'
/// figures after disclosure control); indicators derived from intelligence only for the
/// roles that read intelligence; no login, 401. Columns: role, dashboard, report, derived.
const STATS_TABLE: &str = "
officer.mx     200 200 yes
prosecutor.gt  200 200 yes
analyst.pa     200 200 yes
approver.mx    200 200 no
admin.gt       200 200 no
secretariat    200 200 no
anonymous      401 401 -
";

#[tokio::test]
async fn dashboard_and_report_matrix_over_http() {
    each_engine(|s| async move {
        for line in STATS_TABLE.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let tok = match f[0] {
                "anonymous" => None,
                u => Some(s.token(u).await),
            };
            let (st, body) = s
                .api(tok.as_deref(), Method::GET, "/api/v1/dashboard", None)
                .await;
            assert_eq!(
                st.as_u16().to_string(),
                f[1],
                "dashboard by {}: {body}",
                f[0]
            );
            if f[3] != "-" {
                assert_eq!(
                    body["derived"]["available"],
                    f[3] == "yes",
                    "derived for {}",
                    f[0]
                );
            }
            let mut rb = s
                .http
                .get(format!("{}/api/v1/reports/quarterly/2026-Q1.pdf", s.base));
            if let Some(t) = &tok {
                rb = rb.bearer_auth(t);
            }
            let st = rb.send().await.unwrap().status();
            assert_eq!(st.as_u16().to_string(), f[2], "report by {}", f[0]);
        }
    })
    .await;
}
