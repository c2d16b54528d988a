//! Smuggling routes: ordered legs (FollowTheMoney `Trip` entities with our documented
//! `enlace*` properties) between places, with the origin, transit and destination countries
//! derived from the legs, and a schematic map drawn as SVG on the server.
use crate::{App, AppResult, Ctx};
use enlace_domain::Country;
use enlace_store::entities::{Entity, EntityFilter};
use enlace_store::Viewer;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub id: Option<String>,
    pub caption: String,
    pub country: Option<Country>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leg {
    pub id: String,
    pub order: f64,
    pub from: Place,
    pub to: Place,
    pub mode: String,
    pub means: String,
    pub fee: Option<f64>,
    pub currency: String,
    pub duration_hours: Option<f64>,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub name: String,
    pub owner: Country,
    pub legs: Vec<Leg>,
    pub origin: Option<Country>,
    pub transit: Vec<Country>,
    pub destination: Option<Country>,
    pub modus_operandi: Vec<String>,
}

fn first(e: &Entity, p: &str) -> Option<String> {
    e.properties.get(p).and_then(|v| v.first()).cloned()
}

fn num(e: &Entity, p: &str) -> Option<f64> {
    first(e, p).and_then(|v| v.parse().ok())
}

/// Approximate capital coordinates (lat, lon), to place a leg end that has no coordinates.
pub fn capital(c: Country) -> (f64, f64) {
    match c.code() {
        "bz" => (17.25, -88.77),
        "ca" => (45.42, -75.70),
        "cr" => (9.93, -84.08),
        "do" => (18.49, -69.93),
        "sv" => (13.69, -89.22),
        "gt" => (14.63, -90.51),
        "hn" => (14.07, -87.19),
        "mx" => (19.43, -99.13),
        "ni" => (12.11, -86.24),
        "pa" => (8.98, -79.52),
        _ => (38.90, -77.04),
    }
}

impl App {
    /// Every route the viewer may see (legs hidden from them are simply absent).
    pub async fn routes(&self, ctx: &Ctx) -> AppResult<Vec<Route>> {
        let viewer = Viewer::of(&ctx.actor);
        let mut tx = self.store.begin().await?;
        let f = EntityFilter {
            schema: Some("Trip".into()),
            ..Default::default()
        };
        let (trips, _) = tx.entities_visible(&viewer, &f, 2000, 0).await?;
        let place_ids: Vec<String> = trips
            .iter()
            .flat_map(|t| [first(t, "startLocation"), first(t, "endLocation")])
            .flatten()
            .collect();
        let places: BTreeMap<String, Entity> = tx
            .entities_visible_by_ids(&viewer, &place_ids)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let mut a = ctx.entry("route.list", "ok");
        a.object_kind = Some("entity".into());
        a.detail = Some(format!("legs={}", trips.len()));
        tx.audit(self.now_ms(), a).await?;
        tx.commit().await?;
        let place = |id: Option<String>| -> Place {
            match id.as_ref().and_then(|i| places.get(i)) {
                Some(p) => Place {
                    id: Some(p.id.clone()),
                    caption: p.caption.clone(),
                    country: first(p, "country").and_then(|c| Country::parse(&c)),
                    lat: num(p, "latitude"),
                    lon: num(p, "longitude"),
                },
                None => Place {
                    id: None,
                    caption: "?".into(),
                    country: None,
                    lat: None,
                    lon: None,
                },
            }
        };
        let mut groups: BTreeMap<(String, String), Route> = BTreeMap::new();
        for t in &trips {
            let name = first(t, "enlaceRoute").unwrap_or_else(|| t.caption.clone());
            let r = groups
                .entry((t.owner_country.code().to_string(), name.clone()))
                .or_insert_with(|| Route {
                    name,
                    owner: t.owner_country,
                    legs: vec![],
                    origin: None,
                    transit: vec![],
                    destination: None,
                    modus_operandi: vec![],
                });
            r.legs.push(Leg {
                id: t.id.clone(),
                order: num(t, "enlaceLegOrder").unwrap_or(0.0),
                from: place(first(t, "startLocation")),
                to: place(first(t, "endLocation")),
                mode: first(t, "enlaceMode").unwrap_or_default(),
                means: first(t, "enlaceMeans").unwrap_or_default(),
                fee: num(t, "enlaceFee"),
                currency: first(t, "enlaceCurrency").unwrap_or_default(),
                duration_hours: num(t, "enlaceDurationHours"),
                first_seen: first(t, "startDate").unwrap_or_default(),
                last_seen: first(t, "endDate").unwrap_or_default(),
            });
            for mo in t
                .properties
                .get("enlaceModusOperandi")
                .into_iter()
                .flatten()
            {
                if !r.modus_operandi.contains(mo) {
                    r.modus_operandi.push(mo.clone());
                }
            }
        }
        let mut out: Vec<Route> = groups.into_values().collect();
        for r in &mut out {
            r.legs.sort_by(|a, b| {
                a.order
                    .partial_cmp(&b.order)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let mut seq: Vec<Country> = vec![];
            for l in &r.legs {
                for c in [l.from.country, l.to.country].into_iter().flatten() {
                    if seq.last() != Some(&c) {
                        seq.push(c);
                    }
                }
            }
            r.origin = seq.first().copied();
            r.destination = if seq.len() > 1 {
                seq.last().copied()
            } else {
                None
            };
            r.transit = if seq.len() > 2 {
                let mut t: Vec<Country> = vec![];
                for c in &seq[1..seq.len() - 1] {
                    if !t.contains(c) && Some(*c) != r.origin && Some(*c) != r.destination {
                        t.push(*c);
                    }
                }
                t
            } else {
                vec![]
            };
        }
        Ok(out)
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A schematic map of the region (equirectangular, graticule every 10°, the member countries'
/// capitals as reference points) with each route's legs as lines coloured by mode.
pub fn map_svg(routes: &[Route]) -> String {
    const W: f64 = 900.0;
    const H: f64 = 640.0;
    let (lon0, lon1, lat0, lat1) = (-125.0, -55.0, 0.0, 55.0);
    let x = |lon: f64| (lon - lon0) / (lon1 - lon0) * W;
    let y = |lat: f64| (lat1 - lat) / (lat1 - lat0) * H;
    let mut s = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" class=\"map\"><rect width=\"{W}\" height=\"{H}\" fill=\"#eef3f8\"/>");
    let mut lon = -120.0;
    while lon <= -60.0 {
        s.push_str(&format!("<line x1=\"{0:.1}\" y1=\"0\" x2=\"{0:.1}\" y2=\"{H}\" stroke=\"#d5dbe1\" stroke-width=\"0.5\"/><text x=\"{1:.1}\" y=\"{2}\" font-size=\"9\" fill=\"#9aa5b1\">{3}°</text>", x(lon), x(lon) + 2.0, H - 4.0, lon));
        lon += 10.0;
    }
    let mut lat = 10.0;
    while lat <= 50.0 {
        s.push_str(&format!("<line x1=\"0\" y1=\"{0:.1}\" x2=\"{W}\" y2=\"{0:.1}\" stroke=\"#d5dbe1\" stroke-width=\"0.5\"/><text x=\"3\" y=\"{1:.1}\" font-size=\"9\" fill=\"#9aa5b1\">{2}°</text>", y(lat), y(lat) - 2.0, lat));
        lat += 10.0;
    }
    for c in Country::all() {
        let (la, lo) = capital(c);
        s.push_str(&format!(
            "<g class=\"capital\"><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#5b6570\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#1b1f24\">{}</text></g>",
            x(lo), y(la), x(lo) + 5.0, y(la) - 4.0, c.code().to_uppercase()
        ));
    }
    let pos = |p: &Place| -> Option<(f64, f64)> {
        match (p.lat, p.lon, p.country) {
            (Some(la), Some(lo), _) => Some((x(lo), y(la))),
            (_, _, Some(c)) => {
                let (la, lo) = capital(c);
                Some((x(lo), y(la)))
            }
            _ => None,
        }
    };
    for r in routes {
        for l in &r.legs {
            let (Some(a), Some(b)) = (pos(&l.from), pos(&l.to)) else {
                continue;
            };
            let colour = match l.mode.as_str() {
                "sea" => "#0b5394",
                "air" => "#741b47",
                "river" => "#38761d",
                _ => "#b45f06",
            };
            let dash = if l.mode == "air" {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            };
            s.push_str(&format!(
                "<g class=\"leg\" data-leg=\"{}\"><title>{}: {} → {} ({})</title><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-width=\"2.5\"{dash}/><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"/></g>",
                xml(&l.id), xml(&r.name), xml(&l.from.caption), xml(&l.to.caption), xml(&l.mode), a.0, a.1, b.0, b.1, b.0, b.1
            ));
        }
    }
    s.push_str("</svg>");
    s
}
