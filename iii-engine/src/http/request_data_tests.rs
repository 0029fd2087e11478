//! The envelope written from the request is the one `iii_protocol::http::HttpRequest` (and
//! `MiddlewareInput`) gave when they were filled with owned maps first: the same JSON
//! value, whatever the headers, parameters and body.

use std::collections::HashMap;

use http::HeaderValue;
use iii_protocol::http::{
    ChannelRef, HttpRequest, HttpTriggerInfo, MiddlewareInput, MiddlewareRequest,
};
use serde_json::{Map, Value, json};

use super::*;

fn route(template: &str) -> Route {
    let config = json!({"api_path": template, "http_method": "POST"});
    match Route::from_config(&config, "t", "f") {
        Ok(Some(route)) => route,
        other => panic!("route: {other:?}"),
    }
}

/// The envelope as it was built before: owned maps, then serialized.
fn oracle(
    route: &Route,
    params: &[(String, String)],
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    refs: (ChannelRef, ChannelRef),
) -> (Value, Value) {
    let headers_map: HashMap<String, String> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = if is_json(headers) {
        serde_json::from_slice::<Box<RawValue>>(body).unwrap_or_else(|_| iii_protocol::raw::null())
    } else {
        iii_protocol::raw::null()
    };
    let request = HttpRequest {
        query_params: query.clone(),
        path_params: params.iter().cloned().collect(),
        headers: headers_map,
        path: route.template.clone(),
        method: "POST".into(),
        body,
        trigger: Some(HttpTriggerInfo {
            kind: "http".into(),
            path: route.template.clone(),
            method: "POST".into(),
        }),
        request_body: Some(refs.0),
        response: Some(refs.1),
    };
    let middleware = MiddlewareInput {
        phase: "preHandler".into(),
        request: MiddlewareRequest {
            path_params: request.path_params.clone(),
            query_params: request.query_params.clone(),
            headers: request.headers.clone(),
            method: request.method.clone(),
        },
        context: Value::Object(Map::new()),
    };
    (
        serde_json::to_value(&request).unwrap_or_default(),
        serde_json::to_value(&middleware).unwrap_or_default(),
    )
}

fn check(headers: &HeaderMap, params: &[(String, String)], query: &str, body: &[u8]) {
    let route = route("/users/:id");
    let query = crate::url::query_params(query);
    let (id_a, id_b) = (Uuid::new_v4(), Uuid::new_v4());
    let ends = (
        ChannelEnd {
            channel_id: id_a,
            access_key: "ka",
            direction: "read",
        },
        ChannelEnd {
            channel_id: id_b,
            access_key: "kb",
            direction: "write",
        },
    );
    let raw_body = super::body(headers, body);
    let data = RequestData::new(&route, "POST", params, &query, headers, raw_body, ends);
    let refs = (
        ChannelRef {
            channel_id: id_a.to_string(),
            access_key: "ka".into(),
            direction: "read".into(),
        },
        ChannelRef {
            channel_id: id_b.to_string(),
            access_key: "kb".into(),
            direction: "write".into(),
        },
    );
    let (want, want_middleware) = oracle(&route, params, &query, headers, body, refs);
    let text = serde_json::to_string(&data).unwrap_or_default();
    let got: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(got, want, "{text}");
    let middleware = serde_json::to_value(data.middleware()).unwrap_or_default();
    assert_eq!(middleware, want_middleware);
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_same_envelope_as_the_owned_maps_gave() {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("host", HeaderValue::from_static("localhost"));
    headers.append("x-dup", HeaderValue::from_static("first"));
    headers.append("x-dup", HeaderValue::from_static("second"));
    headers.append("x-other", HeaderValue::from_static("o"));
    headers.append("x-dup", HeaderValue::from_static("third"));
    headers.insert(
        "x-bin",
        HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap_or(HeaderValue::from_static("")),
    );
    let id = params(&[("id", "42")]);
    check(
        &headers,
        &id,
        "a=1&b=%20x&a=2",
        br#"{"name":"Ada","n":[1,2]}"#,
    );
    check(&headers, &id, "", b"  {\"spaced\" : true }  ");
    check(&headers, &id, "", b"not json");
    check(&headers, &id, "", b"");
    check(&headers, &params(&[("id", "1"), ("id", "2")]), "", b"1");
    headers.insert("content-type", HeaderValue::from_static("text/plain"));
    check(&headers, &id, "q", br#"{"ignored":true}"#);
    check(&HeaderMap::new(), &[], "", b"");
}

#[test]
fn the_last_value_of_a_repeated_header_is_kept() {
    let mut headers = HeaderMap::new();
    headers.append("x-dup", HeaderValue::from_static("first"));
    headers.append("x-dup", HeaderValue::from_static("last"));
    let text = serde_json::to_string(&Headers(&headers)).unwrap_or_default();
    assert_eq!(text, r#"{"x-dup":"last"}"#);
    let dup = params(&[("a", "1"), ("b", "2"), ("a", "3")]);
    let text = serde_json::to_string(&Params(&dup)).unwrap_or_default();
    assert_eq!(text, r#"{"b":"2","a":"3"}"#);
}
