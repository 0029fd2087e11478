//! Streaming: server-sent events, a download generated on the fly, an upload counted as it
//! arrives, and a channel between two functions.
//!
//! ```sh
//! cargo run --example streaming
//! curl -N localhost:3111/ticks
//! curl -s 'localhost:3111/files/data.bin?size=104857600' | wc -c
//! head -c 104857600 /dev/zero | curl -s -X POST localhost:3111/upload \
//!     -H 'content-type: application/octet-stream' --data-binary @-
//! curl -s localhost:3111/form -F note=hello -F upload=@Cargo.toml
//! curl -s 'localhost:3111/squares?n=5'
//! ```
//!
//! Memory stays flat whatever the sizes: the download is made chunk by chunk as the client
//! takes it, and the upload is counted chunk by chunk as it arrives.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use iii::prelude::*;
use iii::{Body, BodyStream, Bytes, Channel, Event, KeepAlive, ReaderRef, Sse, http};

/// Ten events named `tick`, 100 ms apart, each with its number as id and JSON data.
#[iii::function("streaming.ticks")]
#[iii::http(path = "ticks", method = "GET")]
async fn ticks() -> Sse<impl Stream<Item = Event> + Send> {
    let events = futures_util::stream::iter(1..=10u32).then(|n| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Event::default()
            .event("tick")
            .id(&n.to_string())
            .data(&format!("{{\"n\":{n}}}"))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

#[derive(Deserialize, JsonSchema)]
struct Size {
    /// Bytes to send (default 50 MiB).
    size: Option<u64>,
}

/// The size of the chunks the download is made of.
const CHUNK: usize = 64 * 1024;

/// `size` bytes (default 50 MiB) made on the fly, as `name`.
#[iii::function("streaming.file")]
#[iii::http(path = "files/:name", method = "GET")]
async fn file(Path(name): Path<String>, Query(q): Query<Size>) -> Result<http::Response<Body>> {
    let size = q.size.unwrap_or(50 * 1024 * 1024);
    // One block shared by every chunk: each chunk is a cheap slice of it.
    let block = Bytes::from(
        (0..CHUNK)
            .map(|i| b'a' + (i % 26) as u8)
            .collect::<Vec<_>>(),
    );
    let chunks = futures_util::stream::unfold(size, move |left| {
        let block = block.clone();
        async move {
            let n = usize::try_from(left.min(CHUNK as u64)).unwrap_or(CHUNK);
            (n > 0).then(|| (Ok::<_, std::io::Error>(block.slice(..n)), left - n as u64))
        }
    });
    let name = name.replace(['"', '\\'], "_");
    http::Response::builder()
        .header("content-type", "application/octet-stream")
        .header("content-length", size)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::stream(chunks))
        .map_err(|e| Error::internal(e.to_string()))
}

#[derive(Serialize, JsonSchema)]
struct Uploaded {
    bytes: u64,
    content_type: Option<String>,
}

/// Counts the bytes of the request body, whatever its size and content type.
#[iii::function("streaming.upload")]
#[iii::http(path = "upload", method = "POST")]
async fn upload(mut body: BodyStream) -> Result<Uploaded> {
    let content_type = body.content_type().map(str::to_owned);
    let mut bytes = 0u64;
    while let Some(chunk) = body.next().await {
        bytes += chunk?.len() as u64;
    }
    Ok(Uploaded {
        bytes,
        content_type,
    })
}

#[derive(Serialize, JsonSchema)]
struct Part {
    name: Option<String>,
    file_name: Option<String>,
    bytes: u64,
}

/// The fields of a `multipart/form-data` body with their sizes, each read as it arrives.
#[iii::function("streaming.form")]
#[iii::http(path = "form", method = "POST")]
async fn form(mut form: iii::Multipart<'static>) -> Result<Vec<Part>> {
    let bad = |e: iii::MultipartError| Error::bad_request(e.to_string());
    let mut parts = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().map(str::to_owned);
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            bytes += chunk.len() as u64;
        }
        parts.push(Part {
            name,
            file_name,
            bytes,
        });
    }
    Ok(parts)
}

#[derive(Deserialize, JsonSchema)]
struct Count {
    n: Option<u32>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Squares {
    /// Where to write the squares.
    into: iii::WriterRef<u64>,
    n: u32,
}

/// Writes the first `n` squares into the channel it is given, one item each.
#[iii::function("streaming.squares_into")]
async fn squares_into(input: Squares, ctx: Context) -> Result<()> {
    let mut tx = input.into.items(ctx.worker()).await?;
    for i in 1..=u64::from(input.n) {
        tx.send(&(i * i)).await?;
    }
    tx.close().await
}

#[derive(Serialize, JsonSchema)]
struct Summed {
    squares: Vec<u64>,
}

/// Makes a channel, hands its writer to `streaming.squares_into` (any worker, any language,
/// could serve it), and reads the items back.
#[iii::function("streaming.squares")]
#[iii::http(path = "squares", method = "GET")]
async fn squares(Query(q): Query<Count>, ctx: Context) -> Result<Summed> {
    let worker = ctx.worker();
    let channel = Channel::<u64>::create(worker).await?;
    let reader: ReaderRef<u64> = channel.reader;
    let input = Squares {
        into: channel.writer,
        n: q.n.unwrap_or(10).min(10_000),
    };
    worker.invoke_async("streaming.squares_into", input).await?;
    let mut rx = reader.items(worker).await?;
    let mut squares = Vec::new();
    while let Some(item) = rx.next().await {
        squares.push(item?);
    }
    Ok(Summed { squares })
}

#[iii::main]
async fn main() {}
