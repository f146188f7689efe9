//! The classic chat-tutorial layer, exactly as `shared/docs/protocol.md` gives it.
//! Field names and order are part of the wire format: tests pin them byte for byte.

use serde::{Deserialize, Serialize};

use crate::ext::JoinExtension;

/// Client → server: join a room. Ack: none on success, or one error string.
pub const JOIN: &str = "join";
/// Client → server: a chat message, the payload is a plain JSON string.
pub const SEND_MESSAGE: &str = "sendMessage";
/// Client → server: a location, [`Location`].
pub const SEND_LOCATION: &str = "sendLocation";
/// Server → client: a chat message or an Admin notice, [`ChatMessage`].
pub const MESSAGE: &str = "message";
/// Server → client: a shared location, [`LocationMessage`].
pub const LOCATION_MESSAGE: &str = "locationMessage";
/// Server → client: the room's member list, [`RoomData`].
pub const ROOM_DATA: &str = "roomData";

/// The user name system notices are sent as.
pub const ADMIN: &str = "Admin";
/// The welcome text sent to a joiner only.
pub const WELCOME: &str = "Welcome!";
/// Ack error: a join without username or room.
pub const ERR_REQUIRED: &str = "Username and room are required!";
/// Ack error: the name is already taken in that room.
pub const ERR_IN_USE: &str = "Username is in use!";
/// Ack error: a message refused by the profanity filter.
pub const ERR_PROFANITY: &str = "Profanity is not allowed!";

/// `join` payload. `banter` is Banter's extension field: classic clients never send it and
/// classic servers ignore it, so it is left out of the JSON when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub username: String,
    pub room: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banter: Option<JoinExtension>,
}

/// `sendLocation` payload.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl Location {
    /// The URL the classic server shares for a location.
    pub fn maps_url(&self) -> String {
        format!("https://google.com/maps?q={},{}", self.latitude, self.longitude)
    }

    /// The coordinates of a URL made by [`Location::maps_url`] or by the tutorial's server
    /// (which formats numbers the JavaScript way: `1e-7`, `0` for `-0`), compared as numbers.
    pub fn from_maps_url(url: &str) -> Option<Location> {
        let q = url.strip_prefix("https://google.com/maps?q=")?;
        let (lat, lon) = q.split_once(',')?;
        Some(Location { latitude: lat.parse().ok()?, longitude: lon.parse().ok()? })
    }

    /// Whether the coordinates are finite and on the globe.
    pub fn is_valid(&self) -> bool {
        self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
    }
}

/// `message` payload: a chat message or an Admin notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub username: String,
    pub text: String,
    /// Milliseconds since the Unix epoch.
    #[serde(rename = "createdAt")]
    pub created_at: i64,
}

/// `locationMessage` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationMessage {
    pub username: String,
    pub url: String,
    #[serde(rename = "createdAt")]
    pub created_at: i64,
}

/// `roomData` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomData {
    pub room: String,
    pub users: Vec<RoomUser>,
}

/// One member in `roomData`: `id` is the member's socket id on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomUser {
    pub id: String,
    pub username: String,
    pub room: String,
}

/// A system notice a classic server sends as an Admin `message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Welcome,
    Joined(String),
    Left(String),
}

/// `"<name> has joined!"`
pub fn joined_text(username: &str) -> String {
    format!("{username} has joined!")
}

/// `"<name> has left!"`
pub fn left_text(username: &str) -> String {
    format!("{username} has left!")
}

impl ChatMessage {
    /// Recognises the Admin notices of a classic server (the only way to tell a join there).
    pub fn notice(&self) -> Option<Notice> {
        if self.username != ADMIN {
            return None;
        }
        if self.text == WELCOME {
            return Some(Notice::Welcome);
        }
        if let Some(name) = self.text.strip_suffix(" has joined!") {
            return Some(Notice::Joined(name.to_owned()));
        }
        self.text
            .strip_suffix(" has left!")
            .map(|name| Notice::Left(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn join_request_is_the_classic_shape() {
        let j = JoinRequest { username: "ann".into(), room: "lobby".into(), banter: None };
        assert_eq!(serde_json::to_string(&j).unwrap(), r#"{"username":"ann","room":"lobby"}"#);
        let parsed: JoinRequest = serde_json::from_str(r#"{"username":"a","room":"b"}"#).unwrap();
        assert_eq!(parsed.banter, None);
    }

    #[test]
    fn server_payloads_are_byte_exact() {
        let m = ChatMessage { username: "Admin".into(), text: "Welcome!".into(), created_at: 1700000000000 };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"username":"Admin","text":"Welcome!","createdAt":1700000000000}"#
        );
        let l = LocationMessage { username: "ann".into(), url: "https://google.com/maps?q=1,2".into(), created_at: 5 };
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"username":"ann","url":"https://google.com/maps?q=1,2","createdAt":5}"#
        );
        let r = RoomData {
            room: "lobby".into(),
            users: vec![RoomUser { id: "abc".into(), username: "ann".into(), room: "lobby".into() }],
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"room":"lobby","users":[{"id":"abc","username":"ann","room":"lobby"}]}"#
        );
        let loc = Location { latitude: 1.5, longitude: -2.25 };
        assert_eq!(serde_json::to_string(&loc).unwrap(), r#"{"latitude":1.5,"longitude":-2.25}"#);
    }

    #[test]
    fn maps_url_matches_the_tutorial() {
        let loc = Location { latitude: 51.5, longitude: -0.12 };
        assert_eq!(loc.maps_url(), "https://google.com/maps?q=51.5,-0.12");
        assert!(loc.is_valid());
        assert!(!Location { latitude: f64::NAN, longitude: 0.0 }.is_valid());
        assert!(!Location { latitude: 91.0, longitude: 0.0 }.is_valid());
        assert_eq!(Location::from_maps_url(&loc.maps_url()), Some(loc));
        assert_eq!(
            Location::from_maps_url("https://google.com/maps?q=1e-7,0"),
            Some(Location { latitude: 1e-7, longitude: -0.0 })
        );
        assert_eq!(Location::from_maps_url("https://example.org/?q=1,2"), None);
        assert_eq!(Location::from_maps_url("https://google.com/maps?q=north,2"), None);
    }

    #[test]
    fn notices_are_recognised_only_from_admin() {
        let n = |u: &str, t: &str| ChatMessage { username: u.into(), text: t.into(), created_at: 0 }.notice();
        assert_eq!(n("Admin", "Welcome!"), Some(Notice::Welcome));
        assert_eq!(n("Admin", "bob has joined!"), Some(Notice::Joined("bob".into())));
        assert_eq!(n("Admin", "bob has left!"), Some(Notice::Left("bob".into())));
        assert_eq!(n("mallory", "bob has joined!"), None);
        assert_eq!(n("Admin", "hello"), None);
        assert_eq!(joined_text("bob"), "bob has joined!");
        assert_eq!(left_text("bob"), "bob has left!");
    }

    #[test]
    fn wrong_types_do_not_parse() {
        assert!(serde_json::from_value::<ChatMessage>(json!({"username": 1, "text": "x", "createdAt": 0})).is_err());
        assert!(serde_json::from_value::<ChatMessage>(json!({"username": "a", "text": "x"})).is_err());
        assert!(serde_json::from_value::<JoinRequest>(json!("lobby")).is_err());
    }
}
