//! Writing validated triggers: each as a `TriggerSpec` value in the function's registration,
//! and a trigger met above `#[iii::function]` moved below it.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, ItemFn};

use super::ast::TopicArg;
use super::model::TriggerAttr;

/// The `TriggerSpec` expression of `trigger`; `private` is the runtime's `__private` path.
pub(crate) fn spec(private: &TokenStream, trigger: &TriggerAttr) -> TokenStream {
    let opt = |s: &Option<syn::LitStr>| match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    match trigger {
        TriggerAttr::Http { method, path, .. } => quote! {
            #private::TriggerSpec::Http { method: #method, path: #path }
        },
        TriggerAttr::Cron { expression } => quote! {
            #private::TriggerSpec::Cron { expression: #expression }
        },
        TriggerAttr::Queue { topic } => {
            let topic = topic_name(topic);
            quote! { #private::TriggerSpec::Queue { topic: #topic } }
        }
        TriggerAttr::Subscribe { topic } => {
            let topic = topic_name(topic);
            quote! { #private::TriggerSpec::Subscribe { topic: #topic } }
        }
        TriggerAttr::Stream { name, group, item } => {
            let (group, item) = (opt(group), opt(item));
            quote! {
                #private::TriggerSpec::Stream { name: #name, group: #group, item: #item }
            }
        }
        TriggerAttr::Kv { scope, key } => {
            let key = opt(key);
            quote! {
                #private::TriggerSpec::Kv {
                    scope: ::core::option::Option::Some(#scope),
                    key: #key,
                }
            }
        }
        TriggerAttr::Custom {
            trigger_type,
            config,
        } => quote! {
            #private::TriggerSpec::Custom { trigger_type: #trigger_type, config: #config }
        },
    }
}

/// The topic's name as a constant expression: the literal, or the constant's `name()`.
fn topic_name(topic: &TopicArg) -> TokenStream {
    match topic {
        TopicArg::Name(name) => quote!(#name),
        TopicArg::Const(path) => quote!(#path.name()),
    }
}

/// For a trigger naming a `Topic<T>` constant: a compile-time check that the function's
/// `input` is that `T`, reported at the constant's path.
pub(crate) fn topic_check(
    private: &TokenStream,
    trigger: &TriggerAttr,
    input: Option<&syn::Type>,
) -> TokenStream {
    let (TriggerAttr::Queue {
        topic: TopicArg::Const(path),
    }
    | TriggerAttr::Subscribe {
        topic: TopicArg::Const(path),
    }) = trigger
    else {
        return TokenStream::new();
    };
    let Some(input) = input else {
        return TokenStream::new();
    };
    let check = quote::quote_spanned!(syn::spanned::Spanned::span(path)=>
        #private::topic_carries::<#input, _>(&#path)
    );
    quote! { const _: () = #check; }
}

/// `item` with the trigger `name(args)` inserted right below its `#[iii::function]` (at
/// `function`), under the same path, so that the function macro takes it.
pub(crate) fn standalone(
    name: &str,
    args: &TokenStream,
    mut item: ItemFn,
    function: usize,
) -> TokenStream {
    let Some(function_attr) = item.attrs.get(function) else {
        return quote! { #item };
    };
    let mut path = function_attr.path().clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = syn::Ident::new(name, Span::call_site());
    }
    let attr: Attribute = syn::parse_quote! { #[#path(#args)] };
    item.attrs.insert(function + 1, attr);
    quote! { #item }
}
