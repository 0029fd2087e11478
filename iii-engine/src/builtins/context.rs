//! [`Context`]: what the builtin handlers serve.

use std::sync::Arc;

use crate::events::{Event, Fires};
use crate::registry::Registry;
use crate::stores::Owner;
use crate::stores::channels::Channels;
use crate::stores::queues::Queues;
use crate::stores::state::StateStore;
use crate::stores::streams::StreamStore;
use crate::triggers::Triggers;

/// What the builtins serve: a handle on each store, the registry, the firing inbox and the
/// trigger activation (for `engine::register_trigger`).
pub(crate) struct Context {
    pub(crate) registry: Arc<Registry>,
    pub(crate) state: Owner<StateStore, Event>,
    pub(crate) streams: Owner<StreamStore, Event>,
    pub(crate) channels: Arc<Channels>,
    pub(crate) queues: Queues,
    pub(crate) fires: Fires,
    pub(crate) triggers: Triggers,
}
