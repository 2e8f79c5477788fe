//! The one interface to where media files live: local files under the data
//! directory. Keys are `<id>/<random>/<name>`: the random part makes a file's URL
//! impossible to guess from a post's id (see docs/media.md on followers-only posts).

use crate::config::{MediaStoreKind, Settings};
use std::path::{Component, Path, PathBuf};

#[derive(Debug)]
pub enum MediaStore {
    Local { root: PathBuf },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("media store: {0}")]
    Io(#[from] std::io::Error),
    #[error("media store: invalid key")]
    BadKey,
}

impl MediaStore {
    pub fn from_settings(settings: &Settings) -> MediaStore {
        match settings.media_store {
            MediaStoreKind::Local => MediaStore::Local { root: settings.data_dir.join("media") },
        }
    }

    /// A fresh key for a file of attachment `id`.
    pub fn new_key(id: i64, name: &str) -> String {
        format!("{id}/{:016x}/{name}", rand::random::<u64>())
    }

    fn path(root: &Path, key: &str) -> Result<PathBuf, StoreError> {
        let rel = Path::new(key);
        if key.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(StoreError::BadKey);
        }
        Ok(root.join(rel))
    }

    /// Stores `bytes` under `key`; a reader never sees half a file.
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
        }
    }

    /// The file under `key`, `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            MediaStore::Local { root } => match tokio::fs::read(Self::path(root, key)?).await {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
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
        }
    }
}
