//! The kit's one HTTP/1.1 implementation, for loopback peers only: message framing (parse and
//! encode) shared by the fault proxy's server side and by the client, and a blocking client for
//! the emulator's own endpoints (readiness, `/moto-api/reset`, bucket creation) and chromedriver.
//!
//! Hand-kept rather than a crate: the proxy needs the server side of the same framing anyway, the
//! peers are local and plain (no TLS, no redirects, no pooling), and the HTTP crates the SDK
//! already builds would need features that recompile it.

use std::io::{Error, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Headers that describe one hop's framing: [`Message::encode`] writes its own.
const FRAMING: [&str; 5] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "expect",
];

/// One HTTP/1.1 request or response: start line, headers in order, and the body unframed.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The status code and reason phrase of a response.
    pub fn status(&self) -> std::io::Result<(u16, String)> {
        let mut parts = self.start_line.splitn(3, ' ');
        let status = parts
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("not an HTTP response: {:.80}", self.start_line)))?;
        Ok((status, parts.next().unwrap_or("").to_string()))
    }

    /// The message with its body framed by `Content-Length` and the given `Connection`, in
    /// place of the framing headers it came with.
    pub fn encode(&self, connection: &str) -> Vec<u8> {
        let mut head = format!("{}\r\n", self.start_line);
        for (k, v) in &self.headers {
            if !FRAMING.contains(&k.to_ascii_lowercase().as_str()) {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }

    /// Parses one message from the front of `buf`: the message and the bytes it took, or `None`
    /// while more are needed. `eof` says nothing more will come, which ends a response framed by
    /// neither length nor chunks (`Connection: close`); such a request has no body.
    pub fn parse(buf: &[u8], eof: bool) -> std::io::Result<Option<(Message, usize)>> {
        let start = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let Some(head_len) = find(&buf[start..], b"\r\n\r\n") else {
            return incomplete(eof, buf.len() > start);
        };
        let head = String::from_utf8_lossy(&buf[start..start + head_len]);
        let mut lines = head.split("\r\n");
        let start_line = lines.next().unwrap_or("").to_string();
        let headers = lines
            .map(|line| {
                let (k, v) = line
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad header line {line:?}")))?;
                Ok((k.trim().to_string(), v.trim().to_string()))
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        let mut message = Message {
            start_line,
            headers,
            body: Vec::new(),
        };
        let at = start + head_len + 4;
        let rest = &buf[at..];
        let chunked = message
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let used = if chunked {
            match dechunk(rest)? {
                Some((body, used)) => {
                    message.body = body;
                    used
                }
                None => return incomplete(eof, true),
            }
        } else if let Some(len) = message.header("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
            if rest.len() < len {
                return incomplete(eof, true);
            }
            message.body = rest[..len].to_vec();
            len
        } else if message.start_line.starts_with("HTTP/") {
            if !eof {
                return Ok(None);
            }
            message.body = rest.to_vec();
            rest.len()
        } else {
            0
        };
        Ok(Some((message, at + used)))
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::new(std::io::ErrorKind::InvalidData, message.into())
}

/// `None` (more bytes needed), or an error when none will come and a message was begun.
fn incomplete<T>(eof: bool, begun: bool) -> std::io::Result<Option<T>> {
    if eof && begun {
        return Err(Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the peer closed inside an HTTP message",
        ));
    }
    Ok(None)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A chunked body at the front of `data` (trailers skipped): the body and the bytes it took, or
/// `None` while it is incomplete.
fn dechunk(data: &[u8]) -> std::io::Result<Option<(Vec<u8>, usize)>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_len) = find(&data[at..], b"\r\n") else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&data[at..at + line_len]);
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad(format!("bad chunk size {line:?}")))?;
        at += line_len + 2;
        if size == 0 {
            // Trailers, up to an empty line.
            return Ok(find(&data[at - 2..], b"\r\n\r\n").map(|end| (body, at + end + 2)));
        }
        if data.len() < at + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[at..at + size]);
        at += size + 2;
    }
}

/// Reads the next message from `stream`, keeping what follows it in `buf`; `None` when the peer
/// closed before a message began.
pub fn read(stream: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<Option<Message>> {
    let mut chunk = [0u8; 64 * 1024];
    let mut eof = false;
    loop {
        if let Some((message, used)) = Message::parse(buf, eof)? {
            buf.drain(..used);
            return Ok(Some(message));
        }
        if eof {
            return Ok(None);
        }
        let n = stream.read(&mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        eof = n == 0;
    }
}

/// [`read`] for an async stream.
pub async fn read_async(
    stream: &mut (impl AsyncRead + Unpin),
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Message>> {
    let mut chunk = [0u8; 64 * 1024];
    let mut eof = false;
    loop {
        if let Some((message, used)) = Message::parse(buf, eof)? {
            buf.drain(..used);
            return Ok(Some(message));
        }
        if eof {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        buf.extend_from_slice(&chunk[..n]);
        eof = n == 0;
    }
}

/// `host:port` of an `http://host:port[/]` endpoint.
pub fn authority(endpoint: &str) -> &str {
    endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("the endpoint must be http://host:port, not {endpoint}"))
        .trim_end_matches('/')
}

/// One request to `endpoint` on a fresh connection, with an optional `(media type, text)` body:
/// the answer's status and body. Reads exactly the framed answer, since chromedriver keeps the
/// connection open despite `Connection: close`.
pub fn request(
    endpoint: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let authority = authority(endpoint);
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| Error::other(format!("no address for {authority}")))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut headers = vec![("Host".to_string(), authority.to_string())];
    if let Some((media_type, _)) = body {
        headers.push(("Content-Type".to_string(), media_type.to_string()));
    }
    let message = Message {
        start_line: format!("{method} {path} HTTP/1.1"),
        headers,
        body: body
            .map(|(_, text)| text.as_bytes().to_vec())
            .unwrap_or_default(),
    };
    stream.write_all(&message.encode("close"))?;
    let answer = read(&mut stream, &mut Vec::new())?
        .ok_or_else(|| Error::other(format!("{authority} closed without answering")))?;
    Ok((
        answer.status()?.0,
        String::from_utf8_lossy(&answer.body).into_owned(),
    ))
}

/// [`request`] from async code, on a blocking thread: the peer may be served by the caller's own
/// runtime (the fault proxy is), which a blocking call on it would stall.
pub async fn request_async(
    endpoint: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &str)>,
) -> std::io::Result<(u16, String)> {
    let (endpoint, method, path) = (endpoint.to_string(), method.to_string(), path.to_string());
    let body = body.map(|(t, b)| (t.to_string(), b.to_string()));
    tokio::task::spawn_blocking(move || {
        let body = body.as_ref().map(|(t, b)| (t.as_str(), b.as_str()));
        request(&endpoint, &method, &path, body, Duration::from_secs(120))
    })
    .await
    .map_err(Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, eof: bool) -> Option<(Message, usize)> {
        Message::parse(raw.as_bytes(), eof).unwrap()
    }

    #[test]
    fn a_message_is_complete_only_with_its_whole_body() {
        let raw = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        assert!(parse(&raw[..raw.len() - 1], false).is_none());
        let (m, used) = parse(&format!("{raw}GET"), false).unwrap();
        assert_eq!((m.body.as_slice(), used), (&b"hello"[..], raw.len()));
        assert!(Message::parse(&raw.as_bytes()[..20], true).is_err());
    }

    #[test]
    fn chunked_bodies_are_joined_and_trailers_skipped() {
        let raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX: y\r\n\r\n";
        assert!(parse(&raw[..raw.len() - 2], false).is_none());
        let (m, used) = parse(raw, false).unwrap();
        assert_eq!((m.body.as_slice(), used), (&b"abcde"[..], raw.len()));
        assert_eq!(m.status().unwrap(), (200, "OK".to_string()));
    }

    #[test]
    fn an_unframed_response_runs_to_the_end_and_a_request_has_no_body() {
        let raw = "HTTP/1.1 200 OK\r\n\r\nbody";
        assert!(parse(raw, false).is_none());
        assert_eq!(parse(raw, true).unwrap().0.body, b"body");
        assert_eq!(parse("\r\nGET / HTTP/1.1\r\n\r\n", false).unwrap().1, 20);
    }

    #[test]
    fn encoding_reframes_the_body() {
        let m = Message {
            start_line: "HTTP/1.1 200 OK".into(),
            headers: vec![
                ("Transfer-Encoding".into(), "chunked".into()),
                ("X-A".into(), "1".into()),
            ],
            body: b"abc".to_vec(),
        };
        let raw = String::from_utf8(m.encode("close")).unwrap();
        assert_eq!(
            raw,
            "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
        );
        assert_eq!(parse(&raw, false).unwrap().0.body, m.body);
    }
}
