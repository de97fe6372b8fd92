//! Any bytes as an import file: reading it (CSV or JSON, keyadm's or AWS's
//! columns) and every cell check a row goes through before it is issued
//! never panic (nor the whole row check, `check_row`), and each error is
//! one line (keyadm prints it redacted).
#![no_main]
use keyadm::domain::expiry::parse_duration;
use keyadm::domain::import_file::{check_row, parse_enabled, parse_import, parse_time, split_list};
use keyadm::domain::key::{validate_description, validate_name, validate_reason, validate_tag, KeyType};
use keyadm::domain::org::validate_org;
use keyadm::domain::rules::{IpRange, Origin, Rule};
use keyadm::domain::value::{parse_value, redact_values};
use keyadm::Error;
use libfuzzer_sys::fuzz_target;

fn one_line(e: &Error) {
    let m = e.message();
    let what = redact_values(&m.what);
    assert!(!what.contains('\n'), "a multi-line error: {what:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rows = match parse_import(text) {
        Ok((_, rows)) => rows,
        Err(e) => return one_line(&e),
    };
    for row in &rows {
        if let Err(e) = check_row(row) {
            one_line(&e);
        }
        let checks: Vec<keyadm::Result<()>> = vec![
            parse_value(row.get("key")).map(|_| ()),
            row.get("type").parse::<KeyType>().map(|_| ()),
            validate_name(row.get("name")),
            validate_description(row.get("description")),
            validate_org(row.get("org")),
            parse_enabled(row.get("enabled")).map(|_| ()),
            validate_reason(row.get("disabled_reason")),
            parse_time(row.get("expires_at"), "expires_at").map(|_| ()),
            parse_time(row.get("created_at"), "created_at").map(|_| ()),
            parse_duration(row.get("rotate_every"), false).map(|_| ()),
        ];
        let lists: Vec<keyadm::Result<()>> = split_list(row.get("rules"))
            .iter()
            .map(|r| r.parse::<Rule>().map(|_| ()))
            .chain(split_list(row.get("origins")).iter().map(|o| o.parse::<Origin>().map(|_| ())))
            .chain(split_list(row.get("ips")).iter().map(|i| i.parse::<IpRange>().map(|_| ())))
            .chain(split_list(row.get("tags")).iter().map(|t| validate_tag(t)))
            .collect();
        for r in checks.iter().chain(&lists) {
            if let Err(e) = r {
                one_line(e);
            }
        }
    }
});
