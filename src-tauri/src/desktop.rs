//! The app on the desktop beside its window: notifications through the desktop's notification
//! service, the tray icon with the unread count, bringing the window forward, and how WebKit
//! draws it.

use notify_rust::Notification;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Wry};

use crate::ui_event::{emit, UiEvent};

const TRAY_ID: &str = "main";
/// Longest reply shown in a notification; the thread has the rest.
const PREVIEW_CHARS: usize = 180;

/// The tray menu's line that shows the unread count (tray tooltips are not shown everywhere).
struct UnreadItem(MenuItem<Wry>);

/// Has WebKitGTK draw the window on the CPU, unless the environment already says otherwise.
///
/// Accelerated compositing keeps a GL context and its buffers in WebKit's web process. The
/// inbox is text and lists that gain nothing from it, and on the desktop benchmark (Xvfb, Mesa's
/// software GL) it costs about 90 MB: the web process idles at 106 MB of PSS without it and
/// 193 MB with it. `WEBKIT_DISABLE_COMPOSITING_MODE=0` in the environment turns it back on.
///
/// Runs first thing in `main`, before any thread exists to read the environment at the same time.
pub fn prefer_cpu_rendering() {
    const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if cfg!(target_os = "linux") && std::env::var_os(VARIABLE).is_none() {
        std::env::set_var(VARIABLE, "1");
    }
}

/// Shows the main window and gives it focus, opening it again if it was destroyed.
pub fn show_window(app: &AppHandle) {
    let window = match app.get_webview_window("main") {
        Some(window) => window,
        None => match reopen_window(app) {
            Ok(window) => window,
            Err(e) => {
                tracing::warn!(error = %e, "window not opened again");
                return;
            }
        },
    };
    for result in [window.unminimize(), window.show(), window.set_focus()] {
        if let Err(e) = result {
            tracing::debug!(error = %e, "window not brought forward");
        }
    }
}

/// Builds the main window again from the configuration.
fn reopen_window(app: &AppHandle) -> tauri::Result<tauri::WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    tauri::WebviewWindowBuilder::from_config(app, &config)?.build()
}

/// Adds the tray icon: a click opens the window; its menu shows the unread count and quits.
pub fn install_tray(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Textback", true, None::<&str>)?;
    let unread = MenuItem::with_id(app, "unread", "No unread messages", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Textback", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &unread, &separator, &quit])?;

    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Textback")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    app.manage(UnreadItem(unread));
    Ok(())
}

/// Shows `total` unread messages in the tray's tooltip and menu.
pub fn set_unread(app: &AppHandle, total: u64) {
    let text = match total {
        0 => "No unread messages".to_owned(),
        1 => "1 unread message".to_owned(),
        n => format!("{n} unread messages"),
    };
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Err(e) = tray.set_tooltip(Some(format!("Textback: {text}"))) {
            tracing::debug!(error = %e, "tray tooltip not updated");
        }
    }
    if let Some(item) = app.try_state::<UnreadItem>() {
        if let Err(e) = item.0.set_text(text) {
            tracing::debug!(error = %e, "tray menu not updated");
        }
    }
}

/// Raises a notification for a customer's reply; clicking it opens the conversation.
pub fn notify_reply(app: &AppHandle, conversation_id: i64, who: &str, body: &str) {
    let preview: String = body.chars().take(PREVIEW_CHARS).collect();
    let ellipsis = if body.chars().count() > PREVIEW_CHARS {
        "…"
    } else {
        ""
    };
    notify(
        app,
        Some(conversation_id),
        &format!("Reply from {who}"),
        &format!("{preview}{ellipsis}"),
    );
}

/// Raises a notification for a missed call.
pub fn notify_missed_call(app: &AppHandle, conversation_id: Option<i64>, from: &str) {
    notify(
        app,
        conversation_id,
        &format!("Missed call from {from}"),
        "Textback will text them back if the rules allow.",
    );
}

/// Shows a notification, and where the desktop supports actions, opens `conversation_id` when
/// it is clicked. Waiting for the click blocks, so it happens on a thread of its own that ends
/// when the notification closes.
fn notify(app: &AppHandle, conversation_id: Option<i64>, summary: &str, body: &str) {
    let mut notification = Notification::new();
    notification
        .appname("Textback")
        .summary(summary)
        .body(&escape_markup(body))
        .icon("mail-message-new");
    if conversation_id.is_some() {
        notification.action("default", "Open");
    }
    let app = app.clone();
    std::thread::spawn(move || match notification.show() {
        Ok(handle) => {
            #[cfg(all(unix, not(target_os = "macos")))]
            if let Some(conversation_id) = conversation_id {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        show_window(&app);
                        emit(&app, UiEvent::OpenConversation { conversation_id });
                    }
                });
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            let _ = (handle, conversation_id, &app);
        }
        Err(e) => tracing::warn!(error = %e, "notification not shown"),
    });
}

/// Notification servers may read a body as simple markup (`<b>`, `<a href>`), so a customer's
/// text is escaped to show exactly as written.
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    #[test]
    fn a_customer_text_cannot_become_notification_markup() {
        let body = escape_markup("<a href=\"x\">win</a> & <b>");

        assert_eq!(
            body, "&lt;a href=\"x\"&gt;win&lt;/a&gt; &amp; &lt;b&gt;",
            "markup characters are escaped"
        );
    }
}
