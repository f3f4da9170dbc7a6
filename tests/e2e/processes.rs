//! The processes of a test session, found and stopped through `/proc`.
//!
//! A session's programs start helpers of their own (WebKitWebDriver starts the app, the app
//! starts WebKit's processes, the bus starts the accessibility bus), and some of those detach.
//! So a session is cleaned up by what its processes are, not only by the children it holds:
//! every process carrying its marker in the environment, or descending from its children.
//! Since this machine's init does not reap orphans, the test process makes itself their reaper
//! and reaps them.

use std::fs::{self, File};
use std::io::Read;
use std::path::Path;
use std::process::Child;
use std::sync::Once;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, WaitOptions};

/// How long a child is given to exit after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(3);

/// One line of `/proc/<pid>/stat`, the parts the cleanup needs.
pub struct ProcessInfo {
    pub pid: u32,
    pub ppid: u32,
    pub state: char,
    /// The kernel's name for it (`comm`), cut at 15 characters.
    pub name: String,
}

/// Makes this process the reaper of its orphaned descendants, so the processes a session's
/// children leave behind can be reaped here instead of lingering as zombies.
pub fn adopt_orphans() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Err(e) = rustix::process::set_child_subreaper(Some(rustix::process::getpid())) {
            eprintln!("cannot become a child subreaper ({e}); orphans may linger as zombies");
        }
    });
}

/// SIGTERM to the child's process group, SIGKILL if it is still there after [`GRACE`], then
/// reaps the child.
pub fn stop(child: &mut Child) {
    let Some(group) = Pid::from_raw(child.id() as i32) else {
        return;
    };
    if rustix::process::kill_process_group(group, Signal::TERM).is_err() {
        let _ = child.wait();
        return;
    }
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = rustix::process::kill_process_group(group, Signal::KILL);
    let _ = child.wait();
}

/// Kills every process whose environment holds `needle` (`NAME=value`) or that is among
/// `offspring`, until none is left, and reaps those that ended up as this process's orphans.
pub fn sweep(needle: &str, offspring: &[u32]) {
    for _ in 0..100 {
        let table = process_table();
        let alive: Vec<u32> = table
            .iter()
            .filter(|p| p.state != 'Z')
            .filter(|p| offspring.contains(&p.pid) || environ_has(p.pid, needle))
            .map(|p| p.pid)
            .collect();
        reap_orphans(&table);
        if alive.is_empty() {
            return;
        }
        for pid in alive {
            if let Some(pid) = Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, Signal::KILL);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("some processes marked {needle} would not die");
}

/// Reaps the zombies whose parent is this process. Safe while sessions take turns: this
/// process has no other children then, every direct child having been waited for.
fn reap_orphans(table: &[ProcessInfo]) {
    let me = std::process::id();
    for p in table.iter().filter(|p| p.ppid == me && p.state == 'Z') {
        if let Some(pid) = Pid::from_raw(p.pid as i32) {
            let _ = rustix::process::waitpid(Some(pid), WaitOptions::NOHANG);
        }
    }
}

pub fn process_table() -> Vec<ProcessInfo> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The name is in parentheses and may itself hold spaces and parentheses.
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let mut rest = stat[close + 1..].split_whitespace();
            let state = rest.next()?.chars().next()?;
            let ppid = rest.next()?.parse().ok()?;
            let name = stat[open + 1..close].to_owned();
            Some(ProcessInfo {
                pid,
                ppid,
                state,
                name,
            })
        })
        .collect()
}

/// Every descendant of `root`, by parent links.
pub fn descendants(table: &[ProcessInfo], root: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for p in table.iter().filter(|p| p.ppid == parent) {
            found.push(p.pid);
            frontier.push(p.pid);
        }
    }
    found
}

/// The file name of the program a process runs, which unlike its `comm` is not cut at 15
/// characters.
pub fn program_name(process: &ProcessInfo) -> String {
    fs::read(format!("/proc/{}/cmdline", process.pid))
        .ok()
        .and_then(|cmdline| {
            let program = cmdline.split(|b| *b == 0).next()?;
            let program = Path::new(std::str::from_utf8(program).ok()?).file_name()?;
            Some(program.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| process.name.clone())
}

fn environ_has(pid: u32, needle: &str) -> bool {
    let mut bytes = Vec::new();
    let read =
        File::open(format!("/proc/{pid}/environ")).and_then(|mut f| f.read_to_end(&mut bytes));
    read.is_ok()
        && bytes
            .split(|b| *b == 0)
            .any(|entry| entry == needle.as_bytes())
}
