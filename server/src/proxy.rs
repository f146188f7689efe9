//! The client's address when banter-server runs behind a reverse proxy or load balancer
//! (HAProxy in front of several nodes): every connection then comes from the proxy, so the
//! per-address limits (sign-in attempts, new rooms) would count all clients as one. For a
//! peer named by `--trusted-proxy`, the client is the nearest untrusted address of its
//! `X-Forwarded-For` (HAProxy's `option forwardfor`); any other peer is the client itself,
//! whatever header it sends.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The client's address: `peer`, or for a trusted proxy the last `X-Forwarded-For` entry
/// that is not itself a trusted proxy.
pub fn client_addr(trusted: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    let hops: Vec<IpAddr> = forwarded.filter_map(|a| a.trim().parse().ok()).collect();
    hops.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const PROXY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_addr(&[PROXY], peer, &headers(&["198.51.100.1"])), peer);
        assert_eq!(client_addr(&[], peer, &headers(&["198.51.100.1"])), peer);
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_spoofed_hops_before_it_are_ignored() {
        // the client claimed 1.2.3.4 itself; the proxy appended the address it saw
        let h = headers(&["1.2.3.4, 198.51.100.7"]);
        assert_eq!(client_addr(&[PROXY], PROXY, &h), "198.51.100.7".parse::<IpAddr>().unwrap());
        // two trusted proxies in a row
        let inner: IpAddr = "10.0.0.2".parse().unwrap();
        let h = headers(&["198.51.100.7", "10.0.0.2"]);
        assert_eq!(client_addr(&[PROXY, inner], PROXY, &h), "198.51.100.7".parse::<IpAddr>().unwrap());
        // no header, or garbage: the proxy itself
        assert_eq!(client_addr(&[PROXY], PROXY, &headers(&[])), PROXY);
        assert_eq!(client_addr(&[PROXY], PROXY, &headers(&["not an address"])), PROXY);
    }
}
