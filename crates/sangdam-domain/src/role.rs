//! The four roles and what each may do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Counselor,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Client, Role::Counselor, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Counselor => "counselor",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff are everyone who may, by their work, see other people's data.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
    }

    /// Roles an admin may invite: clients sign up by themselves.
    pub fn is_invitable(self) -> bool {
        matches!(self, Role::Counselor | Role::Supervisor | Role::Admin)
    }
}

/// Whether a user may see client data now. Staff must have enrolled in two-factor sign-in first
/// when the center requires it (the default), so that a stolen password alone never opens a
/// client's record.
pub fn may_see_client_data(role: Role, two_factor_enrolled: bool, staff_must_enroll: bool) -> bool {
    role.is_staff() && (two_factor_enrolled || !staff_must_enroll)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn staff_need_two_factor_for_client_data() {
        assert!(!may_see_client_data(Role::Counselor, false, true));
        assert!(may_see_client_data(Role::Counselor, true, true));
        assert!(may_see_client_data(Role::Admin, false, false));
        assert!(!may_see_client_data(Role::Client, true, true));
    }
}
