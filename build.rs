//! Embeds the reviewer's page (`web/`) in the binary: a table of every
//! file under `web/` with its bytes, so `refrain serve` needs nothing
//! beside itself and there is no front-end build step.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=web");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut found = Vec::new();
    files(&root, &mut found);
    found.sort();
    let mut code = String::from("&[\n");
    for path in &found {
        let rel = path
            .strip_prefix(&root)
            .expect("under web/")
            .to_string_lossy()
            .replace('\\', "/");
        code += &format!(
            "    ({rel:?}, include_bytes!({:?}) as &[u8]),\n",
            path.display().to_string()
        );
    }
    code += "]\n";
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs");
    std::fs::write(out, code).expect("web_assets.rs written");
}
