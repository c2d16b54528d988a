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
use std::collections::HashMap;

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

impl EntityInput {
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

/// What an import took in and refused. Its size is bounded whatever the file: it lists at
/// most [`IMPORT_REPORT_LIMIT`] rejected lines and ids, and counts the rest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    /// Accepted lines (entities written).
    pub accepted: usize,
    /// Rejected lines, all of them counted.
    pub rejected_total: usize,
    /// The first [`IMPORT_REPORT_LIMIT`] rejected lines with their reasons, in file order.
    pub rejected: Vec<ImportRejection>,
    /// The ids given to the first [`IMPORT_REPORT_LIMIT`] accepted entities, in file order.
    pub ids: Vec<String>,
}

/// How many rejected lines, and how many ids of accepted entities, an import report lists.
pub const IMPORT_REPORT_LIMIT: usize = 1000;

impl ImportReport {
    fn reject(&mut self, r: ImportRejection) {
        self.rejected_total += 1;
        if self.rejected.len() < IMPORT_REPORT_LIMIT {
            self.rejected.push(r);
        }
    }
    fn accept(&mut self, id: &str) {
        self.accepted += 1;
        if self.ids.len() < IMPORT_REPORT_LIMIT {
            self.ids.push(id.to_string());
        }
    }
}

/// The ids an import file gives its lines, each mapped to the platform id its entity
/// received: how a later line links to an earlier one. Kept as two 128-bit values per
/// entity (a SHA-256 prefix of the file's id, the platform id), so memory grows by a fixed
/// few dozen bytes per accepted entity, never with the length of the ids in the file.
#[derive(Default)]
pub(crate) struct FileIds(HashMap<[u8; 16], [u8; 16]>);

impl FileIds {
    fn key(file_id: &str) -> [u8; 16] {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(file_id.as_bytes());
        let mut k = [0u8; 16];
        k.copy_from_slice(&d[..16]);
        k
    }
    fn insert(&mut self, file_id: &str, id: &str) {
        let mut v = [0u8; 16];
        // Platform ids are 32 hex digits (`new_id`).
        if hex::decode_to_slice(id, &mut v).is_ok() {
            self.0.insert(Self::key(file_id), v);
        }
    }
    fn get(&self, file_id: &str) -> Option<String> {
        self.0.get(&Self::key(file_id)).map(hex::encode)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportRejection {
    pub line: usize,
    pub code: String,
    pub fields: Vec<String>,
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

    pub async fn update_entity(
        &self,
        ctx: &Ctx,
        id: &str,
        input: &EntityInput,
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
        let mut tx = self.store.begin().await?;
        let viewer = Viewer::of(&ctx.actor);
        let Some(e) = tx.entity_visible(&viewer, id).await? else {
            let mut a = ctx.entry("entity.read", "not_found");
            a.object_kind = Some("entity".into());
            a.object_id = Some(id.chars().take(64).collect());
            tx.audit(now, a).await?;
            tx.commit().await?;
            return Err(AppError::NotFound);
        };
        let referring = tx.entities_referring_visible(&viewer, id).await?;
        let referred = if with_referred {
            let ids: Vec<String> = e
                .properties
                .iter()
                .filter(|(k, _)| ftm::prop_type(&e.schema, k) == Some(PropType::Entity))
                .flat_map(|(_, v)| v.iter().cloned())
                .collect();
            tx.entities_visible_by_ids(&viewer, &ids).await?
        } else {
            vec![]
        };
        tx.audit(now, entity_entry(ctx, "entity.read", &e, None))
            .await?;
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
        let mut tx = self.store.begin().await?;
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
        a.detail = Some(format!(
            "q={} returned={} total={total}",
            q.chars().take(200).collect::<String>(),
            list.len()
        ));
        tx.audit(now, a).await?;
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
        let mut tx = self.store.begin().await?;
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
        tx.audit(self.now_ms(), a).await?;
        tx.commit().await?;
        Ok(page)
    }

    /// A case's entities as FollowTheMoney JSON Lines; audited as one export.
    pub async fn export_case(&self, ctx: &Ctx, case_id: &str) -> AppResult<String> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
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

    /// Imports FollowTheMoney JSON Lines into a case. Each line is accepted whole or rejected
    /// with its reason; accepted lines are written in batches, each batch in one transaction
    /// with its audit row. Ids in the file link lines to each other.
    pub async fn import_lines<I>(
        &self,
        ctx: &Ctx,
        case_id: &str,
        lines: I,
    ) -> AppResult<ImportReport>
    where
        I: IntoIterator<Item = String>,
    {
        self.import_from(ctx, case_id, ImportSource::Lines(lines.into_iter()))
            .await
    }

    /// [`App::import_lines`] fed by a channel of packets of lines, for a file streamed in
    /// (the API reads the request body line by line): at most a few batches of lines are
    /// ever held in memory, bounded in bytes as well as in lines.
    pub async fn import_stream(
        &self,
        ctx: &Ctx,
        case_id: &str,
        lines: tokio::sync::mpsc::Receiver<Vec<ImportLine>>,
    ) -> AppResult<ImportReport> {
        self.import_from(
            ctx,
            case_id,
            ImportSource::<std::iter::Empty<String>>::Stream {
                rx: lines,
                pending: Vec::new().into_iter(),
            },
        )
        .await
    }

    async fn import_from<I>(
        &self,
        ctx: &Ctx,
        case_id: &str,
        mut source: ImportSource<I>,
    ) -> AppResult<ImportReport>
    where
        I: Iterator<Item = String>,
    {
        // Lines per transaction: large enough that the fsync of each commit is amortised.
        const BATCH: usize = 4000;
        let mut report = ImportReport {
            accepted: 0,
            rejected_total: 0,
            rejected: vec![],
            ids: vec![],
        };
        let mut local = FileIds::default();
        let mut line_no = 0usize;
        // Parsing and validation need no database: the next batch is parsed on a blocking
        // thread while this one is written, so a bulk import keeps both cores busy.
        let parse = |chunk: Vec<(usize, ImportLine)>| {
            tokio::task::spawn_blocking(move || {
                chunk
                    .into_iter()
                    .filter_map(|(n, line)| parse_import_line(n, line))
                    .collect::<Vec<_>>()
            })
        };
        let lost = |_| AppError::Internal("import worker".into());
        let first = source.next_chunk(BATCH, &mut line_no).await;
        if first.is_empty() {
            return Ok(report);
        }
        let mut parsing = parse(first);
        // The match index of the previous batch, updated while this one is parsed and written.
        let mut indexing: Option<tokio::task::JoinHandle<()>> = None;
        let mut written_once = false;
        loop {
            let parsed = parsing.await.map_err(lost)?;
            let chunk = source.next_chunk(BATCH, &mut line_no).await;
            let more = !chunk.is_empty();
            parsing = parse(chunk);
            // A batch with nothing to write (only refused or blank lines) needs no
            // transaction once the case has been checked and the import audited: a file of
            // junk costs neither a commit nor an audit row per batch.
            if written_once && more && parsed.iter().all(Result::is_err) {
                for p in parsed {
                    if let Err(rejection) = p {
                        report.reject(rejection);
                    }
                }
                continue;
            }
            written_once = true;
            let now = self.now_ms();
            let mut tx = self.store.begin().await?;
            let case = self.editable_case(&mut tx, ctx, case_id).await?;
            let mut rows: Vec<enlace_store::entities::BulkEntity> = vec![];
            for p in parsed {
                let p = match p {
                    Ok(p) => p,
                    Err(rejection) => {
                        report.reject(rejection);
                        continue;
                    }
                };
                let linked = !p.refs.is_empty();
                let (props, refs) = match self
                    .resolve(&mut tx, ctx, &p.schema, p.props, p.refs, &local)
                    .await
                {
                    Ok(r) => r,
                    Err(AppError::Invalid(inv)) => {
                        report.reject(rejection(p.line, "invalid_input", &inv));
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let id = enlace_store::new_id();
                // Links were rewritten to platform ids: their caption and terms follow.
                let (caption, terms) = if linked {
                    (ftm::caption(&p.schema, &props), terms_of(&p.schema, &props))
                } else {
                    (p.caption, p.terms)
                };
                if let Some(given) = p.given_id {
                    local.insert(&given, &id);
                }
                report.accept(&id);
                rows.push(enlace_store::entities::BulkEntity {
                    id,
                    schema: p.schema,
                    caption,
                    terms,
                    properties: props,
                    refs,
                });
            }
            let mut a = ctx.entry("entity.import", "ok");
            a.object_kind = Some("case".into());
            a.object_id = Some(case.id.clone());
            a.object_country = Some(case.owner_country.code().to_string());
            a.case_reference = Some(case.reference.clone());
            a.detail = Some(format!("accepted={}", rows.len()));
            tx.insert_entities_bulk(&case, &rows, &ctx.actor.user_id, now)
                .await?;
            tx.audit(now, a).await?;
            tx.commit().await?;
            if let Some(h) = indexing.take() {
                h.await
                    .map_err(|_| AppError::Internal("match index update".into()))?;
            }
            let owner = case.owner_country;
            indexing = Some(
                self.index_entities_in_background(
                    rows.into_iter()
                        .map(|r| (r.id, owner, r.schema, r.properties))
                        .collect(),
                ),
            );
            if !more {
                break;
            }
        }
        if let Some(h) = indexing {
            h.await
                .map_err(|_| AppError::Internal("match index update".into()))?;
        }
        Ok(report)
    }
}

/// An import line that passed the checks needing no database.
struct ParsedLine {
    line: usize,
    given_id: Option<String>,
    schema: String,
    props: Properties,
    refs: Vec<(String, String)>,
    caption: String,
    terms: Vec<String>,
}

fn rejection(line: usize, code: &str, inv: &Invalid) -> ImportRejection {
    ImportRejection {
        line,
        code: code.into(),
        fields: inv
            .0
            .iter()
            .map(|f| format!("{}:{}", f.field, f.code))
            .collect(),
    }
}

/// One line of an import as it arrives.
#[derive(Debug)]
pub enum ImportLine {
    Text(String),
    /// Longer than an entity may be ([`MAX_IMPORT_LINE`]): rejected unread.
    TooLong,
    /// Not UTF-8.
    BadUtf8,
}

/// The longest line an import accepts (bytes).
pub const MAX_IMPORT_LINE: usize = 1024 * 1024;

/// The most text one batch of an import holds (besides its 4,000-line limit): with long
/// lines, a batch closes early, so the batches in flight stay a few dozen megabytes.
pub const IMPORT_BATCH_BYTES: usize = 16 * 1024 * 1024;

impl ImportLine {
    /// The text it holds, in bytes.
    pub fn len(&self) -> usize {
        match self {
            ImportLine::Text(t) => t.len(),
            ImportLine::TooLong | ImportLine::BadUtf8 => 0,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where an import's lines come from.
enum ImportSource<I> {
    Lines(I),
    /// Packets of lines from a channel; `pending` is what is left of the last packet.
    Stream {
        rx: tokio::sync::mpsc::Receiver<Vec<ImportLine>>,
        pending: std::vec::IntoIter<ImportLine>,
    },
}

impl<I: Iterator<Item = String>> ImportSource<I> {
    /// Up to `n` more lines (fewer once they hold [`IMPORT_BATCH_BYTES`]), numbered from
    /// `*line_no + 1`; empty at the end.
    async fn next_chunk(&mut self, n: usize, line_no: &mut usize) -> Vec<(usize, ImportLine)> {
        let mut out = Vec::with_capacity(n.min(4096));
        let mut bytes = 0usize;
        while out.len() < n && bytes < IMPORT_BATCH_BYTES {
            let next = match self {
                ImportSource::Lines(it) => it.next().map(ImportLine::Text),
                ImportSource::Stream { rx, pending } => match pending.next() {
                    Some(line) => Some(line),
                    None => match rx.recv().await {
                        Some(packet) => {
                            *pending = packet.into_iter();
                            continue;
                        }
                        None => None,
                    },
                },
            };
            let Some(line) = next else {
                break;
            };
            *line_no += 1;
            bytes += line.len();
            out.push((*line_no, line));
        }
        out
    }
}

/// Parses and validates one import line (`None` for a blank line).
fn parse_import_line(line: usize, text: ImportLine) -> Option<Result<ParsedLine, ImportRejection>> {
    let text = match text {
        ImportLine::Text(t) => t,
        ImportLine::TooLong | ImportLine::BadUtf8 => {
            let code = if matches!(text, ImportLine::TooLong) {
                "line_too_long"
            } else {
                "bad_utf8"
            };
            return Some(Err(ImportRejection {
                line,
                code: code.into(),
                fields: vec![],
            }));
        }
    };
    if text.trim().is_empty() {
        return None;
    }
    if text.len() > MAX_IMPORT_LINE {
        return Some(Err(ImportRejection {
            line,
            code: "line_too_long".into(),
            fields: vec![],
        }));
    }
    let v: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(_) => {
            return Some(Err(ImportRejection {
                line,
                code: "bad_json".into(),
                fields: vec![],
            }))
        }
    };
    let checked = EntityInput::from_json(&v).and_then(|input| {
        let (props, refs) = ftm::validate_properties(&input.schema, &input.properties)?;
        Ok((input.schema, props, refs))
    });
    Some(match checked {
        Ok((schema, props, refs)) => Ok(ParsedLine {
            line,
            given_id: v.get("id").and_then(Value::as_str).map(str::to_string),
            caption: ftm::caption(&schema, &props),
            terms: terms_of(&schema, &props),
            schema,
            props,
            refs,
        }),
        Err(inv) => Err(rejection(line, "invalid_input", &inv)),
    })
}
