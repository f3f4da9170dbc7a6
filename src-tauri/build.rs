//! Tauri's build step, with a permission generated for each of the app's commands so the
//! capability file can grant the interface exactly the commands it uses.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_state",
        "inbox",
        "thread",
        "send_reply",
        "set_status",
        "assign",
        "add_note",
        "set_blocked",
        "set_opted_out",
        "search",
        "calls",
        "text_back_call",
        "sms_info",
        "preview_template",
        "settings",
        "save_settings",
        "save_provider",
        "test_connection",
        "secret_stored",
        "demo_call",
        "demo_reply",
        "metrics",
        "webhook_endpoints",
        "send_test_event",
        "save_webhook_secret",
        "recent_deliveries",
        "export_csv",
        "preferences",
        "save_preferences",
        "dial",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("the Tauri build step failed");
}
