//! The worker's observability over real sockets: the request log lines a served request
//! writes, the metrics a recorder sees, the logs forwarded to the engine. Each test captures
//! what it checks on its own thread (a scoped subscriber, a local metrics recorder) and runs
//! the worker and the engine on a current-thread runtime, so that tests beside it in the same
//! process do not mix in.

mod capture;
mod engine_logs;
mod metrics;
mod request_log;
