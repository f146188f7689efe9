//! Certificates of self-hosted `https://` servers (banter-client's `tls`): the errors that
//! show a certificate's fingerprint to the join form, and `trust_certificate`, which pins one
//! for one server only. Never a global "ignore certificate errors".
//!
//! Replacing a pinned certificate (after `certificate_changed`) is allowed only when the
//! request names the fingerprint trusted until now: the user saw the warning with both, and a
//! page holding a stale error cannot swap a pin behind their back.

use banter_client::{ClientError, Fingerprint, ServerUrl};
use tauri::State;

use crate::error::{CertificateProblem, CmdResult, CommandError, ErrorCode};
use crate::ipc::TrustRequest;
use crate::pins::Pins;
use crate::state::{server_key, AppState};

/// The join form's error for a certificate the system refuses, or one that changed; `None`
/// for any other error.
pub(crate) fn certificate_error(e: &ClientError) -> Option<CommandError> {
    let (code, server, fingerprint, pinned) = match e {
        ClientError::UntrustedCertificate { server, fingerprint, .. } => (ErrorCode::UntrustedCertificate, server, fingerprint, None),
        ClientError::CertificateChanged { server, pinned, presented } => (ErrorCode::CertificateChanged, server, presented, Some(pinned)),
        _ => return None,
    };
    let host = host_of(server);
    let message = match pinned {
        None => format!(
            "The certificate of {host} is not trusted by this computer (it is self-signed or from a private authority). \
             Its SHA-256 fingerprint is {fingerprint}. Trust it only if the server's owner gave you this same fingerprint."
        ),
        Some(pinned) => format!(
            "{host} presented a different certificate than the one you trusted, so Banter did not connect. \
             Trusted: {pinned}. Presented now: {fingerprint}. Someone may be intercepting the connection, \
             or the server's certificate was replaced: ask the server's owner which fingerprint is right."
        ),
    };
    tracing::info!(%server, code = e.code(), "certificate not trusted: shown to the user with its fingerprints");
    Some(CommandError {
        code,
        message,
        certificate: Some(CertificateProblem {
            server: server.clone(),
            host,
            fingerprint: fingerprint.clone(),
            pinned: pinned.cloned(),
        }),
    })
}

/// `host:port` of a normalised server URL.
fn host_of(server: &str) -> String {
    ServerUrl::parse(server)
        .ok()
        .and_then(|u| u.host_port())
        .map(|(h, p)| if h.contains(':') { format!("[{h}]:{p}") } else { format!("{h}:{p}") })
        .unwrap_or_else(|| server.to_owned())
}

/// What a trust request means, once checked: the server and the fingerprint to pin.
fn checked(request: &TrustRequest, current: impl Fn(&ServerUrl) -> Option<Fingerprint>) -> CmdResult<(ServerUrl, Fingerprint)> {
    let server = server_key(&request.server)?;
    if !server.is_tls() {
        return Err(CommandError::invalid(format!("{server} is not an https:// server: there is no certificate to trust.")));
    }
    let fp = Fingerprint::parse(&request.fingerprint).map_err(|_| CommandError::invalid("That is not a SHA-256 fingerprint (64 hex digits)."))?;
    let replaces = request.replaces.as_deref().map(Fingerprint::parse).transpose().map_err(|_| CommandError::invalid("The fingerprint to replace is not a SHA-256 fingerprint."))?;
    match current(&server) {
        Some(pinned) if pinned != fp && replaces != Some(pinned) => Err(CommandError::new(
            ErrorCode::CertificateChanged,
            format!("Another certificate ({pinned}) is trusted for {}: replacing it needs the warning that names both.", host_of(server.as_str())),
        )),
        _ => Ok((server, fp)),
    }
}

/// Trusts the certificate with this fingerprint for this server only (kept across restarts);
/// the page then joins again.
#[tauri::command]
pub(crate) async fn trust_certificate(state: State<'_, AppState>, pins: State<'_, Pins>, request: TrustRequest) -> CmdResult<()> {
    let (server, fp) = checked(&request, |s| pins.get(s))?;
    state.client.trust_certificate(server.as_str(), Some(fp)).map_err(crate::core::map_err)?;
    pins.set(server.clone(), fp)?;
    tracing::info!(server = %server, fingerprint = %fp, replaced = request.replaces.is_some(), "certificate trusted for this server");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
    const B: &str = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

    fn req(server: &str, fp: &str, replaces: Option<&str>) -> TrustRequest {
        TrustRequest { server: server.into(), fingerprint: fp.into(), replaces: replaces.map(Into::into) }
    }

    #[test]
    fn trust_requests_are_checked() {
        let none = |_: &ServerUrl| None;
        let (s, fp) = checked(&req("https://chat.example:8443", &A.to_lowercase().replace(':', ""), None), none).unwrap();
        assert_eq!((s.as_str(), fp.to_string().as_str()), ("https://chat.example:8443", A));
        for bad in [req("http://chat.example", A, None), req("https://chat.example", "AB:CD", None), req("ftp://x", A, None), req("https://u:p@x", A, None)] {
            assert_eq!(checked(&bad, none).unwrap_err().code, ErrorCode::Invalid, "{:?}", bad.server);
        }
        let pinned_a = |_: &ServerUrl| Fingerprint::parse(A).ok();
        assert!(checked(&req("https://x.example", A, None), pinned_a).is_ok(), "the same pin again");
        assert_eq!(checked(&req("https://x.example", B, None), pinned_a).unwrap_err().code, ErrorCode::CertificateChanged);
        assert_eq!(checked(&req("https://x.example", B, Some(B)), pinned_a).unwrap_err().code, ErrorCode::CertificateChanged);
        assert!(checked(&req("https://x.example", B, Some(A)), pinned_a).is_ok(), "an explicit replacement");
    }

    #[test]
    fn certificate_errors_carry_the_fingerprints() {
        let e = certificate_error(&ClientError::UntrustedCertificate { server: "https://127.0.0.1:8443".into(), fingerprint: A.into(), detail: "x".into() }).unwrap();
        assert_eq!(e.code, ErrorCode::UntrustedCertificate);
        assert!(e.message.contains(A) && e.message.contains("127.0.0.1:8443"), "{}", e.message);
        let c = e.certificate.unwrap();
        assert_eq!((c.host.as_str(), c.fingerprint.as_str(), c.pinned), ("127.0.0.1:8443", A, None));
        let e = certificate_error(&ClientError::CertificateChanged { server: "https://h.example".into(), pinned: A.into(), presented: B.into() }).unwrap();
        assert_eq!(e.code, ErrorCode::CertificateChanged);
        assert!(e.message.contains(A) && e.message.contains(B));
        let c = e.certificate.unwrap();
        assert_eq!((c.host.as_str(), c.fingerprint.as_str(), c.pinned.as_deref()), ("h.example:443", B, Some(A)));
        let json = serde_json::to_value(certificate_error(&ClientError::CertificateChanged { server: "https://h.example".into(), pinned: A.into(), presented: B.into() }).unwrap()).unwrap();
        assert_eq!(json["code"], "certificate_changed");
        assert_eq!(json["certificate"]["pinned"], A);
        assert!(certificate_error(&ClientError::WrongLogin).is_none());
    }
}
