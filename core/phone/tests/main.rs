//! The integration tests of `mimamori-phone`, in one test binary (one module per concern).

mod crash;
mod radio;
mod venue_phone;
