//! Trails: list them once, read each trail's configuration, status and selectors once, in its
//! home region (the only region where `GetTrail`/`GetEventSelectors` work on the emulator, and
//! the cheapest place on AWS).

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types as ct;

use crate::aws::errors::classify;
use crate::aws::{AccountClients, CallFailure};
use crate::facts::{
    parse_arn, AdvancedSelector, ClassicSelector, EventSelectors, FieldSelector, TrailConfig,
    TrailFacts, TrailStatus,
};

/// A trail as `ListTrails` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRef {
    pub arn: String,
    pub name: String,
    pub home_region: String,
}

/// `ListTrails` (every page) from the account's default region. Trails owned by other accounts
/// (an organization trail seen from a member) are left out: they are judged in their owner.
pub async fn list(clients: &AccountClients) -> Result<Vec<TrailRef>, CallFailure> {
    let region = clients.default_region();
    let client = clients.cloudtrail(&region);
    let mut found = Vec::new();
    let mut pages = client.list_trails().into_paginator().send();
    while let Some(page) = pages.next().await {
        let out = page.map_err(|e| classify("CloudTrail:ListTrails", &e).in_region(&region))?;
        for t in out.trails() {
            let arn = t.trail_arn().unwrap_or_default().to_string();
            if parse_arn(&arn).is_some_and(|p| p.account != clients.account_id) {
                continue;
            }
            found.push(TrailRef {
                name: t.name().unwrap_or_default().to_string(),
                home_region: t.home_region().unwrap_or(&region).to_string(),
                arn,
            });
        }
    }
    Ok(found)
}

/// `DescribeTrails` for some trails, all homed in `region`, in one call.
pub async fn describe(
    clients: &AccountClients,
    region: &str,
    arns: &[String],
) -> Result<BTreeMap<String, TrailConfig>, CallFailure> {
    let mut request = clients
        .cloudtrail(region)
        .describe_trails()
        .include_shadow_trails(false);
    for arn in arns {
        request = request.trail_name_list(arn);
    }
    let out = request
        .send()
        .await
        .map_err(|e| classify("CloudTrail:DescribeTrails", &e).in_region(region))?;
    Ok(out
        .trail_list()
        .iter()
        .map(|t| (t.trail_arn().unwrap_or_default().to_string(), config_of(t)))
        .collect())
}

/// `DescribeTrails` of every trail homed in `region` (the per-region look for single-region
/// trails that `ListTrails` on the emulator does not show).
pub(crate) async fn homed_in(
    clients: &AccountClients,
    region: &str,
) -> Result<Vec<(TrailRef, TrailConfig)>, CallFailure> {
    let out = clients
        .cloudtrail(region)
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
        .map_err(|e| classify("CloudTrail:DescribeTrails", &e).in_region(region))?;
    Ok(out
        .trail_list()
        .iter()
        .filter(|t| t.home_region() == Some(region))
        .filter(|t| {
            parse_arn(t.trail_arn().unwrap_or_default())
                .is_none_or(|p| p.account == clients.account_id)
        })
        .map(|t| {
            (
                TrailRef {
                    arn: t.trail_arn().unwrap_or_default().to_string(),
                    name: t.name().unwrap_or_default().to_string(),
                    home_region: region.to_string(),
                },
                config_of(t),
            )
        })
        .collect())
}

fn config_of(t: &ct::Trail) -> TrailConfig {
    TrailConfig {
        is_multi_region: t.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: t.is_organization_trail().unwrap_or(false),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        log_group_arn: t
            .cloud_watch_logs_log_group_arn()
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        log_role_arn: t
            .cloud_watch_logs_role_arn()
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        status: None,
        selectors: None,
        log_group: None,
    }
}

/// `GetTrailStatus` in the trail's home region: logging, and the last CloudWatch Logs delivery.
pub async fn status(
    clients: &AccountClients,
    trail: &TrailFacts,
) -> Result<TrailStatus, CallFailure> {
    let out = clients
        .cloudtrail(&trail.home_region)
        .get_trail_status()
        .name(&trail.arn)
        .send()
        .await
        .map_err(|e| classify("CloudTrail:GetTrailStatus", &e).in_region(&trail.home_region))?;
    let read_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(TrailStatus {
        is_logging: out.is_logging().unwrap_or(false),
        delivery_error: out
            .latest_cloud_watch_logs_delivery_error()
            .filter(|e| !e.is_empty())
            .map(str::to_string),
        last_delivery: out
            .latest_cloud_watch_logs_delivery_time()
            .map(|t| t.secs()),
        read_at,
    })
}

/// `GetEventSelectors` in the trail's home region.
pub async fn selectors(
    clients: &AccountClients,
    trail: &TrailFacts,
) -> Result<EventSelectors, CallFailure> {
    let out = clients
        .cloudtrail(&trail.home_region)
        .get_event_selectors()
        .trail_name(&trail.arn)
        .send()
        .await
        .map_err(|e| classify("CloudTrail:GetEventSelectors", &e).in_region(&trail.home_region))?;
    if !out.advanced_event_selectors().is_empty() {
        return Ok(EventSelectors::Advanced(
            out.advanced_event_selectors()
                .iter()
                .map(advanced_of)
                .collect(),
        ));
    }
    Ok(EventSelectors::Classic(
        out.event_selectors()
            .iter()
            .map(|s| ClassicSelector {
                include_management_events: s.include_management_events().unwrap_or(true),
                read_write_type: s
                    .read_write_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_else(|| "All".into()),
                exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
            })
            .collect(),
    ))
}

fn advanced_of(s: &ct::AdvancedEventSelector) -> AdvancedSelector {
    AdvancedSelector {
        name: s.name().map(str::to_string),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| FieldSelector {
                field: f.field().to_string(),
                equals: f.equals().to_vec(),
                not_equals: f.not_equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}
