//! Building the application: database, shared context, the whole route table in
//! one place, and the HTTP server.

use crate::{
    config::Settings,
    context::AppContext,
    db::{
        self,
        managed::{Lifetime, ManagedPostgres},
    },
    federation::{self, client::HttpClient, delivery::Deliverer},
    health, services,
    urls::Urls,
    web as pages,
};
use actix_web::{
    dev::{Server, ServerHandle, Service},
    web, App, HttpServer,
};
use anyhow::Context;
use std::{net::TcpListener, sync::Arc, time::Instant};

/// The database a command works on: the configured one, or the managed cluster.
pub struct Database {
    pub url: String,
    managed: Option<ManagedPostgres>,
}

impl Database {
    pub async fn open(settings: &Settings, lifetime: Lifetime) -> anyhow::Result<Database> {
        match &settings.database_url {
            Some(url) => {
                db::check_connection(url.expose()).await?;
                Ok(Database {
                    url: url.expose().to_string(),
                    managed: None,
                })
            }
            None => {
                let managed = ManagedPostgres::acquire(
                    &settings.data_dir,
                    settings.pg_bin_dir.as_deref(),
                    lifetime,
                )
                .await?;
                Ok(Database {
                    url: managed.database_url(),
                    managed: Some(managed),
                })
            }
        }
    }

    /// Gives the managed cluster back; the last process using it stops it.
    pub async fn close(self) -> anyhow::Result<()> {
        match self.managed {
            Some(managed) => managed.release().await,
            None => Ok(()),
        }
    }
}

pub struct Application {
    server: Server,
    port: u16,
    context: AppContext,
    deliverer: tokio::task::JoinHandle<()>,
    cluster_task: tokio::task::JoinHandle<()>,
    /// Stops the delivery worker and the cluster task.
    stop_deliverer: tokio::sync::watch::Sender<bool>,
    /// `/metrics` on `STAFFROOM_METRICS_ADDRESS`, when set.
    metrics: Option<Server>,
}

impl Application {
    /// Migrates the database, prepares the instance actor and binds the listener
    /// (port 0 picks a free port, which tests use).
    pub async fn build(settings: Settings, database_url: &str) -> anyhow::Result<Application> {
        let started = Instant::now();
        // The port first: a server that cannot listen must not have started its
        // workers (they would go on running against the database with nobody to stop them).
        let listener = TcpListener::bind(settings.bind).with_context(|| {
            format!(
                "cannot listen on {}: is another server using that port? Set STAFFROOM_BIND to another address",
                settings.bind
            )
        })?;
        let (stop_deliverer, stopped) = tokio::sync::watch::channel(false);
        let (ctx, cluster_task) = make_context(settings, database_url, stopped.clone()).await?;
        let deliverer = Deliverer::new(
            ctx.pool.clone(),
            ctx.client.clone(),
            ctx.settings.delivery.clone(),
            ctx.urls.clone(),
            ctx.delivery_wake.clone(),
            ctx.blocks.clone(),
            ctx.instance_key.clone(),
        );
        crate::api::streaming::start(ctx.clone(), stopped.clone());
        federation::follow_resend::start(ctx.clone(), stopped.clone());
        services::polls::start(ctx.clone(), stopped.clone());
        services::portability::start(ctx.clone(), stopped.clone());
        services::media::start_daily_prune(ctx.clone(), stopped.clone());
        tokio::spawn(services::mail::run(
            ctx.clone(),
            ctx.mail_wake.clone(),
            stopped.clone(),
        ));
        let metrics = match ctx.settings.metrics_address {
            Some(address) => Some(crate::metrics::serve(ctx.clone(), address)?),
            None => None,
        };
        let deliverer = tokio::spawn(deliverer.run(stopped));
        let port = listener.local_addr()?.port();
        let server = run(listener, ctx.clone())?;
        tracing::info!(
            address = %format!("http://{}:{port}", ctx.settings.bind.ip()),
            public_url = %ctx.urls.base(),
            dev = ctx.settings.dev,
            startup_ms = started.elapsed().as_millis() as u64,
            "listening"
        );
        Ok(Application {
            server,
            port,
            context: ctx,
            deliverer,
            cluster_task,
            stop_deliverer,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the handlers share, for tests that drive services directly.
    pub fn context(&self) -> &AppContext {
        &self.context
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until the server is stopped through its handle; in-flight requests
    /// finish first, then the delivery worker finishes its requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.as_ref().map(|m| m.handle());
        let metrics_task = self.metrics.map(tokio::spawn);
        let result = self.server.await;
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        if let Some(task) = metrics_task {
            let _ = task.await;
        }
        let _ = self.stop_deliverer.send(true);
        let _ = self.deliverer.await;
        let _ = self.cluster_task.await;
        result
    }
}

/// What every handler shares, with the cluster's listening task (which ends when
/// `stopped` turns true). Migrates the database first.
async fn make_context(
    settings: Settings,
    database_url: &str,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(AppContext, tokio::task::JoinHandle<()>)> {
    let domain = settings.require_domain()?.to_string();
    db::run_migrations(database_url).await?;
    let pool = db::build_pool(database_url, settings.db_pool_size)?;
    let site = services::instance::ensure_site(&pool).await?;
    let urls =
        Urls::new(settings.scheme(), &domain).with_media_base(settings.media_base_url.clone());
    let client = HttpClient::new(
        settings.dev,
        &format!(
            "Staffroom/{} (+{}/)",
            env!("CARGO_PKG_VERSION"),
            urls.base()
        ),
        settings.delivery.timeout,
        settings.delivery.per_host,
        &crate::federation::client::Reach::from_settings(&settings),
    )?;
    let media = crate::media::store::MediaStore::from_settings(&settings)?;
    media.check().await.with_context(|| {
        format!("the media store {} cannot be used: check STAFFROOM_S3_ENDPOINT, STAFFROOM_S3_BUCKET, STAFFROOM_S3_REGION and the credentials (docs/media.md)", media.describe())
    })?;
    // Before anything can serve: the caches that start full are loaded here.
    let (cluster, cluster_task) = crate::cluster::Cluster::start(
        database_url,
        pool.clone(),
        settings.federation_mode,
        stopped,
    )
    .await?;
    let ctx = AppContext {
        events: cluster.events.clone(),
        pool: pool.clone(),
        urls,
        instance_key: Arc::new(openssl::pkey::PKey::private_key_from_pem(
            site.private_key_pem.as_bytes(),
        )?),
        instance_public_key_pem: site.public_key_pem.into(),
        keys: cluster.keys.clone(),
        followed: cluster.followed.clone(),
        blocks: cluster.blocks.clone(),
        streams: crate::api::streaming::Hub::new(),
        cluster,
        inbox_rate: Arc::new(federation::limits::HostRateLimiter::new(
            settings.inbox_rate_per_host,
        )),
        client,
        posts: federation::intake::PostWriter::start(pool.clone()),
        delivery_wake: Arc::new(tokio::sync::Notify::new()),
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        logins: Arc::default(),
        media: Arc::new(media),
        settings: Arc::new(settings),
    };
    Ok((ctx, cluster_task))
}

/// The context for a command that acts as a teacher would (`staffroom import
/// follows`): the same services, the same guarded client and delivery queue, no
/// HTTP server and no delivery worker — a running `serve` sends what it queues.
/// Drop the sender to stop the cluster task.
pub async fn command_context(
    settings: Settings,
    database_url: &str,
) -> anyhow::Result<(AppContext, tokio::sync::watch::Sender<bool>)> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (ctx, _task) = make_context(settings, database_url, stopped).await?;
    Ok((ctx, stop))
}

fn run(listener: TcpListener, ctx: AppContext) -> anyhow::Result<Server> {
    let csp = pages::security::content_security_policy(ctx.settings.media_base_url.as_deref());
    let data = web::Data::new(ctx);
    let server = HttpServer::new(move || {
        let csp = csp.clone();
        App::new()
            .app_data(data.clone())
            .wrap_fn(move |req, srv| {
                let started = Instant::now();
                let method = req.method().clone();
                let path = req.path().to_string();
                let fut = srv.call(req);
                let csp = csp.clone();
                async move {
                    let mut res = fut.await?;
                    pages::security::protect(res.headers_mut(), &csp);
                    crate::metrics::request(res.status().as_u16(), started.elapsed());
                    tracing::info!(
                        %method,
                        %path,
                        status = res.status().as_u16(),
                        elapsed_us = started.elapsed().as_micros() as u64,
                        "request"
                    );
                    Ok(res)
                }
            })
            // First: actix tries routes in order, and the busiest path should not
            // wait for the patterns of the others to fail.
            .configure(federation::inbox::configure)
            .route("/health", web::get().to(health::health))
            .route(
                "/media/remote/{id}/{size}",
                web::get().to(crate::media::serve::remote),
            )
            .route("/media/{key:.+}", web::get().to(crate::media::serve::file))
            .route(
                "/emoji/{id}",
                web::get().to(crate::api::instance::emoji_image),
            )
            .configure(crate::api::configure)
            .route(
                "/.well-known/webfinger",
                web::get().to(federation::discovery::webfinger),
            )
            .route(
                "/.well-known/host-meta",
                web::get().to(federation::discovery::host_meta),
            )
            .route(
                "/.well-known/nodeinfo",
                web::get().to(federation::discovery::nodeinfo_links),
            )
            .route(
                "/nodeinfo/{version}",
                web::get().to(federation::discovery::nodeinfo),
            )
            .configure(federation::routes::configure)
            .route("/", web::get().to(pages::pages::home))
            .route(
                "/assets/staffroom.css",
                web::get().to(pages::security::stylesheet),
            )
            .route(
                "/assets/staffroom.js",
                web::get().to(pages::security::script),
            )
            .route("/auth/sign_in", web::get().to(pages::auth::sign_in_form))
            .route("/auth/sign_in", web::post().to(pages::auth::sign_in))
            .route("/auth/sign_out", web::post().to(pages::auth::sign_out))
            .route("/auth/sign_up", web::get().to(pages::sign_up::form))
            .route("/auth/sign_up", web::post().to(pages::sign_up::submit))
            .route("/invite/{code}", web::get().to(pages::sign_up::invite))
            .route(
                "/auth/password/new",
                web::get().to(pages::password::request_form),
            )
            .route(
                "/auth/password/new",
                web::post().to(pages::password::request),
            )
            .route(
                "/auth/password/edit",
                web::get().to(pages::password::edit_form),
            )
            .route("/auth/password/edit", web::post().to(pages::password::edit))
            .route(
                "/auth/confirmation",
                web::get().to(pages::password::confirm),
            )
            .route("/admin/accounts", web::get().to(pages::admin::accounts))
            .route(
                "/admin/accounts/{id}/role",
                web::post().to(pages::admin::change_role),
            )
            .route(
                "/admin/accounts/{id}/{verb}",
                web::post().to(pages::admin::account_action),
            )
            .route("/admin/reports", web::get().to(pages::admin::reports))
            .route(
                "/admin/reports/{id}/{verb}",
                web::post().to(pages::admin::report_action),
            )
            .route("/admin/joining", web::get().to(pages::admin::joining))
            .route(
                "/admin/joining/registrations",
                web::post().to(pages::admin::set_registrations),
            )
            .route(
                "/admin/joining/invites",
                web::post().to(pages::admin::make_invite),
            )
            .route(
                "/admin/joining/profile",
                web::post().to(pages::admin::set_profile),
            )
            .route(
                "/admin/joining/invites_by",
                web::post().to(pages::admin::set_invites_by),
            )
            .route(
                "/admin/statuses/{id}/delete",
                web::post().to(pages::admin::delete_status),
            )
            .route("/admin/federation", web::get().to(pages::admin::federation))
            .route(
                "/admin/federation/blocks",
                web::post().to(pages::admin::block_server),
            )
            .route(
                "/admin/federation/allows",
                web::post().to(pages::admin::allow_server),
            )
            .route(
                "/admin/federation/{kind}/{id}/remove",
                web::post().to(pages::admin::remove_server_rule),
            )
            .route("/settings/invites", web::get().to(pages::invites::page))
            .route("/settings/invites", web::post().to(pages::invites::make))
            .route("/admin/tags", web::get().to(pages::admin::tags))
            .route("/admin/tags", web::post().to(pages::admin::disable_tag))
            .route(
                "/admin/tags/{name}/{verb}",
                web::post().to(pages::admin::tag_action),
            )
            .route("/admin/relays", web::get().to(pages::admin::relays_page))
            .route("/admin/relays", web::post().to(pages::admin::add_relay))
            .route(
                "/admin/relays/remove",
                web::post().to(pages::admin::remove_relay),
            )
            .route("/admin/audit", web::get().to(pages::admin::audit))
            .route("/home", web::get().to(pages::home::page))
            .route("/home/newer", web::get().to(pages::home::newer))
            .route("/streaming", web::get().to(pages::posts::stream))
            .route("/notifications", web::get().to(pages::notifications::page))
            .route("/lists", web::get().to(pages::lists::index))
            .route("/lists", web::post().to(pages::lists::create))
            .route("/lists/{id}", web::get().to(pages::lists::page))
            .route(
                "/lists/{id}/remove/{account}",
                web::post().to(pages::lists::remove),
            )
            .route("/lists/{id}/{verb}", web::post().to(pages::lists::act))
            .route("/groups", web::get().to(pages::groups::index))
            .route("/groups", web::post().to(pages::groups::create))
            .route(
                "/groups/{id}/moderate",
                web::get().to(pages::groups::moderate),
            )
            .route(
                "/groups/{id}/requests/{account}/{verb:authorize|reject}",
                web::post().to(pages::groups::member),
            )
            .route(
                "/groups/{id}/members/{account}/{verb:remove}",
                web::post().to(pages::groups::member),
            )
            .route(
                "/groups/{id}/statuses/{status}/remove",
                web::post().to(pages::groups::remove_post),
            )
            .route("/chats", web::get().to(pages::chats::index))
            .route("/chats", web::post().to(pages::chats::create))
            .route("/chats/{id}", web::get().to(pages::chats::page))
            .route("/chats/{id}/edit", web::get().to(pages::chats::edit))
            .route("/chats/{id}/edit", web::post().to(pages::chats::save))
            .route("/chats/{id}/cancel", web::post().to(pages::chats::cancel))
            .route(
                "/chats/{id}/transcripts/{occurrence}",
                web::get().to(pages::chats::transcript),
            )
            .route("/tags/{name}/chats.ics", web::get().to(pages::ical::feed))
            .route("/search", web::get().to(pages::search::page))
            .route("/search/mentions", web::get().to(pages::search::mentions))
            .route("/search/hashtags", web::get().to(pages::search::hashtags))
            .route(
                "/accounts/{id}/{verb}",
                web::post().to(pages::profile::follow),
            )
            .route(
                "/settings",
                web::get().to(|| async { pages::session::see_other("/settings/profile") }),
            )
            .route("/settings/profile", web::get().to(pages::settings::page))
            .route("/settings/profile", web::post().to(pages::settings::save))
            .route(
                "/settings/avatar",
                web::post().to(pages::settings::save_avatar),
            )
            .route(
                "/settings/password",
                web::get().to(pages::sessions::password_form),
            )
            .route(
                "/settings/password",
                web::post().to(pages::sessions::change_password),
            )
            .route("/settings/apps", web::get().to(pages::apps::page))
            .route("/settings/moving", web::get().to(pages::moving::page))
            .route("/settings/import", web::post().to(pages::moving::import))
            .route(
                "/settings/import/{id}",
                web::get().to(pages::moving::import_progress),
            )
            .route("/settings/aliases", web::post().to(pages::moving::aliases))
            .route("/settings/move", web::post().to(pages::moving::move_away))
            .route(
                "/settings/export/{file}",
                web::get().to(pages::moving::export),
            )
            .route(
                "/settings/apps/{id}/revoke",
                web::post().to(pages::apps::revoke),
            )
            .route("/settings/sessions", web::get().to(pages::sessions::page))
            .route(
                "/settings/sessions/{id}/revoke",
                web::post().to(pages::sessions::revoke),
            )
            .route(
                "/statuses",
                web::post()
                    .guard(crate::multipart::guard())
                    .to(pages::posts::create_with_image),
            )
            .route("/statuses", web::post().to(pages::posts::create))
            .route("/statuses/{id}", web::get().to(pages::posts::thread))
            .route(
                "/statuses/{id}/edit",
                web::get().to(pages::posts::edit_form),
            )
            .route("/statuses/{id}/edit", web::post().to(pages::posts::edit))
            .route("/statuses/{id}/{verb}", web::post().to(pages::posts::act))
            .route("/polls/{id}/vote", web::post().to(pages::posts::vote))
            .route("/public", web::get().to(pages::posts::federated))
            .route("/public/local", web::get().to(pages::posts::local))
            .route("/tags/{name}", web::get().to(pages::posts::tag))
            .route("/about", web::get().to(pages::pages::about))
            .route("/follow_requests", web::get().to(pages::people::requests))
            .route(
                "/follow_requests/{id}/{verb}",
                web::post().to(pages::people::answer),
            )
            .route("/@{name}", web::get().to(pages::profile::page))
            .route(
                "/@{name}/followers",
                web::get().to(pages::people::followers),
            )
            .route(
                "/@{name}/following",
                web::get().to(pages::people::following),
            )
            .route("/@{name}/{id}", web::get().to(pages::status::page))
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// `staffroom serve`: database, server, and a clean stop on Ctrl-C or SIGTERM.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let started = Instant::now();
    settings.require_domain()?;
    let _instance_lock = crate::instance_lock::InstanceLock::take(&settings.data_dir)?;
    let database = Database::open(&settings, Lifetime::UntilLastUserLeaves).await?;
    let app = match Application::build(settings, &database.url).await {
        Ok(app) => app,
        Err(e) => {
            database.close().await?;
            return Err(e);
        }
    };
    tracing::info!(ready_ms = started.elapsed().as_millis() as u64, "ready");
    let handle = app.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing requests in flight");
        handle.stop(true).await;
    });
    let result = app.run_until_stopped().await;
    database.close().await?;
    tracing::info!("stopped");
    result.context("the HTTP server failed")
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!(signal = "SIGTERM", "shutdown requested"),
        _ = int.recv() => tracing::info!(signal = "SIGINT", "shutdown requested"),
    }
}
