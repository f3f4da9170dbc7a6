//! The data the store benchmark reads: a practice's missed calls and the conversations they
//! started, written straight into a database the way the engine would have left it.
//!
//! Each conversation has one missed call, the text-back, then the customer and the front desk
//! taking turns (with the odd follow-up), and the events the engine logs for each of those.
//! Conversations start one after another over [`WEEKS`] weeks, so ids grow with time as they do
//! in use. Bodies are filled from small lists of phrases, so common
//! words ("appointment", "insurance") have many hits and names fewer, as in a real inbox.

use std::path::Path;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;
use rusqlite::{params, CachedStatement, Connection};
use textback::events::EventKind;
use textback::store::{ConversationStatus, Store};

pub const CONVERSATIONS: usize = 200_000;
pub const MESSAGES: usize = 1_000_000;
/// Two years: about 1,900 missed calls a week, more than a busy practice has.
pub const WEEKS: i64 = 104;
pub const WEEK_MS: i64 = 7 * DAY_MS;
const DAY_MS: i64 = 86_400_000;
/// Conversations written per transaction.
const PER_TRANSACTION: usize = 20_000;
/// Conversations between two progress lines.
const PROGRESS_EVERY: usize = 100_000;

/// What the fill wrote, for the reads to aim at.
pub struct Filled {
    pub events: i64,
    /// Every customer number, by conversation id - 1.
    pub customers: Vec<String>,
}

/// Fills the database at `path` and closes it, its log checkpointed into the file.
pub fn fill(path: &Path, rng: &mut StdRng, end_ms: i64) -> anyhow::Result<Filled> {
    let store = Store::open(path)?;
    let counts = message_counts(rng);
    let mut writer = Writer {
        rng,
        start_ms: end_ms - WEEKS * WEEK_MS,
        next_message: 1,
        events: 0,
    };
    for (chunk, chunk_counts) in counts.chunks(PER_TRANSACTION).enumerate() {
        let first = chunk * PER_TRANSACTION;
        store.write(|tx| {
            let mut rows = Inserts::prepare(tx)?;
            for (offset, &count) in chunk_counts.iter().enumerate() {
                writer.conversation(&mut rows, first + offset, count)?;
            }
            Ok(())
        })?;
        let written = first + chunk_counts.len();
        if written % PROGRESS_EVERY == 0 {
            eprintln!("  {written} conversations written");
        }
    }

    store.read(|c| Ok(c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?))?;
    Ok(Filled {
        events: writer.events,
        customers: (0..CONVERSATIONS).map(customer_number).collect(),
    })
}

/// How many messages each conversation holds: 1 to 12, averaging five, `MESSAGES` in all.
fn message_counts(rng: &mut StdRng) -> Vec<u32> {
    let mut counts: Vec<u32> = (0..CONVERSATIONS)
        .map(|_| rng.random_range(1..=9))
        .collect();
    let mut total: usize = counts.iter().map(|&n| n as usize).sum();
    while total != MESSAGES {
        let i = rng.random_range(0..CONVERSATIONS);
        if total > MESSAGES && counts[i] > 1 {
            counts[i] -= 1;
            total -= 1;
        } else if total < MESSAGES && counts[i] < 12 {
            counts[i] += 1;
            total += 1;
        }
    }
    counts
}

/// The statements of the fill, prepared once per transaction.
struct Inserts<'c> {
    conversation: CachedStatement<'c>,
    call: CachedStatement<'c>,
    message: CachedStatement<'c>,
    event: CachedStatement<'c>,
}

impl<'c> Inserts<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Self {
            conversation: conn.prepare_cached(
                "INSERT INTO conversations (id, business_number, customer_number, customer_name,
                     status, unread, assigned_to, last_activity_at, last_preview,
                     last_inbound_at, last_staff_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?,
            call: conn.prepare_cached(
                "INSERT INTO calls (id, sid, conversation_id, from_number, to_number, outcome,
                     started_at, ended_at, detected_at, decision, message_id)
                 VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6, ?7, ?8, 'texted', ?9)",
            )?,
            message: conn.prepare_cached(
                "INSERT INTO messages (id, conversation_id, direction, kind, body, status, sid,
                     author, template, call_id, created_at, sent_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11)",
            )?,
            event: conn.prepare_cached(
                "INSERT INTO events (at, kind, conversation_id, data) VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }
}

/// One message of a conversation being written.
struct Text {
    id: i64,
    inbound: bool,
    kind: &'static str,
    body: String,
    status: &'static str,
    at: i64,
}

/// Who a conversation is between; its id is also its call's.
struct Parties {
    id: i64,
    business: &'static str,
    customer: String,
}

/// Writes conversations one by one, inventing what was said in them.
struct Writer<'r> {
    rng: &'r mut StdRng,
    start_ms: i64,
    next_message: i64,
    events: i64,
}

impl Writer<'_> {
    /// Writes conversation `i` (id `i + 1`) with `count` messages, its call and its events.
    fn conversation(
        &mut self,
        rows: &mut Inserts<'_>,
        i: usize,
        count: u32,
    ) -> rusqlite::Result<()> {
        let id = i as i64 + 1;
        let parties = Parties {
            id,
            business: BUSINESS_NUMBERS[i % BUSINESS_NUMBERS.len()],
            customer: customer_number(i),
        };
        let name = self.rng.random_bool(0.4).then(|| pick(self.rng, NAMES));
        let span = (WEEKS * WEEK_MS - 2 * DAY_MS) / CONVERSATIONS as i64;
        let called_at = self.start_ms + id * span + self.rng.random_range(0..span);
        let texts = self.texts(count, called_at, name.unwrap_or("there"));
        let status = self.status(count);

        self.summary(rows, &parties, name, status, called_at, &texts)?;
        self.call(rows, &parties, called_at, texts[0].id)?;
        for text in &texts {
            self.text(rows, &parties, text)?;
        }
        if status.is_closed() {
            let last = texts.last().expect("a conversation has its text-back");
            let from = if texts.len() == 1 {
                "texted"
            } else {
                "replied"
            };
            let changed = EventKind::StatusChanged {
                from: from.into(),
                to: status.to_string(),
            };
            self.event(rows, last.at + 60_000, id, &changed)?;
        }
        Ok(())
    }

    /// The conversation's row, as the inbox lists it after its last message.
    fn summary(
        &mut self,
        rows: &mut Inserts<'_>,
        parties: &Parties,
        name: Option<&str>,
        status: ConversationStatus,
        called_at: i64,
        texts: &[Text],
    ) -> rusqlite::Result<()> {
        let last = texts.last().expect("a conversation has its text-back");
        let last_inbound = texts.iter().filter(|t| t.inbound).map(|t| t.at).max();
        let last_staff = texts
            .iter()
            .filter(|t| t.kind == "staff")
            .map(|t| t.at)
            .max();
        let unread = if last.inbound && self.rng.random_bool(0.5) {
            self.rng.random_range(1..=2)
        } else {
            0
        };
        let assigned = self.rng.random_bool(0.3).then(|| pick(self.rng, STAFF));
        let preview: String = last.body.chars().take(120).collect();
        rows.conversation.execute(params![
            parties.id,
            parties.business,
            parties.customer,
            name,
            status.as_str(),
            unread,
            assigned,
            last.at,
            preview,
            last_inbound,
            last_staff,
            called_at
        ])?;
        Ok(())
    }

    /// The missed call that opened the conversation, answered by text `text_back`.
    fn call(
        &mut self,
        rows: &mut Inserts<'_>,
        parties: &Parties,
        called_at: i64,
        text_back: i64,
    ) -> rusqlite::Result<()> {
        let outcome = pick(self.rng, &["no-answer", "busy", "voicemail", "canceled"]);
        let sid = format!("CA{:032x}", parties.id);
        let detected_at = called_at + 2_000;
        rows.call.execute(params![
            parties.id,
            sid,
            parties.customer,
            parties.business,
            outcome,
            called_at - 30_000,
            called_at,
            detected_at,
            text_back
        ])?;
        let detected = EventKind::CallDetected {
            call_id: parties.id,
            sid,
            from: parties.customer.clone(),
            to: parties.business.to_owned(),
            outcome: outcome.to_owned(),
            missed: true,
        };
        self.event(rows, detected_at, parties.id, &detected)
    }

    /// One message and the event it caused.
    fn text(
        &mut self,
        rows: &mut Inserts<'_>,
        parties: &Parties,
        text: &Text,
    ) -> rusqlite::Result<()> {
        let sid = format!("SM{:032x}", text.id);
        let author = (text.kind == "staff").then(|| pick(self.rng, STAFF));
        let text_back = text.kind == "text_back";
        let direction = if text.inbound { "in" } else { "out" };
        rows.message.execute(params![
            text.id,
            parties.id,
            direction,
            text.kind,
            text.body,
            text.status,
            sid,
            author,
            text_back.then_some("business_hours"),
            text_back.then_some(parties.id),
            text.at
        ])?;
        let event = match (text.inbound, text.status) {
            (true, _) => EventKind::ReplyReceived {
                message_id: text.id,
                from: parties.customer.clone(),
                body: text.body.clone(),
            },
            (false, "undelivered") => EventKind::TextFailed {
                message_id: text.id,
                code: Some(30_003),
                reason: "Unreachable destination handset".into(),
            },
            (false, _) => EventKind::TextSent {
                message_id: text.id,
                sid,
            },
        };
        self.event(rows, text.at, parties.id, &event)
    }

    /// The messages of one conversation: the text-back, then the customer and the front desk
    /// taking turns, minutes to hours apart.
    fn texts(&mut self, count: u32, called_at: i64, name: &str) -> Vec<Text> {
        let mut at = called_at + 15_000;
        let mut texts = Vec::with_capacity(count as usize);
        for k in 0..count {
            let (inbound, kind, body) = match k {
                0 => (false, "text_back", TEXT_BACK.to_owned()),
                k if k % 2 == 1 => {
                    let reply = pick(self.rng, REPLIES);
                    (true, "reply", self.fill_in(reply, name))
                }
                2 if self.rng.random_bool(0.3) => {
                    (false, "follow_up", self.fill_in(FOLLOW_UP, name))
                }
                _ => {
                    let answer = pick(self.rng, ANSWERS);
                    (false, "staff", self.fill_in(answer, name))
                }
            };
            let status = match (inbound, self.rng.random_range(0..10)) {
                (true, _) => "received",
                (false, 0) => "undelivered",
                (false, 1) => "sent",
                (false, _) => "delivered",
            };
            texts.push(Text {
                id: self.next_message,
                inbound,
                kind,
                body,
                status,
                at,
            });
            self.next_message += 1;
            at += self.rng.random_range(60_000..4 * 3_600_000);
        }
        texts
    }

    /// Where a conversation of `count` messages ended up.
    fn status(&mut self, count: u32) -> ConversationStatus {
        let roll = self.rng.random_range(0..100);
        match (count, roll) {
            (1, 0..90) => ConversationStatus::Texted,
            (1, _) => ConversationStatus::Lost,
            (_, 0..60) => ConversationStatus::Replied,
            (_, 60..90) => ConversationStatus::Booked,
            (_, 90..97) => ConversationStatus::Lost,
            _ => ConversationStatus::Spam,
        }
    }

    /// A message body with its blanks filled.
    fn fill_in(&mut self, template: &str, name: &str) -> String {
        let price = self.rng.random_range(8..90) * 10;
        template
            .replace("{name}", name)
            .replace("{day}", pick(self.rng, DAYS))
            .replace("{time}", pick(self.rng, TIMES))
            .replace("{insurance}", pick(self.rng, INSURERS))
            .replace("{service}", pick(self.rng, SERVICES))
            .replace("{doctor}", pick(self.rng, DOCTORS))
            .replace("{price}", &price.to_string())
    }

    fn event(
        &mut self,
        rows: &mut Inserts<'_>,
        at: i64,
        conversation: i64,
        kind: &EventKind,
    ) -> rusqlite::Result<()> {
        let data = serde_json::to_string(kind).expect("events serialize");
        rows.event
            .execute(params![at, kind.name(), conversation, data])?;
        self.events += 1;
        Ok(())
    }
}

/// The `i`th customer: distinct for every `i` below 200,000, spread over five area codes.
fn customer_number(i: usize) -> String {
    let area = ["212", "646", "917", "347", "718"][i % 5];
    let local = 2_000_000 + (i * 7_919) % 7_999_999;
    format!("+1{area}{local:07}")
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    *items.choose(rng).expect("a non-empty list")
}

const BUSINESS_NUMBERS: &[&str] = &["+12125550100", "+12125550101", "+16465550102"];
const STAFF: &[&str] = &["Front desk", "Dr. Patel", "Maya"];

const TEXT_BACK: &str = "Hi, this is Harbor Dental. Sorry we missed your call! Book at \
                         https://harbor.example/book or just reply here.";
const FOLLOW_UP: &str = "Hi {name}, just checking in from Harbor Dental. Can we help? Reply here \
                         or book at https://harbor.example/book.";
const REPLIES: &[&str] = &[
    "Hi, I called about an appointment {day}",
    "Can I book a cleaning {day} at {time}?",
    "Do you take {insurance}?",
    "Thanks, see you {day}!",
    "What time do you open {day}?",
    "I need to reschedule my appointment, something came up",
    "My tooth has been hurting since {day}, can you fit me in?",
    "How much is a {service} without insurance?",
    "Please call me back at {time}",
    "Is Dr. {doctor} in {day}?",
    "Yes that works",
    "Can my son come in too? He needs a {service}",
];
const ANSWERS: &[&str] = &[
    "Hi {name}, we have an opening {day} at {time}. Does that work?",
    "Yes, we accept {insurance}. Please bring your card.",
    "You're booked for {day} at {time} with Dr. {doctor}. See you then!",
    "A {service} is usually ${price}. Want us to book you in?",
    "We're open {day} from 8 to 5.",
    "Sorry to hear that, {name}. We can see you {day} at {time} for the pain.",
];
const NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Chen", "Olivia", "Noah", "Sofia", "Liam", "Fatima", "Lucas",
    "Emma", "Mateo", "Priya", "Jonas", "Grace", "Omar",
];
const DAYS: &[&str] = &[
    "today",
    "tomorrow",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "next week",
];
const TIMES: &[&str] = &["9am", "9:30", "10:15", "11am", "1pm", "2:45", "3pm", "4:30"];
const INSURERS: &[&str] = &[
    "Delta Dental",
    "Cigna",
    "Aetna",
    "MetLife",
    "Guardian",
    "Humana",
];
const SERVICES: &[&str] = &[
    "cleaning",
    "filling",
    "crown",
    "root canal",
    "whitening",
    "checkup",
    "x-ray",
    "extraction",
];
const DOCTORS: &[&str] = &["Patel", "Nguyen", "Martinez", "Okafor", "Schmidt"];
