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
