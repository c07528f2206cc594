//! The topic-policy statement that lets CloudWatch alarms publish, added to a topic's policy
//! without dropping any statement that is there (pure).

/// The `Sid` of the statement orgsweep adds.
pub(crate) const POLICY_SID: &str = "OrgsweepAllowCloudWatchAlarms";

/// The statement letting CloudWatch alarms of `account` publish to the topic.
pub(crate) fn policy_statement(topic_arn: &str, account: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": { "Service": "cloudwatch.amazonaws.com" },
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": { "StringEquals": { "AWS:SourceAccount": account } }
    })
}

fn statements(policy: &serde_json::Value) -> Result<Vec<serde_json::Value>, String> {
    match policy.get("Statement") {
        None => Ok(Vec::new()),
        Some(serde_json::Value::Array(a)) => Ok(a.clone()),
        Some(o @ serde_json::Value::Object(_)) => Ok(vec![o.clone()]),
        Some(_) => Err("its Statement is neither a list nor an object".into()),
    }
}

/// Whether the policy already holds a statement with orgsweep's `Sid`.
pub(crate) fn policy_has_statement(policy: Option<&str>) -> Result<bool, String> {
    let Some(text) = policy.filter(|p| !p.trim().is_empty()) else {
        return Ok(false);
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("the topic policy is not valid JSON: {e}"))?;
    Ok(statements(&value)?
        .iter()
        .any(|s| s.get("Sid").and_then(|v| v.as_str()) == Some(POLICY_SID)))
}

/// The policy with `statement` added; every existing statement and key is kept. `None` when
/// a statement with the same `Sid` is already there (nothing to change).
pub(crate) fn merge_policy(
    existing: Option<&str>,
    statement: &serde_json::Value,
) -> Result<Option<String>, String> {
    let sid = statement
        .get("Sid")
        .and_then(|v| v.as_str())
        .unwrap_or(POLICY_SID);
    let mut policy = match existing.filter(|p| !p.trim().is_empty()) {
        None => serde_json::json!({ "Version": "2012-10-17", "Statement": [] }),
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| format!("the topic policy is not valid JSON: {e}"))?,
    };
    if !policy.is_object() {
        return Err("the topic policy is not a JSON object".into());
    }
    let mut list = statements(&policy)?;
    if list
        .iter()
        .any(|s| s.get("Sid").and_then(|v| v.as_str()) == Some(sid))
    {
        return Ok(None);
    }
    list.push(statement.clone());
    policy["Statement"] = serde_json::Value::Array(list);
    if policy.get("Version").is_none() {
        policy["Version"] = serde_json::Value::String("2012-10-17".into());
    }
    Ok(Some(policy.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_merged_never_replaced() {
        let topic = "arn:aws:sns:us-east-1:111122223333:t";
        let existing = r#"{"Version":"2012-10-17","Id":"keep","Statement":[{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:GetTopicAttributes","Resource":"x"}]}"#;
        let merged = merge_policy(Some(existing), &policy_statement(topic, "111122223333"))
            .unwrap()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(v["Id"], "keep");
        assert_eq!(v["Statement"].as_array().unwrap().len(), 2);
        assert!(policy_has_statement(Some(&merged)).unwrap());
        assert_eq!(
            merge_policy(Some(&merged), &policy_statement(topic, "111122223333")).unwrap(),
            None
        );
        assert!(merge_policy(Some("not json"), &policy_statement(topic, "1")).is_err());
        let single = r#"{"Statement":{"Sid":"One","Effect":"Deny"}}"#;
        let merged = merge_policy(Some(single), &policy_statement(topic, "1"))
            .unwrap()
            .unwrap();
        assert!(merged.contains("\"One\"") && merged.contains(POLICY_SID));
    }
}
