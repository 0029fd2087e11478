//! Query strings: percent-decoding, shared by the HTTP envelope, the data channel URLs of the
//! worker port and the auth function's input on an access-controlled listener.

use std::collections::HashMap;

/// Query parameters, percent-decoded (`+` is a space); for a repeated key the last one wins.
pub(crate) fn query_params(query: &str) -> HashMap<String, String> {
    query_pairs(query).collect()
}

/// Every `key=value` pair of a query, percent-decoded, in order (repeated keys included).
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn query_decoding() {
        let q = query_params("a=1&b=hello%20world&c=x+y&d&e=%zz&a=2");
        assert_eq!(
            serde_json::to_value(q).unwrap(),
            json!({"a":"2","b":"hello world","c":"x y","d":"","e":"%zz"})
        );
    }
}
