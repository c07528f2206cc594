//! Do a trail's event selectors record a control's events? CIS wants management events with
//! read/write type All (classic or advanced selectors); beyond that, a selector
//! may leave out event sources (classic `ExcludeManagementEventSources`, advanced
//! `eventSource NotEquals ...`), and what that breaks depends on the control: leaving out
//! `kms.amazonaws.com` deafens the KMS control only. So each control's events (controls.toml:
//! sources and types; names from its reference) are checked one by one, with read-only and
//! write events both, against the selectors as CloudTrail documents them: an event is recorded
//! when some selector records it; an advanced selector records it when every field selector
//! admits it.
//!
//! Where the control is about every source (root usage, unauthorized calls), leaving out one
//! source is not a broken chain but is worth saying: the answer then carries a note.

use crate::controls::WatchedEvents;
use crate::facts::{AdvancedSelector, ClassicSelector, EventSelectors, FieldSelector};

/// A field's value in the events looked at: a known value, or any value (the control is about
/// events with every value of that field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want<'a> {
    Value(&'a str),
    Any,
}

impl Want<'_> {
    fn label(&self) -> &str {
        match self {
            Want::Value(v) => v,
            Want::Any => "any",
        }
    }
}

/// One kind of event a control needs recorded.
#[derive(Debug, Clone, Copy)]
struct Event<'a> {
    source: Want<'a>,
    name: Want<'a>,
    kind: Want<'a>,
    read_only: bool,
}

fn wants(values: &[String]) -> Vec<Want<'_>> {
    if values.is_empty() {
        vec![Want::Any]
    } else {
        values.iter().map(|v| Want::Value(v)).collect()
    }
}

fn events(watched: &WatchedEvents) -> Vec<Event<'_>> {
    let mut out = Vec::new();
    for source in wants(&watched.sources) {
        for name in wants(&watched.names) {
            for kind in wants(&watched.types) {
                for read_only in [false, true] {
                    out.push(Event {
                        source,
                        name,
                        kind,
                        read_only,
                    });
                }
            }
        }
    }
    out
}

/// `Ok(notes)` when the selectors record every event of `watched` (the notes name sources left
/// out that the control does not single out); otherwise a sentence saying what is not
/// recorded. `catches` is the control's plural noun ("failed console sign-ins").
pub(crate) fn records_control_events(
    selectors: &EventSelectors,
    watched: &WatchedEvents,
    catches: &str,
) -> Result<Vec<String>, String> {
    match selectors {
        EventSelectors::Classic(list) => classic(list, watched, catches),
        EventSelectors::Advanced(list) => advanced(list, watched, catches),
    }
}

fn read_write_admits(read_write_type: &str, read_only: bool) -> bool {
    match read_write_type {
        "All" => true,
        "ReadOnly" => read_only,
        "WriteOnly" => !read_only,
        _ => false,
    }
}

fn classic(
    list: &[ClassicSelector],
    watched: &WatchedEvents,
    catches: &str,
) -> Result<Vec<String>, String> {
    let management: Vec<&ClassicSelector> = list
        .iter()
        .filter(|s| s.include_management_events)
        .collect();
    if management.is_empty() {
        return Err(if list.is_empty() {
            "the trail has no event selectors, so it records no management events".into()
        } else {
            "no event selector includes management events".into()
        });
    }
    let excludes = |s: &ClassicSelector, source: Want<'_>| match source {
        Want::Value(v) => s.exclude_management_event_sources.iter().any(|x| x == v),
        Want::Any => false,
    };
    for e in events(watched) {
        let recorded = management
            .iter()
            .any(|s| read_write_admits(&s.read_write_type, e.read_only) && !excludes(s, e.source));
        if recorded {
            continue;
        }
        let by_read_write: Vec<&&ClassicSelector> = management
            .iter()
            .filter(|s| read_write_admits(&s.read_write_type, e.read_only))
            .collect();
        return Err(if by_read_write.is_empty() {
            format!(
                "management events are recorded with ReadWriteType {}; CIS needs All",
                management[0].read_write_type
            )
        } else {
            format!(
                "the event selector excludes management events from {} (ExcludeManagementEventSources), where {catches} are recorded",
                e.source.label()
            )
        });
    }
    let mut notes: Vec<String> = Vec::new();
    if watched.sources.is_empty() {
        for s in &management {
            for source in &s.exclude_management_event_sources {
                push_unique(
                    &mut notes,
                    format!("the trail leaves out management events from {source}, so {catches} there are not recorded"),
                );
            }
        }
    }
    Ok(notes)
}

fn advanced(
    list: &[AdvancedSelector],
    watched: &WatchedEvents,
    catches: &str,
) -> Result<Vec<String>, String> {
    if list.is_empty() {
        return Err(
            "the trail has no advanced event selectors, so it records no management events".into(),
        );
    }
    let management: Vec<&AdvancedSelector> = list
        .iter()
        .filter(|s| {
            s.field_selectors
                .iter()
                .any(|f| f.field == "eventCategory" && admits(f, "Management"))
        })
        .collect();
    if management.is_empty() {
        return Err("no advanced event selector selects management events".into());
    }
    for e in events(watched) {
        let verdicts: Vec<Result<(), String>> = management
            .iter()
            .map(|s| selector_records(s, &e, catches))
            .collect();
        if verdicts.iter().any(Result::is_ok) {
            continue;
        }
        return Err(verdicts
            .into_iter()
            .find_map(Result::err)
            .expect("management is not empty"));
    }
    let mut notes = Vec::new();
    for s in &management {
        for f in &s.field_selectors {
            let unsingled = match f.field.as_str() {
                "eventSource" => watched.sources.is_empty(),
                "eventName" => watched.names.is_empty(),
                "eventType" => watched.types.is_empty(),
                _ => false,
            };
            if !unsingled {
                continue;
            }
            for left_out in f
                .not_equals
                .iter()
                .map(|v| format!("{} {v}", f.field))
                .chain(
                    f.not_starts_with
                        .iter()
                        .map(|v| format!("{} starting with {v}", f.field)),
                )
                .chain(
                    f.not_ends_with
                        .iter()
                        .map(|v| format!("{} ending with {v}", f.field)),
                )
            {
                push_unique(
                    &mut notes,
                    format!(
                        "advanced selector `{}` leaves out {left_out}, so {catches} there are not recorded",
                        label(s)
                    ),
                );
            }
        }
    }
    Ok(notes)
}

fn push_unique(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

fn label(selector: &AdvancedSelector) -> &str {
    selector.name.as_deref().unwrap_or("unnamed")
}

/// Whether one advanced selector records `e`; otherwise the first field that keeps it out.
fn selector_records(
    selector: &AdvancedSelector,
    e: &Event<'_>,
    catches: &str,
) -> Result<(), String> {
    let label = label(selector);
    for f in &selector.field_selectors {
        let want = match f.field.as_str() {
            "eventCategory" => continue,
            "readOnly" => {
                let value = if e.read_only { "true" } else { "false" };
                if admits(f, value) {
                    continue;
                }
                return Err(format!(
                    "advanced selector `{label}` restricts readOnly, so management events are not recorded with read/write type All"
                ));
            }
            "eventSource" => e.source,
            "eventName" => e.name,
            "eventType" => e.kind,
            field => {
                return Err(format!(
                    "advanced selector `{label}` filters management events on {field}; {catches} cannot be shown to be recorded"
                ))
            }
        };
        let ok = match want {
            Want::Value(v) => admits(f, v),
            // Every value is wanted: only conditions that leave values out may stand.
            Want::Any => f.equals.is_empty() && f.starts_with.is_empty() && f.ends_with.is_empty(),
        };
        if !ok {
            return Err(match want {
                Want::Value(v) => format!(
                    "advanced selector `{label}` excludes {} {v}, so {catches} are not recorded",
                    f.field
                ),
                Want::Any => format!(
                    "advanced selector `{label}` records management events of only some {} values, so {catches} are not all recorded",
                    f.field
                ),
            });
        }
    }
    Ok(())
}

/// Whether a field selector lets `value` through (all its conditions hold; AWS ANDs them).
fn admits(f: &FieldSelector, value: &str) -> bool {
    (f.equals.is_empty() || f.equals.iter().any(|v| v == value))
        && !f.not_equals.iter().any(|v| v == value)
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|p| value.starts_with(p.as_str())))
        && !f
            .not_starts_with
            .iter()
            .any(|p| value.starts_with(p.as_str()))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|p| value.ends_with(p.as_str())))
        && !f.not_ends_with.iter().any(|p| value.ends_with(p.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls;

    fn watched(id: &str) -> &'static WatchedEvents {
        &controls::get(id).unwrap().events
    }

    fn judge(selectors: &EventSelectors, id: &str) -> Result<Vec<String>, String> {
        records_control_events(selectors, watched(id), "the control's events")
    }

    fn console(selectors: &EventSelectors) -> Result<Vec<String>, String> {
        judge(selectors, "console-auth-failures")
    }

    fn classic_sel(mgmt: bool, rw: &str) -> ClassicSelector {
        ClassicSelector {
            include_management_events: mgmt,
            read_write_type: rw.into(),
            exclude_management_event_sources: vec![],
        }
    }

    fn field(name: &str, equals: &[&str]) -> FieldSelector {
        FieldSelector {
            field: name.into(),
            equals: equals.iter().map(|s| s.to_string()).collect(),
            ..FieldSelector::default()
        }
    }

    fn not_equals(name: &str, values: &[&str]) -> FieldSelector {
        FieldSelector {
            field: name.into(),
            not_equals: values.iter().map(|s| s.to_string()).collect(),
            ..FieldSelector::default()
        }
    }

    fn adv(fields: Vec<FieldSelector>) -> EventSelectors {
        EventSelectors::Advanced(vec![AdvancedSelector {
            name: Some("mgmt".into()),
            field_selectors: fields,
        }])
    }

    #[test]
    fn classic_all_passes_and_read_only_fails() {
        assert_eq!(
            console(&EventSelectors::Classic(vec![classic_sel(true, "All")])),
            Ok(vec![])
        );
        let err = console(&EventSelectors::Classic(vec![classic_sel(
            true, "ReadOnly",
        )]))
        .unwrap_err();
        assert!(err.contains("ReadOnly"), "{err}");
        assert!(console(&EventSelectors::Classic(vec![classic_sel(
            true,
            "WriteOnly"
        )]))
        .is_err());
        assert!(console(&EventSelectors::Classic(vec![classic_sel(false, "All")])).is_err());
        assert!(console(&EventSelectors::Classic(vec![])).is_err());
    }

    #[test]
    fn any_classic_selector_may_carry_management_events() {
        let list = vec![classic_sel(false, "All"), classic_sel(true, "All")];
        assert!(console(&EventSelectors::Classic(list)).is_ok());
        // Read-only events from one selector, write events from another: all are recorded.
        let split = vec![
            classic_sel(true, "ReadOnly"),
            classic_sel(true, "WriteOnly"),
        ];
        assert!(console(&EventSelectors::Classic(split)).is_ok());
    }

    #[test]
    fn a_classic_kms_exclusion_breaks_the_kms_control_only() {
        let mut sel = classic_sel(true, "All");
        sel.exclude_management_event_sources = vec!["kms.amazonaws.com".into()];
        let selectors = EventSelectors::Classic(vec![sel]);
        let err = judge(&selectors, "kms-cmk-disable-delete").unwrap_err();
        assert!(
            err.contains("kms.amazonaws.com") && err.contains("ExcludeManagementEventSources"),
            "{err}"
        );
        assert_eq!(judge(&selectors, "console-auth-failures"), Ok(vec![]));
        assert_eq!(judge(&selectors, "iam-policy-changes"), Ok(vec![]));
        // Root usage is about every source: it passes, and says what it cannot see.
        let notes = judge(&selectors, "root-usage").unwrap();
        assert!(
            notes.len() == 1 && notes[0].contains("kms.amazonaws.com"),
            "{notes:?}"
        );
        // Another selector that records KMS events makes up for it.
        let both = EventSelectors::Classic(vec![
            ClassicSelector {
                exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
                ..classic_sel(true, "All")
            },
            classic_sel(true, "All"),
        ]);
        assert!(judge(&both, "kms-cmk-disable-delete").is_ok());
    }

    #[test]
    fn advanced_management_without_read_only_passes() {
        assert!(console(&adv(vec![field("eventCategory", &["Management"])])).is_ok());
    }

    #[test]
    fn advanced_read_only_restrictions_fail() {
        let err = console(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true"]),
        ]))
        .unwrap_err();
        assert!(err.contains("readOnly"), "{err}");
        assert!(console(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["false"]),
        ]))
        .is_err());
        assert!(console(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true", "false"]),
        ]))
        .is_ok());
        // Two selectors, one per readOnly value, record both.
        let split = EventSelectors::Advanced(
            ["true", "false"]
                .iter()
                .map(|v| AdvancedSelector {
                    name: Some(format!("ro-{v}")),
                    field_selectors: vec![
                        field("eventCategory", &["Management"]),
                        field("readOnly", &[v]),
                    ],
                })
                .collect(),
        );
        assert!(console(&split).is_ok());
    }

    #[test]
    fn advanced_data_event_selectors_do_not_count() {
        let err = console(&adv(vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
        ]))
        .unwrap_err();
        assert!(err.contains("management"), "{err}");
    }

    #[test]
    fn advanced_event_source_exclusions_are_judged_per_control() {
        let not_signin = adv(vec![
            field("eventCategory", &["Management"]),
            not_equals("eventSource", &["signin.amazonaws.com"]),
        ]);
        let err = console(&not_signin).unwrap_err();
        assert!(err.contains("signin.amazonaws.com"), "{err}");
        assert!(judge(&not_signin, "console-signin-without-mfa").is_err());
        assert_eq!(judge(&not_signin, "kms-cmk-disable-delete"), Ok(vec![]));
        let notes = judge(&not_signin, "unauthorized-api-calls").unwrap();
        assert!(
            notes[0].contains("eventSource signin.amazonaws.com"),
            "{notes:?}"
        );

        let not_kms = adv(vec![
            field("eventCategory", &["Management"]),
            not_equals("eventSource", &["kms.amazonaws.com"]),
        ]);
        assert!(console(&not_kms).is_ok());
        assert!(judge(&not_kms, "kms-cmk-disable-delete").is_err());
    }

    #[test]
    fn advanced_event_name_exclusions_name_the_event() {
        let sel = adv(vec![
            field("eventCategory", &["Management"]),
            not_equals("eventName", &["ScheduleKeyDeletion"]),
        ]);
        let err = judge(&sel, "kms-cmk-disable-delete").unwrap_err();
        assert!(err.contains("eventName ScheduleKeyDeletion"), "{err}");
        assert!(judge(&sel, "iam-policy-changes").is_ok());
    }

    #[test]
    fn recording_only_some_sources_breaks_controls_about_every_source() {
        let only_iam = adv(vec![
            field("eventCategory", &["Management"]),
            field("eventSource", &["iam.amazonaws.com"]),
        ]);
        assert!(judge(&only_iam, "iam-policy-changes").is_ok());
        let err = judge(&only_iam, "root-usage").unwrap_err();
        assert!(err.contains("only some eventSource"), "{err}");
        assert!(console(&only_iam).is_err());
    }

    #[test]
    fn unknown_fields_are_not_assumed_harmless() {
        assert!(console(&adv(vec![
            field("eventCategory", &["Management"]),
            field("userIdentity.arn", &["arn:aws:iam::1:user/x"]),
        ]))
        .is_err());
    }
}
