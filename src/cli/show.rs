//! `keyadm show`: every property of a key; `--reveal` / `--value` open its
//! value (audited).

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::Context;
use crate::output::time::{relative, TimeFormat};
use crate::output::{Human, KeyJson, Report};
use keyadm::domain::expiry::format_duration;
use keyadm::domain::key::Key;
use keyadm::ops::keys::Scope;
use keyadm::ops::{handover, listing};
use keyadm::Result;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The key's ID or name
    pub key: String,
    /// Show the whole value (audited)
    #[arg(long, conflicts_with = "value")]
    pub reveal: bool,
    /// Print the value alone, for scripts (audited)
    #[arg(long)]
    pub value: bool,
}

pub fn run(ctx: &mut Context, args: ShowArgs) -> Result<()> {
    let now = ctx.now();
    let scope = Scope {
        org: ctx.global.org.as_deref(),
    };
    if args.reveal || args.value {
        let mut session = ctx.open_write_existing()?;
        let via = if args.value {
            "show --value"
        } else {
            "show --reveal"
        };
        let r = handover::reveal(&mut session, scope, &args.key, via)?;
        let tf = ctx.time_format(&r.settings);
        if args.value {
            super::notify::warn_if_expiring(ctx, &r.key, &r.settings);
            ctx.printer.line(r.value.expose());
        } else {
            ctx.printer.report(&Shown {
                json: KeyJson::new(&r.key, now)
                    .with_user_state(r.user_state)
                    .with_value(&r.value),
                tf: &tf,
                now,
            });
        }
        return Ok(());
    }
    let mut session = ctx.open_read()?;
    let shown = listing::show(&mut session, scope, &args.key)?;
    let tf = ctx.time_format(&shown.settings);
    ctx.printer.report(&Shown {
        json: KeyJson::new(&shown.key, now).with_user_state(shown.user_state),
        tf: &tf,
        now,
    });
    Ok(())
}

/// A key, and with `--reveal` its value.
#[derive(Serialize)]
#[serde(transparent)]
struct Shown<'a> {
    json: KeyJson<'a>,
    #[serde(skip)]
    tf: &'a TimeFormat,
    #[serde(skip)]
    now: DateTime<Utc>,
}

impl Report for Shown<'_> {
    fn human(&self, p: &mut Human<'_>) {
        let k = &self.json;
        print_key(p, k.key, self.tf, k.value, k.user_state, self.now);
    }
}

fn list_or(items: &[impl ToString], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn print_key(
    p: &mut Human<'_>,
    k: &Key,
    tf: &TimeFormat,
    value: Option<&str>,
    user_state: Option<&str>,
    now: DateTime<Utc>,
) {
    let mut rows: Vec<(&str, String)> = vec![
        ("ID", k.id.clone()),
        ("Name", k.name.clone()),
        ("Type", k.key_type.to_string()),
        (
            "State",
            match user_state {
                // As list says it: why an enabled key denies everything.
                Some(state @ ("disabled" | "removed")) => {
                    format!("{}, user {state}", k.state_label(now))
                }
                _ => k.state_label(now),
            },
        ),
        ("Organization", format!("{} (tenant {})", k.org, k.tenant)),
        (
            "Description",
            if k.description.is_empty() {
                "-".into()
            } else {
                k.description.clone()
            },
        ),
        (
            "Issued",
            format!("{} by {}", tf.show(k.created_at), k.created_by),
        ),
        (
            "Expires",
            k.expires_at.map_or("never".into(), |e| {
                format!("{} ({})", tf.show(e), relative(e, now))
            }),
        ),
        ("Key", value.map_or_else(|| k.key.clone(), str::to_string)),
    ];
    if k.show_once {
        // Shown once: when it was made, at generation or its last rotation.
        let shown = match k.rotated_at {
            Some(r) => format!("no (shown once, at rotation {})", tf.show(r)),
            None => format!("no (shown once, at generation {})", tf.show(k.created_at)),
        };
        rows.push(("Stored", shown));
    }
    let disabled = !k.enabled;
    if let Some(prev) = &k.previous {
        let state = if disabled && prev.valid_until > now {
            format!(
                "does not work while the key is disabled (its grace ends {})",
                tf.show(prev.valid_until)
            )
        } else if prev.valid_until > now {
            format!(
                "works until {} ({})",
                tf.show(prev.valid_until),
                relative(prev.valid_until, now)
            )
        } else {
            format!("ended {}", tf.show(prev.valid_until))
        };
        rows.push(("Previous key", format!("{}: {state}", prev.key)));
    }
    if let Some(r) = k.rotated_at {
        rows.push(("Rotated", tf.show(r)));
    }
    if let (Some(every), true) = (k.rotate_every, disabled) {
        rows.push((
            "Rotation",
            format!(
                "every {}, not due while the key is disabled",
                format_duration(every)
            ),
        ));
    } else if let (Some(every), Some(due)) = (k.rotate_every, k.rotation_due_at()) {
        rows.push((
            "Rotation",
            format!(
                "every {}, next due {}",
                format_duration(every),
                tf.show(due)
            ),
        ));
    }
    if k.key_type.takes_user() {
        let user = match (&k.user, user_state) {
            (None, _) => "all".to_string(),
            (Some(u), Some(state @ ("disabled" | "removed"))) => {
                format!("{u} ({state}: the key denies everything)")
            }
            (Some(u), _) => u.clone(),
        };
        rows.push(("User", user));
    }
    if k.key_type.takes_rules() {
        rows.push(("Rules", list_or(&k.rules, "-")));
    }
    if k.key_type.takes_allow_lists() {
        rows.push(("Origins", list_or(&k.origins, "any")));
        rows.push(("Addresses", list_or(&k.ips, "any")));
    }
    if let Some(r) = k.rate_limit {
        rows.push(("Rate limit", format!("{r} (per serving process)")));
    }
    rows.push(("Tags", list_or(&k.tags, "-")));
    rows.push(("Last used", tf.show_opt(k.last_used_at, "never")));
    if k.previous.is_some() {
        // Per value: who has not moved to the new value yet.
        rows.push(("Current used", tf.show_opt(k.current_used_at, "never")));
        rows.push(("Previous used", tf.show_opt(k.previous_used_at, "never")));
    }
    for (label, text) in rows {
        p.line(format!("{label:<13} {text}"));
    }
}
