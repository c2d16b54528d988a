use crate::extract::Req;
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use enlace_app::audit::AuditScope;
use enlace_domain::policy::{self};
use enlace_store::audit::Entry;

/// Every audited action, for the audit page's filter (its words: `shell_audit_<action>`).
pub const AUDIT_ACTIONS: &[&str] = &[
    "account.time_zone",
    "agreement.create",
    "agreement.followup",
    "agreement.list",
    "agreement.read",
    "agreement.update",
    "alert.acknowledge",
    "alert.list",
    "alert.read",
    "alert.reply",
    "alert.send",
    "audit.checkpoints",
    "audit.read",
    "case.close",
    "case.create",
    "case.entities",
    "case.export",
    "case.list",
    "case.read",
    "case.reopen",
    "case.update",
    "check.hit",
    "check.run",
    "country.update",
    "demo.seed",
    "directory.approve",
    "directory.confirm",
    "directory.edit",
    "directory.list",
    "directory.propose",
    "directory.reject",
    "document.create",
    "document.edit",
    "document.feature",
    "document.forgery",
    "document.list",
    "document.read",
    "entity.create",
    "entity.graph",
    "entity.import",
    "entity.read",
    "entity.search",
    "entity.share",
    "entity.update",
    "entity.xref",
    "entity.xref.read",
    "legislation.answer",
    "legislation.question_edit",
    "legislation.questions",
    "legislation.read",
    "legislation.versions",
    "login",
    "login.second_factor",
    "logout",
    "meeting.create",
    "meeting.document_add",
    "meeting.document_read",
    "meeting.list",
    "meeting.read",
    "meeting.update",
    "mo.add",
    "notification.list",
    "password.change",
    "portal.edit",
    "portal.file",
    "portal.file_read",
    "portal.list",
    "portal.order",
    "portal.propose",
    "portal.publish",
    "portal.read",
    "portal.unpublish",
    "queue.read",
    "request.acknowledge",
    "request.answer",
    "request.create",
    "request.decline",
    "request.list",
    "request.message",
    "request.mla",
    "request.read",
    "request.withdraw",
    "route.list",
    "token.create",
    "token.revoke",
    "totp.enrol",
    "user.approve",
    "user.create",
    "user.disable",
    "user.enable",
    "user.list",
    "user.propose_admin",
    "user.propose_reset",
    "user.reset",
    "visa.confirm",
    "visa.history",
    "visa.import",
    "visa.list",
    "visa.propose",
    "visa.read",
    "visa.set",
    "visa.withdraw",
    "workplan.import",
    "workplan.progress",
    "workplan.progress.history",
    "workplan.progress.list",
];

/// One audit row as people read it: the action in words, the object by kind with a link to
/// its page (never its id), the purpose and case reference of a check or search.
pub(crate) struct AuditRow {
    seq: i64,
    at: i64,
    who: String,
    country: Option<String>,
    action: String,
    kind: String,
    link: Option<String>,
    purpose: String,
    outcome: String,
    client_addr: String,
}

/// The page of a record an audit row names, when it has one.
fn object_link(kind: &str, id: &str) -> Option<String> {
    let base = match kind {
        "case" => "/cases",
        "entity" => "/entities",
        "request" => "/requests",
        "alert" => "/alerts",
        "directory" | "directory_entry" => "/directory",
        "user" => "/admin/users",
        "meeting" => "/meetings",
        "agreement" => "/agreements",
        "travel_document" => "/documents",
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then(|| format!("{base}/{id}"))
}

fn audit_row(t: Tr, e: Entry) -> AuditRow {
    let key = format!("shell_audit_{}", e.action.replace('.', "_"));
    let action = if t.has(&key) {
        t.t(&key)
    } else {
        t.t("shell_audit_other")
    };
    let kind = e
        .object_kind
        .as_deref()
        .map(|k| {
            let key = format!("shell_audit_kind_{k}");
            if t.has(&key) {
                t.t(&key)
            } else {
                String::new()
            }
        })
        .unwrap_or_default();
    let link = match (&e.object_kind, &e.object_id) {
        (Some(k), Some(id)) => object_link(k, id),
        _ => None,
    };
    // A check's or search's purpose and case reference; a send-back's reason.
    let mut purpose: Vec<String> = [e.purpose.clone(), e.case_reference.clone()]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    if e.action == "directory.reject" {
        purpose.extend(e.detail.clone());
    }
    let okey = format!("shell_audit_outcome_{}", e.outcome);
    AuditRow {
        seq: e.seq,
        at: e.at,
        who: e.actor_username.unwrap_or_default(),
        country: e.actor_country,
        action,
        kind,
        link,
        purpose: purpose.join(" · "),
        outcome: if t.has(&okey) { t.t(&okey) } else { e.outcome },
        client_addr: e.client_addr.unwrap_or_default(),
    }
}

/// A day picked on the page is a day in the reader's zone: its start, as RFC 3339 UTC.
fn local_day(day: &str, t: Tr, next: bool) -> String {
    use chrono::TimeZone;
    let Ok(d) = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") else {
        return day.to_string();
    };
    let d = if next { d.succ_opt().unwrap_or(d) } else { d };
    let Some(midnight) = d.and_hms_opt(0, 0, 0) else {
        return day.to_string();
    };
    match t.tz.from_local_datetime(&midnight).earliest() {
        Some(local) => local
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        None => day.to_string(),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(crate) struct AuditPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    entries: Vec<AuditRow>,
    /// (code, words, chosen) for the action and country selects.
    actions: Vec<(&'static str, String, bool)>,
    countries: Vec<(&'static str, String, bool)>,
    scope: String,
    can_country: bool,
    pager: Pager,
    q: AuditPageQuery,
}

/// The audit page's filters, as the form sends them.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditPageQuery {
    page: Option<i64>,
    scope: Option<String>,
    #[serde(default)]
    object: String,
    #[serde(default)]
    actor_country: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    who: String,
}

pub async fn audit_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<AuditPageQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let page = page_no(q.page);
    let t = req.tr();
    let mut filter = crate::audit::api::audit_filter(
        Some(&q.object),
        Some(&q.actor_country),
        Some(&q.action),
        Some(&local_day(&q.from, t, false)),
        Some(&local_day(&q.to, t, true)),
    )
    .map_err(|e| req.err(e))?;
    filter.actor_username =
        Some(q.who.trim().chars().take(100).collect::<String>()).filter(|w| !w.is_empty());
    let scope = match q.scope.as_deref() {
        Some("country") => AuditScope::Country,
        _ => AuditScope::Mine,
    };
    let (entries, total) = s
        .app
        .audit_entries(&ctx, scope, &filter, PER_PAGE, (page - 1) * PER_PAGE)
        .await
        .map_err(|e| req.err(e))?;
    let scope_s = if scope == AuditScope::Country {
        "country"
    } else {
        "mine"
    };
    Ok(render(&AuditPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        entries: entries.into_iter().map(|e| audit_row(t, e)).collect(),
        actions: AUDIT_ACTIONS
            .iter()
            .map(|a| {
                let words = t.t(&format!("shell_audit_{}", a.replace('.', "_")));
                (*a, words, q.action == *a)
            })
            .collect(),
        countries: enlace_domain::Country::all()
            .map(|c| {
                let chosen = q.actor_country == c.code();
                (c.code(), c.name(t.code()).to_string(), chosen)
            })
            .collect(),
        scope: scope_s.into(),
        can_country: policy::may_read_country_audit(&ctx.actor).is_some(),
        pager: Pager::new(
            page,
            total,
            &format!(
                "/audit?scope={scope_s}&who={}&object={}&actor_country={}&action={}&from={}&to={}",
                url_encode(&q.who),
                url_encode(&q.object),
                url_encode(&q.actor_country),
                url_encode(&q.action),
                url_encode(&q.from),
                url_encode(&q.to)
            ),
        ),
        q,
    }))
}
