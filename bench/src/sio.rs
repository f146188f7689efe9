//! Socket.IO requests over the bench's own WebSocket client (`ws::Conn`), for the
//! benchmarks that talk to banter-server's accounts and search: connect (with a session in
//! the handshake's `auth`), an event with its ack, and a read loop that answers pings.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::load::{self, Shared};
use crate::ws::{Conn, OP_CLOSE, OP_PING, OP_TEXT};

/// How long a connect or a request waits for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// WebSocket + Socket.IO connect, with a session token in the handshake's `auth` if given.
pub(crate) async fn sio_connect(addr: SocketAddr, local: Option<IpAddr>, session: Option<&str>, sh: &Shared) -> io::Result<Conn> {
    let mut c = Conn::connect_from(addr, local).await?;
    match session {
        None => c.push_text(b"40"),
        Some(t) => c.push_text(format!(r#"40{{"session":"{t}"}}"#).as_bytes()),
    }
    c.flush().await?;
    let r = load::wait_for(&mut c, sh, |p| {
        if p.starts_with(b"40") {
            Some(Ok(()))
        } else if p.starts_with(b"44") {
            Some(Err(io::Error::other(format!("connect refused: {}", String::from_utf8_lossy(p)))))
        } else {
            None
        }
    });
    tokio::time::timeout(REQUEST_TIMEOUT, r).await.map_err(|_| io::Error::other("no Socket.IO connect in 10 s"))??;
    Ok(c)
}

/// Emits `event` (with `data`) under ack id `id` and returns its ack's arguments (`[…]`).
pub(crate) async fn request(c: &mut Conn, sh: &Shared, id: u64, event: &str, data: Option<&str>) -> io::Result<Vec<u8>> {
    let frame = match data {
        Some(d) => format!(r#"42{id}["{event}",{d}]"#),
        None => format!(r#"42{id}["{event}"]"#),
    };
    c.push_text(frame.as_bytes());
    c.flush().await?;
    let prefix = format!("43{id}[");
    let mut out = Vec::new();
    let r = load::wait_for(c, sh, |p| {
        if p.starts_with(prefix.as_bytes()) {
            out = p[prefix.len() - 1..].to_vec();
            Some(Ok(()))
        } else {
            None
        }
    });
    tokio::time::timeout(REQUEST_TIMEOUT, r)
        .await
        .map_err(|_| io::Error::other(format!("no ack to {event} in 10 s")))??;
    Ok(out)
}

/// Whether an ack says yes (no error in its first argument).
pub(crate) fn ack_ok(args: &[u8]) -> bool {
    args == b"[]" || args.starts_with(b"[null")
}

/// The error for a refused `event`, with the ack's arguments.
pub(crate) fn refused(event: &str, args: &[u8]) -> io::Error {
    io::Error::other(format!("{event} refused: {}", String::from_utf8_lossy(args)))
}

/// Reads once and answers pings; an error when the connection ends.
pub(crate) async fn drain(c: &mut Conn, sh: &Shared) -> io::Result<()> {
    let n = c.fill().await?;
    if n == 0 {
        return Err(io::Error::other("server closed the connection"));
    }
    sh.bytes.fetch_add(n as u64, Relaxed);
    while let Some((op, s, e)) = c.next_frame() {
        match op {
            OP_TEXT if c.buf[s..e] == *b"2" => c.push_text(b"3"),
            OP_PING => c.push_pong((s, e)),
            OP_CLOSE => return Err(io::Error::other("server closed the WebSocket")),
            _ => {}
        }
    }
    c.flush().await
}
