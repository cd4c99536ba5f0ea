//! Persistence of the control plane's state (`--state-dir`): one JSON file, `state.json`,
//! holding the scenario as the control plane left it.
//!
//! Every change is written to a temporary file in the same directory, flushed to disk, renamed
//! over `state.json` and the directory flushed: a crash (even `kill -9`) at any moment leaves
//! either the previous complete state or the new one, never a mix. A change is acknowledged only
//! after that, so at most the call in flight is lost.
//!
//! One emulator at a time owns a state directory: it holds an exclusive advisory lock on
//! `lock` (with its pid written in it) for as long as it runs, so a second one refuses to start
//! rather than overwrite the first one's acknowledged changes.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::scenario::config::{Config, ConfigOrigin};

/// The state file's name inside the state directory.
pub const STATE_FILE: &str = "state.json";
/// The lock file's name inside the state directory.
pub const LOCK_FILE: &str = "lock";
/// What the file's `format` says; a different one is refused rather than misread.
const FORMAT: &str = "apigw-emulator-state/1";

/// Why the state directory cannot be used. Each message names the path and the fix.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory cannot be created or written.
    #[error("state directory {path}: {source} (choose a directory this user may write, or fix its permissions)")]
    Unwritable {
        /// The directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The state file exists but cannot be read back.
    #[error("state file {path}: {message} (it was not written by this version of apigw-emulator, or was edited by hand; fix it, or move it away to start from the scenario)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, with a JSON path where there is one.
        message: String,
    },
    /// Another running emulator holds the directory.
    #[error("state directory {path} is in use by another apigw-emulator ({holder}): stop it, or give this one another --state-dir")]
    Locked {
        /// The directory.
        path: PathBuf,
        /// `pid 1234`, as the holder wrote it in the lock file, or why it is unknown.
        holder: String,
    },
    /// A change could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The file's shape.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StateFile {
    format: String,
    /// The scenario file the state started from: relative paths in the scenario (body files,
    /// access logs, CA files) resolve from its directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scenario_file: Option<PathBuf>,
    scenario: serde_json::Value,
}

/// The state directory.
#[derive(Debug)]
pub struct StateStore {
    dir: PathBuf,
    file: PathBuf,
    /// Holds the directory's lock until the store is dropped (the emulator stops).
    _lock: File,
}

impl StateStore {
    /// Opens (creating it if needed) a state directory and reads the state saved there, if any.
    pub fn open(dir: &Path) -> Result<(StateStore, Option<Config>), StoreError> {
        let unwritable = |source| StoreError::Unwritable {
            path: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(unwritable)?;
        // Proves the directory is writable now, not at the first change.
        let probe = dir.join(".write-test");
        File::create(&probe).map_err(unwritable)?;
        let _ = fs::remove_file(&probe);
        let store = StateStore {
            dir: dir.to_path_buf(),
            file: dir.join(STATE_FILE),
            _lock: lock(dir)?,
        };
        let restored = store.load()?;
        Ok((store, restored))
    }

    /// Where the state is written.
    pub fn path(&self) -> &Path {
        &self.file
    }

    fn load(&self) -> Result<Option<Config>, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            path: self.file.clone(),
            message,
        };
        let text = match fs::read_to_string(&self.file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(corrupt(format!("cannot read it: {e}"))),
        };
        let file: StateFile =
            serde_json::from_str(&text).map_err(|e| corrupt(format!("not a state file: {e}")))?;
        if file.format != FORMAT {
            return Err(corrupt(format!(
                "format {:?}, expected {FORMAT:?}",
                file.format
            )));
        }
        let origin = match &file.scenario_file {
            Some(p) => ConfigOrigin::File(p.clone()),
            None => ConfigOrigin::BuiltIn,
        };
        let config = Config::from_value(file.scenario, origin)
            .map_err(|e| corrupt(format!("$.scenario{}: {}", &e.path[1..], e.message)))?;
        Ok(Some(config))
    }

    /// Writes `config` as the new state, atomically and durably.
    pub fn save(&self, config: &Config) -> Result<(), StoreError> {
        let write_error = |source| StoreError::Write {
            path: self.file.clone(),
            source,
        };
        let scenario_file = match config.origin() {
            ConfigOrigin::File(p) => Some(std::path::absolute(&p).unwrap_or(p)),
            _ => None,
        };
        let state = StateFile {
            format: FORMAT.to_string(),
            scenario_file,
            scenario: serde_json::to_value(config)
                .map_err(|e| write_error(std::io::Error::other(e)))?,
        };
        let text =
            serde_json::to_vec_pretty(&state).map_err(|e| write_error(std::io::Error::other(e)))?;
        let tmp = self.dir.join(format!(".{STATE_FILE}.tmp"));
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(write_error)?;
        out.write_all(&text).map_err(write_error)?;
        out.sync_all().map_err(write_error)?;
        drop(out);
        fs::rename(&tmp, &self.file).map_err(write_error)?;
        // The rename itself is durable only once the directory is.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// Takes the directory's exclusive lock and writes this process's pid in the lock file, or
/// names the holder. The lock is the kernel's (flock): it goes with the process, even after
/// `kill -9`, so a stale lock file never blocks a start.
fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let unwritable = |source| StoreError::Unwritable {
        path: path.clone(),
        source,
    };
    // Not truncated before the lock is ours: the holder's pid must stay readable.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(unwritable)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let holder = match file.read_to_string(&mut text) {
                Ok(_) if !text.trim().is_empty() => format!("pid {}", text.trim()),
                _ => "its pid is not in the lock file yet".to_string(),
            };
            return Err(StoreError::Locked {
                path: dir.to_path_buf(),
                holder,
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(unwritable(e)),
    }
    file.set_len(0).map_err(unwritable)?;
    file.rewind().map_err(unwritable)?;
    writeln!(file, "{}", std::process::id()).map_err(unwritable)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_restores_the_scenario() {
        let dir = tempfile::tempdir().unwrap();
        let (store, restored) = StateStore::open(dir.path()).unwrap();
        assert!(restored.is_none());
        let mut config = Config::seed();
        config.rest_apis[0].description = Some("changed".into());
        store.save(&config).unwrap();
        // The emulator that wrote it has stopped (and released the directory).
        drop(store);
        let (_, restored) = StateStore::open(dir.path()).unwrap();
        let restored = restored.unwrap();
        assert_eq!(
            restored.rest_apis[0].description.as_deref(),
            Some("changed")
        );
        assert_eq!(restored.origin(), ConfigOrigin::BuiltIn);
        assert!(!dir.path().join(".state.json.tmp").exists());
    }

    #[test]
    fn a_corrupt_file_names_the_path_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(STATE_FILE), "{\"format\":").unwrap();
        let err = StateStore::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("state.json"), "{err}");
        assert!(err.contains("move it away"), "{err}");

        fs::write(
            dir.path().join(STATE_FILE),
            r#"{"format":"apigw-emulator-state/1","scenario":{"region":5}}"#,
        )
        .unwrap();
        let err = StateStore::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("$.scenario.region"), "{err}");
    }

    #[test]
    fn a_second_store_on_one_directory_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = StateStore::open(dir.path()).unwrap();
        let pid = std::process::id();
        assert_eq!(
            fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap(),
            format!("{pid}\n")
        );
        let err = StateStore::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains(&dir.path().display().to_string()), "{err}");
        assert!(
            err.contains(&format!("in use by another apigw-emulator (pid {pid})")),
            "{err}"
        );
        // Released when the first one stops.
        drop(first);
        StateStore::open(dir.path()).unwrap();
    }

    #[test]
    fn an_unwritable_directory_is_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, "x").unwrap();
        let err = StateStore::open(&file.join("state"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("plain-file"), "{err}");
    }
}
