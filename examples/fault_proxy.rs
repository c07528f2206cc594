//! A fault-injecting proxy in front of the emulator, for the demo: moto lets any role be assumed,
//! so the demo's "role that cannot be assumed" account is refused here, as AWS would refuse it.
//!
//!   cargo run --example fault_proxy -- --upstream http://127.0.0.1:PORT --deny-assume-role NAME
//!
//! NAME is an account name of the emulator's organization. Prints `AWS_ENDPOINT_URL=…` for the
//! proxy, then serves until it is killed.

use testkit::fault_proxy::{FaultProxy, Rule};
use testkit::Emulator;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let Some(upstream) = value("--upstream") else {
        eprintln!("usage: fault_proxy --upstream URL [--deny-assume-role ACCOUNT_NAME]");
        std::process::exit(2);
    };
    let mut rules = Vec::new();
    if let Some(name) = value("--deny-assume-role") {
        let em = Emulator::new(upstream.clone());
        let counter = orgsweep::aws::CallCounter::new();
        let id =
            match orgsweep::organization::discover(&em.config("us-east-1"), &counter, &[]).await {
                Ok(org) => org
                    .accounts
                    .into_iter()
                    .find(|a| a.name == name)
                    .map(|a| a.id),
                Err(e) => {
                    eprintln!("error: cannot list the emulator's accounts: {e}");
                    std::process::exit(2);
                }
            };
        let Some(id) = id else {
            eprintln!("error: no account named {name} in the emulator's organization");
            std::process::exit(2);
        };
        rules.push(Rule::access_denied().operation("AssumeRole").account(&id));
    }
    let proxy = FaultProxy::start(&upstream, rules, 7).await;
    println!("AWS_ENDPOINT_URL={}", proxy.endpoint());
    // Serve until killed.
    std::future::pending::<()>().await;
}
