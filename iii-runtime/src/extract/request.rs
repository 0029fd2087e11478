//! `http::Request<T>` as an extractor: the whole HTTP request with a typed body.

use serde::de::DeserializeOwned;

use super::extractor::FromInvocation;
use super::path::percent_decode;
use crate::error::{Error, Result};
use crate::worker::Invocation;

/// The method, a URI rebuilt from the route and its parameters plus the query string, the
/// headers (invalid ones skipped), and the body deserialized into `T`. A direct call gives a
/// `POST /` request whose body is the input.
impl<T: DeserializeOwned> FromInvocation for http::Request<T> {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        let body = invocation.input::<T>()?;
        let Some(req) = invocation.http() else {
            let mut request = http::Request::new(body);
            *request.method_mut() = http::Method::POST;
            return Ok(request);
        };
        let mut builder = http::Request::builder()
            .method(req.method.as_str())
            .uri(uri(&req.path, &req.path_params, &req.query_params));
        for (name, value) in &req.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                builder = builder.header(name, value);
            }
        }
        builder.body(body).map_err(|e| Error::InvalidInput {
            message: format!("the HTTP request cannot be represented: {e}"),
            path: None,
        })
    }
}

fn uri(
    template: &str,
    path_params: &std::collections::HashMap<String, String>,
    query: &std::collections::HashMap<String, String>,
) -> String {
    let path: Vec<&str> = template
        .trim_start_matches('/')
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) => path_params.get(name).map_or(segment, String::as_str),
            None => segment,
        })
        .collect();
    let mut uri = format!("/{}", path.join("/"));
    let mut pairs: Vec<_> = query.iter().collect();
    pairs.sort();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(&encode(k));
        uri.push('=');
        uri.push_str(&encode(v));
    }
    // Keep the URI parseable even when a raw segment held something odd.
    if uri.parse::<http::Uri>().is_err() {
        return format!(
            "/{}",
            encode(&percent_decode(template.trim_start_matches('/')))
        );
    }
    uri
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
