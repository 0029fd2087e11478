//! A validated trigger attribute: what the expansion writes into the registration.

use syn::LitStr;

use super::ast::TopicArg;

/// One validated trigger.
pub(crate) enum TriggerAttr {
    Http {
        method: String,
        path: LitStr,
        params: Vec<String>,
    },
    Cron {
        expression: LitStr,
    },
    Queue {
        topic: TopicArg,
    },
    Subscribe {
        topic: TopicArg,
    },
    Stream {
        name: LitStr,
        group: Option<LitStr>,
        item: Option<LitStr>,
    },
    Kv {
        scope: LitStr,
        key: Option<LitStr>,
    },
    Custom {
        trigger_type: LitStr,
        /// JSON text of the configuration object.
        config: String,
    },
}
