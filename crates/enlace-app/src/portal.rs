//! The public portal (2018 plan, axis 4 actions 5 and 6): publications, events, prevention
//! campaigns, published agreements and the public directory of key actors. Member countries
//! propose items; the secretariat publishes, unpublishes and orders them. The portal itself
//! reads only what is published (or approved and public) through the functions at the end:
//! nothing else ever reaches it.
use crate::directory::DirectoryData;
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{Country, Role};
use enlace_store::portal::{PortalFields, PortalItem};
use serde::Deserialize;
use sha2::Digest;

pub const KINDS: [&str; 3] = ["publication", "event", "campaign"];
/// A publication's PDF: at most 10 MiB.
pub const MAX_FILE: usize = crate::files::MAX_FILE;

/// What a proposal or an edit says (omitted fields keep their value on an edit).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PortalInput {
    pub kind: Option<String>,
    pub title_es: Option<String>,
    pub title_en: Option<String>,
    pub body_es: Option<String>,
    pub body_en: Option<String>,
    pub event_date: Option<String>,
    pub place: Option<String>,
    pub link: Option<String>,
}

impl PortalInput {
    /// The whole item this input makes, laid over `current` (a new item: over nothing).
    fn fields(self, current: Option<&PortalItem>) -> Result<PortalFields, Invalid> {
        let keep = |v: Option<String>, old: Option<&str>| {
            v.unwrap_or_else(|| old.unwrap_or_default().to_string())
        };
        let c = current;
        let mut errs = Invalid::default();
        let kind = keep(self.kind, c.map(|c| c.kind.as_str()));
        if !KINDS.contains(&kind.as_str()) {
            errs.push("kind", "unknown_kind");
        }
        let title_es = validate::text(
            &mut errs,
            "title_es",
            &keep(self.title_es, c.map(|c| c.title_es.as_str())),
            false,
            200,
        );
        let title_en = validate::text(
            &mut errs,
            "title_en",
            &keep(self.title_en, c.map(|c| c.title_en.as_str())),
            false,
            200,
        );
        if title_es.is_empty() && title_en.is_empty() {
            errs.push("title_es", "required");
        }
        let body_es = validate::text(
            &mut errs,
            "body_es",
            &keep(self.body_es, c.map(|c| c.body_es.as_str())),
            false,
            5000,
        );
        let body_en = validate::text(
            &mut errs,
            "body_en",
            &keep(self.body_en, c.map(|c| c.body_en.as_str())),
            false,
            5000,
        );
        let place = validate::text(
            &mut errs,
            "place",
            &keep(self.place, c.map(|c| c.place.as_str())),
            false,
            200,
        );
        let link = validate::text(
            &mut errs,
            "link",
            &keep(self.link, c.map(|c| c.link.as_str())),
            false,
            500,
        );
        if !link.is_empty()
            && (!(link.starts_with("https://") || link.starts_with("http://"))
                || link.chars().any(char::is_whitespace)
                || link.len() < 12)
        {
            errs.push("link", "bad_url");
        }
        let date = keep(self.event_date, c.and_then(|c| c.event_date.as_deref()));
        let event_date = match date.trim() {
            "" => None,
            d if is_date(d) => Some(d.to_string()),
            _ => {
                errs.push("event_date", "bad_date");
                None
            }
        };
        if kind == "event"
            && event_date.is_none()
            && !errs.0.iter().any(|e| e.field == "event_date")
        {
            errs.push("event_date", "required");
        }
        errs.into_result()?;
        Ok(PortalFields {
            kind,
            title_es,
            title_en,
            body_es,
            body_en,
            event_date,
            place,
            link,
        })
    }
}

/// A real calendar date written `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    s.len() == 10
        && enlace_domain::clock::parse_utc(s)
            .is_some_and(|ms| enlace_domain::clock::format_utc(ms).starts_with(s))
}

/// Who may do what with portal items: the secretariat everything; a member country's users
/// propose, and edit or attach a file to their country's proposals while they wait.
fn may_see(ctx: &Ctx, item: &PortalItem) -> bool {
    ctx.actor.role == Role::Secretariat
        || item.status == "published"
        || item.proposed_country.as_deref() == ctx.actor.country.map(Country::code)
}

fn may_change(ctx: &Ctx, item: &PortalItem) -> bool {
    ctx.actor.role == Role::Secretariat
        || (item.status == "proposed"
            && item.proposed_country.as_deref() == ctx.actor.country.map(Country::code))
}

fn portal_entry(ctx: &Ctx, action: &str, item: &PortalItem) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("portal_item".into());
    e.object_id = Some(item.id.clone());
    e.object_country = item.proposed_country.clone();
    e
}

impl App {
    /// The items the caller works with: all for the secretariat; for a member country's
    /// users, their country's proposals and what is published.
    pub async fn portal_items(&self, ctx: &Ctx) -> AppResult<Vec<PortalItem>> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let items = match (ctx.actor.role, ctx.actor.country) {
            (Role::Secretariat, _) => tx.portal_items(None).await?,
            (_, Some(c)) => {
                let mut mine = tx.portal_items(Some(c.code())).await?;
                let published = self.store.portal_published(None).await?;
                for p in published {
                    if !mine.iter().any(|m| m.id == p.id) {
                        mine.push(p);
                    }
                }
                mine
            }
            _ => return Err(AppError::NotFound),
        };
        let mut e = ctx.entry("portal.list", "ok");
        e.object_kind = Some("portal_item".into());
        e.detail = Some(format!("returned={}", items.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(items)
    }

    pub async fn portal_item(&self, ctx: &Ctx, id: &str) -> AppResult<PortalItem> {
        let mut tx = self.store.read().await?;
        let item = tx
            .portal_item(id)
            .await?
            .filter(|i| may_see(ctx, i))
            .ok_or(AppError::NotFound)?;
        tx.audit(self.now_ms(), portal_entry(ctx, "portal.read", &item))
            .await?;
        tx.commit().await?;
        Ok(item)
    }

    /// A member country proposes an item (it waits for the secretariat); the secretariat's
    /// own items start unpublished, or published when it says so.
    pub async fn propose_portal_item(
        &self,
        ctx: &Ctx,
        input: PortalInput,
        publish: bool,
    ) -> AppResult<PortalItem> {
        let fields = input.fields(None)?;
        let (status, country) = match (ctx.actor.role, ctx.actor.country) {
            (Role::Secretariat, _) if publish => ("published", None),
            (Role::Secretariat, _) => ("unpublished", None),
            (_, Some(_)) if publish => return Err(AppError::Forbidden),
            (_, Some(c)) => ("proposed", Some(c.code())),
            _ => return Err(AppError::Forbidden),
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_portal_item(&fields, status, &ctx.actor.user_id, country, now)
            .await?;
        let item = tx
            .portal_item(&id)
            .await?
            .ok_or(AppError::Internal("portal item vanished".into()))?;
        tx.audit(now, portal_entry(ctx, "portal.propose", &item))
            .await?;
        let mut out = crate::live::Outbox::default();
        if status == "proposed" {
            let secretariat = tx.secretariat_users().await?;
            out.notify(
                &mut tx,
                &secretariat,
                "portal_proposal",
                &crate::live::bilingual(
                    &format!(
                        "Propuesta para el portal público: {}",
                        or_other(&item.title_es, &item.title_en)
                    ),
                    &format!(
                        "Proposal for the public portal: {}",
                        or_other(&item.title_en, &item.title_es)
                    ),
                ),
                "/portal-admin",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.publish(out);
        Ok(item)
    }

    /// Changes what the input names, inside the write transaction.
    pub async fn edit_portal_item(
        &self,
        ctx: &Ctx,
        id: &str,
        input: PortalInput,
    ) -> AppResult<PortalItem> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let current = self.changeable(&mut tx, ctx, id).await?;
        let fields = input.fields(Some(&current))?;
        tx.update_portal_item(id, &fields, now).await?;
        let item = tx.portal_item(id).await?.ok_or(AppError::NotFound)?;
        tx.audit(now, portal_entry(ctx, "portal.edit", &item))
            .await?;
        tx.commit().await?;
        Ok(item)
    }

    /// The secretariat publishes (`published`) or withdraws (`unpublished`) an item.
    pub async fn set_portal_status(
        &self,
        ctx: &Ctx,
        id: &str,
        publish: bool,
    ) -> AppResult<PortalItem> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let item = self.secretariat_item(&mut tx, ctx, id).await?;
        let status = if publish { "published" } else { "unpublished" };
        tx.set_portal_status(id, status, now).await?;
        tx.audit(
            now,
            portal_entry(
                ctx,
                if publish {
                    "portal.publish"
                } else {
                    "portal.unpublish"
                },
                &item,
            ),
        )
        .await?;
        let item = tx.portal_item(id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(item)
    }

    /// The secretariat moves an item one place up or down in the portal's order.
    pub async fn move_portal_item(&self, ctx: &Ctx, id: &str, up: bool) -> AppResult<PortalItem> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let item = self.secretariat_item(&mut tx, ctx, id).await?;
        tx.move_portal_item(id, if up { -1 } else { 1 }).await?;
        tx.audit(now, portal_entry(ctx, "portal.order", &item))
            .await?;
        let item = tx.portal_item(id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(item)
    }

    /// Attaches a publication's PDF (checked to be one, at most [`MAX_FILE`]).
    pub async fn put_portal_file(
        &self,
        ctx: &Ctx,
        id: &str,
        name: &str,
        content: Vec<u8>,
    ) -> AppResult<PortalItem> {
        let mut errs = Invalid::default();
        let name = validate::text(&mut errs, "file", name, false, 200);
        crate::files::check(&mut errs, "file", &content, &[crate::files::Kind::Pdf]);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let item = self.changeable(&mut tx, ctx, id).await?;
        errs.into_result()?;
        let name = crate::files::download_name(&name, "documento", crate::files::Kind::Pdf);
        let digest = hex::encode(sha2::Sha256::digest(&content));
        tx.put_portal_file(id, &name, &digest, content).await?;
        let mut e = portal_entry(ctx, "portal.file", &item);
        e.detail = Some(format!("sha256={digest}"));
        tx.audit(now, e).await?;
        let item = tx.portal_item(id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(item)
    }

    /// An item's PDF for those who work on it (the portal serves published ones itself).
    pub async fn portal_item_file(&self, ctx: &Ctx, id: &str) -> AppResult<(String, Vec<u8>)> {
        let mut tx = self.store.read().await?;
        let item = tx
            .portal_item(id)
            .await?
            .filter(|i| may_see(ctx, i))
            .ok_or(AppError::NotFound)?;
        let file = tx.portal_file(id).await?.ok_or(AppError::NotFound)?;
        tx.audit(self.now_ms(), portal_entry(ctx, "portal.file_read", &item))
            .await?;
        tx.commit().await?;
        Ok(file)
    }

    async fn changeable(
        &self,
        tx: &mut enlace_store::Tx,
        ctx: &Ctx,
        id: &str,
    ) -> AppResult<PortalItem> {
        let item = tx
            .portal_item(id)
            .await?
            .filter(|i| may_see(ctx, i))
            .ok_or(AppError::NotFound)?;
        if !may_change(ctx, &item) {
            return Err(AppError::Forbidden);
        }
        Ok(item)
    }

    async fn secretariat_item(
        &self,
        tx: &mut enlace_store::Tx,
        ctx: &Ctx,
        id: &str,
    ) -> AppResult<PortalItem> {
        let item = tx
            .portal_item(id)
            .await?
            .filter(|i| may_see(ctx, i))
            .ok_or(AppError::NotFound)?;
        if ctx.actor.role != Role::Secretariat {
            return Err(AppError::Forbidden);
        }
        Ok(item)
    }

    // What the portal may read: only these, each limited to what is published.

    /// Published items, in order (one kind, or all).
    /// One published item, for the public portal.
    pub async fn portal_published_item(&self, id: &str) -> AppResult<Option<PortalItem>> {
        Ok(self.store.portal_published_item(id).await?)
    }

    pub async fn portal_published(&self, kind: Option<&str>) -> AppResult<Vec<PortalItem>> {
        Ok(self.store.portal_published(kind).await?)
    }

    /// A published item's PDF.
    pub async fn portal_published_file(&self, id: &str) -> AppResult<(String, Vec<u8>)> {
        self.store
            .portal_published_file(id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The directory of key actors: approved entries whose approved version is public,
    /// each in its approved version only.
    pub async fn portal_directory(&self) -> AppResult<Vec<(Country, DirectoryData)>> {
        Ok(self
            .store
            .directory_public()
            .await?
            .into_iter()
            .filter_map(|r| {
                let d: DirectoryData = serde_json::from_str(r.approved.as_deref()?).ok()?;
                Some((r.country, d))
            })
            .collect())
    }
}

/// Fictional portal content for the demo: a publication, an event with its English title
/// missing, a campaign, and a proposal still waiting for the secretariat.
pub(crate) async fn seed_demo(tx: &mut enlace_store::Tx, now: i64) -> AppResult<()> {
    let day = 24 * 3600 * 1000;
    let in_a_month = enlace_domain::clock::format_utc(now + 30 * day);
    let items = [
        ("publication", "Guía regional de indicadores (demostración)", "Regional indicators guide (demo)", "Documento ficticio de demostración sobre cómo la Red mide el tráfico ilícito de migrantes.", "A fictional demo document on how the Network measures migrant smuggling.", None, "", "published"),
        ("event", "Taller regional sobre documentos fraudulentos (demostración)", "", "Taller ficticio para los funcionarios de enlace.", "", Some(in_a_month.get(..10).unwrap_or_default().to_string()), "Ciudad de Panamá", "published"),
        ("campaign", "Campaña «Viaja seguro» (demostración)", "“Travel safe” campaign (demo)", "Campaña ficticia de prevención: los traficantes mienten sobre los riesgos del viaje.", "A fictional prevention campaign: smugglers lie about the risks of the journey.", None, "", "published"),
    ];
    for (kind, tes, ten, bes, ben, date, place, status) in items {
        let f = PortalFields {
            kind: kind.into(),
            title_es: tes.into(),
            title_en: ten.into(),
            body_es: bes.into(),
            body_en: ben.into(),
            event_date: date,
            place: place.into(),
            link: String::new(),
        };
        tx.insert_portal_item(&f, status, "demo", None, now).await?;
    }
    let proposal = PortalFields {
        kind: "campaign".into(),
        title_es: "Propuesta de campaña en la frontera sur (demostración)".into(),
        body_es: "Propuesta ficticia de Guatemala, pendiente de la Secretaría.".into(),
        ..Default::default()
    };
    tx.insert_portal_item(&proposal, "proposed", "demo", Some("gt"), now)
        .await?;
    Ok(())
}

/// `a`, or `b` when `a` is empty.
fn or_other<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        assert!(is_date("2026-02-28"));
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("28/02/2026"));
    }

    #[test]
    fn an_event_needs_a_date_and_a_title_in_one_language() {
        let e = PortalInput {
            kind: Some("event".into()),
            ..Default::default()
        }
        .fields(None)
        .err()
        .map(|i| i.0.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>());
        assert_eq!(
            e,
            Some(vec![("title_es", "required"), ("event_date", "required")])
        );
        let ok = PortalInput {
            kind: Some("campaign".into()),
            title_en: Some("Only in English".into()),
            ..Default::default()
        }
        .fields(None);
        assert!(ok.is_ok());
    }
}
