//! Unit tests of the access settings: listeners with their middleware and `rbac` rules, and
//! the URL policy of HTTP-invoked functions. The fixtures are written for these tests.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Value, json};

use crate::config::UrlPolicy;
use crate::config_file::{Loaded, parse};

fn read(text: &str) -> Loaded {
    parse(text, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

fn has_note(loaded: &Loaded, needle: &str) -> bool {
    loaded.ignored.iter().any(|n| n.contains(needle))
}

const ACCESS: &str = r#"
workers:
  - name: iii-worker-manager
    config:
      middleware_function_id: audit::mw
  - name: iii-worker-manager#rbac
    config:
      host: 0.0.0.0
      port: 49135
      middleware_function_id: test::rbac-worker::middleware
      rbac:
        auth_function_id: test::rbac-worker::auth
        on_function_registration_function_id: test::rbac-worker::on-function-reg
        on_trigger_registration_function_id: test::rbac-worker::on-trigger-reg
        on_trigger_type_registration_function_id: test::rbac-worker::on-trigger-type-reg
        expose_functions:
          - match("test::ew::public::*")
          - match("engine::functions::list")
          - metadata:
              ew_public: true
        colour: red
  - name: iii-http-functions
    config:
      security:
        url_allowlist: [localhost, 127.0.0.1]
        block_private_ips: false
        require_https: false
      functions: []
"#;

#[test]
fn listeners_read_their_middleware_and_rbac_rules_and_http_functions_their_policy() {
    let loaded = read(ACCESS);
    let c = &loaded.config;
    assert_eq!(
        c.ws_access.middleware_function_id.as_deref(),
        Some("audit::mw")
    );
    let [listener] = c.listeners.as_slice() else {
        panic!("one further listener: {:?}", c.listeners)
    };
    assert_eq!(
        (listener.host, listener.port),
        (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 49135)
    );
    let access = &listener.access;
    assert_eq!(
        access.middleware_function_id.as_deref(),
        Some("test::rbac-worker::middleware")
    );
    let rbac = access.rbac.as_ref().unwrap_or_else(|| panic!("no rbac"));
    assert_eq!(
        rbac.auth_function_id.as_deref(),
        Some("test::rbac-worker::auth")
    );
    assert_eq!(
        rbac.on_trigger_type_registration_function_id.as_deref(),
        Some("test::rbac-worker::on-trigger-type-reg")
    );
    let exposes = |id: &str, metadata: Value| {
        rbac.expose_functions
            .iter()
            .any(|r| r.matches(id, Some(&metadata)))
    };
    assert!(exposes("test::ew::public::echo", Value::Null));
    assert!(exposes("engine::functions::list", Value::Null));
    assert!(exposes("anything", json!({"ew_public": true})));
    assert!(!exposes("test::ew::private", json!({"ew_public": false})));
    assert_eq!(
        c.http_functions,
        UrlPolicy {
            url_allowlist: vec!["localhost".into(), "127.0.0.1".into()],
            block_private_ips: false,
            require_https: false,
        }
    );
    assert!(has_note(&loaded, "workers[1].config.rbac.colour: ignored"));
    assert!(has_note(&loaded, "workers[2].config.functions: ignored"));
}

#[test]
fn a_bad_expose_rule_stops_the_reading_with_its_path() {
    let text = "workers:\n  - name: iii-worker-manager\n  - name: iii-worker-manager\n    config:\n      rbac:\n        expose_functions: [match(\"a::*\"), \"a::*\"]\n";
    let e = match parse(text, &|_| None) {
        Ok(_) => panic!("a bad rule was read"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.starts_with("workers[1].config.rbac.expose_functions[1]: expected match"),
        "{e}"
    );
}
