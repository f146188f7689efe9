//! Requests of the Banter extensions (`docs/protocol.md` §§ 8–10) beyond chat: moderation
//! and read markers on a joined room (sent over the room's connection, in its request
//! order), and the account-wide lists (rooms, DMs, blocks) over a short-lived connection
//! like the other account calls. A server's refusal is [`ClientError::Refused`] with its
//! words; a classic server, or a Banter server without the feature, `unsupported`.

use banter_protocol::dms::{self, BlockRequest, Blocked, DmInfo, MyDms};
use banter_protocol::membership::{self, MyRooms, ReadRequest, RoomStatus};
use banter_protocol::edits::{self, EditRequest, Edited};
use banter_protocol::reactions::{self, ReactRequest, Reactions};
use banter_protocol::search::{self, SearchHit, SearchRequest, SearchResults};
use banter_protocol::rooms::{self, MembersRequest, ModerationLog, LogEntry, LogRequest, RemoveRequest, RoomInfo, RoomRequest, TargetRequest};
use banter_protocol::AckReply;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::accounts::{self, Link, ServerAccess, SessionToken};
use crate::error::{ClientError, Result};
use crate::room::{clip, Command};
use crate::Client;

/// A change of a room's settings ([`Client::room_settings`]); `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomChange {
    pub topic: Option<String>,
    pub private: Option<bool>,
    /// The whole new list of moderators (account names).
    pub moderators: Option<Vec<String>>,
}

fn payload(v: &impl Serialize) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| ClientError::InvalidInput(e.to_string()))
}

/// `[null, T]` expected.
fn answer<T: DeserializeOwned>(event: &str, reply: AckReply) -> Result<T> {
    match reply {
        AckReply::OkWith(v) => serde_json::from_value(v).map_err(|e| ClientError::Protocol(format!("bad answer to {event}: {e}"))),
        AckReply::Ok => Err(ClientError::Protocol(format!("{event} was answered without data"))),
        AckReply::Refused(reason) => Err(ClientError::Refused { reason: clip(&reason, 500) }),
        AckReply::Malformed(d) => Err(ClientError::Protocol(format!("{event}: {d}"))),
    }
}

/// `[]` (or any data) expected.
fn done(reply: AckReply) -> Result<()> {
    match reply {
        AckReply::Ok | AckReply::OkWith(_) => Ok(()),
        AckReply::Refused(reason) => Err(ClientError::Refused { reason: clip(&reason, 500) }),
        AckReply::Malformed(d) => Err(ClientError::Protocol(d)),
    }
}

impl Client {
    /// Sends `event` with `payload` on the room's connection and returns the server's ack.
    async fn call(&self, server: &str, room: &str, event: &'static str, feature: &'static str, payload: Value) -> Result<AckReply> {
        let tx = self.handle(server, room)?;
        let (reply, rx) = oneshot::channel();
        tx.send(Command::Call { event, payload, feature, reply }).map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    fn room_name(room: &str) -> String {
        banter_protocol::rules::normalise_name(room)
    }

    /// Changes a room's topic, privacy or moderators (owners and server admins); the new
    /// settings. Everyone in the room also gets them as a `room_info` event.
    pub async fn room_settings(&self, server: &str, room: &str, change: RoomChange) -> Result<RoomInfo> {
        if let Some(topic) = &change.topic {
            if topic.chars().count() > rooms::MAX_TOPIC_CHARS {
                return Err(ClientError::InvalidInput(rooms::ERR_TOPIC_TOO_LONG.to_owned()));
            }
        }
        let req = RoomRequest { room: Self::room_name(room), topic: change.topic, private: change.private, moderators: change.moderators };
        let reply = self.call(server, room, rooms::ROOM, rooms::FEATURE, payload(&req)?).await?;
        answer(rooms::ROOM, reply)
    }

    /// The room's settings as the server has them now (with our role; with members and
    /// bans for moderators and up).
    pub async fn room_info(&self, server: &str, room: &str) -> Result<RoomInfo> {
        let req = RoomRequest { room: Self::room_name(room), ..RoomRequest::default() };
        let reply = self.call(server, room, rooms::ROOM, rooms::FEATURE, payload(&req)?).await?;
        answer(rooms::ROOM, reply)
    }

    /// Invites accounts to (`add`) or takes them off (`remove`) a private room's members.
    pub async fn room_members(&self, server: &str, room: &str, add: Vec<String>, remove: Vec<String>) -> Result<RoomInfo> {
        let req = MembersRequest { room: Self::room_name(room), add, remove };
        let reply = self.call(server, room, rooms::MEMBERS, rooms::FEATURE, payload(&req)?).await?;
        answer(rooms::MEMBERS, reply)
    }

    /// Removes message `id` (moderators and up): every Banter client gets its tombstone.
    pub async fn remove_message(&self, server: &str, room: &str, id: &str) -> Result<()> {
        banter_protocol::rules::check_message_id(id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let req = RemoveRequest { room: Self::room_name(room), id: id.to_owned() };
        let reply = self.call(server, room, rooms::REMOVE, rooms::FEATURE, payload(&req)?).await?;
        done(reply)
    }

    async fn target(&self, server: &str, room: &str, event: &'static str, name: &str) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.len() > 256 {
            return Err(ClientError::InvalidInput("name a member".into()));
        }
        let req = TargetRequest { room: Self::room_name(room), name: name.to_owned() };
        let reply = self.call(server, room, event, rooms::FEATURE, payload(&req)?).await?;
        done(reply)
    }

    /// Takes `name` out of the room (moderators and up); they may join again.
    pub async fn kick(&self, server: &str, room: &str, name: &str) -> Result<()> {
        self.target(server, room, rooms::KICK, name).await
    }

    /// Takes `name` out of the room for good (any case or look-alike of the name too).
    pub async fn ban(&self, server: &str, room: &str, name: &str) -> Result<()> {
        self.target(server, room, rooms::BAN, name).await
    }

    pub async fn unban(&self, server: &str, room: &str, name: &str) -> Result<()> {
        self.target(server, room, rooms::UNBAN, name).await
    }

    /// The room's moderation log, newest first (moderators and up).
    pub async fn moderation_log(&self, server: &str, room: &str, limit: u32) -> Result<Vec<LogEntry>> {
        let req = LogRequest { room: Self::room_name(room), limit: Some(limit.clamp(1, 500)) };
        let reply = self.call(server, room, rooms::LOG, rooms::FEATURE, payload(&req)?).await?;
        Ok(answer::<ModerationLog>(rooms::LOG, reply)?.entries)
    }

    /// "I have read every message up to `seq`" (signed in): the account's other devices
    /// get a `read_marker`. The marker only moves forward.
    pub async fn mark_read(&self, server: &str, room: &str, seq: u64) -> Result<()> {
        let req = ReadRequest { room: Self::room_name(room), seq };
        let reply = self.call(server, room, membership::READ, membership::FEATURE, payload(&req)?).await?;
        done(reply)
    }

    /// Replaces the text of one of this account's messages (signed in); everyone's Banter
    /// clients get an `edited` event, history the new text. Classic clients keep the original.
    pub async fn edit_message(&self, server: &str, room: &str, id: &str, text: &str) -> Result<Edited> {
        banter_protocol::rules::check_message_id(id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        banter_protocol::rules::check_message(text, banter_protocol::rules::MAX_MESSAGE_CHARS)
            .map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let req = EditRequest { room: Self::room_name(room), id: id.to_owned(), text: text.to_owned() };
        let reply = self.call(server, room, edits::EDIT, edits::FEATURE, payload(&req)?).await?;
        answer(edits::EDIT, reply)
    }

    /// Adds (`on`) or takes back this account's `emoji` on message `id`; the message's
    /// reactions after it (everyone's clients get them as a `reactions` event).
    pub async fn react(&self, server: &str, room: &str, id: &str, emoji: &str, on: bool) -> Result<Reactions> {
        banter_protocol::rules::check_message_id(id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        if !reactions::is_emoji(emoji) {
            return Err(ClientError::InvalidInput(reactions::ERR_BAD_EMOJI.to_owned()));
        }
        let req = ReactRequest { room: Self::room_name(room), id: id.to_owned(), emoji: emoji.to_owned(), on };
        let reply = self.call(server, room, reactions::REACT, reactions::FEATURE, payload(&req)?).await?;
        answer(reactions::REACT, reply)
    }

    /// Searches every room and DM this client's identity on `server` may read (an account's
    /// rooms and DMs; a guest's joined rooms), newest first, over the connection of a room
    /// joined there; `in_room` narrows it as `in:` does. The query: words (all of them; the
    /// last may be the start of a word) and `from:`, `in:`, `before:`/`after:` YYYY-MM-DD.
    pub async fn search(&self, server: &str, query: &str, in_room: Option<&str>, limit: Option<u32>) -> Result<Vec<SearchHit>> {
        let req = search_request(query, in_room, limit)?;
        let server_url = crate::ServerUrl::parse(server)?;
        let Some((_, room)) = self.rooms().into_iter().find(|(s, _)| *s == server_url.to_string()) else {
            return Err(ClientError::NotJoined { server: server_url.to_string(), room: "(any room, to search from)".into() });
        };
        let reply = self.call(server, &room, search::SEARCH, search::FEATURE, payload(&req)?).await?;
        Ok(answer::<SearchResults>(search::SEARCH, reply)?.hits)
    }

    /// [`Client::search`] for a signed-in account without joining anything (a short-lived
    /// connection, like the other account calls): its rooms and DMs.
    pub async fn search_account(&self, at: &ServerAccess, session: &SessionToken, query: &str, in_room: Option<&str>, limit: Option<u32>) -> Result<Vec<SearchHit>> {
        let req = search_request(query, in_room, limit)?;
        let mut link = Link::open(self, at, Some(session)).await?;
        if !link.hello.features.iter().any(|f| f == search::FEATURE) {
            link.close().await;
            return Err(ClientError::Unsupported { feature: search::FEATURE.into() });
        }
        let reply = link.request(search::SEARCH, payload(&req)?).await;
        link.close().await;
        Ok(answer::<SearchResults>(search::SEARCH, reply?.reply)?.hits)
    }

    /// The account's rooms with their read positions and unread counts, in the order it
    /// joined them (what a second computer joins at sign-in).
    pub async fn my_rooms(&self, at: &ServerAccess, session: &SessionToken) -> Result<Vec<RoomStatus>> {
        let list: MyRooms = self.account_call(at, session, membership::MY_ROOMS, Value::Null).await?;
        Ok(list.rooms)
    }

    /// The account's direct messages with their members and unread counts.
    pub async fn my_dms(&self, at: &ServerAccess, session: &SessionToken) -> Result<Vec<DmInfo>> {
        let list: MyDms = self.account_call(at, session, dms::MY_DMS, Value::Null).await?;
        Ok(list.dms)
    }

    /// Blocks an account: its DMs and messages are hidden for this account.
    pub async fn block(&self, at: &ServerAccess, session: &SessionToken, name: &str) -> Result<()> {
        self.account_act(at, session, dms::BLOCK, name).await
    }

    pub async fn unblock(&self, at: &ServerAccess, session: &SessionToken, name: &str) -> Result<()> {
        self.account_act(at, session, dms::UNBLOCK, name).await
    }

    /// The names this account blocks, sorted.
    pub async fn blocks(&self, at: &ServerAccess, session: &SessionToken) -> Result<Vec<String>> {
        let list: Blocked = self.account_call(at, session, dms::BLOCKS, Value::Null).await?;
        Ok(list.blocked)
    }

    async fn account_act(&self, at: &ServerAccess, session: &SessionToken, event: &'static str, name: &str) -> Result<()> {
        let req = BlockRequest { name: name.trim().to_owned() };
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(event, payload(&req)?).await;
        link.close().await;
        accounts::done(reply?, None)
    }

    async fn account_call<T: DeserializeOwned>(&self, at: &ServerAccess, session: &SessionToken, event: &'static str, payload: Value) -> Result<T> {
        let mut link = Link::open(self, at, Some(session)).await?;
        let reply = link.request(event, payload).await;
        link.close().await;
        accounts::data(reply?, event)
    }
}

/// A search request, checked as the server checks it (so a bad query fails here, in words).
fn search_request(query: &str, in_room: Option<&str>, limit: Option<u32>) -> Result<SearchRequest> {
    banter_protocol::search::Query::parse(query).map_err(|e| ClientError::InvalidInput(e.to_owned()))?;
    Ok(SearchRequest { query: query.to_owned(), room: in_room.map(str::to_owned), limit })
}
