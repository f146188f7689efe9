//! Files and images (Banter extension, `docs/protocol.md` § 15): the `file` part a message
//! carries, the HTTP upload's answer and refusals, and the rules both ends share (file
//! names, which types a client may show inline, sizes in words).
//!
//! Uploads and downloads are plain HTTP on the server's own address, not Socket.IO:
//! - `POST /files?room=R&name=N[&id=MESSAGE_ID]`, the file as the raw body, with
//!   `Authorization: Bearer <session token>` (and [`TOKEN_HEADER`] when the server has an
//!   access token) → `201` [`UploadAccepted`], or an error status with [`UploadRefused`];
//! - `GET /files/<id>[/<name>]` and `GET /thumbs/<id>`, with the same headers, or with the
//!   signed `?exp=&sig=` of [`FilePart::link`] (no header needed).

use serde::{Deserialize, Serialize};

/// Listed in `features` by servers that take uploads; [`FilesInfo`] in `banter:hello`.
pub const FEATURE: &str = "files";
/// Where files are uploaded (`POST`).
pub const UPLOAD_PATH: &str = "/files";
/// The server's access token (`--token`), for servers that have one: HTTP has no handshake
/// `auth`, so it goes in this header beside `Authorization: Bearer <session>`.
pub const TOKEN_HEADER: &str = "x-banter-token";
/// Longest file name kept, in characters (longer ones are cut, keeping the extension).
pub const MAX_NAME_CHARS: usize = 128;
/// Largest thumbnail side, in pixels.
pub const THUMB_MAX_SIDE: u32 = 400;

/// The image types a client may show inline (and the server serves inline). SVG and HTML
/// never are: they can carry script.
pub const INLINE_IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Whether a file of this type may be shown inline as an image.
pub fn is_inline_image(mime: &str) -> bool {
    INLINE_IMAGE_TYPES.contains(&mime)
}

/// A message's file: what was uploaded, as the server stored and described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilePart {
    /// The upload's id (32 hex digits): `GET /files/<id>`.
    pub id: String,
    /// The file name, cleaned ([`clean_name`]).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// The type the server found (from the content for images, else from the name);
    /// `application/octet-stream` when unknown. Only [`INLINE_IMAGE_TYPES`] are shown inline.
    pub mime: String,
    /// An image's size in pixels, when the server decoded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// True when the server made a thumbnail (`GET /thumbs/<id>`, at most 400 px a side).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thumb: bool,
    /// A download path signed by the server (`/files/<id>/<name>?exp=…&sig=…`), usable
    /// without a session until `exp` (seconds since the epoch); for guests and classic
    /// peers. Signed-in clients use the `Authorization` header instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
}

impl FilePart {
    /// `GET` path of the file itself.
    pub fn path(&self) -> String {
        format!("/files/{}", self.id)
    }

    /// `GET` path of its thumbnail.
    pub fn thumb_path(&self) -> String {
        format!("/thumbs/{}", self.id)
    }

    /// `name (size)`, as the CLI and classic peers show it.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, human_size(self.size))
    }
}

/// `201` answer of an upload: the message that announced the file in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadAccepted {
    /// The message's id (the `id` given, else one the server made).
    pub id: String,
    pub room: String,
    pub seq: u64,
    pub created_at: i64,
    pub file: FilePart,
    /// True when a message with this id was already stored: nothing was posted again.
    pub duplicate: bool,
}

/// The body of every refused upload or download (with its HTTP status): a stable `code`
/// and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRefused {
    pub code: String,
    pub error: String,
}

/// Refusal codes, with the status each comes with.
pub mod codes {
    /// 401: no or a wrong access token.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// 401: no session (guests cannot upload), or one signed out, revoked or expired.
    pub const NOT_SIGNED_IN: &str = "not_signed_in";
    /// 403: not in that room (or a DM member blocks you); a download of a room you may not read.
    pub const NOT_ALLOWED: &str = "not_allowed";
    /// 413: over `--max-upload-mb`.
    pub const TOO_LARGE: &str = "too_large";
    /// 413: over the account's quota (`--files-quota-mb`).
    pub const QUOTA: &str = "quota";
    /// 400: an empty file.
    pub const EMPTY: &str = "empty";
    /// 400: a missing or unusable room, name or id.
    pub const INVALID: &str = "invalid";
    /// 422: an image too large to decode safely (a decompression bomb).
    pub const IMAGE_REFUSED: &str = "image_refused";
    /// 404: no such file (or its message was removed).
    pub const NOT_FOUND: &str = "not_found";
    /// 500.
    pub const SERVER: &str = "server";
}

/// The upload limits, in `banter:hello` as `files` (servers with [`FEATURE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesInfo {
    pub max_upload_bytes: u64,
    /// Per account; 0 = no quota.
    pub quota_bytes: u64,
}

/// A file name fit to store and show: the last path part only (`/` and `\` both split),
/// no control or bidi-override characters, trimmed of spaces and dots at both ends (no
/// `..`, no hidden dotfile), at most [`MAX_NAME_CHARS`] characters with the extension kept.
/// `None` when nothing is left (`""`, `..`, `/`).
pub fn clean_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let kept: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'))
        .collect();
    let trimmed = kept.trim_matches(|c: char| c.is_whitespace() || c == '.');
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() <= MAX_NAME_CHARS {
        return Some(trimmed.to_owned());
    }
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 16 => (s, Some(e)),
        _ => (trimmed, None),
    };
    let room = MAX_NAME_CHARS - ext.map_or(0, |e| e.chars().count() + 1);
    let mut out: String = stem.chars().take(room).collect();
    if let Some(e) = ext {
        out.push('.');
        out.push_str(e);
    }
    Some(out)
}

/// Bytes in words: `512 B`, `1.5 KB`, `25.0 MB`, `1.2 GB` (powers of 1,024).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Whether `id` looks like an upload id (32 lower-case hex digits).
pub fn is_file_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_paths_and_controls() {
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_name("..\\..\\boot.ini").as_deref(), Some("boot.ini"));
        assert_eq!(clean_name("/abs/x.png").as_deref(), Some("x.png"));
        assert_eq!(clean_name("a\u{0}b\nc.txt").as_deref(), Some("abc.txt"));
        assert_eq!(clean_name("evil\u{202E}gnp.exe").as_deref(), Some("evilgnp.exe"));
        assert_eq!(clean_name(" .hidden ").as_deref(), Some("hidden"));
        for nothing in ["", "..", ".", "/", "a/", " ", "\u{7}"] {
            assert_eq!(clean_name(nothing), None, "{nothing:?}");
        }
        let long = format!("{}.jpeg", "x".repeat(300));
        let cut = clean_name(&long).unwrap();
        assert_eq!(cut.chars().count(), MAX_NAME_CHARS);
        assert!(cut.ends_with(".jpeg"));
        assert_eq!(clean_name("résumé final.pdf").as_deref(), Some("résumé final.pdf"));
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(25 * 1024 * 1024), "25.0 MB");
    }

    #[test]
    fn part_shape() {
        let p = FilePart {
            id: "0".repeat(32),
            name: "a.png".into(),
            size: 3,
            mime: "image/png".into(),
            width: Some(2),
            height: Some(1),
            thumb: true,
            link: String::new(),
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!(r#"{{"id":"{}","name":"a.png","size":3,"mime":"image/png","width":2,"height":1,"thumb":true}}"#, "0".repeat(32)));
        assert!(is_inline_image("image/webp") && !is_inline_image("image/svg+xml") && !is_inline_image("text/html"));
        assert!(is_file_id(&p.id) && !is_file_id("../x"));
    }
}
