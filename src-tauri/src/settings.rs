//! Settings in the platform config dir (`~/.config/banter/settings.json` on Linux;
//! `BANTER_CONFIG_DIR` overrides it, as the tests do). No secret is ever stored here:
//! tokens live in the system keyring only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CommandError, ErrorCode};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub servers: Vec<ServerEntry>,
    /// The display name last used.
    pub display_name: String,
    /// Rooms to re-join at start.
    pub rooms: Vec<RoomRef>,
    /// Direct messages to reopen at start (signed in on their server).
    pub dms: Vec<DmRef>,
    /// Rooms you were kicked from: not joined again by themselves (the account keeps a
    /// kicked room), until you join one yourself.
    pub removed_from: Vec<RoomRef>,
    pub notifications: NotificationPrefs,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ServerEntry {
    pub url: String,
    pub display_name: String,
    /// Started by the app on this machine ("host rooms here").
    pub local: bool,
    /// The account signed in on this server (its name only: the session token is in the
    /// keyring); empty for a guest.
    pub account: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RoomRef {
    pub server: String,
    pub room: String,
}

/// A direct message: its id on a server, and its members (to name it before it opens).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DmRef {
    pub server: String,
    pub dm: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    pub do_not_disturb: bool,
    pub on_join: bool,
    pub on_message: bool,
    pub muted: Vec<RoomRef>,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self { do_not_disturb: false, on_join: true, on_message: true, muted: Vec::new() }
    }
}

impl NotificationPrefs {
    pub fn to_policy(&self) -> crate::notify_policy::Prefs {
        crate::notify_policy::Prefs {
            dnd: self.do_not_disturb,
            on_join: self.on_join,
            on_message: self.on_message,
            muted: self.muted.iter().map(|r| (r.server.clone(), r.room.clone())).collect(),
        }
    }
}

impl Settings {
    /// Checks and normalises settings coming from the UI.
    pub fn validated(mut self) -> Result<Self, CommandError> {
        const MAX_ITEMS: usize = 200;
        if self.servers.len() > MAX_ITEMS
            || self.rooms.len() > MAX_ITEMS
            || self.dms.len() > MAX_ITEMS
            || self.removed_from.len() > MAX_ITEMS
            || self.notifications.muted.len() > MAX_ITEMS
        {
            return Err(CommandError::invalid("Too many entries in the settings."));
        }
        if !self.display_name.trim().is_empty() {
            self.display_name = validate::display_name(&self.display_name)?;
        } else {
            self.display_name.clear();
        }
        for s in &mut self.servers {
            s.url = validate::server_url(&s.url)?;
            if !s.display_name.trim().is_empty() {
                s.display_name = validate::display_name(&s.display_name)?;
            }
            if !s.account.trim().is_empty() {
                s.account = validate::display_name(&s.account)?;
            } else {
                s.account.clear();
            }
        }
        for r in self.rooms.iter_mut().chain(self.notifications.muted.iter_mut()).chain(self.removed_from.iter_mut()) {
            r.server = validate::server_url(&r.server)?;
            r.room = validate::room(&r.room)?;
        }
        for d in &mut self.dms {
            d.server = validate::server_url(&d.server)?;
            d.dm = validate::dm_id(&d.dm)?;
            if d.members.len() > banter_protocol::dms::MAX_MEMBERS {
                return Err(CommandError::invalid("A direct message has at most 8 members."));
            }
            for m in &mut d.members {
                *m = validate::display_name(m)?;
            }
            d.members.sort();
            d.members.dedup();
        }
        self.dms.sort();
        self.dms.dedup_by(|a, b| a.server == b.server && a.dm == b.dm);
        self.rooms.sort();
        self.rooms.dedup();
        self.notifications.muted.sort();
        self.notifications.muted.dedup();
        Ok(self)
    }

    pub fn remember_server(&mut self, url: &str, display_name: &str, local: bool) {
        self.display_name = display_name.to_owned();
        match self.servers.iter_mut().find(|s| s.url == url) {
            Some(s) => {
                s.display_name = display_name.to_owned();
                s.local |= local;
            }
            None => self.servers.push(ServerEntry { url: url.to_owned(), display_name: display_name.to_owned(), local, account: String::new() }),
        }
    }

    /// Who is signed in on a saved server (`None`: a guest, or signed out).
    pub fn set_account(&mut self, url: &str, account: Option<&str>) {
        if let Some(s) = self.servers.iter_mut().find(|s| s.url == url) {
            s.account = account.unwrap_or_default().to_owned();
        }
    }

    pub fn remember_room(&mut self, server: &str, room: &str) {
        let r = RoomRef { server: server.to_owned(), room: room.to_owned() };
        self.removed_from.retain(|x| *x != r);
        if !self.rooms.contains(&r) {
            self.rooms.push(r);
        }
    }

    pub fn forget_room(&mut self, server: &str, room: &str) {
        self.rooms.retain(|r| !(r.server == server && r.room == room));
    }

    /// Kicked from a room: forgotten, and not brought back from the account's rooms.
    pub fn removed_from_room(&mut self, server: &str, room: &str) {
        self.forget_room(server, room);
        let r = RoomRef { server: server.to_owned(), room: room.to_owned() };
        if !self.removed_from.contains(&r) {
            self.removed_from.push(r);
        }
    }

    pub fn was_removed_from(&self, server: &str, room: &str) -> bool {
        self.removed_from.iter().any(|r| r.server == server && r.room == room)
    }

    /// A DM to reopen at start (its members kept up to date).
    pub fn remember_dm(&mut self, server: &str, dm: &str, members: &[String]) {
        match self.dms.iter_mut().find(|d| d.server == server && d.dm == dm) {
            Some(d) => d.members = members.to_vec(),
            None => self.dms.push(DmRef { server: server.to_owned(), dm: dm.to_owned(), members: members.to_vec() }),
        }
    }

    pub fn forget_dm(&mut self, server: &str, dm: &str) {
        self.dms.retain(|d| !(d.server == server && d.dm == dm));
    }
}

/// Where settings live.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BANTER_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("chat", "banter", "banter").map(|d| d.config_dir().to_path_buf())
}

pub fn settings_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("settings.json"))
}

/// Reads settings; a missing file gives the defaults, a broken one is set aside.
pub fn load(path: &Path) -> Settings {
    match std::fs::read_to_string(path) {
        Ok(s) => match serde_json::from_str::<Settings>(&s).map(|s| s.validated()) {
            Ok(Ok(s)) => s,
            _ => {
                tracing::warn!(path = %path.display(), "settings unreadable, starting afresh");
                let _ = std::fs::rename(path, path.with_extension("json.broken"));
                Settings::default()
            }
        },
        Err(_) => Settings::default(),
    }
}

/// Writes settings atomically (temp file + rename), mode 600 on Unix.
pub fn save(path: &Path, settings: &Settings) -> Result<(), CommandError> {
    let err = |e: std::io::Error| CommandError::new(ErrorCode::Settings, format!("Could not save settings to {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let json = serde_json::to_vec_pretty(settings).map_err(|e| CommandError::internal(e.to_string()))?;
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

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/settings.json");
        assert_eq!(load(&p), Settings::default());
        let mut s = Settings::default();
        s.remember_server("http://127.0.0.1:3000", "ann", false);
        s.remember_room("http://127.0.0.1:3000", "lobby");
        s.remember_room("http://127.0.0.1:3000", "lobby");
        save(&p, &s).unwrap();
        assert_eq!(load(&p), s);
        assert_eq!(s.rooms.len(), 1);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(!text.to_lowercase().contains("token"), "no token field at all: {text}");
    }

    #[test]
    fn broken_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{not json").unwrap();
        assert_eq!(load(&p), Settings::default());
        assert!(dir.path().join("settings.json.broken").exists());
    }

    #[test]
    fn validation_normalises_and_refuses() {
        let s = Settings {
            display_name: " Ann ".into(),
            rooms: vec![RoomRef { server: "localhost:1/".into(), room: " Lobby".into() }],
            ..Default::default()
        };
        let v = s.validated().unwrap();
        assert_eq!(v.display_name, "ann");
        assert_eq!(v.rooms[0], RoomRef { server: "http://localhost:1".into(), room: "lobby".into() });
        let bad = Settings { servers: vec![ServerEntry { url: "file:///x".into(), ..Default::default() }], ..Default::default() };
        assert!(bad.validated().is_err());
    }

    #[test]
    fn a_kicked_room_stays_away_until_joined_again() {
        let mut s = Settings::default();
        s.remember_room("http://h:1", "lobby");
        s.removed_from_room("http://h:1", "lobby");
        assert!(s.rooms.is_empty() && s.was_removed_from("http://h:1", "lobby"));
        s.remember_room("http://h:1", "lobby");
        assert!(!s.was_removed_from("http://h:1", "lobby"), "joining it again brings it back");
    }

    #[test]
    fn dms_are_kept_checked_and_forgotten() {
        let dm = format!("dm:{}", "0a".repeat(12));
        let mut s = Settings::default();
        s.remember_dm("http://h:1", &dm, &["ann".into(), "bob".into()]);
        s.remember_dm("http://h:1", &dm, &["ann".into(), "bob".into()]);
        assert_eq!(s.dms.len(), 1);
        let v = s.clone().validated().unwrap();
        assert_eq!(v.dms[0].members, vec!["ann", "bob"]);
        let mut bad = s.clone();
        bad.dms[0].dm = "dm:../x".into();
        assert!(bad.validated().is_err(), "not a DM id");
        let mut bad = s.clone();
        bad.dms[0].members = (0..9).map(|i| format!("u{i}")).collect();
        assert!(bad.validated().is_err(), "too many members");
        s.forget_dm("http://h:1", &dm);
        assert!(s.dms.is_empty());
    }
}
