//! Hashtag chats in the web interface: `/chats` (one's chats and **Schedule a chat**),
//! a chat's page `/chats/{id}` (when it happens, and during an occurrence its
//! questions with their answers, kept up to date by the script through the chat's
//! hashtag stream; without the script a reload shows what is new), the host's
//! `/chats/{id}/edit` and **Cancel this chat**, and an occurrence's transcript
//! `/chats/{id}/transcripts/{start}`. Servers asking for ActivityPub get the `Event`
//! and the `OrderedCollection` at the same addresses (federation/routes.rs).

use super::{
    i18n::{count, t, tf, Lang, Msg},
    posts,
    session::{self, Browser, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::Query,
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind},
    services::{
        self,
        chats::{ChatInput, HostedChat, Occurrence, Transcript},
    },
};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;

fn number(id: &str) -> Result<i64, Error> {
    id.parse().map_err(|_| Error::not_found("no such chat"))
}

/// A time on the chat's wall clock, with the instant for machines.
fn when(chat: &HostedChat, at: DateTime<Utc>) -> Markup {
    let local = at.with_timezone(&chat.schedule.tz);
    html! { time datetime=(at.to_rfc3339()) { (local.format("%Y-%m-%d %H:%M")) } }
}

fn occurrence_line(_lang: Lang, chat: &HostedChat, o: &Occurrence) -> Markup {
    html! { (when(chat, o.start)) " – " (when(chat, o.end)) " (" (chat.chat.time_zone) ")" }
}

#[derive(Deserialize, Default)]
pub struct ChatFormFields {
    #[serde(default)]
    title: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    rrule: String,
}

impl ChatFormFields {
    fn input(self) -> ChatInput {
        ChatInput {
            title: self.title,
            tag: self.tag,
            description: self.description,
            start: self.start,
            time_zone: self.time_zone,
            duration_minutes: self.duration,
            rrule: self.rrule,
        }
    }
}

/// The schedule form, filled with `values` (what was typed, when it was refused).
fn chat_form(
    lang: Lang,
    browser: &SignedInBrowser,
    action: &str,
    values: &ChatInput,
    problem: Option<&str>,
    submit: Msg,
) -> Markup {
    let duration = if values.duration_minutes.is_empty() {
        "60"
    } else {
        &values.duration_minutes
    };
    let zone = if values.time_zone.is_empty() {
        "Europe/Berlin"
    } else {
        &values.time_zone
    };
    html! {
        form.chat-form method="post" action=(action) {
            (browser.csrf_field())
            @if let Some(problem) = problem { p.alert role="alert" { (problem) } }
            label for="chat-title" { (t(lang, Msg::ChatTitleLabel)) }
            input #chat-title type="text" name="title" required maxlength="200" value=(values.title);
            label for="chat-tag" { (t(lang, Msg::ChatTagLabel)) }
            input #chat-tag type="text" name="tag" required maxlength="100" value=(values.tag);
            label for="chat-description" { (t(lang, Msg::ChatDescriptionLabel)) }
            textarea #chat-description name="description" rows="4" maxlength="2000" { (values.description) }
            label for="chat-start" { (t(lang, Msg::ChatStartLabel)) }
            input #chat-start type="datetime-local" name="start" required value=(values.start);
            label for="chat-time-zone" { (t(lang, Msg::ChatTimeZoneLabel)) }
            input #chat-time-zone type="text" name="time_zone" required maxlength="64" value=(zone);
            label for="chat-duration" { (t(lang, Msg::ChatDurationLabel)) }
            input #chat-duration type="number" name="duration" required min="5" max="1440" value=(duration);
            label for="chat-rrule" { (t(lang, Msg::ChatRruleLabel)) }
            input #chat-rrule type="text" name="rrule" maxlength="500" value=(values.rrule);
            button type="submit" { (t(lang, submit)) }
        }
    }
}

fn index_page(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    mine: &[HostedChat],
    values: &ChatInput,
    problem: Option<&str>,
) -> Markup {
    let lang = browser.lang;
    let now = Utc::now();
    let body = html! {
        h1 { (t(lang, Msg::ChatsTitle)) }
        p { (t(lang, Msg::ChatsIntro)) }
        h2 { (t(lang, Msg::MyChats)) }
        @if mine.is_empty() { p { (t(lang, Msg::NoChats)) } }
        ul.chats {
            @for c in mine {
                li {
                    a href=(format!("/chats/{}", c.chat.id)) { (c.chat.title) }
                    " · #" (c.chat.tag) " · "
                    @if c.cancelled() { (t(lang, Msg::ChatCancelled)) }
                    @else if let Some(o) = c.schedule.current_or_next(now) { (occurrence_line(lang, c, &o)) }
                    @else { (t(lang, Msg::ChatOver)) }
                }
            }
        }
        h2 #schedule { (t(lang, Msg::ScheduleChat)) }
        (chat_form(lang, browser, "/chats", values, problem, Msg::ScheduleChatButton))
    };
    super::frame(
        lang,
        t(lang, Msg::ChatsTitle),
        ctx.urls.domain(),
        Some(browser),
        body,
    )
}

/// `/chats`: one's chats, and the form to schedule one.
pub async fn index(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let mine = services::chats::of_host(&ctx, browser.account())
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(super::private_response(index_page(
        &ctx,
        &browser,
        &mine,
        &ChatInput::default(),
        None,
    )))
}

/// `POST /chats`: schedules a chat; refused input comes back in the form with why.
pub async fn create(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: ChatFormFields = browser.form(&body)?;
    let input = form.input();
    match services::chats::create(&ctx, browser.account(), &input).await {
        Ok(chat) => Ok(session::see_other(&format!("/chats/{}", chat.id))),
        Err(e) if e.kind == ErrorKind::BadRequest => {
            let mine = services::chats::of_host(&ctx, browser.account())
                .await
                .map_err(Failure::from(lang))?;
            let page = index_page(&ctx, &browser, &mine, &input, Some(&e.message));
            Ok(unprocessable(page))
        }
        Err(e) => Err(Failure::from(lang)(e)),
    }
}

fn unprocessable(page: Markup) -> HttpResponse {
    HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(page.into_string())
}

/// An occurrence's questions with their answers.
fn questions(
    ctx: &AppContext,
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    transcript: &Transcript,
    views: &std::collections::HashMap<crate::db::StatusId, services::status_views::StatusView>,
    back: &str,
) -> Markup {
    html! {
        @if transcript.questions.is_empty() { p.empty { (t(lang, Msg::ChatNoQuestions)) } }
        @for q in &transcript.questions {
            @let heading = format!("q{}-heading", q.number);
            section.chat-question id=(format!("q{}", q.number)) aria-labelledby=(heading) {
                h3 id=(heading) { (tf(lang, Msg::ChatQuestion, &[("number", &q.number.to_string())])) }
                @if let Some(view) = views.get(&q.post) { (posts::article(ctx, lang, browser, view, back)) }
                p.answer-count { (count(lang, Msg::OneAnswer, Msg::Answers, q.answers.len() as i64)) }
                @if !q.answers.is_empty() {
                    ol.answers aria-label=(tf(lang, Msg::ChatAnswersTo, &[("number", &q.number.to_string())])) {
                        @for a in &q.answers {
                            @if let Some(view) = views.get(a) { li { (posts::article(ctx, lang, browser, view, back)) } }
                        }
                    }
                }
            }
        }
    }
}

fn participants(ctx: &AppContext, lang: Lang, transcript: &Transcript) -> Markup {
    html! {
        h2 { (t(lang, Msg::ChatParticipants)) }
        ul.people {
            @for a in transcript.participants.iter().filter_map(|a| transcript.accounts.get(a)) {
                li { a href=(super::profile_path(a)) { (posts::shown_name(a)) } " " span.handle { (posts::handle(ctx, a)) } }
            }
        }
    }
}

/// How often a live chat page asks for new answers without a streamed event.
const LIVE_POLL_MS: u32 = 5_000;

/// `/chats/{id}`: the chat; during an occurrence, live. `?fragment=live` is the
/// questions alone, for the script.
pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let chat = services::chats::find(&ctx, number(&id).map_err(&fail)?)
        .await
        .map_err(&fail)?;
    let signed_in = browser.session.as_ref();
    let viewer: Option<&Account> = signed_in.map(|b| b.account());
    let now = Utc::now();
    let current = chat
        .schedule
        .current_or_next(now)
        .filter(|o| o.is_on(now) && !chat.cancelled());
    let path = req.path().to_string();
    let live = match current {
        Some(o) => {
            let transcript = services::chats::transcript(&ctx, &chat, o)
                .await
                .map_err(&fail)?;
            let views = services::chats::views(&ctx, &transcript, viewer)
                .await
                .map_err(&fail)?;
            Some(questions(&ctx, lang, signed_in, &transcript, &views, &path))
        }
        None => None,
    };
    if Query::of(&req).get("fragment") == Some("live") {
        return Ok(super::private_response(live.unwrap_or_else(|| html! {})));
    }
    let host_here = viewer.is_some_and(|v| v.id == chat.host.id);
    let started = chat.schedule.started(now, 20);
    let past: Vec<&Occurrence> = started.iter().filter(|o| o.end <= now).collect();
    let c = &chat.chat;
    let stream = format!(
        "/streaming?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("stream", "hashtag")
            .append_pair("tag", &c.tag)
            .finish()
    );
    let body = html! {
        h1 { (c.title) }
        p.chat-meta {
            (tf(lang, Msg::ChatHostedBy, &[("name", posts::shown_name(&chat.host))]))
            " (" a href=(super::profile_path(&chat.host)) { (posts::handle(&ctx, &chat.host)) } ") · "
            a href=(format!("/tags/{}", c.tag)) { "#" (c.tag) }
        }
        @if chat.cancelled() {
            p.alert role="status" { (t(lang, Msg::ChatCancelled)) }
        } @else if let Some(o) = current {
            p.chat-when { strong { (t(lang, Msg::ChatLive)) } " " (occurrence_line(lang, &chat, &o)) }
        } @else if let Some(o) = chat.schedule.current_or_next(now) {
            p.chat-when { (t(lang, Msg::ChatNext)) " " (occurrence_line(lang, &chat, &o)) }
        } @else {
            p.chat-when { (t(lang, Msg::ChatOver)) }
        }
        @if let Some(rule) = &c.rrule { p { (tf(lang, Msg::ChatRecurs, &[("rule", rule)])) } }
        @for paragraph in c.description.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) { p.description { (paragraph) } }
        p { (tf(lang, Msg::ChatHowTo, &[("tag", &format!("#{}", c.tag))])) }
        p { a href=(format!("/tags/{}/chats.ics", c.tag)) { (t(lang, Msg::ChatCalendar)) } }
        @if let Some(live) = live {
            h2 { (t(lang, Msg::ChatQuestionsHeading)) }
            p.visually-hidden #chat-status role="status" data-template=(t(lang, Msg::ChatNewAnswers)) {}
            div #chat-live data-chat=(format!("{path}?fragment=live")) data-stream=(stream) data-status="chat-status" data-every=(LIVE_POLL_MS) { (live) }
        }
        @if !past.is_empty() {
            h2 { (t(lang, Msg::ChatTranscripts)) }
            ul.transcripts {
                @for o in &past {
                    li { a href=(format!("/chats/{}/transcripts/{}", c.id, o.key())) { (occurrence_line(lang, &chat, o)) } }
                }
            }
        }
        @if host_here && !chat.cancelled() {
            @if let Some(b) = signed_in {
                p { a href=(format!("/chats/{}/edit", c.id)) { (t(lang, Msg::EditChat)) } }
                form method="post" action=(format!("/chats/{}/cancel", c.id)) {
                    (b.csrf_field())
                    button type="submit" { (t(lang, Msg::CancelChat)) }
                }
            }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        &c.title,
        ctx.urls.domain(),
        signed_in,
        body,
    )))
}

/// `/chats/{id}/transcripts/{start}`: what an occurrence was, and who took part.
pub async fn transcript(
    ctx: web::Data<AppContext>,
    browser: Browser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let (id, key) = path.into_inner();
    let (chat, occurrence) = services::chats::occurrence(&ctx, number(&id).map_err(&fail)?, &key)
        .await
        .map_err(&fail)?;
    let signed_in = browser.session.as_ref();
    let transcript = services::chats::transcript(&ctx, &chat, occurrence)
        .await
        .map_err(&fail)?;
    let views = services::chats::views(&ctx, &transcript, signed_in.map(|b| b.account()))
        .await
        .map_err(&fail)?;
    let back = format!("/chats/{}/transcripts/{key}", chat.chat.id);
    let title = tf(
        lang,
        Msg::ChatTranscriptTitle,
        &[("title", &chat.chat.title)],
    );
    let body = html! {
        h1 { (title) }
        p.chat-when { (occurrence_line(lang, &chat, &occurrence)) " · " a href=(format!("/chats/{}", chat.chat.id)) { "#" (chat.chat.tag) } }
        h2 { (t(lang, Msg::ChatQuestionsHeading)) }
        (questions(&ctx, lang, signed_in, &transcript, &views, &back))
        (participants(&ctx, lang, &transcript))
    };
    Ok(super::private_response(super::frame(
        lang,
        &title,
        ctx.urls.domain(),
        signed_in,
        body,
    )))
}

fn input_of(chat: &HostedChat) -> ChatInput {
    let c = &chat.chat;
    ChatInput {
        title: c.title.clone(),
        tag: c.tag.clone(),
        description: c.description.clone(),
        start: c.starts_local.format("%Y-%m-%dT%H:%M").to_string(),
        time_zone: c.time_zone.clone(),
        duration_minutes: c.duration_minutes.to_string(),
        rrule: c.rrule.clone().unwrap_or_default(),
    }
}

fn edit_page(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    id: i64,
    values: &ChatInput,
    problem: Option<&str>,
) -> Markup {
    let lang = browser.lang;
    let body = html! {
        h1 { (t(lang, Msg::EditChatTitle)) }
        (chat_form(lang, browser, &format!("/chats/{id}/edit"), values, problem, Msg::SaveChat))
        p { a href=(format!("/chats/{id}")) { (values.title) } }
    };
    super::frame(
        lang,
        t(lang, Msg::EditChatTitle),
        ctx.urls.domain(),
        Some(browser),
        body,
    )
}

/// `/chats/{id}/edit`, for the host.
pub async fn edit(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let chat = services::chats::find(&ctx, number(&id).map_err(&fail)?)
        .await
        .map_err(&fail)?;
    if chat.host.id != browser.account().id {
        return Err(fail(Error::new(
            ErrorKind::Forbidden,
            "only the chat's host can change it",
        )));
    }
    Ok(super::private_response(edit_page(
        &ctx,
        &browser,
        chat.chat.id,
        &input_of(&chat),
        None,
    )))
}

/// `POST /chats/{id}/edit`: changes the chat and sends its `Update`.
pub async fn save(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let form: ChatFormFields = browser.form(&body)?;
    let id = number(&id).map_err(&fail)?;
    let input = form.input();
    match services::chats::update(&ctx, browser.account(), id, &input).await {
        Ok(_) => Ok(session::see_other(&format!("/chats/{id}"))),
        Err(e) if e.kind == ErrorKind::BadRequest => Ok(unprocessable(edit_page(
            &ctx,
            &browser,
            id,
            &input,
            Some(&e.message),
        ))),
        Err(e) => Err(fail(e)),
    }
}

/// `POST /chats/{id}/cancel`: cancels the chat and sends the `Delete` of its `Event`.
pub async fn cancel(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let _: std::collections::HashMap<String, String> = browser.form(&body)?;
    let id = number(&id).map_err(&fail)?;
    services::chats::cancel(&ctx, browser.account(), id)
        .await
        .map_err(&fail)?;
    Ok(session::see_other(&format!("/chats/{id}")))
}

/// The about page's "Next scheduled chats".
pub fn next_chats(lang: Lang, next: &[(HostedChat, Occurrence)]) -> Markup {
    html! {
        section.next-chats aria-labelledby="next-chats" {
            h2 #next-chats { (t(lang, Msg::NextChatsHeading)) }
            @if next.is_empty() { p { (t(lang, Msg::NoNextChats)) } }
            ul.chats {
                @for (c, o) in next {
                    li {
                        a href=(format!("/chats/{}", c.chat.id)) { (c.chat.title) }
                        " · #" (c.chat.tag) " · " (occurrence_line(lang, c, o))
                    }
                }
            }
        }
    }
}
