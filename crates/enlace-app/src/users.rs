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
        let users = users
            .into_iter()
            .filter(|u| {
                policy::may_manage_user(&ctx.actor, u.role, u.country) || u.id == ctx.actor.user_id
            })
            .collect();
        Ok((users, total))
    }

    /// A user the caller may manage; anyone else does not exist for them.
    pub async fn managed_user(&self, ctx: &Ctx, id: &str) -> AppResult<User> {
        match self.store.user_by_id(id).await? {
            Some(u) if policy::may_manage_user(&ctx.actor, u.role, u.country) => Ok(u),
            _ => Err(AppError::NotFound),
        }
    }

    pub async fn create_user(&self, ctx: &Ctx, input: &UserInput) -> AppResult<IssuedCredentials> {
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
        let mut e = ctx.entry("user.create", "ok");
        e.object_kind = Some("user".into());
        e.object_id = Some(id.clone());
        e.object_country = country.map(|c| c.code().to_string());
        e.detail = Some(format!("username={username} role={}", role.as_str()));
        tx.audit(now, e).await?;
        let user = tx.user_by_id(&id).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(IssuedCredentials {
            user,
            temporary_password,
        })
    }

    pub async fn set_user_disabled(&self, ctx: &Ctx, id: &str, disabled: bool) -> AppResult<User> {
        let target = self.managed_user(ctx, id).await?;
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
    pub async fn reset_user(&self, ctx: &Ctx, id: &str) -> AppResult<IssuedCredentials> {
        let target = self.managed_user(ctx, id).await?;
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
        Ok(IssuedCredentials {
            user,
            temporary_password,
        })
    }

    pub async fn countries(&self) -> AppResult<Vec<CountryRow>> {
        Ok(self.store.countries().await?)
    }

    pub async fn update_country(
        &self,
        ctx: &Ctx,
        code: &str,
        name_es: &str,
        name_en: &str,
        active: bool,
    ) -> AppResult<()> {
        if !policy::may_manage_countries(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let mut errs = Invalid::default();
        let es = validate::text(&mut errs, "name_es", name_es, true, 100);
        let en = validate::text(&mut errs, "name_en", name_en, true, 100);
        errs.into_result()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.update_country(code, &es, &en, active).await? {
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
