//! Local accounts: creating them (with keys and a hashed password) and listing them.

use crate::{
    crypto,
    db::{
        accounts::{Account, LocalAccountInsertForm},
        users::{Role, User, UserInsertForm},
        AccountId, DbPool, UserId,
    },
    error::{Error, ErrorKind, Result},
};
use argon2::{password_hash::SaltString, Argon2, PasswordHasher};
use diesel_async::AsyncConnection;
use rand::Rng;

pub const MAX_USERNAME_LEN: usize = 30;
pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;
pub const MAX_DISPLAY_NAME_CHARS: usize = 30;

pub struct NewUser {
    pub username: String,
    pub display_name: Option<String>,
    /// `None`: generate a strong password and hand it back once.
    pub password: Option<String>,
    /// Make the account an admin (`Role::Admin`); otherwise a member.
    pub admin: bool,
}

pub struct CreatedUser {
    pub user: User,
    pub account: Account,
    pub generated_password: Option<String>,
}

/// Mastodon's rule for local usernames: letters, digits and underscores, at most 30.
pub fn validate_username(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::bad_request(
            "the username is empty: use letters, digits and underscores",
        ));
    }
    if name.chars().count() > MAX_USERNAME_LEN {
        return Err(Error::bad_request(format!(
            "the username {name:?} is longer than {MAX_USERNAME_LEN} characters"
        )));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::bad_request(format!(
            "the username {name:?} may contain only letters a-z, digits and underscores"
        )));
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Error::bad_request(format!(
            "the password is too short: use at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(Error::bad_request(format!(
            "the password is too long: use at most {MAX_PASSWORD_LEN} bytes"
        )));
    }
    Ok(())
}

/// 24 characters from an alphabet without look-alikes (0/O, 1/l/I): about 140 bits
/// from a cryptographic generator seeded by the OS.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    // Argon2id with the crate's defaults (19 MiB, 2 passes), OWASP's recommendation.
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Sets a new password (checked as at creation); the caller has checked the old one.
#[tracing::instrument(skip(pool, password))]
pub async fn change_password(pool: &DbPool, user: UserId, password: &str) -> Result<()> {
    validate_password(password)?;
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))??;
    let mut conn = pool.get().await?;
    User::set_password_hash(&mut conn, user, &hash).await?;
    tracing::info!("password changed");
    Ok(())
}

/// How an account comes to be: made by an admin (approved at once), or signed up
/// (services::registrations), perhaps with an invite and waiting for approval.
pub struct Joining {
    pub approved: bool,
    pub reason: Option<String>,
    /// Claimed (one use counted) in the transaction that creates the account.
    pub invite_code: Option<String>,
    pub email: Option<String>,
    /// The address is known to be theirs (an admin typed it); otherwise a mailed
    /// link confirms it.
    pub email_confirmed: bool,
}

#[tracing::instrument(skip(pool, new), fields(username = %new.username, admin = new.admin))]
pub async fn create_local_user(pool: &DbPool, new: NewUser) -> Result<CreatedUser> {
    create_user(
        pool,
        new,
        Joining {
            approved: true,
            reason: None,
            invite_code: None,
            email: None,
            email_confirmed: false,
        },
    )
    .await
}

pub async fn create_user(pool: &DbPool, new: NewUser, joining: Joining) -> Result<CreatedUser> {
    validate_username(&new.username)?;
    let display_name = new.display_name.unwrap_or_default().trim().to_string();
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(Error::bad_request(format!(
            "the display name is longer than {MAX_DISPLAY_NAME_CHARS} characters"
        )));
    }
    let generated_password = match &new.password {
        Some(p) => {
            validate_password(p)?;
            None
        }
        None => Some(generate_password()),
    };
    let password = new
        .password
        .or_else(|| generated_password.clone())
        .unwrap_or_default();
    let taken = || {
        Error::conflict(format!(
            "the username {:?} is already taken: choose another",
            new.username
        ))
    };

    let mut conn = pool.get().await?;
    if Account::find_local(&mut conn, &new.username)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    // Key generation and hashing take tens of milliseconds of CPU: keep them off the async workers.
    let (keys, password_hash) = tokio::task::spawn_blocking(move || -> Result<_> {
        Ok((
            crypto::generate_rsa_keypair().map_err(Error::internal)?,
            hash_password(&password)?,
        ))
    })
    .await
    .map_err(Error::internal)??;

    let account_form = LocalAccountInsertForm {
        id: AccountId::generate(),
        username: new.username.clone(),
        display_name,
        note: String::new(),
        locked: false,
        public_key_pem: keys.public_key_pem,
        private_key_pem: Some(keys.private_key_pem),
    };
    let role = if new.admin { Role::Admin } else { Role::Member };
    let unique = |e: diesel::result::Error| match &e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) if info.constraint_name() == Some("users_email_key") => {
            Error::conflict("that email address is already used by another account")
        }
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => taken(),
        _ => Error::internal(e),
    };
    let (user, account) = conn
        .transaction::<_, Error, _>(async |conn| {
            let invite_id = match &joining.invite_code {
                Some(code) => Some(
                    crate::db::invites::Invite::claim(conn, code)
                        .await?
                        .ok_or_else(|| Error::new(ErrorKind::Forbidden, "This invite is no longer valid: it has expired or has been used up"))?,
                ),
                None => None,
            };
            let account = Account::insert_local(conn, &account_form).await.map_err(unique)?;
            let user_form = UserInsertForm {
                id: UserId::generate(),
                account_id: account.id,
                email: joining.email.clone(),
                password_hash,
                role,
                approved: joining.approved,
                sign_up_reason: joining.reason.clone(),
                invite_id,
                email_confirmed_at: joining.email.as_ref().filter(|_| joining.email_confirmed).map(|_| chrono::Utc::now()),
            };
            let user = User::insert(conn, &user_form).await.map_err(unique)?;
            Ok((user, account))
        })
        .await?;
    tracing::info!(account_id = %account.id, approved = user.approved, "local user created");
    Ok(CreatedUser {
        user,
        account,
        generated_password,
    })
}

/// Whether this user may sign in (with a password, a token or a session): not
/// while suspended, disabled, or waiting for approval. Mastodon's wording.
pub fn may_sign_in(user: &User, account: &Account) -> Result<()> {
    if account.suspended_at.is_some() {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "Your account has been suspended by the moderators of this server",
        ));
    }
    if user.disabled {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "Your login is currently disabled",
        ));
    }
    if !user.approved {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "Your login is currently pending approval",
        ));
    }
    Ok(())
}

/// A local account by username, in any letter case; not found is an error.
pub async fn find_local_account(pool: &DbPool, username: &str) -> Result<Account> {
    // Names that cannot be usernames are not looked up at all; a tag actor's
    // `tag.NAME` is one (services::tag_actors).
    if validate_username(username).is_err() && !super::tag_actors::is_tag_username(username) {
        return Err(Error::not_found(format!(
            "no account named {username:?} here"
        )));
    }
    let mut conn = pool.get().await?;
    Account::find_local(&mut conn, username)
        .await?
        .ok_or_else(|| Error::not_found(format!("no account named {username:?} here")))
}

/// Every local user with their account, in creation order.
pub async fn list_local_users(pool: &DbPool) -> Result<Vec<(User, Account)>> {
    let mut conn = pool.get().await?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = User::list_with_accounts(&mut conn, after, 500).await?;
        let done = page.len() < 500;
        after = page.last().map(|(u, _)| u.id);
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_mastodon_rules() {
        for good in ["alice", "Ms_Jones", "teacher_42", "a", &"x".repeat(30)] {
            assert!(validate_username(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "al ice",
            "alice@school",
            "élève",
            "a.b",
            "a-b",
            &"x".repeat(31),
        ] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
        assert!(validate_password(&a).is_ok());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        use argon2::{PasswordHash, PasswordVerifier};
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong horse", &parsed)
            .is_err());
    }
}

/// Profile fields a teacher changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    /// Plain text, rendered to HTML like a post (links marked up).
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub discoverable: Option<bool>,
    /// Whether their public posts may be found by their words (full-text search).
    pub indexable: Option<bool>,
    /// A new avatar or header, processed as an upload (services::media).
    pub avatar: Option<super::media::ImageFile>,
    pub header: Option<super::media::ImageFile>,
}

pub const MAX_NOTE_CHARS: usize = 500;

/// Changes a local profile and tells every server that follows the account (`Update`
/// of the actor), in one transaction.
pub async fn update_profile(
    ctx: &crate::context::AppContext,
    account: &Account,
    change: ProfileChange,
) -> Result<Account> {
    use crate::db::accounts::ProfileUpdateForm;
    if let Some(name) = &change.display_name {
        if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            return Err(Error::bad_request(format!(
                "the display name is longer than {MAX_DISPLAY_NAME_CHARS} characters"
            )));
        }
    }
    if let Some(note) = &change.note {
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::bad_request(format!(
                "the bio is longer than {MAX_NOTE_CHARS} characters"
            )));
        }
    }
    // Images are processed and stored first; the row points at them only once they
    // are in the store, and whatever this change stored is removed if it fails.
    use crate::media::process::ProfileImage;
    let mut stored: Vec<String> = Vec::new();
    let mut avatar_key = None;
    let mut header_key = None;
    for (file, kind, key) in [
        (change.avatar, ProfileImage::Avatar, &mut avatar_key),
        (change.header, ProfileImage::Header, &mut header_key),
    ] {
        let Some(file) = file else { continue };
        match super::media::store_profile_image(ctx, account, kind, file).await {
            Ok(k) => {
                stored.push(k.clone());
                *key = Some(k);
            }
            Err(e) => {
                super::media::delete_keys(
                    ctx,
                    &stored.iter().map(String::as_str).collect::<Vec<_>>(),
                )
                .await;
                return Err(e);
            }
        }
    }
    let form = ProfileUpdateForm {
        display_name: change.display_name.map(|n| n.trim().to_string()),
        note: change.note.map(|n| {
            if n.trim().is_empty() {
                String::new()
            } else {
                crate::content::render_plain_text(&n, &[], &|t| ctx.urls.tag(t))
            }
        }),
        locked: change.locked,
        discoverable: change.discoverable,
        indexable: change.indexable,
        updated_at: Some(chrono::Utc::now()),
        avatar_key: avatar_key.clone(),
        header_key: header_key.clone(),
    };
    let written = async {
        let mut conn = ctx.pool.get().await?;
        conn.transaction::<_, Error, _>(async |conn| {
            let before = Account::image_keys(conn, account.id).await?;
            let updated = Account::update_profile(conn, account.id, &form).await?;
            let inboxes = crate::db::follows::Follow::follower_inboxes(conn, updated.id).await?;
            let extras = super::published::actor_extras_in(conn, ctx, &updated).await?;
            let activity =
                crate::federation::activities::update::build_actor(ctx, &updated, extras);
            let n = crate::federation::activities::queue(conn, ctx, &updated, &activity, inboxes)
                .await?;
            Ok((updated, n, before))
        })
        .await
    }
    .await;
    let (updated, n, (old_avatar, old_header)) = match written {
        Ok(w) => w,
        Err(e) => {
            super::media::delete_keys(ctx, &stored.iter().map(String::as_str).collect::<Vec<_>>())
                .await;
            return Err(e);
        }
    };
    // The replaced files, now that nothing points at them.
    let replaced: Vec<&str> = [
        avatar_key.as_ref().and(old_avatar.as_deref()),
        header_key.as_ref().and(old_header.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    super::media::delete_keys(ctx, &replaced).await;
    ctx.dispatch(
        super::events::Outcome::of(super::events::Event::ProfileUpdated {
            account: updated.id,
        })
        .delivering(n),
    );
    Ok(updated)
}

/// A remote actor's `Delete` of itself: the account goes with everything of theirs
/// (posts, follows, likes). Applied every time.
pub async fn delete_remote_actor(ctx: &crate::context::AppContext, actor: &Account) -> Result<()> {
    let uri = actor.uri.clone().unwrap_or_default();
    let mut conn = ctx.pool.get().await?;
    if Account::delete(&mut conn, actor.id).await? > 0 {
        tracing::info!(actor = %uri, "actor deleted with everything of theirs");
    }
    // The key cache forgets it even when the row was already gone.
    ctx.dispatch(super::events::Outcome::of(
        super::events::Event::ActorDeleted {
            account: actor.id,
            uri,
        },
    ));
    Ok(())
}

/// What a teacher prefers for themselves, beside the profile others see.
pub struct Preferences {
    /// What the compose form starts with.
    pub default_visibility: crate::db::statuses::Visibility,
    /// The language of the pages, as a lower-case ISO 639 code; `None`: the browser's.
    pub language: Option<String>,
}

/// Stores a teacher's preferences; nothing is sent anywhere (others never see them).
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn set_preferences(
    pool: &DbPool,
    user: UserId,
    preferences: Preferences,
) -> Result<User> {
    let language = preferences
        .language
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty());
    if let Some(l) = &language {
        if !(2..=3).contains(&l.len()) || !l.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(Error::bad_request(format!(
                "{l:?} is not a language code: use two letters, such as en or de"
            )));
        }
    }
    let mut conn = pool.get().await?;
    let user = User::set_preferences(
        &mut conn,
        user,
        preferences.default_visibility as i16,
        language.as_deref(),
    )
    .await?;
    tracing::info!("preferences changed");
    Ok(user)
}
