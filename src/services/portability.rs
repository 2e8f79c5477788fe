//! Taking one's network along: importing follows from a Mastodon export
//! (`following_accounts.csv`), and exporting follows and bookmarks as the CSV files
//! Mastodon reads (the posts' `outbox.json` is federation/routes.rs's, in
//! ActivityPub's own shape). Used by the settings page and `staffroom import
//! follows`; each imported handle is looked up by WebFinger through the one
//! guarded client and followed as a click on "Follow" would. An import is a job
//! in the database (`import_jobs`): the settings page's runs in the background and
//! is watched on its own page; one cut off by a restart is taken up again.

use crate::{
    context::AppContext,
    db::{
        self,
        accounts::Account,
        import_jobs::{ImportJob, ImportJobInsertForm},
    },
    error::{Error, Result},
};
use serde::{Deserialize, Serialize};

/// The header of Mastodon's export (`Account address,Show boosts,Notify on new
/// posts,Languages`); files of bare handles, one a line, are read too.
pub const FOLLOWS_HEADER: &str = "Account address,Show boosts,Notify on new posts,Languages";
/// The most lines one import takes (Mastodon's own limit for follows is 7,500).
pub const MAX_LINES: usize = 7_500;
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Look-ups at once: each may wait on another server.
const CONCURRENCY: usize = 8;

/// One line of the file to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowLine {
    /// 1-based, counting the header, as an editor shows it.
    pub line: usize,
    pub handle: String,
    pub notify: bool,
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// How long an unfinished import may go without word from the process running it
/// before another takes it up: longer than a round of look-ups can take.
const QUIET_SECONDS: i64 = 120;

/// An import as its page shows it (db::import_jobs).
#[derive(Debug, Clone)]
pub struct ImportStatus {
    pub id: i64,
    /// Lines to look up, and how many were.
    pub total: usize,
    pub done: usize,
    pub followed: usize,
    pub failed: Vec<Failed>,
    pub finished: bool,
}

impl ImportStatus {
    fn of(job: ImportJob) -> Result<ImportStatus> {
        let mut failed: Vec<Failed> =
            serde_json::from_value(job.failed).map_err(Error::internal)?;
        failed.sort_by_key(|f| f.line);
        Ok(ImportStatus {
            id: job.id,
            total: usize::try_from(job.total).unwrap_or(0),
            done: usize::try_from(job.done).unwrap_or(0),
            followed: usize::try_from(job.followed).unwrap_or(0),
            failed,
            finished: job.finished_at.is_some(),
        })
    }
}

/// Reads the file and stores it as a job this process runs (nobody else takes it
/// while it is worked on).
async fn store_job(ctx: &AppContext, account: &Account, text: &str) -> Result<ImportJob> {
    let (lines, failed) = parse_follows(text)?;
    let form = ImportJobInsertForm {
        id: db::new_id(),
        account_id: account.id,
        total: i32::try_from(lines.len()).map_err(Error::internal)?,
        lines: serde_json::to_value(&lines).map_err(Error::internal)?,
        failed: serde_json::to_value(&failed).map_err(Error::internal)?,
        heartbeat_at: Some(chrono::Utc::now()),
    };
    let mut conn = ctx.pool.get().await?;
    Ok(db::import_jobs::insert(&mut conn, &form).await?)
}

/// The settings page's import: the file is checked and stored as a job, which runs
/// in the background (the request answers at once); its page shows the progress
/// and then the report. Returns the job's id.
#[tracing::instrument(skip_all, fields(account = %account.username))]
pub async fn start_import(ctx: &AppContext, account: &Account, text: &str) -> Result<i64> {
    let job = store_job(ctx, account, text).await?;
    let id = job.id;
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = run_job(&ctx, job, |_, _| {}).await {
            tracing::warn!(job = id, error = %e, "import stopped; another round takes it up");
        }
    });
    Ok(id)
}

/// Follows everyone the file names, as a job run here to its end (`staffroom import
/// follows`); `progress` hears (done, total) after each line. Lines that fail are
/// reported, the others still followed. The settings page shows it too.
#[tracing::instrument(skip_all, fields(account = %account.username))]
pub async fn import_follows(
    ctx: &AppContext,
    account: &Account,
    text: &str,
    progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    let job = store_job(ctx, account, text).await?;
    run_job(ctx, job, progress).await
}

/// Runs a job from where it got to, `CONCURRENCY` look-ups at a time, writing its
/// progress after each round.
async fn run_job(
    ctx: &AppContext,
    job: ImportJob,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport> {
    let lines: Vec<FollowLine> =
        serde_json::from_value(job.lines.clone()).map_err(Error::internal)?;
    let mut report = ImportReport {
        followed: usize::try_from(job.followed).unwrap_or(0),
        failed: serde_json::from_value(job.failed.clone()).map_err(Error::internal)?,
    };
    let Some(account) =
        db::accounts::Account::find(&mut *ctx.pool.get().await?, job.account_id).await?
    else {
        return Ok(report);
    };
    let total = lines.len();
    let mut done = usize::try_from(job.done).unwrap_or(0).min(total);
    let save = async |done: usize, report: &ImportReport, finished: bool| -> Result<()> {
        let failed = serde_json::to_value(&report.failed).map_err(Error::internal)?;
        let (done, followed) = (
            i32::try_from(done).unwrap_or(i32::MAX),
            i32::try_from(report.followed).unwrap_or(i32::MAX),
        );
        Ok(db::import_jobs::progress(
            &mut *ctx.pool.get().await?,
            job.id,
            done,
            followed,
            &failed,
            finished,
        )
        .await?)
    };
    for chunk in lines[done..].chunks(CONCURRENCY) {
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
        save(done, &report, false).await?;
    }
    report.failed.sort_by_key(|f| f.line);
    save(done, &report, true).await?;
    tracing::info!(
        job = job.id,
        followed = report.followed,
        failed = report.failed.len(),
        "follows imported"
    );
    Ok(report)
}

/// Takes up imports no process is working on (one cut off by a restart), one after
/// another until none is left.
pub async fn run_waiting(ctx: &AppContext) -> Result<()> {
    loop {
        let quiet_since = chrono::Utc::now() - chrono::Duration::seconds(QUIET_SECONDS);
        let Some(job) = db::import_jobs::claim(&mut *ctx.pool.get().await?, quiet_since).await?
        else {
            return Ok(());
        };
        tracing::info!(
            job = job.id,
            done = job.done,
            total = job.total,
            "taking up an import"
        );
        run_job(ctx, job, |_, _| {}).await?;
    }
}

/// Looks for imports to take up every minute while `serve` runs.
pub fn start(ctx: AppContext, stopped: tokio::sync::watch::Receiver<bool>) {
    crate::periodic::every(
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(60),
        stopped,
        move || {
            let ctx = ctx.clone();
            async move {
                if let Err(e) = run_waiting(&ctx).await {
                    tracing::warn!(error = %e, "taking up imports failed");
                }
            }
        },
    );
}

/// One of the teacher's imports.
pub async fn import_status(ctx: &AppContext, account: &Account, id: i64) -> Result<ImportStatus> {
    let job = db::import_jobs::find_for(&mut *ctx.pool.get().await?, account.id, id).await?;
    ImportStatus::of(job.ok_or_else(|| Error::not_found("no such import"))?)
}

/// The teacher's newest import, if any.
pub async fn latest_import(ctx: &AppContext, account: &Account) -> Result<Option<ImportStatus>> {
    db::import_jobs::latest_for(&mut *ctx.pool.get().await?, account.id)
        .await?
        .map(ImportStatus::of)
        .transpose()
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
