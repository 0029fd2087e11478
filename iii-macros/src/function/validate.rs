//! Checking a parsed `#[iii::function]` into its [`Model`]: the options' values, the triggers,
//! the signature (no generics, `unsafe`, `extern`, `const` or `self`), what each parameter
//! and the return type are, and the parameters against each other and the routes.

use proc_macro2::Span;
use syn::FnArg;
use syn::spanned::Spanned;

use super::ast::{Function, Marker};
use super::model::{Model, Output, Param, Value};
use super::parse::MARKER;
use super::{params, types};
use crate::args::Required;
use crate::errors::Errors;
use crate::trigger::validate as trigger;

/// The largest `concurrency`. tokio's semaphore panics above `usize::MAX >> 3` permits, which
/// is this on 32-bit targets; one bound for every target keeps a limit that compiles from
/// failing at start-up on another target.
pub(crate) const MAX_CONCURRENCY: u64 = (u32::MAX >> 3) as u64;

/// The model; `None` when something is wrong, with every problem recorded in `errors`.
pub(crate) fn validate(function: &Function, errors: &mut Errors) -> Option<Model> {
    let options = &function.options;
    let item = &function.item;
    let id = match &options.id {
        Required::Given(id) if id.value().trim().is_empty() => {
            errors.add(
                id.span(),
                "the function id must not be empty\nhelp: name the function, e.g. `#[iii::function(\"math.add\")]`",
            );
            None
        }
        Required::Given(id) => Some(id.clone()),
        Required::Malformed => None,
        Required::Missing => {
            errors.add(
                Span::call_site(),
                "missing function id\nhelp: name the function: `#[iii::function(\"math.add\")]`",
            );
            None
        }
    };
    let timeout_ms = options.timeout.as_ref().and_then(|t| match duration_ms(&t.value()) {
        Some(ms) => Some(ms),
        None => {
            errors.add(
                t.span(),
                format!(
                    "invalid timeout `{}`\nhelp: write a positive number with a unit: `\"500ms\"`, `\"30s\"`, `\"5m\"`, `\"1h\"`",
                    t.value()
                ),
            );
            None
        }
    });
    let concurrency = options
        .concurrency
        .as_ref()
        .and_then(|n| concurrency(n, errors));
    let marker = match &options.marker {
        None => Some(Some(item.sig.ident.clone())),
        Some(Marker::Bool(b)) if !b.value => Some(None),
        Some(Marker::Bool(_)) => Some(Some(item.sig.ident.clone())),
        Some(Marker::Name(s)) => match s.parse::<syn::Ident>() {
            Ok(name) => Some(Some(name)),
            Err(_) => {
                errors.add(s.span(), MARKER);
                None
            }
        },
    };
    let triggers: Vec<_> = function
        .triggers
        .iter()
        .filter_map(|t| trigger::validate(t, errors))
        .collect();
    signature(&item.sig, errors);
    let krate = &function.runtime.path;
    let mut params = Vec::new();
    for (arg, forced) in item.sig.inputs.iter().zip(&function.forced_inputs) {
        match arg {
            FnArg::Receiver(r) => errors.spanned(
                r,
                "an `#[iii::function]` cannot take `self`\nhelp: make it a free function; share data with an `iii::State<T>` parameter",
            ),
            FnArg::Typed(pat) if *forced => params.push(Param::Input(pat.ty.clone())),
            FnArg::Typed(pat) => match types::classify(&pat.ty, krate) {
                Ok(param) => params.push(param),
                Err(message) => errors.spanned(&pat.ty, message),
            },
        }
    }
    let output = match &item.sig.output {
        syn::ReturnType::Default => Some(Output {
            fallible: None,
            value: Value::Unit,
        }),
        syn::ReturnType::Type(_, ty) => match types::output(ty, krate) {
            Ok(output) => Some(output),
            Err(message) => {
                errors.spanned(ty, message);
                None
            }
        },
    };
    params::check(&params, &triggers, errors);
    if item.sig.asyncness.is_none()
        && let (
            Some(Output {
                value: Value::Streamed(ty),
                ..
            }),
            syn::ReturnType::Type(..),
        ) = (&output, &item.sig.output)
    {
        errors.spanned(
            ty,
            "a streamed response (`iii::Body`, `iii::Sse`) needs an `async fn`\nhelp: make the function `async`",
        );
    }
    let (id, output, marker) = (id?, output?, marker?);
    Some(Model {
        id,
        description: options
            .description
            .as_ref()
            .map(syn::LitStr::value)
            .or_else(|| function.doc.clone()),
        krate: krate.clone(),
        name: item.sig.ident.clone(),
        marker,
        vis: item.vis.clone(),
        is_async: item.sig.asyncness.is_some(),
        params,
        output,
        triggers,
        timeout_ms,
        concurrency,
    })
}

/// What the signature itself may not have.
fn signature(sig: &syn::Signature, errors: &mut Errors) {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            "an `#[iii::function]` cannot be generic\nhelp: declare one function per concrete type",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.add(
            unsafety.span(),
            "an `#[iii::function]` cannot be `unsafe`\nhelp: remove `unsafe`; call unsafe code inside the body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(
            abi,
            "an `#[iii::function]` cannot have an `extern` ABI\nhelp: remove the `extern`",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.add(
            constness.span(),
            "an `#[iii::function]` cannot be `const`\nhelp: remove `const`",
        );
    }
}

/// `concurrency = n`: from 1 to [`MAX_CONCURRENCY`].
fn concurrency(n: &syn::LitInt, errors: &mut Errors) -> Option<usize> {
    // The digits are all decimal: a value that does not parse is one too large for `u64`.
    let value = n.base10_parse::<u64>().unwrap_or(u64::MAX);
    if value == 0 {
        errors.add(
            n.span(),
            "`concurrency = 0` would never run the function\nhelp: write a limit of at least 1 (`concurrency = 8`), or leave `concurrency` out for no limit",
        );
        return None;
    }
    match usize::try_from(value) {
        Ok(limit) if value <= MAX_CONCURRENCY => Some(limit),
        _ => {
            errors.add(
                n.span(),
                format!(
                    "`concurrency = {}` is too large\nhelp: the limit is at most {MAX_CONCURRENCY}; leave `concurrency` out for no limit",
                    n.base10_digits()
                ),
            );
            None
        }
    }
}

/// `500ms`, `30s`, `5m`, `1h` in milliseconds.
fn duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let factor = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("500ms"), Some(500));
        assert_eq!(duration_ms("30s"), Some(30_000));
        assert_eq!(duration_ms("2m"), Some(120_000));
        assert_eq!(duration_ms("1h"), Some(3_600_000));
        for bad in ["", "0s", "s", "10", "1d", "-1s", "1.5s"] {
            assert_eq!(duration_ms(bad), None, "{bad}");
        }
    }
}
