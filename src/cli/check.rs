//! `textback check`: what a text costs in segments, and what a number is.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use textback_text::{phone, sms};

#[derive(Debug, Subcommand)]
pub enum Check {
    /// Encoding, segments and characters of a text.
    Sms {
        #[arg(long)]
        json: bool,
        /// The text to check.
        text: String,
    },
    /// The E.164 form, country, validity and type of a phone number.
    Number {
        #[arg(long)]
        json: bool,
        /// Country for numbers written without +, such as US.
        #[arg(long)]
        region: Option<String>,
        number: String,
    },
}

pub fn run(check: Check) -> anyhow::Result<ExitCode> {
    match check {
        Check::Sms { json, text } => Ok(check_sms(&text, json)),
        Check::Number {
            json,
            region,
            number,
        } => Ok(check_number(&number, region.as_deref(), json)),
    }
}

fn check_sms(text: &str, as_json: bool) -> ExitCode {
    let info = sms::analyze(text);
    let non_gsm: Vec<String> = info.non_gsm.iter().map(char::to_string).collect();
    if as_json {
        let out = json!({
            "encoding": info.encoding.to_string(),
            "segments": info.segments,
            "characters": info.characters,
            "units": info.units,
            "non_gsm": non_gsm,
        });
        println!("{out}");
    } else {
        let plural = if info.segments == 1 { "" } else { "s" };
        println!(
            "{}, {} segment{plural}, {} characters",
            info.encoding, info.segments, info.characters
        );
        if !non_gsm.is_empty() {
            println!("UCS-2 because of: {}", non_gsm.join(" "));
        }
    }
    ExitCode::SUCCESS
}

fn check_number(number: &str, region: Option<&str>, as_json: bool) -> ExitCode {
    let region = region.map(str::to_ascii_uppercase);
    match phone::parse(number, region.as_deref()) {
        Ok(p) => {
            if as_json {
                let out = json!({
                    "input": number,
                    "e164": p.e164,
                    "country": p.country,
                    "valid": p.valid,
                    "type": p.kind,
                });
                println!("{out}");
            } else {
                let validity = if p.valid {
                    "valid"
                } else {
                    "not a valid number"
                };
                let country = p.country.as_deref().unwrap_or("unknown country");
                println!("{} ({country}, {validity}, {:?})", p.e164, p.kind);
            }
            if p.valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            if as_json {
                println!(
                    "{}",
                    json!({ "input": number, "valid": false, "error": e.to_string() })
                );
            } else {
                eprintln!("cannot read {number:?} as a phone number: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
