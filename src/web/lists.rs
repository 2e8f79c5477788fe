//! `/lists`: a teacher's lists (services::lists), a new one, and each list's page
//! (`/lists/{id}`): its timeline, paginated as the API's, and its members, with
//! forms to add someone one follows, remove a member, or delete the list.

use super::{
    i18n::{t, tf, Msg},
    posts,
    session::{self, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::pagination::Page,
    services,
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

pub async fn index(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let lists = services::lists::all(&ctx, browser.account())
        .await
        .map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (t(lang, Msg::ListsTitle)) }
        @if lists.is_empty() { p { (t(lang, Msg::ListsEmpty)) } }
        ul.lists {
            @for list in &lists {
                li { a href=(format!("/lists/{}", list.id)) { (list.title) } }
            }
        }
        h2 { (t(lang, Msg::NewList)) }
        form method="post" action="/lists" {
            (browser.csrf_field())
            label for="list-title" { (t(lang, Msg::ListTitleLabel)) }
            input #list-title type="text" name="title" required maxlength="256";
            label { input type="checkbox" name="exclusive" value="true"; " " (t(lang, Msg::ListExclusiveLabel)) }
            button type="submit" { (t(lang, Msg::CreateList)) }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::ListsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

#[derive(Deserialize)]
pub struct NewList {
    #[serde(default)]
    title: String,
    #[serde(default)]
    exclusive: Option<String>,
}

/// `POST /lists`.
pub async fn create(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: NewList = browser.form(&body)?;
    let list = services::lists::create(
        &ctx,
        browser.account(),
        &form.title,
        None,
        form.exclusive.is_some(),
    )
    .await
    .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!("/lists/{}", list.id)))
}

pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let me = browser.account();
    let list = services::lists::get(&ctx, me, &id)
        .await
        .map_err(Failure::from(lang))?;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    let views = services::lists::timeline(&ctx, me, &id, page)
        .await
        .map_err(Failure::from(lang))?;
    let members = services::lists::members(
        &ctx,
        me,
        &id,
        Page {
            limit: 0,
            ..Page::default()
        },
    )
    .await
    .map_err(Failure::from(lang))?;
    // Whom one may add: the accounts one follows (the first page of them) not in the list yet.
    let following = services::timelines::following(&ctx, me.id, Page::newest(80))
        .await
        .map_err(Failure::from(lang))?;
    let addable: Vec<_> = following
        .accounts
        .iter()
        .filter(|(_, a, _)| !members.iter().any(|(_, m, _)| m.id == a.id))
        .collect();
    let path = format!("/lists/{}", list.id);
    let body = html! {
        h1 { (list.title) }
        @if list.exclusive { p { (t(lang, Msg::ListIsExclusive)) } }
        h2 { (t(lang, Msg::ListMembers)) }
        @if members.is_empty() { p { (t(lang, Msg::ListNoMembers)) } }
        ul.people {
            @for (_, account, _) in &members {
                li {
                    a href=(super::profile_path(account)) { strong { (posts::shown_name(account)) } }
                    " " span.handle { (posts::handle(&ctx, account)) }
                    form method="post" action=(format!("{path}/remove/{}", account.id)) {
                        (browser.csrf_field())
                        button type="submit" aria-label=(tf(lang, Msg::RemoveFromListNamed, &[("name", posts::shown_name(account))])) { (t(lang, Msg::RemoveFromList)) }
                    }
                }
            }
        }
        @if !addable.is_empty() {
            form method="post" action=(format!("{path}/add")) {
                (browser.csrf_field())
                label for="list-add" { (t(lang, Msg::AddToListLabel)) }
                select #list-add name="account" {
                    @for (_, account, _) in &addable {
                        option value=(account.id) { (posts::shown_name(account)) " (" (posts::handle(&ctx, account)) ")" }
                    }
                }
                button type="submit" { (t(lang, Msg::AddToList)) }
            }
        }
        h2 { (t(lang, Msg::ListPosts)) }
        (posts::list(&ctx, lang, Some(&browser), &views, &page, &path, Msg::ListEmpty))
        form method="post" action=(format!("{path}/delete")) {
            (browser.csrf_field())
            button type="submit" { (t(lang, Msg::DeleteList)) }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        &list.title,
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

#[derive(Deserialize)]
pub struct Member {
    #[serde(default)]
    account: String,
}

/// `POST /lists/{id}/add`, `/lists/{id}/remove/{account}`, `/lists/{id}/delete`.
pub async fn act(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let (id, verb) = path.into_inner();
    let me = browser.account();
    match verb.as_str() {
        "add" => {
            let form: Member = browser.form(&body)?;
            services::lists::add_members(&ctx, me, &id, &[form.account])
                .await
                .map_err(Failure::from(lang))?;
        }
        "delete" => {
            let _: Vec<(String, String)> = browser.form(&body)?;
            services::lists::delete(&ctx, me, &id)
                .await
                .map_err(Failure::from(lang))?;
            return Ok(session::see_other("/lists"));
        }
        _ => {
            return Err(Failure::from(lang)(crate::error::Error::not_found(
                "no such action",
            )))
        }
    }
    Ok(session::see_other(&format!("/lists/{id}")))
}

pub async fn remove(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (id, account) = path.into_inner();
    services::lists::remove_members(&ctx, browser.account(), &id, &[account])
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!("/lists/{id}")))
}
