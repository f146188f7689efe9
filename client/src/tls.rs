//! Certificates of self-hosted servers (`https://` with a private CA or a self-signed
//! certificate). The system's roots decide by default. A server the user chose to trust is
//! pinned to its certificate's SHA-256 fingerprint: for that server only, the connection
//! trusts exactly that certificate (and no system root); a different certificate is refused,
//! naming both fingerprints. Never a global "ignore certificate errors".
//!
//! How: before connecting to a pinned server, a probe handshake reads the certificate the
//! server presents (verifying nothing, sending nothing); when its fingerprint is the pinned
//! one, the real connection is made with that certificate as its only root (host names not
//! checked: the pin is the identity). When a server's certificate is refused by the system,
//! the same probe tells the user its fingerprint, to trust it or not.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

use crate::error::{ClientError, Result};
use crate::url::ServerUrl;

/// A certificate's SHA-256 fingerprint, shown as 32 colon-separated hex pairs
/// (`AB:CD:…`), as `openssl x509 -fingerprint -sha256` prints it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Parses `AB:CD:…`, with or without colons, any case, with an optional `SHA256:` or
    /// `sha256 Fingerprint=` prefix.
    pub fn parse(raw: &str) -> Result<Self> {
        let bad = || ClientError::InvalidInput(format!("not a SHA-256 fingerprint (64 hex digits): {:?}", crate::room::clip(raw, 120)));
        let t = raw.trim();
        let t = t.rsplit_once('=').map_or(t, |(_, v)| v); // openssl's "sha256 Fingerprint=…"
        let t = t.strip_prefix("SHA256:").or_else(|| t.strip_prefix("sha256:")).unwrap_or(t);
        let hex: String = t.chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The pinned certificates of a client, per server.
#[derive(Clone, Default)]
pub(crate) struct Pins(Arc<Mutex<HashMap<ServerUrl, Fingerprint>>>);

impl Pins {
    pub(crate) fn set(&self, server: ServerUrl, fp: Option<Fingerprint>) {
        let mut pins = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match fp {
            Some(fp) => pins.insert(server, fp),
            None => pins.remove(&server),
        };
    }

    pub(crate) fn get(&self, server: &ServerUrl) -> Option<Fingerprint> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(server).copied()
    }
}

/// What a connection to `server` trusts: `None` for the system's roots, or a connector that
/// trusts only the pinned certificate (after a probe found the server presenting it).
pub(crate) async fn connector_for(server: &ServerUrl, pin: Option<Fingerprint>, timeout: Duration) -> Result<Option<native_tls::TlsConnector>> {
    let Some(pinned) = pin.filter(|_| server.is_tls()) else { return Ok(None) };
    let (der, presented) = probe(server, timeout).await?;
    if presented != pinned {
        return Err(ClientError::CertificateChanged { server: server.to_string(), pinned: pinned.to_string(), presented: presented.to_string() });
    }
    let cert = native_tls::Certificate::from_der(&der).map_err(|e| tls_error(server, e))?;
    let connector = native_tls::TlsConnector::builder()
        .disable_built_in_roots(true)
        .add_root_certificate(cert)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| tls_error(server, e))?;
    Ok(Some(connector))
}

/// After the system refused `server`'s certificate: the error that shows its fingerprint
/// (or the original error when the probe cannot read one).
pub(crate) async fn untrusted(server: &ServerUrl, detail: String, timeout: Duration) -> ClientError {
    match probe(server, timeout).await {
        Ok((_, fingerprint)) => ClientError::UntrustedCertificate { server: server.to_string(), fingerprint: fingerprint.to_string(), detail },
        Err(_) => ClientError::Tls { server: server.to_string(), detail },
    }
}

/// The certificate `server` presents (DER) and its fingerprint: a handshake that checks
/// nothing and sends nothing after it.
pub(crate) async fn probe(server: &ServerUrl, timeout: Duration) -> Result<(Vec<u8>, Fingerprint)> {
    let (host, port) = server.host_port().ok_or_else(|| ClientError::InvalidUrl { url: server.to_string(), reason: "no host".into() })?;
    let unreachable = |detail: String| ClientError::Unreachable { server: server.to_string(), detail };
    let work = async {
        let tcp = TcpStream::connect((host.as_str(), port)).await.map_err(|e| unreachable(e.to_string()))?;
        let look = native_tls::TlsConnector::builder()
            .danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true)
            .build()
            .map_err(|e| tls_error(server, e))?;
        let tls = tokio_native_tls::TlsConnector::from(look).connect(&host, tcp).await.map_err(|e| tls_error(server, e))?;
        let cert = tls.get_ref().peer_certificate().map_err(|e| tls_error(server, e))?;
        let der = cert.ok_or_else(|| tls_error(server, "the server presented no certificate"))?.to_der().map_err(|e| tls_error(server, e))?;
        let fp = Fingerprint::of(&der);
        Ok((der, fp))
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| ClientError::ConnectTimeout { server: server.to_string(), seconds: timeout.as_secs() })?
}

fn tls_error(server: &ServerUrl, e: impl fmt::Display) -> ClientError {
    ClientError::Tls { server: server.to_string(), detail: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_in_the_usual_spellings() {
        let colons = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        let fp = Fingerprint::parse(colons).unwrap();
        assert_eq!(fp.to_string(), colons);
        assert_eq!(Fingerprint::parse(&colons.replace(':', "").to_lowercase()).unwrap(), fp);
        assert_eq!(Fingerprint::parse(&format!("sha256 Fingerprint={colons}")).unwrap(), fp);
        assert_eq!(Fingerprint::parse(&format!("SHA256:{colons}")).unwrap(), fp);
        for bad in ["", "AB:CD", &colons.replace('A', "G"), &format!("{colons}:00")] {
            assert_eq!(Fingerprint::parse(bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        assert_eq!(Fingerprint::of(b"x"), Fingerprint::of(b"x"));
        assert_ne!(Fingerprint::of(b"x"), Fingerprint::of(b"y"));
    }
}
