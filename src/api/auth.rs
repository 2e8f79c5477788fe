//! Bearer-token authentication and Mastodon's scope checks.

use crate::{
    context::AppContext,
    db::{accounts::Account, users::User},
    error::{Error, ErrorKind},
    services::tokens,
};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

/// The signed-in user behind a request's `Authorization: Bearer` token.
pub struct Auth {
    pub user: User,
    pub account: Account,
    pub scopes: String,
}

impl Auth {
    /// 403 unless the token grants `scope` (Mastodon's wording).
    pub fn require(&self, scope: &str) -> Result<(), Error> {
        if tokens::allows(&self.scopes, scope) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Forbidden,
                "This action is outside the authorized scopes",
            ))
        }
    }
}

impl FromRequest for Auth {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = AnyToken::from_request(req, payload);
        Box::pin(async move {
            let token = token.await?;
            match token.user {
                Some((user, account)) => Ok(Auth {
                    user,
                    account,
                    scopes: token.scopes,
                }),
                // An app-only token (client credentials) reaches public and app endpoints only.
                None => Err(Error::new(
                    ErrorKind::Forbidden,
                    "This method requires an authenticated user",
                )),
            }
        })
    }
}

/// Any live token, also an app's own one without a user (`client_credentials`).
pub struct AnyToken {
    pub name: String,
    pub scopes: String,
    pub app_id: Option<i64>,
    pub user: Option<(User, Account)>,
}

impl FromRequest for AnyToken {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<AnyToken, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<AppContext>>().cloned();
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        Box::pin(async move {
            let ctx =
                ctx.ok_or_else(|| Error::internal(anyhow::anyhow!("no application context")))?;
            let token = token.ok_or_else(|| {
                Error::new(ErrorKind::Unauthorized, "The access token is invalid")
            })?;
            match tokens::authenticate(&ctx.pool, &token).await? {
                Some(t) => Ok(AnyToken {
                    name: t.name,
                    scopes: t.scopes,
                    app_id: t.app_id,
                    user: t.user,
                }),
                None => Err(Error::new(
                    ErrorKind::Unauthorized,
                    "The access token is invalid",
                )),
            }
        })
    }
}

/// A token when the request carries one (then it must be valid), else an anonymous
/// reader: for what Mastodon shows without signing in (public timelines, profiles).
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequest for MaybeAuth {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeAuth, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if req.headers().get("authorization").is_none() {
            return Box::pin(async { Ok(MaybeAuth(None)) });
        }
        let auth = Auth::from_request(req, payload);
        Box::pin(async move { Ok(MaybeAuth(Some(auth.await?))) })
    }
}

impl MaybeAuth {
    /// The signed-in account, after checking `scope` if there is a token.
    pub fn account(&self, scope: &str) -> Result<Option<&Account>, Error> {
        match &self.0 {
            Some(auth) => {
                auth.require(scope)?;
                Ok(Some(&auth.account))
            }
            None => Ok(None),
        }
    }
}
