//! The integration tests of `mimamori-gaen`, in one test binary (one module per concern).

mod export_files;
mod gaen_vectors;
