//! The start-up summary: the first time the worker is ready it says, in one log line, every
//! function it serves with its triggers (HTTP routes as full URLs when the engine's HTTP
//! address is known), and the functions it stands by for.

use std::fmt::Write as _;

use iii_protocol::RegisterTrigger;
use iii_protocol::triggers::types;
use serde_json::Value;

use super::refused::Standby;
use super::task::Service;

impl Service {
    pub(super) fn summarize(&mut self) {
        if std::mem::replace(&mut self.summarized, true) {
            return;
        }
        let functions = self.admission.functions();
        let ids: Vec<&str> = functions
            .in_order()
            .map(|(id, _)| id)
            .filter(|id| !Standby::is_watcher(id))
            .collect();
        let mut text = format!("serving {} function(s) on {}", ids.len(), self.url);
        let refused = self.claims.refusals();
        for id in &ids {
            let _ = write!(text, "\n  {id}");
            if let Some(r) = refused.iter().find(|r| r.function_id == *id) {
                let _ = write!(text, " (standing by: {r})");
            }
            for trigger in self.triggers.iter().filter(|t| t.function_id == *id) {
                let _ = write!(text, "\n    {}", self.describe(trigger));
            }
        }
        let foreign: Vec<&RegisterTrigger> = self
            .triggers
            .iter()
            .filter(|t| !functions.contains(&t.function_id))
            .collect();
        for trigger in foreign {
            let _ = write!(
                text,
                "\n  (another worker's) {}\n    {}",
                trigger.function_id,
                self.describe(trigger)
            );
        }
        drop(functions);
        tracing::info!("{text}");
    }

    fn describe(&self, trigger: &RegisterTrigger) -> String {
        let config = &trigger.config;
        let text = |key: &str| config.get(key).and_then(Value::as_str).unwrap_or("");
        match trigger.trigger_type.as_str() {
            types::HTTP => {
                let method = match text("http_method") {
                    "" => "GET".to_owned(),
                    m => m.to_ascii_uppercase(),
                };
                let path = text("api_path").trim_start_matches('/');
                match &self.http_url {
                    Some(base) => format!("{method} {}/{path}", base.trim_end_matches('/')),
                    None => format!("{method} /{path}"),
                }
            }
            types::CRON => format!("cron {:?} (UTC)", text("expression")),
            types::DURABLE_SUBSCRIBER | types::QUEUE => format!("queue topic {:?}", text("topic")),
            types::SUBSCRIBE => format!("pub/sub topic {:?}", text("topic")),
            other => format!("{other} {config}"),
        }
    }
}
