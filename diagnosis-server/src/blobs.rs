//! Where export files live, behind one trait, [`BlobStore`]: a local directory by default
//! ([`LocalBlobStore`]), an S3-compatible bucket for national scale ([`ObjectBlobStore`]), from
//! which a CDN serves millions of phones.
//!
//! Object names are `/`-separated relative paths such as `exports/JP/index.txt`. A `put` is
//! atomic: readers see the old object or the whole new one, never a part (a temporary file
//! renamed into place locally; S3 PUTs are atomic).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;

use crate::config::BlobConfig;
use crate::private_files::{create_private_dir, write_private_file};
use crate::{Error, Result};

/// A store of export files and their listings.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Writes an object atomically and durably.
    async fn put(&self, name: &str, bytes: Bytes) -> Result<()>;

    /// Reads an object; `None` when there is none.
    async fn get(&self, name: &str) -> Result<Option<Bytes>>;

    /// Deletes an object; deleting a missing object is not an error.
    async fn delete(&self, name: &str) -> Result<()>;
}

/// Opens the configured blob store.
pub fn open(config: &BlobConfig) -> Result<Arc<dyn BlobStore>> {
    Ok(match config {
        BlobConfig::Local(directory) => Arc::new(LocalBlobStore::new(directory)?),
        BlobConfig::S3 {
            bucket,
            endpoint,
            region,
        } => Arc::new(ObjectBlobStore::s3(bucket, endpoint.as_deref(), region)?),
    })
}

/// Checks that an object name is a safe relative path.
fn check_name(name: &str) -> Result<()> {
    let safe = !name.is_empty()
        && !name.starts_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
    if safe {
        Ok(())
    } else {
        Err(Error::Blob("refusing an unsafe object name".into()))
    }
}

/// Export files in a local directory.
#[derive(Clone, Debug)]
pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    /// A store rooted at `root` (created when missing; it and every directory in it 0700, the
    /// files 0600, whatever the umask: the server serves them, nobody else needs to read them).
    pub fn new(root: &Path) -> Result<Self> {
        create_private_dir(root)?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, name: &str) -> Result<PathBuf> {
        check_name(name)?;
        Ok(self.root.join(name))
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn put(&self, name: &str, bytes: Bytes) -> Result<()> {
        let path = self.path(name)?;
        tokio::task::spawn_blocking(move || write_private_file(&path, &bytes))
            .await
            .map_err(|error| Error::Blob(format!("a write task failed: {error}")))?
    }

    async fn get(&self, name: &str) -> Result<Option<Bytes>> {
        let path = self.path(name)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(cause) => Err(Error::io(path, cause)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let path = self.path(name)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(cause) => Err(Error::io(path, cause)),
        }
    }
}

/// Export files in an `object_store` store: an S3-compatible bucket in production (AWS S3,
/// MinIO, Ceph, moto), or any other `object_store` backend.
#[derive(Clone, Debug)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
}

impl ObjectBlobStore {
    /// Wraps any `object_store` store.
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    /// An S3-compatible bucket. Credentials come from the usual `AWS_*` environment variables;
    /// `endpoint` names a non-AWS store (plain `http://` is allowed for a local one).
    pub fn s3(bucket: &str, endpoint: Option<&str>, region: &str) -> Result<Self> {
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(region);
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(Self::new(Arc::new(builder.build()?)))
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, name: &str, bytes: Bytes) -> Result<()> {
        check_name(name)?;
        self.store
            .put(&ObjectPath::from(name), bytes.into())
            .await?;
        Ok(())
    }

    async fn get(&self, name: &str) -> Result<Option<Bytes>> {
        check_name(name)?;
        match self.store.get(&ObjectPath::from(name)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        check_name(name)?;
        match self.store.delete(&ObjectPath::from(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(store: &dyn BlobStore) {
        assert_eq!(store.get("exports/JP/a.zip").await.unwrap(), None);
        store
            .put("exports/JP/a.zip", Bytes::from_static(b"one"))
            .await
            .unwrap();
        store
            .put("exports/JP/a.zip", Bytes::from_static(b"two"))
            .await
            .unwrap();
        assert_eq!(
            store.get("exports/JP/a.zip").await.unwrap().unwrap(),
            Bytes::from_static(b"two")
        );
        store.delete("exports/JP/a.zip").await.unwrap();
        store.delete("exports/JP/a.zip").await.unwrap();
        assert_eq!(store.get("exports/JP/a.zip").await.unwrap(), None);
        for bad in ["../x", "/abs", "a//b", "a/./b", "a b", ""] {
            assert!(store.put(bad, Bytes::new()).await.is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn local_store_round_trips_and_leaves_no_temporary_files() {
        let directory = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::new(directory.path()).unwrap();
        round_trip(&store).await;
        store
            .put("exports/JP/b.zip", Bytes::from_static(b"b"))
            .await
            .unwrap();
        let names: Vec<_> = std::fs::read_dir(directory.path().join("exports/JP"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["b.zip"]);
    }

    #[tokio::test]
    async fn object_store_adapter_round_trips() {
        // The adapter over object_store's in-memory backend; the S3 backend is the same code
        // path with another `ObjectStore` (tested against a real endpoint in tests/s3.rs).
        let store = ObjectBlobStore::new(Arc::new(object_store::memory::InMemory::new()));
        round_trip(&store).await;
    }
}
