//! `/metrics` in Prometheus' text format (version 0.0.4), served only on
//! `STAFFROOM_METRICS_ADDRESS`, never on the public address. Counters live in this
//! process (each `serve` of a cluster is scraped on its own); queue depths are read
//! from the database at each scrape. Hand-written: a dozen series do not need a
//! metrics crate and its registry.

use crate::context::AppContext;
use actix_web::{web, App, HttpResponse, HttpServer};
use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
    time::Duration,
};

/// Upper bounds of the request-latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    const fn new() -> Histogram {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS.len()],
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        // Stored per bucket, summed into Prometheus' cumulative form when written.
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum{{{}}} {}",
            labels.trim_end_matches(','),
            self.sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "{name}_count{{{}}} {count}",
            labels.trim_end_matches(',')
        );
    }
}

/// Request latency by the status class of the answer (1xx..5xx).
static REQUESTS: [Histogram; 5] = [const { Histogram::new() }; 5];
/// Deliveries: delivered, retried (failed, will try again), refused (4xx, dropped), given up.
static DELIVERIES: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
const DELIVERY_OUTCOMES: [&str; 4] = ["delivered", "retried", "refused", "given_up"];
/// Inbox POSTs: accepted (2xx) and refused (anything else).
static INBOX: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];
static MAIL: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

pub fn request(status: u16, elapsed: Duration) {
    let class = (status / 100).clamp(1, 5) as usize - 1;
    REQUESTS[class].observe(elapsed);
}

#[derive(Clone, Copy)]
pub enum Delivery {
    Delivered = 0,
    Retried = 1,
    Refused = 2,
    GivenUp = 3,
}

pub fn delivery(outcome: Delivery) {
    DELIVERIES[outcome as usize].fetch_add(1, Relaxed);
}

pub fn inbox(accepted: bool) {
    INBOX[usize::from(!accepted)].fetch_add(1, Relaxed);
}

pub fn mail_sent(sent: bool) {
    MAIL[usize::from(!sent)].fetch_add(1, Relaxed);
}

/// The exposition, queue depths read now.
pub async fn render(ctx: &AppContext) -> String {
    let mut out = String::with_capacity(4096);
    let (pending, due, mail) = match ctx.pool.get().await {
        Ok(mut conn) => {
            let figures = crate::db::deliveries::figures(&mut conn).await.ok();
            let mail = crate::db::mail::pending(&mut conn).await.ok();
            (
                figures.as_ref().map(|f| f.pending),
                figures.as_ref().map(|f| f.due),
                mail,
            )
        }
        Err(_) => (None, None, None),
    };
    out.push_str("# HELP staffroom_delivery_queue_depth Deliveries waiting in the outgoing queue.\n# TYPE staffroom_delivery_queue_depth gauge\n");
    if let Some(p) = pending {
        let _ = writeln!(out, "staffroom_delivery_queue_depth {p}");
    }
    out.push_str("# HELP staffroom_delivery_queue_due Queued deliveries due now.\n# TYPE staffroom_delivery_queue_due gauge\n");
    if let Some(d) = due {
        let _ = writeln!(out, "staffroom_delivery_queue_due {d}");
    }
    out.push_str("# HELP staffroom_mail_queue_depth Mail waiting to be sent.\n# TYPE staffroom_mail_queue_depth gauge\n");
    if let Some(m) = mail {
        let _ = writeln!(out, "staffroom_mail_queue_depth {m}");
    }
    out.push_str("# HELP staffroom_deliveries_total Delivery attempts by this process, by outcome.\n# TYPE staffroom_deliveries_total counter\n");
    for (name, n) in DELIVERY_OUTCOMES.iter().zip(&DELIVERIES) {
        let _ = writeln!(
            out,
            "staffroom_deliveries_total{{outcome=\"{name}\"}} {}",
            n.load(Relaxed)
        );
    }
    out.push_str("# HELP staffroom_inbox_activities_total Activities POSTed to our inboxes, accepted or refused.\n# TYPE staffroom_inbox_activities_total counter\n");
    for (name, n) in ["accepted", "refused"].iter().zip(&INBOX) {
        let _ = writeln!(
            out,
            "staffroom_inbox_activities_total{{result=\"{name}\"}} {}",
            n.load(Relaxed)
        );
    }
    out.push_str("# HELP staffroom_mail_total Mail handed to the SMTP server, or given up on.\n# TYPE staffroom_mail_total counter\n");
    for (name, n) in ["sent", "given_up"].iter().zip(&MAIL) {
        let _ = writeln!(
            out,
            "staffroom_mail_total{{outcome=\"{name}\"}} {}",
            n.load(Relaxed)
        );
    }
    out.push_str("# HELP staffroom_http_request_duration_seconds Time to answer HTTP requests, by status class.\n# TYPE staffroom_http_request_duration_seconds histogram\n");
    for (i, h) in REQUESTS.iter().enumerate() {
        h.write(
            &mut out,
            "staffroom_http_request_duration_seconds",
            &format!("status=\"{}xx\",", i + 1),
        );
    }
    out
}

async fn metrics(ctx: web::Data<AppContext>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(render(&ctx).await)
}

/// The metrics listener, on its own address with one worker.
pub fn serve(
    ctx: AppContext,
    address: std::net::SocketAddr,
) -> anyhow::Result<actix_web::dev::Server> {
    use anyhow::Context;
    let data = web::Data::new(ctx);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(metrics))
    })
    .workers(1)
    .bind(address)
    .with_context(|| {
        format!(
            "cannot listen on STAFFROOM_METRICS_ADDRESS={address}: is another program using it?"
        )
    })?
    .disable_signals()
    .shutdown_timeout(5)
    .run();
    tracing::info!(address = %address, "metrics listening");
    Ok(server)
}
