//! What an HTTP-invoked function's answer becomes, as on the real engine: a 2xx JSON body is
//! the result (an empty one no result, anything else `invalid_response`); a 1xx or 3xx is a
//! success whose result is its body when that is JSON; a 4xx or 5xx is an error, the body's
//! `{"error":{"code","message"}}` when it has one, else `http_error` naming the status.

use iii_protocol::{ErrorBody, RawValue};
use serde_json::Value;

use super::client::Answer;
use crate::codec::Outcome;

/// The outcome of the invocation that got `answer`.
pub(super) fn outcome(answer: Answer) -> Outcome {
    let json = || serde_json::from_slice::<Box<RawValue>>(&answer.body);
    let status = answer.status;
    if status.is_success() {
        if answer.body.is_empty() {
            return Ok(None);
        }
        return json().map(Some).map_err(|e| {
            ErrorBody::new(
                "invalid_response",
                format!("the {status} answer is not JSON: {e}"),
            )
        });
    }
    if status.as_u16() < 400 {
        return Ok(json().ok());
    }
    let error = serde_json::from_slice::<Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("error").cloned());
    match error {
        Some(error) => {
            let text = |key: &str, default: &str| {
                error
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or(default)
                    .to_owned()
            };
            Err(ErrorBody::new(
                text("code", "http_error"),
                text("message", "HTTP request failed"),
            ))
        }
        None => Err(ErrorBody::new("http_error", format!("HTTP {status}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use bytes::Bytes;
    use http::StatusCode;

    use super::*;

    fn of(status: u16, body: &'static str) -> Outcome {
        outcome(Answer {
            status: StatusCode::from_u16(status).unwrap(),
            body: Bytes::from_static(body.as_bytes()),
        })
    }

    #[test]
    fn statuses_and_bodies_map_as_on_the_real_engine() {
        assert_eq!(
            of(200, r#"{"ok":true}"#).unwrap().unwrap().get(),
            r#"{"ok":true}"#
        );
        assert!(of(204, "").unwrap().is_none());
        assert_eq!(of(200, "not json").unwrap_err().code, "invalid_response");
        assert!(of(302, "<html>moved</html>").unwrap().is_none());
        assert_eq!(of(301, "[1]").unwrap().unwrap().get(), "[1]");
        let upstream = of(
            502,
            r#"{"error":{"code":"UPSTREAM","message":"gateway failed"}}"#,
        );
        let upstream = upstream.unwrap_err();
        assert_eq!(
            (upstream.code.as_str(), upstream.message.as_str()),
            ("UPSTREAM", "gateway failed")
        );
        let partial = of(500, r#"{"error":{}}"#).unwrap_err();
        assert_eq!(
            (partial.code.as_str(), partial.message.as_str()),
            ("http_error", "HTTP request failed")
        );
        let plain = of(400, "bad request").unwrap_err();
        assert_eq!(
            (plain.code.as_str(), plain.message.as_str()),
            ("http_error", "HTTP 400 Bad Request")
        );
    }
}
