//! The engine against the sandbox over real HTTP and a real SQLite file, with time moved by
//! hand.

mod support;

#[path = "engine/handle.rs"]
mod handle;
#[path = "engine/outbox.rs"]
mod outbox;
#[path = "engine/replies.rs"]
mod replies;
#[path = "engine/texting.rs"]
mod texting;
#[path = "engine/variants.rs"]
mod variants;
