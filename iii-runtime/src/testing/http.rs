//! [`Http`]: requests to the engine's HTTP port, built fluently and sent on hyper (the
//! test-support client), with the whole response read before it is returned.

use std::net::SocketAddr;

use http::header::CONTENT_TYPE;
use iii_test_support::http::{Client, Error};
use serde::Serialize;

pub use iii_test_support::http::Response;

/// A client for the HTTP routes of the app under test: `t.http().get("/greet")`.
#[derive(Debug, Clone, Copy)]
pub struct Http {
    client: Client,
}

impl Http {
    /// A client for the HTTP server at `addr` (the app's engine, or any other).
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            client: Client::new(addr),
        }
    }

    /// The address requests go to.
    pub fn addr(&self) -> SocketAddr {
        self.client.addr()
    }

    /// A request of any method to `path` (with or without its leading `/`).
    pub fn request(&self, method: &str, path: &str) -> Request {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Request {
            client: self.client,
            method: method.to_owned(),
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: Ok(Vec::new()),
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Request {
        self.request("GET", path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> Request {
        self.request("POST", path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> Request {
        self.request("PUT", path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> Request {
        self.request("PATCH", path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Request {
        self.request("DELETE", path)
    }
}

/// One request being built; [`send`](Request::send) sends it.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: Client,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Result<Vec<u8>, serde_json::Error>,
}

impl Request {
    /// Adds `name=value` to the query string, percent-encoded.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((encode(name), encode(value)));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A JSON body (`content-type: application/json`).
    pub fn json(self, body: &impl Serialize) -> Self {
        let mut this = self.header(CONTENT_TYPE.as_str(), "application/json");
        this.body = serde_json::to_vec(body);
        this
    }

    /// A text body (`content-type: text/plain; charset=utf-8`).
    pub fn text(self, body: impl Into<String>) -> Self {
        let mut this = self.header(CONTENT_TYPE.as_str(), "text/plain; charset=utf-8");
        this.body = Ok(body.into().into_bytes());
        this
    }

    /// Raw body bytes, with whatever `content-type` header the test adds.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Ok(body.into());
        self
    }

    /// Sends the request and reads the whole response; any status is a response.
    ///
    /// # Errors
    /// When the JSON body did not encode, the method, path or a header is invalid, or the
    /// exchange failed.
    pub async fn send(self) -> Result<Response, Error> {
        let mut target = self.path;
        for (i, (name, value)) in self.query.iter().enumerate() {
            let sep = if i == 0 && !target.contains('?') {
                '?'
            } else {
                '&'
            };
            target.push(sep);
            target.push_str(name);
            target.push('=');
            target.push_str(value);
        }
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        self.client
            .request(&self.method, &target, &headers, self.body?)
            .await
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encodes_all_but_unreserved_characters() {
        assert_eq!(encode("Grace Hopper"), "Grace%20Hopper");
        assert_eq!(encode("a&b=c/é"), "a%26b%3Dc%2F%C3%A9");
        assert_eq!(encode("A-z_0.9~"), "A-z_0.9~");
    }
}
