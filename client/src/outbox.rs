//! The outbox: messages not yet acknowledged, kept on disk so that they survive a reconnect
//! and a restart, plus the last sequence number seen in the room.
//!
//! One append-only JSON-lines file per (server, room) in `<data dir>/rooms/`. Each line is
//! one record (`room`, `queued`, `sent`, `deferred`, `resolved`, `retry`, `seq`); loading
//! replays them (a line it does not know, from a newer client, is skipped like a torn one).
//!
//! A message the server answered "not now" (it could not store it: its database is down or
//! restarting) stays pending: a `deferred` record notes the answer, and when the first one
//! came, so that the time given to it survives a restart.
//! A torn last line (a crash mid-write) is ignored. When the log grows well beyond what is
//! live, it is compacted: rewritten to a temporary file, synced, and renamed over the log
//! (atomic on POSIX). `queued` records are synced to disk before `send` returns.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use banter_protocol::classic::Location;
use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Result};

mod records;
use records::{Record, replay};

/// Where a message stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Waiting to be sent or for its acknowledgement.
    Pending,
    /// Given up on (no acknowledgement); re-sent only by an explicit retry.
    Failed,
}

/// One unacknowledged message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: String,
    /// The text, or for a location the map URL it is shown as.
    pub text: String,
    /// Set for a shared location (sent as `sendLocation` / `banter:location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The id of the message it answers (a reply; Banter servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// When it was queued, milliseconds since the epoch.
    pub queued_at: i64,
    /// How many times it was put on the wire.
    pub attempts: u32,
    pub state: EntryState,
    /// When the server first answered it "not now" (it could not store it), milliseconds
    /// since the epoch; `None` until then (and again after an explicit retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_since: Option<i64>,
    /// How many of `attempts` the server answered "not now" (the others went unanswered,
    /// or are on the wire).
    #[serde(default)]
    pub deferred: u32,
}

impl OutboxEntry {
    /// The attempts that got no answer at all: the ones that count towards giving up for
    /// want of an acknowledgement (a "not now" was an answer).
    pub fn unanswered_attempts(&self) -> u32 {
        self.attempts.saturating_sub(self.deferred)
    }
}

/// The persistent outbox of one room on one server.
pub struct Outbox {
    path: PathBuf,
    file: File,
    server: String,
    room: String,
    entries: Vec<OutboxEntry>,
    last_seq: u64,
    lines: usize,
    fsync: bool,
}

impl Outbox {
    /// Opens (or creates) the outbox of `room` on `server` under `data_dir`.
    pub fn open(data_dir: &Path, server: &str, room: &str, fsync: bool) -> Result<Self> {
        let dir = data_dir.join("rooms");
        fs::create_dir_all(&dir).map_err(|e| ClientError::storage(&dir, e))?;
        let path = dir.join(file_name(server, room));
        let (entries, last_seq, lines) = if path.exists() {
            replay(&path, server, room)?
        } else {
            (Vec::new(), 0, 0)
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| ClientError::storage(&path, e))?;
        let mut outbox = Outbox {
            path,
            file,
            server: server.to_owned(),
            room: room.to_owned(),
            entries,
            last_seq,
            lines,
            fsync,
        };
        outbox.compact()?;
        Ok(outbox)
    }

    /// The file behind this outbox.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every unacknowledged message, oldest first.
    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// The entries still waiting for an outcome (not failed), oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &OutboxEntry> {
        self.entries.iter().filter(|e| e.state == EntryState::Pending)
    }

    /// One entry by id.
    pub fn get(&self, id: &str) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The last sequence number seen without a gap (0 = nothing yet).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Adds a message (state pending, no attempt yet), durably.
    pub fn queue(&mut self, id: &str, text: &str, queued_at: i64) -> Result<()> {
        self.queue_entry(id, text, None, None, queued_at)
    }

    /// Adds a reply to message `reply_to`, durably.
    pub fn queue_reply(&mut self, id: &str, text: &str, reply_to: &str, queued_at: i64) -> Result<()> {
        self.queue_entry(id, text, None, Some(reply_to.to_owned()), queued_at)
    }

    /// Adds a shared location (shown as its map URL), durably.
    pub fn queue_location(&mut self, id: &str, location: Location, queued_at: i64) -> Result<()> {
        self.queue_entry(id, &location.maps_url(), Some(location), None, queued_at)
    }

    fn queue_entry(&mut self, id: &str, text: &str, location: Option<Location>, reply_to: Option<String>, queued_at: i64) -> Result<()> {
        self.append(
            &Record::Queued {
                id: id.to_owned(),
                text: text.to_owned(),
                queued_at,
                location,
                reply_to: reply_to.clone(),
            },
            self.fsync,
        )?;
        self.entries.push(OutboxEntry {
            id: id.to_owned(),
            text: text.to_owned(),
            location,
            reply_to,
            queued_at,
            attempts: 0,
            state: EntryState::Pending,
            deferred_since: None,
            deferred: 0,
        });
        Ok(())
    }

    /// Records that a message goes on the wire; returns the attempt number (from 1).
    pub fn mark_sent(&mut self, id: &str) -> Result<u32> {
        self.append(&Record::Sent { id: id.to_owned() }, false)?;
        let entry = self.entries.iter_mut().find(|e| e.id == id);
        Ok(entry
            .map(|e| {
                e.attempts += 1;
                e.attempts
            })
            .unwrap_or(0))
    }

    /// Records that the server answered the last attempt of a pending message "not now"
    /// (nothing stored, send it again later); the message stays pending. Returns when the
    /// first such answer came (`now_ms` for the first one), or `None` for no such message.
    pub fn defer(&mut self, id: &str, now_ms: i64) -> Result<Option<i64>> {
        let Some(since) = self
            .get(id)
            .filter(|e| e.state == EntryState::Pending)
            .map(|e| e.deferred_since.unwrap_or(now_ms))
        else {
            return Ok(None);
        };
        self.append(&Record::Deferred { id: id.to_owned(), since }, false)?;
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.deferred_since = Some(since);
            e.deferred = e.attempts;
        }
        self.maybe_compact()?;
        Ok(Some(since))
    }

    /// Removes an acknowledged (delivered or refused) message.
    pub fn remove(&mut self, id: &str) -> Result<()> {
        if self.get(id).is_none() {
            return Ok(());
        }
        self.append(
            &Record::Resolved {
                id: id.to_owned(),
                keep: false,
            },
            false,
        )?;
        self.entries.retain(|e| e.id != id);
        self.maybe_compact()
    }

    /// Marks a message failed: kept, re-sent only by [`Outbox::retry`].
    pub fn fail(&mut self, id: &str) -> Result<()> {
        if self.get(id).is_none() {
            return Ok(());
        }
        self.append(
            &Record::Resolved {
                id: id.to_owned(),
                keep: true,
            },
            false,
        )?;
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.state = EntryState::Failed;
        }
        Ok(())
    }

    /// Puts a failed message back to pending (attempts reset); false if there is none.
    pub fn retry(&mut self, id: &str) -> Result<bool> {
        match self
            .entries
            .iter()
            .position(|e| e.id == id && e.state == EntryState::Failed)
        {
            None => Ok(false),
            Some(i) => {
                self.append(&Record::Retry { id: id.to_owned() }, self.fsync)?;
                self.entries[i].state = EntryState::Pending;
                self.entries[i].attempts = 0;
                self.entries[i].deferred_since = None;
                self.entries[i].deferred = 0;
                Ok(true)
            }
        }
    }

    /// Records the last gap-free sequence number of the room.
    pub fn set_last_seq(&mut self, last_seq: u64) -> Result<()> {
        if last_seq == self.last_seq {
            return Ok(());
        }
        self.append(&Record::Seq { last_seq }, false)?;
        self.last_seq = last_seq;
        self.maybe_compact()
    }

    fn append(&mut self, record: &Record, sync: bool) -> Result<()> {
        let mut line =
            serde_json::to_string(record).map_err(|e| ClientError::storage(&self.path, e))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| ClientError::storage(&self.path, e))?;
        if sync {
            self.file
                .sync_data()
                .map_err(|e| ClientError::storage(&self.path, e))?;
        }
        self.lines += 1;
        Ok(())
    }

    fn maybe_compact(&mut self) -> Result<()> {
        if self.lines > 1_000 && self.lines > 4 * (self.entries.len() + 2) {
            self.compact()?;
        }
        Ok(())
    }

    /// Rewrites the log with only what is live, atomically (temp file, sync, rename).
    fn compact(&mut self) -> Result<()> {
        let tmp = self.path.with_extension("jsonl.tmp");
        let records = records::live(&self.server, &self.room, self.last_seq, &self.entries);
        let mut text = String::new();
        for r in &records {
            text.push_str(&serde_json::to_string(r).map_err(|e| ClientError::storage(&tmp, e))?);
            text.push('\n');
        }
        {
            let mut f = File::create(&tmp).map_err(|e| ClientError::storage(&tmp, e))?;
            f.write_all(text.as_bytes())
                .map_err(|e| ClientError::storage(&tmp, e))?;
            f.sync_all().map_err(|e| ClientError::storage(&tmp, e))?;
        }
        fs::rename(&tmp, &self.path).map_err(|e| ClientError::storage(&self.path, e))?;
        self.file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| ClientError::storage(&self.path, e))?;
        self.lines = records.len();
        Ok(())
    }
}

/// A readable, collision-safe file name: a sanitised prefix plus a 64-bit FNV-1a hash.
fn file_name(server: &str, room: &str) -> String {
    let key = format!("{server}\n{room}");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let readable: String = format!("{}_{}", server.split("://").nth(1).unwrap_or(server), room)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{readable}-{hash:016x}.jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopen_and_tracks_states() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut o = Outbox::open(dir.path(), "http://x:1", "lobby", true).unwrap();
            o.queue("a", "one", 1).unwrap();
            o.queue("b", "two", 2).unwrap();
            o.queue("c", "three", 3).unwrap();
            assert_eq!(o.mark_sent("a").unwrap(), 1);
            assert_eq!(o.mark_sent("a").unwrap(), 2);
            o.remove("b").unwrap();
            o.fail("c").unwrap();
            o.set_last_seq(42).unwrap();
        }
        let mut o = Outbox::open(dir.path(), "http://x:1", "lobby", true).unwrap();
        assert_eq!(o.last_seq(), 42);
        let ids: Vec<_> = o
            .entries()
            .iter()
            .map(|e| (e.id.as_str(), e.attempts, e.state))
            .collect();
        assert_eq!(
            ids,
            vec![("a", 2, EntryState::Pending), ("c", 0, EntryState::Failed)]
        );
        assert!(o.retry("c").unwrap());
        assert!(!o.retry("a").unwrap());
        drop(o);
        let o = Outbox::open(dir.path(), "http://x:1", "lobby", true).unwrap();
        assert_eq!(o.get("c").unwrap().state, EntryState::Pending);
        // Another room on the same server has its own file.
        let other = Outbox::open(dir.path(), "http://x:1", "other", true).unwrap();
        assert!(other.entries().is_empty());
        assert_ne!(other.path(), o.path());
    }

    #[test]
    fn locations_survive_reopen_and_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let here = Location { latitude: 48.8566, longitude: 2.3522 };
        {
            let mut o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
            o.queue("t", "text", 1).unwrap();
            o.queue_location("l", here, 2).unwrap();
        }
        // a file written before locations existed has no `location` field: still a text
        let old = r#"{"op":"queued","id":"o","text":"old","queued_at":3}"#;
        let path = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap().path().to_owned();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        writeln!(f, "{old}").unwrap();
        drop(f);
        let o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
        let got: Vec<_> = o.entries().iter().map(|e| (e.id.as_str(), e.text.as_str(), e.location)).collect();
        assert_eq!(
            got,
            vec![
                ("t", "text", None),
                ("l", "https://google.com/maps?q=48.8566,2.3522", Some(here)),
                ("o", "old", None)
            ]
        );
    }

    #[test]
    fn a_deferred_message_stays_pending_across_reopen_and_compaction() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
            o.queue("a", "one", 1).unwrap();
            o.mark_sent("a").unwrap();
            assert_eq!(o.defer("a", 1_000).unwrap(), Some(1_000));
            o.mark_sent("a").unwrap();
            // a later "not now" keeps the time of the first
            assert_eq!(o.defer("a", 5_000).unwrap(), Some(1_000));
            o.mark_sent("a").unwrap(); // on the wire, unanswered
            assert_eq!(o.defer("nope", 5_000).unwrap(), None);
            let e = o.get("a").unwrap();
            assert_eq!((e.attempts, e.deferred, e.unanswered_attempts()), (3, 2, 1));
        }
        // reopening replays the log, then compacts it; a second reopen reads the compacted one
        for _ in 0..2 {
            let o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
            let e = o.get("a").unwrap();
            assert_eq!(e.state, EntryState::Pending);
            assert_eq!((e.attempts, e.deferred, e.deferred_since), (3, 2, Some(1_000)));
        }
        let mut o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
        o.fail("a").unwrap();
        assert!(o.retry("a").unwrap());
        let e = o.get("a").unwrap();
        assert_eq!((e.attempts, e.deferred, e.deferred_since), (0, 0, None));
        // a failed message is not deferred
        o.fail("a").unwrap();
        assert_eq!(o.defer("a", 9_000).unwrap(), None);
    }

    #[test]
    fn torn_last_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = {
            let mut o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
            o.queue("a", "one", 1).unwrap();
            o.path().to_owned()
        };
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"op":"queued","id":"b","te"#).unwrap();
        drop(f);
        let o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
        assert_eq!(o.entries().len(), 1);
    }

    #[test]
    fn compaction_keeps_only_live_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
        for i in 0..2_000 {
            let id = format!("m{i}");
            o.queue(&id, "x", i).unwrap();
            o.mark_sent(&id).unwrap();
            if i != 7 {
                o.remove(&id).unwrap();
            }
        }
        let size = fs::metadata(o.path()).unwrap().len();
        assert!(size < 200_000, "log was not compacted: {size} bytes");
        drop(o);
        let o = Outbox::open(dir.path(), "http://x:1", "r", false).unwrap();
        assert_eq!(o.entries().len(), 1);
        assert_eq!(o.entries()[0].id, "m7");
        assert_eq!(o.entries()[0].attempts, 1);
    }

    #[test]
    fn file_names_are_safe() {
        let n = file_name("http://127.0.0.1:3000", "../../etc");
        assert!(!n.contains('/'), "{n}");
        assert_ne!(file_name("http://a", "b"), file_name("http://a", "c"));
    }
}
