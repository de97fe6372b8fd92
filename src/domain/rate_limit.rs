//! Per-key rate limits (`--rate-limit 100/1m`): a token bucket of `count`
//! requests, refilled evenly over `per` seconds. Stored on the key as its
//! text (`100/1m`); enforced in memory by a serving process (`serve`,
//! `verify --batch`) on the monotonic clock, so every serving process
//! keeps its own buckets.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};

use crate::domain::expiry::{format_duration, parse_duration};
use crate::error::{Error, Result};

/// At most this many requests per period.
pub const MAX_COUNT: u32 = 1_000_000_000;

/// `count` requests per `per` seconds, with bursts of up to `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    pub count: u32,
    pub per: u64,
}

impl RateLimit {
    /// Tokens per second.
    fn rate(&self) -> f64 {
        self.count as f64 / self.per as f64
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, format_duration(self.per))
    }
}

impl Serialize for RateLimit {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for RateLimit {
    type Err = Error;
    /// `COUNT/PERIOD`: `100/1m`, `5/s` (a period without a number is one of
    /// its unit), `10000/1d`.
    fn from_str(input: &str) -> Result<RateLimit> {
        let bad = |why: &str| {
            Error::usage(format!(
                "invalid rate limit \"{}\": {why}",
                input.escape_debug()
            ))
            .hint("write COUNT/PERIOD, e.g. 100/1m, 10/s or 5000/1h (or --no-rate-limit)")
        };
        let s = input.trim();
        let Some((count, per)) = s.split_once('/') else {
            return Err(bad("expected COUNT/PERIOD"));
        };
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the count must be a whole number"));
        }
        let count: u32 = count
            .parse()
            .ok()
            .filter(|c| (1..=MAX_COUNT).contains(c))
            .ok_or_else(|| bad("the count must be from 1 to 1000000000"))?;
        let per = per.trim();
        let per = if per.len() == 1 && per.bytes().all(|b| b.is_ascii_alphabetic()) {
            format!("1{per}")
        } else {
            per.to_string()
        };
        let per = parse_duration(&per, false).map_err(|_| {
            bad("the period must be a whole number and a unit s, m, h or d, e.g. 1m")
        })?;
        if per > 366 * 86_400 {
            return Err(bad("the period must be at most a year"));
        }
        Ok(RateLimit { count, per })
    }
}

/// One key's bucket: full at first, refilled on the monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub fn full(limit: &RateLimit, now: Instant) -> Bucket {
        Bucket {
            tokens: limit.count as f64,
            at: now,
        }
    }

    /// Takes one token at `now`; `Err(wait)` when there is none, with how
    /// long until there is one (what `Retry-After` says, rounded up).
    pub fn take(&mut self, limit: &RateLimit, now: Instant) -> std::result::Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = self.at.max(now);
        self.tokens = (self.tokens + elapsed * limit.rate()).min(limit.count as f64);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / limit.rate()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (input, count, per, shown) in [
            ("100/1m", 100, 60, "100/1m"),
            ("10/s", 10, 1, "10/1s"),
            ("2/1h", 2, 3600, "2/1h"),
            ("5000/90s", 5000, 90, "5000/90s"),
            (" 7/2d ", 7, 172_800, "7/2d"),
        ] {
            let r: RateLimit = input.parse().unwrap();
            assert_eq!((r.count, r.per), (count, per), "{input}");
            assert_eq!(r.to_string(), shown);
            assert_eq!(shown.parse::<RateLimit>().unwrap(), r);
        }
        for bad in [
            "",
            "100",
            "/1m",
            "0/1m",
            "-1/1m",
            "1.5/1m",
            "10/0",
            "10/1x",
            "10/",
            "a/1m",
            "10/2y",
            "2000000000/1s",
        ] {
            let e = bad.parse::<RateLimit>().unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.message().hint.is_some());
        }
    }

    #[test]
    fn a_bucket_allows_a_burst_then_refills_evenly() {
        let limit: RateLimit = "2/1m".parse().unwrap();
        let t0 = Instant::now();
        let mut b = Bucket::full(&limit, t0);
        assert!(b.take(&limit, t0).is_ok());
        assert!(b.take(&limit, t0).is_ok());
        let wait = b.take(&limit, t0).unwrap_err();
        assert!((29.9..=30.1).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!(b.take(&limit, t0 + Duration::from_secs(29)).is_err());
        assert!(b.take(&limit, t0 + Duration::from_secs(31)).is_ok());
        assert!(b.take(&limit, t0 + Duration::from_secs(31)).is_err());
        // Never more than the burst, however long it rested.
        let later = t0 + Duration::from_secs(3600);
        assert!(b.take(&limit, later).is_ok());
        assert!(b.take(&limit, later).is_ok());
        assert!(b.take(&limit, later).is_err());
    }
}
