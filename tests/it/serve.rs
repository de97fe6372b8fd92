//! `keyadm serve` (issue 14): started on a free loopback port, every
//! endpoint driven with a real HTTP client (ureq); a real nginx in front
//! (`auth_request`); reload on `keyadm disable`; SIGTERM; bad `--listen`
//! and a taken port.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{assert_error_form, Env};

/// A running `keyadm serve`, killed when dropped.
struct Serve {
    child: Child,
    addr: String,
    /// Its stderr lines, as they come.
    stderr: mpsc::Receiver<String>,
}

impl Serve {
    fn start(env: &Env, extra: &[&str]) -> Serve {
        Serve::start_at(env, "127.0.0.1:0", extra)
    }

    fn start_at(env: &Env, listen: &str, extra: &[&str]) -> Serve {
        let mut child = env
            .std_cmd()
            .args(["serve", "--listen", listen])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let (tx, rx) = mpsc::channel();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| {
                panic!("serve did not say where it listens: {:?}", child.try_wait())
            });
            assert!(!line.contains("panicked"), "{line}");
            if let Some(rest) = line.strip_prefix("keyadm serve: listening on ") {
                let addr = rest.split_whitespace().next().unwrap().to_string();
                return Serve {
                    child,
                    addr,
                    stderr: rx,
                };
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn sigterm(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's PID.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// A response: status, the headers asked for, body.
struct Got {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn got(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Got {
    let mut r = r.expect("the server answers");
    Got {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.body_mut().read_to_string().unwrap(),
    }
}

fn get(url: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    got(req.call())
}

fn post(url: &str, body: &str) -> Got {
    got(agent().post(url).send(body))
}

fn bearer(v: &str) -> String {
    format!("Bearer {v}")
}

#[test]
fn every_endpoint_answers_as_documented() {
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    let good = env.generate("billing", &[]);
    let scoped = env.generate(
        "reports",
        &["--type", "custom", "--allow", "GET /api/v1/reports/*"],
    );
    let off = env.generate("old", &[]);
    env.ok(&["disable", "old", "--yes"]);
    let limited = env.generate("limited", &["--rate-limit", "2/1h"]);
    let log = env.dir.path().join("access.log");
    let s = Serve::start(&env, &["--access-log", log.to_str().unwrap()]);
    let auth = s.url("/v1/auth");

    // 200 with the key's identity, from Bearer or X-API-Key, for any method.
    let r = get(&auth, &[("Authorization", &bearer(&good))]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-keyadm-key-name"), Some("billing"));
    assert_eq!(r.header("x-keyadm-tenant"), Some("default"));
    assert_eq!(r.header("x-keyadm-key-id").map(str::len), Some(12));
    assert_eq!(r.header("x-keyadm-user"), None);
    let r = got(agent().post(&auth).header("X-API-Key", &good).send(""));
    assert_eq!(r.status, 200);
    // 401: no key, a malformed one, an unknown one.
    let r = get(&auth, &[]);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (401, Some("missing_key"))
    );
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = get(&auth, &[("Authorization", "Bearer not-a-key")]);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (401, Some("malformed"))
    );
    let stranger = {
        let other = Env::new();
        other.generate("x", &[])
    };
    let r = get(&auth, &[("Authorization", &bearer(&stranger))]);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (401, Some("unknown"))
    );
    // 403: a known key denied, with the reason.
    let r = get(&auth, &[("Authorization", &bearer(&off))]);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("disabled"))
    );
    assert_eq!(r.header("x-keyadm-key-name"), Some("old"));
    let ok = get(
        &auth,
        &[
            ("Authorization", &bearer(&scoped)),
            ("X-Original-Method", "GET"),
            ("X-Original-URI", "/api/v1/reports/7?full=1"),
        ],
    );
    assert_eq!(ok.status, 200);
    let r = get(
        &auth,
        &[
            ("Authorization", &bearer(&scoped)),
            ("X-Forwarded-Method", "DELETE"),
            ("X-Forwarded-Uri", "/api/v1/reports/7"),
        ],
    );
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("rule_not_allowed"))
    );
    // 429 with Retry-After once the bucket is empty (2 an hour: no race).
    for _ in 0..2 {
        assert_eq!(get(&auth, &[("X-API-Key", &limited)]).status, 200);
    }
    let r = get(&auth, &[("X-API-Key", &limited)]);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (429, Some("rate_limited"))
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1700..=1800).contains(&retry), "{retry}");

    // POST /v1/verify: the decision object, 200 for allowed and denied alike.
    let r = post(&s.url("/v1/verify"), &format!(r#"{{"key":"{good}"}}"#));
    assert_eq!(r.status, 200);
    let d: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (d["allowed"].as_bool(), d["name"].as_str()),
        (Some(true), Some("billing"))
    );
    let one_shot: serde_json::Value =
        serde_json::from_str(&env.run_stdin(&["verify", "--json"], &good).stdout).unwrap();
    assert_eq!(d, one_shot, "the shape of verify --json");
    assert_eq!(
        d["matched"], "current",
        "which value matched (issue 15 item 6)"
    );
    let r = post(
        &s.url("/v1/verify"),
        &format!(r#"{{"key":"{scoped}","method":"POST","url":"/api/v1/reports/7"}}"#),
    );
    assert_eq!(r.status, 200);
    let d: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(d["reason"], "rule_not_allowed");
    let r = post(&s.url("/v1/verify"), &format!(r#"{{"key":"{limited}"}}"#));
    let d: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(d["reason"], "rate_limited");
    let r = post(&s.url("/v1/verify"), &format!("[\"{good}\"]"));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("bad_request"), "{}", r.body);
    assert!(!r.body.contains(&good), "a key echoed: {}", r.body);
    let huge = format!(r#"{{"key":"{good}","url":"/{}"}}"#, "a".repeat(100_000));
    assert_eq!(post(&s.url("/v1/verify"), &huge).status, 413);
    assert_eq!(get(&s.url("/v1/verify"), &[]).status, 405);
    assert_eq!(get(&s.url("/nothing"), &[]).status, 404);

    // /healthz and /metrics.
    let h = get(&s.url("/healthz"), &[]);
    assert_eq!((h.status, h.body.as_str()), (200, "ok\n"));
    let m = get(&s.url("/metrics"), &[]);
    assert_eq!(m.status, 200);
    for line in [
        "keyadm_decisions_total{endpoint=\"auth\",outcome=\"allowed\"} 5",
        "keyadm_decisions_total{endpoint=\"auth\",outcome=\"missing_key\"} 1",
        "keyadm_decisions_total{endpoint=\"auth\",outcome=\"disabled\"} 1",
        "keyadm_decisions_total{endpoint=\"auth\",outcome=\"rate_limited\"} 1",
        "keyadm_decisions_total{endpoint=\"verify\",outcome=\"rule_not_allowed\"} 1",
        "keyadm_keys_loaded 4",
        "# TYPE keyadm_decision_seconds histogram",
        "keyadm_decision_seconds_bucket{le=\"+Inf\"} ",
        "keyadm_seconds_since_reload ",
    ] {
        assert!(m.body.contains(line), "no {line:?} in\n{}", m.body);
    }
    // The access log has key IDs, never a value.
    drop(s);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 20, "{text}");
    assert!(lines
        .iter()
        .any(|l| l["status"] == 429 && l["reason"] == "rate_limited"));
    assert!(lines
        .iter()
        .any(|l| l["key_id"].as_str().is_some_and(|k| k.len() == 12)));
    for v in [&good, &scoped, &off, &limited, &stranger] {
        assert!(!text.contains(v.as_str()), "a key value in the access log");
        assert!(!m.body.contains(v.as_str()), "a key value in the metrics");
    }
}

#[test]
fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let env = Env::new();
    let v = env.generate("office", &["--ip", "203.0.113.0/24"]);
    let headers = [
        ("Authorization", bearer(&v)),
        ("X-Forwarded-For", "203.0.113.9".to_string()),
    ];
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let plain = Serve::start(&env, &[]);
    let r = get(&plain.url("/v1/auth"), &h);
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("ip_not_allowed"))
    );
    let behind = Serve::start(&env, &["--trusted-proxy", "127.0.0.0/8"]);
    assert_eq!(get(&behind.url("/v1/auth"), &h).status, 200);
    let real_ip = [("Authorization", h[0].1), ("X-Real-IP", "203.0.113.10")];
    assert_eq!(get(&behind.url("/v1/auth"), &real_ip).status, 200);
    let outside = [
        ("Authorization", h[0].1),
        ("X-Forwarded-For", "198.51.100.1"),
    ];
    assert_eq!(get(&behind.url("/v1/auth"), &outside).status, 403);
}

#[test]
fn a_key_disabled_while_serve_runs_is_denied_within_five_seconds() {
    let env = Env::new();
    let v = env.generate("billing", &[]);
    let s = Serve::start(&env, &[]);
    let auth = s.url("/v1/auth");
    let key = [("Authorization", bearer(&v))];
    let h: Vec<(&str, &str)> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(get(&auth, &h).status, 200);
    env.ok(&["disable", "billing", "--yes"]);
    let started = Instant::now();
    loop {
        let r = get(&auth, &h);
        if r.status == 403 {
            assert_eq!(r.header("x-keyadm-reason"), Some("disabled"));
            break;
        }
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still allowed after 5 s"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    // A key added is seen too.
    let added = env.generate("added", &[]);
    let started = Instant::now();
    while get(&auth, &[("X-API-Key", &added)]).status != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "a new key never seen"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Issue 12 item 20: serve keeps the head witness; a store put back from an
/// older copy is denied `store_rolled_back` until `--accept-head`.
#[test]
fn serve_denies_a_rolled_back_store_until_accept_head() {
    let env = Env::new();
    let v = env.generate("billing", &[]);
    let db = env.db();
    let copy = |from: &Path, to: &Path| {
        for s in ["", "-wal"] {
            let f = format!("{}{s}", from.display());
            let t = format!("{}{s}", to.display());
            let _ = std::fs::remove_file(&t);
            if Path::new(&f).exists() {
                std::fs::copy(&f, &t).unwrap();
            }
        }
        let _ = std::fs::remove_file(format!("{}-shm", to.display()));
    };
    let backup = env.dir.path().join("backup.db");
    copy(&db, &backup);
    env.ok(&["disable", "billing", "--yes"]);
    {
        // serve sees (and witnesses) the newer head.
        let s = Serve::start(&env, &[]);
        let r = post(&s.url("/v1/verify"), &format!(r#"{{"key":"{v}"}}"#));
        assert!(r.body.contains(r#""reason":"disabled""#), "{}", r.body);
    }
    copy(&backup, &db);
    let s = Serve::start(&env, &[]);
    let r = post(&s.url("/v1/verify"), &format!(r#"{{"key":"{v}"}}"#));
    assert!(
        r.body.contains(r#""reason":"store_rolled_back""#),
        "{}",
        r.body
    );
    let r = get(&s.url("/v1/auth"), &[("X-API-Key", &v)]);
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-keyadm-reason"), Some("store_rolled_back"));
    let h = get(&s.url("/healthz"), &[]);
    assert_eq!(h.status, 503, "{}", h.body);
    assert!(
        h.body.starts_with("store_rolled_back: chain default"),
        "{}",
        h.body
    );
    let m = get(&s.url("/metrics"), &[]);
    assert!(
        m.body.contains(r#"outcome="store_rolled_back"} 1"#),
        "{}",
        m.body
    );
    drop(s);
    let s = Serve::start(&env, &["--accept-head"]);
    let r = post(&s.url("/v1/verify"), &format!(r#"{{"key":"{v}"}}"#));
    assert!(r.body.contains(r#""allowed":true"#), "{}", r.body);
    assert_eq!(get(&s.url("/healthz"), &[]).status, 200);
}

#[test]
fn sigterm_drains_and_exits_0_and_a_unix_socket_works() {
    let env = Env::new();
    let v = env.generate("billing", &[]);
    let sock = env.dir.path().join("serve.sock");
    let mut s = Serve::start_at(&env, &format!("unix:{}", sock.display()), &[]);
    assert_eq!(s.addr, format!("unix:{}", sock.display()));
    // A raw HTTP/1.1 request over the socket (ureq speaks TCP only).
    let mut c = std::os::unix::net::UnixStream::connect(&sock).unwrap();
    write!(
        c,
        "GET /v1/auth HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {v}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-keyadm-key-name: billing"),
        "{answer}"
    );
    // An idle keep-alive connection does not hold up the exit.
    let mut idle = std::os::unix::net::UnixStream::connect(&sock).unwrap();
    write!(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 256];
    let _ = idle.read(&mut buf).unwrap();
    assert_eq!(s.sigterm(), 0);
    let rest: Vec<String> = s.stderr.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    assert!(!sock.exists(), "the socket file is removed");
}

#[test]
fn a_bad_listen_is_exit_2_and_a_taken_port_exit_5() {
    let env = Env::new();
    env.generate("billing", &[]);
    for bad in [
        "localhost",
        "127.0.0.1",
        "127.0.0.1:99999",
        "unix:relative.sock",
        "example.com:80",
    ] {
        let e = env.fails(&["serve", "--listen", bad], 2);
        assert_error_form(&e);
        assert!(e.contains("--listen"), "{e}");
    }
    let e = env.fails(&["serve", "--trusted-proxy", "not-a-cidr"], 2);
    assert_error_form(&e);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let e = env.fails(&["serve", "--listen", &addr], 5);
    assert_error_form(&e);
    assert!(e.contains("another process listens there"), "{e}");
    // A missing store: exit 5 with a hint, no store created.
    let empty = Env::new();
    let e = empty.fails(&["serve", "--listen", "127.0.0.1:0"], 5);
    assert_error_form(&e);
    assert!(!empty.db().exists());
}

#[test]
fn envoy_path_prefix_form_checks_the_appended_path_and_the_method() {
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    let scoped = env.generate(
        "reports",
        &["--type", "custom", "--allow", "GET /api/v1/reports/*"],
    );
    let s = Serve::start(&env, &[]);
    // Envoy (path_prefix: /v1/auth) sends the original method and path.
    let r = get(
        &s.url("/v1/auth/api/v1/reports/7?full=1"),
        &[("Authorization", &bearer(&scoped))],
    );
    assert_eq!(r.status, 200, "{:?}", r.header("x-keyadm-reason"));
    assert_eq!(r.header("x-keyadm-key-name"), Some("reports"));
    let r = get(
        &s.url("/v1/auth/api/v1/admin"),
        &[("Authorization", &bearer(&scoped))],
    );
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("rule_not_allowed"))
    );
    // The method is the request's own; headers cannot name another path.
    let r = got(agent()
        .delete(&s.url("/v1/auth/api/v1/reports/7"))
        .header("Authorization", &bearer(&scoped))
        .header("X-Original-Method", "GET")
        .header("X-Forwarded-Method", "GET")
        .call());
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("rule_not_allowed"))
    );
    let r = get(
        &s.url("/v1/auth/api/v1/admin"),
        &[
            ("Authorization", &bearer(&scoped)),
            ("X-Original-URI", "/api/v1/reports/7"),
            ("X-Forwarded-Uri", "/api/v1/reports/7"),
        ],
    );
    assert_eq!(r.status, 403, "a header chose what was checked");
    // An encoded separator is refused, not normalised into a pass.
    let r = get(
        &s.url("/v1/auth/api/v1/reports/..%2fadmin"),
        &[("Authorization", &bearer(&scoped))],
    );
    assert_eq!(
        (r.status, r.header("x-keyadm-reason")),
        (403, Some("bad_path"))
    );
}

/// nginx, or why not: `None` locally (skip), a panic in CI.
fn nginx() -> Option<&'static str> {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(p).exists() {
            return Some(p);
        }
    }
    let why = "nginx is not installed (apt-get install -y nginx-light)";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the nginx test cannot run in CI: {why}");
    }
    eprintln!("SKIPPED nginx test: {why}");
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The nginx server block that the README's "keyadm serve" section shows.
fn readme_nginx_server() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let at = readme
        .find("<!-- nginx-auth-request:")
        .expect("the README's nginx config marker");
    let rest = &readme[at..];
    let start = rest.find("```nginx\n").expect("an nginx block") + "```nginx\n".len();
    let len = rest[start..].find("```").expect("the block's end");
    rest[start..start + len].to_string()
}

#[test]
fn nginx_auth_request_through_serve() {
    let Some(bin) = nginx() else { return };
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    let good = env.generate("billing", &[]);
    let scoped = env.generate(
        "reports",
        &["--type", "custom", "--allow", "GET /api/public/**"],
    );
    let limited = env.generate("limited", &["--rate-limit", "1/1h"]);
    let s = Serve::start(&env, &["--trusted-proxy", "127.0.0.1/32"]);
    let prefix = env.dir.path().join("nginx");
    std::fs::create_dir_all(prefix.join("logs")).unwrap();
    let (front, upstream) = (free_port(), free_port());
    let p = prefix.display();
    // Running as root (CI), nginx's workers would switch to `nobody`: stay root.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root root;"
    } else {
        ""
    };
    // The front server is the README's, with this test's ports.
    let mut front_server = readme_nginx_server();
    for (placeholder, here) in [
        ("127.0.0.1:8000", format!("127.0.0.1:{front}")),
        ("127.0.0.1:8417", s.addr.clone()),
        ("127.0.0.1:9000", format!("127.0.0.1:{upstream}")),
    ] {
        assert!(front_server.contains(placeholder), "{placeholder}");
        front_server = front_server.replace(placeholder, &here);
    }
    let conf = format!(
        r#"{user}
daemon off;
master_process off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {p}/body;
    proxy_temp_path {p}/proxy;
    fastcgi_temp_path {p}/fastcgi;
    uwsgi_temp_path {p}/uwsgi;
    scgi_temp_path {p}/scgi;
    server {{
        listen 127.0.0.1:{upstream};
        location / {{ return 200 "upstream saw $http_x_key_name\n"; }}
    }}
{front_server}
}}
"#
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(bin)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx starts");
    let _nginx = Nginx(child);
    let base = format!("http://127.0.0.1:{front}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", front)).is_err() {
        let log = std::fs::read_to_string(prefix.join("logs/error.log")).unwrap_or_default();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not start: {log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A good key reaches the upstream, which learns the key's name.
    let r = get(
        &format!("{base}/api/anything"),
        &[("Authorization", &bearer(&good))],
    );
    assert_eq!((r.status, r.body.as_str()), (200, "upstream saw billing\n"));
    // An unknown key and no key: 401.
    assert_eq!(
        get(
            &format!("{base}/api/x"),
            &[("Authorization", "Bearer kadm_e_nope")]
        )
        .status,
        401
    );
    assert_eq!(get(&format!("{base}/api/x"), &[]).status, 401);
    // The rules see the original request; a client-sent X-Original-URI changes nothing.
    assert_eq!(
        get(&format!("{base}/api/public/a"), &[("X-API-Key", &scoped)]).status,
        200
    );
    assert_eq!(
        get(&format!("{base}/api/admin"), &[("X-API-Key", &scoped)]).status,
        403
    );
    let r = get(
        &format!("{base}/api/admin"),
        &[
            ("X-API-Key", &scoped),
            ("X-Original-URI", "/api/public/a"),
            ("X-Original-Method", "GET"),
        ],
    );
    assert_eq!(r.status, 403, "the client chose what was checked");
    // Rate-limited: 429 with Retry-After.
    assert_eq!(
        get(&format!("{base}/api/x"), &[("X-API-Key", &limited)]).status,
        200
    );
    let r = get(&format!("{base}/api/x"), &[("X-API-Key", &limited)]);
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().unwrap() > 3000));
}
