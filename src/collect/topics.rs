//! Topics where they live. Control Tower and LZA landing zones send every account's alarms to a
//! topic of the Audit (or a security) account; read with the alarm account's credentials such a
//! topic answers nothing true (an empty subscription list on the emulator, AccessDenied on AWS).
//! So a topic of another account is read there, with that account's role, and once per sweep
//! however many accounts' alarms notify it: a central topic notified by 1,000 accounts costs its
//! three reads (subscriptions, attributes, key policy) once, not 1,000 times.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::aws::{AccountClients, CallFailure, FailureKind};
use crate::facts::{parse_arn, Fetched, TopicFacts};

use super::{delivery, metrics};

/// Clients for an account, with the sweep's role (or the caller's own credentials there).
pub(crate) type EnterFuture =
    Pin<Box<dyn Future<Output = Result<AccountClients, CallFailure>> + Send>>;

/// How the sweep enters an account: given its id, clients counting into the sweep's tally.
pub type Enter = Arc<dyn Fn(String) -> EnterFuture + Send + Sync>;

/// Cells of in-flight or finished work, one per key (an account id, a topic ARN).
type Cells<T> = Mutex<HashMap<String, Arc<OnceCell<T>>>>;

/// The sweep's shared reads of other accounts' topics: one in-flight or finished read per topic
/// ARN, one entry (role assumption) per account.
pub(crate) struct CentralTopics {
    enter: Enter,
    /// The organization's accounts: a topic elsewhere cannot be entered.
    members: BTreeSet<String>,
    accounts: Cells<Result<Arc<AccountClients>, CallFailure>>,
    topics: Cells<Fetched<TopicFacts>>,
}

impl std::fmt::Debug for CentralTopics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CentralTopics")
            .field("members", &self.members.len())
            .finish_non_exhaustive()
    }
}

/// The cell of `key` in `map`, made on first use (the lock is held only to find it).
fn cell<T>(map: &Cells<T>, key: &str) -> Arc<OnceCell<T>> {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(map.entry(key.to_string()).or_default())
}

impl CentralTopics {
    pub fn new(members: BTreeSet<String>, enter: Enter) -> Self {
        CentralTopics {
            enter,
            members,
            accounts: Mutex::new(HashMap::new()),
            topics: Mutex::new(HashMap::new()),
        }
    }

    /// The topic of `arn`, read in its own account (subscriptions, attributes, the key policy of
    /// its customer managed key), once per sweep. An account orgsweep cannot enter (outside the
    /// organization, or its role cannot be assumed) is an `AssumeRole` failure that names the
    /// topic and its account.
    pub async fn read(&self, arn: &str) -> Fetched<TopicFacts> {
        let topic = cell(&self.topics, arn);
        topic.get_or_init(|| self.read_once(arn)).await.clone()
    }

    async fn read_once(&self, arn: &str) -> Fetched<TopicFacts> {
        let account = parse_arn(arn).map(|p| p.account).unwrap_or_default();
        if !self.members.contains(account) {
            return Err(CallFailure::not_made(
                FailureKind::AssumeRole,
                "STS:AssumeRole",
                format!(
                    "the alarm notifies topic {arn} of account {account}, which is not in the organization, so orgsweep cannot enter it to read the topic"
                ),
            ));
        }
        let entered = cell(&self.accounts, account);
        let clients = entered
            .get_or_init(|| async { (self.enter)(account.to_string()).await.map(Arc::new) })
            .await
            .clone()
            .map_err(|f| CallFailure {
                message: format!(
                    "cannot read topic {arn} in account {account}: {}",
                    f.message
                ),
                ..f
            })?;
        let wanted = [arn.to_string()];
        let (topic, mut delivery) = tokio::join!(
            metrics::topic(&clients, arn),
            delivery::topics_delivery(&clients, &wanted)
        );
        topic.map(|mut t| {
            t.delivery = delivery.remove(arn);
            t
        })
    }
}
