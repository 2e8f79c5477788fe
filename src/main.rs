//! The `staffroom` command line: parse, load settings, run one command.

use anyhow::Context;
use clap::{Parser, Subcommand};
use staffroom::{
    config::{FederationMode, Settings},
    db::users::Role,
    db::{
        self,
        managed::{Lifetime, ManagedPostgres},
        DbPool,
    },
    services::{
        accounts::{self, NewUser},
        groups,
        moderation::{self, AccountAction},
        registrations,
        roles::{self, Acting},
    },
    startup::{self, Database},
    telemetry,
};
use std::{io::BufRead, path::PathBuf, process::ExitCode};

#[derive(Parser)]
#[command(
    name = "staffroom",
    version,
    about = "An ActivityPub server for teachers' learning networks"
)]
struct Cli {
    /// A TOML settings file; STAFFROOM_* environment variables override it.
    #[arg(long, global = true, value_name = "PATH", env = "STAFFROOM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: HTTP and background work, until Ctrl-C or SIGTERM.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage local accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Subject groups hosted here, which people on any server join by following.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Tag actors (`@NAME@this.host`): the actor of each hashtag in use here, which boosts its public posts to whoever follows it.
    #[command(subcommand)]
    Tag(TagCommand),
    /// Start or stop the managed PostgreSQL (used when DATABASE_URL is not set).
    #[command(subcommand)]
    Db(DbCommand),
    /// Inspect and nudge the outgoing delivery queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Access tokens for the Mastodon client API.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Servers this instance refuses to federate with.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Relays (FEP-ae0c): they bring public posts of the wider fediverse and carry ours.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Invitations to sign up.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Custom emoji teachers can use as :shortcode: in posts.
    #[command(subcommand)]
    Emoji(EmojiCommand),
    /// Bring in what a teacher exported from another server.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Settings admins change while the instance runs: registrations, rules.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Uploaded media files.
    #[command(subcommand)]
    Media(MediaCommand),
    /// The instance's figures: accounts, servers, posts, reports, the delivery queue.
    Stats,
    /// The audit log of moderation and administration actions, newest first.
    Audit {
        /// How many entries to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Follow, as NAME, everyone in FILE: Mastodon's following_accounts.csv (or one
    /// user@server a line). Shows progress, then what failed and why.
    Follows { name: String, file: PathBuf },
}

#[derive(Subcommand)]
enum InviteCommand {
    /// Make an invite; prints its URL alone.
    Create {
        /// How many accounts may sign up with it (no limit if left out).
        #[arg(long, value_name = "N")]
        max_uses: Option<u32>,
        /// Days until it expires (never if left out).
        #[arg(long, value_name = "DAYS")]
        expires_in: Option<u32>,
    },
    /// List invites, newest first.
    List,
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Show every setting.
    Show,
    /// Change a setting. `registrations`: closed, invite-only, approval or open.
    /// `rules`: the instance's rules, one per line, which every sign-up accepts.
    /// `description`: what the about page and apps say of the instance.
    /// `contact`: the email address for questions about it (empty: STAFFROOM_CONTACT_EMAIL).
    Set { key: String, value: String },
}

#[derive(Subcommand)]
enum EmojiCommand {
    /// Add (or replace) :SHORTCODE: from an image file: PNG, GIF or WebP, at most 256 KiB and 1024×1024 pixels.
    Add { shortcode: String, file: PathBuf },
    /// List this server's custom emoji.
    List,
    /// Remove :SHORTCODE:.
    Remove { shortcode: String },
}

#[derive(Subcommand)]
enum DomainCommand {
    /// Refuse everything from HOST (and its subdomains) and send it nothing.
    Block { host: String },
    /// Federate with HOST again.
    Unblock { host: String },
    /// List blocked servers, and the allowed ones of allowlist mode.
    List,
    /// Allowlist mode (STAFFROOM_FEDERATION_MODE=allowlist): federate with HOST (and its subdomains).
    Allow { host: String },
    /// Take HOST off the allowlist.
    Disallow { host: String },
}

#[derive(Subcommand)]
enum RelayCommand {
    /// Subscribe to the relay at URL: its inbox (Mastodon-style,
    /// https://relay.example/inbox), its actor (LitePub-style, https://relay.example/actor),
    /// or a base of per-hashtag relays (https://relay.example/tag/), subscribed for
    /// every hashtag teachers here follow or feature. A running `serve` sends the Follow.
    Add { url: String },
    /// List relays with their state (pending, accepted, rejected).
    List,
    /// Leave the relay at URL (an Undo of our Follow is sent) and forget it.
    Remove { url: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token for a script acting as NAME; prints the token alone.
    Create {
        /// The local account the token acts for.
        name: String,
        /// Space- or comma-separated scopes.
        #[arg(long, default_value = "read write follow")]
        scopes: String,
    },
}

#[derive(Subcommand)]
enum MediaCommand {
    /// Remove uploads no post ever claimed (their rows and files), and copies of other
    /// servers' images (the files; they are fetched again when shown), older than DAYS.
    Prune {
        /// Keep what is younger than this many days (0: remove every unclaimed upload and every copy).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=36500))]
        older_than: u32,
    },
}

#[derive(Subcommand)]
enum QueueCommand {
    /// Pending deliveries, failing hosts, the oldest pending delivery.
    Status,
    /// Make HOST's pending deliveries due now and clear its unavailable mark.
    Retry {
        /// The host as in the inbox URL, with :port when not the default (mastodon.example, 127.0.0.1:8080).
        host: String,
    },
}

#[derive(Subcommand)]
enum GroupCommand {
    /// Create a group (`@NAME@this.host`): members' posts that mention it are relayed to all members.
    Add {
        /// Letters a-z, digits and underscores, at most 30.
        name: String,
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Anyone who follows is a member at once (by default a moderator approves each).
        #[arg(long)]
        open: bool,
        /// Relay members' posts to members only (addressed to the group's followers, not Public).
        #[arg(long)]
        members_only: bool,
        /// A teacher here who moderates it (repeat for more; the first is its creator).
        #[arg(long = "moderator", value_name = "USER")]
        moderators: Vec<String>,
    },
    /// The groups hosted here.
    List,
    /// Make a teacher here a moderator of GROUP (or, with --remove, no longer one).
    Moderator {
        group: String,
        user: String,
        #[arg(long)]
        remove: bool,
    },
    /// Who asks to join GROUP.
    Requests { group: String },
    /// Let ACCOUNT (`name` here, or `name@host`) into GROUP.
    Approve { group: String, account: String },
    /// Refuse ACCOUNT's request to join GROUP.
    Reject { group: String, account: String },
    /// Remove the member ACCOUNT from GROUP (their server is sent Reject of their Follow).
    RemoveMember { group: String, account: String },
}

#[derive(Subcommand)]
enum TagCommand {
    /// The tag actors, with whether each announces, its followers and what it announced.
    List,
    /// Stop the actor of hashtag NAME announcing posts (its followers stay).
    Disable {
        /// The hashtag, with or without `#`: letters a-z, digits and underscores.
        name: String,
    },
    /// Let the actor of hashtag NAME announce posts again.
    Enable { name: String },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local account. Without --password-stdin a strong password is generated and printed once.
    Add {
        /// Letters a-z, digits and underscores, at most 30.
        name: String,
        /// Give the account the admin role (`user role NAME owner` makes an owner).
        #[arg(long)]
        admin: bool,
        #[arg(long, value_name = "TEXT")]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Their email address, taken as confirmed: password-reset links and (for
        /// moderators and admins) news of sign-ups waiting go there, with SMTP set up.
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
    },
    /// List local accounts.
    List,
    /// Set a new generated password for NAME, print it alone, and end NAME's sessions and tokens.
    ResetPassword { name: String },
    /// Let a sign-up that waits for approval in.
    Approve { name: String },
    /// Turn down a sign-up that waits for approval: its account is deleted.
    Reject { name: String },
    /// Suspend NAME: they cannot sign in, their actor answers 410, nobody sees their posts.
    Suspend {
        name: String,
        /// Why, for the audit log.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift NAME's suspension.
    Unsuspend { name: String },
    /// Delete NAME's account: posts, follows and login go, the name stays taken, and
    /// every server that follows or is followed by NAME is sent a Delete.
    Delete {
        name: String,
        /// Why, for the audit log.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Give NAME a role: owner, admin, moderator or member.
    Role {
        name: String,
        /// owner (everything), admin (settings, invites, federation, roles), moderator (reports, acting on accounts) or member.
        role: String,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Start the managed database and leave it running; prints its URL.
    Start,
    /// Stop the managed database.
    Stop,
}

/// Large blocks (a decoded photo, a resize buffer) get their own mapping and go back
/// to the system when freed. glibc's default raises that threshold after the first
/// such block is freed, so later ones come from per-thread arenas that keep them:
/// measured, a server that had processed a few 12-megapixel uploads on different
/// blocking threads held 258 MB where one upload needs about 100.
fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

fn main() -> ExitCode {
    return_large_blocks();
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Quiet commands for people; `serve` tells the story of its start.
    if std::env::var_os("RUST_LOG").is_none() && !matches!(cli.command, Command::Serve) {
        std::env::set_var("RUST_LOG", "warn");
    }
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => startup::serve(settings).await,
        Command::Migrate => {
            let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
            let result = db::run_migrations(&database.url).await;
            database.close().await?;
            println!("{} migration(s) applied; the database is up to date.", result?);
            Ok(())
        }
        Command::User(UserCommand::Add { name, admin, display_name, password_stdin, email }) => {
            let password = if password_stdin { Some(read_password()?) } else { None };
            let domain = settings.domain.clone();
            let email = email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
            if let Some(e) = &email {
                registrations::validate_email(e)?;
            }
            with_database(&settings, |pool| async move {
                let joining = accounts::Joining { approved: true, reason: None, invite_code: None, email, email_confirmed: true };
                let created = accounts::create_user(&pool, NewUser { username: name, display_name, password, admin }, joining).await?;
                let handle = match &domain {
                    Some(d) => format!("@{}@{d}", created.account.username),
                    None => format!("@{}", created.account.username),
                };
                let role = created.user.role;
                println!("Created {handle}{}.", if role == Role::Member { String::new() } else { format!(" ({})", role.as_str()) });
                if let Some(password) = created.generated_password {
                    println!("Password: {password}");
                    println!("Keep it safe: it is shown only this once.");
                }
                Ok(())
            })
            .await
        }
        Command::Group(GroupCommand::Add { name, display_name, open, members_only, moderators }) => {
            let domain = settings.domain.clone();
            with_database(&settings, |pool| async move {
                let mut mods = Vec::new();
                for user in &moderators {
                    mods.push(accounts::find_local_account(&pool, user).await?);
                }
                let new = groups::NewGroup { name, display_name, open, members_only, creator: mods.first().map(|m| m.id) };
                let group = groups::create(&pool, new).await?;
                let hosted = groups::find_by_name(&pool, &group.username).await?;
                for m in mods.iter().skip(1) {
                    groups::add_moderator(&pool, &hosted, m).await?;
                }
                let handle = match &domain {
                    Some(d) => format!("@{}@{d}", group.username),
                    None => format!("@{}", group.username),
                };
                let kind = match (open, members_only) {
                    (true, false) => "open",
                    (true, true) => "open, members-only",
                    (false, false) => "closed",
                    (false, true) => "closed, members-only",
                };
                println!("Created the {kind} group {handle}.");
                if mods.is_empty() {
                    println!("It has no moderator yet: staffroom group moderator {} USER", group.username);
                }
                Ok(())
            })
            .await
        }
        Command::Tag(TagCommand::List) => {
            with_database(&settings, |pool| async move {
                for t in staffroom::services::tag_actors::list(&pool, &staffroom::services::roles::Acting::command_line()).await? {
                    println!(
                        "#{}\t{}\tfollowers: {}\tannounced: {}\tlast: {}",
                        t.name,
                        if t.enabled { "enabled" } else { "disabled" },
                        t.followers,
                        t.announced,
                        t.last_announced_at.map_or_else(|| "-".to_string(), |d| d.to_rfc3339())
                    );
                }
                Ok(())
            })
            .await
        }
        Command::Tag(TagCommand::Enable { name }) => switch_tag(&settings, name, true).await,
        Command::Tag(TagCommand::Disable { name }) => switch_tag(&settings, name, false).await,
        Command::Group(GroupCommand::List) => {
            with_database(&settings, |pool| async move {
                for (group, members_only) in groups::all(&pool).await? {
                    let hosted = groups::find_by_name(&pool, &group.username).await?;
                    let mods: Vec<&str> = hosted.moderators.iter().map(|m| m.username.as_str()).collect();
                    println!(
                        "{}\t{}{}\tmoderators: {}",
                        group.username,
                        if group.locked { "closed" } else { "open" },
                        if members_only { ", members-only" } else { "" },
                        if mods.is_empty() { "-".to_string() } else { mods.join(", ") }
                    );
                }
                Ok(())
            })
            .await
        }
        Command::Group(GroupCommand::Moderator { group, user, remove }) => {
            with_database(&settings, |pool| async move {
                let hosted = groups::find_by_name(&pool, &group).await?;
                let account = accounts::find_local_account(&pool, &user).await?;
                if remove {
                    groups::remove_moderator(&pool, &hosted, &account).await?;
                    println!("@{user} no longer moderates {group}.");
                } else {
                    groups::add_moderator(&pool, &hosted, &account).await?;
                    println!("@{user} moderates {group}.");
                }
                Ok(())
            })
            .await
        }
        Command::Group(GroupCommand::Requests { group }) => {
            with_database(&settings, |pool| async move {
                let hosted = groups::find_by_name(&pool, &group).await?;
                for account in groups::pending(&pool, &hosted).await? {
                    println!("{}", groups::handle(&account));
                }
                Ok(())
            })
            .await
        }
        Command::Group(verb @ (GroupCommand::Approve { .. } | GroupCommand::Reject { .. } | GroupCommand::RemoveMember { .. })) => {
            let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
            let result = async {
                let (ctx, _stop) = startup::command_context(settings.clone(), &database.url).await?;
                let (group, account) = match &verb {
                    GroupCommand::Approve { group, account } | GroupCommand::Reject { group, account } | GroupCommand::RemoveMember { group, account } => (group, account),
                    _ => unreachable!("matched above"),
                };
                let hosted = groups::find_by_name(&ctx.pool, group).await?;
                let member = groups::account_by_handle(&ctx.pool, account).await?;
                match verb {
                    GroupCommand::Approve { .. } => {
                        groups::approve(&ctx, &hosted, &member).await?;
                        println!("{account} is a member of {group}.");
                    }
                    _ => {
                        groups::remove_member(&ctx, &hosted, &member).await?;
                        println!("{account} is not a member of {group}.");
                    }
                }
                anyhow::Ok(())
            }
            .await;
            let closed = database.close().await;
            result.and(closed)
        }
        Command::User(UserCommand::List) => {
            with_database(&settings, |pool| async move {
                let users = accounts::list_local_users(&pool).await?;
                if users.is_empty() {
                    println!("No accounts yet: create one with `staffroom user add NAME`.");
                    return Ok(());
                }
                println!("{:<31} {:<10} {:<7} {:<20} DISPLAY NAME", "USERNAME", "ROLE", "LOCKED", "CREATED");
                for (user, account) in users {
                    println!(
                        "{:<31} {:<10} {:<7} {:<20} {}",
                        account.username,
                        user.role.as_str(),
                        if account.locked { "yes" } else { "no" },
                        account.created_at.format("%Y-%m-%d %H:%M UTC"),
                        account.display_name
                    );
                }
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Role { name, role }) => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("unknown role {role:?}: use owner, admin, moderator or member"))?;
            with_database(&settings, |pool| async move {
                let before = roles::set_role(&pool, &Acting::command_line(), &name, role).await?;
                if before == role {
                    println!("@{name} already is {}.", role.as_str());
                } else {
                    println!("@{name} is now {} (was {}).", role.as_str(), before.as_str());
                }
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::ResetPassword { name }) => {
            with_database(&settings, |pool| async move {
                println!("{}", registrations::reset_password(&pool, &Acting::command_line(), &name).await?);
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Suspend { name, reason }) => {
            with_database(&settings, |pool| async move {
                let account = accounts::find_local_account(&pool, &name).await?;
                moderation::act_in_database(&pool, &Acting::command_line(), &account, AccountAction::Suspend, None, &reason).await?;
                println!("@{name} is suspended: they cannot sign in and nobody sees their posts.");
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Unsuspend { name }) => {
            with_database(&settings, |pool| async move {
                let account = accounts::find_local_account(&pool, &name).await?;
                moderation::act_in_database(&pool, &Acting::command_line(), &account, AccountAction::Unsuspend, None, "").await?;
                println!("@{name} is no longer suspended.");
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Delete { name, reason }) => {
            let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
            let result = async {
                let (ctx, _stop) = startup::command_context(settings.clone(), &database.url).await?;
                let account = accounts::find_local_account(&ctx.pool, &name).await?;
                let n = moderation::delete_account(&ctx, &Acting::command_line(), &account, &reason).await?;
                println!("@{name} is deleted; {n} server(s) will be told (a running `staffroom serve` sends it).");
                anyhow::Ok(())
            }
            .await;
            let closed = database.close().await;
            result.and(closed)
        }
        Command::User(UserCommand::Approve { name }) => {
            with_database(&settings, |pool| async move {
                let account = accounts::find_local_account(&pool, &name).await?;
                registrations::approve(&pool, &Acting::command_line(), &account).await?;
                println!("@{name} is approved and may sign in.");
                Ok(())
            })
            .await
        }
        Command::User(UserCommand::Reject { name }) => {
            with_database(&settings, |pool| async move {
                let account = accounts::find_local_account(&pool, &name).await?;
                registrations::reject(&pool, &Acting::command_line(), &account).await?;
                println!("@{name}'s sign-up is rejected and the account deleted.");
                Ok(())
            })
            .await
        }
        Command::Relay(verb) => {
            let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
            let result = async {
                let (ctx, _stop) = startup::command_context(settings.clone(), &database.url).await?;
                let acting = Acting::command_line();
                match verb {
                    RelayCommand::Add { url } => {
                        let relay = staffroom::services::relays::add(&ctx, &acting, &url).await?;
                        match relay.style.as_str() {
                            "tags" => println!("Added {} as a base of per-hashtag relays: each hashtag teachers here follow or feature is subscribed.", relay.url),
                            style => println!("Subscribing to {} ({style}-style); the relay's answer shows in `staffroom relay list`.", relay.url),
                        }
                    }
                    RelayCommand::List => {
                        let listed = staffroom::services::relays::list(&ctx, &acting).await?;
                        if listed.is_empty() {
                            println!("No relays.");
                        }
                        for l in listed {
                            let r = &l.relay;
                            match r.style.as_str() {
                                "tags" => println!("{:<60} per-hashtag  {} subscription(s)", r.url, l.tags.len()),
                                style => println!("{:<60} {style:<12} {}", r.url, r.state),
                            }
                            for t in &l.tags {
                                println!("  #{:<57} {:<12} {}", t.tag.as_deref().unwrap_or_default(), "", t.state);
                            }
                        }
                    }
                    RelayCommand::Remove { url } => {
                        let relay = staffroom::services::relays::remove(&ctx, &acting, &url).await?;
                        println!("Left {}; the relay is told (a running `staffroom serve` sends it).", relay.url);
                    }
                }
                anyhow::Ok(())
            }
            .await;
            let closed = database.close().await;
            result.and(closed)
        }
        Command::Import(ImportCommand::Follows { name, file }) => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
            let result = async {
                let (ctx, _stop) = startup::command_context(settings.clone(), &database.url).await?;
                let account = accounts::find_local_account(&ctx.pool, &name).await?;
                let report = staffroom::services::portability::import_follows(&ctx, &account, &text, |done, total| {
                    eprintln!("looked up {done} of {total}");
                })
                .await?;
                println!("@{name} now follows {} more account(s); {} line(s) failed.", report.followed, report.failed.len());
                for f in &report.failed {
                    println!("line {}: {}: {}", f.line, f.handle, f.reason);
                }
                if report.followed > 0 {
                    println!("A running `staffroom serve` sends the follow requests.");
                }
                anyhow::Ok(())
            }
            .await;
            let closed = database.close().await;
            result.and(closed)
        }
        Command::Invite(InviteCommand::Create { max_uses, expires_in }) => {
            let urls = staffroom::urls::Urls::new(settings.scheme(), settings.require_domain()?);
            with_database(&settings, |pool| async move {
                let invite = registrations::create_invite(&pool, &Acting::command_line(), max_uses, expires_in).await?;
                println!("{}", urls.invite(&invite.code));
                Ok(())
            })
            .await
        }
        Command::Invite(InviteCommand::List) => {
            let urls = staffroom::urls::Urls::new(settings.scheme(), settings.require_domain()?);
            with_database(&settings, |pool| async move {
                let invites = registrations::list_invites(&pool, &Acting::command_line()).await?;
                if invites.is_empty() {
                    println!("No invites yet: make one with `staffroom invite create`.");
                }
                for i in invites {
                    let uses = match i.max_uses {
                        Some(max) => format!("{}/{max} uses", i.uses),
                        None => format!("{} uses", i.uses),
                    };
                    let expires = match i.expires_at {
                        Some(at) if at <= chrono::Utc::now() => format!("expired {}", at.format("%Y-%m-%d %H:%M UTC")),
                        Some(at) => format!("expires {}", at.format("%Y-%m-%d %H:%M UTC")),
                        None => "never expires".into(),
                    };
                    println!("{}  {uses}, {expires}", urls.invite(&i.code));
                }
                Ok(())
            })
            .await
        }
        Command::Settings(SettingsCommand::Show) => {
            with_database(&settings, |pool| async move {
                println!("registrations = {}", registrations::mode(&pool).await?.as_str());
                let profile = registrations::profile(&pool).await?;
                println!("description = {}", if profile.description.is_empty() { "(none)".to_string() } else { profile.description.replace('\n', " / ") });
                println!("contact = {}", profile.contact.as_deref().unwrap_or("(STAFFROOM_CONTACT_EMAIL or postmaster@)"));
                println!("invites_by = {}", registrations::invites_by(&pool).await?.as_str());
                let rules = registrations::rules(&pool).await?;
                if rules.is_empty() {
                    println!("rules = (none)");
                }
                for (n, rule) in rules.iter().enumerate() {
                    println!("rule {} = {rule}", n + 1);
                }
                Ok(())
            })
            .await
        }
        Command::Settings(SettingsCommand::Set { key, value }) => {
            with_database(&settings, |pool| async move {
                registrations::set_setting(&pool, &Acting::command_line(), &key, &value).await?;
                println!("{key} is set.");
                Ok(())
            })
            .await
        }
        Command::Stats => {
            with_database(&settings, |pool| async move {
                let s = staffroom::services::instance::statistics(&pool, &Acting::command_line()).await?;
                println!("teachers: {} ({} active in the last 30 days, {} waiting for approval)", s.users, s.active_month, s.pending_sign_ups);
                println!("suspended accounts: {}", s.suspended_accounts);
                println!("accounts on other servers: {} on {} servers ({} servers blocked)", s.remote_accounts, s.known_servers, s.blocked_servers);
                println!("posts: {} written here, {} received", s.local_posts, s.remote_posts);
                println!("open reports: {}", s.open_reports);
                println!("deliveries waiting: {} ({} servers unavailable)", s.pending_deliveries, s.unavailable_hosts);
                println!("copies of other servers' images: {:.1} MB", s.remote_media_bytes as f64 / 1_000_000.0);
                Ok(())
            })
            .await
        }
        Command::Audit { limit } => {
            with_database(&settings, |pool| async move {
                let entries = roles::audit_log(&pool, &Acting::command_line(), None, limit).await?;
                if entries.is_empty() {
                    println!("Nothing in the audit log yet.");
                }
                for (entry, actor) in entries {
                    let actor = actor.map(|name| format!("@{name}")).unwrap_or_else(|| "(command line)".into());
                    let reason = if entry.reason.is_empty() { String::new() } else { format!("  — {}", entry.reason) };
                    println!("{}  {actor} {} {}{reason}", entry.created_at.format("%Y-%m-%d %H:%M:%S UTC"), entry.action, entry.target_name);
                }
                Ok(())
            })
            .await
        }
        Command::Media(MediaCommand::Prune { older_than }) => {
            let store = staffroom::media::store::MediaStore::from_settings(&settings)?;
            with_database(&settings, |pool| async move {
                use std::io::Write;
                let mut last = std::time::Instant::now();
                let pruned = staffroom::services::media::prune_unattached(&pool, &store, chrono::Duration::days(older_than.into()), |done, total| {
                    // A line a second at most: progress without flooding a log.
                    if done == 0 || done == total || last.elapsed().as_secs() >= 1 {
                        last = std::time::Instant::now();
                        eprintln!("pruning unattached uploads older than {older_than} days: {done} of {total}");
                        let _ = std::io::stderr().flush();
                    }
                })
                .await?;
                println!("Removed {} unattached uploads ({} files) from {}.", pruned.uploads, pruned.files, store.describe());
                let mut last = std::time::Instant::now();
                let copies = staffroom::services::media_cache::prune_copies(&pool, &store, chrono::Duration::days(older_than.into()), |done, total| {
                    if done == 0 || done == total || last.elapsed().as_secs() >= 1 {
                        last = std::time::Instant::now();
                        eprintln!("pruning copies of remote images older than {older_than} days: {done} of {total}");
                        let _ = std::io::stderr().flush();
                    }
                })
                .await?;
                println!("Removed {copies} copies of remote images from {}.", store.describe());
                Ok(())
            })
            .await
        }
        Command::Queue(QueueCommand::Status) => {
            with_database(&settings, |pool| async move {
                let status = staffroom::federation::delivery::status(&pool).await?;
                print_queue_status(&status);
                Ok(())
            })
            .await
        }
        Command::Queue(QueueCommand::Retry { host }) => {
            with_database(&settings, |pool| async move {
                let n = staffroom::federation::delivery::retry_host(&pool, &host).await?;
                println!("{n} pending deliveries to {host} are due now; its failure record is cleared.");
                if n > 0 {
                    println!("A running `staffroom serve` sends them within a second.");
                }
                Ok(())
            })
            .await
        }
        Command::Token(TokenCommand::Create { name, scopes }) => {
            with_database(&settings, |pool| async move {
                let scopes = scopes.replace(',', " ");
                let token = staffroom::services::tokens::create(&pool, &name, "command line", &scopes)
                    .await
                    ?;
                println!("{token}");
                Ok(())
            })
            .await
        }
        Command::Emoji(EmojiCommand::Add { shortcode, file }) => {
            let shortcode = shortcode.trim_matches(':').to_string();
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            with_database(&settings, |pool| async move {
                let emoji = staffroom::services::emojis::add(&pool, &shortcode, &bytes).await?;
                println!("Added :{}: ({}, {} bytes).", emoji.shortcode, emoji.content_type, bytes.len());
                Ok(())
            })
            .await
        }
        Command::Emoji(EmojiCommand::List) => {
            with_database(&settings, |pool| async move {
                let list = staffroom::services::emojis::list(&pool).await?;
                if list.is_empty() {
                    println!("No custom emoji.");
                }
                for e in list {
                    println!(":{}:\t{}\tadded {}", e.shortcode, e.content_type, e.updated_at.format("%Y-%m-%d %H:%M UTC"));
                }
                Ok(())
            })
            .await
        }
        Command::Emoji(EmojiCommand::Remove { shortcode }) => {
            let shortcode = shortcode.trim_matches(':').to_string();
            with_database(&settings, |pool| async move {
                staffroom::services::emojis::remove(&pool, &shortcode).await?;
                println!("Removed :{shortcode}:.");
                Ok(())
            })
            .await
        }
        Command::Domain(DomainCommand::Block { host }) => {
            with_database(&settings, |pool| async move {
                let (added, dropped) = staffroom::federation::domains::block(&pool, &host).await?;
                if added {
                    println!("Blocked {host} (and its subdomains): nothing is accepted from it or sent to it; {dropped} queued deliveries dropped.");
                } else {
                    println!("{host} was already blocked.");
                }
                Ok(())
            })
            .await
        }
        Command::Domain(DomainCommand::Unblock { host }) => {
            with_database(&settings, |pool| async move {
                let removed = staffroom::federation::domains::unblock(&pool, &host).await?;
                println!("{}", if removed { format!("{host} is no longer blocked.") } else { format!("{host} was not blocked.") });
                Ok(())
            })
            .await
        }
        Command::Domain(DomainCommand::List) => {
            let mode = settings.federation_mode;
            with_database(&settings, |pool| async move {
                let blocks = staffroom::federation::domains::list(&pool).await?;
                if blocks.is_empty() {
                    println!("No blocked servers.");
                }
                for (domain, at) in blocks {
                    println!("{domain:<50} blocked {}", at.format("%Y-%m-%d %H:%M UTC"));
                }
                let allowed = staffroom::federation::domains::list_allowed(&pool).await?;
                let mode = match mode {
                    FederationMode::Open => "open: every server but the blocked ones; the allowlist below is not in force",
                    FederationMode::Allowlist => "allowlist: only the servers below, unless blocked",
                };
                println!("Federation mode {mode}.");
                if allowed.is_empty() {
                    println!("No allowed servers.");
                }
                for (domain, at) in allowed {
                    println!("{domain:<50} allowed {}", at.format("%Y-%m-%d %H:%M UTC"));
                }
                Ok(())
            })
            .await
        }
        Command::Domain(DomainCommand::Allow { host }) => {
            let mode = settings.federation_mode;
            with_database(&settings, |pool| async move {
                let added = staffroom::federation::domains::allow(&pool, &host).await?;
                println!("{}", if added { format!("Allowed {host} (and its subdomains).") } else { format!("{host} was already allowed.") });
                if mode == FederationMode::Open {
                    println!("The allowlist is in force only with STAFFROOM_FEDERATION_MODE=allowlist.");
                }
                Ok(())
            })
            .await
        }
        Command::Domain(DomainCommand::Disallow { host }) => {
            let mode = settings.federation_mode;
            with_database(&settings, |pool| async move {
                let (removed, dropped) =
                    staffroom::federation::domains::disallow(&pool, &host, mode).await?;
                if removed {
                    println!("{host} is no longer allowed; {dropped} queued deliveries dropped.");
                } else {
                    println!("{host} was not allowed.");
                }
                Ok(())
            })
            .await
        }
        Command::Db(DbCommand::Start) => {
            anyhow::ensure!(settings.database_url.is_none(), "DATABASE_URL is set: Staffroom uses that database and manages none of its own");
            let managed = ManagedPostgres::acquire(&settings.data_dir, settings.pg_bin_dir.as_deref(), Lifetime::KeepRunning).await?;
            println!("{}", managed.database_url());
            Ok(())
        }
        Command::Db(DbCommand::Stop) => {
            anyhow::ensure!(settings.database_url.is_none(), "DATABASE_URL is set: Staffroom manages no database of its own");
            if ManagedPostgres::stop_now(&settings.data_dir, settings.pg_bin_dir.as_deref()).await? {
                println!("The managed database is stopped.");
            } else {
                println!("The managed database was not running.");
            }
            Ok(())
        }
    }
}

/// Opens the database (starting the managed one if needed), brings it up to date,
/// runs `f`, and gives the database back whatever `f` returned.
async fn with_database<F, Fut>(settings: &Settings, f: F) -> anyhow::Result<()>
where
    F: FnOnce(DbPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let database = Database::open(settings, Lifetime::UntilLastUserLeaves).await?;
    let result = async {
        db::run_migrations(&database.url).await?;
        let pool = db::build_pool(&database.url, 2)?;
        f(pool).await
    }
    .await;
    let closed = database.close().await;
    result.and(closed)
}

fn print_queue_status(status: &staffroom::federation::delivery::QueueStatus) {
    let f = &status.figures;
    let now = chrono::Utc::now();
    println!(
        "Pending deliveries: {} ({} due now, {} being retried)",
        f.pending, f.due, f.retrying
    );
    match f.oldest {
        Some(oldest) => println!(
            "Oldest pending:     {} s old (queued {})",
            (now - oldest).num_seconds(),
            oldest.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => println!("Oldest pending:     none"),
    }
    println!("Failing hosts:      {}", status.failing_host_count);
    for h in &status.failing_hosts {
        let state = if h.unavailable {
            match h.next_probe_at {
                Some(at) => format!("UNAVAILABLE, next probe {}", at.format("%H:%M:%S UTC")),
                None => "UNAVAILABLE".into(),
            }
        } else {
            "failing".into()
        };
        println!(
            "  {:<40} {} failures since {}  {}  last error: {}",
            h.host,
            h.consecutive_failures,
            h.failing_since.format("%Y-%m-%d %H:%M UTC"),
            state,
            h.last_error.as_deref().unwrap_or("-")
        );
    }
    if !status.busiest_hosts.is_empty() {
        println!("Pending by host:");
        for (host, n) in &status.busiest_hosts {
            println!("  {host:<40} {n}");
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    anyhow::ensure!(!password.is_empty(), "no password on standard input: pipe it in, e.g. `echo \"$PASS\" | staffroom user add NAME --password-stdin`");
    Ok(password)
}

/// `staffroom tag enable|disable NAME`.
async fn switch_tag(settings: &Settings, name: String, enabled: bool) -> anyhow::Result<()> {
    with_database(settings, |pool| async move {
        let actor = staffroom::services::tag_actors::set_enabled(
            &pool,
            &staffroom::services::roles::Acting::command_line(),
            &name,
            enabled,
        )
        .await?;
        if actor.enabled {
            println!(
                "#{} is enabled: its actor announces public posts tagged with it.",
                actor.name
            );
        } else {
            println!(
                "#{} is disabled: its actor announces nothing until enabled.",
                actor.name
            );
        }
        Ok(())
    })
    .await
}
