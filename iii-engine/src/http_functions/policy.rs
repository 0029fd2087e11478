//! The URL policy of HTTP-invoked functions ([`UrlPolicy`]): which URLs a function may name,
//! and which addresses a request may go to.
//!
//! A URL is checked when its function is registered and again, resolved, for every request:
//! the engine connects to exactly the addresses it checked, so a name that resolves to a
//! public address at registration cannot reach a private one later (DNS rebinding).

use std::net::{IpAddr, SocketAddr};

use http::Uri;
use iii_protocol::ErrorBody;

use crate::config::UrlPolicy;

/// The error code of a URL the policy refuses, as the real engine names it.
const REFUSED: &str = "url_validation_failed";

/// A URL that passed the checks that need no DNS.
pub(super) struct Checked {
    pub(super) uri: Uri,
    /// Lower case, without the brackets of an IPv6 literal.
    pub(super) host: String,
    pub(super) port: u16,
}

/// Parses `url` and checks its scheme and host against `policy` (and, for a literal address,
/// the private-address block).
pub(super) fn check(policy: &UrlPolicy, url: &str) -> Result<Checked, ErrorBody> {
    let refused = |why: String| ErrorBody::new(REFUSED, why);
    let uri: Uri = url
        .parse()
        .map_err(|e| refused(format!("Invalid URL {url:?}: {e}")))?;
    let scheme = uri.scheme_str().unwrap_or("");
    let host = uri
        .host()
        .ok_or_else(|| refused(format!("Invalid URL {url:?}: no host")))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    match scheme {
        "https" => {
            return Err(refused(format!(
                "{url:?}: https:// URLs are not supported: iii-engine has no TLS client; \
                 point the function at an http:// URL (with security.require_https: false)"
            )));
        }
        "http" if policy.require_https => {
            return Err(refused(format!(
                "HTTPS is required (security.require_https) for {url:?}; iii-engine calls \
                 http:// URLs only, so set require_https: false to use HTTP functions"
            )));
        }
        "http" => {}
        other => {
            return Err(refused(format!(
                "Invalid URL {url:?}: scheme {other:?} is not http"
            )));
        }
    }
    if !policy.allows_host(&host) {
        return Err(refused(format!(
            "URL not in allowlist: host {host:?} matches none of security.url_allowlist {:?}",
            policy.url_allowlist
        )));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        blocked(policy, ip)?;
    }
    let port = uri.port_u16().unwrap_or(80);
    Ok(Checked { uri, host, port })
}

/// The addresses a request to `checked` may connect to: the host resolved now, every
/// address checked against the private-address block.
pub(super) async fn addresses(
    policy: &UrlPolicy,
    checked: &Checked,
) -> Result<Vec<SocketAddr>, ErrorBody> {
    if let Ok(ip) = checked.host.parse::<IpAddr>() {
        blocked(policy, ip)?;
        return Ok(vec![SocketAddr::new(ip, checked.port)]);
    }
    let resolved: Vec<SocketAddr> = tokio::net::lookup_host((checked.host.as_str(), checked.port))
        .await
        .map_err(|e| {
            ErrorBody::new(
                REFUSED,
                format!("DNS lookup failed for {:?}: {e}", checked.host),
            )
        })?
        .collect();
    if resolved.is_empty() {
        return Err(ErrorBody::new(
            REFUSED,
            format!("DNS lookup failed for {:?}: no address", checked.host),
        ));
    }
    // One private address is enough to refuse: which one a connection would take is not
    // the caller's to choose.
    for addr in &resolved {
        blocked(policy, addr.ip())?;
    }
    Ok(resolved)
}

fn blocked(policy: &UrlPolicy, ip: IpAddr) -> Result<(), ErrorBody> {
    if policy.block_private_ips && is_private(ip) {
        return Err(ErrorBody::new(
            REFUSED,
            format!(
                "Private IP blocked: {ip} is private, loopback or link-local \
                 (security.block_private_ips)"
            ),
        ));
    }
    Ok(())
}

/// The addresses the real engine's `block_private_ips` refuses, plus IPv4 addresses written
/// as IPv6 (`::ffff:127.0.0.1`), which reach the same hosts.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy(allow: &[&str], private: bool, https: bool) -> UrlPolicy {
        UrlPolicy {
            url_allowlist: allow.iter().map(|s| (*s).to_owned()).collect(),
            block_private_ips: private,
            require_https: https,
        }
    }

    fn refusal(policy: &UrlPolicy, url: &str) -> String {
        match check(policy, url) {
            Ok(_) => panic!("{url} accepted"),
            Err(e) => {
                assert_eq!(e.code, REFUSED);
                e.message
            }
        }
    }

    #[test]
    fn scheme_allow_list_and_literal_addresses_are_checked() {
        let open = policy(&["*"], false, false);
        let c = check(&open, "http://[::1]:8080/hook").unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 8080));
        assert_eq!(check(&open, "http://Example.COM/x").unwrap().port, 80);
        assert!(refusal(&open, "https://example.com").contains("no TLS client"));
        assert!(refusal(&open, "ftp://example.com").contains("not http"));
        assert!(refusal(&open, "not a url").starts_with("Invalid URL"));
        let strict = UrlPolicy::default();
        assert!(refusal(&strict, "http://example.com").starts_with("HTTPS is required"));
        let listed = policy(&["localhost", "127.0.0.1"], true, false);
        assert!(refusal(&listed, "http://10.0.0.1/").starts_with("URL not in allowlist"));
        assert!(refusal(&listed, "http://127.0.0.1:1/").starts_with("Private IP blocked"));
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn resolved_names_are_checked_too() {
        let blocking = policy(&["*"], true, false);
        let local = check(&blocking, "http://localhost:9/").unwrap();
        let err = addresses(&blocking, &local).await.unwrap_err();
        assert!(err.message.starts_with("Private IP blocked"), "{err:?}");
        let open = policy(&["*"], false, false);
        let addrs = addresses(&open, &local).await.unwrap();
        assert!(addrs.iter().all(|a| a.port() == 9 && a.ip().is_loopback()));
    }
}
