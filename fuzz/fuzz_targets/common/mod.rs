//! What the loader targets share.

use std::sync::OnceLock;

/// `FUZZ_SHOW=1 fuzz/target/.../NAME FILE` prints what became of an input (for triage).
pub fn show() -> bool {
    static SHOW: OnceLock<bool> = OnceLock::new();
    *SHOW.get_or_init(|| std::env::var_os("FUZZ_SHOW").is_some())
}

/// Asserts that a 1-based `line` an error points at is inside `text`. Lines are counted by
/// newlines before the place, so the last possible line is one past the last newline.
pub fn assert_line_inside(line: usize, text: &str, shown: &str) {
    let last_line = text.matches('\n').count() + 1;
    assert!(
        (1..=last_line).contains(&line),
        "line {line} is outside the text (1..={last_line}): {shown}"
    );
}
