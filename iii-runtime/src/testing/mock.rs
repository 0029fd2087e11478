//! [`MockCalls`]: answers the calls a handler makes through its [`Context`](crate::Context)
//! in a unit test, from rules the test gives ("when `math.add` is called with X, answer Y"),
//! and records every call for assertions.

use std::sync::{Arc, Mutex, MutexGuard};

use iii_protocol::{ErrorBody, InvokeAction, RawValue, raw};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::typed_call::TypedFunction;
use crate::worker::CallStub;

/// One rule: which calls it answers, and with what.
#[derive(Debug, Clone)]
struct Rule {
    function_id: String,
    input: Option<Value>,
    answer: std::result::Result<Value, ErrorBody>,
}

/// One call the handler made.
#[derive(Debug, Clone, PartialEq)]
pub struct MockCall {
    /// The function called.
    pub function_id: String,
    /// Its input.
    pub input: Value,
}

/// Stubbed answers for the calls a handler makes (cloneable: clones share rules and calls).
///
/// A call that no rule answers fails with code `unexpected_call`, naming the function and
/// the input, so a test sees at once what it forgot to stub (a fire-and-forget call has no
/// answer to give: it is only recorded). The last matching rule wins, so a test may override
/// a general answer with one for a specific input.
///
/// ```
/// use iii::testing::{MockCalls, TestContext};
/// use serde_json::json;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let calls = MockCalls::new()
///     .answer("math.add", json!({"sum": 3}))
///     .fail_with("math.div", json!({"a": 1, "b": 0}), iii::Error::bad_request("divide by zero"));
/// let ctx = TestContext::new("calc.run").calls(&calls).build();
///
/// let sum: serde_json::Value = ctx.worker().invoke("math.add", json!({"a": 1, "b": 2})).await.unwrap();
/// assert_eq!(sum, json!({"sum": 3}));
/// let err = ctx.worker().invoke::<serde_json::Value>("math.div", json!({"a": 1, "b": 0})).await.unwrap_err();
/// assert_eq!(err.code(), "bad_request");
/// let err = ctx.worker().invoke::<serde_json::Value>("math.mul", json!({})).await.unwrap_err();
/// assert_eq!(err.code(), "unexpected_call");
/// assert_eq!(calls.calls().len(), 3);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct MockCalls {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    rules: Vec<Rule>,
    calls: Vec<MockCall>,
}

impl MockCalls {
    /// No rules: every call is unexpected.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rule(self, function_id: &str, input: Option<Value>, answer: Result<Value>) -> Self {
        self.lock().rules.push(Rule {
            function_id: function_id.to_owned(),
            input,
            answer: answer.map_err(|e| e.to_body()),
        });
        self
    }

    /// Answers every call of `function_id` with `output`.
    ///
    /// # Panics
    /// When `output` does not serialize (a test bug).
    pub fn answer(self, function_id: &str, output: impl Serialize) -> Self {
        self.rule(function_id, None, Ok(to_value(output)))
    }

    /// Answers calls of `function_id` with exactly `input` with `output`.
    ///
    /// # Panics
    /// When `input` or `output` does not serialize (a test bug).
    pub fn answer_to(
        self,
        function_id: &str,
        input: impl Serialize,
        output: impl Serialize,
    ) -> Self {
        self.rule(function_id, Some(to_value(input)), Ok(to_value(output)))
    }

    /// Fails every call of `function_id` with `error` (the caller gets [`Error::Remote`] with
    /// its code and message, as from a real function).
    pub fn fail(self, function_id: &str, error: Error) -> Self {
        self.rule(function_id, None, Err(error))
    }

    /// Fails calls of `function_id` with exactly `input` with `error`.
    ///
    /// # Panics
    /// When `input` does not serialize (a test bug).
    pub fn fail_with(self, function_id: &str, input: impl Serialize, error: Error) -> Self {
        self.rule(function_id, Some(to_value(input)), Err(error))
    }

    /// [`answer`](MockCalls::answer) for function `F`, typed.
    pub fn answer_fn<F: TypedFunction>(self, output: F::Output) -> Self
    where
        F::Output: Serialize,
    {
        self.answer(F::ID, output)
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<MockCall> {
        self.lock().calls.clone()
    }

    /// The inputs of the calls made to `function_id`, in order.
    pub fn calls_to(&self, function_id: &str) -> Vec<Value> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.function_id == function_id)
            .map(|c| c.input.clone())
            .collect()
    }
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("a stubbed value must serialize: {e}"))
}

impl CallStub for MockCalls {
    fn answer(
        &self,
        function_id: &str,
        input: &RawValue,
        action: Option<&InvokeAction>,
    ) -> Result<Option<Box<RawValue>>> {
        let input: Value = serde_json::from_str(input.get())?;
        let mut inner = self.lock();
        inner.calls.push(MockCall {
            function_id: function_id.to_owned(),
            input: input.clone(),
        });
        let rule =
            inner.rules.iter().rev().find(|r| {
                r.function_id == function_id && r.input.as_ref().is_none_or(|i| *i == input)
            });
        let remote = |body: ErrorBody| Error::Remote {
            function_id: function_id.to_owned(),
            body,
        };
        let Some(rule) = rule else {
            if action == Some(&InvokeAction::Void) {
                return Ok(None);
            }
            return Err(remote(ErrorBody::new(
                "unexpected_call",
                format!("no MockCalls rule answers {function_id} with {input}"),
            )));
        };
        match (&rule.answer, action) {
            (_, Some(InvokeAction::Void)) => Ok(None),
            (Ok(output), _) => Ok(Some(raw::to_raw(output)?)),
            (Err(body), _) => Err(remote(body.clone())),
        }
    }
}
