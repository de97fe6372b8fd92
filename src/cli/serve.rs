//! `keyadm serve`: the library's `Verifier` over HTTP, for gateways (nginx
//! `auth_request`, Traefik `ForwardAuth`, Caddy `forward_auth`, Envoy
//! `ext_authz`) and services (issue 14). hyper on a current-thread tokio
//! runtime, started here only: no other command sets up tokio.
//!
//! Endpoints: `POST /v1/verify` (a `verify --batch` request object → the
//! decision JSON, 200 for allowed and denied alike), `/v1/auth` (any
//! method: 200 / 401 / 403 / 429 with `X-Keyadm-*` headers; `/v1/auth/PATH`
//! checks PATH and the request's own method, as Envoy's ext_authz sends them), `GET /healthz`,
//! `GET /metrics` (Prometheus text).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request as HttpRequest, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};

use super::{batch, Context};
use keyadm::crypto::sign;
use keyadm::domain::gateway::{self, Listen, DEFAULT_LISTEN};
use keyadm::domain::rules::IpRange;
use keyadm::domain::value::redact_values;
use keyadm::domain::verify::{Decision, Reason, Request};
use keyadm::{Clock, Error, Result, Verifier, VerifierOptions};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where to listen: ADDRESS:PORT (loopback by default) or unix:/path
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: String,
    /// A gateway's address range whose X-Forwarded-For / X-Real-IP are believed (repeatable)
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxy: Vec<String>,
    /// The header a key may come in when there is no Authorization: Bearer
    #[arg(long, value_name = "NAME", default_value = "X-API-Key")]
    pub key_header: String,
    /// Write one JSON line per request to FILE (`-`: stdout): key IDs, never values
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,
    /// The store's trust key (from `keyadm trust export`); else KEYADM_TRUST_KEY, else the trust folder
    #[arg(long, value_name = "FILE")]
    pub trust_key: Option<PathBuf>,
    /// Fail (exit 5) when no trust key is found, rather than verify unsigned rows
    #[arg(long)]
    pub require_trust_key: bool,
    /// Record the store's current audit heads in the head witness, even if behind it (after restoring a backup on purpose)
    #[arg(long)]
    pub accept_head: bool,
}

/// The largest `POST /v1/verify` body (as a `verify --batch` line).
const MAX_BODY: usize = 64 * 1024;
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 16 * 1024;
/// How long a client has to send a request's head, and its body.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long SIGTERM waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// The latency histogram's bucket bounds, in seconds.
const BUCKETS: [f64; 10] = [
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.01, 0.1, 1.0,
];

/// Outcomes counted by `/metrics`: each reason, then these.
const ALLOWED: usize = Reason::ALL.len();
const MISSING: usize = ALLOWED + 1;
const OUTCOMES: usize = ALLOWED + 2;

fn outcome_label(i: usize) -> &'static str {
    match i {
        ALLOWED => "allowed",
        MISSING => "missing_key",
        r => Reason::ALL[r].as_str(),
    }
}

fn outcome_of(reason: Option<Reason>) -> usize {
    match reason {
        None => ALLOWED,
        Some(r) => Reason::ALL.iter().position(|x| *x == r).unwrap_or(MISSING),
    }
}

#[derive(Default)]
struct Metrics {
    decisions: [[AtomicU64; OUTCOMES]; 2],
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_sum_ns: AtomicU64,
    latency_count: AtomicU64,
}

/// What every request handler shares.
struct State {
    verifier: Mutex<Verifier>,
    proxies: Vec<IpRange>,
    key_header: HeaderName,
    log: Option<Mutex<Box<dyn io::Write + Send>>>,
    /// `KEYADM_NOW`: the time of every decision; else the system clock.
    fixed_now: Option<chrono::DateTime<chrono::Utc>>,
    metrics: Metrics,
}

impl State {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.fixed_now.unwrap_or_else(|| Clock::system().now())
    }

    fn verifier(&self) -> std::sync::MutexGuard<'_, Verifier> {
        self.verifier.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn count(&self, endpoint: usize, outcome: usize, started: Instant) {
        let m = &self.metrics;
        m.decisions[endpoint][outcome].fetch_add(1, Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64();
        let b = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        m.latency[b].fetch_add(1, Ordering::Relaxed);
        m.latency_sum_ns
            .fetch_add((secs * 1e9) as u64, Ordering::Relaxed);
        m.latency_count.fetch_add(1, Ordering::Relaxed);
    }
}

/// The listening socket, bound before the keys load (a taken port fails at once).
enum Listener {
    Tcp(std::net::TcpListener),
    Unix(std::os::unix::net::UnixListener, PathBuf),
}

fn bind(listen: &Listen) -> Result<Listener> {
    let taken = |e: io::Error| {
        let hint = match e.kind() {
            io::ErrorKind::AddrInUse => {
                "another process listens there: stop it, or pass --listen with another port"
            }
            io::ErrorKind::PermissionDenied => {
                "ports below 1024 need privileges: pick a port from 1024 up, or check the socket folder's permissions"
            }
            _ => "check the address: it must be one of this machine's (127.0.0.1 for loopback)",
        };
        Error::environment(format!("cannot listen on {listen}: {e}")).hint(hint)
    };
    match listen {
        Listen::Tcp(addr) => {
            let l = std::net::TcpListener::bind(addr).map_err(taken)?;
            l.set_nonblocking(true)?;
            Ok(Listener::Tcp(l))
        }
        Listen::Unix(path) => {
            // A socket file left by a serve that is gone is replaced; one
            // that answers is another serve's.
            if path.exists() {
                match std::os::unix::net::UnixStream::connect(path) {
                    Ok(_) => {
                        return Err(taken(io::Error::from(io::ErrorKind::AddrInUse)));
                    }
                    Err(_) => {
                        use std::os::unix::fs::FileTypeExt;
                        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
                        {
                            let _ = std::fs::remove_file(path);
                        }
                    }
                }
            }
            let l = std::os::unix::net::UnixListener::bind(path).map_err(taken)?;
            l.set_nonblocking(true)?;
            Ok(Listener::Unix(l, path.clone()))
        }
    }
}

pub fn run(ctx: &mut Context, args: ServeArgs) -> Result<ExitCode> {
    let listen = Listen::parse(&args.listen)?;
    let proxies: Vec<IpRange> = args
        .trusted_proxy
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_>>()?;
    let key_header = HeaderName::from_bytes(args.key_header.as_bytes()).map_err(|_| {
        Error::usage(format!(
            "invalid --key-header \"{}\": not an HTTP header name",
            args.key_header.escape_debug()
        ))
        .hint("e.g. --key-header X-API-Key")
    })?;
    let log: Option<Box<dyn io::Write + Send>> = match &args.access_log {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(io::LineWriter::new(io::stdout()))),
        Some(p) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| {
                    Error::environment(format!("cannot open the access log {}: {e}", p.display()))
                        .hint("check the path and its folder's permissions")
                })?;
            Some(Box::new(io::LineWriter::new(f)))
        }
    };
    let trust = ctx.trust_choice(args.trust_key.clone(), args.require_trust_key);
    // The store is found (and a PostgreSQL URL checked) before binding.
    let pg = ctx.pg_target()?;
    let path = match pg {
        Some(_) => None,
        None => Some(ctx.store_path()?),
    };
    let listener = bind(&listen)?;
    let witness = ctx.witness_choice(args.accept_head)?;
    let options = VerifierOptions { record_uses: false };
    let mut verifier = match (&pg, &path) {
        (Some(t), _) => Verifier::open_pg_witnessed(t, options, &trust, Some(&witness))?,
        (None, Some(p)) => Verifier::open_witnessed(p, options, &trust, Some(&witness))?,
        (None, None) => unreachable!("a store is a file or a URL"),
    };
    if !verifier.trusted() {
        ctx.printer.warn(keyadm::ops::verify::UNTRUSTED_WARNING);
    }
    super::batch::warn_rolled_back(ctx, &mut verifier);
    let shown = match &listener {
        Listener::Tcp(l) => l.local_addr()?.to_string(),
        Listener::Unix(_, p) => format!("unix:{}", p.display()),
    };
    let keys = verifier.len();
    let state = Arc::new(State {
        verifier: Mutex::new(verifier),
        proxies,
        key_header,
        log: log.map(Mutex::new),
        fixed_now: std::env::var_os("KEYADM_NOW").is_some().then(|| ctx.now()),
        metrics: Metrics::default(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    // `always`: a script starting serve on port 0 reads the address here.
    ctx.printer.always(format!(
        "keyadm serve: listening on {shown} ({keys} key values loaded)"
    ));
    let unix_path = match &listener {
        Listener::Unix(_, p) => Some(p.clone()),
        Listener::Tcp(_) => None,
    };
    let served = runtime.block_on(serve(listener, Arc::clone(&state)));
    if let Some(p) = unix_path {
        let _ = std::fs::remove_file(p);
    }
    served?;
    ctx.printer.note("keyadm serve: stopped");
    // Leave the keys unfreed: the process exits now.
    if let Ok(state) = Arc::try_unwrap(state) {
        state
            .verifier
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .finish_for_exit();
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(listener: Listener, state: Arc<State>) -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .max_buf_size(MAX_HEAD.max(8192))
        .max_headers(64)
        .keep_alive(true);
    let http = Arc::new(http);
    enum L {
        Tcp(tokio::net::TcpListener),
        Unix(tokio::net::UnixListener),
    }
    let l = match listener {
        Listener::Tcp(l) => L::Tcp(tokio::net::TcpListener::from_std(l)?),
        Listener::Unix(l, _) => L::Unix(tokio::net::UnixListener::from_std(l)?),
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            accepted = async {
                match &l {
                    L::Tcp(t) => t.accept().await.map(|(s, a)| {
                        let _ = s.set_nodelay(true);
                        (Conn::Tcp(s), Some(a.ip()))
                    }),
                    L::Unix(u) => u.accept().await.map(|(s, _)| (Conn::Unix(s), None)),
                }
            } => {
                match accepted {
                    Ok((Conn::Tcp(s), peer)) => spawn_conn(s, peer, &state, &http, &graceful),
                    Ok((Conn::Unix(s), peer)) => spawn_conn(s, peer, &state, &http, &graceful),
                    // Out of file descriptors and the like: wait a little, go on.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }
    }
    drop(l);
    // Requests in flight finish; idle keep-alive connections close.
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

enum Conn {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

fn spawn_conn<S>(
    stream: S,
    peer: Option<IpAddr>,
    state: &Arc<State>,
    http: &Arc<hyper::server::conn::http1::Builder>,
    graceful: &GracefulShutdown,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::clone(state);
    let service = hyper::service::service_fn(move |req| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(handle(&state, peer, req).await) }
    });
    let conn = http.serve_connection(TokioIo::new(stream), service);
    let watched = graceful.watch(conn);
    tokio::spawn(async move {
        let _ = watched.await;
    });
}

type Body = Full<Bytes>;

fn reply(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn text(status: u16, body: &'static str) -> Response<Body> {
    reply(status, "text/plain; charset=utf-8", body)
}

fn json(status: u16, body: Vec<u8>) -> Response<Body> {
    reply(status, "application/json", body)
}

fn header_str<'a>(req: &'a HttpRequest<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What the access log says of one request.
struct Logged {
    status: u16,
    reason: Option<&'static str>,
    key_id: Option<String>,
    client: Option<IpAddr>,
}

async fn handle(state: &State, peer: Option<IpAddr>, req: HttpRequest<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let (response, logged) = match path.as_str() {
        "/v1/auth" => auth(state, peer, &req, started, None),
        // Envoy's ext_authz (HTTP mode, `path_prefix: /v1/auth`) appends the
        // original path and keeps the original method: the gateway built
        // this path, so it is what is checked (no X-Original-* header).
        p if p.starts_with("/v1/auth/") => {
            let url = match req.uri().query() {
                Some(q) => format!("{}?{q}", &p["/v1/auth".len()..]),
                None => p["/v1/auth".len()..].to_string(),
            };
            auth(state, peer, &req, started, Some(url))
        }
        "/v1/verify" if method == Method::POST => verify(state, peer, req, started).await,
        "/v1/verify" => {
            let mut r = text(405, "POST a request object to /v1/verify\n");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            (r, None)
        }
        "/healthz" => {
            // The keys are loaded before the socket accepts: ready, unless
            // the store is behind its head witness (every request denied).
            let rolled_back = state.verifier().rolled_back().map(|rb| rb.describe());
            match rolled_back {
                Some(why) => (
                    reply(
                        503,
                        "text/plain; charset=utf-8",
                        format!("store_rolled_back: {why}\n"),
                    ),
                    None,
                ),
                None => (text(200, "ok\n"), None),
            }
        }
        "/metrics" => (
            reply(
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics(state),
            ),
            None,
        ),
        _ => (
            text(
                404,
                "not found: use /v1/auth, /v1/verify, /healthz or /metrics\n",
            ),
            None,
        ),
    };
    if let Some(log) = &state.log {
        let l = logged.unwrap_or(Logged {
            status: response.status().as_u16(),
            reason: None,
            key_id: None,
            client: peer,
        });
        let line = serde_json::json!({
            "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "peer": peer.map(|p| p.to_string()),
            "client": l.client.map(|p| p.to_string()),
            "method": method.as_str(),
            "path": redact_values(&path),
            "status": l.status,
            "reason": l.reason,
            "key_id": l.key_id,
            "micros": started.elapsed().as_micros() as u64,
        });
        let mut w = log.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(w, "{line}");
    }
    response
}

const AUTH: usize = 0;
const VERIFY: usize = 1;

fn auth(
    state: &State,
    peer: Option<IpAddr>,
    req: &HttpRequest<Incoming>,
    started: Instant,
    in_path: Option<String>,
) -> (Response<Body>, Option<Logged>) {
    let client = gateway::client_ip(
        peer,
        header_str(req, "x-forwarded-for"),
        header_str(req, "x-real-ip"),
        &state.proxies,
    );
    let key = gateway::presented_key(
        header_str(req, "authorization"),
        req.headers()
            .get(&state.key_header)
            .and_then(|v| v.to_str().ok()),
    );
    let Some(key) = key else {
        state.count(AUTH, MISSING, started);
        let mut r = text(401, "no key: send Authorization: Bearer KEY\n");
        let h = r.headers_mut();
        h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        h.insert("x-keyadm-reason", HeaderValue::from_static("missing_key"));
        return (
            r,
            Some(Logged {
                status: 401,
                reason: Some("missing_key"),
                key_id: None,
                client,
            }),
        );
    };
    let (method, url) = match &in_path {
        Some(url) => (
            sign::method(req.method().as_str()).map(Some),
            Some(url.as_str()),
        ),
        None => (
            header_str(req, "x-original-method")
                .or_else(|| header_str(req, "x-forwarded-method"))
                .map(sign::method)
                .transpose(),
            header_str(req, "x-original-uri").or_else(|| header_str(req, "x-forwarded-uri")),
        ),
    };
    let url_ok = url.is_none_or(|u| sign::request_url(u).is_ok());
    let (Ok(method), true) = (method, url_ok) else {
        state.count(AUTH, outcome_of(Some(Reason::BadRequest)), started);
        let mut r = text(400, "the original method or URI header is not valid\n");
        r.headers_mut()
            .insert("x-keyadm-reason", HeaderValue::from_static("bad_request"));
        return (
            r,
            Some(Logged {
                status: 400,
                reason: Some("bad_request"),
                key_id: None,
                client,
            }),
        );
    };
    let request = Request {
        key,
        method: method.as_deref(),
        url,
        origin: header_str(req, "origin"),
        ip: client,
    };
    let now = state.now();
    let (decision, retry) = {
        let mut v = state.verifier();
        let d = v.verify_at(&request, now);
        (d, v.retry_after())
    };
    state.count(AUTH, outcome_of(decision.reason), started);
    let status = gateway::auth_status(decision.reason);
    let mut r = match decision.reason {
        None => text(200, ""),
        Some(reason) => {
            let mut r = text(status, "");
            let h = r.headers_mut();
            h.insert("x-keyadm-reason", HeaderValue::from_static(reason.as_str()));
            if status == 401 {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            if let Some(wait) = retry {
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                h.insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            }
            r
        }
    };
    identity_headers(&mut r, &decision);
    let logged = Logged {
        status,
        reason: decision.reason.map(Reason::as_str),
        key_id: decision.key.as_ref().map(|k| k.id.clone()),
        client,
    };
    (r, Some(logged))
}

/// `X-Keyadm-Key-Id`, `-Key-Name`, `-Tenant`, `-User` (names percent-encoded
/// where they are not visible ASCII).
fn identity_headers(r: &mut Response<Body>, d: &Decision) {
    let Some(k) = &d.key else { return };
    let h = r.headers_mut();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(&gateway::header_text(value)) {
            h.insert(name, v);
        }
    };
    put("x-keyadm-key-id", &k.id);
    put("x-keyadm-key-name", &k.name);
    put("x-keyadm-tenant", &k.tenant);
    if let Some(u) = &k.user {
        put("x-keyadm-user", u);
    }
}

async fn verify(
    state: &State,
    peer: Option<IpAddr>,
    req: HttpRequest<Incoming>,
    started: Instant,
) -> (Response<Body>, Option<Logged>) {
    let bad = |status: u16, error: &str| {
        state.count(VERIFY, outcome_of(Some(Reason::BadRequest)), started);
        (
            json(status, batch::bad_request_json(error)),
            Some(Logged {
                status,
                reason: Some("bad_request"),
                key_id: None,
                client: peer,
            }),
        )
    };
    let body = Limited::new(req.into_body(), MAX_BODY);
    let bytes = match tokio::time::timeout(READ_TIMEOUT, body.collect()).await {
        Err(_) => return bad(408, "the body did not arrive in time"),
        Ok(Err(_)) => {
            return bad(
                413,
                &format!("the body is not a request object of at most {MAX_BODY} bytes"),
            )
        }
        Ok(Ok(b)) => b.to_bytes(),
    };
    let now = state.now();
    let decided = batch::with_request(&bytes, |r| state.verifier().verify_at(r, now));
    match decided {
        Err(e) => bad(400, &e),
        Ok(d) => {
            state.count(VERIFY, outcome_of(d.reason), started);
            let logged = Logged {
                status: 200,
                reason: d.reason.map(Reason::as_str),
                key_id: d.key.as_ref().map(|k| k.id.clone()),
                client: peer,
            };
            let body = serde_json::to_vec(&d).expect("a decision serializes");
            (json(200, body), Some(logged))
        }
    }
}

fn metrics(state: &State) -> String {
    let (keys, age) = {
        let mut v = state.verifier();
        v.refresh();
        (v.len(), v.loaded_at().elapsed().as_secs_f64())
    };
    let m = &state.metrics;
    let mut out = String::with_capacity(4096);
    out.push_str("# HELP keyadm_decisions_total Decisions by endpoint and outcome (allowed, or the reason of a denial).\n");
    out.push_str("# TYPE keyadm_decisions_total counter\n");
    for (e, endpoint) in ["auth", "verify"].iter().enumerate() {
        for o in 0..OUTCOMES {
            let _ = writeln!(
                out,
                "keyadm_decisions_total{{endpoint=\"{endpoint}\",outcome=\"{}\"}} {}",
                outcome_label(o),
                m.decisions[e][o].load(Ordering::Relaxed)
            );
        }
    }
    out.push_str("# HELP keyadm_decision_seconds Time from a request's arrival to its answer.\n");
    out.push_str("# TYPE keyadm_decision_seconds histogram\n");
    let mut cumulative = 0;
    for (i, le) in BUCKETS.iter().enumerate() {
        cumulative += m.latency[i].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "keyadm_decision_seconds_bucket{{le=\"{le}\"}} {cumulative}"
        );
    }
    cumulative += m.latency[BUCKETS.len()].load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "keyadm_decision_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
    );
    let _ = writeln!(
        out,
        "keyadm_decision_seconds_sum {}",
        m.latency_sum_ns.load(Ordering::Relaxed) as f64 / 1e9
    );
    let _ = writeln!(
        out,
        "keyadm_decision_seconds_count {}",
        m.latency_count.load(Ordering::Relaxed)
    );
    out.push_str("# HELP keyadm_keys_loaded Key values in memory (current and previous).\n");
    out.push_str("# TYPE keyadm_keys_loaded gauge\n");
    let _ = writeln!(out, "keyadm_keys_loaded {keys}");
    out.push_str(
        "# HELP keyadm_seconds_since_reload Seconds since the keys were last read from the store.\n",
    );
    out.push_str("# TYPE keyadm_seconds_since_reload gauge\n");
    let _ = writeln!(out, "keyadm_seconds_since_reload {age:.3}");
    out
}
