//! The guided forms (dialoguer) of `generate` without NAME and `edit`
//! without options. They only fill in the same arguments a script would
//! pass, so every check stays where it is; each answer is checked as it is
//! typed, with the same parsers.

use dialoguer::{Confirm, FuzzySelect, Input, Select};

use super::edit::EditArgs;
use super::generate::GenerateArgs;
use super::Context;
use keyadm::domain::expiry::{format_duration, parse_duration, parse_expiry_in, DateInput};
use keyadm::domain::key::{
    normalize_name, validate_description, validate_name, validate_tag, Key, KeyType,
};
use keyadm::domain::key_spec::{check_type_rules, parse_list, Given};
use keyadm::domain::org::{is_within, tenant_of};
use keyadm::domain::rules::{IpRange, Origin, Rule};
use keyadm::domain::user::User;
use keyadm::ops::keys;
use keyadm::{Error, Result};

/// What a prompt that was not answered says: Ctrl-C, Esc (or `q`) and the
/// end of input are all a cancellation, exit 6 (SPEC §5.9).
fn cancelled(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = &e;
    let how = match io.kind() {
        std::io::ErrorKind::Interrupted => "Ctrl-C".to_string(),
        std::io::ErrorKind::UnexpectedEof => "end of input".to_string(),
        _ => io.to_string(),
    };
    Error::cancelled(format!("cancelled ({how}); nothing was changed"))
        .hint("run the command again to answer, or pass every option on the command line")
}

/// Esc or `q` on a choice or a yes/no question.
pub fn escaped() -> Error {
    Error::cancelled("cancelled (Esc); nothing was changed")
        .hint("run the command again to answer, or pass every option on the command line")
}

/// Runs one dialoguer prompt so that Ctrl-C is an answer, not the end of
/// the process: the terminal is in raw mode while a prompt reads a key, so
/// Ctrl-C arrives as a byte, and dialoguer (console) then raises SIGINT
/// itself before returning an "interrupted" error. With SIGINT ignored for
/// the prompt's span that error comes back here and becomes exit 6, with
/// the cursor shown again (a choice hides it).
pub fn guarded<T>(prompt: impl FnOnce() -> dialoguer::Result<T>) -> Result<T> {
    // SAFETY: signal(2) with SIG_IGN and then the previous disposition
    // changes only this process's handling of SIGINT.
    let before = unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    let answer = prompt();
    unsafe {
        libc::signal(libc::SIGINT, before);
    }
    answer.map_err(|e| {
        show_cursor();
        cancelled(e)
    })
}

/// Like [`guarded`] for a prompt whose `None` is Esc.
pub fn guarded_opt<T>(prompt: impl FnOnce() -> dialoguer::Result<Option<T>>) -> Result<T> {
    guarded(prompt)?.ok_or_else(|| {
        show_cursor();
        escaped()
    })
}

fn show_cursor() {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = err.write_all(b"\x1b[?25h\r\n");
    }
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
    guarded(|| {
        Input::<String>::new()
            .with_prompt(prompt)
            .with_initial_text(initial)
            .allow_empty(true)
            .validate_with(move |s: &String| check(s.trim()))
            .interact_text()
    })
    .map(|s| s.trim().to_string())
}

fn check_name(s: &str) -> std::result::Result<(), String> {
    validate_name(&normalize_name(s)).map_err(|e| e.message().what.clone())
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
    let picked = guarded_opt(|| {
        Select::new()
            .with_prompt("Type")
            .items(&labels)
            .default(current)
            .interact_opt()
    })?;
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
        let how = ctx.date_input();
        let expires = ask(
            "Expires (90d, 2027-01-31, 2027-01-31T17:00, never; empty: the store's default)",
            args.expires.as_deref().unwrap_or(""),
            move |s| {
                if s.is_empty() {
                    return Ok(());
                }
                parse_expiry_in(s, now, &how)
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
                        // The library's own words for a custom key without rules.
                        let none = check_type_rules(KeyType::Custom, Given::default(), 0);
                        return match none {
                            Err(e) if first => Err(e.message().what.clone()),
                            _ => Ok(()),
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
    if key_type.takes_user() && args.user.is_none() {
        args.user = pick_user(ctx, key_type, &args.allow)?;
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
        args.show_once = guarded_opt(|| {
            Confirm::new()
                .with_prompt("Show the value once and never store it?")
                .default(false)
                .interact_opt()
        })?;
    }
    Ok(())
}

/// The user picker of the guided `generate`: `Some(name)` binds the key to
/// that user, `None` leaves it for all users. Offered only when the store
/// exists and the key's tenant has enabled users; for a custom key only the
/// users whose privileges cover every rule in `rules` are offered.
fn pick_user(ctx: &Context, key_type: KeyType, rules: &[String]) -> Result<Option<String>> {
    if !ctx.store_exists()? {
        return Ok(None);
    }
    let mut session = ctx.open_read()?;
    let tenant = tenant_of(&ctx.org()).to_string();
    let rules: Vec<Rule> = parse_list(rules)?;
    let (pool, lacking) = keys::bindable_users(&mut session, &tenant, key_type, &rules)?;
    if pool.is_empty() && lacking.is_empty() {
        return Ok(None);
    }
    if pool.is_empty() {
        ctx.printer.note(format!(
            "No enabled user of tenant \"{tenant}\" has the privileges for these rules, so the key is for all users."
        ));
        return Ok(None);
    }
    let bind = guarded_opt(|| {
        Confirm::new()
            .with_prompt("Bind the key to one user? (no: all users)")
            .default(false)
            .interact_opt()
    })?;
    if !bind {
        return Ok(None);
    }
    if !lacking.is_empty() {
        ctx.printer.note(format!(
            "Not offered: {} (their privileges do not cover these rules).",
            lacking
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let pool = narrow(pool, "Organization", orgs_of, |u, org| {
        is_within(&u.org, org)
    })?;
    let pool = narrow(pool, "Group", groups_of, |u, g| u.matches(Some(g), None))?;
    let mut items = vec!["all users (not bound to one)".to_string()];
    items.extend(pool.iter().map(user_line));
    let picked = guarded_opt(|| {
        FuzzySelect::new()
            .with_prompt("User (type to search by name, email, organization, group or role)")
            .items(&items)
            .default(0)
            .max_length(12)
            .interact_opt()
    })?;
    Ok(picked.checked_sub(1).map(|i| pool[i].name.clone()))
}

/// Asks for one of the `choices` of the `pool` (an organization or a
/// group, with how many users each holds), or "any", when a choice would
/// narrow the pool; keeps the users that `keep` says belong to it.
fn narrow(
    pool: Vec<User>,
    what: &str,
    choices: fn(&[User]) -> Vec<String>,
    keep: fn(&User, &str) -> bool,
) -> Result<Vec<User>> {
    let counted: Vec<(String, usize)> = choices(&pool)
        .into_iter()
        .map(|c| {
            let n = pool.iter().filter(|u| keep(u, &c)).count();
            (c, n)
        })
        .collect();
    if !counted.iter().any(|(_, n)| *n < pool.len()) {
        return Ok(pool);
    }
    let mut labels = vec![format!("any ({})", users_count(pool.len()))];
    labels.extend(
        counted
            .iter()
            .map(|(c, n)| format!("{c} ({})", users_count(*n))),
    );
    let picked = guarded_opt(|| {
        Select::new()
            .with_prompt(what)
            .items(&labels)
            .default(0)
            .interact_opt()
    })?;
    let Some(i) = picked.checked_sub(1) else {
        return Ok(pool);
    };
    let choice = &counted[i].0;
    Ok(pool.into_iter().filter(|u| keep(u, choice)).collect())
}

fn users_count(n: usize) -> String {
    if n == 1 {
        "1 user".into()
    } else {
        format!("{n} users")
    }
}

/// The organizations the users are in, sorted, each once.
fn orgs_of(users: &[User]) -> Vec<String> {
    let mut orgs: Vec<String> = users.iter().map(|u| u.org.clone()).collect();
    orgs.sort();
    orgs.dedup();
    orgs
}

/// The groups the users are in, sorted, each once.
fn groups_of(users: &[User]) -> Vec<String> {
    let mut groups: Vec<String> = users.iter().flat_map(|u| u.groups.clone()).collect();
    groups.sort();
    groups.dedup();
    groups
}

/// One user in the picker: `name — display name <email> (org; groups; role)`.
fn user_line(u: &User) -> String {
    let mut line = u.name.clone();
    let mut who = Vec::new();
    if !u.display_name.is_empty() {
        who.push(u.display_name.clone());
    }
    if !u.email.is_empty() {
        who.push(format!("<{}>", u.email));
    }
    if !who.is_empty() {
        line.push_str(" — ");
        line.push_str(&who.join(" "));
    }
    let mut about = vec![u.org.clone()];
    if !u.groups.is_empty() {
        about.push(u.groups.join(", "));
    }
    about.push(u.role.to_string());
    line.push_str(&format!(" ({})", about.join("; ")));
    line
}

fn joined(list: &[impl ToString], separator: &str) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Asks for every property of `key`, prefilled with today's values, and
/// turns the answers into the options of `edit`.
pub fn edit_form(
    key: &Key,
    now: chrono::DateTime<chrono::Utc>,
    how: DateInput,
) -> Result<EditArgs> {
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
                parse_expiry_in(s, now, &how)
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

#[cfg(test)]
mod tests {
    use super::*;
    use keyadm::domain::user::Role;

    fn user(name: &str, org: &str, groups: &[&str]) -> User {
        User {
            name: name.into(),
            display_name: String::new(),
            email: String::new(),
            org: org.into(),
            tenant: tenant_of(org).into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            role: Role::Member,
            enabled: true,
            privileges: Vec::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_user_line_shows_who_and_where() {
        let mut u = user("carol", "acme/sales", &["support", "billing"]);
        assert_eq!(
            user_line(&u),
            "carol (acme/sales; support, billing; member)"
        );
        u.display_name = "Carol Diaz".into();
        u.email = "carol@acme.example".into();
        u.role = Role::Admin;
        assert_eq!(
            user_line(&u),
            "carol — Carol Diaz <carol@acme.example> (acme/sales; support, billing; admin)"
        );
        u.groups.clear();
        u.display_name.clear();
        assert_eq!(
            user_line(&u),
            "carol — <carol@acme.example> (acme/sales; admin)"
        );
    }

    #[test]
    fn orgs_and_groups_are_listed_once_in_order() {
        let users = [
            user("a", "acme/sales", &["support"]),
            user("b", "acme", &[]),
            user("c", "acme/sales", &["billing", "support"]),
        ];
        assert_eq!(orgs_of(&users), ["acme", "acme/sales"]);
        assert_eq!(groups_of(&users), ["billing", "support"]);
    }
}
