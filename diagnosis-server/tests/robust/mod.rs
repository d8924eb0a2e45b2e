//! Issue 13, the process-level robustness tests: the real binary under `ulimit -n`, `umask 000`
//! and SIGKILL while holding an export claim; headers, JSON errors and timeouts over HTTP in
//! process; the largest venue registration the validation accepts.

mod export_lease;
mod files;
mod responses;
mod slow_clients;
mod venue_limits;
