//! The store settings of the config file: each store's `adapter` (where it keeps its data)
//! and the queue module's `queue_configs`.

use std::path::PathBuf;
use std::time::Duration;

use super::ConfigFileError;
use super::modules::Reader;
use super::section::Section;
use crate::config_stores::QueueSettings;

impl Reader {
    /// A store's `adapter`: the SQLite path when it is file based, `None` for memory (an
    /// adapter this engine does not offer keeps the store in memory, with a note).
    pub(super) fn adapter(&mut self, c: &mut Section) -> Result<Option<PathBuf>, ConfigFileError> {
        let Some(mut adapter) = c.take_section("adapter")? else {
            return Ok(None);
        };
        let name: Option<String> = match adapter.take("name")? {
            Some(name) => Some(name),
            None => adapter.take("class")?,
        };
        let short = name
            .as_deref()
            .map(|n| n.rsplit("::").next().unwrap_or(n).to_ascii_lowercase());
        let built_in = short.as_deref().is_none_or(|n| {
            ["kv", "builtin", "local", "memory"]
                .iter()
                .any(|k| n.contains(k))
        });
        if !built_in {
            let why = "adapter not offered by iii-engine; kept in memory";
            let name = name.unwrap_or_default();
            self.ignored
                .push(format!("{} ({name}): ignored: {why}", adapter.path()));
            return Ok(None);
        }
        let Some(mut settings) = adapter.take_section("config")? else {
            adapter.finish("an adapter", &mut self.ignored);
            return Ok(None);
        };
        adapter.finish("an adapter", &mut self.ignored);
        let method: Option<String> = settings.take("store_method")?;
        let path: Option<String> = settings.take("file_path")?;
        settings.ignore(
            "save_interval_ms",
            "every write is committed before it is acknowledged",
            &mut self.ignored,
        );
        let file = match method.as_deref() {
            None | Some("in_memory") => None,
            Some("file_based") => {
                let path = path.ok_or_else(|| ConfigFileError::Value {
                    path: settings.key_path("file_path"),
                    message: "required with store_method file_based".into(),
                })?;
                Some(sqlite_path(&path))
            }
            Some(other) => {
                return Err(ConfigFileError::Value {
                    path: settings.key_path("store_method"),
                    message: format!("expected in_memory or file_based, found {other:?}"),
                });
            }
        };
        settings.finish("a store adapter", &mut self.ignored);
        Ok(file)
    }

    pub(super) fn queue_configs(&mut self, mut queues: Section) -> Result<(), ConfigFileError> {
        for name in queues.keys() {
            let Some(mut q) = queues.take_section(&name)? else {
                continue;
            };
            let mut settings = QueueSettings {
                max_attempts: q.take::<u32>("max_retries")?.map(|r| r.saturating_add(1)),
                backoff: q.take::<u64>("backoff_ms")?.map(Duration::from_millis),
                concurrency: q.take::<usize>("concurrency")?,
                ..QueueSettings::default()
            };
            match q.take::<String>("type")?.as_deref() {
                None | Some("standard") => {}
                Some("fifo") => settings.fifo = true,
                Some(other) => {
                    return Err(ConfigFileError::Value {
                        path: q.key_path("type"),
                        message: format!("expected standard or fifo, found {other:?}"),
                    });
                }
            }
            settings.message_group_field = q.take("message_group_field")?;
            if settings.fifo {
                let why = match &settings.message_group_field {
                    Some(field) => format!(
                        "FIFO queue: one message at a time in enqueue order; groups of {field:?} are not run in parallel"
                    ),
                    None => "FIFO queue: one message at a time in enqueue order".to_owned(),
                };
                self.ignored
                    .push(format!("{}: partly ignored: {why}", q.path()));
            }
            q.ignore(
                "poll_interval_ms",
                "messages are handed out as they come, not polled",
                &mut self.ignored,
            );
            q.finish("a queue", &mut self.ignored);
            self.config.queues.insert(name, settings);
        }
        Ok(())
    }
}

/// Where iii-engine keeps the SQLite database of a store whose `file_path` is `path`: beside
/// it, as `<path>.sqlite3`, never in what the real engine writes there.
fn sqlite_path(path: &str) -> PathBuf {
    let trimmed = path.trim_end_matches(['/', '\\']);
    if trimmed.ends_with(".sqlite3") {
        PathBuf::from(trimmed)
    } else {
        PathBuf::from(format!("{trimmed}.sqlite3"))
    }
}
