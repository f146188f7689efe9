//! Settings in the platform config dir (`~/.config/banter/settings.json` on Linux;
//! `BANTER_CONFIG_DIR` overrides it, as the tests do). No secret is ever stored here:
//! tokens live in the system keyring only.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CommandError, ErrorCode};
use crate::validate;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
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
    /// Closing the window hides it in the tray, where there is one (tray.rs); the app keeps
    /// receiving. On by default; without a tray closing quits whatever this says.
    pub close_to_tray: bool,
    /// How things look: the clock in the timeline, the zoom level.
    pub appearance: Appearance,
    /// Start at login, hidden in the tray (the autostart file: desktop_prefs.rs).
    pub startup: Startup,
    /// Spell checking in the composer (spellcheck.rs).
    pub spellcheck: SpellcheckPrefs,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            display_name: String::new(),
            rooms: Vec::new(),
            dms: Vec::new(),
            removed_from: Vec::new(),
            notifications: NotificationPrefs::default(),
            close_to_tray: true,
            appearance: Appearance::default(),
            startup: Startup::default(),
            spellcheck: SpellcheckPrefs::default(),
        }
    }
}

/// The timeline's clock: `14:05` or `2:05 PM`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    #[default]
    H24,
    H12,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Appearance {
    pub clock: Clock,
    /// The page zoom in percent (Ctrl+= / Ctrl+- / Ctrl+0), [`ZOOM_MIN`] to [`ZOOM_MAX`].
    pub zoom_percent: u16,
}

pub const ZOOM_MIN: u16 = 50;
pub const ZOOM_MAX: u16 = 200;

impl Default for Appearance {
    fn default() -> Self {
        Self { clock: Clock::H24, zoom_percent: 100 }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Startup {
    /// Start Banter when you log in (off by default).
    pub at_login: bool,
    /// Started at login: stay in the tray, no window (only where there is a tray).
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SpellcheckPrefs {
    pub enabled: bool,
    /// A dictionary name such as `en_US`; empty: the one of the locale.
    pub language: String,
}

impl Default for SpellcheckPrefs {
    fn default() -> Self {
        Self { enabled: true, language: String::new() }
    }
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
    /// A mention of you notifies even in a muted room (do-not-disturb still silences it).
    pub mentions: bool,
    /// Personal keywords: a message with one of them (a whole word, any case) pings you as
    /// `@name` does.
    pub keywords: Vec<String>,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self { do_not_disturb: false, on_join: true, on_message: true, muted: Vec::new(), mentions: true, keywords: Vec::new() }
    }
}

impl NotificationPrefs {
    pub fn to_policy(&self) -> crate::notify_policy::Prefs {
        crate::notify_policy::Prefs {
            dnd: self.do_not_disturb,
            on_join: self.on_join,
            on_message: self.on_message,
            muted: self.muted.iter().map(|r| (r.server.clone(), r.room.clone())).collect(),
            mentions: self.mentions,
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
        if !(ZOOM_MIN..=ZOOM_MAX).contains(&self.appearance.zoom_percent) {
            return Err(CommandError::invalid(format!("The zoom is between {ZOOM_MIN}% and {ZOOM_MAX}%.")));
        }
        self.spellcheck.language = crate::spellcheck::language(&self.spellcheck.language)?;
        self.notifications.keywords = keywords(&self.notifications.keywords)?;
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

/// Most personal keywords, and the longest one in characters.
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 40;

/// Personal keywords, checked: trimmed, lower case, one word each (letters, digits, `-`,
/// `_`), without repeats or empty ones.
pub fn keywords(raw: &[String]) -> Result<Vec<String>, CommandError> {
    let mut out: Vec<String> = Vec::new();
    for k in raw {
        let k = k.trim().to_lowercase();
        if k.is_empty() || out.contains(&k) {
            continue;
        }
        if k.chars().count() > MAX_KEYWORD_CHARS || !k.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            return Err(CommandError::invalid(format!("A keyword is one word of letters or digits, at most {MAX_KEYWORD_CHARS} characters: “{}” is not.", k.chars().take(MAX_KEYWORD_CHARS).collect::<String>())));
        }
        out.push(k);
    }
    if out.len() > MAX_KEYWORDS {
        return Err(CommandError::invalid(format!("At most {MAX_KEYWORDS} keywords.")));
    }
    Ok(out)
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
    fn close_to_tray_is_on_unless_switched_off() {
        let old: Settings = serde_json::from_str(r#"{"displayName":"ann"}"#).unwrap();
        assert!(old.close_to_tray, "settings from before the field close to the tray");
        assert!(Settings::default().close_to_tray);
        let off: Settings = serde_json::from_str(r#"{"closeToTray":false}"#).unwrap();
        assert!(!off.close_to_tray);
        assert!(serde_json::to_string(&off).unwrap().contains(r#""closeToTray":false"#));
    }

    #[test]
    fn appearance_startup_and_spellcheck_defaults_and_checks() {
        let old: Settings = serde_json::from_str(r#"{"displayName":"ann"}"#).unwrap();
        assert_eq!(old.appearance, Appearance { clock: Clock::H24, zoom_percent: 100 });
        assert_eq!(old.startup, Startup { at_login: false, hidden: false }, "start at login is off by default");
        assert_eq!(old.spellcheck, SpellcheckPrefs { enabled: true, language: String::new() });
        let s: Settings = serde_json::from_str(
            r#"{"appearance":{"clock":"h12","zoomPercent":130},"startup":{"atLogin":true,"hidden":true},"spellcheck":{"enabled":false,"language":" de_DE "}}"#,
        )
        .unwrap();
        let v = s.validated().unwrap();
        assert_eq!(v.appearance.clock, Clock::H12);
        assert_eq!(v.appearance.zoom_percent, 130);
        assert!(v.startup.at_login && v.startup.hidden && !v.spellcheck.enabled);
        assert_eq!(v.spellcheck.language, "de_DE", "trimmed");
        for zoom in [0, 49, 201, u16::MAX] {
            let bad = Settings { appearance: Appearance { zoom_percent: zoom, ..Default::default() }, ..Default::default() };
            assert!(bad.validated().is_err(), "zoom {zoom}");
        }
        for lang in ["../../etc/passwd", "en US", "e", "en_US;rm", &"a".repeat(40), "EN_us", "en__US", "en_"] {
            let bad = Settings { spellcheck: SpellcheckPrefs { enabled: true, language: lang.into() }, ..Default::default() };
            assert!(bad.validated().is_err(), "language {lang:?}");
        }
        for lang in ["", "en", "en_US", "pt_BR", "de_DE_frami", "ca_ES-valencia", "sr_RS@latin"] {
            let ok = Settings { spellcheck: SpellcheckPrefs { enabled: true, language: lang.into() }, ..Default::default() };
            assert!(ok.validated().is_ok(), "language {lang:?}");
        }
        assert!(serde_json::from_str::<Settings>(r#"{"appearance":{"clock":"h13"}}"#).is_err(), "an unknown clock");
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

    #[test]
    fn keywords_are_single_words_lower_case_without_repeats() {
        let k = super::keywords(&["  Deploy ".into(), "deploy".into(), "".into(), "on-call".into()]).unwrap();
        assert_eq!(k, ["deploy", "on-call"]);
        assert_eq!(super::keywords(&["two words".into()]).unwrap_err().code, crate::error::ErrorCode::Invalid);
        assert!(super::keywords(&["<script>".into()]).is_err());
        assert!(super::keywords(&(0..21).map(|i| format!("k{i}")).collect::<Vec<_>>()).is_err());
        let old: super::Settings = serde_json::from_str("{}").unwrap();
        assert!(old.notifications.mentions, "mentions notify in muted rooms by default");
        assert!(old.notifications.keywords.is_empty());
    }
}
