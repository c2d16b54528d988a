//! Login with password and second factor, TOTP enrolment, sessions and API tokens.
use crate::crypto;
use crate::live::Ended;
use crate::ratelimit::Limiter;
use crate::{anonymous_entry, App, AppConfig, AppError, AppResult, Ctx, Origin};
use enlace_domain::validate::{self, Invalid};
use enlace_store::sessions::Session;
use enlace_store::users::User;

pub(crate) struct LoginLimits {
    per_account: Limiter,
    per_client: Limiter,
    /// Wrong second-factor codes per user.
    per_code: Limiter,
}

impl LoginLimits {
    pub(crate) fn new(c: &AppConfig) -> Self {
        LoginLimits {
            per_account: Limiter::new(c.login_failures_per_account, c.login_window_secs),
            per_client: Limiter::new(c.login_failures_per_client, c.login_window_secs),
            per_code: Limiter::new(c.login_failures_per_account, c.login_window_secs),
        }
    }
}

pub const STAGE_FULL: &str = "full";
pub const STAGE_TOTP: &str = "totp";
pub const STAGE_ENROL: &str = "enrol";

/// A session just created: the raw token goes to the cookie, never to storage.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub stage: &'static str,
    pub user: User,
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: Session,
    pub user: User,
}

/// What a user sees once while enrolling a second factor.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

pub const RECOVERY_CODES: usize = 10;

/// Proof that the person at the keyboard is the account's owner, asked before a second
/// factor is replaced: the current password and a current code (TOTP or recovery).
#[derive(Debug, Clone, Copy)]
pub struct Reauth<'a> {
    pub password: &'a str,
    pub current_code: &'a str,
}

/// Whether `code` is a current TOTP code of the user's second factor (not replayed) or one of
/// their unused recovery codes; either is used up inside `tx`.
async fn current_code_ok(
    tx: &mut enlace_store::Tx,
    user: &User,
    code: &str,
    now_ms: i64,
) -> AppResult<bool> {
    let Some(secret) = user.totp_secret.as_deref().and_then(crypto::base32_decode) else {
        return Ok(false);
    };
    Ok(match crypto::totp_match(&secret, code, now_ms / 1000) {
        // A code whose step is not newer than the last one used is a replay.
        Some(step) => tx.consume_totp_step(&user.id, step).await?,
        None => {
            let rc = crypto::normalize_recovery_code(code);
            rc.len() == 14
                && tx
                    .use_recovery_code(&user.id, &crypto::sha256_hex(&rc), now_ms)
                    .await?
        }
    })
}

/// The credential a request was authenticated with. A long-lived response (the event
/// stream) keeps it and ends when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token, by its id.
    Token { id: String, user_id: String },
    /// A browser session, by the SHA-256 of its token.
    Session { token_hash: String, user_id: String },
}

impl Credential {
    pub fn user_id(&self) -> &str {
        match self {
            Credential::Token { user_id, .. } | Credential::Session { user_id, .. } => user_id,
        }
    }
}

impl App {
    async fn new_session(
        &self,
        tx: &mut enlace_store::Tx,
        user: &User,
        stage: &'static str,
    ) -> AppResult<NewSession> {
        let token = crypto::random_token();
        let csrf = crypto::random_token();
        let now = self.now_ms();
        tx.insert_session(&Session {
            token_hash: crypto::sha256_hex(&token),
            user_id: user.id.clone(),
            stage: stage.to_string(),
            csrf: csrf.clone(),
            pending_secret: None,
            created_at: now,
            last_seen: now,
        })
        .await?;
        Ok(NewSession {
            token,
            csrf,
            stage,
            user: user.clone(),
        })
    }

    /// First step of login. Unknown user, disabled user and wrong password answer alike, after
    /// the same Argon2id work.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        origin: &Origin,
    ) -> AppResult<NewSession> {
        let now = self.now_ms();
        let username = username.trim().to_ascii_lowercase();
        let account_key = format!("u:{username}");
        let client_key = format!("c:{}", origin.client_addr);
        // Count the attempt before the slow password check, so concurrent attempts cannot all
        // pass the limit before any of them is counted; a success gives the slots back.
        let blocked = match self.limits.per_client.take(&client_key, now) {
            Err(wait) => Some(wait),
            Ok(()) => match self.limits.per_account.take(&account_key, now) {
                Err(wait) => {
                    self.limits.per_client.give_back(&client_key, now);
                    Some(wait)
                }
                Ok(()) => None,
            },
        };
        if let Some(retry_after_secs) = blocked {
            let mut tx = self.store.begin().await?;
            let mut e = anonymous_entry(origin, "login", "rate_limited");
            e.actor_username = Some(username.chars().take(64).collect());
            tx.audit(now, e).await?;
            tx.commit().await?;
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let user = if username.len() <= 64 && password.len() <= 1024 {
            self.store.user_by_username(&username).await?
        } else {
            None
        };
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| self.dummy_hash.to_string());
        let ok = crypto::verify_password(password.to_string(), hash).await;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            other => {
                // The slots taken above stay counted: this was a failure.
                let mut tx = self.store.begin().await?;
                let mut e = anonymous_entry(origin, "login", "failed");
                e.actor_username = Some(username.chars().take(64).collect());
                e.actor_id = other.map(|u| u.id);
                tx.audit(now, e).await?;
                tx.commit().await?;
                return Err(AppError::BadCredentials);
            }
        };
        self.limits.per_client.give_back(&client_key, now);
        self.limits.per_account.give_back(&account_key, now);
        let stage = if user.has_totp() {
            STAGE_TOTP
        } else if user.demo {
            // Demo accounts may skip the second factor; no other account may.
            STAGE_FULL
        } else {
            STAGE_ENROL
        };
        let mut tx = self.store.begin().await?;
        let s = self.new_session(&mut tx, &user, stage).await?;
        let ctx = Ctx {
            actor: user.actor(),
            origin: origin.clone(),
        };
        let mut e = ctx.entry("login", "ok");
        e.detail = Some(format!("stage={stage}"));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// The session behind a cookie token, if live. Expired sessions are deleted.
    pub async fn session(&self, token: &str) -> AppResult<Option<Authenticated>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let hash = crypto::sha256_hex(token);
        let Some(session) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        let now = self.now_ms();
        let idle = now - session.last_seen > self.config.idle_timeout_secs * 1000;
        let old = now - session.created_at > self.config.absolute_timeout_secs * 1000;
        let user = self.store.user_by_id(&session.user_id).await?;
        match user {
            Some(user) if !idle && !old && !user.disabled => {
                // Writing on every request would serialise reads; a minute's precision will do.
                if now - session.last_seen > 60_000 {
                    self.store.touch_session(&hash, now).await?;
                }
                Ok(Some(Authenticated { session, user }))
            }
            _ => {
                let mut tx = self.store.begin().await?;
                tx.delete_session(&hash).await?;
                tx.commit().await?;
                self.credential_ended(Ended::Session(hash));
                Ok(None)
            }
        }
    }

    /// Second step of login: a TOTP code or a recovery code. Rotates the session.
    pub async fn verify_second_factor(
        &self,
        auth: &Authenticated,
        code: &str,
        origin: &Origin,
    ) -> AppResult<NewSession> {
        if auth.session.stage != STAGE_TOTP {
            return Err(AppError::Unauthenticated);
        }
        let now = self.now_ms();
        let key = format!("t:{}", auth.user.id);
        // Counted before the code is checked (see login); a good code clears the count.
        if let Err(retry_after_secs) = self.limits.per_code.take(&key, now) {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let ctx = Ctx {
            actor: auth.user.actor(),
            origin: origin.clone(),
        };
        if auth.user.totp_secret.is_none() {
            return Err(AppError::Unauthenticated);
        }
        let mut tx = self.store.begin().await?;
        let accepted = current_code_ok(&mut tx, &auth.user, code, now).await?;
        if !accepted {
            tx.audit(now, ctx.entry("login.second_factor", "failed"))
                .await?;
            tx.commit().await?;
            return Err(AppError::BadCode);
        }
        self.limits.per_code.clear(&key);
        tx.delete_session(&auth.session.token_hash).await?;
        let s = self.new_session(&mut tx, &auth.user, STAGE_FULL).await?;
        tx.audit(now, ctx.entry("login.second_factor", "ok"))
            .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Starts (or shows again) an enrolment: a new secret kept on the session until confirmed.
    pub async fn start_enrolment(&self, auth: &Authenticated) -> AppResult<Enrolment> {
        let secret = match &auth.session.pending_secret {
            Some(s) => s.clone(),
            None => {
                let s = crypto::base32_encode(&crypto::random_bytes::<20>());
                let mut tx = self.store.begin().await?;
                tx.set_session_pending_secret(&auth.session.token_hash, Some(&s))
                    .await?;
                tx.commit().await?;
                s
            }
        };
        Ok(Enrolment {
            otpauth_uri: format!(
                "otpauth://totp/Enlace:{}?secret={}&issuer=Enlace&algorithm=SHA1&digits=6&period=30",
                auth.user.username, secret
            ),
            secret_base32: secret,
        })
    }

    /// Confirms an enrolment with a code from the new secret; returns the recovery codes,
    /// shown once, and a rotated full session.
    ///
    /// Replacing a second factor the user already has also takes `reauth`: the current
    /// password and a current code (TOTP or recovery). A session alone — left open on a
    /// shared computer, or stolen — must not be enough to take over the second factor. A
    /// replacement ends the user's other sessions. First enrolment (at first login) needs
    /// only the new code.
    pub async fn confirm_enrolment(
        &self,
        auth: &Authenticated,
        code: &str,
        reauth: Option<&Reauth<'_>>,
        origin: &Origin,
    ) -> AppResult<(NewSession, Vec<String>)> {
        if auth.session.stage != STAGE_ENROL && auth.session.stage != STAGE_FULL {
            return Err(AppError::Unauthenticated);
        }
        let now = self.now_ms();
        let replacing = auth.user.has_totp();
        // Its own key: failures here do not lock the user out of logging in.
        let limit_key = format!("r:{}", auth.user.id);
        if replacing {
            if let Some(retry_after_secs) = self.limits.per_code.blocked(&limit_key, now) {
                return Err(AppError::RateLimited { retry_after_secs });
            }
        }
        let secret_b32 = auth
            .session
            .pending_secret
            .clone()
            .ok_or(AppError::Conflict("enrolment_not_started"))?;
        let secret = crypto::base32_decode(&secret_b32).ok_or(AppError::BadCode)?;
        let ctx = Ctx {
            actor: auth.user.actor(),
            origin: origin.clone(),
        };
        let failed = |detail: &'static str| {
            let mut e = ctx.entry("totp.enrol", "failed");
            e.detail = Some(detail.to_string());
            e
        };
        if replacing {
            // Both are checked whatever the outcome of the first, and one answer covers
            // both, so a failure does not say which was wrong.
            let password_ok = match reauth {
                Some(r) if r.password.len() <= 1024 => {
                    crypto::verify_password(r.password.to_string(), auth.user.password_hash.clone())
                        .await
                }
                _ => false,
            };
            let mut tx = self.store.begin().await?;
            let code_ok = match reauth {
                Some(r) => current_code_ok(&mut tx, &auth.user, r.current_code, now).await?,
                None => false,
            };
            if !(password_ok && code_ok) {
                // Rolls back a current code this attempt may have used.
                drop(tx);
                self.limits.per_code.record(&limit_key, now);
                let mut tx = self.store.begin().await?;
                tx.audit(now, failed("reauthentication")).await?;
                tx.commit().await?;
                return Err(AppError::BadCredentials);
            }
            let Some(step) = crypto::totp_match(&secret, code, now / 1000) else {
                drop(tx);
                self.limits.per_code.record(&limit_key, now);
                let mut tx = self.store.begin().await?;
                tx.audit(now, failed("new code")).await?;
                tx.commit().await?;
                return Err(AppError::BadCode);
            };
            self.limits.per_code.clear(&limit_key);
            return self
                .finish_enrolment(tx, &ctx, auth, &secret_b32, step, true)
                .await;
        }
        let Some(step) = crypto::totp_match(&secret, code, now / 1000) else {
            let mut tx = self.store.begin().await?;
            tx.audit(now, failed("new code")).await?;
            tx.commit().await?;
            return Err(AppError::BadCode);
        };
        let tx = self.store.begin().await?;
        self.finish_enrolment(tx, &ctx, auth, &secret_b32, step, false)
            .await
    }

    /// Stores the new second factor and fresh recovery codes, and rotates the session.
    async fn finish_enrolment(
        &self,
        mut tx: enlace_store::Tx,
        ctx: &Ctx,
        auth: &Authenticated,
        secret_b32: &str,
        step: i64,
        replacing: bool,
    ) -> AppResult<(NewSession, Vec<String>)> {
        let now = self.now_ms();
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| crypto::recovery_code())
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| crypto::sha256_hex(c)).collect();
        tx.set_totp(&auth.user.id, Some(secret_b32), step, now)
            .await?;
        tx.replace_recovery_codes(&auth.user.id, &hashes).await?;
        if replacing {
            tx.delete_user_sessions(&auth.user.id).await?;
        } else {
            tx.delete_session(&auth.session.token_hash).await?;
        }
        let s = self.new_session(&mut tx, &auth.user, STAGE_FULL).await?;
        let mut e = ctx.entry("totp.enrol", "ok");
        if replacing {
            e.detail = Some("replaced the second factor; other sessions ended".into());
        }
        tx.audit(now, e).await?;
        tx.commit().await?;
        // A replacement ended every session of the user: so do their streams.
        self.credential_ended(if replacing {
            Ended::User(auth.user.id.clone())
        } else {
            Ended::Session(auth.session.token_hash.clone())
        });
        Ok((s, codes))
    }

    pub async fn logout(&self, auth: &Authenticated, origin: &Origin) -> AppResult<()> {
        let ctx = Ctx {
            actor: auth.user.actor(),
            origin: origin.clone(),
        };
        let mut tx = self.store.begin().await?;
        tx.delete_session(&auth.session.token_hash).await?;
        tx.audit(self.now_ms(), ctx.entry("logout", "ok")).await?;
        tx.commit().await?;
        self.credential_ended(Ended::Session(auth.session.token_hash.clone()));
        Ok(())
    }

    /// Changes the caller's password. In the same transaction, the user's other sessions end
    /// and all their API tokens are revoked (a token taken along with the old password must
    /// not outlive it); this session goes on. The audit entry says how many of each.
    pub async fn change_password(
        &self,
        ctx: &Ctx,
        auth: &Authenticated,
        current: &str,
        new: &str,
    ) -> AppResult<()> {
        let mut errs = Invalid::default();
        validate::new_password(&mut errs, new);
        errs.into_result()?;
        let now = self.now_ms();
        if !crypto::verify_password(current.to_string(), auth.user.password_hash.clone()).await {
            let mut tx = self.store.begin().await?;
            tx.audit(now, ctx.entry("password.change", "failed"))
                .await?;
            tx.commit().await?;
            return Err(AppError::Invalid(Invalid::one(
                "current_password",
                "wrong_password",
            )));
        }
        let hash = crypto::hash_password(new.to_string())
            .await
            .map_err(AppError::Internal)?;
        let mut tx = self.store.begin().await?;
        tx.set_password_hash(&auth.user.id, &hash, now).await?;
        let sessions = tx
            .delete_other_sessions(&auth.user.id, &auth.session.token_hash)
            .await?;
        let tokens = tx.revoke_user_tokens(&auth.user.id, now).await?;
        let mut e = ctx.entry("password.change", "ok");
        e.detail = Some(format!(
            "other sessions ended={sessions} api tokens revoked={tokens}"
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        // The user's other sessions are gone: their streams re-check and end (this one stays).
        self.credential_ended(Ended::User(auth.user.id.clone()));
        Ok(())
    }

    pub async fn set_language(&self, user_id: &str, lang: &str) -> AppResult<()> {
        if lang != "es" && lang != "en" {
            return Err(AppError::Invalid(Invalid::one("lang", "bad_language")));
        }
        let mut tx = self.store.begin().await?;
        tx.set_language(user_id, lang).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The time zone the pages use for this user: one of the region's zones, or empty for
    /// the country's. Audited: it changes what every page shows them.
    pub async fn set_time_zone(&self, ctx: &Ctx, zone: &str) -> AppResult<()> {
        let zone = zone.trim();
        let chosen = if zone.is_empty() {
            None
        } else if enlace_domain::country::TIME_ZONES.contains(&zone) {
            Some(zone)
        } else {
            return Err(AppError::Invalid(Invalid::one(
                "time_zone",
                "bad_time_zone",
            )));
        };
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_time_zone(&ctx.actor.user_id, chosen).await?;
        let mut e = ctx.entry("account.time_zone", "ok");
        e.detail = Some(chosen.unwrap_or("country").to_string());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's chosen zone (`None`: their country's) and the zone pages use for them.
    pub async fn time_zone_setting(&self, ctx: &Ctx) -> AppResult<(Option<String>, &'static str)> {
        let user = self
            .store
            .user_by_id(&ctx.actor.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let effective =
            enlace_domain::country::time_zone_of(user.time_zone.as_deref(), user.country);
        Ok((user.time_zone, effective))
    }

    /// The live token behind an API bearer token and its user, if the token is unrevoked
    /// and the user enabled.
    pub async fn token_user(&self, token: &str) -> AppResult<Option<(Credential, User)>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let Some(t) = self.store.token_by_hash(&crypto::sha256_hex(token)).await? else {
            return Ok(None);
        };
        let now = self.now_ms();
        if t.last_used_at.is_none_or(|l| now - l > 60_000) {
            self.store.touch_token(&t.id, now).await?;
        }
        Ok(self
            .store
            .user_by_id(&t.user_id)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| {
                (
                    Credential::Token {
                        id: t.id,
                        user_id: t.user_id,
                    },
                    u,
                )
            }))
    }

    /// Whether a credential still stands and, if nothing else happens, until when at the
    /// latest (epoch ms): a session's idle and absolute limits, `i64::MAX` for a token.
    /// `None` once it has ended: token revoked, session gone or timed out, user disabled.
    /// One read by primary key: open event streams call it every second.
    pub async fn credential_valid_until(&self, c: &Credential) -> AppResult<Option<i64>> {
        match c {
            Credential::Token { id, user_id } => Ok(self
                .store
                .token_live(id, user_id)
                .await?
                .then_some(i64::MAX)),
            Credential::Session {
                token_hash,
                user_id,
            } => {
                let Some(s) = self.store.session_liveness(token_hash, user_id).await? else {
                    return Ok(None);
                };
                // The same limits as `session`: live while now - last_seen <= idle, and
                // now - created_at <= absolute.
                let until =
                    s.last_seen
                        .saturating_add(self.config.idle_timeout_secs.saturating_mul(1000))
                        .min(s.created_at.saturating_add(
                            self.config.absolute_timeout_secs.saturating_mul(1000),
                        ));
                let live = s.stage == STAGE_FULL && !s.user_disabled && self.now_ms() <= until;
                Ok(live.then_some(until))
            }
        }
    }

    /// A new API token for the caller. The raw token is returned once; only its hash is kept.
    pub async fn create_token(&self, ctx: &Ctx, name: &str) -> AppResult<(String, String)> {
        let mut errs = Invalid::default();
        let name = validate::text(&mut errs, "name", name, true, 100);
        errs.into_result()?;
        let token = format!("enl_{}", crypto::random_token());
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_token(&ctx.actor.user_id, &name, &crypto::sha256_hex(&token), now)
            .await?;
        let mut e = ctx.entry("token.create", "ok");
        e.object_kind = Some("token".into());
        e.object_id = Some(id.clone());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((id, token))
    }

    pub async fn tokens(&self, ctx: &Ctx) -> AppResult<Vec<enlace_store::tokens::ApiToken>> {
        Ok(self.store.tokens_of(&ctx.actor.user_id).await?)
    }

    pub async fn revoke_token(&self, ctx: &Ctx, id: &str) -> AppResult<()> {
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.revoke_token(&ctx.actor.user_id, id, now).await? {
            return Err(AppError::NotFound);
        }
        let mut e = ctx.entry("token.revoke", "ok");
        e.object_kind = Some("token".into());
        e.object_id = Some(id.to_string());
        tx.audit(now, e).await?;
        tx.commit().await?;
        self.credential_ended(Ended::Token(id.to_string()));
        Ok(())
    }
}
