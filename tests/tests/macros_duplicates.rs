//! Two source files declare the same function id, the same route, and two routes that differ
//! only in their parameter names: the worker refuses to start and names both places.

#[path = "macros_duplicates/first.rs"]
mod first;
#[path = "macros_duplicates/second.rs"]
mod second;

#[test]
fn duplicate_ids_and_routes_name_both_files() {
    let worker = iii::Worker::with_config(iii::WorkerConfig::default());
    let e = iii::register_declared(&worker).expect_err("duplicates");
    let message = e.to_string();
    let first = format!("tests/tests/macros_duplicates/first.rs:{}", first::ID_LINE);
    let second = format!(
        "tests/tests/macros_duplicates/second.rs:{}",
        second::ID_LINE
    );
    assert!(
        message.contains(&format!(
            "function id `dup.same` is declared twice: at {first} and at {second}"
        )),
        "{message}"
    );
    let route_first = format!(
        "tests/tests/macros_duplicates/first.rs:{}",
        first::ROUTE_LINE
    );
    let route_second = format!(
        "tests/tests/macros_duplicates/second.rs:{}",
        second::ROUTE_LINE
    );
    assert!(
        message.contains(&format!(
            "route GET /things/:id is declared twice: by `dup.first_route` at {route_first} and by `dup.second_route` at {route_second}"
        )),
        "{message}"
    );
    let shape_first = format!(
        "tests/tests/macros_duplicates/first.rs:{}",
        first::SHAPE_LINE
    );
    let shape_second = format!(
        "tests/tests/macros_duplicates/second.rs:{}",
        second::SHAPE_LINE
    );
    assert!(
        message.contains(&format!(
            "routes GET /users/:id (by `dup.shape_a` at {shape_first}) and DELETE /users/:user_id (by `dup.shape_b` at {shape_second}) differ only in the names of their parameters"
        )),
        "{message}"
    );
    assert_eq!(e.code(), "registration_failed");
}
