//! A fault-injecting HTTP/1.1 reverse proxy between the SDK and the emulator.
//!
//! moto never throttles, never fails with 5xx and is never slow; AWS does all three. The proxy
//! listens on `127.0.0.1:0`, forwards every request to the emulator and, when a [`Rule`]
//! matches, answers in its place:
//!
//! - throttling in the protocol's own shape: JSON services (CloudTrail, Logs, Organizations)
//!   get HTTP 400 `{"__type":"ThrottlingException",...}` with `x-amzn-ErrorType`; query
//!   services (STS, SNS, CloudWatch, EC2) get HTTP 400 `<ErrorResponse>` with code `Throttling`;
//! - HTTP 500 or 503;
//! - AccessDenied, HTTP 403, in the protocol's shape (`AccessDeniedException` / `AccessDenied`);
//! - added latency (a uniform draw in a range; the request is then forwarded or faulted by the
//!   next matching rule);
//! - a connection reset (TCP RST, no answer);
//! - a rewritten answer, for what moto cannot produce: members merged into the emulator's JSON
//!   answer (`GetTrailStatus` delivery errors), or a stand-in XML answer where the emulator
//!   fails with a 5xx (`DescribeAlarmHistory`, which it does not implement).
//!
//! Rules match on service (the signing name of the `Authorization` credential scope: `sts`,
//! `cloudtrail`, `logs`, `monitoring`, `sns`, `ec2`, `organizations`), operation
//! (`X-Amz-Target` suffix for JSON, `Action=` of the form body for query), account and access
//! key, with a probability and an optional count. The account of a request is the account of
//! the role for `sts:AssumeRole` (read from `RoleArn`), and otherwise the account its access key
//! acts as: the proxy learns `AccessKeyId → account` from the AssumeRole answers passing
//! through it ([`FaultProxy::register_key`] adds others); unknown keys act as the management
//! account, as on moto.
//!
//! Draws come from a seeded xorshift generator, so a run is repeatable up to the order in which
//! concurrent requests arrive. [`FaultProxy::stats`] counts requests and injected faults.
//!
//! HTTP framing is the kit's ([`crate::http`]): client connections are kept alive, and each
//! request goes to the emulator on a fresh `Connection: close` connection whose answer is
//! re-framed with a `Content-Length`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::http::{self, Message};
use crate::moto::MANAGEMENT_ACCOUNT_ID;

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// `ThrottlingException` (JSON) or `Throttling` (query), HTTP 400.
    Throttle,
    /// An HTTP 5xx answer (500 `InternalFailure`, 503 `ServiceUnavailable`, ...).
    ServerError(u16),
    /// HTTP 403 `AccessDeniedException` (JSON) or `AccessDenied` (query).
    AccessDenied,
    /// Waits a uniformly drawn number of milliseconds, then goes on to the next rules.
    Latency(RangeInclusive<u64>),
    /// Resets the connection (TCP RST) without answering.
    Reset,
    /// Forwards, then merges these members into the emulator's JSON answer (when it is a 2xx
    /// object): what moto cannot produce, such as the delivery error of `GetTrailStatus`.
    PatchJson(serde_json::Value),
    /// Forwards, and when the emulator fails with a 5xx (an operation it does not implement,
    /// such as `DescribeAlarmHistory`) answers 200 with this XML body instead. A denial (403)
    /// passes through, so auth mode still decides.
    StandIn(String),
}

impl Fault {
    /// The counter name in [`ProxyStats::faults`].
    pub fn label(&self) -> String {
        match self {
            Fault::Throttle => "throttle".into(),
            Fault::ServerError(code) => format!("http{code}"),
            Fault::AccessDenied => "access_denied".into(),
            Fault::Latency(_) => "latency".into(),
            Fault::Reset => "reset".into(),
            Fault::PatchJson(_) => "patch_json".into(),
            Fault::StandIn(_) => "stand_in".into(),
        }
    }
}

/// One fault rule: a fault, a matcher (every `None` field matches anything), a probability and
/// an optional budget.
#[derive(Debug, Clone)]
pub struct Rule {
    pub fault: Fault,
    pub service: Option<String>,
    pub operation: Option<String>,
    pub account: Option<String>,
    pub access_key: Option<String>,
    /// Chance in [0, 1] that a matching request is faulted.
    pub probability: f64,
    /// At most this many injections (`None`: no limit).
    pub count: Option<u64>,
}

impl Rule {
    pub fn new(fault: Fault) -> Rule {
        Rule {
            fault,
            service: None,
            operation: None,
            account: None,
            access_key: None,
            probability: 1.0,
            count: None,
        }
    }
    pub fn throttle() -> Rule {
        Rule::new(Fault::Throttle)
    }
    pub fn server_error(status: u16) -> Rule {
        Rule::new(Fault::ServerError(status))
    }
    pub fn access_denied() -> Rule {
        Rule::new(Fault::AccessDenied)
    }
    pub fn latency_ms(range: RangeInclusive<u64>) -> Rule {
        Rule::new(Fault::Latency(range))
    }
    pub fn reset() -> Rule {
        Rule::new(Fault::Reset)
    }
    pub fn patch_json(members: serde_json::Value) -> Rule {
        Rule::new(Fault::PatchJson(members))
    }
    pub fn stand_in(xml: impl Into<String>) -> Rule {
        Rule::new(Fault::StandIn(xml.into()))
    }
    /// Signing name: `sts`, `cloudtrail`, `logs`, `monitoring`, `sns`, `ec2`, `organizations`.
    pub fn service(mut self, service: &str) -> Rule {
        self.service = Some(service.to_string());
        self
    }
    /// Operation name, e.g. `AssumeRole`, `ListTrails`.
    pub fn operation(mut self, operation: &str) -> Rule {
        self.operation = Some(operation.to_string());
        self
    }
    pub fn account(mut self, account: &str) -> Rule {
        self.account = Some(account.to_string());
        self
    }
    pub fn access_key(mut self, access_key: &str) -> Rule {
        self.access_key = Some(access_key.to_string());
        self
    }
    pub fn probability(mut self, probability: f64) -> Rule {
        self.probability = probability;
        self
    }
    pub fn count(mut self, count: u64) -> Rule {
        self.count = Some(count);
        self
    }

    fn matches(&self, req: &RequestInfo) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        eq(&self.service, &req.service)
            && eq(&self.operation, &req.operation)
            && eq(&self.account, &req.account)
            && eq(&self.access_key, &req.access_key)
    }
}

/// Counts since the proxy started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyStats {
    /// Requests received.
    pub requests: u64,
    /// Requests forwarded to the emulator.
    pub forwarded: u64,
    /// Injected faults per [`Fault::label`].
    pub faults: BTreeMap<String, u64>,
    /// Injected faults per `service:Operation`.
    pub faults_by_operation: BTreeMap<String, u64>,
}

impl ProxyStats {
    pub fn faults_of(&self, label: &str) -> u64 {
        self.faults.get(label).copied().unwrap_or(0)
    }
    /// Injected faults, latency and rewritten answers excluded.
    pub fn errors_injected(&self) -> u64 {
        self.faults
            .iter()
            .filter(|(k, _)| !["latency", "patch_json", "stand_in"].contains(&k.as_str()))
            .map(|(_, v)| v)
            .sum()
    }
}

/// What the proxy knows of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestInfo {
    pub service: String,
    pub operation: String,
    pub access_key: String,
    /// The role's account for AssumeRole, else the account the access key acts as.
    pub account: String,
    pub json: bool,
}

/// A small xorshift64* generator: repeatable draws without a `rand` dependency.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn in_range(&mut self, range: &RangeInclusive<u64>) -> u64 {
        let span = range.end().saturating_sub(*range.start()) + 1;
        range.start() + self.next_u64() % span
    }
}

struct State {
    upstream: String,
    rules: Vec<Rule>,
    used: Vec<u64>,
    rng: XorShift,
    keys: HashMap<String, String>,
    /// Every access key seen in a request, and every key, secret and token handed out by an
    /// AssumeRole answer.
    credentials: BTreeSet<String>,
    stats: ProxyStats,
    request_ids: u64,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://host:port`) with `rules`, tried in order,
    /// and an RNG seeded with `seed`. Needs a tokio runtime.
    pub async fn start(upstream: &str, rules: Vec<Rule>, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind the fault proxy");
        let addr = listener.local_addr().expect("no proxy address");
        let state = Arc::new(Mutex::new(State {
            upstream: http::authority(upstream).to_string(),
            used: vec![0; rules.len()],
            rules,
            rng: XorShift::new(seed),
            keys: HashMap::new(),
            credentials: BTreeSet::new(),
            stats: ProxyStats::default(),
            request_ids: 0,
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        FaultProxy { addr, state, task }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An emulator handle whose endpoint is the proxy (its `command` makes the binary talk
    /// through the proxy).
    pub fn emulator(&self) -> crate::moto::Emulator {
        crate::moto::Emulator::new(self.endpoint())
    }

    /// Replaces the rules (and their budgets).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        let mut s = self.state.lock().unwrap();
        s.used = vec![0; rules.len()];
        s.rules = rules;
    }

    /// Declares that `access_key` acts as `account`.
    pub fn register_key(&self, access_key: &str, account: &str) {
        let mut s = self.state.lock().unwrap();
        s.keys.insert(access_key.to_string(), account.to_string());
    }

    /// Every access key seen in a request's signature, and every access key, secret key and
    /// session token an AssumeRole answer handed out (for no-secrets tests).
    pub fn seen_credentials(&self) -> BTreeSet<String> {
        self.state.lock().unwrap().credentials.clone()
    }

    pub fn stats(&self) -> ProxyStats {
        self.state.lock().unwrap().stats.clone()
    }

    pub fn reset_stats(&self) {
        self.state.lock().unwrap().stats = ProxyStats::default();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// Serving

/// An answer of the proxy's own, framed for a kept-alive client connection.
fn answer(status: u16, reason: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let message = Message {
        start_line: format!("HTTP/1.1 {status} {reason}"),
        headers: headers.to_vec(),
        body: body.to_vec(),
    };
    message.encode("keep-alive")
}

/// Serves one client connection, request after request (keep-alive).
async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some(request) = http::read_async(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        let info = describe(&request, &state);
        let (faults, upstream) = {
            let mut s = state.lock().unwrap();
            s.stats.requests += 1;
            let faults = decide(&mut s, &info);
            (faults, s.upstream.clone())
        };
        let mut injected = None;
        let mut rewrite = None;
        for fault in faults {
            match fault {
                Fault::Latency(range) => {
                    let ms = state.lock().unwrap().rng.in_range(&range);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                Fault::PatchJson(_) | Fault::StandIn(_) => {
                    rewrite = Some(fault);
                    break;
                }
                Fault::Reset => {
                    stream.set_zero_linger()?;
                    return Ok(());
                }
                other => {
                    let id = {
                        let mut s = state.lock().unwrap();
                        s.request_ids += 1;
                        format!("fault-proxy-{:08}", s.request_ids)
                    };
                    injected = Some(fault_response(&other, &info, &id));
                    break;
                }
            }
        }
        let bytes = match injected {
            Some(bytes) => bytes,
            None => {
                let response = forward(&upstream, &request).await?;
                state.lock().unwrap().stats.forwarded += 1;
                if info.operation == "AssumeRole" {
                    learn_key(&state, &info, &response);
                }
                let (status, reason) = response.status()?;
                match rewrite {
                    Some(fault) => rewritten(&fault, status, &reason, &response),
                    None => answer(status, &reason, &response.headers, &response.body),
                }
            }
        };
        stream.write_all(&bytes).await?;
        stream.flush().await?;
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        if close {
            return Ok(());
        }
    }
}

/// The emulator's answer as a post-forward rule rewrites it.
fn rewritten(fault: &Fault, status: u16, reason: &str, response: &Message) -> Vec<u8> {
    match fault {
        Fault::PatchJson(members) if (200..300).contains(&status) => {
            let mut body: serde_json::Value =
                serde_json::from_slice(&response.body).unwrap_or(serde_json::json!({}));
            if let (Some(body), Some(members)) = (body.as_object_mut(), members.as_object()) {
                for (k, v) in members {
                    body.insert(k.clone(), v.clone());
                }
            }
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            answer(status, reason, &response.headers, &bytes)
        }
        Fault::StandIn(xml) if status >= 500 => {
            let headers = vec![("Content-Type".to_string(), "text/xml".to_string())];
            answer(200, "OK", &headers, xml.as_bytes())
        }
        _ => answer(status, reason, &response.headers, &response.body),
    }
}

/// Sends `request` to the emulator on a fresh connection and reads the whole answer.
async fn forward(upstream: &str, request: &Message) -> std::io::Result<Message> {
    let mut conn = TcpStream::connect(upstream).await?;
    conn.write_all(&request.encode("close")).await?;
    conn.flush().await?;
    http::read_async(&mut conn, &mut Vec::new())
        .await?
        .ok_or_else(|| std::io::Error::other("the emulator closed without answering"))
}

// ---------------------------------------------------------------------------------------------
// Requests: what they are, what to do with them

/// Percent-decodes a form value (`+` is a space).
fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| form_decode(v))
    })
}

/// The 12-digit account of an ARN.
fn arn_account(arn: &str) -> Option<String> {
    arn.split(':').nth(4).map(str::to_string)
}

fn describe(request: &Message, state: &Arc<Mutex<State>>) -> RequestInfo {
    // Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...
    let scope = request
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .unwrap_or("");
    let mut parts = scope.split('/');
    let access_key = parts.next().unwrap_or("").to_string();
    let service = parts.nth(2).unwrap_or("").to_string();
    let target = request.header("x-amz-target");
    let json = target.is_some()
        || request
            .header("content-type")
            .is_some_and(|c| c.contains("json"));
    let body = String::from_utf8_lossy(&request.body);
    let operation = match target {
        Some(t) => t.rsplit('.').next().unwrap_or("").to_string(),
        None => form_field(&body, "Action").unwrap_or_default(),
    };
    let signer_account = {
        let mut s = state.lock().unwrap();
        if !access_key.is_empty() {
            s.credentials.insert(access_key.clone());
        }
        s.keys
            .get(&access_key)
            .cloned()
            .unwrap_or_else(|| MANAGEMENT_ACCOUNT_ID.to_string())
    };
    let account = if operation == "AssumeRole" {
        form_field(&body, "RoleArn")
            .and_then(|arn| arn_account(&arn))
            .unwrap_or(signer_account)
    } else {
        signer_account
    };
    RequestInfo {
        service,
        operation,
        access_key,
        account,
        json,
    }
}

/// The faults to apply, in order: every matching latency rule, then the first matching
/// answering rule.
fn decide(s: &mut State, info: &RequestInfo) -> Vec<Fault> {
    let mut out = Vec::new();
    for i in 0..s.rules.len() {
        let rule = &s.rules[i];
        if !rule.matches(info) || rule.count.is_some_and(|c| s.used[i] >= c) {
            continue;
        }
        let probability = rule.probability;
        if s.rng.next_f64() >= probability {
            continue;
        }
        let fault = rule.fault.clone();
        s.used[i] += 1;
        *s.stats.faults.entry(fault.label()).or_default() += 1;
        if !matches!(fault, Fault::Latency(_)) {
            *s.stats
                .faults_by_operation
                .entry(format!("{}:{}", info.service, info.operation))
                .or_default() += 1;
            out.push(fault);
            break;
        }
        out.push(fault);
    }
    out
}

fn learn_key(state: &Arc<Mutex<State>>, info: &RequestInfo, response: &Message) {
    let body = String::from_utf8_lossy(&response.body);
    let element = |name: &str| {
        body.split(&format!("<{name}>"))
            .nth(1)
            .and_then(|rest| rest.split(&format!("</{name}>")).next())
            .map(|v| v.trim().to_string())
    };
    let mut s = state.lock().unwrap();
    if let Some(key) = element("AccessKeyId") {
        s.keys.insert(key.clone(), info.account.clone());
        s.credentials.insert(key);
    }
    for name in ["SecretAccessKey", "SessionToken"] {
        if let Some(v) = element(name) {
            s.credentials.insert(v);
        }
    }
}

/// An error answer in the protocol's own shape.
fn fault_response(fault: &Fault, info: &RequestInfo, request_id: &str) -> Vec<u8> {
    let (status, reason, code, message, sender) = match fault {
        Fault::Throttle => (
            400,
            "Bad Request",
            if info.json {
                "ThrottlingException"
            } else {
                "Throttling"
            },
            "Rate exceeded".to_string(),
            true,
        ),
        Fault::ServerError(503) => (
            503,
            "Service Unavailable",
            "ServiceUnavailable",
            "Service is unavailable (injected)".to_string(),
            false,
        ),
        Fault::ServerError(code) => (
            *code,
            "Internal Server Error",
            "InternalFailure",
            "Internal failure (injected)".to_string(),
            false,
        ),
        Fault::AccessDenied => (
            403,
            "Forbidden",
            if info.json {
                "AccessDeniedException"
            } else {
                "AccessDenied"
            },
            format!(
                "User is not authorized to perform: {}:{} (injected)",
                info.service, info.operation
            ),
            true,
        ),
        Fault::Latency(_) | Fault::Reset | Fault::PatchJson(_) | Fault::StandIn(_) => {
            unreachable!("not an answer of its own")
        }
    };
    let mut headers = vec![("x-amzn-RequestId".to_string(), request_id.to_string())];
    let body = if info.json {
        headers.push((
            "Content-Type".to_string(),
            "application/x-amz-json-1.1".to_string(),
        ));
        headers.push(("x-amzn-ErrorType".to_string(), code.to_string()));
        format!(r#"{{"__type":"{code}","message":"{message}"}}"#)
    } else {
        headers.push(("Content-Type".to_string(), "text/xml".to_string()));
        let kind = if sender { "Sender" } else { "Receiver" };
        if info.service == "ec2" {
            // EC2's own query dialect.
            format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            )
        } else {
            format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
        }
    };
    answer(status, reason, &headers, body.as_bytes())
}
