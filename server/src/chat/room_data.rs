//! Classic `roomData` (a room's member list), coalesced during join storms.
//!
//! The classic server sends the whole list to every member on every join and leave: filling
//! a room of n is n²/2 lists of up to n members. Here a room's changes are paced: the first
//! change in a quiet room goes out at once, to every classic member, exactly as before; a
//! change less than [`WINDOW`] after the room's previous `roomData` only marks the room as
//! changed, and one flush at the end of the window sends every member the list as it is
//! then. A classic joiner still gets its own list (itself in it) at once, before its ack, in
//! the classic order: welcome, notice to the others, `roomData`, ack.
//!
//! Every list is computed and emitted under the room's lock from the room as it is at that
//! moment, and a socket's packets leave in the order they were emitted, so no member ever
//! sees a list older than one it already saw. Banter sockets are not in the classic
//! socketioxide room: they get `banter:presence`, never `roomData`.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use banter_protocol::classic::{self, RoomData};
use crate::sio::SocketRef;

use crate::emit::{self, classic_room};
use crate::room::RoomState;
use crate::rooms::{lock, RoomRef};
use crate::state::{AppState, Shared};

/// The longest a classic member waits for the latest list after a room's last change. Short
/// enough that a member list on screen is never noticeably behind the join notices (which
/// are not delayed), long enough that a room filling at thousands of joins a second sends
/// at most 20 lists a second instead of one per join.
pub const WINDOW: Duration = Duration::from_millis(50);

/// A quiet period after a storm's last flush after which memory freed by the storm is given
/// back to the system (see [`trim_after_storm`]).
const TRIM_AFTER: Duration = Duration::from_secs(1);
/// Members a flushed room must have for its storm to be worth a trim.
const TRIM_MIN_MEMBERS: usize = 100;

/// Per room: when its last `roomData` went to every member, and whether a flush is due.
/// Pure bookkeeping (no I/O), kept in [`RoomState`] under the room's lock.
#[derive(Debug, Default)]
pub struct Pacer {
    last_sent: Option<Instant>,
    flush_due: Option<Instant>,
    /// Flushes since the room was loaded: a trim checks that no other came after its own.
    flushes: u64,
    /// The server, for the flush (which runs outside any handler); set by the first join.
    /// Weak: a room must not keep its server alive.
    app: Weak<AppState>,
}

/// What to do about a change to a room's members.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// A quiet room: send the list to every classic member now.
    SendNow,
    /// Within the window: a flush must be started, to run after this delay.
    Schedule(Duration),
    /// A flush is already due and will carry this change.
    Pending,
}

impl Pacer {
    /// A change to the room's members at `now`.
    pub fn change(&mut self, now: Instant) -> Decision {
        if self.flush_due.is_some() {
            return Decision::Pending;
        }
        match self.last_sent {
            Some(last) if now.saturating_duration_since(last) < WINDOW => {
                let due = last + WINDOW;
                self.flush_due = Some(due);
                Decision::Schedule(due.saturating_duration_since(now))
            }
            _ => {
                self.last_sent = Some(now);
                Decision::SendNow
            }
        }
    }

    /// A scheduled flush runs at `now`: true when it must send (it was still due).
    pub fn flush(&mut self, now: Instant) -> bool {
        if self.flush_due.take().is_none() {
            return false;
        }
        self.last_sent = Some(now);
        self.flushes += 1;
        true
    }

    /// Whether a flush is due (a change not yet sent to every member).
    pub fn is_due(&self) -> bool {
        self.flush_due.is_some()
    }
}

/// The room's list now.
fn room_data(st: &AppState, g: &RoomState) -> RoomData {
    RoomData { room: g.name.clone(), users: super::roster::of(st, g).users }
}

/// A classic join changed the room's members (`g` holds the joiner already). Called at the
/// point of the classic order where `roomData` goes out, before the joiner's ack: in a quiet
/// room every classic member gets the list now (the joiner included, if `joiner_is_classic`);
/// otherwise only the joiner does, and the others get the latest list at the window's end.
pub(super) fn joined(st: &Shared, s: &SocketRef, room: &RoomRef, g: &mut RoomState, joiner_is_classic: bool) {
    if g.room_data.app.strong_count() == 0 {
        g.room_data.app = Arc::downgrade(st);
    }
    match g.room_data.change(Instant::now()) {
        Decision::SendNow => {
            emit::now(&st.metrics, "roomData", s.within(classic_room(&g.name)).local().emit(classic::ROOM_DATA, &room_data(st, g)));
        }
        decision => {
            if joiner_is_classic {
                let _ = s.emit(classic::ROOM_DATA, &room_data(st, g));
            }
            if let Decision::Schedule(delay) = decision {
                schedule(g, room, delay);
            }
        }
    }
    tell_other_nodes(st, &g.name);
}

/// A member left (or disconnected; `g` no longer holds it, and its socket has left the
/// classic room): the others get the list now in a quiet room, else at the window's end.
pub(super) fn left(st: &AppState, s: &SocketRef, room: &RoomRef, g: &mut RoomState) {
    match g.room_data.change(Instant::now()) {
        Decision::SendNow => {
            // `broadcast()`: inside a disconnect handler the socket is still in its rooms.
            emit::now(&st.metrics, "roomData", s.broadcast().to(classic_room(&g.name)).local().emit(classic::ROOM_DATA, &room_data(st, g)));
        }
        Decision::Schedule(delay) => schedule(g, room, delay),
        Decision::Pending => {}
    }
    tell_other_nodes(st, &g.name);
}

/// On several nodes each node sends `roomData` to its own classic members only, from the
/// cluster's registry: lists computed on different nodes could reach a member in any order
/// and leave it with a stale one. A change here is told to the others, which send their
/// members the list (paced as here) as the registry has it after the change.
fn tell_other_nodes(st: &AppState, room: &str) {
    if st.presence.is_cluster() {
        st.control.publish(crate::cluster::control::Control::MembersChanged { room: room.to_owned() });
    }
}

/// Another node's member joined or left `room`: this node's classic members there get the
/// list (at once in a quiet room, else at the window's end).
pub(crate) fn changed_elsewhere(st: &Shared, room: &str) {
    let Some(r) = st.rooms.get(room) else { return };
    let mut g = lock(&r);
    if g.evicted {
        return;
    }
    if g.room_data.app.strong_count() == 0 {
        g.room_data.app = Arc::downgrade(st);
    }
    match g.room_data.change(Instant::now()) {
        Decision::SendNow => {
            let data = room_data(st, &g);
            emit::now_unless_closed(&st.metrics, "roomData", emit::local_to_room(st, classic_room(&g.name)).map(|to| to.emit(classic::ROOM_DATA, &data)));
        }
        Decision::Schedule(delay) => schedule(&g, &r, delay),
        Decision::Pending => {}
    }
}

/// Starts the flush that sends the room's latest list after `delay`. It holds the room
/// weakly: a room dropped meanwhile (its last member gone) has nobody to tell.
fn schedule(g: &RoomState, room: &RoomRef, delay: Duration) {
    let app = g.room_data.app.clone();
    let room = Arc::downgrade(room);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        flush(&app, &room);
    });
}

fn flush(app: &Weak<AppState>, room: &Weak<std::sync::Mutex<RoomState>>) {
    let (Some(st), Some(room)) = (app.upgrade(), room.upgrade()) else { return };
    let mut g = lock(&room);
    if g.evicted || !g.room_data.flush(Instant::now()) {
        return;
    }
    let data = room_data(&st, &g);
    let members = data.users.len();
    let flushes = g.room_data.flushes;
    emit::now_unless_closed(&st.metrics, "roomData", emit::local_to_room(&st, classic_room(&g.name)).map(|to| to.emit(classic::ROOM_DATA, &data)));
    drop(g);
    if members >= TRIM_MIN_MEMBERS {
        trim_after_storm(Arc::downgrade(&room), flushes);
    }
}

/// After a storm in a big room, the lists queued to its members are freed as their sockets
/// drain, but glibc's allocator keeps the pages: once the room has been quiet for
/// [`TRIM_AFTER`] (no flush after this one), they are returned to the system.
fn trim_after_storm(room: Weak<std::sync::Mutex<RoomState>>, flushes: u64) {
    tokio::spawn(async move {
        tokio::time::sleep(TRIM_AFTER).await;
        let quiet = match room.upgrade() {
            Some(room) => {
                let g = lock(&room);
                g.room_data.flushes == flushes && !g.room_data.is_due()
            }
            None => true,
        };
        if quiet {
            let _ = tokio::task::spawn_blocking(release_free_memory).await;
        }
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes their locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_quiet_room_sends_at_once() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(p.change(t0), Decision::SendNow);
        // The next change after a full window is quiet again.
        assert_eq!(p.change(t0 + WINDOW), Decision::SendNow);
        assert_eq!(p.change(t0 + WINDOW * 3), Decision::SendNow);
        assert!(!p.is_due());
    }

    #[test]
    fn a_change_within_the_window_waits_for_its_end() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(p.change(t0), Decision::SendNow);
        assert_eq!(p.change(t0 + ms(10)), Decision::Schedule(WINDOW - ms(10)));
        assert!(p.is_due());
        // Further changes ride on the flush already due.
        assert_eq!(p.change(t0 + ms(20)), Decision::Pending);
        assert_eq!(p.change(t0 + ms(49)), Decision::Pending);
        assert!(p.flush(t0 + WINDOW));
        assert!(!p.is_due());
    }

    #[test]
    fn a_storm_sends_one_list_per_window() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        let mut sent = 0;
        let mut next_flush: Option<Instant> = None;
        // 1,000 joins, one a millisecond: a second of storm.
        for i in 0..1000u64 {
            let now = t0 + ms(i);
            if let Some(at) = next_flush.filter(|at| *at <= now) {
                assert!(p.flush(at));
                sent += 1;
                next_flush = None;
            }
            match p.change(now) {
                Decision::SendNow => sent += 1,
                Decision::Schedule(d) => {
                    assert!(d <= WINDOW);
                    next_flush = Some(now + d);
                }
                Decision::Pending => assert!(next_flush.is_some()),
            }
        }
        if let Some(at) = next_flush {
            assert!(p.flush(at));
            sent += 1;
        }
        // One at once, then one at the end of every window: ~20, not 1,000.
        assert!(sent <= 1 + 1000 / 50 + 1, "{sent} lists");
        assert!(sent >= 1000 / 50, "{sent} lists");
        assert!(!p.is_due());
    }

    #[test]
    fn the_last_change_is_flushed_within_the_window() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        p.change(t0);
        let Decision::Schedule(d) = p.change(t0 + ms(30)) else { panic!("expected a flush") };
        // Due at the window's end after the previous send: at most WINDOW after the change.
        assert!(d <= WINDOW);
        assert_eq!(t0 + ms(30) + d, t0 + WINDOW);
    }

    #[test]
    fn a_flush_not_due_sends_nothing() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        assert!(!p.flush(t0));
        p.change(t0);
        assert!(!p.flush(t0 + ms(1)), "a send at once leaves nothing due");
        p.change(t0 + ms(2));
        assert!(p.flush(t0 + WINDOW));
        assert!(!p.flush(t0 + WINDOW), "a second flush of the same window sends nothing");
    }

    #[test]
    fn after_a_flush_the_window_starts_again() {
        let mut p = Pacer::default();
        let t0 = Instant::now();
        p.change(t0);
        p.change(t0 + ms(10));
        assert!(p.flush(t0 + ms(50)));
        // A change right after the flush waits for the flush's window.
        assert_eq!(p.change(t0 + ms(60)), Decision::Schedule(ms(40)));
        assert!(p.flush(t0 + ms(100)));
        // And a change a full window after it goes out at once.
        assert_eq!(p.change(t0 + ms(150)), Decision::SendNow);
    }
}
