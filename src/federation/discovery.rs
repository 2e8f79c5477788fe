//! How remote servers find accounts here: WebFinger, host-meta and NodeInfo, shaped
//! as Mastodon and GoToSocial serve them.

use crate::{
    context::AppContext,
    error::{Error, ErrorKind, Result},
    services,
};
use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

const JRD: &str = "application/jrd+json; charset=utf-8";
const NODEINFO_20: &str = "http://nodeinfo.diaspora.software/ns/schema/2.0";
const NODEINFO_21: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

#[derive(Deserialize, Debug)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// Who a WebFinger resource names.
#[derive(Debug, PartialEq, Eq)]
enum Resource {
    Account(String),
    InstanceActor,
    /// Well formed, but not an account of this server.
    Elsewhere,
}

/// Accepts `acct:name@domain` (also without `acct:` and with a leading `@`, as
/// Mastodon does) and our own actor and profile URLs.
fn parse_resource(resource: &str, ctx_urls: &crate::urls::Urls) -> Result<Resource> {
    let resource = resource.trim();
    let malformed = || Error::bad_request("the resource must be acct:name@domain or an actor URL");
    if resource.starts_with("https://") || resource.starts_with("http://") {
        let url = url::Url::parse(resource).map_err(|_| malformed())?;
        if resource == ctx_urls.instance_actor() {
            return Ok(Resource::InstanceActor);
        }
        return Ok(
            match ctx_urls.local_username(url.as_str().trim_end_matches('/')) {
                Some(name) => Resource::Account(name.to_string()),
                None => Resource::Elsewhere,
            },
        );
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, domain) = acct.rsplit_once('@').ok_or_else(malformed)?;
    if user.is_empty()
        || domain.is_empty()
        || user.contains('@')
        || resource.contains(char::is_whitespace)
    {
        return Err(malformed());
    }
    if !domain.eq_ignore_ascii_case(ctx_urls.domain()) {
        return Ok(Resource::Elsewhere);
    }
    if user.eq_ignore_ascii_case(ctx_urls.domain()) {
        return Ok(Resource::InstanceActor);
    }
    Ok(Resource::Account(user.to_string()))
}

#[tracing::instrument(skip(ctx))]
pub async fn webfinger(
    ctx: web::Data<AppContext>,
    query: web::Query<WebfingerQuery>,
) -> Result<HttpResponse> {
    let resource = query
        .resource
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| {
            Error::bad_request(
                "the resource parameter is missing: ask for ?resource=acct:name@domain",
            )
        })?;
    let urls = &ctx.urls;
    let body = match parse_resource(resource, urls)? {
        Resource::Elsewhere => return Err(Error::not_found("no such account on this server")),
        Resource::InstanceActor => {
            let actor = urls.instance_actor();
            json!({
                "subject": format!("acct:{0}@{0}", urls.domain()),
                "aliases": [actor],
                "links": [
                    { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": format!("{}/about", urls.base()) },
                    { "rel": "self", "type": "application/activity+json", "href": actor },
                ]
            })
        }
        Resource::Account(name) => {
            // An account (teacher or group) called `name` wins over the hashtag `name`.
            let account = match services::accounts::find_local_account(&ctx.pool, &name).await {
                Err(e) if e.kind == ErrorKind::NotFound => {
                    services::tag_actors::for_handle(&ctx.pool, &name)
                        .await?
                        .ok_or(e)?
                }
                found => found?,
            };
            let name = &account.username;
            if let Some(handle) = services::tag_actors::handle(&ctx.pool, &account).await? {
                let tag = services::tag_actors::tag_of(&account).unwrap_or_default();
                return Ok(jrd(json!({
                    "subject": format!("acct:{handle}@{}", urls.domain()),
                    "aliases": [urls.tag(tag), urls.actor(name)],
                    "links": [
                        { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": urls.tag(tag) },
                        { "rel": "self", "type": "application/activity+json", "href": urls.actor(name) },
                    ]
                })));
            }
            json!({
                "subject": format!("acct:{name}@{}", urls.domain()),
                "aliases": [urls.profile(name), urls.actor(name)],
                "links": [
                    { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": urls.profile(name) },
                    { "rel": "self", "type": "application/activity+json", "href": urls.actor(name) },
                    { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": urls.authorize_interaction_template() },
                ]
            })
        }
    };
    Ok(jrd(body))
}

fn jrd(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(JRD)
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::CACHE_CONTROL, "max-age=259200, public"))
        .json(body)
}

pub async fn host_meta(ctx: web::Data<AppContext>) -> HttpResponse {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n",
        ctx.urls.base()
    );
    HttpResponse::Ok()
        .content_type("application/xrd+xml; charset=utf-8")
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body)
}

pub async fn nodeinfo_links(ctx: web::Data<AppContext>) -> HttpResponse {
    let base = ctx.urls.base();
    HttpResponse::Ok()
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(json!({
            "links": [
                { "rel": NODEINFO_20, "href": format!("{base}/nodeinfo/2.0") },
                { "rel": NODEINFO_21, "href": format!("{base}/nodeinfo/2.1") },
            ]
        }))
}

#[tracing::instrument(skip(ctx))]
pub async fn nodeinfo(
    ctx: web::Data<AppContext>,
    version: web::Path<String>,
) -> Result<HttpResponse> {
    let version = version.into_inner();
    let (schema, software) = match version.as_str() {
        "2.0" => (
            NODEINFO_20,
            json!({ "name": "staffroom", "version": env!("CARGO_PKG_VERSION") }),
        ),
        "2.1" => (
            NODEINFO_21,
            json!({ "name": "staffroom", "version": env!("CARGO_PKG_VERSION"), "homepage": ctx.urls.base() }),
        ),
        _ => {
            return Err(Error::not_found(
                "NodeInfo is served in versions 2.0 and 2.1",
            ))
        }
    };
    let usage = services::instance::usage(&ctx.pool).await?;
    Ok(HttpResponse::Ok()
        .content_type(format!("application/json; profile=\"{schema}#\""))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(json!({
            "version": version,
            "software": software,
            "protocols": ["activitypub"],
            "services": { "outbound": [], "inbound": [] },
            "usage": {
                "users": {
                    "total": usage.users,
                    "activeMonth": usage.active_month,
                    "activeHalfyear": usage.active_halfyear,
                },
                "localPosts": usage.local_posts,
            },
            // Accounts are made by an administrator (`staffroom user add`).
            "openRegistrations": false,
            "metadata": { "nodeName": ctx.urls.domain() },
        })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls::Urls;

    #[test]
    fn resources_are_parsed_as_mastodon_does() {
        let urls = Urls::new("https", "school.example");
        let account = |n: &str| Ok::<_, ()>(Resource::Account(n.into()));
        let parse = |r: &str| parse_resource(r, &urls).map_err(|_| ());
        assert_eq!(parse("acct:alice@school.example"), account("alice"));
        assert_eq!(parse("alice@school.example"), account("alice"));
        assert_eq!(parse("acct:@alice@School.Example"), account("alice"));
        assert_eq!(
            parse("https://school.example/users/alice"),
            account("alice")
        );
        assert_eq!(parse("https://school.example/@alice"), account("alice"));
        assert_eq!(
            parse("acct:school.example@school.example"),
            Ok(Resource::InstanceActor)
        );
        assert_eq!(
            parse("https://school.example/actor"),
            Ok(Resource::InstanceActor)
        );
        assert_eq!(parse("acct:alice@other.example"), Ok(Resource::Elsewhere));
        assert_eq!(
            parse("https://other.example/users/alice"),
            Ok(Resource::Elsewhere)
        );
        for bad in [
            "alice",
            "acct:",
            "acct:@school.example",
            "acct:alice@",
            "https://",
            "acct:a b@school.example",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
