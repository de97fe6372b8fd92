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

/// The forms' expiry prompt, with examples in the display format: the form
/// names the format, so a slash date typed into it is not ambiguous.
fn expiry_prompt(how: &DateInput, tail: &str) -> String {
    let shown = match how.format.as_str() {
        "" | "iso" => "2027-01-31, 2027-01-31 17:00".to_string(),
        "us" => "12/31/2027, 12/31/2027 5:00 PM".to_string(),
        "eu" => "31/12/2027, 31/12/2027 17:00".to_string(),
        pattern => format!("2027-01-31, or as {pattern}"),
    };
    format!("Expires (90d, {shown}, never{tail})")
}

/// The forms read dates in the display format their prompt names.
fn form_input(how: DateInput) -> DateInput {
    DateInput {
        on_command_line: true,
        ..how
    }
}

/// An expiry answered in a form, as an option that reads the same whatever
/// the command line says: a date (in the format the prompt named) becomes
/// RFC 3339; a duration and `never` stay as typed.
fn settled_expiry(answer: String, now: chrono::DateTime<chrono::Utc>, how: &DateInput) -> String {
    let is_date = answer.contains(['-', '/', ' ', ':', '.']);
    match parse_expiry_in(&answer, now, how) {
        Ok(e) if is_date => e.at().map_or(answer, |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }),
        _ => answer,
    }
}

/// `at` as the form prefills it: in the display format and local time, as
/// `show` says it, when that reads back to the same minute; else ISO local.
fn prefill_expiry(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    how: &DateInput,
) -> String {
    let format = if how.format.is_empty() {
        "iso"
    } else {
        how.format.as_str()
    };
    let shown = crate::output::time::TimeFormat::new(format, false).show(at);
    let reads_back = parse_expiry_in(&shown, now, how)
        .is_ok_and(|e| e.at().is_some_and(|t| (t - at).num_seconds().abs() < 60));
    if reads_back {
        shown
    } else {
        at.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

const ORIGINS_PROMPT: &str =
    "Allowed origins (comma-separated, e.g. app.example.com, *.example.com; empty: any)";
const ADDRESSES_PROMPT: &str = "Allowed addresses (comma-separated, e.g. 10.0.0.0/8; empty: any)";
const TAGS_PROMPT: &str = "Tags (comma-separated, optional)";
const ROTATE_PROMPT: &str = "Rotate every (e.g. 90d; empty: no policy)";

/// Asks for allow rules one a line, as `generate` does: each of `current`
/// first (prefilled; emptied: removed), then new ones until an empty line.
/// A custom key keeps at least one.
fn ask_rules(current: &[String]) -> Result<Vec<String>> {
    let mut rules: Vec<String> = Vec::new();
    for r in current {
        let kept = ask(
            "Allow rule (METHOD PATTERN; empty: remove it)",
            r,
            check_rule,
        )?;
        if !kept.is_empty() && !rules.contains(&kept) {
            rules.push(kept);
        }
    }
    loop {
        let first = rules.is_empty();
        let rule = ask(
            if first && current.is_empty() {
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
                check_rule(s)
            },
        )?;
        if rule.is_empty() {
            return Ok(rules);
        }
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
}

fn check_rule(s: &str) -> std::result::Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    s.parse::<Rule>()
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
        let how = form_input(ctx.date_input());
        let check_how = how.clone();
        let expires = ask(
            &expiry_prompt(&how, "; empty: the store's default"),
            args.expires.as_deref().unwrap_or(""),
            move |s| {
                if s.is_empty() {
                    return Ok(());
                }
                parse_expiry_in(s, now, &check_how)
                    .map(|_| ())
                    .map_err(|e| e.message().what.clone())
            },
        )?;
        args.expires = Some(expires)
            .filter(|e| !e.is_empty())
            .map(|e| settled_expiry(e, now, &how));
    }
    if key_type.takes_rules() {
        args.allow = ask_rules(&[])?;
    }
    if key_type.takes_user() && args.user.is_none() {
        let tenant = tenant_of(&ctx.org()).to_string();
        args.user = pick_user(ctx, &tenant, key_type, &args.allow, None)?.flatten();
    }
    if key_type.takes_allow_lists() {
        let origins = ask(ORIGINS_PROMPT, &args.origin.join(", "), |s| {
            check_items::<Origin>(s, ',')
        })?;
        args.origin = items(&origins, ',');
        let ips = ask(ADDRESSES_PROMPT, &args.ip.join(", "), |s| {
            check_items::<IpRange>(s, ',')
        })?;
        args.ip = items(&ips, ',');
    }
    let tags = ask(TAGS_PROMPT, &args.tag.join(", "), check_tags)?;
    args.tag = items(&tags, ',');
    let every = ask(
        ROTATE_PROMPT,
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

/// The user picker of the guided `generate` and `edit`: `Some(Some(name))`
/// binds the key to that user, `Some(None)` to all users, `None` asks
/// nothing (no one to bind to). Offered only when the store exists and the
/// key's tenant has enabled users; for a custom key only the users whose
/// privileges cover every rule in `rules` are offered. `current`: the
/// user the key is bound to now (the question's default).
fn pick_user(
    ctx: &Context,
    tenant: &str,
    key_type: KeyType,
    rules: &[String],
    current: Option<&str>,
) -> Result<Option<Option<String>>> {
    if !ctx.store_exists()? {
        return Ok(None);
    }
    let mut session = ctx.open_read()?;
    let rules: Vec<Rule> = parse_list(rules)?;
    let (pool, lacking) = keys::bindable_users(&mut session, tenant, key_type, &rules)?;
    if pool.is_empty() && lacking.is_empty() {
        return Ok(None);
    }
    if pool.is_empty() {
        ctx.printer.note(format!(
            "No enabled user of tenant \"{tenant}\" has the privileges for these rules, so the key is for all users."
        ));
        return Ok(Some(None));
    }
    let prompt = match current {
        Some(u) => format!("Bind the key to one user? (now: {u}; no: all users)"),
        None => "Bind the key to one user? (no: all users)".to_string(),
    };
    let bind = guarded_opt(|| {
        Confirm::new()
            .with_prompt(prompt)
            .default(current.is_some())
            .interact_opt()
    })?;
    if !bind {
        return Ok(Some(None));
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
    let default = current
        .and_then(|c| pool.iter().position(|u| u.name == c))
        .map_or(0, |i| i + 1);
    let picked = guarded_opt(|| {
        FuzzySelect::new()
            .with_prompt("User (type to search by name, email, organization, group or role)")
            .items(&items)
            .default(default)
            .max_length(12)
            .interact_opt()
    })?;
    Ok(Some(picked.checked_sub(1).map(|i| pool[i].name.clone())))
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

/// Asks for every property of `key`, prefilled with today's values, the
/// way the guided `generate` asks (the expiry in the display format and
/// local time, one allow rule a line, the user binding), and turns the
/// answers into the options of `edit`.
pub fn edit_form(ctx: &Context, key: &Key) -> Result<EditArgs> {
    let now = ctx.now();
    let how = form_input(ctx.date_input());
    let mut args = EditArgs {
        key: key.id.clone(),
        ..EditArgs::default()
    };
    let t = key.key_type;
    let name = ask("Name", &key.name, check_name)?;
    if name != key.name {
        args.name = Some(name);
    }
    let description = ask(
        "Description (optional)",
        &key.description,
        check_description,
    )?;
    if description != key.description {
        args.description = Some(description);
    }
    if t.takes_expiry() {
        let current = key
            .expires_at
            .map_or("never".to_string(), |e| prefill_expiry(e, now, &how));
        let unchanged = current.clone();
        let check_how = how.clone();
        let expires = ask(&expiry_prompt(&how, ""), &current, move |s| {
            if s == unchanged {
                return Ok(());
            }
            parse_expiry_in(s, now, &check_how)
                .map(|_| ())
                .map_err(|e| e.message().what.clone())
        })?;
        if expires != current {
            args.expires = Some(settled_expiry(expires, now, &how));
        }
    }
    let before: Vec<String> = key.rules.iter().map(ToString::to_string).collect();
    let mut rules = before.clone();
    if t.takes_rules() {
        let after: Vec<String> = ask_rules(&before)?
            .iter()
            .map(|r| r.parse::<Rule>().map(|r| r.to_string()))
            .collect::<Result<_>>()?;
        args.disallow = before
            .iter()
            .filter(|r| !after.contains(r))
            .cloned()
            .collect();
        args.allow = after
            .iter()
            .filter(|r| !before.contains(r))
            .cloned()
            .collect();
        rules = after;
    }
    if t.takes_user() {
        let picked = pick_user(ctx, &key.tenant, t, &rules, key.user.as_deref())?;
        if let Some(user) = picked {
            if user != key.user {
                args.user = Some(user.unwrap_or_else(|| "all".to_string()));
            }
        }
    }
    if t.takes_allow_lists() {
        let current = joined(&key.origins, ", ");
        let answer = ask(ORIGINS_PROMPT, &current, |s| check_items::<Origin>(s, ','))?;
        if items(&answer, ',') != items(&current, ',') {
            args.no_origin = true;
            args.origin = items(&answer, ',');
        }
        let current = joined(&key.ips, ", ");
        let answer = ask(ADDRESSES_PROMPT, &current, |s| {
            check_items::<IpRange>(s, ',')
        })?;
        if items(&answer, ',') != items(&current, ',') {
            args.no_ip = true;
            args.ip = items(&answer, ',');
        }
    }
    let answer = ask(TAGS_PROMPT, &key.tags.join(", "), check_tags)?;
    let tags = items(&answer, ',');
    args.untag = key
        .tags
        .iter()
        .filter(|t| !tags.contains(t))
        .cloned()
        .collect();
    args.tag = tags.into_iter().filter(|t| !key.tags.contains(t)).collect();
    let current = key.rotate_every.map(format_duration).unwrap_or_default();
    let every = ask(ROTATE_PROMPT, &current, check_duration)?;
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
