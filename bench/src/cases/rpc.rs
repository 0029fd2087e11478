//! Worker-to-worker calls: the driver invokes the worker's echo function through the engine.

use std::time::{Duration, Instant};

use iii::CallOptions;
use serde_json::value::RawValue;

use crate::load::Client;
use crate::payload::{self, Echo, Size};
use crate::workers::Impl;

/// One in-flight slot calling the echo function; all slots share the driver's connection.
#[derive(Debug)]
pub struct RpcClient {
    driver: iii::Worker,
    function_id: &'static str,
    payload: Box<RawValue>,
    min_len: usize,
}

impl RpcClient {
    /// A client calling `which`'s echo function with a `size` payload.
    pub fn new(driver: iii::Worker, which: Impl, size: Size) -> Self {
        let payload = payload::echo_raw(size.bytes());
        Self {
            driver,
            function_id: which.function_id(),
            min_len: payload.get().len(),
            payload,
        }
    }
}

impl Client for RpcClient {
    async fn call(&mut self) -> Result<(), String> {
        // Pre-serialized input and a length check of the raw answer keep the driver's own work
        // small and equal for both workers; `verify` checks one answer in full.
        let result = self
            .driver
            .call_raw(
                self.function_id,
                self.payload.clone(),
                CallOptions::default(),
            )
            .await
            .map_err(|e| e.to_string())?;
        match result {
            Some(raw) if raw.get().len() >= self.min_len => Ok(()),
            Some(raw) => Err(format!("short answer: {}", preview(raw.get()))),
            None => Err("no result".to_owned()),
        }
    }
}

/// Calls `which`'s echo function once and checks that the answer equals the input.
///
/// # Errors
/// When the call fails or the answer differs.
pub async fn verify(driver: &iii::Worker, which: Impl, size: Size) -> Result<(), String> {
    let sent = payload::echo(size.bytes());
    let got: Echo = driver
        .invoke(which.function_id(), &sent)
        .await
        .map_err(|e| format!("{}: {e}", which.function_id()))?;
    if got == sent {
        Ok(())
    } else {
        Err(format!(
            "{}: the echo differs from the input",
            which.function_id()
        ))
    }
}

/// Waits until `which`'s echo function answers, polling until `deadline`.
///
/// # Errors
/// The last error when the deadline passes.
pub async fn wait_ready(
    driver: &iii::Worker,
    which: Impl,
    deadline: Instant,
) -> Result<(), String> {
    let options = || CallOptions {
        timeout: Some(Duration::from_secs(2)),
        ..CallOptions::default()
    };
    loop {
        let payload = payload::echo_raw(Size::Small.bytes());
        let error = match driver
            .call_raw(which.function_id(), payload, options())
            .await
        {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => "no result".to_owned(),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!("{} never answered: {error}", which.function_id()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first 200 characters of `text`, for error messages.
pub(crate) fn preview(text: &str) -> &str {
    let end = text.char_indices().nth(200).map_or(text.len(), |(i, _)| i);
    &text[..end]
}
