//! COCOA's `list.json`, read with `parse_export_list`; what reads renders (with
//! `render_export_list`) to JSON that reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_api::v1::{parse_export_list, render_export_list};

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = parse_export_list(data) {
        let again = parse_export_list(render_export_list(&entries).as_bytes())
            .expect("a rendered list reads");
        assert_eq!(again, entries);
    }
});
