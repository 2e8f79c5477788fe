//! `/settings/moving`: bringing one's network along and taking one's data away.
//! Importing follows (Mastodon's `following_accounts.csv`), downloading follows
//! and bookmarks as Mastodon's CSV files and posts as an ActivityPub `outbox.json`
//! (services::portability, federation::routes::archive_outbox).

use super::{
    i18n::{t, tf, Msg},
    session::{Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    error::Error,
    services::{
        moving::{self, Moving},
        portability,
    },
};
use actix_web::{http::header, web, HttpResponse};
use maud::{html, Markup};

fn page_with(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    moving: &Moving,
    latest: Option<&portability::ImportStatus>,
    result: Option<Markup>,
) -> HttpResponse {
    let lang = browser.lang;
    let body = html! {
        h1 { (t(lang, Msg::MovingTitle)) }
        (super::settings::nav(lang, "/settings/moving"))
        @if let Some(result) = result { (result) }
        h2 { (t(lang, Msg::ImportHeading)) }
        @if let Some(latest) = latest {
            (import_summary(lang, latest))
            p { a href=(format!("/settings/import/{}", latest.id)) { (t(lang, Msg::ImportLatest)) } }
        }
        p { (t(lang, Msg::ImportIntro)) }
        form method="post" action="/settings/import" enctype="multipart/form-data" {
            (browser.csrf_field())
            p {
                label for="follows" { (t(lang, Msg::ImportFile)) }
                input #follows type="file" name="follows" accept=".csv,text/csv" required;
            }
            p { button type="submit" { (t(lang, Msg::ImportButton)) } }
        }
        h2 { (t(lang, Msg::ExportHeading)) }
        ul {
            li { a href="/settings/export/following_accounts.csv" download { (t(lang, Msg::ExportFollows)) } }
            li { a href="/settings/export/bookmarks.csv" download { (t(lang, Msg::ExportBookmarks)) } }
            li { a href="/settings/export/outbox.json" download { (t(lang, Msg::ExportPosts)) } }
        }
        h2 { (t(lang, Msg::AliasesHeading)) }
        p { (t(lang, Msg::AliasesIntro)) }
        form method="post" action="/settings/aliases" {
            (browser.csrf_field())
            p {
                label for="aliases" { (t(lang, Msg::AliasesLabel)) }
                textarea #aliases name="aliases" rows="3" { (moving.aliases.join("\n")) }
            }
            p { button type="submit" { (t(lang, Msg::SaveButton)) } }
        }
        h2 { (t(lang, Msg::MoveHeading)) }
        @if let Some(to) = &moving.moved_to {
            p role="status" { (tf(lang, Msg::MovedTo, &[("target", to)])) }
        }
        p { (tf(lang, Msg::MoveIntro, &[("handle", &format!("@{}@{}", browser.account().username, ctx.urls.domain()))])) }
        form method="post" action="/settings/move" {
            (browser.csrf_field())
            p {
                label for="target" { (t(lang, Msg::MoveTarget)) }
                input #target name="target" required placeholder="name@server.example";
            }
            p { button type="submit" { (t(lang, Msg::MoveButton)) } }
        }
    };
    super::private_response(super::frame(
        lang,
        t(lang, Msg::MovingTitle),
        ctx.urls.domain(),
        Some(browser),
        body,
    ))
}

async fn show(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    result: Option<Markup>,
) -> Result<HttpResponse, Failure> {
    let moving = moving::moving_of(ctx, browser.account())
        .await
        .map_err(Failure::from(browser.lang))?;
    let latest = portability::latest_import(ctx, browser.account())
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(page_with(ctx, browser, &moving, latest.as_ref(), result))
}

pub async fn page(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    show(&ctx, &browser, None).await
}

/// The page again, saying how a form's change went: `done` on success, the
/// reason when refused.
async fn answered(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    result: crate::error::Result<()>,
    done: Msg,
) -> Result<HttpResponse, Failure> {
    let said = match result {
        Ok(()) => html! { p role="status" { (t(browser.lang, done)) } },
        Err(e) if e.kind == crate::error::ErrorKind::BadRequest => {
            html! { p.alert role="alert" { (e.message) } }
        }
        Err(e) => return Err(Failure::from(browser.lang)(e)),
    };
    show(ctx, browser, Some(said)).await
}

/// The field of a one-field form (`aliases`, `target`).
#[derive(serde::Deserialize)]
pub struct MovingForm {
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    target: String,
}

/// `POST /settings/aliases`: the accounts this one also is, before moving here.
#[tracing::instrument(skip_all)]
pub async fn aliases(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: MovingForm = browser.form(&body)?;
    let result = moving::set_aliases(&ctx, browser.account(), &form.aliases)
        .await
        .map(drop);
    answered(&ctx, &browser, result, Msg::SettingsSaved).await
}

/// `POST /settings/move`: this account moves to another; followers follow it there.
#[tracing::instrument(skip_all)]
pub async fn move_away(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: MovingForm = browser.form(&body)?;
    let result = moving::move_to(&ctx, browser.account(), &form.target)
        .await
        .map(drop);
    answered(&ctx, &browser, result, Msg::MoveDone).await
}

/// `POST /settings/import`: the file becomes an import running in the background;
/// its page (below) follows it. A file that cannot be read is refused here.
#[tracing::instrument(skip_all)]
pub async fn import(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: actix_multipart::Multipart,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let mut form = crate::multipart::read(body, portability::MAX_BYTES)
        .await
        .map_err(Failure::from(lang))?;
    browser.check_csrf(
        form.fields
            .get(super::session::CSRF_FIELD)
            .map(String::as_str),
    )?;
    let file = form
        .files
        .remove("follows")
        .ok_or_else(|| Failure::from(lang)(Error::bad_request("choose a file to import")))?;
    let text = String::from_utf8(file.bytes)
        .map_err(|_| Failure::from(lang)(Error::bad_request("the file is not UTF-8 text")))?;
    match portability::start_import(&ctx, browser.account(), &text).await {
        Ok(id) => Ok(super::session::see_other(&format!("/settings/import/{id}"))),
        Err(e) if e.kind == crate::error::ErrorKind::BadRequest => {
            show(
                &ctx,
                &browser,
                Some(html! { p.alert role="alert" { (e.message) } }),
            )
            .await
        }
        Err(e) => Err(Failure::from(lang)(e)),
    }
}

/// What an import did so far, or its report once finished.
fn import_summary(lang: super::i18n::Lang, status: &portability::ImportStatus) -> Markup {
    let counts = [
        ("followed", status.followed.to_string()),
        ("failed", status.failed.len().to_string()),
        ("done", status.done.to_string()),
        ("total", status.total.to_string()),
    ];
    let counts: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    html! {
        div role="status" {
            @if status.finished {
                p { (tf(lang, Msg::ImportDone, &counts)) }
            } @else {
                p { (tf(lang, Msg::ImportRunning, &counts)) " " progress value=(status.done) max=(status.total.max(1)) {} }
            }
            @if !status.failed.is_empty() {
                table {
                    caption { (t(lang, Msg::ImportFailedCaption)) }
                    thead { tr { th scope="col" { (t(lang, Msg::ImportLine)) } th scope="col" { (t(lang, Msg::ImportAccount)) } th scope="col" { (t(lang, Msg::ImportWhy)) } } }
                    tbody { @for f in &status.failed { tr { td { (f.line) } td { (f.handle) } td { (f.reason) } } } }
                }
            }
        }
    }
}

/// `GET /settings/import/{id}`: one import's progress, read from the database (so
/// any `serve` process shows it), refreshing itself every two seconds until done;
/// then its report.
pub async fn import_progress(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let id: i64 = id
        .parse()
        .map_err(|_| fail(Error::not_found("no such import")))?;
    let status = portability::import_status(&ctx, browser.account(), id)
        .await
        .map_err(&fail)?;
    let body = html! {
        h1 { (t(lang, Msg::ImportHeading)) }
        (super::settings::nav(lang, "/settings/moving"))
        (import_summary(lang, &status))
        p { a href="/settings/moving" { (t(lang, Msg::MovingTitle)) } }
    };
    let mut res = super::private_response(super::frame(
        lang,
        t(lang, Msg::ImportHeading),
        ctx.urls.domain(),
        Some(&browser),
        body,
    ));
    if !status.finished {
        // Works without JavaScript: the browser reloads the page itself.
        res.headers_mut().insert(
            header::HeaderName::from_static("refresh"),
            header::HeaderValue::from_static("2"),
        );
    }
    Ok(res)
}

fn download(name: &str, content_type: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

/// `GET /settings/export/{file}`: one of the three files, for the signed-in teacher.
pub async fn export(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    file: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let account = browser.account();
    match file.as_str() {
        "following_accounts.csv" => Ok(download(
            "following_accounts.csv",
            "text/csv; charset=utf-8",
            portability::export_follows(&ctx, account)
                .await
                .map_err(&fail)?,
        )),
        "bookmarks.csv" => Ok(download(
            "bookmarks.csv",
            "text/csv; charset=utf-8",
            portability::export_bookmarks(&ctx, account)
                .await
                .map_err(&fail)?,
        )),
        "outbox.json" => {
            let outbox = crate::federation::routes::archive_outbox(&ctx, account)
                .await
                .map_err(&fail)?;
            Ok(download(
                "outbox.json",
                "application/activity+json",
                outbox.to_string(),
            ))
        }
        _ => Err(fail(Error::not_found("no such export"))),
    }
}
