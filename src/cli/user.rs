//! `keyadm user add|list|edit|enable|disable|remove`: the users of a tenant,
//! their role and privileges (see `keyadm::ops::users`).

use crate::output::table::GridCell as Cell;
use clap::{Args, Subcommand};

use super::Context;
use crate::output::report::{Shaped, ShapedQuiet};
use crate::output::Human;
use keyadm::ops::users::{self, NewUser, UserEdit};
use keyadm::{Error, Result};

#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub action: UserAction,
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Register a user in an organization (--org, else the actor's, else default)
    Add(AddArgs),
    /// List users (--org: at and below it)
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Change a user's fields, role or privileges
    Edit(EditArgs),
    /// Enable users (idempotent)
    Enable(NamesArgs),
    /// Disable users: keys bound to them deny everything (idempotent)
    Disable(NamesArgs),
    /// Remove users: keys bound to them deny everything
    Remove(NamesArgs),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The user's name: what they run keyadm as (--actor, KEYADM_ACTOR or the login name)
    pub name: String,
    /// The name to show, e.g. 'Alice Martin'
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "",
        allow_hyphen_values = true
    )]
    pub display_name: String,
    /// Where expiry notices go (admins)
    #[arg(long, value_name = "ADDRESS", default_value = "")]
    pub email: String,
    /// A group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// admin: manages the tenant's keys, users and organizations; member: sees them
    #[arg(long, default_value = "member", value_parser = ["admin", "member"])]
    pub role: String,
    /// A privilege, as an allow rule (repeatable), e.g. 'GET /api/v1/**'
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
    /// On PostgreSQL: create the login role NAME too (operators only; none
    /// that exists already). Without --login-password-stdin it has no
    /// password (peer or trust authentication)
    #[arg(long)]
    pub create_login: bool,
    /// With --create-login: the role's password, read from stdin
    #[arg(long, requires = "create_login")]
    pub login_password_stdin: bool,
    /// With --create-login: ask for the role's password on the terminal
    /// (twice; nothing is echoed)
    #[arg(
        long,
        requires = "create_login",
        conflicts_with = "login_password_stdin"
    )]
    pub login_password: bool,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Users in this group
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Users whose name, display name, email, organization or groups contain TEXT
    #[arg(long, short = 's', value_name = "TEXT", allow_hyphen_values = true)]
    pub search: Option<String>,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The user's name
    pub name: String,
    /// A new display name
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub display_name: Option<String>,
    /// A new email ('' clears it)
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// Move the user to another organization of the same tenant
    #[arg(long, value_name = "PATH")]
    pub move_to: Option<String>,
    /// Add a group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// Remove a group (repeatable)
    #[arg(long, value_name = "GROUP")]
    pub ungroup: Vec<String>,
    /// A new role
    #[arg(long, value_parser = ["admin", "member"])]
    pub role: Option<String>,
    /// Add a privilege (repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub allow: Vec<String>,
    /// Remove a privilege (repeatable)
    #[arg(long, value_name = "'METHOD PATTERN'")]
    pub disallow: Vec<String>,
}

#[derive(Args, Debug)]
pub struct NamesArgs {
    /// The users' names
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn run(ctx: &mut Context, args: UserArgs) -> Result<()> {
    match args.action {
        UserAction::Add(a) => add(ctx, a),
        UserAction::List(a) => list(ctx, a),
        UserAction::Edit(a) => edit(ctx, a),
        UserAction::Enable(a) => set_enabled(ctx, a, true),
        UserAction::Disable(a) => set_enabled(ctx, a, false),
        UserAction::Remove(a) => remove(ctx, a),
    }
}

fn add(ctx: &mut Context, a: AddArgs) -> Result<()> {
    let new = NewUser::parse(
        &a.name,
        &a.display_name,
        &a.email,
        &a.group,
        &a.role,
        &a.allow,
    )?;
    let login = match (a.create_login, a.login_password_stdin) {
        (true, false) if a.login_password => Some(users::NewLogin {
            password: Some(ask_login_password(&a.name)?),
        }),
        (false, true) => {
            return Err(Error::usage("--login-password-stdin needs --create-login")
                .hint("add --create-login, or drop --login-password-stdin"))
        }
        (false, false) => None,
        (true, false) => Some(users::NewLogin::default()),
        (true, true) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::environment(format!("cannot read the password from stdin: {e}"))
                    .hint("pipe the password on stdin, e.g. keyadm user add NAME --create-login --login-password-stdin < file"))?;
            let password = text.trim_end_matches(['\n', '\r']).to_string();
            if password.is_empty() {
                return Err(Error::usage("the password read from stdin is empty")
                    .hint("pipe a password on stdin, or drop --login-password-stdin for a role without one"));
            }
            Some(users::NewLogin {
                password: Some(password),
            })
        }
    };
    let org = ctx.global.org.clone();
    let added =
        users::add_with_login(&mut ctx.open_write()?, org.as_deref(), &new, login.as_ref())?;
    ctx.printer.report(&Shaped {
        json: &added,
        human: |p: &mut Human<'_>| {
            let u = &added.user;
            p.note(format!(
                "Added {} \"{}\" to {} (tenant {}).",
                u.role, u.name, u.org, u.tenant
            ));
        },
    });
    Ok(())
}

/// The password of a new login role, asked twice on the terminal.
fn ask_login_password(name: &str) -> Result<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Error::usage("--login-password asks on a terminal, and there is none")
            .hint("pipe the password instead: keyadm user add NAME --create-login --login-password-stdin < file"));
    }
    super::prompt::guarded(|| {
        dialoguer::Password::new()
            .with_prompt(format!("Password for the login role {name}"))
            .with_confirmation(
                "The same password again",
                "The two passwords differ; once more",
            )
            .interact()
    })
}

fn join(items: &[impl ToString]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn list(ctx: &mut Context, a: ListArgs) -> Result<()> {
    let rows = users::list(
        &mut ctx.open_read()?,
        ctx.global.org.as_deref(),
        a.group.as_deref(),
        a.search.as_deref(),
    )?;
    ctx.printer.report(&ShapedQuiet {
        json: &rows,
        human: |p: &mut Human<'_>| {
            let mut t = p.printer().table(&[
                "NAME",
                "DISPLAY NAME",
                "EMAIL",
                "ORG",
                "ROLE",
                "STATE",
                "GROUPS",
                "PRIVILEGES",
                "KEYS",
            ]);
            for r in &rows {
                let u = &r.user;
                t.add_row(vec![
                    Cell::new(&u.name),
                    Cell::new(&u.display_name),
                    Cell::new(&u.email),
                    Cell::new(&u.org),
                    Cell::new(u.role),
                    Cell::new(r.state),
                    Cell::new(join(&u.groups)),
                    Cell::new(join(&u.privileges)),
                    Cell::new(r.keys),
                ]);
            }
            if !rows.is_empty() {
                p.line(t.to_string());
            }
            let n = rows.len();
            p.note(format!("{n} user{}", if n == 1 { "" } else { "s" }));
        },
        quiet: |p: &mut Human<'_>| {
            for r in &rows {
                p.line(&r.user.name);
            }
        },
    });
    Ok(())
}

fn edit(ctx: &mut Context, a: EditArgs) -> Result<()> {
    let change = UserEdit {
        display_name: a.display_name,
        email: a.email,
        move_to: a.move_to,
        group: a.group,
        ungroup: a.ungroup,
        role: a.role,
        allow: a.allow,
        disallow: a.disallow,
    }
    .check()?;
    let done = users::edit(&mut ctx.open_write()?, &a.name, &change)?;
    let name = &done.user.user.name;
    ctx.printer.report(&Shaped {
        json: &done.user,
        human: |p: &mut Human<'_>| {
            if done.changed.is_empty() {
                p.note(format!(
                    "User \"{name}\" already had these values; nothing changed."
                ));
                return;
            }
            let fields: Vec<&str> = done
                .changed
                .keys()
                .map(|f| super::edit::field_label(f))
                .collect();
            p.note(format!("Changed {} of user \"{name}\".", fields.join(", ")));
            if done.changed.contains_key("privileges") {
                p.note("Keys bound to the user now allow only what their rules and these privileges both allow.");
            }
        },
    });
    Ok(())
}

fn set_enabled(ctx: &mut Context, a: NamesArgs, enabled: bool) -> Result<()> {
    let verb = if enabled { "Enabled" } else { "Disabled" };
    let outcomes = users::set_enabled(&mut ctx.open_write()?, &a.names, enabled)?;
    ctx.printer.report(&Shaped {
        json: &outcomes,
        human: |p: &mut Human<'_>| {
            for o in &outcomes {
                if !o.changed {
                    p.note(format!("User \"{}\" was already {}.", o.name, o.state));
                    continue;
                }
                p.note(format!("{verb} user \"{}\".", o.name));
                if !enabled && o.keys > 0 {
                    p.warn(format!(
                        "{} key{} bound to \"{}\" now den{} everything",
                        o.keys,
                        if o.keys == 1 { "" } else { "s" },
                        o.name,
                        if o.keys == 1 { "ies" } else { "y" }
                    ));
                }
            }
        },
    });
    Ok(())
}

fn remove(ctx: &mut Context, a: NamesArgs) -> Result<()> {
    let mut session = ctx.open_write()?;
    // Ask before taking the write lock: a prompt must not block other processes.
    let plan = users::plan_removal(&mut session, &a.names)?;
    if plan.iter().any(|r| r.bound_keys > 0) {
        for r in plan.iter().filter(|r| r.bound_keys > 0) {
            let (n, name) = (r.bound_keys, &r.name);
            ctx.printer.warn(format!(
                "{n} key{} bound to \"{name}\" will deny everything (keyadm list --user {name}; rebind with keyadm edit KEY --user all)",
                if n == 1 { "" } else { "s" }
            ));
        }
        ctx.confirm("Remove these users?", "keyadm user remove --yes NAME…")?;
    }
    let removed = users::remove(&mut session, &a.names)?;
    ctx.printer.report(&Shaped {
        json: &removed,
        human: |p: &mut Human<'_>| {
            for o in &removed {
                p.note(format!("Removed user \"{}\".", o.name));
            }
        },
    });
    Ok(())
}
