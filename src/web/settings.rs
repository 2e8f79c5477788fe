//! `/settings/profile`: what others see (display name, bio, locked, discoverable,
//! indexable;
//! services::accounts::update_profile, which sends followers' servers an `Update`
//! as the API's update_credentials does) and what the teacher prefers (the
//! visibility the compose form starts with, the language of the pages). Also the
//! navigation all settings pages share.

use super::{
    i18n::{t, Lang, Msg},
    session::{self, Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    db::statuses::Visibility,
    error::ErrorKind,
    services::{
        self,
        accounts::{Preferences, ProfileChange},
    },
};
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

/// The settings pages, in the order the navigation lists them.
const PAGES: [(&str, Msg); 6] = [
    ("/settings/profile", Msg::ProfileSettingsNav),
    ("/settings/password", Msg::PasswordNav),
    ("/settings/sessions", Msg::SessionsNav),
    ("/settings/apps", Msg::AppsNav),
    ("/settings/moving", Msg::MovingNav),
    ("/settings/invites", Msg::InvitesNav),
];

/// The navigation between settings pages; `current` is marked for screen readers.
pub fn nav(lang: Lang, current: &str) -> Markup {
    html! {
        nav.settings aria-label=(t(lang, Msg::SettingsNav)) {
            ul {
                @for (path, label) in PAGES {
                    li { a href=(path) aria-current=[(path == current).then_some("page")] { (t(lang, label)) } }
                }
            }
        }
    }
}

/// The visibilities in the order they are offered, with their labels.
pub const VISIBILITIES: [(Visibility, Msg); 4] = [
    (Visibility::Public, Msg::VisibilityPublic),
    (Visibility::Unlisted, Msg::VisibilityUnlisted),
    (Visibility::Private, Msg::VisibilityPrivate),
    (Visibility::Direct, Msg::VisibilityDirect),
];

/// What the form shows: the stored values, or what was just sent when it was refused.
struct Fields {
    display_name: String,
    note: String,
    locked: bool,
    discoverable: bool,
    indexable: bool,
    default_visibility: Visibility,
    language: String,
}

fn form_page(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    status: StatusCode,
    fields: &Fields,
    note: Option<(bool, &str)>,
) -> HttpResponse {
    let lang = browser.lang;
    let body = html! {
        h1 { (t(lang, Msg::ProfileSettingsTitle)) }
        (nav(lang, "/settings/profile"))
        @if let Some((problem, text)) = note { p.alert[problem] role=(if problem { "alert" } else { "status" }) { (text) } }
        form.settings method="post" action="/settings/avatar" enctype="multipart/form-data" {
            (browser.csrf_field())
            fieldset {
                legend { (t(lang, Msg::AvatarLegend)) }
                @if let Some(key) = &browser.account().avatar_key {
                    p { img.avatar src=(ctx.urls.media_file(key)) alt=(t(lang, Msg::YourAvatar)) width="96" height="96"; }
                }
                p {
                    label for="avatar" { (t(lang, Msg::AvatarField)) }
                    input #avatar type="file" name="avatar" accept="image/jpeg,image/png,image/webp,image/gif" required;
                }
                p { button type="submit" { (t(lang, Msg::AvatarButton)) } }
            }
        }
        form.settings method="post" action="/settings/profile" {
            (browser.csrf_field())
            fieldset {
                legend { (t(lang, Msg::ProfileLegend)) }
                p {
                    label for="display_name" { (t(lang, Msg::DisplayName)) }
                    input #display_name name="display_name" value=(fields.display_name) maxlength=(services::accounts::MAX_DISPLAY_NAME_CHARS) autocomplete="name";
                }
                p {
                    label for="note" { (t(lang, Msg::Bio)) }
                    textarea #note name="note" maxlength=(services::accounts::MAX_NOTE_CHARS) aria-describedby="note_hint" { (fields.note) }
                    small #note_hint { (t(lang, Msg::BioHint)) }
                }
                p.check {
                    input #locked type="checkbox" name="locked" value="true" checked[fields.locked] aria-describedby="locked_hint";
                    " " label for="locked" { (t(lang, Msg::Locked)) }
                    br; small #locked_hint { (t(lang, Msg::LockedHint)) }
                }
                p.check {
                    input #discoverable type="checkbox" name="discoverable" value="true" checked[fields.discoverable] aria-describedby="discoverable_hint";
                    " " label for="discoverable" { (t(lang, Msg::Discoverable)) }
                    br; small #discoverable_hint { (t(lang, Msg::DiscoverableHint)) }
                }
                p.check {
                    input #indexable type="checkbox" name="indexable" value="true" checked[fields.indexable] aria-describedby="indexable_hint";
                    " " label for="indexable" { (t(lang, Msg::Indexable)) }
                    br; small #indexable_hint { (t(lang, Msg::IndexableHint)) }
                }
            }
            fieldset {
                legend { (t(lang, Msg::PreferencesLegend)) }
                p {
                    label for="default_visibility" { (t(lang, Msg::DefaultVisibility)) }
                    select #default_visibility name="default_visibility" {
                        @for (v, label) in VISIBILITIES {
                            option value=(v.as_str()) selected[v == fields.default_visibility] { (t(lang, label)) }
                        }
                    }
                }
                p {
                    label for="language" { (t(lang, Msg::Language)) }
                    select #language name="language" {
                        option value="" selected[fields.language.is_empty()] { (t(lang, Msg::BrowserLanguage)) }
                        @for l in Lang::ALL {
                            option value=(l.code()) lang=(l.code()) selected[fields.language == l.code()] { (l.name()) }
                        }
                    }
                }
            }
            p { button type="submit" { (t(lang, Msg::SaveButton)) } }
        }
    };
    let mut res = super::private_response(super::frame(
        lang,
        t(lang, Msg::ProfileSettingsTitle),
        ctx.urls.domain(),
        Some(browser),
        body,
    ));
    *res.status_mut() = status;
    res
}

fn stored(browser: &SignedInBrowser) -> Fields {
    let account = browser.account();
    let user = &browser.session.user;
    Fields {
        display_name: account.display_name.clone(),
        // The bio is stored rendered; the teacher edits its words.
        note: crate::content::html_to_text(&account.note),
        locked: account.locked,
        discoverable: account.discoverable,
        indexable: account.indexable,
        default_visibility: Visibility::from_i16(user.default_visibility),
        language: user.language.clone().unwrap_or_default(),
    }
}

pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> HttpResponse {
    let saved = req.query_string() == "saved";
    let note = saved.then(|| (false, t(browser.lang, Msg::SettingsSaved)));
    form_page(&ctx, &browser, StatusCode::OK, &stored(&browser), note)
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    note: String,
    /// Checkboxes are sent only when ticked.
    #[serde(default)]
    locked: Option<String>,
    #[serde(default)]
    discoverable: Option<String>,
    #[serde(default)]
    indexable: Option<String>,
    #[serde(default)]
    default_visibility: String,
    #[serde(default)]
    language: String,
}

/// `POST /settings/avatar` (`multipart/form-data`): a new profile picture, processed
/// as the API's `avatar` is; a refused file shows the form again with the reason.
#[tracing::instrument(skip_all)]
pub async fn save_avatar(
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
    let file = parts.files.remove("avatar").filter(|f| !f.bytes.is_empty());
    let Some(file) = file else {
        return Ok(session::see_other("/settings/profile"));
    };
    let avatar = services::media::ImageFile {
        bytes: file.bytes,
        declared_type: file.content_type,
    };
    let change = ProfileChange {
        avatar: Some(avatar),
        ..Default::default()
    };
    match services::accounts::update_profile(&ctx, browser.account(), change).await {
        Ok(_) => Ok(session::see_other("/settings/profile?saved")),
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Unprocessable | ErrorKind::TooLarge | ErrorKind::BadRequest
            ) =>
        {
            Ok(form_page(
                &ctx,
                &browser,
                StatusCode::UNPROCESSABLE_ENTITY,
                &stored(&browser),
                Some((true, &e.message)),
            ))
        }
        Err(e) => Err(Failure::from(lang)(e)),
    }
}

/// `POST /settings/profile`. The profile is changed (and announced) only when it
/// differs, so saving a preference does not send every follower's server an Update.
#[tracing::instrument(skip_all)]
pub async fn save(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: SettingsForm = browser.form(&body)?;
    let fields = Fields {
        display_name: form.display_name.trim().to_string(),
        note: form.note.trim().to_string(),
        locked: form.locked.is_some(),
        discoverable: form.discoverable.is_some(),
        indexable: form.indexable.is_some(),
        default_visibility: Visibility::parse(&form.default_visibility)
            .unwrap_or(Visibility::Public),
        language: form.language.trim().to_string(),
    };
    let before = stored(&browser);
    let profile_changed = fields.display_name != before.display_name
        || fields.note != before.note
        || fields.locked != before.locked
        || fields.discoverable != before.discoverable
        || fields.indexable != before.indexable;
    let refused = |e: crate::error::Error| -> Result<HttpResponse, Failure> {
        if e.kind == ErrorKind::BadRequest {
            Ok(form_page(
                &ctx,
                &browser,
                StatusCode::BAD_REQUEST,
                &fields,
                Some((true, &e.message)),
            ))
        } else {
            Err(Failure::from(lang)(e))
        }
    };
    if profile_changed {
        let change = ProfileChange {
            display_name: Some(fields.display_name.clone()),
            note: Some(fields.note.clone()),
            locked: Some(fields.locked),
            discoverable: Some(fields.discoverable),
            indexable: Some(fields.indexable),
            ..Default::default()
        };
        if let Err(e) = services::accounts::update_profile(&ctx, browser.account(), change).await {
            return refused(e);
        }
    }
    let preferences = Preferences {
        default_visibility: fields.default_visibility,
        language: Some(fields.language.clone()),
    };
    if let Err(e) =
        services::accounts::set_preferences(&ctx.pool, browser.session.user.id, preferences).await
    {
        return refused(e);
    }
    Ok(session::see_other("/settings/profile?saved"))
}
