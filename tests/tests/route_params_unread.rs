//! A route whose `:params` the function never reads (no `Path<T>`, no `http::Request<T>`) is
//! reported before connecting, like a `:param` that matches no field of a `Path<T>`.

const UNREAD_LINE: u32 = line!() + 3;
#[iii::function("unread.item")]
#[iii::http(path = "items/:id/parts/:part", method = "GET")]
async fn item() -> &'static str {
    "an item"
}

#[iii::function("unread.request")]
#[iii::http(path = "raw/:id", method = "GET")]
async fn raw(req: iii::http::Request<()>) -> String {
    req.uri().to_string()
}

#[iii::function("unread.none")]
#[iii::http(path = "plain", method = "GET")]
async fn plain() -> &'static str {
    "no params"
}

#[test]
fn route_params_without_a_path_parameter_are_reported() {
    let worker = iii::Worker::with_config(iii::WorkerConfig::default());
    let e = iii::register_declared(&worker).expect_err("an unread parameter");
    let message = e.to_string();
    let file = "tests/tests/route_params_unread.rs";
    assert!(
        message.contains(&format!(
            "function `unread.item` at {file}:{UNREAD_LINE}: the route GET /items/:id/parts/:part has `:id`, `:part`, but the function takes no `Path<T>`"
        )),
        "{message}"
    );
    assert!(
        message.contains("help: add a parameter such as `Path(id): Path<String>`"),
        "{message}"
    );
    assert_eq!(message.matches("function `unread.").count(), 1, "{message}");
}
