//! API tokens for national systems. Only the SHA-256 of the token is stored.
use crate::db::{Store, Tx, Q};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> crate::Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    /// The live token with this hash, if any.
    pub async fn token_by_hash(&self, hash: &str) -> crate::Result<Option<ApiToken>> {
        self.fetch_optional(
            &Q::new("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                .arg(hash),
        )
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }
    /// Whether the token with this id is unrevoked, belongs to `user_id` and that user is
    /// enabled: what an open event stream re-checks every second (one read by primary key).
    pub async fn token_live(&self, id: &str, user_id: &str) -> crate::Result<bool> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL")
                    .arg(id)
                    .arg(user_id),
            )
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("disabled")? == 0,
            None => false,
        })
    }
    pub async fn tokens_of(&self, user_id: &str) -> crate::Result<Vec<ApiToken>> {
        self.fetch_all(
            &Q::new("SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id")
                .arg(user_id),
        )
        .await?
        .iter()
        .map(from_row)
        .collect()
    }
    pub async fn touch_token(&self, id: &str, now_ms: i64) -> crate::Result<()> {
        self.execute_bookkeeping(
            &Q::new("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
}

impl Tx {
    pub async fn insert_token(
        &mut self,
        user_id: &str,
        name: &str,
        hash: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = crate::new_id();
        self.execute(
            &Q::new("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL, NULL)")
                .arg(&id)
                .arg(user_id)
                .arg(name)
                .arg(hash)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }
    /// Revokes a live token of `user_id`; false when there is none with that id.
    pub async fn revoke_token(
        &mut self,
        user_id: &str,
        id: &str,
        now_ms: i64,
    ) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                    .arg(now_ms)
                    .arg(id)
                    .arg(user_id),
            )
            .await?;
        Ok(n == 1)
    }
    /// Revokes every live token of the user; returns how many.
    pub async fn revoke_user_tokens(&mut self, user_id: &str, now_ms: i64) -> crate::Result<u64> {
        self.execute(
            &Q::new(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .arg(now_ms)
            .arg(user_id),
        )
        .await
    }
}
