//! Who may run what: the four roles (owner, admin, moderator, member) and the
//! permissions each carries, checked here in the services layer whichever door a
//! request came in by (client API, admin API, web pages, command line).
//!
//! The permissions are Mastodon's (`UserRole::FLAGS`), so the bitmask apps read in
//! a `CredentialAccount`'s `role` is the one enforced here:
//! - members: none;
//! - moderators: reports, acting on accounts (warn, limit, suspend, approve
//!   sign-ups), reading the audit log;
//! - admins: that, plus federation (domain blocks and allows), the instance's
//!   settings (registrations), invites, and roles below their own;
//! - owners: everything.
//!
//! Nobody acts on someone of their own rank or above, except an owner; the command
//! line (a shell on the server) acts as an owner.

use crate::{
    db::{
        accounts::Account,
        audit_log,
        users::{Role, User},
        AccountId, DbPool,
    },
    error::{Error, ErrorKind, Result},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

/// One of Mastodon's role permissions, by its bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Administrator = 1,
    ViewAuditLog = 1 << 2,
    ViewDashboard = 1 << 3,
    ManageReports = 1 << 4,
    ManageFederation = 1 << 5,
    ManageSettings = 1 << 6,
    ManageBlocks = 1 << 7,
    /// Hashtags: here, switching a tag actor's announcing off and on.
    ManageTaxonomies = 1 << 8,
    ManageUsers = 1 << 10,
    ManageInvites = 1 << 11,
    InviteUsers = 1 << 16,
    ManageRoles = 1 << 17,
    ManageUserAccess = 1 << 18,
}

impl Permission {
    fn describe(self) -> &'static str {
        match self {
            Permission::Administrator => "run the instance",
            Permission::ViewAuditLog => "read the audit log",
            Permission::ViewDashboard => "see the admin dashboard",
            Permission::ManageReports => "handle reports",
            Permission::ManageFederation | Permission::ManageBlocks => {
                "manage which servers we federate with"
            }
            Permission::ManageSettings => "change the instance's settings",
            Permission::ManageUsers | Permission::ManageUserAccess => "act on accounts",
            Permission::ManageInvites | Permission::InviteUsers => "make invites",
            Permission::ManageRoles => "change roles",
            Permission::ManageTaxonomies => "manage hashtags",
        }
    }
}

/// Every permission Mastodon defines (bits 0 to 19): what an owner holds.
const ALL_PERMISSIONS: u32 = (1 << 20) - 1;
const MODERATOR: u32 = Permission::ViewAuditLog as u32
    | Permission::ViewDashboard as u32
    | Permission::ManageReports as u32
    | Permission::ManageTaxonomies as u32
    | Permission::ManageUsers as u32;
const ADMIN: u32 = MODERATOR
    | Permission::ManageFederation as u32
    | Permission::ManageSettings as u32
    | Permission::ManageBlocks as u32
    | Permission::ManageInvites as u32
    | Permission::InviteUsers as u32
    | Permission::ManageRoles as u32
    | Permission::ManageUserAccess as u32;

/// The permission bits of a role, as Mastodon's `Role` entity gives them.
pub fn permissions(role: Role) -> u32 {
    match role {
        Role::Owner => ALL_PERMISSIONS,
        Role::Admin => ADMIN,
        Role::Moderator => MODERATOR,
        Role::Member => 0,
    }
}

/// Mastodon's ids of its built-in roles (`-99` is everyone's), and their names.
pub fn mastodon_id(role: Role) -> &'static str {
    match role {
        Role::Owner => "3",
        Role::Admin => "2",
        Role::Moderator => "1",
        Role::Member => "-99",
    }
}

pub fn display_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Admin => "Admin",
        Role::Moderator => "Moderator",
        Role::Member => "",
    }
}

/// Who is acting: a signed-in user with their role, or the command line.
#[derive(Debug, Clone)]
pub struct Acting {
    /// `None`: the command line.
    pub account: Option<AccountId>,
    pub role: Role,
}

impl Acting {
    /// The command line: whoever has a shell on the server already has the database.
    pub fn command_line() -> Acting {
        Acting {
            account: None,
            role: Role::Owner,
        }
    }

    pub fn user(user: &User) -> Acting {
        Acting {
            account: Some(user.account_id),
            role: user.role,
        }
    }

    /// Forbidden unless this role carries `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if permissions(self.role) & permission as u32 != 0 {
            Ok(())
        } else {
            tracing::info!(
                role = self.role.as_str(),
                ?permission,
                "refused: the role lacks the permission"
            );
            Err(Error::new(
                ErrorKind::Forbidden,
                format!(
                    "You may not {}: your role ({}) does not allow it",
                    permission.describe(),
                    self.role.as_str()
                ),
            ))
        }
    }

    /// Forbidden unless this actor outranks `target` (an owner outranks everyone
    /// but acts on no one through a role below theirs; nobody acts on themselves).
    pub fn require_over(&self, target_account: AccountId, target_role: Role) -> Result<()> {
        if self.account == Some(target_account) {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "You may not do this to your own account",
            ));
        }
        if self.role == Role::Owner || target_role < self.role {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Forbidden,
                format!(
                    "You may not act on a {}: their role is not below yours",
                    target_role.as_str()
                ),
            ))
        }
    }
}

/// What an audit log entry is about.
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Option<i64>,
    pub name: String,
}

impl<'a> Target<'a> {
    pub fn account(a: &Account) -> Target<'a> {
        let name = match &a.domain {
            Some(d) => format!("@{}@{d}", a.username),
            None => format!("@{}", a.username),
        };
        Target {
            kind: "account",
            id: Some(a.id.0),
            name,
        }
    }
}

/// Writes one audit log entry; call it inside the transaction of the action, so
/// an action is never done without its entry (nor the other way round).
pub async fn audit(
    conn: &mut AsyncPgConnection,
    acting: &Acting,
    action: &str,
    target: &Target<'_>,
    reason: &str,
) -> Result<()> {
    audit_log::insert(
        conn,
        &audit_log::EntryInsertForm {
            id: crate::db::new_id(),
            account_id: acting.account,
            action,
            target_type: target.kind,
            target_id: target.id,
            target_name: &target.name,
            reason,
        },
    )
    .await?;
    tracing::info!(actor = ?acting.account, action, target = %target.name, "moderation action");
    Ok(())
}

/// Gives the local account `username` a new role. Needs `ManageRoles`; an admin
/// gives only roles below their own, to people below them; only an owner makes
/// owners and admins. Returns the role it had.
#[tracing::instrument(skip(pool))]
pub async fn set_role(pool: &DbPool, acting: &Acting, username: &str, role: Role) -> Result<Role> {
    acting.require(Permission::ManageRoles)?;
    let account = super::accounts::find_local_account(pool, username).await?;
    let mut conn = pool.get().await?;
    let user = User::find_by_account(&mut conn, account.id)
        .await?
        .ok_or_else(|| Error::not_found(format!("@{username} cannot sign in here")))?;
    acting.require_over(account.id, user.role)?;
    if acting.role != Role::Owner && role >= acting.role {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!(
                "You may give only roles below your own ({})",
                acting.role.as_str()
            ),
        ));
    }
    let before = user.role;
    if before == role {
        return Ok(before);
    }
    conn.transaction::<_, Error, _>(async |conn| {
        User::set_role(conn, user.id, role).await?;
        audit(
            conn,
            acting,
            &format!("change_role:{}", role.as_str()),
            &Target::account(&account),
            &format!("was {}", before.as_str()),
        )
        .await
    })
    .await?;
    Ok(before)
}

/// The audit log, newest first: entries with the acting account's username
/// (`None`: the command line).
pub async fn audit_log(
    pool: &DbPool,
    acting: &Acting,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(audit_log::Entry, Option<String>)>> {
    acting.require(Permission::ViewAuditLog)?;
    let mut conn = pool.get().await?;
    Ok(audit_log::page(&mut conn, max_id, limit.clamp(1, 200)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_holds_the_permissions_below_it() {
        for p in [
            Permission::ManageReports,
            Permission::ManageUsers,
            Permission::ViewAuditLog,
        ] {
            assert_eq!(permissions(Role::Member) & p as u32, 0);
            assert_ne!(permissions(Role::Moderator) & p as u32, 0);
            assert_ne!(permissions(Role::Admin) & p as u32, 0);
        }
        for p in [
            Permission::ManageRoles,
            Permission::ManageFederation,
            Permission::ManageSettings,
            Permission::ManageInvites,
        ] {
            assert_eq!(permissions(Role::Moderator) & p as u32, 0, "{p:?}");
            assert_ne!(permissions(Role::Admin) & p as u32, 0, "{p:?}");
        }
        assert_eq!(permissions(Role::Owner), 1_048_575);
        assert_eq!(
            permissions(Role::Admin) & Permission::Administrator as u32,
            0
        );
    }

    #[test]
    fn nobody_acts_on_their_equals_but_an_owner() {
        let me = AccountId(1);
        let other = AccountId(2);
        let moderator = Acting {
            account: Some(me),
            role: Role::Moderator,
        };
        assert!(moderator.require_over(other, Role::Member).is_ok());
        assert!(moderator.require_over(other, Role::Moderator).is_err());
        assert!(moderator.require_over(other, Role::Admin).is_err());
        assert!(
            moderator.require_over(me, Role::Member).is_err(),
            "not on oneself"
        );
        let owner = Acting {
            account: Some(me),
            role: Role::Owner,
        };
        assert!(owner.require_over(other, Role::Owner).is_ok());
        assert!(Acting::command_line()
            .require_over(other, Role::Owner)
            .is_ok());
    }
}
