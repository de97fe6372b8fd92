//! The rules of a key's later life that `sweep`, `notify` and the expiry
//! warnings apply: when a key is purged, which notice thresholds it has
//! crossed, and whether it is inside its notice window.

use chrono::{DateTime, Duration, Utc};

use crate::domain::key::{Key, KeyState};

const DAY: i64 = 86_400;

/// Has the key been expired for `purge_after` seconds or more at `now`?
pub fn purge_due(key: &Key, now: DateTime<Utc>, purge_after: u64) -> bool {
    key.expires_at
        .is_some_and(|e| e + Duration::seconds(purge_after as i64) <= now)
}

/// Whole days left until `expires_at`, rounded up ("expires within N days").
pub fn days_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (expires_at - now).num_seconds();
    if secs <= 0 {
        0
    } else {
        (secs + DAY - 1) / DAY
    }
}

/// Whether the notice `days` before expiry applies to the key: only if its
/// expiry was set more than that many days before it falls (a key made
/// with `--expires 30d` gets no 30-day notice at its creation). An expiry
/// set before this was recorded (`expiry_set_at` NULL) was set long ago.
pub fn threshold_applies(key: &Key, days: u32) -> bool {
    match (key.expiry_set_at, key.expires_at) {
        (Some(set), Some(e)) => (e - set).num_seconds() > i64::from(days) * DAY,
        _ => true,
    }
}

/// The notice thresholds (days before expiry) an enabled, not yet expired
/// key has crossed at `now`, largest first; only those that apply to it
/// ([`threshold_applies`]). Empty for every other key.
pub fn crossed_thresholds(key: &Key, now: DateTime<Utc>, notify_days: &[u32]) -> Vec<u32> {
    let mut out = within_thresholds(key, now, notify_days);
    out.retain(|d| threshold_applies(key, *d));
    out
}

/// The thresholds crossed at `now`, whenever the expiry was set.
fn within_thresholds(key: &Key, now: DateTime<Utc>, notify_days: &[u32]) -> Vec<u32> {
    let Some(expires_at) = key.expires_at else {
        return Vec::new();
    };
    if key.state(now) != KeyState::Enabled {
        return Vec::new();
    }
    let left = (expires_at - now).num_seconds();
    let mut out: Vec<u32> = notify_days
        .iter()
        .copied()
        .filter(|d| left <= i64::from(*d) * DAY)
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    out
}

/// What a notify run owes one key: the nearest threshold crossed (the one
/// notice to send), and the larger ones crossed since the last run that are
/// only marked as passed. `None` when the nearest was already sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeDue {
    pub threshold: u32,
    pub passed: Vec<u32>,
}

/// `recorded` are the thresholds already sent or passed for this key and expiry.
pub fn notice_due(crossed: &[u32], recorded: &[u32]) -> Option<NoticeDue> {
    let nearest = *crossed.iter().min()?;
    if recorded.contains(&nearest) {
        return None;
    }
    Some(NoticeDue {
        threshold: nearest,
        passed: crossed
            .iter()
            .copied()
            .filter(|d| *d != nearest && !recorded.contains(d))
            .collect(),
    })
}

/// Days left when the key is enabled and inside its notice window (the
/// largest notify threshold); `None` otherwise. Commands that hand a value
/// out (`show --value`, `copy`, `sign`) warn when this is `Some`, however
/// recently the expiry was set: the warning is not a notice.
pub fn notice_window_days_left(key: &Key, now: DateTime<Utc>, notify_days: &[u32]) -> Option<i64> {
    if within_thresholds(key, now, notify_days).is_empty() {
        return None;
    }
    key.expires_at.map(|e| days_left(e, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::key::KeyType;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn key(expires: Option<&str>, enabled: bool) -> Key {
        Key {
            id: "abcdefghijkl".into(),
            name: "k".into(),
            key_type: KeyType::External,
            org: "default".into(),
            tenant: "default".into(),
            description: String::new(),
            enabled,
            disabled_reason: None,
            created_at: t("2026-01-01T00:00:00Z"),
            created_by: "x".into(),
            expires_at: expires.map(t),
            key: "kadm_e_…".into(),
            show_once: false,
            previous: None,
            rotated_at: None,
            rotate_every: None,
            rate_limit: None,
            user: None,
            rules: vec![],
            origins: vec![],
            ips: vec![],
            tags: vec![],
            last_used_at: None,
            current_used_at: None,
            previous_used_at: None,
            expiry_set_at: None,
        }
    }

    const DAYS: [u32; 5] = [30, 14, 7, 3, 1];

    #[test]
    fn thresholds_are_crossed_at_exactly_n_days() {
        let k = key(Some("2026-03-01T00:00:00Z"), true);
        assert!(crossed_thresholds(&k, t("2026-01-29T23:59:59Z"), &DAYS).is_empty());
        assert_eq!(
            crossed_thresholds(&k, t("2026-01-30T00:00:00Z"), &DAYS),
            vec![30]
        );
        assert_eq!(
            crossed_thresholds(&k, t("2026-02-22T00:00:00Z"), &DAYS),
            vec![30, 14, 7]
        );
        assert!(crossed_thresholds(&k, t("2026-03-01T00:00:00Z"), &DAYS).is_empty());
        let off = key(Some("2026-03-01T00:00:00Z"), false);
        assert!(crossed_thresholds(&off, t("2026-02-28T00:00:00Z"), &DAYS).is_empty());
        assert!(crossed_thresholds(&key(None, true), t("2026-02-28T00:00:00Z"), &DAYS).is_empty());
    }

    #[test]
    fn a_threshold_applies_only_if_the_expiry_was_set_before_it() {
        let mut k = key(Some("2026-03-01T00:00:00Z"), true);
        k.expiry_set_at = Some(t("2026-01-30T00:00:00Z")); // exactly 30 days before
        assert!(crossed_thresholds(&k, t("2026-01-30T00:00:00Z"), &DAYS).is_empty());
        assert_eq!(
            crossed_thresholds(&k, t("2026-02-15T00:00:00Z"), &DAYS),
            vec![14]
        );
        k.expiry_set_at = Some(t("2026-01-29T23:59:59Z"));
        assert_eq!(
            crossed_thresholds(&k, t("2026-01-30T00:00:00Z"), &DAYS),
            vec![30]
        );
        k.expiry_set_at = Some(t("2026-02-28T23:58:00Z")); // two minutes before
        assert!(crossed_thresholds(&k, t("2026-02-28T23:59:00Z"), &DAYS).is_empty());
    }

    #[test]
    fn a_gap_sends_only_the_nearest_and_passes_the_rest() {
        assert_eq!(
            notice_due(&[30, 14, 7], &[30]),
            Some(NoticeDue {
                threshold: 7,
                passed: vec![14]
            })
        );
        assert_eq!(notice_due(&[30, 14, 7], &[30, 14, 7]), None);
        assert_eq!(notice_due(&[], &[]), None);
    }

    #[test]
    fn days_left_rounds_up_and_purge_waits() {
        let now = t("2026-01-01T00:00:00Z");
        assert_eq!(days_left(t("2026-01-08T00:00:00Z"), now), 7);
        assert_eq!(days_left(t("2026-01-07T12:00:00Z"), now), 7);
        assert_eq!(days_left(now, now), 0);
        let k = key(Some("2026-01-01T00:00:00Z"), true);
        assert!(!purge_due(&k, t("2026-01-07T23:59:59Z"), 7 * 86_400));
        assert!(purge_due(&k, t("2026-01-08T00:00:00Z"), 7 * 86_400));
        assert!(purge_due(&k, now, 0));
        assert!(!purge_due(&key(None, true), now, 0));
    }

    #[test]
    fn notice_window_is_the_largest_threshold() {
        let k = key(Some("2026-01-20T00:00:00Z"), true);
        assert_eq!(
            notice_window_days_left(&k, t("2026-01-01T00:00:00Z"), &[7, 3]),
            None
        );
        assert_eq!(
            notice_window_days_left(&k, t("2026-01-15T00:00:00Z"), &[7, 3]),
            Some(5)
        );
    }
}
