//! `POST /files?room=R&name=N[&id=MESSAGE_ID]`: the file is the raw request body. Checked
//! before a byte is read: the access token, the session (guests cannot upload), the room
//! (the account must be in it now, on one of its sockets; in a DM, not blocked), the name,
//! the quota, and a `Content-Length` over the limit. Then the body is streamed into a
//! temporary file in `--files-dir/tmp/`, hashed (SHA-256) as it comes and cut off at the
//! limit (never held in memory); an image is decoded with limits for its thumbnail; the file
//! is renamed into place under its hash (one copy per content), recorded, and announced in
//! the room as a message with a `file` part. A refused or broken upload leaves nothing.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use banter_protocol::files::{self as wire, codes, FilePart, UploadAccepted};
use banter_protocol::rules;

use super::access;
use super::store::FileRecord;
use super::thumbs::{self, ThumbError};
use super::{Files, Refusal};
use crate::state::{AppState, Shared};

pub const ERR_NOT_IN_ROOM: &str = "Not in that room! Join it before sending a file to it.";
pub const ERR_EMPTY: &str = "The file is empty.";

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    room: Option<String>,
    name: Option<String>,
    id: Option<String>,
}

pub async fn upload(State(st): State<Shared>, Query(q): Query<UploadQuery>, headers: HeaderMap, body: Body) -> Response {
    let mut slot = Some(body);
    match receive(&st, q, &headers, &mut slot).await {
        Ok(done) => (StatusCode::CREATED, Json(done)).into_response(),
        Err(refused) => {
            tracing::info!(code = refused.code, status = %refused.status, "upload refused");
            // refused before reading: read the body away (bounded), so the client, still
            // sending, gets the answer instead of a broken connection
            if let Some(body) = slot.take() {
                drain(body.into_data_stream(), drain_bound(&st.files)).await;
            }
            refused.into_response()
        }
    }
}

/// What a refused upload may still send, read and discarded, before its answer: beyond
/// that the connection is closed with the answer (a client may then see only the close).
fn drain_bound(files: &Files) -> u64 {
    files.max_upload_bytes.max(DRAIN_MIN)
}

const DRAIN_MIN: u64 = 64 * 1024 * 1024;
/// Longest a refused upload is read for.
const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads and discards at most `bound` more bytes of `stream`, for at most [`DRAIN_FOR`].
async fn drain(mut stream: axum::body::BodyDataStream, bound: u64) {
    let work = async {
        let mut read = 0u64;
        while let Some(Ok(chunk)) = stream.next().await {
            read += chunk.len() as u64;
            if read > bound {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_FOR, work).await;
}

fn invalid(why: impl Into<String>) -> Refusal {
    Refusal::new(400, codes::INVALID, why)
}

fn too_large(files: &Files, by_quota: bool) -> Refusal {
    if by_quota {
        over_quota(files)
    } else {
        let mb = files.max_upload_bytes / (1024 * 1024);
        Refusal::new(413, codes::TOO_LARGE, format!("The file is too large (at most {mb} MB)."))
    }
}

fn over_quota(files: &Files) -> Refusal {
    let mb = files.quota.bytes() / (1024 * 1024);
    Refusal::new(413, codes::QUOTA, format!("Your files would go over your quota on this server ({mb} MB in all)."))
}

/// Deletes a temporary file unless it was moved into place.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What was received: where, its hash, size and first bytes.
struct Received {
    temp: TempFile,
    sha256: String,
    size: u64,
    head: Vec<u8>,
}

enum BodyError {
    Over,
    Refused(Refusal),
}

/// Streams the body into a temporary file, at most `limit` bytes.
async fn receive_body(files: &Files, body: Body, limit: u64) -> Result<Received, BodyError> {
    let io = |e: std::io::Error| BodyError::Refused(Refusal::server("writing an upload", e));
    let path = files.blobs.temp_path().map_err(|e| BodyError::Refused(Refusal::server("temp file", e)))?;
    let temp = TempFile(Some(path.clone()));
    let file = tokio::fs::File::create(&path).await.map_err(io)?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let (mut hasher, mut size, mut head) = (Sha256::new(), 0u64, Vec::with_capacity(64));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Refused(Refusal::new(400, codes::INVALID, format!("The upload broke off: {e}"))))?;
        size += chunk.len() as u64;
        if size > limit {
            drop(out);
            drop(temp); // deleted now, not after the drain
            drain(stream, drain_bound(files)).await;
            return Err(BodyError::Over);
        }
        if head.len() < 64 {
            let take = (64 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    out.into_inner().sync_all().await.map_err(io)?;
    Ok(Received { temp, sha256: crate::accounts::hex(&hasher.finalize()), size, head })
}

/// `http(s)://host` for links in messages: the request's `Host` when it is a plain host
/// name or address, else the listen address.
fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    let scheme = if st.config.tls.is_some() { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .map_or_else(|| st.config.listen.to_string(), str::to_owned);
    format!("{scheme}://{host}")
}

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// The upload; `body` is taken once it is read (a refusal before that leaves it to drain).
async fn receive(st: &Shared, q: UploadQuery, headers: &HeaderMap, body: &mut Option<Body>) -> Result<UploadAccepted, Refusal> {
    let me = access::account(st, headers).await?;
    let room = q.room.as_deref().map(rules::normalise_name).filter(|r| !r.is_empty()).ok_or_else(|| invalid("Say which room: ?room=NAME."))?;
    let name = q.name.as_deref().and_then(wire::clean_name).ok_or_else(|| invalid("Give the file a name: ?name=NAME."))?;
    if crate::profanity::refuses(st.config.profanity, &name) {
        return Err(invalid(banter_protocol::classic::ERR_PROFANITY));
    }
    let message_id = match q.id {
        Some(id) => {
            rules::check_message_id(&id).map_err(|e| invalid(e.to_string()))?;
            id
        }
        None => uuid::Uuid::now_v7().to_string(),
    };
    if access::member_sid(st, &me, &room).is_none() {
        return Err(Refusal::new(403, codes::NOT_ALLOWED, ERR_NOT_IN_ROOM));
    }
    if banter_protocol::dms::is_dm(&room) {
        match blocking(|| st.dms.store().blocked_in(&room, me.account_id)) {
            Ok(false) => {}
            Ok(true) => return Err(Refusal::new(403, codes::NOT_ALLOWED, banter_protocol::dms::ERR_BLOCKED)),
            Err(e) => return Err(Refusal::server("block check", e)),
        }
    }
    let files = &st.files;
    let left = blocking(|| files.quota.left(&*files.table, me.account_id)).map_err(|e| Refusal::server("quota", e))?;
    if left == 0 {
        return Err(over_quota(files));
    }
    let (limit, by_quota) = (files.max_upload_bytes.min(left), left < files.max_upload_bytes);
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(files, by_quota));
    }
    let Some(body) = body.take() else { return Err(Refusal::server("upload", "the body was taken")) };
    let got = match receive_body(files, body, limit).await {
        Ok(got) => got,
        Err(BodyError::Over) => return Err(too_large(files, by_quota)),
        Err(BodyError::Refused(r)) => return Err(r),
    };
    if got.size == 0 {
        return Err(Refusal::new(400, codes::EMPTY, ERR_EMPTY));
    }
    let mut mime = super::sniff::mime_of(&name, &got.head).to_owned();
    let mut image = None;
    if wire::is_inline_image(&mime) {
        let _permit = files.thumbs.acquire().await.map_err(|e| Refusal::server("thumbnail queue", e))?;
        let (path, m) = (got.temp.0.clone().unwrap_or_default(), mime.clone());
        match tokio::task::spawn_blocking(move || thumbs::make(&path, &m)).await {
            Ok(Ok(t)) => image = Some(t),
            Ok(Err(ThumbError::TooLarge(why))) => return Err(Refusal::new(422, codes::IMAGE_REFUSED, why)),
            // not the image it looks like: kept as a plain file, never shown inline
            Ok(Err(ThumbError::Undecodable(why))) => {
                tracing::info!(%why, "upload is not a decodable image");
                mime = "application/octet-stream".into();
            }
            Err(e) => return Err(Refusal::server("thumbnail", e)),
        }
    }
    let mut got = got;
    let temp = got.temp.0.take().unwrap_or_default();
    let created = match files.blobs.commit_blob(&temp, &got.sha256) {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(Refusal::server("storing an upload", e));
        }
    };
    if let Some(t) = &image {
        if let Err(e) = files.blobs.put_thumb(&got.sha256, &t.bytes) {
            tracing::warn!(error = %e, "cannot store a thumbnail");
            image = None;
        }
    }
    let id = crate::accounts::hex(&crate::accounts::random_bytes::<16>().map_err(|e| Refusal::server("file id", e))?);
    let exp = crate::metrics::now_ms() / 1000 + super::links::LINK_TTL_SECS;
    let encoded = percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let part = FilePart {
        id: id.clone(),
        name: name.clone(),
        size: got.size,
        mime: mime.clone(),
        width: image.as_ref().map(|t| t.width),
        height: image.as_ref().map(|t| t.height),
        thumb: image.is_some(),
        link: format!("/files/{id}/{encoded}?{}", files.links.query(&id, exp)),
    };
    let record = FileRecord {
        id: id.clone(),
        sha256: got.sha256.clone(),
        room: room.clone(),
        message_id: message_id.clone(),
        account_id: me.account_id,
        name,
        mime,
        size: got.size,
        width: part.width,
        height: part.height,
        thumb_mime: image.as_ref().map(|t| t.mime.to_owned()),
        created_at: crate::metrics::now_ms(),
    };
    // Takes the upload back: its row, and the blob when nothing else uses it.
    let undo = |recorded: bool| {
        if recorded {
            let _ = files.table.delete(&id);
        }
        if created && !files.table.blob_in_use(&got.sha256).unwrap_or(true) {
            let _ = std::fs::remove_file(files.blobs.blob_path(&got.sha256));
            let _ = std::fs::remove_file(files.blobs.thumb_path(&got.sha256));
        }
    };
    match blocking(|| files.quota.record(&*files.table, &record)) {
        Ok(Ok(())) => {}
        Ok(Err(super::quota::Over::Quota { .. })) => {
            blocking(|| undo(false));
            return Err(over_quota(files));
        }
        Err(e) => {
            blocking(|| undo(false));
            return Err(Refusal::server("recording an upload", e));
        }
    }
    let text = format!("{} {}{}", part.describe(), base_url(st, headers), part.link);
    let draft = crate::room::Draft {
        id: message_id,
        username: me.name.clone(),
        kind: banter_protocol::ext::MessageKind::Text,
        text,
        reply_to: None,
        file: Some(part.clone()),
    };
    match crate::chat::post_as_account(st, &room, me.account_id, draft).await {
        Ok(Ok((m, duplicate))) => {
            if duplicate {
                // already posted (a retry): nothing new is kept
                blocking(|| undo(true));
            }
            tracing::info!(room = %m.room, seq = m.seq, size = got.size, duplicate, "file uploaded");
            Ok(UploadAccepted { id: m.id, room: m.room, seq: m.seq, created_at: m.created_at, file: m.file.unwrap_or(part), duplicate })
        }
        Ok(Err(reason)) => {
            blocking(|| undo(true));
            let status = if reason == crate::chat::ERR_SERVER { 500 } else { 403 };
            Err(Refusal::new(status, if status == 500 { codes::SERVER } else { codes::NOT_ALLOWED }, reason))
        }
        Err(_) => {
            blocking(|| undo(true));
            Err(Refusal::server("posting the message", "the store went away"))
        }
    }
}
