//! Fuzz target: any UTF-8 text, as a config file, must load or be refused with a value, never a
//! panic. A refusal names the file, carries a message, and points at a line of the text: always
//! for a TOML mistake (syntax, unknown key, wrong type), and for a bad value when the key can be
//! found (the line then assigns that key). A loaded config validates, and loading the same text
//! again gives the same value.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::{assert_line_inside, show};
use orgsweep::config::Config;

const FILE: &str = "fuzz/orgsweep.toml";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new(FILE);
    match Config::parse(text, path) {
        Ok(config) => {
            if show() {
                eprintln!("loaded: {config:?}");
            }
            assert_eq!(config.validate(), Ok(()), "a loaded config must validate");
            let again = Config::parse(text, path).expect("the same text must load again");
            assert_eq!(
                again, config,
                "loading the same text twice gave different values"
            );
        }
        Err(e) => {
            if show() {
                eprintln!("refused: {e}");
            }
            let shown = e.to_string();
            assert_eq!(e.file, path, "the error names another file: {shown}");
            assert!(
                shown.starts_with(FILE),
                "the message does not start with the file: {shown}"
            );
            assert!(!e.message.trim().is_empty(), "empty message: {shown}");
            if let Some(line) = e.line {
                assert_line_inside(line, text, &shown);
            }
            match &e.key {
                None => assert!(e.line.is_some(), "a TOML error without a line: {shown}"),
                Some(key) => {
                    assert!(
                        ["access.", "sweep.", "remediation."]
                            .iter()
                            .any(|s| key.starts_with(s)),
                        "not a dotted config key: {shown}"
                    );
                    assert!(
                        shown.contains(key.as_str()),
                        "the message does not name the key: {shown}"
                    );
                    if let Some(line) = e.line {
                        let leaf = key.rsplit('.').next().unwrap_or(key);
                        let at = text.lines().nth(line - 1).unwrap_or("");
                        assert!(
                            at.contains(leaf),
                            "line {line} (`{at}`) does not assign `{leaf}`: {shown}"
                        );
                    }
                }
            }
        }
    }
});
