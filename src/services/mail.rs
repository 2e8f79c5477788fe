//! Mail: what we write to people (a sign-up's confirmation link, a password-reset
//! link, the moderators' news of a sign-up waiting, an applicant's approval or
//! rejection, a moderator's warning), queued in `outgoing_mail` inside the
//! transaction of what it tells of, and sent over SMTP (`STAFFROOM_SMTP_URL`, with
//! `lettre`) by the worker every `serve` runs. Without SMTP the worker drops what
//! is queued (saying so in the log), and admins reset passwords on the command line.
//!
//! Links need the instance's address, which the command line (which queues mail
//! too) may not know as `serve` does: bodies say `{{instance}}` and the worker puts
//! the address in. Text people wrote (a warning's note) cannot hold that marker.

use crate::{
    context::AppContext,
    db::{
        self,
        users::{Role, User},
        UserId,
    },
    error::{Error, Result},
};
use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use lettre::{
    message::header::ContentType, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::time::Duration as StdDuration;

const INSTANCE: &str = "{{instance}}";
/// A password-reset link works this long, once.
pub const RESET_VALID_MINUTES: i64 = 60;
/// A confirmation link works this long, once.
pub const CONFIRM_VALID_DAYS: i64 = 2;
const MAX_ATTEMPTS: i32 = 10;
const BATCH: i64 = 20;
/// How long a claimed mail is left to this process before another may try it.
const LEASE_SECS: i64 = 120;

fn user_text(text: &str) -> String {
    text.replace(INSTANCE, "{instance}")
}

/// Queues a mail; sent after the transaction commits (within a poll of the worker).
pub async fn queue(
    conn: &mut AsyncPgConnection,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<()> {
    db::mail::queue(conn, to, subject, body).await?;
    tracing::info!(subject, "mail queued");
    Ok(())
}

/// A single-use link token for `user`, stored as its SHA-256; the token is returned
/// for the mail, never stored.
async fn new_token(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: &str,
    email: &str,
    valid: Duration,
) -> Result<String> {
    db::mail::delete_tokens(conn, user, purpose).await?;
    let token = super::tokens::random_token();
    db::mail::insert_token(
        conn,
        user,
        purpose,
        &super::tokens::hash_token(&token),
        email,
        Utc::now() + valid,
    )
    .await?;
    Ok(token)
}

/// After a sign-up that gave an address: a link that confirms it.
pub async fn confirmation(conn: &mut AsyncPgConnection, user: &User, username: &str) -> Result<()> {
    let Some(email) = user.email.as_deref() else {
        return Ok(());
    };
    let token = new_token(
        conn,
        user.id,
        "confirm",
        email,
        Duration::days(CONFIRM_VALID_DAYS),
    )
    .await?;
    let body = format!(
        "Hello @{username},\n\nplease confirm that this is your address by opening this link:\n\n{INSTANCE}/auth/confirmation?token={token}\n\n\
         It works once, for {CONFIRM_VALID_DAYS} days. If you did not sign up at {INSTANCE}, ignore this mail.\n"
    );
    queue(conn, email, "Confirm your email address", &body).await
}

/// Confirms the address a confirmation link was sent to; the user's name.
#[tracing::instrument(skip_all)]
pub async fn confirm(pool: &db::DbPool, token: &str) -> Result<String> {
    use diesel_async::AsyncConnection;
    let mut conn = pool.get().await?;
    let hash = super::tokens::hash_token(token.trim());
    conn.transaction::<_, Error, _>(async |conn| {
        let found = db::mail::find_token(conn, "confirm", &hash)
            .await?
            .ok_or_else(invalid_link)?;
        if !db::mail::take_token(conn, found.id).await?
            || !User::confirm_email(conn, found.user_id, &found.email).await?
        {
            return Err(invalid_link());
        }
        let user = User::find(conn, found.user_id)
            .await?
            .ok_or_else(invalid_link)?;
        let account = db::accounts::Account::find(conn, user.account_id)
            .await?
            .ok_or_else(invalid_link)?;
        tracing::info!(account_id = %account.id, "email address confirmed");
        Ok(account.username)
    })
    .await
}

fn invalid_link() -> Error {
    Error::bad_request(
        "This link is not valid: it has been used already or has expired. Ask for a new one.",
    )
}

/// Someone asks for a password-reset link for `login` (a username or an address).
/// The answer never says whether such an account exists; the link goes only to a
/// confirmed address of an account that may sign in.
#[tracing::instrument(skip_all)]
pub async fn request_reset(pool: &db::DbPool, login: &str) -> Result<()> {
    use diesel_async::AsyncConnection;
    let login = login.trim();
    let mut conn = pool.get().await?;
    let found = if login.contains('@') {
        User::find_by_email(&mut conn, login).await?
    } else {
        match db::accounts::Account::find_local(&mut conn, login).await? {
            Some(account) => User::find_by_account(&mut conn, account.id)
                .await?
                .map(|u| (u, account)),
            None => None,
        }
    };
    let Some((user, account)) = found else {
        tracing::info!("password reset asked for an unknown account");
        return Ok(());
    };
    let (Some(email), Some(_)) = (user.email.clone(), user.email_confirmed_at) else {
        tracing::info!(account_id = %account.id, "password reset asked for an account without a confirmed address");
        return Ok(());
    };
    if super::accounts::may_sign_in(&user, &account).is_err() {
        tracing::info!(account_id = %account.id, "password reset asked for an account that may not sign in");
        return Ok(());
    }
    conn.transaction::<_, Error, _>(async |conn| {
        let token = new_token(conn, user.id, "reset", &email, Duration::minutes(RESET_VALID_MINUTES)).await?;
        let body = format!(
            "Hello @{},\n\nsomeone (you, we hope) asked to set a new password for your account at {INSTANCE}. To choose one, open this link:\n\n\
             {INSTANCE}/auth/password/edit?token={token}\n\nIt works once, for {RESET_VALID_MINUTES} minutes. If you did not ask, ignore this mail: your password stays as it is.\n",
            account.username
        );
        queue(conn, &email, "Set a new password", &body).await
    })
    .await
}

/// Whether a reset link is good (for the page that asks for the new password).
pub async fn reset_link_is_valid(pool: &db::DbPool, token: &str) -> Result<bool> {
    let mut conn = pool.get().await?;
    Ok(
        db::mail::find_token(&mut conn, "reset", &super::tokens::hash_token(token.trim()))
            .await?
            .is_some(),
    )
}

/// Sets the password a reset link was sent for; the link is used up, and the
/// user's sessions and tokens end (whoever knew the old password is out).
#[tracing::instrument(skip_all)]
pub async fn reset_password(pool: &db::DbPool, token: &str, password: &str) -> Result<String> {
    use diesel_async::AsyncConnection;
    super::accounts::validate_password(password)?;
    let hash = super::tokens::hash_token(token.trim());
    let mut conn = pool.get().await?;
    let found = db::mail::find_token(&mut conn, "reset", &hash)
        .await?
        .ok_or_else(invalid_link)?;
    let password_hash = {
        let p = password.to_string();
        tokio::task::spawn_blocking(move || super::accounts::hash_password(&p))
            .await
            .map_err(Error::internal)??
    };
    conn.transaction::<_, Error, _>(async |conn| {
        if !db::mail::take_token(conn, found.id).await? {
            return Err(invalid_link());
        }
        let user = User::find(conn, found.user_id).await?.ok_or_else(invalid_link)?;
        let account = db::accounts::Account::find(conn, user.account_id).await?.ok_or_else(invalid_link)?;
        User::set_password_hash(conn, user.id, &password_hash).await?;
        db::mail::delete_tokens(conn, user.id, "reset").await?;
        let sessions = db::web_sessions::delete_all_for_user(conn, user.id).await?;
        let revoked = db::tokens::revoke_all_for_user(conn, user.id).await?;
        tracing::info!(account_id = %account.id, sessions, revoked, "password set with a mailed link");
        Ok(account.username)
    })
    .await
}

/// Tells the moderators (those with a confirmed address) of a sign-up waiting.
pub async fn sign_up_waiting(
    conn: &mut AsyncPgConnection,
    username: &str,
    reason: Option<&str>,
) -> Result<()> {
    let moderators =
        User::confirmed_emails_with_roles(conn, &[Role::Owner, Role::Admin, Role::Moderator])
            .await?;
    let body = format!(
        "@{username} asks to join {INSTANCE}. They wrote:\n\n{}\n\nApprove or reject the sign-up at {INSTANCE}/admin/joining (or: staffroom user approve {username}).\n",
        user_text(reason.unwrap_or("(nothing)"))
    );
    for to in moderators {
        queue(
            conn,
            &to,
            &format!("New sign-up waiting: @{username}"),
            &body,
        )
        .await?;
    }
    Ok(())
}

/// Tells an applicant that their sign-up was approved, or not.
pub async fn sign_up_decided(
    conn: &mut AsyncPgConnection,
    user: &User,
    username: &str,
    approved: bool,
) -> Result<()> {
    let Some(email) = user.email.as_deref() else {
        return Ok(());
    };
    if approved {
        let body = format!("Hello @{username},\n\nyour account at {INSTANCE} is approved: sign in at {INSTANCE}/auth/sign_in.\n");
        queue(conn, email, "Your account is approved", &body).await
    } else {
        let body = format!("Hello,\n\nyour sign-up as @{username} at {INSTANCE} was not accepted, and the account is deleted.\n");
        queue(conn, email, "Your sign-up was not accepted", &body).await
    }
}

/// Tells a teacher what a moderator did about their account, with the note.
pub async fn moderated(
    conn: &mut AsyncPgConnection,
    user: &User,
    username: &str,
    what: &str,
    note: &str,
) -> Result<()> {
    let Some(email) = user.email.as_deref() else {
        return Ok(());
    };
    let note = if note.trim().is_empty() {
        "(no note)".to_string()
    } else {
        user_text(note.trim())
    };
    let body = format!("Hello @{username},\n\nthe moderators of {INSTANCE} {what}. Their note:\n\n{note}\n\nThe rules of the instance: {INSTANCE}/about\n");
    queue(conn, email, "A message from the moderators", &body).await
}

/// The sender of our mail: `STAFFROOM_MAIL_FROM`, or `noreply@` our host.
fn sender(ctx: &AppContext) -> lettre::message::Mailbox {
    let host = ctx.urls.domain().split(':').next().unwrap_or("localhost");
    ctx.settings
        .mail_from
        .as_deref()
        .and_then(|f| f.parse().ok())
        .or_else(|| format!("Staffroom <noreply@{host}>").parse().ok())
        .unwrap_or_else(|| {
            "Staffroom <noreply@localhost>"
                .parse()
                .expect("a valid address")
        })
}

/// Sends what is queued, until `stopped`. Every `serve` runs one; a mail is taken
/// by one process at a time.
pub async fn run(
    ctx: AppContext,
    wake: std::sync::Arc<tokio::sync::Notify>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let transport = match ctx.settings.smtp_url.as_ref().map(|u| {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(u.expose())
            .and_then(|b| with_extra_roots(b, u.expose(), ctx.settings.extra_ca.as_ref()))
    }) {
        None => None,
        Some(Ok(builder)) => Some(builder.timeout(Some(StdDuration::from_secs(30))).build()),
        Some(Err(e)) => {
            tracing::error!(error = %e, "STAFFROOM_SMTP_URL cannot be used: mail is not sent");
            None
        }
    };
    let from = sender(&ctx);
    loop {
        if let Err(e) = send_due(&ctx, transport.as_ref(), &from).await {
            tracing::warn!(error = %e, "sending mail failed; trying again shortly");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(StdDuration::from_secs(2)) => {}
            _ = stopped.changed() => return,
        }
        if *stopped.borrow() {
            return;
        }
    }
}

async fn send_due(
    ctx: &AppContext,
    transport: Option<&AsyncSmtpTransport<Tokio1Executor>>,
    from: &lettre::message::Mailbox,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    loop {
        let due = db::mail::claim_due(&mut conn, BATCH, LEASE_SECS).await?;
        if due.is_empty() {
            return Ok(());
        }
        for mail in due {
            let Some(transport) = transport else {
                tracing::info!(mail_id = mail.id, subject = %mail.subject, "mail not sent: STAFFROOM_SMTP_URL is not set");
                db::mail::delete(&mut conn, mail.id).await?;
                continue;
            };
            let body = mail.body.replace(INSTANCE, ctx.urls.base());
            let message = mail
                .recipient
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| e.to_string())
                .and_then(|to| {
                    Message::builder()
                        .from(from.clone())
                        .to(to)
                        .subject(mail.subject.clone())
                        .header(ContentType::TEXT_PLAIN)
                        .body(body)
                        .map_err(|e| e.to_string())
                });
            let message = match message {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(mail_id = mail.id, error = %e, "mail dropped: it cannot be written");
                    db::mail::delete(&mut conn, mail.id).await?;
                    continue;
                }
            };
            match transport.send(message).await {
                Ok(_) => {
                    tracing::info!(mail_id = mail.id, subject = %mail.subject, "mail sent");
                    crate::metrics::mail_sent(true);
                    db::mail::delete(&mut conn, mail.id).await?;
                }
                Err(e) if mail.attempts >= MAX_ATTEMPTS || e.is_permanent() => {
                    tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %e, "mail given up on");
                    crate::metrics::mail_sent(false);
                    db::mail::delete(&mut conn, mail.id).await?;
                }
                Err(e) => {
                    let wait = Duration::seconds(30i64 << mail.attempts.clamp(0, 9));
                    tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %e, "mail not sent; trying again later");
                    db::mail::failed(&mut conn, mail.id, &e.to_string(), Utc::now() + wait).await?;
                }
            }
        }
    }
}

/// The transport's TLS, trusting `STAFFROOM_EXTRA_CA_FILE`'s authorities beside the
/// built-in roots (a school's own mail server); as lettre's `from_url` would set it.
fn with_extra_roots(
    builder: lettre::transport::smtp::AsyncSmtpTransportBuilder,
    url: &str,
    extra: Option<&crate::config::ExtraCa>,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, lettre::transport::smtp::Error> {
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    let Some(extra) = extra else {
        return Ok(builder);
    };
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(builder);
    };
    let Some(host) = parsed.host_str() else {
        return Ok(builder);
    };
    let mut params = TlsParameters::builder(host.to_string());
    for cert in openssl::x509::X509::stack_from_pem(&extra.pem).unwrap_or_default() {
        if let Some(cert) = cert
            .to_pem()
            .ok()
            .and_then(|p| Certificate::from_pem(&p).ok())
        {
            params = params.add_root_certificate(cert);
        }
    }
    let params = params.build()?;
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_string());
    Ok(match (parsed.scheme(), tls.as_deref()) {
        ("smtps", _) => builder.tls(Tls::Wrapper(params)),
        ("smtp", Some("required")) => builder.tls(Tls::Required(params)),
        ("smtp", Some("opportunistic")) => builder.tls(Tls::Opportunistic(params)),
        _ => builder,
    })
}
