//! The instance itself: its actor's keys, made once on first start.

use crate::{
    crypto,
    db::{site::Site, DbPool},
    error::{Error, Result},
};

/// Returns the instance's row, creating it (and the instance actor's keys) if missing.
pub async fn ensure_site(pool: &DbPool) -> Result<Site> {
    let mut conn = pool.get().await?;
    if let Some(site) = Site::get(&mut conn).await? {
        return Ok(site);
    }
    let keys = tokio::task::spawn_blocking(crypto::generate_rsa_keypair)
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let site = Site::insert_or_get(&mut conn, &keys.public_key_pem, &keys.private_key_pem).await?;
    tracing::info!("instance actor keys created");
    Ok(site)
}

/// The figures NodeInfo publishes.
pub struct Usage {
    pub users: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
    pub local_posts: i64,
}

pub async fn usage(pool: &DbPool) -> Result<Usage> {
    use crate::db::{statuses, users::User};
    let mut conn = pool.get().await?;
    let now = chrono::Utc::now();
    Ok(Usage {
        users: User::count(&mut conn).await?,
        active_month: User::count_active_since(&mut conn, now - chrono::Duration::days(30)).await?,
        active_halfyear: User::count_active_since(&mut conn, now - chrono::Duration::days(180))
            .await?,
        local_posts: statuses::count_local(&mut conn).await?,
    })
}

/// Whether the database answers, for `/health`.
pub async fn database_ok(pool: &DbPool) -> Result<()> {
    let mut conn = pool.get().await?;
    crate::db::ping(&mut conn).await.map_err(Error::internal)
}

/// The instance's figures for its admins (`staffroom stats`); needs `ViewDashboard`.
pub async fn statistics(
    pool: &DbPool,
    acting: &super::roles::Acting,
) -> Result<crate::db::statistics::Statistics> {
    acting.require(super::roles::Permission::ViewDashboard)?;
    let mut conn = pool.get().await?;
    Ok(crate::db::statistics::gather(&mut conn).await?)
}
