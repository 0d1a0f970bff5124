//! Transaction logs (`.LOG1`/`.LOG2`) beside a primary hive: detecting a dirty hive and deciding
//! what to do with the logs after a write (work in progress).
