//! The W3C trace context of the invocation a task is serving, so that the calls it makes to
//! other functions carry it on.

tokio::task_local! {
    /// Set around each handler by the task that runs it; read by outbound calls.
    pub(crate) static TRACE: TraceContext;
}

/// W3C trace context of an invocation.
#[derive(Debug, Clone, Default)]
pub(crate) struct TraceContext {
    pub(crate) traceparent: Option<String>,
    pub(crate) baggage: Option<String>,
}

impl TraceContext {
    /// The context of the invocation the current task serves (empty outside one).
    pub(crate) fn current() -> Self {
        TRACE.try_with(Clone::clone).unwrap_or_default()
    }
}
