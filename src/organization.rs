//! Lists the organization: every account with its parent OU, found by walking the OU tree.
//!
//! I/O only: the calls go out, plain structs come back. The walk starts at the roots and asks,
//! for each parent, its child OUs (`ListOrganizationalUnitsForParent`) and its accounts
//! (`ListAccountsForParent`), reading every page of every call. That gives each account its
//! parent without one `ListParents` call per account, and the ancestors of each account for
//! `--ous` filtering. Parents of one level are asked concurrently.
//!
//! On the emulator (moto 5.2.5) `ListAccountsForParent` and `ListOrganizationalUnitsForParent`
//! page by 20 and `ListAccounts` by 100, so a 250-account OU takes 13 pages.

use std::collections::{BTreeSet, HashMap};

use aws_config::SdkConfig;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::errors::classify;
use crate::aws::{CallCounter, CallFailure};

/// One account of the organization, as listed by Organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    /// 12 digits, kept as a string: ids can start with 0.
    pub id: String,
    pub name: String,
    pub email: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, ... as Organizations spells it.
    pub status: String,
    /// The OU (`ou-…`) or root (`r-…`) the account sits in directly.
    pub parent_id: String,
    pub parent_name: String,
    /// The names from the root down to the parent: `Root / Prod / Prod EU` (reports group by it).
    pub ou_path: String,
    /// The ids from the root down to the parent (`r-…`, `ou-…`, …): what exceptions and
    /// `aws:SourceOrgPaths` conditions match an account's place in the tree by.
    pub lineage: Vec<String>,
}

impl OrgAccount {
    /// Whether the account is usable (`ACTIVE`); other accounts are listed but marked.
    pub(crate) fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// The organization as seen from its management account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// The organization id (`o-…`): plan files are bound to it.
    pub id: String,
    pub management_account_id: String,
    /// Sorted by account id: every account, or with `--ous` those under the OUs named.
    pub accounts: Vec<OrgAccount>,
    /// Accounts of the organization that `--ous` left out.
    pub outside_ous: usize,
    /// Every root and OU id of the organization.
    pub parents: BTreeSet<String>,
    /// Account id → `o-…/r-…/ou-…/`, the ids from the organization down to the account's
    /// parent: what `aws:SourceOrgPaths` holds for the account (topic policies grant on it).
    pub org_paths: std::collections::BTreeMap<String, String>,
}

/// Why the organization could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverError {
    /// An `--ous` id that is neither an OU nor a root of the organization: the user's to fix.
    UnknownOu(String),
    /// An AWS call failed.
    Call(CallFailure),
}

impl From<CallFailure> for DiscoverError {
    fn from(f: CallFailure) -> Self {
        DiscoverError::Call(f)
    }
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::UnknownOu(id) => write!(
                f,
                "`{id}` is not an OU or root of this organization; `orgsweep accounts` lists the parent ids"
            ),
            DiscoverError::Call(c) => c.fmt(f),
        }
    }
}

/// How many parents are listed at the same time.
const PARENT_CONCURRENCY: usize = 8;

/// A node of the OU tree: a root or an OU, with the ids of its ancestors (itself included).
#[derive(Debug, Clone)]
struct Parent {
    id: String,
    name: String,
    lineage: Vec<String>,
    /// Names from the root down to this node, ` / `-joined.
    path: String,
}

/// What one parent holds: its child OUs, and its accounts.
type Children = (Vec<Parent>, Vec<OrgAccount>);

/// Lists the organization's accounts. With `ous` non-empty, keeps only accounts under one of
/// those OUs or roots, at any depth; an id that is neither an OU nor a root of the organization
/// is an error naming it.
pub async fn discover(
    config: &SdkConfig,
    counter: &CallCounter,
    ous: &[String],
) -> Result<Organization, DiscoverError> {
    let client = crate::aws::counted_client!(aws_sdk_organizations, config, counter);

    let described = client
        .describe_organization()
        .send()
        .await
        .map_err(|e| classify("organizations:DescribeOrganization", &e))?;
    let management_account_id = described
        .organization()
        .and_then(|o| o.master_account_id())
        .unwrap_or_default()
        .to_string();
    let id = described
        .organization()
        .and_then(|o| o.id())
        .unwrap_or_default()
        .to_string();

    let mut level = list_roots(&client).await?;
    let mut seen_nodes: BTreeSet<String> = level.iter().map(|p| p.id.clone()).collect();
    let mut accounts: Vec<OrgAccount> = Vec::new();
    while !level.is_empty() {
        let results: Vec<Children> = stream::iter(level)
            .map(|parent| {
                let client = client.clone();
                async move { list_children(&client, parent).await }
            })
            .buffer_unordered(PARENT_CONCURRENCY)
            .try_collect()
            .await?;
        let mut next = Vec::new();
        for (children, found) in results {
            for child in children {
                if seen_nodes.insert(child.id.clone()) {
                    next.push(child);
                }
            }
            accounts.extend(found);
        }
        level = next;
    }

    if let Some(unknown) = ous.iter().find(|ou| !seen_nodes.contains(*ou)) {
        return Err(DiscoverError::UnknownOu(unknown.clone()));
    }

    let mut by_id: HashMap<String, OrgAccount> = HashMap::new();
    let mut everyone: BTreeSet<String> = BTreeSet::new();
    let mut org_paths = std::collections::BTreeMap::new();
    for account in accounts {
        everyone.insert(account.id.clone());
        org_paths.insert(
            account.id.clone(),
            format!("{id}/{}/", account.lineage.join("/")),
        );
        let wanted = ous.is_empty() || account.lineage.iter().any(|node| ous.contains(node));
        if wanted {
            by_id.insert(account.id.clone(), account);
        }
    }
    let mut accounts: Vec<OrgAccount> = by_id.into_values().collect();
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Organization {
        id,
        management_account_id,
        outside_ous: everyone.len() - accounts.len(),
        accounts,
        parents: seen_nodes,
        org_paths,
    })
}

async fn list_roots(client: &aws_sdk_organizations::Client) -> Result<Vec<Parent>, CallFailure> {
    let mut roots = Vec::new();
    let mut pages = client.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("organizations:ListRoots", &e))?;
        for root in page.roots() {
            let id = root.id().unwrap_or_default().to_string();
            let name = root.name().unwrap_or("Root").to_string();
            roots.push(Parent {
                path: name.clone(),
                name,
                lineage: vec![id.clone()],
                id,
            });
        }
    }
    Ok(roots)
}

/// The child OUs and the accounts of one parent, every page of both.
async fn list_children(
    client: &aws_sdk_organizations::Client,
    parent: Parent,
) -> Result<Children, CallFailure> {
    let mut children = Vec::new();
    let mut pages = client
        .list_organizational_units_for_parent()
        .parent_id(&parent.id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| classify("organizations:ListOrganizationalUnitsForParent", &e))?;
        for ou in page.organizational_units() {
            let id = ou.id().unwrap_or_default().to_string();
            let mut lineage = parent.lineage.clone();
            lineage.push(id.clone());
            let name = ou.name().unwrap_or_default().to_string();
            children.push(Parent {
                path: format!("{} / {name}", parent.path),
                name,
                id,
                lineage,
            });
        }
    }

    let mut accounts = Vec::new();
    let mut pages = client
        .list_accounts_for_parent()
        .parent_id(&parent.id)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("organizations:ListAccountsForParent", &e))?;
        for account in page.accounts() {
            accounts.push(OrgAccount {
                id: account.id().unwrap_or_default().to_string(),
                name: account.name().unwrap_or_default().to_string(),
                email: account.email().unwrap_or_default().to_string(),
                status: account_status(account),
                parent_id: parent.id.clone(),
                parent_name: parent.name.clone(),
                ou_path: parent.path.clone(),
                lineage: parent.lineage.clone(),
            });
        }
    }
    Ok((children, accounts))
}

/// The account's state: the newer `State` field when present, else the older `Status`
/// (which AWS retires in September 2026).
#[allow(deprecated)]
fn account_status(account: &aws_sdk_organizations::types::Account) -> String {
    if let Some(state) = account.state() {
        return state.as_str().to_string();
    }
    account
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "UNKNOWN".to_string())
}
