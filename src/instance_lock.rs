//! One `serve` per data directory: a second one would share the managed database's
//! files and the media folder with the first, so it refuses to start.

use anyhow::{bail, Context};
use std::{
    fs::{File, OpenOptions},
    io::{Read, Seek, Write},
    path::Path,
};

pub struct InstanceLock {
    _file: File,
}

impl InstanceLock {
    pub fn take(data_dir: &Path) -> anyhow::Result<InstanceLock> {
        std::fs::create_dir_all(data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}: check STAFFROOM_DATA_DIR and its permissions",
                data_dir.display()
            )
        })?;
        let path = data_dir.join("serve.lock");
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        if file.try_lock().is_err() {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            bail!(
                "Staffroom is already running on the data directory {} (pid {}): stop that server first, or give this one another STAFFROOM_DATA_DIR",
                data_dir.display(),
                pid.trim()
            );
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "{}", std::process::id())?;
        Ok(InstanceLock { _file: file })
    }
}
