//! Micro-benchmarks of the worker's decode path: an `invokefunction` frame in, a typed input
//! out, by the routes a runtime can take.
//!
//! * `decode only`: [`iii_protocol::Message::decode`]; `data` stays a `RawValue` (a borrowed
//!   slice of text, not parsed).
//! * `typed from frame`: decode, then serde straight from `data`'s text into the input type,
//!   capturing `_caller_worker_id` as a plain struct field in the same pass. iii-runtime
//!   (crate-private `strip` module) instead cuts the member out of the text, one copy of the
//!   payload, and then deserializes: that copy is not counted here.
//! * `via Value`: decode, parse `data` into a `serde_json::Value`, remove
//!   `_caller_worker_id`, then `serde_json::from_value` into the input type.
//! * `iii-sdk 0.25`: what the official SDK does, with its own public types: the whole frame into
//!   `iii_sdk::Message` (whose `data` is a `Value`), then `from_value`.
//!
//! A simple timed loop, not criterion: batches of calls sized to take about 5 ms, repeated for
//! the time budget, reporting the median batch (robust to a noisy, shared machine).

use std::hint::black_box;
use std::time::{Duration, Instant};

use iii_protocol::{InvokeFunction, Message, Uuid};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::payload::{self, Echo, Item, Order};

const CALLER_KEY: &str = "_caller_worker_id";

/// One micro-benchmark result.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Payload label.
    pub payload: &'static str,
    /// Route label.
    pub route: &'static str,
    /// Frame size in bytes.
    pub frame_bytes: usize,
    /// Median time per operation.
    pub ns_per_op: f64,
}

impl Measurement {
    /// Frame bytes decoded per second, in MB/s (10⁶ bytes).
    pub fn mb_per_s(&self) -> f64 {
        self.frame_bytes as f64 / self.ns_per_op * 1e3
    }
}

/// [`Echo`] plus the engine's injected key, captured in the same pass.
#[derive(Deserialize)]
struct EchoIn {
    seq: u64,
    payload: String,
    #[serde(rename = "_caller_worker_id")]
    caller: Option<String>,
}

/// [`Order`] plus the engine's injected key, captured in the same pass.
#[derive(Deserialize)]
struct OrderIn {
    order_id: String,
    customer: String,
    items: Vec<Item>,
    #[serde(rename = "_caller_worker_id")]
    caller: Option<String>,
}

/// Runs every route on every payload, spending about `budget` on each.
pub fn run(budget: Duration) -> Vec<Measurement> {
    let mut out = Vec::new();
    let small = frame(&payload::echo(100));
    let large = frame(&payload::echo(64 * 1024));
    let order = frame(&payload::order(50));
    for (label, text) in [("echo 100 B", &small), ("echo 64 KiB", &large)] {
        out.extend(routes::<Echo, EchoIn>(label, text, budget, |e| {
            (e.seq as usize, e.payload.len(), e.caller.is_some())
        }));
    }
    out.extend(routes::<Order, OrderIn>(
        "order, 50 items",
        &order,
        budget,
        |o| {
            (
                o.items.len(),
                o.order_id.len() + o.customer.len(),
                o.caller.is_some(),
            )
        },
    ));
    out
}

/// An `invokefunction` frame as the engine sends it for a worker-to-worker call.
fn frame<T: serde::Serialize>(input: &T) -> String {
    let mut data = serde_json::to_value(input).unwrap_or(Value::Null);
    if let Some(object) = data.as_object_mut() {
        object.insert(
            CALLER_KEY.to_owned(),
            Value::String("6d1f8a5e-3c1b-4f0e-9a51-2d8f0c9b7a11".to_owned()),
        );
    }
    let data = serde_json::value::to_raw_value(&data).unwrap_or_else(|_| iii_protocol::raw::null());
    Message::InvokeFunction(InvokeFunction {
        invocation_id: Some(Uuid::new_v4()),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned()),
        ..InvokeFunction::new("bench.echo", data)
    })
    .encode()
}

fn routes<T, TIn>(
    payload: &'static str,
    text: &str,
    budget: Duration,
    touch: impl Fn(TIn) -> (usize, usize, bool) + Copy,
) -> Vec<Measurement>
where
    T: DeserializeOwned,
    TIn: DeserializeOwned,
{
    let measure = |route: &'static str, f: &mut dyn FnMut()| Measurement {
        payload,
        route,
        frame_bytes: text.len(),
        ns_per_op: time(budget, f),
    };
    vec![
        measure("decode only", &mut || {
            let _ = black_box(Message::decode(black_box(text)));
        }),
        measure("typed from frame", &mut || {
            if let Ok(Message::InvokeFunction(call)) = Message::decode(black_box(text))
                && let Ok(input) = serde_json::from_str::<TIn>(call.data.get())
            {
                black_box(touch(input));
            }
        }),
        measure("via Value", &mut || {
            if let Ok(Message::InvokeFunction(call)) = Message::decode(black_box(text))
                && let Ok(mut value) = serde_json::from_str::<Value>(call.data.get())
            {
                let caller = value.as_object_mut().and_then(|o| o.remove(CALLER_KEY));
                black_box(caller);
                black_box(serde_json::from_value::<T>(value).ok());
            }
        }),
        measure("iii-sdk 0.25", &mut || {
            if let Ok(iii_sdk::Message::InvokeFunction { data, .. }) =
                serde_json::from_str::<iii_sdk::Message>(black_box(text))
            {
                black_box(serde_json::from_value::<T>(data).ok());
            }
        }),
    ]
}

/// Median nanoseconds per call of `f`, from batches of about 5 ms run for `budget`.
fn time(budget: Duration, f: &mut dyn FnMut()) -> f64 {
    let target = Duration::from_millis(5);
    let mut batch: u64 = 1;
    loop {
        let started = Instant::now();
        for _ in 0..batch {
            f();
        }
        if started.elapsed() >= target || batch >= 1 << 24 {
            break;
        }
        batch *= 2;
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < budget || samples.len() < 3 {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_yields_the_input() {
        let sent = payload::order(3);
        let text = frame(&sent);
        let Ok(Message::InvokeFunction(call)) = Message::decode(&text) else {
            panic!("frame does not decode");
        };
        let typed: OrderIn = serde_json::from_str(call.data.get()).expect("typed");
        assert_eq!(typed.items, sent.items);
        assert!(typed.caller.is_some());
        let Ok(iii_sdk::Message::InvokeFunction { data, .. }) = serde_json::from_str(&text) else {
            panic!("the SDK does not decode our frame");
        };
        assert_eq!(serde_json::from_value::<Order>(data).expect("sdk"), sent);
    }
}
