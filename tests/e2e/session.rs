//! The desktop the app runs on during an end-to-end test: a private D-Bus session, a virtual
//! X display, an unlocked keyring, a notification server whose traffic is logged, and a
//! WebDriver server that launches the app, all pointed at one scratch directory.
//!
//! Nothing of the machine's own desktop is used, so a test sees exactly what the app did: the
//! notifications it sent, the secrets it stored, the files it wrote. When the session ends,
//! even by a panic, it stops its children gently (so Xvfb and the bus remove their sockets),
//! then everything they started (see [`processes`]), and removes the scratch directory.
//!
//! Sessions take turns: one app, with its WebKit processes, is as much as two cores run without
//! the timings of the tests becoming noise, and taking turns also makes the reaping safe.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tempfile::TempDir;

use crate::processes;

/// The programs a session runs, each with the package that provides it.
const TOOLS: [(&str, &str); 10] = [
    ("dbus-daemon", "dbus-daemon"),
    ("dbus-monitor", "dbus-bin"),
    ("dbus-send", "dbus-bin"),
    ("Xvfb", "xvfb"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("secret-tool", "libsecret-tools"),
    ("dunst", "dunst"),
    ("notify-send", "libnotify-bin"),
    ("WebKitWebDriver", "webkit2gtk-driver"),
    ("tauri-driver", "cargo install tauri-driver"),
];

/// The longest any one part of the session may take to come up.
const STARTUP: Duration = Duration::from_secs(20);

/// Set (to anything) to keep each session's scratch directory, with its logs and data, for a
/// look after the run.
const KEEP: &str = "TEXTBACK_E2E_KEEP";

/// The environment variable that marks every process of one session.
const MARKER: &str = "TEXTBACK_E2E_SESSION";

/// Held by the session that is running; the others wait for it.
static TURN: Mutex<()> = Mutex::new(());

/// A running desktop for one test. Dropping it stops everything it started.
pub struct Session {
    children: Vec<(&'static str, Child)>,
    env: Vec<(String, OsString)>,
    marker: String,
    driver_port: u16,
    scratch: TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Session {
    /// Starts the bus, the display, the keyring, the notification server and the WebDriver
    /// server, in that order, each waited for until it answers.
    ///
    /// Blocks the thread while it waits (a second or so); the tests run one session at a time
    /// anyway.
    pub fn start() -> anyhow::Result<Self> {
        let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        processes::adopt_orphans();
        let path = search_path();
        check_tools(&path)?;
        app_binary()?;

        let scratch = tempfile::Builder::new()
            .prefix("textback-e2e-")
            .disable_cleanup(std::env::var_os(KEEP).is_some())
            .tempdir()
            .context("creating the scratch directory")?;
        let mut session = Self {
            children: Vec::new(),
            env: Vec::new(),
            marker: next_marker(),
            driver_port: 0,
            scratch,
            _turn: turn,
        };
        session.lay_out_directories(path)?;

        session.start_bus()?;
        session.start_display()?;
        session.start_keyring()?;
        session.start_notifications()?;
        session.start_driver()?;
        Ok(session)
    }

    /// Where a WebDriver client connects.
    pub fn webdriver_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.driver_port)
    }

    /// The X display the app shows on, such as `:12`.
    pub fn display(&self) -> String {
        self.env
            .iter()
            .find(|(key, _)| key == "DISPLAY")
            .map(|(_, value)| value.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The app's data directory (`TEXTBACK_DATA_DIR`): its database and settings.
    pub fn data_dir(&self) -> PathBuf {
        self.scratch.path().join("data")
    }

    /// Every `Notify` call seen on the session bus so far, oldest first.
    pub fn notifications(&self) -> Vec<Notification> {
        let log = fs::read_to_string(self.log_path("notify")).unwrap_or_default();
        parse_notifications(&log)
    }

    /// A command that runs in this session's environment (its bus, display and keyring).
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// The app and everything it started (its WebKit processes), as process ids and program
    /// names: the descendants of the WebDriver server other than WebKitWebDriver itself. Empty
    /// while no app runs.
    pub fn app_processes(&self) -> Vec<(u32, String)> {
        let table = processes::process_table();
        let Some((_, driver)) = self
            .children
            .iter()
            .find(|(name, _)| *name == "tauri-driver")
        else {
            return Vec::new();
        };
        processes::descendants(&table, driver.id())
            .into_iter()
            .filter_map(|pid| table.iter().find(|p| p.pid == pid))
            .filter(|p| p.name != "WebKitWebDriver")
            .map(|p| (p.pid, processes::program_name(p)))
            .collect()
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.scratch.path().join("logs").join(format!("{name}.log"))
    }

    /// The scratch layout: the app's data directory, a home, the XDG directories (the runtime
    /// one private, as the spec requires) and the logs.
    fn lay_out_directories(&mut self, path: OsString) -> anyhow::Result<()> {
        let root = self.scratch.path().to_owned();
        for dir in [
            "data",
            "home",
            "xdg/data",
            "xdg/config",
            "xdg/cache",
            "xdg/run",
            "logs",
        ] {
            fs::create_dir_all(root.join(dir)).with_context(|| format!("creating {dir}"))?;
        }
        fs::set_permissions(root.join("xdg/run"), fs::Permissions::from_mode(0o700))?;

        self.set_env("PATH", path);
        self.set_env("HOME", root.join("home"));
        self.set_env("XDG_DATA_HOME", root.join("xdg/data"));
        self.set_env("XDG_CONFIG_HOME", root.join("xdg/config"));
        self.set_env("XDG_CACHE_HOME", root.join("xdg/cache"));
        self.set_env("XDG_RUNTIME_DIR", root.join("xdg/run"));
        self.set_env("TEXTBACK_DATA_DIR", root.join("data"));
        self.set_env("LANG", "C.UTF-8");
        self.set_env("GDK_BACKEND", "x11");
        let marker = self.marker.clone();
        self.set_env(MARKER, marker);
        for passed in ["RUST_LOG", "RUST_BACKTRACE"] {
            if let Some(value) = std::env::var_os(passed) {
                self.set_env(passed, value);
            }
        }
        Ok(())
    }

    fn set_env(&mut self, key: &str, value: impl Into<OsString>) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.into()));
    }

    /// A private session bus, its socket inside the scratch directory.
    fn start_bus(&mut self) -> anyhow::Result<()> {
        let socket = self.scratch.path().join("xdg/run/bus");
        let mut command = self.command("dbus-daemon");
        command.args(["--session", "--nofork", "--print-address=1"]);
        command.arg(format!("--address=unix:path={}", socket.display()));
        let stdout = self.spawn_piped("dbus-daemon", command)?;

        let address = first_line(stdout, "dbus-daemon")?;
        self.set_env("DBUS_SESSION_BUS_ADDRESS", address);
        Ok(())
    }

    /// Xvfb on a display number it picks itself (`-displayfd`), so parallel runs on the
    /// machine never race for one.
    fn start_display(&mut self) -> anyhow::Result<()> {
        let mut command = self.command("Xvfb");
        command.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ]);
        let stdout = self.spawn_piped("Xvfb", command)?;

        let display = first_line(stdout, "Xvfb")?;
        self.set_env("DISPLAY", format!(":{display}"));
        Ok(())
    }

    /// gnome-keyring's secret service, unlocked with a throwaway password, its keyrings in the
    /// scratch directory.
    fn start_keyring(&mut self) -> anyhow::Result<()> {
        let mut command = self.command("gnome-keyring-daemon");
        command.args(["--foreground", "--unlock", "--components=secrets"]);
        command.stdin(Stdio::piped());
        let mut child = spawn("gnome-keyring-daemon", command)?;
        let mut stdin = child.stdin.take().context("gnome-keyring-daemon's stdin")?;
        self.children.push(("gnome-keyring-daemon", child));
        stdin.write_all(b"pw").context("unlocking the keyring")?;
        drop(stdin);

        self.wait_for_name("org.freedesktop.secrets")
    }

    /// `dbus-monitor` logging every `Notify` call, then dunst to answer them; a probe
    /// notification proves both are listening before the app starts.
    fn start_notifications(&mut self) -> anyhow::Result<()> {
        let mut monitor = self.command("dbus-monitor");
        monitor.args([
            "--session",
            "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
        ]);
        self.spawn_logged("dbus-monitor", monitor, "notify")?;
        let mut dunst = self.command("dunst");
        dunst.args(["-config", "/dev/null"]);
        self.spawn_logged("dunst", dunst, "dunst")?;
        self.wait_for_name("org.freedesktop.Notifications")?;

        let probe = format!("probe {}", self.marker);
        let status = self
            .command("notify-send")
            .args(["textback-e2e", &probe])
            .status()
            .context("running notify-send")?;
        if !status.success() {
            bail!("notify-send failed ({status}): the notification server does not answer");
        }
        wait_until("dbus-monitor to log a probe notification", || {
            self.notifications().iter().any(|n| n.body == probe)
        })
    }

    /// tauri-driver on a free port, with WebKitWebDriver on another.
    fn start_driver(&mut self) -> anyhow::Result<()> {
        let (port, native_port) = two_free_ports()?;
        let mut command = self.command("tauri-driver");
        command.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ]);
        self.spawn_logged("tauri-driver", command, "driver")?;

        // tauri-driver listens before the WebKitWebDriver it starts does; a session asked for
        // in between is refused.
        wait_until(
            "tauri-driver and WebKitWebDriver to accept connections",
            || {
                [port, native_port]
                    .iter()
                    .all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok())
            },
        )?;
        self.driver_port = port;
        Ok(())
    }

    /// Spawns `command` with its standard output and error going to `logs/<log>.log`.
    fn spawn_logged(
        &mut self,
        name: &'static str,
        mut command: Command,
        log: &str,
    ) -> anyhow::Result<()> {
        let file = File::create(self.log_path(log))?;
        command.stdout(file.try_clone()?).stderr(file);
        let child = spawn(name, command)?;
        self.children.push((name, child));
        Ok(())
    }

    /// Spawns `command` with its standard output piped back and its errors logged.
    fn spawn_piped(
        &mut self,
        name: &'static str,
        mut command: Command,
    ) -> anyhow::Result<ChildStdout> {
        command
            .stdout(Stdio::piped())
            .stderr(File::create(self.log_path(name))?);
        let mut child = spawn(name, command)?;
        let stdout = child
            .stdout
            .take()
            .with_context(|| format!("{name}'s stdout"))?;
        self.children.push((name, child));
        Ok(stdout)
    }

    fn wait_for_name(&self, name: &str) -> anyhow::Result<()> {
        wait_until(&format!("{name} to appear on the session bus"), || {
            self.command("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    &format!("string:{name}"),
                ])
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("boolean true"))
        })
    }

    /// The last lines of every log, for a test that failed.
    fn print_logs(&self) {
        let Ok(entries) = fs::read_dir(self.scratch.path().join("logs")) else {
            return;
        };
        for entry in entries.flatten() {
            let text = fs::read_to_string(entry.path()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(30)..];
            eprintln!("--- {} (last {} lines)", entry.path().display(), tail.len());
            for line in tail {
                eprintln!("{line}");
            }
        }
    }
}

impl Drop for Session {
    /// Stops the children in the reverse order of their start, then whatever they left.
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_logs();
        }
        let table = processes::process_table();
        let mut offspring: Vec<u32> = Vec::new();
        for (_, child) in &self.children {
            offspring.extend(processes::descendants(&table, child.id()));
        }

        for (_, child) in self.children.iter_mut().rev() {
            processes::stop(child);
        }

        processes::sweep(&format!("{MARKER}={}", self.marker), &offspring);
    }
}

/// Spawns `command` in a process group of its own, so it can be stopped with everything it
/// started.
fn spawn(name: &str, mut command: Command) -> anyhow::Result<Child> {
    command.process_group(0);
    command.spawn().with_context(|| format!("starting {name}"))
}

/// A desktop notification as the app asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub summary: String,
    pub body: String,
}

/// The `Notify` calls in `dbus-monitor`'s log. Each call's arguments are printed one to a
/// line, indented by three spaces; its strings are, in order, the app's name, the icon, the
/// summary and the body. A string holding a newline runs on until a line ends in a quote.
fn parse_notifications(log: &str) -> Vec<Notification> {
    let mut found = Vec::new();
    for call in log.split("method call ").skip(1) {
        let mut strings: Vec<String> = Vec::new();
        let mut open: Option<String> = None;
        for line in call.lines().skip(1) {
            if let Some(text) = open.as_mut() {
                text.push('\n');
                text.push_str(line);
            } else if let Some(start) = line.strip_prefix("   string \"") {
                open = Some(start.to_owned());
            } else {
                continue;
            }
            if let Some(text) = open.take_if(|text| text.ends_with('"')) {
                strings.push(text[..text.len() - 1].to_owned());
            }
        }
        if let [_app, _icon, summary, body, ..] = strings.as_slice() {
            found.push(Notification {
                summary: summary.clone(),
                body: body.clone(),
            });
        }
    }
    found
}

/// The absolute path of the desktop app, beside the test binary in the same profile's
/// directory (`target/debug`), unless `TEXTBACK_DESKTOP_BIN` names another.
pub fn app_binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("TEXTBACK_DESKTOP_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().context("locating the test binary")?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the test binary sits in <target>/<profile>/deps")?;
    let app = profile_dir.join("textback-desktop");
    if !app.is_file() {
        let profile = profile_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let flag = if profile == "debug" { "" } else { " --release" };
        bail!(
            "the desktop app is not built: {} is missing; build it with \
             `cargo build{flag} -p textback-desktop`",
            app.display()
        );
    }
    Ok(app)
}

/// `PATH`, with cargo's bin directory added for tauri-driver.
fn search_path() -> OsString {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        let cargo_bin = Path::new(&home).join(".cargo/bin");
        if !dirs.contains(&cargo_bin) {
            dirs.push(cargo_bin);
        }
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// Fails naming every missing program, rather than skipping the test.
fn check_tools(path: &OsString) -> anyhow::Result<()> {
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(tool, _)| !std::env::split_paths(path).any(|dir| dir.join(tool).is_file()))
        .map(|(tool, package)| format!("{tool} ({package})"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the end-to-end tests need {}; `make test-deps` installs them",
            missing.join(", ")
        );
    }
    Ok(())
}

/// A marker unique to this session among every test binary running on the machine.
fn next_marker() -> String {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The first line a child prints, such as the bus address or the display number.
fn first_line(stdout: ChildStdout, name: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .with_context(|| format!("reading {name}'s output"))?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!("{name} exited without printing its address; see its log");
    }
    Ok(line)
}

/// Two distinct loopback ports that were free a moment ago.
fn two_free_ports() -> anyhow::Result<(u16, u16)> {
    let first = TcpListener::bind("127.0.0.1:0")?;
    let second = TcpListener::bind("127.0.0.1:0")?;
    Ok((first.local_addr()?.port(), second.local_addr()?.port()))
}

/// Polls `ready` every 20 ms until it holds, for at most [`STARTUP`].
fn wait_until(what: &str, mut ready: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + STARTUP;
    while !ready() {
        if Instant::now() > deadline {
            bail!("timed out after {STARTUP:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
