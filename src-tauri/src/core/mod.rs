//! The glue between banter-client and the UI: turns the core's event stream into UI events
//! (batched by the pump in events.rs) and notification candidates, and gathers a room's history
//! into one snapshot so old messages reach the page through the `join` command (or one
//! `room` event after a re-join), never one event per old message.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use banter_client::EventStream;
use tokio::sync::oneshot;

use crate::error::CommandError;
use crate::ipc::{MessageView, RoomInfoView, RoomSnapshot, UiEvent};
use crate::notify_policy;

mod errors;
#[cfg(test)]
mod tests;
mod translate;
mod views;

pub use errors::map_err;
pub use views::{history_view, history_view_as, unread_after, view};

/// What the glue reports: a UI event, and what notifications should consider.
#[derive(Debug, Clone)]
pub struct CoreEvent {
    pub ui: UiEvent,
    pub notify: Option<notify_policy::Event>,
}

pub type EventTx = tokio::sync::mpsc::UnboundedSender<CoreEvent>;

type Key = (String, String);

#[derive(Default)]
struct RoomInfo {
    username: String,
    users: Vec<String>,
    banter: bool,
    /// The server's message limit in characters (0 until joined).
    max_message_chars: u32,
    /// History gathered until the next `joined` event.
    history: Vec<MessageView>,
    /// A direct message's members (account names, sorted; ours included).
    dm_members: Option<Vec<String>>,
    /// Those of `users` who are signed-in accounts.
    signed_in: Vec<String>,
    /// Owner, topic, privacy, moderators, our role.
    info: Option<RoomInfoView>,
}

impl RoomInfo {
    /// What a person calls the room, and whether it is a DM: a DM is named by its other
    /// members, never by its `dm:` id.
    fn label(&self, room: &str) -> (String, bool) {
        if !banter_protocol::dms::is_dm(room) {
            return (room.to_owned(), false);
        }
        let others: Vec<&str> = self
            .dm_members
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|m| *m != self.username)
            .collect();
        let label = if others.is_empty() { "a direct message".to_owned() } else { others.join(", ") };
        (label, true)
    }
}

#[derive(Default)]
struct Inner {
    rooms: HashMap<Key, RoomInfo>,
    waiters: HashMap<Key, oneshot::Sender<RoomSnapshot>>,
    /// Waiting for the first join of a DM whose id is not known yet (opened by its members'
    /// names), by server; `open_dm` opens one such DM at a time per app.
    dm_waiters: HashMap<String, oneshot::Sender<RoomSnapshot>>,
    /// Rooms we were removed from (kicked, banned, left on another device): the
    /// `disconnected` that follows is theirs, not the server's.
    ended: HashSet<Key>,
    local_ids: u64,
    /// The last [`CACHE_PER_ROOM`] lines of each room, kept on disk so a room shows its
    /// recent past at start (banter-client resumes from the last seq it saw, so a re-join
    /// only brings what was missed).
    cache: HashMap<Key, VecDeque<MessageView>>,
    dirty: bool,
    /// The user's personal keywords: a message with one of them pings like `@name`.
    keywords: Vec<String>,
}

/// Lines kept per room in the local timeline cache.
pub const CACHE_PER_ROOM: usize = 200;

/// Shared between the commands and the translating task.
#[derive(Clone, Default)]
pub struct Glue {
    inner: Arc<Mutex<Inner>>,
}

fn cache_put(cache: &mut HashMap<Key, VecDeque<MessageView>>, key: &Key, m: &MessageView) {
    let q = cache.entry(key.clone()).or_default();
    match q.iter_mut().find(|x| x.id == m.id) {
        Some(x) => {
            let delivery = x.delivery.clone();
            *x = m.clone();
            if m.delivery.is_none() {
                x.delivery = delivery;
            }
        }
        None => {
            q.push_back(m.clone());
            while q.len() > CACHE_PER_ROOM {
                q.pop_front();
            }
        }
    }
}

impl Glue {
    /// Registers interest in the snapshot of a room about to be joined.
    pub fn expect_snapshot(&self, server: &str, room: &str) -> oneshot::Receiver<RoomSnapshot> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut g) = self.inner.lock() {
            g.waiters.insert((server.to_owned(), room.to_owned()), tx);
        }
        rx
    }

    /// Registers interest in the snapshot of the next DM to be opened by its members' names
    /// on `server` (its id comes with its first join).
    pub fn expect_dm_snapshot(&self, server: &str) -> oneshot::Receiver<RoomSnapshot> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut g) = self.inner.lock() {
            g.dm_waiters.insert(server.to_owned(), tx);
        }
        rx
    }

    pub fn cancel_dm_snapshot(&self, server: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.dm_waiters.remove(server);
        }
    }

    /// Names a DM's members, for its snapshots and notifications.
    pub fn set_dm_members(&self, server: &str, dm: &str, members: &[String]) {
        if let Ok(mut g) = self.inner.lock() {
            g.rooms.entry((server.to_owned(), dm.to_owned())).or_default().dm_members = Some(members.to_vec());
        }
    }

    pub fn forget(&self, server: &str, room: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.rooms.remove(&(server.to_owned(), room.to_owned()));
            g.waiters.remove(&(server.to_owned(), room.to_owned()));
        }
    }

    /// Waits for the snapshot the translator builds at the room's `joined` event.
    pub async fn snapshot(rx: oneshot::Receiver<RoomSnapshot>) -> Result<RoomSnapshot, CommandError> {
        tokio::time::timeout(Duration::from_secs(10), rx)
            .await
            .map_err(|_| CommandError::internal("The room's state did not arrive in time."))?
            .map_err(|_| CommandError::internal("The room's state was dropped."))
    }

    /// Reads the core's events until it ends; forwards translated ones to `tx`.
    pub async fn run(self, mut events: EventStream, tx: EventTx) {
        while let Some(ev) = events.recv().await {
            for out in self.translate(ev) {
                let _ = tx.send(out);
            }
        }
    }

    /// Records one of our own messages as soon as it is queued.
    pub fn record_own(&self, server: &str, m: &MessageView) {
        if let Ok(mut g) = self.inner.lock() {
            cache_put(&mut g.cache, &(server.to_owned(), m.room.clone()), m);
            g.dirty = true;
        }
    }

    /// Loads the timeline cache written by [`Glue::save`]; times are re-labelled for today.
    pub fn load(&self, path: &Path) {
        let Ok(text) = std::fs::read_to_string(path) else { return };
        let Ok(rooms) = serde_json::from_str::<Vec<(String, String, Vec<MessageView>)>>(&text) else {
            tracing::warn!("timeline cache unreadable, ignored");
            return;
        };
        if let Ok(mut g) = self.inner.lock() {
            for (server, room, msgs) in rooms {
                let q: VecDeque<MessageView> = msgs
                    .into_iter()
                    .rev()
                    .take(CACHE_PER_ROOM)
                    .rev()
                    .map(|mut m| {
                        (m.time, m.day, m.day_label) = crate::format::stamp(m.created_at);
                        // derived, never read back from the file
                        m.body = crate::talk::body_of(m.kind, &m.text);
                        m
                    })
                    .collect();
                g.cache.insert((server, room), q);
            }
        }
    }

    /// Writes the timeline cache if it changed (atomically).
    pub fn save(&self, path: &Path) {
        let rooms: Vec<(String, String, Vec<MessageView>)> = {
            let Ok(mut g) = self.inner.lock() else { return };
            if !g.dirty {
                return;
            }
            g.dirty = false;
            g.cache.iter().map(|((s, r), q)| (s.clone(), r.clone(), q.iter().cloned().collect())).collect()
        };
        let Ok(json) = serde_json::to_vec(&rooms) else { return };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tmp = path.with_extension("json.tmp");
        if std::fs::write(&tmp, json).and_then(|_| std::fs::rename(&tmp, path)).is_err() {
            tracing::warn!("could not save the timeline cache");
        }
    }

    /// The personal keywords that ping like `@name` (from the settings).
    pub fn set_keywords(&self, keywords: Vec<String>) {
        if let Ok(mut g) = self.inner.lock() {
            g.keywords = keywords;
        }
    }

    /// The lines held for the rooms of `server`: (room, what to call it, the line).
    pub fn lines_of(&self, server: &str) -> Vec<(String, String, MessageView)> {
        let Ok(g) = self.inner.lock() else { return Vec::new() };
        g.cache
            .iter()
            .filter(|((s, _), _)| s == server)
            .flat_map(|((_, room), q)| {
                let label = g.rooms.get(&(server.to_owned(), room.clone())).map(|i| i.label(room).0).unwrap_or_else(|| room.clone());
                q.iter().map(move |m| (room.clone(), label.clone(), m.clone()))
            })
            .collect()
    }

    /// The file `file_id` of a line held for a room (the file commands fetch it by this).
    pub fn file_of(&self, server: &str, room: &str, file_id: &str) -> Option<crate::ipc::FileView> {
        let g = self.inner.lock().ok()?;
        g.cache.get(&(server.to_owned(), room.to_owned()))?.iter().filter_map(|m| m.file.as_ref()).find(|f| f.id == file_id).cloned()
    }

    /// The line a reply to message `id` quotes, from the lines held (none when not held).
    pub fn reply_ref(&self, server: &str, room: &str, id: &str) -> Option<crate::ipc::ReplyView> {
        let g = self.inner.lock().ok()?;
        let m = g.cache.get(&(server.to_owned(), room.to_owned()))?.iter().find(|m| m.id == id)?;
        let excerpt: String = crate::talk::plain_line(&m.text).chars().take(banter_protocol::ext::REPLY_EXCERPT_CHARS).collect();
        Some(crate::ipc::ReplyView { id: m.id.clone(), seq: m.seq?, username: m.username.clone(), excerpt, removed: m.removed })
    }

        /// Whether `server` is a Banter server (a room joined there said so).
    pub fn is_banter(&self, server: &str) -> bool {
        self.inner.lock().is_ok_and(|g| g.rooms.iter().any(|((s, _), i)| s == server && i.banter))
    }

    /// What to call a room (a DM: its other members).
    pub fn label(&self, server: &str, room: &str) -> String {
        self.inner
            .lock()
            .ok()
            .and_then(|g| g.rooms.get(&(server.to_owned(), room.to_owned())).map(|i| i.label(room).0))
            .unwrap_or_else(|| room.to_owned())
    }

    /// Drops a left room's cache.
    pub fn drop_cache(&self, server: &str, room: &str) {
        if let Ok(mut g) = self.inner.lock() {
            g.cache.remove(&(server.to_owned(), room.to_owned()));
            g.dirty = true;
        }
    }

    /// The user's name in a room, for own messages sent before the echo arrives.
    pub fn username(&self, server: &str, room: &str) -> Option<String> {
        self.inner.lock().ok()?.rooms.get(&(server.to_owned(), room.to_owned())).map(|r| r.username.clone())
    }

    /// The message limit the room's server gave when joined.
    pub fn max_message_chars(&self, server: &str, room: &str) -> Option<usize> {
        let g = self.inner.lock().ok()?;
        let n = g.rooms.get(&(server.to_owned(), room.to_owned()))?.max_message_chars;
        (n > 0).then_some(n as usize)
    }
}
