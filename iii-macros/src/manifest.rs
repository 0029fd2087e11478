//! The name under which the crate being compiled depends on `iii-runtime`, read from its
//! `Cargo.toml`, so that a renamed dependency (`worker = { package = "iii-runtime" }`) works
//! without `crate = "worker"`. A small line scanner rather than a TOML parser: it finds the
//! usual spellings and falls back to `iii` (the library's name) otherwise.

/// The package the generated code refers to.
const PACKAGE: &str = "iii-runtime";

/// `::name` for the dependency on `iii-runtime`: the renamed key when `Cargo.toml` renames it,
/// `::iii` otherwise (including when the manifest cannot be read).
pub(crate) fn runtime_path() -> syn::Path {
    let name = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .and_then(|text| renamed(&text))
        .unwrap_or_else(|| "iii".to_owned());
    let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
    syn::parse_quote!(::#ident)
}

/// The key of a dependency renamed from `iii-runtime`, as a Rust identifier.
fn renamed(manifest: &str) -> Option<String> {
    // `Some(key)` inside `[dependencies.key]`; `None` inside `[dependencies]`; both count.
    let mut table: Option<Option<String>> = None;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[') {
            table = dependency_table(header.trim_end_matches(']'));
            continue;
        }
        let Some(current) = &table else { continue };
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let names_package = |v: &str| v.trim().trim_matches(['"', '\'']) == PACKAGE;
        let found = match current {
            // `[dependencies.worker]` then `package = "iii-runtime"`.
            Some(dep) if key == "package" && names_package(value) => Some(dep.clone()),
            Some(_) => None,
            // `worker.package = "iii-runtime"`.
            None if key.ends_with(".package") && names_package(value) => {
                key.strip_suffix(".package").map(str::to_owned)
            }
            // `worker = { package = "iii-runtime", … }`.
            None if value.contains(&format!("\"{PACKAGE}\""))
                && value.split(',').any(|part| {
                    part.split_once('=').is_some_and(|(k, v)| {
                        k.trim().trim_start_matches('{').trim() == "package"
                            && names_package(v.trim_end_matches('}'))
                    })
                }) =>
            {
                Some(key.to_owned())
            }
            None => None,
        };
        if let Some(key) = found {
            return Some(key.trim_matches(['"', '\'']).replace('-', "_"));
        }
    }
    None
}

/// For a table header: `Some(None)` for a dependency list, `Some(Some(key))` for one
/// dependency's table, `None` for anything else.
fn dependency_table(header: &str) -> Option<Option<String>> {
    let parts: Vec<&str> = header.split('.').map(str::trim).collect();
    let is_deps = |p: &str| {
        matches!(
            p.trim_matches(['"', '\'']),
            "dependencies" | "dev-dependencies" | "build-dependencies"
        )
    };
    match parts.as_slice() {
        // The workspace's table declares versions for members; it is no dependency.
        ["workspace", ..] => None,
        [.., last] if is_deps(last) => Some(None),
        [.., deps, key] if is_deps(deps) => Some(Some((*key).to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_renamed_key() {
        assert_eq!(renamed("[dependencies]\niii-runtime = \"0.1\"\n"), None);
        assert_eq!(
            renamed(
                "[package]\nname = \"w\"\n[dependencies]\nserde = \"1\"\nworker = { package = \"iii-runtime\", path = \"../iii-runtime\" }\n"
            ),
            Some("worker".to_owned())
        );
        assert_eq!(
            renamed("[dependencies.my-iii]\nversion = \"0.1\"\npackage = \"iii-runtime\"\n"),
            Some("my_iii".to_owned())
        );
        assert_eq!(
            renamed("[dev-dependencies]\nrt.package = \"iii-runtime\"\nrt.version = \"0.1\"\n"),
            Some("rt".to_owned())
        );
        assert_eq!(
            renamed("[target.'cfg(unix)'.dependencies]\nw = {package=\"iii-runtime\"} # renamed\n"),
            Some("w".to_owned())
        );
        // Not a dependency table, or another package.
        assert_eq!(
            renamed("[workspace.dependencies]\nw = { package = \"iii-runtime\" }\n"),
            None
        );
        assert_eq!(
            renamed("[package.metadata]\nx = { package = \"iii-runtime\" }\n"),
            None
        );
        assert_eq!(
            renamed("[dependencies]\nfoo = { package = \"iii-runtime-extra\" }\n"),
            None
        );
    }
}
