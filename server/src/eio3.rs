//! Engine.IO v3 long-polling POSTs (socket.io 2.x clients), split to fit the payload limit.
//!
//! engineioxide 0.17 applies `max_payload` (64 KiB here, [`crate::MAX_PAYLOAD_BYTES`]) to a
//! whole polling POST. An Engine.IO v4 client (socket.io 4.x) learns that limit from the
//! handshake (`maxPayload`) and splits its writes to fit. An Engine.IO v3 client cannot: the
//! v3 handshake has no `maxPayload`, and engine.io-client 3.x sends everything it has queued
//! in one POST. So a 2.x client on polling that sent a burst of ordinary messages lost its
//! connection (measured: 40 messages of 1,900 characters sent at once → 3 acked, then
//! "transport error"; a 4.x client: 40 acked). Node's socket.io 2.x accepts such POSTs (its
//! `maxHttpBufferSize` is 100 MB by default).
//!
//! This middleware, and only it, works around that: a v3 POST over the limit is cut at packet
//! boundaries into POSTs of at most the limit, handed to socketioxide one after the other, in
//! order, so each packet is still held to the 64 KiB limit and a burst is not. Anything it
//! cannot split (a single packet over the limit, a body over [`MAX_V3_POST_BYTES`], bad
//! framing) goes through unchanged and engineioxide refuses it as before (closing that
//! connection). Drop this when engineioxide enforces the limit per packet for v3.

use std::ops::Range;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use crate::sio::SocketIo;

use crate::MAX_PAYLOAD_BYTES;

/// Largest v3 POST body that is split; a bigger one is passed on whole (and refused).
pub const MAX_V3_POST_BYTES: usize = 1 << 20;

const LIMIT: usize = MAX_PAYLOAD_BYTES as usize;

/// The axum middleware (`axum::middleware::from_fn_with_state`), in front of the Socket.IO
/// layer. Only a connected socket's POSTs are buffered and split.
pub async fn split_v3_posts(State(io): State<SocketIo>, req: Request, next: Next) -> Response {
    if !is_v3_polling_post(&req) || !connected(&io, &req) {
        return next.run(req).await;
    }
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n <= LIMIT || n > MAX_V3_POST_BYTES) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let mut buf = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => buf.extend_from_slice(&chunk),
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
        if buf.len() > MAX_V3_POST_BYTES {
            break; // passed on as it is: over the limit, engineioxide refuses it
        }
    }
    let binary = parts.headers.get(CONTENT_TYPE).is_some_and(|v| v.as_bytes() == b"application/octet-stream");
    let batches = match packets(&buf, binary) {
        Some(packets) if buf.len() > LIMIT && buf.len() <= MAX_V3_POST_BYTES => batches(&packets, LIMIT),
        _ => Vec::new(),
    };
    if batches.len() < 2 {
        return next.run(Request::from_parts(parts, Body::from(buf))).await;
    }
    tracing::debug!(bytes = buf.len(), binary, posts = batches.len(), "splitting an Engine.IO v3 polling POST");
    let buf = Bytes::from(buf);
    let mut last = StatusCode::OK.into_response();
    for range in batches {
        let mut part = Request::new(Body::from(buf.slice(range)));
        *part.method_mut() = parts.method.clone();
        *part.uri_mut() = parts.uri.clone();
        *part.version_mut() = parts.version;
        *part.headers_mut() = parts.headers.clone();
        part.headers_mut().remove(CONTENT_LENGTH);
        last = next.clone().run(part).await;
        if !last.status().is_success() {
            break;
        }
    }
    last
}

/// Whether the POST's `sid` is a socket connected to `/` (the socket id is the Engine.IO id).
fn connected(io: &SocketIo, req: &Request) -> bool {
    let sid = req.uri().query().and_then(|q| q.split('&').find_map(|p| p.strip_prefix("sid=")));
    sid.and_then(|sid| crate::sio::socket(io, sid)).is_some()
}

fn is_v3_polling_post(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path().starts_with("/socket.io")
        && req.uri().query().is_some_and(|q| {
            let mut pairs = q.split('&');
            let (mut v3, mut polling) = (false, false);
            for p in pairs.by_ref() {
                v3 |= p == "EIO=3";
                polling |= p == "transport=polling";
            }
            v3 && polling
        })
}

/// The byte ranges of the packets of an Engine.IO v3 payload, framing included, or `None`
/// when it is not well framed. String payloads are `<length>:<packet>`…, the length in UTF-16
/// code units (as JS counts); binary ones `<0|1><length digits as bytes>\xff<packet>`…, the
/// length in bytes.
pub fn packets(buf: &[u8], binary: bool) -> Option<Vec<Range<usize>>> {
    let mut out = Vec::new();
    let mut i = 0;
    if binary {
        while i < buf.len() {
            if buf[i] > 1 {
                return None;
            }
            let sep = i + 1 + buf.get(i + 1..)?.iter().take(9).position(|&b| b == 0xff)?;
            let digits = &buf[i + 1..sep];
            if digits.is_empty() || digits.len() > 8 || digits.iter().any(|&d| d > 9) {
                return None;
            }
            let n = digits.iter().fold(0usize, |n, &d| n * 10 + d as usize);
            let end = sep.checked_add(1 + n).filter(|&e| e <= buf.len())?;
            out.push(i..end);
            i = end;
        }
    } else {
        let text = std::str::from_utf8(buf).ok()?;
        while i < text.len() {
            let colon = i + text.get(i..)?.bytes().take(11).position(|b| b == b':')?;
            let n: usize = text.get(i..colon)?.parse().ok()?;
            let mut end = colon + 1;
            let mut units = 0;
            for ch in text.get(end..)?.chars() {
                if units >= n {
                    break;
                }
                units += ch.len_utf16();
                end += ch.len_utf8();
            }
            if units != n {
                return None;
            }
            out.push(i..end);
            i = end;
        }
    }
    Some(out)
}

/// Consecutive packets grouped into runs of at most `limit` bytes (a packet bigger than the
/// limit is a run of its own).
pub fn batches(packets: &[Range<usize>], limit: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for p in packets {
        match out.last_mut() {
            Some(run) if p.end - run.start <= limit => run.end = p.end,
            _ => out.push(p.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_payload(packets: &[&str]) -> String {
        packets.iter().map(|p| format!("{}:{p}", p.encode_utf16().count())).collect()
    }

    #[test]
    fn string_payloads_are_framed_in_utf16_units() {
        let packets_in = ["42[\"sendMessage\",\"naïve 😀\"]", "2", "421[\"join\",{}]"];
        let body = string_payload(&packets_in);
        let ranges = packets(body.as_bytes(), false).expect("well framed");
        let got: Vec<&str> = ranges.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(got, vec![
            format!("{}:{}", packets_in[0].encode_utf16().count(), packets_in[0]),
            "1:2".to_owned(),
            format!("14:{}", packets_in[2]),
        ]);
    }

    #[test]
    fn bad_string_framing_is_refused() {
        for bad in ["5:abc", "x:abc", "3abc", "1:😀", "99999999999:a"] {
            assert_eq!(packets(bad.as_bytes(), false), None, "{bad}");
        }
        assert_eq!(packets(b"", false), Some(vec![]));
    }

    #[test]
    fn binary_payloads_are_framed_in_bytes() {
        // a string packet "42[]" (4 bytes) and a binary packet of 3 bytes (type byte + 2)
        let mut body = vec![0, 4, 0xff];
        body.extend_from_slice(b"42[]");
        body.extend_from_slice(&[1, 3, 0xff, 4, 0xaa, 0xbb]);
        assert_eq!(packets(&body, true), Some(vec![0..7, 7..13]));
        assert_eq!(packets(&body[..12], true), None, "truncated");
        assert_eq!(packets(&[2, 1, 0xff, 0], true), None, "unknown kind");
        assert_eq!(packets(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff], true), None, "too many digits");
    }

    #[test]
    fn batches_stay_within_the_limit_and_keep_order() {
        let ps = vec![0..40, 40..80, 80..100, 100..300, 300..310];
        assert_eq!(batches(&ps, 100), vec![0..100, 100..300, 300..310]);
        assert_eq!(batches(&ps, 1000), vec![0..310]);
        assert_eq!(batches(&[], 10), Vec::<Range<usize>>::new());
    }
}
