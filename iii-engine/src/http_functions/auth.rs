//! How the engine authenticates the requests of an HTTP-invoked function: the secret read
//! from the environment variable the registration names (once, at registration, as the real
//! engine does), and the header it becomes on each request.
//!
//! The HMAC signature is the real engine's: `x-iii-Signature: sha256=<lower-case hex>` of
//! HMAC-SHA256, keyed with the secret, over `"<x-iii-Timestamp>:<standard base64 of the
//! body>"`, so that a receiver checks both the body and its freshness.

use data_encoding::{BASE64, HEXLOWER};
use hmac::{Hmac, Mac};
use http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use iii_protocol::ErrorBody;
use iii_protocol::http_function::HttpAuth;
use sha2::Sha256;

/// The signature header.
const SIGNATURE: HeaderName = HeaderName::from_static("x-iii-signature");

/// A registration's authentication, its secret resolved.
pub(super) enum Auth {
    /// The shared secret of the HMAC signature.
    Hmac(Vec<u8>),
    /// The `authorization` header, `Bearer <token>`.
    Bearer(HeaderValue),
    /// An API key header.
    ApiKey(HeaderName, HeaderValue),
}

impl Auth {
    /// Reads the secret `auth` names through `var` (the process environment in the engine).
    /// A missing variable is refused with the real engine's code and words.
    pub(super) fn resolve(
        auth: &HttpAuth,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ErrorBody> {
        let read = |name: &str, code: &str, what: &str| {
            var(name).ok_or_else(|| {
                ErrorBody::new(
                    code,
                    format!("{what} not found: {name} (set it in the engine's environment)"),
                )
            })
        };
        let value = |text: String, name: &str| {
            HeaderValue::try_from(text).map_err(|_| {
                ErrorBody::new(
                    "invalid_auth",
                    format!("the value of {name} cannot be sent in an HTTP header"),
                )
            })
        };
        Ok(match auth {
            HttpAuth::Hmac { secret_key } => {
                Self::Hmac(read(secret_key, "secret_not_found", "Secret")?.into_bytes())
            }
            HttpAuth::Bearer { token_key } => {
                let token = read(token_key, "token_not_found", "Token")?;
                Self::Bearer(value(format!("Bearer {token}"), token_key)?)
            }
            HttpAuth::ApiKey { header, value_key } => {
                let key = read(value_key, "api_key_not_found", "API key")?;
                let name = HeaderName::try_from(header.as_str()).map_err(|_| {
                    ErrorBody::new(
                        "invalid_auth",
                        format!("{header:?} is not an HTTP header name"),
                    )
                })?;
                Self::ApiKey(name, value(key, value_key)?)
            }
        })
    }

    /// Adds the request's authentication to `headers`.
    pub(super) fn apply(&self, headers: &mut HeaderMap, timestamp: u64, body: &[u8]) {
        match self {
            Self::Hmac(secret) => {
                let signature = sign(secret, timestamp, body);
                if let Ok(v) = HeaderValue::try_from(signature) {
                    headers.insert(SIGNATURE, v);
                }
            }
            Self::Bearer(v) => {
                headers.insert(AUTHORIZATION, v.clone());
            }
            Self::ApiKey(name, v) => {
                headers.insert(name.clone(), v.clone());
            }
        }
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, `"<timestamp>:<base64(body)>"`).
pub(super) fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    // An HMAC key may have any length, so `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(format!("{timestamp}:{}", BASE64.encode(body)).as_bytes());
    format!("sha256={}", HEXLOWER.encode(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_and_base64_body() {
        // Expected value computed independently with Python's `hmac` and `base64` modules.
        assert_eq!(
            sign(b"Jefe", 1_700_000_000, br#"{"hello":"world"}"#),
            "sha256=3b53a869889e26daf56bd8a107731ac169ae49f19b5639681ce6a955314c4a71"
        );
    }

    #[test]
    fn secrets_come_from_the_named_variables() {
        let env = |name: &str| (name == "SET").then(|| "s3cret".to_owned());
        let mut headers = HeaderMap::new();
        Auth::resolve(&HttpAuth::bearer("SET"), env)
            .map(|a| a.apply(&mut headers, 0, b""))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(headers[AUTHORIZATION], "Bearer s3cret");
        Auth::resolve(&HttpAuth::api_key("X-Key", "SET"), env)
            .map(|a| a.apply(&mut headers, 0, b""))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(headers["x-key"], "s3cret");
        for (auth, code) in [
            (HttpAuth::hmac("UNSET"), "secret_not_found"),
            (HttpAuth::bearer("UNSET"), "token_not_found"),
            (HttpAuth::api_key("X-Key", "UNSET"), "api_key_not_found"),
            (HttpAuth::api_key("bad header", "SET"), "invalid_auth"),
        ] {
            match Auth::resolve(&auth, env) {
                Ok(_) => panic!("{auth:?} resolved"),
                Err(e) => assert_eq!(e.code, code, "{auth:?}"),
            }
        }
    }
}
