#![allow(clippy::unwrap_used)]

use serde_json::json;
use tokio::sync::mpsc;

use super::routes::Route;
use super::*;

fn registry(functions: usize, triggers: usize) -> Registry {
    Registry::new(Caps {
        functions,
        triggers,
    })
}

fn worker(r: &Registry, n: u128) -> Uuid {
    let id = Uuid::from_u128(n);
    let (tx, _rx) = mpsc::channel(1);
    let entry = WorkerEntry {
        link: Arc::new(Link::new(tx, 1024)),
        reattach_token: Uuid::new_v4(),
        connected_at_ms: 0,
        peer: "127.0.0.1:1".parse().unwrap(),
        metadata: None,
        access: None,
    };
    r.connect(id, entry);
    id
}

fn function(id: &str) -> RegisterFunction {
    RegisterFunction {
        id: id.to_owned(),
        ..RegisterFunction::default()
    }
}

fn binding(owner: Uuid, maker: Option<Uuid>, route: Option<(&str, &str)>) -> TriggerEntry {
    let activation = match route {
        Some((id, path)) => {
            let config = json!({"api_path": path});
            Activation::Http(Arc::new(
                Route::from_config(&config, id, "f").unwrap().unwrap(),
            ))
        }
        None => Activation::Inert,
    };
    TriggerEntry {
        owner,
        maker,
        trigger_type: "http".to_owned(),
        function_id: "f".to_owned(),
        config: Value::Null,
        metadata: None,
        condition: None,
        activation,
    }
}

#[test]
fn function_caps_count_new_ids_only() {
    let r = registry(2, 10);
    let w = worker(&r, 1);
    assert!(r.claim_function(w, function("a"), None).is_ok());
    assert!(r.claim_function(w, function("b"), None).is_ok());
    assert!(
        r.claim_function(w, function("a"), None).is_ok(),
        "re-registering is not new"
    );
    assert!(matches!(
        r.claim_function(w, function("c"), None),
        Err(Refused::Cap(2))
    ));
    assert!(r.release_function(w, "a"));
    assert!(r.claim_function(w, function("c"), None).is_ok());
    let other = worker(&r, 2);
    assert!(
        matches!(r.claim_function(other, function("c"), None), Err(Refused::Owned(o)) if o == w)
    );
}

#[test]
fn trigger_caps_and_route_holders() {
    let r = registry(10, 2);
    let (a, b) = (worker(&r, 1), worker(&r, 2));
    r.bind("t1".into(), binding(a, Some(a), Some(("t1", "/x"))))
        .unwrap();
    r.bind("t1".into(), binding(a, Some(a), Some(("t1", "/x"))))
        .unwrap();
    r.bind("t2".into(), binding(a, Some(a), None)).unwrap();
    let capped = r.bind("t3".into(), binding(a, Some(a), None)).unwrap_err();
    assert!(capped.contains("max_triggers_per_worker"), "{capped}");
    let stolen = r
        .bind("t4".into(), binding(b, Some(b), Some(("t4", "x"))))
        .unwrap_err();
    assert!(
        stolen.contains(&a.to_string()) && stolen.contains("\"t1\""),
        "{stolen}"
    );
    let reused = r.bind("t1".into(), binding(b, Some(b), None)).unwrap_err();
    assert!(reused.contains("already used"), "{reused}");
    // Once the holder is gone, its route and ids are free.
    r.depart(a);
    let s = r.snapshot();
    assert!(s.triggers.is_empty());
    assert!(matches!(
        s.routes.find("GET", "/x"),
        route_table::Found::Nothing
    ));
    r.bind("t4".into(), binding(b, Some(b), Some(("t4", "x"))))
        .unwrap();
    r.bind("t1".into(), binding(b, Some(b), None)).unwrap();
}

#[test]
fn only_the_maker_removes_a_binding_and_reattach_hands_that_over() {
    let r = registry(10, 10);
    let (maker, other) = (worker(&r, 1), worker(&r, 2));
    r.bind("own".into(), binding(maker, Some(maker), None))
        .unwrap();
    r.bind("made".into(), binding(ENGINE_OWNER, Some(maker), None))
        .unwrap();
    r.bind("orphan".into(), binding(ENGINE_OWNER, None, None))
        .unwrap();
    for id in ["own", "made", "orphan"] {
        assert!(matches!(r.unbind(other, id), Unbound::NotYours(_)), "{id}");
    }
    assert!(matches!(r.unbind(other, "nope"), Unbound::Unknown));
    let next = worker(&r, 3);
    r.depart(maker);
    assert_eq!(r.hand_over(maker, next), 1);
    assert!(matches!(r.unbind(next, "made"), Unbound::Removed));
    assert!(matches!(r.unbind(next, "orphan"), Unbound::NotYours(_)));
    assert_eq!(
        r.snapshot().triggers.len(),
        1,
        "the orphan stays, the worker's own went"
    );
}

#[test]
fn custom_bindings_are_found_by_type_and_owner_without_a_scan() {
    let r = registry(10, 10);
    let (a, b) = (worker(&r, 1), worker(&r, 2));
    let custom = |owner: Uuid, activation: Activation| TriggerEntry {
        trigger_type: "webhook".to_owned(),
        activation,
        ..binding(owner, Some(owner), None)
    };
    r.bind("p1".into(), custom(a, Activation::Parked)).unwrap();
    r.bind("p2".into(), custom(b, Activation::Parked)).unwrap();
    r.bind("h1".into(), binding(a, Some(a), Some(("h1", "/x"))))
        .unwrap();
    let ids = |found: Vec<(String, Arc<TriggerEntry>)>| {
        let mut ids: Vec<String> = found.into_iter().map(|(id, _)| id).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(r.bindings_of_type("webhook")), ["p1", "p2"]);
    assert!(
        r.bindings_of_type("http").is_empty(),
        "engine types are not custom"
    );
    assert_eq!(ids(r.bindings_held_by(a)), ["h1", "p1"]);
    // Re-activated in place, a binding stays indexed once; removed, it goes.
    r.bind("p1".into(), custom(a, Activation::Provided))
        .unwrap();
    let found = r.bindings_of_type("webhook");
    assert_eq!(ids(found.clone()), ["p1", "p2"]);
    assert!(
        found
            .iter()
            .any(|(id, t)| id == "p1" && matches!(t.activation, Activation::Provided))
    );
    assert!(matches!(r.unbind(b, "p2"), Unbound::Removed));
    r.depart(a);
    assert!(r.bindings_of_type("webhook").is_empty());
    assert!(r.bindings_held_by(a).is_empty());
}
