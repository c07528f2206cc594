//! A minimal W3C WebDriver client for the report test: a private `chromedriver` on a free
//! loopback port, one headless Chromium session, and the few commands the test needs (navigate,
//! find by CSS, text, attribute, click, type, press keys, execute script, alert text,
//! screenshot), as JSON through the kit's HTTP client ([`crate::http`]): no WebDriver crate.
//!
//! Needs `chromium` and `chromedriver` on PATH (Debian: `apt-get install chromium
//! chromium-driver`; `scripts/test` installs them). Missing, they are a panic, never a skip.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{http, port};

const MISSING: &str = "chromium and chromedriver are needed for the report test: apt-get install chromium chromium-driver (scripts/test installs them)";

/// WebDriver key codes for [`Browser::keys`].
pub const KEY_ENTER: &str = "\u{E007}";
pub const KEY_SPACE: &str = "\u{E00D}";
pub const KEY_RIGHT: &str = "\u{E014}";
pub const KEY_DOWN: &str = "\u{E015}";

/// The W3C key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An executable on PATH.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A WebDriver error response (`value.error`, `value.message`), or a transport failure.
#[derive(Debug, Clone)]
pub struct WdError {
    pub status: u16,
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.error, self.message)
    }
}

/// An element reference of the current session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

/// `(status, body)` of one request to chromedriver on `127.0.0.1:port`.
fn request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let body = body.map(Value::to_string);
    let body = body
        .as_deref()
        .map(|b| ("application/json; charset=utf-8", b));
    let endpoint = format!("http://127.0.0.1:{port}");
    http::request(&endpoint, method, path, body, timeout)
}

/// Standard base64 (the screenshot's encoding), padding optional.
fn base64_decode(text: &str) -> Vec<u8> {
    fn sextet(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {:?}", c as char),
        }
    }
    let clean: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= sextet(c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// A running chromedriver with one headless Chromium session; both end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    log: PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free port (retrying a port race), waits until `/status` is
    /// ready, and opens a headless session with a 1400×1000 window.
    pub fn start() -> Browser {
        let (Some(driver_path), Some(chromium)) = (on_path("chromedriver"), on_path("chromium"))
        else {
            panic!("{MISSING}");
        };
        let mut last = String::new();
        for _attempt in 0..5 {
            let port = port::free_port();
            let log = std::env::temp_dir().join(format!(
                "orgsweep-chromedriver-{}-{port}.log",
                std::process::id()
            ));
            let log_file = std::fs::File::create(&log).expect("cannot create the driver log");
            let mut driver = Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("log file"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}; {MISSING}", driver_path.display()));
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut ready = false;
            while Instant::now() < deadline && driver.try_wait().ok().flatten().is_none() {
                if let Ok((200, body)) =
                    request(port, "GET", "/status", None, Duration::from_secs(2))
                {
                    let v: Value = serde_json::from_str(&body).unwrap_or_default();
                    if v["value"]["ready"] == json!(true) {
                        ready = true;
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if !ready {
                let _ = driver.kill();
                let _ = driver.wait();
                last = std::fs::read_to_string(&log).unwrap_or_default();
                let _ = std::fs::remove_file(&log);
                continue;
            }
            let capabilities = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                // An alert stays open for the test to see, rather than being dismissed.
                "unhandledPromptBehavior": "ignore",
                "goog:chromeOptions": {
                    "binary": chromium.to_string_lossy(),
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                             "--disable-dev-shm-usage", "--window-size=1400,1000"],
                },
            }}});
            let session = match request(
                port,
                "POST",
                "/session",
                Some(&capabilities),
                Duration::from_secs(60),
            ) {
                Ok((200, body)) => {
                    let v: Value = serde_json::from_str(&body).expect("session reply is JSON");
                    v["value"]["sessionId"]
                        .as_str()
                        .expect("no sessionId")
                        .to_string()
                }
                other => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                    panic!(
                        "chromedriver could not open a Chromium session: {other:?}\n--- driver log\n{}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                }
            };
            return Browser {
                driver,
                port,
                session,
                log,
            };
        }
        panic!("chromedriver did not become ready after 5 attempts; its last log:\n{last}");
    }

    /// One command of the session: `value` of the reply, or the WebDriver error.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let full = format!("/session/{}{path}", self.session);
        let body = body.or_else(|| (method == "POST").then(|| json!({})));
        let (status, text) = request(
            self.port,
            method,
            &full,
            body.as_ref(),
            Duration::from_secs(60),
        )
        .map_err(|e| WdError {
            status: 0,
            error: "transport".into(),
            message: format!("{method} {full}: {e}"),
        })?;
        let v: Value = serde_json::from_str(&text).map_err(|e| WdError {
            status,
            error: "invalid reply".into(),
            message: format!("{e}: {text:.200}"),
        })?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if status == 200 {
            return Ok(value);
        }
        Err(WdError {
            status,
            error: value["error"].as_str().unwrap_or("unknown").to_string(),
            message: value["message"].as_str().unwrap_or("").to_string(),
        })
    }

    fn must(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, path, body).unwrap_or_else(|e| {
            if e.error == "unexpected alert open" {
                panic!("the page opened an alert (script ran that should not have): {e}");
            }
            panic!("WebDriver {method} {path}: {e}")
        })
    }

    pub fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(json!({ "url": url })));
    }

    /// A `file://` URL of a local file.
    pub fn file_url(path: &Path) -> String {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        format!("file://{}", abs.display())
    }

    fn element(v: &Value) -> Element {
        Element(
            v[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element reference: {v}"))
                .to_string(),
        )
    }

    /// The first element matching `css`, or `None`.
    pub fn find(&self, css: &str) -> Option<Element> {
        let body = json!({"using": "css selector", "value": css});
        match self.call("POST", "/element", Some(body)) {
            Ok(v) => Some(Self::element(&v)),
            Err(e) if e.error == "no such element" => None,
            Err(e) => panic!("WebDriver find {css:?}: {e}"),
        }
    }

    /// The first element matching `css`; panics when there is none.
    pub fn get(&self, css: &str) -> Element {
        self.find(css)
            .unwrap_or_else(|| panic!("no element matches {css:?}"))
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let body = json!({"using": "css selector", "value": css});
        self.must("POST", "/elements", Some(body))
            .as_array()
            .expect("elements reply is an array")
            .iter()
            .map(Self::element)
            .collect()
    }

    /// The rendered text of an element (what a user sees).
    pub fn text(&self, e: &Element) -> String {
        let v = self.must("GET", &format!("/element/{}/text", e.0), None);
        v.as_str().unwrap_or_default().to_string()
    }

    pub fn attr(&self, e: &Element, name: &str) -> Option<String> {
        let v = self.must("GET", &format!("/element/{}/attribute/{name}", e.0), None);
        v.as_str().map(str::to_string)
    }

    pub fn click(&self, e: &Element) {
        self.must("POST", &format!("/element/{}/click", e.0), None);
    }

    /// Types `text` into an element.
    pub fn type_text(&self, e: &Element, text: &str) {
        let body = json!({ "text": text });
        self.must("POST", &format!("/element/{}/value", e.0), Some(body));
    }

    /// Presses and releases each key in turn at whatever has the focus, as a keyboard does
    /// (W3C actions): unlike `type_text`, it reaches elements that are not text fields. Keys
    /// are characters or WebDriver key codes such as [`KEY_ENTER`] and [`KEY_RIGHT`].
    pub fn keys(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.must("POST", "/actions", Some(body));
        let _ = self.call("DELETE", "/actions", None);
    }

    pub fn clear(&self, e: &Element) {
        self.must("POST", &format!("/element/{}/clear", e.0), None);
    }

    /// Runs `script` (a function body: `return …`) with `args`; its result as JSON.
    pub fn exec(&self, script: &str, args: Value) -> Value {
        let body = json!({"script": script, "args": args});
        self.must("POST", "/execute/sync", Some(body))
    }

    /// The text of an open alert, confirm or prompt, or `None` when there is none.
    pub fn alert_text(&self) -> Option<String> {
        match self.call("GET", "/alert/text", None) {
            Ok(v) => Some(v.as_str().unwrap_or_default().to_string()),
            Err(e) if e.error == "no such alert" => None,
            Err(e) => panic!("WebDriver alert text: {e}"),
        }
    }

    /// Polls `script` until it returns something other than `null`/`false`, up to `timeout`.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.exec(script, json!([]));
            if !v.is_null() && v != json!(false) {
                return Some(v);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a PNG screenshot of the viewport; returns its bytes.
    pub fn screenshot(&self, path: &Path) -> Vec<u8> {
        let v = self.must("GET", "/screenshot", None);
        let png = base64_decode(v.as_str().expect("screenshot is a base64 string"));
        std::fs::write(path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        png
    }

    /// chromedriver's log so far, for failure messages.
    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
            Duration::from_secs(10),
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(base64_decode("TWFu"), b"Man");
        assert_eq!(base64_decode("TWE="), b"Ma");
        assert_eq!(base64_decode("TQ=="), b"M");
        assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
    }
}
