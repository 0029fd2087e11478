//! The Close frames the engine sends, so that a peer can tell why its connection ended:
//! `1001` when the engine stops, `1000` with its own reason when a reattaching connection
//! replaces this one, and for a peer that broke the protocol `1007` (invalid UTF-8), `1009`
//! (a frame or message over the limits) or `1002` (any other protocol violation).

use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The most bytes a Close frame's reason may have (125 bytes of payload, less the code).
const REASON_MAX: usize = 123;

/// The engine is stopping.
pub(crate) fn shutdown() -> CloseFrame {
    frame(CloseCode::Away, "engine shutting down")
}

/// A reattaching connection of the same worker took this one's place.
pub(crate) fn evicted() -> CloseFrame {
    frame(CloseCode::Normal, "replaced by a reattaching connection")
}

/// The Close frame answering a read error, when the peer broke the protocol; `None` when the
/// socket itself failed or closed (there is nobody to tell).
pub(crate) fn for_error(error: &Error) -> Option<CloseFrame> {
    let code = match error {
        Error::Utf8(_) => CloseCode::Invalid,
        Error::Capacity(_) => CloseCode::Size,
        Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => return None,
        Error::Protocol(_) => CloseCode::Protocol,
        _ => return None,
    };
    Some(frame(code, &error.to_string()))
}

/// The Close frame a channel reader gets when its writer died (`1011`, with why).
pub(crate) fn aborted(why: &str) -> CloseFrame {
    frame(CloseCode::Error, why)
}

fn frame(code: CloseCode, reason: &str) -> CloseFrame {
    let mut end = reason.len().min(REASON_MAX);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    CloseFrame {
        code,
        reason: reason[..end].into(),
    }
}

#[cfg(test)]
mod tests {
    use tokio_tungstenite::tungstenite::error::CapacityError;

    use super::*;

    #[test]
    fn codes_by_error() {
        let code = |e: Error| for_error(&e).map(|f| f.code);
        assert_eq!(code(Error::Utf8("bad".into())), Some(CloseCode::Invalid));
        let too_long = CapacityError::MessageTooLong {
            size: 2,
            max_size: 1,
        };
        assert_eq!(code(Error::Capacity(too_long)), Some(CloseCode::Size));
        let unexpected = ProtocolError::UnexpectedContinueFrame;
        assert_eq!(code(Error::Protocol(unexpected)), Some(CloseCode::Protocol));
        assert_eq!(code(Error::ConnectionClosed), None);
        let reset = ProtocolError::ResetWithoutClosingHandshake;
        assert_eq!(code(Error::Protocol(reset)), None);
    }

    #[test]
    fn reasons_fit_a_close_frame() {
        let long = frame(CloseCode::Protocol, &"é".repeat(100));
        assert!(long.reason.len() <= REASON_MAX);
        assert!(long.reason.as_str().chars().all(|c| c == 'é'));
    }
}
