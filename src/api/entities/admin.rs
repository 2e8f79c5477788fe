//! The admin API's entities: `Admin::Account`, `Admin::Report`,
//! `Admin::DomainBlock`, `Admin::DomainAllow`, and the client's `Report`.

use super::account::{account, role};
use crate::{
    db::{
        accounts::Account,
        reports::Report,
        users::{Role, User},
        AccountId,
    },
    services::status_views::StatusView,
    urls::Urls,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `Admin::Account`: an account with what moderators see of it.
pub fn admin_account(a: &Account, user: Option<&User>, urls: &Urls) -> Value {
    json!({
        "id": a.id.to_string(),
        "username": a.username,
        "domain": a.domain,
        "created_at": time(a.created_at),
        // Mastodon gives remote accounts an empty address.
        "email": user.and_then(|u| u.email.clone()).unwrap_or_default(),
        "ip": null,
        "ips": [],
        "locale": "",
        "invite_request": user.and_then(|u| u.sign_up_reason.clone()),
        "role": role(user.map_or(Role::Member, |u| u.role)),
        "confirmed": true,
        "approved": user.is_none_or(|u| u.approved),
        "disabled": user.is_some_and(|u| u.disabled),
        "silenced": a.silenced_at.is_some(),
        "suspended": a.suspended_at.is_some(),
        "sensitized": a.sensitized_at.is_some(),
        "account": account(a, urls, None),
        "created_by_application_id": null,
        "invited_by_account_id": null,
    })
}

/// `Admin::Report`, with the accounts it names (`accounts`, by id) and the posts
/// attached to it.
pub fn admin_report(
    r: &Report,
    accounts: &HashMap<AccountId, (Account, Option<User>)>,
    statuses: &[StatusView],
    rules: &[String],
    urls: &Urls,
) -> Value {
    let entity = |id: Option<AccountId>| -> Value {
        id.and_then(|id| accounts.get(&id))
            .map(|(a, u)| admin_account(a, u.as_ref(), urls))
            .unwrap_or(Value::Null)
    };
    let mut value = common(r);
    value.extend(json_map(json!({
        "updated_at": time(r.updated_at),
        "account": entity(Some(r.account_id)),
        "target_account": entity(Some(r.target_account_id)),
        "assigned_account": entity(r.assigned_account_id),
        "action_taken_by_account": entity(r.action_taken_by_account_id),
        "statuses": statuses.iter().map(|s| super::status::status(s, urls)).collect::<Vec<_>>(),
        "rules": r.rule_ids.iter().filter_map(|n| rules.get((*n as usize).wrapping_sub(1)).map(|text| json!({ "id": n.to_string(), "text": text, "hint": "" }))).collect::<Vec<_>>(),
    })));
    Value::Object(value)
}

fn json_map(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// What both report entities say.
fn common(r: &Report) -> serde_json::Map<String, Value> {
    json_map(json!({
        "id": r.id.to_string(),
        "action_taken": r.action_taken_at.is_some(),
        "action_taken_at": r.action_taken_at.map(time),
        "category": r.category,
        "comment": r.comment,
        "forwarded": r.forwarded,
        "created_at": time(r.created_at),
    }))
}

/// The client's `Report`: what the reporter filed.
pub fn report(r: &Report, target: &Account, urls: &Urls) -> Value {
    let mut value = common(r);
    value.extend(json_map(json!({
        "status_ids": r.status_ids.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
        "rule_ids": r.rule_ids.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
        "target_account": account(target, urls, None),
    })));
    Value::Object(value)
}

/// `Admin::DomainBlock`. Staffroom's only severity is a full block (`suspend`).
pub fn domain_block(b: &crate::db::domain_blocks::DomainBlock) -> Value {
    json!({
        "id": b.id.to_string(),
        "domain": b.domain,
        "digest": openssl::sha::sha256(b.domain.as_bytes()).iter().map(|x| format!("{x:02x}")).collect::<String>(),
        "created_at": time(b.created_at),
        "severity": "suspend",
        "reject_media": true,
        "reject_reports": true,
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
        "obfuscate": false,
    })
}

/// `Admin::DomainAllow`.
pub fn domain_allow(id: i64, domain: &str, created_at: DateTime<Utc>) -> Value {
    json!({ "id": id.to_string(), "domain": domain, "created_at": time(created_at) })
}
