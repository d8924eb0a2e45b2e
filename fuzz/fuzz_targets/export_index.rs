//! A region's `index.txt`, read with `ExportIndex::parse`; what reads renders to text that reads
//! back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mimamori_api::v1::ExportIndex;

fuzz_target!(|data: &[u8]| {
    if let Ok(index) = ExportIndex::parse(data) {
        let again = ExportIndex::parse(index.render().as_bytes()).expect("a rendered index reads");
        assert_eq!(again, index);
        assert_eq!(ExportIndex::new(index.paths().to_vec()).ok(), Some(index));
    }
});
