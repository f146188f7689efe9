//! Server URLs: validated and normalised once, so that the same server always has the same
//! key (for the keyring and the outbox files).

use std::fmt;

use serde::Serialize;

use crate::error::{ClientError, Result};

/// A validated server address: `http` or `https`, a host, an optional port, no path, query,
/// fragment or credentials. Displayed as `scheme://host[:port]` (default ports dropped,
/// host lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ServerUrl(String);

impl ServerUrl {
    /// Parses and normalises a server URL. A URL without a scheme gets `http://`.
    pub fn parse(raw: &str) -> Result<Self> {
        let trimmed = raw.trim();
        let bad = |reason: &str| ClientError::InvalidUrl {
            url: raw.to_owned(),
            reason: reason.to_owned(),
        };
        if trimmed.is_empty() {
            return Err(bad("the URL is empty"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("the URL contains spaces or control characters"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("http://{trimmed}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "http" | "https" => {}
            "ws" | "wss" => {
                return Err(bad("use http:// or https:// (Socket.IO starts over HTTP)"))
            }
            other => {
                return Err(bad(&format!(
                    "unsupported scheme {other:?}, use http or https"
                )))
            }
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("the URL has no host"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("credentials in the URL are not allowed; use a token"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("the URL must not have a query or a fragment"));
        }
        if !(url.path() == "/" || url.path().is_empty()) {
            return Err(bad(
                "the URL must not have a path (the Socket.IO path is /socket.io/)",
            ));
        }
        let mut out = format!("{}://{}", url.scheme(), host);
        if let Some(port) = url.port() {
            out.push_str(&format!(":{port}"));
        }
        Ok(ServerUrl(out))
    }

    /// The normalised form, `scheme://host[:port]`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the URL uses TLS.
    pub fn is_tls(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The host (IPv6 without brackets) and port (the scheme's default if none was given).
    pub fn host_port(&self) -> Option<(String, u16)> {
        let url = url::Url::parse(&self.0).ok()?;
        let host = match url.host()? {
            url::Host::Ipv6(a) => a.to_string(),
            other => other.to_string(),
        };
        Some((host, url.port_or_known_default()?))
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ServerUrl {
    type Err = ClientError;
    fn from_str(s: &str) -> Result<Self> {
        ServerUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        let p = |s: &str| ServerUrl::parse(s).map(|u| u.to_string());
        assert_eq!(
            p("http://LocalHost:3000/").unwrap(),
            "http://localhost:3000"
        );
        assert_eq!(
            p("  https://chat.example.org  ").unwrap(),
            "https://chat.example.org"
        );
        assert_eq!(
            p("https://chat.example.org:443").unwrap(),
            "https://chat.example.org"
        );
        assert_eq!(p("http://127.0.0.1:80/").unwrap(), "http://127.0.0.1");
        assert_eq!(p("127.0.0.1:3000").unwrap(), "http://127.0.0.1:3000");
        assert_eq!(p("http://[::1]:3000").unwrap(), "http://[::1]:3000");
        assert!(ServerUrl::parse("https://a.b").unwrap().is_tls());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "   ",
            "ftp://x.org",
            "ws://x.org",
            "http://",
            "http://user:pw@x.org",
            "http://x.org/chat",
            "http://x.org/?a=1",
            "http://x.org/#f",
            "http://x .org",
            "http://x.org:99999",
        ] {
            let err = ServerUrl::parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_url", "{bad:?}");
        }
    }
}
