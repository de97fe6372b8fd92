//! `keyadm edit`: change a key's properties (not its type or value).

use clap::Args;
use serde_json::{json, Map, Value};

use super::generate::{check_max_lifetime, parse_list, parse_tags, parse_user_binding};
use super::user::check_user_binding;
use super::Context;
use crate::output::KeyJson;
use keyadm::domain::expiry::{format_duration, parse_duration, parse_expiry};
use keyadm::domain::key::{validate_description, validate_name, Key};
use keyadm::domain::rules::{IpRange, Origin, Rule};
use keyadm::ops::Right;
use keyadm::store::NewAudit;
use keyadm::{Error, Result};

#[derive(Args, Debug, Default)]
pub struct EditArgs {
    /// The key's ID or name
    pub key: String,
    /// A new name
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A new description ('' clears it)
    #[arg(long, short = 'd', value_name = "TEXT")]
    pub description: Option<String>,
    /// A new expiry: a date, date and time, RFC 3339, a duration from now, or never
    #[arg(long, short = 'e', value_name = "WHEN", allow_hyphen_values = true)]
    pub expires: Option<String>,
    /// Add a tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Remove a tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub untag: Vec<String>,
    /// Add an allow rule (custom keys; repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
    /// Remove an allow rule (repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub disallow: Vec<String>,
    /// Add an allowed origin (repeatable)
    #[arg(long, value_name = "HOST")]
    pub origin: Vec<String>,
    /// Clear the origin list first (with --origin: replace it)
    #[arg(long)]
    pub no_origin: bool,
    /// Add an allowed address or CIDR range (repeatable)
    #[arg(long, value_name = "CIDR")]
    pub ip: Vec<String>,
    /// Clear the address list first (with --ip: replace it)
    #[arg(long)]
    pub no_ip: bool,
    /// A rotation policy (0 removes it)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub rotate_every: Option<String>,
    /// Bind the key to one user (external and custom keys), or `all`
    #[arg(long, value_name = "NAME|all")]
    pub user: Option<String>,
    // Accepted only to refuse them with a pointer to what does work.
    #[arg(long = "type", hide = true, num_args = 0..=1, default_missing_value = "")]
    pub key_type: Option<String>,
    #[arg(long, hide = true, num_args = 0..=1, default_missing_value = "")]
    pub value: Option<String>,
}

impl EditArgs {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.expires.is_none()
            && self.tag.is_empty()
            && self.untag.is_empty()
            && self.allow.is_empty()
            && self.disallow.is_empty()
            && self.origin.is_empty()
            && !self.no_origin
            && self.ip.is_empty()
            && !self.no_ip
            && self.rotate_every.is_none()
            && self.user.is_none()
    }
}

/// What an edit will do, checked before the store is touched.
struct Changes {
    name: Option<String>,
    description: Option<String>,
    expires: Option<keyadm::domain::expiry::Expiry>,
    tags: Vec<String>,
    untags: Vec<String>,
    allow: Vec<Rule>,
    disallow: Vec<Rule>,
    origins: Vec<Origin>,
    ips: Vec<IpRange>,
    rotate_every: Option<u64>,
    /// `Some(None)`: bind to all users.
    user: Option<Option<String>>,
}

fn parse(ctx: &Context, a: &EditArgs) -> Result<Changes> {
    if a.key_type.is_some() {
        return Err(Error::usage("a key's type cannot be edited").hint(format!(
            "for a new value use: keyadm rotate {}; for another type, generate a new key and disable this one",
            a.key
        )));
    }
    if a.value.is_some() {
        return Err(Error::usage("a key's value cannot be edited")
            .hint(format!("give it a new value with: keyadm rotate {}", a.key)));
    }
    if a.is_empty() {
        return Err(Error::usage("nothing to change")
            .hint("pass what to change: --name, --description, --expires, --tag, --untag, --allow, --disallow, --origin, --no-origin, --ip, --no-ip, --rotate-every, --user"));
    }
    if let Some(n) = &a.name {
        validate_name(n)?;
    }
    if let Some(d) = &a.description {
        validate_description(d)?;
    }
    Ok(Changes {
        name: a.name.clone(),
        description: a.description.clone(),
        expires: a
            .expires
            .as_deref()
            .map(|e| parse_expiry(e, ctx.now()))
            .transpose()?,
        tags: parse_tags(&a.tag)?,
        untags: a.untag.clone(),
        allow: parse_list(&a.allow)?,
        disallow: parse_list(&a.disallow)?,
        origins: parse_list(&a.origin)?,
        ips: parse_list(&a.ip)?,
        rotate_every: a
            .rotate_every
            .as_deref()
            .map(|d| parse_duration(d, true))
            .transpose()?,
        user: a
            .user
            .as_deref()
            .map(|u| parse_user_binding(Some(u)))
            .transpose()?,
    })
}

fn add_all<T: PartialEq + Clone>(list: &mut Vec<T>, items: &[T]) {
    for i in items {
        if !list.contains(i) {
            list.push(i.clone());
        }
    }
}

/// Applies the changes to a copy of the key, checking what its type allows.
fn apply(old: &Key, c: &Changes, no_origin: bool, no_ip: bool) -> Result<Key> {
    let mut k = old.clone();
    let t = k.key_type;
    if let Some(n) = &c.name {
        k.name = n.clone();
    }
    if let Some(d) = &c.description {
        k.description = d.clone();
    }
    if let Some(e) = c.expires {
        if !t.takes_expiry() {
            return Err(
                Error::usage(format!("{t} keys take no expiry")).hint("leave out --expires")
            );
        }
        k.expires_at = e.at();
    }
    for t in &c.untags {
        if !old.tags.contains(t) {
            return Err(
                Error::usage(format!("the key has no tag \"{}\"", t.escape_debug()))
                    .hint(format!("its tags are: keyadm show {}", old.id)),
            );
        }
    }
    add_all(&mut k.tags, &c.tags);
    k.tags.retain(|x| !c.untags.contains(x));
    if (!c.allow.is_empty() || !c.disallow.is_empty()) && !t.takes_rules() {
        return Err(Error::usage(format!(
            "only custom keys take allow rules, and this is an {t} key"
        ))
        .hint("generate a custom key for scoped access"));
    }
    for r in &c.disallow {
        if !k.rules.contains(r) {
            return Err(Error::usage(format!("the key has no rule \"{r}\""))
                .hint(format!("its rules are: keyadm show {}", old.id)));
        }
    }
    k.rules.retain(|r| !c.disallow.contains(r));
    add_all(&mut k.rules, &c.allow);
    if t.takes_rules() && k.rules.is_empty() {
        return Err(Error::usage("a custom key needs at least one allow rule")
            .hint("add one with --allow before removing the last"));
    }
    if !t.takes_allow_lists() && (!c.origins.is_empty() || !c.ips.is_empty()) {
        return Err(Error::usage(format!("{t} keys take no --origin or --ip")));
    }
    if no_origin {
        k.origins.clear();
    }
    add_all(&mut k.origins, &c.origins);
    if no_ip {
        k.ips.clear();
    }
    add_all(&mut k.ips, &c.ips);
    if let Some(every) = c.rotate_every {
        k.rotate_every = (every > 0).then_some(every);
    }
    if let Some(user) = &c.user {
        if !t.takes_user() {
            return Err(Error::usage(format!("{t} keys cannot be bound to a user"))
                .hint("only external and custom keys take --user"));
        }
        k.user = user.clone();
    }
    Ok(k)
}

/// A changed field as the user knows it (the options' names), for human
/// output; JSON and the audit log keep the field names.
pub fn field_label(field: &str) -> &str {
    match field {
        "expires_at" => "expires",
        "rules" => "rules (allow)",
        "ips" => "addresses (ip)",
        "rotate_every" => "rotate every",
        "display_name" => "display name",
        other => other,
    }
}

/// The changed fields of a key or a user, `{field: {"before": …, "after": …}}`.
pub fn diff<T: serde::Serialize>(old: &T, new: &T) -> Map<String, Value> {
    let a = serde_json::to_value(old).expect("keys and users serialize");
    let b = serde_json::to_value(new).expect("keys and users serialize");
    let mut out = Map::new();
    if let (Value::Object(a), Value::Object(b)) = (a, b) {
        for (field, after) in b {
            let before = a.get(&field).cloned().unwrap_or(Value::Null);
            if before != after {
                out.insert(field, json!({"before": before, "after": after}));
            }
        }
    }
    out
}

pub fn run(ctx: &mut Context, mut args: EditArgs) -> Result<()> {
    if args.is_empty() && args.key_type.is_none() && args.value.is_none() && ctx.interactive() {
        let mut store = ctx.open_read()?;
        let key = store
            .read(|tx| tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), &args.key))?;
        args = super::prompt::edit_form(&key, ctx.now())?;
        if args.is_empty() {
            ctx.printer
                .note(format!("Key \"{}\" is unchanged.", key.name));
            return Ok(());
        }
    }
    let changes = parse(ctx, &args)?;
    let actor = ctx.actor();
    let now = ctx.now();
    let mut store = ctx.open_write_existing()?;
    store.require(Right::Admin, "edit keys")?;
    let (key, changed) = store.write(Right::Admin, "edit keys", |tx| {
        let old = tx.find_key(ctx.confined_tenant(), ctx.global.org.as_deref(), &args.key)?;
        let new = apply(&old, &changes, args.no_origin, args.no_ip)?;
        if let Some(user) = &new.user {
            // A new binding is checked against every rule; an existing one
            // against the rules this edit adds (removing rules only narrows).
            let added: Vec<_> = new
                .rules
                .iter()
                .filter(|r| new.user != old.user || !old.rules.contains(r))
                .cloned()
                .collect();
            if new.user != old.user || !added.is_empty() {
                check_user_binding(tx, &new.tenant, user, new.key_type, &added)?;
            }
        }
        if new.name != old.name && tx.key_name_taken(&new.tenant, &new.name, Some(&new.id))? {
            return Err(Error::refused(format!(
                "a key named \"{}\" already exists in tenant \"{}\"",
                new.name, new.tenant
            ))
            .hint("choose another name"));
        }
        if new.name != old.name {
            super::generate::refuse_name_that_is_an_id(tx, &new.name)?;
        }
        if let Some(e) = changes.expires {
            check_max_lifetime(e, &tx.settings()?, now)?;
        }
        let changed = diff(&old, &new);
        if !changed.is_empty() {
            tx.update_key(&new)?;
            tx.append_audit(NewAudit::key(
                &actor,
                "edit",
                &new,
                json!({ "changes": changed.clone() }),
            ))?;
        }
        Ok((new, changed))
    })?;
    let p = &ctx.printer;
    if p.json {
        p.json(&KeyJson::new(&key, now));
    } else if changed.is_empty() {
        p.note(format!(
            "Key \"{}\" already had these values; nothing changed.",
            key.name
        ));
    } else {
        let fields: Vec<&str> = changed.keys().map(|f| field_label(f)).collect();
        p.note(format!(
            "Changed {} of key \"{}\" ({}).",
            fields.join(", "),
            key.name,
            key.id
        ));
        if let Some(every) = key
            .rotate_every
            .filter(|_| changed.contains_key("rotate_every"))
        {
            p.note(format!(
                "It will be due for rotation every {}.",
                format_duration(every)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::field_label;

    #[test]
    fn changed_fields_are_named_as_the_options() {
        let shown: Vec<&str> = [
            "expires_at",
            "description",
            "name",
            "tags",
            "rules",
            "origins",
            "ips",
            "rotate_every",
            "user",
        ]
        .into_iter()
        .map(field_label)
        .collect();
        assert_eq!(
            shown,
            [
                "expires",
                "description",
                "name",
                "tags",
                "rules (allow)",
                "origins",
                "addresses (ip)",
                "rotate every",
                "user"
            ]
        );
    }
}
