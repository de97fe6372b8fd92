//! `notify` through its channels (issue 17, SPEC §5.11): email to a real
//! SMTP server (Python's aiosmtpd, Debian's python3-aiosmtpd) and a signed
//! webhook POST to an HTTP receiver on loopback, both started here; the
//! failures (RCPT refused, connection refused, HTTP 500) leave only that
//! channel's notice unsent, and the next run sends it once. The retry
//! budget is shortened with `KEYADM_TEST_NOTIFY_BUDGET_MS`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{self, Env, Run};
use hmac::{Hmac, Mac};
use serde_json::Value;

const SMTP_SINK: &str = r#"
import json, os, sys, time
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(os.path.join(out, "refuse-rcpt")):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(out) if f.endswith(".json")])
        tmp = os.path.join(out, ".msg.tmp")
        with open(tmp, "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "data": envelope.content.decode("utf-8", "replace")}, f)
        os.rename(tmp, os.path.join(out, "msg-%04d.json" % n))
        return "250 Message accepted for delivery"

c = Controller(Sink(), hostname="127.0.0.1", port=port)
c.start()
open(os.path.join(out, "ready"), "w").close()
while True:
    time.sleep(3600)
"#;

/// A free loopback port (bound, then released for the server to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An aiosmtpd server on loopback writing each message it accepts to a file.
struct Smtp {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Smtp {
    fn start(dir: &Path, port: u16) -> Smtp {
        std::fs::create_dir_all(dir).unwrap();
        let script = dir.join("sink.py");
        std::fs::write(&script, SMTP_SINK).unwrap();
        // Debian's interpreter: python3-aiosmtpd installs there (.ci/run).
        let child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("/usr/bin/python3 runs (apt-get install python3-aiosmtpd)");
        let mut s = Smtp {
            child,
            dir: dir.to_path_buf(),
            port,
        };
        let start = Instant::now();
        while !dir.join("ready").exists() {
            if let Ok(Some(_)) = s.child.try_wait() {
                let mut err = String::new();
                s.child.stderr.take().unwrap().read_to_string(&mut err).ok();
                panic!("the SMTP server did not start (apt-get install python3-aiosmtpd): {err}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "SMTP server start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    fn refuse_rcpt(&self, on: bool) {
        let p = self.dir.join("refuse-rcpt");
        match on {
            true => std::fs::write(p, "").unwrap(),
            false => std::fs::remove_file(p).unwrap(),
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One POST the receiver got, with whether its signature checked out.
#[derive(Debug, Clone)]
struct Post {
    timestamp: String,
    signature_ok: bool,
    body: Value,
    answered: u16,
}

/// An HTTP receiver on loopback: answers `status` and keeps every POST.
struct Hook {
    url: String,
    status: Arc<AtomicU16>,
    posts: Arc<Mutex<Vec<Post>>>,
    hits: Arc<AtomicUsize>,
}

fn signature(secret: &[u8], ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v1={hex}")
}

impl Hook {
    fn start(secret: &'static [u8]) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/keyadm", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(200));
        let posts = Arc::new(Mutex::new(Vec::new()));
        let hits = Arc::new(AtomicUsize::new(0));
        let (st, ps, hs) = (status.clone(), posts.clone(), hits.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let mut headers = std::collections::HashMap::new();
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let len: usize = headers
                    .get("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                hs.fetch_add(1, Ordering::SeqCst);
                let answered = st.load(Ordering::SeqCst);
                let ts = headers
                    .get("x-keyadm-timestamp")
                    .cloned()
                    .unwrap_or_default();
                let sig = headers
                    .get("x-keyadm-signature")
                    .cloned()
                    .unwrap_or_default();
                ps.lock().unwrap().push(Post {
                    signature_ok: line.starts_with("POST /keyadm ")
                        && sig == signature(secret, &ts, &body),
                    timestamp: ts,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    answered,
                });
                let _ = write!(
                    conn,
                    "HTTP/1.1 {answered} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Hook {
            url,
            status,
            posts,
            hits,
        }
    }

    fn accepted(&self) -> Vec<Post> {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.answered == 200)
            .cloned()
            .collect()
    }
}

const SECRET: &[u8] = b"s3cret-shared-with-the-receiver";

fn notify(env: &Env, extra: &[&str]) -> Run {
    env.cmd()
        .env("KEYADM_TEST_NOTIFY_BUDGET_MS", "600")
        .args(["-q", "notify"])
        .args(extra)
        .output()
        .expect("binary runs")
        .into()
}

/// A store with two admins with emails and a member, the SMTP channel at
/// `port`, and a key expiring in 40 days; returns the key's value and ID.
fn setup(env: &Env, port: u16) -> (String, String) {
    env.ok(&[
        "user",
        "add",
        "zoe",
        "--role",
        "admin",
        "--email",
        "zoe@example.com",
    ]);
    env.ok(&[
        "user",
        "add",
        "ann",
        "--role",
        "admin",
        "--email",
        "ann@example.com",
    ]);
    env.ok(&["user", "add", "bob", "--email", "bob@example.com"]);
    let smtp = format!("smtp://127.0.0.1:{port}");
    env.ok(&["config", "set", "notify-smtp", &smtp, "--insecure-smtp"]);
    env.ok(&["config", "set", "notify-from", "keyadm@example.com"]);
    let value = env.generate("billing", &["--expires", "40d"]);
    let id = env.show("billing")["id"].as_str().unwrap().to_string();
    (value, id)
}

/// A header's value, unfolded (a long Subject continues on the next line).
fn header(data: &str, name: &str) -> Option<String> {
    let head = data.split("\r\n\r\n").next().unwrap_or(data);
    let head = head.split("\n\n").next().unwrap_or(head);
    let unfolded = head.replace("\r\n ", " ").replace("\n ", " ");
    unfolded
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
}

#[test]
fn the_cron_line_emails_the_admins_at_each_threshold_exactly_once() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let dir = env.dir.path().join("smtp");
    let smtp = Smtp::start(&dir, free_port());
    let (value, id) = setup(&env, smtp.port);
    let mut days_seen = Vec::new();
    for (day, left) in [
        ("2026-01-11", 30),
        ("2026-01-27", 14),
        ("2026-02-03", 7),
        ("2026-02-07", 3),
        ("2026-02-09", 1),
    ] {
        env.now = Some(format!("{day}T00:00:00Z"));
        for _ in 0..2 {
            let r = notify(&env, &[]);
            assert_eq!(r.code, 0, "{day}: {}{}", r.stdout, r.stderr);
        }
        days_seen.push(left);
        assert_eq!(
            smtp.messages().len(),
            days_seen.len(),
            "{day}: one email, once"
        );
    }
    let msgs = smtp.messages();
    for (m, left) in msgs.iter().zip(&days_seen) {
        let data = m["data"].as_str().unwrap();
        let s = if *left == 1 { "" } else { "s" };
        assert_eq!(m["mail_from"], "keyadm@example.com");
        assert_eq!(
            m["rcpt_tos"],
            serde_json::json!(["ann@example.com", "zoe@example.com"]),
            "the tenant's admins, not the member"
        );
        assert_eq!(
            header(data, "To").as_deref(),
            Some("ann@example.com, zoe@example.com"),
            "{data}"
        );
        assert_eq!(
            header(data, "Subject"),
            Some(format!(
                "API key \"billing\" ({id}, organization default) expires in {left} day{s}"
            )),
            "{data}"
        );
        assert!(
            header(data, "Message-ID").is_some_and(|v| v.starts_with('<')),
            "{data}"
        );
        assert!(header(data, "Date").is_some(), "{data}");
        assert!(
            data.contains("Expires:       2026-02-10T00:00:00Z"),
            "{data}"
        );
        assert!(data.contains(&format!("Days left:     {left}")), "{data}");
        assert!(
            data.contains(&format!("keyadm edit {id} --expires 90d")),
            "{data}"
        );
        assert!(!data.contains(&value), "the body never carries the value");
        assert!(!data.contains("bob@example.com"));
    }
    // Delivery recorded per notice and channel; the audit names the channel.
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let rows: i64 = c
        .query_row(
            "SELECT count(*) FROM notice_deliveries WHERE channel = 'smtp' AND state = 'sent' AND attempts = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 5);
    let audit: Value =
        serde_json::from_str(&env.ok(&["audit", "--action", "notify", "--json"])).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 5);
    assert_eq!(audit[0]["details"]["via"], "smtp");
}

#[test]
fn a_refused_rcpt_leaves_the_email_unsent_and_the_next_run_sends_it_once() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let smtp = Smtp::start(&env.dir.path().join("smtp"), free_port());
    let (_, id) = setup(&env, smtp.port);
    env.now = Some("2026-01-11T00:00:00Z".into());
    smtp.refuse_rcpt(true);
    let r = notify(&env, &[]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    common::assert_error_form(&r.stderr);
    assert!(
        r.stderr.contains(&format!("billing ({id}) by smtp")),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("NOT SENT") && r.stdout.contains("550"),
        "{}",
        r.stdout
    );
    assert!(smtp.messages().is_empty());
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let (state, attempts): (String, i64) = c
        .query_row(
            "SELECT state, attempts FROM notice_deliveries WHERE channel = 'smtp'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (state.as_str(), attempts),
        ("failed", 1),
        "a 550 is not retried"
    );

    smtp.refuse_rcpt(false);
    let r = notify(&env, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(notify(&env, &[]).code, 0);
    assert_eq!(smtp.messages().len(), 1, "sent once");
}

#[test]
fn a_refused_connection_is_retried_within_the_budget_then_sent_by_the_next_run() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let port = free_port();
    let (_, id) = setup(&env, port);
    env.now = Some("2026-01-11T00:00:00Z".into());
    let start = Instant::now();
    let r = notify(&env, &[]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "bounded by the budget"
    );
    assert!(
        r.stderr.contains(&format!("billing ({id}) by smtp")),
        "{}",
        r.stderr
    );
    let c = rusqlite::Connection::open(env.db()).unwrap();
    let attempts: i64 = c
        .query_row("SELECT attempts FROM notice_deliveries", [], |r| r.get(0))
        .unwrap();
    assert!(attempts > 1, "retried with backoff: {attempts}");
    let due: i64 = c
        .query_row("SELECT count(*) FROM notices", [], |r| r.get(0))
        .unwrap();
    assert_eq!(due, 0, "not marked sent");

    let smtp = Smtp::start(&env.dir.path().join("smtp"), port);
    assert_eq!(notify(&env, &[]).code, 0);
    assert_eq!(notify(&env, &[]).code, 0);
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn smtp_accepting_while_the_webhook_fails_then_recovers_gives_one_email_and_one_post() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let smtp = Smtp::start(&env.dir.path().join("smtp"), free_port());
    let (value, id) = setup(&env, smtp.port);
    let hook = Hook::start(SECRET);
    let secret_file = env.dir.path().join("webhook.secret");
    common::write_private(&secret_file, [SECRET, b"\n"].concat());
    let setting = format!("{} secret-file={}", hook.url, secret_file.display());
    env.ok(&[
        "config",
        "set",
        "notify-webhook",
        &setting,
        "--webhook-format",
        "json",
    ]);
    // --exec keeps working beside the channels.
    let hook_log = env.dir.path().join("exec.log");
    let exec = format!("echo \"$KEYADM_KEY_ID\" >> {}", hook_log.display());

    env.now = Some("2026-01-11T00:00:00Z".into());
    hook.status.store(500, Ordering::SeqCst);
    let r = notify(&env, &["--exec", &exec]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!("billing ({id}) by webhook")),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("by smtp"), "{}", r.stderr);
    assert!(hook.hits.load(Ordering::SeqCst) > 1, "a 500 is retried");
    assert_eq!(smtp.messages().len(), 1);
    assert!(hook.accepted().is_empty());

    hook.status.store(200, Ordering::SeqCst);
    let r = notify(&env, &["--exec", &exec]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(notify(&env, &["--exec", &exec]).code, 0);
    assert_eq!(smtp.messages().len(), 1, "exactly one email");
    let posts = hook.accepted();
    assert_eq!(posts.len(), 1, "exactly one POST");
    let p = &posts[0];
    assert!(
        p.signature_ok,
        "signed: v1=hex(HMAC-SHA256(secret, ts.body))"
    );
    assert_eq!(p.timestamp, "1768089600", "KEYADM_NOW as Unix seconds");
    assert_eq!(p.body["key_id"], id.as_str());
    assert_eq!(p.body["name"], "billing");
    assert_eq!(p.body["tenant"], "default");
    assert_eq!(p.body["org"], "default");
    assert_eq!(p.body["expires_at"], "2026-02-10T00:00:00Z");
    assert_eq!(p.body["days_left"], 30);
    assert_eq!(
        p.body["recipients"],
        serde_json::json!(["ann@example.com", "zoe@example.com"])
    );
    assert!(!p.body.to_string().contains(&value));
    let ran = std::fs::read_to_string(&hook_log).unwrap();
    assert_eq!(ran.lines().count(), 1, "the hook ran once: {ran}");
    let audit: Value =
        serde_json::from_str(&env.ok(&["audit", "--action", "notify", "--json"])).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 1);
    assert_eq!(audit[0]["details"]["via"], "smtp,webhook,exec");
}

#[test]
fn slack_and_teams_bodies_and_a_wrong_secret_shows() {
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let hook = Hook::start(SECRET);
    let secret_file = env.dir.path().join("webhook.secret");
    common::write_private(&secret_file, "another-secret");
    let setting = format!("{} secret-file={}", hook.url, secret_file.display());
    env.ok(&[
        "config",
        "set",
        "notify-webhook",
        &setting,
        "--webhook-format",
        "slack",
    ]);
    env.generate("billing", &["--expires", "40d"]);
    env.now = Some("2026-01-11T00:00:00Z".into());
    assert_eq!(notify(&env, &[]).code, 0);
    let posts = hook.accepted();
    assert_eq!(posts.len(), 1);
    assert!(
        !posts[0].signature_ok,
        "the receiver's check refuses another secret"
    );
    let text = posts[0].body["text"].as_str().unwrap();
    assert!(
        text.contains("*billing*") && text.contains("in 30 days"),
        "{text}"
    );

    env.ok(&[
        "config",
        "set",
        "notify-webhook",
        &hook.url,
        "--webhook-format",
        "teams",
    ]);
    env.now = Some("2026-01-27T00:00:00Z".into());
    assert_eq!(notify(&env, &[]).code, 0);
    let posts = hook.accepted();
    assert_eq!(posts[1].body["@type"], "MessageCard");
    assert!(posts[1].body["text"]
        .as_str()
        .unwrap()
        .contains("in 14 days"));
}

#[test]
fn notify_test_sends_one_message_per_channel_and_changes_nothing() {
    let env = Env::at("2026-01-01T00:00:00Z");
    let smtp = Smtp::start(&env.dir.path().join("smtp"), free_port());
    setup(&env, smtp.port);
    let hook = Hook::start(SECRET);
    env.cmd()
        .env("HOOK_SECRET", std::str::from_utf8(SECRET).unwrap())
        .args([
            "config",
            "set",
            "notify-webhook",
            &format!("{} secret-env=HOOK_SECRET", hook.url),
        ])
        .assert()
        .success();
    let before = env.store_bytes();
    let r = env
        .cmd()
        .env("HOOK_SECRET", std::str::from_utf8(SECRET).unwrap())
        .args(["notify", "--test"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(smtp.messages().len(), 1);
    assert!(smtp.messages()[0]["data"]
        .as_str()
        .unwrap()
        .contains("keyadm-test-notice"));
    let posts = hook.accepted();
    assert_eq!(posts.len(), 1);
    assert!(posts[0].signature_ok);
    assert_eq!(env.store_bytes(), before, "nothing recorded");

    // The secret's variable unset: exit 5 naming it, nothing sent.
    let err = env.fails(&["notify"], 5);
    assert!(err.contains("HOOK_SECRET"), "{err}");
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn who_sets_what_and_what_each_channel_setting_accepts() {
    let env = Env::at("2026-01-01T00:00:00Z");
    env.ok(&["org", "add", "acme"]);
    env.ok(&["org", "add", "globex"]);
    env.ok(&[
        "user",
        "add",
        "alice",
        "--org",
        "acme",
        "--role",
        "admin",
        "--email",
        "alice@acme.example",
    ]);
    env.ok(&["user", "add", "mia", "--org", "acme"]);
    env.ok(&["user", "add", "gary", "--org", "globex", "--role", "admin"]);

    // A tenant admin sets its own tenant's recipients, confined.
    env.ok_as(
        "alice",
        &[
            "config",
            "set",
            "--org",
            "acme",
            "notify-to",
            "ops@acme.example, sec@acme.example",
        ],
    );
    let got = env.ok_as("alice", &["config", "get", "notify-to"]);
    assert_eq!(got.trim(), "ops@acme.example,sec@acme.example");
    assert_eq!(
        env.ok_as("gary", &["config", "get", "notify-to"]).trim(),
        "admins"
    );
    env.fails_as(
        "alice",
        &[
            "config",
            "set",
            "--org",
            "globex",
            "notify-to",
            "x@acme.example",
        ],
        3,
    );
    env.fails_as("mia", &["config", "set", "notify-to", "x@acme.example"], 4);
    env.fails_as(
        "alice",
        &["config", "set", "notify-to", "ops@acme.example,-oX@evil"],
        2,
    );
    // The channels and the sender are the operators'.
    env.fails_as(
        "alice",
        &["config", "set", "notify-from", "keyadm@acme.example"],
        4,
    );
    env.fails_as(
        "alice",
        &["config", "set", "notify-smtp", "smtps://mail.acme.example"],
        4,
    );
    env.fails_as(
        "alice",
        &[
            "config",
            "set",
            "notify-webhook",
            "https://hooks.slack.com/x",
            "--webhook-format",
            "slack",
        ],
        4,
    );

    // The recipients of acme's notices are its notify-to, not its admins.
    env.ok_long_ago(&[
        "--actor",
        "alice",
        "generate",
        "acme-billing",
        "--expires",
        "20d",
        "-q",
    ]);
    let due: Value = serde_json::from_str(&env.ok(&["notify", "--dry-run", "--json"])).unwrap();
    assert_eq!(
        due["notices"][0]["recipients"],
        serde_json::json!(["ops@acme.example", "sec@acme.example"])
    );

    for (name, value, extra) in [
        (
            "notify-smtp",
            "smtp://mail.example.com:25",
            "--insecure-smtp",
        ),
        (
            "notify-smtp",
            "smtp://127.0.0.1:25 user=a password-env=PW",
            "--insecure-smtp",
        ),
        ("notify-smtp", "smtp://a:hunter2@mail.example.com", ""),
        ("notify-smtp", "smtp://mail.example.com user=a", ""),
        (
            "notify-smtp",
            "smtp://mail.example.com user=a password-file=relative",
            "",
        ),
        ("notify-smtp", "https://mail.example.com", ""),
        (
            "notify-webhook",
            "http://hooks.example.com/x secret-file=/s",
            "",
        ),
        ("notify-webhook", "https://hooks.example.com/x", ""),
        (
            "notify-webhook",
            "https://hooks.example.com/x format=xml secret-file=/s",
            "",
        ),
        ("notify-from", "-oX@evil", ""),
        ("notify-to", "nobody", ""),
        ("date-format", "iso", "--insecure-smtp"),
    ] {
        let mut args = vec!["config", "set", name, value];
        if !extra.is_empty() {
            args.push(extra);
        }
        let before = env.store_bytes();
        let err = env.fails(&args, 2);
        common::assert_error_form(&err);
        assert!(!err.contains("hunter2"), "{err}");
        assert_eq!(env.store_bytes(), before, "{args:?} changed nothing");
    }
    env.ok(&[
        "config",
        "set",
        "notify-smtp",
        "smtp://mail.example.com user=alerts@example.com password-file=/etc/keyadm/smtp.pass",
    ]);
    assert_eq!(
        env.ok(&["config", "get", "notify-smtp"]).trim(),
        "smtp://mail.example.com:587 user=alerts@example.com password-file=/etc/keyadm/smtp.pass"
    );
    // SMTP without a From address: exit 5 with the hint, nothing claimed.
    let err = env.fails(&["notify"], 5);
    assert!(err.contains("notify-from"), "{err}");
}

#[test]
fn smtp_without_starttls_is_never_sent_in_clear() {
    // smtp:// without --insecure-smtp requires STARTTLS; aiosmtpd here
    // offers none, so nothing may reach it.
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let smtp = Smtp::start(&env.dir.path().join("smtp"), free_port());
    setup(&env, smtp.port);
    env.ok(&[
        "config",
        "set",
        "notify-smtp",
        &format!("smtp://127.0.0.1:{}", smtp.port),
    ]);
    env.now = Some("2026-01-11T00:00:00Z".into());
    let r = notify(&env, &[]);
    assert_eq!(r.code, 5, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("NOT SENT"), "{}", r.stdout);
    assert!(smtp.messages().is_empty(), "no fallback to plain text");
}

#[test]
fn a_secret_file_others_may_read_is_refused_and_nothing_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = Env::at("2026-01-01T00:00:00Z");
    let hook = Hook::start(SECRET);
    let secret_file = env.dir.path().join("webhook.secret");
    common::write_private(&secret_file, SECRET);
    std::fs::set_permissions(&secret_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let setting = format!("{} secret-file={}", hook.url, secret_file.display());
    env.ok(&["config", "set", "notify-webhook", &setting]);
    env.generate("billing", &["--expires", "40d"]);
    env.now = Some("2026-01-11T00:00:00Z".into());
    let err = env.fails(&["notify"], 5);
    common::assert_error_form(&err);
    assert!(err.contains("chmod 600"), "{err}");
    assert_eq!(hook.hits.load(Ordering::SeqCst), 0);
    let due: Value = serde_json::from_str(&env.ok(&["notify", "--dry-run", "--json"])).unwrap();
    assert_eq!(due["notices"].as_array().unwrap().len(), 1, "still due");
}
