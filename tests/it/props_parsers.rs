//! Property tests of the parsers and the rule matcher: they never panic on
//! any input, and what they print they read back the same.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use keyadm::domain::expiry::{
    format_duration, parse_duration, parse_expiry, Expiry, MAX_DURATION_SECS,
};
use keyadm::domain::key::KeyType;
use keyadm::domain::rules::{path_matches, IpRange, Origin, Rule};
use keyadm::domain::value::{generate_value, parse_value, BASE62};

const UNITS: [(char, u64); 6] = [
    ('s', 1),
    ('m', 60),
    ('h', 3_600),
    ('d', 86_400),
    ('w', 604_800),
    ('y', 31_536_000),
];

fn now_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970 .. 2200
    (0i64..7_258_118_400).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn key_type() -> impl Strategy<Value = KeyType> {
    prop_oneof![
        Just(KeyType::Internal),
        Just(KeyType::External),
        Just(KeyType::Custom),
        Just(KeyType::Desktop)
    ]
}

/// Text that looks like our inputs often, and like anything sometimes.
fn near_duration() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ 0-9+\\-.]{0,25}[smhdwyDµ٣ ]?",
        "[0-9]{1,30}[smhdwy]",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_duration_never_panics(s in near_duration(), zero in any::<bool>()) {
        if let Ok(secs) = parse_duration(&s, zero) {
            prop_assert!(secs <= MAX_DURATION_SECS);
            prop_assert!(zero || secs > 0);
        }
    }

    #[test]
    fn durations_parse_to_their_seconds(n in 1u64..=36_500, u in 0usize..6) {
        let (unit, per) = UNITS[u];
        let got = parse_duration(&format!("{n}{unit}"), false);
        if n * per <= MAX_DURATION_SECS {
            prop_assert_eq!(got.unwrap(), n * per);
        } else {
            prop_assert!(got.is_err());
        }
    }

    #[test]
    fn format_duration_round_trips(secs in 0u64..=MAX_DURATION_SECS) {
        prop_assert_eq!(parse_duration(&format_duration(secs), true).unwrap(), secs);
    }

    #[test]
    fn parse_expiry_never_panics_and_is_never_in_the_past(s in prop_oneof![any::<String>(), "[0-9T:\\-+Z ]{0,30}", "[0-9]{1,6}[smhdwy]"], now in now_strategy()) {
        match parse_expiry(&s, now) {
            Ok(Expiry::At(t)) => prop_assert!(t > now, "{:?} → {} is not after {}", s, t, now),
            Ok(Expiry::Never) => prop_assert!(s.trim().eq_ignore_ascii_case("never")),
            Err(_) => {}
        }
    }

    #[test]
    fn expiry_durations_count_from_now(n in 1u64..=3650, now in now_strategy()) {
        prop_assert_eq!(parse_expiry(&format!("{n}d"), now).unwrap(), Expiry::At(now + Duration::days(n as i64)));
    }

    #[test]
    fn rfc3339_expiries_round_trip(ahead in 1i64..3_000_000_000, now in now_strategy()) {
        let at = now + Duration::seconds(ahead);
        prop_assert_eq!(parse_expiry(&at.to_rfc3339(), now).unwrap(), Expiry::At(at));
    }

    #[test]
    fn parse_value_never_panics(s in prop_oneof![any::<String>(), "[a-z0-9]{1,11}_[a-z]_[0-9A-Za-z]{36,40}"]) {
        let _ = parse_value(&s);
    }

    #[test]
    fn generated_values_parse_back(prefix in "[a-z0-9]{2,10}", t in key_type()) {
        let v = generate_value(&prefix, t);
        let parsed = parse_value(v.expose()).unwrap();
        prop_assert_eq!(parsed.prefix, prefix);
        prop_assert_eq!(parsed.key_type, t);
    }

    #[test]
    fn any_single_character_change_is_caught(t in key_type(), pos in any::<prop::sample::Index>(), c in 0usize..62) {
        let v = generate_value("kadm", t);
        let mut chars: Vec<char> = v.expose().chars().collect();
        // Only the random body and the checksum: after "kadm_x_".
        let i = 7 + pos.index(chars.len() - 7);
        let new = BASE62[c] as char;
        prop_assume!(chars[i] != new);
        chars[i] = new;
        let typo: String = chars.into_iter().collect();
        prop_assert!(parse_value(&typo).is_err(), "{} passed the checksum", typo);
    }

    #[test]
    fn rule_parse_never_panics_and_round_trips(s in prop_oneof![
        any::<String>(),
        "(GET|POST|put|\\*|FETCH) (/|https://|http://|ftp://)[a-zA-Z0-9*/._?#-]{0,30}",
    ]) {
        if let Ok(rule) = s.parse::<Rule>() {
            let again: Rule = rule.to_string().parse().expect("a printed rule parses");
            prop_assert_eq!(again, rule);
        }
    }

    #[test]
    fn rule_matching_never_panics(rule in "(GET|\\*) /[a-z*/]{0,20}", method in "[A-Z]{0,7}", url in any::<String>()) {
        if let Ok(rule) = rule.parse::<Rule>() {
            let _ = rule.allows(&method, &url);
            let _ = rule.is_covered_by(&rule);
        }
    }

    #[test]
    fn a_literal_path_matches_itself_and_double_star_covers_below(segs in prop::collection::vec("[a-z0-9._-]{1,8}".prop_filter("no dot segment", |s| s != "." && s != ".."), 1..6), query in "[a-z=&]{0,10}") {
        let path = format!("/{}", segs.join("/"));
        let exact: Rule = format!("GET {path}").parse().unwrap();
        let with_query = format!("{path}?{query}");
        prop_assert!(exact.allows("GET", &with_query));
        prop_assert!(!exact.allows("POST", &path));
        let below: Rule = format!("* /{}/**", segs[0]).parse().unwrap();
        prop_assert!(below.allows("DELETE", &path) || segs.len() == 1);
        let one_below = format!("/{}/*", segs[0]);
        prop_assert!(path_matches(&one_below, &path) == (segs.len() == 2));
        prop_assert!(exact.is_covered_by(&below) || segs.len() == 1);
    }

    #[test]
    fn origins_and_ranges_never_panic(s in any::<String>(), ip in any::<std::net::IpAddr>()) {
        if let Ok(o) = s.parse::<Origin>() {
            let _ = o.allows(&s);
            prop_assert_eq!(o.to_string().parse::<Origin>().unwrap(), o);
        }
        if let Ok(r) = s.parse::<IpRange>() {
            let _ = r.contains(ip);
        }
    }

    #[test]
    fn ranges_round_trip_and_contain_their_address(ip in any::<std::net::IpAddr>(), p in 0u8..=128) {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let p = p % (max + 1);
        let r: IpRange = format!("{ip}/{p}").parse().unwrap();
        // A mapped address is its IPv4 client: only a range inside
        // ::ffff:0:0/96 (an IPv4 range) holds it.
        let mapped = matches!(ip, std::net::IpAddr::V6(a) if a.to_ipv4_mapped().is_some());
        prop_assert_eq!(r.contains(ip), !mapped || p >= 96);
        prop_assert_eq!(r.to_string().parse::<IpRange>().unwrap(), r);
    }

    #[test]
    fn mapped_addresses_are_their_ipv4_client(v4 in any::<std::net::Ipv4Addr>(), p in 0u8..=32) {
        let mapped = std::net::IpAddr::V6(v4.to_ipv6_mapped());
        let v4r: IpRange = format!("{v4}/{p}").parse().unwrap();
        prop_assert!(v4r.contains(mapped));
        let v6r: IpRange = format!("{}/{}", v4.to_ipv6_mapped(), 96 + p).parse().unwrap();
        prop_assert!(v6r.contains(std::net::IpAddr::V4(v4)));
        let any6: IpRange = "::/0".parse().unwrap();
        prop_assert!(!any6.contains(std::net::IpAddr::V4(v4)), "::/0 is IPv6 clients only");
        prop_assert!(!any6.contains(mapped), "a mapped address is its IPv4 client");
        prop_assert_eq!(v6r, v4r, "a mapped range is the IPv4 range");
    }
}
