#![allow(clippy::unwrap_used)]

use std::cell::Cell;

use serde_json::json;

use super::*;

thread_local! {
    static CLONES: Cell<usize> = const { Cell::new(0) };
}

/// Called by `Node::clone`: how many nodes a change copied.
pub(super) fn count_clone() {
    CLONES.with(|c| c.set(c.get() + 1));
}

fn clones_during(f: impl FnOnce()) -> usize {
    let before = CLONES.with(Cell::get);
    f();
    CLONES.with(Cell::get) - before
}

fn route(path: &str, method: &str, id: &str) -> Arc<Route> {
    let config = json!({"api_path": path, "http_method": method});
    Arc::new(Route::from_config(&config, id, "f").unwrap().unwrap())
}

fn found(routes: &Routes, method: &str, path: &str) -> Option<Matched> {
    match routes.find(method, path) {
        Found::Route(m) => Some(m),
        _ => None,
    }
}

#[test]
fn leading_slash_optional_trailing_slash_significant() {
    let mut routes = Routes::default();
    routes.insert(route("add", "post", "t1"));
    assert!(found(&routes, "POST", "/add").is_some());
    assert!(found(&routes, "POST", "/add/").is_none());
    assert!(found(&routes, "GET", "/add").is_none());
    routes.insert(route("/dir/", "GET", "t2"));
    assert!(found(&routes, "GET", "/dir/").is_some());
    assert!(found(&routes, "GET", "/dir").is_none());
}

#[test]
fn params_and_specificity() {
    let mut routes = Routes::default();
    routes.insert(route("users/:id", "GET", "t1"));
    routes.insert(route("users/me", "GET", "t2"));
    let m = found(&routes, "GET", "/users/42").unwrap();
    assert_eq!(m.path_params, vec![("id".to_owned(), "42".to_owned())]);
    assert_eq!(m.route.template, "users/:id");
    let me = found(&routes, "GET", "/users/me").unwrap();
    assert_eq!(me.route.trigger_id, "t2");
    assert!(me.path_params.is_empty());
    assert!(found(&routes, "GET", "/users/").is_none());
    assert!(found(&routes, "HEAD", "/users/42").is_some());
    // Equally specific shapes: the latest added wins.
    routes.insert(route("users/:id/:tab", "GET", "t3"));
    routes.insert(route(":kind/42/posts", "GET", "t4"));
    routes.insert(route("users/:id/posts", "GET", "t5"));
    assert_eq!(
        found(&routes, "GET", "/users/42/posts")
            .unwrap()
            .route
            .trigger_id,
        "t5"
    );
}

#[test]
fn other_methods_are_reported_for_known_paths() {
    let mut routes = Routes::default();
    routes.insert(route("a/:x", "GET", "t1"));
    routes.insert(route("a/b", "DELETE", "t2"));
    let Found::OtherMethods(methods) = routes.find("POST", "/a/b") else {
        panic!("a known path");
    };
    assert_eq!(methods, ["DELETE", "GET", "HEAD"]);
    assert!(matches!(routes.find("POST", "/c"), Found::Nothing));
    assert!(matches!(routes.find("GET", "/a/b"), Found::Route(_)));
}

#[test]
fn holders_and_removal() {
    let mut routes = Routes::default();
    let first = route("/a/:x", "GET", "t1");
    routes.insert(first.clone());
    // The same shape is held whatever the parameter is called; another method is free.
    assert_eq!(
        routes
            .holder(&route("a/:y", "GET", "t2"))
            .unwrap()
            .trigger_id,
        "t1"
    );
    assert!(routes.holder(&route("a/:y", "PUT", "t2")).is_none());
    assert!(routes.holder(&route("a/b", "GET", "t2")).is_none());
    // Removing a route that is not (or no longer) at its place changes nothing.
    assert!(!routes.remove(&route("a/:x", "GET", "t9")));
    assert!(found(&routes, "GET", "/a/1").is_some());
    assert!(routes.remove(&first));
    assert!(found(&routes, "GET", "/a/1").is_none());
    assert!(routes.root.is_empty(), "emptied nodes are pruned");
}

#[test]
fn a_change_copies_only_the_nodes_on_its_path() {
    let mut routes = Routes::default();
    for i in 0..10_000 {
        routes.insert(route(&format!("/api/v1/item{i}"), "GET", &format!("t{i}")));
    }
    // What a registry write does: change a copy while readers keep the old table.
    let old = routes.clone();
    let mut new = routes.clone();
    let added = route("/api/v1/new", "GET", "new");
    let copied = clones_during(|| new.insert(added.clone()));
    // The root, `api` and `v1`: not the 10,000 siblings of the new leaf.
    assert_eq!(copied, 3);
    assert!(found(&new, "GET", "/api/v1/new").is_some());
    assert!(
        found(&old, "GET", "/api/v1/new").is_none(),
        "old snapshots keep their table"
    );
    let mut newer = new.clone();
    let copied = clones_during(|| assert!(newer.remove(&added)));
    // The same three, and the leaf that is emptied and pruned.
    assert_eq!(copied, 4);
    assert!(found(&new, "GET", "/api/v1/new").is_some());
    assert!(found(&newer, "GET", "/api/v1/new").is_none());
    assert!(found(&newer, "GET", "/api/v1/item9999").is_some());
    // Lookups copy nothing.
    assert_eq!(
        clones_during(|| drop(newer.find("GET", "/api/v1/item5"))),
        0
    );
}
