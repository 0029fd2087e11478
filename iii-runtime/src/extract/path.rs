//! [`Path<T>`]: the values of an HTTP route's `:name` segments.

use serde::de::DeserializeOwned;

use super::de::from_params;
use super::extractor::FromInvocation;
use crate::error::{Error, Result};
use crate::worker::Invocation;

/// The route parameters of an HTTP-fired invocation, percent-decoded and deserialized into
/// `T`: a struct whose fields are named like the `:params`, a tuple (in route order), or a
/// single value when the route has one parameter.
///
/// ```no_run
/// use iii::prelude::*;
///
/// #[derive(Deserialize)]
/// struct Ids { user: u64, post: u64 }
///
/// #[iii::function("posts.get")]
/// #[iii::http(path = "users/:user/posts/:post", method = "GET")]
/// async fn get(Path(ids): Path<Ids>) -> iii::Result<String> {
///     Ok(format!("post {} of user {}", ids.post, ids.user))
/// }
/// # #[iii::main] async fn main() {}
/// ```
///
/// For tuples and single values the macro checks at compile time that the counts agree. For
/// a struct, the worker checks before it connects that every `:param` of the function's routes
/// is a field as serde names it (after `rename` and `rename_all`), and that every required
/// field has a `:param`; maps, newtypes and `#[serde(flatten)]` are not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Path<T>(pub T);

impl<T> std::ops::Deref for Path<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromInvocation for Path<T> {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        let params = match invocation.http() {
            Some(req) => route_order(&req.path)
                .into_iter()
                .filter_map(|name| {
                    let value = req.path_params.get(name)?;
                    Some((name.to_owned(), percent_decode(value)))
                })
                .collect(),
            None => Vec::new(),
        };
        from_params(params)
            .map(Path)
            .map_err(|(message, path)| Error::InvalidInput {
                message: format!("invalid path parameter: {message}"),
                path,
            })
    }
}

/// The `:name` segments of a route template, in order.
pub(crate) fn route_order(template: &str) -> Vec<&str> {
    template
        .split('/')
        .filter_map(|segment| segment.strip_prefix(':'))
        .collect()
}

/// Decodes `%XX` escapes (the engine passes path segments raw); invalid UTF-8 is replaced.
pub(crate) fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match decoded {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_keeps_the_rest() {
        assert_eq!(percent_decode("Ada%20Lovelace"), "Ada Lovelace");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(route_order("/users/:user/posts/:post"), ["user", "post"]);
    }
}
