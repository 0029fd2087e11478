//! HTTP-invoked functions: the `invocation` of a `registerfunction` frame, which makes the
//! engine call a URL itself (a Lambda, a Cloudflare Worker, any HTTP endpoint) instead of a
//! worker. Secrets are never on the wire: `auth` names environment variables of the engine.
//!
//! ```
//! use iii_protocol::http_function::{HttpAuth, HttpInvocation, HttpMethod};
//!
//! let invocation = HttpInvocation::new("https://api.example.com/orders")
//!     .method(HttpMethod::Put)
//!     .timeout_ms(5_000)
//!     .header("x-team", "billing")
//!     .auth(HttpAuth::hmac("ORDERS_SECRET"));
//! let json = serde_json::to_value(&invocation).unwrap();
//! assert_eq!(json["method"], "PUT");
//! assert_eq!(json["auth"], serde_json::json!({"type": "hmac", "secret_key": "ORDERS_SECRET"}));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where and how the engine calls an HTTP-invoked function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpInvocation {
    /// The URL the engine sends each invocation's payload to.
    pub url: String,
    /// The request method (default `POST`).
    #[serde(default)]
    pub method: HttpMethod,
    /// How long one request may take, in milliseconds (engine default 30 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// Headers added to every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    /// How the engine authenticates its requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<HttpAuth>,
}

impl HttpInvocation {
    /// A `POST` to `url`, without extra headers or authentication.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: HttpMethod::default(),
            timeout_ms: None,
            headers: None,
            auth: None,
        }
    }

    /// Sets the method.
    #[must_use]
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets the timeout of one request, in milliseconds.
    #[must_use]
    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// Adds a header to every request.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .get_or_insert_default()
            .insert(name.into(), value.into());
        self
    }

    /// Sets how requests are authenticated.
    #[must_use]
    pub fn auth(mut self, auth: HttpAuth) -> Self {
        self.auth = Some(auth);
        self
    }
}

/// The methods an HTTP-invoked function may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET` (the payload is still sent as the body).
    #[serde(alias = "get")]
    Get,
    /// `POST`, the default.
    #[default]
    #[serde(alias = "post")]
    Post,
    /// `PUT`.
    #[serde(alias = "put")]
    Put,
    /// `PATCH`.
    #[serde(alias = "patch")]
    Patch,
    /// `DELETE`.
    #[serde(alias = "delete")]
    Delete,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// How the engine authenticates the requests of an HTTP-invoked function. Each `*_key` names
/// an environment variable of the engine that holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HttpAuth {
    /// An `x-iii-Signature: sha256=<hex>` header: HMAC-SHA256, keyed with the secret, of
    /// `"<x-iii-Timestamp>:<base64 of the body>"`.
    Hmac {
        /// The variable holding the shared secret.
        secret_key: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The variable holding the token.
        token_key: String,
    },
    /// `<header>: <value>`.
    ApiKey {
        /// The header that carries the key.
        header: String,
        /// The variable holding the key.
        value_key: String,
    },
}

impl HttpAuth {
    /// HMAC signatures with the secret in environment variable `secret_key`.
    pub fn hmac(secret_key: impl Into<String>) -> Self {
        Self::Hmac {
            secret_key: secret_key.into(),
        }
    }

    /// A bearer token from environment variable `token_key`.
    pub fn bearer(token_key: impl Into<String>) -> Self {
        Self::Bearer {
            token_key: token_key.into(),
        }
    }

    /// An API key in `header`, from environment variable `value_key`.
    pub fn api_key(header: impl Into<String>, value_key: impl Into<String>) -> Self {
        Self::ApiKey {
            header: header.into(),
            value_key: value_key.into(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_what_the_official_sdks_send() {
        let sent = json!({"url": "http://127.0.0.1:9/hook", "method": "PUT", "timeout_ms": 3000,
                          "headers": {"X-Custom-Header": "test-value"},
                          "auth": {"type": "api_key", "header": "X-Key", "value_key": "KEY"}});
        let invocation: HttpInvocation = serde_json::from_value(sent).unwrap();
        assert_eq!(invocation.method, HttpMethod::Put);
        assert_eq!(invocation.timeout_ms, Some(3000));
        assert_eq!(invocation.auth, Some(HttpAuth::api_key("X-Key", "KEY")));
        let minimal: HttpInvocation =
            serde_json::from_value(json!({"url": "u", "headers": null, "auth": null})).unwrap();
        assert_eq!(minimal, HttpInvocation::new("u"));
        assert_eq!(
            serde_json::to_value(&minimal).unwrap(),
            json!({"url": "u", "method": "POST"})
        );
    }

    #[test]
    fn writes_the_engine_s_spelling() {
        let invocation = HttpInvocation::new("u")
            .method(HttpMethod::Delete)
            .header("a", "1")
            .auth(HttpAuth::bearer("TOKEN"));
        assert_eq!(
            serde_json::to_value(&invocation).unwrap(),
            json!({"url": "u", "method": "DELETE", "headers": {"a": "1"},
                   "auth": {"type": "bearer", "token_key": "TOKEN"}})
        );
    }
}
