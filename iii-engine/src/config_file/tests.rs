//! Unit tests of the config file reader: both generations, substitution, unknown modules, bad
//! values. The fixtures are written for these tests.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::config::{Cors, ListenerAccess, Rbac, UrlPolicy, WorkerListener};
use crate::config_stores::QueueSettings;

fn vars(name: &str) -> Option<String> {
    match name {
        "HTTP_PORT" => Some("4000".into()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

fn read(text: &str) -> Loaded {
    parse(text, &vars).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    match parse(text, &vars) {
        Ok(loaded) => panic!("expected an error, read {:?}", loaded.config),
        Err(e) => e.to_string(),
    }
}

fn has_note(loaded: &Loaded, needle: &str) -> bool {
    loaded.ignored.iter().any(|n| n.contains(needle))
}

const CURRENT: &str = r#"
workers:
  - name: iii-worker-manager
    config:
      host: 0.0.0.0
      port: ${WS_PORT:49200}
      handshake_timeout_ms: 2500
  - name: iii-worker-manager#rbac
    config:
      port: 49201
      rbac:
        auth_function_id: auth::check
  - name: iii-http
    config:
      host: 127.0.0.1
      port: ${HTTP_PORT:3111}
      default_timeout: 12000
      concurrency_request_limit: 64
      cors:
        allowed_origins: ["http://localhost:5173"]
        allowed_methods: [GET, POST]
  - name: iii-stream
    config:
      port: ${STREAM_PORT:3112}
      adapter:
        name: kv
        config:
          store_method: file_based
          file_path: ./data/streams/
  - name: state
    config:
      adapter:
        name: kv
        config:
          store_method: file_based
          file_path: ./data/state_store.db
          save_interval_ms: 5000
  - name: iii-http-functions
    config:
      security:
        url_allowlist: [localhost]
  - name: configuration
    config:
      adapter:
        name: fs
        config:
          directory: ./config
  - name: my-own-worker
"#;

#[test]
fn the_current_generation_maps_every_module_we_implement() {
    let loaded = read(CURRENT);
    let c = &loaded.config;
    assert_eq!(c.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(c.ws_port, 49200, "the default of ${{WS_PORT:49200}}");
    assert_eq!(c.handshake_timeout, Duration::from_millis(2500));
    assert_eq!(c.http_host, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(c.http_port, 4000, "HTTP_PORT is set");
    assert_eq!(c.http_timeout, Duration::from_secs(12));
    assert_eq!(c.concurrency_request_limit, 64);
    assert_eq!(c.cors, Cors::Origins(vec!["http://localhost:5173".into()]));
    assert_eq!(
        c.persistence.streams,
        Some(PathBuf::from("./data/streams.sqlite3"))
    );
    assert_eq!(
        c.persistence.state,
        Some(PathBuf::from("./data/state_store.db.sqlite3"))
    );
    assert_eq!(
        (c.persistence.queues.as_ref(), c.persistence.cron.as_ref()),
        (None, None)
    );
    let rbac = WorkerListener {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 49201,
        access: ListenerAccess {
            middleware_function_id: None,
            rbac: Some(Rbac {
                auth_function_id: Some("auth::check".into()),
                ..Rbac::default()
            }),
        },
    };
    assert_eq!(c.listeners, vec![rbac], "the second worker manager");
    assert!(c.ws_access.is_open(), "the first one has no access control");
    assert_eq!(
        c.http_functions,
        UrlPolicy {
            url_allowlist: vec!["localhost".into()],
            ..UrlPolicy::default()
        }
    );
    for note in [
        "workers[2].config.cors.allowed_methods: ignored: a preflight answer allows every method",
        "workers[3].config.port: ignored: iii-engine has no stream socket",
        "workers[4].config.adapter.config.save_interval_ms: ignored",
        "workers[6] (configuration): ignored",
        "workers[7] (my-own-worker): ignored: unknown worker",
    ] {
        assert!(
            has_note(&loaded, note),
            "{note:?} not in {:#?}",
            loaded.ignored
        );
    }
    assert_eq!(loaded.ignored.len(), 5, "{:#?}", loaded.ignored);
}

const OLDER: &str = r#"
modules:
  - class: modules::worker::WorkerModule
    config: {port: 49210}
  - class: modules::worker::WorkerModule
    config:
      host: 0.0.0.0
      port: 49211
      middleware_function_id: mw
      rbac: {auth_function_id: auth}
  - class: modules::stream::StreamModule
    config:
      port: ${STREAMS_PORT:3112}
      adapter:
        class: modules::stream::adapters::KvStore
        config: {store_method: in_memory}
  - class: modules::queue::QueueModule
    config:
      queue_configs:
        default: {max_retries: 3, concurrency: 5, type: standard}
        payment: {max_retries: 5, concurrency: 2, type: fifo, message_group_field: account}
        email: {backoff_ms: 2000, poll_interval_ms: 100}
      adapter:
        class: modules::queue::BuiltinQueueAdapter
        config: {store_method: file_based, file_path: ./q}
  - class: modules::pubsub::PubSubModule
    config: {adapter: {class: modules::pubsub::RedisAdapter, config: {redis_url: "redis://x"}}}
  - class: modules::cron::CronModule
    config: {adapter: {class: modules::cron::KvCronAdapter}}
  - class: modules::observability::OtelModule
    config: {enabled: true}
  - class: modules::nothing::Here
"#;

#[test]
fn the_older_generation_reads_the_same_way() {
    let loaded = read(OLDER);
    let c = &loaded.config;
    assert_eq!(c.ws_port, 49210, "the first listener");
    assert_eq!(
        c.host,
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "not the RBAC listener's host"
    );
    assert_eq!(c.persistence.streams, None, "in_memory");
    assert_eq!(c.persistence.queues, Some(PathBuf::from("./q.sqlite3")));
    assert_eq!(c.persistence.cron, None, "no file, memory");
    assert_eq!(
        c.queues.get("default"),
        Some(&QueueSettings {
            max_attempts: Some(4),
            concurrency: Some(5),
            ..QueueSettings::default()
        })
    );
    let payment = &c.queues["payment"];
    assert!(payment.fifo && payment.limit(64) == 1);
    assert_eq!(payment.message_group_field.as_deref(), Some("account"));
    assert_eq!(c.queues["email"].backoff, Some(Duration::from_secs(2)));
    assert_eq!(c.listeners.len(), 1, "the second WorkerModule");
    let listener = &c.listeners[0];
    assert_eq!(
        (listener.host, listener.port),
        (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 49211)
    );
    assert_eq!(
        listener.access.middleware_function_id.as_deref(),
        Some("mw")
    );
    for note in [
        "queue_configs.payment: partly ignored: FIFO queue",
        "queue_configs.email.poll_interval_ms: ignored",
        "modules[4].config.adapter (modules::pubsub::RedisAdapter): ignored: adapter not offered",
        "modules[6] (modules::observability::OtelModule): ignored: telemetry",
        "modules[7] (modules::nothing::Here): ignored: unknown",
    ] {
        assert!(
            has_note(&loaded, note),
            "{note:?} not in {:#?}",
            loaded.ignored
        );
    }
}

#[test]
fn a_second_plain_listener_is_one_more_and_unknown_keys_are_reported() {
    let loaded = read(
        "workers:\n  - name: iii-worker-manager\n    config: {port: 1, colour: red}\n  - name: iii-worker-manager\n    config: {port: 2, handshake_timeout_ms: 9}\nversion: 3\n",
    );
    assert_eq!(loaded.config.ws_port, 1);
    let ports: Vec<u16> = loaded.config.listeners.iter().map(|l| l.port).collect();
    assert_eq!(ports, [2]);
    assert!(loaded.config.listeners[0].access.is_open());
    assert!(has_note(
        &loaded,
        "workers[0].config.colour: ignored: not a setting"
    ));
    assert!(has_note(
        &loaded,
        "workers[1].config.handshake_timeout_ms: ignored: every listener has the first one's"
    ));
    assert!(has_note(&loaded, "version: ignored"));
}

#[test]
fn cors_allows_any_origin_without_a_list_or_with_a_star_in_it() {
    let http = |cors: &str| {
        read(&format!(
            "workers:\n  - name: iii-http\n    config: {{cors: {cors}}}\n"
        ))
    };
    assert_eq!(
        read("workers:\n  - name: iii-http\n").config.cors,
        Cors::Any,
        "no cors section: the real engine's permissive default"
    );
    assert_eq!(http("{}").config.cors, Cors::Any, "no origins listed");
    let star = http("{allowed_origins: [\"http://a.test\", \"*\"]}");
    assert_eq!(star.config.cors, Cors::Any, "a star among the origins");
    let listed =
        http("{allowed_origins: [\"http://a.test\", \"http://b.test:8080\"], colour: red}");
    assert_eq!(
        listed.config.cors,
        Cors::Origins(vec!["http://a.test".into(), "http://b.test:8080".into()])
    );
    assert!(has_note(
        &listed,
        "workers[0].config.cors.colour: ignored: not a setting iii-engine reads for iii-http's cors"
    ));
    let bad = error("workers:\n  - name: iii-http\n    config: {cors: {allowed_origins: 3}}\n");
    assert!(
        bad.starts_with("workers[0].config.cors.allowed_origins: "),
        "{bad}"
    );
}

#[test]
fn bad_values_name_the_path_of_their_key() {
    let port = error("workers:\n  - name: iii-http\n    config:\n      port: 70000\n");
    assert!(port.starts_with("workers[0].config.port: "), "{port}");
    let host =
        error("modules:\n  - class: modules::worker::WorkerModule\n    config: {host: nowhere}\n");
    assert!(host.starts_with("modules[0].config.host: "), "{host}");
    let method = error(
        "workers:\n  - name: iii-state\n    config: {adapter: {name: kv, config: {store_method: cloud}}}\n",
    );
    assert!(
        method.starts_with("workers[0].config.adapter.config.store_method: "),
        "{method}"
    );
    let file = error(
        "workers:\n  - name: iii-state\n    config: {adapter: {name: kv, config: {store_method: file_based}}}\n",
    );
    assert!(
        file.contains("adapter.config.file_path: required"),
        "{file}"
    );
    let kind = error("workers:\n  - name: queue\n    config: {queue_configs: {q: {type: lifo}}}\n");
    assert!(
        kind.starts_with("workers[0].config.queue_configs.q.type: "),
        "{kind}"
    );
    let nameless = error("workers:\n  - config: {}\n");
    assert!(nameless.starts_with("workers[0].name: "), "{nameless}");
    let list = error("workers: 3\n");
    assert!(list.starts_with("workers: expected a list"), "{list}");
    assert!(error("workers: [\n").starts_with("not valid YAML"));
}

#[test]
fn substitution_is_applied_before_parsing_and_a_missing_variable_is_an_error() {
    let quoted = read("workers:\n  - name: http\n    config: {port: \"${HTTP_PORT}\"}\n");
    assert_eq!(
        quoted.config.http_port, 4000,
        "a quoted number is read as one"
    );
    let missing = error("workers:\n  - name: http\n    config:\n      port: ${NOT_SET}\n");
    assert!(
        missing.contains("line 4: ${NOT_SET} is not set and has no default"),
        "{missing}"
    );
    let commented = read("# port: ${NOT_SET}\nworkers: []\n");
    assert!(commented.ignored.is_empty());
    let empty = read("");
    assert_eq!(empty.config.ws_port, iii_protocol::DEFAULT_WS_PORT);
}
