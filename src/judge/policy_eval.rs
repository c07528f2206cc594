//! Does a resource policy let CloudWatch deliver an alarm's notification? May
//! `cloudwatch.amazonaws.com` `sns:Publish` to the topic (its access policy), and may it
//! `kms:Decrypt` and `kms:GenerateDataKey*` with an encrypted topic's key (its key policy)?
//!
//! Pure: the policy text comes from the collector. One statement evaluator serves both, with
//! IAM's logic for a single resource policy (an applicable explicit Deny wins, otherwise an Allow
//! is needed). Rather than guess, it answers `CannotTell` when the answer hinges on what it does
//! not model: NotPrincipal, policy variables, condition keys not known for this request, and
//! operators outside the String*, Arn*, Bool and Null families.
//!
//! The request carries the keys AWS sets when a service acts for an account: `aws:SourceArn`
//! (the alarm), `aws:SourceAccount`, and, when the organization is known, `aws:SourceOrgID` and
//! the multi-valued `aws:SourceOrgPaths` (the account's `o-…/r-…/ou-…/` path), which org-wide
//! grants of a central topic condition on.

use serde_json::{Map, Value};

use crate::facts::parse_arn;

/// What a policy means for the alarm's request, with a phrase a cloud administrator acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyAnswer {
    Allowed,
    Denied(String),
    CannotTell(String),
}

/// The principal both questions are about.
const SERVICE: &str = "cloudwatch.amazonaws.com";

/// The organization the publishing account belongs to, as org-wide grants name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceOrg<'a> {
    /// `o-…`.
    pub id: &'a str,
    /// The account's path, `o-…/r-…/ou-…/` (the value of `aws:SourceOrgPaths`).
    pub path: &'a str,
}

/// Keys that hold a set of values: a plain operator on them is taken value by value, and
/// `ForAllValues:` is true of an absent key (IAM's reading).
const MULTI_VALUED: &[&str] = &["aws:sourceorgpaths"];

/// Whether the topic's access policy (GetTopicAttributes `Policy`) lets the alarm publish.
///
/// A same-account alarm needs no Allow: CloudWatch publishes on the account's behalf, which is
/// why the default topic policy (granting only the owner account) works. Another account's topic
/// needs an Allow reaching the service.
#[cfg(test)]
pub(crate) fn topic_policy_lets_cloudwatch_publish(
    policy_json: &str,
    topic_arn: &str,
    alarm_arn: &str,
    alarm_account: &str,
) -> PolicyAnswer {
    topic_policy_for(policy_json, topic_arn, alarm_arn, alarm_account, None)
}

/// [`topic_policy_lets_cloudwatch_publish`] with the publishing account's organization, so that
/// grants on `aws:SourceOrgID` / `aws:SourceOrgPaths` are decided rather than "cannot tell".
pub(crate) fn topic_policy_for(
    policy_json: &str,
    topic_arn: &str,
    alarm_arn: &str,
    alarm_account: &str,
    org: Option<SourceOrg<'_>>,
) -> PolicyAnswer {
    let same_account = parse_arn(topic_arn).is_some_and(|t| t.account == alarm_account);
    let mut request = Request::cloudwatch("sns:Publish", topic_arn, alarm_arn, alarm_account);
    request.with_org(org);
    // SNS's legacy key, the one the default topic policy conditions on.
    request.keys.push(("aws:sourceowner", Some(alarm_account)));
    decide(
        policy_json,
        &[(request, "sns:Publish")],
        same_account,
        |_| format!("no statement allows {SERVICE} to sns:Publish to a topic of another account"),
    )
}

/// Whether the key policy (GetKeyPolicy "default") lets CloudWatch use an encrypted topic's key.
///
/// Unlike SNS, the key policy is the primary authority: the default key policy (the account root,
/// `kms:*`) does not reach a service principal, so both actions need an explicit Allow.
#[cfg(test)]
pub(crate) fn key_policy_lets_cloudwatch_use_key(
    policy_json: &str,
    key_arn: &str,
    alarm_arn: &str,
    alarm_account: &str,
) -> PolicyAnswer {
    key_policy_for(policy_json, key_arn, alarm_arn, alarm_account, None)
}

/// [`key_policy_lets_cloudwatch_use_key`] with the publishing account's organization.
pub(crate) fn key_policy_for(
    policy_json: &str,
    key_arn: &str,
    alarm_arn: &str,
    alarm_account: &str,
    org: Option<SourceOrg<'_>>,
) -> PolicyAnswer {
    let request = |action| {
        let mut r = Request::cloudwatch(action, key_arn, alarm_arn, alarm_account);
        r.with_org(org);
        r
    };
    // `kms:GenerateDataKey*` is what administrators grant; it covers the call CloudWatch makes.
    let requests = [
        (request("kms:Decrypt"), "kms:Decrypt"),
        (request("kms:GenerateDataKey"), "kms:GenerateDataKey*"),
    ];
    decide(policy_json, &requests, false, |missing| {
        format!("the key policy does not let {SERVICE} use the key ({missing})")
    })
}

/// Three-valued applicability; `Unknown` carries why orgsweep cannot decide.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Unknown(String),
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

impl Tri {
    /// Negation when `negated` (the `Not...` fields and operators); `Unknown` stays.
    fn flip(self, negated: bool) -> Tri {
        match self {
            Tri::Yes if negated => Tri::No,
            Tri::No if negated => Tri::Yes,
            same => same,
        }
    }

    /// AND: one `No` settles it even beside an `Unknown`, so an unreadable condition on a
    /// statement about other actions or resources does not matter.
    fn all(parts: impl IntoIterator<Item = Tri>) -> Tri {
        let mut unknown = None;
        for part in parts {
            match part {
                Tri::No => return Tri::No,
                Tri::Unknown(why) => _ = unknown.get_or_insert(why),
                Tri::Yes => {}
            }
        }
        unknown.map_or(Tri::Yes, Tri::Unknown)
    }

    /// OR: one `Yes` settles it.
    fn any(parts: impl IntoIterator<Item = Tri>) -> Tri {
        Tri::all(parts.into_iter().map(|p| p.flip(true))).flip(true)
    }
}

/// The request a policy is asked about: the service principal, on behalf of one alarm.
struct Request<'a> {
    action: &'a str,
    resource: &'a str,
    /// Condition keys known for this request (lowercase); `None` means known to be absent.
    /// Any other key is unknown, and a statement depending on it cannot be decided.
    keys: Vec<(&'static str, Option<&'a str>)>,
}

impl<'a> Request<'a> {
    fn cloudwatch(
        action: &'a str,
        resource: &'a str,
        alarm_arn: &'a str,
        account: &'a str,
    ) -> Self {
        let keys = vec![
            ("aws:sourcearn", Some(alarm_arn)),
            ("aws:sourceaccount", Some(account)),
            ("aws:principalservicename", Some(SERVICE)),
            ("aws:principalisawsservice", Some("true")),
        ];
        Request {
            action,
            resource,
            keys,
        }
    }

    /// The organization keys, when the organization is known (else they stay unknown).
    fn with_org(&mut self, org: Option<SourceOrg<'a>>) {
        if let Some(org) = org {
            self.keys.push(("aws:sourceorgid", Some(org.id)));
            self.keys.push(("aws:sourceorgpaths", Some(org.path)));
        }
    }

    /// `None`: an unknown key; `Some(None)`: known to be absent. Keys are case-insensitive.
    fn key(&self, name: &str) -> Option<Option<&'a str>> {
        let name = name.to_ascii_lowercase();
        self.keys.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// One statement, named the way an administrator finds it: by Sid, else by 1-based position.
struct Statement<'p> {
    label: String,
    deny: bool,
    body: &'p Map<String, Value>,
}

fn statements(policy: &Value) -> Result<Vec<Statement<'_>>, String> {
    let list = match policy.get("Statement") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(one @ Value::Object(_)) => std::slice::from_ref(one),
        _ => return Err("the policy has no Statement orgsweep can read".into()),
    };
    let mut statements = Vec::new();
    for (i, s) in list.iter().enumerate() {
        let label = match s.get("Sid").and_then(Value::as_str) {
            Some(sid) if !sid.is_empty() => format!("statement {sid}"),
            _ => format!("statement {}", i + 1),
        };
        let effect = s.get("Effect").and_then(Value::as_str);
        let (Some(body), Some(effect @ ("Allow" | "Deny"))) = (s.as_object(), effect) else {
            return Err(format!("{label} has no Effect of Allow or Deny"));
        };
        let deny = effect == "Deny";
        statements.push(Statement { label, deny, body });
    }
    Ok(statements)
}

/// IAM's order: an applicable Deny wins; then every action needs an Allow (`implicit_allow`
/// stands in for one). An `Unknown` surfaces only where it could change the outcome. `missing`
/// words the denial from the actions no statement allows.
fn decide(
    policy_json: &str,
    requests: &[(Request, &str)],
    implicit_allow: bool,
    missing: impl Fn(&str) -> String,
) -> PolicyAnswer {
    let policy: Value = match serde_json::from_str(policy_json) {
        Ok(policy) => policy,
        Err(e) => return PolicyAnswer::CannotTell(format!("the policy is not valid JSON: {e}")),
    };
    let statements = match statements(&policy) {
        Ok(statements) => statements,
        Err(why) => return PolicyAnswer::CannotTell(why),
    };
    let (mut unsure_deny, mut unsure_allow, mut not_allowed) = (None, None, Vec::new());
    for (request, shown) in requests {
        for s in statements.iter().filter(|s| s.deny) {
            match applies(s, request) {
                Tri::Yes => {
                    return PolicyAnswer::Denied(format!("{} denies {shown} to {SERVICE}", s.label))
                }
                Tri::Unknown(why) => _ = unsure_deny.get_or_insert(why),
                Tri::No => {}
            }
        }
        let allows = statements.iter().filter(|s| !s.deny);
        match Tri::any(allows.map(|s| applies(s, request))) {
            _ if implicit_allow => {}
            Tri::Yes => {}
            Tri::No => not_allowed.push(*shown),
            Tri::Unknown(why) => _ = unsure_allow.get_or_insert(why),
        }
    }
    if !not_allowed.is_empty() {
        return PolicyAnswer::Denied(missing(&not_allowed.join(", ")));
    }
    match unsure_deny.or(unsure_allow) {
        Some(why) => PolicyAnswer::CannotTell(why),
        None => PolicyAnswer::Allowed,
    }
}

/// Whether the statement covers the request: principal, action, resource and conditions.
fn applies(s: &Statement, request: &Request) -> Tri {
    let label = &s.label;
    let principal = match (s.body.get("Principal"), s.body.get("NotPrincipal")) {
        (_, Some(_)) => Tri::Unknown(format!(
            "{label} uses NotPrincipal, which orgsweep does not evaluate"
        )),
        (Some(p), None) => principal_matches(label, p),
        (None, None) => Tri::Unknown(format!("{label} names no Principal")),
    };
    let action = request.action.to_ascii_lowercase();
    Tri::all([
        principal,
        either(s, "Action", "NotAction", |a| {
            glob(&a.to_ascii_lowercase(), &action).into()
        }),
        either(s, "Resource", "NotResource", |r| match r.contains("${") {
            true => Tri::Unknown(policy_variable(label)),
            false => glob(r, request.resource).into(),
        }),
        conditions(s, request),
    ])
}

fn policy_variable(label: &str) -> String {
    format!("{label} uses a policy variable, which orgsweep does not evaluate")
}

/// `"*"`, `{"AWS": "*"}` and `{"Service": "cloudwatch.amazonaws.com"}` reach the service;
/// account, role and other services' principals do not.
fn principal_matches(label: &str, principal: &Value) -> Tri {
    let malformed = || Tri::Unknown(format!("{label} has a Principal orgsweep cannot read"));
    let Value::Object(kinds) = principal else {
        return if principal == "*" {
            Tri::Yes
        } else {
            malformed()
        };
    };
    let mut hit = false;
    for (kind, ids) in kinds {
        let Some(ids) = strings(ids) else {
            return malformed();
        };
        hit |= match kind.as_str() {
            "AWS" => ids.iter().any(|id| id == "*"),
            "Service" => ids.iter().any(|id| id.eq_ignore_ascii_case(SERVICE)),
            _ => false,
        };
    }
    hit.into()
}

/// A field or its `Not` form (exactly one must be there), matched value by value.
fn either(s: &Statement, field: &str, not_field: &str, matches: impl Fn(&str) -> Tri) -> Tri {
    let label = &s.label;
    let (values, negated, name) = match (s.body.get(field), s.body.get(not_field)) {
        (Some(v), None) => (v, false, field),
        (None, Some(v)) => (v, true, not_field),
        _ => {
            return Tri::Unknown(format!(
                "{label} needs exactly one of {field} and {not_field}"
            ))
        }
    };
    match strings(values) {
        Some(values) => Tri::any(values.iter().map(|v| matches(v))).flip(negated),
        None => Tri::Unknown(format!("{label} has a {name} orgsweep cannot read")),
    }
}

/// A policy value: one scalar or an array of them; booleans and numbers as JSON writes them.
fn strings(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(v.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        one => scalar(one).map(|s| vec![s]),
    }
}

/// Every operator and key must hold (AND); a key's values are alternatives (OR).
fn conditions(s: &Statement, request: &Request) -> Tri {
    let malformed = || Tri::Unknown(format!("{} has a Condition orgsweep cannot read", s.label));
    let Some(block) = s.body.get("Condition") else {
        return Tri::Yes;
    };
    let Some(block) = block.as_object() else {
        return malformed();
    };
    let mut parts = Vec::new();
    for (operator, tests) in block {
        let Some(tests) = tests.as_object() else {
            return malformed();
        };
        for (key, values) in tests {
            parts.push(condition(&s.label, operator, key, values, request));
        }
    }
    Tri::all(parts)
}

/// How an operator compares a policy value with the key's value; `None`: cannot tell.
type Compare = fn(&str, &str) -> Option<bool>;

/// One `operator: {key: values}` test. Every key of the request holds at most one value, so a
/// set operator is the plain test on it, but for an absent key: `ForAnyValue:` is then false and
/// `ForAllValues:` true (IAM). `ForAllValues:` on a single-valued key and the other operator
/// families cannot be told.
fn condition(label: &str, operator: &str, key: &str, values: &Value, request: &Request) -> Tri {
    let lower = operator.to_ascii_lowercase();
    let multi = MULTI_VALUED.contains(&key.to_ascii_lowercase().as_str());
    let (for_any, for_all, rest) = match (
        lower.strip_prefix("foranyvalue:"),
        lower.strip_prefix("forallvalues:"),
    ) {
        (Some(rest), _) => (true, false, rest),
        (_, Some(rest)) if multi => (false, true, rest),
        _ => (false, false, lower.as_str()),
    };
    let (if_exists, base) = match rest.strip_suffix("ifexists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let (negated, compare): (bool, Compare) = match base {
        "stringequals" => (false, |v, a| Some(v == a)),
        "stringnotequals" => (true, |v, a| Some(v == a)),
        "stringequalsignorecase" => (false, |v, a| Some(v.to_lowercase() == a.to_lowercase())),
        "stringnotequalsignorecase" => (true, |v, a| Some(v.to_lowercase() == a.to_lowercase())),
        "stringlike" => (false, |v, a| Some(glob(v, a))),
        "stringnotlike" => (true, |v, a| Some(glob(v, a))),
        "arnequals" | "arnlike" => (false, arn_like),
        "arnnotequals" | "arnnotlike" => (true, arn_like),
        "bool" => (false, |v, a| Some(v.eq_ignore_ascii_case(a))),
        // `"Null": {"k": "true"}` holds when k is absent, `"false"` when it is there.
        "null" if !for_any && !for_all && !if_exists => {
            (false, |v, a| Some(v.eq_ignore_ascii_case(a)))
        }
        _ => {
            let why = format!(
                "{label} uses condition operator {operator}, which orgsweep does not evaluate"
            );
            return Tri::Unknown(why);
        }
    };
    let Some(values) = strings(values) else {
        return Tri::Unknown(format!("{label} has a Condition orgsweep cannot read"));
    };
    if values.iter().any(|v| v.contains("${")) {
        return Tri::Unknown(policy_variable(label));
    }
    let actual = match request.key(key) {
        None => {
            let why =
                format!("{label} depends on condition key {key}, which orgsweep does not evaluate");
            return Tri::Unknown(why);
        }
        Some(actual) if base == "null" => Some(if actual.is_none() { "true" } else { "false" }),
        Some(actual) => actual,
    };
    // IAM: a missing key satisfies `...IfExists` and the negated operators, nothing else.
    let Some(actual) = actual else {
        return (if_exists || for_all || (negated && !for_any)).into();
    };
    let hit = Tri::any(values.iter().map(|v| match compare(v, actual) {
        Some(b) => b.into(),
        None => Tri::Unknown(format!(
            "{label} compares {key} to {v}, which is not an ARN pattern"
        )),
    }));
    hit.flip(negated)
}

/// ArnLike/ArnEquals: each of the six `:`-separated parts matched on its own, wildcards allowed.
/// A value that is no ARN does not match; a pattern that is no ARN cannot be told.
fn arn_like(pattern: &str, value: &str) -> Option<bool> {
    let pattern: Vec<&str> = pattern.splitn(6, ':').collect();
    let value: Vec<&str> = value.splitn(6, ':').collect();
    let parts_match = || pattern.iter().zip(&value).all(|(p, v)| glob(p, v));
    (pattern.len() == 6).then(|| value.len() == 6 && parts_match())
}

/// `*` matches any run of characters, `?` exactly one; everything else is literal.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star) = (0, 0, None);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            (star, pi) = (Some((pi, ti)), pi + 1);
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            (pi, ti) = (pi + 1, ti + 1);
        } else if let Some((sp, st)) = star {
            // Let the last `*` swallow one more character, and retry from there.
            (star, pi, ti) = (Some((sp, st + 1)), sp + 1, st + 1);
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACCOUNT: &str = "111122223333";
    const ALARM: &str = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:ConsoleSignInFailures";
    const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:alarms";
    const FOREIGN: &str = "arn:aws:sns:us-east-1:444455556666:alarms";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const CW: &str = "cloudwatch.amazonaws.com";
    const NO_ALLOW: &str = "Denied: no statement allows";

    /// The answer as `Kind: why`, so one prefix check covers both.
    fn said(answer: PolicyAnswer) -> String {
        match answer {
            PolicyAnswer::Allowed => "Allowed".into(),
            PolicyAnswer::Denied(why) => format!("Denied: {why}"),
            PolicyAnswer::CannotTell(why) => format!("CannotTell: {why}"),
        }
    }

    fn is(got: String, want: &str) {
        assert!(got.starts_with(want), "want {want:?}, got {got:?}");
    }

    /// The topic policy `statements`, asked for `alarm` (the caller is the alarm's account).
    fn ask(statements: Vec<Value>, topic: &str, alarm: &str) -> String {
        let policy = json!({"Version": "2008-10-17", "Statement": statements}).to_string();
        let account = parse_arn(alarm).unwrap().account;
        said(topic_policy_lets_cloudwatch_publish(
            &policy, topic, alarm, account,
        ))
    }

    /// The topic's default policy (the real shape) plus `extra` statements, asked for ALARM.
    fn sns(topic: &str, extra: Value) -> String {
        ask(with_default(topic, extra), topic, ALARM)
    }

    fn with_default(topic: &str, extra: Value) -> Vec<Value> {
        let owner = parse_arn(topic).unwrap().account;
        let mut statements = vec![json!({"Sid": "__default_statement_ID", "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
            "Resource": topic, "Condition": {"StringEquals": {"AWS:SourceOwner": owner}}})];
        statements.extend(extra.as_array().unwrap().iter().cloned());
        statements
    }

    /// A Deny (Sid "D") to everyone.
    fn deny(action: Value, resource: &str, condition: Value) -> Value {
        json!([{"Sid": "D", "Effect": "Deny", "Principal": "*", "Action": action,
            "Resource": resource, "Condition": condition}])
    }

    #[test]
    fn default_topic_policy_lets_a_same_account_alarm_publish() {
        is(sns(TOPIC, json!([])), "Allowed");
    }

    #[test]
    fn default_topic_policy_of_another_account_denies() {
        let want = "Denied: no statement allows cloudwatch.amazonaws.com to sns:Publish to a \
                    topic of another account";
        assert_eq!(sns(FOREIGN, json!([])), want);
    }

    #[test]
    fn same_account_needs_no_allow_for_the_service() {
        let root = json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sns:*", "Resource": "*"});
        is(ask(vec![root.clone()], TOPIC, ALARM), "Allowed");
        is(ask(vec![root], FOREIGN, ALARM), NO_ALLOW);
    }

    #[test]
    fn service_allow_on_source_arn_decides_cross_account_only() {
        let allow = |pattern: &str| {
            json!([{"Sid": "AllowAlarms", "Effect": "Allow", "Principal": {"Service": CW},
                "Action": "sns:Publish", "Resource": FOREIGN,
                "Condition": {"ArnLike": {"aws:SourceArn": pattern}}}])
        };
        let own = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:*";
        let other = "arn:aws:cloudwatch:us-east-1:777788889999:alarm:*";
        is(sns(FOREIGN, allow(own)), "Allowed");
        is(sns(FOREIGN, allow(other)), NO_ALLOW);
        // Same account: that Allow does not apply, but none is needed.
        is(sns(TOPIC, allow(other)), "Allowed");
    }

    #[test]
    fn deny_publish_to_everyone_wins_over_the_default_allow() {
        let got = sns(TOPIC, deny(json!("sns:Publish"), TOPIC, json!({})));
        assert_eq!(
            got,
            "Denied: statement D denies sns:Publish to cloudwatch.amazonaws.com"
        );
    }

    #[test]
    fn deny_outside_the_account_spares_only_that_account() {
        let guard = json!({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}});
        let policy = deny(json!("sns:Publish"), TOPIC, guard);
        is(sns(TOPIC, policy.clone()), "Allowed");
        let mut statements = with_default(TOPIC, policy);
        statements
            .push(json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}));
        let stranger = "arn:aws:cloudwatch:us-east-1:777788889999:alarm:x";
        is(
            ask(statements, TOPIC, stranger),
            "Denied: statement D denies",
        );
    }

    #[test]
    fn deny_on_an_unknown_key_cannot_be_told() {
        let vpce = json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}});
        let want = "CannotTell: statement D depends on condition key aws:SourceVpce, which \
                    orgsweep does not evaluate";
        assert_eq!(sns(TOPIC, deny(json!("sns:Publish"), TOPIC, vpce)), want);
        let tls = json!({"Bool": {"aws:SecureTransport": false}});
        let got = sns(TOPIC, deny(json!("sns:*"), TOPIC, tls));
        is(
            got,
            "CannotTell: statement D depends on condition key aws:SecureTransport",
        );
    }

    #[test]
    fn unknown_deny_matters_only_where_it_could_change_the_answer() {
        let vpce = json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}});
        let subscribe = deny(json!("sns:Subscribe"), TOPIC, vpce.clone());
        is(sns(TOPIC, subscribe), "Allowed");
        is(
            sns(FOREIGN, deny(json!("sns:Publish"), FOREIGN, vpce)),
            NO_ALLOW,
        );
    }

    #[test]
    fn wildcard_actions_and_not_action_deny() {
        let actions = [
            json!("sns:*"),
            json!("SNS:Pub*"),
            json!("*"),
            json!(["s", "sns:Publi?h"]),
        ];
        for action in actions {
            is(
                sns(TOPIC, deny(action, TOPIC, json!({}))),
                "Denied: statement D",
            );
        }
        let not = |action| {
            json!([{"Effect": "Deny", "Principal": "*", "NotAction": action,
            "Resource": "*"}])
        };
        is(
            sns(TOPIC, not("sns:Subscribe")),
            "Denied: statement 2 denies",
        );
        is(sns(TOPIC, not("sns:Pub*")), "Allowed");
    }

    #[test]
    fn deny_for_another_resource_does_not_apply() {
        let other = "arn:aws:sns:us-east-1:111122223333:other";
        let publish_on = |resource: &str| deny(json!("sns:Publish"), resource, json!({}));
        is(sns(TOPIC, publish_on(other)), "Allowed");
        is(sns(TOPIC, publish_on(&TOPIC.to_uppercase())), "Allowed");
        let pattern = publish_on("arn:aws:sns:*:111122223333:al?rms");
        is(sns(TOPIC, pattern), "Denied: statement D");
        let not = json!([{"Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
            "NotResource": other}]);
        is(sns(TOPIC, not), "Denied: statement 2 denies");
    }

    #[test]
    fn only_wildcard_and_service_principals_reach_cloudwatch() {
        let deny_to = |principal: Value| {
            let statement = json!([{"Effect": "Deny", "Principal": principal,
                "Action": "sns:Publish", "Resource": TOPIC}]);
            sns(TOPIC, statement)
        };
        let root_and_events = json!({"AWS": "arn:aws:iam::111122223333:root",
            "Service": "events.amazonaws.com"});
        is(deny_to(root_and_events), "Allowed");
        let services = json!({"Service": ["events.amazonaws.com", CW]});
        is(deny_to(services), "Denied: statement 2");
        is(deny_to(json!({"AWS": ["*"]})), "Denied: statement 2");
    }

    #[test]
    fn not_principal_cannot_be_told() {
        let policy = json!([{"Sid": "N", "Effect": "Deny", "Action": "sns:Publish",
            "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Resource": TOPIC}]);
        is(
            sns(TOPIC, policy),
            "CannotTell: statement N uses NotPrincipal",
        );
    }

    #[test]
    fn unreadable_policies_cannot_be_told() {
        let answer = |policy: &str| {
            said(topic_policy_lets_cloudwatch_publish(
                policy, TOPIC, ALARM, ACCOUNT,
            ))
        };
        is(
            answer("{\"Statement\": ["),
            "CannotTell: the policy is not valid JSON",
        );
        is(
            answer("{\"Version\": \"2012-10-17\"}"),
            "CannotTell: the policy has no",
        );
        let bad = json!({"Statement": {"Effect": "allow", "Principal": "*"}}).to_string();
        is(answer(&bad), "CannotTell: statement 1 has no Effect");
    }

    #[test]
    fn a_single_statement_object_without_version_is_read() {
        let policy = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": "sns:Publish", "Resource": "*"}});
        let policy = policy.to_string();
        let answer = topic_policy_lets_cloudwatch_publish(&policy, FOREIGN, ALARM, ACCOUNT);
        assert_eq!(answer, PolicyAnswer::Allowed);
    }

    #[test]
    fn condition_operators_on_known_keys() {
        let with_condition = |condition: &Value| {
            let allow = json!([{"Effect": "Allow", "Principal": {"Service": CW},
                "Action": "sns:Publish", "Resource": FOREIGN, "Condition": condition}]);
            sns(FOREIGN, allow)
        };
        let holds = [
            json!({"StringEqualsIgnoreCase": {"AWS:SOURCEARN": ALARM.to_uppercase()}}),
            json!({"ArnEquals": {"aws:SourceArn": ["arn:aws:cloudwatch:*:9:alarm:*", ALARM]}}),
            json!({"ArnNotLikeIfExists": {"aws:SourceArn": "arn:aws:cloudwatch:*:*:alarm:X*"}}),
            json!({"Bool": {"aws:PrincipalIsAWSService": true}, "Null": {"aws:SourceArn": false}}),
            json!({"ForAnyValue:StringEquals": {"aws:PrincipalServiceName": CW}}),
            json!({"StringLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:1111????3333:alarm:*"}}),
        ];
        for condition in &holds {
            is(with_condition(condition), "Allowed");
        }
        let fails = [
            json!({"StringEquals": {"aws:SourceArn": ALARM.to_uppercase()}}),
            json!({"ArnLike": {"aws:SourceAccount": "arn:*:*:*:*:*"}}),
            json!({"StringEquals": {"aws:SourceAccount": ACCOUNT}, "Null": {"aws:SourceArn": true}}),
            json!({"StringNotLike": {"aws:SourceArn": ["x", "*:alarm:Console*"]}}),
        ];
        for condition in &fails {
            is(with_condition(condition), NO_ALLOW);
        }
        let why = "CannotTell: statement 2 ";
        let unknown = [
            json!({"ForAllValues:StringEquals": {"aws:SourceAccount": ACCOUNT}}),
            json!({"NumericLessThan": {"aws:SourceAccount": "3600"}}),
            json!({"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}),
            json!({"ArnLike": {"aws:SourceArn": "*"}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),
        ];
        let whys = [
            "uses condition operator ForAllValues:StringEquals",
            "uses condition operator \
            NumericLessThan",
            "uses a policy variable",
            "compares aws:SourceArn to *, which is not \
            an ARN pattern",
            "depends on condition key aws:PrincipalOrgID",
        ];
        for (condition, rest) in unknown.iter().zip(whys) {
            is(with_condition(condition), &format!("{why}{rest}"));
        }
    }

    const ORG: SourceOrg<'static> = SourceOrg {
        id: "o-a1b2c3d4e5",
        path: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/",
    };

    /// A cross-account topic with one Allow for the service under `condition`, asked with the
    /// organization known (`org`) or not.
    fn org_grant(condition: Value, org: Option<SourceOrg>) -> String {
        let allow = json!([{"Sid": "OrgAlarms", "Effect": "Allow", "Principal": {"Service": CW},
            "Action": "sns:Publish", "Resource": FOREIGN, "Condition": condition}]);
        let policy = json!({"Version": "2012-10-17", "Statement": with_default(FOREIGN, allow)});
        said(topic_policy_for(
            &policy.to_string(),
            FOREIGN,
            ALARM,
            ACCOUNT,
            org,
        ))
    }

    #[test]
    fn org_wide_grants_are_decided_when_the_organization_is_known() {
        let org_id = |id: &str| json!({"StringEquals": {"aws:SourceOrgID": id}});
        is(org_grant(org_id("o-a1b2c3d4e5"), Some(ORG)), "Allowed");
        is(org_grant(org_id("o-zzzzzzzzzz"), Some(ORG)), NO_ALLOW);
        is(
            org_grant(org_id("o-a1b2c3d4e5"), None),
            "CannotTell: statement OrgAlarms depends on condition key aws:SourceOrgID",
        );
        let paths = |op: &str, v: &str| json!({op: {"aws:SourceOrgPaths": v}});
        let under = "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*";
        let elsewhere = "o-a1b2c3d4e5/r-ab12/ou-ab12-99999999/*";
        is(
            org_grant(paths("ForAnyValue:StringLike", under), Some(ORG)),
            "Allowed",
        );
        is(
            org_grant(paths("ForAnyValue:StringLike", elsewhere), Some(ORG)),
            NO_ALLOW,
        );
        is(
            org_grant(paths("ForAllValues:StringLike", under), Some(ORG)),
            "Allowed",
        );
        is(
            org_grant(paths("ForAllValues:StringLike", elsewhere), Some(ORG)),
            NO_ALLOW,
        );
        is(org_grant(paths("StringLike", under), Some(ORG)), "Allowed");
        // Both keys at once (AND), and with the account as well.
        let both = json!({"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5",
            "aws:SourceAccount": ACCOUNT}, "ForAnyValue:StringLike": {"aws:SourceOrgPaths": under}});
        is(org_grant(both, Some(ORG)), "Allowed");
        let wrong_account = json!({"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5",
            "aws:SourceAccount": "777788889999"}});
        is(org_grant(wrong_account, Some(ORG)), NO_ALLOW);
    }

    #[test]
    fn org_guards_in_a_deny_spare_the_organization() {
        let deny = json!([{"Sid": "OutsideOrg", "Effect": "Deny", "Principal": "*",
            "Action": "sns:Publish", "Resource": TOPIC,
            "Condition": {"StringNotEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}}]);
        let policy = json!({"Statement": with_default(TOPIC, deny)}).to_string();
        let ask = |org| said(topic_policy_for(&policy, TOPIC, ALARM, ACCOUNT, org));
        is(ask(Some(ORG)), "Allowed");
        let other = SourceOrg {
            id: "o-other",
            path: "o-other/r-1/",
        };
        is(ask(Some(other)), "Denied: statement OutsideOrg denies");
        is(ask(None), "CannotTell: statement OutsideOrg depends on");
    }

    #[test]
    fn key_policies_read_the_organization_keys_too() {
        let grant = json!([{"Effect": "Allow", "Principal": {"Service": CW},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}}]);
        let policy = json!({"Statement": grant}).to_string();
        let ask = |org| said(key_policy_for(&policy, KEY, ALARM, ACCOUNT, org));
        is(ask(Some(ORG)), "Allowed");
        is(ask(None), "CannotTell");
    }

    #[test]
    fn set_operators_on_an_absent_multi_valued_key_follow_iam() {
        let request = Request {
            action: "sns:Publish",
            resource: TOPIC,
            keys: vec![("aws:sourceorgpaths", None)],
        };
        let test = |op: &str| condition("s", op, "aws:SourceOrgPaths", &json!("o-1/*"), &request);
        assert_eq!(test("ForAllValues:StringLike"), Tri::Yes);
        assert_eq!(test("ForAnyValue:StringLike"), Tri::No);
        assert_eq!(test("StringLike"), Tri::No);
    }

    #[test]
    fn missing_keys_follow_iam() {
        let keys = vec![("aws:sourcevpce", None)];
        let request = Request {
            action: "sns:Publish",
            resource: TOPIC,
            keys,
        };
        let test = |op: &str, v: &str| condition("s", op, "aws:SourceVpce", &json!(v), &request);
        assert_eq!(test("StringEquals", "vpce-1"), Tri::No);
        assert_eq!(test("ArnLike", "arn:aws:ec2:*:*:*"), Tri::No);
        assert_eq!(test("StringNotEquals", "vpce-1"), Tri::Yes);
        assert_eq!(test("StringEqualsIfExists", "vpce-1"), Tri::Yes);
        assert_eq!(test("ForAnyValue:StringNotEquals", "vpce-1"), Tri::No);
        assert_eq!(
            (test("Null", "true"), test("Null", "false")),
            (Tri::Yes, Tri::No)
        );
    }

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob("a*b?d", "axxbcd") && glob("*", "") && glob("**a", "ba") && glob("a*", "a"));
        assert!(!glob("a?c", "ac") && !glob("a*b", "abc") && !glob("abc", "ab"));
    }

    /// KMS's default key policy (the account root, `kms:*`) plus `extra` statements.
    fn kms(extra: Value) -> String {
        let mut statements = vec![
            json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*",
            "Resource": "*"}),
        ];
        statements.extend(extra.as_array().unwrap().iter().cloned());
        let policy = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        said(key_policy_lets_cloudwatch_use_key(
            &policy, KEY, ALARM, ACCOUNT,
        ))
    }

    /// The statement AWS documents for alarms publishing to an encrypted topic.
    fn cloudwatch_may(action: Value) -> Value {
        json!({"Sid": "Allow_CloudWatch_for_CMK", "Effect": "Allow",
            "Principal": {"Service": [CW]}, "Action": action, "Resource": "*"})
    }

    #[test]
    fn default_key_policy_does_not_reach_cloudwatch() {
        let want = "Denied: the key policy does not let cloudwatch.amazonaws.com use the key \
                    (kms:Decrypt, kms:GenerateDataKey*)";
        assert_eq!(kms(json!([])), want);
    }

    #[test]
    fn key_policy_allowing_both_actions_lets_cloudwatch_use_the_key() {
        let both = cloudwatch_may(json!(["kms:Decrypt", "kms:GenerateDataKey*"]));
        assert_eq!(kms(json!([both])), "Allowed");
    }

    #[test]
    fn key_policy_allowing_only_decrypt_names_generate_data_key() {
        let want = "Denied: the key policy does not let cloudwatch.amazonaws.com use the key \
                    (kms:GenerateDataKey*)";
        assert_eq!(kms(json!([cloudwatch_may(json!("kms:Decrypt"))])), want);
    }

    #[test]
    fn key_deny_on_an_unknown_key_cannot_be_told() {
        let via_sns = json!({"Sid": "ViaSnsOnly", "Effect": "Deny", "Principal": "*",
            "Action": "kms:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}}});
        let got = kms(json!([cloudwatch_may(json!("kms:*")), via_sns]));
        is(
            got,
            "CannotTell: statement ViaSnsOnly depends on condition key kms:ViaService",
        );
    }

    #[test]
    fn key_deny_for_cloudwatch_wins() {
        let deny = json!({"Sid": "NoCloudWatch", "Effect": "Deny", "Principal": {"Service": CW},
            "Action": "kms:GenerateDataKey*", "Resource": "*"});
        let want = "Denied: statement NoCloudWatch denies kms:GenerateDataKey* to \
                    cloudwatch.amazonaws.com";
        assert_eq!(kms(json!([cloudwatch_may(json!("kms:*")), deny])), want);
    }
}
