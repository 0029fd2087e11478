//! CORS on the HTTP port, by [`Cors`] policy: the real engine's permissive default (any
//! origin, every header exposed, a preflight answer on any path), a list of allowed origins,
//! or none at all.

use http::StatusCode;
use http::header::{self, HeaderValue};

use super::envelope::{self, Resp};
use crate::config::Cors;

/// Adds the policy's headers to a response to a request from `origin`.
pub(crate) fn apply(policy: &Cors, origin: Option<&HeaderValue>, mut resp: Resp) -> Resp {
    let h = resp.headers_mut();
    let allowed = match policy {
        Cors::Any => HeaderValue::from_static("*"),
        Cors::Origins(list) => {
            // The answer depends on the request's origin: caches must keep them apart.
            h.append(header::VARY, HeaderValue::from_static("origin"));
            match origin.filter(|o| list.iter().any(|a| a.as_bytes() == o.as_bytes())) {
                Some(origin) => origin.clone(),
                None => return resp,
            }
        }
        Cors::Off => return resp,
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
    resp
}

/// Whether `OPTIONS` on a path without an `OPTIONS` route is answered as a preflight.
pub(crate) fn answers_preflights(policy: &Cors) -> bool {
    !matches!(policy, Cors::Off)
}

/// The answer to a preflight (its `access-control-allow-origin` comes from [`apply`]).
pub(crate) fn preflight() -> Resp {
    let mut resp = envelope::empty(StatusCode::NO_CONTENT);
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    resp
}
