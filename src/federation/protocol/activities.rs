//! The activities we understand, one struct per kind, as Lemmy keeps them. The inbox
//! reads the envelope (`IncomingActivity`) first — it needs the actor to check the
//! signature — then `Activity::from_incoming` checks the shape the kind requires: a
//! known kind that is malformed is refused with a clear 400, an unknown kind is
//! `Other` (accepted and ignored).
//!
//! Tolerant of what real servers send: `object` as an id or an embedded object,
//! `to`/`cc` as a value or a list (the envelope's readers in `helpers.rs`).

use super::{activity::IncomingActivity, helpers::id_of};
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// `Follow`: `object` is the followed actor.
#[derive(Debug, Clone)]
pub struct Follow {
    pub id: String,
    pub object: String,
}

/// `Accept` or `Reject` of a Follow: `object` is the Follow, by id or embedded (some
/// servers embed a Follow of their own making, which we match by its `actor`).
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: String,
    pub object: Value,
}

/// `Undo`: `object` is the undone activity, embedded (with its `type`) or by id.
#[derive(Debug, Clone)]
pub struct Undo {
    pub id: String,
    /// The undone activity's id.
    pub undone: String,
    /// Its type, when embedded ("" when only its id was sent).
    pub undone_kind: String,
    /// Its `object`'s id, when embedded.
    pub undone_object: Option<String>,
}

/// `Create`: `object` is the post, embedded or by id (then fetched from its origin).
#[derive(Debug, Clone)]
pub struct Create {
    pub id: String,
    pub object: Value,
}

/// `Update`: `object` is the whole new version (a post or an actor), embedded.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: String,
    pub object_id: String,
    pub object: Value,
}

/// `Delete`: `object` is a post or the actor itself, by id or as a `Tombstone`.
#[derive(Debug, Clone)]
pub struct Delete {
    pub id: String,
    pub object: String,
}

/// `Like`: `object` is the liked post.
#[derive(Debug, Clone)]
pub struct Like {
    pub id: String,
    pub object: String,
}

/// `Announce`: `object` is the boosted post, or (from a group, FEP-1b12) the
/// activity it relays, by id or embedded; `to`/`cc` give its visibility.
#[derive(Debug, Clone)]
pub struct Announce {
    pub id: String,
    pub object: String,
    /// `object` as it came: an id, or the embedded post or activity.
    pub embedded: Value,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// `Block`: `object` is the blocked actor.
#[derive(Debug, Clone)]
pub struct Block {
    pub id: String,
    pub object: String,
}

/// `Flag`: a report from another server; `object` lists the reported actors and
/// posts, `content` is the reporter's comment.
#[derive(Debug, Clone)]
pub struct Flag {
    pub id: String,
    pub objects: Vec<String>,
    pub content: String,
}

/// `Add` or `Remove` of a post to or from an actor's `featured` collection (a pin).
/// Others (featured hashtags, objects without an id) are `Other`.
#[derive(Debug, Clone)]
pub struct Featured {
    pub id: String,
    pub object: String,
    pub target: String,
}

/// `Move`: `object` (the actor itself) now lives at `target`.
#[derive(Debug, Clone)]
pub struct Move {
    pub id: String,
    pub object: String,
    pub target: String,
}

/// Every activity the inbox understands, dispatched by type.
#[derive(Debug, Clone)]
pub enum Activity {
    Follow(Follow),
    Accept(Answer),
    Reject(Answer),
    Undo(Undo),
    Create(Create),
    Update(Update),
    Delete(Delete),
    Like(Like),
    Announce(Announce),
    Block(Block),
    Flag(Flag),
    Add(Featured),
    Remove(Featured),
    /// A kind we do not act on (EmojiReact, Move, …): acknowledged, ignored.
    Move(Move),
    /// A kind we do not act on (EmojiReact, …): acknowledged, ignored.
    Other {
        kind: String,
        id: String,
    },
}

fn malformed(kind: &str, what: &str) -> Error {
    Error::bad_request(format!("malformed {kind}: {what}"))
}

impl Activity {
    /// The typed activity of a verified envelope; 400 when a known kind lacks what
    /// it needs.
    pub fn from_incoming(activity: IncomingActivity) -> Result<Activity> {
        let IncomingActivity {
            id,
            kind,
            object,
            to,
            cc,
            content,
            target,
            ..
        } = activity;
        let object_id = || id_of(&object).ok_or_else(|| malformed(&kind, "its object has no id"));
        Ok(match kind.as_str() {
            "Follow" => Activity::Follow(Follow {
                object: object_id()?,
                id,
            }),
            "Accept" | "Reject" => {
                if id_of(&object).is_none() && object.get("actor").and_then(id_of).is_none() {
                    return Err(malformed(&kind, "its object names no Follow"));
                }
                let answer = Answer { id, object };
                if kind == "Accept" {
                    Activity::Accept(answer)
                } else {
                    Activity::Reject(answer)
                }
            }
            "Undo" => Activity::Undo(Undo {
                undone: object_id()?,
                undone_kind: object
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                undone_object: object.get("object").and_then(id_of),
                id,
            }),
            "Create" => {
                object_id()?;
                Activity::Create(Create { id, object })
            }
            "Update" => {
                if !object.is_object() {
                    return Err(malformed(&kind, "its object is not embedded"));
                }
                Activity::Update(Update {
                    object_id: object_id()?,
                    id,
                    object,
                })
            }
            "Delete" => Activity::Delete(Delete {
                object: object_id()?,
                id,
            }),
            "Like" => Activity::Like(Like {
                object: object_id()?,
                id,
            }),
            "Announce" => Activity::Announce(Announce {
                object: object_id()?,
                id,
                to,
                cc,
                embedded: object,
            }),
            "Block" => Activity::Block(Block {
                object: object_id()?,
                id,
            }),
            "Flag" => {
                let objects = super::helpers::ids_of(&object);
                if objects.is_empty() {
                    return Err(malformed(&kind, "it names nothing to report"));
                }
                Activity::Flag(Flag {
                    id,
                    objects,
                    content: content.unwrap_or_default(),
                })
            }
            "Add" | "Remove" => match (id_of(&object), target) {
                (Some(object), Some(target)) => {
                    let f = Featured { id, object, target };
                    if kind == "Add" {
                        Activity::Add(f)
                    } else {
                        Activity::Remove(f)
                    }
                }
                _ => Activity::Other { kind, id },
            },
            "Move" => {
                let target = target.ok_or_else(|| malformed(&kind, "it has no target"))?;
                Activity::Move(Move {
                    object: object_id()?,
                    target,
                    id,
                })
            }
            _ => Activity::Other { kind, id },
        })
    }
}

/// A Follow as we embed it in Accept, Reject and Undo.
#[derive(Serialize, Debug, Clone)]
pub struct EmbeddedFollow {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    pub object: String,
}

/// The `Flag` we send when a teacher forwards a report to the reported account's
/// server: from the instance actor, as Mastodon sends it, so the reporter stays
/// anonymous there.
#[derive(Serialize, Debug, Clone)]
pub struct OutgoingFlag {
    #[serde(rename = "@context")]
    pub context: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    pub object: Vec<String>,
    pub content: String,
}

/// A moderator's removal of a post from a group hosted here, as the group's
/// `Announce` carries it: Lemmy's form (`Delete` by the moderator, the reason in
/// `summary`, the group in `audience` and `cc`).
#[derive(Serialize, Debug, Clone)]
pub struct GroupRemoval {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    pub object: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub audience: String,
    pub summary: String,
}

/// What a deleted post leaves, as our `Delete` carries it (with Mastodon's `atomUri`).
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DeletedNote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub atom_uri: String,
}
