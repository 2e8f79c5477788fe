//! Posts on pages: each an `<article>` with its actions as small forms, the
//! compose form, lists with "Load more", and what the forms post to. Every change
//! is a call to the same service the client API calls.

use super::{
    i18n::{self, t, tf, Lang, Msg},
    session::{self, Browser, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::{
        pagination::Page,
        statuses::Visibility,
        timelines::{Origin, TagFilter},
        StatusId,
    },
    error::{Error, ErrorKind},
    services::{
        self,
        status_views::StatusView,
        statuses::{NewPost, PostEdit},
    },
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

pub fn shown_name(account: &crate::db::accounts::Account) -> &str {
    if account.display_name.is_empty() {
        &account.username
    } else {
        &account.display_name
    }
}

/// `@name@host`, the handle by which an account is found from any server.
pub fn handle(ctx: &AppContext, account: &crate::db::accounts::Account) -> String {
    format!(
        "@{}@{}",
        account.username,
        account.domain.as_deref().unwrap_or(ctx.urls.domain())
    )
}

/// One action of a post: a button in a small POST form with the session's token.
/// Toggles keep their name and say their state with `aria-pressed`.
fn action(
    browser: &SignedInBrowser,
    id: StatusId,
    verb: &str,
    label: Msg,
    pressed: Option<bool>,
    back: &str,
) -> Markup {
    html! {
        form method="post" action=(format!("/statuses/{id}/{verb}")) {
            (browser.csrf_field())
            input type="hidden" name="back" value=(back);
            button type="submit" aria-pressed=[pressed.map(|p| p.to_string())] { (t(browser.lang, label)) }
        }
    }
}

/// Where a post's time links to: its thread for a signed-in reader; for a visitor,
/// its public page (ours) or its address on its own server.
fn post_link(browser: Option<&SignedInBrowser>, shown: &StatusView) -> String {
    let status = &shown.status;
    match (browser, &shown.author.domain) {
        (Some(_), _) => format!("/statuses/{}", status.id),
        (None, None) => format!("/@{}/{}", shown.author.username, status.id),
        (None, Some(_)) => status
            .url
            .clone()
            .or_else(|| status.uri.clone())
            .unwrap_or_else(|| format!("/statuses/{}", status.id)),
    }
}

/// A post's images, with their alt text: ours, and our copies of other servers'
/// (services::media_cache). An image of anyone-may-see post that we have no copy of
/// yet is shown through `/media/remote/…`, which copies it when first asked (unless
/// that failed lately); others are links, since a page must not make readers' browsers call other servers unasked.
pub fn media(
    ctx: &AppContext,
    lang: Lang,
    media: &[crate::db::media::Media],
    public: bool,
) -> Markup {
    let copied_on_demand = public && services::media_cache::enabled(ctx);
    html! {
        div.media {
            @for m in media {
                @let alt = m.description.as_deref().unwrap_or("");
                @if let (Some(file), Some(thumb)) = (&m.file_key, &m.thumbnail_key) {
                    a href=(ctx.urls.media_file(file)) {
                        img src=(ctx.urls.media_file(thumb)) alt=(alt) loading="lazy" width=[m.thumbnail_width] height=[m.thumbnail_height];
                    }
                } @else if copied_on_demand && m.kind == "image" && m.remote_url.is_some() && !services::media_cache::failed_lately(m) {
                    a href=(format!("/media/remote/{}/original", m.id)) {
                        img src=(format!("/media/remote/{}/small", m.id)) alt=(alt) loading="lazy";
                    }
                } @else if let Some(remote) = &m.remote_url {
                    a href=(remote) rel="nofollow noopener noreferrer" target="_blank" {
                        (t(lang, Msg::RemoteImage)) @if !alt.is_empty() { ": " (alt) }
                    }
                }
            }
        }
    }
}

/// A post's poll: a form to vote with (radio buttons, or checkboxes for several
/// choices) for a signed-in reader who has not voted while it is open; otherwise
/// the results, hidden until the end when the author asked so.
pub(super) fn poll_box(
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    view: &StatusView,
    back: &str,
) -> Markup {
    let Some(poll) = &view.poll else {
        return html! {};
    };
    let open = !poll.expired();
    let show_totals = !open || !poll.hide_totals;
    let total = poll.votes_count();
    // Mastodon's share of each option: of the votes, or of the voters when each
    // may choose several (so the shares can add up to more than 100).
    let base = if poll.multiple && poll.voters_count > 0 {
        poll.voters_count
    } else {
        total
    };
    let status = html! {
        p.meta {
            (i18n::count(lang, Msg::OneVote, Msg::Votes, total))
            " · "
            @if open {
                @if let Some(end) = poll.expires_at { (tf(lang, Msg::PollEnds, &[("time", &end.format("%Y-%m-%d %H:%M UTC").to_string())])) }
            } @else {
                (t(lang, Msg::PollEnded))
            }
        }
    };
    html! {
        @match browser.filter(|_| open && !view.voted) {
            Some(browser) => {
                form.poll method="post" action=(format!("/polls/{}/vote", poll.id)) {
                    (browser.csrf_field())
                    input type="hidden" name="back" value=(back);
                    fieldset {
                        legend { (t(lang, Msg::Poll)) }
                        @for (i, option) in poll.options.iter().enumerate() {
                            label {
                                input type=(if poll.multiple { "checkbox" } else { "radio" }) name="choice" value=(i);
                                " " (option)
                            }
                        }
                    }
                    (status)
                    button type="submit" { (t(lang, Msg::Vote)) }
                }
            }
            None => {
                div.poll role="group" aria-label=(t(lang, Msg::Poll)) {
                    ul {
                        @for (i, (option, n)) in poll.options.iter().zip(&poll.tallies).enumerate() {
                            li {
                                (option) ": "
                                @if show_totals {
                                    (i18n::count(lang, Msg::OneVote, Msg::Votes, *n))
                                    " (" (percent(*n, base)) "%)"
                                } @else { (t(lang, Msg::PollHidden)) }
                                @if view.own_votes.contains(&(i as i16)) { " (" (t(lang, Msg::YourChoice)) ")" }
                            }
                        }
                    }
                    (status)
                }
            }
        }
    }
}

/// `n` of `of` in whole percent, as Mastodon's apps round it; 0 of 0 is 0.
fn percent(n: i64, of: i64) -> i64 {
    if of <= 0 {
        0
    } else {
        (n * 100 + of / 2) / of
    }
}

/// `POST /polls/{id}/vote`: the choices of the poll form.
#[tracing::instrument(skip_all)]
pub async fn vote(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: ActionForm = browser.form(&body)?;
    let choices: Vec<i64> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "choice")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let id: i64 = id
        .parse()
        .map_err(|_| Failure::from(lang)(Error::not_found("no such poll")))?;
    services::polls::vote(&ctx, browser.account(), id, &choices)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other(&session::local_path(
        form.back.as_deref(),
    )))
}

/// A post as an `<article>`; with a session, its actions. `back` is the page the
/// actions return to.
pub fn article(
    ctx: &AppContext,
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    view: &StatusView,
    back: &str,
) -> Markup {
    let booster = view.reblog.as_ref().map(|_| &view.author);
    let shown = view.reblog.as_deref().unwrap_or(view);
    let status = &shown.status;
    let id = status.id;
    let mine = browser.is_some_and(|b| b.account().id == shown.author.id);
    html! {
        article id=(format!("s-{}", view.status.id)) {
            @if let Some(booster) = booster {
                p.boosted { (tf(lang, Msg::BoostedBy, &[("name", shown_name(booster))])) }
            }
            p.meta {
                a href=(super::profile_path(&shown.author)) { strong { (shown_name(&shown.author)) } }
                " " span.handle { (handle(ctx, &shown.author)) }
            }
            @if view.warnings.is_empty() {
                (content(ctx, lang, shown))
            } @else {
                // A `warn` filter of the reader's: the post stays one click away (services::filters).
                details.filtered {
                    summary { (tf(lang, Msg::FilteredPost, &[("titles", &view.warnings.join(", "))])) }
                    (content(ctx, lang, shown))
                }
            }
            p.meta {
                a href=(post_link(browser, shown)) {
                    time datetime=(status.created_at.to_rfc3339()) { (status.created_at.format("%Y-%m-%d %H:%M UTC")) }
                }
                @if status.edited_at.is_some() { " · " (t(lang, Msg::Edited)) }
                " · " (i18n::count(lang, Msg::OneReply, Msg::Replies, shown.replies))
                " · " (i18n::count(lang, Msg::OneBoost, Msg::Boosts, shown.reblogs))
                " · " (i18n::count(lang, Msg::OneLike, Msg::Likes, shown.favourites))
            }
            (poll_box(lang, browser, shown, back))
            (card(shown))
            @if let Some(browser) = browser {
                div.actions role="group" aria-label=(t(lang, Msg::PostActions)) {
                    form method="get" action=(format!("/statuses/{id}")) {
                        button type="submit" { (t(lang, Msg::Reply)) }
                    }
                    (action(browser, id, if shown.reblogged { "unreblog" } else { "reblog" }, Msg::Boost, Some(shown.reblogged), back))
                    (action(browser, id, if shown.favourited { "unfavourite" } else { "favourite" }, Msg::Like, Some(shown.favourited), back))
                    (action(browser, id, if shown.bookmarked { "unbookmark" } else { "bookmark" }, Msg::Bookmark, Some(shown.bookmarked), back))
                    @if mine {
                        form method="get" action=(format!("/statuses/{id}/edit")) {
                            button type="submit" { (t(lang, Msg::Edit)) }
                        }
                        @if status.visibility() <= Visibility::Unlisted {
                            (action(browser, id, if shown.pinned { "unpin" } else { "pin" }, if shown.pinned { Msg::Unpin } else { Msg::Pin }, None, back))
                        }
                        (action(browser, id, "delete", Msg::Delete, None, "/home"))
                    }
                }
            }
        }
    }
}

/// A post's link card, if it has one. The page's image is left out: it would make
/// the reader's browser ask another server.
pub(super) fn card(shown: &StatusView) -> Markup {
    html! {
        @if let Some(card) = &shown.card {
            a.card href=(card.url) rel="nofollow noopener noreferrer" target="_blank" {
                strong { (card.title) }
                @if !card.description.is_empty() { " — " (card.description) }
                @if !card.provider_name.is_empty() { " (" (card.provider_name) ")" }
            }
        }
    }
}

/// A post's text (behind its content warning, if any) and its images. Content is
/// rendered (ours) or sanitised (others') when it is stored.
pub(super) fn content(ctx: &AppContext, lang: Lang, shown: &StatusView) -> Markup {
    let status = &shown.status;
    let public = status.visibility() <= Visibility::Unlisted;
    let images = (!shown.media.is_empty()).then(|| media(ctx, lang, &shown.media, public));
    html! {
        @if status.spoiler_text.is_empty() {
            div.content { (PreEscaped(&status.content)) }
            @if let Some(images) = &images {
                @if status.sensitive || shown.author.sensitized_at.is_some() {
                    // Sensitive images wait behind a click, as in Mastodon's apps.
                    details.sensitive {
                        summary { (t(lang, Msg::SensitiveMedia)) }
                        (images)
                    }
                } @else {
                    (images)
                }
            }
        } @else {
            // Behind a content warning go the text and the images alike.
            details {
                summary { (status.spoiler_text) }
                div.content { (PreEscaped(&status.content)) }
                @if let Some(images) = &images { (images) }
            }
        }
    }
}

/// A list of posts, newest first, with "Load more" when the page was full.
pub fn list(
    ctx: &AppContext,
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    views: &[StatusView],
    page: &Page,
    path: &str,
    empty: Msg,
) -> Markup {
    let back = path.to_string();
    html! {
        @if views.is_empty() { p.empty { (t(lang, empty)) } }
        @for view in views { (article(ctx, lang, browser, view, &back)) }
        (load_more(lang, path, page, views.len(), views.last().map(|v| v.status.id.0)))
    }
}

/// How often an open timeline asks for new posts, in milliseconds.
const POLL_MS: u32 = 20_000;

/// The newest page of a timeline, marked for the script (staffroom.js) to keep it
/// growing on top: it listens to `stream` (server-sent events of the streaming API,
/// `/streaming?…`) and, at each new post there and every `POLL_MS` anyway (the
/// fallback when events do not get through), asks `newer` (adding `since_id=`) for
/// the newer articles, as HTML the server renders, and says in the status line how
/// many arrived.
pub fn live(lang: Lang, newer: &str, stream: &str, list: Markup) -> Markup {
    html! {
        p.visually-hidden #new-posts role="status" data-template=(t(lang, Msg::NewPostsArrived)) {}
        div #timeline data-newer=(newer) data-stream=(stream) data-status="new-posts" data-every=(POLL_MS) { (list) }
    }
}

/// `GET /streaming?stream=user|public|public:local|hashtag&tag=`: the streaming API's
/// events for the signed-in browser (api::streaming::for_browser), which the script
/// turns into "fetch what is newer".
pub async fn stream(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let q = Query::of(&req);
    let name = q.get("stream").unwrap_or("user");
    crate::api::streaming::for_browser(&ctx, browser.account().clone(), name, q.get("tag"))
        .map_err(Failure::from(browser.lang))
}

/// Posts as bare `<article>`s (no page around them), for the script to put on top.
pub fn fragment(
    ctx: &AppContext,
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    views: &[StatusView],
    back: &str,
) -> HttpResponse {
    let articles = html! { @for view in views { (article(ctx, lang, browser, view, back)) } };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(articles.into_string())
}

/// "Load more" after a full page: the next page is the one before the last id
/// shown (`max_id`), as the API's `Link: rel="next"`.
pub fn load_more(
    lang: Lang,
    path: &str,
    page: &Page,
    shown: usize,
    last_id: Option<i64>,
) -> Markup {
    html! {
        @if let Some(last) = last_id.filter(|_| shown as i64 >= page.limit) {
            p.more { a href=(format!("{path}?max_id={last}")) { (t(lang, Msg::LoadMore)) } }
        }
    }
}

/// What a compose form writes: a new post, a reply, or an edit of one's own post.
#[derive(Clone, Copy)]
pub enum Draft<'a> {
    New,
    Reply(&'a StatusView),
    Edit(&'a StatusView),
}

/// The compose form. A reply carries the post it answers and starts with its
/// author; an edit starts with the post's text and keeps its visibility.
pub fn compose(browser: &SignedInBrowser, draft: Draft) -> Markup {
    let lang = browser.lang;
    let (heading, action, text, spoiler, button) = match draft {
        Draft::New => (
            Msg::ComposeTitle,
            "/statuses".to_string(),
            String::new(),
            "",
            Msg::PostButton,
        ),
        Draft::Reply(parent) => {
            // Another server's teacher needs the whole handle: a bare @name would
            // mean someone here, and the reply would not reach them.
            let mention = match &parent.author.domain {
                _ if parent.author.id == browser.account().id => String::new(),
                Some(domain) => format!("@{}@{domain} ", parent.author.username),
                None => format!("@{} ", parent.author.username),
            };
            (
                Msg::ReplyTitle,
                "/statuses".to_string(),
                mention,
                "",
                Msg::PostButton,
            )
        }
        Draft::Edit(post) => (
            Msg::EditTitle,
            format!("/statuses/{}/edit", post.status.id),
            post.status.text.clone().unwrap_or_default(),
            post.status.spoiler_text.as_str(),
            Msg::SaveButton,
        ),
    };
    html! {
        form.compose #compose method="post" action=(action) enctype=[(!matches!(draft, Draft::Edit(_))).then_some("multipart/form-data")] {
            h2 { (t(lang, heading)) }
            (browser.csrf_field())
            @if let Draft::Reply(parent) = draft {
                input type="hidden" name="in_reply_to_id" value=(parent.status.id);
                input type="hidden" name="back" value=(format!("/statuses/{}", parent.status.id));
            }
            div.field {
                label for="status" { (t(lang, Msg::PostText)) }
                textarea #status name="status" required data-counter="status_count" data-max=(services::statuses::MAX_CHARS) aria-describedby="status_count"
                    data-mentions="/search/mentions" data-hashtags="/search/hashtags" aria-autocomplete="list" aria-controls="mention-list" { (text) }
                // Suggestions for a mention being typed, filled by the script.
                ul.suggestions #mention-list role="listbox" aria-label=(t(lang, Msg::MentionSuggestions)) hidden {}
                // Filled in and shown by the script; without it the server still says when a post is too long.
                small #status_count hidden data-template=(t(lang, Msg::CharactersLeft)) {}
            }
            p {
                label for="spoiler_text" { (t(lang, Msg::ContentWarning)) }
                input #spoiler_text name="spoiler_text" value=(spoiler) maxlength=(services::statuses::MAX_SPOILER_CHARS) aria-describedby="spoiler_hint";
                small #spoiler_hint { (t(lang, Msg::ContentWarningHint)) }
            }
            @if !matches!(draft, Draft::Edit(_)) {
                p {
                    label for="file" { (t(lang, Msg::AttachImage)) }
                    input #file type="file" name="file" accept="image/jpeg,image/png,image/webp,image/gif";
                }
                p {
                    label for="description" { (t(lang, Msg::ImageDescription)) }
                    textarea #description name="description" maxlength=(services::media::MAX_DESCRIPTION_CHARS) aria-describedby="description_hint" {}
                    small #description_hint { (t(lang, Msg::ImageDescriptionHint)) }
                }
                details.poll-compose {
                    summary { (t(lang, Msg::AddPoll)) }
                    fieldset {
                        legend { (t(lang, Msg::Poll)) }
                        @for i in 1..=services::polls::MAX_OPTIONS {
                            p {
                                label for=(format!("poll_option_{i}")) { (tf(lang, Msg::PollOption, &[("n", &i.to_string())])) }
                                input id=(format!("poll_option_{i}")) name=(format!("poll_option_{i}")) maxlength=(services::polls::MAX_OPTION_CHARS);
                            }
                        }
                        p {
                            label for="poll_expires_in" { (t(lang, Msg::PollDuration)) }
                            select #poll_expires_in name="poll_expires_in" {
                                option value="300" { (t(lang, Msg::FiveMinutes)) }
                                option value="3600" { (t(lang, Msg::OneHour)) }
                                option value="86400" selected { (t(lang, Msg::OneDay)) }
                                option value="604800" { (t(lang, Msg::OneWeek)) }
                            }
                        }
                        p {
                            label { input type="checkbox" name="poll_multiple" value="true"; " " (t(lang, Msg::PollMultiple)) }
                        }
                    }
                }
                @let chosen = match draft {
                    Draft::Reply(parent) => Visibility::from_i16(parent.status.visibility),
                    _ => Visibility::from_i16(browser.session.user.default_visibility),
                };
                p {
                    label for="visibility" { (t(lang, Msg::Visibility)) }
                    select #visibility name="visibility" {
                        @for (v, label) in super::settings::VISIBILITIES {
                            option value=(v.as_str()) selected[v == chosen] { (t(lang, label)) }
                        }
                    }
                }
            }
            p { button type="submit" { (t(lang, button)) } }
        }
    }
}

#[derive(Deserialize)]
pub struct ComposeForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    back: Option<String>,
    /// A poll: up to four options (empty ones ignored), how long, one or several choices.
    #[serde(default)]
    poll_option_1: String,
    #[serde(default)]
    poll_option_2: String,
    #[serde(default)]
    poll_option_3: String,
    #[serde(default)]
    poll_option_4: String,
    #[serde(default)]
    poll_expires_in: String,
    #[serde(default)]
    poll_multiple: Option<String>,
}

impl ComposeForm {
    /// The poll asked for, if any option was filled in.
    fn poll(&self) -> Option<services::polls::NewPoll> {
        let options: Vec<String> = [
            &self.poll_option_1,
            &self.poll_option_2,
            &self.poll_option_3,
            &self.poll_option_4,
        ]
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
        if options.is_empty() {
            return None;
        }
        let expires_in = self.poll_expires_in.parse().unwrap_or(86_400);
        Some(services::polls::NewPoll {
            options,
            expires_in,
            multiple: self.poll_multiple.is_some(),
            hide_totals: false,
        })
    }
}

fn status_id(lang: Lang, id: &str) -> Result<StatusId, Failure> {
    id.parse()
        .map(StatusId)
        .map_err(|_| Failure::from(lang)(Error::not_found("no such post")))
}

/// `POST /statuses`: the compose form.
#[tracing::instrument(skip_all)]
pub async fn create(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: ComposeForm = browser.form(&body)?;
    publish(&ctx, &browser, form, &[]).await
}

async fn publish(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    form: ComposeForm,
    media: &[i64],
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let visibility = match form.visibility.as_str() {
        "" => Visibility::from_i16(browser.session.user.default_visibility),
        v => Visibility::parse(v)
            .ok_or_else(|| Failure::from(lang)(Error::bad_request("unknown visibility")))?,
    };
    let in_reply_to = match form.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(status_id(lang, id)?),
        None => None,
    };
    let spoiler_text = form.spoiler_text.trim().to_string();
    let poll = form.poll();
    let new = NewPost {
        text: form.status,
        visibility,
        in_reply_to,
        sensitive: !spoiler_text.is_empty(),
        spoiler_text,
        language: Some(lang.code().into()),
    };
    services::statuses::post_once(ctx, browser.account(), new, media, poll, None)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other(&session::local_path(
        form.back.as_deref(),
    )))
}

/// `POST /statuses` as `multipart/form-data`: the compose form with an image and
/// its alt text. The image is stored first; a refused image posts nothing.
#[tracing::instrument(skip_all)]
pub async fn create_with_image(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: actix_multipart::Multipart,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let mut parts = crate::multipart::read(body, crate::media::process::MAX_BYTES)
        .await
        .map_err(Failure::from(lang))?;
    browser.check_csrf(
        parts
            .fields
            .get(super::session::CSRF_FIELD)
            .map(String::as_str),
    )?;
    let mut field = |name: &str| parts.fields.remove(name).unwrap_or_default();
    let form = ComposeForm {
        status: field("status"),
        spoiler_text: field("spoiler_text"),
        visibility: field("visibility"),
        in_reply_to_id: Some(field("in_reply_to_id")),
        back: Some(field("back")),
        poll_option_1: field("poll_option_1"),
        poll_option_2: field("poll_option_2"),
        poll_option_3: field("poll_option_3"),
        poll_option_4: field("poll_option_4"),
        poll_expires_in: field("poll_expires_in"),
        poll_multiple: Some(field("poll_multiple")).filter(|m| !m.is_empty()),
    };
    let description = field("description");
    let mut media = Vec::new();
    if let Some(file) = parts.files.remove("file").filter(|f| !f.bytes.is_empty()) {
        let upload = services::media::Upload {
            bytes: file.bytes,
            declared_type: file.content_type,
            description: Some(description),
            focus: None,
        };
        media.push(
            services::media::upload(&ctx, browser.account(), upload)
                .await
                .map_err(Failure::from(lang))?
                .id,
        );
    }
    publish(&ctx, &browser, form, &media).await
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    back: Option<String>,
}

/// `POST /statuses/{id}/{verb}`: boost, like, bookmark (and undo them), delete.
#[tracing::instrument(skip_all)]
pub async fn act(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: ActionForm = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let id = status_id(lang, &id)?;
    let me = browser.account();
    let done = match verb.as_str() {
        "favourite" => services::statuses::favourite(&ctx, me, id).await.map(drop),
        "unfavourite" => services::statuses::unfavourite(&ctx, me, id)
            .await
            .map(drop),
        "reblog" => services::statuses::reblog(&ctx, me, id).await.map(drop),
        "unreblog" => services::statuses::unreblog(&ctx, me, id).await.map(drop),
        "bookmark" => services::timelines::bookmark(&ctx, me, id).await.map(drop),
        "unbookmark" => services::timelines::unbookmark(&ctx, me, id)
            .await
            .map(drop),
        "delete" => services::statuses::delete(&ctx, me, id).await,
        "pin" => services::pins::pin(&ctx, me, id).await.map(drop),
        "unpin" => services::pins::unpin(&ctx, me, id).await.map(drop),
        _ => Err(Error::new(ErrorKind::NotFound, "no such action")),
    };
    done.map_err(Failure::from(lang))?;
    Ok(session::see_other(&session::local_path(
        form.back.as_deref(),
    )))
}

/// `GET /statuses/{id}`: a thread (the posts above, the post, its replies) and a
/// reply form.
pub async fn thread(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let id = status_id(lang, &id)?;
    let me = browser.account();
    let view = services::status_views::get(&ctx, me, id)
        .await
        .map_err(Failure::from(lang))?;
    let (ancestors, descendants) = services::status_views::context(&ctx, me, id)
        .await
        .map_err(Failure::from(lang))?;
    let back = format!("/statuses/{id}");
    let body = html! {
        h1 { (t(lang, Msg::ThreadTitle)) }
        @for v in &ancestors { (article(&ctx, lang, Some(&browser), v, &back)) }
        (article(&ctx, lang, Some(&browser), &view, &back))
        (compose(&browser, Draft::Reply(&view)))
        @for v in &descendants { (article(&ctx, lang, Some(&browser), v, &back)) }
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::ThreadTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

/// `GET /statuses/{id}/edit`: the edit form for one's own post.
pub async fn edit_form(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let id = status_id(lang, &id)?;
    let view = services::status_views::get(&ctx, browser.account(), id)
        .await
        .map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (t(lang, Msg::EditTitle)) }
        (compose(&browser, Draft::Edit(&view)))
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::EditTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
}

/// `POST /statuses/{id}/edit`: services::statuses::edit, which allows only the author.
#[tracing::instrument(skip_all)]
pub async fn edit(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: EditForm = browser.form(&body)?;
    let id = status_id(lang, &id)?;
    let spoiler_text = form.spoiler_text.trim().to_string();
    let change = PostEdit {
        text: form.status,
        media: None,
        sensitive: !spoiler_text.is_empty(),
        spoiler_text,
        language: None,
    };
    services::statuses::edit(&ctx, browser.account(), id, change)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!("/statuses/{id}")))
}

/// What a public list shows.
enum Listing {
    Local,
    Federated,
    Tag(String),
}

/// The streaming API's stream of the same posts as a listing.
fn stream_of(which: &Listing) -> String {
    match which {
        Listing::Local => "/streaming?stream=public:local".into(),
        Listing::Federated => "/streaming?stream=public".into(),
        Listing::Tag(name) => format!(
            "/streaming?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("stream", "hashtag")
                .append_pair("tag", name)
                .finish()
        ),
    }
}

async fn listing(
    ctx: &AppContext,
    req: &HttpRequest,
    browser: Browser,
    which: Listing,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(req).page(STATUSES).map_err(Failure::from(lang))?;
    let signed_in = browser.session.as_ref();
    let viewer = signed_in.map(|b| b.account());
    let (title, views) = match &which {
        Listing::Local => (
            t(lang, Msg::LocalTimelineTitle).to_string(),
            services::timelines::public(
                ctx,
                viewer,
                Origin {
                    local_only: true,
                    remote_only: false,
                },
                page,
            )
            .await,
        ),
        Listing::Federated => (
            t(lang, Msg::FederatedTimelineTitle).to_string(),
            services::timelines::public(ctx, viewer, Origin::default(), page).await,
        ),
        Listing::Tag(name) => {
            let tags = TagFilter {
                any: vec![name.clone()],
                all: vec![],
                none: vec![],
            };
            (
                tf(lang, Msg::TagTitle, &[("tag", name)]),
                services::timelines::tag(ctx, viewer, Origin::default(), &tags, page).await,
            )
        }
    };
    let views = views.map_err(Failure::from(lang))?;
    let path = req.path();
    if Query::of(req).get("fragment") == Some("newer") {
        return Ok(fragment(ctx, lang, signed_in, &views, path));
    }
    let shown = list(ctx, lang, signed_in, &views, &page, path, Msg::ListEmpty);
    // Only signed-in pages load the script; only the newest page grows at the top.
    let grows = signed_in.is_some() && page.max_id.is_none() && page.lower().is_none();
    let body = html! {
        h1 { (title) }
        @if grows { (live(lang, &format!("{path}?fragment=newer"), &stream_of(&which), shown)) } @else { (shown) }
    };
    let head = match &which {
        Listing::Tag(name) => {
            let url = ctx.urls.tag(name);
            let og_title = format!("#{name}");
            Some(super::open_graph(
                ctx.urls.domain(),
                &super::OpenGraph {
                    title: &og_title,
                    description: &title,
                    url: &url,
                    kind: "website",
                },
            ))
        }
        _ => None,
    };
    // What is shown depends on the session and the language: no shared caching.
    Ok(super::private_response(super::frame_with(
        lang,
        &title,
        ctx.urls.domain(),
        signed_in,
        head,
        body,
    )))
}

pub async fn local(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
) -> Result<HttpResponse, Failure> {
    listing(&ctx, &req, browser, Listing::Local).await
}

pub async fn federated(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
) -> Result<HttpResponse, Failure> {
    listing(&ctx, &req, browser, Listing::Federated).await
}

pub async fn tag(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    name: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let name = name.trim().trim_start_matches('#').to_lowercase();
    listing(&ctx, &req, browser, Listing::Tag(name)).await
}
