//! The one visibility predicate: the SQL form of `enlace_domain::policy::may_view_record`.
//! Every query that lists, searches, counts or exports owned records ANDs it in.
use crate::db::Q;
use enlace_domain::{Actor, Country};

/// The row filter of one actor. Built only from an `Actor`, so a handler cannot forge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    country: Option<Country>,
}

impl Viewer {
    pub fn of(actor: &Actor) -> Viewer {
        Viewer {
            country: actor.intelligence_country(),
        }
    }
    pub fn country(&self) -> Option<Country> {
        self.country
    }

    /// Appends `(…)` true exactly for the rows of `alias` (a table with `id`, `owner_country`,
    /// `dist_level`) that this viewer may see.
    pub(crate) fn predicate(&self, q: &mut Q, alias: &str) {
        match self.country {
            // Roles that read no intelligence see no rows at all.
            None => {
                q.push("(1 = 0)");
            }
            Some(c) => {
                q.push(&format!("({alias}.owner_country = "))
                    .bind(c)
                    .push(&format!(" OR {alias}.dist_level = 'members' OR ({alias}.dist_level = 'countries' AND EXISTS (SELECT 1 FROM record_countries rc WHERE rc.record_id = {alias}.id AND rc.country = "))
                    .bind(c)
                    .push("))");
                // Records shared one by one (an answered information request) also reach.
                q.push(&format!(" OR EXISTS (SELECT 1 FROM record_shares rs WHERE rs.record_id = {alias}.id AND rs.country = "))
                    .bind(c)
                    .push("))");
            }
        }
    }

    /// Appends `(…)` true for the information requests (alias with `from_country`,
    /// `to_country`) this viewer may see: only the two countries involved.
    pub(crate) fn request_predicate(&self, q: &mut Q, alias: &str) {
        match self.country {
            None => {
                q.push("(1 = 0)");
            }
            Some(c) => {
                q.push(&format!("({alias}.from_country = "))
                    .bind(c)
                    .push(&format!(" OR {alias}.to_country = "))
                    .bind(c)
                    .push(")");
            }
        }
    }
}
