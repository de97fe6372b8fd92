//! Allow-rule matching as `verify` uses it: a table of cases, and
//! properties that hold for any path.

use keyadm::domain::rules::Rule;
use proptest::prelude::*;

fn allows(rule: &str, method: &str, url: &str) -> bool {
    rule.parse::<Rule>().unwrap().allows(method, url)
}

#[test]
fn the_table() {
    let cases: &[(&str, &str, &str, bool)] = &[
        // `*` is one segment, or part of one
        ("GET /api/v1/users/*", "GET", "/api/v1/users/7", true),
        // ... but never an empty one (0.1 allowed `/api/v1/users/`)
        ("GET /api/v1/users/*", "GET", "/api/v1/users/", false),
        ("GET /api/v1/users/*", "GET", "/api/v1/users", false),
        ("GET /api/v1/users/*", "GET", "/api/v1/users/7/keys", false),
        ("GET /api/*/users", "GET", "/api/v2/users", true),
        ("GET /api/*/users", "GET", "/api/v2/x/users", false),
        ("GET /files/*.csv", "GET", "/files/report.csv", true),
        ("GET /files/*.csv", "GET", "/files/report.csv.gz", false),
        ("GET /files/*.csv", "GET", "/files/a/b.csv", false),
        ("GET /a*b*c", "GET", "/aXXbYYc", true),
        ("GET /a*b*c", "GET", "/acb", false),
        // `**` crosses segments
        ("GET /api/**", "GET", "/api", true),
        ("GET /api/**", "GET", "/api/", true),
        ("GET /api/**", "GET", "/api/v1/users/7/keys", true),
        ("GET /api/**", "GET", "/apiv1", false),
        ("GET /api/**/keys", "GET", "/api/keys", true),
        ("GET /api/**/keys", "GET", "/api/v1/users/7/keys", true),
        ("GET /api/**/keys", "GET", "/api/v1/users/7/keys/1", false),
        ("GET /**", "GET", "/", true),
        ("GET /**", "GET", "/anything/at/all", true),
        // methods
        ("GET /x", "get", "/x", true),
        ("GET /x", "POST", "/x", false),
        ("* /x", "DELETE", "/x", true),
        ("PATCH /x", "PATCH", "/x", true),
        // the query string and fragment are ignored
        ("GET /x/*", "GET", "/x/1?y=/z/w", true),
        ("GET /x", "GET", "/x?a=1", true),
        ("GET /x", "GET", "/x#top", true),
        // full-URL patterns compare scheme and host too
        (
            "GET https://api.example.com/v1/*",
            "GET",
            "https://api.example.com/v1/x",
            true,
        ),
        (
            "GET https://api.example.com/v1/*",
            "GET",
            "https://API.example.com/v1/x",
            true,
        ),
        (
            "GET https://api.example.com/v1/*",
            "GET",
            "http://api.example.com/v1/x",
            false,
        ),
        (
            "GET https://api.example.com/v1/*",
            "GET",
            "https://api.example.com.evil.com/v1/x",
            false,
        ),
        ("GET https://api.example.com/v1/*", "GET", "/v1/x", false),
        // a path pattern matches the path of a full URL
        ("GET /v1/*", "GET", "https://any.example.com/v1/x", true),
        // case matters in paths
        ("GET /API/x", "GET", "/api/x", false),
        // garbage never matches
        ("GET /**", "GET", "no-slash", false),
        ("GET /**", "GET", "", false),
    ];
    for (rule, method, url, want) in cases {
        assert_eq!(allows(rule, method, url), *want, "{rule} | {method} {url}");
    }
}

/// Dot segments are left out: a request's `.` and `..` are removed before
/// matching, and a pattern may not hold them (see `tests/it/paths.rs`).
fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._~-]{1,8}".prop_filter("no dot segment", |s| s != "." && s != "..")
}

fn path() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(segment(), 1..6)
}

fn join(segs: &[String]) -> String {
    format!("/{}", segs.join("/"))
}

proptest! {
    #[test]
    fn a_literal_pattern_matches_itself_and_nothing_longer(segs in path(), extra in segment()) {
        let p = join(&segs);
        let rule = format!("GET {p}");
        prop_assert!(allows(&rule, "GET", &p));
        let longer = format!("{p}/{extra}");
        prop_assert!(!allows(&rule, "GET", &longer));
    }

    #[test]
    fn a_star_stands_for_exactly_one_segment(segs in path(), i in 0usize..6, extra in segment()) {
        let i = i % segs.len();
        let mut pat = segs.clone();
        pat[i] = "*".into();
        let rule = format!("GET {}", join(&pat));
        prop_assert!(allows(&rule, "GET", &join(&segs)));
        let mut more = segs.clone();
        more.insert(i, extra);
        prop_assert!(!allows(&rule, "GET", &join(&more)));
    }

    #[test]
    fn a_double_star_stands_for_any_tail(head in path(), tail in prop::collection::vec(segment(), 0..5)) {
        let rule = format!("GET {}/**", join(&head));
        let mut all = head.clone();
        all.extend(tail);
        prop_assert!(allows(&rule, "GET", &join(&all)));
    }

    #[test]
    fn the_query_string_never_changes_the_answer(segs in path(), other in path(), q in "[a-z0-9=&/*]{0,20}") {
        let rule = format!("GET {}", join(&segs));
        for url in [join(&segs), join(&other)] {
            let with_query = format!("{url}?{q}");
            prop_assert_eq!(allows(&rule, "GET", &url), allows(&rule, "GET", &with_query));
        }
    }

    #[test]
    fn a_pattern_without_double_star_keeps_the_segment_count(segs in path(), other in path()) {
        let pat: Vec<String> = segs.iter().map(|_| "*".to_string()).collect();
        let rule = format!("GET {}", join(&pat));
        prop_assert_eq!(allows(&rule, "GET", &join(&other)), other.len() == segs.len());
    }
}
