//! `textback simulate`: drives a sandbox's control API, as a caller or a customer would.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum Simulate {
    /// Place a call to a business number.
    Call {
        /// The caller's number, E.164.
        #[arg(long)]
        from: String,
        /// The business number called, E.164.
        #[arg(long)]
        to: String,
        /// answered, no-answer, busy, canceled, failed, voicemail or hangup.
        #[arg(long, default_value = "no-answer")]
        outcome: String,
    },
    /// Send a text from a customer to a business number.
    Sms {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        body: String,
    },
}

pub async fn run(sandbox: &str, what: Simulate) -> anyhow::Result<ExitCode> {
    let base = sandbox.trim_end_matches('/');
    let (url, body) = match &what {
        Simulate::Call { from, to, outcome } => (
            format!("{base}/sandbox/calls"),
            json!({"from": from, "to": to, "outcome": outcome}),
        ),
        Simulate::Sms { from, to, body } => (
            format!("{base}/sandbox/sms"),
            json!({"from": from, "to": to, "body": body}),
        ),
    };
    let response = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .with_context(|| format!("cannot reach the sandbox at {base}"))?;
    let status = response.status();
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        let reason = answer["error"].as_str().unwrap_or("no reason given");
        eprintln!("the sandbox refused: {reason} (HTTP {status})");
        return Ok(ExitCode::FAILURE);
    }
    println!("{}", answer["sid"].as_str().unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}
