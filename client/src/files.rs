//! Files and images on a Banter server (`docs/protocol.md` § 15), over plain HTTP beside the
//! Socket.IO connection: [`Client::upload`] (a path or bytes, with progress and a cancel),
//! [`Client::download`] and [`Client::thumbnail`]. The announced message comes, like any
//! other, as a [`crate::ClientEvent::Message`] whose `file` is the [`FilePart`].
//!
//! Uploads need a signed-in session (guests cannot upload) and the room joined (on any
//! connection of the account); the server's access token, when it has one, goes in the
//! `x-banter-token` header, the session in `Authorization: Bearer`, never in a URL. A
//! download uses the session when one is given, else the part's signed `link` (valid for 7
//! days after the upload). TLS is native-tls, as the connections', and a server whose
//! certificate is pinned (`Client::trust_certificate`) is trusted through its pin only.
//!
//! ```no_run
//! # async fn demo(client: banter_client::Client, session: banter_client::SessionToken) -> Result<(), banter_client::ClientError> {
//! use banter_client::files::{CancelToken, Upload};
//! use banter_client::ServerAccess;
//! let at = ServerAccess::new("http://127.0.0.1:3000");
//! let cancel = CancelToken::new(); // cancel.cancel() from elsewhere stops it
//! let done = client
//!     .upload(Upload::path(&at, &session, "lobby", "/tmp/shot.png"), |p| eprintln!("{}/{}", p.sent, p.total), &cancel)
//!     .await?;
//! let bytes = client.download(&at, Some(&session), &done.file).await?; // into memory
//! client.download_to(&at, Some(&session), &done.file, "/tmp/saved.png".as_ref()).await?; // streamed to disk
//! let thumb = client.thumbnail(&at, Some(&session), &done.file).await?; // PNG or JPEG, ≤ 400 px
//! # let _ = (bytes, thumb); Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use banter_protocol::files::{self as wire, codes, UploadRefused};
pub use banter_protocol::files::{FilePart, UploadAccepted};
use futures_util::StreamExt;
use tokio::io::AsyncReadExt;
use tokio::sync::Notify;

use crate::accounts::{ServerAccess, SessionToken};
use crate::error::{ClientError, Result};
use crate::url::ServerUrl;
use crate::Client;

/// Bytes read and sent per chunk (and per progress report).
const CHUNK: usize = 64 * 1024;

/// How far an upload has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub sent: u64,
    pub total: u64,
}

/// Stops an upload from elsewhere (a Cancel button): cheap to clone, once cancelled stays so.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        loop {
            let wait = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            wait.await;
        }
    }
}

/// What to upload.
#[derive(Debug, Clone)]
pub enum Source {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// An upload to a room (or DM id) of a Banter server.
#[derive(Debug, Clone)]
pub struct Upload {
    pub access: ServerAccess,
    pub session: SessionToken,
    pub room: String,
    pub source: Source,
    /// The name shown; by default the path's file name.
    pub name: String,
    /// The message's id (for a retry that must not post twice); by default a UUIDv7.
    pub id: String,
}

impl Upload {
    /// The file at `path`, named by its file name.
    pub fn path(access: &ServerAccess, session: &SessionToken, room: &str, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_owned();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Self::new(access, session, room, Source::Path(path), name)
    }

    /// Bytes in memory (a pasted screenshot), under `name`.
    pub fn bytes(access: &ServerAccess, session: &SessionToken, room: &str, name: &str, bytes: Vec<u8>) -> Self {
        Self::new(access, session, room, Source::Bytes(bytes), name.to_owned())
    }

    fn new(access: &ServerAccess, session: &SessionToken, room: &str, source: Source, name: String) -> Self {
        Self { access: access.clone(), session: session.clone(), room: room.to_owned(), source, name, id: uuid::Uuid::now_v7().to_string() }
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    pub fn id(mut self, id: &str) -> Self {
        self.id = id.to_owned();
        self
    }
}

impl Client {
    /// Uploads a file into a room (or DM) the account has joined; the server announces it
    /// there as a message (the returned `id`), which arrives as a `message` event with its
    /// `file`. `progress` is called as bytes go out; `cancel` stops it (`cancelled`, and the
    /// server keeps nothing). Errors: `not_signed_in` / `session_invalid`, `unauthorized`
    /// (the access token), `not_allowed` (not in that room, blocked), `too_large`, `quota`,
    /// `file_refused` (empty, a bad name, an image too large to decode), `unreachable`, `tls`,
    /// `untrusted_certificate`, `certificate_changed`, `storage` (reading the file).
    pub async fn upload(&self, up: Upload, mut progress: impl FnMut(Progress) + Send + 'static, cancel: &CancelToken) -> Result<UploadAccepted> {
        let server = ServerUrl::parse(&up.access.server)?;
        if wire::clean_name(&up.name).is_none() {
            return Err(ClientError::InvalidInput(format!("{:?} cannot be a file name", up.name)));
        }
        banter_protocol::rules::check_message_id(&up.id).map_err(|e| ClientError::InvalidInput(e.to_string()))?;
        let (body, total) = match &up.source {
            Source::Bytes(b) => {
                let bytes = b.clone();
                let total = bytes.len() as u64;
                let chunks: Vec<Vec<u8>> = bytes.chunks(CHUNK).map(<[u8]>::to_vec).collect();
                (futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>)).boxed(), total)
            }
            Source::Path(p) => {
                let file = tokio::fs::File::open(p).await.map_err(|e| ClientError::storage(p, e))?;
                let total = file.metadata().await.map_err(|e| ClientError::storage(p, e))?.len();
                let stream = futures_util::stream::unfold(file, |mut f| async move {
                    let mut buf = vec![0u8; CHUNK];
                    match f.read(&mut buf).await {
                        Ok(0) => None,
                        Ok(n) => {
                            buf.truncate(n);
                            Some((Ok(buf), f))
                        }
                        Err(e) => Some((Err(e), f)),
                    }
                });
                (stream.boxed(), total)
            }
        };
        let mut sent = 0u64;
        progress(Progress { sent, total });
        let stop = cancel.clone();
        let body = body.map(move |chunk| {
            if stop.is_cancelled() {
                return Err(std::io::Error::other("cancelled"));
            }
            if let Ok(c) = &chunk {
                sent += c.len() as u64;
                progress(Progress { sent, total });
            }
            chunk
        });
        let mut url = endpoint(&server, wire::UPLOAD_PATH)?;
        url.query_pairs_mut().append_pair("room", &up.room).append_pair("name", &up.name).append_pair("id", &up.id);
        let http = self.http(&server).await?;
        let req = headers(http.post(url), &up.access, Some(&up.session))
            .header(reqwest::header::CONTENT_LENGTH, total)
            .body(reqwest::Body::wrap_stream(body));
        let res = tokio::select! {
            r = req.send() => r,
            _ = cancel.cancelled() => return Err(ClientError::Cancelled),
        };
        let res = match res {
            Ok(r) => r,
            Err(_) if cancel.is_cancelled() => return Err(ClientError::Cancelled),
            Err(e) => return Err(self.http_error(&server, e).await),
        };
        let status = res.status();
        let bytes = res.bytes().await.map_err(|e| ClientError::ConnectionLost(e.to_string()))?;
        if status.as_u16() == 201 {
            return serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(format!("upload answer: {e}")));
        }
        Err(refusal(&server, status.as_u16(), &bytes, true))
    }

    /// The whole file (for a signed-in account: `session`; else the part's signed link).
    pub async fn download(&self, access: &ServerAccess, session: Option<&SessionToken>, file: &FilePart) -> Result<Vec<u8>> {
        self.fetch(access, session, file, &file.path()).await
    }

    /// The file saved to `dest` ("Save as…"), streamed: written to `dest` + `.part` and
    /// renamed once whole, so a broken download leaves no half file under the name. Returns
    /// the bytes written.
    pub async fn download_to(&self, access: &ServerAccess, session: Option<&SessionToken>, file: &FilePart, dest: &Path) -> Result<u64> {
        use tokio::io::AsyncWriteExt;
        let res = self.get(access, session, file, &file.path()).await?;
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let mut out = tokio::fs::File::create(&part).await.map_err(|e| ClientError::storage(&part, e))?;
        let mut stream = res.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(ClientError::ConnectionLost(e.to_string()));
                }
            };
            written += chunk.len() as u64;
            if let Err(e) = out.write_all(&chunk).await {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(ClientError::storage(&part, e));
            }
        }
        out.sync_all().await.map_err(|e| ClientError::storage(&part, e))?;
        drop(out);
        tokio::fs::rename(&part, dest).await.map_err(|e| ClientError::storage(dest, e))?;
        Ok(written)
    }

    /// The file's thumbnail (PNG, or JPEG for a JPEG photo; at most 400 px a side), when the
    /// part says it has one (`file.thumb`); `no_such_file` otherwise.
    pub async fn thumbnail(&self, access: &ServerAccess, session: Option<&SessionToken>, file: &FilePart) -> Result<Vec<u8>> {
        if !file.thumb {
            return Err(ClientError::NoSuchFile);
        }
        self.fetch(access, session, file, &file.thumb_path()).await
    }

    async fn fetch(&self, access: &ServerAccess, session: Option<&SessionToken>, file: &FilePart, path: &str) -> Result<Vec<u8>> {
        let res = self.get(access, session, file, path).await?;
        let bytes = res.bytes().await.map_err(|e| ClientError::ConnectionLost(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// `GET path` (the file or its thumbnail): the `200` response, else the typed refusal.
    async fn get(&self, access: &ServerAccess, session: Option<&SessionToken>, file: &FilePart, path: &str) -> Result<reqwest::Response> {
        let server = ServerUrl::parse(&access.server)?;
        if !wire::is_file_id(&file.id) {
            return Err(ClientError::Protocol(format!("{:?} is not a file id", file.id)));
        }
        let mut url = endpoint(&server, path)?;
        if session.is_none() {
            // the signed link's query, for the file or its thumbnail alike
            let query = file.link.split_once('?').map(|(_, q)| q.to_owned());
            let Some(query) = query else { return Err(ClientError::NotSignedIn { server: server.to_string() }) };
            url.set_query(Some(&query));
        }
        let http = self.http(&server).await?;
        let res = match headers(http.get(url), access, session).send().await {
            Ok(r) => r,
            Err(e) => return Err(self.http_error(&server, e).await),
        };
        let status = res.status().as_u16();
        if status == 200 {
            return Ok(res);
        }
        let bytes = res.bytes().await.map_err(|e| ClientError::ConnectionLost(e.to_string()))?;
        Err(refusal(&server, status, &bytes, session.is_some()))
    }

    /// An HTTP client for `server`: the system's roots, or only its pinned certificate.
    async fn http(&self, server: &ServerUrl) -> Result<reqwest::Client> {
        let pin = self.pool.pins.get(server);
        let b = reqwest::Client::builder().connect_timeout(self.config.connect_timeout).redirect(reqwest::redirect::Policy::none());
        let b = match crate::tls::connector_for(server, pin, self.config.connect_timeout).await? {
            Some(tls) => b.use_preconfigured_tls(tls),
            None => b,
        };
        b.build().map_err(|e| ClientError::Tls { server: server.to_string(), detail: e.to_string() })
    }

    async fn http_error(&self, server: &ServerUrl, e: reqwest::Error) -> ClientError {
        let detail = error_chain(&e);
        let d = detail.to_lowercase();
        if server.is_tls() && (d.contains("certificate") || d.contains("ssl") || d.contains("tls")) {
            if self.pool.pins.get(server).is_none() {
                return crate::tls::untrusted(server, detail, self.config.connect_timeout).await;
            }
            return ClientError::Tls { server: server.to_string(), detail };
        }
        ClientError::Unreachable { server: server.to_string(), detail }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn endpoint(server: &ServerUrl, path: &str) -> Result<url::Url> {
    url::Url::parse(&format!("{server}{path}")).map_err(|e| ClientError::InvalidUrl { url: server.to_string(), reason: e.to_string() })
}

fn headers(req: reqwest::RequestBuilder, access: &ServerAccess, session: Option<&SessionToken>) -> reqwest::RequestBuilder {
    let req = match &access.token {
        Some(t) => req.header(wire::TOKEN_HEADER, t),
        None => req,
    };
    match session {
        Some(s) => req.bearer_auth(s.expose()),
        None => req,
    }
}

/// A refused request's error, from its status and the server's `{code, error}`.
fn refusal(server: &ServerUrl, status: u16, body: &[u8], had_session: bool) -> ClientError {
    let Ok(r) = serde_json::from_slice::<UploadRefused>(body) else {
        return ClientError::Refused { reason: format!("{} answered HTTP {status}", server) };
    };
    let reason = r.error;
    match r.code.as_str() {
        codes::UNAUTHORIZED => ClientError::Unauthorized { server: server.to_string(), message: reason },
        codes::NOT_SIGNED_IN if had_session => ClientError::SessionInvalid { server: server.to_string() },
        codes::NOT_SIGNED_IN => ClientError::NotSignedIn { server: server.to_string() },
        codes::NOT_ALLOWED => ClientError::NotAllowed { reason },
        codes::TOO_LARGE => ClientError::TooLarge { reason },
        codes::QUOTA => ClientError::Quota { reason },
        codes::EMPTY | codes::INVALID | codes::IMAGE_REFUSED => ClientError::FileRefused { reason },
        codes::NOT_FOUND => ClientError::NoSuchFile,
        _ => ClientError::Refused { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ServerUrl {
        ServerUrl::parse("http://127.0.0.1:3000").unwrap()
    }

    #[test]
    fn refusals_become_typed_errors() {
        let body = |code: &str| serde_json::to_vec(&UploadRefused { code: code.into(), error: "words".into() }).unwrap();
        assert_eq!(refusal(&server(), 413, &body("too_large"), true).code(), "too_large");
        assert_eq!(refusal(&server(), 413, &body("quota"), true).code(), "quota");
        assert_eq!(refusal(&server(), 403, &body("not_allowed"), true).code(), "not_allowed");
        assert_eq!(refusal(&server(), 401, &body("not_signed_in"), true).code(), "session_invalid");
        assert_eq!(refusal(&server(), 401, &body("not_signed_in"), false).code(), "not_signed_in");
        assert_eq!(refusal(&server(), 401, &body("unauthorized"), true).code(), "unauthorized");
        assert_eq!(refusal(&server(), 422, &body("image_refused"), true).code(), "file_refused");
        assert_eq!(refusal(&server(), 404, &body("not_found"), true).code(), "no_such_file");
        assert_eq!(refusal(&server(), 502, b"<html>", true).code(), "refused");
        assert_eq!(refusal(&server(), 413, &body("too_large"), true).to_string(), "words");
    }

    #[tokio::test]
    async fn a_cancel_wakes_whoever_waits() {
        let c = CancelToken::new();
        let c2 = c.clone();
        let waiter = tokio::spawn(async move { c2.cancelled().await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        c.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter).await.unwrap().unwrap();
        assert!(c.is_cancelled());
        c.cancelled().await; // already cancelled: returns at once
    }
}
