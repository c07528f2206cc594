//! SIGINT and SIGTERM, remembered from the moment the first stoppable work begins: a signal that
//! lands between two phases (an apply and its re-check) is never lost, and a second signal can
//! be told from the first.

use std::sync::OnceLock;

use tokio::sync::watch;

/// How many stop signals have arrived, and the name of the first.
type Received = (u32, Option<&'static str>);

static RECEIVED: OnceLock<watch::Receiver<Received>> = OnceLock::new();

/// Starts listening (once per process; needs a tokio runtime) and returns the shared state.
fn listener() -> watch::Receiver<Received> {
    RECEIVED
        .get_or_init(|| {
            let (tx, rx) = watch::channel((0, None));
            tokio::spawn(async move {
                loop {
                    let name = next_signal().await;
                    tx.send_modify(|(count, first)| {
                        *count += 1;
                        first.get_or_insert(name);
                    });
                }
            });
            rx
        })
        .clone()
}

async fn next_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Starts listening now, so a signal from here on is remembered even if nobody waits yet.
pub fn listen() {
    let _ = listener();
}

/// Resolves once `n` stop signals have arrived in all (at once if they already have), naming
/// the first of them.
pub async fn nth(n: u32) -> &'static str {
    let mut rx = listener();
    loop {
        let (count, first) = *rx.borrow_and_update();
        if count >= n {
            return first.unwrap_or("SIGINT");
        }
        if rx.changed().await.is_err() {
            // The listener is gone (the runtime is shutting down): never resolve.
            std::future::pending::<()>().await;
        }
    }
}

/// Resolves on the first stop signal (at once if one already came).
pub async fn first() -> &'static str {
    nth(1).await
}

/// The process exit code conventional for a signal (128 + its number).
pub fn exit_code(signal: &str) -> i32 {
    if signal == "SIGTERM" {
        143
    } else {
        130
    }
}
