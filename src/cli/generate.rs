//! `keyadm generate`: issue a key (the guided form without NAME is in
//! `prompt.rs`; the rules are the library's `ops::keys::generate`).

use clap::Args;
use serde::Serialize;

use super::{Context, KEY_TYPES};
use crate::output::time::TimeFormat;
use crate::output::{Human, KeyJson, Report};
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::key::{normalize_name, validate_description, validate_name, Key};
use keyadm::domain::key_spec::parse_user_binding;
use keyadm::ops::keys;
use keyadm::{Error, Result, SecretValue};

use keyadm::domain::key_spec::{parse_list, parse_tags, KeySpec};

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// A name for the key, unique in its tenant
    pub name: Option<String>,
    /// The key's type
    #[arg(long = "type", short = 't', default_value = "external", value_parser = KEY_TYPES)]
    pub key_type: String,
    /// What the key is for
    #[arg(long, short = 'd', value_name = "TEXT", allow_hyphen_values = true)]
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
    /// A rate limit, COUNT/PERIOD (e.g. 100/1m), enforced by each serving process
    #[arg(long, value_name = "COUNT/PERIOD")]
    pub rate_limit: Option<String>,
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

impl GenerateArgs {
    fn spec(&self, ctx: &Context, name: String) -> Result<KeySpec> {
        let name = normalize_name(&name);
        validate_name(&name)?;
        let description = self.description.clone().unwrap_or_default();
        validate_description(&description)?;
        let spec = KeySpec {
            name,
            key_type: self.key_type.parse()?,
            description,
            expires: self.expires.as_deref().map(|e| ctx.expiry(e)).transpose()?,
            rules: parse_list(&self.allow)?,
            origins: parse_list(&self.origin)?,
            ips: parse_list(&self.ip)?,
            tags: parse_tags(&self.tag)?,
            rotate_every: self
                .rotate_every
                .as_deref()
                .map(|d| parse_duration(d, false))
                .transpose()?,
            rate_limit: self.rate_limit.as_deref().map(str::parse).transpose()?,
            // Empty: the actor's organization, once the store is open.
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
    let spec = args.spec(ctx, name)?;
    if !ctx.store_exists()? {
        // Refuse what a new store would refuse before creating anything.
        keys::check_for_new_store(&spec)?;
    }
    let plan = (args.copy || args.copy_how.osc52)
        .then(|| args.copy_how.plan())
        .transpose()?;
    let mut session = ctx.open_write()?;
    let copy = plan.as_ref().map(|p| {
        (p, |value: &SecretValue, secs| {
            super::copy::prepare(p, value, secs)
        })
    });
    let done = keys::generate(&mut session, spec, copy)?;
    let tf = ctx.time_format(&done.settings);
    // Printed after the commit: a value that reached anyone's screen or
    // script is a key the store holds, even if keyadm dies right after.
    let key = &done.key;
    print_issued(ctx, key, &done.value, &tf, done.copied.as_deref());
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
        confirm_stored(ctx, key)?;
    }
    Ok(())
}

/// A show-once value is gone when the command ends, so a person at a
/// terminal confirms they have stored it (`--yes` or no terminal: no question).
/// Ctrl-C or Esc here is exit 6, though the key exists: the person did not
/// say they stored the value, and the error says how to give it a new one.
pub(super) fn confirm_stored(ctx: &Context, key: &Key) -> Result<()> {
    if ctx.global.yes || !ctx.interactive() {
        return Ok(());
    }
    loop {
        let stored = super::prompt::guarded_opt(|| {
            dialoguer::Confirm::new()
                .with_prompt("Have you stored the value? It cannot be shown again")
                .default(false)
                .interact_opt()
        })
        .map_err(|e| {
            Error::cancelled(format!(
                "{}; the key \"{}\" (ID {}) has the value shown above, and it is not stored anywhere",
                e.message().what.replace("; nothing was changed", ""),
                key.name,
                key.id
            ))
            .hint(format!(
                "if you did not store the value, give the key a new one: keyadm rotate {}",
                key.id
            ))
        })?;
        if stored {
            return Ok(());
        }
    }
}

/// Prints the new key; its value only when it was not copied instead.
fn print_issued(
    ctx: &Context,
    key: &Key,
    value: &SecretValue,
    tf: &TimeFormat,
    copied: Option<&str>,
) {
    let j = KeyJson::new(key, ctx.now());
    ctx.printer.report(&Issued {
        json: match copied {
            Some(_) => j,
            None => j.with_value(value),
        },
        key,
        value,
        tf,
        copied,
    });
}

/// A new key: `--json` with its value unless it went to the clipboard,
/// `-q` the value alone.
#[derive(Serialize)]
#[serde(transparent)]
struct Issued<'a> {
    json: KeyJson<'a>,
    #[serde(skip)]
    key: &'a Key,
    #[serde(skip)]
    value: &'a SecretValue,
    #[serde(skip)]
    tf: &'a TimeFormat,
    #[serde(skip)]
    copied: Option<&'a str>,
}

impl Issued<'_> {
    fn copied(&self, p: &mut Human<'_>) {
        let key = self.key;
        if let Some(said) = self.copied {
            p.note(format!(
                "Generated {} key \"{}\" (ID {}) in {}; its value was {said}.",
                key.key_type, key.name, key.id, key.org
            ));
        }
        if key.show_once {
            p.warn("this value is not stored: paste it into your secret manager now.");
        }
    }
}

impl Report for Issued<'_> {
    fn quiet(&self, p: &mut Human<'_>) {
        match self.copied {
            Some(_) => self.copied(p),
            None => p.line(self.value.expose()),
        }
    }

    fn human(&self, p: &mut Human<'_>) {
        if self.copied.is_some() {
            self.copied(p);
            return;
        }
        let key = self.key;
        let expires = key.expires_at.map_or("never expires".to_string(), |t| {
            format!("expires {}", self.tf.show(t))
        });
        p.note(format!(
            "Generated {} key \"{}\" (ID {}) in {}; {expires}.",
            key.key_type, key.name, key.id, key.org
        ));
        p.line(self.value.expose());
        if key.show_once {
            p.warn(
                "this value is shown once and is not stored: copy it to your secret manager now.",
            );
        } else {
            p.warn(format!(
                "store this value in your secret manager now; to see it again: keyadm show {} --reveal",
                key.id
            ));
        }
    }
}
