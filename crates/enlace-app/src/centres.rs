//! Migration centres: each country lists its centres (custody, shelter, temporary stay) with
//! their capacities, reports occupancy as snapshots broken down by nationality, sex and age
//! group (unaccompanied children apart), and sets a crisis level from 1 (normal) to 4
//! (emergency). Raising it alerts the owner and its neighbours (the neighbour table) at once;
//! lowering it is recorded, not alerted. Every member user and the secretariat read the
//! centres; other countries' cells pass disclosure control; only the owner's users write.
use crate::live::{bilingual, Outbox};
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::clock::{format_utc, parse_utc};
use enlace_domain::policy::{may_edit_neighbours, may_manage_centre, may_read_centres};
use enlace_domain::validate::{self, Invalid};
use enlace_domain::{nations, sdc, Country};
use enlace_store::centres::{CentreFields, CentreRow, CrisisRow, NeighbourRow, OccupancyRow};
use enlace_store::live::NewAlert;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const KINDS: [&str; 3] = ["custody", "shelter", "temporary_stay"];
pub const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];
pub const AGE_GROUPS: [&str; 5] = ["0_11", "12_17", "18_59", "60_plus", "unknown"];
/// Age groups a child may be in: only children are counted as unaccompanied.
pub const CHILD_AGE_GROUPS: [&str; 3] = ["0_11", "12_17", "unknown"];
pub const NEIGHBOUR_KINDS: [&str; 2] = ["land", "sea"];
/// The disclosure threshold for other countries' cells.
pub const K: i64 = 11;
/// No centre holds more than this; bounds every count (and their sums) far from overflow.
pub const COUNT_MAX: i64 = 1_000_000;
/// Cells per snapshot: nationalities × sexes × age groups × unaccompanied stays far below.
pub const CELLS_MAX: usize = 400;
pub const NAME_MAX: usize = 200;
pub const PLACE_MAX: usize = 500;
pub const REASON_MAX: usize = 2_000;
const PAGE: i64 = 100;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A centre as entered (a form, a POST, or a PATCH laid over the current one).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CentreDraft {
    pub name: String,
    pub kind: String,
    pub capacity: Option<i64>,
    pub operational_capacity: Option<i64>,
    pub children_capacity: Option<i64>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl CentreDraft {
    pub fn of(c: &CentreRow) -> CentreDraft {
        CentreDraft {
            name: c.name.clone(),
            kind: c.kind.clone(),
            capacity: Some(c.capacity),
            operational_capacity: c.operational_capacity,
            children_capacity: c.children_capacity,
            place: c.place.clone(),
            latitude: c.lat_e6.map(|v| v as f64 / 1e6),
            longitude: c.lon_e6.map(|v| v as f64 / 1e6),
        }
    }

    pub fn validate(&self) -> Result<CentreFields, Invalid> {
        let mut errs = Invalid::default();
        let name = validate::text(&mut errs, "name", &self.name, true, NAME_MAX);
        let place = validate::text(&mut errs, "place", &self.place, false, PLACE_MAX);
        let kind = self.kind.trim().to_string();
        if !KINDS.contains(&kind.as_str()) {
            errs.push("kind", "centres_bad_kind");
        }
        let count = |errs: &mut Invalid, field: &'static str, v: Option<i64>| {
            if v.is_some_and(|v| !(0..=COUNT_MAX).contains(&v)) {
                errs.push(field, "out_of_range");
            }
        };
        match self.capacity {
            None => errs.push("capacity", "required"),
            Some(_) => count(&mut errs, "capacity", self.capacity),
        }
        count(&mut errs, "operational_capacity", self.operational_capacity);
        count(&mut errs, "children_capacity", self.children_capacity);
        let coord = |errs: &mut Invalid, field: &'static str, v: Option<f64>, max: f64| {
            v.and_then(|v| {
                if v.is_finite() && (-max..=max).contains(&v) {
                    Some((v * 1e6).round() as i64)
                } else {
                    errs.push(field, "out_of_range");
                    None
                }
            })
        };
        let lat_e6 = coord(&mut errs, "latitude", self.latitude, 90.0);
        let lon_e6 = coord(&mut errs, "longitude", self.longitude, 180.0);
        if lat_e6.is_some() != lon_e6.is_some() {
            errs.push(
                if lat_e6.is_none() {
                    "latitude"
                } else {
                    "longitude"
                },
                "centres_coordinates_pair",
            );
        }
        errs.into_result()?;
        Ok(CentreFields {
            name,
            kind,
            capacity: self.capacity.unwrap_or(0),
            operational_capacity: self.operational_capacity,
            children_capacity: self.children_capacity,
            place,
            lat_e6,
            lon_e6,
        })
    }
}

/// One cell of an occupancy breakdown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OccupancyCell {
    pub nationality: String,
    pub sex: String,
    pub age_group: String,
    #[serde(default)]
    pub unaccompanied: bool,
    pub value: i64,
}

/// A snapshot as reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OccupancyInput {
    /// RFC 3339 UTC (`2026-03-01T08:00:00Z`).
    pub at: String,
    pub total: i64,
    pub cells: Vec<OccupancyCell>,
}

impl OccupancyInput {
    /// What the cells add up to, when it is not the total: (sum, total). The error's
    /// message names the gap from this.
    pub fn gap(&self) -> Option<(i64, i64)> {
        let sum: i128 = self.cells.iter().map(|c| i128::from(c.value)).sum();
        (sum != i128::from(self.total)).then(|| {
            (
                sum.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                self.total,
            )
        })
    }

    /// The snapshot's time, cells (codes normalised) and unaccompanied children.
    pub fn validate(&self, now: i64) -> Result<(i64, Vec<OccupancyCell>, i64), Invalid> {
        let mut errs = Invalid::default();
        let at = match parse_utc(&self.at) {
            Some(ms) if self.at.trim().len() == 20 && format_utc(ms) == self.at.trim() => {
                if ms > now + 10 * 60 * 1000 {
                    errs.push("at", "centres_at_future");
                }
                ms
            }
            _ => {
                errs.push("at", "centres_bad_time");
                0
            }
        };
        if !(0..=COUNT_MAX).contains(&self.total) {
            errs.push("total", "out_of_range");
        }
        if self.cells.len() > CELLS_MAX {
            errs.push("cells", "too_many_values");
            return Err(errs);
        }
        let mut cells = Vec::with_capacity(self.cells.len());
        let mut seen = std::collections::HashSet::new();
        let mut unaccompanied = 0;
        let (mut bad_value, mut bad_nat, mut bad_sex, mut bad_age, mut adult, mut dup) =
            (false, false, false, false, false, false);
        for c in &self.cells {
            // Codes exactly as the document states them (lower case, no spaces).
            let nat = c.nationality.as_str();
            let nat = if nat == "unknown" {
                Some("unknown")
            } else if nat.len() == 2 && nat.bytes().all(|b| b.is_ascii_lowercase()) {
                nations::parse(nat)
            } else {
                None
            };
            bad_nat |= nat.is_none();
            bad_sex |= !SEXES.contains(&c.sex.as_str());
            bad_age |= !AGE_GROUPS.contains(&c.age_group.as_str());
            bad_value |= !(0..=COUNT_MAX).contains(&c.value);
            adult |= c.unaccompanied && !CHILD_AGE_GROUPS.contains(&c.age_group.as_str());
            let cell = OccupancyCell {
                nationality: nat.unwrap_or("").to_string(),
                sex: c.sex.clone(),
                age_group: c.age_group.clone(),
                unaccompanied: c.unaccompanied,
                value: c.value,
            };
            dup |= !seen.insert((
                cell.nationality.clone(),
                cell.sex.clone(),
                cell.age_group.clone(),
                cell.unaccompanied,
            ));
            if c.unaccompanied {
                unaccompanied += c.value.clamp(0, COUNT_MAX);
            }
            cells.push(cell);
        }
        if bad_value {
            errs.push("cells", "centres_negative_count");
        }
        if bad_nat {
            errs.push("cells", "unknown_nationality");
        }
        if bad_sex {
            errs.push("cells", "centres_bad_sex");
        }
        if bad_age {
            errs.push("cells", "centres_bad_age_group");
        }
        if adult {
            errs.push("cells", "centres_unaccompanied_adult");
        }
        if dup {
            errs.push("cells", "centres_duplicate_cell");
        }
        if !bad_value && (0..=COUNT_MAX).contains(&self.total) && self.gap().is_some() {
            errs.push("cells", "centres_cells_sum");
        }
        errs.into_result()?;
        cells.sort_by_key(cell_key);
        Ok((at, cells, unaccompanied))
    }
}

fn cell_key(c: &OccupancyCell) -> (String, String, usize, bool) {
    (
        c.nationality.clone(),
        c.sex.clone(),
        AGE_GROUPS
            .iter()
            .position(|a| *a == c.age_group)
            .unwrap_or(9),
        c.unaccompanied,
    )
}

/// A centre as one user sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CentreView {
    pub id: String,
    pub country: Country,
    pub name: String,
    pub kind: String,
    pub capacity: i64,
    pub operational_capacity: Option<i64>,
    pub children_capacity: Option<i64>,
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub crisis_level: i64,
    pub crisis_reason: String,
    pub crisis_at: Option<i64>,
    pub version: i64,
    pub updated_at: i64,
    /// The newest snapshot's total (a centre's total is shown to the region: occupancy
    /// against capacity is what the regional view is for).
    pub occupancy: Option<i64>,
    /// The newest total is suppressed for the caller (disclosure control).
    pub occupancy_suppressed: bool,
    pub occupancy_at: Option<i64>,
    /// Unaccompanied children in the newest snapshot; `None` when suppressed for the caller.
    pub unaccompanied: Option<i64>,
    pub unaccompanied_suppressed: bool,
    /// The newest snapshot is above the effective capacity (operational if set, else nominal).
    pub overcrowded: bool,
    /// Not reported for the configured number of days (default 7).
    pub unreported: bool,
    /// The caller's country owns it (and may change it, role permitting).
    pub mine: bool,
    pub may_edit: bool,
}

impl CentreView {
    /// Operational capacity when given (what the centre can hold now), else nominal.
    pub fn effective_capacity(&self) -> i64 {
        self.operational_capacity.unwrap_or(self.capacity)
    }
    /// Occupancy as a share of the effective capacity, in whole percent.
    pub fn percent(&self) -> Option<i64> {
        let cap = self.effective_capacity();
        self.occupancy
            .filter(|_| cap > 0)
            .map(|o| (o * 100 + cap / 2) / cap)
    }
}

/// A cell as one user sees it: other countries' small cells are suppressed.
#[derive(Debug, Clone, Serialize)]
pub struct ShownCell {
    pub nationality: String,
    pub sex: String,
    pub age_group: String,
    pub unaccompanied: bool,
    pub value: Option<i64>,
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OccupancyView {
    pub id: String,
    pub centre_id: String,
    pub at: i64,
    /// `None` when suppressed for the caller.
    pub total: Option<i64>,
    pub total_suppressed: bool,
    pub unaccompanied: Option<i64>,
    pub unaccompanied_suppressed: bool,
    pub cells: Vec<ShownCell>,
    /// Who reported it (own country only).
    pub reported_by: Option<String>,
    pub reported_at: i64,
}

#[derive(Debug, Clone)]
pub struct CentreDetail {
    pub centre: CentreView,
    pub latest: Option<OccupancyView>,
    pub crises: Vec<CrisisRow>,
    /// Who a raise alerts besides the owner.
    pub neighbours: Vec<Country>,
}

/// What another country may see of one snapshot: which cells, and whether the total, are
/// suppressed. The one place the disclosure rule is applied to centres: the shared
/// statistical disclosure control ([`enlace_domain::sdc::protect`], k = 11). What is
/// published of a snapshot is its cells and its total (no margins), so the table handed to
/// it has one dimension, the cell (nationality, sex, age group, unaccompanied): the widths it
/// guarantees are those of exactly what others see. Zero cells are left out: zero is not
/// sensitive and a published zero narrows nothing.
pub struct Protected {
    pub cells: Vec<bool>,
    pub total: bool,
}

pub fn protect_snapshot(cells: &[OccupancyCell], total: i64) -> Protected {
    let idx: Vec<usize> = (0..cells.len()).filter(|i| cells[*i].value > 0).collect();
    let table = sdc::Table {
        dimensions: vec!["cell".into()],
        cells: idx
            .iter()
            .map(|i| {
                let c = &cells[*i];
                sdc::Cell {
                    key: vec![format!(
                        "{}|{}|{}|{}",
                        c.nationality, c.sex, c.age_group, c.unaccompanied
                    )],
                    value: c.value.max(0) as u64,
                }
            })
            .collect(),
        total: total.max(0) as u64,
    };
    let p = sdc::protect(&table, K as u32);
    let mut out = vec![false; cells.len()];
    for (j, i) in idx.iter().enumerate() {
        out[*i] = p.cell_suppressed(j);
    }
    Protected {
        cells: out,
        total: p.total_suppressed,
    }
}

/// The snapshot shown to a user of `reader`'s country (`None`: the secretariat).
fn shown_snapshot(
    cells_json: &str,
    total: i64,
    unaccompanied: i64,
    owner: Country,
    reader: Option<Country>,
) -> (Vec<ShownCell>, Option<i64>, Option<i64>) {
    let cells: Vec<OccupancyCell> = serde_json::from_str(cells_json).unwrap_or_default();
    let own = reader == Some(owner);
    let p = if own {
        Protected {
            cells: vec![false; cells.len()],
            total: false,
        }
    } else {
        protect_snapshot(&cells, total)
    };
    // The unaccompanied children are shown to others only when the cells they see give the
    // count anyway (no unaccompanied cell suppressed): otherwise it would narrow them.
    let margin_hidden = cells
        .iter()
        .zip(&p.cells)
        .any(|(c, h)| *h && c.unaccompanied);
    let shown = cells
        .into_iter()
        .zip(p.cells)
        .map(|(c, h)| ShownCell {
            nationality: c.nationality,
            sex: c.sex,
            age_group: c.age_group,
            unaccompanied: c.unaccompanied,
            value: (!h).then_some(c.value),
            suppressed: h,
        })
        .collect();
    (
        shown,
        (!p.total).then_some(total),
        (!margin_hidden).then_some(unaccompanied),
    )
}

fn shown_occupancy(o: &OccupancyRow, owner: Country, reader: Option<Country>) -> OccupancyView {
    let (cells, total, unaccompanied) =
        shown_snapshot(&o.cells, o.total, o.unaccompanied, owner, reader);
    OccupancyView {
        id: o.id.clone(),
        centre_id: o.centre_id.clone(),
        at: o.at,
        total_suppressed: total.is_none(),
        total,
        unaccompanied_suppressed: unaccompanied.is_none(),
        unaccompanied,
        cells,
        reported_by: (reader == Some(owner)).then(|| o.reported_by_username.clone()),
        reported_at: o.reported_at,
    }
}

fn centre_entry(
    ctx: &Ctx,
    action: &str,
    id: &str,
    country: Country,
) -> enlace_store::audit::NewEntry {
    let mut e = ctx.entry(action, "ok");
    e.object_kind = Some("centre".into());
    e.object_id = Some(id.to_string());
    e.object_country = Some(country.code().to_string());
    e
}

pub fn level_words(level: i64) -> (&'static str, &'static str) {
    match level {
        1 => ("normal", "normal"),
        2 => ("alerta", "alert"),
        3 => ("crisis", "crisis"),
        _ => ("emergencia", "emergency"),
    }
}

/// A cursor is the offset of the next page, as a number.
pub fn parse_cursor(c: Option<&str>) -> AppResult<i64> {
    match c.filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => Some(c)
            .filter(|c| {
                c.len() <= 9 && !c.starts_with('0') && c.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|c| c.parse::<i64>().ok())
            .ok_or(AppError::Invalid(Invalid::one("cursor", "out_of_range"))),
    }
}

fn page<T>(mut rows: Vec<T>, offset: i64, limit: i64) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    (rows, more.then(|| (offset + limit).to_string()))
}

/// A demo centre: country, name, kind, capacity, operational capacity, children's capacity,
/// place, latitude, longitude, typical occupancy.
type DemoCentre = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    Option<i64>,
    Option<i64>,
    &'static str,
    f64,
    f64,
    i64,
);

impl App {
    fn unreported_after_ms(&self) -> i64 {
        self.config.centre_unreported_days.max(1) * DAY_MS
    }

    fn centre_view(&self, ctx: &Ctx, c: &CentreRow) -> CentreView {
        let now = self.now_ms();
        let reader = ctx.actor.country;
        let own = reader == Some(c.country);
        let (occupancy, unaccompanied) = match (&c.last_cells, c.last_total) {
            (Some(cells), Some(total)) => {
                let (_, t, u) = shown_snapshot(
                    cells,
                    total,
                    c.last_unaccompanied.unwrap_or(0),
                    c.country,
                    reader,
                );
                (t, u)
            }
            _ => (None, None),
        };
        let reported = c.last_total.is_some();
        let effective = c.operational_capacity.unwrap_or(c.capacity);
        CentreView {
            id: c.id.clone(),
            country: c.country,
            name: c.name.clone(),
            kind: c.kind.clone(),
            capacity: c.capacity,
            operational_capacity: c.operational_capacity,
            children_capacity: c.children_capacity,
            place: c.place.clone(),
            latitude: c.lat_e6.map(|v| v as f64 / 1e6),
            longitude: c.lon_e6.map(|v| v as f64 / 1e6),
            crisis_level: c.crisis_level,
            crisis_reason: c.crisis_reason.clone(),
            crisis_at: c.crisis_at,
            version: c.version,
            updated_at: c.updated_at,
            occupancy,
            occupancy_suppressed: reported && occupancy.is_none(),
            occupancy_at: c.last_at,
            unaccompanied,
            unaccompanied_suppressed: reported && unaccompanied.is_none(),
            // Shown only with the total it comes from (a suppressed total says nothing).
            overcrowded: occupancy.is_some_and(|t| t > effective),
            unreported: now - c.last_at.unwrap_or(c.created_at) > self.unreported_after_ms(),
            mine: own,
            may_edit: may_manage_centre(&ctx.actor, c.country),
        }
    }

    /// The centres the caller may see (all of them: regional figures), one page.
    pub async fn centres(
        &self,
        ctx: &Ctx,
        country: Option<Country>,
        cursor: Option<&str>,
    ) -> AppResult<(Vec<CentreView>, Option<String>)> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let offset = parse_cursor(cursor)?;
        let mut tx = self.store.read().await?;
        let rows = tx.centres(country, PAGE + 1, offset).await?;
        let (rows, next) = page(rows, offset, PAGE);
        let list: Vec<CentreView> = rows.iter().map(|c| self.centre_view(ctx, c)).collect();
        let now = self.now_ms();
        let mut e = ctx.entry("centre.list", "ok");
        e.object_kind = Some("centre".into());
        e.detail = Some(format!("returned={}", list.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "centre.list",
            "centre",
            list.iter()
                .map(|c| (c.id.clone(), c.country, false))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok((list, next))
    }

    /// Every centre with its latest snapshot (for the regional view), read and audited once.
    pub async fn centres_overview(
        &self,
        ctx: &Ctx,
        trend_days: i64,
    ) -> AppResult<Vec<(CentreView, Vec<(i64, i64)>)>> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        // Bounded: a country lists tens of centres, not thousands.
        let rows = tx.centres(None, 5_000, 0).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let series = self
            .store
            .occupancy_since(&ids, now - trend_days * DAY_MS)
            .await?;
        let mut out = vec![];
        for c in &rows {
            let points: Vec<(i64, i64)> = series
                .iter()
                .filter(|o| o.centre_id == c.id)
                // Another country's trend holds only the totals it may see.
                .filter_map(|o| {
                    shown_snapshot(
                        &o.cells,
                        o.total,
                        o.unaccompanied,
                        c.country,
                        ctx.actor.country,
                    )
                    .1
                    .map(|t| (o.at, t))
                })
                .collect();
            out.push((self.centre_view(ctx, c), points));
        }
        let mut e = ctx.entry("centre.overview", "ok");
        e.object_kind = Some("centre".into());
        e.detail = Some(format!("returned={}", out.len()));
        tx.audit(now, e).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "centre.overview",
            "centre",
            out.iter()
                .map(|(c, _)| (c.id.clone(), c.country, false))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn centre(&self, ctx: &Ctx, id: &str) -> AppResult<CentreDetail> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let mut tx = self.store.read().await?;
        let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
        let latest = tx.occupancy(id, 1, 0).await?.into_iter().next();
        let crises = tx.crises(id, 200).await?;
        let neighbours = tx.neighbours_of(c.country).await?;
        let view = self.centre_view(ctx, &c);
        let now = self.now_ms();
        tx.audit(now, centre_entry(ctx, "centre.read", id, c.country))
            .await?;
        tx.commit().await?;
        Ok(CentreDetail {
            latest: latest.map(|o| shown_occupancy(&o, c.country, ctx.actor.country)),
            centre: view,
            crises,
            neighbours,
        })
    }

    pub async fn create_centre(&self, ctx: &Ctx, d: &CentreDraft) -> AppResult<CentreView> {
        let country = ctx
            .actor
            .country
            .filter(|c| may_manage_centre(&ctx.actor, *c))
            .ok_or(AppError::Forbidden)?;
        let f = d.validate()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let id = tx
            .insert_centre(country, &f, &ctx.actor.user_id, now)
            .await?;
        let mut e = centre_entry(ctx, "centre.create", &id, country);
        e.detail = Some(format!("capacity={}", f.capacity));
        tx.audit(now, e).await?;
        let row = tx
            .centre(&id)
            .await?
            .ok_or(AppError::Internal("centre vanished".into()))?;
        tx.commit().await?;
        Ok(self.centre_view(ctx, &row))
    }

    /// Changes a centre: `change` makes the new draft from the current one inside the
    /// write transaction (a PATCH changes only what it names); a stale `version` is a 409.
    pub async fn edit_centre(
        &self,
        ctx: &Ctx,
        id: &str,
        version: Option<i64>,
        change: impl FnOnce(&CentreDraft) -> CentreDraft,
    ) -> AppResult<CentreView> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
        if !may_manage_centre(&ctx.actor, c.country) {
            return Err(AppError::Forbidden);
        }
        let f = change(&CentreDraft::of(&c)).validate()?;
        if version.is_some_and(|v| v != c.version) {
            return Err(AppError::Conflict("version_conflict"));
        }
        tx.update_centre(id, &f, now).await?;
        tx.audit(now, centre_entry(ctx, "centre.edit", id, c.country))
            .await?;
        let row = tx
            .centre(id)
            .await?
            .ok_or(AppError::Internal("centre vanished".into()))?;
        tx.commit().await?;
        Ok(self.centre_view(ctx, &row))
    }

    /// Records a snapshot (every one is kept). Above capacity is accepted: it is shown as
    /// overcrowding.
    pub async fn report_occupancy(
        &self,
        ctx: &Ctx,
        id: &str,
        input: &OccupancyInput,
    ) -> AppResult<OccupancyView> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let now = self.now_ms();
        {
            // Existence and ownership before validation: another country's centre is 403
            // whatever the body.
            let mut tx = self.store.read().await?;
            let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
            if !may_manage_centre(&ctx.actor, c.country) {
                return Err(AppError::Forbidden);
            }
        }
        let (at, cells, unaccompanied) = input.validate(now)?;
        let json = serde_json::to_string(&cells).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
        let oid = tx
            .insert_occupancy(
                id,
                at,
                input.total,
                unaccompanied,
                &json,
                &ctx.actor.user_id,
                &ctx.actor.username,
                now,
            )
            .await?;
        let mut e = centre_entry(ctx, "centre.occupancy", id, c.country);
        e.detail = Some(format!(
            "snapshot={oid} total={} capacity={}",
            input.total,
            c.operational_capacity.unwrap_or(c.capacity)
        ));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(shown_occupancy(
            &OccupancyRow {
                id: oid,
                centre_id: id.to_string(),
                at,
                total: input.total,
                unaccompanied,
                cells: json,
                reported_by_username: ctx.actor.username.clone(),
                reported_at: now,
            },
            c.country,
            ctx.actor.country,
        ))
    }

    /// A centre's snapshots, newest first, one page.
    pub async fn occupancy(
        &self,
        ctx: &Ctx,
        id: &str,
        cursor: Option<&str>,
    ) -> AppResult<(Vec<OccupancyView>, Option<String>)> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let offset = parse_cursor(cursor)?;
        let mut tx = self.store.read().await?;
        let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
        let rows = tx.occupancy(id, PAGE + 1, offset).await?;
        let (rows, next) = page(rows, offset, PAGE);
        let items = rows
            .iter()
            .map(|o| shown_occupancy(o, c.country, ctx.actor.country))
            .collect::<Vec<_>>();
        let now = self.now_ms();
        let mut e = centre_entry(ctx, "centre.occupancy.list", id, c.country);
        e.detail = Some(format!("returned={}", items.len()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok((items, next))
    }

    /// Sets the crisis level. A raise alerts the owner and its neighbours at once (alert
    /// `centre_in_crisis` on the live stream, a notification in their inboxes); a lowering or
    /// the same level with a new reason is recorded, not alerted.
    pub async fn set_crisis(
        &self,
        ctx: &Ctx,
        id: &str,
        level: i64,
        reason: &str,
    ) -> AppResult<CentreView> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let c = tx.centre(id).await?.ok_or(AppError::NotFound)?;
        if !may_manage_centre(&ctx.actor, c.country) {
            return Err(AppError::Forbidden);
        }
        let mut errs = Invalid::default();
        if !(1..=4).contains(&level) {
            errs.push("level", "centres_bad_level");
        }
        let reason = validate::text(&mut errs, "reason", reason, true, REASON_MAX);
        errs.into_result()?;
        let raise = level > c.crisis_level;
        let mut out = Outbox::default();
        let mut alert_id = None;
        let mut alerted: Vec<Country> = vec![];
        if raise {
            let neighbours = tx.neighbours_of(c.country).await?;
            let (es, en) = level_words(level);
            let title = format!(
                "{}: nivel {level} ({es}) / level {level} ({en}) — {}",
                c.name,
                c.country.name("es")
            );
            let aid = tx
                .insert_alert(
                    &NewAlert {
                        country: c.country,
                        sender_id: &ctx.actor.user_id,
                        sender_username: &ctx.actor.username,
                        kind: "centre_in_crisis",
                        title: &title,
                        body: &reason,
                        urgency: if level >= 3 { "urgent" } else { "normal" },
                        handling: "intelligence_only",
                        recipients_level: "countries",
                        recipients: &neighbours,
                        links: &[],
                    },
                    now,
                )
                .await?;
            let mut audience = vec![c.country];
            audience.extend(neighbours.iter().copied());
            out.emit(
                &mut tx,
                None,
                &audience,
                "alert",
                json!({"id": aid, "title": title, "kind": "centre_in_crisis", "urgency": if level >= 3 { "urgent" } else { "normal" }, "country": c.country, "centre": c.id, "level": level, "link": format!("/alerts/{aid}")}),
                now,
            )
            .await?;
            let users = tx.intelligence_users_of(&audience).await?;
            out.notify(
                &mut tx,
                &users,
                "centre_in_crisis",
                &bilingual(
                    &format!(
                        "Centro en crisis, nivel {level} ({es}): {} ({})",
                        c.name,
                        c.country.name("es")
                    ),
                    &format!(
                        "Centre in crisis, level {level} ({en}): {} ({})",
                        c.name,
                        c.country.name("en")
                    ),
                ),
                &format!("/centres/{}", c.id),
                now,
            )
            .await?;
            alert_id = Some(aid);
            alerted = audience;
        }
        tx.set_crisis(
            id,
            level,
            c.crisis_level,
            &reason,
            &ctx.actor.user_id,
            &ctx.actor.username,
            alert_id.as_deref(),
            now,
        )
        .await?;
        let mut e = centre_entry(ctx, "centre.crisis", id, c.country);
        e.detail = Some(format!(
            "level={level} previous={} alerted={}",
            c.crisis_level,
            alerted
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(",")
        ));
        tx.audit(now, e).await?;
        let row = tx
            .centre(id)
            .await?
            .ok_or(AppError::Internal("centre vanished".into()))?;
        tx.commit().await?;
        self.publish(out);
        Ok(self.centre_view(ctx, &row))
    }

    /// The neighbour table (reference data: anyone signed in reads it).
    pub async fn neighbours(&self, ctx: &Ctx) -> AppResult<Vec<NeighbourRow>> {
        if !may_read_centres(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.read().await?;
        Ok(tx.neighbours().await?)
    }

    fn neighbour_pair(a: &str, b: &str) -> AppResult<(Country, Country)> {
        let mut errs = Invalid::default();
        // Exactly as the document states them: lower-case member codes.
        let strict = |c: &str| Country::parse(c).filter(|x| x.code() == c);
        let ca = strict(a);
        let cb = strict(b);
        if ca.is_none() {
            errs.push("a", "unknown_country");
        }
        if cb.is_none() {
            errs.push("b", "unknown_country");
        }
        if ca.is_some() && ca == cb {
            errs.push("b", "centres_same_country");
        }
        errs.into_result()?;
        match (ca, cb) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(AppError::Invalid(Invalid::one("a", "unknown_country"))),
        }
    }

    /// Adds a pair of neighbours or changes its kind (the secretariat); true when new.
    pub async fn put_neighbour(&self, ctx: &Ctx, a: &str, b: &str, kind: &str) -> AppResult<bool> {
        if !may_edit_neighbours(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let (a, b) = Self::neighbour_pair(a, b)?;
        if !NEIGHBOUR_KINDS.contains(&kind) {
            return Err(AppError::Invalid(Invalid::one(
                "kind",
                "centres_bad_neighbour_kind",
            )));
        }
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        let new = tx
            .put_neighbour(a, b, kind, &ctx.actor.user_id, now)
            .await?;
        let mut e = ctx.entry("neighbour.put", "ok");
        e.object_kind = Some("neighbour".into());
        e.object_id = Some(format!("{}-{}", a.code(), b.code()));
        e.detail = Some(format!("kind={kind} new={new}"));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(new)
    }

    pub async fn delete_neighbour(&self, ctx: &Ctx, a: &str, b: &str) -> AppResult<()> {
        if !may_edit_neighbours(&ctx.actor) {
            return Err(AppError::Forbidden);
        }
        let (a, b) = Self::neighbour_pair(a, b)?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if !tx.delete_neighbour(a, b).await? {
            return Err(AppError::NotFound);
        }
        let mut e = ctx.entry("neighbour.delete", "ok");
        e.object_kind = Some("neighbour".into());
        e.object_id = Some(format!("{}-{}", a.code(), b.code()));
        tx.audit(now, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Periodic reminders: a centre not reported for the configured days (default 7) is
    /// reminded to its country's officers, prosecutors, analysts and admins, once per
    /// silence (a new snapshot starts a new one).
    pub async fn run_centre_reminders(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let after = self.unreported_after_ms();
        let days = self.config.centre_unreported_days.max(1);
        let centres = self.store.unrestricted_all_centres().await?;
        let mut sent = 0;
        let mut tx = self.store.begin().await?;
        let mut out = Outbox::default();
        for c in centres {
            let last = c.last_at.unwrap_or(c.created_at);
            if now - last <= after {
                continue;
            }
            if !tx
                .remind_once(&format!("centre_unreported:{}:{last}", c.id), now)
                .await?
            {
                continue;
            }
            let users = tx
                .users_with_roles(c.country, &["officer", "prosecutor", "analyst", "admin"])
                .await?;
            out.notify(
                &mut tx,
                &users,
                "centre_unreported",
                &bilingual(
                    &format!(
                        "Centro sin informe de ocupación desde hace más de {days} días: {}",
                        c.name
                    ),
                    &format!(
                        "Centre without an occupancy report for over {days} days: {}",
                        c.name
                    ),
                ),
                &format!("/centres/{}", c.id),
                now,
            )
            .await?;
            sent += users.len();
        }
        tx.commit().await?;
        self.publish(out);
        Ok(sent)
    }

    /// Fictional centres for the demo, in several countries, with a few weeks of snapshots.
    pub(crate) async fn seed_demo_centres(&self) -> AppResult<()> {
        // (country, name, kind, capacity, operational, children, place, lat, lon, base)
        const DEMO: &[DemoCentre] = &[
            (
                "mx",
                "Estación migratoria Sur (ficticia)",
                "custody",
                120,
                Some(100),
                Some(20),
                "Frontera sur (ficticio)",
                14.90,
                -92.26,
                96,
            ),
            (
                "mx",
                "Albergue Paso Norte (ficticio)",
                "shelter",
                60,
                None,
                Some(30),
                "Frontera norte (ficticio)",
                31.70,
                -106.42,
                41,
            ),
            (
                "gt",
                "Casa del Migrante Occidente (ficticia)",
                "shelter",
                80,
                Some(70),
                Some(25),
                "Occidente (ficticio)",
                14.84,
                -91.52,
                74,
            ),
            (
                "hn",
                "Centro de Atención al Migrante Retornado (ficticio)",
                "temporary_stay",
                150,
                None,
                Some(40),
                "Norte (ficticio)",
                15.50,
                -88.03,
                63,
            ),
            (
                "cr",
                "Centro de Atención Temporal Sur (ficticio)",
                "temporary_stay",
                200,
                Some(180),
                Some(50),
                "Zona sur (ficticio)",
                8.63,
                -82.94,
                150,
            ),
            (
                "pa",
                "Estación de Recepción Migratoria Este (ficticia)",
                "temporary_stay",
                250,
                None,
                Some(60),
                "Darién (ficticio)",
                8.40,
                -77.90,
                270,
            ),
        ];
        const NATS: [&str; 5] = ["ve", "ht", "ec", "cu", "co"];
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        for (i, (cc, name, kind, cap, op, kids, place, lat, lon, base)) in DEMO.iter().enumerate() {
            let Some(country) = Country::parse(cc) else {
                continue;
            };
            let f = CentreFields {
                name: name.to_string(),
                kind: kind.to_string(),
                capacity: *cap,
                operational_capacity: *op,
                children_capacity: *kids,
                place: place.to_string(),
                lat_e6: Some((lat * 1e6) as i64),
                lon_e6: Some((lon * 1e6) as i64),
            };
            let id = tx
                .insert_centre(country, &f, "demo", now - 60 * DAY_MS)
                .await?;
            // Weekly snapshots over eight weeks, drifting up and down by a fixed rule.
            for w in 0..8i64 {
                let total = (base + ((w * 7 + i as i64 * 5) % 23) - 11).max(0);
                let mut cells = vec![];
                let mut left = total;
                for (j, nat) in NATS.iter().enumerate() {
                    let share = if j == NATS.len() - 1 {
                        left
                    } else {
                        total * (5 - j as i64) / 16
                    };
                    let share = share.min(left);
                    left -= share;
                    let kids = share / 6;
                    let women = (share - kids) / 3;
                    for (sex, age, unacc, v) in [
                        ("female", "18_59", false, women),
                        ("male", "18_59", false, share - kids - women),
                        ("male", "12_17", true, kids),
                    ] {
                        if v > 0 {
                            cells.push(OccupancyCell {
                                nationality: nat.to_string(),
                                sex: sex.into(),
                                age_group: age.into(),
                                unaccompanied: unacc,
                                value: v,
                            });
                        }
                    }
                }
                let unacc: i64 = cells
                    .iter()
                    .filter(|c| c.unaccompanied)
                    .map(|c| c.value)
                    .sum();
                let json =
                    serde_json::to_string(&cells).map_err(|e| AppError::Internal(e.to_string()))?;
                // The last centre of the list stopped reporting two weeks ago (flagged).
                let weeks_ago = if i == DEMO.len() - 1 {
                    9 - w + 1
                } else {
                    7 - w
                };
                let at = now - weeks_ago * 7 * DAY_MS;
                tx.insert_occupancy(
                    &id,
                    at - at % 3_600_000,
                    total,
                    unacc,
                    &json,
                    "demo",
                    "demo",
                    at,
                )
                .await?;
            }
            if *cc == "pa" {
                tx.set_crisis(
                    &id,
                    2,
                    1,
                    "Llegadas por encima de lo habitual (demo, ficticio).",
                    "demo",
                    "demo",
                    None,
                    now - DAY_MS,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
