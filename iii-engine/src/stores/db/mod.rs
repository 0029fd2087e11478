//! The persistence seam of the stores: a [`Db`] is where one store's writes go.
//!
//! Every store keeps all its data in memory, where its owner task reads and changes it; what a
//! command changes is also recorded here, as rows of a table (a key of strings, a JSON value).
//! Once the owner has run a batch of commands, [`Db::commit`] makes the batch's rows durable in
//! one transaction, and only then are the commands answered and their changes fired. The
//! memory backend records nothing and commits at once, so a store without a data directory
//! behaves exactly as before; the SQLite backend (feature `sqlite`) writes the batch to one
//! database file per store.
//!
//! At start the store is rebuilt from its rows ([`Db::load`]); after a failed commit it is
//! rebuilt again, so that memory never holds what the disk does not.

#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(all(test, feature = "sqlite"))]
mod tests;

use std::path::Path;

use iii_protocol::{ErrorBody, codes};
use serde_json::Value;

/// Why a store could not serve a command.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum StoreError {
    /// The engine is stopping: the store's owner is gone.
    #[error("the engine is stopping")]
    Stopping,
    /// The backend failed; nothing of the command was kept.
    #[error("storage failed: {0}")]
    Storage(String),
    /// The command was refused (a bound, a rule of the queue); nothing was kept.
    #[error("{message}")]
    Refused {
        /// The error code the caller gets.
        code: &'static str,
        /// What was refused and why.
        message: String,
    },
}

impl StoreError {
    /// The error body a caller of a builtin gets.
    pub(crate) fn body(&self) -> ErrorBody {
        match self {
            Self::Stopping => ErrorBody::new(codes::INVOCATION_STOPPED, self.to_string()),
            Self::Storage(_) => ErrorBody::new("storage_error", self.to_string()),
            Self::Refused { code, message } => ErrorBody::new(*code, message.clone()),
        }
    }
}

/// One row written by a batch.
#[derive(Debug)]
// Only the SQLite backend reads the rows; the memory one never records any.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) enum Op {
    /// Inserts or replaces the row at `key`.
    Put {
        table: &'static str,
        key: String,
        value: String,
    },
    /// Removes the row at `key` (if any).
    Delete { table: &'static str, key: String },
}

enum Backend {
    Memory,
    #[cfg(feature = "sqlite")]
    Sqlite(sqlite::Sqlite),
}

/// A store's persistence: the backend and the rows of the batch being run.
pub(crate) struct Db {
    backend: Backend,
    journal: Vec<Op>,
}

impl Default for Db {
    fn default() -> Self {
        Self::memory()
    }
}

fn encode_key(key: &[&str]) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

impl Db {
    /// A store kept in memory only.
    pub(crate) fn memory() -> Self {
        Self {
            backend: Backend::Memory,
            journal: Vec::new(),
        }
    }

    /// Opens (creating it and its directory when missing) the SQLite database at `path`.
    /// Blocking: call it from a blocking task.
    ///
    /// # Errors
    /// The file cannot be created or opened, is held by another engine, is not a database of
    /// this engine, or the crate was built without the `sqlite` feature.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        #[cfg(feature = "sqlite")]
        {
            Ok(Self {
                backend: Backend::Sqlite(sqlite::Sqlite::open(path)?),
                journal: Vec::new(),
            })
        }
        #[cfg(not(feature = "sqlite"))]
        {
            Err(StoreError::Storage(format!(
                "cannot keep data in {}: iii-engine was built without its `sqlite` feature",
                path.display()
            )))
        }
    }

    /// Whether writes are kept beyond the process.
    pub(crate) fn is_persistent(&self) -> bool {
        !matches!(self.backend, Backend::Memory)
    }

    /// Records that `table`/`key` now holds `value`.
    pub(crate) fn put(&mut self, table: &'static str, key: &[&str], value: &Value) {
        if self.is_persistent() {
            self.journal.push(Op::Put {
                table,
                key: encode_key(key),
                value: value.to_string(),
            });
        }
    }

    /// Records that `table`/`key` is gone.
    pub(crate) fn delete(&mut self, table: &'static str, key: &[&str]) {
        if self.is_persistent() {
            self.journal.push(Op::Delete {
                table,
                key: encode_key(key),
            });
        }
    }

    /// Every row of `table`, in key order. Blocking; empty in memory. A row that does not
    /// decode is skipped with a warning rather than stopping the engine.
    pub(crate) fn load(
        &mut self,
        table: &'static str,
    ) -> Result<Vec<(Vec<String>, Value)>, StoreError> {
        let rows: Vec<(String, String)> = match &mut self.backend {
            Backend::Memory => Vec::new(),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.load(table)?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for (key, value) in rows {
            match (serde_json::from_str(&key), serde_json::from_str(&value)) {
                (Ok(key), Ok(value)) => out.push((key, value)),
                _ => tracing::warn!("{table}: skipping a row that does not decode (key {key})"),
            }
        }
        Ok(out)
    }

    /// Makes the rows recorded since the last commit durable, in one transaction. On error
    /// none of them is kept.
    pub(crate) async fn commit(&mut self) -> Result<(), StoreError> {
        if self.journal.is_empty() {
            return Ok(());
        }
        let ops = std::mem::take(&mut self.journal);
        match &mut self.backend {
            Backend::Memory => {
                drop(ops);
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(db) => db.commit(ops).await,
        }
    }
}
