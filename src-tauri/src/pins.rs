//! The certificates the user chose to trust, one per `https://` server (its SHA-256
//! fingerprint), in `trusted-certificates.json` beside the settings. A file of its own, written
//! only by the `trust_certificate` command: the page's `save_settings` can neither add nor
//! drop a pin, and a settings file written from a stale copy never loses one. Applied to the
//! core at start, before any room is re-joined.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use banter_client::{Client, Fingerprint, ServerUrl};
use serde::{Deserialize, Serialize};

use crate::error::{CommandError, ErrorCode};

/// The file's name, in the config dir.
const FILE: &str = "trusted-certificates.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct OnDisk {
    /// Normalised server URL → fingerprint (`AB:CD:…`).
    servers: BTreeMap<String, String>,
}

/// The pins and where they are kept (`None`: nowhere, they last for this run).
pub struct Pins {
    path: Option<PathBuf>,
    pins: Mutex<BTreeMap<ServerUrl, Fingerprint>>,
}

impl Pins {
    /// Reads the pins kept beside `settings_path`; entries that do not parse are dropped
    /// with a warning (a pin is never guessed).
    pub fn load(settings_path: Option<&Path>) -> Self {
        let path = settings_path.and_then(Path::parent).map(|d| d.join(FILE));
        let mut pins = BTreeMap::new();
        if let Some(text) = path.as_deref().and_then(|p| std::fs::read_to_string(p).ok()) {
            match serde_json::from_str::<OnDisk>(&text) {
                Ok(disk) => {
                    for (server, fp) in disk.servers {
                        match (ServerUrl::parse(&server), Fingerprint::parse(&fp)) {
                            (Ok(url), Ok(fp)) if url.is_tls() => {
                                pins.insert(url, fp);
                            }
                            _ => tracing::warn!(server = %server, "a trusted certificate entry is not valid: dropped"),
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "{FILE} is unreadable: no certificate is trusted beyond the system's"),
            }
        }
        Pins { path, pins: Mutex::new(pins) }
    }

    /// Gives every pin to the core.
    pub fn apply(&self, client: &Client) {
        for (server, fp) in self.pins.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if let Err(e) = client.trust_certificate(server.as_str(), Some(*fp)) {
                tracing::warn!(server = %server, code = e.code(), "a trusted certificate could not be applied");
            }
        }
    }

    /// The fingerprint pinned for `server`, if any.
    pub fn get(&self, server: &ServerUrl) -> Option<Fingerprint> {
        self.pins.lock().unwrap_or_else(|p| p.into_inner()).get(server).copied()
    }

    /// Pins `fp` for `server` and writes the file (mode 600, atomically).
    pub fn set(&self, server: ServerUrl, fp: Fingerprint) -> Result<(), CommandError> {
        let snapshot = {
            let mut pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
            pins.insert(server, fp);
            OnDisk { servers: pins.iter().map(|(s, f)| (s.to_string(), f.to_string())).collect() }
        };
        match &self.path {
            Some(path) => write(path, &snapshot),
            None => Ok(()),
        }
    }
}

fn write(path: &Path, disk: &OnDisk) -> Result<(), CommandError> {
    let err = |e: std::io::Error| CommandError::new(ErrorCode::Settings, format!("Could not save the trusted certificate to {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let json = serde_json::to_vec_pretty(disk).map_err(|e| CommandError::internal(e.to_string()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn pins_survive_a_restart_and_bad_entries_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let settings = dir.path().join("settings.json");
        let pins = Pins::load(Some(&settings));
        let server = ServerUrl::parse("https://chat.example:8443").unwrap();
        assert_eq!(pins.get(&server), None);
        pins.set(server.clone(), Fingerprint::parse(FP).unwrap()).unwrap();
        let again = Pins::load(Some(&settings));
        assert_eq!(again.get(&server).map(|f| f.to_string()).as_deref(), Some(FP));
        std::fs::write(
            dir.path().join(FILE),
            format!(r#"{{"servers":{{"https://chat.example:8443":"{FP}","http://plain.example":"{FP}","https://x.example":"nope"}}}}"#),
        )
        .unwrap();
        let mixed = Pins::load(Some(&settings));
        assert!(mixed.get(&server).is_some());
        assert_eq!(mixed.get(&ServerUrl::parse("http://plain.example").unwrap()), None, "no pin for plain http");
        assert_eq!(mixed.get(&ServerUrl::parse("https://x.example").unwrap()), None);
    }
}
