//! Showing times: `iso`, `us`, `eu` or a strftime pattern, in local time or UTC.

use chrono::format::Item;
use chrono::{DateTime, Local, Utc};

use keyadm::domain::settings::{date_items, render_date};

/// How a command shows times to a person (JSON always carries RFC 3339 UTC).
#[derive(Debug, Clone)]
pub struct TimeFormat {
    /// The pattern, parsed once: a list shows three times per key.
    items: Vec<Item<'static>>,
    utc: bool,
    /// The format asked for could not render: iso is used instead.
    fell_back: bool,
}

impl TimeFormat {
    /// `format` is `iso`, `us`, `eu` or a strftime pattern. One chrono
    /// cannot render (only a stored setting from an older release: input is
    /// validated) falls back to iso rather than failing at display.
    pub fn new(format: &str, utc: bool) -> Self {
        let (items, fell_back) = match date_items(format) {
            Some(items) => (items, false),
            None => (iso_items(), true),
        };
        TimeFormat {
            items,
            utc,
            fell_back,
        }
    }

    /// Did the format asked for fall back to iso?
    pub fn fell_back(&self) -> bool {
        self.fell_back
    }

    pub fn show(&self, t: DateTime<Utc>) -> String {
        // A pattern that renders some dates but not this one shows it as iso.
        if self.utc {
            let shown = render_date(&self.items, &t)
                .or_else(|| render_date(&iso_items(), &t))
                .unwrap_or_default();
            format!("{shown} UTC")
        } else {
            let local = t.with_timezone(&Local);
            render_date(&self.items, &local)
                .or_else(|| render_date(&iso_items(), &local))
                .unwrap_or_default()
        }
    }

    pub fn show_opt(&self, t: Option<DateTime<Utc>>, none: &str) -> String {
        t.map_or_else(|| none.to_string(), |t| self.show(t))
    }
}

fn iso_items() -> Vec<Item<'static>> {
    date_items("iso").unwrap_or_default()
}

/// "in 3 days", "2 hours ago": how far `t` is from `now`, roughly.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let abs = secs.unsigned_abs();
    let amount = match abs {
        0..=59 => format!("{abs} s"),
        60..=3_599 => plural(abs / 60, "minute"),
        3_600..=86_399 => plural(abs / 3_600, "hour"),
        // Days left are rounded up (SPEC §5.2): a 90-day key is "in 90 days".
        _ if secs > 0 => plural(abs.div_ceil(86_400), "day"),
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
        for bad in ["%Q %", "%#z", "%Y %#z", ""] {
            let tf = TimeFormat::new(bad, true);
            assert!(tf.fell_back(), "{bad:?}");
            assert_eq!(tf.show(t()), "2026-11-22 17:45 UTC", "{bad:?}");
            let local = TimeFormat::new(bad, false);
            assert!(!local.show(t()).is_empty(), "{bad:?}");
        }
        assert!(!TimeFormat::new("%d.%m.%Y", true).fell_back());
    }

    #[test]
    fn a_pattern_that_fails_for_one_date_shows_that_date_as_iso() {
        // %+ (RFC 3339) renders every year; build an item that fails only
        // outside years 0-9999: RFC 2822 has no strftime letter, so use the
        // chrono item directly.
        use chrono::format::Fixed;
        let tf = TimeFormat {
            items: vec![Item::Fixed(Fixed::RFC2822)],
            utc: true,
            fell_back: false,
        };
        assert!(tf.show(t()).starts_with("Sun, 22 Nov 2026"));
        let far = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        assert_eq!(tf.show(far), "+10000-01-01 00:00 UTC");
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
