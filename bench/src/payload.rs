//! The payloads: the echo object of a given total size, the typed HTTP case's `math.add`
//! input and output, and the typed shapes the micro-benchmarks deserialize.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The echo payload: a sequence number and a filler string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Echo {
    /// Sequence number (fixed per case; the echo does not depend on it).
    pub seq: u64,
    /// Filler that brings the serialized object to the wanted size.
    pub payload: String,
}

/// A named payload size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// About 100 bytes of JSON.
    Small,
    /// About 64 KiB of JSON.
    Large,
}

impl Size {
    /// The serialized size aimed at, in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Self::Small => 100,
            Self::Large => 64 * 1024,
        }
    }

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Small => "100 B",
            Self::Large => "64 KiB",
        }
    }
}

/// An [`Echo`] whose JSON encoding is exactly `size` bytes (or the smallest possible).
pub fn echo(size: usize) -> Echo {
    let empty = Echo {
        seq: 1,
        payload: String::new(),
    };
    let overhead = serde_json::to_string(&empty).map_or(0, |s| s.len());
    // Lower-case letters need no escaping, so one char is one byte on the wire.
    let filler: String = (b'a'..=b'z')
        .cycle()
        .take(size.saturating_sub(overhead))
        .map(char::from)
        .collect();
    Echo {
        seq: 1,
        payload: filler,
    }
}

/// The JSON text of [`echo`]`(size)`.
///
/// # Panics
/// Never in practice: an [`Echo`] always serializes.
pub fn echo_raw(size: usize) -> Box<RawValue> {
    serde_json::value::to_raw_value(&echo(size)).expect("an Echo serializes")
}

/// The typed HTTP case's input: the quickstart's `math.add` request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddInput {
    /// First addend.
    pub a: i64,
    /// Second addend.
    pub b: i64,
}

/// The typed HTTP case's output: the quickstart's `math.add` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOutput {
    /// `a + b`.
    pub sum: i64,
}

/// The body every typed HTTP request sends (the quickstart's example).
pub const ADD_REQUEST: &str = r#"{"a":2,"b":3}"#;
/// The body every worker must answer it with.
pub const ADD_RESPONSE: &str = r#"{"sum":5}"#;

/// `a + b`, or `None` when it overflows: what every worker's add function computes.
pub fn add(input: AddInput) -> Option<AddOutput> {
    input.a.checked_add(input.b).map(|sum| AddOutput { sum })
}

/// One line item of [`Order`], the structured micro-benchmark payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Item id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Unit price.
    pub price: f64,
    /// Quantity.
    pub quantity: u32,
    /// Free-form tags.
    pub tags: Vec<String>,
}

/// A structured payload (many small fields), where a `Value` tree costs the most relative to
/// the bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    pub order_id: String,
    /// Customer name.
    pub customer: String,
    /// Line items.
    pub items: Vec<Item>,
}

/// An [`Order`] with `n` items (about 90 bytes of JSON each).
pub fn order(n: usize) -> Order {
    Order {
        order_id: "ord-2026-11-27-0001".to_owned(),
        customer: "Ada Lovelace".to_owned(),
        items: (0..n as u64)
            .map(|id| Item {
                id,
                name: format!("item number {id}"),
                price: 1.25 + id as f64,
                quantity: 3,
                tags: vec!["red".to_owned(), "large".to_owned()],
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_has_the_requested_size() {
        for size in [Size::Small.bytes(), Size::Large.bytes()] {
            assert_eq!(echo_raw(size).get().len(), size);
        }
    }

    #[test]
    fn add_request_and_response_agree() {
        let input: AddInput = serde_json::from_str(ADD_REQUEST).expect("valid");
        let output = add(input).expect("no overflow");
        assert_eq!(
            serde_json::to_string(&output).ok().as_deref(),
            Some(ADD_RESPONSE)
        );
        assert_eq!(add(AddInput { a: i64::MAX, b: 1 }), None);
    }
}
