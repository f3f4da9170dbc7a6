//! The real `textback run` binary as a child of the test, for tests that need the whole
//! process: killed, stopped, restarted, or its files and output searched.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
#[cfg(unix)]
use std::time::{Duration, Instant};

use tempfile::TempDir;
use textback_sandbox::{RunningSandbox, Sandbox, SandboxOptions};

use super::serve_sandbox;

/// The sandbox, served in the test process so that its record outlives any engine, and the
/// files the engine runs on, in a temporary folder of their own.
pub struct World {
    /// Serves the sandbox for as long as the world lives.
    _server: RunningSandbox,
    pub sandbox: Sandbox,
    pub dir: TempDir,
    pub config: PathBuf,
    pub db: PathBuf,
    pub log: PathBuf,
}

impl World {
    /// Serves a sandbox with `options` on a free loopback port and writes the engine's
    /// configuration, made by `config_toml` from the sandbox's base URL and account SID.
    pub async fn start(
        options: SandboxOptions,
        config_toml: impl FnOnce(&str, &str) -> String,
    ) -> Self {
        let server = serve_sandbox(options).await;
        let sandbox = server.sandbox().clone();
        let dir = tempfile::Builder::new()
            .prefix(concat!("textback-", env!("CARGO_CRATE_NAME")))
            .tempdir()
            .expect("a temporary directory");
        let config = dir.path().join("textback.toml");
        let toml = config_toml(&server.base_url(), sandbox.account_sid());
        fs::write(&config, toml).expect("the configuration is written");
        Self {
            db: dir.path().join("textback.db"),
            log: dir.path().join("engine.log"),
            _server: server,
            sandbox,
            dir,
            config,
        }
    }

    /// `textback run` on the world's configuration and database, with `token` as the
    /// provider's auth token and nothing on its standard input. The test adds its log level,
    /// log file and where the output goes.
    pub fn run_command(&self, token: &str) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_textback"));
        command
            .arg("run")
            .arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .env("TWILIO_AUTH_TOKEN", token)
            .stdin(Stdio::null());
        command
    }

    /// Keeps the folder after the test, for a look at the database and the log.
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }
}

/// A running `textback run`. Ending it is an error if it had already exited by itself, since
/// nothing but the test should ever end it; one still running when dropped is killed.
pub struct EngineProcess {
    child: Child,
}

impl EngineProcess {
    /// Starts `command`, usually one from [`World::run_command`].
    pub fn spawn(mut command: Command) -> Self {
        let child = command.spawn().expect("the textback binary starts");
        Self { child }
    }

    /// Kills the engine with SIGKILL, as a crash would, and waits for it.
    pub fn kill(&mut self) -> Result<(), String> {
        self.still_running()?;
        self.child.kill().map_err(|e| e.to_string())?;
        self.child.wait().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Asks the engine to stop as an operator would (SIGTERM where there is one) and waits
    /// for it, killing it if it is still there after ten seconds.
    pub fn stop(&mut self) -> Result<(), String> {
        self.still_running()?;
        #[cfg(unix)]
        {
            let pid = self.child.id().to_string();
            let sent = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            if sent.is_ok_and(|s| s.success()) {
                while Instant::now() < deadline {
                    if self.child.try_wait().map_err(|e| e.to_string())?.is_some() {
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
        self.child.kill().map_err(|e| e.to_string())?;
        self.child.wait().map_err(|e| e.to_string())?;
        Ok(())
    }

    /// An error if the engine has already exited.
    fn still_running(&mut self) -> Result<(), String> {
        match self.child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => Err(format!(
                "the engine keeps running until the test ends it, but it exited by itself \
                 ({status})"
            )),
            None => Ok(()),
        }
    }
}

impl Drop for EngineProcess {
    /// Leaves no engine behind when a test fails half-way.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
