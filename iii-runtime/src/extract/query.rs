//! [`Query<T>`]: the query string of an HTTP request.

use serde::de::DeserializeOwned;

use super::de::from_params;
use super::extractor::FromInvocation;
use crate::error::{Error, Result};
use crate::worker::Invocation;

/// The query parameters of an HTTP-fired invocation deserialized into `T` (usually a struct
/// with `Option` fields). Values are parsed into the field types: `?page=2` fills a `u32`.
/// A direct call has no query string: `T` then sees no parameters at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromInvocation for Query<T> {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        let mut params: Vec<(String, String)> = invocation
            .http()
            .map(|req| {
                req.query_params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        // The envelope's map has no order; sort so that errors are deterministic.
        params.sort();
        from_params(params)
            .map(Query)
            .map_err(|(message, path)| Error::InvalidInput {
                message: format!("invalid query string: {message}"),
                path,
            })
    }
}
