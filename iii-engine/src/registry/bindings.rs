//! The trigger bindings' side of the registry: adding one (with its route), removing one on
//! behalf of its maker, finding an owner's or a custom type's bindings, and handing a
//! reattached worker's rights over to its new connection.

use std::sync::Arc;

use iii_protocol::Uuid;

use super::Registry;
use super::books::Books;
use super::snapshot::{Activation, ENGINE_OWNER, Snapshot, TriggerEntry};

/// What [`Registry::unbind`] did.
pub(crate) enum Unbound {
    /// The binding is gone.
    Removed,
    /// No binding has that id.
    Unknown,
    /// Another worker made it; the text names its holder.
    NotYours(String),
}

impl Registry {
    /// Adds (or replaces) binding `id`, with its route for an `http` binding.
    ///
    /// A binding re-registered under the same id replaces the old one (reconnect replays), but
    /// only its own owner's, or one whose owner is gone: another live worker's binding, or one
    /// made with `engine::register_trigger`, cannot be taken over by reusing its id. A route
    /// whose method and shape another binding serves is refused, so removing a binding can
    /// never uncover (or leave shadowed) another. Every check happens before the old binding
    /// goes, so a refused registration keeps it. The error text names the holder.
    pub(crate) fn bind(&self, id: String, entry: TriggerEntry) -> Result<(), String> {
        self.write(|s, books| {
            let old = s.triggers.get(id.as_str()).cloned();
            if let Some(old) = &old
                && old.owner != entry.owner
                && (old.owner == ENGINE_OWNER || s.workers.contains_key(&old.owner))
            {
                return Err(format!(
                    "trigger id {id:?} is already used by {}",
                    s.holder(old)
                ));
            }
            if let Activation::Http(route) = &entry.activation
                && let Some(held) = s.routes.holder(route)
                && held.trigger_id != id
            {
                let by = s
                    .triggers
                    .get(held.trigger_id.as_str())
                    .map_or_else(|| "another binding".to_owned(), |t| s.holder(t));
                let served = format!("served by trigger {:?} of {by}", held.trigger_id);
                // The real engine's words for a route of the same shape with other parameter
                // names (clients match on them); the same route is this engine's own refusal.
                return Err(if held.segments == route.segments {
                    format!(
                        "route {} {:?} is already {served}",
                        route.method,
                        route.display_path()
                    )
                } else {
                    format!(
                        "Route '{} {}' conflicts with already-registered route '{} {}': routes \
                         with identical structure but different path-parameter names are not \
                         supported ({served})",
                        route.method, route.template, held.method, held.template,
                    )
                });
            }
            let held = books.triggers(entry.owner);
            let replacing = old.as_ref().is_some_and(|o| o.owner == entry.owner);
            if !replacing && held >= self.caps.triggers {
                let who = if entry.owner == ENGINE_OWNER {
                    "the engine holds".to_owned()
                } else {
                    format!("worker {} holds", entry.owner)
                };
                return Err(format!(
                    "{who} {held} trigger bindings already, the most one owner may \
                     (max_triggers_per_worker)"
                ));
            }
            if old.is_some() {
                unbind_in(s, books, &id);
            }
            if let Activation::Http(route) = &entry.activation {
                s.routes.insert(route.clone());
            }
            books.held_mut(entry.owner).triggers.insert(id.clone());
            if entry.activation.is_custom() {
                books.add_custom(&entry.trigger_type, &id);
            }
            s.triggers.insert(id, Arc::new(entry));
            Ok(())
        })
    }

    /// Removes binding `id` for `remover`, the worker that made it (and only that one).
    pub(crate) fn unbind(&self, remover: Uuid, id: &str) -> Unbound {
        self.write(|s, books| {
            let Some(binding) = s.triggers.get(id) else {
                return Unbound::Unknown;
            };
            if binding.maker != Some(remover) {
                return Unbound::NotYours(s.holder(binding));
            }
            unbind_in(s, books, id);
            Unbound::Removed
        })
    }

    /// The bindings `owner` holds, with their ids (in time proportional to how many).
    pub(crate) fn bindings_held_by(&self, owner: Uuid) -> Vec<(String, Arc<TriggerEntry>)> {
        self.read_books(|s, books| entries(s, books.triggers_of(owner)))
    }

    /// The bindings of `trigger_type`, a type the engine does not implement itself, with
    /// their ids (in time proportional to how many).
    pub(crate) fn bindings_of_type(&self, trigger_type: &str) -> Vec<(String, Arc<TriggerEntry>)> {
        self.read_books(|s, books| entries(s, books.custom_of(trigger_type)))
    }

    /// Hands the bindings `previous` made with `engine::register_trigger` over to `next`, the
    /// connection that reattached in its place; returns how many.
    pub(crate) fn hand_over(&self, previous: Uuid, next: Uuid) -> usize {
        self.write(|s, _| {
            let made: Vec<(String, Arc<TriggerEntry>)> = s
                .triggers
                .iter()
                .filter(|(_, t)| t.owner == ENGINE_OWNER && t.maker == Some(previous))
                .map(|(id, t)| (id.clone(), t.clone()))
                .collect();
            for (id, binding) in &made {
                let mut binding = TriggerEntry::clone(binding);
                binding.maker = Some(next);
                s.triggers.insert(id.clone(), Arc::new(binding));
            }
            made.len()
        })
    }
}

/// The entries of binding `ids` in `s`.
fn entries(s: &Snapshot, ids: Vec<String>) -> Vec<(String, Arc<TriggerEntry>)> {
    ids.into_iter()
        .filter_map(|id| s.triggers.get(id.as_str()).cloned().map(|t| (id, t)))
        .collect()
}

/// Removes binding `id` with its route, stops its cron job and forgets it in the books.
pub(super) fn unbind_in(s: &mut Snapshot, books: &mut Books, id: &str) {
    let Some(entry) = s.triggers.remove(id) else {
        return;
    };
    books.drop_trigger(entry.owner, id);
    if entry.activation.is_custom() {
        books.drop_custom(&entry.trigger_type, id);
    }
    match &entry.activation {
        Activation::Http(route) => {
            s.routes.remove(route);
        }
        Activation::Cron(job) => job.abort(),
        _ => {}
    }
}
