//! SIGINT and SIGTERM as stop requests: the one place the process's signals are listened to.
//! Everything below the commands waits on a [`Stop`] value instead.

use std::sync::OnceLock;

use crate::outcome::Signal;
use crate::run::Stop;

static STOP: OnceLock<Stop> = OnceLock::new();

/// Starts listening (once per process; needs a tokio runtime) and returns the stop that the
/// process's SIGINT and SIGTERM feed. A signal from here on is remembered even if nobody waits.
pub fn stop() -> Stop {
    STOP.get_or_init(|| {
        let (tx, stop) = Stop::channel();
        tokio::spawn(async move {
            loop {
                tx.send(next_signal().await);
            }
        });
        stop
    })
    .clone()
}

async fn next_signal() -> Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Interrupt,
                _ = term.recv() => Signal::Terminate,
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                Signal::Interrupt
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Signal::Interrupt
    }
}
