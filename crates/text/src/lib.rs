//! Pure text rules Textback applies to what it sends and receives.
#![forbid(unsafe_code)]
