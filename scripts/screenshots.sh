#!/usr/bin/env bash
# Takes the README's screenshots (docs/screenshots/) from the real app in demo mode, on a
# virtual display with a private session bus, keyring and notification server. Needs what
# `make test-deps` installs and a built app (`cargo build -p textback-desktop`).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] || [ -z "${TEXTBACK_SCREENSHOTS_INNER:-}" ]; then
  exec env TEXTBACK_SCREENSHOTS_INNER=1 dbus-run-session -- "$0" "$@"
fi

scratch="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$scratch"/{data,home,runtime,config,share} && chmod 700 "$scratch/runtime"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/runtime" XDG_CONFIG_HOME="$scratch/config"
export XDG_DATA_HOME="$scratch/share" TEXTBACK_DATA_DIR="$scratch/data"
export TEXTBACK_DESKTOP_BIN="${TEXTBACK_DESKTOP_BIN:-$here/target/debug/textback-desktop}"
export DRIVER_PORT="${DRIVER_PORT:-4455}"

Xvfb :77 -screen 0 1280x800x24 -nolisten tcp & pids+=($!)
export DISPLAY=:77
sleep 1
eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
dunst -config /dev/null >/dev/null 2>&1 & pids+=($!)
tauri-driver --port "$DRIVER_PORT" --native-port "$((DRIVER_PORT + 1))" >"$scratch/driver.log" 2>&1 &
pids+=($!)
sleep 2

mkdir -p "$here/docs/screenshots"
python3 "$here/scripts/screenshots.py" "$here/docs/screenshots"
echo "screenshots written to docs/screenshots/"
