//! The kit's one source of loopback ports: for the servers it starts (moto, chromedriver) and
//! for endpoints that must have nobody listening.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// A loopback port that was free a moment ago and that nobody else in this process was given:
/// tests start servers in parallel, and the system may hand a just-closed port out again.
pub fn free_port() -> u16 {
    static CLAIMED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    loop {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a loopback port");
        let port = listener.local_addr().expect("no local address").port();
        drop(listener);
        if CLAIMED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap()
            .insert(port)
        {
            return port;
        }
    }
}
