//! Functions declared with `#[iii::function]`: collected at link time, checked, and
//! registered on a worker before it connects.
//!
//! - `declare.rs`: the declaration ABI the macros fill ([`FunctionRegistration`],
//!   [`TriggerSpec`]).
//! - `checks.rs`: the start-up checks (duplicate ids and routes, route parameters against
//!   `Path<T>`, missing `State<T>`), all reported at once.
//! - `adapter.rs`: what a declaration becomes: its [`Function`](crate::Function) and triggers.

mod adapter;
mod checks;
mod declare;

use std::sync::Arc;

pub use self::declare::{FunctionRegistration, TriggerSpec};
use crate::error::{Error, Result};
use crate::state_map::StateMap;
use crate::worker::Worker;

/// Checks the declared functions and registers them, with their triggers, on `worker`.
///
/// Functions that take `State<T>` need [`register_declared_with`].
///
/// # Errors
/// [`Error::Registration`] naming both places when two functions share an id or two HTTP
/// triggers share a method and route, or naming the function when it needs a state.
pub fn register_declared(worker: &Worker) -> Result<usize> {
    register_declared_with(worker, StateMap::new())
}

/// [`register_declared`], handing `states` to the functions' `State<T>` parameters.
///
/// # Errors
/// As [`register_declared`], and naming every function whose `State<T>` has no value in
/// `states`.
pub fn register_declared_with(worker: &Worker, states: StateMap) -> Result<usize> {
    register_selected(worker, states, |_| true, |_, function| function)
}

/// [`register_declared_with`] for the declared functions whose id `keep` accepts, each passed
/// through `wrap` (with its id) before it is registered; the checks look only at those functions, so that a
/// test of some functions does not need the states of the others.
pub(crate) fn register_selected(
    worker: &Worker,
    states: StateMap,
    keep: impl Fn(&str) -> bool,
    wrap: impl Fn(&'static str, crate::worker::Function) -> crate::worker::Function,
) -> Result<usize> {
    let mut declared: Vec<_> = declare::declared().filter(|r| keep(r.id)).collect();
    // inventory's order is unspecified; sort so that errors and registration order are stable.
    declared.sort_by_key(|r| (r.id, r.file, r.line));
    let problems = checks::problems(&declared, &states);
    if !problems.is_empty() {
        return Err(Error::Registration(problems.join("\n")));
    }
    let states = Arc::new(states);
    for reg in &declared {
        worker.register_function(
            reg.id,
            wrap(reg.id, adapter::function(reg, Arc::clone(&states))),
        )?;
        for spec in reg.triggers {
            let trigger = spec.to_trigger(reg.id)?;
            let streams =
                reg.reads_body && trigger.trigger_type == iii_protocol::triggers::types::HTTP;
            worker.register_trigger(if streams {
                trigger.stream_body()
            } else {
                trigger
            });
        }
    }
    Ok(declared.len())
}
