//! Writing a validated `#[iii::function]`: the function itself, its typed-call marker, the
//! handler adapter and the `inventory` registration. The only step that calls `quote!`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::model::{Extractor, Model, Param, PathShape, Value};
use crate::trigger;

/// The expansion of `model`; `item` is the user's function without our attributes.
pub(crate) fn expand(model: &Model, item: &ItemFn) -> TokenStream {
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let name = &model.name;
    let id = &model.id;

    let handler = handler(model);
    let schema = |ty: Option<&syn::Type>| match ty {
        Some(ty) => quote! {{
            fn __iii_schema() -> ::core::option::Option<#private::serde_json::Value> {
                (&#private::SchemaProbe::<#ty>::new()).schema()
            }
            __iii_schema
        }},
        None => quote! {{
            fn __iii_schema() -> ::core::option::Option<#private::serde_json::Value> {
                ::core::option::Option::None
            }
            __iii_schema
        }},
    };
    let request_format = schema(model.input_type());
    let response_format = schema(model.output_type());
    let description = option(model.description.as_ref().map(|d| quote!(#d)));
    let triggers = model
        .triggers
        .iter()
        .map(|t| trigger::expand::spec(&private, t));
    let topic_checks = model
        .triggers
        .iter()
        .map(|t| trigger::expand::topic_check(&private, t, model.input_type()));
    let states = model.params.iter().filter_map(|p| match p {
        Param::Extractor {
            kind: Extractor::State(ty),
            ..
        } => Some(quote!(#private::state_key::<#ty> as fn() -> #private::StateKey)),
        _ => None,
    });
    let timeout = option(
        model
            .timeout_ms
            .map(|ms| quote!(::core::time::Duration::from_millis(#ms))),
    );
    let concurrency = option(model.concurrency.map(|n| quote!(#n)));
    let line = quote_spanned!(name.span()=> ::core::line!());
    let path = path_probe(model);
    let reads_path = model.params.iter().any(|p| {
        matches!(
            p,
            Param::Extractor {
                kind: Extractor::Path(..) | Extractor::Request(_),
                ..
            }
        )
    });
    let reads_body = model.params.iter().any(|p| {
        matches!(
            p,
            Param::Extractor {
                kind: Extractor::Body,
                ..
            }
        )
    });
    let marker = marker(model);

    quote! {
        #item

        #marker

        const _: () = {
            #[allow(unused_imports)]
            use #private::{
                HasPathProbe as _, HasSchema as _, NoPathProbe as _, NoSchema as _, ViaBox as _,
                ViaFrom as _, ViaLocal as _,
            };

            #handler

            #(#topic_checks)*

            #private::inventory::submit! {
                #private::FunctionRegistration {
                    id: #id,
                    description: #description,
                    handler: __iii_handler,
                    request_format: #request_format,
                    response_format: #response_format,
                    triggers: &[#(#triggers),*],
                    states: &[#(#states),*],
                    path: #path,
                    reads_path: #reads_path,
                    reads_body: #reads_body,
                    timeout: #timeout,
                    concurrency: #concurrency,
                    file: ::core::file!(),
                    line: #line,
                }
            }
        };
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// `fn __iii_handler(Invocation) -> HandlerFuture`: extract the parameters, call the user's
/// function, encode what it returned.
fn handler(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let name = &model.name;
    // The body is decoded first: decoding records the caller's id, which the context carries.
    let mut first = Vec::new();
    let mut rest = Vec::new();
    let mut call_args = Vec::new();
    for (i, param) in model.params.iter().enumerate() {
        let var = quote::format_ident!("__iii_arg{}", i);
        call_args.push(quote!(#var));
        match param {
            Param::Input(ty) => {
                let assert = quote_spanned!(ty.span()=> #private::assert_input::<#ty>(););
                first.push(quote! {
                    #assert
                    let #var: #ty = __iii_inv.input::<#ty>()?;
                });
            }
            Param::Extractor { ty, kind } => {
                let assert = quote_spanned!(ty.span()=> #private::assert_extractor::<#ty>(););
                let extract = quote! {
                    #assert
                    let #var = <#ty as #private::FromInvocation>::from_invocation(&mut __iii_inv)?;
                };
                if let Extractor::Body = kind {
                    // Read from the request's channel, so awaited; first like any body.
                    first.push(quote! {
                        let #var = <#ty as #private::FromBody>::from_body(&mut __iii_inv).await?;
                    });
                } else if let Extractor::Request(body) = kind {
                    let body_assert =
                        quote_spanned!(body.span()=> #private::assert_input::<#body>(););
                    first.push(quote!(#body_assert #extract));
                } else {
                    rest.push(extract);
                }
            }
        }
    }
    // The conversion is spanned at the user's type, so that a missing `Serialize` (or an
    // error type that does not convert) is reported there, once.
    // Only the function paths take the user's span: locals stay at the call site, so that
    // they resolve when the function itself comes from a `macro_rules!` (whose hygiene a
    // user-spanned local would take).
    let encode = match &model.output.value {
        Value::Unit | Value::Unknown => quote!(#private::json_reply(&__iii_v)),
        Value::Json(ty) => {
            let encode = quote_spanned!(ty.span()=> #private::json_reply::<#ty>);
            quote!(#encode(&__iii_v))
        }
        Value::Response(body) => {
            let encode = quote_spanned!(body.span()=> #private::http_reply::<#body>);
            quote!(#encode(__iii_v))
        }
        // Only async handlers get here (validated): the reply attaches the response channel.
        Value::Streamed(ty) => {
            // No turbofish: the type may hold an `impl Trait` (`Sse<impl Stream<…>>`).
            let encode = quote_spanned!(ty.span()=> #private::stream_reply);
            quote!(#encode(__iii_v, &__iii_inv).await)
        }
    };
    let reply = match &model.output.fallible {
        None => quote!({ let __iii_v = __iii_out; #encode }),
        Some(err) => {
            // `(&&probe).convert(e)` picks the user's `From<E> for iii::Error` when there
            // is one (see `ErrorProbe`). The call is located at `E`, so that an error type
            // converting into nothing is reported there, with the call site's hygiene, so that
            // the locals resolve when the function comes from a `macro_rules!`.
            let span = err.as_ref().map_or_else(proc_macro2::Span::call_site, |e| {
                proc_macro2::Span::call_site().located_at(e.span())
            });
            let convert =
                quote_spanned!(span=> (&&#private::error_probe(&__iii_e)).convert(__iii_e));
            quote!({
                match __iii_out {
                    ::core::result::Result::Ok(__iii_v) => #encode,
                    ::core::result::Result::Err(__iii_e) => {
                        ::core::result::Result::Err(#convert)
                    }
                }
            })
        }
    };
    let body = if model.is_async {
        quote! {
            #(#first)*
            #(#rest)*
            let __iii_out = #name(#(#call_args),*).await;
            #reply
        }
    } else {
        quote! {
            #(#first)*
            #(#rest)*
            #private::run_blocking(move || {
                let __iii_out = #name(#(#call_args),*);
                #reply
            }).await
        }
    };
    quote! {
        fn __iii_handler(mut __iii_inv: #private::Invocation) -> #private::HandlerFuture {
            #private::boxed(async move { #body })
        }
    }
}

/// For a `Path<T>` whose `T` may be a struct: the probe that lets the runtime check the
/// routes' `:params` against the field names serde uses (which the macro cannot see).
fn path_probe(model: &Model) -> TokenStream {
    let krate = &model.krate;
    let probe = model.params.iter().find_map(|param| match param {
        Param::Extractor {
            kind: Extractor::Path(inner, PathShape::Struct),
            ..
        } => Some(quote!((&#krate::__private::PathProbeOf::<#inner>::new()).path_probe())),
        _ => None,
    });
    let probe = probe.unwrap_or_else(|| quote!(::core::option::Option::None));
    quote! {{
        fn __iii_path_probe() -> ::core::option::Option<#krate::__private::PathProbe> {
            #probe
        }
        __iii_path_probe
    }}
}

/// The typed-call marker: a type named like the function implementing `TypedFunction`.
fn marker(model: &Model) -> TokenStream {
    let Some(name) = &model.marker else {
        return TokenStream::new();
    };
    if matches!(model.output.value, Value::Unknown) {
        return TokenStream::new();
    }
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let (function, vis, id) = (&model.name, &model.vis, &model.id);
    let input = model
        .input_type()
        .map_or_else(|| quote!(()), |ty| quote!(#ty));
    let output = model.output_type().map_or_else(|| quote!(()), owned);
    let doc = format!(
        "The function `{}` (`{function}`) as a type, for typed calls: `ctx.call::<{name}>(input)`.",
        id.value()
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        impl #private::TypedFunction for #name {
            const ID: &'static str = #id;
            type Input = #input;
            type Output = #output;
        }
    }
}

/// What a caller decodes a returned `&'static` value into: `String` for `str`, `Vec<T>` for a
/// slice, the referent otherwise.
fn owned(ty: &syn::Type) -> TokenStream {
    match ty {
        syn::Type::Reference(r) => match r.elem.as_ref() {
            syn::Type::Path(p) if p.path.is_ident("str") => quote!(::std::string::String),
            syn::Type::Slice(s) => {
                let elem = &s.elem;
                quote!(::std::vec::Vec<#elem>)
            }
            elem => quote!(#elem),
        },
        _ => quote!(#ty),
    }
}
