//! Hit/no-hit checks: "does any country hold something on this person, phone, document,
//! plate, vessel or account?" Answered from an in-memory index of every entity (the one
//! place that looks past distribution), revealing only owner country, an opaque reference,
//! the score and which features matched — never content the asker may not see.
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::disclosure::{self, Band};
use enlace_domain::ftm::Properties;
use enlace_domain::{Country, Invalid};
use enlace_match::{Index, PersonRecord};
use enlace_store::checks::NewCheck;
use enlace_store::entities::IndexPage;
use enlace_store::Viewer;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The index of matchable records and who owns each.
#[derive(Default)]
pub struct CheckIndex {
    index: Index,
    owners: HashMap<String, Country>,
    /// While the index warms at start (`Some`): every write and deletion made meanwhile, in
    /// order, replayed on the freshly built index when it is swapped in. A write that lands
    /// after its row's page was read is thereby not lost, and one read twice (in its page
    /// and here) ends the same. `None` once the index is ready.
    pending: Option<Vec<PendingWrite>>,
}

/// A write made while the index warms: the entity's id and its record (`None`: removed).
type PendingWrite = (String, Option<(Country, PersonRecord)>);

/// For tests: pauses the warm-up after the store was read and before the swap, so a test
/// sees the warming state and can write meanwhile (the writes must survive the swap).
#[derive(Default)]
pub struct WarmHold {
    /// Notified once every page was read.
    pub read: tokio::sync::Notify,
    /// Notify to let the index be swapped in.
    pub release: tokio::sync::Notify,
}

/// Entities read per page while the index warms: bounds the rows held at once.
const WARM_PAGE: i64 = 20_000;

/// Seconds a client is told to wait (`Retry-After`) while the index warms.
pub const WARMING_RETRY_SECS: i64 = 5;

/// The entity as the matcher reads it.
fn matchable(schema: &str, props: &Value) -> Value {
    json!({"schema": schema, "properties": props})
}

impl CheckIndex {
    fn put(&mut self, id: &str, owner: Country, schema: &str, props: &Properties) {
        let v = matchable(schema, &serde_json::to_value(props).unwrap_or_default());
        let rec = PersonRecord::from_ftm_with_country(&v, Some(owner.code()));
        self.put_record(id.to_string(), owner, rec);
    }
    /// Replaces what the index holds for `id` (nothing matchable: removes it).
    fn put_record(&mut self, id: String, owner: Country, rec: Option<PersonRecord>) {
        if let Some(pending) = &mut self.pending {
            pending.push((id, rec.map(|r| (owner, r))));
            return;
        }
        self.index.remove(&id);
        self.owners.remove(&id);
        if let Some(rec) = rec {
            self.index.insert(id.clone(), &rec);
            self.owners.insert(id, owner);
        }
    }
    fn forget(&mut self, id: &str) {
        if let Some(pending) = &mut self.pending {
            pending.push((id.to_string(), None));
            return;
        }
        self.index.remove(id);
        self.owners.remove(id);
    }
    pub(crate) fn mark_warming(&mut self) {
        self.pending.get_or_insert_with(Vec::new);
    }
    /// Whether the index is still being built at start (checks answer 503 meanwhile).
    pub fn is_warming(&self) -> bool {
        self.pending.is_some()
    }
    pub fn len(&self) -> usize {
        self.index.len()
    }
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

pub(crate) type SharedIndex = std::sync::Arc<RwLock<CheckIndex>>;

/// One country's answer. For a record the asker may not see it says only hit or no hit, an
/// opaque reference, the band and the owner's focal point (`enlace_domain::disclosure`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountryAnswer {
    pub country: Country,
    pub hit: bool,
    /// Opaque: it means nothing outside the platform; information requests cite it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `strong` or `possible`, on a hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band: Option<Band>,
    /// On a hit: the match score when the asker may see the record, otherwise the band's
    /// fixed value (strong 0.9, possible 0.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Which features matched and how much each counted: only when the asker may see the
    /// record.
    #[schema(value_type = Vec<Object>)]
    pub explanation: Vec<Value>,
    /// The record itself, when the asker may already see it.
    #[schema(value_type = Option<Object>)]
    pub record: Option<Value>,
    /// Whom to contact in the owner country (from its approved directory entries).
    pub focal_point: Option<crate::directory::DirectoryData>,
}

impl CountryAnswer {
    fn no_hit(country: Country) -> CountryAnswer {
        CountryAnswer {
            country,
            hit: false,
            reference: None,
            band: None,
            score: None,
            explanation: vec![],
            record: None,
            focal_point: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckAnswer {
    pub id: String,
    pub results: Vec<CountryAnswer>,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CheckInput {
    /// Why the check is made (kept in the audit log, shown to the owner country).
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub purpose: String,
    /// The asker's case or file reference.
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub case_reference: String,
    /// A FollowTheMoney entity: a Person (name, birthDate, nationality), or a phone,
    /// document, plate, vessel, account or e-mail as its schema defines. Values are read as
    /// people type them: dates as `14/12/1978` or `1978-12-14`; a phone without its country
    /// code is tried with the asker's country, the subject's nationality and every member
    /// country whose numbering plan fits its digits; documents, plates and accounts with or
    /// without separators. A value a property refuses answers 422 naming the property.
    #[serde(default)]
    #[schema(required = true, value_type = Object)]
    pub subject: Value,
}

const SCHEMAS: &[&str] = &[
    "Person",
    "Organization",
    "Company",
    "Vehicle",
    "Vessel",
    "Identification",
    "Passport",
    "BankAccount",
    "UserAccount",
];

/// The check index being built at start: records parsed and prepared on every thread, page
/// by page, their posting lists filled at the end ([`enlace_match::IndexBuilder`]).
struct Building {
    threads: usize,
    builder: enlace_match::IndexBuilder,
    owners: HashMap<String, Country>,
}

impl Building {
    fn new(threads: usize) -> Building {
        Building {
            threads,
            builder: enlace_match::IndexBuilder::new(threads),
            owners: HashMap::new(),
        }
    }

    /// Parses a page of stored rows into matcher records (split over the threads: the JSON
    /// is the costly part) and adds them in order.
    fn add_page(&mut self, store: &enlace_store::Store, page: IndexPage) -> Result<(), String> {
        let page = page.rows().map_err(|e| e.to_string())?;
        let per = page.len().div_ceil(self.threads).max(1);
        type Parsed = Vec<(String, Country, PersonRecord)>;
        let parts: Vec<Result<Parsed, String>> = std::thread::scope(|sc| {
            let handles: Vec<_> = page
                .chunks(per)
                .map(|rows| {
                    sc.spawn(move || {
                        let mut out = Vec::with_capacity(rows.len());
                        for row in rows {
                            let props =
                                store.index_row_properties(row).map_err(|e| e.to_string())?;
                            let rec = PersonRecord::from_ftm_properties_json(
                                row.schema,
                                &props,
                                Some(row.owner.code()),
                            )
                            .map_err(|e| format!("stored properties of {}: {e}", row.id))?;
                            if let Some(rec) = rec {
                                out.push((row.id.to_owned(), row.owner, rec));
                            }
                        }
                        Ok(out)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a thread building index records panicked".into()))
                })
                .collect()
        });
        let mut batch = Vec::with_capacity(page.len());
        for part in parts {
            for (id, owner, rec) in part? {
                self.owners.insert(id.clone(), owner);
                batch.push((id, rec));
            }
        }
        self.builder.add_batch(batch);
        Ok(())
    }

    fn finish(self) -> CheckIndex {
        CheckIndex {
            index: self.builder.finish(),
            owners: self.owners,
            pending: None,
        }
    }
}

/// The outcome of a page's blocking task.
fn joined(r: Result<Result<Building, String>, tokio::task::JoinError>) -> AppResult<Building> {
    r.map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

impl App {
    /// Rebuilds the index from the store and waits for it (tests; the server warms it in
    /// the background with [`App::warm_check_index`]).
    pub async fn rebuild_check_index(&self) -> AppResult<usize> {
        self.rebuild_check_index_in_pages(WARM_PAGE).await
    }

    /// [`App::rebuild_check_index`] reading `page` entities at a time (tests use small pages,
    /// as they cannot store a whole page of the real size).
    #[doc(hidden)]
    pub async fn rebuild_check_index_in_pages(&self, page: i64) -> AppResult<usize> {
        self.checks
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .mark_warming();
        self.build_check_index(None, page.max(1)).await
    }

    /// Marks the index warming and builds it on a background task: checks answer 503
    /// `index_warming` (with `Retry-After`) until it is swapped in. A failed build is
    /// retried after a pause. `hold`, for tests only, keeps the built index from being
    /// swapped in until released, so the warming state can be observed.
    pub fn warm_check_index(&self, hold: Option<Arc<WarmHold>>) {
        self.checks
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .mark_warming();
        let app = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            loop {
                match app.build_check_index(hold.clone(), WARM_PAGE).await {
                    Ok(n) => {
                        tracing::info!(
                            records = n,
                            ms = started.elapsed().as_millis() as u64,
                            "check index ready"
                        );
                        break;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "building the check index failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    }
                }
            }
        });
    }

    /// Whether checks are refused because the index is still warming.
    pub fn check_index_warming(&self) -> bool {
        self.checks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_warming()
    }

    /// Reads the store page by page into a private index (records built on blocking
    /// threads, one page parsed while the next is read), then swaps it in after replaying
    /// the writes made meanwhile. The live index stays in its warming state until then.
    async fn build_check_index(
        &self,
        hold: Option<Arc<WarmHold>>,
        page_size: i64,
    ) -> AppResult<usize> {
        let threads = enlace_match::available_threads();
        let mut building = Some(Building::new(threads));
        let mut after: Option<String> = None;
        // The page being parsed and indexed on blocking threads while the next one is read.
        let mut indexing: Option<tokio::task::JoinHandle<Result<Building, String>>> = None;
        let (mut t_read, mut t_wait) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        loop {
            let t0 = std::time::Instant::now();
            let page = self
                .store
                .unrestricted_index_page(SCHEMAS, after.as_deref(), page_size)
                .await?;
            t_read += t0.elapsed();
            let last_page = page.rows < page_size;
            after.clone_from(&page.last);
            let t0 = std::time::Instant::now();
            if let Some(h) = indexing.take() {
                building = Some(joined(h.await)?);
            }
            t_wait += t0.elapsed();
            let mut b = building
                .take()
                .ok_or_else(|| AppError::Internal("the index builder was lost".into()))?;
            let store = self.store.clone();
            indexing = Some(tokio::task::spawn_blocking(move || {
                b.add_page(&store, page)?;
                Ok(b)
            }));
            if last_page {
                break;
            }
        }
        let built = match indexing.take() {
            Some(h) => joined(h.await)?,
            None => building
                .take()
                .ok_or_else(|| AppError::Internal("the index builder was lost".into()))?,
        };
        let t0 = std::time::Instant::now();
        // Posting lists are filled on every thread too.
        let mut fresh = tokio::task::spawn_blocking(move || built.finish())
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        tracing::info!(
            read_ms = t_read.as_millis() as u64,
            wait_ms = t_wait.as_millis() as u64,
            finish_ms = t0.elapsed().as_millis() as u64,
            "check index built"
        );
        if let Some(hold) = hold {
            hold.read.notify_one();
            hold.release.notified().await;
        }
        // The swap: the writes made while warming are replayed under the lock, so none can
        // slip between the replay and the swap.
        let mut live = self.checks.write().unwrap_or_else(|p| p.into_inner());
        for (id, rec) in live.pending.take().unwrap_or_default() {
            match rec {
                Some((owner, rec)) => fresh.put_record(id, owner, Some(rec)),
                None => fresh.forget(&id),
            }
        }
        let n = fresh.len();
        *live = fresh;
        Ok(n)
    }

    /// Indexes a batch of committed entities on a blocking thread, so that a bulk import
    /// goes on parsing and writing the next batch meanwhile. The records are built outside
    /// the lock; the caller awaits the handle before it reports the import done.
    pub(crate) fn index_entities_in_background(
        &self,
        rows: Vec<(String, Country, String, Properties)>,
    ) -> tokio::task::JoinHandle<()> {
        let checks = self.checks.clone();
        tokio::task::spawn_blocking(move || {
            let built: Vec<(String, Country, Option<PersonRecord>)> = rows
                .into_iter()
                .filter(|(_, _, schema, _)| SCHEMAS.contains(&schema.as_str()))
                .map(|(id, owner, schema, props)| {
                    let v = matchable(&schema, &serde_json::to_value(&props).unwrap_or_default());
                    let rec = PersonRecord::from_ftm_with_country(&v, Some(owner.code()));
                    (id, owner, rec)
                })
                .collect();
            let mut idx = checks.write().unwrap_or_else(|p| p.into_inner());
            for (id, owner, rec) in built {
                idx.put_record(id, owner, rec);
            }
        })
    }

    /// Forgets deleted entities (retention).
    pub(crate) fn unindex_entities(&self, ids: &[String]) {
        let mut idx = self.checks.write().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            idx.forget(id);
        }
    }

    /// Keeps the index current after an entity was written.
    pub(crate) fn index_entity(&self, id: &str, owner: Country, schema: &str, props: &Properties) {
        if SCHEMAS.contains(&schema) {
            self.checks
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .put(id, owner, schema, props);
        }
    }

    pub async fn run_check(&self, ctx: &Ctx, input: &CheckInput) -> AppResult<CheckAnswer> {
        let Some(my_country) = ctx.actor.intelligence_country() else {
            return Err(AppError::Forbidden);
        };
        let mut errs = Invalid::default();
        let purpose =
            enlace_domain::validate::text(&mut errs, "purpose", &input.purpose, true, 500);
        let case_ref = enlace_domain::validate::text(
            &mut errs,
            "case_reference",
            &input.case_reference,
            true,
            100,
        );
        let schema = input
            .subject
            .get("schema")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !enlace_domain::ftm::is_schema(schema) {
            errs.push("subject", "unknown_schema");
        }
        let raw_props = input
            .subject
            .get("properties")
            .cloned()
            .unwrap_or(Value::Null);
        // The subject is read as the entity forms read what people type (dates such as
        // 14/12/1978 become ISO); an error names the property, not the whole subject.
        let mut props = Value::Null;
        if enlace_domain::ftm::is_schema(schema) {
            match enlace_domain::ftm::validate_properties(schema, &raw_props) {
                Ok((p, _)) => props = serde_json::to_value(p).unwrap_or_default(),
                Err(inv) => errs.0.extend(inv.0),
            }
        }
        errs.into_result()?;
        let query =
            PersonRecord::query_from_ftm(&matchable(schema, &props), Some(my_country.code()))
                .ok_or(AppError::Invalid(Invalid::one(
                    "subject",
                    "nothing_to_match",
                )))?;
        let now = self.now_ms();
        // Matches per owner country, best first.
        let matches = {
            let idx = self.checks.read().unwrap_or_else(|p| p.into_inner());
            // Never "no hit" from a half-built index.
            if idx.is_warming() {
                return Err(AppError::Warming {
                    retry_after_secs: WARMING_RETRY_SECS,
                });
            }
            let mut per: HashMap<Country, Vec<enlace_match::Match>> = HashMap::new();
            for m in idx.index.hits(&query, enlace_match::DEFAULT_THRESHOLD, 200) {
                if let Some(owner) = idx.owners.get(&m.id).copied() {
                    per.entry(owner).or_default().push(m);
                }
            }
            per
        };
        let check_id = enlace_store::new_id();
        let viewer = Viewer::of(&ctx.actor);
        let mut tx = self.store.begin().await?;
        // Counted and recorded in the same write transaction: the hourly limit holds under
        // concurrent checks.
        let since = now - 3600 * 1000;
        if tx.checks_since(&ctx.actor.user_id, since).await? >= self.config.checks_per_hour {
            return Err(AppError::RateLimited {
                retry_after_secs: 600,
            });
        }
        tx.insert_check(
            &NewCheck {
                id: &check_id,
                user_id: &ctx.actor.user_id,
                country: Some(my_country.code()),
                purpose: &purpose,
                case_reference: &case_ref,
                subject: &input.subject.to_string(),
                hits: matches.len() as i64,
            },
            now,
        )
        .await?;
        let mut results = vec![];
        for country in Country::all() {
            let Some(list) = matches.get(&country) else {
                results.push(CountryAnswer::no_hit(country));
                continue;
            };
            // Show a record the asker may already see when there is one; otherwise the best
            // one that may be answered at all (a sensitive record exists only for the
            // countries its distribution names).
            let mut chosen = None;
            for m in list.iter().take(20) {
                if let Some(e) = tx.entity_visible(&viewer, &m.id).await? {
                    chosen = Some((m, Some(e)));
                    break;
                }
            }
            if chosen.is_none() {
                for m in list.iter().take(20) {
                    if tx.unrestricted_hit_allowed(&m.id, my_country).await? {
                        chosen = Some((m, None));
                        break;
                    }
                }
            }
            let Some((m, visible)) = chosen else {
                results.push(CountryAnswer::no_hit(country));
                continue;
            };
            // A record the asker may see is explained, and scored, against fixed weights
            // (no frequency taken over the index, which holds hidden records); a hidden one
            // gets only the band of the index's score.
            let evidence = visible.as_ref().and_then(|e| fixed_evidence(&query, e));
            let shown = match &evidence {
                Some((score, _)) => disclosure::hit(*score, true),
                None => disclosure::hit(without_namesakes(m), false),
            };
            let reference = format!("HIT-{}", &enlace_store::random_token()[..16].to_uppercase());
            tx.insert_check_hit(
                &reference,
                &check_id,
                &m.id,
                country.code(),
                (m.score * 1000.0).round() as i64,
            )
            .await?;
            let explanation = match evidence {
                Some((_, feats)) if shown.explain => feats
                    .iter()
                    .map(|f| json!({"feature": f.feature, "contribution": round2(f.contribution), "detail": f.detail}))
                    .collect(),
                _ => vec![],
            };
            // The owner country sees in its audit that this country checked and hit its
            // record (the id is the owner's to read: the asker's own view hides it).
            let mut hit = ctx.entry("check.hit", "ok");
            hit.object_kind = Some("entity".into());
            hit.object_id = Some(m.id.clone());
            hit.object_country = Some(country.code().to_string());
            hit.purpose = Some(purpose.clone());
            hit.case_reference = Some(case_ref.clone());
            hit.detail = Some(format!(
                "reference={reference} band={}",
                shown.band.as_str()
            ));
            tx.audit(now, hit).await?;
            results.push(CountryAnswer {
                country,
                hit: true,
                reference: Some(reference),
                band: Some(shown.band),
                score: Some(shown.score),
                explanation,
                record: visible.map(|e| json!({"id": e.id, "schema": e.schema, "caption": e.caption, "case_id": e.case_id})),
                focal_point: None,
            });
        }
        let mut e = ctx.entry("check.run", "ok");
        e.object_kind = Some("check".into());
        e.object_id = Some(check_id.clone());
        e.purpose = Some(purpose.clone());
        e.case_reference = Some(case_ref.clone());
        e.detail = Some(format!(
            "schema={schema} hits={}",
            results
                .iter()
                .filter(|r| r.hit)
                .map(|r| r.country.code())
                .collect::<Vec<_>>()
                .join(",")
        ));
        tx.audit(now, e).await?;
        // Each owner country's intelligence users learn that their records were hit.
        let mut out = crate::live::Outbox::default();
        for r in results.iter().filter(|r| r.hit && r.country != my_country) {
            let users = tx.intelligence_users_of(&[r.country]).await?;
            let reference = r.reference.clone().unwrap_or_default();
            out.notify(
                &mut tx,
                &users,
                "hit",
                &crate::live::bilingual(
                    &format!("{} consultó y obtuvo coincidencia con un registro de su país ({reference})", my_country.name("es")),
                    &format!("{} checked and hit a record of your country ({reference})", my_country.name("en")),
                ),
                "/notifications",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.publish(out);
        for r in results.iter_mut().filter(|r| r.hit) {
            r.focal_point = self.focal_point(r.country).await?;
        }
        Ok(CheckAnswer {
            id: check_id,
            results,
        })
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The score of a hidden match without its namesakes evidence, which counts every record of
/// the index: the band a caller is told never moves with how many hidden records share a
/// name.
fn without_namesakes(m: &enlace_match::Match) -> f64 {
    let namesakes: f64 = m
        .explanation
        .iter()
        .filter(|f| f.feature == "namesakes")
        .map(|f| f.contribution)
        .sum();
    if namesakes == 0.0 {
        return m.score;
    }
    let p = m.score.clamp(1e-12, 1.0 - 1e-12);
    let logit = (p / (1.0 - p)).ln() - namesakes;
    1.0 / (1.0 + (-logit).exp())
}

/// The score and explanation of a record the caller may see, from the two records alone
/// with fixed weights (the same scorer as the index, without its name frequencies, index
/// size or namesakes): nothing shown is a count of records the caller cannot see.
fn fixed_evidence(
    query: &PersonRecord,
    e: &enlace_store::entities::Entity,
) -> Option<(f64, Vec<enlace_match::Feature>)> {
    let v = matchable(&e.schema, &serde_json::to_value(&e.properties).ok()?);
    let candidate = PersonRecord::from_ftm_with_country(&v, Some(e.owner_country.code()))?;
    Some(enlace_match::compare(query, &candidate))
}

/// A likely match for an entity among the records the viewer may see.
#[derive(Debug, Clone, Serialize)]
pub struct XrefCandidate {
    pub entity: enlace_store::entities::Entity,
    pub score: f64,
    pub explanation: Vec<enlace_match::Feature>,
    /// The viewer's country's decision: `same`, `different` or `unsure`.
    pub decision: Option<String>,
}

pub const XREF_DECISIONS: [&str; 3] = ["same", "different", "unsure"];

impl App {
    /// Cross-referencing: records the viewer may see that look like this one (same phone,
    /// same document, similar person), with the viewer's country's decisions. Hidden records
    /// never appear here (that is what hit/no-hit checks are for).
    pub async fn cross_references(&self, ctx: &Ctx, id: &str) -> AppResult<Vec<XrefCandidate>> {
        let viewer = Viewer::of(&ctx.actor);
        let mut tx = self.store.read().await?;
        let e = tx
            .entity_visible(&viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let subject = matchable(
            &e.schema,
            &serde_json::to_value(&e.properties).unwrap_or_default(),
        );
        let Some(query) =
            PersonRecord::from_ftm_with_country(&subject, Some(e.owner_country.code()))
        else {
            tx.commit().await?;
            return Ok(vec![]);
        };
        let matches: Vec<enlace_match::Match> = {
            let idx = self.checks.read().unwrap_or_else(|p| p.into_inner());
            if idx.is_warming() {
                return Err(AppError::Warming {
                    retry_after_secs: WARMING_RETRY_SECS,
                });
            }
            idx.index
                .hits(&query, enlace_match::DEFAULT_THRESHOLD, 64)
                .into_iter()
                .filter(|m| m.id != e.id)
                .collect()
        };
        let ids: Vec<String> = matches.iter().map(|m| m.id.clone()).collect();
        let visible = tx.entities_visible_by_ids(&viewer, &ids).await?;
        let decisions: HashMap<String, String> = match ctx.actor.intelligence_country() {
            Some(c) => tx.xref_decisions(id, c).await?.into_iter().collect(),
            None => HashMap::new(),
        };
        let mut a = ctx.entry("entity.xref.read", "ok");
        a.object_kind = Some("entity".into());
        a.object_id = Some(e.id.clone());
        a.object_country = Some(e.owner_country.code().to_string());
        a.detail = Some(format!("candidates={}", visible.len()));
        let now = self.now_ms();
        tx.audit(now, a).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "entity.xref.read",
            "entity",
            visible
                .iter()
                .map(|e| (e.id.clone(), e.owner_country, e.sensitive))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        let mut out: Vec<XrefCandidate> = matches
            .into_iter()
            .filter_map(|m| {
                let ent = visible.iter().find(|v| v.id == m.id)?.clone();
                let (score, explanation) = fixed_evidence(&query, &ent)?;
                Some(XrefCandidate {
                    decision: decisions.get(&m.id).cloned(),
                    entity: ent,
                    score: round2(score),
                    explanation,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        Ok(out)
    }

    /// Keeps a country's judgement on a candidate (both records must be visible to the user).
    pub async fn decide_cross_reference(
        &self,
        ctx: &Ctx,
        id: &str,
        candidate: &str,
        decision: &str,
    ) -> AppResult<()> {
        let country = ctx.actor.intelligence_country().ok_or(AppError::NotFound)?;
        if !XREF_DECISIONS.contains(&decision) {
            return Err(AppError::Invalid(Invalid::one("decision", "bad_decision")));
        }
        let viewer = Viewer::of(&ctx.actor);
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let e = tx
            .entity_visible(&viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.entity_visible(&viewer, candidate)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.set_xref_decision(id, candidate, country, decision, &ctx.actor.user_id, now)
            .await?;
        let mut a = ctx.entry("entity.xref", "ok");
        a.object_kind = Some("entity".into());
        a.object_id = Some(e.id.clone());
        a.object_country = Some(e.owner_country.code().to_string());
        a.detail = Some(format!("candidate={candidate} decision={decision}"));
        tx.audit(now, a).await?;
        tx.commit().await?;
        Ok(())
    }
}
