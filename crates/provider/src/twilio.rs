//! Twilio client
