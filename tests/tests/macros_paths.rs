//! A `Path<T>` struct's fields against its routes' `:params`, checked before connecting with
//! the names serde gives the fields: renamed fields, maps and newtypes pass; a parameter
//! without a field, and a required field without a parameter, are reported with the place.

use std::collections::HashMap;

use iii::prelude::*;

#[derive(Deserialize)]
struct UserId(#[allow(dead_code)] u64);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Camel {
    user_id: u64,
}

#[derive(Deserialize)]
struct Renamed {
    #[serde(rename = "id")]
    user_id: u64,
    #[serde(default)]
    verbose: bool,
    page: Option<u32>,
}

#[derive(Deserialize)]
struct Ids {
    user: u64,
    post: u64,
}

#[iii::function("paths.map")]
#[iii::http(path = "map/:id/:other", method = "GET")]
async fn map(Path(p): Path<HashMap<String, String>>) -> usize {
    p.len()
}

#[iii::function("paths.newtype")]
#[iii::http(path = "newtype/:id", method = "GET")]
async fn newtype(Path(p): Path<UserId>) -> u64 {
    p.0
}

#[iii::function("paths.camel")]
#[iii::http(path = "camel/:userId", method = "GET")]
async fn camel(Path(p): Path<Camel>) -> u64 {
    p.user_id
}

#[iii::function("paths.renamed")]
#[iii::http(path = "renamed/:id", method = "GET")]
async fn renamed(Path(p): Path<Renamed>) -> u64 {
    let _ = (p.verbose, p.page);
    p.user_id
}

const UNKNOWN_LINE: u32 = line!() + 3;
#[iii::function("paths.unknown")]
#[iii::http(path = "camel/:user_id/x", method = "GET")]
async fn unknown(Path(p): Path<Camel>) -> u64 {
    p.user_id
}

const MISSING_LINE: u32 = line!() + 3;
#[iii::function("paths.missing")]
#[iii::http(path = "users/:user", method = "GET")]
async fn missing(Path(p): Path<Ids>) -> u64 {
    p.user + p.post
}

#[test]
fn route_params_are_checked_against_serde_field_names() {
    let worker = iii::Worker::with_config(iii::WorkerConfig::default());
    let e = iii::register_declared(&worker).expect_err("mismatches");
    let message = e.to_string();
    let file = "tests/tests/macros_paths.rs";
    assert!(
        message.contains(&format!(
            "function `paths.unknown` at {file}:{UNKNOWN_LINE}: the route GET /camel/:user_id/x has `:user_id`, but `Path<macros_paths::Camel>` has no field `user_id` (its fields as serde names them: `userId`)"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "function `paths.missing` at {file}:{MISSING_LINE}: `Path<macros_paths::Ids>` requires the field `post`, but the route GET /users/:user has no `:post`"
        )),
        "{message}"
    );
    for fine in ["paths.map", "paths.newtype", "paths.camel", "paths.renamed"] {
        assert!(!message.contains(fine), "{fine}: {message}");
    }
    assert_eq!(message.matches("function `paths.").count(), 2, "{message}");
}
