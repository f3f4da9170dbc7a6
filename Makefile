# Textback: `make run` starts the app, `make test` checks everything, `make bench` measures.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test bench deps test-deps

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

## Start Textback in demo mode: the engine and the embedded sandbox, no account needed.
run: deps
	cargo run --bin textback -- demo

## Formatting, lints with warnings as errors, then every test.
test: test-deps
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo build --workspace --all-targets
	cargo test --workspace

## Benchmarks; each prints its figures as one JSON line last.
bench: deps
	cargo bench --bench pipeline
	cargo bench --bench store
