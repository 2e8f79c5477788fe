//! Profile pages: a teacher of ours at `/@name` (and at `/users/name` for browsers),
//! another server's account at `/@name@host`: who they are, **Follow** / **Unfollow**
//! and **Block** / **Unblock** for a signed-in visitor, and their posts that this
//! server has, as the visitor may see them (services::timelines::account).

use super::{
    i18n::{self, t, tf, Lang, Msg},
    posts,
    session::{self, Browser, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::{
        account_lists::AccountCounts, accounts::Account, pagination::Page, timelines::AccountFilter,
    },
    error::Result,
    services::{self, relationships::Relationship, status_views::StatusView},
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

/// `/@name` (ours) and `/@name@host` (another server's). Signed in, an account not
/// known here yet is looked up on its server (WebFinger); visitors see only what
/// is stored, so that they cannot make us fetch from anywhere.
pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    name: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let account = find(&ctx, &name, browser.session.is_some())
        .await
        .map_err(Failure::from(lang))?;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    let signed_in = browser.session.as_ref();
    let viewer = signed_in.map(|b| b.account());
    let posts =
        services::timelines::account(&ctx, viewer, &account, AccountFilter::default(), page)
            .await
            .map_err(Failure::from(lang))?;
    let relationship = match viewer.filter(|v| v.id != account.id) {
        Some(v) => Some(
            services::relationships::between(&ctx, v, &account)
                .await
                .map_err(Failure::from(lang))?,
        ),
        None => None,
    };
    let counts = services::timelines::counts(&ctx, account.id)
        .await
        .map_err(Failure::from(lang))?;
    // Pinned posts head the first page only.
    let pinned = if page.max_id.is_none() {
        services::pins::pinned(&ctx, viewer, &account)
            .await
            .map_err(Failure::from(lang))?
    } else {
        Vec::new()
    };
    let featured_tags = services::tags::featured_of(&ctx, &account)
        .await
        .map_err(Failure::from(lang))?;
    let group = services::groups::hosted_by_id(&ctx, account.id)
        .await
        .map_err(Failure::from(lang))?;
    let moved = services::moving::moved_to(&ctx, &account)
        .await
        .map_err(Failure::from(lang))?;
    let shown = Shown {
        lang,
        browser: signed_in,
        relationship,
        counts,
        moved,
        pinned: &pinned,
        featured_tags: &featured_tags,
        posts: &posts,
        page,
        path: req.path(),
        group,
    };
    Ok(super::page_response(markup(&ctx, &account, shown)))
}

/// The account a profile path names: `name` or `name@host`.
pub async fn find(ctx: &AppContext, name: &str, resolve: bool) -> Result<Account> {
    if name.contains('@') {
        services::search::by_handle(ctx, name, resolve).await
    } else {
        services::accounts::find_local_account(&ctx.pool, name).await
    }
}

/// The page in English for a visitor, at the actor's id (federation/routes.rs).
pub async fn render(ctx: &AppContext, account: &Account) -> Result<HttpResponse> {
    let page = Page::newest(STATUSES.0);
    let posts =
        services::timelines::account(ctx, None, account, AccountFilter::default(), page).await?;
    let path = format!("/@{}", account.username);
    let counts = services::timelines::counts(ctx, account.id).await?;
    let pinned = services::pins::pinned(ctx, None, account).await?;
    let featured_tags = services::tags::featured_of(ctx, account).await?;
    let group = services::groups::hosted_by_id(ctx, account.id).await?;
    let moved = services::moving::moved_to(ctx, account).await?;
    let shown = Shown {
        lang: Lang::En,
        browser: None,
        relationship: None,
        counts,
        moved,
        pinned: &pinned,
        featured_tags: &featured_tags,
        posts: &posts,
        page,
        path: &path,
        group,
    };
    Ok(super::html_response(markup(ctx, account, shown)))
}

/// What the page shows besides the account.
struct Shown<'a> {
    lang: Lang,
    browser: Option<&'a SignedInBrowser>,
    /// The signed-in visitor's, unless it is their own profile.
    relationship: Option<Relationship>,
    counts: AccountCounts,
    /// The account this one moved to.
    moved: Option<Account>,
    pinned: &'a [StatusView],
    /// The hashtags the account features (services::tags::featured_of).
    featured_tags: &'a [crate::db::tags::Featured],
    posts: &'a [StatusView],
    page: Page,
    path: &'a str,
    /// A group hosted here: its moderators and how it is run.
    group: Option<services::groups::HostedGroup>,
}

/// One control of a profile: a button in a small POST form to `/accounts/ID/VERB`.
fn account_action(
    browser: &SignedInBrowser,
    account: &Account,
    verb: &str,
    label: Msg,
    back: &str,
) -> Markup {
    html! {
        form method="post" action=(format!("/accounts/{}/{verb}", account.id)) {
            (browser.csrf_field())
            input type="hidden" name="back" value=(back);
            button type="submit" { (t(browser.lang, label)) }
        }
    }
}

/// **Follow** or **Unfollow** (also while a request waits), and what the other
/// account does: follows you, asked to.
pub fn follow_button(
    browser: &SignedInBrowser,
    account: &Account,
    relationship: Relationship,
    back: &str,
) -> Markup {
    let lang = browser.lang;
    // A group (ours, or a Lemmy community) is joined and left; following is how.
    let group = account.actor_type == "Group";
    let (verb, label) = match (relationship.following || relationship.requested, group) {
        (true, false) => ("unfollow", Msg::Unfollow),
        (false, false) => ("follow", Msg::Follow),
        (true, true) if relationship.requested => ("unfollow", Msg::WithdrawJoin),
        (true, true) => ("unfollow", Msg::LeaveGroup),
        (false, true) => ("follow", Msg::JoinGroup),
    };
    html! {
        @if relationship.requested { p { (t(lang, if group { Msg::JoinRequested } else { Msg::FollowRequested })) } }
        @if group && relationship.following { p { (t(lang, Msg::GroupJoined)) } }
        @if relationship.followed_by { p { (t(lang, Msg::FollowsYou)) } }
        @if !relationship.blocking { (account_action(browser, account, verb, label, back)) }
    }
}

/// Follow controls, then **Block** or **Unblock**.
fn relationship_controls(
    browser: &SignedInBrowser,
    account: &Account,
    relationship: Relationship,
    back: &str,
) -> Markup {
    let lang = browser.lang;
    html! {
        div.relationship {
            (follow_button(browser, account, relationship, back))
            @if relationship.blocking {
                p { (t(lang, Msg::YouBlock)) }
                (account_action(browser, account, "unblock", Msg::Unblock, back))
            } @else {
                (account_action(browser, account, "block", Msg::Block, back))
            }
        }
    }
}

fn markup(ctx: &AppContext, account: &Account, shown: Shown) -> Markup {
    let lang = shown.lang;
    let handle = posts::handle(ctx, account);
    let shown_name = posts::shown_name(account);
    let body = html! {
        // Ours are shown; another server's are linked, as its attachments are, so
        // reading a profile here never loads an image from elsewhere.
        @if let Some(key) = &account.header_key { img.header src=(ctx.urls.media_file(key)) alt="" width="750" height="250"; }
        @if let Some(key) = &account.avatar_key { img.avatar src=(ctx.urls.media_file(key)) alt="" width="96" height="96"; }
        h1 { (shown_name) }
        p.handle { (handle) }
        @if let Some(target) = &shown.moved {
            p.moved role="status" {
                (tf(lang, Msg::HasMovedTo, &[("name", shown_name)])) " "
                a href=(super::profile_path(target)) { (posts::handle(ctx, target)) }
            }
        }
        @if account.avatar_key.is_none() && account.header_key.is_none() && (account.avatar_remote_url.is_some() || account.header_remote_url.is_some()) {
            p.remote-images {
                @if let Some(url) = &account.avatar_remote_url { a href=(url) rel="nofollow noopener noreferrer" { (t(lang, Msg::AvatarOnItsServer)) } " " }
                @if let Some(url) = &account.header_remote_url { a href=(url) rel="nofollow noopener noreferrer" { (t(lang, Msg::HeaderOnItsServer)) } }
            }
        }
        @if let Some(group) = &shown.group {
            p {
                (t(lang, Msg::GroupLabel)) " · " (t(lang, if account.locked { Msg::GroupClosed } else { Msg::GroupOpen }))
                @if group.members_only { " · " (t(lang, Msg::GroupMembersOnly)) }
            }
            @if !group.moderators.is_empty() {
                p {
                    (t(lang, Msg::ModeratorsLabel)) " "
                    @for (i, m) in group.moderators.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(super::profile_path(m)) { (posts::shown_name(m)) }
                    }
                }
            }
            p { (tf(lang, Msg::GroupHowToPost, &[("handle", &handle)])) }
            @if let Some(browser) = shown.browser.filter(|b| group.moderators.iter().any(|m| m.id == b.account().id)) {
                p { a href=(format!("/groups/{}/moderate", account.id)) { (t(browser.lang, Msg::ModerateGroup)) } }
            }
        } @else if account.actor_type == "Group" {
            p { (t(lang, Msg::GroupLabel)) }
        }
        @if account.locked && shown.group.is_none() { p { (t(lang, Msg::ApprovesFollowers)) } }
        // The bio is stored as sanitised HTML (see services::accounts).
        @if !account.note.is_empty() { div.note { (PreEscaped(&account.note)) } }
        @if account.is_local() {
            p { (tf(lang, Msg::Joined, &[("date", &account.created_at.format("%Y-%m").to_string())])) }
        } @else if let Some(url) = account.url.as_deref().or(account.uri.as_deref()) {
            // Only what reached this server is shown here; the rest is on theirs.
            p { (t(lang, Msg::RemoteProfileNote)) " " a href=(url) rel="noopener noreferrer" { (t(lang, Msg::ViewOnTheirServer)) } }
        }
        @let here = super::profile_path(account);
        p.counts {
            a href=(format!("{here}/followers")) { (i18n::count(lang, Msg::OneFollower, Msg::FollowerCount, shown.counts.followers)) }
            " · "
            a href=(format!("{here}/following")) { (tf(lang, Msg::FollowingCount, &[("count", &shown.counts.following.to_string())])) }
            " · " (i18n::count(lang, Msg::OnePost, Msg::PostCount, shown.counts.statuses))
        }
        @if let Some(browser) = shown.browser.filter(|b| b.account().id == account.id && account.locked) {
            p { a href="/follow_requests" { (t(browser.lang, Msg::FollowRequestsTitle)) } }
        }
        @match (shown.browser, shown.relationship) {
            (Some(browser), Some(relationship)) => { (relationship_controls(browser, account, relationship, shown.path)) }
            (None, _) if account.is_local() => {
                p {
                    (tf(lang, Msg::FollowHintBefore, &[("name", shown_name)])) " "
                    code { (handle) }
                    " " (t(lang, Msg::FollowHintAfter))
                }
            }
            _ => {}
        }
        @if !shown.featured_tags.is_empty() {
            section aria-labelledby="featured-tags" {
                h2 #featured-tags { (t(lang, Msg::FeaturedTagsHeading)) }
                ul.featured-tags {
                    @for tag in shown.featured_tags {
                        li {
                            a href=(format!("/tags/{}", tag.name)) { "#" (tag.name) }
                            " " (i18n::count(lang, Msg::OnePost, Msg::PostCount, tag.statuses))
                        }
                    }
                }
            }
        }
        @if !shown.pinned.is_empty() {
            section aria-labelledby="pinned" {
                h2 #pinned { (t(lang, Msg::PinnedHeading)) }
                @for view in shown.pinned {
                    (posts::article(ctx, lang, shown.browser, view, shown.path))
                }
            }
        }
        h2 { (t(lang, Msg::PostsHeading)) }
        (posts::list(ctx, lang, shown.browser, shown.posts, &shown.page, shown.path, Msg::ListEmpty))
    };
    let url = format!("{}{}", ctx.urls.base(), super::profile_path(account));
    let title = format!("{shown_name} ({handle})");
    let description = crate::content::html_to_text(&account.note);
    let og = super::OpenGraph {
        title: &title,
        description: &description,
        url: &url,
        kind: "profile",
    };
    super::frame_with(
        lang,
        shown_name,
        ctx.urls.domain(),
        shown.browser,
        Some(super::open_graph(ctx.urls.domain(), &og)),
        body,
    )
}

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    back: Option<String>,
}

/// `POST /accounts/{id}/{verb}`: follow, unfollow, block, unblock (services::follows).
#[tracing::instrument(skip_all)]
pub async fn follow(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: FollowForm = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let target = services::timelines::find_account(&ctx, &id)
        .await
        .map_err(Failure::from(lang))?;
    let me = browser.account();
    match verb.as_str() {
        "follow" => services::follows::follow(&ctx, me, &target).await.map(drop),
        "unfollow" => services::follows::unfollow(&ctx, me, &target).await,
        "block" => services::follows::block(&ctx, me, &target).await,
        "unblock" => services::follows::unblock(&ctx, me, &target).await,
        _ => Err(crate::error::Error::not_found("no such action")),
    }
    .map_err(Failure::from(lang))?;
    Ok(session::see_other(&session::local_path(
        form.back.as_deref(),
    )))
}
