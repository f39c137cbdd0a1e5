//! Who did what, for the audit log, named the same way whoever asks: a page, a realtime socket,
//! a job or the command line builds an [`Actor`] (the person and their role, the address they
//! came from, the time), never a request, and every entry is written through here, keyed into
//! the chain.

use sangdam_domain::{Role, UserId};
use sangdam_store::{AuditEvent, Effects, Store, StoreError};

use crate::crypto::Keys;

/// Who acts, from where, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The person acting; `None` for someone not signed in, or the product itself.
    pub user: Option<(UserId, Role)>,
    /// The network address the action came from; `None` for the product's own work and the
    /// command line.
    pub address: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

impl Actor {
    /// A signed-in person.
    pub fn person(id: &UserId, role: Role, address: Option<&str>, at: i64) -> Self {
        Self { user: Some((id.clone(), role)), address: address.map(str::to_owned), at }
    }

    /// Someone not signed in (a sign-in attempt, a guest), known only by their address.
    pub fn anonymous(address: Option<&str>, at: i64) -> Self {
        Self { user: None, address: address.map(str::to_owned), at }
    }

    /// The product itself (a job, the routing loop, housekeeping): no person, no address.
    pub fn the_product(at: i64) -> Self {
        Self { user: None, address: None, at }
    }

    /// The audit entry of `action` on `target` by this actor.
    pub fn event(&self, action: &str, target: Option<String>, outcome: &str) -> AuditEvent {
        AuditEvent {
            at: self.at,
            actor_id: self.user.as_ref().map(|(id, _)| id.clone()),
            actor_role: self.user.as_ref().map(|(_, role)| *role),
            action: action.to_owned(),
            target,
            address: self.address.clone(),
            outcome: outcome.to_owned(),
        }
    }
}

/// A write's effects that start with its audit entry; the store commits them with the write, so
/// what is done is logged or not done at all.
pub fn audited(keys: &Keys, actor: &Actor, action: &str, target: Option<String>, outcome: &str) -> Effects {
    Effects::audited(actor.event(action, target, outcome), keys.chain_key())
}

/// Writes an audit entry on its own (a read, a refusal). A failure is the caller's failure:
/// what cannot be logged is not done.
pub async fn audit(
    store: &Store,
    keys: &Keys,
    actor: &Actor,
    action: &str,
    target: Option<String>,
    outcome: &str,
) -> Result<(), StoreError> {
    store.append_audit(&actor.event(action, target, outcome), &keys.chain_key()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_names_the_actor_as_given() {
        let id = UserId::from_random([7; 16]);
        let e = Actor::person(&id, Role::Counselor, Some("192.0.2.1"), 42).event("chat.read", None, "ok");
        assert_eq!(
            (e.actor_id, e.actor_role, e.address.as_deref(), e.at),
            (Some(id), Some(Role::Counselor), Some("192.0.2.1"), 42)
        );
        let p = Actor::the_product(7).event("crisis.on_call", Some("crisis:x".into()), "mailed");
        assert_eq!((p.actor_id, p.address, p.outcome.as_str()), (None, None, "mailed"));
    }
}
