//! [`Server`]: what the HTTP trigger server serves requests with.

use std::sync::Arc;

use crate::config::EngineConfig;
use crate::registry::Registry;
use crate::router::Router;
use crate::stores::channels::Channels;
use crate::tasks::Tasks;

use crate::limit::Limit;

/// The HTTP trigger server.
pub(crate) struct Server {
    pub(super) router: Arc<Router>,
    pub(super) registry: Arc<Registry>,
    pub(super) channels: Arc<Channels>,
    pub(super) config: Arc<EngineConfig>,
    pub(super) tasks: Tasks,
    pub(super) limit: Limit,
}

impl Server {
    /// A server routing requests with `router` over the routes of `registry`.
    pub(crate) fn new(
        router: Arc<Router>,
        registry: Arc<Registry>,
        channels: Arc<Channels>,
        config: Arc<EngineConfig>,
        tasks: Tasks,
    ) -> Self {
        let limit = Limit::new(config.concurrency_request_limit);
        Self {
            router,
            registry,
            channels,
            config,
            tasks,
            limit,
        }
    }
}
