//! The protocol's JSON frames, built by name, so that a test reads as the exchange it plays.
//!
//! Built with `json!` rather than `iii-protocol`'s types on purpose: the tests check the
//! engine and the runtime against the wire format as written in the protocol, not against the
//! crate that both of them use.

use serde_json::{Value, json};

/// A fresh random id, for invocations and triggers.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A JSON `ping` (answered by a `pong` once every frame before it has been handled).
pub fn ping() -> Value {
    json!({"type": "ping"})
}

/// A JSON `pong`.
pub fn pong() -> Value {
    json!({"type": "pong"})
}

/// The engine's greeting: `workerregistered` with the worker's id and reattach token.
pub fn worker_registered(worker_id: &str, reattach_token: &str) -> Value {
    json!({"type": "workerregistered", "worker_id": worker_id, "reattach_token": reattach_token})
}

/// `registerfunction` for `id`, with no metadata.
pub fn register_function(id: &str) -> Value {
    json!({"type": "registerfunction", "id": id})
}

/// `registertrigger` of `trigger_type` for `function_id`, under the trigger id `id`.
pub fn register_trigger(id: &str, trigger_type: &str, function_id: &str, config: Value) -> Value {
    json!({"type": "registertrigger", "id": id, "trigger_type": trigger_type,
           "function_id": function_id, "config": config})
}

/// `invokefunction` of `function_id` with `data`, under `invocation_id`.
pub fn invoke(invocation_id: &str, function_id: &str, data: Value) -> Value {
    json!({"type": "invokefunction", "invocation_id": invocation_id,
           "function_id": function_id, "data": data})
}

/// The `invocationresult` answering the `invokefunction` frame `invoke` with `result`.
pub fn result(invoke: &Value, result: Value) -> Value {
    json!({"type": "invocationresult", "invocation_id": invoke["invocation_id"],
           "function_id": invoke["function_id"], "result": result})
}

/// The `invocationresult` answering the `invokefunction` frame `invoke` with an error.
pub fn error(invoke: &Value, code: &str, message: &str) -> Value {
    json!({"type": "invocationresult", "invocation_id": invoke["invocation_id"],
           "function_id": invoke["function_id"],
           "error": {"code": code, "message": message}})
}

/// The HTTP request envelope the engine sends a function for `method path` with a JSON
/// `body` (no query or path parameters, a JSON content type).
pub fn http_request(method: &str, path: &str, body: Value) -> Value {
    json!({"query_params": {}, "path_params": {},
           "headers": {"content-type": "application/json"},
           "path": path, "method": method, "body": body,
           "trigger": {"type": "http", "path": path, "method": method}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_the_invocation_it_answers() {
        let call = invoke("i-1", "math.add", json!({"a": 1}));
        assert_eq!(
            result(&call, json!(3)),
            json!({"type": "invocationresult", "invocation_id": "i-1",
                   "function_id": "math.add", "result": 3})
        );
        assert_eq!(error(&call, "boom", "it broke")["error"]["code"], "boom");
    }
}
