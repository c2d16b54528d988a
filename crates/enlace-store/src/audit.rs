//! The audit log: append-only, hash-chained, written in the caller's transaction.
//! Signed checkpoints of the chain's head (entry count and hash) are kept outside the log so a
//! truncated tail is detected, and can be downloaded to be held elsewhere.
use crate::db::{Store, Tx, Q};
use crate::StoreError;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::path::Path;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// A checkpoint is written in the same transaction every this many entries.
pub const CHECKPOINT_EVERY: i64 = 64;

/// What is being recorded. The chain covers every field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewEntry {
    pub actor_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_country: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// The country that owns the object (so that country's admins can read the entry).
    pub object_country: Option<String>,
    pub purpose: Option<String>,
    pub case_reference: Option<String>,
    /// `ok`, `denied`, `failed`…
    pub outcome: String,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_country: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    pub object_country: Option<String>,
    pub purpose: Option<String>,
    pub case_reference: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str = "seq, at, actor_id, actor_username, actor_country, actor_role, action, object_kind, object_id, object_country, purpose, case_reference, outcome, detail, request_id, client_addr, prev_hash, hash";

impl Entry {
    fn from_row(r: &AnyRow) -> crate::Result<Entry> {
        Ok(Entry {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            actor_username: r.try_get("actor_username")?,
            actor_country: r.try_get("actor_country")?,
            actor_role: r.try_get("actor_role")?,
            action: r.try_get("action")?,
            object_kind: r.try_get("object_kind")?,
            object_id: r.try_get("object_id")?,
            object_country: r.try_get("object_country")?,
            purpose: r.try_get("purpose")?,
            case_reference: r.try_get("case_reference")?,
            outcome: r.try_get("outcome")?,
            detail: r.try_get("detail")?,
            request_id: r.try_get("request_id")?,
            client_addr: r.try_get("client_addr")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        })
    }

    /// The hash of this entry: SHA-256 over the previous hash and a canonical JSON array of
    /// every other field.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor_id,
            self.actor_username,
            self.actor_country,
            self.actor_role,
            self.action,
            self.object_kind,
            self.object_id,
            self.object_country,
            self.purpose,
            self.case_reference,
            self.outcome,
            self.detail,
            self.request_id,
            self.client_addr,
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

impl Tx {
    /// Appends an entry to the chain inside this transaction.
    pub async fn audit(&mut self, now_ms: i64, e: NewEntry) -> crate::Result<()> {
        if self.is_read() {
            self.pending.push((now_ms, e));
            return Ok(());
        }
        self.append_audit(now_ms, e).await
    }

    /// Appends one entry to the chain, under the write lock.
    pub(crate) async fn append_audit(&mut self, now_ms: i64, e: NewEntry) -> crate::Result<()> {
        self.append_audit_many(vec![(now_ms, e)]).await
    }

    /// Appends entries to the chain in order, under the write lock: chained in memory, then
    /// written as multi-row INSERTs (a search returning fifty foreign records is one
    /// statement, not fifty round trips while every other request waits for the lock).
    pub(crate) async fn append_audit_many(
        &mut self,
        entries: Vec<(i64, NewEntry)>,
    ) -> crate::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (mut prev_seq, mut prev_hash) = match self.w()?.head.take() {
            Some(h) => h,
            None => {
                let head = self
                    .fetch_optional(&Q::new(
                        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                    ))
                    .await?;
                match head {
                    Some(r) => (r.try_get::<i64, _>("seq")?, r.try_get::<String, _>("hash")?),
                    None => (0, GENESIS.to_string()),
                }
            }
        };
        let mut chained = Vec::with_capacity(entries.len());
        for (now_ms, e) in entries {
            let mut entry = Entry {
                seq: prev_seq + 1,
                at: now_ms,
                actor_id: e.actor_id,
                actor_username: e.actor_username,
                actor_country: e.actor_country,
                actor_role: e.actor_role,
                action: e.action,
                object_kind: e.object_kind,
                object_id: e.object_id,
                object_country: e.object_country,
                purpose: e.purpose,
                case_reference: e.case_reference,
                outcome: e.outcome,
                detail: e.detail,
                request_id: e.request_id,
                client_addr: e.client_addr,
                prev_hash,
                hash: String::new(),
            };
            entry.hash = entry.compute_hash();
            prev_seq = entry.seq;
            prev_hash = entry.hash.clone();
            chained.push(entry);
        }
        // 18 parameters a row: 100 rows stay far below both engines' parameter limits.
        for chunk in chained.chunks(100) {
            let mut q = Q::new(&format!("INSERT INTO audit_log ({COLUMNS}) VALUES "));
            for (i, entry) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind(entry.seq).push(",").bind(entry.at);
                for v in [
                    &entry.actor_id,
                    &entry.actor_username,
                    &entry.actor_country,
                    &entry.actor_role,
                ] {
                    q.push(",").bind(v.clone());
                }
                q.push(",").bind(&entry.action);
                for v in [
                    &entry.object_kind,
                    &entry.object_id,
                    &entry.object_country,
                    &entry.purpose,
                    &entry.case_reference,
                ] {
                    q.push(",").bind(v.clone());
                }
                q.push(",").bind(&entry.outcome);
                for v in [&entry.detail, &entry.request_id, &entry.client_addr] {
                    q.push(",").bind(v.clone());
                }
                q.push(",")
                    .bind(&entry.prev_hash)
                    .push(",")
                    .bind(&entry.hash)
                    .push(")");
            }
            // Audit rows may use the disk reserve: see `Space`.
            self.execute_audit(&q).await?;
        }
        for entry in &chained {
            if entry.seq % CHECKPOINT_EVERY == 0 {
                self.write_checkpoint(entry.seq, &entry.hash, entry.at)
                    .await?;
            }
        }
        // Only once everything is in: a failed append leaves the head to be read again.
        self.w()?.head = Some((prev_seq, prev_hash));
        Ok(())
    }

    async fn write_checkpoint(&mut self, seq: i64, hash: &str, at: i64) -> crate::Result<()> {
        let Some(key) = self.signer.clone() else {
            return Ok(());
        };
        let cp = Checkpoint::sign(&key, seq, hash, at);
        self.execute_audit(
            &Q::new("INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)")
                .arg(cp.seq)
                .arg(cp.hash)
                .arg(cp.at)
                .arg(cp.key_id)
                .arg(cp.signature),
        )
        .await?;
        Ok(())
    }

    /// Writes a checkpoint of the current head unless one exists for it already.
    pub async fn checkpoint_head(&mut self, now_ms: i64) -> crate::Result<Option<i64>> {
        let head = self
            .fetch_optional(&Q::new(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            ))
            .await?;
        let Some(head) = head else { return Ok(None) };
        let seq: i64 = head.try_get("seq")?;
        let hash: String = head.try_get("hash")?;
        let have = self
            .fetch_optional(&Q::new("SELECT seq FROM audit_checkpoints WHERE seq = $1").arg(seq))
            .await?;
        if have.is_none() {
            self.write_checkpoint(seq, &hash, now_ms).await?;
        }
        Ok(Some(seq))
    }
}

/// A signed statement "the chain had `seq` entries and its head hash was `hash`".
/// Whose audit entries to read.
#[derive(Debug, Clone, Copy)]
pub enum AuditOf<'a> {
    /// One user's own actions.
    Actor(&'a str),
    /// Every action by a country's users or on its records.
    Country(&'a str),
}

/// Narrows a reading of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_id: Option<String>,
    pub actor_country: Option<String>,
    pub action: Option<String>,
    /// From this time (UTC ms), inclusive.
    pub from_ms: Option<i64>,
    /// Up to this time (UTC ms), exclusive.
    pub to_ms: Option<i64>,
    /// Only this actor's rows (the audit page's "who").
    pub actor_username: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
    /// Hex of the Ed25519 public key that signed it.
    pub key_id: String,
    pub signature: String,
}

impl Checkpoint {
    fn message(seq: i64, hash: &str, at: i64) -> String {
        format!("enlace-audit-checkpoint:v1:{seq}:{hash}:{at}")
    }
    fn sign(key: &SigningKey, seq: i64, hash: &str, at: i64) -> Checkpoint {
        let sig = key.sign(Self::message(seq, hash, at).as_bytes());
        Checkpoint {
            seq,
            hash: hash.to_string(),
            at,
            key_id: hex::encode(key.verifying_key().to_bytes()),
            signature: hex::encode(sig.to_bytes()),
        }
    }
    /// Checks the signature against the key it names.
    pub fn signature_valid(&self) -> bool {
        let Ok(kb) = hex::decode(&self.key_id) else {
            return false;
        };
        let Ok(kb): Result<[u8; 32], _> = kb.try_into() else {
            return false;
        };
        let Ok(vk) = VerifyingKey::from_bytes(&kb) else {
            return false;
        };
        let Ok(sb) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(sb): Result<[u8; 64], _> = sb.try_into() else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&sb);
        vk.verify(
            Self::message(self.seq, &self.hash, self.at).as_bytes(),
            &sig,
        )
        .is_ok()
    }
}

/// Loads the checkpoint signing key from `dir/audit-signing.key`, creating it on first use.
pub fn load_or_create_key(dir: &Path) -> crate::Result<SigningKey> {
    let path = dir.join("audit-signing.key");
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let b = hex::decode(s.trim()).map_err(|e| StoreError::Key(e.to_string()))?;
            let b: [u8; 32] = b
                .try_into()
                .map_err(|_| StoreError::Key("key must be 32 bytes".into()))?;
            Ok(SigningKey::from_bytes(&b))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed).map_err(|e| StoreError::Key(e.to_string()))?;
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Key(e.to_string()))?;
            write_private(&path, &hex::encode(seed)).map_err(|e| StoreError::Key(e.to_string()))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(StoreError::Key(e.to_string())),
    }
}

/// Writes a new key file readable by the owner only (creating the folder if needed).
pub(crate) fn write_key_file(dir: &Path, path: &Path, content: &str) -> crate::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| StoreError::Key(e.to_string()))?;
    write_private(path, content).map_err(|e| StoreError::Key(e.to_string()))
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// The verifier's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        entries: i64,
        checkpoints: i64,
    },
    /// The first entry that does not fit the chain, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

impl Store {
    /// Recomputes the whole chain, then checks every stored checkpoint (and the optional
    /// externally held ones) against it. Streams in pages, so memory stays bounded.
    pub async fn unrestricted_verify_audit(
        &self,
        external: &[Checkpoint],
    ) -> crate::Result<Verdict> {
        let mut expected_seq = 1i64;
        let mut prev = GENESIS.to_string();
        let mut heads: std::collections::HashMap<i64, String> = Default::default();
        let mut checkpoints = self
            .fetch_all(&Q::new(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq",
            ))
            .await?
            .iter()
            .map(|r| -> crate::Result<Checkpoint> {
                Ok(Checkpoint {
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                    at: r.try_get("at")?,
                    key_id: r.try_get("key_id")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect::<crate::Result<Vec<_>>>()?;
        checkpoints.extend(external.iter().cloned());
        let wanted: std::collections::HashSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
        loop {
            let rows = self
                .fetch_all(
                    &Q::new(&format!(
                        "SELECT {COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 2000"
                    ))
                    .arg(expected_seq),
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = Entry::from_row(r)?;
                if e.seq != expected_seq {
                    // A gap: the entry at `expected_seq` was removed.
                    return Ok(Verdict::Broken {
                        seq: expected_seq,
                        reason: format!("entry {expected_seq} is missing (next is {})", e.seq),
                    });
                }
                if e.prev_hash != prev {
                    return Ok(Verdict::Broken {
                        seq: e.seq,
                        reason: "previous-hash link does not match".into(),
                    });
                }
                if e.compute_hash() != e.hash {
                    return Ok(Verdict::Broken {
                        seq: e.seq,
                        reason: "content does not match its hash".into(),
                    });
                }
                if wanted.contains(&e.seq) {
                    heads.insert(e.seq, e.hash.clone());
                }
                prev = e.hash;
                expected_seq += 1;
            }
        }
        let entries = expected_seq - 1;
        for cp in &checkpoints {
            if !cp.signature_valid() {
                return Ok(Verdict::Broken {
                    seq: cp.seq,
                    reason: "checkpoint signature is invalid".into(),
                });
            }
            match heads.get(&cp.seq) {
                Some(h) if *h == cp.hash => {}
                Some(_) => {
                    return Ok(Verdict::Broken {
                        seq: cp.seq,
                        reason: "entry does not match the signed checkpoint".into(),
                    })
                }
                None => {
                    return Ok(Verdict::Broken {
                        seq: entries + 1,
                        reason: format!(
                            "log ends at entry {entries} but a signed checkpoint covers {} entries: the tail was truncated",
                            cp.seq
                        ),
                    })
                }
            }
        }
        Ok(Verdict::Intact {
            entries,
            checkpoints: checkpoints.len() as i64,
        })
    }

    pub async fn checkpoints(&self) -> crate::Result<Vec<Checkpoint>> {
        self.fetch_all(&Q::new(
            "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints ORDER BY seq",
        ))
        .await?
        .iter()
        .map(|r| {
            Ok(Checkpoint {
                seq: r.try_get("seq")?,
                hash: r.try_get("hash")?,
                at: r.try_get("at")?,
                key_id: r.try_get("key_id")?,
                signature: r.try_get("signature")?,
            })
        })
        .collect()
    }

    /// Audit entries of one user, or by or about one country, narrowed by `filter`, newest
    /// first.
    pub async fn audit_entries(
        &self,
        of: AuditOf<'_>,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Entry>, i64)> {
        let build = |head: &str| {
            let mut q = Q::new(head);
            match of {
                AuditOf::Actor(id) => {
                    q.push(" WHERE actor_id = ").bind(id);
                }
                AuditOf::Country(c) => {
                    q.push(" WHERE (object_country = ")
                        .bind(c)
                        .push(" OR actor_country = ")
                        .bind(c)
                        .push(")");
                }
            }
            if let Some(v) = &filter.object_id {
                q.push(" AND object_id = ").bind(v.as_str());
            }
            if let Some(v) = &filter.actor_country {
                q.push(" AND actor_country = ").bind(v.as_str());
            }
            if let Some(v) = &filter.action {
                q.push(" AND action = ").bind(v.as_str());
            }
            if let Some(v) = &filter.actor_username {
                q.push(" AND actor_username = ").bind(v.as_str());
            }
            if let Some(v) = filter.from_ms {
                q.push(" AND at >= ").bind(v);
            }
            if let Some(v) = filter.to_ms {
                q.push(" AND at < ").bind(v);
            }
            q
        };
        let mut page = build(&format!("SELECT {COLUMNS} FROM audit_log"));
        page.push(" ORDER BY seq DESC LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let rows = self.fetch_all(&page).await?;
        let total = self
            .fetch_optional(&build("SELECT COUNT(*) AS n FROM audit_log"))
            .await?
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0);
        let mut entries: Vec<Entry> = rows
            .iter()
            .map(Entry::from_row)
            .collect::<crate::Result<_>>()?;
        // Personal notes (search queries) are sealed at rest; the chain's hash is over the
        // sealed form, so only what is shown is opened.
        for e in &mut entries {
            if let Some(d) = e.detail.as_mut() {
                *d = crate::records::open_note(
                    self.records.as_deref(),
                    crate::records::NOTE_AUDIT,
                    d,
                )?;
            }
        }
        Ok((entries, total))
    }
}
