//! Shapes of user-supplied identifiers, shared by the config file and the flags so both say
//! the same thing about the same mistake.

/// A 12-digit AWS account id. Kept as a string: ids can start with 0.
pub fn account_id(s: &str) -> Result<(), String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an AWS account id (12 digits, e.g. 012345678901)"
        ))
    }
}

/// A region name such as `us-east-1`, `eu-central-2`, `us-gov-west-1` or `cn-north-1`.
pub fn region_name(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let shaped = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1]
            .parse::<u8>()
            .is_ok_and(|n| (1..=20).contains(&n));
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a region name (e.g. us-east-1, eu-west-3, ap-southeast-2)"
        ))
    }
}

/// An organizational unit id (`ou-ab12-cd34ef56`) or a root id (`r-ab12`).
pub(crate) fn ou_id(s: &str) -> Result<(), String> {
    let lower_alnum = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let parts: Vec<&str> = s.split('-').collect();
    let ok = match parts.as_slice() {
        ["ou", a, b] => {
            (4..=32).contains(&a.len())
                && (8..=32).contains(&b.len())
                && lower_alnum(a)
                && lower_alnum(b)
        }
        ["r", a] => (4..=32).contains(&a.len()) && lower_alnum(a),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)"
        ))
    }
}

fn name_chars(s: &str, extra: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
}

/// An IAM role name (a path prefix like `audit/` is allowed).
pub fn role_name(s: &str) -> Result<(), String> {
    let name = s.rsplit('/').next().unwrap_or(s);
    if !name.is_empty() && name.len() <= 64 && name_chars(s, "+=,.@_-/") {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an IAM role name (1-64 characters of letters, digits and +=,.@_-)"
        ))
    }
}

/// An STS session name.
pub(crate) fn session_name(s: &str) -> Result<(), String> {
    if (2..=64).contains(&s.len()) && name_chars(s, "+=,.@_-") {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a session name (2-64 characters of letters, digits and +=,.@_-)"
        ))
    }
}

/// An STS external id; empty means none.
pub(crate) fn external_id(s: &str) -> Result<(), String> {
    if s.is_empty() || ((2..=1224).contains(&s.len()) && name_chars(s, "+=,.@:/_-")) {
        Ok(())
    } else {
        Err("an external id is 2-1224 characters of letters, digits and +=,.@:/_-".to_string())
    }
}

/// Names of filters, metrics, alarms and topics the tool creates.
pub(crate) fn resource_name(s: &str, max: usize) -> Result<(), String> {
    if !s.is_empty() && s.len() <= max && name_chars(s, "._-/#") && !s.contains(':') {
        Ok(())
    } else {
        Err(format!(
            "`{s}` must be 1-{max} characters of letters, digits and ._-/#"
        ))
    }
}

/// An SNS topic name (stricter than other names).
pub fn topic_name(s: &str) -> Result<(), String> {
    if !s.is_empty() && s.len() <= 256 && name_chars(s, "_-") {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an SNS topic name (1-256 letters, digits, _ and -)"
        ))
    }
}

/// Protocols SNS accepts for a subscription endpoint.
pub(crate) const SUBSCRIPTION_PROTOCOLS: &[&str] = &[
    "email",
    "email-json",
    "https",
    "http",
    "sqs",
    "lambda",
    "sms",
    "firehose",
    "application",
];

/// A subscription endpoint written as `protocol:endpoint`; returns the two halves.
pub(crate) fn subscription_endpoint(s: &str) -> Result<(String, String), String> {
    let allowed = SUBSCRIPTION_PROTOCOLS.join(", ");
    let Some((protocol, endpoint)) = s.split_once(':') else {
        return Err(format!(
            "`{s}` must be written protocol:endpoint (protocols: {allowed})"
        ));
    };
    if !SUBSCRIPTION_PROTOCOLS.contains(&protocol) {
        return Err(format!(
            "`{protocol}` is not an SNS protocol (allowed: {allowed})"
        ));
    }
    if endpoint.is_empty() {
        return Err(format!("`{s}` has an empty endpoint"));
    }
    if protocol.starts_with("email") && !endpoint.contains('@') {
        return Err(format!("`{endpoint}` is not an email address"));
    }
    // SNS takes http(s) endpoints as whole URLs, the scheme included.
    let endpoint = if protocol.starts_with("http") {
        s
    } else {
        endpoint
    };
    Ok((protocol.to_string(), endpoint.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits_and_may_start_with_zero() {
        assert!(account_id("012345678901").is_ok());
        assert!(account_id("12345678901").is_err());
        assert!(account_id("12345678901a").is_err());
    }

    #[test]
    fn region_names_have_their_shape() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-5",
            "cn-north-1",
        ] {
            assert!(region_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-0",
            "mars-north-1",
            "us--1",
            "",
        ] {
            assert!(region_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ou_ids_and_roots() {
        assert!(ou_id("ou-ab12-cd34ef56").is_ok());
        assert!(ou_id("r-ab12").is_ok());
        assert!(ou_id("ou-AB12-cd34ef56").is_err());
        assert!(ou_id("Security").is_err());
    }

    #[test]
    fn role_and_session_names() {
        assert!(role_name("OrganizationAccountAccessRole").is_ok());
        assert!(role_name("audit/orgsweep-reader").is_ok());
        assert!(role_name("").is_err());
        assert!(role_name("has space").is_err());
        assert!(session_name("o").is_err());
        assert!(external_id("").is_ok());
        assert!(external_id("x y").is_err());
    }

    #[test]
    fn endpoints_name_their_protocol() {
        assert_eq!(
            subscription_endpoint("email:sec@example.com").unwrap(),
            ("email".to_string(), "sec@example.com".to_string())
        );
        assert!(subscription_endpoint("sec@example.com").is_err());
        assert!(subscription_endpoint("pigeon:x").is_err());
        assert!(subscription_endpoint("email:nobody").is_err());
        assert_eq!(
            subscription_endpoint("https://hooks.example.com/x").unwrap(),
            (
                "https".to_string(),
                "https://hooks.example.com/x".to_string()
            )
        );
    }
}
