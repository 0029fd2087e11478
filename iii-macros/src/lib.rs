//! Attribute macros of `iii-runtime`. Use them through the runtime (`#[iii::function]`,
//! `#[iii::http]`, `#[iii::main]`); their documentation lives there.
//!
//! Each entry point hands `proc_macro2` tokens to a module that parses the input into a typed
//! model, validates it (collecting every error), and only then expands it.

mod args;
mod function;
mod main_fn;
mod route;
mod trigger;

use proc_macro::TokenStream;

/// Declares a worker function. See `iii::function` in `iii-runtime`.
#[proc_macro_attribute]
pub fn function(args: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(args.into(), item.into()).into()
}

/// Adds an HTTP trigger to an `#[iii::function]`. See `iii::http` in `iii-runtime`.
#[proc_macro_attribute]
pub fn http(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("http", args.into(), item.into()).into()
}

/// Runs the worker. See `iii::main` in `iii-runtime`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::expand(args.into(), item.into()).into()
}
