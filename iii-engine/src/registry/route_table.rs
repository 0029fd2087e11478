//! [`Routes`]: the HTTP route table, a persistent trie of path segments.
//!
//! A node holds its static children by segment text, one child for a `:param` segment (the
//! parameter's name is the route's own), and the routes that end there, one per method. The
//! children maps are persistent (imbl) and nodes are shared by `Arc`, so adding or removing a
//! route copies only the nodes on its path: O(segments · log n) whatever the table holds, and
//! a registry snapshot keeps its own table for the price of those few nodes. A request visits
//! only the nodes its path can reach.
//!
//! Routes of one method and one shape (the same segments, parameters in the same places,
//! whatever their names) exclude each other: [`Routes::holder`] finds the route a new one would
//! collide with, and the registry refuses the newcomer. When routes of several shapes match a
//! request, the one with the most static segments wins, and among those the latest added.

use std::sync::Arc;

use imbl::HashMap;

use super::routes::{Route, Segment, split};

/// All routes.
#[derive(Clone, Default)]
pub(crate) struct Routes {
    root: Arc<Node>,
    /// Routes added so far: each route's rank among equally specific ones.
    added: u64,
}

#[derive(Default)]
struct Node {
    statics: HashMap<String, Arc<Node>>,
    param: Option<Arc<Node>>,
    /// The routes ending here, one per method, each with its `added` rank.
    here: Vec<(u64, Arc<Route>)>,
}

impl Clone for Node {
    fn clone(&self) -> Self {
        #[cfg(test)]
        tests::count_clone();
        Self {
            statics: self.statics.clone(),
            param: self.param.clone(),
            here: self.here.clone(),
        }
    }
}

/// A route that matched a request.
pub(crate) struct Matched {
    pub(crate) route: Arc<Route>,
    pub(crate) path_params: Vec<(String, String)>,
}

/// What a request finds in the table.
pub(crate) enum Found {
    /// The route that serves it.
    Route(Matched),
    /// Its path is served for these other methods only (sorted; `HEAD` where `GET` is).
    OtherMethods(Vec<String>),
    /// No route has its path.
    Nothing,
}

impl Routes {
    /// The route that `route` collides with: the same method and shape, whoever holds it.
    pub(crate) fn holder(&self, route: &Route) -> Option<&Arc<Route>> {
        let mut node = &*self.root;
        for segment in &route.segments {
            node = match segment {
                Segment::Static(s) => node.statics.get(s.as_str())?,
                Segment::Param(_) => node.param.as_ref()?,
            };
        }
        node.here
            .iter()
            .find(|(_, r)| r.method == route.method)
            .map(|(_, r)| r)
    }

    /// Adds a route, replacing any of the same method and shape (the registry has checked
    /// with [`Routes::holder`] that it may).
    pub(crate) fn insert(&mut self, route: Arc<Route>) {
        self.added += 1;
        let shape = route.clone();
        Arc::make_mut(&mut self.root).insert(&shape.segments, (self.added, route));
    }

    /// Removes `route` if the table still holds it (the same trigger at its place); returns
    /// whether it did.
    pub(crate) fn remove(&mut self, route: &Route) -> bool {
        if self
            .holder(route)
            .is_none_or(|held| held.trigger_id != route.trigger_id)
        {
            return false;
        }
        Arc::make_mut(&mut self.root).remove(&route.segments, route);
        true
    }

    /// What serves `method` on `path`. `HEAD` falls back to `GET` routes.
    pub(crate) fn find(&self, method: &str, path: &str) -> Found {
        let parts: Vec<&str> = split(path).collect();
        let mut ends = Vec::new();
        self.root.ends(&parts, 0, &mut ends);
        let best = |method: &str| {
            ends.iter()
                .flat_map(|(node, statics)| {
                    node.here
                        .iter()
                        .filter(move |(_, r)| r.method == method)
                        .map(move |(added, r)| ((*statics, *added), r))
                })
                .max_by_key(|(rank, _)| *rank)
                .map(|(_, r)| r.clone())
        };
        let found = best(method).or_else(|| (method == "HEAD").then(|| best("GET")).flatten());
        if let Some(route) = found {
            let path_params = route.params(&parts);
            return Found::Route(Matched { route, path_params });
        }
        let mut methods: Vec<String> = ends
            .iter()
            .flat_map(|(node, _)| node.here.iter().map(|(_, r)| r.method.clone()))
            .collect();
        if methods.iter().any(|m| m == "GET") {
            methods.push("HEAD".to_owned());
        }
        methods.sort_unstable();
        methods.dedup();
        if methods.is_empty() {
            Found::Nothing
        } else {
            Found::OtherMethods(methods)
        }
    }
}

impl Node {
    fn is_empty(&self) -> bool {
        self.statics.is_empty() && self.param.is_none() && self.here.is_empty()
    }

    fn insert(&mut self, segments: &[Segment], entry: (u64, Arc<Route>)) {
        let Some((first, rest)) = segments.split_first() else {
            self.here.retain(|(_, r)| r.method != entry.1.method);
            self.here.push(entry);
            return;
        };
        let child = match first {
            Segment::Static(s) => self.statics.entry(s.clone()).or_default(),
            Segment::Param(_) => self.param.get_or_insert_with(Arc::default),
        };
        Arc::make_mut(child).insert(rest, entry);
    }

    /// Removes `route` below this node, which holds it; prunes the nodes left empty.
    fn remove(&mut self, segments: &[Segment], route: &Route) {
        let Some((first, rest)) = segments.split_first() else {
            self.here
                .retain(|(_, r)| !(r.method == route.method && r.trigger_id == route.trigger_id));
            return;
        };
        match first {
            Segment::Static(s) => {
                let empty = self.statics.get_mut(s.as_str()).is_some_and(|child| {
                    let child = Arc::make_mut(child);
                    child.remove(rest, route);
                    child.is_empty()
                });
                if empty {
                    self.statics.remove(s.as_str());
                }
            }
            Segment::Param(_) => {
                let empty = self.param.as_mut().is_some_and(|child| {
                    let child = Arc::make_mut(child);
                    child.remove(rest, route);
                    child.is_empty()
                });
                if empty {
                    self.param = None;
                }
            }
        }
    }

    /// The nodes where `parts` can end, with how many static segments led there.
    fn ends<'a>(&'a self, parts: &[&str], statics: usize, out: &mut Vec<(&'a Node, usize)>) {
        let Some((part, rest)) = parts.split_first() else {
            if !self.here.is_empty() {
                out.push((self, statics));
            }
            return;
        };
        if let Some(child) = self.statics.get(*part) {
            child.ends(rest, statics + 1, out);
        }
        // A parameter matches any segment but an empty one.
        if !part.is_empty()
            && let Some(child) = &self.param
        {
            child.ends(rest, statics, out);
        }
    }
}

#[cfg(test)]
#[path = "route_table_tests.rs"]
mod tests;
