//! A scripted engine: accepts worker connections on a free port and lets a test read every
//! frame the worker sends and answer as it likes (`iii-test-support`'s fake engine, under the
//! names these tests use).

pub(crate) use iii_test_support::fake_engine::{FakeEngine, PATIENCE, Peer, trigger_metadata};
/// The HTTP request envelope the engine sends for `method path` with a JSON body.
pub(crate) use iii_test_support::frames::http_request as envelope;

/// A random v4 UUID string.
pub(crate) fn uuid_v4() -> String {
    iii_test_support::frames::new_id()
}
