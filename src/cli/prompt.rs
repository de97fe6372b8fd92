//! The guided forms (dialoguer) of `generate` without NAME and `edit`
//! without options. They only fill in the same arguments a script would
//! pass, so every check stays where it is; each answer is checked as it is
//! typed, with the same parsers.

use dialoguer::{Confirm, Input, Select};

use super::edit::EditArgs;
use super::generate::GenerateArgs;
use super::Context;
use keyadm::domain::expiry::{format_duration, parse_duration, parse_expiry};
use keyadm::domain::key::{validate_description, validate_name, validate_tag, Key, KeyType};
use keyadm::domain::rules::{IpRange, Origin, Rule};
use keyadm::{Error, Result};

fn cancelled(e: dialoguer::Error) -> Error {
    Error::environment(format!("cannot read the answer: {e}"))
}

/// Items of a comma-separated answer.
fn items(answer: &str, separator: char) -> Vec<String> {
    answer
        .split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn check_items<T: std::str::FromStr<Err = Error>>(
    answer: &str,
    separator: char,
) -> std::result::Result<(), String> {
    for i in items(answer, separator) {
        i.parse::<T>().map_err(|e| e.message().what.clone())?;
    }
    Ok(())
}

fn check_tags(answer: &str) -> std::result::Result<(), String> {
    for t in items(answer, ',') {
        validate_tag(&t).map_err(|e| e.message().what.clone())?;
    }
    Ok(())
}

/// A line of text, prefilled with `initial`, checked by `check`.
fn ask(
    prompt: &str,
    initial: &str,
    check: impl Fn(&str) -> std::result::Result<(), String> + 'static,
) -> Result<String> {
    Input::<String>::new()
        .with_prompt(prompt)
        .with_initial_text(initial)
        .allow_empty(true)
        .validate_with(move |s: &String| check(s.trim()))
        .interact_text()
        .map(|s| s.trim().to_string())
        .map_err(cancelled)
}

fn check_name(s: &str) -> std::result::Result<(), String> {
    validate_name(s).map_err(|e| e.message().what.clone())
}

fn check_description(s: &str) -> std::result::Result<(), String> {
    validate_description(s).map_err(|e| e.message().what.clone())
}

fn check_duration(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    parse_duration(s, true)
        .map(|_| ())
        .map_err(|e| e.message().what.clone())
}

/// Walks through every field of a new key and fills `args` with the answers.
pub fn generate_form(ctx: &Context, args: &mut GenerateArgs) -> Result<()> {
    let name = ask("Name", "", |s| {
        if s.is_empty() {
            Err("a key needs a name".into())
        } else {
            check_name(s)
        }
    })?;
    args.name = Some(name);
    let labels = [
        "external  (third parties using the published APIs)",
        "internal  (the product's own components)",
        "custom    (scoped by allow rules; needs scoped-api on)",
        "desktop   (desktop clients; no expiry)",
    ];
    let types = [
        KeyType::External,
        KeyType::Internal,
        KeyType::Custom,
        KeyType::Desktop,
    ];
    let current = types
        .iter()
        .position(|t| t.as_str() == args.key_type)
        .unwrap_or(0);
    let picked = Select::new()
        .with_prompt("Type")
        .items(&labels)
        .default(current)
        .interact()
        .map_err(cancelled)?;
    let key_type = types[picked];
    args.key_type = key_type.as_str().to_string();
    let description = ask(
        "Description (optional)",
        args.description.as_deref().unwrap_or(""),
        check_description,
    )?;
    args.description = Some(description);
    if key_type.takes_expiry() {
        let now = ctx.now();
        let expires = ask(
            "Expires (90d, 2027-01-31, 2027-01-31T17:00, never; empty: the store's default)",
            args.expires.as_deref().unwrap_or(""),
            move |s| {
                if s.is_empty() {
                    return Ok(());
                }
                parse_expiry(s, now)
                    .map(|_| ())
                    .map_err(|e| e.message().what.clone())
            },
        )?;
        args.expires = Some(expires).filter(|e| !e.is_empty());
    }
    if key_type.takes_rules() {
        args.allow.clear();
        loop {
            let first = args.allow.is_empty();
            let rule = ask(
                if first {
                    "Allow rule (METHOD PATTERN, e.g. GET /api/v1/users/*)"
                } else {
                    "Another allow rule (empty when done)"
                },
                "",
                move |s| {
                    if s.is_empty() {
                        return if first {
                            Err("a custom key needs at least one allow rule".into())
                        } else {
                            Ok(())
                        };
                    }
                    s.parse::<Rule>()
                        .map(|_| ())
                        .map_err(|e| e.message().what.clone())
                },
            )?;
            if rule.is_empty() {
                break;
            }
            args.allow.push(rule);
        }
    }
    if key_type.takes_allow_lists() {
        let origins = ask(
            "Allowed origins (comma-separated, e.g. app.example.com, *.example.com; empty: any)",
            &args.origin.join(", "),
            |s| check_items::<Origin>(s, ','),
        )?;
        args.origin = items(&origins, ',');
        let ips = ask(
            "Allowed addresses (comma-separated, e.g. 10.0.0.0/8; empty: any)",
            &args.ip.join(", "),
            |s| check_items::<IpRange>(s, ','),
        )?;
        args.ip = items(&ips, ',');
    }
    let tags = ask(
        "Tags (comma-separated, optional)",
        &args.tag.join(", "),
        check_tags,
    )?;
    args.tag = items(&tags, ',');
    let every = ask(
        "Rotate every (e.g. 90d; empty: no policy)",
        args.rotate_every.as_deref().unwrap_or(""),
        check_duration,
    )?;
    args.rotate_every = Some(every).filter(|e| !e.is_empty() && e != "0");
    if !args.show_once {
        args.show_once = Confirm::new()
            .with_prompt("Show the value once and never store it?")
            .default(false)
            .interact()
            .map_err(cancelled)?;
    }
    Ok(())
}

fn joined(list: &[impl ToString], separator: &str) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Asks for every property of `key`, prefilled with today's values, and
/// turns the answers into the options of `edit`.
pub fn edit_form(key: &Key, now: chrono::DateTime<chrono::Utc>) -> Result<EditArgs> {
    let mut args = EditArgs {
        key: key.id.clone(),
        ..EditArgs::default()
    };
    let t = key.key_type;
    let name = ask("Name", &key.name, check_name)?;
    if name != key.name {
        args.name = Some(name);
    }
    let description = ask("Description", &key.description, check_description)?;
    if description != key.description {
        args.description = Some(description);
    }
    if t.takes_expiry() {
        let current = key.expires_at.map_or("never".to_string(), |e| {
            e.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        });
        let unchanged = current.clone();
        let expires = ask(
            "Expires (90d, 2027-01-31, RFC 3339, never)",
            &current,
            move |s| {
                if s == unchanged {
                    return Ok(());
                }
                parse_expiry(s, now)
                    .map(|_| ())
                    .map_err(|e| e.message().what.clone())
            },
        )?;
        if expires != current {
            args.expires = Some(expires);
        }
    }
    if t.takes_rules() {
        let before: Vec<String> = key.rules.iter().map(ToString::to_string).collect();
        let answer = ask("Allow rules (separated by ;)", &before.join("; "), |s| {
            if items(s, ';').is_empty() {
                return Err("a custom key needs at least one allow rule".into());
            }
            check_items::<Rule>(s, ';')
        })?;
        let after: Vec<Rule> = items(&answer, ';')
            .iter()
            .map(|r| r.parse())
            .collect::<Result<_>>()?;
        let after_text: Vec<String> = after.iter().map(ToString::to_string).collect();
        args.disallow = before
            .iter()
            .filter(|r| !after_text.contains(r))
            .cloned()
            .collect();
        args.allow = after_text
            .into_iter()
            .filter(|r| !before.contains(r))
            .collect();
    }
    if t.takes_allow_lists() {
        let current = joined(&key.origins, ", ");
        let answer = ask(
            "Allowed origins (comma-separated; empty: any)",
            &current,
            |s| check_items::<Origin>(s, ','),
        )?;
        if items(&answer, ',') != items(&current, ',') {
            args.no_origin = true;
            args.origin = items(&answer, ',');
        }
        let current = joined(&key.ips, ", ");
        let answer = ask(
            "Allowed addresses (comma-separated; empty: any)",
            &current,
            |s| check_items::<IpRange>(s, ','),
        )?;
        if items(&answer, ',') != items(&current, ',') {
            args.no_ip = true;
            args.ip = items(&answer, ',');
        }
    }
    let answer = ask("Tags (comma-separated)", &key.tags.join(", "), check_tags)?;
    let tags = items(&answer, ',');
    args.untag = key
        .tags
        .iter()
        .filter(|t| !tags.contains(t))
        .cloned()
        .collect();
    args.tag = tags.into_iter().filter(|t| !key.tags.contains(t)).collect();
    let current = key.rotate_every.map(format_duration).unwrap_or_default();
    let every = ask(
        "Rotate every (e.g. 90d; empty: no policy)",
        &current,
        check_duration,
    )?;
    if every != current {
        args.rotate_every = Some(if every.is_empty() { "0".into() } else { every });
    }
    Ok(args)
}
