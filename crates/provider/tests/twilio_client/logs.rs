//! A tracing subscriber that keeps the client's log events as text, so tests can count retries
//! where no server can count them (a refused connection) and check that no secret is logged.
//!
//! The subscriber is global and installed before any client exists (the fixtures do it), and
//! each test that captures collects only its own thread's events. A scoped per-test subscriber
//! would be simpler, but tracing caches whether a log line is wanted the first time any thread
//! reaches it, and tests running in parallel race on that cache. Tests that capture run on
//! tokio's default current-thread runtime, where the client is polled on the test's thread.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex, Once};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

type Lines = Arc<Mutex<Vec<String>>>;

thread_local! {
    /// Where this thread's events go while a [`CapturedLogs`] lives.
    static SINK: RefCell<Option<Lines>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Makes the recording subscriber the global one, once per test binary.
pub fn install() {
    INSTALL.call_once(|| {
        tracing::subscriber::set_global_default(Recorder)
            .expect("no other global subscriber in this test binary");
    });
}

/// Log lines from `textback_provider` on this thread while this value lives.
pub struct CapturedLogs {
    lines: Lines,
}

impl CapturedLogs {
    /// Starts capturing this thread's events.
    pub fn start() -> Self {
        install();
        let lines = Lines::default();
        SINK.with(|sink| *sink.borrow_mut() = Some(Arc::clone(&lines)));
        Self { lines }
    }

    /// Every line so far: the level, then `field=value` pairs separated by spaces.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("log lock").clone()
    }

    /// How many lines contain `text`.
    pub fn count(&self, text: &str) -> usize {
        self.lines()
            .iter()
            .filter(|line| line.contains(text))
            .count()
    }
}

impl Drop for CapturedLogs {
    fn drop(&mut self) {
        SINK.with(|sink| sink.borrow_mut().take());
    }
}

struct Recorder;

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("textback_provider")
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let Some(lines) = SINK.with(|sink| sink.borrow().clone()) else {
            return;
        };
        let mut line = format!("{} ", event.metadata().level());
        event.record(&mut LineWriter(&mut line));
        lines.lock().expect("log lock").push(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

struct LineWriter<'a>(&'a mut String);

impl Visit for LineWriter<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}
