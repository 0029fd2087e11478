//! Parsing `#[iii::main(…)]` and the function it stands on.

use proc_macro2::{Span, TokenStream};

use crate::args::{self, Spec};
use crate::errors::Errors;
use crate::krate::Runtime;

const MAIN: Spec = Spec {
    attr: "main",
    keys: &["crate"],
    positional: None,
    example: "#[iii::main]",
};

/// The parsed attribute and function.
pub(crate) struct Main {
    /// The runtime's path.
    pub(crate) krate: syn::Path,
    pub(crate) item: syn::ItemFn,
}

/// Parses `args` and `item`; `Err` only when `item` is no function, everything else is
/// recorded in `errors`.
pub(crate) fn parse(
    args: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> syn::Result<Main> {
    let item: syn::ItemFn = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "`#[iii::main]` goes on `async fn main()`\nhelp: write `#[iii::main] async fn main() {}`",
        )
    })?;
    let opts = args::named(args, &MAIN, errors);
    let krate = Runtime::new(opts.get("crate"), errors).path;
    Ok(Main { krate, item })
}
