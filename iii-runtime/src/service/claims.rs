//! [`Claims`]: on the current connection, which functions the worker holds, which it is
//! waiting to hear about, and which the engine refused to it.
//!
//! `registerfunction` has no positive answer, only a `registrationrejected` when another live
//! worker holds the id. The engine reads a connection's frames in order and answers a JSON
//! `ping` on the same connection after whatever it sent about the frames before it, so the
//! pong to a ping sent after a registration settles it: refused before the pong, held after.
//! Pongs carry no id; they come back in the order of the pings, so counting them is enough.
//! A function's triggers are sent only once it is held, so that a trigger never takes a route
//! or a schedule for a function another worker serves.

use std::collections::HashMap;

use crate::status::Refusal;

enum Claim {
    /// Sent; settled by the answer to ping number `.0`.
    Pending(u64),
    Held,
    Refused(Refusal),
}

/// The claims of one connection.
#[derive(Default)]
pub(super) struct Claims {
    claims: HashMap<String, Claim>,
    /// JSON pings sent on this connection, and pongs received.
    pings: u64,
    pongs: u64,
}

impl Claims {
    /// `id` was just sent: the next ping settles it.
    pub(super) fn sent(&mut self, id: &str) {
        self.claims
            .insert(id.to_owned(), Claim::Pending(self.pings + 1));
    }

    /// A ping goes out; returns its number.
    pub(super) fn ping(&mut self) -> u64 {
        self.pings += 1;
        self.pings
    }

    /// Whether every ping sent so far has been answered.
    pub(super) fn answered(&self, ping: u64) -> bool {
        self.pongs >= ping
    }

    /// A pong arrived: the functions it settles are held; returns them.
    pub(super) fn pong(&mut self) -> Vec<String> {
        self.pongs += 1;
        let pongs = self.pongs;
        let mut held = Vec::new();
        for (id, claim) in &mut self.claims {
            if matches!(claim, Claim::Pending(n) if *n <= pongs) {
                *claim = Claim::Held;
                held.push(id.clone());
            }
        }
        held.sort();
        held
    }

    /// The engine did not answer the pings: everything still waiting is taken as held.
    pub(super) fn assume_held(&mut self) -> Vec<String> {
        self.pongs = self.pings;
        let mut held = Vec::new();
        for (id, claim) in &mut self.claims {
            if matches!(claim, Claim::Pending(_)) {
                *claim = Claim::Held;
                held.push(id.clone());
            }
        }
        held.sort();
        held
    }

    /// The engine refused `refusal.function_id`; true when the worker had sent it, so that
    /// the refusal is about this worker's claim (and false for a stale one).
    pub(super) fn refused(&mut self, refusal: Refusal) -> bool {
        match self.claims.get_mut(&refusal.function_id) {
            Some(claim) => {
                *claim = Claim::Refused(refusal);
                true
            }
            None => false,
        }
    }

    pub(super) fn is_held(&self, id: &str) -> bool {
        matches!(self.claims.get(id), Some(Claim::Held))
    }

    /// The function was unregistered (or handed over): no claim any more.
    pub(super) fn forget(&mut self, id: &str) {
        self.claims.remove(id);
    }

    /// Every function the engine refuses, by id.
    pub(super) fn refusals(&self) -> Vec<Refusal> {
        let mut out: Vec<Refusal> = self
            .claims
            .values()
            .filter_map(|c| match c {
                Claim::Refused(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.function_id.cmp(&b.function_id));
        out
    }

    /// The functions held right now.
    pub(super) fn held(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .claims
            .iter()
            .filter(|(_, c)| matches!(c, Claim::Held))
            .map(|(id, _)| id.clone())
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pong_settles_what_was_sent_before_its_ping() {
        let mut claims = Claims::default();
        claims.sent("a");
        claims.sent("b");
        let first = claims.ping();
        claims.sent("c");
        assert!(claims.refused(Refusal::new("b".into(), "w-2".into())));
        assert!(!claims.refused(Refusal::new("zzz".into(), "w-2".into())));
        assert!(!claims.answered(first));
        assert_eq!(claims.pong(), ["a"]);
        assert!(claims.answered(first));
        assert!(claims.is_held("a") && !claims.is_held("b") && !claims.is_held("c"));
        let second = claims.ping();
        assert_eq!(claims.pong(), ["c"]);
        assert!(claims.answered(second));
        assert_eq!(claims.refusals()[0].function_id, "b");
        assert_eq!(claims.held(), ["a", "c"]);
        claims.sent("b");
        assert!(claims.refusals().is_empty(), "a retry is pending again");
        claims.ping();
        assert_eq!(claims.assume_held(), ["b"]);
    }
}
