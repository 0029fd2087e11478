//! One call to an engine function on behalf of a typed client: the input serialized, the
//! answer decoded into the type the client promises, and an answer of another shape turned
//! into [`Error::UnexpectedResponse`] (with the field path) rather than a panic or a bare
//! serde error.

use iii_protocol::{RawValue, raw};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::worker::{CallOptions, Worker};

/// Calls `function_id` with `input` and decodes its answer (`null` when it gave none).
pub(super) async fn call<O: DeserializeOwned>(
    worker: &Worker,
    function_id: &str,
    input: &impl Serialize,
) -> Result<O> {
    let answer = call_raw(worker, function_id, input).await?;
    decode(function_id, answer.as_deref())
}

/// Calls `function_id` with `input`; the raw answer.
pub(super) async fn call_raw(
    worker: &Worker,
    function_id: &str,
    input: &impl Serialize,
) -> Result<Option<Box<RawValue>>> {
    let data = raw::to_raw(input)?;
    worker
        .call_raw(function_id, data, CallOptions::default())
        .await
}

/// Decodes an answer of `function_id` (absent reads as `null`).
pub(super) fn decode<O: DeserializeOwned>(
    function_id: &str,
    answer: Option<&RawValue>,
) -> Result<O> {
    let text = answer.map_or("null", RawValue::get);
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if path == "." {
            inner.to_string()
        } else {
            format!("at `{path}`: {inner}")
        };
        Error::UnexpectedResponse {
            function_id: function_id.to_owned(),
            message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_shape_is_an_error_naming_the_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Cart {
            items: Vec<u32>,
        }
        let raw = raw::to_raw(&serde_json::json!({"items": [1, "two"]})).expect("raw");
        let e = decode::<Cart>("state::get", Some(&raw)).expect_err("bad shape");
        assert_eq!(e.code(), "unexpected_response");
        assert!(e.to_string().contains("state::get"), "{e}");
        assert!(e.to_string().contains("items[1]"), "{e}");
        let none: Option<Cart> = decode("state::get", None).expect("null is none");
        assert!(none.is_none());
    }
}
