//! Preferences of this desk's app, kept in the database beside the engine's settings so they
//! travel with its backups: who is at the desk, which notifications to raise, saved replies.

use serde::{Deserialize, Serialize};
use textback::engine::{EngineError, EngineHandle};

const KEY: &str = "desktop";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// The staff member using this desk: the author of its replies and notes.
    pub me: Option<String>,
    /// Raise a notification for each missed call, not only for replies.
    pub notify_missed_calls: bool,
    /// Start Textback when the user logs in.
    pub start_at_login: bool,
    /// Texts staff send often, offered in the reply box.
    pub saved_replies: Vec<String>,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            me: None,
            notify_missed_calls: true,
            start_at_login: false,
            saved_replies: vec![
                "Thanks for getting back to us! What day and time suit you best?".into(),
                "You're booked in. Reply here if anything changes.".into(),
                "Sorry we missed you. When is a good time to call you back?".into(),
            ],
        }
    }
}

impl Prefs {
    pub fn load(handle: &EngineHandle) -> Result<Self, EngineError> {
        Ok(handle
            .app_setting(KEY)?
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default())
    }

    pub fn save(&self, handle: &EngineHandle) -> Result<(), EngineError> {
        let value = serde_json::to_value(self).expect("preferences serialize");
        handle.put_app_setting(KEY, &value)
    }
}
