//! Migration centres over HTTP: the promised shapes, who writes and who reads, cells that
//! must add up (the message names the gap), overcrowding, PATCH of one field, a crisis raise
//! that reaches the owner and its neighbours live and in their inboxes and no one else,
//! concurrent snapshots, audit rows with the owner's country, reminders, and the pages.
use crate::testkit::{csrf_of, each_engine, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

fn now_utc(s: &Server) -> String {
    enlace_domain::clock::format_utc(s.app.now_ms() - 60_000)
}

async fn create(s: &Server, tok: &str, name: &str, capacity: i64) -> String {
    let (st, v) = s
        .api(
            Some(tok),
            Method::POST,
            "/api/v1/centres",
            Some(json!({"name": name, "kind": "shelter", "capacity": capacity})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

fn cells(values: &[(&str, &str, &str, bool, i64)]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|(n, s, a, u, v)| json!({"nationality": n, "sex": s, "age_group": a, "unaccompanied": u, "value": v}))
            .collect(),
    )
}

async fn read_stream(res: &mut reqwest::Response, want: &str, wait: Duration) -> String {
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while !got.contains(want) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(b))) => got.push_str(&String::from_utf8_lossy(&b)),
            _ => break,
        }
    }
    got
}

async fn stream(s: &Server, tok: &str) -> reqwest::Response {
    let res = s
        .http
        .get(format!("{}/api/v1/events", s.base))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res
}

#[tokio::test]
async fn centres_keep_their_promised_shapes_and_validate() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let id = create(&s, &gt, "Albergue de prueba (ficticio)", 40).await;
        // The list: {"items":[{id,country,name,kind,capacity,crisis_level}…],"next":…}.
        let (st, list) = s.api(Some(&gt), Method::GET, "/api/v1/centres?country=gt", None).await;
        assert_eq!(st, StatusCode::OK);
        assert!(list["next"].is_null(), "{list}");
        let item = list["items"].as_array().unwrap().iter().find(|i| i["id"] == id.as_str()).unwrap().clone();
        for (k, v) in [("country", json!("gt")), ("name", json!("Albergue de prueba (ficticio)")), ("kind", json!("shelter")), ("capacity", json!(40)), ("crisis_level", json!(1))] {
            assert_eq!(item[k], v, "{k}: {item}");
        }
        // A snapshot that adds up: 201; above capacity is accepted and shown as overcrowding.
        let body = json!({"at": now_utc(&s), "total": 45, "cells": cells(&[("hn", "female", "18_59", false, 20), ("hn", "male", "18_59", false, 15), ("ve", "male", "12_17", true, 10)])});
        let (st, v) = s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(body)).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["total"], 45);
        assert_eq!(v["unaccompanied"], 10);
        let (_, c) = s.api(Some(&gt), Method::GET, &format!("/api/v1/centres/{id}"), None).await;
        assert_eq!(c["occupancy"], 45);
        assert_eq!(c["overcrowded"], true, "{c}");
        assert_eq!(c["latest"]["cells"].as_array().unwrap().len(), 3);
        // Cells that do not add up: 422 naming the gap, in the caller's language.
        let gap = json!({"at": now_utc(&s), "total": 40, "cells": cells(&[("hn", "female", "18_59", false, 39)])});
        let (st, v) = s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(gap.clone())).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "cells");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains("39") && msg.contains("40") && msg.contains("suman"), "{msg}");
        let res = s
            .http
            .post(format!("{}/api/v1/centres/{id}/occupancy", s.base))
            .bearer_auth(&gt)
            .header("accept-language", "en")
            .json(&gap)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["message"], "the cells add up to 39, the total is 40", "{v}");
        // Negative counts, unknown codes, adults counted as unaccompanied, bad times.
        for (body, code) in [
            (json!({"at": now_utc(&s), "total": 0, "cells": cells(&[("hn", "female", "18_59", false, -1), ("hn", "male", "18_59", false, 1)])}), "centres_negative_count"),
            (json!({"at": now_utc(&s), "total": 1, "cells": cells(&[("zz", "female", "18_59", false, 1)])}), "unknown_nationality"),
            (json!({"at": now_utc(&s), "total": 1, "cells": cells(&[("hn", "woman", "18_59", false, 1)])}), "centres_bad_sex"),
            (json!({"at": now_utc(&s), "total": 1, "cells": cells(&[("hn", "female", "adult", false, 1)])}), "centres_bad_age_group"),
            (json!({"at": now_utc(&s), "total": 1, "cells": cells(&[("hn", "female", "18_59", true, 1)])}), "centres_unaccompanied_adult"),
            (json!({"at": "2026-13-01T00:00:00Z", "total": 0, "cells": []}), "centres_bad_time"),
            (json!({"at": "2999-01-01T00:00:00Z", "total": 0, "cells": []}), "centres_at_future"),
        ] {
            let (st, v) = s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {v}");
            assert!(v["error"]["fields"].as_array().unwrap().iter().any(|f| f["code"] == code), "{code}: {v}");
        }
        // Bad centres name their field.
        for (body, field) in [
            (json!({"name": "", "kind": "shelter", "capacity": 1}), "name"),
            (json!({"name": "X", "kind": "hotel", "capacity": 1}), "kind"),
            (json!({"name": "X", "kind": "custody", "capacity": -1}), "capacity"),
            (json!({"name": "X", "kind": "custody"}), "capacity"),
            (json!({"name": "X", "kind": "custody", "capacity": 1, "latitude": 14.6}), "longitude"),
            (json!({"name": "X", "kind": "custody", "capacity": 1, "latitude": 95.0, "longitude": 1.0}), "latitude"),
        ] {
            let (st, v) = s.api(Some(&gt), Method::POST, "/api/v1/centres", Some(body)).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{v}");
        }
        // Every snapshot is kept, newest first.
        let older = enlace_domain::clock::format_utc(s.app.now_ms() - 3 * 24 * 3600 * 1000);
        let (st, _) = s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(json!({"at": older, "total": 3, "cells": cells(&[("sv", "male", "unknown", false, 3)])}))).await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, list) = s.api(Some(&gt), Method::GET, &format!("/api/v1/centres/{id}/occupancy"), None).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{list}");
        assert_eq!(items[0]["total"], 45, "newest first");
        assert_eq!(items[1]["total"], 3);
        assert!(list["next"].is_null());
        // PATCH naming one field changes only that one; a stale version is 409.
        let (_, before) = s.api(Some(&gt), Method::GET, &format!("/api/v1/centres/{id}"), None).await;
        let (st, after) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"capacity": 60}))).await;
        assert_eq!(st, StatusCode::OK, "{after}");
        assert_eq!(after["capacity"], 60);
        assert_eq!(after["overcrowded"], false);
        for k in ["name", "kind", "place", "operational_capacity", "children_capacity", "crisis_level", "country"] {
            assert_eq!(after[k], before[k], "{k} kept");
        }
        let stale = before["version"].as_i64().unwrap();
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"name": "Otro", "version": stale}))).await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"]["code"], "version_conflict");
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"place": "Occidente (ficticio)", "version": after["version"]}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["name"], "Albergue de prueba (ficticio)");
        assert_eq!(v["place"], "Occidente (ficticio)");
        // `null` clears an optional field (merge patch); a required one cannot be cleared.
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"operational_capacity": 50, "latitude": 14.6, "longitude": -90.5}))).await;
        assert_eq!((st, v["operational_capacity"].as_i64()), (StatusCode::OK, Some(50)), "{v}");
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"operational_capacity": null, "latitude": null, "longitude": null}))).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert!(v["operational_capacity"].is_null() && v["latitude"].is_null(), "{v}");
        assert_eq!((v["capacity"].as_i64(), v["place"].as_str()), (Some(60), Some("Occidente (ficticio)")));
        let (st, v) = s.api(Some(&gt), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"capacity": null}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "capacity");
        // The data is in the database: a fresh read through the store sees it.
        let mut tx = s.app.store.read().await.unwrap();
        let row = tx.centre(&id).await.unwrap().unwrap();
        assert_eq!((row.capacity, row.last_total), (60, Some(45)));
        assert_eq!(tx.occupancy(&id, 10, 0).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn only_the_owner_writes_others_read_small_cells_suppressed() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let id = create(&s, &gt, "Centro de prueba (ficticio)", 100).await;
        let body = json!({"at": now_utc(&s), "total": 50, "cells": cells(&[("hn", "female", "18_59", false, 30), ("hn", "male", "18_59", false, 12), ("ni", "male", "18_59", false, 5), ("ve", "female", "0_11", true, 3)])});
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{id}/occupancy"), Some(body.clone())).await.0, StatusCode::CREATED);
        // Another country: reads, with 1..10 cells (and enough others) suppressed; writes 403.
        let (st, c) = s.api(Some(&mx), Method::GET, &format!("/api/v1/centres/{id}"), None).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(c["occupancy"], 50, "the total is shown");
        let shown: Vec<(Value, bool)> = c["latest"]["cells"].as_array().unwrap().iter().map(|x| (x["value"].clone(), x["suppressed"].as_bool().unwrap())).collect();
        assert!(shown.iter().all(|(v, sup)| *sup == v.is_null()));
        let suppressed: usize = shown.iter().filter(|(_, s)| *s).count();
        assert!(suppressed >= 3, "5 and 3 suppressed, and more so that neither can be worked out: {c}");
        assert!(!shown.iter().any(|(v, _)| *v == json!(5) || *v == json!(3)), "{c}");
        assert!(c["latest"]["reported_by"].is_null());
        assert!(c["unaccompanied"].is_null() && c["unaccompanied_suppressed"] == true, "{c}");
        // A small total is itself suppressed for others (and its trend point and overcrowding).
        let small = create(&s, &gt, "Centro pequeño (ficticio)", 4).await;
        let b5 = json!({"at": now_utc(&s), "total": 5, "cells": cells(&[("hn", "female", "18_59", false, 5)])});
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/centres/{small}/occupancy"), Some(b5)).await.0, StatusCode::CREATED);
        let (_, c5) = s.api(Some(&mx), Method::GET, &format!("/api/v1/centres/{small}"), None).await;
        assert!(c5["occupancy"].is_null() && c5["occupancy_suppressed"] == true && c5["overcrowded"] == false, "{c5}");
        assert!(c5["latest"]["total"].is_null() && c5["latest"]["total_suppressed"] == true, "{c5}");
        let (_, l5) = s.api(Some(&mx), Method::GET, "/api/v1/centres?country=gt", None).await;
        let item = l5["items"].as_array().unwrap().iter().find(|i| i["id"] == small.as_str()).unwrap().clone();
        assert!(item["occupancy"].is_null() && item["occupancy_suppressed"] == true, "{item}");
        let (_, own5) = s.api(Some(&gt), Method::GET, &format!("/api/v1/centres/{small}"), None).await;
        assert_eq!((own5["occupancy"].clone(), own5["overcrowded"].clone()), (json!(5), json!(true)));
        let (_, own) = s.api(Some(&gt), Method::GET, &format!("/api/v1/centres/{id}"), None).await;
        assert!(own["latest"]["cells"].as_array().unwrap().iter().all(|x| x["suppressed"] == false));
        assert_eq!(own["unaccompanied"], 3);
        let (_, hist) = s.api(Some(&mx), Method::GET, &format!("/api/v1/centres/{id}/occupancy"), None).await;
        assert!(hist["items"][0]["cells"].as_array().unwrap().iter().any(|x| x["suppressed"] == true));
        for (m, path, b) in [
            (Method::POST, format!("/api/v1/centres/{id}/occupancy"), body.clone()),
            (Method::POST, format!("/api/v1/centres/{id}/occupancy"), json!({"at": "x", "total": -1, "cells": []})),
            (Method::PATCH, format!("/api/v1/centres/{id}"), json!({"capacity": 1})),
            (Method::POST, format!("/api/v1/centres/{id}/crisis"), json!({"level": 4, "reason": "No"})),
        ] {
            let (st, v) = s.api(Some(&mx), m.clone(), &path, Some(b.clone())).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{m} {path}: {v}");
        }
        // Roles: the approver and the secretariat read but do not write; the admin writes.
        let approver = s.token("approver.gt").await;
        let sec = s.token("secretariat").await;
        let admin = s.token("admin.gt").await;
        assert_eq!(s.api(Some(&approver), Method::GET, &format!("/api/v1/centres/{id}"), None).await.0, StatusCode::OK);
        assert_eq!(s.api(Some(&sec), Method::GET, "/api/v1/centres", None).await.0, StatusCode::OK);
        assert_eq!(s.api(Some(&approver), Method::POST, "/api/v1/centres", Some(json!({"name": "X", "kind": "shelter", "capacity": 1}))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&sec), Method::POST, "/api/v1/centres", Some(json!({"name": "X", "kind": "shelter", "capacity": 1}))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&approver), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"capacity": 1}))).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&admin), Method::PATCH, &format!("/api/v1/centres/{id}"), Some(json!({"operational_capacity": 90}))).await.0, StatusCode::OK);
        // No login: 401; an id that does not exist: 404.
        assert_eq!(s.api(None, Method::GET, "/api/v1/centres", None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(None, Method::POST, &format!("/api/v1/centres/{id}/crisis"), Some(json!({"level": 2, "reason": "x"}))).await.0, StatusCode::UNAUTHORIZED);
        let nope = "/api/v1/centres/00000000000000000000000000000000";
        assert_eq!(s.api(Some(&gt), Method::GET, nope, None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&gt), Method::GET, &format!("{nope}/occupancy"), None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("{nope}/occupancy"), Some(body)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("{nope}/crisis"), Some(json!({"level": 2, "reason": "x"}))).await.0, StatusCode::NOT_FOUND);
        // Audit: Mexico's reads of Guatemala's centre carry Guatemala as the object's country.
        let (_, a) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&per_page=200&action=centre.read", None).await;
        assert!(a["items"].as_array().unwrap().iter().any(|e| e["actor_username"] == "analyst.mx" && e["object_id"] == id.as_str() && e["object_country"] == "gt"), "{a}");
        let (_, a) = s.api(Some(&admin), Method::GET, "/api/v1/audit?scope=country&per_page=200&action=centre.occupancy", None).await;
        assert!(a["items"].as_array().unwrap().iter().any(|e| e["actor_username"] == "officer.gt" && e["object_country"] == "gt"), "{a}");
    })
    .await;
}

#[tokio::test]
async fn a_crisis_raise_reaches_the_owner_and_its_neighbours_and_no_one_else() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let id = create(&s, &gt, "Casa de prueba en crisis (ficticia)", 80).await;
        let reached = ["gt", "mx", "sv", "hn", "bz"];
        let not_reached = ["pa", "us", "ca", "cr", "ni", "do"];
        let mut streams = vec![];
        let mut tokens = std::collections::HashMap::new();
        for cc in reached.iter().chain(not_reached.iter()) {
            let tok = s.token(&format!("officer.{cc}")).await;
            streams.push((*cc, stream(&s, &tok).await));
            tokens.insert(*cc, tok);
        }
        let (st, v) = s
            .api(
                Some(&gt),
                Method::POST,
                &format!("/api/v1/centres/{id}/crisis"),
                Some(json!({"level": 3, "reason": "Llegada masiva (prueba ficticia)"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["crisis_level"], 3);
        for (cc, res) in streams.iter_mut() {
            let wait = if reached.contains(cc) {
                Duration::from_secs(3)
            } else {
                Duration::from_millis(400)
            };
            let got = read_stream(res, "centre_in_crisis", wait).await;
            if reached.contains(cc) {
                assert!(
                    got.contains("event: alert")
                        && got.contains("centre_in_crisis")
                        && got.contains(&id),
                    "{cc} receives it live: {got}"
                );
            } else {
                assert!(
                    !got.contains("centre_in_crisis") && !got.contains(&id),
                    "{cc} receives nothing: {got}"
                );
            }
        }
        for cc in reached {
            let (_, n) = s
                .api(
                    Some(&tokens[cc]),
                    Method::GET,
                    "/api/v1/notifications",
                    None,
                )
                .await;
            assert!(
                n["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["kind"] == "centre_in_crisis"),
                "{cc} inbox: {n}"
            );
        }
        for cc in not_reached {
            let (_, n) = s
                .api(
                    Some(&tokens[cc]),
                    Method::GET,
                    "/api/v1/notifications",
                    None,
                )
                .await;
            assert!(
                !n["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["kind"] == "centre_in_crisis"),
                "{cc} inbox: {n}"
            );
            let (_, alerts) = s
                .api(
                    Some(&tokens[cc]),
                    Method::GET,
                    "/api/v1/alerts?kind=centre_in_crisis",
                    None,
                )
                .await;
            assert_eq!(alerts["total"], 0, "{cc}: {alerts}");
        }
        let (_, alerts) = s
            .api(
                Some(&tokens["hn"]),
                Method::GET,
                "/api/v1/alerts?kind=centre_in_crisis",
                None,
            )
            .await;
        assert_eq!(alerts["total"], 1, "{alerts}");
        // Lowering is recorded, not alerted; the history keeps both.
        let (_, before) = s
            .api(
                Some(&tokens["mx"]),
                Method::GET,
                "/api/v1/notifications",
                None,
            )
            .await;
        let (st, _) = s
            .api(
                Some(&gt),
                Method::POST,
                &format!("/api/v1/centres/{id}/crisis"),
                Some(json!({"level": 1, "reason": "Situación normalizada"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let (_, after) = s
            .api(
                Some(&tokens["mx"]),
                Method::GET,
                "/api/v1/notifications",
                None,
            )
            .await;
        assert_eq!(
            before["total"], after["total"],
            "a lowering notifies no one"
        );
        let (_, c) = s
            .api(
                Some(&tokens["mx"]),
                Method::GET,
                &format!("/api/v1/centres/{id}"),
                None,
            )
            .await;
        assert_eq!(c["crisis_level"], 1);
        let crises = c["crises"].as_array().unwrap();
        assert_eq!(crises.len(), 2, "{c}");
        assert_eq!(
            (crises[0]["level"].clone(), crises[0]["alerted"].clone()),
            (json!(1), json!(false))
        );
        assert_eq!(
            (crises[1]["level"].clone(), crises[1]["alerted"].clone()),
            (json!(3), json!(true))
        );
        let mut ns: Vec<String> = c["neighbours"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        ns.sort();
        assert_eq!(ns, ["bz", "hn", "mx", "sv"]);
        // Bad levels and reasons name their field and change nothing.
        for (b, field) in [
            (json!({"level": 5, "reason": "x"}), "level"),
            (json!({"level": 0, "reason": "x"}), "level"),
            (json!({"level": 2, "reason": " "}), "reason"),
            (json!({"reason": "x"}), "level"),
        ] {
            let (st, v) = s
                .api(
                    Some(&gt),
                    Method::POST,
                    &format!("/api/v1/centres/{id}/crisis"),
                    Some(b),
                )
                .await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{v}");
        }
        // The audit row of the raise names who was alerted.
        let admin = s.token("admin.gt").await;
        let (_, a) = s
            .api(
                Some(&admin),
                Method::GET,
                "/api/v1/audit?scope=country&per_page=200&action=centre.crisis",
                None,
            )
            .await;
        assert!(
            a["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["object_country"] == "gt"
                    && e["detail"].as_str().unwrap_or("").contains("alerted=gt,")),
            "{a}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_neighbour_table_is_data_the_secretariat_edits() {
    each_engine(|s| async move {
        let sec = s.token("secretariat").await;
        let pa = s.token("officer.pa").await;
        let (st, v) = s
            .api(Some(&pa), Method::GET, "/api/v1/neighbours", None)
            .await;
        assert_eq!(st, StatusCode::OK);
        let pairs: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}-{}:{}",
                    p["a"].as_str().unwrap(),
                    p["b"].as_str().unwrap(),
                    p["kind"].as_str().unwrap()
                )
            })
            .collect();
        let mut want = vec![
            "ca-us:land",
            "mx-us:land",
            "gt-mx:land",
            "bz-mx:land",
            "bz-gt:land",
            "gt-sv:land",
            "gt-hn:land",
            "hn-sv:land",
            "hn-ni:land",
            "cr-ni:land",
            "cr-pa:land",
            "do-us:sea",
            "bz-hn:sea",
            "ni-sv:sea",
        ];
        want.sort();
        let mut got = pairs.clone();
        got.sort();
        assert_eq!(got, want);
        assert_eq!(
            s.api(
                Some(&sec),
                Method::PUT,
                "/api/v1/neighbours/pa/co",
                Some(json!({"kind": "land"}))
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "co is not a member"
        );
        assert_eq!(
            s.api(
                Some(&pa),
                Method::PUT,
                "/api/v1/neighbours/pa/do",
                Some(json!({"kind": "sea"}))
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.api(None, Method::GET, "/api/v1/neighbours", None).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (st, v) = s
            .api(
                Some(&sec),
                Method::PUT,
                "/api/v1/neighbours/pa/do",
                Some(json!({"kind": "sea"})),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!((v["a"].clone(), v["b"].clone()), (json!("do"), json!("pa")));
        assert_eq!(
            s.api(
                Some(&sec),
                Method::PUT,
                "/api/v1/neighbours/pa/pa",
                Some(json!({"kind": "sea"}))
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            s.api(
                Some(&sec),
                Method::PUT,
                "/api/v1/neighbours/pa/do",
                Some(json!({"kind": "air"}))
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // The new pair is used at once: Panama's crisis reaches the Dominican Republic.
        let id = create(&s, &pa, "Estación de prueba (ficticia)", 10).await;
        let dom = s.token("officer.do").await;
        let mut res = stream(&s, &dom).await;
        assert_eq!(
            s.api(
                Some(&pa),
                Method::POST,
                &format!("/api/v1/centres/{id}/crisis"),
                Some(json!({"level": 2, "reason": "Prueba"}))
            )
            .await
            .0,
            StatusCode::OK
        );
        let got = read_stream(&mut res, "centre_in_crisis", Duration::from_secs(3)).await;
        assert!(got.contains(&id), "{got}");
        assert_eq!(
            s.api(Some(&sec), Method::DELETE, "/api/v1/neighbours/do/pa", None)
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            s.api(Some(&sec), Method::DELETE, "/api/v1/neighbours/do/pa", None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (_, c) = s
            .api(
                Some(&pa),
                Method::GET,
                &format!("/api/v1/centres/{id}"),
                None,
            )
            .await;
        assert_eq!(c["neighbours"], json!(["cr"]));
    })
    .await;
}

#[tokio::test]
async fn a_hundred_concurrent_snapshots_are_all_kept() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        let id = create(&s, &hn, "Centro concurrido (ficticio)", 500).await;
        let mut set = tokio::task::JoinSet::new();
        for i in 0..100i64 {
            let http = s.http.clone();
            let url = format!("{}/api/v1/centres/{id}/occupancy", s.base);
            let tok = hn.clone();
            let at = enlace_domain::clock::format_utc(s.app.now_ms() - (i + 1) * 60_000);
            set.spawn(async move {
                let body = json!({"at": at, "total": i + 1, "cells": [{"nationality": "hn", "sex": "male", "age_group": "18_59", "unaccompanied": false, "value": i + 1}]});
                http.post(url).bearer_auth(tok).json(&body).send().await.unwrap().status()
            });
        }
        while let Some(st) = set.join_next().await {
            assert_eq!(st.unwrap(), StatusCode::CREATED);
        }
        let mut totals = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/centres/{id}/occupancy?cursor={c}"),
                None => format!("/api/v1/centres/{id}/occupancy"),
            };
            let (st, v) = s.api(Some(&hn), Method::GET, &path, None).await;
            assert_eq!(st, StatusCode::OK, "{v}");
            totals.extend(v["items"].as_array().unwrap().iter().map(|x| x["total"].as_i64().unwrap()));
            match v["next"].as_str() {
                Some(n) => cursor = Some(n.to_string()),
                None => break,
            }
        }
        assert_eq!(totals, (1..=100).collect::<Vec<i64>>(), "all kept, newest first");
    })
    .await;
}

#[tokio::test]
async fn unreported_centres_are_flagged_and_their_country_reminded_once() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let id = create(&s, &cr, "Centro silencioso (ficticio)", 30).await;
        s.app.run_centre_reminders().await.unwrap();
        s.clock.advance_secs(8 * 24 * 3600);
        let (_, c) = s
            .api(
                Some(&cr),
                Method::GET,
                &format!("/api/v1/centres/{id}"),
                None,
            )
            .await;
        assert_eq!(c["unreported"], true, "{c}");
        let sent = s.app.run_centre_reminders().await.unwrap();
        assert!(sent > 0);
        let (_, n) = s
            .api(Some(&cr), Method::GET, "/api/v1/notifications", None)
            .await;
        assert!(
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "centre_unreported" && x["link"] == format!("/centres/{id}")),
            "{n}"
        );
        let pa = s.token("officer.pa").await;
        let (_, other) = s
            .api(Some(&pa), Method::GET, "/api/v1/notifications", None)
            .await;
        assert!(
            !other["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["link"] == format!("/centres/{id}")),
            "{other}"
        );
        let again = s.app.run_centre_reminders().await.unwrap();
        let (_, n2) = s
            .api(Some(&cr), Method::GET, "/api/v1/notifications", None)
            .await;
        let count = |n: &Value| {
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["link"] == format!("/centres/{id}"))
                .count()
        };
        assert_eq!(
            count(&n2),
            count(&n),
            "reminded once (sent {again} for other centres)"
        );
        // A report clears the flag.
        let (st, _) = s
            .api(
                Some(&cr),
                Method::POST,
                &format!("/api/v1/centres/{id}/occupancy"),
                Some(json!({"at": now_utc(&s), "total": 0, "cells": []})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let (_, c) = s
            .api(
                Some(&cr),
                Method::GET,
                &format!("/api/v1/centres/{id}"),
                None,
            )
            .await;
        assert_eq!(c["unreported"], false);
    })
    .await;
}

#[tokio::test]
async fn the_pages_do_the_whole_job() {
    each_engine(|s| async move {
        let (_, cookie, _) = s.browser_login("officer.sv", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let res = s.page(&cookie, "/centres/new").await;
        assert_eq!(res.status(), StatusCode::OK);
        let csrf = csrf_of(&res.text().await.unwrap());
        // A bad form comes back as typed, with the field named.
        let res = s
            .post_form(
                &cookie,
                "/centres",
                &[
                    ("csrf", &csrf),
                    ("name", "Albergue Página (ficticio)"),
                    ("kind", "shelter"),
                    ("capacity", "diez"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Capacidad nominal: debe ser un número")
                && html.contains("Albergue Página (ficticio)"),
            "{html}"
        );
        let res = s
            .post_form(
                &cookie,
                "/centres",
                &[
                    ("csrf", &csrf),
                    ("name", "Albergue Página (ficticio)"),
                    ("kind", "shelter"),
                    ("capacity", "10"),
                    ("place", "San Salvador (ficticio)"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        let id = to.trim_start_matches("/centres/").to_string();
        // The occupancy grid: names in words, the gap named on a 422.
        let res = s.page(&cookie, &format!("/centres/{id}/occupancy")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Mujer") && html.contains("12 a 17 años") && html.contains("Honduras")
        );
        let at = enlace_domain::clock::format_utc(s.app.now_ms() - 3_600_000)[..16].to_string();
        let res = s
            .post_form(
                &cookie,
                &format!("/centres/{id}"),
                &[
                    ("csrf", &csrf),
                    ("action", "occupancy"),
                    ("at", &at),
                    ("total", "12"),
                    ("nationality_0", "Honduras"),
                    ("sex_0", "female"),
                    ("age_0", "18_59"),
                    ("value_0", "7"),
                    ("nationality_1", "hn"),
                    ("sex_1", "male"),
                    ("age_1", "12_17"),
                    ("unaccompanied_1", "1"),
                    ("value_1", "4"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("las celdas suman 11 y el total es 12"),
            "{html}"
        );
        let res = s
            .post_form(
                &cookie,
                &format!("/centres/{id}"),
                &[
                    ("csrf", &csrf),
                    ("action", "occupancy"),
                    ("at", &at),
                    ("total", "11"),
                    ("nationality_0", "Honduras"),
                    ("sex_0", "female"),
                    ("age_0", "18_59"),
                    ("value_0", "7"),
                    ("nationality_1", "hn"),
                    ("sex_1", "male"),
                    ("age_1", "12_17"),
                    ("unaccompanied_1", "1"),
                    ("value_1", "4"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // Above capacity: overcrowded, in words.
        let res = s
            .post_form(
                &cookie,
                &format!("/centres/{id}"),
                &[
                    ("csrf", &csrf),
                    ("action", "occupancy"),
                    ("at", &at),
                    ("total", "15"),
                    ("nationality_0", "Nicaragua"),
                    ("sex_0", "male"),
                    ("age_0", "18_59"),
                    ("value_0", "15"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = s
            .page(&cookie, &format!("/centres/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Sobreocupado") && html.contains("Nicaragua"),
            "{html}"
        );
        // The crisis form asks for confirmation.
        let res = s
            .post_form(
                &cookie,
                &format!("/centres/{id}"),
                &[
                    ("csrf", &csrf),
                    ("action", "crisis"),
                    ("level", "4"),
                    ("reason", "Prueba"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = s
            .post_form(
                &cookie,
                &format!("/centres/{id}"),
                &[
                    ("csrf", &csrf),
                    ("action", "crisis"),
                    ("level", "4"),
                    ("reason", "Prueba"),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = s
            .page(&cookie, &format!("/centres/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("4 · Emergencia") && html.contains("vecinos alertados"),
            "{html}"
        );
        // The regional view: every country's centres, crisis and overcrowding in words.
        let html = s.page(&cookie, "/centres").await.text().await.unwrap();
        assert!(
            html.contains("Albergue Página (ficticio)")
                && html.contains("Emergencia")
                && html.contains("Estación migratoria Sur (ficticia)"),
            "{html}"
        );
        // Another country's user sees the centre but no forms; the neighbour page lists pairs.
        let (_, other, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let other = other.unwrap();
        let res = s.page(&other, &format!("/centres/{id}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            !html.contains("id=\"centre-form\"") && !html.contains("/occupancy\""),
            "{html}"
        );
        assert!(
            html.contains("suprimido"),
            "7 and 4 are small cells for Guatemala: {html}"
        );
        assert_eq!(
            s.page(&other, &format!("/centres/{id}/crisis"))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        let html = s
            .page(&other, "/centres/neighbours")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Belice")
                && html.contains("Marítimo")
                && !html.contains("neighbour-form"),
            "{html}"
        );
        let (_, sec, _) = s.browser_login("secretariat", "enlace-demo").await;
        let sec = sec.unwrap();
        let res = s.page(&sec, "/centres/neighbours").await;
        let html = res.text().await.unwrap();
        assert!(html.contains("neighbour-form"));
        let csrf = csrf_of(&html);
        let res = s
            .post_form(
                &sec,
                "/centres/neighbours",
                &[
                    ("csrf", &csrf),
                    ("action", "put"),
                    ("a", "sv"),
                    ("b", "cr"),
                    ("kind", "sea"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, c) = s
            .api(
                Some(&s.token("officer.sv").await),
                Method::GET,
                &format!("/api/v1/centres/{id}"),
                None,
            )
            .await;
        assert!(
            c["neighbours"].as_array().unwrap().contains(&json!("cr")),
            "{c}"
        );
    })
    .await;
}
