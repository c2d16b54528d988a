//! Browser sessions. Only the SHA-256 of the token is stored.
use crate::db::{Store, Tx, Q};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    /// `totp` (password given, code expected), `enrol` (must enrol a second factor), `full`.
    pub stage: String,
    pub csrf: String,
    pub pending_secret: Option<String>,
    pub created_at: i64,
    pub last_seen: i64,
}

/// A session as a long-lived response re-checks it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLiveness {
    pub stage: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub user_disabled: bool,
}

impl Store {
    pub async fn session(&self, token_hash: &str) -> crate::Result<Option<Session>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT token_hash, user_id, stage, csrf, pending_secret, created_at, last_seen FROM sessions WHERE token_hash = $1")
                    .arg(token_hash),
            )
            .await?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash")?,
                user_id: r.try_get("user_id")?,
                stage: r.try_get("stage")?,
                csrf: r.try_get("csrf")?,
                pending_secret: match (
                    r.try_get::<Option<String>, _>("pending_secret")?,
                    self.sealer.as_deref(),
                ) {
                    (Some(p), Some(sealer)) => Some(sealer.open(&p)?),
                    (p, _) => p,
                },
                created_at: r.try_get("created_at")?,
                last_seen: r.try_get("last_seen")?,
            })
        })
        .transpose()
    }
    /// What an open event stream re-checks every second about the session that opened it:
    /// its stage, times and whether its user is enabled (one read by primary key, no
    /// decryption). `None` once the session is gone (logout, rotation, expiry purge) or
    /// belongs to another user.
    pub async fn session_liveness(
        &self,
        token_hash: &str,
        user_id: &str,
    ) -> crate::Result<Option<SessionLiveness>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT s.stage, s.created_at, s.last_seen, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.user_id = $2")
                    .arg(token_hash)
                    .arg(user_id),
            )
            .await?;
        row.map(|r| {
            Ok(SessionLiveness {
                stage: r.try_get("stage")?,
                created_at: r.try_get("created_at")?,
                last_seen: r.try_get("last_seen")?,
                user_disabled: r.try_get::<i64, _>("disabled")? != 0,
            })
        })
        .transpose()
    }
    /// Records activity; written without the write lock (it is not audited and idempotent).
    pub async fn touch_session(&self, token_hash: &str, now_ms: i64) -> crate::Result<()> {
        self.execute_bookkeeping(
            &Q::new("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .arg(now_ms)
                .arg(token_hash),
        )
        .await?;
        Ok(())
    }
}

impl Tx {
    pub async fn insert_session(&mut self, s: &Session) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO sessions (token_hash, user_id, stage, csrf, pending_secret, created_at, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .arg(&s.token_hash)
                .arg(&s.user_id)
                .arg(&s.stage)
                .arg(&s.csrf)
                .arg(s.pending_secret.clone())
                .arg(s.created_at)
                .arg(s.last_seen),
        )
        .await?;
        Ok(())
    }
    pub async fn delete_session(&mut self, token_hash: &str) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM sessions WHERE token_hash = $1").arg(token_hash))
            .await?;
        Ok(())
    }
    pub async fn delete_user_sessions(&mut self, user_id: &str) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM sessions WHERE user_id = $1").arg(user_id))
            .await?;
        Ok(())
    }
    /// Ends every session of the user but `keep_hash`; returns how many ended.
    pub async fn delete_other_sessions(
        &mut self,
        user_id: &str,
        keep_hash: &str,
    ) -> crate::Result<u64> {
        self.execute(
            &Q::new("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .arg(user_id)
                .arg(keep_hash),
        )
        .await
    }
    pub async fn set_session_pending_secret(
        &mut self,
        token_hash: &str,
        secret: Option<&str>,
    ) -> crate::Result<()> {
        let sealed = match (secret, self.sealer.as_deref()) {
            (Some(p), Some(sealer)) => Some(sealer.seal(p)?),
            (p, _) => p.map(str::to_string),
        };
        let secret = sealed.as_deref();
        self.execute(
            &Q::new("UPDATE sessions SET pending_secret = $1 WHERE token_hash = $2")
                .arg(secret)
                .arg(token_hash),
        )
        .await?;
        Ok(())
    }
    /// Removes sessions idle or older than the limits.
    pub async fn purge_sessions(
        &mut self,
        idle_before: i64,
        created_before: i64,
    ) -> crate::Result<u64> {
        self.execute(
            &Q::new("DELETE FROM sessions WHERE last_seen < $1 OR created_at < $2")
                .arg(idle_before)
                .arg(created_before),
        )
        .await
    }
}
