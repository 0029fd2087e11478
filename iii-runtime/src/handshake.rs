//! [`Handshake`]: what the WebSocket upgrade to the engine carries besides the URL — extra
//! headers, a bearer token, and for `wss://` the certificates trusted — so that an engine
//! behind access control or a proxy can authenticate the worker before it sends a frame.

/// Environment variable holding the bearer token sent on the WebSocket upgrade.
pub const ENV_TOKEN: &str = "III_TOKEN";

/// What the WebSocket upgrade carries besides the URL.
///
/// The token goes out as `Authorization: Bearer <token>`; use a `wss://` URL (feature `tls`)
/// so that it does not cross the network in clear. `Debug` shows header names only.
///
/// ```
/// let handshake = iii::Handshake::default()
///     .header("x-tenant", "acme")
///     .token("s3cret");
/// assert!(!format!("{handshake:?}").contains("s3cret"));
/// ```
#[derive(Clone, Default)]
pub struct Handshake {
    /// Headers added to the upgrade request, in order.
    pub headers: Vec<(String, String)>,
    /// Bearer token (default: `III_TOKEN`).
    pub token: Option<String>,
    /// DER-encoded certificates trusted for `wss://` besides the WebPKI roots, e.g. a
    /// private CA's.
    #[cfg(feature = "tls")]
    pub root_certificates: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        let mut d = f.debug_struct("Handshake");
        d.field("headers", &names)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"));
        #[cfg(feature = "tls")]
        d.field("root_certificates", &self.root_certificates.len());
        d.finish()
    }
}

impl Handshake {
    /// Adds a header to the upgrade request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the bearer token.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Trusts a DER-encoded certificate for `wss://` (feature `tls`).
    #[cfg(feature = "tls")]
    #[must_use]
    pub fn root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// The TLS client configuration for `wss://`: the WebPKI roots and the given ones.
    ///
    /// # Errors
    /// A sentence naming what is wrong with a given certificate.
    #[cfg(feature = "tls")]
    pub(crate) fn tls_config(
        &self,
    ) -> std::result::Result<std::sync::Arc<rustls::ClientConfig>, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for (i, der) in self.root_certificates.iter().enumerate() {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| format!("handshake root certificate #{i} is not usable: {e}"))?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup failed: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(std::sync::Arc::new(config))
    }

    /// The headers to add, the token's `Authorization` first.
    ///
    /// # Errors
    /// A sentence naming the header that is not a valid HTTP header.
    pub(crate) fn http_headers(
        &self,
    ) -> std::result::Result<Vec<(http::HeaderName, http::HeaderValue)>, String> {
        let mut out = Vec::with_capacity(self.headers.len() + 1);
        if let Some(token) = &self.token {
            let mut value = http::HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                .map_err(|_| {
                    "the bearer token (III_TOKEN) is not a valid header value".to_owned()
                })?;
            value.set_sensitive(true);
            out.push((http::header::AUTHORIZATION, value));
        }
        for (name, value) in &self.headers {
            let name_ = http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                format!("handshake header name `{name}` is not a valid header name")
            })?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                format!("handshake header `{name}` has a value that is not a valid header value")
            })?;
            out.push((name_, value));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_becomes_a_sensitive_bearer_header_first() {
        let h = Handshake::default()
            .header("X-Tenant", "acme")
            .token(" t0k ");
        let headers = h.http_headers().expect("valid");
        assert_eq!(headers[0].0, http::header::AUTHORIZATION);
        assert_eq!(headers[0].1, "Bearer t0k");
        assert!(headers[0].1.is_sensitive());
        assert_eq!(headers[1].0.as_str(), "x-tenant");
        assert!(!format!("{h:?}").contains("t0k"));
    }

    #[test]
    fn bad_headers_are_named() {
        let e = Handshake::default()
            .header("bad name", "x")
            .http_headers()
            .expect_err("bad name");
        assert!(e.contains("bad name"), "{e}");
        let e = Handshake::default()
            .header("x-ok", "line\nbreak")
            .http_headers()
            .expect_err("bad value");
        assert!(e.contains("x-ok"), "{e}");
        assert!(Handshake::default().token("a\nb").http_headers().is_err());
    }
}
