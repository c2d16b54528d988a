//! User accounts, second factors and recovery codes.
use crate::db::{Store, Tx, Q};
use crate::StoreError;
use enlace_domain::{Country, Role};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub country: Option<Country>,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    #[serde(skip)]
    pub totp_last_step: i64,
    pub demo: bool,
    pub disabled: bool,
    pub language: Option<String>,
    /// The IANA zone chosen for the pages; `None` means the country's.
    pub time_zone: Option<String>,
    pub created_at: i64,
}

impl User {
    pub fn has_totp(&self) -> bool {
        self.totp_secret.is_some()
    }
    pub fn actor(&self) -> enlace_domain::Actor {
        enlace_domain::Actor {
            user_id: self.id.clone(),
            username: self.username.clone(),
            role: self.role,
            country: self.country,
        }
    }
}

const COLS: &str = "id, username, display_name, country, role, password_hash, totp_secret, totp_last_step, demo, disabled, language, time_zone, created_at";

fn user_from_row(r: &AnyRow, sealer: Option<&crate::sealed::Sealer>) -> crate::Result<User> {
    let totp: Option<String> = r.try_get("totp_secret")?;
    let totp_secret = match (totp, sealer) {
        (Some(t), Some(s)) => Some(s.open(&t)?),
        (t, _) => t,
    };
    let country: Option<String> = r.try_get("country")?;
    let role: String = r.try_get("role")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        country: match country {
            Some(c) => {
                Some(Country::parse(&c).ok_or_else(|| StoreError::Corrupt("country".into()))?)
            }
            None => None,
        },
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt("role".into()))?,
        password_hash: r.try_get("password_hash")?,
        totp_secret,
        totp_last_step: r.try_get("totp_last_step")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        language: r.try_get("language")?,
        time_zone: r.try_get("time_zone")?,
        created_at: r.try_get("created_at")?,
    })
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub country: Option<Country>,
    pub role: Role,
    pub password_hash: &'a str,
    pub demo: bool,
}

impl Store {
    /// Which of these users await their country's approval, and of what (`create`, `reset`).
    pub async fn approvals_for(
        &self,
        user_ids: &[String],
    ) -> crate::Result<std::collections::HashMap<String, String>> {
        let mut out = std::collections::HashMap::new();
        for chunk in user_ids.chunks(200) {
            if chunk.is_empty() {
                continue;
            }
            let mut q = Q::new("SELECT user_id, kind FROM account_approvals WHERE user_id IN (");
            q.bind_list(chunk.iter().map(String::as_str));
            q.push(")");
            for r in self.fetch_all(&q).await? {
                out.insert(r.try_get("user_id")?, r.try_get("kind")?);
            }
        }
        Ok(out)
    }

    pub async fn user_by_username(&self, username: &str) -> crate::Result<Option<User>> {
        self.fetch_optional(
            &Q::new(&format!("SELECT {COLS} FROM users WHERE username = $1")).arg(username),
        )
        .await?
        .as_ref()
        .map(|r| user_from_row(r, self.sealer.as_deref()))
        .transpose()
    }
    pub async fn user_by_id(&self, id: &str) -> crate::Result<Option<User>> {
        self.fetch_optional(&Q::new(&format!("SELECT {COLS} FROM users WHERE id = $1")).arg(id))
            .await?
            .as_ref()
            .map(|r| user_from_row(r, self.sealer.as_deref()))
            .transpose()
    }
    pub async fn count_users(&self) -> crate::Result<i64> {
        let row = self
            .fetch_optional(&Q::new("SELECT COUNT(*) AS n FROM users"))
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0))
    }
    /// Users of one country (or, with `None`, the country admins of every country), by name.
    pub async fn users_of(
        &self,
        country: Option<Country>,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<User>, i64)> {
        let (where_, arg): (&str, Option<String>) = match country {
            Some(c) => ("country = $1", Some(c.code().to_string())),
            None => ("role = $1", Some("admin".to_string())),
        };
        let rows = self
            .fetch_all(
                &Q::new(&format!(
                    "SELECT {COLS} FROM users WHERE {where_} ORDER BY username LIMIT $2 OFFSET $3"
                ))
                .arg(arg.clone())
                .arg(limit)
                .arg(offset),
            )
            .await?;
        let total: i64 = self
            .fetch_optional(
                &Q::new(&format!("SELECT COUNT(*) AS n FROM users WHERE {where_}")).arg(arg),
            )
            .await?
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0);
        Ok((
            rows.iter()
                .map(|r| user_from_row(r, self.sealer.as_deref()))
                .collect::<crate::Result<_>>()?,
            total,
        ))
    }
}

impl Tx {
    pub async fn insert_user(&mut self, u: &NewUser<'_>, now_ms: i64) -> crate::Result<String> {
        let id = crate::new_id();
        self.execute(
            &Q::new("INSERT INTO users (id, username, display_name, country, role, password_hash, totp_secret, totp_last_step, demo, disabled, language, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, 0, $7, 0, NULL, $8, $8)")
                .arg(&id)
                .arg(u.username)
                .arg(u.display_name)
                .arg(u.country.map(|c| c.code()))
                .arg(u.role.as_str())
                .arg(u.password_hash)
                .arg(u.demo)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }
    /// The country's admins who can act now: enabled and not awaiting approval.
    pub async fn active_admins(&mut self, country: Country) -> crate::Result<i64> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT COUNT(*) AS n FROM users u WHERE u.country = $1 AND u.role = 'admin' AND u.disabled = 0 AND NOT EXISTS (SELECT 1 FROM account_approvals a WHERE a.user_id = u.id AND a.kind = 'create')")
                    .arg(country.code()),
            )
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0))
    }

    /// Records that a creation or reset of an admin awaits its country's approval.
    pub async fn insert_approval(
        &mut self,
        user_id: &str,
        kind: &str,
        country: Country,
        proposed_by: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO account_approvals (user_id, kind, country, proposed_by, created_at) VALUES ($1, $2, $3, $4, $5)")
                .arg(user_id)
                .arg(kind)
                .arg(country.code())
                .arg(proposed_by)
                .arg(now_ms),
        )
        .await?;
        Ok(())
    }

    /// The pending approval of a user: (kind, proposer's user id).
    pub async fn approval(&mut self, user_id: &str) -> crate::Result<Option<(String, String)>> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT kind, proposed_by FROM account_approvals WHERE user_id = $1")
                    .arg(user_id),
            )
            .await?;
        row.map(|r| Ok((r.try_get("kind")?, r.try_get("proposed_by")?)))
            .transpose()
    }

    pub async fn delete_approval(&mut self, user_id: &str) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM account_approvals WHERE user_id = $1").arg(user_id))
            .await?;
        Ok(())
    }

    pub async fn user_by_id(&mut self, id: &str) -> crate::Result<Option<User>> {
        self.fetch_optional(&Q::new(&format!("SELECT {COLS} FROM users WHERE id = $1")).arg(id))
            .await?
            .as_ref()
            .map(|r| user_from_row(r, self.sealer.as_deref()))
            .transpose()
    }
    pub async fn set_user_disabled(
        &mut self,
        id: &str,
        disabled: bool,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
                .arg(disabled)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
    pub async fn set_password_hash(
        &mut self,
        id: &str,
        hash: &str,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .arg(hash)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
    pub async fn set_totp(
        &mut self,
        id: &str,
        secret: Option<&str>,
        last_step: i64,
        now_ms: i64,
    ) -> crate::Result<()> {
        let sealed = match (secret, self.sealer.as_deref()) {
            (Some(p), Some(sealer)) => Some(sealer.seal(p)?),
            (p, _) => p.map(str::to_string),
        };
        let secret = sealed.as_deref();
        self.execute(
            &Q::new("UPDATE users SET totp_secret = $1, totp_last_step = $2, updated_at = $3 WHERE id = $4")
                .arg(secret)
                .arg(last_step)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
    /// Records `step` as used if it is newer than the last used one; false means a replay.
    pub async fn consume_totp_step(&mut self, id: &str, step: i64) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new(
                    "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
                )
                .arg(step)
                .arg(id),
            )
            .await?;
        Ok(n == 1)
    }
    pub async fn set_language(&mut self, id: &str, lang: &str) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE users SET language = $1 WHERE id = $2")
                .arg(lang)
                .arg(id),
        )
        .await?;
        Ok(())
    }
    /// The user's zone for the pages, or `None` for their country's.
    pub async fn set_time_zone(&mut self, id: &str, zone: Option<&str>) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE users SET time_zone = $1 WHERE id = $2")
                .arg(zone.map(str::to_string))
                .arg(id),
        )
        .await?;
        Ok(())
    }
    pub async fn replace_recovery_codes(
        &mut self,
        user_id: &str,
        hashes: &[String],
    ) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM recovery_codes WHERE user_id = $1").arg(user_id))
            .await?;
        for h in hashes {
            self.execute(
                &Q::new("INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)")
                    .arg(user_id)
                    .arg(h),
            )
            .await?;
        }
        Ok(())
    }
    /// Marks an unused recovery code as used; false when there is no such unused code.
    pub async fn use_recovery_code(
        &mut self,
        user_id: &str,
        hash: &str,
        now_ms: i64,
    ) -> crate::Result<bool> {
        let n = self
            .execute(
                &Q::new("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
                    .arg(now_ms)
                    .arg(user_id)
                    .arg(hash),
            )
            .await?;
        Ok(n == 1)
    }
}
