//! [`Headers`]: the request headers of an HTTP-fired invocation.

use std::collections::HashMap;

use super::extractor::FromInvocation;
use crate::error::Result;
use crate::worker::Invocation;

/// The request headers (names lower case, one value per name, as the engine delivers them).
/// Empty when the function was called directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub HashMap<String, String>);

impl Headers {
    /// The value of header `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .or_else(|| self.0.get(&name.to_ascii_lowercase()))
            .map(String::as_str)
    }

    /// Whether header `name` is present (case-insensitive).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every header as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromInvocation for Headers {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        Ok(Self(
            invocation
                .http()
                .map(|req| req.headers.clone())
                .unwrap_or_default(),
        ))
    }
}
