//! Migration centres: each country's centres with their latest occupancy, every occupancy
//! snapshot (kept, never overwritten), the crisis history and the neighbour table.
use crate::db::{new_id, Store, Tx, Q};
use crate::StoreError;
use enlace_domain::Country;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CentreRow {
    pub id: String,
    pub country: Country,
    pub name: String,
    pub kind: String,
    pub capacity: i64,
    pub operational_capacity: Option<i64>,
    pub children_capacity: Option<i64>,
    pub place: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub crisis_level: i64,
    pub crisis_reason: String,
    pub crisis_at: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The time of the newest snapshot, if any.
    pub last_at: Option<i64>,
    /// The newest snapshot's total and unaccompanied children.
    pub last_total: Option<i64>,
    pub last_unaccompanied: Option<i64>,
    /// The newest snapshot's cells (JSON).
    pub last_cells: Option<String>,
}

/// What a centre is made of (everything a form or a PATCH sets).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CentreFields {
    pub name: String,
    pub kind: String,
    pub capacity: i64,
    pub operational_capacity: Option<i64>,
    pub children_capacity: Option<i64>,
    pub place: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OccupancyRow {
    pub id: String,
    pub centre_id: String,
    pub at: i64,
    pub total: i64,
    pub unaccompanied: i64,
    /// JSON array of cells.
    pub cells: String,
    pub reported_by_username: String,
    pub reported_at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CrisisRow {
    pub id: String,
    pub centre_id: String,
    pub level: i64,
    pub previous_level: i64,
    pub reason: String,
    pub set_by_username: String,
    pub alert_id: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NeighbourRow {
    pub a: Country,
    pub b: Country,
    /// `land` or `sea`.
    pub kind: String,
    pub updated_at: i64,
}

/// The newest snapshot first: by its time, then by when it was reported, then by id.
const NEWEST: &str = "ORDER BY o.at DESC, o.reported_at DESC, o.id DESC";

fn cols() -> String {
    format!(
        "c.id, c.country, c.name, c.kind, c.capacity, c.operational_capacity, c.children_capacity, c.place, c.lat_e6, c.lon_e6, c.crisis_level, c.crisis_reason, c.crisis_at, c.version, c.created_at, c.updated_at, \
         (SELECT MAX(o.at) FROM centre_occupancy o WHERE o.centre_id = c.id) AS last_at, \
         (SELECT o.total FROM centre_occupancy o WHERE o.centre_id = c.id {NEWEST} LIMIT 1) AS last_total, \
         (SELECT o.unaccompanied FROM centre_occupancy o WHERE o.centre_id = c.id {NEWEST} LIMIT 1) AS last_unaccompanied, \
         (SELECT o.cells FROM centre_occupancy o WHERE o.centre_id = c.id {NEWEST} LIMIT 1) AS last_cells"
    )
}

fn country(r: &AnyRow, col: &str) -> crate::Result<Country> {
    let c: String = r.try_get(col)?;
    Country::parse(&c).ok_or_else(|| StoreError::Corrupt(col.into()))
}

fn centre_from(r: &AnyRow) -> crate::Result<CentreRow> {
    Ok(CentreRow {
        id: r.try_get("id")?,
        country: country(r, "country")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        capacity: r.try_get("capacity")?,
        operational_capacity: r.try_get("operational_capacity")?,
        children_capacity: r.try_get("children_capacity")?,
        place: r.try_get("place")?,
        lat_e6: r.try_get("lat_e6")?,
        lon_e6: r.try_get("lon_e6")?,
        crisis_level: r.try_get("crisis_level")?,
        crisis_reason: r.try_get("crisis_reason")?,
        crisis_at: r.try_get("crisis_at")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        last_at: r.try_get("last_at")?,
        last_total: r.try_get("last_total")?,
        last_unaccompanied: r.try_get("last_unaccompanied")?,
        last_cells: r.try_get("last_cells")?,
    })
}

fn occupancy_from(r: &AnyRow) -> crate::Result<OccupancyRow> {
    Ok(OccupancyRow {
        id: r.try_get("id")?,
        centre_id: r.try_get("centre_id")?,
        at: r.try_get("at")?,
        total: r.try_get("total")?,
        unaccompanied: r.try_get("unaccompanied")?,
        cells: r.try_get("cells")?,
        reported_by_username: r.try_get("reported_by_username")?,
        reported_at: r.try_get("reported_at")?,
    })
}

fn crisis_from(r: &AnyRow) -> crate::Result<CrisisRow> {
    Ok(CrisisRow {
        id: r.try_get("id")?,
        centre_id: r.try_get("centre_id")?,
        level: r.try_get("level")?,
        previous_level: r.try_get("previous_level")?,
        reason: r.try_get("reason")?,
        set_by_username: r.try_get("set_by_username")?,
        alert_id: r.try_get("alert_id")?,
        at: r.try_get("at")?,
    })
}

fn neighbour_from(r: &AnyRow) -> crate::Result<NeighbourRow> {
    Ok(NeighbourRow {
        a: country(r, "a")?,
        b: country(r, "b")?,
        kind: r.try_get("kind")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A pair in its stored order (the smaller code first).
fn ordered(a: Country, b: Country) -> (Country, Country) {
    if a.code() <= b.code() {
        (a, b)
    } else {
        (b, a)
    }
}

impl Tx {
    pub async fn insert_centre(
        &mut self,
        country: Country,
        f: &CentreFields,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO centres (id, country, name, kind, capacity, operational_capacity, children_capacity, place, lat_e6, lon_e6, crisis_level, crisis_reason, crisis_at, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, '', NULL, 1, $11, $12, $12)")
                .arg(&id)
                .arg(country)
                .arg(&f.name)
                .arg(&f.kind)
                .arg(f.capacity)
                .arg(f.operational_capacity)
                .arg(f.children_capacity)
                .arg(&f.place)
                .arg(f.lat_e6)
                .arg(f.lon_e6)
                .arg(by)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    /// A centre as it is in this transaction (read or write).
    pub async fn centre(&mut self, id: &str) -> crate::Result<Option<CentreRow>> {
        self.fetch_optional(
            &Q::new(&format!("SELECT {} FROM centres c WHERE c.id = $1", cols())).arg(id),
        )
        .await?
        .as_ref()
        .map(centre_from)
        .transpose()
    }

    /// Centres, optionally of one country, by country and name; `limit` + 1 rows tell
    /// whether there is a next page.
    pub async fn centres(
        &mut self,
        country: Option<Country>,
        limit: i64,
        offset: i64,
    ) -> crate::Result<Vec<CentreRow>> {
        let mut q = Q::new(&format!("SELECT {} FROM centres c", cols()));
        if let Some(c) = country {
            q.push(" WHERE c.country = ").bind(c);
        }
        q.push(" ORDER BY c.country, c.name, c.id LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        self.fetch_all(&q).await?.iter().map(centre_from).collect()
    }

    pub async fn update_centre(
        &mut self,
        id: &str,
        f: &CentreFields,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("UPDATE centres SET name = $1, kind = $2, capacity = $3, operational_capacity = $4, children_capacity = $5, place = $6, lat_e6 = $7, lon_e6 = $8, version = version + 1, updated_at = $9 WHERE id = $10")
                .arg(&f.name)
                .arg(&f.kind)
                .arg(f.capacity)
                .arg(f.operational_capacity)
                .arg(f.children_capacity)
                .arg(&f.place)
                .arg(f.lat_e6)
                .arg(f.lon_e6)
                .arg(now_ms)
                .arg(id),
        )
        .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_occupancy(
        &mut self,
        centre_id: &str,
        at: i64,
        total: i64,
        unaccompanied: i64,
        cells: &str,
        by: &str,
        by_username: &str,
        now_ms: i64,
    ) -> crate::Result<String> {
        let id = new_id();
        self.execute(
            &Q::new("INSERT INTO centre_occupancy (id, centre_id, at, total, unaccompanied, cells, reported_by, reported_by_username, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .arg(&id)
                .arg(centre_id)
                .arg(at)
                .arg(total)
                .arg(unaccompanied)
                .arg(cells)
                .arg(by)
                .arg(by_username)
                .arg(now_ms),
        )
        .await?;
        Ok(id)
    }

    /// A centre's snapshots, newest first.
    pub async fn occupancy(
        &mut self,
        centre_id: &str,
        limit: i64,
        offset: i64,
    ) -> crate::Result<Vec<OccupancyRow>> {
        self.fetch_all(
            &Q::new(&format!("SELECT o.id, o.centre_id, o.at, o.total, o.unaccompanied, o.cells, o.reported_by_username, o.reported_at FROM centre_occupancy o WHERE o.centre_id = $1 {NEWEST} LIMIT $2 OFFSET $3"))
                .arg(centre_id)
                .arg(limit)
                .arg(offset),
        )
        .await?
        .iter()
        .map(occupancy_from)
        .collect()
    }

    /// Records a crisis level (raise, lowering or a new reason) and sets it on the centre.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_crisis(
        &mut self,
        centre_id: &str,
        level: i64,
        previous: i64,
        reason: &str,
        by: &str,
        by_username: &str,
        alert_id: Option<&str>,
        now_ms: i64,
    ) -> crate::Result<()> {
        self.execute(
            &Q::new("INSERT INTO centre_crises (id, centre_id, level, previous_level, reason, set_by, set_by_username, alert_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .arg(new_id())
                .arg(centre_id)
                .arg(level)
                .arg(previous)
                .arg(reason)
                .arg(by)
                .arg(by_username)
                .arg(alert_id)
                .arg(now_ms),
        )
        .await?;
        self.execute(
            &Q::new("UPDATE centres SET crisis_level = $1, crisis_reason = $2, crisis_at = $3, version = version + 1, updated_at = $3 WHERE id = $4")
                .arg(level)
                .arg(reason)
                .arg(now_ms)
                .arg(centre_id),
        )
        .await?;
        Ok(())
    }

    /// A centre's crisis history, newest first.
    pub async fn crises(&mut self, centre_id: &str, limit: i64) -> crate::Result<Vec<CrisisRow>> {
        self.fetch_all(
            &Q::new("SELECT id, centre_id, level, previous_level, reason, set_by_username, alert_id, at FROM centre_crises WHERE centre_id = $1 ORDER BY at DESC, id DESC LIMIT $2")
                .arg(centre_id)
                .arg(limit),
        )
        .await?
        .iter()
        .map(crisis_from)
        .collect()
    }

    /// The neighbours of a country (either side of a pair).
    pub async fn neighbours_of(&mut self, c: Country) -> crate::Result<Vec<Country>> {
        let rows = self
            .fetch_all(
                &Q::new("SELECT a, b, kind, updated_at FROM neighbours WHERE a = $1 OR b = $1")
                    .arg(c),
            )
            .await?;
        let mut out = vec![];
        for r in &rows {
            let n = neighbour_from(r)?;
            let other = if n.a == c { n.b } else { n.a };
            if other != c && !out.contains(&other) {
                out.push(other);
            }
        }
        Ok(out)
    }

    pub async fn neighbours(&mut self) -> crate::Result<Vec<NeighbourRow>> {
        self.fetch_all(&Q::new(
            "SELECT a, b, kind, updated_at FROM neighbours ORDER BY a, b",
        ))
        .await?
        .iter()
        .map(neighbour_from)
        .collect()
    }

    /// Adds a pair or changes its kind; true when it was new.
    pub async fn put_neighbour(
        &mut self,
        a: Country,
        b: Country,
        kind: &str,
        by: &str,
        now_ms: i64,
    ) -> crate::Result<bool> {
        let (a, b) = ordered(a, b);
        let n = self
            .execute(
                &Q::new("UPDATE neighbours SET kind = $1, updated_by = $2, updated_at = $3 WHERE a = $4 AND b = $5")
                    .arg(kind)
                    .arg(by)
                    .arg(now_ms)
                    .arg(a)
                    .arg(b),
            )
            .await?;
        if n > 0 {
            return Ok(false);
        }
        self.execute(
            &Q::new("INSERT INTO neighbours (a, b, kind, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .arg(a)
                .arg(b)
                .arg(kind)
                .arg(by)
                .arg(now_ms),
        )
        .await?;
        Ok(true)
    }

    /// Removes a pair; true when it existed.
    pub async fn delete_neighbour(&mut self, a: Country, b: Country) -> crate::Result<bool> {
        let (a, b) = ordered(a, b);
        Ok(self
            .execute(
                &Q::new("DELETE FROM neighbours WHERE a = $1 AND b = $2")
                    .arg(a)
                    .arg(b),
            )
            .await?
            > 0)
    }
}

impl Store {
    /// Every centre (for the periodic check of unreported centres: reference data, no
    /// reader to audit).
    pub async fn unrestricted_all_centres(&self) -> crate::Result<Vec<CentreRow>> {
        self.fetch_all(&Q::new(&format!(
            "SELECT {} FROM centres c ORDER BY c.country, c.name",
            cols()
        )))
        .await?
        .iter()
        .map(centre_from)
        .collect()
    }

    /// Snapshots of several centres since `from` (oldest first), for trends.
    pub async fn occupancy_since(
        &self,
        centre_ids: &[String],
        from: i64,
    ) -> crate::Result<Vec<OccupancyRow>> {
        if centre_ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Q::new("SELECT o.id, o.centre_id, o.at, o.total, o.unaccompanied, o.cells, o.reported_by_username, o.reported_at FROM centre_occupancy o WHERE o.at >= ");
        q.bind(from).push(" AND o.centre_id IN (");
        q.bind_list(centre_ids.iter());
        q.push(") ORDER BY o.centre_id, o.at, o.reported_at, o.id");
        self.fetch_all(&q)
            .await?
            .iter()
            .map(occupancy_from)
            .collect()
    }
}
