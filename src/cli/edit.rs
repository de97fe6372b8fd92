//! `keyadm edit`: change a key's properties (not its type or value).

use clap::Args;

use super::Context;
use crate::output::report::Shaped;
use crate::output::{Human, KeyJson};
use keyadm::domain::expiry::{format_duration, parse_duration};
use keyadm::domain::key::{normalize_name, validate_description, validate_name};
use keyadm::domain::key_spec::{parse_list, parse_tags, parse_user_binding};
use keyadm::ops::key_changes::{self, Edited, KeyChanges};
use keyadm::ops::keys::{self, Scope};
use keyadm::{Error, Result};

#[derive(Args, Debug, Default)]
pub struct EditArgs {
    /// The key's ID or name
    pub key: String,
    /// A new name
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// A new description ('' clears it)
    #[arg(long, short = 'd', value_name = "TEXT", allow_hyphen_values = true)]
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
    /// A rate limit, COUNT/PERIOD (e.g. 100/1m), enforced by each serving process
    #[arg(long, value_name = "COUNT/PERIOD", conflicts_with = "no_rate_limit")]
    pub rate_limit: Option<String>,
    /// Remove the key's rate limit
    #[arg(long)]
    pub no_rate_limit: bool,
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
            && self.rate_limit.is_none()
            && !self.no_rate_limit
    }
}

/// The changes the options ask for, parsed before the store is touched.
fn parse(ctx: &Context, a: &EditArgs) -> Result<KeyChanges> {
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
            .hint("pass what to change: --name, --description, --expires, --tag, --untag, --allow, --disallow, --origin, --no-origin, --ip, --no-ip, --rotate-every, --user, --rate-limit, --no-rate-limit"));
    }
    let name = a.name.as_deref().map(normalize_name);
    if let Some(n) = &name {
        validate_name(n)?;
    }
    if let Some(d) = &a.description {
        validate_description(d)?;
    }
    Ok(KeyChanges {
        name,
        description: a.description.clone(),
        expires: a.expires.as_deref().map(|e| ctx.expiry(e)).transpose()?,
        tags: parse_tags(&a.tag)?,
        untags: a.untag.clone(),
        allow: parse_list(&a.allow)?,
        disallow: parse_list(&a.disallow)?,
        origins: parse_list(&a.origin)?,
        no_origin: a.no_origin,
        ips: parse_list(&a.ip)?,
        no_ip: a.no_ip,
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
        rate_limit: match (&a.rate_limit, a.no_rate_limit) {
            (Some(r), _) => Some(Some(r.parse()?)),
            (None, true) => Some(None),
            (None, false) => None,
        },
    })
}

/// A changed field as the user knows it (the options' names), for human
/// output; JSON and the audit log keep the field names.
pub fn field_label(field: &str) -> &str {
    match field {
        "expires_at" => "expires",
        "rules" => "rules (allow)",
        "ips" => "addresses (ip)",
        "rotate_every" => "rotate every",
        "rate_limit" => "rate limit",
        "display_name" => "display name",
        other => other,
    }
}

pub fn run(ctx: &mut Context, mut args: EditArgs) -> Result<()> {
    if args.is_empty() && args.key_type.is_none() && args.value.is_none() && ctx.interactive() {
        let mut session = ctx.open_read()?;
        let scope = Scope {
            org: ctx.global.org.as_deref(),
        };
        let key = keys::find(&mut session, scope, &args.key)?;
        drop(session);
        args = super::prompt::edit_form(ctx, &key)?;
        if args.is_empty() {
            ctx.printer
                .note(format!("Key \"{}\" is unchanged.", key.name));
            return Ok(());
        }
    }
    let changes = parse(ctx, &args)?;
    let now = ctx.now();
    let mut session = ctx.open_write_existing()?;
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    let Edited { key, changed } = key_changes::edit(&mut session, scope, &args.key, &changes)?;
    let fields: Vec<&str> = changed.keys().map(|f| field_label(f)).collect();
    let rotate_every = key
        .rotate_every
        .filter(|_| changed.contains_key("rotate_every"));
    ctx.printer.report(&Shaped {
        json: KeyJson::new(&key, now),
        human: |p: &mut Human<'_>| {
            if fields.is_empty() {
                p.note(format!(
                    "Key \"{}\" already had these values; nothing changed.",
                    key.name
                ));
                return;
            }
            p.note(format!(
                "Changed {} of key \"{}\" ({}).",
                fields.join(", "),
                key.name,
                key.id
            ));
            if let Some(every) = rotate_every {
                p.note(format!(
                    "It will be due for rotation every {}.",
                    format_duration(every)
                ));
            }
        },
    });
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
