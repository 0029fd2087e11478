//! The start-up checks of the declared functions, all reported at once before the worker
//! connects: duplicate ids, routes the engine cannot tell apart, route `:params` that do not
//! match the function's `Path<T>` (or that a function without one never reads), and
//! `State<T>` parameters without a value.

use std::collections::HashMap;

use super::declare::{FunctionRegistration, TriggerSpec};
use crate::extract::route_order;
use crate::state_map::StateMap;

/// Every problem of `declared` (sorted), one message each.
pub(super) fn problems(declared: &[&FunctionRegistration], states: &StateMap) -> Vec<String> {
    let mut problems = check_duplicates(declared);
    problems.extend(check_paths(declared));
    problems.extend(check_states(declared, states));
    problems
}

fn check_states(declared: &[&FunctionRegistration], states: &StateMap) -> Vec<String> {
    declared
        .iter()
        .flat_map(|reg| {
            reg.states.iter().filter_map(move |key| {
                let key = key();
                (!states.contains(key.id)).then(|| {
                    format!(
                        "function `{}` at {}:{} takes `State<{}>`, but the worker has no such state\n\
                         help: give it to the worker: `App::new().state(value)` in `#[iii::main]`",
                        reg.id, reg.file, reg.line, key.name
                    )
                })
            })
        })
        .collect()
}

/// Each route's `:params` against the fields of the function's `Path<T>`, both ways, with
/// the names serde uses.
fn check_paths(declared: &[&FunctionRegistration]) -> Vec<String> {
    let mut problems = check_unread_params(declared);
    for reg in declared {
        let Some(probe) = (reg.path)() else { continue };
        let Some(fields) = (probe.fields)() else {
            continue;
        };
        let ty = (probe.type_name)();
        let listed = fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        for spec in reg.triggers {
            let TriggerSpec::Http { method, path } = spec else {
                continue;
            };
            let params = route_order(path);
            let unknown: Vec<&str> = params
                .iter()
                .copied()
                .filter(|p| !fields.contains(p))
                .collect();
            for param in &unknown {
                problems.push(format!(
                    "function `{}` at {}:{}: the route {method} /{} has `:{param}`, but `Path<{ty}>` has no field `{param}` (its fields as serde names them: {listed})\n\
                     help: name the route parameter like the field (after any `rename` or `rename_all`), or rename the field",
                    reg.id,
                    reg.file,
                    reg.line,
                    normalize_route(path),
                ));
            }
            if !unknown.is_empty() {
                continue;
            }
            if let Some(field) = (probe.missing)(&params) {
                problems.push(format!(
                    "function `{}` at {}:{}: `Path<{ty}>` requires the field `{field}`, but the route {method} /{} has no `:{field}`\n\
                     help: add `:{field}` to the route, or make the field optional (`Option<T>` or `#[serde(default)]`)",
                    reg.id,
                    reg.file,
                    reg.line,
                    normalize_route(path),
                ));
            }
        }
    }
    problems
}

/// Routes with `:params` on functions that read no route parameter at all.
fn check_unread_params(declared: &[&FunctionRegistration]) -> Vec<String> {
    let mut problems = Vec::new();
    for reg in declared.iter().filter(|reg| !reg.reads_path) {
        for spec in reg.triggers {
            let TriggerSpec::Http { method, path } = spec else {
                continue;
            };
            let params = route_order(path);
            let Some(first) = params.first() else {
                continue;
            };
            let listed: Vec<String> = params.iter().map(|p| format!("`:{p}`")).collect();
            problems.push(format!(
                "function `{}` at {}:{}: the route {method} /{} has {}, but the function takes no `Path<T>`\n\
                 help: add a parameter such as `Path({first}): Path<String>` (or a struct with a field per parameter), or take the parameters out of the route",
                reg.id,
                reg.file,
                reg.line,
                normalize_route(path),
                listed.join(", "),
            ));
        }
    }
    problems
}

/// Two functions with the same id, and two routes the engine cannot tell apart: the same
/// method and path, or on any methods, the same path up to the names of its `:params`
/// (the engine's router keys parameter segments by position, not by name).
fn check_duplicates(declared: &[&FunctionRegistration]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids: HashMap<&str, &FunctionRegistration> = HashMap::new();
    let mut routes: HashMap<(String, String), &FunctionRegistration> = HashMap::new();
    let mut shapes: HashMap<String, (&FunctionRegistration, &str, &str)> = HashMap::new();
    for reg in declared {
        if let Some(first) = ids.insert(reg.id, reg) {
            problems.push(format!(
                "function id `{}` is declared twice: at {}:{} and at {}:{}",
                reg.id, first.file, first.line, reg.file, reg.line
            ));
        }
        for spec in reg.triggers {
            let TriggerSpec::Http { method, path } = spec else {
                continue;
            };
            let key = (method.to_ascii_uppercase(), normalize_route(path));
            if let Some(first) = routes.insert(key, reg) {
                problems.push(format!(
                    "route {method} /{} is declared twice: by `{}` at {}:{} and by `{}` at {}:{}",
                    normalize_route(path),
                    first.id,
                    first.file,
                    first.line,
                    reg.id,
                    reg.file,
                    reg.line
                ));
                continue;
            }
            match shapes.get(&route_shape(path)) {
                Some((first, first_method, first_path))
                    if normalize_route(first_path) != normalize_route(path) =>
                {
                    problems.push(format!(
                        "routes {first_method} /{} (by `{}` at {}:{}) and {method} /{} (by `{}` at {}:{}) differ only in the names of their parameters, which the engine does not allow\n\
                         help: use the same parameter names in both routes",
                        normalize_route(first_path),
                        first.id,
                        first.file,
                        first.line,
                        normalize_route(path),
                        reg.id,
                        reg.file,
                        reg.line
                    ));
                }
                Some(_) => {}
                None => {
                    shapes.insert(route_shape(path), (reg, method, path));
                }
            }
        }
    }
    problems
}

/// The engine treats `add` and `/add` as one route.
fn normalize_route(path: &str) -> String {
    path.strip_prefix('/').unwrap_or(path).to_owned()
}

/// A route with its parameter names erased: `users/:id` and `users/:user_id` are both
/// `users/:`.
fn route_shape(path: &str) -> String {
    normalize_route(path)
        .split('/')
        .map(|segment| {
            if segment.starts_with(':') {
                ":"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
