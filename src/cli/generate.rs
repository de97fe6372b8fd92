//! `keyadm generate`: issue a key.

use chrono::Duration;
use clap::Args;
use serde_json::json;

use super::user::check_user_binding;
use super::{Context, KEY_TYPES};
use crate::output::time::TimeFormat;
use crate::output::KeyJson;
use keyadm::domain::expiry::{format_duration, parse_duration, parse_expiry, Expiry};
use keyadm::domain::key::{
    validate_description, validate_name, validate_tag, Key, KeyType, TENANT_KEY_LIMIT,
};
use keyadm::domain::org::{org_not_found, tenant_of, DEFAULT_TENANT};
use keyadm::domain::rules::{IpRange, Origin, Rule};
use keyadm::domain::settings::Settings;
use keyadm::domain::user::validate_user_name;
use keyadm::domain::value::{generate_value, new_key_id, SecretValue};
use keyadm::ops::Right;
use keyadm::store::{NewAudit, NewKey, Tx};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// A name for the key, unique in its tenant
    pub name: Option<String>,
    /// The key's type
    #[arg(long = "type", short = 't', default_value = "external", value_parser = KEY_TYPES)]
    pub key_type: String,
    /// What the key is for
    #[arg(long, short = 'd', value_name = "TEXT")]
    pub description: Option<String>,
    /// When it expires: 2027-01-31, 2027-01-31T17:00, RFC 3339, 90d, or never
    #[arg(long, short = 'e', value_name = "WHEN", allow_hyphen_values = true)]
    pub expires: Option<String>,
    /// An allow rule of a custom key (repeatable), e.g. 'GET /api/v1/users/*'
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
    /// An allowed origin host (repeatable), e.g. app.example.com or *.example.com
    #[arg(long, value_name = "HOST")]
    pub origin: Vec<String>,
    /// An allowed address or CIDR range (repeatable), e.g. 10.0.0.0/8
    #[arg(long, value_name = "CIDR")]
    pub ip: Vec<String>,
    /// A tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// A rotation policy, e.g. 90d (see rotate --due)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub rotate_every: Option<String>,
    /// Never store the value: it is shown now and never again
    #[arg(long)]
    pub show_once: bool,
    /// Bind the key to one user (external and custom keys), or `all` (the default)
    #[arg(long, value_name = "NAME|all")]
    pub user: Option<String>,
    /// Put the value on the clipboard instead of printing it (audited)
    #[arg(long)]
    pub copy: bool,
    #[command(flatten)]
    pub copy_how: super::copy::CopyHow,
}

/// `--user NAME|all`: `None` for all users.
pub fn parse_user_binding(user: Option<&str>) -> Result<Option<String>> {
    match user {
        None | Some("all") => Ok(None),
        Some(name) => validate_user_name(name).map(|()| Some(name.to_string())),
    }
}

/// The parts of a key that the arguments alone decide, checked before the store is touched.
pub struct KeySpec {
    pub name: String,
    pub key_type: KeyType,
    pub description: String,
    pub expires: Option<Expiry>,
    pub rules: Vec<Rule>,
    pub origins: Vec<Origin>,
    pub ips: Vec<IpRange>,
    pub tags: Vec<String>,
    pub rotate_every: Option<u64>,
    pub org: String,
    pub user: Option<String>,
    pub show_once: bool,
}

pub fn parse_list<T: std::str::FromStr<Err = Error>>(items: &[String]) -> Result<Vec<T>> {
    items.iter().map(|s| s.parse()).collect()
}

/// Checks and de-duplicates tags.
pub fn parse_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        validate_tag(t)?;
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

impl KeySpec {
    /// Checks what a key's type allows of its options.
    pub fn check_type_rules(&self) -> Result<()> {
        let t = self.key_type;
        if !t.takes_expiry() && matches!(self.expires, Some(Expiry::At(_))) {
            return Err(Error::usage(format!("{t} keys take no expiry"))
                .hint("leave out --expires, or choose another --type"));
        }
        if !t.takes_rules() && !self.rules.is_empty() {
            return Err(Error::usage(format!(
                "only custom keys take allow rules, and this is an {t} key"
            ))
            .hint("use --type custom for a scoped key"));
        }
        if t.takes_rules() && self.rules.is_empty() {
            return Err(Error::usage("a custom key needs at least one allow rule")
                .hint("add one, e.g. --allow 'GET /api/v1/users/*'"));
        }
        if !t.takes_allow_lists() && (!self.origins.is_empty() || !self.ips.is_empty()) {
            return Err(Error::usage(format!("{t} keys take no --origin or --ip"))
                .hint("leave them out, or choose another --type"));
        }
        if !t.takes_user() && self.user.is_some() {
            return Err(Error::usage(format!("{t} keys cannot be bound to a user"))
                .hint("use an external or custom key for --user"));
        }
        Ok(())
    }
}

impl GenerateArgs {
    fn spec(&self, ctx: &Context, name: String) -> Result<KeySpec> {
        validate_name(&name)?;
        let description = self.description.clone().unwrap_or_default();
        validate_description(&description)?;
        let spec = KeySpec {
            name,
            key_type: self.key_type.parse()?,
            description,
            expires: self
                .expires
                .as_deref()
                .map(|e| parse_expiry(e, ctx.now()))
                .transpose()?,
            rules: parse_list(&self.allow)?,
            origins: parse_list(&self.origin)?,
            ips: parse_list(&self.ip)?,
            tags: parse_tags(&self.tag)?,
            rotate_every: self
                .rotate_every
                .as_deref()
                .map(|d| parse_duration(d, false))
                .transpose()?,
            // Resolved once the store is open (it may be the actor's organization).
            org: ctx.global.org.clone().unwrap_or_default(),
            user: parse_user_binding(self.user.as_deref())?,
            show_once: self.show_once,
        };
        spec.check_type_rules()?;
        Ok(spec)
    }
}

pub fn run(ctx: &mut Context, mut args: GenerateArgs) -> Result<()> {
    if args.name.is_none() && ctx.interactive() {
        super::prompt::generate_form(ctx, &mut args)?;
    }
    let Some(name) = args.name.clone() else {
        return Err(Error::usage("generate needs a NAME for the key (there is no terminal to ask)")
            .hint("keyadm generate NAME [--type external|internal|custom|desktop] [--description TEXT] [--expires 90d] [--allow 'GET /path/*'] [--origin HOST] [--ip CIDR] [--tag TAG] [--rotate-every 90d] [--show-once]"));
    };
    let mut spec = args.spec(ctx, name)?;
    if !ctx.store_path()?.exists() {
        // A new store has the default settings and only the default
        // organization (and no users): refuse what they refuse before creating anything.
        let org = ctx.global.org.as_deref().unwrap_or(DEFAULT_TENANT);
        spec.org = org.to_string();
        check_store_rules(&spec, &Settings::default(), org == DEFAULT_TENANT)?;
    }
    let actor = ctx.actor();
    let mut store = ctx.open_write()?;
    store.require(Right::Admin, "generate keys")?;
    spec.org = ctx.org();
    if ctx
        .confined_tenant()
        .is_some_and(|t| t != tenant_of(&spec.org))
    {
        return Err(org_not_found(&spec.org));
    }
    let how = &args.copy_how;
    let copying = (args.copy || how.osc52)
        .then(|| how.prepare())
        .transpose()?;
    let (key, value, tf, copied) = store.write(Right::Admin, "generate keys", |tx| {
        let (key, value) = issue(tx, &spec, &actor)?;
        let settings = tx.settings()?;
        let tf = ctx.time_format(&settings);
        let copied = match copying {
            None => None,
            Some(option) => {
                let secs = super::copy::clear_after(option, &settings);
                tx.append_audit(NewAudit::key(&actor, "copy", &key, how.details(secs)))?;
                Some(how.hand_over(&value, secs)?)
            }
        };
        Ok((key, value, tf, copied))
    })?;
    // Printed after the commit: a value that reached anyone's screen or
    // script is a key the store holds, even if keyadm dies right after.
    print_issued(ctx, &key, &value, &tf, copied.as_deref());
    if let Some(e) = ctx.printer.stdout_error() {
        let hint = if key.show_once {
            format!("its value is not stored: give it a new one with keyadm rotate {0}, or disable and delete it", key.id)
        } else {
            format!("see its value with: keyadm show {} --value", key.id)
        };
        return Err(Error::environment(format!(
            "the key \"{}\" was generated, but its value could not be written to stdout ({e})",
            key.name
        ))
        .hint(hint));
    }
    if key.show_once {
        confirm_stored(ctx)?;
    }
    Ok(())
}

/// A show-once value is gone when the command ends, so a person at a
/// terminal confirms they have stored it (`--yes` or no terminal: no question).
fn confirm_stored(ctx: &Context) -> Result<()> {
    if ctx.global.yes || !ctx.interactive() {
        return Ok(());
    }
    loop {
        let stored = dialoguer::Confirm::new()
            .with_prompt("Have you stored the value? It cannot be shown again")
            .default(false)
            .interact()
            .map_err(|e| Error::environment(format!("cannot read the answer: {e}")))?;
        if stored {
            return Ok(());
        }
    }
}

/// The expiry a new key gets: its own, else the default, within max-lifetime.
pub fn resolve_expiry(
    spec_expiry: Option<Expiry>,
    key_type: KeyType,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    if !key_type.takes_expiry() {
        return Ok(None);
    }
    let max = settings.max_lifetime();
    let expiry = match spec_expiry {
        Some(e) => e,
        // The default never goes beyond max-lifetime: it is capped there.
        None => match settings
            .default_expiry()
            .map_or(max, |d| Some(max.map_or(d, |m| d.min(m))))
        {
            Some(secs) => Expiry::At(now + Duration::seconds(secs as i64)),
            None => Expiry::Never,
        },
    };
    check_max_lifetime(expiry, settings, now)?;
    Ok(expiry.at())
}

/// Refuses `never` and expiries beyond the `max-lifetime` setting.
pub fn check_max_lifetime(
    expiry: Expiry,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let Some(max) = settings.max_lifetime() else {
        return Ok(());
    };
    let limit = now + Duration::seconds(max as i64);
    let beyond = match expiry {
        Expiry::Never => true,
        Expiry::At(t) => t > limit,
    };
    if beyond {
        let max = format_duration(max);
        return Err(Error::refused(format!(
            "the expiry is beyond the store's max-lifetime of {max}"
        ))
        .hint(format!("give --expires {max} or sooner")));
    }
    Ok(())
}

/// What the store's settings and organizations say about `spec`.
fn check_store_rules(spec: &KeySpec, settings: &Settings, org_exists: bool) -> Result<()> {
    if spec.key_type == KeyType::Custom && !settings.scoped_api() {
        return Err(
            Error::refused("custom keys need the scoped-api setting, which is off")
                .hint("turn it on with: keyadm config set scoped-api on"),
        );
    }
    if !org_exists {
        return Err(org_not_found(&spec.org));
    }
    Ok(())
}

/// Inserts a key for `spec` inside the caller's transaction, with the rules
/// that count checked here; returns the key and its value.
pub fn issue(tx: &Tx, spec: &KeySpec, actor: &str) -> Result<(Key, SecretValue)> {
    issue_with(tx, spec, actor, None)
}

/// What an imported key brings along instead of what `generate` makes up:
/// its value, its ID (kept unless taken here), its state and its history.
pub struct Imported {
    pub id: Option<String>,
    pub value: SecretValue,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
}

/// [`issue`], or with `imported` an import: same checks, the given value
/// and ID, and an `import` audit entry.
pub fn issue_with(
    tx: &Tx,
    spec: &KeySpec,
    actor: &str,
    imported: Option<Imported>,
) -> Result<(Key, SecretValue)> {
    let settings = tx.settings()?;
    let now = tx.now();
    let tenant = tenant_of(&spec.org).to_string();
    check_store_rules(spec, &settings, tx.org_exists(&spec.org)?)?;
    if let Some(user) = &spec.user {
        check_user_binding(tx, &tenant, user, spec.key_type, &spec.rules)?;
    }
    let count = tx.count_keys_in_tenant(&tenant)?;
    if count >= TENANT_KEY_LIMIT {
        return Err(Error::refused(format!(
            "tenant \"{tenant}\" already has {count} keys, the limit is {TENANT_KEY_LIMIT}"
        ))
        .hint("delete keys it no longer needs (disabled and expired keys count too): keyadm list --disabled"));
    }
    if tx.key_name_taken(&tenant, &spec.name, None)? {
        return Err(Error::refused(format!(
            "a key named \"{}\" already exists in tenant \"{tenant}\"",
            spec.name
        ))
        .hint(format!(
            "choose another name, or look at it: keyadm show \"{}\"",
            spec.name
        )));
    }
    refuse_name_that_is_an_id(tx, &spec.name)?;
    let expires_at = resolve_expiry(spec.expires, spec.key_type, &settings, now)?;
    let preferred = match &imported {
        Some(Imported { id: Some(id), .. }) if !tx.key_id_taken(id)? => Some(id.clone()),
        _ => None,
    };
    let id = match preferred {
        Some(id) => id,
        None => loop {
            let id = new_key_id();
            if !tx.key_id_taken(&id)? {
                break id;
            }
        },
    };
    let (value, imported) = match imported {
        Some(i) => (i.value.clone(), Some(i)),
        None => (generate_value(settings.key_prefix(), spec.key_type), None),
    };
    let key = Key {
        id: id.clone(),
        name: spec.name.clone(),
        key_type: spec.key_type,
        org: spec.org.clone(),
        tenant: tenant.clone(),
        description: spec.description.clone(),
        enabled: imported.as_ref().is_none_or(|i| i.enabled),
        disabled_reason: imported.as_ref().and_then(|i| i.disabled_reason.clone()),
        created_at: imported.as_ref().map_or(now, |i| i.created_at),
        created_by: imported
            .as_ref()
            .map_or_else(|| actor.to_string(), |i| i.created_by.clone()),
        expires_at,
        key: value.truncated(),
        show_once: spec.show_once,
        previous: None,
        rotated_at: None,
        rotate_every: spec.rotate_every,
        user: spec.user.clone(),
        rules: spec.rules.clone(),
        origins: spec.origins.clone(),
        ips: spec.ips.clone(),
        tags: spec.tags.clone(),
        last_used_at: None,
    };
    let sealed = (!spec.show_once)
        .then(|| tx.master().map(|m| m.seal(&id, &value)))
        .transpose()?;
    tx.insert_key(&NewKey {
        key: &key,
        hash: value.hash(),
        sealed,
    })?;
    tx.append_audit(NewAudit {
        actor,
        action: if imported.is_some() {
            "import"
        } else {
            "generate"
        },
        key_id: Some(&key.id),
        key_name: Some(&key.name),
        tenant: Some(&tenant),
        details: json!({
            "type": key.key_type,
            "org": key.org,
            "expires_at": key.expires_at,
            "show_once": key.show_once,
            "description": key.description,
            "rules": key.rules,
            "origins": key.origins,
            "ips": key.ips,
            "tags": key.tags,
            "user": key.user,
            "rotate_every": key.rotate_every.map(format_duration),
        }),
    })?;
    Ok((key, value))
}

/// Prints the new key; its value only when it was not copied instead.
fn print_issued(
    ctx: &Context,
    key: &Key,
    value: &SecretValue,
    tf: &TimeFormat,
    copied: Option<&str>,
) {
    let p = &ctx.printer;
    if p.json {
        let j = KeyJson::new(key, ctx.now());
        p.json(&if copied.is_some() {
            j
        } else {
            j.with_value(value)
        });
        return;
    }
    if let Some(said) = copied {
        if !p.quiet {
            p.note(format!(
                "Generated {} key \"{}\" (ID {}) in {}; its value was {said}.",
                key.key_type, key.name, key.id, key.org
            ));
        }
        if key.show_once {
            p.warn("this value is not stored: paste it into your secret manager now.");
        }
        return;
    }
    if p.quiet {
        p.line(value.expose());
        return;
    }
    let expires = key.expires_at.map_or("never expires".to_string(), |t| {
        format!("expires {}", tf.show(t))
    });
    p.note(format!(
        "Generated {} key \"{}\" (ID {}) in {}; {expires}.",
        key.key_type, key.name, key.id, key.org
    ));
    p.line(value.expose());
    if key.show_once {
        p.warn("this value is shown once and is not stored: copy it to your secret manager now.");
    } else {
        p.warn(format!(
            "store this value in your secret manager now; to see it again: keyadm show {} --reveal",
            key.id
        ));
    }
}

/// KEY arguments are looked up by ID first: a key named like another key's
/// ID could never be reached by its name, and that name would act on the
/// other key (`keyadm delete NAME`).
pub fn refuse_name_that_is_an_id(tx: &Tx, name: &str) -> Result<()> {
    if keyadm::domain::value::is_key_id(name) && tx.key_id_taken(name)? {
        return Err(Error::refused(format!(
            "\"{name}\" is the ID of another key, so it cannot be a key's name"
        ))
        .hint("choose another name"));
    }
    Ok(())
}
