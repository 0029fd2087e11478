//! `bench-worker-floor`: the floor the other workers are measured against. A bare
//! tokio-tungstenite socket on a current-thread runtime, frames parsed with serde_json, every
//! invocation answered on the one task that reads the socket: no SDK, no handler tasks, no
//! queues. It is a measuring tool, not an example of a worker (it does not reconnect, and
//! answers only the three functions the benchmark calls).
//!
//! It serves what the other workers serve, with the same handler types: the echo function
//! (`BENCH_FUNCTION_ID`: the input as a `serde_json::Value`, minus `_caller_worker_id`), the
//! HTTP echo (`<id>.http` on `POST /<BENCH_HTTP_PATH>`: the request body as a `Value`, back
//! in a response envelope) and the quickstart's typed `math.add` (`<id>.add` on
//! `POST /<BENCH_ADD_PATH>`).

use futures_util::{SinkExt, StreamExt};
use iii_bench::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_URL, add_function_id, parent_gone,
    required_env,
};
use iii_bench::payload::{self, AddInput, AddOutput};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Error = Box<dyn std::error::Error>;

/// The fields of an engine frame the floor reads; borrowed from the frame's text.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    invocation_id: Option<&'a str>,
    #[serde(default)]
    function_id: Option<&'a str>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// An `invocationresult` on its way out: the result is serialized straight into the frame.
#[derive(Serialize)]
struct Answer<'a, T> {
    #[serde(rename = "type")]
    kind: &'static str,
    invocation_id: &'a str,
    function_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
}

/// The protocol's error body.
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
}

/// Who an answer goes to.
#[derive(Clone, Copy)]
struct Reply<'a> {
    invocation_id: &'a str,
    function_id: &'a str,
}

/// A failed invocation: the protocol's `(code, message)`.
type Failure = (&'static str, String);

impl Reply<'_> {
    fn result<T: Serialize>(self, result: &T) -> Result<String, Failure> {
        self.frame(Some(result), None)
    }

    fn error(self, (code, message): &Failure) -> Option<String> {
        let error = ErrorBody { code, message };
        self.frame::<()>(None, Some(error)).ok()
    }

    fn frame<T: Serialize>(
        self,
        result: Option<&T>,
        error: Option<ErrorBody<'_>>,
    ) -> Result<String, Failure> {
        let answer = Answer {
            kind: "invocationresult",
            invocation_id: self.invocation_id,
            function_id: self.function_id,
            result,
            error,
        };
        serde_json::to_string(&answer).map_err(|e| ("invocation_failed", e.to_string()))
    }
}

/// The HTTP request envelope, as much of it as the echo reads.
#[derive(Deserialize)]
struct HttpEcho {
    body: Value,
}

/// The HTTP request envelope, as much of it as `math.add` reads.
#[derive(Deserialize)]
struct HttpAdd {
    body: AddInput,
}

/// The response envelope of `math.add`.
#[derive(Serialize)]
struct AddResponse {
    status_code: u16,
    body: AddOutput,
}

/// The function ids this worker serves.
struct Ids {
    echo: String,
    http: String,
    add: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let url = required_env(ENV_URL)?;
    let echo = required_env(ENV_FUNCTION_ID)?;
    let ids = Ids {
        http: format!("{echo}.http"),
        add: add_function_id(&echo),
        echo,
    };
    let routes = [
        (ids.http.as_str(), required_env(ENV_HTTP_PATH)?),
        (ids.add.as_str(), required_env(ENV_ADD_PATH)?),
    ];
    // `true`: TCP_NODELAY, as a worker that answers small frames at once wants.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    for id in [&ids.echo, &ids.http, &ids.add] {
        let frame = json!({"type": "registerfunction", "id": id});
        ws.feed(Message::text(frame.to_string())).await?;
    }
    for (n, (id, path)) in routes.iter().enumerate() {
        let frame = json!({
            "type": "registertrigger",
            "id": format!("00000000-0000-4000-8000-{n:012}"),
            "trigger_type": "http",
            "function_id": id,
            "config": {"api_path": path, "http_method": "POST"},
        });
        ws.feed(Message::text(frame.to_string())).await?;
    }
    ws.flush().await?;

    tokio::select! {
        result = serve(&mut ws, &ids) => result,
        () = iii::shutdown_requested() => Ok(()),
        () = parent_gone() => Ok(()),
    }
}

/// Reads frames and answers each invocation before reading the next.
async fn serve<S>(ws: &mut S, ids: &Ids) -> Result<(), Error>
where
    S: StreamExt<Item = tokio_tungstenite::tungstenite::Result<Message>>
        + SinkExt<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    while let Some(message) = ws.next().await {
        let text = match message? {
            Message::Text(text) => text,
            Message::Close(_) => return Ok(()),
            // Pings are answered by tungstenite itself; the engine sends nothing else.
            _ => continue,
        };
        let Ok(frame) = serde_json::from_str::<Frame<'_>>(text.as_str()) else {
            continue;
        };
        if let Some(answer) = answer(&frame, ids) {
            ws.send(Message::text(answer)).await?;
        }
    }
    Ok(())
}

/// The `invocationresult` text for an `invokefunction` frame that wants one.
fn answer(frame: &Frame<'_>, ids: &Ids) -> Option<String> {
    let (Some(invocation_id), Some(function_id)) = (frame.invocation_id, frame.function_id) else {
        return None;
    };
    if frame.kind != "invokefunction" {
        return None;
    }
    let reply = Reply {
        invocation_id,
        function_id,
    };
    let data = frame.data.map_or("null", RawValue::get);
    match run(reply, data, ids) {
        Ok(text) => Some(text),
        Err(failure) => reply.error(&failure),
    }
}

/// Runs the function `reply` names on `data` and serializes the answer.
fn run(reply: Reply<'_>, data: &str, ids: &Ids) -> Result<String, Failure> {
    let invalid = |e: serde_json::Error| ("invalid_input", e.to_string());
    let id = reply.function_id;
    if id == ids.echo {
        let mut input: Value = serde_json::from_str(data).map_err(invalid)?;
        if let Some(object) = input.as_object_mut() {
            object.remove("_caller_worker_id");
        }
        reply.result(&input)
    } else if id == ids.http {
        let request: HttpEcho = serde_json::from_str(data).map_err(invalid)?;
        reply.result(&json!({"status_code": 200, "body": request.body}))
    } else if id == ids.add {
        let request: HttpAdd = serde_json::from_str(data).map_err(invalid)?;
        let body = payload::add(request.body)
            .ok_or_else(|| ("invocation_failed", "the sum overflows".to_owned()))?;
        reply.result(&AddResponse {
            status_code: 200,
            body,
        })
    } else {
        Err(("function_not_found", format!("Function {id} not found")))
    }
}
