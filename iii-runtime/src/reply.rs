//! [`Reply`]: what a handler produced, before the runtime encodes it for the wire, and how an
//! `http::Response<T>` a handler returns becomes one.

use std::collections::HashMap;

use iii_protocol::RawValue;
use serde::Serialize;

use crate::error::Result;

/// What a handler produced, before the runtime encodes it for the wire.
#[derive(Debug)]
pub enum Reply {
    /// A JSON value.
    Json(Box<RawValue>),
    /// An HTTP response with a status, headers and a JSON body.
    Http {
        /// Status code.
        status: u16,
        /// Headers.
        headers: HashMap<String, String>,
        /// Body.
        body: Box<RawValue>,
    },
    /// The response is being streamed through the HTTP request's response channel; the
    /// result on the wire is `null`, which tells the engine to stream it.
    Streamed {
        /// The status the response's head was sent with (for the request log and spans).
        status: u16,
    },
}

/// Encodes a handler's `http::Response<T>`: its status, its headers (several values of one
/// name are joined with `, `; values that are not UTF-8 are dropped) and its JSON body.
///
/// When the function was called directly rather than through HTTP, the caller receives the
/// body alone.
///
/// # Errors
/// [`Error::Serialize`](crate::Error::Serialize) when the body does not serialize.
pub fn http_reply<T: Serialize>(response: http::Response<T>) -> Result<Reply> {
    let (parts, body) = response.into_parts();
    Ok(Reply::Http {
        status: parts.status.as_u16(),
        headers: flat_headers(&parts.headers),
        body: serde_json::value::to_raw_value(&body)?,
    })
}

/// The headers as one string per name (several values joined with `, `, values that are not
/// UTF-8 dropped).
pub(crate) fn flat_headers(map: &http::HeaderMap) -> HashMap<String, String> {
    let mut headers: HashMap<String, String> = HashMap::new();
    for (name, value) in map {
        let Ok(value) = value.to_str() else { continue };
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_headers_and_body() {
        let response = http::Response::builder()
            .status(201)
            .header("x-id", "7")
            .header("vary", "a")
            .header("vary", "b")
            .body(serde_json::json!({"ok": true}))
            .expect("response");
        match http_reply(response).expect("reply") {
            Reply::Http {
                status,
                headers,
                body,
            } => {
                assert_eq!(status, 201);
                assert_eq!(headers["x-id"], "7");
                assert_eq!(headers["vary"], "a, b");
                assert_eq!(body.get(), r#"{"ok":true}"#);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
