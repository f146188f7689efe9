//! A minimal WebSocket client connection for the load generator.
//!
//! Why not tokio-tungstenite: the generator has to read well over a million small frames a
//! second on one core while the servers under test use the other core. A general WebSocket
//! client allocates a message per frame and UTF-8-validates every text frame (including the
//! classic `roomData` broadcasts, which reach ~60 KB each in a 1,000-client room: the join
//! of 1,000 clients pushes ~20 GB of them through loopback). Here frames are parsed in
//! place in one reusable buffer, frames too large to be of interest are skipped without
//! being buffered, and writes from one read batch go out in one `write_all`.
//!
//! Scope (enough for a loopback benchmark, not a general client): no TLS, no extensions,
//! server frames are expected unmasked (RFC 6455 §5.1), continuation frames are ignored, the
//! `Sec-WebSocket-Accept` header is not checked. Client frames are masked with an all-zero
//! key, which every server accepts (XOR with zero leaves the payload as it is) and which
//! saves the generator masking every byte it sends.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Read buffer per connection. Frames up to `SKIP_ABOVE` bytes are buffered whole; larger
/// ones (only `roomData` in a big room) are skipped as they stream by.
const BUF_SIZE: usize = 16 * 1024;
const SKIP_ABOVE: usize = 8 * 1024;

pub const OP_TEXT: u8 = 1;
pub const OP_CLOSE: u8 = 8;
pub const OP_PING: u8 = 9;

pub struct Conn {
    stream: TcpStream,
    pub buf: Vec<u8>,
    start: usize,
    end: usize,
    skip: usize,
    /// Frames queued for the next `flush`.
    pub out: Vec<u8>,
}

fn bad(msg: String) -> io::Error {
    io::Error::other(msg)
}

impl Conn {
    /// TCP connect plus the WebSocket upgrade on the Engine.IO v4 WebSocket endpoint.
    pub async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        Conn::connect_from(addr, None).await
    }

    /// [`Conn::connect`] from a chosen local address (another loopback address such as
    /// 127.0.0.2: banter-server limits registrations per client address).
    pub async fn connect_from(addr: SocketAddr, local: Option<std::net::IpAddr>) -> io::Result<Conn> {
        let stream = match local {
            None => TcpStream::connect(addr).await?,
            Some(ip) => {
                let sock = tokio::net::TcpSocket::new_v4()?;
                sock.bind(SocketAddr::new(ip, 0))?;
                sock.connect(addr).await?
            }
        };
        stream.set_nodelay(true)?;
        let mut c = Conn {
            stream,
            buf: vec![0; BUF_SIZE],
            start: 0,
            end: 0,
            skip: 0,
            out: Vec::with_capacity(256),
        };
        let req = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        c.stream.write_all(req.as_bytes()).await?;
        loop {
            if c.fill().await? == 0 {
                return Err(bad("connection closed during the WebSocket handshake".into()));
            }
            let head = &c.buf[..c.end];
            if let Some(p) = memchr::memmem::find(head, b"\r\n\r\n") {
                if !head.starts_with(b"HTTP/1.1 101") {
                    let line = String::from_utf8_lossy(&head[..head.len().min(120)]).into_owned();
                    return Err(bad(format!("WebSocket upgrade refused: {line}")));
                }
                c.start = p + 4;
                return Ok(c);
            }
            if c.end == c.buf.len() {
                return Err(bad("WebSocket upgrade response too large".into()));
            }
        }
    }

    /// Reads what the socket has (at least one byte unless EOF). Returns the byte count.
    pub async fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.buf.len() - self.end < SKIP_ABOVE {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        if self.skip > 0 {
            let s = self.skip.min(self.end - self.start);
            self.start += s;
            self.skip -= s;
        }
        Ok(n)
    }

    /// The next complete frame in the buffer: (opcode, payload start, payload end), indices
    /// into `self.buf`, valid until the next `fill`. `None`: more data is needed.
    pub fn next_frame(&mut self) -> Option<(u8, usize, usize)> {
        let b = &self.buf[self.start..self.end];
        if b.len() < 2 {
            return None;
        }
        let op = b[0] & 0x0f;
        let masked = b[1] & 0x80 != 0;
        let (hl, plen) = match b[1] & 0x7f {
            126 => {
                if b.len() < 4 {
                    return None;
                }
                (4, u16::from_be_bytes([b[2], b[3]]) as usize)
            }
            127 => {
                if b.len() < 10 {
                    return None;
                }
                let mut l = [0u8; 8];
                l.copy_from_slice(&b[2..10]);
                (10, u64::from_be_bytes(l) as usize)
            }
            n => (2, n as usize),
        };
        let hl = hl + if masked { 4 } else { 0 };
        if b.len() >= hl + plen {
            let s = self.start + hl;
            self.start = s + plen;
            return Some((op, s, s + plen));
        }
        if hl + plen > SKIP_ABOVE {
            // Too big to be a frame the generator looks at: let it stream by.
            self.skip = hl + plen - b.len();
            self.start = self.end;
        }
        None
    }

    /// Queues one text frame (masked with the zero key).
    pub fn push_text(&mut self, payload: &[u8]) {
        push_frame(&mut self.out, 0x81, payload);
    }

    pub fn push_pong(&mut self, payload_range: (usize, usize)) {
        let p = self.buf[payload_range.0..payload_range.1].to_vec();
        push_frame(&mut self.out, 0x8a, &p);
    }

    pub async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await?;
            self.out.clear();
        }
        Ok(())
    }
}

fn push_frame(out: &mut Vec<u8>, first: u8, payload: &[u8]) {
    out.push(first);
    let n = payload.len();
    if n < 126 {
        out.push(0x80 | n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0x80 | 126);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(payload);
}
