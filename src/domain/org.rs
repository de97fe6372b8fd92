//! Organization paths (`acme/emea/support`) and their tenant (the top segment).

use crate::error::{Error, Result};

pub const DEFAULT_TENANT: &str = "default";

/// Checks an organization path: `/`-separated segments of `[a-z0-9-]`.
pub fn validate_org(path: &str) -> Result<()> {
    let ok = !path.is_empty()
        && path.len() <= 200
        && path.split('/').all(|s| {
            (1..=40).contains(&s.len())
                && !s.starts_with('-')
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(
            Error::usage(format!("invalid organization \"{}\"", path.escape_debug()))
                .hint("use segments of a-z, 0-9 and - separated by /, e.g. acme/emea"),
        )
    }
}

/// The "not found" for an organization, the same whether it does not exist
/// or belongs to a tenant the actor may not see.
pub fn org_not_found(path: &str) -> Error {
    Error::not_found(format!("no organization \"{path}\"")).hint(format!(
        "create it first: keyadm org add {path} (keyadm org list shows them)"
    ))
}

/// The tenant of an organization: its top segment.
pub fn tenant_of(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

/// Is `path` the organization `org` or below it?
pub fn is_within(path: &str, org: &str) -> bool {
    path == org || path.strip_prefix(org).is_some_and(|r| r.starts_with('/'))
}

/// The parent organization, if any.
pub fn parent_of(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_tenants() {
        assert!(validate_org("acme/emea/support").is_ok());
        for bad in ["", "Acme", "acme/", "/acme", "acme//x", "a b", "-a"] {
            assert!(validate_org(bad).is_err(), "{bad}");
        }
        assert_eq!(tenant_of("acme/emea"), "acme");
        assert!(is_within("acme/emea", "acme"));
        assert!(is_within("acme", "acme"));
        assert!(!is_within("acmex", "acme"));
        assert_eq!(parent_of("acme/emea"), Some("acme"));
        assert_eq!(parent_of("acme"), None);
    }
}
