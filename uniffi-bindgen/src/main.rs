//! The workspace's pinned `uniffi-bindgen`: `cargo run -p uniffi-bindgen -- generate ...`.
//! Pinning it here keeps the generator and the `uniffi` runtime in `mimamori-ffi` on one version.

fn main() {
    uniffi::uniffi_bindgen_main()
}
