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
            verdict.exception = Some(e.id.clone());
            format!(
                "exception {} (owner {}, expires {})",
                e.id, e.owner, e.expires
            )
        }
        Effect::Expired(e) => {
            verdict.exception = Some(e.id.clone());
            format!("exception {} expired on {}", e.id, e.expires)
        }
    };
    verdict.detail = if verdict.detail.is_empty() {
        note
    } else {
        format!("{note}; {}", verdict.detail)
    };
    verdict
}

/// Applies the exceptions to every cell of one account's row, counting into `ledger`.
/// `ou_path` is the account's lineage (root and OU ids, root first).
pub fn apply_to_row(
    set: &super::ExceptionSet,
    today: time::Date,
    ou_path: &[String],
    row: &mut crate::outcome::AccountRow,
    ledger: &mut super::ExceptionLedger,
) {
    if set.is_empty() {
        return;
    }
    for (control, cells) in &mut row.controls {
        for (region, verdict) in cells.iter_mut() {
            let cell = super::Cell {
                account_id: &row.account_id,
                ou_path,
                region,
                control,
                status: verdict.status,
            };
            let outcome = super::decide(set, &cell, today);
            ledger.record(&outcome);
            if outcome.effect != Effect::Unchanged {
                *verdict = apply(verdict.clone(), &outcome.effect);
            }
        }
    }
}
