//! `banter-server --public DIR` over real HTTP (the binary, raw HTTP/1.1 on loopback, so
//! paths such as `/../x` reach the server as sent): static files and their content types,
//! traversal and symlinks refused, the socket.io client files with socket.io's headers, the
//! Socket.IO endpoint still answering beside them, and the start-up errors. Also: the
//! vendored client files are byte-identical to the npm package of the same version.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use banter_server::public::{CLIENT_FILES, CLIENT_VERSION};

struct Server {
    child: Child,
    addr: String,
    _db: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&std::ffi::OsStr]) -> Server {
        let db = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_banter-server"))
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db.path().join("t.db"))
            .args(extra)
            .env_remove("BANTER_TOKEN")
            .env_remove("BANTER_PUBLIC_DIR")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn banter-server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let addr = line.trim().rsplit(' ').next().expect("address").to_owned();
        Server { child, addr, _db: db }
    }

    /// One request, `Connection: close`; the path goes out exactly as given.
    fn get(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut tcp = TcpStream::connect(&self.addr).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).expect("write");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).expect("read");
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        let reply = Reply { status, headers, body: Vec::new() };
        if reply.header("transfer-encoding") == Some("chunked") {
            body = dechunk(&body);
        }
        Reply { body, ..reply }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < end + 2 + size {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 4 + size).min(data.len())..];
    }
}

/// A tutorial-like site in `<tmp>/public`, a secret beside it and symlinks out of it.
fn site() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let public = tmp.path().join("public");
    for d in ["js", "css", "img", "empty", "help"] {
        std::fs::create_dir_all(public.join(d)).expect("mkdir");
    }
    std::fs::write(public.join("index.html"), "<!DOCTYPE html><title>Join</title>").expect("write");
    std::fs::write(public.join("help/index.html"), "help").expect("write");
    std::fs::write(public.join("chat.html"), "<!DOCTYPE html><title>Chat</title>").expect("write");
    std::fs::write(public.join("js/chat.js"), "const socket = io()\n").expect("write");
    std::fs::write(public.join("css/styles.css"), "body { margin: 0 }\n").expect("write");
    std::fs::write(public.join("img/favicon.png"), b"\x89PNG\r\n\x1a\n").expect("write");
    std::fs::write(public.join("data.json"), "{}").expect("write");
    std::fs::write(public.join(".env"), "SECRET=1").expect("write");
    std::fs::write(tmp.path().join("secret.txt"), "outside").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), public.join("leak.txt")).expect("symlink");
        std::os::unix::fs::symlink(tmp.path(), public.join("up")).expect("symlink");
        std::os::unix::fs::symlink("/etc", public.join("etc")).expect("symlink");
    }
    (tmp, public)
}

#[test]
fn static_files_with_their_content_types() {
    let (_tmp, public) = site();
    let s = Server::start(&["--public".as_ref(), public.as_os_str()]);
    let root = s.get("GET", "/", &[]);
    assert_eq!(root.status, 200);
    assert_eq!(root.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(root.body, b"<!DOCTYPE html><title>Join</title>");
    assert_eq!(root.header("cache-control"), Some("public, max-age=0"));
    assert!(root.header("last-modified").is_some());
    for (path, ty) in [
        ("/index.html", "text/html; charset=utf-8"),
        ("/chat.html?username=a&room=b", "text/html; charset=utf-8"),
        ("/js/chat.js", "text/javascript; charset=utf-8"),
        ("/css/styles.css", "text/css; charset=utf-8"),
        ("/img/favicon.png", "image/png"),
        ("/data.json", "application/json; charset=utf-8"),
    ] {
        let r = s.get("GET", path, &[]);
        assert_eq!((r.status, r.header("content-type")), (200, Some(ty)), "{path}");
    }
    // a revalidation answers 304
    let lm = root.header("last-modified").expect("last-modified").to_owned();
    assert_eq!(s.get("GET", "/", &[("If-Modified-Since", &lm)]).status, 304);
    // HEAD has the headers, no body
    let head = s.get("HEAD", "/js/chat.js", &[]);
    assert_eq!((head.status, head.body.len()), (200, 0));
    // a directory without its slash is redirected to it, as express.static does
    let help = s.get("GET", "/help", &[]);
    assert!(help.status == 307 || help.status == 301, "{}", help.status);
    assert_eq!(help.header("location"), Some("/help/"));
    assert_eq!(s.get("GET", "/help/", &[]).body, b"help");
    // /healthz stays
    let h = s.get("GET", "/healthz", &[]);
    assert_eq!(h.status, 200);
    assert!(String::from_utf8_lossy(&h.body).contains("\"status\":\"ok\""));
    assert_eq!(s.get("POST", "/index.html", &[("Content-Length", "0")]).status, 405);
}

#[test]
fn nothing_outside_the_directory_and_no_listing() {
    let (_tmp, public) = site();
    let s = Server::start(&["--public".as_ref(), public.as_os_str()]);
    // What counts is where a file really is: out through a symlink and back in is DIR's file.
    assert_eq!(s.get("GET", "/up/public/index.html", &[]).status, 200);
    for path in [
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/js%2f%2e%2e%2f%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/leak.txt",
        "/up/secret.txt",
        "/etc/passwd",
        "/etc/",
        "/.env",
        "/%2eenv",
        "/empty/",
        "/empty",
        "/js/",
        "/missing.html",
        "/%ff",
    ] {
        let r = s.get("GET", path, &[]);
        assert_eq!(r.status, 404, "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains("outside") && !body.contains("root:") && !body.contains("chat.js"), "{path}: {body}");
    }
}

#[test]
fn the_socket_io_client_as_socket_io_serves_it() {
    let (_tmp, public) = site();
    let s = Server::start(&["--public".as_ref(), public.as_os_str()]);
    let etag = format!("\"{CLIENT_VERSION}\"");
    for (name, bytes) in CLIENT_FILES {
        let r = s.get("GET", &format!("/socket.io/{name}"), &[]);
        assert_eq!(r.status, 200, "{name}");
        let ty = if name.ends_with(".map") { "application/json; charset=utf-8" } else { "application/javascript; charset=utf-8" };
        assert_eq!(r.header("content-type"), Some(ty), "{name}");
        assert_eq!(r.header("etag"), Some(etag.as_str()), "{name}");
        assert_eq!(r.header("cache-control"), Some("public, max-age=0"), "{name}");
        assert!(r.body == *bytes, "{name}: the body is the vendored file");
    }
    // with a query string, as pages often cache-bust
    assert_eq!(s.get("GET", "/socket.io/socket.io.js?v=1", &[]).status, 200);
    // ETag revalidation, strong and weak, as socket.io
    assert_eq!(s.get("GET", "/socket.io/socket.io.js", &[("If-None-Match", &etag)]).status, 304);
    assert_eq!(s.get("GET", "/socket.io/socket.io.min.js", &[("If-None-Match", &format!("W/{etag}"))]).status, 304);
    assert_eq!(s.get("GET", "/socket.io/socket.io.js", &[("If-None-Match", "\"4.0.0\"")]).status, 200);
    // compressed as Accept-Encoding allows, as socket.io
    for enc in ["br", "gzip", "deflate"] {
        let r = s.get("GET", "/socket.io/socket.io.js", &[("Accept-Encoding", enc)]);
        assert_eq!((r.status, r.header("content-encoding")), (200, Some(enc)));
        assert!(r.body.len() < 100_000, "{enc}: {} bytes", r.body.len());
    }
    // names socket.io's pattern takes without a file in the package
    for name in ["socket.io.esm.js", "socket.io.msgpack.js", "socket.io.esm.js.map"] {
        assert_eq!(s.get("GET", &format!("/socket.io/{name}"), &[]).status, 404, "{name}");
    }
    // everything else under /socket.io/ is still the Socket.IO endpoint
    let poll = s.get("GET", "/socket.io/?EIO=4&transport=polling", &[]);
    assert_eq!(poll.status, 200);
    assert!(String::from_utf8_lossy(&poll.body).contains("\"sid\""), "{}", String::from_utf8_lossy(&poll.body));
    // and a file of DIR cannot shadow the client
    std::fs::create_dir_all(public.join("socket.io")).expect("mkdir");
    std::fs::write(public.join("socket.io/socket.io.js"), "evil()").expect("write");
    assert!(s.get("GET", "/socket.io/socket.io.js", &[]).body == CLIENT_FILES[0].1);
}

#[test]
fn without_public_the_root_page_is_unchanged() {
    let s = Server::start(&[]);
    let r = s.get("GET", "/", &[]);
    assert_eq!((r.status, r.header("content-type")), (200, Some("text/plain; charset=utf-8")));
    assert!(String::from_utf8_lossy(&r.body).starts_with("Banter chat server"));
    let client = s.get("GET", "/socket.io/socket.io.js", &[]);
    assert_ne!(client.header("content-type"), Some("application/javascript; charset=utf-8"));
    assert_eq!(s.get("GET", "/index.html", &[]).status, 404);
}

fn start_error(dir: &Path) -> (Option<i32>, String) {
    let db = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_banter-server"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(db.path().join("t.db"))
        .arg("--public")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run banter-server");
    assert!(out.stdout.is_empty(), "it must not start listening");
    assert!(!db.path().join("t.db").exists(), "no store is created");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_missing_or_non_directory_dir_is_a_start_up_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("public");
    let (code, err) = start_error(&missing);
    assert_eq!(code, Some(2));
    assert_eq!(err, format!("banter-server: configuration: --public {}: no such directory\n", missing.display()));
    let file = tmp.path().join("index.html");
    std::fs::write(&file, "x").expect("write");
    let (code, err) = start_error(&file);
    assert_eq!(code, Some(2));
    assert_eq!(err, format!("banter-server: configuration: --public {}: not a directory\n", file.display()));
}

/// The vendored files are the npm package's, byte for byte, of the version we say.
#[test]
fn vendored_client_is_the_npm_package() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let pkg = repo.join("node_modules/socket.io-client");
    let manifest = std::fs::read_to_string(pkg.join("package.json"))
        .unwrap_or_else(|e| panic!("{}: {e} (run npm ci at the repo root)", pkg.display()));
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("package.json");
    assert_eq!(manifest["version"].as_str(), Some(CLIENT_VERSION), "node_modules has another socket.io-client");
    let mut dist: Vec<String> = std::fs::read_dir(pkg.join("dist"))
        .expect("dist")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dist.sort();
    let mut ours: Vec<String> = CLIENT_FILES.iter().map(|(n, _)| n.to_string()).collect();
    ours.sort();
    assert_eq!(ours, dist, "every file of dist/ is vendored and served");
    for (name, bytes) in CLIENT_FILES {
        let npm = std::fs::read(pkg.join("dist").join(name)).expect("dist file");
        assert!(npm == *bytes, "{name} differs from the npm package's");
    }
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/socket.io-client");
    assert_eq!(std::fs::read(assets.join("LICENSE")).ok(), std::fs::read(pkg.join("LICENSE")).ok(), "the licence");
}
