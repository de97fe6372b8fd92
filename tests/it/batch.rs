//! `keyadm verify --batch`: JSON lines in and out, in order; bad lines;
//! answers to a caller that waits for each; a key disabled mid-stream.

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::Env;
use serde_json::{json, Value};

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect()
}

#[test]
fn one_decision_per_line_in_order_and_bad_lines_do_not_stop_the_stream() {
    let env = Env::new();
    env.ok(&["config", "set", "scoped-api", "on"]);
    let a = env.generate("a", &[]);
    let r = env.generate(
        "r",
        &[
            "--type",
            "custom",
            "--allow",
            "GET /api/*",
            "--ip",
            "10.0.0.0/8",
        ],
    );
    env.ok(&["disable", "a"]);
    let input = [
        json!({"key": r, "method": "GET", "url": "/api/x", "ip": "10.0.0.1"}).to_string(),
        json!({"key": a}).to_string(),
        "this is not json".to_string(),
        json!({"key": r, "method": "GET", "url": "/api/x", "ip": "not an address"}).to_string(),
        json!({"method": "GET"}).to_string(),
        String::new(),
        json!({"key": "kadm_e_nope"}).to_string(),
        json!({"key": r, "method": "GET", "url": "/api/x/y", "ip": "10.0.0.1"}).to_string(),
        json!({"key": r, "method": "GET", "url": "/api/x", "ip": "11.0.0.1", "extra": [1]})
            .to_string(),
        json!({"key": r, "method": "GET", "url": "/api/x", "ip": "::ffff:10.0.0.1"}).to_string(),
    ]
    .join("\n");
    let out = env.run_stdin(&["verify", "--batch"], &input);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = lines(&out.stdout);
    let reasons: Vec<&Value> = got.iter().map(|d| &d["reason"]).collect();
    assert_eq!(
        reasons,
        [
            &Value::Null,
            &json!("disabled"),
            &json!("bad_request"),
            &json!("bad_request"),
            &json!("bad_request"),
            &json!("bad_request"),
            &json!("malformed"),
            &json!("rule_not_allowed"),
            &json!("bad_request"),
            &Value::Null,
        ]
    );
    assert_eq!(got[0]["name"], "r");
    assert_eq!(got[0]["allowed"], true);
    assert!(got[2]["error"].is_string());
    for d in &got {
        for field in [
            "allowed", "reason", "key_id", "name", "type", "org", "tenant", "user",
        ] {
            assert!(d.get(field).is_some(), "{field} missing in {d}");
        }
    }
}

/// A running `verify --batch` that answers one line at a time.
struct Batch {
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::Receiver<String>,
}

impl Batch {
    fn start(env: &Env) -> Batch {
        let mut child = env
            .std_cmd()
            .args(["verify", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Batch {
            child,
            stdin,
            answers,
        }
    }

    /// Sends one request and waits (boundedly) for its answer.
    fn ask(&mut self, key: &str) -> Value {
        writeln!(self.stdin, "{}", json!({ "key": key })).unwrap();
        self.stdin.flush().unwrap();
        let line = self
            .answers
            .recv_timeout(Duration::from_secs(10))
            .expect("an answer to each line, without waiting for more input");
        serde_json::from_str(&line).unwrap()
    }

    fn finish(mut self) {
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

#[test]
fn a_key_disabled_mid_stream_is_denied_within_a_second() {
    let env = Env::new();
    let v = env.generate("billing", &[]);
    let mut batch = Batch::start(&env);
    assert_eq!(batch.ask(&v)["allowed"], true);
    assert_eq!(batch.ask(&v)["allowed"], true);
    env.ok(&["disable", "billing", "--reason", "test"]);
    let disabled_at = Instant::now();
    let mut asked = 0;
    loop {
        let d = batch.ask(&v);
        asked += 1;
        if d["allowed"] == false {
            assert_eq!(d["reason"], "disabled");
            break;
        }
        assert!(
            disabled_at.elapsed() < Duration::from_secs(2),
            "still allowed {:?} after the disable ({asked} requests)",
            disabled_at.elapsed()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = disabled_at.elapsed();
    assert!(took < Duration::from_secs(2), "denied only after {took:?}");
    env.ok(&["enable", "billing"]);
    let enabled_at = Instant::now();
    while batch.ask(&v)["allowed"] != true {
        assert!(
            enabled_at.elapsed() < Duration::from_secs(2),
            "never allowed again"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    batch.finish();
}

#[test]
fn a_new_key_is_known_without_a_restart_and_last_use_is_written() {
    let env = Env::new();
    env.generate("first", &[]);
    let mut batch = Batch::start(&env);
    let v = env.generate("second", &[]);
    let started = Instant::now();
    while batch.ask(&v)["allowed"] != true {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the new key stayed unknown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    batch.finish();
    assert!(
        env.show("second")["last_used_at"].is_string(),
        "the use is written before the batch exits"
    );
}

#[test]
fn the_previous_value_of_a_rotated_key_works_through_its_grace() {
    let mut env = Env::at("2026-06-01T12:00:00Z");
    let old = env.generate("billing", &[]);
    env.ok(&["rotate", "billing", "--grace", "1h"]);
    let new = env.ok(&["show", "billing", "--value"]).trim().to_string();
    let input = format!("{}\n{}\n", json!({ "key": old }), json!({ "key": new }));
    let reasons = |env: &Env| -> Vec<Value> {
        let out = env.run_stdin(&["verify", "--batch"], &input);
        lines(&out.stdout)
            .iter()
            .map(|d| d["reason"].clone())
            .collect()
    };
    assert_eq!(reasons(&env), [Value::Null, Value::Null]);
    env.now = Some("2026-06-01T13:00:00Z".into());
    assert_eq!(reasons(&env), [json!("rotated"), Value::Null]);
}
