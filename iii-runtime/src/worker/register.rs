//! Registering functions and triggers through a [`Worker`], and the handles that remove them
//! again.

use uuid::Uuid;

use super::command::Command;
use super::function::IntoFunction;
use super::handle::Worker;
use crate::error::{Error, Result};
use crate::trigger::Trigger;

impl Worker {
    /// Registers a function under `id`: an async closure of its typed input, or a
    /// [`Function`](crate::Function) built with a description and schemas.
    ///
    /// Registering an id again replaces the handler.
    ///
    /// # Errors
    /// [`Error::Registration`] when `id` is empty or blank.
    pub fn register_function<Args>(
        &self,
        id: impl Into<String>,
        function: impl IntoFunction<Args>,
    ) -> Result<FunctionHandle> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(Error::Registration(
                "a function id must not be empty".to_owned(),
            ));
        }
        self.command(Command::RegisterFunction {
            id: id.clone(),
            function: function.into_function(),
        });
        Ok(FunctionHandle {
            id,
            worker: self.clone(),
        })
    }

    /// Registers a trigger; it is sent at once when connected, else on connect.
    pub fn register_trigger(&self, trigger: Trigger) -> TriggerHandle {
        let id = Uuid::new_v4().to_string();
        let frame = trigger.into_frame(id.clone(), self.config().namespace.as_deref());
        self.command(Command::RegisterTrigger(frame));
        TriggerHandle {
            id,
            worker: self.clone(),
        }
    }
}

/// A registered function. Dropping the handle keeps the function; call
/// [`unregister`](FunctionHandle::unregister) to remove it.
#[derive(Debug, Clone)]
pub struct FunctionHandle {
    id: String,
    worker: Worker,
}

impl FunctionHandle {
    /// The function id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Removes the function from the engine and from the set replayed on reconnect.
    pub fn unregister(self) {
        self.worker
            .command(Command::UnregisterFunction { id: self.id });
    }
}

/// A registered trigger. Dropping the handle keeps the trigger; call
/// [`unregister`](TriggerHandle::unregister) to remove it.
#[derive(Debug, Clone)]
pub struct TriggerHandle {
    id: String,
    worker: Worker,
}

impl TriggerHandle {
    /// The trigger's id (also the cron `job_id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Removes the trigger from the engine and from the set replayed on reconnect.
    pub fn unregister(self) {
        self.worker
            .command(Command::UnregisterTrigger { id: self.id });
    }
}
