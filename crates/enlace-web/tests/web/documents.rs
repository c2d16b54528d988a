//! Travel-document specimens: member users read them, the recording country alone changes
//! them, images are checked for type, size and dimensions and served to member users only,
//! any member reports forgery patterns.
use crate::testkit::{csrf_of, each_engine};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[tokio::test]
async fn specimens_features_images_and_forgeries() {
    each_engine(|s| async move {
        let mx = s.token("officer.mx").await;
        let gt = s.token("officer.gt").await;
        let st = s.token("secretariat").await;
        let doc = json!({"issuing_country": "ht", "kind": "passport", "series": "Serie ficticia 2021", "first_issued": "2021-06-01", "validity_years": 10, "description": "Modelo de demostración"});
        assert_eq!(s.api(None, Method::POST, "/api/v1/documents", Some(doc.clone())).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(s.api(Some(&st), Method::POST, "/api/v1/documents", Some(doc.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&s.token("approver.mx").await), Method::POST, "/api/v1/documents", Some(doc.clone())).await.0, StatusCode::FORBIDDEN);
        let (code, v) = s.api(Some(&mx), Method::POST, "/api/v1/documents", Some(doc)).await;
        assert_eq!(code, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(v["recorded_by"], "mx");
        // Member users of any role read; the secretariat does not.
        for t in [&gt, &s.token("approver.cr").await] {
            let (code, v) = s.api(Some(t), Method::GET, &format!("/api/v1/documents/{id}"), None).await;
            assert_eq!(code, StatusCode::OK, "{v}");
            assert_eq!(v["series"], "Serie ficticia 2021");
        }
        assert_eq!(s.api(Some(&st), Method::GET, &format!("/api/v1/documents/{id}"), None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(s.api(Some(&st), Method::GET, "/api/v1/documents", None).await.0, StatusCode::FORBIDDEN);
        let (_, l) = s.api(Some(&gt), Method::GET, "/api/v1/documents?issuing_country=ht&kind=passport", None).await;
        assert!(l["items"].as_array().unwrap().iter().any(|x| x["id"] == id.as_str()), "{l}");
        assert!(l.get("next").is_some());
        // Only the recording country changes it; a PATCH keeps what it omits.
        assert_eq!(s.api(Some(&gt), Method::PATCH, &format!("/api/v1/documents/{id}"), Some(json!({"series": "X"}))).await.0, StatusCode::FORBIDDEN);
        let (code, v) = s.api(Some(&mx), Method::PATCH, &format!("/api/v1/documents/{id}"), Some(json!({"validity_years": 6}))).await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert_eq!((v["validity_years"].as_i64(), v["series"].as_str()), (Some(6), Some("Serie ficticia 2021")));
        // `null` clears an optional field; omitted ones stay.
        let (code, v) = s.api(Some(&mx), Method::PATCH, &format!("/api/v1/documents/{id}"), Some(json!({"validity_years": null}))).await;
        assert_eq!(code, StatusCode::OK, "{v}");
        assert!(v["validity_years"].is_null(), "{v}");
        assert_eq!(v["series"], "Serie ficticia 2021");
        // Bad input names the field.
        let (code, v) = s.api(Some(&mx), Method::POST, "/api/v1/documents", Some(json!({"issuing_country": "zz", "kind": "ticket", "series": " ", "first_issued": "2021-02-30"}))).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        for f in ["issuing_country", "kind", "series", "first_issued"] {
            assert!(fields.contains(&f), "{f} in {v}");
        }
        // A feature with a PNG image; the image is checked and served to member users only.
        let image = png(320, 200);
        let (code, f) = s
            .api(Some(&mx), Method::POST, &format!("/api/v1/documents/{id}/features"), Some(json!({"page": "Página de datos", "name": "Tinta ópticamente variable", "image": {"content_type": "image/png", "data": b64(&image)}})))
            .await;
        assert_eq!(code, StatusCode::CREATED, "{f}");
        let (_, v) = s.api(Some(&gt), Method::GET, &format!("/api/v1/documents/{id}"), None).await;
        let url = v["features"][0]["image"]["url"].as_str().unwrap().to_string();
        assert_eq!(v["features"][0]["image"]["width"], 320);
        let res = s.http.get(format!("{}{url}", s.base)).bearer_auth(&gt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(res.bytes().await.unwrap().to_vec(), image);
        assert_eq!(s.http.get(format!("{}{url}", s.base)).bearer_auth(&st).send().await.unwrap().status(), StatusCode::FORBIDDEN);
        assert_eq!(s.http.get(format!("{}{url}", s.base)).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        for (img, want) in [
            (json!({"data": b64(b"<svg onload=alert(1)></svg>")}), "bad_image_type"),
            (json!({"content_type": "image/jpeg", "data": b64(&image)}), "bad_image_type"),
            (json!({"data": b64(&png(8, 8))}), "bad_image_size"),
            (json!({"data": "***"}), "bad_image_type"),
        ] {
            let (code, v) = s.api(Some(&mx), Method::POST, &format!("/api/v1/documents/{id}/features"), Some(json!({"page": "p", "name": "n", "image": img}))).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
            assert_eq!(v["error"]["fields"][0]["code"], want, "{v}");
        }
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/documents/{id}/features"), Some(json!({"page": "p", "name": "n"}))).await.0, StatusCode::FORBIDDEN);
        // Any member's officer reports a forgery pattern.
        let (code, _) = s.api(Some(&gt), Method::POST, &format!("/api/v1/documents/{id}/forgeries"), Some(json!({"title": "Página de datos sustituida", "description": "Laminado despegado y vuelto a pegar (ficticio).", "first_seen": "2025-03-10"}))).await;
        assert_eq!(code, StatusCode::CREATED);
        let (_, v) = s.api(Some(&mx), Method::GET, &format!("/api/v1/documents/{id}"), None).await;
        assert_eq!(v["forgery_patterns"][0]["country"], "gt");
        assert_eq!(s.api(Some(&gt), Method::POST, &format!("/api/v1/documents/{id}/forgeries"), Some(json!({"title": "", "description": "x"}))).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(s.api(Some(&gt), Method::GET, "/api/v1/documents/00000000000000000000000000000000", None).await.0, StatusCode::NOT_FOUND);
        // The page upload (multipart) goes through the same checks.
        let (_, cookie, _) = s.browser_login("officer.mx", "enlace-demo").await;
        let cookie = cookie.unwrap();
        let html = s.page(&cookie, &format!("/documents/{id}")).await.text().await.unwrap();
        assert!(html.contains("Tinta ópticamente variable") && html.contains("<img"), "{html}");
        let csrf = csrf_of(&html);
        let mut body = format!("--B0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--B0undary\r\nContent-Disposition: form-data; name=\"page\"\r\n\r\nReverso\r\n--B0undary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMicrotexto\r\n--B0undary\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\r\n--B0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"m.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
        body.extend(png(64, 64));
        body.extend(b"\r\n--B0undary--\r\n");
        let res = s
            .http
            .post(format!("{}/documents/{id}/features", s.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .header("content-type", "multipart/form-data; boundary=B0undary")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, v) = s.api(Some(&gt), Method::GET, &format!("/api/v1/documents/{id}"), None).await;
        assert_eq!(v["features"].as_array().unwrap().len(), 2);
        // Without the CSRF token: refused.
        let res = s
            .http
            .post(format!("{}/documents/{id}/features", s.base))
            .header("cookie", format!("__Host-enlace={cookie}"))
            .header("content-type", "multipart/form-data; boundary=B0undary")
            .body("--B0undary\r\nContent-Disposition: form-data; name=\"page\"\r\n\r\nx\r\n--B0undary--\r\n")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    })
    .await;
}
