//! Every word a user reads on a page is in their language: the pages of the network graph, an
//! entity with its links, a case and its timeline, the routes, the search and the entity form
//! name FollowTheMoney schemas, properties and values in Spanish for a Spanish reader, never by
//! the internal names the API keeps (`Person`, `owner`, `startLocation`, `sea`…).
use crate::testkit::Server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// What a reader of `html` sees or hears: the text between tags (the `<title>`, SVG `<title>`
/// and `<text>` included; scripts and styles left out) and the `title`, `aria-label`, `alt`
/// and `placeholder` attributes. Other attributes (URLs, classes, ids, form values, data-*)
/// are not shown, so they may keep internal names.
fn shown_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        for attr in ["title", "aria-label", "alt", "placeholder"] {
            let pat = format!(" {attr}=\"");
            if let Some(i) = tag.find(&pat) {
                let v = &tag[i + pat.len()..];
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                out.push(' ');
            }
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &rest[lt + gt + 1..];
        if name == "script" || name == "style" {
            let end = format!("</{name}>");
            rest = rest.find(&end).map_or("", |i| &rest[i + end.len()..]);
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
}

/// The words of a text: runs of letters, digits and `_` (so `death_in_transit` is one word).
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The internal names no Spanish page may show as words: every schema, every property, every
/// value of the enumerated properties and the matcher's feature names. `alias` is left out:
/// it is also the Spanish word (the search help says «nombres y alias»).
fn internal_names() -> BTreeSet<String> {
    use enlace_domain::ftm;
    let mut names = BTreeSet::new();
    for s in ftm::schemas() {
        names.insert(s.to_string());
        names.extend(ftm::props_of(s).into_iter().map(|(p, _)| p.to_string()));
    }
    for v in ftm::MODES
        .iter()
        .chain(ftm::EVENT_TYPES)
        .chain(ftm::GENDERS)
    {
        names.insert(v.to_string());
    }
    names.extend(enlace_match::FEATURES.iter().map(|f| f.to_string()));
    names.remove("alias");
    names
}

async fn spanish_page(s: &Server, cookie: &str, path: &str, lang: &str) -> String {
    let res = s
        .http
        .get(format!("{}{path}", s.base))
        .header("cookie", format!("__Host-enlace={cookie}"))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("<html lang=\"{lang}\">")),
        "{path} is not in {lang}"
    );
    html
}

/// Asserts no internal name is shown on the page as a word, and every `expected` text is (in
/// the markup when it starts with `>`: an SVG label such as `>Propietario</text>`).
fn assert_in_words(path: &str, html: &str, expected: &[&str]) {
    let text = shown_text(html);
    let names = internal_names();
    let leaked: Vec<&str> = words(&text)
        .into_iter()
        .filter(|w| names.contains(*w))
        .collect();
    assert!(
        leaked.is_empty(),
        "{path} shows internal names {leaked:?}:\n{text}"
    );
    for e in expected {
        let shown = if e.starts_with('>') {
            html.contains(e)
        } else {
            text.contains(e)
        };
        assert!(shown, "{path} does not show «{e}»:\n{text}");
    }
}

#[tokio::test]
async fn spanish_pages_name_schemas_properties_and_values_in_spanish() {
    crate::testkit::each_engine(|s| async move {
        let tok = s.token("officer.gt").await;
        let (st, c) = s
            .api(Some(&tok), Method::POST, "/api/v1/cases", Some(json!({"title": "Red ficticia del Pacífico", "distribution": {"level": "country", "countries": []}})))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{c}");
        let case = c["id"].as_str().unwrap().to_string();
        let post = |schema: &'static str, props: Value| {
            let (s, tok, case) = (&s, tok.clone(), case.clone());
            async move {
                let (st, v) = s
                    .api(Some(&tok), Method::POST, "/api/v1/entities", Some(json!({"case_id": case, "schema": schema, "properties": props})))
                    .await;
                assert_eq!(st, StatusCode::CREATED, "{schema}: {v}");
                v["id"].as_str().unwrap().to_string()
            }
        };
        let ana = post("Person", json!({"name": ["Ana Ficticia Ruiz"], "nationality": ["gt"], "gender": ["female"], "birthDate": ["1990-04-01"]})).await;
        let bruno = post("Person", json!({"name": ["Bruno Inventado"]})).await;
        let red = post("Organization", json!({"name": ["Red Ficticia del Norte"], "enlaceModusOperandi": ["stash_houses"]})).await;
        // No role: the edge and the links are named by what the link is.
        post("Membership", json!({"member": [ana.clone()], "organization": [red.clone()], "startDate": ["2025-01-10"]})).await;
        // Nothing to caption it by: its caption falls back to its schema.
        post("Family", json!({"person": [ana.clone()], "relative": [bruno.clone()]})).await;
        let account = post("UserAccount", json!({"phone": ["+502 5555 0101"], "service": ["WhatsApp"], "owner": [ana.clone()]})).await;
        let from = post("Address", json!({"full": ["Muelle ficticio de Champerico"], "country": ["gt"]})).await;
        let to = post("Address", json!({"full": ["Playa ficticia de Tapachula"], "country": ["mx"]})).await;
        let trip = post("Trip", json!({"name": ["Tramo ficticio por mar"], "startLocation": [from.clone()], "endLocation": [to.clone()], "involved": [ana.clone()],
            "enlaceRoute": ["Ruta ficticia del Pacífico"], "enlaceLegOrder": ["1"], "enlaceMode": ["sea"], "startDate": ["2025-02-01"], "endDate": ["2025-03-01"], "enlaceModusOperandi": ["stash_houses"]})).await;
        let event = post("Event", json!({"name": ["Operativo ficticio"], "date": ["2025-04-02"], "involved": [ana.clone(), bruno.clone()], "enlaceEventType": ["rescue"], "enlaceMigrants": ["hn:12"], "country": ["gt"]})).await;

        let (_, cookie, _) = s.browser_login("officer.gt", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let pages: Vec<(String, Vec<&str>)> = vec![
            (
                format!("/entities/{ana}/graph?depth=2"),
                vec![">Membresía</text>", ">Propietario</text>", ">Implicado</text>", ">Lugar de salida</text>", ">Familia</text>", "Red de vínculos de Ana Ficticia Ruiz", "Persona", "Organización / red", "Tramo de ruta", "nivel 1"],
            ),
            (
                format!("/entities/{ana}"),
                vec!["Nacionalidad", "Guatemala", "Sexo", "Mujer", "Fecha de nacimiento", "Miembro de", "Red Ficticia del Norte", "Titular de la cuenta", "Participa en el evento", "Participa en el tramo de ruta", "Familiar de", "Bruno Inventado"],
            ),
            (
                format!("/entities/{trip}"),
                vec!["Tramo de ruta", "Lugar de salida", "Muelle ficticio de Champerico", "Lugar de llegada", "Implicado", "Ana Ficticia Ruiz", "Modo de transporte", "Marítimo", "Visto por primera vez", "Casas de seguridad", "Orden del tramo"],
            ),
            (format!("/entities/{event}"), vec!["Tipo de evento", "Rescate", "Migrantes por nacionalidad", "Honduras: 12", "Implicado", "Bruno Inventado"]),
            (format!("/entities/{account}"), vec!["Propietario", "Ana Ficticia Ruiz", "Servicio", "Teléfono"]),
            (format!("/entities/{red}"), vec!["Organización / red", "Modus operandi", "Casas de seguridad"]),
            (format!("/cases/{case}"), vec!["Persona", "Membresía", "Familia", "Tramo de ruta", "Dirección / lugar"]),
            (format!("/cases/{case}/timeline"), vec!["Membresía · Fecha de inicio", "Tramo de ruta · Visto por primera vez", "Tramo de ruta · Visto por última vez", "Evento · Fecha"]),
            ("/routes".to_string(), vec!["Mapa de rutas", "Marítimo", "Muelle ficticio de Champerico (Guatemala)", "Casas de seguridad"]),
            ("/search?q=ficticia".to_string(), vec!["Persona", "Organización / red"]),
            (format!("/cases/{case}/entities/new?schema=Trip"), vec!["Tramo de ruta", "Lugar de salida", "Lugar de llegada", "Implicado", "Modo de transporte", "AAAA-MM-DD"]),
        ];
        for (path, expected) in &pages {
            let html = spanish_page(&s, &cookie, path, "es").await;
            assert_in_words(path, &html, expected);
        }

        // The graph and route map keep the internal names in what is not shown (ids, links)…
        let graph = spanish_page(&s, &cookie, &format!("/entities/{ana}/graph?depth=2"), "es").await;
        assert!(graph.contains(&format!("data-id=\"{trip}\"")));
        // …and the API keeps them as its stable vocabulary.
        let (_, g) = s.api(Some(&tok), Method::GET, &format!("/api/v1/entities/{ana}/graph?depth=1"), None).await;
        let labels: BTreeSet<&str> = g["edges"].as_array().unwrap().iter().filter_map(|e| e["label"].as_str()).collect();
        assert!(["Membership", "owner", "involved", "Family"].iter().all(|l| labels.contains(l)), "{labels:?}");

        // An English reader gets the English names of the same things.
        let html = spanish_page(&s, &cookie, &format!("/entities/{ana}/graph?depth=2"), "en").await;
        for e in [">Owner</text>", ">Involved</text>", ">Departure place</text>", "Route leg"] {
            assert!(html.contains(e), "the English graph does not show {e}");
        }
        let html = spanish_page(&s, &cookie, &format!("/entities/{trip}"), "en").await;
        for e in ["Departure place", "Mode of transport", "Sea", "First seen", "Stash houses"] {
            assert!(shown_text(&html).contains(e), "the English trip page does not show {e}");
        }
    })
    .await;
}

#[test]
fn shown_text_keeps_what_is_read_and_drops_what_is_not() {
    let html = r#"<html><head><title>Persona · Enlace</title><script>var schema = "Person";</script></head>
<body><a href="/entities/x?schema=Person" class="owner" data-prop="owner" title="Propietario">Ana</a>
<svg role="img" aria-label="Mapa"><text>Marítimo</text></svg><input placeholder="AAAA-MM-DD" value="Trip"></body></html>"#;
    let text = shown_text(html);
    let w = words(&text);
    for shown in ["Persona", "Propietario", "Ana", "Mapa", "Marítimo", "AAAA"] {
        assert!(w.contains(shown), "{shown} in {text}");
    }
    for hidden in ["Person", "owner", "schema", "Trip", "entities"] {
        assert!(!w.contains(hidden), "{hidden} in {text}");
    }
}
