//! Property tests of `inject_caller`, a text splice with a parsing fallback: on any payload,
//! however it is written, the result is what inserting the member into the parsed object gives.

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::arbitrary;

proptest! {
    #[test]
    fn the_caller_is_the_one_top_level_caller_member(
        payload in arbitrary::json(),
        style in arbitrary::style(),
        padding in "[ \t\n]{0,2}",
    ) {
        let worker = Uuid::from_u128(7);
        let text = format!("{padding}{}{padding}", arbitrary::write(&payload, style));
        let Ok(raw) = RawValue::from_string(text.clone()) else {
            return Ok(());
        };
        let before = raw.get().to_owned();
        let out = inject_caller(raw, worker);
        // Read back from the text, as the engine's output is: floats parse the same way.
        let read: Value = serde_json::from_str(&text).unwrap_or_default();
        prop_assert_eq!(read.is_object(), payload.is_object());
        match read {
            Value::Object(mut map) => {
                map.insert("_caller_worker_id".to_owned(), Value::String(worker.to_string()));
                let got: Value = serde_json::from_str(out.get()).unwrap_or_default();
                prop_assert_eq!(got, Value::Object(map), "{}", text);
            }
            _ => prop_assert_eq!(out.get(), before.as_str()),
        }
    }
}
