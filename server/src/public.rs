//! `--public DIR`: banter-server as a drop-in for the chat tutorial's Node server, which
//! serves its `public/` folder (`express.static`) and the socket.io browser client at
//! `/socket.io/socket.io.js` (socket.io's `serveClient`).
//!
//! - [`PublicDir`]: the files of DIR at `/`, `index.html` for a directory, content types by
//!   extension (tower-http's `ServeDir`, which also does Last-Modified/304, ranges and HEAD).
//!   Before `ServeDir` sees a request, [`PublicDir::resolve`] must find the file it names
//!   inside DIR: `..` (plain or percent-encoded), dotfiles (as `express.static` hides them),
//!   symlinks whose target lies outside DIR, a directory without `index.html` and anything
//!   that is not a regular file are 404. There is no directory listing.
//! - [`client_files`]: the vendored socket.io-client (`server/assets/socket.io-client`) under
//!   exactly the names, headers and ETag the official socket.io 4.x server uses
//!   (`node_modules/socket.io/dist/index.js`, `serve`/`sendFile`), compressed by
//!   `Accept-Encoding` as it does.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use percent_encoding::percent_decode_str;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::error::ServerError;

/// Version of the vendored socket.io-client; its files' ETag is this, quoted (as socket.io's).
pub const CLIENT_VERSION: &str = "4.8.1";

/// The files of socket.io-client's `dist/`, by the name they are served under in `/socket.io/`.
pub const CLIENT_FILES: &[(&str, &[u8])] = &[
    ("socket.io.js", include_bytes!("../assets/socket.io-client/socket.io.js")),
    ("socket.io.js.map", include_bytes!("../assets/socket.io-client/socket.io.js.map")),
    ("socket.io.min.js", include_bytes!("../assets/socket.io-client/socket.io.min.js")),
    ("socket.io.min.js.map", include_bytes!("../assets/socket.io-client/socket.io.min.js.map")),
    ("socket.io.esm.min.js", include_bytes!("../assets/socket.io-client/socket.io.esm.min.js")),
    ("socket.io.esm.min.js.map", include_bytes!("../assets/socket.io-client/socket.io.esm.min.js.map")),
    ("socket.io.msgpack.min.js", include_bytes!("../assets/socket.io-client/socket.io.msgpack.min.js")),
    ("socket.io.msgpack.min.js.map", include_bytes!("../assets/socket.io-client/socket.io.msgpack.min.js.map")),
];

/// Every name socket.io's `clientPathRegex` accepts:
/// `socket.io(.msgpack|.esm)?(.min)?.js(.map)?`. Four of them (`socket.io.esm.js`,
/// `socket.io.msgpack.js` and their maps) have no file in the package: socket.io closes
/// the connection without an answer (its read stream fails); we answer 404.
pub fn client_file_names() -> Vec<String> {
    let mut names = Vec::new();
    for flavour in ["", ".msgpack", ".esm"] {
        for min in ["", ".min"] {
            for map in ["", ".map"] {
                names.push(format!("socket.io{flavour}{min}.js{map}"));
            }
        }
    }
    names
}

/// The routes of the socket.io client's files. Used as the outermost router, with the rest of
/// the app as its fallback, so these names win over the Socket.IO layer (which takes every
/// other path under `/socket.io/`).
pub fn client_files() -> Router {
    let mut router = Router::new();
    for name in client_file_names() {
        let file = CLIENT_FILES.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes);
        let is_map = name.ends_with(".map");
        router = router.route(
            &format!("/socket.io/{name}"),
            get(move |headers: HeaderMap| async move { client_file(file, is_map, &headers) }),
        );
    }
    // socket.io compresses with br, gzip or deflate, as Accept-Encoding allows.
    router.layer(CompressionLayer::new())
}

fn client_file(file: Option<&'static [u8]>, is_map: bool, headers: &HeaderMap) -> Response {
    let Some(bytes) = file else {
        return not_found();
    };
    let etag = format!("\"{CLIENT_VERSION}\"");
    let weak = format!("W/{etag}");
    // socket.io compares the whole header with the ETag or its weak form; a list of tags
    // (which browsers do not send for one resource) is accepted here too.
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| matches!(tag.trim(), t if t == etag || t == weak || t == "*"));
    let etag_value = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    let content_type = if is_map { "application/json; charset=utf-8" } else { "application/javascript; charset=utf-8" };
    (
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=0")),
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag_value),
        ],
        bytes,
    )
        .into_response()
}

/// The directory of `--public`, resolved to its real path.
#[derive(Debug, Clone)]
pub struct PublicDir {
    root: Arc<PathBuf>,
}

impl PublicDir {
    /// Checks that `dir` is a directory we can read; the error is one plain sentence.
    pub fn open(dir: &Path) -> Result<PublicDir, ServerError> {
        let fail = |why: String| ServerError::Config(format!("--public {}: {why}", dir.display()));
        let root = std::fs::canonicalize(dir).map_err(|e| {
            fail(match e.kind() {
                ErrorKind::NotFound => "no such directory".to_owned(),
                ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => e.to_string(),
            })
        })?;
        let meta = std::fs::metadata(&root).map_err(|e| fail(e.to_string()))?;
        if !meta.is_dir() {
            return Err(fail("not a directory".to_owned()));
        }
        std::fs::read_dir(&root).map_err(|e| fail(format!("cannot read it: {e}")))?;
        Ok(PublicDir { root: Arc::new(root) })
    }

    /// The directory's real path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The regular file inside the directory that a request path (as sent, percent-encoded)
    /// names, following symlinks only while they stay inside; `None` means 404. A directory
    /// names its `index.html`. Blocking (file system): call it off the event loop.
    pub fn resolve(&self, request_path: &str) -> Option<PathBuf> {
        let decoded = percent_decode_str(request_path).decode_utf8().ok()?;
        let mut path = self.root.to_path_buf();
        for segment in decoded.split('/') {
            if segment.is_empty() || segment == "." {
                continue;
            }
            // `..` and dotfiles (`.git`, `.env`: `express.static` hides them too); a segment
            // must be one plain name (no `\`, NUL or drive prefix on any platform).
            if segment.starts_with('.') || segment.contains(['\\', '\0']) {
                return None;
            }
            let mut parts = Path::new(segment).components();
            if !matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None)) {
                return None;
            }
            path.push(segment);
        }
        let inside = |p: &Path| -> Option<PathBuf> {
            let real = std::fs::canonicalize(p).ok()?;
            real.starts_with(&*self.root).then_some(real)
        };
        let real = inside(&path)?;
        let meta = std::fs::metadata(&real).ok()?;
        let file = if meta.is_dir() { inside(&real.join("index.html"))? } else { real };
        std::fs::metadata(&file).ok()?.is_file().then_some(file)
    }

    /// The service answering every path the app's routes do not: the directory's files.
    pub fn files(&self) -> Router {
        Router::new().fallback(serve_file).with_state(self.clone())
    }
}

async fn serve_file(State(dir): State<PublicDir>, req: Request) -> Response {
    let (check, path) = (dir.clone(), req.uri().path().to_owned());
    let found = tokio::task::spawn_blocking(move || check.resolve(&path).is_some()).await.unwrap_or(false);
    if !found {
        tracing::debug!(path = %req.uri().path(), "public: not found or refused");
        return not_found();
    }
    // Between the check and the open, only someone who can write to DIR could swap a file
    // for a symlink: the directory's owner, whom this guard does not defend against.
    let mut res = match ServeDir::new(dir.root()).try_call(req).await {
        Ok(res) => res.map(Body::new),
        Err(e) => {
            tracing::warn!(error = %e, "public: cannot read a file");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Cannot read the file\n").into_response();
        }
    };
    if res.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    // As express.static: browsers revalidate (Last-Modified → 304) instead of guessing a
    // freshness from the file's age, so an edited page shows at the next load.
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        res.headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("public, max-age=0"));
    }
    if let Some(with_charset) = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(utf8_content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, with_charset);
    }
    res
}

/// `text/*`, JavaScript and JSON get `; charset=utf-8`, as `express.static` sends them: a page
/// without `<meta charset>` would otherwise be read as windows-1252.
fn utf8_content_type(mime: &str) -> Option<HeaderValue> {
    let textual = mime.starts_with("text/") || mime == "application/javascript" || mime == "application/json";
    if !textual || mime.contains(';') {
        return None;
    }
    HeaderValue::from_str(&format!("{mime}; charset=utf-8")).ok()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Not found\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn site() -> (tempfile::TempDir, PublicDir) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let public = tmp.path().join("public");
        fs::create_dir_all(public.join("js")).expect("mkdir");
        fs::create_dir_all(public.join("empty")).expect("mkdir");
        fs::write(public.join("index.html"), "<h1>join</h1>").expect("write");
        fs::write(public.join("js/chat.js"), "io()").expect("write");
        fs::write(public.join(".env"), "SECRET=1").expect("write");
        fs::write(tmp.path().join("secret.txt"), "outside").expect("write");
        let dir = PublicDir::open(&public).expect("open");
        (tmp, dir)
    }

    #[test]
    fn files_and_index() {
        let (_tmp, dir) = site();
        let root = dir.root().to_path_buf();
        assert_eq!(dir.resolve("/"), Some(root.join("index.html")));
        assert_eq!(dir.resolve("/index.html"), Some(root.join("index.html")));
        assert_eq!(dir.resolve("/js/chat.js"), Some(root.join("js/chat.js")));
        assert_eq!(dir.resolve("/js//./chat.js"), Some(root.join("js/chat.js")));
        assert_eq!(dir.resolve("/%6As/chat.js"), Some(root.join("js/chat.js")), "plain percent-encoding is decoded");
        assert_eq!(dir.resolve("/missing.html"), None);
        assert_eq!(dir.resolve("/js/"), None, "a directory without index.html");
        assert_eq!(dir.resolve("/empty"), None);
    }

    #[test]
    fn traversal_is_refused() {
        let (_tmp, dir) = site();
        for path in [
            "/../secret.txt",
            "/js/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/js%2F..%2F..%2Fsecret.txt",
            "/..%5csecret.txt",
            "/%2e%2e%5csecret.txt",
            "/%00/index.html",
            "/%ff/index.html",
            "/.env",
            "/%2eenv",
        ] {
            assert_eq!(dir.resolve(path), None, "{path}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_stay_inside() {
        let (tmp, dir) = site();
        let root = dir.root().to_path_buf();
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("leak.txt")).expect("symlink");
        std::os::unix::fs::symlink(tmp.path(), root.join("up")).expect("symlink");
        std::os::unix::fs::symlink("/etc", root.join("etc")).expect("symlink");
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), root.join("empty/index.html")).expect("symlink");
        std::os::unix::fs::symlink(root.join("js/chat.js"), root.join("alias.js")).expect("symlink");
        assert_eq!(dir.resolve("/leak.txt"), None);
        assert_eq!(dir.resolve("/up/secret.txt"), None);
        assert_eq!(dir.resolve("/up/public/index.html"), Some(root.join("index.html")), "out and back in: a file of DIR");
        assert_eq!(dir.resolve("/etc/passwd"), None);
        assert_eq!(dir.resolve("/empty/"), None, "an index.html leading outside");
        assert_eq!(dir.resolve("/alias.js"), Some(root.join("js/chat.js")), "a symlink inside DIR is fine");
    }

    #[test]
    fn a_missing_or_plain_file_dir_is_a_plain_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = PublicDir::open(&tmp.path().join("nope")).expect_err("missing");
        assert_eq!(missing.to_string(), format!("configuration: --public {}: no such directory", tmp.path().join("nope").display()));
        fs::write(tmp.path().join("file"), "x").expect("write");
        let file = PublicDir::open(&tmp.path().join("file")).expect_err("file");
        assert!(file.to_string().ends_with(": not a directory"), "{file}");
    }

    #[test]
    fn textual_types_say_utf8() {
        assert_eq!(utf8_content_type("text/html").as_ref().map(|v| v.as_bytes()), Some(&b"text/html; charset=utf-8"[..]));
        assert_eq!(utf8_content_type("text/javascript").as_ref().map(|v| v.as_bytes()), Some(&b"text/javascript; charset=utf-8"[..]));
        assert_eq!(utf8_content_type("application/json").as_ref().map(|v| v.as_bytes()), Some(&b"application/json; charset=utf-8"[..]));
        assert_eq!(utf8_content_type("image/png"), None);
        assert_eq!(utf8_content_type("text/html; charset=iso-8859-1"), None);
    }

    #[test]
    fn client_names_are_socket_io_s() {
        let names = client_file_names();
        assert_eq!(names.len(), 12);
        for (name, bytes) in CLIENT_FILES {
            assert!(names.iter().any(|n| n == name), "{name}");
            assert!(!bytes.is_empty());
        }
        assert!(names.iter().any(|n| n == "socket.io.esm.js"), "no file, but socket.io's regex takes it");
    }
}
