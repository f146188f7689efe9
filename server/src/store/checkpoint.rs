//! WAL checkpoints of the SQLite message store, kept off its writer's commit path.
//!
//! SQLite checkpoints by itself inside the commit that takes the WAL past 1,000 pages: the
//! WAL's pages are copied into the database file and the file is synced while that commit
//! waits. With one message in flight that is one commit in every few hundred, and the
//! broadcast and ack that wait for the commit wait for the checkpoint too: banter-bench's
//! p99 delivery latency, 200 clients, one in flight, 4.0 ms with the automatic checkpoint
//! against 1.6 ms without it (docs/benchmarks.md, "Checkpoints off the commit path").
//!
//! So the writer's connection turns it off (`wal_autocheckpoint=0`) and this thread, on a
//! connection of its own, runs a PASSIVE checkpoint at most every [`INTERVAL`] while there
//! are commits: PASSIVE never waits for the writer nor makes it wait. A passive checkpoint
//! cannot restart the log while writes keep coming, so once the WAL holds more than
//! [`RESTART_FRAMES`] frames a RESTART checkpoint (which waits for the writer's current
//! transaction and holds the next one back while it copies) brings it back to the start:
//! rare (about 64 MiB of writes without a pause) and bounded. When the store is dropped the
//! thread checkpoints what is left and ends.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

use rusqlite::Connection;

/// The shortest time between two checkpoints.
pub(super) const INTERVAL: Duration = Duration::from_millis(250);
/// WAL frames (pages) past which a checkpoint restarts the log: ~64 MiB at 4 KiB pages.
pub(super) const RESTART_FRAMES: i64 = 16_384;

/// Told by the writer after each commit; the checkpoint thread ends when it is dropped.
pub(super) struct Nudge(SyncSender<()>);

impl Nudge {
    /// A commit happened: a checkpoint is due within [`INTERVAL`]. Never blocks.
    pub(super) fn committed(&self) {
        match self.0.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

/// Turns the automatic checkpoint off on the writer's connection and starts the thread that
/// checkpoints on `conn` (a second connection to the same file).
pub(super) fn start(writer: &Connection, conn: Connection) -> std::io::Result<Nudge> {
    // Without this, a checkpoint would be left to the writer's commits (the default) and
    // this thread would only race it.
    if let Err(e) = writer.pragma_update(None, "wal_autocheckpoint", 0) {
        tracing::warn!(error = %e, "cannot turn the automatic WAL checkpoint off; the writer keeps it");
    }
    // A log that grew during a long burst is cut back once it restarts.
    writer.pragma_update(None, "journal_size_limit", RESTART_FRAMES * 4096).ok();
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new().name("banter-checkpoint".into()).spawn(move || run(&conn, &rx))?;
    Ok(Nudge(tx))
}

fn run(conn: &Connection, rx: &Receiver<()>) {
    // Commits since the last checkpoint: wait a little so that one checkpoint covers many.
    while rx.recv().is_ok() {
        std::thread::sleep(INTERVAL);
        while rx.try_recv().is_ok() {}
        match checkpoint(conn, "PASSIVE") {
            Ok(frames) if frames > RESTART_FRAMES => {
                if let Err(e) = checkpoint(conn, "RESTART") {
                    tracing::warn!(error = %e, frames, "WAL restart checkpoint failed; the next one tries again");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; the next one tries again"),
        }
    }
    // The store was dropped: what is left goes into the database file.
    if let Err(e) = checkpoint(conn, "TRUNCATE") {
        tracing::debug!(error = %e, "closing WAL checkpoint failed (the next start replays the WAL)");
    }
}

/// Runs `PRAGMA wal_checkpoint(mode)`; returns the frames in the WAL when it ran.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    let (busy, frames, _copied): (i64, i64, i64) =
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    if busy != 0 {
        tracing::debug!(mode, frames, "WAL checkpoint could not finish (a reader or the writer was busy)");
    }
    Ok(frames)
}

/// The checkpoint connection for the database at `path`: the writer's settings, and a busy
/// timeout so that a RESTART waits for the writer's short transactions.
pub(super) fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn commits_are_checkpointed_by_the_thread_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let wal = dir.path().join("c.db-wal");
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let nudge = start(&writer, open(&path).unwrap()).unwrap();
        let auto: i64 = writer.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(auto, 0, "the writer no longer checkpoints in its commits");
        // 2,000 one-page commits, past the automatic threshold of 1,000 pages. Only a
        // checkpoint copies pages into the database file itself, and only this thread runs one.
        let before = size(&path);
        for _ in 0..2_000 {
            writer.execute("INSERT INTO t VALUES (zeroblob(3000))", []).unwrap();
            nudge.committed();
        }
        wait_for("the checkpoint thread did not copy the WAL into the database file", || {
            size(&path) >= before + 2_000 * 3_000
        });
        assert!(size(&wal) > 0);
        // Dropping the nudge (the store) ends the thread with a TRUNCATE checkpoint.
        drop(nudge);
        wait_for("the WAL was not truncated after the store was dropped", || size(&wal) == 0);
        let n: i64 = writer.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 2_000);
    }

    #[test]
    fn an_idle_store_runs_no_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let _nudge = start(&writer, open(&path).unwrap()).unwrap();
        // Commits without a nudge stay in the WAL: the thread only wakes when told.
        for _ in 0..50 {
            writer.execute("INSERT INTO t VALUES (zeroblob(3000))", []).unwrap();
        }
        std::thread::sleep(INTERVAL * 3);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
    }
}
