//! Where the sandbox keeps its calls and messages, indexed for Twilio-style paging.
//!
//! Lists are read newest first, a page at a time, while new records keep arriving (a benchmark
//! sends thousands of messages while the engine pages through them). Each record therefore has
//! a [`Position`], its time and then its arrival order, and sits in a `BTreeMap` by position: a
//! page is a range scan that starts right after the last record of the page before, so pages
//! never skip or repeat a record when new ones arrive, and reading page 100 costs no more than
//! reading page 1. A map from SID to position serves single reads.
//!
//! The state sits behind one mutex; every method here is synchronous and quick, and no caller
//! holds the lock across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};

use crate::model::{Faults, SandboxCall, SandboxMessage};

/// Where a record sorts: by time, then by arrival, so records of the same second keep the
/// order they arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Position {
    /// Unix seconds of the record's start (calls) or creation (messages).
    pub(crate) time: i64,
    /// Arrival order, unique across the sandbox's life.
    pub(crate) seq: u64,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// From the newest record, skipping this many matching records first.
    Newest { skip: usize },
    /// The records older than this position: the page after one ending here.
    OlderThan(Position),
    /// The records newer than this position: the page before one starting here.
    NewerThan(Position),
}

/// One page of records, newest first, each with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<(Position, T)>,
    /// Whether more matching records lie beyond the page in the direction it was read.
    pub(crate) more: bool,
}

/// Records of one kind, by position and by SID.
#[derive(Debug)]
pub(crate) struct Ledger<T> {
    by_position: BTreeMap<Position, T>,
    positions: HashMap<String, Position>,
}

impl<T> Default for Ledger<T> {
    fn default() -> Self {
        Self {
            by_position: BTreeMap::new(),
            positions: HashMap::new(),
        }
    }
}

impl<T: Clone> Ledger<T> {
    /// Adds a record under its SID.
    pub(crate) fn insert(&mut self, sid: String, position: Position, record: T) {
        self.positions.insert(sid, position);
        self.by_position.insert(position, record);
    }

    /// The record with this SID.
    pub(crate) fn get(&self, sid: &str) -> Option<&T> {
        self.positions
            .get(sid)
            .and_then(|position| self.by_position.get(position))
    }

    /// Every record, oldest first.
    pub(crate) fn oldest_first(&self) -> Vec<T> {
        self.by_position.values().cloned().collect()
    }

    /// Up to `size` records that `keep` accepts, newest first, starting at `cursor`.
    pub(crate) fn page(&self, cursor: Cursor, size: usize, keep: impl Fn(&T) -> bool) -> Page<T> {
        let matching =
            |(position, record): (&Position, &T)| keep(record).then(|| (*position, record.clone()));
        let mut items: Vec<(Position, T)> = match cursor {
            Cursor::Newest { skip } => self
                .by_position
                .iter()
                .rev()
                .filter_map(matching)
                .skip(skip)
                .take(size + 1)
                .collect(),
            Cursor::OlderThan(after) => self
                .by_position
                .range(..after)
                .rev()
                .filter_map(matching)
                .take(size + 1)
                .collect(),
            Cursor::NewerThan(before) => self
                .by_position
                .range((Bound::Excluded(before), Bound::Unbounded))
                .filter_map(matching)
                .take(size + 1)
                .collect(),
        };

        let more = items.len() > size;
        items.truncate(size);
        if matches!(cursor, Cursor::NewerThan(_)) {
            items.reverse();
        }
        Page { items, more }
    }

    /// Forgets every record.
    pub(crate) fn clear(&mut self) {
        self.by_position.clear();
        self.positions.clear();
    }
}

/// Everything the sandbox remembers.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) calls: Ledger<SandboxCall>,
    pub(crate) messages: Ledger<SandboxMessage>,
    pub(crate) faults: Faults,
    next_seq: u64,
}

impl State {
    /// A fresh position for a record of time `t`, after every record added so far.
    pub(crate) fn next_position(&mut self, t: DateTime<Utc>) -> Position {
        self.next_seq += 1;
        Position {
            time: t.timestamp(),
            seq: self.next_seq,
        }
    }

    /// Forgets every call and message and clears the faults. Positions keep counting up, so a
    /// page token from before the reset still points at a place in the order.
    pub(crate) fn reset(&mut self) {
        self.calls.clear();
        self.messages.clear();
        self.faults = Faults::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_of(count: u64) -> Ledger<u64> {
        let mut ledger = Ledger::default();
        for seq in 1..=count {
            ledger.insert(format!("S{seq}"), Position { time: 100, seq }, seq);
        }
        ledger
    }

    fn values(page: &Page<u64>) -> Vec<u64> {
        page.items.iter().map(|(_, value)| *value).collect()
    }

    /// Records of the same second come newest first by arrival.
    #[test]
    fn newest_page_orders_by_arrival_within_a_second() {
        let ledger = ledger_of(5);

        let page = ledger.page(Cursor::Newest { skip: 0 }, 2, |_| true);

        assert_eq!(values(&page), vec![5, 4], "newest two first");
        assert!(page.more, "three more records remain");
    }

    /// A page after a position starts right after it, even once newer records arrive.
    #[test]
    fn older_than_is_stable_when_records_arrive() {
        let mut ledger = ledger_of(5);
        let first = ledger.page(Cursor::Newest { skip: 0 }, 2, |_| true);
        let (last_position, _) = first.items[1];

        ledger.insert("S6".into(), Position { time: 101, seq: 6 }, 6);
        let second = ledger.page(Cursor::OlderThan(last_position), 2, |_| true);
        let third = ledger.page(Cursor::OlderThan(second.items[1].0), 2, |_| true);

        assert_eq!(
            values(&second),
            vec![3, 2],
            "the second page continues after 4"
        );
        assert_eq!(
            values(&third),
            vec![1],
            "the last page holds the oldest record"
        );
        assert!(!third.more, "nothing lies beyond the last page");
    }

    /// The page before a position holds the records just newer than it, newest first.
    #[test]
    fn newer_than_reads_the_previous_page() {
        let ledger = ledger_of(5);

        let page = ledger.page(Cursor::NewerThan(Position { time: 100, seq: 2 }), 2, |_| {
            true
        });

        assert_eq!(
            values(&page),
            vec![4, 3],
            "the two records just newer than 2"
        );
        assert!(page.more, "record 5 is newer still");
    }

    /// The filter is applied before the page is cut, so pages are full of matches.
    #[test]
    fn pages_hold_only_matches() {
        let ledger = ledger_of(10);

        let page = ledger.page(Cursor::Newest { skip: 1 }, 3, |value| value % 2 == 0);

        assert_eq!(
            values(&page),
            vec![8, 6, 4],
            "even records, skipping the newest match"
        );
    }
}
