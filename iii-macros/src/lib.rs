//! Attribute macros of `iii-runtime`. Use them through the runtime (`#[iii::function]`,
//! `#[iii::http]`, `#[iii::main]`, …); their documentation lives there.
//!
//! Each entry point hands `proc_macro2` tokens to a module that parses the input into a typed
//! model, validates it (collecting every error), and only then expands it.

mod args;
mod cron;
mod function;
mod json;
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

/// Adds a durable queue trigger to an `#[iii::function]`. See `iii::queue` in `iii-runtime`.
#[proc_macro_attribute]
pub fn queue(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("queue", args.into(), item.into()).into()
}

/// Adds a cron trigger to an `#[iii::function]`. See `iii::cron` in `iii-runtime`.
#[proc_macro_attribute]
pub fn cron(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("cron", args.into(), item.into()).into()
}

/// Adds a pub/sub trigger to an `#[iii::function]`. See `iii::subscribe` in `iii-runtime`.
#[proc_macro_attribute]
pub fn subscribe(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("subscribe", args.into(), item.into()).into()
}

/// Adds a stream trigger to an `#[iii::function]`. See `iii::stream` in `iii-runtime`.
#[proc_macro_attribute]
pub fn stream(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("stream", args.into(), item.into()).into()
}

/// Adds a state trigger to an `#[iii::function]`. See `iii::state` in `iii-runtime`.
#[proc_macro_attribute]
pub fn state(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("state", args.into(), item.into()).into()
}

/// Adds a trigger of any type to an `#[iii::function]`. See `iii::trigger` in `iii-runtime`.
#[proc_macro_attribute]
pub fn trigger(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("trigger", args.into(), item.into()).into()
}

/// Runs the worker. See `iii::main` in `iii-runtime`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::expand(args.into(), item.into()).into()
}
