//! [`Endpoint`]: what the worker endpoint serves its sockets with.

use std::sync::Arc;

use crate::config::EngineConfig;
use crate::events::Fires;
use crate::http_functions::HttpFunctions;
use crate::limit::Limit;
use crate::registry::Registry;
use crate::router::Router;
use crate::stores::channels::Channels;
use crate::stores::queues::Queues;
use crate::tasks::Tasks;
use crate::triggers::Triggers;

/// Shared by every socket of the worker endpoint.
pub(crate) struct Endpoint {
    pub(crate) router: Arc<Router>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) channels: Arc<Channels>,
    /// Checks the `invocation` of HTTP-invoked functions' registrations.
    pub(crate) http_functions: Arc<HttpFunctions>,
    pub(crate) triggers: Triggers,
    pub(crate) fires: Fires,
    /// Where the `enqueue` action's messages go.
    pub(crate) queues: Queues,
    pub(crate) config: Arc<EngineConfig>,
    pub(crate) tasks: Tasks,
    /// The sockets served at once ([`EngineConfig::max_connections`]).
    pub(crate) connections: Limit,
}
