//! `operator add|remove|list`: the store's operators (SPEC §5.1), recorded
//! by name; only an operator changes them.

use serde::Serialize;
use serde_json::json;

use super::{Right, Session};
use crate::domain::user::validate_user_name;
use crate::error::{Error, Result};
use crate::store::{NewAudit, Operator};

/// What `operator add` or `operator remove` did.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorChange {
    pub name: String,
    pub changed: bool,
}

pub fn list(session: &mut Session) -> Result<Vec<Operator>> {
    session.read(|tx| tx.operators())
}

/// Records `name` as an operator (idempotent). A registered user's name
/// cannot be one: it would act as that user (SPEC §5.1).
pub fn add(session: &mut Session, name: &str) -> Result<OperatorChange> {
    validate_user_name(name)?;
    let actor = session.actor_name().to_string();
    session.write(Right::Operator, "add operators", |tx| {
        if let Some(u) = tx.find_user(name)? {
            return Err(Error::refused(format!(
                "\"{name}\" is a registered user of tenant \"{}\", and cannot also be an operator",
                u.tenant
            ))
            .hint(format!(
                "remove the user first (keyadm user remove {name}), or choose another name"
            )));
        }
        let changed = tx.insert_operator(name, &actor)?;
        if changed {
            tx.append_audit(NewAudit {
                actor: &actor,
                action: "operator",
                key_id: None,
                key_name: None,
                tenant: None,
                details: json!({ "added": name }),
            })?;
        }
        Ok(OperatorChange {
            name: name.to_string(),
            changed,
        })
    })
}

/// Removes an operator; the last one stays (a store must keep one).
pub fn remove(session: &mut Session, name: &str) -> Result<OperatorChange> {
    let actor = session.actor_name().to_string();
    session.write(Right::Operator, "remove operators", |tx| {
        let all = tx.operators()?;
        if !all.iter().any(|o| o.name == name) {
            return Err(Error::not_found(format!("no operator \"{name}\""))
                .hint("keyadm operator list shows them"));
        }
        if all.len() == 1 {
            return Err(Error::refused(format!(
                "\"{name}\" is the store's only operator, and a store keeps one"
            ))
            .hint("add another first: keyadm operator add NAME"));
        }
        tx.delete_operator(name)?;
        tx.append_audit(NewAudit {
            actor: &actor,
            action: "operator",
            key_id: None,
            key_name: None,
            tenant: None,
            details: json!({ "removed": name }),
        })?;
        Ok(OperatorChange {
            name: name.to_string(),
            changed: true,
        })
    })
}
