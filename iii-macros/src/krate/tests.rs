//! The answers of proc-macro-crate mapped to paths, and which attribute paths are ours.

use quote::ToTokens;

use super::*;

fn text(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

#[test]
fn each_answer_of_proc_macro_crate() {
    let name = |n: &str| Ok(FoundCrate::Name(n.to_owned()));
    assert_eq!(text(&path_of(name("iii_runtime"))), "::iii");
    assert_eq!(text(&path_of(name("worker"))), "::worker");
    assert_eq!(text(&path_of(name("my_iii"))), "::my_iii");
    assert_eq!(text(&path_of(Ok(FoundCrate::Itself))), "::iii");
    assert_eq!(
        text(&path_of(Err(
            proc_macro_crate::Error::CargoManifestDirNotSet
        ))),
        "::iii"
    );
    // Not an identifier (a keyword): no panic, the library's name.
    assert_eq!(text(&path_of(name("type"))), "::iii");
}

#[test]
fn recognises_only_paths_through_the_runtime() {
    const NAMES: &[&str] = &["http", "cron"];
    let runtime = Runtime::with_path(syn::parse_quote!(::worker));
    let check = |attr: syn::Path| runtime.attribute(&attr, NAMES);
    assert_eq!(check(syn::parse_quote!(http)), Some("http"));
    assert_eq!(check(syn::parse_quote!(iii::http)), Some("http"));
    assert_eq!(check(syn::parse_quote!(::iii::cron)), Some("cron"));
    assert_eq!(check(syn::parse_quote!(worker::http)), Some("http"));
    assert_eq!(check(syn::parse_quote!(::worker::http)), Some("http"));
    assert_eq!(check(syn::parse_quote!(other::http)), None);
    assert_eq!(check(syn::parse_quote!(iii::other::http)), None);
    assert_eq!(check(syn::parse_quote!(::http)), None);
    assert_eq!(check(syn::parse_quote!(iii::queue)), None);
    assert_eq!(check(syn::parse_quote!(iii::http::<u8>)), None);

    let nested = Runtime::with_path(syn::parse_quote!(my_sdk::iii));
    let attr: syn::Path = syn::parse_quote!(my_sdk::iii::http);
    assert_eq!(nested.attribute(&attr, NAMES), Some("http"));
    let attr: syn::Path = syn::parse_quote!(my_sdk::http);
    assert_eq!(nested.attribute(&attr, NAMES), None);
}

/// Set for the child process that [`resolve_in_child`] runs in.
const CHILD: &str = "III_MACROS_RESOLVE_CHILD";

/// What proc-macro-crate answers for the manifest in `CARGO_MANIFEST_DIR`, and the path made
/// of it; run by [`real_manifests`], each case in a process of its own (the answer depends
/// on the environment and proc-macro-crate caches it).
#[test]
#[ignore = "run by `real_manifests` in a child process"]
fn resolve_in_child() {
    assert!(std::env::var_os(CHILD).is_some(), "run by `real_manifests`");
    let found = proc_macro_crate::crate_name(PACKAGE);
    let answer = match &found {
        Ok(FoundCrate::Itself) => "Itself".to_owned(),
        Ok(FoundCrate::Name(name)) => format!("Name({name})"),
        Err(_) => "Err".to_owned(),
    };
    println!("ANSWER={answer} PATH={}", text(&path_of(found)));
}

/// A directory of fixture manifests, removed when dropped.
struct Fixture(std::path::PathBuf);

impl Fixture {
    fn new(case: &str, files: &[(&str, &str)]) -> std::io::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("iii-macros-resolve-{}-{case}", std::process::id()));
        let fixture = Self(dir);
        for (path, text) in files {
            let path = fixture.0.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
        }
        Ok(fixture)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs [`resolve_in_child`] with the manifest in `dir`; `integration` sets the variable
/// cargo sets when it builds an integration test or a bench.
fn resolve(dir: &std::path::Path, integration: bool) -> String {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current exe: {e}"));
    let mut command = std::process::Command::new(exe);
    command
        .args([
            "krate::tests::resolve_in_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("CARGO_MANIFEST_DIR", dir);
    if integration {
        command.env("CARGO_TARGET_TMPDIR", dir);
    } else {
        command.env_remove("CARGO_TARGET_TMPDIR");
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run the child: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("ANSWER="))
        .map(|l| format!("ANSWER={l}"))
        .unwrap_or_else(|| panic!("no answer in {stdout}"))
}

const LIB: (&str, &str) = ("src/lib.rs", "");

fn package(dependencies: &str) -> String {
    format!(
        "[package]\nname = \"user\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n{dependencies}\n"
    )
}

/// Each way a manifest can name the runtime, read by the real proc-macro-crate.
#[test]
fn real_manifests() -> std::io::Result<()> {
    for (case, dependencies, expected) in [
        (
            "plain",
            "[dependencies]\niii-runtime = \"0.1\"",
            "ANSWER=Name(iii_runtime) PATH=::iii",
        ),
        (
            "renamed",
            "[dependencies]\nworker = { package = \"iii-runtime\", version = \"0.1\" }",
            "ANSWER=Name(worker) PATH=::worker",
        ),
        (
            "table",
            "[dependencies.my-iii]\npackage = \"iii-runtime\"\nversion = \"0.1\"",
            "ANSWER=Name(my_iii) PATH=::my_iii",
        ),
        (
            "dev",
            "[dev-dependencies]\nrt = { package = \"iii-runtime\", version = \"0.1\" }",
            "ANSWER=Name(rt) PATH=::rt",
        ),
        (
            "target",
            "[target.'cfg(unix)'.dependencies]\nw = { package = \"iii-runtime\", version = \"0.1\" }",
            "ANSWER=Name(w) PATH=::w",
        ),
        (
            "absent",
            "[dependencies]\nserde = \"1\"",
            "ANSWER=Err PATH=::iii",
        ),
    ] {
        let fixture = Fixture::new(case, &[("Cargo.toml", &package(dependencies)), LIB])?;
        assert_eq!(resolve(&fixture.0, false), expected, "{case}");
    }

    for (case, workspace, member, expected) in [
        (
            "workspace",
            "iii-runtime = \"0.1\"",
            "iii-runtime = { workspace = true }",
            "ANSWER=Name(iii_runtime) PATH=::iii",
        ),
        (
            "workspace-renamed",
            "worker = { package = \"iii-runtime\", version = \"0.1\" }",
            "worker.workspace = true",
            "ANSWER=Name(worker) PATH=::worker",
        ),
    ] {
        let root = format!(
            "[workspace]\nmembers = [\"member\"]\nresolver = \"3\"\n\n[workspace.dependencies]\n{workspace}\n"
        );
        let member_manifest = package(&format!("[dependencies]\n{member}"));
        let fixture = Fixture::new(
            case,
            &[
                ("Cargo.toml", &root),
                ("member/Cargo.toml", &member_manifest),
                ("member/src/lib.rs", ""),
            ],
        )?;
        assert_eq!(
            resolve(&fixture.0.join("member"), false),
            expected,
            "{case}"
        );
    }

    // The runtime's own package: its library, doctests and examples, then its integration
    // tests and benches.
    let own = "[package]\nname = \"iii-runtime\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\nname = \"iii\"\n";
    let fixture = Fixture::new("itself", &[("Cargo.toml", own), LIB])?;
    assert_eq!(resolve(&fixture.0, false), "ANSWER=Itself PATH=::iii");
    assert_eq!(
        resolve(&fixture.0, true),
        "ANSWER=Name(iii_runtime) PATH=::iii"
    );
    Ok(())
}
