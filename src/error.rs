//! One error type for the whole server: a kind that decides the HTTP status and
//! what the caller may see, and a cause that only the logs see.

use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    BadRequest,
    Forbidden,
    Unauthorized,
    Conflict,
    Gone,
    Unprocessable,
    /// A request body over its limit (413).
    TooLarge,
    BadSignature,
    RemoteFailed,
    Unavailable,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Unauthorized | ErrorKind::BadSignature => StatusCode::UNAUTHORIZED,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Gone => StatusCode::GONE,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::RemoteFailed => StatusCode::BAD_GATEWAY,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `message` is safe to show to whoever sent the request; `cause` is not.
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub cause: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            cause: None,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, what)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::BadRequest, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Conflict, message)
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Error {
            kind: ErrorKind::Internal,
            message: "internal error".into(),
            cause: Some(cause.into()),
        }
    }

    pub fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(cause.into());
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause:#}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {cause:#}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Error::not_found("not found"),
            other => Error::internal(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Error {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Error::new(ErrorKind::Unavailable, "database unavailable").with_cause(e)
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.kind == ErrorKind::Internal || self.kind == ErrorKind::Unavailable {
            tracing::error!(kind = ?self.kind, error = %self, "request failed");
        } else if let Some(cause) = &self.cause {
            tracing::info!(kind = ?self.kind, message = %self.message, cause = %format!("{cause:#}"), "request refused");
        }
        // Mastodon's error shape, which fediverse software and client apps both read.
        if self.kind == ErrorKind::Unprocessable {
            // Mastodon's validation errors carry per-field `details`; apps read `error`.
            return HttpResponse::build(self.status_code())
                .json(serde_json::json!({ "error": self.message, "details": {} }));
        }
        HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": self.message }))
    }
}
