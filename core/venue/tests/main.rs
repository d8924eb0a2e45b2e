//! The integration tests of `mimamori-venue`, in one test binary (one module per concern).

mod venue_vectors;
