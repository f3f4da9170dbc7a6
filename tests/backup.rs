//! Daily copies of the database: sound while the engine writes, private, pruned to the newest
//! few, and made by the running engine on its own.

mod support;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant, SystemTime};

use chrono::{Duration, Utc};
use textback::engine::EngineHandle;
use textback::events::EventKind;
use textback::store::{self, Store};

use support::Harness;

fn open(dir: &Path) -> Arc<Store> {
    Arc::new(Store::open(&dir.join("textback.db")).expect("the store opens"))
}

/// Writes one transaction of two events, so a copy holding an odd number of them would hold
/// half a transaction.
fn write_pair(store: &Store) {
    store
        .write(|tx| {
            let now = Utc::now();
            tx.event(now, None, EventKind::SettingsChanged)?;
            tx.event(now, None, EventKind::ConversationRead)?;
            Ok(())
        })
        .expect("a pair of events is written");
}

fn count(store: &Store, sql: &str) -> i64 {
    store
        .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o777
}

/// Guards the copy's consistency: taken while another thread commits as fast as it can, each
/// copy passes SQLite's integrity check and holds whole transactions only, and a copy taken
/// once the writes stop holds exactly the rows of the database.
#[test]
fn a_copy_of_a_database_being_written_is_sound() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(dir.path());
    for _ in 0..200 {
        write_pair(&store);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                write_pair(&store);
            }
        })
    };

    let mut copies = Vec::new();
    for i in 0..5 {
        let path = dir.path().join(format!("copy-{i}.db"));
        store
            .backup_to(&path)
            .expect("a copy is made while writes go on");
        copies.push(path);
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("the writer finishes");
    let last = dir.path().join("copy-last.db");
    store
        .backup_to(&last)
        .expect("a copy is made after the writes");

    for path in &copies {
        let copy = Store::open(path).expect("a copy opens as a database");
        assert_eq!(
            copy.integrity_check().expect("the check runs"),
            "ok",
            "{} passes the integrity check",
            path.display()
        );
        let events = count(&copy, "SELECT COUNT(*) FROM events");
        assert!(
            events >= 400 && events % 2 == 0,
            "a copy holds whole transactions only, and all those before it began: {events}"
        );
    }
    let copy = Store::open(&last).expect("the last copy opens");
    for table in [
        "events",
        "conversations",
        "messages",
        "calls",
        "schema_migrations",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(
            count(&copy, &sql),
            count(&store, &sql),
            "the copy holds the same {table} rows as the database"
        );
    }
}

/// Guards a copy's independence: it is one file, with no write-ahead log to carry beside it,
/// and no partial file is left behind.
#[test]
fn a_copy_stands_alone() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(dir.path());
    write_pair(&store);
    let copies = dir.path().join("copies");
    fs::create_dir(&copies).expect("a folder for the copy");

    store
        .backup_to(&copies.join("textback-2026-12-03.db"))
        .expect("a copy is made");

    let names: Vec<String> = fs::read_dir(&copies)
        .expect("the folder lists")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        vec!["textback-2026-12-03.db"],
        "the copy is a single file: no -wal, -shm, journal or partial file beside it"
    );
}

/// Guards retention and the daily rhythm: with eight older copies in the folder, a due copy
/// leaves the newest seven of the nine, records an event, and a second look the same day makes
/// none.
#[test]
fn retention_keeps_the_newest_seven_of_nine() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(dir.path());
    let folder = store::backup_dir(store.path(), None);
    fs::create_dir_all(&folder).expect("the folder exists");
    let two_days_ago = SystemTime::now() - StdDuration::from_secs(2 * 86_400);
    for day in 1..=8 {
        let old = folder.join(format!("textback-2020-01-0{day}.db"));
        let file = fs::File::create(&old).expect("an old copy");
        file.set_modified(two_days_ago).expect("its age is set");
    }
    let other = folder.join("notes.txt");
    fs::write(&other, "not a copy").expect("another file");
    let mut events = store.subscribe();
    let now = Utc::now();

    let made = store::daily_backup(&store, &folder, 7, now).expect("the backup runs");
    let again = store::daily_backup(&store, &folder, 7, now + Duration::hours(1));

    let made = made.expect("a copy is due when the newest one is two days old");
    let kept: Vec<String> = store::list_backups(&folder)
        .expect("the copies list")
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let today = format!("textback-{}.db", now.format("%Y-%m-%d"));
    let mut expected = vec![today];
    expected.extend(
        (3..=8)
            .rev()
            .map(|day| format!("textback-2020-01-0{day}.db")),
    );
    assert_eq!(
        kept, expected,
        "the newest seven of the nine copies are kept"
    );
    assert!(other.exists(), "files that are not copies are left alone");
    assert_eq!(
        again.expect("the second look runs"),
        None,
        "no second copy within a day"
    );
    let event = events.try_recv().expect("an event is published");
    assert_eq!(
        event.kind,
        EventKind::BackupMade {
            path: made.display().to_string()
        },
        "the copy is recorded in the event log"
    );
}

/// Guards privacy: copies are readable by their owner alone, and so is their folder.
#[cfg(unix)]
#[test]
fn copies_and_their_folder_are_private() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(dir.path());
    let folder = dir.path().join("deep").join("backups");

    let made = store::daily_backup(&store, &folder, 7, Utc::now())
        .expect("the backup runs")
        .expect("a first copy is due");

    assert_eq!(mode(&made), 0o600, "a copy is readable by its owner alone");
    assert_eq!(mode(&folder), 0o700, "the folder is the owner's alone");
}

/// Guards the wiring: a running engine makes the day's copy as it starts, in the configured
/// folder, beside the database when the folder is relative.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_engine_makes_a_copy_when_it_starts() {
    let h = Harness::new("[backup]\ndir = \"copies\"\nkeep = 3").await;
    let mut events = h.store().subscribe();

    let handle = EngineHandle::start(h.engine.clone());
    let deadline = Instant::now() + StdDuration::from_secs(20);
    let mut made = None;
    while made.is_none() && Instant::now() < deadline {
        if let Ok(Ok(event)) =
            tokio::time::timeout(StdDuration::from_millis(200), events.recv()).await
        {
            if let EventKind::BackupMade { path } = event.kind {
                made = Some(path);
            }
        }
    }
    handle.stop().await;

    let made = made.expect("the engine records a backup_made event soon after it starts");
    let expected = h.dir.path().join("copies").join("textback-2026-12-03.db");
    assert_eq!(
        Path::new(&made),
        expected,
        "the copy is named by the engine's date, in the folder beside the database"
    );
    let copy = Store::open(&expected).expect("the copy opens");
    assert_eq!(
        copy.integrity_check().expect("the check runs"),
        "ok",
        "the copy is sound"
    );
}
