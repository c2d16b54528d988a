use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Officer,
    Prosecutor,
    Analyst,
    Approver,
    Admin,
    Secretariat,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Officer,
        Role::Prosecutor,
        Role::Analyst,
        Role::Approver,
        Role::Admin,
        Role::Secretariat,
    ];
    /// The roles a country admin may give to users of their country.
    pub const COUNTRY_ASSIGNABLE: [Role; 4] = [
        Role::Officer,
        Role::Prosecutor,
        Role::Analyst,
        Role::Approver,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Prosecutor => "prosecutor",
            Role::Analyst => "analyst",
            Role::Approver => "approver",
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
    /// Roles whose work is intelligence: they read and write case files.
    pub fn works_intelligence(self) -> bool {
        matches!(self, Role::Officer | Role::Prosecutor | Role::Analyst)
    }
    /// Every role but the secretariat belongs to a country.
    pub fn has_country(self) -> bool {
        self != Role::Secretariat
    }
}
