//! Statistics: the indicator catalogue, each country's current figures per indicator and
//! period, and every revision of them. Figures beyond their owner country are shown only
//! after disclosure control, which the use cases apply; these queries return raw rows.
use crate::db::{parse_countries, Store, Tx, Q};
use enlace_domain::Country;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub code: String,
    pub position: i64,
    pub name_es: String,
    pub name_en: String,
    pub definition_es: String,
    pub definition_en: String,
    pub unit_es: String,
    pub unit_en: String,
    /// `month` or `quarter`.
    pub period: String,
    /// Dimension names separated by commas (empty: no breakdown).
    pub dimensions: String,
    pub k: i64,
    /// `submitted` or `derived`.
    pub kind: String,
    pub public: bool,
    pub updated_at: i64,
}

/// A country's current figures for one indicator and period.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub country: Country,
    pub indicator: String,
    pub period: String,
    pub revision: i64,
    pub total: i64,
    /// JSON list of `{"key":[…],"value":n}`.
    pub cells: String,
    /// JSON of the disclosure-control pattern, computed for threshold `protection_k`.
    pub protection: String,
    pub protection_k: i64,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    pub revision: i64,
    pub total: i64,
    pub cells: String,
    pub reason: Option<String>,
    pub by_username: String,
    pub at: i64,
}

const ICOLS: &str = "code, position, name_es, name_en, definition_es, definition_en, unit_es, unit_en, period, dimensions, k, kind, public, updated_at";
const FCOLS: &str = "country, indicator, period, revision, total, cells, protection, protection_k, closed_at, updated_at";
const RCOLS: &str = "revision, total, cells, reason, by_username, at";

fn indicator(r: &AnyRow) -> crate::Result<IndicatorRow> {
    Ok(IndicatorRow {
        code: r.try_get("code")?,
        position: r.try_get("position")?,
        name_es: r.try_get("name_es")?,
        name_en: r.try_get("name_en")?,
        definition_es: r.try_get("definition_es")?,
        definition_en: r.try_get("definition_en")?,
        unit_es: r.try_get("unit_es")?,
        unit_en: r.try_get("unit_en")?,
        period: r.try_get("period")?,
        dimensions: r.try_get("dimensions")?,
        k: r.try_get("k")?,
        kind: r.try_get("kind")?,
        public: r.try_get::<i64, _>("public")? != 0,
        updated_at: r.try_get("updated_at")?,
    })
}

fn figure(r: &AnyRow) -> crate::Result<FigureRow> {
    let c: String = r.try_get("country")?;
    Ok(FigureRow {
        country: parse_countries(&[c], "stat_figures")?[0],
        indicator: r.try_get("indicator")?,
        period: r.try_get("period")?,
        revision: r.try_get("revision")?,
        total: r.try_get("total")?,
        cells: r.try_get("cells")?,
        protection: r.try_get("protection")?,
        protection_k: r.try_get("protection_k")?,
        closed_at: r.try_get("closed_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn revision(r: &AnyRow) -> crate::Result<RevisionRow> {
    Ok(RevisionRow {
        revision: r.try_get("revision")?,
        total: r.try_get("total")?,
        cells: r.try_get("cells")?,
        reason: r.try_get("reason")?,
        by_username: r.try_get("by_username")?,
        at: r.try_get("at")?,
    })
}

impl Tx {
    /// The catalogue, in its order.
    pub async fn stat_indicators(&mut self) -> crate::Result<Vec<IndicatorRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {ICOLS} FROM stat_indicators ORDER BY position, code"
        )))
        .await?
        .iter()
        .map(indicator)
        .collect()
    }

    pub async fn stat_indicator(&mut self, code: &str) -> crate::Result<Option<IndicatorRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {ICOLS} FROM stat_indicators WHERE code = $1"
            ))
            .arg(code),
        )
        .await?
        .as_ref()
        .map(indicator)
        .transpose()
    }

    pub async fn insert_stat_indicator(&mut self, i: &IndicatorRow) -> crate::Result<()> {
        self.execute(
            &Q::new(&format!("INSERT INTO stat_indicators ({ICOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
                .arg(i.code.as_str())
                .arg(i.position)
                .arg(i.name_es.as_str())
                .arg(i.name_en.as_str())
                .arg(i.definition_es.as_str())
                .arg(i.definition_en.as_str())
                .arg(i.unit_es.as_str())
                .arg(i.unit_en.as_str())
                .arg(i.period.as_str())
                .arg(i.dimensions.as_str())
                .arg(i.k)
                .arg(i.kind.as_str())
                .arg(i64::from(i.public))
                .arg(i.updated_at),
        )
        .await?;
        Ok(())
    }

    /// Rewrites an indicator's editable fields (its code, period and dimensions stay).
    pub async fn update_stat_indicator(&mut self, i: &IndicatorRow) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE stat_indicators SET name_es = $1, name_en = $2, definition_es = $3, definition_en = $4, unit_es = $5, unit_en = $6, k = $7, kind = $8, public = $9, updated_at = $10 WHERE code = $11")
                .arg(i.name_es.as_str())
                .arg(i.name_en.as_str())
                .arg(i.definition_es.as_str())
                .arg(i.definition_en.as_str())
                .arg(i.unit_es.as_str())
                .arg(i.unit_en.as_str())
                .arg(i.k)
                .arg(i.kind.as_str())
                .arg(i64::from(i.public))
                .arg(i.updated_at)
                .arg(i.code.as_str()),
        )
        .await?;
        Ok(())
    }

    pub async fn stat_figure(
        &mut self,
        country: Country,
        indicator: &str,
        period: &str,
    ) -> crate::Result<Option<FigureRow>> {
        self.fetch_optional(
            &Q::new(&format!(
                "SELECT {FCOLS} FROM stat_figures WHERE country = $1 AND indicator = $2 AND period = $3"
            ))
            .arg(country)
            .arg(indicator)
            .arg(period),
        )
        .await?
        .as_ref()
        .map(figure)
        .transpose()
    }

    /// The current figures of one indicator for the given periods and countries (all when a
    /// list is empty), ordered by period, then country.
    pub async fn stat_figures(
        &mut self,
        indicator: &str,
        periods: &[String],
        countries: &[Country],
    ) -> crate::Result<Vec<FigureRow>> {
        let mut q = Q::new(&format!(
            "SELECT {FCOLS} FROM stat_figures WHERE indicator = "
        ));
        q.bind(indicator);
        if !periods.is_empty() {
            q.push(" AND period IN (");
            q.bind_list(periods.iter().map(String::as_str));
            q.push(")");
        }
        if !countries.is_empty() {
            q.push(" AND country IN (");
            q.bind_list(countries.iter().copied());
            q.push(")");
        }
        q.push(" ORDER BY period, country");
        self.fetch_all(&q).await?.iter().map(figure).collect()
    }

    /// Writes the current figures (`f.revision` is the new revision number; 1 inserts) and
    /// keeps the revision.
    pub async fn put_stat_figure(
        &mut self,
        f: &FigureRow,
        reason: Option<&str>,
        by: (&str, &str),
    ) -> crate::Result<()> {
        let q = if f.revision == 1 {
            Q::new("INSERT INTO stat_figures (revision, total, cells, protection, protection_k, updated_at, country, indicator, period) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        } else {
            Q::new("UPDATE stat_figures SET revision = $1, total = $2, cells = $3, protection = $4, protection_k = $5, updated_at = $6 WHERE country = $7 AND indicator = $8 AND period = $9")
        };
        self.execute(
            &q.arg(f.revision)
                .arg(f.total)
                .arg(f.cells.as_str())
                .arg(f.protection.as_str())
                .arg(f.protection_k)
                .arg(f.updated_at)
                .arg(f.country)
                .arg(f.indicator.as_str())
                .arg(f.period.as_str()),
        )
        .await?;
        self.execute(
            &Q::new("INSERT INTO stat_revisions (country, indicator, period, revision, total, cells, reason, by_user, by_username, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .arg(f.country)
                .arg(f.indicator.as_str())
                .arg(f.period.as_str())
                .arg(f.revision)
                .arg(f.total)
                .arg(f.cells.as_str())
                .arg(reason.map(str::to_string))
                .arg(by.0)
                .arg(by.1)
                .arg(f.updated_at),
        )
        .await?;
        Ok(())
    }

    /// Replaces the stored disclosure-control pattern (after the threshold changed).
    pub async fn set_stat_protection(
        &mut self,
        f: &FigureRow,
        protection: &str,
        k: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE stat_figures SET protection = $1, protection_k = $2 WHERE country = $3 AND indicator = $4 AND period = $5")
                .arg(protection)
                .arg(k)
                .arg(f.country)
                .arg(f.indicator.as_str())
                .arg(f.period.as_str()),
        )
        .await?;
        Ok(())
    }

    pub async fn close_stat_figure(
        &mut self,
        country: Country,
        indicator: &str,
        period: &str,
        by: &str,
        at: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE stat_figures SET closed_at = $1, closed_by = $2 WHERE country = $3 AND indicator = $4 AND period = $5")
                .arg(at)
                .arg(by)
                .arg(country)
                .arg(indicator)
                .arg(period),
        )
        .await?;
        Ok(())
    }

    /// Revisions of one table, newest first, older than `before` when given.
    pub async fn stat_revisions(
        &mut self,
        country: Country,
        indicator: &str,
        period: &str,
        before: Option<i64>,
        limit: i64,
    ) -> crate::Result<Vec<RevisionRow>> {
        let mut q = Q::new(&format!(
            "SELECT {RCOLS} FROM stat_revisions WHERE country = "
        ));
        q.bind(country)
            .push(" AND indicator = ")
            .bind(indicator)
            .push(" AND period = ")
            .bind(period);
        if let Some(b) = before {
            q.push(" AND revision < ").bind(b);
        }
        q.push(" ORDER BY revision DESC LIMIT ").bind(limit);
        self.fetch_all(&q).await?.iter().map(revision).collect()
    }
}

impl Store {
    /// The catalogue, unaudited (reference data; the portal reads it with no actor).
    pub async fn stat_indicator_list(&self) -> crate::Result<Vec<IndicatorRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {ICOLS} FROM stat_indicators ORDER BY position, code"
        )))
        .await?
        .iter()
        .map(indicator)
        .collect()
    }

    /// The periods with figures of one indicator, newest first.
    pub async fn stat_periods(&self, indicator: &str) -> crate::Result<Vec<String>> {
        let rows = self
            .fetch_all(
                &Q::new("SELECT DISTINCT period FROM stat_figures WHERE indicator = $1 ORDER BY period DESC")
                    .arg(indicator),
            )
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("period")?))
            .collect()
    }
}
