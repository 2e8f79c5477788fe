//! Taking one's network along: importing follows from a Mastodon export
//! (`following_accounts.csv`), and exporting follows and bookmarks as the CSV files
//! Mastodon reads (the posts' `outbox.json` is federation/routes.rs's, in
//! ActivityPub's own shape). Used by the settings page and `staffroom import
//! follows`; each imported handle is looked up by WebFinger through the one
//! guarded client and followed as a click on "Follow" would.

use crate::{
    context::AppContext,
    db::{self, accounts::Account},
    error::{Error, Result},
};

/// The header of Mastodon's export (`Account address,Show boosts,Notify on new
/// posts,Languages`); files of bare handles, one a line, are read too.
pub const FOLLOWS_HEADER: &str = "Account address,Show boosts,Notify on new posts,Languages";
/// The most lines one import takes (Mastodon's own limit for follows is 7,500).
pub const MAX_LINES: usize = 7_500;
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Look-ups at once: each may wait on another server.
const CONCURRENCY: usize = 8;

/// One line of the file to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowLine {
    /// 1-based, counting the header, as an editor shows it.
    pub line: usize,
    pub handle: String,
    pub notify: bool,
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub line: usize,
    pub handle: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub followed: usize,
    pub failed: Vec<Failed>,
}

/// One CSV record's fields (RFC 4180 quoting, as Mastodon writes its lists).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

/// Reads the file: the lines to follow, and those that cannot be (not a handle).
pub fn parse_follows(text: &str) -> Result<(Vec<FollowLine>, Vec<Failed>)> {
    if text.len() > MAX_BYTES {
        return Err(Error::bad_request(format!(
            "the file is larger than {} MB",
            MAX_BYTES / 1024 / 1024
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut failed = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        if raw.trim().is_empty() || (line == 1 && raw.trim().eq_ignore_ascii_case(FOLLOWS_HEADER)) {
            continue;
        }
        if line == 1 && raw.to_ascii_lowercase().starts_with("account address") {
            continue;
        }
        if lines.len() + failed.len() >= MAX_LINES {
            return Err(Error::bad_request(format!(
                "the file has more than {MAX_LINES} accounts: split it"
            )));
        }
        let f = fields(raw);
        let handle = f[0].trim_start_matches('@').to_string();
        let ok = handle.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && !host.is_empty()
                && !host.contains(['@', '/', ' ', '?', '#'])
                && !user.contains([' ', '/'])
        });
        if !ok {
            failed.push(Failed {
                line,
                handle: f[0].clone(),
                reason: "not an account address (user@server)".into(),
            });
            continue;
        }
        let notify = f.get(2).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        lines.push(FollowLine {
            line,
            handle,
            notify,
        });
    }
    Ok((lines, failed))
}

/// Follows everyone the file names, `CONCURRENCY` look-ups at a time; `progress`
/// hears (done, total) after each line. Lines that fail are reported, the others
/// still followed.
#[tracing::instrument(skip_all, fields(account = %account.username))]
pub async fn import_follows(
    ctx: &AppContext,
    account: &Account,
    text: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    let (lines, failed) = parse_follows(text)?;
    let mut report = ImportReport {
        followed: 0,
        failed,
    };
    let total = lines.len();
    let mut done = 0;
    for chunk in lines.chunks(CONCURRENCY) {
        let mut tasks = Vec::with_capacity(chunk.len());
        for line in chunk {
            let ctx = ctx.clone();
            let account = account.clone();
            let line = line.clone();
            tasks.push(tokio::spawn(async move {
                let result = follow_one(&ctx, &account, &line).await;
                (line, result)
            }));
        }
        for task in tasks {
            let (line, result) = task.await.map_err(Error::internal)?;
            match result {
                Ok(()) => report.followed += 1,
                Err(e) => report.failed.push(Failed {
                    line: line.line,
                    handle: line.handle,
                    reason: e.message,
                }),
            }
            done += 1;
            progress(done, total);
        }
    }
    report.failed.sort_by_key(|f| f.line);
    tracing::info!(
        followed = report.followed,
        failed = report.failed.len(),
        "follows imported"
    );
    Ok(report)
}

async fn follow_one(ctx: &AppContext, account: &Account, line: &FollowLine) -> Result<()> {
    let target = super::search::by_handle(ctx, &line.handle, true).await?;
    if target.id == account.id {
        return Err(Error::bad_request("that is you"));
    }
    super::follows::follow(ctx, account, &target).await?;
    if line.notify {
        super::follows::set_notify(ctx, account, &target, true).await?;
    }
    Ok(())
}

/// The most rows an export holds.
const MAX_EXPORT: i64 = 100_000;

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// `following_accounts.csv` as Mastodon writes it.
pub async fn export_follows(ctx: &AppContext, account: &Account) -> Result<String> {
    let mut conn = ctx.pool.get().await?;
    let rows = db::account_lists::following_for_export(&mut conn, account.id, MAX_EXPORT).await?;
    let mut out = format!("{FOLLOWS_HEADER}\n");
    for (target, notify) in rows {
        let host = target
            .domain
            .clone()
            .unwrap_or_else(|| ctx.urls.domain().to_string());
        out.push_str(&format!(
            "{},true,{notify},\n",
            csv_field(&format!("{}@{host}", target.username))
        ));
    }
    Ok(out)
}

/// `bookmarks.csv` as Mastodon writes it: the posts' URIs, one a line, no header.
pub async fn export_bookmarks(ctx: &AppContext, account: &Account) -> Result<String> {
    let mut conn = ctx.pool.get().await?;
    let rows = db::bookmarks::for_export(&mut conn, account.id, MAX_EXPORT).await?;
    let mut out = String::new();
    for (status, author) in rows {
        out.push_str(&csv_field(&ctx.urls.status_uri(&status, &author)));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_exports_parse_and_bad_lines_are_named() {
        let text = "Account address,Show boosts,Notify on new posts,Languages\nada@school.example,true,false,\n@bob@other.example,false,true,\"en,de\"\nnot a handle,true,false,\n\n";
        let (lines, failed) = parse_follows(text).unwrap();
        assert_eq!(
            lines,
            vec![
                FollowLine {
                    line: 2,
                    handle: "ada@school.example".into(),
                    notify: false
                },
                FollowLine {
                    line: 3,
                    handle: "bob@other.example".into(),
                    notify: true
                },
            ]
        );
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].line, 4);
        let (bare, _) = parse_follows("ada@school.example\n").unwrap();
        assert_eq!(bare.len(), 1);
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("a@b"), "a@b");
        assert_eq!(csv_field("a,\"b"), "\"a,\"\"b\"");
        assert_eq!(
            fields("\"en,de\",x"),
            vec!["en,de".to_string(), "x".to_string()]
        );
    }
}
