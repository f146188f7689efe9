//! Message views: one line of a room as the page shows it (times formatted here), older
//! history pages, and the unread count after a read marker.

use banter_client::ClientEvent;

use crate::ipc::{Delivery, MessageKind, MessageView};

pub fn view(
    id: String,
    room: &str,
    seq: Option<u64>,
    username: String,
    kind: MessageKind,
    text: String,
    created_at: i64,
    own: bool,
) -> MessageView {
    let (time, day, day_label) = crate::format::stamp(created_at);
    let body = crate::talk::body_of(kind, &text);
    MessageView {
        id,
        room: room.to_owned(),
        seq,
        username,
        kind,
        text,
        created_at,
        time,
        day,
        day_label,
        own,
        delivery: own.then(Delivery::delivered),
        removed: false,
        removed_by: None,
        body,
        edited_at: None,
        reactions: Vec::new(),
        reply_to: None,
        mentions_me: false,
        file: None,
    }
}

/// How many of a snapshot's messages are unread after the account's marker `read_seq`
/// (not our own, not notices, not removed).
pub fn unread_after(messages: &[MessageView], read_seq: u64) -> u64 {
    messages
        .iter()
        .filter(|m| m.seq.is_some_and(|s| s > read_seq) && !m.own && m.kind != MessageKind::Notice && !m.removed)
        .count() as u64
}

/// A `message` event of an older-history page, ready to show (other events: `None`).
pub fn history_view(ev: ClientEvent) -> Option<MessageView> {
    history_view_as(ev, "")
}

/// [`history_view`] for `me` (whose reactions show as mine).
pub fn history_view_as(ev: ClientEvent, me: &str) -> Option<MessageView> {
    let ClientEvent::Message { room, id, seq, username, text, kind, created_at, mine, removed, edited_at, reactions, reply_to, file, .. } = ev else {
        return None;
    };
    let kind = if kind == "location" { MessageKind::Location } else { MessageKind::Text };
    let mut m = view(id?, &room, seq, username, kind, text, created_at, mine);
    m.removed = removed;
    m.edited_at = edited_at;
    m.reactions = crate::talk::reactions_view(&reactions, me);
    m.reply_to = reply_to.as_ref().map(crate::talk::reply_view);
    // a removed file is gone for everyone: its tombstone carries no file line
    m.file = file.as_ref().filter(|_| !removed).map(crate::ipc::FileView::of);
    Some(m)
}
