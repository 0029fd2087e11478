//! The DNS-rebinding guard: while the HTTP port is bound to a loopback address, a request must
//! name this machine in its `Host` header (`localhost`, a `*.localhost` name or an IP address).
//! A web page cannot make its browser send that to another site's name, so a page whose own
//! name an attacker points at 127.0.0.1 gets `403` instead of the local routes.
//! [`EngineConfig::allow_any_host`](crate::EngineConfig::allow_any_host) turns it off.

use std::net::IpAddr;

use http::StatusCode;
use http::header::{self, HeaderMap};
use iii_protocol::codes;

use super::envelope::{self, Resp};
use crate::config::EngineConfig;

/// Whether the guard lets a request with these headers through.
pub(crate) fn host_allowed(config: &EngineConfig, headers: &HeaderMap) -> bool {
    // The HTTP listener's own address, which a config file may set apart from the workers'.
    if config.allow_any_host || !config.http_bind_host().is_loopback() {
        return true;
    }
    // HTTP/1.0 clients may send none; browsers always do.
    let Some(host) = headers.get(header::HOST) else {
        return true;
    };
    if host.to_str().is_ok_and(is_local) {
        return true;
    }
    tracing::warn!("HTTP request for host {host:?} refused (DNS-rebinding guard)");
    false
}

/// The `403` answer to a request the guard refused.
pub(crate) fn refused() -> Resp {
    envelope::error(
        StatusCode::FORBIDDEN,
        codes::FORBIDDEN,
        "this engine serves localhost only (see --allow-any-host)",
    )
}

/// Whether a `Host` value names this machine in a way no other site's name can.
fn is_local(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[v6]` or `[v6]:port`.
        Some(rest) => {
            return rest
                .split_once(']')
                .is_some_and(|(ip, _)| ip.parse::<IpAddr>().is_ok());
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    // Compared without a lower-cased copy: the guard runs on every request.
    let name = name.trim_end_matches('.').as_bytes();
    let suffix = b".localhost";
    name.eq_ignore_ascii_case(b"localhost")
        || (name.len() >= suffix.len()
            && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix))
        || std::str::from_utf8(name).is_ok_and(|n| n.parse::<IpAddr>().is_ok())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use http::HeaderValue;

    use super::*;

    #[test]
    fn the_guard_follows_the_http_listeners_address() {
        let foreign =
            HeaderMap::from_iter([(header::HOST, HeaderValue::from_static("evil.example"))]);
        let (loopback, any) = (
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        );
        let with = |host, http_host| EngineConfig {
            host,
            http_host,
            ..EngineConfig::default()
        };
        assert!(!host_allowed(&with(loopback, None), &foreign));
        assert!(host_allowed(&with(any, None), &foreign));
        assert!(
            host_allowed(&with(loopback, Some(any)), &foreign),
            "HTTP bound to every interface while the worker port stays local"
        );
        assert!(
            !host_allowed(&with(any, Some(loopback)), &foreign),
            "HTTP bound to loopback while the worker port is open"
        );
    }

    #[test]
    fn local_names_and_addresses_only() {
        for ok in [
            "localhost",
            "localhost:3111",
            "LOCALHOST.",
            "app.localhost:80",
            ".localhost",
            "App.LocalHost",
            "127.0.0.1",
            "127.0.0.1:3111",
            "10.1.2.3",
            "[::1]",
            "[::1]:3111",
        ] {
            assert!(is_local(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:3111",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "[::1",
            "[evil]:80",
            "",
        ] {
            assert!(!is_local(bad), "{bad}");
        }
    }
}
