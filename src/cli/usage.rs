//! clap's command-line errors as our one `error:` line and one `hint:`
//! line, built from the error's kind and context (never from its rendered
//! text); the usage in the hint is the failing subcommand's own.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;

use super::Cli;

/// The error to report, or `Err` for help and version requests (clap prints those).
pub fn usage_error(e: clap::Error) -> Result<keyadm::Error, clap::Error> {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return Err(e);
    }
    let get = |k: ContextKind| e.get(k).map(value_text).filter(|v| !v.is_empty());
    let arg = get(ContextKind::InvalidArg).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::InvalidValue if value.is_empty() => {
            format!("a value is required for '{arg}' but none was supplied")
        }
        ErrorKind::InvalidValue => format!("invalid value '{value}' for '{arg}'"),
        ErrorKind::UnknownArgument => format!("unexpected argument '{arg}' found"),
        ErrorKind::InvalidSubcommand => format!(
            "unrecognized subcommand '{}'",
            get(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingRequiredArgument => {
            format!("the following required arguments were not provided: {arg}")
        }
        ErrorKind::MissingSubcommand => "a subcommand is required".to_string(),
        ErrorKind::ArgumentConflict => match get(ContextKind::PriorArg) {
            Some(prior) => format!("the argument '{arg}' cannot be used with '{prior}'"),
            None => format!("the argument '{arg}' cannot be used here"),
        },
        ErrorKind::TooManyValues => format!("unexpected value '{value}' for '{arg}' found"),
        ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            format!("wrong number of values for '{arg}'")
        }
        ErrorKind::ValueValidation => match std::error::Error::source(&e) {
            Some(why) => format!("invalid value '{value}' for '{arg}': {why}"),
            None => format!("invalid value '{value}' for '{arg}'"),
        },
        ErrorKind::InvalidUtf8 => "an argument is not valid UTF-8".to_string(),
        ErrorKind::NoEquals => format!("'{arg}' needs '=' before its value"),
        _ => format!("{}", e.kind()),
    };
    let mut hints = Vec::new();
    if let Some(s) = get(ContextKind::SuggestedArg) {
        hints.push(format!("a similar argument exists: '{s}'"));
    }
    if let Some(s) = get(ContextKind::SuggestedSubcommand) {
        hints.push(format!("a similar subcommand exists: '{s}'"));
    }
    if let Some(s) = get(ContextKind::SuggestedValue) {
        hints.push(format!("a similar value exists: '{s}'"));
    }
    if let Some(v) = get(ContextKind::ValidValue) {
        hints.push(format!("possible values: {v}"));
    }
    if let Some(s) = get(ContextKind::Suggested) {
        hints.push(s);
    }
    hints.push(format!("usage: {}", usage_of_argv()));
    hints.push("more with --help".into());
    Ok(keyadm::Error::usage(printable(&what)).hint(printable(&hints.join("; "))))
}

fn value_text(v: &ContextValue) -> String {
    match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(s) => s.join(", "),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(s) => s
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        ContextValue::Number(n) => n.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The usage line of the deepest subcommand that argv names.
fn usage_of_argv() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let mut cmd = &mut cmd;
    let words: Vec<String> = std::env::args_os()
        .skip(1)
        .filter_map(|a| a.into_string().ok())
        .filter(|a| !a.starts_with('-'))
        .collect();
    for word in words {
        let Some(name) = cmd
            .get_subcommands()
            .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
            .map(|s| s.get_name().to_string())
        else {
            continue;
        };
        cmd = cmd.find_subcommand_mut(name).expect("just found");
    }
    let usage = cmd.render_usage().to_string();
    usage
        .strip_prefix("Usage: ")
        .unwrap_or(&usage)
        .trim()
        .to_string()
}

/// clap repeats arguments as typed: no raw control characters.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}
