//! The managed database: when no `DATABASE_URL` is given, Staffroom runs a private
//! PostgreSQL cluster under `$STAFFROOM_DATA_DIR/postgres`, reachable only through a
//! Unix socket in that folder, using the PostgreSQL programs installed on the system.
//!
//! Several processes may need it at once (`serve`, and `user add` from another
//! terminal). Each holds a shared lock on `postgres.users` while it uses the cluster;
//! whoever leaves last stops it, unless `staffroom db start` asked for it to keep
//! running. Start and stop decisions are made under the exclusive `postgres.lock`.

use anyhow::{anyhow, bail, Context};
use std::{
    fs::{File, OpenOptions},
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::Output,
};
use tokio::process::Command;

const DATABASE: &str = "staffroom";
const ROLE: &str = "staffroom";
/// The unprivileged system user that runs the cluster when we are started as root,
/// since PostgreSQL refuses to run as root.
const SYSTEM_USER: &str = "staffroom";
/// `sun_path` is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// What to do with the cluster when this process is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Stop it if no other process is using it (and `db start` did not pin it).
    UntilLastUserLeaves,
    /// Leave it running for other programs (`staffroom db start`).
    KeepRunning,
}

pub struct ManagedPostgres {
    data_dir: PathBuf,
    pgdata: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    lifetime: Lifetime,
    /// Held shared for as long as this process uses the cluster.
    users_lock: Option<File>,
}

impl ManagedPostgres {
    /// Initialises the cluster on first use, starts it if it is not running, and
    /// makes sure the `staffroom` database exists.
    pub async fn acquire(
        data_dir: &Path,
        bin_dir_override: Option<&Path>,
        lifetime: Lifetime,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}: check STAFFROOM_DATA_DIR and its permissions",
                data_dir.display()
            )
        })?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve the data directory {}", data_dir.display()))?;
        let pgdata = data_dir.join("postgres");
        let socket = pgdata.join(".s.PGSQL.5432");
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the database socket path {} is longer than the {MAX_SOCKET_PATH} bytes a Unix socket allows: set STAFFROOM_DATA_DIR to a shorter path",
                socket.display()
            );
        }
        let bin_dir = find_bin_dir(&pgdata, bin_dir_override)?;
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(cluster_user(&pgdata)?)
        } else {
            None
        };
        if let Some((uid, gid)) = run_as {
            open_path_for(&pgdata, uid, gid)?;
        }

        let control = lock_file(&data_dir.join("postgres.lock"))?;
        let control = tokio::task::spawn_blocking(move || control.lock().map(|_| control))
            .await?
            .context("cannot lock postgres.lock")?;
        let users_lock = lock_file(&data_dir.join("postgres.users"))?;
        users_lock
            .lock_shared()
            .context("cannot lock postgres.users")?;

        let mut this = ManagedPostgres {
            data_dir,
            pgdata,
            bin_dir,
            run_as,
            lifetime,
            users_lock: Some(users_lock),
        };
        let result = this.start_if_needed().await;
        drop(control);
        result?;
        if lifetime == Lifetime::KeepRunning {
            std::fs::write(this.keep_marker(), b"")?;
            this.users_lock = None;
        }
        this.ensure_database().await?;
        Ok(this)
    }

    /// A URL for the `staffroom` database over the socket (the host is the
    /// percent-encoded socket folder, as libpq and tokio-postgres read it).
    pub fn database_url(&self) -> String {
        socket_url(&self.pgdata, DATABASE)
    }

    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    fn keep_marker(&self) -> PathBuf {
        self.data_dir.join("postgres.keep")
    }

    /// Stops the cluster if this process is the last one using it.
    pub async fn release(mut self) -> anyhow::Result<()> {
        let Some(users_lock) = self.users_lock.take() else {
            return Ok(());
        };
        let control = lock_file(&self.data_dir.join("postgres.lock"))?;
        let control =
            tokio::task::spawn_blocking(move || control.lock().map(|_| control)).await??;
        // Trading our shared lock for an exclusive one succeeds only if nobody else holds one.
        users_lock.unlock()?;
        let alone = users_lock.try_lock().is_ok();
        if alone && !self.keep_marker().exists() && self.is_running().await? {
            self.stop().await?;
        }
        drop(control);
        Ok(())
    }

    /// `staffroom db stop`: stops the cluster whoever started it.
    pub async fn stop_now(
        data_dir: &Path,
        bin_dir_override: Option<&Path>,
    ) -> anyhow::Result<bool> {
        let this = Self::acquire_without_starting(data_dir, bin_dir_override)?;
        let _ = std::fs::remove_file(this.keep_marker());
        if this.is_running().await? {
            this.stop().await?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn acquire_without_starting(
        data_dir: &Path,
        bin_dir_override: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("the data directory {} does not exist", data_dir.display()))?;
        let pgdata = data_dir.join("postgres");
        let bin_dir = find_bin_dir(&pgdata, bin_dir_override)?;
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(cluster_user(&pgdata)?)
        } else {
            None
        };
        Ok(ManagedPostgres {
            data_dir,
            pgdata,
            bin_dir,
            run_as,
            lifetime: Lifetime::KeepRunning,
            users_lock: None,
        })
    }

    async fn start_if_needed(&self) -> anyhow::Result<()> {
        if !self.pgdata.join("PG_VERSION").exists() {
            self.init().await?;
        }
        if self.is_running().await? {
            tracing::debug!(pgdata = %self.pgdata.display(), "managed PostgreSQL already running");
            return Ok(());
        }
        let log = self.pgdata.join("postgresql.log");
        let out = self
            .pg_command("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-s"])
            .output()
            .await
            .context("cannot run pg_ctl")?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail
                .lines()
                .rev()
                .take(10)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            bail!(
                "the managed PostgreSQL did not start: {}\n{}\nsee {} for details",
                output_text(&out),
                tail.join("\n"),
                log.display()
            );
        }
        tracing::info!(pgdata = %self.pgdata.display(), "managed PostgreSQL started");
        Ok(())
    }

    async fn init(&self) -> anyhow::Result<()> {
        tracing::info!(pgdata = %self.pgdata.display(), "creating the managed PostgreSQL cluster");
        std::fs::create_dir_all(&self.pgdata)?;
        std::fs::set_permissions(&self.pgdata, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&self.pgdata, Some(uid), Some(gid))
                .context("cannot hand the database folder to the staffroom system user")?;
        }
        let out = self
            .pg_command("initdb")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-U", ROLE, "--auth=trust", "--encoding=UTF8", "--no-locale"])
            .output()
            .await
            .context("cannot run initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", output_text(&out));
        }
        // Socket only, in this folder only, so trust authentication reaches nobody else;
        // small memory settings, since an instance may live on a Raspberry Pi.
        let settings = format!(
            "\n# Staffroom's managed cluster\nlisten_addresses = ''\nunix_socket_directories = '{}'\nunix_socket_permissions = 0700\nmax_connections = 60\nshared_buffers = 32MB\n",
            self.pgdata.to_string_lossy().replace('\'', "''")
        );
        let conf = self.pgdata.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(&settings);
        std::fs::write(&conf, text)?;
        Ok(())
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let url = socket_url(&self.pgdata, "postgres");
        let mut conn = AsyncPgConnection::establish(&url)
            .await
            .context("cannot connect to the managed PostgreSQL")?;
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            #[allow(dead_code)]
            one: i32,
        }
        let exists = diesel::sql_query(format!(
            "SELECT 1 AS one FROM pg_database WHERE datname = '{DATABASE}'"
        ))
        .load::<Found>(&mut conn)
        .await?;
        if exists.is_empty() {
            diesel::sql_query(format!("CREATE DATABASE {DATABASE}"))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    async fn is_running(&self) -> anyhow::Result<bool> {
        if !self.pgdata.join("PG_VERSION").exists() {
            return Ok(false);
        }
        let out = self
            .pg_command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.pgdata)
            .output()
            .await?;
        // pg_ctl status: 0 running, 3 not running, 4 no usable data directory.
        match out.status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => Err(anyhow!(
                "cannot tell whether the managed PostgreSQL runs: {}",
                output_text(&out)
            )),
        }
    }

    async fn stop(&self) -> anyhow::Result<()> {
        let out = self
            .pg_command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-m", "fast", "-w", "-t", "60", "-s"])
            .output()
            .await?;
        if !out.status.success() {
            bail!("the managed PostgreSQL did not stop: {}", output_text(&out));
        }
        tracing::info!(pgdata = %self.pgdata.display(), "managed PostgreSQL stopped");
        Ok(())
    }

    fn pg_command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.env("LC_ALL", "C")
            .env_remove("PGDATA")
            .env_remove("PGHOST")
            .stdin(std::process::Stdio::null());
        // The cluster's processes get their own session from pg_ctl; a Ctrl-C in our
        // terminal reaches only us, and we stop the cluster ourselves.
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).current_dir(&self.pgdata);
        }
        cmd
    }
}

impl Drop for ManagedPostgres {
    fn drop(&mut self) {
        if self.users_lock.is_some() && self.lifetime == Lifetime::UntilLastUserLeaves {
            tracing::debug!("managed PostgreSQL handle dropped without release; the next user will find it running");
        }
    }
}

fn lock_file(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn output_text(out: &Output) -> String {
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if text.is_empty() {
        text = stdout.trim().to_string();
    }
    text
}

fn socket_url(socket_dir: &Path, database: &str) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut host = String::new();
    for &b in socket_dir.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            host.push(b as char);
        } else {
            host.push_str(&format!("%{b:02X}"));
        }
    }
    format!("postgresql://{ROLE}@{host}:5432/{database}")
}

/// Where `initdb` and `pg_ctl` live: the configured folder, else `PATH`, else Debian's
/// `/usr/lib/postgresql/<version>/bin`, preferring the version the cluster was made with.
fn find_bin_dir(pgdata: &Path, configured: Option<&Path>) -> anyhow::Result<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let not_found = || {
        anyhow!(
            "the PostgreSQL server programs (initdb, pg_ctl) were not found{}: install them (Debian/Ubuntu: apt-get install postgresql; Fedora: dnf install postgresql-server; Alpine: apk add postgresql) or set DATABASE_URL to a PostgreSQL database you run yourself",
            configured.map(|d| format!(" in STAFFROOM_PG_BIN_DIR={}", d.display())).unwrap_or_else(|| " on PATH or under /usr/lib/postgresql/*/bin".into())
        )
    };
    if let Some(dir) = configured {
        return if has_tools(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(not_found())
        };
    }
    let cluster_version = std::fs::read_to_string(pgdata.join("PG_VERSION"))
        .ok()
        .map(|v| v.trim().to_string());
    let mut candidates: Vec<(Option<u32>, PathBuf)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        for entry in entries.flatten() {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok();
            candidates.push((version, entry.path().join("bin")));
        }
    }
    if let Some(wanted) = &cluster_version {
        if let Some((_, dir)) = candidates
            .iter()
            .find(|(v, dir)| v.map(|v| v.to_string()).as_ref() == Some(wanted) && has_tools(dir))
        {
            return Ok(dir.clone());
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                return Ok(dir);
            }
        }
    }
    candidates.sort();
    if let Some((_, dir)) = candidates.into_iter().rev().find(|(_, dir)| has_tools(dir)) {
        if let Some(wanted) = cluster_version {
            tracing::warn!(cluster_version = %wanted, bin_dir = %dir.display(), "PostgreSQL programs of the cluster's version were not found; trying these");
        }
        return Ok(dir);
    }
    Err(not_found())
}

/// The (uid, gid) that runs the cluster when we are root: the owner of an existing
/// cluster, else the `staffroom` system user, created on first use.
fn cluster_user(pgdata: &Path) -> anyhow::Result<(u32, u32)> {
    if let Ok(meta) = std::fs::metadata(pgdata) {
        if meta.uid() != 0 {
            return Ok((meta.uid(), meta.gid()));
        }
    }
    if let Some(ids) = lookup_user(SYSTEM_USER) {
        return Ok(ids);
    }
    tracing::info!(
        user = SYSTEM_USER,
        "creating a system user to run the managed PostgreSQL (it refuses to run as root)"
    );
    let status = std::process::Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            SYSTEM_USER,
        ])
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => {
            if lookup_user(SYSTEM_USER).is_none() {
                bail!("PostgreSQL cannot run as root and the system user {SYSTEM_USER:?} could not be created: create it (useradd --system {SYSTEM_USER}), run Staffroom as an ordinary user, or set DATABASE_URL");
            }
        }
    }
    lookup_user(SYSTEM_USER)
        .ok_or_else(|| anyhow!("the system user {SYSTEM_USER:?} was not found after creating it"))
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let name = std::ffi::CString::new(name).ok()?;
    // getpwnam's result points into static storage; we copy the two ids out at once.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        return None;
    }
    let entry = unsafe { &*entry };
    Some((entry.pw_uid, entry.pw_gid))
}

/// The cluster user must be able to reach its folder. A data dir under a private home
/// (such as /root) is not reachable; we grant search-only permission (`o+x`, which
/// lists nothing) on the folders in between and say so.
fn open_path_for(pgdata: &Path, uid: u32, gid: u32) -> anyhow::Result<()> {
    for dir in pgdata.ancestors().skip(1) {
        let meta = std::fs::metadata(dir)?;
        let mode = meta.permissions().mode();
        let searchable = mode & 0o001 != 0
            || (meta.uid() == uid && mode & 0o100 != 0)
            || (meta.gid() == gid && mode & 0o010 != 0);
        if !searchable {
            tracing::warn!(folder = %dir.display(), "granting others search permission (o+x) so the staffroom system user can reach the database folder");
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o001))
                .with_context(|| format!("cannot grant search permission on {}", dir.display()))?;
        }
    }
    Ok(())
}
