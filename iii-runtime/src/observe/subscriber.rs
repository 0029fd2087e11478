//! The `tracing` subscriber [`init_tracing`](crate::init_tracing) installs: `RUST_LOG`'s
//! filter, the console formatter, the engine log layer and, with the `otel` feature, the
//! OpenTelemetry layer built from the environment.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::engine_log::EngineLogLayer;

/// Installs the subscriber unless the program installed one already.
pub(crate) fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_ansi(ansi))
        .with(EngineLogLayer::default());
    #[cfg(not(feature = "otel"))]
    let _ = registry.try_init();
    #[cfg(feature = "otel")]
    with_otel(registry);
}

#[cfg(feature = "otel")]
fn with_otel<S>(registry: S)
where
    S: tracing::Subscriber
        + for<'a> tracing_subscriber::registry::LookupSpan<'a>
        + Send
        + Sync
        + 'static,
{
    use super::otel;
    let (provider, failed) = match otel::from_env() {
        Ok(provider) => (provider, None),
        Err(e) => (None, Some(e)),
    };
    let layer = provider.as_ref().map(otel::layer);
    if registry.with(layer).try_init().is_err() {
        // The program installed its own subscriber: this pipeline has nowhere to go.
        otel::deactivate();
        if let Some(provider) = provider {
            let _ = provider.shutdown();
        }
        return;
    }
    if let Some(provider) = provider {
        otel::keep(provider);
    }
    if let Some(e) = failed {
        tracing::warn!("traces are not exported: {e}");
    }
}
