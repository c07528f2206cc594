//! The judge: does a pattern catch every failed console sign-in the CIS pattern catches?
//!
//! JSON patterns are decided by case analysis, soundly. The reference pins two fields
//! (`eventName = "ConsoleLogin"`, `errorMessage = "Failed authentication"`); every other field
//! a pattern reads is unknown: absent, or present with any value. Each such field's values
//! are split into representatives — absent, `null`, `true`, `false`, the strings and numbers
//! the pattern names (and neighbours), "some other string", "some other number", an object,
//! an array — and the pattern must be *true* in every combination. Comparisons the AWS guide
//! leaves open evaluate to "unknown" and count as not holding, so an unsure case can only make
//! the judge say "no". Term, regex and space-delimited patterns cannot be enumerated; they pass
//! only when provable from the text every such record is sure to contain.

use super::ast::*;
use super::eval::{eval_expr, matches, test, Sv, Tri};
use super::explain;
use std::collections::HashMap;

/// Successful sign-ins used as concrete witnesses for `matches_success` (compact JSON, as
/// CloudWatch Logs receives them from CloudTrail): an IAM user without MFA and root with MFA.
pub const SUCCESS_RECORDS: [&str; 2] = [
    r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"EXAMPLE6E4XEGITWATV6R","arn":"arn:aws:iam::111122223333:user/Anaya","accountId":"111122223333","userName":"Anaya"},"eventTime":"2023-07-19T21:44:40Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.44","userAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:102.0) Gecko/20100101 Firefox/102.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_examplee9aba7f8","MobileVersion":"No","MFAUsed":"No"},"eventID":"5f1c2a7e-3b9d-4c61-9e2a-8d0b7c41a004","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"signin.aws.amazon.com"}}"#,
    r#"{"eventVersion":"1.05","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":""},"eventTime":"2022-11-10T17:02:11Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.77","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0) Gecko/20100101 Firefox/62.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAIdentifier":"arn:aws:iam::111122223333:mfa/root-account-mfa-device","MFAUsed":"Yes"},"eventID":"5f1c2a7e-3b9d-4c61-9e2a-8d0b7c41a005","eventType":"AwsConsoleSignIn","recipientAccountId":"111122223333"}"#,
];

/// Texts every failed console sign-in record is sure to contain, quotes included: the pinned
/// keys and values as JSON strings. Nothing else about the text is known (a user agent, for
/// one, can contain anything).
pub const FAILURE_FRAGMENTS: [&str; 4] = [
    "\"eventName\"",
    "\"ConsoleLogin\"",
    "\"errorMessage\"",
    "\"Failed authentication\"",
];

/// Top-level fields of a CloudTrail record (CloudTrail record contents). When looking for a
/// successful sign-in a pattern matches, other top-level fields are taken as absent, so a
/// misspelt field does not make a pattern look noisy.
const CLOUDTRAIL_FIELDS: [&str; 31] = [
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "addendum",
    "sessionCredentialFromConsole",
    "edgeDeviceDetails",
    "tlsDetails",
    "insightDetails",
];

/// Case analysis stops after this many steps; an undecided pattern is judged "no".
const BUDGET: usize = 200_000;

/// An abstract value of one field in one case.
#[derive(Clone, Debug, PartialEq)]
pub enum Abs {
    Absent,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    AnyStr,
    AnyNum,
    Obj,
    Arr,
    /// A `[*]` selection with at least one element (its values are not modelled).
    AnyPresent,
}

impl Abs {
    fn sv(&self) -> Sv<'_> {
        match self {
            Abs::Absent => Sv::Absent,
            Abs::Null => Sv::Null,
            Abs::Bool(b) => Sv::Bool(*b),
            Abs::Num(n) => Sv::Num(*n),
            Abs::Str(s) => Sv::Str(s),
            Abs::AnyStr => Sv::AnyStr,
            Abs::AnyNum => Sv::AnyNum,
            Abs::Obj | Abs::Arr => Sv::Container,
            Abs::AnyPresent => Sv::AnyPresent,
        }
    }
}

fn key(k: &str) -> Step {
    Step::Key(k.to_string())
}

/// The fields a failed console sign-in is sure to have.
pub fn failure_pins() -> Vec<(Selector, Abs)> {
    vec![
        (
            Selector {
                steps: vec![key("eventName")],
            },
            Abs::Str("ConsoleLogin".into()),
        ),
        (
            Selector {
                steps: vec![key("errorMessage")],
            },
            Abs::Str("Failed authentication".into()),
        ),
    ]
}

/// The fields a successful console sign-in is sure to have (and not have).
pub fn success_pins() -> Vec<(Selector, Abs)> {
    vec![
        (
            Selector {
                steps: vec![key("eventName")],
            },
            Abs::Str("ConsoleLogin".into()),
        ),
        (
            Selector {
                steps: vec![key("errorMessage")],
            },
            Abs::Absent,
        ),
        (
            Selector {
                steps: vec![key("responseElements")],
            },
            Abs::Obj,
        ),
        (
            Selector {
                steps: vec![key("responseElements"), key("ConsoleLogin")],
            },
            Abs::Str("Success".into()),
        ),
    ]
}

/// One case: pinned fields plus the values chosen so far for the pattern's other fields.
#[derive(Clone, Debug)]
pub struct World {
    pub pins: Vec<(Selector, Abs)>,
    pub vars: Vec<Selector>,
    pub vals: Vec<Option<Abs>>,
    index: HashMap<Selector, usize>,
}

/// What a selector yields in a world: `None` while a field it depends on is undecided.
pub enum Lookup<'w> {
    Val(&'w Abs),
    /// Absent because an enclosing field is absent or not a container of the right kind.
    Forced(&'w Selector, &'w Abs),
    Open,
}

impl World {
    fn new(pins: Vec<(Selector, Abs)>, e: &Expr) -> World {
        let mut vars: Vec<Selector> = Vec::new();
        e.for_each_cmp(&mut |c| {
            if !pins.iter().any(|(s, _)| *s == c.sel) && !vars.contains(&c.sel) {
                vars.push(c.sel.clone());
            }
        });
        // Enclosing fields first, so a field's container is decided before the field.
        vars.sort_by(|a, b| a.steps.len().cmp(&b.steps.len()).then_with(|| a.cmp(b)));
        let index = vars
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let n = vars.len();
        World {
            pins,
            vars,
            vals: vec![None; n],
            index,
        }
    }

    fn own(&self, sel: &Selector) -> Option<&Abs> {
        if let Some((_, v)) = self.pins.iter().find(|(s, _)| s == sel) {
            return Some(v);
        }
        self.index.get(sel).and_then(|&i| self.vals[i].as_ref())
    }

    fn own_key(&self, steps: &[Step]) -> Option<(&Selector, &Abs)> {
        if let Some((s, v)) = self.pins.iter().find(|(s, _)| s.steps == steps) {
            return Some((s, v));
        }
        let i = *self.index.get(&Selector {
            steps: steps.to_vec(),
        })?;
        Some((&self.vars[i], self.vals[i].as_ref()?))
    }

    /// The innermost decided enclosing field, if it rules `sel` out.
    fn forced(&self, sel: &Selector) -> Option<(&Selector, &Abs)> {
        for len in (1..sel.steps.len()).rev() {
            if let Some((s, v)) = self.own_key(&sel.steps[..len]) {
                let next = &sel.steps[len];
                let absent = match v {
                    Abs::Obj => !matches!(next, Step::Key(_)),
                    Abs::Arr => matches!(next, Step::Key(_)),
                    Abs::AnyPresent => false,
                    _ => true,
                };
                return if absent { Some((s, v)) } else { None };
            }
        }
        None
    }

    pub fn lookup(&self, sel: &Selector) -> Lookup<'_> {
        if let Some(v) = self.own(sel) {
            return Lookup::Val(v);
        }
        match self.forced(sel) {
            Some((s, v)) => Lookup::Forced(s, v),
            None => Lookup::Open,
        }
    }

    pub fn truth(&self, c: &Cmp) -> Tri {
        match self.lookup(&c.sel) {
            Lookup::Val(v) => test(&c.test, v.sv()),
            Lookup::Forced(..) => test(&c.test, Sv::Absent),
            Lookup::Open => Tri::U,
        }
    }
}

/// Representative values of one field, "absent" first so counterexamples read naturally.
fn representatives(sel: &Selector, e: &Expr) -> Vec<Abs> {
    if sel.has_any() {
        return vec![Abs::Absent, Abs::AnyPresent];
    }
    let mut strs: Vec<String> = Vec::new();
    let mut nums: Vec<f64> = Vec::new();
    e.for_each_cmp(&mut |c| {
        if c.sel != *sel {
            return;
        }
        match &c.test {
            Test::Op(_, Value::Str(g)) => {
                let filled = format!(
                    "{}{}{}",
                    if g.lead { "x" } else { "" },
                    g.text,
                    if g.trail { "x" } else { "" }
                );
                strs.push(g.text.clone());
                strs.push(filled);
                if let Ok(n) = g.text.parse::<f64>() {
                    nums.push(n);
                }
            }
            Test::Op(_, Value::Num(n)) => {
                nums.extend([*n - 1.0, *n, *n + 1.0, *n - 0.5, *n + 0.5]);
                strs.push(format!("{n}"));
            }
            _ => {}
        }
    });
    // A concrete string unlike any the pattern names: decides `!=` and the like exactly.
    strs.push("zq-other-value".to_string());
    strs.sort();
    strs.dedup();
    nums.retain(|n| n.is_finite());
    nums.sort_by(|a, b| a.total_cmp(b));
    nums.dedup();
    let mut out = vec![Abs::Absent];
    out.extend(strs.into_iter().map(Abs::Str));
    out.push(Abs::AnyStr);
    out.extend(nums.into_iter().map(Abs::Num));
    out.extend([
        Abs::AnyNum,
        Abs::Bool(true),
        Abs::Bool(false),
        Abs::Null,
        Abs::Obj,
        Abs::Arr,
    ]);
    out
}

/// Result of a case analysis.
enum Search {
    /// The property holds in every case (for "all") / in no case (for "exists").
    None,
    /// A case that breaks "all" / a case that witnesses "exists".
    Found(World),
    /// Too many cases to decide.
    Budget,
}

struct Solver<'e> {
    e: &'e Expr,
    reps: Vec<Vec<Abs>>,
    steps: usize,
}

impl Solver<'_> {
    /// Looks for a case where the pattern is not true (`want_true = false`) or is true
    /// (`want_true = true`).
    fn search(&mut self, w: &mut World, k: usize, want_true: bool) -> Search {
        self.steps += 1;
        if self.steps > BUDGET {
            return Search::Budget;
        }
        let r = eval_expr(self.e, &mut |c: &Cmp| w.truth(c));
        match (r, want_true) {
            (Tri::T, true) => return Search::Found(w.clone()),
            (Tri::T, false) => return Search::None,
            (Tri::F, true) => return Search::None,
            (Tri::F, false) => return Search::Found(w.clone()),
            _ => {}
        }
        if k == w.vars.len() {
            // Every field decided and still unknown: not provable either way.
            return if want_true {
                Search::None
            } else {
                Search::Found(w.clone())
            };
        }
        let reps = if w.forced(&w.vars[k]).is_some() {
            vec![Abs::Absent]
        } else {
            self.reps[k].clone()
        };
        for rep in reps {
            w.vals[k] = Some(rep);
            match self.search(w, k + 1, want_true) {
                Search::None => {}
                other => {
                    w.vals[k] = None;
                    return other;
                }
            }
        }
        w.vals[k] = None;
        Search::None
    }
}

fn solve(e: &Expr, pins: Vec<(Selector, Abs)>, want_true: bool) -> Search {
    let mut w = World::new(pins, e);
    let reps = w
        .vars
        .iter()
        .map(|s| match s.steps.first() {
            Some(Step::Key(k)) if want_true && !CLOUDTRAIL_FIELDS.contains(&k.as_str()) => {
                vec![Abs::Absent]
            }
            _ => representatives(s, e),
        })
        .collect();
    let mut s = Solver { e, reps, steps: 0 };
    s.search(&mut w, 0, want_true)
}

/// The judge's answer before it is wrapped into a `PatternVerdict`.
pub struct Judged {
    pub catches_all: bool,
    pub matches_success: bool,
    pub explanation: String,
}

/// Judges a parsed pattern.
pub fn judge_parsed(p: &Pattern) -> Judged {
    let concrete_success = SUCCESS_RECORDS.iter().any(|r| matches(p, r));
    match &p.body {
        Body::Empty => Judged {
            catches_all: true,
            matches_success: true,
            explanation: "The empty pattern matches every log event, so it catches every failed console sign-in; it also matches every successful sign-in (and everything else in the log group), so the alarm will be noisy.".into(),
        },
        Body::Json(e) => {
            let (catches_all, why) = match solve(e, failure_pins(), false) {
                Search::None => (true, None),
                Search::Found(w) => (false, Some(explain::json_slips(e, &w))),
                Search::Budget => (false, Some(explain::too_complex())),
            };
            let matches_success = concrete_success
                || matches!(solve(e, success_pins(), true), Search::Found(_));
            let explanation = why.unwrap_or_else(|| explain::json_ok(matches_success));
            Judged { catches_all, matches_success, explanation }
        }
        Body::Terms(ts) => {
            let (catches_all, explanation) = judge_terms(ts);
            let explanation = explain::with_noise(explanation, catches_all, concrete_success);
            Judged { catches_all, matches_success: concrete_success, explanation }
        }
        Body::Regex(re) => {
            let (catches_all, explanation) = judge_regex(re);
            let explanation = explain::with_noise(explanation, catches_all, concrete_success);
            Judged { catches_all, matches_success: concrete_success, explanation }
        }
        Body::Delimited(_) => Judged {
            catches_all: false,
            matches_success: concrete_success,
            explanation: "A space-delimited pattern matches fields by position after splitting the message on spaces. A CloudTrail record is one line of JSON whose spaces (in the user agent, in \"Failed authentication\") vary from record to record, so no field position is guaranteed: failed sign-ins can slip through. Use a JSON pattern such as the CIS one.".into(),
        },
    }
}

/// Is `t` sure to occur in every failed sign-in's text, as a whole word? Whole-word
/// occurrence inside a pinned fragment holds whether CloudWatch matches terms as substrings
/// (as the guide's examples show) or on word boundaries.
pub fn guaranteed_word(t: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    FAILURE_FRAGMENTS.iter().any(|f| {
        f.match_indices(t).any(|(i, _)| {
            let fb = f.as_bytes();
            let tb = t.as_bytes();
            let left_ok = !word(tb[0]) || i == 0 || !word(fb[i - 1]);
            let end = i + tb.len();
            let right_ok = !word(tb[tb.len() - 1]) || end == fb.len() || !word(fb[end]);
            left_ok && right_ok
        })
    })
}

fn judge_terms(ts: &[Term]) -> (bool, String) {
    if let Some(x) = ts.iter().find(|t| t.kind == TermKind::Excluded) {
        return (false, explain::excluded_term(&x.text));
    }
    if let Some(t) = ts
        .iter()
        .find(|t| t.kind == TermKind::Required && !guaranteed_word(&t.text))
    {
        return (false, explain::term_not_sure(&t.text));
    }
    let opts: Vec<&Term> = ts.iter().filter(|t| t.kind == TermKind::Optional).collect();
    if !opts.is_empty() && !opts.iter().any(|t| guaranteed_word(&t.text)) {
        let names: Vec<&str> = opts.iter().map(|t| t.text.as_str()).collect();
        return (false, explain::alternatives_not_sure(&names));
    }
    (true, explain::terms_ok())
}

/// A regex without anchors that matches inside a pinned fragment matches every failed
/// sign-in's text. Anchors and word boundaries depend on unknown neighbours: not provable.
fn judge_regex(re: &Re) -> (bool, String) {
    let src = re.src.as_bytes();
    let anchored = src.iter().enumerate().any(|(i, &c)| match c {
        b'$' => i == 0 || src[i - 1] != b'\\',
        b'^' => i == 0 || src[i - 1] != b'[',
        b'b' | b'B' | b'A' | b'z' => i > 0 && src[i - 1] == b'\\',
        _ => false,
    });
    if anchored {
        return (false, explain::regex_anchored(&re.src));
    }
    if FAILURE_FRAGMENTS.iter().any(|f| re.is_match(f)) {
        (true, explain::regex_ok(&re.src))
    } else {
        (false, explain::regex_not_sure(&re.src))
    }
}
