//! Sending a message within the frame limit: a message larger than
//! [`EngineConfig::max_frame_bytes`](crate::EngineConfig::max_frame_bytes) goes as a first
//! frame and continuation frames, none larger, as RFC 6455 allows and as the SDKs (which take
//! messages of 64 MiB but frames of 16 MiB) expect. Text is cut between characters, so that
//! every fragment is valid UTF-8 on its own too.

use bytes::Bytes;
use futures_util::{Sink, SinkExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::error::Error;
use tokio_tungstenite::tungstenite::protocol::frame::Frame as RawFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// The smallest fragment: room for any UTF-8 character.
const MIN_FRAME: usize = 4;

/// Sends a text message, fragmented when it is larger than `max_frame` bytes.
pub(crate) async fn send_text<S>(sink: &mut S, text: String, max_frame: usize) -> Result<(), Error>
where
    S: Sink<Frame, Error = Error> + Unpin,
{
    if text.len() <= max_frame {
        return sink.send(Frame::text(text)).await;
    }
    let cuts = text_cuts(&text, max_frame.max(MIN_FRAME));
    send_fragments(sink, Data::Text, Bytes::from(text.into_bytes()), &cuts).await
}

/// Sends a binary message, fragmented when it is larger than `max_frame` bytes.
pub(crate) async fn send_binary<S>(
    sink: &mut S,
    bytes: Bytes,
    max_frame: usize,
) -> Result<(), Error>
where
    S: Sink<Frame, Error = Error> + Unpin,
{
    if bytes.len() <= max_frame {
        return sink.send(Frame::binary(bytes)).await;
    }
    let step = max_frame.max(1);
    let cuts: Vec<usize> = (step..bytes.len()).step_by(step).collect();
    send_fragments(sink, Data::Binary, bytes, &cuts).await
}

/// Where `text` is cut into fragments of at most `max` bytes, each cut between two
/// characters.
fn text_cuts(text: &str, max: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut at = 0;
    while text.len() - at > max {
        let mut cut = at + max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        cuts.push(cut);
        at = cut;
    }
    cuts
}

/// Sends `bytes` as frames cut at `cuts`: the first of kind `data`, the rest continuations.
async fn send_fragments<S>(
    sink: &mut S,
    data: Data,
    bytes: Bytes,
    cuts: &[usize],
) -> Result<(), Error>
where
    S: Sink<Frame, Error = Error> + Unpin,
{
    let mut start = 0;
    let ends = cuts.iter().copied().chain(std::iter::once(bytes.len()));
    for (i, end) in ends.enumerate() {
        let opcode = if i == 0 { data } else { Data::Continue };
        let last = end == bytes.len();
        let frame = RawFrame::message(bytes.slice(start..end), OpCode::Data(opcode), last);
        sink.feed(Frame::Frame(frame)).await?;
        start = end;
    }
    sink.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_between_characters_within_the_limit() {
        let text = "aé€😀".repeat(50);
        for max in [4, 5, 7, 64] {
            let cuts = text_cuts(&text, max);
            let mut start = 0;
            for end in cuts.iter().copied().chain(std::iter::once(text.len())) {
                assert!(end - start <= max && end > start, "{max}: {start}..{end}");
                assert!(text.is_char_boundary(end));
                start = end;
            }
        }
        assert!(text_cuts("short", 16).is_empty());
    }
}
