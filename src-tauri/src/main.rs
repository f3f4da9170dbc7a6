//! Textback's desktop app: the engine behind a window, with notifications and a tray icon.
//!
//! This crate only wires things together. The engine (the `textback` crate) does the work; the
//! commands are thin calls into its handle; one event stream carries what happens to the
//! interface in `ui/`.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod core;
mod desktop;
mod error;
mod prefs;
mod provider_check;
mod secrets;
mod session;
mod ui_event;

use anyhow::Context;
use tauri::{Manager, RunEvent, WindowEvent};
use tracing_subscriber::EnvFilter;

pub use crate::core::Core;

fn main() -> anyhow::Result<()> {
    desktop::prefer_cpu_rendering();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("TEXTBACK_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            desktop::show_window(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            let handle = app.handle().clone();
            let data_dir = session::data_dir(app.path().app_data_dir().ok())?;
            tracing::info!(data_dir = %data_dir.display(), "starting");
            let core = Core::new(data_dir);
            app.manage(core.clone());
            desktop::install_tray(&handle).context("adding the tray icon")?;
            tauri::async_runtime::block_on(core.start(&handle)).context("starting the engine")?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the engine texting back; the tray brings it back.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                if let Err(e) = window.hide() {
                    tracing::warn!(error = %e, "window not hidden");
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::inbox,
            commands::thread,
            commands::send_reply,
            commands::set_status,
            commands::assign,
            commands::add_note,
            commands::set_blocked,
            commands::set_opted_out,
            commands::search,
            commands::calls,
            commands::text_back_call,
            commands::sms_info,
            commands::preview_template,
            commands::settings,
            commands::save_settings,
            commands::save_provider,
            commands::test_connection,
            commands::secret_stored,
            commands::demo_call,
            commands::demo_reply,
            commands::metrics,
            commands::webhook_endpoints,
            commands::send_test_event,
            commands::save_webhook_secret,
            commands::recent_deliveries,
            commands::export_csv,
            commands::preferences,
            commands::save_preferences,
            commands::dial,
        ])
        .build(tauri::generate_context!())
        .context("building the app")?;

    app.run(|app, event| match event {
        // The last window going away (rather than Quit in the tray) leaves the engine texting
        // back; the tray or a second launch opens a new window.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => api.prevent_exit(),
        RunEvent::Exit => {
            let core = app.state::<Core>().inner().clone();
            tauri::async_runtime::block_on(core.shutdown());
        }
        _ => {}
    });
    Ok(())
}
