//! The authorization policy as pure functions. The store's visibility predicate is the SQL
//! form of `may_view_record`; a property test keeps the two in agreement.
use crate::case::Distribution;
use crate::country::Country;
use crate::role::Role;
use serde::Serialize;

/// Who is acting: every use case receives one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    /// `None` only for the secretariat.
    pub country: Option<Country>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The record exists for the actor but the action is not theirs (403).
    Forbidden,
    /// The record does not exist for the actor (404, as for a missing id).
    Hidden,
}

/// The sharing attributes of an owned record, as the policy needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAccess<'a> {
    pub owner: Country,
    pub distribution: &'a Distribution,
}

impl Actor {
    /// The country whose audience the actor belongs to, if the actor reads intelligence at all.
    /// The secretariat administers and reads no country's content; approvers and admins work on
    /// the directory and on users, not on intelligence.
    pub fn intelligence_country(&self) -> Option<Country> {
        if self.role.works_intelligence() {
            self.country
        } else {
            None
        }
    }
}

pub fn may_view_record(actor: &Actor, rec: &RecordAccess<'_>) -> bool {
    actor
        .intelligence_country()
        .is_some_and(|c| rec.distribution.reaches(rec.owner, c))
}

pub fn may_create_record(actor: &Actor) -> bool {
    actor.intelligence_country().is_some()
}

/// Only the owner country's intelligence users change a record.
pub fn decide_edit_record(actor: &Actor, rec: &RecordAccess<'_>) -> Decision {
    if !may_view_record(actor, rec) {
        Decision::Hidden
    } else if actor.intelligence_country() == Some(rec.owner) {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

/// Who may manage a user account of `target_role` in `target_country`.
/// Country admins manage their own country's non-admin users; the secretariat manages
/// country admins (and nothing else); nobody manages the secretariat through the platform.
pub fn may_manage_user(actor: &Actor, target_role: Role, target_country: Option<Country>) -> bool {
    match actor.role {
        // A country admin manages its country's users, and proposes (never decides alone)
        // the creation or reset of another of its admins.
        Role::Admin => {
            actor.country.is_some()
                && target_country == actor.country
                && (Role::COUNTRY_ASSIGNABLE.contains(&target_role) || target_role == Role::Admin)
        }
        Role::Secretariat => target_role == Role::Admin && target_country.is_some(),
        _ => false,
    }
}

/// Whether the actor may list users of `country` (admins: their own; secretariat: admins of all).
pub fn may_list_users(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Secretariat)
}

pub fn may_manage_countries(actor: &Actor) -> bool {
    actor.role == Role::Secretariat
}

/// Country admins read every audit entry about their country's records, and hold its
/// checkpoints.
pub fn may_read_country_audit(actor: &Actor) -> Option<Country> {
    if actor.role == Role::Admin {
        actor.country
    } else {
        None
    }
}

/// Work-plan progress: each country reports its own (any of its users); nobody reports for
/// another country, the secretariat included. Reading is open to every member user and the
/// secretariat.
pub fn may_report_progress(actor: &Actor, country: Country) -> bool {
    actor.country == Some(country) && actor.role.has_country()
}

/// Loading another work plan is the secretariat's job.
pub fn may_load_workplan(actor: &Actor) -> bool {
    actor.role == Role::Secretariat
}

/// A country's legislation answers are written by its own users (any role of that country:
/// officers, prosecutors and analysts know the criminal law, the foreign-ministry approver
/// the treaties, the admin keeps it current); no one else, the secretariat included.
pub fn may_answer_legislation(actor: &Actor, country: Country) -> bool {
    actor.country == Some(country) && actor.role != Role::Secretariat
}

/// The legislation questions are the network's shared reference: the secretariat words them.
pub fn may_edit_legislation_questions(actor: &Actor) -> bool {
    actor.role == Role::Secretariat
}

/// Visa reference data: only the destination country's users (any role of that country)
/// set or confirm its rows; every member user and the secretariat read them.
pub fn may_set_visas(actor: &Actor, destination: Country) -> bool {
    actor.country == Some(destination) && actor.role != Role::Secretariat
}

/// Proposals of visa rows from a third-party list: the secretariat, or any member user (a
/// destination's own rows in it count as set by that country).
pub fn may_propose_visas(actor: &Actor) -> bool {
    actor.role == Role::Secretariat || actor.country.is_some()
}

/// Meetings and agreements: the secretariat records them (meetings, agreements, minutes,
/// documents, withdrawals, publication).
pub fn may_manage_meetings(actor: &Actor) -> bool {
    actor.role == Role::Secretariat
}

/// Meetings and agreements are the network's documents: every member country's users and
/// the secretariat read them.
pub fn may_read_meetings(actor: &Actor) -> bool {
    actor.role == Role::Secretariat || actor.country.is_some()
}

/// Who follows an agreement up (changes its status, posts to its thread): the secretariat
/// and the users of a responsible country (`responsible` holds country codes and
/// `secretariat`).
pub fn may_follow_agreement(actor: &Actor, responsible: &[String]) -> bool {
    actor.role == Role::Secretariat
        || actor
            .country
            .is_some_and(|c| responsible.iter().any(|r| r == c.code()))
}

/// A country's statistics are submitted, revised and closed by its own users (any role of
/// that country); no one else, the secretariat included.
pub fn may_submit_statistics(actor: &Actor, country: Country) -> bool {
    actor.country == Some(country) && actor.role != Role::Secretariat
}

/// The indicator catalogue is the network's shared reference: the secretariat keeps it.
pub fn may_edit_indicators(actor: &Actor) -> bool {
    actor.role == Role::Secretariat
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::DistributionLevel;
    use proptest::prelude::*;

    fn actor(role: Role, cc: Option<&str>) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "u".into(),
            role,
            country: cc.and_then(Country::parse),
        }
    }
    fn c(cc: &str) -> Country {
        Country::parse(cc).unwrap()
    }

    #[test]
    fn secretariat_reads_nothing_even_for_all_members() {
        let d = Distribution {
            level: DistributionLevel::Members,
            countries: vec![],
        };
        let rec = RecordAccess {
            owner: c("mx"),
            distribution: &d,
        };
        assert!(!may_view_record(&actor(Role::Secretariat, None), &rec));
        assert!(!may_view_record(&actor(Role::Admin, Some("mx")), &rec));
        assert!(may_view_record(&actor(Role::Analyst, Some("gt")), &rec));
        assert_eq!(
            decide_edit_record(&actor(Role::Analyst, Some("gt")), &rec),
            Decision::Forbidden
        );
        assert_eq!(
            decide_edit_record(&actor(Role::Officer, Some("mx")), &rec),
            Decision::Allow
        );
    }

    #[test]
    fn admins_manage_only_their_country() {
        let a = actor(Role::Admin, Some("cr"));
        assert!(may_manage_user(&a, Role::Officer, Some(c("cr"))));
        assert!(!may_manage_user(&a, Role::Officer, Some(c("pa"))));
        // Fellow admins only through proposals the country approves (enlace-app users.rs).
        assert!(may_manage_user(&a, Role::Admin, Some(c("cr"))));
        assert!(!may_manage_user(&a, Role::Admin, Some(c("pa"))));
        assert!(!may_manage_user(&a, Role::Secretariat, None));
        let s = actor(Role::Secretariat, None);
        assert!(may_manage_user(&s, Role::Admin, Some(c("pa"))));
        assert!(!may_manage_user(&s, Role::Officer, Some(c("pa"))));
    }

    fn any_country() -> impl Strategy<Value = Country> {
        (0usize..11).prop_map(|i| Country::all().nth(i).unwrap())
    }

    proptest! {
        // The owner's intelligence users always see their own records, and whoever may edit
        // may also view.
        #[test]
        fn edit_implies_view(owner in any_country(), me in any_country(), lvl in 0u8..3,
                             named in proptest::collection::vec(any_country(), 0..4), r in 0usize..6) {
            let level = [DistributionLevel::Country, DistributionLevel::Countries, DistributionLevel::Members][lvl as usize];
            let d = Distribution { level, countries: named };
            let rec = RecordAccess { owner, distribution: &d };
            let role = Role::ALL[r];
            let a = Actor { user_id: "x".into(), username: "x".into(), role,
                            country: if role.has_country() { Some(me) } else { None } };
            if decide_edit_record(&a, &rec) == Decision::Allow {
                prop_assert!(may_view_record(&a, &rec));
                prop_assert_eq!(Some(owner), a.country);
            }
            if role.works_intelligence() && me == owner {
                prop_assert!(may_view_record(&a, &rec));
            }
        }
    }
}
