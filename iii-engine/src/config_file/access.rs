//! The access settings of the config file: each `iii-worker-manager` entry (the first one is
//! the worker port, every later one a further listener) with its `middleware_function_id` and
//! `rbac` block, and the `security` of `iii-http-functions`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::Value;

use super::ConfigFileError;
use super::modules::Reader;
use super::section::{self, Section};
use crate::config::{FunctionFilter, ListenerAccess, Rbac, WorkerListener};

impl Reader {
    /// An `iii-worker-manager` entry: the worker port when it is the first, else a further
    /// listener (bound to loopback unless it says otherwise, like every iii-engine listener).
    pub(super) fn worker_manager(&mut self, mut c: Section) -> Result<(), ConfigFileError> {
        let host = c.take::<IpAddr>("host")?;
        let port = c.take::<u16>("port")?;
        let handshake = c.take::<u64>("handshake_timeout_ms")?;
        let access = self.listener_access(&mut c)?;
        if self.worker_port.is_none() {
            if let Some(host) = host {
                self.config.host = host;
            }
            if let Some(port) = port {
                self.config.ws_port = port;
            }
            if let Some(ms) = handshake {
                self.config.handshake_timeout = Duration::from_millis(ms);
            }
            self.worker_port = Some(self.config.ws_port);
            self.config.ws_access = access;
        } else {
            if handshake.is_some() {
                let path = c.key_path("handshake_timeout_ms");
                let why = "every listener has the first one's handshake timeout";
                self.ignored.push(format!("{path}: ignored: {why}"));
            }
            self.config.listeners.push(WorkerListener {
                host: host.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                port: port.unwrap_or(iii_protocol::DEFAULT_WS_PORT),
                access,
            });
        }
        c.finish("iii-worker-manager", &mut self.ignored);
        Ok(())
    }

    fn listener_access(&mut self, c: &mut Section) -> Result<ListenerAccess, ConfigFileError> {
        let middleware_function_id = c.take("middleware_function_id")?;
        let rbac = match c.take_section("rbac")? {
            Some(rbac) => Some(self.rbac(rbac)?),
            None => None,
        };
        Ok(ListenerAccess {
            middleware_function_id,
            rbac,
        })
    }

    fn rbac(&mut self, mut c: Section) -> Result<Rbac, ConfigFileError> {
        let mut expose_functions = Vec::new();
        match c.take_raw("expose_functions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(rules)) => {
                for (n, rule) in rules.iter().enumerate() {
                    let rule =
                        FunctionFilter::parse(rule).map_err(|message| ConfigFileError::Value {
                            path: format!("{}[{n}]", c.key_path("expose_functions")),
                            message,
                        })?;
                    expose_functions.push(rule);
                }
            }
            Some(other) => {
                return Err(ConfigFileError::Value {
                    path: c.key_path("expose_functions"),
                    message: format!("expected a list, found {}", section::kind(&other)),
                });
            }
        }
        let rbac = Rbac {
            auth_function_id: c.take("auth_function_id")?,
            expose_functions,
            on_function_registration_function_id: c.take("on_function_registration_function_id")?,
            on_trigger_registration_function_id: c.take("on_trigger_registration_function_id")?,
            on_trigger_type_registration_function_id: c
                .take("on_trigger_type_registration_function_id")?,
        };
        c.finish("rbac", &mut self.ignored);
        Ok(rbac)
    }

    /// `iii-http-functions`: the URL policy of HTTP-invoked functions (the real engine's
    /// defaults for the keys it leaves out).
    pub(super) fn http_functions(&mut self, mut c: Section) -> Result<(), ConfigFileError> {
        if let Some(mut security) = c.take_section("security")? {
            let policy = &mut self.config.http_functions;
            if let Some(list) = security.take("url_allowlist")? {
                policy.url_allowlist = list;
            }
            if let Some(block) = security.take("block_private_ips")? {
                policy.block_private_ips = block;
            }
            if let Some(https) = security.take("require_https")? {
                policy.require_https = https;
            }
            security.finish("iii-http-functions' security", &mut self.ignored);
        }
        for key in ["functions", "triggers"] {
            let why = "functions are registered by workers (registerfunction with an invocation)";
            c.ignore(key, why, &mut self.ignored);
        }
        c.finish("iii-http-functions", &mut self.ignored);
        Ok(())
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
