//! What both message stores' writers share: the commands queued to a writer, a batch of them
//! split into the writes to commit and the callbacks to run after, and settling those
//! callbacks in queue order once the batch committed or failed.

use std::collections::HashMap;

use banter_protocol::ext::Message;

use super::{Committed, Numbered};

/// A write queued to a store's writer, with what to call once it is settled.
pub(super) enum Command {
    Room { name: String, created_at: i64 },
    Append(Message, Option<Committed>),
    /// A message for the store to number (only a store that numbers messages takes it).
    Numbered(Message, Numbered),
    /// Replaces a text message's text (its author's edit); `done` gets whether it committed.
    Edit { room: String, id: String, text: String, at: i64, done: Committed },
    /// Adds (`on`) or takes back an account's reaction.
    React { room: String, seq: u64, emoji: String, account_id: i64, name: String, on: bool, at: i64, done: Committed },
    /// Called once everything queued before it is committed (or failed).
    Flush(Box<dyn FnOnce() + Send>),
}

impl Command {
    /// The write will never be made (the writer is gone, or the store cannot make it): its
    /// callback is told so.
    pub(super) fn fail(self) {
        match self {
            Command::Append(_, Some(done)) | Command::Edit { done, .. } | Command::React { done, .. } => done(false),
            Command::Numbered(_, done) => done(Err(())),
            Command::Flush(done) => done(),
            Command::Room { .. } | Command::Append(_, None) => {}
        }
    }
}

/// What a batch commits, in queue order.
pub(super) enum Write {
    Room(String, i64),
    Message(Message),
    Edit { room: String, id: String, text: String, at: i64 },
    React { room: String, seq: u64, emoji: String, account_id: i64, name: String, on: bool, at: i64 },
}

enum Callback {
    Committed(Committed),
    /// The index of the numbered write in the batch.
    Numbered(usize, Numbered),
    Flush(Box<dyn FnOnce() + Send>),
}

/// A batch of commands: its writes, and its callbacks taken out first so that each runs
/// whatever happens to the batch.
pub(super) struct Batch {
    pub writes: Vec<Write>,
    callbacks: Vec<Callback>,
}

impl Batch {
    pub(super) fn split(commands: Vec<Command>) -> Self {
        let mut writes = Vec::with_capacity(commands.len());
        let mut callbacks = Vec::new();
        for cmd in commands {
            match cmd {
                Command::Room { name, created_at } => writes.push(Write::Room(name, created_at)),
                Command::Append(m, done) => {
                    callbacks.extend(done.map(Callback::Committed));
                    writes.push(Write::Message(m));
                }
                Command::Numbered(m, done) => {
                    callbacks.push(Callback::Numbered(writes.len(), done));
                    writes.push(Write::Message(m));
                }
                Command::Edit { room, id, text, at, done } => {
                    callbacks.push(Callback::Committed(done));
                    writes.push(Write::Edit { room, id, text, at });
                }
                Command::React { room, seq, emoji, account_id, name, on, at, done } => {
                    callbacks.push(Callback::Committed(done));
                    writes.push(Write::React { room, seq, emoji, account_id, name, on, at });
                }
                Command::Flush(done) => callbacks.push(Callback::Flush(done)),
            }
        }
        Self { writes, callbacks }
    }

    /// Runs the callbacks in queue order: `stored` is `None` when the batch failed, else what
    /// the store numbered (by write index: the stored message, and whether it was a resend).
    pub(super) fn settle(self, mut stored: Option<HashMap<usize, (Message, bool)>>) {
        for done in self.callbacks {
            match done {
                Callback::Committed(done) => done(stored.is_some()),
                Callback::Numbered(i, done) => match stored.as_mut().and_then(|s| s.remove(&i)) {
                    Some(outcome) => done(Ok(outcome)),
                    None => done(Err(())),
                },
                Callback::Flush(done) => done(),
            }
        }
    }
}
