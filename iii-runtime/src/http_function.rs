//! HTTP-invoked functions: functions that the engine itself calls over HTTP (a Lambda, a
//! Cloudflare Worker, any endpoint this worker does not host), registered by a worker like
//! any other function and invoked by everyone like any other function.
//!
//! [`Function::http`] (or [`Worker::register_http_function`]) registers one with an
//! [`HttpInvocation`]: the URL, method, timeout, extra headers and authentication
//! ([`HttpAuth`]: an HMAC signature, a bearer token or an API key, whose secrets the engine
//! reads from environment variables named here, never sent on the wire). The engine sends
//! each call's payload as a JSON body; the function lives as long as this worker's
//! connection, and is replayed on every reconnect.
//!
//! ```no_run
//! # async fn demo() -> iii::Result<()> {
//! use iii::http_function::{HttpAuth, HttpInvocation, HttpMethod};
//! use iii::{Function, Worker};
//!
//! let worker = Worker::from_env();
//! let invocation = HttpInvocation::new("http://billing.internal:8080/invoices")
//!     .method(HttpMethod::Post)
//!     .timeout_ms(5_000)
//!     .auth(HttpAuth::hmac("BILLING_SECRET"));
//! worker.register_function(
//!     "billing::invoice",
//!     Function::http(invocation).description("Creates an invoice in the billing service"),
//! )?;
//! worker.connect().await?;
//! let receipt: serde_json::Value =
//!     worker.invoke("billing::invoice", serde_json::json!({"order": 42})).await?;
//! # let _ = receipt; Ok(()) }
//! ```

use iii_protocol::codes;
pub use iii_protocol::http_function::{HttpAuth, HttpInvocation, HttpMethod};

use crate::error::{Error, Result};
use crate::worker::{Function, FunctionHandle, Worker};

impl Function {
    /// A function the engine calls over HTTP as `invocation` says, instead of this worker.
    ///
    /// It has no handler here: should the engine ever deliver one of its invocations to this
    /// worker, it is answered `function_not_invokable`, as the official SDKs answer.
    pub fn http(invocation: HttpInvocation) -> Self {
        let mut function = Function::from_erased(|_| {
            Box::pin(async {
                Err(Error::new(
                    codes::FUNCTION_NOT_INVOKABLE,
                    500,
                    "this function is invoked over HTTP by the engine, not by its worker",
                ))
            })
        });
        function.invocation = serde_json::to_value(&invocation).ok();
        function
    }
}

impl Worker {
    /// Registers `id` as a function the engine calls over HTTP as `invocation` says; the same
    /// as [`register_function`](Worker::register_function) with [`Function::http`].
    ///
    /// # Errors
    /// [`Error::Registration`] when `id` is empty or blank.
    pub fn register_http_function(
        &self,
        id: impl Into<String>,
        invocation: HttpInvocation,
    ) -> Result<FunctionHandle> {
        self.register_function(id, Function::http(invocation))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_registration_carries_the_invocation_as_the_wire_spells_it() {
        let invocation = HttpInvocation::new("http://billing:8080/x").auth(HttpAuth::bearer("T"));
        let function = Function::http(invocation).description("d");
        assert_eq!(
            function.invocation,
            Some(json!({"url": "http://billing:8080/x", "method": "POST",
                        "auth": {"type": "bearer", "token_key": "T"}}))
        );
        assert_eq!(function.description.as_deref(), Some("d"));
    }
}
