//! Files and images (issue 10 item 7): uploads from the page (an attached or pasted file's
//! bytes, as the raw IPC body) and from drops (the window's native drag-and-drop, handled
//! here for the room the window shows: the page never names a path to read), with progress
//! as `upload` events and a Cancel; thumbnails for the page (raw bytes it turns into a blob:
//! URL, so it never fetches from a server itself); and Save into the Downloads folder under
//! a name of its own there (never outside it, never over another file, never opened).
//!
//! The limit a room's server takes is learned at each join ([`remember_limit`]) and checked
//! before a byte is sent.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use banter_client::accounts::{ServerAccess, SessionToken};
use banter_client::files::{CancelToken, FilePart, Progress, Source, Upload};
use banter_client::ClientError;
use banter_protocol::files as wire;
use tauri::http::HeaderMap;
use tauri::ipc::{InvokeBody, Request, Response};
use tauri::{Manager, State};

use crate::core::{map_err, CoreEvent};
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::ipc::*;
use crate::state::{server_key, AppState};
use crate::validate;

/// Headers of `upload_file` (values percent-encoded, as `encodeURIComponent` makes them).
pub const H_SERVER: &str = "x-banter-server";
pub const H_ROOM: &str = "x-banter-room";
pub const H_NAME: &str = "x-banter-name";
pub const H_UPLOAD_ID: &str = "x-banter-upload-id";

/// At most this often a `sending` event (and always the last byte).
const PROGRESS_EVERY: Duration = Duration::from_millis(80);

/// The upload limit of each joined room's server: `None` when it takes no files from here.
static LIMITS: LazyLock<Mutex<HashMap<RoomKey, Option<u64>>>> = LazyLock::new(Default::default);
/// (server, room).
type RoomKey = (String, String);
/// Uploads under way, by id: their Cancel.
static UPLOADS: LazyLock<Mutex<HashMap<String, CancelToken>>> = LazyLock::new(Default::default);

/// Records a join's `max_upload_bytes` (`None`: a classic server, or one without files).
pub fn remember_limit(server: &str, room: &str, max_upload_bytes: Option<u64>) {
    if let Ok(mut l) = LIMITS.lock() {
        l.insert((server.to_owned(), room.to_owned()), max_upload_bytes);
    }
}

/// The limit for a room: its join's; a DM (opened, not joined) takes the limit of the
/// server's joined rooms (it is the server's, not the room's).
fn limit_of(server: &str, room: &str) -> Option<Option<u64>> {
    let l = LIMITS.lock().ok()?;
    match l.get(&(server.to_owned(), room.to_owned())).copied() {
        Some(Some(max)) => Some(Some(max)),
        got if banter_protocol::dms::is_dm(room) => l.iter().find_map(|((s, _), m)| (s == server && m.is_some()).then_some(*m)).or(got),
        got => got,
    }
}

fn room_of(raw: &str) -> CmdResult<String> {
    if raw.trim().to_ascii_lowercase().starts_with(banter_protocol::dms::DM_PREFIX) {
        validate::dm_id(raw)
    } else {
        validate::room(raw)
    }
}

/// The name a file is sent under: cleaned as the server will (last path part, no control
/// characters, at most 128 characters).
pub fn file_name(raw: &str) -> CmdResult<String> {
    wire::clean_name(raw).ok_or_else(|| CommandError::invalid(format!("{raw:?} cannot be a file name.")))
}

/// Whether a file of `size` bytes may go to a room whose server said `limit` (`None` from
/// [`limit_of`]: not joined).
pub fn check_size(name: &str, size: u64, limit: Option<Option<u64>>) -> CmdResult<u64> {
    let max = match limit {
        None => return Err(CommandError::new(ErrorCode::NotConnected, "Join the room before sending a file to it.")),
        Some(None) => return Err(CommandError::new(ErrorCode::Refused, "This server does not take files.")),
        Some(Some(max)) => max,
    };
    if size == 0 {
        return Err(CommandError::invalid(format!("{name} is empty: nothing to send.")));
    }
    if size > max {
        let (mut have, mut most) = (wire::human_size(size), wire::human_size(max));
        // just over: the words would say the same size twice
        if have == most {
            (have, most) = (format!("{size} bytes"), format!("{max} bytes"));
        }
        return Err(CommandError::invalid(format!("{name} is too large to send ({have}): this server takes files of at most {most}.")));
    }
    Ok(max)
}

/// An upload's id, made by the page (or here, for drops): what Cancel names.
pub fn upload_id(raw: &str) -> CmdResult<String> {
    let ok = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(CommandError::invalid("That is not an upload id."));
    }
    Ok(raw.to_owned())
}

/// `%XX` decoding of a header value (UTF-8); `None` when it is not.
pub fn percent_decode(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What `upload_file`'s headers say, checked.
#[derive(Debug, PartialEq, Eq)]
pub struct UploadHeaders {
    pub server: String,
    pub room: String,
    pub name: String,
    pub upload_id: String,
}

impl UploadHeaders {
    pub fn parse(h: &HeaderMap) -> CmdResult<Self> {
        let get = |key: &str| -> CmdResult<String> {
            let v = h.get(key).ok_or_else(|| CommandError::invalid(format!("The upload lacks its {key} header.")))?;
            let v = v.to_str().map_err(|_| CommandError::invalid(format!("The {key} header is not text.")))?;
            percent_decode(v).ok_or_else(|| CommandError::invalid(format!("The {key} header is not percent-encoded UTF-8.")))
        };
        let server = server_key(&get(H_SERVER)?)?.to_string();
        let room = room_of(&get(H_ROOM)?)?;
        let name = file_name(&get(H_NAME)?)?;
        let upload_id = upload_id(&get(H_UPLOAD_ID)?)?;
        Ok(Self { server, room, name, upload_id })
    }
}

/// Who uploads: the server's access and the account's session (guests cannot upload).
fn uploader(state: &AppState, server: &str) -> CmdResult<(ServerAccess, SessionToken)> {
    let session = state.session(server)?;
    let Some((_, token)) = session.account else {
        return Err(CommandError::new(ErrorCode::Refused, "Sign in to send files: a guest cannot upload."));
    };
    Ok((ServerAccess::new(server).token(session.token), token))
}

/// Who downloads: the session when signed in, else the part's signed link.
fn reader(state: &AppState, server: &str) -> CmdResult<(ServerAccess, Option<SessionToken>)> {
    let session = state.session(server)?;
    Ok((ServerAccess::new(server).token(session.token), session.account.map(|(_, t)| t)))
}

fn push(state: &AppState, upload: UploadView) {
    let _ = state.tx.send(CoreEvent { ui: UiEvent::Upload { upload }, notify: None });
}

struct Job {
    server: String,
    room: String,
    name: String,
    upload_id: String,
    total: u64,
}

impl Job {
    fn view(&self, state: UploadState, sent: u64, error: Option<String>) -> UploadView {
        UploadView {
            upload_id: self.upload_id.clone(),
            server: self.server.clone(),
            room: self.room.clone(),
            name: self.name.clone(),
            sent,
            total: self.total,
            state,
            error,
        }
    }
}

/// Sends one file, reporting as it goes; the end is an `upload` event (done, failed,
/// cancelled) and the announced message comes as any other.
async fn run(state: &AppState, job: Job, source: Source) {
    let (access, session) = match uploader(state, &job.server) {
        Ok(x) => x,
        Err(e) => return push(state, job.view(UploadState::Failed, 0, Some(e.message))),
    };
    let cancel = CancelToken::new();
    match UPLOADS.lock() {
        Ok(mut u) if !u.contains_key(&job.upload_id) => {
            u.insert(job.upload_id.clone(), cancel.clone());
        }
        _ => return push(state, job.view(UploadState::Failed, 0, Some("That upload id is already in use.".into()))),
    }
    let up = match source {
        Source::Bytes(b) => Upload::bytes(&access, &session, &job.room, &job.name, b),
        Source::Path(p) => Upload::path(&access, &session, &job.room, p).name(&job.name),
    };
    push(state, job.view(UploadState::Sending, 0, None));
    let tx = state.tx.clone();
    let shown = job.view(UploadState::Sending, 0, None);
    let mut last: Option<Instant> = None;
    let progress = move |p: Progress| {
        if p.sent == p.total || last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            last = Some(Instant::now());
            let upload = UploadView { sent: p.sent, total: p.total, ..shown.clone() };
            let _ = tx.send(CoreEvent { ui: UiEvent::Upload { upload }, notify: None });
        }
    };
    let result = state.client.upload(up, progress, &cancel).await;
    if let Ok(mut u) = UPLOADS.lock() {
        u.remove(&job.upload_id);
    }
    let end = match result {
        Ok(_) => job.view(UploadState::Done, job.total, None),
        Err(ClientError::Cancelled) => job.view(UploadState::Cancelled, 0, None),
        Err(e) => job.view(UploadState::Failed, 0, Some(map_err(e).message)),
    };
    push(state, end);
}

/// `invoke('upload_file', bytes, { headers })`: an attached or pasted file, its bytes as the
/// raw body, where it goes in the headers ([`H_SERVER`], [`H_ROOM`], [`H_NAME`],
/// [`H_UPLOAD_ID`], percent-encoded). Refused before anything is sent when it is empty,
/// too large for the room's server, or the room takes no files; then `upload` events.
#[tauri::command]
pub async fn upload_file(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<()> {
    let h = UploadHeaders::parse(request.headers())?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::invalid("The file must come as the raw body."));
    };
    let total = bytes.len() as u64;
    check_size(&h.name, total, limit_of(&h.server, &h.room))?;
    uploader(&state, &h.server)?;
    let job = Job { server: h.server, room: h.room, name: h.name, upload_id: h.upload_id, total };
    run(&state, job, Source::Bytes(bytes.clone())).await;
    Ok(())
}

/// Stops an upload under way (its end comes as a `cancelled` event; the server keeps
/// nothing of it).
#[tauri::command]
pub async fn cancel_upload(request: CancelUploadRequest) -> CmdResult<()> {
    let id = upload_id(&request.upload_id)?;
    if let Some(c) = UPLOADS.lock().ok().and_then(|u| u.get(&id).cloned()) {
        c.cancel();
    }
    Ok(())
}

/// Whether the room takes files from here, and how large.
#[tauri::command]
pub async fn upload_limit(state: State<'_, AppState>, request: RoomRequest) -> CmdResult<UploadLimit> {
    let server = server_key(&request.server)?.to_string();
    let room = room_of(&request.room)?;
    let no = |reason: &str| Ok(UploadLimit { max_upload_bytes: None, max_label: None, reason: Some(reason.to_owned()) });
    let max = match limit_of(&server, &room) {
        None => return no("Join the room before sending a file to it."),
        Some(None) => return no("This server does not take files."),
        Some(Some(max)) => max,
    };
    if let Err(e) = uploader(&state, &server) {
        return no(&e.message);
    }
    Ok(UploadLimit { max_upload_bytes: Some(max), max_label: Some(wire::human_size(max)), reason: None })
}

/// The file a request names: the part of a line held for the room, else (an older page of
/// history) its id alone, fetched with the session.
fn part_of(state: &AppState, request: &FileRequest) -> CmdResult<(String, FilePart)> {
    let server = server_key(&request.server)?.to_string();
    let room = room_of(&request.room)?;
    if !wire::is_file_id(&request.id) {
        return Err(CommandError::invalid("That is not a file's id."));
    }
    let part = match state.glue.file_of(&server, &room, &request.id) {
        Some(f) => f.part(),
        None => FilePart {
            id: request.id.clone(),
            name: "download".into(),
            size: 0,
            mime: String::new(),
            width: None,
            height: None,
            thumb: true,
            link: String::new(),
        },
    };
    Ok((server, part))
}

/// Whether bytes are a PNG, JPEG, GIF or WebP (what a thumbnail may be).
pub fn is_image_bytes(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
        || b.starts_with(&[0xFF, 0xD8, 0xFF])
        || b.starts_with(b"GIF8")
        || (b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP")
}

/// An image's thumbnail (at most 400 px a side), as raw bytes: the page shows it through a
/// blob: URL. Only for inline images; anything but PNG/JPEG/GIF/WebP bytes is refused.
#[tauri::command]
pub async fn file_thumbnail(state: State<'_, AppState>, request: FileRequest) -> CmdResult<Response> {
    let (server, part) = part_of(&state, &request)?;
    if !part.thumb || !(part.mime.is_empty() || wire::is_inline_image(&part.mime)) {
        return Err(CommandError::invalid("That file is not shown as an image."));
    }
    let (access, session) = reader(&state, &server)?;
    let bytes = state.client.thumbnail(&access, session.as_ref(), &part).await.map_err(map_err)?;
    if !is_image_bytes(&bytes) {
        return Err(CommandError::new(ErrorCode::Refused, "The server's thumbnail is not an image."));
    }
    Ok(Response::new(bytes))
}

/// The user's Downloads folder: `XDG_DOWNLOAD_DIR` when set, else the desktop's, else
/// `~/Downloads`.
pub fn downloads_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("XDG_DOWNLOAD_DIR").map(PathBuf::from).filter(|d| d.is_absolute()) {
        return Some(d);
    }
    let dirs = directories::UserDirs::new()?;
    Some(dirs.download_dir().map(Path::to_path_buf).unwrap_or_else(|| dirs.home_dir().join("Downloads")))
}

/// `name (1).ext`, `name (2).ext`, … for the `n`th try.
fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({n}).{ext}"),
        _ => format!("{name} ({n})"),
    }
}

/// A new, empty file in `dir` for `raw_name`: its cleaned name, numbered when taken. It is
/// created here (never over another file) and is always directly inside `dir`.
pub fn reserve_in(dir: &Path, raw_name: &str) -> std::io::Result<PathBuf> {
    let name = wire::clean_name(raw_name).unwrap_or_else(|| "download".to_owned());
    for n in 0..1000 {
        let candidate = numbered(&name, n);
        let mut parts = Path::new(&candidate).components();
        if !matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None)) {
            return Err(std::io::Error::new(ErrorKind::InvalidInput, "not a plain file name"));
        }
        let path = dir.join(&candidate);
        // the download is written to `<name>.part` first: that must not be anyone's either
        let mut part = path.clone().into_os_string();
        part.push(".part");
        if Path::new(&part).exists() {
            continue;
        }
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(ErrorKind::AlreadyExists, "no free name"))
}

/// Saves a message's file into the Downloads folder, under its own name there (numbered
/// when taken), and says where. It is not opened.
#[tauri::command]
pub async fn save_file(state: State<'_, AppState>, request: FileRequest) -> CmdResult<SavedFile> {
    let (server, part) = part_of(&state, &request)?;
    let (access, session) = reader(&state, &server)?;
    let dir = downloads_dir().ok_or_else(|| CommandError::internal("There is no Downloads folder (no home directory)."))?;
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::internal(format!("Could not make {}: {e}.", dir.display())))?;
    let dest = reserve_in(&dir, &part.name).map_err(|e| CommandError::internal(format!("Could not save into {}: {e}.", dir.display())))?;
    if let Err(e) = state.client.download_to(&access, session.as_ref(), &part, &dest).await {
        let _ = std::fs::remove_file(&dest);
        return Err(map_err(e));
    }
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(SavedFile { path: dest.to_string_lossy().into_owned(), name })
}

/// Files dropped on the window go to the room it shows (none shown: nothing happens). Each
/// is checked as an attached one is (a regular file, within the limit); refusals and
/// progress come as `upload` events.
pub fn on_drop(window: &tauri::Window, event: &tauri::DragDropEvent) {
    let tauri::DragDropEvent::Drop { paths, .. } = event else { return };
    let app = window.app_handle().clone();
    let Some((server, room)) = app.state::<crate::commands::view::View>().shown() else { return };
    let paths = paths.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        for path in paths {
            upload_dropped(&state, &server, &room, path).await;
        }
    });
}

async fn upload_dropped(state: &AppState, server: &str, room: &str, path: PathBuf) {
    let raw = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut job = Job {
        server: server.to_owned(),
        room: room.to_owned(),
        name: raw,
        upload_id: uuid::Uuid::new_v4().to_string(),
        total: 0,
    };
    match check_dropped(&path, limit_of(server, room)) {
        Ok((name, total)) => {
            (job.name, job.total) = (name, total);
            run(state, job, Source::Path(path)).await
        }
        Err(e) => push(state, job.view(UploadState::Failed, 0, Some(e.message))),
    }
}

/// A dropped path, checked as an attached file is: a regular file (not a folder), a usable
/// name, within the room's limit. Its name and size.
pub fn check_dropped(path: &Path, limit: Option<Option<u64>>) -> CmdResult<(String, u64)> {
    let raw = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = file_name(&raw)?;
    let meta = std::fs::metadata(path).map_err(|e| CommandError::invalid(format!("Could not read {name}: {e}.")))?;
    if !meta.is_file() {
        return Err(CommandError::invalid(format!("{name} is a folder, not a file: drop the files in it.")));
    }
    check_size(&name, meta.len(), limit)?;
    Ok((name, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes_are_checked_before_sending() {
        assert_eq!(file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(file_name("C:\\x\\shot.png").unwrap(), "shot.png");
        assert!(file_name("..").is_err() && file_name("").is_err() && file_name("/").is_err());
        let mb = 1024 * 1024;
        assert_eq!(check_size("a.png", 10, Some(Some(mb))).unwrap(), mb);
        let big = check_size("big.bin", 2 * mb, Some(Some(mb))).unwrap_err();
        assert_eq!(big.message, "big.bin is too large to send (2.0 MB): this server takes files of at most 1.0 MB.");
        let just = check_size("big.bin", mb + 1, Some(Some(mb))).unwrap_err();
        assert_eq!(just.message, "big.bin is too large to send (1048577 bytes): this server takes files of at most 1048576 bytes.");
        assert!(check_size("e.txt", 0, Some(Some(mb))).unwrap_err().message.contains("empty"));
        assert_eq!(check_size("a", 1, Some(None)).unwrap_err().message, "This server does not take files.");
        assert_eq!(check_size("a", 1, None).unwrap_err().code, ErrorCode::NotConnected);
        assert!(upload_id("u-1_A").is_ok());
        for bad in ["", "a b", "../x", &"x".repeat(65)] {
            assert!(upload_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn headers_are_percent_decoded_and_checked() {
        assert_eq!(percent_decode("caf%C3%A9%20menu.png").as_deref(), Some("café menu.png"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert!(percent_decode("%zz").is_none() && percent_decode("%4").is_none() && percent_decode("%FF").is_none());
        let mut h = HeaderMap::new();
        h.insert(H_SERVER, "http%3A%2F%2F127.0.0.1%3A3000".parse().unwrap());
        h.insert(H_ROOM, "Lobby".parse().unwrap());
        h.insert(H_NAME, "..%2F..%2Fetc%2Fpasswd".parse().unwrap());
        h.insert(H_UPLOAD_ID, "up-1".parse().unwrap());
        let p = UploadHeaders::parse(&h).unwrap();
        assert_eq!((p.room.as_str(), p.name.as_str(), p.upload_id.as_str()), ("lobby", "passwd", "up-1"));
        assert!(p.server.starts_with("http://127.0.0.1:3000"));
        h.insert(H_UPLOAD_ID, "a%20b".parse().unwrap());
        assert!(UploadHeaders::parse(&h).is_err());
        h.remove(H_UPLOAD_ID);
        assert!(UploadHeaders::parse(&h).unwrap_err().message.contains(H_UPLOAD_ID));
    }

    #[test]
    fn saving_stays_in_the_folder_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let first = reserve_in(d, "shot.png").unwrap();
        assert_eq!(first, d.join("shot.png"));
        std::fs::write(&first, b"mine").unwrap();
        let second = reserve_in(d, "shot.png").unwrap();
        assert_eq!(second, d.join("shot (1).png"));
        assert_eq!(std::fs::read(&first).unwrap(), b"mine", "the first file is untouched");
        // a `.part` left by someone else is not written over either
        std::fs::write(d.join("notes.part"), b"x").unwrap();
        assert_eq!(reserve_in(d, "notes").unwrap(), d.join("notes (1)"));
        for evil in ["../../etc/passwd", "/etc/passwd", "..\\..\\x.ini", "..", "a/../../b", "\u{202E}gnp.exe"] {
            let p = reserve_in(d, evil).unwrap();
            assert_eq!(p.parent(), Some(d), "{evil:?} → {p:?}");
            assert!(p.canonicalize().unwrap().starts_with(d.canonicalize().unwrap()));
        }
        assert_eq!(reserve_in(d, "..").unwrap(), d.join("download (1)"), "the loop took \"download\"");
        assert_eq!(numbered("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered(".bashrc", 1), ".bashrc (1)");
    }

    #[test]
    fn a_drop_is_checked_as_an_attached_file_is() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("shot.png");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(check_dropped(&f, Some(Some(10))).unwrap(), ("shot.png".to_owned(), 5));
        assert!(check_dropped(&f, Some(Some(4))).unwrap_err().message.contains("too large"));
        assert!(check_dropped(dir.path(), Some(Some(10))).unwrap_err().message.contains("is a folder"));
        assert!(check_dropped(&dir.path().join("gone.txt"), Some(Some(10))).unwrap_err().message.starts_with("Could not read gone.txt"));
        assert_eq!(check_dropped(&f, Some(None)).unwrap_err().message, "This server does not take files.");
    }

    #[test]
    fn thumbnails_must_be_images() {
        assert!(is_image_bytes(b"\x89PNG\r\n\x1a\n...."));
        assert!(is_image_bytes(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!is_image_bytes(b"<svg onload=alert(1)>"));
        assert!(!is_image_bytes(b"<html>"));
    }

    #[test]
    fn a_file_view_says_what_is_shown_inline() {
        let part = |mime: &str, thumb: bool| FilePart {
            id: "9f".repeat(16),
            name: "x".into(),
            size: 48213,
            mime: mime.into(),
            width: Some(10),
            height: Some(5),
            thumb,
            link: "/files/x?exp=1&sig=2".into(),
        };
        let png = FileView::of(&part("image/png", true));
        assert!(png.image && png.size_label == "47.1 KB");
        assert_eq!(png.part(), part("image/png", true));
        assert!(!FileView::of(&part("image/svg+xml", true)).image, "an SVG is never inline");
        assert!(!FileView::of(&part("text/html", false)).image);
        assert!(!FileView::of(&part("image/png", false)).image, "no thumbnail: no image");
    }
}
