//! Entities inside case files over the API: visibility follows the case, links only to what
//! the author can see, search, FollowTheMoney import and export.
use crate::testkit::each_engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn case(s: &crate::testkit::Server, tok: &str, level: &str, countries: &[&str]) -> String {
    let (st, v) = s
        .api(Some(tok), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia", "distribution": {"level": level, "countries": countries}})))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn entities_follow_their_case_and_are_found_by_search() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("analyst.gt").await;
        let pa = s.token("prosecutor.pa").await;
        let shared = case(&s, &mx, "countries", &["gt"]).await;
        let own = case(&s, &mx, "country", &[]).await;
        let (st, p) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": shared, "schema": "Person", "properties": {"firstName": ["José Ángel"], "lastName": ["Muñoz"], "secondName": ["Peña"], "birthDate": ["1984-03-12"], "nationality": ["MX"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{p}");
        let person = p["id"].as_str().unwrap().to_string();
        assert_eq!(p["caption"], "José Ángel Muñoz Peña");
        let (st, ph) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": shared, "schema": "UserAccount", "properties": {"phone": ["+52 55 1234 5678"], "service": ["WhatsApp"], "owner": [person]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{ph}");
        let (_, hidden) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": own, "schema": "Vehicle", "properties": {"registrationNumber": ["ABC-123-X"], "model": ["Freightliner"]}})))
            .await;
        let hidden = hidden["id"].as_str().unwrap().to_string();

        // Guatemala (named) sees the shared case's entities, not the own-country one; Panama
        // sees neither; hidden answers exactly like missing.
        assert_eq!(s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::OK);
        let (st, body) = s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{hidden}"), None).await;
        let (st2, body2) = s.api(Some(&gt), Method::GET, "/api/v1/entities/ffffffffffffffffffffffffffffffff", None).await;
        assert_eq!((st, &body["error"]["code"]), (st2, &body2["error"]["code"]));
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_eq!(s.api(Some(&pa), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::NOT_FOUND);
        // The link is visible from the person's side.
        let (_, got) = s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{person}"), None).await;
        assert_eq!(got["referenced_by"][0]["property"], "owner");

        // Search: accent- and case-insensitive, partial; identifiers in any format.
        for (q, who, expect) in [
            ("munoz pena", &gt, Some(&person)),
            ("JOSE ANG", &gt, Some(&person)),
            ("muñoz", &pa, None),
            ("munos penia", &gt, Some(&person)),
            ("JOZE MUNOS", &gt, Some(&person)),
            ("abc123x", &mx, Some(&hidden)),
            ("ABC 123 X", &mx, Some(&hidden)),
            ("abc123x", &gt, None),
        ] {
            let (st, r) = s.api(Some(who), Method::GET, &format!("/api/v1/search?q={}", urlencode(q)), None).await;
            assert_eq!(st, StatusCode::OK);
            let ids: Vec<&str> = r["results"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
            match expect {
                Some(id) => assert!(ids.contains(&id.as_str()), "{q}: {r}"),
                None => assert!(ids.is_empty(), "{q} must find nothing: {r}"),
            }
        }
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=5512345678", None).await;
        assert_eq!(r["total"], 1, "a phone number found by its local digits");

        // Only the owner country writes; links only to entities the author can see.
        let (st, _) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": shared, "schema": "Person", "properties": {"name": ["X"]}})))
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let gt_case = case(&s, &gt, "country", &[]).await;
        let (st, v) = s
            .api(Some(&gt), Method::POST, "/api/v1/entities", Some(json!({"case_id": gt_case, "schema": "Ownership", "properties": {"owner": [person], "asset": [hidden]}})))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["code"], "unknown_reference");
        let (st, v) = s
            .api(Some(&mx), Method::POST, "/api/v1/entities", Some(json!({"case_id": shared, "schema": "Person", "properties": {"colour": ["red"]}})))
            .await;
        assert_eq!((st, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_property")));

        // Narrowing the case's distribution hides its entities from Guatemala at once.
        let (st, _) = s
            .api(Some(&mx), Method::PATCH, &format!("/api/v1/cases/{shared}"), Some(json!({"title": "Red ficticia", "distribution": {"level": "country"}})))
            .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{person}"), None).await.0, StatusCode::NOT_FOUND);
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=munoz", None).await;
        assert_eq!(r["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn import_reports_each_rejected_line_and_export_round_trips() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let c = case(&s, &cr, "members", &[]).await;
        let file = [
            json!({"id": "p1", "schema": "Person", "properties": {"name": ["Carla Vindas Mora"], "birthDate": ["1990"]}}).to_string(),
            "{not json".to_string(),
            json!({"id": "o1", "schema": "Organization", "properties": {"name": ["Red ficticia del Sur"]}}).to_string(),
            json!({"id": "m1", "schema": "Membership", "properties": {"member": ["p1"], "organization": ["o1"], "role": ["coordinadora"]}}).to_string(),
            json!({"id": "x", "schema": "Spaceship", "properties": {}}).to_string(),
            json!({"id": "m2", "schema": "Membership", "properties": {"member": ["nobody"], "organization": ["o1"]}}).to_string(),
            String::new(),
        ]
        .join("\n");
        let res = s
            .http
            .post(format!("{}/api/v1/import?case_id={c}", s.base))
            .bearer_auth(&cr)
            .body(file)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let rep: Value = res.json().await.unwrap();
        assert_eq!(rep["accepted"], 3, "{rep}");
        let rejected: Vec<(i64, String)> = rep["rejected"].as_array().unwrap().iter().map(|r| (r["line"].as_i64().unwrap(), r["code"].as_str().unwrap().to_string())).collect();
        assert_eq!(rejected, vec![(2, "bad_json".into()), (5, "invalid_input".into()), (6, "invalid_input".into())]);
        // Beside the stable codes, each rejection says why in the caller's language (Spanish
        // by default), naming the fields in words.
        assert_eq!(rep["rejected"][0]["message"], "no es JSON válido con los campos esperados");
        assert_eq!(rep["rejected"][1]["fields"], json!(["schema:unknown_schema"]), "{rep}");
        assert_eq!(rep["rejected"][1]["message"], "Datos no válidos. (Tipo de entidad: no es un tipo de entidad conocido)");
        // Export: JSON Lines with the links rewritten to the platform's ids.
        let res = s.http.get(format!("{}/api/v1/cases/{c}/export", s.base)).bearer_auth(&cr).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
        let m = lines.iter().find(|l| l["schema"] == "Membership").unwrap();
        assert!(ids.contains(&m["properties"]["member"][0].as_str().unwrap()));
        // Another country can export a members case; a hidden case exports nothing (404).
        let ni = s.token("analyst.ni").await;
        assert_eq!(s.http.get(format!("{}/api/v1/cases/{c}/export", s.base)).bearer_auth(&ni).send().await.unwrap().status(), StatusCode::OK);
        let own = case(&s, &cr, "country", &[]).await;
        assert_eq!(s.http.get(format!("{}/api/v1/cases/{own}/export", s.base)).bearer_auth(&ni).send().await.unwrap().status(), StatusCode::NOT_FOUND);
        // Importing into another country's case is refused.
        let res = s.http.post(format!("{}/api/v1/import?case_id={c}", s.base)).bearer_auth(&ni).body("{}").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    })
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_network_graph_shows_links_and_never_hidden_entities() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("analyst.gt").await;
        let shared = case(&s, &mx, "members", &[]).await;
        let own = case(&s, &mx, "country", &[]).await;
        let post = |case: String, body: Value| {
            let s = &s;
            let mx = mx.clone();
            async move {
                let mut b = body;
                b["case_id"] = json!(case);
                let (st, v) = s.api(Some(&mx), Method::POST, "/api/v1/entities", Some(b)).await;
                assert_eq!(st, StatusCode::CREATED, "{v}");
                v["id"].as_str().unwrap().to_string()
            }
        };
        let p = post(shared.clone(), json!({"schema": "Person", "properties": {"name": ["Nodo Central Ficticio"]}})).await;
        let o = post(shared.clone(), json!({"schema": "Organization", "properties": {"name": ["Red Ficticia"]}})).await;
        post(shared.clone(), json!({"schema": "Membership", "properties": {"member": [p.clone()], "organization": [o.clone()], "role": ["jefe"]}})).await;
        let far = post(shared.clone(), json!({"schema": "Person", "properties": {"name": ["Socio Lejano"]}})).await;
        post(shared.clone(), json!({"schema": "Associate", "properties": {"person": [o.clone()], "associate": [far.clone()]}})).await;
        let secret = post(own.clone(), json!({"schema": "UserAccount", "properties": {"phone": ["+52 55 0000 1111"], "owner": [p.clone()]}})).await;

        let ids = |g: &Value| g["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let (st, g) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{p}/graph?depth=1"), None).await;
        assert_eq!(st, StatusCode::OK);
        let n = ids(&g);
        assert!(n.contains(&o) && n.contains(&secret) && !n.contains(&far), "{g}");
        assert!(g["edges"].as_array().unwrap().iter().any(|e| e["label"] == "jefe"), "membership drawn as an edge: {g}");
        let (_, g) = s.api(Some(&mx), Method::GET, &format!("/api/v1/entities/{p}/graph?depth=2"), None).await;
        assert!(ids(&g).contains(&far), "depth 2 reaches the associate's associate");
        // Guatemala sees the network but not Mexico's own-country account.
        let (_, g) = s.api(Some(&gt), Method::GET, &format!("/api/v1/entities/{p}/graph?depth=3"), None).await;
        let n = ids(&g);
        assert!(n.contains(&o) && n.contains(&far) && !n.contains(&secret), "{g}");
        assert!(!g.to_string().contains("0000 1111"));
        // The page renders the SVG with clickable nodes.
        let (_, cookie, _) = s.browser_login("analyst.gt", "enlace-demo").await;
        let html = s.page(&cookie.unwrap(), &format!("/entities/{p}/graph?depth=2")).await.text().await.unwrap();
        assert!(html.contains("<svg") && html.contains(&format!("/entities/{far}/graph")) && !html.contains(&secret));
        assert_eq!(s.api(Some(&s.token("officer.pa").await), Method::GET, &format!("/api/v1/entities/{secret}/graph"), None).await.0, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_timeline_lists_dated_entities_in_order() {
    let s = crate::testkit::sqlite_server(enlace_app::AppConfig::default()).await;
    let sv = s.token("officer.sv").await;
    let c = case(&s, &sv, "members", &[]).await;
    for (schema, props) in [
        (
            "Event",
            json!({"name": ["Rescate ficticio en el mar"], "date": ["2026-05-02"]}),
        ),
        (
            "Event",
            json!({"name": ["Interdicción ficticia"], "date": ["2025-11-30"]}),
        ),
        ("Person", json!({"name": ["Sin Fecha"]})),
    ] {
        let (st, v) = s
            .api(
                Some(&sv),
                Method::POST,
                "/api/v1/entities",
                Some(json!({"case_id": c, "schema": schema, "properties": props})),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
    }
    let (_, cookie, _) = s.browser_login("analyst.sv", "enlace-demo").await;
    let html = s
        .page(&cookie.unwrap(), &format!("/cases/{c}/timeline"))
        .await
        .text()
        .await
        .unwrap();
    let a = html.find("Interdicción ficticia").unwrap();
    let b = html.find("Rescate ficticio en el mar").unwrap();
    assert!(a < b, "oldest first");
    assert!(!html.contains("Sin Fecha"));
    let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
    assert_eq!(
        s.page(
            &cookie.unwrap(),
            &format!("/cases/{}/timeline", case(&s, &sv, "country", &[]).await)
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_import_page_reports_accepted_and_rejected_lines() {
    let s = crate::testkit::sqlite_server(enlace_app::AppConfig::default()).await;
    let tok = s.token("officer.do").await;
    let c = case(&s, &tok, "country", &[]).await;
    let (_, cookie, _) = s.browser_login("officer.do", "enlace-demo").await;
    let cookie = cookie.unwrap();
    let page = s.page(&cookie, &format!("/cases/{c}/import")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = crate::testkit::csrf_of(&page.text().await.unwrap());
    let lines = format!(
        "{}\nnot json\n",
        json!({"schema": "Vessel", "properties": {"name": ["Yola ficticia"]}})
    );
    let res = s
        .post_form(
            &cookie,
            &format!("/cases/{c}/import"),
            &[("csrf", &csrf), ("lines", &lines)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"accepted-count\">1<") && html.contains("id=\"rejected-count\">1<"),
        "{html}"
    );
    let (_, cookie2, _) = s.browser_login("officer.ni", "enlace-demo").await;
    assert_eq!(
        s.page(&cookie2.unwrap(), &format!("/cases/{c}/import"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn routes_derive_their_countries_and_modus_operandi_is_a_controlled_vocabulary() {
    each_engine(|s| async move {
        let pa = s.token("officer.pa").await;
        let cr = s.token("officer.cr").await;
        let c = case(&s, &pa, "countries", &["cr"]).await;
        let hidden = case(&s, &pa, "country", &[]).await;
        let mut ids = std::collections::HashMap::new();
        for (id, name, cc) in [("a", "Puerto Obaldía", "pa"), ("b", "Bajo Chiquito", "pa"), ("c", "Paso Canoas", "cr"), ("d", "Peñas Blancas", "ni")] {
            let (_, v) = s
                .api(Some(&pa), Method::POST, "/api/v1/entities", Some(json!({"case_id": c, "schema": "Address", "properties": {"full": [name], "country": [cc]}})))
                .await;
            ids.insert(id, v["id"].as_str().unwrap().to_string());
        }
        for (order, from, to, mode, case_id) in [(1, "a", "b", "sea", &c), (2, "b", "c", "land", &c), (3, "c", "d", "land", &hidden)] {
            let (st, v) = s
                .api(
                    Some(&pa),
                    Method::POST,
                    "/api/v1/entities",
                    Some(json!({"case_id": case_id, "schema": "Trip", "properties": {"name": [format!("Ruta ficticia del Darién, tramo {order}")], "startLocation": [ids[from]], "endLocation": [ids[to]],
                        "enlaceRoute": ["Ruta ficticia del Darién"], "enlaceLegOrder": [order.to_string()], "enlaceMode": [mode], "enlaceFee": ["400"], "enlaceCurrency": ["USD"], "enlaceModusOperandi": ["stash_houses"]}})),
                )
                .await;
            // The third leg ends at an address of another case: links are checked for
            // visibility by the author (who sees both), so it is accepted.
            assert_eq!(st, StatusCode::CREATED, "{v}");
        }
        let (_, r) = s.api(Some(&pa), Method::GET, "/api/v1/routes", None).await;
        let route = r["items"].as_array().unwrap().iter().find(|x| x["name"] == "Ruta ficticia del Darién").unwrap().clone();
        assert_eq!(route["legs"].as_array().unwrap().len(), 3);
        assert_eq!((route["origin"].clone(), route["transit"].clone(), route["destination"].clone()), (json!("pa"), json!(["cr"]), json!("ni")));
        // Costa Rica sees only the two shared legs: the route ends for it in Costa Rica.
        let (_, r) = s.api(Some(&cr), Method::GET, "/api/v1/routes", None).await;
        let route = r["items"].as_array().unwrap().iter().find(|x| x["name"] == "Ruta ficticia del Darién").unwrap().clone();
        assert_eq!(route["legs"].as_array().unwrap().len(), 2);
        assert_eq!(route["destination"], "cr");
        // Modus operandi codes come from the vocabulary, which only the secretariat extends.
        let (st, v) = s
            .api(Some(&pa), Method::POST, "/api/v1/entities", Some(json!({"case_id": c, "schema": "Organization", "properties": {"name": ["Red X"], "enlaceModusOperandi": ["teleportation"]}})))
            .await;
        assert_eq!((st, v["error"]["fields"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_mo")));
        assert_eq!(s.api(Some(&pa), Method::POST, "/api/v1/modus-operandi", Some(json!({"code": "teleportation", "label_es": "Teletransporte", "label_en": "Teleportation"}))).await.0, StatusCode::FORBIDDEN);
        let st_ = s.token("secretariat").await;
        assert_eq!(s.api(Some(&st_), Method::POST, "/api/v1/modus-operandi", Some(json!({"code": "tunnel", "label_es": "Túnel", "label_en": "Tunnel"}))).await.0, StatusCode::CREATED);
        assert_eq!(s.api(Some(&st_), Method::POST, "/api/v1/modus-operandi", Some(json!({"code": "tunnel", "label_es": "Túnel", "label_en": "Tunnel"}))).await.0, StatusCode::CONFLICT);
        let (st, _) = s
            .api(Some(&pa), Method::POST, "/api/v1/entities", Some(json!({"case_id": c, "schema": "Organization", "properties": {"name": ["Red Y"], "enlaceModusOperandi": ["tunnel"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED);
        // Reads of routes and of a case's entities are audited like every other read.
        s.api(Some(&cr), Method::GET, &format!("/api/v1/cases/{c}/entities"), None).await;
        let (_, mine) = s.api(Some(&cr), Method::GET, "/api/v1/audit?per_page=200", None).await;
        let actions: Vec<&str> = mine["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"route.list") && actions.contains(&"case.entities"), "{actions:?}");
        // The map page draws the legs the user may see.
        let (_, cookie, _) = s.browser_login("officer.cr", "enlace-demo").await;
        let html = s.page(&cookie.unwrap(), "/routes").await.text().await.unwrap();
        assert!(html.contains("<svg") && html.contains("Ruta ficticia del Darién") && html.contains("class=\"leg\""));
    })
    .await;
}

/// A word that more than 5,000 search terms share takes the broad plan: the page is walked
/// newest first and the count stops at 1,000. Hidden records stay out of both.
#[tokio::test]
async fn a_broad_one_word_search_counts_up_to_a_cap_and_hides_what_it_must() {
    each_engine(|s| async move {
        let gt = s.token("officer.gt").await;
        let mx = s.token("analyst.mx").await;
        let shared = case(&s, &gt, "members", &[]).await;
        let own = case(&s, &gt, "country", &[]).await;
        let import = |c: String, n: usize, given: &'static str| {
            let file: Vec<String> = (0..n)
                .map(|i| json!({"schema": "Person", "properties": {"firstName": [given], "lastName": ["Zeledón"], "birthDate": [format!("19{:02}", 40 + i % 60)]}}).to_string())
                .collect();
            let (http, base, tok) = (s.http.clone(), s.base.clone(), gt.clone());
            async move {
                let res = http.post(format!("{base}/api/v1/import?case_id={c}")).bearer_auth(&tok).body(file.join("\n")).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                let rep: Value = res.json().await.unwrap();
                assert_eq!(rep["accepted"].as_u64(), Some(n as u64));
            }
        };
        import(own.clone(), 4_700, "Rutilia").await;
        import(shared.clone(), 500, "Casimira").await;
        // Mexico sees only the 500 shared: an exact count, newest first, none hidden.
        let (st, r) = s.api(Some(&mx), Method::GET, "/api/v1/search?q=zeledon&per_page=200", None).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["total"], 500, "{}", r["total"]);
        assert_eq!(r["total_exact"], true);
        let results = r["results"].as_array().unwrap();
        assert_eq!(results.len(), 200);
        assert!(results.iter().all(|e| e["case_id"] == shared.as_str()), "a hidden record leaked");
        let ids: Vec<&str> = results.iter().map(|e| e["id"].as_str().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
        let (_, last) = s.api(Some(&mx), Method::GET, "/api/v1/search?q=zeledon&per_page=200&page=3", None).await;
        assert_eq!(last["results"].as_array().unwrap().len(), 100);
        // Guatemala sees all 5,200: the count stops at 1,000 and says so.
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=zeledon", None).await;
        assert_eq!(r["total"], 1000);
        assert_eq!(r["total_exact"], false);
        assert_eq!(r["results"].as_array().unwrap().len(), 50);
        // Two words stay exact whatever the size.
        let (_, r) = s.api(Some(&gt), Method::GET, "/api/v1/search?q=rutilia%20zeledon", None).await;
        assert_eq!(r["total"], 4700);
        assert_eq!(r["total_exact"], true);
        // The page says "more than".
        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let html = s.page(&cookie.unwrap(), "/search?q=zeledon").await.text().await.unwrap();
        assert!(html.contains("más de 1000"), "{html}");
    })
    .await;
}

/// An edit replaces the entity's search terms: found by the new name, no longer by the old.
#[tokio::test]
async fn an_edit_moves_the_search_terms() {
    each_engine(|s| async move {
        let cr = s.token("officer.cr").await;
        let c = case(&s, &cr, "country", &[]).await;
        let (st, v) = s
            .api(Some(&cr), Method::POST, "/api/v1/entities", Some(json!({"case_id": c, "schema": "Person", "properties": {"name": ["Olga Quesada Brenes"], "phone": ["+506 8888 1234"]}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let found = |q: &'static str| {
            let (s, cr) = (&s, cr.clone());
            async move {
                let (_, r) = s.api(Some(&cr), Method::GET, &format!("/api/v1/search?q={q}"), None).await;
                r["total"].as_i64().unwrap()
            }
        };
        assert_eq!(found("quesada").await, 1);
        let (st, v) = s
            .api(Some(&cr), Method::PATCH, &format!("/api/v1/entities/{id}"), Some(json!({"schema": "Person", "properties": {"name": ["Olga Quirós Brenes"], "phone": ["+506 8888 1234"]}})))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(found("quesada").await, 0, "the old surname no longer finds her");
        assert_eq!(found("quiros").await, 1);
        assert_eq!(found("brenes").await, 1, "unchanged terms stay");
        assert_eq!(found("88881234").await, 1);
        // The row's own copy of its terms (PostgreSQL) moved with them.
        assert_eq!(enlace_store::testing::term_index_disagreements(&s.app.store).await.unwrap(), Vec::<String>::new());
    })
    .await;
}

/// The import reads its body as a stream: lines split across network chunks, CRLF endings,
/// a line that is not UTF-8 and one longer than 1 MiB are each handled on their own.
#[tokio::test]
async fn an_import_is_streamed_line_by_line() {
    each_engine(|s| async move {
        let hn = s.token("officer.hn").await;
        let c = case(&s, &hn, "country", &[]).await;
        let mut body: Vec<u8> = Vec::new();
        for i in 0..3000 {
            let line = json!({"id": format!("p{i}"), "schema": "Person", "properties": {"name": [format!("Persona Zapotitlán Número {i}")], "notes": ["x".repeat(200)]}}).to_string();
            body.extend_from_slice(line.as_bytes());
            body.extend_from_slice(if i % 2 == 0 { b"\r\n" } else { b"\n" });
        }
        body.extend_from_slice(b"{\"schema\": \"Person\", \"properties\": {\"name\": [\"\xff\xfe\"]}}\n");
        body.extend_from_slice(&vec![b'x'; 1_200_000]);
        body.push(b'\n');
        body.extend_from_slice(json!({"id": "last", "schema": "Person", "properties": {"name": ["Eustaquia Lagos Meza"]}}).to_string().as_bytes());
        let res = s.http.post(format!("{}/api/v1/import?case_id={c}", s.base)).bearer_auth(&hn).body(body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let rep: Value = res.json().await.unwrap();
        assert_eq!(rep["accepted"], 3001, "{}", rep["rejected"]);
        let rejected: Vec<(i64, String)> = rep["rejected"].as_array().unwrap().iter().map(|r| (r["line"].as_i64().unwrap(), r["code"].as_str().unwrap().to_string())).collect();
        assert_eq!(rejected, vec![(3001, "bad_utf8".into()), (3002, "line_too_long".into())]);
        let (_, r) = s.api(Some(&hn), Method::GET, "/api/v1/search?q=eustaquia", None).await;
        assert_eq!(r["total"], 1);
        let (_, r) = s.api(Some(&hn), Method::GET, "/api/v1/search?q=zapotitlan", None).await;
        assert_eq!(r["total"], 3000, "every line, CRLF or not, whole");
        // Someone of another country cannot import into this case, and nothing is written.
        let gt = s.token("officer.gt").await;
        let res = s.http.post(format!("{}/api/v1/import?case_id={c}", s.base)).bearer_auth(&gt).body("{}\n{}\n").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    })
    .await;
}
