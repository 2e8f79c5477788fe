//! The `Conversation` entity: id, unread, the other accounts, the newest post.

use super::{account::account, status::status};
use crate::{services::conversations::ConversationView, urls::Urls};
use serde_json::{json, Value};

pub fn conversation(c: &ConversationView, urls: &Urls) -> Value {
    json!({
        "id": c.id.to_string(),
        "unread": c.unread,
        "accounts": c.accounts.iter().map(|a| account(a, urls, None)).collect::<Vec<_>>(),
        "last_status": c.last_status.as_ref().map(|s| status(s, urls)),
    })
}
