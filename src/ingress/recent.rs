//! A bounded memory of ids the ingress has seen lately, oldest forgotten first.
//!
//! It only saves work or carries a hint between two deliveries of one process; nothing that
//! must survive a restart lives here, as the SIDs in the database already make a repeated
//! delivery change nothing.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

/// Ids remembered before the oldest is forgotten.
const REMEMBERED: usize = 4096;

/// The ids seen lately.
#[derive(Default)]
pub struct RecentIds {
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl RecentIds {
    /// Whether `id` was remembered and not yet forgotten.
    pub fn contains(&self, id: &str) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .contains(id)
    }

    /// Remembers `id`, forgetting the oldest ids beyond the limit.
    pub fn insert(&self, id: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (set, order) = &mut *inner;
        if set.insert(id.to_owned()) {
            order.push_back(id.to_owned());
        }
        while order.len() > REMEMBERED {
            if let Some(oldest) = order.pop_front() {
                set.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The oldest id goes first once the memory is full.
    #[test]
    fn forgets_the_oldest_beyond_the_limit() {
        let recent = RecentIds::default();

        for n in 0..=REMEMBERED {
            recent.insert(&n.to_string());
        }
        recent.insert("1");

        assert!(!recent.contains("0"), "the oldest is forgotten");
        assert!(recent.contains("1"), "a repeated insert keeps its place");
        assert!(
            recent.contains(&REMEMBERED.to_string()),
            "the newest is kept"
        );
    }
}
