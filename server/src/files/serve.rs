//! `GET /files/<id>[/<name>]` and `GET /thumbs/<id>`: to an account that may read the room
//! the file was posted in (`Authorization: Bearer <session>`, and the access token header on
//! a server with one), or to anyone with a valid signed link (`?exp=&sig=`). Always
//! `X-Content-Type-Options: nosniff` and a `Content-Security-Policy` that runs nothing; only
//! a decoded PNG, JPEG, GIF or WebP (and thumbnails) is `inline`; everything else, SVG and
//! HTML included, is `application/octet-stream` and `Content-Disposition: attachment`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use banter_protocol::files::{self as wire, codes};

use super::store::FileRecord;
use super::{access, Refusal};
use crate::state::Shared;

pub const ERR_NOT_FOUND: &str = "No such file.";
pub const ERR_LINK: &str = "This link has expired or is not valid: ask for the file again.";
pub const ERR_MAY_NOT_READ: &str = "You may not read the room this file was sent to.";

#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    exp: Option<i64>,
    sig: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    File,
    Thumb,
}

pub async fn file(State(st): State<Shared>, Path(id): Path<String>, Query(q): Query<LinkQuery>, headers: HeaderMap) -> Response {
    respond(serve(&st, &id, q, &headers, What::File).await)
}

/// The name after the id is for the person saving the file; the stored name is what is sent.
pub async fn file_named(
    State(st): State<Shared>,
    Path((id, _name)): Path<(String, String)>,
    Query(q): Query<LinkQuery>,
    headers: HeaderMap,
) -> Response {
    respond(serve(&st, &id, q, &headers, What::File).await)
}

pub async fn thumb(State(st): State<Shared>, Path(id): Path<String>, Query(q): Query<LinkQuery>, headers: HeaderMap) -> Response {
    respond(serve(&st, &id, q, &headers, What::Thumb).await)
}

fn respond(r: Result<Response, Refusal>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

fn not_found() -> Refusal {
    Refusal::new(404, codes::NOT_FOUND, ERR_NOT_FOUND)
}

async fn lookup(st: &Shared, id: &str) -> Result<FileRecord, Refusal> {
    if !wire::is_file_id(id) {
        return Err(not_found());
    }
    let (st2, id2) = (st.clone(), id.to_owned());
    match tokio::task::spawn_blocking(move || st2.files.table.get(&id2)).await {
        Ok(Ok(Some(rec))) => Ok(rec),
        Ok(Ok(None)) => Err(not_found()),
        Ok(Err(e)) => Err(Refusal::server("file lookup", e)),
        Err(e) => Err(Refusal::server("file lookup", e)),
    }
}

/// Whether the request may have the file: a valid signed link, or a session that may read its room.
async fn authorize(st: &Shared, rec: &FileRecord, q: &LinkQuery, headers: &HeaderMap) -> Result<(), Refusal> {
    if let (Some(exp), Some(sig)) = (q.exp, q.sig.as_deref()) {
        return if st.files.links.verify(&rec.id, exp, sig, crate::metrics::now_ms() / 1000) {
            Ok(())
        } else {
            Err(Refusal::new(403, codes::NOT_ALLOWED, ERR_LINK))
        };
    }
    let me = access::account(st, headers).await?;
    let (st2, room) = (st.clone(), rec.room.clone());
    match tokio::task::spawn_blocking(move || access::may_read(&st2, &me, &room)).await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(Refusal::new(403, codes::NOT_ALLOWED, ERR_MAY_NOT_READ)),
        Ok(Err(e)) => Err(Refusal::server("room check", e)),
        Err(e) => Err(Refusal::server("room check", e)),
    }
}

/// `attachment` or `inline`, with the name both plainly (ASCII, quotes and controls
/// replaced) and as RFC 5987 UTF-8.
pub fn disposition(kind: &str, name: &str) -> String {
    let plain: String = name.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

async fn serve(st: &Shared, id: &str, q: LinkQuery, headers: &HeaderMap, what: What) -> Result<Response, Refusal> {
    // the token first: a server with one says nothing to those without it
    if q.sig.is_none() {
        access::check_token(st, headers)?;
    }
    let rec = lookup(st, id).await?;
    authorize(st, &rec, &q, headers).await?;
    let inline_image = wire::is_inline_image(&rec.mime) && rec.width.is_some();
    let (path, content_type, disp) = match what {
        What::File if inline_image => (st.files.blobs.blob_path(&rec.sha256), rec.mime.clone(), disposition("inline", &rec.name)),
        What::File => (st.files.blobs.blob_path(&rec.sha256), "application/octet-stream".to_owned(), disposition("attachment", &rec.name)),
        What::Thumb => {
            let Some(mime) = rec.thumb_mime.clone() else { return Err(not_found()) };
            (st.files.blobs.thumb_path(&rec.sha256), mime, disposition("inline", &format!("thumb-{}", rec.name)))
        }
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => return Err(Refusal::server("opening a file", e)),
    };
    let len = file.metadata().await.map_err(|e| Refusal::server("reading a file", e))?.len();
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024));
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, value(&content_type));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disp).unwrap_or_else(|_| HeaderValue::from_static("attachment")));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_quote_safely() {
        assert_eq!(disposition("attachment", "a.txt"), "attachment; filename=\"a.txt\"; filename*=UTF-8''a%2Etxt");
        let d = disposition("attachment", "é\"x\".html");
        assert!(d.starts_with("attachment; filename=\"__x_.html\""), "{d}");
        assert!(HeaderValue::from_str(&d).is_ok());
    }
}
