//! Serves a default sandbox in the foreground, for trying the APIs by hand with curl or for
//! checking its answers against Twilio's OpenAPI document with a validating proxy.
//!
//! `cargo run -p textback-sandbox --example serve -- 127.0.0.1:4010`

use textback_sandbox::Sandbox;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4010".to_owned());
    let sandbox = Sandbox::default();
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "sandbox on http://{} (account {}, token {})",
        listener.local_addr()?,
        sandbox.account_sid(),
        sandbox.auth_token()
    );
    sandbox.serve(listener).await
}
