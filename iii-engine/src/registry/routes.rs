//! The HTTP route table: templates with `:param` segments, keyed by method and path. A route
//! carries everything a request needs from its binding (function, condition, middleware,
//! metadata), so that serving a request reads the registry once.

use std::sync::Arc;

use serde_json::Value;

/// Methods a route may use.
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
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
    segments: Vec<Segment>,
    pub(crate) trigger_id: String,
    pub(crate) function_id: String,
    pub(crate) condition: Option<String>,
    pub(crate) middleware: Vec<String>,
    /// The binding's metadata, forwarded with every invocation the route makes.
    pub(crate) metadata: Option<Value>,
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
        }))
    }

    /// The template with a leading slash, for logs.
    pub(crate) fn display_path(&self) -> String {
        format!(
            "/{}",
            self.template.strip_prefix('/').unwrap_or(&self.template)
        )
    }

    fn same_shape(&self, other: &Self) -> bool {
        self.method == other.method
            && self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|pair| match pair {
                    (Segment::Static(a), Segment::Static(b)) => a == b,
                    (Segment::Param(_), Segment::Param(_)) => true,
                    _ => false,
                })
    }

    /// Matches request path segments; returns the path parameters and how many static segments
    /// matched (more static segments = more specific route).
    fn matches(&self, parts: &[&str]) -> Option<(Vec<(String, String)>, usize)> {
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        let mut statics = 0;
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Static(s) if s == part => statics += 1,
                Segment::Param(name) if !part.is_empty() => {
                    params.push((name.clone(), (*part).to_owned()));
                }
                _ => return None,
            }
        }
        Some((params, statics))
    }
}

/// Path segments without the leading slash; a trailing slash gives a final empty segment.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// All routes.
#[derive(Default, Clone)]
pub(crate) struct Routes {
    routes: Vec<Arc<Route>>,
}

/// A route that matched a request.
pub(crate) struct Matched {
    pub(crate) route: Arc<Route>,
    pub(crate) path_params: Vec<(String, String)>,
}

impl Routes {
    /// Adds a route. The same method and path replaces the old route (last writer wins); the
    /// same shape with other parameter names is a conflict.
    pub(crate) fn insert(&mut self, route: Route) -> Result<(), String> {
        self.check(&route)?;
        self.routes
            .retain(|r| !(r.method == route.method && r.segments == route.segments));
        self.routes.push(Arc::new(route));
        Ok(())
    }

    /// Whether `route` could be inserted: the same shape with other parameter names is a
    /// conflict (a route of the same trigger id does not count, since it is being replaced).
    pub(crate) fn check(&self, route: &Route) -> Result<(), String> {
        if let Some(existing) = self.routes.iter().find(|r| {
            r.trigger_id != route.trigger_id && r.same_shape(route) && r.segments != route.segments
        }) {
            return Err(format!(
                "route {} {:?} conflicts with {} {:?}",
                route.method,
                route.display_path(),
                existing.method,
                existing.display_path()
            ));
        }
        Ok(())
    }

    /// Removes the route of a trigger, if that trigger still owns one.
    pub(crate) fn remove_trigger(&mut self, trigger_id: &str) {
        self.routes.retain(|r| r.trigger_id != trigger_id);
    }

    /// Finds the most specific route for a request. `HEAD` falls back to `GET` routes.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<Matched> {
        let parts: Vec<&str> = split(path).collect();
        let best = |method: &str| {
            self.routes
                .iter()
                .filter(|r| r.method == method)
                .filter_map(|r| r.matches(&parts).map(|(p, s)| (r, p, s)))
                .max_by_key(|(_, _, statics)| *statics)
                .map(|(route, path_params, _)| Matched {
                    route: route.clone(),
                    path_params,
                })
        };
        best(method).or_else(|| if method == "HEAD" { best("GET") } else { None })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn route(path: &str, method: &str, id: &str) -> Route {
        Route::from_config(&json!({"api_path": path, "http_method": method}), id, "f")
            .unwrap()
            .unwrap()
    }

    #[test]
    fn leading_slash_optional_trailing_slash_significant() {
        let mut routes = Routes::default();
        routes.insert(route("add", "post", "t1")).unwrap();
        assert!(routes.find("POST", "/add").is_some());
        assert!(routes.find("POST", "/add/").is_none());
        assert!(routes.find("GET", "/add").is_none());
        routes.insert(route("/dir/", "GET", "t2")).unwrap();
        assert!(routes.find("GET", "/dir/").is_some());
        assert!(routes.find("GET", "/dir").is_none());
    }

    #[test]
    fn params_and_specificity() {
        let mut routes = Routes::default();
        routes.insert(route("users/:id", "GET", "t1")).unwrap();
        routes.insert(route("users/me", "GET", "t2")).unwrap();
        let m = routes.find("GET", "/users/42").unwrap();
        assert_eq!(m.path_params, vec![("id".to_owned(), "42".to_owned())]);
        assert_eq!(m.route.template, "users/:id");
        assert_eq!(
            routes.find("GET", "/users/me").unwrap().route.trigger_id,
            "t2"
        );
        assert!(routes.find("GET", "/users/").is_none());
        assert!(routes.find("HEAD", "/users/42").is_some());
    }

    #[test]
    fn replace_and_conflict() {
        let mut routes = Routes::default();
        routes.insert(route("/a/:x", "GET", "t1")).unwrap();
        routes.insert(route("a/:x", "GET", "t2")).unwrap();
        assert_eq!(routes.find("GET", "/a/1").unwrap().route.trigger_id, "t2");
        assert!(routes.insert(route("a/:y", "GET", "t3")).is_err());
        routes.remove_trigger("t1");
        assert!(routes.find("GET", "/a/1").is_some());
        routes.remove_trigger("t2");
        assert!(routes.find("GET", "/a/1").is_none());
    }

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
}
