//! Who may join: the registration mode (an instance setting admins change while it
//! runs), invites, sign-ups and their approval, the instance's rules that every
//! sign-up accepts, and password resets by an admin.
//!
//! Modes: `closed` (the default: only admins make accounts, from the command line),
//! `invite-only` (an invite is needed), `approval` (anyone may ask, stating a
//! reason; an admin or moderator approves or rejects), `open`. In `approval` and
//! `open`, an invite lets its holder in without waiting, as on Mastodon; in
//! `closed`, invites are refused too.

use super::{
    accounts::{self, CreatedUser, Joining, NewUser},
    roles::{audit, Acting, Permission, Target},
};
use crate::{
    db::{
        accounts::Account,
        invites::{self, Invite, InviteInsertForm},
        tokens,
        users::{Role, User},
        web_sessions, DbPool,
    },
    error::{Error, ErrorKind, Result},
};
use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    Closed,
    InviteOnly,
    Approval,
    Open,
}

impl RegistrationMode {
    pub const ALL: [RegistrationMode; 4] = [
        RegistrationMode::Closed,
        RegistrationMode::InviteOnly,
        RegistrationMode::Approval,
        RegistrationMode::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Closed => "closed",
            RegistrationMode::InviteOnly => "invite-only",
            RegistrationMode::Approval => "approval",
            RegistrationMode::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<RegistrationMode> {
        RegistrationMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether someone without an invite may sign up.
    pub fn open_to_all(self) -> bool {
        matches!(self, RegistrationMode::Approval | RegistrationMode::Open)
    }
}

const REGISTRATIONS: &str = "registrations";
const RULES: &str = "rules";
const DESCRIPTION: &str = "description";
const CONTACT: &str = "contact";
const INVITES_BY: &str = "invites_by";
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_RULES_CHARS: usize = 5000;
pub const MAX_REASON_CHARS: usize = 1000;
const MAX_EMAIL_BYTES: usize = 254;
const MAX_INVITE_DAYS: i64 = 3650;

/// Who may make invites beside admins (Mastodon's "allow invitations by").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitesBy {
    /// Admins only (the default: joining is the admins' business).
    Admins,
    /// Moderators too.
    Staff,
    /// Every teacher here.
    Everyone,
}

impl InvitesBy {
    pub const ALL: [InvitesBy; 3] = [InvitesBy::Admins, InvitesBy::Staff, InvitesBy::Everyone];

    pub fn as_str(self) -> &'static str {
        match self {
            InvitesBy::Admins => "admins",
            InvitesBy::Staff => "staff",
            InvitesBy::Everyone => "everyone",
        }
    }

    pub fn parse(s: &str) -> Option<InvitesBy> {
        InvitesBy::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// Whether `role` may make invites under this setting.
    pub fn allows(self, role: Role) -> bool {
        match self {
            InvitesBy::Admins => role >= Role::Admin,
            InvitesBy::Staff => role >= Role::Moderator,
            InvitesBy::Everyone => true,
        }
    }
}

async fn invites_by_in(conn: &mut AsyncPgConnection) -> Result<InvitesBy> {
    Ok(invites::setting(conn, INVITES_BY)
        .await?
        .and_then(|v| InvitesBy::parse(&v))
        .unwrap_or(InvitesBy::Admins))
}

pub async fn invites_by(pool: &DbPool) -> Result<InvitesBy> {
    let mut conn = pool.get().await?;
    invites_by_in(&mut conn).await
}

/// Whether `acting` may make invites: admins always, others as `invites_by` says.
pub async fn may_invite(pool: &DbPool, acting: &Acting) -> Result<bool> {
    Ok(acting.require(Permission::ManageInvites).is_ok()
        || invites_by(pool).await?.allows(acting.role))
}

pub async fn mode(pool: &DbPool) -> Result<RegistrationMode> {
    let mut conn = pool.get().await?;
    Ok(invites::setting(&mut conn, REGISTRATIONS)
        .await?
        .and_then(|v| RegistrationMode::parse(&v))
        .unwrap_or(RegistrationMode::Closed))
}

/// The instance's rules, one per line, as sign-up shows them.
pub async fn rules(pool: &DbPool) -> Result<Vec<String>> {
    let mut conn = pool.get().await?;
    let text = invites::setting(&mut conn, RULES)
        .await?
        .unwrap_or_default();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// What the about page and `/api/v1/instance` say of the instance, beside its rules.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Plain text; empty: none given.
    pub description: String,
    /// An address for questions about the instance; `None`: `STAFFROOM_CONTACT_EMAIL`.
    pub contact: Option<String>,
}

pub async fn profile(pool: &DbPool) -> Result<Profile> {
    let mut conn = pool.get().await?;
    Ok(Profile {
        description: invites::setting(&mut conn, DESCRIPTION)
            .await?
            .unwrap_or_default(),
        contact: invites::setting(&mut conn, CONTACT)
            .await?
            .filter(|c| !c.is_empty()),
    })
}

/// Changes an instance setting (`registrations`, `rules`, `description`,
/// `contact` or `invites_by`); needs `ManageSettings`.
#[tracing::instrument(skip(pool, value))]
pub async fn set_setting(pool: &DbPool, acting: &Acting, key: &str, value: &str) -> Result<()> {
    acting.require(Permission::ManageSettings)?;
    let value = match key {
        REGISTRATIONS => RegistrationMode::parse(value)
            .ok_or_else(|| Error::bad_request(format!("unknown registration mode {value:?}: use closed, invite-only, approval or open")))?
            .as_str()
            .to_string(),
        RULES if value.chars().count() > MAX_RULES_CHARS => {
            return Err(Error::bad_request(format!("the rules are longer than {MAX_RULES_CHARS} characters")));
        }
        RULES => value.trim().to_string(),
        DESCRIPTION if value.chars().count() > MAX_DESCRIPTION_CHARS => {
            return Err(Error::bad_request(format!("the description is longer than {MAX_DESCRIPTION_CHARS} characters")));
        }
        DESCRIPTION => value.trim().to_string(),
        CONTACT => {
            let value = value.trim();
            if !value.is_empty() {
                validate_email(value)?;
            }
            value.to_string()
        }
        INVITES_BY => InvitesBy::parse(value.trim())
            .ok_or_else(|| Error::bad_request(format!("unknown value {value:?} for invites_by: use admins, staff or everyone")))?
            .as_str()
            .to_string(),
        _ => return Err(Error::bad_request(format!("unknown setting {key:?}: the settings are registrations, rules, description, contact and invites_by"))),
    };
    let mut conn = pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        invites::set_setting(conn, key, &value).await?;
        let reason = if matches!(key, RULES | DESCRIPTION) {
            String::new()
        } else {
            value.clone()
        };
        audit(
            conn,
            acting,
            &format!("change_setting:{key}"),
            &Target {
                kind: "setting",
                id: None,
                name: key.to_string(),
            },
            &reason,
        )
        .await
    })
    .await
}

/// A new invite; needs `ManageInvites`, or a role the `invites_by` setting lets
/// invite. `max_uses` None: unlimited; `expires_in_days` None: never.
#[tracing::instrument(skip(pool))]
pub async fn create_invite(
    pool: &DbPool,
    acting: &Acting,
    max_uses: Option<u32>,
    expires_in_days: Option<u32>,
) -> Result<Invite> {
    if !may_invite(pool, acting).await? {
        acting.require(Permission::ManageInvites)?;
    }
    if max_uses == Some(0) {
        return Err(Error::bad_request(
            "--max-uses must be at least 1 (leave it out for no limit)",
        ));
    }
    let days = expires_in_days.map(i64::from);
    if days.is_some_and(|d| d == 0 || d > MAX_INVITE_DAYS) {
        return Err(Error::bad_request(format!("--expires-in must be between 1 and {MAX_INVITE_DAYS} days (leave it out for no expiry)")));
    }
    let form = InviteInsertForm {
        id: crate::db::new_id(),
        // 96 random bits in URL-safe characters: the code is the invite's only secret.
        code: super::tokens::random_token()[..16].to_string(),
        created_by: acting.account,
        max_uses: max_uses.map(|n| n.min(i32::MAX as u32) as i32),
        expires_at: days.map(|d| Utc::now() + Duration::days(d)),
    };
    let mut conn = pool.get().await?;
    let invite = conn
        .transaction::<_, Error, _>(async |conn| {
            let invite = Invite::insert(conn, &form).await?;
            audit(
                conn,
                acting,
                "create_invite",
                &Target {
                    kind: "invite",
                    id: Some(invite.id),
                    name: format!("invite {}", invite.id),
                },
                "",
            )
            .await?;
            Ok(invite)
        })
        .await?;
    Ok(invite)
}

/// Invites, newest first; needs `ManageInvites`.
pub async fn list_invites(pool: &DbPool, acting: &Acting) -> Result<Vec<Invite>> {
    acting.require(Permission::ManageInvites)?;
    let mut conn = pool.get().await?;
    Ok(Invite::page(&mut conn, None, None, 500).await?)
}

/// The invites `acting` made, newest first (a teacher's own invites page).
pub async fn own_invites(pool: &DbPool, acting: &Acting) -> Result<Vec<Invite>> {
    let Some(me) = acting.account else {
        return Ok(Vec::new());
    };
    let mut conn = pool.get().await?;
    Ok(Invite::page(&mut conn, Some(me), None, 500).await?)
}

/// Whether an invite code is good now (for the sign-up page, before the form).
pub async fn invite_is_valid(pool: &DbPool, code: &str) -> Result<bool> {
    let mut conn = pool.get().await?;
    let now = Utc::now();
    Ok(Invite::find_by_code(&mut conn, code)
        .await?
        .is_some_and(|i| {
            i.max_uses.is_none_or(|m| i.uses < m) && i.expires_at.is_none_or(|e| e > now)
        }))
}

/// What someone signing up gives (the web form, or `POST /api/v1/accounts`).
pub struct SignUp {
    pub username: String,
    pub email: Option<String>,
    pub password: String,
    /// They accepted the instance's rules.
    pub agreement: bool,
    pub reason: Option<String>,
    pub invite_code: Option<String>,
}

pub fn validate_email(email: &str) -> Result<()> {
    let ok = email.len() <= MAX_EMAIL_BYTES
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(format!("{email:?} is not an email address: give one like name@school.example, or leave it empty")))
    }
}

/// Signs someone up if the registration mode lets them: an account that may sign
/// in at once, or (`approval` without an invite) one that waits for an admin.
#[tracing::instrument(skip_all, fields(username = %form.username))]
pub async fn sign_up(pool: &DbPool, form: SignUp) -> Result<CreatedUser> {
    let mode = mode(pool).await?;
    let invite_code = form
        .invite_code
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    match (mode, &invite_code) {
        (RegistrationMode::Closed, _) => {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "Sign-ups are closed on this instance: ask its admins for an account",
            ))
        }
        (RegistrationMode::InviteOnly, None) => {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "This instance takes new members by invite only: ask its admins for an invite",
            ))
        }
        _ => {}
    }
    if !form.agreement {
        return Err(Error::bad_request(
            "accept the rules of this instance to sign up",
        ));
    }
    let email = form
        .email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty());
    if let Some(email) = &email {
        validate_email(email)?;
    }
    let reason = form
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let needs_approval = mode == RegistrationMode::Approval && invite_code.is_none();
    if needs_approval && reason.is_none() {
        return Err(Error::bad_request(
            "say why you want to join: an admin reads it before approving your account",
        ));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(Error::bad_request(format!(
            "the reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    let new = NewUser {
        username: form.username.trim().to_string(),
        display_name: None,
        password: Some(form.password),
        admin: false,
    };
    let created = accounts::create_user(
        pool,
        new,
        Joining {
            approved: !needs_approval,
            reason,
            invite_code,
            email,
            email_confirmed: false,
        },
    )
    .await?;
    // The mail is queued after the account exists; if queueing fails the account
    // stays and `staffroom user approve` or a reset by an admin still work.
    let mut conn = pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        super::mail::confirmation(conn, &created.user, &created.account.username).await?;
        if !created.user.approved {
            super::mail::sign_up_waiting(
                conn,
                &created.account.username,
                created.user.sign_up_reason.as_deref(),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    tracing::info!(account_id = %created.account.id, approved = created.user.approved, mode = mode.as_str(), "signed up");
    Ok(created)
}

/// The local user behind an account id, for actions on sign-ups and passwords.
async fn local_user(conn: &mut diesel_async::AsyncPgConnection, account: &Account) -> Result<User> {
    User::find_by_account(conn, account.id)
        .await?
        .ok_or_else(|| Error::not_found(format!("@{} cannot sign in here", account.username)))
}

/// The user of a sign-up waiting for approval, if `acting` may decide on it.
async fn waiting(
    conn: &mut diesel_async::AsyncPgConnection,
    acting: &Acting,
    account: &Account,
) -> Result<User> {
    acting.require(Permission::ManageUsers)?;
    let user = local_user(conn, account).await?;
    if user.approved {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!("@{} is not waiting for approval", account.username),
        ));
    }
    Ok(user)
}

/// Approves a waiting sign-up; needs `ManageUsers`.
#[tracing::instrument(skip(pool, account), fields(account_id = %account.id))]
pub async fn approve(pool: &DbPool, acting: &Acting, account: &Account) -> Result<()> {
    let mut conn = pool.get().await?;
    let user = waiting(&mut conn, acting, account).await?;
    conn.transaction::<_, Error, _>(async |conn| {
        User::approve(conn, user.id).await?;
        super::mail::sign_up_decided(conn, &user, &account.username, true).await?;
        audit(conn, acting, "approve_user", &Target::account(account), "").await
    })
    .await
}

/// Rejects a waiting sign-up: the account is deleted (its name is free again).
#[tracing::instrument(skip(pool, account), fields(account_id = %account.id))]
pub async fn reject(pool: &DbPool, acting: &Acting, account: &Account) -> Result<()> {
    let mut conn = pool.get().await?;
    let user = waiting(&mut conn, acting, account).await?;
    conn.transaction::<_, Error, _>(async |conn| {
        audit(
            conn,
            acting,
            "reject_user",
            &Target::account(account),
            user.sign_up_reason.as_deref().unwrap_or(""),
        )
        .await?;
        super::mail::sign_up_decided(conn, &user, &account.username, false).await?;
        Account::delete(conn, account.id).await?;
        Ok(())
    })
    .await
}

/// Sign-ups waiting for approval, oldest first; needs `ManageUsers`.
pub async fn pending(pool: &DbPool, acting: &Acting) -> Result<Vec<(User, Account)>> {
    acting.require(Permission::ManageUsers)?;
    let mut conn = pool.get().await?;
    Ok(User::pending(&mut conn, 200).await?)
}

/// Gives `username` a new generated password (returned once), ending their
/// sessions and revoking their tokens: a reset is often because someone else may
/// know the old one. Needs `ManageUserAccess` over them.
#[tracing::instrument(skip(pool))]
pub async fn reset_password(pool: &DbPool, acting: &Acting, username: &str) -> Result<String> {
    acting.require(Permission::ManageUserAccess)?;
    let account = accounts::find_local_account(pool, username).await?;
    let mut conn = pool.get().await?;
    let user = local_user(&mut conn, &account).await?;
    acting.require_over(account.id, user.role)?;
    let password = accounts::generate_password();
    let hash = {
        let p = password.clone();
        tokio::task::spawn_blocking(move || accounts::hash_password(&p))
            .await
            .map_err(Error::internal)??
    };
    conn.transaction::<_, Error, _>(async |conn| {
        User::set_password_hash(conn, user.id, &hash).await?;
        let sessions = web_sessions::delete_all_for_user(conn, user.id).await?;
        let revoked = tokens::revoke_all_for_user(conn, user.id).await?;
        tracing::info!(
            sessions,
            revoked,
            "sessions ended and tokens revoked after a password reset"
        );
        audit(
            conn,
            acting,
            "reset_password",
            &Target::account(&account),
            "",
        )
        .await
    })
    .await?;
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_their_names() {
        for m in RegistrationMode::ALL {
            assert_eq!(RegistrationMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(
            RegistrationMode::parse("Invite-Only"),
            Some(RegistrationMode::InviteOnly)
        );
        assert_eq!(RegistrationMode::parse("sometimes"), None);
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert!(validate_email("ada@school.example").is_ok());
        for bad in [
            "ada",
            "@school.example",
            "ada@localhost",
            "a da@school.example",
            "a@b@c.example",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }
}
