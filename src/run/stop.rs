//! A stop request as a value the run can wait on (after mini-redis's `server::run(listener,
//! shutdown)`): the command hands the run a [`Stop`] fed by the process's signals; a test hands
//! it one it triggers itself. It counts requests, so a second one can be told from the first
//! (the first lets work in flight finish; the second cuts it short), and it remembers them: a
//! request that lands between two phases (an apply and its re-check) is never lost.

use tokio::sync::watch;

use crate::outcome::Signal;

/// How many stop requests have arrived, and the first one.
type Received = (u32, Option<Signal>);

/// The receiving end: cheap to clone, every clone sees every request.
#[derive(Debug, Clone)]
pub struct Stop {
    rx: watch::Receiver<Received>,
}

/// The sending end, held by whatever turns outside events into stop requests.
#[derive(Debug)]
pub struct StopSender {
    tx: watch::Sender<Received>,
}

impl StopSender {
    /// Records one more stop request.
    pub fn send(&self, signal: Signal) {
        self.tx.send_modify(|(count, first)| {
            *count += 1;
            first.get_or_insert(signal);
        });
    }
}

impl Stop {
    /// A pair: requests sent on the sender reach every clone of the `Stop`.
    pub(crate) fn channel() -> (StopSender, Stop) {
        let (tx, rx) = watch::channel((0, None));
        (StopSender { tx }, Stop { rx })
    }

    /// A stop that never comes (the sender is kept alive inside, so it never closes).
    pub fn never() -> Stop {
        let (tx, stop) = Stop::channel();
        std::mem::forget(tx);
        stop
    }

    /// Resolves once `n` stop requests have arrived in all (at once if they already have),
    /// naming the first of them.
    pub async fn nth(&self, n: u32) -> Signal {
        let mut rx = self.rx.clone();
        loop {
            let (count, first) = *rx.borrow_and_update();
            if count >= n {
                return first.unwrap_or(Signal::Interrupt);
            }
            if rx.changed().await.is_err() {
                // Nobody can send any more: never resolve.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Resolves on the first stop request (at once if one already came).
    pub async fn first(&self) -> Signal {
        self.nth(1).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_requests_and_names_the_first() {
        let (tx, stop) = Stop::channel();
        tx.send(Signal::Terminate);
        assert_eq!(stop.first().await, Signal::Terminate);
        tx.send(Signal::Interrupt);
        assert_eq!(stop.clone().nth(2).await, Signal::Terminate);
        let third = tokio::time::timeout(std::time::Duration::from_millis(20), stop.nth(3)).await;
        assert!(third.is_err(), "a third request never came");
    }
}
