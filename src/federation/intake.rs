//! Group commit for incoming posts. Busy inboxes get many posts at once; storing each
//! in its own transaction costs a WAL flush apiece. Posts waiting to be stored are
//! written together in one statement, and each sender is answered only after the
//! batch that holds its post has committed.
//!
//! Every remote post is stored through here — received in a Create, fetched as a
//! reply's ancestor, fetched as a boost's original — so one SQL function
//! (`store_received_posts`, a batch at a time) holds how a remote post is stored.

use crate::{
    db::{
        statuses::{Received, ReceivedPost, Status},
        DbPool,
    },
    error::{Error, Result},
};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

const MAX_BATCH: usize = 256;
/// Batches written at once (each on its own connection). One: in a CPU-bound hour
/// two writers made no more posts a second than one, but cost PostgreSQL a fifth more
/// CPU and the senders 2 ms more at p99 (docs/federation.md, "Inbox throughput").
const WRITERS: usize = 1;

type Job = (ReceivedPost, oneshot::Sender<Result<Received>>);

#[derive(Clone)]
pub struct PostWriter {
    jobs: mpsc::Sender<Job>,
}

impl PostWriter {
    /// Starts the writer task; it stops when every `PostWriter` clone is dropped.
    pub fn start(pool: DbPool) -> PostWriter {
        let (jobs, rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        tokio::spawn(write_batches(pool, rx));
        PostWriter { jobs }
    }

    /// Stores a post; what became of it (new, already stored, or a repeated activity).
    pub async fn store(&self, post: ReceivedPost) -> Result<Received> {
        let (done, result) = oneshot::channel();
        self.jobs
            .send((post, done))
            .await
            .map_err(|_| Error::internal(anyhow::anyhow!("the post writer has stopped")))?;
        result
            .await
            .map_err(|_| Error::internal(anyhow::anyhow!("the post writer dropped a post")))?
    }
}

async fn write_batches(pool: DbPool, mut rx: mpsc::Receiver<Job>) {
    // Batches are written by up to WRITERS connections at once (more than one lets the
    // next batch be inserted while another waits for its commit's WAL flush). A new
    // batch starts only when a writer is free, and so takes everything that arrived
    // meanwhile: the busier the inbox, the larger and cheaper per post each batch.
    let writers = Arc::new(Semaphore::new(WRITERS));
    while let Some(first) = rx.recv().await {
        let Ok(writer) = writers.clone().acquire_owned().await else {
            return;
        };
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            write_batch(&pool, jobs).await;
            drop(writer);
        });
    }
}

async fn write_batch(pool: &DbPool, jobs: Vec<Job>) {
    let (posts, answers): (Vec<ReceivedPost>, Vec<_>) = jobs.into_iter().unzip();
    let result = async {
        let mut conn = pool.get().await?;
        Ok::<_, Error>(Status::store_received(&mut conn, &posts).await?)
    }
    .await;
    match result {
        Ok(stored) if stored.len() == answers.len() => {
            for (done, ok) in answers.into_iter().zip(stored) {
                let _ = done.send(Ok(ok));
            }
        }
        other => {
            // One bad post (say, its author deleted meanwhile) must not fail the
            // others: store them one by one and report each outcome.
            if let Err(e) = other {
                tracing::warn!(error = %e, posts = posts.len(), "batch insert failed; storing posts one by one");
            }
            for (post, done) in posts.iter().zip(answers) {
                let single = async {
                    let mut conn = pool.get().await?;
                    let stored =
                        Status::store_received(&mut conn, std::slice::from_ref(post)).await?;
                    stored.into_iter().next().ok_or_else(|| {
                        Error::internal(anyhow::anyhow!("a post was not answered for"))
                    })
                }
                .await;
                let _ = done.send(single);
            }
        }
    }
}
