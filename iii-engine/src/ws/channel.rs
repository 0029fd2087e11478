//! The WebSocket side of a channel end: a writer socket feeds the channel, a reader socket is
//! fed from it. Text and binary messages pass through unchanged, fragmented towards the reader
//! past the frame limit; a writer that breaks the protocol is closed with the code that says
//! how.

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Frame;

use super::endpoint::Endpoint;
use super::socket::{self, Socket};
use super::{close, outgoing};
use crate::stores::channels::{End, Item, Packet, Writer};

/// Serves one attached end until either side closes or the engine stops.
pub(crate) async fn serve(ep: &Endpoint, socket: Socket, end: End) {
    match end {
        End::Writer(tx) => write_side(ep, socket, tx).await,
        End::Reader(rx) => read_side(ep, socket, rx).await,
    }
}

/// Forwards the socket's messages into the channel. Dropping `tx` when the socket closes is
/// what ends the stream for the reader; a socket that ends without a Close frame ends it with
/// an error ([`Item::Aborted`]). A reader that goes away closes the socket at once, even while
/// the writer sends nothing (an idle event stream whose HTTP client left).
async fn write_side(ep: &Endpoint, mut socket: Socket, tx: Writer) {
    loop {
        // Cancel-safe: `next` polls a stream, `closed` and the shutdown wait observe channels.
        let frame = tokio::select! {
            frame = socket.next() => frame,
            () = tx.closed() => break,
            () = ep.tasks.stopping() => break,
        };
        let item = match frame {
            Some(Ok(Frame::Text(text))) => Item::Text(text.as_str().to_owned()),
            Some(Ok(Frame::Binary(bytes))) => Item::Binary(bytes),
            Some(Ok(Frame::Close(_))) => return,
            None => {
                tx.abort("the writer's connection ended without a close".to_owned());
                return;
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                tracing::debug!("channel writer socket: {e}");
                tx.abort(format!("the writer's connection failed: {e}"));
                if let Some(frame) = close::for_error(&e) {
                    socket::close_with(socket, frame).await;
                }
                return;
            }
        };
        // Waiting for room is the backpressure: the socket is not read meanwhile. The send is
        // not cancel-safe, so on shutdown the item is dropped along with the channel.
        let sent = tokio::select! {
            sent = tx.send(item) => sent.is_ok(),
            () = ep.tasks.stopping() => break,
        };
        if !sent {
            // The reader went away: nobody will read what this writer sends.
            break;
        }
    }
    socket::close(socket).await;
}

/// Sends the channel's items to the socket, then a Close frame once the writer is done.
async fn read_side(ep: &Endpoint, mut socket: Socket, mut rx: mpsc::Receiver<Packet>) {
    loop {
        // Cancel-safe: `recv` and `next` lose nothing when another branch wins.
        tokio::select! {
            item = rx.recv() => {
                let item = match item.map(|p| p.item) {
                    None => break,
                    Some(Item::Aborted(why)) => {
                        socket::close_with(socket, close::aborted(&why)).await;
                        return;
                    }
                    Some(item) => item,
                };
                let max_frame = ep.config.max_frame_bytes;
                let send = async {
                    match item {
                        Item::Text(text) => outgoing::send_text(&mut socket, text, max_frame).await,
                        Item::Binary(bytes) => {
                            outgoing::send_binary(&mut socket, bytes, max_frame).await
                        }
                        Item::Aborted(_) => Ok(()),
                    }
                };
                // Bounded, and raced against shutdown: a reader that stops reading must not
                // hold this task (and the engine's shutdown) forever.
                let sent = tokio::select! {
                    sent = tokio::time::timeout(ep.config.write_timeout, send) => sent,
                    () = ep.tasks.stopping() => break,
                };
                match sent {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::debug!("channel reader socket: {e}");
                        return;
                    }
                    Err(_) => {
                        tracing::warn!(
                            "channel reader does not read (a write took over {:?}); closing it",
                            ep.config.write_timeout
                        );
                        return;
                    }
                }
            }
            // Read so that pings are answered and a closing reader is noticed.
            frame = socket.next() => match frame {
                Some(Ok(Frame::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            () = ep.tasks.stopping() => break,
        }
    }
    socket::close(socket).await;
}
