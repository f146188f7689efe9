//! IPC types of files and images (issue 10 item 7): the file a message carries, an
//! upload's progress, and the file commands' inputs and answers. Re-exported by `ipc`,
//! generated into the same TypeScript file.

use banter_client::files::FilePart;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A message's file, ready to show: the page shows `name`, `sizeLabel` and a Save button,
/// and the thumbnail (fetched through `file_thumbnail`) only when `image` is true.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    /// The upload's id (32 hex digits): `file_thumbnail` and `save_file` take it.
    pub id: String,
    pub name: String,
    /// Bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// The size in words ("47.1 KB").
    pub size_label: String,
    /// What the server found; it only describes (nothing renders by its type).
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// An inline image with a server-made thumbnail (PNG, JPEG, GIF or WebP only: SVG,
    /// HTML and everything else are attachments, never rendered).
    pub image: bool,
    /// The server's signed path (`/files/<id>/<name>?exp=&sig=`), kept so a guest can still
    /// fetch the file; the page never fetches anything itself.
    #[serde(default)]
    pub link: String,
}

impl FileView {
    pub fn of(part: &FilePart) -> Self {
        Self {
            id: part.id.clone(),
            name: part.name.clone(),
            size: part.size,
            size_label: banter_protocol::files::human_size(part.size),
            mime: part.mime.clone(),
            width: part.width,
            height: part.height,
            image: part.thumb && banter_protocol::files::is_inline_image(&part.mime),
            link: part.link.clone(),
        }
    }

    /// The part again, to fetch the file or its thumbnail.
    pub fn part(&self) -> FilePart {
        FilePart {
            id: self.id.clone(),
            name: self.name.clone(),
            size: self.size,
            mime: self.mime.clone(),
            width: self.width,
            height: self.height,
            thumb: self.image,
            link: self.link.clone(),
        }
    }
}

/// Where an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum UploadState {
    Sending,
    /// The server took it: its message comes as any other.
    Done,
    Failed,
    Cancelled,
}

/// An upload's progress (the `upload` event), from the first byte to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    pub upload_id: String,
    pub server: String,
    pub room: String,
    pub name: String,
    #[ts(type = "number")]
    pub sent: u64,
    #[ts(type = "number")]
    pub total: u64,
    pub state: UploadState,
    /// Why it failed, in words.
    pub error: Option<String>,
}

/// `upload_limit` answer: whether this room takes files from you, and how large.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadLimit {
    /// `None`: no uploads here (`reason` says why).
    #[ts(type = "number | null")]
    pub max_upload_bytes: Option<u64>,
    /// The limit in words ("25.0 MB").
    pub max_label: Option<String>,
    pub reason: Option<String>,
}

/// `file_thumbnail` / `save_file` input: a file of a message in a room.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileRequest {
    pub server: String,
    pub room: String,
    /// The file's id (`FileView.id`).
    pub id: String,
}

/// `cancel_upload` input.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CancelUploadRequest {
    pub upload_id: String,
}

/// `save_file` answer: where the file now is (in the Downloads folder; not opened).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub path: String,
    pub name: String,
}
