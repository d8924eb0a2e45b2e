//! Export files as a phone downloads them: a zip holding `export.bin` and `export.sig`, or a
//! bare `export.bin`, opened with `ExportFile::open` and read to the end.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mimamori_gaen::export::ExportFile;

/// A directory of this process's own (so no `.sig` is found beside the input), in memory when
/// /dev/shm exists. It is made for each input and removed after it, so nothing is left behind.
fn input_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        base.join(format!("mimamori-fuzz-export-zip-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = input_dir();
    std::fs::create_dir_all(dir).unwrap_or_else(|error| panic!("cannot make {dir:?}: {error}"));
    let path = dir.join("input");
    std::fs::write(&path, data).unwrap_or_else(|error| panic!("cannot write {path:?}: {error}"));
    if let Ok(mut file) = ExportFile::open(&path) {
        let _ = file.signatures();
        if let Ok(mut reader) = file.keys() {
            while let Ok(Some(_)) = reader.next_key() {}
        }
        if let Ok(reader) = file.keys() {
            let _ = reader.finish();
        }
    }
    let _ = std::fs::remove_dir_all(dir);
});
