//! Do a trail's event selectors record every management event, console sign-ins included,
//! with read/write type All? Classic and advanced selectors both count (DESIGN.md §1).

use crate::facts::{AdvancedSelector, ClassicSelector, EventSelectors, FieldSelector};

/// Field values of a failed console sign-in record, as advanced selectors see them.
const SIGN_IN_FIELDS: &[(&str, &str)] = &[
    ("eventCategory", "Management"),
    ("eventSource", "signin.amazonaws.com"),
    ("eventName", "ConsoleLogin"),
    ("eventType", "AwsConsoleSignIn"),
];

/// `Ok(())` when management events are recorded with read/write type All; otherwise a sentence
/// saying what is missing.
pub fn records_all_management_events(selectors: &EventSelectors) -> Result<(), String> {
    match selectors {
        EventSelectors::Classic(list) => classic(list),
        EventSelectors::Advanced(list) => advanced(list),
    }
}

fn classic(list: &[ClassicSelector]) -> Result<(), String> {
    if list
        .iter()
        .any(|s| s.include_management_events && s.read_write_type == "All")
    {
        return Ok(());
    }
    match list.iter().find(|s| s.include_management_events) {
        Some(s) => Err(format!(
            "management events are recorded with ReadWriteType {}; CIS needs All",
            s.read_write_type
        )),
        None if list.is_empty() => {
            Err("the trail has no event selectors, so it records no management events".into())
        }
        None => Err("no event selector includes management events".into()),
    }
}

fn advanced(list: &[AdvancedSelector]) -> Result<(), String> {
    let mut why_not = Vec::new();
    for selector in list {
        match advanced_selector_records_sign_ins(selector) {
            Ok(()) => return Ok(()),
            Err(reason) => why_not.push(reason),
        }
    }
    if list.is_empty() {
        return Err(
            "the trail has no advanced event selectors, so it records no management events".into(),
        );
    }
    Err(why_not
        .into_iter()
        .find(|r| !r.starts_with("selects no management"))
        .unwrap_or_else(|| "no advanced event selector selects management events".into()))
}

fn advanced_selector_records_sign_ins(selector: &AdvancedSelector) -> Result<(), String> {
    let label = selector.name.as_deref().unwrap_or("unnamed");
    let category = selector
        .field_selectors
        .iter()
        .find(|f| f.field == "eventCategory");
    match category {
        Some(f) if admits(f, "Management") => {}
        _ => return Err(format!("selects no management events ({label})")),
    }
    for f in &selector.field_selectors {
        match f.field.as_str() {
            "eventCategory" => {}
            "readOnly" => {
                if !(admits(f, "true") && admits(f, "false")) {
                    return Err(format!(
                        "advanced selector `{label}` restricts readOnly, so management events are not recorded with read/write type All"
                    ));
                }
            }
            field => match SIGN_IN_FIELDS.iter().find(|(name, _)| *name == field) {
                Some((_, value)) if admits(f, value) => {}
                Some((_, value)) => {
                    return Err(format!(
                        "advanced selector `{label}` excludes {field} {value}, so console sign-ins are not recorded"
                    ))
                }
                None => {
                    return Err(format!(
                        "advanced selector `{label}` filters management events on {field}; console sign-ins cannot be shown to be recorded"
                    ))
                }
            },
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

    fn adv(fields: Vec<FieldSelector>) -> EventSelectors {
        EventSelectors::Advanced(vec![AdvancedSelector {
            name: Some("mgmt".into()),
            field_selectors: fields,
        }])
    }

    #[test]
    fn classic_all_passes_and_read_only_fails() {
        assert!(
            records_all_management_events(&EventSelectors::Classic(vec![classic_sel(true, "All")]))
                .is_ok()
        );
        let err = records_all_management_events(&EventSelectors::Classic(vec![classic_sel(
            true, "ReadOnly",
        )]))
        .unwrap_err();
        assert!(err.contains("ReadOnly"), "{err}");
        assert!(
            records_all_management_events(&EventSelectors::Classic(vec![classic_sel(
                true,
                "WriteOnly"
            )]))
            .is_err()
        );
        assert!(
            records_all_management_events(&EventSelectors::Classic(vec![classic_sel(
                false, "All"
            )]))
            .is_err()
        );
        assert!(records_all_management_events(&EventSelectors::Classic(vec![])).is_err());
    }

    #[test]
    fn any_classic_selector_may_carry_management_events() {
        let list = vec![classic_sel(false, "All"), classic_sel(true, "All")];
        assert!(records_all_management_events(&EventSelectors::Classic(list)).is_ok());
    }

    #[test]
    fn advanced_management_without_read_only_passes() {
        assert!(
            records_all_management_events(&adv(vec![field("eventCategory", &["Management"])]))
                .is_ok()
        );
    }

    #[test]
    fn advanced_read_only_restrictions_fail() {
        let err = records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true"]),
        ]))
        .unwrap_err();
        assert!(err.contains("readOnly"), "{err}");
        assert!(records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["false"]),
        ]))
        .is_err());
        assert!(records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true", "false"]),
        ]))
        .is_ok());
    }

    #[test]
    fn advanced_data_event_selectors_do_not_count() {
        let err = records_all_management_events(&adv(vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
        ]))
        .unwrap_err();
        assert!(err.contains("management"), "{err}");
    }

    #[test]
    fn advanced_event_source_exclusions_are_read() {
        let mut not_signin = field("eventSource", &[]);
        not_signin.not_equals = vec!["signin.amazonaws.com".into()];
        let err = records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            not_signin,
        ]))
        .unwrap_err();
        assert!(err.contains("signin.amazonaws.com"), "{err}");

        let mut not_kms = field("eventSource", &[]);
        not_kms.not_equals = vec!["kms.amazonaws.com".into()];
        assert!(records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            not_kms
        ]))
        .is_ok());
    }

    #[test]
    fn unknown_fields_are_not_assumed_harmless() {
        assert!(records_all_management_events(&adv(vec![
            field("eventCategory", &["Management"]),
            field("userIdentity.arn", &["arn:aws:iam::1:user/x"]),
        ]))
        .is_err());
    }
}
