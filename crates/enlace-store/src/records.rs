//! Encryption at rest of personal data: the identifying properties of entities in sensitive
//! case files, check subjects and search queries kept in the audit. Values are sealed with
//! XChaCha20-Poly1305 under a versioned key ring (`records.keys` in the data folder), the
//! associated data binding the record id, the property and the key version, so a ciphertext
//! moved to another row or property does not open. Search terms of sensitive entities are
//! stored as keyed hashes (HMAC-SHA256 under a separate blind-index key of the same version).
//!
//! Rotation adds a version and never drops one: old rows and old backups still open. A
//! server that meets a version it does not know (a rotation run by `enlace keys rotate`
//! while it serves) reads the file again.
use crate::StoreError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use enlace_domain::ftm::{self, PropType, Properties};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// The key ring's file in the data folder.
pub const KEY_FILE: &str = "records.keys";
/// Sealed values start with this (then `<version>:<nonce hex>:<ciphertext hex>`).
pub const SEALED: &str = "enc1:";
/// Blind-index terms start with this (never the start of a plain term: those are folded
/// words, compacted identifiers and `~` sound-alike keys).
pub const BLIND: &str = "#";
/// The property name under which an entity's caption is sealed.
pub const CAPTION: &str = "@caption";

struct Version {
    seal: XChaCha20Poly1305,
    blind: [u8; 32],
}

struct Ring {
    versions: BTreeMap<u32, Version>,
    /// The file's change time when read (a rotation by another process is picked up).
    modified: Option<std::time::SystemTime>,
}

pub struct RecordKeys {
    path: PathBuf,
    ring: RwLock<Ring>,
}

fn key_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Key(format!("{KEY_FILE}: {e}"))
}

fn random32() -> crate::Result<[u8; 32]> {
    let mut k = [0u8; 32];
    getrandom::getrandom(&mut k).map_err(key_err)?;
    Ok(k)
}

fn parse(text: &str) -> crate::Result<BTreeMap<u32, Version>> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(v), Some(s), Some(b)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(key_err(
                "a line must read `v<N> <seal key hex> <blind key hex>`",
            ));
        };
        let v: u32 = v
            .strip_prefix('v')
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| key_err("bad version"))?;
        let s: [u8; 32] = hex::decode(s)
            .map_err(key_err)?
            .try_into()
            .map_err(|_| key_err("keys must be 32 bytes"))?;
        let b: [u8; 32] = hex::decode(b)
            .map_err(key_err)?
            .try_into()
            .map_err(|_| key_err("keys must be 32 bytes"))?;
        out.insert(
            v,
            Version {
                seal: XChaCha20Poly1305::new(&s.into()),
                blind: b,
            },
        );
    }
    if out.is_empty() {
        return Err(key_err("no key version"));
    }
    Ok(out)
}

fn line(v: u32) -> crate::Result<String> {
    Ok(format!(
        "v{v} {} {}\n",
        hex::encode(random32()?),
        hex::encode(random32()?)
    ))
}

const HEADER: &str = "# Enlace record keys: one line per version (v<N> <seal key> <blind-index key>), the\n# highest is current. Never delete a line: older rows and backups need it.\n";

/// Writes the ring file under a temporary name (mode 600), syncs it and renames it over.
fn write_ring(path: &Path, content: &str) -> crate::Result<()> {
    let tmp = path.with_extension("keys.new");
    let _ = std::fs::remove_file(&tmp);
    let dir = path.parent().unwrap_or(Path::new("."));
    crate::audit::write_key_file(dir, &tmp, content)?;
    std::fs::rename(&tmp, path).map_err(key_err)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

impl RecordKeys {
    /// Loads `dir/records.keys`, creating it with a first version on first use.
    pub fn load_or_create(dir: &Path) -> crate::Result<RecordKeys> {
        let path = dir.join(KEY_FILE);
        if !path.exists() {
            crate::audit::write_key_file(dir, &path, &format!("{HEADER}{}", line(1)?))?;
        }
        let keys = RecordKeys {
            ring: RwLock::new(Self::read(&path)?),
            path,
        };
        Ok(keys)
    }

    fn read(path: &Path) -> crate::Result<Ring> {
        let text = std::fs::read_to_string(path).map_err(key_err)?;
        Ok(Ring {
            versions: parse(&text)?,
            modified: std::fs::metadata(path).and_then(|m| m.modified()).ok(),
        })
    }

    /// Reads the file again when it changed (a rotation by `enlace keys rotate` while this
    /// process serves), or always when `force`. One `stat` per call.
    fn refresh(&self, force: bool) {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let same = match self.ring.read() {
            Ok(r) => r.modified == modified && modified.is_some(),
            Err(_) => false,
        };
        if same && !force {
            return;
        }
        if let Ok(mut r) = self.ring.write() {
            match Self::read(&self.path) {
                Ok(new) => *r = new,
                Err(e) => tracing::error!(error = %e, "cannot read the record key ring again"),
            }
        }
    }

    /// Adds a new version to the ring in `dir` (creating the ring if there is none) and
    /// returns it. Old versions stay.
    pub fn rotate_file(dir: &Path) -> crate::Result<u32> {
        let path = dir.join(KEY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::audit::write_key_file(dir, &path, &format!("{HEADER}{}", line(1)?))?;
                return Ok(1);
            }
            Err(e) => return Err(key_err(e)),
        };
        let next = parse(&text)?.keys().max().copied().unwrap_or(0) + 1;
        let mut content = text;
        if !content.ends_with('\n') {
            content.push('\n');
        }
        content.push_str(&line(next)?);
        write_ring(&path, &content)?;
        Ok(next)
    }

    /// The version new values are sealed under (the highest).
    pub fn current(&self) -> u32 {
        self.refresh(false);
        self.ring
            .read()
            .ok()
            .and_then(|r| r.versions.keys().max().copied())
            .unwrap_or(1)
    }

    pub fn versions(&self) -> Vec<u32> {
        self.refresh(false);
        self.ring
            .read()
            .map(|r| r.versions.keys().copied().collect())
            .unwrap_or_default()
    }

    fn aad(version: u32, record: &str, prop: &str) -> Vec<u8> {
        format!("enlace-record\0{version}\0{record}\0{prop}").into_bytes()
    }

    /// Seals `plain` for `record`'s `prop` under the current version.
    pub fn seal(&self, record: &str, prop: &str, plain: &str) -> crate::Result<String> {
        let v = self.current();
        self.seal_with(v, record, prop, plain)
    }

    pub fn seal_with(
        &self,
        v: u32,
        record: &str,
        prop: &str,
        plain: &str,
    ) -> crate::Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).map_err(key_err)?;
        let r = self.ring.read().map_err(|_| key_err("lock"))?;
        let key = r
            .versions
            .get(&v)
            .ok_or_else(|| key_err("unknown version"))?;
        let ct = key
            .seal
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &Self::aad(v, record, prop),
                },
            )
            .map_err(|_| key_err("seal failed"))?;
        Ok(format!(
            "{SEALED}{v}:{}:{}",
            hex::encode(nonce),
            hex::encode(ct)
        ))
    }

    /// The version a stored value was sealed under (None: stored plain).
    pub fn version_of(stored: &str) -> Option<u32> {
        stored.strip_prefix(SEALED)?.split(':').next()?.parse().ok()
    }

    /// Opens a value sealed for `record`'s `prop`; a value stored plain passes unchanged.
    pub fn open(&self, record: &str, prop: &str, stored: &str) -> crate::Result<String> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(stored.to_string());
        };
        let bad = || StoreError::Corrupt(format!("sealed {prop} of {record}"));
        let mut parts = rest.splitn(3, ':');
        let (Some(v), Some(n), Some(c)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let v: u32 = v.parse().map_err(|_| bad())?;
        let nonce = hex::decode(n).map_err(|_| bad())?;
        let ct = hex::decode(c).map_err(|_| bad())?;
        if nonce.len() != 24 {
            return Err(bad());
        }
        let known = self
            .ring
            .read()
            .map(|r| r.versions.contains_key(&v))
            .unwrap_or(false);
        if !known {
            // Sealed by another process after a rotation this one has not seen yet.
            self.refresh(true);
        }
        let r = self.ring.read().map_err(|_| key_err("lock"))?;
        let key = r.versions.get(&v).ok_or_else(|| {
            StoreError::Key(format!(
                "{KEY_FILE} has no version {v}: restore the key file"
            ))
        })?;
        let plain = key
            .seal
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ct,
                    aad: &Self::aad(v, record, prop),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// The blind-index form of a search term under version `v`.
    pub fn blind_with(&self, v: u32, term: &str) -> Option<String> {
        let r = self.ring.read().ok()?;
        let key = r.versions.get(&v)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.blind).ok()?;
        mac.update(term.as_bytes());
        let h = mac.finalize().into_bytes();
        Some(format!("{BLIND}{v}:{}", hex::encode(&h[..20])))
    }

    /// The blind-index form of `term` under every version (a search looks them all up:
    /// during a rotation some rows still carry the older ones).
    pub fn blind_all(&self, term: &str) -> Vec<String> {
        self.versions()
            .into_iter()
            .filter_map(|v| self.blind_with(v, term))
            .collect()
    }
}

/// Whether a property of this type identifies a person (and is sealed in a sensitive case
/// file): names, dates, identifiers (documents, accounts, IBAN), phones, e-mails, free text
/// (addresses, notes), numbers and addresses of web pages. Country, gender, links and the
/// closed vocabularies stay plain; a property the schema does not know is sealed.
pub fn identifying(schema: &str, prop: &str) -> bool {
    !matches!(
        ftm::prop_type(schema, prop),
        Some(
            PropType::Country
                | PropType::Gender
                | PropType::Entity
                | PropType::Mode
                | PropType::ModusOperandi
                | PropType::EventType
                | PropType::CountByCountry
        )
    )
}

impl RecordKeys {
    /// The stored form of a sensitive entity's caption and properties (each identifying
    /// value sealed for its record and property).
    pub fn seal_entity(
        &self,
        id: &str,
        schema: &str,
        caption: &str,
        props: &Properties,
    ) -> crate::Result<(String, Properties)> {
        let v = self.current();
        let caption = self.seal_with(v, id, CAPTION, caption)?;
        let mut out = Properties::new();
        for (k, vals) in props {
            let sealed = if identifying(schema, k) {
                vals.iter()
                    .map(|x| self.seal_with(v, id, k, x))
                    .collect::<crate::Result<Vec<_>>>()?
            } else {
                vals.clone()
            };
            out.insert(k.clone(), sealed);
        }
        Ok((caption, out))
    }

    /// Opens what [`RecordKeys::seal_entity`] stored (plain values pass unchanged).
    pub fn open_entity(
        &self,
        id: &str,
        caption: &mut String,
        props: &mut Properties,
    ) -> crate::Result<()> {
        if caption.starts_with(SEALED) {
            *caption = self.open(id, CAPTION, caption)?;
        }
        for (k, vals) in props.iter_mut() {
            for x in vals.iter_mut() {
                if x.starts_with(SEALED) {
                    *x = self.open(id, k, x)?;
                }
            }
        }
        Ok(())
    }

    /// The stored search terms of a sensitive entity: keyed hashes under the current version.
    pub fn blind_terms(&self, terms: &[String]) -> Vec<String> {
        let v = self.current();
        terms.iter().filter_map(|t| self.blind_with(v, t)).collect()
    }

    /// A personal note (a check subject, a search query in the audit): sealed for its kind.
    pub fn seal_note(&self, kind: &str, plain: &str) -> crate::Result<String> {
        self.seal(kind, "note", plain)
    }
    pub fn open_note(&self, kind: &str, stored: &str) -> crate::Result<String> {
        self.open(kind, "note", stored)
    }
}

/// Opens a stored entity's sealed values in place (what every read of entities goes
/// through). Plain entities are left as they are, at the cost of one prefix test.
pub(crate) fn open_stored_entity(
    keys: Option<&RecordKeys>,
    e: &mut crate::entities::Entity,
) -> crate::Result<()> {
    if !e.caption.starts_with(SEALED) {
        return Ok(());
    }
    let keys = keys.ok_or_else(|| key_err("sealed records need the key ring"))?;
    keys.open_entity(&e.id, &mut e.caption, &mut e.properties)
}

/// Opens sealed property values in place (plain ones pass).
pub(crate) fn open_stored_props(
    keys: Option<&RecordKeys>,
    id: &str,
    props: &mut Properties,
) -> crate::Result<()> {
    if !props.values().flatten().any(|v| v.starts_with(SEALED)) {
        return Ok(());
    }
    let keys = keys.ok_or_else(|| key_err("sealed records need the key ring"))?;
    let mut caption = String::new();
    keys.open_entity(id, &mut caption, props)
}

/// A sensitive entity as stored: sealed caption and properties, blind search terms.
pub(crate) struct SealedForm {
    pub caption: String,
    pub properties: Properties,
    pub terms: Vec<String>,
}

impl crate::Tx {
    /// The stored form of an entity about to be written: sealed when its case file is
    /// sensitive (None: stored as given).
    pub(crate) fn sealed_form(
        &self,
        id: &str,
        sensitive: bool,
        schema: &str,
        caption: &str,
        props: &Properties,
        terms: &[String],
    ) -> crate::Result<Option<SealedForm>> {
        let Some(keys) = self.records.as_deref().filter(|_| sensitive) else {
            return Ok(None);
        };
        let (caption, properties) = keys.seal_entity(id, schema, caption, props)?;
        Ok(Some(SealedForm {
            caption,
            properties,
            terms: keys.blind_terms(terms),
        }))
    }

    /// The stored forms of a bulk insert into a sensitive case file (None: not sensitive).
    pub(crate) fn sealed_bulk(
        &self,
        case: &crate::cases::Case,
        rows: &[crate::entities::BulkEntity],
    ) -> crate::Result<Option<Vec<crate::entities::BulkEntity>>> {
        if !case.sensitive || self.records.is_none() {
            return Ok(None);
        }
        rows.iter()
            .map(|r| {
                let s = self
                    .sealed_form(&r.id, true, &r.schema, &r.caption, &r.properties, &r.terms)?
                    .ok_or_else(|| key_err("no key ring"))?;
                Ok(crate::entities::BulkEntity {
                    id: r.id.clone(),
                    schema: r.schema.clone(),
                    caption: s.caption,
                    json: serde_json::to_string(&s.properties)
                        .map_err(|_| crate::cases::corrupt("properties"))?,
                    properties: s.properties,
                    refs: r.refs.clone(),
                    terms: s.terms,
                })
            })
            .collect::<crate::Result<Vec<_>>>()
            .map(Some)
    }

    /// Every form a term of an entity may be stored under (plain, and blind under each
    /// version): what to delete when the terms change.
    pub(crate) fn stored_term_forms(&self, sensitive: bool, terms: &[String]) -> Vec<String> {
        let Some(keys) = self.records.as_deref().filter(|_| sensitive) else {
            return vec![];
        };
        let mut out = Vec::with_capacity(terms.len() * 3);
        for t in terms {
            out.push(t.clone());
            out.extend(keys.blind_all(t));
        }
        out
    }

    /// The filter with its words' blind-index forms filled in.
    pub(crate) fn with_blind_terms(
        &self,
        f: &crate::entities::EntityFilter,
    ) -> crate::entities::EntityFilter {
        let mut f = f.clone();
        f.blind = match self.records.as_deref() {
            Some(keys) if !f.terms.is_empty() => {
                f.terms.iter().map(|t| keys.blind_all(t)).collect()
            }
            _ => vec![],
        };
        f
    }

    /// Seals a personal note (a check subject, a search query) for the audit or a table;
    /// kept as given when the store has no key ring.
    pub fn seal_note(&self, kind: &str, plain: &str) -> crate::Result<String> {
        match self.records.as_deref() {
            Some(k) => k.seal_note(kind, plain),
            None => Ok(plain.to_string()),
        }
    }
}

impl crate::Store {
    /// Opens a note sealed with [`crate::Tx::seal_note`] (plain notes pass).
    pub fn open_note(&self, kind: &str, stored: &str) -> crate::Result<String> {
        open_note(self.records.as_deref(), kind, stored)
    }
    pub fn record_keys(&self) -> Option<&RecordKeys> {
        self.records.as_deref()
    }

    /// Refuses a key ring that cannot open what the database holds: one created just now on
    /// a database that already sealed records (the ring did not travel with a restore), or
    /// one lacking a version the records were sealed under. Serving on would answer every
    /// sealed record as unreadable and seal new ones under keys no backup holds.
    pub(crate) async fn check_record_keys(
        &self,
        dir: &Path,
        keys: &RecordKeys,
        fresh_ring: bool,
    ) -> crate::Result<()> {
        let row = self
            .fetch_optional(&crate::db::Q::new(
                "SELECT max(version) AS version FROM record_seal",
            ))
            .await?;
        let sealed = match row {
            Some(r) => sqlx::Row::try_get::<Option<i64>, _>(&r, "version")?,
            None => None,
        };
        let Some(sealed) = sealed else {
            return Ok(());
        };
        let missing = fresh_ring || !keys.versions().contains(&(sealed as u32));
        if missing {
            if fresh_ring {
                // Leave the folder as it was, so that putting the right file back is enough.
                let _ = std::fs::remove_file(dir.join(KEY_FILE));
            }
            return Err(StoreError::Key(format!(
                "the database holds records sealed under key version {sealed}, which {} does not hold: put back the {KEY_FILE} that belongs to this database (it travels with its backups) before starting",
                dir.join(KEY_FILE).display()
            )));
        }
        Ok(())
    }
}

pub(crate) fn open_note(
    keys: Option<&RecordKeys>,
    kind: &str,
    stored: &str,
) -> crate::Result<String> {
    if !stored.starts_with(SEALED) {
        return Ok(stored.to_string());
    }
    keys.ok_or_else(|| key_err("sealed notes need the key ring"))?
        .open_note(kind, stored)
}

/// A stored entity whose stored form must change (sealed under an older version, plain
/// though sensitive, or sealed though no longer sensitive), opened.
pub struct ResealItem {
    pub entity: crate::entities::Entity,
}

/// The note kinds (associated data) of sealed notes.
pub const NOTE_CHECK_SUBJECT: &str = "check.subject";
pub const NOTE_AUDIT: &str = "audit.detail";

impl crate::Tx {
    /// Up to `limit` entities after `after` (by id) that need resealing: every sensitive
    /// entity not sealed under the current version, and (within one case file, when given)
    /// sealed entities that are no longer sensitive. Returns them opened and the last id
    /// looked at (the cursor of the next batch; None at the end).
    pub async fn unrestricted_entities_to_reseal(
        &mut self,
        after: &str,
        case_id: Option<&str>,
        limit: i64,
    ) -> crate::Result<(Vec<ResealItem>, Option<String>)> {
        let Some(current) = self.records.as_deref().map(RecordKeys::current) else {
            return Ok((vec![], None));
        };
        let mut q = crate::db::Q::new(&format!(
            "SELECT {} FROM entities e WHERE e.id > ",
            crate::entities::COLS
        ));
        q.bind(after);
        match case_id {
            Some(c) => q.push(" AND e.case_id = ").bind(c),
            None => q.push(" AND e.sensitive = 1"),
        };
        q.push(" ORDER BY e.id LIMIT ").bind(limit);
        let rows = self.fetch_all(&q).await?;
        let last = match rows.last() {
            Some(r) => Some(sqlx::Row::try_get::<String, _>(r, "id")?),
            None => None,
        };
        let mut todo = vec![];
        for r in &rows {
            let caption: String = sqlx::Row::try_get(r, "caption")?;
            let sensitive = sqlx::Row::try_get::<i64, _>(r, "sensitive")? != 0;
            let stored = RecordKeys::version_of(&caption);
            let right = if sensitive {
                stored == Some(current)
            } else {
                stored.is_none()
            };
            if !right {
                todo.push(r);
            }
        }
        // The named countries are not needed to reseal (nor read here).
        let mut out = vec![];
        for r in todo {
            out.push(ResealItem {
                entity: crate::entities::from_row(r, vec![], self.records.as_deref())?,
            });
        }
        Ok((out, last))
    }

    /// Writes an entity's stored form again (sealed under the current version when
    /// sensitive, plain otherwise) with its search terms (`terms`: the plain terms of its
    /// content). Content, version and change time stay.
    pub async fn reseal_entity(
        &mut self,
        e: &crate::entities::Entity,
        terms: &[String],
    ) -> crate::Result<()> {
        let sealed = self.sealed_form(
            &e.id,
            e.sensitive,
            &e.schema,
            &e.caption,
            &e.properties,
            terms,
        )?;
        let (caption, props, new_terms) = match sealed {
            Some(s) => (s.caption, s.properties, s.terms),
            None => (e.caption.clone(), e.properties.clone(), terms.to_vec()),
        };
        let props =
            serde_json::to_string(&props).map_err(|_| StoreError::Corrupt("properties".into()))?;
        self.execute(
            &crate::db::Q::new("UPDATE entities SET caption = $1, properties = $2 WHERE id = $3")
                .arg(caption)
                .arg(props)
                .arg(&e.id),
        )
        .await?;
        // Every form the terms may be stored under goes, then the right one is written.
        let mut old = self.stored_term_forms(true, terms);
        old.extend(terms.iter().cloned());
        old.sort();
        old.dedup();
        let old: Vec<&String> = old.iter().collect();
        self.delete_terms(&e.id, &old).await?;
        self.insert_terms(&e.id, &crate::entities::kept_terms(&new_terms))
            .await?;
        self.set_row_terms(&e.id, &new_terms).await
    }

    /// Check subjects after `after` (by id), up to `limit`, resealed under the current
    /// version where they are not yet; returns how many were rewritten and the cursor of the
    /// next batch (None at the end).
    pub async fn reseal_check_subjects(
        &mut self,
        after: &str,
        limit: i64,
    ) -> crate::Result<(usize, Option<String>)> {
        let Some(keys) = self.records.clone() else {
            return Ok((0, None));
        };
        let current = keys.current();
        let rows = self
            .fetch_all(
                &crate::db::Q::new(
                    "SELECT id, subject FROM checks WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .arg(after)
                .arg(limit),
            )
            .await?;
        let mut n = 0;
        for r in &rows {
            let id: String = sqlx::Row::try_get(r, "id")?;
            let stored: String = sqlx::Row::try_get(r, "subject")?;
            if RecordKeys::version_of(&stored) == Some(current) {
                continue;
            }
            let plain = keys.open_note(NOTE_CHECK_SUBJECT, &stored)?;
            self.execute(
                &crate::db::Q::new("UPDATE checks SET subject = $1 WHERE id = $2")
                    .arg(keys.seal_note(NOTE_CHECK_SUBJECT, &plain)?)
                    .arg(&id),
            )
            .await?;
            n += 1;
        }
        let last = match rows.last() {
            Some(r) => Some(sqlx::Row::try_get::<String, _>(r, "id")?),
            None => None,
        };
        Ok((n, last))
    }

    /// The key version everything of `what` ('entities', 'checks') was last resealed under.
    pub async fn sealed_version(&mut self, what: &str) -> crate::Result<Option<u32>> {
        let row = self
            .fetch_optional(
                &crate::db::Q::new("SELECT version FROM record_seal WHERE what = $1").arg(what),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(sqlx::Row::try_get::<i64, _>(&r, "version")? as u32),
            None => None,
        })
    }

    pub async fn set_sealed_version(&mut self, what: &str, v: u32) -> crate::Result<()> {
        self.execute(&crate::db::Q::new("DELETE FROM record_seal WHERE what = $1").arg(what))
            .await?;
        self.execute(
            &crate::db::Q::new("INSERT INTO record_seal (what, version) VALUES ($1, $2)")
                .arg(what)
                .arg(i64::from(v)),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_binds_rotates_and_blinds() {
        let dir = tempfile::tempdir().unwrap();
        let k = RecordKeys::load_or_create(dir.path()).unwrap();
        let s = k.seal("r1", "name", "José Núñez").unwrap();
        assert!(s.starts_with("enc1:1:") && !s.contains("Jos"));
        assert_eq!(k.open("r1", "name", &s).unwrap(), "José Núñez");
        assert!(k.open("r2", "name", &s).is_err(), "bound to the record");
        assert!(k.open("r1", "alias", &s).is_err(), "bound to the property");
        let forged = s.replacen("enc1:1:", "enc1:2:", 1);
        assert!(
            k.open("r1", "name", &forged).is_err(),
            "bound to the version"
        );
        assert_eq!(k.open("r1", "name", "plain").unwrap(), "plain");
        let b1 = k.blind_all("nunez");
        assert_eq!(b1.len(), 1);
        assert!(b1[0].starts_with("#1:"));
        assert_eq!(RecordKeys::rotate_file(dir.path()).unwrap(), 2);
        // This process learns of the new version when the file changes.
        let s2 = {
            let k2 = RecordKeys::load_or_create(dir.path()).unwrap();
            assert_eq!(k2.current(), 2);
            k2.seal("r1", "name", "José").unwrap()
        };
        assert_eq!(k.open("r1", "name", &s2).unwrap(), "José");
        assert_eq!(k.current(), 2);
        assert_eq!(
            k.open("r1", "name", &s).unwrap(),
            "José Núñez",
            "old keys stay"
        );
        assert_eq!(k.blind_all("nunez").len(), 2);
        assert_eq!(k.blind_all("nunez")[0], b1[0]);
    }
}
