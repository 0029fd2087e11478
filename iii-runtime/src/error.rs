//! The runtime's one error type, [`Error`], and its stable wire codes.

use std::time::Duration;

use iii_protocol::ErrorBody;
use iii_protocol::codes;

use crate::status::Refusal;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result<T, iii::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a worker: in a handler, in a call to another function, or
/// with the connection.
///
/// Each variant has a stable [`code`](Error::code) that travels on the wire as
/// `ErrorBody.code`, and an HTTP [`status`](Error::status) used when an HTTP trigger fired the
/// handler that returned it:
///
/// | variant | code | HTTP status |
/// |---|---|---|
/// | [`InvalidInput`](Error::InvalidInput) | `invalid_input` | 400 |
/// | [`Handler`](Error::Handler) | chosen by the handler (default `invocation_failed`) | chosen (default 500) |
/// | [`Remote`](Error::Remote) | the remote code | 500 |
/// | [`Timeout`](Error::Timeout) | `timeout` | 504 |
/// | [`ConnectionLost`](Error::ConnectionLost) | `connection_lost` | 503 |
/// | [`Shutdown`](Error::Shutdown) | `shutdown` | 503 |
/// | [`Connect`](Error::Connect) | `connect_failed` | 503 |
/// | [`Serialize`](Error::Serialize) | `serialization_error` | 500 |
/// | [`Registration`](Error::Registration) | `registration_failed` | 500 |
/// | [`Panic`](Error::Panic) | `invocation_failed` | 500 |
/// | [`UnexpectedResponse`](Error::UnexpectedResponse) | `unexpected_response` | 502 |
/// | [`Refused`](Error::Refused) | `registration_refused` | 500 |
///
/// Its `Debug` form is its message, so that `fn main() -> iii::Result<()>` prints a failure
/// readably.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input did not deserialize into the handler's input type.
    #[error("invalid input{}: {message}", path.as_deref().map(|p| format!(" at `{p}`")).unwrap_or_default())]
    InvalidInput {
        /// What is wrong.
        message: String,
        /// Where in the input, as a serde path (`items[2].name`), when known.
        path: Option<String>,
    },
    /// An error a handler returned.
    #[error("{message}")]
    Handler {
        /// Stable code sent on the wire.
        code: String,
        /// HTTP status when an HTTP trigger fired the handler.
        status: u16,
        /// Human-readable message.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// A called function answered with an error.
    #[error("`{function_id}` failed: {body}")]
    Remote {
        /// The function that was called.
        function_id: String,
        /// The error it answered with.
        body: ErrorBody,
    },
    /// A call got no answer in time.
    #[error("`{function_id}` did not answer within {after:?}")]
    Timeout {
        /// The function that was called.
        function_id: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The connection to the engine dropped while a call was pending.
    #[error("the connection to the engine was lost while calling `{function_id}`")]
    ConnectionLost {
        /// The function that was called.
        function_id: String,
    },
    /// The worker is shutting down or was disconnected.
    #[error("the worker is shut down")]
    Shutdown,
    /// The engine could not be reached.
    #[error("could not connect to the engine at {url}: {source}")]
    Connect {
        /// The engine URL.
        url: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// A value could not be serialized to or deserialized from JSON.
    #[error("serialization error: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The worker's registrations are inconsistent (duplicate ids or routes, bad trigger).
    #[error("{0}")]
    Registration(String),
    /// A handler panicked; the worker keeps serving.
    #[error("handler panicked: {0}")]
    Panic(String),
    /// An engine function answered with a value of a shape its typed client does not expect
    /// (for example `state::get` returning a value that is not the type asked for).
    #[error("unexpected answer from `{function_id}`: {message}")]
    UnexpectedResponse {
        /// The function that answered.
        function_id: String,
        /// What did not fit, with the field path when known.
        message: String,
    },
    /// The engine refused functions of this worker because other live workers hold them
    /// (another copy of the same program, usually). The worker serves its other functions.
    #[error("{}", refused_message(.0))]
    Refused(Vec<Refusal>),
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self} (code {})", self.code())
    }
}

fn refused_message(refusals: &[Refusal]) -> String {
    let list: Vec<String> = refusals.iter().map(|r| format!("\n  - {r}")).collect();
    format!(
        "the engine refused {} function(s) of this worker because another live worker holds them:{}\n\
         help: stop the other worker first, or run this one as a standby that takes over when it goes away \
         (`III_STANDBY=1`, `App::standby(true)` or `WorkerConfig::standby`)",
        refusals.len(),
        list.concat()
    )
}

impl Error {
    /// A handler error with a code, an HTTP status and a message.
    pub fn new(code: impl Into<String>, status: u16, message: impl Into<String>) -> Self {
        Self::Handler {
            code: code.into(),
            status,
            message: message.into(),
            source: None,
        }
    }

    /// `400 bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new("bad_request", 400, message)
    }

    /// `401 unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new("unauthorized", 401, message)
    }

    /// `403 forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new("forbidden", 403, message)
    }

    /// `404 not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("not_found", 404, message)
    }

    /// `409 conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new("conflict", 409, message)
    }

    /// `500 invocation_failed`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INVOCATION_FAILED, 500, message)
    }

    /// `500 invocation_failed` wrapping any error, which is kept as the source.
    pub fn from_source(source: impl Into<BoxError>) -> Self {
        let source = source.into();
        Self::Handler {
            code: codes::INVOCATION_FAILED.to_owned(),
            status: 500,
            message: source.to_string(),
            source: Some(source),
        }
    }

    /// The stable code of this error (see the table on [`Error`]).
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidInput { .. } => codes::INVALID_INPUT,
            Self::Handler { code, .. } => code,
            Self::Remote { body, .. } => &body.code,
            Self::Timeout { .. } => "timeout",
            Self::ConnectionLost { .. } => "connection_lost",
            Self::Shutdown => "shutdown",
            Self::Connect { .. } => "connect_failed",
            Self::Serialize(_) => "serialization_error",
            Self::Registration(_) => "registration_failed",
            Self::Panic(_) => codes::INVOCATION_FAILED,
            Self::UnexpectedResponse { .. } => "unexpected_response",
            Self::Refused(_) => "registration_refused",
        }
    }

    /// The HTTP status this error answers with when an HTTP trigger fired the handler.
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidInput { .. } => 400,
            // A status outside 100..=599 is a handler bug; answer it as a server error.
            Self::Handler { status, .. } if (100..=599).contains(status) => *status,
            Self::Handler { .. } => 500,
            Self::Timeout { .. } => 504,
            Self::UnexpectedResponse { .. } => 502,
            Self::ConnectionLost { .. } | Self::Shutdown | Self::Connect { .. } => 503,
            Self::Remote { .. }
            | Self::Serialize(_)
            | Self::Panic(_)
            | Self::Registration(_)
            | Self::Refused(_) => 500,
        }
    }

    /// The message sent on the wire: the error's display text without the code.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidInput {
                message,
                path: Some(path),
            } => format!("`{path}`: {message}"),
            Self::InvalidInput { message, .. } | Self::Handler { message, .. } => message.clone(),
            Self::Remote { body, .. } => body.message.clone(),
            other => other.to_string(),
        }
    }

    /// The protocol error body for this error.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody::new(self.code(), self.message())
    }

    /// [`Error::Panic`] with the text of a caught panic's payload.
    pub(crate) fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let text = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic with a non-string payload".to_owned()
        };
        Self::Panic(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses() {
        let e = Error::InvalidInput {
            message: "missing field `b`".into(),
            path: Some(".".into()),
        };
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(e.status(), 400);
        assert_eq!(e.to_string(), "invalid input at `.`: missing field `b`");
        assert_eq!(Error::not_found("no such greeting").status(), 404);
        let io = std::io::Error::other("disk full");
        let e = Error::from_source(io);
        assert_eq!(e.code(), "invocation_failed");
        assert_eq!(e.to_body().message, "disk full");
        assert!(std::error::Error::source(&e).is_some());
    }
}
