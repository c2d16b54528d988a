//! Visa requirements: for each member country as destination and each nationality, the
//! regime in force from a date. Every change is a new version; the one it replaces keeps
//! its row with `superseded_at` set, so the history is whole.
use crate::db::{new_id, Store, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct VisaRow {
    pub id: String,
    pub destination: Country,
    pub nationality: String,
    /// 1, 2, … in the order the pair's versions were recorded.
    pub version: i64,
    /// `YYYY-MM-DD`: in force from this date.
    pub effective: String,
    pub regime: String,
    pub max_stay_days: Option<i64>,
    pub source_text: String,
    pub source_url: Option<String>,
    pub notes: String,
    /// Set or confirmed by the destination country (false: proposed by someone else).
    pub verified: bool,
    /// `set`, `proposed`, `confirmed` or `withdrawn`.
    pub change: String,
    /// The user id of who recorded this version.
    pub recorded_by: String,
    /// Their country (`None`: the secretariat).
    pub recorded_by_country: Option<String>,
    pub recorded_at: i64,
    pub superseded_at: Option<i64>,
}

/// A version to record.
#[derive(Debug, Clone)]
pub struct NewVisa<'a> {
    pub destination: Country,
    pub nationality: &'a str,
    pub effective: &'a str,
    pub regime: &'a str,
    pub max_stay_days: Option<i64>,
    pub source_text: &'a str,
    pub source_url: Option<&'a str>,
    pub notes: &'a str,
    pub verified: bool,
    pub change: &'a str,
    pub recorded_by: &'a str,
    pub recorded_by_country: Option<&'a str>,
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct VisaQuery {
    pub destination: Option<Country>,
    pub nationality: Option<String>,
    pub verified: Option<bool>,
    /// Only the row in force on this date (`YYYY-MM-DD`) per pair; otherwise every current
    /// version (each effective date).
    pub date: Option<String>,
    /// Keyset: after this (destination, nationality[, effective]).
    pub after: Option<(String, String, Option<String>)>,
    pub limit: i64,
}

const COLS: &str = "id, destination, nationality, version, effective, regime, max_stay_days, source_text, source_url, notes, verified, change, recorded_by, recorded_by_country, recorded_at, superseded_at";

fn from_row(r: &AnyRow) -> crate::Result<VisaRow> {
    let d: String = r.try_get("destination")?;
    Ok(VisaRow {
        id: r.try_get("id")?,
        destination: Country::parse(&d).ok_or_else(|| StoreError::Corrupt("destination".into()))?,
        nationality: r.try_get("nationality")?,
        version: r.try_get("version")?,
        effective: r.try_get("effective")?,
        regime: r.try_get("regime")?,
        max_stay_days: r.try_get("max_stay_days")?,
        source_text: r.try_get("source_text")?,
        source_url: r.try_get("source_url")?,
        notes: r.try_get("notes")?,
        verified: r.try_get::<i64, _>("verified")? != 0,
        change: r.try_get("change")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_by_country: r.try_get("recorded_by_country")?,
        recorded_at: r.try_get("recorded_at")?,
        superseded_at: r.try_get("superseded_at")?,
    })
}

/// The row in force on `date` for each pair the rest of the query selects: among the
/// current versions effective on or before the date, the destination's own (verified)
/// ones first, then the latest effective date.
fn push_in_force(q: &mut Q, date: &str) {
    q.push(" AND v.effective <= ").bind(date);
    q.push(" AND NOT EXISTS (SELECT 1 FROM visa_rules w WHERE w.destination = v.destination AND w.nationality = v.nationality AND w.superseded_at IS NULL AND w.effective <= ")
        .bind(date);
    q.push(" AND (w.verified > v.verified OR (w.verified = v.verified AND w.effective > v.effective)))");
}

impl Tx {
    /// The current versions of a pair, latest effective date first (read in the write
    /// transaction a change is laid over).
    pub async fn visa_current(
        &mut self,
        destination: Country,
        nationality: &str,
    ) -> crate::Result<Vec<VisaRow>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} FROM visa_rules v WHERE v.superseded_at IS NULL AND v.destination = "
        ));
        q.bind(destination)
            .push(" AND v.nationality = ")
            .bind(nationality)
            .push(" ORDER BY v.effective DESC");
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }

    pub async fn supersede_visa(&mut self, id: &str, now_ms: i64) -> crate::Result<()> {
        let mut q = Q::new("UPDATE visa_rules SET superseded_at = ");
        q.bind(now_ms)
            .push(" WHERE id = ")
            .bind(id)
            .push(" AND superseded_at IS NULL");
        self.execute(&q).await?;
        Ok(())
    }

    /// Records a version; `superseded` gives it an end at once (a withdrawal's marker).
    pub async fn insert_visa(
        &mut self,
        v: &NewVisa<'_>,
        now_ms: i64,
        superseded: bool,
    ) -> crate::Result<String> {
        let id = new_id();
        let mut last =
            Q::new("SELECT COALESCE(MAX(version), 0) AS n FROM visa_rules WHERE destination = ");
        last.bind(v.destination)
            .push(" AND nationality = ")
            .bind(v.nationality);
        let n: i64 = self.fetch_one(&last).await?.try_get("n")?;
        let mut q = Q::new(&format!("INSERT INTO visa_rules ({COLS}) VALUES ("));
        q.bind(&id)
            .push(", ")
            .bind(v.destination)
            .push(", ")
            .bind(v.nationality)
            .push(", ")
            .bind(n + 1)
            .push(", ")
            .bind(v.effective)
            .push(", ")
            .bind(v.regime)
            .push(", ")
            .bind(v.max_stay_days)
            .push(", ")
            .bind(v.source_text)
            .push(", ")
            .bind(v.source_url)
            .push(", ")
            .bind(v.notes)
            .push(", ")
            .bind(v.verified)
            .push(", ")
            .bind(v.change)
            .push(", ")
            .bind(v.recorded_by)
            .push(", ")
            .bind(v.recorded_by_country)
            .push(", ")
            .bind(now_ms)
            .push(", ")
            .bind(superseded.then_some(now_ms))
            .push(")");
        self.execute(&q).await?;
        Ok(id)
    }
}

impl Store {
    /// The row in force on `date` for a pair, if any.
    pub async fn visa_in_force(
        &self,
        destination: Country,
        nationality: &str,
        date: &str,
    ) -> crate::Result<Option<VisaRow>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} FROM visa_rules v WHERE v.superseded_at IS NULL AND v.destination = "
        ));
        q.bind(destination)
            .push(" AND v.nationality = ")
            .bind(nationality);
        push_in_force(&mut q, date);
        self.fetch_optional(&q)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// One page of current rows, ordered by destination, nationality and (without a date)
    /// latest effective date first.
    pub async fn visa_list(&self, f: &VisaQuery) -> crate::Result<Vec<VisaRow>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} FROM visa_rules v WHERE v.superseded_at IS NULL"
        ));
        if let Some(d) = f.destination {
            q.push(" AND v.destination = ").bind(d);
        }
        if let Some(n) = &f.nationality {
            q.push(" AND v.nationality = ").bind(n);
        }
        if let Some(date) = &f.date {
            push_in_force(&mut q, date);
        }
        if let Some(v) = f.verified {
            q.push(" AND v.verified = ").bind(v);
        }
        if let Some((d, n, e)) = &f.after {
            q.push(" AND (v.destination > ")
                .bind(d)
                .push(" OR (v.destination = ")
                .bind(d)
                .push(" AND v.nationality > ")
                .bind(n)
                .push(")");
            if let Some(e) = e {
                q.push(" OR (v.destination = ")
                    .bind(d)
                    .push(" AND v.nationality = ")
                    .bind(n)
                    .push(" AND v.effective < ")
                    .bind(e)
                    .push(")");
            }
            q.push(")");
        }
        q.push(" ORDER BY v.destination, v.nationality, v.effective DESC LIMIT ")
            .bind(f.limit.clamp(1, 1000));
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }

    /// Every version of a pair, newest first (at most `limit`).
    pub async fn visa_history(
        &self,
        destination: Country,
        nationality: &str,
        limit: i64,
    ) -> crate::Result<Vec<VisaRow>> {
        let mut q = Q::new(&format!(
            "SELECT {COLS} FROM visa_rules v WHERE v.destination = "
        ));
        q.bind(destination)
            .push(" AND v.nationality = ")
            .bind(nationality)
            .push(" ORDER BY v.version DESC LIMIT ")
            .bind(limit.clamp(1, 10_000));
        self.fetch_all(&q).await?.iter().map(from_row).collect()
    }
}
