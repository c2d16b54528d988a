//! The network around an entity: the entities linked to it up to a depth, as the viewer may
//! see them, laid out on the server as concentric rings and drawn as SVG (no client library,
//! nothing fetched from outside).
use crate::words::Words;
use crate::{App, AppError, AppResult, Ctx};
use enlace_domain::ftm::{self, PropType, LINKS};
use enlace_store::entities::Entity;
use enlace_store::Viewer;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub const MAX_NODES: usize = 500;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Node {
    pub id: String,
    pub schema: String,
    pub caption: String,
    pub level: usize,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash, utoipa::ToSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The stable internal name of the link (a property such as `owner`, a link schema such
    /// as `Membership`) or the link's own role or relationship as typed.
    pub label: String,
    /// What `label` is, so a page can name it in its reader's language (not in the API).
    #[serde(skip)]
    pub kind: EdgeKind,
}

/// What an edge's label is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A property of an entity of `schema` that refers to the other end (`owner`, `involved`).
    Property { schema: String },
    /// The schema of a link entity (`Membership`, `Family`…) that has no role of its own.
    Link,
    /// A link's role or relationship, as its author typed it.
    Typed,
}

impl Edge {
    /// The edge's label in the reader's words.
    pub fn words(&self, w: &dyn Words) -> String {
        match &self.kind {
            EdgeKind::Property { schema } => w.property(schema, &self.label),
            EdgeKind::Link => w.schema(&self.label),
            EdgeKind::Typed => self.label.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Graph {
    pub root: String,
    pub depth: usize,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// True when the network was cut at MAX_NODES.
    pub truncated: bool,
}

fn link_ends(schema: &str) -> Option<(&'static str, &'static str)> {
    LINKS
        .iter()
        .find(|(s, _, _)| *s == schema)
        .map(|(_, a, b)| (*a, *b))
}

fn first(e: &Entity, prop: &str) -> Option<String> {
    e.properties.get(prop).and_then(|v| v.first()).cloned()
}

impl App {
    pub async fn network(&self, ctx: &Ctx, id: &str, depth: usize) -> AppResult<Graph> {
        let depth = depth.clamp(1, 3);
        let viewer = Viewer::of(&ctx.actor);
        let now = self.now_ms();
        let mut tx = self.store.read().await?;
        let root = tx
            .entity_visible(&viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut level: HashMap<String, usize> = HashMap::from([(root.id.clone(), 0)]);
        let mut nodes: HashMap<String, Entity> = HashMap::from([(root.id.clone(), root.clone())]);
        let mut edges: HashSet<Edge> = HashSet::new();
        let mut frontier = vec![root.clone()];
        let mut truncated = false;
        for d in 1..=depth {
            let mut next = vec![];
            for n in &frontier {
                // (neighbour id, label, kind) triples, resolved below against what the viewer sees.
                let mut around: Vec<(String, String, EdgeKind)> = vec![];
                for (prop, values) in &n.properties {
                    if ftm::prop_type(&n.schema, prop) == Some(PropType::Entity) {
                        let kind = EdgeKind::Property {
                            schema: n.schema.clone(),
                        };
                        around.extend(
                            values
                                .iter()
                                .map(|v| (v.clone(), prop.clone(), kind.clone())),
                        );
                    }
                }
                for (prop, e) in tx.entities_referring_visible(&viewer, &n.id).await? {
                    match link_ends(&e.schema) {
                        // A link entity becomes an edge to whoever is at its other end.
                        Some((a, b)) => {
                            let other = if first(&e, a).as_deref() == Some(n.id.as_str()) {
                                first(&e, b)
                            } else {
                                first(&e, a)
                            };
                            let (label, kind) =
                                match first(&e, "role").or_else(|| first(&e, "relationship")) {
                                    Some(typed) => (typed, EdgeKind::Typed),
                                    None => (e.schema.clone(), EdgeKind::Link),
                                };
                            if let Some(o) = other {
                                around.push((o, label, kind));
                            }
                        }
                        None => around.push((
                            e.id.clone(),
                            prop,
                            EdgeKind::Property {
                                schema: e.schema.clone(),
                            },
                        )),
                    }
                }
                let ids: Vec<String> = around
                    .iter()
                    .map(|(i, _, _)| i.clone())
                    .filter(|i| !nodes.contains_key(i))
                    .collect();
                for e in tx.entities_visible_by_ids(&viewer, &ids).await? {
                    if link_ends(&e.schema).is_some() {
                        continue;
                    }
                    if nodes.len() >= MAX_NODES {
                        truncated = true;
                        break;
                    }
                    level.insert(e.id.clone(), d);
                    nodes.insert(e.id.clone(), e.clone());
                    next.push(e);
                }
                for (other, label, kind) in around {
                    if nodes.contains_key(&other) && other != n.id {
                        let (a, b) = if n.id < other {
                            (n.id.clone(), other)
                        } else {
                            (other, n.id.clone())
                        };
                        edges.insert(Edge {
                            from: a,
                            to: b,
                            label,
                            kind,
                        });
                    }
                }
            }
            frontier = next;
        }
        let mut a = ctx.entry("entity.graph", "ok");
        a.object_kind = Some("entity".into());
        a.object_id = Some(root.id.clone());
        a.object_country = Some(root.owner_country.code().to_string());
        a.detail = Some(format!("depth={depth} nodes={}", nodes.len()));
        tx.audit(now, a).await?;
        crate::audit_returned(
            &mut tx,
            ctx,
            now,
            "entity.graph",
            "entity",
            nodes
                .values()
                .filter(|n| n.id != root.id)
                .map(|n| (n.id.clone(), n.owner_country, n.sensitive))
                .collect(),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(layout(
            root.id,
            depth,
            nodes,
            &level,
            edges.into_iter().collect(),
            truncated,
        ))
    }
}

/// Concentric rings: the root in the centre, each level on its own ring, nodes of a ring
/// spread evenly (sorted so the picture is stable between visits).
fn layout(
    root: String,
    depth: usize,
    nodes: HashMap<String, Entity>,
    level: &HashMap<String, usize>,
    mut edges: Vec<Edge>,
    truncated: bool,
) -> Graph {
    let mut rings: Vec<Vec<&Entity>> = vec![vec![]; depth + 1];
    for e in nodes.values() {
        let l = level.get(&e.id).copied().unwrap_or(0).min(depth);
        rings[l].push(e);
    }
    let mut out = vec![];
    for (l, ring) in rings.iter_mut().enumerate() {
        ring.sort_by(|a, b| (&a.schema, &a.caption, &a.id).cmp(&(&b.schema, &b.caption, &b.id)));
        let r = 170.0 * l as f64;
        let n = ring.len().max(1) as f64;
        for (i, e) in ring.iter().enumerate() {
            let angle = std::f64::consts::TAU * i as f64 / n + 0.3 * l as f64;
            out.push(Node {
                id: e.id.clone(),
                schema: e.schema.clone(),
                caption: e.caption.clone(),
                level: l,
                x: (r * angle.cos() * 100.0).round() / 100.0,
                y: (r * angle.sin() * 100.0).round() / 100.0,
            });
        }
    }
    edges.sort_by(|a, b| (&a.from, &a.to, &a.label).cmp(&(&b.from, &b.to, &b.label)));
    Graph {
        root,
        depth,
        nodes: out,
        edges,
        truncated,
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn colour(schema: &str) -> &'static str {
    match schema {
        "Person" => "#0b5394",
        "Organization" | "Company" => "#a61c00",
        "UserAccount" => "#38761d",
        "Vehicle" | "Vessel" => "#b45f06",
        "Identification" | "Passport" => "#741b47",
        "BankAccount" | "Payment" => "#7f6000",
        _ => "#5b6570",
    }
}

/// The graph as an SVG document named `title`, in the reader's `words`; each node links to its
/// own network ("click to move").
/// The colour a schema's nodes wear, for the page's legend.
pub fn schema_colour(schema: &str) -> &'static str {
    colour(schema)
}

pub fn to_svg(g: &Graph, words: &dyn Words, title: &str) -> String {
    let extent = 170.0 * g.depth as f64 + 140.0;
    let pos: HashMap<&str, (f64, f64)> = g
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), (n.x, n.y)))
        .collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" role=\"img\" aria-label=\"{}\" class=\"graph\">",
        -extent, -extent, 2.0 * extent, 2.0 * extent, xml(title)
    );
    for e in &g.edges {
        if let (Some(a), Some(b)) = (pos.get(e.from.as_str()), pos.get(e.to.as_str())) {
            s.push_str(&format!(
                "<g class=\"edge\" data-from=\"{}\" data-to=\"{}\"><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#9aa5b1\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#3d4650\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" text-anchor=\"middle\">{}</text></g>",
                xml(&e.from), xml(&e.to), a.0, a.1, b.0, b.1,
                // Two fifths along the edge, away from the nodes' names at both ends, with a
                // white halo so a crossing line never runs through the words.
                a.0 + (b.0 - a.0) * 0.4, a.1 + (b.1 - a.1) * 0.4 - 3.0, xml(&e.words(words))
            ));
        }
    }
    for n in &g.nodes {
        let r = if n.level == 0 { 16 } else { 11 };
        let caption = words.caption(&n.schema, &n.caption);
        let label: String = caption.chars().take(28).collect();
        s.push_str(&format!(
            "<a href=\"/entities/{id}/graph?depth={d}\" class=\"node\" data-id=\"{id}\"><title>{title} — {schema}</title><circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\" fill=\"{c}\"/><text x=\"{x}\" y=\"{ty}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1b1f24\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{label}</text></a>",
            id = xml(&n.id),
            d = g.depth,
            title = xml(&caption),
            schema = xml(&words.schema(&n.schema)),
            x = n.x,
            y = n.y,
            r = r,
            c = colour(&n.schema),
            ty = n.y + r as f64 + 13.0,
            label = xml(&label),
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names everything in capitals, so a test sees what went through the reader's words.
    struct Loud;
    impl Words for Loud {
        fn schema(&self, schema: &str) -> String {
            format!("SCHEMA {}", schema.to_uppercase())
        }
        fn property(&self, schema: &str, prop: &str) -> String {
            format!("PROP {} OF {}", prop.to_uppercase(), schema.to_uppercase())
        }
        fn mode(&self, mode: &str) -> String {
            mode.to_uppercase()
        }
        fn unknown_place(&self) -> String {
            "NOWHERE".into()
        }
    }

    #[test]
    fn the_drawing_names_schemas_and_links_in_the_readers_words() {
        let node = |id: &str, schema: &str, caption: &str, level: usize| Node {
            id: id.into(),
            schema: schema.into(),
            caption: caption.into(),
            level,
            x: 10.0 * level as f64,
            y: 0.0,
        };
        let edge = |to: &str, label: &str, kind: EdgeKind| Edge {
            from: "a".into(),
            to: to.into(),
            label: label.into(),
            kind,
        };
        let g = Graph {
            root: "a".into(),
            depth: 1,
            nodes: vec![
                node("a", "Person", "Ana", 0),
                node("b", "UserAccount", "+502 5555", 1),
                node("c", "Organization", "Organization", 1),
                node("d", "Person", "Bruno", 1),
            ],
            edges: vec![
                edge(
                    "b",
                    "owner",
                    EdgeKind::Property {
                        schema: "UserAccount".into(),
                    },
                ),
                edge("c", "Membership", EdgeKind::Link),
                edge("d", "compadre", EdgeKind::Typed),
            ],
            truncated: false,
        };
        let svg = to_svg(&g, &Loud, "The network");
        assert!(svg.contains("aria-label=\"The network\""), "{svg}");
        assert!(svg.contains(">PROP OWNER OF USERACCOUNT</text>"), "{svg}");
        assert!(svg.contains(">SCHEMA MEMBERSHIP</text>"), "{svg}");
        assert!(
            svg.contains(">compadre</text>"),
            "typed roles stay as typed: {svg}"
        );
        assert!(svg.contains("<title>Ana — SCHEMA PERSON</title>"), "{svg}");
        // A caption that is only the schema is the schema's name.
        assert!(
            svg.contains("<title>SCHEMA ORGANIZATION — SCHEMA ORGANIZATION</title>"),
            "{svg}"
        );
        // The API keeps the internal names and says nothing of the kinds.
        let json = serde_json::to_value(&g).unwrap_or_default();
        assert_eq!(json["edges"][0]["label"], "owner");
        assert!(json["edges"][0].get("kind").is_none());
    }
}
