#!/usr/bin/env python3
"""Generate sample DATA for src/report/report.html and write a filled report.

    python3 scripts/sample-report-data.py --accounts 1000 --regions 17 --controls 15 --out /tmp/report.html

The data follows the report contract (format "orgsweep-report", version 1): a string table,
deduplicated cell kinds, rows of kind indexes per region. Account and OU names include hostile
values (HTML, quotes, spreadsheet formulas, unicode, U+2028) so the page's escaping is exercised.
With --summary-fields the data also carries what newer summaries add: EXCEPTED cells with their
exceptions (one expired, one expiring within 30 days, one unused), the account counts, and the
organization chain's root causes. Without it, the page must compute what it can on its own.
Some controls of the organization trail are broken, so the members it covers FAIL through a
chain owned by the management account: the page must show that chain once, not per member.
The placeholder is substituted the way the Rust side does it: JSON with <, >, &, U+2028 and
U+2029 written as \\u escapes, so the data can never close the <script> element.
"""

import argparse
import json
import random
import sys
from pathlib import Path

PLACEHOLDER = "/*ORGSWEEP_DATA*/null"

CONTROLS = [
    ("unauthorized-api-calls", "Unauthorized API calls", "4.1", "CloudWatch.2"),
    ("console-signin-without-mfa", "Management Console sign-in without MFA", "4.2", "CloudWatch.3"),
    ("root-usage", "Usage of the root user", "4.3", "CloudWatch.1"),
    ("iam-policy-changes", "IAM policy changes", "4.4", "CloudWatch.4"),
    ("cloudtrail-config-changes", "CloudTrail configuration changes", "4.5", "CloudWatch.5"),
    ("console-auth-failures", "Management Console authentication failures", "4.6", "CloudWatch.6"),
    ("kms-cmk-disable-delete", "Disabling or scheduled deletion of customer-managed KMS keys", "4.7", "CloudWatch.7"),
    ("s3-bucket-policy-changes", "S3 bucket policy changes", "4.8", "CloudWatch.8"),
    ("aws-config-changes", "AWS Config configuration changes", "4.9", "CloudWatch.9"),
    ("security-group-changes", "Security group changes", "4.10", "CloudWatch.10"),
    ("nacl-changes", "Network ACL changes", "4.11", "CloudWatch.11"),
    ("network-gateway-changes", "Network gateway changes", "4.12", "CloudWatch.12"),
    ("route-table-changes", "Route table changes", "4.13", "CloudWatch.13"),
    ("vpc-changes", "VPC changes", "4.14", "CloudWatch.14"),
    ("organizations-changes", "AWS Organizations changes", "4.15", None),
]

REGIONS = [
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "il-central-1",
]
OPT_IN = {"af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "il-central-1", "ap-northeast-3"}

LEGEND = [
    ("COMPLIANT", "The whole chain exists: a multi-region trail logs management events to CloudWatch Logs, a metric filter catches the control's events, an alarm on its metric can fire and notifies a confirmed subscriber.", "Nothing."),
    ("COVERED_BY_ORG_TRAIL", "The organization trail in the management account and its filter, alarm and topic cover this account.", "Nothing; keep the organization trail and its alarm in place."),
    ("NO_TRAIL", "No trail records this region's management events.", "Create a multi-region trail (or an organization trail) that logs management events."),
    ("TRAIL_NOT_MULTI_REGION", "The only trail is a single-region trail in another region.", "Make the trail multi-region."),
    ("TRAIL_NOT_LOGGING", "The trail exists but logging is stopped.", "Start logging on the trail (StartLogging)."),
    ("NO_MANAGEMENT_EVENTS", "The trail's event selectors exclude management events (or write events).", "Include read and write management events in the event selectors."),
    ("NO_GLOBAL_SERVICE_EVENTS", "The trail does not include global service events, which this control needs (IAM, STS, Sign-In, Organizations).", "Set IncludeGlobalServiceEvents on the trail."),
    ("NO_CLOUDWATCH_LOGS", "The trail does not deliver to CloudWatch Logs.", "Configure a CloudWatch Logs log group and delivery role on the trail."),
    ("LOG_GROUP_MISSING", "The trail names a log group that does not exist.", "Create the log group or point the trail at an existing one."),
    ("NO_METRIC_FILTER", "The log group has no metric filter for this control.", "Add the control's metric filter (orgsweep remediate can create it)."),
    ("PATTERN_INVALID", "A metric filter pattern does not parse.", "Replace the pattern with the reference pattern."),
    ("PATTERN_TOO_NARROW", "The filter misses some of the control's events.", "Widen the pattern to the reference pattern."),
    ("PATTERN_TOO_BROAD", "The filter also catches the control's must-not-match class, so the alarm fires on normal activity.", "Narrow the pattern to the reference pattern."),
    ("NO_ALARM", "No alarm watches the filter's metric.", "Create an alarm on the metric (threshold 1, period 300 s)."),
    ("ALARM_CANNOT_FIRE", "The alarm's statistic, threshold, datapoints or metric math cannot be tripped by one event.", "Use Sum ≥ 1 over one datapoint."),
    ("ALARM_ACTIONS_DISABLED", "The alarm's actions are disabled.", "Enable the alarm actions."),
    ("NO_ALARM_ACTION", "The alarm has no SNS action for the ALARM state.", "Add an SNS topic to the alarm actions."),
    ("NO_CONFIRMED_SUBSCRIPTION", "The alarm's topic has no confirmed subscriber.", "Subscribe someone to the topic and confirm the subscription."),
    ("ASSUME_ROLE_FAILED", "orgsweep could not assume its role in the account.", "Deploy the read-only role in the account (StackSet) and check its trust policy."),
    ("ACCESS_DENIED", "A read call was denied.", "Grant the read-only role the permissions listed in the README; check SCPs."),
    ("THROTTLED", "AWS throttled the calls beyond the retry budget.", "Run again, or lower --concurrency."),
    ("API_ERROR", "An AWS call failed.", "See the detail; run again."),
    ("TIMEOUT", "A call did not answer in time.", "Run again; raise --timeout if it persists."),
    ("REGION_NOT_ENABLED", "The region is an opt-in region the account has not enabled.", "Nothing, unless the region should be used."),
    ("EXCLUDED", "The account or region is excluded by the configuration.", "Nothing."),
]

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    '"quotes" & \'apostrophes\'',
    '=HYPERLINK("x")',
    "Zürich Ops 🚀 日本語 Ελληνικά",
    "</script><script>alert(2)</script>",
    "<!-- not a comment --> & &amp; &lt;b&gt;",
    "line\u2028separator\u2029para",
    "rtl \u202eevil\u202c name",
    "{{constructor.constructor('alert(3)')()}}",
    "__proto__",
    "javascript:alert(4)",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "x" * 90 + " very long account name",
    "${alert(5)} `backticks`",
]
WORDS = ["payments", "identity", "data", "analytics", "web", "api", "batch", "ml", "logging",
         "network", "shared", "billing", "search", "mobile", "edge", "platform", "risk", "crm"]
ENVS = ["prod", "staging", "dev", "test", "sandbox"]

OUS = [
    ("Root", "r-ab12"),
    ("Root / Security", "ou-ab12-sec00001"),
    ("Root / Infrastructure", "ou-ab12-inf00001"),
    ("Root / Prod / Prod EU", "ou-ab12-cd34ef56"),
    ("Root / Prod / Prod US", "ou-ab12-cd34ef57"),
    ("Root / Staging", "ou-ab12-stg00001"),
    ("Root / Dev", "ou-ab12-dev00001"),
    ("Root / Sandbox", "ou-ab12-sbx00001"),
    ("Root / <b>Acquired</b> & \"Merged\"", "ou-ab12-acq00001"),
    ("Root / Suspended", "ou-ab12-sus00001"),
]

FAIL_CHAIN = ["NO_TRAIL", "TRAIL_NOT_MULTI_REGION", "TRAIL_NOT_LOGGING", "NO_MANAGEMENT_EVENTS",
              "NO_GLOBAL_SERVICE_EVENTS", "NO_CLOUDWATCH_LOGS", "LOG_GROUP_MISSING"]
CONTROL_FAIL = ["NO_METRIC_FILTER", "PATTERN_INVALID", "PATTERN_TOO_NARROW", "PATTERN_TOO_BROAD",
                "NO_ALARM", "ALARM_CANNOT_FIRE", "ALARM_ACTIONS_DISABLED", "NO_ALARM_ACTION",
                "NO_CONFIRMED_SUBSCRIPTION"]


class Tables:
    def __init__(self):
        self.strings, self.sidx, self.kinds, self.kidx = [], {}, [], {}

    def s(self, text):
        if text is None:
            return -1
        i = self.sidx.get(text)
        if i is None:
            i = self.sidx[text] = len(self.strings)
            self.strings.append(text)
        return i

    def kind(self, status, reason, detail=None, trail=None, group=None, filt=None, alarm=None, topic=None):
        key = (status, reason, self.s(detail), self.s(trail), self.s(group), self.s(filt), self.s(alarm), self.s(topic))
        i = self.kidx.get(key)
        if i is None:
            i = self.kidx[key] = len(self.kinds)
            self.kinds.append(list(key))
        return i


def build(args):
    rnd = random.Random(args.seed)
    controls = [{"id": c[0], "title": c[1], "cis": c[2], "security_hub": c[3]} for c in CONTROLS[: args.controls]]
    for i in range(len(controls), args.controls):
        controls.append({"id": f"extra-control-{i + 1}", "title": f"Extra control {i + 1}", "cis": f"9.{i + 1}", "security_hub": None})
    regions = sorted(REGIONS[: args.regions] + [f"xx-test-{i}" for i in range(args.regions - len(REGIONS))])
    mgmt = "123456789012"
    org_trail = f"arn:aws:cloudtrail:us-east-1:{mgmt}:trail/org-trail"
    org_group = f"arn:aws:logs:us-east-1:{mgmt}:log-group:aws-cloudtrail-logs-org:*"
    org_topic = f"arn:aws:sns:us-east-1:{mgmt}:cis-alarms"

    accounts, used = [], set()
    for i in range(args.accounts):
        while True:
            aid = mgmt if i == 0 else f"{rnd.randrange(10**11, 10**12):012d}"
            if aid not in used:
                used.add(aid)
                break
        if i == 0:
            name, ou = "management", OUS[0]
        elif i <= len(HOSTILE_NAMES):
            name, ou = HOSTILE_NAMES[i - 1], rnd.choice(OUS)
        else:
            env = rnd.choice(ENVS)
            name = f"{rnd.choice(WORDS)}-{env}-{i:04d}"
            pool = {"prod": OUS[3:5], "staging": OUS[5:6], "dev": OUS[6:7], "sandbox": OUS[7:8]}.get(env, OUS[1:3] + OUS[8:10])
            ou = rnd.choice(pool)
        accounts.append({"id": aid, "name": name, "ou": ou[0], "ou_id": ou[1]})
    accounts.sort(key=lambda a: (a["ou"], a["id"]))

    done = args.accounts if not args.partial else max(1, int(args.accounts * 0.6))
    t = Tables()
    rows = []
    statuses = {"PASS": 0, "FAIL": 0, "ERROR": 0, "SKIPPED": 0}
    reasons = {}
    per_control = {c["id"]: {"statuses": {"PASS": 0, "FAIL": 0, "ERROR": 0, "SKIPPED": 0}, "reasons": {}} for c in controls}
    done_idx = sorted(rnd.sample(range(len(accounts)), done))
    # The organization chain's faults: these controls' alarms are missing in the management account.
    org_broken = {ci for ci in (3, 7) if ci < len(controls)}
    org_affected = {}  # control index -> set of member account ids reached through the org chain
    excepted_accounts = set(rnd.sample([a["id"] for a in accounts], min(len(accounts), 5))) if args.summary_fields else set()
    exceptions_cells = {"EXC-1": 0, "EXC-2": 0}
    cells = {}  # (account index, control index, region index) -> kind

    for ai in done_idx:
        acc = accounts[ai]
        aid = acc["id"]
        mode = rnd.choices(["org", "own", "error", "excluded"], [55, 36, 6, 3])[0]
        if acc["ou"] == "Root / Suspended":
            mode = "excluded"
        enabled = {r for r in regions if r not in OPT_IN or rnd.random() < 0.15}
        home = "us-east-1" if "us-east-1" in regions else regions[0]
        account_fail = rnd.choices([None] + FAIL_CHAIN, [70] + [30 / len(FAIL_CHAIN)] * len(FAIL_CHAIN))[0]
        err = rnd.choice(["ASSUME_ROLE_FAILED", "ACCESS_DENIED", "THROTTLED", "TIMEOUT", "API_ERROR"])
        flaky = rnd.random() < 0.05
        for ci, c in enumerate(controls):
            fname = f"orgsweep-{c['id']}"
            cfail = None
            if mode == "own" and not account_fail and rnd.random() < 0.3:
                cfail = rnd.choice(CONTROL_FAIL)
            ks = []
            for ri, r in enumerate(regions):
                if args.partial and ai == done_idx[-1] and ci >= len(controls) // 2:
                    ks.append(-1)
                    continue
                if mode == "excluded":
                    k = t.kind("SKIPPED", "EXCLUDED", "excluded by config: exclude_accounts")
                elif r not in enabled:
                    k = t.kind("SKIPPED", "REGION_NOT_ENABLED", f"{r} is not enabled in the account")
                elif mode == "error":
                    k = t.kind("ERROR", err, f"{err.lower()}: arn:aws:iam::{aid}:role/OrgSweepReadOnly" + (f" in {r}" if err != "ASSUME_ROLE_FAILED" else ""))
                elif flaky and rnd.random() < 0.2:
                    k = t.kind("ERROR", "THROTTLED", f"cloudwatch:DescribeAlarms throttled after 8 attempts in {r}")
                elif mode == "org" and ci in org_broken and aid != mgmt:
                    k = t.kind("FAIL", "NO_ALARM", f"organization trail {org_trail} (account {mgmt}): no alarm watches metric "
                               f"CISBenchmark/{fname} of filter {fname} on log group aws-cloudtrail-logs-org",
                               org_trail, org_group, fname, None, None)
                    org_affected.setdefault(ci, set()).add(aid)
                elif mode == "org":
                    k = t.kind("PASS", "COVERED_BY_ORG_TRAIL", "organization trail org-trail covers the account",
                               org_trail, org_group, fname, f"arn:aws:cloudwatch:us-east-1:{mgmt}:alarm:{fname}", org_topic)
                else:
                    trail = f"arn:aws:cloudtrail:{home}:{aid}:trail/management-events"
                    group = f"arn:aws:logs:{home}:{aid}:log-group:cloudtrail/{aid}:*"
                    alarm = f"arn:aws:cloudwatch:{home}:{aid}:alarm:{fname}"
                    topic = f"arn:aws:sns:{home}:{aid}:security-alerts"
                    if account_fail == "NO_TRAIL":
                        k = t.kind("FAIL", "NO_TRAIL", f"no trail records management events in {r}")
                    elif account_fail == "TRAIL_NOT_MULTI_REGION":
                        if r == home:
                            k = t.kind("PASS", "COMPLIANT", "chain complete", trail, group, fname, alarm, topic)
                        else:
                            k = t.kind("FAIL", "TRAIL_NOT_MULTI_REGION", f"trail management-events records {home} only", trail)
                    elif account_fail:
                        k = t.kind("FAIL", account_fail, f"trail management-events: {account_fail.lower().replace('_', ' ')}", trail,
                                   group if account_fail == "LOG_GROUP_MISSING" else None)
                    elif cfail and aid in excepted_accounts:
                        eid = "EXC-1" if ci % 2 else "EXC-2"
                        exceptions_cells[eid] += 1
                        k = t.kind("EXCEPTED", cfail, f"{cfail.lower().replace('_', ' ')}; accepted by exception {eid} until "
                                   f"{'2026-11-20' if eid == 'EXC-1' else '2026-12-20'}", trail, group)
                    elif cfail:
                        detail = {
                            "PATTERN_TOO_NARROW": 'filter pattern { ($.errorCode = "*UnauthorizedOperation") } misses "AccessDenied*" <events> & more',
                            "PATTERN_INVALID": "pattern does not parse at byte 17: { ($.eventName = ",
                            "NO_CONFIRMED_SUBSCRIPTION": "topic security-alerts: 2 subscriptions, 0 confirmed",
                        }.get(cfail, cfail.lower().replace("_", " "))
                        k = t.kind("FAIL", cfail, detail, trail, group,
                                   None if cfail == "NO_METRIC_FILTER" else fname,
                                   alarm if cfail in ("ALARM_CANNOT_FIRE", "ALARM_ACTIONS_DISABLED", "NO_ALARM_ACTION", "NO_CONFIRMED_SUBSCRIPTION") else None,
                                   topic if cfail == "NO_CONFIRMED_SUBSCRIPTION" else None)
                    else:
                        k = t.kind("PASS", "COMPLIANT", "chain complete", trail, group, fname, alarm, topic)
                ks.append(k)
                st, rc = t.kinds[k][0], t.kinds[k][1]
                statuses[st] = statuses.get(st, 0) + 1
                reasons[rc] = reasons.get(rc, 0) + 1
                pc = per_control[c["id"]]
                pc["statuses"][st] = pc["statuses"].get(st, 0) + 1
                pc["reasons"][rc] = pc["reasons"].get(rc, 0) + 1
                cells[(ai, ci, ri)] = k
            rows.append([ai, ci, ks])
    rows.sort(key=lambda r: (r[0], r[1]))

    changes = None
    if not args.no_changes:
        counts = {x: 0 for x in ["NEW_FAIL", "FIXED", "NEW_ERROR", "ERROR_CLEARED", "REASON_CHANGED", "ADDED", "REMOVED"]}
        crow = []
        keys = list(cells.keys())
        for key in rnd.sample(keys, min(len(keys), max(5, len(keys) // 60))):
            ai, ci, ri = key
            st, rc = t.kinds[cells[key]][0], t.kinds[cells[key]][1]
            if st == "FAIL":
                ch, before = ("NEW_FAIL", ("PASS", "COMPLIANT")) if rnd.random() < 0.7 else ("REASON_CHANGED", ("FAIL", "NO_ALARM"))
            elif st == "PASS":
                ch, before = ("FIXED", ("FAIL", rnd.choice(CONTROL_FAIL))) if rnd.random() < 0.8 else ("ADDED", (None, None))
            elif st == "ERROR":
                ch, before = "NEW_ERROR", ("PASS", "COMPLIANT")
            else:
                continue
            if ch == "REASON_CHANGED" and rc == "NO_ALARM":
                continue
            counts[ch] += 1
            a = accounts[ai]
            crow.append([a["id"], a["name"], regions[ri], controls[ci]["id"], before[0], before[1], st, rc, ch])
        for _ in range(3):
            counts["REMOVED"] += 1
            counts["ERROR_CLEARED"] += 1
            a = rnd.choice(accounts)
            crow.append([a["id"], a["name"], regions[0], controls[0]["id"], "PASS", "COMPLIANT", None, None, "REMOVED"])
            crow.append([a["id"], a["name"], regions[-1], controls[-1]["id"], "ERROR", "THROTTLED", "PASS", "COMPLIANT", "ERROR_CLEARED"])
        changes = {
            "since": "2026-11-24T10:00:00Z", "compared_dir": "reports/20261124T100000Z", "counts": counts,
            "notes": ["the earlier run was partial: 950 of 1000 accounts; cells of the 50 others count as ADDED",
                      "the earlier run had 14 controls; organizations-changes cells count as ADDED <not REMOVED>"],
            "rows": crow,
        }

    data = {
        "format": "orgsweep-report", "version": 1,
        "organization_id": "o-abc123", "management_account_id": mgmt,
        "started_at": "2026-12-01T10:00:00Z",
        "finished_at": None if args.partial else "2026-12-01T10:02:00Z",
        "complete": not args.partial,
        "interrupted": args.interrupted if args.partial else None,
        "accounts_selected": len(accounts), "accounts_done": done,
        "regions": regions, "controls": controls,
        "statuses": statuses, "reasons": reasons, "per_control": per_control,
        "strings": t.strings, "accounts": accounts, "kinds": t.kinds, "rows": rows,
        "legend": [{"code": c, "meaning": m, "fix": f} for c, m, f in LEGEND],
        "changes": changes,
    }
    if args.summary_fields:
        excluded = sum(1 for a in accounts if a["ou"] == "Root / Suspended")
        data["account_counts"] = None  # filled by the page's own arithmetic check below
        data["exceptions"] = [
            {"id": "EXC-1", "owner": "team-payments <pay@example.com>", "expires": "2026-11-20", "cells": exceptions_cells["EXC-1"], "expired": True, "unused": False},
            {"id": "EXC-2", "owner": "team-identity", "expires": "2026-12-20", "cells": exceptions_cells["EXC-2"], "expired": False, "unused": False},
            {"id": "EXC-3", "owner": "platform", "expires": "2027-06-30", "cells": 0, "expired": False, "unused": True},
        ]
        data["root_causes"] = [
            {"control": controls[ci]["id"], "owner_account": mgmt, "link": "alarm", "reason": "NO_ALARM", "accounts_affected": len(ids)}
            for ci, ids in sorted(org_affected.items())
        ]
        data["inactive_accounts"] = 3
        data["account_counts"] = {
            "in_organization": len(accounts) + 3 + 7, "selected": len(accounts), "checked": done - excluded,
            "not_checked": {"suspended": 3, "excluded": excluded, "outside_ous": 7},
            "fully_compliant": None, "with_fail": None, "with_error": None,
        }
    return data


def script_json(data):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def main():
    here = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--accounts", type=int, default=30)
    p.add_argument("--regions", type=int, default=4)
    p.add_argument("--controls", type=int, default=15)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--partial", action="store_true", help="complete=false: 60%% of the accounts done, interrupted")
    p.add_argument("--interrupted", default="SIGINT", choices=["SIGINT", "SIGTERM"])
    p.add_argument("--summary-fields", action="store_true", help="EXCEPTED cells, exceptions, account counts, root causes")
    p.add_argument("--no-changes", action="store_true", help="changes = null")
    p.add_argument("--template", default=str(here / "src/report/report.html"))
    p.add_argument("--json-out", help="also write the DATA JSON here")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if args.accounts < 1 or args.regions < 1 or args.controls < 1:
        p.error("accounts, regions and controls must be at least 1")
    data = build(args)
    template = Path(args.template).read_text(encoding="utf-8")
    if template.count(PLACEHOLDER) != 1:
        sys.exit(f"template must contain {PLACEHOLDER} exactly once")
    filled = template.replace(PLACEHOLDER, script_json(data), 1)
    Path(args.out).write_text(filled, encoding="utf-8")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    cells = sum(data["statuses"].values())
    print(f"{args.out}: {len(filled.encode('utf-8'))} bytes ({len(template.encode('utf-8'))} template), {len(data['accounts'])} accounts, "
          f"{cells} cells, {len(data['kinds'])} kinds, {len(data['strings'])} strings")


if __name__ == "__main__":
    main()
