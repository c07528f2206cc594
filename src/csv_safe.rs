//! Keeps CSV cells from being read as formulas by spreadsheets (CSV/formula injection).
//!
//! Account names are chosen by whoever created the account; a name such as
//! `=HYPERLINK("http://…")` must reach a spreadsheet as text. A cell that starts with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a leading `'`, as OWASP recommends. Quoting of commas,
//! quotes and newlines is the csv writer's job, not this one's.

use std::borrow::Cow;

/// Characters that make a spreadsheet treat a cell as a formula when they come first.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// The cell, with a leading `'` when it would otherwise start a formula.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_a_leading_quote() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+SUM(A1)"), "'+SUM(A1)");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("\t=x"), "'\t=x");
        assert_eq!(neutralise("\rx"), "'\rx");
    }

    #[test]
    fn ordinary_cells_are_borrowed_unchanged() {
        for cell in [
            "",
            "Prod, EU",
            "a=b",
            "\"quoted\"",
            "Ünïcode",
            "123456789012",
            "'x",
        ] {
            let out = neutralise(cell);
            assert!(matches!(out, Cow::Borrowed(_)), "{cell:?}");
            assert_eq!(out, cell);
        }
    }
}
