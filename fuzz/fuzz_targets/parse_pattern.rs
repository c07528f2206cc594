//! Fuzz target: any byte string, as a pattern, must parse or fail with an in-bounds offset,
//! never panic or hang; a parsed pattern must print to text that parses to the same tree and
//! must evaluate against a sign-in record and against the input itself; the judge (against
//! one control of the table, picked by the input's length) must not panic either, and its
//! verdict must agree with the evaluator on the model's example records: a pattern judged to
//! catch all matches every example the reference matches, and one judged quiet matches no
//! example of the must-not-match class.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgsweep::controls;
use orgsweep::pattern::model::RecordModel;
use orgsweep::pattern::{judge_for, matches, parse};

const RECORD: &str = r#"{"eventVersion":"1.05","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":""},"eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"},"a":[1,"x",null,{"b":true}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text);
    match &parsed {
        Ok(p) => {
            let printed = p.to_string();
            if printed.chars().count() <= 1024 {
                let again = parse(&printed).expect("printed pattern must parse");
                assert_eq!(&again, p, "round trip changed the tree: {printed}");
            }
            let _ = matches(p, RECORD);
            let _ = matches(p, text);
        }
        Err(e) => assert!(e.offset <= text.len(), "offset out of bounds: {e}"),
    }
    let table = controls::table();
    let control = &table[data.len() % table.len()];
    let r = &control.reference;
    let v = judge_for(text, r);
    assert_eq!(v.parse_ok, v.error.is_none());
    let Ok(p) = parsed else { return };
    let model = RecordModel::shipped();
    for class in &model.classes {
        for ex in &class.examples {
            if v.catches_all && matches(&r.pattern, ex) {
                assert!(matches(&p, ex), "judged to catch all for {} but misses {ex}", control.id);
            }
            if let Some(n) = &r.noise {
                if n.class == class.id && !v.matches_success {
                    assert!(!matches(&p, ex), "judged quiet for {} but matches {ex}", control.id);
                }
            }
        }
    }
});
