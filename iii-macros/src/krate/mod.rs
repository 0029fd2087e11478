//! Which path names the runtime: the one the generated code uses (`::iii`, the key of a
//! renamed dependency, or `crate = "…"`), and the test of whether an attribute path names the
//! runtime, so that `#[other::http]` stays another crate's attribute.
//!
//! `proc-macro-crate` reads the manifest of the crate being compiled (renamed, target-specific
//! and workspace-inherited dependencies included). It answers with the dependency's key, which
//! is the package name `iii-runtime` (as `iii_runtime`) when the dependency is not renamed,
//! while the library is called `iii`; see [`path_of`] for each answer.

use proc_macro_crate::FoundCrate;

use crate::args::{self, Named};
use crate::errors::Errors;

/// The package the generated code refers to.
const PACKAGE: &str = "iii-runtime";

/// The name of its library, which a dependency that is not renamed is known by.
const LIBRARY: &str = "iii";

/// How the crate being compiled names the runtime.
pub(crate) struct Runtime {
    /// What the generated code starts its paths with.
    pub(crate) path: syn::Path,
    /// Attribute paths that start with one of these name the runtime.
    prefixes: Vec<syn::Path>,
}

impl Runtime {
    /// From the `crate = "…"` option, if given: that path; otherwise the manifest's name.
    pub(crate) fn new(option: Option<&Named>, errors: &mut Errors) -> Self {
        let resolved = path_of(proc_macro_crate::crate_name(PACKAGE));
        let path = match option {
            None => resolved.clone(),
            // A malformed `crate` is already an error; `::iii` keeps the rest of the checks
            // going as they would without the option.
            Some(named) => parse_option(named, errors).unwrap_or_else(library),
        };
        let mut prefixes = vec![library(), resolved];
        if option.is_some() {
            prefixes.push(path.clone());
        }
        Self { path, prefixes }
    }

    /// The runtime as the manifest names it, recognised also through each of `paths` (the
    /// `crate = "…"` options around a trigger attribute met on its own).
    pub(crate) fn recognising(paths: impl IntoIterator<Item = syn::Path>) -> Self {
        let path = path_of(proc_macro_crate::crate_name(PACKAGE));
        let mut prefixes = vec![library(), path.clone()];
        prefixes.extend(paths);
        Self { path, prefixes }
    }

    /// The runtime as `path` names it, recognised by the same prefixes.
    #[cfg(test)]
    pub(crate) fn with_path(path: syn::Path) -> Self {
        Self {
            prefixes: vec![library(), path.clone()],
            path,
        }
    }

    /// Which of `names` `attr` is, when it is one of ours: a bare name (`#[http]`, imported),
    /// or a path through a name of the runtime (`#[iii::http]`, `#[::worker::http]`).
    pub(crate) fn attribute(
        &self,
        attr: &syn::Path,
        names: &[&'static str],
    ) -> Option<&'static str> {
        let segments: Vec<&syn::PathSegment> = attr.segments.iter().collect();
        let (last, prefix) = segments.split_last()?;
        let name = names.iter().copied().find(|n| last.ident == n)?;
        if !last.arguments.is_none() {
            return None;
        }
        if prefix.is_empty() {
            return attr.leading_colon.is_none().then_some(name);
        }
        let ours = self.prefixes.iter().any(|p| {
            p.segments.len() == prefix.len()
                && p.segments
                    .iter()
                    .zip(prefix.iter())
                    .all(|(a, b)| a.ident == b.ident && b.arguments.is_none())
        });
        ours.then_some(name)
    }
}

/// `::iii`.
fn library() -> syn::Path {
    ident_path(LIBRARY).unwrap_or_else(|| syn::parse_quote!(::iii))
}

/// `::name`, when `name` is an identifier.
fn ident_path(name: &str) -> Option<syn::Path> {
    let ident: syn::Ident = syn::parse_str(name).ok()?;
    Some(syn::parse_quote!(::#ident))
}

/// The path for what `proc-macro-crate` found:
/// - `Name(key)` for a dependency: `::key` when renamed (`worker = { package = "iii-runtime" }`,
///   inherited from the workspace or not); the key `iii_runtime` is the package's own name,
///   whose library is `::iii`. (Renaming the dependency to exactly `iii_runtime` therefore
///   needs `crate = "iii_runtime"`.) Inside iii-runtime's own integration tests and benches it
///   also answers `Name("iii_runtime")`.
/// - `Itself` inside iii-runtime's library, doctests and examples: `::iii`, which names the
///   library from its doctests and examples (the library itself does not use its macros).
/// - An error (no manifest, or the runtime reached only through another crate): `::iii`.
fn path_of(found: Result<FoundCrate, proc_macro_crate::Error>) -> syn::Path {
    match found {
        Ok(FoundCrate::Name(key)) if key != PACKAGE.replace('-', "_") => {
            ident_path(&key).unwrap_or_else(library)
        }
        Ok(FoundCrate::Name(_) | FoundCrate::Itself) | Err(_) => library(),
    }
}

/// The path of a `crate = "…"` in attribute arguments, if there is a well-formed one.
pub(crate) fn option_in(tokens: &proc_macro2::TokenStream) -> Option<syn::Path> {
    args::parse(tokens.clone())
        .ok()?
        .into_iter()
        .find_map(|arg| match arg {
            args::Arg::Named { key, value } if key == "crate" => {
                syn::parse2::<syn::LitStr>(value).ok()?.parse().ok()
            }
            _ => None,
        })
}

/// The path in `crate = "…"`.
fn parse_option(named: &Named, errors: &mut Errors) -> Option<syn::Path> {
    let s = args::lit_str(named, errors)?;
    match s.parse::<syn::Path>() {
        Ok(p) => Some(p),
        Err(_) => {
            errors.add(
                s.span(),
                "`crate` takes a path\nhelp: write `crate = \"my_iii\"` when the dependency is renamed",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;
