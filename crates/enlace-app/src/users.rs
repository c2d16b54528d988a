//! User administration: country admins manage their country's users; the secretariat manages
//! countries and country admins.
use crate::{crypto, App, AppError, AppResult, Ctx};
use enlace_domain::policy;
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{Country, Role};
use enlace_store::countries::CountryRow;
use enlace_store::users::{NewUser, User};

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    /// 3–64 letters, digits, dots, dashes or underscores (kept in lower case).
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z0-9._-]{3,64}$")]
    pub username: String,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 120,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub display_name: String,
    /// A country admin gives `officer`, `prosecutor`, `analyst` or `approver`; the
    /// secretariat gives `admin`.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^(officer|prosecutor|analyst|approver|admin)$"
    )]
    pub role: String,
    /// Only the secretariat names a country (for a country admin); admins create in their own.
    #[serde(default)]
    #[schema(value_type = Option<enlace_domain::Country>)]
    pub country: Option<String>,
}

/// What a creation or reset of an account came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Done: the account and its one-time temporary password.
    Issued(IssuedCredentials),
    /// A country admin's creation or reset awaiting its country's approval.
    Pending(User),
}

/// A created or reset account and its one-time temporary password.
#[derive(Debug, Clone)]
pub struct IssuedCredentials {
    pub user: User,
    pub temporary_password: String,
}

impl App {
    /// Users the caller administers: their country's (admin) or all country admins (secretariat).
    pub async fn list_users(
        &self,
        ctx: &Ctx,
        limit: i64,
        offset: i64,
    ) -> AppResult<(Vec<User>, i64)> {
        if !policy::may_list_users(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let scope = if ctx.actor.role == Role::Secretariat {
            None
        } else {
            Some(ctx.actor.country.ok_or(AppError::NotFound)?)
        };
        let (users, total) = self.store.users_of(scope, limit, offset).await?;
        // The secretariat's view of admins comes from the same filter as the policy.
        let users: Vec<User> = users
            .into_iter()
            .filter(|u| {
                policy::may_manage_user(&ctx.actor, u.role, u.country) || u.id == ctx.actor.user_id
            })
            .collect();
        // Accounts are personal data: the list is audited, and each account of another
        // country reaches that country's audit.
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let mut e = ctx.entry("user.list", "ok");
        e.object_kind = Some("user".into());
        e.object_country = scope.map(|c| c.code().to_string());
        e.detail = Some(format!("returned={}", users.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "user.list",
            "user",
            users
                .iter()
                .filter_map(|u| Some((u.id.clone(), u.country?, false)))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((users, total))
    }

    /// A user the caller may manage; anyone else does not exist for them. The secretariat is
    /// refused (403) any admin of a country that has an active admin.
    pub async fn managed_user(&self, ctx: &Ctx, id: &str) -> AppResult<User> {
        match self.store.user_by_id(id).await? {
            Some(u) if policy::may_manage_user(&ctx.actor, u.role, u.country) => {
                self.secretariat_may_touch(ctx, &u).await?;
                Ok(u)
            }
            _ => Err(AppError::NotFound),
        }
    }

    /// Creates an account. A country admin's users are created at once; a country admin is
    /// created at once only by the secretariat and only while the country has no active
    /// admin (its first); a country admin proposing another admin waits for the country's
    /// approval (`approve_user`).
    pub async fn create_user(&self, ctx: &Ctx, input: &UserInput) -> AppResult<Outcome> {
        if !policy::may_list_users(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let mut errs = Invalid::default();
        let username = validate::username(&mut errs, &input.username);
        let display_name =
            validate::text(&mut errs, "display_name", &input.display_name, true, 120);
        let role = Role::parse(&input.role);
        if role.is_none() {
            errs.push("role", "bad_role");
        }
        let country = if ctx.actor.role == Role::Secretariat {
            match input.country.as_deref().map(Country::parse) {
                Some(Some(c)) => Some(c),
                _ => {
                    errs.push("country", "unknown_country");
                    None
                }
            }
        } else {
            // A country admin creates in its own country; naming another is refused, and a
            // name that is no member country is invalid, not silently ignored.
            match input.country.as_deref().map(str::trim) {
                None | Some("") => {}
                Some(c) => match Country::parse(c) {
                    None => errs.push("country", "unknown_country"),
                    Some(c) if Some(c) != ctx.actor.country => {
                        errs.into_result()?;
                        return Err(AppError::Forbidden);
                    }
                    Some(_) => {}
                },
            }
            ctx.actor.country
        };
        errs.into_result()?;
        let role = role.ok_or(AppError::Invalid(Invalid::one("role", "bad_role")))?;
        if !policy::may_manage_user(&ctx.actor, role, country) {
            // Not the caller's to give: a refusal, not a malformed request.
            return Err(AppError::Forbidden);
        }
        if self.store.user_by_username(&username).await?.is_some() {
            return Err(AppError::Conflict("username_taken"));
        }
        let temporary_password = crypto::temporary_password();
        let hash = crypto::hash_password(temporary_password.clone())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let proposal = role == Role::Admin && ctx.actor.role == Role::Admin;
        if role == Role::Admin && ctx.actor.role == Role::Secretariat {
            let c = country.ok_or(AppError::Invalid(Invalid::one(
                "country",
                "unknown_country",
            )))?;
            // Checked in the transaction that creates the admin: two first admins cannot race.
            if tx.active_admins(c).await? > 0 {
                return Err(AppError::Forbidden);
            }
        }
        let id = match tx
            .insert_user(
                &NewUser {
                    username: &username,
                    display_name: &display_name,
                    country,
                    role,
                    password_hash: &hash,
                    demo: false,
                },
                now,
            )
            .await
        {
            Ok(id) => id,
            // Lost a race with another creation of the same name.
            Err(e) if e.is_unique_violation() => return Err(AppError::Conflict("username_taken")),
            Err(e) => return Err(e.into()),
        };
        if proposal {
            let c = country.ok_or(AppError::NotFound)?;
            // Nobody holds a working credential until the country approves: the account
            // waits disabled, and the password above is thrown away.
            tx.set_user_disabled(&id, true, now).await?;
            tx.insert_approval(&id, "create", c, &ctx.actor.user_id, now)
                .await?;
            let mut e = ctx.entry("user.propose_admin", "ok");
            e.object_kind = Some("user".into());
            e.object_id = Some(id.clone());
            e.object_country = Some(c.code().to_string());
            e.detail = Some(format!("username={username}"));
            tx.audit(now, e).await?;
            let user = tx.user_by_id(&id).await?.ok_or(AppError::NotFound)?;
            self.ask_for_approval(&mut tx, ctx, &user, c, now).await?;
            tx.commit().await?;
            return Ok(Outcome::Pending(user));
        }
        let mut e = ctx.entry("user.create", "ok");
        e.object_kind = Some("user".into());
        e.object_id = Some(id.clone());
        e.object_country = country.map(|c| c.code().to_string());
        e.detail = Some(format!("username={username} role={}", role.as_str()));
        tx.audit(now, e).await?;
        let user = tx.user_by_id(&id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(Outcome::Issued(IssuedCredentials {
            user,
            temporary_password,
        }))
    }

    /// Tells the country's approver and its other admins that an admin account awaits them.
    async fn ask_for_approval(
        &self,
        tx: &mut enlace_store::Tx,
        ctx: &Ctx,
        user: &User,
        country: Country,
        now: i64,
    ) -> AppResult<()> {
        let mut out = crate::live::Outbox::default();
        let to: Vec<String> = tx
            .users_with_roles(country, &["approver", "admin"])
            .await?
            .into_iter()
            .filter(|id| *id != ctx.actor.user_id && *id != user.id)
            .collect();
        out.notify(
            tx,
            &to,
            "account_approval",
            &crate::live::bilingual(
                &format!("Cuenta de administración por aprobar: {}", user.username),
                &format!("Admin account awaiting approval: {}", user.username),
            ),
            &format!("/admin/users/{}", user.id),
            now,
        )
        .await?;
        self.publish(out);
        Ok(())
    }

    /// An account as the page shows it to someone who may administer or approve it, with what
    /// awaits approval (`create`, `reset`) and whether this caller may approve it. The
    /// country's approver sees only accounts awaiting approval.
    pub async fn account_for_review(
        &self,
        ctx: &Ctx,
        id: &str,
    ) -> AppResult<(User, Option<String>, bool)> {
        let user = match self.managed_user(ctx, id).await {
            Ok(u) => u,
            Err(AppError::NotFound) if ctx.actor.role == Role::Approver => self
                .store
                .user_by_id(id)
                .await?
                .filter(|u| u.country.is_some() && u.country == ctx.actor.country)
                .ok_or(AppError::NotFound)?,
            Err(e) => return Err(e),
        };
        let mut tx = self.store.read().await?;
        let pending = tx.approval(&user.id).await?;
        drop(tx);
        if ctx.actor.role == Role::Approver && pending.is_none() {
            return Err(AppError::NotFound);
        }
        let may_approve = pending.as_ref().is_some_and(|(_, by)| {
            matches!(ctx.actor.role, Role::Approver | Role::Admin)
                && *by != ctx.actor.user_id
                && user.id != ctx.actor.user_id
                && user.country == ctx.actor.country
        });
        Ok((user, pending.map(|(kind, _)| kind), may_approve))
    }

    /// The country's approver, or another of its admins, approves a pending creation or reset
    /// of an admin: the account gets a temporary password, shown only to the approver.
    pub async fn approve_user(&self, ctx: &Ctx, id: &str) -> AppResult<IssuedCredentials> {
        let me = ctx.actor.country.ok_or(AppError::NotFound)?;
        if !matches!(ctx.actor.role, Role::Approver | Role::Admin) {
            return Err(AppError::NotFound);
        }
        let target = self
            .store
            .user_by_id(id)
            .await?
            .filter(|u| u.country == Some(me))
            .ok_or(AppError::NotFound)?;
        let temporary_password = crypto::temporary_password();
        let hash = crypto::hash_password(temporary_password.clone())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let (kind, proposer) = tx
            .approval(&target.id)
            .await?
            .ok_or(AppError::Conflict("nothing_to_approve"))?;
        if proposer == ctx.actor.user_id || target.id == ctx.actor.user_id {
            // Two people of the country, never one alone.
            return Err(AppError::Forbidden);
        }
        tx.set_password_hash(&target.id, &hash, now).await?;
        tx.set_totp(&target.id, None, 0, now).await?;
        tx.replace_recovery_codes(&target.id, &[]).await?;
        tx.delete_user_sessions(&target.id).await?;
        tx.revoke_user_tokens(&target.id, now).await?;
        if kind == "create" {
            tx.set_user_disabled(&target.id, false, now).await?;
        }
        tx.delete_approval(&target.id).await?;
        let mut e = ctx.entry("user.approve", "ok");
        e.object_kind = Some("user".into());
        e.object_id = Some(target.id.clone());
        e.object_country = Some(me.code().to_string());
        e.detail = Some(format!("kind={kind} proposed_by={proposer}"));
        tx.audit(now, e).await?;
        let user = tx.user_by_id(&target.id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        // A reset ends the account's sessions and tokens, and so its open streams.
        self.credential_ended(crate::live::Ended::User(target.id.clone()));
        Ok(IssuedCredentials {
            user,
            temporary_password,
        })
    }

    /// For the secretariat, a country's admin accounts exist only while the country has no
    /// active admin (it creates the first, or recovers a country locked out of its own).
    async fn secretariat_may_touch(&self, ctx: &Ctx, target: &User) -> AppResult<()> {
        if ctx.actor.role == Role::Secretariat {
            let c = target.country.ok_or(AppError::NotFound)?;
            let mut tx = self.store.read().await?;
            let active = tx.active_admins(c).await?;
            drop(tx);
            if active > 0 {
                return Err(AppError::Forbidden);
            }
        }
        Ok(())
    }

    pub async fn set_user_disabled(&self, ctx: &Ctx, id: &str, disabled: bool) -> AppResult<User> {
        let target = self.managed_user(ctx, id).await?;
        // Between a country's admins only proposals: one admin never locks out another.
        if target.role == Role::Admin && ctx.actor.role == Role::Admin {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_user_disabled(&target.id, disabled, now).await?;
        if disabled {
            tx.delete_user_sessions(&target.id).await?;
        }
        let mut e = ctx.entry(
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            "ok",
        );
        e.object_kind = Some("user".into());
        e.object_id = Some(target.id.clone());
        e.object_country = target.country.map(|c| c.code().to_string());
        tx.audit(now, e).await?;
        let user = tx.user_by_id(&target.id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        if disabled {
            // Every stream the user has open ends (their tokens stop working too).
            self.credential_ended(crate::live::Ended::User(target.id.clone()));
        }
        Ok(user)
    }

    /// Issues a new temporary password and removes the second factor: the user enrols again.
    /// A country admin's reset of another admin waits for the country's approval.
    pub async fn reset_user(&self, ctx: &Ctx, id: &str) -> AppResult<Outcome> {
        let target = self.managed_user(ctx, id).await?;
        if target.role == Role::Admin && ctx.actor.role == Role::Admin {
            let c = target.country.ok_or(AppError::NotFound)?;
            let now = self.now_ms();
            let mut tx = self.store.begin().await?;
            if tx.approval(&target.id).await?.is_some() {
                return Err(AppError::Conflict("approval_pending"));
            }
            tx.insert_approval(&target.id, "reset", c, &ctx.actor.user_id, now)
                .await?;
            let mut e = ctx.entry("user.propose_reset", "ok");
            e.object_kind = Some("user".into());
            e.object_id = Some(target.id.clone());
            e.object_country = Some(c.code().to_string());
            tx.audit(now, e).await?;
            self.ask_for_approval(&mut tx, ctx, &target, c, now).await?;
            tx.commit().await?;
            return Ok(Outcome::Pending(target));
        }
        let temporary_password = crypto::temporary_password();
        let hash = crypto::hash_password(temporary_password.clone())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        tx.set_password_hash(&target.id, &hash, now).await?;
        tx.set_totp(&target.id, None, 0, now).await?;
        tx.replace_recovery_codes(&target.id, &[]).await?;
        tx.delete_user_sessions(&target.id).await?;
        tx.revoke_user_tokens(&target.id, now).await?;
        let mut e = ctx.entry("user.reset", "ok");
        e.object_kind = Some("user".into());
        e.object_id = Some(target.id.clone());
        e.object_country = target.country.map(|c| c.code().to_string());
        tx.audit(now, e).await?;
        let user = tx.user_by_id(&target.id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        // Sessions and tokens are gone: every stream the user has open ends.
        self.credential_ended(crate::live::Ended::User(target.id.clone()));
        Ok(Outcome::Issued(IssuedCredentials {
            user,
            temporary_password,
        }))
    }

    pub async fn countries(&self) -> AppResult<Vec<CountryRow>> {
        Ok(self.store.countries().await?)
    }

    /// Changes what is given of a member country (None keeps the value).
    pub async fn update_country(
        &self,
        ctx: &Ctx,
        code: &str,
        name_es: Option<&str>,
        name_en: Option<&str>,
        active: Option<bool>,
    ) -> AppResult<()> {
        if !policy::may_manage_countries(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let mut errs = Invalid::default();
        let es = name_es.map(|v| validate::text(&mut errs, "name_es", v, true, 100));
        let en = name_en.map(|v| validate::text(&mut errs, "name_en", v, true, 100));
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx
            .update_country(code, es.as_deref(), en.as_deref(), active)
            .await?
        {
            return Err(AppError::NotFound);
        }
        let mut e = ctx.entry("country.update", "ok");
        e.object_kind = Some("country".into());
        e.object_id = Some(code.to_string());
        e.object_country = Some(code.to_string());
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl App {
    /// Creates an account from the command line (the operator of the machine is trusted):
    /// how a platform without demo data gets its first secretariat account.
    pub async fn bootstrap_user(
        &self,
        username: &str,
        display_name: Option<&str>,
        role: &str,
        country: Option<&str>,
    ) -> AppResult<String> {
        let mut errs = Invalid::default();
        let username = validate::username(&mut errs, username);
        let role = Role::parse(role);
        if role.is_none() {
            errs.push("role", "bad_role");
        }
        let country = match (role, country) {
            (Some(Role::Secretariat), None) => None,
            (Some(Role::Secretariat), Some(_)) => {
                errs.push("country", "unknown_country");
                None
            }
            (_, c) => {
                let c = c.and_then(Country::parse);
                if c.is_none() {
                    errs.push("country", "unknown_country");
                }
                c
            }
        };
        errs.into_result()?;
        let role = role.ok_or(AppError::Invalid(Invalid::one("role", "bad_role")))?;
        if self.store.user_by_username(&username).await?.is_some() {
            return Err(AppError::Conflict("username_taken"));
        }
        let pw = crypto::temporary_password();
        let hash = crypto::hash_password(pw.clone())
            .await
            .map_err(AppError::Internal)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_user(
                &NewUser {
                    username: &username,
                    display_name: display_name.unwrap_or(&username),
                    country,
                    role,
                    password_hash: &hash,
                    demo: false,
                },
                now,
            )
            .await?;
        let mut e = crate::anonymous_entry(
            &crate::Origin {
                request_id: "cli".into(),
                client_addr: "command-line".into(),
                purpose: None,
            },
            "user.create",
            "ok",
        );
        e.object_kind = Some("user".into());
        e.object_id = Some(id);
        e.object_country = country.map(|c| c.code().to_string());
        e.detail = Some(format!(
            "username={username} role={} (command line)",
            role.as_str()
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(pw)
    }
}

impl App {
    pub async fn mo_vocabulary(&self) -> AppResult<Vec<enlace_store::countries::MoTerm>> {
        Ok(self.store.mo_vocabulary().await?)
    }

    /// The secretariat extends the modus operandi vocabulary.
    pub async fn add_mo_term(&self, ctx: &Ctx, code: &str, es: &str, en: &str) -> AppResult<()> {
        if !policy::may_manage_countries(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        let code = code.trim().to_ascii_lowercase();
        if !(2..=60).contains(&code.len())
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errs.push("code", "bad_code_format");
        }
        let es = validate::text(&mut errs, "label_es", es, true, 120);
        let en = validate::text(&mut errs, "label_en", en, true, 120);
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.add_mo_term(&code, &es, &en, now).await? {
            return Err(AppError::Conflict("code_taken"));
        }
        let mut e = ctx.entry("mo.add", "ok");
        e.object_kind = Some("mo_term".into());
        e.object_id = Some(code);
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }
}
