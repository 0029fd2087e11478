//! `engine::channels::create`: `{buffer_size?}` → `{writer, reader}` references.

use iii_protocol::Uuid;
use serde::Deserialize;
use serde_json::json;

use super::context::Context;
use crate::codec::{Outcome, input_or_default, reply};
use crate::stores::channels::{DEFAULT_BUFFER, Direction};

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreateInput {
    buffer_size: Option<usize>,
}

/// Creates a channel owned by the calling worker (dropped when it disconnects).
pub(super) fn create(c: &Context, caller: Option<Uuid>, data: &str) -> Outcome {
    let req: CreateInput = input_or_default(data)?;
    let created = c
        .channels
        .create(req.buffer_size.unwrap_or(DEFAULT_BUFFER), caller);
    reply(&json!({
        "writer": created.reference(Direction::Write),
        "reader": created.reference(Direction::Read),
    }))
}
