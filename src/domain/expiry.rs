//! Time as keyadm reads it: the clock (`KEYADM_NOW`), durations (`90d`),
//! and expiry inputs (dates, date-times, RFC 3339, durations, `never`).

use chrono::{
    DateTime, Datelike, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound,
    TimeZone, Utc,
};

use crate::error::{Error, Result};

/// The current time of a whole command: the system clock, or `KEYADM_NOW`,
/// in whole seconds (as the store keeps times, so JSON says the same before
/// and after a round trip).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    now: DateTime<Utc>,
    /// Set when `KEYADM_NOW` (or a test) fixed the as-of time.
    fixed: bool,
}

impl Clock {
    pub fn system() -> Self {
        Clock {
            fixed: false,
            ..Clock::fixed(Utc::now())
        }
    }

    pub fn fixed(now: DateTime<Utc>) -> Self {
        Clock {
            now: now.trunc_subsecs(0),
            fixed: true,
        }
    }

    /// The as-of time when one was set (`KEYADM_NOW`), recorded beside the
    /// real time in audit entries.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.fixed.then_some(self.now)
    }

    /// `KEYADM_NOW` when set (RFC 3339), else the system clock.
    pub fn from_env_value(value: Option<&str>) -> Result<Self> {
        match value {
            None => Ok(Clock::system()),
            Some(v) => DateTime::parse_from_rfc3339(v.trim())
                .ok()
                .map(|t| t.with_timezone(&Utc))
                // Every time keyadm derives (now + 100 years at most) must
                // stay a four-digit year, as the store writes it.
                .filter(|t| (1970..=9899).contains(&t.year()))
                .map(Clock::fixed)
                .ok_or_else(|| {
                    Error::usage(format!(
                        "KEYADM_NOW is not an RFC 3339 time from 1970 to 9899: \"{}\"",
                        v.escape_debug()
                    ))
                    .hint("e.g. KEYADM_NOW=2026-11-24T09:00:00Z (years 1970 to 9899)")
                }),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The real time, read from the system clock at each call (whole
    /// seconds), whatever `KEYADM_NOW` says: what audit entries record as
    /// their `at` (SPEC §5.2). Read inside the write transaction, it runs
    /// forward with the log unless the system clock is set back.
    pub fn real(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(0)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

/// The longest duration keyadm takes anywhere: 100 years.
pub const MAX_DURATION_SECS: u64 = 100 * 365 * 86_400;

/// Parses `90d`, `12h`, `6w`, `1y`, `30s`, `15m` (or `15min`), `3mo`
/// (30 days each); `0` only when `allow_zero`.
pub fn parse_duration(input: &str, allow_zero: bool) -> Result<u64> {
    let bad = |why: &str| {
        Error::usage(format!(
            "invalid duration \"{}\": {why}",
            input.escape_debug()
        ))
        .hint("write a whole number and a unit s, m or min (minutes), h, d, w, mo (30 days) or y, e.g. 90d")
    };
    let s = input.trim();
    if s == "0" {
        return if allow_zero {
            Ok(0)
        } else {
            Err(bad("it must be more than 0"))
        };
    }
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() || unit.is_empty() {
        return Err(bad("expected a whole number followed by a unit"));
    }
    let per: u64 = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "mo" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ if unit.bytes().any(|b| b.is_ascii_digit() || b == b'.') => {
            return Err(bad("expected a whole number followed by a unit"))
        }
        _ => return Err(bad("the unit must be s, m or min, h, d, w, mo or y")),
    };
    let n: u64 = digits.parse().map_err(|_| bad("the number is too large"))?;
    let secs = n.checked_mul(per).ok_or_else(|| bad("it is too long"))?;
    if secs == 0 && !allow_zero {
        return Err(bad("it must be more than 0"));
    }
    if secs > MAX_DURATION_SECS {
        return Err(bad("it is longer than 100 years"));
    }
    Ok(secs)
}

/// Prints seconds as the shortest exact duration: `90d`, `36h`, `45s`.
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0".into();
    }
    for (unit, per) in [("y", 365 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if secs.is_multiple_of(per) {
            return format!("{}{unit}", secs / per);
        }
    }
    format!("{secs}s")
}

/// An expiry: a moment, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Never,
    At(DateTime<Utc>),
}

impl Expiry {
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            Expiry::Never => None,
            Expiry::At(t) => Some(t),
        }
    }
}

/// Which dates besides ISO an expiry input may be written as: those of the
/// display format (`us` 12/31/2027 [5:00 PM], `eu` 31/12/2027 [17:00], a
/// strftime pattern as it is shown). A slash date whose day and month are
/// both 12 or less reads differently under `us` and `eu`, so it is accepted
/// only when the format was given on the same command line: a script's
/// meaning must not depend on a store setting (issue 15, item 18).
#[derive(Debug, Clone, Default)]
pub struct DateInput {
    /// `iso`, `us`, `eu` or a strftime pattern (empty: ISO only).
    pub format: String,
    /// The format was given on this command line (`--date-format`).
    pub on_command_line: bool,
}

impl DateInput {
    pub fn new(format: &str, on_command_line: bool) -> Self {
        DateInput {
            format: format.to_string(),
            on_command_line,
        }
    }

    /// The forms of the display format: date and time, then date alone.
    fn forms(&self) -> (Vec<&str>, Vec<&str>) {
        match self.format.as_str() {
            "" | "iso" => (vec![], vec![]),
            "us" => (
                vec!["%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M"],
                vec!["%m/%d/%Y"],
            ),
            "eu" => (vec!["%d/%m/%Y %H:%M"], vec!["%d/%m/%Y"]),
            pattern => (vec![pattern], vec![pattern]),
        }
    }
}

/// RFC 3339 without seconds (`2027-01-31T17:00Z`, `…T17:00+02:00`).
fn rfc3339_without_seconds(s: &str) -> Option<DateTime<Utc>> {
    let fixed;
    let s = match s.strip_suffix(['Z', 'z']) {
        Some(head) => {
            fixed = format!("{head}+00:00");
            fixed.as_str()
        }
        None => s,
    };
    [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dt%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(s, f).ok())
    .map(|t| t.with_timezone(&Utc))
}

/// Parses an expiry input relative to `now`. A date means through the end of
/// that day, local time. Times in the past are refused. Only ISO forms:
/// see [`parse_expiry_in`] for the display format's.
pub fn parse_expiry(input: &str, now: DateTime<Utc>) -> Result<Expiry> {
    parse_expiry_in(input, now, &DateInput::default())
}

/// Parses an expiry input as [`parse_expiry`] does, and also in the form of
/// the display format `how` (see [`DateInput`]).
pub fn parse_expiry_in(input: &str, now: DateTime<Utc>, how: &DateInput) -> Result<Expiry> {
    let s = input.trim();
    let bad = || {
        let mut hint = "use a date (2027-01-31), a date and time (2027-01-31T17:00), RFC 3339, a duration (90d) or never".to_string();
        if s.contains('/') && how.forms().1.is_empty() {
            hint.push_str("; a slash date needs --date-format us (12/31/2027) or eu (31/12/2027)");
        }
        Error::usage(format!("invalid expiry \"{}\"", input.escape_debug())).hint(hint)
    };
    if s.eq_ignore_ascii_case("never") {
        return Ok(Expiry::Never);
    }
    let at = if s.starts_with(|c: char| c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_alphabetic())
        && !s.contains(['-', '/', ' ', ':', '.'])
    {
        let secs = parse_duration(s, false)?;
        now + Duration::seconds(secs as i64)
    } else if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        t.with_timezone(&Utc)
    } else if let Some(t) = rfc3339_without_seconds(s) {
        t
    } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let end = d.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
        local_to_utc(end).ok_or_else(bad)?
    } else if let Some(t) = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    {
        local_to_utc(t).ok_or_else(bad)?
    } else if let Some(t) = in_display_form(s, how)? {
        local_to_utc(t).ok_or_else(bad)?
    } else {
        return Err(bad());
    };
    if at <= now {
        return Err(Error::usage(format!(
            "the expiry \"{}\" is in the past",
            input.escape_debug()
        ))
        .hint("give a time in the future, or never"));
    }
    if (at - now).num_seconds() as u64 > MAX_DURATION_SECS {
        return Err(Error::usage(format!(
            "the expiry \"{}\" is more than 100 years away",
            input.escape_debug()
        ))
        .hint("use never for a key that does not expire"));
    }
    Ok(Expiry::At(at.trunc_subsecs(0)))
}

/// `s` in a form of the display format: a local date and time (a date
/// alone: through the end of that day). An ambiguous slash date is refused
/// unless the format was given on this command line.
fn in_display_form(s: &str, how: &DateInput) -> Result<Option<NaiveDateTime>> {
    let (with_time, date_only) = how.forms();
    let t = with_time
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| {
            date_only.iter().find_map(|f| {
                NaiveDate::parse_from_str(s, f)
                    .ok()
                    .map(|d| d.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time")))
            })
        });
    let Some(t) = t else {
        return Ok(None);
    };
    let (day, month) = (t.day(), t.month());
    if s.contains('/') && day <= 12 && month <= 12 && day != month && !how.on_command_line {
        let other = NaiveDate::from_ymd_opt(t.year(), day, month)
            .map(|d| d.format("%-d %B").to_string())
            .unwrap_or_default();
        return Err(Error::usage(format!(
            "the date \"{}\" is ambiguous: {} under the {} date format, {other} under the other",
            s.escape_debug(),
            t.format("%-d %B"),
            how.format
        ))
        .hint(format!(
            "write it as ISO ({}), or say the format on this command line: --date-format {}",
            t.format("%Y-%m-%d"),
            how.format
        )));
    }
    Ok(Some(t))
}

/// Below this, a new expiry is most likely a slip (`6m` is six minutes).
pub const SHORT_EXPIRY_SECS: i64 = 3_600;

/// A warning for a new expiry less than an hour after `now`.
pub fn short_expiry_warning(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let secs = (at - now).num_seconds();
    (secs < SHORT_EXPIRY_SECS).then(|| {
        let minutes = (secs + 59) / 60;
        format!(
            "the key expires in {minutes} minute{} (m is minutes; for months write mo, e.g. 6mo)",
            if minutes == 1 { "" } else { "s" },
        )
    })
}

/// The longest `--grace` that passes without a warning: a year.
pub const LONG_GRACE_SECS: u64 = 365 * 86_400;

/// A warning for a grace period longer than a year.
pub fn long_grace_warning(grace: u64) -> Option<String> {
    (grace > LONG_GRACE_SECS).then(|| {
        format!(
            "a grace of {} keeps the old value working for more than a year after the rotation",
            format_duration(grace)
        )
    })
}

fn local_to_utc(t: NaiveDateTime) -> Option<DateTime<Utc>> {
    // A time skipped by a DST change does not exist; an ambiguous one takes the later.
    Local
        .from_local_datetime(&t)
        .latest()
        .map(|l| l.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90d", false).unwrap(), 90 * 86_400);
        assert_eq!(parse_duration("12h", false).unwrap(), 43_200);
        assert_eq!(parse_duration("6w", false).unwrap(), 42 * 86_400);
        assert_eq!(parse_duration("1y", false).unwrap(), 365 * 86_400);
        assert_eq!(parse_duration("0", true).unwrap(), 0);
        assert_eq!(parse_duration("15min", false).unwrap(), 900);
        assert_eq!(parse_duration("6m", false).unwrap(), 360);
        assert_eq!(parse_duration("6mo", false).unwrap(), 180 * 86_400);
        assert!(parse_duration("6mon", false).is_err());
        assert!(short_expiry_warning(now() + Duration::minutes(6), now()).is_some());
        assert!(short_expiry_warning(now() + Duration::hours(1), now()).is_none());
        assert!(long_grace_warning(400 * 86_400).is_some());
        assert!(long_grace_warning(365 * 86_400).is_none());
        for bad in [
            "0",
            "0d",
            "-1d",
            "1.5d",
            "d",
            "10",
            "10x",
            "",
            "101y",
            "99999999999999999999d",
            "1 d",
        ] {
            assert!(parse_duration(bad, false).is_err(), "{bad}");
        }
        assert_eq!(format_duration(86_400 * 90), "90d");
        assert_eq!(format_duration(86_400 * 14), "14d");
        assert_eq!(format_duration(45), "45s");
    }

    #[test]
    fn expiries() {
        let n = now();
        assert_eq!(parse_expiry("never", n).unwrap(), Expiry::Never);
        assert_eq!(
            parse_expiry("90d", n).unwrap(),
            Expiry::At(n + Duration::days(90))
        );
        assert_eq!(
            parse_expiry("2027-01-31T17:00:00Z", n)
                .unwrap()
                .at()
                .unwrap()
                .to_rfc3339(),
            "2027-01-31T17:00:00+00:00"
        );
        assert!(parse_expiry("2027-01-31", n).is_ok());
        assert!(parse_expiry("2027-01-31T17:00", n).is_ok());
        for bad in [
            "2025-01-01",
            "2027-02-30",
            "2027-13-01",
            "yesterday",
            "-5d",
            "0d",
            "2026-11-24T09:00:00Z",
            "200y",
            "3000-01-01",
        ] {
            assert!(parse_expiry(bad, n).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiries_in_the_display_format() {
        let n = now();
        let at = |s: &str, how: &DateInput| parse_expiry_in(s, n, how).map(|e| e.at().unwrap());
        let iso = |s: &str| parse_expiry(s, n).map(|e| e.at().unwrap());
        let us = DateInput::new("us", false);
        let eu = DateInput::new("eu", false);
        assert_eq!(at("12/31/2027", &us).unwrap(), iso("2027-12-31").unwrap());
        assert_eq!(at("31/12/2027", &eu).unwrap(), iso("2027-12-31").unwrap());
        assert_eq!(
            at("12/31/2027 5:00 PM", &us).unwrap(),
            iso("2027-12-31T17:00").unwrap()
        );
        assert_eq!(
            at("31/12/2027 17:00", &eu).unwrap(),
            iso("2027-12-31T17:00").unwrap()
        );
        assert!(at("31/12/2027", &us).is_err());
        assert!(parse_expiry("12/31/2027", n).is_err());
        // Both ≤ 12: only with the format on the command line.
        let e = at("05/06/2027", &eu).unwrap_err();
        assert!(e.message().what.contains("ambiguous"), "{e:?}");
        assert!(e.message().hint.as_deref().unwrap().contains("2027-06-05"));
        assert_eq!(
            at("05/06/2027", &DateInput::new("eu", true)).unwrap(),
            iso("2027-06-05").unwrap()
        );
        assert_eq!(
            at("05/06/2027", &DateInput::new("us", true)).unwrap(),
            iso("2027-05-06").unwrap()
        );
        assert!(at("06/06/2027", &eu).is_ok(), "day = month reads one way");
        // ISO always works, under any format.
        assert!(at("2027-12-31", &eu).is_ok());
        // A strftime pattern reads as it shows.
        let dots = DateInput::new("%d.%m.%Y", false);
        assert_eq!(at("31.12.2027", &dots).unwrap(), iso("2027-12-31").unwrap());
        // RFC 3339 without seconds.
        assert_eq!(
            iso("2027-01-31T17:00Z").unwrap(),
            iso("2027-01-31T17:00:00Z").unwrap()
        );
        assert_eq!(
            iso("2027-01-31T17:00+02:00").unwrap(),
            iso("2027-01-31T15:00:00Z").unwrap()
        );
    }

    #[test]
    fn clock_reads_keyadm_now() {
        let c = Clock::from_env_value(Some("2026-11-24T10:00:00Z")).unwrap();
        assert_eq!(c.now(), now());
        assert!(Clock::from_env_value(Some("tomorrow")).is_err());
        assert!(Clock::from_env_value(Some("9999-12-01T00:00:00Z")).is_err());
        assert!(Clock::from_env_value(Some("1900-01-01T00:00:00Z")).is_err());
    }

    #[test]
    fn the_real_time_ignores_keyadm_now() {
        let c = Clock::from_env_value(Some("2001-01-01T00:00:00Z")).unwrap();
        assert_eq!(c.as_of(), Some(c.now()));
        let before = Utc::now().trunc_subsecs(0);
        let real = c.real();
        assert!(real >= before && real <= Utc::now(), "{real}");
        assert_eq!(Clock::system().as_of(), None);
    }
}
