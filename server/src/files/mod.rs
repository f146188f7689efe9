//! Files and images (`docs/protocol.md` § 15): uploads over HTTP on the server's own
//! address, kept content-addressed in `--files-dir`, announced in the room as a message with
//! a `file` part (classic sockets get its text: the name, the size and a signed link), and
//! served only to those who may read the room.
//!
//! `store.rs` the blobs and the `files` table (`pg_store.rs` that table on PostgreSQL);
//! `upload.rs` `POST /files`; `serve.rs` `GET /files/<id>[/<name>]` and `GET /thumbs/<id>`;
//! `thumbs.rs` thumbnails with decompression-bomb limits; `quota.rs` the per-account quota;
//! `links.rs` signed links; `access.rs` the token, the session and who may read a room;
//! `sniff.rs` file types.

pub mod access;
pub mod links;
pub mod pg_store;
pub mod quota;
pub mod serve;
pub mod sniff;
pub mod store;
pub mod thumbs;
pub mod upload;

use std::path::Path;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use banter_protocol::files::{codes, UploadRefused};

use crate::config::FilesConfig;
use crate::error::ServerError;
use crate::state::Shared;

/// Thumbnails made at once (each may take up to `thumbs::MAX_ALLOC`).
const THUMBS_AT_ONCE: usize = 2;

/// Everything the file routes share.
pub struct Files {
    pub blobs: store::Blobs,
    pub table: Arc<dyn store::FileTable>,
    pub links: links::Signer,
    pub quota: quota::Quota,
    pub max_upload_bytes: u64,
    thumbs: tokio::sync::Semaphore,
}

impl Files {
    /// With the uploads table in the server's SQLite file (after the message store).
    pub fn open(cfg: &FilesConfig, db_path: &Path) -> Result<Self, ServerError> {
        Self::with_table(cfg, Arc::new(store::SqliteFileTable::open(db_path)?))
    }

    /// With the uploads table on PostgreSQL (after the message tables).
    pub async fn open_pg(cfg: &FilesConfig, pg: &crate::pg::Pg) -> Result<Self, ServerError> {
        Self::with_table(cfg, Arc::new(pg_store::PgFileTable::open(pg).await?))
    }

    fn with_table(cfg: &FilesConfig, table: Arc<dyn store::FileTable>) -> Result<Self, ServerError> {
        let blobs = store::Blobs::open(&cfg.dir)?;
        let links = links::Signer::open(&cfg.dir)?;
        Ok(Self {
            blobs,
            table,
            links,
            quota: quota::Quota::new(cfg.quota_bytes),
            max_upload_bytes: cfg.max_upload_bytes,
            thumbs: tokio::sync::Semaphore::new(THUMBS_AT_ONCE),
        })
    }
}

/// The routes, merged into the server's router (`http.rs`).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(banter_protocol::files::UPLOAD_PATH, post(upload::upload))
        .route("/files/{id}", get(serve::file))
        .route("/files/{id}/{name}", get(serve::file_named))
        .route("/thumbs/{id}", get(serve::thumb))
}

/// A refused request: its status, a stable code and the reason in words, sent as
/// [`UploadRefused`] JSON.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub error: String,
}

impl Refusal {
    pub fn new(status: u16, code: &'static str, error: impl Into<String>) -> Self {
        Self { status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), code, error: error.into() }
    }

    /// A fault of the server: logged, and the client told to try again.
    pub fn server(what: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "files: {what} failed");
        Self::new(500, codes::SERVER, crate::chat::ERR_SERVER)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(UploadRefused { code: self.code.into(), error: self.error })).into_response();
        r.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        r
    }
}
