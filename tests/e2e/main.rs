//! End-to-end tests of the desktop app: the real binary, launched through WebDriver on a
//! virtual display, with a private D-Bus session, keyring and notification server (see
//! [`session`]).
//!
//! Each test starts a fresh app on an empty data directory, which opens the demo: the engine
//! texting through its embedded sandbox. The tests act as the front desk and as the demo's
//! customer, and check what the app shows, what reached the provider, what went over D-Bus and
//! what was written to disk.
//!
//! They need the app built first (`cargo build -p textback-desktop`) and the desktop tools
//! `make test-deps` installs; without either they fail, saying which.

mod app;
mod desktop;
mod inbox;
mod processes;
mod safety;
mod session;
mod settings;

use app::App;
use session::Session;

/// A fresh desktop with the app launched on an empty data directory.
async fn launch() -> (Session, App) {
    let session = Session::start().expect("the test desktop starts");
    let app = App::launch(&session)
        .await
        .expect("the app launches and shows its inbox");
    (session, app)
}
