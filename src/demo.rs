//! Demo mode: the engine and the embedded sandbox in one process, with a made-up business, so
//! the whole flow (missed call, text-back, reply) runs with no account and no network.

use std::path::Path;
use std::sync::Arc;

use textback_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::engine::{Engine, EngineHandle};
use crate::provider::{self, Secret};
use crate::store::Store;

/// The business number of the demo.
pub const DEMO_NUMBER: &str = "+12125550100";
/// A caller to try the demo with.
pub const DEMO_CALLER: &str = "+12125550123";

/// The demo's settings: a dental practice in New York, texting at any hour so the demo works
/// at night, with a short grace and a follow-up two minutes later so each step shows quickly.
pub fn demo_config(base_url: &str, account_sid: &str) -> Config {
    let text = format!(
        r#"
[business]
name = "Harbor Dental (demo)"
time_zone = "America/New_York"
numbers = ["{DEMO_NUMBER}"]
booking_link = "https://harbor.example/book"

[provider]
kind = "sandbox"
base_url = "{base_url}"
account_sid = "{account_sid}"
poll_interval = "1s"

[rules]
grace = "5s"
quiet_hours = "off"
follow_ups = ["2m"]

[[staff]]
name = "Front desk"
"#
    );
    Config::from_toml(&text).expect("the demo configuration is valid")
}

/// A running demo: the sandbox serving on its address and the engine working against it.
pub struct Demo {
    pub sandbox: RunningSandbox,
    pub handle: EngineHandle,
}

impl Demo {
    /// Starts the sandbox on `listen` and the engine on the database at `db`.
    pub async fn start(listen: &str, db: &Path) -> anyhow::Result<Self> {
        let sandbox = Sandbox::new(SandboxOptions::default());
        let token = Secret::new(sandbox.auth_token());
        let account_sid = sandbox.account_sid().to_owned();
        let running = sandbox
            .spawn(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
        let config = demo_config(&running.base_url(), &account_sid);
        let store = Arc::new(Store::open(db)?);
        let provider = provider::build(&config.provider, &token).map_err(anyhow::Error::msg)?;
        let clock: SharedClock = Arc::new(SystemClock);
        let engine = Engine::new(store, provider, clock, config);
        Ok(Self {
            sandbox: running,
            handle: EngineHandle::start(engine),
        })
    }
}
