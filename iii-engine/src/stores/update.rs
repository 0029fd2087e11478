//! The update operations of `state::update` and `stream::update`, applied to a stored value
//! with the engine's semantics (`iii_protocol::update`: `path` is a top-level field, empty
//! for the whole value; `by` a whole number), which workers providing a stream share.

use serde_json::Value;

pub(crate) use iii_protocol::update::UpdateOp;
use iii_protocol::update::UpdateOpError;

/// What a write did: the value before and after (`null` for none).
pub(crate) struct Written {
    pub(crate) old: Value,
    pub(crate) new: Value,
    /// The update operations that did not fit (the others were applied).
    pub(crate) errors: Vec<UpdateOpError>,
}

/// Applies every operation in order, collecting those that did not fit.
pub(crate) fn apply_all(value: &mut Value, ops: &[UpdateOp]) -> Vec<UpdateOpError> {
    iii_protocol::update::apply(value, ops)
}
