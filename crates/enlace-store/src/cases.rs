//! Case files. Reads go through the visibility predicate; writes are only reachable for
//! records the caller has already been allowed to see and edit.
use crate::db::{new_id, Tx, Q};
use crate::visibility::Viewer;
use crate::StoreError;
use enlace_domain::{
    CaseDraft, CaseStatus, Country, Distribution, DistributionLevel, Evaluation, Handling,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Case {
    pub id: String,
    pub reference: String,
    pub owner_country: Country,
    pub title: String,
    pub summary: String,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
    pub sensitive: bool,
    pub status: CaseStatus,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub version: i64,
}

const COLS: &str = "c.id, c.reference, c.owner_country, c.title, c.summary, c.dist_level, c.handling, c.evaluation, c.sensitive, c.status, c.created_by, c.created_at, c.updated_at, c.closed_at, c.version";

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The sharing attributes every owned record row carries (owner, distribution, handling,
/// evaluation, sensitive), read the same way for case files and entities.
pub(crate) struct Sharing {
    pub owner: Country,
    pub distribution: Distribution,
    pub handling: Handling,
    pub evaluation: Evaluation,
    pub sensitive: bool,
}

impl Sharing {
    pub(crate) fn from_row(r: &AnyRow, countries: Vec<Country>) -> crate::Result<Sharing> {
        let owner: String = r.try_get("owner_country")?;
        let level: String = r.try_get("dist_level")?;
        let handling: String = r.try_get("handling")?;
        let evaluation: String = r.try_get("evaluation")?;
        Ok(Sharing {
            owner: Country::parse(&owner).ok_or_else(|| corrupt("owner_country"))?,
            distribution: Distribution {
                level: DistributionLevel::parse(&level).ok_or_else(|| corrupt("dist_level"))?,
                countries,
            },
            handling: Handling::parse(&handling).ok_or_else(|| corrupt("handling"))?,
            evaluation: Evaluation::parse(&evaluation).ok_or_else(|| corrupt("evaluation"))?,
            sensitive: r.try_get::<i64, _>("sensitive")? != 0,
        })
    }
}

fn case_from_row(r: &AnyRow, countries: Vec<Country>) -> crate::Result<Case> {
    let sh = Sharing::from_row(r, countries)?;
    let status: String = r.try_get("status")?;
    Ok(Case {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        owner_country: sh.owner,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        distribution: sh.distribution,
        handling: sh.handling,
        evaluation: sh.evaluation,
        sensitive: sh.sensitive,
        status: CaseStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
        version: r.try_get("version")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Case-insensitive substring of title or reference.
    pub text: Option<String>,
    pub status: Option<CaseStatus>,
    pub owner: Option<Country>,
}

impl Tx {
    /// The named receiving countries of a record (case file or entity).
    pub(crate) async fn record_countries(&mut self, id: &str) -> crate::Result<Vec<Country>> {
        let rows = self
            .fetch_all(
                &Q::new(
                    "SELECT country FROM record_countries WHERE record_id = $1 ORDER BY country",
                )
                .arg(id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let c: String = r.try_get("country")?;
                Country::parse(&c).ok_or_else(|| corrupt("record_countries"))
            })
            .collect()
    }

    /// The named countries of many records (lists ask once, not once per row). Records
    /// without any are absent from the map.
    pub(crate) async fn record_countries_of(
        &mut self,
        ids: &[String],
    ) -> crate::Result<std::collections::HashMap<String, Vec<Country>>> {
        self.children_of("record_countries", "record_id", "country", ids)
            .await?
            .into_iter()
            .map(|(id, cs)| Ok((id, crate::db::parse_countries(&cs, "record_countries")?)))
            .collect()
    }

    async fn set_record_countries(&mut self, id: &str, d: &Distribution) -> crate::Result<()> {
        self.execute(&Q::new("DELETE FROM record_countries WHERE record_id = $1").arg(id))
            .await?;
        if d.level == DistributionLevel::Countries {
            for c in &d.countries {
                self.execute(
                    &Q::new("INSERT INTO record_countries (record_id, country) VALUES ($1, $2)")
                        .arg(id)
                        .arg(*c),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn next_case_number(&mut self, owner: Country, year: i64) -> crate::Result<i64> {
        let row = self
            .fetch_optional(
                &Q::new("SELECT next_value FROM case_counters WHERE country = $1 AND year = $2")
                    .arg(owner)
                    .arg(year),
            )
            .await?;
        let n = match row {
            Some(r) => r.try_get::<i64, _>("next_value")?,
            None => {
                self.execute(
                    &Q::new(
                        "INSERT INTO case_counters (country, year, next_value) VALUES ($1, $2, 1)",
                    )
                    .arg(owner)
                    .arg(year),
                )
                .await?;
                1
            }
        };
        self.execute(
            &Q::new("UPDATE case_counters SET next_value = $1 WHERE country = $2 AND year = $3")
                .arg(n + 1)
                .arg(owner)
                .arg(year),
        )
        .await?;
        Ok(n)
    }

    /// Inserts a case owned by `owner`. The caller has checked the policy.
    pub async fn insert_case(
        &mut self,
        owner: Country,
        draft: &CaseDraft,
        created_by: &str,
        now_ms: i64,
    ) -> crate::Result<Case> {
        let id = new_id();
        let year: i64 = enlace_domain::clock::format_utc(now_ms)[..4]
            .parse()
            .map_err(|_| corrupt("clock"))?;
        let n = self.next_case_number(owner, year).await?;
        let reference = format!("{}-{year}-{n:05}", owner.code().to_uppercase());
        self.execute(
            &Q::new("INSERT INTO cases (id, reference, owner_country, title, summary, dist_level, handling, evaluation, sensitive, status, created_by, created_at, updated_at, closed_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $11, NULL, 1)")
                .arg(&id)
                .arg(&reference)
                .arg(owner)
                .arg(&draft.title)
                .arg(&draft.summary)
                .arg(draft.distribution.level.as_str())
                .arg(draft.handling.as_str())
                .arg(draft.evaluation.code())
                .arg(draft.sensitive)
                .arg(created_by)
                .arg(now_ms),
        )
        .await?;
        self.set_record_countries(&id, &draft.distribution).await?;
        Ok(Case {
            id,
            reference,
            owner_country: owner,
            title: draft.title.clone(),
            summary: draft.summary.clone(),
            distribution: draft.distribution.clone(),
            handling: draft.handling,
            evaluation: draft.evaluation,
            sensitive: draft.sensitive,
            status: CaseStatus::Open,
            created_by: created_by.to_string(),
            created_at: now_ms,
            updated_at: now_ms,
            closed_at: None,
            version: 1,
        })
    }

    /// A case as `viewer` may see it; `None` when missing or hidden (indistinguishable).
    pub async fn case_visible(&mut self, viewer: &Viewer, id: &str) -> crate::Result<Option<Case>> {
        let mut q = Q::new(&format!("SELECT {COLS} FROM cases c WHERE c.id = "));
        q.bind(id).push(" AND ");
        viewer.predicate(&mut q, "c");
        let Some(row) = self.fetch_optional(&q).await? else {
            return Ok(None);
        };
        let countries = self.record_countries(id).await?;
        case_from_row(&row, countries).map(Some)
    }

    /// One page of the cases `viewer` may see, newest change first, and the total count.
    pub async fn cases_visible(
        &mut self,
        viewer: &Viewer,
        filter: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> crate::Result<(Vec<Case>, i64)> {
        let mut count = Q::new("SELECT COUNT(*) AS n FROM cases c");
        case_filters(&mut count, viewer, filter);
        let total: i64 = self.fetch_one(&count).await?.try_get("n")?;
        let mut q = Q::new(&format!("SELECT {COLS} FROM cases c"));
        case_filters(&mut q, viewer, filter);
        q.push(" ORDER BY c.updated_at DESC, c.id LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        let rows = self.fetch_all(&q).await?;
        let ids = crate::db::row_ids(&rows)?;
        let named = self.record_countries_of(&ids).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (r, id) in rows.iter().zip(&ids) {
            out.push(case_from_row(
                r,
                named.get(id).cloned().unwrap_or_default(),
            )?);
        }
        Ok((out, total))
    }

    /// Rewrites a case the caller was allowed to edit, if `expected_version` still holds.
    pub async fn update_case(
        &mut self,
        id: &str,
        draft: &CaseDraft,
        expected_version: i64,
        now_ms: i64,
    ) -> crate::Result<()> {
        let n = self
            .execute(
                &Q::new("UPDATE cases SET title = $1, summary = $2, dist_level = $3, handling = $4, evaluation = $5, sensitive = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9")
                    .arg(&draft.title)
                    .arg(&draft.summary)
                    .arg(draft.distribution.level.as_str())
                    .arg(draft.handling.as_str())
                    .arg(draft.evaluation.code())
                    .arg(draft.sensitive)
                    .arg(now_ms)
                    .arg(id)
                    .arg(expected_version),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Conflict("stale_version"));
        }
        self.set_record_countries(id, &draft.distribution).await
    }

    pub async fn set_case_status(
        &mut self,
        id: &str,
        status: CaseStatus,
        now_ms: i64,
    ) -> crate::Result<()> {
        let closed_at = (status == CaseStatus::Closed).then_some(now_ms);
        self.execute(
            &Q::new("UPDATE cases SET status = $1, closed_at = $2, updated_at = $3, version = version + 1 WHERE id = $4")
                .arg(status.as_str())
                .arg(closed_at)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }
}

fn case_filters(q: &mut Q, viewer: &Viewer, filter: &CaseFilter) {
    q.push(" WHERE ");
    viewer.predicate(q, "c");
    if let Some(t) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!("%{}%", escape_like(&t.trim().to_lowercase()));
        q.push(" AND (LOWER(c.title) LIKE ").bind(pattern.clone());
        q.push(" ESCAPE '\\' OR LOWER(c.reference) LIKE ")
            .bind(pattern);
        q.push(" ESCAPE '\\')");
    }
    if let Some(s) = filter.status {
        q.push(" AND c.status = ").bind(s.as_str());
    }
    if let Some(o) = filter.owner {
        q.push(" AND c.owner_country = ").bind(o);
    }
}

/// Escapes LIKE wildcards so user text matches literally.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}
