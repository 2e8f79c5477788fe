//! `Update`: edited posts, and changed profiles.

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        statuses::{Status, StatusEditForm},
    },
    error::{Error, ErrorKind, Result},
    federation::{fetch, objects::note::incoming_note, protocol::activities as protocol},
    services,
};
use serde_json::Value;

/// An `Update` of a local actor, after a profile change, to its followers.
pub fn build_actor(
    ctx: &AppContext,
    account: &Account,
    extras: services::published::ActorExtras,
) -> crate::federation::protocol::activity::OutgoingActivity {
    use crate::federation::objects::person::local_actor_document;
    // Embedded: the context is the activity's.
    let actor = crate::federation::protocol::actor::Actor {
        context: None,
        ..local_actor_document(account, extras, &ctx.urls)
    };
    let mut activity = super::outgoing(
        "Update",
        format!(
            "{}#updates/{}",
            ctx.urls.actor(&account.username),
            account.updated_at.timestamp_millis()
        ),
        ctx.urls.actor(&account.username),
        actor,
        vec![crate::federation::protocol::context::PUBLIC.to_string()],
        vec![ctx.urls.followers(&account.username)],
    );
    activity.context = Some(crate::federation::protocol::context::actor_context());
    activity
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Update) -> Result<()> {
    let actor_id = actor.uri.clone().unwrap_or_default();
    let object_id = activity.object_id.clone();
    let kind = activity
        .object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(
        kind,
        "Person" | "Service" | "Application" | "Group" | "Organization"
    ) {
        if object_id != actor_id {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "an actor can only update itself",
            ));
        }
        let fetched = fetch::actor_from_document(activity.object.clone())?;
        let stored = fetch::store_actor(ctx, &fetched).await?;
        ctx.dispatch(services::events::Outcome::of(
            services::events::Event::ProfileUpdated { account: stored.id },
        ));
        tracing::info!(actor = %actor_id, "profile updated");
        return Ok(());
    }
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &object_id).await?
    };
    let Some(status) = status else {
        tracing::debug!(id = %object_id, "update of a post we do not have ignored");
        return Ok(());
    };
    if status.account_id != actor.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only a post's author can edit it",
        ));
    }
    let post = incoming_note(&activity.object, actor, status.in_reply_to_id, &ctx.urls)?;
    services::emojis::remember(&ctx.pool, &post.emojis).await;
    if let Some(poll) = &post.poll {
        services::polls::refresh_received(ctx, &status, poll).await?;
        // Mastodon sends an Update of a Question whenever its counts change: only
        // a changed text is an edit.
        if post.form.content == status.content
            && post.form.spoiler_text == status.spoiler_text
            && post.form.sensitive == status.sensitive
        {
            tracing::info!(id = %object_id, "poll counts updated");
            return Ok(());
        }
    }
    let updated = activity
        .object
        .get("updated")
        .and_then(Value::as_str)
        .and_then(|u| chrono::DateTime::parse_from_rfc3339(u).ok());
    let form = StatusEditForm {
        content: post.form.content.clone(),
        spoiler_text: post.form.spoiler_text.clone(),
        sensitive: post.form.sensitive,
        language: post.form.language.clone(),
        text: None,
        title: post.form.title.clone(),
        edited_at: Some(
            updated
                .map(|u| u.with_timezone(&chrono::Utc))
                .unwrap_or_else(chrono::Utc::now),
        ),
    };
    services::statuses::edit_received(ctx, actor, &status, &form, &post.hashtags).await?;
    tracing::info!(id = %object_id, "post edited");
    Ok(())
}
