//! Entities inside case files: create, read, edit, search, FollowTheMoney export and import.
//! Reads and writes are audited in the same transaction; links may only point at entities
//! the author can see.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::ftm::{self, PropType, Properties};
use enlace_domain::policy::{self, Decision, RecordAccess};
use enlace_domain::text;
use enlace_domain::{CaseStatus, Invalid};
use enlace_store::cases::Case;
use enlace_store::entities::{Entity, EntityFilter, NewEntity};
use enlace_store::{Tx, Viewer};
use serde_json::{json, Value};

mod import;
use import::FileIds;
pub use import::{
    ImportLine, ImportRejection, ImportReport, IMPORT_BATCH_BYTES, IMPORT_REPORT_LIMIT,
    MAX_IMPORT_LINE,
};

/// Search terms of an entity: words of its names and texts, compacted identifiers.
pub fn terms_of(schema: &str, props: &Properties) -> Vec<String> {
    let mut out = vec![];
    for (k, values) in props {
        let Some(t) = ftm::prop_type(schema, k) else {
            continue;
        };
        for v in values {
            match t {
                PropType::Name => {
                    for w in text::words(v).into_iter().take(64) {
                        if let Some(p) = phonetic_term(&w) {
                            out.push(p);
                        }
                        out.push(w);
                    }
                }
                PropType::Text => out.extend(text::words(v).into_iter().take(64)),
                PropType::Identifier | PropType::Phone | PropType::Email => {
                    out.push(text::compact(v));
                    if t == PropType::Phone {
                        // Local and international forms both find the number.
                        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
                        if digits.len() > 8 {
                            out.push(digits[digits.len() - 8..].to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out.retain(|t| !t.is_empty());
    out.sort();
    out.dedup();
    out
}

/// A sound-alike term for a name word (`~` + consonant skeleton of its phonetic key), so a
/// misspelt, accent-less surname still finds the person.
fn phonetic_term(word: &str) -> Option<String> {
    if word.chars().count() < 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let k = enlace_match::phonetic::skeleton(&enlace_match::phonetic::key(
        &enlace_match::text::fold(word),
    ));
    (!k.is_empty()).then(|| format!("~{k}"))
}

/// The FollowTheMoney JSON of an entity.
pub fn ftm_json(e: &Entity) -> Value {
    json!({
        "id": e.id,
        "schema": e.schema,
        "properties": e.properties,
        "caption": e.caption,
        "case_id": e.case_id,
        "owner_country": e.owner_country,
        "distribution": {"level": e.distribution.level, "countries": e.distribution.countries},
        "handling": e.handling,
        "evaluation": e.evaluation,
    })
}

fn entity_entry(
    ctx: &Ctx,
    action: &str,
    e: &Entity,
    case_ref: Option<&str>,
) -> enlace_store::audit::NewEntry {
    let mut a = ctx.entry(action, "ok");
    a.object_kind = Some("entity".into());
    a.object_id = Some(e.id.clone());
    a.object_country = Some(e.owner_country.code().to_string());
    a.case_reference = case_ref.map(str::to_string);
    a
}

/// An entity as submitted (API body or import line).
#[derive(Debug, Clone)]
pub struct EntityInput {
    pub schema: String,
    pub properties: Value,
}

/// How an update treats the properties it does not name.
pub enum Change<'a> {
    Replace(&'a EntityInput),
    Patch(&'a EntityInput),
}

impl EntityInput {
    /// This input laid over the entity as it is: an empty schema keeps the entity's, each
    /// named property replaces the stored one (an empty list removes it), the rest stays.
    fn over(&self, old: &Entity) -> EntityInput {
        let mut props: serde_json::Map<String, Value> = old
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Some(named) = self.properties.as_object() {
            for (k, v) in named {
                if v.as_array().is_some_and(|a| a.is_empty()) || v.is_null() {
                    props.remove(k);
                } else {
                    props.insert(k.clone(), v.clone());
                }
            }
        }
        EntityInput {
            schema: if self.schema.is_empty() {
                old.schema.clone()
            } else {
                self.schema.clone()
            },
            properties: Value::Object(props),
        }
    }

    pub fn from_json(v: &Value) -> Result<EntityInput, Invalid> {
        let schema = v
            .get("schema")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if schema.is_empty() {
            return Err(Invalid::one("schema", "required"));
        }
        Ok(EntityInput {
            schema,
            properties: v.get("properties").cloned().unwrap_or(Value::Null),
        })
    }
}

impl App {
    /// The case, if the actor may change it (closed or not): hidden cases are not found.
    pub(crate) async fn case_to_edit(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        case_id: &str,
    ) -> AppResult<Case> {
        let case = tx
            .case_visible(&Viewer::of(&ctx.actor), case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let access = RecordAccess {
            owner: case.owner_country,
            distribution: &case.distribution,
        };
        match policy::decide_edit_record(&ctx.actor, &access) {
            Decision::Allow => Ok(case),
            Decision::Forbidden => Err(AppError::Forbidden),
            Decision::Hidden => Err(AppError::NotFound),
        }
    }

    /// The case, if the actor may add to or change its content (or the case itself).
    pub(crate) async fn editable_case(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        case_id: &str,
    ) -> AppResult<Case> {
        let case = self.case_to_edit(tx, ctx, case_id).await?;
        if case.status == CaseStatus::Closed {
            return Err(AppError::Conflict("case_closed"));
        }
        Ok(case)
    }

    /// Validates properties and resolves entity references: to ids in `local` (earlier lines
    /// of the same import) or to entities the actor can see. Anything else is refused without
    /// saying whether it exists.
    async fn prepare(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        input: &EntityInput,
        local: &FileIds,
    ) -> AppResult<(Properties, Vec<(String, String)>)> {
        let (props, refs) = ftm::validate_properties(&input.schema, &input.properties)?;
        self.resolve(tx, ctx, &input.schema, props, refs, local)
            .await
    }

    /// What validation alone cannot settle: modus operandi codes exist, and links point at
    /// entities the author may see (or at lines of the same import, by their file ids).
    async fn resolve(
        &self,
        tx: &mut Tx,
        ctx: &Ctx,
        schema: &str,
        mut props: Properties,
        refs: Vec<(String, String)>,
        local: &FileIds,
    ) -> AppResult<(Properties, Vec<(String, String)>)> {
        for (k, values) in &props {
            if ftm::prop_type(schema, k) == Some(PropType::ModusOperandi) {
                for v in values {
                    if !tx.mo_code_exists(v).await? {
                        return Err(AppError::Invalid(Invalid::one("properties", "unknown_mo")));
                    }
                }
            }
        }
        let viewer = Viewer::of(&ctx.actor);
        let mut resolved = vec![];
        for (prop, target) in refs {
            let id = match local.get(&target) {
                Some(id) => id,
                None => {
                    if tx.entity_visible(&viewer, &target).await?.is_none() {
                        return Err(AppError::Invalid(Invalid::one(
                            "properties",
                            "unknown_reference",
                        )));
                    }
                    target.clone()
                }
            };
            if let Some(vals) = props.get_mut(&prop) {
                for v in vals.iter_mut() {
                    if *v == target {
                        *v = id.clone();
                    }
                }
            }
            resolved.push((prop, id));
        }
        Ok((props, resolved))
    }

    pub async fn create_entity(
        &self,
        ctx: &Ctx,
        case_id: &str,
        input: &EntityInput,
    ) -> AppResult<Entity> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let case = self.editable_case(&mut tx, ctx, case_id).await?;
        let (props, refs) = self
            .prepare(&mut tx, ctx, input, &FileIds::default())
            .await?;
        let caption = ftm::caption(&input.schema, &props);
        let terms = terms_of(&input.schema, &props);
        let id = tx
            .insert_entity(
                &NewEntity {
                    case: &case,
                    schema: &input.schema,
                    caption: &caption,
                    properties: &props,
                    refs: &refs,
                    terms: &terms,
                },
                &ctx.actor.user_id,
                now,
            )
            .await?;
        self.commit_entity_write(tx, ctx, &id, "entity.create", &case.reference, now)
            .await
    }

    /// Changes an entity. `Change::Replace` (a form, which sends every field) sets exactly the
    /// properties given; `Change::Patch` (the API's PATCH) changes only the properties it
    /// names, an empty list removing one, and keeps the rest. A stale `version` is a 409.
    pub async fn update_entity(
        &self,
        ctx: &Ctx,
        id: &str,
        change: Change<'_>,
        version: Option<i64>,
    ) -> AppResult<Entity> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let viewer = Viewer::of(&ctx.actor);
        let old = tx
            .entity_visible(&viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let case = self.editable_case(&mut tx, ctx, &old.case_id).await?;
        let merged;
        let input = match change {
            Change::Replace(input) => input,
            Change::Patch(input) => {
                merged = input.over(&old);
                &merged
            }
        };
        if input.schema != old.schema {
            return Err(AppError::Invalid(Invalid::one("schema", "schema_change")));
        }
        let (props, refs) = self
            .prepare(&mut tx, ctx, input, &FileIds::default())
            .await?;
        let caption = ftm::caption(&old.schema, &props);
        let terms = terms_of(&old.schema, &props);
        // The term index has no entry by entity: the old terms are worked out to delete them.
        let old_terms = terms_of(&old.schema, &old.properties);
        tx.update_entity(
            id,
            &old_terms,
            &NewEntity {
                case: &case,
                schema: &old.schema,
                caption: &caption,
                properties: &props,
                refs: &refs,
                terms: &terms,
            },
            version.unwrap_or(old.version),
            now,
        )
        .await?;
        self.commit_entity_write(tx, ctx, id, "entity.update", &case.reference, now)
            .await
    }

    /// Reads back an entity just written, audits the write, commits, and only then updates
    /// the match index (which must never hold what a rolled-back write left).
    async fn commit_entity_write(
        &self,
        mut tx: Tx,
        ctx: &Ctx,
        id: &str,
        action: &str,
        case_reference: &str,
        now: i64,
    ) -> AppResult<Entity> {
        let e = tx
            .entity_visible(&Viewer::of(&ctx.actor), id)
            .await?
            .ok_or(AppError::Internal("entity vanished".into()))?;
        tx.audit(now, entity_entry(ctx, action, &e, Some(case_reference)))
            .await?;
        tx.commit().await?;
        self.index_entity(&e.id, e.owner_country, &e.schema, &e.properties);
        Ok(e)
    }

    /// An entity the caller may see, with the entities that refer to it; audited.
    pub async fn get_entity(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> AppResult<(Entity, Vec<(String, Entity)>)> {
        let (e, referring, _) = self.read_entity(ctx, id, false).await?;
        Ok((e, referring))
    }

    /// The entity and the visible entities referring to it, as [`App::get_entity`], and also
    /// the visible entities its own properties refer to: its page names them instead of
    /// showing their ids. One audited read.
    pub async fn get_entity_linked(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> AppResult<(Entity, Vec<(String, Entity)>, Vec<Entity>)> {
        self.read_entity(ctx, id, true).await
    }

    async fn read_entity(
        &self,
        ctx: &Ctx,
        id: &str,
        with_referred: bool,
    ) -> AppResult<(Entity, Vec<(String, Entity)>, Vec<Entity>)> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let viewer = Viewer::of(&ctx.actor);
        let Some(e) = tx.entity_visible(&viewer, id).await? else {
            let mut a = ctx.entry("entity.read", "not_found");
            a.object_kind = Some("entity".into());
            a.object_id = Some(id.chars().take(64).collect());
            tx.audit(now, a).await?;
            tx.commit().await?;
            return Err(AppError::NotFound);
        };
        // Found first, so a hidden entity still answers 404, never 422.
        if e.sensitive && ctx.origin.purpose.is_none() {
            return Err(AppError::PurposeRequired);
        }
        let referring = tx.entities_referring_visible(&viewer, id).await?;
        let referred = if with_referred {
            // What it points at, and the far ends of the links that point at it (a
            // membership's organisation), so a page can say «member of …» by name.
            let ids: Vec<String> = std::iter::once(&e)
                .chain(referring.iter().map(|(_, r)| r))
                .flat_map(|x| {
                    x.properties
                        .iter()
                        .filter(|(k, _)| ftm::prop_type(&x.schema, k) == Some(PropType::Entity))
                        .flat_map(|(_, v)| v.iter().cloned())
                })
                .filter(|i| i != &e.id)
                .collect();
            tx.entities_visible_by_ids(&viewer, &ids).await?
        } else {
            vec![]
        };
        let mut a = entity_entry(ctx, "entity.read", &e, None);
        if e.sensitive {
            a.purpose = ctx.origin.purpose.clone();
            a.detail = Some("sensitive".into());
        }
        tx.audit(now, a).await?;
        tx.commit().await?;
        Ok((e, referring, referred))
    }

    /// Visible entities whose terms match every word of `q` (prefixes; accents and case
    /// ignored); audited with the purpose when given.
    pub async fn search_entities(
        &self,
        ctx: &Ctx,
        q: &str,
        filter: EntityFilter,
        purpose: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<Entity>, i64, bool)> {
        let mut f = filter;
        let mut terms = text::words(q);
        // An identifier typed with separators ("P-123 ABC") is also tried compacted.
        if terms.len() > 1 && q.chars().any(|c| c.is_ascii_digit()) {
            terms = vec![text::compact(q)];
        }
        // A phone number in any format (with or without country prefix) is found by its last
        // eight digits, which every stored phone also carries as a term.
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let phone_like = q
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if phone_like && digits.len() > 8 {
            terms = vec![digits[digits.len() - 8..].to_string()];
        }
        let sounds: Vec<String> = terms.iter().filter_map(|w| phonetic_term(w)).collect();
        f.terms = terms.clone();
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let viewer = Viewer::of(&ctx.actor);
        let (mut list, mut total, mut exact) = tx
            .search_visible(&viewer, &f, limit.clamp(1, 200), offset.max(0))
            .await?;
        // Nothing spelt that way: try how the words sound (typos, s/z, b/v, ll/y, silent h…).
        if total == 0 && !sounds.is_empty() && sounds.len() == terms.len() {
            f.terms = sounds;
            (list, total, exact) = tx
                .search_visible(&viewer, &f, limit.clamp(1, 200), offset.max(0))
                .await?;
        }
        let mut a = ctx.entry("entity.search", "ok");
        a.object_kind = Some("entity".into());
        a.purpose = purpose.map(|p| p.chars().take(500).collect());
        // The query is personal data: sealed at rest (the audit page opens it).
        a.detail = Some(tx.seal_note(
            enlace_store::records::NOTE_AUDIT,
            &format!(
                "q={} returned={} total={total}",
                q.chars().take(200).collect::<String>(),
                list.len()
            ),
        )?);
        tx.audit(now, a).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "entity.search",
            "entity",
            list.iter()
                .map(|e| (e.id.clone(), e.owner_country, e.sensitive))
                .collect(),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok((list, total, exact))
    }

    /// The visible entities of a case, for its page and its export.
    pub async fn case_entities(
        &self,
        ctx: &Ctx,
        case_id: &str,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<Entity>, i64)> {
        let mut tx = self.store.read().await?;
        let viewer = Viewer::of(&ctx.actor);
        let case = tx
            .case_visible(&viewer, case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let f = EntityFilter {
            case_id: Some(case.id.clone()),
            ..Default::default()
        };
        let page = tx.entities_visible(&viewer, &f, limit, offset).await?;
        let mut a = ctx.entry("case.entities", "ok");
        a.object_kind = Some("case".into());
        a.object_id = Some(case.id.clone());
        a.object_country = Some(case.owner_country.code().to_string());
        a.case_reference = Some(case.reference.clone());
        a.detail = Some(format!("returned={}", page.0.len()));
        let now = self.now_ms();
        tx.audit(now, a).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "case.entities",
            "entity",
            page.0
                .iter()
                .map(|e| (e.id.clone(), e.owner_country, e.sensitive))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    /// A case's entities as FollowTheMoney JSON Lines; audited as one export.
    pub async fn export_case(&self, ctx: &Ctx, case_id: &str) -> AppResult<String> {
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let viewer = Viewer::of(&ctx.actor);
        let case = tx
            .case_visible(&viewer, case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let f = EntityFilter {
            case_id: Some(case.id.clone()),
            ..Default::default()
        };
        let mut out = String::new();
        let mut offset = 0;
        loop {
            let (page, _) = tx.entities_visible(&viewer, &f, 1000, offset).await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            crate::audit_returned(
                &mut tx,
                ctx,
                now,
                "case.export",
                "entity",
                page.iter()
                    .map(|e| (e.id.clone(), e.owner_country, e.sensitive))
                    .collect(),
                None,
            )
            .await?;
            for e in &page {
                out.push_str(
                    &json!({"id": e.id, "schema": e.schema, "properties": e.properties})
                        .to_string(),
                );
                out.push('\n');
            }
        }
        let mut a = ctx.entry("case.export", "ok");
        a.object_kind = Some("case".into());
        a.object_id = Some(case.id.clone());
        a.object_country = Some(case.owner_country.code().to_string());
        a.case_reference = Some(case.reference.clone());
        a.detail = Some(format!("entities={offset}"));
        tx.audit(now, a).await?;
        tx.commit().await?;
        Ok(out)
    }
}
