//! Media benchmark: a 12-megapixel JPEG (4000×3000, made here: gradients and noise,
//! so it compresses like a photo, not like a flat test card) uploaded to one release
//! `staffroom serve` through `POST /api/v2/media`, which answers once the image is
//! processed and stored (sniffed, decoded, re-encoded at 1920 px, thumbnail,
//! blurhash). Prints p50/p99 of the upload-to-processed time one at a time, the
//! server's peak resident memory while processing (Linux's VmHWM, reset before each
//! phase), and uploads per second with 4 in parallel.
//! Targets (issue 14): under 300 ms and under 150 MB on this machine.
//!
//! Run: `scripts/bench media` (`STAFFROOM_BENCH_SCALE=0.1`: a few uploads, a quick check).

mod support;

use std::time::{Duration, Instant};

const SEQUENTIAL: f64 = 40.0;
const PARALLEL: f64 = 40.0;
const WORKERS: usize = 4;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

/// A photo-like 4000×3000 JPEG at quality 90.
fn photo() -> Vec<u8> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 24) as u32;
        image::Rgb([
            ((x / 16 + noise) % 256) as u8,
            ((y / 12 + noise) % 256) as u8,
            (((x + y) / 28 + noise) % 256) as u8,
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

fn body(jpeg: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----staffroom-bench-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nA classroom display\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"IMG_1234.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(jpeg);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// One upload, timed from sending to the processed answer.
async fn upload(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    ct: &str,
    body: &[u8],
) -> Duration {
    let started = Instant::now();
    let res = client
        .post(format!("{base}/api/v2/media"))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let answer: serde_json::Value = res.json().await.unwrap_or_default();
    let took = started.elapsed();
    assert_eq!(status, 200, "upload: {answer}");
    assert!(
        answer["url"].is_string() && answer["blurhash"].is_string(),
        "processed: {answer}"
    );
    took
}

async fn bench(db_url: String) {
    let sequential = ((SEQUENTIAL * support::scale()) as usize).max(3);
    let parallel = ((PARALLEL * support::scale()) as usize).max(WORKERS);
    let jpeg = photo();
    let server = support::Server::start(&db_url, &[]).await;
    let base = format!("http://{}", server.domain);
    let pid = server.child.id();
    println!(
        "Media: a 4000×3000 JPEG of {:.1} MB, {sequential} uploads one at a time, {parallel} with {WORKERS} in parallel; load {} (figures taken under load: other builds share the machine)",
        jpeg.len() as f64 / 1e6,
        support::load()
    );
    support::staffroom(&db_url, &["user", "add", "teacher"]);
    let token = support::token(&db_url, "teacher", "read write");
    let client = reqwest::Client::new();
    let (ct, body) = body(&jpeg);

    // Warm-up: the first upload pays for the connection pool and page faults.
    upload(&client, &base, &token, &ct, &body).await;
    let rss_idle = support::rss_mb(pid);
    let can_reset = support::reset_peak_rss(pid);

    let mut times = Vec::with_capacity(sequential);
    for _ in 0..sequential {
        times.push(upload(&client, &base, &token, &ct, &body).await);
    }
    let peak_sequential = support::peak_rss_mb(pid);
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  one at a time: p50 {:.0} ms, p99 {:.0} ms (target < 300 ms), min {:.0} ms, max {:.0} ms",
        ms(support::percentile(&times, 0.5)),
        ms(support::percentile(&times, 0.99)),
        ms(times[0]),
        ms(times[times.len() - 1])
    );

    support::reset_peak_rss(pid);
    let cpu_before = server.cpu();
    let started = Instant::now();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (client, base, token, ct, body, next) = (
            client.clone(),
            base.clone(),
            token.clone(),
            ct.clone(),
            body.clone(),
            next.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < parallel {
                times.push(upload(&client, &base, &token, &ct, &body).await);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peak_parallel = support::peak_rss_mb(pid);
    times.sort();
    println!(
        "  {WORKERS} in parallel: {:.1} uploads/s ({parallel} in {elapsed:.1} s), each p50 {:.0} ms, p99 {:.0} ms; server CPU {:.1} s",
        parallel as f64 / elapsed,
        ms(support::percentile(&times, 0.5)),
        ms(support::percentile(&times, 0.99)),
        server.cpu() - cpu_before
    );
    let peak_note = if can_reset {
        ""
    } else {
        " (peak since start: clear_refs not permitted here)"
    };
    println!(
        "  server RSS: {rss_idle:.1} MB idle after one upload; peak {peak_sequential:.1} MB processing one at a time (target < 150 MB), {peak_parallel:.1} MB with {WORKERS} at once{peak_note}"
    );
    println!("  load at the end: {}", support::load());
    server.stop();
}
