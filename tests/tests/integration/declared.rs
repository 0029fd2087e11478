//! The worker for the functions this binary declares with `#[iii::function]` (in `skeleton`,
//! `macros_typed` and `error_types`). `iii::register_declared` registers every declared
//! function of the program, whichever module calls it, so the states they take are given here,
//! once.

use iii::Worker;
use iii_engine::EngineHandle;

use crate::macros_typed::Counter;

/// The states the declared functions take.
pub(crate) fn states() -> iii::StateMap {
    let mut states = iii::StateMap::new();
    states.insert(Counter::default());
    states
}

/// A worker for `engine` with every declared function registered, connected.
///
/// # Panics
/// When the declarations are refused or the worker cannot connect.
pub(crate) async fn worker(engine: &EngineHandle) -> Worker {
    let worker = Worker::with_config(iii_tests::worker_config(engine));
    iii::register_declared_with(&worker, states()).expect("the declarations are accepted");
    worker.connect().await.expect("connects");
    worker
}
