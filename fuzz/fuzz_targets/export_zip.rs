//! Export files as a phone downloads them: a zip holding `export.bin` and `export.sig`, or a
//! bare `export.bin`, opened with `ExportFile::open` and read to the end.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mimamori_core::export::ExportFile;

/// A file of this process's own in a directory of its own (so no `.sig` is found beside it),
/// in memory when /dev/shm exists.
fn input_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("mimamori-fuzz-export-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|error| panic!("cannot make {dir:?}: {error}"));
        dir.join("input")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = input_path();
    std::fs::write(path, data).unwrap_or_else(|error| panic!("cannot write {path:?}: {error}"));
    let Ok(mut file) = ExportFile::open(path) else {
        return;
    };
    let _ = file.signatures();
    if let Ok(mut reader) = file.keys() {
        while let Ok(Some(_)) = reader.next_key() {}
    }
    if let Ok(reader) = file.keys() {
        let _ = reader.finish();
    }
});
