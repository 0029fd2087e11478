//! One reader per module of the config file: what each entry sets in the [`EngineConfig`],
//! and what of it is ignored (the notes).

use std::net::IpAddr;
use std::time::Duration;

use super::section::Section;
use super::{ConfigFileError, Loaded};
use crate::config::{Cors, EngineConfig};

/// The modules the file may name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    WorkerManager,
    Http,
    Stream,
    State,
    Queue,
    Cron,
    PubSub,
    HttpFunctions,
    /// Known, and not provided by this engine (the reason says what is missing).
    Unsupported(&'static str),
}

/// What an entry's name (current generation) or class (older one) is.
fn kind(id: &str) -> Option<Kind> {
    Some(match id {
        "iii-worker-manager" | "worker-manager" | "modules::worker::WorkerModule" => {
            Kind::WorkerManager
        }
        "iii-http" | "http" | "modules::api::RestApiModule" => Kind::Http,
        "iii-stream" | "stream" | "modules::stream::StreamModule" => Kind::Stream,
        "iii-state" | "state" | "modules::state::StateModule" => Kind::State,
        "iii-queue" | "queue" | "modules::queue::QueueModule" => Kind::Queue,
        "iii-cron" | "cron" | "modules::cron::CronModule" => Kind::Cron,
        "iii-pubsub" | "pubsub" | "modules::pubsub::PubSubModule" => Kind::PubSub,
        "iii-http-functions"
        | "http-functions"
        | "modules::http_functions::HttpFunctionsModule" => Kind::HttpFunctions,
        "configuration" | "iii-configuration" => {
            Kind::Unsupported("the configuration worker is not supported")
        }
        "iii-observability"
        | "observability"
        | "iii-telemetry"
        | "otel"
        | "modules::observability::OtelModule" => {
            Kind::Unsupported("telemetry is not collected (frames on /otel are discarded)")
        }
        "iii-engine-functions" => Kind::Unsupported("built in, nothing to configure"),
        "iii-sandbox" => Kind::Unsupported("sandboxes are not supported"),
        "modules::shell::ExecModule" | "iii-exec" | "exec" => {
            Kind::Unsupported("iii-engine does not run commands")
        }
        _ => return None,
    })
}

/// The config being built and the notes of what is ignored.
#[derive(Default)]
pub(super) struct Reader {
    pub(super) config: EngineConfig,
    pub(super) ignored: Vec<String>,
    /// The port of the worker listener taken, once one was (later worker managers are
    /// further listeners).
    pub(super) worker_port: Option<u16>,
}

impl Reader {
    pub(super) fn done(self) -> Loaded {
        Loaded {
            config: self.config,
            ignored: self.ignored,
        }
    }

    pub(super) fn note(&mut self, at: &Section, id: &str, why: &str) {
        self.ignored
            .push(format!("{} ({id}): ignored: {why}", entry_path(at)));
    }

    /// Applies one entry of `workers:` or `modules:`.
    pub(super) fn entry(&mut self, id: &str, mut c: Section) -> Result<(), ConfigFileError> {
        // `iii-worker-manager#rbac` and the like: a label after `#` names one instance.
        let base = id.split_once('#').map_or(id, |(base, _)| base);
        let Some(kind) = kind(base) else {
            self.note(
                &c,
                id,
                "unknown worker or module (iii-engine does not start workers)",
            );
            return Ok(());
        };
        match kind {
            Kind::WorkerManager => self.worker_manager(c)?,
            Kind::Http => self.http(c)?,
            Kind::Stream => {
                for key in ["port", "host", "auth_function", "auth_function_id"] {
                    c.ignore(key, "iii-engine has no stream socket", &mut self.ignored);
                }
                self.config.persistence.streams =
                    self.adapter(&mut c)?
                        .or(self.config.persistence.streams.take());
                c.finish("iii-stream", &mut self.ignored);
            }
            Kind::State => {
                self.config.persistence.state =
                    self.adapter(&mut c)?
                        .or(self.config.persistence.state.take());
                c.finish("iii-state", &mut self.ignored);
            }
            Kind::Queue => {
                if let Some(queues) = c.take_section("queue_configs")? {
                    self.queue_configs(queues)?;
                }
                self.config.persistence.queues =
                    self.adapter(&mut c)?
                        .or(self.config.persistence.queues.take());
                c.finish("iii-queue", &mut self.ignored);
            }
            Kind::Cron => {
                self.config.persistence.cron =
                    self.adapter(&mut c)?
                        .or(self.config.persistence.cron.take());
                c.finish("iii-cron", &mut self.ignored);
            }
            Kind::PubSub => {
                self.adapter(&mut c)?;
                c.finish("iii-pubsub", &mut self.ignored);
            }
            Kind::HttpFunctions => self.http_functions(c)?,
            Kind::Unsupported(why) => self.note(&c, id, why),
        }
        Ok(())
    }

    fn http(&mut self, mut c: Section) -> Result<(), ConfigFileError> {
        if let Some(host) = c.take::<IpAddr>("host")? {
            self.config.http_host = Some(host);
        }
        if let Some(port) = c.take::<u16>("port")? {
            self.config.http_port = port;
        }
        if let Some(ms) = c.take::<u64>("default_timeout")? {
            self.config.http_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = c.take::<usize>("concurrency_request_limit")? {
            self.config.concurrency_request_limit = n;
        }
        if let Some(cors) = c.take_section("cors")? {
            self.cors(cors)?;
        }
        c.ignore(
            "middleware",
            "global HTTP middleware not supported yet",
            &mut self.ignored,
        );
        c.finish("iii-http", &mut self.ignored);
        Ok(())
    }

    /// `iii-http`'s `cors`: as on the real engine, no origins or a `"*"` among them allow any
    /// origin, else only those listed.
    fn cors(&mut self, mut c: Section) -> Result<(), ConfigFileError> {
        let origins: Vec<String> = c.take("allowed_origins")?.unwrap_or_default();
        self.config.cors = if origins.is_empty() || origins.iter().any(|o| o == "*") {
            Cors::Any
        } else {
            Cors::Origins(origins)
        };
        c.ignore(
            "allowed_methods",
            "a preflight answer allows every method",
            &mut self.ignored,
        );
        c.finish("iii-http's cors", &mut self.ignored);
        Ok(())
    }
}

/// The entry a `config` section belongs to (`workers[2]` for `workers[2].config`).
fn entry_path(c: &Section) -> &str {
    c.path().strip_suffix(".config").unwrap_or(c.path())
}
