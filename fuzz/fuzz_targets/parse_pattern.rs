//! Fuzz target: any byte string, as a pattern, must parse or fail with an in-bounds offset,
//! never panic or hang; a parsed pattern must print to text that parses to the same tree and
//! must evaluate against a sign-in record and against the input itself; the judge must not
//! panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orgsweep::pattern::{judge, matches, parse};

const RECORD: &str = r#"{"eventVersion":"1.05","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":""},"eventName":"ConsoleLogin","errorMessage":"Failed authentication","responseElements":{"ConsoleLogin":"Failure"},"a":[1,"x",null,{"b":true}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Ok(p) => {
            let printed = p.to_string();
            if printed.chars().count() <= 1024 {
                let again = parse(&printed).expect("printed pattern must parse");
                assert_eq!(again, p, "round trip changed the tree: {printed}");
            }
            let _ = matches(&p, RECORD);
            let _ = matches(&p, text);
        }
        Err(e) => assert!(e.offset <= text.len(), "offset out of bounds: {e}"),
    }
    let v = judge(text);
    assert_eq!(v.parse_ok, v.error.is_none());
});
