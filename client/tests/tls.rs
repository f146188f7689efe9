//! Self-hosted https servers (client/src/tls.rs) against the real `banter-server` serving
//! HTTPS with a self-signed certificate made by `openssl`: the system refuses it with its
//! fingerprint, trusting that fingerprint (for that server only) joins, and a swapped
//! certificate is refused naming both fingerprints.

mod support;

use banter_client::{Client, ClientError, ClientEvent, Fingerprint, JoinOptions, ServerAccess, ServerKind};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_server_is_joined_by_trusting_its_fingerprint_and_a_swap_is_refused() {
    let (db, certs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fingerprint = self_signed(certs.path());
    let mut server = start_https(db.path(), certs.path(), 0);
    let url = format!("https://127.0.0.1:{}", server.port);
    let dir = tempfile::tempdir().unwrap();
    let (ann, mut ev) = Client::new(config(dir.path()));

    // Not trusted by the system: a clear error with the fingerprint to check.
    let e = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap_err();
    match &e {
        ClientError::UntrustedCertificate { fingerprint: shown, .. } => assert_eq!(*shown, fingerprint),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "untrusted_certificate");
    assert!(e.summary().contains(&fingerprint), "{}", e.summary());

    // Trusted for this server: joined, chatting, and account calls work too.
    let fp = Fingerprint::parse(&fingerprint).unwrap();
    ann.trust_certificate(&url, Some(fp)).unwrap();
    let info = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap();
    assert_eq!(info.kind, ServerKind::Banter);
    let id = ann.send(&url, "lobby", "over TLS").await.unwrap();
    wait_for(&mut ev, 10, |e| matches!(e, ClientEvent::Ack { id: a, .. } if *a == id)).await;
    let policy = ann.account_policy(&ServerAccess::new(&url)).await.unwrap();
    assert!(format!("{policy:?}").contains("Open"), "{policy:?}");
    // The pin is that server's only: the same certificate on another port is not trusted.
    let other = start_https(tempfile::tempdir().unwrap().path(), certs.path(), 0);
    let e = ann.join(JoinOptions::new(&format!("https://127.0.0.1:{}", other.port), "lobby", "ann")).await.unwrap_err();
    assert_eq!(e.code(), "untrusted_certificate");

    // The server comes back with another certificate: refused, naming both.
    let port = server.port;
    server.kill();
    let swapped = tempfile::tempdir().unwrap();
    let new_fingerprint = self_signed(swapped.path());
    let _server2 = start_https(db.path(), swapped.path(), port);
    let (e, _) = wait_for(&mut ev, 20, |e| matches!(e, ClientEvent::Reconnecting { reason, .. } if reason.contains("different certificate"))).await;
    let ClientEvent::Reconnecting { reason, .. } = e else { unreachable!() };
    assert!(reason.contains(&fingerprint) && reason.contains(&new_fingerprint), "{reason}");
    ann.close(&url, "lobby").await.unwrap();
    let e = ann.join(JoinOptions::new(&url, "lobby", "ann")).await.unwrap_err();
    match &e {
        ClientError::CertificateChanged { pinned, presented, .. } => assert_eq!((pinned.as_str(), presented.as_str()), (fingerprint.as_str(), new_fingerprint.as_str())),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "certificate_changed");
}

#[test]
fn trusting_is_for_https_servers_and_real_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _ev) = Client::new(config(dir.path()));
    let fp = Fingerprint::of(b"a certificate");
    assert_eq!(c.trust_certificate("http://127.0.0.1:3000", Some(fp)).unwrap_err().code(), "invalid_input");
    assert_eq!(c.trust_certificate("not a url at all", Some(fp)).unwrap_err().code(), "invalid_url");
    assert!(c.trust_certificate("https://chat.example.org", Some(fp)).is_ok());
    assert!(c.trust_certificate("https://chat.example.org", None).is_ok());
    assert_eq!(Fingerprint::parse("12:34").unwrap_err().code(), "invalid_input");
}
