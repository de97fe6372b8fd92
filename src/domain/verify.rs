//! Deciding whether a presented key may make a request: the checks, in the
//! documented order, each with its own reason. Pure: the caller finds the
//! key and its user; this module only judges.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::domain::key::{Key, KeyType};
use crate::domain::rules::{IpRange, Origin, RequestOrigin, RequestTarget, Rule};

/// What a service saw: the presented key and, optionally, the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// The presented key value.
    pub key: &'a str,
    /// The HTTP method (`GET`, `POST`, …).
    pub method: Option<&'a str>,
    /// The path (`/api/v1/users/7?full=1`) or the full URL.
    pub url: Option<&'a str>,
    /// The `Origin` header (`https://app.example.com`) or a host name.
    pub origin: Option<&'a str>,
    /// The client's address.
    pub ip: Option<IpAddr>,
}

/// Why a request was denied. The order of the variants is the order of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a keyadm key value: bad format or checksum.
    Malformed,
    /// Well-formed, but no key of this store has this value.
    Unknown,
    /// The key is disabled.
    Disabled,
    /// The key has expired.
    Expired,
    /// A previous value whose rotation grace period has ended.
    Rotated,
    /// The key has an origin allow-list and the request's origin is not on it (or missing).
    OriginNotAllowed,
    /// The key has an address allow-list and the client's address is not on it (or missing).
    IpNotAllowed,
    /// The key's rules (or its user's privileges) would be checked, and the
    /// request's path holds an encoded `/` or `\`, a `\`, a broken `%`
    /// escape or a dot segment with parameters.
    BadPath,
    /// A custom key whose allow rules do not allow the method and URL.
    RuleNotAllowed,
    /// The key's user is disabled or no longer exists.
    UserDisabled,
    /// The key's user's privileges do not allow the method and URL.
    UserLacksPrivilege,
    /// A line of `verify --batch` that is not a valid request.
    BadRequest,
    /// With a trust key: the key's row (or its user's) is unsigned or
    /// badly signed, so someone without the master key wrote it.
    Forged,
    /// Every other check passed, and the key has used up its rate limit in
    /// this serving process (`serve`, `verify --batch`, a `Verifier`).
    RateLimited,
    /// A long-running verifier's store is behind its head witness (an older
    /// store restored, a WAL cut at an earlier commit): every request is
    /// denied until the current heads are accepted (`--accept-head`).
    StoreRolledBack,
}

impl Reason {
    /// Every reason, in the order of the checks.
    pub const ALL: [Reason; 15] = [
        Reason::Malformed,
        Reason::Unknown,
        Reason::Disabled,
        Reason::Expired,
        Reason::Rotated,
        Reason::OriginNotAllowed,
        Reason::IpNotAllowed,
        Reason::BadPath,
        Reason::RuleNotAllowed,
        Reason::UserDisabled,
        Reason::UserLacksPrivilege,
        Reason::BadRequest,
        Reason::Forged,
        Reason::RateLimited,
        Reason::StoreRolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unknown => "unknown",
            Reason::Disabled => "disabled",
            Reason::Expired => "expired",
            Reason::Rotated => "rotated",
            Reason::OriginNotAllowed => "origin_not_allowed",
            Reason::IpNotAllowed => "ip_not_allowed",
            Reason::BadPath => "bad_path",
            Reason::RuleNotAllowed => "rule_not_allowed",
            Reason::UserDisabled => "user_disabled",
            Reason::UserLacksPrivilege => "user_lacks_privilege",
            Reason::BadRequest => "bad_request",
            Reason::Forged => "forged",
            Reason::RateLimited => "rate_limited",
            Reason::StoreRolledBack => "store_rolled_back",
        }
    }
}

/// Who a presented value turned out to be (shown in a decision, never the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdentity {
    pub id: String,
    pub name: String,
    pub key_type: KeyType,
    pub org: String,
    pub tenant: String,
    /// The user the key is bound to, if any.
    pub user: Option<String>,
}

impl KeyIdentity {
    pub fn of(key: &Key) -> Self {
        KeyIdentity {
            id: key.id.clone(),
            name: key.name.clone(),
            key_type: key.key_type,
            org: key.org.clone(),
            tenant: key.tenant.clone(),
            user: key.user.clone(),
        }
    }
}

/// Which of a key's values was presented: the current one, or the
/// previous one (during, or after, a rotation's grace period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Matched {
    Current,
    Previous,
}

impl Matched {
    pub fn of(is_current: bool) -> Matched {
        if is_current {
            Matched::Current
        } else {
            Matched::Previous
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Matched::Current => "current",
            Matched::Previous => "previous",
        }
    }
}

/// The answer: allowed or not, why not, and which key it was.
/// Serializes as `{allowed, reason, key_id, name, type, org, tenant, user,
/// matched}` (`reason` is null when allowed; the key fields and `matched`
/// are null for an unknown key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Option<Reason>,
    pub key: Option<Arc<KeyIdentity>>,
    /// Which value of the key was presented (`None`: no key was found).
    pub matched: Option<Matched>,
}

impl Decision {
    pub fn allow(key: Arc<KeyIdentity>) -> Self {
        Decision {
            allowed: true,
            reason: None,
            key: Some(key),
            matched: None,
        }
    }

    pub fn deny(reason: Reason, key: Option<Arc<KeyIdentity>>) -> Self {
        Decision {
            allowed: false,
            reason: Some(reason),
            key,
            matched: None,
        }
    }

    /// The decision on the checks of a key found by its current value
    /// (`is_current`) or its previous one.
    pub fn from_check(check: Result<(), Reason>, key: Arc<KeyIdentity>, is_current: bool) -> Self {
        let d = match check {
            Ok(()) => Decision::allow(key),
            Err(r) => Decision::deny(r, Some(key)),
        };
        Decision {
            matched: Some(Matched::of(is_current)),
            ..d
        }
    }
}

impl Serialize for Decision {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let k = self.key.as_deref();
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("allowed", &self.allowed)?;
        m.serialize_entry("reason", &self.reason)?;
        m.serialize_entry("key_id", &k.map(|k| &k.id))?;
        m.serialize_entry("name", &k.map(|k| &k.name))?;
        m.serialize_entry("type", &k.map(|k| k.key_type))?;
        m.serialize_entry("org", &k.map(|k| &k.org))?;
        m.serialize_entry("tenant", &k.map(|k| &k.tenant))?;
        m.serialize_entry("user", &k.and_then(|k| k.user.as_ref()))?;
        m.serialize_entry("matched", &self.matched)?;
        m.end()
    }
}

/// A user's standing, for a key bound to that user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    pub enabled: bool,
    /// The user's privileges, as allow rules.
    pub privileges: Vec<Rule>,
}

/// What the checks need to know of a key and the value that was presented.
#[derive(Debug, Clone, Copy)]
pub struct Grant<'a> {
    pub key_type: KeyType,
    pub enabled: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// `Some(until)` when the presented value is the previous one.
    pub previous_until: Option<DateTime<Utc>>,
    pub rules: &'a [Rule],
    pub origins: &'a [Origin],
    pub ips: &'a [IpRange],
    /// Bound to a user: `Some(None)` when that user no longer exists.
    pub user: Option<Option<&'a UserGrant>>,
}

impl<'a> Grant<'a> {
    /// The grant of `key`, presented with its current value or (`is_current`
    /// false) its previous one; `user` is the bound user's standing, if found.
    pub fn of(key: &'a Key, is_current: bool, user: Option<&'a UserGrant>) -> Self {
        Grant {
            key_type: key.key_type,
            enabled: key.enabled,
            expires_at: key.expires_at,
            previous_until: if is_current {
                None
            } else {
                // A previous value without a recorded end has no grace left.
                Some(
                    key.previous
                        .as_ref()
                        .map_or(DateTime::<Utc>::MIN_UTC, |p| p.valid_until),
                )
            },
            rules: &key.rules,
            origins: &key.origins,
            ips: &key.ips,
            user: key.user.as_ref().map(|_| user),
        }
    }
}

/// The request's URL as the rules see it: not given, given but matching no
/// rule (neither a path nor an http(s) URL), or parsed.
enum Url<'a> {
    Absent,
    Unusable,
    Target(RequestTarget<'a>),
}

impl<'a> Url<'a> {
    fn of(url: Option<&'a str>) -> Result<Url<'a>, Reason> {
        match url {
            None => Ok(Url::Absent),
            Some(u) => match RequestTarget::parse(u) {
                Ok(Some(t)) => Ok(Url::Target(t)),
                Ok(None) => Ok(Url::Unusable),
                Err(_) => Err(Reason::BadPath),
            },
        }
    }
}

/// A rule allows a request that names no method or no URL only if it allows
/// any method or any URL: an unknown request is never assumed to be harmless.
fn rule_allows(rule: &Rule, method: Option<&str>, url: &Url) -> bool {
    let method_ok = match method {
        Some(m) => rule.allows_method(m),
        None => rule.method == "*",
    };
    let url_ok = match url {
        Url::Target(t) => rule.allows_url(t),
        Url::Unusable => false,
        Url::Absent => rule.origin.is_none() && rule.path == "/**",
    };
    method_ok && url_ok
}

/// Runs the checks after "known" in their documented order.
pub fn check(g: &Grant, req: &Request, now: DateTime<Utc>) -> Result<(), Reason> {
    if !g.enabled {
        return Err(Reason::Disabled);
    }
    if g.expires_at.is_some_and(|e| e <= now) {
        return Err(Reason::Expired);
    }
    if g.previous_until.is_some_and(|until| until <= now) {
        return Err(Reason::Rotated);
    }
    if !g.origins.is_empty()
        && !req
            .origin
            .and_then(RequestOrigin::parse)
            .is_some_and(|o| g.origins.iter().any(|a| a.allows_parsed(&o)))
    {
        return Err(Reason::OriginNotAllowed);
    }
    if !g.ips.is_empty()
        && !req
            .ip
            .is_some_and(|ip| g.ips.iter().any(|r| r.contains(ip)))
    {
        return Err(Reason::IpNotAllowed);
    }
    let takes_rules = g.key_type.takes_rules();
    if !takes_rules && g.user.is_none() {
        return Ok(());
    }
    // Parsed (and its path normalised) once, for every rule and privilege.
    let url = Url::of(req.url)?;
    if takes_rules && !g.rules.iter().any(|r| rule_allows(r, req.method, &url)) {
        return Err(Reason::RuleNotAllowed);
    }
    match g.user {
        None => Ok(()),
        Some(None) => Err(Reason::UserDisabled),
        Some(Some(u)) if !u.enabled => Err(Reason::UserDisabled),
        Some(Some(u)) => {
            if u.privileges
                .iter()
                .any(|r| rule_allows(r, req.method, &url))
            {
                Ok(())
            } else {
                Err(Reason::UserLacksPrivilege)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    fn grant<'a>(rules: &'a [Rule], origins: &'a [Origin], ips: &'a [IpRange]) -> Grant<'a> {
        Grant {
            key_type: KeyType::Custom,
            enabled: true,
            expires_at: None,
            previous_until: None,
            rules,
            origins,
            ips,
            user: None,
        }
    }

    fn req<'a>(method: &'a str, url: &'a str) -> Request<'a> {
        Request {
            key: "",
            method: Some(method),
            url: Some(url),
            origin: Some("https://app.example.com"),
            ip: Some("10.1.2.3".parse().unwrap()),
        }
    }

    #[test]
    fn every_check_in_order() {
        let rules: Vec<Rule> = vec!["GET /api/v1/users/*".parse().unwrap()];
        let origins: Vec<Origin> = vec!["*.example.com".parse().unwrap()];
        let ips: Vec<IpRange> = vec!["10.0.0.0/8".parse().unwrap()];
        let g = grant(&rules, &origins, &ips);
        let ok = req("GET", "/api/v1/users/7");
        assert_eq!(check(&g, &ok, now()), Ok(()));

        let disabled = Grant {
            enabled: false,
            expires_at: Some(now()),
            ..g
        };
        assert_eq!(check(&disabled, &ok, now()), Err(Reason::Disabled));
        let expired = Grant {
            expires_at: Some(now()),
            ..g
        };
        assert_eq!(check(&expired, &ok, now()), Err(Reason::Expired));
        let rotated = Grant {
            previous_until: Some(now()),
            ..g
        };
        assert_eq!(check(&rotated, &ok, now()), Err(Reason::Rotated));
        let in_grace = Grant {
            previous_until: Some(now() + chrono::Duration::seconds(1)),
            ..g
        };
        assert_eq!(check(&in_grace, &ok, now()), Ok(()));

        let other_origin = Request {
            origin: Some("https://evil.com"),
            ..ok
        };
        assert_eq!(
            check(&g, &other_origin, now()),
            Err(Reason::OriginNotAllowed)
        );
        let no_origin = Request { origin: None, ..ok };
        assert_eq!(check(&g, &no_origin, now()), Err(Reason::OriginNotAllowed));
        let other_ip = Request {
            ip: Some("192.168.0.1".parse().unwrap()),
            ..ok
        };
        assert_eq!(check(&g, &other_ip, now()), Err(Reason::IpNotAllowed));
        let no_ip = Request { ip: None, ..ok };
        assert_eq!(check(&g, &no_ip, now()), Err(Reason::IpNotAllowed));
        let other_path = req("GET", "/api/v1/keys");
        assert_eq!(check(&g, &other_path, now()), Err(Reason::RuleNotAllowed));
        let no_url = Request { url: None, ..ok };
        assert_eq!(check(&g, &no_url, now()), Err(Reason::RuleNotAllowed));
    }

    #[test]
    fn rules_only_bind_custom_keys() {
        let g = Grant {
            key_type: KeyType::External,
            ..grant(&[], &[], &[])
        };
        assert_eq!(check(&g, &Request::default(), now()), Ok(()));
    }

    #[test]
    fn a_bound_user_intersects_with_the_rules() {
        let rules: Vec<Rule> = vec!["* /api/**".parse().unwrap()];
        let user = UserGrant {
            enabled: true,
            privileges: vec!["GET /api/v1/*".parse().unwrap()],
        };
        let g = Grant {
            user: Some(Some(&user)),
            ..grant(&rules, &[], &[])
        };
        assert_eq!(check(&g, &req("GET", "/api/v1/x"), now()), Ok(()));
        assert_eq!(
            check(&g, &req("POST", "/api/v1/x"), now()),
            Err(Reason::UserLacksPrivilege)
        );
        assert_eq!(
            check(&g, &req("GET", "/other"), now()),
            Err(Reason::RuleNotAllowed),
            "the key's own rules are checked first"
        );
        let off = UserGrant {
            enabled: false,
            ..user.clone()
        };
        let g_off = Grant {
            user: Some(Some(&off)),
            ..g
        };
        assert_eq!(
            check(&g_off, &req("GET", "/api/v1/x"), now()),
            Err(Reason::UserDisabled)
        );
        let gone = Grant {
            user: Some(None),
            ..g
        };
        assert_eq!(
            check(&gone, &req("GET", "/api/v1/x"), now()),
            Err(Reason::UserDisabled)
        );
    }

    #[test]
    fn a_request_without_method_or_url_needs_a_rule_that_allows_everything() {
        let narrow: Vec<Rule> = vec!["GET /api/**".parse().unwrap()];
        let wide: Vec<Rule> = vec!["* /**".parse().unwrap()];
        let bare = Request::default();
        assert_eq!(
            check(&grant(&narrow, &[], &[]), &bare, now()),
            Err(Reason::RuleNotAllowed)
        );
        assert_eq!(check(&grant(&wide, &[], &[]), &bare, now()), Ok(()));
        let method_only = Request {
            method: Some("GET"),
            ..bare
        };
        let get_all: Vec<Rule> = vec!["GET /**".parse().unwrap()];
        assert_eq!(
            check(&grant(&get_all, &[], &[]), &method_only, now()),
            Ok(())
        );
        let url_only = Request {
            url: Some("/api/x"),
            ..bare
        };
        assert_eq!(
            check(&grant(&narrow, &[], &[]), &url_only, now()),
            Err(Reason::RuleNotAllowed)
        );
        let any_api: Vec<Rule> = vec!["* /api/**".parse().unwrap()];
        assert_eq!(check(&grant(&any_api, &[], &[]), &url_only, now()), Ok(()));
    }

    #[test]
    fn decisions_serialize_with_every_field() {
        let d = Decision::deny(Reason::Unknown, None);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"allowed":false,"reason":"unknown","key_id":null,"name":null,"type":null,"org":null,"tenant":null,"user":null,"matched":null}"#
        );
        let k = Arc::new(KeyIdentity {
            id: "AAAAAAAAAAAA".into(),
            name: "billing".into(),
            key_type: KeyType::External,
            org: "acme/emea".into(),
            tenant: "acme".into(),
            user: Some("ana".into()),
        });
        assert_eq!(
            serde_json::to_string(&Decision::from_check(Ok(()), k, false)).unwrap(),
            r#"{"allowed":true,"reason":null,"key_id":"AAAAAAAAAAAA","name":"billing","type":"external","org":"acme/emea","tenant":"acme","user":"ana","matched":"previous"}"#
        );
    }
}
