//! FollowTheMoney JSON Lines import into a case file: streamed in batches, each line
//! accepted whole or rejected with its reason; the report and the memory it takes stay
//! bounded whatever the file holds.
use super::{terms_of, EntityInput};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::ftm::{self, Properties};
use enlace_domain::Invalid;
use serde_json::Value;
use std::collections::HashMap;

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
    pub(super) fn get(&self, file_id: &str) -> Option<String> {
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
        source: ImportSource<I>,
    ) -> AppResult<ImportReport>
    where
        I: Iterator<Item = String>,
    {
        let mut pending = Unsynced::default();
        let out = self
            .import_batches(ctx, case_id, source, &mut pending)
            .await;
        // The batches were released into the writer's open transaction without waiting
        // (see `Tx::commit_unsynced`): the import answers, success or error, only once they
        // are durable — what it answers is then on disk.
        let synced = self.sync_import(&mut pending).await;
        match out {
            Ok(report) => synced.map(|_| report),
            Err(e) => Err(e),
        }
    }

    /// Makes the batches released since the last sync durable. If any of them was lost
    /// (its commit failed: no room), the import fails and the match index forgets the
    /// entities it was told of since the last sync, so a check never hits a record that
    /// was not stored.
    async fn sync_import(&self, pending: &mut Unsynced) -> AppResult<()> {
        if let Some(h) = pending.indexing.take() {
            h.await
                .map_err(|_| AppError::Internal("match index update".into()))?;
        }
        let Some((first, last)) = pending.batches.take() else {
            return Ok(());
        };
        let ids = std::mem::take(&mut pending.ids);
        match self.store.sync(first, last).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.unindex_entities(&ids);
                Err(e.into())
            }
        }
    }

    async fn import_batches<I>(
        &self,
        ctx: &Ctx,
        case_id: &str,
        mut source: ImportSource<I>,
        pending: &mut Unsynced,
    ) -> AppResult<ImportReport>
    where
        I: Iterator<Item = String>,
    {
        // Lines per transaction: each holds the write lock for a fraction of a second, so
        // other requests' writes interleave with a long import.
        const BATCH: usize = 4000;
        // The batches of one import share a commit (one fsync, each page written once)
        // until this many lines have been written; then they are made durable, so a huge
        // file does not keep one transaction (and its growing WAL) open to its end.
        const SYNC_LINES: usize = 100_000;
        let mut report = ImportReport {
            accepted: 0,
            rejected_total: 0,
            rejected: vec![],
            ids: vec![],
        };
        let mut local = FileIds::default();
        let mut line_no = 0usize;
        let mut timer = ImportTimer::default();
        // Parsing, validation, term extraction and each entity's stored JSON need no
        // database: the next batch is prepared on a blocking thread while this one is
        // written, so a bulk import keeps both cores busy.
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
        // The match index of the previous batch is updated (`pending.indexing`) while this
        // one is parsed and written.
        let mut written_once = false;
        loop {
            let t = std::time::Instant::now();
            let parsed = parsing.await.map_err(lost)?;
            timer.parse_wait += t.elapsed();
            let t = std::time::Instant::now();
            let chunk = source.next_chunk(BATCH, &mut line_no).await;
            timer.read_wait += t.elapsed();
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
            let t = std::time::Instant::now();
            let now = self.now_ms();
            let mut tx = self.store.begin().await?;
            let case = self.editable_case(&mut tx, ctx, case_id).await?;
            let mut rows: Vec<enlace_store::entities::BulkEntity> =
                Vec::with_capacity(parsed.len());
            for p in parsed {
                let p = match p {
                    Ok(p) => p,
                    Err(rejection) => {
                        report.reject(rejection);
                        continue;
                    }
                };
                let linked = !p.refs.is_empty();
                let (props, refs) = if linked || p.has_mo {
                    match self
                        .resolve(&mut tx, ctx, &p.schema, p.props, p.refs, &local)
                        .await
                    {
                        Ok(r) => r,
                        Err(AppError::Invalid(inv)) => {
                            report.reject(rejection(p.line, "invalid_input", &inv));
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                } else {
                    (p.props, p.refs)
                };
                // Links were rewritten to platform ids: their caption, terms and stored
                // form follow.
                let (caption, terms, json) = if linked {
                    (
                        ftm::caption(&p.schema, &props),
                        terms_of(&p.schema, &props),
                        stored_json(&props)?,
                    )
                } else {
                    (p.caption, p.terms, p.json)
                };
                if let Some(given) = p.given_id {
                    local.insert(&given, &p.id);
                }
                report.accept(&p.id);
                rows.push(enlace_store::entities::BulkEntity {
                    id: p.id,
                    schema: p.schema,
                    caption,
                    terms,
                    properties: props,
                    json,
                    refs,
                });
            }
            let mut a = ctx.entry("entity.import", "ok");
            a.object_kind = Some("case".into());
            a.object_id = Some(case.id.clone());
            a.object_country = Some(case.owner_country.code().to_string());
            a.case_reference = Some(case.reference.clone());
            a.detail = Some(format!("accepted={}", rows.len()));
            timer.prepare += t.elapsed();
            let t = std::time::Instant::now();
            tx.insert_entities_bulk(&case, &rows, &ctx.actor.user_id, now)
                .await?;
            tx.audit(now, a).await?;
            let batch = tx.commit_unsynced().await?;
            pending.released(batch, &rows);
            timer.write += t.elapsed();
            let t = std::time::Instant::now();
            if let Some(h) = pending.indexing.take() {
                h.await
                    .map_err(|_| AppError::Internal("match index update".into()))?;
            }
            timer.index_wait += t.elapsed();
            let owner = case.owner_country;
            pending.indexing = Some(
                self.index_entities_in_background(
                    rows.into_iter()
                        .map(|r| (r.id, owner, r.schema, r.properties))
                        .collect(),
                ),
            );
            if pending.ids.len() >= SYNC_LINES && more {
                let t = std::time::Instant::now();
                self.sync_import(pending).await?;
                timer.sync += t.elapsed();
            }
            if !more {
                break;
            }
        }
        let t = std::time::Instant::now();
        self.sync_import(pending).await?;
        timer.sync += t.elapsed();
        timer.log(&report);
        Ok(report)
    }
}

/// What an import released into the writer's open transaction and has not yet made
/// durable (see `App::sync_import`).
#[derive(Default)]
struct Unsynced {
    /// The first and last batch released since the last sync.
    batches: Option<(u64, u64)>,
    /// The entities written in them (at most `SYNC_LINES` and a batch: bounded).
    ids: Vec<String>,
    /// The match index update of the last batch, still running.
    indexing: Option<tokio::task::JoinHandle<()>>,
}

impl Unsynced {
    fn released(&mut self, batch: u64, rows: &[enlace_store::entities::BulkEntity]) {
        self.batches = Some(match self.batches {
            Some((first, _)) => (first, batch),
            None => (batch, batch),
        });
        self.ids.extend(rows.iter().map(|r| r.id.clone()));
    }
}

/// Where an import's time went (wall time of the writing task, per phase), logged once per
/// import: what shows which phase bounds the rate as the database grows.
#[derive(Default)]
struct ImportTimer {
    /// Waiting for the next batch to be parsed.
    parse_wait: std::time::Duration,
    /// Waiting for the request body's next lines.
    read_wait: std::time::Duration,
    /// The write lock, the case check and resolving links.
    prepare: std::time::Duration,
    /// The inserts and the audit row.
    write: std::time::Duration,
    /// Making batches durable on the way.
    sync: std::time::Duration,
    /// Waiting for the match index update of the previous batch.
    index_wait: std::time::Duration,
}

impl ImportTimer {
    fn log(&self, report: &ImportReport) {
        // Small imports (the demo's, a pasted form) are not worth a line in the log.
        if report.accepted + report.rejected_total < 4000 {
            return;
        }
        let ms = |d: std::time::Duration| d.as_millis() as u64;
        tracing::info!(
            accepted = report.accepted,
            rejected = report.rejected_total,
            parse_wait_ms = ms(self.parse_wait),
            read_wait_ms = ms(self.read_wait),
            prepare_ms = ms(self.prepare),
            write_ms = ms(self.write),
            sync_ms = ms(self.sync),
            index_wait_ms = ms(self.index_wait),
            "import phases"
        );
    }
}

/// An entity's properties as the entities table stores them (unsealed).
fn stored_json(props: &Properties) -> AppResult<String> {
    serde_json::to_string(props).map_err(|_| AppError::Internal("properties".into()))
}

/// An import line that passed the checks needing no database.
struct ParsedLine {
    line: usize,
    /// The platform id it will have (time-ordered: given as the batch is parsed).
    id: String,
    given_id: Option<String>,
    /// It has modus operandi codes (checked against the catalogue in the database).
    has_mo: bool,
    /// The properties as stored (JSON), made here rather than on the writing task.
    json: String,
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
    let (schema, props, refs) = match checked {
        Ok(c) => c,
        Err(inv) => return Some(Err(rejection(line, "invalid_input", &inv))),
    };
    let json = match stored_json(&props) {
        Ok(j) => j,
        Err(_) => {
            return Some(Err(ImportRejection {
                line,
                code: "bad_json".into(),
                fields: vec![],
            }))
        }
    };
    Some(Ok(ParsedLine {
        line,
        id: enlace_store::new_id(),
        given_id: v.get("id").and_then(Value::as_str).map(str::to_string),
        has_mo: props
            .keys()
            .any(|k| ftm::prop_type(&schema, k) == Some(ftm::PropType::ModusOperandi)),
        json,
        caption: ftm::caption(&schema, &props),
        terms: terms_of(&schema, &props),
        schema,
        props,
        refs,
    }))
}
