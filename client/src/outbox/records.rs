//! The outbox's log format: one JSON record per line, replayed into entries on open, and the
//! few records a compaction writes to rebuild what is live.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use banter_protocol::classic::Location;
use serde::{Deserialize, Serialize};

use super::{EntryState, OutboxEntry};
use crate::error::{ClientError, Result};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum Record {
    Room {
        server: String,
        room: String,
    },
    Queued {
        id: String,
        text: String,
        queued_at: i64,
        /// Absent for a text (and in files written before locations existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<Location>,
        /// Absent unless it is a reply (and in files written before replies existed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
    },
    Sent {
        id: String,
    },
    /// The server answered the last attempt "not now"; `since`: when it first did.
    Deferred {
        id: String,
        since: i64,
    },
    Resolved {
        id: String,
        keep: bool,
    },
    Retry {
        id: String,
    },
    Seq {
        last_seq: u64,
    },
}

pub(super) type Replayed = (Vec<OutboxEntry>, u64, usize);

pub(super) fn replay(path: &Path, server: &str, room: &str) -> Result<Replayed> {
    let file = File::open(path).map_err(|e| ClientError::storage(path, e))?;
    let mut entries: Vec<OutboxEntry> = Vec::new();
    let mut last_seq = 0;
    let mut lines = 0;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| ClientError::storage(path, e))?;
        lines += 1;
        // A line that does not parse is a torn write from a crash: skip it.
        let Ok(record) = serde_json::from_str::<Record>(&line) else {
            continue;
        };
        match record {
            Record::Room { server: s, room: r } => {
                if s != server || r != room {
                    return Err(ClientError::storage(
                        path,
                        format!("file belongs to {s} / {r}"),
                    ));
                }
            }
            Record::Queued {
                id,
                text,
                queued_at,
                location,
                reply_to,
            } => {
                if !entries.iter().any(|e| e.id == id) {
                    entries.push(OutboxEntry {
                        id,
                        text,
                        location,
                        reply_to,
                        queued_at,
                        attempts: 0,
                        state: EntryState::Pending,
                        deferred_since: None,
                        deferred: 0,
                    });
                }
            }
            Record::Sent { id } => {
                if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                    e.attempts += 1;
                }
            }
            Record::Deferred { id, since } => {
                if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                    e.deferred_since.get_or_insert(since);
                    e.deferred = e.attempts;
                }
            }
            Record::Resolved { id, keep } => {
                if keep {
                    if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                        e.state = EntryState::Failed;
                    }
                } else {
                    entries.retain(|e| e.id != id);
                }
            }
            Record::Retry { id } => {
                if let Some(e) = entries.iter_mut().find(|e| e.id == id) {
                    e.state = EntryState::Pending;
                    e.attempts = 0;
                    e.deferred_since = None;
                    e.deferred = 0;
                }
            }
            Record::Seq { last_seq: s } => last_seq = s,
        }
    }
    Ok((entries, last_seq, lines))
}

/// The records that rebuild `entries` and `last_seq` from nothing: what a compacted log holds.
pub(super) fn live(server: &str, room: &str, last_seq: u64, entries: &[OutboxEntry]) -> Vec<Record> {
    let mut records = vec![Record::Room {
        server: server.to_owned(),
        room: room.to_owned(),
    }];
    if last_seq > 0 {
        records.push(Record::Seq { last_seq });
    }
    for e in entries {
        records.push(Record::Queued {
            id: e.id.clone(),
            text: e.text.clone(),
            queued_at: e.queued_at,
            location: e.location,
            reply_to: e.reply_to.clone(),
        });
        for _ in 0..e.deferred.min(e.attempts) {
            records.push(Record::Sent { id: e.id.clone() });
        }
        if let Some(since) = e.deferred_since {
            records.push(Record::Deferred { id: e.id.clone(), since });
        }
        for _ in e.deferred.min(e.attempts)..e.attempts {
            records.push(Record::Sent { id: e.id.clone() });
        }
        if e.state == EntryState::Failed {
            records.push(Record::Resolved {
                id: e.id.clone(),
                keep: true,
            });
        }
    }
    records
}
