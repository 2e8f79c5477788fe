//! The one interface to where media files live: local files under the data
//! directory, or an S3-compatible bucket that every `serve` of the instance shares
//! (through `object_store`). Keys are `<id>/<random>/<name>`: the random part makes a
//! file's URL impossible to guess from a post's id (see docs/media.md on
//! followers-only posts). Callers never see which store it is.

use crate::config::{MediaStoreKind, S3Settings, Settings};
use actix_web::web::Bytes;
use object_store::{
    aws::AmazonS3, path::Path as ObjectPath, Attribute, Attributes, ObjectStore, ObjectStoreExt,
    PutOptions, PutPayload,
};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// What every stored file is served with: a key never changes its content.
pub const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

#[derive(Debug)]
pub enum MediaStore {
    Local { root: PathBuf },
    S3 { bucket: String, store: AmazonS3 },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
    #[error("media store: {0}")]
    Bucket(#[from] object_store::Error),
    #[error("media store: invalid key")]
    BadKey,
}

/// The type a stored file is served as, from its key's extension: only the types we
/// write, so nothing stored is ever served as something a browser would run.
pub fn content_type(key: &str) -> Option<&'static str> {
    match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        _ => None,
    }
}

/// Keys are ours (`<id>/<hex>/<name>.<ext>`), but `GET /media/{key}` hands us
/// anything: only plain segments of safe characters get near a path or a bucket.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 256
        && key.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
}

impl MediaStore {
    pub fn from_settings(settings: &Settings) -> Result<MediaStore, StoreError> {
        Ok(match &settings.media_store {
            MediaStoreKind::Local => MediaStore::Local {
                root: settings.data_dir.join("media"),
            },
            MediaStoreKind::S3(s3) => MediaStore::S3 {
                bucket: s3.bucket.clone(),
                store: s3_client(s3, settings.extra_ca.as_ref())?,
            },
        })
    }

    /// Whether the store can be used: for a bucket, that it exists and our
    /// credentials may list it (checked at start, so a typo stops `serve` with a
    /// message rather than failing every upload).
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            MediaStore::Local { .. } => Ok(()),
            MediaStore::S3 { store, .. } => {
                store
                    .list_with_delimiter(Some(&ObjectPath::from("staffroom-check")))
                    .await?;
                Ok(())
            }
        }
    }

    /// Where files are, for logs and messages.
    pub fn describe(&self) -> String {
        match self {
            MediaStore::Local { root } => root.display().to_string(),
            MediaStore::S3 { bucket, .. } => format!("s3://{bucket}"),
        }
    }

    /// A fresh key for a file of `id` (an attachment, or an account's avatar).
    pub fn new_key(id: i64, name: &str) -> String {
        format!("{id}/{:016x}/{name}", rand::random::<u64>())
    }

    fn path(root: &Path, key: &str) -> Result<PathBuf, StoreError> {
        if !valid_key(key) {
            return Err(StoreError::BadKey);
        }
        Ok(root.join(key))
    }

    fn object(key: &str) -> Result<ObjectPath, StoreError> {
        if !valid_key(key) {
            return Err(StoreError::BadKey);
        }
        ObjectPath::parse(key).map_err(|_| StoreError::BadKey)
    }

    /// Stores `bytes` under `key`; a reader never sees half a file. In a bucket the
    /// object carries its `Content-Type` and `Cache-Control`, so a CDN or the bucket
    /// serving it directly (`STAFFROOM_MEDIA_BASE_URL`) sends them too.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        match self {
            MediaStore::Local { root } => {
                let path = Self::path(root, key)?;
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                let tmp = path.with_extension("partial");
                tokio::fs::write(&tmp, bytes).await?;
                tokio::fs::rename(&tmp, &path).await?;
                Ok(())
            }
            MediaStore::S3 { store, .. } => {
                let mut attributes = Attributes::new();
                if let Some(ct) = content_type(key) {
                    attributes.insert(Attribute::ContentType, ct.into());
                }
                attributes.insert(Attribute::CacheControl, CACHE_CONTROL.into());
                let options = PutOptions {
                    attributes,
                    ..Default::default()
                };
                store
                    .put_opts(&Self::object(key)?, PutPayload::from(bytes), options)
                    .await?;
                Ok(())
            }
        }
    }

    /// The file under `key`, `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StoreError> {
        match self {
            MediaStore::Local { root } => match tokio::fs::read(Self::path(root, key)?).await {
                Ok(b) => Ok(Some(b.into())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            MediaStore::S3 { store, .. } => match store.get(&Self::object(key)?).await {
                Ok(found) => Ok(Some(found.bytes().await?)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Deletes the files under `keys` (missing ones are fine) and, locally, the
    /// folders they leave empty.
    pub async fn delete(&self, keys: &[&str]) -> Result<(), StoreError> {
        match self {
            MediaStore::Local { root } => {
                for key in keys {
                    let path = Self::path(root, key)?;
                    match tokio::fs::remove_file(&path).await {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e.into()),
                    }
                    let mut dir = path.parent();
                    while let Some(d) = dir.filter(|d| *d != root.as_path()) {
                        if tokio::fs::remove_dir(d).await.is_err() {
                            break;
                        }
                        dir = d.parent();
                    }
                }
                Ok(())
            }
            MediaStore::S3 { store, .. } => {
                for key in keys {
                    match store.delete(&Self::object(key)?).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
        }
    }
}

/// The bucket client: path-style requests (what MinIO, SeaweedFS and Garage expect;
/// Amazon accepts them too), few retries so an upload fails in seconds rather than
/// minutes when the bucket is down.
fn s3_client(
    s3: &S3Settings,
    extra_ca: Option<&crate::config::ExtraCa>,
) -> Result<AmazonS3, StoreError> {
    let mut options = object_store::ClientOptions::new()
        .with_timeout(Duration::from_secs(30))
        .with_connect_timeout(Duration::from_secs(5));
    // A school's own CA (STAFFROOM_EXTRA_CA_FILE), trusted beside the built-in roots.
    if let Some(extra) = extra_ca {
        for cert in openssl::x509::X509::stack_from_pem(&extra.pem).unwrap_or_default() {
            if let Ok(der) = cert.to_der() {
                options = options.with_root_certificate(object_store::Certificate::from_der(&der)?);
            }
        }
    }
    let mut builder = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&s3.bucket)
        .with_region(&s3.region)
        .with_access_key_id(s3.access_key_id.expose())
        .with_secret_access_key(s3.secret_access_key.expose())
        .with_virtual_hosted_style_request(false)
        .with_retry(object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
            ..Default::default()
        })
        .with_client_options(options);
    if let Some(endpoint) = &s3.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    Ok(builder.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_keys_are_used() {
        for good in ["1/00ff/original.jpg", "avatars/42/abc/small.png"] {
            assert!(valid_key(good), "{good}");
        }
        for bad in [
            "",
            "../etc/passwd",
            "a//b.jpg",
            "/abs.jpg",
            "a/./b.jpg",
            "a/b c.jpg",
            "a\\b.jpg",
            "a/%2e%2e/b.jpg",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
        assert_eq!(content_type("1/2/original.jpg"), Some("image/jpeg"));
        assert_eq!(content_type("1/2/page.html"), None);
    }
}
