//! Reading a request body: bounded in size
//! ([`EngineConfig::max_body_bytes`](crate::EngineConfig::max_body_bytes), `413`) and in time
//! ([`EngineConfig::http_body_timeout`](crate::EngineConfig::http_body_timeout), `408`).
//!
//! It happens before the request takes a place under the concurrency limit: a client that
//! sends its body slowly (or stops half-way) holds no place that other requests need, and is
//! cut off by the body deadline rather than by the request timeout.

use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use iii_protocol::codes;

use super::envelope::{self, Resp};
use crate::config::EngineConfig;

/// Why a body was refused.
pub(crate) enum Refused {
    /// Over the size limit (`413`).
    TooLarge,
    /// Still arriving at the deadline (`408`).
    TooSlow(Duration),
    /// The connection failed while it arrived (`400`).
    Unreadable,
}

impl Refused {
    /// The answer to the client.
    pub(crate) fn answer(&self, config: &EngineConfig) -> Resp {
        match self {
            Self::TooLarge => envelope::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::PAYLOAD_TOO_LARGE,
                &format!("request body exceeds {} bytes", config.max_body_bytes),
            ),
            Self::TooSlow(deadline) => envelope::error(
                StatusCode::REQUEST_TIMEOUT,
                codes::REQUEST_TIMEOUT,
                &format!("the request body did not arrive within {deadline:?}"),
            ),
            Self::Unreadable => envelope::error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                "unreadable body",
            ),
        }
    }
}

/// The whole body, unless it is refused.
pub(crate) async fn read(body: Incoming, config: &EngineConfig) -> Result<Bytes, Refused> {
    let deadline = config.http_body_timeout.min(config.http_timeout);
    let collected = Limited::new(body, config.max_body_bytes).collect();
    match tokio::time::timeout(deadline, collected).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(Refused::TooLarge),
        Ok(Err(e)) => {
            tracing::debug!("reading request body: {e}");
            Err(Refused::Unreadable)
        }
        Err(_) => {
            tracing::debug!("request body did not arrive within {deadline:?}");
            Err(Refused::TooSlow(deadline))
        }
    }
}
