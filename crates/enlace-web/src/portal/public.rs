//! The public portal. Everything here reads through the `portal_*` functions of the app,
//! which return only what is published (or approved and public): no session is read, no
//! cookie is set, and the pages load nothing but this server's stylesheet.
use crate::i18n::{Lang, Tr};
use crate::page::render;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::directory::DirectoryData;
use enlace_domain::Country;
use enlace_store::portal::PortalItem;

/// A text in the page's language, or in the other one with a visible mark.
pub struct Shown {
    pub text: String,
    /// The language the text is in.
    pub lang: &'static str,
    /// Not available in the page's language.
    pub missing: bool,
}

fn pick(es: &str, en: &str, lang: Lang) -> Shown {
    let (want, other, other_lang) = match lang {
        Lang::Es => (es, en, "en"),
        Lang::En => (en, es, "es"),
    };
    if want.trim().is_empty() && !other.trim().is_empty() {
        Shown {
            text: other.to_string(),
            lang: other_lang,
            missing: true,
        }
    } else {
        Shown {
            text: want.to_string(),
            lang: lang.code(),
            missing: false,
        }
    }
}

/// An item as the portal shows it.
pub struct Card {
    pub id: String,
    pub kind: String,
    pub title: Shown,
    pub body: Shown,
    pub event_date: Option<String>,
    pub place: String,
    pub link: String,
    pub file: Option<(String, i64)>,
}

fn card(i: &PortalItem, lang: Lang) -> Card {
    Card {
        id: i.id.clone(),
        kind: i.kind.clone(),
        title: pick(&i.title_es, &i.title_en, lang),
        body: pick(&i.body_es, &i.body_en, lang),
        event_date: i.event_date.clone(),
        place: i.place.clone(),
        link: i.link.clone(),
        file: i
            .file_name
            .clone()
            .map(|n| (n, (i.file_size.unwrap_or(0) + 1023) / 1024)),
    }
}

/// What every portal page needs: its words and the same page in the other language.
pub struct Frame {
    pub t: Tr,
    pub lang: &'static str,
    /// This page's path after `/portal/{lang}`.
    pub rest: String,
}

impl Frame {
    pub(crate) fn new(lang: Lang, rest: &str) -> Frame {
        Frame {
            t: Tr::new(lang),
            lang: lang.code(),
            rest: rest.to_string(),
        }
    }
    pub fn link(&self, to: &str) -> String {
        format!("/portal/{}{to}", self.lang)
    }
    /// The words of `prefix` + `code` (a kind, a language…).
    pub fn tw(&self, prefix: &str, code: &str) -> String {
        self.t.t(&format!("{prefix}{code}"))
    }
    pub fn in_lang(&self, lang: &str) -> String {
        format!("/portal/{lang}{}", self.rest)
    }
}

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    f: Frame,
    events: Vec<Card>,
    publications: Vec<Card>,
    campaigns: Vec<Card>,
}

#[derive(Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    f: Frame,
    /// `publication`, `event` or `campaign`.
    kind: String,
    items: Vec<Card>,
}

#[derive(Template)]
#[template(path = "portal_item.html")]
struct ItemPage {
    f: Frame,
    item: Card,
}

#[derive(Template)]
#[template(path = "portal_directory.html")]
struct DirectoryPage {
    f: Frame,
    entries: Vec<(String, DirectoryData)>,
}

/// An agreement as the portal shows it.
pub struct AgreementCard {
    pub number: String,
    pub text: String,
    pub meeting: String,
    pub meeting_date: String,
    pub responsible: Vec<String>,
    pub due: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "portal_agreements.html")]
struct AgreementsPage {
    f: Frame,
    items: Vec<AgreementCard>,
}

#[derive(Template)]
#[template(path = "portal_missing.html")]
struct MissingPage {
    f: Frame,
}

pub(crate) fn lang_of(code: &str) -> Option<Lang> {
    match code {
        "es" => Some(Lang::Es),
        "en" => Some(Lang::En),
        _ => None,
    }
}

/// Public pages may be stored by browsers and proxies but are checked again on each visit:
/// something the secretariat withdraws must not linger in a cache.
pub(crate) fn public(r: Response) -> Response {
    let mut r = r;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

pub(crate) fn missing(lang: Lang) -> Response {
    let page = render(&MissingPage {
        f: Frame::new(lang, "/"),
    });
    (StatusCode::NOT_FOUND, page).into_response()
}

/// `/portal`: to the visitor's language, from the browser's preference (no cookie).
pub async fn portal_root(headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    Redirect::to(&format!("/portal/{}/", lang.code())).into_response()
}

pub async fn portal_home(State(s): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let items = match s.app.portal_published(None).await {
        Ok(i) => i,
        Err(_) => return failed(lang),
    };
    let today = enlace_domain::clock::format_utc(s.app.now_ms());
    let today = today.get(..10).unwrap_or_default();
    let of = |kind: &str| -> Vec<Card> {
        items
            .iter()
            .filter(|i| i.kind == kind)
            .filter(|i| kind != "event" || i.event_date.as_deref().is_some_and(|d| d >= today))
            .take(5)
            .map(|i| card(i, lang))
            .collect()
    };
    public(render(&HomePage {
        events: of("event"),
        publications: of("publication"),
        campaigns: of("campaign"),
        f: Frame::new(lang, "/"),
    }))
}

/// A server-side failure, said in the visitor's language without details.
pub(crate) fn failed(lang: Lang) -> Response {
    let page = render(&MissingPage {
        f: Frame::new(lang, "/"),
    });
    (StatusCode::INTERNAL_SERVER_ERROR, page).into_response()
}

pub async fn portal_kind(
    State(s): State<AppState>,
    Path((lang, kind)): Path<(String, String)>,
) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let kind_code = match kind.as_str() {
        "publications" => "publication",
        "events" => "event",
        "campaigns" => "campaign",
        _ => return missing(lang),
    };
    let items = match s.app.portal_published(Some(kind_code)).await {
        Ok(i) => i,
        Err(_) => return failed(lang),
    };
    public(render(&ListPage {
        kind: kind_code.to_string(),
        items: items.iter().map(|i| card(i, lang)).collect(),
        f: Frame::new(lang, &format!("/{kind}")),
    }))
}

pub async fn portal_item(
    State(s): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let item = match s.app.portal_published_item(&id).await {
        Ok(i) => i,
        Err(_) => return failed(lang),
    };
    match item {
        Some(i) => public(render(&ItemPage {
            item: card(&i, lang),
            f: Frame::new(lang, &format!("/items/{id}")),
        })),
        None => missing(lang),
    }
}

pub async fn portal_directory(State(s): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let list = match s.app.portal_directory().await {
        Ok(l) => l,
        Err(_) => return failed(lang),
    };
    let entries = list
        .into_iter()
        .map(|(c, d): (Country, DirectoryData)| (c.name(lang.code()).to_string(), d))
        .collect();
    public(render(&DirectoryPage {
        entries,
        f: Frame::new(lang, "/directory"),
    }))
}

/// The agreements the secretariat made public, newest meeting first.
pub async fn portal_agreements(State(s): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let list = match s.app.published_agreements().await {
        Ok(l) => l,
        Err(_) => return failed(lang),
    };
    let t = Tr::new(lang);
    let items = list
        .into_iter()
        .map(|(a, m)| AgreementCard {
            number: a.number,
            text: a.text,
            meeting: m.title,
            meeting_date: m.date,
            responsible: a
                .responsible
                .iter()
                .map(|r| {
                    if r == "secretariat" {
                        t.t("meetings_secretariat")
                    } else {
                        t.country(r)
                    }
                })
                .collect(),
            due: a.due,
            status: t.tw("meetings_status_", &a.status),
        })
        .collect();
    public(render(&AgreementsPage {
        items,
        f: Frame::new(lang, "/agreements"),
    }))
}

/// A published publication's PDF, offered as a download.
pub async fn portal_file(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    match s.app.portal_published_file(&id).await {
        Ok((name, bytes)) => public(crate::page::download("application/pdf", &name, bytes)),
        Err(_) => missing(Lang::Es),
    }
}

/// The portal's news as an Atom feed: what was published, newest first.
pub async fn portal_feed(
    State(s): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(lang) = lang_of(&lang) else {
        return missing(Lang::Es);
    };
    let Ok(mut items) = s.app.portal_published(None).await else {
        return failed(lang);
    };
    items.sort_by_key(|i| std::cmp::Reverse(i.published_at.unwrap_or(i.updated_at)));
    items.truncate(50);
    let base = base_url(&headers, s.web.tls);
    let t = Tr::new(lang);
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .fixed_offset()
    };
    let entries: Vec<atom_syndication::Entry> = items
        .iter()
        .map(|i| {
            let title = pick(&i.title_es, &i.title_en, lang);
            let body = pick(&i.body_es, &i.body_en, lang);
            atom_syndication::Entry {
                id: format!("urn:enlace:portal:{}", i.id),
                title: atom_syndication::Text::plain(format!(
                    "{}: {}",
                    t.t(&format!("portal_kind_{}", i.kind)),
                    title.text
                )),
                updated: when(i.updated_at),
                published: i.published_at.map(when),
                links: vec![atom_syndication::Link {
                    href: format!("{base}/portal/{}/items/{}", lang.code(), i.id),
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    hreflang: Some(lang.code().into()),
                    ..Default::default()
                }],
                summary: (!body.text.is_empty())
                    .then(|| atom_syndication::Text::plain(body.text.clone())),
                ..Default::default()
            }
        })
        .collect();
    let mut entries = entries;
    let agreements = s.app.published_agreements().await.unwrap_or_default();
    for (a, m) in agreements.iter().take(50) {
        entries.push(atom_syndication::Entry {
            id: format!("urn:enlace:agreement:{}", a.id),
            title: atom_syndication::Text::plain(format!(
                "{} {}: {}",
                t.t("portal_agreement"),
                a.number,
                a.text.chars().take(120).collect::<String>()
            )),
            updated: when(a.updated_at),
            links: vec![atom_syndication::Link {
                href: format!("{base}/portal/{}/agreements#{}", lang.code(), a.number),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                hreflang: Some(lang.code().into()),
                ..Default::default()
            }],
            summary: Some(atom_syndication::Text::plain(format!(
                "{} · {}",
                m.title, m.date
            ))),
            ..Default::default()
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    entries.truncate(50);
    let updated = items
        .iter()
        .map(|i| i.published_at.unwrap_or(i.updated_at).max(i.updated_at))
        .chain(agreements.iter().map(|(a, _)| a.updated_at))
        .max()
        .unwrap_or(0);
    let feed = atom_syndication::Feed {
        id: format!("urn:enlace:portal:{}", lang.code()),
        title: atom_syndication::Text::plain(t.t("portal_name")),
        updated: when(updated),
        authors: vec![atom_syndication::Person {
            name: t.t("portal_author"),
            ..Default::default()
        }],
        links: vec![
            atom_syndication::Link {
                href: format!("{base}/portal/{}/feed.atom", lang.code()),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Default::default()
            },
            atom_syndication::Link {
                href: format!("{base}/portal/{}/", lang.code()),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Default::default()
            },
        ],
        lang: Some(lang.code().into()),
        entries,
        ..Default::default()
    };
    public(
        (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            feed.to_string(),
        )
            .into_response(),
    )
}

/// This server's address as the visitor reached it, for the feed's absolute links; empty
/// (relative links) when the Host header is not a plain host name.
fn base_url(headers: &HeaderMap, tls: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    match host {
        Some(h) => format!("{}://{h}", if tls { "https" } else { "http" }),
        None => String::new(),
    }
}
