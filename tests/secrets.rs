//! The provider's secret never leaves the process's memory: not into the database, its
//! write-ahead log, the backups, the log file, standard output or standard error, whatever
//! happens on the wire.
//!
//! The real `textback run` binary runs against a sandbox in this process that expects a
//! distinctive auth token, with debug logging, through a missed call, a reply, a stretch of
//! failing requests (errors, rate limits, dropped connections, all retried and logged) and a
//! second run with a wrong token (refused requests, logged). Then every file the runs left is
//! searched for both tokens, as written and in the Base64 form HTTP Basic auth sends.

mod support;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use textback_sandbox::{CallOutcome, Faults, MessageDirection, SandboxOptions};

use support::process::{EngineProcess, World};
use support::wait_until;

const BUSINESS: &str = "+12125550100";
/// The longest any one wait of the test may last.
const PATIENCE: Duration = Duration::from_secs(60);

/// Guards the promise that the auth token is never written anywhere, and that the database and
/// the log are private to their owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_auth_token_is_never_written_anywhere() {
    let token = format!("tok-{:032x}", rand::random::<u128>());
    let wrong = format!("wrong-{:032x}", rand::random::<u128>());
    let options = SandboxOptions {
        auth_token: token.clone(),
        ..SandboxOptions::default()
    };
    let world = World::start(options, config_toml).await;

    let mut engine = start_engine(&world, &token, "first");
    let exchanged = exchange(&world).await;
    let faulty = faulty_stretch(&world).await;
    let live = database_files(&world);
    let stopped = engine.stop();
    let mut refused = start_engine(&world, &wrong, "second");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refused_stopped = refused.stop();

    exchanged.expect("a missed call is texted and the reply read");
    faulty.expect("calls during the failing stretch are texted once it passes");
    stopped.expect("the first engine stops cleanly");
    refused_stopped.expect("the engine with the wrong token keeps running until stopped");
    let log = fs::read_to_string(&world.log).expect("the log file is written");
    assert!(
        log.contains("retrying provider request"),
        "the failing stretch made the client retry, and the retries were logged"
    );
    assert!(
        log.contains("provider request refused"),
        "the wrong token made the provider refuse requests, and the refusals were logged"
    );
    let needles = [
        token.clone(),
        basic_auth(world.sandbox.account_sid(), &token),
        wrong.clone(),
        basic_auth(world.sandbox.account_sid(), &wrong),
    ];
    assert!(
        live.iter().any(|(name, _)| name.ends_with("-wal")),
        "the running engine's write-ahead log is searched too"
    );
    for (name, bytes) in &live {
        for needle in &needles {
            assert!(
                !contains(bytes, needle.as_bytes()),
                "{name}, while the engine ran, contains a secret ({}…)",
                &needle[..6]
            );
        }
    }
    let files = files_under(world.dir.path());
    assert!(
        files.iter().any(|f| f.ends_with("textback.db"))
            && files.iter().any(|f| f.ends_with("engine.log"))
            && files.iter().any(|f| f.ends_with("first.stderr")),
        "the database, the log and the captured output are all searched: {files:?}"
    );
    for file in &files {
        let bytes = fs::read(file).expect("the file reads");
        for needle in &needles {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{} contains a secret ({}…)",
                file.display(),
                &needle[..6]
            );
        }
    }
    #[cfg(unix)]
    for private in [&world.db, &world.log] {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(private)
            .expect("the file exists")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} is readable by its owner alone",
            private.display()
        );
    }
}

/// A missed call, its text-back, and the customer's reply, read by the engine.
async fn exchange(world: &World) -> Result<(), String> {
    let customer = "+13125550001";
    call(world, customer);
    wait_until(PATIENCE, || texts_to(world, customer) >= 1).await?;
    world
        .sandbox
        .receive_sms(customer, BUSINESS, "Can I come in on Tuesday?")
        .expect("the sandbox takes the reply");
    // The reply stops the follow-up; once it would have been due, the reply has been read.
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok(())
}

/// Calls placed while half the requests fail, texted once the failures stop.
async fn faulty_stretch(world: &World) -> Result<(), String> {
    world.sandbox.set_faults(Faults {
        error_rate: 0.3,
        rate_limit_rate: 0.2,
        reset_rate: 0.1,
        latency_ms: 20,
    });
    let customers = ["+13125550002", "+13125550003", "+13125550004"];
    for customer in customers {
        call(world, customer);
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    world.sandbox.set_faults(Faults::default());
    wait_until(PATIENCE, || {
        customers.iter().all(|c| texts_to(world, c) >= 1)
    })
    .await
}

/// Starts `textback run` with `token`, logging at debug level to the log file, its standard
/// output and error captured in files named after `run`.
fn start_engine(world: &World, token: &str, run: &str) -> EngineProcess {
    let output = |stream: &str| {
        File::create(world.dir.path().join(format!("{run}.{stream}")))
            .expect("an output file is created")
    };
    let mut command = world.run_command(token);
    command
        .arg("--log-file")
        .arg(&world.log)
        .env("RUST_LOG", "debug")
        .stdout(output("stdout"))
        .stderr(output("stderr"));
    EngineProcess::spawn(command)
}

/// The database, its write-ahead log and its shared-memory index as they are now: the log is
/// gone once the engine closes the database.
fn database_files(world: &World) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let name = format!("{}{suffix}", world.db.display());
            fs::read(&name).ok().map(|bytes| (name, bytes))
        })
        .collect()
}

fn call(world: &World, customer: &str) {
    world
        .sandbox
        .place_call(customer, BUSINESS, CallOutcome::NoAnswer)
        .expect("the sandbox takes the call");
}

fn texts_to(world: &World, customer: &str) -> usize {
    let messages = world.sandbox.messages().into_iter();
    messages
        .filter(|m| m.direction != MessageDirection::Inbound && m.to == customer)
        .count()
}

/// Every file under `dir`, however deep.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("the folder lists") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What an `Authorization: Basic` header carries for `user` and `password`.
fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut encoded = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

/// Quick rounds: a 300 ms poll, no grace, no quiet hours, one follow-up after 2 s.
fn config_toml(base_url: &str, account_sid: &str) -> String {
    format!(
        r#"
[business]
name = "Secret Dental"
time_zone = "America/New_York"
numbers = ["{BUSINESS}"]
booking_link = "https://secret.example/book"

[provider]
kind = "sandbox"
base_url = "{base_url}"
account_sid = "{account_sid}"
poll_interval = "300ms"

[rules]
grace = "0s"
quiet_hours = "off"
follow_ups = ["2s"]
"#
    )
}

#[test]
fn basic_auth_is_encoded_as_http_sends_it() {
    assert_eq!(
        basic_auth("Aladdin", "open sesame"),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        "the example of RFC 7617"
    );
}
