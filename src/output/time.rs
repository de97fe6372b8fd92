//! Showing times: `iso`, `us`, `eu` or a strftime pattern, in local time or UTC.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Local, Utc};

/// How a command shows times to a person (JSON always carries RFC 3339 UTC).
#[derive(Debug, Clone)]
pub struct TimeFormat {
    /// The pattern, parsed once: a list shows three times per key.
    items: Vec<Item<'static>>,
    utc: bool,
}

impl TimeFormat {
    /// `format` is `iso`, `us`, `eu` or a strftime pattern (already validated).
    pub fn new(format: &str, utc: bool) -> Self {
        let pattern = match format {
            "iso" => "%Y-%m-%d %H:%M",
            "us" => "%m/%d/%Y %-I:%M %p",
            "eu" => "%d/%m/%Y %H:%M",
            other => other,
        };
        TimeFormat {
            // A pattern chrono cannot use (only a tampered setting: input is
            // validated) falls back to iso rather than failing at display.
            items: StrftimeItems::new(pattern)
                .parse_to_owned()
                .or_else(|_| StrftimeItems::new("%Y-%m-%d %H:%M").parse_to_owned())
                .unwrap_or_default(),
            utc,
        }
    }

    pub fn show(&self, t: DateTime<Utc>) -> String {
        if self.utc {
            format!("{} UTC", t.format_with_items(self.items.iter()))
        } else {
            t.with_timezone(&Local)
                .format_with_items(self.items.iter())
                .to_string()
        }
    }

    pub fn show_opt(&self, t: Option<DateTime<Utc>>, none: &str) -> String {
        t.map_or_else(|| none.to_string(), |t| self.show(t))
    }
}

/// "in 3 days", "2 hours ago": how far `t` is from `now`, roughly.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let abs = secs.unsigned_abs();
    let amount = match abs {
        0..=59 => format!("{abs} s"),
        60..=3_599 => plural(abs / 60, "minute"),
        3_600..=86_399 => plural(abs / 3_600, "hour"),
        _ => plural(abs / 86_400, "day"),
    };
    if secs >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_pattern_shows_iso_instead_of_failing() {
        let tf = TimeFormat::new("%Q %", true);
        assert_eq!(tf.show(t()), "2026-11-22 17:45 UTC");
    }

    fn t() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T17:45:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn named_formats_in_utc() {
        assert_eq!(
            TimeFormat::new("iso", true).show(t()),
            "2026-11-22 17:45 UTC"
        );
        assert_eq!(
            TimeFormat::new("us", true).show(t()),
            "11/22/2026 5:45 PM UTC"
        );
        assert_eq!(
            TimeFormat::new("eu", true).show(t()),
            "22/11/2026 17:45 UTC"
        );
        assert_eq!(
            TimeFormat::new("%d.%m.%Y", true).show(t()),
            "22.11.2026 UTC"
        );
    }

    #[test]
    fn relative_times() {
        assert_eq!(relative(t() + chrono::Duration::days(3), t()), "in 3 days");
        assert_eq!(
            relative(t() - chrono::Duration::hours(1), t()),
            "1 hour ago"
        );
    }
}
