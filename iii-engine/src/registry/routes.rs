//! One HTTP route, read from an `http` trigger's config: a template with `:param` segments and
//! a method. A route carries everything a request needs from its binding (function, condition,
//! middleware, metadata), so that serving a request reads the registry once. The table of all
//! routes is `super::route_table`.

use serde_json::Value;

/// Methods a route may use.
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// One segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Static(String),
    Param(String),
}

/// One route, from one `http` trigger.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// Upper-case method.
    pub(crate) method: String,
    /// The `api_path` exactly as registered (it is the envelope's `path`).
    pub(crate) template: String,
    pub(super) segments: Vec<Segment>,
    pub(crate) trigger_id: String,
    pub(crate) function_id: String,
    pub(crate) condition: Option<String>,
    pub(crate) middleware: Vec<String>,
    /// The binding's metadata, forwarded with every invocation the route makes.
    pub(crate) metadata: Option<Value>,
    /// `stream_body: true`: bodies that are not JSON are streamed to the function as they
    /// arrive, not collected (an extension of this engine).
    pub(crate) stream_body: bool,
}

impl Route {
    /// Reads an `http` trigger's config. `Ok(None)` for an unsupported method: the engine
    /// accepts such a registration but never serves it.
    pub(crate) fn from_config(
        config: &Value,
        trigger_id: &str,
        function_id: &str,
    ) -> Result<Option<Self>, String> {
        let template = config
            .get("api_path")
            .and_then(Value::as_str)
            .ok_or("api_path is required for http triggers")?
            .to_owned();
        let method = config
            .get("http_method")
            .and_then(Value::as_str)
            .unwrap_or("GET")
            .to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            tracing::warn!(
                "http trigger {trigger_id:?}: unsupported method {method:?}, route skipped"
            );
            return Ok(None);
        }
        let segments = split(&template)
            .map(|s| match s.strip_prefix(':') {
                Some(name) if !name.is_empty() => Segment::Param(name.to_owned()),
                _ => Segment::Static(s.to_owned()),
            })
            .collect();
        let middleware = config
            .get("middleware_function_ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(Self {
            method,
            template,
            segments,
            trigger_id: trigger_id.to_owned(),
            function_id: function_id.to_owned(),
            condition: config
                .get("condition_function_id")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            middleware,
            metadata: None,
            stream_body: config
                .get("stream_body")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }))
    }

    /// The path parameters of request segments `parts` that match this route.
    pub(super) fn params(&self, parts: &[&str]) -> Vec<(String, String)> {
        self.segments
            .iter()
            .zip(parts)
            .filter_map(|(segment, part)| match segment {
                Segment::Param(name) => Some((name.clone(), (*part).to_owned())),
                Segment::Static(_) => None,
            })
            .collect()
    }

    /// The template with a leading slash, for logs.
    pub(crate) fn display_path(&self) -> String {
        format!(
            "/{}",
            self.template.strip_prefix('/').unwrap_or(&self.template)
        )
    }
}

/// Path segments without the leading slash; a trailing slash gives a final empty segment.
pub(super) fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn config_errors() {
        assert!(Route::from_config(&json!({}), "t", "f").is_err());
        assert!(Route::from_config(&Value::Null, "t", "f").is_err());
        assert!(
            Route::from_config(&json!({"api_path": "x", "http_method": "BREW"}), "t", "f")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn segments_and_methods() {
        let route = Route::from_config(
            &json!({"api_path": "/a/:id/", "http_method": "post"}),
            "t",
            "f",
        )
        .unwrap()
        .unwrap();
        assert_eq!(route.method, "POST");
        assert_eq!(
            route.segments,
            [
                Segment::Static("a".into()),
                Segment::Param("id".into()),
                Segment::Static(String::new())
            ]
        );
        assert_eq!(route.display_path(), "/a/:id/");
    }
}
