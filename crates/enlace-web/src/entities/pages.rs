use crate::error::PageError;
use crate::extract::{CsrfForm, Req};
use crate::i18n::Tr;
use crate::page::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use enlace_app::AppError;
use enlace_domain::policy::{self, Decision, RecordAccess};
use enlace_store::entities::{Entity, EntityFilter};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "entity.html")]
pub(crate) struct EntityPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    e: Entity,
    rows: Vec<PropRow>,
    links: Vec<LinkRow>,
    /// The case, when the reader may open it (a record shared from a hidden case has none).
    case_visible: bool,
    can_edit: bool,
    xrefs: Vec<enlace_app::checks::XrefCandidate>,
}

/// One property of an entity as its page shows it: its name in the reader's language (the
/// internal name only in `data-prop`, for scripts and tests) and its values in words.
pub(crate) struct PropRow {
    prop: String,
    name: String,
    values: Vec<ShownValue>,
}

/// A record that points at this one, read as a sentence: «Miembro de <Red del Norte>»
/// (the far end of a link record, which has its own page), «Participa en el tramo de ruta
/// <Tramo por mar>» (a record that names this one).
pub(crate) struct LinkRow {
    prop: String,
    /// The words before the linked name.
    words: String,
    /// The far end of a link record: its page and caption (none when the reader cannot see it).
    other: Option<ShownValue>,
    /// The record that points here: its page and what to call it.
    record: ShownValue,
    /// A link record's role or relationship («transportista»).
    role: Option<String>,
}

pub(crate) fn link_rows(
    t: Tr,
    e: &Entity,
    referring: &[(String, Entity)],
    referred: &[Entity],
) -> Vec<LinkRow> {
    use enlace_domain::ftm;
    referring
        .iter()
        .map(|(prop, r)| {
            let ends = ftm::LINKS.iter().find(|(s, _, _)| *s == r.schema);
            match ends {
                Some((_, a, b)) if prop == a || prop == b => {
                    let far = if prop == a { b } else { a };
                    let other = r
                        .properties
                        .get(*far)
                        .and_then(|v| v.iter().find(|id| **id != e.id))
                        .map(|id| match referred.iter().find(|x| &x.id == id) {
                            Some(x) => ShownValue {
                                text: t.caption(&x.schema, &x.caption),
                                href: Some(format!("/entities/{}", x.id)),
                            },
                            None => ShownValue {
                                text: t.t("entity_not_visible"),
                                href: None,
                            },
                        });
                    let role = ["role", "relationship"]
                        .iter()
                        .find_map(|k| r.properties.get(*k).and_then(|v| v.first()).cloned());
                    LinkRow {
                        prop: prop.clone(),
                        words: t.link_words(&r.schema, prop),
                        other,
                        record: ShownValue {
                            text: t.t("records_link_record"),
                            href: Some(format!("/entities/{}", r.id)),
                        },
                        role,
                    }
                }
                _ => LinkRow {
                    prop: prop.clone(),
                    words: t.link_words(&r.schema, prop),
                    other: None,
                    record: ShownValue {
                        text: t.caption(&r.schema, &r.caption),
                        href: Some(format!("/entities/{}", r.id)),
                    },
                    role: None,
                },
            }
        })
        .collect()
}

/// One value as a page shows it; a reference to a visible entity links to it by its caption.
pub(crate) struct ShownValue {
    text: String,
    href: Option<String>,
}

/// The rows of an entity's properties table, in the form's order: `referred` are the visible
/// entities its references point at, `mo` the modus operandi vocabulary.
pub(crate) fn prop_rows(
    t: Tr,
    e: &Entity,
    referred: &[Entity],
    mo: &[enlace_store::countries::MoTerm],
) -> Vec<PropRow> {
    use enlace_domain::ftm::{self, PropType};
    let order: Vec<&str> = ftm::props_of(&e.schema)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let mut props: Vec<(&String, &Vec<String>)> = e.properties.iter().collect();
    props.sort_by_key(|(k, _)| order.iter().position(|p| p == k).unwrap_or(usize::MAX));
    props
        .into_iter()
        .map(|(k, vals)| {
            let ty = ftm::prop_type(&e.schema, k);
            let values = vals
                .iter()
                .map(|v| match ty {
                    Some(PropType::Entity) => match referred.iter().find(|r| &r.id == v) {
                        Some(r) => ShownValue {
                            text: t.caption(&r.schema, &r.caption),
                            href: Some(format!("/entities/{}", r.id)),
                        },
                        None => ShownValue {
                            text: t.t("entity_not_visible"),
                            href: None,
                        },
                    },
                    Some(PropType::ModusOperandi) => ShownValue {
                        text: mo
                            .iter()
                            .find(|m| &m.code == v)
                            .map(|m| {
                                if t.code() == "en" {
                                    m.label_en.clone()
                                } else {
                                    m.label_es.clone()
                                }
                            })
                            .unwrap_or_else(|| v.clone()),
                        href: None,
                    },
                    _ => ShownValue {
                        text: t.value(&e.schema, k, v),
                        href: None,
                    },
                })
                .collect();
            PropRow {
                prop: k.clone(),
                name: t.prop(&e.schema, k),
                values,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "entity_form.html")]
pub(crate) struct EntityFormPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    action: String,
    case_id: String,
    schema: String,
    schema_label: String,
    groups: Vec<super::form::FormGroup>,
    errors: Vec<ShownError>,
    version: i64,
    /// The case's records to link to, for the form's data list.
    others: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    q: String,
    schema: String,
    results: Vec<Entity>,
    schemas: Vec<(String, String)>,
    pager: Pager,
    searched: bool,
}

pub(crate) fn schema_options(t: Tr) -> Vec<(String, String)> {
    enlace_domain::ftm::schemas()
        .map(|s| (s.to_string(), t.schema(s)))
        .collect()
}

/// Multi-valued properties are typed separated by semicolons.
pub(crate) const VALUE_SEPARATOR: char = ';';

/// What the entity form shows: where it posts, the case, the values typed so far.
pub(crate) struct EntityFormArgs<'a> {
    action: String,
    case_id: String,
    schema: &'a str,
    values: &'a std::collections::BTreeMap<String, Vec<String>>,
    errors: Vec<ShownError>,
    version: i64,
    choices: FormChoices,
}

/// The choices a form offers: the case's records to link to and the modus operandi terms.
pub(crate) struct FormChoices {
    others: Vec<(String, String)>,
    mo: Vec<enlace_store::countries::MoTerm>,
}

pub(crate) fn entity_form_page(req: &Req, a: EntityFormArgs<'_>) -> Response {
    let t = req.tr();
    let groups = super::form::groups(
        &super::form::FormContext {
            t,
            others: &a.choices.others,
            mo: &a.choices.mo,
            errors: &a.errors,
        },
        a.schema,
        a.values,
    );
    let status = if a.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    with_status(
        status,
        render(&EntityFormPage {
            t,
            user: req.page_user(),
            path: req.path.clone(),
            action: a.action,
            case_id: a.case_id,
            schema: a.schema.to_string(),
            schema_label: t.schema(a.schema),
            groups,
            errors: a.errors,
            version: a.version,
            others: a.choices.others,
        }),
    )
}

/// Entities of the case, to pick as link ends (by caption and kind), and the vocabulary.
pub(crate) async fn form_choices(
    s: &AppState,
    req: &Req,
    ctx: &enlace_app::Ctx,
    case_id: &str,
) -> Result<FormChoices, PageError> {
    let (list, _) = s
        .app
        .case_entities(ctx, case_id, 500, 0)
        .await
        .map_err(|e| req.err(e))?;
    let mo = s.app.mo_vocabulary().await.map_err(|e| req.err(e))?;
    let t = req.tr();
    let others = list
        .into_iter()
        .map(|e| {
            (
                e.id.clone(),
                format!(
                    "{} ({})",
                    t.caption(&e.schema, &e.caption),
                    t.schema(&e.schema)
                ),
            )
        })
        .collect();
    Ok(FormChoices { others, mo })
}

#[derive(Deserialize)]
pub struct NewEntityQuery {
    schema: Option<String>,
}

pub async fn entity_new(
    State(s): State<AppState>,
    req: Req,
    Path(case_id): Path<String>,
    Query(q): Query<NewEntityQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let case = s
        .app
        .get_case(&ctx, &case_id)
        .await
        .map_err(|e| req.err(e))?;
    let schema = q.schema.unwrap_or_else(|| "Person".into());
    if !enlace_domain::ftm::is_schema(&schema) {
        return Err(req.err(AppError::Invalid(enlace_domain::Invalid::one(
            "schema",
            "unknown_schema",
        ))));
    }
    let choices = form_choices(&s, &req, &ctx, &case.id).await?;
    Ok(entity_form_page(
        &req,
        EntityFormArgs {
            action: format!("/cases/{}/entities", case.id),
            case_id: case.id.clone(),
            schema: &schema,
            values: &Default::default(),
            errors: vec![],
            version: 0,
            choices,
        },
    ))
}

/// Reads the form's fields into FollowTheMoney properties.
pub(crate) fn entity_props(
    pairs: &[(String, String)],
) -> (String, std::collections::BTreeMap<String, Vec<String>>) {
    super::form::read_props(pairs)
}

pub async fn entity_create(
    State(s): State<AppState>,
    Path(case_id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (schema, props) = entity_props(&pairs);
    let input = enlace_app::entities::EntityInput {
        schema: schema.clone(),
        properties: serde_json::to_value(&props).unwrap_or_default(),
    };
    match s.app.create_entity(&ctx, &case_id, &input).await {
        Ok(e) => Ok(Redirect::to(&format!("/entities/{}", e.id)).into_response()),
        Err(AppError::Invalid(inv)) if enlace_domain::ftm::is_schema(&schema) => {
            let choices = form_choices(&s, &req, &ctx, &case_id).await?;
            Ok(entity_form_page(
                &req,
                EntityFormArgs {
                    action: format!("/cases/{case_id}/entities"),
                    case_id: case_id.clone(),
                    schema: &schema,
                    values: &props,
                    errors: shown(req.tr(), &inv.0),
                    version: 0,
                    choices,
                },
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

pub(crate) fn can_edit_entity(ctx: &enlace_app::Ctx, e: &Entity) -> bool {
    policy::decide_edit_record(
        &ctx.actor,
        &RecordAccess {
            owner: e.owner_country,
            distribution: &e.distribution,
        },
    ) == Decision::Allow
}

pub async fn entity_view(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (e, referring, referred) = s
        .app
        .get_entity_linked(&ctx, &id)
        .await
        .map_err(|e| req.err(e))?;
    let mo = s.app.mo_vocabulary().await.map_err(|e| req.err(e))?;
    // While the match index warms after start the record itself still shows, without
    // its look-alikes.
    let xrefs = match s.app.cross_references(&ctx, &id).await {
        Err(AppError::Warming { .. }) => vec![],
        r => r.map_err(|e| req.err(e))?,
    };
    let t = req.tr();
    let rows = prop_rows(t, &e, &referred, &mo);
    let links = link_rows(t, &e, &referring, &referred);
    // A record shared in answer to a request may sit in a case the reader cannot open: the
    // breadcrumb then does not lead to «not found».
    let case_visible = s
        .app
        .case_visible(&ctx, &e.case_id)
        .await
        .map_err(|e| req.err(e))?;
    Ok(render(&EntityPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        can_edit: can_edit_entity(&ctx, &e),
        e,
        rows,
        links,
        case_visible,
        xrefs,
    }))
}

pub async fn entity_edit(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (e, _) = s.app.get_entity(&ctx, &id).await.map_err(|e| req.err(e))?;
    if !can_edit_entity(&ctx, &e) {
        return Err(req.err(AppError::Forbidden));
    }
    let choices = form_choices(&s, &req, &ctx, &e.case_id).await?;
    Ok(entity_form_page(
        &req,
        EntityFormArgs {
            action: format!("/entities/{}", e.id),
            case_id: e.case_id.clone(),
            schema: &e.schema,
            values: &e.properties,
            errors: vec![],
            version: e.version,
            choices,
        },
    ))
}

pub async fn entity_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let ctx = req.ctx()?;
    let (schema, props) = entity_props(&pairs);
    let version = pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse().ok());
    let input = enlace_app::entities::EntityInput {
        schema: schema.clone(),
        properties: serde_json::to_value(&props).unwrap_or_default(),
    };
    match s
        .app
        .update_entity(
            &ctx,
            &id,
            enlace_app::entities::Change::Replace(&input),
            version,
        )
        .await
    {
        Ok(e) => Ok(Redirect::to(&format!("/entities/{}", e.id)).into_response()),
        Err(AppError::Invalid(inv)) if enlace_domain::ftm::is_schema(&schema) => {
            let case_id = pairs
                .iter()
                .find(|(k, _)| k == "case_id")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let choices = match form_choices(&s, &req, &ctx, &case_id).await {
                Ok(c) => c,
                Err(_) => FormChoices {
                    others: vec![],
                    mo: vec![],
                },
            };
            Ok(entity_form_page(
                &req,
                EntityFormArgs {
                    action: format!("/entities/{id}"),
                    case_id,
                    schema: &schema,
                    values: &props,
                    errors: shown(req.tr(), &inv.0),
                    version: version.unwrap_or(0),
                    choices,
                },
            ))
        }
        Err(e) => Err(req.err(e)),
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    schema: Option<String>,
    page: Option<i64>,
}

pub async fn search_page(
    State(s): State<AppState>,
    req: Req,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let text = q.q.clone().unwrap_or_default();
    let schema = q.schema.clone().unwrap_or_default();
    let page = page_no(q.page);
    let searched = !text.trim().is_empty();
    let (results, total, exact) = if searched {
        let filter = EntityFilter {
            schema: Some(schema.clone()).filter(|s| !s.is_empty()),
            ..Default::default()
        };
        s.app
            .search_entities(&ctx, &text, filter, None, PER_PAGE, (page - 1) * PER_PAGE)
            .await
            .map_err(|e| req.err(e))?
    } else {
        (vec![], 0, true)
    };
    let t = req.tr();
    let mut pager = Pager::new(
        page,
        total,
        &format!(
            "/search?q={}&schema={}",
            url_encode(&text),
            url_encode(&schema)
        ),
    );
    if !exact {
        pager.at_least(&format!(
            "/search?q={}&schema={}&page={}",
            url_encode(&text),
            url_encode(&schema),
            page + 1
        ));
    }
    Ok(render(&SearchPage {
        t,
        user: req.page_user(),
        path: req.path.clone(),
        pager,
        q: text,
        schema,
        results,
        schemas: schema_options(t),
        searched,
    }))
}

#[derive(Template)]
#[template(path = "graph.html")]
pub(crate) struct GraphPage {
    t: Tr,
    user: Option<PageUser>,
    path: String,
    /// The network's centre (the level-0 node), already read by `network`.
    root: enlace_app::graph::Node,
    g: enlace_app::graph::Graph,
    svg: String,
    /// (colour, kind of record in words) for each kind drawn.
    legend: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
pub struct DepthQuery {
    depth: Option<usize>,
}

pub async fn graph_page(
    State(s): State<AppState>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<DepthQuery>,
) -> PageResult {
    let ctx = req.ctx()?;
    let g = s
        .app
        .network(&ctx, &id, q.depth.unwrap_or(2))
        .await
        .map_err(|e| req.err(e))?;
    let root = g
        .nodes
        .iter()
        .find(|n| n.id == g.root)
        .cloned()
        .ok_or_else(|| req.err(AppError::NotFound))?;
    let t = req.tr();
    let mut legend: Vec<(&'static str, String)> = vec![];
    for n in &g.nodes {
        let item = (
            enlace_app::graph::schema_colour(&n.schema),
            t.schema(&n.schema),
        );
        if !legend.contains(&item) {
            legend.push(item);
        }
    }
    Ok(render(&GraphPage {
        t,
        legend,
        user: req.page_user(),
        path: req.path.clone(),
        svg: enlace_app::graph::to_svg(
            &g,
            &t,
            &t.t1(
                "graph_map_label",
                "name",
                &t.caption(&root.schema, &root.caption),
            ),
        ),
        root,
        g,
    }))
}

#[derive(Deserialize)]
pub struct XrefForm {
    #[serde(default)]
    candidate: String,
    #[serde(default)]
    decision: String,
}

pub async fn xref_decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(req, f): CsrfForm<XrefForm>,
) -> PageResult {
    let ctx = req.ctx()?;
    req.done_then(
        s.app
            .decide_cross_reference(&ctx, &id, &f.candidate, &f.decision)
            .await,
        &format!("/entities/{id}#matches"),
    )
}
