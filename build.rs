//! Exports only the C ABI (`epyr_*`) from the shared library: a linker version script hides
//! every other global symbol (Rust and std internals).

fn main() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("epyr.map");
    println!("cargo:rerun-if-changed={}", script.display());
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
            script.display()
        );
    }
}
