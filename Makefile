# Textback: `make run` starts the app, `make test` checks everything, `make bench` measures,
# `make package` builds the .deb.

SHELL := /bin/bash
# A private Node (see scripts/deps.sh) and rustup's cargo come before the system's.
export PATH := $(CURDIR)/.tools/node/bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: run test bench package deps test-deps ui

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

## The interface, built into ui/dist for the app to embed.
ui: deps
	npm --prefix ui run build --silent

## Start the desktop app. With nothing configured it opens in demo mode: the embedded sandbox,
## simulated calls and replies, no account needed.
run: ui
	cargo run -p textback-desktop

## Formatting, lints with warnings as errors, the interface's checks and unit tests, then every
## Rust test, including the desktop app driven end to end under a virtual display.
test: test-deps ui
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	npm --prefix ui run check
	npm --prefix ui test
	cargo build --workspace --all-targets
	cargo test --workspace

## Benchmarks; each prints its figures as one JSON line last. The desktop one measures the
## release build of the app, as users run it.
bench: test-deps ui
	cargo bench --bench pipeline
	cargo bench --bench store
	cargo build --release -p textback-desktop
	cargo bench --bench desktop

## The Debian package, built by Tauri's bundler (the CLI comes from the interface's npm
## packages): target/release/bundle/deb/*.deb.
package: ui
	cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb
