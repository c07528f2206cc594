//! A few plain HTTP/1.1 requests to the emulator, without an HTTP client dependency: the
//! readiness probe, `POST /moto-api/reset`, and path-style S3 bucket creation (the crate has no
//! aws-sdk-s3 and does not need one for this).

use std::io::{Read, Write};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `host:port` of an `http://host:port[/]` endpoint.
pub fn authority(endpoint: &str) -> &str {
    endpoint
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("the emulator endpoint must be http://host:port, not {endpoint}"))
        .trim_end_matches('/')
}

fn request_text(method: &str, authority: &str, path: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

/// Status code and body of a raw response.
fn parse_response(raw: &[u8]) -> std::io::Result<(u16, String)> {
    let text = String::from_utf8_lossy(raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {:.80}", text)))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// One blocking request with a short timeout; used by the readiness probe.
pub fn blocking_request(
    endpoint: &str,
    method: &str,
    path: &str,
) -> std::io::Result<(u16, String)> {
    let authority = authority(endpoint);
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(request_text(method, authority, path).as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

/// One async request.
pub async fn request(endpoint: &str, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let authority = authority(endpoint);
    let mut stream = tokio::net::TcpStream::connect(authority).await?;
    stream
        .write_all(request_text(method, authority, path).as_bytes())
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_response(&raw)
}
