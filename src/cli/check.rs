//! `textback check`: what a text costs in segments, what a number is, and whether a webhook's
//! signature is Twilio's.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use textback::ingress::signature::{self, Payload};
use textback::provider::AUTH_TOKEN_ENV;
use textback_text::{phone, sms};

/// The exit code of a command used wrongly (a missing token, a malformed argument).
const USAGE: u8 = 2;

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
    /// Whether an X-Twilio-Signature is valid for a request, with the auth token from
    /// TWILIO_AUTH_TOKEN. Prints `valid` (exit 0) or `invalid` (exit 1).
    Signature {
        /// The full URL Twilio requested, query included, as configured at Twilio.
        #[arg(long)]
        url: String,
        /// The X-Twilio-Signature header's value.
        #[arg(long)]
        signature: String,
        /// A form parameter of the request, as NAME=VALUE (decoded); repeat for each one.
        #[arg(
            long = "param",
            value_name = "NAME=VALUE",
            conflicts_with = "body_file"
        )]
        params: Vec<String>,
        /// The raw body of a JSON webhook, whose URL carries `bodySHA256`.
        #[arg(long, value_name = "FILE")]
        body_file: Option<PathBuf>,
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
        Check::Signature {
            url,
            signature,
            params,
            body_file,
        } => Ok(check_signature(
            &url,
            &signature,
            &params,
            body_file.as_deref(),
        )),
    }
}

fn check_signature(
    url: &str,
    given: &str,
    params: &[String],
    body_file: Option<&std::path::Path>,
) -> ExitCode {
    match signature_matches(url, given, params, body_file) {
        Ok(true) => {
            println!("valid");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("invalid");
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
    }
}

/// Checks the signature; `Err` says why the question itself is malformed.
fn signature_matches(
    url: &str,
    given: &str,
    params: &[String],
    body_file: Option<&std::path::Path>,
) -> Result<bool, String> {
    let token = std::env::var(AUTH_TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("set {AUTH_TOKEN_ENV} to the account's auth token"))?;
    if let Some(path) = body_file {
        if signature::body_hash_param(url).is_none() {
            return Err(format!(
                "--body-file is for JSON webhooks, whose URL has a {} parameter; {url} has none",
                signature::BODY_HASH_PARAM
            ));
        }
        let body =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return Ok(signature::verify(&token, url, Payload::Body(&body), given));
    }
    let pairs = params
        .iter()
        .map(|param| {
            param
                .split_once('=')
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .ok_or_else(|| format!("--param {param:?} is not NAME=VALUE"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signature::verify(&token, url, Payload::Form(&pairs), given))
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
