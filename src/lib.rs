//! Textback's engine: it notices missed calls, texts callers back exactly once, follows up,
//! collects replies, and keeps everything in one SQLite file.
//!
//! The engine knows nothing of any user interface. The `textback` command line and the desktop
//! app are two faces of the same [`engine::EngineHandle`].

#![forbid(unsafe_code)]

pub mod clock;
pub mod config;
pub mod crm;
pub mod demo;
pub mod engine;
pub mod events;
pub mod export;
pub mod ingress;
pub mod metrics;
pub mod provider;
pub mod store;

pub use engine::{Engine, EngineError, EngineHandle};
