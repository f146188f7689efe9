//! Lets hyper's read buffer go once a request is parsed. The header values and the URI of a
//! request are slices of the connection's read buffer (8 KiB, grown to 16 KiB); engineioxide
//! keeps the request's parts for the socket's whole life and axum keeps a copy of its URI
//! (`OriginalUri`), so every idle Socket.IO connection held that buffer (hyper#4060). This
//! layer, before socketioxide's, deep-copies the header names and values and the URI and
//! drops `OriginalUri`, so nothing points into the buffer any more
//! (../shared/docs/server-memory-notes.md; measured with banter-bench: docs/benchmarks.md).

use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri};

/// The request with copies of its URI and headers of its own.
pub async fn unpin(req: Request) -> Request {
    let (mut parts, body) = req.into_parts();
    if let Ok(uri) = parts.uri.to_string().parse::<Uri>() {
        parts.uri = uri;
    }
    let mut headers = HeaderMap::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_str().as_bytes()), HeaderValue::from_bytes(value.as_bytes())) else {
            continue; // cannot happen: both were valid already
        };
        headers.append(name, value);
    }
    parts.headers = headers;
    parts.extensions.remove::<OriginalUri>();
    Request::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_is_the_same_with_its_own_copies() {
        let req = Request::builder()
            .uri("/socket.io/?EIO=4&transport=websocket")
            .header("x-custom", "a")
            .header("x-custom", "b")
            .header("cookie", "k=v")
            .body(axum::body::Body::empty())
            .unwrap();
        let mut req = req;
        req.extensions_mut().insert(OriginalUri("/x".parse().unwrap()));
        let out = unpin(req).await;
        assert_eq!(out.uri().to_string(), "/socket.io/?EIO=4&transport=websocket");
        let customs: Vec<&str> = out.headers().get_all("x-custom").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(customs, ["a", "b"]);
        assert_eq!(out.headers()["cookie"], "k=v");
        assert!(out.extensions().get::<OriginalUri>().is_none());
    }
}
