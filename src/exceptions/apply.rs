//! What a decision does to a verdict: an excepted FAIL becomes EXCEPTED and says by which
//! exception, whose and until when; a FAIL under an expired exception stays FAIL and says the
//! exception ended. The reason and the chain are kept either way: the broken link is still
//! broken, and remediation and comparisons still need to know which.

use super::matching::Effect;
use crate::verdict::{Status, Verdict};

/// The verdict after the exceptions (unchanged unless it is a FAIL with an effect).
pub fn apply(mut verdict: Verdict, effect: &Effect<'_>) -> Verdict {
    if verdict.status != Status::Fail {
        return verdict;
    }
    let note = match effect {
        Effect::Unchanged => return verdict,
        Effect::Excepted(e) => {
            verdict.status = Status::Excepted;
            format!(
                "exception {} (owner {}, expires {})",
                e.id, e.owner, e.expires
            )
        }
        Effect::Expired(e) => format!("exception {} expired on {}", e.id, e.expires),
    };
    verdict.detail = if verdict.detail.is_empty() {
        note
    } else {
        format!("{note}; {}", verdict.detail)
    };
    verdict
}
