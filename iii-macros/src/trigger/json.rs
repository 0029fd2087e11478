//! `#[iii::trigger(config = …)]`: a JSON object written as Rust tokens (`{ "topic": "a",
//! "n": 3 }`) or as a string of JSON text, checked and turned into JSON text at compile time.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::spanned::Spanned;

/// Converts the tokens of a JSON value to JSON text.
pub(crate) fn to_json(tokens: TokenStream) -> Result<String, syn::Error> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    value(&trees, Span::call_site())
}

fn value(trees: &[TokenTree], span: Span) -> Result<String, syn::Error> {
    match trees {
        [] => Err(syn::Error::new(span, "expected a JSON value")),
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Brace => object(g.stream(), g.span()),
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Bracket => {
            let items: Result<Vec<String>, _> = split(g.stream())
                .iter()
                .map(|item| value(item, g.span()))
                .collect();
            Ok(format!("[{}]", items?.join(",")))
        }
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::None => {
            value(&g.stream().into_iter().collect::<Vec<_>>(), g.span())
        }
        [TokenTree::Ident(i)] if i == "true" || i == "false" || i == "null" => Ok(i.to_string()),
        [TokenTree::Literal(l)] => literal(l),
        [TokenTree::Punct(p), TokenTree::Literal(l)] if p.as_char() == '-' => {
            let n = literal(l)?;
            if n.starts_with('"') {
                Err(syn::Error::new(p.span(), "`-` before a string"))
            } else {
                Ok(format!("-{n}"))
            }
        }
        [first, ..] => Err(syn::Error::new(
            first.span(),
            "expected a JSON value: an object `{…}`, an array `[…]`, a string, a number, `true`, `false` or `null`",
        )),
    }
}

fn object(tokens: TokenStream, span: Span) -> Result<String, syn::Error> {
    let mut members = Vec::new();
    for entry in split(tokens) {
        let colon = entry
            .iter()
            .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == Spacing::Alone));
        let Some(colon) = colon else {
            let at = entry.first().map_or(span, Spanned::span);
            return Err(syn::Error::new(at, "expected `\"key\": value`"));
        };
        let key = match &entry[..colon] {
            [TokenTree::Literal(l)] => match syn::parse_str::<syn::LitStr>(&l.to_string()) {
                Ok(s) => s.value(),
                Err(_) => return Err(syn::Error::new(l.span(), "an object key must be a string")),
            },
            [TokenTree::Ident(i)] => i.to_string(),
            other => {
                let at = other.first().map_or(span, Spanned::span);
                return Err(syn::Error::new(at, "an object key must be a string"));
            }
        };
        members.push(format!(
            "{}:{}",
            quote_json(&key),
            value(&entry[colon + 1..], span)?
        ));
    }
    Ok(format!("{{{}}}", members.join(",")))
}

fn literal(l: &proc_macro2::Literal) -> Result<String, syn::Error> {
    match syn::parse_str::<syn::Lit>(&l.to_string()) {
        Ok(syn::Lit::Str(s)) => Ok(quote_json(&s.value())),
        Ok(syn::Lit::Int(i)) if i.suffix().is_empty() => Ok(i.base10_digits().to_owned()),
        Ok(syn::Lit::Float(f)) if f.suffix().is_empty() => Ok(f.base10_digits().to_owned()),
        _ => Err(syn::Error::new(
            l.span(),
            "expected a JSON string or number (no suffixes, no byte strings, no chars)",
        )),
    }
}

/// Splits on top-level commas (commas inside groups belong to the group); a trailing comma is
/// allowed.
fn split(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for tree in tokens {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(tree);
                }
            }
        }
    }
    if parts.last().is_some_and(Vec::is_empty) {
        parts.pop();
    }
    parts
}

/// A JSON string literal.
pub(crate) fn quote_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(src: &str) -> Result<String, String> {
        let tokens: TokenStream = src.parse().map_err(|e| format!("{e}"))?;
        to_json(tokens).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_arrays_and_scalars() {
        assert_eq!(
            json(r#"{ "topic": "a\"b", n: -3, "f": 1.5, "l": [1, true, null], "o": {} }"#),
            Ok(r#"{"topic":"a\"b","n":-3,"f":1.5,"l":[1,true,null],"o":{}}"#.to_owned())
        );
        assert_eq!(json(r#"{"a": [], }"#), Ok(r#"{"a":[]}"#.to_owned()));
        assert!(json(r#"{"a" 1}"#).is_err());
        assert!(json(r#"{"a": foo}"#).is_err());
        assert!(json(r#"{"a": 1u8}"#).is_err());
        assert!(json(r#"{1: 2}"#).is_err());
    }
}
